"""The coordinators' short review in chat: match a cohort, see the pairs, publish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.app import App, build
from flows.matching import service
from storage.pairs import Pair, PairStatus
from tests.support.dialog import Person
from tests.support.pairing import add_woman, cohort_of_four, drain

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _coordinator_ana(settings, db, clock, recorder, *first_words: str) -> tuple[App, Person]:  # type: ignore[no-untyped-def]
    """The app at NOW with Ana as a coordinator, after her first words (language, consent, name)."""
    clock.set(NOW)
    app = build(
        settings.model_copy(update={"coordinators": ["console:ana"]}),
        channels=[recorder],
        clock=clock,
        db=db,
    )
    ana = Person(app, "ana")
    for text in first_words:
        ana.says(text)
    return app, ana


def test_a_coordinator_reviews_and_publishes_in_chat(settings, db, clock, recorder):
    app, ana = _coordinator_ana(settings, db, clock, recorder, "hi", "3", "1", "Ana")
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
    app, ana = _coordinator_ana(settings, db, clock, recorder, "hola", "1", "1", "Ana")
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


@pytest.mark.parametrize(
    ("setup", "cohort_asked", "not_sent", "her_question"),
    [
        (("hola", "1", "1", "Ana"), "¿Qué grupo", "No se envió nada.", "¿En qué país"),
        (("salut", "2", "1", "Ana"), "Quel groupe", "Rien n'a été envoyé.", "Dans quel pays"),
        (("hi", "3", "1", "Ana"), "Which group", "Nothing was sent.", "Which country"),
    ],
)
def test_match_typed_again_at_its_own_question_goes_back_to_hers(
    settings, db, clock, recorder, setup, cohort_asked, not_sent, her_question
):
    """ "/match", then "/match PILOTE26" at its own "which group?": once she answers "not now",
    she is back at the question she left before (her profile), not asked "which group?" again."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, *setup)
    with db.session() as session:
        cohort_of_four(session, NOW)
    ana.says("/match")
    ana.expect(cohort_asked)
    ana.says("/match pilote26")
    ana.says("2")  # not now
    ana.expect(not_sent, her_question)
    assert cohort_asked not in ana.text


@pytest.mark.parametrize(
    ("locale", "setup", "asked", "summary"),
    [
        ("en", ("hi", "3", "1", "Ana"), "Pilote 2026 (5 women)", "1 woman left out"),
        ("es", ("hola", "1", "1", "Ana"), "Pilote 2026 (5 mujeres)", "1 mujer sin compañera"),
        ("fr", ("salut", "2", "1", "Ana"), "Pilote 2026 (5 femmes)", "1 femme sans binôme"),
    ],
)
def test_one_woman_is_counted_in_the_singular(
    settings, db, clock, recorder, locale, setup, asked, summary
):  # type: ignore[no-untyped-def]
    _app, ana = _coordinator_ana(settings, db, clock, recorder, *setup)
    with db.session() as session:
        cohort, _women = cohort_of_four(session, NOW)
        fifth = add_woman(session, "awa", NOW, address="mariama", name="Mariama")
        service.add_member(session, cohort, fifth.id or 0, now=NOW)
        small = service.create_cohort(
            session, "Taller", modes=service.parse_modes("north_south"), code="TALLER1", now=NOW
        )
        sixth = add_woman(session, "carmen", NOW, address="lidia", name="Lidia")
        service.add_member(session, small, sixth.id or 0, now=NOW)
    ana.says("/match")
    one = {"en": "Taller (1 woman)", "es": "Taller (1 mujer)", "fr": "Taller (1 femme)"}[locale]
    ana.expect(asked, one)
    ana.says("/match Pilote 2026")
    ana.expect(summary)
