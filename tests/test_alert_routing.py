"""Safeguarding alerts reach the coordinators who may act on the woman, and only them: her
country's or cohort's coordinators and the unscoped ones, never a viewer, never another country's.
A coordinator's work reaches her whatever her consent as a participant, and the woman who
reported is told the truth when nobody could be alerted. Every alert (a pair gone quiet and a new
match asked too) is kept, and listed in the consoles of the coordinators it concerns only."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from bot import console as console_routes
from bot.server import create_app
from flows import console_auth, console_views, reports
from flows.alerts import alert_coordinators
from flows.coordination import Actor, remove
from flows.messages import Msg
from flows.nudges import PAIR_QUIET, plan_ladder
from flows.scope import EVERYONE, scope_of
from storage import coordination as store
from storage.checkins import ProblemReport
from storage.meetings import Meeting, MeetingStatus
from storage.models import OutboundMessage, Participant
from storage.pairs import Cohort, CohortMember, Pair
from tests.support import console as support
from tests.support import programme as build
from tests.support.dialog import Person
from tests.support.pairing import fire
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


# A pair gone quiet and a new match asked are kept too, and listed in the console -----------


def _console_get(app, coordinator: int, url: str):  # type: ignore[no-untyped-def]
    """A console page as her browser gets it, signed in as `coordinator`."""
    server = create_app(app, console_routes.routes(app))
    token, _csrf = support.session_cookie(app, coordinator)

    async def get():  # type: ignore[no-untyped-def]
        async with support.client(server) as browser:
            browser.cookies.set("console", token, path="/console")
            return await browser.get(url)

    return asyncio.run(get())


def _in_inbox(app, coordinator: int, report: ProblemReport) -> str | None:  # type: ignore[no-untyped-def]
    """Her safeguarding inbox's row for `report`, or None when it is not listed; its own page
    answers her as the list does (found, or "not found")."""
    page = _console_get(app, coordinator, "/console/safeguarding/")
    assert page.status_code == 200
    link = f"/safeguarding/{report.id}"
    opened = _console_get(app, coordinator, f"/console{link}")
    assert opened.status_code == (200 if link in page.text else 404)
    rows = [row for row in page.text.split("<tr>") if link in row]
    return rows[0] if rows else None


def _speaks(app, coordinator: int, language: str) -> None:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        s.get(Participant, coordinator).locale = language


PAIR_GONE_QUIET = {
    "en": "pair gone quiet",
    "es": "intercambio sin sesiones",
    "fr": "binôme sans séance",
}


@pytest.mark.parametrize("language", list(PAIR_GONE_QUIET))
def test_a_pair_gone_quiet_is_kept_and_listed_for_the_coordinators_of_either_woman(app, language):  # type: ignore[no-untyped-def]
    programme = setup_pair(app, "es")  # Carmen (BO) with Emily (CA)
    bolivia = support.scoped_coordinator(app, "bo-coord", country="BO", countries=["BO"])
    canada = support.scoped_coordinator(app, "ca-coord", country="CA", countries=["CA"])
    senegal = support.scoped_coordinator(app, "sn-coord", country="SN", countries=["SN"])
    _speaks(app, bolivia, language)
    start, config = app.clock.now(), app.engine.config
    with app.db.session() as s:
        pair = s.get(Pair, programme.pair)
        plan_ladder(s, pair, anchor=start, now=start, config=config)
        assert fire(s, pair, PAIR_QUIET, start + timedelta(days=28), config)
        report = s.exec(select(ProblemReport)).one()
        s.expunge(report)
    assert (report.source, report.pair_id, report.text) == ("quiet", programme.pair, None)
    # The unscoped coordinator and those of Bolivia and Canada had it in the chat.
    assert report.coordinators_alerted == 3 and _rows_for(app, senegal) == []
    # In their consoles, with its kind in their language and both women; not in Senegal's.
    with app.db.session() as s:
        ids = [s.get(Participant, member).public_id for member in pair.members()]
    row = _in_inbox(app, bolivia, report)
    assert row is not None and PAIR_GONE_QUIET[language] in row
    assert all(public_id in row for public_id in ids)
    assert _in_inbox(app, canada, report) is not None
    assert _in_inbox(app, senegal, report) is None
    # The programme report counts the open alert among the reasons the pair needs attention.
    with app.db.session() as s:
        (risk,) = reports.at_risk(s, now=start + timedelta(days=28), scope=scope_of(s, ["CA"]))
        assert ("quiet_alert", {}) in risk.reasons


NEW_MATCH = {
    "es": ("Pedir una nueva compañera", "Pasé su pedido a la coordinación."),
    "fr": ("Demander une nouvelle partenaire", "J'ai transmis votre demande à la coordination."),
    "en": ("Ask for a new match", "I have passed your request to the coordinators."),
}
REASON = "Nuestros horarios no coinciden nunca"


@pytest.mark.parametrize("language", list(NEW_MATCH))
def test_a_new_match_asked_is_kept_and_listed_for_her_coordinators_only(app, language):  # type: ignore[no-untyped-def]
    entry, passed = NEW_MATCH[language]
    programme = setup_pair(app, language)
    mine = BY_LANGUAGE[language].country
    hers = support.scoped_coordinator(app, "her-coord", country=mine, countries=[mine])
    other = "SN" if mine != "SN" else "BO"
    elsewhere = support.scoped_coordinator(app, "other-coord", country=other, countries=[other])
    her = Person(app, BY_LANGUAGE[language].address)
    her.says("menu")
    her.says(entry)
    her.says("1")
    her.says(REASON)
    her.expect(passed)
    with app.db.session() as s:
        report = s.exec(select(ProblemReport)).one()
        s.expunge(report)
    assert (report.source, report.participant_id, report.pair_id, report.text) == (
        "new_match",
        programme.her,
        programme.pair,
        REASON,
    )
    assert report.coordinators_alerted == 2  # hers and the unscoped one
    row = _in_inbox(app, hers, report)
    assert row is not None and "asks for a new match" in row
    # Her peer's coordinator, or another country's, does not see why she left.
    assert _in_inbox(app, elsewhere, report) is None
    with app.db.session() as s:
        peer_country = s.get(Participant, programme.peer).country or ""
        assert console_views.problems(s, scope_of(s, [peer_country])) == []


def test_an_alert_nobody_could_get_is_kept_and_logs_no_name_and_no_words(app, caplog):  # type: ignore[no-untyped-def]
    programme = setup_pair(app, "es")
    _only_another_country_looks(app)
    her = Person(app, BY_LANGUAGE["es"].address)
    with caplog.at_level(logging.DEBUG):
        for text in ("menu", NEW_MATCH["es"][0], "1", REASON):
            her.says(text)
    with app.db.session() as s:
        report = s.exec(select(ProblemReport)).one()
        assert (report.source, report.coordinators_alerted) == ("new_match", 0)
        assert console_views.problems(s, EVERYONE) == [report]
        her_id = s.get(Participant, programme.her)
        personal = (REASON, her_id.name, "Nuestros horarios")
    logged = "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    assert "no coordinator reachable" in logged
    assert not any(word in logged for word in personal)


def test_a_session_held_after_a_quiet_alert_takes_the_pair_off_the_list(app):  # type: ignore[no-untyped-def]
    programme = setup_pair(app, "fr")
    start, config = app.clock.now(), app.engine.config
    alerted = start + timedelta(days=28)
    with app.db.session() as s:
        pair = s.get(Pair, programme.pair)
        plan_ladder(s, pair, anchor=start, now=start, config=config)
        assert fire(s, pair, PAIR_QUIET, alerted, config)
        assert ("quiet_alert", {}) in reports.at_risk(s, now=alerted)[0].reasons
        held = alerted + timedelta(days=2)
        s.add(
            Meeting(
                pair_id=pair.id,
                proposer_id=pair.a_id,
                proposer_zone="Africa/Dakar",
                status=MeetingStatus.HELD,
                start_at=held,
                options=[held.isoformat()],
                proposed_at=alerted,
                created_at=alerted,
                updated_at=held,
            )
        )
        s.flush()
        # The alert stays open in the inbox, but the pair met: it needs no one's attention.
        assert s.exec(select(ProblemReport)).one().source == "quiet"
        assert reports.at_risk(s, now=held + timedelta(hours=2)) == []
