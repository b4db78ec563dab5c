"""SQLite's writers take turns on lock files (storage/turns.py), within a process and across
processes: a store waits for the writer that holds the file and goes before the next batch; one
process only processes, sends and schedules on a SQLite file, beside any number of web ones."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bot import roles
from bot.roles import Role
from bot.settings import Settings, SettingsError
from storage.db import Database
from storage.turns import AnotherWorker, WriterTurns, sole_worker, turns

ROOT = Path(__file__).resolve().parent.parent

# Another process takes a turn on the same file, says so, and lets go when told (a line on stdin).
OTHER = """
import sys
from pathlib import Path
from storage.turns import WriterTurns

writer = WriterTurns(Path(sys.argv[1]))
with getattr(writer, sys.argv[2])():
    print("held", flush=True)
    sys.stdin.readline()
"""


def _in_thread(target: Any) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _other_process(database: Path, turn: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", OTHER, str(database), turn],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def _let_go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("\n")
    process.stdin.flush()
    process.wait(10)


def test_a_waiting_webhook_goes_before_the_next_batch_and_after_the_current_one(tmp_path):
    turns = WriterTurns(tmp_path / "x.db")
    storing, done_storing, batching, done_batching = (threading.Event() for _ in range(4))

    def webhook() -> None:
        with turns.store():
            storing.set()
            done_storing.wait(5)

    def batch() -> None:
        with turns.batch(patience=5):
            batching.set()
            done_batching.wait(5)

    _in_thread(webhook)
    assert storing.wait(5)
    _in_thread(batch)
    assert not batching.wait(0.2)  # the batch waits for the store that is writing
    done_storing.set()
    assert batching.wait(5)
    storing.clear()
    done_storing.clear()
    _in_thread(webhook)
    assert not storing.wait(0.2)  # a store waits for the batch that holds the lock
    done_batching.set()
    assert storing.wait(5)
    done_storing.set()


def test_a_store_waits_for_a_batch_in_another_process_and_is_woken_when_it_ends(tmp_path):
    database = tmp_path / "x.db"
    other = _other_process(database, "batch")
    storing = threading.Event()

    def webhook() -> None:
        with WriterTurns(database).store():
            storing.set()

    _in_thread(webhook)
    assert not storing.wait(0.3)  # the other process's batch holds the file
    _let_go(other)
    assert storing.wait(5)


def test_a_batch_lets_a_store_announced_in_another_process_go_first(tmp_path):
    database = tmp_path / "x.db"
    other = _other_process(database, "store")
    batching = threading.Event()

    def batch() -> None:
        with WriterTurns(database).batch(patience=5):
            batching.set()

    _in_thread(batch)
    assert not batching.wait(0.3)  # a store is under way over there
    _let_go(other)
    assert batching.wait(5)


def test_a_batch_does_not_wait_for_stores_longer_than_its_patience(tmp_path):
    """A steady stream of stores keeps one announced at all times: batches still get turns."""
    import fcntl

    database = tmp_path / "x.db"
    writer = WriterTurns(database)
    with open(tmp_path / "x.db.stores", "ab") as announcement:
        fcntl.flock(announcement, fcntl.LOCK_SH)  # always some store on its way
        batching = threading.Event()

        def batch(patience: float) -> None:
            with writer.batch(patience=patience):
                batching.set()

        _in_thread(lambda: batch(5))
        assert not batching.wait(0.3)
        _in_thread(lambda: batch(0.05))
        assert batching.wait(2)


def test_one_process_works_on_a_sqlite_file(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with sole_worker(db), pytest.raises(AnotherWorker, match="x.db"), sole_worker(db):
            pass
        with sole_worker(db):  # let go when it stopped
            pass
    finally:
        db.dispose()


def test_postgresql_and_memory_databases_take_no_turns(tmp_path):
    memory = Database("sqlite://")
    assert turns(memory) is None
    with sole_worker(memory), sole_worker(memory):
        pass  # nothing to share a memory database with
    assert turns(Database(f"sqlite:///{tmp_path / 'x.db'}")) is not None


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
