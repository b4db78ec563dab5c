"""The coordinator console's sign-in codes and sessions.

A code is sent to a coordinator over her chat channel; only its hash is kept, it expires after
ten minutes and dies after five wrong tries. A session is a random token kept in her browser's
cookie; only its hash is kept here, with the CSRF token her forms must carry.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Field, Session, col, select

from storage.models import Table, utc_field


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class ConsoleCode(Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Hash of the browser's pending nonce: the code only works in the browser that asked.
    nonce_hash: str = Field(max_length=64, unique=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime | None = utc_field(nullable=False)
    expires_at: datetime | None = utc_field(nullable=False)
    attempts: int = Field(default=0)
    used_at: datetime | None = utc_field()


class ConsoleSession(Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    csrf: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime | None = utc_field(nullable=False)
    expires_at: datetime | None = utc_field(nullable=False)
    ended_at: datetime | None = utc_field()


def code_for(session: Session, nonce: str) -> ConsoleCode | None:
    return session.exec(select(ConsoleCode).where(ConsoleCode.nonce_hash == digest(nonce))).first()


def session_for(session: Session, token: str, now: datetime) -> ConsoleSession | None:
    """The live session of this cookie token, if any."""
    return session.exec(
        select(ConsoleSession).where(
            ConsoleSession.token_hash == digest(token),
            col(ConsoleSession.ended_at).is_(None),
            col(ConsoleSession.expires_at) > now,
        )
    ).first()


def forget_old(session: Session, now: datetime, keep: timedelta = timedelta(days=1)) -> None:
    """Drop codes and sessions that expired over `keep` ago (the audit log keeps the sign-ins)."""
    session.execute(delete(ConsoleCode).where(col(ConsoleCode.expires_at) < now - keep))
    session.execute(delete(ConsoleSession).where(col(ConsoleSession.expires_at) < now - keep))
