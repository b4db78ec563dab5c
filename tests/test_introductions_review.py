"""The coordinators' short review in chat: match a cohort, see the pairs, publish."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.app import build
from storage.pairs import Pair, PairStatus
from tests.support.dialog import Person
from tests.support.pairing import cohort_of_four, drain

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def test_a_coordinator_reviews_and_publishes_in_chat(settings, db, clock, recorder):
    clock.set(NOW)
    app = build(
        settings.model_copy(update={"coordinators": ["console:ana"]}),
        channels=[recorder],
        clock=clock,
        db=db,
    )
    ana = Person(app, "ana")
    for text in ("hi", "3", "1", "Ana"):
        ana.says(text)
    with db.session() as session:
        cohort_of_four(session, NOW)

    ana.says("menu")
    ana.expect("Review matching (coordinators)")
    ana.says("Review matching")
    ana.expect("Which group do you want to match?", "1. Pilote 2026 (4 women)")
    ana.says("1")
    ana.expect(
        "Pilote 2026: 2 pairs proposed, 0 women left out.",
        "• Carmen + Julie:",
        "• Emily + Awa:",
        "Send these introductions now?",
    )
    ana.says("1")
    ana.expect("Done: 2 introductions sent.")
    drain(app)
    assert "¡Carmen, le encontré una compañera!" in recorder.by_address["carmen"][-2]
    with db.session() as session:
        pairs = session.exec(select(Pair)).all()
        assert {p.status for p in pairs} == {PairStatus.INTRODUCED}
        assert {p.ended_by for p in pairs} == {None}


def test_the_review_is_not_offered_to_participants(app, clock):
    with app.db.session() as session:
        cohort_of_four(session, NOW)
    carmen = Person(app, "carmen")
    carmen.says("hola")
    carmen.says("1")  # Español
    carmen.says("menú")
    carmen.expect("Unirme a un grupo con un código")
    assert "coordinación" not in carmen.text


def test_match_command_in_chat(settings, db, clock, recorder):
    clock.set(NOW)
    app = build(
        settings.model_copy(update={"coordinators": ["console:ana"]}),
        channels=[recorder],
        clock=clock,
        db=db,
    )
    ana = Person(app, "ana")
    for text in ("hola", "1", "1", "Ana"):
        ana.says(text)
    with db.session() as session:
        cohort_of_four(session, NOW)
    ana.says("/match Pilote 2026")
    ana.expect("Pilote 2026: 2 intercambios propuestos", "¿Enviar estas presentaciones ahora?")
    ana.says("2")
    ana.expect("No se envió nada.")
    # Anyone else typing it gets the answer any unknown word gets.
    carmen = Person(app, "carmen")
    carmen.says("hola")
    carmen.says("1")
    carmen.says("/match Pilote 2026")
    assert "intercambios propuestos" not in carmen.text
