"""The local chat channel: the real engine, database and outbox, talking through a terminal.

Options are shown as a numbered list, as on WhatsApp and SMS. Each `--as NAME` is one person, so a
coordinator can play two women in two terminals. When standard input is not a terminal, lines are
read from it one by one, so a whole conversation can be scripted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.channels.base import Outgoing
from bot.delivery import Delivery
from flows.engine import Engine
from flows.messages import ChannelKind, Inbound


class ConsoleChannel:
    """Prints each message the way a text-only phone shows it."""

    kinds = (ChannelKind.CONSOLE.value,)
    rate = 1000.0
    per_address_rate = 0.0

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self._write = write or _print
        self._count = 0

    async def send(self, message: Outgoing) -> str | None:
        self._count += 1
        self._write(message.rendered.as_numbered_text(message.language))
        return f"console-{message.outbox_id}"


def _print(text: str) -> None:
    sys.stdout.write(
        f"\n\033[1mEntrepairs\033[0m\n{text}\n" if sys.stdout.isatty() else f"{text}\n"
    )
    sys.stdout.flush()


async def chat(engine: Engine, delivery: Delivery, name: str, source: TextIO) -> int:
    """Run the conversation of `name` until end of input or Ctrl-D; returns lines read."""
    interactive = source.isatty()
    lines = 0
    await _turn(engine, delivery, name, "", kind="open")
    while True:
        if interactive:
            sys.stdout.write(f"\n{name}> ")
            sys.stdout.flush()
        line = await asyncio.to_thread(source.readline)
        if not line:
            return lines
        lines += 1
        text = line.rstrip("\n")
        if not interactive:
            sys.stdout.write(f"> {text}\n")
        await _turn(engine, delivery, name, text)


async def _turn(
    engine: Engine, delivery: Delivery, name: str, text: str, kind: str = "text"
) -> None:
    inbound = Inbound(channel=ChannelKind.CONSOLE, address=name, text=text, kind=kind)
    await asyncio.to_thread(engine.handle, inbound)
    await delivery.drain()
