"""Quiet hours: no proactive message reaches a woman at night in her own time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from flows.i18n import zone

# Quiet hours last less than a day, so nothing waits longer than this for her morning.
LONGEST_NIGHT = timedelta(days=1)


def is_quiet(instant: datetime, timezone: str | None, start: int, end: int) -> bool:
    """True when `instant` falls inside [start, end) local hours (the range may cross midnight)."""
    return quiet_hour(instant.astimezone(zone(timezone)).hour, start, end)


def quiet_hour(hour: int, start: int, end: int) -> bool:
    """True when the wall-clock `hour` is inside [start, end) (the range may cross midnight)."""
    if start == end:
        return False
    return start <= hour or hour < end if start > end else start <= hour < end


def next_allowed(instant: datetime, timezone: str | None, start: int, end: int) -> datetime:
    """`instant` itself when allowed, otherwise the end of the quiet hours, in UTC.

    Computed on the local wall clock, so a daylight-saving change during the night still gives
    08:00 local the next morning.
    """
    if not is_quiet(instant, timezone, start, end):
        return instant
    tz = zone(timezone)
    local = instant.astimezone(tz)
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    wake = datetime.combine(day, time(end), tzinfo=tz)
    return wake.astimezone(instant.tzinfo)


def next_free(
    instant: datetime,
    timezone: str | None,
    start: int,
    end: int,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """`next_allowed`, and also out of the `busy` spans [from, to) (her sessions): a message
    held by one waits for its end, then for her morning if that end falls in her night."""
    due = next_allowed(instant, timezone, start, end)
    for _ in range(len(busy) + 1):  # each span can push it once at most
        inside = [stop for begin, stop in busy if begin <= due < stop]
        if not inside:
            break
        due = next_allowed(max(inside), timezone, start, end)
    return due
