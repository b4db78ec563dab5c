"""Onboarding in her words, second pass: her name as she types it on a phone (ALL CAPS, "soy
carmen de el alto"), the country question's example from her own country, and the skills
question asked again with its "2 7 / 4 1" format."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import build
from flows.messages import ChannelKind
from flows.onboarding import tidy_name
from storage.models import Participant
from tests.support.dialog import Person
from tests.support.recorder import RecordingChannel


class PhoneRecorder(RecordingChannel):
    """The recording channel, for WhatsApp numbers too."""

    kinds = (ChannelKind.CONSOLE.value, ChannelKind.WHATSAPP.value)


@pytest.fixture
def phone_app(settings, db, clock):
    return build(settings, channels=[PhoneRecorder()], clock=clock, db=db)


@pytest.mark.parametrize(
    ("typed", "name"),
    [("CARMEN", "Carmen"), ("SOY CARMEN", "Carmen"), ("MARÍA DE LA CRUZ", "María de la Cruz"),
     ("AWA N'DIAYE", "Awa N'Diaye"), ("awa n'diaye", "Awa N'Diaye"), ("McDonald", "McDonald"),
     ("N'Diaye", "N'Diaye"), ("María de la Cruz", "María de la Cruz"),
     ("soy maría de la cruz", "María de la Cruz"), ("Rosa del Carmen", "Rosa del Carmen"),
     ("soy carmen de el alto", "Carmen"), ("Soy Carmen, de El Alto", "Carmen"),
     ("je suis Awa de Thiès", "Awa"), ("I'm Emily from Toronto", "Emily"),
     ("moi c'est FATOU de Dakar", "Fatou"), ("MARIE-CLAIRE", "Marie-Claire")],
)  # fmt: skip
def test_her_name_as_typed_on_a_phone(typed, name):
    assert tidy_name(typed) == name


@pytest.mark.parametrize(
    ("digit", "typed", "greeted"),
    [("1", "SOY CARMEN DE EL ALTO", "¡Mucho gusto, Carmen!"),
     ("2", "je suis AWA de Thiès", "Enchantée, Awa\u00a0!"),
     ("3", "I'm EMILY from Toronto", "Nice to meet you, Emily!")],
)  # fmt: skip
def test_her_name_greeted_as_on_a_card(app, digit, typed, greeted):
    her = Person(app, f"caps-{digit}")
    for text in ("hi", digit, "1"):
        her.says(text)
    her.says(typed)
    her.expect(greeted)


# The country question's example: from her phone number's country, else her language's.
@pytest.mark.parametrize(
    ("digit", "phone", "example"),
    [("2", "+15145550101", "Ex.\u00a0: 3 Montréal, Québec"),
     ("3", "+14165550101", "E.g. 3 Toronto, Ontario"),
     ("1", "+15145550102", "Ej.: 3 Toronto, Ontario"),
     ("3", "+59170000101", "E.g. 1 El Alto"),
     ("2", "+221770000101", "Ex.\u00a0: 2 Thiès"),
     ("1", "+221770000102", "Ej.: 2 Thiès")],
)  # fmt: skip
def test_the_country_example_is_from_her_country(phone_app, db, digit, phone, example):
    her = Person(phone_app, phone, ChannelKind.WHATSAPP)
    for text in ("hi", digit, "1", "Lucy"):
        her.says(text)
    her.expect(example)
    # The example, typed as is, is understood: her country and her city (and its province).
    her.says(example.split(": ")[-1].split("g. ")[-1])
    with db.session() as session:
        lucy = session.exec(select(Participant).where(Participant.name == "Lucy")).one()
        assert lucy.country in {"CA", "BO", "SN"} and lucy.region


@pytest.mark.parametrize(
    ("digit", "example"), [("1", "Ej.: 1 El Alto"), ("2", "Ex.\u00a0: 2 Thiès"), ("3", "1 El Alto")]
)
def test_without_a_phone_number_the_example_is_her_languages(app, digit, example):
    her = Person(app, f"telegram-{digit}")
    for text in ("hi", digit, "1", "Lucy"):
        her.says(text)
    her.expect(example)


SKILLS_AGAIN = {
    "1": "Disculpe, no entendí. Envíe: enseñar / aprender, ej.: 2 7 / 4 1.",
    "2": "Désolée, je n'ai pas compris. Envoyez\u00a0: transmettre / apprendre, par ex. 2 7 / 4 1.",
    "3": "Sorry, I did not understand. Please send: teach / learn, e.g. 2 7 / 4 1.",
}


@pytest.mark.parametrize("digit", list(SKILLS_AGAIN))
def test_the_skills_question_asked_again_keeps_its_format(app, digit):
    her = Person(app, f"skills-{digit}")
    for text in ("hi", digit, "1", "Luz", "1 El Alto", "Tejidos Luz 2", "3", "2"):
        her.says(text)
    her.says("enseñar costura")
    her.expect(SKILLS_AGAIN[digit])
    her.says("2 7 / 4 1")
    assert "2 7 / 4 1" not in her.text
