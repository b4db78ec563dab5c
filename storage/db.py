"""Engine, sessions and migrations for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, event, inspect, make_url, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from storage import json_codec
from storage.batch import HoldingSession
from storage.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# `revision: str = "0011"` / `down_revision: str | None = "0010"` in a migration file.
_REVISION_LINE = re.compile(r"^(down_)?revision\b[^=]*=(.*)$", re.MULTILINE)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **options: Any) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, pre-ping on PostgreSQL;
    JSON columns through `json_codec`."""
    options.setdefault("json_serializer", json_codec.dumps)
    options.setdefault("json_deserializer", json_codec.loads)
    if is_sqlite(url):
        connect_args = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, connect_args=connect_args, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    if "application_name" not in make_url(url).query:
        options.setdefault("connect_args", {}).setdefault("application_name", application_name())
    return create_engine(url, **options)


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite database's file (None on PostgreSQL or in memory)."""
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name == ":memory:":
        return None
    return Path(name).resolve()


def sqlite_write_lock(connection: Connection) -> None:
    """SQLite: take the write lock now (BEGIN IMMEDIATE) unless the transaction has begun.

    A transaction that read first cannot write once another one wrote in between ("database is
    locked" at once, no waiting), and a row it read unlocked could be taken by another before it
    writes. The inbox's batches and the delivery's claims take the lock before they read.
    """
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def application_name() -> str:
    """How this process's PostgreSQL connections are named (pg_stat_activity shows whose)."""
    return f"entrepairs-{os.getpid()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """The one engine of a process and the sessions made from it."""

    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **options)
        self._sessions = sessionmaker(self.engine, class_=HoldingSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to `revision`; at the head already, nothing is loaded."""
        if revision == "head" and self.at_head():
            return
        # Imported here: Alembic (with Mako and Pygments, about 8 MB) is needed to migrate, not by
        # a process that starts on an up-to-date database (`entrepairs run` on SQLite).
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def at_head(self) -> bool:
        """True when the database records the latest migration (read without Alembic)."""
        heads = head_revisions()
        return bool(heads) and self.stored_revisions() == heads

    def stored_revisions(self) -> frozenset[str]:
        """The revisions Alembic recorded in this database (none before the first upgrade)."""
        if not inspect(self.engine).has_table("alembic_version"):
            return frozenset()
        with self.engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(rows.scalars())

    def is_current(self) -> bool:
        """True when the schema has the tables this code expects."""
        names = set(inspect(self.engine).get_table_names())
        return set(metadata.tables) <= names

    def dispose(self) -> None:
        self.engine.dispose()


def head_revisions() -> frozenset[str]:
    """The latest migration(s): every revision in migrations/versions that none revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION_LINE.findall(path.read_text()):
            ids = re.findall(r"[\"']([^\"']+)[\"']", value)  # None, "0010" or ("0009", "0010")
            (revised if down else revisions).update(ids)
    return frozenset(revisions - revised)


def alembic_config(url: str) -> Config:
    """An Alembic configuration that needs no alembic.ini on disk."""
    from alembic.config import Config  # only migrations need Alembic, see `Database.upgrade`

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config
