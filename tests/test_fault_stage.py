"""kill -9 between the webhook's 200 and the processing, with a real `entrepairs run` process on a
SQLite file: webhooks store into the stage (storage/staging.py), and nothing acknowledged is lost
or answered twice, although no transaction spans the stage and the inbox.

To make the window certain, the test holds the inbox file's write lock: the webhooks, which
store into the stage, still answer at once, and the inbox worker waits for the lock before it
moves anything. The process is killed there, the lock let go, and a new process takes over; the
platform sends some of the messages again meanwhile.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from storage import staging
from storage.db import sqlite_file
from tests.support.cluster import Cluster
from tests.support.databases import messages_stored
from tests.support.telegram_standin import standin_server
from tests.support.twilio_standin import running_standin
from tests.test_fault_inbox import (
    UNSENT,
    WOMEN,
    _each_answered_once,
    _known_women,
    _post_all,
    _scalar,
    _wait,
)

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def _staged_rows(db) -> int:  # type: ignore[no-untyped-def]
    """Every row of the stage, forgotten or not yet."""
    stage = staging.stage_of(db.engine)
    assert stage is not None
    with stage.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM staged")).scalar_one())


def test_kill_9_between_the_acknowledgement_and_the_processing_on_sqlite(db, tmp_path):
    with standin_server() as telegram, running_standin() as twilio:
        women = _known_women(db, 94_000_000, "es", "BO")
        updates = [woman.text(word) for word in ("menu", "ayuda", "menu") for woman in women]
        with Cluster(db.url, telegram, twilio, ["all"], log_dir=tmp_path) as cluster:
            worker = cluster.workers[0]
            database = sqlite_file(db.engine)
            assert database is not None
            lock = sqlite3.connect(database, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")  # the inbox file's write lock, held
            try:
                assert _post_all(worker.url, updates) == [200] * len(updates)
                assert _staged_rows(db) == len(updates)  # acknowledged means stored
                worker.kill()
            finally:
                lock.execute("ROLLBACK")
                lock.close()
            assert _scalar(db, "SELECT count(*) FROM inboundmessage") == 0  # nothing moved
            assert telegram.calls_to("sendMessage") == []

            worker.start()
            Cluster.wait_ready(worker)
            # Telegram may deliver some of them again: acknowledged, not processed twice.
            assert _post_all(worker.url, updates[:WOMEN]) == [200] * WOMEN
            processed = "SELECT count(*) FROM inboundmessage WHERE processed_at IS NOT NULL"
            _wait(lambda: _scalar(db, processed) == len(updates), 60, "the inbox to be processed")
            _wait(lambda: _scalar(db, UNSENT) == 0, 60, "every reply to be sent")
            _wait(lambda: _staged_rows(db) == 0, 30, "the stage to forget what was moved")

        assert messages_stored(db) == _scalar(db, "SELECT count(*) FROM inboundmessage")
        assert _scalar(db, "SELECT count(*) FROM inboundmessage") == len(updates)
        assert _scalar(db, "SELECT count(*) FROM inboundmessage WHERE payload IS NOT NULL") == 0
        _each_answered_once(db, telegram, women)
