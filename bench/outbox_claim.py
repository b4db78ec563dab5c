"""The delivery claim against a long history; prints ONE JSON object.

A claim asks, for each due message, whether an earlier one to the same woman is still in flight
(`storage.outbox._claim_query`). `--women` women were each sent `--history` messages already
(all `sent`), and each has one reply waiting; the claim takes `--limit` of them. Measured: the
claim's time (median of `--repeats`, rolled back each time; wall clock, so that PostgreSQL's own
work counts), with the index on (channel, address, status, id) and again after dropping it, as
before migration 0012: then the question walked her whole history.

python bench/outbox_claim.py [--women 500] [--history 40] [--limit 200] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

from sqlalchemy import insert, text  # noqa: E402

from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import OutboundMessage, OutboxStatus, Priority  # noqa: E402
from tests.support.cluster import fresh_database  # noqa: E402

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def fill(db: Database, women: int, history: int) -> None:
    """Her past messages first (sent), then one reply each waiting, as ids grow in real life."""
    earlier = NOW - timedelta(days=1)
    rows = [
        {
            "channel": "telegram",
            "address": str(77_000_000 + n % women),
            "payload": {"text": "hello"},
            "purpose": "reply",
            "priority": Priority.LIVE,
            "status": OutboxStatus.SENT if n < women * history else OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": earlier,
            "created_at": earlier,
        }
        for n in range(women * (history + 1))
    ]
    table = OutboundMessage.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            connection.execute(insert(table), rows[start : start + 5000])
        connection.execute(text("ANALYZE"))


def claim_ms(db: Database, limit: int, repeats: int) -> tuple[float, int]:
    """One claim's SELECT in milliseconds (median), and how many it took."""
    times: list[float] = []
    taken = 0
    for _ in range(repeats):
        with db.session() as session:
            started = time.perf_counter()
            taken = len(outbox.due(session, now=NOW, limit=limit, channels=["telegram"]))
            times.append(time.perf_counter() - started)
            session.rollback()
    return round(statistics.median(times) * 1000, 2), taken


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
        claim_ms(db, args.limit, 3)  # warm up: the statement built and cached
        indexed, taken = claim_ms(db, args.limit, args.repeats)
        with db.engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_outbox_in_flight"))
            connection.execute(text("ANALYZE"))
        walked, _ = claim_ms(db, args.limit, args.repeats)
        backend = db.dialect
    result = {
        "benchmark": "outbox_claim",
        "backend": backend,
        "women": args.women,
        "history_per_woman": args.history,
        "claimed": taken,
        "claim_ms": indexed,
        "claim_ms_without_the_index": walked,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
