"""Who may act as a coordinator, checked on every call, and the audit log of what they did.

Coordinators come from two places: the `COORDINATORS` setting ("telegram:123456789",
"whatsapp:+221770000000", "sms:+15145550000", a bare phone number that matches WhatsApp and SMS,
or "participant:12") and rows added by another coordinator (in chat) or by an operator
(`entrepairs coordinators add`). Settings are recognised as they are; removing a coordinator named
in the settings writes a removed row for her, so the removal holds across restarts.

Every action goes through `authorize`, which answers and writes the audit entry in the caller's
transaction, or `require` (for commands run outside a conversation), which commits the entry
first and raises `NotAllowed` when refused, so a refusal is logged even though nothing else happens.
Operators at the command line hold the server's keys already: they are allowed, and logged.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, col, select

from flows.config import FlowConfig
from flows.messages import _
from storage import coordination as store
from storage.coordination import Coordinator
from storage.db import Database
from storage.models import ChannelAddress, Participant
from storage.pairs import Cohort

# Said (chat and command line) after making a coordinator of someone the bot does not know yet.
NOT_WRITTEN = _(
    "{who} has not written to the bot yet. She can sign in to the console once she has sent it "
    "a message from that number or account."
)

PHONE_CHANNELS = ("whatsapp", "sms")
CHANNELS = ("telegram", "whatsapp", "sms", "console")


class NotAllowed(PermissionError):
    """The caller is not a coordinator (the refusal is in the audit log)."""


class Named(Protocol):
    """What names a coordinator: a Coordinator row, or its columns read in Core."""

    participant_id: int | None
    channel: str | None
    address: str | None
    removed_at: datetime | None


@dataclass(frozen=True)
class Identity:
    """How a coordinator is named: a participant, or an address on a channel ("" = any phone)."""

    channel: str | None = None
    address: str | None = None
    participant_id: int | None = None

    def describe(self) -> str:
        if self.participant_id is not None:
            return f"participant:{self.participant_id}"
        return f"{self.channel}:{self.address}" if self.channel else str(self.address)

    def same_as(self, row: Named) -> bool:
        if self.participant_id is not None:
            return row.participant_id == self.participant_id
        return (row.channel or "") == (self.channel or "") and row.address == self.address


def _phone(text: str) -> str:
    digits = re.sub(r"[\s\-().]", "", text)
    if not re.fullmatch(r"\+?\d{6,16}", digits):
        raise ValueError(f"not a phone number: {text!r}")
    return digits if digits.startswith("+") else f"+{digits}"


def _bare(text: str) -> str:
    digits = re.sub(r"[\s\-().]", "", text)
    if not digits.isdigit():
        raise ValueError(f"not a phone number or Telegram id: {text!r}")
    return digits


def parse_identity(text: str) -> Identity:
    """ "telegram:123", "whatsapp:+221…", "sms:+1…", "+591…" or "participant:12"."""
    text = text.strip()
    if ":" not in text:
        # A bare number: a phone (WhatsApp or SMS), or without "+" possibly a Telegram id.
        return Identity(channel="", address=_phone(text) if text.startswith("+") else _bare(text))
    channel, _, address = text.partition(":")
    channel, address = channel.strip().lower(), address.strip()
    if channel == "participant" and address.isdigit():
        return Identity(participant_id=int(address))
    if channel not in CHANNELS or not address:
        raise ValueError(
            f"expected telegram:ID, whatsapp:+PHONE, sms:+PHONE, +PHONE or participant:N, "
            f"got {text!r}"
        )
    if channel in PHONE_CHANNELS:
        address = _phone(address)
    if channel == "telegram" and not address.lstrip("-").isdigit():
        raise ValueError(f"a Telegram id is a number, got {address!r}")
    return Identity(channel=channel, address=address)


@dataclass(frozen=True)
class Actor:
    """Who is asking: someone writing to the bot, or an operator at the command line."""

    kind: str  # "chat" | "operator"
    participant_id: int | None = None
    name: str = ""

    @classmethod
    def chat(cls, participant: Participant) -> Actor:
        return cls("chat", participant_id=participant.id)

    @classmethod
    def operator(cls, name: str | None = None) -> Actor:
        try:
            who = name or getpass.getuser()
        except Exception:  # no login name in some containers
            who = "operator"
        return cls("operator", name=re.sub(r"[^\w.\-]", "_", who)[:30])

    def label(self, allowed: bool = True) -> str:
        if self.kind == "operator":
            return f"operator:{self.name}"
        return f"{'coordinator' if allowed else 'participant'}:{self.participant_id}"


# Who is a coordinator ------------------------------------------------------------------------


def _settings_identities(config: FlowConfig) -> list[Identity]:
    found = []
    for entry in sorted(config.coordinators):
        try:
            found.append(parse_identity(entry))
        except ValueError:
            continue  # a bad entry names nobody (settings are checked at start-up)
    return found


def effective(session: Session, config: FlowConfig) -> list[tuple[Identity, Coordinator | None]]:
    """Every coordinator now: active rows, and settings entries no row has ever named."""
    return _merged(store.coordinators(session, active_only=False), config)


def _merged(rows: Sequence[Named], config: FlowConfig) -> list[tuple[Identity, Any]]:
    """The active rows' identities, then the settings entries that no row (active or removed)
    has ever named, each with its row (None for a settings entry)."""
    result: list[tuple[Identity, Any]] = [
        (Identity(row.channel, row.address, row.participant_id), row)
        for row in rows
        if row.removed_at is None
    ]
    for identity in _settings_identities(config):
        if not any(identity.same_as(row) for row in rows):
            result.append((identity, None))
    return result


def _addresses_of(session: Session, participant_id: int) -> list[ChannelAddress]:
    return list(
        session.exec(select(ChannelAddress).where(ChannelAddress.participant_id == participant_id))
    )


def _names(identity: Identity, participant_id: int, links: list[ChannelAddress]) -> bool:
    if identity.participant_id is not None:
        return identity.participant_id == participant_id
    return any(_names_address(identity, link.channel, link.address) for link in links)


def _names_address(identity: Identity, channel: str, address: str) -> bool:
    """Does `identity` name this address? A bare number names a phone, or a Telegram id."""
    wanted = identity.address or ""
    if identity.channel:
        return channel == identity.channel and address == wanted
    if channel in PHONE_CHANNELS:
        return address == (wanted if wanted.startswith("+") else f"+{wanted}")
    return channel == "telegram" and address == wanted


def is_coordinator(session: Session, config: FlowConfig, actor: Actor) -> bool:
    if actor.kind == "operator":
        return True
    if actor.participant_id is None:
        return False
    participant = session.get(Participant, actor.participant_id)
    if participant is None or participant.erased_at is not None:
        return False
    links = _addresses_of(session, actor.participant_id)
    return any(
        _names(identity, actor.participant_id, links)
        for identity, _row in effective(session, config)
    )


def coordinator_ids(session: Session, config: FlowConfig) -> list[int]:
    """Participants who are coordinators now (those named by an address once it has written)."""
    found: list[int] = []
    # Read on every menu: the rows as plain columns (see `store.coordinator_names`).
    for identity, _row in _merged(store.coordinator_names(session), config):
        for participant_id in _named_ids(session, identity):
            if participant_id not in found:
                found.append(participant_id)
    return found


def _named_ids(session: Session, identity: Identity) -> list[int]:
    """The participants `identity` names: hers, or those who wrote from its address."""
    if identity.participant_id is not None:
        return [identity.participant_id]
    wanted = identity.address or ""
    shapes = {wanted, wanted if wanted.startswith("+") else f"+{wanted}"}
    return [
        link.participant_id
        for link in session.exec(
            select(ChannelAddress).where(col(ChannelAddress.address).in_(shapes))
        )
        if _names_address(identity, link.channel, link.address)
    ]


def has_written(session: Session, who: str) -> bool:
    """Whether the bot knows `who` from her messages: the console finds a coordinator by the
    address she writes from (`flows.console_auth.find_by_address`), so until she has written
    she cannot sign in, whatever her role or password."""
    for participant_id in _named_ids(session, parse_identity(who)):
        person = session.get(Participant, participant_id)
        known = person is not None and person.erased_at is None
        if known and _addresses_of(session, participant_id):
            return True
    return False


# Checking and logging ------------------------------------------------------------------------


def authorize(
    session: Session,
    config: FlowConfig,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    audience: int | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Is `actor` a coordinator right now? The answer is written to the audit log either way."""
    allowed = is_coordinator(session, config, actor)
    store.record(
        session,
        actor=actor.label(allowed),
        action=action if allowed else f"refused:{action}"[:32],
        now=now,
        allowed=allowed,
        audience=audience if allowed else None,
        details=details if allowed else None,
    )
    return allowed


def require(
    db: Database,
    config: FlowConfig,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    audience: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Check and log in a transaction of its own; raise `NotAllowed` when refused."""
    with db.session() as session:
        allowed = authorize(
            session, config, actor, action, now=now, audience=audience, details=details
        )
    if not allowed:
        raise NotAllowed(action)


def log(
    session: Session,
    actor: Actor,
    action: str,
    *,
    now: datetime,
    audience: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record an action already authorized in this transaction (e.g. the send after the check)."""
    store.record(
        session,
        actor=actor.label(True),
        action=action,
        now=now,
        audience=audience,
        details=details,
    )


# Adding and removing -------------------------------------------------------------------------


class UnknownParticipant(ValueError):
    """`participant:N` names nobody: a well-written identity, unlike other ValueErrors."""

    def __init__(self, participant_id: int) -> None:
        super().__init__(f"no participant {participant_id}")
        self.participant_id = participant_id


@dataclass(frozen=True)
class Listed:
    id: int | None
    identity: str
    added_by: str
    added_at: datetime | None
    role: str = "admin"  # console role; settings entries are admins
    countries: tuple[str, ...] = ()  # what she sees (none of either: the whole programme)
    cohorts: tuple[int, ...] = ()


def add(
    session: Session, config: FlowConfig, actor: Actor, who: str, *, now: datetime
) -> Coordinator:
    """Make `who` a coordinator (idempotent); raises NotAllowed or ValueError."""
    identity = parse_identity(who)
    if not authorize(session, config, actor, "coordinator_add", now=now):
        raise NotAllowed("coordinator_add")
    if (
        identity.participant_id is not None
        and session.get(Participant, identity.participant_id) is None
    ):
        raise UnknownParticipant(identity.participant_id)
    for row in store.coordinators(session):
        if identity.same_as(row):
            return row
    row = Coordinator(
        participant_id=identity.participant_id,
        channel=identity.channel,
        address=identity.address,
        added_by=actor.label(),
        added_at=now,
        # One named in the settings keeps her console role (admin) once she has a row.
        role="admin" if identity in _settings_identities(config) else "coordinator",
    )
    session.add(row)
    session.flush()
    log(session, actor, "coordinator_added", now=now, details={"coordinator": row.id})
    return row


def remove(session: Session, config: FlowConfig, actor: Actor, who: str, *, now: datetime) -> int:
    """Take the role from `who` (a settings entry too); returns how many entries were removed."""
    identity = parse_identity(who)
    if not authorize(session, config, actor, "coordinator_remove", now=now):
        raise NotAllowed("coordinator_remove")
    removed = 0
    for found, row in effective(session, config):
        if found != identity:
            continue
        if row is None:  # named in the settings: a removed row keeps her out
            row = Coordinator(
                participant_id=found.participant_id,
                channel=found.channel,
                address=found.address,
                added_by="settings",
                added_at=now,
            )
        row.removed_at = now
        row.removed_by = actor.label()
        session.add(row)
        session.flush()
        log(session, actor, "coordinator_removed", now=now, details={"coordinator": row.id})
        removed += 1
    return removed


def is_named(session: Session, config: FlowConfig, who: str) -> bool:
    """Whether `who`, as written, is a coordinator now (an active row or a settings entry)."""
    identity = parse_identity(who)
    return any(found == identity for found, _row in effective(session, config))


def cohort_names(session: Session, found: Sequence[Listed]) -> dict[int, str]:
    """The names of the cohorts these coordinators are limited to, by id (for their lists)."""
    wanted = sorted({cohort for item in found for cohort in item.cohorts})
    if not wanted:
        return {}
    rows = session.exec(select(Cohort.id, Cohort.name).where(col(Cohort.id).in_(wanted)))
    return {cohort_id: name for cohort_id, name in rows if cohort_id is not None}


def listing(session: Session, config: FlowConfig, actor: Actor, *, now: datetime) -> list[Listed]:
    if not authorize(session, config, actor, "coordinator_list", now=now):
        raise NotAllowed("coordinator_list")
    return [
        Listed(
            row.id if row else None,
            identity.describe(),
            row.added_by if row else "settings",
            row.added_at if row else None,
            row.role if row else "admin",
            tuple(row.countries or ()) if row else (),
            tuple(row.cohorts or ()) if row else (),
        )
        for identity, row in effective(session, config)
    ]
