"""The inbound log: each platform message is recorded once, before any flow runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import InboundMessage


def record_once(
    session: Session, *, channel: str, platform_key: str, kind: str, now: datetime
) -> InboundMessage | None:
    """Record a platform message; None when it was recorded before (a redelivery).

    The unique key (channel, platform_key) decides, so two workers racing on the same webhook
    cannot both win: the loser's savepoint fails and it learns it is a duplicate.
    """
    row = InboundMessage(channel=channel, platform_key=platform_key, kind=kind, received_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row
