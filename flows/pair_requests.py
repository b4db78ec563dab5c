"""What a woman can ask about her pair from the menu: a new match, a pause, a restart.

A pause (hers, or the coordinators' from the console) calls off the session planned ahead and
any open proposal, and says so to both women: a resting pair gets no reminder or check-in.

Asking for a new match ends her current pair (or declines a pending introduction); her reason
goes to the coordinators only, and is kept in the console's safeguarding inbox. Her peer is
told, kindly and without the reason, that the pair has come to an end and a new match is coming.
Erasing her data ends her pairs the same way (`end_pair`); her peer is then told without her
name, which is being erased.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from flows import home
from flows import pair_lifecycle as lifecycle
from flows.alerts import keep_and_alert
from flows.config import FlowConfig
from flows.introductions import NEW_MATCH_COMING, pair_over, release, tell
from flows.matching.service import cohorts_of
from flows.messages import Msg, Option, _, keyword, nested, stacked, when
from flows.nudges import plan_ladder
from flows.proactive import (
    About,
    about_pair,
    about_session,
    ask,
    drop_waiting,
    forget_question,
    never_reached,
)
from flows.problems import BEGINNING, SHOWN
from flows.quiet import LONGEST_NIGHT
from flows.registry import register
from flows.sessions import SESSION_OFF, cancel_meeting, planned_start
from flows.steps import LONGEST_OWN_WORDS, AskText, Choose, Context, Outcome, go
from flows.text import beginning
from flows.triggers import Firing, handles
from storage import nudges
from storage.meetings import Meeting, MeetingStatus, cancelled_since, open_meetings
from storage.models import Participant
from storage.pairs import Pair, PairStatus, PairView

FLOW = "pair"

MENU_NEW_MATCH = _("Ask for a new match")
MENU_PAUSE = _("Pause my pair")
MENU_RESUME = _("Resume my pair")
CONFIRM_NEW_MATCH = _("This will end your pair with {peer}. Would you like a new match?")
YES_NEW = _("Yes, a new match")
NO_KEEP = _("No, keep my pair")
ASK_REASON = _(
    "In a few words, why would you like a new match? Only the coordinators will read it."
)
REQUESTED = _(
    "Thank you. I have passed your request to the coordinators. I will write to you when I "
    "have a new match for you."
)
KEPT = _("All right, nothing has changed.")
PEER_ENDED = _(
    "Your pair with {peer} has come to an end. I am looking for a new match for you and will "
    "write to you soon."
)
PEER_LEFT = _(
    "Your peer has left the programme, so your pair will not go on. I am looking for a new "
    "match for you and will write to you soon."
)
ALERT = _("{name} (id {id}, {cohorts}) asks for a new match. Her reason: {reason}")
# A reason longer than the chat can show: its beginning, and where the rest is.
ALERT_LONG = _(
    "{name} (id {id}, {cohorts}) asks for a new match. The beginning of her reason (the whole "
    "message is in the console's safeguarding inbox):\n{reason}…"
)
CONFIRM_PAUSE = _(
    "Pause your pair with {peer}? {peer} will be told. You can resume it at any time from the menu."
)
YES_PAUSE = _("Yes, pause it")
PAUSED = _(
    'Your pair with {peer} is paused. Write {menu} and choose "{resume}" when you are ready.'
)
PEER_PAUSED = _(
    "{peer} has paused your pair for now. She or the coordinators can restart it; I will tell "
    "you when it starts again."
)
MENU_PAUSED = _("My paused pair")
PAUSED_BY_PEER = _(
    "Your pair with {peer} is paused: {peer} paused it, and only she or the coordinators can "
    "restart it. I will tell you when it starts again."
)
PAUSED_BY_COORDINATORS = _(
    "Your pair with {peer} is paused by the programme coordinators, and only they can restart "
    "it. I will tell you when it starts again."
)
TEAM_PAUSED = _(
    "The programme coordinators have paused your pair with {peer} for now. I will tell you "
    "when it starts again."
)
TEAM_ENDED = _(
    "The programme coordinators have ended your pair with {peer}. Thank you for the time you "
    "gave each other. I will write to you if a new match is possible."
)
# A paused pair meets no more for now: what was planned is called off, and both are told.
PAUSE_CANCELS = _("Your session of {when} will be cancelled.")
PROPOSAL_OFF = _("The times proposed for your next session are withdrawn.")
RESUMED = _("Your pair with {peer} is active again.")
PEER_RESUMED = _("{peer} has restarted your pair. Welcome back!")
NO_PAIR = _("You have no pair at the moment.")
# A pause is for a while (holidays, a busy month), not for ever: a month on, the woman who
# paused is asked whether to restart, and again a month after each "not yet".
STILL_PAUSED = _(
    "Your pair with {peer} has been paused for {days} days. Would you like to restart it now?"
)
YES_RESTART = _("Yes, restart it")
NOT_YET = _("Not yet")
STAYS_PAUSED = _(
    "All right, it stays paused. I will ask you again in a month. Whenever you are ready, write "
    '{menu} and choose "{resume}".'
)
PAUSE_CHECK = "pause_check"
PAUSE_CHECK_STEP = (FLOW, "pause_check")
PAUSE_CHECK_DATA = ("pair_id", "days")
PAUSE_CHECK_AFTER = timedelta(days=30)


def _me(ctx: Context) -> int:
    return ctx.participant.id or 0


def _pair(ctx: Context, *statuses: str) -> PairView | None:
    for pair in lifecycle.her_live_pairs(ctx):
        if pair.status in statuses:
            return pair
    return None


def _peer(ctx: Context, pair: Pair | PairView) -> Participant | None:
    return ctx.session.get(Participant, pair.peer_of(_me(ctx)))


def _peer_name(ctx: Context, pair: Pair | None) -> str:
    peer = _peer(ctx, pair) if pair else None
    return peer.name or "" if peer else ""


def _actor(ctx: Context) -> str:
    return lifecycle.participant_actor(_me(ctx))


# --- A new match ---------------------------------------------------------------------------------


def _has_pair(ctx: Context) -> bool:
    # Before her first introduction a new match means nothing (she is waiting for a first
    # one), and once a pair has ended she has already been told a new match is coming: the
    # entry is for a pair she has now, introduced, active or paused.
    return ctx.participant.onboarded_at is not None and bool(lifecycle.her_live_pairs(ctx))


def _open_new_match(ctx: Context) -> Outcome:
    pair = _pair(ctx, *lifecycle.LIVE_STATUSES)
    if pair is None:
        return go(FLOW, "reason")
    ctx.data["pair_id"] = pair.id
    return go(FLOW, "confirm_new")


def _confirm_prompt(ctx: Context) -> Msg:
    pair = ctx.session.get(Pair, ctx.data.get("pair_id") or 0)
    return _(CONFIRM_NEW_MATCH.msgid, peer=_peer_name(ctx, pair))


def _on_confirm_new(ctx: Context, key: str) -> Outcome:
    if key == "no":
        ctx.data.pop("pair_id", None)
        return home.resume(ctx, KEPT)
    return go(FLOW, "reason")


def _tell_peer(
    session: Session, pair: Pair, leaving: int, notice: Msg, *, now: datetime, config: FlowConfig
) -> None:
    """Her peer is no longer asked about this pair, and reads `notice` in her own language
    (unless the introduction never reached her: see `introductions.release`)."""
    peer = session.get(Participant, pair.peer_of(leaving))
    if peer is not None and release(session, peer, pair.id or 0, now):
        tell(session, peer, notice, now=now, config=config, about=pair_over(pair))


def end_pair(
    session: Session,
    pair: Pair,
    leaving: int,
    *,
    reason: str,
    notice: Msg,
    now: datetime,
    config: FlowConfig,
) -> None:
    """She leaves this live pair: it ends (the reason is for the coordinators), its open
    sessions are cancelled, nothing planned for it goes out to either woman, and her peer
    reads `notice`."""
    lifecycle.end(session, pair, actor=lifecycle.participant_actor(leaving), now=now, reason=reason)
    _close(session, pair, by=leaving, now=now, config=config)
    _tell_peer(session, pair, leaving, notice, now=now, config=config)


def _close(session: Session, pair: Pair, *, by: int, now: datetime, config: FlowConfig) -> None:
    """An ended pair's open sessions are cancelled and nothing planned for it goes out."""
    for meeting in open_meetings(session, pair.id or 0):
        cancel_meeting(session, meeting, by=by, now=now, config=config)
    nudges.cancel(session, pair_id=pair.id)


def paused(pair: Pair) -> About:
    """A pause: what waited about the pair's sessions would reach her while it cannot go on."""
    return about_pair(pair.id, within=True)


def change_by_team(
    session: Session,
    pair: Pair,
    coordinator_id: int,
    action: str,
    *,
    now: datetime,
    config: FlowConfig,
    reason: str = "",
) -> None:
    """A coordinator pauses, resumes or ends a pair (the console): both women are told, each in
    her language; an end also closes what was open or planned for the pair. ValueError when
    the pair is not in a state for `action`."""
    actor = lifecycle.coordinator_actor(coordinator_id)
    called_off: list[Meeting] = []
    since: datetime | None = None  # when the pause a restart lifts began
    if action == "pause" and pair.status == PairStatus.ACTIVE:
        lifecycle.pause(session, pair, actor=actor, now=now)
        called_off = _call_off(session, pair, by=coordinator_id, now=now, config=config)
        notice, about = TEAM_PAUSED, paused(pair)
    elif action == "resume" and pair.status == PairStatus.PAUSED:
        since = _restart(session, pair, actor=actor, now=now, config=config)
        notice, about = RESUMED, about_pair(pair.id)
    elif action == "end" and pair.status in lifecycle.LIVE_STATUSES:
        lifecycle.end(session, pair, actor=actor, now=now, reason=reason or "coordinator")
        _close(session, pair, by=coordinator_id, now=now, config=config)
        notice, about = TEAM_ENDED, pair_over(pair)
    else:
        raise ValueError(action)
    for member in pair.members():
        her = session.get(Participant, member)
        peer = session.get(Participant, pair.peer_of(member))
        if her is not None and action != "pause":
            # "Restart it now?" no longer stands once the pause is lifted or the pair is over.
            forget_question(session, her, PAUSE_CHECK_STEP, now, drop=PAUSE_CHECK_DATA)
        # An introduction still held for her quiet hours never reached her: nothing to tell.
        if her is None or not release(session, her, pair.id or 0, now):
            continue
        told = _(notice.msgid, peer=peer.name if peer else "")
        if action == "resume":
            _tell_restart(session, her, pair, told, paused_at=since, now=now, config=config)
        else:
            lines = _off_for(session, pair, called_off, her, now=now)
            tell(session, her, stacked([told, *lines]), now=now, config=config, about=about)


def _on_reason(ctx: Context, reason: str) -> Outcome:
    pair = ctx.session.get(Pair, ctx.data.pop("pair_id", None) or 0)
    me = _me(ctx)
    if pair is not None and pair.status in lifecycle.LIVE_STATUSES and me in pair.members():
        name = ctx.participant.name or ""
        if pair.status == PairStatus.INTRODUCED and pair.response_of(me) is None:
            # Not met yet: the same as declining the introduction, silent to her peer.
            lifecycle.respond(ctx.session, pair, me, accept=False, now=ctx.now)
            notice = _(NEW_MATCH_COMING.msgid, peer=name)
            _tell_peer(ctx.session, pair, me, notice, now=ctx.now, config=ctx.config)
        else:
            notice = _((PEER_ENDED if pair.active_at else NEW_MATCH_COMING).msgid, peer=name)
            end_pair(
                ctx.session,
                pair,
                me,
                reason="new match asked",
                notice=notice,
                now=ctx.now,
                config=ctx.config,
            )
    _alert_new_match(ctx, pair, reason)
    return home.resume(ctx, REQUESTED)


def _alert_new_match(ctx: Context, pair: Pair | None, reason: str) -> None:
    """Tell her coordinators, with her reason, and keep it for the console (her reason is her
    words: erased with her data, like a report's)."""
    me = _me(ctx)
    cohorts = ", ".join(c.name for c in cohorts_of(ctx.session, me)) or "-"
    pair = pair if pair is not None and me in pair.members() else None
    # Room for the "…" the long alert adds.
    shown = reason if len(reason) <= SHOWN else beginning(reason, BEGINNING - 1)
    keep_and_alert(
        ctx.session,
        _(
            (ALERT if shown == reason else ALERT_LONG).msgid,
            name=ctx.participant.name or "",
            id=ctx.participant.public_id,
            cohorts=cohorts,
            reason=shown,
        ),
        participant_id=me,
        source="new_match",
        now=ctx.now,
        config=ctx.config,
        purpose="new_match_request",
        pair_id=pair.id if pair is not None else None,
        cohort_id=pair.cohort_id if pair is not None else None,
        text=reason,
    )


# --- Her data erased ------------------------------------------------------------------------------


def _leave_pairs(ctx: Context) -> None:
    """She erases her data: each of her live pairs ends, and her peer is told without her name
    (it is about to be erased, and any message naming her would be withdrawn)."""
    for pair in lifecycle.live_pairs(ctx.session, _me(ctx)):
        end_pair(
            ctx.session,
            pair,
            _me(ctx),
            reason="her data was erased",
            notice=PEER_LEFT,
            now=ctx.now,
            config=ctx.config,
        )


home.add_before_erase(_leave_pairs)


# --- Pause and restart ----------------------------------------------------------------------------


def _has_active(ctx: Context) -> bool:
    return _pair(ctx, PairStatus.ACTIVE) is not None


def _paused_by_her(ctx: Context, pair: Pair | PairView) -> bool:
    # The pause is hers to lift: her peer (or a coordinator) paused for a reason of her own,
    # and the other woman undoing it would override that choice.
    return lifecycle.paused_by(ctx.session, pair.id or 0) == _actor(ctx)


def _can_resume(ctx: Context) -> bool:
    paused = _pair(ctx, PairStatus.PAUSED)
    return paused is not None and _paused_by_her(ctx, paused)


def _paused_by_other(ctx: Context) -> bool:
    paused = _pair(ctx, PairStatus.PAUSED)
    return paused is not None and not _paused_by_her(ctx, paused)


def _why_paused(ctx: Context, pair: Pair | PairView) -> Msg:
    """Who paused her pair, and so who can restart it."""
    by = lifecycle.paused_by(ctx.session, pair.id or 0)
    if by == lifecycle.participant_actor(pair.peer_of(_me(ctx))):
        return _(PAUSED_BY_PEER.msgid, peer=_peer_name(ctx, pair))
    return _(PAUSED_BY_COORDINATORS.msgid, peer=_peer_name(ctx, pair))


def _open_pause(ctx: Context) -> Outcome:
    pair = _pair(ctx, PairStatus.ACTIVE)
    if pair is None:
        return home.resume(ctx, NO_PAIR)
    ctx.data["pair_id"] = pair.id
    return go(FLOW, "confirm_pause")


def _pause_prompt(ctx: Context) -> Msg:
    pair = ctx.session.get(Pair, ctx.data.get("pair_id") or 0)
    asked = _(CONFIRM_PAUSE.msgid, peer=_peer_name(ctx, pair))
    planned = [
        _(PAUSE_CANCELS.msgid, when=when(start))
        for start in (_start_ahead(m, ctx.now) for m in _planned(ctx.session, pair))
        if start is not None
    ]
    return stacked([asked, *planned])


def _on_confirm_pause(ctx: Context, key: str) -> Outcome:
    pair = ctx.session.get(Pair, ctx.data.pop("pair_id", None) or 0)
    if key == "no" or pair is None or pair.status != PairStatus.ACTIVE:
        return home.resume(ctx, KEPT)
    lifecycle.pause(ctx.session, pair, actor=_actor(ctx), now=ctx.now, note="paused by her")
    _plan_pause_check(ctx.session, pair, _me(ctx), now=ctx.now)
    called_off = _call_off(ctx.session, pair, by=_me(ctx), now=ctx.now, config=ctx.config)
    name = _peer_name(ctx, pair)
    told = _(PEER_PAUSED.msgid, peer=ctx.participant.name or "")
    peer = _peer(ctx, pair)
    if peer is not None:
        theirs = _off_for(ctx.session, pair, called_off, peer, now=ctx.now)
        tell(
            ctx.session,
            peer,
            stacked([told, *theirs]),
            now=ctx.now,
            config=ctx.config,
            about=paused(pair),
        )
    mine = _called_off_for(ctx.session, called_off, ctx.participant, now=ctx.now)
    return home.resume(ctx, stacked([_paused_mine(name), *mine]))


def _paused_mine(name: str) -> Msg:
    return _(PAUSED.msgid, peer=name, menu=keyword("menu"), resume=nested(MENU_RESUME))


def paused_note(ctx: Context, pair: Pair) -> Msg:
    """Her pair rests: how to restart it when the pause is hers, else who can."""
    if _paused_by_her(ctx, pair):
        return _paused_mine(_peer_name(ctx, pair))
    return _why_paused(ctx, pair)


def _planned(session: Session, pair: Pair | None) -> list[Meeting]:
    return open_meetings(session, pair.id or 0) if pair is not None else []


def _start_ahead(meeting: Meeting, now: datetime) -> datetime | None:
    """When the session planned (or being moved) starts, if that is still ahead."""
    start = planned_start(meeting)
    return start if start is not None and start > now else None


def _call_off(
    session: Session, pair: Pair, *, by: int, now: datetime, config: FlowConfig
) -> list[Meeting]:
    """A paused pair meets no more for now: its sessions ahead and its open proposals are
    cancelled (no reminder or check-in while it rests); returns them (`_called_off_for` says
    them to each woman). A session already under way is left to close as held."""
    cancelled: list[Meeting] = []
    for meeting in _planned(session, pair):
        if _start_ahead(meeting, now) is None and meeting.status != MeetingStatus.PROPOSED:
            continue
        cancel_meeting(session, meeting, by=by, now=now, config=config)
        cancelled.append(meeting)
    return cancelled


def _called_off_for(
    session: Session, meetings: list[Meeting], her: Participant, *, now: datetime
) -> list[Msg]:
    """What a pause called off, as she knows it: each session ahead is cancelled, each proposal
    withdrawn; but not a proposal that never reached her (held for her night), which is news
    about nothing."""
    said: list[Msg] = []
    for meeting in meetings:
        start = _start_ahead(meeting, now)
        if start is not None:
            said.append(_(SESSION_OFF.msgid, when=when(start)))
        elif meeting.start_at is None and not never_reached(
            session,
            her,
            about_session(meeting.pair_id, meeting.id),
            since=meeting.created_at or now,
            now=now,
        ):
            said.append(PROPOSAL_OFF)
    return said


def _untold(session: Session, pair: Pair, her: Participant, *, now: datetime) -> list[Meeting]:
    """What was called off (by her peer, a pause, the coordinators) whose news has not reached
    her: held for her night, then dropped (or about to be) for a newer word about the pair (a
    pause, its restart). That word says it again, so she reads it once, never loses it."""
    about = about_pair(pair.id)
    return [
        meeting
        for meeting in cancelled_since(session, pair.id or 0, now - LONGEST_NIGHT)
        if meeting.cancelled_by != her.id
        and never_reached(
            session,
            her,
            about_session(meeting.pair_id, meeting.id),
            since=meeting.cancelled_at or now,
            now=now,
            also=[about],
        )
    ]


def _off_for(
    session: Session, pair: Pair, called_off: list[Meeting], her: Participant, *, now: datetime
) -> list[Msg]:
    """What a pause called off, and what was called off before it that she has not heard of
    yet (the pause's word replaces the note saying it), as she knows it."""
    known = {meeting.id for meeting in called_off}
    earlier = [m for m in _untold(session, pair, her, now=now) if m.id not in known]
    return _called_off_for(session, [*earlier, *called_off], her, now=now)


def _tell_restart(
    session: Session,
    her: Participant,
    pair: Pair,
    notice: Msg,
    *,
    paused_at: datetime | None,
    now: datetime,
    config: FlowConfig,
) -> None:
    """Her pair starts again: she reads `notice`. When the pause never reached her (held for
    her night), the two make nothing: she hears of neither, only of what the pause called off
    that she knew of (her session is cancelled all the same)."""
    about = about_pair(pair.id)
    if paused_at is None or not never_reached(session, her, about, since=paused_at, now=now):
        tell(session, her, notice, now=now, config=config, about=about)
        return
    called_off = _called_off_for(session, _untold(session, pair, her, now=now), her, now=now)
    if called_off:
        tell(session, her, stacked(called_off), now=now, config=config, about=about)
    else:
        drop_waiting(session, her, about, now=now)


def _restart(
    session: Session, pair: Pair, *, actor: str, now: datetime, config: FlowConfig
) -> datetime | None:
    """Bring the pair back from its pause; returns when the pause began. The no-session
    ladder starts again from now: its rungs from before the pause would count the days at
    rest ("14 days" two days after the restart), or have all passed and leave it unnudged."""
    since = lifecycle.paused_at(session, pair.id or 0)
    lifecycle.resume(session, pair, actor=actor, now=now)
    plan_ladder(session, pair, anchor=now, now=now, config=config)
    return since


def _paused_info(ctx: Context) -> Outcome:
    paused = _pair(ctx, PairStatus.PAUSED)
    if paused is None:
        return home.resume(ctx, NO_PAIR)
    return home.resume(ctx, _why_paused(ctx, paused))


def _resume_pair(ctx: Context) -> Outcome:
    paused = _pair(ctx, PairStatus.PAUSED)
    pair = ctx.session.get(Pair, paused.id) if paused else None
    if pair is None:
        return home.resume(ctx, NO_PAIR)
    if not _paused_by_her(ctx, pair):  # an old menu: not hers to restart
        return home.resume(ctx, _why_paused(ctx, pair))
    since = _restart(ctx.session, pair, actor=_actor(ctx), now=ctx.now, config=ctx.config)
    peer = _peer(ctx, pair)
    if peer is not None:
        told = _(PEER_RESUMED.msgid, peer=ctx.participant.name or "")
        _tell_restart(
            ctx.session, peer, pair, told, paused_at=since, now=ctx.now, config=ctx.config
        )
    if tuple(ctx.data.get("return_to") or ()) == PAUSE_CHECK_STEP:
        # Restarted from the menu while "restart it now?" waited: that question is answered.
        for key in ("return_to", *PAUSE_CHECK_DATA):
            ctx.data.pop(key, None)
    return home.resume(ctx, _(RESUMED.msgid, peer=_peer_name(ctx, pair)))


def _plan_pause_check(session: Session, pair: Pair, her_id: int, *, now: datetime) -> None:
    """Ask her, a month from now, whether to restart the pair she paused."""
    due = now + PAUSE_CHECK_AFTER
    nudges.plan(
        session,
        key=f"{PAUSE_CHECK}:{pair.id}:{her_id}:{due:%Y%m%d%H%M}",
        purpose=PAUSE_CHECK,
        due_at=due,
        now=now,
        participant_id=her_id,
        pair_id=pair.id,
    )


@handles(PAUSE_CHECK)
def fire_pause_check(firing: Firing) -> bool:
    """Ask her whether to restart her pair, while it still rests by her own pause of a month or
    more (restarted, or paused again since, it is that pause's own check that asks)."""
    session, nudge = firing.session, firing.nudge
    pair = session.get(Pair, nudge.pair_id) if nudge.pair_id else None
    her = session.get(Participant, nudge.participant_id) if nudge.participant_id else None
    if pair is None or her is None or pair.status != PairStatus.PAUSED:
        return False
    since = lifecycle.paused_at(session, pair.id or 0)
    by_her = lifecycle.paused_by(session, pair.id or 0) == lifecycle.participant_actor(her.id or 0)
    if not by_her or since is None or firing.now - since < PAUSE_CHECK_AFTER:
        return False
    data = {"pair_id": pair.id, "days": (firing.now - since).days}
    return bool(
        ask(
            session,
            her,
            FLOW,
            "pause_check",
            now=firing.now,
            config=firing.config,
            purpose=PAUSE_CHECK,
            data=data,
        )
    )


def _pause_check_prompt(ctx: Context) -> Msg:
    pair = ctx.session.get(Pair, ctx.data.get("pair_id") or 0)
    return _(STILL_PAUSED.msgid, peer=_peer_name(ctx, pair), days=ctx.data.get("days") or 0)


def _on_pause_check(ctx: Context, key: str) -> Outcome:
    pair = ctx.session.get(Pair, ctx.data.pop("pair_id", None) or 0)
    ctx.data.pop("days", None)
    if key == "yes":
        return _resume_pair(ctx)
    if pair is None or pair.status != PairStatus.PAUSED:
        return home.resume(ctx, KEPT)
    _plan_pause_check(ctx.session, pair, _me(ctx), now=ctx.now)
    return home.resume(ctx, _(STAYS_PAUSED.msgid, menu=keyword("menu"), resume=nested(MENU_RESUME)))


home.add_menu_item(home.MenuItem("pair_pause", MENU_PAUSE, _has_active, _open_pause))
home.add_menu_item(home.MenuItem("pair_resume", MENU_RESUME, _can_resume, _resume_pair))
home.add_menu_item(home.MenuItem("pair_paused", MENU_PAUSED, _paused_by_other, _paused_info))
home.add_menu_item(home.MenuItem("new_match", MENU_NEW_MATCH, _has_pair, _open_new_match))

register(
    FLOW,
    {
        "confirm_new": Choose(
            _confirm_prompt, (Option("yes", YES_NEW), Option("no", NO_KEEP)), _on_confirm_new
        ),
        # Her own words, kept whole however long she writes (past the longest, their beginning).
        "reason": AskText(ASK_REASON, _on_reason, longest=LONGEST_OWN_WORDS, keep=True),
        "confirm_pause": Choose(
            _pause_prompt, (Option("yes", YES_PAUSE), Option("no", NO_KEEP)), _on_confirm_pause
        ),
        "pause_check": Choose(
            _pause_check_prompt,
            (Option("yes", YES_RESTART), Option("no", NOT_YET)),
            _on_pause_check,
        ),
    },
)
