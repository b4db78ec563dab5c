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


def clean_text(text: str, *, lines: bool = False) -> str:
    """Her words without control characters or runs of spaces; with `lines`, her line breaks
    kept (a blank line between paragraphs at most), for words she wrote at length."""
    if lines:
        kept = "\n".join(clean_text(line) for line in text.splitlines())
        return "\n\n".join(_paragraphs(kept))
    printable = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(printable.split())


def _paragraphs(text: str) -> list[str]:
    """Blocks of lines separated by blank lines, without empty ones."""
    return [block.strip("\n") for block in text.split("\n\n") if block.strip("\n")]


def beginning(text: str, most: int) -> str:
    """The beginning of `text`, at most `most` characters, cut between words where one ends in
    its second half."""
    if len(text) <= most:
        return text
    cut = text[: most + 1]  # a word that ends right at `most` is kept whole
    space = cut.rfind(" ")
    return cut[:space].rstrip() if space > most // 2 else text[:most]


def without_intro(words: list[str], intros: frozenset[str]) -> list[str]:
    """Her words without the introduction she put before them ("me llamo", "vivo en", "mon
    entreprise s'appelle"), as `normalise` writes it; something must follow it."""
    longest = max((len(intro.split()) for intro in intros), default=0)
    for count in range(min(longest, len(words) - 1), 0, -1):
        if normalise(" ".join(words[:count])) in intros:
            return words[count:]
    return words


# Particles that stay in small letters inside a name ("María del Carmen", "Anne van Dijk").
NAME_PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "e", "du", "des", "le", "van", "von", "der", "da", "dos"}
)


def name_case(name: str) -> str:
    """A name written all in small letters or all in capitals, capitalised as on a card ("maría
    de la cruz" → "María de la Cruz", "CARMEN" → "Carmen", "n'diaye" → "N'Diaye", "marie-claire"
    → "Marie-Claire"); any other spelling ("McDonald", "DeSouza") is hers to keep."""
    if name not in (name.lower(), name.upper()):
        return name
    words = name.lower().split()
    return " ".join(
        word if index and word in NAME_PARTICLES else _capitalised(word)
        for index, word in enumerate(words)
    )


def _capitalised(word: str) -> str:
    """One word of a name with a capital after each hyphen, and after a one-letter prefix and
    its apostrophe ("N'Diaye", "O'Brien"), not after a longer one ("Ma'am")."""
    parts = []
    for part in word.split("-"):
        head, apostrophe, tail = part.partition("'")
        if not apostrophe:
            head, apostrophe, tail = part.partition("’")
        if apostrophe and len(head) == 1 and tail:
            parts.append(head.upper() + apostrophe + tail[:1].upper() + tail[1:])
        else:
            parts.append(part[:1].upper() + part[1:])
    return "-".join(parts)
