"""The HTTP server: platform webhooks and a health check, on Starlette.

Channels contribute their own webhook routes (`PlatformChannel.routes`); this module only puts
them together with `/healthz`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.app import App
from storage import outbox


def create_app(app: App, routes: Sequence[BaseRoute] = ()) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        try:
            backlog = await asyncio.to_thread(_backlog, app)
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "outbox_backlog": backlog})

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *routes])


def _backlog(app: App) -> int:
    with app.db.session() as session:
        session.execute(text("SELECT 1"))
        return outbox.backlog(session, now=app.clock.now())
