"""Free time and session rhythm answered in her own words, in Spanish, French and English.

"en las tardes", "le week-end", "weekday evenings", "cada 15 días", "tous les 15 jours", "twice a
month": each is saved as the options it names and the next question follows. A sentence that
names none of them, or only part of what she wrote ("sábado en la tarde": no Saturday afternoon
is offered), gets the kind "did not understand" and the question again, with nothing saved.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Participant
from tests.support.dialog import Person
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose

# Her onboarding up to the question on her free time, and what comes after it: the summary in
# Bolivia and Senegal, family ties in Canada.
UP_TO_FREE_TIME = {
    "es": ["hola", "1", "1", "Carmen", "1 El Alto", "Tejidos Carmen 2", "3", "2", "2 7 / 4 1", "5"],
    "fr": ["bonjour", "2", "1", "Carmen", "2 Dakar", "Couture Carmen 2", "3", "2", "2 7 / 4", "4"],
    "en": ["hi", "3", "1", "Carmen", "canada", "quebec", "Boreal 3", "3", "2", "1 / 4", "1"],
}
AFTER_FREE_TIME = {
    "es": "¡Gracias, Carmen! Su perfil está listo",
    "fr": "Merci, Carmen\u00a0! Votre profil est complet",
    "en": "Do you have family ties with Bolivia or Senegal?",
}
NOT_UNDERSTOOD = {
    "es": "Disculpe, no entendí",
    "fr": "Désolée, je n'ai pas compris",
    "en": "Sorry, I did not understand",
}
ASK_FREE_TIME = {
    "es": "¿Cuándo tiene una hora libre para una llamada?",
    "fr": "Quand pouvez-vous prendre un appel d'une heure\u00a0?",
    "en": "When are you usually free for a one-hour call?",
}


def _carmen(db) -> Participant:
    with db.session() as session:
        return session.exec(select(Participant).where(Participant.name == "Carmen")).one()


def _at_free_time(app, language: str) -> Person:
    her = Person(app, f"carmen-{language}")
    for text in UP_TO_FREE_TIME[language]:
        her.says(text)
    her.expect(ASK_FREE_TIME[language])
    return her


@pytest.mark.parametrize(
    ("language", "typed", "blocks"),
    [
        ("es", "en las tardes", ["wd_afternoon"]),
        ("es", "por las mañanas y fines de semana", ["wd_morning", "sat", "sun"]),
        ("es", "tardes y noches", ["wd_afternoon", "wd_evening"]),
        ("es", "sábados en la mañana", ["sat"]),
        ("es", "Tardes entre semana y sábados", ["wd_afternoon", "sat"]),
        ("fr", "le soir", ["wd_evening"]),
        ("fr", "les après-midi en semaine", ["wd_afternoon"]),
        ("fr", "le week-end", ["sat", "sun"]),
        ("fr", "Le matin, et le samedi", ["wd_morning", "sat"]),
        ("en", "weekday evenings", ["wd_evening"]),
        ("en", "mornings", ["wd_morning"]),
        ("en", "Mornings and weekends", ["wd_morning", "sat", "sun"]),
    ],
)
def test_her_free_time_in_her_own_words(app, db, language, typed, blocks):
    her = _at_free_time(app, language)
    her.says(typed)
    her.expect(AFTER_FREE_TIME[language])
    assert _carmen(db).availability == blocks


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("es", "trabajo todo el día en mi tienda"),
        ("es", "sábado en la tarde"),  # no Saturday afternoon is offered: asked, not guessed
        ("es", "mañana"),  # tomorrow, or the morning?
        ("fr", "je travaille beaucoup"),
        ("fr", "le samedi après-midi"),
        ("en", "I am busy with my shop"),
        ("en", "saturday afternoon"),  # was Saturday plus weekday afternoons
    ],
)
def test_a_sentence_naming_no_free_time_is_asked_again(app, db, language, typed):
    her = _at_free_time(app, language)
    her.says(typed)
    her.expect(NOT_UNDERSTOOD[language], "1 3")
    assert not _carmen(db).availability
    her.says("tardes" if language == "es" else "evenings")
    her.expect(AFTER_FREE_TIME[language])
    assert _carmen(db).availability == ["wd_afternoon" if language == "es" else "wd_evening"]


@pytest.mark.parametrize(
    ("language", "field", "typed", "blocks", "shown"),
    [
        (
            "es",
            "horarios libres",
            "de lunes a viernes por la noche",
            ["wd_evening"],
            "lun-vie 17-21",
        ),
        ("fr", "disponibilités", "en semaine le matin", ["wd_morning"], "lun-ven 8h-12h"),
    ],
)
def test_she_corrects_her_free_time_in_her_own_words(
    app, db, language, field, typed, blocks, shown
):
    her = _at_free_time(app, language)
    her.says("1")
    her.expect(AFTER_FREE_TIME[language])
    her.says("menu")
    her.says("1")  # see or edit my profile
    her.says("2")  # correct something
    her.says(field)
    her.expect(ASK_FREE_TIME[language])
    her.says(typed)
    her.expect(shown)
    assert _carmen(db).availability == blocks


# A proposal up to the rhythm question, by a woman in each language, to her peer.
PROPOSER = {"es": (CARMEN, JULIE, "jueves 15h"), "fr": (JULIE, CARMEN, "jeudi 15h")}
PROPOSER["en"] = (AWA, CARMEN, "Thursday 3pm")
ASK_RHYTHM = {"es": "¿Le gustaría reunirse", "fr": "régulièrement", "en": "meet regularly"}
SENT = {"es": "¡Enviado!", "fr": "C'est envoyé\u00a0!", "en": "Sent!"}
PEER_READS = {  # her peer reads the rhythm in her own language
    "es": {
        "weekly": "Rythme\u00a0: Chaque semaine",
        "biweekly": "Rythme\u00a0: Toutes les deux semaines",
    },
    "fr": {"biweekly": "Frecuencia: Cada dos semanas", "monthly": "Frecuencia: Cada mes"},
    "en": {"biweekly": "Frecuencia: Cada dos semanas", "monthly": "Frecuencia: Cada mes"},
}


def _at_rhythm(app, clock, language: str):
    profile, peer_profile, typed = PROPOSER[language]
    she, peer = pair_of(app, clock, ("she", profile), ("peer", peer_profile))
    propose(she, typed, rhythm=None)
    she.expect(ASK_RHYTHM[language])
    return she, peer


@pytest.mark.parametrize(
    ("language", "typed", "rhythm"),
    [
        ("es", "cada 15 días", "biweekly"),
        ("es", "Cada dos semanas", "biweekly"),
        ("es", "quincenal", "biweekly"),
        ("es", "dos veces al mes", "biweekly"),
        ("es", "una vez al mes", "monthly"),
        ("es", "semanal", "weekly"),
        ("fr", "toutes les deux semaines", "biweekly"),
        ("fr", "tous les 15 jours", "biweekly"),
        ("fr", "deux fois par mois", "biweekly"),
        ("fr", "une fois par mois", "monthly"),
        ("fr", "chaque semaine", "weekly"),
        ("en", "every 2 weeks", "biweekly"),
        ("en", "every other week", "biweekly"),
        ("en", "twice a month", "biweekly"),
        ("en", "once a month", "monthly"),
    ],
)
def test_the_rhythm_in_her_own_words(app, clock, language, typed, rhythm):
    she, peer = _at_rhythm(app, clock, language)
    she.says(typed)
    she.expect(SENT[language])
    assert meeting(app).rhythm == rhythm
    if rhythm in PEER_READS[language]:
        assert PEER_READS[language][rhythm] in peer.inbox()


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("es", "todos los días"),
        ("es", "cada tres semanas"),  # once read as "cada dos semanas" with a typo
        ("fr", "tous les jours"),
        ("fr", "deux fois par semaine"),
        ("en", "every three weeks"),
        ("en", "I will ask my husband"),
    ],
)
def test_a_rhythm_not_offered_is_asked_again(app, clock, language, typed):
    she, _peer = _at_rhythm(app, clock, language)
    she.says(typed)
    she.expect(NOT_UNDERSTOOD[language])
    assert SENT[language] not in she.text
    she.says({"es": "semanal", "fr": "hebdomadaire", "en": "weekly"}[language])
    she.expect(SENT[language])
    assert meeting(app).rhythm == "weekly"


@pytest.mark.parametrize(("language", "no"), [("es", "no"), ("fr", "non"), ("en", "no thanks")])
def test_no_to_a_regular_rhythm_is_just_this_once(app, clock, language, no):
    she, _peer = _at_rhythm(app, clock, language)
    she.says(no)
    she.expect(SENT[language])
    assert meeting(app).rhythm is None
