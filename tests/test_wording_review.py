"""A native reader's review, automated: every French and Spanish message, rendered, is checked
for forms a woman in La Paz or Dakar would stumble on.

- Spanish "pareja" is a romantic couple: the mentoring pair is an "intercambio", the other woman
  a "compañera".
- Names of languages take a small letter inside a sentence ("hablan español").
- No English word is left in a French or Spanish message.
- A few corrected phrasings never come back ("es demasiado lejos", "se conocieron" before they
  met, "Vous parlez toutes les deux :", skills without their article in French).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from flows import vocabulary as vocab
from flows.matching import MatchProfile, Rules, score_pair
from flows.render import Reader, render_msg
from locales import LOCALES_DIR

PLACEHOLDER = re.compile(r"\{\w+\}")
# Names of languages as a Spanish or French sentence would capitalise them by mistake.
LANGUAGE_NAMES = r"(Español|Francés|Inglés|Portugués|Espagnol|Français|Anglais|Portugais)"
MID_SENTENCE_LANGUAGE = re.compile(r"(?<=[a-záéíóúñçèêàù,] )" + LANGUAGE_NAMES + r"\b")
ENGLISH = re.compile(
    r"\b(the|you|your|please|peer|pair|match|with|and|yes|thank|thanks|sorry|reply|"
    r"write|welcome|profile|language)\b",
    re.IGNORECASE,
)
# Operator and chat commands quoted inside a message are not words she reads.
COMMANDS = re.compile(r"entrepairs \w+|/\w+")
BANNED = {
    "es": [
        re.compile(r"\bparejas?\b", re.IGNORECASE),
        re.compile(r"es demasiado lejos"),
        re.compile(r"se conocieron"),
    ],
    "fr": [
        re.compile(r"toutes les deux\s:"),
        re.compile(r"aider \{?\w+\}? en "),
        re.compile(r"liens familiaux avec ce pays"),
        re.compile(r"\bPlus de conseils après"),
    ],
}


def _messages(language: str) -> list[str]:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as handle:
        catalog = read_po(handle)
    found: list[str] = []
    for entry in catalog:
        # Keyword lists keep the English word on purpose, so that "STOP" works everywhere.
        if entry.id and not any("separated by commas" in c for c in entry.auto_comments):
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            found.extend(COMMANDS.sub("", PLACEHOLDER.sub("X", s)) for s in strings)
    return found


@pytest.mark.parametrize("language", ["es", "fr"])
def test_no_banned_form_in_any_message(language: str) -> None:
    problems = [
        text
        for text in _messages(language)
        if any(pattern.search(text) for pattern in BANNED[language])
    ]
    assert not problems, problems[:5]


@pytest.mark.parametrize("language", ["es", "fr"])
def test_no_english_word_and_no_capitalised_language_mid_sentence(language: str) -> None:
    english = [text for text in _messages(language) if ENGLISH.search(text)]
    capitals = [text for text in _messages(language) if MID_SENTENCE_LANGUAGE.search(text)]
    assert not english, english[:5]
    assert not capitals, capitals[:5]


def _woman(id_: int, name: str, country: str, zone: str, **extra: object) -> MatchProfile:
    values: dict[str, object] = dict(
        id=id_, first_name=name, country=country, timezone=zone, sector="crafts",
        stage="growing", size="small", offers={"export"}, wants={"sales"},
        languages={"fr", "es"}, availability={"wd_afternoon"},
    )  # fmt: skip
    values.update(extra)
    return MatchProfile(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "de la famille au Sénégal",
                "pour le marketing numérique",
                "Vous parlez toutes les deux espagnol et français",
                "secteur\u00a0: artisanat",
            ],
        ),
        (
            "es",
            [
                "tiene familia en Senegal",
                "con marketing digital",
                "Las dos hablan español y francés",
                "rubro: artesanía",
            ],
        ),
    ],
)
def test_rendered_reasons_read_natively(language: str, expected: list[str]) -> None:
    julie = _woman(1, "Julie", "CA", "America/Toronto", diaspora_ties={"SN"},
                   offers={"digital_marketing"}, wants={"sales"})  # fmt: skip
    awa = _woman(2, "Awa", "SN", "Africa/Dakar", offers={"sales"}, wants={"digital_marketing"},
                 availability={"wd_afternoon", "wd_evening"}, stage="early",
                 size="solo")  # fmt: skip
    pair = score_pair(julie, awa, Rules(), datetime(2025, 1, 15, 12, tzinfo=UTC))
    assert pair is not None
    text = " ".join(render_msg(m, Reader(language)) for m in pair.reasons(for_reader=1, limit=5))
    for fragment in expected:
        assert fragment in text, text
    assert not MID_SENTENCE_LANGUAGE.search(text), text


def test_the_spanish_summary_has_no_family_line_and_small_letters() -> None:
    from flows.profile import summary
    from storage.models import Participant

    carmen = Participant(
        name="Carmen", locale="es", country="BO", region="El Alto", business_name="Tejidos",
        sector="crafts", stage="growing", size="small", skills_offered=["sales"],
        skills_wanted=["export"], mentor_languages=["es", "qu"], availability=["sat"],
    )  # fmt: skip
    text = render_msg(summary(carmen), Reader("es", "BO"))
    assert "Lazos familiares" not in text and "ninguno" not in text
    assert "Idiomas: español y quechua" in text
    assert "(artesanía, textiles, moda, en crecimiento, de 2 a 5 personas)" in text
    assert vocab.SKILLS["sales"]


def test_no_french_de_or_que_before_a_name() -> None:
    """ "de Awa", "que Aminata": French elides before a vowel, and many names here start with
    one, so a woman's name never follows "de" or "que" in a French message."""
    path = LOCALES_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as handle:
        catalog = read_po(handle)
    before_name = re.compile(r"\b(?:de|que) \{(?:name|peer|other|a|b|first_name|who)\}", re.I)
    found = [
        text
        for entry in catalog
        if entry.id
        for text in (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        if before_name.search(text)
    ]
    assert not found, found[:5]


@pytest.mark.parametrize("language", ["es", "fr"])
def test_a_moment_never_opens_a_sentence(language: str) -> None:
    """Spanish and French write weekdays with a small letter ("lunes 2 de marzo, 09:00"), so a
    message starting with one would start with a small letter: "El lunes 2 de marzo… ya pasó"."""
    from flows.messages import Msg, when

    past = Msg("{when} has already passed. Please choose a time in the future.",
               {"when": when(datetime(2026, 3, 2, 13, tzinfo=UTC))})  # fmt: skip
    text = render_msg(past, Reader(language, "BO" if language == "es" else "SN"))
    assert text[0].isupper(), text
    moment_first = re.compile(r"(?:^|[.!?]\s)\{(?:when|old|deadline|date)\}")
    assert not [text for text in _messages_raw(language) if moment_first.search(text)]


def _messages_raw(language: str) -> list[str]:
    """Every translation of the language's catalog, placeholders kept."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    return [
        text
        for entry in catalog
        if entry.id
        for text in (entry.string if isinstance(entry.string, tuple) else (entry.string,))
    ]
