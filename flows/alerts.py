"""Telling coordinators that something needs a human: a pair gone quiet, a low pulse, a report.

Coordinators are people who talk to the bot like anyone else; `coordinator_ids` says which
participants they are. Alerts go to each in her own language, at once (not held for quiet hours).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from flows.config import FlowConfig
from flows.messages import Msg, Reply
from flows.proactive import notify
from storage import participants
from storage.models import Participant, Priority


def coordinator_ids(session: Session, config: FlowConfig) -> list[int]:
    """Participants who are coordinators: each configured "channel:address" (or bare phone
    number, matched on WhatsApp then SMS) that has written to the bot."""
    found: list[int] = []
    for entry in sorted(config.coordinators):
        channel, _, address = entry.partition(":") if ":" in entry else ("", "", entry)
        channels = [channel] if channel else ["whatsapp", "sms", "telegram"]
        for kind in channels:
            link = participants.find_address(session, channel=kind, address=address)
            if link is not None and link.participant_id not in found:
                found.append(link.participant_id)
                break
    return found


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
