"""A session moved to a later time while her peer does not answer: until her peer accepts the
move, the session stands at its time. Its reminders still come, saying the move waits for an
answer; when its time is over, the move is closed (nothing left to move) and both are asked
how it went. Played in Spanish and English (La Paz, Toronto) and in French (Dakar, Montréal).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from flows.pulse import _plan as pulse_plan
from storage.db import Database
from storage.pairs import Pair
from tests import test_timeline as timeline
from tests.support.sessions import Member
from tests.test_timeline import (
    AWA,
    CARMEN,
    JULIE,
    SARAH,
    assert_heard,
    carmen_meets_sarah_on_thursday,
    heard,
    live,
    never_at_night,
    paired,
    propose,
)


@pytest.fixture
def db(any_db: Database) -> Database:
    """Each story on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    return any_db


# The timeline's app (its clock jumps from event to event) and its channel that notes the time.
app = timeline.app
channel = timeline.channel


def moves(member: Member, text: str) -> None:
    """She asks to move her session to `text` (menu, plan a session, move it)."""
    member.says("menu")
    member.taps("sessions")
    member.taps("move")
    member.says(text)
    member.taps("yes")


def test_a_move_unanswered_leaves_the_session_at_its_time_es_en(app, clock, channel):
    clock.set(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    carmen, sarah = paired(app, clock, ("carmen", CARMEN), ("sarah", SARAH))
    propose(sarah, "Thursday 10am", rhythm="once")  # 11:00 in La Paz
    carmen.inbox()
    carmen.says("1")
    clock.set(datetime(2027, 3, 9, 14, 0, tzinfo=UTC))  # Tuesday
    moves(sarah, "Friday 10am")
    sarah.expect("Sent! I will let you know as soon as Carmen answers.")
    since = clock.now()
    live(app, clock, datetime(2027, 3, 13, 12, 0, tzinfo=UTC))

    zones = {"carmen": CARMEN["timezone"], "sarah": SARAH["timezone"]}
    # What each reads from then on, but Sarah's own conversation moving it.
    got = [row for row in heard(channel, zones, since) if row[:2] != ("sarah", "Tue 09 Mar 09:00")]
    assert_heard(
        got,
        [
            (
                "carmen",
                "Tue 09 Mar 10:00",
                "Sarah quiere cambiar la fecha de su sesión del jueves 11",
            ),
            ("carmen", "Wed 10 Mar 11:00", "Recordatorio: su sesión con Sarah es el jueves"),
            ("sarah", "Wed 10 Mar 10:00", "Reminder: your session with Carmen is on Thursday"),
            ("carmen", "Thu 11 Mar 10:00", "Su sesión con Sarah empieza pronto"),
            ("sarah", "Thu 11 Mar 09:00", "Your session with Carmen starts soon"),
            ("sarah", "Thu 11 Mar 11:00", "The time of your session with Carmen"),
            ("carmen", "Thu 11 Mar 12:00", "La hora de su sesión con Sarah"),
            ("carmen", "Thu 11 Mar 12:30", "Una pregunta rápida sobre su sesión con Sarah"),
            ("sarah", "Thu 11 Mar 11:30", "Quick check-in about your session with Carmen"),
        ],
    )
    texts = {(r.address, r.text) for r in channel.log if r.at >= since}
    reminders = [text for who, text in texts if "11 de marzo" in text and who == "carmen"]
    assert any(
        "Sarah pidió moverla a otra hora; mientras usted no elija una, se mantiene." in text
        for text in reminders
    ), reminders
    assert any(
        "Carmen has not answered your request to move it yet, so it stays as planned." in text
        for who, text in texts
        if who == "sarah"
    )
    closed = [text for who, text in texts if "request to move it is closed" in text]
    assert closed == [
        "The time of your session with Carmen (Thursday, March 11, 10:00 a.m.) has passed "
        "before she answered, so your request to move it is closed."
    ]
    assert (
        "carmen",
        "La hora de su sesión con Sarah (jueves 11 de marzo, 11:00) ya pasó, así que su pedido "
        "de moverla queda cerrado.",
    ) in texts
    # Friday's times passing tell nobody anything: the move was closed with the session.
    assert not [text for _who, text in texts if "pasaron" in text or "have passed" in text]
    never_at_night(app, channel, zones)


def test_a_move_unanswered_leaves_the_session_at_its_time_fr(app, clock, channel):
    clock.set(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(julie, "jeudi 10h", rhythm="once")  # 15:00 in Dakar
    awa.inbox()
    awa.says("1")
    clock.set(datetime(2027, 3, 9, 14, 0, tzinfo=UTC))
    moves(awa, "vendredi 15h")
    since = clock.now()
    live(app, clock, datetime(2027, 3, 13, 12, 0, tzinfo=UTC))

    zones = {"awa": AWA["timezone"], "julie": JULIE["timezone"]}
    texts = [(r.address, r.text) for r in channel.log if r.at >= since]
    julie_reminders = [text for who, text in texts if who == "julie" and "Rappel" in text]
    assert julie_reminders and all(
        "Awa a demandé de la déplacer\u00a0; tant que vous n'avez pas choisi une nouvelle "
        "heure, elle est maintenue." in text
        for text in julie_reminders
    ), julie_reminders
    awa_reminders = [text for who, text in texts if who == "awa" and "Rappel" in text]
    assert awa_reminders and all(
        "Julie n'a pas encore répondu à votre demande de la déplacer, elle est donc maintenue."
        in text
        for text in awa_reminders
    ), awa_reminders
    assert (
        "awa",
        "L'heure de votre séance avec Julie (jeudi 11 mars, 15 h 00) est passée avant sa "
        "réponse, votre demande de la déplacer est donc close.",
    ) in texts
    assert (
        "julie",
        "L'heure de votre séance avec Awa (jeudi 11 mars, 10 h 00) est passée, sa demande de la "
        "déplacer est donc close.",
    ) in texts
    checkins = [who for who, text in texts if text.startswith("Petit bilan")]
    assert sorted(checkins) == ["awa", "julie"]
    assert not [text for _who, text in texts if "sont passés" in text]
    never_at_night(app, channel, zones)


def test_a_pulse_due_during_the_session_waits_for_its_end_for_both(app, clock, channel):
    """Sarah (Toronto) and Carmen (La Paz) meet Thursday 10:00 in Toronto (11:00 in La Paz); their
    pulse falls due half an hour in (10:30 / 11:30): each reads it when the session is over."""
    carmen_meets_sarah_on_thursday(app, clock)
    with app.db.session() as session:
        pair = session.exec(select(Pair)).one()
        pulse_plan(session, pair, datetime(2027, 3, 11, 15, 30, tzinfo=UTC), clock.now())
    since = datetime(2027, 3, 11, 15, 0, tzinfo=UTC)
    live(app, clock, datetime(2027, 3, 11, 20, 0, tzinfo=UTC))

    zones = {"carmen": CARMEN["timezone"], "sarah": SARAH["timezone"]}
    asked = sorted(
        (who, when_)
        for who, when_, line in heard(channel, zones, since)
        if line.startswith(("¿Cómo va su intercambio", "How is your exchange"))
    )
    assert asked == [("carmen", "Thu 11 Mar 12:00"), ("sarah", "Thu 11 Mar 11:00")]


def test_a_pulse_held_by_an_evening_session_then_waits_for_her_morning(app, clock, channel):
    """Julie in Vancouver meets Awa in Dakar at 12:00 / 20:00 (UTC); a pulse due half an hour in
    waits for the session's end: 13:00 for Julie, but 21:00 starts Awa's night, so her morning."""
    julie_here = {**JULIE, "timezone": "America/Vancouver"}
    clock.set(datetime(2027, 3, 8, 18, 0, tzinfo=UTC))  # 10:00 in Vancouver
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", julie_here))
    propose(julie, "jeudi 12h", rhythm="once")  # 20:00 in Dakar
    awa.inbox()
    awa.says("1")
    with app.db.session() as session:
        pair = session.exec(select(Pair)).one()
        pulse_plan(session, pair, datetime(2027, 3, 11, 20, 30, tzinfo=UTC), clock.now())
    since = datetime(2027, 3, 11, 20, 0, tzinfo=UTC)
    live(app, clock, datetime(2027, 3, 12, 12, 0, tzinfo=UTC))

    zones = {"awa": AWA["timezone"], "julie": julie_here["timezone"]}
    asked = sorted(
        (who, when_)
        for who, when_, line in heard(channel, zones, since)
        if line.startswith(("Comment se passe votre échange", "How is your exchange"))
    )
    assert asked == [("awa", "Fri 12 Mar 08:00"), ("julie", "Thu 11 Mar 13:00")]
    never_at_night(app, channel, zones)


def test_a_move_to_later_the_same_hour_lapses_into_the_session_not_off(app, clock, channel):
    """Julie (Montréal) moves their 10:00 session to 10:30 the same day; Awa (Dakar) does not
    answer. At 10:30 the move's only time passes while the session is under way: the session
    is not called off ("the times proposed have passed"), its end closes the move, and both
    are asked how it went."""
    clock.set(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(julie, "jeudi 10h", rhythm="once")  # 15:00 in Dakar
    awa.inbox()
    awa.says("1")
    clock.set(datetime(2027, 3, 9, 14, 0, tzinfo=UTC))
    moves(julie, "jeudi 10h30")
    since = clock.now()
    live(app, clock, datetime(2027, 3, 13, 12, 0, tzinfo=UTC))

    texts = [(r.address, r.text) for r in channel.log if r.at >= since]
    assert not [text for _who, text in texts if "sont passés" in text], texts
    assert sorted(who for who, text in texts if "déplacer est donc close" in text) == [
        "awa",
        "julie",
    ]
    assert sorted(who for who, text in texts if text.startswith("Petit bilan")) == ["awa", "julie"]
