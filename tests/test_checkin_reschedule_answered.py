"""A session planned meanwhile answers the check-in's "propose a new time now?".

Her session did not take place; the check-in asks her whether she would like to propose a new
time now, and she leaves it there. Days later her peer proposes a time and she accepts it: she
is not then asked again whether she would like to propose a new time, about a session they
have just agreed.

Carmen is in La Paz (Spanish), Julie in Montréal (French), Awa in Dakar (English). The clock
starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import pair_of, propose, run_until

# (she, her peer, her peer's first time, her peer's next time, her question, her confirmation)
CASES = {
    "es": (
        ("carmen", CARMEN),
        ("julie", JULIE),
        "jeudi 14h",
        "mardi 10 mars 14h",
        "¿Quiere proponer ahora una nueva fecha a Julie?",
        "Su sesión con Julie: martes 10 de marzo, 14:00",
    ),
    "fr": (
        ("julie", JULIE),
        ("awa", AWA),
        "Thursday 7pm",
        "Tuesday March 10 6pm",
        "Voulez-vous proposer maintenant un nouvel horaire à Awa\u00a0?",
        "Votre séance avec Awa\u00a0: mardi 10 mars, 14 h 00",
    ),
    "en": (
        ("awa", AWA),
        ("carmen", CARMEN),
        "jueves 15h",
        "martes 10 de marzo 14h",
        "Would you like to propose a new time to Carmen now?",
        "Your session with Carmen: Tuesday, March 10, 6:00 p.m.",
    ),
}


@pytest.mark.parametrize("lang", sorted(CASES))
def test_accepting_her_peers_time_answers_propose_a_new_time_now(app, clock, lang):
    mine, theirs, first, second, question, confirmed = CASES[lang]
    peer, she = pair_of(app, clock, theirs, mine)
    propose(peer, first)
    she.inbox()
    she.says("1")
    run_until(app, clock, datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
    she.inbox(), peer.inbox()
    she.says("2")  # it did not take place
    assert question in "\n".join(she.says("1"))  # her peer could not come
    peer.says("3")  # her peer's own check-in: it was moved...
    peer.says("2")  # ...and she will propose the new time later
    propose(peer, second)
    asked = she.inbox()
    assert "1." in asked
    answer = "\n".join(she.says("1"))
    assert confirmed in answer, answer
    assert question not in answer, answer
    assert question not in "\n".join(she.says("menu"))
