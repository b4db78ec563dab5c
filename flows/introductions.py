"""Introductions: each woman meets her peer in her own language, and both must say yes.

Each is told who her peer is (first name, country, business), what they can exchange (her own
"you" reasons from matching) and her peer's local time, then asked to accept or decline with a
tap or a digit. A decline is silent: the other woman is told only that a new match is coming,
and both go back to the pool. When both accept, each receives the other's contact, if that
woman agreed to share it at onboarding (otherwise the coordinators are asked to connect them,
kept for the console; when none could be reached she is told it may take some time, not "very
soon"), with an icebreaker and the next step. Until both accept, no contact detail is in any
message.

The one reminder and the deadline are nudges (`intro_reminder`, `intro_expiry`) planned by
`flows.pair_lifecycle.publish` and fired by the dispatcher.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from babel.dates import get_timezone_location
from sqlmodel import Session

from flows import home
from flows import pair_lifecycle as lifecycle
from flows import vocabulary as vocab
from flows.alerts import keep_and_alert
from flows.checkin import on_pair_activated
from flows.config import FlowConfig
from flows.i18n import regional_locale, zone
from flows.matching.service import proposals, reasons_for
from flows.messages import Msg, Option, Reply, _, clock_gap, keyword, nested, stacked, when
from flows.proactive import ASKED_ROWS, HELD_QUESTION, About, about_pair, ask, notify
from flows.registry import register
from flows.steps import Choose, Context, Outcome, go
from flows.triggers import Firing, handles
from storage import conversations, outbox, participants
from storage.models import Participant, Priority
from storage.pairs import Cohort, Pair, PairStatus, PairView

FLOW = "intro"
PURPOSE = "introduction"
PairLike = TypeVar("PairLike", Pair, PairView)

INTRO = _(
    "{name}, I have found you a peer! {peer} lives in {country} and runs {business}.\n\n"
    "{reasons}\n\n"
    "{peer}'s local time: {zone}, {offset}."
)
# One reason per line, with a bullet (the list of reasons is built from these).
REASON_LINE = _("• {reason}")
NO_REASON = _("You can learn a lot from each other.")
ASK_ANSWER = _("Would you like to meet {peer}? Please answer by {deadline} (your time).")
YES = _("Yes, I'd like to meet her")
NO = _("No, thank you")
WAITING = _("Thank you! I will tell you as soon as {peer} has answered too.")
DECLINED = _(
    "Understood, thank you for telling me. {peer} will only hear that a new match is coming "
    "for her. I will write to you when I have a new match for you."
)
NEW_MATCH_COMING = _(
    "The introduction to {peer} will not go ahead this time. Don't worry: I am looking for a "
    "new match for you and will write to you soon."
)
EXPIRED = _(
    "The time to answer the introduction to {peer} has passed, so it is closed. You stay in "
    "the programme: I will write to you when I have a new match for you."
)
NO_LONGER_OPEN = _(
    "This introduction is no longer open. I will write to you when I have a new match for you."
)
REMINDER = _("A reminder about {peer}, the peer I introduced you to.")
BOTH_ACCEPTED = _("Wonderful: you and {peer} both said yes! {contact}\n\n{icebreaker}\n\n{next}")
CONTACT = _("You can reach her here: {contact}")
VIA_COORDINATORS = _("The programme coordinators will put you in touch with each other very soon.")
# When no coordinator could be alerted: the request is kept for the console, and no "very soon".
VIA_COORDINATORS_SAVED = _(
    "I have asked the programme team to put you in touch with each other. No coordinator could "
    "be reached right now, so it may take some time."
)
ICEBREAKER = _(
    "To break the ice, you could each tell the other how your business started and one thing "
    "you would like to learn from her."
)
NEXT_STEP = _(
    "Next step: agree on a time for your first one-hour call. Write {menu} at any time to see "
    "what I can do."
)
NEXT_STEP_PLAN = _(
    'Next step: agree on a time for your first one-hour call. Write {menu} and choose "{plan}".'
)
CONNECT_THEM = _(
    "{a} (id {a_id}) and {b} (id {b_id}) have both accepted their introduction, but one of "
    "them has no contact she can share: please put them in touch."
)
TELEGRAM = _("Telegram {handle}")
WHATSAPP = _("WhatsApp {number}")
PHONE = _("phone {number} (SMS)")
MENU_ANSWER = _("Answer my introduction")

# Canadian provinces whose best-known city is not the one that names their zone.
ZONE_CITY = {("CA", "QC"): "Montréal"}


# --- What each woman reads ---------------------------------------------------------------------


def lines(msgs: Sequence[Msg]) -> Msg:
    """Several messages as one, one per line with a bullet."""
    return stacked([_(REASON_LINE.msgid, reason=nested(msg)) for msg in msgs or [NO_REASON]])


def zone_name(peer: Participant, language: str) -> str:
    """Her peer's time zone as a city she knows ("La Paz", "Dakar", "Montréal")."""
    special = ZONE_CITY.get((peer.country or "", peer.region or ""))
    if special:
        return special
    locale = regional_locale(language, None)
    return str(get_timezone_location(zone(peer.timezone), locale=locale, return_city=True))


def introduction(pair: Pair, me: Participant, peer: Participant, now: datetime) -> Msg:
    business = peer.business_name or nested(
        vocab.SECTORS.get(peer.sector or "", vocab.SECTORS["other"])
    )
    return _(
        INTRO.msgid,
        name=me.name or "",
        peer=peer.name or "",
        country=nested(vocab.COUNTRIES.get(peer.country or "", vocab.COUNTRIES["OTHER"])),
        business=business,
        reasons=nested(lines(reasons_for(pair, me.id))),
        zone=zone_name(peer, me.locale),
        # Worked out when it reaches her: held for her night, it may cross a change of clocks.
        offset=clock_gap(peer.timezone, now),
    )


def contact_of(session: Session, participant: Participant) -> Msg | None:
    """The contact she agreed to share, from the channel she uses most; None if none."""
    if not participant.share_contact:
        return None
    for link in participants.addresses(session, participant.id or 0):
        if link.channel == "telegram" and link.handle:
            return _(TELEGRAM.msgid, handle=link.handle)
        if link.channel == "whatsapp":
            return _(WHATSAPP.msgid, number=link.address)
        if link.channel == "sms":
            return _(PHONE.msgid, number=link.address)
    return None


def _sessions():  # noqa: ANN202 - the module, when scheduling (issue 6) is installed
    if importlib.util.find_spec("flows.sessions") is None:
        return None
    return importlib.import_module("flows.sessions")


def _next_step(session: Session, me: Participant) -> Msg:
    sessions = _sessions()
    if sessions is not None and hasattr(sessions, "PLAN"):
        return _(NEXT_STEP_PLAN.msgid, menu=keyword("menu"), plan=nested(sessions.PLAN))
    return _(NEXT_STEP.msgid, menu=keyword("menu"))


# --- Sending ------------------------------------------------------------------------------------


def introduce(session: Session, pair: Pair, *, now: datetime, config: FlowConfig) -> None:
    """Ask both women (each in her language) whether they would like to meet."""
    for member in pair.members():
        me = session.get(Participant, member)
        if me is None:
            continue
        ask(
            session,
            me,
            FLOW,
            "answer",
            now=now,
            config=config,
            purpose=PURPOSE,
            data={"intro_pair": pair.id},
            priority=Priority.LIVE,
        )


@dataclass
class Published:
    pairs: list[Pair] = field(default_factory=list)
    skipped: list[tuple[Pair, str]] = field(default_factory=list)


def publish_cohort(
    session: Session,
    cohort: Cohort,
    *,
    now: datetime,
    actor: str,
    config: FlowConfig,
    respond_within: timedelta = lifecycle.RESPOND_WITHIN,
) -> Published:
    """Introduce every proposed pair of the cohort; those that cannot go now are listed."""
    result = Published()
    for pair in proposals(session, cohort):
        people = [session.get(Participant, member) for member in pair.members()]
        if not all(person is not None and _reachable(session, person) for person in people):
            result.skipped.append((pair, "one of them can no longer be reached"))
            continue
        try:
            lifecycle.publish(session, pair, actor=actor, now=now, respond_within=respond_within)
        except lifecycle.CapacityError:
            result.skipped.append((pair, "one of them already has a pair"))
            continue
        introduce(session, pair, now=now, config=config)
        result.pairs.append(pair)
    return result


def _reachable(session: Session, person: Participant) -> bool:
    from flows.proactive import reachable

    return reachable(person) and participants.preferred_address(session, person.id or 0) is not None


def tell(
    session: Session,
    person: Participant | None,
    msg: Msg,
    *,
    now: datetime,
    config: FlowConfig,
    about: About | None = None,
) -> None:
    """A note to her about her pair (`about`: what it makes stale, see `proactive.About`)."""
    if person is not None:
        notify(session, person, [msg], now=now, config=config, purpose=PURPOSE, about=about)


def pair_over(pair: Pair) -> About:
    """The end of a pair, whatever ended it: what waited about it or its sessions is moot."""
    return about_pair(pair.id, within=True)


def release(session: Session, person: Participant, pair_id: int, now: datetime) -> bool:
    """If she is still being asked about this pair, put her back where she was.

    Returns False when the introduction never reached her (all of it was still held for her
    quiet hours, and is dropped now): there is then nothing to tell her about its end. A
    reminder held for her night says nothing of that: it comes days after the introduction,
    which she has read (or was asked in the conversation).
    """
    state = conversations.load(session, person.id or 0)
    if state is None or state.flow != FLOW or state.data.get("intro_pair") != pair_id:
        return True
    data = dict(state.data)
    data.pop("intro_pair", None)
    data.pop(ASKED_ROWS, None)
    # A reminder of this introduction held for her quiet hours is moot now: dropped, or her
    # next message would be taken as her opening a question that is no longer there.
    held = data.pop(HELD_QUESTION, None) or []
    dropped = bool(held) and outbox.supersede(session, held) == len(held)
    unseen = dropped and outbox.purposes(session, held) == {PURPOSE}
    place = data.pop("return_to", None) or (
        ["home", "idle"] if person.onboarded_at else ["onboarding", "consent"]
    )
    conversations.save(
        session,
        participant_id=person.id or 0,
        flow=place[0],
        step=place[1],
        data=data,
        offered=[],
        now=now,
    )
    return not unseen


def _connect(
    session: Session, pair: Pair, *, now: datetime, config: FlowConfig, planning: int | None = None
) -> list[Msg]:
    """Both said yes: each gets the other's contact (if shared). Returns what the second hears.

    `planning`: the woman who goes straight on to proposing times (she is writing now): hers
    does not tell her how to reach the planning, whose first question follows."""
    a, b = (session.get(Participant, member) for member in pair.members())
    assert a is not None and b is not None
    shared = {person.id: contact_of(session, person) for person in (a, b)}
    private = next((person for person in (a, b) if shared[person.id] is None), None)
    via = VIA_COORDINATORS
    if private is not None and not _ask_to_connect(session, pair, (a, b), private, now, config):
        via = VIA_COORDINATORS_SAVED  # kept for the console; no promise of "very soon"
    messages: dict[int, Msg] = {}
    for me, peer in ((a, b), (b, a)):
        found = shared[peer.id]
        contact = _(CONTACT.msgid, contact=nested(found)) if found is not None else via
        messages[me.id or 0] = _(
            BOTH_ACCEPTED.msgid,
            peer=peer.name or "",
            contact=nested(contact),
            icebreaker=nested(ICEBREAKER),
            next=nested(
                _(NEXT_STEP.msgid, menu=keyword("menu"))
                if me.id == planning
                else _next_step(session, me)
            ),
        )
    return [messages[a.id or 0], messages[b.id or 0]]


def _ask_to_connect(
    session: Session,
    pair: Pair,
    both: tuple[Participant, Participant],
    private: Participant,
    now: datetime,
    config: FlowConfig,
) -> bool:
    """One of them (`private`) has no contact she can share: the coordinators are asked to put
    them in touch, and the request is kept for the console. True when one was alerted now."""
    a, b = both
    report = keep_and_alert(
        session,
        _(CONNECT_THEM.msgid, a=a.name or "", a_id=a.public_id, b=b.name or "", b_id=b.public_id),
        participant_id=private.id or 0,
        source="connect",
        now=now,
        config=config,
        purpose="pair_connect",
        pair_id=pair.id,
        cohort_id=pair.cohort_id,
    )
    return report.coordinators_alerted > 0


# --- Her answer ----------------------------------------------------------------------------------


def _pair_in(ctx: Context) -> Pair | None:
    pair_id = ctx.data.get("intro_pair")
    return ctx.session.get(Pair, pair_id) if pair_id else None


def _peer(ctx: Context, pair: Pair) -> Participant | None:
    return ctx.session.get(Participant, pair.peer_of(ctx.participant.id or 0))


class AnswerStep(Choose):
    """Who her peer is, then "would you like to meet her?" (each its own message)."""

    def ask(self, ctx: Context) -> list[Reply]:
        pair = _pair_in(ctx)
        peer = _peer(ctx, pair) if pair else None
        if pair is None or peer is None:
            return [Reply(NO_LONGER_OPEN)]
        return [Reply(introduction(pair, ctx.participant, peer, ctx.now)), *self.question(ctx)]

    def question(self, ctx: Context) -> list[Reply]:
        """ "Would you like to meet her?" alone: what a voice note or a sticker gets back."""
        pair = _pair_in(ctx)
        if pair is None or _peer(ctx, pair) is None:
            return [Reply(NO_LONGER_OPEN)]
        return super().ask(ctx)


def _ask_answer(ctx: Context) -> Msg:
    pair = _pair_in(ctx)
    peer = _peer(ctx, pair) if pair else None
    deadline = when(pair.respond_by) if pair and pair.respond_by else ""
    return _(ASK_ANSWER.msgid, peer=peer.name if peer else "", deadline=deadline)


def _on_answer(ctx: Context, key: str) -> Outcome:
    pair = _pair_in(ctx)
    ctx.data.pop("intro_pair", None)
    if pair is None:
        return home.resume(ctx, NO_LONGER_OPEN)
    peer = _peer(ctx, pair)
    peer_name = peer.name if peer and peer.name else ""
    me = ctx.participant.id or 0
    answer = lifecycle.respond(ctx.session, pair, me, accept=key == "yes", now=ctx.now)
    result = lifecycle.Answered
    if answer.result is result.CLOSED:
        return home.resume(ctx, NO_LONGER_OPEN)
    if answer.result is result.WAITING:
        return home.resume(ctx, _(WAITING.msgid, peer=peer_name))
    if answer.result is result.DECLINED:
        if peer is not None and release(ctx.session, peer, pair.id or 0, ctx.now):
            tell(
                ctx.session,
                peer,
                _(NEW_MATCH_COMING.msgid, peer=ctx.participant.name or ""),
                now=ctx.now,
                config=ctx.config,
                about=pair_over(pair),
            )
        return home.resume(ctx, _(DECLINED.msgid, peer=peer_name))
    # Both accepted: she reads hers now, her peer receives hers as a message.
    sessions = _sessions()
    planning = sessions is not None and hasattr(sessions, "route")
    first, second = _connect(
        ctx.session, pair, now=ctx.now, config=ctx.config, planning=me if planning else None
    )
    mine, theirs = (first, second) if me == pair.a_id else (second, first)
    tell(ctx.session, peer, theirs, now=ctx.now, config=ctx.config)
    on_pair_activated(ctx.session, pair, ctx.now, ctx.config)  # baseline survey and pulses
    if planning:
        # She is here now: straight on to proposing times for the first session.
        ctx.data.pop("return_to", None)
        return sessions.route(ctx, pair.id or 0, mine)
    return home.resume(ctx, mine)


# --- Reminder and deadline (nudges) -----------------------------------------------------------


@handles(lifecycle.REMINDER)
def remind(firing: Firing) -> bool:
    """The one reminder, to whoever has not answered yet; dropped if the pair is decided."""
    session, now = firing.session, firing.now
    pair = session.get(Pair, firing.nudge.pair_id) if firing.nudge.pair_id else None
    if pair is None or pair.status != PairStatus.INTRODUCED or pair.reminded_at is not None:
        return False
    for member in pair.members():
        person = session.get(Participant, member)
        peer = session.get(Participant, pair.peer_of(member))
        if person is None or pair.response_of(member) is not None:
            continue
        ask(
            session,
            person,
            FLOW,
            "answer",
            now=now,
            config=firing.config,
            purpose=lifecycle.REMINDER,
            data={"intro_pair": pair.id},
            intro=[_(REMINDER.msgid, peer=peer.name if peer and peer.name else "")],
        )
    pair.reminded_at = now
    session.add(pair)
    return True


@handles(lifecycle.EXPIRY)
def expire(firing: Firing) -> bool:
    """The deadline passed: close the introduction; both women go back to the pool.

    One who had accepted hears only that a new match is coming (as after a decline); one who
    had not answered is told the introduction closed.
    """
    session, now = firing.session, firing.now
    pair = session.get(Pair, firing.nudge.pair_id) if firing.nudge.pair_id else None
    if pair is None or not lifecycle.expire(session, pair, now=now):
        return False
    for member in pair.members():
        person = session.get(Participant, member)
        peer = session.get(Participant, pair.peer_of(member))
        if person is None:
            continue
        if not release(session, person, pair.id or 0, now):
            continue  # it never reached her
        text = NEW_MATCH_COMING if pair.response_of(member) else EXPIRED
        tell(
            session,
            person,
            _(text.msgid, peer=peer.name if peer and peer.name else ""),
            now=now,
            config=firing.config,
            about=pair_over(pair),
        )
    return True


# --- "Answer my introduction" in the menu --------------------------------------------------------


def pending_introduction(session: Session, participant_id: int) -> Pair | None:
    """An introduction still waiting for her answer, if any."""
    return _waiting_for(lifecycle.live_pairs(session, participant_id), participant_id)


def _waiting_for(pairs: Sequence[PairLike], participant_id: int) -> PairLike | None:
    for pair in pairs:
        if pair.status == PairStatus.INTRODUCED and pair.response_of(participant_id) is None:
            return pair
    return None


def _can_answer(ctx: Context) -> bool:
    me = ctx.participant.id
    return me is not None and _waiting_for(lifecycle.her_live_pairs(ctx), me) is not None


def _open_answer(ctx: Context) -> Outcome:
    pair = pending_introduction(ctx.session, ctx.participant.id or 0)
    if pair is None:
        return home.resume(ctx, NO_LONGER_OPEN)
    ctx.data["intro_pair"] = pair.id
    return go(FLOW, "answer")


home.add_menu_item(
    home.MenuItem("intro_answer", MENU_ANSWER, _can_answer, _open_answer), before="continue"
)

ANSWER_STEP = AnswerStep(_ask_answer, (Option("yes", YES), Option("no", NO)), _on_answer)
home.add_short_question(FLOW, "answer", ANSWER_STEP.question)
register(FLOW, {"answer": ANSWER_STEP})
