"""Times as typed on a phone in Spanish, French and English: a weekday spelt as heard ("juebes",
"biernes", "savado"), "15hr" and "15heures" for the hour, and "el lunes que viene" / "lundi qui
vient" said on a Monday, which is next Monday, never today."""

from __future__ import annotations

import pytest

from flows.timeparse import parse_time, to_wall
from tests.test_timeparse import NOW  # Monday 11:00 in La Paz, 10:00 in Montréal


@pytest.mark.parametrize(
    ("text", "zone", "wall"),
    [
        ("juebes 15h", "America/La_Paz", "2026-03-05 15:00"),
        ("biernes a las 10", "America/La_Paz", "2026-03-06 10:00"),
        ("savado 9:30", "America/La_Paz", "2026-03-07 09:30"),
        ("jeudi 15hr", "America/Toronto", "2026-03-05 15:00"),
        ("jeudi 15heures", "America/Toronto", "2026-03-05 15:00"),
        ("vendredi 9 heure", "America/Toronto", "2026-03-06 09:00"),
        ("thursday 3 pm", "Africa/Dakar", "2026-03-05 15:00"),
        ("el lunes que viene a las 15h", "America/La_Paz", "2026-03-09 15:00"),
        ("lundi qui vient 15h", "America/Toronto", "2026-03-09 15:00"),
        ("el jueves que viene 15h", "America/La_Paz", "2026-03-05 15:00"),
        ("lunes 15h", "America/La_Paz", "2026-03-02 15:00"),  # today, still ahead
    ],
)
def test_times_typed_on_a_phone(text, zone, wall):
    found = parse_time(text, timezone=zone, now=NOW)
    assert found is not None, text
    assert to_wall(found, zone).strftime("%Y-%m-%d %H:%M") == wall
