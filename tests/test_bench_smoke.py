"""The end-to-end Telegram bench still runs: it hung once, unnoticed, when webhooks stopped
processing in place (acknowledge first) and the bench did not start the inbox worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bench(script: str, *options: str, timeout: float = 120) -> dict:
    """Run bench/`script` with these options; the JSON object it prints."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *options],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    # The bench's own words on failure: CalledProcessError alone hid why it stopped.
    assert out.returncode == 0, f"bench/{script} exited {out.returncode}:\n{out.stderr[-4000:]}"
    return json.loads(out.stdout)


def test_telegram_throughput_bench_answers_every_update() -> None:
    options = ("--updates", "20", "--concurrency", "4", "--skip-postgres")
    result = _bench("telegram_throughput.py", *options)["sqlite"]
    assert result["updates"] == 20 and result["failed_requests"] == 0
    assert result["updates_per_s"] > 0


def test_inbox_worker_bench_processes_every_message() -> None:
    result = _bench("inbox_worker.py", "--women", "12", "--rounds", "2")
    assert result["messages"] == 24 and result["cpu_ms_per_message"] > 0


def test_delivery_worker_bench_sends_every_reply() -> None:
    result = _bench("delivery_worker.py", "--women", "12", "--rounds", "2")
    assert result["sent"] == result["queued"] >= 24 and result["cpu_ms_per_message"] > 0


def test_claims_bench_claims_with_the_indexes_of_now_and_before() -> None:
    options = ("--women", "20", "--history", "5", "--limit", "10", "--repeats", "3")
    result = _bench("claims.py", *options)
    for indexes in (result["now"], result["with_the_indexes_before"]):
        # each woman's waiting message, none held back by her history
        assert indexes["inbox_claimed"] == 10 and indexes["outbox_claimed"] == 10
        assert indexes["inbox_claim_ms"] > 0 and indexes["outbox_claim_ms"] > 0


def test_inbound_bench_processes_every_acknowledged_message() -> None:
    options = ("--requests", "60", "--women", "20", "--rate", "20", "--open-seconds", "1")
    result = _bench("inbound.py", *options, timeout=180)
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
    # the kernel's part of the servers' CPU: sockets mostly, never all of it. Counted in clock
    # ticks (10 ms): a run this small can spend none that shows.
    assert 0 <= result["processing"]["server_kernel_share"] < 1


def test_sms_week_bench_counts_a_cheap_week_in_each_language() -> None:
    """An SMS woman's typical week (nudge, "not now", "hola", MENU, thanks, a tip): 13 to 17
    segments before the SMS savings, 8 after, in each language."""
    result = _bench("sms_week.py")
    for language in ("es", "fr", "en"):
        week = result[language]["week"]
        assert week["messages"] == 6 and week["segments"] <= 9, (language, result[language])
