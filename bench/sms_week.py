"""What a typical week costs a woman on SMS, in segments the carrier bills her, as one JSON object.

Her week, in Spanish (La Paz), French (Dakar) and English: paired for seven days with nothing
planned, she gets the "no session yet" nudge and answers "not now"; another day she writes
"hola" with nothing asked, then MENU; she thanks the bot (which closes the menu); a tip reaches
her. Each event: messages she received, characters, and segments as the SMS channel sends them
(`SMS_TRANSLITERATE=auto`, the default); "week": the totals.

    python bench/sms_week.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import App, build  # noqa: E402
from bot.channels.base import Outgoing  # noqa: E402
from bot.channels.twilio_text import sms_body, sms_cost  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.clock import FakeClock  # noqa: E402
from flows.messages import ChannelKind, Inbound  # noqa: E402
from flows.nudges import dispatch_due, scan_pairs  # noqa: E402
from flows.render import Reader, Rendered, render_msg  # noqa: E402
from flows.tips import library, tip_message  # noqa: E402
from storage import conversations  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import ChannelAddress, Participant  # noqa: E402
from storage.pairs import Cohort, Pair, PairStatus, ordered  # noqa: E402

PHONE = "+59170000001"
WOMEN = {
    "es": {"name": "Carmen", "locale": "es", "country": "BO", "timezone": "America/La_Paz"},
    "fr": {"name": "Awa", "locale": "fr", "country": "SN", "timezone": "Africa/Dakar"},
    "en": {"name": "Awa", "locale": "en", "country": "SN", "timezone": "Africa/Dakar"},
}
PEER = {"name": "Julie", "locale": "fr", "country": "CA", "timezone": "America/Toronto"}
WORDS = {
    "es": {"not_now": "ahora no", "hello": "hola", "menu": "menú", "thanks": "gracias"},
    "fr": {"not_now": "pas maintenant", "hello": "bonjour", "menu": "menu", "thanks": "merci"},
    "en": {"not_now": "not now", "hello": "hello", "menu": "menu", "thanks": "thanks"},
}
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # daytime in La Paz, Dakar and Montréal


class SmsChannel:
    """Records what the SMS channel would send."""

    kinds = (ChannelKind.SMS.value, ChannelKind.CONSOLE.value)
    rate = 1_000_000.0
    per_address_rate = 0.0

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        return None


def _cost(messages: list[Outgoing]) -> dict[str, int]:
    return {
        "messages": len(messages),
        "characters": sum(len(sms_body(m.rendered, m.language)) for m in messages),
        "segments": sum(sms_cost(sms_body(m.rendered, m.language)) for m in messages),
    }


def _woman(db: Database, profile: dict, address: str, channel: str, now: datetime) -> int:
    with db.session() as session:
        person = Participant(**profile, consent_at=now, onboarded_at=now, created_at=now,
                             availability=["wd_morning", "wd_afternoon", "wd_evening"])  # fmt: skip
        session.add(person)
        session.flush()
        session.add(ChannelAddress(participant_id=person.id or 0, channel=channel,
                                   address=address, created_at=now))  # fmt: skip
        conversations.save(session, participant_id=person.id or 0, flow="home", step="idle",
                           data={}, offered=[], now=now)  # fmt: skip
        return person.id or 0


def _pair(db: Database, first: int, second: int, now: datetime) -> None:
    with db.session() as session:
        cohort = Cohort(name="Bench", invite_code="BENCH", modes=["open"], created_at=now)
        session.add(cohort)
        session.flush()
        a, b = ordered(first, second)
        session.add(Pair(cohort_id=cohort.id or 0, a_id=a, b_id=b, status=PairStatus.ACTIVE,
                         proposed_at=now, introduced_at=now, active_at=now))  # fmt: skip


class Week:
    def __init__(self, folder: Path, language: str) -> None:
        self.language = language
        self.clock = FakeClock(MONDAY)
        self.channel = SmsChannel()
        self.db = Database(f"sqlite:///{folder / f'{language}.db'}")
        self.db.upgrade()
        self.app: App = build(Settings(_env_file=None), channels=[self.channel],
                              clock=self.clock, db=self.db)  # fmt: skip
        self.seen = 0
        self.count = 0

    def fresh(self) -> list[Outgoing]:
        asyncio.run(self.app.delivery.drain())
        mine = [m for m in self.channel.sent if m.address == PHONE]
        new, self.seen = mine[self.seen :], len(mine)
        return new

    def says(self, text: str, kind: str = "text") -> list[Outgoing]:
        self.fresh()
        self.count += 1
        self.app.engine.handle(Inbound(ChannelKind.SMS, PHONE, text, kind=kind,
                                       platform_key=f"{self.language}-{self.count}"))  # fmt: skip
        return self.fresh()

    def run(self) -> dict[str, object]:
        words = WORDS[self.language]
        her = _woman(self.db, WOMEN[self.language], PHONE, "sms", self.clock.now())
        peer = _woman(self.db, PEER, "peer", "console", self.clock.now())
        _pair(self.db, her, peer, self.clock.now())
        with self.db.session() as session:
            scan_pairs(session, now=self.clock.now(), config=self.app.engine.config)
        until = self.clock.now() + timedelta(days=7, hours=6)
        while self.clock.now() < until:
            self.clock.advance(timedelta(hours=1))
            dispatch_due(self.db, self.clock.now(), self.app.engine.config)
        events = {"no_session_nudge": _cost(self.fresh())}
        events["nudge_answered_not_now"] = _cost(self.says(words["not_now"]))
        events["hello_at_rest"] = _cost(self.says(words["hello"]))
        events["menu"] = _cost(self.says(words["menu"]))
        events["thanks"] = _cost(self.says(words["thanks"]))
        reader = Reader(self.language, None, None)
        tips = [Rendered(render_msg(tip_message(tip), reader)) for tip in library()[:1]]
        events["tip"] = {
            "messages": 1,
            "characters": len(sms_body(tips[0], self.language)),
            "segments": sms_cost(sms_body(tips[0], self.language)),
        }
        self.db.dispose()
        total = {key: sum(int(e[key]) for e in events.values()) for key in ("messages", "segments")}
        return {"events": events, "week": total}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = {language: Week(Path(folder), language).run() for language in WORDS}
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
