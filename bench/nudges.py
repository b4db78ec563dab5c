"""Plan 100,000 nudges for 10,000 women, then dispatch 10,000 falling due at once; prints one JSON.

python bench/nudges.py [--participants 10000] [--nudges 100000] [--due 10000] [--postgres URL]

Measured on SQLite (a temporary file) and on PostgreSQL when one is reachable (TEST_DATABASE_URL,
else postgresql://postgres@127.0.0.1/test; a throw-away schema). Planning goes through the real
planning rules (reminders, check-ins, session close, no-session ladder) and the bulk idempotent
insert; dispatching through the real dispatcher and reminder handler into the outbox. Lateness is
how long after the common due time each nudge's message was committed to the outbox (the
scheduler's one-minute tick adds up to 60 s on top in production).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from flows import registry  # noqa: E402
from flows.config import FlowConfig  # noqa: E402
from flows.nudges import _fire_batch, ladder_rows, meeting_rows  # noqa: E402
from flows.triggers import purposes  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.meetings import Meeting, MeetingStatus, plan_many  # noqa: E402
from storage.models import ChannelAddress, Participant  # noqa: E402
from storage.nudges import Nudge  # noqa: E402
from storage.pairs import Cohort, Pair, PairStatus  # noqa: E402

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # no daylight-saving change nearby
START = NOW + timedelta(hours=24)  # every first session starts at once: 10,000 reminders due now
ZONES = ["America/La_Paz", "Africa/Dakar", "America/Toronto", "America/Vancouver"]
NO_QUIET = FlowConfig(quiet_start=0, quiet_end=0)  # so the 10,000 fall due at the same instant
PLANNED_AT = NOW - timedelta(days=2)  # sessions were agreed two days before


def populate(db: Database, participants: int) -> tuple[list[Participant], list[Pair]]:
    """Women, their addresses, one cohort and active pairs (bulk inserts)."""
    with db.session() as session:
        session.execute(
            insert(Participant),
            [
                {
                    "public_id": uuid.uuid4().hex[:12],
                    "name": f"W{number}",
                    "locale": ("es", "fr", "en")[number % 3],
                    "timezone": ZONES[number % len(ZONES)],
                    "consent_at": NOW,
                    "onboarded_at": NOW,
                    "created_at": NOW,
                    "skills_offered": [],
                    "skills_wanted": [],
                    "mentor_languages": [],
                    "availability": [],
                    "diaspora_ties": [],
                }
                for number in range(participants)
            ],
        )
        women = list(session.exec(select(Participant).order_by(Participant.id)))  # type: ignore[arg-type]
        session.execute(
            insert(ChannelAddress),
            [
                {
                    "participant_id": w.id,
                    "channel": "console",
                    "address": f"w{w.id}",
                    "created_at": NOW,
                }
                for w in women
            ],
        )
        cohort = Cohort(name="bench", invite_code=uuid.uuid4().hex[:8], modes=[], created_at=NOW)
        session.add(cohort)
        session.flush()
        session.execute(
            insert(Pair),
            [
                {
                    "cohort_id": cohort.id,
                    "a_id": women[i].id,
                    "b_id": women[i + 1].id,
                    "status": PairStatus.ACTIVE,
                    "score": 0.0,
                    "reasons": [],
                    "locked": False,
                    "proposed_at": NOW,
                    "active_at": NOW - timedelta(days=1),
                }
                for i in range(0, len(women) - 1, 2)
            ],
        )
        pairs = list(session.exec(select(Pair).order_by(Pair.id)))  # type: ignore[arg-type]
        session.execute(
            insert(Meeting),
            [
                {
                    "pair_id": p.id,
                    "proposer_id": p.a_id,
                    "proposer_zone": "UTC",
                    "options": [when.isoformat()],
                    "local_options": [],
                    "status": MeetingStatus.CONFIRMED,
                    "start_at": when,
                    "mode": "video",
                    "sequence": 1,
                    "version": 1,
                    "proposed_at": NOW,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for when in (START, START + timedelta(days=7))
                for p in pairs
            ],
        )
        session.expunge_all()
    return women, pairs


def plan(
    db: Database, women: list[Participant], pairs: list[Pair], total: int
) -> tuple[int, float]:
    """Plan up to `total` nudges with the real rules; returns (written, seconds)."""
    by_id = {w.id: w for w in women}
    began = time.perf_counter()
    with db.session() as session:
        meetings = list(session.exec(select(Meeting).order_by(Meeting.id)))  # type: ignore[arg-type]
        pair_of = {p.id: p for p in pairs}
        rows: list[dict] = []
        for meeting in meetings:
            pair = pair_of[meeting.pair_id]
            members = [by_id[pair.a_id], by_id[pair.b_id]]
            rows.extend(meeting_rows(meeting, members, now=PLANNED_AT, config=NO_QUIET))
        for pair in pairs:
            members = [by_id[pair.a_id], by_id[pair.b_id]]
            rows.extend(
                ladder_rows(
                    pair,
                    members,
                    anchor=PLANNED_AT,
                    cause="bench",
                    now=PLANNED_AT,
                    config=NO_QUIET,
                )
            )
        rows = rows[:total]
        written = 0
        for chunk in range(0, len(rows), 5000):
            written += plan_many(session, rows[chunk : chunk + 5000], now=PLANNED_AT)
    return written, time.perf_counter() - began


def dispatch(db: Database, batch: int = 200) -> dict:
    """Fire what is due at START - 24 h, timing each committed batch."""
    registry.flows()
    known = purposes()
    due_at = START - timedelta(hours=24)
    with db.session() as session:
        due = session.exec(
            select(func.count()).select_from(Nudge).where(Nudge.due_at <= due_at)
        ).one()
    lateness: list[float] = []
    fired = 0
    began = time.perf_counter()
    while True:
        with db.session() as session:
            result = _fire_batch(session, due_at, NO_QUIET, batch, known, isolate=False)
        elapsed = time.perf_counter() - began
        lateness.extend([elapsed] * result.claimed)
        fired += result.fired
        if result.claimed < batch:
            break
    seconds = time.perf_counter() - began
    lateness.sort()
    return {
        "due_at_once": int(due),
        "fired_into_outbox": fired,
        "dispatch_seconds": round(seconds, 3),
        "throughput_nudges_per_s": round(fired / seconds, 1) if seconds else None,
        "lateness_ms_p50": round(1000 * statistics.median(lateness), 1) if lateness else None,
        "lateness_ms_p99": round(1000 * lateness[int(0.99 * (len(lateness) - 1))], 1)
        if lateness
        else None,
    }


def run(db: Database, participants: int, nudges: int) -> dict:
    db.upgrade()
    women, pairs = populate(db, participants)
    written, seconds = plan(db, women, pairs, nudges)
    # Planning again is idempotent: nothing new is written.
    again, again_seconds = plan(db, women, pairs, nudges)
    return {
        "participants": len(women),
        "pairs": len(pairs),
        "planned": written,
        "plan_seconds": round(seconds, 3),
        "plan_per_s": round(written / seconds, 1),
        "replan_written": again,
        "replan_seconds": round(again_seconds, 3),
        **dispatch(db),
    }


def postgres(url: str, participants: int, nudges: int) -> dict:
    base = url.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # not reachable: say so in the JSON
        admin.dispose()
        return {"skipped": f"{type(error).__name__}: PostgreSQL not reachable"}
    separator = "&" if "?" in base else "?"
    db = Database(f"{base}{separator}options=-csearch_path%3D{schema}")
    try:
        return run(db, participants, nudges)
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--nudges", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test"),
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            sqlite = run(db, args.participants, args.nudges)
        finally:
            db.dispose()
    report = {
        "bench": "nudges",
        "participants": args.participants,
        "nudges": args.nudges,
        "sqlite": sqlite,
        "postgresql": postgres(args.postgres, args.participants, args.nudges)
        if args.postgres
        else {"skipped": "no URL"},
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
