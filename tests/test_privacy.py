"""Privacy: no personal data or secret in the logs of a whole conversation on both platforms;
"delete my data" leaves nothing of her in any table; settings never echo secrets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select as sa_select
from sqlmodel import select

from bot import logs
from bot.app import build
from bot.settings import Settings, SettingsError, load
from flows.messages import ChannelKind, Inbound
from storage.models import OutboundMessage, Participant
from storage.schema import metadata
from tests.support import programme
from tests.support import telegram_standin as tg
from tests.support import twilio_standin as tw

# Her answers to onboarding (bench/onboarding.py's script); None is the language digit.
SCRIPT = [
    "hola", None, "1", "{name}", "1 {region}", "{business} 2", "3", "2", "2 7 / 4 1", "5", "1 2",
]  # fmt: skip
LANGUAGE_DIGIT = {"es": "1", "fr": "2", "en": "3"}


def script(language: str, name: str, region: str, business: str) -> list[str]:
    values = {"name": name, "region": region, "business": business}
    return [LANGUAGE_DIGIT[language] if step is None else step.format(**values) for step in SCRIPT]


# Logs ------------------------------------------------------------------------------------------


@pytest.fixture
def captured_logs():
    """The production log set-up (JSON, redaction, quiet libraries) at DEBUG, into a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logs.configure("DEBUG")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    raw: list[str] = []

    class Raw(logging.Handler):  # what code passed in, before any redaction
        def emit(self, record: logging.LogRecord) -> None:
            raw.append(record.getMessage() + " " + json.dumps(vars(record), default=str))

    root.addHandler(Raw(level=logging.DEBUG))
    try:
        yield buffer, raw
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


TELEGRAM_WOMAN = dict(chat=59176543210, first="Ximena", username="ximena_quispe_bo")
TELEGRAM_ANSWERS = dict(name="Ximena", region="Quillacollo", business="Textiles Ximena Andina")
WHATSAPP = "+221771112233"
WHATSAPP_ANSWERS = dict(name="Aminata", region="Thiès", business="Saveurs Aminata Teranga")
SMS = "+15145550199"
SMS_ANSWERS = dict(name="Geneviève", region="Gatineau", business="Érablière Geneviève")


def test_no_personal_data_or_secret_in_the_logs_of_whole_conversations(
    db, clock, settings, captured_logs
):
    buffer, raw = captured_logs

    async def on_telegram() -> None:
        with tg.standin_server() as standin:
            async with tg.harness(settings, db, clock, standin) as h:
                her = tg.Person(
                    TELEGRAM_WOMAN["chat"],
                    TELEGRAM_WOMAN["first"],
                    username=TELEGRAM_WOMAN["username"],
                )
                steps = script("es", **TELEGRAM_ANSWERS)
                standin.fail("sendMessage", 429, retry_after=1)  # a send is retried
                for n, text in enumerate(steps):
                    await h.post(her.text(text))
                    await h.deliver()
                    if n == 0:
                        clock.advance(timedelta(seconds=5))
                        await h.deliver()
                await h.post(her.text("hola"), secret="wrong")  # refused, logged
                await h.post(b"{broken")
                standin.block(her.chat_id)  # she blocks the bot: the next send fails 403
                await h.post(her.text("menu"))
                await h.deliver()

    asyncio.run(on_telegram())
    with tw.running_standin() as standin:
        bot = tw.TwilioBot(standin, tw.twilio_settings(standin, db.url), db, clock)
        for text in script("fr", **WHATSAPP_ANSWERS):
            bot.says(f"whatsapp:{WHATSAPP}", text)
        standin.fail_next(500)
        for text in script("en", **SMS_ANSWERS):
            bot.says(SMS, text)
        clock.advance(timedelta(minutes=5))
        bot.deliver()
        bot.post("/webhooks/twilio", bot.form(SMS, "hi"), signature="forged")
        last = standin.sent_to(SMS)[-1]
        bot.status(last, "undelivered", "21610")  # she replied STOP to the carrier
        bot.says(f"whatsapp:{WHATSAPP}", "supprimer mes données")
        bot.says(f"whatsapp:{WHATSAPP}", "1")

    with db.session() as session:
        done = session.exec(select(Participant).where(Participant.onboarded_at.is_not(None)))
        assert len(done.all()) == 3, "three whole onboardings ran"

    written = buffer.getvalue()
    assert written.count("\n") >= 5, "the conversation was logged"
    for line in written.splitlines():
        json.loads(line)  # every line is a JSON object
    secrets = [
        tg.TOKEN,
        tg.TOKEN.split(":")[1],
        tg.WEBHOOK_SECRET,
        tw.AUTH_TOKEN,
        tw.ACCOUNT_SID,
    ]
    personal = [
        str(TELEGRAM_WOMAN["chat"]),
        TELEGRAM_WOMAN["username"],
        WHATSAPP,
        WHATSAPP.removeprefix("+"),
        SMS,
        SMS.removeprefix("+"),
        "Awa",  # her WhatsApp profile name
        *TELEGRAM_ANSWERS.values(),
        *WHATSAPP_ANSWERS.values(),
        *SMS_ANSWERS.values(),
    ]
    for needle in secrets + personal:
        assert needle not in written, f"{needle!r} written to the log"
    # Names and free text cannot be caught by patterns: the code must never pass them at all.
    everything = "\n".join(raw)
    for needle in [*TELEGRAM_ANSWERS.values(), *WHATSAPP_ANSWERS.values(), *SMS_ANSWERS.values()]:
        assert needle not in everything, f"{needle!r} passed to a logger"


# Erasure ---------------------------------------------------------------------------------------

CARMEN_PHONE = "+59171234567"
CARMEN = dict(name="Carmencita", region="Achocalla", business="Tejidos Illimani Carmencita")
LEARNED = "Cómo fijar precios para exportar a Quebec"
SHARED = "Mi lista de clientes de El Alto"
PROBLEM = "Mi compañera no contesta desde marzo"
PLACE = "Café Sopocachi, calle Aspiazu 123"


def _values(row: Any) -> list[str]:
    out = []
    for value in row:
        if value is None:
            continue
        if isinstance(value, dict | list):
            out.append(json.dumps(value, ensure_ascii=False))
        else:
            out.append(str(value))
    return out


def find_everywhere(db, needles: list[str]) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(table, needle, value) for every cell of every table that contains a needle."""
    found = []
    with db.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa_select(table)):
                for value in _values(row):
                    lowered = value.lower()
                    for needle in needles:
                        if needle.lower() in lowered:
                            found.append((table.name, needle, value[:120]))
    return found


def test_delete_my_data_leaves_nothing_of_her_in_any_table(any_db, clock):
    """Carmen onboards on WhatsApp, is introduced to Julie, both accept (contacts exchanged), they
    meet, she checks in with free text and reports a problem; then she erases her data."""
    from flows import introductions
    from flows.checkin import on_pair_activated  # noqa: F401 - registers the check-in flow
    from storage import checkins
    from storage.pairs import Pair, PairStatus
    from tests.support import pairing, programme

    clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
    channel = programme.RecordingAll()
    app = build(
        Settings(_env_file=None),  # type: ignore[call-arg]
        channels=[channel],
        clock=clock,
        db=any_db,
    )
    counter = iter(range(10_000))

    def says(channel_kind: ChannelKind, address: str, text: str) -> None:
        app.engine.handle(
            Inbound(channel_kind, address, text, platform_key=f"SM{next(counter):032d}")
        )
        asyncio.run(app.delivery.drain())
        clock.advance(timedelta(seconds=20))

    for text in script("es", **CARMEN):
        says(ChannelKind.WHATSAPP, CARMEN_PHONE, text)
    with any_db.session() as session:
        carmen = session.exec(select(Participant).where(Participant.name == CARMEN["name"])).one()
        assert carmen.onboarded_at is not None and carmen.share_contact
        julie = pairing.add_woman(session, "julie", clock.now())
        group = programme.cohort(session, "pilot", [carmen, julie], now=clock.now())
        pair = programme.pair(session, group, carmen, julie, now=clock.now(), status="proposed")
        pair.introduced_at = None
        session.add(pair)
        session.flush()
        from flows import pair_lifecycle

        pair_lifecycle.publish(session, pair, actor="coordinator:t", now=clock.now())
        introductions.introduce(session, pair, now=clock.now(), config=app.engine.config)
        carmen_id, pair_id = carmen.id, pair.id
    asyncio.run(app.delivery.drain())
    says(ChannelKind.WHATSAPP, CARMEN_PHONE, "1")  # she accepts
    says(ChannelKind.CONSOLE, "julie", "1")  # Julie accepts: contacts are exchanged
    with any_db.session() as session:
        pair = session.get(Pair, pair_id)
        assert pair.status == PairStatus.ACTIVE
        meeting = programme.meeting(session, pair, clock.now() - timedelta(days=1))
        meeting.place = PLACE
        session.add(meeting)
        row = programme.checkin(
            session, pair, session.get(Participant, carmen_id), meeting.id, 5, at=clock.now()
        )
        row.learned, row.shared = LEARNED, SHARED
        session.add(row)
        checkins.record_problem(
            session, participant_id=carmen_id, source="report", now=clock.now(), text=PROBLEM
        )
    needles = [
        CARMEN_PHONE,
        CARMEN_PHONE.removeprefix("+"),
        *CARMEN.values(),
        LEARNED,
        SHARED,
        PROBLEM,
    ]
    assert {needle for _t, needle, _v in find_everywhere(any_db, needles)} >= {
        CARMEN_PHONE,
        CARMEN["name"],
        CARMEN["business"],
        LEARNED,
        PROBLEM,
    }, "the test planted what it looks for"

    says(ChannelKind.WHATSAPP, CARMEN_PHONE, "borrar mis datos")
    says(ChannelKind.WHATSAPP, CARMEN_PHONE, "1")
    goodbye = channel.by_address[CARMEN_PHONE][-1]
    assert "borrado" in goodbye.lower() or "eliminado" in goodbye.lower(), goodbye
    asyncio.run(app.delivery.drain())

    # The meeting place was chosen by both: it belongs to the pair, but she may have typed it.
    leftovers = find_everywhere(any_db, needles + [PLACE])
    assert leftovers == [], sorted({(table, needle) for table, needle, _v in leftovers})
    with any_db.session() as session:
        her = session.get(Participant, carmen_id)
        assert her.erased_at is not None and her.name is None


# Settings --------------------------------------------------------------------------------------


def test_settings_never_echo_secrets(tmp_path):
    values = dict(
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
        telegram_bot_token="987654:SECRET-bot-token-value-xyz",
        telegram_webhook_secret="webhook-secret-value-xyz",
        twilio_account_sid="AC" + "1" * 32,
        twilio_auth_token="twilio-auth-token-value-xyz",
    )
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    shown = " ".join(
        [repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())]
    )
    for secret in ("SECRET-bot-token-value-xyz", "webhook-secret-value-xyz", "token-value-xyz"):
        assert secret not in shown
    with pytest.raises(SettingsError) as error:
        load(_env_file=None, database_url="mysql://admin:hunter2-password@db/x")
    assert "hunter2" not in str(error.value) and "DATABASE_URL" in str(error.value)
    with pytest.raises(SettingsError) as error:
        load(_env_file=None, port="not-a-port-secret-xyz")
    assert "secret-xyz" not in str(error.value)


def test_health_and_metrics_never_show_settings(app):
    from bot.server import create_app

    app.settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=app.db.url,
        telegram_bot_token="987654:SECRET-bot-token-value-xyz",
    )

    async def go() -> str:
        transport = httpx.ASGITransport(app=create_app(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return (await client.get("/healthz")).text + (await client.get("/metrics")).text

    text = asyncio.run(go())
    assert "SECRET" not in text and "987654" not in text


def test_a_coordinator_who_erases_her_data_leaves_the_coordinator_table_too(app, db, clock):
    from flows import coordination
    from flows.config import FlowConfig
    from storage.coordination import Coordinator
    from tests.support.dialog import Person

    nadia = Person(app, "+221770000001")
    for text in ("bonjour", "2", "1", "Nadia"):
        nadia.says(text)
    with db.session() as session:
        coordination.add(
            session,
            FlowConfig(),
            coordination.Actor.operator("test"),
            "+221770000001",
            now=clock.now(),
        )
    assert coordination_count_for(db, "+221770000001") == 1
    nadia.says("effacer mes données")
    nadia.says("1")
    nadia.expect("Vos données ont été effacées")
    assert coordination_count_for(db, "+221770000001") == 0
    with db.session() as session:
        rows = session.exec(select(Coordinator)).all()
        assert rows and all(r.removed_at is not None and r.address is None for r in rows)


def coordination_count_for(db, address: str) -> int:
    from storage.coordination import Coordinator

    with db.session() as session:
        return len(
            session.exec(
                select(Coordinator).where(
                    Coordinator.address == address, Coordinator.removed_at.is_(None)
                )
            ).all()
        )


def test_erasure_scrubs_her_name_from_others_messages_whatever_its_characters(any_db, clock):
    """A name with accents and quotes is stored as JSON writes it (ï as is, " escaped): the
    scrub still finds it in a message to someone else, and in one stored \\u-escaped before."""
    from storage import outbox, participants

    now = clock.now()
    name, business = 'Aïssatou "Adja"', "Boutique Chez Aïssa"
    with any_db.session() as session:
        her = programme.woman(session, "+221770000001", now=now, country="SN", name=name)
        her.business_name = business
        other = programme.woman(session, "+221770000002", now=now, country="SN")

        def tell(who: str) -> int:
            payload = {"msg": {"id": "intro.named", "params": {"who": who}}}
            message = outbox.enqueue(
                session,
                participant_id=other.id,
                channel="console",
                address="+221770000002",
                payload=payload,
                now=now,
            )
            session.flush()
            return message.id or 0

        told = [tell(name), tell(f"{business}, Thiès"), tell(f"{name} again")]
        kept = tell("Awa")
        if any_db.dialect == "sqlite":  # as rows were stored before json_codec (\\u00ef…)
            escaped = json.dumps({"msg": {"id": "intro.named", "params": {"who": name}}})
            session.connection().exec_driver_sql(
                "UPDATE outboundmessage SET payload = ? WHERE id = ?", (escaped, told[-1])
            )
        participants.erase(session, her, now=now)
    with any_db.session() as session:
        payloads = {i: session.get(OutboundMessage, i).payload for i in [*told, kept]}
    assert all(payloads[i] == participants.ERASED_PAYLOAD for i in told), payloads
    assert payloads[kept]["msg"]["params"] == {"who": "Awa"}
