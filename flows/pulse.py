"""The relationship pulse: 30 days after a pair becomes active, then every 60 days.

Each woman is asked, on her own, how her exchange is going (1–5) and whether she would like a
coordinator to contact her. A 1 or 2, or a "yes", alerts the coordinators at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from flows.home import resume
from flows.messages import Msg, Option, _
from flows.proactive import ask
from flows.problems import ALERT_CONTACT, ALERT_PULSE, pair_context, raise_alert
from flows.registry import register
from flows.steps import Choose, Context, Outcome, go
from flows.triggers import Firing, handles
from storage import checkins, nudges
from storage.checkins import ProblemReport, Pulse
from storage.models import Participant
from storage.pairs import Pair, PairStatus

FIRST_AFTER = timedelta(days=30)
EVERY = timedelta(days=60)
LOW = 2  # a rating at or below this alerts the coordinators

RATING = _("How is your exchange with {name} going?")
RATING_NO_NAME = _("How is your exchange with your partner going?")
SCALE: dict[str, Msg] = {
    "1": _("Very badly"),
    "2": _("Badly"),
    "3": _("So-so"),
    "4": _("Well"),
    "5": _("Very well"),
}
CONTACT = _(
    "Would you like a programme coordinator to contact you about it? It stays between you and her."
)
CONTACT_YES = _("Yes, please contact me")
CONTACT_NO = _("No, thank you")
THANKS = _("Thank you for your answer.")
THANKS_CONTACT = _("Thank you. A coordinator will contact you soon.")
# When no coordinator could be alerted: kept for the console, and no promise of a contact.
SAVED_CONTACT = _(
    "Thank you. Your request is saved for the programme team. No coordinator could be reached "
    "right now, so it may be some time before someone reads it."
)


def _pulse(ctx: Context) -> Pulse | None:
    pulse_id = ctx.data.get("pulse_id")
    return ctx.session.get(Pulse, pulse_id) if pulse_id else None


def _prompt(ctx: Context) -> Msg:
    name = ctx.data.get("peer_name")
    return _(RATING.msgid, name=name) if name else RATING_NO_NAME


def _alert(ctx: Context, pulse: Pulse | None, message: Msg, source: str) -> ProblemReport:
    rating = pulse.rating if pulse else None
    pair_id = pulse.pair_id if pulse else None
    return raise_alert(
        ctx.session,
        ctx.participant,
        source=source,
        message=message,
        params={"rating": rating if rating is not None else "—"},
        context=pair_context(ctx.session, ctx.participant.id or 0, pair_id),
        now=ctx.now,
        config=ctx.config,
        rating=rating,
    )


def _on_rating(ctx: Context, key: str) -> Outcome:
    pulse = _pulse(ctx)
    if pulse is not None:
        pulse.rating = int(key)
        pulse.answered_at = ctx.now
        ctx.session.add(pulse)
    if int(key) <= LOW:
        _alert(ctx, pulse, ALERT_PULSE, "pulse")
    return go("pulse", "contact")


def _on_contact(ctx: Context, key: str) -> Outcome:
    pulse = _pulse(ctx)
    wants = key == "yes"
    if pulse is not None:
        pulse.wants_contact = wants
        pulse.answered_at = ctx.now
        ctx.session.add(pulse)
    if wants:
        report = _alert(ctx, pulse, ALERT_CONTACT, "contact")
        return resume(ctx, THANKS_CONTACT if report.coordinators_alerted else SAVED_CONTACT)
    return resume(ctx, THANKS)


register(
    "pulse",
    {
        "rating": Choose(
            _prompt, tuple(Option(key, label) for key, label in SCALE.items()), _on_rating
        ),
        "contact": Choose(
            CONTACT, (Option("yes", CONTACT_YES), Option("no", CONTACT_NO)), _on_contact
        ),
    },
)


# Planning and firing -------------------------------------------------------------------------


def _plan(session: Session, pair: Pair, due: datetime, now: datetime) -> None:
    for member in pair.members():
        nudges.plan(
            session,
            key=f"pulse:{pair.id}:{member}:{due:%Y%m%d}",
            purpose="pulse",
            due_at=due,
            now=now,
            participant_id=member,
            pair_id=pair.id,
        )


def plan_first(session: Session, pair: Pair, *, now: datetime) -> None:
    """The first pulse, 30 days after the pair became active (idempotent)."""
    _plan(session, pair, (pair.active_at or now) + FIRST_AFTER, now)


@handles("pulse")
def fire_pulse(firing: Firing) -> bool:
    """Ask her, and plan her next pulse 60 days on while the pair lasts."""
    session, nudge = firing.session, firing.nudge
    pair = session.get(Pair, nudge.pair_id) if nudge.pair_id else None
    if pair is None or pair.status not in (PairStatus.ACTIVE, PairStatus.PAUSED):
        return False
    due = (nudge.due_at or firing.now) + EVERY
    nudges.plan(
        session,
        key=f"pulse:{pair.id}:{nudge.participant_id}:{due:%Y%m%d}",
        purpose="pulse",
        due_at=due,
        now=firing.now,
        participant_id=nudge.participant_id,
        pair_id=pair.id,
    )
    participant = session.get(Participant, nudge.participant_id) if nudge.participant_id else None
    if pair.status != PairStatus.ACTIVE or participant is None:
        return False  # paused: skip this one, keep the rhythm
    peer = session.get(Participant, pair.peer_of(participant.id or 0))
    pulse = checkins.open_pulse(
        session, participant_id=participant.id or 0, pair_id=pair.id or 0, now=firing.now
    )
    return bool(
        ask(
            session,
            participant,
            "pulse",
            "rating",
            now=firing.now,
            config=firing.config,
            purpose="pulse",
            data={"pulse_id": pulse.id, "peer_name": peer.name if peer else None},
        )
    )
