"""The coordinators' short review of a matching run in chat, then publishing it.

From the menu ("Review matching", shown to coordinators whose role may change things) or with
`/match COHORT` (one of the coordinator commands of `flows.coordinator_chat`): the cohort is
matched, the proposals are listed briefly (names and score), and she confirms before the
introductions go out. The full review with reasons is `entrepairs match COHORT`.

As on the console, matching and publishing act on the whole cohort, so they need every woman of
it in her scope; both are checked again at every step, against her grant as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from flows import cohort_join, coordinator_chat, home
from flows import console_views as views
from flows import pair_lifecycle as lifecycle
from flows.alerts import coordinator_ids
from flows.console_auth import Grant
from flows.introductions import lines, publish_cohort
from flows.matching import service
from flows.messages import Msg, Option, Reply, _, _n, nested
from flows.registry import register
from flows.scope import member_counts
from flows.steps import Choose, Context, Outcome, go
from storage.models import Participant
from storage.pairs import Cohort

FLOW = "review"
SHOWN = 8

MENU_REVIEW = _("Review matching (coordinators)")
ASK_COHORT = _("Which group do you want to match?")
COHORT_LABEL = _n("{name} ({n} woman)", "{name} ({n} women)", 1)
NO_COHORT = _("There is no group yet. Create one with: entrepairs cohort create")
SUMMARY = _n(
    "{cohort}: {n} pair proposed, {left}.\n{lines}",
    "{cohort}: {n} pairs proposed, {left}.\n{lines}",
    1,
)
LEFT_OUT = _n("{n} woman left out", "{n} women left out", 1)
PAIR_LINE = _("{a} + {b}: {score}/100")
MORE = _("…and {n} more (see entrepairs match {cohort}).")
ASK_PUBLISH = _("Send these introductions now?")
PUBLISH = _("Yes, send them")
NOT_NOW = _("Not now")
PUBLISHED = _n("Done: {n} introduction sent.", "Done: {n} introductions sent.", 1)
NOTHING = _("No pair to introduce in this group right now.")
NOT_SENT = _("Nothing was sent. The proposals are kept until the next run.")
NOT_YOURS = _(
    "Sorry, this group has women outside the countries or groups you coordinate, so an "
    "administrator of the whole programme needs to match it."
)


def _staff(ctx: Context) -> list[int]:
    """The coordinators' own accounts, read once per message."""
    return ctx.read_once("coordinator_ids", lambda: coordinator_ids(ctx.session, ctx.config))


def _may_match(ctx: Context) -> bool:
    """For the menu: a coordinator whose role may change things (cheap for everyone else)."""
    if ctx.participant.id not in _staff(ctx):
        return False
    grant = coordinator_chat.grant_now(ctx)
    return grant is not None and grant.can("coordinator")


def _mine(ctx: Context, grant: Grant) -> list[Cohort]:
    """The cohorts she may match and publish: every woman of them in her scope."""
    scope = grant.scope(ctx.session)
    return [
        c for c in views.cohorts(ctx.session, scope) if views.whole_cohort(ctx.session, scope, c)
    ]


def _refusal(ctx: Context, cohort: Cohort | None) -> Outcome | None:
    """None when she may match and publish `cohort` now, else where she goes instead (checked at
    every step: a role can be removed or narrowed half-way)."""
    grant, allowed = coordinator_chat.checked(ctx, "chat_match")
    if grant is None or not allowed:
        return coordinator_chat.refused(ctx, grant, "review_cohort")
    if cohort is not None and not views.whole_cohort(ctx.session, grant.scope(ctx.session), cohort):
        ctx.data.pop("review_cohort", None)
        return home.resume(ctx, NOT_YOURS)
    return None


def _cohorts(ctx: Context) -> Sequence[Option]:
    grant = coordinator_chat.grant_now(ctx)
    cohorts = _mine(ctx, grant)[:9] if grant else []
    sizes = member_counts(ctx.session, grant.scope(ctx.session), staff=_staff(ctx)) if grant else {}
    return tuple(
        Option(
            str(cohort.id),
            _n(
                COHORT_LABEL.msgid,
                COHORT_LABEL.plural or "",
                sizes.get(cohort.id or 0, 0),
                name=cohort.name,
            ),
        )
        for cohort in cohorts
    )


def _run(ctx: Context, cohort: Cohort) -> Outcome:
    refusal = _refusal(ctx, cohort)
    if refusal is not None:
        return refusal
    service.run(
        ctx.session,
        cohort,
        now=ctx.now,
        actor=lifecycle.coordinator_actor(ctx.participant.id or 0),
    )
    ctx.data["review_cohort"] = cohort.id
    return go(FLOW, "confirm")


def _on_cohort(ctx: Context, key: str) -> Outcome:
    cohort = ctx.session.get(Cohort, int(key))
    return _run(ctx, cohort) if cohort else home.resume(ctx)


def summary(ctx: Context, cohort: Cohort) -> Msg:
    pairs = service.proposals(ctx.session, cohort)
    names = {
        p.id: p.name or p.public_id
        for p in ctx.session.exec(
            select(Participant).where(
                col(Participant.id).in_([m for pair in pairs for m in pair.members()])
            )
        )
    }
    shown = [
        _(
            PAIR_LINE.msgid,
            a=names.get(pair.a_id, "?"),
            b=names.get(pair.b_id, "?"),
            score=round(pair.score * 100),
        )
        for pair in pairs[:SHOWN]
    ]
    if len(pairs) > SHOWN:
        shown.append(_(MORE.msgid, n=len(pairs) - SHOWN, cohort=cohort.name))
    found = service.pool(ctx.session, cohort)
    left = len(found.profiles) - 2 * len(pairs) + len(found.skipped)
    return _n(
        SUMMARY.msgid,
        SUMMARY.plural or "",
        len(pairs),
        cohort=cohort.name,
        left=nested(_n(LEFT_OUT.msgid, LEFT_OUT.plural or "", max(0, left))),
        lines={"$msg": lines(shown).to_json()} if shown else "",
    )


class Confirm(Choose):
    def ask(self, ctx: Context) -> list[Reply]:
        cohort = ctx.session.get(Cohort, ctx.data.get("review_cohort") or 0)
        if cohort is None:
            return []
        return [Reply(summary(ctx, cohort)), *super().ask(ctx)]


def _on_confirm(ctx: Context, key: str) -> Outcome:
    cohort = ctx.session.get(Cohort, ctx.data.pop("review_cohort", None) or 0)
    if key != "publish" or cohort is None:
        return home.resume(ctx, NOT_SENT)
    refusal = _refusal(ctx, cohort)
    if refusal is not None:
        return refusal
    result = publish_cohort(
        ctx.session,
        cohort,
        now=ctx.now,
        actor=lifecycle.coordinator_actor(ctx.participant.id or 0),
        config=ctx.config,
    )
    if not result.pairs:
        return home.resume(ctx, NOTHING)
    return home.resume(ctx, _n(PUBLISHED.msgid, PUBLISHED.plural or "", len(result.pairs)))


def _open(ctx: Context) -> Outcome:
    return go(FLOW, "cohort")


def match_command(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    """`/match COHORT` (or `/match` to choose the cohort)."""
    home.remember_place(ctx, opening=FLOW)
    cohort = service.find_cohort(ctx.session, " ".join(args)) if args else None
    # A cohort she may not even see is answered as one that does not exist (the console: 404).
    if cohort is not None and views.cohort(ctx.session, grant.scope(ctx.session), cohort.id or 0):
        return _run(ctx, cohort)
    return go(FLOW, "cohort")


home.add_menu_item(home.MenuItem("match_review", MENU_REVIEW, _may_match, _open))

# `/match` is one of the coordinator commands: `command` checks her grant (`NEEDS["match"]`) and
# writes the audit entry before calling the handler.
coordinator_chat.HANDLERS["match"] = match_command

# A code typed when asked which cohort to match names that cohort; she does not join it.
cohort_join.leave_codes_to(FLOW)
register(
    FLOW,
    {
        "cohort": Choose(ASK_COHORT, _cohorts, _on_cohort),
        "confirm": Confirm(
            ASK_PUBLISH, (Option("publish", PUBLISH), Option("no", NOT_NOW)), _on_confirm
        ),
    },
)
