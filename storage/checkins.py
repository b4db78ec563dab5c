"""Reflection and measurement: check-ins, outcome surveys, pulses, problem reports and tips.

Every row carries when it happened, whose it is, and the pair (and meeting, for check-ins) it is
about, so coordinator reports can count and compare without reading conversations. Free text
(what she learned, shared or reported) is personal data: `erase_texts_of` clears it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Index, UniqueConstraint, bindparam, update
from sqlmodel import Field, Session, col, select

from storage.dialects import OneOf
from storage.kept import forget_when_written, keep, kept
from storage.models import Participant, Table, json_field, utc_field
from storage.pairs import Pair

# The nine outcomes the programme reports on (think-piece), in the order they are asked.
OUTCOMES = (
    "confidence",
    "management",
    "strategy",
    "networking",
    "international",
    "leadership",
    "digital",
    "communication",
    "sustainability",
)


class Wave(StrEnum):
    BASELINE = "baseline"  # right after she is matched
    MID = "mid"  # the cohort's mid-programme date
    END = "end"  # the cohort's end date


WAVE_ORDER = {Wave.BASELINE: 0, Wave.MID: 1, Wave.END: 2}


class Happened(StrEnum):
    YES = "yes"
    NO = "no"
    MOVED = "moved"


class CheckIn(Table, table=True):
    """One woman's reflection on one session; created when asked, filled as she answers."""

    __table_args__ = (Index("ix_checkin_pair_meeting", "pair_id", "meeting_id"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    pair_id: int | None = Field(default=None, index=True)
    meeting_id: int | None = Field(default=None)
    nudge_id: int | None = Field(default=None)
    asked_at: datetime | None = utc_field(nullable=False)
    happened: str | None = Field(default=None, max_length=8)
    usefulness: int | None = Field(default=None)  # 1–5
    # Her own words, kept whole up to `flows.steps.LONGEST_OWN_WORDS` characters.
    learned: str | None = Field(default=None, max_length=2000)
    shared: str | None = Field(default=None, max_length=2000)
    why_not: str | None = Field(default=None, max_length=16)
    wants_reschedule: bool | None = Field(default=None)
    completed_at: datetime | None = utc_field()


class SurveyRound(Table, table=True):
    """One wave of the outcome survey for one woman: when it opened and when she finished it."""

    __table_args__ = (UniqueConstraint("participant_id", "wave", "cohort_id"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    wave: str = Field(max_length=8)
    cohort_id: int | None = Field(default=None, index=True)
    pair_id: int | None = Field(default=None)
    started_at: datetime | None = utc_field(nullable=False)
    completed_at: datetime | None = utc_field()


class OutcomeAnswer(Table, table=True):
    """Her self-assessment (1–5) of one outcome in one wave."""

    __table_args__ = (UniqueConstraint("round_id", "outcome"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="surveyround.id", index=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    cohort_id: int | None = Field(default=None, index=True)
    pair_id: int | None = Field(default=None)
    wave: str = Field(max_length=8)
    outcome: str = Field(max_length=24)
    value: int
    answered_at: datetime | None = utc_field(nullable=False)


class Pulse(Table, table=True):
    """How she says the exchange with her peer is going (1–5), and whether she wants a call."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    pair_id: int = Field(index=True)
    asked_at: datetime | None = utc_field(nullable=False)
    rating: int | None = Field(default=None)
    wants_contact: bool | None = Field(default=None)
    answered_at: datetime | None = utc_field()


class ProblemReport(Table, table=True):
    """An alert for the coordinators, kept whether or not one could be reached in the chat:
    something she reported, a low rating, or a pair that needs a hand; seen by coordinators
    only."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    pair_id: int | None = Field(default=None, index=True)
    cohort_id: int | None = Field(default=None, index=True)
    # Its kind: "report" (her words), "checkin" (rated a session 1), "pulse" (rated the exchange
    # 1–2), "contact" (asked in a pulse to be contacted), "new_match" (asked for a new match, her
    # reason in `text`); about her pair as a whole (`PAIR_SOURCES`): "quiet" (four weeks without
    # a session), "connect" (both accepted, a contact to pass on by hand).
    source: str = Field(max_length=16)
    # Her own words (a report of up to `flows.problems.LONGEST` characters, a reason...).
    text: str | None = Field(default=None, max_length=2000)
    rating: int | None = Field(default=None)
    created_at: datetime | None = utc_field(nullable=False)
    coordinators_alerted: int = Field(default=0)
    handled_at: datetime | None = utc_field()
    # Console triage: "new", "in_progress", "urgent"; notes: [{"at", "by", "text"}].
    triage: str = Field(default="new", max_length=16)
    notes: list[dict[str, Any]] = json_field(list)


class TipSent(Table, table=True):
    """A learning tip she received; unique per woman, so no tip reaches her twice."""

    __table_args__ = (UniqueConstraint("participant_id", "tip_id"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    tip_id: str = Field(max_length=32)
    skill: str = Field(max_length=32)
    checkin_id: int | None = Field(default=None)
    sent_at: datetime | None = utc_field(nullable=False)


class TipPreference(Table, table=True):
    """Her choice about tips after check-ins (asking for one from the menu always works)."""

    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    tips_off_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field(nullable=False)


# Check-ins ------------------------------------------------------------------------------------


def open_checkin(
    session: Session,
    *,
    participant_id: int,
    pair_id: int | None,
    meeting_id: int | None,
    nudge_id: int | None,
    now: datetime,
) -> CheckIn | None:
    """The check-in of this woman for this session, created once; None if already completed."""
    existing = None
    if meeting_id is not None:
        existing = session.exec(
            select(CheckIn).where(
                CheckIn.participant_id == participant_id, CheckIn.meeting_id == meeting_id
            )
        ).first()
    if existing is not None:
        return None if existing.completed_at is not None else existing
    checkin = CheckIn(
        participant_id=participant_id,
        pair_id=pair_id,
        meeting_id=meeting_id,
        nudge_id=nudge_id,
        asked_at=now,
    )
    session.add(checkin)
    session.flush()
    return checkin


def checkins_of_pair(session: Session, pair_id: int) -> list[CheckIn]:
    return list(
        session.exec(select(CheckIn).where(CheckIn.pair_id == pair_id).order_by(col(CheckIn.id)))
    )


# Surveys --------------------------------------------------------------------------------------


def survey_round(
    session: Session, participant_id: int, wave: str, cohort_id: int | None
) -> SurveyRound | None:
    return session.exec(
        select(SurveyRound).where(
            SurveyRound.participant_id == participant_id,
            SurveyRound.wave == wave,
            SurveyRound.cohort_id == cohort_id,
        )
    ).first()


def start_round(
    session: Session,
    *,
    participant_id: int,
    wave: str,
    cohort_id: int | None,
    pair_id: int | None,
    now: datetime,
) -> SurveyRound:
    """Open a wave for her once; a second call returns the same round."""
    existing = survey_round(session, participant_id, wave, cohort_id)
    if existing is not None:
        return existing
    round_ = SurveyRound(
        participant_id=participant_id,
        wave=wave,
        cohort_id=cohort_id,
        pair_id=pair_id,
        started_at=now,
    )
    session.add(round_)
    session.flush()
    return round_


# Read on every menu: built once.
_UNFINISHED = (
    select(SurveyRound)
    .where(SurveyRound.participant_id == bindparam("her"), col(SurveyRound.completed_at).is_(None))
    .order_by(col(SurveyRound.id).desc())
)


def unfinished_round(session: Session, participant_id: int) -> SurveyRound | None:
    """Her most recent wave still missing answers, if any."""
    return session.exec(_UNFINISHED, params={"her": participant_id}).first()  # type: ignore[call-overload, no-any-return]


# The same question, answered by an id alone (no ORM object is built).
_ANY_UNFINISHED = _UNFINISHED.with_only_columns(col(SurveyRound.id)).limit(1)


def has_unfinished_round(session: Session, participant_id: int) -> bool:
    """Whether `unfinished_round` would find one, in Core (asked on every menu); answered from
    `prefetch_unfinished` when her batch read it."""
    session.flush()  # a round opened in this transaction counts (and forgets what was kept)
    batch = kept(session, _UNFINISHED_KEPT)
    if batch is not None and participant_id in batch[0]:
        return participant_id in batch[1]
    found = session.connection().execute(_ANY_UNFINISHED, {"her": participant_id}).first()
    return found is not None


# Which of an inbox batch's women have a round waiting: (asked about, found), one SELECT.
_UNFINISHED_KEPT = "checkins.unfinished"
_THEIRS_UNFINISHED = (
    select(SurveyRound.participant_id)
    .where(
        OneOf(col(SurveyRound.participant_id), "women"),
        col(SurveyRound.completed_at).is_(None),
    )
    .distinct()
)
forget_when_written(SurveyRound, _UNFINISHED_KEPT)


def prefetch_unfinished(session: Session, participant_ids: Sequence[int]) -> None:
    """Read, for the transaction under way, which of these women have a round waiting."""
    if not participant_ids:
        return
    rows = session.connection().execute(_THEIRS_UNFINISHED, {"women": list(participant_ids)})
    keep(session, _UNFINISHED_KEPT, (frozenset(participant_ids), {row[0] for row in rows}))


def answered_outcomes(session: Session, round_id: int) -> set[str]:
    return set(
        session.exec(select(OutcomeAnswer.outcome).where(OutcomeAnswer.round_id == round_id))
    )


def next_outcome(session: Session, round_id: int) -> str | None:
    """The first outcome of the nine she has not answered in this round."""
    done = answered_outcomes(session, round_id)
    return next((outcome for outcome in OUTCOMES if outcome not in done), None)


def record_answer(
    session: Session, round_: SurveyRound, outcome: str, value: int, *, now: datetime
) -> OutcomeAnswer:
    """Store one answer (a repeated answer to the same item keeps the latest value)."""
    if outcome not in OUTCOMES or not 1 <= value <= 5:
        raise ValueError("unknown outcome or value out of 1–5")
    answer = session.exec(
        select(OutcomeAnswer).where(
            OutcomeAnswer.round_id == round_.id, OutcomeAnswer.outcome == outcome
        )
    ).first()
    if answer is None:
        answer = OutcomeAnswer(
            round_id=round_.id or 0,
            participant_id=round_.participant_id,
            cohort_id=round_.cohort_id,
            pair_id=round_.pair_id,
            wave=round_.wave,
            outcome=outcome,
            value=value,
            answered_at=now,
        )
    answer.value = value
    answer.answered_at = now
    session.add(answer)
    session.flush()
    if next_outcome(session, round_.id or 0) is None and round_.completed_at is None:
        round_.completed_at = now
        session.add(round_)
    return answer


class OutcomeChange(NamedTuple):
    participant_id: int
    country: str | None
    outcome: str
    baseline: int
    latest: int
    erased: bool  # she erased her data (her country was cleared with it)

    @property
    def change(self) -> int:
        return self.latest - self.baseline


def outcome_changes(session: Session, cohort_id: int | None = None) -> list[OutcomeChange]:
    """Per woman and outcome: her baseline answer and her latest later answer (end over mid).

    This is the query the coordinator report uses for "what changed". Only outcomes answered at
    baseline and in at least one later wave appear; rows are ordered by participant, then the
    order the outcomes are asked in.
    """
    query = select(OutcomeAnswer, Participant.country, Participant.erased_at).join(
        Participant, col(Participant.id) == col(OutcomeAnswer.participant_id)
    )
    if cohort_id is not None:
        query = query.where(OutcomeAnswer.cohort_id == cohort_id)
    baseline: dict[tuple[int, str], int] = {}
    latest: dict[tuple[int, str], tuple[int, datetime, int]] = {}
    countries: dict[int, tuple[str | None, bool]] = {}
    for answer, country, erased_at in session.exec(query):
        key = (answer.participant_id, answer.outcome)
        countries[answer.participant_id] = (country, erased_at is not None)
        if answer.wave == Wave.BASELINE:
            baseline[key] = answer.value
            continue
        rank = (WAVE_ORDER.get(Wave(answer.wave), 0), answer.answered_at, answer.value)
        if key not in latest or rank[:2] > latest[key][:2]:
            latest[key] = rank  # type: ignore[assignment]
    order = {outcome: index for index, outcome in enumerate(OUTCOMES)}
    rows = [
        OutcomeChange(
            pid, countries[pid][0], outcome, baseline[(pid, outcome)], found[2], countries[pid][1]
        )
        for (pid, outcome), found in latest.items()
        if (pid, outcome) in baseline
    ]
    return sorted(rows, key=lambda row: (row.participant_id, order.get(row.outcome, 99)))


# Pulses ---------------------------------------------------------------------------------------


def open_pulse(session: Session, *, participant_id: int, pair_id: int, now: datetime) -> Pulse:
    pulse = Pulse(participant_id=participant_id, pair_id=pair_id, asked_at=now)
    session.add(pulse)
    session.flush()
    return pulse


# Problems -------------------------------------------------------------------------------------

# Kinds about a pair as a whole: they concern both women (and their coordinators), not only the
# one whose id the row carries.
PAIR_SOURCES = frozenset({"quiet", "connect"})
# Kinds that are her safety or her wellbeing (the programme report's "open problem report").
SAFEGUARDING_SOURCES = frozenset({"report", "checkin", "pulse", "contact"})


def record_problem(
    session: Session,
    *,
    participant_id: int,
    source: str,
    now: datetime,
    pair_id: int | None = None,
    cohort_id: int | None = None,
    text: str | None = None,
    rating: int | None = None,
) -> ProblemReport:
    report = ProblemReport(
        participant_id=participant_id,
        pair_id=pair_id,
        cohort_id=cohort_id,
        source=source,
        text=text,
        rating=rating,
        created_at=now,
    )
    session.add(report)
    session.flush()
    return report


def concerned(session: Session, report: ProblemReport) -> tuple[int, ...]:
    """The women a report is about: both of its pair's for a pair alert, else hers. Its alert
    went to their coordinators, and the console shows it to the same ones."""
    pair_wide = report.source in PAIR_SOURCES and report.pair_id is not None
    pair = session.get(Pair, report.pair_id) if pair_wide else None
    return pair.members() if pair is not None else (report.participant_id,)


def open_problems(session: Session, cohort_id: int | None = None) -> list[ProblemReport]:
    query = select(ProblemReport).where(col(ProblemReport.handled_at).is_(None))
    if cohort_id is not None:
        query = query.where(ProblemReport.cohort_id == cohort_id)
    return list(session.exec(query.order_by(col(ProblemReport.id))))


# Tips -----------------------------------------------------------------------------------------


def tips_seen(session: Session, participant_id: int) -> set[str]:
    return set(session.exec(select(TipSent.tip_id).where(TipSent.participant_id == participant_id)))


def record_tip(
    session: Session,
    *,
    participant_id: int,
    tip_id: str,
    skill: str,
    now: datetime,
    checkin_id: int | None = None,
) -> TipSent:
    sent = TipSent(
        participant_id=participant_id,
        tip_id=tip_id,
        skill=skill,
        checkin_id=checkin_id,
        sent_at=now,
    )
    session.add(sent)
    session.flush()
    return sent


def tips_on(session: Session, participant_id: int) -> bool:
    preference = session.get(TipPreference, participant_id)
    return preference is None or preference.tips_off_at is None


def set_tips(session: Session, participant_id: int, *, on: bool, now: datetime) -> None:
    preference = session.get(TipPreference, participant_id) or TipPreference(
        participant_id=participant_id, updated_at=now
    )
    preference.tips_off_at = None if on else now
    preference.updated_at = now
    session.add(preference)


# Erasure --------------------------------------------------------------------------------------


def erase_texts_of(session: Session, participant_ids: Sequence[int] | int) -> None:
    """Clear the free text she wrote (check-ins, reports); numbers stay, anonymous, for counts."""
    ids = [participant_ids] if isinstance(participant_ids, int) else list(participant_ids)
    session.execute(
        update(CheckIn)
        .where(col(CheckIn.participant_id).in_(ids))
        .values(learned=None, shared=None)
    )
    session.execute(
        update(ProblemReport)
        .where(col(ProblemReport.participant_id).in_(ids))
        .values(text=None, notes=[])
    )
