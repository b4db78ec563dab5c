"""Plain-text helpers shared by every flow: comparing words and cleaning what people type."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces ("¡Español!" → "espanol")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(
        char if unicodedata.category(char)[0] in "LN" else " "
        for char in decomposed
        if not unicodedata.combining(char)
    )
    return " ".join(kept.split())


def clean_text(text: str) -> str:
    """Her words without control characters or runs of spaces."""
    printable = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(printable.split())
