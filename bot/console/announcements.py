"""Console pages: announcements (audience with a live count, a text per language with its SMS
segments, now or at a local hour, preview, send, a delivery report that refreshes, retry)."""

from __future__ import annotations

from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from bot.channels.twilio_text import segments
from bot.console.web import ROOT, Ctx, refused
from flows import broadcasts
from flows import console_views as views
from flows.broadcasts import Audience, Broadcast, BroadcastError
from flows.i18n import LANGUAGES
from storage.coordination import BroadcastStatus

COUNTRIES = ("BO", "SN", "CA")
CHANNELS = ("telegram", "whatsapp", "sms")
REFRESH = 10  # seconds between delivery report refreshes while messages are on their way


def listing(ctx: Ctx) -> Response:
    query = select(Broadcast).order_by(col(Broadcast.id).desc())
    # Her announcements are picked in Python (the audience is JSON), before the 50 are counted.
    found = list(ctx.session.exec(query.limit(50 if ctx.scope.whole else None)))
    found = [b for b in found if ctx.scope.sees_broadcast(b)][:50]
    return ctx.page("broadcasts.html", broadcasts=found)


def _audience(ctx: Ctx) -> Audience:
    onboarded = ctx.field("onboarded")
    allowed = ctx.grant.countries or COUNTRIES
    mine = ctx.scope.cohort_keys
    return Audience(
        # A coordinator scoped to some cohorts writes to those only.
        cohorts=tuple(c for c in ctx.fields("cohorts") if not mine or c in mine)
        or tuple(str(c) for c in ctx.scope.cohorts),
        # A coordinator scoped to some countries writes to those only.
        countries=tuple(c for c in ctx.fields("countries") if c in allowed)
        or tuple(ctx.grant.countries),
        languages=tuple(x for x in ctx.fields("languages") if x in LANGUAGES),
        channels=tuple(x for x in ctx.fields("channels") if x in CHANNELS),
        onboarded=True if onboarded == "yes" else None,
    )


def _texts(ctx: Ctx) -> dict[str, str]:
    return {language: ctx.field(f"text_{language}") for language in LANGUAGES}


def _segments(preview: broadcasts.Preview) -> dict[str, tuple[str, int]]:
    return {lang: segments(text) for lang, text in preview.shown.items() if text is not None}


def compose(ctx: Ctx) -> Response:
    cohorts = views.cohorts(ctx.session, ctx.scope)
    values = {
        "cohorts": cohorts,
        "countries": ctx.grant.countries or COUNTRIES,
        "channels": CHANNELS,
        "val": ctx.field,
        "chosen": ctx.fields,
    }
    if ctx.form is None:
        return ctx.page("compose.html", **values)
    local = ctx.field("local_time") if ctx.field("when") == "local" else ""
    fallback = ctx.field("fallback") or None
    try:
        if ctx.field("action") == "save":
            draft = broadcasts.draft(
                ctx.session,
                ctx.config,
                ctx.grant.actor(),
                audience=_audience(ctx),
                texts=_texts(ctx),
                now=ctx.now,
                fallback=fallback,
                local_time=local or None,
            )
            return RedirectResponse(f"{ROOT}/broadcasts/{draft.id}", status_code=303)
        trial = Broadcast(
            created_by="console",
            created_at=ctx.now,
            texts=broadcasts.clean_texts(_texts(ctx)),
            fallback_language=fallback,
            audience=_audience(ctx).to_json(),
            send_mode="local" if local else "now",
            local_time=broadcasts.parse_local_time(local) if local else None,
        )
        preview = broadcasts.preview(ctx.session, trial, now=ctx.now, config=ctx.config)
    except BroadcastError as error:
        return ctx.page("compose.html", 400, error_text=str(error), **values)
    return ctx.page("compose.html", preview=preview, segments=_segments(preview), **values)


def detail(ctx: Ctx) -> Response:
    try:
        broadcast = broadcasts.get(ctx.session, int(ctx.request.path_params["broadcast_id"]))
    except BroadcastError:
        return refused(404)
    if not ctx.scope.sees_broadcast(broadcast):
        return refused(404)
    flash, error = "", ""
    if ctx.request.method == "POST":
        action = ctx.field("action")
        try:
            if action == "send" and broadcast.status == BroadcastStatus.DRAFT:
                queued = broadcasts.send(
                    ctx.session, ctx.config, ctx.grant.actor(), broadcast, now=ctx.now
                )
                return RedirectResponse(
                    f"{ROOT}/broadcasts/{broadcast.id}?queued={queued}", status_code=303
                )
            if action == "retry":
                again = broadcasts.retry_failed(
                    ctx.session, ctx.config, ctx.grant.actor(), broadcast, now=ctx.now
                )
                return RedirectResponse(
                    f"{ROOT}/broadcasts/{broadcast.id}?retried={again}", status_code=303
                )
            if action == "cancel":
                broadcasts.cancel(
                    ctx.session, ctx.config, ctx.grant.actor(), broadcast, now=ctx.now
                )
                return RedirectResponse(f"{ROOT}/broadcasts/{broadcast.id}", status_code=303)
            return refused(400)
        except BroadcastError as problem:
            error = str(problem)
    if broadcast.status == BroadcastStatus.DRAFT:
        preview = broadcasts.check_preview(
            ctx.session, ctx.config, ctx.grant.actor(), broadcast, now=ctx.now
        )
        return ctx.page(
            "broadcast.html",
            broadcast=broadcast,
            preview=preview,
            segments=_segments(preview),
            error_text=error,
        )
    report = broadcasts.delivery_report(ctx.session, broadcast, now=ctx.now)
    moving = report.queued - report.scheduled > 0 or report.sent > 0
    params = ctx.request.query_params
    if params.get("queued"):
        flash = "queued"
    elif params.get("retried"):
        flash = "retried"
    return ctx.page(
        "broadcast.html",
        broadcast=broadcast,
        report=report,
        failures=broadcasts.failed_list(ctx.session, broadcast)[:50],
        refresh=REFRESH if moving else None,
        flash_kind=flash,
        flash_n=params.get("queued") or params.get("retried") or "",
        error_text=error,
    )
