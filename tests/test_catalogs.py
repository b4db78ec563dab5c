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
