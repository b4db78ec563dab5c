"""A tip on screen is no question left open: from it the menu is the whole menu.

After a check-in she is shown a tip, with "another tip", "stop tips" and "done" under it. She
often just leaves it there. Her menu must then still offer to plan a session and to see her
profile, not "continue where I was" back to the tip; and whatever she does from the menu
(pause her pair, restart it) must not bring the tip back after it, again and again.

Carmen is in La Paz (Spanish), Julie in Montréal (French), Awa in Dakar (English).
"""

from __future__ import annotations

import pytest

from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import pair_of

CASES = {
    "es": (("carmen", CARMEN), ("julie", JULIE), "Planificar una sesión", "Seguir donde estaba"),
    "fr": (("julie", JULIE), ("awa", AWA), "Planifier une séance", "Reprendre là où j'étais"),
    "en": (("awa", AWA), ("carmen", CARMEN), "Plan a session", "Continue where I was"),
}
TIP_MARK = "💡"


@pytest.mark.parametrize("lang", sorted(CASES))
def test_the_menu_opened_from_a_tip_offers_to_plan_a_session(app, clock, lang):
    first, second, plan, go_back = CASES[lang]
    she, _peer = pair_of(app, clock, first, second)
    she.says("menu")
    assert TIP_MARK in "\n".join(she.taps("tip"))
    menu = "\n".join(she.says("menu"))
    assert plan in menu, menu
    assert go_back not in menu, menu
    she.taps("sessions")  # the entry is there to tap


@pytest.mark.parametrize("lang", sorted(CASES))
def test_pausing_and_restarting_from_a_tip_does_not_show_the_tip_again(app, clock, lang):
    first, second, _plan, _go_back = CASES[lang]
    she, _peer = pair_of(app, clock, first, second)
    she.says("menu")
    she.taps("tip")
    she.says("menu")
    she.taps("pair_pause")
    paused = "\n".join(she.taps("yes"))
    assert TIP_MARK not in paused, paused
    she.says("menu")
    restarted = "\n".join(she.taps("pair_resume"))
    assert TIP_MARK not in restarted, restarted
