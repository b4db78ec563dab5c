"""A proposal (or its reminder) offers one time: a yes ("sí", "oui ça me va", "yes that works")
takes it, as she would answer a friend, instead of being asked again. With two times or more a
yes cannot say which: she is asked which one, kindly, and nothing is confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flows import choices
from storage.meetings import MeetingStatus
from tests.support.sessions import AWA, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose, run_until

# (her profile, her peer's, the time her peer types, her yes, what she reads then)
ONE_TIME = {
    "es": (
        CARMEN,
        JULIE,
        "jeudi 14h",
        "sí",
        "¡Confirmado! Su sesión con Julie: jueves 5 de marzo, 15:00 (su hora).",
    ),
    "fr": (
        JULIE,
        CARMEN,
        "jueves 15h",
        "Oui ça me va",
        "C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: jeudi 5 mars, 14 h 00 (votre "
        "heure).",
    ),
    "en": (
        AWA,
        CARMEN,
        "jueves 15h",
        "yes that works",
        "Confirmed! Your session with Carmen: Thursday, March 5, 7:00 p.m. (your time).",
    ),
}
WARM_YES = {"es": "Sí, me parece bien 👍", "fr": "oui", "en": "Yes!"}
WAITING = {
    "es": "Julie todavía espera su respuesta",
    "fr": "Carmen attend toujours votre réponse",
    "en": "Carmen is still waiting for your answer",
}
WHICH = {
    "es": "¿Cuál de las horas? Envíe su número.",
    "fr": "Lequel des horaires\u00a0? Envoyez son numéro.",
    "en": "Which of the times? Please send its number.",
}
TWO_TIMES = {"es": "jeudi 14h ou vendredi 10h", "fr": "jueves 15h o viernes 10h",
             "en": "jueves 15h o viernes 10h"}  # fmt: skip
NOT_UNDERSTOOD = {"es": "no entendí", "fr": "pas compris", "en": "did not understand"}


@pytest.mark.parametrize("language", list(ONE_TIME))
def test_a_yes_under_one_time_takes_it(app, clock, language):
    profile, peer_profile, typed, yes, confirmed = ONE_TIME[language]
    she, peer = pair_of(app, clock, ("her", profile), ("peer", peer_profile))
    propose(peer, typed)
    assert "1. " in she.inbox() and "3. " not in she.inbox()
    she.says(yes)
    she.expect(confirmed)
    assert meeting(app).status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize("language", list(ONE_TIME))
def test_a_yes_under_the_reminder_of_one_time_takes_it(app, clock, language):
    """Two days later she is reminded of the proposal; her warm yes, under the reminder, takes
    its one time."""
    profile, peer_profile, typed, _yes, confirmed = ONE_TIME[language]
    she, peer = pair_of(app, clock, ("her", profile), ("peer", peer_profile))
    propose(peer, typed)
    she.inbox()
    run_until(app, clock, clock.now() + timedelta(days=2, hours=1))
    assert WAITING[language] in she.inbox()
    she.says(WARM_YES[language])
    she.expect(confirmed)
    assert meeting(app).status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize("language", list(ONE_TIME))
def test_a_yes_under_two_times_asks_which(app, clock, language):
    profile, peer_profile, *_rest = ONE_TIME[language]
    she, peer = pair_of(app, clock, ("her", profile), ("peer", peer_profile))
    propose(peer, TWO_TIMES[language])
    assert "2. " in she.inbox()
    she.says(WARM_YES[language])
    she.expect(WHICH[language], "1. ", "2. ")
    assert NOT_UNDERSTOOD[language] not in she.text
    assert meeting(app).status == MeetingStatus.PROPOSED
    she.says("2")
    assert meeting(app).status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize(
    "text",
    ["sí", "Si claro", "SÍ, me parece bien", "oui ça me va", "Ok", "parfait 👍", "yes that works"],
)
def test_a_yes_as_typed(text):
    assert choices.is_yes(text)


@pytest.mark.parametrize(
    "text", ["no", "no sé", "sí pero el viernes", "non merci", "oui mais pas jeudi", "maybe", ""]
)
def test_no_yes(text):
    """A no, a doubt or a yes with a but is no yes: the question stays."""
    assert not choices.is_yes(text)
