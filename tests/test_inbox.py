"""The inbox: stored once by platform key, processed per sender in arrival order, a message that
keeps failing set aside without blocking her next one, updates PTB cannot read still answered."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Row, event, insert
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select, update

from bot.intake import Intake, Processed, store_all
from flows.clock import FakeClock
from storage import batch, inbox, outbox, staging
from storage.db import Database
from storage.models import InboundMessage, OutboundMessage
from tests.support import programme
from tests.support.databases import sqlite_plans, statements
from tests.support.telegram_standin import Harness, Person, harness, standin_server, texts

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def _store(db: Database, key: str, address: str, payload: str = "{}") -> bool:
    row = {"channel": "test", "platform_key": key, "address": address, "payload": payload}
    stored = store_all(db, [{**row, "now": NOW}])[0]
    assert not isinstance(stored, Exception)
    return stored


def test_a_platform_key_is_stored_once(any_db):
    assert _store(any_db, "1", "ana")
    assert not _store(any_db, "1", "ana")  # the platform's redelivery
    with any_db.session() as session:
        assert inbox.waiting(session) == 1


def test_each_sender_is_processed_in_order_one_message_at_a_time(any_db):
    for key, address in [("1", "ana"), ("2", "bea"), ("3", "ana"), ("4", "ana"), ("5", "bea")]:
        _store(any_db, key, address, payload=key)
    order: list[str] = []
    while True:
        with any_db.session() as session:
            heads = inbox.claim(session, limit=10, channels=["test"])
            if not heads:
                break
            assert len({row.address for row in heads}) == len(heads), "one per sender"
            for row in heads:
                order.append(f"{row.address}:{row.payload}")
                inbox.done(session, [(row.id, None, None)], now=NOW)
    assert [o for o in order if o.startswith("ana")] == ["ana:1", "ana:3", "ana:4"]
    assert [o for o in order if o.startswith("bea")] == ["bea:2", "bea:5"]
    with any_db.session() as session:
        rows = session.exec(select(InboundMessage)).all()
    assert all(row.processed_at and row.payload is None for row in rows)


def test_a_batch_is_marked_done_in_one_statement_keeping_whose_and_what_each_was(any_db):
    """One UPDATE for the batch; on PostgreSQL not an executemany (psycopg's costs ~15 µs a row)."""
    with any_db.session() as session:
        women = [programme.woman(session, f"+5917000000{n}", now=NOW).id for n in range(2)]
    for key in ("1", "2", "3"):
        _store(any_db, key, f"addr{key}", payload=key)
    with any_db.session() as session:
        heads = inbox.claim(session, limit=10, channels=["test"])
        done = [
            (heads[0].id, women[0], "photo"),
            (heads[1].id, women[1], None),  # its kind stays what the webhook stored
            (heads[2].id, None, "x" * 40),
        ]
        with statements(any_db) as seen:
            inbox.done(session, done, now=NOW)
    assert seen == [("UPDATE INBOUNDMESSAGE SET", any_db.dialect == "sqlite")], seen
    with any_db.session() as session:
        rows = {row.id: row for row in session.exec(select(InboundMessage)).all()}
    assert [(rows[i].participant_id, rows[i].kind) for i, _, _ in done] == [
        (women[0], "photo"),
        (women[1], "text"),
        (None, "x" * 16),
    ]
    assert all(row.processed_at == NOW and row.payload is None for row in rows.values())


def test_the_claim_finds_her_waiting_messages_without_walking_her_history(db):
    """A year of messages from her must not slow the claim: only waiting rows are looked at."""
    _store(db, "1", "ana")
    with sqlite_plans(db, "earlier") as plans, db.session() as session:
        assert inbox.claim(session, limit=10, channels=["test"])
    lookups = [step for step in plans[0] if step.startswith("SEARCH earlier")]
    assert lookups and "ix_inboundmessage_waiting" in lookups[0], plans


def test_the_claim_query_is_built_once_per_channels_and_size(any_db):
    """Building the claim's statement cost more than running it: each batch reuses it."""
    built = inbox._claim_query.cache_info().misses
    for _round in range(3):
        with any_db.session() as session:
            assert inbox.claim(session, limit=7, channels=["test", "other"]) == []
    assert inbox._claim_query.cache_info().misses <= built + 1


class Flaky:
    """A handler that fails on the message "bad" and records the others."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        if row.payload == "bad":
            raise ValueError("cannot read it")
        self.seen.append(row.payload)
        return Processed()

    async def after(self, outcome: Any) -> None:
        return None


def test_a_message_that_keeps_failing_is_set_aside_and_her_next_one_goes_through(db):
    intake = Intake(db, FakeClock(NOW))
    handler = Flaky()
    intake.register("test", handler)
    _store(db, "1", "ana", payload="bad")
    _store(db, "2", "ana", payload="hello")
    asyncio.run(intake.drain())
    assert handler.seen == ["hello"]
    with db.session() as session:
        bad = session.exec(select(InboundMessage).where(InboundMessage.platform_key == "1")).one()
    assert bad.attempts == inbox.MAX_ATTEMPTS and bad.error == "ValueError"
    assert bad.processed_at is not None and bad.payload is None


def test_an_update_with_an_empty_thumbnail_is_answered(settings, db, clock):
    """`"thumbnail": {}` makes PTB's Update.de_json fail; the inbox reads the JSON itself."""
    ana = Person(5917000099, language_code="es")

    async def scenario(h: Harness) -> None:
        await h.exchange(ana, ana.start())
        update = ana.kind("photo")
        update["message"].pop("caption")  # a caption is her message; without one, media is
        update["message"]["document"] = {"file_id": "x", "file_unique_id": "y", "thumbnail": {}}
        got = await h.exchange(ana, update)
        assert "texto" in texts(got).lower(), texts(got)

    async def main() -> None:
        with standin_server() as standin:
            async with harness(settings, db, clock, standin) as h:
                await scenario(h)

    asyncio.run(main())


class ReadsThenWrites:
    """A handler that reads, lets another writer of the inbox file commit, then writes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.writer: threading.Thread | None = None

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        session.exec(select(InboundMessage)).all()  # a read first: the snapshot starts here

        def other_process() -> None:  # its own connection: the console, say
            with self.db.engine.begin() as connection:
                inbox.store(
                    connection,
                    channel="test",
                    platform_key="2",
                    address="bea",
                    payload="x",
                    now=NOW,
                )

        self.writer = threading.Thread(target=other_process)
        self.writer.start()
        self.writer.join(0.3)  # it waits for the batch's lock (or, unlocked, commits at once)
        session.exec(update(InboundMessage).values(error=None))  # then a write
        return Processed()

    async def after(self, outcome: Any) -> None:
        return None


def test_a_batch_on_sqlite_is_not_thrown_away_when_another_writer_commits_meanwhile(db):
    """A read-then-write transaction cannot write once another commits in between (SQLite
    says "database is locked" at once): the batch takes the write lock before it reads."""
    intake = Intake(db, FakeClock(NOW))
    handler = ReadsThenWrites(db)
    intake.register("test", handler)
    _store(db, "1", "ana")
    assert asyncio.run(intake.run_once()) == 1  # raised OperationalError before
    assert handler.writer is not None
    handler.writer.join()
    with db.session() as session:
        assert inbox.waiting(session) == 1  # bea's, written once the batch committed


def test_a_webhook_stores_while_a_sqlite_batch_holds_the_inbox_write_lock(db):
    """Webhooks store into the stage file, whose lock no batch holds: one answers while a batch
    is under way, and the next batch moves its message into the inbox and processes it."""
    intake = Intake(db, FakeClock(NOW))
    handler = Flaky()
    intake.register("test", handler)
    _store(db, "1", "ana", payload="1")
    stored: list[bool] = []
    with db.session() as session:
        assert [row.payload for row in inbox.claim(session, limit=10, channels=["test"])] == ["1"]
        # The batch holds the inbox's write lock (BEGIN IMMEDIATE) until this block ends.
        store = threading.Thread(target=lambda: stored.append(_store(db, "2", "bea", "2")))
        store.start()
        store.join(10)  # without the stage it waits for the lock: 30 s, then "database is locked"
        assert stored == [True]
        session.rollback()
    with db.session() as session:
        assert inbox.waiting(session) == 2  # staged ones count too
        assert inbox.oldest_waiting(session) == NOW
    assert asyncio.run(intake.drain()) == 2
    assert handler.seen == ["1", "2"]
    with db.session() as session:
        assert inbox.waiting(session) == 0 and inbox.oldest_waiting(session) is None


def test_a_staged_message_is_processed_once_even_when_it_is_moved_twice(db):
    """Nothing spans the two files: a message stays staged until the inbox has it, and moving it
    again (a batch rolled back, a crash before the stage forgot it) never processes it twice."""
    intake = Intake(db, FakeClock(NOW))
    handler = Flaky()
    intake.register("test", handler)
    _store(db, "1", "ana", payload="1")
    stage = staging.stage_of(db.engine)
    assert stage is not None
    moved = stage.take()  # what a batch moves, then rolled back: still staged
    assert [dict(zip(staging.FIELDS, message, strict=True))["payload"] for message in moved] == [
        "1"
    ]
    assert asyncio.run(intake.run_once()) == 1  # moved and processed
    with stage.engine.connect() as connection:  # staged still: forgotten by the next move
        assert connection.execute(select(staging.staged.c.platform_key)).all() == [("1",)]
    with db.session() as session:  # as if the forgetting had not happened: moved again
        session.connection().exec_driver_sql(inbox._MOVE, moved)
    assert asyncio.run(intake.drain()) == 0
    assert stage.take() == []  # the inbox has it: forgotten
    with stage.engine.connect() as connection:
        assert connection.execute(select(staging.staged)).all() == []
    assert not _store(db, "1", "ana", payload="1")  # the platform's resend, once processed
    assert asyncio.run(intake.drain()) == 0
    assert handler.seen == ["1"]


def test_a_batch_rolled_back_leaves_what_it_moved_staged(db):
    """The database fails mid-batch: the messages it had moved are moved again by the next."""
    intake = Intake(db, FakeClock(NOW))
    failing = [True]

    class DatabaseAway(Flaky):
        def process_stored(self, session: Session, row: Row[Any]) -> Processed:
            if failing:  # the first time only
                failing.clear()
                raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))
            return super().process_stored(session, row)

    handler = DatabaseAway()
    intake.register("test", handler)
    _store(db, "1", "ana", payload="1")
    with pytest.raises(OperationalError):
        asyncio.run(intake.run_once())
    with db.session() as session:
        assert session.exec(select(InboundMessage)).all() == []  # the move was rolled back too
        assert inbox.waiting(session) == 1
    assert asyncio.run(intake.drain()) == 1
    assert handler.seen == ["1"]


def test_webhooks_arriving_together_are_stored_in_one_transaction_and_a_bad_one_alone_fails(
    any_db,
):
    """Group commit: a duplicate in the same group is still caught, and only the first of the
    two is new; a message that cannot be stored is refused on its own (its webhook answers
    503), the others are kept. On PostgreSQL a group is one INSERT, its ids in the group's
    order."""
    intake = Intake(any_db, FakeClock(NOW))
    stage = staging.stage_of(any_db.engine)  # where webhooks store on a SQLite file
    stores = stage.engine if stage is not None else any_db.engine
    commits: list[int] = []
    inserts: list[str] = []
    event.listen(stores, "commit", lambda _conn: commits.append(1))
    event.listen(
        stores,
        "before_cursor_execute",
        lambda _conn, _cursor, sql, *_args: inserts.append(sql) if sql.startswith("INSERT") else 0,
    )

    def row(key: str | None, address: str) -> dict[str, Any]:
        return {"channel": "test", "platform_key": key, "address": address, "payload": "{}"}

    async def acknowledge(rows: list[dict[str, Any]]) -> list[object]:
        calls = (intake.store(**fields, now=NOW) for fields in rows)
        return await asyncio.gather(*calls, return_exceptions=True)

    first = asyncio.run(acknowledge([row("1", "ana"), row("2", "bea"), row("1", "ana")]))
    assert first == [True, True, False] and len(commits) == 1
    if any_db.dialect == "postgresql":
        assert len(inserts) == 1, inserts
    again = asyncio.run(acknowledge([row("2", "bea"), row("5", "cai"), row("2", "bea")]))
    assert again == [False, True, False]
    second = asyncio.run(acknowledge([row("3", "ana"), row(None, "bea"), row("4", "bea")]))
    assert second[0] is True and second[2] is True
    assert isinstance(second[1], Exception)  # no platform key: refused, alone
    with any_db.session() as session:
        assert inbox.waiting(session) == 5
        inbox.claim(session, limit=10, channels=["test"])  # on SQLite: moved from the stage
        keys = session.exec(select(InboundMessage.platform_key).order_by(InboundMessage.id))
        assert list(keys) == ["1", "2", "5", "3", "4"]


class Writing(Flaky):
    """Flaky, and each message it takes writes a reply row in the batch's transaction."""

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        processed = super().process_stored(session, row)
        outbox.enqueue_replies(
            session,
            participant_id=None,
            channel="test",
            address=row.address,
            payloads=[{"text": row.payload}],
            now=NOW,
        )
        return processed


def test_a_failing_message_undoes_the_optimistic_batch_and_only_it_fails(db):
    """The batch runs without savepoints; one message raising rolls everything back and the
    batch runs again with a savepoint each: the others are answered once, the bad one counted."""
    intake = Intake(db, FakeClock(NOW), batch=10)
    handler = Writing()
    intake.register("test", handler)
    for key, address, text in [("1", "ana", "hi"), ("2", "bea", "bad"), ("3", "cho", "hola")]:
        _store(db, key, address, payload=text)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert asyncio.run(intake.run_once()) == 3
    assert handler.seen == ["hi", "hi", "hola"]  # "hi" ran again in the careful pass
    with db.session() as session:
        sent = session.exec(select(OutboundMessage.address).order_by(OutboundMessage.id)).all()
        bad = session.exec(select(InboundMessage).where(InboundMessage.platform_key == "2")).one()
        assert inbox.waiting(session) == 1  # the bad one, to be tried again
    assert sent == ["ana", "cho"]  # once each: the first pass left nothing
    assert bad.attempts == 1 and bad.error == "ValueError"
    assert any(statement.startswith("SAVEPOINT") for statement in statements)


class HoldingABadWrite(Flaky):
    """Each message holds a write for the batch (as conversation saves are held); the message
    "broken" holds one the database refuses (a second row with the same platform key)."""

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        processed = super().process_stored(session, row)
        key = "1" if row.payload == "broken" else f"held-{row.id}"
        values = {"channel": "test", "platform_key": key, "received_at": NOW, "kind": "text"}
        statement = insert(InboundMessage.__table__)  # type: ignore[attr-defined]
        if not batch.defer(session, statement, values):
            session.connection().execute(statement, values)
        return processed


def test_a_held_write_that_fails_undoes_the_batch_and_only_its_message_fails(db):
    """Without this, the batch failed at its flush on every round and nobody was answered."""
    intake = Intake(db, FakeClock(NOW), batch=10)
    handler = HoldingABadWrite()
    intake.register("test", handler)
    for key, address, text in [("1", "ana", "hi"), ("2", "bea", "broken"), ("3", "cho", "hola")]:
        _store(db, key, address, payload=text)
    assert asyncio.run(intake.run_once()) == 3
    with db.session() as session:
        key = InboundMessage.platform_key
        broken = session.exec(select(InboundMessage).where(key == "2")).one()
        done = session.exec(select(key).where(col(InboundMessage.processed_at).is_not(None))).all()
    assert sorted(done) == ["1", "3"]
    assert broken.attempts == 1 and broken.error == "IntegrityError"


def test_a_batch_without_failures_takes_no_savepoint(db):
    intake = Intake(db, FakeClock(NOW), batch=10)
    intake.register("test", Writing())
    for key, address in [("1", "ana"), ("2", "bea")]:
        _store(db, key, address, payload="hi")
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert asyncio.run(intake.run_once()) == 2
    assert not any(statement.startswith("SAVEPOINT") for statement in statements)


class Batches(Flaky):
    """Records which messages each batch took."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = [[]]

    def process_stored(self, session: Session, row: Row[Any]) -> Processed:
        self.batches[-1].append(row.payload)
        return Processed()


def test_after_a_batch_that_was_not_full_the_worker_waits_for_more_before_claiming(db):
    """The first message is taken at once; those that arrive one by one just after it go
    together in the next batch, not one batch each."""
    intake = Intake(db, FakeClock(NOW), batch=10)
    intake.linger = 0.3
    handler = Batches()
    intake.register("test", handler)
    batch_ran = intake._batch

    def recorded() -> tuple[int, list[tuple[Any, Any]], int]:
        outcome = batch_ran()
        if handler.batches[-1]:
            handler.batches.append([])
        return outcome

    intake._batch = recorded  # type: ignore[method-assign]

    async def main() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(intake.run_forever(stop, idle=0.05))
        _store(db, "1", "ana", payload="first")
        intake.wake.set()
        while handler.batches == [[]]:
            await asyncio.sleep(0.005)
        for n, address in enumerate(["bea", "cleo", "dora"], start=2):
            _store(db, str(n), address, payload=address)
            intake.wake.set()
            await asyncio.sleep(0.03)
        while sum(map(len, handler.batches)) < 4:
            await asyncio.sleep(0.005)
        stop.set()
        await worker

    asyncio.run(main())
    assert handler.batches[:2] == [["first"], ["bea", "cleo", "dora"]]


def test_a_webhook_is_stored_even_while_every_shared_worker_thread_is_busy(db):
    """Paced sends block threads of asyncio's shared pool (the twilio client, its spacer); a
    webhook's store has a thread of its own, so it is acknowledged all the same."""
    intake = Intake(db, FakeClock(NOW))
    release = threading.Event()

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        busy = [loop.run_in_executor(None, release.wait, 30) for _ in range(64)]
        try:
            fields = {"channel": "test", "platform_key": "1", "address": "ana", "payload": "{}"}
            return await asyncio.wait_for(intake.store(**fields, now=NOW), 20)
        finally:
            release.set()
            await asyncio.gather(*busy)

    assert asyncio.run(main()) is True


@pytest.mark.postgres
def test_a_web_process_wakes_the_inbox_processes_listening_on_postgresql():
    """Stores that a web-only process made new NOTIFY; inbox processes LISTEN (no polling)."""
    from tests.support.databases import postgres_database

    def row(key: str) -> dict[str, Any]:
        return {"channel": "test", "platform_key": key, "address": "ana", "payload": "{}"}

    with postgres_database() as db:
        woken, stop = threading.Event(), threading.Event()
        listener = threading.Thread(
            target=inbox.listen_for_stored, args=(db, woken.set, stop), daemon=True
        )
        listener.start()
        assert woken.wait(10)  # once listening: for what was stored before
        woken.clear()
        assert store_all(db, [{**row("1"), "now": NOW}]) == [True]
        assert not woken.wait(0.5)  # a process that processes its own stores tells no one
        assert store_all(db, [{**row("2"), "now": NOW}], notify=True) == [True]
        assert woken.wait(10)
        woken.clear()
        assert store_all(db, [{**row("2"), "now": NOW}], notify=True) == [False]
        assert not woken.wait(0.5)  # nothing new: nothing to wake for
        stop.set()
        listener.join(5)
        assert not listener.is_alive()
