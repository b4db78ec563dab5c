"""Signing in to the console with a code sent over her chat channel; signing out; her language."""

from __future__ import annotations

import asyncio
import hmac
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.console import web
from bot.console.web import PENDING, PRE_CSRF, ROOT, Ctx, Limiter
from flows import console_auth
from flows.coordination import log
from flows.i18n import LANGUAGES

# Per browser address: a few codes asked and a few tries, then wait (codes also die after 5 tries).
ASKS_PER_WINDOW = 5
TRIES_PER_WINDOW = 10
WINDOW = timedelta(minutes=15)


def _language(request: Request) -> str:
    chosen = request.query_params.get("lang", "")
    return chosen if chosen in LANGUAGES else web.browser_language(request)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _form_ok(request: Request, form: object) -> bool:
    sent = str(getattr(form, "get", lambda *_: "")("csrf", "") or "")
    cookie = request.cookies.get(PRE_CSRF, "")
    return bool(cookie) and hmac.compare_digest(sent, cookie)


def _signin_page(app: App, request: Request, step: str, status: int = 200, **values: object):
    token = request.cookies.get(PRE_CSRF) or web.new_token()
    lang = _language(request)
    response = web.render(lang, "signin.html", status, step=step, csrf=token, **values)
    web.set_cookie(response, app, PRE_CSRF, token, 3600)
    return response


def routes(app: App) -> list[tuple[str, object, list[str]]]:
    asks = Limiter(ASKS_PER_WINDOW, WINDOW)
    tries = Limiter(TRIES_PER_WINDOW, WINDOW)

    async def signin(request: Request) -> Response:
        if request.method == "GET":
            step = "code" if request.cookies.get(PENDING) else "address"
            if request.query_params.get("again"):
                step = "address"
            return _signin_page(app, request, step)
        form = await request.form()
        if not _form_ok(request, form):
            return web.refused()
        now = app.clock.now()
        if not asks.allow(_client(request), now):
            return _signin_page(app, request, "address", 429, error="slow_down")
        nonce = web.new_token()
        address = str(form.get("address", ""))[:64]
        await asyncio.to_thread(_ask, app, address, nonce)
        response = RedirectResponse(f"{ROOT}/signin?lang={_language(request)}", status_code=303)
        web.set_cookie(response, app, PENDING, nonce, 600)
        return response

    async def code(request: Request) -> Response:
        form = await request.form()
        if not _form_ok(request, form):
            return web.refused()
        now = app.clock.now()
        if not tries.allow(_client(request), now):
            return _signin_page(app, request, "code", 429, error="slow_down")
        nonce = request.cookies.get(PENDING, "")
        opened = await asyncio.to_thread(_check, app, nonce, str(form.get("code", ""))[:12])
        if opened is None:
            return _signin_page(app, request, "code", 400, error="wrong_code")
        response = RedirectResponse(f"{ROOT}/", status_code=303)
        web.set_cookie(
            response, app, web.COOKIE, opened, int(console_auth.SESSION_LIFE.total_seconds())
        )
        response.delete_cookie(PENDING, path=ROOT)
        return response

    async def password(request: Request) -> Response:
        form = await request.form()
        if not _form_ok(request, form):
            return web.refused()
        if not tries.allow(_client(request), app.clock.now()):
            return _signin_page(app, request, "address", 429, error="slow_down")
        address = str(form.get("address", ""))[:64]
        opened = await asyncio.to_thread(
            _with_password, app, address, str(form.get("password", ""))[:200]
        )
        if opened is None:  # the form again, open, with the address she typed
            return _signin_page(app, request, "address", 400, error="wrong_password", typed=address)
        response = RedirectResponse(f"{ROOT}/", status_code=303)
        web.set_cookie(
            response, app, web.COOKIE, opened, int(console_auth.SESSION_LIFE.total_seconds())
        )
        return response

    return [
        ("/signin", signin, ["GET", "POST"]),
        ("/signin/code", code, ["POST"]),
        ("/signin/password", password, ["POST"]),
    ]


def _with_password(app: App, address: str, password: str) -> str | None:
    now = app.clock.now()
    config = app.settings.flow_config()
    with app.db.session() as session:
        who = console_auth.check_password(session, config, address, password, now=now)
        if who is None:
            return None
        opened = console_auth.open_session(session, config, who, now=now)
        return opened[0] if opened else None


def _ask(app: App, address: str, nonce: str) -> None:
    with app.db.session() as session:
        console_auth.request_code(
            session, app.settings.flow_config(), address, nonce, now=app.clock.now()
        )


def _check(app: App, nonce: str, code: str) -> str | None:
    now = app.clock.now()
    config = app.settings.flow_config()
    with app.db.session() as session:
        who = console_auth.check_code(session, nonce, code, now=now) if nonce else None
        if who is None:
            return None
        opened = console_auth.open_session(session, config, who, now=now)
        return opened[0] if opened else None


def sign_out(ctx: Ctx) -> Response:
    console_auth.close(ctx.session, ctx.console, ctx.grant, now=ctx.now)
    response = RedirectResponse(f"{ROOT}/signin?lang={ctx.lang}", status_code=303)
    response.delete_cookie(web.COOKIE, path=ROOT)
    return response


def language(ctx: Ctx) -> Response:
    chosen = ctx.field("lang")
    if chosen in LANGUAGES:
        ctx.console.language = chosen
        ctx.session.add(ctx.console)
        log(ctx.session, ctx.grant.actor(), "console_language", now=ctx.now)
    back = ctx.field("back")
    target = back if back.startswith(ROOT + "/") and "//" not in back else f"{ROOT}/"
    return RedirectResponse(target, status_code=303)
