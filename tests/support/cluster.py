"""Real `entrepairs run` processes on one database, wired to the Telegram and Twilio stand-ins,
and a load driver that plays many women over their webhooks (for tests/test_load*.py,
tests/test_fault*.py and bench/load.py).

The driver is what the platforms do: it POSTs each woman's next message to one of the web
workers (round robin, as a load balancer would), retries a message the worker did not accept
(5xx, 429, a dead connection) after a pause, as Telegram and Twilio redeliver, and waits for her
answer before she writes again. Every answer is seen in the stand-ins' records.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from tests.support import telegram_standin as tg
from tests.support import twilio_standin as tw

ROOT = Path(__file__).resolve().parents[2]

# Her onboarding, as in bench/onboarding.py; None is the language digit. Free-text answers
# (name, town, business) get her number so no two women are alike.
ONBOARDING = [
    "hola", None, "1", "Ana {n}", "1 Town {n}", "Shop {n} 2", "3", "2", "2 7 / 4 1", "5", "1 2",
]  # fmt: skip
LANGUAGE_DIGIT = {"es": "1", "fr": "2", "en": "3"}
GREETING = {"es": "hola", "fr": "bonjour", "en": "hello"}
CHANNELS = ("telegram", "whatsapp", "sms")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """`count` different free ports (sockets held open together, so none is handed out twice)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def worker_env(
    database_url: str,
    telegram: tg.StandIn,
    twilio: tw.TwilioStandIn,
    port: int,
    **extra: str,
) -> dict[str, str]:
    """The environment of one `entrepairs run` process talking to the stand-ins."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "TWILIO_", "DATABASE_URL"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        PUBLIC_BASE_URL=tw.PUBLIC_BASE_URL,
        QUIET_HOURS="0-0",
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.base_url,
        TELEGRAM_WEBHOOK_SECRET=tg.WEBHOOK_SECRET,
        TELEGRAM_MPS="1000",
        TWILIO_ACCOUNT_SID=twilio.account_sid,
        TWILIO_AUTH_TOKEN=twilio.auth_token,
        TWILIO_WHATSAPP_FROM=tw.WHATSAPP_FROM,
        TWILIO_SMS_FROM=tw.SMS_FROM,
        TWILIO_API_BASE_URL=twilio.url,
        TWILIO_WHATSAPP_MPS="1000",
        TWILIO_SMS_MPS="1000",
        TWILIO_TEMPLATES=json.dumps(tw.TEMPLATES),
    )
    env.update(extra)
    return env


@dataclass
class Worker:
    role: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen | None = None
    log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", "run", "--role", self.role],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log or subprocess.DEVNULL,
            stderr=self.log or subprocess.DEVNULL,
        )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 20) -> None:
        if not self.alive:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def peak_rss_mb(self) -> float | None:
        """Peak resident memory (VmHWM) while it runs."""
        if not self.alive:
            return None
        assert self.process is not None
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        return None


class Cluster:
    """`entrepairs run --role …` processes on one database, each on its own port."""

    def __init__(
        self,
        database_url: str,
        telegram: tg.StandIn,
        twilio: tw.TwilioStandIn,
        roles: list[str],
        *,
        log_dir: Path | None = None,
        **extra_env: str,
    ) -> None:
        self.workers = []
        for n, (role, port) in enumerate(zip(roles, free_ports(len(roles)), strict=True)):
            worker = Worker(
                role, port, worker_env(database_url, telegram, twilio, port, **extra_env)
            )
            if log_dir is not None:
                worker.log = open(log_dir / f"worker-{n}-{role}.log", "ab")  # noqa: SIM115
            self.workers.append(worker)

    @property
    def web(self) -> list[Worker]:
        return [w for w in self.workers if {"web", "all"} & set(w.role.split(","))]

    def start(self, timeout: float = 60) -> Cluster:
        for worker in self.workers:
            worker.start()
        for worker in self.workers:
            self.wait_ready(worker, timeout)
        return self

    @staticmethod
    def wait_ready(worker: Worker, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not worker.alive:
                raise RuntimeError(f"worker {worker.role}:{worker.port} exited early")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{worker.url}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"worker {worker.role}:{worker.port} not ready")

    def stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop()
            if worker.log is not None:
                worker.log.close()

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Women and what they received -------------------------------------------------------------------


@dataclass
class Woman:
    n: int
    channel: str  # telegram, whatsapp or sms
    language: str
    script: list[str]
    person: tg.Person | None = None
    sent: int = 0  # messages she wrote that a worker accepted

    @property
    def address(self) -> str:
        """As the bot stores it (chat id, or E.164 number)."""
        if self.person is not None:
            return str(self.person.chat_id)
        prefix = "+22177" if self.channel == "whatsapp" else "+1514"
        return f"{prefix}{self.n:07d}"


def make_women(count: int, *, steps: int, seed: int = 0) -> list[Woman]:
    """`count` women across the three channels and languages, each with `steps` messages."""
    base = 80_000_000_000 + seed * 1_000_000
    women = []
    for n in range(count):
        channel = CHANNELS[n % 3]
        language = ("es", "fr", "en")[(n // 3) % 3]
        script = [
            LANGUAGE_DIGIT[language] if step is None else step.format(n=n) for step in ONBOARDING
        ]
        script[0] = GREETING[language]
        script = (script * (steps // len(script) + 1))[:steps]
        woman = Woman(n, channel, language, script)
        if channel == "telegram":
            woman.person = tg.Person(base + n, f"W{n}", language_code=language)
        women.append(woman)
    return women


class Inbox:
    """Counts what each address has received, read incrementally from the stand-ins' records."""

    def __init__(self, telegram: tg.StandIn, twilio: tw.TwilioStandIn) -> None:
        self.telegram, self.twilio = telegram, twilio
        self._tg_seen = 0
        self._tw_seen = 0
        self.counts: Counter[str] = Counter()

    def refresh(self) -> None:
        with self.telegram._lock:
            fresh = self.telegram.calls[self._tg_seen :]
            self._tg_seen = len(self.telegram.calls)
        for call in fresh:
            if call.method == "sendMessage" and call.status == 200:
                self.counts[str(call.params["chat_id"])] += 1
        calls = self.twilio.calls
        while self._tw_seen < len(calls) and calls[self._tw_seen].answered:
            call = calls[self._tw_seen]
            self._tw_seen += 1
            if call.answered == 201:
                self.counts[call.fields["To"].removeprefix("whatsapp:")] += 1


@dataclass
class Report:
    posted: int = 0  # accepted by a worker (200)
    refused: Counter[int] = field(default_factory=Counter)  # status → count (then retried)
    connection_errors: int = 0
    connection_error_kinds: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0
    latencies_ms: list[float] = field(default_factory=list)  # webhook round trips (200s)
    answer_lags_ms: list[float] = field(default_factory=list)  # webhook sent → first answer
    seconds: float = 0.0
    platform_keys: list[tuple[str, str]] = field(default_factory=list)  # (channel, key)

    @property
    def errors(self) -> int:
        return sum(self.refused.values()) + self.connection_errors

    @property
    def rate(self) -> float:
        return self.posted / self.seconds if self.seconds else 0.0


class Driver:
    """Plays `women` against the web workers at `rate` messages per second overall."""

    def __init__(
        self,
        urls: list[str],
        telegram: tg.StandIn,
        twilio: tw.TwilioStandIn,
        *,
        rate: float,
        answer_timeout: float = 120.0,
        retry_pause: float = 0.5,
        concurrency: int = 64,
    ) -> None:
        self.urls = urls
        self.rate = rate
        self.inbox = Inbox(telegram, twilio)
        self.validator = RequestValidator(twilio.auth_token)
        self.account_sid = twilio.account_sid
        self.answer_timeout = answer_timeout
        self.retry_pause = retry_pause
        self.concurrency = concurrency
        self._next_url = itertools.cycle(range(len(urls)))
        self._sids = itertools.count(1)
        self._run = os.urandom(4).hex()
        self.report = Report()
        self.paused = asyncio.Event()  # set: hold new messages (a test pauses traffic)

    def _request(self, woman: Woman, text_: str) -> tuple[str, dict[str, Any], str, str]:
        """(path, httpx kwargs, channel, platform key) for one of her messages."""
        if woman.person is not None:
            update = woman.person.text(text_)
            headers = {"X-Telegram-Bot-Api-Secret-Token": tg.WEBHOOK_SECRET}
            return (
                "/webhooks/telegram",
                {"json": update, "headers": headers},
                "telegram",
                str(update["update_id"]),
            )
        sender = woman.address if woman.channel == "sms" else f"whatsapp:{woman.address}"
        sid = f"SM{self._run}{next(self._sids):024d}"
        form = {
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "To": tw.WHATSAPP_FROM if woman.channel == "whatsapp" else tw.SMS_FROM,
            "Body": text_,
            "NumMedia": "0",
        }
        signature = self.validator.compute_signature(f"{tw.PUBLIC_BASE_URL}/webhooks/twilio", form)
        return (
            "/webhooks/twilio",
            {"data": form, "headers": {"X-Twilio-Signature": signature}},
            woman.channel,
            sid,
        )

    async def _post(self, client: httpx.AsyncClient, path: str, kwargs: dict[str, Any]) -> None:
        """POST until a worker accepts it, as the platforms redeliver."""
        while True:
            url = self.urls[next(self._next_url)]
            started = time.monotonic()
            try:
                response = await client.post(url + path, **kwargs)
            except httpx.HTTPError as error:
                self.report.connection_errors += 1
                self.report.connection_error_kinds[type(error).__name__] += 1
                await asyncio.sleep(self.retry_pause)
                continue
            if response.status_code == 200:
                self.report.latencies_ms.append((time.monotonic() - started) * 1000)
                return
            self.report.refused[response.status_code] += 1
            await asyncio.sleep(self.retry_pause)

    async def _woman(
        self, client: httpx.AsyncClient, woman: Woman, index: int, total: int, t0: float
    ) -> None:
        for step, text_ in enumerate(woman.script):
            # Her slot in the steady stream: message k of woman i goes at (k·N + i) / rate.
            slot = t0 + (step * total + index) / self.rate
            await asyncio.sleep(max(0.0, slot - time.monotonic()))
            while self.paused.is_set():
                await asyncio.sleep(0.05)
            self.inbox.refresh()
            before = self.inbox.counts[woman.address]
            path, kwargs, channel, key = self._request(woman, text_)
            sent_at = time.monotonic()
            async with self._gate:
                await self._post(client, path, kwargs)
            self.report.posted += 1
            self.report.platform_keys.append((channel, key))
            woman.sent += 1
            deadline = sent_at + self.answer_timeout
            while self.inbox.counts[woman.address] <= before:
                if time.monotonic() > deadline:
                    self.report.unanswered += 1
                    break
                await asyncio.sleep(0.02)
                self.inbox.refresh()
            else:
                self.report.answer_lags_ms.append((time.monotonic() - sent_at) * 1000)

    async def run(self, women: list[Woman]) -> Report:
        self._gate = asyncio.Semaphore(self.concurrency)
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so a request never
        # races the server closing the connection under it.
        limits = httpx.Limits(max_connections=self.concurrency * 2, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            t0 = time.monotonic()
            await asyncio.gather(
                *(self._woman(client, w, i, len(women), t0) for i, w in enumerate(women))
            )
            self.report.seconds = time.monotonic() - t0
        self.inbox.refresh()
        return self.report


# Checking the database against the stand-ins ------------------------------------------------------


def audit(db: Any, telegram: tg.StandIn, twilio: tw.TwilioStandIn, report: Report) -> dict:
    """Compare what the workers recorded with what the platforms saw; returns the differences.

    - inbound: every accepted webhook is one InboundMessage row (exactly once);
    - outbound: per address, the messages the stand-ins accepted equal the outbox rows marked
      sent, and no outbox row went out under two claims (Twilio's status URL names row and try).
    """
    with db.engine.connect() as connection:
        inbound = {
            (channel, key)
            for channel, key in connection.execute(
                text("SELECT channel, platform_key FROM inboundmessage")
            )
        }
        sent_rows = connection.execute(
            text(
                "SELECT id, channel, address FROM outboundmessage "
                "WHERE status IN ('sent', 'delivered', 'read')"
            )
        ).all()
        unsent = connection.execute(
            text("SELECT count(*) FROM outboundmessage WHERE status IN ('pending', 'sending')")
        ).scalar()
    posted = set(report.platform_keys)
    rows_per_address: Counter[str] = Counter(address for _id, _ch, address in sent_rows)
    seen: Counter[str] = Counter()
    for call in telegram.calls_to("sendMessage", ok=True):
        seen[str(call.params["chat_id"])] += 1
    # A long SMS goes as several parts, each a call with the same status URL (row and try).
    tries: dict[str, set[str]] = defaultdict(set)
    claims: set[tuple[str, str, str]] = set()
    for call in twilio.accepted:
        query = call.fields.get("StatusCallback", "").partition("?")[2]
        params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        to = call.fields["To"].removeprefix("whatsapp:")
        tries[params.get("outbox", "")].add(params.get("try", ""))
        claims.add((to, params.get("outbox", ""), params.get("try", "")))
    for to, _row, _try in claims:
        seen[to] += 1
    addresses = set(rows_per_address) | set(seen)
    return {
        "posted": len(report.platform_keys),
        "posted_unique": len(posted),
        "inbound_rows": len(inbound),
        "missing_inbound": len(posted - inbound),
        "extra_inbound": len(inbound - posted),
        "sent_rows": len(sent_rows),
        "platform_sends": sum(seen.values()),
        "unsent_rows": int(unsent or 0),
        "addresses_with_more_sends_than_rows": sum(
            1 for a in addresses if seen[a] > rows_per_address[a]
        ),
        "addresses_with_fewer_sends_than_rows": sum(
            1 for a in addresses if seen[a] < rows_per_address[a]
        ),
        "extra_sends": sum(max(0, seen[a] - rows_per_address[a]) for a in addresses),
        "rows_sent_under_two_claims": sum(1 for t in tries.values() if len(t) > 1),
    }


def expire_leases(db: Any, ids: set[int]) -> int:
    """The two-minute lease of these rows runs out now (a dead worker's claims): the passage of
    time, simulated in the database as tests elsewhere move a FakeClock."""
    if not ids:
        return 0
    with db.engine.begin() as connection:
        result = connection.execute(
            text(
                "UPDATE outboundmessage SET next_attempt_at = next_attempt_at - interval '1 hour' "
                "WHERE status = 'sending' AND id = ANY(:ids)"
            ),
            {"ids": sorted(ids)},
        )
        return int(result.rowcount or 0)


def sending_ids(db: Any) -> set[int]:
    with db.engine.connect() as connection:
        return {
            row[0]
            for row in connection.execute(
                text("SELECT id FROM outboundmessage WHERE status = 'sending'")
            )
        }


@contextlib.contextmanager
def resilient_postgres() -> Any:
    """Like tests/support/databases.postgres_database, with an admin connection that survives
    the server restarting under it (pre-ping), for the tests that restart it."""
    import uuid

    import pytest
    from sqlalchemy import create_engine

    from storage.db import Database
    from tests.support.databases import POSTGRES_URL, _driver

    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    base = _driver(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    db = Database(f"{base}{separator}options=-csearch_path%3D{schema}")
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()
        for _attempt in range(30):  # the server may still be coming back
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                break
            except Exception:
                time.sleep(1)
        admin.dispose()


@contextlib.contextmanager
def fresh_database(postgres: bool) -> Any:
    """For the benches: a fresh migrated database, a schema of its own on TEST_DATABASE_URL
    (`resilient_postgres`) or a SQLite file in a temporary folder."""
    import tempfile

    from tests.support.databases import sqlite_database

    if postgres:
        with resilient_postgres() as db:
            yield db
        return
    with tempfile.TemporaryDirectory() as tmp, sqlite_database(Path(tmp)) as db:
        yield db


def own_peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
