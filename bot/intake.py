"""The inbox worker: processes what the webhooks stored, in batches, after they answered.

A webhook only checks the request, stores the raw message under its platform key and answers
200 (`Intake.store`: webhooks that arrive together are committed together). This worker takes
the waiting messages in batches, one transaction per batch, each sender's messages in the order
they arrived, and hands each to the channel that stored it (`InboxHandler.process_stored`, in a
worker thread); should one of them fail, the batch runs again with a savepoint per message. On
a SQLite file the webhooks store into a file of their own, which the batches move into the inbox
(storage/staging.py): they never wait for a batch's write lock. Once the batch is committed,
each handler's `after` runs on the event loop (Telegram acknowledges taps there) and the
delivery worker is woken.

A crash between the answer and the processing loses nothing (the message is stored) and answers
nothing twice (the platform key is unique; a processed message is marked in the same transaction
as its replies).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session

from bot.together import Together
from flows.clock import Clock
from storage import batch, checkins, conversations, inbox, pairs, participants
from storage.db import Database

log = logging.getLogger(__name__)

BATCH = 200
# SQLite: a batch holds the file's write lock while it processes; the delivery worker's short
# writes wait for it (webhooks do not: they store into the stage, storage/staging.py).
SQLITE_BATCH = 25
# After a batch that was not full, the next claim waits this long for more to arrive. A batch
# costs about 1 ms whatever its size (its claim, the women's reads, marking done, the commit);
# under load the next one would take only what came in during this one (about 4 messages at
# 1,000 msg/s in bench/inbound.py), with the wait about 7, and the worker's processing CPU fell
# by a quarter. A message that finds the worker idle is taken at once.
LINGER = 0.005


@dataclass(frozen=True)
class Batch:
    """What one batch did."""

    taken: int  # messages processed (or set aside)
    follow_ups: list[tuple[InboxHandler, Any]]
    replies: int


@dataclass(frozen=True)
class Processed:
    """What a handler made of one stored message."""

    participant_id: int | None = None
    queued: int = 0  # replies written to the outbox
    after: Any = None  # handed to `InboxHandler.after` once the batch is committed
    kind: str | None = None  # what it turned out to be (text, sticker, media…)


class InboxHandler(Protocol):
    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        """Run the engine on one stored message, inside the batch's transaction."""
        ...

    async def after(self, outcome: Any) -> None:
        """Follow-up on the event loop once the batch is committed (never raises)."""
        ...


def store_all(
    db: Database, rows: list[dict[str, Any]], *, notify: bool = False
) -> list[bool | Exception]:
    """Webhooks' writes in one transaction (`inbox.store_many`): True for each new message.

    Should that transaction fail, each is tried alone, so only a message that cannot be stored
    is refused (its webhook answers 503 and the platform sends it again). `notify`: tell the
    inbox processes listening on PostgreSQL that there is something new.
    """
    try:
        return list(inbox.store_many(db, rows, notify=notify))
    except Exception as error:
        if len(rows) == 1:
            return [error]
    return [store_all(db, [row], notify=notify)[0] for row in rows]


class Intake:
    """Drains the inbox through the handlers registered per channel kind."""

    def __init__(self, db: Database, clock: Clock, *, batch: int | None = None) -> None:
        self.db = db
        self.clock = clock
        self.batch = batch or (SQLITE_BATCH if db.dialect == "sqlite" else BATCH)
        self.linger = LINGER
        self.handlers: dict[str, InboxHandler] = {}
        self.wake = asyncio.Event()
        self.on_replies: Callable[[], None] | None = None  # wakes the delivery worker
        # A web process whose stores other processes work on (PostgreSQL) tells them it stored.
        self.notify_stored = False
        # Webhooks that arrive while one is storing are stored together, in the next transaction,
        # on a thread of their own: in the shared pool they waited behind paced sends (seconds).
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="webhook-store")
        self._stores: Together[dict[str, Any], bool] = Together(self._store_together)

    def register(self, kind: str, handler: InboxHandler) -> None:
        self.handlers[kind] = handler

    async def store(self, **fields: Any) -> bool:
        """A webhook's one write: True when the message is new; raises when it was not stored."""
        return await self._stores(fields)

    async def _store_together(self, rows: list[dict[str, Any]]) -> list[bool | Exception]:
        loop = asyncio.get_running_loop()
        store = partial(store_all, notify=self.notify_stored)
        return await loop.run_in_executor(self._store_thread, store, self.db, rows)

    async def run_once(self) -> int:
        """Process one batch; returns how many messages it took."""
        return (await self._round()).taken

    async def _round(self) -> Batch:
        done = await asyncio.to_thread(self._batch)
        if done.replies and self.on_replies is not None:
            self.on_replies()
        for handler, outcome in done.follow_ups:
            try:
                await handler.after(outcome)
            except Exception:
                log.exception("inbox follow-up failed")
        return done

    async def drain(self, *, rounds: int = 1000) -> int:
        """Process until nothing waits; returns how many messages were taken."""
        total = 0
        for _ in range(rounds):
            taken = await self.run_once()
            total += taken
            if not taken:
                break
        return total

    async def run_forever(self, stop: asyncio.Event, *, idle: float = 1.0) -> None:
        """Keep draining until `stop` is set; woken early by `wake` (a webhook stored one)."""
        while not stop.is_set():
            self.wake.clear()
            try:
                done = await self._round()
            except Exception:  # the database is away: try again shortly
                log.exception("inbox round failed")
                done = Batch(0, [], 0)
            if done.taken:
                # Meanwhile the server answers the webhooks that wait, and stores them.
                await asyncio.sleep(0 if done.taken >= self.batch else self.linger)
                continue
            waiters = {asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())}
            await asyncio.wait(waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    def _batch(self) -> Batch:
        """One transaction: claim, process each message, mark it done.

        Optimistic: the messages run without a savepoint each (two statements and the ORM's
        nested-transaction bookkeeping, about a tenth of processing). Should one of them raise,
        the batch is rolled back and run again carefully, each message in its own savepoint, so
        only that one fails.
        """
        if not self.handlers:
            return Batch(0, [], 0)
        try:
            return self._run(careful=False)
        except _MessageFailed:
            return self._run(careful=True)

    def _run(self, *, careful: bool) -> Batch:
        follow_ups: list[tuple[InboxHandler, Any]] = []
        replies = 0
        with self.db.session() as session:
            rows = inbox.claim(session, limit=self.batch, channels=list(self.handlers))
            self._read_ahead(session, rows, careful=careful)
            processed: list[tuple[int, int | None, str | None]] = []
            for row in rows:
                # Hand the GIL to the event loop between messages: in one process it answers
                # the webhooks, and else waits up to the switch interval (5 ms) for a batch's
                # Python. bench/inbound.py, one SQLite process, three interleaved pairs: acks'
                # closed-loop p99 35-57 ms against 68-80; the split (its own web process) alike.
                time.sleep(0)
                handler = self.handlers[row.channel]
                outcome = (
                    self._one(session, handler, row)
                    if careful
                    else self._fast(session, handler, row)
                )
                if outcome is None:
                    continue
                if not careful:  # marked done together below, in the same transaction
                    processed.append((row.id, outcome.participant_id, outcome.kind))
                replies += outcome.queued
                if outcome.after is not None:
                    follow_ups.append((handler, outcome.after))
            self._flush_held(session)
            inbox.done(session, processed, now=self.clock.now())
        return Batch(len(rows), follow_ups, replies)

    @staticmethod
    def _read_ahead(session: Session, rows: list[Row[Any]], *, careful: bool) -> None:
        """Read the batch's women at once: the engine then reads nobody per message."""
        senders = participants.prefetch(session, [(row.channel, row.address) for row in rows])
        if not careful:
            # Where each stands, in one SELECT; saves and "she wrote now" wait for one
            # statement each (storage/batch.py), before the batch is marked done. A careful
            # run writes at once: each message's savepoint must hold its own writes.
            conversations.prefetch(session, senders)
            # What every menu asks: a survey waiting, her pairs.
            checkins.prefetch_unfinished(session, senders)
            pairs.prefetch_live_views(session, senders)

    @staticmethod
    def _flush_held(session: Session) -> None:
        """The writes the batch held; one that fails undoes it like a failing message, and the
        careful run (which holds nothing) finds which message it was."""
        try:
            batch.flush(session)
        except (OperationalError, InterfaceError):
            raise  # the database itself: the whole batch is tried again
        except Exception as error:
            raise _MessageFailed from error

    def _fast(self, session: Session, handler: InboxHandler, row: Row[Any]) -> Processed:
        """One message without a savepoint; a failure other than the database's undoes the batch."""
        try:
            outcome = handler.process_stored(session, row)
        except (OperationalError, InterfaceError):
            raise  # the database itself: the whole batch is tried again
        except Exception as error:
            raise _MessageFailed from error
        return outcome

    def _one(self, session: Session, handler: InboxHandler, row: Row[Any]) -> Processed | None:
        now = self.clock.now()
        try:
            with session.begin_nested():
                outcome = handler.process_stored(session, row)
                inbox.done(session, [(row.id, outcome.participant_id, outcome.kind)], now=now)
                return outcome
        except (OperationalError, InterfaceError):
            raise  # the database itself: the whole batch is tried again
        except Exception as error:
            log.exception("inbound message not processed", extra={"channel": row.channel})
            dropped = inbox.failed(
                session, row.id, attempts=row.attempts, error=type(error).__name__, now=now
            )
            if dropped:
                log.error("inbound message set aside after %d tries", inbox.MAX_ATTEMPTS)
            return None


class _MessageFailed(Exception):
    """A message of an optimistic batch raised: the batch runs again, carefully."""
