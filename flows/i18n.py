"""Translations and locale-aware formatting with Babel.

Catalogs are the `.po` files under `locales/`. A compiled `.mo` (from `pybabel compile -d
locales`) is used when it is newer than its `.po`; otherwise the `.po` is compiled in memory at
first use, so a fresh checkout works with no build step and a stale `.mo` can never win.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from locales import LOCALES_DIR

LANGUAGES = ("es", "fr", "en")
DEFAULT_LANGUAGE = "en"

# The regional locale used for dates and numbers, by language and country of residence.
_REGIONAL = {
    ("es", "BO"): "es_BO",
    ("fr", "SN"): "fr_SN",
    ("fr", "CA"): "fr_CA",
    ("en", "CA"): "en_CA",
}
_REGIONAL_DEFAULT = {"es": "es_BO", "fr": "fr_SN", "en": "en_CA"}


def supported(language: str | None) -> str:
    """The language itself when the bot speaks it, else the default."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(language: str) -> Translations:
    """The catalog of one language (compiled in memory when no fresh `.mo` exists)."""
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po_path, mo_path = folder / "messages.po", folder / "messages.mo"
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as handle:
            return Translations(handle, domain="messages")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def gettext(language: str, msgid: str) -> str:
    return translations(supported(language)).gettext(msgid)


def pgettext(language: str, context: str, msgid: str) -> str:
    return translations(supported(language)).pgettext(context, msgid)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    return translations(supported(language)).ngettext(singular, plural, n)


def regional_locale(language: str, country: str | None) -> Locale:
    """The Babel locale for formatting: es_BO, fr_SN, fr_CA or en_CA."""
    language = supported(language)
    code = _REGIONAL.get((language, country or ""), _REGIONAL_DEFAULT[language])
    return Locale.parse(code)


def decimal(language: str, value: float, *, signed: bool = False) -> str:
    """A number with one decimal the reader's way: "2,0" in French and Spanish, "2.0" in English;
    `signed` shows "+" on a rise."""
    pattern = "+#,##0.0;-#,##0.0" if signed else "#,##0.0"
    return format_decimal(value, pattern, locale=regional_locale(language, None))


def day_month(language: str, day: date) -> str:
    """A day and month with no room for doubt between locales: "2 mars", "2 mar", "Mar 2"."""
    return format_skeleton("MMMd", day, locale=regional_locale(language, None))


@cache
def zone(name: str | None) -> ZoneInfo:
    """An IANA zone, UTC when unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")
