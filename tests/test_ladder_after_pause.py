"""The no-session ladder after a long pause counts from the restart, not across the pause.

A pair that rested for a month by choice has not "gone 40 days without a session": what is
true and fair to tell her is how long it has been since the two restarted, and the count the
coordinators read says the same. The rungs planned before the pause never fire after it.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (French), Awa in Dakar (UTC, English).
The clock starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import App
from flows.clock import FakeClock
from flows.nudges import dispatch_due, scan_pairs
from flows.pair_requests import change_by_team
from storage.pairs import Pair
from tests.support.sessions import AWA, CARMEN, JULIE, Member, add_woman
from tests.test_sessions_conversations import pair_of, propose

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

CASES = [
    (
        ("carmen", CARMEN),
        ("julie", JULIE),
        "Ya pasaron 7 días desde que retomaron su intercambio con Julie",
        "Cela fait 7 jours que votre binôme avec Carmen a repris",
    ),
    (
        ("julie", JULIE),
        ("awa", AWA),
        "Cela fait 7 jours que votre binôme avec Awa a repris",
        "It has been 7 days since your pair with Julie restarted",
    ),
    (
        ("awa", AWA),
        ("carmen", CARMEN),
        "It has been 7 days since your pair with Carmen restarted",
        "Ya pasaron 7 días desde que retomaron su intercambio con Awa",
    ),
]


def live(app: App, clock: FakeClock, until: datetime) -> None:
    """Hour by hour, as the scheduler does: the pair scan, then the due nudges."""
    while clock.now() < until:
        clock.advance(min(timedelta(hours=1), until - clock.now()))
        with app.db.session() as session:
            scan_pairs(session, now=clock.now(), config=app.engine.config)
        dispatch_due(app.db, clock.now(), app.engine.config)


def pause_then_restart(app: App, clock: FakeClock, she: Member, *, rested: int) -> None:
    """She pauses the pair on day 2 and restarts it `rested` days later; both read it all."""
    live(app, clock, START + timedelta(days=2))
    she.says("menu")
    she.taps("pair_pause")
    she.taps("yes")
    live(app, clock, START + timedelta(days=2 + rested))
    she.says("menu")
    she.taps("pair_resume")


@pytest.mark.parametrize(("first", "second", "mine", "theirs"), CASES)
def test_after_a_month_of_pause_the_ladder_counts_from_the_restart(
    app, clock, first, second, mine, theirs
):
    she, peer = pair_of(app, clock, first, second)
    pause_then_restart(app, clock, she, rested=30)
    restart = clock.now()
    she.inbox(), peer.inbox()
    live(app, clock, restart + timedelta(days=6))
    assert she.inbox() == "" and peer.inbox() == ""  # nothing left over from before the pause
    live(app, clock, restart + timedelta(days=7, hours=12))
    assert mine in she.inbox()
    assert theirs in peer.inbox()


@pytest.mark.parametrize(("first", "second", "mine", "theirs"), CASES)
def test_a_short_pause_does_not_fire_the_old_rungs_soon_after_the_restart(
    app, clock, first, second, mine, theirs
):
    """Paused on day 2, restarted on day 12: the old ladder's day-14 rung would have said
    "14 days" two days after the restart."""
    she, peer = pair_of(app, clock, first, second)
    pause_then_restart(app, clock, she, rested=10)
    restart = clock.now()
    she.inbox(), peer.inbox()
    live(app, clock, restart + timedelta(days=6))
    assert she.inbox() == "" and peer.inbox() == ""
    live(app, clock, restart + timedelta(days=7, hours=12))
    assert mine in she.inbox()
    assert theirs in peer.inbox()


def test_a_cancel_after_the_restart_counts_from_the_restart_not_the_introduction(app, clock):
    """The restart, a proposal withdrawn the next day: a week later, the count is eight days
    since the restart, not forty since the introduction."""
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA))
    pause_then_restart(app, clock, carmen, rested=30)
    restart = clock.now()
    live(app, clock, restart + timedelta(days=1))
    propose(carmen, "mañana 10:00")
    carmen.says("menu")
    carmen.taps("sessions")
    carmen.taps("withdraw")
    carmen.inbox(), awa.inbox()
    live(app, clock, restart + timedelta(days=8, hours=12))
    told = awa.inbox()
    assert "It has been 8 days since your pair with Carmen restarted" in told, told
    assert "40 days" not in told and "since you and Carmen were introduced" not in told


def test_the_coordinators_read_the_days_since_the_restart(app, clock):
    pair_of(app, clock, ("carmen", CARMEN), ("julie", JULIE))
    add_woman(app.db, "coord", {**AWA, "name": "Fatou"}, now=clock.now())
    app.engine.config = app.engine.config.__class__(
        **{**app.engine.config.__dict__, "coordinators": frozenset({"console:coord"})}
    )
    coord = Member(app, "coord")
    live(app, clock, START + timedelta(days=2))
    with app.db.session() as session:
        pair = session.get(Pair, 1)
        assert pair is not None
        change_by_team(session, pair, 0, "pause", now=clock.now(), config=app.engine.config)
    live(app, clock, START + timedelta(days=35))
    assert coord.inbox() == ""  # nothing about a pair at rest
    with app.db.session() as session:
        pair = session.get(Pair, 1)
        assert pair is not None
        change_by_team(session, pair, 0, "resume", now=clock.now(), config=app.engine.config)
    restart = clock.now()
    live(app, clock, restart + timedelta(days=27))
    assert coord.inbox() == ""
    live(app, clock, restart + timedelta(days=28, hours=12))
    told = coord.inbox()
    assert "restarted 28 days ago and has had no session since" in told, told
