"""A pair paused with a session planned: the session is called off, both women are told, and
nothing about it (reminder, check-in) reaches them while the pair rests.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
English). The clock starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows.pair_requests import change_by_team
from storage.meetings import MeetingStatus
from storage.pairs import Pair
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose, run_until

CASES = [
    (
        ("carmen", CARMEN),
        ("julie", JULIE),
        "jueves 15h",
        "Su sesión del jueves 5 de marzo, 15:00 se cancelará.",
        "Su sesión del jueves 5 de marzo, 15:00 quedó cancelada.",
        "Votre séance du jeudi 5 mars, 14 h 00 est annulée.",
        ("Recordatorio", "¿se realizó?", "Rappel", "A-t-elle eu lieu"),
    ),
    (
        ("julie", JULIE),
        ("awa", AWA),
        "jeudi 14h",
        "Votre séance du jeudi 5 mars, 14 h 00 sera annulée.",
        "Votre séance du jeudi 5 mars, 14 h 00 est annulée.",
        "Your session of Thursday, March 5, 7:00 p.m. is cancelled.",
        ("Rappel", "A-t-elle eu lieu", "Reminder", "Did it take place"),
    ),
    (
        ("awa", AWA),
        ("carmen", CARMEN),
        "Thursday 7pm",
        "Your session of Thursday, March 5, 7:00 p.m. will be cancelled.",
        "Your session of Thursday, March 5, 7:00 p.m. is cancelled.",
        "Su sesión del jueves 5 de marzo, 15:00 quedó cancelada.",
        ("Reminder", "Did it take place", "Recordatorio", "¿se realizó?"),
    ),
]


@pytest.mark.parametrize(("she", "peer", "typed", "warned", "mine", "theirs", "never"), CASES)
def test_pausing_calls_off_the_planned_session_and_tells_both(
    app, clock, she, peer, typed, warned, mine, theirs, never
):
    first, second = pair_of(app, clock, she, peer)
    propose(first, typed)
    second.inbox()
    second.says("1")
    first.inbox()
    first.says("menu")
    first.taps("pair_pause")
    first.expect(warned)
    first.taps("yes")
    first.expect(mine)
    assert theirs in second.inbox()
    assert meeting(app).status == MeetingStatus.CANCELLED
    run_until(app, clock, datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    told = first.inbox() + second.inbox()
    assert not any(word in told for word in never), told


def test_a_pause_by_the_coordinators_calls_off_a_proposal_and_says_so(app, clock):
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA))
    propose(carmen, "jueves 15h")
    awa.inbox()
    with app.db.session() as session:
        pair = session.get(Pair, meeting(app).pair_id)
        change_by_team(session, pair, 0, "pause", now=clock.now(), config=app.engine.config)
    assert "La propuesta de horarios para su próxima sesión quedó retirada." in carmen.inbox()
    told = awa.inbox()
    assert "The times proposed for your next session are withdrawn." in told
    assert meeting(app).status == MeetingStatus.CANCELLED
    run_until(app, clock, datetime(2026, 3, 5, 0, 0, tzinfo=UTC))  # past the 48 hours
    assert "still waiting" not in awa.inbox()
