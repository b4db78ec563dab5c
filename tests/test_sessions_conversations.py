"""Planning sessions as conversations between two women in different zones and languages.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, UTC−4 from 8 March 2026, French),
Awa in Dakar (UTC, English or French). The clock starts on Monday 2 March 2026, 15:00 UTC. Every
time a woman reads is checked exactly as her phone shows it, in her own zone and language.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.app import App
from flows import registry, triggers
from flows.clock import FakeClock
from flows.nudges import dispatch_due
from storage.meetings import Meeting, MeetingStatus
from storage.nudges import Nudge, NudgeStatus
from tests.support.sessions import (
    AWA,
    AWA_FR,
    CARMEN,
    JULIE,
    Member,
    active_pair,
    add_woman,
    outbox_for,
)


@pytest.fixture
def checkins(monkeypatch: pytest.MonkeyPatch) -> list[Nudge]:
    """A stand-in for the check-in feature's handler: records each check-in nudge it fires."""
    fired: list[Nudge] = []
    registry.flows()  # load every feature first, so the stand-in is not overwritten later

    def record(firing: triggers.Firing) -> bool:
        fired.append(firing.nudge)
        return True

    monkeypatch.setitem(triggers._HANDLERS, "checkin", record)
    return fired


def pair_of(app: App, clock: FakeClock, first: tuple, second: tuple) -> tuple[Member, Member]:
    (address_a, profile_a), (address_b, profile_b) = first, second
    a = add_woman(app.db, address_a, profile_a, now=clock.now())
    b = add_woman(app.db, address_b, profile_b, now=clock.now())
    active_pair(app.db, a, b, now=clock.now())
    return Member(app, address_a), Member(app, address_b)


def run_until(app: App, clock: FakeClock, until: datetime, step=timedelta(minutes=30)) -> None:
    """Move the clock in steps, dispatching due nudges as the scheduler would."""
    while clock.now() < until:
        clock.advance(min(step, until - clock.now()))
        dispatch_due(app.db, clock.now(), app.engine.config)


def meeting(app: App) -> Meeting:
    with app.db.session() as session:
        found = session.exec(select(Meeting).order_by(Meeting.id.desc())).first()  # type: ignore[union-attr]
        assert found is not None
        return found


def propose(
    member: Member,
    text: str,
    *,
    mode: str = "video",
    place: str | None = "later",
    rhythm: str | None = "once",
) -> None:
    member.says("menu")
    member.taps("sessions")
    member.says(text)
    member.taps("yes")  # the time read back to her is right
    if mode:
        member.taps(mode)
    if place == "later":
        member.taps("later")
    elif place:
        member.says(place)
    if rhythm:
        member.taps(rhythm)


def test_carmen_proposes_in_spanish_julie_accepts_in_french(app, clock, checkins):
    carmen, julie = pair_of(app, clock, ("carmen", CARMEN), ("julie", JULIE))
    carmen.says("menu")
    carmen.expect("Planificar una sesión")
    carmen.taps("sessions")
    carmen.expect("¿Cuándo le gustaría reunirse con Julie?", "p. ej. jueves 15h, mañana 10:00")
    carmen.says("jueves 15h")
    carmen.expect("Entendí: jueves 5 de marzo, 15:00\n¿Es correcto?", "1. Sí, es correcto")
    carmen.says("1")
    carmen.expect("¿Cómo le gustaría reunirse?", "1. Videollamada")
    carmen.taps("video")
    carmen.says("https://meet.example/carmen-julie")
    carmen.expect("¿Le gustaría reunirse con regularidad?", "1. Cada semana")
    carmen.taps("once")
    carmen.expect("¡Enviado! Le avisaré apenas Julie responda.")

    # Julie reads Carmen's 15:00 in La Paz as 14:00 in Montréal (UTC−5 until 8 March).
    asked = julie.inbox()
    assert "Carmen propose une séance. Quel horaire vous convient\u00a0? (votre heure" in asked
    assert "Comment\u00a0: Appel vidéo" in asked
    assert "Lien ou lieu\u00a0: https://meet.example/carmen-julie" in asked
    assert "1. jeudi 5 mars, 14 h 00" in asked
    assert "2. Aucun\u00a0: proposer d'autres horaires" in asked

    julie.says("1")
    julie.expect(
        "C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: jeudi 5 mars, 14 h 00 (votre heure)."
    )
    told = carmen.inbox()
    assert "¡Julie aceptó! Su sesión: jueves 5 de marzo, 15:00 (su hora)." in told
    assert "Enlace o lugar: https://meet.example/carmen-julie" in told
    agreed = meeting(app)
    assert agreed.status == MeetingStatus.CONFIRMED
    assert agreed.start_at == datetime(2026, 3, 5, 19, 0, tzinfo=UTC)
    assert agreed.local_start == "2026-03-05T15:00"

    # Reminders, each in her language and zone, 24 h and 1 h before; then the check-in for both.
    run_until(app, clock, datetime(2026, 3, 4, 19, 0, tzinfo=UTC))
    assert (
        "Recordatorio: su sesión con Julie es el jueves 5 de marzo, 15:00 (su hora)."
        in carmen.inbox()
    )
    assert (
        "Rappel\u00a0: votre séance avec Carmen est le jeudi 5 mars, 14 h 00 (votre heure)."
        in julie.inbox()
    )
    run_until(app, clock, datetime(2026, 3, 5, 18, 0, tzinfo=UTC))
    soon = "Su sesión con Julie empieza pronto: jueves 5 de marzo, 15:00 (su hora)."
    assert soon in carmen.inbox()
    assert (
        "Votre séance avec Carmen commence bientôt\u00a0: jeudi 5 mars, 14 h 00 (votre heure)."
        in julie.inbox()
    )
    run_until(app, clock, datetime(2026, 3, 5, 21, 0, tzinfo=UTC))
    assert sorted(n.participant_id for n in checkins) == sorted(
        {agreed.proposer_id, *[p for p in _members(app) if p != agreed.proposer_id]}
    )
    assert meeting(app).status == MeetingStatus.HELD


def _members(app: App) -> list[int]:
    from storage.pairs import Pair

    with app.db.session() as session:
        pair = session.exec(select(Pair)).first()
        assert pair is not None
        return [pair.a_id, pair.b_id]


def test_awa_in_english_counter_proposal_from_julie(app, clock, checkins):
    awa, julie = pair_of(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(awa, "Tue 9am", mode="phone", place=None)
    awa.expect("Sent! I will let you know as soon as Julie answers.")
    asked = julie.inbox()
    assert "Comment\u00a0: Appel téléphonique" in asked
    assert "1. mardi 3 mars, 4 h 00" in asked  # 09:00 in Dakar is 04:00 in Montréal

    julie.taps("other")
    julie.expect("Quels horaires vous conviendraient mieux\u00a0?")
    julie.says("jeudi 10h ou vendredi 11h30")
    julie.expect(
        "J'ai compris\u00a0:\n• jeudi 5 mars, 10 h 00\n• vendredi 6 mars, 11 h 30\n"
        "C'est bien ça\u00a0?"
    )
    julie.says("oui")
    julie.expect("C'est envoyé\u00a0! Je vous préviens dès la réponse de votre partenaire, Awa.")
    asked = awa.inbox()
    assert "Julie proposes other times. Which one suits you? (your local time)" in asked
    assert "1. Thursday, March 5, 3:00 p.m." in asked
    assert "2. Friday, March 6, 4:30 p.m." in asked

    awa.says("2")
    awa.expect("Confirmed! Your session with Julie: Friday, March 6, 4:30 p.m. (your time).")
    accepted = "Awa a accepté\u00a0! Votre séance\u00a0: vendredi 6 mars, 11 h 30 (votre heure)."
    assert accepted in julie.inbox()
    agreed = meeting(app)
    assert agreed.version == 2 and agreed.local_start == "2026-03-06T11:30"


def test_reschedule_old_reminders_never_fire_new_ones_do(app, clock, checkins):
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA_FR))
    propose(carmen, "miércoles 10:00")
    awa.inbox()
    awa.says("1")
    awa.expect(
        "C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: mercredi 4 mars, 14 h 00 (votre"
    )
    carmen.inbox()
    first = meeting(app)

    # The next day Awa moves it to Friday; Carmen picks the new time.
    run_until(app, clock, datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
    carmen.inbox()
    awa.says("menu")
    awa.taps("sessions")
    awa.expect("Votre prochaine séance avec Carmen\u00a0: mercredi 4 mars, 14 h 00 (votre heure).")
    awa.taps("move")
    awa.expect("À quand voulez-vous déplacer votre séance avec Carmen\u00a0?")
    awa.says("vendredi 15h")
    awa.expect("J'ai compris\u00a0: vendredi 6 mars, 15 h 00\nC'est bien ça\u00a0?")
    awa.taps("yes")
    asked = carmen.inbox()
    assert "Awa quiere cambiar la fecha de su sesión del miércoles 4 de marzo, 10:00." in asked
    assert "1. viernes 6 de marzo, 11:00" in asked
    carmen.says("1")
    carmen.expect("¡Confirmado! Su sesión con Awa: viernes 6 de marzo, 11:00 (su hora).")
    accepted = "Carmen a accepté\u00a0! Votre séance\u00a0: vendredi 6 mars, 15 h 00 (votre heure"
    assert accepted in awa.inbox()

    with app.db.session() as session:
        rows = session.exec(select(Nudge).where(Nudge.meeting_id == first.id)).all()
        stale = [n for n in rows if n.purpose == "reminder" and n.data["version"] == first.version]
        assert len(stale) == 4 and all(n.status == NudgeStatus.CANCELLED for n in stale)

    run_until(app, clock, datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
    reminders_c = [m.payload for m in outbox_for(app.db, first.proposer_id, "reminder")]
    text = str(reminders_c)
    assert "miércoles 4 de marzo" not in text and "mercredi 4 mars" not in text
    awa_text = awa.inbox()
    carmen_text = carmen.inbox()
    assert (
        "Rappel\u00a0: votre séance avec Carmen est le vendredi 6 mars, 15 h 00 (votre" in awa_text
    )
    reminder = "Recordatorio: su sesión con Awa es el viernes 6 de marzo, 11:00 (su hora)."
    assert reminder in carmen_text
    assert "mercredi 4 mars" not in awa_text and "miércoles 4 de marzo" not in carmen_text
    assert awa_text.count("Rappel") == 1 and awa_text.count("commence bientôt") == 1
    assert carmen_text.count("Recordatorio") == 1 and carmen_text.count("empieza pronto") == 1


def test_cancel_tells_the_other_and_no_reminder_fires(app, clock, checkins):
    julie, awa = pair_of(app, clock, ("julie", JULIE), ("awa", AWA))
    propose(julie, "demain 10h")
    awa.inbox()
    awa.says("1")
    awa.expect("Confirmed! Your session with Julie: Tuesday, March 3, 3:00 p.m. (your time).")
    julie.inbox()

    julie.says("menu")
    julie.taps("sessions")
    julie.taps("cancel")
    julie.expect("Annuler votre séance du mardi 3 mars, 10 h 00 avec Awa\u00a0?")
    julie.taps("yes")
    julie.expect("C'est fait, la séance est annulée. J'ai prévenu Awa.")
    assert (
        "Julie cancelled your session (Tuesday, March 3, 3:00 p.m.). "
        "You can plan a new one from the menu." in awa.inbox()
    )
    run_until(app, clock, datetime(2026, 3, 4, 0, 0, tzinfo=UTC))
    assert "Reminder" not in awa.inbox()
    assert "Rappel" not in julie.inbox()
    assert checkins == []
    assert meeting(app).status == MeetingStatus.CANCELLED


def test_time_not_understood_is_asked_again_kindly(app, clock):
    carmen, julie = pair_of(app, clock, ("carmen", CARMEN), ("julie", JULIE))
    carmen.says("menu")
    carmen.taps("sessions")
    carmen.says("cuando pueda")
    carmen.expect("Disculpe, no entendí ese horario. Escriba un día y una hora")
    carmen.says("hoy 9:00")  # already past in La Paz (11:00)
    carmen.expect("ya pasó. Elija un horario futuro")
    carmen.says("lunes 9h, martes 9h, miércoles 9h, jueves 9h")
    carmen.expect("Por favor, proponga 3 horarios como máximo.")
    julie.says("menu")
    julie.taps("sessions")
    julie.says("n'importe quand")
    julie.expect(
        "Désolée, je n'ai pas compris cette date. Écrivez un jour et une heure, par ex. jeudi 15h"
    )


def test_suggested_slots_where_both_are_free_each_in_her_own_time(app, clock):
    c = add_woman(app.db, "carmen", CARMEN, now=clock.now(), availability=["wd_morning"])
    j = add_woman(app.db, "julie", JULIE, now=clock.now(), availability=["wd_morning"])
    active_pair(app.db, c, j, now=clock.now())
    carmen, julie = Member(app, "carmen"), Member(app, "julie")
    carmen.says("menu")
    carmen.taps("sessions")
    # Carmen's mornings 8–12 (UTC−4) meet Julie's 8–12 (UTC−5) from 09:00 La Paz time.
    carmen.expect(
        "1. martes 3 de marzo, 09:00",
        "2. miércoles 4 de marzo, 09:00",
        "3. jueves 5 de marzo, 09:00",
    )
    carmen.says("1 3")
    carmen.taps("chat")
    carmen.taps("once")
    asked = julie.inbox()
    assert "1. mardi 3 mars, 8 h 00" in asked and "2. jeudi 5 mars, 8 h 00" in asked


def test_unanswered_proposal_nudges_both_after_48_hours(app, clock):
    carmen, julie = pair_of(app, clock, ("carmen", CARMEN), ("julie", JULIE))
    propose(carmen, "viernes 15h")
    julie.inbox()
    run_until(app, clock, clock.now() + timedelta(hours=47))
    assert julie.inbox() == "" and carmen.inbox() == ""
    run_until(app, clock, clock.now() + timedelta(hours=2))
    asked = julie.inbox()
    assert "Carmen attend toujours votre réponse à sa proposition." in asked
    assert "1. vendredi 6 mars, 14 h 00" in asked
    assert "Julie todavía no respondió a su propuesta." in carmen.inbox()
    julie.says("1")
    julie.expect("C'est confirmé\u00a0!")


def test_no_session_ladder_for_both_then_the_coordinators(app, clock, settings):
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA))
    coordinator = add_woman(app.db, "coord", {**AWA, "name": "Fatou"}, now=clock.now())
    assert coordinator
    config = app.engine.config.__class__(
        **{**app.engine.config.__dict__, "coordinators": frozenset({"console:coord"})}
    )
    app.engine.config = config
    from flows.nudges import scan_pairs

    with app.db.session() as session:
        scan_pairs(session, now=clock.now(), config=config)
    coord = Member(app, "coord")

    def run(days: int) -> None:
        until = datetime(2026, 3, 2, 15, 0, tzinfo=UTC) + timedelta(days=days, hours=12)
        while clock.now() < until:
            clock.advance(hours=1)
            dispatch_due(app.db, clock.now(), config)

    run(7)
    assert "It has been 7 days since you and Carmen were introduced" in awa.inbox()
    assert "Ya pasaron 7 días desde que le presenté a Awa" in carmen.inbox()
    run(21)
    assert "21 days" in awa.inbox() and "21 días" in carmen.inbox()
    assert coord.inbox() == ""
    run(28)
    assert "has had no session for 28 days" in coord.inbox()
    assert awa.inbox() == "" and carmen.inbox() == ""


@pytest.mark.parametrize(
    ("profile", "wrong_day", "not_understood", "typed", "read_back", "again", "mode"),
    [
        (
            CARMEN,
            "jueves 13 a las 17h",  # the 13th is a Friday: asked again, never guessed
            "Disculpe, no entendí ese horario.",
            "jueves 12 a las 17h",
            "Entendí: jueves 12 de marzo, 17:00\n¿Es correcto?",
            "No hay problema, intentemos de nuevo.",
            "¿Cómo le gustaría reunirse?",
        ),
        (
            JULIE,
            "jeudi 13 à 15h",
            "Désolée, je n'ai pas compris cette date.",
            "jeudi 12 à 15h",
            "J'ai compris\u00a0: jeudi 12 mars, 15 h 00\nC'est bien ça\u00a0?",
            "Pas de souci, on recommence.",
            "Comment voulez-vous vous rencontrer\u00a0?",
        ),
        (
            AWA,
            "Thursday 13th at 5pm",
            "Sorry, I did not understand that time.",
            "Thursday 12th at 5pm",
            "I understood: Thursday, March 12, 5:00 p.m.\nIs that right?",
            "No problem, let's try again.",
            "How would you like to meet?",
        ),
    ],
)
def test_a_typed_time_is_read_back_with_the_day_she_typed(
    app, clock, profile, wrong_day, not_understood, typed, read_back, again, mode
):
    she, _peer = pair_of(app, clock, ("she", profile), ("peer", {**AWA_FR, "name": "Fatou"}))
    she.says("menu")
    she.taps("sessions")
    she.says(wrong_day)
    she.expect(not_understood)
    she.says(typed)
    she.expect(read_back, "1. ", "2. ")
    she.says("2")  # no: she writes it again
    she.expect(again, "Fatou")
    she.says(wrong_day.replace("13", "19"))  # the 19th: a Thursday too
    she.expect(read_back.replace("12", "19"))
    she.says(typed)  # instead of yes or no, she writes the time again: read back anew
    she.expect(read_back)
    she.says("1")
    she.expect(mode)
    she.taps("video")
    she.taps("later")
    she.taps("once")
    assert meeting(app).local_options == [
        "2026-03-12T17:00" if profile is not JULIE else "2026-03-12T15:00"
    ]


@pytest.mark.parametrize(
    ("proposer", "peer", "when", "skip", "no_place"),
    [
        (("carmen", CARMEN), ("julie", JULIE), "jueves 15h", "0", "Lien ou lieu"),
        (("julie", JULIE), ("awa", AWA), "jeudi 15h", "0", "Link or place"),
        (("awa", AWA), ("carmen", CARMEN), "Thursday 3pm", "0", "Enlace o lugar"),
        (("carmen", CARMEN), ("julie", JULIE), "jueves 15h", "pasar", "Lien ou lieu"),
    ],
)
def test_zero_at_the_link_or_place_skips_it_as_later_does(
    app, clock, proposer, peer, when, skip, no_place
):
    """ "0" (or a skip word) at the link or place is "Later", as at every optional question,
    never a link "0" shown to her peer."""
    first, second = pair_of(app, clock, proposer, peer)
    propose(first, when, mode="video", place=skip, rhythm="once")
    assert meeting(app).place is None
    assert no_place not in second.inbox()


@pytest.mark.parametrize(
    ("proposer", "peer", "when", "mode", "sorry", "no_place"),
    [
        (
            ("carmen", CARMEN),
            ("julie", JULIE),
            "jueves 15h",
            "video",
            "Disculpe, no entendí.",
            "Lien",
        ),
        (("julie", JULIE), ("awa", AWA), "jeudi 15h", "in_person", "Désolée, je n'ai pas", "Link"),
        (("awa", AWA), ("carmen", CARMEN), "Thursday 3pm", "video", "Sorry, I did not", "Enlace"),
    ],
)
def test_a_bare_number_at_the_link_or_place_is_asked_again_not_sent_as_a_link(
    app, clock, proposer, peer, when, mode, sorry, no_place
):
    """ "4" under the one option "Later" (she took it for the list of an earlier question) is no
    link and no place: she is asked again, and her peer never reads "Link or place: 4"."""
    first, second = pair_of(app, clock, proposer, peer)
    propose(first, when, mode=mode, place=None, rhythm=None)
    first.says("4")
    first.expect(sorry, "1. ")  # the question again, "Later" offered
    first.taps("later")
    first.taps("once")
    assert meeting(app).place is None
    proposal = second.inbox()
    assert "Carmen" in proposal or "Julie" in proposal or "Awa" in proposal
    assert no_place not in proposal
