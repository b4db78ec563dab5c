"""Planning sessions: propose times, answer, reschedule, cancel, and a rhythm for the next ones.

```mermaid
graph LR
  menu --> route
  route -->|nothing planned| start -->|typed| read_back --> mode --> place --> rhythm --> sent
  start -->|suggested slot| mode
  start -->|"3/5" in Canada| which_day --> mode
  read_back -->|no| start
  route -->|her peer proposed| pick -->|a time| confirmed
  pick -->|none of these| start
  pick -->|her own time typed| read_back
  route -->|she proposed| waiting -->|other times| start
  route -->|confirmed| manage -->|move| start
  manage -->|cancel| confirm_cancel
  pick -->|a move: cancel the session| confirm_cancel
```

Either woman proposes 1–3 times, picked from suggested slots (where both declared availability
overlaps, each block in her own zone) or typed ("jeudi 15h", "mañana 10:00", "Tue 9am"). Her
peer sees each option in HER local time and language, and picks one (by its number, or typed
out: "vendredi 9h") or proposes others (a counter-proposal: same meeting, new version), also by
simply typing them under the proposal, read back to her first. Every time is stored in UTC and
on the proposer's wall clock, so a rhythm keeps the agreed local hour across daylight-saving
changes. A typed time is read back to her in her words and zone and confirmed before going on;
a date a Canadian may mean two ways ("3/5": March 5 or 3 May) is asked about instead, each
reading in words, and her choice goes on.
The next session of a rhythm is proposed only after both check-ins say the last one took place
(`continue_rhythm`), or a day later when nobody answered.

A move is a request: until her peer accepts it, the session stands at its time. Its reminders
still come, saying the move waits for an answer, and its end closes a move left unanswered
(`_close_move`), before the check-in asks whether it took place.

A cancel wins over a move crossing it: a session being moved can still be cancelled (the woman
asked to answer the move may cancel the session instead), and a move, or an answer to one,
that reaches a session cancelled meanwhile tells her so instead, once (`_cancel_news`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from flows import choices, registry
from flows import pair_lifecycle as lifecycle
from flows import vocabulary as vocab
from flows.config import FlowConfig
from flows.home import YES, MenuItem, add_idle_reader, add_menu_item, add_zone_changed, resume
from flows.keywords import Keyword
from flows.messages import (
    Msg,
    Option,
    Reply,
    _,
    _n,
    day_of,
    in_sentence,
    keyword,
    listing,
    nested,
    when,
)
from flows.nudges import (
    MODES,
    PROPOSAL_LAPSED,
    RHYTHMS,
    RULES,
    SESSION_AFTER,
    ahead,
    details,
    first_name,
    lines,
    plan_ladder,
    plan_meeting,
    plan_proposal_wait,
    replan_reminders,
    standing_start,
)
from flows.proactive import (
    About,
    about_session,
    ask,
    drop_waiting,
    forget_question,
    never_reached,
    notify,
)
from flows.registry import register
from flows.steps import INVALID_ONE, Answer, Choose, Context, Outcome, WithBack, go, stay
from flows.text import clean_text, normalise
from flows.timeparse import Missing, missing_part, readings, to_wall, wall_to_utc
from flows.triggers import Firing, handles
from storage import nudges as nudge_store
from storage import outbox
from storage.checkins import CheckIn, Happened
from storage.meetings import (
    Meeting,
    MeetingStatus,
    Mode,
    Rhythm,
    count_agreed,
    latest_meeting,
    open_meeting,
)
from storage.models import Participant, Priority
from storage.pairs import Pair, PairStatus, pairs_of

PURPOSE = "session"
RHYTHM_NEXT = "rhythm_next"
RHYTHM_WAIT = timedelta(hours=24)  # from a session's start, when nobody answered the check-in
MOST_TIMES = 3
SLOT_DAYS = 14
SLOT_NOTICE = timedelta(hours=12)  # a suggested slot leaves time to get ready
LATEST_AHEAD = timedelta(days=180)

PLAN = _("Plan a session")
# "Shall we find a time?" (the nudge after 7 days) answered as it was asked, by yes or no.
NOT_NOW = _("Not now")
WHEN_READY = _('All right. When you are ready, write {menu} and choose "{plan}".')
NO_PEER = _("You do not have a peer yet. I will write to you as soon as you have one.")
WHICH_PEER = _("With whom would you like to plan a session?")
ASK_NEW = _("When would you like to meet {name}?")
ASK_COUNTER = _("Which times would suit you better?")
ASK_MOVE = _("When would you like to move your session with {name}?")
WITH_SLOTS = _(
    "{question} Choose up to 3 of these times when you are both usually free, or write your own "
    "(e.g. {example}). Times are in your local time."
)
NO_SLOTS = _("{question} Write 1 to 3 times in your local time, e.g. {example}.")
EXAMPLE = _("Thursday 3pm, tomorrow 10:00 or 15/03 14:30")
NOT_UNDERSTOOD = _(
    "Sorry, I did not understand that time. Please write a day and an hour, e.g. {example}."
)
ASK_PART_OF_DAY = _(
    "In the morning or in the afternoon? Please write the time again, e.g. Thursday 3pm or "
    "Thursday 9am."
)
ASK_HOUR = _("At what time? Please add the hour, e.g. Thursday 3pm.")
ASK_DAY = _("Which day exactly? Please write the date, e.g. March 12 3pm.")
OWN_ZONE = _("Please write the time where you are: I convert it for {name}.")
TOO_MANY = _("Please propose 3 times at most.")
READ_BACK = _("I understood: {when}\nIs that right?")
READ_BACK_MANY = _("I understood:\n{times}\nIs that right?")
READ_BACK_YES = _("Yes, that's right")
READ_BACK_NO = _("No, I will write it again")
WHICH_DAY = _("Do you mean {first} or {second}?")
WRITE_AGAIN = _("No problem, let's try again.")
PASSED = _("{when} has already passed. Please choose a time in the future.")
TOO_FAR = _("{when} is too far ahead. Please choose a time in the next six months.")
ASK_MODE = _("How would you like to meet?")
ASK_LINK = _("Please send the link of the video call (Zoom, Meet, WhatsApp…), or choose Later.")
ASK_PLACE = _("Where will you meet? Send the place, or choose Later.")
LATER = _("Later")
ASK_RHYTHM = _(
    "Would you like to meet regularly? After each session I will propose the next one at the "
    "same time."
)
ONCE = _("Just this once")
SENT = _("Sent! I will let you know as soon as {name} answers.")
PICK_NEW = _("{name} proposes a session. Which time suits you? (your local time)")
PICK_COUNTER = _("{name} proposes other times. Which one suits you? (your local time)")
PICK_MOVE = _(
    "{name} would like to move your session of {old}. Which new time suits you? (your local time)"
)
RHYTHM_LINE = _("Rhythm: {rhythm}")
OTHER_TIMES = _("None of these: propose other times")
PROPOSE_OTHER = _("Propose other times")
CHANGED = _("This proposal has changed meanwhile. Here it is again.")
CLOSED = _("This proposal is no longer open.")
KEPT_AS_NEW = _("That proposal is no longer open, so your times will go as a new proposal.")
# Her yes under several times: it cannot say which.
WHICH_TIME = _("Which of the times? Please send its number.")
CONFIRMED = _("Confirmed! Your session with {name}: {when} (your time).")
ACCEPTED = _("{name} accepted! Your session: {when} (your time).")
MANAGE = _("Your next session with {name}: {when} (your time).")
MOVE = _("Move it to another time")
CANCEL = _("Cancel it")
KEEP = _("Keep it as it is")
ASK_CANCEL = _("Cancel your session of {when} with {name}?")
YES_CANCEL = _("Yes, cancel it")
NO_KEEP = _("No, keep it")
CANCELLED = _("Done, the session is cancelled. I told {name}.")
PEER_CANCELLED = _("{name} cancelled your session ({when}). You can plan a new one from the menu.")
SESSION_OFF = _("Your session of {when} is cancelled.")
CANCEL_SESSION = _("Cancel the session")
WAITING = _("You proposed times to {name}; she has not answered yet.")
WITHDRAW = _("Withdraw my proposal")
KEEP_WAITING = _("Keep waiting")
WITHDRAWN = _("Done, your proposal is withdrawn. I told {name}.")
WITHDRAWN_UNSEEN = _(
    "Done, your proposal is withdrawn. {name} had not read it yet, so she will receive nothing "
    "about it."
)
PEER_WITHDREW = _("{name} withdrew her proposal for a session.")
MOVE_WITHDRAWN = _("Done: your session stays as planned ({when}). I told {name}.")
MOVE_WITHDRAWN_UNSEEN = _(
    "Done: your session stays as planned ({when}). {name} had not read your request to move it "
    "yet, so she will receive nothing about it."
)
PEER_MOVE_WITHDRAWN = _("{name} keeps your session as planned ({when}).")
LAPSED_MINE = _(
    "{name} did not answer in time, and the times you proposed have passed. To propose new "
    'ones, write {menu} and choose "{plan}".'
)
LAPSED_THEIRS = _(
    "The times {name} proposed for a session have passed. To propose new ones, write {menu} "
    'and choose "{plan}".'
)
LAPSED_MOVE = _(
    "The new times proposed for your session with {name} have passed without an answer, so it "
    "stays as planned: {when} (your time)."
)
# Her peer did not answer her move before the session's time: it stood, so there is nothing
# left to move (the check-in that follows asks whether it took place).
MOVE_CLOSED_MINE = _(
    "The time of your session with {name} ({when}) has passed before she answered, so your "
    "request to move it is closed."
)
MOVE_CLOSED_THEIRS = _(
    "The time of your session with {name} ({when}) has passed, so her request to move it is closed."
)
NEXT_INTRO = _("As agreed ({rhythm}), here is your next session.")
NEXT_PROPOSED = _("As agreed ({rhythm}), I proposed your next session to {name} ({when}).")

_NUMBERS_ONLY = re.compile(r"[\d ]+|(?:\d+ )*\d+ (?:y|et|and) \d+")
RHYTHM_OPTIONS = (*(Option(key, label) for key, label in RHYTHMS.items()), Option("once", ONCE))


# Reading what the pair has ------------------------------------------------------------------


class _Copied(dict):
    """The flow's data, copied once per message (see `_state`)."""


def _state(ctx: Context) -> dict[str, Any]:
    # Copied once per message: the conversation's JSON column only notices a new value, not a
    # change made inside the dict it loaded.
    state = ctx.data.get("sess")
    if not isinstance(state, _Copied):
        state = _Copied(state or {})
        ctx.data["sess"] = state
    return state


def _pair(ctx: Context) -> Pair | None:
    pair = ctx.session.get(Pair, _state(ctx).get("pair") or 0)
    me = ctx.participant.id
    if pair is None or pair.status != PairStatus.ACTIVE or me not in pair.members():
        return None
    return pair


def _peer(session: Session, pair: Pair, me: int) -> Participant | None:
    return session.get(Participant, pair.peer_of(me))


def _peer_name(ctx: Context) -> str:
    pair = _pair(ctx)
    return first_name(_peer(ctx.session, pair, ctx.participant.id or 0)) if pair else ""


def _meeting(ctx: Context) -> Meeting | None:
    ident = _state(ctx).get("meeting")
    return ctx.session.get(Meeting, ident) if ident else None


def active_pairs(session: Session, participant_id: int) -> list[Pair]:
    return pairs_of(session, participant_id, (PairStatus.ACTIVE,))


def planned_start(meeting: Meeting) -> datetime | None:
    """When the session agreed on starts, also while a move of it is proposed."""
    return meeting.start_at or meeting.previous_start_at


def _being_moved(meeting: Meeting) -> bool:
    """An agreed session whose move to other times waits for an answer."""
    return meeting.status == MeetingStatus.PROPOSED and meeting.previous_start_at is not None


def _cancelled_session(meeting: Meeting) -> bool:
    """A session that was agreed on (not a bare proposal), cancelled since."""
    return meeting.status == MeetingStatus.CANCELLED and planned_start(meeting) is not None


def _unread(ctx: Context, meeting: Meeting) -> bool:
    """Whether a note to her about this session still waits for her morning."""
    subject = about_session(meeting.pair_id, meeting.id).subject
    me = ctx.participant.id or 0
    return outbox.waiting_about(ctx.session, participant_id=me, subject=subject, now=ctx.now)


def _cancel_news(ctx: Context, meeting: Meeting) -> Msg:
    """What she is told when she acts on a session cancelled meanwhile (moving it, cancelling it,
    answering a move of it): who cancelled it, when the note saying so still waits for her
    morning (it is dropped: she reads it now, once); else that it is cancelled."""
    start = planned_start(meeting) or ctx.now
    me = ctx.participant.id or 0
    unread = _unread(ctx, meeting)
    if unread:  # she reads it now: the note is dropped as told (a pause won't say it again)
        about = about_session(meeting.pair_id, meeting.id)
        drop_waiting(ctx.session, ctx.participant, about, now=ctx.now, said_live=True)
    pair = ctx.session.get(Pair, meeting.pair_id)
    by_peer = pair is not None and me in pair.members() and meeting.cancelled_by == pair.peer_of(me)
    if unread and by_peer:
        peer = _peer(ctx.session, pair, me)
        return Msg(PEER_CANCELLED.msgid, {"name": first_name(peer), "when": when(start)})
    return Msg(SESSION_OFF.msgid, {"when": when(start)})


def _cancelled_meanwhile(ctx: Context, meeting: Meeting) -> Outcome:
    """The session she is acting on was cancelled meanwhile: she is told, and nothing is sent
    about it (a move of a session that no longer exists)."""
    ctx.data.pop("sess", None)
    return resume(ctx, _cancel_news(ctx, meeting))


def _unread_cancel(ctx: Context, pair_id: int) -> tuple[Msg, ...]:
    """Their last session was cancelled and the note saying so waits for her morning: she opens
    the planning now, so she reads it now (once), before being asked for new times."""
    last = latest_meeting(ctx.session, pair_id)
    if last is None or not _cancelled_session(last) or not _unread(ctx, last):
        return ()
    return (_cancel_news(ctx, last),)


# Entry: from the menu, or from a nudge -------------------------------------------------------


def open_sessions(ctx: Context) -> Outcome:
    """ "Plan a session" in the menu: straight to what the pair needs now."""
    ctx.data.pop("return_to", None)
    pairs = active_pairs(ctx.session, ctx.participant.id or 0)
    if not pairs:
        return resume(ctx, NO_PEER)
    if len(pairs) > 1:
        ctx.data["sess"] = {}
        return go("sessions", "which")
    return route(ctx, pairs[0].id or 0)


def route(ctx: Context, pair_id: int, *say: Reply | Msg) -> Outcome:
    """The step that fits the pair's situation: answer, wait, manage, or propose."""
    ctx.data["sess"] = {"pair": pair_id}
    meeting = open_meeting(ctx.session, pair_id)
    if meeting is None:
        say = (*_unread_cancel(ctx, pair_id), *say)
    me = ctx.participant.id
    if meeting is not None and meeting.status == MeetingStatus.PROPOSED:
        _state(ctx).update(meeting=meeting.id, version=meeting.version)
        return go("sessions", "waiting" if meeting.proposer_id == me else "pick", *say)
    if meeting is not None and meeting.start_at is not None and meeting.start_at > ctx.now:
        _state(ctx).update(meeting=meeting.id, version=meeting.version)
        return go("sessions", "manage", *say)
    _state(ctx)["kind"] = "new"
    return go("sessions", "start", *say)


def answer_times(ctx: Context, opened: Outcome, text: str) -> Outcome:
    """The times question just opened (`opened`, by `route`), answered at once with the time she
    already wrote: read back to her, or, when it has passed or is too far, said so and asked."""
    typed = registry.step("sessions", "start").answer(ctx, Answer(text=text))
    if typed.goto is None:
        return go("sessions", "start", *opened.say, *typed.say)
    return Outcome([*opened.say, *typed.say], typed.goto, typed.ask)


def _time_at_rest(ctx: Context, text: str) -> Outcome | None:
    """A time written with nothing asked ("jueves 15h", told her times had passed) proposes it,
    when she has one pair and nothing planned or proposed: else the menu says what she can do."""
    if ctx.participant.onboarded_at is None or not typed_times(ctx, text):
        return None  # read first: most words at rest are no time, and cost no query
    pairs = active_pairs(ctx.session, ctx.participant.id or 0)
    if len(pairs) != 1 or open_meeting(ctx.session, pairs[0].id or 0) is not None:
        return None
    return answer_times(ctx, route(ctx, pairs[0].id or 0), text)


add_idle_reader(_time_at_rest)


def _has_pair(ctx: Context) -> bool:
    return (
        ctx.participant.onboarded_at is not None
        and "return_to" not in ctx.data
        and any(pair.status == PairStatus.ACTIVE for pair in lifecycle.her_live_pairs(ctx))
    )


add_menu_item(MenuItem("sessions", PLAN, _has_pair, open_sessions), before="profile")


def _which_options(ctx: Context) -> Sequence[Option]:
    me = ctx.participant.id or 0
    return tuple(
        Option(f"p{pair.id}", Msg("{name}", {"name": first_name(_peer(ctx.session, pair, me))}))
        for pair in active_pairs(ctx.session, me)
    )


def _on_which(ctx: Context, key: str) -> Outcome:
    return route(ctx, int(key[1:]))


# Proposing times -----------------------------------------------------------------------------


def _fits(participant: Participant, start: datetime, length: timedelta) -> bool:
    """True when [start, start + length) lies inside one of her availability blocks."""
    local = to_wall(start, participant.timezone)
    end = local + length
    if end.date() != local.date():
        return False
    begin_minutes = local.hour * 60 + local.minute
    end_minutes = end.hour * 60 + end.minute
    for key in participant.availability or []:
        block = vocab.AVAILABILITY.get(key)
        if (
            block is not None
            and local.weekday() in block.days
            and block.start * 60 <= begin_minutes
            and end_minutes <= block.end * 60
        ):
            return True
    return False


def suggested_slots(
    me: Participant, peer: Participant, now: datetime, *, most: int = MOST_TIMES
) -> list[datetime]:
    """Up to `most` one-hour slots in the next two weeks when both are usually free, one a day."""
    length = timedelta(hours=1)
    found: list[datetime] = []
    today = to_wall(now, me.timezone).date()
    blocks = sorted(
        (vocab.AVAILABILITY[key] for key in me.availability or [] if key in vocab.AVAILABILITY),
        key=lambda block: block.start,
    )
    for offset in range(1, SLOT_DAYS + 1):
        day = today + timedelta(days=offset)
        chosen = None
        for block in blocks:
            if day.weekday() not in block.days:
                continue
            for hour in range(block.start, block.end):
                start = wall_to_utc(datetime.combine(day, time(hour)), me.timezone)
                if (
                    start >= now + SLOT_NOTICE
                    and _fits(me, start, length)
                    and _fits(peer, start, length)
                ):
                    chosen = start
                    break
            if chosen:
                break
        if chosen:
            found.append(chosen)
            if len(found) == most:
                break
    return found


def _example() -> dict[str, Any]:
    return nested(EXAMPLE)


def _slot_options(ctx: Context) -> tuple[Option, ...]:
    return tuple(
        Option(f"s{index}", Msg("{when}", {"when": when(datetime.fromisoformat(iso))}))
        for index, iso in enumerate(_state(ctx).get("slots", []))
    )


class ProposeTimes:
    """Her times: suggested slots by number, or typed in her own words."""

    def offered(self, ctx: Context) -> Sequence[Option]:
        return _slot_options(ctx)

    def ask(self, ctx: Context) -> list[Reply]:
        state = _state(ctx)
        pair = _pair(ctx)
        peer = _peer(ctx.session, pair, ctx.participant.id or 0) if pair else None
        slots = suggested_slots(ctx.participant, peer, ctx.now) if peer else []
        state["slots"] = [slot.isoformat() for slot in slots]
        kind = state.get("kind", "new")
        question = {"new": ASK_NEW, "counter": ASK_COUNTER, "move": ASK_MOVE}[kind]
        asked = Msg(question.msgid, {"name": first_name(peer)})
        template = WITH_SLOTS if slots else NO_SLOTS
        prompt = Msg(template.msgid, {"question": nested(asked), "example": _example()})
        return [Reply(prompt, _slot_options(ctx), multi=True)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if _pair(ctx) is None:
            return resume(ctx, NO_PEER)
        options = _slot_options(ctx)
        slots = _state(ctx).get("slots", [])
        keys: list[str] | None = None
        typed: list[list[datetime]] = []
        if answer.option_key is not None:
            keys = [answer.option_key] if answer.option_key in {o.key for o in options} else None
        elif options and _NUMBERS_ONLY.fullmatch(normalise(answer.text)):
            keys = choices.choose_many(answer.text, options)  # "1 3": suggested slots
        else:
            typed = typed_times(ctx, answer.text)
            # A slot named in words ("el martes"); never a time that failed to parse, whose
            # numbers would be read as slot numbers: "martes 3" is not Tuesday's and the third.
            if not typed and options and not choices.names_a_number(answer.text):
                keys = choices.choose_many(answer.text, options)
        if keys:
            return _take_times(ctx, [datetime.fromisoformat(slots[int(key[1:])]) for key in keys])
        if not typed:
            return _yes_or_not_now(ctx, answer.text) or stay(_not_understood(ctx, answer.text))
        if len(typed) > 1:
            return _ask_which_day(ctx, typed)
        return _take_times(ctx, typed[0], typed=True)


def _yes_or_not_now(ctx: Context, text: str) -> Outcome | None:
    """ "Yes" or "not now" where her times are asked ("Shall we find a time?" came first): a yes
    brings the question again, without "I did not understand that time"; a no leaves it, as
    "back" does, telling her how to come back when she is the one who opened it."""
    said = choices.choose_one(text, (Option("yes", YES), Option("no", NOT_NOW)))
    if said == "yes":
        return stay(ask=True)
    if said != "no":
        return None
    if _state(ctx).get("kind", "new") != "new":
        return _back_from_times(ctx)
    ctx.data.pop("sess", None)
    plan = {"$msg": PLAN.to_json()}
    return go("home", "idle", _(WHEN_READY.msgid, menu=keyword(Keyword.MENU), plan=plan))


def typed_times(ctx: Context, text: str) -> list[list[datetime]]:
    """The times she typed, each way they can be read: two when her "3/5" (in Canada) may be
    March 5 or 3 May and both are times she can propose (ahead, within six months); else one,
    or none when they are not understood. The one rule for every time typed while planning."""
    found = readings(
        text, timezone=ctx.participant.timezone, now=ctx.now, country=ctx.participant.country
    )
    if not found or len(found[0]) > MOST_TIMES:
        return found[:1]  # too many times: she is told so, whichever the day
    possible = [times for times in found if all(_proposable(ctx, t) for t in times)]
    # When neither reading can be proposed, the day-first one tells her why, as anyone.
    return sorted(possible) or found[:1]


def _proposable(ctx: Context, instant: datetime) -> bool:
    return ctx.now < instant <= ctx.now + LATEST_AHEAD


def _take_times(
    ctx: Context, times: list[datetime], *, typed: bool = False, chosen: bool = False
) -> Outcome:
    """Her times, once checked: typed ones are read back to her, unless she has just chosen
    them among two readings (`chosen`), which said them in words already."""
    if len(times) > MOST_TIMES:
        return stay(TOO_MANY)
    for instant in times:
        if instant <= ctx.now:
            return stay(Msg(PASSED.msgid, {"when": when(instant)}))
        if instant > ctx.now + LATEST_AHEAD:
            return stay(Msg(TOO_FAR.msgid, {"when": when(instant)}))
    _state(ctx)["times"] = [instant.isoformat() for instant in sorted(times)]
    _state(ctx)["typed"] = typed  # "back" from how they meet returns to the read-back
    if typed and not chosen:  # typed in her words: read them back before going on
        return go("sessions", "read_back")
    return _after_times(ctx)


# "3/5" typed in Canada: March 5 or 3 May? -----------------------------------------------------


def _ask_which_day(ctx: Context, typed: list[list[datetime]], *, at_pick: bool = False) -> Outcome:
    """Her two readings of a date, to choose from; `at_pick` when she typed it under her peer's
    proposal, where a reading that is one of her peer's times picks it."""
    _state(ctx)["readings"] = [[instant.isoformat() for instant in times] for times in typed]
    _state(ctx)["at_pick"] = at_pick
    return go("sessions", "which_day")


def _readings(ctx: Context) -> list[list[datetime]]:
    return [
        [datetime.fromisoformat(iso) for iso in times] for times in _state(ctx).get("readings", [])
    ]


def _days(times: list[datetime], timezone: str | None) -> dict[str, Any]:
    """The days of her times, each once, in words ("jeudi 5 mars et lundi 6 avril")."""
    first_of_day = {to_wall(instant, timezone).date(): instant for instant in reversed(times)}
    return listing([day_of(instant) for _day, instant in sorted(first_of_day.items())])


def _which_day_prompt(ctx: Context) -> Msg:
    """ "Do you mean Thursday, March 5 or Sunday, May 3?" in her language."""
    both = [*_readings(ctx), [], []][:2]  # never short, even asked out of turn
    first, second = (_days(times, ctx.participant.timezone) for times in both)
    return Msg(WHICH_DAY.msgid, {"first": first, "second": second})


def _which_day_options(ctx: Context) -> tuple[Option, ...]:
    return tuple(
        Option(f"r{index}", Msg("{times}", {"times": listing([when(t) for t in times])}))
        for index, times in enumerate(_readings(ctx))
    )


class WhichDay:
    """Her "3/5", read both ways: a tap, a digit, or the date typed again unmistakably."""

    def _choose(self) -> Choose:
        return Choose(_which_day_prompt, _which_day_options, _on_which_day)

    def offered(self, ctx: Context) -> Sequence[Option]:
        return _which_day_options(ctx)

    def ask(self, ctx: Context) -> list[Reply]:
        return self._choose().ask(ctx)

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        return _retyped(ctx, answer, self.offered(ctx)) or self._choose().answer(ctx, answer)


def _retyped(ctx: Context, answer: Answer, options: Sequence[Option]) -> Outcome | None:
    """She wrote a time again instead of answering the question: that one is read instead."""
    if answer.option_key is not None or choices.choose_one(answer.text, options) is not None:
        return None
    typed = typed_times(ctx, answer.text)
    if not typed:
        return None
    meeting = _meeting(ctx)
    if _state(ctx).pop("at_pick", False) and meeting is not None:
        return _typed_at_pick(ctx, meeting, typed)
    return ProposeTimes().answer(ctx, answer)


def _on_which_day(ctx: Context, key: str) -> Outcome:
    if _pair(ctx) is None:
        return resume(ctx, NO_PEER)
    times = _readings(ctx)[int(key[1:])]
    state = _state(ctx)
    state.pop("readings", None)
    meeting = _meeting(ctx)
    if state.pop("at_pick", False) and meeting is not None:
        return _typed_at_pick(ctx, meeting, [times], chosen=True)
    return _take_times(ctx, times, typed=True, chosen=True)


def _back_from_which_day(ctx: Context) -> Outcome:
    """Before "March 5 or 3 May?": her peer's proposal she typed it under, or her times."""
    pair = _pair(ctx)
    if _state(ctx).pop("at_pick", False) and pair is not None:
        return route(ctx, pair.id or 0)
    return _back_to_times(ctx)


def _not_understood(ctx: Context, text: str) -> Msg:
    """A refused time: what it lacks, when her words tell it, else "a day and an hour"."""
    missing = missing_part(text)
    if missing == Missing.OTHER_ZONE:
        return Msg(OWN_ZONE.msgid, {"name": _peer_name(ctx)})
    if missing is not None:
        return {Missing.PART_OF_DAY: ASK_PART_OF_DAY, Missing.HOUR: ASK_HOUR, Missing.DAY: ASK_DAY}[
            missing
        ]
    return Msg(NOT_UNDERSTOOD.msgid, {"example": _example()})


def _after_times(ctx: Context) -> Outcome:
    if _state(ctx).get("kind", "new") == "new":
        return go("sessions", "mode")
    return send_proposal(ctx)


def _read_back_prompt(ctx: Context) -> Msg:
    """ "I understood: jueves 3 de diciembre, 10:00. Is that right?" in her language and zone."""
    times = [datetime.fromisoformat(iso) for iso in _state(ctx).get("times", [])]
    if len(times) == 1:
        return Msg(READ_BACK.msgid, {"when": when(times[0])})
    shown = lines(*(Msg("• {when}", {"when": when(instant)}) for instant in times))
    return Msg(READ_BACK_MANY.msgid, {"times": nested(shown)})


class ReadBack:
    """ "I understood: jueves 12 de marzo, 17:00 — is that right?" Yes, no, or a corrected time."""

    options = (Option("yes", READ_BACK_YES), Option("no", READ_BACK_NO))

    def _choose(self) -> Choose:
        return Choose(_read_back_prompt, self.options, _on_read_back)

    def offered(self, ctx: Context) -> Sequence[Option]:
        return self.options

    def ask(self, ctx: Context) -> list[Reply]:
        return self._choose().ask(ctx)

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        return _retyped(ctx, answer, self.options) or self._choose().answer(ctx, answer)


def _on_read_back(ctx: Context, key: str) -> Outcome:
    if _pair(ctx) is None:
        return resume(ctx, NO_PEER)
    if key == "yes":
        return _after_times(ctx)
    _state(ctx).pop("times", None)
    return go("sessions", "start", WRITE_AGAIN)


def _on_mode(ctx: Context, key: str) -> Outcome:
    _state(ctx)["mode"] = key
    _state(ctx).pop("place", None)
    if key in (Mode.VIDEO, Mode.IN_PERSON):
        return go("sessions", "place")
    return _after_place(ctx)


class AskPlace:
    """A link or a place in her own words, or "Later"."""

    longest = 200

    def offered(self, ctx: Context) -> Sequence[Option]:
        return (Option("later", LATER),)

    def ask(self, ctx: Context) -> list[Reply]:
        prompt = ASK_LINK if _state(ctx).get("mode") == Mode.VIDEO else ASK_PLACE
        return [Reply(prompt, tuple(self.offered(ctx)))]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        options = self.offered(ctx)
        if answer.option_key == "later" or (
            answer.option_key is None and choices.choose_one(answer.text, options) == "later"
        ):
            _state(ctx).pop("place", None)  # back here after a link: "Later" takes it back
            return _after_place(ctx)
        text = clean_text(answer.text)
        if not text:
            return stay(ask=True)
        if choices.is_skip(text):  # "0", "pasar", "rien": skipped, as elsewhere, not a place
            _state(ctx).pop("place", None)
            return _after_place(ctx)
        if _is_option_number(text):  # "4": an option she thinks she sees, not a link or place
            return stay(INVALID_ONE, ask=True)
        if len(text) > self.longest:
            return stay(
                _n(
                    "Please keep it shorter: {n} character at most.",
                    "Please keep it shorter: {n} characters at most.",
                    self.longest,
                )
            )
        _state(ctx)["place"] = text
        return _after_place(ctx)


def _is_option_number(text: str) -> bool:
    """A bare number as short as an option's ("4", "12"): never a link or a place, which a phone
    number for a WhatsApp call ("+591 71234567") is long enough not to be taken for."""
    plain = normalise(text)
    return plain.isdigit() and len(plain) <= 3


def _after_place(ctx: Context) -> Outcome:
    pair = _pair(ctx)
    if pair is not None and "rhythm" not in _state(ctx) and _rhythm_open(ctx.session, pair):
        return go("sessions", "rhythm")
    return send_proposal(ctx)


def _rhythm_open(session: Session, pair: Pair) -> bool:
    """Whether the pair has a rhythm to choose: before its first session, and after its rhythm
    was broken (its session cancelled, or called off by a pause: no next one follows), or they
    could never meet regularly again."""
    if count_agreed(session, pair.id or 0) == 0:
        return True
    last = latest_meeting(session, pair.id or 0)
    return last is not None and last.status == MeetingStatus.CANCELLED and bool(last.rhythm)


def _on_rhythm(ctx: Context, key: str) -> Outcome:
    _state(ctx)["rhythm"] = None if key == "once" else key
    return send_proposal(ctx)


def _local_options(times: list[datetime], timezone: str | None) -> list[str]:
    return [to_wall(instant, timezone).isoformat(timespec="minutes") for instant in times]


def send_proposal(ctx: Context) -> Outcome:
    """Write the proposal (new, counter or move), then put the question to her peer."""
    state = _state(ctx)
    pair = _pair(ctx)
    if pair is None:
        return resume(ctx, NO_PEER)
    me = ctx.participant
    times = [datetime.fromisoformat(iso) for iso in state.get("times", [])]
    kind = state.get("kind", "new")
    meeting = _meeting(ctx) if kind in ("counter", "move") else None
    if kind in ("counter", "move") and (
        meeting is None or meeting.status not in (MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED)
    ):
        if meeting is not None and _cancelled_session(meeting):
            return _cancelled_meanwhile(ctx, meeting)  # nothing to move: she is told why
        if kind == "counter" and open_meeting(ctx.session, pair.id or 0) is None:
            # Her peer withdrew (or it lapsed) while she wrote her times: they are not lost.
            state.update(kind="new", meeting=None, version=None)
            return go("sessions", "mode", KEPT_AS_NEW)
        return route(ctx, pair.id or 0, CLOSED)
    if meeting is None:
        meeting = Meeting(
            pair_id=pair.id or 0,
            proposer_id=me.id or 0,
            proposer_zone=me.timezone or "UTC",
            mode=state.get("mode") or Mode.VIDEO,
            place=state.get("place"),
            rhythm=state.get("rhythm"),
            sequence=count_agreed(ctx.session, pair.id or 0) + 1,
            version=1,
            proposed_at=ctx.now,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    else:
        meeting.version += 1
        if meeting.status == MeetingStatus.CONFIRMED:  # a reschedule: the old time is off
            meeting.previous_start_at = meeting.start_at
            meeting.moved_at = ctx.now
        meeting.start_at = None
        meeting.local_start = None
        meeting.status = MeetingStatus.PROPOSED
        meeting.proposer_id = me.id or 0
        meeting.proposer_zone = me.timezone or "UTC"
        meeting.proposed_at = ctx.now
        meeting.updated_at = ctx.now
    meeting.options = [instant.isoformat() for instant in times]
    meeting.local_options = _local_options(times, me.timezone)
    ctx.session.add(meeting)
    ctx.session.flush()
    plan_proposal_wait(ctx.session, meeting, now=ctx.now, config=ctx.config)
    peer = _peer(ctx.session, pair, me.id or 0)
    if peer is not None:
        ask_peer(ctx.session, peer, pair, meeting, now=ctx.now, config=ctx.config)
    done = Msg(SENT.msgid, {"name": first_name(peer)})
    ctx.data.pop("sess", None)
    return resume(ctx, done)


def ask_peer(
    session: Session,
    peer: Participant,
    pair: Pair,
    meeting: Meeting,
    *,
    now: datetime,
    config: FlowConfig,
    intro: Sequence[Reply | Msg] = (),
) -> None:
    """Put the proposal to her peer: each option in the peer's own time and language."""
    ask(
        session,
        peer,
        "sessions",
        "pick",
        now=now,
        config=config,
        purpose=PURPOSE,
        priority=Priority.LIVE,
        data={"sess": {"pair": pair.id, "meeting": meeting.id, "version": meeting.version}},
        intro=intro,
        about=about_session(pair.id, meeting.id),
    )


# Answering a proposal ------------------------------------------------------------------------


def _earlier_unseen(ctx: Context, meeting: Meeting) -> bool:
    """The earlier times were held for her night and never reached her: to her, these are the
    first ones (the held question is about to be replaced)."""
    return outbox.waiting_about(
        ctx.session,
        participant_id=ctx.participant.id or 0,
        subject=about_session(meeting.pair_id, meeting.id).subject,
        now=ctx.now,
    )


class PickTime:
    """Her peer's options in her own zone, one to tap; or "none of these"."""

    def _options(self, meeting: Meeting | None, now: datetime) -> tuple[Option, ...]:
        """Her peer's times still ahead (a time gone by can no longer be chosen), then "none"."""
        if meeting is None:
            return ()
        instants = meeting.option_instants()
        times = tuple(
            Option(f"o{index}", Msg("{when}", {"when": when(instants[index])}))
            for index in ahead(meeting, now)
        )
        if meeting.previous_start_at is not None:  # a move: she may rather call it off
            return (*times, Option("other", OTHER_TIMES), Option("cancel", CANCEL_SESSION))
        return (*times, Option("other", OTHER_TIMES))

    def offered(self, ctx: Context) -> Sequence[Option]:
        return self._options(_meeting(ctx), ctx.now)

    def ask(self, ctx: Context) -> list[Reply]:
        meeting = _meeting(ctx)
        if meeting is None or meeting.status != MeetingStatus.PROPOSED:
            return [Reply(CLOSED)]
        proposer = ctx.session.get(Participant, meeting.proposer_id)
        name = first_name(proposer)
        if meeting.previous_start_at is not None:
            head = Msg(PICK_MOVE.msgid, {"name": name, "old": when(meeting.previous_start_at)})
        elif meeting.version > 1 and not _earlier_unseen(ctx, meeting):
            # A new version that is no move: other times than those she was asked about.
            head = Msg(PICK_COUNTER.msgid, {"name": name})
        else:
            head = Msg(PICK_NEW.msgid, {"name": name})
        parts = [head, *details(meeting)]
        if meeting.rhythm and meeting.sequence == 1:
            parts.append(Msg(RHYTHM_LINE.msgid, {"rhythm": nested(RHYTHMS[meeting.rhythm])}))
        return [Reply(lines(*parts), self._options(meeting, ctx.now))]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        meeting = _meeting(ctx)
        pair = _pair(ctx)
        if pair is None:
            return resume(ctx, NO_PEER)
        if meeting is not None and _cancelled_session(meeting):
            return _cancelled_meanwhile(ctx, meeting)
        if meeting is None or meeting.status != MeetingStatus.PROPOSED:
            return route(ctx, pair.id or 0, CLOSED)
        if meeting.version != _state(ctx).get("version"):
            return route(ctx, pair.id or 0, CHANGED)
        if meeting.proposer_id == ctx.participant.id:
            return route(ctx, pair.id or 0)
        typed = _typed_times(ctx, answer)
        if typed:
            return _typed_at_pick(ctx, meeting, typed)
        options = self._options(meeting, ctx.now)
        if _a_time_lacking_a_part(answer, options):  # "el jueves a las 3": say what it lacks
            return stay(_not_understood(ctx, answer.text), ask=True)
        yes = _yes_to_times(answer, options)
        if yes is not None:
            return yes if isinstance(yes, Outcome) else _chosen(ctx, yes)
        step = Choose(Msg(""), options, lambda _ctx, key: _chosen(ctx, key))
        return step.answer(ctx, answer)


def _yes_to_times(answer: Answer, options: Sequence[Option]) -> str | Outcome | None:
    """Her yes ("sí", "oui ça me va") to the times offered: the one time when only one is, or
    "which one?" when several are; None when her answer is no yes (or names an option)."""
    if answer.option_key is not None or not choices.is_yes(answer.text):
        return None
    if choices.choose_one(answer.text, options) is not None:
        return None
    times = [option.key for option in options if option.key[1:].isdigit()]  # "o0", "o1"...
    if len(times) == 1:
        return times[0]
    if not times:
        return None
    return stay(Reply(WHICH_TIME, tuple(options)))


def _typed_times(ctx: Context, answer: Answer) -> list[list[datetime]]:
    """The times she typed in her own words ("jeudi 16h"); never an option's number ("2")."""
    if answer.option_key is not None or _NUMBERS_ONLY.fullmatch(normalise(answer.text)):
        return []
    return typed_times(ctx, answer.text)


def _a_time_lacking_a_part(answer: Answer, options: Sequence[Option]) -> bool:
    """Words that name no option but a time with a part missing (the day, the hour...)."""
    if answer.option_key is not None or choices.choose_one(answer.text, options) is not None:
        return False
    return missing_part(answer.text) is not None


def _typed_at_pick(
    ctx: Context, meeting: Meeting, typed: list[list[datetime]], *, chosen: bool = False
) -> Outcome:
    """Her peer's time typed out picks it; other times are hers to propose, read back first
    (unless `chosen` among two readings). Her "3/5" that may be read two ways (in Canada) is
    asked about first."""
    if len(typed) > 1:
        return _ask_which_day(ctx, typed, at_pick=True)
    times = typed[0]
    offered = meeting.option_instants()
    # Still the proposal she was shown (her answer to "3/5: which day?" may come later).
    version = _state(ctx).get("version")
    shown = meeting.status == MeetingStatus.PROPOSED and meeting.version == version
    if shown and len(times) == 1 and times[0] in offered:
        return _chosen(ctx, f"o{offered.index(times[0])}")
    _state(ctx)["kind"] = "counter"
    return _take_times(ctx, times, typed=True, chosen=chosen)


def _chosen(ctx: Context, key: str) -> Outcome:
    if key == "other":
        _state(ctx)["kind"] = "counter"
        return go("sessions", "start")
    if key == "cancel":
        return go("sessions", "confirm_cancel")
    meeting = _meeting(ctx)
    pair = _pair(ctx)
    assert meeting is not None and pair is not None
    index = int(key[1:])
    start = meeting.option_instants()[index]
    if start <= ctx.now:
        return stay(Msg(PASSED.msgid, {"when": when(start)}), ask=True)
    confirm(ctx.session, meeting, index, now=ctx.now, config=ctx.config)
    proposer = ctx.session.get(Participant, meeting.proposer_id)
    mine = lines(
        Msg(CONFIRMED.msgid, {"name": first_name(proposer), "when": when(start)}), *details(meeting)
    )
    if proposer is not None:
        theirs = lines(
            Msg(ACCEPTED.msgid, {"name": first_name(ctx.participant), "when": when(start)}),
            *details(meeting),
        )
        _tell_peer(ctx, proposer, about_session(meeting.pair_id, meeting.id), theirs)
    ctx.data.pop("sess", None)
    return resume(ctx, mine)


def confirm(
    session: Session, meeting: Meeting, index: int, *, now: datetime, config: FlowConfig
) -> None:
    """Agree on option `index`: the meeting is confirmed and its nudges planned."""
    meeting.status = MeetingStatus.CONFIRMED
    meeting.start_at = meeting.option_instants()[index]
    meeting.local_start = meeting.local_options[index]
    meeting.previous_start_at = None
    meeting.moved_at = None
    meeting.confirmed_at = now
    meeting.updated_at = now
    session.add(meeting)
    session.flush()
    plan_meeting(session, meeting, now=now, config=config)


# Managing a confirmed session or a pending proposal ------------------------------------------


def _manage_prompt(ctx: Context) -> Msg:
    meeting = _meeting(ctx)
    start = meeting.start_at if meeting and meeting.start_at else ctx.now
    head = Msg(MANAGE.msgid, {"name": _peer_name(ctx), "when": when(start)})
    return lines(head, *details(meeting)) if meeting else head


def _on_manage(ctx: Context, key: str) -> Outcome:
    meeting = _meeting(ctx)
    pair = _pair(ctx)
    if pair is None:
        return resume(ctx, NO_PEER)
    if meeting is not None and _cancelled_session(meeting):
        return _cancelled_meanwhile(ctx, meeting)
    if meeting is None or meeting.status != MeetingStatus.CONFIRMED:
        return route(ctx, pair.id or 0, CLOSED)
    if key == "move":
        _state(ctx)["kind"] = "move"
        return go("sessions", "start")
    if key == "cancel":
        return go("sessions", "confirm_cancel")
    ctx.data.pop("sess", None)
    return resume(ctx)


def _cancel_prompt(ctx: Context) -> Msg:
    meeting = _meeting(ctx)
    start = (planned_start(meeting) if meeting else None) or ctx.now
    return Msg(ASK_CANCEL.msgid, {"when": when(start), "name": _peer_name(ctx)})


def _back_from_cancel(ctx: Context) -> Outcome:
    """Back to the session (or to her peer's move of it), as it stands now."""
    pair = _pair(ctx)
    return route(ctx, pair.id or 0) if pair is not None else resume(ctx, NO_PEER)


def _on_confirm_cancel(ctx: Context, key: str) -> Outcome:
    meeting = _meeting(ctx)
    pair = _pair(ctx)
    if pair is None:
        return resume(ctx, NO_PEER)
    if meeting is not None and _cancelled_session(meeting):
        return _cancelled_meanwhile(ctx, meeting)
    if key == "no" and meeting is not None and _being_moved(meeting):
        return route(ctx, pair.id or 0)  # the move still waits for her answer
    # A session being moved is still the session: cancelling it closes the move too.
    cancellable = meeting is not None and (
        meeting.status == MeetingStatus.CONFIRMED or _being_moved(meeting)
    )
    if key == "no" or meeting is None or not cancellable:
        ctx.data.pop("sess", None)
        return resume(ctx)
    start = planned_start(meeting) or ctx.now
    cancel_meeting(ctx.session, meeting, by=ctx.participant.id or 0, now=ctx.now, config=ctx.config)
    peer = _peer(ctx.session, pair, ctx.participant.id or 0)
    if peer is not None:
        told = Msg(PEER_CANCELLED.msgid, {"name": first_name(ctx.participant), "when": when(start)})
        _tell_peer(ctx, peer, about_session(pair.id, meeting.id), told)
    ctx.data.pop("sess", None)
    return resume(ctx, Msg(CANCELLED.msgid, {"name": first_name(peer)}))


def keep_previous(
    session: Session, meeting: Meeting, *, now: datetime, config: FlowConfig
) -> datetime:
    """A move that will not happen: the session is confirmed again at its previous time."""
    old = meeting.previous_start_at
    assert old is not None
    meeting.options = [old.isoformat()]
    meeting.local_options = _local_options([old], meeting.proposer_zone)
    meeting.version += 1
    confirm(session, meeting, 0, now=now, config=config)
    _forget_pick(session, meeting, now)
    return old


def cancel_meeting(
    session: Session, meeting: Meeting, *, by: int | None, now: datetime, config: FlowConfig
) -> None:
    """Cancel a meeting: none of its nudges fires, and the pair's no-session clock restarts."""
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.cancelled_by = by
    meeting.updated_at = now
    session.add(meeting)
    nudge_store.cancel(session, meeting_id=meeting.id)
    _forget_pick(session, meeting, now)
    pair = session.get(Pair, meeting.pair_id)
    canceller = session.get(Participant, by) if pair and by in pair.members() else None
    if canceller is not None:
        # She called it off, so she knows: what waits for her morning about it ("she
        # accepted", "she keeps it as planned") would bring the session back to her.
        drop_waiting(session, canceller, about_session(meeting.pair_id, meeting.id), now=now)
    if pair is not None and pair.status == PairStatus.ACTIVE:
        plan_ladder(
            session,
            pair,
            anchor=now,
            now=now,
            config=config,
            cause=f"c{meeting.id}v{meeting.version}",
        )


def _forget_pick(session: Session, meeting: Meeting, now: datetime) -> None:
    """A proposal withdrawn, closed or lapsed: whoever was asked to pick a time for it is no
    longer on that question, so her next message is not read against it, and "continue where
    I was" in the menu does not lead back to it."""
    pair = session.get(Pair, meeting.pair_id)
    for member_id in pair.members() if pair is not None else ():
        member = session.get(Participant, member_id)
        if member is not None:
            forget_question(
                session,
                member,
                ("sessions", "pick"),
                now,
                about=lambda data: (data.get("sess") or {}).get("meeting") == meeting.id,
                drop=("sess",),
            )


def _waiting_prompt(ctx: Context) -> Msg:
    return Msg(WAITING.msgid, {"name": _peer_name(ctx)})


def _on_waiting(ctx: Context, key: str) -> Outcome:
    meeting = _meeting(ctx)
    pair = _pair(ctx)
    if pair is None:
        return resume(ctx, NO_PEER)
    if meeting is not None and _cancelled_session(meeting):
        return _cancelled_meanwhile(ctx, meeting)
    if meeting is None or meeting.status != MeetingStatus.PROPOSED:
        return route(ctx, pair.id or 0, CLOSED)
    if key == "other":
        _state(ctx)["kind"] = "counter"
        return go("sessions", "start")
    if key == "keep":
        ctx.data.pop("sess", None)
        return resume(ctx)
    peer = _peer(ctx.session, pair, ctx.participant.id or 0)
    name = first_name(ctx.participant)
    about = about_session(pair.id, meeting.id)
    ctx.data.pop("sess", None)
    if meeting.previous_start_at is not None:  # withdrawing a move: the old time stands again
        return resume(ctx, _withdraw_move(ctx, meeting, peer))
    unseen = peer is not None and never_reached(
        ctx.session, peer, about, since=meeting.created_at or ctx.now, now=ctx.now
    )
    cancel_meeting(ctx.session, meeting, by=ctx.participant.id or 0, now=ctx.now, config=ctx.config)
    # Withdrawn before any of it reached her (held for her night): she hears of neither.
    if peer is not None and unseen:
        drop_waiting(ctx.session, peer, about, now=ctx.now)  # the proposal she never saw
    elif peer is not None:
        _tell_peer(ctx, peer, about, Msg(PEER_WITHDREW.msgid, {"name": name}))
    template = WITHDRAWN_UNSEEN if unseen else WITHDRAWN
    return resume(ctx, Msg(template.msgid, {"name": first_name(peer)}))


def _tell_peer(ctx: Context, peer: Participant, about: About, told: Msg) -> None:
    """A note to her peer about the session, at once (or in her morning)."""
    notify(
        ctx.session,
        peer,
        [told],
        now=ctx.now,
        config=ctx.config,
        purpose=PURPOSE,
        priority=Priority.LIVE,
        about=about,
    )


def _withdraw_move(ctx: Context, meeting: Meeting, peer: Participant | None) -> Msg:
    """Her move taken back: the session is at its time again, and her peer is told it stays as
    planned; unless the move never reached her (held for her night): then, as for a proposal,
    she hears of neither, and what the move replaced comes back to her morning as it was ("she
    accepted"). Returns what the one who withdrew reads."""
    about = about_session(meeting.pair_id, meeting.id)
    moved_at, confirmed_at = meeting.moved_at or meeting.proposed_at, meeting.confirmed_at
    unseen = peer is not None and never_reached(
        ctx.session, peer, about, since=moved_at or ctx.now, now=ctx.now
    )
    old = keep_previous(ctx.session, meeting, now=ctx.now, config=ctx.config)
    name, at = first_name(peer), when(old)
    if peer is None or not unseen:
        if peer is not None:
            me = first_name(ctx.participant)
            _tell_peer(ctx, peer, about, Msg(PEER_MOVE_WITHDRAWN.msgid, {"name": me, "when": at}))
        return Msg(MOVE_WITHDRAWN.msgid, {"when": at, "name": name})
    drop_waiting(ctx.session, peer, about, now=ctx.now)
    if confirmed_at is not None and moved_at is not None:
        outbox.restore_superseded(
            ctx.session,
            participant_id=peer.id or 0,
            subject=about.subject,
            since=confirmed_at,
            before=moved_at,
        )
    return Msg(MOVE_WITHDRAWN_UNSEEN.msgid, {"when": at, "name": name})


# When she moves ------------------------------------------------------------------------------


def _follow_her_zone(ctx: Context) -> None:
    """She lives in another zone now: the sessions she proposed keep their instants, but their
    rhythm counts on her new wall clock (two women in Montréal keep their 08:00 across the
    spring change, not Dakar's 13:00), and her reminders leave her new night."""
    me = ctx.participant
    mine = ctx.session.exec(
        select(Meeting).where(
            Meeting.proposer_id == me.id, Meeting.status != MeetingStatus.CANCELLED
        )
    ).all()
    for meeting in mine:
        meeting.proposer_zone = me.timezone or "UTC"
        meeting.local_options = _local_options(meeting.option_instants(), me.timezone)
        if meeting.start_at is not None:
            meeting.local_start = _local_options([meeting.start_at], me.timezone)[0]
        ctx.session.add(meeting)
    replan_reminders(ctx.session, me, now=ctx.now, config=ctx.config)


add_zone_changed(_follow_her_zone)


# After a session: close it, restart the clock, propose the next one of a rhythm ---------------


def _same_weekday_next_month(wall: datetime) -> datetime:
    """The same weekday of the same week of the next month, at the same wall-clock hour.

    "The first Thursday" stays the first Thursday (Thursday 5 March → Thursday 2 April), never
    the 5th of the month, which falls on any weekday. A fifth weekday, which most months lack,
    is the last one (Thursday 29 October → Thursday 26 November).
    """
    week = (wall.day - 1) // 7  # 0 for the first Thursday, 4 for a fifth one
    year, month = (wall.year + 1, 1) if wall.month == 12 else (wall.year, wall.month + 1)
    first_weekday, length = calendar.monthrange(year, month)
    first = 1 + (wall.weekday() - first_weekday) % 7
    day = first + 7 * week
    if day > length:
        day -= 7
    return wall.replace(year=year, month=month, day=day)


def next_in_rhythm(meeting: Meeting, after: datetime) -> datetime | None:
    """The next start of the rhythm: the same weekday at the same hour on the proposer's wall
    clock (so across a daylight-saving change too), one, two weeks or a month later."""
    if not meeting.rhythm or not meeting.local_start:
        return None
    wall = datetime.fromisoformat(meeting.local_start)
    for _attempt in range(12):
        if meeting.rhythm == Rhythm.WEEKLY:
            wall += timedelta(weeks=1)
        elif meeting.rhythm == Rhythm.BIWEEKLY:
            wall += timedelta(weeks=2)
        else:
            wall = _same_weekday_next_month(wall)
        start = wall_to_utc(wall, meeting.proposer_zone)
        if start > after:
            return start
    return None


def propose_next(
    session: Session,
    meeting: Meeting,
    *,
    now: datetime,
    config: FlowConfig,
    peer_here: bool = False,
) -> Meeting | None:
    """The next session of a rhythm, proposed on the proposer's behalf to her peer.

    With `peer_here` the peer is the one talking to the bot right now: her conversation shows
    the proposal itself (`offer_here`), so she is not asked from outside as well.
    """
    start = next_in_rhythm(meeting, now + timedelta(hours=24))
    pair = session.get(Pair, meeting.pair_id)
    if start is None or pair is None:
        return None
    proposer = session.get(Participant, meeting.proposer_id)
    peer = session.get(Participant, pair.peer_of(meeting.proposer_id))
    following = Meeting(
        pair_id=meeting.pair_id,
        proposer_id=meeting.proposer_id,
        proposer_zone=meeting.proposer_zone,
        options=[start.isoformat()],
        local_options=_local_options([start], meeting.proposer_zone),
        mode=meeting.mode,
        place=meeting.place,
        rhythm=meeting.rhythm,
        sequence=meeting.sequence + 1,
        proposed_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(following)
    session.flush()
    plan_proposal_wait(session, following, now=now, config=config)
    rhythm = in_sentence(RHYTHMS[meeting.rhythm or Rhythm.WEEKLY])
    if peer is not None and not peer_here:
        intro = Msg(NEXT_INTRO.msgid, {"rhythm": rhythm})
        ask_peer(session, peer, pair, following, now=now, config=config, intro=[intro])
    if proposer is not None:
        note = Msg(
            NEXT_PROPOSED.msgid, {"rhythm": rhythm, "name": first_name(peer), "when": when(start)}
        )
        about = about_session(pair.id, following.id)
        notify(session, proposer, [note], now=now, config=config, purpose=PURPOSE, about=about)
    return following


def offer_here(ctx: Context, following: Meeting, *say: Reply | Msg) -> Outcome:
    """The next session of a rhythm put to her in the conversation she is having now."""
    ctx.data["sess"] = {
        "pair": following.pair_id,
        "meeting": following.id,
        "version": following.version,
    }
    rhythm = in_sentence(RHYTHMS[following.rhythm or Rhythm.WEEKLY])
    return go("sessions", "pick", *say, Msg(NEXT_INTRO.msgid, {"rhythm": rhythm}))


def continue_rhythm(
    session: Session,
    meeting_id: int,
    *,
    now: datetime,
    config: FlowConfig,
    answering: int | None = None,
    waited: bool = False,
) -> Meeting | None:
    """Propose the next session of a rhythm once both women said this one took place.

    Never before: "did it take place?" comes first. When either said it did not (or was moved)
    the rhythm waits for them (the check-in offers to propose a new time). After a day without
    answers (`waited`), the rhythm goes on. `answering` is the woman completing her check-in.
    """
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != MeetingStatus.HELD or not meeting.rhythm:
        return None
    pair = session.get(Pair, meeting.pair_id)
    if pair is None or pair.status != PairStatus.ACTIVE or _newer_meeting(session, meeting):
        return None
    answers = session.exec(select(CheckIn).where(CheckIn.meeting_id == meeting.id)).all()
    if any(row.happened in (Happened.NO, Happened.MOVED) for row in answers):
        return None
    done = {
        row.participant_id
        for row in answers
        if row.happened == Happened.YES and row.completed_at is not None
    }
    if not waited and not set(pair.members()) <= done:
        return None
    peer_here = answering is not None and answering != meeting.proposer_id
    return propose_next(session, meeting, now=now, config=config, peer_here=peer_here)


def _newer_meeting(session: Session, meeting: Meeting) -> bool:
    """True when the pair planned anything after this meeting (proposed, moved or withdrawn)."""
    newer = session.exec(
        select(Meeting.id).where(Meeting.pair_id == meeting.pair_id, Meeting.id > meeting.id)
    ).first()
    return newer is not None


@handles(SESSION_AFTER)
def fire_session_after(firing: Firing) -> bool:
    """The session's time is over: it is held and the ladder restarts. A rhythm's next session
    waits for the check-ins ("did it take place?"), or a day without answers."""
    session, nudge = firing.session, firing.nudge
    meeting = session.get(Meeting, nudge.meeting_id) if nudge.meeting_id else None
    if meeting is None or standing_start(meeting, nudge.data) is None:
        return False
    if meeting.status == MeetingStatus.PROPOSED:
        _close_move(session, meeting, now=firing.now, config=firing.config)
    assert meeting.start_at is not None
    meeting.status = MeetingStatus.HELD
    meeting.updated_at = firing.now
    session.add(meeting)
    pair = session.get(Pair, meeting.pair_id)
    if pair is None or pair.status != PairStatus.ACTIVE:
        return True
    plan_ladder(session, pair, anchor=meeting.start_at, now=firing.now, config=firing.config)
    if meeting.rhythm:
        nudge_store.plan(
            session,
            key=f"next:{meeting.id}:{meeting.version}",
            purpose=RHYTHM_NEXT,
            due_at=meeting.start_at + RHYTHM_WAIT,
            now=firing.now,
            pair_id=pair.id,
            meeting_id=meeting.id,
            data={"version": meeting.version},
        )
    return True


def _close_move(session: Session, meeting: Meeting, *, now: datetime, config: FlowConfig) -> None:
    """The session's time is over while a move of it waited for an answer: it stood, so the
    move is closed (the session kept at its time, with its check-in) and both are told."""
    pair = session.get(Pair, meeting.pair_id)
    mover = session.get(Participant, meeting.proposer_id)
    start = keep_previous(session, meeting, now=now, config=config)
    # Its close is this one: the replanned one would fire for nothing.
    nudge_store.cancel(session, meeting_id=meeting.id, purposes=(SESSION_AFTER,))
    if pair is None or pair.status != PairStatus.ACTIVE:
        return
    other = session.get(Participant, pair.peer_of(meeting.proposer_id))
    about = about_session(pair.id, meeting.id)
    for woman, peer, text in ((mover, other, MOVE_CLOSED_MINE), (other, mover, MOVE_CLOSED_THEIRS)):
        if woman is not None:
            told = Msg(text.msgid, {"name": first_name(peer), "when": when(start)})
            notify(session, woman, [told], now=now, config=config, purpose=PURPOSE, about=about)


@handles(RHYTHM_NEXT)
def fire_rhythm_next(firing: Firing) -> bool:
    """A day after a session of a rhythm: the next one, unless either said it did not happen."""
    meeting_id = firing.nudge.meeting_id
    if meeting_id is None:
        return False
    following = continue_rhythm(
        firing.session, meeting_id, now=firing.now, config=firing.config, waited=True
    )
    return following is not None


@handles(PROPOSAL_LAPSED)
def fire_proposal_lapsed(firing: Firing) -> bool:
    """A proposal's last time has passed unanswered: a move leaves the session at its time,
    when that is still ahead (under way, its end closes the move); any other proposal is closed
    (the no-session ladder restarts).
    Both women are told, so nobody waits for an answer to a time gone by."""
    session, nudge, now = firing.session, firing.nudge, firing.now
    meeting = session.get(Meeting, nudge.meeting_id) if nudge.meeting_id else None
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    if (
        meeting is None
        or pair is None
        or meeting.status != MeetingStatus.PROPOSED
        or meeting.version != nudge.data.get("version")
        or ahead(meeting, now)
    ):
        return False
    previous = meeting.previous_start_at
    if previous is not None and previous <= now < previous + RULES.session_length:
        return False  # a move of the session under way: its end closes it (`_close_move`)
    proposer = session.get(Participant, meeting.proposer_id)
    peer = session.get(Participant, pair.peer_of(meeting.proposer_id))
    if previous is not None and previous > now:
        keep_previous(session, meeting, now=now, config=firing.config)
        told = [
            (woman, Msg(LAPSED_MOVE.msgid, {"name": first_name(other), "when": when(previous)}))
            for woman, other in ((proposer, peer), (peer, proposer))
        ]
    else:
        cancel_meeting(session, meeting, by=None, now=now, config=firing.config)
        menu = {"menu": keyword(Keyword.MENU), "plan": nested(PLAN)}
        told = [
            (proposer, Msg(LAPSED_MINE.msgid, {"name": first_name(peer), **menu})),
            (peer, Msg(LAPSED_THEIRS.msgid, {"name": first_name(proposer), **menu})),
        ]
    if pair.status == PairStatus.ACTIVE:
        for woman, message in told:
            if woman is not None:
                notify(session, woman, [message], now=now, config=firing.config, purpose=PURPOSE)
    return True


# "Atrás" / "retour" / "back" while planning: the question before ---------------------------


def _back_from_times(ctx: Context) -> Outcome:
    """Before her times: the proposal or session she was answering, else the menu."""
    pair = _pair(ctx)
    if pair is not None and _state(ctx).get("kind", "new") != "new":
        return route(ctx, pair.id or 0)
    ctx.data.pop("sess", None)
    return go("home", "menu")


def _back_to_times(ctx: Context) -> Outcome:
    _state(ctx).pop("times", None)
    return go("sessions", "start")


def _back_from_mode(ctx: Context) -> Outcome:
    return go("sessions", "read_back") if _state(ctx).get("typed") else _back_to_times(ctx)


def _back_from_rhythm(ctx: Context) -> Outcome:
    asked_place = _state(ctx).get("mode") in (Mode.VIDEO, Mode.IN_PERSON)
    return go("sessions", "place" if asked_place else "mode")


def _back_to(step: str) -> Callable[[Context], Outcome]:
    return lambda _ctx: go("sessions", step)


register(
    "sessions",
    {
        "which": Choose(WHICH_PEER, _which_options, _on_which),
        "start": WithBack(ProposeTimes(), _back_from_times),
        "read_back": WithBack(ReadBack(), _back_to_times),
        "which_day": WithBack(WhichDay(), _back_from_which_day),
        "mode": WithBack(
            Choose(ASK_MODE, tuple(Option(k, v) for k, v in MODES.items()), _on_mode),
            _back_from_mode,
        ),
        "place": WithBack(AskPlace(), _back_to("mode")),
        "rhythm": WithBack(Choose(ASK_RHYTHM, RHYTHM_OPTIONS, _on_rhythm), _back_from_rhythm),
        "pick": PickTime(),
        "manage": Choose(
            _manage_prompt,
            (Option("move", MOVE), Option("cancel", CANCEL), Option("keep", KEEP)),
            _on_manage,
        ),
        "confirm_cancel": WithBack(
            Choose(
                _cancel_prompt,
                (Option("yes", YES_CANCEL), Option("no", NO_KEEP)),
                _on_confirm_cancel,
            ),
            _back_from_cancel,
        ),
        "waiting": Choose(
            _waiting_prompt,
            (
                Option("other", PROPOSE_OTHER),
                Option("withdraw", WITHDRAW),
                Option("keep", KEEP_WAITING),
            ),
            _on_waiting,
        ),
    },
)
