"""What the coordinator console shows and changes, beyond what other flows already offer.

Lists are pseudonymous (public ids) and read through her scope (`flows.scope`); a woman's name
and contacts are shown only when she asks, and that is written to the audit log. Safeguarding
reports are triaged, annotated and resolved here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from sqlmodel import Session, col, func, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from flows import coordination
from flows import pair_lifecycle as lifecycle
from flows.config import FlowConfig
from flows.console_auth import Grant
from flows.matching.service import (
    MatchingError,
    add_member,
    cohorts_of,
    matching_name,
    member_ids,
    participant_by_public_id,
)
from flows.messages import Msg
from flows.pair_requests import change_by_team
from flows.render import Reader, render_msg
from flows.scope import Scope, members, sees_report
from flows.text import normalise
from flows.vocabulary import COUNTRIES, SECTORS
from storage import participants
from storage.checkins import CheckIn, ProblemReport, concerned
from storage.meetings import Meeting
from storage.models import ChannelAddress, Participant
from storage.pairs import LIVE_STATUSES, Cohort, CohortMember, Pair, PairEvent

PAGE = 100
T = TypeVar("T")
TRIAGE = ("new", "in_progress", "urgent")


@dataclass(frozen=True)
class WomanRow:
    person: Participant
    cohorts: list[str]
    pair_status: str | None


@dataclass(frozen=True)
class Filters:
    """The women list's filters: a public id or sector searched, a country, a cohort, whether
    her profile is finished ("yes", "no"; empty: either). `language`: the words the
    coordinator reads, which name the sectors she may search for."""

    search: str = ""
    country: str = ""
    cohort_id: int | None = None
    onboarded: str = ""
    language: str = "en"


def sectors_named(text: str, language: str) -> list[str]:
    """The sectors whose label, as she reads it, holds these words ("artisanat" → crafts)."""
    wanted = normalise(text)
    if not wanted:
        return []
    reader = Reader(language)
    return [key for key, msg in SECTORS.items() if wanted in normalise(render_msg(msg, reader))]


def women_query(
    scope: Scope, *, staff: Collection[int] = (), filters: Filters = Filters()
) -> SelectOfScalar[Participant]:
    """Her members (`flows.scope.members`) matching the filters: what the list shows and counts."""
    query = members(scope, staff=staff, cohort_id=filters.cohort_id or None)
    if filters.country:
        query = query.where(Participant.country == filters.country.upper())
    if filters.search:
        like = f"%{filters.search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Participant.public_id).like(like),
                func.lower(Participant.sector).like(like),
                col(Participant.sector).in_(sectors_named(filters.search, filters.language)),
            )
        )
    if filters.onboarded == "yes":
        query = query.where(col(Participant.onboarded_at).is_not(None))
    elif filters.onboarded == "no":
        query = query.where(col(Participant.onboarded_at).is_(None))
    return query


def women(
    session: Session,
    scope: Scope,
    *,
    staff: Collection[int] = (),
    filters: Filters = Filters(),
    offset: int = 0,
    limit: int = PAGE,
) -> list[WomanRow]:
    """Her women matching the filters, newest first; one who erased her data is a row too,
    by her pseudonymous id only (see `flows.scope.members`)."""
    query = women_query(scope, staff=staff, filters=filters)
    people = list(
        session.exec(query.order_by(col(Participant.id).desc()).offset(offset).limit(limit))
    )
    return _rows(session, scope, people)


def _rows(session: Session, scope: Scope, people: list[Participant]) -> list[WomanRow]:
    """Each woman with the names of her cohorts that are hers to open (another cohort's name is
    not hers to read) and the status of her latest pair."""
    ids = [p.id for p in people]
    names = {c.id: c.name for c in cohorts(session, scope)}
    found: dict[int, list[str]] = {}
    for member in session.exec(
        select(CohortMember).where(col(CohortMember.participant_id).in_(ids))
    ):
        if member.cohort_id in names:
            found.setdefault(member.participant_id, []).append(names[member.cohort_id])
    status: dict[int, str] = {}
    for pair in session.exec(
        select(Pair)
        .where(or_(col(Pair.a_id).in_(ids), col(Pair.b_id).in_(ids)))
        .order_by(col(Pair.id))
    ):
        for member in pair.members():
            status[member] = pair.status
    return [WomanRow(p, found.get(p.id or 0, []), status.get(p.id or 0)) for p in people]


def woman(session: Session, scope: Scope, public_id: str) -> Participant | None:
    found = session.exec(select(Participant).where(Participant.public_id == public_id)).first()
    if found is None or found.erased_at is not None or not scope.sees(found.id):
        return None
    return found


def cohorts(session: Session, scope: Scope) -> list[Cohort]:
    """Cohorts she may open (see `Scope.sees_cohort`), newest first."""
    found = list(session.exec(select(Cohort).order_by(col(Cohort.id).desc())))
    if scope.whole:
        return found
    members: dict[int, list[int]] = {}
    for member in session.exec(select(CohortMember)):
        members.setdefault(member.cohort_id, []).append(member.participant_id)
    return [c for c in found if scope.sees_cohort(c.id, members.get(c.id or 0, []))]


def cohort(session: Session, scope: Scope, cohort_id: int) -> Cohort | None:
    found = session.get(Cohort, cohort_id)
    if found is None or not scope.sees_cohort(found.id, member_ids(session, found)):
        return None
    return found


def newcomers(
    session: Session, scope: Scope, *, staff: Collection[int] = (), limit: int = PAGE
) -> list[Participant]:
    """Women in no cohort yet whom she may add to one of hers (`Scope.may_add`), newest first:
    their pseudonymous ids to choose from, no name and no contact before they are hers. The
    coordinators' own accounts are not offered (one who takes part too is added by her id)."""
    query = select(Participant).where(
        col(Participant.erased_at).is_(None),
        col(Participant.id).not_in(select(CohortMember.participant_id)),
        col(Participant.id).not_in(sorted(set(staff))),
    )
    if scope.countries:
        query = query.where(col(Participant.country).in_(scope.countries))
    found = session.exec(query.order_by(col(Participant.id).desc()).limit(limit))
    return [person for person in found if scope.may_add(person, in_a_cohort=False)]


@dataclass(frozen=True)
class Added:
    """What adding women to a cohort did: how many joined it, how many were in it already, and
    the ids she gave that name no woman she may add (unknown, erased, or another cohort's)."""

    added: int
    already: int
    refused: tuple[str, ...]


def add_women(
    session: Session, scope: Scope, target: Cohort, public_ids: Iterable[str], *, now: datetime
) -> Added:
    """Put these women (by their pseudonymous ids) in `target`, a cohort she may open, each only
    if she may add her (`Scope.may_add`): checked here on every call, whatever the form held."""
    if cohort(session, scope, target.id or 0) is None:
        raise coordination.NotAllowed("not her cohort")
    added = already = 0
    refused: list[str] = []
    for public_id in dict.fromkeys(public_ids):
        try:
            person = participant_by_public_id(session, public_id)
        except MatchingError:
            refused.append(public_id[:32])
            continue
        if not scope.may_add(person, in_a_cohort=bool(cohorts_of(session, person.id or 0))):
            refused.append(public_id[:32])
        elif add_member(session, target, person.id or 0, now=now):
            added += 1
        else:
            already += 1
    return Added(added, already, tuple(refused))


def pairs_of_cohort(session: Session, scope: Scope, cohort: Cohort) -> list[Pair]:
    """The cohort's pairs (any status) that are hers, best proposal first."""
    found = session.exec(
        select(Pair)
        .where(Pair.cohort_id == cohort.id)
        .order_by(col(Pair.locked).desc(), col(Pair.score).desc(), col(Pair.id))
    )
    return [pair for pair in found if scope.sees_pair(pair)]


def whole_cohort(session: Session, scope: Scope, cohort: Cohort) -> bool:
    """Whether every woman of the cohort is hers, as matching again or publishing needs."""
    return scope.sees_all(member_ids(session, cohort))


def pseudonyms(people: Iterable[Participant]) -> dict[str, str]:
    """Each woman's names (full and as matching words it) → her public id.

    Two women with the same name both stand behind it, so it becomes both their ids.
    """
    found: dict[str, set[str]] = {}
    for person in people:
        for name in {person.name or "", matching_name(person)} - {"", "?"}:
            found.setdefault(name, set()).add(person.public_id)
    return {name: "/".join(sorted(ids)) for name, ids in found.items()}


def pseudonymous(msg: Msg, names: dict[str, str]) -> Msg:
    """The message with every name in its parameters (nested ones too) replaced by a public id."""
    return Msg(msg.msgid, _renamed(msg.params, names), msg.plural, msg.n, msg.context)


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {key: _renamed(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    return value


def show_names(session: Session, grant: Grant, cohort: Cohort, *, now: datetime) -> None:
    """She asked to see the names in a match review: that look is audited, like contacts."""
    coordination.log(
        session, grant.actor(), "console_names", now=now, details={"cohort": cohort.id}
    )


def contacts(
    session: Session, grant: Grant, person: Participant, *, now: datetime
) -> list[ChannelAddress]:
    """Her name is on the row; her addresses are returned here, and the look is audited."""
    coordination.log(
        session, grant.actor(), "console_contacts", now=now, details={"participant": person.id}
    )
    return participants.addresses(session, person.id or 0)


def pairs(
    session: Session, scope: Scope, status: str = "", *, offset: int = 0, limit: int = PAGE
) -> list[Pair]:
    query = select(Pair)
    if status:
        query = query.where(Pair.status == status)
    else:
        query = query.where(col(Pair.status).in_(LIVE_STATUSES))
    query = query.order_by(col(Pair.id).desc())
    return _window(session, scope, query, scope.sees_pair, offset, limit)


def reachable_countries(
    session: Session, scope: Scope, among: Iterable[str] = tuple(COUNTRIES)
) -> list[str]:
    """The countries (of `among`, in its order) an announcement of hers can reach: all of them
    for the whole programme, else those her women live in (a coordinator of some cohorts has
    no countries of her own, and a country with none of her women would reach nobody)."""
    if scope.whole:
        return list(among)
    query = select(Participant.country).where(col(Participant.id).in_(sorted(scope.women or ())))
    found = set(session.exec(query.distinct()))
    return [key for key in among if key in found]


def people(session: Session, ids: Iterable[int]) -> dict[int, Participant]:
    """The women of these ids, read at once (a list's rows name two women each)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = session.exec(select(Participant).where(col(Participant.id).in_(wanted)))
    return {person.id or 0: person for person in found}


def _window(
    session: Session,
    scope: Scope,
    query: SelectOfScalar[T],
    visible: Callable[[T], bool],
    offset: int,
    limit: int,
) -> list[T]:
    """Rows `offset` to `offset + limit` of those she may see; counted in SQL when she sees all.

    A scoped coordinator's rows are filtered here, one by one, so her pages are counted after the
    filter (a page of SQL rows would come back short, and the next page be lost).
    """
    if scope.whole:
        return list(session.exec(query.offset(offset).limit(limit)))
    seen = (row for row in session.exec(query) if visible(row))
    return list(islice(seen, offset, offset + limit))


@dataclass
class PairView:
    pair: Pair
    a: Participant
    b: Participant
    events: list[PairEvent]
    checkins: list[CheckIn]
    meetings: list[Meeting]


def pair_view(session: Session, scope: Scope, pair_id: int) -> PairView | None:
    pair = session.get(Pair, pair_id)
    if pair is None or not scope.sees_pair(pair):
        return None
    a, b = (session.get(Participant, member) for member in pair.members())
    if a is None or b is None:
        return None
    # Her women's answers only, as in the exports and the report: the other woman of a pair
    # across two coordinators' countries answers to hers.
    checks = [
        check
        for check in session.exec(
            select(CheckIn).where(CheckIn.pair_id == pair_id).order_by(col(CheckIn.id).desc())
        )
        if scope.sees(check.participant_id)
    ]
    meetings = list(
        session.exec(
            select(Meeting).where(Meeting.pair_id == pair_id).order_by(col(Meeting.id).desc())
        )
    )
    return PairView(pair, a, b, lifecycle.history(session, pair_id), checks, meetings)


def change_pair(
    session: Session,
    grant: Grant,
    pair: Pair,
    action: str,
    *,
    now: datetime,
    config: FlowConfig,
    reason: str = "",
) -> None:
    """Pause, resume or end a pair from the console; both women are told (`change_by_team`)."""
    change_by_team(
        session, pair, grant.participant_id, action, now=now, config=config, reason=reason[:200]
    )
    coordination.log(session, grant.actor(), f"pair_{action}", now=now, details={"pair": pair.id})


# Safeguarding --------------------------------------------------------------------------------


def problems(
    session: Session,
    scope: Scope,
    *,
    resolved: bool = False,
    offset: int = 0,
    limit: int = PAGE,
) -> list[ProblemReport]:
    query = select(ProblemReport).where(
        col(ProblemReport.handled_at).is_not(None)
        if resolved
        else col(ProblemReport.handled_at).is_(None)
    )
    query = query.order_by(col(ProblemReport.id).desc())
    return _window(session, scope, query, lambda r: sees_report(session, scope, r), offset, limit)


def problem(session: Session, scope: Scope, report_id: int) -> ProblemReport | None:
    report = session.get(ProblemReport, report_id)
    if report is None or not sees_report(session, scope, report):
        return None
    return report


def women_of(session: Session, report: ProblemReport) -> list[Participant]:
    """The women a report is about (both of a pair's, for a pair alert), as the inbox shows."""
    found = (session.get(Participant, woman) for woman in concerned(session, report))
    return [person for person in found if person is not None]


def triage(
    session: Session,
    grant: Grant,
    report: ProblemReport,
    *,
    now: datetime,
    level: str = "",
    note: str = "",
    resolve: bool = False,
) -> None:
    """Set its triage level, add a note (the coordinator's words, kept with the report), resolve."""
    if level:
        if level not in TRIAGE:
            raise ValueError(level)
        report.triage = level
    if note.strip():
        report.notes = [
            *report.notes,
            {"at": now.isoformat(), "by": grant.participant_id, "text": note.strip()[:1000]},
        ]
    if resolve:
        report.handled_at = now
    session.add(report)
    coordination.log(
        session,
        grant.actor(),
        "problem_resolve" if resolve else "problem_triage",
        now=now,
        details={"report": report.id, "triage": report.triage},
    )
