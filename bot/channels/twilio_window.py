"""WhatsApp's 24-hour customer-service window and the Content templates that reopen it.

Inside 24 hours after her last message, anything may be sent as plain text. Outside it, WhatsApp
only delivers approved templates; so a proactive message goes out as the template for its purpose
and her language (it invites her to reply) and the full message waits until she does. SMS has no
window.

Templates come from the `TWILIO_TEMPLATES` setting, by purpose then language:
`{"default": {"es": "HX…", "fr": "HX…", "en": "HX…"}, "reminder": {"es": "HX…"}}`. The template's
variable `{{1}}` is her first name (left out when unknown, so the template's default applies).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flows.messages import ChannelKind

WINDOW = timedelta(hours=24)
# Twilio may queue a message a little before it reaches WhatsApp: do not cut it that fine.
MARGIN = timedelta(minutes=5)
# At most one invitation per this period, however many messages wait for her reply.
INVITE_EVERY = timedelta(hours=24)
OUTSIDE_WINDOW = "63016"
DEFAULT_PURPOSE = "default"


def needs_template(
    kind: str, last_inbound_at: datetime | None, now: datetime, last_error_code: str | None
) -> bool:
    """True when a WhatsApp text would be refused now (window closed, or WhatsApp said so)."""
    if kind != ChannelKind.WHATSAPP:
        return False
    if last_error_code == OUTSIDE_WINDOW:
        return True
    if last_inbound_at is None:
        return True
    return now - last_inbound_at >= WINDOW - MARGIN


@dataclass(frozen=True)
class Templates:
    """Content SIDs by purpose and language, with a "default" purpose as fallback."""

    by_purpose: dict[str, dict[str, str]] = field(default_factory=dict)

    def find(self, purpose: str, language: str) -> str | None:
        for name in (purpose, DEFAULT_PURPOSE):
            sid = self.by_purpose.get(name, {}).get(language)
            if sid:
                return sid
        return None


def variables(first_name: str) -> str:
    """The ContentVariables JSON for an invitation: {"1": her first name}."""
    return json.dumps({"1": first_name} if first_name else {}, ensure_ascii=False)
