"""The inbox and delivery claims against a long history; prints ONE JSON object.

Each claim asks, for each message it could take, whether an earlier one of the same woman is
still waiting (the inbox: `storage.inbox._HEADS`) or in flight (the outbox:
`storage.outbox._claim_query`). `--women` women each wrote, and were sent, `--history` messages
already (processed, sent), and each has one message waiting both ways; a claim takes `--limit`.
Measured: a claim's time (median of `--repeats`, rolled back each time; wall clock, so that
PostgreSQL's own work counts) with this schema's indexes, then with the ones before migrations
0012 and 0013, when the question walked her whole history.

python bench/claims.py [--women 500] [--history 40] [--limit 200] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from storage import inbox, outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import InboundMessage, OutboundMessage, OutboxStatus, Priority  # noqa: E402
from tests.support.cluster import fresh_database  # noqa: E402

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def fill(db: Database, women: int, history: int) -> None:
    """Her past messages first (done), then one waiting each way, as ids grow in real life."""
    earlier = NOW - timedelta(days=1)
    past = women * history
    sent = [
        {
            "channel": "telegram",
            "address": str(77_000_000 + n % women),
            "payload": {"text": "hello"},
            "purpose": "reply",
            "priority": Priority.LIVE,
            "status": OutboxStatus.SENT if n < past else OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": earlier,
            "created_at": earlier,
        }
        for n in range(past + women)
    ]
    received = [
        {
            "channel": "telegram",
            "platform_key": str(n),
            "address": str(77_000_000 + n % women),
            "payload": None if n < past else "{}",
            "received_at": earlier,
            "processed_at": earlier if n < past else None,
            "attempts": 0,
        }
        for n in range(past + women)
    ]
    with db.engine.begin() as connection:
        for table, rows in ((OutboundMessage, sent), (InboundMessage, received)):
            for start in range(0, len(rows), 5000):
                connection.execute(insert(table.__table__), rows[start : start + 5000])  # type: ignore[attr-defined]
        connection.execute(text("ANALYZE"))


def claim_ms(db: Database, take: Callable[[Session], int], repeats: int) -> tuple[float, int]:
    """One claim in milliseconds (median), and how many it took."""
    times: list[float] = []
    taken = 0
    for _ in range(repeats):
        with db.session() as session:
            started = time.perf_counter()
            taken = take(session)
            times.append(time.perf_counter() - started)
            session.rollback()
    return round(statistics.median(times) * 1000, 2), taken


def claims(db: Database, limit: int, repeats: int) -> dict[str, Any]:
    """Both claims, each warmed up first (its statement built and cached)."""
    result: dict[str, Any] = {}
    for name, take in (
        ("inbox", lambda s: len(inbox.claim(s, limit=limit, channels=["telegram"]))),
        ("outbox", lambda s: len(outbox.due(s, now=NOW, limit=limit, channels=["telegram"]))),
    ):
        claim_ms(db, take, 3)
        result[f"{name}_claim_ms"], result[f"{name}_claimed"] = claim_ms(db, take, repeats)
    return result


# The indexes before migrations 0012 and 0013: the look-ups walked her history.
BEFORE = (
    "DROP INDEX ix_outbox_in_flight",
    "DROP INDEX ix_inboundmessage_waiting",
    "CREATE INDEX ix_inboundmessage_sender ON inboundmessage (channel, address, id)",
    "ANALYZE",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--women", type=int, default=500)
    parser.add_argument("--history", type=int, default=40)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with fresh_database(args.postgres) as db:
        fill(db, args.women, args.history)
        now = claims(db, args.limit, args.repeats)
        with db.engine.begin() as connection:
            for statement in BEFORE:
                connection.execute(text(statement))
        before = claims(db, args.limit, args.repeats)
        backend = db.dialect
    result = {
        "benchmark": "claims",
        "backend": backend,
        "women": args.women,
        "history_per_woman": args.history,
        "now": now,
        "with_the_indexes_before": before,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
