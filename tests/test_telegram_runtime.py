"""Running the Telegram channel: webhook registration, long polling, restarts, `entrepairs run`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot import intake as intake_module
from bot.app import build
from bot.channels.telegram import ALLOWED_UPDATES, TelegramChannel
from bot.runtime import platform_channels
from bot.settings import Settings
from storage.models import Conversation, InboundMessage
from tests.support.telegram_standin import (
    TOKEN,
    WEBHOOK_SECRET,
    Person,
    StandIn,
    standin_server,
)


@pytest.fixture
def standin():
    with standin_server() as server:
        yield server


async def until(condition: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    """Wait for something the bot does in the background (a guard against hanging, not a timing
    assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


def blocking_until(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def polling_channel(standin: StandIn) -> TelegramChannel:
    return TelegramChannel(
        standin.token,
        api_base_url=standin.base_url,
        per_chat_interval=0.001,
        rate=1000,
        poll_timeout=1,
        retry_pause=0.01,
    )


def test_webhook_mode_registers_the_webhook_with_its_secret(settings, db, clock, standin):
    channel = TelegramChannel(
        standin.token,
        api_base_url=standin.base_url + "/",
        webhook_secret=WEBHOOK_SECRET,
        public_base_url="https://bot.example.org/",
    )
    assert channel.webhook_mode
    app = build(settings, channels=[channel], clock=clock, db=db)

    async def main() -> None:
        await channel.start(app)
        await channel.stop()

    asyncio.run(main())
    assert [call.method for call in standin.calls] == ["getMe", "setWebhook"]
    registered = standin.calls_to("setWebhook")[0].params
    assert registered["url"] == "https://bot.example.org/webhooks/telegram"
    assert registered["secret_token"] == WEBHOOK_SECRET
    assert registered["allowed_updates"] == ALLOWED_UPDATES


@pytest.mark.parametrize(
    ("public", "secret"), [(None, None), ("https://bot.example.org", None), (None, "x")]
)
def test_polling_is_used_unless_both_url_and_secret_are_set(public, secret):
    channel = TelegramChannel(TOKEN, webhook_secret=secret, public_base_url=public)
    assert not channel.webhook_mode


def test_long_polling_answers_taps_and_text_and_ignores_repeats(settings, db, clock, standin):
    ana = Person(5917000200, language_code="es")
    channel = polling_channel(standin)
    app = build(settings, channels=[channel], clock=clock, db=db)

    async def main() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(app.delivery.run_forever(stop, idle=0.05))
        intake = asyncio.create_task(app.intake.run_forever(stop, idle=0.05))
        await channel.start(app)
        start = ana.start()
        standin.queue_update(start)
        standin.queue_update(start)  # the same update twice: processed once
        await until(lambda: len(standin.sent_to(ana.chat_id)) == 1, "the language question")
        standin.queue_update(ana.tap(standin.sent_to(ana.chat_id)[-1], "es"))
        await until(lambda: len(standin.sent_to(ana.chat_id)) == 2, "the consent question")
        standin.queue_update(ana.tap(standin.sent_to(ana.chat_id)[-1], "yes"))
        await until(lambda: len(standin.sent_to(ana.chat_id)) == 3, "the name question")
        await until(lambda: standin.pending_updates() == 0, "confirmed updates")
        await channel.stop()
        stop.set()
        await worker
        await intake

    asyncio.run(main())
    assert standin.calls_to("deleteWebhook")  # getUpdates is refused while a webhook is set
    assert len(standin.calls_to("answerCallbackQuery")) == 2
    assert "nombre" in standin.sent_to(ana.chat_id)[-1].params["text"]
    with db.session() as session:
        assert session.exec(select(Conversation)).one().step == "name"


def test_polling_reads_an_update_with_an_empty_thumbnail_and_goes_on(settings, db, clock, standin):
    """One odd update in a getUpdates batch must not stop polling, nor be lost."""
    ana = Person(5917000201, language_code="es")
    channel = polling_channel(standin)
    app = build(settings, channels=[channel], clock=clock, db=db)

    async def main() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(app.delivery.run_forever(stop, idle=0.05))
        intake = asyncio.create_task(app.intake.run_forever(stop, idle=0.05))
        await channel.start(app)
        standin.queue_update(ana.kind("document_empty_thumbnail"))
        standin.queue_update(ana.text("hola"))
        await until(lambda: len(standin.sent_to(ana.chat_id)) >= 2, "answers to both updates")
        await until(lambda: standin.pending_updates() == 0, "confirmed updates")
        await channel.stop()
        stop.set()
        await worker
        await intake

    asyncio.run(main())
    with db.session() as session:
        assert [kind for kind in session.exec(select(InboundMessage.kind))] == ["media", "text"]


def test_a_restart_before_confirmation_does_not_answer_twice(settings, db, clock, standin):
    ana = Person(5917000201, language_code="es")
    update = ana.start()

    async def run_once_more() -> None:
        channel = polling_channel(standin)
        app = build(settings, channels=[channel], clock=clock, db=db)
        polled = len(standin.calls_to("getUpdates"))
        await channel.start(app)
        standin.queue_update(update)  # as if a crash had come before the confirmation
        await until(
            lambda: any(c.params.get("offset") for c in standin.calls_to("getUpdates")[polled:]),
            "the update to be processed",
        )
        await app.delivery.drain()
        await channel.stop()

    asyncio.run(run_once_more())
    asyncio.run(run_once_more())
    assert len(standin.sent_to(ana.chat_id)) == 1
    with db.session() as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1


def test_polling_waits_out_a_database_outage_without_losing_the_update(
    settings, db, clock, standin, monkeypatch
):
    ana = Person(5917000202, language_code="es")
    channel = polling_channel(standin)
    app = build(settings, channels=[channel], clock=clock, db=db)
    real = intake_module.store_all
    outage = {"left": 8}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real(*args, **kwargs)

    monkeypatch.setattr(intake_module, "store_all", flaky)

    async def main() -> None:
        await channel.start(app)
        standin.fail("getUpdates", 500, times=2)  # Telegram hiccups too
        standin.queue_update(ana.start())
        await until(lambda: outage["left"] == 0, "the outage to end")
        await until(lambda: standin.pending_updates() == 0, "the update to be confirmed")
        await app.delivery.drain()
        await channel.stop()

    asyncio.run(main())
    assert len(standin.sent_to(ana.chat_id)) == 1


def test_platform_channels_builds_telegram_from_settings(tmp_path):
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        telegram_bot_token=TOKEN,
        telegram_api_base_url="http://127.0.0.1:9",
    )
    (channel,) = [c for c in platform_channels(settings) if isinstance(c, TelegramChannel)]
    assert channel.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"
    assert not channel.webhook_mode


# `entrepairs run` in a real process ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def entrepairs_run(tmp_path: Path, standin: StandIn, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "PUBLIC_", "DATABASE_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        TELEGRAM_BOT_TOKEN=standin.token,
        TELEGRAM_API_BASE_URL=standin.base_url,
        HOST="127.0.0.1",
        **extra,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def stop_process(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, err.decode(errors="replace")


def test_entrepairs_run_polls_answers_and_stops_on_sigterm(tmp_path, standin):
    ana = Person(5917000300, language_code="es")
    process = entrepairs_run(tmp_path, standin, PORT=str(free_port()))
    try:
        blocking_until(lambda: standin.calls_to("getUpdates"), "polling to start")
        standin.queue_update(ana.start())
        blocking_until(lambda: standin.sent_to(ana.chat_id), "the reply")
    finally:
        code, err = stop_process(process)
    assert code == 0, err
    assert "Traceback" not in err
    assert "Bienvenida" in standin.sent_to(ana.chat_id)[0].params["text"]


def test_entrepairs_run_serves_the_webhook_and_stops_on_sigterm(tmp_path, standin):
    ana = Person(5917000301, language_code="fr")
    port = free_port()
    process = entrepairs_run(
        tmp_path,
        standin,
        PORT=str(port),
        PUBLIC_BASE_URL="https://bot.example.org",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    url = f"http://127.0.0.1:{port}/webhooks/telegram"
    try:
        blocking_until(lambda: standin.calls_to("setWebhook"), "the webhook registration")

        def post(secret: str) -> int | None:
            try:
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
                return httpx.post(url, json=ana.start(), headers=headers).status_code
            except httpx.TransportError:
                return None  # the server is not listening yet

        blocking_until(lambda: post("wrong") == 403, "the server to refuse a wrong secret")
        assert post(WEBHOOK_SECRET) == 200
        blocking_until(lambda: standin.sent_to(ana.chat_id), "the reply")
    finally:
        code, err = stop_process(process)
    assert code == 0, err
    assert standin.calls_to("setWebhook")[0].params["url"] == (
        "https://bot.example.org/webhooks/telegram"
    )
    assert "Bienvenue" in standin.sent_to(ana.chat_id)[0].params["text"].split("\n")[0]
    assert len(standin.sent_to(ana.chat_id)) == 1
