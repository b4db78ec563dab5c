"""Load on loopback: 1,000 women (Telegram, WhatsApp and SMS; Spanish, French and English) write
to real `entrepairs run` processes at a steady rate; every message is recorded once and answered,
and what the platforms received matches the database message for message.

The CI variant is small enough to run in well under a minute per case; bench/load.py runs the
same driver bigger and prints the numbers.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.support.cluster import Cluster, Driver, audit, make_women
from tests.support.telegram_standin import standin_server
from tests.support.twilio_standin import running_standin

WOMEN = 1000
STEPS = 2  # each: a greeting, then her language (the CI variant); bench/load.py goes further
RATE = 150.0  # messages per second offered, all women together


def _clean(result: dict) -> None:
    assert result["missing_inbound"] == 0 and result["extra_inbound"] == 0, result
    assert result["posted"] == result["posted_unique"] == result["inbound_rows"], result
    assert result["unsent_rows"] == 0, result
    assert result["extra_sends"] == 0, result
    assert result["addresses_with_fewer_sends_than_rows"] == 0, result
    assert result["rows_sent_under_two_claims"] == 0, result
    assert result["platform_sends"] == result["sent_rows"], result


def _run(db, roles: list[str], women: int, steps: int, rate: float, tmp_path) -> dict:  # type: ignore[no-untyped-def]
    people = make_women(women, steps=steps)
    with standin_server() as telegram, running_standin() as twilio:
        with Cluster(db.url, telegram, twilio, roles, log_dir=tmp_path) as cluster:
            driver = Driver([w.url for w in cluster.web], telegram, twilio, rate=rate)
            report = asyncio.run(driver.run(people))
        result = audit(db, telegram, twilio, report)
    assert report.errors == 0, (report.refused, report.connection_error_kinds)
    assert report.unanswered == 0, report.unanswered
    assert report.posted == women * steps
    assert all(w.sent == steps for w in people)
    return result


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("workers", [2, 3])
def test_several_workers_on_postgresql_lose_and_duplicate_nothing(workers, tmp_path):
    from tests.support.databases import postgres_database

    with postgres_database() as db:
        result = _run(db, ["all"] * workers, WOMEN, STEPS, RATE, tmp_path)
    _clean(result)


@pytest.mark.slow
def test_one_process_on_sqlite_answers_everyone(db, tmp_path):
    """The single-process default: SQLite, `entrepairs run` (role all)."""
    result = _run(db, ["all"], 300, 3, 60.0, tmp_path)
    _clean(result)


@pytest.mark.postgres
@pytest.mark.slow
def test_split_roles_on_postgresql(tmp_path):
    """Two web workers, inbox workers (one of them sending too), delivery workers and two
    schedulers, as in deploy/Procfile."""
    from tests.support.databases import postgres_database

    roles = ["web", "web", "inbox", "inbox,delivery", "delivery", "scheduler", "scheduler"]
    with postgres_database() as db:
        result = _run(db, roles, 300, 3, 80.0, tmp_path)
    _clean(result)


@pytest.mark.slow
def test_web_processes_beside_one_worker_on_sqlite(db, tmp_path):
    """SQLite split: two web processes store and answer, one process processes, sends and
    schedules; the webhooks' stores wait in the stage file (storage/staging.py)."""
    result = _run(db, ["web", "web", "inbox,delivery,scheduler"], 300, 3, 60.0, tmp_path)
    _clean(result)
