"""Women and active pairs inserted straight into the database, for session and nudge tests."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.app import App
from flows.messages import ChannelKind
from storage import conversations
from storage.db import Database
from storage.models import ChannelAddress, OutboundMessage, Participant
from storage.pairs import Cohort, Pair, PairStatus, ordered
from tests.support.dialog import Person

CARMEN = {"name": "Carmen", "locale": "es", "country": "BO", "timezone": "America/La_Paz"}
JULIE = {"name": "Julie", "locale": "fr", "country": "CA", "timezone": "America/Toronto"}
AWA = {"name": "Awa", "locale": "en", "country": "SN", "timezone": "Africa/Dakar"}
AWA_FR = {**AWA, "locale": "fr"}
ALL_WEEK = ["wd_morning", "wd_afternoon", "wd_evening", "sat", "sun"]


def add_woman(
    db: Database,
    address: str,
    profile: dict,
    *,
    now: datetime,
    availability: list[str] | None = None,
    channel: str = ChannelKind.CONSOLE.value,
) -> int:
    """An onboarded woman with consent, reachable on `channel`, resting on the home step."""
    with db.session() as session:
        person = Participant(
            **profile,
            availability=availability if availability is not None else ALL_WEEK,
            consent_at=now,
            onboarded_at=now,
            created_at=now,
        )
        session.add(person)
        session.flush()
        session.add(
            ChannelAddress(
                participant_id=person.id or 0, channel=channel, address=address, created_at=now
            )
        )
        conversations.save(
            session,
            participant_id=person.id or 0,
            flow="home",
            step="idle",
            data={},
            offered=[],
            now=now,
        )
        return person.id or 0


def active_pair(db: Database, first: int, second: int, *, now: datetime) -> int:
    """Both women in one cohort, paired and active since `now`."""
    with db.session() as session:
        cohort = Cohort(
            name="Test cohort", invite_code=f"T{first}-{second}", modes=["open"], created_at=now
        )
        session.add(cohort)
        session.flush()
        a, b = ordered(first, second)
        pair = Pair(
            cohort_id=cohort.id or 0,
            a_id=a,
            b_id=b,
            status=PairStatus.ACTIVE,
            proposed_at=now,
            introduced_at=now,
            active_at=now,
        )
        session.add(pair)
        session.flush()
        return pair.id or 0


class Member(Person):
    """A participant in a conversation test who also reads what arrives unasked (inbox)."""

    def __init__(self, app: App, address: str) -> None:
        super().__init__(app, address)
        self._read = 0

    def inbox(self) -> str:
        """Everything she received since she last looked, sent now (drains the outbox)."""
        asyncio.run(self.app.delivery.drain())
        messages = self.recorder.by_address[self.address]
        fresh = messages[self._read :]
        self._read = len(messages)
        return "\n---\n".join(fresh)

    def says(self, text: str, *, kind: str = "text", option_key: str | None = None) -> list[str]:
        self.inbox()  # what came before her message is not part of her answer
        replies = super().says(text, kind=kind, option_key=option_key)
        self._read = len(self.recorder.by_address[self.address])
        return replies


def outbox_for(db: Database, participant_id: int, purpose: str) -> list[OutboundMessage]:
    from sqlmodel import select

    with db.session() as session:
        return list(
            session.exec(
                select(OutboundMessage).where(
                    OutboundMessage.participant_id == participant_id,
                    OutboundMessage.purpose == purpose,
                )
            )
        )
