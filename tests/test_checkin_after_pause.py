"""A check-in opened before a pause, answered after it: "it did not happen" is not followed by
"propose a new time now?" but by the pair being paused and how it restarts, never "you do not
have a peer yet". After her pair ended, she is told it ended.

Played in Spanish, French and English: paused by her (she is told how to resume), or by her
peer (she is told who can restart it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from flows import pair_lifecycle as lifecycle
from storage.pairs import Pair
from tests.support.sessions import AWA, CARMEN, JULIE, Member
from tests.test_sessions_conversations import pair_of, propose, run_until

# (her profile, her peer, her peer's time, session start in UTC, her words)
CASES = {
    "es": (
        CARMEN,
        JULIE,
        "jeudi 14h",
        datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        {
            "happened": "¿se realizó?",
            "mine": "Su intercambio con Julie está en pausa. Escriba MENÚ y elija "
            "«Retomar mi intercambio» cuando esté lista.",
            "theirs": "Su intercambio con Julie está en pausa: Julie lo pausó",
            "no_peer": "Todavía no tiene compañera",
            "new_time": "nueva fecha",
            "moved": "Gracias por avisarme.",
            "ended": "Su intercambio con Julie terminó, así que no hay una nueva sesión que "
            "planificar.",
        },
    ),
    "fr": (
        JULIE,
        CARMEN,
        "jueves 15h",
        datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        {
            "happened": "A-t-elle eu lieu\u00a0?",
            "mine": "Votre binôme avec Carmen est en pause. Écrivez MENU et choisissez "
            "«\u00a0Reprendre mon binôme\u00a0» quand vous serez prête.",
            "theirs": "Votre binôme avec Carmen est en pause\u00a0: Carmen l'a mis en pause",
            "no_peer": "pas encore de partenaire",
            "new_time": "nouvel horaire",
            "moved": "Merci de me l'avoir dit.",
            "ended": "Votre binôme avec Carmen est terminé\u00a0: il n'y a donc pas de nouvelle "
            "séance à planifier.",
        },
    ),
    "en": (
        AWA,
        CARMEN,
        "jueves 15h",
        datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        {
            "happened": "Did it take place?",
            "mine": 'Your pair with Carmen is paused. Write MENU and choose "Resume my pair" '
            "when you are ready.",
            "theirs": "Your pair with Carmen is paused: Carmen paused it",
            "no_peer": "You do not have a peer yet",
            "new_time": "new time",
            "moved": "Thank you for letting me know.",
            "ended": "Your pair with Carmen has ended, so there is no new session to plan.",
        },
    ),
}


def _at_checkin(app, clock, language: str) -> tuple[Member, Member, dict[str, str]]:
    """Her peer proposed, she accepted, the session went by: she is asked "did it happen?"."""
    profile, peer_profile, typed, start, words = CASES[language]
    she, peer = pair_of(app, clock, ("she", profile), ("peer", peer_profile))
    propose(peer, typed)
    she.inbox()
    she.says("1")
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    assert words["happened"] in she.inbox()
    return she, peer, words


def _pause(member: Member) -> None:
    member.says("menu")
    member.taps("pair_pause")
    member.taps("yes")


@pytest.mark.parametrize("paused_by", ["her", "peer"])
@pytest.mark.parametrize("language", list(CASES))
def test_propose_now_after_a_pause_says_the_pair_is_paused(app, clock, language, paused_by):
    she, peer, words = _at_checkin(app, clock, language)
    _pause(she if paused_by == "her" else peer)
    she.says("2")  # it did not take place
    she.says("2")  # I could not come
    she.expect(words["mine" if paused_by == "her" else "theirs"])
    assert words["new_time"] not in she.text and words["no_peer"] not in she.text


def _end_pair(app, clock) -> None:
    with app.db.session() as session:
        pair = session.exec(select(Pair)).one()
        lifecycle.end(session, pair, actor="coordinator:1", now=clock.now(), reason="test")
        session.commit()


@pytest.mark.parametrize("language", list(CASES))
def test_yes_propose_now_after_the_pair_ended_says_it_ended(app, clock, language):
    """Asked "propose a new time now?" while active; the pair ends before she says yes."""
    she, peer, words = _at_checkin(app, clock, language)
    she.says("2")  # it did not take place
    she.says("2")  # I could not come
    she.expect(words["new_time"])
    _end_pair(app, clock)
    she.says("1")  # yes, propose a new time now
    she.expect(words["ended"])
    assert words["no_peer"] not in she.text


@pytest.mark.parametrize("language", list(CASES))
def test_a_session_moved_after_the_pair_ended_says_it_ended(app, clock, language):
    she, peer, words = _at_checkin(app, clock, language)
    _end_pair(app, clock)
    she.says("3")  # it was moved
    she.expect(words["moved"], words["ended"])
    assert words["new_time"] not in she.text and words["no_peer"] not in she.text
