"""Process roles of `entrepairs run --role …`; the scheduler heartbeat.

- web: the HTTP server with the platform webhooks (and /healthz, /metrics); any number of them
  behind a load balancer. A webhook is checked, stored once by (channel, platform key) and
  answered; a webhook retried on another worker is still stored once.
- inbox: processes what the webhooks stored (bot/intake.py); any number (the inbox is claimed
  with FOR UPDATE SKIP LOCKED, each woman's messages in order). Kept out of the web processes,
  acknowledging never waits behind processing for the interpreter.
- delivery: the outbox worker; any number (rows are claimed with FOR UPDATE SKIP LOCKED and a
  lease).
- scheduler: APScheduler waking the nudge dispatcher; any number may run, the advisory lock of
  bot/scheduler.py lets one do each round. It records a heartbeat that /healthz reports.
- all (the default): everything in one process. On SQLite the only other choice is web
  processes beside one `inbox,delivery,scheduler` process (storage/sole_worker.py).

A process may take several, comma-separated: `--role inbox,delivery` sends the replies it
queued at once (the delivery worker is woken in-process; alone it looks every DELIVERY_IDLE).
An inbox worker is woken by its own process's webhooks and, on PostgreSQL, by other processes'
(`wake_on_stored`); on SQLite a split-off one looks every INBOX_IDLE.
Every process serves /healthz and /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select

from bot import metrics
from bot.settings import Settings, SettingsError
from flows.clock import Clock
from storage import heartbeats, inbox
from storage.db import Database
from storage.nudges import Nudge, NudgeStatus

log = logging.getLogger(__name__)

HEARTBEAT_EVERY = timedelta(seconds=30)
# The dispatcher runs every minute: three missed minutes means the scheduler is not running.
STALE_AFTER = timedelta(minutes=3)
# A stored message waiting longer than this means its processing is not keeping up.
INBOX_LATE = timedelta(minutes=1)
# Split-off workers are not woken by the process that queued their work: they look this often.
DELIVERY_IDLE = 0.25
# A split-off inbox on SQLite (on PostgreSQL, NOTIFY wakes it): an idle claim finds nothing in
# well under a millisecond, so it looks 20 times a second; a message waits at most this long.
INBOX_IDLE = 0.05


class Role(StrEnum):
    WEB = "web"
    INBOX = "inbox"
    DELIVERY = "delivery"
    SCHEDULER = "scheduler"
    ALL = "all"


Roles = frozenset[Role]
EVERYTHING: Roles = frozenset({Role.WEB, Role.INBOX, Role.DELIVERY, Role.SCHEDULER})


def parse(text: str) -> Roles:
    """The roles one process takes, from "web", "inbox,delivery" or "all"; ValueError otherwise."""
    chosen = {Role(part.strip()) for part in text.split(",") if part.strip()}
    if not chosen:
        raise ValueError("no role")
    return EVERYTHING if Role.ALL in chosen else frozenset(chosen)


# On SQLite the work that needs a single process (the scheduler: SQLite has no advisory locks)
# stays in one; web processes, which only store, may run beside it (storage/sole_worker.py).
SQLITE_SPLIT: tuple[Roles, ...] = (EVERYTHING, frozenset({Role.WEB}), EVERYTHING - {Role.WEB})


def check(roles: Roles, settings: Settings) -> None:
    """Any split on PostgreSQL; on SQLite `all`, or `web` beside `inbox,delivery,scheduler`."""
    if settings.database_url.startswith("sqlite") and roles not in SQLITE_SPLIT:
        named = ",".join(sorted(role.value for role in roles))
        raise SettingsError(
            f"--role {named}: with SQLite run --role all, or --role web beside one process "
            "with --role inbox,delivery,scheduler; other splits need PostgreSQL (DATABASE_URL)"
        )


# Advisory lock key held while a scheduler starts ("entq"), beside bot/scheduler's own.
START_LOCK_KEY = 0x656E7471


@contextmanager
def one_at_a_time(db: Database) -> Iterator[None]:
    """Start-up steps that must not run in two processes at once (APScheduler creates its job
    table on start, and two processes creating it together fail): a PostgreSQL advisory lock."""
    if db.dialect != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": START_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": START_LOCK_KEY})
            connection.commit()


def holder() -> str:
    """Who this process is, for the heartbeat row (no personal data)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


# Heartbeat -------------------------------------------------------------------------------------


def heartbeat_round(db: Database, clock: Clock, *, who: str | None = None) -> datetime | None:
    """Record that the scheduler is alive; observe how late the nudges fired since the last beat.

    Returns the previous beat's time.
    """
    now = clock.now()
    with db.session() as session:
        previous = heartbeats.beat(session, heartbeats.SCHEDULER, holder=who or holder(), now=now)
        since = previous or now - HEARTBEAT_EVERY
        fired = session.exec(
            select(Nudge.due_at, Nudge.fired_at).where(
                Nudge.status == NudgeStatus.SENT,
                col(Nudge.fired_at) > since,
                col(Nudge.fired_at) <= now,
            )
        ).all()
    for due_at, fired_at in fired:
        if due_at is not None and fired_at is not None:
            metrics.NUDGE_LATENESS.observe(max(0.0, (fired_at - due_at).total_seconds()))
    return previous


def scheduler_health(db: Database, now: datetime) -> dict[str, Any]:
    """{"status": "ok" | "late" | "never", "age_s": seconds since the last beat}."""
    with db.session() as session:
        row = heartbeats.last(session, heartbeats.SCHEDULER)
    if row is None or row.beat_at is None:
        return {"status": "never", "age_s": None}
    age = max(0.0, (now - row.beat_at).total_seconds())  # a clock stepped back: not negative
    return {"status": "ok" if age <= STALE_AFTER.total_seconds() else "late", "age_s": round(age)}


def inbox_health(db: Database, now: datetime) -> dict[str, Any]:
    """{"status": "ok" | "late", "waiting": messages stored, not processed, "oldest_age_s"}.

    "late" once a message has waited INBOX_LATE: no inbox worker is running (a split deployment
    without an `--role inbox` process) or it cannot keep up.
    """
    with db.session() as session:
        count = inbox.waiting(session)
        oldest = inbox.oldest_waiting(session) if count else None
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    status = "ok" if age <= INBOX_LATE.total_seconds() else "late"
    return {"status": status, "waiting": count, "oldest_age_s": round(age)}


_BEATING: tuple[Database, Clock] | None = None


async def heartbeat_job() -> None:
    """Scheduled every HEARTBEAT_EVERY (referenced as bot.roles:heartbeat_job)."""
    if _BEATING is None:
        return
    db, clock = _BEATING
    try:
        await asyncio.to_thread(heartbeat_round, db, clock)
    except Exception:  # the database is away: the next beat will tell
        log.warning("scheduler heartbeat not recorded")


def start_heartbeat(scheduler: Any, db: Database, clock: Clock) -> None:
    """Beat now and every HEARTBEAT_EVERY on the running APScheduler (a beat proves it runs)."""
    global _BEATING
    _BEATING = (db, clock)
    scheduler.add_job(
        "bot.roles:heartbeat_job",
        "interval",
        seconds=HEARTBEAT_EVERY.total_seconds(),
        id="scheduler-heartbeat",
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )


def stop_heartbeat() -> None:
    global _BEATING
    _BEATING = None


# Wake-ups across processes --------------------------------------------------------------------


def wake_on_stored(app: Any, stop: threading.Event) -> threading.Thread:
    """On PostgreSQL, wake this process's inbox worker when any web process stores a message
    (they NOTIFY; a thread of this process LISTENs until `stop`)."""
    loop = asyncio.get_running_loop()

    def wake() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed as the process stopped
            loop.call_soon_threadsafe(app.intake.wake.set)

    thread = threading.Thread(
        target=inbox.listen_for_stored,
        args=(app.db, wake, stop),
        name="inbox-listen",
        daemon=True,  # it notices `stop` within a second; exiting need not wait for it
    )
    thread.start()
    return thread


# Channels in a process that does not serve webhooks --------------------------------------------


async def attach_for_sending(channel: Any, app: Any) -> None:
    """Ready a channel to send and process without taking its webhooks or polling (an inbox or
    delivery process: processing a Telegram tap answers it through the API)."""
    channel.routes(app)  # binds the channel to the app (its routes are not served)
    bot = getattr(channel, "bot", None)
    if bot is not None:  # python-telegram-bot wants initialize() before the first call
        await bot.initialize()
