"""Conversation state, saved after every step so a restart resumes at the same question.

Read and written on every message, so in SQLAlchemy Core on the session's connection: one
SELECT to load, one INSERT … ON CONFLICT DO UPDATE to save, no unit of work and no autoflush.
The inbox worker reads a whole batch's states in one SELECT (`prefetch`), and its saves wait
for the batch's single statement (storage/batch.py); what is saved meanwhile is what `load`
returns. Every read and write of this table goes through here, so none can see a stale row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, delete, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session

from storage import batch, json_codec
from storage.dialects import OneOf, Together, dialect_insert, together, unnested
from storage.models import Conversation
from storage.types import UTCDateTime

_table = Conversation.__table__  # type: ignore[attr-defined]
_LOAD = select(
    _table.c.flow,
    _table.c.step,
    _table.c.data,
    _table.c.offered,
    _table.c.updated_at,
).where(_table.c.participant_id == bindparam("participant_id"))
_SAVES: dict[str, Any] = {}  # the upsert, built once per backend
# A batch's states, read together: {participant_id: State | None}, on the batch's session.
_STATES = "conversations.batch_states"
_THEIRS = select(_table.c.participant_id, *_LOAD.selected_columns).where(
    OneOf(_table.c.participant_id, "participant_ids")
)
_DELETE = delete(_table).where(_table.c.participant_id == bindparam("participant_id"))


@dataclass(frozen=True)
class State:
    """Where she is, as loaded: the flow, the step, what it gathered and the options offered."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)
    updated_at: datetime | None = None


def load(session: Session, participant_id: int) -> State | None:
    states = session.info.get(_STATES, {})
    if participant_id in states:
        return states[participant_id]
    row = session.connection().execute(_LOAD, {"participant_id": participant_id}).first()
    return _state(row)


def prefetch(session: Session, participant_ids: list[int]) -> None:
    """Read these women's states in one SELECT, and hold this session's saves for the batch."""
    states = session.info.setdefault(_STATES, {})
    wanted = sorted(set(participant_ids) - states.keys())
    if wanted:
        states.update(dict.fromkeys(wanted))
        rows = session.connection().execute(_THEIRS, {"participant_ids": wanted})
        states.update((row.participant_id, _state(row)) for row in rows)
    batch.begin(session)


def _state(row: Any) -> State | None:
    if row is None:
        return None
    return State(row.flow, row.step, row.data or {}, row.offered or [], row.updated_at)


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
        if dialect == "postgresql":
            together(statement, _upsert_together())
    values = {
        "participant_id": participant_id,
        "flow": flow,
        "step": step,
        "data": dict(data),
        "offered": list(offered),
        "version": 1,
        "updated_at": now,
    }
    states = session.info.get(_STATES)
    if states is not None and session.in_nested_transaction():
        states.pop(participant_id, None)  # the savepoint may yet undo it: `load` reads it back
    elif states is not None:
        # What `load` returns from now on in this batch, and what the held write will store:
        # a copy as the database would give it back, so later changes to `data` touch neither.
        values["data"] = json_codec.loads(json_codec.dumps(values["data"]))
        states[participant_id] = State(flow, step, values["data"], values["offered"], now)
    if not batch.defer(session, statement, values):
        connection.execute(statement, values)


def delete_state(session: Session, participant_id: int) -> None:
    """Forget where she is (her data is being erased)."""
    batch.flush(session)  # a save held for her must not bring it back
    session.connection().execute(_DELETE, {"participant_id": participant_id})
    states = session.info.get(_STATES)
    if states is not None:
        states[participant_id] = None


def _upsert(dialect: str) -> Any:
    """INSERT her first state, or on her second step onwards UPDATE it and count the step."""
    return _on_conflict(dialect_insert(dialect)(_table))


def _upsert_together() -> Together:
    """PostgreSQL: `_upsert` for a batch of women at once, their values given as arrays."""
    rows = unnested(
        participant_id=Integer(),
        flow=String(),
        step=String(),
        data=JSONB(),
        offered=JSONB(),
        version=Integer(),
        updated_at=UTCDateTime(),
    )
    names = list(rows.c.keys())
    insert = postgresql.insert(_table).from_select(names, select(*rows.c))
    return Together(_on_conflict(insert), columns=tuple(names), key="participant_id")


def _on_conflict(insert: Any) -> Any:
    changed = {name: insert.excluded[name] for name in ("flow", "step", "data", "offered")}
    return insert.on_conflict_do_update(
        index_elements=["participant_id"],
        set_={**changed, "updated_at": insert.excluded.updated_at, "version": _table.c.version + 1},
    )
