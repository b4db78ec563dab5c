"""A monthly rhythm: the same weekday of the same week, at the same local hour, a month later.

"Every month" from Thursday 5 March is Thursday 2 April (the first Thursday again), not Sunday
5 April; the hour is the proposer's, kept across Montréal's daylight-saving change while La Paz
and Dakar have none. Played in Spanish, French and English; each woman reads her own time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows.sessions import next_in_rhythm
from flows.timeparse import to_wall, wall_to_utc
from storage.meetings import Meeting
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import pair_of, propose, run_until

# (proposer, peer, typed, first start in UTC, what the peer is offered next, the proposer's note,
# how each is told: "as agreed (every month)" with a small letter inside the sentence)
CASES = {
    "es": (
        CARMEN,
        JULIE,
        "jueves 15h",
        datetime(2026, 3, 5, 19, 0, tzinfo=UTC),
        "1. jeudi 2 avril, 15 h 00",  # 15:00 in La Paz; Montréal is on summer time by then
        "jueves 2 de abril, 15:00",
        ("Comme convenu (chaque mois), voici votre prochaine séance.", "Como acordaron (cada mes)"),
    ),
    "fr": (
        JULIE,
        CARMEN,
        "jeudi 15h",
        datetime(2026, 3, 5, 20, 0, tzinfo=UTC),
        "1. jueves 2 de abril, 15:00",  # Julie's 15:00 EDT is 15:00 in La Paz (was 16:00)
        "jeudi 2 avril, 15 h 00",
        ("Como acordaron (cada mes), aquí está su próxima sesión.", "Comme convenu (chaque mois)"),
    ),
    "en": (
        AWA,
        CARMEN,
        "Thursday 3pm",
        datetime(2026, 3, 5, 15, 0, tzinfo=UTC),
        "1. jueves 2 de abril, 11:00",
        "Thursday, April 2, 3:00 p.m.",
        ("Como acordaron (cada mes), aquí está su próxima sesión.", "As agreed (every month)"),
    ),
}


@pytest.mark.parametrize("language", list(CASES))
def test_monthly_keeps_the_weekday_and_the_local_hour(app, clock, language):
    profile, peer_profile, typed, start, offered, note, (intro, agreed) = CASES[language]
    she, peer = pair_of(app, clock, ("she", profile), ("peer", peer_profile))
    propose(she, typed, rhythm="monthly")
    peer.inbox()
    peer.says("1")
    she.inbox()
    # Nobody answers the check-in: a day after the session, the next one is proposed.
    run_until(app, clock, start + timedelta(hours=26))
    asked = peer.inbox()
    assert offered in asked and intro in asked
    told = she.inbox()
    assert note in told and agreed in told


def _monthly(zone: str, wall: datetime) -> Meeting:
    return Meeting(
        pair_id=1, proposer_id=1, proposer_zone=zone, rhythm="monthly", local_start=wall.isoformat()
    )


@pytest.mark.parametrize(
    ("wall", "following"),
    [
        (datetime(2026, 3, 5, 15), datetime(2026, 4, 2, 15)),  # first Thursday
        (datetime(2026, 4, 2, 15), datetime(2026, 5, 7, 15)),  # and again, five weeks on
        (datetime(2026, 1, 30, 10), datetime(2026, 2, 27, 10)),  # fifth Friday → the last
        (datetime(2026, 10, 29, 9), datetime(2026, 11, 26, 9)),  # fifth Thursday → the last
        (datetime(2026, 12, 17, 18), datetime(2027, 1, 21, 18)),  # third Thursday, new year
    ],
)
def test_the_next_month_keeps_the_week_and_the_weekday(wall, following):
    for zone in ("America/Toronto", "Africa/Dakar", "America/La_Paz"):
        meeting = _monthly(zone, wall)
        start = next_in_rhythm(meeting, datetime(2026, 1, 1, tzinfo=UTC))
        assert start is not None
        assert to_wall(start, zone) == following
        assert start == wall_to_utc(following, zone)  # the same local hour, summer or winter
