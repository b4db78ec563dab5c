"""A pair paused with a session planned: the session is called off, both women are told, and
nothing about it (reminder, check-in) reaches them while the pair rests.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
English). The clock starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.scheduler import dispatch_round, scan_round
from flows.pair_requests import change_by_team
from storage.meetings import MeetingStatus
from storage.pairs import Pair, PairStatus
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose, run_until

CASES = [
    (
        ("carmen", CARMEN),
        ("julie", JULIE),
        "jueves 15h",
        "Su sesión del jueves 5 de marzo, 15:00 se cancelará.",
        "Su sesión del jueves 5 de marzo, 15:00 quedó cancelada.",
        "Votre séance du jeudi 5 mars, 14 h 00 est annulée.",
        ("Recordatorio", "¿se realizó?", "Rappel", "A-t-elle eu lieu"),
    ),
    (
        ("julie", JULIE),
        ("awa", AWA),
        "jeudi 14h",
        "Votre séance du jeudi 5 mars, 14 h 00 sera annulée.",
        "Votre séance du jeudi 5 mars, 14 h 00 est annulée.",
        "Your session of Thursday, March 5, 7:00 p.m. is cancelled.",
        ("Rappel", "A-t-elle eu lieu", "Reminder", "Did it take place"),
    ),
    (
        ("awa", AWA),
        ("carmen", CARMEN),
        "Thursday 7pm",
        "Your session of Thursday, March 5, 7:00 p.m. will be cancelled.",
        "Your session of Thursday, March 5, 7:00 p.m. is cancelled.",
        "Su sesión del jueves 5 de marzo, 15:00 quedó cancelada.",
        ("Reminder", "Did it take place", "Recordatorio", "¿se realizó?"),
    ),
]


@pytest.mark.parametrize(("she", "peer", "typed", "warned", "mine", "theirs", "never"), CASES)
def test_pausing_calls_off_the_planned_session_and_tells_both(
    app, clock, she, peer, typed, warned, mine, theirs, never
):
    first, second = pair_of(app, clock, she, peer)
    propose(first, typed)
    second.inbox()
    second.says("1")
    first.inbox()
    first.says("menu")
    first.taps("pair_pause")
    first.expect(warned)
    first.taps("yes")
    first.expect(mine)
    assert theirs in second.inbox()
    assert meeting(app).status == MeetingStatus.CANCELLED
    run_until(app, clock, datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    told = first.inbox() + second.inbox()
    assert not any(word in told for word in never), told


def test_a_pause_by_the_coordinators_calls_off_a_proposal_and_says_so(app, clock):
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA))
    propose(carmen, "jueves 15h")
    awa.inbox()
    with app.db.session() as session:
        pair = session.get(Pair, meeting(app).pair_id)
        change_by_team(session, pair, 0, "pause", now=clock.now(), config=app.engine.config)
    assert "La propuesta de horarios para su próxima sesión quedó retirada." in carmen.inbox()
    told = awa.inbox()
    assert "The times proposed for your next session are withdrawn." in told
    assert meeting(app).status == MeetingStatus.CANCELLED
    run_until(app, clock, datetime(2026, 3, 5, 0, 0, tzinfo=UTC))  # past the 48 hours
    assert "still waiting" not in awa.inbox()


# A month after she paused her pair (for holidays), she is asked whether to restart it.
STILL_PAUSED = {
    "es": "Su intercambio con {peer} está en pausa desde hace {days} días. ¿Quiere retomarlo",
    "fr": "Votre binôme avec {peer} est en pause depuis {days} jours. Voulez-vous le reprendre",
    "en": "Your pair with {peer} has been paused for {days} days. Would you like to restart it",
}
CONTINUE = {
    "es": "Seguir donde estaba",
    "fr": "Reprendre là où j'étais",
    "en": "Continue where I was",
}
NOT_YET = {"es": "todavía no", "fr": "pas encore", "en": "not yet"}
ASKED_AGAIN = {
    "es": "Le volveré a preguntar en un mes",
    "fr": "Je vous reposerai la question dans un mois",
    "en": "I will ask you again in a month",
}
RESTARTED = {
    "es": "{peer} retomó su intercambio.",
    "fr": "{peer} a repris votre binôme.",
    "en": "{peer} has restarted your pair.",
}


@pytest.mark.parametrize(
    ("she", "peer"),
    [
        (("carmen", CARMEN), ("julie", JULIE)),
        (("julie", JULIE), ("awa", AWA)),
        (("awa", AWA), ("carmen", CARMEN)),
    ],
)
def test_a_month_after_her_pause_she_is_asked_whether_to_restart(app, clock, she, peer):
    """Paused for her holidays, she is not left to remember it alone: a month on (in her waking
    hours) she is asked whether to restart; "not yet" asks again a month later, "yes" restarts
    the pair and her peer is told. Her peer, who cannot restart it, is never asked."""
    first, second = pair_of(app, clock, she, peer)
    mine, theirs = she[1]["locale"], peer[1]["locale"]
    paused = clock.now()
    first.says("menu")
    first.taps("pair_pause")
    first.taps("yes")
    second.inbox()
    run_until(app, clock, paused + timedelta(days=29), step=timedelta(hours=6))
    assert first.inbox() == "" and second.inbox() == ""
    run_until(app, clock, paused + timedelta(days=31), step=timedelta(hours=6))
    name = {"peer": peer[1]["name"]}
    assert STILL_PAUSED[mine].format(days=30, **name) in first.inbox()
    assert second.inbox() == ""
    first.says(NOT_YET[mine])
    first.expect(ASKED_AGAIN[mine])
    assert second.inbox() == ""
    # Her "not yet" came on day 31: asked again a month later, on day 61.
    run_until(app, clock, paused + timedelta(days=60), step=timedelta(hours=6))
    assert first.inbox() == ""
    run_until(app, clock, paused + timedelta(days=62), step=timedelta(hours=6))
    assert STILL_PAUSED[mine].format(days=61, **name) in first.inbox()
    first.says("1")
    with app.db.session() as session:
        assert session.exec(select(Pair)).one().status == PairStatus.ACTIVE
    assert RESTARTED[theirs].format(peer=she[1]["name"]) in second.inbox()


def test_a_pause_lifted_and_taken_again_is_asked_about_a_month_after_the_new_one(app, clock):
    """Paused, restarted on day 10, paused again on day 12: asked on day 42, not on day 30
    (the first pause's month), when her new pause is not 3 weeks old."""
    awa, carmen = pair_of(app, clock, ("awa", AWA), ("carmen", CARMEN))
    paused = clock.now()
    for day in (0, 10, 12):
        run_until(app, clock, paused + timedelta(days=day), step=timedelta(hours=6))
        awa.says("menu")
        awa.taps("pair_resume" if day == 10 else "pair_pause")
        if day != 10:
            awa.taps("yes")
    run_until(app, clock, paused + timedelta(days=41), step=timedelta(hours=6))
    assert "has been paused" not in awa.inbox()
    run_until(app, clock, paused + timedelta(days=43), step=timedelta(hours=6))
    assert STILL_PAUSED["en"].format(peer="Carmen", days=30) in awa.inbox()
    assert "pausa" not in carmen.inbox()


def test_a_pause_by_the_coordinators_asks_neither_woman_to_restart(app, clock):
    """Only the coordinators can lift their own pause: neither woman is asked to."""
    carmen, awa = pair_of(app, clock, ("carmen", CARMEN), ("awa", AWA))
    paused = clock.now()
    with app.db.session() as session:
        pair = session.exec(select(Pair)).one()
        change_by_team(session, pair, 0, "pause", now=clock.now(), config=app.engine.config)
    carmen.inbox()
    awa.inbox()
    run_until(app, clock, paused + timedelta(days=32), step=timedelta(hours=6))
    assert "desde hace" not in carmen.inbox()
    assert "has been paused" not in awa.inbox()


ASK_TIMES = {
    "es": "¿Cuándo le gustaría reunirse con {peer}?",
    "fr": "Quand aimeriez-vous rencontrer {peer}\u00a0?",
    "en": "When would you like to meet {peer}?",
}


def _as_the_scheduler(app, clock, until: datetime) -> None:
    """Every 6 hours up to `until`: the scan that plans pairs' ladders, then due nudges."""
    while clock.now() < until:
        clock.advance(min(timedelta(hours=6), until - clock.now()))
        scan_round(app.db, clock, app.engine.config)
        dispatch_round(app.db, clock, app.engine.config)


@pytest.mark.parametrize("by", ["her", "team"])
@pytest.mark.parametrize(
    ("she", "peer"),
    [
        (("carmen", CARMEN), ("julie", JULIE)),
        (("julie", JULIE), ("awa", AWA)),
        (("awa", AWA), ("carmen", CARMEN)),
    ],
)
def test_a_pair_restarted_after_a_long_pause_is_nudged_to_meet_again(app, clock, she, peer, by):
    """Paused on day 2, restarted on day 40 (by her, or by the coordinators): the pause is not
    a silence, so the "no session yet" count starts again from the restart, and a week later
    both women are asked when to meet; without it, all its rungs were past and none came."""
    first, second = pair_of(app, clock, she, peer)
    start = clock.now()
    _as_the_scheduler(app, clock, start + timedelta(days=2))
    first.says("menu")
    first.taps("pair_pause")
    first.taps("yes")
    _as_the_scheduler(app, clock, start + timedelta(days=40))
    if by == "her":
        first.says("menu")
        first.taps("pair_resume")
    else:
        with app.db.session() as session:
            pair = session.exec(select(Pair)).one()
            change_by_team(session, pair, 0, "resume", now=clock.now(), config=app.engine.config)
    first.inbox()
    second.inbox()
    _as_the_scheduler(app, clock, start + timedelta(days=48))
    mine, theirs = she[1]["locale"], peer[1]["locale"]
    assert ASK_TIMES[mine].format(peer=peer[1]["name"]) in first.inbox()
    assert ASK_TIMES[theirs].format(peer=she[1]["name"]) in second.inbox()


@pytest.mark.parametrize(
    ("she", "peer", "by_team"),
    [
        (("carmen", CARMEN), ("julie", JULIE), False),
        (("julie", JULIE), ("awa", AWA), True),
        (("awa", AWA), ("carmen", CARMEN), False),
        (("carmen", CARMEN), ("awa", AWA), True),
    ],
)
def test_restarted_while_the_month_question_waits_that_question_is_gone(
    app, clock, she, peer, by_team
):
    """A month on she is asked "restart it now?", and restarts from the menu (or the team does)
    instead of answering: the question no longer stands, so the menu is the active pair's
    (Plan a session, no "continue where I was" back to it) and it is never asked again."""
    first, second = pair_of(app, clock, she, peer)
    mine = she[1]["locale"]
    paused = clock.now()
    first.says("menu")
    first.taps("pair_pause")
    first.taps("yes")
    run_until(app, clock, paused + timedelta(days=31), step=timedelta(hours=6))
    asked = STILL_PAUSED[mine].split("{days}")[0].format(peer=peer[1]["name"])
    assert asked in first.inbox()
    if by_team:
        with app.db.session() as session:
            pair = session.exec(select(Pair)).one()
            change_by_team(session, pair, 0, "resume", now=clock.now(), config=app.engine.config)
            session.commit()
    else:
        first.says("menu")
        first.taps("pair_resume")
        assert asked not in first.text  # not "restart it now?" again under "restarted"
    first.inbox(), second.inbox()
    first.says("menu")
    assert CONTINUE[mine] not in first.text
    first.taps("sessions")
    first.expect(ASK_TIMES[mine].format(peer=peer[1]["name"]))
    run_until(app, clock, paused + timedelta(days=70), step=timedelta(hours=6))
    assert asked not in first.inbox()
