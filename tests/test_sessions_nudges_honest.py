"""What the reminders and nudges of a session say is true when she reads it: a reminder moved
out of her night does not say "starts soon" half a day ahead.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
English or French). The clock starts on Monday 2 March 2026, 15:00 UTC; quiet hours 21–8.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.meetings import MeetingStatus
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE
from tests.test_sessions_conversations import checkins, meeting, pair_of, propose, run_until

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
            "Rappel\u00a0: votre séance avec Carmen est le jeudi 5 mars, 8 h 00 (votre heure).",
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


@pytest.mark.parametrize(
    ("proposer", "peer", "typed", "mine", "theirs", "ask_again"),
    [
        (
            ("carmen", CARMEN),
            ("julie", JULIE),
            "mañana 10:00",
            "Julie no respondió a tiempo y los horarios que usted propuso ya pasaron.",
            "Les horaires proposés par Carmen pour une séance sont passés.",
            "1. Planifier une séance",
        ),
        (
            ("julie", JULIE),
            ("awa", AWA),
            "demain 9h",
            "Awa n'a pas répondu à temps et les horaires que vous aviez proposés sont passés.",
            "The times Julie proposed for a session have passed.",
            "1. Plan a session",
        ),
        (
            ("awa", AWA),
            ("carmen", CARMEN),
            "tomorrow 3pm",
            "Carmen did not answer in time, and the times you proposed have passed.",
            "Los horarios que Awa propuso para una sesión ya pasaron.",
            "1. Planificar una sesión",
        ),
    ],
)
def test_a_proposal_whose_times_all_passed_unanswered_is_closed_and_both_are_told(
    app, clock, proposer, peer, typed, mine, theirs, ask_again
):
    """Nobody is told two days later that her peer "is still waiting" for a time already past:
    once the last time has passed, both are told, and either can plan anew."""
    first, second = pair_of(app, clock, proposer, peer)
    propose(first, typed)
    second.inbox()
    run_until(app, clock, datetime(2026, 3, 3, 21, 0, tzinfo=UTC))
    assert mine in first.inbox()
    assert theirs in second.inbox()
    assert meeting(app).status == MeetingStatus.CANCELLED
    run_until(app, clock, datetime(2026, 3, 5, 0, 0, tzinfo=UTC))  # past the 48 hours
    assert first.inbox() == "" and second.inbox() == ""
    # The old question went with its proposal: a late "1" is not read against it, she gets the
    # menu, planning first.
    second.says("1")
    second.expect(ask_again)
    assert meeting(app).status == MeetingStatus.CANCELLED


def test_only_the_times_still_ahead_are_offered(app, clock):
    carmen, julie = pair_of(app, clock, ("carmen", CARMEN), ("julie", JULIE))
    propose(carmen, "mañana 10:00 o jueves 15h")
    assert "1. mardi 3 mars, 9 h 00\n2. jeudi 5 mars, 14 h 00" in julie.inbox()
    run_until(app, clock, datetime(2026, 3, 4, 16, 0, tzinfo=UTC))  # the 48 hours
    asked = julie.inbox()
    assert "Carmen attend toujours votre réponse à sa proposition." in asked
    assert "mardi 3 mars" not in asked
    assert "1. jeudi 5 mars, 14 h 00\n2. Aucun\u00a0: proposer d'autres horaires" in asked
    julie.says("1")
    julie.expect("C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: jeudi 5 mars, 14 h 00")


def test_a_move_left_unanswered_past_its_times_keeps_the_session_as_planned(app, clock):
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA_FR))
    propose(carmen, "viernes 10:00")
    awa.inbox()
    awa.says("1")
    carmen.inbox()
    carmen.says("menu")
    carmen.taps("sessions")
    carmen.taps("move")
    carmen.says("mañana 11:00")
    carmen.taps("yes")
    assert "Carmen souhaite déplacer votre séance du vendredi 6 mars, 14 h 00" in awa.inbox()
    run_until(app, clock, datetime(2026, 3, 3, 16, 0, tzinfo=UTC))
    assert (
        "Los nuevos horarios propuestos para su sesión con Awa pasaron sin respuesta, así que "
        "se mantiene: viernes 6 de marzo, 10:00 (su hora)." in carmen.inbox()
    )
    assert (
        "Les nouveaux horaires proposés pour votre séance avec Carmen sont passés sans "
        "réponse\u00a0: elle reste donc prévue le vendredi 6 mars, 14 h 00 (votre heure)."
        in awa.inbox()
    )
    kept = meeting(app)
    assert kept.status == MeetingStatus.CONFIRMED
    assert kept.start_at == datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    run_until(app, clock, datetime(2026, 3, 6, 13, 30, tzinfo=UTC))
    assert "Rappel\u00a0: votre séance avec Carmen est le vendredi 6 mars, 14 h 00" in awa.inbox()
