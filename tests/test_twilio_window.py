"""WhatsApp's 24-hour window, templates, status callbacks, opt-out (21610) and send failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.channels.twilio_text import transliterate
from flows import home
from flows.keywords import Keyword, recognise
from flows.messages import ChannelKind, Msg, Reply, _
from flows.render import Reader, render
from storage import outbox
from storage.models import ChannelAddress, OutboundMessage, Participant, Priority
from tests.support.twilio_standin import (
    TEMPLATES,
    TwilioBot,
    TwilioStandIn,
    running_standin,
    twilio_settings,
)

AWA = "whatsapp:+221771234567"
AWA_NUMBER = "+221771234567"
CARMEN = "+59171234567"
NUDGE = _(home.WELCOME_BACK.msgid, name="Awa")


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with running_standin() as standin:
        yield standin


@pytest.fixture
def bot(standin, any_db, clock, tmp_path) -> TwilioBot:
    return TwilioBot(standin, twilio_settings(standin, f"sqlite:///{tmp_path}/u.db"), any_db, clock)


def _meet(bot: TwilioBot, sender: str, language_digit: str, name: str) -> None:
    """She writes, picks her language, and (for the test) her first name is known."""
    bot.says(sender, "hello")
    bot.says(sender, language_digit)
    with bot.app.db.session() as session:
        for person in session.exec(select(Participant)):
            person.name = person.name or name
            session.add(person)


def _nudge(bot: TwilioBot, sender: str, *, purpose: str = "nudge", msg: Msg = NUDGE) -> int:
    kind = ChannelKind.WHATSAPP if sender.startswith("whatsapp:") else ChannelKind.SMS
    address = sender.removeprefix("whatsapp:")
    with bot.app.db.session() as session:
        link = session.exec(
            select(ChannelAddress).where(
                ChannelAddress.channel == kind, ChannelAddress.address == address
            )
        ).one()
        row = outbox.enqueue(
            session,
            participant_id=link.participant_id,
            channel=kind,
            address=address,
            payload=Reply(msg).to_json(),
            now=bot.app.clock.now(),
            purpose=purpose,
            priority=Priority.NUDGE,
        )
        session.flush()
        assert row.id is not None
        return row.id


def _row(bot: TwilioBot, row_id: int) -> OutboundMessage:
    with bot.app.db.session() as session:
        row = session.get(OutboundMessage, row_id)
        assert row is not None
        return row


def _participant(bot: TwilioBot) -> Participant:
    with bot.app.db.session() as session:
        return session.exec(select(Participant)).one()


def _text(language: str, msg: Msg = NUDGE) -> str:
    return render(Reply(msg), Reader(language)).text


def test_nudge_30_hours_after_her_last_message_goes_as_her_template(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")  # French offered first for +221
    clock.advance(hours=30)
    row_id = _nudge(bot, AWA)
    before = len(standin.sent_to(AWA))
    bot.deliver()
    (call,) = standin.sent_to(AWA)[before:]
    assert call.is_template and "Body" not in call.fields
    assert call["ContentSid"] == TEMPLATES["default"]["fr"]
    assert call.variables == {"1": "Awa"}
    assert call["From"] == "whatsapp:+14155238886"
    row = _row(bot, row_id)
    assert (row.status, row.template_sid, row.platform_id) == ("held", call["ContentSid"], call.sid)

    # She answers the invitation: the full message follows as text, before anything else.
    clock.advance(minutes=20)
    answer = bot.says(AWA, "", ButtonPayload="open", ButtonText="Répondre")
    assert answer[0] == _text("fr")
    assert _row(bot, row_id).status == "sent"


def test_nudge_2_hours_after_her_last_message_goes_as_text(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    clock.advance(hours=2)
    row_id = _nudge(bot, AWA)
    before = len(standin.sent_to(AWA))
    bot.deliver()
    (call,) = standin.sent_to(AWA)[before:]
    assert not call.is_template and call["Body"] == _text("fr")
    assert _row(bot, row_id).status == "sent"


def test_template_is_chosen_by_purpose_then_language(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    _meet(bot, "whatsapp:+59170001122", "1", "Rosa")  # Spanish for +591
    clock.advance(hours=25)
    _nudge(bot, AWA, purpose="reminder")
    _nudge(bot, "whatsapp:+59170001122", purpose="reminder")
    bot.deliver()
    assert standin.sent_to(AWA)[-1]["ContentSid"] == TEMPLATES["reminder"]["fr"]
    rosa = standin.sent_to("whatsapp:+59170001122")[-1]
    assert rosa["ContentSid"] == TEMPLATES["default"]["es"]  # no Spanish reminder: default
    assert rosa.variables == {"1": "Rosa"}


def test_one_invitation_at_a_time(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    clock.advance(hours=30)
    first, second = _nudge(bot, AWA), _nudge(bot, AWA, msg=home.help_text())
    before = len(standin.sent_to(AWA))
    bot.deliver()
    assert len(standin.sent_to(AWA)[before:]) == 1
    assert (_row(bot, first).status, _row(bot, second).status) == ("held", "held")
    answer = bot.says(AWA, "", ButtonPayload="open")
    assert answer[:2] == [_text("fr"), _text("fr", home.help_text())]


def test_sms_has_no_window(bot, standin, clock):
    _meet(bot, CARMEN, "1", "Carmen")
    clock.advance(hours=72)
    _nudge(bot, CARMEN)
    before = len(standin.sent_to(CARMEN))
    bot.deliver()
    calls = standin.sent_to(CARMEN)[before:]
    assert calls and not any(call.is_template for call in calls)


def test_63016_refusal_of_a_text_is_retried_as_the_template(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    clock.advance(hours=2)
    row_id = _nudge(bot, AWA)
    standin.fail_next(400, 63016, when=lambda fields: "Body" in fields)
    before = len(standin.calls)
    bot.deliver()
    refused, template = standin.calls[before:]
    assert refused.answered == 400 and "Body" in refused.fields
    assert template.is_template and template["ContentSid"] == TEMPLATES["default"]["fr"]
    assert _row(bot, row_id).status == "held"


def test_63016_in_a_status_callback_resends_as_the_template(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    clock.advance(hours=23, minutes=50)
    row_id = _nudge(bot, AWA)
    bot.deliver()
    text = standin.sent_to(AWA)[-1]
    assert not text.is_template
    assert bot.status(text, "sent").status_code == 200
    assert bot.status(text, "undelivered", "63016").status_code == 200
    assert _row(bot, row_id).status == "pending"
    bot.deliver()
    template = standin.sent_to(AWA)[-1]
    assert template.is_template and template.variables == {"1": "Awa"}
    row = _row(bot, row_id)
    assert row.status == "held" and row.platform_id == template.sid
    # A late report about the first (text) send changes nothing now.
    assert bot.status(text, "delivered").status_code == 200
    assert _row(bot, row_id).status == "held"


def test_status_callbacks_move_the_message_forward_only(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    row_id = _nudge(bot, AWA)
    bot.deliver()
    call = standin.sent_to(AWA)[-1]
    for status, expected in [
        ("queued", "sent"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("read", "read"),
        ("delivered", "read"),  # arrived late: no step back
    ]:
        assert bot.status(call, status).status_code == 200
        assert _row(bot, row_id).status == expected


def test_failed_status_keeps_the_error_code(bot, standin, clock):
    _meet(bot, AWA, "1", "Awa")
    row_id = _nudge(bot, AWA)
    bot.deliver()
    bot.status(standin.sent_to(AWA)[-1], "undelivered", "30003")
    row = _row(bot, row_id)
    assert (row.status, row.error_code) == ("undelivered", "30003")


def test_21610_opts_her_out_until_she_writes_start(bot, standin, clock):
    _meet(bot, CARMEN, "1", "Carmen")
    reply = standin.sent_to(CARMEN)[-1]
    pending = _nudge(bot, CARMEN)  # queued, not yet sent
    assert bot.status(reply, "failed", "21610").status_code == 200
    assert _participant(bot).opted_out_at is not None
    assert _row(bot, pending).status == "skipped"
    before = len(standin.calls)
    later = _nudge(bot, CARMEN)  # a job that did not know
    bot.deliver()
    assert bot.says(CARMEN, "hola") == []
    assert _row(bot, later).status == "skipped"
    assert len(standin.calls) == before
    back = bot.says(CARMEN, "START")
    assert back and "Qué gusto tenerla de vuelta" in back[0]
    assert _participant(bot).opted_out_at is None


def test_21610_when_sending_opts_her_out(bot, standin, clock):
    _meet(bot, CARMEN, "1", "Carmen")
    row_id = _nudge(bot, CARMEN)
    standin.fail_next(400, 21610)
    bot.deliver()
    assert _participant(bot).opted_out_at is not None
    assert (_row(bot, row_id).status, _row(bot, row_id).error_code) == ("failed", "21610")
    assert bot.says(CARMEN, "otra cosa") == []
    assert bot.says(CARMEN, "YES")  # Twilio's opt-in word on SMS brings her back too


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "Quit"])
def test_twilio_sms_opt_out_words_stop_her(bot, standin, word):
    _meet(bot, CARMEN, "1", "Carmen")
    bot.says(CARMEN, word)
    assert _participant(bot).opted_out_at is not None


def test_everyday_words_are_not_opt_outs_on_whatsapp_or_before_stopping(bot, standin):
    _meet(bot, AWA, "1", "Awa")
    bot.says(AWA, "end")  # on WhatsApp, just an answer
    assert _participant(bot).opted_out_at is None
    assert recognise("yes") is None and recognise("cancel") is None


def test_catalog_words_cover_stop_and_start_in_every_language():
    for word in ["STOP", "STOPALL", "UNSUBSCRIBE", "ARRET", "Arrêt", "ALTO"]:
        assert recognise(word) is Keyword.STOP, word
    for word in ["START", "UNSTOP", "inicio", "reprendre"]:
        assert recognise(word) is Keyword.START, word


def test_yes_is_an_answer_for_a_participant_who_did_not_stop(bot, standin):
    bot.says(CARMEN, "hola")
    bot.says(CARMEN, "English")
    answer = "\n".join(bot.says(CARMEN, "yes, I agree"))
    assert "What is your first name?" in answer


@pytest.mark.parametrize(
    "status, code, outcome",
    [
        (429, 20429, "pending"),
        (500, None, "pending"),
        (503, 20500, "pending"),
        (400, 21211, "failed"),
    ],
)
def test_send_failures(bot, standin, clock, status, code, outcome):
    _meet(bot, AWA, "1", "Awa")
    row_id = _nudge(bot, AWA)
    standin.fail_next(status, code)
    bot.deliver()
    row = _row(bot, row_id)
    assert row.status == outcome
    assert row.error_code == str(code or status)
    if outcome == "pending":  # retried with backoff, then sent
        assert row.next_attempt_at > clock.now()
        clock.advance(minutes=5)
        bot.deliver()
        assert _row(bot, row_id).status == "sent"


def test_long_sms_goes_in_short_parts_in_order(bot, standin, clock):
    _meet(bot, CARMEN, "1", "Carmen")
    long = Msg(home.HELP.msgid, json.loads(json.dumps(home.help_text().params)))
    _nudge(bot, CARMEN, msg=long)
    before = len(standin.sent_to(CARMEN))
    bot.deliver()
    parts = [call["Body"] for call in standin.sent_to(CARMEN)[before:]]
    assert len(parts) >= 2 and all(len(part) <= 320 for part in parts)
    sent = "\n\n".join(parts).replace("\n\n", " ").split()
    assert sent == transliterate(_text("es", long)).split()  # the accents cost segments on SMS


def test_proactive_message_after_30h_without_template_configured_is_held(
    standin, any_db, clock, tmp_path
):
    settings = twilio_settings(standin, f"sqlite:///{tmp_path}/u.db", twilio_templates={})
    bot = TwilioBot(standin, settings, any_db, clock)
    _meet(bot, AWA, "1", "Awa")
    clock.advance(hours=30)
    row_id = _nudge(bot, AWA)
    before = len(standin.calls)
    bot.deliver()
    assert len(standin.calls) == before
    assert (_row(bot, row_id).status, _row(bot, row_id).error_code) == ("held", "no_template")
    clock.advance(timedelta(days=2))
    assert bot.says(AWA, "bonjour")[0] == _text("fr")
