"""The end-to-end Telegram bench still runs: it hung once, unnoticed, when webhooks stopped
processing in place (acknowledge first) and the bench did not start the inbox worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_telegram_throughput_bench_answers_every_update() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "telegram_throughput.py"), "--updates", "20"]
        + ["--concurrency", "4", "--skip-postgres"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout)["sqlite"]
    assert result["updates"] == 20 and result["failed_requests"] == 0
    assert result["updates_per_s"] > 0


def test_inbox_worker_bench_processes_every_message() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "inbox_worker.py"), "--women", "12", "--rounds", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["messages"] == 24 and result["cpu_ms_per_message"] > 0


def test_claims_bench_claims_with_the_indexes_of_now_and_before() -> None:
    command = [sys.executable, str(ROOT / "bench" / "claims.py"), "--women", "20"]
    out = subprocess.run(
        command + ["--history", "5", "--limit", "10", "--repeats", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout)
    for indexes in (result["now"], result["with_the_indexes_before"]):
        # each woman's waiting message, none held back by her history
        assert indexes["inbox_claimed"] == 10 and indexes["outbox_claimed"] == 10
        assert indexes["inbox_claim_ms"] > 0 and indexes["outbox_claim_ms"] > 0


def test_inbound_bench_processes_every_acknowledged_message() -> None:
    command = [sys.executable, str(ROOT / "bench" / "inbound.py"), "--requests", "60"]
    out = subprocess.run(
        command + ["--women", "20", "--rate", "20", "--open-seconds", "1"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["audit"] == {
        "acknowledged": 80,
        "processed": 80,
        "lost": 0,
        "doubled": 0,
        "out_of_order": 0,
    }
    spent = result["machine"]["cpu_ms_per_message"]
    assert spent["servers"] > 0 and spent["stand_ins"] > 0 and spent["load_client"] > 0
    # PostgreSQL's processes are counted whatever they serve (other tests may use them now)
    assert spent["postgresql"] >= 0
