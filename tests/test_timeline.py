"""Two pairs' lives over weeks of simulated time, across Canada's daylight-saving changes.

Carmen (Spanish, La Paz, UTC−4 all year) is paired with Sarah (English, Toronto, UTC−5, UTC−4
from 14 March 2027); Awa (French, Dakar, UTC all year) with Julie (French, Montréal). The clock
jumps from one due nudge or held message to the next, and each round runs as the scheduler does
(`bot.scheduler`: the pair scan, the dispatcher, then the delivery worker). Every message each
woman receives is recorded with the instant it reached her, so the tests check exact local
times, exact texts, and that nothing comes in her night, twice, or not at all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.app import App, build
from bot.channels.base import Outgoing
from bot.scheduler import dispatch_round, scan_round
from bot.settings import Settings
from flows.clock import FakeClock
from flows.quiet import is_quiet
from flows.timeparse import to_wall
from storage.db import Database
from storage.models import OutboundMessage, OutboxStatus
from storage.nudges import Nudge, NudgeStatus
from tests.support.recorder import RecordingChannel
from tests.support.sessions import Member, active_pair, add_woman

CARMEN = {"name": "Carmen", "locale": "es", "country": "BO", "timezone": "America/La_Paz"}
SARAH = {"name": "Sarah", "locale": "en", "country": "CA", "timezone": "America/Toronto"}
AWA = {"name": "Awa", "locale": "fr", "country": "SN", "timezone": "Africa/Dakar"}
JULIE = {"name": "Julie", "locale": "fr", "country": "CA", "timezone": "America/Toronto"}


@dataclass(frozen=True)
class Received:
    at: datetime
    address: str
    text: str


class Timed(RecordingChannel):
    """A recording channel that also notes when each message reached her."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.log: list[Received] = []

    async def send(self, message: Outgoing) -> str | None:
        sent = await super().send(message)
        text = message.rendered.as_numbered_text(message.language)
        self.log.append(Received(self.clock.now(), message.address, text))
        return sent


def _next_event(app: App, after: datetime, until: datetime) -> datetime | None:
    """The next instant a nudge falls due or a held message may go, up to `until`."""
    with app.db.session() as session:
        nudge = session.exec(
            select(Nudge.due_at)
            .where(Nudge.status == NudgeStatus.PLANNED, Nudge.due_at > after, Nudge.due_at <= until)
            .order_by(col(Nudge.due_at))
        ).first()
        held = session.exec(
            select(OutboundMessage.next_attempt_at)
            .where(
                OutboundMessage.status == OutboxStatus.PENDING,
                OutboundMessage.next_attempt_at > after,
                OutboundMessage.next_attempt_at <= until,
            )
            .order_by(col(OutboundMessage.next_attempt_at))
        ).first()
    found = [moment for moment in (nudge, held) if moment is not None]
    return min(found).replace(tzinfo=UTC) if found else None


def live(app: App, clock: FakeClock, until: datetime) -> None:
    """Jump from event to event up to `until`, each a scheduler round then a delivery round."""
    while True:
        scan_round(app.db, clock, app.engine.config)
        dispatch_round(app.db, clock, app.engine.config)
        asyncio.run(app.delivery.drain())
        moment = _next_event(app, clock.now(), until)
        if moment is None:
            break
        clock.set(moment)
    clock.set(until)
    dispatch_round(app.db, clock, app.engine.config)
    asyncio.run(app.delivery.drain())


COORDINATOR = {"name": "Ana", "locale": "en", "country": "CA", "timezone": "America/Toronto"}


@pytest.fixture
def channel(clock: FakeClock) -> Timed:
    return Timed(clock)


@pytest.fixture
def app(tmp_path: Path, db: Database, clock: FakeClock, channel: Timed) -> App:
    """The app with one coordinator (console:coord), who hears the "pair is quiet" alerts."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        coordinators=["console:coord"],
    )
    built = build(settings, channels=[channel], clock=clock, db=db)
    add_woman(db, "coord", COORDINATOR, now=clock.now())
    return built


def paired(app: App, clock: FakeClock, *women: tuple[str, dict]) -> list[Member]:
    """Two women (address, profile), paired and active since now."""
    ids = [add_woman(app.db, address, profile, now=clock.now()) for address, profile in women]
    active_pair(app.db, *ids, now=clock.now())
    return [Member(app, address) for address, _profile in women]


def says_she_lives(member: Member, *answers: str) -> None:
    """She corrects her country and city in her profile (menu, profile, correct, country)."""
    for word in ("menu", "2", "2", "2", *answers):
        member.says(word)


def carmen_meets_sarah_on_thursday(app: App, clock: FakeClock) -> Member:
    """Sarah proposes on Monday 8 March 2027 Thursday 10:00 in Toronto (11:00 in La Paz), once;
    Carmen accepts. Returns Carmen."""
    clock.set(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    carmen, sarah = paired(app, clock, ("carmen", CARMEN), ("sarah", SARAH))
    propose(sarah, "Thursday 10am", rhythm="once")
    carmen.inbox()
    carmen.says("1")
    return carmen


def propose(member: Member, text: str, *, rhythm: str = "weekly") -> None:
    member.says("menu")
    member.taps("sessions")
    member.says(text)
    member.taps("yes")
    member.taps("video")
    member.taps("later")
    member.taps(rhythm)


def local(received: Received, zone: str) -> str:
    return f"{to_wall(received.at, zone):%a %Y-%m-%d %H:%M}"


def heard(channel: Timed, zones: dict[str, str], since: datetime) -> list[tuple[str, str, str]]:
    """What each woman received from `since`: who, her local day and time, the first line."""
    return [
        (r.address, f"{to_wall(r.at, zones[r.address]):%a %d %b %H:%M}", r.text.split("\n")[0])
        for r in channel.log
        if r.at >= since and r.address in zones
    ]


def assert_heard(got: list[tuple[str, str, str]], expected: list[tuple[str, str, str]]) -> None:
    """Exactly these messages, in this order, each starting with the expected words."""
    assert len(got) == len(expected), got
    assert [
        (who, at, line[: len(start)])
        for (who, at, line), (_who, _at, start) in zip(got, expected, strict=True)
    ] == expected


# What Awa and Julie read, in French ({} her peer, then the day and time where there is one).
RAPPEL = "Rappel\u00a0: votre séance avec {} est le jeudi {} (votre heure)."
BILAN = "Petit bilan de votre séance avec {}, moins d'une minute."
BOTH_IN_MONTREAL = {"awa": "America/Toronto", "julie": JULIE["timezone"]}


def both(at: str, text: str) -> list[tuple[str, str, str]]:
    """Awa and Julie, both in Montréal, each told `text` about the other at the same hour."""
    return [("awa", at, text.format("Julie")), ("julie", at, text.format("Awa"))]


def never_at_night(app: App, channel: Timed, zones: dict[str, str]) -> None:
    config = app.engine.config
    for r in channel.log:
        if r.address in zones:
            assert not is_quiet(r.at, zones[r.address], config.quiet_start, config.quiet_end), r


ASK_TIMES = {
    "carmen": "¿Cuándo le gustaría reunirse con Sarah?",
    "sarah": "When would you like to meet Carmen?",
}
SINCE = {
    "carmen": "Ya pasaron {days} días desde su última sesión con Sarah, y no hay otra prevista.",
    "sarah": "It has been {days} days since your last session with Carmen, and no next one is",
}


def _ladder(days: int, day: str) -> list[tuple[str, str, str]]:
    """One rung of the no-session ladder: both women at 10:00, the count, the question."""
    said = [(who, f"{day} 10:00", SINCE[who].format(days=days)) for who in ("carmen", "sarah")]
    asked = [(who, f"{day} 10:00", ASK_TIMES[who]) for who in ("carmen", "sarah")]
    return said + asked


# Sarah proposes on Monday 8 March "Thursday 10am" (Toronto, UTC−5), weekly; Carmen accepts the
# first and the second (18 March, after the change on the 14th, UTC−4), then leaves the third
# unanswered. Nobody answers the check-ins. Each line: who, her local day and time, its start.
SPRING = [
    (
        "carmen",
        "Wed 10 Mar 11:00",
        "Recordatorio: su sesión con Sarah es el jueves 11 de marzo, 11:00",
    ),
    (
        "sarah",
        "Wed 10 Mar 10:00",
        "Reminder: your session with Carmen is on Thursday, March 11, 10:00",
    ),
    (
        "carmen",
        "Thu 11 Mar 10:00",
        "Su sesión con Sarah empieza pronto: jueves 11 de marzo, 11:00 (su",
    ),
    (
        "sarah",
        "Thu 11 Mar 09:00",
        "Your session with Carmen starts soon: Thursday, March 11, 10:00 a",
    ),
    (
        "carmen",
        "Thu 11 Mar 12:30",
        "Una pregunta rápida sobre su sesión con Sarah (menos de un minuto",
    ),
    (
        "sarah",
        "Thu 11 Mar 11:30",
        "Quick check-in about your session with Carmen, less than a minute",
    ),
    ("carmen", "Fri 12 Mar 11:00", "Como acordaron (cada semana), aquí está su próxima sesión."),
    (
        "sarah",
        "Fri 12 Mar 10:00",
        "As agreed (every week), I proposed your next session to Carmen (T",
    ),
    (
        "carmen",
        "Fri 12 Mar 11:00",
        "Sarah propone una sesión. ¿Qué horario le conviene? (su hora loca",
    ),
    (
        "sarah",
        "Fri 12 Mar 11:00",
        "Carmen accepted! Your session: Thursday, March 18, 10:00 a.m. (yo",
    ),
    (
        "carmen",
        "Fri 12 Mar 12:00",
        "¡Confirmado! Su sesión con Sarah: jueves 18 de marzo, 10:00 (su h",
    ),
    (
        "carmen",
        "Fri 12 Mar 12:00",
        "Una pregunta rápida sobre su sesión con Sarah (menos de un minuto",
    ),
    (
        "carmen",
        "Wed 17 Mar 10:00",
        "Recordatorio: su sesión con Sarah es el jueves 18 de marzo, 10:00",
    ),
    (
        "sarah",
        "Wed 17 Mar 10:00",
        "Reminder: your session with Carmen is on Thursday, March 18, 10:00",
    ),
    (
        "carmen",
        "Thu 18 Mar 09:00",
        "Su sesión con Sarah empieza pronto: jueves 18 de marzo, 10:00 (su",
    ),
    (
        "sarah",
        "Thu 18 Mar 09:00",
        "Your session with Carmen starts soon: Thursday, March 18, 10:00 a",
    ),
    (
        "carmen",
        "Thu 18 Mar 11:30",
        "Una pregunta rápida sobre su sesión con Sarah (menos de un minuto",
    ),
    (
        "sarah",
        "Thu 18 Mar 11:30",
        "Quick check-in about your session with Carmen, less than a minute",
    ),
    ("carmen", "Fri 19 Mar 10:00", "Como acordaron (cada semana), aquí está su próxima sesión."),
    (
        "sarah",
        "Fri 19 Mar 10:00",
        "As agreed (every week), I proposed your next session to Carmen (T",
    ),
    (
        "carmen",
        "Fri 19 Mar 10:00",
        "Sarah propone una sesión. ¿Qué horario le conviene? (su hora loca",
    ),
    ("carmen", "Sun 21 Mar 10:00", "Sarah todavía espera su respuesta a su propuesta."),
    (
        "sarah",
        "Sun 21 Mar 10:00",
        "Carmen has not answered your proposal yet. I reminded her; you ca",
    ),
    (
        "carmen",
        "Sun 21 Mar 10:00",
        "Sarah propone una sesión. ¿Qué horario le conviene? (su hora loca",
    ),
    # The third time passes unanswered: closed, both told, and the count restarts, once.
    (
        "sarah",
        "Thu 25 Mar 10:00",
        "Carmen did not answer in time, and the times you proposed have pa",
    ),
    (
        "carmen",
        "Thu 25 Mar 10:00",
        "Los horarios que Sarah propuso para una sesión ya pasaron. Para p",
    ),
    *_ladder(14, "Thu 01 Apr"),
    *_ladder(21, "Thu 08 Apr"),
    *_ladder(28, "Thu 15 Apr"),
]
# The texts whose day and time are checked in full, beyond the 65 characters above.
WHOLE = {
    "As agreed (every week), I proposed your next session to Carmen "
    "(Thursday, March 18, 10:00 a.m.).",
    "As agreed (every week), I proposed your next session to Carmen "
    "(Thursday, March 25, 10:00 a.m.).",
    "Carmen accepted! Your session: Thursday, March 18, 10:00 a.m. (your time).",
}


def test_bolivia_canada_weekly_rhythm_across_the_spring_change(app, clock, channel):
    clock.set(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    carmen, sarah = paired(app, clock, ("carmen", CARMEN), ("sarah", SARAH))
    propose(sarah, "Thursday 10am")
    sarah.expect("Sent! I will let you know as soon as Carmen answers.")
    assert "1. jueves 11 de marzo, 11:00" in carmen.inbox()  # 10:00 in Toronto, before the change
    carmen.says("1")
    carmen.expect("¡Confirmado! Su sesión con Sarah: jueves 11 de marzo, 11:00 (su hora).")
    live(app, clock, datetime(2027, 3, 12, 16, 0, tzinfo=UTC))
    carmen.says("1")  # the next of the rhythm, 10:00 in Toronto after the change: 10:00 for her
    live(app, clock, datetime(2027, 5, 3, 15, 0, tzinfo=UTC))  # eight weeks in all

    zones = {"carmen": CARMEN["timezone"], "sarah": SARAH["timezone"]}
    got = heard(channel, zones, datetime(2027, 3, 9, tzinfo=UTC))
    assert_heard(got, SPRING)
    assert {line for _who, _at, line in got} >= WHOLE
    never_at_night(app, channel, zones)
    # Four weeks after the lapse restarted the count, the coordinator hears the true count.
    alerts = [(f"{r.at:%d %b %H:%M}Z", r.text) for r in channel.log if r.address == "coord"]
    assert len(alerts) == 1 and alerts[0][0] == "22 Apr 14:00Z"
    assert "has had no session for 35 days." in alerts[0][1]  # since 18 March


def test_diaspora_woman_moving_from_dakar_to_montreal_keeps_her_reminders(app, clock, channel):
    # Monday 9 November 2026, after Montréal's fall-back (UTC−5). Julie proposes Thursday 08:00.
    clock.set(datetime(2026, 11, 9, 14, 0, tzinfo=UTC))
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(julie, "jeudi 8h", rhythm="once")
    assert "1. jeudi 12 novembre, 13 h 00" in awa.inbox()  # 08:00 in Montréal is 13:00 in Dakar
    awa.says("1")
    awa.expect("Votre séance avec Julie\u00a0: jeudi 12 novembre, 13 h 00 (votre heure).")

    # On Tuesday she moves to Montréal and says so in her profile.
    live(app, clock, datetime(2026, 11, 10, 14, 0, tzinfo=UTC))
    says_she_lives(awa, "Canada", "Québec", "4", "1")  # no family ties; her profile is right
    live(app, clock, datetime(2026, 11, 20, 15, 0, tzinfo=UTC))

    zones = BOTH_IN_MONTREAL
    got = heard(channel, zones, datetime(2026, 11, 10, 14, 1, tzinfo=UTC))
    day = RAPPEL.replace("jeudi {}", "jeudi 12 novembre, 8 h 00")
    since = "Votre dernière séance avec {} remonte à 7 jours, et aucune autre n'est prévue"
    ask = "Quand aimeriez-vous rencontrer {}\u00a0? Choisissez jusqu'à 3 de ces horaires où"
    assert_heard(
        got,
        [
            *both("Wed 11 Nov 08:00", day),
            # The hour-before reminder of an 08:00 session, the evening before: now hers too.
            *both("Wed 11 Nov 20:30", day),
            *both("Thu 12 Nov 09:30", BILAN),
            *both("Thu 19 Nov 08:00", since),
            *both("Thu 19 Nov 08:00", ask),
        ],
    )
    never_at_night(app, channel, zones)


def test_a_rhythm_she_proposed_follows_her_to_montreal_across_the_spring_change(
    app, clock, channel
):
    # Monday 1 March 2027: Awa, in Dakar, proposes Thursdays 13:00 (08:00 in Montréal), weekly.
    clock.set(datetime(2027, 3, 1, 14, 0, tzinfo=UTC))
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(awa, "jeudi 13h")
    assert "1. jeudi 4 mars, 8 h 00" in julie.inbox()
    julie.says("1")
    # The next day she moves to Montréal: both women now live there, both meet at 08:00.
    clock.set(datetime(2027, 3, 2, 14, 0, tzinfo=UTC))
    says_she_lives(awa, "Canada", "Québec", "4", "1")  # no family ties; her profile is right
    live(app, clock, datetime(2027, 3, 5, 16, 0, tzinfo=UTC))
    julie.says("1")  # Thursday 11 March, the last before the change
    live(app, clock, datetime(2027, 3, 12, 16, 0, tzinfo=UTC))
    julie.says("1")  # Thursday 18 March, after it: still 08:00 for both, not 09:00
    live(app, clock, datetime(2027, 3, 19, 16, 0, tzinfo=UTC))

    zones = BOTH_IN_MONTREAL
    got = heard(channel, zones, datetime(2027, 3, 12, 12, 0, tzinfo=UTC))
    next_ = "Comme convenu (chaque semaine), j'ai proposé votre prochaine séance à Julie ({})."
    day = RAPPEL.replace("jeudi {}", "jeudi 18 mars, 8 h 00")
    accepted = "Julie a accepté\u00a0! Votre séance\u00a0: jeudi 18 mars, 8 h 00 (votre heure)."
    assert_heard(
        got,
        [
            ("julie", "Fri 12 Mar 08:00", "Comme convenu (chaque semaine), voici votre prochaine"),
            ("awa", "Fri 12 Mar 08:00", next_.format("jeudi 18 mars, 8 h 00")),
            ("julie", "Fri 12 Mar 08:00", "Awa propose une séance."),
            ("awa", "Fri 12 Mar 11:00", accepted),
            (
                "julie",
                "Fri 12 Mar 11:00",
                "C'est confirmé\u00a0! Votre séance avec Awa\u00a0: jeudi",
            ),
            ("julie", "Fri 12 Mar 11:00", BILAN.format("Awa")),  # hers of the 11th, again
            *both("Wed 17 Mar 08:00", day),
            *both("Wed 17 Mar 20:30", day),
            *both("Thu 18 Mar 09:30", BILAN),
            ("julie", "Fri 19 Mar 08:00", "Comme convenu (chaque semaine), voici votre prochaine"),
            ("awa", "Fri 19 Mar 08:00", next_.format("jeudi 25 mars, 8 h 00")),
            ("julie", "Fri 19 Mar 08:00", "Awa propose une séance."),
        ],
    )
    assert "1. jeudi 25 mars, 8 h 00" in channel.log[-1].text
    never_at_night(app, channel, zones)


def test_what_waited_for_her_dakar_morning_waits_for_her_montreal_morning(app, clock, channel):
    clock.set(datetime(2026, 11, 9, 14, 0, tzinfo=UTC))
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(awa, "jeudi 15h", rhythm="once")
    julie.inbox()
    # Julie accepts at 17:30 in Montréal: 22:30 in Dakar, so the news waits for 08:00 there.
    clock.set(datetime(2026, 11, 9, 22, 30, tzinfo=UTC))
    julie.says("1")
    # Awa has just landed in Montréal (18:00 there) and says so in her profile.
    clock.set(datetime(2026, 11, 9, 23, 0, tzinfo=UTC))
    says_she_lives(awa, "Canada", "Québec", "4", "1")  # no family ties; her profile is right
    awa.expect("C'est enregistré.")
    live(app, clock, datetime(2026, 11, 10, 16, 0, tzinfo=UTC))

    zones = BOTH_IN_MONTREAL
    accepted = (
        "Julie a accepté\u00a0! Votre séance\u00a0: jeudi 12 novembre, 10 h 00 (votre heure)."
    )
    got = heard(channel, zones, datetime(2026, 11, 9, 23, 1, tzinfo=UTC))
    assert got == [("awa", "Tue 10 Nov 08:00", accepted)]  # not 03:00, Dakar's 08:00
    never_at_night(app, channel, zones)


PROACTIVE = ("Rappel", "Votre séance avec", "Petit bilan", "Comme convenu", "Julie propose")


def test_senegal_canada_weekly_rhythm_across_the_fall_change(app, clock, channel):
    # Monday 26 October 2026: Julie proposes Thursdays 16:00 in Montréal (UTC−4, UTC−5 from
    # 1 November): 20:00 in Dakar, then 21:00, inside Awa's quiet hours (21-8) but hers to keep.
    clock.set(datetime(2026, 10, 26, 14, 0, tzinfo=UTC))
    awa, julie = paired(app, clock, ("awa", AWA), ("julie", JULIE))
    propose(julie, "jeudi 16h")
    assert "1. jeudi 29 octobre, 20 h 00" in awa.inbox()
    awa.says("1")
    live(app, clock, datetime(2026, 10, 30, 9, 0, tzinfo=UTC))
    for word in ("1", "4", "les prix", "0"):  # both say it took place: the rhythm goes on
        awa.says(word)
    live(app, clock, datetime(2026, 10, 30, 13, 0, tzinfo=UTC))  # 09:00 in Montréal
    for word in ("1", "5", "le marketing", "0"):
        julie.says(word)
    live(app, clock, datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    awa.says("1")
    awa.expect("C'est confirmé\u00a0! Votre séance avec Julie\u00a0: jeudi 5 novembre, 21 h 00")
    live(app, clock, datetime(2026, 11, 8, 16, 0, tzinfo=UTC))

    zones = {"awa": AWA["timezone"], "julie": JULIE["timezone"]}
    got = [
        row
        for row in heard(channel, zones, datetime(2026, 10, 27, tzinfo=UTC))
        if row[2].startswith(PROACTIVE)
    ]
    soon = "Votre séance avec {} commence bientôt\u00a0: jeudi {} (votre heure)."
    mine = "Comme convenu (chaque semaine), j'ai proposé votre prochaine séance à Awa (jeudi {})."
    yours = "Comme convenu (chaque semaine), voici votre prochaine séance."
    asked = "Julie propose une séance."
    assert_heard(
        got,
        [
            ("awa", "Wed 28 Oct 20:00", RAPPEL.format("Julie", "29 octobre, 20 h 00")),
            ("julie", "Wed 28 Oct 16:00", RAPPEL.format("Awa", "29 octobre, 16 h 00")),
            ("awa", "Thu 29 Oct 19:00", soon.format("Julie", "29 octobre, 20 h 00")),
            ("julie", "Thu 29 Oct 15:00", soon.format("Awa", "29 octobre, 16 h 00")),
            ("julie", "Thu 29 Oct 17:30", BILAN.format("Awa")),
            ("awa", "Fri 30 Oct 08:00", BILAN.format("Julie")),  # 21:30 in Dakar: her morning
            # Both said it took place (Julie last, at 09:00 hers): the next is proposed at once.
            ("awa", "Fri 30 Oct 13:00", yours),
            ("julie", "Fri 30 Oct 09:00", mine.format("5 novembre, 16 h 00")),
            ("awa", "Fri 30 Oct 13:00", asked),
            # After the change: 16:00 in Montréal is 21:00 in Dakar, her reminder the day
            # before would be at 21:00, so it comes that morning.
            ("julie", "Wed 04 Nov 16:00", RAPPEL.format("Awa", "5 novembre, 16 h 00")),
            ("awa", "Thu 05 Nov 08:00", RAPPEL.format("Julie", "5 novembre, 21 h 00")),
            ("awa", "Thu 05 Nov 20:00", soon.format("Julie", "5 novembre, 21 h 00")),
            ("julie", "Thu 05 Nov 15:00", soon.format("Awa", "5 novembre, 16 h 00")),
            ("julie", "Thu 05 Nov 17:30", BILAN.format("Awa")),
            ("awa", "Fri 06 Nov 08:00", BILAN.format("Julie")),
            # Nobody answered: a day after its start the next is proposed, Awa told next morning.
            ("julie", "Fri 06 Nov 16:00", mine.format("12 novembre, 16 h 00")),
            ("awa", "Sat 07 Nov 08:00", yours),
            ("awa", "Sat 07 Nov 08:00", asked),
        ],
    )
    assert "1. jeudi 12 novembre, 21 h 00" in channel.log[-1].text
    never_at_night(app, channel, zones)


def test_her_zone_stays_while_her_new_province_is_not_yet_said(app, clock, channel):
    carmen = carmen_meets_sarah_on_thursday(app, clock)
    # She starts telling she moved to Canada, and leaves the province question for later.
    says_she_lives(carmen, "Canadá")
    carmen.expect("¿En qué provincia o territorio?")
    live(app, clock, datetime(2027, 3, 10, 16, 0, tzinfo=UTC))

    zones = {"carmen": CARMEN["timezone"]}
    day = "Recordatorio: su sesión con Sarah es el jueves 11 de marzo, 11:00 (su hora)."
    assert heard(channel, zones, datetime(2027, 3, 9, tzinfo=UTC)) == [
        ("carmen", "Wed 10 Mar 11:00", day)  # in La Paz's time still, not UTC's 15:00
    ]


EMILY = {"name": "Emily", "locale": "en", "country": "CA", "timezone": "America/Vancouver"}


def test_both_women_are_told_the_same_count_of_days(app, clock, channel):
    # Monday 8 March 2027, 11:00 in La Paz: Carmen proposes Thursday 10:00 (06:00 in Vancouver).
    clock.set(datetime(2027, 3, 8, 15, 0, tzinfo=UTC))
    carmen, emily = paired(app, clock, ("carmen", CARMEN), ("emily", EMILY))
    propose(carmen, "jueves 10:00", rhythm="once")
    # Emily never answers: the time passes, then the count of days since their introduction.
    live(app, clock, datetime(2027, 3, 19, 16, 0, tzinfo=UTC))

    zones = {"carmen": CARMEN["timezone"], "emily": EMILY["timezone"]}
    got = heard(channel, zones, datetime(2027, 3, 12, tzinfo=UTC))
    assert got[0] == (
        "carmen",
        "Thu 18 Mar 10:00",
        "Ya pasaron 10 días desde que le presenté a Emily, y todavía no tienen ninguna sesión "
        "planificada. ¿Buscamos un horario?",
    )
    assert got[2] == (
        "emily",
        "Thu 18 Mar 08:00",
        "It has been 10 days since you and Carmen were introduced, and no session is planned "
        "yet. Shall we find a time?",
    )
    assert len(got) == 4  # and each woman's question that comes with it


def test_a_move_from_la_paz_to_santa_cruz_changes_no_time(app, clock, channel):
    carmen = carmen_meets_sarah_on_thursday(app, clock)
    says_she_lives(carmen, "1 Santa Cruz")
    carmen.expect("Carmen, Santa Cruz, Bolivia")
    carmen.says("1")
    live(app, clock, datetime(2027, 3, 11, 18, 0, tzinfo=UTC))

    zones = {"carmen": CARMEN["timezone"]}
    got = heard(channel, zones, datetime(2027, 3, 9, tzinfo=UTC))
    assert got == [
        (
            "carmen",
            "Wed 10 Mar 11:00",
            "Recordatorio: su sesión con Sarah es el jueves 11 de marzo, 11:00 (su hora).",
        ),
        (
            "carmen",
            "Thu 11 Mar 10:00",
            "Su sesión con Sarah empieza pronto: jueves 11 de marzo, 11:00 (su hora).",
        ),
        (
            "carmen",
            "Thu 11 Mar 12:30",
            "Una pregunta rápida sobre su sesión con Sarah (menos de un minuto): ¿se realizó?",
        ),
    ]


def test_thursday_10_in_toronto_agreed_a_week_before_the_change(app, clock, channel):
    # Sunday 7 March 2027, a week before Toronto's clocks go forward (14 March): Sarah types
    # Thursday 18 March, 10:00, her time (UTC−4 by then: 14:00 UTC, 10:00 in La Paz too).
    clock.set(datetime(2027, 3, 7, 15, 0, tzinfo=UTC))
    carmen, sarah = paired(app, clock, ("carmen", CARMEN), ("sarah", SARAH))
    propose(sarah, "18/03 10am", rhythm="once")
    sarah.expect("Sent! I will let you know as soon as Carmen answers.")
    assert "1. jueves 18 de marzo, 10:00" in carmen.inbox()  # 11:00 for her this week
    carmen.says("1")
    carmen.expect("¡Confirmado! Su sesión con Sarah: jueves 18 de marzo, 10:00 (su hora).")
    assert "Carmen accepted! Your session: Thursday, March 18, 10:00 a.m." in sarah.inbox()
    live(app, clock, datetime(2027, 3, 18, 16, 0, tzinfo=UTC))

    zones = {"carmen": CARMEN["timezone"], "sarah": SARAH["timezone"]}
    got = heard(channel, zones, clock.now() - timedelta(days=2))
    assert_heard(
        got,
        [
            ("carmen", "Wed 17 Mar 10:00", "Recordatorio: su sesión con Sarah es el jueves 18 de"),
            ("sarah", "Wed 17 Mar 10:00", "Reminder: your session with Carmen is on Thursday,"),
            ("carmen", "Thu 18 Mar 09:00", "Su sesión con Sarah empieza pronto: jueves 18 de"),
            ("sarah", "Thu 18 Mar 09:00", "Your session with Carmen starts soon: Thursday, March"),
            ("carmen", "Thu 18 Mar 11:30", "Una pregunta rápida sobre su sesión con Sarah"),
            ("sarah", "Thu 18 Mar 11:30", "Quick check-in about your session with Carmen"),
        ],
    )
    # Each says the session's day and hour in her own words and zone.
    assert got[0][2].endswith("jueves 18 de marzo, 10:00 (su hora).")
    assert got[1][2].endswith("Thursday, March 18, 10:00 a.m. (your time).")
    assert got[2][2].endswith("jueves 18 de marzo, 10:00 (su hora).")
    assert got[3][2].endswith("Thursday, March 18, 10:00 a.m. (your time).")
    never_at_night(app, channel, zones)
