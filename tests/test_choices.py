"""Answers to questions with options, as people really type them on a phone."""

import pytest

from flows import vocabulary as vocab
from flows.choices import choose_many, choose_one
from flows.keywords import Keyword, recognise

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
