"""Who may use the coordinator console, with which role, and how she signs in.

She types the address she uses with the bot (her WhatsApp/SMS number, her Telegram @username or
id); when it belongs to a coordinator, a six-digit code goes to her over that chat channel
through the outbox. The answer on the page is the same either way, so the page tells a stranger
nothing. The code only works in the browser that asked for it (a nonce kept in a cookie), for ten
minutes and five tries. Roles: settings entries are admins; rows carry their own role and may be
scoped to countries and/or cohorts (see `flows.scope`). Every sign-in, refused or not, is in the
audit log.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlmodel import Session, col, func, or_, select

from flows import coordination
from flows.config import FlowConfig
from flows.messages import Msg, Reply, _
from flows.proactive import notify
from flows.scope import Scope, scope_of
from flows.vocabulary import COUNTRIES
from storage import coordination as store
from storage.console import (
    ConsoleCode,
    ConsoleSession,
    code_for,
    digest,
    forget_old,
    session_for,
)
from storage.models import ChannelAddress, Participant, Priority

ROLES = ("viewer", "coordinator", "admin")
CODE_LIFE = timedelta(minutes=10)
CODE_TRIES = 5
SESSION_LIFE = timedelta(hours=12)
# The outbox purpose of a sign-in code: sent even after her STOP (see `request_code`).
CODE_PURPOSE = "console_code"

SIGN_IN_CODE = _(
    "Your code for the Entrepairs coordinator console: {code}\n"
    "It works for 10 minutes. If you did not ask for it, you can ignore this message."
)


@dataclass(frozen=True)
class Grant:
    """What a signed-in coordinator may do: her role, and the countries and cohorts she sees
    (empty: all)."""

    participant_id: int
    role: str
    countries: tuple[str, ...] = ()
    cohorts: tuple[int, ...] = ()

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def sees(self, country: str | None) -> bool:
        return not self.countries or (country or "") in self.countries

    @property
    def whole(self) -> bool:
        """Not limited to some countries or cohorts."""
        return not self.countries and not self.cohorts

    def actor(self) -> coordination.Actor:
        return coordination.Actor("chat", participant_id=self.participant_id)

    def scope(self, session: Session) -> Scope:
        """What she may see now: every console page and export reads through this."""
        return scope_of(session, self.countries, self.cohorts)


def grant_of(session: Session, config: FlowConfig, participant_id: int) -> Grant | None:
    """Her console role now, or None when she is not (or no longer) a coordinator."""
    actor = coordination.Actor("chat", participant_id=participant_id)
    if not coordination.is_coordinator(session, config, actor):
        return None
    links = list(
        session.exec(select(ChannelAddress).where(ChannelAddress.participant_id == participant_id))
    )
    best: Grant | None = None
    for identity, row in coordination.effective(session, config):
        if not coordination._names(identity, participant_id, links):
            continue
        role = row.role if row is not None and row.role in ROLES else "admin"
        countries = tuple(row.countries) if row is not None else ()
        cohorts = tuple(row.cohorts) if row is not None else ()
        found = Grant(participant_id, role, countries, cohorts)
        if best is None or ROLES.index(role) > ROLES.index(best.role):
            best = found
    return best


def permit(
    session: Session,
    config: FlowConfig,
    participant_id: int,
    action: str,
    *,
    role: str,
    now: datetime,
    whole: bool = False,
    record_allowed: bool = True,
) -> tuple[Grant | None, bool]:
    """Her grant now (None: not a coordinator) and whether it allows `action`: at least `role`,
    and no limit to countries or cohorts when `whole`. The chat asks this of every command and
    every step, as the console asks it of every request; a refusal is always in the audit log,
    an allowance unless `record_allowed` is False (the steps of a command already logged)."""
    grant = grant_of(session, config, participant_id)
    allowed = grant is not None and grant.can(role) and (grant.whole or not whole)
    if allowed and not record_allowed:
        return grant, True
    store.record(
        session,
        actor=coordination.Actor("chat", participant_id=participant_id).label(grant is not None),
        action=action if allowed else f"refused:{action}"[:32],
        now=now,
        allowed=allowed,
    )
    return grant, allowed


def find_by_address(session: Session, text: str) -> Participant | None:
    """The woman writing from this address: a phone number, a Telegram @username or id."""
    raw = text.strip()
    if not raw or len(raw) > 64:
        return None
    handle = raw.lstrip("@").lower()
    shapes = {raw}
    digits = re.sub(r"[\s\-().]", "", raw)
    if re.fullmatch(r"\+?\d{5,16}", digits):
        shapes |= {digits, digits if digits.startswith("+") else f"+{digits}"}
    link = session.exec(
        select(ChannelAddress)
        .where(
            or_(
                col(ChannelAddress.address).in_(shapes),
                func.lower(ChannelAddress.handle) == handle,
            )
        )
        .order_by(col(ChannelAddress.id))
    ).first()
    if link is None:
        return None
    person = session.get(Participant, link.participant_id)
    return person if person is not None and person.erased_at is None else None


def request_code(
    session: Session, config: FlowConfig, address: str, nonce: str, *, now: datetime
) -> bool:
    """Send a sign-in code to the coordinator at `address`; False (and logged) for anyone else."""
    person = find_by_address(session, address)
    grant = grant_of(session, config, person.id or 0) if person is not None else None
    if person is None or grant is None:
        store.record(
            session, actor="console:unknown", action="refused:console_code", now=now, allowed=False
        )
        return False
    forget_old(session, now)
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        ConsoleCode(
            nonce_hash=digest(nonce),
            participant_id=person.id or 0,
            code_hash=digest(nonce + code),
            created_at=now,
            expires_at=now + CODE_LIFE,
        )
    )
    # Work, and asked for just now: it goes whatever her consent as a participant, and even
    # after she wrote STOP (the code is the answer to what she did on the page, like a reply;
    # without it she cannot sign in at all). A carrier that blocks her number still refuses it.
    notify(
        session,
        person,
        [Reply(Msg(SIGN_IN_CODE.msgid, {"code": code}))],
        now=now,
        config=config,
        purpose=CODE_PURPOSE,
        priority=Priority.LIVE,
        respect_quiet=False,
        work=True,
        asked=True,
    )
    coordination.log(session, grant.actor(), "console_code", now=now)
    return True


def check_code(session: Session, nonce: str, code: str, *, now: datetime) -> int | None:
    """The participant id when `code` is right for this browser's nonce; counts the tries."""
    row = code_for(session, nonce)
    if row is None or row.used_at is not None or row.expires_at is None or row.expires_at <= now:
        return None
    if row.attempts >= CODE_TRIES:
        return None
    row.attempts += 1
    session.add(row)
    if not hmac.compare_digest(row.code_hash, digest(nonce + code.strip())):
        return None
    row.used_at = now
    return row.participant_id


def open_session(
    session: Session, config: FlowConfig, participant_id: int, *, now: datetime
) -> tuple[str, ConsoleSession] | None:
    """A new console session (its cookie token, its row) for a coordinator; logged."""
    grant = grant_of(session, config, participant_id)
    if grant is None:
        return None
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(
        token_hash=digest(token),
        participant_id=participant_id,
        csrf=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + SESSION_LIFE,
    )
    session.add(row)
    coordination.log(session, grant.actor(), "console_sign_in", now=now)
    return token, row


def current(
    session: Session, config: FlowConfig, token: str | None, *, now: datetime
) -> tuple[ConsoleSession, Grant] | None:
    """The session of this cookie and her grant, re-checked now (a removed role ends it)."""
    if not token:
        return None
    row = session_for(session, token, now)
    if row is None:
        return None
    grant = grant_of(session, config, row.participant_id)
    if grant is None:
        row.ended_at = now
        session.add(row)
        return None
    return row, grant


def close(session: Session, row: ConsoleSession, grant: Grant, *, now: datetime) -> None:
    row.ended_at = now
    session.add(row)
    coordination.log(session, grant.actor(), "console_sign_out", now=now)


def set_role(
    session: Session,
    actor: coordination.Actor,
    coordinator_id: int,
    role: str,
    countries: list[str],
    *,
    now: datetime,
    cohorts: list[int] | None = None,
) -> store.Coordinator:
    """Give a coordinator row a console role and scope: countries, cohorts (operators, CLI)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    chosen = sorted({c.strip().upper() for c in countries if c.strip()})
    # A country the programme does not know ("SENEGAL") would scope her to nobody, silently.
    unknown = [c for c in chosen if c not in COUNTRIES]
    if unknown:
        raise ValueError(f"unknown country {', '.join(unknown)}: write {', '.join(COUNTRIES)}")
    row = session.get(store.Coordinator, coordinator_id)
    if row is None or row.removed_at is not None:
        raise ValueError(f"no active coordinator {coordinator_id}")
    row.role = role
    row.countries = chosen
    row.cohorts = sorted(set(cohorts or []))
    session.add(row)
    coordination.log(
        session,
        actor,
        "coordinator_role",
        now=now,
        details={
            "coordinator": row.id,
            "role": role,
            "countries": row.countries,
            "cohorts": row.cohorts,
        },
    )
    return row


# Passwords (an alternative to codes, set by an operator) ---------------------------------------

PASSWORD_MIN = 10


@cache
def _decoy() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(secrets.token_urlsafe(32))


def set_password(
    session: Session,
    actor: coordination.Actor,
    coordinator_id: int,
    password: str,
    *,
    now: datetime,
) -> None:
    """Keep an Argon2 hash of her console password (never the password)."""
    from argon2 import PasswordHasher

    if len(password) < PASSWORD_MIN:
        raise ValueError(f"a console password has at least {PASSWORD_MIN} characters")
    row = session.get(store.Coordinator, coordinator_id)
    if row is None or row.removed_at is not None:
        raise ValueError(f"no active coordinator {coordinator_id}")
    row.password_hash = PasswordHasher().hash(password)
    session.add(row)
    coordination.log(
        session, actor, "coordinator_password", now=now, details={"coordinator": row.id}
    )


def check_password(
    session: Session, config: FlowConfig, address: str, password: str, *, now: datetime
) -> int | None:
    """Her participant id when `password` is right for the coordinator at `address`; logged."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    person = find_by_address(session, address)
    grant = grant_of(session, config, person.id or 0) if person is not None else None
    hashes = []
    if person is not None and grant is not None:
        links = list(
            session.exec(select(ChannelAddress).where(ChannelAddress.participant_id == person.id))
        )
        hashes = [
            row.password_hash
            for identity, row in coordination.effective(session, config)
            if row is not None
            and row.password_hash
            and coordination._names(identity, person.id or 0, links)
        ]
    hasher = PasswordHasher()
    # The same work for a stranger as for a coordinator: the time tells nothing.
    for hashed in hashes or [_decoy()]:
        try:
            hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            continue
        if person is not None and hashes:
            return person.id
    store.record(
        session, actor="console:unknown", action="refused:console_password", now=now, allowed=False
    )
    return None
