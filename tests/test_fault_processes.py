"""Faults with real OS processes on PostgreSQL: kill -9 of a worker mid-broadcast and
mid-conversation, and PostgreSQL restarted under traffic.

The workers are real `entrepairs run --role …` processes (tests/support/cluster.py) talking to
the Telegram and Twilio stand-ins. A killed worker's claims are leases that run out after two
minutes; rather than wait, the tests make those leases expire in the database (the passage of
time, as FakeClock tests do), once the surviving workers have finished everything else.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from flows.messages import Reply, _
from storage import outbox
from storage.models import Priority
from tests.support import programme
from tests.support.cluster import (
    Cluster,
    Driver,
    audit,
    expire_leases,
    make_women,
    resilient_postgres,
    sending_ids,
)
from tests.support.databases import postgres_database
from tests.support.telegram_standin import standin_server
from tests.support.twilio_standin import running_standin

pytestmark = [pytest.mark.fault, pytest.mark.postgres, pytest.mark.slow]


def _scalar(db, sql: str) -> int:  # type: ignore[no-untyped-def]
    with db.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar() or 0)


def _wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _unsent(db) -> int:  # type: ignore[no-untyped-def]
    """Messages not sent yet: queued, or claimed by a worker."""
    sql = "SELECT count(*) FROM outboundmessage WHERE status IN ('pending', 'sending')"
    return _scalar(db, sql)


def _expire_dead_claims(db, settle: float = 2.0, dead: int | None = None) -> int:  # type: ignore[no-untyped-def]
    """Rows still `sending` after the live workers had `settle` seconds belong to the dead one.

    `dead`: the killed process's pid. PostgreSQL may still be committing what it sent just
    before it died (a claim); its connections must be gone before its claims are read.
    """
    if dead is not None:
        _wait(lambda: _connections_of(db, dead) == 0, 30, "the dead worker's connections to close")
    first = sending_ids(db)
    time.sleep(settle)
    stuck = first & sending_ids(db)
    return expire_leases(db, stuck)


def _connections_of(db, pid: int) -> int:  # type: ignore[no-untyped-def]
    """The PostgreSQL connections process `pid` opened (storage.db.application_name)."""
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'entrepairs-{pid}'"
    return _scalar(db, sql)


# kill -9 mid-broadcast ---------------------------------------------------------------------------

AUDIENCE = 450  # a third each on Telegram, WhatsApp and SMS


def test_kill_9_of_a_delivery_worker_mid_broadcast(tmp_path):
    with postgres_database() as db, standin_server() as telegram, running_standin() as twilio:
        now = datetime.now(UTC)
        addresses = []
        with db.session() as session:
            for n in range(AUDIENCE):
                channel = ("telegram", "whatsapp", "sms")[n % 3]
                address = str(81_000_000 + n) if channel == "telegram" else f"+1604777{n:04d}"
                woman = programme.woman(
                    session, address, now=now, channel=channel, timezone="UTC", country="SN"
                )
                outbox.enqueue(
                    session,
                    participant_id=woman.id,
                    channel=channel,
                    address=address,
                    payload=Reply(
                        _("Programme news: the spring cohort opens on Monday.")
                    ).to_json(),
                    now=now,
                    purpose="broadcast",
                    priority=Priority.BULK,
                )
                addresses.append(address)
        # Two delivery workers, slow enough (per process) to be killed half-way.
        cluster = Cluster(
            db.url,
            telegram,
            twilio,
            ["delivery", "delivery"],
            log_dir=tmp_path,
            TELEGRAM_MPS="60",
            TWILIO_WHATSAPP_MPS="60",
            TWILIO_SMS_MPS="60",
        )
        with cluster:

            def delivered() -> int:
                return len(telegram.calls_to("sendMessage", ok=True)) + len(twilio.accepted)

            _wait(lambda: delivered() >= AUDIENCE // 3, 60, "a third of the broadcast")
            cluster.workers[0].kill()
            at_kill = delivered()
            assert at_kill < AUDIENCE
            _wait(
                lambda: (
                    _scalar(db, "SELECT count(*) FROM outboundmessage WHERE status='pending'") == 0
                ),
                90,
                "the surviving worker to take the rest",
            )
            expired = _expire_dead_claims(db)
            _wait(lambda: _unsent(db) == 0, 60, "the dead worker's claims to be sent by the other")
            assert cluster.workers[1].alive
        got = Counter(str(call.params["chat_id"]) for call in telegram.calls_to("sendMessage"))
        got.update(call["To"].removeprefix("whatsapp:") for call in twilio.accepted)
        assert set(got) == set(addresses), "everyone got the broadcast"
        twice = sum(count - 1 for count in got.values())
        assert twice <= expired, (twice, expired)  # only what was in flight at the kill
        assert _scalar(db, "SELECT count(*) FROM outboundmessage WHERE status='sent'") == AUDIENCE


# kill -9 mid-conversation -------------------------------------------------------------------------


def test_kill_9_of_a_worker_mid_conversation(tmp_path):
    women = make_women(120, steps=6, seed=7)
    with postgres_database() as db, standin_server() as telegram, running_standin() as twilio:
        with Cluster(db.url, telegram, twilio, ["all", "all"], log_dir=tmp_path) as cluster:
            driver = Driver(
                [w.url for w in cluster.web], telegram, twilio, rate=60.0, answer_timeout=60
            )
            expired = 0

            async def chaos() -> None:
                nonlocal expired
                while driver.report.posted < len(women) * 2:
                    await asyncio.sleep(0.02)
                dead = cluster.workers[0].process.pid  # type: ignore[union-attr]
                await asyncio.to_thread(cluster.workers[0].kill)
                expired = await asyncio.to_thread(_expire_dead_claims, db, dead=dead)
                await asyncio.to_thread(cluster.workers[0].start)  # it comes back
                await asyncio.to_thread(Cluster.wait_ready, cluster.workers[0])

            async def both() -> None:
                await asyncio.gather(driver.run(women), chaos())

            asyncio.run(both())
            report = driver.report
            # A woman counts as answered at her first reply; a second one may still be on its
            # way. Every reply must go out before the workers stop.
            _wait(lambda: _unsent(db) == 0, 60, "every reply to be sent")
        result = audit(db, telegram, twilio, report)
    assert report.unanswered == 0, report.unanswered
    assert report.posted == len(women) * 6
    assert report.connection_errors > 0, "some webhooks hit the dead worker (and were retried)"
    assert result["missing_inbound"] == 0 and result["extra_inbound"] == 0, result
    assert result["unsent_rows"] == 0, result
    assert result["addresses_with_fewer_sends_than_rows"] == 0, result
    assert result["extra_sends"] <= expired, (result, expired)


# PostgreSQL restarted under traffic ---------------------------------------------------------------


def _restart_postgres() -> None:
    version = os.listdir("/etc/postgresql")[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _ensure_postgres() -> None:
    """Whatever happened, the server is running when the test ends."""
    if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
        version = os.listdir("/etc/postgresql")[0]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            timeout=120,
        )
    for _attempt in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            return
        time.sleep(0.5)


@pytest.mark.skipif(not os.path.isdir("/etc/postgresql"), reason="needs a local PostgreSQL cluster")
def test_postgresql_restarted_under_traffic(tmp_path):
    women = make_women(90, steps=5, seed=11)
    try:
        with resilient_postgres() as db, standin_server() as telegram, running_standin() as twilio:
            with Cluster(db.url, telegram, twilio, ["all", "all"], log_dir=tmp_path) as cluster:
                driver = Driver(
                    [w.url for w in cluster.web],
                    telegram,
                    twilio,
                    rate=45.0,
                    answer_timeout=90,
                    retry_pause=0.5,
                )
                expired = 0

                async def restart() -> None:
                    nonlocal expired
                    while driver.report.posted < len(women) * 2:
                        await asyncio.sleep(0.02)
                    await asyncio.to_thread(_restart_postgres)
                    # Sends that went out while their "sent" could not be written stay claimed.
                    await asyncio.sleep(3)
                    expired = await asyncio.to_thread(_expire_dead_claims, db, 3.0)

                async def both() -> None:
                    await asyncio.gather(driver.run(women), restart())

                asyncio.run(both())
                report = driver.report
                assert all(w.alive for w in cluster.workers), "the workers reconnected"
            result = audit(db, telegram, twilio, report)
    finally:
        _ensure_postgres()
    assert report.unanswered == 0, report.unanswered
    assert report.posted == len(women) * 5
    # Webhooks that could not be stored were refused (5xx or no answer), then redelivered; every
    # webhook answered 200 is in the database.
    assert set(report.refused) <= {500, 503}, report.refused
    assert result["missing_inbound"] == 0 and result["extra_inbound"] == 0, result
    assert result["unsent_rows"] == 0, result
    assert result["addresses_with_fewer_sends_than_rows"] == 0, result
    assert result["extra_sends"] <= expired, (result, expired)
