"""The Telegram webhook end to end: the real PTB Bot against the stand-in Bot API server, Update
JSON shaped as in the Bot API documentation posted to POST /webhooks/telegram."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from bot import intake as intake_module
from flows.clock import FakeClock
from storage.db import Database
from storage.models import (
    ChannelAddress,
    Conversation,
    InboundMessage,
    OutboundMessage,
    Participant,
)
from tests.support.databases import messages_stored
from tests.support.telegram_standin import (
    Harness,
    Person,
    harness,
    standin_server,
    texts,
)


@pytest.fixture
def standin():
    with standin_server() as server:
        yield server


def play(settings, db, clock, standin, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with harness(settings, db, clock, standin) as h:
            await scenario(h)

    asyncio.run(main())


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def participant_of(db: Database, chat_id: int) -> Participant:
    with db.session() as session:
        link = session.exec(
            select(ChannelAddress).where(
                ChannelAddress.channel == "telegram", ChannelAddress.address == str(chat_id)
            )
        ).one()
        person = session.get(Participant, link.participant_id)
        assert person is not None
        return person


def conversation_of(db: Database, chat_id: int) -> Conversation:
    person = participant_of(db, chat_id)
    with db.session() as session:
        state = session.get(Conversation, person.id)
        assert state is not None
        return state


# Onboarding ---------------------------------------------------------------------------------------


def test_onboarding_in_spanish_with_taps_and_typed_answers(settings, any_db, clock, standin):
    carmen = Person(59170000001, "Carmen", username="carmen_q", language_code="es-BO")

    async def scenario(h: Harness) -> None:
        got = await h.exchange(carmen, carmen.start())
        first = got[-1].params["reply_markup"]["inline_keyboard"][0][0]
        assert first["text"] == "Español"  # her Telegram language is offered first
        got = await h.taps(carmen, "es")
        assert "¿Está de acuerdo?" in texts(got)
        got = await h.taps(carmen, "yes")
        assert "nombre" in texts(got)
        got = await h.says(carmen, "Carmen")
        assert "Carmen" in texts(got) and got[-1].params.get("reply_markup")
        await h.taps(carmen, "BO")
        got = await h.says(carmen, "Cochabamba")
        await h.says(carmen, "Tejidos Killa")
        await h.taps(carmen, "crafts")
        await h.says(carmen, "2")  # stage typed as a digit although buttons are shown
        got = await h.taps(carmen, "small")
        # Several answers at once: a numbered list to answer by typing, no keyboard.
        assert "1. " in texts(got) and "reply_markup" not in got[-1].params
        await h.says(carmen, "2 3")
        await h.says(carmen, "1")
        got = await h.says(carmen, "1, 3")  # "none" next to a language: which does she mean?
        assert "Eligió «Ninguno» y también un idioma" in texts(got)
        await h.says(carmen, "3")
        got = await h.says(carmen, "4 5")
        assert "¡Gracias, Carmen! Su perfil está listo" in texts(got)

    play(settings, any_db, clock, standin, scenario)
    carmen_row = participant_of(any_db, carmen.chat_id)
    assert carmen_row.locale == "es"
    assert carmen_row.consent_at is not None and carmen_row.onboarded_at is not None
    assert carmen_row.name == "Carmen"
    assert carmen_row.country == "BO" and carmen_row.timezone == "America/La_Paz"
    assert carmen_row.region == "Cochabamba"
    assert carmen_row.business_name == "Tejidos Killa"
    assert carmen_row.sector == "crafts" and carmen_row.stage == "early"
    assert carmen_row.size == "small"
    assert carmen_row.skills_offered == ["sales", "finance"]
    assert carmen_row.skills_wanted == ["digital_marketing"]
    assert carmen_row.mentor_languages == ["es", "en"]
    assert carmen_row.availability == ["sat", "sun"]
    assert carmen_row.share_contact is True
    with any_db.session() as session:
        link = session.exec(select(ChannelAddress)).one()
    assert link.handle == "@carmen_q"  # kept for the contact exchange, shared only with consent


def test_onboarding_in_french_with_taps_and_typed_answers(settings, any_db, clock, standin):
    awa = Person(221770000001, "Awa", language_code="fr")

    async def scenario(h: Harness) -> None:
        got = await h.exchange(awa, awa.text("Bonjour"))
        assert got[-1].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Français"
        got = await h.taps(awa, "fr")
        assert "accord" in texts(got)
        await h.says(awa, "2")  # "Oui, sans mon contact" typed as its number
        got = await h.says(awa, "Awa")
        assert "pays" in texts(got)
        await h.says(awa, "Sénégal")  # typed as words
        await h.says(awa, "Thiès")
        await h.says(awa, "Awa Couture")
        await h.taps(awa, "services")
        await h.taps(awa, "growing")
        await h.says(awa, "1")
        await h.says(awa, "3 4 5")
        await h.says(awa, "6")
        await h.says(awa, "4")  # Wolof, besides French
        got = await h.says(awa, "1")
        assert "Merci, Awa" in texts(got)

    play(settings, any_db, clock, standin, scenario)
    awa_row = participant_of(any_db, awa.chat_id)
    assert awa_row.locale == "fr"
    assert (awa_row.name, awa_row.country, awa_row.region) == ("Awa", "SN", "Thiès")
    assert awa_row.timezone == "Africa/Dakar"
    assert (awa_row.business_name, awa_row.sector, awa_row.stage, awa_row.size) == (
        "Awa Couture",
        "services",
        "growing",
        "solo",
    )
    assert awa_row.skills_offered == ["finance", "export", "leadership"]
    assert awa_row.skills_wanted == ["strategy"]
    assert awa_row.mentor_languages == ["fr", "wo"]
    assert awa_row.availability == ["wd_morning"]
    assert awa_row.share_contact is False and awa_row.onboarded_at is not None
    with any_db.session() as session:
        link = session.exec(select(ChannelAddress)).one()
    assert link.handle is None  # she has no @username


# Exactly once and refusals ------------------------------------------------------------------------


def test_the_same_update_posted_three_times_is_processed_once(settings, any_db, clock, standin):
    ana = Person(5917000002, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        await h.taps(ana, "yes")
        before = conversation_of(any_db, ana.chat_id)
        assert before.step == "name"
        sent_before = len(standin.sent_to(ana.chat_id))
        update = ana.text("Ana")
        answers = [await h.post(update) for _ in range(2)]
        answers.append(await h.post(update))
        assert [r.status_code for r in answers] == [200, 200, 200]
        await h.deliver()
        replies = standin.sent_to(ana.chat_id)[sent_before:]
        assert len(replies) == 1 and "Ana" in replies[0].params["text"]
        after = conversation_of(any_db, ana.chat_id)
        assert after.step == "country"
        assert after.version == before.version + 1  # one state change
        # Redelivered concurrently (Telegram retrying while the first is still in flight).
        update = ana.text("Bolivia")
        answers = await asyncio.gather(*(h.post(update) for _ in range(3)))
        assert {r.status_code for r in answers} == {200}
        await h.deliver()
        assert conversation_of(any_db, ana.chat_id).version == after.version + 1
        assert len(standin.sent_to(ana.chat_id)) == sent_before + 2

    play(settings, any_db, clock, standin, scenario)
    with any_db.session() as session:
        keys = session.exec(select(InboundMessage.platform_key)).all()
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "s3cret-Token_for-tests "])
def test_wrong_or_missing_secret_is_refused_and_nothing_is_kept(
    settings, db, clock, standin, secret
):
    ana = Person(5917000003)

    async def scenario(h: Harness) -> None:
        response = await h.post(ana.start(), secret=secret)
        assert response.status_code == 403
        await h.deliver()

    play(settings, db, clock, standin, scenario)
    assert messages_stored(db) == count(db, Participant) == count(db, OutboundMessage) == 0
    assert standin.calls_to("sendMessage") == []


def test_without_a_configured_secret_every_webhook_call_is_refused(settings, db, clock, standin):
    ana = Person(5917000004)

    async def scenario(h: Harness) -> None:
        h.channel.webhook_secret = None
        assert (await h.post(ana.start(), secret="")).status_code == 403
        assert (await h.post(ana.start(), secret="anything")).status_code == 403

    play(settings, db, clock, standin, scenario)
    assert messages_stored(db) == 0


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "x"}', b"\xff\xfe"]
)
def test_malformed_bodies_get_400_without_a_traceback(settings, db, clock, standin, body):
    async def scenario(h: Harness) -> None:
        response = await h.post(body)
        assert response.status_code == 400
        assert "Traceback" not in response.text

    play(settings, db, clock, standin, scenario)
    assert messages_stored(db) == 0


def test_database_down_answers_5xx_so_telegram_delivers_again(
    settings, db, clock, standin, monkeypatch
):
    ana = Person(5917000005)

    async def scenario(h: Harness) -> None:
        real = intake_module.store_all

        def down(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise OperationalError("INSERT", {}, Exception("connection refused"))

        monkeypatch.setattr(intake_module, "store_all", down)
        update = ana.start()
        assert (await h.post(update)).status_code == 503
        await h.deliver()
        assert standin.sent_to(ana.chat_id) == []
        monkeypatch.setattr(intake_module, "store_all", real)
        assert (await h.post(update)).status_code == 200  # Telegram's redelivery
        await h.deliver()
        assert len(standin.sent_to(ana.chat_id)) == 1

    play(settings, db, clock, standin, scenario)


# Things that are not text -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location"])
def test_non_text_gets_please_reply_in_text_in_her_language(settings, db, clock, standin, kind):
    ana = Person(5917000006, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        update = ana.kind(kind)
        update["message"].pop("caption", None)  # a photo alone (with words: see below)
        got = await h.exchange(ana, update)
        assert "Solo puedo leer texto" in texts(got), texts(got)
        # …and the pending question comes again, with its buttons.
        assert "¿Está de acuerdo?" in got[-1].params["text"]
        assert got[-1].params.get("reply_markup")

    play(settings, db, clock, standin, scenario)
    with db.session() as session:
        kinds = session.exec(select(InboundMessage.kind)).all()
    assert kinds[-1] == {"sticker": "sticker", "location": "location"}.get(kind, "media")


@pytest.mark.parametrize("kind", ["photo", "voice"])
def test_her_words_under_a_photo_are_her_message(settings, db, clock, standin, kind):
    """A photo or a voice note with a caption: the caption is read as her answer, as WhatsApp's
    are, not dropped with "I can only read text"."""
    ana = Person(5917000026, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        await h.taps(ana, "yes")
        update = ana.kind(kind)
        update["message"]["caption"] = "Ana María"
        got = await h.exchange(ana, update)
        assert "¡Mucho gusto, Ana María!" in texts(got), texts(got)
        assert "Solo puedo leer texto" not in texts(got)

    play(settings, db, clock, standin, scenario)


def test_a_document_with_an_empty_thumbnail_is_answered_not_refused(settings, db, clock, standin):
    """A real client sent `"thumbnail": {}`: the library alone refuses the update (400, lost)."""
    ana = Person(5917000016, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        got = await h.exchange(ana, ana.kind("document_empty_thumbnail"))
        assert "Solo puedo leer texto" in texts(got), texts(got)
        assert "¿Está de acuerdo?" in got[-1].params["text"]

    play(settings, db, clock, standin, scenario)
    with db.session() as session:
        assert session.exec(select(InboundMessage.kind)).all()[-1] == "media"


def test_non_text_in_french(settings, db, clock, standin):
    awa = Person(221770000002, language_code="fr")

    async def scenario(h: Harness) -> None:
        await h.exchange(awa, awa.start())
        await h.taps(awa, "fr")
        got = await h.exchange(awa, awa.kind("voice"))
        assert "texte" in texts(got)

    play(settings, db, clock, standin, scenario)


def test_edited_messages_are_ignored_politely(settings, db, clock, standin):
    ana = Person(5917000007, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        await h.taps(ana, "yes")
        await h.says(ana, "Ana")
        before = conversation_of(db, ana.chat_id)
        got = await h.exchange(ana, ana.kind("edited_message"))
        assert len(got) == 1 and "mensajes nuevos" in got[0].params["text"]
        after = conversation_of(db, ana.chat_id)
        assert (after.step, after.data) == (before.step, before.data)
        assert participant_of(db, ana.chat_id).name == "Ana"  # the edit changed nothing

    play(settings, db, clock, standin, scenario)


# Commands -----------------------------------------------------------------------------------------


def test_commands_are_the_global_words(settings, db, clock, standin):
    ana = Person(5917000008, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start("cohort_bo_2026"))
        await h.taps(ana, "es")
        got = await h.says(ana, "/help")
        assert "AYUDA" in texts(got) or "MENÚ" in texts(got)
        assert "¿Está de acuerdo?" in got[-1].params["text"]
        got = await h.exchange(ana, ana.start())  # repeats the pending question
        assert len(got) == 1 and "¿Está de acuerdo?" in got[0].params["text"]
        got = await h.says(ana, "/language")
        assert got[-1].params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Español"
        got = await h.says(ana, "/menu@EntrepairsBot")
        assert got[-1].params.get("reply_markup")

    play(settings, db, clock, standin, scenario)
    assert conversation_of(db, ana.chat_id).step == "menu"


def test_deep_link_start_of_an_existing_participant_is_not_taken_as_an_answer(
    settings, db, clock, standin
):
    ana = Person(5917000009, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        await h.taps(ana, "yes")
        got = await h.exchange(ana, ana.start("cohort_bo_2026"))
        assert "nombre" in texts(got)

    play(settings, db, clock, standin, scenario)
    assert participant_of(db, ana.chat_id).name is None


# Taps ---------------------------------------------------------------------------------------------


def test_a_tap_is_acknowledged_and_its_keyboard_replaced_by_the_choice(
    settings, db, clock, standin
):
    ana = Person(5917000010, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        shown = h.keyboard(ana)
        tap = ana.tap(shown, "es")
        await h.exchange(ana, tap)
        answered = standin.calls_to("answerCallbackQuery")
        assert [c.params["callback_query_id"] for c in answered] == [tap["callback_query"]["id"]]
        edit = standin.calls_to("editMessageText")[-1].params
        assert edit["message_id"] == shown.result["message_id"]
        assert edit["text"].endswith("✓ Español") and "reply_markup" not in edit

    play(settings, db, clock, standin, scenario)


def test_old_buttons_cannot_be_pressed_twice(settings, db, clock, standin):
    ana = Person(5917000011, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        consent = h.keyboard(ana)
        await h.exchange(ana, ana.tap(consent, "yes"))
        assert conversation_of(db, ana.chat_id).step == "name"
        # The same button again (a double tap, or a second phone): acknowledged, nothing else.
        again = ana.tap(consent, "yes")
        got = await h.exchange(ana, again)
        assert got == []
        last = standin.calls_to("answerCallbackQuery")[-1].params
        assert last["callback_query_id"] == again["callback_query"]["id"]
        assert "cerrada" in last["text"]
        tidy = standin.calls_to("editMessageReplyMarkup")[-1].params
        assert tidy["message_id"] == consent.result["message_id"]
        # "no" on that old keyboard does not erase her either.
        await h.exchange(ana, ana.tap(consent, "no"))
        assert conversation_of(db, ana.chat_id).step == "name"
        assert participant_of(db, ana.chat_id).consent_at is not None

    play(settings, db, clock, standin, scenario)


def test_a_tap_on_a_keyboard_older_than_the_current_question_is_ignored(
    settings, db, clock, standin
):
    """Same key in two questions (yes/no): the old keyboard must not answer the new one."""
    ana = Person(5917000012, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        consent = h.keyboard(ana)
        await h.says(ana, "/help")  # the consent question is asked again with a new keyboard
        state = conversation_of(db, ana.chat_id)
        await h.exchange(ana, ana.tap(consent, "no"))
        assert conversation_of(db, ana.chat_id).version == state.version
        await h.taps(ana, "yes")  # the current keyboard works
        assert conversation_of(db, ana.chat_id).step == "name"

    play(settings, db, clock, standin, scenario)


def test_callback_data_is_short_and_holds_only_option_keys(settings, db, clock, standin):
    ana = Person(5917000013, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        await h.taps(ana, "yes")
        await h.says(ana, "Ana María")
        await h.taps(ana, "CA")
        await h.says(ana, "/menu")

    play(settings, db, clock, standin, scenario)
    datas = [
        button["callback_data"]
        for call in standin.calls_to("sendMessage")
        for row in call.params.get("reply_markup", {}).get("inline_keyboard", [])
        for button in row
    ]
    assert len(datas) > 20
    for data in datas:
        assert len(data.encode()) <= 64
        assert "Ana" not in data
        outbox_id, key = data.split(":", 1)
        assert outbox_id.isdigit() and key.replace("_", "").replace("/", "").isalnum()


def test_her_username_follows_her_changes(settings, db, clock, standin):
    ana = Person(5917000014, username="ana_old")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        ana.username = "ana_new"
        await h.exchange(ana, ana.start())
        ana.username = None
        await h.exchange(ana, ana.start())

    play(settings, db, clock, standin, scenario)
    with db.session() as session:
        assert session.exec(select(ChannelAddress.handle)).one() is None


def test_group_chats_and_bots_are_acknowledged_and_ignored(settings, db, clock, standin):
    ana = Person(5917000015)

    async def scenario(h: Harness) -> None:
        group = ana.text("hola")
        group["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Feria"}
        assert (await h.post(group)).status_code == 200
        robot = ana.text("hola")
        robot["message"]["from"]["is_bot"] = True
        assert (await h.post(robot)).status_code == 200
        bot = {"id": 123456, "is_bot": True, "first_name": "Entrepairs"}
        member = {
            "update_id": 42,
            "my_chat_member": {
                "chat": ana.chat(),
                "from": ana.user(),
                "date": 1741533000,
                "old_chat_member": {"user": bot, "status": "member"},
                "new_chat_member": {"user": bot, "status": "kicked", "until_date": 0},
            },
        }
        assert (await h.post(member)).status_code == 200
        await h.deliver()

    play(settings, db, clock, standin, scenario)
    assert messages_stored(db) == 0
    assert standin.calls_to("sendMessage") == []


def test_the_webhook_wakes_the_inbox_worker_which_wakes_delivery(settings, db, clock, standin):
    ana = Person(5917000016)

    async def scenario(h: Harness) -> None:
        h.app.intake.wake.clear()
        h.app.delivery.wake.clear()
        await h.post(ana.start())
        assert h.app.intake.wake.is_set() and not h.app.delivery.wake.is_set()
        await h.app.intake.drain()  # her reply is queued: the delivery worker is woken
        assert h.app.delivery.wake.is_set()

    play(settings, db, clock, standin, scenario)


def test_idle_return_after_days_still_works_over_telegram(settings, db, clock, standin):
    ana = Person(5917000017, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        await h.taps(ana, "es")
        clock_ = h.app.clock
        assert isinstance(clock_, FakeClock)
        clock_.advance(timedelta(days=10))
        got = await h.taps(ana, "yes")
        assert "nombre" in texts(got)

    play(settings, db, clock, standin, scenario)
