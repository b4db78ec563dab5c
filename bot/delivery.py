"""The delivery worker: takes due messages from the outbox and sends them through their channel.

Messages are rendered here, at send time, in the reader's current language and time zone. Each
channel is paced to its platform's limits (overall and per chat). Transient failures are retried
with exponential backoff (a platform's `retry_after` wins when longer); permanent ones are marked
failed; "she blocked the bot" opts her out so nothing more is tried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Row
from sqlalchemy.exc import DBAPIError

from bot.channels.base import Channel, Held, Outgoing, SendError
from bot.ratelimit import Pacer
from bot.together import Together
from flows.clock import Clock
from flows.console_auth import CODE_PURPOSE
from flows.messages import Reply
from flows.render import Reader, Rendered, render, timed
from storage import json_codec, outbox
from storage.db import Database
from storage.models import OutboundMessage, Participant, Priority

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Tries to record a send's outcome through a database outage (about a minute in all).
RECORD_RETRIES = 14
T = TypeVar("T")
BACKOFF_BASE = 2.0
BACKOFF_CAP = timedelta(minutes=30)
# How often a worker releases the expired leases of dead senders (see `Delivery._release_due`).
RELEASE_EVERY = timedelta(seconds=10)
# Seconds a claim that only a finished send prompted waits for others to finish too, and each
# recording of sends for the sends that finish after it: under load the worker made one claim
# and one recording transaction per message (a send finishing at a time). A queued reply
# (`wake`) is claimed at once; a follow-up to the same chat waits a second for Telegram anyway.
# Recording waits before each group (bot/together.py). 20 ms: about 20 sends a recording
# transaction in bench/inbound.py (PostgreSQL split), the delivery process 0.38-0.40 ms of CPU a
# message against 0.43-0.52 with 5 ms (interleaved runs). The cost: a woman's next message waits
# for her previous one to be recorded, up to 20 ms more; in bench/broadcast.py, where five women
# write in quick succession, a live reply reached the platform 12-16 ms after her message
# instead of 5-7. Telegram spaces a chat's messages a second apart anyway.
CLAIM_COALESCE = 0.02
RECORD_COALESCE = 0.02
# Rendered messages kept (see `rendered`): a broadcast's few ways of reading and the common
# replies, 1-5 kB each. The rest (her profile, with her name in it) is rendered once and never
# again, and only fills the cache: in bench/load.py 52 of 1,000 renders were ever read back, and
# a cache of 64 found them as often as one of 1,024, which held 2 MB (up to 5 of profiles).
RENDERED_KEPT = 256


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at 30 minutes."""
    return min(timedelta(seconds=BACKOFF_BASE**attempts), BACKOFF_CAP)


@dataclass
class Result:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class Delivery:
    """Sends the outbox through the configured channels."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        channels: list[Channel],
        *,
        batch: int = 200,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self.channels = {kind: channel for channel in channels for kind in channel.kinds}
        # `monotonic` paces the sends (and a platform's "retry after"); tests pass their clock's.
        self.pacers = {
            kind: Pacer(channel.rate, channel.per_address_rate, monotonic)
            for kind, channel in self.channels.items()
        }
        self.batch = batch
        self._kinds = list(self.channels)
        self._released_at: datetime | None = None
        # Claimed messages to women who had erased their data: their row goes once it is sent.
        self._last_words: set[int] = set()
        # About one second of sending at the channels' combined rate.
        self.bulk_per_round = max(1, int(sum(channel.rate for channel in channels)))
        self.wake = asyncio.Event()
        # Sends that finish while one group is being recorded are recorded together after it.
        self._record_sent_together: Together[tuple[int, str | Held | None], None] = Together(
            self._record_group, linger=RECORD_COALESCE
        )
        # Run before each `drain` round: the inbox worker's own drain (bot/app.py sets it).
        self.before_round: Callable[[], Awaitable[Any]] | None = None

    async def run_once(self) -> Result:
        """Claim what is due now and send it; returns what happened."""
        claimed = await asyncio.to_thread(self._claim)
        result = Result()
        outcomes = await asyncio.gather(*(self._send(message) for message in claimed))
        for outcome in outcomes:
            setattr(result, outcome, getattr(result, outcome) + 1)
        return result

    async def drain(self, *, rounds: int = 100) -> Result:
        """Send until nothing is due (messages planned for later stay queued)."""
        total = Result()
        for _ in range(rounds):
            if self.before_round is not None:
                await self.before_round()
            result = await self.run_once()
            total.sent += result.sent
            total.retried += result.retried
            total.failed += result.failed
            if not (result.sent or result.retried or result.failed):
                break
        return total

    async def run_forever(self, stop: asyncio.Event, *, idle: float = 1.0) -> None:
        """Keep sending until `stop` is set, claiming more while earlier sends are in flight.

        Claiming does not wait for a whole round to finish (a round would end with its slowest
        send and leave the platform's allowance unused). Bulk messages in flight are capped at
        about one second of sending, so a live reply that arrives meanwhile is paced right after
        them. Wakes early when `wake` is set (a webhook queued a reply); after a send finishes it
        claims again CLAIM_COALESCE later, with whatever else finished meanwhile.
        """
        in_flight: dict[asyncio.Task[str], bool] = {}  # task → is bulk
        while not stop.is_set():
            room = self.batch - len(in_flight)
            bulk_room = self.bulk_per_round - sum(in_flight.values())
            try:
                claimed = await asyncio.to_thread(self._claim, room, bulk_room) if room > 0 else []
            except Exception:  # a database hiccup must not kill the worker
                log.exception("delivery claim failed")
                claimed = []
            for message in claimed:
                task = asyncio.create_task(self._send(message))
                in_flight[task] = message.bulk
                task.add_done_callback(in_flight.pop)
            self.wake.clear()
            waiters = {asyncio.ensure_future(self.wake.wait()), asyncio.ensure_future(stop.wait())}
            await asyncio.wait(
                set(in_flight) | waiters,
                timeout=0.25 if in_flight else idle,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not (self.wake.is_set() or stop.is_set()):  # a send finished, or the timeout
                await asyncio.wait(waiters, timeout=CLAIM_COALESCE)
            for waiter in waiters:
                waiter.cancel()
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)

    def _claim(self, limit: int | None = None, bulk_limit: int | None = None) -> list[Outgoing]:
        """Live replies and nudges first; then at most `bulk_limit` bulk messages.

        By default a round takes one second's worth of bulk: a round ends when its slowest send
        does, so a round stuffed with broadcast messages would make a reply that arrives
        meanwhile wait for all of them. Both bands are read first and leased in one UPDATE
        (a claimed row was due, so it held later rows back already: leasing it before the bulk
        SELECT would change nothing).
        """
        now = self.clock.now()
        limit = self.batch if limit is None else limit
        bulk_limit = self.bulk_per_round if bulk_limit is None else bulk_limit
        release = self._release_due(now)
        with self.db.session() as session:
            if release:
                outbox.release_expired(session, now)
            rows = outbox.due(
                session,
                now=now,
                limit=limit,
                channels=self._kinds,
                priorities=(Priority.LIVE, Priority.BULK - 1),
            )
            room = min(limit - len(rows), bulk_limit)
            if room > 0:
                rows += outbox.due(
                    session,
                    now=now,
                    limit=room,
                    channels=self._kinds,
                    priorities=(Priority.BULK, Priority.BULK),
                )
            wanted = [row for row in rows if _wanted(row)]
            if len(wanted) < len(rows):
                kept = {row.id for row in wanted}
                outbox.skip(session, [row.id for row in rows if row.id not in kept])
            # Rendered before the lease, as before: a message that cannot be rendered fails the
            # claim (rolled back) rather than leasing the whole batch for nothing.
            claimed = [_prepare(row, now) for row in wanted]
            outbox.lease(session, [row.id for row in wanted], now=now)
        if release:  # committed
            self._released_at = now
        self._last_words.update(row.id for row in wanted if _erased(row))
        return claimed

    def _release_due(self, now: datetime) -> bool:
        """Whether this claim should first release the leases of dead senders.

        A dead sender's rows stay `sending` until their lease (two minutes) runs out; releasing
        them makes them `pending` and due again. Done on every claim (several a second) it was an
        UPDATE each time for something that happens after a crash; once per RELEASE_EVERY
        offers them again at most that much later. Not folded into the claim's WHERE: cancelling
        a broadcast, an erasure's scrub and opting out act on `pending` rows, and an expired
        lease must be one of those again, not stay `sending` until a claim picks it up.
        """
        last = self._released_at
        return last is None or not last <= now < last + RELEASE_EVERY  # a clock set back too

    async def _send(self, message: Outgoing) -> str:
        channel = self.channels[message.channel]
        await self.pacers[message.channel].wait(message.address)
        try:
            platform_id = await channel.send(message)
        except SendError as error:
            failure = error
        except Exception as error:  # network errors and the like: try again later
            log.warning("send raised %s on %s", type(error).__name__, message.channel)
            failure = SendError(type(error).__name__, retry_after=0)
        else:
            await self._record_sent_together((message.outbox_id, platform_id))
            return "sent"
        # Channels count their own sends and failures for /metrics (they know the platform codes).
        return await self._recorded(self._record_failure, message, failure)

    async def _recorded(self, record: Callable[..., T], *args: Any) -> T:
        """Write a send's outcome, retrying through a short database outage.

        The message has already reached the platform (or failed there): losing that fact would
        leave the row leased until its lease ran out, and then send it a second time.
        """
        for attempt in range(RECORD_RETRIES):
            try:
                return await asyncio.to_thread(record, *args)
            except DBAPIError:
                if attempt == RECORD_RETRIES - 1:
                    raise
                log.warning("could not record a send outcome; retrying")
                await asyncio.sleep(min(0.5 * 2**attempt, 5.0))
        raise AssertionError("unreachable")

    async def _record_group(self, sent: list[tuple[int, str | Held | None]]) -> list[None]:
        await self._recorded(self._record_sent, sent)
        return [None] * len(sent)

    def _record_sent(self, sent: list[tuple[int, str | Held | None]]) -> None:
        now = self.clock.now()
        plain = [(i, p) for i, p in sent if not isinstance(p, Held)]
        last_words = {i for i, _ in sent if i in self._last_words}
        with self.db.session() as session:
            outbox.mark_sent_many(session, plain, now=now, last_words=last_words)
            for outbox_id, held in sent:
                if isinstance(held, Held):  # waits for her reply (WhatsApp's window)
                    outbox.mark_held(
                        session,
                        outbox_id,
                        platform_id=held.platform_id,
                        template_sid=held.template_sid,
                        error_code=held.code,
                        now=now,
                    )
        self._last_words -= last_words

    def _record_failure(self, message: Outgoing, error: SendError) -> str:
        now = self.clock.now()
        # A retry is claimed again (and marked again); a failure checks erasure itself.
        self._last_words.discard(message.outbox_id)
        with self.db.session() as session:
            row = session.get(OutboundMessage, message.outbox_id)
            attempts = row.attempts if row else MAX_ATTEMPTS
            if error.blocked:
                outbox.mark_failed(session, message.outbox_id, error=str(error), code=error.code)
                if row and row.participant_id:
                    self._opt_out(session, row.participant_id, now)
                return "failed"
            if error.transient and attempts < MAX_ATTEMPTS:
                wait = max(backoff(attempts), timedelta(seconds=error.retry_after or 0))
                if error.retry_after:
                    self.pacers[message.channel].pause(error.retry_after)
                outbox.mark_retry(
                    session, message.outbox_id, at=now + wait, error=str(error), code=error.code
                )
                return "retried"
            outbox.mark_failed(session, message.outbox_id, error=str(error), code=error.code)
            return "failed"

    @staticmethod
    def _opt_out(session, participant_id: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
        participant = session.get(Participant, participant_id)
        if participant is not None and participant.opted_out_at is None:
            participant.opted_out_at = now
            session.add(participant)
        outbox.skip_pending_for(session, participant_id)


def _wanted(row: Row[Any]) -> bool:
    """Proactive messages queued before she opted out (or by a stale job) are dropped; replies
    and console sign-in codes are answers to what she just did, so they go."""
    return row.opted_out_at is None or row.purpose in ("reply", CODE_PURPOSE)


def _erased(row: Row[Any]) -> bool:
    """Her last word: she had erased her data when it was claimed (see `outbox.mark_sent_many`)."""
    return row.erased_at is not None


@lru_cache(maxsize=RENDERED_KEPT)
def rendered(payload: str, reader: Reader) -> Rendered:
    """A message (its payload's JSON text) rendered for a reader, kept for the next one alike.

    Rendering depends on nothing else (no clock: the reader's `at` is set only for the rare
    message true at the moment it is sent, see `render.timed`), and a broadcast sends one
    payload to thousands of women who read alike; so do help and menu replies. 30-50 µs a
    message rendered, about 1 µs to write the key.
    """
    return render(Reply.from_json(json_codec.loads(payload)), reader)


def _prepare(row: Row[Any], now: datetime) -> Outgoing:
    """A claimed row (`outbox.due`: the message, her and the address) rendered for her, at
    `now` for a message whose words depend on it (an hour difference, see `render.timed`)."""
    payload = json_codec.dumps(row.payload)
    reader = Reader(row.locale or "en", row.country, row.timezone, now if timed(payload) else None)
    return Outgoing(
        outbox_id=row.id,
        channel=row.channel,
        address=row.address,
        rendered=rendered(payload, reader),
        language=reader.language,
        purpose=row.purpose,
        last_inbound_at=row.last_inbound_at,
        attempt=row.attempts,
        last_error_code=row.error_code,
        first_name=row.name or "",
        bulk=row.priority >= Priority.BULK,
    )
