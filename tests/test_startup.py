"""What `entrepairs run` loads at start: not the matching solver, not the migration tool.

numpy and scipy are loaded where a cohort is matched, Alembic (with Mako) where the schema is
migrated; a process that only takes webhooks and sends messages stays without them.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import roles, runtime
from bot.runtime import loop_factory
from bot.settings import Settings
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent

# Loaded only to match a cohort (numpy, scipy), to migrate the schema (alembic, mako), with
# the console's first page (jinja2) or with the first Twilio send (its REST client and requests);
# never by the bot: httpx's command-line client (rich, pygments) and websockets (wsproto).
NOT_AT_START = (
    *("numpy", "scipy", "alembic", "mako", "jinja2", "twilio.rest", "requests"),
    *("rich", "pygments", "wsproto"),
)

# The start of `entrepairs run --role all` (bot/runtime.py `run`) up to serving: settings,
# channels, the app on its database, the routes, uvicorn's configuration loaded; then which of
# NOT_AT_START were imported.
START = f"""
import sys

import bot.cli
from bot import console, roles
from bot.app import build
from bot.runtime import platform_channels, server_config
from bot.settings import load

settings = load()
roles.check(roles.EVERYTHING, settings)
channels = platform_channels(settings)
app = build(settings, channels=list(channels))
routes = [route for c in channels for route in c.routes(app)] + console.routes(app)
server_config(settings, app, routes).load()
print(",".join(name for name in {NOT_AT_START!r} if name in sys.modules))
"""


def start_env(database_url: str) -> dict[str, str]:
    """Telegram (webhook mode) and Twilio configured; nothing is sent before serving."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_URL"))
    }
    env.update(
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL="https://bot.example.org",
        TELEGRAM_BOT_TOKEN="123456:test-token",
        TELEGRAM_WEBHOOK_SECRET="test-secret",
        TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="test-token",
        TWILIO_WHATSAPP_FROM="whatsapp:+15005550006",
        TWILIO_SMS_FROM="+15005550006",
    )
    return env


def test_run_starts_without_numpy_scipy_alembic_or_mako(db: Database, tmp_path: Path):
    # `db` is migrated already, as a deployed database is: the start only checks its revision.
    out = subprocess.run(
        [sys.executable, "-c", START],
        cwd=tmp_path,  # no .env of the developer's
        env=start_env(db.url),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


# The start (START above), then the tables for which pydantic built a validator and serializer.
TABLES_BUILT = START.replace(
    'print(",".join(name for name in',
    """from sqlmodel import SQLModel

def tables(cls):
    for sub in cls.__subclasses__():
        yield from ([sub] if hasattr(sub, "__table__") else []) + list(tables(sub))

print(len(set(tables(SQLModel))), sorted(t.__name__ for t in set(tables(SQLModel))
      if t.__pydantic_complete__))
print(",".join(name for name in""",
)


def test_run_builds_no_pydantic_validator_for_the_tables(db: Database, tmp_path: Path):
    """Rows are made by the ORM and by our code, never validated through pydantic: a table's
    validator and serializer (about 20 KB each) are not built at start."""
    out = subprocess.run(
        [sys.executable, "-c", TABLES_BUILT],
        cwd=tmp_path,
        env=start_env(db.url),
        capture_output=True,
        text=True,
        check=True,
    )
    count, built = out.stdout.strip().splitlines()[0].split(" ", 1)
    assert int(count) >= 20  # every table was imported
    assert built == "[]"


def test_processes_without_webhooks_do_not_load_the_console(tmp_path: Path):
    """An inbox or delivery process serves no pages: the console and Jinja2 stay unloaded; nor
    does one that does not schedule load APScheduler."""
    check = (
        "import sys, bot.runtime; "
        "print(sorted({'bot.console', 'jinja2', 'apscheduler'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# One message sent, one refused, through the real twilio client and the stand-in; then which
# modules of Twilio's generated resources were loaded.
TWILIO_SEND = """
import sys

from twilio.base.exceptions import TwilioRestException

from bot.channels.twilio import make_client
from tests.support.twilio_standin import WHATSAPP_FROM, running_standin, twilio_settings

with running_standin() as standin:
    messages = make_client(twilio_settings(standin, "sqlite://"))
    sid = messages.create(to="whatsapp:+59171234567", from_=WHATSAPP_FROM, body="Hola")
    standin.fail_next(400, 63016)
    try:
        messages.create(to="whatsapp:+221771234567", from_=WHATSAPP_FROM, body="Bonjour")
    except TwilioRestException as error:
        refused = error.code
    call = standin.accepted[0]
print(sid == call.sid, call["To"], call["Body"], refused)
print(sorted(name for name in sys.modules if name.startswith("twilio.rest.api")))
"""


def test_a_twilio_send_loads_none_of_twilios_generated_resources():
    """Sending goes through the client's Messages endpoint, not the Account resource package
    (which imports every resource of the API: 7 MB in each sending process)."""
    out = subprocess.run(
        [sys.executable, "-c", TWILIO_SEND], cwd=ROOT, capture_output=True, text=True, check=True
    )
    sent, loaded = out.stdout.strip().splitlines()
    assert sent == "True whatsapp:+59171234567 Hola 63016"
    assert loaded == "[]"


def test_run_freezes_what_start_up_built_before_serving(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """A full collection then walks only what serving creates, not the modules and the app."""
    frozen_when_serving: list[int] = []

    async def serve(*_args: object) -> None:
        frozen_when_serving.append(gc.get_freeze_count())

    settings = Settings(_env_file=None, database_url=db.url)  # type: ignore[call-arg]
    monkeypatch.setattr(runtime, "_serve", serve)
    gc.unfreeze()
    try:
        asyncio.run(runtime.run(settings, roles.Roles({roles.Role.WEB})))
    finally:
        gc.unfreeze()  # the rest of the test session collects as before
    assert frozen_when_serving and frozen_when_serving[0] > 10_000


def test_uvloop_runs_the_bot_when_installed():
    factory = loop_factory()
    assert factory is not None  # a declared dependency on Linux
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


# Eight threads allocating at once, then glibc's own account of its arenas (on standard error).
ARENAS = """
import ctypes, sys, threading
from bot.runtime import fewer_malloc_arenas

if sys.argv[1] == "fewer":
    fewer_malloc_arenas()
together = threading.Barrier(8)

def allocate():
    together.wait()
    kept = [bytearray(100_000) for _ in range(20)]
    together.wait()

threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def _arenas(mode: str) -> int:
    env = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"}
    out = subprocess.run(
        [sys.executable, "-c", ARENAS, mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(line.startswith("Arena ") for line in out.stderr.splitlines())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_the_bot_keeps_to_two_malloc_arenas_however_many_threads_allocate():
    assert _arenas("default") > 2  # glibc's own limit is eight per core
    assert 1 <= _arenas("fewer") <= 2
