""" "Atrás" / "retour" / "back" while planning a session goes to the question before, as in
onboarding, in Spanish, French and English; nothing she already said is lost on the way.

Carmen is in La Paz (Spanish), Julie in Montréal (French), Awa in Dakar (English).
"""

from __future__ import annotations

import pytest

from storage.meetings import MeetingStatus
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of

FATOU = ("fatou", {**CARMEN, "name": "Fatou"})
# Per language: her back word, a time, and what each planning question begins with.
SPEAKS = {
    "es": (
        ("carmen", CARMEN),
        "Atrás",
        "jueves 15h",
        {
            "start": "¿Cuándo le gustaría reunirse con Fatou?",
            "read_back": "Entendí: jueves 5 de marzo, 15:00",
            "mode": "¿Cómo le gustaría reunirse?",
            "place": "Envíe el enlace de la videollamada",
            "rhythm": "¿Le gustaría reunirse con regularidad?",
            "menu": "Planificar una sesión",
        },
    ),
    "fr": (
        ("julie", JULIE),
        "retour",
        "jeudi 15h",
        {
            "start": "Quand aimeriez-vous rencontrer Fatou\u00a0?",
            "read_back": "J'ai compris\u00a0: jeudi 5 mars, 15 h 00",
            "mode": "Comment voulez-vous vous rencontrer\u00a0?",
            "place": "Envoyez le lien de l'appel vidéo",
            "rhythm": "Voulez-vous vous voir régulièrement\u00a0?",
            "menu": "Planifier une séance",
        },
    ),
    "en": (
        ("awa", AWA),
        "back",
        "Thursday 3pm",
        {
            "start": "When would you like to meet Fatou?",
            "read_back": "I understood: Thursday, March 5, 3:00 p.m.",
            "mode": "How would you like to meet?",
            "place": "Please send the link of the video call",
            "rhythm": "Would you like to meet regularly?",
            "menu": "Plan a session",
        },
    ),
}


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_back_goes_to_the_question_before_at_each_planning_step(app, clock, language):
    woman, back, typed, asks = SPEAKS[language]
    she, _fatou = pair_of(app, clock, woman, FATOU)
    she.says("menu")
    she.taps("sessions")
    she.expect(asks["start"])
    she.says(typed)
    she.expect(asks["read_back"])
    she.says(back)
    she.expect(asks["start"])
    she.says(typed)
    she.taps("yes")
    she.expect(asks["mode"])
    she.says(back)
    she.expect(asks["read_back"])
    she.taps("yes")
    she.taps("video")
    she.expect(asks["place"])
    she.says(back)
    she.expect(asks["mode"])
    she.taps("video")
    she.says("https://meet.example/x")
    she.expect(asks["rhythm"])
    she.says(back)
    she.expect(asks["place"])
    she.taps("later")
    she.taps("once")
    sent = meeting(app)
    assert sent.status == MeetingStatus.PROPOSED and sent.place is None  # "later" replaced it


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_back_at_the_first_planning_question_opens_the_menu(app, clock, language):
    woman, back, _typed, asks = SPEAKS[language]
    she, _fatou = pair_of(app, clock, woman, FATOU)
    she.says("menu")
    she.taps("sessions")
    she.says(back)
    she.expect(asks["menu"])
