"""The HTTP server's own promises: health, metrics, request ids, size limit, no tracebacks."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from starlette.routing import Route

from bot.logs import JsonFormatter, redact
from bot.server import MAX_BODY, create_app


async def _boom(request):
    raise RuntimeError("secret detail +221770000000")


async def _echo(request):
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(str(len(await request.body())))


@pytest.fixture
def client(app):
    routes = [Route("/boom", _boom, methods=["POST"]), Route("/echo", _echo, methods=["POST"])]
    return create_app(app, routes)


async def _get(server, path, **kw):
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(kw.pop("method", "GET"), path, **kw)


def run(coro):
    import asyncio

    return asyncio.run(coro)


def test_healthz_reports_database_and_backlog(client):
    response = run(_get(client, "/healthz"))
    assert response.status_code == 200
    body = response.json()
    assert (body["database"], body["outbox_backlog"]) == ("ok", 0)
    # No scheduler has beaten in this fresh database (tests/test_observability.py covers it).
    assert (body["status"], body["scheduler"]["status"]) == ("degraded", "never")
    assert len(response.headers["x-request-id"]) == 12


def test_metrics_are_in_prometheus_format(client):
    response = run(_get(client, "/metrics"))
    assert response.status_code == 200
    assert "entrepairs_outbox_depth 0.0" in response.text
    assert "entrepairs_inbox_depth 0.0" in response.text
    assert "entrepairs_webhook_seconds_bucket" in response.text


def test_oversized_bodies_are_refused_before_reading(client):
    response = run(_get(client, "/echo", method="POST", content=b"x" * (MAX_BODY + 1)))
    assert response.status_code == 413
    small = run(_get(client, "/echo", method="POST", content=b"x" * 10))
    assert small.text == "10"


def test_an_unexpected_error_is_a_bare_500(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = run(_get(client, "/boom", method="POST"))
    assert response.status_code == 500
    assert response.text == "internal error"
    assert "Traceback" not in response.text and "secret" not in response.text


def test_log_lines_are_json_and_never_carry_phone_numbers_or_tokens():
    record = logging.makeLogRecord(
        {
            "name": "x",
            "levelname": "INFO",
            "msg": "sent to %s with 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "args": ("+221 77 000 00 00",),
            "channel": "whatsapp",
            "outbox_id": 42,
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["channel"] == "whatsapp" and line["outbox_id"] == 42
    assert "221" not in line["message"] and "AAHdq" not in line["message"]
    assert (
        redact("call me at +59171234567 or julie@example.ca")
        == "call me at [redacted] or [redacted]"
    )
    assert redact("outbox 42 at 2026-03-02") == "outbox 42 at 2026-03-02"
