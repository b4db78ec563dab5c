"""Whole onboardings through Twilio: French over WhatsApp, Spanish over SMS, digits and words.

Every message is a webhook form signed by twilio's RequestValidator, posted to the real HTTP app;
every answer goes out through the real twilio client to the local stand-in of the REST API.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.channels.twilio_text import SMS_LIMIT, WHATSAPP_LIMIT, segments, transliterate, units
from flows.messages import ChannelKind
from storage.models import ChannelAddress, Participant
from tests.support.twilio_standin import (
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


def _participant(bot: TwilioBot, channel: str, address: str) -> Participant:
    with bot.app.db.session() as session:
        link = session.exec(
            select(ChannelAddress).where(
                ChannelAddress.channel == channel, ChannelAddress.address == address
            )
        ).one()
        participant = session.get(Participant, link.participant_id)
        assert participant is not None
        return participant


def _said(answer: list[str], *fragments: str) -> None:
    text = "\n---\n".join(answer)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


def _said_sms(answer: list[str], *fragments: str) -> None:
    """`_said` for SMS, which drops accents where that saves a segment ("¿Como se llama")."""
    _said([transliterate(text) for text in answer], *map(transliterate, fragments))


@pytest.mark.parametrize("style", ["digits", "words"])
def test_french_onboarding_over_whatsapp(bot: TwilioBot, standin: TwilioStandIn, style: str):
    digits = style == "digits"
    first = bot.says(AWA, "Bonjour")
    # +221: the welcome in French alone, French offered first, and no last line in English.
    _said(first, "Bienvenue sur Entrepairs", "1. Français", "2. English", "3. Español")
    assert "Welcome" not in first[0] and not first[0].endswith("English")
    _said(bot.says(AWA, "1" if digits else "Français"), "Pour trouver votre partenaire", "1. Oui")
    _said(bot.says(AWA, "1" if digits else "oui"), "Quel est votre prénom\u00a0?")
    _said(bot.says(AWA, "Awa"), "Enchantée, Awa\u00a0!", "2. Sénégal")
    if digits:  # country and city in one answer, business and sector in one answer
        _said(bot.says(AWA, "2 Thiès"), "Comment s'appelle votre entreprise")
        _said(bot.says(AWA, "Awa Couture 2"), "Où en est")
    else:  # one thing at a time: what she leaves out is asked next
        _said(bot.says(AWA, "senegal"), "Dans quelle ville")
        _said(bot.says(AWA, "Thiès"), "Comment s'appelle votre entreprise")
        _said(bot.says(AWA, "Awa Couture"), "Dans quel secteur\u00a0?", "2. Artisanat")
        _said(bot.says(AWA, "couture"), "Où en est")
    _said(bot.says(AWA, "3" if digits else "En croissance"), "Combien de personnes")
    _said(bot.says(AWA, "2" if digits else "deux"), "Que pouvez-vous transmettre")
    if digits:
        _said(bot.says(AWA, "1 2 / 3 4"), "À part le français", "4. Wolof")
    else:
        _said(bot.says(AWA, "marketing numérique et ventes"), "Qu'aimeriez")
        _said(bot.says(AWA, "finances, export"), "À part le français", "4. Wolof")
    _said(bot.says(AWA, "4" if digits else "wolof"), "Quand pouvez-vous")
    _said(bot.says(AWA, "1 4" if digits else "samedi"), "Merci, Awa\u00a0! Votre profil est")

    awa = _participant(bot, ChannelKind.WHATSAPP, "+221771234567")
    assert (awa.name, awa.locale, awa.country, awa.region) == ("Awa", "fr", "SN", "Thiès")
    assert (awa.business_name, awa.sector, awa.stage) == ("Awa Couture", "crafts", "growing")
    assert awa.size == "small"
    assert awa.skills_offered == ["digital_marketing", "sales"]
    assert awa.skills_wanted == ["finance", "export"]
    assert awa.mentor_languages == ["fr", "wo"]
    assert awa.availability and awa.share_contact is True
    assert awa.consent_at is not None and awa.onboarded_at is not None
    # Every message went out as WhatsApp text from our sender, never a template, within limits.
    calls = standin.sent_to(AWA)
    assert calls and all(call["From"] == "whatsapp:+14155238886" for call in calls)
    assert not any(call.is_template for call in calls)
    assert all(units(call["Body"]) <= WHATSAPP_LIMIT for call in calls)


@pytest.mark.parametrize("style", ["digits", "words"])
def test_spanish_onboarding_over_sms(bot: TwilioBot, standin: TwilioStandIn, style: str):
    digits = style == "digits"

    first = bot.says(CARMEN, "Hola")
    _said_sms(first, "Bienvenida a Entrepairs", "1. Español")  # +591: Spanish offered first
    assert "Welcome" not in first[0] and not first[0].endswith("English")
    _said_sms(bot.says(CARMEN, "1" if digits else "español"), "Antes de empezar")
    _said_sms(bot.says(CARMEN, "2" if digits else "sí, sin dar mi contacto"), "¿Cuál es su nombre?")
    _said_sms(bot.says(CARMEN, "Carmen"), "¡Mucho gusto, Carmen!")
    if digits:
        _said_sms(bot.says(CARMEN, "1 El Alto"), "¿Cómo se llama su negocio")
        _said_sms(bot.says(CARMEN, "Tejidos Illimani 2"), "negocio")
    else:
        _said_sms(bot.says(CARMEN, "Bolivia"), "¿En qué ciudad")
        _said_sms(bot.says(CARMEN, "El Alto"), "¿Cómo se llama su negocio")
        _said_sms(bot.says(CARMEN, "Tejidos Illimani"), "rubro")
        _said_sms(bot.says(CARMEN, "textiles"), "negocio")
    _said_sms(bot.says(CARMEN, "1" if digits else "idea"), "personas")
    _said_sms(bot.says(CARMEN, "1" if digits else "solo yo"), "¿Qué puede enseñar")
    if digits:
        _said_sms(bot.says(CARMEN, "2 / 1 3"), "Además del español")
    else:
        _said_sms(bot.says(CARMEN, "ventas"), "aprender")
        _said_sms(bot.says(CARMEN, "marketing digital y finanzas"), "Además del español")
    _said_sms(bot.says(CARMEN, "5" if digits else "quechua"), "libre")
    _said_sms(bot.says(CARMEN, "3" if digits else "sábado"), "¡Gracias, Carmen!")

    carmen = _participant(bot, ChannelKind.SMS, CARMEN)
    assert (carmen.name, carmen.locale, carmen.country) == ("Carmen", "es", "BO")
    assert (carmen.region, carmen.business_name) == ("El Alto", "Tejidos Illimani")
    assert (carmen.sector, carmen.stage, carmen.size) == ("crafts", "idea", "solo")
    assert carmen.skills_offered == ["sales"]
    assert carmen.skills_wanted == ["digital_marketing", "finance"]
    assert carmen.mentor_languages == ["es", "qu"]
    assert carmen.share_contact is False and carmen.onboarded_at is not None
    calls = standin.sent_to(CARMEN)
    assert all(call["From"] == "+15005550006" and not call.is_template for call in calls)
    # SMS parts stay short and, written without the accents GSM-7 lacks, cheap.
    assert all(units(call["Body"]) <= SMS_LIMIT for call in calls)
    costs = [segments(call["Body"]) for call in calls[1:]]  # after the welcome
    assert all(cost == ("UCS-2", 1) for cost in costs if cost[0] == "UCS-2")  # accents if free
    assert sum(segments(call["Body"])[1] for call in calls) <= 25
