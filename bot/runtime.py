"""`entrepairs run`: the HTTP server, the delivery worker and every configured channel, together.

`--role` splits them over processes sharing one PostgreSQL database (bot/roles.py): web
(webhooks), inbox (processing what they stored), delivery (the outbox), scheduler (nudges);
`all`, the default, is everything.

Stops cleanly on Ctrl-C or SIGTERM: the server stops accepting, channels stop, the delivery worker
finishes the round it is in; whatever is still queued stays in the outbox for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import uvicorn
from starlette.routing import BaseRoute

from bot import roles
from bot.app import App, build
from bot.channels.base import PlatformChannel
from bot.roles import EVERYTHING, Role, Roles
from bot.server import create_app
from bot.settings import Settings
from storage.sole_worker import sole_worker

log = logging.getLogger(__name__)
T = TypeVar("T")


def platform_channels(settings: Settings) -> list[PlatformChannel]:
    """The channels the settings configure (each platform's module decides from its settings)."""
    channels: list[PlatformChannel] = []
    if settings.telegram_bot_token:  # webhook or long polling, see TelegramChannel.webhook_mode
        from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel.from_settings(settings))
    if settings.twilio_account_sid:  # WhatsApp and SMS through Twilio
        from bot.channels.twilio import twilio_channels

        channels.extend(twilio_channels(settings))
    return channels


async def run(settings: Settings, taken: Roles = EVERYTHING) -> None:
    """Serve and work in the roles this process takes (bot/roles.py)."""
    roles.check(taken, settings)
    channels = platform_channels(settings)
    app = build(settings, channels=list(channels))
    # On SQLite, the one process that processes, sends and schedules on the file.
    works = sole_worker(app.db) if taken - {Role.WEB} else contextlib.nullcontext()
    settle_heap()
    with works:
        await _serve(settings, taken, app, channels)


def settle_heap() -> None:
    """Keep what start-up built out of the garbage collector's full collections from now on.

    The modules, the app and the channels (some 130,000 objects) live as long as the process, yet
    each full collection walked them all: about 100 ms with the event loop stopped, a webhook's
    acknowledgement waiting behind it. Frozen, a full collection walks only what came after
    (some 10,000 objects, under 10 ms), and collections take 2 % of the CPU instead of 5-7 %.
    """
    gc.collect()  # garbage left by start-up is freed, not frozen
    gc.freeze()


def server_config(settings: Settings, app: App, routes: list[BaseRoute]) -> uvicorn.Config:
    """uvicorn serving this process's routes, /healthz and /metrics."""
    return uvicorn.Config(
        create_app(app, routes),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        http="auto",  # httptools when installed: its C parser costs less per request
        ws="none",  # no websockets served: their protocol modules stay unloaded
    )


async def _serve(
    settings: Settings, taken: Roles, app: App, channels: list[PlatformChannel]
) -> None:
    # Every role serves /healthz and /metrics; only web workers take the platforms' webhooks.
    routes = [route for channel in channels for route in channel.routes(app)]
    if Role.WEB not in taken:
        routes = []
    else:
        from bot import console  # the coordinator console, served by web processes only

        routes += console.routes(app)
    server = uvicorn.Server(server_config(settings, app, routes))
    stop = asyncio.Event()
    delivery = None
    if Role.DELIVERY in taken:
        # Woken in-process when this process's inbox worker queues replies.
        idle = 1.0 if Role.INBOX in taken else roles.DELIVERY_IDLE
        delivery = asyncio.create_task(app.delivery.run_forever(stop, idle=idle))
    intake = None
    listening = threading.Event()  # set: stop listening
    postgres = app.db.dialect == "postgresql"
    assert app.intake is not None
    if Role.INBOX in taken:
        # Woken in-process when this process's webhooks store a message; on PostgreSQL also
        # when another process's do (LISTEN/NOTIFY); else it looks every INBOX_IDLE.
        idle = 1.0 if Role.WEB in taken or postgres else roles.INBOX_IDLE
        if postgres:
            roles.wake_on_stored(app, listening)
        intake = asyncio.create_task(app.intake.run_forever(stop, idle=idle))
    elif Role.WEB in taken:
        app.intake.notify_stored = postgres
        log.info("web only: the messages stored here are processed by --role inbox processes")
    scheduler = None
    if Role.SCHEDULER in taken:
        # Nudges: dispatched every minute and at start-up. Imported here: APScheduler stays out
        # of the processes that do not schedule.
        from bot.scheduler import start_scheduler

        with roles.one_at_a_time(app.db):
            scheduler = start_scheduler(
                app.db, app.clock, settings.flow_config(), wake=app.delivery.wake.set
            )
        roles.start_heartbeat(scheduler, app.db, app.clock)
    log.info("running", extra={"role": ",".join(sorted(r.value for r in taken))})
    try:
        for channel in channels:
            if Role.WEB in taken:
                await channel.start(app)
            elif Role.INBOX in taken or Role.DELIVERY in taken:
                await roles.attach_for_sending(channel, app)
        await server.serve()  # returns on Ctrl-C / SIGTERM
    finally:
        if scheduler is not None:
            from bot.scheduler import stop_scheduler

            roles.stop_heartbeat()
            stop_scheduler(scheduler)
        # The workers first: the batch under way commits and the sends in flight are recorded.
        # Closing the channels before them made a send claimed meanwhile fail and wait for the
        # next start. Updates polled meanwhile are stored, so nothing is lost either way.
        stop.set()
        listening.set()
        if intake is not None:
            await intake
        if delivery is not None:
            await delivery
        for channel in channels:
            await channel.stop()
        app.db.dispose()


def serve(settings: Settings, taken: Roles = EVERYTHING) -> None:
    # uvicorn re-raises the signal that stopped it once its own shutdown is done; with the default
    # handlers that kills the process before `run` has stopped the channels and the delivery
    # worker. These handlers receive that re-raise instead, so `run` finishes its `finally`.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stopping)
    fewer_malloc_arenas()
    run_async(run(settings, taken))


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the loop the server runs on (`loop_factory`): benches measure that one."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (a faster event loop for the webhooks); asyncio's own otherwise."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


M_ARENA_MAX = -8  # glibc's mallopt parameter, as MALLOC_ARENA_MAX sets it


def fewer_malloc_arenas(arenas: int = 2) -> None:
    """At most `arenas` malloc arenas for this process, unless MALLOC_ARENA_MAX says otherwise.

    glibc gives each thread that allocates an arena of its own, up to eight per core; the
    database and thread-pool threads then each keep freed memory apart (a worker's peak was 3 MB
    higher in bench/inbound.py). Call it before any thread starts. Not glibc (musl, macOS):
    nothing to tune.
    """
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, arenas)


def _stopping(sig: int, _frame: object) -> None:
    log.info("stopping (signal %d)", sig)


__all__ = ["App", "run", "run_async", "serve"]
