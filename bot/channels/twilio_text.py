"""Text for WhatsApp and SMS: long messages split where a reader expects a break, SMS segments.

WhatsApp takes up to 1,600 characters a message. SMS parts are kept much shorter (320, Twilio's
own advice for reliable delivery) and split on paragraph, line, then sentence boundaries, so each
part reads on its own on a basic phone. Segment counting (GSM-7: 160 / 153 per part, UCS-2: 70 /
67; one character outside GSM-7 switches the whole message to UCS-2) is what the carrier bills;
`segments` lets tests and the benchmark measure it rather than forcing text into ASCII.

`sms_body` makes a message cheap on SMS without changing what it says: typography outside GSM-7
(en dash, curly quotes, ellipsis, narrow spaces) always becomes its plain GSM-7 twin; accented
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
    }
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


def _cut(text: str, limit: int) -> list[str]:
    parts, current = [], ""
    for char in text:
        if units(current + char) > limit:
            parts.append(current)
            current = ""
        current += char
    return [*parts, current] if current else parts


def gsm_typography(text: str) -> str:
    """Curly quotes, dashes, ellipsis and narrow spaces as their GSM-7 twins."""
    return text.translate(TYPOGRAPHY)


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
    return min(forms, key=sms_cost)  # min keeps the first of equals


def sms_cost(text: str, limit: int = SMS_LIMIT) -> int:
    """Segments billed for a text sent as SMS parts of at most `limit` units."""
    return sum(segments(part)[1] for part in split(text, limit))


def sms_bill(text: str, transliteration: Transliteration = "auto") -> tuple[str, int]:
    """("GSM-7" or "UCS-2", segments) for a plain text as the SMS channel would send it."""
    parts = split(sms_body(Rendered(text), "en", transliteration), SMS_LIMIT)
    encoding = "UCS-2" if any(segments(part)[0] == "UCS-2" for part in parts) else "GSM-7"
    return encoding, sum(segments(part)[1] for part in parts)
