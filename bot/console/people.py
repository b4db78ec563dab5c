"""Console pages: dashboard, women (pseudonymous, contacts on request), cohorts and members."""

from __future__ import annotations

import re
from collections import Counter

from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from bot.console.web import PAGE, ROOT, Ctx, refused
from bot.report_html import COLOURS, HEADLINE, _hbars, _headline_value, _vbars
from flows import console_views as views
from flows import pair_lifecycle as lifecycle
from flows import reports
from flows.coordination import log
from flows.matching import service
from flows.matching.score import PairingMode
from flows.messages import Msg
from flows.render import Reader, render_msg
from flows.scope import count_members, member_counts, members


def dashboard(ctx: Ctx) -> Response:
    report = reports.build(ctx.session, now=ctx.now, scope=ctx.scope, staff=ctx.staff)
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
        (key, render_msg(reports.TEXT[key], reader), _headline_value(report, key, ctx.lang))
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


def women(ctx: Ctx) -> Response:
    filters = views.Filters(
        search=ctx.field("q"),
        country=ctx.field("country"),
        cohort_id=ctx.id("cohort"),
        onboarded=ctx.field("onboarded"),
        language=ctx.lang,
    )
    rows, pager = ctx.paged(
        views.women(
            ctx.session,
            ctx.scope,
            staff=ctx.staff,
            filters=filters,
            offset=ctx.offset,
            limit=PAGE + 1,
        )
    )
    listed = views.women_query(ctx.scope, staff=ctx.staff, filters=filters)
    cohorts = views.cohorts(ctx.session, ctx.scope)
    return ctx.page(
        "women.html",
        rows=rows,
        pager=pager,
        count=count_members(ctx.session, listed),
        cohorts=cohorts,
        query=ctx.request.query_params,
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
        cohorts=[  # hers to open only: another cohort's name is not hers to read
            c
            for c in service.cohorts_of(ctx.session, person.id or 0)
            if views.cohort(ctx.session, ctx.scope, c.id or 0) is not None
        ],
        pairs=[p for p in lifecycle.live_pairs(ctx.session, person.id or 0)],
    )


# What the cohort form says when the domain refuses it (see cohorts.html).
COHORT_ERRORS = {
    service.BadCohortName: "cohort_name",
    service.BadPairLimit: "max_pairs",
    service.BadInviteCode: "cohort_code",
    service.CohortNameTaken: "cohort_exists",
    service.CohortCodeTaken: "code_exists",
}


def cohorts(ctx: Ctx) -> Response:
    error = ""
    if ctx.request.method == "POST" and ctx.scope.cohorts:  # her cohorts are given to her
        return refused()
    if ctx.request.method == "POST":
        name = ctx.field("name")
        code = ctx.field("code") or service.code_for(name)
        try:
            cohort = service.create_cohort(
                ctx.session,
                name,
                modes=service.parse_modes(ctx.fields("modes") or ["north_south"]),
                code=code,
                now=ctx.now,
                max_active_pairs=_small_number(ctx.field("max_pairs") or "1"),
            )
        except service.MatchingError as refusal:
            error = COHORT_ERRORS.get(type(refusal), "cohort_exists")
        else:
            log(
                ctx.session,
                ctx.grant.actor(),
                "cohort_create",
                now=ctx.now,
                details={"cohort": cohort.id},
            )
            return RedirectResponse(f"{ROOT}/cohorts/{cohort.id}", status_code=303)
    return ctx.page(
        "cohorts.html",
        cohorts=views.cohorts(ctx.session, ctx.scope),
        sizes=member_counts(ctx.session, ctx.scope, staff=ctx.staff),
        modes=[mode.value for mode in PairingMode],
        creates=ctx.grant.can("coordinator") and not ctx.scope.cohorts,
        error=error,
        # A refused form comes back as she typed it, to correct the one thing said.
        typed=ctx.field if ctx.form is not None else None,
        ticked=ctx.fields("modes") if ctx.form is not None else ["north_south"],
    )


def cohort(ctx: Ctx) -> Response:
    found = views.cohort(ctx.session, ctx.scope, int(ctx.request.path_params["cohort_id"]))
    if found is None:
        return refused(404)
    added = None
    if ctx.request.method == "POST":
        typed = (pid for text in ctx.fields("members") for pid in re.split(r"[\s,;]+", text))
        added = views.add_women(ctx.session, ctx.scope, found, filter(None, typed), now=ctx.now)
        log(
            ctx.session,
            ctx.grant.actor(),
            "cohort_add",
            now=ctx.now,
            audience=added.added,
            details={"cohort": found.id, "refused": len(added.refused)},
        )
        ctx.widen()  # the women she added are hers from now on
    shown, pager = ctx.paged(
        views.women(
            ctx.session,
            ctx.scope,
            staff=ctx.staff,
            filters=views.Filters(cohort_id=found.id),
            offset=ctx.offset,
            limit=PAGE + 1,
        )
    )
    counts = Counter(p.status for p in views.pairs_of_cohort(ctx.session, ctx.scope, found))
    number = re.sub(r"\D", "", ctx.app.settings.twilio_whatsapp_from or "")
    whatsapp = f"https://wa.me/{number}?text={found.invite_code}" if number else None
    adds = ctx.grant.can("coordinator")
    return ctx.page(
        "cohort.html",
        cohort=found,
        members=shown,
        pager=pager,
        size=count_members(ctx.session, members(ctx.scope, staff=ctx.staff, cohort_id=found.id)),
        counts=counts,
        added=added,
        newcomers=views.newcomers(ctx.session, ctx.scope, staff=ctx.staff) if adds else [],
        published=ctx.id("published"),
        whatsapp=whatsapp,
    )


def _small_number(text: str) -> int:
    """A small count a form sent; 0 when it is not one (the domain then refuses it)."""
    return int(text) if text.isdigit() and len(text) <= 4 else 0
