"""Onboarding cost and engine speed, printed as one JSON object.

For each language and each channel: how many messages she sends and receives, how many characters
the bot sends and its longest message, to complete onboarding, and on SMS the segments the carrier
bills (GSM-7 or UCS-2, per `bot.channels.twilio_text`). Telegram shows options as buttons (their
labels count as characters); WhatsApp and SMS show them as a numbered list; "sms" is sent as the
default deployment sends it (`SMS_TRANSLITERATE=auto`: accents dropped only where that saves a
segment), "sms_accents_kept" with `SMS_TRANSLITERATE=never`. `goals` checks the
targets: at most 12 messages, 2,000 characters, 25 SMS segments, 320 characters a message.
Then the engine's speed on SQLite: inbound messages handled per second (each one a full
transaction: dedupe, state, outbox), with the delivery worker rendering and "sending" everything
through a null channel.

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
from bot.channels.twilio_text import (  # noqa: E402
    WHATSAPP_LIMIT,
    segments,
    sms_body,
    sms_parts,
    split,
    units,
)
from bot.settings import Settings  # noqa: E402
from flows.clock import SystemClock  # noqa: E402
from flows.messages import ChannelKind, Inbound  # noqa: E402
from flows.render import Rendered  # noqa: E402
from storage.db import Database  # noqa: E402

# The same woman's answers; only the language digit differs (1 es, 2 fr, 3 en).
ANSWERS = [
    "hola",
    None,
    "1",  # consent, sharing her contact
    "Carmen",
    "1 El Alto",
    "Tejidos Carmen 2",
    "3",
    "2",
    "2 7 / 4 1",
    "5",  # Quechua besides her language
    "1 2",
]
LANGUAGE_DIGIT = {"es": "1", "fr": "2", "en": "3"}
GOALS = {"messages": 12, "characters": 2000, "sms_segments": 25, "longest_message": 320}


class CountingChannel:
    kinds = (ChannelKind.CONSOLE.value,)
    rate = 1_000_000.0
    per_address_rate = 0.0

    def __init__(self) -> None:
        self.messages = 0
        self.characters = 0
        self.sent: list[tuple[Rendered, str]] = []

    async def send(self, message: Outgoing) -> str | None:
        self.messages += 1
        self.characters += len(message.rendered.as_numbered_text(message.language))
        self.sent.append((message.rendered, message.language))
        return None


def _bodies(sent: list[tuple[Rendered, str]], channel: str) -> list[str]:
    """What each channel puts on her screen, one string per platform message."""
    if channel == "telegram":  # options are buttons: their labels are read, not typed
        return [r.text + "".join(label for _key, label in r.options) for r, _lang in sent]
    if channel == "whatsapp":
        texts = [r.as_numbered_text(lang) for r, lang in sent]
        return [part for text in texts for part in split(text, WHATSAPP_LIMIT)]
    transliteration = "never" if channel == "sms_accents_kept" else "auto"
    texts = [sms_body(r, lang, transliteration) for r, lang in sent]
    return [part for text in texts for part in sms_parts(text)]


def channel_cost(sent: list[tuple[Rendered, str]], channel: str) -> dict[str, int]:
    """Messages, characters, longest message and (on SMS) billed segments for one channel."""
    bodies = _bodies(sent, channel)
    cost = {
        "messages_from_bot": len(bodies),
        "characters_from_bot": sum(units(body) for body in bodies),
        "longest_message": max((units(body) for body in bodies), default=0),
    }
    if channel.startswith("sms"):
        cost["sms_segments"] = sum(segments(body)[1] for body in bodies)
        cost["ucs2_messages"] = sum(segments(body)[0] == "UCS-2" for body in bodies)
    return cost


def within_goals(cost: dict[str, int]) -> bool:
    return (
        cost["messages_from_bot"] <= GOALS["messages"]
        and cost["characters_from_bot"] <= GOALS["characters"]
        and cost.get("sms_segments", 0) <= GOALS["sms_segments"]
        and cost["longest_message"] <= GOALS["longest_message"]
    )


def script(language: str) -> list[str]:
    return [LANGUAGE_DIGIT[language] if answer is None else answer for answer in ANSWERS]


CHANNELS = ("telegram", "whatsapp", "sms", "sms_accents_kept")


def one_onboarding(folder: Path, language: str) -> dict[str, object]:
    channel = CountingChannel()
    db = Database(f"sqlite:///{folder / f'{language}.db'}")
    db.upgrade()
    app = build(Settings(_env_file=None), channels=[channel], clock=SystemClock(), db=db)
    for n, text in enumerate(script(language)):
        app.engine.handle(Inbound(ChannelKind.CONSOLE, "carmen", text, platform_key=str(n)))
        asyncio.run(app.delivery.drain())
    db.dispose()
    inbound = len(ANSWERS)
    per_channel = {name: channel_cost(channel.sent, name) for name in CHANNELS}
    for cost in per_channel.values():
        cost["within_goals"] = within_goals(cost)
    return {
        "messages_from_her": inbound,
        "messages_from_bot": channel.messages,
        "messages_exchanged": inbound + channel.messages,
        "characters_from_bot": channel.characters,
        "channels": per_channel,
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
    report = {"database": "sqlite", "goals": GOALS, "per_language": per_language, **speed}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
