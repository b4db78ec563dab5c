"""The Twilio webhook: signatures, malformed forms, exactly-once, identity and message kinds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.channels.twilio_text import segments, transliterate
from flows import home, i18n
from flows.messages import ChannelKind
from storage import participants
from storage.db import Database
from storage.models import ChannelAddress, OutboundMessage, Participant
from tests.support.databases import messages_stored
from tests.support.twilio_standin import (
    PUBLIC_BASE_URL,
    TwilioBot,
    TwilioStandIn,
    running_standin,
    twilio_settings,
)

AWA = "whatsapp:+221771234567"
CARMEN = "+59171234567"


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with running_standin() as standin:
        yield standin


@pytest.fixture
def bot(standin, any_db, clock, tmp_path) -> TwilioBot:
    return TwilioBot(standin, twilio_settings(standin, f"sqlite:///{tmp_path}/u.db"), any_db, clock)


def _count(bot: TwilioBot, table: type) -> int:
    with bot.app.db.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _nothing_happened(bot: TwilioBot, standin: TwilioStandIn) -> None:
    bot.deliver()
    assert messages_stored(bot.app.db) == 0
    assert _count(bot, Participant) == 0
    assert _count(bot, OutboundMessage) == 0
    assert standin.calls == []


@pytest.mark.parametrize(
    "how",
    ["forged", "missing", "other-scheme", "other-path", "internal-url", "other-query", "altered"],
)
def test_bad_signatures_are_refused_and_change_nothing(bot, standin, how):
    form = bot.form(AWA, "Bonjour")
    url = f"{PUBLIC_BASE_URL}/webhooks/twilio"
    kwargs: dict = {}
    if how == "forged":
        from twilio.request_validator import RequestValidator

        kwargs["signature"] = RequestValidator("not-the-token").compute_signature(url, form)
    elif how == "missing":
        kwargs["signature"] = ""
    elif how == "other-scheme":
        kwargs["signed_url"] = url.replace("https://", "http://")
    elif how == "other-path":
        kwargs["signed_url"] = f"{PUBLIC_BASE_URL}/webhooks/twilio/status"
    elif how == "internal-url":  # what the app sees behind the proxy is not what Twilio called
        kwargs["signed_url"] = "http://internal/webhooks/twilio"
    elif how == "other-query":
        kwargs["signed_url"] = url + "?x=1"
    elif how == "altered":  # signed, then the body changed on the way
        kwargs["signature"] = bot.sign(url, form)
        form = {**form, "Body": "STOP"}
    response = bot.post("/webhooks/twilio", form, **kwargs)
    assert response.status_code == 403
    assert "Traceback" not in response.text
    _nothing_happened(bot, standin)


def test_status_callback_with_a_bad_signature_is_refused(bot, standin):
    bot.says(AWA, "Bonjour")
    call = standin.sent_to(AWA)[0]
    form = {"MessageSid": call.sid or "", "MessageStatus": "failed", "ErrorCode": "21610"}
    query = call["StatusCallback"].partition("?")[2]
    response = bot.post("/webhooks/twilio/status", form, query=query, signature="bm9wZQ==")
    assert response.status_code == 403
    response = bot.post(
        "/webhooks/twilio/status", form, query=query, signed_url=call["StatusCallback"] + "9"
    )
    assert response.status_code == 403
    with bot.app.db.session() as session:
        assert all(p.opted_out_at is None for p in session.exec(select(Participant)))
        assert {m.status for m in session.exec(select(OutboundMessage))} == {"sent"}


def test_signature_covers_the_query_string(bot, standin):
    form = bot.form(AWA, "Bonjour")
    response = bot.post("/webhooks/twilio", form, query="tenant=1")
    assert response.status_code == 200
    assert messages_stored(bot.app.db) == 1


def test_answer_is_empty_twiml_and_replies_go_through_the_rest_api(bot, standin):
    response = bot.post("/webhooks/twilio", bot.form(AWA, "Bonjour"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    assert standin.calls == []  # nothing sent inside the webhook
    bot.deliver()
    (call,) = standin.sent_to(AWA)
    assert call["From"] == "whatsapp:+14155238886"
    assert "Bienvenue sur Entrepairs" in call["Body"]
    with bot.app.db.session() as session:
        row = session.exec(select(OutboundMessage)).one()
    assert call["StatusCallback"] == (
        f"{PUBLIC_BASE_URL}/webhooks/twilio/status?outbox={row.id}&try=1"
    )
    assert row.platform_id == call.sid and row.status == "sent"


def test_same_message_sid_twice_is_processed_once(bot, standin):
    form = bot.form(AWA, "Bonjour")
    assert bot.post("/webhooks/twilio", form).status_code == 200
    assert bot.post("/webhooks/twilio", form).status_code == 200
    bot.deliver()
    assert messages_stored(bot.app.db) == 1
    assert _count(bot, OutboundMessage) == 1
    assert len(standin.sent_to(AWA)) == 1


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/json", b'{"From": "whatsapp:+221771234567"}'),
        ("application/x-www-form-urlencoded", b"From=%FF%FE&Body=\xff\xfe"),
        ("text/plain", b"hello"),
    ],
)
def test_malformed_requests_get_400_without_traceback(bot, standin, content_type, body):
    import asyncio

    import httpx

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=bot.web)
        async with httpx.AsyncClient(transport=transport, base_url="http://internal") as client:
            headers = {"content-type": content_type, "X-Twilio-Signature": "x"}
            return await client.post("/webhooks/twilio", content=body, headers=headers)

    response = asyncio.run(go())
    assert response.status_code == 400
    assert "Traceback" not in response.text
    _nothing_happened(bot, standin)


def test_signed_form_without_message_sid_or_from_gets_400(bot, standin):
    form = bot.form(AWA, "Bonjour")
    del form["MessageSid"]
    assert bot.post("/webhooks/twilio", form).status_code == 400
    assert bot.post("/webhooks/twilio/status", {"MessageSid": "SMx"}).status_code == 400
    _nothing_happened(bot, standin)


def test_other_twilio_channels_are_acknowledged_and_ignored(bot, standin):
    response = bot.post("/webhooks/twilio", bot.form("messenger:1234", "hi"))
    assert response.status_code == 200
    _nothing_happened(bot, standin)


def test_unreachable_database_answers_503_so_twilio_retries(bot, standin, tmp_path):
    form = bot.form(AWA, "Bonjour")
    intake = bot.app.intake
    working = intake.db  # webhooks store through the inbox worker's group commit
    intake.db = Database(f"sqlite:///{tmp_path}/missing/dir/x.db")
    try:
        response = bot.post("/webhooks/twilio", form)
    finally:
        intake.db = working
    assert response.status_code == 503
    assert "Traceback" not in response.text
    assert messages_stored(bot.app.db) == 0
    assert bot.post("/webhooks/twilio", form).status_code == 200  # Twilio's retry
    bot.deliver()
    assert len(standin.sent_to(AWA)) == 1


def test_country_code_suggests_the_language_offered_first(bot, standin):
    fatou = "\n".join(bot.says("whatsapp:+221701112233", "salut"))
    rosa = "\n".join(bot.says("+59170001122", "hola"))  # SMS: in short parts
    jane = "\n".join(bot.says("+14165550199", "hi"))
    assert fatou.startswith("Bienvenue") and "1. Français" in fatou
    assert rosa.startswith("Bienvenida") and "1. Español" in rosa
    for text in (fatou, rosa, jane):  # always asked, never decided; SMS may drop the accents
        names = ("Español", "Français", "English")
        assert all(f". {transliterate(name)}" in transliterate(text) for name in names)
    # No country hint: the welcome speaks three languages, and on SMS it is still GSM-7.
    assert segments(jane) == ("GSM-7", 2)  # with "Français" it was UCS-2, 3 segments
    with bot.app.db.session() as session:
        kinds = {(a.channel, a.address) for a in session.exec(select(ChannelAddress))}
    assert kinds == {
        ("whatsapp", "+221701112233"),
        ("sms", "+59170001122"),
        ("sms", "+14165550199"),
    }


def test_media_only_message_gets_please_answer_in_text(bot, standin):
    bot.says(AWA, "Bonjour")
    bot.says(AWA, "1")  # French
    answer = bot.says(AWA, "", NumMedia="1", MediaUrl0="https://api.twilio.com/x.jpg")
    assert answer[0].startswith(i18n.gettext("fr", home.NOT_TEXT.msgid))
    assert "Pour trouver votre partenaire" in answer[0] or len(answer) > 1  # the question again


def test_template_buttons_open_or_choose(bot, standin):
    rosa = "whatsapp:+59171234567"  # buttons exist on WhatsApp only
    bot.says(rosa, "hola")
    answer = bot.says(rosa, "", ButtonPayload="key:fr", ButtonText="Français")
    assert "Pour trouver votre partenaire" in answer[0]
    # "open" (the invitation template's button) repeats the pending question, nothing else.
    again = bot.says(rosa, "", ButtonPayload="open", ButtonText="Répondre")
    assert len(again) == 1 and "Pour trouver votre partenaire" in again[0]


def test_whatsapp_and_sms_of_one_number_can_be_linked_to_one_participant(bot, standin, clock):
    number = "+221771234567"
    bot.says(AWA, "Bonjour")
    bot.says(AWA, "1")  # French, on WhatsApp
    with bot.app.db.session() as session:
        (awa,) = session.exec(select(Participant)).all()
        participants.link_address(
            session, participant_id=awa.id, channel=ChannelKind.SMS, address=number, now=clock.now()
        )
        # Idempotent for her; refused for anyone else.
        participants.link_address(
            session, participant_id=awa.id, channel=ChannelKind.SMS, address=number, now=clock.now()
        )
        other = Participant(created_at=clock.now())
        session.add(other)
        session.flush()
        with pytest.raises(ValueError):
            participants.link_address(
                session, participant_id=other.id, channel="sms", address=number, now=clock.now()
            )
    answer = bot.says(number, "oui")  # the same conversation, continued by SMS
    assert "Quel est votre prénom" in answer[0]
    with bot.app.db.session() as session:
        links = session.exec(select(ChannelAddress).where(ChannelAddress.address == number)).all()
        assert {link.channel for link in links} == {"whatsapp", "sms"}
        assert len({link.participant_id for link in links}) == 1
        assert session.get(Participant, links[0].participant_id).consent_at is not None
