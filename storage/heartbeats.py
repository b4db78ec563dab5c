"""Heartbeats: a process doing periodic work says when it last did it, so /healthz can tell.

One row per kind of work ("scheduler"); whichever process does it writes `beat_at` (the app's
clock) and who it is (`holder`, host and pid). Several web workers then all report the same age.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session

from storage.models import Table, utc_field

SCHEDULER = "scheduler"


class Heartbeat(Table, table=True):
    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(default="", max_length=80)
    beat_at: datetime | None = utc_field(nullable=False)


def beat(session: Session, name: str, *, holder: str, now: datetime) -> datetime | None:
    """Record a beat; returns the previous beat's time (None on the first)."""
    row = session.get(Heartbeat, name, with_for_update=session.get_bind().dialect.name != "sqlite")
    previous = row.beat_at if row else None
    if row is None:
        row = Heartbeat(name=name, holder=holder, beat_at=now)
    else:
        row.holder, row.beat_at = holder, now
    session.add(row)
    return previous


def last(session: Session, name: str) -> Heartbeat | None:
    return session.get(Heartbeat, name)
