"""WhatsApp and SMS through Twilio: signed webhooks in, the REST API out (via the outbox).

`POST /webhooks/twilio` receives her messages. Every request must carry a valid
`X-Twilio-Signature` for the public URL Twilio was given (`PUBLIC_BASE_URL` + path + query, so it
is right behind a reverse proxy); otherwise 403 and nothing is stored. The signed form is stored
under its MessageSid and answered at once with an empty `<Response/>`; the inbox worker
(bot/intake.py) runs the engine on it later (`process_stored`). Replies go out through the REST
API from the outbox, paced and retried by the delivery worker. `POST /webhooks/twilio/status`
receives each message's status (queued … delivered, read, failed) and its error code; 21610 (she
replied STOP to the carrier) opts her out, 63016 (WhatsApp window closed) re-sends the message as
a template.

WhatsApp and SMS are two `TwilioChannel`s sharing one client, each paced at its own rate
(`TWILIO_WHATSAPP_MPS`, `TWILIO_SMS_MPS`); the first also serves the webhooks.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from math import ceil
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlencode

from sqlalchemy import Row
from sqlmodel import Session
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from bot import metrics
from bot.channels import twilio_window as window
from bot.channels.base import Held, Outgoing, SendError
from bot.channels.twilio_text import SMS_LIMIT, WHATSAPP_LIMIT, sms_body, sms_parts, split
from bot.intake import Processed
from bot.phones import language_hint, parse_address, twilio_address
from bot.ratelimit import Pacer, SenderLimiter, Spacer
from bot.settings import Settings, SettingsError
from flows.clock import Clock, SystemClock
from flows.messages import ChannelKind, Inbound
from flows.text import normalise
from storage import outbox, participants
from storage.models import OutboundMessage, OutboxStatus, Participant

if TYPE_CHECKING:
    from bot.app import App
    from bot.channels.twilio_messages import Messages

log = logging.getLogger(__name__)
# twilio-python logs request details at INFO; they may name numbers, so keep it to warnings.
_http_log = logging.getLogger("entrepairs.twilio.http")
_http_log.setLevel(logging.WARNING)

INBOUND_PATH = "/webhooks/twilio"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_FIELDS = 200
# Our own pacing stays a little under Twilio's limit, so jitter never trips its 429.
PACE_MARGIN = 0.97
# A later part of a split message is retried in place (earlier parts already went out).
PART_RETRIES = 3
# Sends under way at once per channel (each holds a thread while the twilio client blocks).
SEND_THREADS = 8

# Twilio's own SMS opt-out and opt-in words (Advanced Opt-Out defaults). On SMS the carrier
# acts on them whatever we do, so the bot must agree. STOP, STOPALL, UNSUBSCRIBE, START and
# UNSTOP are global words in the catalogs already; these four are everyday words in a
# conversation ("end", "yes"), so they only count on SMS, and YES only from someone stopped.
SMS_STOP_WORDS = frozenset({"cancel", "end", "quit", "stopall", "unsubscribe"})
SMS_START_WORDS = frozenset({"yes", "unstop"})
# Payload of the button on our invitation templates ("Reply"): she opened the conversation.
OPEN_PAYLOAD = "open"
# Payload prefix naming one of our option keys ("key:fr").
KEY_PAYLOAD = "key:"

# Outbox statuses a delivery report may move forward (never backward).
_PROGRESS = {
    "accepted": OutboxStatus.SENT,
    "queued": OutboxStatus.SENT,
    "sending": OutboxStatus.SENT,
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "read": OutboxStatus.READ,
}
_RANK = {OutboxStatus.SENT: 1, OutboxStatus.DELIVERED: 2, OutboxStatus.READ: 3}
_FAILURES = {"failed": OutboxStatus.FAILED, "undelivered": OutboxStatus.UNDELIVERED}
# Reports that the message is on her phone ("read" may come first, or alone).
_ON_HER_PHONE = (OutboxStatus.DELIVERED, OutboxStatus.READ)
UNSUBSCRIBED = "21610"


class BadRequest(Exception):
    """The form could not be read."""


def make_client(settings: Settings) -> Messages:
    """Twilio's Messages API through the synchronous twilio client, at `TWILIO_API_BASE_URL`.

    Imported and built with the first send: a process that only takes webhooks or processes
    them never loads the REST client (and requests, under it).
    """
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from bot.channels.twilio_messages import Messages, OneTLSContext

    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
    http = TwilioHttpClient(timeout=15, logger=_http_log)
    assert http.session is not None  # it pools connections unless told not to
    # One TLS context for every connection, and a connection kept for each thread that sends
    # (both channels'): Twilio's client keeps cores + 4, so the other threads' connections were
    # each opened, handshaken and closed again for a single message.
    http.session.mount("https://", OneTLSContext(pool_maxsize=2 * SEND_THREADS))
    client = Client(settings.twilio_account_sid, token, http_client=http)
    return Messages(client, settings.twilio_api_base_url)


def twilio_channels(settings: Settings, *, clock: Clock | None = None) -> list[TwilioChannel]:
    """The WhatsApp and SMS channels the settings configure (the first serves the webhooks)."""
    if not settings.twilio_account_sid:
        return []
    if settings.twilio_auth_token is None:
        raise SettingsError("TWILIO_AUTH_TOKEN: needed with TWILIO_ACCOUNT_SID")
    if not settings.public_base_url:
        raise SettingsError(
            "PUBLIC_BASE_URL: needed with TWILIO_ACCOUNT_SID (webhook signatures are checked "
            "against the public URL Twilio calls)"
        )
    service = settings.twilio_messaging_service_sid
    kinds = []
    if settings.twilio_whatsapp_from or service:
        kinds.append(ChannelKind.WHATSAPP)
    if settings.twilio_sms_from or service:
        kinds.append(ChannelKind.SMS)
    if not kinds:
        raise SettingsError(
            "TWILIO_WHATSAPP_FROM: set it, TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID"
        )
    # One client for both channels, made with the first send.
    client = functools.cache(functools.partial(make_client, settings))
    return [
        TwilioChannel(kind, settings, client, clock=clock, webhooks=index == 0)
        for index, kind in enumerate(kinds)
    ]


class TwilioChannel:
    """Sends one kind of message (WhatsApp or SMS) through Twilio's REST API."""

    def __init__(
        self,
        kind: ChannelKind,
        settings: Settings,
        client: Callable[[], Messages],
        *,
        clock: Clock | None = None,
        webhooks: bool = True,
    ) -> None:
        self.kind = kind
        self.kinds = (kind.value,)
        self.settings = settings
        self._client = client
        self.clock: Clock = clock or SystemClock()
        self.webhooks = webhooks
        whatsapp = kind == ChannelKind.WHATSAPP
        self.rate = settings.twilio_whatsapp_mps if whatsapp else settings.twilio_sms_mps
        self.per_address_rate = 0.0
        self.limit = WHATSAPP_LIMIT if whatsapp else SMS_LIMIT
        # Paces every API call (a split message is several), under the delivery's own pacing.
        self.calls = Pacer(self.rate * PACE_MARGIN)
        # ...and spaces the requests themselves, which start in worker threads.
        self.spacer = Spacer(self.rate * PACE_MARGIN)
        # The twilio client blocks, and the spacer sleeps, in a thread: threads of their own, so
        # paced sends never hold the ones webhooks and the workers need.
        self._senders = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix=f"twilio-{kind.value}")
        self.templates = window.Templates(settings.twilio_templates)
        token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
        self.validator = RequestValidator(token)
        self.public = (settings.public_base_url or "").rstrip("/")
        self.app: App | None = None
        # Per-number flood control on the inbound webhook (see SenderLimiter).
        self.limiter = SenderLimiter()

    # Sending ---------------------------------------------------------------------------------

    def _sender(self) -> dict[str, str]:
        settings = self.settings
        own = settings.twilio_whatsapp_from if self.kind == ChannelKind.WHATSAPP else None
        if self.kind == ChannelKind.SMS:
            own = settings.twilio_sms_from
        if own:
            if self.kind == ChannelKind.WHATSAPP and not own.startswith("whatsapp:"):
                own = f"whatsapp:{own}"
            return {"from_": own}
        return {"messaging_service_sid": settings.twilio_messaging_service_sid or ""}

    def _callback(self, message: Outgoing) -> dict[str, str]:
        if not self.public:
            return {}
        url = f"{self.public}{STATUS_PATH}?outbox={message.outbox_id}&try={message.attempt}"
        return {"status_callback": url}

    async def send(self, message: Outgoing) -> str | Held | None:
        try:
            sent = await self._send(message)
        except SendError as failure:
            metrics.SEND_FAILURES.labels(self.kind.value, failure.code or "-").inc()
            raise
        outcome = "held" if isinstance(sent, Held) else "sent"
        metrics.MESSAGES_OUT.labels(self.kind.value, outcome).inc()
        return sent

    async def _send(self, message: Outgoing) -> str | Held | None:
        now = self.clock.now()
        last = message.last_inbound_at if isinstance(message.last_inbound_at, datetime) else None
        if window.needs_template(self.kind, last, now, message.last_error_code):
            return await self._invite(message)
        text = self._text(message)
        platform_id: str | None = None
        parts = sms_parts(text) if self.kind == ChannelKind.SMS else split(text, self.limit)
        for index, part in enumerate(parts):
            try:
                platform_id = await self._create_part(message, index, body=part)
            except TwilioRestException as error:
                if str(error.code) == window.OUTSIDE_WINDOW and index == 0:
                    return await self._invite(message)  # WhatsApp says the window is closed
                raise send_error(error) from None
        return platform_id

    def _text(self, message: Outgoing) -> str:
        """The body as this channel carries it: SMS in GSM-7 wherever the words allow."""
        if self.kind == ChannelKind.SMS:
            return sms_body(message.rendered, message.language, self.settings.sms_transliterate)
        return message.rendered.as_numbered_text(message.language)

    async def _invite(self, message: Outgoing) -> Held:
        """Send the invitation template for this purpose and language; hold the message."""
        now = self.clock.now()
        if self.app is not None and await asyncio.to_thread(self._invited, message, now):
            return Held()  # one invitation is enough: this one waits with the others
        sid = self.templates.find(message.purpose, message.language)
        if sid is None:
            log.warning(
                "no WhatsApp template for purpose %s in %s: message held until she writes",
                message.purpose,
                message.language,
            )
            return Held(code="no_template")
        try:
            platform_id = await self._create_part(
                message,
                0,
                content_sid=sid,
                content_variables=window.variables(message.first_name),
            )
        except TwilioRestException as error:
            raise send_error(error) from None
        return Held(platform_id, sid)

    def _invited(self, message: Outgoing, now: datetime) -> bool:
        assert self.app is not None
        with self.app.db.session() as session:
            return outbox.invitation_waiting(
                session,
                channel=message.channel,
                address=message.address,
                since=now - window.INVITE_EVERY,
            )

    async def _create_part(self, message: Outgoing, index: int, **fields: str) -> str:
        """One Messages create call, paced; later parts are retried here on transient errors."""
        tries = PART_RETRIES if index > 0 else 1
        for attempt in range(tries):
            await self.calls.wait(message.address)
            try:
                call = functools.partial(self._create, message, **fields)
                return await asyncio.get_running_loop().run_in_executor(self._senders, call)
            except TwilioRestException as error:
                failure = send_error(error)
                if failure.retry_after:
                    self.calls.pause(failure.retry_after)
                if not failure.transient or attempt == tries - 1:
                    raise
                await asyncio.sleep(max(failure.retry_after or 0, 2.0**attempt))
        raise AssertionError("unreachable")

    def _create(self, message: Outgoing, **fields: str) -> str:
        self.spacer.wait()
        return self._client().create(
            to=twilio_address(self.kind, message.address),
            **self._sender(),
            **self._callback(message),
            **fields,
        )

    # Webhooks --------------------------------------------------------------------------------

    def bind(self, app: App) -> None:
        self.app = app
        self.clock = app.clock
        if self.webhooks and app.intake is not None:  # this one takes both kinds' messages
            for kind in (ChannelKind.WHATSAPP, ChannelKind.SMS):
                app.intake.register(kind.value, self)

    def routes(self, app: App) -> list[BaseRoute]:
        self.bind(app)
        if not self.webhooks:
            return []
        return [
            Route(INBOUND_PATH, self._inbound, methods=["POST"]),
            Route(STATUS_PATH, self._status, methods=["POST"]),
        ]

    async def start(self, app: App) -> None:
        self.bind(app)

    async def stop(self) -> None:
        return None

    async def _signed_form(self, request: Request, path: str) -> ImmutableMultiDict[str, str]:
        """The form, once its signature is checked against the public URL; raises on failure."""
        if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
            raise BadRequest("not a form")
        try:
            body = (await request.body()).decode("utf-8")
            pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("unreadable form") from None
        form: ImmutableMultiDict[str, str] = ImmutableMultiDict(pairs)
        query = request.url.query
        url = f"{self.public}{path}" + (f"?{query}" if query else "")
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not self.validator.validate(url, form, signature):
            raise PermissionError("bad signature")
        return form

    async def _inbound(self, request: Request) -> Response:
        app = self.app
        assert app is not None
        try:
            form = await self._signed_form(request, INBOUND_PATH)
        except BadRequest:
            metrics.REJECTED.labels("malformed").inc()
            return Response("bad request", status_code=400)
        except PermissionError:
            log.warning("twilio webhook with a bad or missing signature refused")
            metrics.REJECTED.labels("forbidden").inc()
            return Response("forbidden", status_code=403)
        sid, sender = form.get("MessageSid", ""), form.get("From", "")
        if not sid or not sender:
            metrics.REJECTED.labels("malformed").inc()
            return Response("MessageSid and From are required", status_code=400)
        found = parse_address(sender)
        if found is None:
            log.info("twilio message from an unsupported address type ignored")
            return _twiml()
        wait = self.limiter.take(found[0].value, found[1])
        if wait > 0:  # a flood from one number: Twilio tries the webhook again later
            metrics.REJECTED.labels("rate_limited").inc()
            return Response("slow down", status_code=429, headers={"Retry-After": str(ceil(wait))})
        assert app.intake is not None
        try:
            new = await app.intake.store(
                channel=found[0].value,
                platform_key=sid,
                address=found[1],
                payload=urlencode(list(form.multi_items())),
                now=app.clock.now(),
            )
        except Exception as error:  # the database is down, say: Twilio retries on 5xx
            log.error("twilio inbound not stored: %s", type(error).__name__)
            metrics.REJECTED.labels("unavailable").inc()
            return Response("try again later", status_code=503)
        if not new:
            log.info("duplicate inbound ignored", extra={"channel": found[0].value})
            return _twiml()
        metrics.MESSAGES_IN.labels(found[0].value).inc()
        app.intake.wake.set()
        return _twiml()

    # The inbox worker's side (bot/intake.py) ------------------------------------------------------

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        """One stored message through the engine, inside the inbox worker's transaction; then
        what waited for her reply (WhatsApp's window) is due."""
        app = self.app
        assert app is not None
        form = ImmutableMultiDict(parse_qsl(row.payload or "", keep_blank_values=True))
        kind = ChannelKind(row.channel)
        inbound = self._inbound_of(session, app, kind, row.address, form, row.received_at)
        handled = app.engine.handle_in(session, inbound, recorded=True)
        released = outbox.release_held(
            session, channel=kind.value, address=row.address, now=app.clock.now()
        )
        return Processed(handled.participant_id, handled.queued + released, kind=inbound.kind)

    async def after(self, outcome: Any) -> None:
        return None

    def _inbound_of(
        self,
        session: Session,
        app: App,
        kind: ChannelKind,
        number: str,
        form: ImmutableMultiDict[str, str],
        arrived_at: datetime | None,
    ) -> Inbound:
        body = form.get("Body", "")
        payload = form.get("ButtonPayload", "").strip()
        text = form.get("ButtonText", "") or body if payload else body
        option_key = None
        kind_of = "text"
        try:
            media = int(form.get("NumMedia", "0") or 0)
        except ValueError:
            media = 0
        if payload == OPEN_PAYLOAD:
            kind_of = "open"
        elif payload.startswith(KEY_PAYLOAD):
            option_key = payload[len(KEY_PAYLOAD) :]
        elif media > 0 and not text.strip():
            kind_of = "media"
        if kind == ChannelKind.SMS and kind_of == "text":
            text = self._carrier_word(session, number, text)
        return Inbound(
            channel=kind,
            address=number,
            text=text,
            option_key=option_key,
            platform_key=form["MessageSid"],
            received_at=app.clock.now(),
            arrived_at=arrived_at,  # the webhook's time: she wrote it before then
            kind=kind_of,
            locale_hint=language_hint(number),
            profile_name=form.get("ProfileName") or None,
        )

    @staticmethod
    def _carrier_word(session: Session, number: str, text: str) -> str:
        """Twilio's SMS opt-out / opt-in words as the engine's STOP / START (see SMS_*_WORDS)."""
        word = normalise(text)
        if word in SMS_STOP_WORDS:
            return "stop"
        if word in SMS_START_WORDS:
            link = participants.find_address(session, channel=ChannelKind.SMS, address=number)
            person = session.get(Participant, link.participant_id) if link else None
            if person is not None and person.opted_out_at is not None:
                return "start"
        return text

    async def _status(self, request: Request) -> Response:
        app = self.app
        assert app is not None
        try:
            form = await self._signed_form(request, STATUS_PATH)
        except BadRequest:
            return Response("bad request", status_code=400)
        except PermissionError:
            log.warning("twilio status callback with a bad or missing signature refused")
            return Response("forbidden", status_code=403)
        sid = form.get("MessageSid", "") or form.get("SmsSid", "")
        status = (form.get("MessageStatus", "") or form.get("SmsStatus", "")).lower()
        if not sid or not status:
            return Response("MessageSid and MessageStatus are required", status_code=400)
        query = parse_qs(request.url.query)
        try:
            outbox_id = int(query["outbox"][0]) if "outbox" in query else None
            attempt = int(query["try"][0]) if "try" in query else None
        except ValueError:
            return Response("bad outbox id", status_code=400)
        code = form.get("ErrorCode", "").strip() or None
        try:
            again = await asyncio.to_thread(
                self._apply_status, app, outbox_id, attempt, sid, status, code
            )
        except Exception as error:
            log.error("twilio status not recorded: %s", type(error).__name__)
            return Response("try again later", status_code=503)
        if again:
            app.delivery.wake.set()
        return _twiml()

    def _apply_status(
        self,
        app: App,
        outbox_id: int | None,
        attempt: int | None,
        sid: str,
        status: str,
        code: str | None,
    ) -> bool:
        """Record a delivery report; True when the message is due again (re-send as template)."""
        now = app.clock.now()
        with app.db.session() as session:
            row = session.get(OutboundMessage, outbox_id) if outbox_id else None
            if row is None:
                row = outbox.by_platform_id(session, sid)
            if row is None:
                return False
            if code == UNSUBSCRIBED:  # she replied STOP to the carrier: whichever send it was
                _opt_out(session, row, now)
                return False
            current = row.attempts == attempt if attempt is not None else row.platform_id == sid
            if not current:  # a late report about an earlier send of this row
                return False
            if status in _FAILURES:
                return _failed(session, row, _FAILURES[status], code, now)
            progress = _PROGRESS.get(status)
            if progress and _RANK.get(row.status, 99) < _RANK[progress]:
                row.status = progress
                session.add(row)
            if progress in _ON_HER_PHONE and row.delivered_at is None:
                # A reply of hers that reached us before this had not read it (`engine._crossed`).
                row.delivered_at = now
                session.add(row)
            return False


def _failed(
    session: Session, row: OutboundMessage, status: str, code: str | None, now: datetime
) -> bool:
    row.error_code = code
    row.error = f"Twilio reported {status}" + (f" ({code})" if code else "")
    if row.status == OutboxStatus.HELD:
        # The invitation failed; the full message still waits for her next word.
        session.add(row)
        return False
    if code == window.OUTSIDE_WINDOW and row.channel == ChannelKind.WHATSAPP:
        row.status = OutboxStatus.PENDING  # sent again, as a template this time
        row.next_attempt_at = now
        session.add(row)
        return True
    row.status = status
    session.add(row)
    return False


def _opt_out(session: Session, row: OutboundMessage, now: datetime) -> None:
    row.status = OutboxStatus.FAILED
    row.error_code = UNSUBSCRIBED
    row.error = "recipient unsubscribed (STOP)"
    session.add(row)
    if row.participant_id is None:
        return
    person = session.get(Participant, row.participant_id)
    if person is not None and person.opted_out_at is None:
        person.opted_out_at = now
        session.add(person)
    outbox.skip_pending_for(session, row.participant_id)


def send_error(error: TwilioRestException) -> SendError:
    """Twilio's answer → how the delivery worker should treat it."""
    code = str(error.code) if error.code else None
    status = int(error.status or 0)
    label = f"Twilio {status}" + (f"/{code}" if code else "")
    if status == 429 or code == "20429":
        return SendError(label, retry_after=1.0, code=code or "20429")
    if code == UNSUBSCRIBED:
        return SendError(label, blocked=True, code=code)
    if status >= 500:
        return SendError(label, retry_after=0.0, code=code or str(status))
    return SendError(label, code=code or str(status))


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")
