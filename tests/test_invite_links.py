"""A woman who opens the bot from an invitation link joins that group once her profile is ready."""

from __future__ import annotations

import asyncio

import pytest

from flows.matching.service import cohorts_of, create_cohort
from flows.messages import ChannelKind, Inbound
from storage.participants import find_address
from tests.support.dialog import Person

ANSWERS = [
    "1",
    "1",
    "Carmen",
    "1",
    "Sucre",
    "Dulces Carmen",
    "1",
    "2",
    "1",
    "2",
    "4",
    "1",
    "1",
    "1",
    "1",
]


def test_a_deep_link_code_joins_her_group_after_onboarding(app, db, clock):
    with db.session() as session:
        create_cohort(
            session, "Pilote 2026", modes=["north_south"], code="PILOTE26", now=clock.now()
        )
    app.engine.handle(
        Inbound(ChannelKind.CONSOLE, "carmen", "/start", platform_key="0", invite_code="PILOTE26")
    )
    asyncio.run(app.delivery.drain())
    carmen = Person(app, "carmen")
    for answer in ANSWERS:
        carmen.says(answer)
    carmen.expect("¡Gracias, Carmen!", "Pilote 2026")
    with db.session() as session:
        link = find_address(session, channel="console", address="carmen")
        assert [c.name for c in cohorts_of(session, link.participant_id)] == ["Pilote 2026"]


def test_an_unknown_link_code_falls_back_to_asking(app, db, clock):
    with db.session() as session:
        create_cohort(
            session, "Pilote 2026", modes=["north_south"], code="PILOTE26", now=clock.now()
        )
    app.engine.handle(
        Inbound(ChannelKind.CONSOLE, "awa", "/start", platform_key="0", invite_code="NOPE")
    )
    awa = Person(app, "awa")
    for answer in ANSWERS:
        awa.says(answer)
    awa.expect("¿El programa le dio un código de grupo?")


def _pilot(db, clock) -> None:
    with db.session() as session:
        create_cohort(
            session, "Pilote 2026", modes=["north_south"], code="PILOTE26", now=clock.now()
        )


def _groups(db, address: str) -> list[str]:
    with db.session() as session:
        link = find_address(session, channel="console", address=address)
        return [c.name for c in cohorts_of(session, link.participant_id)]


def test_a_code_typed_as_her_first_message_joins_her_group_after_onboarding(app, db, clock):
    _pilot(db, clock)
    carmen = Person(app, "carmen")
    carmen.says("Pilote 26")  # from a flyer, before anything else
    carmen.expect("1. Español")
    for answer in ANSWERS:
        carmen.says(answer)
    carmen.expect("¡Gracias, Carmen!", "Pilote 2026")
    assert _groups(db, "carmen") == ["Pilote 2026"]


def test_a_code_typed_at_the_after_onboarding_question_with_a_space(app, db, clock):
    _pilot(db, clock)
    awa = Person(app, "awa")
    for answer in ["hola", *ANSWERS]:
        awa.says(answer)
    awa.expect("¿El programa le dio un código de grupo?")
    awa.says("pilote 26")
    awa.expect("Pilote 2026")
    assert _groups(db, "awa") == ["Pilote 2026"]


@pytest.mark.parametrize(
    ("language", "typed", "joined"),
    [
        ("1", "PILOTE26", "¡Bienvenida al grupo Pilote 2026!"),
        ("2", "Pilote 26", "Bienvenue dans le groupe Pilote 2026"),
        ("3", "code: pilote-26", "Welcome to the group Pilote 2026!"),
    ],
)
def test_a_code_typed_any_time_later_joins_her_group(app, db, clock, language, typed, joined):
    answers = ["hi", language, *ANSWERS[1:]]  # no group exists yet: no code asked
    emily = Person(app, f"emily-{language}")
    for answer in answers:
        emily.says(answer)
    _pilot(db, clock)
    emily.says(typed)
    emily.expect(joined)
    assert _groups(db, f"emily-{language}") == ["Pilote 2026"]
