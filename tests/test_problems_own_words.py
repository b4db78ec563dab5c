"""A problem report in her own words, as she wrote it: her paragraphs are kept for the console,
and a report longer than the bot keeps is not refused ("keep it shorter": typed again on a
small phone about something painful) but kept from its beginning, and she is told."""

from __future__ import annotations

import pytest
from sqlmodel import select

from flows.steps import LONGEST_OWN_WORDS
from storage.checkins import ProblemReport
from tests.support.dialog import Person
from tests.test_checkin_long_answers import KEPT, REFUSED
from tests.test_checkins import BY_LANGUAGE, programme_app, setup_pair
from tests.test_problems import LONG_REPORT, SCRIPTS


@pytest.fixture
def app(tmp_path, db, clock, recorder):
    return programme_app(tmp_path, db, clock, recorder)


PARAGRAPHS = {
    "es": "Mi compañera me pidió dinero.\nDos veces.\n\nNo sé qué hacer.",
    "fr": "Ma partenaire m'a demandé de l'argent.\nDeux fois.\n\nJe ne sais pas quoi faire.",
    "en": "My peer asked me for money.\nTwice.\n\nI do not know what to do.",
}


def _report(app) -> str:
    with app.db.session() as session:
        return session.exec(select(ProblemReport)).one().text or ""


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_her_paragraphs_are_kept(app, language):
    setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says(SCRIPTS[language].word)
    her.says(PARAGRAPHS[language].replace("\n\n", "\n\n\n"))
    her.expect(SCRIPTS[language].ack)
    assert _report(app) == PARAGRAPHS[language]


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_report_past_the_longest_keeps_its_beginning(app, language):
    setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says(SCRIPTS[language].word)
    words = (LONG_REPORT[language] * 2).strip()
    assert len(words) > LONGEST_OWN_WORDS
    her.says(words)
    her.expect(KEPT[language], SCRIPTS[language].ack)
    assert REFUSED[language] not in her.text
    kept = _report(app)
    assert words.startswith(kept) and LONGEST_OWN_WORDS - 200 < len(kept) <= LONGEST_OWN_WORDS
