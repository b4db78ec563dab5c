"""Console pages: the safeguarding inbox (reports and every kept alert), triage, notes, resolve."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from bot.console.web import PAGE, ROOT, Ctx, refused
from flows import console_views as views
from flows.problems import sent_as_media


def inbox(ctx: Ctx) -> Response:
    resolved = ctx.field("resolved") == "1"
    reports, pager = ctx.paged(
        views.problems(ctx.session, ctx.scope, resolved=resolved, offset=ctx.offset, limit=PAGE + 1)
    )
    people = {r.id: views.women_of(ctx.session, r) for r in reports}
    return ctx.page(
        "safeguarding.html",
        reports=reports,
        pager=pager,
        people=people,
        resolved=resolved,
        media=sent_as_media,
    )


def report(ctx: Ctx) -> Response:
    found = views.problem(ctx.session, ctx.scope, int(ctx.request.path_params["report_id"]))
    if found is None:
        return refused(404)
    if ctx.request.method == "POST":
        try:
            views.triage(
                ctx.session,
                ctx.grant,
                found,
                now=ctx.now,
                level=ctx.field("triage"),
                note=ctx.field("note"),
                resolve=ctx.field("action") == "resolve",
            )
        except ValueError:
            return refused(400)
        return RedirectResponse(f"{ROOT}/safeguarding/{found.id}", status_code=303)
    people = views.women_of(ctx.session, found)
    # A pair alert names both women; her link opens only the profiles in her scope.
    mine = {person.id for person in people if ctx.scope.sees(person.id)}
    return ctx.page(
        "problem.html",
        report=found,
        people=people,
        mine=mine,
        levels=views.TRIAGE,
        media=sent_as_media(found),
    )
