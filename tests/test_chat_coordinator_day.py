"""A coordinator's day in chat: her commands typed mid-question, the announcement to everyone,
and who she can make a coordinator (in chat and at the command line)."""

from __future__ import annotations

import pytest

from tests.test_introductions_review import _coordinator_ana

# Her language's number on the first question, /stats's first line, her name question.
LANGUAGES = [
    pytest.param("1", "El programa hoy:", "¿Cuál es su nombre?", id="es"),
    pytest.param("2", "Le programme aujourd'hui\u00a0:", "Quel est votre prénom\u00a0?", id="fr"),
    pytest.param("3", "The programme today:", "What is your first name?", id="en"),
]


@pytest.mark.parametrize(("language", "stats", "name_question"), LANGUAGES)
def test_stats_mid_onboarding_asks_her_question_again(
    settings, db, clock, recorder, language, stats, name_question
):
    """/stats typed while her profile's name question waits: the figures, then the question,
    as after HELP; her next word is her name."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1")
    ana.expect(name_question)
    ana.says("/stats")
    ana.expect(stats)
    assert ana.last[-1].startswith(name_question), ana.text
    ana.says("/commands")
    assert ana.last[-1].startswith(name_question), ana.text
    ana.says("Ana")
    assert "Ana" in ana.text and name_question not in ana.text
