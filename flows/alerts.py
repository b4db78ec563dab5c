"""Telling coordinators that something needs a human: a pair gone quiet, a low pulse, a report.

Every alert is kept first (`keep_and_alert`: a `ProblemReport` row of its kind), so a coordinator
who missed the chat message finds it in the console's safeguarding inbox and the programme
report counts it, and nothing depends on a coordinator being reachable.

Coordinators are people who talk to the bot like anyone else; `coordinator_ids` says which
participants they are (roles live in `flows.coordination`). Alerts go to each in her own
language, at once (not held for quiet hours), and only to those who may act on the women they
are about: her role and scope are the console's (`flows.console_auth.grant_of`, `flows.scope`),
so an alert reaches exactly the coordinators who would find it in the console.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session

from flows import coordination
from flows.config import FlowConfig
from flows.console_auth import grant_of
from flows.messages import Msg, Reply
from flows.proactive import notify
from flows.scope import Scope
from storage import checkins
from storage.models import Participant, Priority

log = logging.getLogger(__name__)


def coordinator_ids(session: Session, config: FlowConfig) -> list[int]:
    """Participants who are coordinators now: settings entries ("channel:address", a bare phone
    number matched on WhatsApp then SMS) that have written to the bot, and the coordinators added
    or removed since (see `flows.coordination`)."""
    return coordination.coordinator_ids(session, config)


def alert_coordinators(
    session: Session,
    message: Msg | Reply,
    *,
    about: Collection[int],
    now: datetime,
    config: FlowConfig,
    purpose: str,
) -> int:
    """Queue `message` for every reachable coordinator who may act on one of the women `about`
    (her, or a pair's two women: a pair is a coordinator's when one of them is, as in the
    console); returns how many.

    Viewers get no alert at all, not even a count: alerts carry names, contacts and her words,
    which a viewer may not see, and ask for a contact a viewer may not make; a count alone would
    still tell her that something happened to one of her few women, and she reads the reports
    her role allows in the console's safeguarding inbox anyway. A coordinator without a scope
    gets every alert.
    """
    scopes: dict[tuple[tuple[str, ...], tuple[int, ...]], Scope] = {}
    sent = 0
    for coordinator_id in coordinator_ids(session, config):
        grant = grant_of(session, config, coordinator_id)
        if grant is None or not grant.can("coordinator"):
            continue
        key = (grant.countries, grant.cohorts)
        if key not in scopes:
            scopes[key] = grant.scope(session)
        if not any(scopes[key].sees(woman) for woman in about):
            continue
        coordinator = session.get(Participant, coordinator_id)
        # `work`: her consent as a participant does not decide whether she hears of her work.
        if coordinator is not None and notify(
            session,
            coordinator,
            [message],
            now=now,
            config=config,
            purpose=purpose,
            priority=Priority.LIVE,
            respect_quiet=False,
            work=True,
        ):
            sent += 1
    return sent


def keep_and_alert(
    session: Session,
    message: Msg | Reply,
    *,
    participant_id: int,
    source: str,
    now: datetime,
    config: FlowConfig,
    purpose: str,
    pair_id: int | None = None,
    cohort_id: int | None = None,
    text: str | None = None,
    rating: int | None = None,
) -> checkins.ProblemReport:
    """Keep the alert as a report of kind `source` about her (or, for a kind of
    `checkins.PAIR_SOURCES`, about her pair), then send `message` now to the coordinators of
    the women it concerns; `coordinators_alerted` on the row says how many, so the caller can
    tell her the truth."""
    report = checkins.record_problem(
        session,
        participant_id=participant_id,
        source=source,
        now=now,
        pair_id=pair_id,
        cohort_id=cohort_id,
        text=text,
        rating=rating,
    )
    report.coordinators_alerted = alert_coordinators(
        session,
        message,
        about=checkins.concerned(session, report),
        now=now,
        config=config,
        purpose=purpose,
    )
    session.add(report)
    if not report.coordinators_alerted:
        # No coordinator reachable: it is not sent again later in the chat. The row stays open
        # (unhandled) and is listed in the console's safeguarding inbox of every coordinator
        # whose scope holds one of the women it concerns (an unscoped one sees them all),
        # marked "alerted in the chat: 0", and in the programme report's pairs at risk when it
        # is about a live pair, until a coordinator resolves it. Ids and kind only: no name,
        # contact or words of hers in the log.
        log.warning(
            "alert kept but no coordinator reachable",
            extra={"report": report.id, "kind": source},
        )
    return report
