"""Abuse and bad input through the real webhook routes: floods, oversized and malformed bodies,
unknown update types, awkward text, and coordinator commands from people who are not."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlmodel import func, select

from bot import metrics
from bot.ratelimit import SenderLimiter
from bot.server import MAX_BODY
from storage.models import OutboundMessage, Participant
from tests.support.databases import messages_stored
from tests.support.telegram_standin import WEBHOOK_SECRET, Person, harness, standin_server
from tests.support.twilio_standin import TwilioBot, running_standin, twilio_settings


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _rejected(reason: str) -> float:
    return metrics.REJECTED.labels(reason)._value.get()


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


# The per-sender limit ---------------------------------------------------------------------------


def test_the_bucket_allows_a_burst_then_a_steady_pace_per_sender():
    ticks = Ticks()
    limiter = SenderLimiter(burst=10, per_minute=30, monotonic=ticks)
    assert [limiter.take("sms", "+1") for _ in range(10)] == [0.0] * 10
    wait = limiter.take("sms", "+1")
    assert wait == pytest.approx(2.0)  # 30 a minute: one every two seconds
    assert limiter.take("sms", "+2") == 0.0  # someone else is not slowed
    assert limiter.take("telegram", "+1") == 0.0  # nor the same digits on another channel
    ticks.now += 2.0
    assert limiter.take("sms", "+1") == 0.0
    assert limiter.take("sms", "+1") > 0


def test_a_person_typing_and_tapping_is_never_slowed():
    ticks = Ticks()
    limiter = SenderLimiter(monotonic=ticks)
    for _ in range(200):  # a message every 2.5 seconds for over eight minutes
        assert limiter.take("whatsapp", "+59170000000") == 0.0
        ticks.now += 2.5


def test_a_telegram_flood_is_answered_429_and_nothing_is_lost(db, clock, settings):
    async def scenario() -> None:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:
                ticks = Ticks()
                h.channel.limiter = SenderLimiter(burst=10, per_minute=30, monotonic=ticks)
                flooder, other = Person(59170000001), Person(59170000002, "Awa")
                before = _rejected("rate_limited")
                answers = [(await h.post(flooder.text(f"spam {n}"))) for n in range(25)]
                codes = [response.status_code for response in answers]
                assert codes[:10] == [200] * 10 and set(codes[10:]) == {429}
                assert all(int(r.headers["retry-after"]) >= 1 for r in answers[10:])
                assert _rejected("rate_limited") - before == 15
                # Someone else writing at the same moment is not slowed.
                assert (await h.post(other.text("hola"))).status_code == 200
                assert messages_stored(db) == 11
                # Telegram redelivers a refused update later: then it is handled, once.
                refused = flooder.text("a real question")
                assert (await h.post(refused)).status_code == 429
                ticks.now += 2.0
                assert (await h.post(refused)).status_code == 200
                ticks.now += 2.0
                assert (await h.post(refused)).status_code == 200  # a redelivery: ignored
                assert messages_stored(db) == 12

    asyncio.run(scenario())


def test_a_twilio_flood_is_answered_429_without_slowing_others(db, clock):
    with running_standin() as standin:
        bot = TwilioBot(standin, twilio_settings(standin, db.url), db, clock)
        ticks = Ticks()
        for channel in bot.channels:
            channel.limiter = SenderLimiter(burst=10, per_minute=30, monotonic=ticks)
        codes = [
            bot.post("/webhooks/twilio", bot.form("whatsapp:+221770000001", f"{n}")).status_code
            for n in range(15)
        ]
        assert codes == [200] * 10 + [429] * 5
        assert bot.post("/webhooks/twilio", bot.form("+59170000009", "hola")).status_code == 200
        refused = bot.form("whatsapp:+221770000001", "merci")
        response = bot.post("/webhooks/twilio", refused)
        assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
        ticks.now += 60
        assert bot.post("/webhooks/twilio", refused).status_code == 200
        assert messages_stored(db) == 12


# Bodies the server must not swallow -------------------------------------------------------------


def _telegram_and_twilio_posts(db, clock, settings, requests):  # type: ignore[no-untyped-def]
    """POST raw requests to both real webhook routes; returns [(telegram, twilio)] responses."""

    async def scenario() -> list[tuple[httpx.Response, httpx.Response]]:
        out = []
        with standin_server() as standin, running_standin() as twilio:
            bot = TwilioBot(twilio, twilio_settings(twilio, db.url), db, clock)
            async with harness(settings, db, clock, standin) as h:
                transport = httpx.ASGITransport(app=bot.web)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as tw:
                    for body, content_type in requests:
                        telegram = await h.client.post(
                            "/webhooks/telegram",
                            content=body,
                            headers={
                                "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
                                "content-type": "application/json",
                            },
                        )
                        signed = bot.sign("https://bot.entrepairs.example/webhooks/twilio", {})
                        form = await tw.post(
                            "/webhooks/twilio",
                            content=body,
                            headers={"content-type": content_type, "x-twilio-signature": signed},
                        )
                        out.append((telegram, form))
        return out

    return asyncio.run(scenario())


def test_oversized_bodies_get_413_on_the_real_routes(db, clock, settings):
    big = b"x" * (MAX_BODY + 1)
    [(telegram, twilio)] = _telegram_and_twilio_posts(
        db, clock, settings, [(big, "application/x-www-form-urlencoded")]
    )
    assert telegram.status_code == twilio.status_code == 413
    assert messages_stored(db) == 0


def test_a_body_without_length_is_cut_off_at_the_limit(db, clock, settings):
    async def scenario() -> int:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:

                async def chunks():  # type: ignore[no-untyped-def]
                    for _ in range(100):
                        yield b"y" * 4096

                response = await h.client.post(
                    "/webhooks/telegram",
                    content=chunks(),
                    headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                )
                return response.status_code

    assert asyncio.run(scenario()) == 413


MALFORMED = [
    (b"{not json", "application/x-www-form-urlencoded"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"update_id": "seven"}', "text/plain"),
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
    (b"", "application/x-www-form-urlencoded"),
]


def test_malformed_payloads_are_answered_400_without_a_traceback(db, clock, settings, caplog):
    caplog.set_level(logging.DEBUG)
    answers = _telegram_and_twilio_posts(db, clock, settings, MALFORMED)
    for telegram, twilio in answers:
        assert telegram.status_code == 400, telegram.text
        assert twilio.status_code in (400, 403), twilio.text  # unreadable, or unsigned
        for response in (telegram, twilio):
            assert "Traceback" not in response.text and len(response.text) < 100
    assert not [r for r in caplog.records if r.exc_info], "no exception was logged"
    assert messages_stored(db) == 0


def test_an_unreadable_signed_form_is_400(db, clock):
    with running_standin() as standin:
        bot = TwilioBot(standin, twilio_settings(standin, db.url), db, clock)
        response = bot.post("/webhooks/twilio", {"Body": "hola"})  # signed, but no sid/sender
        assert response.status_code == 400
        assert "Traceback" not in response.text


def test_unknown_update_types_are_acknowledged_and_ignored(db, clock, settings):
    unknown = [
        {"update_id": 901, "poll": {"id": "1", "question": "?", "options": [],
                                    "total_voter_count": 0, "is_closed": False,
                                    "is_anonymous": True, "type": "regular",
                                    "allows_multiple_answers": False}},
        {"update_id": 902, "my_chat_member": {
            "chat": {"id": 5, "type": "private", "first_name": "A"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"}, "date": 1741533000,
            "old_chat_member": {"status": "member",
                                "user": {"id": 1, "is_bot": True, "first_name": "B"}},
            "new_chat_member": {"status": "kicked", "until_date": 0,
                                "user": {"id": 1, "is_bot": True, "first_name": "B"}}}},
        {"update_id": 903, "some_future_update": {"anything": [1, 2, 3]}},
        {"update_id": 904},
    ]  # fmt: skip

    async def scenario() -> None:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:
                for update in unknown:
                    response = await h.post(update)
                    assert response.status_code == 200, (update, response.text)
                await h.deliver()
                assert standin.calls_to("sendMessage") == []

    asyncio.run(scenario())
    assert messages_stored(db) == 0 and _count(db, Participant) == 0


AWKWARD = [
    "a" * 5000,
    "\x00\x01\x02 hola \x07\x1b[31m",
    "\u202e\u200b\ufeff",
    "😀" * 3000,
    "\r\n\t",
    "Tejidos\x00Carmen",
]


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_oversized_or_control_character_text_gets_a_polite_answer(any_db, clock, settings, text):
    """Over Telegram, at the first message and mid-onboarding (free text: her name)."""

    async def scenario() -> None:
        with standin_server() as standin:
            async with harness(settings, any_db, clock, standin) as h:
                her = Person(59171111111, "Ana")
                first = await h.exchange(her, her.text(text))
                assert first, "first contact is answered"
                await h.taps(her, "es")
                await h.taps(her, "yes")  # consent
                answered = await h.exchange(her, her.text(text))  # at "your name"
                assert answered, "a free-text step answers too"
                for call in standin.calls_to("sendMessage"):
                    assert len(call.params["text"]) <= 4096
                    assert "\x00" not in call.params["text"]

    asyncio.run(scenario())
    with any_db.session() as session:
        for woman in session.exec(select(Participant)):
            assert woman.name is None or ("\x00" not in woman.name and len(woman.name) <= 80)


def test_twilio_text_with_control_characters_is_handled(db, clock):
    with running_standin() as standin:
        bot = TwilioBot(standin, twilio_settings(standin, db.url), db, clock)
        for text in AWKWARD:
            assert bot.says("+59172222222", text), repr(text[:20])
        with db.session() as session:
            assert session.exec(select(func.count()).select_from(OutboundMessage)).one() >= 6


# Coordinator powers ----------------------------------------------------------------------------

COMMANDS = ["/stats", "/atrisk", "/broadcast", "/progress", "/retry", "/coordinators", "/export"]


@pytest.mark.parametrize("command", COMMANDS)
def test_coordinator_commands_from_a_participant_are_refused(app, recorder, command):
    from tests.support.dialog import Person as Chat

    her = Chat(app, "not-a-coordinator")
    her.says("hola")
    reply = her.says(command)
    assert reply, "she gets an answer"
    text = "\n".join(reply).lower()
    for leak in ("participants", "pairs at risk", "broadcast", "coordinators:", "delivered"):
        assert leak not in text, (command, text)
    with app.db.session() as session:
        from storage.coordination import AuditEntry

        granted = session.exec(select(AuditEntry).where(AuditEntry.allowed)).all()
        assert granted == []
