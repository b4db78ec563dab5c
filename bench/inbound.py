"""Inbound at platform speed: the webhook against a null route, one run; prints ONE JSON object.

Processes besides this one: a null server (a Starlette app answering 200 on the same uvicorn
stack: uvloop + httptools), `--processes` × `entrepairs run` (role all; SQLite by default, one
process; with --postgres, three processes on a fresh schema migrated for the run and dropped
after), and the load client (bench/loadclient.py, raw sockets, its own process, connections spread
over the processes as a load balancer would). Telegram replies go to the stand-in in this
process. Server CPU and memory are summed / listed over the `entrepairs run` processes. Measured:

- null / webhook_closed: acknowledgements per second with `--connections` in flight, ack p50/p99,
  and server CPU per request (utime + stime of the server process over the run / requests);
- webhook_open: ack p50/p99 with `--rate` messages/s offered (open loop);
- processing: inbox messages processed per second (from the first request until the inbox is
  empty), server CPU per message including processing and sending the replies;
- machine: the CPU per message, until every reply was sent, of the servers, of PostgreSQL's
  processes, of the load client and of this process (the stand-ins); and how many of the
  machine's cores all of them kept busy until the inbox was empty (2 of 2: the machine is full);
- rss_mb: the server's resident memory idle (after start) and peak (VmHWM);
- audit: lost (acknowledged, never processed), doubled (sent more than queued), order (a
  woman's messages processed out of arrival order).

`--roles web inbox,delivery …` runs one process per role given instead (on SQLite: web processes
beside one `inbox,delivery,scheduler`); the load goes to the web processes, CPU and memory are
counted over all of them, and CPU per message is also given process by process.

python bench/inbound.py [--requests 2000] [--rate 500] [--women 500] [--postgres [--processes 3]]
python bench/inbound.py --postgres --roles web web inbox,delivery
python bench/inbound.py --roles web inbox,delivery,scheduler
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# --postgres: the server the tests use, unless TEST_DATABASE_URL names another.
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

from sqlalchemy import text  # noqa: E402

from storage.db import Database  # noqa: E402
from tests.support.cluster import Cluster, free_port, fresh_database  # noqa: E402
from tests.support.telegram_standin import WEBHOOK_SECRET, standin_server  # noqa: E402
from tests.support.twilio_standin import running_standin  # noqa: E402

NULL_APP = """
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

async def null(request):
    await request.body()
    return Response(status_code=200)

app = Starlette(routes=[Route("/null", null, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", access_log=False,
            loop="uvloop", http="httptools")
"""
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(*pids: int) -> float:
    """utime + stime of these processes, summed."""
    return sum(user_and_system(*pids))


def user_and_system(*pids: int) -> tuple[float, float]:
    """utime and stime of these processes, each summed."""
    user = system = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        user += int(fields[11])
        system += int(fields[12])
    return user / TICKS, system / TICKS


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL server process on this machine, by pid."""
    cpu = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    cpu[int(entry.name)] = cpu_seconds(int(entry.name))
            except OSError:  # gone meanwhile
                continue
    return cpu


def others_cpu() -> dict[str, Any]:
    """What else this machine's cores spend: PostgreSQL, the load client, the stand-ins."""
    return {
        "postgresql": postgres_cpu(),
        # the stand-ins run in threads of this process
        "stand_ins": _rusage(resource.RUSAGE_SELF),
        # the load client, once it has been waited for (the servers still run)
        "load_client": _rusage(resource.RUSAGE_CHILDREN),
    }


def _rusage(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def spent_since(before: dict[str, Any], servers: float) -> dict[str, float]:
    """CPU seconds since `before`: the servers' (given) and everything else's."""
    after = others_cpu()
    earlier = before["postgresql"]
    return {
        "servers": servers,
        "postgresql": sum(cpu - earlier.get(pid, 0.0) for pid, cpu in after["postgresql"].items()),
        "load_client": after["load_client"] - before["load_client"],
        "stand_ins": after["stand_ins"] - before["stand_ins"],
    }


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def load(urls: list[str], requests: int, *, rate: float = 0.0, **options: Any) -> dict[str, Any]:
    command = [sys.executable, str(ROOT / "bench" / "loadclient.py")]
    for url in urls:
        command += ["--url", url]
    command += ["--requests", str(requests), "--rate", str(rate), "--secret", WEBHOOK_SECRET]
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def measured(pids: list[int], urls: list[str], requests: int, **options: Any) -> dict[str, Any]:
    before = cpu_seconds(*pids)
    result = load(urls, requests, **options)
    spent = cpu_seconds(*pids) - before
    result["server_cpu_ms_per_request"] = round(spent * 1000 / requests, 3)
    return result


def wait_until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def scalar(db: Database, sql: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar() or 0)


def null_route(requests: int, connections: int) -> dict[str, Any]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", NULL_APP.replace("{port}", str(port))])
    try:
        url = f"http://127.0.0.1:{port}/null"
        time.sleep(1.5)
        load([url], 200, connections=connections)  # warm up
        return measured([server.pid], [url], requests, connections=connections)
    finally:
        server.terminate()
        server.wait()


def audit(db: Database, telegram: Any, acknowledged: int) -> dict[str, Any]:
    processed = scalar(db, "SELECT count(*) FROM inboundmessage WHERE processed_at IS NOT NULL")
    rows = scalar(db, "SELECT count(*) FROM outboundmessage WHERE status = 'sent'")
    sends = Counter(str(call.params["chat_id"]) for call in telegram.calls_to("sendMessage"))
    with db.engine.connect() as connection:
        order = connection.execute(
            text("SELECT address, id, processed_at FROM inboundmessage ORDER BY address, id")
        ).all()
    out_of_order = sum(
        1
        for a, b in zip(order, order[1:], strict=False)
        if a[0] == b[0] and b[2] is not None and a[2] is not None and b[2] < a[2]
    )
    return {
        "acknowledged": acknowledged,
        "processed": processed,
        "lost": acknowledged - processed,
        "doubled": max(0, sum(sends.values()) - rows),
        "out_of_order": out_of_order,
    }


def webhook(args: argparse.Namespace, db: Database) -> dict[str, Any]:
    with standin_server() as telegram, running_standin() as twilio:
        roles = args.roles or ["all"] * args.processes
        logs = Path(args.logs) if args.logs else None
        with Cluster(db.url, telegram, twilio, roles, log_dir=logs, LOG_LEVEL="ERROR") as cluster:
            pids = [worker.process.pid for worker in cluster.workers]  # type: ignore[union-attr]
            idle = [rss_mb(pid) for pid in pids]
            endpoints = [f"{worker.url}/webhooks/telegram" for worker in cluster.web]
            started = time.monotonic()
            others0 = others_cpu()
            cpu0 = cpu_seconds(*pids)
            kernel0 = user_and_system(*pids)[1]
            each0 = [cpu_seconds(pid) for pid in pids]
            closed = measured(
                pids, endpoints, args.requests, connections=args.connections, women=args.women
            )
            waiting = "SELECT count(*) FROM inboundmessage WHERE processed_at IS NULL"
            wait_until(lambda: scalar(db, waiting) == 0, args.timeout)
            processed_in = time.monotonic() - started
            processing_cpu = cpu_seconds(*pids) - cpu0
            to_processed = spent_since(others0, processing_cpu)
            unsent = "SELECT count(*) FROM outboundmessage WHERE status IN ('pending','sending')"
            wait_until(lambda: scalar(db, unsent) == 0, args.timeout)
            total_cpu = cpu_seconds(*pids) - cpu0
            kernel = user_and_system(*pids)[1] - kernel0
            to_sent = spent_since(others0, total_cpu)
            each = [cpu_seconds(pid) - spent for pid, spent in zip(pids, each0, strict=True)]
            processed = scalar(db, "SELECT count(*) FROM inboundmessage")
            open_loop = measured(
                pids,
                endpoints,
                int(args.rate * args.open_seconds),
                rate=args.rate,
                connections=64,
                women=args.women,
                first_id=10_000_000,
            )
            wait_until(lambda: scalar(db, waiting) == 0, args.timeout)
            wait_until(lambda: scalar(db, unsent) == 0, args.timeout)
            peak = [rss_mb(pid, "VmHWM") for pid in pids]
            acknowledged = closed["statuses"].get("200", 0) + open_loop["statuses"].get("200", 0)
            return {
                "webhook_closed": closed,
                "webhook_open": open_loop,
                "processing": {
                    "messages": processed,
                    "per_s": round(processed / processed_in, 1),
                    "per_s_per_process": round(processed / processed_in / args.processes, 1),
                    # acknowledging and processing, until the inbox was empty
                    "server_cpu_ms_per_message_to_processed": round(
                        processing_cpu * 1000 / processed, 3
                    ),
                    # the same, until every reply was sent too
                    "server_cpu_ms_per_message": round(total_cpu * 1000 / processed, 3),
                    # of that, the share spent in the kernel (sockets mostly; on loopback a send
                    # also pays for the receiving side's TCP processing)
                    "server_kernel_share": round(kernel / total_cpu, 3),
                    # the same, process by process (in the order of "roles")
                    "server_cpu_ms_per_message_by_process": [
                        round(spent * 1000 / processed, 3) for spent in each
                    ],
                },
                "machine": {
                    "cores": os.cpu_count(),
                    # CPU of everything on the machine over the time to processed, per second
                    "busy_cores_to_processed": round(sum(to_processed.values()) / processed_in, 2),
                    "cpu_ms_per_message": {
                        name: round(cpu * 1000 / processed, 3) for name, cpu in to_sent.items()
                    },
                },
                "rss_mb": {"idle": idle, "peak": peak},
                "audit": audit(db, telegram, acknowledged),
            }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--open-seconds", type=float, default=4.0)
    parser.add_argument("--women", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--processes", type=int, help="entrepairs run processes (3 on PostgreSQL)")
    parser.add_argument("--roles", nargs="+", help="one process per role given")
    parser.add_argument("--logs", help="a folder for the processes' logs (errors only)")
    args = parser.parse_args()
    if args.roles:
        args.processes = len(args.roles)
    args.processes = args.processes or (3 if args.postgres else 1)
    null = null_route(args.requests * 5, args.connections)
    with fresh_database(args.postgres) as db:
        result = webhook(args, db)
    closed = result["webhook_closed"]
    print(
        json.dumps(
            {
                "database": "postgresql" if args.postgres else "sqlite",
                "processes": args.processes,
                "roles": args.roles or ["all"] * args.processes,
                "null": null,
                **result,
                "ack_rate_vs_null": round(closed["per_s"] / null["per_s"], 3),
                "cpu_ratio_null_to_webhook": round(
                    null["server_cpu_ms_per_request"]
                    / max(closed["server_cpu_ms_per_request"], 1e-9),
                    3,
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
