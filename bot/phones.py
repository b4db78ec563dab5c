"""Phone numbers: E.164 normalisation and the language a country code suggests.

Numbers arrive from Twilio as `whatsapp:+221771234567` or `+59171234567`. The country code only
pre-selects the language offered first (`Inbound.locale_hint`); she always chooses herself.
"""

from __future__ import annotations

import phonenumbers

from flows.messages import ChannelKind

WHATSAPP_PREFIX = "whatsapp:"

# Country calling code → the language most of its people read; codes shared by several
# languages (1: Canada/USA, 32 Belgium, 41 Switzerland, 237 Cameroon …) give no hint.
LANGUAGE_BY_CODE: dict[int, str] = {
    # French-speaking West Africa, France
    221: "fr",
    223: "fr",
    224: "fr",
    225: "fr",
    226: "fr",
    227: "fr",
    228: "fr",
    229: "fr",
    33: "fr",
    # Bolivia and the rest of Spanish-speaking America, Spain
    591: "es",
    51: "es",
    52: "es",
    54: "es",
    56: "es",
    57: "es",
    58: "es",
    593: "es",
    595: "es",
    598: "es",
    34: "es",
}


def e164(raw: str) -> str | None:
    """`+221 77 123 45 67`, `221771234567` → `+221771234567`; None when it is not a number."""
    text = raw.strip()
    if not text:
        return None
    if not text.startswith("+"):
        text = "+" + text  # WhatsApp ids (WaId) come without the plus
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_address(raw: str) -> tuple[ChannelKind, str] | None:
    """A Twilio `From`/`To` → (WHATSAPP or SMS, E.164); None for other channels or non-numbers."""
    text = raw.strip()
    kind = ChannelKind.SMS
    if text.lower().startswith(WHATSAPP_PREFIX):
        kind = ChannelKind.WHATSAPP
        text = text[len(WHATSAPP_PREFIX) :]
    elif ":" in text:  # messenger:, rcs: … are not ours
        return None
    number = e164(text)
    return (kind, number) if number else None


def twilio_address(kind: str, number: str) -> str:
    """Our (kind, E.164) → what Twilio expects in `To`."""
    return f"{WHATSAPP_PREFIX}{number}" if kind == ChannelKind.WHATSAPP else number


def language_hint(number: str) -> str | None:
    """The language to offer first for this E.164 number (221 → fr, 591 → es, 1 → None)."""
    try:
        code = phonenumbers.parse(number, None).country_code
    except phonenumbers.NumberParseException:
        return None
    return LANGUAGE_BY_CODE.get(code or 0)
