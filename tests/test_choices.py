"""Answers to questions with options, as people really type them on a phone."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows import registry
from flows import vocabulary as vocab
from flows.choices import choose_many, choose_one
from flows.keywords import Keyword, recognise
from flows.messages import Option
from flows.sessions import RHYTHM_OPTIONS

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
        # As she asks in a sentence of two words.
        ("Aidez-moi", Keyword.HELP),
        ("ayúdeme", Keyword.HELP),
        ("help me", Keyword.HELP),
        ("changer de langue", Keyword.LANGUAGE),
        ("cambiar idioma", Keyword.LANGUAGE),
        ("change language", Keyword.LANGUAGE),
        ("Arrêtez", Keyword.STOP),
        ("eliminar mis datos", Keyword.DELETE),
        ("delete my account", Keyword.DELETE),
    ],
)
def test_global_words_in_every_language(text, word):
    assert recognise(text) == word


@pytest.mark.parametrize(
    "text", ["help me with sales", "1", "Carmen", "stop it please", "hola", "merci", "please"]
)
def test_sentences_are_not_global_words(text):
    assert recognise(text) is None


def _yes_no_questions() -> list[tuple[str, tuple[Option, ...]]]:
    """Every question of every flow that offers a "yes" and a "no" option."""
    found = []
    for flow, steps in registry.flows().items():
        for name, step in steps.items():
            while hasattr(step, "step"):  # a question wrapped to understand "back" (WithBack)
                step = step.step
            options = getattr(step, "options", None)
            if isinstance(options, tuple) and {"yes", "no"} <= {o.key for o in options}:
                found.append((f"{flow}.{name}", options))
    return found


YES_NO_QUESTIONS = _yes_no_questions()


def test_the_yes_no_questions_are_found():
    assert len(YES_NO_QUESTIONS) >= 8


@pytest.mark.parametrize(
    "typed",
    ["sí", "Si", "SÍ!", "si", "oui", "Oui.", "yes", "ok", "OK 👍", "y"]
    # As sent on WhatsApp: "ya" (yes, in La Paz), a thumbs up alone, in any skin tone.
    + ["ya", "Ya!", "ya dale", "👍", "👍🏾", "✅"]
    # In Wolof, as a woman in Dakar mixes it in: "waaw" (yes), "waaw jërëjëf" (yes, thanks).
    + ["waaw", "Waaw jërëjëf"],
)
@pytest.mark.parametrize(
    ("where", "options"), YES_NO_QUESTIONS, ids=[q[0] for q in YES_NO_QUESTIONS]
)
def test_a_short_yes_is_understood_at_every_yes_no_question(where, options, typed):
    assert choose_one(typed, options) == "yes", where


@pytest.mark.parametrize(
    "typed", ["no", "No.", "NO", "non", "Non!", "nope", "n", "👎", "❌", "déedéet", "deedeet"]
)
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


FREE_TIME = vocab.options(vocab.block_labels())
FREE_TIME_KEYS = frozenset(vocab.AVAILABILITY)
RHYTHMS = RHYTHM_OPTIONS
RHYTHM_KEYS = frozenset(option.key for option in RHYTHM_OPTIONS)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("en las tardes", ["wd_afternoon"]),
        ("por las mañanas y fines de semana", ["wd_morning", "sat", "sun"]),
        ("tardes y noches", ["wd_afternoon", "wd_evening"]),
        ("sábados en la mañana", ["sat"]),
        ("de lunes a viernes por la noche", ["wd_evening"]),
        ("le soir", ["wd_evening"]),
        ("les après-midi en semaine", ["wd_afternoon"]),
        ("le week-end", ["sat", "sun"]),
        ("samedi et dimanche matin", ["sat", "sun"]),
        ("le matin, et le samedi", ["wd_morning", "sat"]),
        ("weekday evenings", ["wd_evening"]),
        ("mornings", ["wd_morning"]),
        ("1 y fines de semana", ["wd_morning", "sat", "sun"]),
    ],
)
def test_free_time_in_words(text, keys):
    assert choose_many(text, FREE_TIME) == keys


@pytest.mark.parametrize(
    "text",
    ["sábado tarde", "sábado en la tarde", "domingo noche", "le samedi après-midi"]
    + ["saturday afternoon", "weekend evenings", "mañana", "mañana y tarde", "todos los días"],
)
def test_free_time_not_offered_or_ambiguous_is_asked_again(text):
    """No Saturday afternoon is offered, and "mañana" alone may be tomorrow: never guessed."""
    assert choose_many(text, FREE_TIME) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [("every 2 weeks", "biweekly"), ("every other week", "biweekly"), ("twice a month", "biweekly")]
    + [("cada 15 días", "biweekly"), ("cada dos semanas", "biweekly"), ("quincenal", "biweekly")]
    + [("dos veces al mes", "biweekly"), ("una vez al mes", "monthly"), ("semanal", "weekly")]
    + [("toutes les deux semaines", "biweekly"), ("tous les 15 jours", "biweekly")]
    + [("deux fois par mois", "biweekly"), ("une fois par mois", "monthly")]
    + [("chaque semaine", "weekly"), ("no", "once"), ("une seule fois", "once")],
)
def test_a_rhythm_in_words(text, key):
    assert choose_one(text, RHYTHMS) == key


@pytest.mark.parametrize(
    "text",
    ["cada tres semanas", "every three weeks", "toutes les trois semaines", "tous les jours"]
    + ["todos los días", "dos veces por semana", "deux fois par semaine", "twice a week"],
)
def test_a_rhythm_not_offered_is_not_guessed(text):
    assert choose_one(text, RHYTHMS) is None


def test_a_near_miss_never_changes_a_number():
    assert choose_one("cada dos semanaz", RHYTHMS) == "biweekly"
    assert choose_one("cada tres semanas", RHYTHMS) is None
    assert choose_one("2 to 6 people", vocab.options(vocab.SIZES)) is None


def test_every_everyday_phrase_names_its_options_where_they_are_offered():
    for phrase, keys in vocab.ANSWER_PHRASES.items():
        if set(keys) <= FREE_TIME_KEYS:
            assert choose_many(phrase, FREE_TIME) == list(keys), phrase
        else:
            assert set(keys) <= RHYTHM_KEYS and choose_one(phrase, RHYTHMS) == keys[0], phrase


# Words of everyday sentences that name no free time and no rhythm, in the three languages.
ORDINARY = st.sampled_from(
    ["hola", "gracias", "trabajo", "mucho", "negocio", "quiero", "pues", "nunca", "depende"]
    + ["niños", "bonjour", "merci", "travail", "beaucoup", "marché", "jamais", "enfants"]
    + ["hello", "thanks", "busy", "work", "family", "never", "maybe", "kids", "sometimes"]
)
JOINERS = st.sampled_from([" ", ", ", " y ", " et ", " and ", " / "])
FREE_TIME_PHRASES = sorted(
    phrase for phrase, keys in vocab.ANSWER_PHRASES.items() if set(keys) <= FREE_TIME_KEYS
)


@settings(max_examples=300)
@given(words=st.lists(ORDINARY, min_size=1, max_size=8), joiner=JOINERS)
def test_an_ordinary_sentence_names_no_free_time_and_no_rhythm(words, joiner):
    text = joiner.join(words)
    assert choose_many(text, FREE_TIME) is None
    assert choose_one(text, RHYTHMS) is None


@settings(max_examples=300)
@given(
    phrase=st.sampled_from(FREE_TIME_PHRASES),
    word=ORDINARY,
    joiner=JOINERS,
    first=st.booleans(),
)
def test_free_time_with_a_word_that_names_nothing_is_asked_again(phrase, word, joiner, first):
    """Nothing she wrote is dropped: "tardes hola" is not read as "tardes"."""
    text = joiner.join([word, phrase] if first else [phrase, word])
    assert choose_many(text, FREE_TIME) is None


@given(st.text(max_size=80))
def test_any_text_names_offered_blocks_once_each_or_nothing(text):
    keys = choose_many(text, FREE_TIME)
    assert keys is None or (len(set(keys)) == len(keys) and set(keys) <= FREE_TIME_KEYS)
