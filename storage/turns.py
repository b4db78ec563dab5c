"""SQLite has one writer: writers take turns on lock files instead of waiting in SQLite.

Left to SQLite, a webhook waiting for the write lock sleeps in its busy handler (1, 2, 5 … up to
100 ms a try) while the inbox worker takes the lock again at once, so acknowledgements starved.
Here every writer of the database file, in this process or in another one (`--role web` beside
`--role inbox,delivery,scheduler`), holds an exclusive `flock` on "<database>.writer" while it
writes: a waiting writer is woken by the kernel the moment the lock is let go. Stores go first:
a store announces itself with a shared lock on "<database>.stores" until it is done, an inbox
batch waits up to `patience` for no store to be announced, and a batch under way ends early when
one is (`stores_waiting`, bot/intake.py).

The delivery worker's short claims and records take no turns: measured (bench/inbound.py), making
them wait for stores cut processing from about 370 to 300 messages/s without shortening the
acknowledgements' tail.

PostgreSQL needs none of this. Without `fcntl` (Windows) or a database file, SQLite's busy
handler is left to do it, and only one process may use the file.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO

from storage.db import Database

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class WriterTurns:
    """Stores (short, someone waits for them) go before batches (long, nobody does)."""

    def __init__(self, database: Path) -> None:
        self._writer = database.with_name(database.name + ".writer")
        self._stores = database.with_name(database.name + ".stores")
        self._local = threading.local()

    def _files(self) -> tuple[IO[bytes], IO[bytes]]:
        """This thread's own open files: a flock belongs to an open file, not to a thread."""
        files = getattr(self._local, "files", None)
        if files is None:
            files = self._local.files = (open(self._writer, "ab"), open(self._stores, "ab"))  # noqa: SIM115
        return files

    @contextmanager
    def store(self) -> Iterator[None]:
        writer, stores = self._files()
        fcntl.flock(stores, fcntl.LOCK_SH)  # "a store waits": batches let it go first
        try:
            with _locked(writer):
                yield
        finally:
            fcntl.flock(stores, fcntl.LOCK_UN)

    @contextmanager
    def batch(self, *, patience: float = 0.05) -> Iterator[None]:
        writer, stores = self._files()
        # Stores waiting go first, but a steady stream of them cannot stop the workers.
        deadline = time.monotonic() + patience
        while _announced(stores) and time.monotonic() < deadline:
            time.sleep(0.001)
        with _locked(writer):
            yield

    def stores_waiting(self) -> bool:
        """Whether a store (in any process) waits for the turn a batch holds: a batch can end
        early and let it write."""
        _writer, stores = self._files()
        return _announced(stores)


@contextmanager
def _locked(file: IO[bytes]) -> Iterator[None]:
    fcntl.flock(file, fcntl.LOCK_EX)  # blocks in the kernel, without the GIL
    try:
        yield
    finally:
        fcntl.flock(file, fcntl.LOCK_UN)


def _announced(stores: IO[bytes]) -> bool:
    """Whether a store holds (or waits for) its turn, in any process."""
    try:
        fcntl.flock(stores, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(stores, fcntl.LOCK_UN)
    return False


def database_file(db: Database) -> Path | None:
    """The SQLite database's file (None on PostgreSQL, in memory, or without `fcntl`)."""
    if db.dialect != "sqlite" or fcntl is None:
        return None
    name = db.engine.url.database
    if not name or name == ":memory:":
        return None
    return Path(name).resolve()


_TURNS: weakref.WeakKeyDictionary[Database, WriterTurns | None] = weakref.WeakKeyDictionary()


def turns(db: Database) -> WriterTurns | None:
    """The writer turns on a SQLite database file (None when there are none to take)."""
    if db not in _TURNS:
        path = database_file(db)
        _TURNS[db] = WriterTurns(path) if path else None
    return _TURNS[db]


def store_turn(db: Database) -> AbstractContextManager[None]:
    """A webhook's turn to write."""
    writer = turns(db)
    return writer.store() if writer else contextlib.nullcontext()


def batch_turn(db: Database) -> AbstractContextManager[None]:
    """A background worker's turn to write."""
    writer = turns(db)
    return writer.batch() if writer else contextlib.nullcontext()


def stores_waiting(db: Database) -> bool:
    """Whether a webhook waits for the writer's turn on this database (never on PostgreSQL)."""
    writer = turns(db)
    return writer.stores_waiting() if writer else False


class AnotherWorker(RuntimeError):
    """Another process already works on this SQLite database."""


@contextmanager
def sole_worker(db: Database) -> Iterator[None]:
    """Be the one process that processes, sends and schedules on this SQLite file.

    Held for as long as the process runs; a second such process raises AnotherWorker at once
    (two would both send the same nudges: SQLite has no advisory locks). Web processes, which
    only store, may be any number. PostgreSQL coordinates its workers itself.
    """
    path = database_file(db)
    if path is None:
        yield
        return
    with open(path.with_name(path.name + ".worker"), "ab") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AnotherWorker(
                f"another entrepairs process already processes and sends on {path.name}: "
                "with SQLite run one (any number of --role web beside it)"
            ) from None
        yield
