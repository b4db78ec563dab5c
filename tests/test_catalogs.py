"""The catalogs are complete: every message in the code is in the template, and every message of
the template has a real (non-empty, non-fuzzy) translation in en, es and fr with the same
placeholders."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from locales import LOCALES_DIR

ROOT = LOCALES_DIR.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_template_is_up_to_date_with_the_code(tmp_path: Path) -> None:
    """A string marked with _() but missing from messages.pot would never be translated."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "pyproject.toml",
            "-o",
            str(fresh),
            "flows",
            "bot",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    missing = _ids(_catalog(fresh)) - _ids(_catalog(LOCALES_DIR / "messages.pot"))
    assert not missing, (
        f"run pybabel extract/update; missing from messages.pot: {sorted(missing)[:5]}"
    )


def _marked_in_source() -> set[str]:
    """Every literal passed to _(), _n() or _p() in the code, found by walking the syntax tree.

    This does not rely on pybabel, whose extractor silently skips a _() nested inside the
    arguments of another _() call.
    """
    found: set[str] = set()
    for path in [*ROOT.glob("flows/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            position = {"_": 0, "_n": 0, "_p": 1}.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def test_every_marked_string_is_in_the_template() -> None:
    missing = _marked_in_source() - _ids(_catalog(LOCALES_DIR / "messages.pot"))
    assert not missing, f"not extracted (a _() nested in another _()?): {sorted(missing)[:5]}"


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_every_message_is_translated(language: str) -> None:
    template = _catalog(LOCALES_DIR / "messages.pot")
    catalog = _catalog(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po")
    problems = []
    for entry in template:
        if not entry.id:
            continue
        found = catalog.get(entry.id, context=entry.context)
        if found is None:
            problems.append(f"missing: {entry.id!r}")
            continue
        if found.fuzzy:
            problems.append(f"fuzzy: {entry.id!r}")
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(s.strip() for s in strings):
            problems.append(f"empty: {entry.id!r}")
            continue
        source = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        wanted = set().union(*(PLACEHOLDER.findall(s) for s in source))
        for string in strings:
            got = set(PLACEHOLDER.findall(string))
            if not got <= wanted:
                problems.append(f"placeholders {sorted(got - wanted)} unknown in {entry.id!r}")
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_every_message_survives_compilation(language: str) -> None:
    """What the bot really loads (the compiled catalog) has every entry, with its context:
    a language named in itself ("Français") as much as any sentence."""
    from flows.i18n import translations

    compiled = translations(language)._catalog  # the msgid → msgstr table gettext reads
    template = _catalog(LOCALES_DIR / "messages.pot")
    lost = []
    for entry in template:
        if not entry.id:
            continue
        singular = entry.id[0] if isinstance(entry.id, tuple) else entry.id
        key = f"{entry.context}\x04{singular}" if entry.context else singular
        if isinstance(entry.id, tuple):
            key = (key, 0)  # type: ignore[assignment]
        if not compiled.get(key):
            lost.append(singular)
    assert not lost, f"{len(lost)} entries missing or empty once compiled: {lost[:9]}"


# French puts a non-breaking space (U+00A0, as the catalog mostly does) before ? ! : ; so the
# mark never starts a line of its own on a narrow screen. Not a mark inside a token ("10:30",
# "telegram:123", "https://…"), inside a placeholder ("{value:.1f}"), nor one closing text
# kept in English (found as such in the English source: « Are you free? »). Guillemets hold
# their words with the same space inside, so « never ends a line nor » starts one.
NBSP = "\u00a0"
_FR_MARK = re.compile(r"[?!:;]")
_LOOSE_GUILLEMET = re.compile(r"«(?!\u00a0)|(?<!\u00a0)»")
_NOT_PROSE = re.compile(r"\{[^{}]*\}|\b(?:https?://|www\.)\S+")


def french_spacing_faults(text: str, source: str = "") -> list[str]:
    """Each ? ! : ; of a French text not preceded by a non-breaking space, and each « » without
    one inside, shown in context."""
    prose = _NOT_PROSE.sub(lambda found: "X" * len(found.group(0)), text)
    faults = []
    for mark in _FR_MARK.finditer(prose):
        at = mark.start()
        before = prose[at - 1] if at else ""
        after = prose[at + 1] if at + 1 < len(prose) else ""
        if before == NBSP or before in "?!:;" or after.isalnum() or after == "/":
            continue
        word = re.search(r"\S*$", prose[:at])
        if before.isalnum() and word and word.group(0) + mark.group(0) in source:
            continue  # English kept as it is inside the French
        if text[at] == mark.group(0):  # not inside a placeholder or a URL
            faults.append(text[max(0, at - 20) : at + 1])
    for loose in _LOOSE_GUILLEMET.finditer(text):
        faults.append(text[max(0, loose.start() - 10) : loose.end() + 10])
    return faults


@pytest.mark.parametrize(
    ("text", "faults"),
    [
        ("Quel est votre prénom ?", 1),  # a plain space
        ("Quel est votre prénom?", 1),  # no space
        ("Avant de commencer\u202f: oui ; non !", 3),  # one convention: U+00A0
        ("Quel est votre prénom\u00a0? Oui\u00a0!", 0),
        ("Écrivez l'heure comme 10:30, ou /coordinators add telegram:123\u00a0;", 0),
        ("Le lien\u00a0: https://meet.example/a?b=c ou {when:%H:%M}\u00a0!", 0),
        ("Répondez «\u00a0{answer}\u00a0»\u00a0?!", 0),
        ("Choisissez « Aide »\u00a0!", 2),  # plain spaces inside the guillemets
        ("Choisissez «Aide»\u00a0!", 2),  # none
    ],
)
def test_the_french_spacing_check_sees_each_plain_or_missing_space(text: str, faults: int):
    assert len(french_spacing_faults(text)) == faults, french_spacing_faults(text)


def test_the_french_spacing_check_leaves_english_inside_french_alone():
    source = 'Write for example: "Are you free?"'
    kept = "Écrivez par exemple\u00a0: «\u00a0Are you free?\u00a0»"
    assert french_spacing_faults(kept, source) == []
    assert french_spacing_faults(kept.replace("\u00a0:", ":"), source) != []


def test_french_has_a_non_breaking_space_before_each_question_mark_colon_and_the_like():
    """Every French message and learning tip: "prénom\u00a0?", never "prénom ?" or "prénom?"."""
    from flows.tips import library

    faults = []
    for entry in _catalog(LOCALES_DIR / "fr" / "LC_MESSAGES" / "messages.po"):
        if not entry.id:
            continue
        sources = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for string in strings:
            faults += french_spacing_faults(string, " ".join(sources))
    for tip in library():
        faults += french_spacing_faults(tip.text["fr"], tip.text["en"])
    assert not faults, f"{len(faults)} without a non-breaking space: {faults[:8]}"
