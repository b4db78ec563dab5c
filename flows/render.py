"""Turn a `Reply` into words for one reader: her language, her regional formats, her time zone.

This happens when a message is sent, never when it is planned, so a woman who switches language
receives even already-queued messages in the new one. Channels then lay the result out natively
(an inline keyboard on Telegram, a numbered list on WhatsApp, SMS and the console).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_datetime
from babel.lists import format_list

from flows import i18n, keywords
from flows.messages import Msg, Reply, _, _n

# A message made of one other message rendered in several languages at once (first contact).
MULTILINGUAL = "$multilingual"


@dataclass(frozen=True)
class Reader:
    """Who a message is rendered for (`at`: when it is sent, for a message that says something
    true only at that moment, see `timed`; None for all others, which depend on no clock)."""

    language: str
    country: str | None = None
    timezone: str | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Rendered:
    """A message ready for a channel: its text and its options as (key, label) pairs."""

    text: str
    options: tuple[tuple[str, str], ...] = ()
    multi: bool = False
    hint: bool = True

    def as_numbered_text(self, language: str, *, hint: bool | None = None) -> str:
        """Text with the options as a numbered list, for channels without buttons."""
        if not self.options:
            return self.text
        lines = [f"{number}. {label}" for number, (_key, label) in enumerate(self.options, 1)]
        text = f"{self.text}\n\n" + "\n".join(lines)
        if not (self.hint if hint is None else hint):
            return text
        return text + "\n\n" + i18n.gettext(language, (HINT_MANY if self.multi else HINT_ONE).msgid)


HINT_ONE = _("Reply with a number.")
HINT_MANY = _("Reply with one or more numbers, e.g. 1 3.")

# How far another woman's clock is from hers (`clock_gap`).
SAME_TIME = _("the same time as yours")
AHEAD = _n("{n} hour ahead of you", "{n} hours ahead of you", 1)
BEHIND = _n("{n} hour behind you", "{n} hours behind you", 1)
AHEAD_HM = _("{hours} h {minutes} min ahead of you")
BEHIND_HM = _("{hours} h {minutes} min behind you")

# What a message whose words depend on the moment it is sent carries (see `timed`).
_TIMED = '"$gap"'


def timed(payload: str) -> bool:
    """Whether a message (its payload's JSON text) says something true only when it is sent,
    so is rendered with the sending time (`Reader.at`); the others are rendered once for all
    who read alike."""
    return _TIMED in payload


def gap(timezone: str | None, reader: Reader, at: datetime) -> Msg:
    """How far `timezone`'s clock is from the reader's at `at` ("1 hour ahead of you")."""
    mine = at.astimezone(i18n.zone(reader.timezone)).utcoffset() or timedelta()
    theirs = at.astimezone(i18n.zone(timezone)).utcoffset() or timedelta()
    minutes = int((theirs - mine).total_seconds() // 60)
    if minutes == 0:
        return SAME_TIME
    hours, rest = divmod(abs(minutes), 60)
    if rest:
        return _((AHEAD_HM if minutes > 0 else BEHIND_HM).msgid, hours=hours, minutes=rest)
    form = AHEAD if minutes > 0 else BEHIND
    return _n(form.msgid, form.plural or "", hours)


def render(reply: Reply, reader: Reader) -> Rendered:
    text = render_msg(reply.msg, reader)
    options = tuple((option.key, render_msg(option.label, reader)) for option in reply.options)
    return Rendered(text, options, reply.multi, reply.hint)


def render_msg(msg: Msg, reader: Reader) -> str:
    """One message in the reader's language with its parameters formatted for her."""
    if msg.msgid == MULTILINGUAL:
        inner = Msg.from_json(msg.params["msg"])
        return "\n".join(
            render_msg(inner, replace(reader, language=language))
            for language in msg.params["languages"]
        )
    language = i18n.supported(reader.language)
    if msg.plural is not None:
        template = i18n.ngettext(language, msg.msgid, msg.plural, msg.n or 0)
    elif msg.context is not None:
        template = i18n.pgettext(language, msg.context, msg.msgid)
    else:
        template = i18n.gettext(language, msg.msgid)
    values = {name: _value(value, reader) for name, value in msg.params.items()}
    if not values:
        return template
    for name, value in values.items():
        # "…, 11:00 a.m." closing a sentence: one full stop, not "a.m..".
        if isinstance(value, str) and value.endswith(".") and f"{{{name}}}." in template:
            values[name] = value[:-1]
    return template.format_map(values)


def _value(value: Any, reader: Reader) -> Any:
    if isinstance(value, dict):
        if "$msg" in value:
            return render_msg(Msg.from_json(value["$msg"]), reader)
        if "$dt" in value:
            instant = datetime.fromisoformat(value["$dt"])
            return format_instant(instant, reader, value.get("format", "full"))
        if "$text" in value:
            texts = value["$text"]
            return texts.get(i18n.supported(reader.language)) or texts.get("en", "")
        if "$gap" in value:
            at = reader.at or datetime.fromisoformat(value["at"])
            return render_msg(gap(value["$gap"], reader, at), reader)
        if "$kw" in value:
            return keywords.shown(keywords.Keyword(value["$kw"]), reader.language)
        if "$list" in value:
            items = [str(_value(item, reader)) for item in value["$list"]]
            lower = value.get("lower")
            if lower is True or (lower == "names" and i18n.supported(reader.language) != "en"):
                items = [_lower_first(item) for item in items]
            locale = i18n.regional_locale(reader.language, reader.country)
            if not items:
                return "—"
            if value.get("style") == "unit":
                # Babel's "unit" lists are incomplete for some regional locales (es_BO).
                return ", ".join(items)
            return format_list(items, locale=locale)
    return value


def _lower_first(text: str) -> str:
    """ "Leadership and teams" → "leadership and teams"; "IA et outils" stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def format_instant(instant: datetime, reader: Reader, format: str = "full") -> str:
    """A moment as the reader says it: her zone, her language ("jueves 5 de marzo, 15:00");
    `format` "short" ("5 de mar, 15:00") or "day" ("jueves 5 de marzo")."""
    locale = i18n.regional_locale(reader.language, reader.country)
    tz = i18n.zone(reader.timezone)
    pattern = _PATTERNS[locale.language][format]
    return format_datetime(instant, pattern, tzinfo=tz, locale=locale)


# Patterns by language: "jueves 5 de marzo, 15:00", "jeudi 5 mars, 15 h 00", "Thursday, March 5,
# 3:00 p.m." — a 24-hour clock where people write one ("15 h 00" in French).
_PATTERNS = {
    "es": {
        "full": "EEEE d 'de' MMMM, HH:mm",
        "short": "d 'de' MMM, HH:mm",
        "day": "EEEE d 'de' MMMM",
    },
    "fr": {"full": "EEEE d MMMM, H 'h' mm", "short": "d MMM, H 'h' mm", "day": "EEEE d MMMM"},
    "en": {"full": "EEEE, MMMM d, h:mm a", "short": "MMM d, h:mm a", "day": "EEEE, MMMM d"},
}
