"""On WhatsApp and SMS a typed "1" that crosses a new question is no answer to it.

Options are a numbered list there, so a bare "1" carries no question with it (a Telegram button
does). The reader has her menu on screen and types "1"; meanwhile the writer moves their
session, and the move's question ("which new time suits you?") is on its way to her. Her "1"
reached the bot before the question went out to her: she wrote it for her menu, so it does not
accept the move; she is told the messages crossed and asked the move's question, once. A "1"
written after the question went out answers it, as always.

Julie (Montréal, French) writes on WhatsApp; the reader is Awa in Dakar on WhatsApp (French or
English) or Carmen in La Paz on SMS (Spanish). Everything is played through the real webhooks,
inbox worker, outbox and Twilio client (against a local stand-in).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from flows.messages import ChannelKind, Inbound
from storage.meetings import MeetingStatus
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE, active_pair, add_woman
from tests.support.twilio_standin import TwilioBot
from tests.test_sessions_conversations import meeting
from tests.test_twilio_onboarding import bot as twilio_bot
from tests.test_twilio_onboarding import standin as twilio_standin

# The fixtures of the onboarding tests: the real app with Twilio channels, and the stand-in.
standin, bot = twilio_standin, twilio_bot

JULIE_AT = "+15145550101"  # her WhatsApp number, as the bot keeps it


class Reader(NamedTuple):
    address: str
    channel: ChannelKind
    profile: dict
    moved: str  # the move's question, as she reads it
    crossed: str  # "our messages crossed"
    confirmed: str  # the move accepted: her session's new time


READERS = {
    "fr": Reader(
        "whatsapp:+221771234567",
        ChannelKind.WHATSAPP,
        AWA_FR,
        "Julie souhaite déplacer votre séance",
        "Nos messages se sont croisés\u00a0: voici ma nouvelle question.",
        "vendredi 6 mars, 21 h 00",
    ),
    "es": Reader(
        "+59171234567",
        ChannelKind.SMS,
        CARMEN,
        "Julie quiere cambiar la fecha",
        "Nuestros mensajes se cruzaron: esta es mi nueva pregunta.",
        "viernes 6 de marzo, 17:00",
    ),
    "en": Reader(
        "whatsapp:+221771234567",
        ChannelKind.WHATSAPP,
        AWA,
        "Julie would like to move your session",
        "Our messages crossed: here is my new question.",
        "Friday, March 6, 9:00 p.m.",
    ),
}
LANGS = sorted(READERS)


class Writer:
    """Julie, whose own conversation is not under test: her taps go straight to the engine."""

    def __init__(self, bot: TwilioBot) -> None:
        self.bot = bot
        self.count = 0

    def does(self, *steps: str) -> None:
        """Each step a tap ("key:move") or typed words; nothing is sent out meanwhile."""
        for step in steps:
            self.count += 1
            key = step.removeprefix("key:") if step.startswith("key:") else None
            self.bot.app.engine.handle(
                Inbound(
                    channel=ChannelKind.WHATSAPP,
                    address=JULIE_AT,
                    text="" if key else step,
                    option_key=key,
                    platform_key=f"julie-{self.count}",
                )
            )


def said(bot: TwilioBot, reader: Reader, body: str) -> str:
    """She writes; what she receives in answer, as one text."""
    return "\n---\n".join(bot.says(reader.address, body))


def agreed_then_menu(bot: TwilioBot, clock, reader: Reader) -> Writer:  # type: ignore[no-untyped-def]
    """Monday afternoon: Julie proposes Thursday, the reader takes it with a "1"; then the
    reader opens her menu (a numbered list on her screen)."""
    julie = add_woman(bot.app.db, JULIE_AT, JULIE, now=clock.now(), channel="whatsapp")
    her = add_woman(
        bot.app.db,
        reader.address.removeprefix("whatsapp:"),
        reader.profile,
        now=clock.now(),
        channel=reader.channel.value,
    )
    active_pair(bot.app.db, julie, her, now=clock.now())
    said(bot, reader, "hola")  # she has written lately: WhatsApp's window is open
    writer = Writer(bot)
    writer.does("menu", "key:sessions", "jeudi 15h", "key:yes", "key:video", "key:later")
    writer.does("key:once")
    bot.deliver()
    said(bot, reader, "1")
    assert meeting(bot.app).status == MeetingStatus.CONFIRMED
    said(bot, reader, "menu")
    return writer


def move(writer: Writer) -> None:
    writer.does("menu", "key:sessions", "key:move", "vendredi 16h", "key:yes")


def webhook(bot: TwilioBot, reader: Reader, body: str) -> None:
    """Her message reaches the bot's webhook (stored, not processed yet)."""
    response = bot.post("/webhooks/twilio", bot.form(reader.address, body))
    assert response.status_code == 200, response.text


def send_only(bot: TwilioBot) -> None:
    """The delivery worker sends what is due before the inbox worker takes her message."""
    delivery = bot.app.delivery
    before, delivery.before_round = delivery.before_round, None
    try:
        bot.deliver()
    finally:
        delivery.before_round = before


def assert_crossed_then_answered(bot: TwilioBot, reader: Reader, answer: str) -> None:
    """Her "1" did not accept the move; she is told so and asked it; her next "1" does."""
    assert answer.startswith(reader.crossed), answer
    assert answer.count(reader.moved) == 1, answer
    moving = meeting(bot.app)
    assert moving.status == MeetingStatus.PROPOSED and moving.previous_start_at is not None
    assert reader.confirmed in said(bot, reader, "1")
    assert meeting(bot.app).status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize("lang", LANGS)
def test_a_1_that_reached_the_bot_before_the_move_went_out_does_not_answer_it(bot, clock, lang):
    """Her "1" and the move cross: the move is queued, her "1" arrives before it is sent. She
    is asked the move once (it is not sent a second time)."""
    reader = READERS[lang]
    writer = agreed_then_menu(bot, clock, reader)
    sent_before = len(bot.standin.sent_to(reader.address))

    move(writer)
    answer = said(bot, reader, "1")
    assert_crossed_then_answered(bot, reader, answer)
    bodies = bot.standin.bodies_to(reader.address)[sent_before:]
    assert sum(reader.moved in body for body in bodies) == 1, bodies


@pytest.mark.parametrize("lang", LANGS)
def test_a_1_written_before_the_move_went_out_does_not_answer_it(bot, clock, lang):
    """Her "1" reaches the webhook; the move goes out to her a few seconds later; then the
    inbox worker takes her "1": written before the move reached her, it is no answer to it."""
    reader = READERS[lang]
    writer = agreed_then_menu(bot, clock, reader)

    move(writer)
    clock.advance(seconds=1)
    webhook(bot, reader, "1")
    clock.advance(seconds=3)
    send_only(bot)
    assert reader.moved in bot.standin.bodies_to(reader.address)[-1]
    clock.advance(seconds=3)
    before = len(bot.standin.sent_to(reader.address))
    bot.deliver()
    answer = "\n---\n".join(bot.standin.bodies_to(reader.address)[before:])
    assert_crossed_then_answered(bot, reader, answer)


@pytest.mark.parametrize("lang", LANGS)
def test_a_1_written_after_the_move_went_out_answers_it(bot, clock, lang):
    """The move reaches her; her "1" comes after: it accepts the move, as always."""
    reader = READERS[lang]
    writer = agreed_then_menu(bot, clock, reader)

    move(writer)
    bot.deliver()
    assert reader.moved in bot.standin.bodies_to(reader.address)[-1]
    clock.advance(seconds=20)
    assert reader.confirmed in said(bot, reader, "1")
    assert meeting(bot.app).status == MeetingStatus.CONFIRMED


def _delivered(bot: TwilioBot, reader: Reader, status: str = "delivered") -> None:
    """Twilio reports that the last message sent to her reached her phone (or was read)."""
    last = bot.standin.sent_to(reader.address)[-1]
    assert bot.status(last, status).status_code == 200


@pytest.mark.parametrize("lang", LANGS)
def test_a_1_that_reached_the_bot_after_the_move_went_out_but_before_it_reached_her_phone(
    bot, clock, lang
):
    """The move is sent (Twilio took it); her "1" reaches the webhook; only then does Twilio
    report the move delivered to her phone (slow data, a carrier's queue): she could not have
    read it when she wrote, so her "1" is no answer to it."""
    reader = READERS[lang]
    writer = agreed_then_menu(bot, clock, reader)

    move(writer)
    send_only(bot)
    assert reader.moved in bot.standin.bodies_to(reader.address)[-1]
    clock.advance(seconds=5)
    webhook(bot, reader, "1")
    clock.advance(seconds=20)
    _delivered(bot, reader)
    clock.advance(seconds=1)
    before = len(bot.standin.sent_to(reader.address))
    bot.deliver()
    answer = "\n---\n".join(bot.standin.bodies_to(reader.address)[before:])
    assert_crossed_then_answered(bot, reader, answer)


@pytest.mark.parametrize(("lang", "status"), [("fr", "read"), ("es", "delivered")])
def test_a_1_after_the_move_was_reported_on_her_phone_answers_it(bot, clock, lang, status):
    """Reported delivered (or read) before her "1" reached us: it answers the move."""
    reader = READERS[lang]
    writer = agreed_then_menu(bot, clock, reader)

    move(writer)
    send_only(bot)
    clock.advance(seconds=5)
    _delivered(bot, reader, status)
    clock.advance(seconds=20)
    assert reader.confirmed in said(bot, reader, "1")
    assert meeting(bot.app).status == MeetingStatus.CONFIRMED
