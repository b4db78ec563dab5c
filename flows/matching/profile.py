"""What matching knows about a woman, and her weekly free hours in UTC."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from flows.vocabulary import (
    AVAILABILITY,
    COUNTRIES,
    SECTORS,
    SIZES,
    SKILLS,
    SPOKEN_LANGUAGES,
    STAGES,
)

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class MatchProfile:
    """One participant as the matcher sees her; every key comes from `flows.vocabulary`."""

    id: int
    first_name: str
    country: str
    timezone: str
    sector: str
    stage: str
    size: str
    offers: frozenset[str]
    wants: frozenset[str]
    languages: frozenset[str]
    availability: frozenset[str]
    diaspora_ties: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable for the sets, but store frozensets so profiles stay hashable.
        for name in ("offers", "wants", "languages", "availability", "diaspora_ties"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        _check(self.country in COUNTRIES, "country", self.country)
        _check(self.sector in SECTORS, "sector", self.sector)
        _check(self.stage in STAGES, "stage", self.stage)
        _check(self.size in SIZES, "size", self.size)
        for key in self.offers | self.wants:
            _check(key in SKILLS, "skill", key)
        for key in self.languages:
            _check(key in SPOKEN_LANGUAGES, "language", key)
        for key in self.availability:
            _check(key in AVAILABILITY, "availability block", key)
        _zone(self.timezone)  # raises for an unknown zone, here rather than deep in matching


def _check(ok: bool, what: str, value: str) -> None:
    if not ok:
        raise ValueError(f"unknown {what}: {value!r}")


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def week_start(reference: datetime) -> date:
    """The Monday (UTC date) of the week `reference` falls in; naive datetimes are taken as UTC."""
    day = reference.astimezone(UTC).date() if reference.tzinfo else reference.date()
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=4096)
def _block_mask(block: str, zone: str, monday: date) -> int:
    """UTC hours-of-week (bit h set = hour h, Monday 00:00 UTC = 0) of one local weekly block."""
    spec = AVAILABILITY[block]
    tz = _zone(zone)
    origin = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    mask = 0
    for day in spec.days:
        local_day = monday + timedelta(days=day)
        for hour in range(spec.start, spec.end):
            local = datetime(local_day.year, local_day.month, local_day.day, hour, tzinfo=tz)
            offset = (local.astimezone(UTC) - origin) // timedelta(hours=1)
            # A weekly slot recurs, so an hour that spills into the next or previous UTC week
            # wraps around (Sunday evening in Vancouver is early Monday UTC).
            mask |= 1 << (offset % HOURS_PER_WEEK)
    return mask


@lru_cache(maxsize=65536)
def _blocks_mask(blocks: frozenset[str], zone: str, monday: date) -> int:
    mask = 0
    for block in blocks:
        mask |= _block_mask(block, zone, monday)
    return mask


def utc_week_hours(blocks: Iterable[str], zone: str, reference: datetime) -> int:
    """Bit mask of the UTC hours-of-week (0..167) covered by local `blocks` in `zone`.

    The week is the one containing `reference`, so daylight saving time is applied as it is
    that week.
    """
    return _blocks_mask(frozenset(blocks), zone, week_start(reference))


def hours_of(mask: int) -> set[int]:
    """The hours-of-week set in a mask, for people reading the result."""
    return {h for h in range(HOURS_PER_WEEK) if mask >> h & 1}


def profile_hours(profile: MatchProfile, reference: datetime) -> int:
    """A profile's availability as a UTC hours-of-week mask for the week of `reference`."""
    return utc_week_hours(profile.availability, profile.timezone, reference)


def overlap_hours(a: MatchProfile, b: MatchProfile, reference: datetime) -> int:
    """How many hours a week both women are free at the same moment."""
    return (profile_hours(a, reference) & profile_hours(b, reference)).bit_count()
