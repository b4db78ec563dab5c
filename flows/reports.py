"""The programme report: what the coordinators watch and what the funder asks for.

Funnel (invited → onboarded → matched → both accepted → first session → 3+ sessions), sessions
per week, check-in ratings, the change of each of the nine outcomes from baseline to the latest
survey by country, pairs at risk (no session for 21+ days, a low pulse, an open problem report,
an open alert to put them in touch or about the pair gone quiet) and the reach of each
broadcast. Per-country figures under 5 women are hidden (`None`), and so is any outcome average
over fewer than 5 women, so no woman can be singled out; so are the other figures from which a
hidden one could be worked out (`flows.disclosure`), the funnel and the outcomes read together
(an outcome's women of a country are among those it invited), and enough of an outcome's
countries that the hidden ones hold 5 women at least (their average is the programme's less the
shown ones'). Where the totals and the list of countries alone would tell a small count (invited
2 in two countries: 1 each), the funnel is not shown by country at all, nor are the outcomes.
Ratings given by fewer than 5 women are not shown, nor their average (`ratings_hidden`). A
cohort's or a scoped coordinator's report is read against the whole programme's, which a funder
may hold too: a figure whose complement in the programme is 1 to 4 women is hidden (`_whole`).
A woman who erased her data is counted in a row of her own, never under a country; her ratings
and answers only pooled with those of 4 other erased women at least (the exports no longer list
them, so the report less an export would be hers). The report holds
pseudonymous ids only, never names or contacts.

Every figure is computed from the tables, so it is always current. A source whose table is not
there yet (an older database) is listed in `missing` and its section says "no data yet".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from statistics import mean

from sqlalchemy import inspect
from sqlmodel import Session, col, select

from flows import broadcasts
from flows import pair_lifecycle as lifecycle
from flows.disclosure import (
    SMALL,
    Cell,
    hidden_apart,
    hidden_cells,
    hidden_together,
    small,
    withheld,
)
from flows.matching.service import cohort_or_fail
from flows.messages import Msg, _, _p
from flows.scope import EVERYONE, Scope, members, sees_report
from storage.checkins import (
    OUTCOMES,
    SAFEGUARDING_SOURCES,
    CheckIn,
    Happened,
    ProblemReport,
    Pulse,
    open_problems,
    outcome_changes,
)
from storage.coordination import Broadcast, BroadcastStatus
from storage.meetings import Meeting, MeetingStatus
from storage.models import OutboundMessage, Participant
from storage.pairs import Cohort, Pair, PairStatus, find_cohort

QUIET_DAYS = 21  # an active pair with no session for this long is at risk
LOW_PULSE = 2  # a pulse at or under this is at risk

FUNNEL = ("invited", "onboarded", "matched", "accepted", "first_session", "three_sessions")
FUNNEL_LABELS: dict[str, Msg] = {
    "invited": _("Invited"),
    "onboarded": _("Onboarded"),
    "matched": _("Matched"),
    "accepted": _("Both accepted"),
    "first_session": _("First session"),
    "three_sessions": _("3+ sessions"),
}
OUTCOME_LABELS: dict[str, Msg] = {
    "confidence": _("Self-confidence"),
    "management": _("Managerial skills"),
    "strategy": _("Strategic thinking"),
    "networking": _("Networking"),
    "international": _("International markets"),
    "leadership": _("Leadership"),
    "digital": _("AI and digital tools"),
    "communication": _("Strategic communication"),
    "sustainability": _("Sustainable practices"),
}
RISK_LABELS: dict[str, Msg] = {
    "quiet": _("no session for {days} days"),
    "quiet_restarted": _("no session since its restart {days} days ago"),
    "pulse": _("low pulse ({rating}/5)"),
    "problem": _("open problem report"),
    "connect": _("still to be put in touch"),
    "quiet_alert": _("open alert: pair gone quiet"),
}
# The reason an open kept alert of each kind gives its live pair (`ProblemReport.source`). A new
# match asked is about a pair that has ended, so it puts no live pair at risk.
ALERT_REASONS = {
    **dict.fromkeys(SAFEGUARDING_SOURCES, "problem"),
    "connect": "connect",
    "quiet": "quiet_alert",
}
ALERT_ORDER = ("problem", "connect", "quiet_alert")
# The row (the outcomes' column) for women who erased their data: erasure clears her country with
# the rest of her profile (README, Privacy), so she is counted apart rather than as "Not given".
ERASED = "ERASED"
COUNTRY_LABELS: dict[str, Msg] = {
    "BO": _("Bolivia"),
    "SN": _("Senegal"),
    "CA": _("Canada"),
    "OTHER": _("Another country"),
    "?": _("Not given"),
    ERASED: _("Erased her data"),
}


# Words of the printed and HTML report, in the reader's language.
TEXT: dict[str, Msg] = {
    "title": _("Entrepairs programme report"),
    "generated": _("Generated on {date}"),
    "cohort": _("Cohort: {cohort}"),
    "all_cohorts": _("All cohorts"),
    # A country-scoped coordinator's report: the countries it covers ("Countries: Senegal").
    "countries": _("Countries: {countries}"),
    "headline": _("At a glance"),
    # One line of the printed report ("Participants: 30"); French puts a space before the colon.
    "line": _("{label}: {value}"),
    "participants": _("Participants"),
    "onboarded": _("Onboarded"),
    "opted_out": _("Stopped messages"),
    "active_pairs": _("Active pairs"),
    "sessions_30d": _("Sessions, last 30 days"),
    "mean_rating": _("Average session rating"),
    "at_risk": _("Pairs at risk"),
    "broadcasts_30d": _("Announcements, last 30 days"),
    "funnel": _("From invitation to regular sessions"),
    "by_country": _("By country"),
    "withheld": _(
        "Not shown by country: with so few women in each, even hidden figures could be worked "
        "out from the totals."
    ),
    # The outcomes by country, when the funnel is not shown by country or they would tell one
    # of its hidden figures: not for want of women in each.
    "withheld_funnel": _(
        "Not shown by country: read with the figures from invitation to sessions above, they "
        "would let a hidden one be worked out."
    ),
    "country": _("Country"),
    "weeks": _("Sessions per week"),
    "week_of": _("Week of"),
    "sessions": _("Sessions"),
    "ratings": _("How useful the sessions were (check-ins, 1 to 5)"),
    "rating": _("Rating"),
    "answers": _("Answers"),
    # A line under the ratings: they are in the counts above, not in the check-ins export.
    "ratings_erased": _("Of these, given by women who have since erased their data"),
    # In place of the ratings (and their average) when fewer than 5 women gave them.
    "too_few": _("Too few women to show: under 5."),
    "outcomes": _("What changed: self-assessment at baseline and at the latest survey (1 to 5)"),
    "outcome": _("Outcome"),
    "women": _("Women"),
    "baseline": _("Baseline"),
    "latest": _("Latest"),
    "change": _("Change"),
    "all_countries": _("All countries"),
    "risk": _("Pairs needing attention"),
    "pair": _("Pair"),
    "members": _("Members"),
    "reasons": _("Why"),
    "reach": _("Announcements"),
    "announcement": _("Announcement"),
    "date": _("Date"),
    "reached": _("Reached"),
    "delivered": _("Delivered"),
    "read": _("Read"),
    # The same words as the console's delivery cards: each message is in one of these.
    "waiting": _("Waiting for her reply (WhatsApp)"),
    "failed": _("Failed"),
    "skipped": _("Skipped"),
    "queued": _("Waiting to go"),
    "scheduled": _("Scheduled for later"),
    "total": _("Audience"),
    "no_data": _("No data yet."),
    "none_at_risk": _("No pair needs attention."),
    # Translators: what a hidden figure shows in the report's tables, in place of the number.
    "hidden": _p("hidden figure", "x"),
    "suppressed": _(
        "{mark}: hidden so that no woman can be singled out: under 5 women, or a figure from "
        "which one under 5 could be worked out."
    ),
    "erased": _(
        "Women who erased their data still count, apart from any country (“{row}”); their "
        "answers are no longer listed one by one."
    ),
    "back": _("Back to the coordinator console"),
    "pseudonyms": _("Women are shown by their pseudonymous ids only."),
}


@dataclass(frozen=True)
class OutcomeStat:
    women: int
    baseline: float
    latest: float

    @property
    def change(self) -> float:
        return self.latest - self.baseline


@dataclass(frozen=True)
class AtRisk:
    pair_id: int
    a_id: int
    b_id: int
    a_public: str
    b_public: str
    countries: tuple[str, str]
    # ("quiet", {"days": 25}), ("pulse", {"rating": 2}), ("problem", {}), ("connect", {}),
    # ("quiet_alert", {}): see RISK_LABELS
    reasons: tuple[tuple[str, dict[str, int]], ...]


@dataclass(frozen=True)
class Reach:
    broadcast_id: int
    queued_at: datetime | None
    report: broadcasts.DeliveryReport


@dataclass
class ProgrammeReport:
    generated_at: datetime
    # The cohort it covers (her cohorts' names for a cohort-scoped coordinator); None: all.
    cohort: str | None
    funnel: dict[str, int]
    # country → step → count (None when hidden: under SMALL, or it would let one be worked out);
    # empty when `funnel_withheld`
    funnel_by_country: dict[str, dict[str, int | None]]
    sessions_per_week: list[tuple[date, int]]
    ratings: dict[int, int]
    # of those ratings, the ones given by women who erased their data since (not in the export)
    ratings_erased: int
    # outcome → "all" or a country → stat; None when hidden: under SMALL women (the programme's
    # average too), or it would let such a country's be worked out; absent when no woman of
    # that country answered it at baseline and later; "all" alone when `outcomes_withheld`
    outcomes: dict[str, dict[str, OutcomeStat | None]]
    at_risk: list[AtRisk]
    reach: list[Reach]
    headline: dict[str, float | int | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    # The funnel by country is not shown: its totals and its countries alone would tell a small
    # count, whatever is hidden (`flows.disclosure.withheld`).
    funnel_withheld: bool = False
    # The same for the outcomes by country (five countries of one woman each, say, or a funnel
    # not shown by country); also when, read with the funnel, they would tell one of its counts.
    outcomes_withheld: bool = False
    # Why they are: "few" (the outcomes' own counts tell one) or "funnel" (read with the funnel,
    # withheld itself or not): its note says the true reason.
    outcomes_withheld_why: str = ""
    # A country-scoped coordinator's countries: the report covers their women only.
    countries: tuple[str, ...] = ()
    # Fewer than SMALL women gave the ratings: they are not shown (`ratings` is empty), nor
    # their average; one woman knowing her own could work out the others'.
    ratings_hidden: bool = False

    @property
    def counts_erased(self) -> bool:
        """Whether a row (the outcomes' column) or the ratings count women who erased their data."""
        return (
            ERASED in self.funnel_by_country
            or any(ERASED in stats for stats in self.outcomes.values())
            or self.ratings_erased > 0
        )

    @property
    def outcomes_note(self) -> str:
        """The key in TEXT of the note saying why the outcomes are not shown by country."""
        return "withheld_funnel" if self.outcomes_withheld_why == "funnel" else "withheld"

    @property
    def mean_rating(self) -> float | None:
        total = sum(self.ratings.values())
        if not total:
            return None
        return sum(value * n for value, n in self.ratings.items()) / total


def country_row(country: str | None, erased: bool) -> str:
    """Her row in the figures by country: her country, "?" when not given, ERASED once erased."""
    return ERASED if erased else country or "?"


def row_order(row: str) -> tuple[bool, str]:
    """Rows by country in their order: the countries, then the women who erased their data."""
    return row == ERASED, row


def _funnel_row(person: Participant) -> str:
    return country_row(person.country, person.erased_at is not None)


def _has_table(session: Session, name: str) -> bool:
    return inspect(session.get_bind()).has_table(name)


# Sources -------------------------------------------------------------------------------------


def _people(
    session: Session, cohort_id: int | None, scope: Scope, staff: Collection[int]
) -> list[Participant]:
    """The women the figures count: her members (`flows.scope.members`, which says who counts)."""
    query = members(scope, staff=staff, cohort_id=cohort_id)
    return list(session.exec(query.order_by(col(Participant.id))))


def _pairs(session: Session, cohort_id: int | None, scope: Scope) -> list[Pair]:
    query = select(Pair)
    if cohort_id is not None:
        query = query.where(Pair.cohort_id == cohort_id)
    return [pair for pair in session.exec(query.order_by(col(Pair.id))) if scope.sees_pair(pair)]


def held_sessions(
    session: Session, pair_ids: list[int], *, now: datetime, missing: list[str]
) -> dict[int, list[datetime]]:
    """Start times of the sessions each pair held: agreed, started, and not reported as missed."""
    if not _has_table(session, "meeting"):
        missing.append("sessions")
        return {}

    rows = list(
        session.exec(
            select(Meeting).where(
                col(Meeting.status).in_((MeetingStatus.CONFIRMED, MeetingStatus.HELD)),
                col(Meeting.start_at) <= now,
            )
        )
    )
    wanted = set(pair_ids)
    missed = _missed_meetings(session)
    held: dict[int, list[datetime]] = defaultdict(list)
    for meeting in rows:
        if meeting.pair_id in wanted and meeting.id not in missed and meeting.start_at:
            held[meeting.pair_id].append(meeting.start_at)
    return {pair_id: sorted(starts) for pair_id, starts in held.items()}


def _missed_meetings(session: Session) -> set[int]:
    """Meetings both check-ins say did not happen (one "yes" is enough to count it)."""
    if not _has_table(session, "checkin"):
        return set()

    said: dict[int, set[str]] = defaultdict(set)
    for meeting_id, happened in session.exec(
        select(CheckIn.meeting_id, CheckIn.happened).where(col(CheckIn.meeting_id).is_not(None))
    ):
        if happened:
            said[meeting_id or 0].add(happened)
    return {
        meeting_id
        for meeting_id, answers in said.items()
        if Happened.YES not in answers and answers & {Happened.NO, Happened.MOVED}
    }


# Sections ------------------------------------------------------------------------------------


def _funnel_of(
    people: list[Participant], pairs: list[Pair], held: dict[int, list[datetime]]
) -> dict[str, dict[int, bool]]:
    """For each step, which women reached it."""
    matched: set[int] = set()
    accepted: set[int] = set()
    sessions: Counter[int] = Counter()
    for pair in pairs:
        if pair.introduced_at is not None or pair.status not in (
            PairStatus.PROPOSED,
            PairStatus.WITHDRAWN,
        ):
            matched.update(pair.members())
        if pair.active_at is not None:
            accepted.update(pair.members())
        for member in pair.members():
            sessions[member] += len(held.get(pair.id or 0, []))
    steps: dict[str, dict[int, bool]] = {step: {} for step in FUNNEL}
    for person in people:
        pid = person.id or 0
        steps["invited"][pid] = True
        steps["onboarded"][pid] = person.onboarded_at is not None
        steps["matched"][pid] = pid in matched
        steps["accepted"][pid] = pid in accepted
        steps["first_session"][pid] = sessions[pid] >= 1
        steps["three_sessions"][pid] = sessions[pid] >= 3
    return steps


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(held: dict[int, list[datetime]], now: datetime) -> list[tuple[date, int]]:
    """Sessions held each week, from the first week with one to this week: the weeks since
    the last session show as 0, so a programme gone quiet does not look busy."""
    counts: Counter[date] = Counter()
    for starts in held.values():
        for start in starts:
            counts[_monday(start.date())] += 1
    if not counts:
        return []
    first, last = min(counts), max(max(counts), _monday(now.date()))
    weeks = []
    week = first
    while week <= last:
        weeks.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return weeks


def _ratings(
    session: Session, pair_ids: set[int] | None, scope: Scope, missing: list[str]
) -> tuple[dict[int, int], int, int]:
    """How many check-ins her women gave each rating in these pairs, how many of them women
    who erased their data gave (still counted when SMALL such women at least gave them, as
    their self-assessments in "All countries", never listed), and how many women gave them.
    The other woman of a mixed pair is not hers: as in the check-ins export."""
    if not _has_table(session, "checkin"):
        missing.append("checkins")
        return {}, 0, 0
    counted = _given(session, pair_ids, scope)
    counts = Counter(value for _woman, value, _erased in counted)
    ratings = {value: counts[value] for value in range(1, 6)}
    erased = sum(1 for _woman, _value, gone in counted if gone)
    return ratings, erased, len({woman for woman, _value, _erased in counted})


def _given(
    session: Session, pair_ids: set[int] | None, scope: Scope
) -> list[tuple[int, int, bool]]:
    """The ratings the report counts: (woman, rating, whether she erased her data since)."""
    given: dict[bool, list[tuple[int, int]]] = {False: [], True: []}  # erased → (woman, value)
    query = (
        select(CheckIn.pair_id, CheckIn.participant_id, CheckIn.usefulness, Participant.erased_at)
        .join(Participant, col(Participant.id) == col(CheckIn.participant_id))
        .where(col(CheckIn.usefulness).is_not(None))
    )
    for pair_id, woman, value, erased_at in session.exec(query):
        if (pair_ids is None or pair_id in pair_ids) and scope.sees(woman) and value in range(1, 6):
            given[erased_at is not None].append((woman, value or 0))
    # The check-ins export no longer lists an erased woman's: the report less the export is
    # the erased women's ratings, so theirs are counted only pooled, SMALL women at least.
    if small(len({woman for woman, _value in given[True]})):
        given[True] = []
    return [(woman, value, gone) for gone in (False, True) for woman, value in given[gone]]


@dataclass
class _FunnelByCountry:
    """The funnel's counts by row, as the outcomes are checked with them: its rows, counts,
    hidden cells (more may be hidden for the outcomes) and whether it is shown by row at all."""

    rows: list[str]
    table: list[list[int]]
    hidden: set[Cell]
    withheld: bool


def _outcomes(
    session: Session,
    cohort_id: int | None,
    scope: Scope,
    missing: list[str],
    funnel: _FunnelByCountry,
    rest: dict[str, dict[str, int]] | None = None,
) -> tuple[dict[str, dict[str, OutcomeStat | None]], str]:
    """Each outcome's averages, for all and by country, and why the breakdown by country is
    withheld ("" when it is not; see `ProgrammeReport.outcomes_withheld_why`). Read with the
    funnel by country, whose hidden cells it may add to: an outcome's women of a country are
    among those it invited. `rest`: the whole programme's women by outcome and row, for a
    cohort's or a scoped coordinator's report (`_whole`)."""
    if not _has_table(session, "outcomeanswer"):
        missing.append("outcomes")
        return {}, ""

    grouped = _grouped(session, cohort_id, scope)
    answered = [outcome for outcome in OUTCOMES if grouped[outcome]]
    places = sorted({where for o in answered for where in grouped[o]} - {"all"}, key=row_order)
    # A country's women for each outcome: each outcome's add up to its "all", shown from 5 up;
    # "—" where nobody answered, so the reader tells a 0 from a hidden count.
    table = [[len(grouped[outcome][where]) for outcome in answered] for where in places]
    # Beside the whole report, a figure of 1 to 4 women fewer than the programme's tells those
    # few's average: such an average is hidden, and so is the outcome's every country.
    hidden_all: set[int] = set()
    forced: set[Cell] = set()
    for column, outcome in enumerate(answered if rest is not None else []):
        theirs = (rest or {}).get(outcome, {})
        gaps = [theirs.get(where, 0) - table[line][column] for line, where in enumerate(places)]
        mine = [gap for line, gap in enumerate(gaps) if table[line][column]]
        if small(sum(mine)) or small(theirs.get("all", 0) - len(grouped[outcome]["all"])):
            hidden_all.add(column)
        if any(small(gap) for gap in mine):
            forced |= {(line, column) for line in range(len(places)) if table[line][column]}
    totals = [
        len(grouped[outcome]["all"]) >= SMALL and column not in hidden_all
        for column, outcome in enumerate(answered)
    ]
    # Shown by country only where the funnel is: its rows would tell what its withholding keeps.
    hidden = hidden_apart(table, totals=totals, averages=True, also=forced)
    # Their own reason first: too few women in each, whatever the funnel shows.
    why = "few" if hidden is None else "funnel"
    if funnel.withheld:
        hidden = None
    if hidden is not None:
        rows = [funnel.rows.index(where) if where in funnel.rows else None for where in places]
        # The baseline survey comes with a pair's start: her answers say she reached it.
        through = FUNNEL.index("accepted") + 1
        together = hidden_together(
            funnel.table, funnel.hidden, table, hidden, rows=rows, totals=totals, through=through
        )
        if together is not None:
            funnel.hidden, hidden = together
        else:
            hidden, why = None, "funnel"
    result: dict[str, dict[str, OutcomeStat | None]] = {outcome: {} for outcome in OUTCOMES}
    for column, outcome in enumerate(answered):
        shown = column not in hidden_all
        result[outcome]["all"] = _outcome_stat(grouped[outcome]["all"]) if shown else None
        for line, where in enumerate(places):
            if hidden is None:
                break
            if (line, column) in hidden:
                result[outcome][where] = None
            elif table[line][column]:
                result[outcome][where] = _outcome_stat(grouped[outcome][where])
    return result, why if hidden is None and places else ""


def _grouped(
    session: Session, cohort_id: int | None, scope: Scope
) -> dict[str, dict[str, list[tuple[int, int]]]]:
    """Each outcome's answers the report counts (baseline, latest), for all and by row."""
    grouped: dict[str, dict[str, list[tuple[int, int]]]] = {
        outcome: defaultdict(list) for outcome in OUTCOMES
    }
    changes = [
        row
        for row in outcome_changes(session, cohort_id)
        if scope.sees(row.participant_id) and row.outcome in grouped
    ]
    # The outcomes export no longer lists an erased woman's answers: the report less the export
    # is the erased women's, so an outcome counts theirs only pooled, SMALL women at least.
    erased = Counter(row.outcome for row in changes if row.erased)
    for row in changes:
        if row.erased and small(erased[row.outcome]):
            continue
        answers = (row.baseline, row.latest)
        grouped[row.outcome]["all"].append(answers)
        grouped[row.outcome][country_row(row.country, row.erased)].append(answers)
    return grouped


def _outcome_stat(values: list[tuple[int, int]]) -> OutcomeStat | None:
    """The averages of these women's answers, or None under SMALL women: the average of one
    woman's answers is her own self-assessment, whether for a country or a whole cohort."""
    if len(values) < SMALL:
        return None
    return OutcomeStat(len(values), mean(v[0] for v in values), mean(v[1] for v in values))


def _answered_by_a_session(problem: ProblemReport, held: dict[int, list[datetime]]) -> bool:
    """A "gone quiet" alert whose pair has held a session since: its reason is gone, though the
    alert stays in the console's inbox until a coordinator closes it."""
    starts = held.get(problem.pair_id or 0, [])
    return problem.source == "quiet" and bool(starts) and starts[-1] >= problem.created_at


def at_risk(
    session: Session,
    *,
    now: datetime,
    cohort_id: int | None = None,
    scope: Scope = EVERYONE,
    missing: list[str] | None = None,
) -> list[AtRisk]:
    """Active (or paused) pairs needing a coordinator's attention, the most urgent first. A pair
    of hers counts whole (its sessions), but only her women's pulses and the alerts of her own
    inbox (`flows.scope.sees_report`) put it at risk: the other woman's are her coordinators'."""
    missing = missing if missing is not None else []
    pairs = [
        pair
        for pair in _pairs(session, cohort_id, scope)
        if pair.status in (PairStatus.ACTIVE, PairStatus.PAUSED)
    ]
    held = held_sessions(session, [pair.id or 0 for pair in pairs], now=now, missing=missing)
    restarted = lifecycle.restarts(session, [pair.id or 0 for pair in pairs])
    pulses: dict[int, int] = {}
    alerts: dict[int, set[str]] = defaultdict(set)  # pair → reasons from open kept alerts
    if _has_table(session, "pulse"):
        latest: dict[int, tuple[datetime, int]] = {}
        for pulse in session.exec(select(Pulse).where(col(Pulse.rating).is_not(None))):
            if not scope.sees(pulse.participant_id):
                continue  # the other woman's pulse alerts her own coordinators, not this one
            when = pulse.answered_at or pulse.asked_at or now
            if pulse.pair_id not in latest or when >= latest[pulse.pair_id][0]:
                latest[pulse.pair_id] = (when, pulse.rating or 0)
        pulses = {pair_id: rating for pair_id, (_when, rating) in latest.items()}
        members = {member: pair.id or 0 for pair in pairs for member in pair.members()}
        for problem in open_problems(session):
            reason = ALERT_REASONS.get(problem.source)
            if reason is None or _answered_by_a_session(problem, held):
                continue
            if not sees_report(session, scope, problem):
                continue  # the console's inbox does not show it her either
            if problem.pair_id is not None:
                alerts[problem.pair_id].add(reason)
            elif problem.participant_id in members:
                alerts[members[problem.participant_id]].add(reason)
    people = {
        person.id: person
        for person in session.exec(
            select(Participant).where(
                col(Participant.id).in_([m for pair in pairs for m in pair.members()])
            )
        )
    }
    found = []
    for pair in pairs:
        reasons: list[tuple[str, dict[str, int]]] = []
        starts = held.get(pair.id or 0, [])
        since = starts[-1] if starts else (pair.active_at or pair.introduced_at)
        quiet = "quiet"
        restart = restarted.get(pair.id or 0)
        if restart is not None and (since is None or restart > since):
            # Back from a pause: the days at rest were chosen, not a lapse (as the ladder counts).
            since, quiet = restart, "quiet_restarted"
        if pair.status == PairStatus.ACTIVE and since and now - since >= timedelta(QUIET_DAYS):
            reasons.append((quiet, {"days": (now - since).days}))
        rating = pulses.get(pair.id or 0)
        if rating is not None and rating <= LOW_PULSE:
            reasons.append(("pulse", {"rating": rating}))
        reasons += [(key, {}) for key in ALERT_ORDER if key in alerts.get(pair.id or 0, ())]
        if reasons:
            a, b = people.get(pair.a_id), people.get(pair.b_id)
            found.append(
                AtRisk(
                    pair.id or 0,
                    pair.a_id,
                    pair.b_id,
                    a.public_id if a else "?",
                    b.public_id if b else "?",
                    ((a.country if a else None) or "?", (b.country if b else None) or "?"),
                    tuple(reasons),
                )
            )
    urgency = {
        "problem": 0,
        "pulse": 1,
        "connect": 2,
        "quiet": 3,
        "quiet_restarted": 3,
        "quiet_alert": 3,
    }
    return sorted(found, key=lambda r: (min(urgency[k] for k, _v in r.reasons), r.pair_id))


def reach(
    session: Session,
    *,
    now: datetime,
    limit: int = 20,
    scope: Scope = EVERYONE,
    cohort_id: int | None = None,
    women: Collection[int] = (),
) -> list[Reach]:
    """The latest announcements her view covers, each with where its messages stand (for a
    cohort, `women` are its women: see `_announcements`)."""
    shown = islice(_announcements(session, scope, cohort_id, women), limit)
    report = broadcasts.delivery_report
    return [
        Reach(row.id or 0, row.queued_at, report(session, row, now=now, among=who))
        for row, who in shown
    ]


def _announcements(
    session: Session,
    scope: Scope,
    cohort_id: int | None,
    women: Collection[int],
    since: datetime | None = None,
) -> Iterator[tuple[Broadcast, Collection[int] | None]]:
    """The announcements sent out (or going out) that her view covers, newest first, each with
    the women its figures count (None: its whole audience).

    Her scope covers those written only to her countries and cohorts (`Scope.sees_broadcast`).
    A cohort's report covers those written to this cohort alone, counted whole, and those that
    reached some of its women, counted over them only: another cohort's announcement is not
    this cohort's, and one to every Bolivian woman is this cohort's only for its Bolivians.
    """
    query = select(Broadcast).where(Broadcast.status != BroadcastStatus.DRAFT)
    if since is not None:
        query = query.where(col(Broadcast.queued_at) >= since)
    touched = _reaching(session, women) if cohort_id is not None else set()
    for row in session.exec(query.order_by(col(Broadcast.id).desc())):
        if not scope.sees_broadcast(row):
            continue
        if cohort_id is None or _written_to(session, row, cohort_id):
            yield row, None
        elif row.id in touched:
            yield row, women


def _reaching(session: Session, women: Collection[int]) -> set[int]:
    """The announcements with a message to one of these women."""
    ids = sorted(women)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(
            broadcast_id
            for broadcast_id in session.exec(
                select(OutboundMessage.broadcast_id)
                .where(col(OutboundMessage.broadcast_id).is_not(None))
                .where(col(OutboundMessage.participant_id).in_(ids[start : start + 500]))
                .distinct()
            )
            if broadcast_id is not None
        )
    return found


def _written_to(session: Session, broadcast: Broadcast, cohort_id: int) -> bool:
    """Whether the announcement was written to this cohort alone (its audience is the cohort's)."""
    names = broadcasts.Audience.from_json(broadcast.audience or {}).cohorts
    return bool(names) and all(_cohort_id(session, name) == cohort_id for name in names)


def _cohort_id(session: Session, name: str) -> int | None:
    found = find_cohort(session, name)
    return found.id if found else None


def _covered_cohorts(session: Session, scope: Scope) -> str | None:
    """A cohort-scoped coordinator's cohorts by name: her report says whose figures it gives (a
    funder reading "All cohorts" would take one cohort's for the programme's)."""
    found = (session.get(Cohort, cohort_id) for cohort_id in scope.cohorts)
    return ", ".join(sorted(cohort.name for cohort in found if cohort is not None)) or None


def _funnel_by_row(
    people: list[Participant], steps: dict[str, dict[int, bool]]
) -> tuple[list[str], list[list[int]]]:
    """The funnel's rows (countries, then the erased) and each row's count at each step."""
    rows: dict[str, list[int]] = defaultdict(list)
    for person in people:
        rows[_funnel_row(person)].append(person.id or 0)
    countries = sorted(rows, key=row_order)
    table = [[sum(steps[step][pid] for pid in rows[c]) for step in FUNNEL] for c in countries]
    return countries, table


@dataclass(frozen=True)
class _Whole:
    """The whole programme's figures (the admin's report's, before hiding), which a cohort's or
    a scoped coordinator's report is read against: a funder may hold both."""

    funnel: dict[str, list[int]]  # row → count at each step
    outcomes: dict[str, dict[str, int]]  # outcome → "all" or row → women
    ratings: Counter[tuple[int, int, bool]]  # (woman, rating, erased) → check-ins


def _whole(session: Session, now: datetime, staff: Collection[int]) -> _Whole:
    people = _people(session, None, EVERYONE, staff)
    pairs = _pairs(session, None, EVERYONE)
    held = held_sessions(session, [pair.id or 0 for pair in pairs], now=now, missing=[])
    rows, table = _funnel_by_row(people, _funnel_of(people, pairs, held))
    outcomes: dict[str, dict[str, int]] = {}
    if _has_table(session, "outcomeanswer"):
        grouped = _grouped(session, None, EVERYONE)
        outcomes = {o: {where: len(v) for where, v in by.items()} for o, by in grouped.items()}
    given = _given(session, None, EVERYONE) if _has_table(session, "checkin") else []
    return _Whole(dict(zip(rows, table, strict=True)), outcomes, Counter(given))


def build(
    session: Session,
    *,
    now: datetime,
    cohort: str | None = None,
    scope: Scope = EVERYONE,
    staff: Collection[int] = (),
) -> ProgrammeReport:
    """The whole report, or the part a coordinator's scope covers (the caller checks the role:
    see `flows.coordination.require`). `staff`: the coordinators' ids
    (`flows.coordination.coordinator_ids`), whose work accounts are not participants."""
    chosen = cohort_or_fail(session, cohort) if cohort else None
    cohort_id = chosen.id if chosen else None
    missing: list[str] = []
    people = _people(session, cohort_id, scope, staff)
    pairs = _pairs(session, cohort_id, scope)
    held = held_sessions(session, [pair.id or 0 for pair in pairs], now=now, missing=missing)
    steps = _funnel_of(people, pairs, held)
    funnel = {step: sum(steps[step].values()) for step in FUNNEL}
    countries, table = _funnel_by_row(people, steps)
    narrowed = cohort_id is not None or not scope.whole
    rest = _whole(session, now, staff) if narrowed else None
    # Beside the whole report, a count 1 to 4 under the programme's tells those few women's
    # steps: it is hidden as if small (and protected alike).
    gaps = {
        (line, column)
        for line, country in enumerate(countries)
        for column, count in enumerate(table[line])
        if rest is not None and small(rest.funnel.get(country, [0] * len(FUNNEL))[column] - count)
    }
    # Each step's countries add up to the funnel's figure, and no step has more women than the one
    # before: a reader knows both, so the hidden counts are chosen knowing them too.
    funnel_withheld = withheld(table, funnel=True, also=gaps)
    hidden = set() if funnel_withheld else hidden_cells(table, funnel=True, also=gaps)
    read_with = _FunnelByCountry(countries, table, hidden, funnel_withheld)
    outcomes, outcomes_withheld_why = _outcomes(
        session, cohort_id, scope, missing, read_with, rest.outcomes if rest else None
    )
    by_country = {
        country: {
            step: None if (line, column) in read_with.hidden else table[line][column]
            for column, step in enumerate(FUNNEL)
        }
        for line, country in enumerate(countries)
        if not funnel_withheld
    }
    pair_ids = {pair.id or 0 for pair in pairs} if narrowed else None
    risky = at_risk(session, now=now, cohort_id=cohort_id, scope=scope, missing=[])
    women = frozenset(person.id or 0 for person in people)
    ratings, ratings_erased, raters = _ratings(session, pair_ids, scope, missing)
    # Given by 1 to 4 women, the ratings and their average are those women's own: two women,
    # an average of 3, and the one who gave 5 knows the other gave 1.
    ratings_hidden = small(raters)
    if rest is not None and not ratings_hidden and "checkins" not in missing:
        # Beside the whole report's, the ratings of the 1 to 4 women it has more would show.
        mine = Counter(_given(session, pair_ids, scope))
        ratings_hidden = small(len({woman for woman, _v, _e in rest.ratings - mine}))
    if ratings_hidden:
        ratings, ratings_erased = {}, 0
    report = ProgrammeReport(
        generated_at=now,
        cohort=chosen.name if chosen else _covered_cohorts(session, scope),
        funnel=funnel,
        funnel_by_country=by_country,
        sessions_per_week=_weeks(held, now),
        ratings=ratings,
        ratings_erased=ratings_erased,
        outcomes=outcomes,
        at_risk=risky,
        reach=reach(session, now=now, scope=scope, cohort_id=cohort_id, women=women),
        missing=missing,
        funnel_withheld=funnel_withheld,
        outcomes_withheld=bool(outcomes_withheld_why),
        outcomes_withheld_why=outcomes_withheld_why,
        countries=scope.countries,
        ratings_hidden=ratings_hidden,
    )
    report.headline = headline(
        session,
        report,
        now=now,
        held=held,
        people=people,
        pairs=pairs,
        scope=scope,
        cohort_id=cohort_id,
    )
    return report


def headline(
    session: Session,
    report: ProgrammeReport,
    *,
    now: datetime,
    held: dict[int, list[datetime]],
    people: list[Participant],
    pairs: list[Pair],
    scope: Scope = EVERYONE,
    cohort_id: int | None = None,
) -> dict[str, float | int | None]:
    month_ago = now - timedelta(days=30)
    # The same women as the funnel's: one who erased her data stays counted (anonymous, as
    # "stopped messages"), so onboarded and stopped never exceed the participants beside them.
    return {
        "participants": report.funnel["invited"],
        "onboarded": report.funnel["onboarded"],
        "opted_out": sum(1 for p in people if p.opted_out_at is not None),
        "active_pairs": sum(1 for pair in pairs if pair.status == PairStatus.ACTIVE),
        "sessions_30d": sum(1 for starts in held.values() for s in starts if s >= month_ago),
        "mean_rating": round(report.mean_rating, 1) if report.mean_rating is not None else None,
        "at_risk": len(report.at_risk),
        "broadcasts_30d": announcements_since(
            session, month_ago, scope, cohort_id, [p.id or 0 for p in people]
        ),
    }


def announcements_since(
    session: Session,
    since: datetime,
    scope: Scope,
    cohort_id: int | None = None,
    women: Collection[int] = (),
) -> int:
    """Announcements sent out (or going out) since `since` that her view covers (see
    `_announcements`)."""
    return sum(1 for _row in _announcements(session, scope, cohort_id, women, since))
