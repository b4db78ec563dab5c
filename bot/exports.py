"""CSV exports for coordinators and the funder: participants, pairs, sessions, check-ins, outcomes.

Pseudonymised by default: each woman is her stable `public_id`; no name, business name, city,
contact or free text. `with_contacts=True` adds them; it is a separate permission check and an
audit entry of its own ("export_contacts"), so the log shows who took personal data and when.
Every text cell a spreadsheet would run as a formula is quoted as it is written
(`spreadsheet_safe`): free text, and names coordinators chose, such as a cohort's.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlmodel import Session, col, select

from flows import coordination as roles
from flows.config import FlowConfig
from flows.coordination import Actor
from flows.matching.service import cohort_or_fail
from flows.scope import EVERYONE, Scope, members
from storage.db import Database
from storage.models import ChannelAddress, Participant
from storage.pairs import Cohort, CohortMember, Pair

WHAT = ("participants", "pairs", "sessions", "checkins", "outcomes")
# Columns holding a woman's pseudonymous id: text in a spreadsheet, even when all digits.
PSEUDONYMS = frozenset({"participant", "a", "b", "proposed_by"})


class NoData(Exception):
    """The table behind this export does not exist in this database yet."""


Row = dict[str, Any]


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


# First characters that make a spreadsheet read a cell as a formula (OWASP's list: a tab or a
# carriage return is skipped by some before they look at what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell as a spreadsheet shows it, never as a formula: quoted with a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def unquoted(rows: Iterable[list[str]]) -> Iterator[list[str]]:
    """The written rows without the formula quote, for an XLSX sheet (its text is never run)."""
    for row in rows:
        yield [
            cell[1:] if cell[:1] == "'" and cell[1:].startswith(FORMULA_STARTS) else cell
            for cell in row
        ]


def _public_ids(session: Session) -> dict[int, str]:
    return {
        pid: public for pid, public in session.exec(select(Participant.id, Participant.public_id))
    }


def _erased(session: Session) -> set[int]:
    """The women who erased their data: their answers are never listed (the report pools them)."""
    query = select(Participant.id).where(col(Participant.erased_at).is_not(None))
    return {pid for pid in session.exec(query) if pid is not None}


def _participants(
    session: Session, cohort_id: int | None, contacts: bool, scope: Scope, staff: Collection[int]
) -> Iterator[Row]:
    """The women the programme report counts (`flows.scope.members`)."""
    cohorts: dict[int, list[str]] = {}
    for member, name in session.exec(
        select(CohortMember.participant_id, Cohort.name).join(
            Cohort, col(Cohort.id) == col(CohortMember.cohort_id)
        )
    ):
        cohorts.setdefault(member, []).append(name)
    addresses: dict[int, list[str]] = {}
    if contacts:
        for link in session.exec(select(ChannelAddress).order_by(col(ChannelAddress.id))):
            addresses.setdefault(link.participant_id, []).append(f"{link.channel}:{link.address}")
    query = members(scope, staff=staff, cohort_id=cohort_id).order_by(col(Participant.id))
    for person in session.exec(query):
        row: Row = {
            "participant": person.public_id,
            "language": person.locale,
            "country": person.country or "",
            "timezone": person.timezone or "",
            "sector": person.sector or "",
            "stage": person.stage or "",
            "size": person.size or "",
            "skills_offered": " ".join(person.skills_offered),
            "skills_wanted": " ".join(person.skills_wanted),
            "languages": " ".join(person.mentor_languages),
            "diaspora_ties": " ".join(person.diaspora_ties),
            "cohorts": "; ".join(cohorts.get(person.id or 0, [])),
            "consent_at": _when(person.consent_at),
            "onboarded_at": _when(person.onboarded_at),
            "opted_out": "yes" if person.opted_out_at else "no",
            "erased": "yes" if person.erased_at else "no",
            "created_at": _when(person.created_at),
        }
        if contacts:
            row |= {
                "name": person.name or "",
                "business_name": person.business_name or "",
                "region": person.region or "",
                "contacts": " ".join(addresses.get(person.id or 0, [])),
            }
        yield row


def _pairs(
    session: Session, cohort_id: int | None, contacts: bool, scope: Scope, _staff: Collection[int]
) -> Iterator[Row]:
    ids = _public_ids(session)
    names = {cid: name for cid, name in session.exec(select(Cohort.id, Cohort.name))}
    query = select(Pair).order_by(col(Pair.id))
    if cohort_id is not None:
        query = query.where(Pair.cohort_id == cohort_id)
    for pair in session.exec(query):
        if not scope.sees_pair(pair):
            continue
        yield {
            "pair": pair.id,
            "cohort": names.get(pair.cohort_id, ""),
            "a": ids.get(pair.a_id, ""),
            "b": ids.get(pair.b_id, ""),
            "status": pair.status,
            "score": round(pair.score, 3),
            "proposed_at": _when(pair.proposed_at),
            "introduced_at": _when(pair.introduced_at),
            "active_at": _when(pair.active_at),
            "ended_at": _when(pair.ended_at),
            "ended_by": (pair.ended_by or "").split(":")[0],
        }


def _has(session: Session, table: str) -> None:
    if not inspect(session.get_bind()).has_table(table):
        raise NoData(table)


def _pair_filter(session: Session, cohort_id: int | None, scope: Scope) -> set[int] | None:
    """The pairs an export covers: the cohort's, within her scope (None: every pair)."""
    if cohort_id is None and scope.whole:
        return None
    query = select(Pair)
    if cohort_id is not None:
        query = query.where(Pair.cohort_id == cohort_id)
    return {pair.id or 0 for pair in session.exec(query) if scope.sees_pair(pair)}


def _sessions(
    session: Session, cohort_id: int | None, contacts: bool, scope: Scope, _staff: Collection[int]
) -> Iterator[Row]:
    _has(session, "meeting")
    from storage.meetings import Meeting

    ids = _public_ids(session)
    pairs = _pair_filter(session, cohort_id, scope)
    for meeting in session.exec(select(Meeting).order_by(col(Meeting.id))):
        if pairs is not None and meeting.pair_id not in pairs:
            continue
        row: Row = {
            "session": meeting.id,
            "pair": meeting.pair_id,
            "proposed_by": ids.get(meeting.proposer_id, ""),
            "status": meeting.status,
            "start_at": _when(meeting.start_at),
            "mode": meeting.mode,
            "number": meeting.sequence,
            "rhythm": meeting.rhythm or "",
            "proposed_at": _when(meeting.proposed_at),
            "confirmed_at": _when(meeting.confirmed_at),
            "cancelled_at": _when(meeting.cancelled_at),
        }
        if contacts:
            row["place"] = meeting.place or ""
        yield row


def _checkins(
    session: Session, cohort_id: int | None, contacts: bool, scope: Scope, _staff: Collection[int]
) -> Iterator[Row]:
    _has(session, "checkin")
    from storage.checkins import CheckIn

    ids = _public_ids(session)
    pairs = _pair_filter(session, cohort_id, scope)
    erased = _erased(session)
    for checkin in session.exec(select(CheckIn).order_by(col(CheckIn.id))):
        # Her pairs, and in them only her women's answers: a pair she sees through one woman
        # does not open the other's words or ratings to her (as the outcomes export).
        if pairs is not None and checkin.pair_id not in pairs:
            continue
        if not scope.sees(checkin.participant_id) or checkin.participant_id in erased:
            # Once she erased her data her ratings are not given one by one under her id: the
            # report counts them pooled only (5 erased women at least), so that it less this
            # export is never one woman's.
            continue
        row: Row = {
            "checkin": checkin.id,
            "participant": ids.get(checkin.participant_id, ""),
            "pair": checkin.pair_id or "",
            "session": checkin.meeting_id or "",
            "asked_at": _when(checkin.asked_at),
            "happened": checkin.happened or "",
            "usefulness": checkin.usefulness or "",
            "why_not": checkin.why_not or "",
            "completed_at": _when(checkin.completed_at),
        }
        if contacts:  # her own words are personal data too
            row |= {"learned": checkin.learned or "", "shared": checkin.shared or ""}
        yield row


def _outcomes(
    session: Session, cohort_id: int | None, contacts: bool, scope: Scope, _staff: Collection[int]
) -> Iterator[Row]:
    _has(session, "outcomeanswer")
    from storage.checkins import OutcomeAnswer

    people = {person.id: person for person in session.exec(select(Participant))}
    erased = _erased(session)
    query = select(OutcomeAnswer).order_by(col(OutcomeAnswer.id))
    if cohort_id is not None:
        query = query.where(OutcomeAnswer.cohort_id == cohort_id)
    for answer in session.exec(query):
        if not scope.sees(answer.participant_id) or answer.participant_id in erased:
            # Once she erased her data her answers are not given one by one: the report counts
            # them in its "Erased her data" column only, pooled (5 erased women at least).
            continue
        person = people.get(answer.participant_id)
        yield {
            "participant": person.public_id if person else "",
            "country": (person.country or "") if person else "",
            "cohort": answer.cohort_id or "",
            "wave": answer.wave,
            "outcome": answer.outcome,
            "value": answer.value,
            "answered_at": _when(answer.answered_at),
        }


Source = Callable[[Session, int | None, bool, Scope, Collection[int]], Iterator[Row]]
SOURCES: dict[str, Source] = {
    "participants": _participants,
    "pairs": _pairs,
    "sessions": _sessions,
    "checkins": _checkins,
    "outcomes": _outcomes,
}


def export(
    db: Database,
    config: FlowConfig,
    actor: Actor,
    what: str,
    out: Path,
    *,
    now: datetime,
    with_contacts: bool = False,
    cohort: str | None = None,
    scope: Scope = EVERYONE,
) -> int:
    """Write one CSV file (the rows within `scope`); returns the number of rows.

    Raises NotAllowed, NoData or ValueError.
    """
    if what not in SOURCES:
        raise ValueError(f"--what must be one of {', '.join(WHAT)}")
    action = "export_contacts" if with_contacts else "export"
    roles.require(
        db,
        config,
        actor,
        action,
        now=now,
        details={
            "what": what,
            "cohort": cohort,
            "with_contacts": with_contacts,
            **({"countries": list(scope.countries)} if scope.countries else {}),
        },
    )
    with db.session() as session:
        cohort_id = None
        if cohort is not None:
            cohort_id = cohort_or_fail(session, cohort).id
        staff = roles.coordinator_ids(session, config)
        rows = list(SOURCES[what](session, cohort_id, with_contacts, scope, staff))
        roles.log(
            session,
            actor,
            f"{action}_written",
            now=now,
            audience=len(rows),
            details={"what": what, "rows": len(rows)},
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        fields = list(rows[0]) if rows else []
        writer = csv.DictWriter(handle, fieldnames=fields)
        if fields:
            writer.writeheader()
            writer.writerows({key: spreadsheet_safe(v) for key, v in row.items()} for row in rows)
    return len(rows)
