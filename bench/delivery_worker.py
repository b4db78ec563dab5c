"""The delivery worker alone: CPU per message to send what the inbox worker queued; prints ONE JSON
object.

`--women` known women (onboarded, Telegram) each write one message per round, "menu" and "aide"
(help) in turn; the inbox worker processes them (not counted), then `Delivery.drain` claims the
replies, renders them, sends them through python-telegram-bot and aiohttp and records them: only
that is counted, on the server's event loop (uvloop, `bot.runtime.run_async`). The Telegram
stand-in runs in a process of its own, so this process's CPU is the delivery worker's. The first
round warms up and is not counted.

python bench/delivery_worker.py [--women 500] [--rounds 4] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

from inbox_worker import FIRST_CHAT, NOW, store_round  # noqa: E402

from bot.app import build  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.runtime import run_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.clock import FakeClock  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.support import programme  # noqa: E402
from tests.support.cluster import resilient_postgres  # noqa: E402
from tests.support.telegram_standin import TOKEN, Person  # noqa: E402

STANDIN = """
import sys
from tests.support.telegram_standin import standin_server
with standin_server() as state:
    print(state.base_url, flush=True)
    sys.stdin.read()  # until the bench closes it
"""


@contextmanager
def standin_process() -> Iterator[str]:
    """The Telegram stand-in in its own process; yields its Bot API root."""
    process = subprocess.Popen(
        [sys.executable, "-c", STANDIN],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(timeout=10)


async def measure(db: Database, url: str, base_url: str, women: int, rounds: int) -> dict:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    # Unpaced: the platform's limits would make this a bench of waiting.
    channel = TelegramChannel(TOKEN, api_base_url=base_url, rate=1e6, per_chat_interval=0)
    app = build(settings, channels=[channel], clock=FakeClock(NOW), db=db)
    channel.attach(app)
    assert app.intake is not None
    people = [Person(FIRST_CHAT + n, "W", language_code="fr") for n in range(women)]
    with db.session() as session:
        for person in people:
            programme.woman(session, str(person.chat_id), now=NOW, channel="telegram", country="SN")
    await channel.bot.initialize()
    cpu = 0.0
    queued = sent = 0
    for number in range(rounds + 1):
        await store_round(app, people, "menu" if number % 2 else "aide")
        await app.intake.drain()
        with db.session() as session:
            waiting = outbox.backlog(session, now=NOW)
        started = time.process_time()
        result = await app.delivery.drain()
        if number:  # the first round warms up
            cpu += time.process_time() - started
            queued += waiting
            sent += result.sent
    await channel.bot.shutdown()
    return {
        "queued": queued,
        "sent": sent,
        "cpu_ms_per_message": round(cpu / max(sent, 1) * 1e3, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--women", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with standin_process() as base_url:
        if args.postgres:
            with resilient_postgres() as db:
                url = str(db.engine.url)
                result = run_async(measure(db, url, base_url, args.women, args.rounds))
            backend = "postgresql"
        else:
            url = f"sqlite:///{tempfile.mkdtemp()}/delivery.db"
            db = Database(url)
            db.upgrade("head")
            result = run_async(measure(db, url, base_url, args.women, args.rounds))
            backend = "sqlite"
    print(json.dumps({"benchmark": "delivery_worker", "backend": backend, **result}))


if __name__ == "__main__":
    main()
