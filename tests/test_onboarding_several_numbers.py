"""Several numbers where one is expected, or numbers that contradict each other, are never read
silently as something she did not mean. Played as a Canadian's onboarding in es, fr and en:

- "1 2" to "which country and city?" is no country with the city "2": she is asked for one;
- "1 2" to a question with one answer is asked again as "just one, please", not "I did not
  understand" (she was understood: she gave two);
- "1 2" to "other languages?" where 1 is "None" is not "Spanish": she is asked which she means;
  "2 4" there takes both languages;
- "1 2" to "family ties with Bolivia or Senegal?" is both, as she said.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from storage.models import Participant
from tests.support.dialog import Person


@dataclass(frozen=True)
class Script:
    digit: str
    ask_country: str
    only_one: str
    ask_province: str
    ask_stage: str
    ask_size: str
    ask_languages: str
    none_and_others: str
    ask_availability: str
    languages: list[str]  # hers, then the second and fourth other languages listed
    done: str


SCRIPTS = {
    "es": Script(
        digit="1",
        ask_country="¿En qué país y ciudad vive?",
        only_one="Solo una, por favor: envíe el número de la respuesta que mejor le corresponda.",
        ask_province="provincia",
        ask_stage="¿En qué etapa está su negocio?",
        ask_size="¿Cuántas personas trabajan",
        ask_languages="Además del español",
        none_and_others="Eligió «Ninguno» y también un idioma.",
        ask_availability="¿Cuándo tiene una hora libre para una llamada?",
        languages=["es", "fr", "wo"],
        done="¡Gracias, Julie!",
    ),
    "fr": Script(
        digit="2",
        ask_country="Dans quel pays et quelle ville vivez-vous\u00a0?",
        only_one="Une seule, s'il vous plaît\u00a0: envoyez le numéro de la réponse qui vous "
        "correspond le mieux.",
        ask_province="province",
        ask_stage="Où en est votre entreprise\u00a0?",
        ask_size="Combien de personnes",
        ask_languages="À part le français",
        none_and_others="Vous avez choisi «\u00a0Aucune\u00a0» et aussi une langue.",
        ask_availability="Quand pouvez-vous prendre un appel d'une heure\u00a0?",
        languages=["fr", "es", "wo"],
        done="Merci, Julie\u00a0!",
    ),
    "en": Script(
        digit="3",
        ask_country="Which country and city do you live in?",
        only_one="Just one, please: send the number of the answer that fits you best.",
        ask_province="province",
        ask_stage="How far along is your business?",
        ask_size="How many people work in it",
        ask_languages="Besides English",
        none_and_others='You chose "None" and also a language.',
        ask_availability="When are you usually free for a one-hour call?",
        languages=["en", "es", "wo"],
        done="Thank you, Julie!",
    ),
}
NOT_UNDERSTOOD = ("no entendí", "pas compris", "did not understand")


def _julie(db) -> Participant:
    with db.session() as session:
        return session.exec(select(Participant).where(Participant.name == "Julie")).one()


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_several_numbers_are_read_as_she_meant_or_asked_about(app, db, language):
    s = SCRIPTS[language]
    her = Person(app, f"julie-{language}")
    for text in ("hi", s.digit, "1", "Julie"):
        her.says(text)
    her.expect(s.ask_country)

    her.says("1 2")  # two countries: not Bolivia with the city "2"
    her.expect(s.only_one, "3. Canad")
    assert _julie(db).country is None and _julie(db).region is None
    her.says("3")
    her.expect(s.ask_province)
    her.says("quebec")
    her.says("Boreal 3")
    her.expect(s.ask_stage)

    her.says("1 2")  # one answer expected: "just one", and she is understood
    her.expect(s.only_one, "1. ", "4. ")
    assert not any(words in her.text for words in NOT_UNDERSTOOD)
    assert _julie(db).stage is None
    her.says("3")
    her.expect(s.ask_size)
    her.says("2")
    her.says("1 / 4")
    her.expect(s.ask_languages)

    her.says("1 2")  # "None" and a language: which does she mean?
    her.expect(s.none_and_others, "1. ", "2. ")
    assert _julie(db).mentor_languages == []
    her.says("2 4")
    her.expect(s.ask_availability)
    assert _julie(db).mentor_languages == s.languages

    her.says("1 2")
    her.says("1 2")  # family ties with Bolivia and Senegal: both
    her.expect(s.done)
    assert _julie(db).diaspora_ties == ["BO", "SN"]


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_two_countries_then_a_city_are_asked_about(app, db, language):
    """ "1 2 El Alto": two countries, then her city; not Bolivia with the city "2 El Alto"."""
    s = SCRIPTS[language]
    her = Person(app, f"julie-{language}")
    for text in ("hi", s.digit, "1", "Julie"):
        her.says(text)
    her.says("1 2 El Alto")
    her.expect(s.only_one, "3. Canad")
    assert _julie(db).country is None and _julie(db).region is None
    her.says("1 El Alto")
    assert (_julie(db).country, _julie(db).region) == ("BO", "El Alto")
