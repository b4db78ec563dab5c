"""The relationship pulse: 30 days after the pair becomes active, then every 60 days; a 1–2 or a
request for contact alerts the coordinators; both women are asked, each on her own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from flows.checkin import on_pair_activated
from storage.checkins import ProblemReport, Pulse
from storage.nudges import Nudge, NudgeStatus
from storage.pairs import Pair, PairStatus
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    COORDINATOR,
    PEER_OF,
    deliver,
    fire_due,
    inbox,
    programme_app,
    setup_pair,
)


@pytest.fixture
def app(tmp_path, db, clock, recorder):
    return programme_app(tmp_path, db, clock, recorder)


PROMPTS = {
    "es": ("¿Cómo va su intercambio con Emily?", "¿Quiere que una coordinadora del programa"),
    "fr": ("Comment se passe votre échange avec Carmen\u00a0?", "Voulez-vous qu'une coordinatrice"),
    "en": ("How is your exchange with Aminata going?", "Would you like a programme coordinator"),
}


def activate(app, language):
    programme = setup_pair(app, language)
    with app.db.session() as session:
        pair = session.get(Pair, programme.pair)
        on_pair_activated(session, pair, app.clock.now(), app.engine.config)
        active_at = pair.active_at
    return programme, active_at


def pulse_nudges(app):
    with app.db.session() as session:
        rows = session.exec(select(Nudge).where(Nudge.purpose == "pulse")).all()
        return sorted((row.due_at, row.participant_id, row.status) for row in rows)


def test_first_pulse_30_days_after_activation_then_every_60(app, clock):
    programme, active_at = activate(app, "es")
    due = pulse_nudges(app)
    assert [(when, who) for when, who, _ in due] == sorted(
        [
            (active_at + timedelta(days=30), programme.her),
            (active_at + timedelta(days=30), programme.peer),
        ]
    )
    clock.set(active_at + timedelta(days=30, hours=1))  # 16:00 in La Paz, 15:00 in Toronto
    fire_due(app)
    deliver(app)
    assert PROMPTS["es"][0] in inbox(Person(app, BY_LANGUAGE["es"].address))[-1]
    assert (
        PROMPTS["en"][0].replace("Aminata", "Carmen")
        in inbox(Person(app, PEER_OF["es"].address))[-1]
    )
    planned = [(when, who) for when, who, status in pulse_nudges(app) if status == "planned"]
    assert sorted(planned) == sorted(
        [
            (active_at + timedelta(days=90), programme.her),
            (active_at + timedelta(days=90), programme.peer),
        ]
    )


@pytest.mark.parametrize("language", list(PROMPTS))
def test_low_pulse_and_contact_request_alert_the_coordinators(app, clock, language):
    programme, active_at = activate(app, language)
    clock.set(active_at + timedelta(days=30, hours=1))
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE[language].address)
    peer = Person(app, PEER_OF[language].address)
    her.says("2")
    her.expect(PROMPTS[language][1])
    her.says("1")  # yes, contact me
    deliver(app)
    alerts = inbox(Person(app, COORDINATOR))
    assert len(alerts) == 2
    assert alerts[0].startswith("Alerte\u00a0:") and "2 sur 5" in alerts[0]
    assert "souhaite qu'une coordinatrice la contacte" in alerts[1]
    assert not any("Alert" in text for text in inbox(peer))
    with app.db.session() as session:
        pulse = session.exec(select(Pulse).where(Pulse.participant_id == programme.her)).one()
        assert (pulse.rating, pulse.wants_contact, pulse.pair_id) == (2, True, programme.pair)
        sources = [r.source for r in session.exec(select(ProblemReport)).all()]
        assert sources == ["pulse", "contact"]


def test_good_pulse_without_contact_alerts_nobody(app, clock):
    programme, active_at = activate(app, "fr")
    clock.set(active_at + timedelta(days=30, hours=1))
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE["fr"].address)
    her.says("5")
    her.says("2")
    her.expect("Merci pour votre réponse.")
    deliver(app)
    assert inbox(Person(app, COORDINATOR)) == []
    with app.db.session() as session:
        pulse = session.exec(select(Pulse).where(Pulse.participant_id == programme.her)).one()
        assert (pulse.rating, pulse.wants_contact) == (5, False)


def test_paused_pair_skips_the_pulse_but_keeps_the_rhythm_and_ended_pair_stops(app, clock):
    programme, active_at = activate(app, "en")
    with app.db.session() as session:
        pair = session.get(Pair, programme.pair)
        pair.status = PairStatus.PAUSED
        session.add(pair)
    clock.set(active_at + timedelta(days=30, hours=1))
    fire_due(app)
    statuses = [s for _, _, s in pulse_nudges(app)]
    assert statuses.count(NudgeStatus.DROPPED) == 2  # nobody asked while paused
    assert statuses.count(NudgeStatus.PLANNED) == 2  # the next ones, 60 days on
    with app.db.session() as session:
        pair = session.get(Pair, programme.pair)
        pair.status = PairStatus.ENDED
        session.add(pair)
    clock.set(active_at + timedelta(days=90, hours=1))
    fire_due(app)
    assert not any("How is your exchange" in t for t in inbox(Person(app, "emily")))
    assert [s for _, _, s in pulse_nudges(app)].count(NudgeStatus.PLANNED) == 0
