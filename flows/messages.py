"""The vocabulary shared by every channel and every flow: what comes in, what goes out.

Flows never hold rendered text. They return `Msg` values (a gettext message id and its parameters),
which are stored in the outbox as JSON and rendered in the recipient's language and time zone when
the delivery worker sends them. `_` and `_n` are the markers `pybabel extract` looks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ChannelKind(StrEnum):
    """Where a person talks to the bot. One person may use several."""

    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    CONSOLE = "console"


@dataclass(frozen=True)
class Msg:
    """A translatable message: a gettext id, its optional plural and its named parameters.

    Parameter values are JSON-safe. Three shapes are rendered specially (see `flows.render`):
    `{"$msg": {...}}` a nested Msg, `{"$dt": iso}` a UTC instant shown in the reader's zone
    (`"format": "day"`: its day alone),
    `{"$list": [...]}` a list of values joined the reader's way ("a, b and c"),
    `{"$text": {"es": …, "fr": …}}` content in several languages, `{"$kw": word}` a global word,
    `{"$gap": zone, "at": iso}` how far that zone's clock is from the reader's when she reads it.
    """

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None
    # gettext's message context, for a word that translates differently in different places.
    context: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.msgid, "params": self.params}
        if self.plural is not None:
            data["plural"] = self.plural
            data["n"] = self.n
        if self.context is not None:
            data["ctx"] = self.context
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Msg:
        return cls(
            data["id"],
            dict(data.get("params", {})),
            data.get("plural"),
            data.get("n"),
            data.get("ctx"),
        )


def _(msgid: str, /, **params: Any) -> Msg:
    """Mark a message for translation; it is translated when it is sent, not here."""
    return Msg(msgid, params)


def _p(context: str, msgid: str, /, **params: Any) -> Msg:
    """Mark a message whose translation depends on a context ("spoken language": "English")."""
    return Msg(msgid, params, context=context)


def _n(singular: str, plural: str, n: int, /, **params: Any) -> Msg:
    """Mark a message with plural forms; `n` chooses the form and is also passed as `{n}`."""
    return Msg(singular, {"n": n, **params}, plural, n)


def nested(msg: Msg) -> dict[str, Any]:
    """A parameter value that is itself a translated message."""
    return {"$msg": msg.to_json()}


def when(instant: datetime) -> dict[str, str]:
    """A parameter value that is a moment in time, shown in the reader's zone and language."""
    return {"$dt": instant.isoformat()}


def clock_gap(timezone: str | None, at: datetime) -> dict[str, str | None]:
    """A parameter value: how far `timezone`'s clock is from the reader's ("1 hour ahead of
    you"), worked out when the message is sent, so that one held for her night across a change
    of daylight-saving time is still true; `at` when it is rendered without a sending time."""
    return {"$gap": timezone, "at": at.isoformat()}


def day_of(instant: datetime) -> dict[str, str]:
    """The day of a moment, without its hour ("jueves 5 de marzo"), in the reader's zone."""
    return {"$dt": instant.isoformat(), "format": "day"}


def listing(
    items: list[Any], *, style: str = "standard", lower: bool | str = False
) -> dict[str, Any]:
    """A parameter value that is a list, joined the reader's way.

    "standard" joins with "and" ("a, b and c"); "unit" only with commas, for lists whose items
    already contain "and" ("Sales and customers, Finance and credit"). `lower` starts each item
    with a small letter, for lists inside a sentence ("help with sales and customers"), leaving
    acronyms ("IA", "AI") as they are. `lower="names"` does so except in English, for the names
    of languages ("hablan español", "speak Spanish").
    """
    value: dict[str, Any] = {"$list": items, "style": style}
    if lower:
        value["lower"] = lower
    return value


def in_sentence(label: Msg) -> dict[str, Any]:
    """A label inside a sentence, with a small letter ("the same stage: growing", "as agreed
    (every week)"); acronyms stay as they are."""
    return listing([nested(label)], style="unit", lower=True)


LINES = _("{first}\n{rest}")


def stacked(msgs: Sequence[Msg]) -> Msg:
    """Several messages as one, one a line, each translated when it is sent."""
    result = msgs[-1]
    for msg in reversed(msgs[:-1]):
        result = _(LINES.msgid, first=nested(msg), rest=nested(result))
    return result


def in_languages(texts: dict[str, str]) -> dict[str, dict[str, str]]:
    """A parameter value that is content written in several languages (a tip, an announcement):
    the reader gets hers when the message is sent (English when hers is missing)."""
    return {"$text": dict(texts)}


def keyword(word: str) -> dict[str, str]:
    """A parameter value that is a global word, shown as the reader types it ("AYUDA")."""
    return {"$kw": word}


@dataclass(frozen=True)
class Option:
    """One choice offered with a message: a stable key and its translated label."""

    key: str
    label: Msg


@dataclass(frozen=True)
class Reply:
    """One message from the bot, with the choices it offers (a keyboard or a numbered list)."""

    msg: Msg
    options: tuple[Option, ...] = ()
    # True when several options may be chosen at once ("1 3").
    multi: bool = False
    # False once she knows how to answer: no "reply with a number" under the numbered list.
    hint: bool = True

    def to_json(self) -> dict[str, Any]:
        data = {
            "msg": self.msg.to_json(),
            "options": [{"key": o.key, "label": o.label.to_json()} for o in self.options],
            "multi": self.multi,
        }
        if not self.hint:
            data["hint"] = False
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        options = tuple(
            Option(o["key"], Msg.from_json(o["label"])) for o in data.get("options", [])
        )
        return cls(
            Msg.from_json(data["msg"]), options, bool(data.get("multi")), data.get("hint", True)
        )


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as every channel hands it to the engine.

    `text` is what she typed; `option_key` is set when the channel knows which button she tapped.
    `platform_key` is the platform's own message id (Telegram update_id, Twilio MessageSid) so a
    redelivered webhook is recognised; `kind` says when she sent something that is not text.
    """

    channel: ChannelKind
    address: str
    text: str = ""
    option_key: str | None = None
    platform_key: str | None = None
    received_at: datetime | None = None
    # When her message reached the bot (the webhook), where the channel keeps it apart from
    # when it is processed: a question that went out to her after it is not what it answers.
    arrived_at: datetime | None = None
    kind: str = "text"  # "text" | "media" | "edited" | "location" | "sticker"
    locale_hint: str | None = None
    profile_name: str | None = None
    # A code that came with the message itself (a Telegram deep link t.me/bot?start=CODE): the
    # group she was invited to, joined once her profile is ready.
    invite_code: str | None = None
