"""Dates, times and lists as each reader says them: es_BO, fr_SN, fr_CA, en_CA, in her own zone."""

from datetime import UTC, datetime

import pytest

from flows.i18n import regional_locale
from flows.messages import _, listing, nested, when
from flows.render import Reader, format_instant, render_msg
from flows.vocabulary import SKILLS

# Thursday 5 March 2026, 19:00 UTC.
INSTANT = datetime(2026, 3, 5, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reader", "locale", "expected"),
    [
        (Reader("es", "BO", "America/La_Paz"), "es_BO", "jueves 5 de marzo, 15:00"),
        (Reader("fr", "SN", "Africa/Dakar"), "fr_SN", "jeudi 5 mars, 19 h 00"),
        (Reader("fr", "CA", "America/Toronto"), "fr_CA", "jeudi 5 mars, 14 h 00"),
        (Reader("en", "CA", "America/Vancouver"), "en_CA", "Thursday, March 5, 11:00 a.m."),
    ],
)
def test_a_moment_in_each_readers_zone_and_language(reader, locale, expected):
    assert str(regional_locale(reader.language, reader.country)) == locale
    assert format_instant(INSTANT, reader) == expected


def test_daylight_saving_moves_the_local_hour_not_the_instant():
    toronto = Reader("fr", "CA", "America/Toronto")
    before = format_instant(datetime(2026, 3, 5, 19, 0, tzinfo=UTC), toronto)
    after = format_instant(datetime(2026, 3, 12, 19, 0, tzinfo=UTC), toronto)
    assert before.endswith("14 h 00") and after.endswith("15 h 00")  # "16 h 05" in French


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "Marketing digital, Finanzas y crédito y Liderazgo y equipos"),
        ("fr", "Marketing numérique, Finances et crédit et Leadership et équipes"),
        ("en", "Digital marketing, Finance and credit and Leadership and teams"),
    ],
)
def test_lists_are_joined_the_readers_way(language, expected):
    skills = listing([nested(SKILLS[k]) for k in ("digital_marketing", "finance", "leadership")])
    assert render_msg(_("{skills}", skills=skills), Reader(language)) == expected


def test_a_when_parameter_is_rendered_at_send_time_for_each_reader():
    msg = _("You agreed on {date}.", date=when(INSTANT))
    assert (
        render_msg(msg, Reader("es", "BO", "America/La_Paz"))
        == "Usted aceptó el jueves 5 de marzo, 15:00."
    )
    assert (
        render_msg(msg, Reader("fr", "SN", "Africa/Dakar"))
        == "Vous avez donné votre accord le jeudi 5 mars, 19 h 00."
    )


def test_a_moment_ending_a_sentence_ends_it_with_one_full_stop():
    msg = _("You agreed on {date}.", date=when(INSTANT))
    said = render_msg(msg, Reader("en", "CA", "America/Vancouver"))
    assert said == "You agreed on Thursday, March 5, 11:00 a.m."
