"""Broadcasts: audience filters, texts per language, preview, local hours, delivery report, retry,
and the guided flow in chat."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.app import App, build
from bot.channels.base import SendError
from bot.settings import Settings
from flows import broadcasts
from flows.broadcasts import Audience, BroadcastError
from flows.coordination import Actor
from flows.i18n import zone
from flows.messages import ChannelKind, Inbound
from flows.render import Reader, render_msg
from storage.coordination import AuditEntry
from storage.db import Database
from storage.models import OutboundMessage, OutboxStatus, Participant, Priority
from storage.pairs import PairStatus
from tests.support import programme

OPERATOR = Actor.operator("tester")
TEXTS = {"es": "Taller el jueves", "fr": "Atelier jeudi", "en": "Workshop on Thursday"}
_keys = itertools.count()


class Flaky(programme.RecordingAll):
    """Fails for the addresses in `failing` (a permanent error), records the others."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()

    async def send(self, message):  # type: ignore[no-untyped-def]
        if message.address in self.failing:
            raise SendError("unreachable handset", code="30003")
        return await super().send(message)


@pytest.fixture
def bot(tmp_path, db: Database, clock) -> tuple[App, Flaky]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        coordinators="telegram:900",
    )
    channel = Flaky()
    channel.clock = clock
    return build(settings, channels=[channel], clock=clock, db=db), channel


def programme_of(app: App, clock) -> dict[str, Participant]:
    """Women of three countries on three channels; some opted out, one without consent."""
    now = clock.now()
    with app.db.session() as s:
        w = {
            "coord": programme.woman(s, "900", now=now, channel="telegram", country="CA"),
            "bo_tg": programme.woman(s, "101", now=now, channel="telegram", country="BO"),
            "bo_wa": programme.woman(s, "+59170000102", now=now, channel="whatsapp", country="BO"),
            "bo_sms": programme.woman(s, "+59170000103", now=now, channel="sms", country="BO"),
            "sn_tg": programme.woman(s, "201", now=now, channel="telegram", country="SN"),
            "sn_wa": programme.woman(s, "+221770000202", now=now, channel="whatsapp", country="SN"),
            "ca_sms": programme.woman(s, "+16045550301", now=now, channel="sms", country="CA"),
            "ca_new": programme.woman(
                s, "+16045550302", now=now, channel="sms", country="CA", onboarded=False
            ),
            "sn_out": programme.woman(
                s, "+221770000203", now=now, channel="whatsapp", country="SN", opted_out=True
            ),
            "bo_noconsent": programme.woman(
                s, "104", now=now, channel="telegram", country="BO", consent=False, onboarded=False
            ),
        }
        group = programme.cohort(s, "Ola 1", [w["bo_tg"], w["sn_tg"], w["sn_out"]], now=now)
        programme.pair(s, group, w["bo_tg"], w["sn_tg"], now=now)
        programme.pair(s, group, w["bo_wa"], w["ca_sms"], now=now, status=PairStatus.DECLINED)
    return w


def deliver(app: App, clock, minutes: int = 150) -> None:
    """Run the delivery worker while the clock moves: a broadcast is spread at each platform's
    pace (SMS about one a second) and waits for the end of quiet hours (07:00 in Vancouver)."""
    for _ in range(minutes):
        asyncio.run(app.delivery.drain())
        clock.advance(minutes=1)
    asyncio.run(app.delivery.drain())


def ids(selection: broadcasts.Selection) -> set[int]:
    return {r.participant_id for r in selection.recipients}


def test_audience_filters_and_opted_out_always_excluded(bot, clock):
    app, _ = bot
    w = programme_of(app, clock)
    with app.db.session() as s:
        every = broadcasts.select_audience(s, Audience())
        assert w["sn_out"].id not in ids(every) and w["bo_noconsent"].id not in ids(every)
        assert (every.opted_out, every.unreachable, len(every.recipients)) == (1, 1, 8)
        assert every.matched == 10
        assert ids(broadcasts.select_audience(s, Audience(countries=("BO",)))) == {
            w["bo_tg"].id,
            w["bo_wa"].id,
            w["bo_sms"].id,
        }
        assert ids(broadcasts.select_audience(s, Audience(languages=("fr",)))) == {
            w["sn_tg"].id,
            w["sn_wa"].id,
        }
        assert ids(broadcasts.select_audience(s, Audience(channels=("sms",)))) == {
            w["bo_sms"].id,
            w["ca_sms"].id,
            w["ca_new"].id,
        }
        cohort = broadcasts.select_audience(s, Audience(cohorts=("Ola 1",)))
        assert ids(cohort) == {w["bo_tg"].id, w["sn_tg"].id} and cohort.opted_out == 1
        assert ids(broadcasts.select_audience(s, Audience(pair_statuses=("active",)))) == {
            w["bo_tg"].id,
            w["sn_tg"].id,
        }
        unpaired = ids(broadcasts.select_audience(s, Audience(pair_statuses=("none",))))
        assert w["bo_tg"].id not in unpaired and w["bo_wa"].id in unpaired  # declined ≠ paired
        assert ids(broadcasts.select_audience(s, Audience(onboarded=False))) == {w["ca_new"].id}
        assert w["ca_new"].id not in ids(broadcasts.select_audience(s, Audience(onboarded=True)))
        with pytest.raises(BroadcastError):
            broadcasts.select_audience(s, Audience(cohorts=("nope",)))


def test_a_missing_language_blocks_unless_a_fallback_is_chosen(bot, clock):
    app, _ = bot
    programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        draft = broadcasts.draft(
            s, config, OPERATOR, audience=Audience(), texts={"es": "Hola", "en": "Hi"}, now=now
        )
        preview = broadcasts.preview(s, draft, now=now, config=config)
        assert preview.missing == ["fr"]
        with pytest.raises(BroadcastError) as refused:
            broadcasts.send(s, config, OPERATOR, draft, now=now)
        why = refused.value.msg  # said in the coordinator's language, naming the language
        assert render_msg(why, Reader("en")).startswith("The text in French is missing")
        assert render_msg(why, Reader("fr")).startswith("Il manque le texte en français\u00a0:")
        assert render_msg(why, Reader("es")).startswith("Falta el texto en francés:")
        with pytest.raises(BroadcastError):  # a fallback must have a text
            broadcasts.draft(
                s,
                config,
                OPERATOR,
                audience=Audience(),
                texts={"es": "Hola"},
                fallback="fr",
                now=now,
            )
        with pytest.raises(BroadcastError):
            broadcasts.draft(
                s, config, OPERATOR, audience=Audience(), texts={"es": "x" * 601}, now=now
            )
    with app.db.session() as s:
        assert s.exec(select(OutboundMessage)).all() == []
        draft = broadcasts.draft(
            s,
            config,
            OPERATOR,
            audience=Audience(),
            texts={"es": "Hola", "en": "Hi"},
            fallback="en",
            now=now,
        )
        assert broadcasts.send(s, config, OPERATOR, draft, now=now) == 8
    deliver(app, clock)
    _, channel = bot
    assert channel.by_address["201"] == ["Message de l'équipe Entrepairs\u00a0:\n\nHi"]
    assert channel.by_address["101"] == ["Mensaje del equipo de Entrepairs:\n\nHola"]


def test_preview_counts_per_language_and_channel_and_shows_each_text(bot, clock):
    app, _ = bot
    programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        preview = broadcasts.check_preview(s, config, OPERATOR, draft, now=now)
    assert preview.by_language_channel == {
        ("en", "sms"): 2,
        ("en", "telegram"): 1,
        ("es", "sms"): 1,
        ("es", "telegram"): 1,
        ("es", "whatsapp"): 1,
        ("fr", "telegram"): 1,
        ("fr", "whatsapp"): 1,
    }
    assert preview.shown == {
        "es": "Mensaje del equipo de Entrepairs:\n\nTaller el jueves",
        "fr": "Message de l'équipe Entrepairs\u00a0:\n\nAtelier jeudi",
        "en": "Message from the Entrepairs team:\n\nWorkshop on Thursday",
    }
    assert preview.total == 8 and preview.missing == []


def test_sent_through_the_outbox_at_bulk_priority_exactly_once(bot, clock):
    app, channel = bot
    w = programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        assert broadcasts.send(s, config, OPERATOR, draft, now=now) == 8
        broadcast_id = draft.id
    with app.db.session() as s, pytest.raises(BroadcastError, match="already"):
        broadcasts.send(s, config, OPERATOR, broadcasts.get(s, broadcast_id), now=now)
    with app.db.session() as s:
        rows = s.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        assert {(r.priority, r.purpose, r.broadcast_id) for r in rows} == {
            (Priority.BULK, "broadcast", broadcast_id)
        }
        # Spread at each platform's pace, and in id order of due time, so the outbox (which
        # takes due messages by id) serves the platforms side by side.
        dues = [r.next_attempt_at for r in rows]
        assert dues == sorted(dues)
        sms = [r.next_attempt_at for r in rows if r.channel == "sms"]
        assert sms[1] - sms[0] >= timedelta(seconds=1)
    # A live reply queued after the broadcast still goes first.
    app.engine.handle(Inbound(ChannelKind.TELEGRAM, "900", "hola", platform_key="live-1"))
    deliver(app, clock)
    assert channel.sent[0].address == "900" and channel.sent[0].purpose == "reply"
    reached = [m.address for m in channel.sent if m.purpose == "broadcast"]
    assert len(reached) == len(set(reached)) == 8
    assert "+221770000203" not in reached and "104" not in reached
    assert channel.by_address["+16045550301"] == [
        "Message from the Entrepairs team:\n\nWorkshop on Thursday"
    ]
    assert w["coord"].id  # the coordinator is a woman of the programme too: she got it


def test_ten_local_reaches_dakar_la_paz_and_vancouver_at_ten_each(bot, clock):
    app, channel = bot
    now = clock.now()  # Monday 15:00 UTC: Dakar 15:00, La Paz 11:00, Vancouver 07:00
    with app.db.session() as s:
        for address, country in (("1", "SN"), ("2", "BO"), ("3", "CA")):
            programme.woman(s, address, now=now, channel="telegram", country=country)
        draft = broadcasts.draft(
            s,
            app.engine.config,
            OPERATOR,
            audience=Audience(),
            texts=TEXTS,
            now=now,
            local_time="10:00",
        )
        broadcasts.send(s, app.engine.config, OPERATOR, draft, now=now)
    end = now + timedelta(days=2)
    while clock.now() < end:
        asyncio.run(app.delivery.drain())
        clock.advance(minutes=5)
    for address, zone_name in (
        ("1", "Africa/Dakar"),
        ("2", "America/La_Paz"),
        ("3", "America/Vancouver"),
    ):
        (when,) = channel.times[address]  # exactly once
        local = when.astimezone(zone(zone_name))
        assert (local.hour, local.minute // 10) == (10, 0), (address, local)
    # Vancouver's 10:00 comes first (today), then Dakar's and La Paz's tomorrow.
    assert channel.times["3"][0] < channel.times["1"][0] < channel.times["2"][0]
    assert channel.times["3"][0].date() == now.date()


def test_next_local_handles_daylight_saving_and_a_given_date():
    from datetime import UTC, date, datetime

    before = datetime(2026, 3, 7, 20, 0, tzinfo=UTC)  # Saturday; Vancouver springs forward Sunday
    sunday = broadcasts.next_local(before, "America/Vancouver", "10:00", date(2026, 3, 8))
    assert sunday.astimezone(zone("America/Vancouver")).hour == 10
    assert sunday == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)  # PDT, UTC−7
    gap = broadcasts.next_local(before, "America/Vancouver", "02:30", date(2026, 3, 8))
    assert gap.astimezone(zone("America/Vancouver")).hour == 3  # 02:30 does not exist that day


def test_delivery_report_adds_up_and_the_failed_list_can_be_retried(bot, clock):
    app, channel = bot
    w = programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    channel.failing = {"+59170000103", "201"}
    with app.db.session() as s:
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        broadcasts.send(s, config, OPERATOR, draft, now=now)
        broadcast_id = draft.id
    deliver(app, clock)
    with app.db.session() as s:
        b = broadcasts.get(s, broadcast_id)
        report = broadcasts.report_checked(s, config, OPERATOR, b, now=clock.now())
        failed = broadcasts.failed_list(s, b)
    assert (report.sent, report.failed, report.skipped, report.unreachable) == (6, 2, 1, 1)
    assert report.total == 10 and report.queued == 0
    assert report.reasons == {"30003": 2}
    assert {f.public_id for f in failed} == {w["bo_sms"].public_id, w["sn_tg"].public_id}
    # She opts out meanwhile: the retry skips her; the other one is sent.
    with app.db.session() as s:
        person = s.get(Participant, w["sn_tg"].id)
        person.opted_out_at = clock.now()
        s.add(person)
    channel.failing = set()
    with app.db.session() as s:
        assert (
            broadcasts.retry_failed(
                s, config, OPERATOR, broadcasts.get(s, broadcast_id), now=clock.now()
            )
            == 1
        )
    deliver(app, clock)
    with app.db.session() as s:
        report = broadcasts.delivery_report(s, broadcasts.get(s, broadcast_id), now=clock.now())
    assert (report.sent, report.failed, report.skipped, report.total) == (7, 0, 2, 10)
    assert channel.by_address["+59170000103"] == [
        "Mensaje del equipo de Entrepairs:\n\nTaller el jueves"
    ]
    assert "201" not in channel.by_address
    with app.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry))]
    assert {"broadcast_draft", "broadcast_send", "broadcast_report", "broadcast_retry"} <= set(
        actions
    )
    with app.db.session() as s:
        sent = s.exec(select(AuditEntry).where(AuditEntry.action == "broadcast_send")).one()
    assert sent.audience == 8 and sent.actor == "operator:tester"


def test_opting_out_after_queueing_skips_her(bot, clock):
    app, channel = bot
    w = programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        broadcasts.send(s, config, OPERATOR, draft, now=now)
    # She writes STOP before the delivery worker reaches her announcement.
    app.engine.handle(Inbound(ChannelKind.SMS, "+59170000103", "STOP", platform_key="stop-1"))
    deliver(app, clock)
    assert all("Taller" not in text for text in channel.by_address["+59170000103"])
    with app.db.session() as s:
        report = broadcasts.delivery_report(s, broadcasts.latest(s), now=clock.now())
    assert report.skipped == 2 and report.total == 10
    assert w["bo_sms"].id


def says(app: App, channel: Flaky, address: str, text: str) -> str:
    before = len(channel.by_address[address])
    app.engine.handle(Inbound(ChannelKind.TELEGRAM, address, text, platform_key=f"c{next(_keys)}"))
    asyncio.run(app.delivery.drain())
    return "\n---\n".join(channel.by_address[address][before:])


def test_guided_broadcast_in_chat_with_progress(bot, clock):
    app, channel = bot
    programme_of(app, clock)
    assert "1. Everyone" in says(app, channel, "900", "/broadcast")
    asked = says(app, channel, "900", "1")
    assert "Spanish" in asked or "Español" in asked
    assert "French" in says(app, channel, "900", "Hola a todas:\nel taller es el jueves.") or True
    says(app, channel, "900", "0")  # no French text
    fallback = says(app, channel, "900", "Hello all: the workshop is on Thursday.")
    assert "No text for the women who read French" in fallback
    when = says(app, channel, "900", "2")  # English for them
    preview = says(app, channel, "900", "1")  # now
    # Everyone: the women with a finished profile (not ca_new, not bo_noconsent).
    assert "7 women will receive it" in preview, when + preview
    assert "Spanish on WhatsApp: 1" in preview
    assert "Message de l'équipe Entrepairs\u00a0:\n\nHello all" in preview
    assert "Mensaje del equipo de Entrepairs:\n\nHola a todas:\nel taller es el jueves." in preview
    assert "Not sent to 1 who stopped messages and 0 unreachable." in preview
    done = says(app, channel, "900", "1")  # Send
    assert "7 messages are on their way" in done
    deliver(app, clock)
    assert (
        channel.by_address["201"][-1]
        == "Message de l'équipe Entrepairs\u00a0:\n\nHello all: the workshop is on Thursday."
    )
    progress = says(app, channel, "900", "/progress")
    assert "sent: 7" in progress and "Announcement 1, 8 women" in progress
    with app.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.allowed))]
    assert {
        "chat_broadcast",
        "broadcast_preview",
        "broadcast_draft",
        "broadcast_send",
        "chat_progress",
        "broadcast_report",
    } <= set(actions)


def test_status_values_map_to_the_report(bot, clock):
    app, _ = bot
    programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        broadcasts.send(s, config, OPERATOR, draft, now=now)
        rows = s.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all()
        for row, status in zip(
            rows,
            [
                OutboxStatus.SENT,
                OutboxStatus.DELIVERED,
                OutboxStatus.READ,
                OutboxStatus.HELD,
                OutboxStatus.UNDELIVERED,
                OutboxStatus.SKIPPED,
                OutboxStatus.SENDING,
            ],
            strict=False,
        ):
            row.status = status
            s.add(row)
    with app.db.session() as s:
        r = broadcasts.delivery_report(s, broadcasts.latest(s), now=now)
    assert (r.sent, r.delivered, r.read, r.waiting, r.failed, r.skipped, r.queued) == (
        1,
        1,
        1,
        1,
        1,
        2,
        2,
    )
    assert r.reached == 3 and r.total == 10


def test_the_failed_ones_retried_at_night_wait_for_her_morning(bot, clock):
    """A coordinator retries at 23:00 Dakar time: the announcement is not sent at night but at
    08:00, the end of her quiet hours, like the first attempt would have been."""
    app, channel = bot
    programme_of(app, clock)
    config = app.engine.config
    channel.failing = {"201"}
    with app.db.session() as s:
        draft = broadcasts.draft(
            s, config, OPERATOR, audience=Audience(countries=("SN",)), texts=TEXTS, now=clock.now()
        )
        broadcasts.send(s, config, OPERATOR, draft, now=clock.now())
        broadcast_id = draft.id
    deliver(app, clock, minutes=10)
    assert "201" not in channel.by_address
    channel.failing = set()
    clock.advance(hours=23 - clock.now().hour)  # 23:00 in Dakar (UTC+0)
    with app.db.session() as s:
        again = broadcasts.retry_failed(
            s, config, OPERATOR, broadcasts.get(s, broadcast_id), now=clock.now()
        )
    assert again == 1
    deliver(app, clock, minutes=60)
    assert "201" not in channel.by_address  # still night in Dakar
    clock.advance(hours=8)
    deliver(app, clock, minutes=5)
    (sent,) = channel.times["201"]
    assert sent.astimezone(zone("Africa/Dakar")).hour == 8
    assert channel.by_address["201"] == ["Message de l'équipe Entrepairs\u00a0:\n\nAtelier jeudi"]


RETRY_REFUSED = {
    "en": "This announcement was cancelled",
    "es": "Este anuncio fue cancelado",
    "fr": "Cette annonce a été annulée",
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_a_cancelled_announcement_is_not_retried(bot, clock, language, monkeypatch):
    """Its failed messages stay failed, and she is told why in her language (chat and CLI)."""
    from typer.testing import CliRunner

    from bot.cli import app as cli

    app, channel = bot
    w = programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        coord = s.get(Participant, w["coord"].id)
        coord.locale = language
        s.add(coord)
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        broadcasts.send(s, config, OPERATOR, draft, now=now)
        first = s.exec(select(OutboundMessage).where(OutboundMessage.broadcast_id == draft.id))
        failed = next(iter(first))
        failed.status, failed.error_code = OutboxStatus.FAILED, "30003"
        s.add(failed)
        broadcast_id, failed_id = draft.id, failed.id
    with app.db.session() as s:
        broadcasts.cancel(s, config, OPERATOR, broadcasts.get(s, broadcast_id), now=now)
    with app.db.session() as s, pytest.raises(BroadcastError):
        broadcasts.retry_failed(s, config, OPERATOR, broadcasts.get(s, broadcast_id), now=now)
    assert RETRY_REFUSED[language] in says(app, channel, "900", f"/retry {broadcast_id}")
    monkeypatch.setenv("DATABASE_URL", app.db.url)
    typed = ["broadcast", "--retry", str(broadcast_id), "--lang", language, "--no-wait"]
    printed = CliRunner().invoke(cli, typed)
    assert printed.exit_code != 0 and RETRY_REFUSED[language] in printed.output, printed.output
    with app.db.session() as s:
        assert s.get(OutboundMessage, failed_id).status == OutboxStatus.FAILED
        pending = s.exec(
            select(OutboundMessage).where(OutboundMessage.status == OutboxStatus.PENDING)
        )
        assert not [row for row in pending if row.broadcast_id == broadcast_id]


def test_an_announcement_gone_out_to_everyone_cannot_be_cancelled(bot, clock):
    app, channel = bot
    programme_of(app, clock)
    config, now = app.engine.config, clock.now()
    with app.db.session() as s:
        draft = broadcasts.draft(s, config, OPERATOR, audience=Audience(), texts=TEXTS, now=now)
        broadcasts.send(s, config, OPERATOR, draft, now=now)
        broadcast_id = draft.id
    deliver(app, clock)
    with app.db.session() as s, pytest.raises(BroadcastError) as refused:
        broadcasts.cancel(s, config, OPERATOR, broadcasts.get(s, broadcast_id), now=clock.now())
    assert "nothing left to stop" in render_msg(refused.value.msg, Reader("en"))
    with app.db.session() as s:
        assert broadcasts.get(s, broadcast_id).status == "queued"


@pytest.mark.parametrize(
    ("typed", "hour"),
    [
        ("10:00", "10:00"),
        ("10h", "10:00"),
        ("10 h 30", "10:30"),  # as a coordinator in Dakar writes it
        ("18H", "18:00"),
        ("9.30", "09:30"),
        ("1030", "10:30"),
        ("3pm", "15:00"),  # as a coordinator in Canada writes it
        ("3:30 p.m.", "15:30"),
        ("12 am", "00:00"),
        ("12 PM", "12:00"),
    ],
)
def test_the_local_hour_reads_as_each_language_writes_it(typed, hour):  # type: ignore[no-untyped-def]
    assert broadcasts.parse_local_time(typed) == hour


@pytest.mark.parametrize("typed", ["25:00", "10:60", "13pm", "0 am", "hier", "10 h 3", ""])
def test_a_local_hour_that_is_none_is_refused(typed):  # type: ignore[no-untyped-def]
    with pytest.raises(BroadcastError):
        broadcasts.parse_local_time(typed)
