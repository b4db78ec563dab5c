"""SQL statements per inbound message on the hot path, counted: a step over its budget fails.

The budgets are today's counts. Acknowledging is one INSERT, the webhooks that arrive together
committed together (on SQLite into the stage file, storage/staging.py; on PostgreSQL one INSERT
for them all, tests/test_inbox.py). Processing a batch is,
on SQLite, one SELECT of what is staged and one executemany moving it into the inbox; then one
claim, one joined SELECT of its women and their addresses, one SELECT each of their
conversations, their live pairs and which of them have a survey waiting, one executemany each
touching their addresses, saving their conversations and queuing their replies, and one
UPDATE marking its inbox rows done; no savepoint unless a message fails. What the flow itself
reads is budgeted per message: nothing more for "aide" (help) or "menu" (the coordinators once
a batch); on first contact, her two rows in Core and nothing else. Delivering the replies: a
claim is the same three statements however many messages it takes (four on SQLite, with the
write lock), and recording a batch of sends one UPDATE (an executemany on SQLite).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.app import build
from bot.channels.telegram import TelegramChannel
from bot.delivery import RELEASE_EVERY
from flows.messages import Reply, _
from storage import checkins, conversations, outbox, pairs, participants, staging
from storage.db import Database
from storage.models import OutboundMessage
from tests.support import programme
from tests.support.databases import statements

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
WOMEN = 20

# Hot-path statements per message (the claim is shared by the batch).
BUDGET = {
    "savepoint": 0,  # a batch runs without savepoints unless one of its messages fails
}
# Statements per batch, however many messages it holds (each was one per message).
BATCH_BUDGET = {
    "her address and herself": 1,
    "conversation load": 1,
    "her address touched": 1,  # last_inbound_at, one executemany
    "conversation save": 1,  # one executemany
    "surveys waiting": 1,  # which of its women have a survey round waiting
    "her pairs": 1,  # their live pairs (the menu's entries used to read them six times)
}
# Read once per batch (one transaction) when the flow asks: who the coordinators are.
BATCH_READS = {"coordinators": 1}
# Per message, by what she writes: what else the flow reads or writes.
FLOW_BUDGET = {"aide": 0, "menu": 0}


def _kind(statement: str) -> str:
    head = " ".join(statement.split()).upper()
    if head.startswith("BEGIN"):
        return "batch lock"  # SQLite: the batch takes the write lock first
    if head.startswith(("SAVEPOINT", "RELEASE")):
        return "savepoint"
    if head.startswith("SELECT CHANNELADDRESS") and "JOIN PARTICIPANT" in head:
        return "her address and herself"
    if head.startswith("UPDATE CHANNELADDRESS"):
        return "her address touched"
    if head.startswith("SELECT CONVERSATION"):
        return "conversation load"
    if head.startswith("UPDATE CONVERSATION") or head.startswith("INSERT INTO CONVERSATION"):
        return "conversation save"
    if head.startswith("UPDATE INBOUNDMESSAGE"):
        return "inbox done"
    if head.startswith("SELECT INBOUNDMESSAGE"):
        return "inbox claim"
    if head.startswith(("INSERT INTO INBOUNDMESSAGE", "INSERT INTO STAGED")):
        return "inbox store"
    if head.startswith("SELECT STAGED"):
        return "stage read"
    if head.startswith("DELETE FROM STAGED"):
        return "stage forgets"
    if head.startswith("INSERT INTO OUTBOUNDMESSAGE"):
        return "reply"
    if head.startswith("SELECT PAIR"):
        return "her pairs"
    if head.startswith("SELECT COORDINATOR"):
        return "coordinators"
    if head.startswith(("SELECT SURVEYROUND", "SELECT DISTINCT SURVEYROUND")):
        return "surveys waiting"
    if head.startswith(("INSERT INTO PARTICIPANT", "INSERT INTO CHANNELADDRESS")):
        return "her rows created"
    return "flow"


@contextmanager
def counted(db: Database) -> Iterator[Counter[str]]:
    """The statements and commits on the database, and on its stage file (SQLite)."""
    seen: Counter[str] = Counter()

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen[_kind(statement)] += 1

    def commit(connection) -> None:  # type: ignore[no-untyped-def]
        seen["stage commit" if connection.engine is not db.engine else "commit"] += 1

    stage = staging.stage_of(db.engine)
    engines = [db.engine] + ([stage.engine] if stage is not None else [])
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
        event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
            event.remove(engine, "commit", commit)


def _update(n: int, chat: int, text: str) -> str:
    person = {"id": chat, "is_bot": False, "first_name": "W", "language_code": "fr"}
    message = {"message_id": n, "from": person, "chat": {"id": chat, "type": "private"}}
    message.update(date=1741533000, text=text)
    return json.dumps({"update_id": n, "message": message})


def _process(settings, db, clock, text: str, *, known: bool) -> Counter[str]:  # type: ignore[no-untyped-def]
    """Statements to acknowledge and then process one message from each of WOMEN women."""
    channel = TelegramChannel("1:x", webhook_secret="s", public_base_url="https://bot.example.org")
    app = build(settings, channels=[channel], clock=clock, db=db)
    channel.attach(app)
    assert app.intake is not None
    app.intake.batch = WOMEN  # all in one batch, so the claim is counted once
    chats = [77_000_000 + n for n in range(WOMEN)]
    if known:
        with db.session() as session:
            for chat in chats:
                programme.woman(session, str(chat), now=NOW, channel="telegram", country="SN")

    async def acknowledge() -> list[bool]:  # WOMEN webhooks at once
        intake = app.intake
        assert intake is not None
        return await asyncio.gather(
            *(
                intake.store(
                    channel="telegram",
                    platform_key=str(n),
                    address=str(chat),
                    payload=_update(n, chat, text),
                    now=NOW,
                )
                for n, chat in enumerate(chats, start=1)
            )
        )

    with counted(db) as acks:
        assert asyncio.run(acknowledge()) == [True] * WOMEN
    # One INSERT per acknowledgement, all committed together.
    stores = Counter(
        {"inbox store": WOMEN, "stage commit" if db.dialect == "sqlite" else "commit": 1}
    )
    assert acks == stores, acks

    with counted(db) as seen:
        assert asyncio.run(app.intake.run_once()) == WOMEN  # one batch
    assert seen["inbox claim"] == 1 and seen["batch lock"] <= 1 and seen["commit"] == 1, seen
    sqlite = db.dialect == "sqlite"  # what waited in the stage read once, moved in one statement
    assert seen["stage read"] == seen["inbox store"] == int(sqlite), seen
    assert seen["stage forgets"] == seen["stage commit"] <= 1, seen  # what earlier ones moved
    assert seen["inbox done"] == 1, seen  # the batch's messages marked done together
    assert seen["reply"] == 1, seen  # the whole batch's replies in one statement
    with db.session() as session:  # and each woman's reply is there, the first one's too
        answered = set(session.exec(select(OutboundMessage.address)))
    assert answered == {str(chat) for chat in chats}, answered
    return seen


@pytest.mark.parametrize("text", sorted(FLOW_BUDGET))
def test_statements_per_message_stay_within_budget(settings, db, clock, text):
    seen = _process(settings, db, clock, text, known=True)
    for kind, budget in BUDGET.items():
        assert seen[kind] <= budget * WOMEN, (kind, seen[kind] / WOMEN, budget)
    for kind, budget in BATCH_BUDGET.items():
        assert seen[kind] == budget, (kind, seen)
    for kind, budget in BATCH_READS.items():
        assert seen[kind] <= budget, (kind, seen)
    assert seen["flow"] <= FLOW_BUDGET[text] * WOMEN, (seen["flow"] / WOMEN, seen)


def test_first_contact_writes_her_rows_in_core(settings, db, clock):
    seen = _process(settings, db, clock, "/start", known=False)
    assert seen["her rows created"] == 2 * WOMEN, seen  # her participant row and her address
    # Looked for together (none found), then each loaded once created.
    assert seen["her address and herself"] == 1 + WOMEN, seen
    # Each new woman's (missing) conversation read once she exists; all saved together.
    assert seen["conversation load"] <= 1 + WOMEN and seen["conversation save"] == 1, seen
    assert seen["flow"] <= 1 * WOMEN, (seen["flow"] / WOMEN, seen)


def _replies_queued(settings, db, clock):  # type: ignore[no-untyped-def]
    """WOMEN women with a reply each, and the app; a first claim (nothing due) already made."""
    channel = TelegramChannel("1:x", webhook_secret="s", public_base_url="https://bot.example.org")
    app = build(settings, channels=[channel], clock=clock, db=db)
    assert app.delivery._claim() == []  # releases expired leases: not again for RELEASE_EVERY
    with db.session() as session:
        for n in range(WOMEN):
            woman = programme.woman(session, str(77_000_000 + n), now=NOW, channel="telegram")
            outbox.enqueue_replies(
                session,
                participant_id=woman.id,
                channel="telegram",
                address=str(77_000_000 + n),
                payloads=[Reply(_("Help")).to_json()],
                now=clock.now(),
            )
    return app


def test_claiming_replies_reads_their_women_and_addresses_once_per_claim(settings, any_db, clock):
    """A claim is the same few statements however many messages it takes.

    The live SELECT and the bulk SELECT, each reading the messages' women and addresses too,
    and ONE UPDATE leasing them all; on SQLite the write lock first (BEGIN IMMEDIATE). It was
    five (the women and their addresses read after the messages); before that 7 calls on both
    databases, one of them an executemany UPDATE of a row per message (26 statements for 20
    messages) and two lease-release UPDATEs; 65 when each message read its woman twice and her
    address.
    """
    app = _replies_queued(settings, any_db, clock)
    with statements(any_db) as seen:
        claimed = app.delivery._claim()
    assert len(claimed) == WOMEN
    lock = [("BEGIN IMMEDIATE", False)] if any_db.dialect == "sqlite" else []
    assert seen == [
        *lock,
        ("SELECT DUE.ID, DUE.PARTICIPANT_ID,", False),  # live
        ("SELECT DUE.ID, DUE.PARTICIPANT_ID,", False),  # bulk
        ("UPDATE OUTBOUNDMESSAGE SET", False),  # the lease, one statement for the claim
    ], seen
    assert len(seen) <= 3 + len(lock)


def test_a_claim_releases_expired_leases_at_most_every_release_every(settings, db, clock):
    app = _replies_queued(settings, db, clock)
    with statements(db) as seen:
        app.delivery._claim()
    assert [kind for kind, _many in seen].count("UPDATE OUTBOUNDMESSAGE SET") == 1  # the lease
    clock.advance(RELEASE_EVERY)
    with statements(db) as seen:
        assert app.delivery._claim() == []
    # The release first (its UPDATE takes the write lock), then the live and the bulk SELECT.
    assert [kind for kind, _many in seen] == [
        "UPDATE OUTBOUNDMESSAGE SET",
        "SELECT DUE.ID, DUE.PARTICIPANT_ID,",
        "SELECT DUE.ID, DUE.PARTICIPANT_ID,",
    ], seen


def test_recording_sends_is_one_update_and_a_delete_only_for_a_last_word(settings, any_db, clock):
    """One UPDATE for the batch: an executemany on SQLite, one `UPDATE … FROM unnest` on
    PostgreSQL (psycopg's executemany costs about 15 µs of CPU a row)."""
    app = _replies_queued(settings, any_db, clock)
    claimed = app.delivery._claim()
    many = any_db.dialect == "sqlite"
    with statements(any_db) as seen:
        app.delivery._record_sent([(m.outbox_id, f"p{m.outbox_id}") for m in claimed[:10]])
    assert seen == [("UPDATE OUTBOUNDMESSAGE SET", many)], seen
    app.delivery._last_words.add(claimed[10].outbox_id)  # as if she had erased her data
    with statements(any_db) as seen:
        app.delivery._record_sent([(m.outbox_id, f"p{m.outbox_id}") for m in claimed[10:]])
    assert seen == [("UPDATE OUTBOUNDMESSAGE SET", many), ("DELETE FROM OUTBOUNDMESSAGE", False)]
    with any_db.session() as session:
        rows = session.exec(select(OutboundMessage)).all()
    assert sorted((row.id, row.status, row.platform_id) for row in rows) == [
        (m.outbox_id, "sent", f"p{m.outbox_id}") for m in claimed if m is not claimed[10]
    ]
    assert all(row.sent_at == clock.now() and row.error is None for row in rows)


@contextmanager
def texts(db: Database) -> Iterator[list[str]]:
    """The full SQL text of every statement sent meanwhile."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _batch_reads(db: Database, women: list[tuple[int, str]]) -> list[str]:
    """The SQL of a batch's reads of these women (id, Telegram chat), in one transaction."""
    with texts(db) as seen, db.session() as session:
        found = participants.prefetch(session, [("telegram", chat) for _, chat in women])
        assert sorted(found) == sorted(woman for woman, _ in women)
        conversations.prefetch(session, found)
        checkins.prefetch_unfinished(session, found)
        pairs.prefetch_live_views(session, found)
    return seen


def test_a_batch_sends_the_same_sql_whatever_how_many_it_holds(settings, any_db, clock):
    """A batch's women and a claim's replies go as ONE parameter each (storage/dialects.OneOf).

    An expanding IN was a new SQL text for each length of the list: PostgreSQL parsed and
    planned each again (psycopg prepares a text only after five runs, and keeps a hundred), and
    SQLAlchemy wrote the list into the text on every run.
    """
    chats = [str(78_000_000 + n) for n in range(7)]
    with any_db.session() as session:
        women = [
            (programme.woman(session, chat, now=NOW, channel="telegram").id, chat) for chat in chats
        ]
    few, more = _batch_reads(any_db, women[:2]), _batch_reads(any_db, women)
    assert len(few) == 4 and few == more, (few, more)

    app = _replies_queued(settings, any_db, clock)
    with texts(any_db) as two:
        assert len(app.delivery._claim(2)) == 2
    with texts(any_db) as nine:
        assert len(app.delivery._claim(9)) == 9
    leases = [
        [sql for sql in seen if sql.startswith("UPDATE outboundmessage")] for seen in (two, nine)
    ]
    assert len(leases[0]) == 1 and leases[0] == leases[1], leases
