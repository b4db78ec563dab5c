"""Participants and the channel addresses they write from."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage import checkins
from storage.models import ChannelAddress, Conversation, OutboundMessage, Participant

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


def get_or_create(
    session: Session, *, channel: str, address: str, locale: str, now: datetime
) -> tuple[Participant, ChannelAddress, bool]:
    """The participant behind an address, created (with that address) on first contact."""
    link = find_address(session, channel=channel, address=address)
    if link is not None:
        participant = session.get(Participant, link.participant_id)
        assert participant is not None  # foreign key
        return participant, link, False
    participant = Participant(locale=locale, created_at=now)
    session.add(participant)
    session.flush()
    assert participant.id is not None
    link = ChannelAddress(
        participant_id=participant.id, channel=channel, address=address, created_at=now
    )
    session.add(link)
    session.flush()
    return participant, link, True


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
    for name in PERSONAL_FIELDS:
        setattr(participant, name, None)
    for name in PERSONAL_LIST_FIELDS:
        setattr(participant, name, [])
    participant.share_contact = False
    participant.erased_at = now
    participant.opted_out_at = participant.opted_out_at or now
    session.add(participant)
    for link in addresses(session, participant.id or 0):
        session.delete(link)
    for message in session.exec(
        select(OutboundMessage).where(OutboundMessage.participant_id == participant.id)
    ):
        session.delete(message)
    conversation = session.get(Conversation, participant.id)
    if conversation is not None:
        session.delete(conversation)
    # What she wrote in check-ins and problem reports; ratings stay, anonymous, for the counts.
    checkins.erase_texts_of(session, participant.id or 0)
