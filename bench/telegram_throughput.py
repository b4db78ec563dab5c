"""Inbound Telegram updates through the webhook, end to end; prints one JSON object.

For SQLite and for PostgreSQL, the real app (engine, outbox, delivery worker, TelegramChannel on
python-telegram-bot) is served by a real uvicorn on 127.0.0.1; Update JSON is POSTed over TCP with
the secret header, `--concurrency` requests at a time; replies go to the stand-in Bot API server
(tests/support/telegram_standin.py, in a thread of this process). Measured:

- updates_per_s: webhook requests answered 200 per second (the engine has stored each one);
- latency_ms p50/p99: from sending the request to the stand-in receiving the reply, under that
  load (so it includes queueing); unloaded_latency_ms: the same for one update at a time;
- peak_rss_mb: the process's peak resident memory (resource.getrusage), stand-in included.

Half the updates are first contacts ("/start" from a new chat), half are taps on the keyboard
the bot sent. The channel's global rate is raised for the bench so that the numbers measure this
code, not Telegram's 30 msg/s allowance (which would cap replies at 30/s).

python bench/telegram_throughput.py --updates 400 --concurrency 16
PostgreSQL: TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1/test), fresh schema.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bot.app import build  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.server import create_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.support.cluster import free_port, fresh_database  # noqa: E402
from tests.support.telegram_standin import (  # noqa: E402
    WEBHOOK_SECRET,
    Person,
    StandIn,
    standin_server,
)


@contextmanager
def postgres_db(url: str) -> Iterator[Database]:
    """A fresh schema, dropped afterwards (as tests/support/databases.py does)."""
    base = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    db = Database(f"{base}{separator}options=-csearch_path%3D{schema}", pool_size=20)
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def run(db: Database, standin: StandIn, updates: int, concurrency: int) -> dict[str, Any]:
    settings = Settings(_env_file=None, database_url=db.url)  # type: ignore[call-arg]
    channel = TelegramChannel(
        standin.token,
        api_base_url=standin.base_url,
        webhook_secret=WEBHOOK_SECRET,
        public_base_url="https://bot.example.org",
        rate=100_000.0,
        per_chat_interval=1.0,
    )
    app = build(settings, channels=[channel], db=db)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app, channel.routes(app)),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    await channel.bot.initialize()
    stop = asyncio.Event()
    worker = asyncio.create_task(app.delivery.run_forever(stop, idle=0.5))
    # Webhooks only store (acknowledge first); the inbox worker processes what they stored.
    assert app.intake is not None
    intake = asyncio.create_task(app.intake.run_forever(stop, idle=0.5))
    url = f"http://127.0.0.1:{port}/webhooks/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    limits = httpx.Limits(max_connections=concurrency)
    base_chat = 10_000_000 + (uuid.uuid4().int % 1_000_000) * 1000
    people = [Person(base_chat + n, language_code="es") for n in range(updates // 2)]
    sent_at: dict[tuple[int, int], float] = {}  # (chat, reply number) → request start
    gate = asyncio.Semaphore(concurrency)
    failures = 0

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def post(person: Person, update: dict[str, Any], reply_number: int) -> None:
            nonlocal failures
            async with gate:
                sent_at[(person.chat_id, reply_number)] = time.monotonic()
                response = await client.post(url, json=update, headers=headers)
                if response.status_code != 200:
                    failures += 1

        async def replies(number: int) -> None:
            """Wait until every person has received `number` replies."""
            while True:
                counts: dict[int, int] = {}
                for call in standin.calls_to("sendMessage", ok=True):
                    chat = int(call.params["chat_id"])
                    counts[chat] = counts.get(chat, 0) + 1
                if all(counts.get(p.chat_id, 0) >= number for p in people):
                    return
                await asyncio.sleep(0.02)

        begun = time.monotonic()
        await asyncio.gather(*(post(p, p.start(), 1) for p in people))
        first_phase = time.monotonic() - begun
        await replies(1)
        shown = {}
        for call in standin.calls_to("sendMessage", ok=True):
            shown[int(call.params["chat_id"])] = call
        begun = time.monotonic()
        await asyncio.gather(*(post(p, p.tap(shown[p.chat_id], "es"), 2) for p in people))
        second_phase = time.monotonic() - begun
        await replies(2)

        # One at a time: the latency of a single conversation when nothing else is going on.
        quiet: list[float] = []
        for n in range(30):
            person = Person(base_chat + updates + n, language_code="fr")
            before = len(standin.calls_to("sendMessage", ok=True))
            start = time.monotonic()
            await client.post(url, json=person.start(), headers=headers)
            while len(standin.calls_to("sendMessage", ok=True)) == before:
                await asyncio.sleep(0.0005)
            quiet.append((standin.calls_to("sendMessage", ok=True)[-1].at - start) * 1000)

    latencies: list[float] = []
    per_chat: dict[int, list[float]] = {}
    for call in standin.calls_to("sendMessage", ok=True):
        per_chat.setdefault(int(call.params["chat_id"]), []).append(call.at)
    for person in people:
        arrivals = per_chat[person.chat_id]
        for number in (1, 2):
            latencies.append((arrivals[number - 1] - sent_at[(person.chat_id, number)]) * 1000)

    stop.set()
    await worker
    await intake
    await channel.stop()
    server.should_exit = True
    await serving
    handled = 2 * len(people)
    return {
        "updates": handled,
        "failed_requests": failures,
        "updates_per_s": round(handled / (first_phase + second_phase), 1),
        "first_contacts_per_s": round(len(people) / first_phase, 1),
        "taps_per_s": round(len(people) / second_phase, 1),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        },
        "unloaded_latency_ms": {
            "p50": round(statistics.median(quiet), 1),
            "p99": round(percentile(quiet, 0.99), 1),
        },
        "peak_rss_mb_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args(argv)
    pg_url = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1/test"

    result: dict[str, Any] = {
        "transport": "real uvicorn on 127.0.0.1, httpx over TCP, stand-in Bot API in a thread",
        "updates": args.updates,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
    }
    with standin_server() as standin, fresh_database(postgres=False) as db:
        result["sqlite"] = asyncio.run(run(db, standin, args.updates, args.concurrency))
    if args.skip_postgres:
        result["postgresql"] = {"skipped": "--skip-postgres"}
    else:
        try:
            with standin_server() as standin, postgres_db(pg_url) as db:
                result["postgresql"] = asyncio.run(run(db, standin, args.updates, args.concurrency))
        except Exception as error:  # no server here: say so in the JSON
            result["postgresql"] = {"skipped": f"{type(error).__name__}: {str(error)[:120]}"}
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
