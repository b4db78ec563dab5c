"""Sustained load against real `entrepairs run` processes on PostgreSQL; prints ONE JSON object.

1,000 women (a third each on Telegram, WhatsApp and SMS; Spanish, French, English) go through
their onboarding over the webhooks, the driver offering `--rate` messages per second and each
woman waiting for her answer before writing again (tests/support/cluster.py). Replies go to the
Telegram and Twilio stand-ins in this process. Run with 1 and with 3 worker processes
(`entrepairs run`, role all). Measured per run:

- messages_per_s: inbound messages accepted per second over the whole run (sustained);
- webhook_ms p50/p99: request → 200 (the engine has stored it and queued the replies);
- outbox_lag_ms p50/p99: request sent → her first answer at the platform stand-in;
- peak_rss_mb_per_worker: each worker's peak resident memory (VmHWM);
- audit: database against stand-in records (lost or duplicated messages must be 0).

python bench/load.py [--women 1000] [--steps 6] [--rate 400]
PostgreSQL: TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1/test), fresh schema.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

from tests.support.cluster import (  # noqa: E402
    Cluster,
    Driver,
    audit,
    make_women,
    own_peak_rss_mb,
    resilient_postgres,
)
from tests.support.telegram_standin import standin_server  # noqa: E402
from tests.support.twilio_standin import running_standin  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _drive(driver: Driver, women: list, cluster: Cluster) -> dict[str, float | None]:
    """Run the women; sample each worker's peak memory just before the end."""
    await driver.run(women)
    return {f"{w.role}-{n}": w.peak_rss_mb() for n, w in enumerate(cluster.workers)}


def one_run(workers: int, women: int, steps: int, rate: float) -> dict[str, Any]:
    people = make_women(women, steps=steps, seed=workers)
    with (
        tempfile.TemporaryDirectory() as logs,
        resilient_postgres() as db,
        standin_server() as telegram,
        running_standin() as twilio,
    ):
        with Cluster(db.url, telegram, twilio, ["all"] * workers, log_dir=Path(logs)) as c:
            driver = Driver([w.url for w in c.web], telegram, twilio, rate=rate)
            memory = asyncio.run(_drive(driver, people, c))
        report = driver.report
        checked = audit(db, telegram, twilio, report)
    latencies, lags = report.latencies_ms, report.answer_lags_ms
    lost = checked["missing_inbound"] + checked["unsent_rows"]
    lost += checked["addresses_with_fewer_sends_than_rows"]
    return {
        "workers": workers,
        "messages": report.posted,
        "seconds": round(report.seconds, 1),
        "messages_per_s": round(report.rate, 1),
        "errors": report.errors,
        "unanswered": report.unanswered,
        "webhook_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p99": round(percentile(latencies, 0.99), 1),
        },
        "outbox_lag_ms": {
            "p50": round(statistics.median(lags), 1),
            "p99": round(percentile(lags, 0.99), 1),
        },
        "peak_rss_mb_per_worker": memory,
        "lost": lost,
        "duplicated": checked["extra_sends"] + checked["extra_inbound"],
        "audit": checked,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--women", type=int, default=1000)
    parser.add_argument(
        "--steps",
        type=int,
        default=16,
        help="messages per woman: 11 onboard her, the next 5 open her menu and her profile",
    )
    parser.add_argument("--rate", type=float, default=400.0, help="messages/s offered")
    parser.add_argument("--workers", default="1,3")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "transport": "real uvicorn workers (entrepairs run) on 127.0.0.1, PostgreSQL, stand-ins",
        "women": args.women,
        "steps": args.steps,
        "offered_rate": args.rate,
        "cpus": os.cpu_count(),
        "runs": [
            one_run(int(n), args.women, args.steps, args.rate) for n in args.workers.split(",")
        ],
    }
    result["driver_peak_rss_mb"] = own_peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
