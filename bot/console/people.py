"""Console pages: dashboard, women (pseudonymous, contacts on request), cohorts and members."""

from __future__ import annotations

import re
from collections import Counter

from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from bot.console.web import PAGE, ROOT, Ctx, refused
from bot.report_html import COLOURS, HEADLINE, _hbars, _vbars
from flows import console_views as views
from flows import pair_lifecycle as lifecycle
from flows import reports
from flows.coordination import coordinator_ids, log
from flows.matching import service
from flows.matching.score import PairingMode
from flows.messages import Msg
from flows.render import Reader, render_msg


def dashboard(ctx: Ctx) -> Response:
    staff = coordinator_ids(ctx.session, ctx.config)
    report = reports.build(ctx.session, now=ctx.now, scope=ctx.scope, staff=staff)
    reader = Reader(ctx.lang)
    top = max(report.funnel.values(), default=0)
    funnel = _hbars(
        "funnel",
        [
            (render_msg(reports.FUNNEL_LABELS[step], reader), report.funnel[step], str(n))
            for step in reports.FUNNEL
            for n in [report.funnel[step]]
        ],
        colour=COLOURS["funnel"],
        scale=top,
    )
    weeks = _vbars(
        "weeks",
        [(week.strftime("%d/%m"), n) for week, n in report.sessions_per_week[-12:]],
        colour=COLOURS["weeks"],
    )
    cards = [
        (render_msg(reports.TEXT[key], reader), _figure(report.headline.get(key)))
        for key in HEADLINE
    ]
    risky = [
        (
            risk,
            ", ".join(
                render_msg(Msg(reports.RISK_LABELS[key].msgid, params), reader)
                for key, params in risk.reasons
            ),
        )
        for risk in report.at_risk
    ][:20]
    return ctx.page(
        "dashboard.html",
        cards=cards,
        funnel=Markup(funnel) if top else "",
        weeks=Markup(weeks) if report.sessions_per_week else "",
        at_risk=risky,
    )


def _figure(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def women(ctx: Ctx) -> Response:
    rows = views.women(
        ctx.session,
        ctx.scope,
        search=ctx.field("q"),
        country=ctx.field("country"),
        cohort_id=ctx.id("cohort"),
        onboarded=ctx.field("onboarded"),
        offset=ctx.offset,
        limit=PAGE + 1,
    )
    rows, pager = ctx.paged(rows)
    cohorts = views.cohorts(ctx.session, ctx.scope)
    return ctx.page(
        "women.html", rows=rows, pager=pager, cohorts=cohorts, query=ctx.request.query_params
    )


def woman(ctx: Ctx) -> Response:
    person = views.woman(ctx.session, ctx.scope, ctx.request.path_params["public_id"])
    if person is None:
        return refused(404)
    shown = None
    if ctx.request.method == "POST":
        shown = views.contacts(ctx.session, ctx.grant, person, now=ctx.now)
    return ctx.page(
        "woman.html",
        person=person,
        contacts=shown,
        cohorts=service.cohorts_of(ctx.session, person.id or 0),
        pairs=[p for p in lifecycle.live_pairs(ctx.session, person.id or 0)],
    )


def cohorts(ctx: Ctx) -> Response:
    error = ""
    if ctx.request.method == "POST" and ctx.scope.cohorts:  # her cohorts are given to her
        return refused()
    if ctx.request.method == "POST":
        name = ctx.field("name")
        code = ctx.field("code") or re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper()[:24]
        try:
            cohort = service.create_cohort(
                ctx.session,
                name,
                modes=service.parse_modes(ctx.fields("modes") or ["north_south"]),
                code=code,
                now=ctx.now,
                max_active_pairs=_small_number(ctx.field("max_pairs") or "1"),
            )
        except service.BadCohortName:
            error = "cohort_name"
        except service.BadPairLimit:
            error = "max_pairs"
        except service.MatchingError:
            error = "cohort_exists"
        else:
            log(
                ctx.session,
                ctx.grant.actor(),
                "cohort_create",
                now=ctx.now,
                details={"cohort": cohort.id},
            )
            return RedirectResponse(f"{ROOT}/cohorts/{cohort.id}", status_code=303)
    found = views.cohorts(ctx.session, ctx.scope)
    sizes = {
        c.id: sum(1 for m in service.member_ids(ctx.session, c) if ctx.scope.sees(m)) for c in found
    }
    return ctx.page(
        "cohorts.html",
        cohorts=found,
        sizes=sizes,
        modes=[mode.value for mode in PairingMode],
        error=error,
    )


def cohort(ctx: Ctx) -> Response:
    found = views.cohort(ctx.session, ctx.scope, int(ctx.request.path_params["cohort_id"]))
    if found is None:
        return refused(404)
    added = None
    if ctx.request.method == "POST":
        added = 0
        for public_id in re.split(r"[\s,;]+", ctx.field("members")):
            if not public_id:
                continue
            try:
                person = service.participant_by_public_id(ctx.session, public_id)
            except service.MatchingError:
                continue
            if not ctx.scope.sees(person.id):  # she adds her own women only
                continue
            added += service.add_member(ctx.session, found, person.id or 0, now=ctx.now)
        log(
            ctx.session,
            ctx.grant.actor(),
            "cohort_add",
            now=ctx.now,
            audience=added,
            details={"cohort": found.id},
        )
    members, pager = ctx.paged(
        views.women(ctx.session, ctx.scope, cohort_id=found.id, offset=ctx.offset, limit=PAGE + 1)
    )
    counts = Counter(p.status for p in views.pairs_of_cohort(ctx.session, ctx.scope, found))
    number = re.sub(r"\D", "", ctx.app.settings.twilio_whatsapp_from or "")
    whatsapp = f"https://wa.me/{number}?text={found.invite_code}" if number else None
    return ctx.page(
        "cohort.html",
        cohort=found,
        members=members,
        pager=pager,
        size=len(service.member_ids(ctx.session, found)),
        counts=counts,
        added=added,
        published=ctx.id("published"),
        whatsapp=whatsapp,
    )


def _small_number(text: str) -> int:
    """A small count a form sent; 0 when it is not one (the domain then refuses it)."""
    return int(text) if text.isdigit() and len(text) <= 4 else 0
