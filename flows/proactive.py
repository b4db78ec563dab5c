"""Messages the bot sends on its own: a note, or a question that opens a flow.

Nudges, reminders, check-ins, introductions and announcements all come through here, so each
lands in the outbox the same way: to her preferred address, rendered in her language when sent,
held back until her quiet hours are over. A question also moves her conversation to the new
step, remembering the one she left (answered later through "continue where I was").

A message about one thing (a session, a pair's state) says so (`About`): a newer message to her
about the same thing replaces those still waiting for her morning, so she wakes to what is true
now, not to a time since moved or a proposal since withdrawn. What is taken back before any of
it reached her (a proposal or a move withdrawn, a pause lifted, in her night) is told to her not
at all (`never_reached`, `drop_waiting`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from flows import home, registry
from flows.config import FlowConfig
from flows.messages import Msg, Reply
from flows.quiet import LONGEST_NIGHT, next_allowed, next_free
from flows.steps import Context
from storage import conversations, outbox, participants
from storage.meetings import planned_starts
from storage.models import OutboundMessage, Participant, Priority

# How long a session lasts when nothing else is said: no proactive word interrupts it.
SESSION_LENGTH = timedelta(hours=1)

# Conversation data key: the outbox rows of a question queued for later (see `ask`).
HELD_QUESTION = "held_question"
# Conversation data key: the outbox rows of the question last put to her on the bot's own
# initiative, until her next message (see `ask`, and the engine: one written before they
# reached her is no answer to it).
ASKED_ROWS = "asked_rows"


@dataclass(frozen=True)
class About:
    """What a message is about, so that a newer word on the same replaces it before it goes out.

    Queuing a message about `subject` drops her earlier messages about it that still wait
    (`outbox.supersede_about`). `within`: those about what lies within it go too (a pair paused
    or ended: its sessions' notes are wrong now). `replaces=False`: a reminder says nothing
    new, so it replaces nothing, but a newer word on its subject still replaces it.
    """

    subject: str
    within: bool = False
    replaces: bool = True


def about_pair(pair_id: int | None, *, within: bool = False, replaces: bool = True) -> About:
    """The state of a pair (paused, restarted, ended)."""
    return About(f"pair:{pair_id}", within=within, replaces=replaces)


def about_session(pair_id: int | None, meeting_id: int | None, *, replaces: bool = True) -> About:
    """One session of a pair, through its proposals, moves and cancellation."""
    return About(f"pair:{pair_id}/meeting:{meeting_id}", replaces=replaces)


def reachable(participant: Participant | None, *, work: bool = False, asked: bool = False) -> bool:
    """May the bot write to her on its own?

    A woman: once she consented, until she writes STOP (or erases her data). `work`: a message
    for a coordinator's work (an alert, a sign-in code). Her consent governs her own data as a
    participant, not her work, so a coordinator who never gave it (or never onboarded) is still
    reached. Her STOP still holds for alerts: she was told "no more messages", and on SMS the
    carrier refuses them anyway; her role ends only when she is removed as a coordinator.
    `asked`: she asked for this message just now (a sign-in code), like a reply, so it goes even
    after STOP (the delivery worker lets it through too, see `bot.delivery`).
    """
    if participant is None or participant.erased_at is not None:
        return False
    if participant.opted_out_at is not None and not asked:
        return False
    return work or participant.consent_at is not None


def notify(
    session: Session,
    participant: Participant,
    replies: Sequence[Reply | Msg],
    *,
    now: datetime,
    config: FlowConfig,
    purpose: str,
    priority: int = Priority.NUDGE,
    at: datetime | None = None,
    respect_quiet: bool = True,
    broadcast_id: int | None = None,
    work: bool = False,
    asked: bool = False,
    about: About | None = None,
    question: bool = False,
) -> list[OutboundMessage]:
    """Queue messages for her; nothing when she opted out or cannot be reached (`work` and
    `asked`: see `reachable`; `about`: what it replaces, see `About`; `question`: called by
    `ask`, which puts her conversation on its own question)."""
    if not reachable(participant, work=work, asked=asked):
        return []
    address = participants.preferred_address(session, participant.id or 0)
    if address is None:
        return []
    due = at or now
    if respect_quiet:
        # A word of her peer's (an answer, a cancel) or of her work goes at once; anything else
        # the bot says on its own waits, like her night, for the end of a session under way.
        busy = [] if work or priority == Priority.LIVE else sessions_of(session, participant, due)
        due = next_free(due, participant.timezone, config.quiet_start, config.quiet_end, busy)
    if about is not None and about.replaces:
        drop_waiting(session, participant, about, now=now, question=question)
    queued = []
    for item in replies:
        reply = item if isinstance(item, Reply) else Reply(item)
        queued.append(
            outbox.enqueue(
                session,
                participant_id=participant.id,
                channel=address.channel,
                address=address.address,
                payload=reply.to_json(),
                now=now,
                purpose=purpose,
                priority=priority,
                not_before=due,
                broadcast_id=broadcast_id,
                subject=about.subject if about is not None else None,
            )
        )
    return queued


def sessions_of(
    session: Session, participant: Participant, instant: datetime
) -> list[tuple[datetime, datetime]]:
    """Her sessions (start, end) that may hold a message due at `instant` (`next_free`): one
    under way, or one it would meet once held for her night."""
    since, until = instant - SESSION_LENGTH, instant + 2 * LONGEST_NIGHT
    starts = planned_starts(session, participant.id or 0, since, until)
    return [(start, start + SESSION_LENGTH) for start in starts]


def hold_for_her_zone(ctx: Context) -> None:
    """She lives in another zone now (`home.add_zone_changed`): what waits for her old morning
    waits for her new one instead (08:00 in Dakar is 03:00 in Montréal)."""
    config, her = ctx.config, ctx.participant
    for message in outbox.held_for_later(ctx.session, her.id or 0, now=ctx.now):
        due = message.next_attempt_at
        assert due is not None
        message.next_attempt_at = next_allowed(
            due, her.timezone, config.quiet_start, config.quiet_end
        )
        ctx.session.add(message)


home.add_zone_changed(hold_for_her_zone)


def drop_waiting(
    session: Session,
    participant: Participant,
    about: About,
    *,
    now: datetime,
    question: bool = False,
    said_live: bool = False,
) -> None:
    """Drop her messages about `about` that still wait for her morning (`outbox.supersede_about`);
    a question among them she has not seen no longer waits for her answer (unless `question`:
    `ask` is putting her on a new one). `said_live`: her conversation tells her the same now, so
    she has read it (`never_reached` counts it)."""
    replaced = outbox.supersede_about(
        session,
        participant_id=participant.id or 0,
        subject=about.subject,
        now=now,
        within=about.within,
        code=outbox.SAID_LIVE if said_live else outbox.SUPERSEDED,
    )
    if replaced and not question:
        _forget_unseen_question(session, participant, replaced, now)


def never_reached(
    session: Session,
    participant: Participant,
    about: About,
    *,
    since: datetime,
    now: datetime,
    also: Sequence[About] = (),
) -> bool:
    """She was told of `about` at `since`, and none of what she was told about it since then has
    reached her: it all waits for her morning, or was dropped unsent for a newer word.

    Taking back what began at `since` (a proposal withdrawn, a pause lifted) is then news about
    nothing she knows: she is told neither (`drop_waiting`), as if neither had happened. When
    she knew it another way (she proposed those times herself, she read it) she is told.
    `also`: what else may have told her the same (a pause that named her cancelled session).
    """
    subjects = [about.subject, *(other.subject for other in also)]
    reached = outbox.reached_since(
        session, participant_id=participant.id or 0, subject=subjects, since=since, now=now
    )
    return reached is False


def _forget_unseen_question(
    session: Session, participant: Participant, replaced: Sequence[int], now: datetime
) -> None:
    """A note replaced the question held for her morning, which she has not seen: she goes back
    to where she was, so her next message is not taken as the answer to it."""
    state = conversations.load(session, participant.id or 0)
    held = state.data.get(HELD_QUESTION) if state else None
    if state is None or not held or not set(held) <= set(replaced):
        return
    _leave_question(session, participant, state.data, now)


def forget_question(
    session: Session,
    participant: Participant,
    question: tuple[str, str],
    now: datetime,
    *,
    about: Callable[[dict[str, Any]], bool] = lambda _data: True,
    drop: Sequence[str] = (),
) -> None:
    """The question `question` (flow, step) put to her no longer stands (a proposal withdrawn
    or closed): if her conversation waits on it, she goes back to where she was before it (or
    idle); if she left it for the menu, "continue where I was" no longer leads to it. `about`
    tells whether her question is the one closed (from her conversation's data); `drop`: the
    data keys that belonged to it."""
    state = conversations.load(session, participant.id or 0)
    if state is None or not about(state.data):
        return
    data = {key: value for key, value in state.data.items() if key not in drop}
    if (state.flow, state.step) == question:
        _leave_question(session, participant, data, now)
    elif tuple(state.data.get("return_to") or ()) == question:
        del data["return_to"]
        _save_place(session, participant, state.flow, state.step, data, now)


def _leave_question(
    session: Session, participant: Participant, data: dict[str, Any], now: datetime
) -> None:
    """Back to the step she left for a question (`return_to`), or to the quiet home step."""
    data = dict(data)
    data.pop(HELD_QUESTION, None)
    data.pop(ASKED_ROWS, None)
    flow, step = data.pop("return_to", None) or ("home", "idle")
    _save_place(session, participant, flow, step, data, now)


def _save_place(
    session: Session,
    participant: Participant,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    conversations.save(
        session,
        participant_id=participant.id or 0,
        flow=flow,
        step=step,
        data=data,
        offered=[],
        now=now,
    )


def ask(
    session: Session,
    participant: Participant,
    flow: str,
    step: str,
    *,
    now: datetime,
    config: FlowConfig,
    purpose: str,
    data: dict | None = None,
    intro: Sequence[Reply | Msg] = (),
    priority: int = Priority.NUDGE,
    at: datetime | None = None,
    about: About | None = None,
) -> list[OutboundMessage]:
    """Open `flow`/`step` for her and queue its question (after `intro`)."""
    if not reachable(participant):
        return []
    state = conversations.load(session, participant.id or 0)
    merged = dict(state.data) if state else {}
    if state and home.keeps_place(state.flow, state.step, flow) and "return_to" not in merged:
        merged["return_to"] = [state.flow, state.step]
    merged.update(data or {})
    ctx = Context(
        session=session,
        participant=participant,
        address=None,
        data=merged,
        now=now,
        config=config,
        flow=flow,
        step=step,
    )
    target = registry.step(flow, step)
    replies = [*intro, *target.ask(ctx)]
    queued = notify(
        session,
        participant,
        replies,
        now=now,
        config=config,
        purpose=purpose,
        priority=priority,
        at=at,
        about=about,
        question=True,
    )
    session.flush()
    # A message of hers written before these reached her (they crossed) answers not them.
    ctx.data[ASKED_ROWS] = [message.id for message in queued]
    held = [message for message in queued if message.next_attempt_at > now]
    if held:
        # Held for later (her quiet hours): if she writes first, the live conversation asks this
        # question instead, and these rows are dropped (`outbox.supersede`), so it comes once.
        ctx.data[HELD_QUESTION] = [message.id for message in held]
    conversations.save(
        session,
        participant_id=participant.id or 0,
        flow=flow,
        step=step,
        data=ctx.data,
        offered=[option.key for option in target.offered(ctx)],
        now=now,
    )
    return queued
