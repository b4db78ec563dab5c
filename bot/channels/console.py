"""The local chat channel: the real engine, database and outbox, talking through a terminal.

Options are shown as a numbered list, as on WhatsApp and SMS. Each `--as NAME` is one person, so a
coordinator can play two women in two terminals: a terminal shows only its own person's messages;
one for somebody else (her introduction, a coordinator alert) waits, held, until that person opens
her own chat. When standard input is not a terminal, lines are
read from it one by one, so a whole conversation can be scripted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.channels.base import Held, Outgoing
from bot.delivery import Delivery
from flows.engine import Engine
from flows.messages import ChannelKind, Inbound
from storage import outbox


class ConsoleChannel:
    """Prints each message the way a text-only phone shows it."""

    kinds = (ChannelKind.CONSOLE.value,)
    rate = 1000.0
    per_address_rate = 0.0

    def __init__(self, me: str, write: Callable[[str], None] | None = None) -> None:
        self.me = me
        self._write = write or _print

    async def send(self, message: Outgoing) -> str | Held | None:
        if message.address != self.me:
            return Held()  # not hers: it waits for its reader's own terminal
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
    waiting = await asyncio.to_thread(_release_held_for, engine, name)
    if not (waiting and kind == "open"):  # what waited for her says more than a repeat
        await asyncio.to_thread(engine.handle, inbound)
    await delivery.drain()


def _release_held_for(engine: Engine, name: str) -> int:
    """What came for her while another terminal was open is due now that she is here."""
    with engine.db.session() as session:
        return outbox.release_held(
            session, channel=ChannelKind.CONSOLE.value, address=name, now=engine.clock.now()
        )
