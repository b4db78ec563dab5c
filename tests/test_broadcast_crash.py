"""Crash mid-broadcast: a real delivery process is killed with SIGKILL after part of the audience
was sent; a new one finishes. Nobody gets it twice except the messages in flight at the kill,
everyone eligible gets it, and the delivery report adds up.

Run as a script, this file is the delivery process: `python tests/test_broadcast_crash.py
DB_URL TWILIO_URL BROADCAST_ID CLOCK_OFFSET_SECONDS`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
WOMEN = 200  # 100 on WhatsApp, 100 on SMS
MPS = 40.0


def _settings(db_url: str, twilio_url: str):  # type: ignore[no-untyped-def]
    from bot.settings import Settings
    from tests.support.twilio_standin import (
        ACCOUNT_SID,
        AUTH_TOKEN,
        PUBLIC_BASE_URL,
        SMS_FROM,
        TEMPLATES,
        WHATSAPP_FROM,
    )

    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        public_base_url=PUBLIC_BASE_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_whatsapp_from=WHATSAPP_FROM,
        twilio_sms_from=SMS_FROM,
        twilio_api_base_url=twilio_url,
        twilio_whatsapp_mps=MPS,
        twilio_sms_mps=MPS,
        twilio_templates=TEMPLATES,
    )


class OffsetClock:
    """The system clock moved by a fixed amount (the restart happens "later")."""

    def __init__(self, seconds: float) -> None:
        self.offset = timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def worker(db_url: str, twilio_url: str, broadcast_id: int, offset: float) -> None:
    import asyncio

    from bot.app import build
    from bot.channels.twilio import twilio_channels
    from bot.cli_coordination import deliver_until_done
    from storage.db import Database

    settings = _settings(db_url, twilio_url)
    clock = OffsetClock(offset)
    channels = twilio_channels(settings, clock=clock)
    app = build(settings, channels=list(channels), clock=clock, db=Database(db_url))
    for channel in channels:
        channel.bind(app)
    asyncio.run(deliver_until_done(app, broadcast_id, poll=0.05))


def _spawn(db_url: str, twilio_url: str, broadcast_id: int, offset: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, __file__, db_url, twilio_url, str(broadcast_id), str(offset)],
        cwd=ROOT,
        env=env,
    )


@pytest.mark.fault
def test_killed_mid_broadcast_the_rest_is_sent_once(db, clock):
    from flows import broadcasts
    from flows.broadcasts import Audience
    from flows.coordination import Actor
    from storage.models import OutboundMessage, OutboxStatus
    from tests.support import programme
    from tests.support.twilio_standin import running_standin

    now = datetime.now(UTC)  # the worker runs on the real clock
    with db.session() as s:
        for n in range(WOMEN):
            channel = "whatsapp" if n % 2 else "sms"
            programme.woman(
                s,
                f"+1604555{n:04d}",
                now=now,
                channel=channel,
                country="SN",
                timezone="UTC",  # never in quiet hours, whenever the test runs
            )
        for n in range(5):
            programme.woman(s, f"+1604666{n:04d}", now=now, channel="sms", opted_out=True)
    config = _settings(db.url, "http://unused").flow_config()
    config = type(config)(quiet_start=0, quiet_end=0)  # no quiet hours for this test
    with db.session() as s:
        draft = broadcasts.draft(
            s, config, Actor.operator("t"), audience=Audience(), texts={"fr": "Bonjour"}, now=now
        )
        queued = broadcasts.send(
            s, config, Actor.operator("t"), draft, now=now, pace={"whatsapp": MPS, "sms": MPS}
        )
        broadcast_id = draft.id or 0
    assert queued == WOMEN

    with running_standin() as twilio:
        first = _spawn(db.url, twilio.url, broadcast_id, 0)
        deadline = time.monotonic() + 60
        while len(twilio.accepted) < WOMEN // 3 and time.monotonic() < deadline:
            if first.poll() is not None:
                pytest.fail(f"the delivery process ended early ({first.returncode})")
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        at_kill = len(twilio.accepted)
        with db.session() as s:
            in_flight = len(
                s.exec(
                    select(OutboundMessage).where(OutboundMessage.status == OutboxStatus.SENDING)
                ).all()
            )
        assert 0 < at_kill < WOMEN, at_kill

        # Restarted "three minutes later": the lease of the messages in flight has run out.
        second = _spawn(db.url, twilio.url, broadcast_id, 180)
        assert second.wait(timeout=120) == 0

        got = Counter(call["To"].removeprefix("whatsapp:") for call in twilio.accepted)
    eligible = {f"+1604555{n:04d}" for n in range(WOMEN)}
    assert set(got) == eligible  # everyone, and nobody else
    twice = sum(count - 1 for count in got.values())
    assert twice <= in_flight, (twice, in_flight)
    with db.session() as s:
        report = broadcasts.delivery_report(s, broadcasts.get(s, broadcast_id), now=clock.now())
    assert (report.sent, report.queued, report.failed, report.skipped) == (WOMEN, 0, 0, 5)
    assert report.total == WOMEN + 5


if __name__ == "__main__":
    worker(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
