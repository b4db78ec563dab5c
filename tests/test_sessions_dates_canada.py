"""A numeric date typed in Canada: "3/5" is 3 May to a woman in La Paz or Dakar, and often
March 5 to a woman in Toronto or Montréal. When both readings exist and differ, she is asked
which day she means, in words and in her language, and the bot goes on with her choice; when only
one reading exists ("13/5", "5/13", "jeudi 3/5"), both are the same ("4/4") or she does not live
in Canada, her time is simply read back.

Julie is in Montréal (French), Emily in Toronto (English), Lucía in Toronto (Spanish, from
Bolivia), Carmen in La Paz (Spanish), Awa in Dakar (English). The clock starts on Monday 2 March
2026, 15:00 UTC: 10:00 in Toronto.
"""

from __future__ import annotations

import pytest

from storage.meetings import MeetingStatus
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose

EMILY = {"name": "Emily", "locale": "en", "country": "CA", "timezone": "America/Toronto"}
LUCIA = {"name": "Lucía", "locale": "es", "country": "CA", "timezone": "America/Toronto"}
WHICH_DAY = ("Vous parlez du", "¿Se refiere al", "Do you mean")
ASK_MODE = {
    "fr": "Comment voulez-vous vous rencontrer\u00a0?",
    "es": "¿Cómo le gustaría reunirse?",
    "en": "How would you like to meet?",
}


def _plan(member) -> None:
    member.says("menu")
    member.taps("sessions")


@pytest.mark.parametrize(
    ("she", "typed", "question", "options", "choice", "local"),
    [
        (
            ("julie", JULIE),
            "3/5 10h",
            "Vous parlez du jeudi 5 mars ou du dimanche 3 mai\u00a0?",
            ("1. jeudi 5 mars, 10 h 00", "2. dimanche 3 mai, 10 h 00"),
            "1",
            "2026-03-05T10:00",
        ),
        (
            ("emily", EMILY),
            "3/5 10am",
            "Do you mean Thursday, March 5 or Sunday, May 3?",
            ("1. Thursday, March 5, 10:00 a.m.", "2. Sunday, May 3, 10:00 a.m."),
            "2",
            "2026-05-03T10:00",
        ),
        (
            ("lucia", LUCIA),
            "04/06 a las 10",
            "¿Se refiere al lunes 6 de abril o al jueves 4 de junio?",
            ("1. lunes 6 de abril, 10:00", "2. jueves 4 de junio, 10:00"),
            "1",
            "2026-04-06T10:00",
        ),
    ],
)
def test_a_canadians_date_that_reads_two_ways_is_asked_about_in_words(
    app, clock, she, typed, question, options, choice, local
):
    """She is asked which day she means, and the day she picks is the one proposed."""
    woman, peer = pair_of(app, clock, she, ("carmen", CARMEN))
    _plan(woman)
    woman.says(typed)
    woman.expect(question, *options)
    woman.says(choice)
    woman.expect(ASK_MODE[she[1]["locale"]])  # her choice said it in words: no read-back
    woman.taps("video")
    woman.taps("later")
    woman.taps("once")
    proposal = meeting(app)
    assert proposal.status == MeetingStatus.PROPOSED and proposal.local_options == [local]


@pytest.mark.parametrize(
    ("she", "typed", "read_back"),
    [
        (("julie", JULIE), "13/5 10h", "J'ai compris\u00a0: mercredi 13 mai, 10 h 00"),
        (("emily", EMILY), "5/13 10am", "I understood: Wednesday, May 13, 10:00 a.m."),
        (("lucia", LUCIA), "4/4 a las 10", "Entendí: sábado 4 de abril, 10:00"),
        (("julie", JULIE), "jeudi 3/5 10h", "J'ai compris\u00a0: jeudi 5 mars, 10 h 00"),
        (("carmen", CARMEN), "3/5 10h", "Entendí: domingo 3 de mayo, 10:00"),
        (("awa", AWA), "3/5 10am", "I understood: Sunday, May 3, 10:00 a.m."),
    ],
)
def test_a_date_that_reads_one_way_is_read_back_without_a_question(
    app, clock, she, typed, read_back
):
    """Only one reading exists ("13/5", "5/13"), both are the same ("4/4"), the weekday tells
    ("jeudi 3/5" is Thursday, March 5), or she lives in Bolivia or Senegal (day first)."""
    peer = ("peer", {**AWA, "name": "Fatou"}) if she[0] != "awa" else ("peer", JULIE)
    woman, _peer = pair_of(app, clock, she, peer)
    _plan(woman)
    woman.says(typed)
    woman.expect(read_back)
    assert not any(question in woman.text for question in WHICH_DAY)


def test_a_reading_that_cannot_be_proposed_is_not_offered(app, clock):
    """On 2 March 2026, "2/5" is 2 May or 5 February 2027, too far ahead: 2 May, no question.
    "1/3" is 1 March 2027 or 3 January 2027, both too far: she is told so, as anyone (day
    first)."""
    emily, _peer = pair_of(app, clock, ("emily", EMILY), ("carmen", CARMEN))
    _plan(emily)
    emily.says("1/3 10am")
    emily.expect("Monday, March 1, 10:00 a.m. is too far ahead.")
    emily.says("2/5 10am")
    emily.expect("I understood: Saturday, May 2, 10:00 a.m.")


@pytest.mark.parametrize(
    ("she", "typed", "question", "confirmed"),
    [
        (
            ("julie", JULIE),
            "3/5 10h",
            "Vous parlez du jeudi 5 mars ou du dimanche 3 mai\u00a0?",
            "C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: jeudi 5 mars, 10 h 00",
        ),
        (
            ("emily", EMILY),
            "03/05 at 10am",
            "Do you mean Thursday, March 5 or Sunday, May 3?",
            "Confirmed! Your session with Carmen: Thursday, March 5, 10:00 a.m.",
        ),
    ],
)
def test_her_peers_time_typed_as_a_canadian_date_picks_it_once_she_says_which_day(
    app, clock, she, typed, question, confirmed
):
    """Carmen proposes Thursday 11:00 in La Paz (10:00 in Toronto); "3/5 10h" under it is
    asked about, and March 5 confirms Carmen's time."""
    carmen, woman = pair_of(app, clock, ("carmen", CARMEN), she)
    propose(carmen, "jueves 11h")
    woman.inbox()
    woman.says(typed)
    woman.expect(question)
    woman.says("1")
    woman.expect(confirmed)
    assert meeting(app).status == MeetingStatus.CONFIRMED


def test_the_other_day_under_her_peers_proposal_goes_to_her_peer_as_other_times(app, clock):
    """Lucía means 3 May: that is no time Carmen proposed, so it goes to Carmen as other times,
    each woman reading it in her own zone and language."""
    carmen, lucia = pair_of(app, clock, ("carmen", CARMEN), ("lucia", LUCIA))
    propose(carmen, "jueves 11h")
    lucia.inbox()
    lucia.says("3/5 10h")
    lucia.expect("¿Se refiere al jueves 5 de marzo o al domingo 3 de mayo?")
    lucia.says("2")
    lucia.expect("¡Enviado!")
    proposal = meeting(app)
    assert proposal.status == MeetingStatus.PROPOSED and proposal.version == 2
    assert proposal.local_options == ["2026-05-03T10:00"]
    assert "1. domingo 3 de mayo, 10:00" in carmen.inbox()


@pytest.mark.parametrize(
    ("she", "back", "times", "retyped", "read_back"),
    [
        (("julie", JULIE), "retour", "les vôtres", "5 mars 10h", "J'ai compris\u00a0: jeudi 5"),
        (("emily", EMILY), "back", "your own", "March 5 10am", "I understood: Thursday, March 5"),
        (("lucia", LUCIA), "atrás", "los suyos", "5 de marzo 10h", "Entendí: jueves 5 de marzo"),
    ],
)
def test_back_or_the_date_written_out_answers_the_question_too(
    app, clock, she, back, times, retyped, read_back
):
    """ "Back" returns to her times; the date typed again unmistakably is read back."""
    woman, _peer = pair_of(app, clock, she, ("carmen", CARMEN))
    _plan(woman)
    woman.says("3/5 10h" if she[0] != "emily" else "3/5 10am")
    assert any(question in woman.text for question in WHICH_DAY)
    woman.says(back)
    woman.expect(times)
    woman.says("3/5 10h" if she[0] != "emily" else "3/5 10am")
    assert any(question in woman.text for question in WHICH_DAY)
    woman.says(retyped)
    woman.expect(read_back)
