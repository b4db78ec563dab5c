"""The outcome survey: nine self-assessments, one per message, at baseline, mid-programme and end.

Each item asks how confident she is today in one concrete ability linked to one programme outcome
(think-piece: confidence, managerial skills, strategic thinking, networking, international
markets, leadership, AI and digital tools, strategic communication, sustainable practice), on the
same five-point scale. Wording rules, so an item means the same thing in es, fr and en: one
concrete ability per item with everyday examples, no idiom, the same scale words every time
("not at all" … "completely"), and the same stem ("How confident are you today that you can …").

The survey is resumable: the next question is always the first outcome of the wave she has not
answered (read from the database), so MENU, HELP, a check-in in between or days of silence lose
nothing; "Finish my questionnaire" in the menu and one reminder bring her back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from flows import choices
from flows.config import FlowConfig
from flows.home import MenuItem, add_menu_item, resume
from flows.messages import Msg, Option, Reply, _, _n, nested
from flows.proactive import ask
from flows.registry import register
from flows.steps import INVALID_ONE, ONLY_ONE, Answer, Context, Outcome, go, several_named, stay
from flows.triggers import Firing, handles
from storage import checkins, nudges
from storage.checkins import OUTCOMES, SurveyRound, Wave
from storage.models import Participant
from storage.pairs import Cohort, Pair, PairStatus

# Baseline waits a little so the introduction of her partner arrives first.
BASELINE_DELAY = timedelta(minutes=30)
REMINDER_AFTER = timedelta(days=3)

QUESTION = _("Question {number} of {total}.\n{question}")
# Translators: all nine items share this stem and the same scale words; keep them parallel.
ITEMS: dict[str, Msg] = {
    "confidence": _(
        "How confident are you today that you can take on a new challenge in your business "
        "(a new client, a loan, a new product)?"
    ),
    "management": _(
        "How confident are you today that you can organise your business day to day "
        "(money, stock, time and people)?"
    ),
    "strategy": _(
        "How confident are you today that you can plan where your business should be in one "
        "year, and the steps to get there?"
    ),
    "networking": _(
        "How confident are you today that you can ask people outside your circle for contacts, "
        "advice or partnerships?"
    ),
    "international": _(
        "How confident are you today that you can sell to customers, or buy from suppliers, in "
        "another country?"
    ),
    "leadership": _(
        "How confident are you today that you can lead a team or a group and help it agree on "
        "a decision?"
    ),
    "digital": _(
        "How confident are you today that you can use digital tools and artificial intelligence "
        "(AI) in your business (WhatsApp Business, online payments, AI assistants)?"
    ),
    "communication": _(
        "How confident are you today that you can present your business clearly and "
        "convincingly to a customer, a bank or a partner?"
    ),
    "sustainability": _(
        "How confident are you today that you can make your business more environmentally "
        "friendly (less waste, water and energy, local supplies)?"
    ),
}
SCALE: dict[str, Msg] = {
    "1": _("Not at all"),
    "2": _("A little"),
    "3": _("Moderately"),
    "4": _("Quite"),
    "5": _("Completely"),
}
INTRO: dict[str, Msg] = {
    Wave.BASELINE: _(
        "Before you start your exchange, 9 quick questions about your business today, one at a "
        "time. Answer with a number from 1 (not at all) to 5 (completely). Your answers are "
        "confidential: they only help the programme see what changes."
    ),
    Wave.MID: _(
        "You are halfway through the programme! The same 9 quick questions as at the start, to "
        "see what has changed. Answer with a number from 1 (not at all) to 5 (completely)."
    ),
    Wave.END: _(
        "The programme is coming to an end. One last time, the same 9 quick questions, to see "
        "what has changed for you. Answer with a number from 1 (not at all) to 5 (completely)."
    ),
}


def reminder(left: int) -> Msg:
    """Her unfinished questionnaire, again: where she stopped, or, when she never started,
    waiting for her (there is nowhere she stopped to continue from)."""
    if left == len(OUTCOMES):
        return _n(
            "Your {n} quick question about your business is waiting for you. Here it is.",
            "Your {n} quick questions about your business are waiting for you. Here is the first "
            "one.",
            left,
        )
    return _n(
        "You have {n} question left in your questionnaire. Let's continue where you stopped.",
        "You have {n} questions left in your questionnaire. Let's continue where you stopped.",
        left,
    )


DONE = _("Thank you, that's all! Your answers help us show what the programme changes.")
MENU_LABEL = _("Finish my questionnaire")

SCALE_OPTIONS: tuple[Option, ...] = tuple(Option(key, label) for key, label in SCALE.items())
assert tuple(ITEMS) == OUTCOMES


def _round(ctx: Context) -> SurveyRound | None:
    round_id = ctx.data.get("survey_round")
    found = ctx.session.get(SurveyRound, round_id) if round_id else None
    if found is None and ctx.participant.id is not None:
        found = checkins.unfinished_round(ctx.session, ctx.participant.id)
    return found


class Item:
    """The next unanswered item of her open wave, with the 1–5 scale."""

    def offered(self, ctx: Context) -> Sequence[Option]:
        return SCALE_OPTIONS

    def ask(self, ctx: Context) -> list[Reply]:
        round_ = _round(ctx)
        outcome = (checkins.next_outcome(ctx.session, round_.id or 0) if round_ else None) or (
            OUTCOMES[0]
        )
        number = OUTCOMES.index(outcome) + 1
        question = _(
            QUESTION.msgid, number=number, total=len(OUTCOMES), question=nested(ITEMS[outcome])
        )
        return [Reply(question, SCALE_OPTIONS)]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        round_ = _round(ctx)
        if round_ is None or round_.completed_at is not None:
            return resume(ctx)  # nothing open any more (answered on another channel)
        key = answer.option_key if answer.option_key in SCALE else None
        if key is None and answer.option_key is None:
            key = choices.choose_one(answer.text, SCALE_OPTIONS) or choices.amount_named(
                answer.text
            )
        if key is None:
            # "3 4" or "3,5": she hesitates between two; ask for one rather than "I did not
            # understand".
            several = answer.option_key is None and several_named(answer.text, SCALE_OPTIONS)
            return stay(Reply(ONLY_ONE if several else INVALID_ONE, SCALE_OPTIONS))
        outcome = checkins.next_outcome(ctx.session, round_.id or 0)
        if outcome is not None:
            checkins.record_answer(ctx.session, round_, outcome, int(key), now=ctx.now)
        if checkins.next_outcome(ctx.session, round_.id or 0) is None:
            ctx.data.pop("survey_round", None)
            return resume(ctx, DONE)
        ctx.data["survey_round"] = round_.id
        return go("survey", "item")


def _finish_from_menu(ctx: Context) -> Outcome:
    round_ = checkins.unfinished_round(ctx.session, ctx.participant.id or 0)
    if round_ is None:
        return go("home", "idle")
    ctx.data["survey_round"] = round_.id
    return go("survey", "item")


def _has_unfinished(ctx: Context) -> bool:
    me = ctx.participant.id
    if me is None:
        return False
    return ctx.read_once(
        ("unfinished_round", me), lambda: checkins.has_unfinished_round(ctx.session, me)
    )


register("survey", {"item": Item()})
add_menu_item(MenuItem("survey", MENU_LABEL, _has_unfinished, _finish_from_menu), before="tip")


# Opening a wave ------------------------------------------------------------------------------


def open_wave(
    session: Session,
    participant: Participant,
    *,
    wave: str,
    cohort_id: int | None,
    pair_id: int | None,
    now: datetime,
    config: FlowConfig,
) -> bool:
    """Start (or continue) her wave and ask its next question, after her quiet hours."""
    round_ = checkins.start_round(
        session,
        participant_id=participant.id or 0,
        wave=wave,
        cohort_id=cohort_id,
        pair_id=pair_id,
        now=now,
    )
    if round_.completed_at is not None:
        return False
    left = len(OUTCOMES) - len(checkins.answered_outcomes(session, round_.id or 0))
    intro = INTRO[wave] if left == len(OUTCOMES) else reminder(left)
    queued = ask(
        session,
        participant,
        "survey",
        "item",
        now=now,
        config=config,
        purpose="survey",
        data={"survey_round": round_.id},
        intro=[intro],
    )
    if queued:
        nudges.plan(
            session,
            key=f"survey-reminder:{round_.id}",
            purpose="survey",
            due_at=now + REMINDER_AFTER,
            now=now,
            participant_id=participant.id,
            pair_id=pair_id,
            data={"round_id": round_.id},
        )
    return bool(queued)


def start_baseline(
    session: Session,
    participant: Participant,
    now: datetime,
    config: FlowConfig,
    pair: Pair | None = None,
) -> bool:
    """Ask her baseline survey now (not from inside her own conversation turn: use
    `plan_for_pair` there, which asks it through a nudge a few minutes later)."""
    return open_wave(
        session,
        participant,
        wave=Wave.BASELINE,
        cohort_id=pair.cohort_id if pair else None,
        pair_id=pair.id if pair else None,
        now=now,
        config=config,
    )


def plan_for_pair(session: Session, pair: Pair, *, now: datetime) -> None:
    """Plan baseline (soon) and the cohort's mid and end waves for both members; idempotent."""
    cohort = session.get(Cohort, pair.cohort_id)
    for member in pair.members():
        nudges.plan(
            session,
            key=f"survey:{Wave.BASELINE}:{pair.cohort_id}:{member}",
            purpose="survey",
            due_at=now + BASELINE_DELAY,
            now=now,
            participant_id=member,
            pair_id=pair.id,
            data={"wave": Wave.BASELINE, "cohort_id": pair.cohort_id},
        )
    if cohort is not None:
        plan_cohort_waves(session, cohort, members=pair.members(), pair_id=pair.id, now=now)


def plan_cohort_waves(
    session: Session,
    cohort: Cohort,
    *,
    members: Sequence[int],
    pair_id: int | None,
    now: datetime,
) -> None:
    """Plan the mid and end waves at the cohort's dates. The date is part of the key, so a
    coordinator who moves a date calls this again; the stale nudge is dropped when it fires."""
    for wave, at in ((Wave.MID, cohort.mid_survey_at), (Wave.END, cohort.end_survey_at)):
        if at is None:
            continue
        for member in members:
            nudges.plan(
                session,
                key=f"survey:{wave}:{cohort.id}:{member}:{at:%Y%m%d%H%M}",
                purpose="survey",
                due_at=max(at, now),
                now=now,
                participant_id=member,
                pair_id=pair_id,
                data={"wave": wave, "cohort_id": cohort.id, "at": at.isoformat()},
            )


_COUNTED = (PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.COMPLETED)


@handles("survey")
def fire_survey(firing: Firing) -> bool:
    """Open a wave when due, or remind her of an unfinished one (once)."""
    session, nudge = firing.session, firing.nudge
    participant = session.get(Participant, nudge.participant_id) if nudge.participant_id else None
    if participant is None:
        return False
    if "round_id" in nudge.data:  # the reminder
        round_ = session.get(SurveyRound, nudge.data["round_id"])
        if round_ is None or round_.completed_at is not None:
            return False
        return _reopen(firing, participant, round_)
    wave = nudge.data.get("wave", Wave.BASELINE)
    cohort_id = nudge.data.get("cohort_id")
    pair = session.get(Pair, nudge.pair_id) if nudge.pair_id else None
    if pair is not None and pair.status not in _COUNTED:
        return False
    if wave != Wave.BASELINE:
        cohort = session.get(Cohort, cohort_id) if cohort_id else None
        at = getattr(cohort, f"{wave}_survey_at", None) if cohort else None
        if at is None or at.isoformat() != nudge.data.get("at"):
            return False  # the cohort's date moved: a newer nudge carries it
    return open_wave(
        session,
        participant,
        wave=wave,
        cohort_id=cohort_id,
        pair_id=nudge.pair_id,
        now=firing.now,
        config=firing.config,
    )


def _reopen(firing: Firing, participant: Participant, round_: SurveyRound) -> bool:
    left = len(OUTCOMES) - len(checkins.answered_outcomes(firing.session, round_.id or 0))
    return bool(
        ask(
            firing.session,
            participant,
            "survey",
            "item",
            now=firing.now,
            config=firing.config,
            purpose="survey",
            data={"survey_round": round_.id},
            intro=[reminder(left)],
        )
    )
