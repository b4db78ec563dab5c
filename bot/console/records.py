"""Console pages: pairs (status, history, check-ins, pause / resume / end), the programme report,
CSV exports and the audit log."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot import exports as exporting
from bot.console.web import PAGE, ROOT, SECURITY_HEADERS, Ctx, refused
from bot.report_html import render_html
from bot.xlsx import workbook
from flows import console_views as views
from flows import reports
from flows.coordination import NotAllowed
from storage import coordination as store
from storage.pairs import PairStatus, find_cohort

CHANGES = ("pause", "resume", "end")  # what the pair page's buttons do
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pairs(ctx: Ctx) -> Response:
    status = ctx.field("status")
    status = status if status in {s.value for s in PairStatus} else ""
    found, pager = ctx.paged(
        views.pairs(ctx.session, ctx.scope, status, offset=ctx.offset, limit=PAGE + 1)
    )
    return ctx.page(
        "pairs.html",
        pairs=found,
        # Both women by pseudonymous id (never a name here); hers are links to her page.
        people=views.people(ctx.session, (m for pair in found for m in pair.members())),
        mine={m for pair in found for m in pair.members() if ctx.scope.sees(m)},
        pager=pager,
        chosen_status=status,
        statuses=[s.value for s in PairStatus],
    )


def pair(ctx: Ctx) -> Response:
    view = views.pair_view(ctx.session, ctx.scope, int(ctx.request.path_params["pair_id"]))
    if view is None:
        return refused(404)
    mine = _mine(ctx, view)
    action = ctx.field("action") if ctx.form is not None else ""
    if action not in ("", *CHANGES):
        return refused(400)
    if action == "end" and ctx.field("confirm") != "yes":  # both are told: she says it twice
        return ctx.page(
            "pair.html", view=view, mine=mine, confirm_end=True, reason=ctx.field("reason")
        )
    if action:
        try:
            views.change_pair(
                ctx.session,
                ctx.grant,
                view.pair,
                action,
                now=ctx.now,
                config=ctx.config,
                reason=ctx.field("reason"),
            )
        except ValueError:  # changed meanwhile (a second tap, a colleague): say how it stands
            return ctx.page("pair.html", 409, view=view, mine=mine, stale=True)
        return RedirectResponse(f"{ROOT}/pairs/{view.pair.id}", status_code=303)
    return ctx.page("pair.html", view=view, mine=mine)


def _mine(ctx: Ctx, view: views.PairView) -> set[int]:
    """The pair's women whose profile she may open (the other of a mixed pair: not a link)."""
    return {person.id or 0 for person in (view.a, view.b) if ctx.scope.sees(person.id)}


def programme_report(ctx: Ctx) -> Response:
    """The report, with a link back to the console; `?download=1`: the same report as a file to
    keep or send on, without that link (it would lead nowhere from there)."""
    named = ctx.field("cohort")
    found = find_cohort(ctx.session, named) if named else None
    if named and (found is None or views.cohort(ctx.session, ctx.scope, found.id or 0) is None):
        return refused(404)  # no such cohort, or not one she may open: the same answer
    try:
        report = reports.build(
            ctx.session,
            now=ctx.now,
            cohort=ctx.field("cohort") or None,
            scope=ctx.scope,
            staff=ctx.staff,
        )
    except ValueError:  # no such cohort
        return refused(404)
    store.record(ctx.session, actor=ctx.grant.actor().label(), action="console_report", now=ctx.now)
    if ctx.field("download") == "1":
        return HTMLResponse(
            render_html(report, ctx.lang),
            headers={
                **SECURITY_HEADERS,
                "Content-Disposition": 'attachment; filename="entrepairs-report.html"',
            },
        )
    # Back to the page it is opened from, the console's "Report".
    return HTMLResponse(
        render_html(report, ctx.lang, back=f"{ROOT}/exports/"), headers=SECURITY_HEADERS
    )


def exports(ctx: Ctx) -> Response:
    return ctx.page("exports.html", kinds=exporting.WHAT)


def export_file(ctx: Ctx) -> Response:
    """The export as CSV, or as an XLSX sheet (the same rows)."""
    what, kind = ctx.request.path_params["what"], ctx.request.path_params["kind"]
    if what not in exporting.WHAT or kind not in ("csv", "xlsx"):
        return refused(404)
    contacts = ctx.field("contacts") == "1" and ctx.grant.can("admin")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{what}.csv"
        try:
            exporting.export(
                ctx.app.db,
                ctx.config,
                ctx.grant.actor(),
                what,
                out,
                now=ctx.now,
                with_contacts=contacts,
                scope=ctx.scope,
            )
        except (exporting.NoData, NotAllowed, ValueError):
            return refused(404)
        body = out.read_bytes()
    media = "text/csv; charset=utf-8"
    if kind == "xlsx":
        rows = exporting.unquoted(csv.reader(io.StringIO(body.decode("utf-8"))))
        body = workbook(rows, sheet=what, text=exporting.PSEUDONYMS)
        media = XLSX
    return Response(
        body,
        media_type=media,
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="entrepairs-{what}.{kind}"',
        },
    )


def audit(ctx: Ctx) -> Response:
    entries, pager = ctx.paged(store.audit_log(ctx.session, offset=ctx.offset, limit=PAGE + 1))
    return ctx.page("audit.html", entries=entries, pager=pager)
