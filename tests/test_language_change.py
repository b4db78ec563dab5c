"""A woman already in the programme who writes LANGUAGE is asked the question alone, not
welcomed to Entrepairs as if she were starting over."""

from __future__ import annotations

import pytest

from tests.support.sessions import AWA, AWA_FR, CARMEN, Member, add_woman


@pytest.mark.parametrize(
    ("profile", "word", "answer", "done"),
    [
        (CARMEN, "IDIOMA", "2", "C'est noté, je vous écrirai en français."),
        (AWA_FR, "langue", "english", "Done, I will write to you in English."),
        (AWA, "Language", "1", "Listo, le escribiré en español."),
    ],
)
def test_changing_language_asks_without_a_welcome(app, clock, profile, word, answer, done):
    add_woman(app.db, "her", profile, now=clock.now())
    her = Member(app, "her")
    her.says(word)
    her.expect("¿Qué idioma prefiere?", "Quelle langue préférez-vous\u00a0?", "1. Español")
    for welcome in ("Bienvenida", "Bienvenue", "Welcome"):
        assert welcome not in her.text
    her.says(answer)
    her.expect(done)
