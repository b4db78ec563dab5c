"""Broadcasts: one announcement to many women, each in her language, at a decent local hour.

A coordinator drafts a broadcast (audience filter, a text per language, when), looks at the
preview (how many women per language and channel, each text as it will appear), and confirms.
Confirming writes every message to the outbox in one transaction, at bulk priority, so either the
whole audience is queued or nobody is; the delivery worker then sends them, live conversations
first. Each message is due at the chosen moment in the recipient's own time zone, moved out of
her quiet hours, and interleaved across platforms at their relative rates; the delivery worker
paces the sends and keeps only half a second of bulk in flight, so a woman waiting for an
answer is never stuck behind an announcement.

Opted-out women are never in the audience (they are counted as skipped); so are women who have
not given consent or have no address (counted as unreachable). A language present in the
audience without a text blocks sending, unless a fallback language was chosen explicitly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from flows.config import FlowConfig
from flows.coordination import Actor, NotAllowed, authorize, coordinator_ids, log
from flows.i18n import LANGUAGES, zone
from flows.messages import Msg, Reply, _
from flows.quiet import next_allowed
from flows.render import Reader, render, render_msg
from flows.scope import EVERYONE, Scope, members
from flows.vocabulary import SPOKEN_LANGUAGES
from storage.coordination import Broadcast, BroadcastStatus
from storage.models import ChannelAddress, OutboundMessage, OutboxStatus, Participant, Priority
from storage.pairs import LIVE_STATUSES, CohortMember, Pair, find_cohort

PURPOSE = "broadcast"
LONGEST = 600  # characters of her own text; with the header the message stays under 700
NO_PAIR = "none"  # pair-status filter: no introduced, active or paused pair
WHATSAPP_WINDOW = timedelta(hours=24)
# Messages per second each platform takes, used to interleave a broadcast's rows (the delivery
# worker paces the actual sends; `entrepairs broadcast` passes the configured rates).
DEFAULT_PACE = {"telegram": 30.0, "whatsapp": 25.0, "sms": 1.0, "console": 100.0}

ANNOUNCEMENT = _("Message from the Entrepairs team:\n\n{text}")


class BroadcastError(ValueError):
    """The broadcast cannot be sent as it is: `msg` says why, in the coordinator's language."""

    def __init__(self, msg: Msg) -> None:
        self.msg = msg
        super().__init__(render_msg(msg, Reader("en")))  # for logs and tracebacks


# Why a broadcast is refused, as the coordinator reads it (console, CLI, chat).
NO_COHORT = _("There is no cohort named “{name}”.")
UNKNOWN_LANGUAGE = _("“{language}” is not a language of the bot: write es, fr or en.")
TOO_LONG = _("The text in {language} has {length} characters: {longest} at most.")
BAD_TIME = _("Write the local hour like 10:00 (not “{text}”).")
UNKNOWN_FALLBACK = _("“{language}” cannot be the fallback language: choose es, fr or en.")
EMPTY_FALLBACK = _("The fallback language, {language}, has no text.")
NO_TEXT = _("Write the announcement in at least one language.")
MISSING_TEXT = _("The text in {languages} is missing: add it, or choose a fallback language.")
ALREADY_SENT = _("This announcement was already sent or cancelled.")
NOT_FOUND = _("There is no announcement number {number}.")
# Said instead of "0 failed messages will be sent again" (chat and console).
NOTHING_FAILED = _("There is nothing to send again: no failed message is waiting.")
NOT_RETRIED = _("This announcement was cancelled: its failed messages are not sent again.")
ALREADY_CANCELLED = _("This announcement is already cancelled.")
ALL_GONE = _("This announcement has already gone out: there is nothing left to stop.")


def _languages(*codes: str) -> dict[str, Any]:
    """Languages named mid-sentence in the reader's words: "Spanish", "espagnol", "español"."""
    return {"$list": [{"$msg": SPOKEN_LANGUAGES[c].to_json()} for c in codes], "lower": "names"}


# Audience ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Who a broadcast is for: every filter given must hold (an empty filter lets all through)."""

    cohorts: tuple[str, ...] = ()  # cohort names or ids
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    pair_statuses: tuple[str, ...] = ()  # PairStatus values, or "none"
    onboarded: bool | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: list(getattr(self, name))
            for name in ("cohorts", "countries", "languages", "channels", "pair_statuses")
            if getattr(self, name)
        }
        if self.onboarded is not None:
            data["onboarded"] = self.onboarded
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audience:
        return cls(
            cohorts=tuple(str(x) for x in data.get("cohorts", ())),
            countries=tuple(str(x).upper() for x in data.get("countries", ())),
            languages=tuple(str(x).lower() for x in data.get("languages", ())),
            channels=tuple(str(x).lower() for x in data.get("channels", ())),
            pair_statuses=tuple(str(x).lower() for x in data.get("pair_statuses", ())),
            onboarded=data.get("onboarded"),
        )


def within(audience: Audience, scope: Scope) -> Audience:
    """The audience narrowed to a coordinator's scope: of the countries and cohorts chosen, hers
    only; none left, all of hers. `Scope.sees_broadcast` then knows the announcement as hers."""
    countries = tuple(c for c in audience.countries if not scope.countries or c in scope.countries)
    mine = scope.cohort_keys
    cohorts = tuple(c for c in audience.cohorts if not mine or c in mine)
    return replace(
        audience,
        countries=countries or scope.countries,
        cohorts=cohorts or tuple(str(c) for c in scope.cohorts),
    )


@dataclass(frozen=True)
class Recipient:
    participant_id: int
    language: str
    channel: str
    address: str
    timezone: str | None
    last_inbound_at: datetime | None


@dataclass
class Selection:
    recipients: list[Recipient] = field(default_factory=list)
    opted_out: int = 0
    unreachable: int = 0  # no consent yet, or no address

    @property
    def matched(self) -> int:
        return len(self.recipients) + self.opted_out + self.unreachable


def _chunks(values: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _cohort_ids(session: Session, names: tuple[str, ...]) -> list[int]:
    found = []
    for name in names:
        cohort = find_cohort(session, name)
        if cohort is None:
            raise BroadcastError(_(NO_COHORT.msgid, name=name))
        found.append(cohort.id or 0)
    return found


def _preferred(links: list[ChannelAddress]) -> ChannelAddress | None:
    """The address she wrote from most recently (as `participants.preferred_address`)."""
    floor = datetime.min.replace(tzinfo=zone("UTC"))
    return max(links, key=lambda link: (link.last_inbound_at or floor, link.id or 0), default=None)


def audience_of(session: Session, config: FlowConfig, audience: Audience) -> Selection:
    """Who an announcement reaches, as the chat, the console and the command line count it and
    `send` queues it: a coordinator's own work account only if she finished her own profile as
    a participant (`flows.scope.members`, the rule of every count of the programme's women)."""
    return select_audience(session, audience, staff=coordinator_ids(session, config))


def select_audience(
    session: Session, audience: Audience, *, staff: Collection[int] = ()
) -> Selection:
    """The women `audience` names; `staff` (`flows.coordination.coordinator_ids`) are left out
    unless they finished their profile. Callers with a config use `audience_of`."""
    query = members(EVERYONE, staff=staff).where(col(Participant.erased_at).is_(None))
    if audience.countries:
        query = query.where(col(Participant.country).in_(audience.countries))
    if audience.languages:
        query = query.where(col(Participant.locale).in_(audience.languages))
    if audience.onboarded is True:
        query = query.where(col(Participant.onboarded_at).is_not(None))
    elif audience.onboarded is False:
        query = query.where(col(Participant.onboarded_at).is_(None))
    if audience.cohorts:
        joined = select(CohortMember.participant_id).where(
            col(CohortMember.cohort_id).in_(_cohort_ids(session, audience.cohorts))
        )
        query = query.where(col(Participant.id).in_(joined))
    people = list(session.exec(query.order_by(col(Participant.id))))
    if audience.pair_statuses:
        people = _with_pair_status(session, people, audience.pair_statuses)
    ids = [person.id or 0 for person in people]
    links: dict[int, list[ChannelAddress]] = {}
    for chunk in _chunks(ids):
        for link in session.exec(
            select(ChannelAddress).where(col(ChannelAddress.participant_id).in_(chunk))
        ):
            links.setdefault(link.participant_id, []).append(link)
    selection = Selection()
    for person in people:
        link = _preferred(links.get(person.id or 0, []))
        if audience.channels and (link is None or link.channel not in audience.channels):
            continue
        if person.opted_out_at is not None:
            selection.opted_out += 1
        elif link is None or person.consent_at is None:
            selection.unreachable += 1
        else:
            selection.recipients.append(
                Recipient(
                    person.id or 0,
                    person.locale if person.locale in LANGUAGES else LANGUAGES[-1],
                    link.channel,
                    link.address,
                    person.timezone,
                    link.last_inbound_at,
                )
            )
    return selection


def _with_pair_status(
    session: Session, people: list[Participant], statuses: tuple[str, ...]
) -> list[Participant]:
    wanted = {status for status in statuses if status != NO_PAIR}
    has: set[int] = set()
    live: set[int] = set()
    for pair in session.exec(
        select(Pair).where(col(Pair.status).in_(sorted(wanted | set(LIVE_STATUSES))))
    ):
        for member in pair.members():
            if pair.status in wanted:
                has.add(member)
            if pair.status in LIVE_STATUSES:
                live.add(member)
    return [
        person
        for person in people
        if (person.id in has) or (NO_PAIR in statuses and person.id not in live)
    ]


# Texts and preview ---------------------------------------------------------------------------


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """Her texts by language, trimmed; unknown languages and over-long texts are refused."""
    result = {}
    for language, text in texts.items():
        language = language.strip().lower()
        if language not in LANGUAGES:
            raise BroadcastError(_(UNKNOWN_LANGUAGE.msgid, language=language))
        text = re.sub(r"[ \t]+\n", "\n", text.replace("\r\n", "\n")).strip()
        if not text:
            continue
        if len(text) > LONGEST:
            raise BroadcastError(
                _(TOO_LONG.msgid, language=_languages(language), length=len(text), longest=LONGEST)
            )
        result[language] = text
    return result


def announcement(text: str) -> Reply:
    return Reply(Msg(ANNOUNCEMENT.msgid, {"text": text}))


@dataclass
class Preview:
    selection: Selection
    by_language_channel: dict[tuple[str, str], int]
    # language → the text her readers get (own or fallback) as it will appear, or None if missing
    shown: dict[str, str | None]
    missing: list[str]
    outside_window: int  # WhatsApp recipients who will first get the announcement template
    first_due: dict[str, datetime]  # earliest send time per time zone (UTC)

    @property
    def total(self) -> int:
        return len(self.selection.recipients)

    def languages(self) -> list[str]:
        return sorted({language for language, _channel in self.by_language_channel})


def text_for(broadcast: Broadcast, language: str) -> str | None:
    return broadcast.texts.get(language) or (
        broadcast.texts.get(broadcast.fallback_language) if broadcast.fallback_language else None
    )


def preview(
    session: Session, broadcast: Broadcast, *, now: datetime, config: FlowConfig
) -> Preview:
    selection = audience_of(session, config, Audience.from_json(broadcast.audience))
    counts = Counter((r.language, r.channel) for r in selection.recipients)
    languages = sorted({language for language, _channel in counts})
    shown: dict[str, str | None] = {}
    for language in languages:
        text = text_for(broadcast, language)
        shown[language] = (
            render(announcement(text), Reader(language)).text if text is not None else None
        )
    outside = sum(
        1
        for r in selection.recipients
        if r.channel == "whatsapp"
        and (r.last_inbound_at is None or now - r.last_inbound_at >= WHATSAPP_WINDOW)
    )
    first: dict[str, datetime] = {}
    for r in selection.recipients:
        due = due_at(broadcast, r.timezone, now=now, config=config)
        key = r.timezone or "UTC"
        first[key] = min(first.get(key, due), due)
    return Preview(
        selection,
        dict(sorted(counts.items())),
        shown,
        [language for language in languages if shown[language] is None],
        outside,
        first,
    )


# When ----------------------------------------------------------------------------------------


# An hour as coordinators write it: "10:00", "10h", "10 h 30", "9.30", "1030", "3pm", "3:30 p.m.".
LOCAL_HOUR = re.compile(r"\s*(\d{1,2})(?:\s*[:h.]\s*|\s*)(\d{2})?\s*(?:([ap])\.?\s*m\.?)?\s*", re.I)


def parse_local_time(text: str) -> str:
    """The hour she typed as "HH:MM" (24 hours); BroadcastError when it names none."""
    match = LOCAL_HOUR.fullmatch(text)
    hour, minute = (int(match.group(1)), int(match.group(2) or 0)) if match else (99, 0)
    if match and match.group(3):  # a.m. / p.m.: 1 to 12 only
        hour = hour % 12 + (12 if match.group(3).lower() == "p" else 0) if 1 <= hour <= 12 else 99
    if hour > 23 or minute > 59:
        raise BroadcastError(_(BAD_TIME.msgid, text=text))
    return f"{hour:02d}:{minute:02d}"


def next_local(now: datetime, timezone: str | None, hhmm: str, on: date | None = None) -> datetime:
    """The next moment (at or after `now`) the wall clock shows `hhmm` in `timezone`, in UTC.

    With `on`, that local date's `hhmm` (or the next one after it, if it is already past).
    """
    tz = zone(timezone)
    hour, minute = (int(part) for part in hhmm.split(":"))
    local_now = now.astimezone(tz)
    day = max(on, local_now.date()) if on else local_now.date()
    for offset in range(3):
        candidate = datetime.combine(day + timedelta(days=offset), time(hour, minute), tzinfo=tz)
        # Round trip through UTC: a time inside a spring-forward gap becomes the next real one.
        candidate = candidate.astimezone(now.tzinfo).astimezone(tz)
        if candidate >= local_now:
            return candidate.astimezone(now.tzinfo)
    raise AssertionError("unreachable")


def due_at(
    broadcast: Broadcast, timezone: str | None, *, now: datetime, config: FlowConfig
) -> datetime:
    """When her message is due: now or the chosen local hour, moved out of her quiet hours."""
    due = now
    if broadcast.send_mode == "local" and broadcast.local_time:
        due = next_local(now, timezone, broadcast.local_time)
    return next_allowed(due, timezone, config.quiet_start, config.quiet_end)


# Lifecycle -----------------------------------------------------------------------------------


def draft(
    session: Session,
    config: FlowConfig,
    actor: Actor,
    *,
    audience: Audience,
    texts: Mapping[str, str],
    now: datetime,
    fallback: str | None = None,
    local_time: str | None = None,
) -> Broadcast:
    """Write a draft (nothing is sent until `send`)."""
    if not authorize(session, config, actor, "broadcast_draft", now=now):
        raise NotAllowed("broadcast_draft")
    if fallback is not None and fallback not in LANGUAGES:
        raise BroadcastError(_(UNKNOWN_FALLBACK.msgid, language=fallback))
    # Cohorts kept by number, however she named them: a scope and a cohort's report know them.
    audience = replace(
        audience, cohorts=tuple(str(c) for c in _cohort_ids(session, audience.cohorts))
    )
    broadcast = Broadcast(
        created_by=actor.label(),
        created_at=now,
        texts=clean_texts(texts),
        fallback_language=fallback,
        audience=audience.to_json(),
        send_mode="local" if local_time else "now",
        local_time=parse_local_time(local_time) if local_time else None,
    )
    if not broadcast.texts:
        raise BroadcastError(NO_TEXT)
    if fallback is not None and fallback not in broadcast.texts:
        raise BroadcastError(_(EMPTY_FALLBACK.msgid, language=_languages(fallback)))
    session.add(broadcast)
    session.flush()
    return broadcast


def check_preview(
    session: Session,
    config: FlowConfig,
    actor: Actor,
    broadcast: Broadcast,
    *,
    now: datetime,
) -> Preview:
    """The preview, for a coordinator (checked and logged)."""
    result = preview(session, broadcast, now=now, config=config)
    if not authorize(
        session,
        config,
        actor,
        "broadcast_preview",
        now=now,
        audience=result.total,
        details={"broadcast": broadcast.id, "audience": broadcast.audience},
    ):
        raise NotAllowed("broadcast_preview")
    return result


def send(
    session: Session,
    config: FlowConfig,
    actor: Actor,
    broadcast: Broadcast,
    *,
    now: datetime,
    pace: Mapping[str, float] | None = None,
) -> int:
    """Queue the whole audience in this transaction; returns how many messages were queued.

    Raises NotAllowed for a non-coordinator and BroadcastError when a language has no text (and
    no fallback) or the broadcast was already sent or cancelled.
    """
    result = preview(session, broadcast, now=now, config=config)
    if not authorize(
        session,
        config,
        actor,
        "broadcast_send",
        now=now,
        audience=result.total,
        details={
            "broadcast": broadcast.id,
            "audience": broadcast.audience,
            "languages": sorted(broadcast.texts),
            "fallback": broadcast.fallback_language,
            "when": broadcast.local_time or "now",
        },
    ):
        raise NotAllowed("broadcast_send")
    if result.missing:
        raise BroadcastError(_(MISSING_TEXT.msgid, languages=_languages(*result.missing)))
    # Claim the draft: a second confirmation (or a second process) finds it no longer a draft.
    claimed = session.execute(
        update(Broadcast)
        .where(col(Broadcast.id) == broadcast.id, col(Broadcast.status) == BroadcastStatus.DRAFT)
        .values(status=BroadcastStatus.QUEUED, queued_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        raise BroadcastError(ALREADY_SENT)
    rows = _rows(broadcast, result.selection.recipients, now=now, config=config, pace=pace)
    for start in range(0, len(rows), 1000):
        session.execute(insert(OutboundMessage), rows[start : start + 1000])
    session.refresh(broadcast)
    broadcast.counts = {
        "queued": len(rows),
        "opted_out": result.selection.opted_out,
        "unreachable": result.selection.unreachable,
        "outside_window": result.outside_window,
        "by_language_channel": {
            f"{lg}/{ch}": n for (lg, ch), n in result.by_language_channel.items()
        },
    }
    session.add(broadcast)
    return len(rows)


def _rows(
    broadcast: Broadcast,
    recipients: list[Recipient],
    *,
    now: datetime,
    config: FlowConfig,
    pace: Mapping[str, float] | None,
) -> list[dict[str, Any]]:
    """One outbox row per recipient, due in her zone and spread at each platform's pace."""
    rates = {**DEFAULT_PACE, **(pace or {})}
    planned = sorted(
        ((due_at(broadcast, r.timezone, now=now, config=config), r) for r in recipients),
        key=lambda item: (item[0], item[1].participant_id),
    )
    cursor: dict[str, datetime] = {}
    ordered: list[tuple[datetime, int, dict[str, Any]]] = []
    for due, r in planned:
        # When the platform would get to her at its rate: used only to order the rows, so the
        # worker serves the platforms side by side. The worker does the pacing itself.
        turn = max(due, cursor.get(r.channel, due))
        cursor[r.channel] = turn + timedelta(seconds=1.0 / rates.get(r.channel, 10.0))
        text = text_for(broadcast, r.language) or ""
        row = {
            "participant_id": r.participant_id,
            "channel": r.channel,
            "address": r.address,
            "payload": announcement(text).to_json(),
            "purpose": PURPOSE,
            "priority": Priority.BULK,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": now,
            "broadcast_id": broadcast.id,
        }
        ordered.append((turn, r.participant_id, row))
    # The outbox takes due messages in id order: ids follow each platform's turn, so the
    # platforms are served side by side rather than one after the other.
    ordered.sort(key=lambda item: item[:2])
    return [row for _turn, _pid, row in ordered]


def cancel(
    session: Session, config: FlowConfig, actor: Actor, broadcast: Broadcast, *, now: datetime
) -> int:
    """Stop what has not gone out yet (or drop a draft); returns how many messages were taken
    back. Raises BroadcastError when it is already cancelled or all of it has gone out."""
    if not authorize(
        session, config, actor, "broadcast_cancel", now=now, details={"broadcast": broadcast.id}
    ):
        raise NotAllowed("broadcast_cancel")
    if broadcast.status == BroadcastStatus.CANCELLED:
        raise BroadcastError(ALREADY_CANCELLED)
    taken = session.execute(
        update(OutboundMessage)
        .where(
            col(OutboundMessage.broadcast_id) == broadcast.id,
            col(OutboundMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.HELD]),
        )
        .values(status=OutboxStatus.SKIPPED, error_code="cancelled")
    )
    if not taken.rowcount and broadcast.status != BroadcastStatus.DRAFT:  # type: ignore[attr-defined]
        # Every message has gone out: calling it "cancelled" would misreport what they got.
        raise BroadcastError(ALL_GONE)
    broadcast.status = BroadcastStatus.CANCELLED
    session.add(broadcast)
    return int(taken.rowcount or 0)  # type: ignore[attr-defined]


# Delivery report -----------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    broadcast_id: int
    status: str
    queued: int = 0  # in the outbox, not sent yet
    scheduled: int = 0  # of which due later (a local hour not reached yet)
    sent: int = 0  # accepted by the platform, no news since
    delivered: int = 0
    read: int = 0
    waiting: int = 0  # WhatsApp outside the window: template sent, text waits for her reply
    failed: int = 0
    skipped: int = 0  # opted out (before or after it was queued), or cancelled
    unreachable: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Everyone the filter matched: every one of them is in exactly one count."""
        return (
            self.queued
            + self.sent
            + self.delivered
            + self.read
            + self.waiting
            + self.failed
            + self.skipped
            + self.unreachable
        )

    @property
    def going(self) -> int:
        """Due now and not sent yet: "queued" without those scheduled for later."""
        return self.queued - self.scheduled

    @property
    def reached(self) -> int:
        """Accepted by the platform (sent, delivered or read)."""
        return self.sent + self.delivered + self.read

    @property
    def done(self) -> int:
        """No longer waiting for the delivery worker."""
        return self.total - self.queued

    def to_json(self) -> dict[str, Any]:
        return {
            "broadcast": self.broadcast_id,
            "status": self.status,
            "total": self.total,
            "queued": self.queued,
            "scheduled": self.scheduled,
            "sent": self.sent,
            "delivered": self.delivered,
            "read": self.read,
            "waiting_for_reply": self.waiting,
            "failed": self.failed,
            "failed_reasons": self.reasons,
            "skipped_opted_out": self.skipped,
            "unreachable": self.unreachable,
            "by_channel": self.by_channel,
        }


_BUCKET = {
    OutboxStatus.PENDING: "queued",
    OutboxStatus.SENDING: "queued",
    OutboxStatus.SENT: "sent",
    OutboxStatus.DELIVERED: "delivered",
    OutboxStatus.READ: "read",
    OutboxStatus.HELD: "waiting",
    OutboxStatus.FAILED: "failed",
    OutboxStatus.UNDELIVERED: "failed",
    OutboxStatus.SKIPPED: "skipped",
}


def delivery_report(
    session: Session,
    broadcast: Broadcast,
    *,
    now: datetime,
    among: Collection[int] | None = None,
) -> DeliveryReport:
    """Where every message of the broadcast stands (no personal data in it).

    With `among`, only the messages to these women count (a cohort's share of a wider
    announcement); those left out before sending (stopped, unreachable) are then not counted,
    since the broadcast keeps only their number, not who they were.
    """
    report = DeliveryReport(broadcast.id or 0, broadcast.status)
    if among is None:
        report.skipped = int(broadcast.counts.get("opted_out", 0))
        report.unreachable = int(broadcast.counts.get("unreachable", 0))
    rows = session.exec(
        select(
            OutboundMessage.status,
            OutboundMessage.channel,
            OutboundMessage.error_code,
            OutboundMessage.next_attempt_at,
            OutboundMessage.participant_id,
        ).where(OutboundMessage.broadcast_id == broadcast.id)
    )
    for status, channel, code, due, participant_id in rows:
        if among is not None and participant_id not in among:
            continue
        bucket = _BUCKET.get(OutboxStatus(status), "queued")
        setattr(report, bucket, getattr(report, bucket) + 1)
        per = report.by_channel.setdefault(channel, {})
        per[bucket] = per.get(bucket, 0) + 1
        if bucket == "queued" and status == OutboxStatus.PENDING and due and due > now:
            report.scheduled += 1
        if bucket == "failed":
            reason = code or "unknown"
            report.reasons[reason] = report.reasons.get(reason, 0) + 1
    return report


@dataclass(frozen=True)
class Failure:
    public_id: str
    channel: str
    reason: str


def failed_list(session: Session, broadcast: Broadcast) -> list[Failure]:
    """Who did not get it, pseudonymously, and why."""
    rows = session.exec(
        select(Participant.public_id, OutboundMessage.channel, OutboundMessage.error_code)
        .join(Participant, col(Participant.id) == col(OutboundMessage.participant_id))
        .where(
            OutboundMessage.broadcast_id == broadcast.id,
            col(OutboundMessage.status).in_([OutboxStatus.FAILED, OutboxStatus.UNDELIVERED]),
        )
        .order_by(col(OutboundMessage.id))
    )
    return [Failure(public_id, channel, code or "unknown") for public_id, channel, code in rows]


def retry_failed(
    session: Session, config: FlowConfig, actor: Actor, broadcast: Broadcast, *, now: datetime
) -> int:
    """Queue the failed messages again (not for women who opted out since); returns how many.
    Raises BroadcastError for a cancelled announcement: what was called off stays off."""
    failed = list(
        session.exec(
            select(OutboundMessage).where(
                OutboundMessage.broadcast_id == broadcast.id,
                col(OutboundMessage.status).in_([OutboxStatus.FAILED, OutboxStatus.UNDELIVERED]),
            )
        )
    )
    if not authorize(
        session,
        config,
        actor,
        "broadcast_retry",
        now=now,
        audience=len(failed),
        details={"broadcast": broadcast.id},
    ):
        raise NotAllowed("broadcast_retry")
    if broadcast.status == BroadcastStatus.CANCELLED:
        raise BroadcastError(NOT_RETRIED)
    ids = [row.participant_id for row in failed if row.participant_id]
    people = {
        person.id: person
        for chunk in _chunks(ids)
        for person in session.exec(select(Participant).where(col(Participant.id).in_(chunk)))
    }
    again = 0
    for row in failed:
        person = people.get(row.participant_id)
        if person is None or person.opted_out_at is not None or person.erased_at is not None:
            row.status = OutboxStatus.SKIPPED
        else:
            row.status = OutboxStatus.PENDING
            # Asked for at night, it waits for her morning like the announcement itself did.
            row.next_attempt_at = next_allowed(
                now, person.timezone, config.quiet_start, config.quiet_end
            )
            row.error = None
            again += 1
        session.add(row)
    return again


def get(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise BroadcastError(_(NOT_FOUND.msgid, number=broadcast_id))
    return broadcast


def latest(
    session: Session, created_by: str | None = None, scope: Scope = EVERYONE
) -> Broadcast | None:
    """The newest announcement sent (or being sent) that `scope` sees."""
    query = select(Broadcast).where(Broadcast.status != BroadcastStatus.DRAFT)
    if created_by is not None:
        query = query.where(Broadcast.created_by == created_by)
    found = session.exec(query.order_by(col(Broadcast.id).desc()))
    return next((broadcast for broadcast in found if scope.sees_broadcast(broadcast)), None)


def report_checked(
    session: Session, config: FlowConfig, actor: Actor, broadcast: Broadcast, *, now: datetime
) -> DeliveryReport:
    """The delivery report, for a coordinator (checked and logged)."""
    report = delivery_report(session, broadcast, now=now)
    if not authorize(
        session,
        config,
        actor,
        "broadcast_report",
        now=now,
        audience=report.total,
        details={"broadcast": broadcast.id},
    ):
        raise NotAllowed("broadcast_report")
    return report


__all__ = [
    "ANNOUNCEMENT",
    "Audience",
    "Broadcast",
    "BroadcastError",
    "DeliveryReport",
    "Preview",
    "audience_of",
    "cancel",
    "delivery_report",
    "draft",
    "failed_list",
    "log",
    "next_local",
    "preview",
    "retry_failed",
    "select_audience",
    "send",
]
