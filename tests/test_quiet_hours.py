from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from flows.i18n import zone
from flows.quiet import is_quiet, next_allowed

ZONES = [
    "America/La_Paz",
    "Africa/Dakar",
    "America/Toronto",
    "America/Vancouver",
    "America/St_Johns",
    "America/Regina",
]


def test_night_in_la_paz_waits_for_morning():
    # 02:00 UTC = 22:00 in La Paz (UTC-4): quiet until 08:00 local = 12:00 UTC.
    instant = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    assert next_allowed(instant, "America/La_Paz", 21, 8) == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def test_daytime_passes_unchanged():
    instant = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    assert next_allowed(instant, "Africa/Dakar", 21, 8) == instant


def test_across_the_spring_forward_night_in_toronto():
    # 2026-03-08: clocks jump from 02:00 to 03:00 in Toronto. 23:00 EST on the 7th = 04:00 UTC.
    instant = datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    allowed = next_allowed(instant, "America/Toronto", 21, 8)
    assert allowed.astimezone(zone("America/Toronto")).hour == 8
    assert allowed == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    st.sampled_from(ZONES),
    st.integers(0, 23),
    st.integers(0, 23),
)
def test_never_lands_in_quiet_hours(naive, timezone, start, end):
    instant = naive.replace(tzinfo=UTC)
    allowed = next_allowed(instant, timezone, start, end)
    assert allowed >= instant
    assert not is_quiet(allowed, timezone, start, end)
    assert (allowed - instant).total_seconds() <= 24 * 3600
