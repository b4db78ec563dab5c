"""A cancel that crosses a move: the session stays cancelled, whatever came first.

The two women act on the same planned session at nearly the same time: one cancels it while
the other moves it (proposes other times), each possibly in her night, when what the bot tells
her waits for her morning. Whatever the order, a cancelled session stays cancelled, the move
on it is closed, and each woman is told once, plainly, what stands.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
French or English). In each case the writer agreed the session on Thursday at 15:00 her time
with the reader; "evening" is the writer's evening and the reader's night.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import pytest

from storage.meetings import MeetingStatus
from tests.support.sessions import Member
from tests.test_quiet_hours_superseded import CASES, Case, manage
from tests.test_sessions_conversations import meeting, pair_of, propose, run_until

AFTER_THURSDAY = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
# Every writer's morning (Montréal 08:01; La Paz is later still).
WRITER_MORNING = datetime(2026, 3, 3, 13, 1, tzinfo=UTC)


class Words(NamedTuple):
    """What the writer reads (in her language), then what the reader reads (in hers)."""

    writer_told: str  # the reader cancelled the session
    writer_off: str  # her session is cancelled (she was told already)
    reader_done: str  # the reader's own cancel, confirmed
    reader_option: str  # "cancel the session", offered with the move
    reader_off: str  # her session is cancelled (she was told already)


WORDS = {
    "es": Words(  # Julie (fr) writes, Carmen (es) reads
        "Carmen a annulé votre séance (jeudi 5 mars, 15 h 00).",
        "Votre séance du jeudi 5 mars, 15 h 00 est annulée.",
        "Listo, la sesión está cancelada. Le avisé a Julie.",
        "3. Cancelar la sesión",
        "Su sesión del jueves 5 de marzo, 16:00 quedó cancelada.",
    ),
    "fr": Words(  # Carmen (es) writes, Awa (fr) reads
        "Awa canceló su sesión (jueves 5 de marzo, 15:00).",
        "Su sesión del jueves 5 de marzo, 15:00 quedó cancelada.",
        "C'est fait, la séance est annulée. J'ai prévenu Carmen.",
        "3. Annuler la séance",
        "Votre séance du jeudi 5 mars, 19 h 00 est annulée.",
    ),
    "en": Words(  # Julie (fr) writes, Awa (en) reads
        "Awa a annulé votre séance (jeudi 5 mars, 15 h 00).",
        "Votre séance du jeudi 5 mars, 15 h 00 est annulée.",
        "Done, the session is cancelled. I told Julie.",
        "3. Cancel the session",
        "Your session of Thursday, March 5, 8:00 p.m. is cancelled.",
    ),
}
LANGS = sorted(CASES)


def agreed(app, clock, case: Case) -> tuple[Member, Member]:  # type: ignore[no-untyped-def]
    """Monday afternoon, both awake: the writer proposes Thursday, the reader takes it."""
    writer, reader = pair_of(app, clock, case.writer, case.reader)
    propose(writer, case.times[0])
    reader.inbox()
    reader.says("1")
    writer.inbox()
    return writer, reader


def move(member: Member, text: str) -> None:
    """From her session, other times typed and confirmed as read back."""
    manage(member, "move")
    member.says(text)
    member.taps("yes")


def assert_nothing_more_about_it(app, clock, writer: Member, reader: Member) -> None:  # type: ignore[no-untyped-def]
    """Past Thursday: still cancelled, and neither was reminded of it or told it stays."""
    run_until(app, clock, AFTER_THURSDAY, step=timedelta(hours=1))
    assert meeting(app).status == MeetingStatus.CANCELLED
    assert writer.inbox() == "" and reader.inbox() == ""


@pytest.mark.parametrize("lang", LANGS)
def test_a_move_tapped_after_her_peer_cancelled_in_her_night_tells_her_it_is_cancelled(
    app, clock, lang
):
    """The reader, awake late in her night, looks at her session; the writer cancels it; the
    reader taps "move" on the screen she has: she learns at once that it is cancelled (the note
    held for her morning is dropped: she is told once), and no move goes to the writer."""
    case = CASES[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    manage(reader)  # "your next session…: move, cancel, keep"
    manage(writer, "cancel", "yes")
    assert reader.inbox() == ""  # her night: the note waits for her morning
    reader.taps("move")
    assert reader.text.startswith(case.words["cancelled"]), reader.text
    assert case.words["closed"] not in reader.text  # a session cancelled, not a proposal closed
    assert writer.inbox() == ""  # no move of a session that no longer exists

    clock.set(case.morning)
    assert reader.inbox() == ""  # told once
    assert_nothing_more_about_it(app, clock, writer, reader)


@pytest.mark.parametrize("lang", LANGS)
def test_times_typed_to_move_a_session_cancelled_meanwhile_are_not_sent(app, clock, lang):
    """Both awake: the writer types other times for her session, and before she confirms them
    the reader cancels it. The writer reads the cancellation once; confirming her times then
    tells her the session is cancelled, and no move reaches the reader."""
    case, words = CASES[lang], WORDS[lang]
    writer, reader = agreed(app, clock, case)

    manage(writer, "move")
    writer.says(case.times[1])  # read back to her, not confirmed yet
    manage(reader, "cancel", "yes")
    reader.expect(words.reader_done)
    assert writer.inbox().count(words.writer_told) == 1
    writer.taps("yes")
    writer.expect(words.writer_off)
    assert words.writer_told not in writer.text
    assert reader.inbox() == ""
    assert_nothing_more_about_it(app, clock, writer, reader)


def moved_in_her_night(app, clock, case: Case) -> tuple[Member, Member]:  # type: ignore[no-untyped-def]
    """The writer moves the session in her evening, while the reader sleeps; then opens her
    proposal's screen ("she has not answered yet")."""
    writer, reader = agreed(app, clock, case)
    clock.set(case.evening)
    move(writer, case.times[1])
    assert reader.inbox() == ""  # held for her morning
    manage(writer)
    return writer, reader


def cancel_the_move(reader: Member, case: Case, words: Words) -> None:
    """In her morning she reads the move, and cancels the session instead."""
    asked = reader.inbox()
    assert case.words["moved"] in asked and words.reader_option in asked, asked
    reader.says("3")
    reader.taps("yes")
    reader.expect(words.reader_done)


@pytest.mark.parametrize("lang", LANGS)
def test_a_session_being_moved_can_be_cancelled_and_the_mover_is_told_once(app, clock, lang):
    """The reader answers the move by cancelling the session: the move is closed, and the
    writer, asleep by then, wakes to the cancellation alone (not "it stays as planned")."""
    case, words = CASES[lang], WORDS[lang]
    writer, reader = moved_in_her_night(app, clock, case)

    clock.set(case.morning)
    cancel_the_move(reader, case, words)
    assert meeting(app).status == MeetingStatus.CANCELLED
    assert writer.inbox() == ""  # her night

    clock.set(WRITER_MORNING)
    told = writer.inbox()
    assert told.startswith(words.writer_told) and "\n---\n" not in told, told
    assert_nothing_more_about_it(app, clock, writer, reader)


@pytest.mark.parametrize("lang", LANGS)
def test_withdrawing_a_move_after_the_session_was_cancelled_keeps_it_cancelled(app, clock, lang):
    """Awake before her morning, the writer withdraws her move on the screen she opened the
    evening before, not having read that the reader cancelled the session: she is told at
    once that it is cancelled (not that it stays as planned), and once."""
    case, words = CASES[lang], WORDS[lang]
    writer, reader = moved_in_her_night(app, clock, case)

    clock.set(case.morning)
    cancel_the_move(reader, case, words)
    writer.taps("withdraw")
    assert writer.text.startswith(words.writer_told), writer.text
    assert "\n---\n" not in writer.text  # that alone: no "proposal closed", no new times asked
    assert reader.inbox() == ""  # nothing said to her of a move taken back

    clock.set(WRITER_MORNING)
    assert writer.inbox() == ""
    assert_nothing_more_about_it(app, clock, writer, reader)


@pytest.mark.parametrize("lang", LANGS)
def test_a_move_crossing_her_cancel_in_her_night_is_shown_with_a_way_to_cancel(app, clock, lang):
    """Late in her night the reader is asked "cancel your session?"; the writer moves it
    before she answers. Her "yes" brings her the move she has not read, which she can answer
    by cancelling: done, and the writer is told once."""
    case, words = CASES[lang], WORDS[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    manage(reader, "cancel")
    move(writer, case.times[1])
    reader.taps("yes")
    assert case.words["moved"] in reader.text and words.reader_option in reader.text
    reader.taps("cancel")
    reader.taps("yes")
    reader.expect(words.reader_done)
    assert writer.inbox().count(words.writer_told) == 1  # her evening: she reads it now

    clock.set(case.morning)
    assert reader.inbox() == ""
    assert_nothing_more_about_it(app, clock, writer, reader)


READER_TIMES = {"es": "jueves 15h", "fr": "jeudi 15h", "en": "Thursday 3pm"}
ACCEPTED = {"es": "¡Julie aceptó!", "fr": "Carmen a accepté", "en": "Julie accepted"}


@pytest.mark.parametrize("lang", LANGS)
def test_what_waits_for_her_morning_does_not_bring_back_the_session_she_cancelled(app, clock, lang):
    """The reader proposed; the writer accepts in the reader's night ("she accepted" waits
    for her morning); the reader, still up, cancels the session. She wakes to nothing: not to
    "she accepted", which would bring the session back."""
    case, words = CASES[lang], WORDS[lang]
    writer, reader = pair_of(app, clock, case.writer, case.reader)
    propose(reader, READER_TIMES[lang])
    writer.inbox()

    clock.set(case.evening)
    writer.says("1")
    assert reader.inbox() == ""
    manage(reader, "cancel", "yes")
    reader.expect(words.reader_done)
    assert writer.inbox().count(words.writer_told.split(" (")[0]) == 1

    clock.set(case.morning)
    assert ACCEPTED[lang] not in reader.inbox()
    assert_nothing_more_about_it(app, clock, writer, reader)


@pytest.mark.parametrize("lang", LANGS)
def test_planning_anew_in_her_night_she_first_reads_that_her_session_was_cancelled(
    app, clock, lang
):
    """The writer cancels in the reader's night; the reader, up late, opens "plan a session"
    to move it: she reads the cancellation there, once, before being asked for new times."""
    case = CASES[lang]
    writer, reader = agreed(app, clock, case)

    clock.set(case.evening)
    manage(writer, "cancel", "yes")
    manage(reader)
    assert reader.text.startswith(case.words["cancelled"]), reader.text

    clock.set(case.morning)
    assert reader.inbox() == ""
