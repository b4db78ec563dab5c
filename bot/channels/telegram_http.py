"""python-telegram-bot's HTTP transport on aiohttp, and a form for the calls we build ourselves.

PTB's default transport (httpx through httpcore) rescans its whole queue of waiting requests each
time a connection frees up: with the delivery worker's 200 sends in flight over 8 connections a
`sendMessage` cost about 5 ms of CPU, against 0.7 ms here (aiohttp keeps its waiters in a FIFO).
PTB still builds the calls, parses the answers and raises its own errors; only the bytes go
through aiohttp. `JsonCall` lets the hottest call (`sendMessage`) skip PTB's typed objects while
keeping its errors (see TelegramChannel.send): its body is JSON, which the Bot API takes for any
call without files, encoded in C (a url-encoded form cost 0.1 ms of pure Python per send).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from storage import json_codec

# PTB's own defaults (HTTPXRequest): seconds.
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
# How long `shutdown` lets the calls under way finish.
SHUTDOWN_GRACE = 10.0


class AiohttpRequest(BaseRequest):
    """One keep-alive pool of `connection_pool_size` connections to the Bot API."""

    def __init__(self, *, connection_pool_size: int = 8, read_timeout: float = 5.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None
        self._under_way = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """The Bot API's answer through `json_codec` (PTB's documented hook for this); what
        neither parser reads goes PTB's own way (bad UTF-8 replaced, its `TelegramError`)."""
        try:
            return json_codec.loads(payload)
        except ValueError:
            return BaseRequest.parse_json_payload(payload)

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Let the calls under way finish, then close the pool.

        aiohttp leaves a call waiting for a pooled connection hanging forever once its session
        is closed; and a message that reached Telegram should be recorded as sent, not sent
        again after a restart. New calls are refused meanwhile.
        """
        session, self._session = self._session, None
        if session is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), SHUTDOWN_GRACE)
        await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`: one call, PTB's errors for timeouts and network faults."""
        session = self._session
        if session is None:
            raise NetworkError("the Telegram connection is closed")
        timeout = aiohttp.ClientTimeout(
            # aiohttp's `connect` covers waiting for a pooled connection and opening one.
            connect=_given(pool_timeout, POOL_TIMEOUT) + _given(connect_timeout, CONNECT_TIMEOUT),
            sock_connect=_given(connect_timeout, CONNECT_TIMEOUT),
            sock_read=_given(read_timeout, self._read_timeout),
        )
        self._under_way += 1
        self._idle.clear()
        headers = JSON_HEADERS if isinstance(request_data, JsonCall) else None
        try:
            async with session.request(
                method, url, data=_body(request_data), headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error
        finally:
            self._under_way -= 1
            if not self._under_way:
                self._idle.set()


def _given(value: Any, default: float) -> float:
    """A timeout PTB passed, or ours when it passed its DEFAULT_NONE (or None: no limit)."""
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return 3600.0
    return default


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | bytes | None:
    """Our JSON call's body; or the form PTB built: url-encoded, or multipart with files."""
    if request_data is None:
        return None
    if isinstance(request_data, JsonCall):
        return request_data.json_payload
    files = request_data.multipart_data
    if not files:
        return request_data.json_parameters
    form = aiohttp.FormData(request_data.json_parameters)
    for name, value in files.items():
        filename, content, *rest = value
        form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
    return form


JSON_HEADERS = {"Content-Type": "application/json"}


class JsonCall(RequestData):
    """A Bot API call's parameters as Bot API values (objects, not JSON strings), sent as JSON.

    For `BaseRequest.post`: the answer's `result` comes back as parsed JSON and failures raise
    PTB's errors, without building PTB objects for the call or its answer.
    """

    def __init__(self, parameters: dict[str, Any]) -> None:
        super().__init__()
        self._parameters = parameters

    @property
    def json_payload(self) -> bytes:
        return json_codec.dumps(self._parameters).encode()

    @property
    def json_parameters(self) -> dict[str, str]:
        """PTB's view (form fields, JSON for non-strings), for anything that logs the call."""
        return {
            name: value if isinstance(value, str) else json_codec.dumps(value)
            for name, value in self._parameters.items()
        }

    @property
    def multipart_data(self) -> dict[str, Any]:
        return {}
