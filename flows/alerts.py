"""Telling coordinators that something needs a human: a pair gone quiet, a low pulse, a report.

Coordinators are people who talk to the bot like anyone else; `coordinator_ids` says which
participants they are (roles live in `flows.coordination`). Alerts go to each in her own
language, at once (not held for quiet hours).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from flows import coordination
from flows.config import FlowConfig
from flows.messages import Msg, Reply
from flows.proactive import notify
from storage.models import Participant, Priority


def coordinator_ids(session: Session, config: FlowConfig) -> list[int]:
    """Participants who are coordinators now: settings entries ("channel:address", a bare phone
    number matched on WhatsApp then SMS) that have written to the bot, and the coordinators added
    or removed since (see `flows.coordination`)."""
    return coordination.coordinator_ids(session, config)


def alert_coordinators(
    session: Session, message: Msg | Reply, *, now: datetime, config: FlowConfig, purpose: str
) -> int:
    """Queue `message` for every reachable coordinator; returns how many."""
    sent = 0
    for coordinator_id in coordinator_ids(session, config):
        coordinator = session.get(Participant, coordinator_id)
        if coordinator is not None and notify(
            session,
            coordinator,
            [message],
            now=now,
            config=config,
            purpose=purpose,
            priority=Priority.LIVE,
            respect_quiet=False,
        ):
            sent += 1
    return sent
