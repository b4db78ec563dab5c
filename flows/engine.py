"""The engine: one inbound message in, the conversation moved one step, the replies in the outbox.

Everything for one message happens in one database transaction: the platform message is recorded
(so a redelivery is ignored), the participant found or created, her step answered, the new state
saved and the replies queued. If anything fails, nothing of it happened and the platform's retry
gets a clean second chance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlmodel import Session

from flows import cohort_join, coordinator_chat, home, registry
from flows.clock import Clock
from flows.config import FlowConfig
from flows.i18n import supported
from flows.keywords import Keyword, recognise
from flows.messages import Inbound, Reply, _
from flows.proactive import ASKED_ROWS, HELD_QUESTION
from flows.steps import Answer, Context, Outcome, stay
from storage import conversations, inbox, outbox, participants
from storage.db import Database
from storage.models import ChannelAddress, Participant, Priority

log = logging.getLogger(__name__)

CROSSED = _("Our messages crossed: here is my new question.")


@dataclass(frozen=True)
class Handled:
    """What one inbound message did: whose it was and how many replies it queued."""

    participant_id: int | None
    queued: int
    address: ChannelAddress | None = None  # her address row, loaded in the caller's session


class Engine:
    """Moves conversations forward; knows no transport."""

    def __init__(self, db: Database, clock: Clock, config: FlowConfig | None = None) -> None:
        self.db = db
        self.clock = clock
        self.config = config or FlowConfig()

    def handle(self, inbound: Inbound) -> int:
        """Handle one inbound message; returns how many replies it queued."""
        with self.db.session() as session:
            return self.handle_in(session, inbound).queued

    def handle_in(self, session: Session, inbound: Inbound, *, recorded: bool = False) -> Handled:
        """`handle` inside the caller's transaction (the inbox worker's batch).

        `recorded`: the message is already in the inbox (stored by its webhook), so it is not
        recorded again here; the caller marks it processed.
        """
        now = inbound.received_at or self.clock.now()
        record = None
        if inbound.platform_key and not recorded:
            record = inbox.record_once(
                session,
                channel=inbound.channel,
                platform_key=inbound.platform_key,
                kind=inbound.kind,
                now=now,
            )
            if record is None:
                log.info("duplicate inbound ignored", extra={"channel": inbound.channel})
                return Handled(None, 0)
        participant, address, _created = participants.get_or_create(
            session,
            channel=inbound.channel,
            address=inbound.address,
            locale=supported(inbound.locale_hint or self.config.default_language),
            now=now,
        )
        participants.touch(session, address, now)
        if record is not None:
            record.participant_id = participant.id
        replies = self._converse(session, participant, address, inbound)
        queued = outbox.enqueue_replies(
            session,
            participant_id=participant.id,
            channel=inbound.channel,
            address=inbound.address,
            payloads=[reply.to_json() for reply in replies],
            now=now,
            priority=Priority.LIVE,
        )
        return Handled(participant.id, queued, address)

    def _converse(
        self,
        session: Session,
        participant: Participant,
        address: ChannelAddress,
        inbound: Inbound,
    ) -> list[Reply]:
        now = inbound.received_at or self.clock.now()
        state = conversations.load(session, participant.id or 0)
        ctx = Context(
            session=session,
            participant=participant,
            address=address,
            data=dict(state.data) if state else {},
            now=now,
            config=self.config,
            flow=state.flow if state else "",
            step=state.step if state else "",
        )
        if state is None or not registry.exists(state.flow, state.step):
            outcome = home.first_contact(ctx, inbound.locale_hint)
            self._keep_invite_code(ctx, inbound)
            if inbound.kind == "text" and not inbound.invite_code:
                cohort_join.code_typed(ctx, inbound.text)  # "PILOTE26" from a flyer: kept
            return self._enter(ctx, outcome)
        self._keep_invite_code(ctx, inbound)

        keyword = recognise(inbound.text) if inbound.kind == "text" else None
        if participant.opted_out_at is not None:
            if keyword is Keyword.START:
                return self._enter(ctx, home.come_back(ctx))
            stopped = (
                home.while_stopped(ctx, keyword, Answer(inbound.text, inbound.option_key))
                if inbound.kind == "text"
                else None
            )
            if stopped is None:
                return []  # she asked for silence: keep it until she comes back
            return self._enter(ctx, stopped)
        asked = keyword is None
        crossed = self._crossed(ctx, inbound)
        if self._question_was_waiting(ctx, asked=asked) and asked:
            # A question held for her quiet hours was not out yet: she sees it now, once,
            # rather than her message answering a question she has not read.
            return self._enter(ctx, stay(ask=True))
        if crossed and asked:
            # Her "1" was for the question she had on screen, not for the one on its way to
            # her: that one is asked now (and not sent again if it had not gone out yet).
            outbox.supersede(ctx.session, crossed, code=outbox.SAID_LIVE)
            return self._enter(ctx, stay(CROSSED, ask=True))
        if inbound.kind == "open":  # she opened the chat: repeat the pending question
            return self._enter(ctx, stay(ask=True))
        if inbound.kind != "text":
            return self._enter(ctx, home.not_text(ctx, inbound.kind))
        if keyword is not None:
            return self._enter(ctx, home.global_word(ctx, keyword))
        # Coordinator commands ("/stats"): None for anyone who is not a coordinator, whose
        # message then goes to her step like any unknown word.
        command = coordinator_chat.command(ctx, inbound.text)
        if command is not None:
            return self._enter(ctx, command)
        # Her group's code typed while a question waits ("PILOTE26" from a flyer) is not that
        # question's answer: it is kept or joined, and the question comes again.
        typed = "" if inbound.option_key else inbound.text  # a tap is never a typed code
        code = cohort_join.code_midquestion(ctx, typed)
        if code is not None:
            return self._enter(ctx, code)

        step = registry.step(ctx.flow, ctx.step)
        answer = Answer(inbound.text, inbound.option_key)
        outcome = step.answer(ctx, answer)
        if (
            outcome.goto is None
            and state.updated_at
            and now - state.updated_at > ctx.config.idle_after
        ):
            outcome = home.welcome_back(ctx)
        return self._enter(ctx, outcome)

    @staticmethod
    def _crossed(ctx: Context, inbound: Inbound) -> list[int]:
        """The rows of the question the bot put to her on its own, when her typed message was
        written before they reached her (it reached us before they went out): it is no answer
        to them, nor when the question had gone out but was reported on her phone only after her
        message reached us. Known where the channel tells when her message arrived
        (`arrived_at`: WhatsApp and SMS, whose numbered options a bare "1" answers; a Telegram
        button names its own question)."""
        rows = ctx.data.pop(ASKED_ROWS, None) or []
        typed = inbound.kind == "text" and inbound.option_key is None
        if not rows or not typed or inbound.arrived_at is None:
            return []
        return [] if outbox.reached_by(ctx.session, rows, inbound.arrived_at) else rows

    @staticmethod
    def _question_was_waiting(ctx: Context, *, asked: bool) -> bool:
        """True when she writes before a question queued for later went out (it is dropped;
        `asked`: the conversation asks it now, so she reads it after all)."""
        held = ctx.data.pop(HELD_QUESTION, None)
        code = outbox.SAID_LIVE if asked else outbox.SUPERSEDED
        return bool(held) and outbox.supersede(ctx.session, held, code=code) > 0

    @staticmethod
    def _keep_invite_code(ctx: Context, inbound: Inbound) -> None:
        """Remember the group code a link carried; it is used once her profile is ready."""
        if inbound.invite_code:
            ctx.data["invite_code"] = inbound.invite_code[:64]

    def _enter(self, ctx: Context, outcome: Outcome) -> list[Reply]:
        """Apply a step's outcome: say its words, move, ask the next question, save the state."""
        replies = list(outcome.say)
        if outcome.goto is not None:
            ctx.flow, ctx.step = outcome.goto
        step = registry.step(ctx.flow, ctx.step)
        # Asking and noting what was offered read the same things (her pairs, for the menu):
        # read once, as the step's answer has written all it will write.
        with ctx.reading():
            if outcome.ask:
                replies.extend(step.ask(ctx))
            offered = [option.key for option in step.offered(ctx)]
        if ctx.participant.erased_at is None:
            conversations.save(
                ctx.session,
                participant_id=ctx.participant.id or 0,
                flow=ctx.flow,
                step=ctx.step,
                data=ctx.data,
                offered=offered,
                now=ctx.now,
            )
        return replies
