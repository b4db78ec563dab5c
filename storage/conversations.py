"""Conversation state, saved after every step so a restart resumes at the same question.

Read and written on every message, so in SQLAlchemy Core on the session's connection: one
SELECT to load, one INSERT … ON CONFLICT DO UPDATE to save, no unit of work and no autoflush.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from storage.dialects import dialect_insert
from storage.models import Conversation

_table = Conversation.__table__  # type: ignore[attr-defined]
_LOAD = select(
    _table.c.flow,
    _table.c.step,
    _table.c.data,
    _table.c.offered,
    _table.c.version,
    _table.c.updated_at,
).where(_table.c.participant_id == bindparam("participant_id"))
_SAVES: dict[str, Any] = {}  # the upsert, built once per backend


@dataclass(frozen=True)
class State:
    """Where she is, as loaded: the flow, the step, what it gathered and the options offered."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)
    version: int = 0
    updated_at: datetime | None = None


def load(session: Session, participant_id: int) -> State | None:
    row = session.connection().execute(_LOAD, {"participant_id": participant_id}).first()
    if row is None:
        return None
    return State(row.flow, row.step, row.data or {}, row.offered or [], row.version, row.updated_at)


def save(
    session: Session,
    *,
    participant_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    offered: list[str],
    now: datetime,
) -> None:
    """Write where she is now; `version` counts the steps taken."""
    connection = session.connection()
    dialect = connection.dialect.name
    statement = _SAVES.get(dialect)
    if statement is None:
        statement = _SAVES[dialect] = _upsert(dialect)
    values = {
        "participant_id": participant_id,
        "flow": flow,
        "step": step,
        "data": dict(data),
        "offered": list(offered),
        "version": 1,
        "updated_at": now,
    }
    connection.execute(statement, values)


def _upsert(dialect: str) -> Any:
    """INSERT her first state, or on her second step onwards UPDATE it and count the step."""
    insert = dialect_insert(dialect)(_table)
    changed = {name: insert.excluded[name] for name in ("flow", "step", "data", "offered")}
    return insert.on_conflict_do_update(
        index_elements=["participant_id"],
        set_={**changed, "updated_at": insert.excluded.updated_at, "version": _table.c.version + 1},
    )
