"""Joining a cohort with the invitation code the programme gave her.

Two ways in: right after onboarding (asked only when cohorts exist and she is in none yet:
she may write the code, or 0 to skip), and from the menu at any time. "ABC123", "code ABC123"
and "/start ABC123" are all understood.
"""

from __future__ import annotations

from sqlmodel import select

from flows import home
from flows.matching.service import cohorts_of, join_by_code
from flows.messages import Msg, _
from flows.registry import register
from flows.steps import AskText, Context, Outcome, go, stay
from storage.pairs import Cohort

FLOW = "cohort"

ASK_CODE = _("Did the programme give you a group code? Write it here, or write 0 if you have none.")
ASK_CODE_MENU = _("Please write the group code the programme gave you (or 0 to go back).")
JOINED = _("Welcome to the group {cohort}! I will write to you as soon as I have found your peer.")
UNKNOWN = _(
    "I do not know the code {code}. Please check it and write it again, or write 0 to skip."
)
NO_CODE = _('All right. If you receive a code later, write {menu} and choose "{join}".')
MENU_JOIN = _("Join a group with a code")

# Words that may come before the code ("code ABC", "código ABC", "/start ABC").
PREFIXES = ("/start", "code", "codigo", "código", "le code", "mon code", "my code", "el código")
SKIP = {"0", "no", "non", "none", "skip", "aucun", "ninguno"}


def code_in(text: str) -> str:
    """The code in what she wrote: the last word after an optional prefix."""
    words = text.strip().split()
    while words and words[0].lower().rstrip(":") in {
        p for prefix in PREFIXES for p in prefix.split()
    }:
        words = words[1:]
    return words[-1].strip(".,;:!?\"'«»") if words else ""


def after_onboarding(ctx: Context, done: Msg) -> Outcome:
    """After her profile is ready: join the group her invitation link named, or ask for a code
    when there is a cohort she could join."""
    linked = ctx.data.pop("invite_code", None)
    cohort = join_by_code(ctx.session, ctx.participant, linked, now=ctx.now) if linked else None
    if cohort is not None:
        return go("home", "idle", done, _(JOINED.msgid, cohort=cohort.name))
    any_cohort = ctx.session.exec(select(Cohort.id)).first() is not None
    if any_cohort and not cohorts_of(ctx.session, ctx.participant.id or 0):
        return go(FLOW, "code_after", done)
    return go("home", "idle", done)


def _on_code(ctx: Context, text: str) -> Outcome:
    if text.strip().lower() in SKIP:
        menu_word = {"$kw": "menu"}
        return home.resume(
            ctx, _(NO_CODE.msgid, menu=menu_word, join={"$msg": MENU_JOIN.to_json()})
        )
    code = code_in(text)
    cohort = join_by_code(ctx.session, ctx.participant, code, now=ctx.now) if code else None
    if cohort is None:
        return stay(_(UNKNOWN.msgid, code=code[:32]))
    return home.resume(ctx, _(JOINED.msgid, cohort=cohort.name))


def _onboarded(ctx: Context) -> bool:
    return ctx.participant.onboarded_at is not None


home.add_menu_item(
    home.MenuItem("cohort_join", MENU_JOIN, _onboarded, lambda ctx: go(FLOW, "code"))
)

register(
    FLOW,
    {
        "code_after": AskText(ASK_CODE, _on_code, longest=60),
        "code": AskText(ASK_CODE_MENU, _on_code, longest=60),
    },
)
