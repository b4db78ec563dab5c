"""Tables of the foundation: participants, their channel addresses, conversations, inbox and outbox.

Later features (matching, sessions, check-ins, coordination) keep their tables in modules of their
own beside this one; `storage.schema` imports them all so Alembic and `create_all` see every table.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime

# The largest id a row can have: ids are INTEGER columns, 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1


def id_from_text(text: str) -> int | None:
    """A typed or tampered id as a number, or None: digits only, within the ids' range."""
    return int(text) if text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID else None


def _public_id() -> str:
    return uuid.uuid4().hex[:12]


def utc_field(*, nullable: bool = True, index: bool = False) -> Any:
    """A timezone-aware UTC timestamp column."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_field(default_factory: Any = list) -> Any:
    """A JSON column (JSONB on PostgreSQL)."""
    return Field(default_factory=default_factory, sa_column=Column(JSONType, nullable=False))


class Table(SQLModel):
    """The base of every table.

    Rows are made by the ORM and by our code and are never validated or dumped through pydantic,
    so pydantic builds a table's validator and serializer on first use, not at import
    (`defer_build`): about 20 KB a table, half a megabyte in every process.
    """

    model_config = ConfigDict(defer_build=True)


class Participant(Table, table=True):
    """A woman in the programme; every personal field is erasable (`erase_participant`)."""

    id: int | None = Field(default=None, primary_key=True)
    # Stable pseudonym for exports and reports: never derived from personal data.
    public_id: str = Field(default_factory=_public_id, unique=True, max_length=32)
    name: str | None = Field(default=None, max_length=80)
    locale: str = Field(default="en", max_length=8)
    country: str | None = Field(default=None, max_length=8)
    region: str | None = Field(default=None, max_length=60)
    timezone: str | None = Field(default=None, max_length=48)
    business_name: str | None = Field(default=None, max_length=120)
    sector: str | None = Field(default=None, max_length=32)
    stage: str | None = Field(default=None, max_length=16)
    size: str | None = Field(default=None, max_length=16)
    skills_offered: list[str] = json_field()
    skills_wanted: list[str] = json_field()
    mentor_languages: list[str] = json_field()
    availability: list[str] = json_field()
    diaspora_ties: list[str] = json_field()
    share_contact: bool = Field(default=False)
    consent_at: datetime | None = utc_field()
    onboarded_at: datetime | None = utc_field()
    opted_out_at: datetime | None = utc_field()
    erased_at: datetime | None = utc_field()
    created_at: datetime | None = utc_field(nullable=False)


class ChannelAddress(Table, table=True):
    """One way to reach a participant: a Telegram chat, a WhatsApp or SMS number, a console name."""

    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    # Public handle she may agree to share with her peer (Telegram @username).
    handle: str | None = Field(default=None, max_length=64)
    last_inbound_at: datetime | None = utc_field()
    created_at: datetime | None = utc_field(nullable=False)


class Conversation(Table, table=True):
    """Where a participant is in her conversation: the flow, the step, and what it has gathered."""

    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=48)
    data: dict[str, Any] = json_field(dict)
    # Option keys offered with the last question, so "2" or the option's words can be resolved.
    offered: list[str] = json_field()
    version: int = Field(default=0)
    updated_at: datetime | None = utc_field(nullable=False)


class InboundMessage(Table, table=True):
    """One message received, keyed by the platform's own id so a redelivery is recognised.

    A webhook stores the raw request (`payload`) and answers at once; the inbox worker processes
    it later (`processed_at`) and then drops the payload: what matters of it lands in the profile
    or answers, the text itself is not kept.
    """

    __table_args__ = (
        UniqueConstraint("channel", "platform_key"),
        # Her messages still waiting, for the claim's "is an earlier one of hers waiting?": only
        # waiting rows are in it, so the look-up does not walk what she wrote months ago.
        Index(
            "ix_inboundmessage_waiting",
            "channel",
            "address",
            "id",
            sqlite_where=text("processed_at IS NULL"),
            postgresql_where=text("processed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    platform_key: str = Field(max_length=64)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    kind: str = Field(default="text", max_length=16)
    received_at: datetime | None = utc_field(nullable=False)
    # Who sent it (chat id, phone number): processing keeps each sender's messages in order.
    address: str | None = Field(default=None, max_length=64)
    # The raw update (Telegram JSON, Twilio form) until it is processed.
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    processed_at: datetime | None = utc_field(index=True)
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=200)


class OutboxStatus(StrEnum):
    """Life of an outbound message: pending → sending → sent → delivered/read, or failed."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    SKIPPED = "skipped"
    # Not sendable now (WhatsApp's 24-hour window closed): an invitation template went out
    # instead, and this message waits until she writes again (`outbox.release_held`).
    HELD = "held"


class Priority:
    """Lower goes first: live replies before nudges before bulk broadcasts."""

    LIVE = 0
    NUDGE = 5
    BULK = 9


class OutboundMessage(Table, table=True):
    """The outbox: every message the bot will send, written with the change that caused it."""

    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "next_attempt_at"),
        Index("ix_outbox_address", "channel", "address", "id"),
        # The claim asks, for each due message, whether an earlier one to her is still in
        # flight: with the status in the key that is a look-up, not a walk over her history.
        Index("ix_outbox_in_flight", "channel", "address", "status", "id"),
        # Her messages about one subject, for "a newer one about it replaces what still waits"
        # (`outbox.supersede_about`); only rows with a subject are in it, so replies cost nothing.
        Index(
            "ix_outbox_subject",
            "participant_id",
            "subject",
            sqlite_where=text("subject IS NOT NULL"),
            postgresql_where=text("subject IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)
    # A `flows.messages.Reply` as JSON, rendered in the recipient's language when it is sent.
    payload: dict[str, Any] = json_field(dict)
    purpose: str = Field(default="reply", max_length=32)
    priority: int = Field(default=Priority.LIVE)
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = utc_field(nullable=False)
    created_at: datetime | None = utc_field(nullable=False)
    sent_at: datetime | None = utc_field()
    # When the platform reported it on her phone (Twilio's "delivered" or "read" callback, as it
    # reached us: the callback carries no time of its own); None where nothing reports it.
    delivered_at: datetime | None = utc_field()
    platform_id: str | None = Field(default=None, max_length=64, index=True)
    error_code: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=200)
    broadcast_id: int | None = Field(default=None, index=True)
    # The platform template (Twilio Content SID) sent in place of this message, if any.
    template_sid: str | None = Field(default=None, max_length=64)
    # What a proactive message is about ("pair:4", "pair:4/meeting:9"), when a newer message
    # about the same may make it wrong before it goes out (see `outbox.supersede_about`).
    subject: str | None = Field(default=None, max_length=64)
