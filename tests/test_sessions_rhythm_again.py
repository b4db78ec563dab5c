"""A rhythm broken by a cancel or a pause is offered again when the two plan their next session.

The rhythm (every week, every two weeks, every month) is asked before a pair's first session.
Its next session is proposed after each one held; a session of the rhythm cancelled, or called
off by a pause, ends it. Without asking again, the pair could never meet regularly again: every
session after that would be "just this once", without anyone having chosen it.

Carmen is in La Paz (Spanish), Julie in Montréal (French), Awa in Dakar (English). The clock
starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.meetings import Rhythm
from tests.support.sessions import AWA, CARMEN, JULIE, Member
from tests.test_sessions_conversations import checkins, meeting, pair_of, propose, run_until

__all__ = ["checkins"]  # the stand-in check-in handler, used as a fixture

# (she, her peer, her first time, her next time, the rhythm question)
CASES = {
    "es": (
        ("carmen", CARMEN),
        ("julie", JULIE),
        "jueves 15h",
        "viernes 15h",
        "¿Le gustaría reunirse con regularidad?",
    ),
    "fr": (
        ("julie", JULIE),
        ("awa", AWA),
        "jeudi 14h",
        "vendredi 14h",
        "Voulez-vous vous voir régulièrement\u00a0?",
    ),
    "en": (
        ("awa", AWA),
        ("carmen", CARMEN),
        "Thursday 7pm",
        "Friday 7pm",
        "Would you like to meet regularly?",
    ),
}


def held_then_next(app, clock, lang: str, rhythm: str = "weekly") -> tuple[Member, Member]:  # type: ignore[no-untyped-def]
    """Their first session (Thursday 5 March) is held; for a rhythm, its next one, proposed
    the day after, is accepted by her peer."""
    first, second, typed, _again, _question = CASES[lang]
    she, peer = pair_of(app, clock, first, second)
    propose(she, typed, rhythm=rhythm)
    peer.inbox()
    peer.says("1")
    run_until(app, clock, datetime(2026, 3, 7, 15, 0, tzinfo=UTC))
    she.inbox()
    if rhythm != "once":
        assert "1." in peer.inbox()  # the next session of the rhythm
        peer.says("1")
        assert meeting(app).rhythm == Rhythm.WEEKLY and meeting(app).sequence == 2
    return she, peer


def plan_again(she: Member, typed: str) -> str:
    """She plans a session from the menu up to its mode; what she is asked next."""
    she.says("menu")
    she.taps("sessions")
    she.says(typed)
    she.taps("yes")
    return "\n".join(she.taps("phone"))


def cancel(she: Member) -> None:
    she.says("menu")
    she.taps("sessions")
    she.taps("cancel")
    she.taps("yes")


@pytest.mark.parametrize("lang", sorted(CASES))
def test_after_a_weekly_session_was_cancelled_the_rhythm_is_asked_again(app, clock, checkins, lang):
    _first, _second, _typed, again, question = CASES[lang]
    she, _peer = held_then_next(app, clock, lang)
    cancel(she)
    asked = plan_again(she, again)
    assert question in asked, asked
    she.taps("weekly")
    assert meeting(app).rhythm == Rhythm.WEEKLY


@pytest.mark.parametrize("lang", sorted(CASES))
def test_after_a_pause_called_off_the_weekly_session_the_rhythm_is_asked_again(
    app, clock, checkins, lang
):
    _first, _second, _typed, again, question = CASES[lang]
    she, _peer = held_then_next(app, clock, lang)
    she.says("menu")
    she.taps("pair_pause")
    she.taps("yes")
    she.says("menu")
    she.taps("pair_resume")
    asked = plan_again(she, again)
    assert question in asked, asked


@pytest.mark.parametrize("lang", sorted(CASES))
def test_after_a_session_held_just_once_the_rhythm_is_not_asked_again(app, clock, checkins, lang):
    _first, _second, _typed, again, question = CASES[lang]
    she, _peer = held_then_next(app, clock, lang, rhythm="once")
    asked = plan_again(she, again)
    assert question not in asked, asked
