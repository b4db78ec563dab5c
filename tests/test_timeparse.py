"""Times typed in Spanish, French and English, read on her own wall clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows import i18n
from flows.sessions import EXAMPLE
from flows.timeparse import parse_time, parse_times, readings, to_wall

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 11:00 in La Paz, 10:00 in Montréal


@pytest.mark.parametrize(
    ("text", "zone", "wall"),
    [
        ("jeudi 15h", "America/Toronto", "2026-03-05 15:00"),
        ("jeudi 12 mars à 15h", "America/Toronto", "2026-03-12 15:00"),
        ("demain 10h", "America/Toronto", "2026-03-03 10:00"),
        ("15/03 14h30", "America/Toronto", "2026-03-15 14:30"),
        ("vendredi 3 de l'après-midi", "America/Toronto", "2026-03-06 15:00"),
        ("aujourd'hui 18h", "Africa/Dakar", "2026-03-02 18:00"),
        ("mañana 10:00", "America/La_Paz", "2026-03-03 10:00"),
        ("jueves a las 3 de la tarde", "America/La_Paz", "2026-03-05 15:00"),
        ("el viernes 10 de la mañana", "America/La_Paz", "2026-03-06 10:00"),
        ("15 de marzo 9:00", "America/La_Paz", "2026-03-15 09:00"),
        ("pasado mañana 16h", "America/La_Paz", "2026-03-04 16:00"),
        ("sáb 10h", "America/La_Paz", "2026-03-07 10:00"),
        ("Tue 9am", "Africa/Dakar", "2026-03-03 09:00"),
        ("tomorrow 3pm", "Africa/Dakar", "2026-03-03 15:00"),
        ("March 15 2:30pm", "Africa/Dakar", "2026-03-15 14:30"),
        ("friday at noon", "Africa/Dakar", "2026-03-06 12:00"),
        ("Wed 8:15 p.m.", "America/Vancouver", "2026-03-04 20:15"),
        ("lunes 9h", "America/La_Paz", "2026-03-09 09:00"),  # today 09:00 has passed
        ("Hola, el día 12 a las 9", "America/La_Paz", "2026-03-12 09:00"),
        ("Friday at 12 noon", "Africa/Dakar", "2026-03-06 12:00"),
        ("viernes a las 12 del mediodía", "America/La_Paz", "2026-03-06 12:00"),
    ],
)
def test_understood(text, zone, wall):
    instant = parse_time(text, timezone=zone, now=NOW)
    assert instant is not None and instant.tzinfo is not None
    assert f"{to_wall(instant, zone):%Y-%m-%d %H:%M}" == wall


@pytest.mark.parametrize(
    "text",
    ["", "blah", "jeudi", "3", "25h", "31/02 10h", "cuando pueda", "12:75", "n'importe quand"],
)
def test_not_understood_gives_none(text):
    assert parse_time(text, timezone="America/La_Paz", now=NOW) is None


def test_several_times_in_one_message():
    found = parse_times("jeudi 15h ou vendredi 10h", timezone="America/Toronto", now=NOW)
    assert [f"{to_wall(t, 'America/Toronto'):%a %H:%M}" for t in found or []] == [
        "Thu 15:00",
        "Fri 10:00",
    ]
    assert parse_times("mañana 10h, blah", timezone="America/La_Paz", now=NOW) is None


def test_the_offset_of_the_target_day_counts_not_todays():
    # Typed in winter (UTC−5) for a day after the spring change (UTC−4).
    instant = parse_time("jeudi 12 mars 15h", timezone="America/Toronto", now=NOW)
    assert instant == datetime(2026, 3, 12, 19, 0, tzinfo=UTC)
    instant = parse_time("jeudi 5 mars 15h", timezone="America/Toronto", now=NOW)
    assert instant == datetime(2026, 3, 5, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_example_shown_to_her_is_understood(language):
    example = i18n.gettext(language, EXAMPLE.msgid)
    assert parse_times(example, timezone="America/La_Paz", now=NOW) is not None


@pytest.mark.parametrize(
    ("text", "zone", "walls"),
    [
        ("jeudi 15h ou 16h", "America/Toronto", ["Thu 05 15:00", "Thu 05 16:00"]),
        (
            "mañana a las 10 o a las 4 de la tarde",
            "America/La_Paz",
            ["Tue 03 10:00", "Tue 03 16:00"],
        ),  # noqa: E501
        ("Friday, March 6 at 3pm or 5pm", "Africa/Dakar", ["Fri 06 15:00", "Fri 06 17:00"]),
        ("jueves 10h y viernes 11h", "America/La_Paz", ["Thu 05 10:00", "Fri 06 11:00"]),
    ],
)
def test_an_hour_alone_takes_the_day_of_the_time_before_it(text, zone, walls):
    found = parse_times(text, timezone=zone, now=NOW)
    assert [f"{to_wall(t, zone):%a %d %H:%M}" for t in found or []] == walls


@pytest.mark.parametrize(
    "text", ["jueves o viernes a las 15h", "lundi 10/03 à 10h", "tomorrow at 2:30", "le 16 mars"]
)
def test_what_cannot_be_read_for_sure_is_refused(text):
    assert parse_times(text, timezone="America/La_Paz", now=NOW) is None


TORONTO = "America/Toronto"


@pytest.mark.parametrize(
    ("text", "country", "walls"),
    [
        ("3/5 10h", "CA", [["2026-05-03 10:00"], ["2026-03-05 10:00"]]),  # day first first
        ("04/06/2026 10am", "CA", [["2026-06-04 10:00"], ["2026-04-06 10:00"]]),
        ("3/5 10h", "BO", [["2026-05-03 10:00"]]),  # Bolivia, Senegal: day first only
        ("3/5 10h", None, [["2026-05-03 10:00"]]),
        ("13/5 10h", "CA", [["2026-05-13 10:00"]]),  # only one reading exists
        ("5/13 10h", "CA", [["2026-05-13 10:00"]]),
        ("4/4 10h", "CA", [["2026-04-04 10:00"]]),  # both readings are the same day
        ("jeudi 3/5 10h", "CA", [["2026-03-05 10:00"]]),  # 3 May is a Sunday
        ("2026-03-05 10h", "CA", [["2026-03-05 10:00"]]),  # year first: never month first
        ("3/5 10h ou 4/5 9h", "CA", [["2026-05-03 10:00", "2026-05-04 09:00"],
                                     ["2026-03-05 10:00", "2026-04-05 09:00"]]),
        ("jeudi 15h", "CA", [["2026-03-05 15:00"]]),
        ("3/5", "CA", []),  # no hour: not understood, whichever day
    ],
)  # fmt: skip
def test_a_numeric_date_reads_both_ways_only_in_canada(text, country, walls):
    found = readings(text, timezone=TORONTO, now=NOW, country=country)
    shown = [[to_wall(t, TORONTO).strftime("%Y-%m-%d %H:%M") for t in times] for times in found]
    assert shown == walls
