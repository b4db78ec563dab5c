"""The outbox: messages are written with the state change that caused them, then claimed and sent.

Claiming keeps two promises. Order: a message to an address waits while an earlier one to the
same address is in flight, due, or being retried at the same or a more urgent priority. A message
merely scheduled for later (held for her quiet hours, a broadcast at 10:00 her time) or a nudge
waiting to be retried holds no live answer back. Sharing: on PostgreSQL rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several delivery workers never take the same message. A claim is a
lease: a worker that dies mid-send leaves the row in `sending` until the lease runs out, then it is
offered again (the one message in flight is the only one that can go twice).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Row,
    String,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    or_,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, col, func, select

from storage import batch
from storage.db import sqlite_write_lock
from storage.dialects import OneOf, Together, execute_many, together, unnested
from storage.models import ChannelAddress, OutboundMessage, OutboxStatus, Participant, Priority
from storage.types import UTCDateTime

LEASE = timedelta(minutes=2)
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)
# Why a message waiting for later was skipped: a newer word replaced it, unsent (`superseded`);
# or she wrote first and the conversation asked it then (`said_live`): that one she has read.
SUPERSEDED = "superseded"
SAID_LIVE = "said_live"
# On their way to her, or with her (one held for her reply reaches her when she writes).
_OUT = (
    OutboxStatus.SENDING,
    OutboxStatus.SENT,
    OutboxStatus.DELIVERED,
    OutboxStatus.READ,
    OutboxStatus.HELD,
)


def enqueue(
    session: Session,
    *,
    participant_id: int | None,
    channel: str,
    address: str,
    payload: dict[str, Any],
    now: datetime,
    purpose: str = "reply",
    priority: int = Priority.LIVE,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
    subject: str | None = None,
) -> OutboundMessage:
    """Add one message to the outbox (the caller's transaction commits it).

    `subject`: what it is about, so a newer message about the same can replace it while it
    still waits (`supersede_about`).
    """
    message = OutboundMessage(
        participant_id=participant_id,
        channel=channel,
        address=address,
        payload=payload,
        purpose=purpose,
        priority=priority,
        next_attempt_at=not_before or now,
        created_at=now,
        broadcast_id=broadcast_id,
        subject=subject,
    )
    session.add(message)
    return message


_outbox = OutboundMessage.__table__  # type: ignore[attr-defined]
_participant = Participant.__table__  # type: ignore[attr-defined]
_address = ChannelAddress.__table__  # type: ignore[attr-defined]
_REPLY = insert(_outbox)
_replies = unnested(
    numbered=True,
    participant_id=Integer(),
    channel=String(),
    address=String(),
    payload=JSONB(),
    priority=Integer(),
    next_attempt_at=UTCDateTime(),
    created_at=UTCDateTime(),
)
_REPLY_COLUMNS = tuple(column.name for column in _replies.c if column.name != "n")  # not "n"
together(
    _REPLY,
    Together(
        # In the order given, so their ids are too (the order they are sent in).
        insert(_outbox).from_select(
            _REPLY_COLUMNS,
            core_select(*(_replies.c[name] for name in _REPLY_COLUMNS)).order_by(_replies.c.n),
        ),
        columns=_REPLY_COLUMNS,
        key=None,  # new rows: two replies to her in one batch are two rows
    ),
)


def enqueue_replies(
    session: Session,
    *,
    participant_id: int | None,
    channel: str,
    address: str,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    priority: int = Priority.LIVE,
) -> int:
    """`enqueue` for the replies to her message, in Core; returns how many were queued.

    In an inbox batch the INSERT waits with the batch's other writes (`storage.batch`), so a
    batch's replies are one statement. Their ids keep the order they were queued in, which is
    the order they are sent in: what the turn queued through the ORM is flushed first, and an
    ORM flush later in the batch writes the replies held before it first.
    """
    rows = [
        {
            "participant_id": participant_id,
            "channel": channel,
            "address": address,
            "payload": payload,
            "priority": priority,
            "next_attempt_at": now,
            "created_at": now,
        }
        for payload in payloads
    ]
    if rows:
        session.flush()
        if not batch.defer(session, _REPLY, *rows):
            execute_many(session.connection(), _REPLY, rows)
    return len(rows)


def claim(
    session: Session,
    *,
    now: datetime,
    limit: int,
    channels: Sequence[str] | None = None,
    priorities: tuple[int, int] | None = None,
) -> list[Row[Any]]:
    """Take up to `limit` due messages for sending, best priority first, in order per address.

    `priorities` (lowest, highest) restricts the claim to a band, so live replies and bulk
    traffic can be claimed in separate measures. Expired leases are released first; the delivery
    worker, which claims several times a second, calls `due` and `lease` itself and releases
    less often (see bot/delivery.py).
    """
    release_expired(session, now)
    rows = due(session, now=now, limit=limit, channels=channels, priorities=priorities)
    lease(session, [row.id for row in rows], now=now)
    return rows


def due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    channels: Sequence[str] | None = None,
    priorities: tuple[int, int] | None = None,
) -> list[Row[Any]]:
    """The claim's SELECT: up to `limit` due messages as light rows; `lease` then takes them.

    A row has id, participant_id, channel, address, payload, purpose, priority, error_code and
    `attempts` counting the claim being made (the lease adds it in the database); and what
    sending needs of her and of the address, read in the same statement (None when the message
    has no one behind it): `locale`, `country`, `timezone`, `name`, `opted_out_at`, `erased_at`
    and the address's `last_inbound_at`. On PostgreSQL the messages stay locked until the
    transaction ends; on SQLite the transaction takes the write lock first, so nothing changes
    them between this SELECT and the lease's UPDATE.
    """
    session.flush()  # what this session queued through the ORM can be claimed (no autoflush)
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if not postgres:
        sqlite_write_lock(connection)  # nothing changes the rows between SELECT and lease
    key = (tuple(channels) if channels is not None else None, priorities, postgres)
    query = _CLAIMS.get(key)
    if query is None:  # built once per shape: building costs ten times what running does
        query = _CLAIMS[key] = _claim_query(channels, priorities, postgres)
    return list(connection.execute(query, {"now": now, "limit": limit}))


# One UPDATE for a whole claim (the ORM flushed one per row).
_LEASE = (
    update(_outbox)
    .where(OneOf(_outbox.c.id, "ids"))
    .values(
        status=OutboxStatus.SENDING,
        attempts=_outbox.c.attempts + 1,
        next_attempt_at=bindparam("until", type_=_outbox.c.next_attempt_at.type),
    )
)
_SKIP = update(_outbox).where(OneOf(_outbox.c.id, "ids")).values(status=OutboxStatus.SKIPPED)


def lease(session: Session, ids: Sequence[int], *, now: datetime) -> None:
    """Mark the rows `due` returned as being sent, until the lease runs out."""
    if ids:
        session.connection().execute(_LEASE, {"ids": list(ids), "until": now + LEASE})


def skip(session: Session, ids: Sequence[int]) -> None:
    """Drop claimed rows that must not go (a proactive message to a woman who opted out)."""
    if ids:
        session.connection().execute(_SKIP, {"ids": list(ids)})


_CLAIMS: dict[tuple[Any, ...], Any] = {}
_earlier = _outbox.alias("earlier")


def _claim_query(
    channels: Sequence[str] | None, priorities: tuple[int, int] | None, postgres: bool
) -> Any:
    """The claim's SELECT, with `now` and `limit` as parameters.

    An earlier message to the same address blocks a later one while it is being sent, is due, or
    is being retried at the same or a more urgent priority; one merely scheduled for later (held
    for her quiet hours, a broadcast at 10:00 her time) blocks nothing.
    """
    now = bindparam("now", type_=_outbox.c.next_attempt_at.type)
    outbox, earlier = _outbox.c, _earlier.c
    blocked = exists().where(
        earlier.channel == outbox.channel,
        earlier.address == outbox.address,
        earlier.id < outbox.id,
        earlier.status.in_(IN_FLIGHT),
        or_(
            earlier.status == OutboxStatus.SENDING,
            earlier.next_attempt_at <= now,
            and_(earlier.attempts > 0, earlier.priority <= outbox.priority),
        ),
    )
    query = (
        core_select(
            outbox.id,
            outbox.participant_id,
            outbox.channel,
            outbox.address,
            outbox.payload,
            outbox.purpose,
            outbox.priority,
            (outbox.attempts + 1).label("attempts"),  # this claim counted, as the lease does
            outbox.error_code,
        )
        .where(outbox.status == OutboxStatus.PENDING, outbox.next_attempt_at <= now, ~blocked)
        .order_by(outbox.priority, outbox.id)
        .limit(bindparam("limit", type_=Integer))
    )
    if channels is not None:
        query = query.where(outbox.channel.in_(list(channels)))
    if priorities is not None:
        query = query.where(outbox.priority.between(*priorities))
    if postgres:
        query = query.with_for_update(skip_locked=True, of=_outbox)
    return _with_her(query.subquery("due"))


def _with_her(due: Any) -> Any:
    """The claimed messages with what sending needs of her and of the address, in the same
    statement (they were two more SELECTs a claim); joined after the LIMIT, so a broadcast's
    thousands of waiting messages are not joined to take a few hundred."""
    her, link = _participant.c, _address.c
    return (
        core_select(
            *due.c,
            her.locale,
            her.country,
            her.timezone,
            her.name,
            her.opted_out_at,
            her.erased_at,
            link.last_inbound_at,
        )
        .select_from(
            due.outerjoin(_participant, her.id == due.c.participant_id).outerjoin(
                _address, and_(link.channel == due.c.channel, link.address == due.c.address)
            )
        )
        .order_by(due.c.priority, due.c.id)
    )


_RELEASE = (
    update(_outbox)
    .where(
        _outbox.c.status == OutboxStatus.SENDING,
        _outbox.c.next_attempt_at < bindparam("now", type_=_outbox.c.next_attempt_at.type),
    )
    .values(status=OutboxStatus.PENDING)
)


def release_expired(session: Session, now: datetime) -> int:
    """Offer again the messages whose sender died before it could say how the send went."""
    result = session.connection().execute(_RELEASE, {"now": now})
    return int(result.rowcount or 0)


def mark_sent(session: Session, message_id: int, *, platform_id: str | None, now: datetime) -> None:
    message = session.get(OutboundMessage, message_id)
    if message is None:  # erased meanwhile
        return
    if _forgotten(session, message):
        return
    message.status = OutboxStatus.SENT
    message.platform_id = platform_id
    message.sent_at = now
    message.error = None
    session.add(message)


_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("b_id"))
    .values(
        status=OutboxStatus.SENT,
        platform_id=bindparam("b_platform"),
        sent_at=bindparam("b_now", type_=_outbox.c.sent_at.type),
        error=None,
    )
)
_sent = unnested(b_id=Integer(), b_platform=String(), b_now=UTCDateTime())
together(
    _SENT,
    Together(
        update(_outbox)
        .where(_outbox.c.id == _sent.c.b_id)
        .values(
            status=OutboxStatus.SENT,
            platform_id=_sent.c.b_platform,
            sent_at=_sent.c.b_now,
            error=None,
        ),
        columns=("b_id", "b_platform", "b_now"),
        key="b_id",
    ),
)
_FORGET = delete(_outbox).where(OneOf(_outbox.c.id, "ids"))
_participants = Participant.__table__  # type: ignore[attr-defined]
_FORGET_ERASED = delete(_outbox).where(
    OneOf(_outbox.c.id, "ids"),
    exists().where(
        _participants.c.id == _outbox.c.participant_id, _participants.c.erased_at.is_not(None)
    ),
)


def mark_sent_many(
    session: Session,
    sent: Sequence[tuple[int, str | None]],
    *,
    now: datetime,
    last_words: Collection[int] | None = None,
) -> None:
    """`mark_sent` for a batch: one UPDATE (`dialects.execute_many`); the rows of erased women
    deleted.

    `last_words` are the ids among `sent` addressed to women who had erased their data when they
    were claimed (their "your data is erased"): those rows go, so her address stays nowhere. A
    caller that read her at claim time knows it and saves a DELETE per batch (a woman erased
    after the claim had her queued rows deleted with her data); None checks in the database.
    """
    if not sent:
        return
    connection = session.connection()
    gone = set() if last_words is None else {i for i, _ in sent if i in last_words}
    rows = [{"b_id": i, "b_platform": p, "b_now": now} for i, p in sent if i not in gone]
    if rows:
        execute_many(connection, _SENT, rows)
    if last_words is None:
        connection.execute(_FORGET_ERASED, {"ids": [i for i, _ in sent]})
    elif gone:
        connection.execute(_FORGET, {"ids": sorted(gone)})


def _forgotten(session: Session, message: OutboundMessage) -> bool:
    """The last word to someone who erased her data ("your data is erased"): once it is out,
    the row goes too, so her address stays nowhere."""
    if message.participant_id is None:
        return False
    person = session.get(Participant, message.participant_id)
    if person is None or person.erased_at is None:
        return False
    session.delete(message)
    return True


def mark_retry(
    session: Session, message_id: int, *, at: datetime, error: str, code: str | None = None
) -> None:
    message = session.get(OutboundMessage, message_id)
    if message is None:
        return
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = at
    message.error = error[:200]
    message.error_code = code
    session.add(message)


def mark_failed(
    session: Session,
    message_id: int,
    *,
    error: str,
    code: str | None = None,
    status: str = OutboxStatus.FAILED,
) -> None:
    message = session.get(OutboundMessage, message_id)
    if message is None or _forgotten(session, message):
        return
    message.status = status
    message.error = error[:200]
    message.error_code = code
    session.add(message)


def supersede(session: Session, message_ids: Sequence[int], *, code: str = SUPERSEDED) -> int:
    """Drop queued messages not yet tried (a live answer says the same now); returns how many.

    `code` says why: `SAID_LIVE` when the conversation has just asked what they asked.
    """
    if not message_ids:
        return 0
    result = session.execute(
        update(OutboundMessage)
        .where(
            and_(
                col(OutboundMessage.id).in_(list(message_ids)),
                col(OutboundMessage.status) == OutboxStatus.PENDING,
                col(OutboundMessage.attempts) == 0,
            )
        )
        .values(status=OutboxStatus.SKIPPED, error_code=code)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reached_by(session: Session, message_ids: Sequence[int], at: datetime) -> bool:
    """Whether the last of these messages (a question, after its introduction) could be on her
    phone by `at`: reported delivered by then, or, with no report (yet, or ever: Telegram, some
    SMS carriers), gone out by then. True when none of them is left (erased with her data)."""
    last = session.exec(
        select(OutboundMessage.id, OutboundMessage.sent_at, OutboundMessage.delivered_at)
        .where(col(OutboundMessage.id).in_(list(message_ids)))
        .order_by(col(OutboundMessage.id).desc())
    ).first()
    if last is None:
        return True
    reached = last.delivered_at or last.sent_at
    return reached is not None and reached <= at


def purposes(session: Session, message_ids: Sequence[int]) -> set[str]:
    """What these messages were queued for ("introduction", "intro_reminder"...)."""
    if not message_ids:
        return set()
    rows = session.exec(
        select(OutboundMessage.purpose).where(col(OutboundMessage.id).in_(list(message_ids)))
    )
    return set(rows)


def supersede_about(
    session: Session,
    *,
    participant_id: int,
    subject: str,
    now: datetime,
    within: bool = False,
    code: str = SUPERSEDED,
) -> list[int]:
    """A newer message to her about `subject` is being queued: drop her earlier ones about it
    that still wait for later (held for her quiet hours) and were never tried; returns their ids.
    `code` says why (`SAID_LIVE`: she is told the same in her conversation now).

    `within`: those about what lies within the subject go too ("pair:4/meeting:9" lies within
    "pair:4": a pair paused or ended makes its sessions' notes wrong). A message that is due
    (it may be in her hands any second), tried, sent or held for her reply is never touched,
    nor is anyone else's.
    """
    session.flush()  # what this transaction queued before is earlier too
    about = _outbox.c.subject == subject
    if within:
        about = or_(about, _outbox.c.subject.like(f"{subject}/%"))
    rows = session.connection().execute(
        _SUPERSEDE.where(about), {"her": participant_id, "now": now, "code": code}
    )
    return [row.id for row in rows]


def restore_superseded(
    session: Session, *, participant_id: int, subject: str, since: datetime, before: datetime
) -> int:
    """Put back what was queued for her about `subject` between `since` and `before` and
    dropped unsent for a newer word that is now taken back before it reached her (a move
    withdrawn in her night brings back "she accepted"); returns how many."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.participant_id) == participant_id,
            col(OutboundMessage.subject).is_not(None),
            col(OutboundMessage.subject) == subject,
            col(OutboundMessage.status) == OutboxStatus.SKIPPED,
            col(OutboundMessage.error_code) == SUPERSEDED,
            col(OutboundMessage.created_at) >= since,
            col(OutboundMessage.created_at) < before,
        )
        .values(status=OutboxStatus.PENDING, error_code=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def waiting_about(session: Session, *, participant_id: int, subject: str, now: datetime) -> bool:
    """Whether a message to her about `subject` still waits for later, never tried: what it
    says has not reached her (a newer one would replace it, see `supersede_about`)."""
    session.flush()
    found = session.connection().execute(
        _WAITING_ABOUT.where(_outbox.c.subject == subject), {"her": participant_id, "now": now}
    )
    return found.first() is not None


def reached_since(
    session: Session,
    *,
    participant_id: int,
    subject: str | Sequence[str],
    since: datetime,
    now: datetime,
) -> bool | None:
    """Whether what was queued for her about `subject` (or any of several) from `since` on
    has reached her.

    None when nothing about it was queued for her at `since` itself (she knew it another way,
    or was never told); False when it all still waits for later or was dropped unsent by a
    newer word; True when any of it went out, is going (due, or tried), or was asked in her
    conversation when she wrote first (`SAID_LIVE`).
    """
    session.flush()
    subjects = [subject] if isinstance(subject, str) else list(subject)
    rows = (
        session.connection()
        .execute(_SAID_SINCE, {"her": participant_id, "subjects": subjects, "since": since})
        .all()
    )
    if not any(row.created_at == since for row in rows):
        return None
    return any(_reached(row, now) for row in rows)


def _reached(row: Row[Any], now: datetime) -> bool:
    if row.status == OutboxStatus.PENDING:
        return row.attempts > 0 or row.next_attempt_at <= now
    if row.status == OutboxStatus.SKIPPED:
        return row.error_code == SAID_LIVE
    return row.status in _OUT


_SAID_SINCE = core_select(
    _outbox.c.status,
    _outbox.c.attempts,
    _outbox.c.next_attempt_at,
    _outbox.c.error_code,
    _outbox.c.created_at,
).where(
    _outbox.c.participant_id == bindparam("her"),
    _outbox.c.subject.is_not(None),  # lets SQLite see that the index of subjects fits
    _outbox.c.subject.in_(bindparam("subjects", expanding=True)),
    _outbox.c.created_at >= bindparam("since", type_=_outbox.c.created_at.type),
)


# Her messages about a subject that still wait for later and were never tried.
_STILL_WAITING = (
    _outbox.c.participant_id == bindparam("her"),
    _outbox.c.subject.is_not(None),  # lets SQLite see that the index of subjects fits
    _outbox.c.status == OutboxStatus.PENDING,
    _outbox.c.attempts == 0,
    _outbox.c.next_attempt_at > bindparam("now", type_=_outbox.c.next_attempt_at.type),
)
_SUPERSEDE = (
    update(_outbox)
    .where(*_STILL_WAITING)
    .values(status=OutboxStatus.SKIPPED, error_code=bindparam("code"))
    .returning(_outbox.c.id)
)
_WAITING_ABOUT = core_select(_outbox.c.id).where(*_STILL_WAITING).limit(1)


def held_for_later(
    session: Session, participant_id: int, *, now: datetime
) -> list[OutboundMessage]:
    """Her messages of the bot's own that wait for a later hour (her morning, a broadcast's
    local hour); answers to what she wrote are left out."""
    return list(
        session.exec(
            select(OutboundMessage).where(
                OutboundMessage.participant_id == participant_id,
                OutboundMessage.status == OutboxStatus.PENDING,
                col(OutboundMessage.next_attempt_at) > now,
                OutboundMessage.purpose != "reply",
            )
        )
    )


def skip_pending_for(session: Session, participant_id: int) -> int:
    """Stop everything still queued (or held for her reply) for her: she opted out or blocked us."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            and_(
                col(OutboundMessage.participant_id) == participant_id,
                col(OutboundMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.HELD]),
            )
        )
        .values(status=OutboxStatus.SKIPPED)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_held(
    session: Session,
    message_id: int,
    *,
    platform_id: str | None,
    template_sid: str | None,
    now: datetime,
    error_code: str | None = None,
) -> None:
    """The message waits for her next word; `platform_id` is what went out instead (a template)."""
    message = session.get(OutboundMessage, message_id)
    if message is None:
        return
    message.status = OutboxStatus.HELD
    message.platform_id = platform_id
    message.template_sid = template_sid
    message.sent_at = now if platform_id else message.sent_at
    message.error_code = error_code
    message.error = None
    session.add(message)


def release_held(session: Session, *, channel: str, address: str, now: datetime) -> int:
    """She wrote again: the messages held for her reply on this address are due now."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            and_(
                col(OutboundMessage.channel) == channel,
                col(OutboundMessage.address) == address,
                col(OutboundMessage.status) == OutboxStatus.HELD,
            )
        )
        .values(status=OutboxStatus.PENDING, next_attempt_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def invitation_waiting(session: Session, *, channel: str, address: str, since: datetime) -> bool:
    """True when a template sent after `since` invited her to reply and she has not answered yet.

    Lets a channel send at most one invitation per period however many messages wait for her.
    """
    return (
        session.exec(
            select(OutboundMessage.id).where(
                OutboundMessage.channel == channel,
                OutboundMessage.address == address,
                OutboundMessage.status == OutboxStatus.HELD,
                col(OutboundMessage.template_sid).is_not(None),
                col(OutboundMessage.sent_at) >= since,
            )
        ).first()
        is not None
    )


def by_platform_id(session: Session, platform_id: str) -> OutboundMessage | None:
    return session.exec(
        select(OutboundMessage).where(OutboundMessage.platform_id == platform_id)
    ).first()


def backlog(session: Session, *, now: datetime) -> int:
    """How many messages are due and not yet sent."""
    return int(
        session.exec(
            select(func.count())
            .select_from(OutboundMessage)
            .where(
                col(OutboundMessage.status).in_(IN_FLIGHT),
                OutboundMessage.next_attempt_at <= now,
            )
        ).one()
    )
