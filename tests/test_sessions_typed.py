"""Times typed where options are shown, as women really write them: a weekday and a bare hour
where suggested slots are listed, or a time of her own under her peer's proposal.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
English or French). The clock starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.meetings import Meeting
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE
from tests.test_sessions_conversations import pair_of


def meeting_count(app) -> int:
    with app.db.session() as session:
        return len(session.exec(select(Meeting)).all())


@pytest.mark.parametrize(
    ("proposer", "typed", "not_understood"),
    [
        (("carmen", CARMEN), "martes 3", "Disculpe, no entendí ese horario."),
        (("carmen", CARMEN), "jueves tres", "Disculpe, no entendí ese horario."),
        (("julie", JULIE), "mardi 3", "Désolée, je n'ai pas compris cette date."),
        (("awa", AWA), "Tuesday 3", "Sorry, I did not understand that time."),
    ],
)
def test_a_weekday_and_a_bare_number_never_pick_suggested_slots(
    app, clock, proposer, typed, not_understood
):
    """ "martes 3" (3 in the afternoon?) is no slot: neither Tuesday's slot nor the third one is
    proposed behind her back; she is asked again."""
    she, _peer = pair_of(app, clock, proposer, ("peer", {**AWA_FR, "name": "Fatou"}))
    she.says("menu")
    she.taps("sessions")
    she.expect("1. ", "2. ", "3. ")  # suggested slots: Tuesday, Wednesday, Thursday
    she.says(typed)
    she.expect(not_understood)
    she.says("1 3")  # the slots by their numbers still work
    assert meeting_count(app) == 0
    assert "2. " in she.text  # on to how they will meet
