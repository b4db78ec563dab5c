"""Coordinators, the audit log of what they did, and broadcasts.

A coordinator is named by a way to reach her (channel + address, or a bare phone number that
matches WhatsApp and SMS) or by her participant id. Rows are never deleted: removing a
coordinator sets `removed_at`, so the log can always say who held the role when.

The audit log records who did what, when, whether it was allowed and how many women it touched.
Its `details` hold ids, filters and counts only: never a name, a number or a message text.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Row
from sqlmodel import Field, Session, col, select

from storage.kept import forget_when_written, keep, kept
from storage.models import Table, json_field, utc_field


class Coordinator(Table, table=True):
    __table_args__ = (Index("ix_coordinator_identity", "channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    # Either a participant, or an address ("" channel = a bare phone number, any phone channel).
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    channel: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=64)
    # "settings", "operator:<name>" or "coordinator:<id>".
    added_by: str = Field(max_length=48)
    added_at: datetime | None = utc_field(nullable=False)
    removed_by: str | None = Field(default=None, max_length=48)
    removed_at: datetime | None = utc_field()
    # Console role: "admin", "coordinator" or "viewer" (settings entries are admins).
    role: str = Field(default="coordinator", max_length=16)
    # Countries she may see in the console (ISO codes); empty: every country.
    countries: list[str] = json_field(list)
    # Cohorts (ids) she may see in the console; empty: every cohort. With countries, both apply.
    cohorts: list[int] = json_field(list)
    # Argon2 hash of a console password set by an operator (`coordinators password`), if any.
    password_hash: str | None = Field(default=None, max_length=200)


class AuditEntry(Table, table=True):
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = utc_field(nullable=False)
    # "coordinator:12", "operator:ana", "participant:40" (a refused attempt).
    actor: str = Field(max_length=48, index=True)
    action: str = Field(max_length=32, index=True)
    allowed: bool = Field(default=True)
    audience: int | None = Field(default=None)
    details: dict[str, Any] = json_field(dict)


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"  # every message is in the outbox
    CANCELLED = "cancelled"


class Broadcast(Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_by: str = Field(max_length=48)
    created_at: datetime | None = utc_field(nullable=False)
    # {"es": "...", "fr": "...", "en": "..."}: the coordinator's own words per language.
    texts: dict[str, str] = json_field(dict)
    # Language whose text goes to women whose own language has none (None: missing blocks).
    fallback_language: str | None = Field(default=None, max_length=8)
    # `flows.broadcasts.Audience` as JSON.
    audience: dict[str, Any] = json_field(dict)
    # "now", or "local" with `local_time` "HH:MM" in each recipient's own zone.
    send_mode: str = Field(default="now", max_length=8)
    local_time: str | None = Field(default=None, max_length=5)
    status: str = Field(default=BroadcastStatus.DRAFT, max_length=16)
    queued_at: datetime | None = utc_field()
    # At queue time: {"queued": n, "opted_out": n, "unreachable": n, "by_language": {...}, ...}
    counts: dict[str, Any] = json_field(dict)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    now: datetime,
    allowed: bool = True,
    audience: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        actor=actor,
        action=action,
        allowed=allowed,
        audience=audience,
        details=details or {},
    )
    session.add(entry)
    return entry


def audit_log(session: Session, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """The newest entries first, `limit` of them after the first `offset`."""
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))


# Read for every menu (is she a coordinator?): both shapes built once.
_ALL = select(Coordinator).order_by(col(Coordinator.id))
_ACTIVE = _ALL.where(col(Coordinator.removed_at).is_(None))


def coordinators(session: Session, *, active_only: bool = True) -> list[Coordinator]:
    return list(session.exec(_ACTIVE if active_only else _ALL))


# `_ALL` with only the columns that name her: read on every menu.
_NAMES = _ALL.with_only_columns(
    col(Coordinator.participant_id),
    col(Coordinator.channel),
    col(Coordinator.address),
    col(Coordinator.removed_at),
)


_NAMES_KEPT = "coordination.names"
forget_when_written(Coordinator, _NAMES_KEPT)


def coordinator_names(session: Session) -> list[Row[Any]]:
    """`coordinators(active_only=False)` as plain rows (participant_id, channel, address,
    removed_at), in Core: building ORM objects cost more than the query. Read once per
    transaction while no coordinator row changes in it (an inbox batch is one transaction)."""
    session.flush()  # a coordinator added in this transaction counts (and forgets the rows kept)
    names = kept(session, _NAMES_KEPT)
    if names is None:
        names = keep(session, _NAMES_KEPT, list(session.connection().execute(_NAMES)))
    return names  # type: ignore[no-any-return]
