"""Play a participant in a conversation test: `carmen.says("2")`, then `carmen.expect("¿Cuál")`.

Each message goes through the real engine, database, outbox and delivery worker; what she
receives is what a text-only phone would show (numbered options).
"""

from __future__ import annotations

import asyncio

from bot.app import App
from flows.messages import ChannelKind, Inbound
from tests.support.recorder import RecordingChannel


class Person:
    def __init__(self, app: App, address: str, channel: ChannelKind = ChannelKind.CONSOLE) -> None:
        self.app = app
        self.address = address
        self.channel = channel
        self.received: list[str] = []
        self.last: list[str] = []
        self._counter = 0

    @property
    def recorder(self) -> RecordingChannel:
        channel = self.app.delivery.channels[self.channel.value]
        assert isinstance(channel, RecordingChannel)
        return channel

    def says(self, text: str, *, kind: str = "text", option_key: str | None = None) -> list[str]:
        """She sends `text`; returns the messages she receives in answer."""
        self._counter += 1
        before = len(self.recorder.by_address[self.address])
        inbound = Inbound(
            channel=self.channel,
            address=self.address,
            text=text,
            option_key=option_key,
            kind=kind,
            platform_key=f"{self.address}-{self._counter}-{id(self)}",
        )
        self.app.engine.handle(inbound)
        asyncio.run(self.app.delivery.drain())
        self.last = self.recorder.by_address[self.address][before:]
        self.received.extend(self.last)
        return self.last

    def taps(self, option_key: str) -> list[str]:
        return self.says("", option_key=option_key)

    @property
    def text(self) -> str:
        """Everything she received in answer to her last message, as one string."""
        return "\n---\n".join(self.last)

    def expect(self, *fragments: str) -> None:
        """Her last answer contains every fragment (case-sensitive, as she reads it)."""
        for fragment in fragments:
            assert fragment in self.text, f"{fragment!r} not in reply:\n{self.text}"

    def expect_nothing(self) -> None:
        assert self.last == [], f"expected silence, got:\n{self.text}"
