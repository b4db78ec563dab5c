"""The HTTP server: platform webhooks, a health check and metrics, on Starlette.

Channels contribute their own webhook routes (`PlatformChannel.routes`). Around every request the
server sets a request id (echoed in `X-Request-Id` and in every log line), refuses bodies over
`MAX_BODY` bytes with 413 before reading them, answers unexpected errors with a bare 500 (no
traceback leaves the process) and times the request for /metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics
from bot.app import App
from bot.logs import new_request_id, request_id
from bot.roles import inbox_health, scheduler_health
from storage import inbox, outbox

log = logging.getLogger(__name__)

# Webhook payloads are small (a Telegram update, a Twilio form); anything larger is not ours.
MAX_BODY = 64 * 1024


class Guard:
    """Request id, body size limit, timing and a last-resort 500 for every request (pure ASGI)."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = request_id.set(new_request_id())
        started = time.perf_counter()
        route = scope.get("path", "")
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = -1
        if declared < 0 or declared > self.max_body:
            metrics.REJECTED.labels("too_large").inc()
            await _plain(send, 413, "payload too large")
            request_id.reset(token)
            return
        received = 0
        started_response = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                raise _TooLarge
            return message

        async def tagged_send(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
                message.setdefault("headers", []).append(
                    (b"x-request-id", request_id.get().encode())
                )
            await send(message)

        try:
            await self.app(scope, limited_receive, tagged_send)
        except ClientDisconnect:  # the caller hung up mid-request: it will try again
            log.info("client disconnected", extra={"route": route})
        except _TooLarge:
            metrics.REJECTED.labels("too_large").inc()
            if not started_response:
                await _plain(send, 413, "payload too large")
        except Exception:
            log.exception("unhandled error", extra={"route": route})
            if not started_response:
                await _plain(send, 500, "internal error")
        finally:
            metrics.WEBHOOK_SECONDS.labels(route).observe(time.perf_counter() - started)
            request_id.reset(token)


class _TooLarge(Exception):
    pass


async def _plain(send: Send, status: int, body: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"x-request-id", request_id.get().encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


def create_app(app: App, routes: Sequence[BaseRoute] = ()) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        """Database reachable (else 503), outbox backlog, the inbox and the scheduler's heartbeat.

        A late scheduler or inbox makes the status "degraded" but stays 200: this process can
        still take webhooks, so a load balancer should keep sending it traffic.
        """
        try:
            backlog = await asyncio.to_thread(_backlog, app)
            now = app.clock.now()
            inbox_state = await asyncio.to_thread(inbox_health, app.db, now)
            scheduler = await asyncio.to_thread(scheduler_health, app.db, now)
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        late = scheduler["status"] != "ok" or inbox_state["status"] != "ok"
        return JSONResponse(
            {
                "status": "degraded" if late else "ok",
                "database": "ok",
                "outbox_backlog": backlog,
                "inbox": inbox_state,
                "scheduler": scheduler,
            }
        )

    async def prometheus(_request: Request) -> Response:
        try:
            metrics.OUTBOX_DEPTH.set(await asyncio.to_thread(_backlog, app))
            metrics.INBOX_DEPTH.set(await asyncio.to_thread(_inbox_waiting, app))
        except Exception:
            log.warning("outbox or inbox depth unavailable for /metrics")
        return PlainTextResponse(metrics.generate_latest(), media_type=metrics.CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", prometheus, methods=["GET"]),
            *routes,
        ],
        middleware=[Middleware(Guard)],
    )


def _inbox_waiting(app: App) -> int:
    with app.db.session() as session:
        return inbox.waiting(session)


def _backlog(app: App) -> int:
    with app.db.session() as session:
        session.execute(text("SELECT 1"))
        return outbox.backlog(session, now=app.clock.now())
