"""SQLite has one writer: this process's writers take turns instead of waiting in SQLite.

Left to SQLite, a webhook waiting for the write lock sleeps in its busy handler (up to 100 ms a
try) while a background worker takes the lock again at once, so acknowledgements starved. Here a
webhook's store waits on a condition and is woken the moment the background writes end, and a
background write (the inbox worker's batch) waits a little for the stores already waiting.
PostgreSQL needs none of this: no turns are taken there.

The delivery worker's short claims and records take no turns: measured (bench/inbound.py), making
them wait for stores cut processing from about 370 to 300 messages/s without shortening the
acknowledgements' tail.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from storage.db import Database


class WriterTurns:
    """Stores (short, someone waits for them) go before background writes (long, nobody does)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._stores = 0  # stores waiting or writing
        self._background = 0  # background writes under way

    @contextmanager
    def store(self) -> Iterator[None]:
        with self._changed:
            self._stores += 1
            self._changed.wait_for(lambda: not self._background)
        try:
            yield
        finally:
            with self._changed:
                self._stores -= 1
                self._changed.notify_all()

    @contextmanager
    def batch(self, *, patience: float = 0.05) -> Iterator[None]:
        with self._changed:
            # Stores waiting go first, but a steady stream of them cannot stop the workers.
            self._changed.wait_for(lambda: self._stores == 0, timeout=patience)
            self._background += 1
        try:
            yield
        finally:
            with self._changed:
                self._background -= 1
                self._changed.notify_all()


_TURNS: weakref.WeakKeyDictionary[Database, WriterTurns] = weakref.WeakKeyDictionary()


def turns(db: Database) -> WriterTurns | None:
    """This process's writer turns on a SQLite database (None on PostgreSQL)."""
    if db.dialect != "sqlite":
        return None
    return _TURNS.setdefault(db, WriterTurns())


def store_turn(db: Database) -> AbstractContextManager[None]:
    """A webhook's turn to write."""
    writer = turns(db)
    return writer.store() if writer else contextlib.nullcontext()


def batch_turn(db: Database) -> AbstractContextManager[None]:
    """A background worker's turn to write."""
    writer = turns(db)
    return writer.batch() if writer else contextlib.nullcontext()
