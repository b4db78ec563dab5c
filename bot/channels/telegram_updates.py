"""Telegram `Update` → the engine's `Inbound`.

Only private chats with people are handled (the programme is one-to-one); group traffic, other
bots and service messages are acknowledged and ignored. Commands map to the global words the
engine already knows: `/start`, `/help`, `/menu`, `/language`, `/stop`, `/mydata`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Message, Update
from telegram.request import HTTPXRequest

from bot.channels.telegram_layout import Tap, parse_callback
from flows.messages import ChannelKind, Inbound

# Command → the text the engine recognises as that global word (flows.keywords).
COMMANDS = {
    "start": "/start",
    "help": "/help",
    "menu": "/menu",
    "language": "/language",
    "stop": "/stop",
    "mydata": "my data",
}
# Telegram's own rule for deep-link parameters (t.me/<bot>?start=<parameter>).
_DEEP_LINK = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HINTS = ("es", "fr", "en")


@dataclass(frozen=True)
class TelegramInbound(Inbound):
    """An `Inbound` from Telegram.

    For `/start <parameter>` the text stays "/start", so the START word works at every step; the
    parameter (a cohort code from a link like t.me/EntrepairsBot?start=PILOTE26) travels as
    `invite_code`, and `start_parameter` names it the way Telegram does.
    """

    @property
    def start_parameter(self) -> str | None:
        return self.invite_code


@dataclass(frozen=True)
class Callback:
    """A tap on an inline keyboard: what to acknowledge and which message to tidy."""

    query_id: str
    tap: Tap | None
    message_id: int | None
    message_text: str | None
    label: str | None


@dataclass(frozen=True)
class Parsed:
    inbound: TelegramInbound
    # Her public @username, the contact she may later agree to share with her peer.
    username: str | None
    callback: Callback | None = None


def decode(data: dict[str, Any], bot: Bot | None) -> Update:
    """An `Update` from its JSON, forgiving the empty objects some clients send.

    A real client's document came with `"thumbnail": {}`: python-telegram-bot refuses the whole
    update for it, and her message would be lost. An empty object carries nothing, so it is
    dropped and the rest read as usual.
    """
    try:
        return Update.de_json(data, bot)
    except (TypeError, ValueError, KeyError):
        return Update.de_json(_without_empty_objects(data), bot)


def readable(data: dict[str, Any]) -> dict[str, Any]:
    """The update as given when it can be read, else without its empty objects."""
    try:
        Update.de_json(data, None)
    except (TypeError, ValueError, KeyError):
        return _without_empty_objects(data)
    return data


def _without_empty_objects(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empty_objects(v) for k, v in value.items() if v != {}}
    if isinstance(value, list):
        return [_without_empty_objects(item) for item in value if item != {}]
    return value


class UpdatesRequest(HTTPXRequest):
    """The getUpdates connection: each polled update made `readable` before the library parses
    the batch, so one odd update cannot stop polling for everyone."""

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:
        data = super().parse_json_payload(payload)
        if isinstance(data.get("result"), list):
            data["result"] = [
                readable(item) if isinstance(item, dict) else item for item in data["result"]
            ]
        return data


def language_hint(code: str | None) -> str | None:
    """ "es-419" → "es"; languages the bot does not speak give no hint."""
    prefix = (code or "").split("-")[0].lower()
    return prefix if prefix in _HINTS else None


def parse(update: Update) -> Parsed | None:
    """What she sent, or None for updates the bot does not answer."""
    if update.callback_query is not None:
        return _callback(update)
    message = update.message or update.edited_message
    if message is None or message.chat.type != "private":
        return None
    user = message.from_user
    if user is None or user.is_bot:
        return None
    kind, text, start = _content(message)
    if update.edited_message is not None:
        kind = "edited"
    if kind is None:
        return None
    inbound = TelegramInbound(
        channel=ChannelKind.TELEGRAM,
        address=str(message.chat.id),
        text=text,
        platform_key=str(update.update_id),
        kind=kind,
        locale_hint=language_hint(user.language_code),
        invite_code=start,
    )
    return Parsed(inbound, user.username)


def _content(message: Message) -> tuple[str | None, str, str | None]:
    """(kind, text, deep-link parameter) of a message; kind None for service messages."""
    if message.text is not None:
        text, start = _command(message.text)
        return "text", text, start
    if message.sticker is not None:
        return "sticker", "", None
    if message.location is not None or message.venue is not None:
        return "location", "", None
    if message.effective_attachment is not None:
        return "media", "", None
    return None, "", None


def _command(text: str) -> tuple[str, str | None]:
    if not text.startswith("/"):
        return text, None
    head, _, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()
    if name not in COMMANDS:
        return text, None
    parameter = rest.strip()
    start = parameter if name == "start" and _DEEP_LINK.match(parameter) else None
    return COMMANDS[name], start


def _callback(update: Update) -> Parsed | None:
    query = update.callback_query
    assert query is not None
    message = query.message
    chat = message.chat if message is not None else None
    if chat is not None and chat.type != "private":
        return None
    if query.from_user.is_bot:
        return None
    tap = parse_callback(query.data)
    # In a private chat the chat id equals her user id, even when the message is too old to see.
    address = str(chat.id if chat is not None else query.from_user.id)
    readable = message if isinstance(message, Message) else None
    label = None
    if readable is not None and readable.reply_markup is not None:
        for row in readable.reply_markup.inline_keyboard:
            for button in row:
                if button.callback_data == query.data:
                    label = button.text
    inbound = TelegramInbound(
        channel=ChannelKind.TELEGRAM,
        address=address,
        option_key=tap.key if tap else None,
        platform_key=str(update.update_id),
        locale_hint=language_hint(query.from_user.language_code),
    )
    callback = Callback(
        query_id=query.id,
        tap=tap,
        message_id=message.message_id if message is not None else None,
        message_text=readable.text if readable is not None else None,
        label=label,
    )
    return Parsed(inbound, query.from_user.username, callback)
