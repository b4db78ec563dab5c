"""Broadcast throughput and live-reply latency against the platform stand-ins.

10,000 recipients on Telegram, WhatsApp and SMS (split in proportion to each platform's rate, so
all three finish together) receive one announcement through the real outbox, delivery worker and
platform clients. The stand-ins enforce Telegram's 30 messages/s and Twilio's configured MPS
(TWILIO_WHATSAPP_MPS, TWILIO_SMS_MPS), all multiplied by `--scale` so the run takes well under a
minute; beyond its rate a stand-in answers 429. Meanwhile five women chat with the bot; the
latency of their replies (message in → reply at the platform) is measured before and during the
broadcast.

Prints one JSON object: achieved send rate as a ratio of the allowed rate (overall and per
platform), 429s seen, and live-reply p50/p99 before and during the broadcast.

    python bench/broadcast.py [--recipients 10000] [--scale 1] [--window 40]

All 10,000 messages are queued (the outbox holds the whole broadcast, as in production); sending
is measured for `--window` seconds at `--scale` times the platforms' rates, then the rest is
cancelled so the run stays under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.twilio import twilio_channels  # noqa: E402
from bot.cli_coordination import TELEGRAM_RATE  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows import broadcasts  # noqa: E402
from flows.config import FlowConfig  # noqa: E402
from flows.coordination import Actor  # noqa: E402
from flows.messages import ChannelKind, Inbound  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import ChannelAddress, Participant  # noqa: E402
from tests.support import telegram_standin as tg_standin  # noqa: E402
from tests.support import twilio_standin as tw_standin  # noqa: E402

LIVE_USERS = 5
LIVE_BASE = 90_000_000
_turns = iter(range(10**9))


class Bucket:
    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.last = rate, max(1.0, rate), time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(max(1.0, self.rate), self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class LimitedTelegram(tg_standin.StandIn):
    """The Bot API stand-in, answering 429 (retry_after 1) beyond `limit` sendMessage/s."""

    limit: Bucket | None = None
    rejected_429: int = 0
    # Arrival times of the replies to the live chatters (cheap to watch, unlike `calls`).
    live: dict[int, list[float]] | None = None

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and self.limit is not None and not self.limit.take():
            self.rejected_429 += 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            return 429, body
        status, body = super().answer(method, params)
        chat = int(params.get("chat_id") or 0)
        if (
            status == 200
            and method == "sendMessage"
            and chat >= LIVE_BASE
            and self.live is not None
        ):
            self.live.setdefault(chat, []).append(time.monotonic())
        return status, body


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def seed(db: Database, n: dict[str, int], now: datetime) -> None:
    """Women on each channel (in the WhatsApp window, UTC), plus the live chatters."""
    rows = []
    with db.session() as session:
        for channel, count in n.items():
            for i in range(count):
                person = Participant(
                    name="W",
                    locale=("es", "fr", "en")[i % 3],
                    country="SN",
                    timezone="UTC",
                    consent_at=now,
                    onboarded_at=now,
                    created_at=now,
                )
                session.add(person)
                rows.append((person, channel, i))
        for i in range(LIVE_USERS):
            person = Participant(
                name="Live",
                locale="en",
                country="OTHER",
                timezone="UTC",
                consent_at=now,
                onboarded_at=now,
                created_at=now,
            )
            session.add(person)
            rows.append((person, "live", i))
        session.flush()
        for person, channel, i in rows:
            if channel == "telegram":
                address = str(10_000_000 + i)
            elif channel == "live":
                channel, address = "telegram", str(LIVE_BASE + i)
            else:
                address = f"+1555{1_000_000 + i:07d}" if channel == "sms" else f"+1666{i:07d}"
            session.add(
                ChannelAddress(
                    participant_id=person.id or 0,
                    channel=channel,
                    address=address,
                    last_inbound_at=now,
                    created_at=now,
                )
            )


async def live_chat(
    app: Any, standin: LimitedTelegram, stop: asyncio.Event, samples: list[float]
) -> None:
    """Five women take turns writing; each reply's latency is recorded."""
    while not stop.is_set():
        turn = next(_turns)
        chat = LIVE_BASE + turn % LIVE_USERS
        arrivals = standin.live.setdefault(chat, []) if standin.live is not None else []
        before = len(arrivals)
        started = time.monotonic()
        inbound = Inbound(
            ChannelKind.TELEGRAM,
            str(chat),
            "hello" if turn % 2 else "menu",
            platform_key=f"live-{turn}",
            received_at=app.clock.now(),
        )
        await asyncio.to_thread(app.engine.handle, inbound)
        app.delivery.wake.set()
        while len(arrivals) == before and time.monotonic() - started < 30:
            await asyncio.sleep(0.002)
        if len(arrivals) > before:
            samples.append(arrivals[before] - started)
        await asyncio.sleep(max(0.0, 0.25 - (time.monotonic() - started)))


async def run(
    recipients: int, scale: float, baseline_seconds: float, window: float
) -> dict[str, Any]:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    rates = {
        "telegram": TELEGRAM_RATE * scale,
        "whatsapp": defaults.twilio_whatsapp_mps * scale,
        "sms": defaults.twilio_sms_mps * scale,
    }
    total_rate = sum(rates.values())
    n = {channel: round(recipients * rate / total_rate) for channel, rate in rates.items()}
    n["telegram"] += recipients - sum(n.values())
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    db = Database(url)
    db.upgrade()
    now = datetime.now(UTC)
    seed(db, n, now)

    with tg_standin.standin_server() as plain_tg, tw_standin.running_standin() as twilio:
        telegram = LimitedTelegram(token=plain_tg.token)  # same server, rate-limited state
        telegram.base_url = plain_tg.base_url
        telegram.limit = Bucket(rates["telegram"])
        telegram.live = {}
        _swap_state(plain_tg, telegram)
        twilio.enforce_mps(rates["whatsapp"])
        twilio._buckets[tw_standin.SMS_FROM] = tw_standin._Bucket(rates["sms"])
        twilio._buckets[tw_standin.WHATSAPP_FROM] = tw_standin._Bucket(rates["whatsapp"])
        settings = tw_standin.twilio_settings(
            twilio, url, twilio_whatsapp_mps=rates["whatsapp"], twilio_sms_mps=rates["sms"]
        )
        tg = TelegramChannel(
            telegram.token,
            api_base_url=telegram.base_url,
            rate=rates["telegram"],
            per_chat_interval=1.0,
        )
        phones = twilio_channels(settings)
        app = build(settings, channels=[tg, *phones], db=db)
        app.engine.config = FlowConfig(quiet_start=0, quiet_end=0)
        for channel in phones:
            channel.bind(app)
        tg.attach(app)
        await tg.bot.initialize()
        stop = asyncio.Event()
        worker = asyncio.create_task(app.delivery.run_forever(stop, idle=0.05))

        baseline: list[float] = []
        chatting = asyncio.Event()
        chat = asyncio.create_task(live_chat(app, telegram, chatting, baseline))
        await asyncio.sleep(baseline_seconds)
        chatting.set()
        await chat

        config = FlowConfig(quiet_start=0, quiet_end=0)
        operator = Actor.operator("bench")
        queued_at = time.monotonic()
        with db.session() as session:
            draft = broadcasts.draft(
                session,
                config,
                operator,
                audience=broadcasts.Audience(countries=("SN",)),
                texts={"es": "Feria el sábado", "fr": "Foire samedi", "en": "Fair on Saturday"},
                now=app.clock.now(),
            )
            queued = broadcasts.send(
                session, config, operator, draft, now=app.clock.now(), pace=rates
            )
            broadcast_id = draft.id or 0
        queue_seconds = time.monotonic() - queued_at
        app.delivery.wake.set()

        during: list[float] = []
        chatting = asyncio.Event()
        chat = asyncio.create_task(live_chat(app, telegram, chatting, during))
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            with db.session() as session:
                report = broadcasts.delivery_report(
                    session, broadcasts.get(session, broadcast_id), now=app.clock.now()
                )
            if report.queued == 0:
                break
            await asyncio.sleep(0.2)
        chatting.set()
        await chat
        with db.session() as session:  # the window is over: take back what is still queued
            left = broadcasts.cancel(
                session,
                config,
                operator,
                broadcasts.get(session, broadcast_id),
                now=app.clock.now(),
            )
        stop.set()
        await worker
        await tg.stop()

        tg_calls = [
            c
            for c in telegram.calls_to("sendMessage", ok=True)
            if int(c.params["chat_id"]) < LIVE_BASE
        ]
        tw_calls = [c for c in twilio.accepted]
        per: dict[str, list[float]] = {
            "telegram": [c.at for c in tg_calls],
            "whatsapp": [c.at for c in tw_calls if c["To"].startswith("whatsapp:")],
            "sms": [c.at for c in tw_calls if not c["To"].startswith("whatsapp:")],
        }
        rejected = telegram.rejected_429 + twilio.rejected_429
    db.dispose()

    first = min(min(times) for times in per.values() if times)
    last = max(max(times) for times in per.values() if times)
    sent = sum(len(times) for times in per.values())
    seconds = last - first
    ratios = {}
    for channel, times in per.items():
        span = (max(times) - min(times)) if len(times) > 1 else 0
        ratios[channel] = round((len(times) - 1) / span / rates[channel], 3) if span else None
    p99_base, p99_during = percentile(baseline, 0.99), percentile(during, 0.99)
    return {
        "recipients": recipients,
        "queued": queued,
        "sent_in_window": sent,
        "cancelled_after_window": left,
        "window_seconds": window,
        "scale": scale,
        "allowed_rate_per_s": {k: round(v, 1) for k, v in rates.items()}
        | {"total": round(total_rate, 1)},
        "split": n,
        "seconds": round(seconds, 2),
        "queue_seconds": round(queue_seconds, 2),
        "achieved_rate_per_s": round(sent / seconds, 1) if seconds else None,
        "sent": sent,
        "rate_ratio": round(sent / seconds / total_rate, 3) if seconds else None,
        "rate_ratio_by_channel": ratios,
        "http_429": rejected,
        "live_replies": {
            "baseline_samples": len(baseline),
            "during_samples": len(during),
            "p50_before_ms": _ms(percentile(baseline, 0.5)),
            "p99_before_ms": _ms(p99_base),
            "p50_during_ms": _ms(percentile(during, 0.5)),
            "p99_during_ms": _ms(p99_during),
            "p99_growth_ms": _ms(p99_during - p99_base) if p99_base and p99_during else None,
        },
        "target": "rate_ratio >= 0.9 with http_429 == 0",
    }


def _ms(value: float | None) -> float | None:
    return round(value * 1000, 1) if value is not None else None


def _swap_state(server_state: tg_standin.StandIn, limited: LimitedTelegram) -> None:
    """Serve `limited` from the running server (the handler closes over the state object)."""
    limited.calls = server_state.calls
    limited._lock = server_state._lock
    limited._ids = server_state._ids
    # The request handler calls state.answer: route it to the limited one.
    server_state.answer = limited.answer  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every platform's rate (the stand-ins enforce the result)",
    )
    parser.add_argument(
        "--baseline",
        type=float,
        default=5.0,
        help="seconds of live chat measured before the broadcast",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=30.0,
        help="seconds of sending measured; what is left is then cancelled",
    )
    args = parser.parse_args()
    result = asyncio.run(run(args.recipients, args.scale, args.baseline, args.window))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
