"""Writes an inbox batch gathers and runs together, once, before it commits.

The inbox worker handles a batch of messages in one transaction. Saving her conversation and
noting when she last wrote are a statement each per message; gathered, each is one executemany
for the whole batch (a tenth of the cost on SQLite), or on PostgreSQL one statement over arrays
when the write registered that form (`together`): psycopg's executemany costs about 15 µs of
client CPU a row. Nothing else changes: the writes run in the
order they were asked for, in the same transaction, before `inbox.done` and the commit.

Outside a batch (`begin` not called on this session) and inside a savepoint, `defer` declines
and the caller writes at once: a savepoint that rolls back must take its writes with it. Opening
a savepoint first runs what was held (`HoldingSession.begin_nested`), outside it: its rollback
cannot undo them, and the writes keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from storage.dialects import arrays

_HELD = "batch.held"  # on the batch's session: [(statement, parameters)], in order


@dataclass(frozen=True)
class Together:
    """A held write's form for a whole batch on PostgreSQL (see `storage.dialects.unnested`)."""

    statement: Any
    columns: tuple[str, ...]  # the write's parameters, each given as one array
    key: str  # a column no two rows may share: one statement cannot write a row twice


_TOGETHER: dict[Any, Together] = {}  # a held write's statement -> its PostgreSQL batch form


def together(statement: Any, form: Together) -> None:
    """On PostgreSQL, `flush` runs this write's rows as one `form` statement."""
    _TOGETHER[statement] = form


def begin(session: Session) -> None:
    """From now on this session's `defer`red writes wait for `flush`."""
    session.info[_HELD] = []


def defer(session: Session, statement: Any, parameters: dict[str, Any]) -> bool:
    """Hold this write for the batch's `flush`; False when the caller must write it now."""
    held = session.info.get(_HELD)
    if held is None:
        return False
    if session.in_nested_transaction():
        return False  # what was held ran when the savepoint began
    held.append((statement, parameters))
    return True


def flush(session: Session) -> None:
    """Run the held writes: one statement or executemany each, each statement's rows in order."""
    held = session.info.get(_HELD)
    if not held:
        return
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for statement, parameters in held:
        grouped.setdefault(statement, []).append(parameters)
    held.clear()
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    for statement, rows in grouped.items():
        form = _TOGETHER.get(statement) if postgres and len(rows) > 1 else None
        if form is not None and len({row[form.key] for row in rows}) == len(rows):
            connection.execute(form.statement, arrays(rows, form.columns))
        else:  # SQLite, one row, or a row written twice: in order, one execution each
            connection.execute(statement, rows)


class HoldingSession(Session):
    """The application's session: a savepoint begins after the writes held for the batch."""

    def begin_nested(self) -> SessionTransaction:
        flush(self)
        return super().begin_nested()
