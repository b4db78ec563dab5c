"""Sending through Telegram: limits, 429/5xx storms, blocked users, long texts, error mapping."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlmodel import select
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram import send_error
from bot.channels.telegram_layout import (
    MAX_CALLBACK_BYTES,
    Tap,
    callback_data,
    keyboard,
    parse_callback,
    split_text,
    utf16_len,
)
from flows.messages import Msg, Option, Reply
from storage import outbox
from storage.db import Database
from storage.models import OutboundMessage, OutboxStatus, Participant, Priority
from tests.support.telegram_standin import Harness, Person, harness, standin_server, texts


@pytest.fixture
def standin():
    with standin_server() as server:
        yield server


def queue(
    db: Database,
    clock,  # type: ignore[no-untyped-def]
    chat_id: int,
    text: str,
    *,
    priority: int = Priority.LIVE,
    participant_id: int | None = None,
    options: tuple[Option, ...] = (),
) -> int:
    with db.session() as session:
        row = outbox.enqueue(
            session,
            participant_id=participant_id,
            channel="telegram",
            address=str(chat_id),
            payload=Reply(Msg(text), options).to_json(),
            now=clock.now(),
            priority=priority,
        )
        session.flush()
        assert row.id is not None
        return row.id


async def send_everything(h: Harness, clock) -> None:  # type: ignore[no-untyped-def]
    """Run the delivery worker until the outbox is empty, moving the clock past each backoff."""
    for _ in range(200):
        result = await h.app.delivery.run_once()
        with h.app.db.session() as session:
            if outbox.backlog(session, now=clock.now() + timedelta(days=1)) == 0:
                return
        if not (result.sent or result.retried or result.failed):
            clock.advance(timedelta(minutes=1))
    raise AssertionError("the outbox never emptied")


def statuses(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(OutboundMessage.status)).all())


def test_429_then_500_storm_delivers_everything_once_in_order_within_the_chat_limit(
    settings, any_db, clock, standin
):
    # Production spaces a chat's messages 1 s apart; 0.4 s keeps the test short while leaving the
    # stand-in's own timing (it shares the GIL with the client) 80 ms of slack on a busy machine.
    interval = 0.4
    chats = [7001, 7002, 7003]
    expected = {chat: [f"chat {chat} message {n}" for n in range(4)] for chat in chats}
    for n in range(4):
        for chat in chats:
            queue(any_db, clock, chat, expected[chat][n])
    standin.fail("sendMessage", 429, times=4, retry_after=1)
    standin.fail("sendMessage", 500, times=3)

    async def main() -> None:
        async with harness(
            settings, any_db, clock, standin, per_chat_interval=interval, rate=30
        ) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    attempts = standin.calls_to("sendMessage")
    assert sum(call.status == 429 for call in attempts) == 4
    assert sum(call.status == 500 for call in attempts) == 3
    for chat in chats:
        delivered = [call.params["text"] for call in standin.sent_to(chat)]
        assert delivered == expected[chat]  # each once, in order
    assert set(statuses(any_db)) == {OutboxStatus.SENT}
    # No chat ever got two requests closer than the per-chat interval (failed ones included).
    arrivals: dict[int, list[float]] = defaultdict(list)
    for call in attempts:
        arrivals[call.params["chat_id"]].append(call.at)
    for chat, times in arrivals.items():
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert min(gaps) >= interval * 0.8, (chat, gaps)


def test_the_global_rate_spaces_sends_to_different_chats(settings, db, clock, standin):
    for chat in range(8000, 8010):
        queue(db, clock, chat, "hola")

    async def main() -> None:
        async with harness(settings, db, clock, standin, rate=20) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    times = sorted(call.at for call in standin.calls_to("sendMessage"))
    assert len(times) == 10
    # 10 sends at 20/s occupy at least 9 intervals of 50 ms.
    assert times[-1] - times[0] >= 9 * 0.05 * 0.8


def test_live_replies_go_before_bulk_broadcasts(settings, db, clock, standin):
    for chat in range(9000, 9020):
        queue(db, clock, chat, "Announcement", priority=Priority.BULK)
    queue(db, clock, 9999, "Your answer", priority=Priority.LIVE)

    async def main() -> None:
        async with harness(settings, db, clock, standin, rate=50) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    sent = standin.calls_to("sendMessage", ok=True)
    assert sent[0].params["chat_id"] == "9999"
    assert len(sent) == 21


def test_blocked_by_the_user_opts_her_out_and_nothing_more_is_sent(settings, db, clock, standin):
    ana = Person(5917000100, language_code="es")

    async def main() -> None:
        async with harness(settings, db, clock, standin) as h:
            await h.exchange(ana, ana.start())
            with db.session() as session:
                person = session.exec(select(Participant)).one()
            standin.block(ana.chat_id)
            for n in range(3):
                queue(db, clock, ana.chat_id, f"reminder {n}", participant_id=person.id)
            await send_everything(h, clock)
            attempts = len(standin.calls_to("sendMessage"))
            # She writes again while the block is on: the bot keeps quiet.
            got = await h.says(ana, "hola")
            assert got == [] and len(standin.calls_to("sendMessage")) == attempts

    asyncio.run(main())
    refused = [c for c in standin.calls_to("sendMessage") if c.status == 403]
    assert len(refused) == 1
    with db.session() as session:
        person = session.exec(select(Participant)).one()
        assert person.opted_out_at is not None
        rows = session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [row.status for row in rows][-3:] == [
        OutboxStatus.FAILED,
        OutboxStatus.SKIPPED,
        OutboxStatus.SKIPPED,
    ]
    assert rows[-3].error_code == "403"


def test_a_bad_request_fails_that_message_only(settings, db, clock, standin):
    queue(db, clock, 7100, "first")
    queue(db, clock, 7100, "second")
    standin.fail("sendMessage", 400, times=1)

    async def main() -> None:
        async with harness(settings, db, clock, standin) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    assert len(standin.calls_to("sendMessage")) == 2  # no retry of the bad one
    assert [c.params["text"] for c in standin.sent_to(7100)] == ["second"]
    assert statuses(db) == [OutboxStatus.FAILED, OutboxStatus.SENT]


def test_long_texts_are_split_on_paragraphs_with_the_keyboard_last(settings, db, clock, standin):
    paragraphs = [f"Paragraph {n}: " + "palabra " * 150 for n in range(8)]
    long_text = "\n\n".join(paragraphs)
    assert len(long_text) > 8192
    options = (Option("yes", Msg("Yes")), Option("no", Msg("No")))
    queue(db, clock, 7200, long_text, options=options)

    async def main() -> None:
        async with harness(settings, db, clock, standin, per_chat_interval=0.05) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    pieces = standin.sent_to(7200)
    assert len(pieces) == 3
    assert all(utf16_len(p.params["text"]) <= 4096 for p in pieces)
    assert "\n\n".join(p.params["text"] for p in pieces) == long_text  # cut between paragraphs
    assert [bool(p.params.get("reply_markup")) for p in pieces] == [False, False, True]
    gaps = [b.at - a.at for a, b in zip(pieces, pieces[1:], strict=False)]
    assert min(gaps) >= 0.05 * 0.8  # pieces keep the per-chat pace


def test_send_returns_the_platform_message_id(settings, db, clock, standin):
    queue(db, clock, 7300, "hola")

    async def main() -> None:
        async with harness(settings, db, clock, standin) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    with db.session() as session:
        row = session.exec(select(OutboundMessage)).one()
    assert row.platform_id == str(standin.sent_to(7300)[0].result["message_id"])
    assert texts(standin.sent_to(7300)) == "hola"


def test_send_message_goes_as_json_with_the_keyboard_as_an_object(settings, db, clock, standin):
    """A url-encoded form cost 0.1 ms of pure Python per send; JSON is encoded in C."""
    options = (Option("yes", Msg("Sí")), Option("no", Msg("No")))
    queue(db, clock, 7400, "¿Seguimos? ✓", options=options)

    async def main() -> None:
        async with harness(settings, db, clock, standin) as h:
            await send_everything(h, clock)

    asyncio.run(main())
    (call,) = standin.sent_to(7400)
    assert call.json_body
    assert call.params["text"] == "¿Seguimos? ✓"
    buttons = call.params["reply_markup"]["inline_keyboard"]
    assert [button["text"] for row in buttons for button in row] == ["Sí", "No"]
    assert call.params["link_preview_options"] == {"is_disabled": True}


# Pure pieces --------------------------------------------------------------------------------------


def test_error_mapping():
    assert send_error(RetryAfter(7)).retry_after == 7
    blocked = send_error(Forbidden("Forbidden: bot was blocked by the user"))
    assert blocked.blocked and not blocked.transient
    assert not send_error(BadRequest("Bad Request: chat not found")).transient
    assert send_error(NetworkError("Internal Server Error")).transient
    assert send_error(TimedOut()).transient
    assert send_error(InvalidToken()).transient  # our configuration: keep her messages queued


def test_callback_data_fits_64_bytes_and_falls_back_to_the_position():
    assert callback_data(12, 0, "yes") == "12:yes"
    long_key = "k" * 70
    data = callback_data(123456789012, 4, long_key)
    assert data == "123456789012#4" and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert parse_callback(data) == Tap(123456789012, index=4)
    assert parse_callback("12:yes") == Tap(12, key="yes")
    assert parse_callback("forged") is None
    assert parse_callback(None) is None


def test_keyboard_puts_two_short_options_per_row_and_long_ones_alone():
    markup = keyboard(
        [("es", "Español"), ("fr", "Français"), ("en", "English"), ("x", "A rather long label")],
        5,
    )
    rows = [[button["text"] for button in row] for row in markup["inline_keyboard"]]
    assert rows == [["Español", "Français"], ["English"], ["A rather long label"]]


def test_split_text_counts_utf16_and_cuts_words_when_it_must():
    assert split_text("short") == ["short"]
    emoji = "😀" * 3000  # 6,000 UTF-16 units
    pieces = split_text(emoji)
    assert all(utf16_len(p) <= 4096 for p in pieces) and "".join(pieces) == emoji
    words = " ".join(["palabra"] * 1200)
    pieces = split_text(words)
    assert all(utf16_len(p) <= 4096 for p in pieces) and " ".join(pieces) == words
