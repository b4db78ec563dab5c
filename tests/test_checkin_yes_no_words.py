"""At "did it take place?", a yes or a no said in a few words is understood as the yes or the no.

"sí se hizo", "oui elle a eu lieu", "yes it did", "no, no pudimos", "non, pas encore": a real
check-in after a weekly session, in Spanish, French and English.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from flows import registry
from flows.choices import choose_one
from storage.checkins import CheckIn
from tests.test_checkin_before_next import _weekly_session
from tests.test_sessions_conversations import run_until

USEFUL = {
    "es": "¿Qué tan útil fue",
    "fr": "À quel point cette séance vous a-t-elle été utile",
    "en": "How useful",
}
WHY_NOT = {"es": "¿Qué pasó?", "fr": "Que s'est-il passé\u00a0?", "en": "What happened?"}


@pytest.mark.parametrize(
    ("language", "said", "next_question"),
    [
        ("es", "sí se hizo", USEFUL),
        ("es", "Sí, se hizo", USEFUL),
        ("es", "no, no pudimos", WHY_NOT),
        ("fr", "oui elle a eu lieu", USEFUL),
        ("fr", "Oui, c'est fait", USEFUL),
        ("fr", "non, pas encore", WHY_NOT),
        ("en", "yes it did", USEFUL),
        ("en", "No, it didn't", WHY_NOT),
        # How it went, said with the yes; a regret with the no.
        ("es", "sí, muy bien", USEFUL),
        ("es", "no, lamentablemente", WHY_NOT),
        ("fr", "oui c'était super", USEFUL),
        ("fr", "non malheureusement", WHY_NOT),
        ("en", "yes it was great", USEFUL),
        ("en", "no unfortunately", WHY_NOT),
    ],
)
def test_a_yes_or_no_in_a_few_words_answers_did_it_happen(
    app, clock, language, said, next_question
):
    she, _peer, start, words = _weekly_session(app, clock, language)
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    assert words["happened"] in she.inbox()
    she.says(said)
    she.expect(next_question[language])


@pytest.mark.parametrize(
    "said", ["no sé", "je ne sais pas", "si pero tarde", "pas encore", "not yet", "muy bien"]
)
def test_other_sentences_are_no_yes_or_no(said):
    """Unrelated words, and a tail without its yes or no, name no option: asked again."""
    registry.flows()
    options = registry.step("checkin", "happened").offered(None)  # type: ignore[arg-type]
    assert choose_one(said, options) is None


LEARNED = {"es": "¿Una cosa que aprendió de", "fr": "Qu'avez-vous appris avec", "en": "One thing"}


@pytest.mark.parametrize(
    ("language", "rating", "kept"),
    [
        ("es", "4/5", 4),
        ("es", "5 estrellas", 5),
        ("fr", "4 sur 5", 4),
        ("fr", "⭐⭐⭐", 3),
        ("en", "4 out of 5", 4),
        ("en", "★★★★★", 5),
    ],
)
def test_a_rating_written_as_people_do_answers_how_useful(app, clock, language, rating, kept):
    """ "4/5", "4 sur 5", "⭐⭐⭐": how useful the session was, not "I did not understand"."""
    she, _peer, start, words = _weekly_session(app, clock, language)
    run_until(app, clock, start + timedelta(hours=2), step=timedelta(minutes=15))
    she.inbox()
    she.says({"es": "sí", "fr": "oui", "en": "yes"}[language])
    she.expect(USEFUL[language])
    she.says(rating)
    she.expect(LEARNED[language])
    with app.db.session() as session:
        rated = select(CheckIn).where(CheckIn.usefulness.is_not(None))  # type: ignore[union-attr]
        assert session.exec(rated).one().usefulness == kept


@pytest.mark.parametrize("said", ["4/10", "6/5", "4 5", "⭐⭐⭐⭐⭐⭐"])
def test_a_rating_out_of_another_scale_names_no_option(said):
    registry.flows()
    options = registry.step("checkin", "useful").offered(None)  # type: ignore[arg-type]
    assert choose_one(said, options) is None
