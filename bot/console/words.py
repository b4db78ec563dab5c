"""Stored status words as the console shows them, in the coordinator's language."""

from __future__ import annotations

from flows.messages import Msg, _p
from flows.render import Reader, render_msg

WORDS: dict[str, Msg] = {
    # Announcements
    "draft": _p("console status", "draft"),
    "queued": _p("console status", "sent out"),
    "cancelled": _p("console status", "cancelled"),
    # Pairs
    "proposed": _p("console status", "proposed"),
    "introduced": _p("console status", "introduced"),
    "active": _p("console status", "active"),
    "paused": _p("console status", "paused"),
    "completed": _p("console status", "completed"),
    "ended": _p("console status", "ended"),
    "declined": _p("console status", "declined"),
    "expired": _p("console status", "expired"),
    "withdrawn": _p("console status", "withdrawn"),
    # Safeguarding triage and the kinds of kept alerts (`ProblemReport.source`)
    "new": _p("console status", "new"),
    "in_progress": _p("console status", "in progress"),
    "urgent": _p("console status", "urgent"),
    "report": _p("console status", "reported by her"),
    "checkin": _p("console status", "session rated 1"),
    "pulse": _p("console status", "low pulse"),
    "contact": _p("console status", "asks to be contacted"),
    "new_match": _p("console status", "asks for a new match"),
    "quiet": _p("console status", "pair gone quiet"),
    "connect": _p("console status", "to put in touch"),
    # Sessions
    "confirmed": _p("console status", "confirmed"),
    "held": _p("console status", "held"),
    # Check-ins
    "yes": _p("console status", "yes"),
    "no": _p("console status", "no"),
    "moved": _p("console status", "moved"),
}


def word(language: str, key: str | None) -> str:
    """The word for a stored value, or the value itself when it has none."""
    if key is None:
        return "—"
    msg = WORDS.get(key)
    return key if msg is None else render_msg(msg, Reader(language))
