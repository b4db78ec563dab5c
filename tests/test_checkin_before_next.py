"""After a session of a rhythm: "did it take place?" comes first, the next session only after.

Real check-ins (no stand-in) after a weekly session, in Spanish, French and English. The woman
who proposed the rhythm is asked whether the session happened before any next session is
proposed; when it did not and she wants to propose a new time now, she is asked when, not told
that she already proposed one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.meetings import Meeting, MeetingStatus
from tests.support.sessions import AWA, CARMEN, JULIE, Member
from tests.test_sessions_conversations import pair_of, propose, run_until

# (her profile, her peer, what she types, session start in UTC, her words)
CASES = {
    "es": (
        CARMEN,
        JULIE,
        "jueves 15h",
        datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        {
            "happened": "¿se realizó?",
            "next": "Como acordaron",
            "why_not": "¿Qué pasó?",
            "reschedule": "¿Quiere proponer ahora una nueva fecha a Julie?",
            "when": "¿Cuándo le gustaría reunirse con Julie?",
            "waiting": "Usted propuso",
        },
    ),
    "fr": (
        JULIE,
        CARMEN,
        "jeudi 15h",
        datetime(2026, 3, 5, 20, 0, tzinfo=UTC),
        {
            "happened": "A-t-elle eu lieu\u00a0?",
            "next": "Comme convenu",
            "why_not": "Que s'est-il passé\u00a0?",
            "reschedule": "Voulez-vous proposer maintenant un nouvel horaire à Carmen\u00a0?",
            "when": "Quand aimeriez-vous rencontrer Carmen\u00a0?",
            "waiting": "Vous avez proposé",
        },
    ),
    "en": (
        AWA,
        CARMEN,
        "Thursday 3pm",
        datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
        {
            "happened": "Did it take place?",
            "next": "As agreed",
            "why_not": "What happened?",
            "reschedule": "Would you like to propose a new time to Carmen now?",
            "when": "When would you like to meet Carmen?",
            "waiting": "You proposed",
        },
    ),
}
NEXT_WORDS = ("Como acordaron", "Comme convenu", "As agreed")


def _weekly_session(app, clock, language: str) -> tuple[Member, Member, datetime, dict]:
    profile, peer_profile, typed, start, words = CASES[language]
    she, peer = pair_of(app, clock, ("she", profile), ("peer", peer_profile))
    propose(she, typed, rhythm="weekly")
    peer.inbox()
    peer.says("1")
    she.inbox()
    assert _meetings(app)[0].start_at == start
    return she, peer, start, words


def _meetings(app) -> list[Meeting]:
    with app.db.session() as session:
        return list(session.exec(select(Meeting).order_by(Meeting.id)).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("language", list(CASES))
def test_did_it_happen_comes_before_the_next_session(app, clock, language):
    she, peer, start, words = _weekly_session(app, clock, language)
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    after = she.inbox()
    assert words["happened"] in after
    assert not any(word in after for word in NEXT_WORDS), after
    assert not any(word in peer.inbox() for word in NEXT_WORDS)
    assert [m.status for m in _meetings(app)] == [MeetingStatus.HELD]


@pytest.mark.parametrize("language", list(CASES))
def test_did_not_happen_then_propose_now_asks_when(app, clock, language):
    she, _peer, start, words = _weekly_session(app, clock, language)
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    assert words["happened"] in she.inbox()
    she.says("2")  # it did not take place
    she.expect(words["why_not"])
    she.says("3")  # we could not agree on a time
    she.expect(words["reschedule"])
    she.says("1")  # yes, now
    she.expect(words["when"])
    assert words["waiting"] not in she.text
    # The new time she proposes keeps their weekly rhythm.
    she.says({"es": "lunes 15h", "fr": "lundi 15h", "en": "Monday 3pm"}[language])
    she.taps("yes")
    she.taps("chat")
    assert [(m.status, m.rhythm) for m in _meetings(app)] == [
        (MeetingStatus.HELD, "weekly"),
        (MeetingStatus.PROPOSED, "weekly"),
    ]
    # Nothing else is proposed on her behalf, not even a day later.
    run_until(app, clock, start + timedelta(days=2))
    assert len(_meetings(app)) == 2


READ_BACK = {
    "es": ("el lunes a las 3 de la tarde", "Entendí: lunes 9 de marzo, 15:00"),
    "fr": ("lundi 15h", "J'ai compris\u00a0: lundi 9 mars, 15 h 00"),
    "en": ("Monday 3pm", "I understood: Monday, March 9, 3:00 p.m."),
}


@pytest.mark.parametrize("language", list(CASES))
def test_a_time_typed_for_propose_now_is_her_yes_and_her_time(app, clock, language):
    """ "Propose a new time now?" answered with the time itself: her yes and her time, read
    back to her (not "I did not understand, choose an option"), and the rhythm is kept."""
    she, _peer, start, words = _weekly_session(app, clock, language)
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    she.inbox()
    she.says("2")  # it did not take place
    she.says("3")  # we could not agree on a time
    she.expect(words["reschedule"])
    typed, read_back = READ_BACK[language]
    she.says(typed)
    she.expect(read_back)
    she.taps("yes")
    she.taps("chat")
    assert [(m.status, m.rhythm) for m in _meetings(app)] == [
        (MeetingStatus.HELD, "weekly"),
        (MeetingStatus.PROPOSED, "weekly"),
    ]


def test_the_next_session_is_proposed_once_both_said_it_happened(app, clock):
    she, peer, start, _words = _weekly_session(app, clock, "en")
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    she.inbox()
    peer.inbox()
    for answer in ("1", "4", "0", "0"):  # it happened, very useful, nothing to add
        she.says(answer)
    assert not any(word in peer.inbox() for word in NEXT_WORDS)  # Carmen has not said yet
    for answer in ("1", "5", "0", "0"):
        peer.says(answer)
    # Carmen, who answers last, is shown the next session right after the thanks.
    peer.expect("¡Gracias!", "Como acordaron (cada semana)", "1. jueves 12 de marzo, 11:00")
    assert "As agreed (every week), I proposed your next session to Carmen" in she.inbox()
    statuses = [m.status for m in _meetings(app)]
    assert statuses == [MeetingStatus.HELD, MeetingStatus.PROPOSED]
    peer.says("1")
    peer.expect("¡Confirmado! Su sesión con Awa: jueves 12 de marzo, 11:00 (su hora).")


def test_without_answers_the_rhythm_goes_on_a_day_later(app, clock):
    she, peer, start, _words = _weekly_session(app, clock, "es")
    run_until(app, clock, start + timedelta(hours=20))
    assert [m.status for m in _meetings(app)] == [MeetingStatus.HELD]
    run_until(app, clock, start + timedelta(hours=26))
    assert [m.status for m in _meetings(app)] == [MeetingStatus.HELD, MeetingStatus.PROPOSED]
    assert "Como acordaron (cada semana)" in she.inbox()
