"""Two dispatcher processes on one PostgreSQL database: every nudge is delivered exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from flows.config import FlowConfig
from flows.sessions import confirm
from storage.meetings import Meeting
from storage.models import OutboundMessage
from storage.nudges import Nudge, NudgeStatus
from tests.support.databases import postgres_database
from tests.support.sessions import AWA, CARMEN, active_pair, add_woman

pytestmark = pytest.mark.postgres

WORKER = """
import json, sys
from datetime import datetime
from flows.config import FlowConfig
from flows.nudges import dispatch_due
from storage.db import Database
db = Database(sys.argv[1])
config = FlowConfig(quiet_start=0, quiet_end=0)
result = dispatch_due(db, datetime.fromisoformat(sys.argv[2]), config, batch=int(sys.argv[3]))
db.dispose()
print(json.dumps(result.__dict__))
"""
PAIRS = 150


def test_two_processes_deliver_every_nudge_exactly_once():
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    config = FlowConfig(quiet_start=0, quiet_end=0)
    start = now + timedelta(days=3)
    with postgres_database() as db:
        for number in range(PAIRS):
            a = add_woman(db, f"a{number}", CARMEN, now=now)
            b = add_woman(db, f"b{number}", AWA, now=now)
            pair = active_pair(db, a, b, now=now)
            with db.session() as session:
                meeting = Meeting(
                    pair_id=pair,
                    proposer_id=a,
                    proposer_zone="America/La_Paz",
                    options=[start.isoformat()],
                    local_options=["2026-03-05T11:00"],
                    proposed_at=now,
                    created_at=now,
                    updated_at=now,
                )
                session.add(meeting)
                session.flush()
                confirm(session, meeting, 0, now=now, config=config)
        due = (start - timedelta(hours=24)).isoformat()  # every 24 h reminder, 2 per pair
        root = Path(__file__).resolve().parent.parent
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, db.url, due, "7"],
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        with db.session() as session:
            reminders = session.exec(
                select(Nudge).where(
                    Nudge.purpose == "reminder", Nudge.due_at <= datetime.fromisoformat(due)
                )
            ).all()
            messages = session.exec(
                select(OutboundMessage).where(OutboundMessage.purpose == "reminder")
            ).all()
    assert len(reminders) == 2 * PAIRS
    assert all(n.status == NudgeStatus.SENT for n in reminders)
    assert sum(r["fired"] for r in results) == 2 * PAIRS
    assert all(r["fired"] > 0 for r in results), results  # both really worked
    per_woman = Counter(m.participant_id for m in messages)
    assert len(per_woman) == 2 * PAIRS and set(per_woman.values()) == {1}
