"""A group code typed while a question waits for her answer, played as conversations in Spanish,
French and English.

Before her profile is ready the code is kept (she joins when it is) and she is told so; after,
she joins at once; either way the question comes again. Code-like answers that are no cohort's
code ("TEJIDOS2", a name in capitals) stay her answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App
from flows.matching.service import cohorts_of, create_cohort
from storage.models import Participant
from storage.participants import find_address
from tests.support.databases import statements
from tests.support.dialog import Person
from tests.test_checkins import (
    COORDINATOR,
    SCRIPTS,
    add_coordinator,
    programme_app,
    start_checkin,
)

PILOT = "Pilote 2026"
# Her answers from consent to her free time (a woman in Sucre, Bolivia), by question.
CONSENT = ["1"]
NAME = ["Carmen"]
TO_BUSINESS = ["1 Sucre"]
BUSINESS = ["Dulces Carmen 1"]
TO_THE_END = ["2", "1", "2 / 4", "1", "1"]  # stage, size, skills, languages, free time


@dataclass(frozen=True)
class Words:
    digit: str  # her language in the first menu
    typed: str  # the code as she types it
    ask_name: str
    ask_stage: str
    ask_sector: str
    noted: str
    done: str
    joined: str
    joined_midway: str
    invalid: str


WORDS = {
    "es": Words(
        digit="1",
        typed="PILOTE26",
        ask_name="¿Cuál es su nombre?",
        ask_stage="¿En qué etapa está su negocio?",
        ask_sector="¿En qué rubro trabaja?",
        noted=(
            "¡Gracias! Anoté su código: entrará al grupo Pilote 2026 en cuanto su perfil esté "
            "listo."
        ),
        done="¡Gracias, Carmen! Su perfil está listo.",
        joined="¡Bienvenida al grupo Pilote 2026! Le escribiré apenas encuentre a su compañera.",
        joined_midway="¡Bienvenida al grupo Pilote 2026! Sigamos con mi pregunta.",
        invalid="Disculpe, no entendí.",
    ),
    "fr": Words(
        digit="2",
        typed="code : pilote-26",
        ask_name="Quel est votre prénom\u00a0?",
        ask_stage="Où en est votre entreprise\u00a0?",
        ask_sector="Dans quel secteur\u00a0?",
        noted=(
            "Merci\u00a0! Votre code est bien noté\u00a0: vous rejoindrez le groupe Pilote 2026 "
            "dès que votre profil sera complet."
        ),
        done="Merci, Carmen\u00a0! Votre profil est complet.",
        joined="Bienvenue dans le groupe Pilote 2026\u00a0! Je vous écrirai dès que j'aurai trouvé",
        joined_midway="Bienvenue dans le groupe Pilote 2026\u00a0! Reprenons ma question.",
        invalid="Désolée, je n'ai pas compris.",
    ),
    "en": Words(
        digit="3",
        typed="Pilote 26",
        ask_name="What is your first name?",
        ask_stage="How far along is your business?",
        ask_sector="What is its sector?",
        noted=(
            "Thank you! Your group code is noted: you will join the group Pilote 2026 once your "
            "profile is ready."
        ),
        done="Thank you, Carmen! Your profile is ready.",
        joined="Welcome to the group Pilote 2026! I will write to you as soon as I have found",
        joined_midway="Welcome to the group Pilote 2026! Back to my question.",
        invalid="Sorry, I did not understand.",
    ),
}
LANGUAGES = list(WORDS)


@pytest.fixture
def app(tmp_path: Path, db, clock, recorder) -> App:  # type: ignore[no-untyped-def]
    """The app with a coordinator configured, and the pilot cohort (code PILOTE26)."""
    app = programme_app(tmp_path, db, clock, recorder)
    with db.session() as session:
        create_cohort(session, PILOT, modes=["north_south"], code="PILOTE26", now=clock.now())
    return app


def _groups(app: App, address: str) -> list[str]:
    with app.db.session() as session:
        link = find_address(session, channel="console", address=address)
        assert link is not None
        return [c.name for c in cohorts_of(session, link.participant_id)]


def _her(app: App, address: str) -> Participant:
    with app.db.session() as session:
        link = find_address(session, channel="console", address=address)
        assert link is not None
        her = session.get(Participant, link.participant_id)
        assert her is not None
        session.expunge(her)
        return her


def _starts(app: App, language: str, address: str = "carmen") -> Person:
    """She writes, chooses her language and consents: her name is asked."""
    carmen = Person(app, address)
    for answer in ["hola", WORDS[language].digit, *CONSENT]:
        carmen.says(answer)
    carmen.expect(WORDS[language].ask_name)
    return carmen


def _then(person: Person, *first: str) -> None:
    """`first` comes before second in what she just received."""
    text = person.text
    assert all(fragment in text for fragment in first), text
    positions = [text.index(fragment) for fragment in first]
    assert positions == sorted(positions), text


# Before her profile is ready: kept, and the question again ------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_code_typed_at_the_name_question_is_kept_not_taken_as_her_name(app, language):
    w = WORDS[language]
    carmen = _starts(app, language)
    carmen.says(w.typed)
    _then(carmen, w.noted, w.ask_name)
    assert _her(app, "carmen").name is None  # not "Pilote 26"
    for answer in [*NAME, *TO_BUSINESS, *BUSINESS, *TO_THE_END]:
        carmen.says(answer)
    _then(carmen, w.done, w.joined)
    assert _her(app, "carmen").name == "Carmen"
    assert _groups(app, "carmen") == [PILOT]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_code_typed_at_a_choice_question_is_kept_and_the_choice_asked_again(app, language):
    w = WORDS[language]
    carmen = _starts(app, language)
    for answer in [*NAME, *TO_BUSINESS, *BUSINESS]:
        carmen.says(answer)
    carmen.expect(w.ask_stage)
    carmen.says(w.typed)
    _then(carmen, w.noted, w.ask_stage, "1. ")
    assert w.invalid not in carmen.text
    for answer in TO_THE_END:
        carmen.says(answer)
    _then(carmen, w.done, w.joined)
    assert _groups(app, "carmen") == [PILOT]
    assert _her(app, "carmen").stage is not None


def test_a_code_typed_at_the_language_question_is_noted_in_the_languages_it_asks_in(app):
    carmen = Person(app, "carmen")
    carmen.says("hola")
    carmen.says("PILOTE26")  # her language is not chosen yet: told in all three
    _then(carmen, WORDS["es"].noted, WORDS["fr"].noted, WORDS["en"].noted, "1. Español")
    for answer in ["1", *CONSENT, *NAME, *TO_BUSINESS, *BUSINESS, *TO_THE_END]:
        carmen.says(answer)
    _then(carmen, WORDS["es"].done, WORDS["es"].joined)
    assert _groups(app, "carmen") == [PILOT]


# After onboarding: joined, and the question again --------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_code_typed_during_a_checkin_joins_her_group_and_the_checkin_goes_on(app, language):
    w, s = WORDS[language], SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says(w.typed)
    _then(her, w.joined_midway, s.happened)
    assert PILOT in _groups(app, her.address)
    her.says("1")  # "Yes, it took place": the check-in goes on where it was
    her.expect(s.useful)


# What looks like a code but is no cohort's code is her answer ---------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_code_like_answers_of_no_cohort_stay_her_answers(app, language):
    w = WORDS[language]
    carmen = _starts(app, language)
    carmen.says("NDEYE")  # in capitals, as a code would be: looked up, but it is her name
    assert w.noted not in carmen.text
    for answer in [*TO_BUSINESS, "1"]:  # her sector alone: her business's name is asked
        carmen.says(answer)
    carmen.says("TEJIDOS2")  # her business's name, no cohort's code
    carmen.expect(w.ask_stage)
    her = _her(app, "carmen")
    # Her name typed in capitals reads as on a card; her business's name stays as she wrote it.
    assert (her.name, her.business_name) == ("Ndeye", "TEJIDOS2")
    assert _groups(app, "carmen") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_code_of_no_cohort_during_a_checkin_is_answered_as_before(app, language):
    w, s = WORDS[language], SCRIPTS[language]
    _programme, her, _peer = start_checkin(app, language)
    her.says("PILOTE27")
    _then(her, w.invalid, "1. ")
    assert w.joined_midway not in her.text
    assert PILOT not in _groups(app, her.address)
    her.says("1")
    her.expect(s.useful)


def test_a_business_called_like_a_cohort_code_is_saved_when_she_writes_it_again(app):
    """A code is a strong signal, so it is taken as one first; the same words again at the same
    question are her answer, so no business name is out of her reach."""
    w = WORDS["es"]
    carmen = _starts(app, "es")
    for answer in [*NAME, *TO_BUSINESS]:
        carmen.says(answer)
    carmen.says("PILOTE26")
    _then(carmen, w.noted, "¿Cómo se llama su negocio")
    carmen.says("PILOTE26")
    carmen.expect(w.ask_sector)
    assert _her(app, "carmen").business_name == "PILOTE26"


# Where a code is not hers to join, and what it costs ------------------------------------------


def test_a_coordinator_typing_a_code_when_asked_which_cohort_to_match_does_not_join_it(app):
    with app.db.session() as session:
        add_coordinator(session, app.clock.now())
    coordinator = Person(app, COORDINATOR)
    coordinator.says("/match")
    coordinator.says("PILOTE26")
    assert "Pilote 2026" in coordinator.text  # asked which cohort, as before
    assert WORDS["fr"].joined_midway not in coordinator.text
    assert _groups(app, COORDINATOR) == []


def _cohort_reads(app: App, person: Person, text: str) -> int:
    with statements(app.db) as seen:
        person.says(text)
    return sum(1 for head, _many in seen if head.startswith("SELECT COHORT."))


def test_only_a_message_that_looks_like_a_code_costs_a_lookup(app):
    carmen = _starts(app, "es")
    assert _cohort_reads(app, carmen, "Carmen") == 0
    # An option's number and her city, her business and its sector: the onboarding's answers.
    assert _cohort_reads(app, carmen, "1 Sucre") == 0
    assert _cohort_reads(app, carmen, "Dulces Carmen 1") == 0
    assert _cohort_reads(app, carmen, "Pilote 27") == 1  # letters and digits: no cohort's code
    assert _cohort_reads(app, carmen, "PILOTE26") == 1  # the one lookup, kept with it
    assert _cohort_reads(app, carmen, "2") == 0
