"""The life of a pair, the same for both women: no mentor side, no mentee side.

```
proposed ──publish──► introduced ──both accept──► active ◄──► paused
   │                     │ │                        │           │
   └► withdrawn          │ └► declined / expired    └──► completed / ended (who, why)
     (re-run)            └► ended
```

Every move goes through `move`, which checks it is allowed, stamps the pair's own timestamps and
writes a `PairEvent` (when, who, from, to, why) through `storage.pairs.record_transition`. This
module decides and records; `flows.introductions` says things to the women.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import Session, col, func, or_, select

from storage import nudges
from storage.pairs import (
    LIVE_STATUSES,
    Cohort,
    Pair,
    PairEvent,
    PairStatus,
    PairView,
    Response,
    live_pair_views,
    pairs_of,
    record_transition,
)

if TYPE_CHECKING:
    from flows.steps import Context

# How long both women have to answer an introduction, and when the one reminder goes out.
RESPOND_WITHIN = timedelta(days=3)
REMIND_BEFORE = timedelta(days=1)
# Nudge purposes of an introduction (fired by the dispatcher, handled in flows.introductions).
REMINDER = "intro_reminder"
EXPIRY = "intro_expiry"

SYSTEM = "system"

ALLOWED: dict[str, frozenset[str]] = {
    PairStatus.PROPOSED: frozenset({PairStatus.INTRODUCED, PairStatus.WITHDRAWN}),
    PairStatus.INTRODUCED: frozenset(
        {PairStatus.ACTIVE, PairStatus.DECLINED, PairStatus.EXPIRED, PairStatus.ENDED}
    ),
    PairStatus.ACTIVE: frozenset({PairStatus.PAUSED, PairStatus.COMPLETED, PairStatus.ENDED}),
    PairStatus.PAUSED: frozenset({PairStatus.ACTIVE, PairStatus.COMPLETED, PairStatus.ENDED}),
}
# Statuses after which a pair is over for good.
CLOSED = frozenset(
    {
        PairStatus.WITHDRAWN,
        PairStatus.DECLINED,
        PairStatus.EXPIRED,
        PairStatus.COMPLETED,
        PairStatus.ENDED,
    }
)


class TransitionError(ValueError):
    """A move the lifecycle does not allow (e.g. accepting an expired introduction)."""


class CapacityError(ValueError):
    """One of the two women already has as many live pairs as her cohort allows."""


def participant_actor(participant_id: int) -> str:
    return f"participant:{participant_id}"


def coordinator_actor(who: int | str) -> str:
    """A coordinator by participant id (chat) or by a name (the command line: "cli")."""
    return f"coordinator:{who}"


def move(
    session: Session,
    pair: Pair,
    to_status: str,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
) -> PairEvent:
    """The one way a pair changes status: checked, stamped and recorded."""
    if to_status not in ALLOWED.get(pair.status, frozenset()):
        raise TransitionError(f"pair {pair.id}: {pair.status} → {to_status} is not allowed")
    if to_status == PairStatus.INTRODUCED:
        pair.introduced_at = now
    elif to_status == PairStatus.ACTIVE and pair.active_at is None:
        pair.active_at = now
    elif to_status in CLOSED:
        pair.ended_at = now
        pair.ended_by = actor
        pair.end_reason = (note or to_status)[:200]
    if pair.status == PairStatus.INTRODUCED:
        # Answered, declined or expired: the introduction's reminder and deadline are moot.
        nudges.cancel(session, pair_id=pair.id, purposes=(REMINDER, EXPIRY))
    return record_transition(session, pair, to_status, actor=actor, now=now, note=note)


# --- Who may take another pair -----------------------------------------------------------------


def live_pairs(session: Session, participant_id: int) -> list[Pair]:
    """Her introduced, active and paused pairs, newest first."""
    return pairs_of(session, participant_id, tuple(LIVE_STATUSES))


def her_live_pairs(ctx: Context) -> list[PairView]:
    """`live_pairs` of the woman writing, as light views, read once while the menu is put
    together; a step that changes one loads its `Pair` by id."""
    me = ctx.participant.id or 0
    return ctx.read_once(("live_pairs", me), lambda: live_pair_views(ctx.session, me))


def live_counts(session: Session, participant_ids: list[int]) -> dict[int, int]:
    """How many live pairs each of these women has (one query, for whole cohorts)."""
    counts = dict.fromkeys(participant_ids, 0)
    if not participant_ids:
        return counts
    rows = session.exec(
        select(Pair.a_id, Pair.b_id).where(
            col(Pair.status).in_(list(LIVE_STATUSES)),
            or_(col(Pair.a_id).in_(participant_ids), col(Pair.b_id).in_(participant_ids)),
        )
    )
    for a_id, b_id in rows:
        for member in (a_id, b_id):
            if member in counts:
                counts[member] += 1
    return counts


def has_room(session: Session, participant_id: int, cohort: Cohort) -> bool:
    """One live pair per woman, unless her cohort allows more."""
    return len(live_pairs(session, participant_id)) < max(1, cohort.max_active_pairs)


# --- The moves ---------------------------------------------------------------------------------


def publish(
    session: Session,
    pair: Pair,
    *,
    actor: str,
    now: datetime,
    respond_within: timedelta = RESPOND_WITHIN,
) -> None:
    """Introduce the two women: both are asked to accept before `respond_by`.

    Plans the one reminder (a day before the deadline, or half-way for short deadlines) and the
    expiry, as nudges the dispatcher fires.
    """
    cohort = session.get(Cohort, pair.cohort_id)
    if cohort is None:
        raise ValueError(f"pair {pair.id} has no cohort")
    for member in pair.members():
        if not has_room(session, member, cohort):
            raise CapacityError(f"participant {member} has no room for another pair")
    pair.a_response = pair.b_response = None
    pair.respond_by = now + respond_within
    move(session, pair, PairStatus.INTRODUCED, actor=actor, now=now)
    session.flush()
    remind_at = pair.respond_by - min(REMIND_BEFORE, respond_within / 2)
    for purpose, due in ((REMINDER, remind_at), (EXPIRY, pair.respond_by)):
        nudges.plan(
            session,
            key=f"pair:{pair.id}:{purpose}",
            purpose=purpose,
            due_at=due,
            now=now,
            pair_id=pair.id,
        )


class Answered(StrEnum):
    """What her answer to an introduction led to."""

    WAITING = "waiting"  # she accepted; her peer has not answered yet
    ACTIVE = "active"  # both accepted
    DECLINED = "declined"  # she declined
    CLOSED = "closed"  # too late: the introduction is no longer open, or she already answered


@dataclass(frozen=True)
class Answer:
    result: Answered
    pair: Pair


def respond(
    session: Session, pair: Pair, participant_id: int, *, accept: bool, now: datetime
) -> Answer:
    """Record her yes or no to an introduction, and move the pair when that decides it."""
    if participant_id not in pair.members():
        raise ValueError(f"participant {participant_id} is not in pair {pair.id}")
    if pair.status != PairStatus.INTRODUCED or pair.response_of(participant_id) is not None:
        return Answer(Answered.CLOSED, pair)
    response = Response.ACCEPTED if accept else Response.DECLINED
    if participant_id == pair.a_id:
        pair.a_response = response
    else:
        pair.b_response = response
    actor = participant_actor(participant_id)
    if not accept:
        move(session, pair, PairStatus.DECLINED, actor=actor, now=now, note="declined")
        return Answer(Answered.DECLINED, pair)
    if pair.a_response == pair.b_response == Response.ACCEPTED:
        move(session, pair, PairStatus.ACTIVE, actor=actor, now=now, note="both accepted")
        return Answer(Answered.ACTIVE, pair)
    session.add(pair)
    session.add(
        PairEvent(
            pair_id=pair.id or 0,
            at=now,
            actor=actor,
            from_status=pair.status,
            to_status=pair.status,
            note="accepted",
        )
    )
    return Answer(Answered.WAITING, pair)


def expire(session: Session, pair: Pair, *, now: datetime) -> bool:
    """Close an introduction nobody finished answering; False when it was already decided."""
    if pair.status != PairStatus.INTRODUCED:
        return False
    move(session, pair, PairStatus.EXPIRED, actor=SYSTEM, now=now, note="no answer in time")
    return True


def pause(session: Session, pair: Pair, *, actor: str, now: datetime, note: str | None = None):
    return move(session, pair, PairStatus.PAUSED, actor=actor, now=now, note=note)


def resume(session: Session, pair: Pair, *, actor: str, now: datetime) -> PairEvent:
    return move(session, pair, PairStatus.ACTIVE, actor=actor, now=now, note="resumed")


def complete(session: Session, pair: Pair, *, actor: str, now: datetime) -> PairEvent:
    return move(session, pair, PairStatus.COMPLETED, actor=actor, now=now, note="completed")


def end(session: Session, pair: Pair, *, actor: str, now: datetime, reason: str) -> PairEvent:
    """End a pair early; who ended it and why are kept (the reason is for coordinators only)."""
    return move(session, pair, PairStatus.ENDED, actor=actor, now=now, note=reason)


def withdraw(session: Session, pair: Pair, *, actor: str, now: datetime) -> PairEvent:
    """Drop an unpublished proposal (a re-run replaces it)."""
    return move(session, pair, PairStatus.WITHDRAWN, actor=actor, now=now, note="replaced")


def paused_by(session: Session, pair_id: int) -> str | None:
    """Who put the pair in pause last (an actor string), read from its history."""
    last = _last_pause(session, pair_id)
    return last.actor if last else None


def paused_at(session: Session, pair_id: int) -> datetime | None:
    """When the pair was put in pause last."""
    last = _last_pause(session, pair_id)
    return last.at if last else None


def restarted_at(session: Session, pair_id: int) -> datetime | None:
    """When the pair last came back from a pause (None when it never rested)."""
    return restarts(session, [pair_id]).get(pair_id)


def restarts(session: Session, pair_ids: list[int]) -> dict[int, datetime]:
    """When each of these pairs last came back from a pause (those that never rested: absent)."""
    if not pair_ids:
        return {}
    rows = session.exec(
        select(PairEvent.pair_id, func.max(PairEvent.at))
        .where(
            col(PairEvent.pair_id).in_(pair_ids),
            PairEvent.from_status == PairStatus.PAUSED,
            PairEvent.to_status == PairStatus.ACTIVE,
        )
        .group_by(PairEvent.pair_id)
    )
    return {pair_id: at for pair_id, at in rows if at is not None}


def _last_pause(session: Session, pair_id: int) -> PairEvent | None:
    moves = [event for event in history(session, pair_id) if event.to_status == PairStatus.PAUSED]
    return moves[-1] if moves else None


def history(session: Session, pair_id: int) -> list[PairEvent]:
    return list(
        session.exec(select(PairEvent).where(PairEvent.pair_id == pair_id).order_by(PairEvent.id))
    )


def count_by_status(session: Session, cohort_id: int) -> dict[str, int]:
    rows = session.exec(
        select(Pair.status, func.count()).where(Pair.cohort_id == cohort_id).group_by(Pair.status)
    )
    return {status: int(n) for status, n in rows}
