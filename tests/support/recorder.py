"""A channel that records what would have been sent, rendered as on a text-only phone."""

from __future__ import annotations

from collections import defaultdict

from bot.channels.base import Outgoing
from flows.messages import ChannelKind


class RecordingChannel:
    kinds = (ChannelKind.CONSOLE.value,)
    rate = 10_000.0
    per_address_rate = 0.0

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.by_address: dict[str, list[str]] = defaultdict(list)

    async def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        self.by_address[message.address].append(message.rendered.as_numbered_text(message.language))
        return f"rec-{message.outbox_id}"
