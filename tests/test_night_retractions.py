"""What is taken back in her night, about a session or the pair, reaches her as what stands.

A move asked and withdrawn while she sleeps makes nothing to her, as a proposal does; a pause
(or several pauses and restarts) in her night never loses "your session is cancelled", nor
says it twice.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
French or English); "evening" is the writer's evening and the reader's night.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from flows.pair_requests import change_by_team
from storage.meetings import MeetingStatus
from storage.pairs import Pair
from tests.support.sessions import Member
from tests.test_pause_restart_night import PAIR_WORDS
from tests.test_quiet_hours_superseded import CASES, manage
from tests.test_sessions_cancel_crossing import ACCEPTED, READER_TIMES, WORDS, agreed, move
from tests.test_sessions_conversations import meeting, pair_of, propose

LANGS = sorted(CASES)
# What the writer reads when she withdraws a move the reader had not read yet.
MOVE_UNSEEN = {
    "es": "C'est fait\u00a0: votre séance reste comme prévu (jeudi 5 mars, 15 h 00). Carmen "
    "n'avait pas encore lu votre demande de déplacement\u00a0: elle ne recevra rien à ce sujet.",
    "fr": "Listo: su sesión sigue como estaba (jueves 5 de marzo, 15:00). Awa aún no había leído "
    "su pedido de cambio, así que no recibirá nada al respecto.",
    "en": "C'est fait\u00a0: votre séance reste comme prévu (jeudi 5 mars, 15 h 00). Awa "
    "n'avait pas encore lu votre demande de déplacement\u00a0: elle ne recevra rien à ce sujet.",
}


def pause(member: Member) -> None:
    member.app.clock.advance(minutes=5)  # a little later each time, as in life
    member.says("menu")
    member.taps("pair_pause")
    member.taps("yes")


def restart(member: Member) -> None:
    member.app.clock.advance(minutes=5)
    member.says("menu")
    member.taps("pair_resume")


def by_team(app, action: str) -> None:  # type: ignore[no-untyped-def]
    """A coordinator pauses or restarts the pair from the console."""
    app.clock.advance(minutes=5)
    with app.db.session() as session:
        pair = session.exec(select(Pair)).one()
        change_by_team(session, pair, 0, action, now=app.clock.now(), config=app.engine.config)


def session_off_told(received: str, lang: str) -> int:
    """How many times she read that her session is off (her peer's note or the pause's line)."""
    return received.count(CASES[lang].words["cancelled"]) + received.count(WORDS[lang].reader_off)


# 1. A move withdrawn before she saw it -------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_move_withdrawn_in_her_night_never_reaches_her(app, clock, lang):
    """Moved and the move withdrawn while she sleeps: she wakes to neither (no "she keeps your
    session as planned" about a move she never saw), the writer is told so, and the reader's
    first word is not read as an answer to the move."""
    case = CASES[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    move(writer, case.times[1])
    manage(writer, "withdraw")
    writer.expect(MOVE_UNSEEN[lang])

    clock.set(case.morning)
    assert reader.inbox() == ""
    assert meeting(app).status == MeetingStatus.CONFIRMED
    reader.says("1")
    assert case.words["closed"] not in reader.text
    reader.expect(case.words["menu"])


@pytest.mark.parametrize("lang", LANGS)
def test_a_move_she_read_in_her_night_is_withdrawn_to_her(app, clock, lang):
    """Up late, she writes: the move held for her morning is asked then, so she has read it.
    Withdrawn afterwards, she wakes to "she keeps your session as planned"."""
    case = CASES[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    move(writer, case.times[1])
    reader.says("?")
    reader.expect(case.words["moved"])
    manage(writer, "withdraw")
    assert MOVE_UNSEEN[lang] not in writer.text

    clock.set(case.morning)
    received = reader.inbox()
    assert received.startswith(case.words["kept"]) and "\n---\n" not in received, received


@pytest.mark.parametrize("lang", LANGS)
def test_a_session_accepted_moved_and_kept_in_her_night_reaches_her_as_accepted(app, clock, lang):
    """The reader proposed; the writer accepts in her night, then moves the session and takes
    the move back: the reader wakes to what she would have read without the move, "she
    accepted", not to a move or its withdrawal."""
    case = CASES[lang]
    writer, reader = pair_of(app, clock, case.writer, case.reader)
    propose(reader, READER_TIMES[lang])
    writer.inbox()

    clock.set(case.evening)
    writer.says("1")
    clock.advance(minutes=10)
    move(writer, case.times[1])
    manage(writer, "withdraw")

    clock.set(case.morning)
    received = reader.inbox()
    assert received.startswith(ACCEPTED[lang]) and "\n---\n" not in received, received
    assert case.words["kept"] not in received and case.words["moved"] not in received


# 2. A pause in her night after her peer cancelled ---------------------------------------------


@pytest.mark.parametrize("by", ["her", "team"])
@pytest.mark.parametrize("lang", LANGS)
def test_a_pause_after_a_cancel_in_her_night_still_says_the_session_is_off(app, clock, lang, by):
    """The writer cancels the session, then the pair is paused (by her or the coordinators),
    all while the reader sleeps: she wakes to the pause and to her session being off, once."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    manage(writer, "cancel", "yes")
    if by == "her":
        pause(writer)
    else:
        by_team(app, "pause")

    clock.set(case.morning)
    received = reader.inbox()
    assert session_off_told(received, lang) == 1, received
    if by == "her":
        assert words.paused in received, received


# 3. Several pauses and restarts in one night --------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_paused_and_restarted_twice_in_her_night_she_reads_her_session_is_off_once(
    app, clock, lang
):
    """The session agreed; pause, restart, pause, restart while she sleeps: she wakes to "your
    session is cancelled" alone (the first pause cancelled it), once."""
    case = CASES[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    for _ in range(2):
        pause(writer)
        restart(writer)

    clock.set(case.morning)
    assert reader.inbox() == WORDS[lang].reader_off


@pytest.mark.parametrize("lang", LANGS)
def test_paused_restarted_and_paused_in_her_night_she_reads_one_pause(app, clock, lang):
    """Pause, restart, pause while she sleeps: one pause message, which says her session (the
    first pause cancelled it) is off; no restart."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    pause(writer)
    restart(writer)
    pause(writer)

    clock.set(case.morning)
    received = reader.inbox()
    assert received.count(words.paused) == 1 and "\n---\n" not in received, received
    assert session_off_told(received, lang) == 1, received
    assert words.restarted not in received, received


@pytest.mark.parametrize("lang", LANGS)
def test_pauses_and_restarts_by_her_and_the_team_without_a_session(app, clock, lang):
    """Nothing planned: paused and restarted twice (by her, then by the coordinators) makes
    nothing; once more paused, she wakes to that pause alone."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = pair_of(app, clock, case.writer, case.reader)

    clock.set(case.evening)
    pause(writer)
    restart(writer)
    by_team(app, "pause")
    by_team(app, "resume")
    assert reader.inbox() == ""
    pause(writer)

    clock.set(case.morning)
    received = reader.inbox()
    assert received.startswith(words.paused) and "\n---\n" not in received, received


@pytest.mark.parametrize("lang", LANGS)
def test_a_cancel_she_read_live_in_her_night_is_not_told_again_by_a_pause(app, clock, lang):
    """The writer cancels; the reader, up late, opens her session and reads it is cancelled
    there (the note held for her morning is dropped); the writer then pauses the pair: the
    reader wakes to the pause alone, not to her session being off a second time."""
    case, words = CASES[lang], PAIR_WORDS[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    manage(writer, "cancel", "yes")
    manage(reader)
    assert reader.text.startswith(case.words["cancelled"]), reader.text
    pause(writer)

    clock.set(case.morning)
    received = reader.inbox()
    assert received.startswith(words.paused) and session_off_told(received, lang) == 0, received
