"""A proposal withdrawn, closed or lapsed takes its question with it.

Her peer was asked "which time suits you?". Once the proposal is gone, her next message is not
read against it, and the menu no longer offers "continue where I was" leading back to it.
Played with her peer in Spanish, French and English.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from storage import conversations
from storage.models import ChannelAddress
from tests.support.sessions import AWA, CARMEN, JULIE, Member
from tests.test_sessions_conversations import pair_of, propose, run_until

# (proposer, her peer, what the proposer types, the peer's words)
CASES = {
    "es": (
        JULIE,
        CARMEN,
        "jeudi 15h",
        {
            "asked": "Julie propone una sesión",
            "withdrew": "Julie retiró su propuesta de sesión.",
            "continue": "Seguir donde estaba",
            "closed": "Esta propuesta ya no está abierta.",
        },
    ),
    "fr": (
        CARMEN,
        JULIE,
        "jueves 15h",
        {
            "asked": "Carmen propose une séance",
            "withdrew": "Carmen a retiré sa proposition de séance.",
            "continue": "Reprendre là où j'étais",
            "closed": "Cette proposition n'est plus ouverte.",
        },
    ),
    "en": (
        CARMEN,
        AWA,
        "jueves 15h",
        {
            "asked": "Carmen proposes a session",
            "withdrew": "Carmen withdrew her proposal for a session.",
            "continue": "Continue where I was",
            "closed": "This proposal is no longer open.",
        },
    ),
}


def _withdraw(proposer: Member) -> None:
    proposer.says("menu")
    proposer.taps("sessions")
    proposer.taps("withdraw")


def _where(app, member: Member) -> tuple[str, str]:
    with app.db.session() as session:
        found = session.exec(
            select(ChannelAddress).where(ChannelAddress.address == member.address)
        ).one()
        state = conversations.load(session, found.participant_id)
        assert state is not None
        return state.flow, state.step


@pytest.mark.parametrize("language", list(CASES))
def test_withdrawn_while_she_was_asked_her_next_word_is_not_read_against_it(app, clock, language):
    proposer_profile, peer_profile, typed, words = CASES[language]
    proposer, peer = pair_of(app, clock, ("proposer", proposer_profile), ("peer", peer_profile))
    propose(proposer, typed)
    assert words["asked"] in peer.inbox()
    _withdraw(proposer)
    assert words["withdrew"] in peer.inbox()
    assert _where(app, peer) == ("home", "idle")
    peer.says("menu")
    assert words["continue"] not in peer.text
    assert words["closed"] not in peer.text


@pytest.mark.parametrize("language", list(CASES))
def test_withdrawn_while_she_was_in_the_menu_continue_no_longer_leads_to_it(app, clock, language):
    proposer_profile, peer_profile, typed, words = CASES[language]
    proposer, peer = pair_of(app, clock, ("proposer", proposer_profile), ("peer", peer_profile))
    propose(proposer, typed)
    peer.inbox()
    peer.says("menu")
    peer.expect(words["continue"])
    _withdraw(proposer)
    assert words["withdrew"] in peer.inbox()
    peer.says("menu")
    assert words["continue"] not in peer.text


@pytest.mark.parametrize("language", list(CASES))
def test_lapsed_while_she_was_asked_she_is_back_where_she_was(app, clock, language):
    proposer_profile, peer_profile, typed, words = CASES[language]
    proposer, peer = pair_of(app, clock, ("proposer", proposer_profile), ("peer", peer_profile))
    propose(proposer, typed)
    assert words["asked"] in peer.inbox()
    run_until(app, clock, datetime(2026, 3, 6, 12, 0, tzinfo=UTC))  # Thursday's time is gone
    peer.inbox()
    assert _where(app, peer) == ("home", "idle")
    peer.says("menu")
    assert words["continue"] not in peer.text
