"""Shared fixtures: an injected clock, a database per test, the engine and a recording channel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import App, build
from bot.settings import Settings
from flows.clock import FakeClock
from storage.db import Database
from tests.support.databases import postgres_database, sqlite_database
from tests.support.recorder import RecordingChannel

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with sqlite_database(tmp_path) as database:
        yield database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path) as database:
            yield database
    else:
        with postgres_database() as database:
            yield database


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'unused.db'}")  # type: ignore[call-arg]


@pytest.fixture
def recorder() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def app(settings: Settings, db: Database, clock: FakeClock, recorder: RecordingChannel) -> App:
    return build(settings, channels=[recorder], clock=clock, db=db)
