"""Writes an inbox batch gathers and runs together, once, before it commits.

The inbox worker handles a batch of messages in one transaction. Saving her conversation,
noting when she last wrote and queuing the replies are a statement each per message; gathered,
each is one statement for the whole batch (`storage.dialects.execute_many`: an executemany on
SQLite, a tenth of the cost; one statement over arrays on PostgreSQL). Nothing else changes: the
writes run in the order they were asked for, in the same transaction, before `inbox.done` and
the commit, and before anything the ORM writes meanwhile.

Outside a batch (`begin` not called on this session) and inside a savepoint, `defer` declines
and the caller writes at once: a savepoint that rolls back must take its writes with it. Opening
a savepoint first runs what was held (`HoldingSession.begin_nested`), outside it: its rollback
cannot undo them, and the writes keep their order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from storage.dialects import execute_many

_HELD = "batch.held"  # on the batch's session: [(statement, parameters)], in order


def begin(session: Session) -> None:
    """From now on this session's `defer`red writes wait for `flush` (again: nothing changes)."""
    session.info.setdefault(_HELD, [])


def defer(session: Session, statement: Any, *rows: dict[str, Any]) -> bool:
    """Hold this write of these rows for the batch's `flush`; False when the caller must write
    it now."""
    held = session.info.get(_HELD)
    if held is None:
        return False
    if session.in_nested_transaction():
        return False  # what was held ran when the savepoint began
    held.extend((statement, row) for row in rows)
    return True


def flush(session: Session) -> None:
    """Run the held writes: one statement each, each statement's rows in order."""
    held = session.info.get(_HELD)
    if not held:
        return
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for statement, parameters in held:
        grouped.setdefault(statement, []).append(parameters)
    held.clear()
    connection = session.connection()
    for statement, rows in grouped.items():
        execute_many(connection, statement, rows)


class HoldingSession(Session):
    """The application's session: a savepoint begins, and the ORM writes what it holds, after
    the writes held for the batch (the replies held are then older than the messages the ORM
    queues: their ids, the order they are sent in, say so)."""

    def begin_nested(self) -> SessionTransaction:
        flush(self)
        return super().begin_nested()


@event.listens_for(HoldingSession, "before_flush")
def _held_first(session: Session, _context: Any, _instances: Any) -> None:
    flush(session)
