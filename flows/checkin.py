"""The post-session check-in: did it happen, how useful, one thing learned, one thing shared.

Planned by scheduling as a "checkin" nudge after each session, for both women; each answers her
own. Under a minute: every question takes a digit except the two free texts, which one word or
a 0 skips. "It did not happen" asks why (short choices) and offers to propose a new time at once
(not on a paused or ended pair: she is told that instead). For a session of a rhythm, the next
one is proposed only when both women completed a check-in saying it took place
(`flows.sessions.continue_rhythm`): never before "did it take place?".
A rating of 1 alerts the coordinators. After a check-in she may get one learning tip.

`on_pair_activated` is the entry point matching calls when a pair becomes active: it plans the
baseline survey, the cohort's mid and end surveys and the first relationship pulse.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from flows import choices, tips
from flows.config import FlowConfig
from flows.home import add_answered_by, resume
from flows.keywords import Keyword, without_courtesy
from flows.messages import Msg, Option, _, keyword
from flows.proactive import ask
from flows.problems import ALERT_CHECKIN, pair_context, raise_alert
from flows.registry import register
from flows.steps import LONGEST_OWN_WORDS, Answer, AskText, Choose, Context, Outcome, go
from flows.text import normalise
from flows.triggers import Firing, handles
from flows.vocabulary import LATER_WORDS, NOW_WORDS
from storage import checkins
from storage.checkins import CheckIn, Happened
from storage.meetings import Meeting, MeetingStatus
from storage.models import Participant
from storage.pairs import Pair, PairStatus

HAPPENED = _(
    "Quick check-in about your session with {name}, less than a minute. Did it take place?"
)
HAPPENED_NO_NAME = _(
    "Quick check-in about your last session, less than a minute. Did it take place?"
)
YES_HAPPENED = _("Yes, it took place")
NO_HAPPENED = _("No, it did not")
MOVED = _("It was moved")

USEFUL = _("How useful was it for you?")
USEFULNESS: dict[str, Msg] = {
    "1": _("Not useful"),
    "2": _("A little useful"),
    "3": _("Fairly useful"),
    "4": _("Very useful"),
    "5": _("Extremely useful"),
}
USEFUL_OPTIONS = tuple(Option(key, label) for key, label in USEFULNESS.items())
LEARNED = _("One thing you learned from {name}? A few words. To skip, send 0.")
LEARNED_NO_NAME = _("One thing you learned in this session? A few words. To skip, send 0.")
SHARED = _("And one thing you shared with her? A few words. To skip, send 0.")
THANKS = _("Thank you! Your answers help the programme. Good luck until your next session.")

WHY_NOT = _("I'm sorry to hear that. What happened?")
REASONS: dict[str, Msg] = {
    "peer_absent": _("My partner could not come"),
    "me_absent": _("I could not come"),
    "no_time": _("We could not agree on a time"),
    "tech": _("Connection or phone problem"),
    "other": _("Another reason"),
}
MOVED_NOTED = _("Thank you for letting me know.")
RESCHEDULE = _("Would you like to propose a new time to {name} now?")
RESCHEDULE_NO_NAME = _("Would you like to propose a new time to your partner now?")
RESCHEDULE_YES = _("Yes, now")
RESCHEDULE_NO = _("Not now")
# Until the session-planning flow can be opened from here, she is pointed to it in the menu.
HOW_TO_RESCHEDULE = _(
    'To propose a new time, write {menu} and choose "Plan a session". '
    "Your partner will be asked to confirm."
)
NOTED = _("All right. Thank you for telling me.")
PAIR_ENDED = _("Your pair with {name} has ended, so there is no new session to plan.")
PAIR_ENDED_NO_NAME = _("Your pair has ended, so there is no new session to plan.")


def _plan_again(ctx: Context, pair_id: int, meeting_id: int | None = None) -> Outcome | None:
    """Session planning (flows/sessions.py, issue 6) for this pair, at the step that fits.

    A new time for a session of a rhythm keeps the rhythm: the sessions after it follow it.
    """
    if importlib.util.find_spec("flows.sessions") is None:
        return None
    route = getattr(importlib.import_module("flows.sessions"), "route", None)
    if route is None:
        return None
    ctx.data.pop("return_to", None)
    outcome = route(ctx, pair_id)
    meeting = ctx.session.get(Meeting, meeting_id) if meeting_id else None
    if outcome.goto == ("sessions", "start") and meeting is not None and meeting.rhythm:
        ctx.data["sess"]["rhythm"] = meeting.rhythm
    return outcome


def _checkin(ctx: Context) -> CheckIn | None:
    checkin_id = ctx.data.get("checkin_id")
    return ctx.session.get(CheckIn, checkin_id) if checkin_id else None


def _named(ctx: Context, with_name: Msg, without: Msg) -> Msg:
    name = ctx.data.get("peer_name")
    return _(with_name.msgid, name=name) if name else without


def _save(ctx: Context, **values: object) -> CheckIn | None:
    checkin = _checkin(ctx)
    if checkin is not None:
        for field, value in values.items():
            setattr(checkin, field, value)
        ctx.session.add(checkin)
    return checkin


# Steps ---------------------------------------------------------------------------------------


def _no_planning(ctx: Context) -> Msg | None:
    """Why no new time can be proposed now (her pair is paused or over), or None when it can."""
    checkin = _checkin(ctx)
    pair = ctx.session.get(Pair, checkin.pair_id) if checkin and checkin.pair_id else None
    if pair is None or pair.status == PairStatus.ACTIVE:
        return None
    if pair.status == PairStatus.PAUSED:
        # Paused since the session: no time can be proposed until it restarts; say how.
        from flows.pair_requests import paused_note  # it imports introductions, which import us

        return paused_note(ctx, pair)
    return _named(ctx, PAIR_ENDED, PAIR_ENDED_NO_NAME)


def _offer_new_time(ctx: Context, *say: Msg) -> Outcome:
    """ "Propose a new time now?", unless her pair cannot plan one: then why, and she is done."""
    why = _no_planning(ctx)
    if why is None:
        return go("checkin", "reschedule", *say)
    _save(ctx, completed_at=ctx.now)
    return resume(ctx, *say, why)


def _on_happened(ctx: Context, key: str) -> Outcome:
    _save(ctx, happened=key)
    if key == Happened.YES:
        return go("checkin", "useful")
    if key == Happened.NO:
        return go("checkin", "why_not")
    return _offer_new_time(ctx, MOVED_NOTED)


def _on_useful(ctx: Context, key: str) -> Outcome:
    rating = int(key)
    checkin = _save(ctx, usefulness=rating)
    if rating == 1:
        context = pair_context(
            ctx.session, ctx.participant.id or 0, checkin.pair_id if checkin else None
        )
        raise_alert(
            ctx.session,
            ctx.participant,
            source="checkin",
            message=ALERT_CHECKIN,
            params={},
            context=context,
            now=ctx.now,
            config=ctx.config,
            rating=1,
        )
    return go("checkin", "learned")


def _on_learned(ctx: Context, text: str) -> Outcome:
    _save(ctx, learned=None if choices.is_skip(text) else text)
    return go("checkin", "shared")


def _on_shared(ctx: Context, text: str) -> Outcome:
    checkin = _save(ctx, shared=None if choices.is_skip(text) else text, completed_at=ctx.now)
    following = _continue_rhythm(ctx, checkin)
    if following is not None:
        return following
    return tips.after_checkin(ctx, checkin.id if checkin else None, THANKS)


def _continue_rhythm(ctx: Context, checkin: CheckIn | None) -> Outcome | None:
    """Both said the session took place: a rhythm's next session is proposed now. When she is
    the one it is proposed to, she sees it here, right after the thanks."""
    if checkin is None or checkin.meeting_id is None:
        return None
    if importlib.util.find_spec("flows.sessions") is None:
        return None
    sessions = importlib.import_module("flows.sessions")
    ctx.session.flush()
    following = sessions.continue_rhythm(
        ctx.session,
        checkin.meeting_id,
        now=ctx.now,
        config=ctx.config,
        answering=ctx.participant.id,
    )
    if following is None or following.proposer_id == ctx.participant.id:
        return None
    return sessions.offer_here(ctx, following, THANKS)


def _on_why_not(ctx: Context, key: str) -> Outcome:
    _save(ctx, why_not=key)
    return _offer_new_time(ctx)


LATER = "later"


def _on_reschedule(ctx: Context, key: str) -> Outcome:
    wants = key == "yes"
    _save(ctx, wants_reschedule=wants, completed_at=ctx.now)
    if key == LATER and _no_planning(ctx) is None:
        # "Más tarde": not now, and how to propose one when she is ready.
        return resume(ctx, NOTED, _(HOW_TO_RESCHEDULE.msgid, menu=keyword(Keyword.MENU)))
    if not wants:
        return resume(ctx, NOTED)
    why = _no_planning(ctx)  # paused or ended since she was asked
    if why is not None:
        return resume(ctx, why)
    checkin = _checkin(ctx)
    planned = (
        _plan_again(ctx, checkin.pair_id, checkin.meeting_id)
        if checkin and checkin.pair_id
        else None
    )
    if planned is not None:
        return planned
    return resume(ctx, _(HOW_TO_RESCHEDULE.msgid, menu=keyword(Keyword.MENU)))


@dataclass
class Reschedule(Choose):
    """ "Propose a new time now?": yes, not now, or the time itself ("el lunes a las 3"), which
    is her yes and goes on to the time's read-back, as if typed at "when would you like to
    meet?" (not "I did not understand, choose an option")."""

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if answer.option_key is None and _says_in(answer.text, LATER_WORDS):
            return _on_reschedule(ctx, LATER)
        if answer.option_key is None and _says_in(answer.text, NOW_WORDS):
            return _on_reschedule(ctx, "yes")
        outcome = super().answer(ctx, answer)
        if outcome.goto is not None or answer.option_key is not None:
            return outcome
        sessions = importlib.import_module("flows.sessions")
        if not sessions.typed_times(ctx, answer.text):
            return outcome
        planned = _on_reschedule(ctx, "yes")
        if planned.goto != ("sessions", "start"):
            return planned  # paused, ended, or a proposal already open: where that leads
        return sessions.answer_times(ctx, planned, answer.text)


def _says_in(text: str, said: frozenset[str]) -> bool:
    """Her answer is one of these words, with courtesy around it or not ("más tarde gracias",
    "ahorita por favor")."""
    words = without_courtesy(normalise(text).split(), greetings=False)
    return " ".join(words) in said


class Rated(Choose):
    """ "How useful was it?": a number, an option's words, or how much in a word ("mucho",
    "beaucoup", "a lot")."""

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        amount = choices.amount_named(answer.text) if answer.option_key is None else None
        if amount is not None and choices.choose_one(answer.text, USEFUL_OPTIONS) is None:
            return self.on_answer(ctx, amount)
        return super().answer(ctx, answer)


def _options(labels: dict[str, Msg]) -> tuple[Option, ...]:
    return tuple(Option(key, label) for key, label in labels.items())


register(
    "checkin",
    {
        "happened": Choose(
            lambda ctx: _named(ctx, HAPPENED, HAPPENED_NO_NAME),
            (
                Option(Happened.YES, YES_HAPPENED),
                Option(Happened.NO, NO_HAPPENED),
                Option(Happened.MOVED, MOVED),
            ),
            _on_happened,
            # "No, la movimos", "non, reportée", "nope, moved": the no says it did not take
            # place as planned, the rest why: moved, not two answers to choose between.
            together={frozenset({Happened.NO, Happened.MOVED}): Happened.MOVED},
        ),
        "useful": Rated(USEFUL, USEFUL_OPTIONS, _on_useful),
        # Her own words, kept whole however long she writes (past the longest, their beginning).
        "learned": AskText(
            lambda ctx: _named(ctx, LEARNED, LEARNED_NO_NAME),
            _on_learned,
            longest=LONGEST_OWN_WORDS,
            keep=True,
        ),
        "shared": AskText(SHARED, _on_shared, longest=LONGEST_OWN_WORDS, keep=True),
        "why_not": Choose(WHY_NOT, _options(REASONS), _on_why_not),
        "reschedule": Reschedule(
            lambda ctx: _named(ctx, RESCHEDULE, RESCHEDULE_NO_NAME),
            (Option("yes", RESCHEDULE_YES), Option("no", RESCHEDULE_NO)),
            _on_reschedule,
        ),
    },
)


# Her peer's proposal (or the no-session ladder) opening the planning of a session answers
# "propose a new time now?": agreed, the session is not followed by that question again.
add_answered_by("checkin", "reschedule", "sessions")


# Firing the nudge ----------------------------------------------------------------------------

# A check-in about a pair that was dropped or never started makes no sense.
_DEAD = (PairStatus.ENDED, PairStatus.DECLINED, PairStatus.EXPIRED, PairStatus.WITHDRAWN)


def open_for(
    session: Session,
    participant: Participant,
    *,
    pair: Pair | None,
    meeting_id: int | None,
    nudge_id: int | None,
    now: datetime,
    config: FlowConfig,
) -> bool:
    """Create her check-in for this session and ask its first question (after quiet hours)."""
    checkin = checkins.open_checkin(
        session,
        participant_id=participant.id or 0,
        pair_id=pair.id if pair else None,
        meeting_id=meeting_id,
        nudge_id=nudge_id,
        now=now,
    )
    if checkin is None:
        return False  # she already answered this one
    peer = session.get(Participant, pair.peer_of(participant.id or 0)) if pair else None
    queued = ask(
        session,
        participant,
        "checkin",
        "happened",
        now=now,
        config=config,
        purpose="checkin",
        data={"checkin_id": checkin.id, "peer_name": peer.name if peer else None},
    )
    return bool(queued)


@handles("checkin")
def fire_checkin(firing: Firing) -> bool:
    """A due check-in: to the woman it names, or to both members when it names only the pair."""
    session, nudge = firing.session, firing.nudge
    pair = session.get(Pair, nudge.pair_id) if nudge.pair_id else None
    if pair is not None and pair.status in _DEAD:
        return False
    meeting = session.get(Meeting, nudge.meeting_id) if nudge.meeting_id else None
    if meeting is not None and (
        meeting.status not in (MeetingStatus.CONFIRMED, MeetingStatus.HELD)
        or meeting.version != nudge.data.get("version", meeting.version)
    ):
        return False  # cancelled or moved: the moved session plans its own check-in
    members: Sequence[int]
    if nudge.participant_id is not None:
        members = [nudge.participant_id]
    elif pair is not None:
        members = pair.members()
    else:
        return False
    asked = False
    for member_id in members:
        participant = session.get(Participant, member_id)
        if participant is None:
            continue
        asked |= open_for(
            session,
            participant,
            pair=pair,
            meeting_id=nudge.meeting_id,
            nudge_id=nudge.id,
            now=firing.now,
            config=firing.config,
        )
    return asked


def on_pair_activated(session: Session, pair: Pair, now: datetime, config: FlowConfig) -> None:
    """Matching calls this when a pair becomes ACTIVE: plan the surveys and the first pulse."""
    from flows import pulse, survey

    survey.plan_for_pair(session, pair, now=now)
    pulse.plan_first(session, pair, now=now)
