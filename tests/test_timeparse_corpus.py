"""The session-time parser on 300+ realistic expressions in Spanish, French and English.

The corpus (tests/data/session_times.json) gives each expression the local time it must be read
as, or null when it must be refused (ambiguous, incomplete, impossible). A wrong reading is
worse than a refusal: none is allowed. Random texts never crash the parser and never give a time
made of numbers she did not type.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.timeparse import NUMBER_WORDS, parse_time, parse_times, to_wall
from tests.support.timecorpus import evaluate, load

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
ZONE = "America/La_Paz"


def test_corpus_is_large_and_covers_the_three_languages():
    cases = load()["cases"]
    assert sum(len(rows) for rows in cases.values()) >= 150
    assert all(len(cases[language]) >= 50 for language in ("es", "fr", "en"))


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_no_wrong_reading_and_most_understood(language):
    score = evaluate()[language]
    print(
        f"{language}: {score.understood}/{score.to_read} understood ({score.rate:.1%}), "
        f"{score.refused_rightly} refused rightly, {len(score.wrong)} wrong"
    )
    assert score.wrong == []
    assert score.rate >= 0.85, score.missed


def test_the_days_she_types_are_never_dropped():
    # 1 December 2026 is a Tuesday: the 12th is a Saturday, the 10th a Thursday.
    for text in ("jueves 12 a las 17h", "jeudi 12 à 15h", "Thursday 12th at 5pm"):
        assert parse_time(text, timezone=ZONE, now=NOW) is None, text
    for text in ("jueves 10 a las 17h", "jeudi 10 à 17h", "Thursday 10th at 5pm"):
        found = parse_time(text, timezone=ZONE, now=NOW)
        assert found is not None and f"{to_wall(found, ZONE):%d %H}" == "10 17", text


_VOCABULARY = (
    "jueves lunes mañana tarde noche de la a las el le à at on pm am h heures hs midi mediodía "
    "noon demain soir matin tomorrow tonight evening morning y media et demie quart half past "
    "dans dentro días jours days in semana prochaine next diciembre décembre December mars "
    "tres trois three doce douze twelve sept hoy today aujourd'hui après-midi afternoon"
)
_WORDS = _VOCABULARY.split()
_HALF = {"media", "demie", "quart", "half", "cuarto"}
_DAY_WORDS = {"jueves", "lunes", "mañana", "demain", "tomorrow", "tonight", "hoy", "today"}
_DAY_WORDS |= {"aujourd'hui", "soir", "noche", "tarde", "dans", "dentro", "in"}
_TODAY_OR_NEXT = {to_wall(NOW, ZONE).date(), to_wall(NOW, ZONE).date() + timedelta(days=1)}


def _typed_numbers(text: str) -> set[int]:
    plain = text.casefold()
    numbers = {int(n) for n in re.findall(r"\d+", plain)}
    numbers |= {value for word, value in NUMBER_WORDS.items() if word in plain.split()}
    return numbers


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_WORDS),
            st.integers(0, 40).map(str),
            st.sampled_from(["15h30", "9:00", "3pm", "14.30", "12/03", "2027", ",", "ou"]),
        ),
        max_size=7,
    )
)
def test_random_words_never_crash_nor_invent_an_hour(words):
    text = " ".join(words)
    found = parse_times(text, timezone=ZONE, now=NOW)
    typed = _typed_numbers(text)
    noon = any(word in text for word in ("midi", "mediodía", "noon"))
    for instant in found or []:
        wall = to_wall(instant, ZONE)
        assert {wall.hour, wall.hour - 12} & typed or (noon and wall.hour == 12), text
        if not _DAY_WORDS & set(text.split()):  # no weekday, no "tomorrow": a day she typed
            assert wall.day in typed or wall.date() in _TODAY_OR_NEXT, text
        if wall.minute:
            assert (
                wall.minute in typed or (60 - wall.minute) in typed or _HALF & set(text.split())
            ), text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_never_crashes(text):
    parse_times(text, timezone=ZONE, now=NOW)
