"""On a SQLite file, webhooks store into a file of their own: they never wait for the inbox worker.

SQLite has one writer a file, and an inbox batch holds the inbox file's write lock while it
processes (its claim, replies and "done" are one transaction). A webhook that stored there waited
for the batch; batches ended after one message to let it in, and under load nearly every batch
paid its fixed cost (1.4 to 3 ms on the machines measured: claim, reads, writes, commit) for
one message. So on SQLite a webhook's message waits in "<database>.incoming", a small file with
one table (`staged`), whose write lock only stores and the moves' clean-up take. Each inbox
batch, holding the inbox file's lock, first moves what waits there into the inbox (`take`, then
the inbox's INSERT … ON CONFLICT DO NOTHING, one executemany), in the order it arrived.

Nothing is lost or processed twice, without a transaction across the two files: a staged message
is forgotten only once the inbox has it (`take` deletes those, and never returns them); one moved
in a batch that was rolled back is still staged and moved again. A platform's resend is
recognised in either file: the store's INSERT looks for it in the inbox too (attached, read-only
use), in the same statement.

PostgreSQL, and SQLite in memory, keep no stage: webhooks store straight into the inbox.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    delete,
    event,
    exists,
    func,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from storage.db import sqlite_file
from storage.types import UTCDateTime

# The most moved into the inbox by one batch: a backlog (the worker was down) moves in steps.
MOVE_AT_MOST = 1000

staged = Table(
    "staged",
    MetaData(),
    Column("id", Integer, primary_key=True),  # arrival order (AUTOINCREMENT: never reused)
    Column("channel", String(16), nullable=False),
    Column("platform_key", String(64), nullable=False),
    Column("address", String(64)),
    Column("payload", Text),
    Column("kind", String(16), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    UniqueConstraint("channel", "platform_key"),
    sqlite_autoincrement=True,
)
# The inbox's keys, read from the stage's connections: the inbox file is attached as "inbox".
_inbox = Table(
    "inboundmessage",
    MetaData(),
    Column("channel", String(16)),
    Column("platform_key", String(64)),
    schema="inbox",
)
_in_inbox = exists().where(
    _inbox.c.channel == staged.c.channel, _inbox.c.platform_key == staged.c.platform_key
)
# What a staged message holds, in this order (`take` gives each as a tuple).
FIELDS = ("channel", "platform_key", "address", "payload", "kind", "received_at")

# Built once: INSERT … SELECT <the message> WHERE the inbox has not got it ON CONFLICT DO NOTHING.
_message = select(
    *(bindparam(name, type_=staged.c[name].type).label(name) for name in FIELDS)
).subquery()
_STORE = (
    sqlite.insert(staged)
    .from_select(
        list(FIELDS),
        select(_message).where(
            ~exists().where(
                _inbox.c.channel == _message.c.channel,
                _inbox.c.platform_key == _message.c.platform_key,
            )
        ),
    )
    .on_conflict_do_nothing(index_elements=["channel", "platform_key"])
    .returning(staged.c.id)
)
# Read raw, for the DB-API to copy into the inbox as they are: both files hold received_at as
# UTCDateTime wrote it, and SQLAlchemy's processing of each value, both ways, was most of a move.
_WAITING = str(
    select(*(staged.c[name] for name in FIELDS))
    .where(~_in_inbox)
    .order_by(staged.c.id)
    .limit(MOVE_AT_MOST)
    .compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
)
_FORGET = delete(staged).where(_in_inbox)
_COUNT = select(func.count(), func.min(staged.c.received_at)).where(~_in_inbox)


class Stage:
    """The stage file of one SQLite inbox file, and an engine on it."""

    def __init__(self, inbox_file: Path) -> None:
        path = inbox_file.with_name(inbox_file.name + ".incoming")
        self.engine = create_engine(
            f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(self.engine, "connect", _attaching(inbox_file))
        with self.engine.begin() as connection:  # a web process and the worker may race here
            connection.execute(CreateTable(staged, if_not_exists=True))
        self._took = True  # what a process before this one moved may still be here

    def store(self, rows: Sequence[dict[str, Any]]) -> list[bool]:
        """Stage these messages in one transaction: True for each the platform sent first."""
        with self.engine.begin() as connection:
            return [connection.execute(_STORE, row).first() is not None for row in rows]

    def take(self) -> list[tuple[Any, ...]]:
        """What waits to be moved into the inbox, oldest first, each as its raw `FIELDS`.

        What the inbox already has is left out, and forgotten first when an earlier take (of
        this process) returned something: it was moved, unless its batch was rolled back.
        """
        with self.engine.connect() as connection:
            if self._took:
                connection.execute(_FORGET)
                connection.commit()
            rows = connection.exec_driver_sql(_WAITING).all()
        self._took = bool(rows)
        return [tuple(row) for row in rows]

    def waiting(self) -> tuple[int, datetime | None]:
        """How many staged messages the inbox has not got, and when the oldest arrived."""
        with self.engine.connect() as connection:
            count, oldest = connection.execute(_COUNT).one()
        return int(count), oldest

    def dispose(self) -> None:
        self.engine.dispose()


def _attaching(inbox_file: Path) -> Any:
    """The stage's connections: WAL like the inbox, and the inbox attached to check for keys."""

    def connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("ATTACH DATABASE ? AS inbox", (str(inbox_file),))
        cursor.close()

    return connect


_STAGES: weakref.WeakKeyDictionary[Engine, Stage | None] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def stage_of(engine: Engine) -> Stage | None:
    """The stage of this inbox's engine (None on PostgreSQL or a SQLite database in memory)."""
    with _LOCK:
        if engine not in _STAGES:
            inbox_file = sqlite_file(engine)
            stage = _STAGES[engine] = Stage(inbox_file) if inbox_file else None
            if stage is not None:  # the inbox's engine let go: so does its stage
                event.listen(engine, "engine_disposed", lambda _engine: stage.dispose())
        return _STAGES[engine]
