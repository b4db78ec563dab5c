"""Joining a cohort with the invitation code the programme gave her.

Two ways in: right after onboarding (asked only when cohorts exist and she is in none yet:
she may write the code, or 0 to skip), and from the menu at any time. "ABC123", "code ABC123"
and "/start ABC123" are all understood. A code typed at rest joins her too (`code_typed`), and
so does one typed while another question waits for her answer (`code_midquestion`): before her
profile is ready it is kept for when it is.
"""

from __future__ import annotations

from sqlmodel import select

from flows import home
from flows.matching.service import cohort_by_code, cohorts_of, join_by_code
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
# A code typed while a question waits: the question comes again right after these.
NOTED = _(
    "Thank you! Your group code is noted: you will join the group {cohort} once your profile "
    "is ready."
)
JOINED_MIDWAY = _("Welcome to the group {cohort}! Back to my question.")

# Words that may come before the code ("code ABC", "código ABC", "/start ABC").
PREFIXES = ("/start", "code", "codigo", "código", "le code", "mon code", "my code", "el código")
PREFIX_WORDS = frozenset(word for prefix in PREFIXES for word in prefix.split())
# The words that say a code follows ("le", "my", "el" alone begin many ordinary answers).
CODE_WORDS = frozenset(prefix.split()[-1] for prefix in PREFIXES)
SKIP = {"0", "no", "non", "none", "skip", "aucun", "ninguno"}
# Where a code typed mid-question was noted or joined, as [flow, step] (see `code_midquestion`).
CODE_SEEN_AT = "code_seen_at"
# Flows whose questions a code must reach as their answer: this one's own, and those that
# register with `leave_codes_to` (a coordinator's: the cohort to match, a broadcast's text).
CODES_LEFT_TO: set[str] = {FLOW}


def leave_codes_to(flow: str) -> None:
    """A code typed at this flow's questions is their answer, not a group for her to join."""
    CODES_LEFT_TO.add(flow)


def _without_prefix(text: str) -> tuple[list[str], bool]:
    """Her words without a leading "code:" or "/start", and whether there was one."""
    words = clean_text(text).split()  # no control characters reach a query
    prefixed = False
    while words and (word := words[0].lower().rstrip(":")) in PREFIX_WORDS:
        words, prefixed = words[1:], prefixed or word in CODE_WORDS
    return words, prefixed


def code_in(text: str) -> str:
    """The code in what she wrote, without an optional prefix ("code: Pilote 26")."""
    return _joined(_without_prefix(text)[0])


def _joined(words: list[str]) -> str:
    """Her code's words as one, without the punctuation around them."""
    return " ".join(word.strip(".,;:!?\"'«»") for word in words).strip()


def _short_enough(text: str) -> bool:
    """A length and a word count a code (with its prefix) can have."""
    return 3 <= len(text.strip()) <= 32 and len(text.split()) <= 3


def looks_like_code(text: str) -> str | None:
    """The code she may have typed, when her message could not be an ordinary answer: after
    "code", or one or two words with letters and digits ("PILOTE26", "Pilote 26", "dkr-1"), or
    one word in capitals as flyers print it ("DAKAR"). None otherwise: only these cost a lookup
    mid-question. An option's number first ("1 El Alto") or three words ("Tejidos Carmen 2")
    are the onboarding's two-in-one answers, never a code."""
    if not _short_enough(text):
        return None
    words, prefixed = _without_prefix(text)
    code = _joined(words)
    if not code:
        return None
    if prefixed:
        return code
    if len(words) > 2 or words[0].isdigit():
        return None
    letters = any(char.isalpha() for char in code)
    digits = any(char.isdigit() for char in code)
    shouted = len(words) == 1 and code.isupper()
    return code if (letters and digits) or shouted else None


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
    if not _short_enough(text):
        return None
    code = code_in(text)
    if not code or ctx.participant.onboarded_at is None:
        if code:
            _keep(ctx, code)
        return None
    cohort = _cohort_named_by(ctx, code)
    return None if cohort is None else stay(_(JOINED.msgid, cohort=cohort.name))


def _keep(ctx: Context, code: str) -> Cohort | None:
    """Before her profile is ready: the group whose code this is, kept to join when it is."""
    cohort = cohort_by_code(ctx.session, code)
    if cohort is not None:
        ctx.data["invite_code"] = cohort.invite_code
    return cohort


def code_midquestion(ctx: Context, text: str) -> Outcome | None:
    """A group code typed while a question waits for her answer: kept (before her profile is
    ready) or joined, then the question asked again. None when the message is her answer.

    Only a message that is exactly an existing cohort's code counts: "TEJIDOS2" or "Awa" is no
    cohort's code and stays her answer. A free text may still be a code by chance (a business
    called like a group): a code is a strong signal, so the first time it is taken as one, but
    typed again at the same question it is her answer, so no answer is ever out of her reach.
    """
    seen_at = ctx.data.pop(CODE_SEEN_AT, None)  # only her next answer may repeat it
    here = [ctx.flow, ctx.step]
    if here == ["home", "idle"] or ctx.flow in CODES_LEFT_TO:
        return None  # at rest `code_typed` reads it; these questions take codes themselves
    if seen_at == here:
        return None  # the same question again, right after: her answer is what she typed
    code = looks_like_code(text)
    if code is None:
        return None
    if ctx.participant.onboarded_at is None:
        cohort = _keep(ctx, code)
        said = NOTED
    else:
        cohort = join_by_code(ctx.session, ctx.participant, code, now=ctx.now)
        said = JOINED_MIDWAY
    if cohort is None:
        return None
    ctx.data[CODE_SEEN_AT] = here
    reply = _(said.msgid, cohort=cohort.name)
    if here == ["home", "language"]:  # asked in several languages: hers is not known yet
        reply = home.in_languages_asked(ctx, reply)
    return stay(reply, ask=True)


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
