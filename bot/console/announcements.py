"""Console pages: announcements (audience with a live count, a text per language with its SMS
segments, now or at a local hour, preview, send, a delivery report that updates itself, retry).

"Live" is htmx (vendored, see static/README.md): the compose form posts itself to `count` as she
types, and the report polls `report`; both fragments are the same partial templates the full
pages include, so the pages work the same without JavaScript (a button, a meta refresh).
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from bot.channels.twilio_text import sms_bill
from bot.console.web import PAGE, ROOT, Ctx, refused
from flows import broadcasts
from flows import console_views as views
from flows.broadcasts import Audience, Broadcast, BroadcastError
from flows.i18n import LANGUAGES
from flows.quiet import quiet_hour
from storage.coordination import BroadcastStatus

COUNTRIES = ("BO", "SN", "CA")
CHANNELS = ("telegram", "whatsapp", "sms")
REFRESH = 10  # seconds between whole-page refreshes of the report, without JavaScript
POLL = 5  # seconds between live updates of the report (htmx)
# Channels that report delivery after "sent": the report keeps updating until their news comes.
RECEIPTS = ("whatsapp", "sms")


def listing(ctx: Ctx) -> Response:
    query = select(Broadcast).order_by(col(Broadcast.id).desc())
    if ctx.scope.whole:
        found = list(ctx.session.exec(query.offset(ctx.offset).limit(PAGE + 1)))
    else:  # her announcements are picked in Python (the audience is JSON), before paging
        mine = (b for b in ctx.session.exec(query) if ctx.scope.sees_broadcast(b))
        found = list(islice(mine, ctx.offset, ctx.offset + PAGE + 1))
    found, pager = ctx.paged(found)
    return ctx.page("broadcasts.html", broadcasts=found, pager=pager)


def _audience(ctx: Ctx) -> Audience:
    onboarded = ctx.field("onboarded")
    allowed = views.reachable_countries(ctx.session, ctx.scope, COUNTRIES)
    chosen = Audience(
        cohorts=tuple(ctx.fields("cohorts")),
        countries=tuple(c for c in ctx.fields("countries") if c in allowed),
        languages=tuple(x for x in ctx.fields("languages") if x in LANGUAGES),
        channels=tuple(x for x in ctx.fields("channels") if x in CHANNELS),
        onboarded=True if onboarded == "yes" else None,
    )
    # A coordinator scoped to some countries or cohorts writes to those only.
    return broadcasts.within(chosen, ctx.scope)


def _texts(ctx: Ctx) -> dict[str, str]:
    return {language: ctx.field(f"text_{language}") for language in LANGUAGES}


def _segments(ctx: Ctx, preview: broadcasts.Preview) -> dict[str, tuple[str, int]]:
    """Each text's SMS cost as this deployment sends it (accents dropped where that saves)."""
    mode = ctx.app.settings.sms_transliterate
    return {lang: sms_bill(text, mode) for lang, text in preview.shown.items() if text is not None}


def _local(ctx: Ctx) -> str:
    """The local hour she typed, or "" for now: an hour typed is an hour meant (a tick box
    beside it, left unticked, once sent at once what she had scheduled)."""
    return ctx.field("local_time")


def _when(ctx: Ctx, hour: str | None = None) -> dict[str, Any]:
    """What _when.html says of when it goes: the hour ("18:00"; by default the one she typed,
    "" for now), and the quiet hours that hold it for a woman's morning."""
    if hour is None:
        local = _local(ctx)
        hour = broadcasts.parse_local_time(local) if local else ""
    start, end = ctx.config.quiet_start, ctx.config.quiet_end
    return {
        "hour": hour,
        "night": quiet_hour(int(hour[:2]), start, end) if hour else False,
        "quiet": (f"{start:02d}:00", f"{end:02d}:00") if start != end else None,
    }


def _preview(ctx: Ctx) -> broadcasts.Preview:
    """Who the form's audience reaches and what each language reads, nothing saved."""
    local = _local(ctx)
    trial = Broadcast(
        created_by="console",
        created_at=ctx.now,
        texts=broadcasts.clean_texts(_texts(ctx)),
        fallback_language=ctx.field("fallback") or None,
        audience=_audience(ctx).to_json(),
        send_mode="local" if local else "now",
        local_time=broadcasts.parse_local_time(local) if local else None,
    )
    return broadcasts.preview(ctx.session, trial, now=ctx.now, config=ctx.config)


def compose(ctx: Ctx) -> Response:
    cohorts = views.cohorts(ctx.session, ctx.scope)
    values = {
        "cohorts": cohorts,
        # Only those she can reach: a coordinator of some cohorts is not offered them all.
        "countries": views.reachable_countries(ctx.session, ctx.scope, COUNTRIES),
        "channels": CHANNELS,
        "val": ctx.field,
        "chosen": ctx.fields,
    }
    if ctx.form is None:
        return ctx.page("compose.html", **values)
    try:
        if ctx.field("action") == "save":
            draft = broadcasts.draft(
                ctx.session,
                ctx.config,
                ctx.grant.actor(),
                audience=_audience(ctx),
                texts=_texts(ctx),
                now=ctx.now,
                fallback=ctx.field("fallback") or None,
                local_time=_local(ctx) or None,
            )
            return RedirectResponse(f"{ROOT}/broadcasts/{draft.id}", status_code=303)
        preview = _preview(ctx)
    except BroadcastError as error:
        return ctx.page("compose.html", 400, error_text=ctx.say(error.msg), **values)
    return ctx.page(
        "compose.html",
        preview=preview,
        segments=_segments(ctx, preview),
        **_when(ctx),
        **values,
    )


def count(ctx: Ctx) -> Response:
    """The live count and SMS segments of the compose form, as she changes it (a fragment)."""
    try:
        preview = _preview(ctx)
    except BroadcastError as error:
        # 200, so htmx shows the problem where the count stands (it leaves a 400 unswapped).
        return ctx.page("_count.html", error_text=ctx.say(error.msg))
    return ctx.page("_count.html", preview=preview, segments=_segments(ctx, preview), **_when(ctx))


def _chosen(ctx: Ctx) -> Broadcast | None:
    """The announcement the address names, if it is one she may see."""
    try:
        broadcast = broadcasts.get(ctx.session, int(ctx.request.path_params["broadcast_id"]))
    except BroadcastError:
        return None
    return broadcast if ctx.scope.sees_broadcast(broadcast) else None


def detail(ctx: Ctx) -> Response:
    broadcast = _chosen(ctx)
    if broadcast is None:
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
            error = ctx.say(problem.msg)
    if broadcast.status == BroadcastStatus.DRAFT:
        preview = broadcasts.check_preview(
            ctx.session, ctx.config, ctx.grant.actor(), broadcast, now=ctx.now
        )
        return ctx.page(
            "broadcast.html",
            broadcast=broadcast,
            preview=preview,
            segments=_segments(ctx, preview),
            error_text=error,
            **_when(ctx, broadcast.local_time or ""),
        )
    params = ctx.request.query_params
    nothing = ""
    if params.get("queued"):
        flash = "queued"
    elif params.get("retried") == "0":
        # Not "0 messages will be tried again": nothing was.
        nothing = ctx.say(broadcasts.NOTHING_FAILED)
    elif params.get("retried"):
        flash = "retried"
    values = _report(ctx, broadcast)
    return ctx.page(
        "broadcast.html",
        refresh=REFRESH if values["poll"] else None,
        flash=nothing,
        flash_kind=flash,
        flash_n=params.get("queued") or params.get("retried") or "",
        error_text=error,
        **values,
    )


def report(ctx: Ctx) -> Response:
    """The delivery report alone, for the page to poll while messages are on their way."""
    broadcast = _chosen(ctx)
    if broadcast is None:
        return refused(404)
    return ctx.page("_report.html", **_report(ctx, broadcast))


def _report(ctx: Ctx, broadcast: Broadcast) -> dict[str, Any]:
    """What _report.html shows: the counts, who failed, and whether to poll again."""
    found = broadcasts.delivery_report(ctx.session, broadcast, now=ctx.now)
    return {
        "broadcast": broadcast,
        "report": found,
        "failures": broadcasts.failed_list(ctx.session, broadcast)[:50],
        "poll": POLL if _moving(found) else None,
    }


def _moving(report: broadcasts.DeliveryReport) -> bool:
    """Messages due now still waiting to go, or sent where a delivery receipt is still to come."""
    awaiting = sum(report.by_channel.get(channel, {}).get("sent", 0) for channel in RECEIPTS)
    return report.queued - report.scheduled > 0 or awaiting > 0
