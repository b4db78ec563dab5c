"""Planning and firing the nudges of sessions and pairs, always to both members.

Planning rules (all due times in UTC, each moved out of the recipient's quiet hours):
- a confirmed session: reminders 24 h and 1 h before (a reminder that would fall at night is
  moved to the next allowed time, or to the evening before when that would be too late: then it
  says when the session is, not that it starts soon), the
  post-session check-in (purpose "checkin", fired by the check-in feature) and one system nudge
  when the session is over ("session_after": it closes the session, restarts the no-session
  ladder and, for a rhythm, plans "rhythm_next" a day after the start: the next session waits
  for both check-ins, see `flows.sessions.continue_rhythm`);
- a proposal: "proposal_lapsed" when its last time has passed unanswered (it is closed and
  both are told, see `flows.sessions`), and "proposal_waiting" 48 h later, to both (the one who
  must answer, and the one who
  waits);
- a pair with nothing scheduled: the ladder 7, 14, 21 days after the introduction, the last
  session or the restart after a pause ("no_session", to both), then a coordinator alert at 28
  days ("pair_quiet"); a proposal cancelled or lapsed restarts it (one ladder a pair), and each
  rung says the true count of days since their last session, restart or introduction (the days
  at rest are never counted).

Keys carry the meeting's version, so a moved session plans new rows and cancels the old ones;
handlers check the version again when they fire, so a stale reminder can never go out.

The dispatcher fires each due nudge once: claimed with SKIP LOCKED on PostgreSQL, its messages
queued in the same transaction that marks it sent. After downtime, late nudges are fired only
while still meaningful: a reminder for a session already started is dropped, and of several
rungs of one ladder only the latest goes out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from flows import choices, home, registry
from flows.alerts import keep_and_alert
from flows.config import FlowConfig
from flows.keywords import Keyword
from flows.messages import ChannelKind, Msg, Option, Reply, _, keyword, nested, when
from flows.pair_lifecycle import restarted_at
from flows.proactive import SESSION_LENGTH, About, about_pair, about_session, ask, notify
from flows.quiet import is_quiet, next_allowed
from flows.steps import Answer, Choose, Context, Outcome, go
from flows.timeparse import to_wall, wall_to_utc
from flows.triggers import Firing, handler_for, handles, purposes
from storage import nudges as nudge_store
from storage import participants
from storage.db import Database
from storage.meetings import (
    OPEN_STATUSES,
    Meeting,
    MeetingStatus,
    Mode,
    Rhythm,
    any_agreed_after,
    claim_due_for,
    last_held_start,
    plan_many,
)
from storage.models import Participant
from storage.nudges import Nudge, NudgeStatus
from storage.pairs import Pair, PairStatus

log = logging.getLogger(__name__)

REMINDER = "reminder"
CHECKIN = "checkin"
SESSION_AFTER = "session_after"
PROPOSAL_WAITING = "proposal_waiting"
PROPOSAL_LAPSED = "proposal_lapsed"
NO_SESSION = "no_session"
PAIR_QUIET = "pair_quiet"
LADDER_PURPOSES = (NO_SESSION, PAIR_QUIET)


@dataclass(frozen=True)
class Rules:
    """When things are nudged (defaults from the programme; tests may pass others)."""

    reminder_leads: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    session_length: timedelta = SESSION_LENGTH
    checkin_after: timedelta = timedelta(hours=1, minutes=30)  # from the start
    proposal_wait: timedelta = timedelta(hours=48)
    ladder_days: tuple[int, ...] = (7, 14, 21)
    alert_days: int = 28


RULES = Rules()

MODES: dict[str, Msg] = {
    Mode.VIDEO: _("Video call"),
    Mode.PHONE: _("Phone call"),
    Mode.IN_PERSON: _("In person"),
    Mode.CHAT: _("Chat by messages"),
}
RHYTHMS: dict[str, Msg] = {
    Rhythm.WEEKLY: _("Every week"),
    Rhythm.BIWEEKLY: _("Every two weeks"),
    Rhythm.MONTHLY: _("Every month"),
}

REMIND_DAY = _("Reminder: your session with {name} is on {when} (your time).")
REMIND_HOUR = _("Your session with {name} starts soon: {when} (your time).")
# A move of the session waits for an answer: until her peer accepts it, the session stands.
MOVE_PENDING_MINE = _(
    "{name} has not answered your request to move it yet, so it stays as planned."
)
MOVE_PENDING_THEIRS = _(
    "{name} asked to move it to another time; until you choose one, it stays as planned."
)
HOW_LINE = _("How: {mode}")
PLACE_LINE = _("Link or place: {place}")
WAITING_ANSWER = _("{name} is still waiting for your answer to her proposal.")
WAITING_PEER = _(
    "{name} has not answered your proposal yet. I reminded her; you can also write to her."
)
LADDER_INTRO = _(
    "It has been {days} days since you and {name} were introduced, and no session is planned "
    "yet. Shall we find a time?"
)
LADDER_SINCE = _(
    "It has been {days} days since your last session with {name}, and no next one is planned. "
    "Shall we find a time?"
)
LADDER_RESTART = _(
    "It has been {days} days since your pair with {name} restarted, and no session is planned "
    "yet. Shall we find a time?"
)
LADDER_PENDING = _(
    "A proposal for a session with {name} is still open. Would you like to answer it?"
)
PAIR_QUIET_ALERT = _(
    "Pair {pair} ({a} and {b}) has had no session for {days} days. Maybe give them a call?"
)
PAIR_QUIET_RESTARTED = _(
    "Pair {pair} ({a} and {b}) restarted {days} days ago and has had no session since. Maybe "
    "give them a call?"
)


# Message helpers shared with the conversation (flows/sessions.py) ------------------------------


def lines(*messages: Msg) -> Msg:
    """Several messages shown as one, one per line (each translated on its own)."""
    names = [f"m{index}" for index in range(len(messages))]
    template = "\n".join("{" + name + "}" for name in names)
    return Msg(template, {name: nested(msg) for name, msg in zip(names, messages, strict=True)})


def details(meeting: Meeting) -> list[Msg]:
    """How the two women meet: the mode, and the link or place when there is one."""
    found = [Msg(HOW_LINE.msgid, {"mode": nested(MODES.get(meeting.mode, MODES[Mode.VIDEO]))})]
    if meeting.place:
        found.append(Msg(PLACE_LINE.msgid, {"place": meeting.place}))
    return found


def standing_start(meeting: Meeting, data: dict[str, Any]) -> datetime | None:
    """When the session a nudge was planned for (its `data`) starts, while that session still
    stands: confirmed at the nudge's version, or being moved from that start and not yet
    answered (until her peer accepts a move, the session stays at its time)."""
    if meeting.status == MeetingStatus.CONFIRMED and meeting.version == data.get("version"):
        return meeting.start_at
    planned = data.get("start")
    moved_from = meeting.previous_start_at
    if meeting.status == MeetingStatus.PROPOSED and moved_from is not None and planned:
        return moved_from if datetime.fromisoformat(planned) == moved_from else None
    return None


def ahead(meeting: Meeting, now: datetime) -> list[int]:
    """The indexes of a proposal's options still ahead of `now` (the others can't be chosen)."""
    return [index for index, start in enumerate(meeting.option_instants()) if start > now]


def first_name(participant: Participant | None) -> str:
    return (participant.name or "").strip() if participant else ""


# Planning ------------------------------------------------------------------------------------


def before_quiet(instant: datetime, timezone: str | None, config: FlowConfig) -> datetime | None:
    """The last allowed half hour before the quiet period that contains `instant` (20:30)."""
    wall = to_wall(instant, timezone).replace(minute=30, second=0, microsecond=0)
    for back in range(1, 25):
        candidate = wall_to_utc(wall - timedelta(hours=back), timezone)
        if candidate < instant and not is_quiet(
            candidate, timezone, config.quiet_start, config.quiet_end
        ):
            return candidate
    return None


def reminder_due(
    start: datetime, lead: timedelta, timezone: str | None, config: FlowConfig
) -> datetime | None:
    """When to remind her: `lead` before, moved out of her quiet hours, and still before."""
    due = start - lead
    later = next_allowed(due, timezone, config.quiet_start, config.quiet_end)
    if later < start:
        return later
    earlier = before_quiet(due, timezone, config)
    return earlier if earlier is not None and earlier < start else None


def allowed(instant: datetime, participant: Participant, config: FlowConfig) -> datetime:
    return next_allowed(instant, participant.timezone, config.quiet_start, config.quiet_end)


def meeting_rows(
    meeting: Meeting,
    members: Sequence[Participant],
    *,
    now: datetime,
    config: FlowConfig,
    rules: Rules = RULES,
) -> list[dict[str, Any]]:
    """The nudges of a confirmed meeting, for both members (not yet written)."""
    start = meeting.start_at
    assert start is not None and meeting.id is not None
    ident, version = meeting.id, meeting.version
    common = {"pair_id": meeting.pair_id, "meeting_id": ident}
    rows: list[dict[str, Any]] = []
    for member in members:
        for lead in rules.reminder_leads:
            hours = int(lead.total_seconds() // 3600)
            if start - lead <= now:
                continue  # confirmed too late for this one: the confirmation reminds her
            due = reminder_due(start, lead, member.timezone, config)
            if due is None or due <= now:
                continue
            rows.append(
                {
                    "key": f"rem:{ident}:{version}:{hours}:{member.id}",
                    "purpose": REMINDER,
                    "due_at": due,
                    "participant_id": member.id,
                    "data": {"version": version, "lead_hours": hours, "start": start.isoformat()},
                    **common,
                }
            )
        rows.append(
            {
                "key": f"checkin:{ident}:{version}:{member.id}",
                "purpose": CHECKIN,
                "due_at": allowed(start + rules.checkin_after, member, config),
                "participant_id": member.id,
                "data": {"version": version, "start": start.isoformat()},
                **common,
            }
        )
    rows.append(
        {
            "key": f"after:{ident}:{version}",
            "purpose": SESSION_AFTER,
            "due_at": start + rules.session_length,
            "data": {"version": version, "start": start.isoformat()},
            **common,
        }
    )
    return rows


def members_of(session: Session, pair: Pair) -> list[Participant]:
    found = [session.get(Participant, pair.a_id), session.get(Participant, pair.b_id)]
    return [member for member in found if member is not None]


def plan_meeting(session: Session, meeting: Meeting, *, now: datetime, config: FlowConfig) -> int:
    """(Re)plan a confirmed meeting's nudges: stale rows cancelled, new keys with its version."""
    nudge_store.cancel(session, meeting_id=meeting.id)
    pair = session.get(Pair, meeting.pair_id)
    if pair is None or meeting.start_at is None:
        return 0
    nudge_store.cancel(session, pair_id=pair.id, purposes=LADDER_PURPOSES)
    rows = meeting_rows(meeting, members_of(session, pair), now=now, config=config)
    return plan_many(session, rows, now=now)


def replan_reminders(
    session: Session, participant: Participant, *, now: datetime, config: FlowConfig
) -> int:
    """Her planned reminders moved to her new zone's waking hours (she moved, or corrected her
    country): planned in the old zone, the hour-before reminder of an early session would come
    in her new night and be dropped. Returns how many moved or were cancelled."""
    planned = session.exec(
        select(Nudge).where(
            Nudge.participant_id == participant.id,
            Nudge.status == NudgeStatus.PLANNED,
            Nudge.purpose == REMINDER,
        )
    ).all()
    for nudge in planned:
        start = datetime.fromisoformat(nudge.data["start"])
        lead = timedelta(hours=int(nudge.data.get("lead_hours", 0)))
        due = reminder_due(start, lead, participant.timezone, config)
        if due is None:
            nudge.status = NudgeStatus.CANCELLED
        else:
            nudge.due_at = max(due, now)
        session.add(nudge)
    return len(planned)


def plan_proposal_wait(
    session: Session, meeting: Meeting, *, now: datetime, config: FlowConfig
) -> int:
    """The "still waiting" nudge 48 h after a proposal, to both members, and its close when
    its last time has passed unanswered. A move keeps the session's own nudges: until her peer
    accepts it, the session stands (`standing_start`)."""
    if meeting.previous_start_at is not None:
        purposes: tuple[str, ...] | None = (PROPOSAL_LAPSED, PROPOSAL_WAITING)
    else:
        purposes = None
    nudge_store.cancel(session, meeting_id=meeting.id, purposes=purposes)
    pair = session.get(Pair, meeting.pair_id)
    if pair is None:
        return 0
    lapse = {
        "key": f"lapse:{meeting.id}:{meeting.version}",
        "purpose": PROPOSAL_LAPSED,
        "due_at": max(meeting.option_instants(), default=now),
        "pair_id": pair.id,
        "meeting_id": meeting.id,
        "data": {"version": meeting.version},
    }
    waits = [
        {
            "key": f"wait:{meeting.id}:{meeting.version}:{member.id}",
            "purpose": PROPOSAL_WAITING,
            "due_at": allowed(now + RULES.proposal_wait, member, config),
            "participant_id": member.id,
            "pair_id": pair.id,
            "meeting_id": meeting.id,
            "data": {"version": meeting.version},
        }
        for member in members_of(session, pair)
    ]
    return plan_many(session, [lapse, *waits], now=now)


def ladder_rows(
    pair: Pair,
    members: Sequence[Participant],
    *,
    anchor: datetime,
    cause: str,
    now: datetime,
    config: FlowConfig,
    rules: Rules = RULES,
) -> list[dict[str, Any]]:
    """The "no session yet" rungs still ahead of `now`, for both members, and the alert."""
    rows: list[dict[str, Any]] = []
    data = {"anchor": anchor.isoformat(), "cause": cause}
    for days in rules.ladder_days:
        for member in members:
            due = allowed(anchor + timedelta(days=days), member, config)
            if due > now:
                rows.append(
                    {
                        "key": f"ladder:{pair.id}:{cause}:{days}:{member.id}",
                        "purpose": NO_SESSION,
                        "due_at": due,
                        "participant_id": member.id,
                        "pair_id": pair.id,
                        "data": {**data, "days": days},
                    }
                )
    due = anchor + timedelta(days=rules.alert_days)
    if due > now:
        rows.append(
            {
                "key": f"ladder:{pair.id}:{cause}:{rules.alert_days}",
                "purpose": PAIR_QUIET,
                "due_at": due,
                "pair_id": pair.id,
                "data": {**data, "days": rules.alert_days},
            }
        )
    return rows


def plan_ladder(
    session: Session,
    pair: Pair,
    *,
    anchor: datetime,
    now: datetime,
    config: FlowConfig,
    cause: str | None = None,
) -> int:
    """Plan the no-session ladder from `anchor` (idempotent for the same anchor and cause); it
    replaces the pair's ladder from an earlier anchor, so the women hear one count, not two."""
    cause = cause or f"a{anchor:%Y%m%d%H%M}"
    _cancel_other_ladders(session, pair, cause)
    rows = ladder_rows(
        pair, members_of(session, pair), anchor=anchor, cause=cause, now=now, config=config
    )
    return plan_many(session, rows, now=now)


def _cancel_other_ladders(session: Session, pair: Pair, cause: str) -> None:
    """Cancel the pair's planned rungs of another ladder (a proposal cancelled or lapsed while
    the ladder since their last session still ran restarts the count: both would fire)."""
    planned = session.exec(
        select(Nudge).where(
            Nudge.pair_id == pair.id,
            Nudge.status == NudgeStatus.PLANNED,
            col(Nudge.purpose).in_(LADDER_PURPOSES),
        )
    ).all()
    for nudge in planned:
        if nudge.data.get("cause") != cause:
            nudge.status = NudgeStatus.CANCELLED
            session.add(nudge)


class Since(StrEnum):
    """What the pair's count of days without a session runs from."""

    START = "start"  # its introduction (or activation): no session yet
    SESSION = "session"  # its last session
    RESTART = "restart"  # the end of its last pause: the days at rest are not held against it


LADDER_WORDS: dict[Since, Msg] = {
    Since.START: LADDER_INTRO,
    Since.SESSION: LADDER_SINCE,
    Since.RESTART: LADDER_RESTART,
}


def days_without(session: Session, pair: Pair, now: datetime, rung: int) -> tuple[int, Since]:
    """How many days the pair has gone without a session, and since what: its last one, its
    restart after a pause or its start (a ladder restarted by a cancelled proposal counts its
    rungs from the cancel, not this); `rung` when none is known."""
    since, kind = ladder_since(session, pair, now)
    if since is None:
        return rung, kind
    # To the nearest day: both women are told the same count, each in her own morning.
    return max(round((now - since) / timedelta(days=1)), rung), kind


def ladder_since(session: Session, pair: Pair, now: datetime) -> tuple[datetime | None, Since]:
    """Since when, and since what, the pair counts days without a session: the latest of its
    last session, its restart after a pause and its start. A pause is a choice, not a lapse:
    after it the count starts again, so nobody reads "40 days" about a month at rest."""
    found = [
        (moment, kind)
        for moment, kind in (
            (pair.active_at or pair.introduced_at, Since.START),
            (restarted_at(session, pair.id or 0), Since.RESTART),
            (last_held_start(session, pair.id or 0, now), Since.SESSION),
        )
        if moment is not None
    ]
    return max(found, key=lambda item: item[0]) if found else (None, Since.START)


def pair_anchor(session: Session, pair: Pair, now: datetime) -> datetime | None:
    """Since when the pair counts days without a session (`ladder_since`)."""
    return ladder_since(session, pair, now)[0]


def scan_pairs(session: Session, *, now: datetime, config: FlowConfig, limit: int = 5000) -> int:
    """Give every active pair with nothing scheduled and no ladder planned its ladder.

    Catches pairs activated by matching (which knows nothing of nudges) and pairs whose ladder
    ran out; idempotent by key, so running it every few minutes is harmless.
    """
    planned_ladder = exists().where(
        Nudge.pair_id == Pair.id,
        Nudge.status == NudgeStatus.PLANNED,
        col(Nudge.purpose).in_(LADDER_PURPOSES),
    )
    open_meeting = exists().where(
        Meeting.pair_id == Pair.id, col(Meeting.status).in_(OPEN_STATUSES)
    )
    pairs = session.exec(
        select(Pair)
        .where(Pair.status == PairStatus.ACTIVE, ~planned_ladder, ~open_meeting)
        .limit(limit)
    ).all()
    written = 0
    for pair in pairs:
        anchor = pair_anchor(session, pair, now)
        if anchor is not None:
            written += plan_ladder(session, pair, anchor=anchor, now=now, config=config)
    return written


# Firing --------------------------------------------------------------------------------------


@dataclass
class Dispatched:
    fired: int = 0
    dropped: int = 0
    claimed: int = 0

    def add(self, other: Dispatched) -> None:
        self.fired += other.fired
        self.dropped += other.dropped
        self.claimed += other.claimed


def dispatch_due(
    target: Database | Session,
    now: datetime,
    config: FlowConfig,
    *,
    batch: int = 200,
) -> Dispatched:
    """Fire every nudge due at `now` once; returns how many fired and how many were dropped.

    With a Database, each batch is its own transaction (several processes can run this at once
    on PostgreSQL: SKIP LOCKED gives each its own rows). With a Session, everything happens in
    the caller's transaction.
    """
    registry.flows()  # every feature module imported, so every handler is registered
    known = purposes()
    total = Dispatched()
    while True:
        if isinstance(target, Database):
            try:
                with target.session() as session:
                    result = _fire_batch(session, now, config, batch, known, isolate=False)
            except _HandlerFailed as failure:  # the batch was rolled back: drop the culprit
                _drop(target, failure.nudge_id, now)
                continue
        else:
            result = _fire_batch(target, now, config, batch, known, isolate=True)
        total.add(result)
        if result.claimed < batch:
            return total


class _HandlerFailed(Exception):
    def __init__(self, nudge_id: int | None) -> None:
        super().__init__(f"nudge {nudge_id} failed")
        self.nudge_id = nudge_id


def _drop(db: Database, nudge_id: int | None, now: datetime) -> None:
    with db.session() as session:
        nudge = session.get(Nudge, nudge_id)
        if nudge is not None and nudge.status == NudgeStatus.PLANNED:
            nudge.status = NudgeStatus.DROPPED
            nudge.fired_at = now
            session.add(nudge)


def _fire_batch(
    session: Session,
    now: datetime,
    config: FlowConfig,
    batch: int,
    known: list[str],
    *,
    isolate: bool = True,
) -> Dispatched:
    """Fire one batch. A bug in one handler must not stop every other nudge: with `isolate`
    each nudge runs in a savepoint; without, the failure rolls the batch back (`_HandlerFailed`)
    and the dispatcher drops that nudge and goes on (savepoints cost half the throughput)."""
    result = Dispatched()
    claimed = claim_due_for(session, now=now, limit=batch, purposes=known)
    held = _preload(session, claimed)  # kept referenced: the identity map holds weak ones
    for nudge in claimed:
        result.claimed += 1
        fired = False
        try:
            if isolate:
                with session.begin_nested():
                    fired = _fire(session, nudge, now, config)
            else:
                fired = _fire(session, nudge, now, config)
        except Exception as error:
            log.exception("nudge %s (%s) failed; dropped", nudge.id, nudge.purpose)
            if not isolate:
                raise _HandlerFailed(nudge.id) from error
        nudge.status = NudgeStatus.SENT if fired else NudgeStatus.DROPPED
        nudge.fired_at = now
        session.add(nudge)
        if fired:
            result.fired += 1
        else:
            result.dropped += 1
    session.flush()
    del held
    return result


def _fire(session: Session, nudge: Nudge, now: datetime, config: FlowConfig) -> bool:
    handler = handler_for(nudge.purpose)
    return bool(handler and handler(Firing(session, nudge, now, config)))


def _preload(session: Session, claimed: Sequence[Nudge]) -> list[object]:
    """Load the batch's meetings, pairs and women in three queries (handlers then hit memory)."""
    meeting_ids = {n.meeting_id for n in claimed if n.meeting_id}
    meetings = (
        session.exec(select(Meeting).where(col(Meeting.id).in_(meeting_ids))).all()
        if meeting_ids
        else []
    )
    pair_ids = {n.pair_id for n in claimed if n.pair_id} | {m.pair_id for m in meetings}
    pairs = session.exec(select(Pair).where(col(Pair.id).in_(pair_ids))).all() if pair_ids else []
    people = {n.participant_id for n in claimed if n.participant_id}
    people |= {member for pair in pairs for member in pair.members()}
    women = (
        session.exec(select(Participant).where(col(Participant.id).in_(people))).all()
        if people
        else []
    )
    return [*meetings, *pairs, *women]


# A session starting within this is "soon" for the hour-before reminder.
SOON = timedelta(hours=3)

# A nudge fired later than this after its due time was held up (downtime): check what else of
# hers fell due meanwhile. On time, the scheduler's one-minute tick never makes two due at once.
LATE = timedelta(minutes=5)


def _also_due(
    session: Session, nudge: Nudge, now: datetime, wanted: Callable[[Nudge], bool]
) -> bool:
    """True when another planned nudge of hers, of the same purpose, is due too and `wanted`."""
    rows = session.exec(
        select(Nudge).where(
            Nudge.participant_id == nudge.participant_id,
            Nudge.status == NudgeStatus.PLANNED,
            Nudge.purpose == nudge.purpose,
            Nudge.due_at <= now,
            Nudge.id != nudge.id,
            or_(Nudge.meeting_id == nudge.meeting_id, Nudge.pair_id == nudge.pair_id),
        )
    ).all()
    return any(wanted(row) for row in rows)


@handles(REMINDER)
def fire_reminder(firing: Firing) -> bool:
    """Remind her of her session, unless it moved, was cancelled or has already started."""
    session, nudge, now = firing.session, firing.nudge, firing.now
    meeting = session.get(Meeting, nudge.meeting_id) if nudge.meeting_id else None
    start = standing_start(meeting, nudge.data) if meeting is not None else None
    if meeting is None or start is None or now >= start:
        return False
    she = session.get(Participant, nudge.participant_id)
    pair = session.get(Pair, meeting.pair_id)
    if she is None or pair is None or pair.status != PairStatus.ACTIVE:
        return False
    lead = int(nudge.data.get("lead_hours", 0))
    nearest = min(int(h.total_seconds() // 3600) for h in RULES.reminder_leads)
    late = nudge.due_at is not None and now - nudge.due_at > LATE
    if (
        lead > nearest
        and late
        and _also_due(
            session,
            nudge,
            now,
            lambda row: (
                row.data.get("version") == nudge.data.get("version")
                and row.data.get("lead_hours") == nearest
            ),
        )
    ):
        return False  # back after downtime: the nearer reminder says it all
    if allowed(now, she, firing.config) >= start:
        return False  # it could only reach her after the session started
    peer = session.get(Participant, pair.peer_of(she.id or 0))
    # "Starts soon" only when it does: the hour-before reminder of an 08:00 session is moved to
    # the evening before, out of her night, and then reads as a reminder of the day.
    soon = lead <= nearest and start - now <= SOON
    text = REMIND_HOUR if soon else REMIND_DAY
    said = [Msg(text.msgid, {"name": first_name(peer), "when": when(start)}), *details(meeting)]
    if meeting.status == MeetingStatus.PROPOSED:  # a move of it waits for an answer
        pending = MOVE_PENDING_MINE if meeting.proposer_id == she.id else MOVE_PENDING_THEIRS
        said.append(Msg(pending.msgid, {"name": first_name(peer)}))
    return bool(
        notify(
            session,
            she,
            [lines(*said)],
            now=now,
            config=firing.config,
            purpose=REMINDER,
            about=about_session(pair.id, meeting.id, replaces=False),
        )
    )


@handles(PROPOSAL_WAITING)
def fire_proposal_waiting(firing: Firing) -> bool:
    """Two days without an answer: ask her again, and tell the proposer she was reminded."""
    session, nudge, now = firing.session, firing.nudge, firing.now
    meeting = session.get(Meeting, nudge.meeting_id) if nudge.meeting_id else None
    if (
        meeting is None
        or meeting.status != MeetingStatus.PROPOSED
        or meeting.version != nudge.data.get("version")
        or not ahead(meeting, now)
    ):
        return False  # answered, changed, or its times have passed (`PROPOSAL_LAPSED` closes it)
    moved_from = meeting.previous_start_at
    if moved_from is not None and now >= moved_from - max(RULES.reminder_leads):
        return False  # a move: the session's own reminders now say it waits for an answer
    she = session.get(Participant, nudge.participant_id)
    pair = session.get(Pair, meeting.pair_id)
    if she is None or pair is None or pair.status != PairStatus.ACTIVE:
        return False
    peer = session.get(Participant, pair.peer_of(she.id or 0))
    about = about_session(pair.id, meeting.id, replaces=False)  # a reminder: nothing new
    if she.id == meeting.proposer_id:
        note = Msg(WAITING_PEER.msgid, {"name": first_name(peer)})
        return bool(
            notify(
                session,
                she,
                [note],
                now=now,
                config=firing.config,
                purpose=nudge.purpose,
                about=about,
            )
        )
    intro = Msg(WAITING_ANSWER.msgid, {"name": first_name(peer)})
    return bool(
        ask(
            session,
            she,
            "sessions",
            "pick",
            now=now,
            config=firing.config,
            purpose=nudge.purpose,
            data={"sess": {"pair": pair.id, "meeting": meeting.id, "version": meeting.version}},
            intro=[intro],
            about=about,
        )
    )


@handles(NO_SESSION)
def fire_no_session(firing: Firing) -> bool:
    """No session for N days: invite her to find a time (only the latest rung after downtime)."""
    session, nudge, now = firing.session, firing.nudge, firing.now
    pair = session.get(Pair, nudge.pair_id) if nudge.pair_id else None
    anchor = datetime.fromisoformat(nudge.data["anchor"])
    if pair is None or pair.status != PairStatus.ACTIVE:
        return False
    if any_agreed_after(session, pair.id or 0, anchor):
        return False
    days = int(nudge.data.get("days", 0))
    late = nudge.due_at is not None and now - nudge.due_at > LATE
    if late and _also_due(
        session,
        nudge,
        now,
        lambda row: (
            row.data.get("cause") == nudge.data.get("cause") and int(row.data.get("days", 0)) > days
        ),
    ):
        return False
    she = session.get(Participant, nudge.participant_id)
    if she is None:
        return False
    peer = session.get(Participant, pair.peer_of(she.id or 0))
    name = first_name(peer)
    pending = session.exec(
        select(Meeting).where(Meeting.pair_id == pair.id, Meeting.status == MeetingStatus.PROPOSED)
    ).first()
    if pending is not None and not ahead(pending, now):
        # Its times have passed: its close (`PROPOSAL_LAPSED`, due now too) tells her, and
        # restarts the count (a weekly rhythm's next time falls on the ladder's 7th day).
        return False
    sess: dict[str, Any] = {"pair": pair.id}
    # An invitation, which replaces nothing; a pause, or the proposal it points to withdrawn,
    # replaces it while it waits for her morning.
    about: About
    if pending is not None and pending.proposer_id != she.id:
        sess.update(meeting=pending.id, version=pending.version)
        intro = Msg(LADDER_PENDING.msgid, {"name": name})
        step = "pick"
        about = about_session(pair.id, pending.id, replaces=False)
    elif pending is not None:
        return False  # she proposed and waits: the proposal nudge speaks to her
    else:
        count, since = days_without(session, pair, now, days)
        intro = Msg(LADDER_WORDS[since].msgid, {"days": count, "name": name})
        step = "start"
        about = about_pair(pair.id, replaces=False)
    data: dict[str, Any] = {"sess": sess}
    flow, intros = "sessions", [intro]
    if _by_sms(session, she):
        # One SMS that asks first ("Shall we find a time? 1 Yes 2 Not now"), not the invitation
        # and her times (or the proposal) in two: those come once she says yes.
        data.update({FIND_TIME: intro.to_json(), FIND_TIME_STEP: step})
        flow, step, intros = FIND_TIME_FLOW, "ask", []
    return bool(
        ask(
            session,
            she,
            flow,
            step,
            now=now,
            config=firing.config,
            purpose=NO_SESSION,
            data=data,
            intro=intros,
            about=about,
        )
    )


@handles(PAIR_QUIET)
def fire_pair_quiet(firing: Firing) -> bool:
    """Four weeks without a session: tell the coordinators, and keep the alert for the console
    (kept even when none could be reached, so it counts as fired)."""
    session, nudge = firing.session, firing.nudge
    pair = session.get(Pair, nudge.pair_id) if nudge.pair_id else None
    if pair is None or pair.status != PairStatus.ACTIVE:
        return False
    if any_agreed_after(session, pair.id or 0, datetime.fromisoformat(nudge.data["anchor"])):
        return False
    a, b = session.get(Participant, pair.a_id), session.get(Participant, pair.b_id)
    days, since = days_without(
        session, pair, firing.now, int(nudge.data.get("days", RULES.alert_days))
    )
    message = Msg(
        (PAIR_QUIET_RESTARTED if since == Since.RESTART else PAIR_QUIET_ALERT).msgid,
        {
            "pair": pair.id,
            "a": f"{first_name(a)} ({a.public_id})" if a else "?",
            "b": f"{first_name(b)} ({b.public_id})" if b else "?",
            "days": days,
        },
    )
    keep_and_alert(
        session,
        Reply(message),
        participant_id=pair.a_id,
        source="quiet",
        now=firing.now,
        config=firing.config,
        purpose=PAIR_QUIET,
        pair_id=pair.id,
        cohort_id=pair.cohort_id,
    )
    return True


# For operators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upcoming:
    due_at: datetime
    purpose: str
    detail: str
    public_id: str | None
    name: str | None
    timezone: str | None
    pair_id: int | None
    meeting_id: int | None


def upcoming(session: Session, *, limit: int = 50) -> list[Upcoming]:
    """The next planned nudges with who they are for (pseudonymous id and first name)."""
    found = []
    for nudge in nudge_store.upcoming(session, limit=limit):
        she = session.get(Participant, nudge.participant_id) if nudge.participant_id else None
        detail = ""
        if nudge.purpose == REMINDER:
            detail = f"{nudge.data.get('lead_hours')} h before"
        elif "days" in nudge.data:
            detail = f"day {nudge.data['days']}"
        found.append(
            Upcoming(
                due_at=nudge.due_at,  # type: ignore[arg-type]
                purpose=nudge.purpose,
                detail=detail,
                public_id=she.public_id if she else None,
                name=first_name(she) if she else None,
                timezone=she.timezone if she else None,
                pair_id=nudge.pair_id,
                meeting_id=nudge.meeting_id,
            )
        )
    return found


# The ladder's invitation on SMS, asked before her times ---------------------------------------

FIND_TIME_FLOW = "nudge"
FIND_TIME = "find_time"  # the invitation, kept in her conversation while it is asked
FIND_TIME_STEP = "find_time_step"  # where a yes takes her: her times, or the open proposal


def _by_sms(session: Session, she: Participant) -> bool:
    """Whether her messages go by SMS, where the times list would be a second, long message."""
    link = participants.preferred_address(session, she.id or 0)
    return link is not None and link.channel == ChannelKind.SMS.value


# The question alone, should the invitation kept with it be missing.
SHALL_WE = _("Shall we find a time?")


def _find_time_prompt(ctx: Context) -> Msg:
    kept = ctx.data.get(FIND_TIME)
    return Msg.from_json(kept) if kept else SHALL_WE


def _find_time_options(ctx: Context) -> tuple[Option, ...]:
    from flows import sessions  # it imports this module

    return (Option("yes", home.YES), Option("no", sessions.NOT_NOW))


def _on_find_time(ctx: Context, key: str) -> Outcome:
    from flows import sessions

    ctx.data.pop(FIND_TIME, None)
    target = ctx.data.pop(FIND_TIME_STEP, "start")
    if key == "yes":
        return go("sessions", target)
    ctx.data.pop("sess", None)
    plan = {"$msg": sessions.PLAN.to_json()}
    return home.resume(ctx, _(sessions.WHEN_READY.msgid, menu=keyword(Keyword.MENU), plan=plan))


class FindTime(Choose):
    """ "Shall we find a time?" (or "would you like to answer her proposal?") answered yes or not
    now; anything else ("jueves 15h") is read as the question it leads to would read it."""

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        if answer.option_key is None and choices.choose_one(answer.text, self.offered(ctx)) is None:
            ctx.data.pop(FIND_TIME, None)
            target = ctx.data.pop(FIND_TIME_STEP, "start")
            typed = registry.step("sessions", target).answer(ctx, answer)
            return typed if typed.goto is not None else go("sessions", target, *typed.say)
        return super().answer(ctx, answer)


registry.register(
    FIND_TIME_FLOW,
    {"ask": FindTime(_find_time_prompt, _find_time_options, _on_find_time)},
)
