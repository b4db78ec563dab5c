"""Safeguarding: "report a problem" at any time, and alerts raised by low ratings.

Her words go at once to the coordinators whose scope holds her (see `flows.alerts`), each in her
own language, and never to her peer. A check-in rating of 1 or a relationship pulse of 1–2 raise
the same kind of alert. Every alert is also kept as a `ProblemReport` row, so nothing depends on
a coordinator being reachable; when none was, she is told her words are saved, not that someone
will contact her.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from flows import alerts
from flows.home import MenuItem, add_media_reader, add_menu_item, remember_place, resume
from flows.messages import Msg, _
from flows.registry import register
from flows.steps import LONGEST_OWN_WORDS, AskText, Context, Outcome, go, stay
from flows.text import beginning, normalise
from storage import checkins, participants
from storage.models import Participant
from storage.pairs import Pair, PairStatus, pairs_of

WRITE = _(
    "Please write what is happening, in one message. Only the programme coordinators will read "
    "it: {name} will not see it. To cancel, send 0."
)
WRITE_NO_PEER = _(
    "Please write what is happening, in one message. Only the programme coordinators will read "
    "it. To cancel, send 0."
)
SENT = _(
    "Thank you for telling us. Your message went to the programme coordinators only, and one of "
    "them will contact you soon."
)
# When no coordinator could be alerted: kept for the console, and no promise of a contact.
SAVED = _(
    "Thank you for telling us. Your message is saved for the programme team only. No "
    "coordinator could be reached right now, so it may be some time before someone reads it."
)
CANCELLED = _("All right, nothing was sent.")
MENU_LABEL = _("Report a problem")

# To coordinators, in their language. `who` is her pseudonymous id, `contact` how to reach her.
ALERT_REPORT = _(
    "Problem reported by {name} ({who}, {contact}), pair {pair}, cohort {cohort}:\n{text}"
)
# A report longer than the chat can show: its beginning, and where the rest is.
ALERT_REPORT_LONG = _(
    "Problem reported by {name} ({who}, {contact}), pair {pair}, cohort {cohort}. Its beginning "
    "(the whole message is in the console's safeguarding inbox):\n{text}…"
)
# A voice note or a photo sent to report a problem: the bot cannot read it, a person can call.
ALERT_MEDIA = _(
    "{name} ({who}, {contact}), pair {pair}, cohort {cohort}, sent a voice note or a photo to "
    "report a problem. The bot cannot read it: please contact her."
)
MEDIA_SENT = _(
    "Thank you. I can only read text, so I asked a coordinator to contact you. If you can, you "
    "may also write it here in words, or send 0."
)
MEDIA_SAVED = _(
    "Thank you. I can only read text. The programme team will see that you wanted to report a "
    "problem, but no coordinator could be reached right now: if you can, please write it here in "
    "words, or send 0."
)
ALERT_CHECKIN = _(
    "Alert: {name} ({who}, {contact}) rated her last session with {peer} 1 out of 5 "
    "(pair {pair}). Please contact her."
)
ALERT_PULSE = _(
    "Alert: {name} ({who}, {contact}) rated her exchange with {peer} {rating} out of 5 "
    "(pair {pair}). Please contact her."
)
ALERT_CONTACT = _(
    "{name} ({who}, {contact}) would like a coordinator to contact her about her exchange with "
    "{peer} (pair {pair}, rated {rating} out of 5)."
)

# Her report is kept whole up to this (a WhatsApp message holds 1,600 characters): a long
# message about something painful is not refused, to be typed again shorter on a small phone.
LONGEST = LONGEST_OWN_WORDS
# The coordinators' chat alert shows a report whole up to SHOWN characters, else its first
# BEGINNING ones (the alert says where the rest is): it stays one short message.
SHOWN = 500
BEGINNING = 400


@dataclass(frozen=True)
class PairContext:
    """Her current pair, its cohort and her peer, as alerts and prompts need them."""

    pair: Pair | None
    peer: Participant | None

    @property
    def pair_id(self) -> int | None:
        return self.pair.id if self.pair else None

    @property
    def cohort_id(self) -> int | None:
        return self.pair.cohort_id if self.pair else None

    @property
    def peer_name(self) -> str | None:
        return self.peer.name if self.peer else None


def pair_context(session: Session, participant_id: int, pair_id: int | None = None) -> PairContext:
    """The pair named, else her most recent live (or finished) pair."""
    pair = session.get(Pair, pair_id) if pair_id else None
    if pair is None:
        found = pairs_of(
            session,
            participant_id,
            (PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.INTRODUCED, PairStatus.COMPLETED),
        )
        pair = found[0] if found else None
    peer = session.get(Participant, pair.peer_of(participant_id)) if pair else None
    return PairContext(pair, peer)


def _contact(session: Session, participant: Participant) -> str:
    address = participants.preferred_address(session, participant.id or 0)
    return f"{address.channel} {address.address}" if address else "—"


def raise_alert(
    session: Session,
    participant: Participant,
    *,
    source: str,
    message: Msg,
    params: dict,
    context: PairContext,
    now,
    config,
    text: str | None = None,
    rating: int | None = None,
) -> checkins.ProblemReport:
    """Keep the report and send it now (not held for quiet hours) to the coordinators whose
    scope holds her (`flows.alerts.keep_and_alert`); `coordinators_alerted` on the row says how
    many, so the caller tells her the truth."""
    full = {
        "name": participant.name or "—",
        "who": participant.public_id,
        "contact": _contact(session, participant),
        "pair": context.pair_id or "—",
        "cohort": context.cohort_id or "—",
        "peer": context.peer_name or "—",
        **params,
    }
    return alerts.keep_and_alert(
        session,
        Msg(message.msgid, full),
        participant_id=participant.id or 0,
        source=source,
        now=now,
        config=config,
        purpose="alert",
        pair_id=context.pair_id,
        cohort_id=context.cohort_id,
        text=text,
        rating=rating,
    )


# The conversation --------------------------------------------------------------------------


def start(ctx: Context) -> Outcome:
    """Where the global word and the menu entry lead."""
    remember_place(ctx, opening="problems")
    return go("problems", "write")


def _prompt(ctx: Context) -> Msg:
    context = pair_context(ctx.session, ctx.participant.id or 0)
    if context.peer_name:
        return _(WRITE.msgid, name=context.peer_name)
    return WRITE_NO_PEER


def _on_text(ctx: Context, text: str) -> Outcome:
    if normalise(text) in ("0", "") or normalise(text) in cancel_words():
        return resume(ctx, CANCELLED)
    # Room for the "…" the alert adds.
    shown = text if len(text) <= SHOWN else beginning(text, BEGINNING - 1)
    report = raise_alert(
        ctx.session,
        ctx.participant,
        source="report",
        message=ALERT_REPORT if shown == text else ALERT_REPORT_LONG,
        params={"text": shown},
        context=pair_context(ctx.session, ctx.participant.id or 0),
        now=ctx.now,
        config=ctx.config,
        text=text,
    )
    return resume(ctx, SENT if report.coordinators_alerted else SAVED)


# When a voice note at the report's question last alerted the coordinators (ISO time).
MEDIA_ALERTED = "report_media_alerted"
MEDIA_ALERT_EVERY = timedelta(hours=1)


def _on_media(ctx: Context) -> Outcome | None:
    """A voice note or a photo as her report: the coordinators are told she wants to report a
    problem, and she may still write it in words. Once an hour: a second voice note soon after
    gets the usual "I can only read text", and the coordinators one alert."""
    alerted = ctx.data.get(MEDIA_ALERTED)
    if alerted and ctx.now - datetime.fromisoformat(alerted) < MEDIA_ALERT_EVERY:
        return None
    ctx.data[MEDIA_ALERTED] = ctx.now.isoformat()
    report = raise_alert(
        ctx.session,
        ctx.participant,
        source="report",
        message=ALERT_MEDIA,
        params={},
        context=pair_context(ctx.session, ctx.participant.id or 0),
        now=ctx.now,
        config=ctx.config,
    )
    return stay(MEDIA_SENT if report.coordinators_alerted else MEDIA_SAVED)


def sent_as_media(report: checkins.ProblemReport) -> bool:
    """Whether she reported it by voice note or photo (`_on_media`): the bot kept no words of it,
    the only report of hers without any (a written one has her words)."""
    return report.source == "report" and not report.text


# Translators: words that cancel a problem report, separated by commas.
CANCEL_WORDS = _("cancel")


def cancel_words() -> set[str]:
    from flows import i18n

    words = {"cancel"}
    for language in i18n.LANGUAGES:
        words.update(
            normalise(word) for word in i18n.gettext(language, CANCEL_WORDS.msgid).split(",")
        )
    return words


register("problems", {"write": AskText(_prompt, _on_text, longest=LONGEST, keep=True)})
add_media_reader("problems", "write", _on_media)
add_menu_item(MenuItem("report", MENU_LABEL, lambda ctx: True, start))
