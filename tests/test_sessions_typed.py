"""Times typed where options are shown, as women really write them: a weekday and a bare hour
where suggested slots are listed, or a time of her own under her peer's proposal.

Carmen is in La Paz (UTC−4, Spanish), Julie in Montréal (UTC−5, French), Awa in Dakar (UTC,
English or French). The clock starts on Monday 2 March 2026, 15:00 UTC.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.meetings import Meeting, MeetingStatus
from tests.support.sessions import AWA, AWA_FR, CARMEN, JULIE
from tests.test_sessions_conversations import meeting, pair_of, propose


def meeting_count(app) -> int:
    with app.db.session() as session:
        return len(session.exec(select(Meeting)).all())


@pytest.mark.parametrize(
    ("proposer", "typed", "not_understood"),
    [
        (("carmen", CARMEN), "martes 3", "¿De la mañana o de la tarde?"),
        (("carmen", CARMEN), "jueves tres", "Disculpe, no entendí ese horario."),
        (("julie", JULIE), "mardi 3", "Le matin ou l'après-midi\u00a0?"),
        (("awa", AWA), "Tuesday 3", "In the morning or in the afternoon?"),
    ],
)
def test_a_weekday_and_a_bare_number_never_pick_suggested_slots(
    app, clock, proposer, typed, not_understood
):
    """ "martes 3" (3 in the afternoon?) is no slot: neither Tuesday's slot nor the third one is
    proposed behind her back; she is asked again."""
    she, _peer = pair_of(app, clock, proposer, ("peer", {**AWA_FR, "name": "Fatou"}))
    she.says("menu")
    she.taps("sessions")
    she.expect("1. ", "2. ", "3. ")  # suggested slots: Tuesday, Wednesday, Thursday
    she.says(typed)
    she.expect(not_understood)
    she.says("1 3")  # the slots by their numbers still work
    assert meeting_count(app) == 0
    assert "2. " in she.text  # on to how they will meet


@pytest.mark.parametrize(
    ("proposer", "times", "peer", "typed_same", "confirmed"),
    [
        (
            ("carmen", CARMEN),
            "jueves 15h o viernes 10h",
            ("julie", JULIE),
            "vendredi 9h",  # 10:00 in La Paz is 09:00 in Montréal
            "C'est confirmé\u00a0! Votre séance avec Carmen\u00a0: vendredi 6 mars, 9 h 00 "
            "(votre heure).",
        ),
        (
            ("julie", JULIE),
            "jeudi 14h ou vendredi 9h",
            ("awa", AWA),
            "Friday at 2pm",
            "Confirmed! Your session with Julie: Friday, March 6, 2:00 p.m. (your time).",
        ),
        (
            ("awa", AWA),
            "Thursday 7pm or Friday 2pm",
            ("carmen", CARMEN),
            "el viernes a las 10",
            "¡Confirmado! Su sesión con Awa: viernes 6 de marzo, 10:00 (su hora).",
        ),
    ],
)
def test_her_peers_time_typed_instead_of_its_number_confirms_it(
    app, clock, proposer, times, peer, typed_same, confirmed
):
    first, second = pair_of(app, clock, proposer, peer)
    propose(first, times)
    second.inbox()
    second.says(typed_same)
    second.expect(confirmed)
    assert meeting(app).status == MeetingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("proposer", "peer", "typed", "read_back", "yes", "asked"),
    [
        (
            ("carmen", CARMEN),
            ("julie", JULIE),
            "jeudi 16h",
            "J'ai compris\u00a0: jeudi 5 mars, 16 h 00\nC'est bien ça\u00a0?",
            "oui",
            "1. jueves 5 de marzo, 17:00",
        ),
        (
            ("julie", JULIE),
            ("awa", AWA),
            "Thursday 5pm",
            "I understood: Thursday, March 5, 5:00 p.m.\nIs that right?",
            "yes",
            "1. jeudi 5 mars, 12 h 00",
        ),
        (
            ("awa", AWA_FR),
            ("carmen", CARMEN),
            "el jueves a las 4 de la tarde",
            "Entendí: jueves 5 de marzo, 16:00\n¿Es correcto?",
            "sí",
            "1. jeudi 5 mars, 20 h 00",
        ),
    ],
)
def test_another_time_typed_under_her_peers_proposal_is_a_counter_proposal(
    app, clock, proposer, peer, typed, read_back, yes, asked
):
    """She answers her peer's proposal with a time of her own: it is read back to her and sent
    as other times, rather than "choose one of the options" and her time lost."""
    first, second = pair_of(app, clock, proposer, peer)
    propose(first, "jueves 15h" if proposer[0] == "carmen" else "jeudi 14h")
    second.inbox()
    second.says(typed)
    second.expect(read_back)
    second.says(yes)
    proposal = meeting(app)
    assert proposal.status == MeetingStatus.PROPOSED and proposal.version == 2
    assert asked in first.inbox()


@pytest.mark.parametrize(
    ("proposer", "peer", "typed", "kept", "asked"),
    [
        (
            ("carmen", CARMEN),
            ("julie", JULIE),
            "jeudi 10h",
            "Cette proposition n'est plus ouverte\u00a0: vos horaires seront envoyés comme une "
            "nouvelle proposition.",
            "1. jueves 5 de marzo, 11:00",
        ),
        (
            ("julie", JULIE),
            ("awa", AWA),
            "Thursday 3pm",
            "That proposal is no longer open, so your times will go as a new proposal.",
            "1. jeudi 5 mars, 10 h 00",
        ),
        (
            ("awa", AWA),
            ("carmen", CARMEN),
            "jueves 11:00",
            "Esa propuesta ya no está abierta, así que sus horarios se enviarán como una nueva "
            "propuesta.",
            "1. Thursday, March 5, 3:00 p.m.",
        ),
    ],
)
def test_her_other_times_are_kept_when_her_peer_withdrew_meanwhile(
    app, clock, proposer, peer, typed, kept, asked
):
    """She was writing other times when her peer withdrew her proposal: her times are not lost,
    they go as a new proposal."""
    first, second = pair_of(app, clock, proposer, peer)
    propose(first, "viernes 15h" if proposer[0] == "carmen" else "Friday 3pm")
    second.inbox()
    second.taps("other")
    first.says("menu")
    first.taps("sessions")
    first.taps("withdraw")
    second.says(typed)
    second.taps("yes")
    second.expect(kept)
    second.taps("video")
    second.taps("later")
    second.taps("once")
    assert asked in first.inbox()
    proposal = meeting(app)
    assert proposal.status == MeetingStatus.PROPOSED and proposal.version == 1


@pytest.mark.parametrize(
    ("proposer", "typed", "read_back"),
    [
        (("carmen", CARMEN), "mañana x la tarde a las 3", "Entendí: martes 3 de marzo, 15:00"),
        (("awa", AWA_FR), "dmain 15h", "J'ai compris\u00a0: mardi 3 mars, 15 h 00"),
        (("awa", AWA_FR), "dm1 a 10h", "J'ai compris\u00a0: mardi 3 mars, 10 h 00"),
        (("awa", AWA_FR), "jeudi 3h de l'aprem", "J'ai compris\u00a0: jeudi 5 mars, 15 h 00"),
        (("awa", AWA_FR), "2main vers 9h du mat", "J'ai compris\u00a0: mardi 3 mars, 9 h 00"),
        (("awa", AWA), "2moro 9am", "I understood: Tuesday, March 3, 9:00 a.m."),
        # Weekdays as shortened in a text message in Dakar, "mañana" on WhatsApp in La Paz.
        (("awa", AWA_FR), "jdi 15h", "J'ai compris\u00a0: jeudi 5 mars, 15 h 00"),
        (("awa", AWA_FR), "vdi a 10h", "J'ai compris\u00a0: vendredi 6 mars, 10 h 00"),
        (("awa", AWA_FR), "mrdi 16h", "J'ai compris\u00a0: mardi 3 mars, 16 h 00"),
        (("carmen", CARMEN), "mñn a las 10", "Entendí: martes 3 de marzo, 10:00"),
        (("carmen", CARMEN), "el juev a las 3 de la tarde", "Entendí: jueves 5 de marzo, 15:00"),
    ],
)
def test_a_time_spelt_as_in_a_text_message_is_read_back(app, clock, proposer, typed, read_back):
    """ "dmain 15h", "jeudi 3h de l'aprem", "x la tarde", "2moro": how women write on a phone
    (Dakar above all); she is read back the time, not asked to write it again."""
    she, _peer = pair_of(app, clock, proposer, ("peer", JULIE))
    she.says("menu")
    she.taps("sessions")
    she.says(typed)
    she.expect(read_back)


@pytest.mark.parametrize(
    ("who", "typed", "help_starts", "again"),
    [
        (("carmen", CARMEN), "ayuda por favor", "Soy la asistente de Entrepairs", "¿Cuándo"),
        (("awa", AWA_FR), "AIDE SVP", "Je suis l'assistante d'Entrepairs", "Quand aimeriez"),
        (("awa", AWA), "help please", "I am the Entrepairs assistant", "When would you"),
        (("carmen", CARMEN), "hola, menú por favor", "¿Qué desea hacer?", "1. Seguir donde estaba"),
    ],
)
def test_a_global_word_with_courtesy_around_it_is_understood(
    app, clock, who, typed, help_starts, again
):
    """ "ayuda por favor", "AIDE SVP": the global word, with a courtesy a woman adds, is understood
    at any question (here, when to meet), not answered with "I did not understand that time"."""
    she, _peer = pair_of(app, clock, who, ("peer", JULIE))
    she.says("menu")
    she.taps("sessions")
    she.says(typed)
    she.expect(help_starts, again)


@pytest.mark.parametrize(
    ("proposer", "typed", "read_back"),
    [
        (("carmen", CARMEN), "el jueves a las 3 de la tarde", "Entendí: jueves 5 de marzo, 15:00"),
        (("awa", AWA_FR), "jeudi 15h", "J'ai compris\u00a0: jeudi 5 mars, 15 h 00"),
        (("awa", AWA), "Thursday 3pm", "I understood: Thursday, March 5, 3:00 p.m."),
    ],
)
def test_a_time_typed_at_rest_opens_planning_with_it(app, clock, proposer, typed, read_back):
    """Nothing asked (told "write MENU and choose Plan a session" when her times passed), she
    simply writes a time: it is read back to her as her proposal, not answered with the menu of
    twelve lines after which she would have to write it again."""
    she, _peer = pair_of(app, clock, proposer, ("peer", JULIE))
    she.says(typed)
    she.expect(read_back)
    she.taps("yes")
    she.taps("video")
    she.taps("later")
    she.taps("once")
    assert meeting(app).status == MeetingStatus.PROPOSED


def test_a_time_typed_at_rest_with_a_session_planned_brings_the_menu(app, clock):
    """With a session already planned, a time alone may be a move or a second session: the
    menu, as before, says what she can do."""
    she, peer = pair_of(app, clock, ("carmen", CARMEN), ("peer", JULIE))
    propose(she, "jueves 15h")
    peer.inbox()
    peer.says("1")
    she.says("viernes 10h")
    she.expect("¿Qué desea hacer?")
    assert meeting_count(app) == 1
