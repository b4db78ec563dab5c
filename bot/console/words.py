"""Stored status words, codes and audit actions as the console shows them, in the coordinator's
language."""

from __future__ import annotations

from datetime import datetime

from babel import Locale

from flows import vocabulary
from flows.i18n import zone
from flows.introductions import zone_name
from flows.messages import Msg, _p
from flows.profile import place as place_of
from flows.render import Reader, format_instant, render_msg
from storage.models import Participant

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
    "resolved": _p("console status", "resolved"),  # one report (the list's tab: "Resolved")
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

# Audit log actions (`AuditEntry.action`); anything not here gets `action`'s fallback.
ACTIONS: dict[str, Msg] = {
    "console_sign_in": _p("audit action", "signed in"),
    "console_sign_out": _p("audit action", "signed out"),
    "console_code": _p("audit action", "sign-in code"),
    "console_password": _p("audit action", "sign-in password"),
    "console_language": _p("audit action", "console language changed"),
    "console_report": _p("audit action", "programme report viewed"),
    "console_contacts": _p("audit action", "contacts viewed"),
    "console_names": _p("audit action", "names viewed in a match review"),
    "report": _p("audit action", "programme report written"),
    "cohort_create": _p("audit action", "cohort created"),
    "cohort_add": _p("audit action", "women added to a cohort"),
    "match_run": _p("audit action", "matching run"),
    "match_lock": _p("audit action", "pair locked in a match review"),
    "match_forbid": _p("audit action", "pair forbidden in a match review"),
    "match_swap": _p("audit action", "partners swapped in a match review"),
    "match_publish": _p("audit action", "pairs introduced"),
    "pair_pause": _p("audit action", "pair paused"),
    "pair_resume": _p("audit action", "pair resumed"),
    "pair_end": _p("audit action", "pair ended"),
    "problem_triage": _p("audit action", "alert triaged"),
    "problem_resolve": _p("audit action", "alert resolved"),
    "broadcast_draft": _p("audit action", "announcement drafted"),
    "broadcast_preview": _p("audit action", "announcement previewed"),
    "broadcast_send": _p("audit action", "announcement sent"),
    "broadcast_retry": _p("audit action", "announcement sent again"),
    "broadcast_cancel": _p("audit action", "announcement cancelled"),
    "broadcast_report": _p("audit action", "announcement report viewed"),
    "export_written": _p("audit action", "export written"),
    "export_contacts_written": _p("audit action", "export with contacts written"),
    "coordinator_add": _p("audit action", "coordinator added"),
    "coordinator_added": _p("audit action", "coordinator added"),
    "coordinator_remove": _p("audit action", "coordinator removed"),
    "coordinator_removed": _p("audit action", "coordinator removed"),
    "coordinator_list": _p("audit action", "coordinators listed"),
    "coordinator_password": _p("audit action", "console password set"),
    "coordinator_role": _p("audit action", "coordinator role changed"),
}
REFUSED_PREFIX = "refused:"
CHAT_PREFIX = "chat_"


def word(language: str, key: str | None) -> str:
    """The word for a stored value, or the value itself when it has none."""
    if key is None:
        return "—"
    msg = WORDS.get(key)
    return key if msg is None else render_msg(msg, Reader(language))


def label(language: str, labels: dict[str, Msg], key: str | None) -> str:
    """A stored code (a sector, a pairing mode) by its label in `labels`; "—" when unset."""
    if not key:
        return "—"
    msg = labels.get(key)
    return key if msg is None else render_msg(msg, Reader(language))


def action(language: str, key: str) -> str:
    """An audit action in words; an unknown one still reads as words ("some_action" →
    "some action"), never a blank."""
    if key.startswith(REFUSED_PREFIX):
        inner = action(language, key.removeprefix(REFUSED_PREFIX))
        return render_msg(_p("audit action", "refused: {action}", action=inner), Reader(language))
    msg = ACTIONS.get(key)
    if msg is not None:
        return render_msg(msg, Reader(language))
    if key.startswith(CHAT_PREFIX):
        name = key.removeprefix(CHAT_PREFIX)
        return render_msg(_p("audit action", "chat command /{name}", name=name), Reader(language))
    return key.replace("_", " ").strip() or "—"


def moment(language: str, her: Participant, instant: datetime | str | None) -> str:
    """A moment in the coordinator's own zone and language, the zone named by its city as the
    women read theirs (`introductions.zone_name`: "2 mars, 11 h 00 (La Paz)"); a stored ISO
    text (a note's time) too."""
    if not instant:
        return "—"
    when = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    place = zone_name(her, language)
    shown = format_instant(when, Reader(language, timezone=zone(her.timezone).key), "short")
    return f"{shown} ({place})"


def place(language: str, her: Participant) -> str:
    """Where she lives in words ("Colombie-Britannique, Canada"), not codes ("CA BC")."""
    return render_msg(Msg("{place}", {"place": place_of(her)}), Reader(language))


def language_name(language: str, code: str | None) -> str:
    """A language she speaks by its name in the coordinator's language ("espagnol", not "es");
    one the bot has no word for, by Babel's name for it."""
    if not code:
        return "—"
    msg = vocabulary.SPOKEN_LANGUAGES.get(code)
    if msg is not None:
        return render_msg(msg, Reader(language))
    return Locale.parse(language).languages.get(code, code)
