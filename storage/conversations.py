"""Conversation state, saved after every step so a restart resumes at the same question."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage.models import Conversation


def load(session: Session, participant_id: int) -> Conversation | None:
    return session.get(Conversation, participant_id)


def save(
    session: Session,
    *,
    participant_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    offered: list[str],
    now: datetime,
) -> Conversation:
    """Write where she is now; `version` counts the steps taken."""
    conversation = session.get(Conversation, participant_id)
    if conversation is None:
        conversation = Conversation(participant_id=participant_id, flow=flow, step=step)
    conversation.flow = flow
    conversation.step = step
    # A fresh dict so SQLAlchemy sees the change to the JSON column.
    conversation.data = dict(data)
    conversation.offered = list(offered)
    conversation.version = (conversation.version or 0) + 1
    conversation.updated_at = now
    session.add(conversation)
    return conversation
