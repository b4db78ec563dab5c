"""What waits for her morning is still true when it goes out.

A note to a woman at night waits for the end of her quiet hours. When her peer changes the same
thing again before then (new times, a move taken back, a cancellation, a pause), only the latest
note goes out in her morning: the ones it made wrong are dropped unsent.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
French or English). Each case is played at the hour when the one who writes is awake and the
one who reads is asleep.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from sqlmodel import select

from flows.messages import Msg
from flows.nudges import dispatch_due, scan_pairs
from flows.proactive import about_session, notify
from storage.meetings import MeetingStatus
from storage.models import OutboundMessage, Participant
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE, Member, add_woman
from tests.test_sessions_conversations import meeting, pair_of, propose


class Case(NamedTuple):
    writer: tuple[str, dict]  # the one who writes (address, profile)
    reader: tuple[str, dict]  # the one asleep
    evening: datetime  # evening for the writer, night for the reader (UTC)
    morning: datetime  # the reader's morning (UTC)
    times: tuple[str, str]  # the first times typed, then the other ones
    words: dict[str, str]  # what the reader reads (`unread`: the writer)


CASES = {
    "es": Case(
        ("julie", JULIE),
        ("carmen", CARMEN),
        datetime(2026, 3, 3, 1, 30, tzinfo=UTC),  # 20:30 in Montréal, 21:30 in La Paz
        datetime(2026, 3, 3, 12, 1, tzinfo=UTC),  # 08:01 in La Paz
        ("jeudi 15h", "vendredi 16h"),
        {
            "asked": "Julie propone una sesión. ¿Qué horario le conviene? (su hora local)",
            "first": "jueves 5 de marzo, 16:00",
            "second": "viernes 6 de marzo, 17:00",
            "confirmed": "¡Confirmado! Su sesión con Julie: viernes 6 de marzo, 17:00 (su hora).",
            "moved": "Julie quiere cambiar la fecha",
            "kept": "Julie mantiene su sesión",
            "cancelled": "Julie canceló su sesión (jueves 5 de marzo, 16:00).",
            "withdrew": "Julie retiró su propuesta de sesión.",
            "menu": "¿Qué desea hacer?",
            "closed": "Esta propuesta ya no está abierta.",
            # What the writer reads when she withdraws it unseen.
            "unread": "C'est fait, votre proposition est retirée. Carmen ne l'avait pas encore lue",
        },
    ),
    "fr": Case(
        ("carmen", CARMEN),
        ("awa", AWA_FR),
        datetime(2026, 3, 2, 22, 0, tzinfo=UTC),  # 18:00 in La Paz, 22:00 in Dakar
        datetime(2026, 3, 3, 8, 1, tzinfo=UTC),  # 08:01 in Dakar
        ("jueves 15h", "viernes 16h"),
        {
            "asked": "Carmen propose une séance. Quel horaire vous convient\u00a0? "
            "(votre heure locale)",
            "first": "jeudi 5 mars, 19 h 00",
            "second": "vendredi 6 mars, 20 h 00",
            "confirmed": "C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: "
            "vendredi 6 mars, 20 h 00",
            "moved": "Carmen souhaite déplacer votre séance",
            "kept": "Carmen garde votre séance",
            "cancelled": "Carmen a annulé votre séance (jeudi 5 mars, 19 h 00).",
            "withdrew": "Carmen a retiré sa proposition de séance.",
            "menu": "Que souhaitez-vous faire\u00a0?",
            "closed": "Cette proposition n'est plus ouverte.",
            "unread": "Listo, su propuesta fue retirada. Awa aún no la había leído",
        },
    ),
    "en": Case(
        ("julie", JULIE),
        ("awa", AWA),
        datetime(2026, 3, 2, 22, 0, tzinfo=UTC),  # 17:00 in Montréal, 22:00 in Dakar
        datetime(2026, 3, 3, 8, 1, tzinfo=UTC),
        ("jeudi 15h", "vendredi 16h"),
        {
            "asked": "Julie proposes a session. Which time suits you? (your local time)",
            "first": "Thursday, March 5, 8:00 p.m.",
            "second": "Friday, March 6, 9:00 p.m.",
            "confirmed": "Confirmed! Your session with Julie: Friday, March 6, 9:00 p.m.",
            "moved": "Julie would like to move your session",
            "kept": "Julie keeps your session",
            "cancelled": "Julie cancelled your session (Thursday, March 5, 8:00 p.m.).",
            "withdrew": "Julie withdrew her proposal for a session.",
            "menu": "What would you like to do?",
            "closed": "This proposal is no longer open.",
            "unread": "C'est fait, votre proposition est retirée. Awa ne l'avait pas encore lue",
        },
    ),
}


def propose_other_times(member: Member, text: str) -> None:
    """She is waiting for an answer and proposes other times instead."""
    member.says("menu")
    member.taps("sessions")
    member.taps("other")
    member.says(text)
    member.taps("yes")


def proposed_in_her_night(app, clock, case: Case) -> tuple[Member, Member]:  # type: ignore[no-untyped-def]
    """The writer proposes her first times in the evening, while the reader sleeps."""
    clock.set(case.evening)
    she, peer = pair_of(app, clock, case.writer, case.reader)
    propose(she, case.times[0])
    return she, peer


def manage(member: Member, *keys: str) -> None:
    """Her confirmed or proposed session, from the menu, then the options `keys`."""
    member.says("menu")
    member.taps("sessions")
    for key in keys:
        member.taps(key)


@pytest.mark.parametrize("lang", sorted(CASES))
def test_new_times_proposed_in_her_night_replace_the_first_ones(app, clock, lang):
    """She wakes to the times proposed last, once, and the first tap agrees on one of them."""
    case = CASES[lang]
    words = case.words
    she, peer = proposed_in_her_night(app, clock, case)
    assert peer.inbox() == ""  # asleep: held for her morning
    propose_other_times(she, case.times[1])
    assert peer.inbox() == ""

    clock.set(case.morning)
    received = peer.inbox()
    assert received.count(words["asked"]) == 1, received
    assert words["second"] in received and words["first"] not in received, received
    peer.says("1")
    peer.expect(words["confirmed"])
    assert meeting(app).status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_session_moved_kept_then_cancelled_in_her_night_reaches_her_as_cancelled(
    app, clock, lang
):
    """Moved, the move taken back, then cancelled, all while she sleeps: she wakes to the
    cancellation alone, not to a new time, nor to "she keeps it as planned"."""
    case = CASES[lang]
    she, peer = pair_of(app, clock, case.writer, case.reader)
    propose(she, case.times[0])  # Monday afternoon: both awake, the session agreed at once
    peer.inbox()
    peer.says("1")
    she.inbox()

    clock.set(case.evening)
    manage(she, "move")
    she.says(case.times[1])
    she.taps("yes")
    manage(she, "withdraw")  # she takes the move back: the session stays as it was
    manage(she, "cancel", "yes")
    assert peer.inbox() == ""

    clock.set(case.morning)
    received = peer.inbox()
    words = case.words
    assert words["cancelled"] in received, received
    assert "\n---\n" not in received, received  # that one message alone
    assert words["moved"] not in received and words["kept"] not in received, received


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_proposal_withdrawn_before_she_saw_it_never_reaches_her(app, clock, lang):
    """Proposed and withdrawn while she sleeps: she wakes to neither the proposal nor "she
    withdrew a proposal" about something she never saw (both dropped unsent), and the writer
    is told so; nor is the reader's first word read as the answer to it."""
    case = CASES[lang]
    she, peer = proposed_in_her_night(app, clock, case)
    manage(she, "withdraw")
    she.expect(case.words["unread"])

    clock.set(case.morning)
    words = case.words
    assert peer.inbox() == ""
    with app.db.session() as session:
        about_it = session.exec(
            select(OutboundMessage.status, OutboundMessage.error_code).where(
                OutboundMessage.address == case.reader[0]
            )
        ).all()
    assert about_it == [("skipped", "superseded")]  # the question she never saw
    peer.says("1")
    assert words["closed"] not in peer.text
    peer.expect(words["menu"])


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_proposal_she_read_in_her_night_is_withdrawn_to_her(app, clock, lang):
    """Up late, she writes: the proposal held for her morning is asked then, so she has read
    it. Withdrawn afterwards, she wakes to the withdrawal."""
    case = CASES[lang]
    she, peer = proposed_in_her_night(app, clock, case)
    peer.says("?")
    peer.expect(case.words["asked"])
    manage(she, "withdraw")
    assert case.words["unread"] not in she.text

    clock.set(case.morning)
    assert peer.inbox() == case.words["withdrew"]


def test_a_reminder_held_for_her_night_is_dropped_when_the_session_is_cancelled(app, clock):
    """Back after downtime at 21:30 in Dakar, the dispatcher fires Awa's reminder of her
    Thursday session: it waits for her morning. Carmen, awake in La Paz, cancels the session
    meanwhile: Awa wakes to the cancellation only, never to a reminder of a session that is off."""
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA_FR))
    propose(carmen, "jueves 15h")  # Thursday 19:00 in Dakar
    awa.inbox()
    awa.says("1")
    carmen.inbox()

    clock.set(datetime(2026, 3, 4, 21, 30, tzinfo=UTC))  # the 24 h reminders were due at 19:00
    dispatch_due(app.db, clock.now(), app.engine.config)
    assert "Recordatorio" in carmen.inbox()  # 17:30 in La Paz: she has hers at once
    assert awa.inbox() == ""  # held for 08:00 in Dakar
    manage(carmen, "cancel", "yes")
    carmen.expect("la sesión está cancelada")

    clock.set(datetime(2026, 3, 5, 8, 1, tzinfo=UTC))
    received = awa.inbox()
    assert "Rappel" not in received, received
    assert "Carmen a annulé votre séance (jeudi 5 mars, 19 h 00)." in received


def test_a_pair_paused_in_her_night_drops_the_proposal_waiting_for_her(app, clock):
    """Julie proposes a session in Carmen's night, then pauses the pair: Carmen wakes to the
    pause only, not to a proposal she could no longer answer; and her first word is not taken
    as an answer to that proposal she never saw."""
    julie, carmen = proposed_in_her_night(app, clock, CASES["es"])
    julie.says("menu")
    julie.taps("pair_pause")
    julie.taps("yes")
    julie.expect("Votre binôme avec Carmen est en pause.")

    clock.set(CASES["es"].morning)
    received = carmen.inbox()
    assert "Julie pausó su intercambio por ahora." in received, received
    assert "propone una sesión" not in received, received
    assert "La propuesta de horarios" not in received, received  # withdrawn before she saw it
    carmen.says("1")
    assert "no tiene compañera" not in carmen.text  # read as a time picked, she had no peer
    carmen.expect("¿Qué desea hacer?", "Mi intercambio en pausa")


def test_a_nudge_to_plan_a_session_held_for_her_night_is_dropped_when_the_pair_is_paused(
    app, clock
):
    """A week without a session: back after downtime at 22:00 in Dakar, the dispatcher fires
    the "shall we find a time?" nudges. Awa's waits for her morning; Carmen, awake in La Paz,
    pauses the pair meanwhile: Awa wakes to the pause only."""
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA_FR))
    with app.db.session() as session:
        scan_pairs(session, now=clock.now(), config=app.engine.config)

    clock.set(datetime(2026, 3, 9, 22, 0, tzinfo=UTC))  # the day-7 nudges were due at 15:00
    dispatch_due(app.db, clock.now(), app.engine.config)
    assert "Ya pasaron 7 días" in carmen.inbox()
    assert awa.inbox() == ""
    carmen.says("menu")
    carmen.taps("pair_pause")
    carmen.taps("yes")

    clock.set(datetime(2026, 3, 10, 8, 1, tzinfo=UTC))
    received = awa.inbox()
    assert "Cela fait 7 jours" not in received, received
    assert "Carmen a mis votre binôme en pause" in received, received


def _note(app, woman: int, text: str, about) -> int:  # type: ignore[no-untyped-def]
    """A note to her about a session, as the flows queue it; its outbox row."""
    with app.db.session() as session:
        her = session.get(Participant, woman)
        config = app.engine.config
        (row,) = notify(
            session, her, [Msg(text)], now=app.clock.now(), config=config, purpose="s", about=about
        )
        session.flush()
        return row.id


def _statuses(app) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with app.db.session() as session:
        return {row.id: row.status for row in session.exec(select(OutboundMessage))}


def test_a_reminder_replaces_nothing_but_a_newer_word_replaces_it(app, clock):
    """A reminder says nothing new: it leaves waiting what was news ("Carmen accepted"); a
    cancellation then replaces both."""
    clock.set(datetime(2026, 3, 2, 22, 0, tzinfo=UTC))  # night in Dakar
    awa = add_woman(app.db, "awa", AWA_FR, now=clock.now())
    accepted = _note(app, awa, "accepted", about_session(4, 9))
    reminder = _note(app, awa, "reminder", about_session(4, 9, replaces=False))
    assert _statuses(app) == {accepted: "pending", reminder: "pending"}
    cancelled = _note(app, awa, "cancelled", about_session(4, 9))
    assert _statuses(app) == {accepted: "skipped", reminder: "skipped", cancelled: "pending"}
