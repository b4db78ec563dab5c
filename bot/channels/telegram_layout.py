"""How a rendered message looks on Telegram: inline keyboards, callback data, long-text splitting.

Callback data carries only the outbox id of the message that showed the keyboard and the option's
vocabulary key ("812:yes"), never anything she typed or any personal data. Telegram allows 1–64
bytes; a key too long for that is sent as its position instead ("812#3"). The outbox id lets the
channel tell a tap on the current question from a tap on an old keyboard.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 4096  # Telegram's limit, in UTF-16 code units
MAX_CALLBACK_BYTES = 64
# Two buttons share a row only when both labels are this short (they fit half a phone screen).
SHORT_LABEL = 16

_CALLBACK = re.compile(r"^(\d{1,19})([:#])(.{1,60})$", re.DOTALL)


@dataclass(frozen=True)
class Tap:
    """What a callback button says: which message offered it, and which option it is."""

    outbox_id: int
    key: str | None = None
    index: int | None = None


def callback_data(outbox_id: int, index: int, key: str) -> str:
    data = f"{outbox_id}:{key}"
    if len(data.encode()) <= MAX_CALLBACK_BYTES and key.isprintable():
        return data
    return f"{outbox_id}#{index}"


def parse_callback(data: str | None) -> Tap | None:
    """The tap a button's data describes; None for anything we did not write."""
    match = _CALLBACK.match(data or "")
    if match is None:
        return None
    outbox_id, kind, rest = int(match[1]), match[2], match[3]
    if kind == "#":
        return Tap(outbox_id, index=int(rest)) if rest.isdigit() else None
    return Tap(outbox_id, key=rest)


def keyboard(options: Sequence[tuple[str, str]], outbox_id: int) -> dict[str, Any]:
    """The Bot API's InlineKeyboardMarkup: one button per option; two short ones share a row."""
    rows: list[list[dict[str, str]]] = []
    for index, (key, label) in enumerate(options):
        button = {"text": label, "callback_data": callback_data(outbox_id, index, key)}
        last = rows[-1] if rows else None
        if (
            last is not None
            and len(last) == 1
            and len(last[0]["text"]) <= SHORT_LABEL
            and len(label) <= SHORT_LABEL
        ):
            last.append(button)
        else:
            rows.append([button])
    return {"inline_keyboard": rows}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces under `limit`, cut between paragraphs, else between lines, else between words."""
    if utf16_len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) > 1:
            break
    else:
        return _hard_cut(text, limit)
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if utf16_len(part) <= limit:
            current = part
        else:  # one paragraph longer than a message: cut it finer
            *whole, current = split_text(part, limit)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()] or [text[:limit]]


def _hard_cut(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current, size = "", 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    return [*pieces, current] if current else pieces
