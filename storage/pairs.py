"""Cohorts, pairs and their history.

A pair is one symmetric entity: two women, neither mentor nor mentee. `a_id < b_id` always, so
the same two women are one pair whichever of them is named first. Every change of status is
also written to `PairEvent` (who, when, from, to, why) so the programme can account for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, bindparam, literal
from sqlmodel import Field, Session, col, func, or_, select

from storage.dialects import OneOf
from storage.kept import forget_when_written, keep, kept
from storage.models import Table, id_from_text, json_field, utc_field


class Cohort(Table, table=True):
    """A group matched together, with its pairing rules and survey dates."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    # Typed by a woman at onboarding to join this cohort.
    invite_code: str = Field(max_length=32, unique=True)
    # Allowed pairing modes: north_south, south_south, national, diaspora (any mix).
    modes: list[str] = json_field()
    max_active_pairs: int = Field(default=1)
    min_overlap_hours: int = Field(default=1)
    mid_survey_at: datetime | None = utc_field()
    end_survey_at: datetime | None = utc_field()
    created_at: datetime | None = utc_field(nullable=False)


class CohortMember(Table, table=True):
    cohort_id: int = Field(foreign_key="cohort.id", primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, index=True)
    joined_at: datetime | None = utc_field(nullable=False)


class PairStatus(StrEnum):
    PROPOSED = "proposed"  # by matching, waiting for coordinator review
    INTRODUCED = "introduced"  # published: both asked to accept
    ACTIVE = "active"  # both accepted
    PAUSED = "paused"
    COMPLETED = "completed"
    ENDED = "ended"  # ended early by someone, with a reason
    DECLINED = "declined"  # one of them said no to the introduction
    EXPIRED = "expired"  # the answer deadline passed
    WITHDRAWN = "withdrawn"  # a proposal the coordinator dropped before publishing


LIVE_STATUSES = (PairStatus.INTRODUCED, PairStatus.ACTIVE, PairStatus.PAUSED)


class Response(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Members:
    """Who is in a pair and what each answered: for `Pair` and its light `PairView`."""

    if TYPE_CHECKING:  # declared by each class (a Field on Pair); not fields of this mixin
        a_id: int
        b_id: int
        a_response: str | None
        b_response: str | None

    def members(self) -> tuple[int, int]:
        return (self.a_id, self.b_id)

    def peer_of(self, participant_id: int) -> int:
        return self.b_id if participant_id == self.a_id else self.a_id

    def response_of(self, participant_id: int) -> str | None:
        return self.a_response if participant_id == self.a_id else self.b_response


class Pair(Members, Table, table=True):
    __table_args__ = (
        CheckConstraint("a_id < b_id", name="pair_ordered"),
        Index("ix_pair_members", "a_id", "b_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    a_id: int = Field(foreign_key="participant.id", index=True)
    b_id: int = Field(foreign_key="participant.id", index=True)
    status: str = Field(default=PairStatus.PROPOSED, max_length=16, index=True)
    score: float = Field(default=0.0)
    # Machine-readable reasons from matching, rendered in each reader's language when shown.
    reasons: list[Any] = json_field()
    locked: bool = Field(default=False)
    a_response: str | None = Field(default=None, max_length=16)
    b_response: str | None = Field(default=None, max_length=16)
    respond_by: datetime | None = utc_field()
    reminded_at: datetime | None = utc_field()
    proposed_at: datetime | None = utc_field(nullable=False)
    introduced_at: datetime | None = utc_field()
    active_at: datetime | None = utc_field()
    ended_at: datetime | None = utc_field()
    ended_by: str | None = Field(default=None, max_length=40)
    end_reason: str | None = Field(default=None, max_length=200)


class PairEvent(Table, table=True):
    """One transition of a pair: from which status to which, when, by whom and why."""

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    at: datetime | None = utc_field(nullable=False)
    # "participant:12", "coordinator:34", "system"
    actor: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=200)


class PairRule(Table, table=True):
    """A coordinator's decision about two women: never pair them, or always pair them."""

    __table_args__ = (UniqueConstraint("cohort_id", "a_id", "b_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    a_id: int = Field(foreign_key="participant.id")
    b_id: int = Field(foreign_key="participant.id")
    kind: str = Field(max_length=8)  # "forbid" | "lock"
    created_by: str = Field(max_length=40)
    created_at: datetime | None = utc_field(nullable=False)


def cohort_by_code(session: Session, code: str) -> Cohort | None:
    """The cohort whose code this is, however she typed it ("pilote-26", "Pilote 26")."""
    compact = "".join(char for char in code.strip().upper() if char.isalnum())
    if not compact:
        return None
    stored = func.replace(func.replace(col(Cohort.invite_code), "-", ""), "_", "")
    return session.exec(select(Cohort).where(stored == compact)).first()


def find_cohort(session: Session, text: str) -> Cohort | None:
    """A cohort as a coordinator names it, the same in every command and page: its name (any
    case), its invitation code (however typed) or its number."""
    wanted = text.strip()
    if not wanted:
        return None
    found = session.exec(select(Cohort).where(func.lower(Cohort.name) == wanted.lower())).first()
    number = id_from_text(wanted)
    found = found or cohort_by_code(session, wanted)
    return found or (session.get(Cohort, number) if number is not None else None)


def ordered(x: int, y: int) -> tuple[int, int]:
    """The two ids in the order pairs store them."""
    return (x, y) if x < y else (y, x)


# Read on every menu: built once (building the statement cost more than running it).
_HERS = (
    select(Pair)
    .where(
        or_(Pair.a_id == bindparam("her"), Pair.b_id == bindparam("her")),
        col(Pair.status).in_(bindparam("statuses", expanding=True)),
    )
    .order_by(col(Pair.id).desc())
)


def pairs_of(
    session: Session, participant_id: int, statuses: tuple[str, ...] = LIVE_STATUSES
) -> list[Pair]:
    """Her pairs in the given statuses, newest first."""
    params = {"her": participant_id, "statuses": list(statuses)}
    return list(session.exec(_HERS, params=params))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class PairView(Members):
    """A pair as the menu reads it: enough to tell what she may do, nothing to change."""

    id: int
    a_id: int
    b_id: int
    status: str
    a_response: str | None
    b_response: str | None


# Live pairs with only the columns of a `PairView`, newest first, the statuses as plain
# parameters (an expanding list cost a fifth of the read); narrowed to her, or to a batch's women.
_LIVE = (
    select(*(Pair.__table__.c[name] for name in PairView.__slots__))  # type: ignore[attr-defined]
    .where(col(Pair.status).in_([literal(str(status)) for status in LIVE_STATUSES]))
    .order_by(col(Pair.id).desc())
)
_LIVE_VIEWS = _LIVE.where(or_(Pair.a_id == bindparam("her"), Pair.b_id == bindparam("her")))


def live_pair_views(session: Session, participant_id: int) -> list[PairView]:
    """Her introduced, active and paused pairs, newest first, as `PairView`s: in Core (the ORM
    query cost four times the read, on every menu); answered from `prefetch_live_views` when
    her batch read them. Pending changes are flushed first (and forget what was kept)."""
    session.flush()
    batch = kept(session, _VIEWS_KEPT)
    if batch is not None and participant_id in batch:
        return list(batch[participant_id])
    rows = session.connection().execute(_LIVE_VIEWS, {"her": participant_id})
    return [PairView(*row) for row in rows]


# The live pairs of an inbox batch's women, {woman: [PairView, newest first]}, one SELECT.
_VIEWS_KEPT = "pairs.live_views"
_THEIR_LIVE_VIEWS = _LIVE.where(
    or_(
        OneOf(col(Pair.a_id), "women"),
        OneOf(col(Pair.b_id), "women"),
    )
)
forget_when_written(Pair, _VIEWS_KEPT)


def prefetch_live_views(session: Session, participant_ids: Sequence[int]) -> None:
    """Read, for the transaction under way, the live pairs of each of these women."""
    if not participant_ids:
        return
    found: dict[int, list[PairView]] = {woman: [] for woman in participant_ids}
    for row in session.connection().execute(_THEIR_LIVE_VIEWS, {"women": list(found)}):
        view = PairView(*row)
        for member in view.members():
            if member in found:
                found[member].append(view)
    keep(session, _VIEWS_KEPT, found)


def record_transition(
    session: Session,
    pair: Pair,
    to_status: str,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> PairEvent:
    """Move a pair to `to_status` and write the event that says so."""
    event = PairEvent(
        pair_id=pair.id or 0,
        at=now,
        actor=actor,
        from_status=pair.status,
        to_status=to_status,
        note=note,
    )
    pair.status = to_status
    session.add(pair)
    session.add(event)
    return event
