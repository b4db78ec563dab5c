"""Benchmark of the Twilio channel; prints ONE JSON object.

1. Webhooks: women write to a real uvicorn server on 127.0.0.1 (signed forms, real engine,
   outbox and delivery worker sending to the local Twilio stand-in), on SQLite and PostgreSQL
   (TEST_DATABASE_URL or postgresql://postgres@127.0.0.1/test, in a fresh schema). Reports
   webhooks handled per second and p50/p99 latency.
2. Sending: a backlog of WhatsApp and SMS messages drained through the real twilio client while
   the stand-in enforces the configured messages-per-second; reports the achieved rate against
   the configured MPS (ratio) and how many 429s the stand-in had to answer (should be 0).

Run: `python bench/twilio_throughput.py [--women 60] [--turns 4] [--whatsapp 150] [--sms 6]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bot.app import build  # noqa: E402
from bot.channels.twilio import twilio_channels  # noqa: E402
from bot.channels.twilio_text import segments  # noqa: E402
from bot.server import create_app  # noqa: E402
from flows.clock import SystemClock  # noqa: E402
from storage import outbox, participants  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Participant, Priority  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.twilio_standin import (  # noqa: E402
    PUBLIC_BASE_URL,
    SMS_FROM,
    WHATSAPP_FROM,
    TwilioStandIn,
    running_standin,
    twilio_settings,
)

TURNS = ["Bonjour", "1", "1", "Awa", "2", "Thiès"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _webhooks(standin: TwilioStandIn, db: Database, women: int, turns: int) -> dict[str, Any]:
    from twilio.request_validator import RequestValidator

    settings = twilio_settings(standin, "sqlite:///unused.db")
    settings.twilio_whatsapp_mps = 25.0
    settings.twilio_sms_mps = 1.0
    channels = twilio_channels(settings)
    app = build(settings, channels=list(channels), clock=SystemClock(), db=db)
    routes = [route for channel in channels for route in channel.routes(app)]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app, routes),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    stop = asyncio.Event()
    delivery = asyncio.create_task(app.delivery.run_forever(stop, idle=0.2))
    # Webhooks only store (acknowledge first); the inbox worker processes what they stored.
    assert app.intake is not None
    intake = asyncio.create_task(app.intake.run_forever(stop, idle=0.2))
    validator = RequestValidator(standin.auth_token)
    url = f"{PUBLIC_BASE_URL}/webhooks/twilio"
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def woman(client: httpx.AsyncClient, index: int) -> None:
        number = f"+2217{index:08d}"
        for turn, body in enumerate(TURNS[:turns]):
            form = {
                "MessageSid": f"SM{index:016d}{turn:016d}",
                "AccountSid": standin.account_sid,
                "From": f"whatsapp:{number}",
                "To": WHATSAPP_FROM,
                "Body": body,
                "NumMedia": "0",
                "ProfileName": "Awa",
                "WaId": number[1:],
            }
            headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
            started = time.perf_counter()
            response = await client.post("/webhooks/twilio", data=form, headers=headers)
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as client:
        await woman(client, 999_999)  # warm-up: catalogs compiled, connections opened
        latencies.clear()
        statuses.clear()
        started = time.perf_counter()
        await asyncio.gather(*(woman(client, index) for index in range(women)))
        elapsed = time.perf_counter() - started
    stop.set()
    await delivery
    await intake
    server.should_exit = True
    await serving
    return {
        "webhooks": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "http_statuses": statuses,
        "concurrent_women": women,
    }


def _rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


async def _sending(standin: TwilioStandIn, folder: Path, whatsapp: int, sms: int) -> dict[str, Any]:
    settings = twilio_settings(standin, "sqlite:///unused.db")
    settings.twilio_whatsapp_mps = 25.0
    settings.twilio_sms_mps = 1.0
    db = Database(f"sqlite:///{folder / 'send.db'}")
    db.upgrade()
    clock = SystemClock()
    channels = twilio_channels(settings)
    app = build(settings, channels=list(channels), clock=clock, db=db)
    for channel in channels:
        channel.bind(app)
    text = "Bonjour Awa, votre binôme vous attend : écrivez-lui cette semaine."
    with db.session() as session:
        person = Participant(locale="fr", name="Awa", created_at=clock.now())
        session.add(person)
        session.flush()
        for kind, count, prefix in (("whatsapp", whatsapp, "+2217"), ("sms", sms, "+5917")):
            for index in range(count):
                address = f"{prefix}{index:07d}"
                link = participants.link_address(
                    session,
                    participant_id=person.id or 0,
                    channel=kind,
                    address=address,
                    now=clock.now(),
                )
                link.last_inbound_at = clock.now()
                payload = {"msg": {"id": text, "params": {}}, "options": []}
                outbox.enqueue(
                    session,
                    participant_id=person.id,
                    channel=kind,
                    address=address,
                    payload=payload,
                    now=clock.now(),
                    purpose="nudge",
                    priority=Priority.NUDGE,
                )
    standin.reset()
    # Twilio's limits, enforced per sender: WhatsApp 25/s, the SMS number 1/s.
    standin.enforce_mps(25.0, senders={SMS_FROM: 1.0})
    started = time.perf_counter()
    await app.delivery.drain(rounds=1000)
    elapsed = time.perf_counter() - started
    db.dispose()
    result: dict[str, Any] = {"elapsed_s": round(elapsed, 2), "standin_429s": standin.rejected_429}
    for name, sender, configured in (
        ("whatsapp", WHATSAPP_FROM, 25.0),
        ("sms", SMS_FROM, 1.0),
    ):
        calls = [call for call in standin.accepted if call.fields.get("From") == sender]
        achieved = _rate([call.at for call in calls])
        result[name] = {
            "messages": len(calls),
            "configured_mps": configured,
            "achieved_mps": round(achieved, 2),
            "ratio": round(achieved / configured, 3),
        }
    encoding, count = segments(text)
    result["sms_body_encoding"] = encoding
    result["sms_body_segments"] = count
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--women", type=int, default=60)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--whatsapp", type=int, default=150)
    parser.add_argument("--sms", type=int, default=6)
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "twilio_throughput"}
    with running_standin() as standin, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        webhooks: dict[str, Any] = {}
        with databases.sqlite_database(folder) as db:
            webhooks["sqlite"] = await _webhooks(standin, db, args.women, args.turns)
        try:
            with ExitStack() as stack:
                db = stack.enter_context(databases.postgres_database())
                standin.reset()
                webhooks["postgresql"] = await _webhooks(standin, db, args.women, args.turns)
        except BaseException as error:  # no server: say so in the report
            if isinstance(error, KeyboardInterrupt):
                raise
            webhooks["postgresql"] = {"error": type(error).__name__}
        report["webhooks"] = webhooks
        report["sending"] = await _sending(standin, folder, args.whatsapp, args.sms)
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
