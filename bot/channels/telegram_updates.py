"""Telegram `Update` → the engine's `Inbound`.

Only private chats with people are handled (the programme is one-to-one); group traffic, other
bots and service messages are acknowledged and ignored. Commands map to the global words the
engine already knows: `/start`, `/help`, `/menu`, `/language`, `/stop`, `/mydata`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.channels.telegram_http import AiohttpRequest
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


class UpdatesRequest(AiohttpRequest):
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


def parse(update: Update | dict[str, Any]) -> Parsed | None:
    """What she sent, or None for updates the bot does not answer.

    Reads the update's JSON as it came (PTB's `Update.de_json` is not needed to route it, costs
    more than the rest, and refuses shapes it does not know, such as `"thumbnail": {}`).
    """
    data = update.to_dict() if isinstance(update, Update) else update
    if isinstance(data.get("callback_query"), dict):
        return _callback(data)
    message = _dict(data.get("message")) or _dict(data.get("edited_message"))
    chat = _dict(message.get("chat"))
    if not message or chat.get("type") != "private" or "id" not in chat:
        return None
    user = _dict(message.get("from"))
    if not user or user.get("is_bot"):
        return None
    kind, text, start = _content(message)
    if not _dict(data.get("message")):
        kind = "edited"
    if kind is None:
        return None
    inbound = TelegramInbound(
        channel=ChannelKind.TELEGRAM,
        address=str(chat["id"]),
        text=text,
        platform_key=str(data["update_id"]),
        kind=kind,
        locale_hint=language_hint(user.get("language_code")),
        invite_code=start,
    )
    return Parsed(inbound, user.get("username"))


def sender(data: dict[str, Any]) -> str | None:
    """The chat an update comes from (its messages are processed in order), without parsing it."""
    query = _dict(data.get("callback_query"))
    if query:
        chat = _dict(_dict(query.get("message")).get("chat"))
        found = chat.get("id", _dict(query.get("from")).get("id"))
    else:
        message = _dict(data.get("message")) or _dict(data.get("edited_message"))
        found = _dict(message.get("chat")).get("id")
    return str(found) if isinstance(found, int) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# Message fields that make PTB's `effective_attachment`: something other than text was sent.
_ATTACHMENTS = (
    "animation",
    "audio",
    "contact",
    "dice",
    "document",
    "game",
    "invoice",
    "paid_media",
    "passport_data",
    "photo",
    "poll",
    "story",
    "successful_payment",
    "video",
    "video_note",
    "voice",
)


def _content(message: dict[str, Any]) -> tuple[str | None, str, str | None]:
    """(kind, text, deep-link parameter) of a message; kind None for service messages."""
    if isinstance(message.get("text"), str):
        text, start = _command(message["text"])
        return "text", text, start
    if "sticker" in message:
        return "sticker", "", None
    if "location" in message or "venue" in message:
        return "location", "", None
    if any(name in message for name in _ATTACHMENTS):
        caption = message.get("caption")
        if isinstance(caption, str) and caption.strip():
            # Her words under a photo or a voice note ("2", "mi compañera me insulta") are her
            # message, as WhatsApp's are (Twilio gives them as the Body): not lost as "media".
            return "text", caption, None
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


def _callback(data: dict[str, Any]) -> Parsed | None:
    query = data["callback_query"]
    user = _dict(query.get("from"))
    message = _dict(query.get("message"))
    chat = _dict(message.get("chat"))
    if chat and chat.get("type") != "private":
        return None
    if user.get("is_bot") or "id" not in user:
        return None
    raw = query.get("data") if isinstance(query.get("data"), str) else None
    tap = parse_callback(raw)
    # In a private chat the chat id equals her user id, even when the message is too old to see.
    address = str(chat.get("id", user["id"]))
    # An inaccessible message (too old) comes with date 0 and nothing else to read.
    shown = message if message and message.get("date", 0) != 0 else None
    label = None
    markup = _dict(shown.get("reply_markup")) if shown else {}
    for row in markup.get("inline_keyboard") or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and raw is not None and button.get("callback_data") == raw:
                label = button.get("text")
    inbound = TelegramInbound(
        channel=ChannelKind.TELEGRAM,
        address=address,
        option_key=tap.key if tap else None,
        platform_key=str(data["update_id"]),
        locale_hint=language_hint(user.get("language_code")),
    )
    callback = Callback(
        query_id=str(query.get("id", "")),
        tap=tap,
        message_id=message.get("message_id") if message else None,
        message_text=shown.get("text") if shown else None,
        label=label,
    )
    return Parsed(inbound, user.get("username"), callback)
