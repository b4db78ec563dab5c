"""Whole onboardings played as conversations, in Spanish, French and English.

Each one includes a wrong answer, a language switch half-way, a restart of the process half-way
(the state resumes at the same question), STOP and START, and finally "delete my data", after
which her personal fields are checked to be gone from the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.app import build
from storage.models import ChannelAddress, Conversation, OutboundMessage, Participant
from tests.support.dialog import Person


@dataclass(frozen=True)
class Script:
    language_digit: str  # her language in the first (en, es, fr) menu
    consent: str
    ask_name: str
    ask_country: str
    invalid: str
    ask_city: str
    ask_business: str
    ask_sector: str
    ask_offers: str
    too_many: str
    ask_wants: str
    ask_languages: str
    done: str
    stop_word: str
    stopped: str
    start_word: str
    back: str
    delete_word: str
    confirm_delete: str
    deleted: str
    switch_word: str
    switched: str


SPANISH = Script(
    language_digit="1",
    consent="Antes de empezar",
    ask_name="¿Cuál es su nombre?",
    ask_country="¡Mucho gusto, Carmen! ¿En qué país y ciudad vive?",
    invalid="Disculpe, no entendí",
    ask_city="¿En qué ciudad o pueblo vive?",
    ask_business="¿Cómo se llama su negocio",
    ask_sector="¿En qué rubro trabaja?",
    ask_offers="¿Qué puede enseñar y qué quiere aprender?",
    too_many="elija 3 como máximo",
    ask_wants="¿Qué le gustaría aprender?",
    ask_languages="Además del español",
    done="¡Gracias, Carmen! Su perfil está listo",
    stop_word="ALTO",
    stopped="ya no recibirá mensajes",
    start_word="inicio",
    back="Qué gusto tenerla de vuelta",
    delete_word="borrar mis datos",
    confirm_delete="¿De verdad quiere borrar",
    deleted="Sus datos fueron borrados",
    switch_word="idioma",
    switched="C'est noté, je vous écrirai en français.",
)
FRENCH = Script(
    language_digit="2",
    consent="Pour trouver votre partenaire",
    ask_name="Quel est votre prénom\u00a0?",
    ask_country="Enchantée, Carmen\u00a0! Dans quel pays et quelle ville vivez-vous\u00a0?",
    invalid="Désolée, je n'ai pas compris",
    ask_city="Dans quelle ville",
    ask_business="Comment s'appelle votre entreprise",
    ask_sector="Dans quel secteur\u00a0?",
    ask_offers="Que pouvez-vous transmettre",
    too_many="en choisir 3 au plus",
    ask_wants="Qu'aimeriez-vous apprendre",
    ask_languages="À part le français",
    done="Merci, Carmen\u00a0! Votre profil est complet",
    stop_word="arrêt",
    stopped="vous ne recevrez plus de messages",
    start_word="REPRENDRE",
    back="Bon retour parmi nous",
    delete_word="effacer mes données",
    confirm_delete="Voulez-vous vraiment effacer",
    deleted="Vos données ont été effacées",
    switch_word="langue",
    switched="Listo, le escribiré en español.",
)
ENGLISH = Script(
    language_digit="3",
    consent="Before we start",
    ask_name="What is your first name?",
    ask_country="Nice to meet you, Carmen! Which country and city do you live in?",
    invalid="Sorry, I did not understand",
    ask_city="Which city or town",
    ask_business="What is your business called",
    ask_sector="What is its sector?",
    ask_offers="What can you teach, and what do you want to learn?",
    too_many="Please choose 3 at most",
    ask_wants="What would you like to learn?",
    ask_languages="Besides English",
    done="Thank you, Carmen! Your profile is ready",
    stop_word="STOP",
    stopped="you will receive no more messages",
    start_word="start",
    back="Welcome back!",
    delete_word="delete my data",
    confirm_delete="Do you really want to erase",
    deleted="Your data has been erased",
    switch_word="language",
    switched="Listo, le escribiré en español.",
)
# After the switch she carries on in the other language; these are its prompts.
SWITCH_TO = {
    "es": ("2", "Dans quel secteur\u00a0?", "langue"),
    "fr": ("1", "¿En qué rubro trabaja?", "idioma"),
    "en": ("1", "¿En qué rubro trabaja?", "idioma"),
}


@pytest.mark.parametrize(("language", "script"), [("es", SPANISH), ("fr", FRENCH), ("en", ENGLISH)])
def test_whole_onboarding(any_db, settings, clock, recorder, language, script):
    app = build(settings, channels=[recorder], clock=clock, db=any_db)
    her = Person(app, f"carmen-{language}")

    her.says("hola")
    her.expect("Bienvenida a Entrepairs", "Bienvenue sur Entrepairs", "Welcome to Entrepairs")
    # Not one of the languages: her language is not known yet, so all three say so.
    reply = her.says("quiero información")
    her.expect(SPANISH.invalid, FRENCH.invalid, ENGLISH.invalid, "1. Español")
    assert "Reply with a number" not in "\n".join(reply)  # no line in English alone
    her.says(script.language_digit)
    her.expect(script.consent)
    her.says("1")
    her.expect(script.ask_name)
    her.says("Carmen")
    her.expect(script.ask_country, "1. Bolivi")

    her.says("9")  # a digit out of range
    her.expect(script.invalid, "1. Bolivi")
    her.says("bolivia")  # the option's words work too
    her.expect(script.ask_city)

    # The process restarts: a new engine and delivery worker on the same database.
    app = build(settings, channels=[recorder], clock=clock, db=any_db)
    her.app = app
    her.says("El Alto")
    her.expect(script.ask_business)
    her.says("Tejidos Carmen")
    her.expect(script.ask_sector)

    # Half-way she switches language, and is taken back to the same question.
    other_digit, other_sector_prompt, other_switch_word = SWITCH_TO[language]
    her.says(script.switch_word)
    her.expect("Which language do you prefer?", "1. Español")
    her.says(other_digit)
    her.expect(script.switched, other_sector_prompt)
    her.says(other_switch_word)
    her.says(script.language_digit)
    her.expect(script.ask_sector)

    her.says("2")  # crafts
    her.says("3")  # growing
    her.says("2")  # 2 to 5 people
    her.expect(script.ask_offers)
    her.says("1 2 3 4")  # too many
    her.expect(script.too_many)
    her.says("2, 7")  # only what she can teach: what she wants to learn is asked next
    her.expect(script.ask_wants)
    her.says("4 1")
    her.expect(script.ask_languages, "5. Quechua")
    her.says("5")  # Quechua, besides the language she chose

    # STOP silences everything until START, then the same question comes back.
    her.says(script.stop_word)
    her.expect(script.stopped)
    her.says("1")
    her.expect_nothing()
    her.says(script.start_word)
    her.expect(script.back)
    her.says("1 2")  # weekday mornings and afternoons: her profile is complete
    her.expect(script.done)

    with any_db.session() as session:
        woman = session.exec(select(Participant).where(Participant.name == "Carmen")).one()
        assert woman.locale == language
        assert woman.country == "BO"
        assert woman.timezone == "America/La_Paz"
        assert woman.region == "El Alto"
        assert woman.business_name == "Tejidos Carmen"
        assert (woman.sector, woman.stage, woman.size) == ("crafts", "growing", "small")
        assert woman.skills_offered == ["sales", "networking"]
        assert woman.skills_wanted == ["export", "digital_marketing"]
        assert woman.mentor_languages == [language, "qu"]
        assert woman.availability == ["wd_morning", "wd_afternoon"]
        assert woman.share_contact is True
        assert woman.consent_at is not None and woman.onboarded_at is not None
        assert woman.opted_out_at is None
        woman_id = woman.id

    # "Delete my data": confirmed, then erased.
    her.says(script.delete_word)
    her.expect(script.confirm_delete)
    her.says("1")
    her.expect(script.deleted)

    with any_db.session() as session:
        erased = session.get(Participant, woman_id)
        assert erased is not None and erased.erased_at is not None
        for field in ("name", "country", "region", "timezone", "business_name", "sector"):
            assert getattr(erased, field) is None, field
        assert erased.skills_offered == [] and erased.availability == []
        assert (
            session.exec(
                select(ChannelAddress).where(ChannelAddress.participant_id == woman_id)
            ).all()
            == []
        )
        assert session.get(Conversation, woman_id) is None
        assert (
            session.exec(
                select(OutboundMessage).where(
                    OutboundMessage.participant_id == woman_id, OutboundMessage.status == "pending"
                )
            ).all()
            == []
        )


def test_idle_for_days_resumes_gracefully(app, clock):
    her = Person(app, "awa")
    for text in ("allo", "2", "1", "Awa"):
        her.says(text)
    clock.advance(days=6)
    her.says("bonjour")
    her.expect("Bon retour, Awa\u00a0!", "Dans quel pays et quelle ville vivez-vous\u00a0?")
    her.says("2")
    her.expect("Dans quelle ville")


def test_declining_consent_keeps_nothing(app, db):
    her = Person(app, "refuses")
    her.says("hi")
    her.says("3")
    her.says("3")  # no (2 is "yes, without sharing my contact")
    her.expect("nothing has been kept")
    with db.session() as session:
        assert session.exec(select(ChannelAddress)).all() == []
        assert all(p.erased_at for p in session.exec(select(Participant)))
    her.says("hello again")
    her.expect("Welcome to Entrepairs")


def test_help_and_my_data_keep_her_place(app):
    her = Person(app, "julie")
    for text in ("bonjour", "2", "1", "Julie", "canada"):
        her.says(text)
    her.expect("Dans quelle province")
    her.says("aide")
    her.expect("MENU", "LANGUE", "Dans quelle province")
    her.says("mes données")
    her.expect("Votre profil\u00a0:", "Julie, Canada", "Dans quelle province")
    her.says("québec")
    her.expect("Comment s'appelle votre entreprise")


def test_media_gets_a_kind_reask(app):
    her = Person(app, "rosa")
    her.says("hola")
    her.says("1")
    her.says("", kind="media")
    her.expect("Solo puedo leer texto", "Antes de empezar")


def test_correcting_the_country_walks_through_what_depends_on_it(app, db):
    her = Person(app, "nadia")
    answers = ["hi", "3", "1", "Nadia", "2 Thiès", "Couture Nadia 2", "3", "1", "2 / 3", "1", "2 3"]
    for text in answers:
        her.says(text)
    her.expect("Thank you, Nadia! Your profile is ready")
    her.says("menu")
    her.says("see or edit my profile")
    her.expect("Your profile:", "Thiès, Senegal")
    her.says("2")  # correct something
    her.says("2")  # country and city
    her.expect("Which country and city do you live in?")
    assert "Nice to meet you" not in her.text
    her.says("canada")
    her.expect("Which province or territory?")
    her.says("quebec")
    her.expect("Do you have family ties with Bolivia or Senegal?")
    her.says("senegal")
    her.expect("Your profile:", "Quebec, Canada", "Family ties: Senegal")
    with db.session() as session:
        nadia = session.exec(select(Participant).where(Participant.name == "Nadia")).one()
        assert (nadia.country, nadia.region, nadia.timezone) == ("CA", "QC", "America/Toronto")
        assert nadia.diaspora_ties == ["SN"]


def test_she_edits_her_profile_later_from_the_menu(app, db):
    her = Person(app, "emily")
    for text in [
        "hi",
        "3",
        "1",
        "Emily",
        "canada",
        "british columbia",
        "Emily's Bakery 1",
        "3",
        "2",
        "2 / 1",
        "1",
        "3",
        "none",
    ]:
        her.says(text)
    her.expect("Thank you, Emily! Your profile is ready")
    her.says("menu")
    her.expect("See or edit my profile")
    her.says("see or edit my profile")
    her.expect("Your profile:", "Business: Emily's Bakery", "Is everything right?")
    her.says("2")  # correct something
    her.says("business name")
    her.expect("What is the name of your business or project?")
    her.says("Emily's Bakery & Café")
    her.expect("Your profile:", "Business: Emily's Bakery & Café")
    her.says("1")
    her.expect("Saved.")
    with db.session() as session:
        emily = session.exec(select(Participant).where(Participant.name == "Emily")).one()
        assert emily.business_name == "Emily's Bakery & Café"
        assert emily.timezone == "America/Vancouver"


@pytest.mark.parametrize(
    ("language", "script", "yes", "no"),
    [("es", SPANISH, "sí", "no"), ("es", SPANISH, "si", "NO"), ("fr", FRENCH, "oui", "non")]
    + [("en", ENGLISH, "ok", "no"), ("en", ENGLISH, "y", "n")],
)
def test_two_letter_yes_and_no(any_db, settings, clock, recorder, language, script, yes, no):
    """ "sí", "si", "ok", "no" answer a yes/no question as well as "1" or "2" do."""
    app = build(settings, channels=[recorder], clock=clock, db=any_db)
    her = Person(app, f"short-{language}-{yes}")
    her.says("hola")
    her.says(script.language_digit)
    her.expect(script.consent)
    her.says(yes)
    her.expect(script.ask_name)
    her.says(script.delete_word)
    her.expect(script.confirm_delete)
    her.says(no)
    her.expect(script.ask_name)  # not erased: back to the question she left
    her.says(script.delete_word)
    her.says(yes)
    her.expect(script.deleted)


@pytest.mark.parametrize(
    ("greeting", "digit", "elsewhere", "italy", "us_east", "ask_city"),
    [
        (
            "hola",
            "1",
            "otro país",
            "Italia",
            "estados unidos este",
            "¿En qué ciudad o pueblo vive?",
        ),
        ("bonjour", "2", "autre pays", "Italie", "etats-unis cote est", "Dans quelle ville"),
        ("hello", "3", "another country", "Italy", "united states east", "Which city or town"),
    ],
)
def test_a_woman_of_the_diaspora_finds_her_country_by_its_name(
    app, db, greeting, digit, elsewhere, italy, us_east, ask_city
):
    for name, country, zone in (
        ("Aminata", italy, "Europe/Paris"),
        ("Rosa", us_east, "America/New_York"),
    ):
        her = Person(app, name)
        for text in (greeting, digit, "1", name, elsewhere):
            her.says(text)
        her.says(country)
        her.expect(ask_city)
        with db.session() as session:
            woman = session.exec(select(Participant).where(Participant.name == name)).one()
            assert (woman.country, woman.timezone) == ("OTHER", zone)


@dataclass(frozen=True)
class Rights:
    my_data: str
    data_held: str
    asked: str  # the question she was on when she wrote STOP
    not_deleted: str


RIGHTS = {
    "es": Rights("MIS DATOS", "Esto es todo lo que", "¿En qué país", "No se borró"),
    "fr": Rights("MES DONNÉES", "C'est tout ce qu'Entrepairs garde", "Dans quel pays", "Rien n'a"),
    "en": Rights("MY DATA", "This is all Entrepairs keeps", "Which country", "Nothing was erased"),
}


@pytest.mark.parametrize(("language", "script"), [("es", SPANISH), ("fr", FRENCH), ("en", ENGLISH)])
def test_after_stop_she_can_still_see_and_erase_her_data(app, db, language, script):
    """STOP silences the bot, not her rights: "my data" and "delete my data" are answered
    (a reply to her own request), and nothing else is."""
    rights = RIGHTS[language]
    her = Person(app, f"hilda-{language}")
    for text in ("hola", script.language_digit, "1", "Hilda"):
        her.says(text)
    her.says(script.stop_word.upper())
    her.expect(script.stopped)
    her.says(rights.my_data)
    her.expect("Hilda", rights.data_held)
    assert rights.asked not in her.text  # her pending question stays unasked
    her.says("1")
    her.expect_nothing()

    her.says(script.delete_word.upper())
    her.expect(script.confirm_delete)
    her.says("2")  # no: nothing erased, and still silent
    her.expect(rights.not_deleted)
    assert rights.asked not in her.text
    her.says("1")
    her.expect_nothing()
    with db.session() as session:
        hilda = session.exec(select(Participant).where(Participant.name == "Hilda")).one()
        assert hilda.opted_out_at is not None and hilda.erased_at is None
        hilda_id = hilda.id

    her.says(script.delete_word.upper())
    her.expect(script.confirm_delete)
    her.says("1")
    her.expect(script.deleted)
    with db.session() as session:
        hilda = session.get(Participant, hilda_id)
        assert hilda is not None and hilda.erased_at is not None and hilda.name is None


def test_a_confirmation_left_pending_by_stop_erases_nothing(app, db):
    """She asked to erase, then wrote STOP instead of answering: a later "1" is not a yes."""
    her = Person(app, "ines")
    for text in ("hola", "1", "1", "Inés", "borrar mis datos"):
        her.says(text)
    her.expect(SPANISH.confirm_delete)
    her.says("ALTO")
    her.says("1")
    her.expect_nothing()
    with db.session() as session:
        ines = session.exec(select(Participant).where(Participant.name == "Inés")).one()
        assert ines.erased_at is None


# language: her intro, the "not a name" re-ask, "nice to meet you", an intro in capitals
NAMES = {
    "es": (
        "Me llamo Elena",
        "¿Cuál es su nombre? Escríbalo con letras",
        "¡Mucho gusto, {}!",
        "MI NOMBRE ES",
    ),
    "fr": (
        "Je m’appelle Elena",
        "Quel est votre prénom\u00a0? Écrivez-le en lettres",
        "Enchantée, {}\u00a0!",
        "MOI C'EST",
    ),
    "en": (
        "my name is Elena",
        "What is your first name? Please write it in letters",
        "Nice to meet you, {}!",
        "I'M",
    ),
}


@pytest.mark.parametrize(("language", "script"), [("es", SPANISH), ("fr", FRENCH), ("en", ENGLISH)])
def test_her_name_is_read_as_a_name(app, db, language, script):
    """ "?" or an emoji is no name; "me llamo" is not part of it; small letters get capitals."""
    intro, reask, nice, shouted = NAMES[language]
    her = Person(app, f"elena-{language}")
    for text in ("hola", script.language_digit, "1"):
        her.says(text)
    for nothing in ("?", "🙂", "..."):
        her.says(nothing)
        her.expect(reask)
        assert "{}" not in her.text and nice.format(nothing) not in her.text
    her.says(intro)
    her.expect(nice.format("Elena"))
    her.says("my data")  # what her peer would see
    her.expect("Elena,")
    assert intro not in her.text

    other = Person(app, f"carmen-{language}")
    for text in ("hola", script.language_digit, "1", f"{shouted} maría del carmen quispe 🙂"):
        other.says(text)
    other.expect(nice.format("María del Carmen Quispe"))
    with db.session() as session:
        names = set(session.exec(select(Participant.name)).all())
    assert {"Elena", "María del Carmen Quispe"} <= names


def test_a_long_introduction_does_not_count_against_her_name(app, db):
    her = Person(app, "marie")
    for text in ("bonjour", "2", "1", "Je m'appelle Marie-Claire ndiaye"):
        her.says(text)
    her.expect("Enchantée, Marie-Claire ndiaye\u00a0!")  # not all small: her spelling is kept
    her.says("retour")
    her.expect(FRENCH.ask_name)
    her.says("x" * 31)
    her.expect("30 caractères")


@pytest.mark.parametrize(
    ("greeting", "digit", "greeted", "help_word"),
    [
        ("hola", "1", "¡Mucho gusto, Ndeye!", "AYUDA"),
        ("bonjour", "2", "Enchantée, Ndeye\u00a0!", "AIDE"),
        ("hello", "3", "Nice to meet you, Ndeye!", "HELP"),
    ],
)
def test_she_is_greeted_once_not_each_time_the_question_comes_back(
    app, greeting, digit, greeted, help_word
):
    her = Person(app, "ndeye")
    for text in (greeting, digit, "1"):
        her.says(text)
    her.says("Ndeye")
    her.expect(greeted)
    her.says(help_word)
    assert greeted not in her.text
    her.says("🙂")
    assert greeted not in her.text


@pytest.mark.parametrize(
    ("answer", "consent"),
    [
        ("buenas tardes", SPANISH.consent),
        ("Bonjour, je suis Awa", FRENCH.consent),
        ("français", FRENCH.consent),
        ("francés", FRENCH.consent),
        ("Hello!", ENGLISH.consent),
        ("inglés", ENGLISH.consent),
        ("anglais", ENGLISH.consent),
        ("castellano", SPANISH.consent),
        # Greetings as typed on a phone, in Dakar ("bjr", "slt", "bsr"), La Paz ("buen día") or
        # Canada ("hii").
        ("bjr", FRENCH.consent),
        ("Slt", FRENCH.consent),
        ("bsr madame", FRENCH.consent),
        ("Buen día", SPANISH.consent),
        ("wenas", SPANISH.consent),
        ("hii", ENGLISH.consent),
        # Greetings a woman in Senegal writes in Wolof or Arabic: French, her language of writing.
        ("Salam", FRENCH.consent),
        ("Asalamalekum", FRENCH.consent),
        ("nanga def", FRENCH.consent),
        # A phone's hello: "Allô" in Québec and Dakar, "¿Aló?" in La Paz.
        ("Allô", FRENCH.consent),
        ("aló", SPANISH.consent),
        # A number with it is not overruled by the greeting: asked again, never guessed.
        ("hola, 2", FRENCH.invalid),
        ("Hello, 1", SPANISH.invalid),
    ],
)
def test_a_greeting_or_a_language_named_answers_which_language(
    db, settings, clock, recorder, answer, consent
):  # type: ignore[no-untyped-def]
    """Asked in three languages, she answers in her own words: "bonjour" is French."""
    app = build(settings, channels=[recorder], clock=clock, db=db)
    her = Person(app, "newcomer")
    her.says("hola")
    her.expect("Bienvenida a Entrepairs", "Bienvenue sur Entrepairs", "Welcome to Entrepairs")
    her.says(answer)
    her.expect(consent)
