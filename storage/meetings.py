"""Meetings: the sessions two women of a pair agree on, and the queries scheduling needs.

A meeting is proposed by one member with 1–3 options, each kept as a UTC instant AND as the
proposer's wall-clock time in her zone, so the agreed local time survives daylight-saving
changes (a weekly session at 15:00 in Montréal stays at 15:00 there after the clocks move).
`version` grows whenever the options or the confirmed time change: nudges carry it in their
keys, so the reminders of a moved meeting are new rows and the stale ones can never fire.
(Not named `Session`: that is SQLModel's unit of work.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, and_, insert, or_
from sqlmodel import Field, Session, col, select

from storage.models import Table, json_field, utc_field
from storage.nudges import Nudge, NudgeStatus
from storage.pairs import Pair, PairStatus


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"  # options sent, waiting for the other member
    CONFIRMED = "confirmed"  # a time is agreed
    HELD = "held"  # its time has passed (the session took place, as far as we know)
    CANCELLED = "cancelled"


class Mode(StrEnum):
    VIDEO = "video"
    PHONE = "phone"
    IN_PERSON = "in_person"
    CHAT = "chat"


class Rhythm(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


OPEN_STATUSES = (MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED)


class Meeting(Table, table=True):
    __table_args__ = (Index("ix_meeting_pair_status", "pair_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id")
    # Who proposed the current options (changes with a counter-proposal or a reschedule).
    proposer_id: int = Field(foreign_key="participant.id")
    proposer_zone: str = Field(max_length=48)
    # UTC instants as ISO strings, and the same moments on the proposer's wall clock.
    options: list[str] = json_field()
    local_options: list[str] = json_field()
    status: str = Field(default=MeetingStatus.PROPOSED, max_length=16)
    start_at: datetime | None = utc_field()
    # The confirmed start on the proposer's wall clock ("2026-03-12T15:00"), for the rhythm.
    local_start: str | None = Field(default=None, max_length=20)
    # The confirmed start before a reschedule was asked, to tell the other member what moves.
    previous_start_at: datetime | None = utc_field()
    # When the move now asked began (its first times; a counter-proposal keeps it): what her
    # peer was told of it since then tells whether she ever saw it. None when nothing moves.
    moved_at: datetime | None = utc_field()
    mode: str = Field(default=Mode.VIDEO, max_length=16)
    place: str | None = Field(default=None, max_length=200)  # a link or a place
    rhythm: str | None = Field(default=None, max_length=16)
    sequence: int = Field(default=1)  # 1 for the pair's first session, 2 for the next, ...
    version: int = Field(default=1)
    proposed_at: datetime | None = utc_field(nullable=False)
    confirmed_at: datetime | None = utc_field()
    cancelled_at: datetime | None = utc_field()
    cancelled_by: int | None = Field(default=None)
    created_at: datetime | None = utc_field(nullable=False)
    updated_at: datetime | None = utc_field(nullable=False)

    def option_instants(self) -> list[datetime]:
        return [datetime.fromisoformat(value) for value in self.options]


def open_meetings(session: Session, pair_id: int) -> list[Meeting]:
    """The pair's meetings being proposed or confirmed, newest first."""
    return list(
        session.exec(
            select(Meeting)
            .where(Meeting.pair_id == pair_id, col(Meeting.status).in_(OPEN_STATUSES))
            .order_by(col(Meeting.id).desc())
        )
    )


def planned_starts(
    session: Session, participant_id: int, since: datetime, until: datetime
) -> list[datetime]:
    """When her sessions start, between `since` and `until`, in her active pairs: those agreed,
    and those being moved (they stand at their time until the move is accepted)."""
    hers = select(Pair.id).where(
        or_(Pair.a_id == participant_id, Pair.b_id == participant_id),
        Pair.status == PairStatus.ACTIVE,
    )
    agreed = and_(
        Meeting.status == MeetingStatus.CONFIRMED,
        col(Meeting.start_at).between(since, until),
    )
    moving = and_(
        Meeting.status == MeetingStatus.PROPOSED,
        col(Meeting.previous_start_at).between(since, until),
    )
    rows = session.exec(
        select(Meeting.start_at, Meeting.previous_start_at).where(
            col(Meeting.pair_id).in_(hers), or_(agreed, moving)
        )
    ).all()
    found = (start or previous for start, previous in rows)
    return [start for start in found if start is not None]


def open_meeting(session: Session, pair_id: int) -> Meeting | None:
    """The pair's meeting being proposed or confirmed and still ahead, newest first."""
    found = open_meetings(session, pair_id)
    return found[0] if found else None


def latest_meeting(session: Session, pair_id: int) -> Meeting | None:
    """The pair's most recent meeting, whatever became of it."""
    return session.exec(
        select(Meeting).where(Meeting.pair_id == pair_id).order_by(col(Meeting.id).desc())
    ).first()


def cancelled_since(session: Session, pair_id: int, since: datetime) -> list[Meeting]:
    """The pair's meetings cancelled at or after `since`, oldest first."""
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.pair_id == pair_id,
                Meeting.status == MeetingStatus.CANCELLED,
                col(Meeting.cancelled_at) >= since,
            )
            .order_by(col(Meeting.id))
        )
    )


def any_agreed_after(session: Session, pair_id: int, after: datetime) -> bool:
    """True when the pair confirmed (or held) a session that starts after `after`."""
    return (
        session.exec(
            select(Meeting.id).where(
                Meeting.pair_id == pair_id,
                col(Meeting.status).in_((MeetingStatus.CONFIRMED, MeetingStatus.HELD)),
                col(Meeting.start_at) > after,
            )
        ).first()
        is not None
    )


def last_held_start(session: Session, pair_id: int, before: datetime) -> datetime | None:
    """When the pair's latest agreed session (at or before `before`) started."""
    return session.exec(
        select(Meeting.start_at)
        .where(
            Meeting.pair_id == pair_id,
            col(Meeting.status).in_((MeetingStatus.CONFIRMED, MeetingStatus.HELD)),
            col(Meeting.start_at) <= before,
        )
        .order_by(col(Meeting.start_at).desc())
    ).first()


def count_agreed(session: Session, pair_id: int) -> int:
    """How many sessions the pair has confirmed or held."""
    return len(
        session.exec(
            select(Meeting.id).where(
                Meeting.pair_id == pair_id,
                col(Meeting.status).in_((MeetingStatus.CONFIRMED, MeetingStatus.HELD)),
            )
        ).all()
    )


# Nudge queries the scheduler needs beyond storage.nudges -------------------------------------


def plan_many(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime) -> int:
    """Plan many nudges at once, idempotently by key (existing keys are left as they are).

    Each row holds Nudge fields (key, purpose, due_at, participant_id, pair_id, meeting_id,
    data). Returns how many new rows were written.
    """
    if not rows:
        return 0
    keys = [row["key"] for row in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        existing.update(session.exec(select(Nudge.key).where(col(Nudge.key).in_(chunk))))
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["key"] not in existing and row["key"] not in fresh:
            fresh[row["key"]] = {
                "participant_id": None,
                "pair_id": None,
                "meeting_id": None,
                "data": {},
                **row,
                "status": NudgeStatus.PLANNED,
                "created_at": now,
            }
    if fresh:
        session.execute(insert(Nudge), list(fresh.values()))
    return len(fresh)


def claim_due_for(
    session: Session, *, now: datetime, limit: int, purposes: Iterable[str]
) -> list[Nudge]:
    """Due planned nudges of the given purposes, oldest first, locked (SKIP LOCKED) on PostgreSQL.

    Nudges of a purpose nobody handles yet stay planned and untouched, so they fire once the
    feature that handles them is deployed, and they never block the queue meanwhile.
    """
    query = (
        select(Nudge)
        .where(
            Nudge.status == NudgeStatus.PLANNED,
            Nudge.due_at <= now,
            col(Nudge.purpose).in_(list(purposes)),
        )
        .order_by(col(Nudge.due_at), col(Nudge.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


def planned_for_pair(session: Session, pair_id: int, purposes: Iterable[str]) -> list[Nudge]:
    return list(
        session.exec(
            select(Nudge).where(
                Nudge.pair_id == pair_id,
                Nudge.status == NudgeStatus.PLANNED,
                col(Nudge.purpose).in_(list(purposes)),
            )
        )
    )
