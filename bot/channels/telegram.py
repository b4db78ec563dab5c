"""The Telegram channel on python-telegram-bot 22: webhook or long polling in, outbox out.

Inbound, acknowledge first: the webhook (or the poller) stores the raw update under its update_id
(a redelivered update is acknowledged and ignored) and answers at once; the inbox worker
(bot/intake.py) later reads its JSON into an `Inbound` (telegram_updates) and runs the engine in
`process_stored`, inside its batch's transaction. A tap is acknowledged
(`answerCallbackQuery`) and the tapped keyboard replaced by the chosen option, so an old button
cannot be pressed twice; a tap on a keyboard that is no longer the current question is only
acknowledged. Outbound, `send` turns one rendered outbox message into `sendMessage` calls and
reports failures as `SendError`s the delivery worker understands.

PTB's `Application` is not used: the engine is our dispatcher, and what PTB leaves to a custom
webhook server (secret check, update_id de-duplication, per-chat pacing) is done here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import warnings
from datetime import timedelta
from math import ceil
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, LinkPreviewOptions, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot import metrics
from bot.channels.base import Outgoing, SendError
from bot.channels.telegram_http import AiohttpRequest, JsonCall
from bot.channels.telegram_layout import keyboard, split_text, utf16_len
from bot.channels.telegram_updates import Callback, Parsed, UpdatesRequest, parse, sender
from bot.intake import Processed
from bot.ratelimit import Pacer, SenderLimiter
from flows import i18n
from flows.messages import ChannelKind, _
from storage import conversations, json_codec, participants
from storage.models import ChannelAddress, OutboundMessage, OutboxStatus

if TYPE_CHECKING:
    from bot.app import App
    from bot.settings import Settings

log = logging.getLogger(__name__)
# PTB 22 warns inside its own RetryAfter constructor about a future type change; `_seconds` below
# already reads both types, so the warning says nothing actionable here.
warnings.filterwarnings("ignore", message=r".*`retry_after` will be of type", module="telegram")

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_BODY = 1_000_000  # an Update is a few kB; anything this big is not from Telegram
POLL_TIMEOUT = 25  # seconds a getUpdates call waits for news
MAX_TRIES = 5  # a polled update that keeps failing (not the database) is skipped after this

NO_PREVIEW = {"is_disabled": True}

# Shown briefly on her screen when she taps a keyboard that is no longer the current question.
STALE_TAP = _("That question is closed. Please answer the latest message.")


class TelegramChannel:
    """Telegram through the Bot API: the `PlatformChannel` of `entrepairs run`."""

    kinds = (ChannelKind.TELEGRAM.value,)

    def __init__(
        self,
        token: str,
        *,
        api_base_url: str = "https://api.telegram.org",
        webhook_secret: str | None = None,
        public_base_url: str | None = None,
        rate: float = 30.0,
        per_chat_interval: float = 1.0,
        poll_timeout: int = POLL_TIMEOUT,
        retry_pause: float = 1.0,
    ) -> None:
        root = api_base_url.rstrip("/")
        # PTB appends the token: calls go to {root}/bot{token}/{method}.
        self.bot = Bot(
            token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            request=AiohttpRequest(connection_pool_size=8, read_timeout=10.0),
            get_updates_request=UpdatesRequest(
                connection_pool_size=2, read_timeout=poll_timeout + 10.0
            ),
        )
        self.rate = rate
        self.per_address_rate = 1.0 / per_chat_interval if per_chat_interval > 0 else 0.0
        self.webhook_secret = webhook_secret
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.poll_timeout = poll_timeout
        self.retry_pause = retry_pause
        self.app: App | None = None
        self._pacer: Pacer | None = None
        self._poller: asyncio.Task[None] | None = None
        self._offset: int | None = None
        self._stopping = asyncio.Event()
        self._chores: set[asyncio.Task[None]] = set()
        # Per-chat flood control on the webhook (see SenderLimiter).
        self.limiter = SenderLimiter()

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        assert settings.telegram_bot_token is not None
        secret = settings.telegram_webhook_secret
        return cls(
            settings.telegram_bot_token.get_secret_value(),
            api_base_url=settings.telegram_api_base_url,
            webhook_secret=secret.get_secret_value() if secret else None,
            public_base_url=settings.public_base_url,
            rate=settings.telegram_mps,
        )

    @property
    def webhook_mode(self) -> bool:
        """Webhook when Telegram can reach us and the secret is set; long polling otherwise."""
        return bool(self.public_base_url and self.webhook_secret)

    @property
    def webhook_url(self) -> str:
        return f"{self.public_base_url}{WEBHOOK_PATH}"

    @property
    def username(self) -> str | None:
        """The bot's @username (without the @) once `start` has asked Telegram (getMe)."""
        try:
            return self.bot.username or None
        except RuntimeError:  # not initialised: getMe not asked yet
            return None

    # Lifecycle ---------------------------------------------------------------------------------

    def attach(self, app: App) -> None:
        """Know the engine, the database and the delivery worker's pacer for this channel."""
        self.app = app
        assert app.intake is not None
        app.intake.register(ChannelKind.TELEGRAM.value, self)
        self._pacer = app.delivery.pacers.get(ChannelKind.TELEGRAM.value)

    def routes(self, app: App) -> list[BaseRoute]:
        self.attach(app)
        return [Route(WEBHOOK_PATH, self._webhook, methods=["POST"])]

    async def start(self, app: App) -> None:
        """Check the token (getMe), then register the webhook or start long polling."""
        self.attach(app)
        self._stopping.clear()
        await self.bot.initialize()
        if self.webhook_mode:
            assert self.webhook_secret is not None
            await self.bot.set_webhook(
                url=self.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=40,
            )
            log.info("telegram: webhook registered")
        else:
            # getUpdates is refused while a webhook is set.
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-polling")
            log.info("telegram: long polling started")

    async def stop(self) -> None:
        """Stop polling, finish the acknowledgements in flight, close the HTTP clients."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
            await self._confirm()
        await self.settle()
        await self.bot.shutdown()  # a no-op when it was never initialised

    async def settle(self) -> None:
        """Wait for the callback acknowledgements and keyboard edits still running."""
        while self._chores:
            await asyncio.gather(*list(self._chores), return_exceptions=True)

    # Inbound -----------------------------------------------------------------------------------

    async def _webhook(self, request: Request) -> Response:
        """Verify, store the raw update under its update_id, answer 200; processed later."""
        if not self._secret_matches(request.headers.get(SECRET_HEADER)):
            metrics.REJECTED.labels("forbidden").inc()
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        try:
            data = json_codec.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an Update")
        except ValueError:
            metrics.REJECTED.labels("malformed").inc()
            return Response("malformed update", status_code=400)
        if not any(kind in data for kind in ALLOWED_UPDATES):
            # A kind of update we do not handle (a poll, a member change, one newer than
            # this library): acknowledged, so Telegram does not keep sending it.
            return Response(status_code=200)
        if parse(data) is None:  # a group, another bot, a service message: not for us
            return Response(status_code=200)
        chat = sender(data)
        if chat is not None:
            wait = self.limiter.take(ChannelKind.TELEGRAM.value, chat)
            if wait > 0:  # a flood from one chat: Telegram redelivers it later
                metrics.REJECTED.labels("rate_limited").inc()
                return Response(status_code=429, headers={"Retry-After": str(ceil(wait))})
        try:
            await self.accept(data, body.decode("utf-8"), chat)
        except Exception as error:
            # Storing failed (database down…): a non-2xx makes Telegram deliver it again later.
            log.error("telegram: update not stored (%s)", type(error).__name__)
            metrics.REJECTED.labels("unavailable").inc()
            return Response(status_code=503)
        return Response(status_code=200)

    def _secret_matches(self, given: str | None) -> bool:
        if not self.webhook_secret or given is None:
            return False
        return hmac.compare_digest(given.encode(), self.webhook_secret.encode())

    async def process(self, update: Update) -> bool:
        """Store one polled update for the inbox worker; True when it was new."""
        data = update.to_dict()
        return await self.accept(data, json_codec.dumps(data), sender(data))

    async def accept(self, data: dict[str, Any], raw: str, chat: str | None) -> bool:
        """Store the raw update once (by update_id) and wake the inbox worker; True when new.

        Raises when storing failed: the caller answers so that Telegram sends it again."""
        if self.app is None:
            raise RuntimeError("TelegramChannel.attach(app) was not called")
        app = self.app
        kind = next((kind for kind in ALLOWED_UPDATES if kind in data), "message")
        assert app.intake is not None
        new = await app.intake.store(
            channel=ChannelKind.TELEGRAM.value,
            platform_key=str(data["update_id"]),
            address=chat,
            payload=raw,
            kind=kind[:16],
            now=app.clock.now(),
        )
        if not new:
            log.info("duplicate inbound ignored", extra={"channel": ChannelKind.TELEGRAM.value})
            return False
        metrics.MESSAGES_IN.labels(ChannelKind.TELEGRAM.value).inc()
        app.intake.wake.set()
        return True

    # The inbox worker's side (bot/intake.py) ------------------------------------------------------

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        """One stored update through the engine, inside the inbox worker's transaction."""
        assert self.app is not None
        parsed = parse(json_codec.loads(row.payload or "{}"))
        if parsed is None:
            return Processed()
        inbound = parsed.inbound
        if parsed.callback is not None:
            key = self._current_option(session, inbound.address, parsed.callback)
            if key is None:  # a tap on an old keyboard: only acknowledged
                return Processed(after=(parsed, None))
            if key != inbound.option_key:  # the button carried its position, not its key
                inbound = _with_option(inbound, key)
        handled = self.app.engine.handle_in(session, inbound, recorded=True)
        self._remember_handle(handled.address, parsed.username)
        after = (parsed, handled.queued) if parsed.callback is not None else None
        return Processed(handled.participant_id, handled.queued, after, inbound.kind)

    async def after(self, outcome: tuple[Parsed, int | None]) -> None:
        """Acknowledge a tap once its answer is committed (in the background)."""
        parsed, queued = outcome
        self._chore(self._tidy(parsed, queued))

    def _current_option(self, session: Session, address: str, callback: Callback) -> str | None:
        """The option a tap chooses, or None when that keyboard is no longer the question."""
        tap = callback.tap
        if tap is None:
            return None
        shown = session.get(OutboundMessage, tap.outbox_id)
        if shown is None or shown.channel != ChannelKind.TELEGRAM.value or shown.address != address:
            return None
        keys = [option["key"] for option in shown.payload.get("options", [])]
        key = tap.key
        if tap.index is not None:
            key = keys[tap.index] if tap.index < len(keys) else None
        if key not in keys:
            return None
        later = session.exec(
            select(OutboundMessage.payload)
            .where(
                OutboundMessage.channel == ChannelKind.TELEGRAM.value,
                OutboundMessage.address == address,
                col(OutboundMessage.id) > tap.outbox_id,
                col(OutboundMessage.status).not_in([OutboxStatus.FAILED, OutboxStatus.SKIPPED]),
            )
            .limit(50)
        ).all()
        if any(payload.get("options") for payload in later):
            return None  # a newer question was asked since
        if shown.participant_id is not None:
            state = conversations.load(session, shown.participant_id)
            if state is not None and key not in state.offered:
                return None  # already answered: the conversation moved on
        return key

    @staticmethod
    def _remember_handle(link: ChannelAddress | None, username: str | None) -> None:
        """Keep her @username on her address (shared with her peer only with her consent).

        Her address row is the one the engine loaded, in the same transaction: written only when
        it changed (she may rename or drop it).
        """
        handle = f"@{username}" if username else None
        if link is not None and link.handle != handle:
            link.handle = handle

    async def _tidy(self, parsed: Parsed, outcome: int | None) -> None:
        """Acknowledge the tap and take the keyboard away (showing the choice when it counted)."""
        callback = parsed.callback
        assert callback is not None
        chat_id = int(parsed.inbound.address)
        stale = outcome is None
        toast = None
        if stale:
            language = await asyncio.to_thread(self._language_of, parsed)
            toast = i18n.gettext(language, STALE_TAP.msgid)
        await self._quietly(self.bot.answer_callback_query, callback.query_id, text=toast)
        if callback.message_id is None:
            return
        text = callback.message_text
        if not stale and text and callback.label:
            marked = f"{text}\n\n✓ {callback.label}"
            if utf16_len(marked) <= 4096:
                await self._quietly(
                    self.bot.edit_message_text,
                    marked,
                    chat_id=chat_id,
                    message_id=callback.message_id,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                return
        await self._quietly(
            self.bot.edit_message_reply_markup,
            chat_id=chat_id,
            message_id=callback.message_id,
            reply_markup=None,
        )

    def _language_of(self, parsed: Parsed) -> str:
        assert self.app is not None
        from storage.models import Participant

        with self.app.db.session() as session:
            link = participants.find_address(
                session, channel=ChannelKind.TELEGRAM.value, address=parsed.inbound.address
            )
            person = session.get(Participant, link.participant_id) if link else None
            if person is not None:
                return person.locale
        return parsed.inbound.locale_hint or "en"

    async def _quietly(self, method: Any, *args: Any, **kwargs: Any) -> None:
        """Courtesy calls (acknowledge, tidy a keyboard): a failure is logged, never raised."""
        try:
            await method(*args, **kwargs)
        except TelegramError as error:
            log.info("telegram: %s failed (%s)", method.__name__, type(error).__name__)

    def _chore(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    # Long polling ------------------------------------------------------------------------------

    async def _poll(self) -> None:
        """getUpdates in a loop; each update goes through `process`, the same as a webhook."""
        pause = self.retry_pause
        while not self._stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=self._offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            except TimedOut:
                continue
            except RetryAfter as error:
                await asyncio.sleep(_seconds(error))
                continue
            except (NetworkError, Conflict, InvalidToken) as error:
                log.warning("telegram: getUpdates failed (%s)", type(error).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)
                continue
            pause = self.retry_pause
            for update in updates:
                await self._process_with_retries(update)
                # Confirmed with the next getUpdates; a crash before that redelivers it, and the
                # engine's update_id record makes the redelivery harmless.
                self._offset = update.update_id + 1

    async def _confirm(self) -> None:
        """Tell Telegram which updates are done, so a restart does not fetch them again."""
        if self._offset is None:
            return
        with contextlib.suppress(TelegramError):
            await self.bot.get_updates(offset=self._offset, timeout=0, limit=1)

    async def _process_with_retries(self, update: Update) -> None:
        """Retry until stored. The database being away is waited out (Telegram keeps the update
        24 h and it is not confirmed meanwhile); an update that keeps failing for another reason
        is skipped after MAX_TRIES, as Telegram itself gives up on a failing webhook."""
        pause = self.retry_pause
        failures = 0
        while True:
            try:
                await self.process(update)
                return
            except DBAPIError as error:
                log.error("telegram: database unavailable (%s), retrying", type(error).__name__)
            except Exception as error:
                failures += 1
                log.error(
                    "telegram: update failed (%s), try %d/%d",
                    type(error).__name__,
                    failures,
                    MAX_TRIES,
                )
                if failures >= MAX_TRIES:
                    return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)

    # Outbound ----------------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> str | None:
        """One outbox message as one or more sendMessage calls; the keyboard goes on the last."""
        rendered = message.rendered
        markup = None
        if rendered.options and not rendered.multi:
            text = rendered.text
            markup = keyboard(rendered.options, message.outbox_id)
        else:
            # Several answers at once ("1 3") are typed: the options are shown numbered.
            text = rendered.as_numbered_text(message.language)
        pieces = split_text(text)
        sent = None
        for number, piece in enumerate(pieces):
            if number:
                await self._pace(message.address)
            call: dict[str, Any] = {
                "chat_id": message.address,
                "text": piece,
                "link_preview_options": NO_PREVIEW,
            }
            if markup is not None and number == len(pieces) - 1:
                call["reply_markup"] = markup
            try:
                # Built directly: PTB's typed call and the Message it parses back cost more than
                # the HTTP exchange, and only the id is kept. PTB still raises the errors.
                url = f"{self.bot.base_url}/sendMessage"
                sent = await self.bot.request.post(url, JsonCall(call))
            except TelegramError as error:
                failure = send_error(error)
                metrics.SEND_FAILURES.labels(ChannelKind.TELEGRAM.value, failure.code or "-").inc()
                raise failure from None
        metrics.MESSAGES_OUT.labels(ChannelKind.TELEGRAM.value, "sent").inc()
        return str(sent["message_id"]) if isinstance(sent, dict) else None

    async def _pace(self, address: str) -> None:
        """Extra pieces of a long message take their own per-chat slots."""
        if self._pacer is None:
            self._pacer = Pacer(self.rate, self.per_address_rate)
        await self._pacer.wait(address)


def send_error(error: TelegramError) -> SendError:
    """PTB's exceptions in the delivery worker's terms."""
    name = type(error).__name__
    if isinstance(error, RetryAfter):
        return SendError("rate limited", retry_after=_seconds(error), code="429")
    if isinstance(error, Forbidden):
        # "bot was blocked by the user", "user is deactivated": she cannot be reached.
        return SendError("forbidden", blocked=True, code="403")
    if isinstance(error, BadRequest | ChatMigrated):
        return SendError(f"bad request: {error.message[:120]}", code="400")
    if isinstance(error, InvalidToken):
        # Our configuration, not her message: keep it queued until the token is fixed.
        return SendError("invalid token", retry_after=60.0, code="401")
    if isinstance(error, NetworkError | TimedOut):
        return SendError(name, retry_after=0.0, code="5xx")
    return SendError(name, retry_after=0.0)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _with_option(inbound: Any, key: str) -> Any:
    from dataclasses import replace

    return replace(inbound, option_key=key)
