"""The console's plumbing: templates in her language, cookies, CSRF, access checks, rate limits.

Every page handler is a plain function run in a worker thread inside one database transaction
(`page`): it gets a `Ctx` only when the cookie names a live session of a coordinator whose role
allows the page; a signed-out visitor is sent to the sign-in page (GET) or refused (POST), and a
POST without the session's CSRF token is refused, before the handler runs.
"""

from __future__ import annotations

import asyncio
import gzip
import hmac
import secrets
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.app import App
from bot.console.words import action, label, language_name, moment, place, word
from flows import console_auth, vocabulary
from flows.console_auth import Grant
from flows.console_views import PAGE
from flows.coordination import coordinator_ids
from flows.i18n import LANGUAGES, supported, translations
from flows.messages import Msg
from flows.render import Reader, render_msg
from flows.scope import Scope
from storage.console import ConsoleSession
from storage.models import MAX_ID, Participant, id_from_text

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
HTMX = "htmx-2.0.11.min.js"  # vendored, see static/README.md; the version in the name busts caches
COOKIE = "console"
PENDING = "console_pending"  # the nonce of a sign-in code asked for in this browser
PRE_CSRF = "console_csrf"  # double-submit token for the signed-out forms
ROOT = "/console"
T = TypeVar("T")


@cache
def environment(language: str) -> Environment:
    """One Jinja2 environment per language, its gettext installed from the project's catalogs.

    Jinja2 is imported with the first page: a process serving webhooks only (or one whose
    console nobody opens) keeps its 5-9 MB.
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=False)  # type: ignore[attr-defined]
    return env


def render(language: str, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    lang = supported(language)
    html = (
        environment(lang)
        .get_template(name)
        .render(
            lang=lang,
            languages=LANGUAGES,
            root=ROOT,
            htmx=f"{ROOT}/static/{HTMX}",
            word=partial(word, lang),
            sector_label=partial(label, lang, vocabulary.SECTORS),
            stage_label=partial(label, lang, vocabulary.STAGES),
            size_label=partial(label, lang, vocabulary.SIZES),
            skill_label=partial(label, lang, vocabulary.SKILLS),
            mode_label=partial(label, lang, vocabulary.PAIRING_MODES),
            audit_action=partial(action, lang),
            place=partial(place, lang),
            country_label=partial(label, lang, vocabulary.COUNTRIES),
            language_name=partial(language_name, lang),
            **values,
        )
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
}


@cache
def _asset(name: str) -> tuple[bytes, bytes] | None:
    """A static file's bytes, plain and gzipped (read once): only scripts in the static folder."""
    path = STATIC / name
    if not name.endswith(".js") or name.startswith(".") or not path.is_file():
        return None
    body = path.read_bytes()
    return body, gzip.compress(body, mtime=0)


async def static(request: Request) -> Response:
    """A vendored script, public (nothing in it is private) and cached for a year."""
    found = _asset(request.path_params["name"])
    if found is None:
        return refused(404)
    plain, packed = found
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    body = plain
    if "gzip" in request.headers.get("accept-encoding", ""):  # a slow phone gets a third of it
        body, headers["Content-Encoding"] = packed, "gzip"
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


def secure_cookies(app: App) -> bool:
    return (app.settings.public_base_url or "").startswith("https://")


def set_cookie(response: Response, app: App, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=ROOT,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(app),
    )


def browser_language(request: Request) -> str:
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return "en"


# Rate limit ----------------------------------------------------------------------------------


@dataclass
class Limiter:
    """At most `limit` attempts per key within `window`, on the app's clock (in memory)."""

    limit: int
    window: timedelta
    seen: dict[str, deque[datetime]] = field(default_factory=lambda: defaultdict(deque))

    def allow(self, key: str, now: datetime) -> bool:
        times = self.seen[key]
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        if len(self.seen) > 10_000:  # forget idle keys rather than grow without end
            for stale in [k for k, v in self.seen.items() if not v][:5_000]:
                del self.seen[stale]
        return True


# Pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pager:
    """Where a list page stands: its number, whether more follow, links keeping her filters."""

    number: int
    more: bool
    params: tuple[tuple[str, str], ...]  # the other query parameters (her filters)

    def link(self, number: int) -> str:
        return "?" + urlencode([*self.params, ("page", str(number))])

    @property
    def shown(self) -> bool:
        return self.more or self.number > 1


@dataclass
class Ctx:
    """What a page handler works with."""

    app: App
    request: Request
    form: FormData | None
    session: Session
    console: ConsoleSession
    grant: Grant
    me: Participant
    now: datetime

    @property
    def lang(self) -> str:
        return supported(self.console.language or self.me.locale)

    @cached_property
    def scope(self) -> Scope:
        """Her scope, computed once per request (and again after `widen`)."""
        return self.grant.scope(self.session)

    def widen(self) -> None:
        """Read her scope again: a woman she has just added to her cohort is hers now."""
        self.__dict__.pop("scope", None)

    @cached_property
    def staff(self) -> list[int]:
        """The coordinators' own accounts, which her counts leave out (`flows.scope.members`)."""
        return coordinator_ids(self.session, self.config)

    @property
    def config(self) -> Any:
        return self.app.settings.flow_config()

    def field(self, name: str, default: str = "") -> str:
        value = (
            self.form.get(name) if self.form is not None else self.request.query_params.get(name)
        )
        return str(value).strip() if value is not None else default

    def id(self, name: str) -> int | None:
        """An id from the query or the form: None unless it is one a row could have."""
        return id_from_text(self.field(name))

    def fields(self, name: str) -> list[str]:
        source = self.form if self.form is not None else self.request.query_params
        return [str(v).strip() for v in source.getlist(name) if str(v).strip()]

    @property
    def page_number(self) -> int:
        """The list page she asked for (`?page=N`, from 1)."""
        asked = self.request.query_params.get("page", "")
        return max(1, min(int(asked), 100_000)) if asked.isdigit() else 1

    @property
    def offset(self) -> int:
        """How many rows the pages before this one hold."""
        return (self.page_number - 1) * PAGE

    def paged(self, rows: list[T]) -> tuple[list[T], Pager]:
        """This page's rows, from rows fetched as PAGE + 1 (the extra one says more follow)."""
        params = tuple(
            (key, value) for key, value in self.request.query_params.multi_items() if key != "page"
        )
        return rows[:PAGE], Pager(self.page_number, len(rows) > PAGE, params)

    def say(self, msg: Msg) -> str:
        """A flow's message (a refusal, say) in her language."""
        return render_msg(msg, Reader(self.lang))

    def page(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return render(
            self.lang,
            name,
            status,
            csrf=self.console.csrf,
            grant=self.grant,
            me=self.me,
            path=self.request.url.path,
            here=_here(self.request),
            moment=partial(moment, self.lang, self.me),
            **values,
        )


def _here(request: Request) -> str:
    """This page with her filters (`?country=BO`): where the language switch leads back."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query and request.method == "GET" else "")


Handler = Callable[[Ctx], Response]


def refused(status: int = 403) -> Response:
    """Nothing leaks: the same bare answer for every refusal."""
    return Response(
        "forbidden" if status == 403 else "", status_code=status, headers=SECURITY_HEADERS
    )


def page(app: App, handler: Handler, role: str = "viewer") -> Callable[[Request], Any]:
    """An endpoint running `handler` for a signed-in coordinator of at least `role`."""

    async def endpoint(request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        return await asyncio.to_thread(_serve, app, request, form, handler, role)

    return endpoint


def _serve(
    app: App, request: Request, form: FormData | None, handler: Handler, role: str
) -> Response:
    now = app.clock.now()
    config = app.settings.flow_config()
    with app.db.session() as session:
        found = console_auth.current(session, config, request.cookies.get(COOKIE), now=now)
        if found is None:
            if request.headers.get("hx-request"):
                # htmx would follow a redirect and paste the sign-in page inside this one.
                response = refused()
                response.headers["HX-Redirect"] = f"{ROOT}/signin"
                return response
            if request.method == "GET":
                return RedirectResponse(f"{ROOT}/signin", status_code=303)
            return refused()
        console, grant = found
        # A viewer reads; any change needs a coordinator ("self": her own sign-out, language).
        needed = "coordinator" if request.method == "POST" and role == "viewer" else role
        needed = "viewer" if needed == "self" else needed
        if not grant.can(needed):
            return refused()
        if form is not None and not hmac.compare_digest(str(form.get("csrf", "")), console.csrf):
            return refused()
        me = session.get(Participant, grant.participant_id)
        if me is None:
            return refused()
        ctx = Ctx(app, request, form, session, console, grant, me, now)
        # Routes take ids as {…:int}: one no row can have is a page that does not exist.
        if any(isinstance(v, int) and v > MAX_ID for v in request.path_params.values()):
            return _not_found(ctx)
        response = handler(ctx)
        return _not_found(ctx) if response.status_code == 404 and not response.body else response


def _not_found(ctx: Ctx) -> Response:
    """A page she cannot open, as a page with the way back: the same whether it does not exist
    or is not hers, so it tells nothing. A POST or what htmx fetches stays bare."""
    if ctx.request.method != "GET" or ctx.request.headers.get("hx-request"):
        return refused(404)
    return ctx.page("missing.html", 404)


def new_token() -> str:
    return secrets.token_urlsafe(24)
