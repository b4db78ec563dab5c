"""A time refused with what it lacks: a day and an hour she wrote are not answered with "write a
day and an hour", and a time on her peer's clock is met with a reminder of her own.

Carmen is in La Paz (Spanish), Julie in Montréal (French), Awa in Dakar (English).
"""

from __future__ import annotations

import pytest

from storage.meetings import MeetingStatus
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose

PART_OF_DAY = {
    "es": "¿De la mañana o de la tarde? Escriba la hora de nuevo, p. ej. jueves 15h o jueves 9h.",
    "fr": "Le matin ou l'après-midi\u00a0? Réécrivez l'heure, par ex. jeudi 15h ou jeudi 9h.",
    "en": "In the morning or in the afternoon? Please write the time again, e.g. Thursday 3pm or "
    "Thursday 9am.",
}
HOUR = {
    "es": "¿A qué hora? Agregue la hora, p. ej. jueves 15h.",
    "fr": "À quelle heure\u00a0? Ajoutez l'heure, par ex. jeudi 15h.",
    "en": "At what time? Please add the hour, e.g. Thursday 3pm.",
}
DAY = {
    "es": "¿Qué día exactamente? Escriba la fecha, p. ej. 12 de marzo 15h.",
    "fr": "Quel jour exactement\u00a0? Écrivez la date, par ex. 12 mars 15h.",
    "en": "Which day exactly? Please write the date, e.g. March 12 3pm.",
}
OWN_ZONE = {
    "es": "Escriba la hora de donde está usted, por favor: yo la convierto para Fatou.",
    "fr": "Écrivez l'heure de chez vous, s'il vous plaît\u00a0: je la convertis pour Fatou.",
    "en": "Please write the time where you are: I convert it for Fatou.",
}
WOMEN = {"es": ("carmen", CARMEN), "fr": ("julie", JULIE), "en": ("awa", AWA)}
FATOU = ("fatou", {**CARMEN, "name": "Fatou"})


@pytest.mark.parametrize(
    ("language", "typed", "hint"),
    [
        ("es", "el jueves a las 3", PART_OF_DAY),
        ("fr", "jeudi à 3h", PART_OF_DAY),
        ("en", "thu 3", PART_OF_DAY),
        ("es", "mañana en la tarde", HOUR),
        ("fr", "demain après-midi", HOUR),
        ("en", "wed 10", HOUR),
        ("es", "el próximo jueves a las 15h", DAY),
        ("fr", "jeudi prochain 15h", DAY),
        ("en", "next week 3pm", DAY),
        ("es", "jueves 15h hora de Canadá", OWN_ZONE),
        ("fr", "15h heure du Canada", OWN_ZONE),
        ("en", "3pm her time", OWN_ZONE),
    ],
)
def test_she_is_told_what_her_time_lacks(app, clock, language, typed, hint):
    she, _peer = pair_of(app, clock, WOMEN[language], FATOU)
    she.says("menu")
    she.taps("sessions")
    she.says(typed)
    she.expect(hint[language])
    she.says("jueves 15h" if language == "es" else "jeudi 15h" if language == "fr" else "Thu 3pm")
    assert "5" in she.text and "?" in she.text  # read back: nothing lost, on she goes


def test_words_that_are_no_time_still_get_the_general_example(app, clock):
    she, _peer = pair_of(app, clock, WOMEN["es"], FATOU)
    she.says("menu")
    she.taps("sessions")
    she.says("cuando quieras")
    she.expect("Disculpe, no entendí ese horario. Escriba un día y una hora")


@pytest.mark.parametrize(
    ("language", "typed", "hint"),
    [
        ("es", "el jueves a las 3", PART_OF_DAY),
        ("fr", "demain après-midi", HOUR),
        ("en", "3pm her time", OWN_ZONE),
    ],
)
def test_under_her_peers_proposal_she_is_told_what_her_time_lacks(
    app, clock, language, typed, hint
):
    fatou, she = pair_of(app, clock, FATOU, WOMEN[language])
    propose(fatou, "jueves 15h")
    she.says(typed)
    she.expect(hint[language])
    assert "1." in she.text  # her peer's times are offered again
    she.says("1")
    assert meeting(app).status == MeetingStatus.CONFIRMED
