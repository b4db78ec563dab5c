"""Answers to questions with options, as people really type them on a phone."""

import pytest

from flows import registry
from flows import vocabulary as vocab
from flows.choices import choose_many, choose_one
from flows.keywords import Keyword, recognise
from flows.messages import Option

LANGS = vocab.options(vocab.UI_LANGUAGES)
SKILLS = vocab.options(vocab.SKILLS)
COUNTRIES = vocab.options(vocab.COUNTRIES)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("1", "es"),
        (" 2 ", "fr"),
        ("3.", "en"),
        ("2️⃣", "fr"),
        ("#1", "es"),
        ("español", "es"),
        ("ESPANOL!", "es"),
        ("francais", "fr"),
        ("Français", "fr"),
        ("english", "en"),
        ("eng", "en"),
    ],
)
def test_one_choice_by_number_or_words(text, key):
    assert choose_one(text, LANGS) == key


@pytest.mark.parametrize("text", ["", "0", "4", "99999999999", "🙂", "hola", "x" * 5000])
def test_no_choice_when_it_names_none(text):
    assert choose_one(text, LANGS) is None


def test_words_in_any_language_name_the_country():
    assert choose_one("Sénégal", COUNTRIES) == "SN"
    assert choose_one("canadá", COUNTRIES) == "CA"
    assert choose_one("otro país", COUNTRIES) == "OTHER"


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("1 3", ["digital_marketing", "finance"]),
        ("1,3", ["digital_marketing", "finance"]),
        ("3, 1, 3", ["finance", "digital_marketing"]),
        ("ventas y clientes, finanzas y crédito", ["sales", "finance"]),
        ("Marketing numérique et export", ["digital_marketing", "export"]),
        ("10", ["sustainability"]),
    ],
)
def test_several_choices(text, keys):
    assert choose_many(text, SKILLS) == keys


@pytest.mark.parametrize("text", ["1 99", "", "1 banana", "a b c"])
def test_several_choices_refused_when_one_is_unknown(text):
    assert choose_many(text, SKILLS) is None


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("/help", Keyword.HELP),
        ("AYUDA", Keyword.HELP),
        ("aide !", Keyword.HELP),
        ("Menú", Keyword.MENU),
        ("idioma", Keyword.LANGUAGE),
        ("LANGUE", Keyword.LANGUAGE),
        ("alto", Keyword.STOP),
        ("ARRÊT", Keyword.STOP),
        ("stop", Keyword.STOP),
        ("reprendre", Keyword.START),
        ("/start", Keyword.START),
        ("borrar mis datos", Keyword.DELETE),
        ("Effacer mes données", Keyword.DELETE),
        ("mis datos", Keyword.MY_DATA),
    ],
)
def test_global_words_in_every_language(text, word):
    assert recognise(text) == word


@pytest.mark.parametrize("text", ["help me with sales", "1", "Carmen", "stop it please"])
def test_sentences_are_not_global_words(text):
    assert recognise(text) is None


def _yes_no_questions() -> list[tuple[str, tuple[Option, ...]]]:
    """Every question of every flow that offers a "yes" and a "no" option."""
    found = []
    for flow, steps in registry.flows().items():
        for name, step in steps.items():
            options = getattr(step, "options", None)
            if isinstance(options, tuple) and {"yes", "no"} <= {o.key for o in options}:
                found.append((f"{flow}.{name}", options))
    return found


YES_NO_QUESTIONS = _yes_no_questions()


def test_the_yes_no_questions_are_found():
    assert len(YES_NO_QUESTIONS) >= 8


@pytest.mark.parametrize(
    "typed", ["sí", "Si", "SÍ!", "si", "oui", "Oui.", "yes", "ok", "OK 👍", "y"]
)
@pytest.mark.parametrize(
    ("where", "options"), YES_NO_QUESTIONS, ids=[q[0] for q in YES_NO_QUESTIONS]
)
def test_a_short_yes_is_understood_at_every_yes_no_question(where, options, typed):
    assert choose_one(typed, options) == "yes", where


@pytest.mark.parametrize("typed", ["no", "No.", "NO", "non", "Non!", "nope", "n"])
@pytest.mark.parametrize(
    ("where", "options"), YES_NO_QUESTIONS, ids=[q[0] for q in YES_NO_QUESTIONS]
)
def test_a_short_no_is_understood_at_every_yes_no_question(where, options, typed):
    assert choose_one(typed, options) == "no", where


def test_yes_words_do_not_pick_an_option_where_there_is_no_yes():
    assert choose_one("sí", COUNTRIES) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [("2-5", "small"), ("6 à 20", "medium"), ("de 2 a 5", "small"), ("más de 20", "large")]
    + [("plus de 20", "large"), ("yo sola", "solo"), ("juste moi", "solo"), ("4", "large")],
)
def test_a_business_size_as_people_write_it(text, key):
    assert choose_one(text, vocab.options(vocab.SIZES)) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [("en croisance", "growing"), ("en crecimento", "growing"), ("marketing digitl", None)],
)
def test_a_typo_in_an_answer_of_several_words(text, key):
    found = choose_one(text, vocab.options(vocab.STAGES))
    assert found == key


def test_a_near_miss_never_merges_several_choices_into_one():
    assert choose_many("ventas y finanzas", vocab.options(vocab.SKILLS)) == ["sales", "finance"]
    assert choose_one("marketing digitl", vocab.options(vocab.SKILLS)) == "digital_marketing"
    assert choose_many("marketing digitl", vocab.options(vocab.SKILLS)) is None
