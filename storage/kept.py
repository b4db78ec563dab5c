"""Reads kept for the rest of a transaction, forgotten as soon as their table is written in it.

An inbox batch is one transaction in which the menu asks the same questions for every message
(who the coordinators are; which of the batch's women have a survey waiting). Read once and
kept on the session with the transaction that read them, the answers are read again in the next
transaction, and forgotten when the session inserts, updates or deletes a row of their model
(`forget_when_written`): what this transaction wrote is always seen. Another process's commit is
seen from the next transaction on, as with any read inside one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import object_session
from sqlmodel import Session

_KEPT = "kept"  # on the session: {key: (transaction, value)}


def kept(session: Session, key: str) -> Any | None:
    """What was kept under `key` in this transaction, or None."""
    found = session.info.get(_KEPT, {}).get(key)
    if found is None or found[0] is not session.get_transaction():
        return None
    return found[1]


def keep(session: Session, key: str, value: Any) -> Any:
    """Keep `value` under `key` for the transaction under way; returns it."""
    session.connection()  # begins the transaction, if none is under way
    session.info.setdefault(_KEPT, {})[key] = (session.get_transaction(), value)
    return value


def forget_when_written(model: type, key: str) -> None:
    """Any insert, update or delete of a `model` row through a session forgets its `key`."""

    def forget(_mapper: Any, _connection: Any, row: Any) -> None:
        session = object_session(row)
        if session is not None:
            session.info.get(_KEPT, {}).pop(key, None)

    for change in ("after_insert", "after_update", "after_delete"):
        event.listen(model, change, forget)
