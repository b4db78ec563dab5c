"""Telling coordinators that something needs a human: a pair gone quiet, a low pulse, a report.

Coordinators are people who talk to the bot like anyone else; `coordinator_ids` says which
participants they are (roles live in `flows.coordination`). Alerts go to each in her own
language, at once (not held for quiet hours), and only to those who may act on the women they
are about: her role and scope are the console's (`flows.console_auth.grant_of`, `flows.scope`),
so an alert reaches exactly the coordinators who would find it in the console.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import Session

from flows import coordination
from flows.config import FlowConfig
from flows.console_auth import grant_of
from flows.messages import Msg, Reply
from flows.proactive import notify
from flows.scope import Scope
from storage.models import Participant, Priority


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
