"""kill -9 between the webhook's 200 and the processing of the message, with a real
`entrepairs run` process on PostgreSQL: nothing acknowledged is lost, nothing is answered twice.

To make the window certain (rather than a race), the test holds a row lock on the women's
addresses: the worker stores and acknowledges every update at once, and its inbox worker then
waits on that lock in the middle of its batch. The worker is killed there, the lock released,
and a new process takes over.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text

from tests.support import programme
from tests.support.cluster import Cluster
from tests.support.databases import postgres_database
from tests.support.telegram_standin import WEBHOOK_SECRET, Person, standin_server
from tests.support.twilio_standin import running_standin

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.slow]

WOMEN = 12
MESSAGES = 3  # each
UNSENT = "SELECT count(*) FROM outboundmessage WHERE status IN ('pending', 'sending')"


def _scalar(db, sql: str) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar() or 0)


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _post_all(url: str, updates: list[dict]) -> list[int]:
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    with httpx.Client(base_url=url, timeout=10) as client:
        return [
            client.post("/webhooks/telegram", json=update, headers=headers).status_code
            for update in updates
        ]


def _known_women(db, first_chat: int, language: str, country: str) -> list[Person]:  # type: ignore[no-untyped-def]
    """WOMEN onboarded Telegram users, in the database and as the stand-in's people."""
    women = [Person(first_chat + n, f"Woman{n}", language_code=language) for n in range(WOMEN)]
    now = datetime.now(UTC)
    with db.session() as session:
        for woman in women:
            programme.woman(
                session, str(woman.chat_id), now=now, channel="telegram", country=country
            )
    return women


def _each_answered_once(db, telegram, women: list[Person]) -> None:  # type: ignore[no-untyped-def]
    rows = _scalar(db, "SELECT count(*) FROM outboundmessage WHERE status = 'sent'")
    sends = Counter(str(call.params["chat_id"]) for call in telegram.calls_to("sendMessage"))
    assert set(sends) == {str(woman.chat_id) for woman in women}, "every woman was answered"
    assert sum(sends.values()) == rows, "each reply sent once"
    # The same three messages from each woman: the same number of replies for each.
    assert len(set(sends.values())) == 1, sends


def test_kill_9_between_the_acknowledgement_and_the_processing(tmp_path):
    with postgres_database() as db, standin_server() as telegram, running_standin() as twilio:
        women = _known_women(db, 93_000_000, "fr", "SN")
        updates = [woman.text(word) for word in ("menu", "aide", "menu") for woman in women]
        with Cluster(db.url, telegram, twilio, ["all"], log_dir=tmp_path) as cluster:
            worker = cluster.workers[0]
            with db.engine.connect() as lock:
                lock.execute(text("SELECT id FROM channeladdress FOR UPDATE"))
                assert _post_all(worker.url, updates) == [200] * len(updates)
                # Everything is acknowledged and stored; the processing waits on the lock.
                _wait(
                    lambda: (
                        _scalar(
                            db,
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query ILIKE 'UPDATE channeladdress%'",
                        )
                        > 0
                    ),
                    30,
                    "the inbox worker to reach the locked rows",
                )
                worker.kill()
                lock.rollback()
            waiting = "SELECT count(*) FROM inboundmessage WHERE processed_at IS NULL"
            assert _scalar(db, waiting) == len(updates), "acknowledged means stored"
            assert telegram.calls_to("sendMessage") == []

            worker.start()
            Cluster.wait_ready(worker)
            # Telegram may deliver some of them again: acknowledged, not processed twice.
            assert _post_all(worker.url, updates[:WOMEN]) == [200] * WOMEN
            _wait(lambda: _scalar(db, waiting) == 0, 60, "the new process to take the inbox")
            _wait(lambda: _scalar(db, UNSENT) == 0, 60, "every reply to be sent")

        assert _scalar(db, "SELECT count(*) FROM inboundmessage") == len(updates)
        assert _scalar(db, "SELECT count(*) FROM inboundmessage WHERE payload IS NOT NULL") == 0
        _each_answered_once(db, telegram, women)


def test_a_web_process_acknowledges_and_an_inbox_process_answers(tmp_path):
    """Split roles: `--role web` only stores and answers 200; `--role inbox,delivery` processes
    what it stored, in order, once, and sends the replies. Until an inbox process runs, the
    web process's /healthz shows the messages waiting."""
    waiting = "SELECT count(*) FROM inboundmessage WHERE processed_at IS NULL"
    with postgres_database() as db, standin_server() as telegram, running_standin() as twilio:
        women = _known_women(db, 94_000_000, "es", "BO")
        updates = [woman.text(word) for word in ("menu", "ayuda", "menu") for woman in women]
        with Cluster(db.url, telegram, twilio, ["web"], log_dir=tmp_path) as web:
            url = web.workers[0].url
            assert _post_all(url, updates) == [200] * len(updates)
            time.sleep(1.0)  # a web process that processed would have started by now
            assert _scalar(db, waiting) == len(updates), "stored, not processed"
            assert telegram.calls_to("sendMessage") == []
            inbox = httpx.get(f"{url}/healthz", timeout=5).json()["inbox"]
            assert inbox["waiting"] == len(updates)

            roles = ["inbox,delivery", "inbox"]
            with Cluster(db.url, telegram, twilio, roles, log_dir=tmp_path):
                _wait(lambda: _scalar(db, waiting) == 0, 60, "the inbox processes to take it")
                _wait(lambda: _scalar(db, UNSENT) == 0, 60, "every reply to be sent")

        _each_answered_once(db, telegram, women)
        # Each woman's three messages were processed in the order they arrived.
        with db.engine.connect() as connection:
            order = connection.execute(
                text("SELECT address, id, processed_at FROM inboundmessage ORDER BY address, id")
            ).all()
        assert all(
            a.processed_at <= b.processed_at
            for a, b in zip(order, order[1:], strict=False)
            if a.address == b.address
        )
