"""At "did it take place?", a yes or a no said in a few words is understood as the yes or the no.

"sí se hizo", "oui elle a eu lieu", "yes it did", "no, no pudimos", "non, pas encore": a real
check-in after a weekly session, in Spanish, French and English.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows import registry
from flows.choices import choose_one
from tests.test_checkin_before_next import _weekly_session
from tests.test_sessions_conversations import run_until

USEFUL = {
    "es": "¿Qué tan útil fue",
    "fr": "Cette séance vous a-t-elle été utile",
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
