"""A broadcast to a mixed audience through the real platform clients and the local stand-ins:
three languages, Telegram + WhatsApp + SMS, some opted out, some outside the WhatsApp window.
Each eligible woman gets the right text (or the announcement template) exactly once; nobody
else gets anything."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from bot.app import build
from bot.channels.telegram import TelegramChannel
from bot.channels.twilio import twilio_channels
from bot.channels.twilio_text import gsm_typography
from flows import broadcasts
from flows.broadcasts import Audience
from flows.coordination import Actor
from storage.models import OutboundMessage, OutboxStatus
from tests.support import programme
from tests.support.telegram_standin import standin_server
from tests.support.twilio_standin import TEMPLATES, running_standin, twilio_settings

TEXTS = {"es": "Feria el sábado", "fr": "Foire samedi", "en": "Fair on Saturday"}
HEADERS = {
    "es": "Mensaje del equipo de Entrepairs:\n\n",
    "fr": "Message de l'équipe Entrepairs\u00a0:\n\n",
    "en": "Message from the Entrepairs team:\n\n",
}
ANNOUNCEMENT_TEMPLATES = {"es": "HX" + "b" * 32, "fr": "HX" + "c" * 32, "en": "HX" + "d" * 32}
LANG = {"BO": "es", "SN": "fr", "CA": "en"}


def test_mixed_audience_gets_the_right_text_or_template_exactly_once(tmp_path, db, clock):
    asyncio.run(_scenario(tmp_path, db, clock))


async def _scenario(tmp_path, db, clock) -> None:
    now = clock.now()
    eligible: dict[tuple[str, str], str] = {}  # (channel, address) → what she should get
    with db.session() as s:
        n = 0
        for country in ("BO", "SN", "CA"):
            for channel in ("telegram", "whatsapp", "sms"):
                n += 1
                address = str(5000 + n) if channel == "telegram" else f"+1555000{n:04d}"
                programme.woman(s, address, now=now, channel=channel, country=country)
                eligible[(channel, address)] = "text"
                if channel == "whatsapp":  # a second WhatsApp woman, silent for three days
                    n += 1
                    late = f"+1555000{n:04d}"
                    programme.woman(
                        s,
                        late,
                        now=now,
                        channel=channel,
                        country=country,
                        last_inbound_at=now - timedelta(days=3),
                    )
                    eligible[(channel, late)] = "template"
                # One who stopped messages on each channel and country: nothing for her.
                n += 1
                stopped = str(5000 + n) if channel == "telegram" else f"+1555000{n:04d}"
                programme.woman(
                    s, stopped, now=now, channel=channel, country=country, opted_out=True
                )
        languages = {link_address: LANG[country] for link_address, country in _countries(s).items()}
    with standin_server() as telegram, running_standin() as twilio:
        settings = twilio_settings(
            twilio,
            f"sqlite:///{tmp_path / 'unused.db'}",
            twilio_templates={**TEMPLATES, "broadcast": ANNOUNCEMENT_TEMPLATES},
        )
        tg = TelegramChannel(
            telegram.token, api_base_url=telegram.base_url, rate=1000.0, per_chat_interval=0.001
        )
        phone = twilio_channels(settings)
        app = build(settings, channels=[tg, *phone], clock=clock, db=db)
        for channel in phone:
            channel.bind(app)
        tg.attach(app)
        await tg.bot.initialize()
        try:
            with db.session() as s:
                draft = broadcasts.draft(
                    s,
                    app.engine.config,
                    Actor.operator("t"),
                    audience=Audience(),
                    texts=TEXTS,
                    now=now,
                )
                queued = broadcasts.send(s, app.engine.config, Actor.operator("t"), draft, now=now)
                broadcast_id = draft.id
            assert queued == len(eligible) == 12
            for _ in range(150):  # 2.5 hours: past 08:00 in Vancouver, SMS paced 1/s
                await app.delivery.drain()
                clock.advance(minutes=1)
            await app.delivery.drain()
        finally:
            await tg.stop()

        got: Counter[tuple[str, str]] = Counter()
        for call in telegram.calls_to("sendMessage", ok=True):
            address = str(call.params["chat_id"])
            lang = languages[address]
            assert call.params["text"] == HEADERS[lang] + TEXTS[lang]
            got[("telegram", address)] += 1
        for call in twilio.accepted:
            to = call["To"]
            channel = "whatsapp" if to.startswith("whatsapp:") else "sms"
            address = to.removeprefix("whatsapp:")
            lang = languages[address]
            if eligible.get((channel, address)) == "template":
                assert call.is_template and call["ContentSid"] == ANNOUNCEMENT_TEMPLATES[lang]
                assert "Body" not in call.fields
            else:
                assert not call.is_template
                sent = HEADERS[lang] + TEXTS[lang]
                if channel == "sms":  # SMS writes the no-break space as a plain one (GSM-7)
                    sent = gsm_typography(sent)
                assert call["Body"] == sent
            got[(channel, address)] += 1
        assert got == Counter(dict.fromkeys(eligible, 1))  # each exactly once, nobody else
        assert twilio.rejected_429 == 0

    with db.session() as s:
        held = s.exec(
            select(OutboundMessage).where(OutboundMessage.status == OutboxStatus.HELD)
        ).all()
        assert {row.address for row in held} == {
            address for (_c, address), kind in eligible.items() if kind == "template"
        }
        report = broadcasts.delivery_report(s, broadcasts.get(s, broadcast_id), now=clock.now())
    assert (report.sent, report.waiting, report.skipped, report.queued) == (9, 3, 9, 0)
    assert report.total == 21


def _countries(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from storage.models import ChannelAddress, Participant

    return {
        link.address: person.country
        for link, person in session.exec(
            select(ChannelAddress, Participant).where(
                ChannelAddress.participant_id == Participant.id
            )
        )
    }
