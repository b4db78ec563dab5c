"""Her reason for asking a new match, in her own words, is kept whole however long she writes
it (as a check-in answer or a problem report): not refused past 300 characters. The
coordinators' chat alert stays one short message: its beginning, and where the rest is."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.checkins import ProblemReport
from tests.support.dialog import Person
from tests.test_alert_routing import NEW_MATCH
from tests.test_checkins import (
    BY_LANGUAGE,
    COORDINATOR,
    deliver,
    inbox,
    programme_app,
    setup_pair,
)


@pytest.fixture
def app(tmp_path, db, clock, recorder):
    return programme_app(tmp_path, db, clock, recorder)


REASON = {
    "es": "Mi compañera cancela cada vez a último momento y no me responde en WhatsApp. ",
    "fr": "Ma partenaire annule chaque fois au dernier moment et ne répond pas sur WhatsApp. ",
    "en": "My peer cancels every time at the last minute and does not answer on WhatsApp. ",
}
REFUSED = {"es": "más corto", "fr": "plus court", "en": "shorter"}
# The coordinator reads French (tests.test_checkins.add_coordinator).
LONG_ALERT = "Le début de sa raison (le message entier est dans la console, page Protection)"


@pytest.mark.parametrize("language", list(NEW_MATCH))
def test_a_long_reason_for_a_new_match_is_kept_whole(app, language):
    entry, passed = NEW_MATCH[language]
    setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says("menu")
    her.says(entry)
    her.says("1")
    reason = (REASON[language] * 9).strip()
    assert 600 < len(reason) < 800
    her.says(reason)
    her.expect(passed)
    assert REFUSED[language] not in her.text
    with app.db.session() as session:
        assert session.exec(select(ProblemReport)).one().text == reason
    deliver(app)
    (alert,) = inbox(Person(app, COORDINATOR))
    assert len(alert) <= 700 and LONG_ALERT in alert
    assert reason[:300] in alert and alert.endswith("…")


def test_a_short_reason_is_in_the_alert_whole(app):
    setup_pair(app, "es")
    her = Person(app, BY_LANGUAGE["es"].address)
    for text in ("menu", NEW_MATCH["es"][0], "1", "Nuestros horarios no coinciden nunca"):
        her.says(text)
    deliver(app)
    (alert,) = inbox(Person(app, COORDINATOR))
    assert alert.endswith("Sa raison\u00a0: Nuestros horarios no coinciden nunca")
