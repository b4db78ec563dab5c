"""/healthz (database, scheduler heartbeat, inbox and outbox backlogs) and the Prometheus metrics
that the channels, the delivery and the scheduler feed, read through the real HTTP routes."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import httpx
import pytest

from bot import metrics, roles
from bot.logs import JsonFormatter
from bot.roles import Role
from bot.server import create_app
from bot.settings import Settings, SettingsError
from storage import heartbeats, inbox, nudges
from tests.support.telegram_standin import Person, harness, standin_server
from tests.support.twilio_standin import TwilioBot, running_standin, twilio_settings


def _get(app, path: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get(path)

    return asyncio.run(go())


def _sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text output (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    head = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(head + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_healthz_reports_the_scheduler_heartbeat_and_its_age(app, clock):
    body = _get(app, "/healthz").json()
    assert body["scheduler"] == {"status": "never", "age_s": None}
    assert body["status"] == "degraded" and body["database"] == "ok"

    roles.heartbeat_round(app.db, clock, who="host:1")
    clock.advance(timedelta(seconds=40))
    body = _get(app, "/healthz").json()
    assert body["scheduler"] == {"status": "ok", "age_s": 40}
    assert body["status"] == "ok"

    clock.advance(roles.STALE_AFTER)  # the scheduler process died
    response = _get(app, "/healthz")
    assert response.status_code == 200  # this worker still takes webhooks
    assert response.json()["scheduler"]["status"] == "late"
    assert response.json()["status"] == "degraded"


def test_healthz_reports_messages_waiting_too_long_in_the_inbox(app, clock):
    """A split deployment without an inbox process: webhooks are answered, nothing processed."""
    roles.heartbeat_round(app.db, clock, who="host:1")  # the scheduler is fine throughout
    body = _get(app, "/healthz").json()
    assert body["inbox"] == {"status": "ok", "waiting": 0, "oldest_age_s": 0}
    assert body["status"] == "ok"

    with app.db.engine.begin() as connection:
        inbox.store(
            connection,
            channel="telegram",
            platform_key="1",
            address="42",
            payload="{}",
            kind="message",
            now=clock.now(),
        )
    clock.advance(timedelta(seconds=20))
    body = _get(app, "/healthz").json()
    assert body["inbox"] == {"status": "ok", "waiting": 1, "oldest_age_s": 20}
    assert body["status"] == "ok"

    assert "entrepairs_inbox_depth 1.0" in _get(app, "/metrics").text
    clock.advance(roles.INBOX_LATE)
    response = _get(app, "/healthz")
    assert response.status_code == 200  # this worker still takes webhooks
    assert response.json()["inbox"] == {"status": "late", "waiting": 1, "oldest_age_s": 80}
    assert response.json()["status"] == "degraded"


def test_healthz_is_503_when_the_database_is_unreachable(app):
    app.db.engine.dispose()
    app.db.engine.url = app.db.engine.url.set(database="/nonexistent/dir/x.db")
    from sqlalchemy import create_engine

    app.db.engine = create_engine("sqlite:////nonexistent/dir/x.db")
    app.db._sessions.configure(bind=app.db.engine)
    response = _get(app, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_the_heartbeat_is_one_row_shared_by_every_process(any_db, clock):
    roles.heartbeat_round(any_db, clock, who="a:1")
    clock.advance(timedelta(seconds=30))
    previous = roles.heartbeat_round(any_db, clock, who="b:2")
    assert previous is not None
    with any_db.session() as session:
        row = heartbeats.last(session, heartbeats.SCHEDULER)
        assert (row.holder, row.beat_at) == ("b:2", clock.now())


def test_nudge_lateness_is_observed_from_the_nudges_fired_since_the_last_beat(db, clock):
    roles.heartbeat_round(db, clock)
    now = clock.now()
    with db.session() as session:
        for n, late in enumerate((3, 70)):
            row = nudges.plan(
                session, key=f"k{n}", purpose="test", due_at=now - timedelta(seconds=late), now=now
            )
            row.status, row.fired_at = nudges.NudgeStatus.SENT, now + timedelta(seconds=1)
            session.add(row)
    before = metrics.NUDGE_LATENESS._sum.get()
    count_before = _histogram_count()
    clock.advance(timedelta(seconds=30))
    roles.heartbeat_round(db, clock)
    assert _histogram_count() - count_before == 2
    assert metrics.NUDGE_LATENESS._sum.get() - before == pytest.approx(4 + 71)
    roles.heartbeat_round(db, clock)  # the same nudges are not counted twice
    assert _histogram_count() - count_before == 2


def _histogram_count() -> float:
    return sum(bucket.get() for bucket in metrics.NUDGE_LATENESS._buckets)


def test_metrics_count_messages_in_and_out_per_channel_and_send_failures(db, clock, settings):
    async def telegram_part() -> str:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:
                her = Person(59173333333)
                await h.exchange(her, her.start())
                standin.fail("sendMessage", 500, times=1)
                await h.post(her.text("hola"))
                await h.deliver()
                clock.advance(timedelta(minutes=1))
                await h.deliver()
                web = create_app(h.app, h.channel.routes(h.app))
                transport = httpx.ASGITransport(app=web)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    return (await c.get("/metrics")).text

    before = metrics.generate_latest().decode()
    after = asyncio.run(telegram_part())

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert grew("entrepairs_messages_in_total", channel="telegram") == 2
    assert grew("entrepairs_messages_out_total", channel="telegram", outcome="sent") >= 2
    assert grew("entrepairs_send_failures_total", channel="telegram", code="5xx") == 1
    assert "entrepairs_outbox_depth" in after
    assert grew("entrepairs_webhook_seconds_count", route="/webhooks/telegram") == 2


def test_twilio_metrics_per_channel(db, clock):
    before = metrics.generate_latest().decode()
    with running_standin() as standin:
        bot = TwilioBot(standin, twilio_settings(standin, db.url), db, clock)
        bot.says("whatsapp:+221774444444", "bonjour")
        bot.says("+59174444444", "hola")
        standin.fail_next(429, 20429)
        bot.says("+59174444444", "1")
    after = metrics.generate_latest().decode()

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert grew("entrepairs_messages_in_total", channel="whatsapp") == 1
    assert grew("entrepairs_messages_in_total", channel="sms") == 2
    assert grew("entrepairs_messages_out_total", channel="whatsapp", outcome="sent") >= 1
    assert grew("entrepairs_messages_out_total", channel="sms", outcome="sent") >= 1
    assert grew("entrepairs_send_failures_total", channel="sms", code="20429") == 1


def test_log_lines_are_json_with_the_request_id(db, clock, settings):
    records: list[dict] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:  # formatted as it happens
            if record.name.startswith(("flows", "bot.channels")):
                records.append(json.loads(JsonFormatter().format(record)))

    keep = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(keep)

    async def scenario() -> str:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:
                her = Person(59175555555)
                update = her.start()
                await h.exchange(her, update)
                response = await h.exchange(her, update)  # a redelivery: logged
                assert response == []
                return ""

    try:
        asyncio.run(scenario())
    finally:
        root.removeHandler(keep)
        root.setLevel(level)
    lines = records
    assert lines, "the webhook logged the duplicate"
    for line in lines:
        assert len(line["request_id"]) == 12 and line["time"] and line["level"]


def test_split_roles_need_postgresql(tmp_path):
    sqlite = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}")  # type: ignore[call-arg]
    roles.check(roles.EVERYTHING, sqlite)
    postgres = Settings(_env_file=None, database_url="postgresql://u@h/db")  # type: ignore[call-arg]
    for text in ("inbox", "delivery", "scheduler", "inbox,delivery"):
        with pytest.raises(SettingsError, match="PostgreSQL"):
            roles.check(roles.parse(text), sqlite)
        roles.check(roles.parse(text), postgres)


def test_roles_are_read_one_or_several_at_a_time():
    assert roles.parse("web") == {Role.WEB}
    assert roles.parse("inbox, delivery") == {Role.INBOX, Role.DELIVERY}
    assert roles.parse("all") == roles.parse("web,all") == roles.EVERYTHING
    assert Role.ALL not in roles.EVERYTHING and len(roles.EVERYTHING) == 4
    for wrong in ("", ",", "webhooks", "web;inbox"):
        with pytest.raises(ValueError):
            roles.parse(wrong)


def test_entrepairs_run_refuses_unknown_and_split_roles_on_sqlite(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app as cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(cli, ["run", "--role", "webhooks"])
    assert result.exit_code == 2
    assert "--role takes one or more of web, inbox, delivery, scheduler, all" in result.output
    result = CliRunner().invoke(cli, ["run", "--role", "inbox,delivery"])
    assert result.exit_code == 2 and "--role delivery,inbox: with SQLite run" in result.output


@pytest.mark.postgres
def test_postgresql_shows_which_process_holds_each_connection():
    """pg_stat_activity names this process's connections (an operator sees whose they are)."""
    import os

    from sqlalchemy import text

    from tests.support.databases import postgres_database

    with postgres_database() as db, db.engine.connect() as connection:
        name = connection.execute(
            text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        ).scalar_one()
    assert name == f"entrepairs-{os.getpid()}"
