"""A pair paused and restarted while she sleeps: she wakes to neither.

The pause note waits for her morning; the restart comes before it went out. To her the pair
never stopped, so both are dropped unsent (`superseded`) — except what the pause called off
that she knew of: a session it cancelled stays cancelled, and she is told that alone. A pause
she read is followed by its restart as usual.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
French or English); "evening" is the writer's evening and the reader's night.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from sqlmodel import col, select

from flows.pair_requests import change_by_team
from storage.models import OutboundMessage
from storage.pairs import Pair
from tests.support.sessions import Member
from tests.test_quiet_hours_superseded import CASES
from tests.test_sessions_cancel_crossing import WORDS, agreed
from tests.test_sessions_conversations import meeting, pair_of, propose


class Words(NamedTuple):
    paused: str  # the reader reads: her peer paused the pair
    restarted: str  # the reader reads: her peer restarted it
    plan: str  # the reader's menu entry of an active pair
    team_paused: str  # the writer reads: the coordinators paused the pair
    team_restarted: str  # the writer reads: it is active again


PAIR_WORDS = {
    "es": Words(
        "Julie pausó su intercambio por ahora.",
        "Julie retomó su intercambio. ¡Qué gusto!",
        "Planificar una sesión",
        "Les coordinatrices du programme ont mis en pause votre binôme avec Carmen",
        "Votre binôme avec Carmen est de nouveau actif.",
    ),
    "fr": Words(
        "Carmen a mis votre binôme en pause pour le moment.",
        "Carmen a repris votre binôme. Bon retour\u00a0!",
        "Planifier une séance",
        "Las coordinadoras del programa pusieron en pausa su intercambio con Awa",
        "Su intercambio con Awa está activo de nuevo.",
    ),
    "en": Words(
        "Julie has paused your pair for now.",
        "Julie has restarted your pair. Welcome back!",
        "Plan a session",
        "Les coordinatrices du programme ont mis en pause votre binôme avec Awa",
        "Votre binôme avec Awa est de nouveau actif.",
    ),
}
LANGS = sorted(CASES)


def pause_and_restart(member: Member) -> None:
    member.says("menu")
    member.taps("pair_pause")
    member.taps("yes")
    member.says("menu")
    member.taps("pair_resume")


def dropped_about_the_pair(app, reader: Member) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    """How each note to her about the pair or its sessions ended: (status, error code)."""
    with app.db.session() as session:
        rows = session.exec(
            select(OutboundMessage).where(
                OutboundMessage.address == reader.address,
                col(OutboundMessage.subject).is_not(None),
            )
        )
        return [(row.status, row.error_code) for row in rows]


@pytest.mark.parametrize("lang", LANGS)
def test_paused_and_restarted_in_her_night_she_hears_of_neither(app, clock, lang):
    """Nor of the times proposed in between: proposed, paused (which withdraws them) and
    restarted while she sleeps, it all makes nothing to her."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = pair_of(app, clock, case.writer, case.reader)

    clock.set(case.evening)
    propose(writer, case.times[0])
    pause_and_restart(writer)

    clock.set(case.morning)
    assert reader.inbox() == ""
    assert dropped_about_the_pair(app, reader) == [("skipped", "superseded")] * 2
    reader.says("menu")  # the pair is active to her, as it always was
    reader.expect(words.plan)


@pytest.mark.parametrize("lang", LANGS)
def test_a_session_the_night_pause_cancelled_is_still_told(app, clock, lang):
    """Their Thursday session was agreed; paused (which cancels it) and restarted in her night,
    she wakes to "your session is cancelled" alone: nothing about a pause or a restart."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    pause_and_restart(writer)

    clock.set(case.morning)
    assert reader.inbox() == WORDS[lang].reader_off
    assert meeting(app).status == "cancelled"
    reader.says("menu")
    reader.expect(words.plan)


@pytest.mark.parametrize("lang", LANGS)
def test_paused_and_restarted_by_the_team_in_her_night(app, clock, lang):
    """The coordinators pause and restart the pair: the writer, awake, reads both; the reader,
    asleep, reads neither."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = pair_of(app, clock, case.writer, case.reader)

    clock.set(case.evening)
    for action in ("pause", "resume"):
        with app.db.session() as session:
            pair = session.exec(select(Pair)).one()
            change_by_team(session, pair, 0, action, now=clock.now(), config=app.engine.config)
    told = writer.inbox()
    assert words.team_paused in told and words.team_restarted in told, told

    clock.set(case.morning)
    assert reader.inbox() == ""


@pytest.mark.parametrize("lang", LANGS)
def test_a_pause_she_read_is_followed_by_its_restart(app, clock, lang):
    """Paused while she is awake (she reads it), restarted in her night: she wakes to it."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = pair_of(app, clock, case.writer, case.reader)
    writer.says("menu")
    writer.taps("pair_pause")
    writer.taps("yes")
    assert words.paused in reader.inbox()

    clock.set(case.evening)
    writer.says("menu")
    writer.taps("pair_resume")

    clock.set(case.morning)
    assert reader.inbox() == words.restarted
