"""One process only processes, sends and schedules on a SQLite file (storage/sole_worker.py),
beside any number of web ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot import roles
from bot.roles import Role
from bot.settings import Settings, SettingsError
from storage.db import Database
from storage.sole_worker import AnotherWorker, sole_worker

ROOT = Path(__file__).resolve().parent.parent


def test_one_process_works_on_a_sqlite_file(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with sole_worker(db), pytest.raises(AnotherWorker, match="x.db"), sole_worker(db):
            pass
        with sole_worker(db):  # let go when it stopped
            pass
    finally:
        db.dispose()


def test_a_memory_database_has_no_file_to_share(tmp_path):
    memory = Database("sqlite://")
    with sole_worker(memory), sole_worker(memory):
        pass  # nothing to share a memory database with


def test_sqlite_splits_only_web_from_the_rest(tmp_path):
    sqlite = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}")  # type: ignore[call-arg]
    for allowed in ("all", "web", "inbox,delivery,scheduler", "scheduler,delivery,inbox"):
        roles.check(roles.parse(allowed), sqlite)
    for refused in ("inbox", "delivery", "inbox,delivery", "web,inbox", "scheduler"):
        with pytest.raises(SettingsError, match="PostgreSQL"):
            roles.check(roles.parse(refused), sqlite)
    assert roles.EVERYTHING - {Role.WEB} in roles.SQLITE_SPLIT


@pytest.mark.slow
def test_a_second_working_process_on_one_sqlite_file_refuses_to_start(db, tmp_path):
    from tests.support.cluster import Cluster, free_port, worker_env
    from tests.support.telegram_standin import standin_server
    from tests.support.twilio_standin import running_standin

    with (
        standin_server() as telegram,
        running_standin() as twilio,
        Cluster(db.url, telegram, twilio, ["all"], log_dir=tmp_path) as cluster,
    ):
        second = subprocess.run(
            [sys.executable, "-c", "from bot.cli import main; main()", "run"],
            cwd=ROOT,
            env=worker_env(db.url, telegram, twilio, free_port()),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cluster.workers[0].alive
    assert second.returncode == 2, second.stderr
    assert "another entrepairs process already processes and sends" in second.stderr
