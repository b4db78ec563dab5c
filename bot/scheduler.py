"""The scheduler: wakes the nudge dispatcher every minute and once at start-up.

APScheduler 3 (AsyncIOScheduler) keeps its few jobs in the project database (same DATABASE_URL,
its own table `apscheduler_jobs`); the nudges themselves are rows of our own (storage/nudges.py),
never pickled one-off jobs. Jobs name importable functions of this module, which find the running
app in `_RUNNER`.

Several processes may run `entrepairs run` against one PostgreSQL database. APScheduler cannot
coordinate schedulers that share a job store, so each round takes a PostgreSQL advisory lock
(`pg_try_advisory_lock`): whoever holds it does the round, the others skip it. The dispatcher is
safe without it too (rows are claimed with SKIP LOCKED); the lock just keeps the periodic work in
one place. On SQLite (one process) it is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from flows.clock import Clock
from flows.config import FlowConfig
from flows.nudges import Dispatched, dispatch_due, scan_pairs
from storage.db import Database

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
# One number for "the nudge rounds" among all advisory locks of this database ("entp").
LOCK_KEY = 0x656E7470
DISPATCH_EVERY_MINUTES = 1
SCAN_EVERY_MINUTES = 15


@dataclass
class Runner:
    """What the scheduled functions act on in this process."""

    db: Database
    clock: Clock
    config: FlowConfig
    wake: Callable[[], None] | None = None  # tells the delivery worker there is new mail


_RUNNER: Runner | None = None


@contextmanager
def exclusive(db: Database) -> Iterator[bool]:
    """True when this process may do the round: it holds the advisory lock (always on SQLite)."""
    if db.dialect != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        got = bool(
            connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
            ).scalar()
        )
        connection.commit()
        try:
            yield got
        finally:
            if got:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                connection.commit()


def dispatch_round(db: Database, clock: Clock, config: FlowConfig) -> Dispatched | None:
    """Fire the due nudges once; None when another process is doing it."""
    with exclusive(db) as mine:
        if not mine:
            return None
        return dispatch_due(db, clock.now(), config)


def scan_round(db: Database, clock: Clock, config: FlowConfig) -> int | None:
    """Plan the no-session ladder of pairs that have none; None when another process does it."""
    with exclusive(db) as mine:
        if not mine:
            return None
        with db.session() as session:
            return scan_pairs(session, now=clock.now(), config=config)


async def dispatch_job() -> None:
    """Scheduled every minute and at start-up (referenced as bot.scheduler:dispatch_job)."""
    runner = _RUNNER
    if runner is None:
        return
    try:
        result = await asyncio.to_thread(dispatch_round, runner.db, runner.clock, runner.config)
    except Exception:  # a database hiccup must not stop the next rounds
        log.exception("nudge dispatch failed")
        return
    if result is not None and result.fired and runner.wake is not None:
        runner.wake()
    if result is not None and result.claimed:
        log.info("nudges: %d fired, %d dropped", result.fired, result.dropped)


async def scan_job() -> None:
    """Scheduled every quarter of an hour (referenced as bot.scheduler:scan_job)."""
    runner = _RUNNER
    if runner is None:
        return
    try:
        await asyncio.to_thread(scan_round, runner.db, runner.clock, runner.config)
    except Exception:
        log.exception("pair scan failed")


def start_scheduler(
    db: Database,
    clock: Clock,
    config: FlowConfig,
    *,
    wake: Callable[[], None] | None = None,
) -> AsyncIOScheduler:
    """Start the scheduler on the running event loop; its jobs live in the project database."""
    global _RUNNER
    _RUNNER = Runner(db, clock, config, wake)
    scheduler = AsyncIOScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=db.engine, tablename=JOB_TABLE),
            # This process's own one-off runs: in the shared store, a job another process had
            # just run and removed made `replace_existing` fail at start (JobLookupError).
            "local": MemoryJobStore(),
        },
        timezone=UTC,
        # Missed runs collapse into one; a run up to 5 minutes late still happens.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    scheduler.add_job(
        "bot.scheduler:dispatch_job",
        "interval",
        minutes=DISPATCH_EVERY_MINUTES,
        id="nudges-dispatch",
        replace_existing=True,
    )
    scheduler.add_job(
        "bot.scheduler:scan_job",
        "interval",
        minutes=SCAN_EVERY_MINUTES,
        id="nudges-scan",
        replace_existing=True,
    )
    # Start-up: what fell due while the bot was down goes out now (if still meaningful).
    scheduler.add_job(
        "bot.scheduler:scan_job",
        "date",
        run_date=datetime.now(UTC),
        id="startup-scan",
        jobstore="local",
    )
    scheduler.add_job(
        "bot.scheduler:dispatch_job",
        "date",
        run_date=datetime.now(UTC),
        id="startup-dispatch",
        jobstore="local",
    )
    scheduler.start()
    return scheduler


def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    global _RUNNER
    if scheduler.running:
        scheduler.shutdown(wait=False)
    _RUNNER = None
