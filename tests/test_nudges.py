"""Nudge planning and firing: quiet hours, both members exactly once, moved and cancelled
sessions, daylight-saving changes, and a restart after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import build
from bot.scheduler import dispatch_round
from flows import registry, triggers
from flows.clock import FakeClock
from flows.config import FlowConfig
from flows.messages import Reply
from flows.nudges import dispatch_due, meeting_rows, reminder_due
from flows.quiet import is_quiet
from flows.render import Reader, format_instant, render
from flows.sessions import cancel_meeting, confirm, next_in_rhythm
from flows.timeparse import to_wall, wall_to_utc
from storage.db import Database
from storage.meetings import Meeting, MeetingStatus
from storage.models import OutboundMessage, Participant
from storage.nudges import Nudge, NudgeStatus
from tests.support.databases import sqlite_database
from tests.support.recorder import RecordingChannel
from tests.support.sessions import CARMEN, JULIE, active_pair, add_woman

ZONES = [
    "America/La_Paz",
    "Africa/Dakar",
    "America/Toronto",
    "America/Vancouver",
    "America/St_Johns",
    "America/Halifax",
    "America/Regina",
    "Europe/Paris",
]
# Canada's 2026 changes: spring forward on 8 March, fall back on 1 November.
DST_DAYS = [datetime(2026, 3, 8), datetime(2026, 11, 1)]


@pytest.fixture
def checkins(monkeypatch: pytest.MonkeyPatch) -> list[Nudge]:
    fired: list[Nudge] = []
    registry.flows()

    def record(firing: triggers.Firing) -> bool:
        fired.append(firing.nudge)
        return True

    monkeypatch.setitem(triggers._HANDLERS, "checkin", record)
    return fired


def make_meeting(db: Database, pair_id: int, proposer: int, zone: str, wall: datetime, now):
    with db.session() as session:
        start = wall_to_utc(wall, zone)
        meeting = Meeting(
            pair_id=pair_id,
            proposer_id=proposer,
            proposer_zone=zone,
            options=[start.isoformat()],
            local_options=[wall.isoformat(timespec="minutes")],
            proposed_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(meeting)
        session.flush()
        return meeting.id


def run_through(db: Database, clock: FakeClock, config: FlowConfig, until: datetime) -> None:
    """Fire nudges at each one's due time, as a scheduler waking every minute would."""
    while True:
        with db.session() as session:
            due = session.exec(
                select(Nudge.due_at)
                .where(Nudge.status == NudgeStatus.PLANNED, Nudge.due_at > clock.now())
                .where(Nudge.due_at <= until)
                .order_by(Nudge.due_at)  # type: ignore[arg-type]
            ).first()
        if due is None:
            break
        clock.set(due)
        dispatch_due(db, clock.now(), config)
    clock.set(until)
    dispatch_due(db, clock.now(), config)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone_a=st.sampled_from(ZONES),
    zone_b=st.sampled_from(ZONES),
    around=st.sampled_from(DST_DAYS),
    shift_days=st.integers(-3, 3),
    hour=st.integers(6, 21),
    minute=st.sampled_from([0, 30]),
    quiet_start=st.integers(19, 23),
    quiet_end=st.integers(5, 9),
    action=st.sampled_from(["keep", "move", "cancel"]),
)
def test_every_nudge_outside_quiet_hours_once_for_both(
    tmp_path_factory: pytest.TempPathFactory,
    checkins: list[Nudge],
    zone_a: str,
    zone_b: str,
    around: datetime,
    shift_days: int,
    hour: int,
    minute: int,
    quiet_start: int,
    quiet_end: int,
    action: str,
) -> None:
    checkins.clear()
    config = FlowConfig(quiet_start=quiet_start, quiet_end=quiet_end)
    wall = (around + timedelta(days=shift_days)).replace(hour=hour, minute=minute)
    now = (around + timedelta(days=shift_days - 5)).replace(hour=12, tzinfo=UTC)
    clock = FakeClock(now)
    with sqlite_database(tmp_path_factory.mktemp("prop")) as db:
        a = add_woman(db, "a", {**CARMEN, "timezone": zone_a}, now=now)
        b = add_woman(db, "b", {**JULIE, "timezone": zone_b}, now=now)
        pair_id = active_pair(db, a, b, now=now)
        meeting_id = make_meeting(db, pair_id, a, zone_a, wall, now)
        with db.session() as session:
            meeting = session.get(Meeting, meeting_id)
            assert meeting is not None
            confirm(session, meeting, 0, now=now, config=config)
            first_version = meeting.version
            if action == "move":  # two days later, same local hour for the proposer
                moved = wall + timedelta(days=2)
                meeting.version += 1
                meeting.options = [wall_to_utc(moved, zone_a).isoformat()]
                meeting.local_options = [moved.isoformat(timespec="minutes")]
                confirm(session, meeting, 0, now=now, config=config)
                wall = moved
            elif action == "cancel":
                cancel_meeting(session, meeting, by=b, now=now, config=config)
            start = meeting.start_at
            assert start is not None
        run_through(db, clock, config, start + timedelta(days=2))

        with db.session() as session:
            meeting = session.get(Meeting, meeting_id)
            members = {p.id: p for p in session.exec(select(Participant))}
            nudges = session.exec(select(Nudge).where(Nudge.meeting_id == meeting_id)).all()
            outbox = session.exec(select(OutboundMessage)).all()
        assert meeting is not None
        # The proposer keeps her agreed wall-clock time, whatever the DST change did.
        assert to_wall(meeting.start_at, zone_a) == wall  # type: ignore[arg-type]
        # Every nudge for a woman lands outside her quiet hours, and so does every message.
        for nudge in nudges:
            if nudge.participant_id is not None and nudge.status != NudgeStatus.CANCELLED:
                zone = members[nudge.participant_id].timezone
                assert not is_quiet(nudge.due_at, zone, quiet_start, quiet_end), nudge  # type: ignore[arg-type]
        for message in outbox:
            zone = members[message.participant_id].timezone  # type: ignore[index]
            assert not is_quiet(message.next_attempt_at, zone, quiet_start, quiet_end)  # type: ignore[arg-type]
        sent = [n for n in nudges if n.status == NudgeStatus.SENT and n.participant_id]
        if action == "cancel":
            assert sent == [] and checkins == []
            assert meeting.status == MeetingStatus.CANCELLED
            return
        # Nothing of a moved session's first version ever fires.
        assert all(n.data.get("version") != first_version for n in sent) or action == "keep"
        # Both members: each reminder (24 h, 1 h) and the check-in exactly once.
        for member in (a, b):
            mine = [n for n in sent if n.participant_id == member]
            leads = sorted(n.data["lead_hours"] for n in mine if n.purpose == "reminder")
            assert leads == [1, 24], (member, mine)
            assert sum(n.purpose == "checkin" for n in mine) == 1
        assert sorted(n.participant_id for n in checkins) == sorted([a, b])
        # Both read the session at its right local time, each in her zone.
        reminders = [m for m in outbox if m.purpose == "reminder"]
        for message in reminders:
            reader = members[message.participant_id]  # type: ignore[index]
            text = render(Reply.from_json(message.payload), _reader(reader)).text
            assert format_instant(meeting.start_at, _reader(reader)) in text  # type: ignore[arg-type]
            local = to_wall(meeting.start_at, reader.timezone)  # type: ignore[arg-type]
            clock = f"{local.hour} h {local:%M}" if reader.locale == "fr" else f"{local:%H:%M}"
            assert clock in text  # "16 h 05" in French


def _reader(participant: Participant) -> Reader:
    return Reader(participant.locale, participant.country, participant.timezone)


def test_session_across_the_spring_change_keeps_montreal_time():
    # Julie proposes Thursday 12 March 15:00 on 5 March (before the change on 8 March).
    start = wall_to_utc(datetime(2026, 3, 12, 15, 0), "America/Toronto")
    assert start == datetime(2026, 3, 12, 19, 0, tzinfo=UTC)  # EDT, UTC−4
    julie = Reader("fr", "CA", "America/Toronto")
    carmen = Reader("es", "BO", "America/La_Paz")
    assert format_instant(start, julie) == "jeudi 12 mars, 15 h 00"
    assert format_instant(start, carmen) == "jueves 12 de marzo, 15:00"  # was 16:00 the week before
    before = wall_to_utc(datetime(2026, 3, 5, 15, 0), "America/Toronto")
    assert format_instant(before, carmen) == "jueves 5 de marzo, 16:00"


def test_weekly_rhythm_keeps_the_proposers_local_hour_across_dst(db, clock):
    a = add_woman(db, "julie", JULIE, now=clock.now())
    b = add_woman(db, "carmen", CARMEN, now=clock.now())
    pair_id = active_pair(db, a, b, now=clock.now())
    meeting = Meeting(
        pair_id=pair_id,
        proposer_id=a,
        proposer_zone="America/Toronto",
        rhythm="weekly",
        local_start="2026-10-29T15:00",
        start_at=wall_to_utc(datetime(2026, 10, 29, 15, 0), "America/Toronto"),
        proposed_at=clock.now(),
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    following = next_in_rhythm(meeting, meeting.start_at)  # type: ignore[arg-type]
    assert following == datetime(2026, 11, 5, 20, 0, tzinfo=UTC)  # 15:00 EST, UTC−5
    assert format_instant(following, Reader("fr", "CA", "America/Toronto")) == (
        "jeudi 5 novembre, 15 h 00"
    )
    assert format_instant(following, Reader("es", "BO", "America/La_Paz")) == (
        "jueves 5 de noviembre, 16:00"
    )


def test_rhythm_proposes_the_next_session_after_the_first(db, clock, checkins):
    config = FlowConfig()
    a = add_woman(db, "julie", JULIE, now=clock.now())
    b = add_woman(db, "carmen", CARMEN, now=clock.now())
    pair_id = active_pair(db, a, b, now=clock.now())
    meeting_id = make_meeting(
        db, pair_id, a, "America/Toronto", datetime(2026, 3, 5, 15, 0), clock.now()
    )
    with db.session() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.rhythm = "weekly"
        confirm(session, meeting, 0, now=clock.now(), config=config)
    # Nobody answers the check-in (a stand-in here): the rhythm waits a day from the start.
    run_through(db, clock, config, datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    with db.session() as session:
        waiting = session.exec(select(Meeting)).all()
    assert [m.status for m in waiting] == [MeetingStatus.HELD]
    run_through(db, clock, config, datetime(2026, 3, 6, 21, 0, tzinfo=UTC))
    with db.session() as session:
        meetings = session.exec(select(Meeting).order_by(Meeting.id)).all()  # type: ignore[arg-type]
        carmen = session.get(Participant, b)
        asked = session.exec(
            select(OutboundMessage).where(OutboundMessage.participant_id == b)
        ).all()
    assert [m.status for m in meetings] == [MeetingStatus.HELD, MeetingStatus.PROPOSED]
    # Next Thursday 15:00 in Montréal, after the clocks moved: 15:00 in La Paz now.
    assert meetings[1].option_instants() == [datetime(2026, 3, 12, 19, 0, tzinfo=UTC)]
    assert carmen is not None
    texts = [render(Reply.from_json(m.payload), _reader(carmen)).text for m in asked]
    assert any("Como acordaron (cada semana)" in t for t in texts)
    assert any(
        "jueves 12 de marzo, 15:00"
        in " ".join(
            label for _key, label in render(Reply.from_json(m.payload), _reader(carmen)).options
        )
        for m in asked
    )


def test_reminder_at_night_moves_out_of_quiet_hours():
    config = FlowConfig(quiet_start=21, quiet_end=8)
    # A session at 07:00 in La Paz: 24 h before is 07:00 (quiet) → 08:00 the day before.
    start = wall_to_utc(datetime(2026, 3, 10, 7, 0), "America/La_Paz")
    due = reminder_due(start, timedelta(hours=24), "America/La_Paz", config)
    assert to_wall(due, "America/La_Paz") == datetime(2026, 3, 9, 8, 0)  # type: ignore[arg-type]
    # 1 h before is 06:00 (quiet) and 08:00 would be too late: the evening before instead.
    due = reminder_due(start, timedelta(hours=1), "America/La_Paz", config)
    assert to_wall(due, "America/La_Paz") == datetime(2026, 3, 9, 20, 30)  # type: ignore[arg-type]


def test_meeting_rows_both_members_distinct_keys():
    config = FlowConfig()
    meeting = Meeting(
        id=7,
        pair_id=3,
        proposer_id=1,
        proposer_zone="UTC",
        version=2,
        start_at=datetime(2026, 5, 1, 15, 0, tzinfo=UTC),
    )
    women = [
        Participant(id=1, timezone="Africa/Dakar"),
        Participant(id=2, timezone="America/La_Paz"),
    ]
    rows = meeting_rows(meeting, women, now=datetime(2026, 4, 1, tzinfo=UTC), config=config)
    keys = [row["key"] for row in rows]
    assert len(keys) == len(set(keys)) == 7
    assert all(":2:" in key for key in keys if not key.startswith("after"))


def test_restart_delivers_meaningful_nudges_once_and_drops_stale_reminders(
    tmp_path: Path, settings, checkins
):
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    clock = FakeClock(start)
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = Database(url)
    first.upgrade()
    recorder = RecordingChannel()
    app = build(settings, channels=[recorder], clock=clock, db=first)
    config = app.engine.config
    ids = {}
    for name, profile in (("carmen", CARMEN), ("julie", JULIE), ("c2", CARMEN), ("j2", JULIE)):
        ids[name] = add_woman(first, name, profile, now=start)
    soon = active_pair(first, ids["carmen"], ids["julie"], now=start)
    past = active_pair(first, ids["c2"], ids["j2"], now=start)
    # Pair "soon" meets Thursday 19:00 UTC; pair "past" meets Wednesday 19:00 UTC.
    m_soon = make_meeting(
        first, soon, ids["carmen"], "America/La_Paz", datetime(2026, 3, 5, 15, 0), start
    )
    m_past = make_meeting(
        first, past, ids["c2"], "America/La_Paz", datetime(2026, 3, 4, 15, 0), start
    )
    with first.session() as session:
        for ident in (m_soon, m_past):
            meeting = session.get(Meeting, ident)
            assert meeting is not None
            confirm(session, meeting, 0, now=start, config=config)
    # The process stops; nothing is dispatched until after the second session has ended.
    first.dispose()
    del app
    clock.set(datetime(2026, 3, 5, 18, 30, tzinfo=UTC))

    second = Database(url)
    recorder2 = RecordingChannel()
    app2 = build(settings, channels=[recorder2], clock=clock, db=second)
    result = dispatch_round(app2.db, clock, config)  # what start-up runs
    assert result is not None
    import asyncio

    asyncio.run(app2.delivery.drain())
    by = recorder2.by_address
    # Pair "soon": only the 1 h reminder (the 24 h one is stale), once each, in her language.
    assert len(by["carmen"]) == 1 and "empieza pronto" in by["carmen"][0]
    assert len(by["julie"]) == 1 and "commence bientôt" in by["julie"][0]
    # Pair "past": its session is over: no reminder at all, but the check-in still goes out.
    assert by["c2"] == [] and by["j2"] == []
    assert sorted(n.participant_id for n in checkins) == sorted([ids["c2"], ids["j2"]])
    # Started again: nothing goes twice.
    assert dispatch_round(app2.db, clock, config).fired == 0  # type: ignore[union-attr]
    clock.set(datetime(2026, 3, 5, 21, 0, tzinfo=UTC))
    dispatch_round(app2.db, clock, config)
    dispatch_round(app2.db, clock, config)
    asyncio.run(app2.delivery.drain())
    assert len(by["carmen"]) == 1 and len(by["julie"]) == 1
    assert sorted(n.participant_id for n in checkins) == sorted(ids.values())
    with second.session() as session:
        dropped = session.exec(
            select(Nudge).where(Nudge.status == NudgeStatus.DROPPED, Nudge.purpose == "reminder")
        ).all()
    assert len(dropped) == 6  # 24 h for pair "soon" (2), 24 h and 1 h for pair "past" (4)
    second.dispose()


@pytest.mark.parametrize("through", ["database", "session"])
def test_a_failing_handler_drops_its_nudge_and_the_others_still_fire(
    db, clock, monkeypatch, through
):
    registry.flows()
    fired: list[str] = []

    def flaky(firing: triggers.Firing) -> bool:
        if firing.nudge.key == "bad":
            raise RuntimeError("bug")
        fired.append(firing.nudge.key)
        return True

    monkeypatch.setitem(triggers._HANDLERS, "test_flaky", flaky)
    from storage import nudges as nudge_store

    with db.session() as session:
        for key in ("a", "bad", "b"):
            nudge_store.plan(
                session, key=key, purpose="test_flaky", due_at=clock.now(), now=clock.now()
            )
    if through == "database":
        dispatch_due(db, clock.now(), FlowConfig())
    else:
        with db.session() as session:
            dispatch_due(session, clock.now(), FlowConfig())
    with db.session() as session:
        status = {n.key: n.status for n in session.exec(select(Nudge))}
    assert status == {"a": NudgeStatus.SENT, "bad": NudgeStatus.DROPPED, "b": NudgeStatus.SENT}
    assert sorted(set(fired)) == ["a", "b"]
