"""Times as women type them, in Spanish, French or English: "jeudi 15h", "mañana 10:00",
"Tue 9am", "15/03 14h30", "el viernes a las 3 de la tarde".

Every word list holds all three languages at once (a Bolivian who types "Tue 9am" is understood
too). A time is read on her own wall clock, in her zone, relative to `now`, and returned as a UTC
instant; the local date decides the UTC offset, so "jeudi 15h" typed in winter for a Thursday
after the clocks change still means 15:00 in Montréal. Anything not understood gives None, and
the flow asks again kindly.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from flows.i18n import zone
from flows.text import normalise

WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        "monday mon lunes lun lundi",
        "tuesday tue tues martes mardi",
        "wednesday wed miercoles mie mercredi mer",
        "thursday thu thur thurs jueves jue jeudi jeu",
        "friday fri viernes vie vendredi ven",
        "saturday sat sabado sab samedi sam",
        "sunday sun domingo dom dimanche dim",
    )
):
    for _name in _names.split():
        WEEKDAYS[_name] = _index

MONTHS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        "january jan enero ene janvier janv",
        "february feb febrero fevrier fev fevr",
        "march marzo mars",
        "april apr abril abr avril avr",
        "may mayo mai",
        "june jun junio juin",
        "july jul julio juillet juil",
        "august aug agosto ago aout",
        "september sep sept septiembre setiembre set septembre",
        "october oct octubre octobre",
        "november nov noviembre novembre",
        "december dec diciembre dic decembre",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _index

# Relative days, longest first so "pasado manana" wins over "manana".
RELATIVE_DAYS = (
    ("day after tomorrow", 2),
    ("pasado manana", 2),
    ("apres demain", 2),
    ("aujourd hui", 0),
    ("tomorrow", 1),
    ("manana", 1),
    ("demain", 1),
    ("today", 0),
    ("tonight", 0),
    ("hoy", 0),
)
# Parts of the day that turn "3" into 15:00 ("de la tarde", "du soir", "in the afternoon").
AFTERNOON = (
    "de la tarde",
    "de la noche",
    "du soir",
    "de l apres midi",
    "in the afternoon",
    "in the evening",
    "tonight",
    "pm",
    "p m",
)
MORNING = ("de la manana", "du matin", "in the morning", "am", "a m")
NOON = ("mediodia", "midi", "noon")

# The words that may join times in one message: "jeudi 15h ou vendredi 10h".
_SEPARATORS = re.compile(r"\s*(?:[,;\n]|\s(?:or|ou|o|and|et|y)\s)\s*", re.IGNORECASE)

LATEST_YEAR_AHEAD = 1


def parse_times(text: str, *, timezone: str | None, now: datetime) -> list[datetime] | None:
    """Each time in the message ("jeudi 15h, vendredi 10h"), or None if one is not understood."""
    parts = [part for part in _SEPARATORS.split(text) if part and part.strip()]
    if not parts:
        return None
    found: list[datetime] = []
    for part in parts:
        instant = parse_time(part, timezone=timezone, now=now)
        if instant is None:
            return None
        if instant not in found:
            found.append(instant)
    return found


def parse_time(text: str, *, timezone: str | None, now: datetime) -> datetime | None:
    """One day and hour, read on her wall clock; the UTC instant, or None."""
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    words = _prepare(text)
    if not words:
        return None
    day, words = _take_day(words, today)
    clock, words = _take_clock(words)
    if clock is None or _leftover(words):
        return None  # no hour, or words we do not understand: better ask again than guess
    local_now = now.astimezone(tz)
    if day is None:
        day = today if clock > local_now.time() else today + timedelta(days=1)
    elif isinstance(day, _Weekday):
        day = _next_weekday(today, day.index, clock, local_now)
    wall = datetime.combine(day, clock)
    return _to_utc(wall, timezone)


def to_wall(instant: datetime, timezone: str | None) -> datetime:
    """The naive wall-clock time of `instant` in `timezone`."""
    return instant.astimezone(zone(timezone)).replace(tzinfo=None)


def wall_to_utc(wall: datetime, timezone: str | None) -> datetime:
    """A naive wall-clock time in `timezone` as a UTC instant (DST gaps move forward)."""
    return _to_utc(wall, timezone)


def _to_utc(wall: datetime, timezone: str | None) -> datetime:
    tz = zone(timezone)
    # A time that does not exist (02:30 on the spring-forward night) is read with the offset
    # before the change, i.e. it lands one hour later on the new clock: good enough.
    return wall.replace(tzinfo=tz).astimezone(UTC)


class _Weekday:
    def __init__(self, index: int) -> None:
        self.index = index


def _prepare(text: str) -> str:
    lowered = text.casefold().replace("’", "'")
    # Keep the characters that matter to times before accents and punctuation are dropped.
    lowered = re.sub(r"(\d)\s*[hH]\s*(\d{2})", r"\1:\2", lowered)
    lowered = re.sub(r"(\d)\s*[hH]\b", r"\1:00", lowered)
    lowered = re.sub(r"(\d{1,2})[.:](\d{2})", r"\1:\2", lowered)
    lowered = re.sub(r"\ba\.\s?m\.?", "am", lowered)
    lowered = re.sub(r"\bp\.\s?m\.?", "pm", lowered)
    lowered = re.sub(r"(\d)(am|pm)\b", r"\1 \2", lowered)
    lowered = re.sub(r"(\d)(st|nd|rd|th|er|eme|e|º|°)\b", r"\1", lowered)
    # Protect ":" and "/" from normalise, which turns punctuation into spaces.
    lowered = lowered.replace(":", " colon ").replace("/", " slash ")
    words = normalise(lowered)
    return words.replace(" colon ", ":").replace(" slash ", "/")


def _take_day(words: str, today: date) -> tuple[date | _Weekday | None, str]:
    padded = f" {words} "
    # "de la manana" is the morning, not tomorrow: keep it for the clock.
    protected = padded.replace(" de la manana ", " §morning§ ")
    for phrase, offset in RELATIVE_DAYS:
        if f" {phrase} " in protected:
            rest = protected.replace(f" {phrase} ", " ", 1)
            if phrase == "tonight":
                rest += " pm "
            return today + timedelta(days=offset), _restore(rest)
    match = re.search(r"(?<!\d)(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?(?!\d)", protected)
    if match:
        day = _numeric_date(match, today)
        if day is None:
            return None, "?"
        return day, _restore(protected[: match.start()] + " " + protected[match.end() :])
    tokens = protected.split()
    for position, token in enumerate(tokens):
        month = MONTHS.get(token)
        if month is None:
            continue
        number = _day_number(tokens, position)
        if number is None:
            continue
        index, value = number
        day = _calendar_day(value, month, None, today)
        if day is None:
            return None, "?"
        rest = [t for i, t in enumerate(tokens) if i not in (position, index) and t != "de"]
        rest = [t for t in rest if t not in WEEKDAYS]  # "jeudi 12 mars": the date decides
        return day, _restore(" ".join(rest))
    for position, token in enumerate(tokens):
        if token in WEEKDAYS:
            rest = tokens[:position] + tokens[position + 1 :]
            # "jeudi 12 à 15h": a day-of-month right after the weekday is not an hour.
            if (
                len(rest) > position
                and rest[position].isdigit()
                and len(rest) > position + 1
                and (":" in rest[position + 1] or rest[position + 1] in ("a", "at", "las"))
            ):
                rest.pop(position)
            return _Weekday(WEEKDAYS[token]), _restore(" ".join(rest))
    return None, _restore(protected)


def _restore(text: str) -> str:
    return " ".join(text.replace("§morning§", "de la manana").split())


def _day_number(tokens: list[str], position: int) -> tuple[int, int] | None:
    """The day of the month next to a month name: "15 mars", "15 de marzo", "March 15"."""
    candidates = []
    if position >= 1:
        candidates.append(position - 1)
    if position >= 2 and tokens[position - 1] == "de":
        candidates.append(position - 2)
    if position + 1 < len(tokens):
        candidates.append(position + 1)
    for index in candidates:
        token = tokens[index]
        if token.isdigit() and 1 <= int(token) <= 31:
            return index, int(token)
    return None


def _numeric_date(match: re.Match[str], today: date) -> date | None:
    first, second = int(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else None
    if year is not None and year < 100:
        year += 2000
    # Day first everywhere the programme runs; "03/15" can only be month first.
    day, month = (first, second) if second <= 12 else (second, first)
    return _calendar_day(day, month, year, today)


def _calendar_day(day: int, month: int, year: int | None, today: date) -> date | None:
    try:
        if year is not None:
            found = date(year, month, day)
        else:
            found = date(today.year, month, day)
            if found < today:
                found = date(today.year + 1, month, day)
    except ValueError:
        return None
    if found < today or found.year > today.year + LATEST_YEAR_AHEAD:
        return None
    return found


def _take_clock(words: str) -> tuple[time | None, str]:
    padded = f" {words} "
    afternoon = any(f" {word} " in padded for word in AFTERNOON)
    morning = any(f" {word} " in padded for word in MORNING)
    for word in (*AFTERNOON, *MORNING):
        padded = padded.replace(f" {word} ", " ")
    if any(f" {word} " in padded for word in NOON):
        for word in NOON:
            padded = padded.replace(f" {word} ", " ")
        return time(12, 0), padded
    match = re.search(r"(?<![\d/])(\d{1,2}):(\d{2})(?![\d/])", padded)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        rest = padded[: match.start()] + " " + padded[match.end() :]
    else:
        numbers = re.findall(r"(?<![\d/:])(\d{1,2})(?![\d/:])", padded)
        if len(numbers) != 1:
            return None, words
        hour, minute = int(numbers[0]), 0
        rest = re.sub(r"(?<![\d/:])\d{1,2}(?![\d/:])", " ", padded, count=1)
        cue = re.search(r"\b(a|las|la|at|vers|hacia|around)\s*$", padded[: padded.find(numbers[0])])
        if not (afternoon or morning or cue or hour >= 7 or hour == 0):
            return None, words  # a bare "3" with no cue: 03:00 is surely not meant; ask again
    if afternoon and 1 <= hour < 12:
        hour += 12
    if morning and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None, words
    return time(hour, minute), rest


_FILLERS = frozenset(
    {"a", "la", "las", "el", "le", "les", "at", "on", "the", "de", "du", "des", "this", "ce"}
    | {"cette", "este", "esta", "next", "prochain", "proxima", "proximo", "vers", "hacia"}
    | {"around", "sobre", "por", "en", "in", "sera", "es"}
)


def _leftover(words: str) -> bool:
    """True when words remain that are not small joining words."""
    return any(word not in _FILLERS for word in words.split())


def _next_weekday(today: date, weekday: int, clock: time, local_now: datetime) -> date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and clock <= local_now.time():
        ahead = 7
    return today + timedelta(days=ahead)
