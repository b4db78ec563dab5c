"""Arbitrary text at every step, in every language: never an exception, always a reply, and the
conversation always stays at a step that exists (with a profile that still makes sense)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.app import build
from bot.settings import Settings
from flows import registry
from flows.clock import FakeClock
from flows.messages import ChannelKind, Inbound
from flows.vocabulary import SKILLS
from storage import conversations
from storage.db import Database
from storage.models import Conversation, OutboundMessage, Participant
from tests.support.databases import sqlite_database

STEPS = sorted(
    (flow, step)
    for flow, steps in registry.flows().items()
    if flow in ("onboarding", "home")
    for step in steps
)
_counter = itertools.count()

awkward_text = st.one_of(
    st.text(max_size=60),
    st.text(min_size=2000, max_size=6000),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "99",
            "1 2 3 4 5 6 7 8 9 10 11",
            "🙂🙂",
            "2️⃣",
            "\x00\x07",
            "<script>",
            "{name}",
            "%s",
            "STOP",
            "menu",
            "langue",
            "1,,,3",
            "١",
            "٣",
        ]
    ),
    st.integers(-10, 10_000).map(str),
)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Database:
    with sqlite_database(tmp_path_factory.mktemp("fuzz")) as db:
        yield db


def _place(session: Session, language: str, flow: str, step: str) -> str:
    """A woman half-way through onboarding, sitting at `flow`/`step`."""
    address = f"fuzz-{next(_counter)}"
    now = datetime(2026, 3, 2, tzinfo=UTC)
    from storage import participants

    woman, _link, _ = participants.get_or_create(
        session, channel="console", address=address, locale=language, now=now
    )
    woman.consent_at = now
    woman.name = "Ana"
    woman.country = "CA"
    woman.region = "QC"
    woman.timezone = "America/Toronto"
    session.add(woman)
    conversations.save(
        session,
        participant_id=woman.id,
        flow=flow,
        step=step,
        data={"return_to": ["onboarding", "sector"]},
        offered=[],
        now=now,
    )
    return address


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    place=st.sampled_from(STEPS),
    language=st.sampled_from(["es", "fr", "en"]),
    text=awkward_text,
)
def test_any_text_at_any_step(database, place, language, text):
    flow, step = place
    app = build(
        Settings(_env_file=None),
        channels=[],
        clock=FakeClock(datetime(2026, 3, 3, tzinfo=UTC)),
        db=database,
    )
    with database.session() as session:
        address = _place(session, language, flow, step)
    queued = app.engine.handle(
        Inbound(channel=ChannelKind.CONSOLE, address=address, text=text, platform_key=address)
    )
    assert queued, "every message gets a reply"
    with database.session() as session:
        replies = session.exec(
            select(OutboundMessage).where(OutboundMessage.address == address)
        ).all()
        assert len(replies) >= queued
        assert all(reply.payload["msg"]["id"] for reply in replies)
        woman_id = _participant_id(session, address)
        if woman_id is None:  # "delete my data" was confirmed: nothing of her is left to check
            return
        state = session.get(Conversation, woman_id)
        assert state is not None and registry.exists(state.flow, state.step)
        woman = session.get(Participant, woman_id)
        assert set(woman.skills_offered) <= set(SKILLS)
        assert len(woman.skills_offered) <= 3 and len(woman.skills_wanted) <= 3
        assert woman.name is None or len(woman.name) <= 30


def _participant_id(session: Session, address: str) -> int | None:
    from storage.participants import find_address

    link = find_address(session, channel="console", address=address)
    return link.participant_id if link else None
