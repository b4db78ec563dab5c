"""Text for WhatsApp and SMS: long messages split where a reader expects a break, SMS segments.

WhatsApp takes up to 1,600 characters a message. SMS parts are kept much shorter (320, Twilio's
own advice for reliable delivery) and split on paragraph, line, then sentence boundaries, so each
part reads on its own on a basic phone. Segment counting (GSM-7: 160 / 153 per part, UCS-2: 70 /
67; one character outside GSM-7 switches the whole message to UCS-2) is what the carrier bills;
`segments` lets tests and the benchmark measure it rather than forcing text into ASCII.

`sms_body` makes a message cheap on SMS without changing what it says: typography outside GSM-7
(en dash, curly quotes, ellipsis, narrow spaces) always becomes its plain GSM-7 twin, and
decorative emoji are left out; accented
letters outside GSM-7 ("á", "ç", "ê") become plain letters as the deployment says
(`SMS_TRANSLITERATE`: "auto", the default, only when that makes the message cost fewer
segments; "always"; "never"); and the "reply with a number" hint is left out when it alone
would make the message cross a segment boundary.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from flows.render import Rendered

WHATSAPP_LIMIT = 1600
SMS_LIMIT = 320

# When accented letters outside GSM-7 lose their accent on SMS (see `sms_body`).
Transliteration = Literal["auto", "always", "never"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (escape + character) and never straddles two parts.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")

# Typography with a plain GSM-7 twin: replaced on every SMS, whatever the deployment says.
TYPOGRAPHY = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2011": "-",  # non-breaking hyphen
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',  # « »
        "\u00bb": '"',
        "\u2026": "...",
        "\u00a0": " ",  # no-break spaces (French puts one before ? ! : ;)
        "\u202f": " ",
        "\u2009": " ",
        "\u2022": "-",
        "\u00b7": "-",  # middle dot ("Tip · Sales")
    }
)
# Decorative emoji ("💡 Tip"), with the space after them: outside GSM-7, one makes the whole SMS
# UCS-2. Symbols (So), skin tones (Sk), variation selectors and joiners; dropped on every SMS.
_EMOJI = re.compile(
    "(?:[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]"
    "[\U0001f3fb-\U0001f3ff\ufe0f\u200d]*)+ ?"
)
# Letters outside GSM-7 whose plain form is not simply the letter without its accent.
_SPECIAL_LETTERS = {"ç": "c", "œ": "oe", "Œ": "OE", "ª": "a", "º": "o"}


def units(text: str) -> int:
    """Length as Twilio counts it (UTF-16 code units: an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def segments(text: str) -> tuple[str, int]:
    """("GSM-7" or "UCS-2", how many SMS segments the carrier sends for this text)."""
    if is_gsm7(text):
        costs = [2 if char in GSM7_EXTENDED else 1 for char in text]
        return "GSM-7", _pack(costs, single=160, per_part=153)
    costs = [2 if ord(char) > 0xFFFF else 1 for char in text]  # surrogate pairs stay whole
    return "UCS-2", _pack(costs, single=70, per_part=67)


def _pack(costs: list[int], *, single: int, per_part: int) -> int:
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts


def split(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` units, cut at paragraphs, then lines, sentences, words."""
    text = text.strip()
    if units(text) <= limit:
        return [text] if text else []
    return [part for part in _split(text, limit, 0) if part]


# Each level: how to cut, and how to glue the pieces back inside one part.
_LEVELS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\n\s*\n"), "\n\n"),
    (re.compile(r"\n"), "\n"),
    (_SENTENCE_END, " "),
    (re.compile(r"\s+"), " "),
]


def _split(text: str, limit: int, level: int) -> list[str]:
    if units(text) <= limit:
        return [text.strip()]
    if level >= len(_LEVELS):  # one unbroken word longer than a message: cut it
        return _cut(text, limit)
    pattern, glue = _LEVELS[level]
    pieces = [piece.strip() for piece in pattern.split(text) if piece.strip()]
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if units(piece) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.extend(_split(piece, limit, level + 1))
            continue
        candidate = f"{current}{glue}{piece}" if current else piece
        if units(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


# Where an SMS may be cut, the most natural first: between paragraphs, lines, sentences.
_GAP = re.compile(r"\s+")
_PARAGRAPH, _LINE, _SENTENCE = 0, 1, 2


def _gaps(text: str) -> list[tuple[int, int, int]]:
    """(start, end, how natural a cut: 0 best) of each gap an SMS part may end at."""
    found = []
    for gap in _GAP.finditer(text):
        newlines = gap.group().count("\n")
        if newlines >= 2:
            found.append((gap.start(), gap.end(), _PARAGRAPH))
        elif newlines == 1:
            found.append((gap.start(), gap.end(), _LINE))
        elif gap.start() and text[gap.start() - 1] in ".!?…":
            found.append((gap.start(), gap.end(), _SENTENCE))
    return found


def sms_parts(text: str) -> list[str]:
    """SMS parts of at most 320 units, each ending at a paragraph, a line or a sentence, cut where
    the carrier bills the fewest segments (then the fewest parts, then the most natural cuts).

    Each part is billed on its own: cut greedily, a part of 307 to 320 GSM-7 characters costs
    a third segment that a cut one line earlier saves. A text with no such cuts (a sentence over
    320 characters), or with very many, is split as `split` does."""
    text = text.strip()
    if units(text) <= SMS_LIMIT:
        return [text] if text else []
    gaps = _gaps(text)
    if len(gaps) > _MOST_GAPS:
        return split(text, SMS_LIMIT)
    bill = _Bill(text)
    starts = [0, *(end for _start, end, _kind in gaps)]
    ends = [*((start, kind) for start, _end, kind in gaps), (len(text), _PARAGRAPH)]
    # best[i]: the cheapest (segments, parts, cuts) way to send text[:ends[i - 1]], and whence.
    best: list[tuple[tuple[int, int, int], int] | None] = [((0, 0, 0), -1)]
    for i, (end, kind) in enumerate(ends, start=1):
        options = []
        for j in range(i - 1, -1, -1):
            if bill.units(starts[j], end) > SMS_LIMIT:
                break  # an earlier start only makes the part longer
            before = best[j]
            if before is not None:
                (billed, parts, cuts), _whence = before
                cost = (billed + bill.segments(starts[j], end), parts + 1, cuts + kind)
                options.append((cost, j))
        best.append(min(options) if options else None)
    if best[-1] is None:
        return split(text, SMS_LIMIT)
    cut: list[str] = []
    i = len(ends)
    while i > 0:
        j = best[i][1]  # type: ignore[index]
        cut.append(text[starts[j] : ends[i - 1][0]].strip())
        i = j
    return cut[::-1]


# Beyond this many places to cut (a long text of one-line sentences), the greedy split.
_MOST_GAPS = 200


class _Bill:
    """Units and segments of any stretch of one text, from running totals (a part's cost is
    asked for many stretches while choosing where to cut)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._units = [0]
        self._odd = [0]  # characters outside GSM-7's basic table: extended, or not GSM-7 at all
        self._outside = [0]  # characters outside GSM-7 altogether (the part is then UCS-2)
        for char in text:
            self._units.append(self._units[-1] + (2 if ord(char) > 0xFFFF else 1))
            self._odd.append(self._odd[-1] + (char not in GSM7_BASIC))
            self._outside.append(self._outside[-1] + (not is_gsm7(char)))

    def units(self, start: int, end: int) -> int:
        return self._units[end] - self._units[start]

    def segments(self, start: int, end: int) -> int:
        length = end - start
        if self._odd[end] == self._odd[start]:  # plain GSM-7: no escape can straddle parts
            return 1 if length <= 160 else -(-length // 153)
        if self._outside[end] != self._outside[start] and self.units(start, end) == length:
            return 1 if length <= 70 else -(-length // 67)  # UCS-2 without surrogate pairs
        return segments(self.text[start:end])[1]


def _cut(text: str, limit: int) -> list[str]:
    parts, current = [], ""
    for char in text:
        if units(current + char) > limit:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def gsm_typography(text: str) -> str:
    """Curly quotes, dashes, ellipsis and narrow spaces as their GSM-7 twins; decorative emoji
    left out (a message of emoji alone is kept: it would say nothing without them)."""
    plain = _EMOJI.sub("", text)
    return (plain if plain.strip() else text).translate(TYPOGRAPHY)


def transliterate(text: str) -> str:
    """Every character outside GSM-7 as its nearest GSM-7 form ("información" → "informacion")."""
    return "".join(_gsm_letter(char) for char in gsm_typography(text))


def _gsm_letter(char: str) -> str:
    if char in GSM7_BASIC or char in GSM7_EXTENDED:
        return char
    if char in _SPECIAL_LETTERS:
        return _SPECIAL_LETTERS[char]
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return bare if bare and all(c in GSM7_BASIC for c in bare) else char


def sms_body(rendered: Rendered, language: str, transliteration: Transliteration = "auto") -> str:
    """The text an SMS carries: the cheapest of its forms, accents and hint kept when they are free.

    One "á" turns a whole message into UCS-2 (70 characters a segment instead of 160): written
    without accents, a Spanish message costs about half. "auto" drops them only where that saves
    a segment, so a short "¿Sí?" keeps its accent; ties go to the fuller form.
    """
    full = rendered.as_numbered_text(language)
    short = rendered.as_numbered_text(language, hint=False)
    cleaners = {
        "never": (gsm_typography,),
        "auto": (gsm_typography, transliterate),
        "always": (transliterate,),
    }[transliteration]
    # In order of preference: accents before plain letters, the hint before none.
    forms = [clean(text) for clean in cleaners for text in (full, short)]
    # One screen rather than two, then the fewest segments; min keeps the first of equals.
    return min(forms, key=_parts_then_cost)


def _parts_then_cost(text: str) -> tuple[int, int]:
    parts = sms_parts(text)
    return len(parts), sum(segments(part)[1] for part in parts)


def sms_cost(text: str) -> int:
    """Segments billed for a text sent as SMS (its `sms_parts`)."""
    return sum(segments(part)[1] for part in sms_parts(text))


def sms_bill(text: str, transliteration: Transliteration = "auto") -> tuple[str, int]:
    """("GSM-7" or "UCS-2", segments) for a plain text as the SMS channel would send it."""
    parts = sms_parts(sms_body(Rendered(text), "en", transliteration))
    encoding = "UCS-2" if any(segments(part)[0] == "UCS-2" for part in parts) else "GSM-7"
    return encoding, sum(segments(part)[1] for part in parts)
