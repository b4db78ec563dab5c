"""Nudges as data: every proactive thing the bot will do, as a row with a due time.

Reminders, check-in prompts, "no session yet" nudges, pulses, surveys and coordinator alerts are
planned here and fired by the dispatcher when due. A row names what it belongs to (pair, meeting)
and carries a `key` that makes planning idempotent: planning the same nudge twice keeps one row,
and a moved meeting gets new keys (its version is part of them) while the stale rows are cancelled.
Rows survive restarts; on PostgreSQL several dispatchers claim them with SKIP LOCKED.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, update
from sqlmodel import Field, Session, col, select

from storage.models import Table, json_field, utc_field


class NudgeStatus(StrEnum):
    PLANNED = "planned"
    SENT = "sent"  # fired: its messages are in the outbox
    DROPPED = "dropped"  # no longer meaningful when it fell due (e.g. reminder of a past session)
    CANCELLED = "cancelled"  # its meeting moved or was cancelled, or its pair ended


class Nudge(Table, table=True):
    __table_args__ = (Index("ix_nudge_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True)
    purpose: str = Field(max_length=32, index=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    pair_id: int | None = Field(default=None, index=True)
    meeting_id: int | None = Field(default=None, index=True)
    due_at: datetime | None = utc_field(nullable=False)
    status: str = Field(default=NudgeStatus.PLANNED, max_length=16)
    data: dict[str, Any] = json_field(dict)
    created_at: datetime | None = utc_field(nullable=False)
    fired_at: datetime | None = utc_field()


def plan(
    session: Session,
    *,
    key: str,
    purpose: str,
    due_at: datetime,
    now: datetime,
    participant_id: int | None = None,
    pair_id: int | None = None,
    meeting_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Nudge:
    """Plan a nudge once: a second call with the same key returns the existing row."""
    existing = session.exec(select(Nudge).where(Nudge.key == key)).first()
    if existing is not None:
        return existing
    nudge = Nudge(
        key=key,
        purpose=purpose,
        due_at=due_at,
        participant_id=participant_id,
        pair_id=pair_id,
        meeting_id=meeting_id,
        data=data or {},
        created_at=now,
    )
    session.add(nudge)
    session.flush()
    return nudge


def cancel(
    session: Session,
    *,
    meeting_id: int | None = None,
    pair_id: int | None = None,
    purposes: tuple[str, ...] | None = None,
) -> int:
    """Cancel the planned nudges of a meeting or a pair (optionally only some purposes)."""
    query = update(Nudge).where(col(Nudge.status) == NudgeStatus.PLANNED)
    if meeting_id is not None:
        query = query.where(col(Nudge.meeting_id) == meeting_id)
    if pair_id is not None:
        query = query.where(col(Nudge.pair_id) == pair_id)
    if purposes is not None:
        query = query.where(col(Nudge.purpose).in_(purposes))
    result = session.execute(query.values(status=NudgeStatus.CANCELLED))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_due(session: Session, *, now: datetime, limit: int) -> list[Nudge]:
    """Planned nudges that are due, oldest first; locked for this transaction on PostgreSQL."""
    query = (
        select(Nudge)
        .where(Nudge.status == NudgeStatus.PLANNED, Nudge.due_at <= now)
        .order_by(col(Nudge.due_at), col(Nudge.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


def upcoming(session: Session, *, limit: int = 200) -> list[Nudge]:
    return list(
        session.exec(
            select(Nudge)
            .where(Nudge.status == NudgeStatus.PLANNED)
            .order_by(col(Nudge.due_at))
            .limit(limit)
        )
    )
