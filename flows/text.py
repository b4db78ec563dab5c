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
    """A name written all in small letters, capitalised as on a card ("maría de la cruz" →
    "María de la Cruz", "marie-claire" → "Marie-Claire"); any other spelling is hers to keep."""
    if name != name.lower():
        return name
    words = name.split()
    return " ".join(
        word
        if index and word in NAME_PARTICLES
        else "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
        for index, word in enumerate(words)
    )
