"""Coordinator commands in chat: /stats, /atrisk, /broadcast (guided), /progress, /retry, …

The engine asks `command` about every text before the current step sees it. A command is only
recognised once the sender is known to be a coordinator: for anyone else `command` returns None
(the attempt is written to the audit log) and her message goes on to her current step exactly as
an unknown word would, so she gets the very same answer.

A coordinator gets what her console grant gives her (`flows.console_auth`, `flows.scope`), the
same rules as the console's pages: a viewer reads, a coordinator also changes, and figures, lists
and audiences cover her countries and cohorts only. Every command and every step of the guided
broadcast checks the grant again, so a coordinator removed or demoted half-way cannot finish.

Replies are in the coordinator's own language. Lists (pairs at risk, coordinators) are put
together for her when she asks, in that language.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from flows import broadcasts, cohort_join, console_auth, reports
from flows import console_views as views
from flows import coordination as roles
from flows import vocabulary as vocab
from flows.console_auth import Grant
from flows.coordination import Actor, NotAllowed
from flows.home import remember_place, resume
from flows.i18n import LANGUAGES
from flows.messages import Msg, Option, Reply, _, _n, _p, listing, nested, stacked
from flows.registry import register
from flows.render import Reader, render_msg
from flows.steps import Answer, Choose, Context, Outcome, go, stay
from storage.coordination import Broadcast
from storage.models import Participant

FLOW = "broadcast"
MOST_LINES = 6
# The least console role each command needs, as the console asks of its pages: reading (in her
# scope) is for every role, any change for a coordinator. Who coordinates is for an admin of the
# whole programme (`MANAGERS`), so nobody can give a wider grant than her own.
NEEDS: dict[str, str] = {
    "commands": "viewer",
    "stats": "viewer",
    "atrisk": "viewer",
    "progress": "viewer",
    "retry": "coordinator",
    "broadcast": "coordinator",
    "match": "coordinator",
    "coordinators": "admin",
}
MANAGERS = {"coordinators"}

COMMANDS_TITLE = _("Coordinator commands:")
# One line a command, in this order; `/commands` lists those her grant allows.
COMMAND_LINES: dict[str, Msg] = {
    "stats": _("/stats: the programme in numbers"),
    "atrisk": _("/atrisk: pairs needing attention"),
    "broadcast": _("/broadcast: send an announcement"),
    "progress": _("/progress: how the last announcement is going"),
    "retry": _("/retry: send again what failed"),
    "match": _("/match COHORT: review a cohort's proposed pairs and introduce them"),
    "coordinators": _("/coordinators: who coordinates (add or remove: /coordinators add +221…)"),
}
STATS = _(
    "The programme today:\n"
    "Participants: {participants} ({onboarded} onboarded, {opted_out} stopped messages)\n"
    "Active pairs: {active_pairs}\n"
    "Sessions in the last 30 days: {sessions}\n"
    "Average session rating: {rating}\n"
    "Pairs at risk: {at_risk} (write /atrisk)\n"
    "Announcements in the last 30 days: {broadcasts}"
)
NO_RATING = _("no ratings yet")
# Fewer than 5 women rated: their average would be their own ratings.
FEW_RATINGS = _("too few women to show (under 5)")
NOBODY_AT_RISK = _("No pair needs attention right now.")
AT_RISK = _("Pairs needing attention ({n}):\n{lines}")
AT_RISK_LINE = _("Pair {pair}: {a} ({a_country}) and {b} ({b_country}): {reasons}")
AND_MORE = _("…and {n} more (see the full report).")
PROGRESS = _(
    "Announcement {id}, {total} women:\n"
    "waiting to be sent: {queued} (of which later, at their local hour: {scheduled})\n"
    "sent: {sent}, delivered: {delivered}, read: {read}\n"
    "template sent, waiting for her reply (WhatsApp): {waiting}\n"
    "failed: {failed}\n"
    "skipped (stopped messages): {skipped}, unreachable: {unreachable}"
)
NO_BROADCAST = _("No announcement has been sent yet.")
COORDINATORS = _("Coordinators:\n{lines}")
COORDINATOR_LINE = _("- {who}: {role}, {scope}")
# Console roles as an admin reads them in the list of coordinators.
ROLE_LABELS: dict[str, Msg] = {
    "viewer": _p("console role", "reads only"),
    "coordinator": _p("console role", "coordinator"),
    "admin": _p("console role", "administrator"),
}
WHOLE_PROGRAMME = _("the whole programme")
COORDINATOR_ADDED = _("Done: {who} is a coordinator.")
COORDINATOR_REMOVED = _("Done: {who} is no longer a coordinator.")
COORDINATOR_UNKNOWN = _("{who} is not a coordinator: nothing changed.")
BAD_IDENTITY = _(
    "I did not understand who. Write for example /coordinators add +22177000000 "
    "or /coordinators add telegram:123456789"
)
NO_PARTICIPANT = _("There is no participant {number}: nothing changed.")

ASK_AUDIENCE = _("Who should receive the announcement?")
AUDIENCE_ALL = _("Everyone")
AUDIENCE_COUNTRY = _("The women of one country")
AUDIENCE_COHORT = _("One cohort")
AUDIENCE_NO_PAIR = _("Women without a pair")
AUDIENCE_NOT_ONBOARDED = _("Women who have not finished their profile")
CANCEL = _("Cancel")
ASK_COUNTRY = _("Which country?")
ASK_COHORT = _("Which cohort?")
NO_COHORT = _("There is no cohort yet.")
NOBODY = _("Nobody can receive it with this choice. Nothing was sent.")
TEXT_TOO_LONG = _("It is {n} characters long; please keep it to 600.")
ASK_FALLBACK = _("No text for the women who read {languages}. Send them the text in:")
ASK_WHEN = _("When should it arrive?")
WHEN_NOW = _("Now (after each woman's quiet hours)")
WHEN_10 = _("At 10:00 in each woman's own time")
WHEN_18 = _("At 18:00 in each woman's own time")
PREVIEW_LINE = _("{language} on {channel}: {n}")
PREVIEW_SKIPPED = _("Not sent to {opted_out} who stopped messages and {unreachable} unreachable.")
PREVIEW_TEXT = _("In {language} it will read:\n\n{text}")
ASK_CONFIRM = _("Send it?")
SEND = _("Send")
CANCELLED = _("Cancelled: nothing was sent.")
NOT_SENT = _("Not sent: {reason}")


READ_ONLY = _(
    "Sorry, your role lets you read the figures (/stats, /atrisk, /progress) but not change "
    "anything. An administrator can change your role if you need more."
)
ADMINS_ONLY = _(
    "Sorry, only an administrator of the whole programme can see, add or remove coordinators."
)

CHANNEL_LABELS: dict[str, Msg] = {
    "telegram": _("Telegram"),
    "whatsapp": _("WhatsApp"),
    "sms": _("SMS"),
    "console": _("local chat"),
}


def language_named(language: str) -> dict[str, object]:
    """A language inside a sentence, named in her language ("en espagnol", "in Spanish"), not
    in itself as a woman picks hers ("Español")."""
    return listing([nested(vocab.SPOKEN_LANGUAGES[language])], style="unit", lower="names")


# Counts said in the singular when there is one: a cohort or a country may hold one woman.
def retried(n: int) -> Msg:
    return _n(
        "{n} failed message will be sent again.", "{n} failed messages will be sent again.", n
    )


def ask_text(n: int, language: str) -> Msg:
    return _n(
        "Write the announcement in {language} for {n} woman (600 characters at most). "
        "Send 0 if you have no text in this language.",
        "Write the announcement in {language} for {n} women (600 characters at most). "
        "Send 0 if you have no text in this language.",
        n,
        language=language_named(language),
    )


def preview_total(n: int, lines: str) -> Msg:
    return _n(
        "{n} woman will receive it:\n{lines}", "{n} women will receive it:\n{lines}", n, lines=lines
    )


def preview_template(n: int) -> Msg:
    return _n(
        "{n} on WhatsApp has not written for 24 hours: she first gets the announcement template "
        "and the text when she replies.",
        "{n} on WhatsApp have not written for 24 hours: they first get the announcement template "
        "and the text when they reply.",
        n,
    )


def queued(n: int) -> Msg:
    return _n(
        "Done: {n} message is on its way. Write /progress to follow it.",
        "Done: {n} messages are on their way. Write /progress to follow them.",
        n,
    )


# Recognising commands ------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]


def parse(text: str) -> Command | None:
    """ "/stats", "/progress 12", "/Coordinators add +221…" (Telegram may add "@BotName")."""
    words = text.strip().split()
    if not words or not words[0].startswith("/"):
        return None
    name = words[0][1:].split("@", 1)[0].lower()
    if name not in HANDLERS:
        return None
    return Command(name, tuple(words[1:]))


def command(ctx: Context, text: str) -> Outcome | None:
    """The coordinator command this text is, for a coordinator; None otherwise (see module doc)."""
    found = parse(text)
    if found is None:
        return None
    grant, allowed = console_auth.permit(
        ctx.session,
        ctx.config,
        ctx.participant.id or 0,
        f"chat_{found.name}",
        role=NEEDS.get(found.name, "coordinator"),
        whole=found.name in MANAGERS,
        now=ctx.now,
    )
    if grant is None:
        return None
    if not allowed:
        return _then_ask(stay(ADMINS_ONLY if found.name in MANAGERS else READ_ONLY))
    try:
        return _then_ask(HANDLERS[found.name](ctx, found.args, grant))
    except NotAllowed:
        return None


def _then_ask(outcome: Outcome) -> Outcome:
    """A command's answer, then the question she was on (as after HELP), so a coordinator who
    typed /stats half-way through her profile knows what to answer next."""
    return replace(outcome, ask=True) if outcome.goto is None else outcome


def checked(ctx: Context, action: str, role: str = "coordinator") -> tuple[Grant | None, bool]:
    """Her grant now and whether it allows `role`, for a step of a command already logged."""
    return console_auth.permit(
        ctx.session,
        ctx.config,
        ctx.participant.id or 0,
        action,
        role=role,
        now=ctx.now,
        record_allowed=False,
    )


def refused(ctx: Context, grant: Grant | None, *keys: str) -> Outcome:
    """Out of a command she may no longer finish: the menu for someone no longer a coordinator
    (as for anyone else), the reason for one whose role no longer allows it."""
    for key in keys:
        ctx.data.pop(key, None)
    ctx.data.pop("return_to", None)
    return go("home", "menu") if grant is None else go("home", "menu", READ_ONLY)


def _actor(ctx: Context) -> Actor:
    return Actor.chat(ctx.participant)


def _local(ctx: Context, msg: Msg) -> str:
    """A message put together now, in her language (for lists built from many parts)."""
    return render_msg(msg, Reader(ctx.participant.locale, ctx.participant.country))


def _commands(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    """The commands her grant allows, one a line."""
    allowed = [
        line
        for name, line in COMMAND_LINES.items()
        if grant.can(NEEDS[name]) and (grant.whole or name not in MANAGERS)
    ]
    return stay(stacked([COMMANDS_TITLE, *allowed]))


def _stats(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    staff = roles.coordinator_ids(ctx.session, ctx.config)
    report = reports.build(ctx.session, now=ctx.now, scope=grant.scope(ctx.session), staff=staff)
    numbers = report.headline
    rating = numbers["mean_rating"]
    unrated = FEW_RATINGS if report.ratings_hidden else NO_RATING
    return stay(
        _(
            STATS.msgid,
            participants=numbers["participants"],
            onboarded=numbers["onboarded"],
            opted_out=numbers["opted_out"],
            active_pairs=numbers["active_pairs"],
            sessions=numbers["sessions_30d"],
            rating=f"{rating}/5" if rating is not None else nested(unrated),
            at_risk=numbers["at_risk"],
            broadcasts=numbers["broadcasts_30d"],
        )
    )


def _at_risk(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    found = reports.at_risk(ctx.session, now=ctx.now, scope=grant.scope(ctx.session))
    # Names are for coordinators; a viewer reads the public ids, as on the console.
    named = grant.can("coordinator")
    if not found:
        return stay(NOBODY_AT_RISK)
    lines = []
    for item in found[:MOST_LINES]:
        a = ctx.session.get(Participant, item.a_id)
        b = ctx.session.get(Participant, item.b_id)
        reasons = ", ".join(
            _local(ctx, _(reports.RISK_LABELS[key].msgid, **params)) for key, params in item.reasons
        )
        lines.append(
            _local(
                ctx,
                _(
                    AT_RISK_LINE.msgid,
                    pair=item.pair_id,
                    a=(a.name if a and named else None) or item.a_public,
                    b=(b.name if b and named else None) or item.b_public,
                    a_country=nested(
                        reports.COUNTRY_LABELS.get(item.countries[0], reports.COUNTRY_LABELS["?"])
                    ),
                    b_country=nested(
                        reports.COUNTRY_LABELS.get(item.countries[1], reports.COUNTRY_LABELS["?"])
                    ),
                    reasons=reasons,
                ),
            )
        )
    if len(found) > MOST_LINES:
        lines.append(_local(ctx, _(AND_MORE.msgid, n=len(found) - MOST_LINES)))
    return stay(_(AT_RISK.msgid, n=len(found), lines="\n".join(lines)))


def _chosen_broadcast(ctx: Context, args: Sequence[str], grant: Grant) -> Broadcast | None:
    """The announcement she names (else the latest), if it is one she may see."""
    scope = grant.scope(ctx.session)
    if args and args[0].lstrip("#").isdigit():
        found = ctx.session.get(Broadcast, int(args[0].lstrip("#")))
        return found if found is not None and scope.sees_broadcast(found) else None
    return broadcasts.latest(ctx.session, scope=scope)


def _not_chosen(args: Sequence[str]) -> Msg:
    """Why no announcement was found: the number she gave (one she may not see is answered
    the same, so it tells nothing), else that none has been sent."""
    if args and args[0].lstrip("#").isdigit():
        return _(broadcasts.NOT_FOUND.msgid, number=int(args[0].lstrip("#")))
    return NO_BROADCAST


def _progress(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    broadcast = _chosen_broadcast(ctx, args, grant)
    if broadcast is None:
        return stay(_not_chosen(args))
    report = broadcasts.report_checked(ctx.session, ctx.config, _actor(ctx), broadcast, now=ctx.now)
    return stay(
        _(
            PROGRESS.msgid,
            id=report.broadcast_id,
            total=report.total,
            queued=report.queued,
            scheduled=report.scheduled,
            sent=report.sent,
            delivered=report.delivered,
            read=report.read,
            waiting=report.waiting,
            failed=report.failed,
            skipped=report.skipped,
            unreachable=report.unreachable,
        )
    )


def _retry(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    broadcast = _chosen_broadcast(ctx, args, grant)
    if broadcast is None:
        return stay(_not_chosen(args))
    try:
        again = broadcasts.retry_failed(
            ctx.session, ctx.config, _actor(ctx), broadcast, now=ctx.now
        )
    except broadcasts.BroadcastError as error:  # a cancelled one: says why
        return stay(error.msg)
    # Nothing failed (or all who failed stopped messages since): no count of zero to read.
    return stay(retried(again) if again else broadcasts.NOTHING_FAILED)


def _coordinators(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    # Only an admin of the whole programme gets here (`MANAGERS`): a new row, an unscoped
    # coordinator (an admin if the settings name her), is never wider than her own grant.
    actor = _actor(ctx)
    if len(args) >= 2 and args[0].lower() in ("add", "remove"):
        who = " ".join(args[1:])
        try:
            if args[0].lower() == "add":
                roles.add(ctx.session, ctx.config, actor, who, now=ctx.now)
                added = _(COORDINATOR_ADDED.msgid, who=who)
                if roles.has_written(ctx.session, who):
                    return stay(added)
                return stay(stacked([added, _(roles.NOT_WRITTEN.msgid, who=who)]))
            if roles.remove(ctx.session, ctx.config, actor, who, now=ctx.now):
                return stay(_(COORDINATOR_REMOVED.msgid, who=who))
            return stay(_(COORDINATOR_UNKNOWN.msgid, who=who))
        except roles.UnknownParticipant as unknown:
            return stay(_(NO_PARTICIPANT.msgid, number=unknown.participant_id))
        except ValueError:
            return stay(BAD_IDENTITY)
    found = roles.listing(ctx.session, ctx.config, actor, now=ctx.now)
    names = roles.cohort_names(ctx.session, found)
    lines = [
        _local(
            ctx,
            _(
                COORDINATOR_LINE.msgid,
                who=item.identity,
                role=nested(ROLE_LABELS.get(item.role, ROLE_LABELS["admin"])),
                scope=", ".join(
                    [
                        *(_local(ctx, vocab.COUNTRIES.get(c, Msg(c))) for c in item.countries),
                        *(names.get(cohort, str(cohort)) for cohort in item.cohorts),
                    ]
                )
                or nested(WHOLE_PROGRAMME),
            ),
        )
        for item in found
    ]
    return stay(_(COORDINATORS.msgid, lines="\n".join(lines)))


def _broadcast(ctx: Context, args: Sequence[str], grant: Grant) -> Outcome:
    remember_place(ctx, opening=FLOW)
    ctx.data["bc"] = {}
    return go(FLOW, "audience")


Handler = Callable[[Context, Sequence[str], Grant], Outcome]
HANDLERS: dict[str, Handler] = {
    "commands": _commands,
    "stats": _stats,
    "atrisk": _at_risk,
    "broadcast": _broadcast,
    "progress": _progress,
    "retry": _retry,
    "coordinators": _coordinators,
}


# The guided broadcast ------------------------------------------------------------------------


def _state(ctx: Context) -> dict:
    return ctx.data.setdefault("bc", {})


def _guarded(
    handler: Callable[[Context, str, Grant], Outcome],
) -> Callable[[Context, str], Outcome]:
    """Every answer in the flow checks her grant again; without it she lands on the menu."""

    def run(ctx: Context, answer: str) -> Outcome:
        # A fresh copy: changed in place, the saved conversation would not see the change.
        ctx.data["bc"] = copy.deepcopy(ctx.data.get("bc", {}))
        grant, allowed = checked(ctx, "chat_broadcast")
        if grant is None or not allowed:
            return refused(ctx, grant, "bc")
        return handler(ctx, answer, grant)

    return run


def grant_now(ctx: Context) -> Grant | None:
    """Her grant, for a question's options (read once while the question is put together)."""
    return ctx.read_once(
        "console_grant",
        lambda: console_auth.grant_of(ctx.session, ctx.config, ctx.participant.id or 0),
    )


def _end(ctx: Context, *say: Reply | Msg) -> Outcome:
    ctx.data.pop("bc", None)
    return resume(ctx, *say)


def _audience(ctx: Context) -> broadcasts.Audience:
    return broadcasts.Audience.from_json(_state(ctx).get("audience", {}))


def _on_audience(ctx: Context, key: str, grant: Grant) -> Outcome:
    if key == "cancel":
        return _end(ctx, CANCELLED)
    if key == "country":
        if not reachable_countries(ctx, grant):
            return _end(ctx, NOBODY)
        return go(FLOW, "country")
    if key == "cohort":
        if not views.cohorts(ctx.session, grant.scope(ctx.session)):
            return _end(ctx, NO_COHORT)
        return go(FLOW, "cohort")
    audience = {
        "all": {},
        "no_pair": {"pair_statuses": [broadcasts.NO_PAIR]},
        "not_onboarded": {"onboarded": False},
    }[key]
    return _chose(ctx, audience, grant)


def _in_programme(audience: dict) -> dict:
    """The audience among the women in the programme: Everyone, a country, a cohort and those
    without a pair are women whose profile is finished (and so who consented), each a part of
    Everyone; the others are "Women who have not finished their profile"."""
    return audience if "onboarded" in audience else {**audience, "onboarded": True}


def _within(ctx: Context, audience: dict, grant: Grant) -> dict:
    """The audience as JSON, narrowed to her scope now (it may have changed since she chose)."""
    chosen = broadcasts.Audience.from_json(audience)
    return broadcasts.within(chosen, grant.scope(ctx.session)).to_json()


def _chose(ctx: Context, audience: dict, grant: Grant) -> Outcome:
    _state(ctx)["audience"] = _within(ctx, _in_programme(audience), grant)
    selection = broadcasts.audience_of(ctx.session, ctx.config, _audience(ctx))
    counts: dict[str, int] = {}
    for recipient in selection.recipients:
        counts[recipient.language] = counts.get(recipient.language, 0) + 1
    if not counts:
        return _end(ctx, NOBODY)
    _state(ctx)["counts"] = counts
    _state(ctx)["todo"] = [language for language in LANGUAGES if language in counts]
    _state(ctx)["texts"] = {}
    return go(FLOW, "text")


def _cohort_options(ctx: Context) -> Sequence[Option]:
    """Her cohorts (see `Scope.sees_cohort`), newest first."""
    grant = grant_now(ctx)
    cohorts = views.cohorts(ctx.session, grant.scope(ctx.session))[:8] if grant else []
    return tuple(Option(str(c.id), Msg("{name}", {"name": c.name})) for c in cohorts) + (
        Option("cancel", CANCEL),
    )


def reachable_countries(ctx: Context, grant: Grant) -> list[str]:
    """The countries she can write to (`console_views.reachable_countries`)."""
    return views.reachable_countries(ctx.session, grant.scope(ctx.session))


def _country_options(ctx: Context) -> Sequence[Option]:
    """The countries she can reach (`reachable_countries`)."""
    grant = grant_now(ctx)
    mine = ctx.read_once("bc_countries", lambda: reachable_countries(ctx, grant)) if grant else []
    return (
        *(o for o in vocab.options(vocab.COUNTRIES) if o.key in mine),
        Option("cancel", CANCEL),
    )


def _on_country(ctx: Context, key: str, grant: Grant) -> Outcome:
    if key == "cancel":
        return _end(ctx, CANCELLED)
    # Checked again: her scope may have changed since the countries were offered.
    if key not in reachable_countries(ctx, grant):
        return _end(ctx, NOBODY)
    return _chose(ctx, {"countries": [key]}, grant)


def _on_cohort(ctx: Context, key: str, grant: Grant) -> Outcome:
    return _end(ctx, CANCELLED) if key == "cancel" else _chose(ctx, {"cohorts": [key]}, grant)


class WriteText:
    """Her announcement in one language, kept as she wrote it (line breaks too)."""

    def offered(self, ctx: Context) -> Sequence[Option]:
        return ()

    def ask(self, ctx: Context) -> list[Reply]:
        state = ctx.data.get("bc") or {}
        language = (state.get("todo") or [ctx.participant.locale])[0]
        language = language if language in vocab.UI_LANGUAGES else "en"
        n = state.get("counts", {}).get(language, 0)
        return [Reply(ask_text(n, language))]

    def answer(self, ctx: Context, answer: Answer) -> Outcome:
        return _guarded(self._on_text)(ctx, answer.text)

    def _on_text(self, ctx: Context, text: str, grant: Grant) -> Outcome:
        text = "\n".join(line.strip() for line in text.strip().splitlines()).strip()
        if not text:
            return stay(ask=True)
        if len(text) > broadcasts.LONGEST:
            return stay(_(TEXT_TOO_LONG.msgid, n=len(text)))
        state = _state(ctx)
        if not _complete(state, "todo", "counts", "texts") or not state["todo"]:
            return _end(ctx, CANCELLED)  # the draft was lost (or never started): start again
        language = state["todo"].pop(0)
        if text != "0":
            state["texts"][language] = text
        if state["todo"]:
            return go(FLOW, "text")
        if not state["texts"]:
            return _end(ctx, CANCELLED)
        if len(state["texts"]) < len(state["counts"]):
            return go(FLOW, "fallback")
        return go(FLOW, "when")


def _complete(state: dict, *keys: str) -> bool:
    return all(key in state for key in keys)


def _missing(ctx: Context) -> list[str]:
    state = ctx.data.get("bc") or {}
    return [
        language
        for language in LANGUAGES
        if language in state.get("counts", {}) and language not in state.get("texts", {})
    ]


def _fallback_prompt(ctx: Context) -> Msg:
    names = [nested(vocab.SPOKEN_LANGUAGES[language]) for language in _missing(ctx)]
    return _(ASK_FALLBACK.msgid, languages=listing(names, lower="names"))


def _fallback_options(ctx: Context) -> Sequence[Option]:
    return tuple(
        Option(language, vocab.SPOKEN_LANGUAGES[language])
        for language in LANGUAGES
        if language in _state(ctx).get("texts", {})
    ) + (Option("cancel", CANCEL),)


def _on_fallback(ctx: Context, key: str, grant: Grant) -> Outcome:
    if key == "cancel" or not _complete(_state(ctx), "texts", "audience", "counts"):
        return _end(ctx, CANCELLED)
    _state(ctx)["fallback"] = key
    return go(FLOW, "when")


def _transient(ctx: Context) -> Broadcast:
    state = ctx.data.get("bc") or {}
    return Broadcast(
        created_by=_actor(ctx).label(),
        created_at=ctx.now,
        texts=state.get("texts", {}),
        fallback_language=state.get("fallback"),
        audience=state.get("audience", {}),
        send_mode="local" if state.get("at") else "now",
        local_time=state.get("at"),
    )


def _on_when(ctx: Context, key: str, grant: Grant) -> Outcome:
    if key == "cancel" or not _complete(_state(ctx), "texts", "audience", "counts"):
        return _end(ctx, CANCELLED)
    _state(ctx)["audience"] = _within(ctx, _state(ctx)["audience"], grant)
    _state(ctx)["at"] = {"now": None, "10": "10:00", "18": "18:00"}[key]
    # The preview is a coordinator action of its own: checked and logged here, then shown.
    broadcasts.check_preview(ctx.session, ctx.config, _actor(ctx), _transient(ctx), now=ctx.now)
    return go(FLOW, "confirm")


def _confirm_prompt(ctx: Context) -> list[Reply]:
    preview = broadcasts.preview(ctx.session, _transient(ctx), now=ctx.now, config=ctx.config)
    lines = "\n".join(
        _local(
            ctx,
            _(
                PREVIEW_LINE.msgid,
                language=nested(vocab.SPOKEN_LANGUAGES[language]),
                channel=nested(CHANNEL_LABELS.get(channel, CHANNEL_LABELS["console"])),
                n=n,
            ),
        )
        for (language, channel), n in preview.by_language_channel.items()
    )
    replies = [Reply(preview_total(preview.total, lines))]
    if preview.outside_window:
        replies.append(Reply(preview_template(preview.outside_window)))
    if preview.selection.opted_out or preview.selection.unreachable:
        replies.append(
            Reply(
                _(
                    PREVIEW_SKIPPED.msgid,
                    opted_out=preview.selection.opted_out,
                    unreachable=preview.selection.unreachable,
                )
            )
        )
    for language in preview.languages():
        replies.append(
            Reply(
                _(
                    PREVIEW_TEXT.msgid,
                    language=language_named(language),
                    text=preview.shown[language] or "",
                )
            )
        )
    replies.append(Reply(ASK_CONFIRM, (Option("send", SEND), Option("cancel", CANCEL))))
    return replies


def _on_confirm(ctx: Context, key: str, grant: Grant) -> Outcome:
    state = _state(ctx)
    if key == "cancel" or not _complete(state, "texts", "audience"):
        return _end(ctx, CANCELLED)
    actor = _actor(ctx)
    try:
        broadcast = broadcasts.draft(
            ctx.session,
            ctx.config,
            actor,
            audience=broadcasts.Audience.from_json(_within(ctx, state["audience"], grant)),
            texts=state["texts"],
            fallback=state.get("fallback"),
            local_time=state.get("at"),
            now=ctx.now,
        )
        sent = broadcasts.send(ctx.session, ctx.config, actor, broadcast, now=ctx.now)
    except NotAllowed:
        ctx.data.pop("bc", None)
        ctx.data.pop("return_to", None)
        return go("home", "menu")
    except broadcasts.BroadcastError as error:
        return _end(ctx, _(NOT_SENT.msgid, reason={"$msg": error.msg.to_json()}))
    return _end(ctx, queued(sent))


class Confirm(Choose):
    """The preview, then "Send it?"."""

    def ask(self, ctx: Context) -> list[Reply]:
        return _confirm_prompt(ctx)


def _options(*items: tuple[str, Msg]) -> tuple[Option, ...]:
    return tuple(Option(key, label) for key, label in items)


# A code in a broadcast's text is the coordinator's words, not a group for her to join.
cohort_join.leave_codes_to(FLOW)
register(
    FLOW,
    {
        "audience": Choose(
            ASK_AUDIENCE,
            _options(
                ("all", AUDIENCE_ALL),
                ("country", AUDIENCE_COUNTRY),
                ("cohort", AUDIENCE_COHORT),
                ("no_pair", AUDIENCE_NO_PAIR),
                ("not_onboarded", AUDIENCE_NOT_ONBOARDED),
                ("cancel", CANCEL),
            ),
            _guarded(_on_audience),
        ),
        "country": Choose(ASK_COUNTRY, _country_options, _guarded(_on_country)),
        "cohort": Choose(ASK_COHORT, _cohort_options, _guarded(_on_cohort)),
        "text": WriteText(),
        "fallback": Choose(_fallback_prompt, _fallback_options, _guarded(_on_fallback)),
        "when": Choose(
            ASK_WHEN,
            _options(("now", WHEN_NOW), ("10", WHEN_10), ("18", WHEN_18), ("cancel", CANCEL)),
            _guarded(_on_when),
        ),
        "confirm": Confirm(
            ASK_CONFIRM, _options(("send", SEND), ("cancel", CANCEL)), _guarded(_on_confirm)
        ),
    },
)
