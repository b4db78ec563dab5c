"""Times as women type them, in Spanish, French or English: "jeudi 12 à 15h", "mañana 10:00",
"Tue 9am", "15/03 14h30", "el viernes a las tres de la tarde", "dans 2 jours à 10h".

A tokenising parser that refuses rather than guesses: every word she typed must be understood,
or the whole time is refused and the flow asks again. A weekday and a day of the month must
agree ("jueves 12" when the 12th is a Saturday is refused), an hour from 1 to 6 with no part of
the day ("a las 3") is refused as ambiguous, and "next Thursday"/"jeudi prochain" (this week's
or next week's?) is refused too. Word lists hold all three languages at once.

A numeric date is read day first ("3/5" is 3 May), as in Bolivia and Senegal; many Canadians
write the month first ("3/5" is March 5), so for a woman living in Canada `readings` gives both
readings when they differ, for the flow to ask her which one she means (`date_orders`).

A time is read on her own wall clock, in her zone, relative to `now`, and returned as a UTC
instant; the local date decides the UTC offset, so "jeudi 15h" typed in winter for a Thursday
after the clocks change still means 15:00 in Montréal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from flows.i18n import zone


def _index(groups: tuple[str, ...], start: int = 0) -> dict[str, int]:
    return {name: i for i, names in enumerate(groups, start) for name in names.split()}


WEEKDAYS = _index(
    (
        "monday mon lunes lun lundi",
        "tuesday tue tues martes mardi",
        "wednesday wed miercoles mie mercredi mer",
        "thursday thu thur thurs jueves jue jeudi jeu",
        "friday fri viernes vie vendredi ven",
        "saturday sat sabado sab samedi sam",
        "sunday sun domingo dom dimanche dim",
    )
)
MONTHS = _index(
    (
        "january jan enero ene janvier janv",
        "february feb febrero fevrier fev fevr",
        "march mar marzo mars",
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
)
NUMBER_WORDS = _index(
    (
        "un uno una une one a",
        "dos deux two",
        "tres trois three",
        "cuatro quatre four",
        "cinco cinq five",
        "seis six",
        "siete sept seven",
        "ocho huit eight",
        "nueve neuf nine",
        "diez dix ten",
        "once onze eleven",
        "doce douze twelve",
    ),
    start=1,
) | {"treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}

# Multi-word phrases, each one meaning: (kind, value). Longest match wins at each position.
_PHRASES: dict[tuple[str, ...], tuple[tuple[str, Any], ...]] = {}


def _phrase(text: str, *meaning: tuple[str, Any]) -> None:
    _PHRASES[tuple(text.split())] = meaning


for _text, _days in (
    ("hoy", 0),
    ("aujourd hui", 0),
    ("today", 0),
    ("manana", 1),
    ("demain", 1),
    ("tomorrow", 1),
    ("tmrw", 1),
    ("tmr", 1),
    ("pasado manana", 2),
    ("apres demain", 2),
    ("day after tomorrow", 2),
):
    _phrase(_text, ("rel", _days))
_POD = {
    "morning": "de la manana|por la manana|en la manana|la manana|du matin|le matin|matin|"
    "matinee|dans la matinee|in the morning|morning|de la madrugada|temprano",
    "afternoon": "de la tarde|por la tarde|en la tarde|a la tarde|tarde|la tardecita|tardecita|"
    "de l apres midi|l apres midi|apres midi|dans l apres midi|in the afternoon|afternoon",
    "evening": "de la noche|por la noche|en la noche|noche|la nochecita|nochecita|du soir|"
    "le soir|soir|soiree|dans la soiree|in the evening|evening|at night",
}
for _pod, _texts in _POD.items():
    for _text in _texts.split("|"):
        _phrase(_text, ("pod", _pod))
for _text, _pod in (
    ("esta manana", "morning"),
    ("ce matin", "morning"),
    ("this morning", "morning"),
    ("esta tarde", "afternoon"),
    ("cet apres midi", "afternoon"),
    ("this afternoon", "afternoon"),
    ("esta noche", "evening"),
    ("ce soir", "evening"),
    ("this evening", "evening"),
    ("tonight", "evening"),
):
    _phrase(_text, ("rel", 0), ("pod", _pod))
for _text in ("mediodia", "medio dia", "midi", "noon", "midday", "del mediodia"):
    _phrase(_text, ("noon", 12))
for _text, _minutes in (
    ("y media", 30),
    ("et demie", 30),
    ("et demi", 30),
    ("y cuarto", 15),
    ("et quart", 15),
    ("menos cuarto", -15),
    ("moins le quart", -15),
    ("moins quart", -15),
):
    _phrase(_text, ("minmod", _minutes))
for _text, _minutes in (("half past", 30), ("quarter past", 15), ("quarter to", -15)):
    _phrase(_text, ("premod", _minutes))
for _text in ("h", "hs", "hrs", "hr", "heure", "heures", "horas", "hora", "o clock", "oclock"):
    _phrase(_text, ("hw", _text))
for _text in ("en punto", "pile", "sharp", "precises"):
    _phrase(_text, ("fill", None))
for _text in ("dans", "dentro de", "en", "in"):
    _phrase(_text, ("in", None))
for _text, _days in (
    ("jour", 1),
    ("jours", 1),
    ("dia", 1),
    ("dias", 1),
    ("day", 1),
    ("days", 1),
    ("semaine", 7),
    ("semaines", 7),
    ("semana", 7),
    ("semanas", 7),
    ("week", 7),
    ("weeks", 7),
):
    _phrase(_text, ("unit", (_days, _text)))
for _text in (
    "semaine prochaine",
    "proxima semana",
    "semana proxima",
    "semana que viene",
    "next week",
):
    _phrase(_text, ("nextweek", True))
for _text in ("le", "el", "the", "el dia", "le jour"):
    _phrase(_text, ("daymark", None))
for _text in ("a", "al", "las", "la", "at", "vers", "hacia", "sobre", "around", "about", "tipo"):
    _phrase(_text, ("cue", _text))
_FILLERS = (
    "de del du des of on this ce cet cette este esta por for dia qui vient que viene les l "
    "por favor svp s il vous plait please merci gracias thanks ok vale hola bonjour hello hi"
)
for _text in _FILLERS.split():
    _PHRASES.setdefault((_text,), (("fill", None),))
for _text in ("a eso de", "a horas", "a hrs", "a hs", "a hr"):  # Bolivia: "a horas 15:00"
    _phrase(_text, ("cue", _text))
for _text in ("por favor", "s il vous plait", "s il te plait"):
    _phrase(_text, ("fill", None))
# "el lunes que viene", "lundi qui vient": the coming one, which on a Monday is next Monday.
for _text in ("qui vient", "que viene"):
    _phrase(_text, ("coming", True))
for _text in ("am", "pm"):
    _phrase(_text, ("ampm", _text))
# "next Thursday", "jeudi prochain", "el próximo jueves": this week's or next week's? Refused.
for _text in ("next", "prochain", "prochaine", "proximo", "proxima", "siguiente"):
    _PHRASES.setdefault((_text,), (("ambiguous", None),))
_LONGEST = max(len(key) for key in _PHRASES)

# Clock and date shapes, read before the words: "14:30", "14h30", "3pm", "15/03/2027".
_TOKEN = re.compile(
    r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})"
    r"|(?P<date>\d{1,2}/\d{1,2}(?:/\d{2,4})?)(?![\d/])"
    r"|(?P<ampm>\d{1,2}(?:[:.h]\d{2})?)\s*(?P<half>am|pm)(?![a-z])"
    r"|(?P<clock>\d{1,2})\s*(?:[:.]|h|hs|hr|hrs)\s*(?P<minute>\d{2})(?!\d)"
    r"|(?P<hour>\d{1,2})(?:\s*(?:h|hs|hr|hrs)|heures?)(?![a-z\d])"
    r"|(?P<num>\d+)(?:er|ere|eme|e|st|nd|rd|th|o)?(?![a-z\d])"
    r"|(?P<word>[a-z]+)"
)


class DateOrder(StrEnum):
    """Which number of "3/5" is the day: the first (3 May) or the second (March 5)."""

    DAY_FIRST = "day_first"
    MONTH_FIRST = "month_first"


def date_orders(country: str | None) -> tuple[DateOrder, ...]:
    """How a woman living in `country` may mean "3/5": day first everywhere; in Canada, where
    many write the month first (English-speaking women above all, but not only), either."""
    if country == "CA":
        return (DateOrder.DAY_FIRST, DateOrder.MONTH_FIRST)
    return (DateOrder.DAY_FIRST,)


def readings(
    text: str, *, timezone: str | None, now: datetime, country: str | None
) -> list[list[datetime]]:
    """Each different way to read her times, day first first: one, or two when "3/5" typed in
    Canada may be March 5 or 3 May (and both exist: "jeudi 3/5" is only Thursday, March 5).
    Empty when they are not understood."""
    found: list[list[datetime]] = []
    for order in date_orders(country):
        times = parse_times(text, timezone=timezone, now=now, order=order)
        if times and times not in found:
            found.append(times)
    return found


# The words that may join times in one message: "jeudi 15h ou vendredi 10h". "y"/"et" before
# "media"/"demie"/"cuarto"/"quart" belong to the time ("a las 10 y media").
_SEPARATORS = re.compile(
    r"\s*(?:[,;\n]|\s(?:or|ou|o|and)\s|\s(?:y|et)\s(?!(?:media|cuarto|demie?|quart)\b))\s*",
    re.IGNORECASE,
)


def parse_times(
    text: str,
    *,
    timezone: str | None,
    now: datetime,
    order: DateOrder = DateOrder.DAY_FIRST,
) -> list[datetime] | None:
    """Each time in the message ("jeudi 15h, vendredi 10h"), or None if one is not understood.

    Pieces between separators are joined back when only together they make a time
    ("Friday, December 4 at 3pm"); every piece must belong to some time. `order` says how to
    read a numeric date ("3/5"); one that can only be read one way ("13/5") is read that way.
    """
    pieces = _SEPARATORS.split(text)
    if len(pieces) > 8 or len(text) > 600 or not any(piece.strip() for piece in pieces):
        return None
    separators = [match.group(0) for match in _SEPARATORS.finditer(text)]
    found = _split_times(pieces, separators, timezone=timezone, now=now, order=order)
    if found is None:
        return None
    return list(dict.fromkeys(found))


def _split_times(
    pieces: list[str],
    separators: list[str],
    *,
    timezone: str | None,
    now: datetime,
    order: DateOrder,
    day: date | None = None,
) -> list[datetime] | None:
    """The first reading that uses every piece, longest first time first.

    A piece with an hour only takes the day of the time before it: "jeudi 15h ou 16h".
    """
    if not pieces:
        return []
    if not pieces[0].strip():
        return _split_times(
            pieces[1:], separators[1:], timezone=timezone, now=now, order=order, day=day
        )
    for end in range(len(pieces), 0, -1):
        joined = pieces[0] + "".join(s + p for s, p in zip(separators, pieces[1:end], strict=False))
        wall = _parse_wall(joined, timezone=timezone, now=now, order=order, day=day)
        if wall is None:
            continue
        rest = _split_times(
            pieces[end:],
            separators[end:],
            timezone=timezone,
            now=now,
            order=order,
            day=wall.date(),
        )
        if rest is not None:
            return [_to_utc(wall, timezone), *rest]
    return None


class Missing(StrEnum):
    """Why a time she typed was refused, when it can be told: what to ask her for."""

    PART_OF_DAY = "part_of_day"  # "a las 3", "à 3h": three in the morning or the afternoon?
    HOUR = "hour"  # "mañana en la tarde", "wed 10": a day, but which hour?
    DAY = "day"  # "jeudi prochain 15h", "next week 3pm": which day exactly?
    OTHER_ZONE = "other_zone"  # "15h heure du Canada": times are read in her own zone


# "hora de Canadá", "heure du Canada", "her time", "su hora", "GMT": a time on another clock
# (read on her words without accents; not "est" or "cet", everyday French words).
_OTHER_ZONE = re.compile(
    r"\b(?:hora|horario|heure|time)\s+(?:de|del|du|de la|d|in|en|au)\b"
    r"|\b(?:her|his|their|your|su|sa|son|leur|votre)\s+(?:time|hora|horario|heure)\b"
    r"|\b(?:canada|bolivia|senegal|dakar|montreal|toronto|la paz|quebec|ontario|edt|gmt|utc)\b",
    re.IGNORECASE,
)


def missing_part(text: str) -> Missing | None:
    """What a refused time lacks, when her words tell it; None when they are not a time at all.

    Only for text `parse_times` refused: "el jueves a las 3" lacks the part of the day, "wed 10"
    the hour ("10" could be the 10th), "mañana en la tarde" the hour, "jeudi prochain 15h" or
    "next week 3pm" the day.
    """
    if _OTHER_ZONE.search(_plain(text)):
        return Missing.OTHER_ZONE
    for piece in _SEPARATORS.split(text):
        items = _lex(piece) if piece.strip() else None
        reading = _read(items) if items else None
        found = _missing_in(reading.parts) if reading is not None else None
        if found is not None:
            return found
    return None


def _missing_in(parts: dict[str, Any]) -> Missing | None:
    if "clock" not in parts:
        if 1 <= parts.get("wd_number", 0) <= 6:
            return Missing.PART_OF_DAY  # "martes 3": surely three o'clock, but which one?
        return Missing.HOUR if _DAY_PARTS & parts.keys() or "pod" in parts else None
    hour, _minute, half, _explicit = parts["clock"]
    if half is None and "pod" not in parts and 1 <= hour <= 6:
        return Missing.PART_OF_DAY
    if "ambiguous" in parts or (parts.get("nextweek") and "wd" not in parts):
        return Missing.DAY  # "jeudi prochain": this week's or next? "next week": which day?
    return None


def parse_time(text: str, *, timezone: str | None, now: datetime) -> datetime | None:
    """One day and hour, read on her wall clock; the UTC instant, or None."""
    wall = _parse_wall(text, timezone=timezone, now=now)
    return None if wall is None else _to_utc(wall, timezone)


def _parse_wall(
    text: str,
    *,
    timezone: str | None,
    now: datetime,
    order: DateOrder = DateOrder.DAY_FIRST,
    day: date | None = None,
) -> datetime | None:
    """Her wall-clock time; `day` is the day of an hour given alone (from the time before)."""
    if len(text) > 200:
        return None
    items = _lex(text)
    if not items:
        return None
    reading = _read(items, order)
    if reading is None:
        return None
    if day is not None and not _DAY_PARTS & reading.parts.keys():
        reading.parts["same_day"] = day
    local_now = now.astimezone(zone(timezone)).replace(tzinfo=None)
    return _resolve(reading, local_now)


def to_wall(instant: datetime, timezone: str | None) -> datetime:
    """The naive wall-clock time of `instant` in `timezone`."""
    return instant.astimezone(zone(timezone)).replace(tzinfo=None)


def wall_to_utc(wall: datetime, timezone: str | None) -> datetime:
    """A naive wall-clock time in `timezone` as a UTC instant (DST gaps move forward)."""
    return _to_utc(wall, timezone)


def _to_utc(wall: datetime, timezone: str | None) -> datetime:
    # A time that does not exist (02:30 on the spring-forward night) is read with the offset
    # before the change, i.e. it lands one hour later on the new clock: good enough.
    return wall.replace(tzinfo=zone(timezone)).astimezone(UTC)


# Lexing: text → items (kind, value) ----------------------------------------------------------


# How words of time are spelt in a text message ("dmain 15h", "2m1 à 10h", "jeudi aprem",
# "mañana x la tarde", "2moro 9am"): read as the words they stand for, so she is not asked again
# for what any reader would understand. Each stands for one word only, so nothing is guessed.
_SMS_SPELLINGS = {
    "demain": "dmain dmn dm1 dem1 2main 2m1",
    "apres midi": "aprem aprm",
    "matin": "mat",
    "tomorrow": "2moro 2morow 2morrow tomoro tomorow",
    # A weekday spelt as it sounds, b for v as often in Bolivia: "juebes", "biernes", "savado".
    "jueves": "juebes juev",
    "viernes": "biernes",
    "sabado": "savado",
    # Weekdays without their vowels ("jdi 15h", "vdi à 10h"), "mñn" for mañana, "juev".
    "lundi": "lndi",
    "mardi": "mrdi",
    "mercredi": "mcrdi mercr",
    "jeudi": "jdi",
    "vendredi": "vdi vndi",
    "samedi": "smdi",
    "manana": "mnn mnna",
    "miercoles": "mierc",
}
_SMS_WORD = re.compile(
    r"\b(" + "|".join(word for words in _SMS_SPELLINGS.values() for word in words.split()) + r")\b"
)
_SMS_MEANING = {word: full for full, words in _SMS_SPELLINGS.items() for word in words.split()}
_SMS_POR = re.compile(r"\bx(?=\s+la\b)")  # Spanish "x la tarde": "por la tarde"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _SMS_WORD.sub(lambda match: _SMS_MEANING[match.group(1)], plain)
    plain = _SMS_POR.sub("por", plain)
    plain = re.sub(r"\b([ap])\s?\.\s?m\b\.?", r"\1m", plain)  # "p.m." → "pm"
    plain = re.sub(r"(?<!\d)-|-(?!\d)", " ", plain)  # "après-midi", but "2026-12-10" stays
    return re.sub(r"['’`´]", " ", plain)


def _lex(text: str) -> list[tuple[str, Any]] | None:
    """Her words as items, or None when a letter or digit is not part of any known token."""
    plain = _plain(text)
    raw: list[tuple[str, Any]] = []
    position = 0
    for match in _TOKEN.finditer(plain):
        if any(c.isalnum() for c in plain[position : match.start()]):
            return None
        position = match.end()
        raw.append(_raw_token(match))
    if any(c.isalnum() for c in plain[position:]):
        return None
    return _phrases(raw)


def _raw_token(match: re.Match[str]) -> tuple[str, Any]:
    if match.group("iso"):
        year, month, day = (int(x) for x in match.group("iso").split("-"))
        return ("isodate", (day, month, year))  # year first: never month first
    if match.group("date"):
        numbers = [int(x) for x in match.group("date").split("/")]
        year = numbers[2] if len(numbers) == 3 else None
        if year is not None and year < 100:
            year += 2000
        return ("date", (numbers[0], numbers[1], year))
    if match.group("ampm"):
        parts = re.split(r"[:.h]", match.group("ampm"))
        minute_value = int(parts[1]) if len(parts) > 1 else 0
        return ("clock", (int(parts[0]), minute_value, match.group("half")))
    if match.group("clock"):
        return ("clock", (int(match.group("clock")), int(match.group("minute")), None))
    if match.group("hour"):
        return ("clock", (int(match.group("hour")), 0, None))
    if match.group("num"):
        return ("num", int(match.group("num")) if len(match.group("num")) <= 4 else -1)
    return ("word", match.group("word"))


def _phrases(raw: list[tuple[str, Any]]) -> list[tuple[str, Any]] | None:
    """Words grouped into known phrases (longest first); an unknown word refuses the text."""
    items: list[tuple[str, Any]] = []
    i = 0
    while i < len(raw):
        kind, value = raw[i]
        if kind != "word":
            items.append((kind, value))
            i += 1
            continue
        for length in range(_LONGEST, 0, -1):
            words = raw[i : i + length]
            if len(words) < length or any(k != "word" for k, _v in words):
                continue
            meaning = _PHRASES.get(tuple(v for _k, v in words))
            if meaning is not None:
                items.extend(meaning)
                i += length
                break
        else:
            word = value
            if word in WEEKDAYS:
                items.append(("wd", WEEKDAYS[word]))
            elif word in MONTHS and word in NUMBER_WORDS:  # "sept": September or seven
                items.append(("month_or_num", (MONTHS[word], NUMBER_WORDS[word])))
            elif word in MONTHS:
                items.append(("month", MONTHS[word]))
            elif word in NUMBER_WORDS:
                items.append(("numword", NUMBER_WORDS[word]))
            else:
                return None
            i += 1
    return items


# Reading: items → what she said (each part once) ----------------------------------------------


@dataclass
class _Reading:
    parts: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    order: DateOrder = DateOrder.DAY_FIRST

    def set(self, name: str, value: Any) -> None:
        if name in self.parts and self.parts[name] != value:
            self.ok = False
        self.parts[name] = value


def _kind(items: list[tuple[str, Any]], i: int) -> str:
    return items[i][0] if 0 <= i < len(items) else ""


def _number(items: list[tuple[str, Any]], i: int, *, words: bool = False) -> int | None:
    kind, value = items[i] if 0 <= i < len(items) else ("", None)
    if kind == "num":
        return value
    if words and kind == "numword":
        return value
    if words and kind == "month_or_num":
        return value[1]
    return None


def _month(items: list[tuple[str, Any]], i: int) -> int | None:
    kind, value = items[i] if 0 <= i < len(items) else ("", None)
    if kind == "month":
        return value
    if kind == "month_or_num":
        return value[0]
    return None


def _read(items: list[tuple[str, Any]], order: DateOrder = DateOrder.DAY_FIRST) -> _Reading | None:
    reading = _Reading(order=order)
    i = 0
    while i < len(items) and reading.ok:
        for pattern in _PATTERNS:
            used = pattern(items, i, reading)
            if used:
                i += used
                break
        else:
            return None
    return reading if reading.ok else None


def _p_duration(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    """ "dans 2 jours", "dentro de dos días", "in a week"."""
    if _kind(items, i) != "in":
        return 0
    count = 1 if items[i + 1 : i + 2] == [("cue", "a")] else _number(items, i + 1, words=True)
    if count is None or _kind(items, i + 2) != "unit" or not 0 < count <= 60:
        return 0
    days, word = items[i + 2][1]
    if word == "jours" and count in (8, 15):
        r.set("ambiguous", True)  # "dans huit jours" is a week, "dans quinze jours" two
    r.set("rel", count * days)
    return 3


def _p_month_date(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    """ "12 de diciembre", "12 décembre 2026", "December 12", "Dec 12th, 2026"."""
    start = i + 1 if _kind(items, i) == "daymark" else i
    day = _number(items, start)
    j = start + 1
    if day is not None:
        if _kind(items, j) == "fill":
            j += 1
        month = _month(items, j)
        if month is None:
            return 0
        j += 1
    else:
        month = _month(items, start)
        if month is None or _kind(items, start) == "month_or_num" and _kind(items, j) == "hw":
            return 0
        k = j + 1 if _kind(items, j) == "daymark" else j
        day = _number(items, k)
        if day is None or _kind(items, k + 1) in ("hw", "ampm", "minmod"):
            return 0
        j = k + 1
    if not 1 <= day <= 31:
        return 0
    k = j + 1 if _kind(items, j) == "fill" else j
    year = _number(items, k)
    if year is not None and 2000 <= year <= 2100:
        r.set("year", year)
        j = k + 1
    r.set("day", day)
    r.set("month", month)
    return j - i


def _p_numeric_date(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    if _kind(items, i) not in ("date", "isodate"):
        return 0
    day, month, year = items[i][1]
    if _kind(items, i) == "date" and r.order == DateOrder.MONTH_FIRST:
        day, month = month, day
    if month > 12 and day <= 12:  # "03/15" can only be month first, "15/03" day first
        day, month = month, day
    r.set("day", day)
    r.set("month", month)
    if year is not None:
        r.set("year", year)
    return 1


def _p_daymark(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    """ "le 16", "el 14", "the 16th": a day of the month (not an hour: "le 16h" is a clock)."""
    day = _number(items, i + 1)
    if _kind(items, i) != "daymark" or day is None or not 1 <= day <= 31:
        return 0
    if _kind(items, i + 2) in ("hw", "ampm", "minmod", "pod"):
        return 0
    r.set("day", day)
    return 2


def _p_weekday(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    """A weekday, and the bare number right after it ("jueves 12"): a day, if an hour follows."""
    if _kind(items, i) != "wd":
        return 0
    r.set("wd", items[i][1])
    day = _number(items, i + 1)
    after = _kind(items, i + 2)
    month_next = after == "fill" and _month(items, i + 3) is not None  # "12 de diciembre"
    if day is not None and after not in ("hw", "ampm", "minmod", "month", "pod") and not month_next:
        r.set("wd_number", day)
        return 2
    return 1


def _p_time(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    """ "a las 10 y media", "à 15 heures 30", "at 3pm", "half past nine", "16h", "midi"."""
    j = i
    cue = False
    while _kind(items, j) == "cue":
        cue, j = True, j + 1
    premod = items[j][1] if _kind(items, j) == "premod" else None
    if premod is not None:
        j += 1
    kind = _kind(items, j)
    explicit = cue
    if kind == "clock":
        hour, minute, half = items[j][1]
        explicit, j = True, j + 1
    elif kind == "noon":
        hour, minute, half = 12, 0, "noon"
        explicit, j = True, j + 1
    else:
        number = _number(items, j, words=True)
        if number is None:
            return 0
        hour, minute, half, j = number, 0, None, j + 1
        if number == 12 and _kind(items, j) == "noon":  # "12 noon", "12 del mediodía"
            return _noon_clock(r, j + 1 - i)
        if kind != "num" and not (cue or premod or _kind(items, j) in ("hw", "pod", "minmod")):
            return 0  # a number in words is an hour only where an hour is expected
        if _kind(items, j) == "hw":
            explicit, j = True, j + 1
            extra = _number(items, j)
            if extra is not None and 0 <= extra <= 59 and items[j - 1][1] in ("h", "heures"):
                minute, j = extra, j + 1
    if cue and j == i + 1:
        return 0
    if premod is not None:
        if minute or kind == "clock":
            return 0
        hour, minute = (hour - 1, 45) if premod < 0 else (hour, premod)
        explicit = True
    elif _kind(items, j) == "minmod":
        if minute:
            return 0
        hour, minute = (hour - 1, 45) if items[j][1] < 0 else (hour, items[j][1])
        explicit, j = True, j + 1
    if _kind(items, j) == "ampm":
        if half is not None:
            return 0
        half, explicit, j = items[j][1], True, j + 1
    while _kind(items, j) in ("hw",) and kind == "clock":  # "15:00 hs"
        j += 1
    if "clock" in r.parts:
        r.ok = False  # two hours in one time: which one?
    r.set("clock", (hour, minute, half, explicit))
    return j - i


def _noon_clock(r: _Reading, used: int) -> int:
    if "clock" in r.parts:
        r.ok = False
    r.set("clock", (12, 0, "noon", True))
    return used


def _p_single(items: list[tuple[str, Any]], i: int, r: _Reading) -> int:
    kind, value = items[i]
    if kind in ("rel", "pod", "nextweek", "ambiguous", "coming"):  # "ambiguous": `_resolve`
        r.set(kind, value)
        return 1
    if kind in ("fill", "cue", "daymark"):
        return 1
    return 0


_PATTERNS = (_p_duration, _p_month_date, _p_numeric_date, _p_daymark, _p_weekday, _p_time)
_PATTERNS = (*_PATTERNS, _p_single)


# Resolving: what she said → a wall-clock time -------------------------------------------------

_POD_HOURS = {"morning": range(5, 12), "afternoon": range(12, 20), "evening": range(17, 24)}


def _clock(parts: dict[str, Any]) -> time | None:
    """The hour she meant, or None when it is missing, impossible or ambiguous."""
    if "clock" not in parts:
        return None
    hour, minute, half, _explicit = parts["clock"]
    pod = parts.get("pod")
    if not (0 <= minute <= 59) or hour < 0:
        return None
    if half == "noon":
        if pod not in (None, "afternoon"):
            return None
    elif half in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
        if hour == 0:
            return None  # "12am": midnight or noon? Ask.
    elif pod is not None:
        if 1 <= hour <= 11 and pod != "morning":
            hour += 12
    elif not 7 <= hour <= 23:
        return None  # "a las 3", "à 3h": three in the morning is surely not meant; ask
    if not 0 <= hour <= 23 or (pod is not None and hour not in _POD_HOURS[pod]):
        return None
    return time(hour, minute)


def _resolve(reading: _Reading, local_now: datetime) -> datetime | None:
    parts = reading.parts
    if "ambiguous" in parts:
        return None
    clock = _clock(parts)
    if clock is None:
        return None
    if "wd_number" in parts:  # "jueves 12 a las 17h": with an hour beside it, 12 is the day
        if "day" in parts:
            return None
        parts["day"] = parts.pop("wd_number")
    day = _day(parts, local_now, clock)
    return None if day is None else datetime.combine(day, clock)


_DAY_PARTS = frozenset({"rel", "day", "wd", "wd_number", "month", "year", "nextweek"})


def _day(parts: dict[str, Any], local_now: datetime, clock: time) -> date | None:
    today = local_now.date()
    if "same_day" in parts:
        return parts["same_day"]
    if parts.get("nextweek"):
        if "wd" not in parts or {"rel", "day", "month"} & parts.keys():
            return None
        monday = today + timedelta(days=7 - today.weekday())
        return monday + timedelta(days=parts["wd"])
    if "rel" in parts:
        found = today + timedelta(days=parts["rel"])
    elif "day" in parts:
        found = _calendar(parts, today)
    elif "month" in parts or "year" in parts:
        return None
    elif "wd" in parts:
        ahead = (parts["wd"] - today.weekday()) % 7
        if ahead == 0 and (clock <= local_now.time() or parts.get("coming")):
            ahead = 7
        return today + timedelta(days=ahead)
    else:
        return today if clock > local_now.time() else today + timedelta(days=1)
    if found is None:
        return None
    if "wd" in parts and found.weekday() != parts["wd"]:
        return None  # "jueves 12" when the 12th is a Saturday: ask, never guess
    for name, value in (("day", found.day), ("month", found.month), ("year", found.year)):
        if name in parts and parts[name] != value:
            return None
    return found


def _calendar(parts: dict[str, Any], today: date) -> date | None:
    """The date of "le 16", "16 mars", "16/03/2027": the next one from today when no year."""
    day, month, year = parts["day"], parts.get("month"), parts.get("year")
    try:
        if year is not None and month is not None:
            return date(year, month, day)
        if year is not None:
            return None
        if month is not None:
            found = date(today.year, month, day)
            return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        return None
    for ahead in range(2):  # "le 16": this month's, or next month's when it has passed
        month_index = today.month - 1 + ahead
        year_, month_ = today.year + month_index // 12, month_index % 12 + 1
        try:
            found = date(year_, month_, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None
