"""Answers as a woman types them on a cheap phone, in Spanish, French and English: letters held
down ("siii", "nooo", "ouiii"), an article or "option" before the number ("la 4", "el dos",
"opción 2", "le deux", "número 3"), an ordinal ("la primera", "le premier", "the first one"),
courtesy around a digit ("2 gracias", "3 svp", "4 please"), a rating in words ("regular", "cinq
étoiles"), a session that was moved, said in her words ("la movimos", "on l'a reportée", "we
postponed it"), and two ratings where one is asked ("3 4"). Each is read as she meant it, or she
is asked kindly which she means; none is refused as "I did not understand".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from flows import checkin, pulse, registry, survey, vocabulary
from flows.choices import choose_many, choose_one, is_thanks, is_yes
from flows.messages import Option
from storage.checkins import Happened
from storage.models import Participant
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    SCRIPTS,
    deliver,
    fire_due,
    inbox,
    start_checkin,
    the_checkin,
)
from tests.test_pulse import PROMPTS, activate

registry.flows()
RATING = tuple(Option(key, label) for key, label in pulse.SCALE.items())
HAPPENED = (
    Option(Happened.YES, checkin.YES_HAPPENED),
    Option(Happened.NO, checkin.NO_HAPPENED),
    Option(Happened.MOVED, checkin.MOVED),
)
YES_NO = (Option("yes", pulse.CONTACT_YES), Option("no", pulse.CONTACT_NO))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("siii", "yes"),
        ("Sííí", "yes"),
        ("ouiiii", "yes"),
        ("yesss", "yes"),
        ("okkk", "yes"),
        ("nooo", "no"),
        ("Nonnn", "no"),
        ("noooo gracias", "no"),
    ],
)
def test_letters_held_down_still_say_yes_or_no(text, key):
    assert choose_one(text, YES_NO) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("la 4", "4"),
        ("el 2", "2"),
        ("el dos", "2"),
        ("Opción 3", "3"),
        ("option 3", "3"),
        ("le deux", "2"),
        ("la quatre", "4"),
        ("número 5", "5"),
        ("Nro 1", "1"),
        ("n° 5", "5"),
        ("la primera", "1"),
        ("le premier", "1"),
        ("la deuxième", "2"),
        ("the first one", "1"),
        ("1ro", "1"),
        ("3e", "3"),
        ("2 gracias", "2"),
        ("3 svp", "3"),
        ("4 please", "4"),
        ("por favor la 5", "5"),
        ("regular", "3"),
        ("comme ci comme ça", "3"),
        ("excelente", "5"),
        ("cinq étoiles", "5"),
        ("cuatro estrellas", "4"),
    ],
)
def test_a_rating_as_typed(text, key):
    assert choose_one(text, RATING) == key


@pytest.mark.parametrize(
    "text",
    ["la movimos", "Se movió", "pospuesta", "la postergamos", "on l'a reportée", "reportée",
     "elle a été décalée", "we postponed it", "rescheduled"],
)  # fmt: skip
def test_a_moved_session_in_her_words(text):
    assert choose_one(text, HAPPENED) == Happened.MOVED


@pytest.mark.parametrize(
    "text", ["la 9", "el 0", "le dix", "option", "la", "no 2", "deuxième fois"]
)
def test_what_names_no_option_stays_unread(text):
    """A number out of the list, a word alone, or "no 2" (which may be "not 2") is no answer."""
    assert choose_one(text, RATING) is None


SPELLED = {
    1: ("1", "uno", "un", "une", "one", "primero", "primera", "premier", "premiere", "first"),
    2: ("2", "dos", "deux", "two", "segunda", "deuxieme", "second"),
    3: ("3", "tres", "trois", "three", "tercera", "troisieme", "third"),
    4: ("4", "cuatro", "quatre", "four", "cuarta", "quatrieme", "fourth"),
    5: ("5", "cinco", "cinq", "five", "quinta", "cinquieme", "fifth"),
}
BEFORE = ("", "la ", "el ", "le ", "l'", "opción ", "option ", "número ", "nº ", "la opción ")
AFTER = ("", " gracias", " merci", " please", " por favor", " svp", "!", " 🙏🏾", " 👍")


@settings(max_examples=400, deadline=None)
@given(
    number=st.integers(min_value=1, max_value=5),
    spelling=st.integers(min_value=0, max_value=6),
    before=st.sampled_from(BEFORE),
    after=st.sampled_from(AFTER),
    upper=st.booleans(),
)
def test_any_way_of_writing_a_number_picks_that_option(number, spelling, before, after, upper):
    """However she writes the number (digit, word, ordinal, in any of the three languages), with
    an article or "option" before it and courtesy or an emoji after: that option, never another."""
    words = SPELLED[number]
    text = f"{before}{words[spelling % len(words)]}{after}"
    assert choose_one(text.upper() if upper else text, RATING) == str(number)


@settings(max_examples=200, deadline=None)
@given(
    word=st.sampled_from(["si", "sí", "oui", "yes", "ok", "no", "non"]),
    held=st.integers(min_value=1, max_value=5),
)
def test_a_letter_held_down_never_turns_a_yes_into_a_no(word, held):
    typed = word + word[-1] * held
    assert is_yes(typed) == (word not in ("no", "non"))


# Conversations -------------------------------------------------------------------------------

HELD_YES = {"es": "siii", "fr": "ouiii", "en": "yesss"}
ARTICLE = {"es": "la 4", "fr": "la quatre", "en": "number 4"}
MOVED_WORDS = {"es": "la movimos", "fr": "on l'a reportée", "en": "we postponed it"}
ONLY_ONE = {
    "es": "Solo una, por favor",
    "fr": "Une seule, s'il vous plaît",
    "en": "Just one, please",
}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_checkin_typed_on_a_phone(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says(HELD_YES[language])
    her.expect(s.useful)
    her.says("4 5")  # two ratings: which one?
    her.expect(ONLY_ONE[language], "5. ")
    her.says(ARTICLE[language])
    her.expect(s.learned)
    her.says("0")
    her.says("0")
    her.expect(s.thanks)
    row = the_checkin(app, programme.her)
    assert (row.happened, row.usefulness) == ("yes", 4)


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_moved_session_said_in_her_words(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says(MOVED_WORDS[language])
    her.expect(s.reschedule)
    assert the_checkin(app, programme.her).happened == "moved"


REGULAR = {"es": "regular", "fr": "comme ci comme ça", "en": "so so"}


@pytest.mark.parametrize("language", list(PROMPTS))
def test_a_pulse_answered_in_words(app, clock, language):
    _programme, active_at = activate(app, language)
    clock.set(active_at + timedelta(days=30, hours=1))
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE[language].address)
    assert PROMPTS[language][0] in inbox(her)[-1]
    her.says(REGULAR[language])
    her.expect(PROMPTS[language][1])
    her.says({"es": "nooo", "fr": "nonnn", "en": "nooo"}[language])
    her.expect({"es": "Gracias por su respuesta.", "fr": "Merci pour votre réponse.",
                "en": "Thank you for your answer."}[language])  # fmt: skip


def test_the_survey_asks_for_one_rating(app, clock):
    """The survey's own scale question reads two ratings as a question, not as "I did not
    understand"."""
    from tests.test_survey import activate as activate_survey

    activate_survey(app, "fr")
    clock.advance(minutes=30)
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE["fr"].address)
    her.says("3,4")
    her.expect(ONLY_ONE["fr"], "5. Tout à fait")
    her.says("le quatre")
    her.expect("Question 2 sur 9.")
    assert survey.SCALE_OPTIONS


@pytest.mark.parametrize(
    ("digit", "typed", "greeted"),
    [
        ("1", "Hola, soy Carmen", "¡Mucho gusto, Carmen!"),
        ("1", "buenos días yo soy Rosa 😊", "¡Mucho gusto, Rosa!"),
        ("2", "Bonjour je suis Awa", "Enchantée, Awa\u00a0!"),
        ("2", "slt c moi fatou", "Enchantée, Fatou\u00a0!"),
        ("3", "Hi! I'm Emily", "Nice to meet you, Emily!"),
        ("3", "hello, this is Grace", "Nice to meet you, Grace!"),
    ],
)
def test_her_name_after_a_greeting(app, digit, typed, greeted):
    """A greeting before her introduction is no part of her name: "Hola, soy Carmen" is Carmen,
    not "Hola, Soy Carmen"."""
    her = Person(app, f"name-{digit}-{typed}")
    for text in ("hi", digit, "1"):
        her.says(text)
    her.says(typed)
    her.expect(greeted)


FREE_TIME = tuple(Option(key, label) for key, label in vocabulary.block_labels().items())
EVERY_BLOCK = list(vocabulary.AVAILABILITY)


@pytest.mark.parametrize(
    "text",
    ["todas", "Todos", "a cualquier hora", "toutes", "n'importe quand", "all", "any time",
     "1 a 5", "1-5", "del 1 al 5", "de 1 à 5", "1 to 5"],
)  # fmt: skip
def test_all_of_her_free_time(text):
    assert choose_many(text, FREE_TIME) == EVERY_BLOCK


@pytest.mark.parametrize(("text", "keys"), [("2 a 4", EVERY_BLOCK[1:4]), ("2.3", EVERY_BLOCK[1:3])])
def test_part_of_her_free_time(text, keys):
    assert choose_many(text, FREE_TIME) == keys


def test_a_range_out_of_the_list_names_nothing():
    assert choose_many("1 a 9", FREE_TIME) is None
    assert choose_many("5 a 1", FREE_TIME) is None


@pytest.mark.parametrize(
    ("digit", "none_word", "all_word", "asked"),
    [
        ("1", "nada", "todas", "¿Cuándo tiene una hora libre"),
        ("2", "non", "toutes", "Quand pouvez-vous prendre un appel"),
        ("3", "no", "any time", "When are you usually free"),
    ],
)
def test_no_other_language_and_any_time_in_words(app, db, digit, none_word, all_word, asked):
    """ "No" or "nada" to "which other languages?" is none; "todas" or "any time" to "when are
    you free?" is every block offered."""
    her = Person(app, f"ana-{digit}")
    for text in ("hi", digit, "1", "Ana", "2 Dakar", "Saveurs Ana 1", "3", "2", "3 / 4"):
        her.says(text)
    her.says(none_word)
    her.expect(asked)
    her.says(all_word)
    with db.session() as session:
        ana = session.exec(select(Participant).where(Participant.name == "Ana")).one()
        assert ana.mentor_languages == [ana.locale]
        assert ana.availability == EVERY_BLOCK


@settings(max_examples=200, deadline=None)
@given(
    first=st.integers(min_value=1, max_value=5),
    last=st.integers(min_value=1, max_value=5),
    form=st.sampled_from(["{a} a {b}", "{a}-{b}", "del {a} al {b}", "de {a} à {b}", "{a} to {b}"]),
)
def test_a_range_names_every_option_between_or_none(first, last, form):
    chosen = choose_many(form.format(a=first, b=last), FREE_TIME)
    if first < last:
        assert chosen == EVERY_BLOCK[first - 1 : last]
    else:  # "3 a 3" or "5 a 1" is no range: asked again, never read as something else
        assert chosen is None or chosen == [EVERY_BLOCK[first - 1]] == [EVERY_BLOCK[last - 1]]


@pytest.mark.parametrize(
    "text", ["graciasss", "Merciii 🙏🏾", "okkk", "thanksss", "muchas graciass"]
)
def test_thanks_with_a_letter_held_down_only_thanks(text):
    assert is_thanks(text)


@pytest.mark.parametrize(
    ("digit", "country", "business", "region", "name"),
    [
        ("1", "Bolivia, vivo en El Alto", "Mi negocio se llama Tejidos Luz, textiles", "El Alto",
         "Tejidos Luz"),
        ("1", "1 en la ciudad de Sucre", "se llama Api Luz 1", "Sucre", "Api Luz"),
        ("2", "J'habite à Thiès au Sénégal", "Mon entreprise s'appelle Luz Couture 2", "Thiès",
         "Luz Couture"),
        ("2", "2 je suis à Dakar", "C'est Saveurs Luz 1", "Dakar", "Saveurs Luz"),
        ("3", "I live in Toronto, Canada", "My business is called Boreal, 3", "ON", "Boreal"),
    ],
)  # fmt: skip
def test_her_city_and_business_without_the_words_that_introduce_them(
    app, db, digit, country, business, region, name
):
    """ "Vivo en El Alto" is El Alto, "Mon entreprise s'appelle Luz Couture" is Luz Couture: the
    words she says them with are no part of them (and a Canadian city still names her province)."""
    her = Person(app, f"luz-{digit}-{region}")
    for text in ("hi", digit, "1", "Luz", country, business):
        her.says(text)
    with db.session() as session:
        luz = session.exec(select(Participant).where(Participant.name == "Luz")).one()
        assert (luz.region, luz.business_name) == (region, name)


@pytest.mark.parametrize(
    ("digit", "city", "business"),
    [("1", "vivo en Cochabamba", "mi emprendimiento es Dulces Luz"),
     ("2", "je vis à Ziguinchor", "elle s'appelle Luz Couture"),
     ("3", "I'm in Sucre", "it's called Luz Crafts")],
)  # fmt: skip
def test_asked_alone_too(app, db, digit, city, business):
    her = Person(app, f"luz-alone-{digit}")
    for text in ("hi", digit, "1", "Luz", "1", city, business):
        her.says(text)
    with db.session() as session:
        luz = session.exec(select(Participant).where(Participant.name == "Luz")).one()
        assert luz.region == city.split()[-1]
        assert luz.business_name == " ".join(business.split()[-2:])


RESCHEDULE = (Option("yes", checkin.RESCHEDULE_YES), Option("no", checkin.RESCHEDULE_NO))


@pytest.mark.parametrize(
    ("text", "key"),
    [("ahora", "yes"), ("Ahora!", "yes"), ("now", "yes"), ("maintenant", "yes"),
     ("ahora no", "no"), ("not now", "no"), ("pas maintenant", "no")],
)  # fmt: skip
def test_now_is_not_not_now(text, key):
    """ "Ahora" under "Sí, ahora" / "Ahora no" is now: never the option that only starts with it
    and then says no."""
    assert choose_one(text, RESCHEDULE) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [("sí, llámenme", "yes"), ("oui appelez-moi", "yes"), ("yes call me", "yes"),
     ("no, todo bien", "no"), ("no hace falta", "no"), ("non ça va", "no"),
     ("pas besoin", "no"), ("no thanks, all good", "no"), ("no need", "no")],
)  # fmt: skip
def test_would_she_like_a_coordinator_to_call(text, key):
    assert choose_one(text, YES_NO) == key


@pytest.mark.parametrize(
    ("language", "now", "planned"),
    [("es", "ahora", "¿Cuándo le gustaría reunirse con Emily?"),
     ("fr", "maintenant", "Quand aimeriez-vous rencontrer Carmen"),
     ("en", "now", "When would you like to meet Aminata?")],
)  # fmt: skip
def test_now_at_the_checkin_plans_a_new_time(app, language, now, planned):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("2")  # it did not take place
    her.says("1")  # my partner could not come
    her.expect(s.reschedule)
    her.says(now)
    her.expect(planned)
    assert the_checkin(app, programme.her).wants_reschedule is True


@pytest.mark.parametrize(("text", "key"), [("moyen", "3"), ("bastan", "4"), ("tot", "5")])
def test_the_beginning_of_a_word_still_names_its_option(text, key):
    assert choose_one(text, survey.SCALE_OPTIONS) == key
