"""Conversation state, saved after every step so a restart resumes at the same question.

Read and written on every message, so in SQLAlchemy Core on the session's connection: one
SELECT to load, one INSERT … ON CONFLICT DO UPDATE to save, no unit of work and no autoflush.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlmodel import Session

from storage.dialects import dialect_insert
from storage.models import Conversation

_table = Conversation.__table__  # type: ignore[attr-defined]
_COLUMNS = (
    _table.c.participant_id,
    _table.c.flow,
    _table.c.step,
    _table.c.data,
    _table.c.offered,
    _table.c.version,
    _table.c.updated_at,
)
_LOAD = select(*_COLUMNS).where(_table.c.participant_id == bindparam("participant_id"))
_THEIRS = select(*_COLUMNS).where(_table.c.participant_id.in_(bindparam("ids", expanding=True)))
# Where `prefetch` leaves what it read, on the batch's session (gone with it).
_PREFETCHED = "conversations.prefetched"
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


def prefetch(session: Session, participant_ids: Iterable[int]) -> None:
    """Load the conversations of an inbox batch's women at once; `load` then reads none itself.

    A copy is used once, and every write here (`save`, `forget`) drops it first, so a woman whose
    conversation an earlier message of the batch changed (an introduction answered by her peer,
    say) is loaded afresh.
    """
    ids = sorted(set(participant_ids))
    if not ids:
        return
    kept = session.info.setdefault(_PREFETCHED, {})
    kept.update(dict.fromkeys(ids))
    for row in session.connection().execute(_THEIRS, {"ids": ids}):
        kept[row.participant_id] = _state(row)


def load(session: Session, participant_id: int) -> State | None:
    kept = session.info.get(_PREFETCHED)
    if kept and participant_id in kept:
        return kept.pop(participant_id)  # type: ignore[no-any-return]
    row = session.connection().execute(_LOAD, {"participant_id": participant_id}).first()
    return _state(row) if row is not None else None


def forget(session: Session, participant_id: int) -> None:
    """Her conversation is about to change: a copy read with the batch is stale from now on."""
    session.info.get(_PREFETCHED, {}).pop(participant_id, None)


def _state(row: Row[Any]) -> State:
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
    forget(session, participant_id)
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
