"""Matching a stored cohort: who takes part, the coordinator's rules, and the proposals kept.

The pure core (`flows.matching.score` / `assign`) knows nothing of the database; this module
feeds it. A run loads the cohort's members who can take part (onboarded, consenting, reachable,
with room for a pair), turns them into `MatchProfile`s (first name only), applies the
coordinator's do-not-pair and lock rules and every earlier pair, and stores the result as
`Pair(status=proposed)` rows. A re-run replaces the earlier unpublished proposals, except
locked ones. Publishing (introducing the women) is `flows.introductions.publish_cohort`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, or_, select

from flows import pair_lifecycle as lifecycle
from flows.matching.profile import MatchProfile
from flows.matching.score import PairingMode, PairScore, Rules
from flows.messages import Msg, _
from flows.proactive import reachable
from storage import participants
from storage.models import Participant
from storage.pairs import (
    Cohort,
    CohortMember,
    Pair,
    PairEvent,
    PairRule,
    PairStatus,
    cohort_by_code,
    find_cohort,
    ordered,
)

if TYPE_CHECKING:
    from flows.matching.assign import Assignment, Unpaired

FORBID = "forbid"
LOCK = "lock"
# Statuses that never count as "already paired before": proposals not yet sent to anyone.
NOT_YET_PAIRED = (PairStatus.PROPOSED, PairStatus.WITHDRAWN)
# Who a stored reason is written for.
COORDINATOR = "coordinator"

INCOMPLETE = _("{name} has not finished her profile.")
UNREACHABLE = _("{name} cannot be reached: she stopped messages or has no address.")
HAS_PAIR = _("{name} already has a pair.")


class MatchingError(ValueError):
    """A coordinator's request that cannot be done as asked (unknown cohort or person, …)."""


class BadCohortName(MatchingError):
    """A cohort's name must say something, briefly."""


class BadPairLimit(MatchingError):
    """Live pairs a woman may have in a cohort: from 1 to MAX_ACTIVE_PAIRS."""


class BadInviteCode(MatchingError):
    """An invitation code is letters, digits, - and _."""


class CohortNameTaken(MatchingError):
    """Another cohort already answers to this name (its name, code or number: `find_cohort`)."""


class CohortCodeTaken(MatchingError):
    """Another cohort already has this invitation code, however typed."""


COHORT_NAME_LIMIT = 80
MAX_ACTIVE_PAIRS = 3


# --- Cohorts and members -----------------------------------------------------------------------


def parse_modes(text: str | Iterable[str]) -> list[str]:
    """ "north_south,diaspora" → ["north_south", "diaspora"]; unknown modes are refused."""
    items = text.split(",") if isinstance(text, str) else list(text)
    modes = [item.strip().lower().replace("-", "_") for item in items if item.strip()]
    known = {mode.value for mode in PairingMode}
    unknown = [mode for mode in modes if mode not in known]
    if unknown or not modes:
        raise MatchingError(
            f"pairing modes must be among {', '.join(sorted(known))} (got {', '.join(unknown)})"
        )
    return list(dict.fromkeys(modes))


def code_for(name: str) -> str:
    """The invitation code of a cohort given none: its name in capitals, accents dropped
    ("Éducation Sénégal" → "EDUCATION-SENEGAL"), at most 24 characters."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").upper()[:24] or "COHORT"


def normalise_code(code: str) -> str:
    return code.strip().upper()


def create_cohort(
    session: Session,
    name: str,
    *,
    modes: Iterable[str],
    code: str,
    now: datetime,
    max_active_pairs: int = 1,
    min_overlap_hours: int = 1,
) -> Cohort:
    name = name.strip()
    if not any(char.isalnum() for char in name) or len(name) > COHORT_NAME_LIMIT:
        raise BadCohortName(f"a cohort's name is 1 to {COHORT_NAME_LIMIT} characters")
    if not 1 <= max_active_pairs <= MAX_ACTIVE_PAIRS:
        raise BadPairLimit(f"live pairs a woman may have: 1 to {MAX_ACTIVE_PAIRS}")
    code = normalise_code(code)
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        raise BadInviteCode("an invitation code is letters, digits, - or _")
    if find_cohort(session, name) is not None:
        raise CohortNameTaken(f"a cohort named {name!r} already exists")
    if cohort_by_code(session, code) is not None:
        raise CohortCodeTaken(f"a cohort with code {code!r} already exists")
    cohort = Cohort(
        name=name,
        invite_code=code,
        modes=parse_modes(modes),
        max_active_pairs=max_active_pairs,
        min_overlap_hours=max(0, min_overlap_hours),
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    return cohort


def cohort_or_fail(session: Session, name_or_code: str) -> Cohort:
    cohort = find_cohort(session, name_or_code)
    if cohort is None:
        raise MatchingError(f"no cohort named {name_or_code!r}")
    return cohort


def participant_by_public_id(session: Session, public_id: str) -> Participant:
    found = session.exec(select(Participant).where(Participant.public_id == public_id)).first()
    if found is None or found.erased_at is not None:
        raise MatchingError(f"no participant with id {public_id!r}")
    return found


def add_member(session: Session, cohort: Cohort, participant_id: int, *, now: datetime) -> bool:
    """Put her in the cohort; False when she already was."""
    if session.get(CohortMember, (cohort.id, participant_id)) is not None:
        return False
    session.add(
        CohortMember(cohort_id=cohort.id or 0, participant_id=participant_id, joined_at=now)
    )
    session.flush()
    return True


def join_by_code(
    session: Session, participant: Participant, code: str, *, now: datetime
) -> Cohort | None:
    """She typed an invitation code: the cohort she joined, or None for an unknown code."""
    cohort = cohort_by_code(session, code)
    if cohort is None:
        return None
    add_member(session, cohort, participant.id or 0, now=now)
    return cohort


def cohorts_of(session: Session, participant_id: int) -> list[Cohort]:
    return list(
        session.exec(
            select(Cohort)
            .join(CohortMember, col(CohortMember.cohort_id) == col(Cohort.id))
            .where(CohortMember.participant_id == participant_id)
            .order_by(col(Cohort.id))
        )
    )


def member_ids(session: Session, cohort: Cohort) -> list[int]:
    return list(
        session.exec(
            select(CohortMember.participant_id)
            .where(CohortMember.cohort_id == cohort.id)
            .order_by(col(CohortMember.participant_id))
        )
    )


def set_rule(
    session: Session,
    cohort: Cohort,
    first: int,
    second: int,
    kind: str,
    *,
    by: str,
    now: datetime,
) -> PairRule:
    """A coordinator's "never pair" or "always pair" for two women (the latest word wins).

    A woman is locked with one peer at most: an older lock that names either of them goes.
    """
    if kind not in (FORBID, LOCK):
        raise MatchingError(f"unknown rule {kind!r}")
    if first == second:
        raise MatchingError("a rule needs two different women")
    a_id, b_id = ordered(first, second)
    if kind == LOCK:
        for rule in rules_of(session, cohort, LOCK):
            if {rule.a_id, rule.b_id} & {a_id, b_id} and (rule.a_id, rule.b_id) != (a_id, b_id):
                session.delete(rule)
    rule = session.exec(
        select(PairRule).where(
            PairRule.cohort_id == cohort.id, PairRule.a_id == a_id, PairRule.b_id == b_id
        )
    ).first()
    if rule is None:
        rule = PairRule(cohort_id=cohort.id or 0, a_id=a_id, b_id=b_id, kind=kind, created_by=by)
    rule.kind, rule.created_by, rule.created_at = kind, by, now
    session.add(rule)
    session.flush()
    return rule


def rules_of(session: Session, cohort: Cohort, kind: str) -> list[PairRule]:
    return list(
        session.exec(select(PairRule).where(PairRule.cohort_id == cohort.id, PairRule.kind == kind))
    )


# --- Who takes part ------------------------------------------------------------------------------


def matching_name(participant: Participant) -> str:
    """The name matching's reasons give her: her first name."""
    return (participant.name or "").split(" ")[0] or "?"


def match_profile(participant: Participant) -> MatchProfile | None:
    """Her profile as matching sees it (first name only), or None when it is incomplete."""
    p = participant
    if not (p.country and p.timezone and p.sector and p.stage and p.size):
        return None
    if not (p.mentor_languages and p.availability):
        return None
    try:
        return MatchProfile(
            id=p.id or 0,
            first_name=matching_name(p),
            country=p.country,
            timezone=p.timezone,
            sector=p.sector,
            stage=p.stage,
            size=p.size,
            offers=frozenset(p.skills_offered),
            wants=frozenset(p.skills_wanted),
            languages=frozenset(p.mentor_languages),
            availability=frozenset(p.availability),
            diaspora_ties=frozenset(p.diaspora_ties),
        )
    except ValueError:  # a key from an older vocabulary: she should review her profile
        return None


@dataclass(frozen=True)
class Skipped:
    """A member who could not take part in this run, and why (a message for coordinators)."""

    participant: Participant
    message: Msg


@dataclass
class Pool:
    profiles: list[MatchProfile] = field(default_factory=list)
    people: dict[int, Participant] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)


def pool(session: Session, cohort: Cohort) -> Pool:
    """The members who can be paired in this round, and why the others cannot."""
    result = Pool()
    ids = member_ids(session, cohort)
    counts = lifecycle.live_counts(session, ids)
    room = max(1, cohort.max_active_pairs)
    for participant_id in ids:
        person = session.get(Participant, participant_id)
        if person is None or person.erased_at is not None:
            continue
        name = person.name or person.public_id
        result.people[participant_id] = person
        profile = match_profile(person) if person.onboarded_at else None
        if profile is None:
            result.skipped.append(Skipped(person, _(INCOMPLETE.msgid, name=name)))
        elif (
            not reachable(person) or participants.preferred_address(session, participant_id) is None
        ):
            result.skipped.append(Skipped(person, _(UNREACHABLE.msgid, name=name)))
        elif counts[participant_id] >= room:
            result.skipped.append(Skipped(person, _(HAS_PAIR.msgid, name=name)))
        else:
            result.profiles.append(profile)
    return result


def previous_pairs(session: Session, ids: Iterable[int]) -> set[frozenset[int]]:
    """Every two women of this pool who were ever introduced to each other (any cohort)."""
    wanted = list(ids)
    if not wanted:
        return set()
    rows = session.exec(
        select(Pair.a_id, Pair.b_id).where(
            col(Pair.status).not_in(list(NOT_YET_PAIRED)),
            or_(col(Pair.a_id).in_(wanted), col(Pair.b_id).in_(wanted)),
        )
    )
    return {frozenset({a, b}) for a, b in rows}


def rules_for(session: Session, cohort: Cohort, ids: set[int], *, count_first: bool) -> Rules:
    def both_in(rule: PairRule) -> bool:
        return rule.a_id in ids and rule.b_id in ids

    forbidden = {(r.a_id, r.b_id) for r in rules_of(session, cohort, FORBID) if both_in(r)}
    previous = previous_pairs(session, ids)
    # A lock on a pair that already met, or on someone unavailable this round, cannot apply.
    locked = {
        (r.a_id, r.b_id)
        for r in rules_of(session, cohort, LOCK)
        if both_in(r) and frozenset({r.a_id, r.b_id}) not in previous
    }
    return Rules(
        modes=frozenset(PairingMode(mode) for mode in cohort.modes),
        forbidden=forbidden,
        previous=previous,
        locked=locked,
        min_overlap_hours=cohort.min_overlap_hours,
        maximise_count_first=count_first,
    )


# --- A run ------------------------------------------------------------------------------------


def encode_reasons(score: PairScore) -> list[dict[str, Any]]:
    """The reasons of a pair as stored: for coordinators (both named) and for each woman."""
    entries: list[dict[str, Any]] = [
        {"for": COORDINATOR, "msg": msg.to_json()} for msg in score.reasons(for_reader=None)
    ]
    for reader in (score.a.id, score.b.id):
        entries += [{"for": reader, "msg": msg.to_json()} for msg in score.reasons(reader)]
    if score.overridden:
        entries.append({"for": "overridden", "keys": [key.value for key in score.overridden]})
    return entries


def reasons_for(pair: Pair, reader: int | None = None) -> list[Msg]:
    """The stored reasons for a coordinator (None) or for one of the two women ("you")."""
    wanted: int | str = COORDINATOR if reader is None else reader
    return [Msg.from_json(entry["msg"]) for entry in pair.reasons if entry.get("for") == wanted]


def overridden(pair: Pair) -> list[str]:
    """Hard constraints a coordinator's lock overrode for this pair."""
    for entry in pair.reasons:
        if entry.get("for") == "overridden":
            return list(entry["keys"])
    return []


def proposals(session: Session, cohort: Cohort) -> list[Pair]:
    """The cohort's unpublished proposals: locked first, then best first."""
    return list(
        session.exec(
            select(Pair)
            .where(Pair.cohort_id == cohort.id, Pair.status == PairStatus.PROPOSED)
            .order_by(col(Pair.locked).desc(), col(Pair.score).desc(), col(Pair.id))
        )
    )


@dataclass
class MatchRun:
    """One run's result: the stored proposals and everyone left out, with why."""

    cohort: Cohort
    assignment: Assignment
    pairs: list[Pair]
    unpaired: list[Unpaired]
    skipped: list[Skipped]
    people: dict[int, Participant]

    @property
    def paired_share(self) -> float:
        taking_part = len(self.pairs) * 2 + len(self.unpaired)
        return 0.0 if taking_part == 0 else len(self.pairs) * 2 / taking_part


def run(
    session: Session, cohort: Cohort, *, now: datetime, actor: str, count_first: bool = False
) -> MatchRun:
    """Match the cohort and keep the result as proposals, replacing the unpublished ones."""
    # Here, not at the top: the solver needs numpy (and scipy), which the bot's processes load
    # only when a coordinator matches a cohort, not at start (cohorts, codes, proposals need none).
    from flows.matching.assign import assign

    found = pool(session, cohort)
    ids = {profile.id for profile in found.profiles}
    rules = rules_for(session, cohort, ids, count_first=count_first)
    assignment = assign(found.profiles, rules, now)

    earlier = {(pair.a_id, pair.b_id): pair for pair in proposals(session, cohort)}
    stored: list[Pair] = []
    created: list[Pair] = []
    for score in assignment.pairs:
        a_id, b_id = ordered(score.a.id, score.b.id)
        pair = earlier.pop((a_id, b_id), None) if score.locked else None
        if pair is None or not pair.locked:
            if pair is not None:
                earlier[(a_id, b_id)] = pair  # an unlocked proposal is replaced, not kept
            pair = Pair(cohort_id=cohort.id or 0, a_id=a_id, b_id=b_id, proposed_at=now)
            created.append(pair)
        pair.score = round(score.total, 6)
        pair.locked = score.locked
        pair.reasons = encode_reasons(score)
        session.add(pair)
        stored.append(pair)
    for pair in earlier.values():
        lifecycle.withdraw(session, pair, actor=actor, now=now)
    session.flush()
    for pair in created:  # the first event of every pair: it was proposed, by whom, when
        session.add(
            PairEvent(pair_id=pair.id or 0, at=now, actor=actor, to_status=PairStatus.PROPOSED)
        )
    session.flush()
    return MatchRun(
        cohort=cohort,
        assignment=assignment,
        pairs=stored,
        unpaired=list(assignment.unpaired),
        skipped=found.skipped,
        people=found.people,
    )
