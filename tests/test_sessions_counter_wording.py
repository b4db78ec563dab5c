"""Her peer answers her proposal with other times: she reads that they are other times, not a
first proposal, in Spanish, French and English."""

from __future__ import annotations

import pytest

from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import pair_of, propose


@pytest.mark.parametrize(
    ("first", "second", "proposed", "typed", "heard"),
    [
        (
            ("julie", JULIE),
            ("carmen", CARMEN),
            "jeudi 10h",
            "viernes 11h",
            "Carmen propose d'autres horaires. Lequel vous convient\u00a0? (votre heure locale)",
        ),
        (
            ("carmen", CARMEN),
            ("awa", AWA),
            "jueves 10h",
            "Friday 11am",
            "Awa propone otros horarios. ¿Cuál le conviene? (su hora local)",
        ),
        (
            ("awa", AWA),
            ("julie", JULIE),
            "Thursday 10am",
            "vendredi 11h",
            "Julie proposes other times. Which one suits you? (your local time)",
        ),
    ],
)
def test_other_times_are_announced_as_other_times(
    app, clock, first, second, proposed, typed, heard
):
    proposer, peer = pair_of(app, clock, first, second)
    propose(proposer, proposed)
    proposer.inbox()
    assert "(" in peer.inbox()  # the first proposal reached her
    peer.taps("other")
    peer.says(typed)
    peer.taps("yes")
    asked = proposer.inbox()
    assert heard in asked
    assert "1. " in asked
