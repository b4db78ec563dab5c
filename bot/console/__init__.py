"""The coordinator console: a small server-rendered web app under /console.

Every page works without JavaScript; where one updates live (the announcement's count and its
delivery report), a vendored htmx (`static/`) fetches a fragment from a route listed below.

`routes(app)` gives the Starlette routes; `bot.runtime` mounts them beside the webhooks. Pages
live in `people`, `matching`, `announcements`, `safety` and `records`; sign-in in `auth`; the
plumbing (templates, cookies, CSRF, access checks) in `web`.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.console import announcements, auth, matching, people, records, safety
from bot.console.web import ROOT, page, static

# (path, handler, methods, the least role; a viewer never POSTs except "self" actions)
PAGES = [
    ("/", people.dashboard, ["GET"], "viewer"),
    ("/women/", people.women, ["GET"], "viewer"),
    ("/women/{public_id}", people.woman, ["GET", "POST"], "viewer"),
    ("/cohorts/", people.cohorts, ["GET", "POST"], "viewer"),
    ("/cohorts/{cohort_id:int}", people.cohort, ["GET", "POST"], "viewer"),
    ("/cohorts/{cohort_id:int}/match", matching.review, ["GET", "POST"], "viewer"),
    ("/cohorts/{cohort_id:int}/publish", matching.publish, ["GET", "POST"], "coordinator"),
    ("/pairs/", records.pairs, ["GET"], "viewer"),
    ("/pairs/{pair_id:int}", records.pair, ["GET", "POST"], "viewer"),
    ("/broadcasts/", announcements.listing, ["GET"], "viewer"),
    ("/broadcasts/new", announcements.compose, ["GET", "POST"], "coordinator"),
    ("/broadcasts/new/count", announcements.count, ["POST"], "coordinator"),
    ("/broadcasts/{broadcast_id:int}", announcements.detail, ["GET", "POST"], "viewer"),
    ("/broadcasts/{broadcast_id:int}/report", announcements.report, ["GET"], "viewer"),
    ("/safeguarding/", safety.inbox, ["GET"], "viewer"),
    ("/safeguarding/{report_id:int}", safety.report, ["GET", "POST"], "viewer"),
    ("/report/", records.programme_report, ["GET"], "viewer"),
    ("/exports/", records.exports, ["GET"], "viewer"),
    ("/exports/{what}.{kind}", records.export_file, ["POST"], "coordinator"),
    ("/audit/", records.audit, ["GET"], "admin"),
    ("/signout", auth.sign_out, ["POST"], "self"),
    ("/language", auth.language, ["POST"], "self"),
]


def routes(app: App) -> list[BaseRoute]:
    async def bare(_request: object) -> Response:
        return RedirectResponse(f"{ROOT}/", status_code=307)

    found: list[BaseRoute] = [Route(ROOT, bare, methods=["GET"])]
    # The one route open to anyone: vendored scripts, public code with nothing of hers in it.
    found.append(Route(ROOT + "/static/{name}", static, methods=["GET"]))
    for path, endpoint, methods in auth.routes(app):
        found.append(Route(ROOT + path, endpoint, methods=methods))  # type: ignore[arg-type]
    for path, handler, methods, role in PAGES:
        found.append(Route(ROOT + path, page(app, handler, role), methods=methods))
    for path in (
        "/women",
        "/cohorts",
        "/pairs",
        "/broadcasts",
        "/safeguarding",
        "/report",
        "/exports",
        "/audit",
    ):
        found.append(Route(ROOT + path, _slash(path), methods=["GET"]))
    return found


def _slash(path: str):  # type: ignore[no-untyped-def]
    async def endpoint(_request: object) -> Response:
        return RedirectResponse(f"{ROOT}{path}/", status_code=307)

    return endpoint
