"""A stand-in Bot API server on 127.0.0.1 for tests and benchmarks, plus Update payload helpers.

It speaks the Bot API's wire format as python-telegram-bot uses it: `POST /bot<token>/<method>`
with a form-encoded body whose non-string values are JSON-encoded, answered with
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...,
"parameters": {...}}` and the matching HTTP status. Every call is recorded with its parameters and
the monotonic time it arrived. Failures are planned per method (`fail`) or per chat (`block`).
`getUpdates` serves the updates queued with `queue_update`, honouring `offset` and `timeout`.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"
TOKEN = "123456:TEST-token_for-the-stand-in"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Entrepairs",
    "username": "EntrepairsBot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Parameters that are plain strings on the wire; every other value arrives JSON-encoded.
_STRINGS = {
    "text",
    "callback_query_id",
    "secret_token",
    "url",
    "parse_mode",
    "ip_address",
    "caption",
    "inline_message_id",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when it arrived
    status: int = 200
    result: Any = None
    json_body: bool = False  # sent as application/json (else a form)


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class StandIn:
    """The server's state; all methods are thread-safe."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    webhook: dict[str, Any] = field(default_factory=dict)
    _planned: dict[str, list[Failure]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    base_url: str = ""

    # Planning -----------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail with `status` (429 carries retry_after)."""
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            400: "Bad Request: message text is empty",
            403: "Forbidden: bot was blocked by the user",
        }.get(status, "Error")
        with self._lock:
            self._planned.setdefault(method, []).extend(
                [Failure(status, text, retry_after)] * times
            )

    def block(self, chat_id: int) -> None:
        """She blocks the bot: sendMessage to her answers 403 from now on."""
        with self._lock:
            self.blocked.add(chat_id)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for the next getUpdates (long polling)."""
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    # Reading ------------------------------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        with self._lock:
            found = [call for call in self.calls if call.method == method]
        if ok is None:
            return found
        return [call for call in found if (call.status == 200) == ok]

    def sent_to(self, chat_id: int | str) -> list[Call]:
        """Successful sendMessage calls to one chat, in arrival order."""
        return [
            call
            for call in self.calls_to("sendMessage", ok=True)
            if str(call.params.get("chat_id")) == str(chat_id)
        ]

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._updates)

    # Serving ------------------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            planned = self._planned.get(method)
            failure = planned.pop(0) if planned else None
            blocked = int(params.get("chat_id") or 0) in self.blocked
            if failure is None and method == "sendMessage" and blocked:
                failure = Failure(403, "Forbidden: bot was blocked by the user")
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.status, body
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {"ok": True, "result": handler(params)}

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": {"id": chat_id, "type": "private", "first_name": "Her"},
            "date": int(time.time()),
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": int(params["message_id"]),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "date": int(time.time()),
            "text": params.get("text", ""),
        }

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": int(params["message_id"]),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "date": int(time.time()),
            "text": "",
        }

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = dict(params)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        # Long polling, capped so a stopped test never waits long.
        timeout = min(float(params.get("timeout") or 0), 5.0)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                # Updates below the offset are confirmed: Telegram forgets them.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return copy.deepcopy(self._updates[:limit])
                self._lock.wait(max(0.0, deadline - time.monotonic()))


def decode(raw: dict[str, str]) -> dict[str, Any]:
    """PTB's form values back into Bot API values (non-strings are JSON-encoded on the wire)."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRINGS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body in one packet: written apart, Nagle and delayed ACKs held each
        # keep-alive answer about 40 ms (the sender capped at ~175 calls/s over 8 connections).
        disable_nagle_algorithm = True
        wbufsize = -1

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            prefix = f"/bot{state.token}/"
            if not self.path.startswith(prefix):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            method = self.path[len(prefix) :]
            json_body = "json" in (self.headers.get("Content-Type") or "")
            if json_body:
                params = json.loads(body or "{}")
            else:
                params = decode(dict(parse_qsl(body, keep_blank_values=True)))
            call = Call(method, params, time.monotonic(), json_body=json_body)
            status, answer = state.answer(method, params)
            call.status = status
            call.result = answer.get("result")
            with state._lock:
                state.calls.append(call)
            self._reply(status, answer)

        do_GET = do_POST  # noqa: N815

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # The client may have given up (a long poll cancelled on shutdown).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def standin_server(token: str = TOKEN) -> Iterator[StandIn]:
    """Run the stand-in on a free port of 127.0.0.1; `state.base_url` is its Bot API root."""
    state = StandIn(token=token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# Update payloads ---------------------------------------------------------------------------------


def fixture(name: str) -> dict[str, Any]:
    """One Update from tests/fixtures/telegram, shaped as in the Bot API documentation."""
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


class Person:
    """A Telegram user writing to the bot in a private chat: builds her Updates."""

    _update_ids = itertools.count(700_000_000)

    def __init__(
        self,
        chat_id: int,
        first_name: str = "Ana",
        *,
        username: str | None = None,
        language_code: str | None = "es",
    ) -> None:
        self.chat_id = chat_id
        self.first_name = first_name
        self.username = username
        self.language_code = language_code
        self._message_ids = itertools.count(1)

    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.chat_id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.chat_id,
            "first_name": self.first_name,
            "type": "private",
        }
        if self.username:
            chat["username"] = self.username
        return chat

    def _fill(self, update: dict[str, Any], key: str) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        body = update[key]
        body["from"] = self.user()
        if "chat" in body:
            body["chat"] = self.chat()
        if "message_id" in body:
            body["message_id"] = next(self._message_ids)
        return update

    def text(self, text: str) -> dict[str, Any]:
        update = self._fill(fixture("text_message"), "message")
        update["message"]["text"] = text
        return update

    def start(self, parameter: str | None = None) -> dict[str, Any]:
        update = self._fill(fixture("start_deep_link" if parameter else "start"), "message")
        if parameter:
            update["message"]["text"] = f"/start {parameter}"
        return update

    def kind(self, name: str) -> dict[str, Any]:
        """A fixture message (sticker, photo, voice, location, edited_message) from her."""
        update = fixture(name)
        key = "edited_message" if "edited_message" in update else "message"
        return self._fill(update, key)

    def tap(self, shown: Call, key: str | None = None, *, label: str | None = None) -> dict:
        """She taps a button of a message the bot sent (chosen by option key or by label)."""
        markup = shown.params["reply_markup"]
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        for button in buttons:
            data = button["callback_data"]
            if (key is not None and data.split(":", 1)[-1] == key) or button["text"] == label:
                break
        else:
            raise AssertionError(f"no button {key or label!r} in {buttons}")
        update = fixture("callback_query")
        update["update_id"] = next(self._update_ids)
        query = update["callback_query"]
        query["id"] = str(next(self._update_ids))
        query["from"] = self.user()
        query["data"] = data
        query["chat_instance"] = f"-{self.chat_id}"
        query["message"] = {
            "message_id": shown.result["message_id"],
            "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": self.chat(),
            "date": 1741533000,
            "text": shown.params["text"],
            "reply_markup": markup,
        }
        return update


# The bot wired to the stand-in -------------------------------------------------------------------

WEBHOOK_SECRET = "s3cret-Token_for-tests"


class Harness:
    """The real app (engine, outbox, delivery) with a TelegramChannel talking to the stand-in,
    and the webhook endpoint served in-process through httpx's ASGI transport."""

    def __init__(self, app: Any, channel: Any, client: Any, standin: StandIn) -> None:
        self.app = app
        self.channel = channel
        self.client = client
        self.standin = standin

    async def post(self, update: dict[str, Any] | bytes, *, secret: str | None = WEBHOOK_SECRET):
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        if isinstance(update, bytes):
            return await self.client.post("/webhooks/telegram", content=update, headers=headers)
        return await self.client.post("/webhooks/telegram", json=update, headers=headers)

    async def deliver(self) -> None:
        """Process what the webhook stored, let the tap acknowledgements finish, send it all."""
        await self.app.intake.drain()
        await self.channel.settle()
        await self.app.delivery.drain()

    async def exchange(self, person: Person, update: dict[str, Any]) -> list[Call]:
        """Post her update over the webhook; returns the messages she received in answer."""
        before = len(self.standin.sent_to(person.chat_id))
        response = await self.post(update)
        assert response.status_code == 200, response.text
        await self.deliver()
        return self.standin.sent_to(person.chat_id)[before:]

    async def says(self, person: Person, text: str) -> list[Call]:
        return await self.exchange(person, person.text(text))

    async def taps(self, person: Person, key: str | None = None, *, label: str | None = None):
        return await self.exchange(person, person.tap(self.keyboard(person), key, label=label))

    def keyboard(self, person: Person) -> Call:
        """The latest message with buttons she received."""
        for call in reversed(self.standin.sent_to(person.chat_id)):
            if call.params.get("reply_markup"):
                return call
        raise AssertionError("she has no keyboard")


def texts(calls: list[Call]) -> str:
    return "\n---\n".join(call.params.get("text", "") for call in calls)


@asynccontextmanager
async def harness(
    settings: Any,
    db: Any,
    clock: Any,
    standin: StandIn,
    *,
    per_chat_interval: float = 0.001,
    rate: float = 1000.0,
):
    """A Harness around a fresh app; the channel is closed afterwards."""
    import httpx

    from bot.app import build
    from bot.channels.telegram import TelegramChannel
    from bot.server import create_app

    channel = TelegramChannel(
        standin.token,
        api_base_url=standin.base_url,
        webhook_secret=WEBHOOK_SECRET,
        public_base_url="https://bot.example.org",
        rate=rate,
        per_chat_interval=per_chat_interval,
        retry_pause=0.01,
    )
    # Conversation tests type faster than any person: no per-sender limit here
    # (tests/test_abuse.py tests it).
    channel.limiter.burst = float("inf")
    app = build(settings, channels=[channel], clock=clock, db=db)
    web = create_app(app, channel.routes(app))
    await channel.bot.initialize()
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        try:
            yield Harness(app, channel, client, standin)
        finally:
            await channel.stop()
