"""Her own words at a check-in are kept whole: a long, heartfelt answer written on her phone is
not refused as too long. Past the longest the bot keeps (more than a WhatsApp or SMS message can
hold), it keeps the beginning, says so kindly, and goes on: nothing she wrote is thrown away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from flows.steps import LONGEST_OWN_WORDS
from storage.checkins import CheckIn, open_checkin
from storage.models import Participant
from tests.test_checkins import SCRIPTS, start_checkin, the_checkin

LEARNED = {
    "es": "Aprendí que puedo poner un precio justo a mis tejidos sin miedo, y que mi trabajo "
    "vale. Emily me escuchó con paciencia y me dio confianza para hablar con las tiendas. ",
    "fr": "J'ai appris que je peux fixer un prix juste pour mes tissus sans avoir peur, et que "
    "mon travail a de la valeur. Carmen m'a écoutée et m'a donné confiance. ",
    "en": "I learned that I can put a fair price on my work without fear, and that what I make "
    "is worth it. Aminata listened to me patiently and gave me the confidence to ask. ",
}
SHARED = {
    "es": "Le conté cómo organizo mis ventas por WhatsApp con mis clientas de El Alto. ",
    "fr": "Je lui ai raconté comment je vends sur WhatsApp à mes clientes de Dakar. ",
    "en": "I told her how I sell on WhatsApp to my customers in my neighbourhood. ",
}
# What she reads when her answer is longer than the bot keeps.
KEPT = {
    "es": "¡Gracias por escribir tanto! Guardé los primeros 2000 caracteres de su mensaje.",
    "fr": "Merci d'avoir écrit autant\u00a0! J'ai gardé les 2000 premiers caractères de votre "
    "message.",
    "en": "Thank you for writing so much! I kept the first 2000 characters of your message.",
}
REFUSED = {"es": "más corto", "fr": "plus court", "en": "shorter"}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_long_checkin_answer_is_kept_whole(app, language):
    """Six hundred characters (and more) of what she learned and shared: both kept as written."""
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("1")
    her.says("4")
    her.expect(s.learned)
    learned = (LEARNED[language] * 4).strip()
    shared = (SHARED[language] * 6).strip()
    assert len(learned) > 600 and len(shared) > 400
    her.says(learned)
    her.expect(s.shared)
    assert REFUSED[language] not in her.text
    her.says(shared)
    her.expect(s.thanks)
    row = the_checkin(app, programme.her)
    assert row.learned == learned and row.shared == shared
    assert row.completed_at is not None


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_an_answer_past_the_longest_keeps_its_beginning_and_says_so(app, language):
    """Longer than the bot keeps: its beginning is kept, cut between words, she is thanked and
    told, and the check-in goes on (she is not asked to type it all again shorter)."""
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("1")
    her.says("5")
    learned = (LEARNED[language] * 20).strip()
    assert len(learned) > LONGEST_OWN_WORDS
    her.says(learned)
    her.expect(KEPT[language], s.shared)
    assert REFUSED[language] not in her.text
    her.says("0")
    her.expect(s.thanks)
    kept = the_checkin(app, programme.her).learned or ""
    assert LONGEST_OWN_WORDS - 200 < len(kept) <= LONGEST_OWN_WORDS
    assert learned.startswith(kept) and learned[len(kept)] == " "


def test_the_database_holds_the_longest_answer(any_db):
    """On PostgreSQL too (where a column's width is enforced): both answers, at the longest the
    bot keeps, are stored and read back whole."""
    now = datetime(2026, 3, 2, tzinfo=UTC)
    longest = ("Aprendí a confiar en mi trabajo. " * 70)[:LONGEST_OWN_WORDS]
    with any_db.session() as session:
        her = Participant(name="Carmen", locale="es", created_at=now)
        session.add(her)
        session.flush()
        checkin = open_checkin(
            session, participant_id=her.id or 0, pair_id=None, meeting_id=7, nudge_id=None, now=now
        )
        assert checkin is not None
        checkin.learned = checkin.shared = longest
        session.add(checkin)
    with any_db.session() as session:
        row = session.exec(select(CheckIn)).one()
        assert row.learned == longest and row.shared == longest


PARAGRAPHS = {
    "es": "Aprendí a poner precios.\n\nY también a decir que no, sin miedo.",
    "fr": "J'ai appris à fixer mes prix.\n\nEt aussi à dire non, sans peur.",
    "en": "I learned to set my prices.\n\nAnd also to say no, without fear.",
}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_her_paragraphs_are_kept(app, language):
    """Written in two paragraphs, her answer keeps them (runs of spaces and blank lines are
    tidied, not her line breaks)."""
    s = SCRIPTS[language]
    programme, her, _peer = start_checkin(app, language)
    her.says("1")
    her.says("4")
    first, second = PARAGRAPHS[language].split("\n\n")
    her.says(f"  {first}  \n\n\n\n{second}\t \n")
    her.expect(s.shared)
    assert the_checkin(app, programme.her).learned == PARAGRAPHS[language]
