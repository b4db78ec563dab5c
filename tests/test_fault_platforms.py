"""Platforms misbehaving and clocks jumping: 429 storms, 500s, timeouts and slow answers from the
stand-ins; webhook acknowledgements stay fast, sends are retried, nothing is lost."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from storage.models import OutboundMessage, OutboxStatus
from tests.support.telegram_standin import Person, harness, standin_server
from tests.support.twilio_standin import TwilioBot, running_standin, twilio_settings

pytestmark = pytest.mark.fault


def _statuses(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        rows = session.exec(select(OutboundMessage.status)).all()
    out: dict[str, int] = {}
    for status in rows:
        out[status] = out.get(status, 0) + 1
    return out


async def _drain_with_time(h, clock, rounds: int = 40) -> None:  # type: ignore[no-untyped-def]
    """Deliver, moving the FakeClock past each backoff, until nothing is left to send."""
    for _ in range(rounds):
        await h.deliver()
        if not any(s in _statuses(h.app.db) for s in ("pending", "sending")):
            return
        clock.advance(timedelta(minutes=1))


def test_telegram_429_storm_500s_and_slow_answers(db, clock, settings, monkeypatch):
    women = [Person(59180000000 + n, f"W{n}") for n in range(12)]

    async def scenario() -> None:
        with standin_server() as standin:
            original = standin.answer
            slow = {"left": 6}

            def answer(method, params):  # type: ignore[no-untyped-def]
                if method == "sendMessage" and slow["left"] > 0:
                    slow["left"] -= 1
                    time.sleep(0.4)  # a slow platform
                return original(method, params)

            monkeypatch.setattr(standin, "answer", answer)
            async with harness(settings, db, clock, standin) as h:
                standin.fail("sendMessage", 429, times=15, retry_after=1)
                standin.fail("sendMessage", 500, times=5)
                standin.fail("sendMessage", 502, times=3)
                for woman in women:
                    response = await h.post(woman.start())
                    assert response.status_code == 200
                # Acknowledging never waits for the platform: no send happened during the
                # webhooks, however slow the platform is (sends are the delivery worker's).
                assert standin.calls_to("sendMessage") == []
                await _drain_with_time(h, clock)
                for woman in women:
                    assert len(standin.sent_to(woman.chat_id)) == 1, woman.chat_id
                failed = standin.calls_to("sendMessage", ok=False)
                assert len(failed) == 23

    asyncio.run(scenario())
    assert _statuses(db) == {"sent": 12}


def test_telegram_timeouts_are_retried(db, clock, settings, monkeypatch):
    """The platform does not answer in time: the send is retried. Only a send that the platform
    did receive before timing out can arrive twice (the one message in flight)."""

    async def scenario() -> None:
        with standin_server() as standin:
            original = standin.answer
            hang = {"left": 2}

            def answer(method, params):  # type: ignore[no-untyped-def]
                if method == "sendMessage" and hang["left"] > 0:
                    hang["left"] -= 1
                    time.sleep(1.5)  # longer than the client waits
                return original(method, params)

            monkeypatch.setattr(standin, "answer", answer)
            async with harness(settings, db, clock, standin) as h:
                h.channel.bot.request._read_timeout = 0.5  # type: ignore[attr-defined]
                women = [Person(59181000000 + n) for n in range(4)]
                for woman in women:
                    assert (await h.post(woman.start())).status_code == 200
                await _drain_with_time(h, clock)
                for woman in women:
                    assert 1 <= len(standin.sent_to(woman.chat_id)) <= 2

    asyncio.run(scenario())
    assert _statuses(db) == {"sent": 4}


def test_twilio_429_storm_and_500s_lose_nothing(db, clock):
    with running_standin() as standin:
        bot = TwilioBot(standin, twilio_settings(standin, db.url), db, clock)
        for _n in range(10):
            standin.fail_next(429, 20429)
        for _n in range(4):
            standin.fail_next(500)
        numbers = [f"+5917000{n:04d}" for n in range(8)]
        for number in numbers:
            response = bot.post("/webhooks/twilio", bot.form(number, "hola"))
            assert response.status_code == 200
        for _ in range(40):
            bot.deliver()
            if "pending" not in _statuses(db):
                break
            clock.advance(timedelta(minutes=1))
        for number in numbers:
            assert len({c.fields.get("StatusCallback") for c in standin.sent_to(number)}) == 1
        assert standin.rejected_429 == 0 and len(standin.calls) - len(standin.accepted) == 14
    assert set(_statuses(db)) == {"sent"}


def test_twilio_slow_answers_do_not_slow_the_webhook(db, clock, monkeypatch):
    with running_standin() as standin:
        original = standin._handle

        def slow(*args):  # type: ignore[no-untyped-def]
            time.sleep(0.5)
            return original(*args)

        monkeypatch.setattr(standin, "_handle", slow)
        bot = TwilioBot(standin, twilio_settings(standin, db.url), db, clock)
        for n in range(5):
            response = bot.post("/webhooks/twilio", bot.form(f"+5917100{n:04d}", "hola"))
            assert response.status_code == 200
        assert standin.calls == []  # the acks did not wait for the platform
        bot.deliver()
        assert len({call.fields["StatusCallback"] for call in standin.accepted}) == 5


# Clock jumps -------------------------------------------------------------------------------------


def test_clock_jumps_forward_and_backward_lose_nothing(db, clock, settings):
    """NTP steps the clock: forward a day, back two hours. Conversations go on, retries and
    leases follow the clock they were written with, and nothing is lost or sent twice."""

    async def scenario() -> None:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:
                ana, awa = Person(59182000001), Person(59182000002, "Awa", language_code="fr")
                assert await h.exchange(ana, ana.start())
                standin.fail("sendMessage", 500, times=1)
                await h.post(awa.start())
                await h.deliver()  # Awa's welcome failed: retry planned a few seconds ahead
                assert standin.sent_to(awa.chat_id) == []

                clock.advance(timedelta(days=1))  # forward: the retry is overdue, goes now
                await h.deliver()
                assert len(standin.sent_to(awa.chat_id)) == 1
                assert await h.taps(ana, "es")  # the conversation goes on after the jump

                clock.advance(timedelta(hours=-2))  # backward
                assert await h.taps(awa, "fr"), "a new message is answered at once"
                standin.fail("sendMessage", 500, times=1)
                await h.post(ana.text("1"))
                await h.deliver()  # failed; retry planned on the stepped-back clock
                clock.advance(timedelta(minutes=1))
                await h.deliver()
                assert len(standin.sent_to(ana.chat_id)) == 3

                # A claim made just before a backward step still has its lease: nothing is
                # taken twice while that worker is alive; it is offered again once it expires.
                with h.app.db.session() as session:
                    from storage import outbox

                    outbox.enqueue(
                        session,
                        participant_id=None,
                        channel="telegram",
                        address=str(awa.chat_id),
                        payload=(await _reply_json()),
                        now=clock.now(),
                    )
                    claimed = outbox.claim(session, now=clock.now(), limit=10)
                    assert len(claimed) == 1
                clock.advance(timedelta(hours=-1))
                with h.app.db.session() as session:
                    assert outbox.claim(session, now=clock.now(), limit=10) == []
                clock.advance(timedelta(hours=1) + outbox.LEASE + timedelta(seconds=1))
                await h.deliver()
                assert len(standin.sent_to(awa.chat_id)) == 3

    asyncio.run(scenario())
    statuses = _statuses(db)
    assert set(statuses) == {OutboxStatus.SENT}, statuses


async def _reply_json() -> dict:
    from flows.messages import Reply, _

    return Reply(_("Programme news: the cohort opens on Monday.")).to_json()


def test_the_heartbeat_age_after_a_backward_jump_is_not_negative(app, clock):
    from bot import roles

    roles.heartbeat_round(app.db, clock)
    clock.advance(timedelta(minutes=-10))
    health = roles.scheduler_health(app.db, clock.now())
    assert health["status"] == "ok" and health["age_s"] >= 0
