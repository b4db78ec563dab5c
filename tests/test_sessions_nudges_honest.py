"""What the reminders and nudges of a session say is true when she reads it: a reminder moved
out of her night does not say "starts soon" half a day ahead.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
English or French). The clock starts on Monday 2 March 2026, 15:00 UTC; quiet hours 21–8.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE
from tests.test_sessions_conversations import checkins, pair_of, propose, run_until

__all__ = ["checkins"]  # the stand-in check-in handler, used as a fixture

EMILY = {"name": "Emily", "locale": "en", "country": "CA", "timezone": "America/Toronto"}


@pytest.mark.parametrize(
    ("proposer", "peer", "typed", "evening", "day_before", "soon"),
    [
        (
            ("carmen", CARMEN),
            ("awa", AWA_FR),
            "jueves 8:00",
            datetime(2026, 3, 5, 0, 30, tzinfo=UTC),  # 20:30 on Wednesday in La Paz
            "Recordatorio: su sesión con Awa es el jueves 5 de marzo, 08:00 (su hora).",
            "empieza pronto",
        ),
        (
            ("julie", JULIE),
            ("carmen", CARMEN),
            "jeudi 8h",
            datetime(2026, 3, 5, 1, 30, tzinfo=UTC),  # 20:30 on Wednesday in Montréal
            "Rappel : votre séance avec Carmen est le jeudi 5 mars, 8 h 00 (votre heure).",
            "commence bientôt",
        ),
        (
            ("emily", EMILY),
            ("awa", AWA),
            "Thursday 8am",
            datetime(2026, 3, 5, 1, 30, tzinfo=UTC),
            "Reminder: your session with Awa is on Thursday, March 5, 8:00 a.m. (your time).",
            "starts soon",
        ),
    ],
)
def test_an_early_session_is_not_said_to_start_soon_the_evening_before(
    app, clock, checkins, proposer, peer, typed, evening, day_before, soon
):
    """An 08:00 session: the reminder an hour before would fall in her night, so it comes at
    20:30 the evening before, and says when the session is, not that it starts soon."""
    she, her_peer = pair_of(app, clock, proposer, peer)
    propose(she, typed)
    her_peer.inbox()
    her_peer.says("1")
    she.inbox()
    run_until(app, clock, evening - timedelta(minutes=15))
    she.inbox()  # the reminder of the day before, in the morning
    run_until(app, clock, evening + timedelta(minutes=15))
    told = she.inbox()
    assert day_before in told
    assert soon not in told
