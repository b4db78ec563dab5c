"""Four women for matching and introduction tests, written straight into the database.

Carmen (Spanish, La Paz) and Julie (French, Montréal) can each teach what the other wants, as can
Emily (English, Vancouver) and Awa (French, Dakar): in a north-south cohort the best pairs are
Carmen + Julie and Emily + Awa. Each also has a second, older address she may share with her peer.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from bot.app import App
from flows.config import FlowConfig
from flows.introductions import publish_cohort  # also registers the intro nudge handlers
from flows.matching import service
from flows.triggers import Firing, handler_for
from storage.models import ChannelAddress, OutboundMessage, Participant
from storage.nudges import Nudge
from storage.pairs import Cohort, Pair

WOMEN: dict[str, dict[str, Any]] = {
    "carmen": dict(
        name="Carmen", locale="es", country="BO", region="La Paz", timezone="America/La_Paz",
        business_name="Tejidos Carmen", sector="crafts", stage="growing", size="small",
        skills_offered=["sales", "networking"], skills_wanted=["export", "digital_marketing"],
        mentor_languages=["es", "fr"], availability=["wd_afternoon"], share_contact=True,
        extra=("whatsapp", "+59171234567", None),
    ),
    "julie": dict(
        name="Julie", locale="fr", country="CA", region="QC", timezone="America/Toronto",
        business_name="Boutique Boréal", sector="crafts", stage="growing", size="small",
        skills_offered=["export", "digital_marketing"], skills_wanted=["sales", "networking"],
        mentor_languages=["fr", "es"], availability=["wd_afternoon"], share_contact=True,
        extra=("telegram", "5550001", "@julie_boreal"),
    ),
    "emily": dict(
        name="Emily", locale="en", country="CA", region="BC", timezone="America/Vancouver",
        business_name="Maple Harvest", sector="agrifood", stage="established", size="medium",
        skills_offered=["finance", "digital_tools"], skills_wanted=["sustainability", "leadership"],
        mentor_languages=["en", "fr"], availability=["wd_morning"], share_contact=True,
        extra=("sms", "+16045550123", None),
    ),
    "awa": dict(
        name="Awa", locale="fr", country="SN", region="Dakar", timezone="Africa/Dakar",
        business_name="Saveurs Teranga", sector="agrifood", stage="growing", size="small",
        skills_offered=["sustainability", "leadership"], skills_wanted=["finance", "digital_tools"],
        mentor_languages=["fr", "en", "wo"], availability=["wd_afternoon"], share_contact=False,
        extra=("whatsapp", "+221771234567", None),
    ),
}  # fmt: skip
# Contact details that must never appear in a message before both women accept.
SECRETS = ("+59171234567", "julie_boreal", "5550001", "+16045550123", "+221771234567")


def add_woman(
    session: Session, key: str, now: datetime, *, address: str | None = None, **changes: Any
) -> Participant:
    """One of the four women (or, with `address`, another woman modelled on her)."""
    fields = {**WOMEN[key], **changes}
    channel, other, handle = fields.pop("extra")
    if address is not None:  # a different woman: no second address
        channel = None
    woman = Participant(**fields, consent_at=now, onboarded_at=now, created_at=now)
    session.add(woman)
    session.flush()
    session.add(
        ChannelAddress(
            participant_id=woman.id or 0,
            channel="console",
            address=address or key,
            last_inbound_at=now,
            created_at=now,
        )
    )
    if channel is not None:  # an older address (used weeks ago): the contact she may share
        session.add(
            ChannelAddress(
                participant_id=woman.id or 0,
                channel=channel,
                address=other,
                handle=handle,
                last_inbound_at=now - timedelta(days=30),
                created_at=now,
            )
        )
    session.flush()
    return woman


def cohort_of_four(
    session: Session, now: datetime, *, modes: str = "north_south", **changes: Any
) -> tuple[Cohort, dict[str, Participant]]:
    cohort = service.create_cohort(
        session, "Pilote 2026", modes=service.parse_modes(modes), code="PILOTE26", now=now
    )
    women = {key: add_woman(session, key, now, **changes.get(key, {})) for key in WOMEN}
    for woman in women.values():
        service.add_member(session, cohort, woman.id or 0, now=now)
    return cohort, women


def publish_four_at(app: App, clock: Any, when: datetime) -> None:
    """At `when`, the four women of `cohort_of_four` matched and introduced, their messages sent
    (or held for their quiet hours)."""
    clock.set(when)
    with app.db.session() as session:
        cohort, _women = cohort_of_four(session, clock.now())
        service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        publish_cohort(
            session, cohort, now=clock.now(), actor="coordinator:test", config=app.engine.config
        )
    drain(app)


def drain(app: App) -> None:
    asyncio.run(app.delivery.drain())


def inbox(app: App, recorder: Any, key: str, since: int = 0) -> str:
    """Everything `key` has received (from message number `since`), as one string."""
    return "\n---\n".join(recorder.by_address[key][since:])


def outbox_text(session: Session) -> str:
    """Every payload ever queued, as JSON text: for scanning for contact details."""
    rows = session.exec(select(OutboundMessage)).all()
    return "\n".join(json.dumps(row.payload, ensure_ascii=False) for row in rows)


def pair_between(session: Session, first: Participant, second: Participant) -> Pair:
    a, b = sorted((first.id or 0, second.id or 0))
    return session.exec(
        select(Pair).where(Pair.a_id == a, Pair.b_id == b).order_by(Pair.id.desc())  # type: ignore[union-attr]
    ).first()


def fire(session: Session, pair: Pair, purpose: str, now: datetime, config: FlowConfig) -> bool:
    """Fire a pair's nudge as the dispatcher would (the dispatcher itself is issue 6's)."""
    nudge = session.exec(
        select(Nudge).where(Nudge.pair_id == pair.id, Nudge.purpose == purpose)
    ).one()
    handler = handler_for(purpose)
    assert handler is not None, purpose
    fired = handler(Firing(session=session, nudge=nudge, now=now, config=config))
    nudge.status = "sent" if fired else "dropped"
    nudge.fired_at = now
    session.add(nudge)
    return fired
