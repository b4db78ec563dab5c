"""The "no session yet" nudge asks "Shall we find a time?": a woman who answers it as asked,
yes or no, is understood. A yes brings the question of her times again (not "I did not
understand that time"); a no leaves it, telling her how to come back, instead of holding her
at a question only a time can answer.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows.nudges import scan_pairs
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE
from tests.test_sessions_conversations import pair_of, run_until
from tests.test_sessions_typed import meeting_count

EMILY = {"name": "Emily", "locale": "en", "country": "CA", "timezone": "America/Vancouver"}


@pytest.mark.parametrize(
    ("profile", "nudged", "yes", "asked", "no", "when_ready", "not_understood"),
    [
        (
            CARMEN,
            "Ya pasaron 7 días",
            "sí",
            "¿Cuándo le gustaría reunirse con",
            "ahora no",
            "Muy bien. Cuando esté lista, escriba MENÚ y elija «Planificar una sesión».",
            "no entendí",
        ),
        (
            AWA_FR,
            "Cela fait 7 jours",
            "oui",
            "Quand aimeriez-vous rencontrer",
            "pas maintenant",
            "D'accord. Quand vous serez prête, écrivez MENU et choisissez «\u00a0Planifier une "
            "séance\u00a0».",
            "pas compris",
        ),
        (
            EMILY,
            "It has been 7 days",
            "yes",
            "When would you like to meet",
            "no",
            'All right. When you are ready, write MENU and choose "Plan a session".',
            "did not understand",
        ),
    ],
)
def test_the_nudge_answered_yes_or_no(
    app, clock, profile, nudged, yes, asked, no, when_ready, not_understood
):
    she, _peer = pair_of(app, clock, ("her", profile), ("peer", JULIE if profile is AWA else AWA))
    with app.db.session() as session:
        scan_pairs(session, now=clock.now(), config=app.engine.config)
    run_until(app, clock, clock.now() + timedelta(days=7, hours=12))
    assert nudged in she.inbox()
    she.says(yes)
    she.expect(asked)
    assert not_understood not in she.text
    she.says(no)
    assert she.text == when_ready
    she.says("1")  # at rest now: a digit opens the menu, it picks no time
    assert meeting_count(app) == 0
