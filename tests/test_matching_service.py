"""Matching a stored cohort: who takes part, rules, proposals kept and replaced, joining by code."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from flows.matching import PairingMode, service
from flows.render import Reader, render_msg
from storage.pairs import Pair, PairStatus
from tests.support.dialog import Person
from tests.support.pairing import add_woman, cohort_of_four, pair_between

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _members(pairs):
    return {frozenset(p.members()) for p in pairs}


def test_proposals_store_reasons_for_coordinators_and_for_each_woman(db):
    with db.session() as session:
        cohort, women = cohort_of_four(session, NOW)
        run = service.run(session, cohort, now=NOW, actor="coordinator:test")
        pair = pair_between(session, women["emily"], women["awa"])
        assert pair.status == PairStatus.PROPOSED and pair.score > 0
        coordinator = [render_msg(m, Reader("en")) for m in service.reasons_for(pair)]
        assert coordinator[0].startswith("Emily can help Awa with finance and credit")
        # Skill labels start with a small letter mid-sentence.
        assert (
            "Awa can help Emily with leadership and teams, sustainable practices"
            in (coordinator[0])
        )
        emily = [render_msg(m, Reader("en")) for m in service.reasons_for(pair, women["emily"].id)]
        awa = [render_msg(m, Reader("fr")) for m in service.reasons_for(pair, women["awa"].id)]
        assert emily[0].startswith("You can help Awa with finance and credit")
        assert awa[0].startswith("Vous pouvez aider Emily pour le leadership et les équipes")
        assert run.paired_share == 1.0 and run.unpaired == [] and run.skipped == []


def test_rerun_replaces_unpublished_proposals_and_keeps_locked_ones(db):
    with db.session() as session:
        cohort, women = cohort_of_four(session, NOW)
        carmen, julie, emily, awa = (women[k] for k in ("carmen", "julie", "emily", "awa"))
        service.run(session, cohort, now=NOW, actor="coordinator:test")
        service.set_rule(session, cohort, carmen.id, emily.id, service.LOCK, by="c", now=NOW)
        locked_run = service.run(session, cohort, now=NOW, actor="coordinator:test")
        # Julie and Awa have no free hour in common: with the lock, both stay unpaired.
        assert _members(locked_run.pairs) == {frozenset({carmen.id, emily.id})}
        assert {u.profile.id for u in locked_run.unpaired} == {julie.id, awa.id}
        locked = pair_between(session, carmen, emily)
        assert locked.locked and service.overridden(locked) == []
        service.run(session, cohort, now=NOW, actor="coordinator:test")
        assert pair_between(session, carmen, emily).id == locked.id  # the locked one is kept
        assert [p.id for p in service.proposals(session, cohort)] == [locked.id]
        withdrawn = session.exec(select(Pair).where(Pair.status == PairStatus.WITHDRAWN)).all()
        assert len(withdrawn) == 2  # the first run's two proposals


def test_forbidden_pairs_are_not_proposed(db):
    with db.session() as session:
        cohort, women = cohort_of_four(session, NOW)
        carmen, julie, emily = (women[k] for k in ("carmen", "julie", "emily"))
        service.set_rule(session, cohort, julie.id, carmen.id, service.FORBID, by="c", now=NOW)
        run = service.run(session, cohort, now=NOW, actor="coordinator:test")
        assert _members(run.pairs) == {frozenset({emily.id, women["awa"].id})}
        reasons = {u.profile.first_name: render_msg(u.message, Reader("en")) for u in run.unpaired}
        assert "do-not-pair" in reasons["Julie"]


def test_who_cannot_take_part_is_listed_with_why(db):
    with db.session() as session:
        cohort, women = cohort_of_four(session, NOW)
        women["julie"].opted_out_at = NOW
        women["emily"].availability = []
        extra = add_woman(session, "awa", NOW, name="Khady", address="khady")
        session.get(type(extra), extra.id).onboarded_at = None
        service.add_member(session, cohort, extra.id, now=NOW)
        session.flush()
        run = service.run(session, cohort, now=NOW, actor="coordinator:test")
        why = {s.participant.name: render_msg(s.message, Reader("en")) for s in run.skipped}
        assert why == {
            "Julie": "Julie cannot be reached: she stopped messages or has no address.",
            "Emily": "Emily has not finished her profile.",
            "Khady": "Khady has not finished her profile.",
        }


def test_women_from_another_country_are_paired_only_in_open_cohorts(db):
    with db.session() as session:
        cohort, women = cohort_of_four(session, NOW, modes="north_south,south_south")
        lima = add_woman(
            session, "carmen", NOW, address="rosa", name="Rosa", country="OTHER", region="Lima",
            timezone="America/Lima", skills_offered=["sustainability", "leadership"],
            skills_wanted=["finance", "digital_tools"], sector="agrifood", stage="established",
            size="medium",
        )  # fmt: skip
        service.add_member(session, cohort, lima.id, now=NOW)
        run = service.run(session, cohort, now=NOW, actor="coordinator:test")
        assert lima.id not in {m for p in run.pairs for m in p.members()}
        assert "pairing rules" in render_msg(run.unpaired[0].message, Reader("en"))

        cohort.modes = [PairingMode.OPEN.value]
        run = service.run(session, cohort, now=NOW, actor="coordinator:test")
        assert frozenset({lima.id, women["emily"].id}) in _members(run.pairs)


def test_joining_a_cohort_by_code_after_onboarding_and_from_the_menu(app, db, clock):
    with db.session() as session:
        service.create_cohort(session, "Pilote 2026", modes=["north_south"], code="PILOTE26",
                              now=NOW)  # fmt: skip
        service.create_cohort(session, "Dakar", modes=["open"], code="DKR-1", now=NOW)
    her = Person(app, "rosa")
    for text in ("hola", "1", "1", "Rosa", "1 El Alto", "Api Rosa 1", "2", "1", "1 2 / 3 4", "1",
                 "1 2"):  # fmt: skip
        her.says(text)
    her.expect("¡Gracias, Rosa! Su perfil está listo", "¿El programa le dio un código de grupo?")
    her.says("XYZ")
    her.expect("No conozco el código XYZ")
    her.says("código pilote26")
    her.expect("¡Bienvenida al grupo Pilote 2026!")
    her.says("menú")
    her.says("Unirme a un grupo con un código")
    her.says("/start DKR-1")
    her.expect("¡Bienvenida al grupo Dakar!")
    with db.session() as session:
        rosa = session.exec(
            select(service.Participant).where(service.Participant.name == "Rosa")
        ).one()
        assert [c.name for c in service.cohorts_of(session, rosa.id)] == ["Pilote 2026", "Dakar"]
