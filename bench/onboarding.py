"""Onboarding cost and engine speed, printed as one JSON object.

For each language: how many messages she sends and receives, and how many characters the bot
sends, to complete onboarding (as a text-only phone shows them, options included). Then the engine's
speed on SQLite: inbound messages handled per second (each one a full transaction: dedupe, state,
outbox), with the delivery worker rendering and "sending" everything through a null channel.

    python bench/onboarding.py [--women 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build  # noqa: E402
from bot.channels.base import Outgoing  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.clock import SystemClock  # noqa: E402
from flows.messages import ChannelKind, Inbound  # noqa: E402
from storage.db import Database  # noqa: E402

# The same woman's answers; only the language digit differs (1 es, 2 fr, 3 en).
ANSWERS = [
    "hola",
    None,
    "1",
    "Carmen",
    "1",
    "El Alto",
    "Tejidos Carmen",
    "2",
    "3",
    "2",
    "2 7",
    "4 1",
    "1 5",
    "1 2",
    "1",
    "1",
]
LANGUAGE_DIGIT = {"es": "1", "fr": "2", "en": "3"}


class CountingChannel:
    kinds = (ChannelKind.CONSOLE.value,)
    rate = 1_000_000.0
    per_address_rate = 0.0

    def __init__(self) -> None:
        self.messages = 0
        self.characters = 0

    async def send(self, message: Outgoing) -> str | None:
        self.messages += 1
        self.characters += len(message.rendered.as_numbered_text(message.language))
        return None


def script(language: str) -> list[str]:
    return [LANGUAGE_DIGIT[language] if answer is None else answer for answer in ANSWERS]


def one_onboarding(folder: Path, language: str) -> dict[str, int]:
    channel = CountingChannel()
    db = Database(f"sqlite:///{folder / f'{language}.db'}")
    db.upgrade()
    app = build(Settings(_env_file=None), channels=[channel], clock=SystemClock(), db=db)
    for n, text in enumerate(script(language)):
        app.engine.handle(Inbound(ChannelKind.CONSOLE, "carmen", text, platform_key=str(n)))
        asyncio.run(app.delivery.drain())
    db.dispose()
    inbound = len(ANSWERS)
    return {
        "messages_from_her": inbound,
        "messages_from_bot": channel.messages,
        "messages_exchanged": inbound + channel.messages,
        "characters_from_bot": channel.characters,
    }


def engine_speed(folder: Path, women: int) -> dict[str, float]:
    channel = CountingChannel()
    db = Database(f"sqlite:///{folder / 'speed.db'}")
    db.upgrade()
    app = build(Settings(_env_file=None), channels=[channel], clock=SystemClock(), db=db)
    languages = list(LANGUAGE_DIGIT)
    steps = 0
    handle_seconds = 0.0
    started = time.perf_counter()
    for woman in range(women):
        for n, text in enumerate(script(languages[woman % 3])):
            inbound = Inbound(ChannelKind.CONSOLE, f"w{woman}", text, platform_key=f"{woman}-{n}")
            t0 = time.perf_counter()
            app.engine.handle(inbound)
            handle_seconds += time.perf_counter() - t0
            steps += 1
        asyncio.run(app.delivery.drain())
    total = time.perf_counter() - started
    db.dispose()
    return {
        "women_onboarded": women,
        "engine_steps": steps,
        "engine_steps_per_second": round(steps / handle_seconds, 1),
        "steps_per_second_including_delivery": round(steps / total, 1),
        "messages_delivered": channel.messages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--women", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        per_language = {lang: one_onboarding(Path(folder), lang) for lang in LANGUAGE_DIGIT}
        speed = engine_speed(Path(folder), args.women)
    print(json.dumps({"database": "sqlite", "per_language": per_language, **speed}))


if __name__ == "__main__":
    main()
