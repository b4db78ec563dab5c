"""What the delivery worker needs from a channel, and how a channel reports a failed send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from flows.render import Rendered

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from bot.app import App


@dataclass(frozen=True)
class Outgoing:
    """One outbox message, rendered for its reader, ready for a platform."""

    outbox_id: int
    channel: str
    address: str
    rendered: Rendered
    language: str
    purpose: str = "reply"
    # When she last wrote to us on this address (WhatsApp's 24-hour window).
    last_inbound_at: object | None = None
    # Which claim of the outbox row this is (1, 2, ...) and the error code of the previous one,
    # so a channel can tell late platform callbacks apart and react to what failed before.
    attempt: int = 0
    last_error_code: str | None = None
    # Her first name, for platform templates that greet her ("" when unknown).
    first_name: str = ""
    # Bulk traffic (broadcasts), paced behind live replies.
    bulk: bool = False


@dataclass(frozen=True)
class Held:
    """What `Channel.send` returns when the message cannot go out now and waits for her reply.

    `platform_id` is what went out in its place (e.g. a WhatsApp template inviting her to
    answer), `template_sid` which template that was; the delivery worker marks the row held and
    `storage.outbox.release_held` makes it due again when she writes.
    """

    platform_id: str | None = None
    template_sid: str | None = None
    code: str | None = None


class SendError(Exception):
    """A send that did not go through.

    `retry_after` (seconds) marks a transient failure worth retrying; `blocked` means she blocked
    the bot or opted out at the platform, so nothing more should be sent to her.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        blocked: bool = False,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.blocked = blocked
        self.code = code

    @property
    def transient(self) -> bool:
        return self.retry_after is not None


class Channel(Protocol):
    """A platform the delivery worker can send through."""

    kinds: tuple[str, ...]
    # Messages per second this channel may send in total, and to one address.
    rate: float
    per_address_rate: float

    async def send(self, message: Outgoing) -> str | Held | None:
        """Send one message; return the platform's id for it (or `Held`), or raise SendError."""
        ...


class PlatformChannel(Channel, Protocol):
    """A channel that also receives: it adds webhook routes and may run a background task.

    `routes` returns Starlette routes mounted on the project's HTTP server; `start` runs what the
    channel needs alongside (Telegram long polling, registering a webhook) and `stop` ends it.
    """

    def routes(self, app: App) -> list[BaseRoute]: ...

    async def start(self, app: App) -> None: ...

    async def stop(self) -> None: ...
