"""A woman at rest who only thanks or acknowledges ("gracias", "ok merci", "👍"), as she answers
a reminder or a confirmation, gets a kind word back, not the menu of twelve lines (whose next
"ok" would be "I did not understand"), and not "welcome back" with nothing to answer after days
of silence.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE, Member, add_woman

NOTED = {
    "es": "¡Anotado, gracias! Escriba MENÚ cuando me necesite.",
    "fr": "C'est noté, merci\u00a0! Écrivez MENU quand vous aurez besoin de moi.",
    "en": "Noted, thank you! Write MENU whenever you need me.",
}


@pytest.mark.parametrize(
    ("profile", "language", "thanks"),
    [
        (CARMEN, "es", ("gracias", "ok", "Muchas gracias!")),
        (CARMEN, "es", ("ya", "ya gracias", "Ya, muchas gracias")),  # "ya": all right, in La Paz
        (AWA_FR, "fr", ("ok merci", "merci bcp", "👍")),
        (AWA_FR, "fr", ("jerejef", "Jërëjëf !", "ok jerejef")),  # thank you, in Wolof
        (JULIE, "fr", ("d'accord", "Super, merci !", "🙏🏾")),
        (AWA, "en", ("thanks", "ok", "thank you so much")),
    ],
)
def test_thanks_at_rest_gets_a_kind_word_not_the_menu(app, clock, profile, language, thanks):
    add_woman(app.db, "her", profile, now=clock.now())
    her = Member(app, "her")
    for text in thanks:
        her.says(text)
        assert her.text == NOTED[language], text
    clock.advance(timedelta(days=3))  # a reminder days later, and her "thanks" to it
    her.says(thanks[0])
    assert her.text == NOTED[language]


@pytest.mark.parametrize("text", ["necesito ayuda", "?", "hola", "quiero otra sesión"])
def test_anything_else_at_rest_still_brings_the_menu(app, clock, text):
    add_woman(app.db, "her", CARMEN, now=clock.now())
    her = Member(app, "her")
    her.says(text)
    her.expect("¿Qué desea hacer?")


@pytest.mark.parametrize(
    ("profile", "language", "thanks"),
    [(CARMEN, "es", "ok gracias"), (AWA_FR, "fr", "merci"), (AWA, "en", "thanks")],
)
def test_thanks_at_the_menu_closes_it_kindly(app, clock, profile, language, thanks):
    """The menu opened (by MENU, or by any word at rest), then "ok gracias": closed with a kind
    word, not "I did not understand. Please choose one of the options"."""
    add_woman(app.db, "her", profile, now=clock.now())
    her = Member(app, "her")
    her.says("menu")
    her.says(thanks)
    assert her.text == NOTED[language]


def test_ok_at_the_menu_opened_mid_question_goes_back_to_it(app, clock):
    add_woman(app.db, "her", CARMEN, now=clock.now())
    her = Member(app, "her")
    her.says("REPORTAR")  # a question: what is happening?
    her.expect("Por favor, escriba lo que está pasando")
    her.says("menú")
    her.says("ok")
    her.expect("Por favor, escriba lo que está pasando")
