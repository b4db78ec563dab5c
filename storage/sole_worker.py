"""One process processes, sends and schedules on a SQLite file; web processes may be any number.

Two such processes would both send the same nudges, and SQLite has no advisory locks: the worker
holds an exclusive `flock` on "<database>.worker" for as long as it runs. PostgreSQL coordinates
its workers itself; without `fcntl` (Windows) nothing stops a second one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from storage.db import Database, sqlite_file

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class AnotherWorker(RuntimeError):
    """Another process already works on this SQLite database."""


@contextmanager
def sole_worker(db: Database) -> Iterator[None]:
    """Be the one process that processes, sends and schedules on this SQLite file.

    Held for as long as the process runs; a second such process raises AnotherWorker at once
    (two would both send the same nudges: SQLite has no advisory locks). Web processes, which
    only store, may be any number. PostgreSQL coordinates its workers itself.
    """
    path = sqlite_file(db.engine) if fcntl is not None else None
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
