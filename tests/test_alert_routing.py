"""Safeguarding alerts reach the coordinators who may act on the woman, and only them: her
country's or cohort's coordinators and the unscoped ones, never a viewer, never another country's.
A coordinator's work reaches her whatever her consent as a participant, and the woman who
reported is told the truth when nobody could be alerted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from flows import console_auth, console_views
from flows.alerts import alert_coordinators
from flows.coordination import Actor, remove
from flows.messages import Msg
from flows.scope import EVERYONE
from storage import coordination as store
from storage.checkins import ProblemReport
from storage.models import OutboundMessage, Participant
from storage.pairs import Cohort, CohortMember, Pair
from tests.support import console as support
from tests.support import programme as build
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    COORDINATOR,
    deliver,
    fire_due,
    inbox,
    programme_app,
    setup_pair,
)
from tests.test_pulse import activate

SECRET = "Ella me pidió dinero prestado y ya no contesta"


@pytest.fixture
def app(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    return programme_app(tmp_path, db, clock, recorder)


def _viewer(app, address: str) -> int:  # type: ignore[no-untyped-def]
    """An unscoped viewer: she reads the console, names and contacts hidden."""
    with app.db.session() as s:
        person = build.woman(s, address, now=app.clock.now(), country="CA", locale="en")
        s.add(
            store.Coordinator(
                participant_id=person.id,
                added_by="operator:test",
                added_at=app.clock.now(),
                role="viewer",
            )
        )
        return person.id or 0


def _other_cohort_coordinator(app, address: str) -> int:  # type: ignore[no-untyped-def]
    """A coordinator scoped to a cohort Carmen is not in (a Bolivian woman of it is)."""
    now = app.clock.now()
    with app.db.session() as s:
        other = build.woman(s, f"{address}-member", now=now, country="BO")
        group = Cohort(name="Otra cohorte", invite_code="OTRA", created_at=now)
        s.add(group)
        s.flush()
        s.add(CohortMember(cohort_id=group.id or 0, participant_id=other.id or 0, joined_at=now))
        group_id = group.id or 0
    return support.scoped_coordinator(app, address, country="BO", cohorts=[group_id])


def _holders(app, text: str) -> set[int]:  # type: ignore[no-untyped-def]
    """Who has an outbox row carrying `text`."""
    with app.db.session() as s:
        rows = s.exec(select(OutboundMessage)).all()
        return {row.participant_id for row in rows if text in str(row.payload)}


def _only_another_country_looks(app) -> None:  # type: ignore[no-untyped-def]
    """The settings' unscoped coordinator is removed; one for Côte d'Ivoire only is left."""
    with app.db.session() as s:
        config, now = app.engine.config, app.clock.now()
        remove(s, config, Actor.operator("t"), f"console:{COORDINATOR}", now=now)
    support.scoped_coordinator(app, "ci-coord", country="CI", countries=["CI"])


def _rows_for(app, participant_id: int) -> list[OutboundMessage]:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        rows = list(
            s.exec(select(OutboundMessage).where(OutboundMessage.participant_id == participant_id))
        )
        s.expunge_all()
        return rows


def test_a_bolivian_report_reaches_bolivia_and_the_unscoped_coordinators_only(app):  # type: ignore[no-untyped-def]
    programme = setup_pair(app, "es")  # Carmen (BO) with Emily (CA); "coord" is unscoped
    bolivia = support.scoped_coordinator(app, "bo-coord", country="BO", countries=["BO"])
    senegal = support.scoped_coordinator(app, "sn-coord", country="SN", countries=["SN"])
    canada = support.scoped_coordinator(app, "ca-coord", country="CA", countries=["CA"])
    cohort = _other_cohort_coordinator(app, "cohort-coord")
    viewer = _viewer(app, "viewer")

    her = Person(app, BY_LANGUAGE["es"].address)
    her.says("REPORTAR")
    her.says(SECRET)
    her.expect("Gracias por contarnos.", "la contactará pronto")
    deliver(app)

    # Her words, her name and her contact went to the Bolivian and the unscoped coordinators.
    assert _holders(app, SECRET) == {programme.coordinator, bolivia}
    assert SECRET in inbox(Person(app, "bo-coord"))[0]
    assert SECRET in inbox(Person(app, COORDINATOR))[0]
    # Her peer's country does not make it Canada's: the report is hers (as in the console).
    for elsewhere in (senegal, canada, cohort):
        assert _rows_for(app, elsewhere) == []
    # The viewer gets nothing at all: no name, no contact, no text, not even a count.
    assert _rows_for(app, viewer) == []
    assert inbox(Person(app, "viewer")) == []
    with app.db.session() as s:
        assert s.exec(select(ProblemReport)).one().coordinators_alerted == 2


def test_a_pair_alert_reaches_the_coordinators_of_either_woman(app):  # type: ignore[no-untyped-def]
    programme = setup_pair(app, "es")  # a Bolivia–Canada pair
    bolivia = support.scoped_coordinator(app, "bo-coord", country="BO", countries=["BO"])
    canada = support.scoped_coordinator(app, "ca-coord", country="CA", countries=["CA"])
    senegal = support.scoped_coordinator(app, "sn-coord", country="SN", countries=["SN"])
    viewer = _viewer(app, "viewer")
    with app.db.session() as s:
        pair = s.get(Pair, programme.pair)
        sent = alert_coordinators(
            s,
            Msg("Pair {pair} needs a hand", {"pair": programme.pair}),
            about=pair.members(),
            now=app.clock.now(),
            config=app.engine.config,
            purpose="pair_connect",
        )
    assert sent == 3
    assert _holders(app, "needs a hand") == {programme.coordinator, bolivia, canada}
    assert _rows_for(app, senegal) == [] and _rows_for(app, viewer) == []


def test_a_coordinator_who_never_consented_as_a_participant_still_gets_the_alert(app):  # type: ignore[no-untyped-def]
    programme = setup_pair(app, "fr")
    with app.db.session() as s:
        coordinator = s.get(Participant, programme.coordinator)
        coordinator.consent_at = None
        coordinator.onboarded_at = None
        s.add(coordinator)
    her = Person(app, BY_LANGUAGE["fr"].address)
    her.says("signaler")
    her.says("Je ne me sens pas respectée")
    her.expect("l'une d'elles vous contactera bientôt")
    deliver(app)
    alerts = inbox(Person(app, COORDINATOR))
    assert len(alerts) == 1 and "Je ne me sens pas respectée" in alerts[0]
    with app.db.session() as s:
        assert s.exec(select(ProblemReport)).one().coordinators_alerted == 1


def test_a_coordinator_who_wrote_stop_gets_no_alert(app):  # type: ignore[no-untyped-def]
    """She was told "no more messages": alerts keep that; her sign-in code does not (below)."""
    programme = setup_pair(app, "en")
    with app.db.session() as s:
        coordinator = s.get(Participant, programme.coordinator)
        coordinator.opted_out_at = app.clock.now() - timedelta(days=1)
        s.add(coordinator)
    her = Person(app, BY_LANGUAGE["en"].address)
    her.says("report")
    her.says("Something is wrong")
    her.expect("Your message is saved for the programme team only.")
    deliver(app)
    assert inbox(Person(app, COORDINATOR)) == []


@pytest.fixture
def console(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    return support.make_app(tmp_path, db, clock, recorder)


@pytest.mark.parametrize("state", ["no_consent", "stopped"])
def test_a_coordinator_gets_her_sign_in_code_whatever_her_consent_or_stop(console, state):  # type: ignore[no-untyped-def]
    app, _server, ids = console
    with app.db.session() as s:
        amina = s.get(Participant, ids["amina"])
        if state == "no_consent":
            amina.consent_at = None
        else:
            amina.opted_out_at = app.clock.now() - timedelta(days=1)
        s.add(amina)
    with app.db.session() as s:
        assert console_auth.request_code(
            s, app.settings.flow_config(), "amina", "nonce", now=app.clock.now()
        )
    code = support.last_code(app)
    deliver(app)
    assert any(code in text for text in inbox(Person(app, "amina")))


# Nobody reachable: she is told her words are saved, not that someone will contact her ---------

SAVED = {
    "es": ("Gracias por contarnos.", "quedó guardado", "contactará"),
    "fr": ("Merci de nous l'avoir dit.", "est gardé", "contactera"),
    "en": ("Thank you for telling us.", "is saved for the programme team", "will contact"),
}


@pytest.mark.parametrize("language", list(SAVED))
def test_with_nobody_to_alert_the_reply_promises_no_contact(app, language):  # type: ignore[no-untyped-def]
    thanks, saved, promise = SAVED[language]
    programme = setup_pair(app, language)
    _only_another_country_looks(app)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says({"es": "REPORTAR", "fr": "SIGNALER", "en": "REPORT"}[language])
    her.says(SECRET)
    her.expect(thanks, saved)
    assert promise not in her.text
    deliver(app)
    assert inbox(Person(app, COORDINATOR)) == [] and inbox(Person(app, "ci-coord")) == []
    # Kept, and listed in the console's safeguarding inbox, for an unscoped coordinator.
    with app.db.session() as s:
        listed = console_views.problems(s, EVERYONE)
        assert [(r.participant_id, r.text, r.coordinators_alerted) for r in listed] == [
            (programme.her, SECRET, 0)
        ]


CONTACT_SAVED = {
    "es": ("Su pedido quedó guardado", "contactará"),
    "fr": ("Votre demande est gardée", "contactera"),
}


@pytest.mark.parametrize("language", list(CONTACT_SAVED))
def test_a_contact_request_nobody_could_get_promises_no_contact(app, clock, language):  # type: ignore[no-untyped-def]
    saved, promise = CONTACT_SAVED[language]
    programme, active_at = activate(app, language)
    _only_another_country_looks(app)
    clock.set(active_at + timedelta(days=30, hours=1))
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says("4")
    her.says("1")  # yes, contact me
    her.expect(saved)
    assert promise not in her.text
    with app.db.session() as s:
        assert [r.source for r in s.exec(select(ProblemReport))] == ["contact"]
