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

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, delete, exists, insert, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from storage.models import OutboundMessage, OutboxStatus, Participant, Priority

LEASE = timedelta(minutes=2)
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


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
) -> OutboundMessage:
    """Add one message to the outbox (the caller's transaction commits it)."""
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
    )
    session.add(message)
    return message


_outbox = OutboundMessage.__table__  # type: ignore[attr-defined]
# One INSERT for all of a turn's replies, ids back in the order given.
_REPLIES = insert(_outbox).returning(_outbox.c.id, sort_by_parameter_order=True)


def enqueue_replies(
    session: Session,
    *,
    participant_id: int | None,
    channel: str,
    address: str,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    priority: int = Priority.LIVE,
) -> list[int]:
    """`enqueue` for the replies to her message, in Core: their ids, in order.

    What the turn queued through the ORM is flushed first, so it keeps the lower ids (the order
    they are sent in).
    """
    if not payloads:
        return []
    session.flush()
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
    return list(session.connection().execute(_REPLIES, rows).scalars())


def claim(
    session: Session,
    *,
    now: datetime,
    limit: int,
    channels: Sequence[str] | None = None,
    priorities: tuple[int, int] | None = None,
) -> list[OutboundMessage]:
    """Take up to `limit` due messages for sending, best priority first, in order per address.

    `priorities` (lowest, highest) restricts the claim to a band, so live replies and bulk
    traffic can be claimed in separate measures.
    """
    _release_expired(session, now)
    postgres = session.get_bind().dialect.name == "postgresql"
    key = (tuple(channels) if channels is not None else None, priorities, postgres)
    query = _CLAIMS.get(key)
    if query is None:  # built once per shape: building costs ten times what running does
        query = _CLAIMS[key] = _claim_query(channels, priorities, postgres)
    rows = list(session.exec(query, params={"now": now, "limit": limit}))  # type: ignore[call-overload]
    for row in rows:
        row.status = OutboxStatus.SENDING
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        session.add(row)
    return rows


_CLAIMS: dict[tuple[Any, ...], Any] = {}


def _claim_query(
    channels: Sequence[str] | None, priorities: tuple[int, int] | None, postgres: bool
) -> Any:
    """The claim's SELECT, with `now` and `limit` as parameters.

    An earlier message to the same address blocks a later one while it is being sent, is due, or
    is being retried at the same or a more urgent priority; one merely scheduled for later (held
    for her quiet hours, a broadcast at 10:00 her time) blocks nothing.
    """
    now = bindparam("now", type_=OutboundMessage.__table__.c.next_attempt_at.type)  # type: ignore[attr-defined]
    earlier = aliased(OutboundMessage)
    blocked = exists().where(
        earlier.channel == OutboundMessage.channel,
        earlier.address == OutboundMessage.address,
        earlier.id < OutboundMessage.id,
        col(earlier.status).in_(IN_FLIGHT),
        or_(
            earlier.status == OutboxStatus.SENDING,
            earlier.next_attempt_at <= now,
            and_(earlier.attempts > 0, earlier.priority <= OutboundMessage.priority),
        ),
    )
    query = (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == OutboxStatus.PENDING,
            OutboundMessage.next_attempt_at <= now,
            ~blocked,
        )
        .order_by(col(OutboundMessage.priority), col(OutboundMessage.id))
        .limit(bindparam("limit", type_=Integer))
    )
    if channels is not None:
        query = query.where(col(OutboundMessage.channel).in_(list(channels)))
    if priorities is not None:
        query = query.where(col(OutboundMessage.priority).between(*priorities))
    if postgres:
        query = query.with_for_update(skip_locked=True, of=OutboundMessage)  # type: ignore[arg-type]
    return query


def _release_expired(session: Session, now: datetime) -> None:
    """Offer again the messages whose sender died before it could say how the send went."""
    session.execute(
        update(OutboundMessage)
        .where(
            and_(
                col(OutboundMessage.status) == OutboxStatus.SENDING,
                col(OutboundMessage.next_attempt_at) < now,
            )
        )
        .values(status=OutboxStatus.PENDING)
    )


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


def mark_sent_many(
    session: Session, sent: Sequence[tuple[int, str | None]], *, now: datetime
) -> None:
    """`mark_sent` for a batch, in two statements: one UPDATE (executemany), then the rows of
    women who erased their data meanwhile deleted (their last word is out)."""
    if not sent:
        return
    table = OutboundMessage.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            status=OutboxStatus.SENT, platform_id=bindparam("b_platform"), sent_at=now, error=None
        ),
        [{"b_id": message_id, "b_platform": platform_id} for message_id, platform_id in sent],
    )
    erased = select(Participant.id).where(col(Participant.erased_at).is_not(None))
    session.execute(
        delete(table).where(
            table.c.id.in_([message_id for message_id, _ in sent]),
            table.c.participant_id.in_(erased),
        )
    )


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


def supersede(session: Session, message_ids: Sequence[int]) -> int:
    """Drop queued messages not yet tried (a live answer says the same now); returns how many."""
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
        .values(status=OutboxStatus.SKIPPED, error_code="superseded")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
