"""The inbox worker alone: CPU per message to process what webhooks stored; prints ONE JSON object.

No HTTP and no sending, so the figure is steadier than bench/inbound.py's on a shared machine:
`--women` known women (onboarded, Telegram) each write one message per round, "menu" and "aide"
(help) in turn; the webhooks' stores are not counted, only `Intake.drain` (claim, process, mark
done, commit) in this process, on the server's event loop (`bot.runtime.run_async`). The first
round warms up and is not counted.

On SQLite the webhooks' messages wait in the stage file (storage/staging.py) and each batch moves
what is there into the inbox first: that is counted.

python bench/inbox_worker.py [--women 500] [--rounds 4] [--batch N] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

from bot.app import App, build  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.runtime import run_async  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.clock import FakeClock  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.support import programme  # noqa: E402
from tests.support.cluster import resilient_postgres  # noqa: E402
from tests.support.telegram_standin import Person  # noqa: E402

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
FIRST_CHAT = 77_000_000


async def store_round(app: App, women: list[Person], text: str) -> None:
    assert app.intake is not None
    updates = [woman.text(text) for woman in women]
    await asyncio.gather(
        *(
            app.intake.store(
                channel="telegram",
                platform_key=str(update["update_id"]),
                address=str(woman.chat_id),
                payload=json.dumps(update),
                now=NOW,
            )
            for woman, update in zip(women, updates, strict=True)
        )
    )


def measure(db: Database, url: str, women: int, rounds: int, batch: int | None) -> dict:
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    channel = TelegramChannel("1:x", webhook_secret="s", public_base_url="https://bot.example.org")
    app = build(settings, channels=[channel], clock=FakeClock(NOW), db=db)
    channel.attach(app)
    assert app.intake is not None
    if batch:
        app.intake.batch = batch
    people = [Person(FIRST_CHAT + n, "W", language_code="fr") for n in range(women)]
    with db.session() as session:
        for person in people:
            programme.woman(session, str(person.chat_id), now=NOW, channel="telegram", country="SN")
    cpu = 0.0
    processed = 0
    for number in range(rounds + 1):
        run_async(store_round(app, people, "menu" if number % 2 else "aide"))
        started = time.process_time()
        taken = run_async(app.intake.drain())
        if number:  # the first round warms up
            cpu += time.process_time() - started
            processed += taken
    return {
        "messages": processed,
        "batch": app.intake.batch,
        "cpu_ms_per_message": round(cpu / max(processed, 1) * 1e3, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--women", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch", type=int, help="messages per batch (default: the backend's)")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        with resilient_postgres() as db:
            result = measure(db, str(db.engine.url), args.women, args.rounds, args.batch)
        backend = "postgresql"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/inbox.db"
        db = Database(url)
        db.upgrade("head")
        result = measure(db, url, args.women, args.rounds, args.batch)
        backend = "sqlite"
    print(json.dumps({"benchmark": "inbox_worker", "backend": backend, **result}))


if __name__ == "__main__":
    main()
