"""The inbound log: each platform message is recorded once, before any flow runs.

Webhooks store the raw request under the platform's unique key and answer at once (`store_many`:
`INSERT … ON CONFLICT DO NOTHING`, one for the webhooks that arrived together on PostgreSQL; on
a SQLite file into the stage, storage/staging.py, which each claim first moves into the
inbox); the inbox worker then takes the waiting messages in batches (`claim`), each sender's
messages one at a time and in order, and marks them processed (`done`), dropping the raw
payload. On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so several workers share the
inbox without taking the same message or one woman's messages out of order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    String,
    bindparam,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage import staging
from storage.db import Database, application_name, sqlite_write_lock
from storage.dialects import Together, dialect_insert, execute_many, together, unnested
from storage.models import InboundMessage
from storage.types import UTCDateTime

log = logging.getLogger(__name__)

# Processing failures (not the database) after which a message is set aside.
MAX_ATTEMPTS = 3

_inbox = InboundMessage.__table__  # type: ignore[attr-defined]
_earlier = _inbox.alias("earlier")
# Only each sender's oldest waiting message: the next one waits until it is processed.
_HEADS = (
    select(
        _inbox.c.id,
        _inbox.c.channel,
        _inbox.c.address,
        _inbox.c.payload,
        _inbox.c.kind,
        _inbox.c.received_at,
        _inbox.c.attempts,
    )
    .where(
        _inbox.c.processed_at.is_(None),
        ~exists().where(
            _earlier.c.channel == _inbox.c.channel,
            _earlier.c.address == _inbox.c.address,
            _earlier.c.id < _inbox.c.id,
            _earlier.c.processed_at.is_(None),
        ),
    )
    .order_by(_inbox.c.id)
)


# Built once: the statement costs more to build than to run.
_DONE = (
    update(_inbox)
    .where(_inbox.c.id == bindparam("b_id"))
    .values(
        payload=None,
        error=None,
        processed_at=bindparam("b_now"),
        participant_id=bindparam("b_who"),
        kind=func.coalesce(bindparam("b_kind", type_=String), _inbox.c.kind),
    )
)
_done = unnested(b_id=Integer(), b_now=UTCDateTime(), b_who=Integer(), b_kind=String())
together(
    _DONE,
    Together(
        update(_inbox)
        .where(_inbox.c.id == _done.c.b_id)
        .values(
            payload=None,
            error=None,
            processed_at=_done.c.b_now,
            participant_id=_done.c.b_who,
            kind=func.coalesce(_done.c.b_kind, _inbox.c.kind),
        ),
        columns=("b_id", "b_now", "b_who", "b_kind"),
        key="b_id",
    ),
)


def record_once(
    session: Session, *, channel: str, platform_key: str, kind: str, now: datetime
) -> InboundMessage | None:
    """Record and process-in-place a platform message; None when it was recorded before.

    The unique key (channel, platform_key) decides, so two workers racing on the same webhook
    cannot both win: the loser's savepoint fails and it learns it is a duplicate.
    """
    row = InboundMessage(
        channel=channel, platform_key=platform_key, kind=kind, received_at=now, processed_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def _store_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING, with every value a parameter (see `_params`)."""
    return (
        dialect_insert(dialect)(_inbox)
        .values(
            channel=bindparam("channel"),
            platform_key=bindparam("platform_key"),
            address=bindparam("address"),
            payload=bindparam("payload"),
            kind=bindparam("kind"),
            received_at=bindparam("received_at"),
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["channel", "platform_key"])
    )


# Built once per backend: the statement costs more to build than to run.
_STORE = {
    dialect: _store_statement(dialect).returning(_inbox.c.id)
    for dialect in ("sqlite", "postgresql")
}
# PostgreSQL: a group of webhooks' messages in one statement, in the group's order (so are their
# ids): one INSERT each cost a round trip and about 60 µs of the web process's CPU. Its columns
# are a stored message's fields, as the stage keeps them too (`staging.FIELDS`).
_group = unnested(
    numbered=True,
    g_channel=String(),
    g_platform_key=String(),
    g_address=String(),
    g_payload=String(),
    g_kind=String(),
    g_received_at=UTCDateTime(),
)
_STORE_GROUP = (
    dialect_insert("postgresql")(_inbox)
    .from_select(
        [*staging.FIELDS, "attempts"],
        select(*(_group.c[f"g_{name}"] for name in staging.FIELDS), literal(0)).order_by(
            _group.c.n
        ),
    )
    .on_conflict_do_nothing(index_elements=["channel", "platform_key"])
    .returning(_inbox.c.channel, _inbox.c.platform_key)
)
# What was staged (storage/staging.py), copied as read: one executemany of the DB-API's.
_MOVE = (
    f"INSERT INTO {_inbox.name} ({', '.join(staging.FIELDS)}, attempts)"
    f" VALUES ({', '.join('?' for _ in staging.FIELDS)}, 0)"
    " ON CONFLICT (channel, platform_key) DO NOTHING"
)


def _params(
    *,
    channel: str,
    platform_key: str,
    address: str | None,
    payload: str,
    now: datetime,
    kind: str = "text",
) -> dict[str, Any]:
    """A webhook's message as the statements' parameters."""
    return {
        "channel": channel,
        "platform_key": platform_key[:64],
        "address": address,
        "payload": payload,
        "kind": kind,
        "received_at": now,
    }


def store(connection: Connection | Session, **message: Any) -> bool:
    """Keep a raw platform message for the inbox worker; False when it was stored before.

    `message`: channel, platform_key, address, payload, now and kind (see `_params`)."""
    return _stored(connection, _params(**message))


def store_many(
    db: Database, messages: Sequence[dict[str, Any]], *, notify: bool = False
) -> list[bool]:
    """Webhooks' messages, in one transaction: True for each new one.

    On a SQLite file they wait in the stage, whose lock no inbox batch holds, until the inbox
    worker moves them (storage/staging.py); elsewhere they go straight into the inbox. `notify`
    (PostgreSQL): tell the inbox processes listening that there is something new.
    """
    rows = [_params(**message) for message in messages]
    stage = staging.stage_of(db.engine)
    if stage is not None:
        return stage.store(rows)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql" and len(rows) > 1:
            stored = _store_group(connection, rows)
        else:
            stored = [_stored(connection, row) for row in rows]
        if notify and any(stored):
            notify_stored(connection)
        return stored


def _stored(connection: Connection | Session, row: dict[str, Any]) -> bool:
    """One message's INSERT (`_params`' row); False when it was stored before."""
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    # rowcount is not reliable here on every driver: a returned id means it was new.
    return connection.execute(_STORE[bind.dialect.name], row).first() is not None


def _store_group(connection: Connection, rows: list[dict[str, Any]]) -> list[bool]:
    """PostgreSQL: a group's messages in one INSERT over arrays, their ids in the group's order.

    What the statement returns is what was new. A message the group holds twice (a platform's
    resend that arrived together with the first) is new only the first time.
    """
    arrays = {f"g_{name}": [row[name] for row in rows] for name in staging.FIELDS}
    new = {tuple(key) for key in connection.execute(_STORE_GROUP, arrays)}
    stored: list[bool] = []
    for row in rows:
        key = (row["channel"], row["platform_key"])
        stored.append(key in new)
        new.discard(key)
    return stored


def claim(session: Session, *, limit: int, channels: Sequence[str]) -> list[Row[Any]]:
    """Up to `limit` waiting messages, oldest first, at most one per sender (her oldest).

    On SQLite the batch takes the write lock first (BEGIN IMMEDIATE): a transaction that read
    before its first write cannot write at all once another has written in between ("database is
    locked" at once, no waiting), which threw whole batches away. It then moves into the inbox
    what webhooks staged meanwhile (storage/staging.py).
    """
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if not postgres:
        sqlite_write_lock(connection)
        _move_staged(connection)
    return list(connection.execute(_claim_query(tuple(channels), limit, postgres)))


def _move_staged(connection: Connection) -> None:
    """Into the inbox, in this transaction, what webhooks staged (SQLite; see storage/staging.py).
    The inbox's unique key ignores a message moved already."""
    stage = staging.stage_of(connection.engine)
    staged = stage.take() if stage is not None else []
    if staged:
        connection.exec_driver_sql(_MOVE, staged)


@lru_cache(maxsize=32)
def _claim_query(channels: tuple[str, ...], limit: int, postgres: bool) -> Any:
    """`_HEADS` for these channels, built once: building it cost more than running it."""
    query = _HEADS.where(_inbox.c.channel.in_(list(channels))).limit(limit)
    if postgres:
        query = query.with_for_update(skip_locked=True, of=_inbox)
    return query


def done(
    session: Session, processed: Sequence[tuple[int, int | None, str | None]], *, now: datetime
) -> None:
    """Processed, each (inbox id, whose it was, what kind of message): those two are kept, the
    raw payload dropped. One statement for a whole batch (`dialects.execute_many`)."""
    if not processed:
        return
    params = [
        {"b_id": inbox_id, "b_now": now, "b_who": who, "b_kind": kind and kind[:16]}
        for inbox_id, who, kind in processed
    ]
    # On the session's connection: a Core statement needs neither autoflush nor the ORM.
    execute_many(session.connection(), _DONE, params)


def failed(session: Session, inbox_id: int, *, attempts: int, error: str, now: datetime) -> bool:
    """Processing raised: try again later, or set it aside after MAX_ATTEMPTS (returns True)."""
    give_up = attempts + 1 >= MAX_ATTEMPTS
    values: dict[str, Any] = {"attempts": attempts + 1, "error": error[:200]}
    if give_up:
        values.update(processed_at=now, payload=None)
    session.execute(update(_inbox).where(_inbox.c.id == inbox_id).values(**values))
    return give_up


# PostgreSQL's LISTEN/NOTIFY channel on which web processes tell inbox processes they stored.
STORED = "entrepairs_inbox"


def notify_stored(connection: Connection) -> None:
    """Tell the inbox processes listening (`listen_for_stored`) once this transaction commits."""
    connection.execute(select(func.pg_notify(STORED, "")))


def listen_for_stored(
    db: Database, wake: Callable[[], None], stop: threading.Event, *, every: float = 1.0
) -> None:
    """Call `wake` when a web process has stored messages, until `stop` (a thread of its own).

    PostgreSQL only: a connection of its own LISTENs; lost, it is opened again a second later,
    and `wake` is called then too, for what was stored meanwhile.
    """
    import psycopg

    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    while not stop.is_set():
        try:
            with psycopg.connect(
                conninfo, autocommit=True, application_name=application_name()
            ) as connection:
                connection.execute(f"LISTEN {STORED}")
                wake()
                while not stop.is_set():
                    for _notice in connection.notifies(timeout=every, stop_after=1):
                        wake()
        except psycopg.Error:
            log.warning("inbox: not listening for stored messages; trying again")
            stop.wait(every)


def oldest_waiting(session: Session) -> datetime | None:
    """When the oldest message still waiting to be processed arrived (None: none waits)."""
    query = select(func.min(_inbox.c.received_at)).where(_inbox.c.processed_at.is_(None))
    oldest = session.execute(query).scalar_one()
    stage = staging.stage_of(session.get_bind().engine)
    staged = stage.waiting()[1] if stage is not None else None
    return min((when for when in (oldest, staged) if when is not None), default=None)


def waiting(session: Session) -> int:
    """How many stored messages are not processed yet (staged ones included)."""
    query = select(func.count()).select_from(_inbox).where(_inbox.c.processed_at.is_(None))
    stage = staging.stage_of(session.get_bind().engine)
    staged = stage.waiting()[0] if stage is not None else 0
    return int(session.execute(query).scalar_one()) + staged
