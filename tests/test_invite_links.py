"""A woman who opens the bot from an invitation link joins that group once her profile is ready."""

from __future__ import annotations

import asyncio

from flows.matching.service import cohorts_of, create_cohort
from flows.messages import ChannelKind, Inbound
from storage.participants import find_address
from tests.support.dialog import Person

ANSWERS = ["1", "1", "Carmen", "1 Sucre", "Dulces Carmen 1", "2", "1", "2 / 4", "1", "1"]


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
