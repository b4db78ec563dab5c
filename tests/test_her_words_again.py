"""Her words, second pass: what women in La Paz, Dakar and Montréal type at the check-in, the
survey and the yes/no questions, read as they mean it rather than "I did not understand" or
"just one, please": "más tarde" to "propose a new time now?", "mucho" or "beaucoup" on the
survey's scale, "no, la movimos" and "pas eu lieu" at "did it take place?", and Québec's
"ouin", "pantoute" and "correct".
"""

from __future__ import annotations

import pytest

from flows import checkin, pulse, registry
from flows.choices import choose_one, is_thanks
from flows.messages import Option
from storage.checkins import Happened
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    SCRIPTS,
    deliver,
    fire_due,
    start_checkin,
    the_checkin,
)
from tests.test_survey import activate as activate_survey
from tests.test_survey import values_of

registry.flows()
HAPPENED = (
    Option(Happened.YES, checkin.YES_HAPPENED),
    Option(Happened.NO, checkin.NO_HAPPENED),
    Option(Happened.MOVED, checkin.MOVED),
)
YES_NO = (Option("yes", pulse.CONTACT_YES), Option("no", pulse.CONTACT_NO))
NOT_UNDERSTOOD = {"es": "no entendí", "fr": "je n'ai pas compris", "en": "I did not understand"}
ONLY_ONE = {"es": "Solo una", "fr": "Une seule", "en": "Just one"}


# 1. "Later" to "propose a new time now?" -----------------------------------------------------

LATER = {"es": "más tarde", "fr": "Plus tard svp", "en": "later"}
HOW_LATER = {"es": "escriba MENÚ", "fr": "écrivez MENU", "en": "write MENU"}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_later_is_not_now_and_says_how_to_propose_one(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("3")  # it was moved
    her.expect(s.reschedule)
    her.says(LATER[language])
    her.expect(s.noted)
    her.expect(HOW_LATER[language])
    assert NOT_UNDERSTOOD[language] not in her.text
    assert the_checkin(app, programme.her).wants_reschedule is False


# 2. How much, in words, on the survey's scale ------------------------------------------------

AMOUNTS = {
    "es": (("mucho", 4), ("poco", 2), ("más o menos", 3), ("bastante", 4)),
    "fr": (("beaucoup", 4), ("un peu", 2), ("plus ou moins", 3), ("pantoute", 1)),
    "en": (("a lot", 4), ("a bit", 2), ("more or less", 3), ("completely", 5)),
}


@pytest.mark.parametrize("language", list(AMOUNTS))
def test_the_survey_answered_in_words_of_how_much(app, clock, language):
    programme = activate_survey(app, language)
    clock.advance(minutes=30)
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE[language].address)
    for word, _value in AMOUNTS[language]:
        her.says(word)
        assert NOT_UNDERSTOOD[language] not in her.text
    answered = values_of(app, programme.her)
    assert sorted(answered.values()) == sorted(value for _word, value in AMOUNTS[language])


# 3 and 4. "Did it take place?" in her words ---------------------------------------------------

NO_BUT_MOVED = {"es": "no, la movimos", "fr": "non, reporté", "en": "nope, moved"}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_no_but_moved_is_moved_not_two_answers(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says(NO_BUT_MOVED[language])
    assert ONLY_ONE[language] not in her.text
    her.expect(s.reschedule)
    assert the_checkin(app, programme.her).happened == Happened.MOVED


@pytest.mark.parametrize(
    "text",
    ["no, la movimos", "No, se postergó", "no, cambiamos la fecha", "non, on l'a reportée",
     "non, reporté", "non, on a changé la date", "no, we moved it", "nope, moved",
     "no, it got moved", "no, we changed the date"],
)  # fmt: skip
def test_no_and_a_move_is_a_move(text):
    from flows.steps import several_named

    named = choose_one(text, HAPPENED) or set(several_named(text, HAPPENED))
    assert named in (Happened.MOVED, {Happened.NO, Happened.MOVED})


DID_NOT_HAPPEN = {"es": "no se hizo", "fr": "pas eu lieu", "en": "didn't happen"}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_did_not_happen_said_without_a_no_first(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says(DID_NOT_HAPPEN[language])
    her.expect(s.why_not)
    assert the_checkin(app, programme.her).happened == Happened.NO


@pytest.mark.parametrize(
    ("text", "key"),
    [("no se hizo", "no"), ("no se realizó", "no"), ("no nos vimos", "no"), ("no hubo", "no"),
     ("pas eu lieu", "no"), ("elle n'a pas eu lieu", "no"), ("on s'est pas vues", "no"),
     ("didn't happen", "no"), ("it did not take place", "no"), ("we didn't meet", "no"),
     ("se hizo", "yes"), ("a eu lieu", "yes"), ("it happened", "yes"), ("nos vimos", "yes"),
     ("sí, se hizo", "yes"), ("no, no se hizo", "no")],
)  # fmt: skip
def test_it_did_or_did_not_take_place_in_her_words(text, key):
    """ "Pas eu lieu" is no, and "a eu lieu", a near miss of it, is still yes."""
    assert choose_one(text, HAPPENED) == key


# 5. Québec -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [("ouin", "yes"), ("Ouin!", "yes"), ("correct", "yes"), ("c'est correct", "yes"),
     ("mets-en", "yes"), ("pantoute", "no"), ("Non pantoute", "no"), ("pas pantoute", "no")],
)  # fmt: skip
def test_yes_and_no_as_said_in_quebec(text, key):
    assert choose_one(text, YES_NO) == key


def test_correct_only_acknowledges():
    assert is_thanks("correct merci")
    assert is_thanks("C'est correct")


def test_a_checkin_answered_as_in_quebec(app):
    s = SCRIPTS["fr"]
    programme, her, _peer = start_checkin(app, "fr")
    her.says("ouin")
    her.expect(s.useful)
    assert the_checkin(app, programme.her).happened == Happened.YES


# 9. A number out of range under a tip -----------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_a_number_out_of_range_under_a_tip_is_asked_again(tmp_path, db, clock, recorder, language):
    """ "5" under a tip's three options was meant as one of them: "I did not understand", with
    the options, not the whole menu."""
    from tests.test_checkins import option_number, programme_app, setup_pair

    app = programme_app(tmp_path, db, clock, recorder)
    setup_pair(app, language, wants=["leadership"])
    her = Person(app, BY_LANGUAGE[language].address)
    her.says("menu")
    her.says(option_number(her.text, {"es": "consejo", "fr": "conseil", "en": "tip"}[language]))
    assert "💡" in her.text
    her.says("5")
    her.expect(NOT_UNDERSTOOD[language])
    assert {"es": "¿Qué desea hacer?", "fr": "Que souhaitez-vous faire", "en": "What would you"}[
        language
    ] not in her.text
    her.says("1")  # another tip: the options still stand
    assert "💡" in her.text


@pytest.mark.parametrize(
    ("text", "value"),
    [("mucho", "4"), ("Beaucoup !", "4"), ("a lot, thanks", "4"), ("poco gracias", "2"),
     ("merci beaucoup", None), ("thanks a lot", None), ("muchas gracias", None)],
)  # fmt: skip
def test_a_thanks_is_no_amount(text, value):
    """ "Merci beaucoup" and "thanks a lot" thank her; they rate nothing."""
    from flows.choices import amount_named

    assert amount_named(text) == value


# More of the same: as typed in La Paz, Dakar and Montréal ----------------------------------------

REASONS = tuple(Option(key, label) for key, label in checkin.REASONS.items())


@pytest.mark.parametrize(
    ("text", "key"),
    [("no vino", "peer_absent"), ("elle n'est pas venue", "peer_absent"),
     ("she didn't come", "peer_absent"), ("no pude", "me_absent"), ("se me olvidó", "me_absent"),
     ("j'étais malade", "me_absent"), ("I forgot", "me_absent"), ("sin señal", "tech"),
     ("no había internet", "tech"), ("pas de réseau", "tech"), ("no signal", "tech")],
)  # fmt: skip
def test_why_it_did_not_take_place_in_her_words(text, key):
    assert choose_one(text, REASONS) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [("todavía no", "no"), ("aún no", "no"), ("se canceló", "no"),
     ("annulée", "no"), ("elle a été annulée", "no"), ("cancelled", "no")],
)  # fmt: skip
def test_not_yet_or_cancelled_did_not_take_place(text, key):
    """ "Annulée" is no, never "moved" (which "elle a été reportée" is, one word away)."""
    assert choose_one(text, HAPPENED) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [("sip", "yes"), ("sí pues", "yes"), ("ya pues", "yes"), ("obvio", "yes"), ("wi", "yes"),
     ("wiii", "yes"), ("oui madame", "yes"), ("ok dac", "yes"), ("yes ma'am", "yes"),
     ("noup", "no"), ("no pues", "no"), ("nan", "no"), ("naa", "no")],
)  # fmt: skip
def test_yes_and_no_as_typed_in_la_paz_dakar_and_montreal(text, key):
    assert choose_one(text, YES_NO) == key


PEER_ABSENT = {"es": "no vino", "fr": "elle n'est pas venue", "en": "she didn't come"}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_why_not_answered_in_her_words(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("2")  # it did not take place
    her.expect(s.why_not)
    her.says(PEER_ABSENT[language])
    her.expect(s.reschedule)
    assert the_checkin(app, programme.her).why_not == "peer_absent"


RIGHT_NOW = {
    "es": ("ahorita", "¿Cuándo le gustaría reunirse con Emily?"),
    "fr": ("tout de suite", "Quand aimeriez-vous rencontrer Carmen"),
    "en": ("right now", "When would you like to meet Aminata?"),
}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_right_now_plans_a_new_time(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("3")  # it was moved
    her.expect(s.reschedule)
    now, planned = RIGHT_NOW[language]
    her.says(now)
    her.expect(planned)
    assert the_checkin(app, programme.her).wants_reschedule is True


HOW_MUCH = {"es": "mucho", "fr": "beaucoup", "en": "a lot"}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_how_useful_answered_in_a_word_of_how_much(app, language):
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("1")  # it took place
    her.expect(s.useful)
    her.says(HOW_MUCH[language])
    her.expect(s.learned)
    assert the_checkin(app, programme.her).usefulness == 4
