"""Joining a cohort with the invitation code the programme gave her.

Two ways in: right after onboarding (asked only when cohorts exist and she is in none yet:
she may write the code, or 0 to skip), and from the menu at any time. "ABC123", "code ABC123"
and "/start ABC123" are all understood.
"""

from __future__ import annotations

from sqlmodel import select

from flows import home
from flows.matching.service import cohorts_of, find_cohort, join_by_code
from flows.messages import Msg, _
from flows.registry import register
from flows.steps import AskText, Context, Outcome, go, stay
from flows.text import clean_text
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
    """The code in what she wrote, without an optional prefix ("code: Pilote 26")."""
    words = clean_text(text).split()  # no control characters reach a query
    while words and words[0].lower().rstrip(":") in {
        p for prefix in PREFIXES for p in prefix.split()
    }:
        words = words[1:]
    return " ".join(word.strip(".,;:!?\"'«»") for word in words).strip()


def _cohort_named_by(ctx: Context, text: str) -> Cohort | None:
    """The cohort whose code she typed: all of it ("Pilote 26") or its last word."""
    code = code_in(text)
    candidates = dict.fromkeys([code, code.split()[-1] if code else ""])
    for candidate in filter(None, candidates):
        cohort = join_by_code(ctx.session, ctx.participant, candidate, now=ctx.now)
        if cohort is not None:
            return cohort
    return None


def code_typed(ctx: Context, text: str) -> Outcome | None:
    """At rest, a message that is just a group code joins her to that group (None otherwise).

    Before her profile is ready the code is kept and used when it is (as a link's code is).
    """
    if not 3 <= len(text.strip()) <= 32 or len(text.split()) > 3:
        return None
    code = code_in(text)
    if not code or ctx.participant.onboarded_at is None:
        if code and find_cohort(ctx.session, code) is not None:
            ctx.data["invite_code"] = code
        return None
    cohort = _cohort_named_by(ctx, code)
    return None if cohort is None else stay(_(JOINED.msgid, cohort=cohort.name))


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
    cohort = _cohort_named_by(ctx, text)
    if cohort is None:
        return stay(_(UNKNOWN.msgid, code=code_in(text)[:32]))
    return home.resume(ctx, _(JOINED.msgid, cohort=cohort.name))


def _onboarded(ctx: Context) -> bool:
    return ctx.participant.onboarded_at is not None


home.add_idle_reader(code_typed)
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
