"""Reporting a problem: a global word in each language, at any step; her message reaches the
coordinators at once (in their language), she is thanked, her peer sees nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from flows.keywords import Keyword, recognise
from storage import conversations
from storage.checkins import ProblemReport
from storage.models import OutboundMessage
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    COORDINATOR,
    PEER_OF,
    deliver,
    inbox,
    option_number,
    outbox_for,
    programme_app,
    setup_pair,
)


@pytest.fixture
def app(tmp_path, db, clock, recorder):
    return programme_app(tmp_path, db, clock, recorder)


@dataclass(frozen=True)
class Script:
    word: str
    prompt: str
    ack: str
    cancelled: str
    menu_label: str
    peer_name: str


SCRIPTS = {
    "es": Script(
        "REPORTAR",
        "Solo lo leerán las coordinadoras del programa: Emily no lo verá.",
        "Gracias por contarnos.",
        "no se envió nada",
        "Reportar un problema",
        "Emily",
    ),
    "fr": Script(
        "signaler",
        "Seules les coordinatrices du programme le liront\u00a0: Carmen ne le verra pas.",
        "Merci de nous l'avoir dit.",
        "rien n'a été envoyé",
        "Signaler un problème",
        "Carmen",
    ),
    "en": Script(
        "Report a problem",
        "Only the programme coordinators will read it: Aminata will not see it.",
        "Thank you for telling us.",
        "nothing was sent",
        "Report a problem",
        "Aminata",
    ),
}
SECRET = "Ella me pidió dinero prestado y ya no contesta"


def test_the_word_is_global_in_every_language():
    for word in ("report", "REPORTAR", "problema", "signaler", "Problème !", "report a problem") + (
        "Tengo un problema",
        "J'ai un problème",
        "I have a problem",
    ):
        assert recognise(word) is Keyword.REPORT, word


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_report_reaches_the_coordinator_and_not_the_peer(app, language):
    s = SCRIPTS[language]
    programme = setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    peer = Person(app, PEER_OF[language].address)
    before_peer = len(outbox_for(app, programme.peer))

    her.says(s.word)
    her.expect(s.prompt)
    her.says(SECRET)
    her.expect(s.ack)
    deliver(app)

    # The coordinator (French-speaking) has it at once, in her language, with who and which pair.
    alerts = inbox(Person(app, COORDINATOR))
    assert len(alerts) == 1
    assert alerts[0].startswith(f"Problème signalé par {BY_LANGUAGE[language].name}")
    assert SECRET in alerts[0] and f"binôme {programme.pair}" in alerts[0]
    # Her peer received nothing at all: no outbox row, no message.
    assert len(outbox_for(app, programme.peer)) == before_peer
    assert not any(SECRET in text for text in inbox(peer))
    with app.db.session() as session:
        rows = session.exec(select(OutboundMessage)).all()
        holders = {row.participant_id for row in rows if SECRET in str(row.payload)}
        assert holders == {programme.coordinator}
        report = session.exec(select(ProblemReport)).one()
        assert (report.participant_id, report.pair_id, report.cohort_id) == (
            programme.her,
            programme.pair,
            programme.cohort,
        )
        assert report.source == "report" and report.text == SECRET
        assert report.coordinators_alerted == 1


LONG_REPORT = {
    "es": "Desde hace un mes mi compañera me pide dinero prestado en cada llamada. " * 16,
    "fr": "Depuis un mois ma partenaire me demande de l'argent à chaque appel, j'ai peur. " * 15,
    "en": "For a month my peer has asked me to lend her money at every call, I am afraid. " * 15,
}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_long_report_is_kept_whole_not_refused(app, language):
    """A 1,200-character report (something painful, told at length on a phone) is not refused
    with "keep it shorter": it is kept whole for the console, and the coordinator's chat alert
    gives its beginning and says where the rest is, in one short message."""
    s = SCRIPTS[language]
    setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says(s.word)
    words = LONG_REPORT[language].strip()
    assert 1100 < len(words) < 1300
    her.says(words)
    her.expect(s.ack)
    deliver(app)
    alerts = inbox(Person(app, COORDINATOR))
    assert len(alerts) == 1 and len(alerts[0]) <= 700
    assert "Son début (le message entier est dans la console, page Protection)" in alerts[0]
    assert words[:300] in alerts[0] and alerts[0].endswith("…")
    with app.db.session() as session:
        assert session.exec(select(ProblemReport)).one().text == words


MEDIA_THANKS = {
    "es": "Gracias. Solo puedo leer texto, así que le pedí a una coordinadora que la contacte.",
    "fr": "Merci. Je ne peux lire que du texte, j'ai donc demandé à une coordinatrice de vous",
    "en": "Thank you. I can only read text, so I asked a coordinator to contact you.",
}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_voice_note_as_a_report_alerts_the_coordinators(app, language):
    """A woman who cannot write it sends a voice note to report a problem: the coordinators
    are told to contact her (once within the hour), she is told so, and may still write it."""
    s = SCRIPTS[language]
    setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says(s.word)
    her.says("", kind="media")
    her.expect(MEDIA_THANKS[language])
    her.says("", kind="media")  # a second one: no second alert
    deliver(app)
    alerts = inbox(Person(app, COORDINATOR))
    assert len(alerts) == 1
    assert "a envoyé un message vocal ou une photo pour signaler un problème" in alerts[0]
    assert alerts[0].startswith(BY_LANGUAGE[language].name)
    her.says(SECRET)  # the question still waits for her words
    her.expect(s.ack)
    with app.db.session() as session:
        reports = session.exec(select(ProblemReport).order_by(ProblemReport.id)).all()  # type: ignore[arg-type]
        assert [(r.source, r.text) for r in reports] == [("report", None), ("report", SECRET)]


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_the_word_written_twice_does_not_ask_again_after_the_report(app, language):
    """REPORT sent twice (the first answer was slow to come): once her words are sent she is
    thanked and back at rest, not asked to write the problem again (whose "0" would then say
    "nothing was sent" about a report that was)."""
    s = SCRIPTS[language]
    programme = setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says(s.word)
    her.says(s.word)
    her.expect(s.prompt)
    her.says(SECRET)
    her.expect(s.ack)
    assert s.prompt not in her.text
    with app.db.session() as session:
        state = conversations.load(session, programme.her)
        assert (state.flow, state.step) == ("home", "idle")


def test_report_from_the_middle_of_a_question_goes_back_to_it(app):
    programme = setup_pair(app, "fr")
    with app.db.session() as session:
        conversations.save(
            session,
            participant_id=programme.her,
            flow="onboarding",
            step="summary",
            data={},
            offered=[],
            now=app.clock.now(),
        )
    her = Person(app, BY_LANGUAGE["fr"].address)
    her.says("problème")
    her.says("Je ne me sens pas respectée pendant les séances")
    her.expect("Merci de nous l'avoir dit.", "Votre profil")
    with app.db.session() as session:
        state = conversations.load(session, programme.her)
        assert (state.flow, state.step) == ("onboarding", "summary")


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_report_from_the_menu_and_cancel(app, language):
    s = SCRIPTS[language]
    setup_pair(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    her.says({"es": "menú", "fr": "menu", "en": "menu"}[language])
    her.says(option_number(her.text, s.menu_label))
    her.expect(s.prompt)
    her.says("0")
    her.expect(s.cancelled)
    deliver(app)
    assert inbox(Person(app, COORDINATOR)) == []
    with app.db.session() as session:
        assert session.exec(select(ProblemReport)).all() == []


def test_report_is_kept_even_when_no_coordinator_can_be_reached(app):
    programme = setup_pair(app, "en")
    with app.db.session() as session:
        from storage.models import ChannelAddress

        link = session.exec(
            select(ChannelAddress).where(ChannelAddress.address == COORDINATOR)
        ).one()
        session.delete(link)
    her = Person(app, BY_LANGUAGE["en"].address)
    her.says("report")
    her.says("Something is wrong")
    her.expect("Thank you for telling us.")
    with app.db.session() as session:
        report = session.exec(select(ProblemReport)).one()
        assert report.coordinators_alerted == 0 and report.participant_id == programme.her
