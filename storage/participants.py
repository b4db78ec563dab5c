"""Participants and the channel addresses they write from."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, insert, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import batch, checkins, conversations, json_codec
from storage.coordination import Coordinator
from storage.dialects import OneOf, Together, together, unnested
from storage.models import (
    ChannelAddress,
    OutboundMessage,
    OutboxStatus,
    Participant,
)
from storage.types import UTCDateTime

# Profile fields holding personal data; erasure clears every one of them.
PERSONAL_FIELDS = (
    "name",
    "country",
    "region",
    "timezone",
    "business_name",
    "sector",
    "stage",
    "size",
)
PERSONAL_LIST_FIELDS = (
    "skills_offered",
    "skills_wanted",
    "mentor_languages",
    "availability",
    "diaspora_ties",
)


def find_address(session: Session, *, channel: str, address: str) -> ChannelAddress | None:
    return session.exec(
        select(ChannelAddress).where(
            ChannelAddress.channel == channel, ChannelAddress.address == address
        )
    ).first()


_addresses = ChannelAddress.__table__  # type: ignore[attr-defined]
_TOUCH = (
    update(_addresses)
    .where(_addresses.c.id == bindparam("address_id"))
    .values(last_inbound_at=bindparam("now"))
)
_touched = unnested(address_id=Integer(), now=UTCDateTime())
together(
    _TOUCH,
    Together(
        update(_addresses)
        .where(_addresses.c.id == _touched.c.address_id)
        .values(last_inbound_at=_touched.c.now),
        columns=("address_id", "now"),
        key="address_id",
    ),
)
# Her address and herself in one statement, built once.
_HER = (
    select(ChannelAddress, Participant)
    .join(Participant, col(Participant.id) == ChannelAddress.participant_id)
    .where(
        ChannelAddress.channel == bindparam("channel"),
        ChannelAddress.address == bindparam("address"),
    )
)


# The same for every sender of an inbox batch, in one statement (see `prefetch`).
_THEIRS = (
    select(ChannelAddress, Participant)
    .join(Participant, col(Participant.id) == ChannelAddress.participant_id)
    .where(
        ChannelAddress.channel == bindparam("channel"),
        OneOf(col(ChannelAddress.address), "addresses"),
    )
)
# Where `prefetch` leaves what it read, on the batch's session (gone with it).
_PREFETCHED = "participants.prefetched"

_participants = Participant.__table__  # type: ignore[attr-defined]
_NEW_PARTICIPANT = insert(_participants).returning(_participants.c.id)
_NEW_ADDRESS = insert(_addresses)


def touch(session: Session, link: ChannelAddress, now: datetime) -> None:
    """She wrote from this address now: one Core UPDATE (an inbox batch's together, see
    storage/batch.py), the loaded row kept in step, not dirty."""
    parameters = {"address_id": link.id, "now": now}
    if not batch.defer(session, _TOUCH, parameters):
        session.connection().execute(_TOUCH, parameters)
    set_committed_value(link, "last_inbound_at", now)


def prefetch(session: Session, senders: Iterable[tuple[str, str | None]]) -> list[int]:
    """Read the address and the woman behind each (channel, address) of a batch at once; returns
    the ids of the women found.

    `get_or_create` then finds her, or knows she is new, without a statement of its own: one
    SELECT per batch instead of one per message.

    A batch holds one message per sender, and the rows are the session's own (identity map), so
    what an earlier message of the batch changed is what a later one sees.
    """
    by_channel: dict[str, set[str]] = {}
    for channel, address in senders:
        if address:
            by_channel.setdefault(channel, set()).add(address)
    kept = session.info.setdefault(_PREFETCHED, {})
    found: list[int] = []
    for channel, addresses in by_channel.items():
        kept.update(dict.fromkeys(((channel, address) for address in addresses), None))
        params = {"channel": channel, "addresses": sorted(addresses)}
        for link, participant in session.exec(_THEIRS, params=params):  # type: ignore[call-overload]
            kept[(link.channel, link.address)] = (link, participant)
            found.append(participant.id)
    return found


def get_or_create(
    session: Session, *, channel: str, address: str, locale: str, now: datetime
) -> tuple[Participant, ChannelAddress, bool]:
    """The participant behind an address, created (with that address) on first contact."""
    prefetched = session.info.get(_PREFETCHED, {})
    if (channel, address) in prefetched:  # looked up with the batch: None when she is new
        found = prefetched.pop((channel, address))
    else:
        found = session.exec(_HER, params={"channel": channel, "address": address}).first()  # type: ignore[call-overload]
    if found is not None:
        link, participant = found
        return participant, link, False
    _create(session, channel=channel, address=address, locale=locale, now=now)
    link, participant = session.exec(_HER, params={"channel": channel, "address": address}).one()  # type: ignore[call-overload]
    return participant, link, True


def _create(session: Session, *, channel: str, address: str, locale: str, now: datetime) -> None:
    """Her row and her address in Core: building a Participant costs ten times the INSERTs."""
    connection = session.connection()
    lists = {name: [] for name in PERSONAL_LIST_FIELDS}
    participant_id = connection.execute(
        _NEW_PARTICIPANT, {"locale": locale, "created_at": now, **lists}
    ).scalar_one()
    link = {"participant_id": participant_id, "channel": channel, "address": address}
    connection.execute(_NEW_ADDRESS, {**link, "created_at": now})


def link_address(
    session: Session, *, participant_id: int, channel: str, address: str, now: datetime
) -> ChannelAddress:
    """Add a way to reach her (her WhatsApp number also as SMS, say); idempotent.

    Raises ValueError when the address already belongs to someone else: merging two people is
    a decision for her or a coordinator, never automatic.
    """
    link = find_address(session, channel=channel, address=address)
    if link is not None:
        if link.participant_id != participant_id:
            raise ValueError("address belongs to another participant")
        return link
    link = ChannelAddress(
        participant_id=participant_id, channel=channel, address=address, created_at=now
    )
    session.add(link)
    session.flush()
    return link


def addresses(session: Session, participant_id: int) -> list[ChannelAddress]:
    return list(
        session.exec(
            select(ChannelAddress)
            .where(ChannelAddress.participant_id == participant_id)
            .order_by(col(ChannelAddress.last_inbound_at).desc())
        )
    )


def preferred_address(session: Session, participant_id: int) -> ChannelAddress | None:
    """Where to reach her unprompted: the address she wrote from most recently."""
    found = addresses(session, participant_id)
    return found[0] if found else None


def erase(session: Session, participant: Participant, *, now: datetime) -> None:
    """Remove her personal data: profile fields cleared, addresses and queued messages deleted.

    The row itself stays (anonymous, with its pseudonymous id) so programme counts stay true.
    """
    # What others were told about her (her name in an introduction, her contact once both
    # accepted, a coordinator's alert) goes too: gathered before her fields are cleared.
    known = _identifiers(session, participant)
    for name in PERSONAL_FIELDS:
        setattr(participant, name, None)
    for name in PERSONAL_LIST_FIELDS:
        setattr(participant, name, [])
    participant.share_contact = False
    participant.erased_at = now
    participant.opted_out_at = participant.opted_out_at or now
    session.add(participant)
    links = addresses(session, participant.id or 0)
    _retire_coordinator(session, participant.id or 0, links, now)
    for link in links:
        session.delete(link)
    for message in session.exec(
        select(OutboundMessage).where(OutboundMessage.participant_id == participant.id)
    ):
        session.delete(message)
    conversations.delete_state(session, participant.id or 0)
    # What she wrote in check-ins and problem reports; ratings stay, anonymous, for the counts.
    checkins.erase_texts_of(session, participant.id or 0)
    _scrub_messages_about(session, participant.id or 0, known)
    _clear_meeting_places(session, participant.id or 0)


def _retire_coordinator(
    session: Session, participant_id: int, links: list[ChannelAddress], now: datetime
) -> None:
    """A coordinator who erases her data stops being one, and her address leaves that table too."""
    # A bare phone number names her on any phone channel, so the address alone decides.
    known = [link.address for link in links]
    mine = or_(Coordinator.participant_id == participant_id, col(Coordinator.address).in_(known))
    for row in session.exec(select(Coordinator).where(mine)):
        row.address = None
        row.password_hash = None
        row.removed_at = row.removed_at or now
        row.removed_by = row.removed_by or "erased"
        session.add(row)


# Stands in for a message to someone else that named her; never rendered (see below).
ERASED_PAYLOAD: dict[str, Any] = {
    "msg": {"id": "[erased]", "params": {}},
    "options": [],
    "multi": False,
}


def _identifiers(session: Session, participant: Participant) -> list[str]:
    """Her name, business name, addresses and handles: what may appear in others' messages."""
    found = [participant.name, participant.business_name]
    for link in addresses(session, participant.id or 0):
        found += [link.address, link.handle, link.address.removeprefix("+")]
    return sorted({value for value in found if value and len(value) >= 3})


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _scrub_messages_about(session: Session, participant_id: int, known: list[str]) -> None:
    """Other people's outbox rows whose parameters name her: payload replaced, never sent.

    The database narrows the search (the JSON text contains one of her identifiers, written
    plainly, with JSON's escapes, or also \\u-escaped as rows stored before `json_codec` were);
    Python then checks the parameters themselves, so a short name inside an English message id
    does not count.
    """
    if not known:
        return
    text = cast(OutboundMessage.payload, String)  # type: ignore[arg-type]
    forms = {
        form
        for value in known
        for form in (value, json_codec.dumps(value)[1:-1], json.dumps(value)[1:-1])
    }
    candidates = session.exec(
        select(OutboundMessage).where(
            col(OutboundMessage.participant_id).is_distinct_from(participant_id),
            or_(*(text.contains(form, autoescape=True) for form in forms)),
        )
    ).all()
    for message in candidates:
        payload = dict(message.payload)
        payload.pop("options", None)  # option labels are ours, never her words
        if not any(value in piece for piece in _strings(payload) for value in known):
            continue
        message.payload = dict(ERASED_PAYLOAD)
        if message.status in (OutboxStatus.PENDING, OutboxStatus.HELD):
            message.status = OutboxStatus.SKIPPED  # not sent: it would say nothing now
        session.add(message)


def _clear_meeting_places(session: Session, participant_id: int) -> None:
    """A meeting's place may be her shop or her home: cleared on the meetings of her pairs."""
    from storage.meetings import Meeting
    from storage.pairs import Pair

    pairs = select(Pair.id).where(or_(Pair.a_id == participant_id, Pair.b_id == participant_id))
    session.execute(
        update(Meeting)
        .where(col(Meeting.pair_id).in_(pairs), col(Meeting.place).is_not(None))
        .values(place=None)
    )
