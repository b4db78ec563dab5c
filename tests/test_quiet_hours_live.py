"""A message held for her quiet hours never holds back a live answer, and never comes twice.

Awa (Dakar, UTC+0) is introduced at 21:05, her quiet hours: the introduction waits for 08:00.
If she writes before then, she is answered at once, and the introduction is not sent again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.dialog import Person
from tests.support.pairing import drain, inbox, publish_four_at

# Monday 21:05 in Dakar (UTC+0): quiet hours there, daytime in the Americas.
EVENING_IN_DAKAR = datetime(2026, 3, 2, 21, 5, tzinfo=UTC)


def test_a_live_reply_does_not_wait_behind_an_introduction_held_for_the_night(app, clock, recorder):
    publish_four_at(app, clock, EVENING_IN_DAKAR)
    assert "Awa" not in inbox(app, recorder, "awa")  # held until 08:00 Dakar
    awa = Person(app, "awa")

    clock.advance(timedelta(minutes=5))
    answer = awa.says("aide")
    assert answer, "Awa got nothing back in her quiet hours"
    clock.advance(timedelta(minutes=1))
    assert awa.says("menu"), "Awa got nothing back in her quiet hours"

    clock.set(EVENING_IN_DAKAR.replace(hour=8) + timedelta(days=1, minutes=1))
    drain(app)
    received = inbox(app, recorder, "awa")
    assert received.count("je vous ai trouvé une partenaire") == 1, received


def test_a_digit_written_before_the_held_question_went_out_does_not_answer_it(app, clock, recorder):
    publish_four_at(app, clock, EVENING_IN_DAKAR)
    awa = Person(app, "awa")
    clock.advance(timedelta(minutes=5))
    awa.says("1")  # meant for something else: she has not read the introduction yet
    awa.expect("je vous ai trouvé une partenaire", "1. Oui, j'aimerais la rencontrer")
    awa.says("1")  # now she has read it
    awa.expect("Emily")
    clock.set(EVENING_IN_DAKAR.replace(hour=8) + timedelta(days=1, minutes=1))
    drain(app)
    assert inbox(app, recorder, "awa").count("je vous ai trouvé une partenaire") == 1
