"""Console pages: review a cohort's proposed pairs with their reasons, lock / forbid / swap,
then publish after a confirmation that says how many messages go out.

Women appear by their public ids, in the reasons too; "show names" puts the names back, and that
look is audited. A coordinator sees the proposals that involve her women; matching again, the
rules and publishing act on the whole cohort, so they need every woman of it in her scope.
"""

from __future__ import annotations

from sqlmodel import col, select
from starlette.responses import RedirectResponse, Response

from bot.console.web import ROOT, Ctx, refused
from flows import console_views as views
from flows import pair_lifecycle as lifecycle
from flows.coordination import log
from flows.introductions import publish_cohort
from flows.matching import service
from flows.messages import Msg
from flows.render import Reader, render_msg
from storage.models import Participant
from storage.pairs import Cohort, Pair

# Messages one introduction sends: to each woman, the introduction and the question whether she
# would like to meet (tests/test_console_pages.py counts them).
PER_PAIR = 4
NAMES = "names"  # the action that shows the names instead of the public ids


def _cohort(ctx: Ctx) -> Cohort | None:
    return views.cohort(ctx.session, ctx.scope, int(ctx.request.path_params["cohort_id"]))


def review(ctx: Ctx) -> Response:
    cohort = _cohort(ctx)
    if cohort is None:
        return refused(404)
    actor = lifecycle.coordinator_actor(ctx.grant.participant_id)
    left: list[tuple[Participant | None, Msg]] = []
    action = ctx.field("action") if ctx.form is not None else ""
    if action == NAMES:
        views.show_names(ctx.session, ctx.grant, cohort, now=ctx.now)
    elif ctx.form is not None:
        if not views.whole_cohort(ctx.session, ctx.scope, cohort):
            return refused()
        try:
            _apply(ctx, cohort, action, actor)
        except (service.MatchingError, ValueError):
            return refused(400)
        result = service.run(ctx.session, cohort, now=ctx.now, actor=actor)
        log(
            ctx.session,
            ctx.grant.actor(),
            f"match_{action}"[:32],
            now=ctx.now,
            audience=len(result.pairs),
            details={"cohort": cohort.id},
        )
        left = [(result.people.get(u.profile.id), u.message) for u in result.unpaired]
        left += [(s.participant, s.message) for s in result.skipped]
    proposals = [p for p in service.proposals(ctx.session, cohort) if ctx.scope.sees_pair(p)]
    ids = {m for pair in proposals for m in pair.members()} | {p.id for p, _m in left if p}
    people = {
        p.id: p for p in ctx.session.exec(select(Participant).where(col(Participant.id).in_(ids)))
    }
    reader = Reader(ctx.lang)

    def words(msg: Msg, women: list[Participant | None]) -> str:
        """The message naming `women` (its only names) by their ids; when she asked for names,
        her own women's names (another's stays an id, as her profile is not hers to open). A
        map of the whole cohort would give a name carried by five women all five ids."""
        hidden = [w for w in women if w and (action != NAMES or not ctx.scope.sees(w.id))]
        return render_msg(views.pseudonymous(msg, views.pseudonyms(hidden)), reader)

    rows = [
        (pair, a, b, [words(msg, [a, b]) for msg in service.reasons_for(pair)])
        for pair in proposals
        for a, b in [(people.get(pair.a_id), people.get(pair.b_id))]
    ]
    return ctx.page(
        "match.html",
        cohort=cohort,
        rows=rows,
        left=[("", words(msg, [person])) for person, msg in left],
        ran=ctx.form is not None,
        named=action == NAMES,
        # Matching again, the rules and publishing need the whole cohort (see `publish`).
        acts=ctx.grant.can("coordinator") and views.whole_cohort(ctx.session, ctx.scope, cohort),
    )


def _apply(ctx: Ctx, cohort: Cohort, action: str, actor: str) -> None:
    if action == "run":
        return
    if action in (service.LOCK, service.FORBID):
        pair = _pair(ctx, cohort, "pair")
        service.set_rule(ctx.session, cohort, pair.a_id, pair.b_id, action, by=actor, now=ctx.now)
        return
    if action == "swap":  # a with the other pair's b, and the other pair's a with b
        first, second = _pair(ctx, cohort, "pair"), _pair(ctx, cohort, "other")
        if first.id == second.id:
            raise ValueError("swap needs two pairs")
        for x, y in ((first.a_id, second.b_id), (second.a_id, first.b_id)):
            service.set_rule(ctx.session, cohort, x, y, service.LOCK, by=actor, now=ctx.now)
        return
    raise ValueError(action)


def _pair(ctx: Ctx, cohort: Cohort, name: str) -> Pair:
    pair_id = ctx.id(name)
    pair = ctx.session.get(Pair, pair_id) if pair_id is not None else None
    if pair is None or pair.cohort_id != cohort.id or not ctx.scope.sees_pair(pair):
        raise ValueError(name)
    return pair


def publish(ctx: Ctx) -> Response:
    cohort = _cohort(ctx)
    if cohort is None:
        return refused(404)
    if not views.whole_cohort(ctx.session, ctx.scope, cohort):
        return refused()
    proposals = service.proposals(ctx.session, cohort)
    if ctx.request.method == "GET":
        return ctx.page(
            "publish.html", cohort=cohort, pairs=len(proposals), messages=PER_PAIR * len(proposals)
        )
    result = publish_cohort(
        ctx.session,
        cohort,
        now=ctx.now,
        actor=lifecycle.coordinator_actor(ctx.grant.participant_id),
        config=ctx.config,
    )
    log(
        ctx.session,
        ctx.grant.actor(),
        "match_publish",
        now=ctx.now,
        audience=PER_PAIR * len(result.pairs),
        details={"cohort": cohort.id, "pairs": len(result.pairs), "skipped": len(result.skipped)},
    )
    return RedirectResponse(
        f"{ROOT}/cohorts/{cohort.id}?published={len(result.pairs)}", status_code=303
    )
