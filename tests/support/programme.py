"""Build a small programme straight in the database: women, their addresses, cohorts, pairs,
sessions, check-ins, pulses and survey answers (for coordination, broadcast and report tests)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from flows.messages import ChannelKind
from storage import conversations
from storage.models import ChannelAddress, Participant
from storage.pairs import Cohort, CohortMember, Pair, PairStatus

ZONES = {"BO": "America/La_Paz", "SN": "Africa/Dakar", "CA": "America/Vancouver"}
LOCALES = {"BO": "es", "SN": "fr", "CA": "en"}


class RecordingAll:
    """A recording channel for every kind, so one test can play women on all channels."""

    kinds = tuple(kind.value for kind in ChannelKind)
    rate = 10_000.0
    per_address_rate = 0.0

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.by_address: dict[str, list[str]] = defaultdict(list)
        self.times: dict[str, list[datetime]] = defaultdict(list)
        self.clock: Any = None

    async def send(self, message: Any) -> str:
        self.sent.append(message)
        self.by_address[message.address].append(message.rendered.as_numbered_text(message.language))
        if self.clock is not None:
            self.times[message.address].append(self.clock.now())
        return f"rec-{message.outbox_id}"


def woman(
    session: Session,
    address: str,
    *,
    now: datetime,
    country: str = "BO",
    locale: str | None = None,
    channel: str = "console",
    name: str | None = None,
    onboarded: bool = True,
    consent: bool = True,
    opted_out: bool = False,
    last_inbound_at: datetime | None = None,
    timezone: str | None = None,
    step: tuple[str, str] = ("home", "idle"),
) -> Participant:
    person = Participant(
        name=name or address.title(),
        locale=locale or LOCALES.get(country, "en"),
        country=country,
        timezone=timezone or ZONES.get(country),
        consent_at=now - timedelta(days=30) if consent else None,
        onboarded_at=now - timedelta(days=30) if onboarded else None,
        opted_out_at=now - timedelta(days=1) if opted_out else None,
        created_at=now - timedelta(days=40),
        sector="retail",
    )
    session.add(person)
    session.flush()
    session.add(
        ChannelAddress(
            participant_id=person.id or 0,
            channel=channel,
            address=address,
            last_inbound_at=last_inbound_at or now - timedelta(hours=1),
            created_at=now - timedelta(days=40),
        )
    )
    conversations.save(
        session,
        participant_id=person.id or 0,
        flow=step[0],
        step=step[1],
        data={},
        offered=[],
        now=now - timedelta(hours=1),
    )
    session.flush()
    return person


def cohort(session: Session, name: str, members: list[Participant], *, now: datetime) -> Cohort:
    group = Cohort(name=name, invite_code=name.upper(), modes=["north_south"], created_at=now)
    session.add(group)
    session.flush()
    for member in members:
        session.add(
            CohortMember(cohort_id=group.id or 0, participant_id=member.id or 0, joined_at=now)
        )
    session.flush()
    return group


def pair(
    session: Session,
    group: Cohort,
    a: Participant,
    b: Participant,
    *,
    now: datetime,
    status: str = PairStatus.ACTIVE,
    active_days_ago: int = 30,
) -> Pair:
    x, y = sorted((a.id or 0, b.id or 0))
    since = now - timedelta(days=active_days_ago)
    row = Pair(
        cohort_id=group.id or 0,
        a_id=x,
        b_id=y,
        status=status,
        proposed_at=since - timedelta(days=3),
        introduced_at=since - timedelta(days=2) if status != PairStatus.PROPOSED else None,
        active_at=since if status in (PairStatus.ACTIVE, PairStatus.PAUSED) else None,
        a_response="accepted" if status == PairStatus.ACTIVE else None,
        b_response="accepted" if status == PairStatus.ACTIVE else None,
    )
    session.add(row)
    session.flush()
    return row


def meeting(session: Session, the_pair: Pair, start: datetime, *, status: str = "held") -> Any:
    from storage.meetings import Meeting

    row = Meeting(
        pair_id=the_pair.id or 0,
        proposer_id=the_pair.a_id,
        proposer_zone="UTC",
        options=[start.isoformat()],
        local_options=[start.strftime("%Y-%m-%dT%H:%M")],
        status=status,
        start_at=start,
        proposed_at=start - timedelta(days=2),
        confirmed_at=start - timedelta(days=1),
        created_at=start - timedelta(days=2),
        updated_at=start,
    )
    session.add(row)
    session.flush()
    return row


def checkin(
    session: Session,
    the_pair: Pair,
    who: Participant,
    meeting_id: int | None,
    rating: int,
    *,
    at: datetime,
) -> Any:
    from storage.checkins import CheckIn

    row = CheckIn(
        participant_id=who.id or 0,
        pair_id=the_pair.id,
        meeting_id=meeting_id,
        asked_at=at,
        happened="yes",
        usefulness=rating,
        learned="pricing",
        completed_at=at,
    )
    session.add(row)
    session.flush()
    return row


def survey(
    session: Session,
    who: Participant,
    wave: str,
    values: dict[str, int],
    *,
    at: datetime,
    cohort_id: int | None = None,
) -> None:
    from storage import checkins

    round_ = checkins.start_round(
        session, participant_id=who.id or 0, wave=wave, cohort_id=cohort_id, pair_id=None, now=at
    )
    for outcome, value in values.items():
        checkins.record_answer(session, round_, outcome, value, now=at)
