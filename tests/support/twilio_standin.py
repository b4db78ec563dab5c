"""A local stand-in for Twilio's REST API: the real twilio client talks to it on 127.0.0.1.

It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` (Basic auth) like Twilio's Message
resource (201, sid "SM…", status "queued"), records each call with its form fields, fails on
demand (`fail_next(429, 20429)`, `fail_next(500)`, `fail_next(400, 63016)`) and can enforce a
messages-per-second limit per sender, answering 429 / 20429 beyond it, as Twilio does.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "standin-auth-token"


@dataclass
class Call:
    """One Messages create call as Twilio would have received it."""

    fields: dict[str, str]
    at: float
    answered: int
    sid: str | None = None

    def __getitem__(self, name: str) -> str:
        return self.fields[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)

    @property
    def is_template(self) -> bool:
        return "ContentSid" in self.fields

    @property
    def variables(self) -> dict[str, Any]:
        return json.loads(self.fields.get("ContentVariables") or "{}")


@dataclass
class _Failure:
    status: int
    code: int | None
    when: Callable[[dict[str, str]], bool] | None


@dataclass
class _Bucket:
    """Token bucket: `rate` per second, at most `rate` (≥ 1) saved up."""

    rate: float
    tokens: float = field(default=0.0)
    last: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class TwilioStandIn:
    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        # Served over TLS with this (server) context, as Twilio is; plain HTTP without.
        self.tls = tls
        # Connections the client opened (with TLS, each one a handshake).
        self.connections = 0
        self.calls: list[Call] = []
        self.rejected_429 = 0
        self._failures: list[_Failure] = []
        self._buckets: dict[str, _Bucket] = {}
        self._mps: float | None = None
        self._sender_mps: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # Control ----------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        code: int | None = None,
        *,
        when: Callable[[dict[str, str]], bool] | None = None,
    ) -> None:
        """The next create call (matching `when`, if given) gets this error."""
        with self._lock:
            self._failures.append(_Failure(status, code, when))

    def enforce_mps(self, mps: float | None, *, senders: dict[str, float] | None = None) -> None:
        """Answer 429 / 20429 beyond `mps` messages per second per sender (None: no limit).

        `senders` gives some senders (a From number) a limit of their own, e.g. SMS at 1/s.
        """
        with self._lock:
            self._mps = mps
            self._sender_mps = dict(senders or {})
            self._buckets.clear()

    @property
    def accepted(self) -> list[Call]:
        return [call for call in self.calls if call.answered == 201]

    def sent_to(self, to: str) -> list[Call]:
        return [call for call in self.accepted if call.fields.get("To") == to]

    def bodies_to(self, to: str) -> list[str]:
        return [call.fields.get("Body", "") for call in self.sent_to(to)]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self.rejected_429 = 0

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    # Serving ----------------------------------------------------------------------------------

    def start(self) -> TwilioStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one packet: written apart, Nagle and delayed ACKs held each
            # keep-alive answer about 40 ms (the sender capped at ~175 calls/s over 8 connections).
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, *args: object) -> None:  # quiet
                return

            def setup(self) -> None:
                with standin._lock:
                    standin.connections += 1
                super().setup()

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:  # the sender died mid-request (kill -9): nothing arrived
                    self.close_connection = True
                    return
                body = raw.decode("utf-8")
                auth = self.headers.get("Authorization")
                status, payload = standin._handle(self.path, auth, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.tls is not None:  # each connection's handshake in its own handler thread
            self._server.socket = self.tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handle(self, path: str, auth: str | None, body: str) -> tuple[int, dict[str, Any]]:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if path.split("?")[0] != expected:
            return 404, _error(404, 20404, "The requested resource was not found")
        if auth != _basic(self.account_sid, self.auth_token):
            return 401, _error(401, 20003, "Authenticate")
        fields = dict(parse_qsl(body, keep_blank_values=True))
        if not fields.get("To"):  # as Twilio answers a create without a recipient
            return 400, _error(400, 21604, "A 'To' phone number is required.")
        with self._lock:
            call = Call(fields, time.monotonic(), 0)
            self.calls.append(call)
            failure = next((f for f in self._failures if f.when is None or f.when(fields)), None)
            if failure is not None:
                self._failures.remove(failure)
                call.answered = failure.status
                return failure.status, _error(failure.status, failure.code, "Forced failure")
            if self._mps is not None:
                sender = fields.get("From") or fields.get("MessagingServiceSid") or ""
                if sender not in self._buckets:
                    self._buckets[sender] = _Bucket(self._sender_mps.get(sender, self._mps))
                bucket = self._buckets[sender]
                if not bucket.take():
                    self.rejected_429 += 1
                    call.answered = 429
                    return 429, _error(429, 20429, "Too Many Requests")
            call.answered = 201
            call.sid = "SM" + uuid.uuid4().hex
        return 201, self._resource(call)

    def _resource(self, call: Call) -> dict[str, Any]:
        fields = call.fields
        return {
            "sid": call.sid,
            "account_sid": self.account_sid,
            "to": fields.get("To"),
            "from": fields.get("From"),
            "messaging_service_sid": fields.get("MessagingServiceSid"),
            "body": fields.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{call.sid}.json",
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        }


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _error(status: int, code: int | None, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@contextmanager
def running_standin(*, tls: ssl.SSLContext | None = None) -> Iterator[TwilioStandIn]:
    standin = TwilioStandIn(tls=tls).start()
    try:
        yield standin
    finally:
        standin.stop()


# The bot wired to the stand-in, for tests and the benchmark --------------------------------

PUBLIC_BASE_URL = "https://bot.entrepairs.example"
WHATSAPP_FROM = "whatsapp:+14155238886"
SMS_FROM = "+15005550006"
TEMPLATES = {
    "default": {"es": "HX" + "e" * 32, "fr": "HX" + "f" * 32, "en": "HX" + "a" * 32},
    "reminder": {"fr": "HX" + "1" * 32},
}


def twilio_settings(standin: TwilioStandIn, database_url: str, **overrides: Any) -> Any:
    """Settings for a bot that talks to `standin`; fast pacing unless a test sets MPS."""
    from bot.settings import Settings

    values: dict[str, Any] = {
        "database_url": database_url,
        "public_base_url": PUBLIC_BASE_URL,
        "twilio_account_sid": standin.account_sid,
        "twilio_auth_token": standin.auth_token,
        "twilio_whatsapp_from": WHATSAPP_FROM,
        "twilio_sms_from": SMS_FROM,
        "twilio_api_base_url": standin.url,
        "twilio_whatsapp_mps": 1000.0,
        "twilio_sms_mps": 1000.0,
        "twilio_templates": TEMPLATES,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class TwilioBot:
    """The real app (engine, outbox, delivery, Starlette routes) with Twilio channels.

    `post` sends a webhook form signed by twilio's own RequestValidator (or a given signature)
    through the real HTTP app; `says` plays her message and returns what Twilio was asked to
    send her in answer.
    """

    def __init__(self, standin: TwilioStandIn, settings: Any, db: Any, clock: Any) -> None:
        from bot.app import build
        from bot.channels.twilio import twilio_channels
        from bot.server import create_app

        self.standin = standin
        self.settings = settings
        self.channels = twilio_channels(settings)
        for channel in self.channels:  # tests type faster than any person (see test_abuse.py)
            channel.limiter.burst = float("inf")
        self.app = build(settings, channels=list(self.channels), clock=clock, db=db)
        routes = [route for channel in self.channels for route in channel.routes(self.app)]
        self.web = create_app(self.app, routes)
        self.validator = RequestValidator(standin.auth_token)
        self._sids = 0

    def sign(self, url: str, form: dict[str, str]) -> str:
        return self.validator.compute_signature(url, form)

    def post(
        self,
        path: str,
        form: dict[str, str],
        *,
        query: str = "",
        signature: str | None = None,
        signed_url: str | None = None,
    ) -> Any:
        """POST a form to the app; signed for PUBLIC_BASE_URL + path (+ query) unless told."""
        import httpx

        url = f"{PUBLIC_BASE_URL}{path}" + (f"?{query}" if query else "")
        headers = {}
        if signature is None:
            signature = self.sign(signed_url or url, form)
        if signature:
            headers["X-Twilio-Signature"] = signature

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.web)
            async with httpx.AsyncClient(transport=transport, base_url="http://internal") as c:
                target = path + (f"?{query}" if query else "")
                return await c.post(target, data=form, headers=headers)

        return asyncio.run(go())

    def form(self, sender: str, body: str = "", **extra: str) -> dict[str, str]:
        self._sids += 1
        number = sender.removeprefix("whatsapp:")
        to = WHATSAPP_FROM if sender.startswith("whatsapp:") else SMS_FROM
        form = {
            "MessageSid": f"SM{self._sids:032d}",
            "AccountSid": self.standin.account_sid,
            "From": sender,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }
        if sender.startswith("whatsapp:"):
            form.update(ProfileName="Awa", WaId=number.removeprefix("+"))
        form.update(extra)
        return form

    def deliver(self) -> None:
        asyncio.run(self.app.delivery.drain())

    def says(self, sender: str, body: str = "", **extra: str) -> list[str]:
        """She writes; returns the bodies sent to her in answer (templates as "[template]")."""
        before = len(self.standin.sent_to(sender))
        response = self.post("/webhooks/twilio", self.form(sender, body, **extra))
        assert response.status_code == 200, response.text
        self.deliver()
        answer = self.standin.sent_to(sender)[before:]
        return [call.fields.get("Body") or "[template]" for call in answer]

    def status(self, call: Call, status: str, error_code: str = "") -> Any:
        """Twilio's status callback for one sent message, to the URL we gave it."""
        callback = call.fields["StatusCallback"]
        path, _, query = callback.removeprefix(PUBLIC_BASE_URL).partition("?")
        form = {
            "MessageSid": call.sid or "",
            "MessageStatus": status,
            "AccountSid": self.standin.account_sid,
            "To": call.fields["To"],
            "From": call.fields.get("From", ""),
        }
        if error_code:
            form["ErrorCode"] = error_code
        return self.post(path, form, query=query)
