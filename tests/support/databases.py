"""Test databases: a fresh SQLite file per test, or a fresh schema on the PostgreSQL server
named by TEST_DATABASE_URL (skipped with a clear reason when it is not set)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from storage.db import Database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def _driver(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


_template: Path | None = None


def _migrated_sqlite() -> Path:
    """A SQLite file migrated to the head once per test process, copied for each test.

    Running the migrations costs about half a second a database; a thousand tests make one each.
    """
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="entrepairs-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = Database(f"sqlite:///{folder / 'head.db'}")
        template.upgrade()
        template.dispose()  # the last connection closing folds the WAL into the file
        _template = folder / "head.db"
    return _template


@contextmanager
def sqlite_database(folder: Path) -> Iterator[Database]:
    path = folder / "test.db"
    shutil.copyfile(_migrated_sqlite(), path)
    db = Database(f"sqlite:///{path}")
    db.upgrade()  # at the head already: only checks
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def postgres_database() -> Iterator[Database]:
    """A database in a schema of its own, dropped afterwards, so tests never see each other."""
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)"
        )
    base = _driver(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    db = Database(f"{base}{separator}options=-csearch_path%3D{schema}")
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, bool]]]:
    """Every statement sent meanwhile: its first three words, upper case, and whether it ran as
    an executemany."""
    seen: list[tuple[str, bool]] = []

    def note(_conn, _cursor, statement, _params, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append((" ".join(statement.split()[:3]).upper(), executemany))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


@contextmanager
def sqlite_plans(db: Database, marker: str) -> Iterator[list[list[str]]]:
    """SQLite's query plan (EXPLAIN QUERY PLAN, one line a step) of each statement sent
    meanwhile whose text holds `marker`, read once the block ends."""
    sent: list[tuple[str, Any]] = []
    plans: list[list[str]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if marker in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield plans
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    with db.engine.connect() as connection:
        for statement, parameters in sent:
            explained = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append([row[3] for row in explained])


def messages_stored(db: Database) -> int:
    """Webhooks' messages recorded: in the inbox, or staged and not moved yet (SQLite)."""
    from sqlmodel import func, select

    from storage import staging
    from storage.models import InboundMessage

    with db.session() as session:
        in_inbox = int(session.exec(select(func.count()).select_from(InboundMessage)).one())
    stage = staging.stage_of(db.engine)
    return in_inbox + (stage.waiting()[0] if stage is not None else 0)
