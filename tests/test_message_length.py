"""Every bot message fits a phone screen: none over 700 characters.

Checked two ways: every catalog entry in every language with realistic (long-side) values in its
placeholders, and every question the flows ask, rendered with its numbered options for a woman
whose profile uses the longest answers the bot accepts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from flows import registry
from flows import vocabulary as vocab
from flows.config import FlowConfig
from flows.i18n import LANGUAGES
from flows.profile import data_held, summary
from flows.render import Reader, render, render_msg
from flows.steps import Context
from locales import LOCALES_DIR
from storage.models import Participant

LIMIT = 700
PLACEHOLDER = re.compile(r"\{(\w+)\}")

# Realistic values, on the long side, for placeholders whose size matters.
LONG_NAME = "María Fernanda Quispe Mamani"
REALISTIC = {
    "name": LONG_NAME,
    "a": LONG_NAME,
    "b": "Aminata Ndiaye Diop Sow",
    "peer": "Aminata Ndiaye Diop Sow",
    "business": "Tejidos Andinos de la Cooperativa de Mujeres de El Alto",
    "date": "jeudi 15 octobre 2026, 15 h 00",
    "when": "jeudi 15 octobre 2026, 15 h 00",
    "skills": "Export and international markets, Communication and public speaking",
    "skills_back": "AI and digital tools, Networking and partners",
    "n": "1000",
    "count": "1000",
}


def woman() -> Participant:
    """A profile with the longest answers onboarding accepts and every list filled up."""
    return Participant(
        id=1,
        name="M" * 30,
        locale="fr",
        country="OTHER",
        region="S" * 30,
        timezone="Africa/Abidjan",
        business_name="B" * 50,
        sector="tourism",
        stage="early",
        size="large",
        skills_offered=["export", "communication", "digital_tools"],
        skills_wanted=["networking", "sustainability", "digital_marketing"],
        mentor_languages=list(vocab.SPOKEN_LANGUAGES),
        availability=list(vocab.AVAILABILITY),
        diaspora_ties=["BO", "SN"],
        share_contact=True,
        consent_at=datetime(2026, 3, 2, tzinfo=UTC),
        created_at=datetime(2026, 3, 2, tzinfo=UTC),
    )


def _catalog_entries(language: str):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        for entry in read_po(handle):
            if entry.id:
                strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                yield entry.id, strings


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_entry_fits_a_screen(language: str) -> None:
    too_long = []
    for msgid, strings in _catalog_entries(language):
        for string in strings:
            filled = PLACEHOLDER.sub(lambda m: REALISTIC.get(m.group(1), "x" * 40), string)
            # The profile is checked in full below; here it stands for a placeholder.
            if len(filled) > LIMIT:
                too_long.append((len(filled), msgid))
    assert not too_long, too_long


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_fits_a_screen(language: str, db) -> None:
    participant = woman()
    participant.locale = language
    reader = Reader(language, participant.country, participant.timezone)
    with db.session() as session:
        for flow, steps in registry.flows().items():
            for name, step in steps.items():
                ctx = Context(
                    session=session,
                    participant=participant,
                    address=None,
                    data={"return_to": ["onboarding", "name"]},
                    now=datetime(2026, 3, 2, tzinfo=UTC),
                    config=FlowConfig(),
                    flow=flow,
                    step=name,
                )
                for reply in step.ask(ctx):
                    text = render(reply, reader).as_numbered_text(language)
                    assert len(text) <= LIMIT, (flow, name, len(text), text)
        session.rollback()


@pytest.mark.parametrize("language", LANGUAGES)
def test_profile_summary_and_my_data_fit_a_screen(language: str) -> None:
    reader = Reader(language, "OTHER", "Africa/Abidjan")
    assert len(render_msg(summary(woman()), reader)) <= LIMIT
    for msg in data_held(woman()):
        assert len(render_msg(msg, reader)) <= LIMIT
