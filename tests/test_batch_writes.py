"""An inbox batch's reads and held writes: read once, written once, in order, never stale.

Conversation saves and "she wrote now" wait for one executemany each (storage/batch.py); what a
batch saved is what a later message of the same batch loads; a savepoint, an erasure or a
session outside a batch writes at once, and nothing held is lost or overtakes a later write.
Which women have a survey waiting is read once for the batch (storage/kept.py) and forgotten
when a survey round is written in it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlmodel import Session, select

from storage import batch, checkins, conversations, outbox, participants
from storage.db import Database
from storage.dialects import OneOf
from storage.models import ChannelAddress, OutboundMessage
from tests.support import programme
from tests.support.databases import statements


def _women(db: Database, now, count: int = 3) -> list[int]:  # type: ignore[no-untyped-def]
    with db.session() as session:
        ids = [programme.woman(session, f"+5917000000{n}", now=now).id or 0 for n in range(count)]
        for woman in ids:
            conversations.save(
                session,
                participant_id=woman,
                flow="home",
                step="idle",
                data={},
                offered=[],
                now=now,
            )
    return ids


def _stored(session: Session, woman: int) -> tuple[str, str, int] | None:
    row = session.connection().execute(
        text("SELECT flow, step, version FROM conversation WHERE participant_id = :p"), {"p": woman}
    )
    found = row.first()
    return (found.flow, found.step, found.version) if found else None


def _save(session: Session, woman: int, step: str, now, **data) -> None:  # type: ignore[no-untyped-def]
    conversations.save(
        session, participant_id=woman, flow="home", step=step, data=data, offered=["a"], now=now
    )


def test_a_batch_reads_its_states_at_once_and_writes_them_at_the_end(any_db, clock):
    women = _women(any_db, clock.now())
    later = clock.now() + timedelta(minutes=5)
    with any_db.session() as session, statements(any_db) as seen:
        steps = _stored(session, women[0])[2]  # type: ignore[index]  # steps taken so far
        seen.clear()
        conversations.prefetch(session, women)
        assert seen == [("SELECT CONVERSATION.PARTICIPANT_ID, CONVERSATION.FLOW,", False)]
        for woman in women:
            assert conversations.load(session, woman).step == "idle"  # type: ignore[union-attr]
            _save(session, woman, "menu", later, note=[1])
        _save(session, women[0], "profile", later)  # a peer's message moves her again
        assert len(seen) == 1  # nothing read or written per message
        # What the batch saved is what it reads back, as the database would give it.
        state = conversations.load(session, women[1])
        assert state is not None and (state.step, state.data, state.updated_at) == (
            "menu",
            {"note": [1]},
            later,
        )
        assert _stored(session, women[1]) == ("home", "idle", steps)  # held until the flush
        batch.flush(session)
        writes = [s for s, _many in seen if s.startswith(("INSERT", "UPDATE"))]
        assert len(writes) == 1  # one executemany
        # Each step counted, in order: the peer's save after hers.
        assert _stored(session, women[0]) == ("home", "profile", steps + 2)
        assert _stored(session, women[2]) == ("home", "menu", steps + 1)


def test_a_batch_of_different_women_is_written_in_one_statement_per_write(any_db, clock):
    """On PostgreSQL not an executemany either (psycopg's costs about 15 µs a row): one
    statement over arrays; a batch that saves one woman twice is the executemany above."""
    women = _women(any_db, clock.now())
    later = clock.now() + timedelta(minutes=5)
    with any_db.session() as session:
        steps = _stored(session, women[0])[2]  # type: ignore[index]
        conversations.prefetch(session, women)
        links = [participants.addresses(session, woman)[0] for woman in women]
        for woman, link in zip(women, links, strict=True):
            _save(session, woman, "menu", later, said=f"ñandú «{woman}»", marks=[woman, None])
            participants.touch(session, link, later)
        with statements(any_db) as seen:
            batch.flush(session)
        many = any_db.dialect == "sqlite"  # sqlite3's executemany is its C loop
        assert seen == [("INSERT INTO CONVERSATION", many), ("UPDATE CHANNELADDRESS SET", many)]
        session.info.clear()  # read back from the database, not from what the batch held
        for woman in women:
            assert _stored(session, woman) == ("home", "menu", steps + 1)
            state = conversations.load(session, woman)
            assert state is not None and (state.data, state.offered, state.updated_at) == (
                {"said": f"ñandú «{woman}»", "marks": [woman, None]},
                ["a"],
                later,
            )
        column = ChannelAddress.__table__.c.last_inbound_at  # type: ignore[attr-defined]
        read = ChannelAddress.__table__.select().with_only_columns(column)  # type: ignore[attr-defined]
        assert session.connection().execute(read).scalars().all() == [later] * len(women)


def test_a_touch_in_a_batch_waits_for_the_flush(any_db, clock):
    (woman,) = _women(any_db, clock.now(), count=1)
    later = clock.now() + timedelta(hours=1)
    with any_db.session() as session:
        conversations.prefetch(session, [woman])
        (link,) = participants.addresses(session, woman)
        participants.touch(session, link, later)
        assert link.last_inbound_at == later and link not in session.dirty
        column = ChannelAddress.__table__.c.last_inbound_at  # type: ignore[attr-defined]
        read = ChannelAddress.__table__.select().with_only_columns(column)  # type: ignore[attr-defined]
        assert session.connection().execute(read).scalar_one() != later
        batch.flush(session)
        assert session.connection().execute(read).scalar_one() == later


def test_a_savepoint_writes_at_once_after_what_the_batch_held(any_db, clock):
    """Held writes run first: the savepoint's later save is the one that stays."""
    (woman,) = _women(any_db, clock.now(), count=1)
    with any_db.session() as session:
        steps = _stored(session, woman)[2]  # type: ignore[index]
        conversations.prefetch(session, [woman])
        _save(session, woman, "held", clock.now())
        with session.begin_nested():
            _save(session, woman, "in a savepoint", clock.now())
            assert _stored(session, woman) == ("home", "in a savepoint", steps + 2)
        batch.flush(session)
        assert _stored(session, woman) == ("home", "in a savepoint", steps + 2)


def test_a_save_in_a_savepoint_that_rolls_back_is_not_what_the_batch_reads(any_db, clock):
    (woman,) = _women(any_db, clock.now(), count=1)
    with any_db.session() as session:
        conversations.prefetch(session, [woman])
        _save(session, woman, "held", clock.now())
        savepoint = session.begin_nested()
        _save(session, woman, "undone", clock.now())
        savepoint.rollback()
        assert conversations.load(session, woman).step == "held"  # type: ignore[union-attr]
        batch.flush(session)
        assert _stored(session, woman)[1] == "held"  # type: ignore[index]


def test_erasing_her_drops_her_held_state(any_db, clock):
    (woman,) = _women(any_db, clock.now(), count=1)
    with any_db.session() as session:
        conversations.prefetch(session, [woman])
        _save(session, woman, "menu", clock.now())
        conversations.delete_state(session, woman)
        assert conversations.load(session, woman) is None
        batch.flush(session)
        assert _stored(session, woman) is None


def test_outside_a_batch_every_write_is_at_once(any_db, clock):
    (woman,) = _women(any_db, clock.now(), count=1)
    with any_db.session() as session, statements(any_db) as seen:
        steps = _stored(session, woman)[2]  # type: ignore[index]
        _save(session, woman, "menu", clock.now())
        assert [s for s, _many in seen if s.startswith(("INSERT", "UPDATE"))]
        assert _stored(session, woman) == ("home", "menu", steps + 1)
        assert conversations.load(session, woman).step == "menu"  # type: ignore[union-attr]


def test_a_batch_reads_who_has_a_survey_waiting_once_and_follows_its_own_writes(any_db, clock):
    ana, bea, cleo = _women(any_db, clock.now())
    with any_db.session() as session:
        waiting = checkins.start_round(
            session, participant_id=ana, wave="mid", cohort_id=None, pair_id=None, now=clock.now()
        )
        session.commit()
        with statements(any_db) as seen:
            checkins.prefetch_unfinished(session, [ana, bea])
            assert checkins.has_unfinished_round(session, ana)
            assert not checkins.has_unfinished_round(session, bea)
            assert len(seen) == 1  # one SELECT for the batch
        assert not checkins.has_unfinished_round(session, cleo)  # not in the batch: asked
        # Written in the batch: what was kept is forgotten, the next answer is read again.
        checkins.start_round(
            session, participant_id=bea, wave="mid", cohort_id=None, pair_id=None, now=clock.now()
        )
        assert checkins.has_unfinished_round(session, bea)
        checkins.prefetch_unfinished(session, [ana, bea])
        waiting.completed_at = clock.now()  # she answered the last item
        session.add(waiting)
        assert not checkins.has_unfinished_round(session, ana)


def _reply(session: Session, woman: int, *texts: str, now) -> int:  # type: ignore[no-untyped-def]
    return outbox.enqueue_replies(
        session,
        participant_id=woman,
        channel="telegram",
        address=str(woman),
        payloads=[{"msg": {"id": text, "params": {}}} for text in texts],
        now=now,
    )


def test_a_batchs_replies_are_one_statement_sent_in_the_order_they_were_queued(any_db, clock):
    """Held until the batch writes, yet older than what the ORM queues after them: the ids, which
    are the order a woman's messages are sent in, follow the order things were queued."""
    women = _women(any_db, clock.now())
    now = clock.now()
    with any_db.session() as session, statements(any_db) as seen:
        batch.begin(session)
        assert _reply(session, women[0], "first", "second", now=now) == 2
        assert _reply(session, women[1], "hers", now=now) == 1
        # A turn that queues through the ORM (a message to the first woman), then flushes it.
        outbox.enqueue(
            session,
            participant_id=women[0],
            channel="telegram",
            address=str(women[0]),
            payload={"msg": {"id": "third", "params": {}}},
            now=now,
        )
        session.flush()
        assert _reply(session, women[0], "fourth", "fifth", now=now) == 2
        assert _reply(session, women[2], "last", now=now) == 1
        batch.flush(session)
    inserts = [sent for sent, _many in seen if sent == "INSERT INTO OUTBOUNDMESSAGE"]
    assert len(inserts) == 3, inserts  # the held replies, the ORM's message, the held replies
    with any_db.session() as session:
        sent = session.exec(
            select(OutboundMessage.address, OutboundMessage.payload).order_by(OutboundMessage.id)
        ).all()
    order = [(address, payload["msg"]["id"]) for address, payload in sent]
    first, second, third = (str(woman) for woman in women)
    assert order == [
        (first, "first"),
        (first, "second"),
        (second, "hers"),
        (first, "third"),
        (first, "fourth"),
        (first, "fifth"),
        (third, "last"),
    ]


def test_replies_outside_a_batch_are_written_at_once(any_db, clock):
    women = _women(any_db, clock.now())
    with any_db.session() as session:
        assert _reply(session, women[0], "hello", now=clock.now()) == 1
        assert session.exec(select(OutboundMessage)).one().payload["msg"]["id"] == "hello"


def test_one_of_finds_exactly_the_rows_whose_value_is_in_the_list(any_db):
    """`OneOf`: a list given as one parameter (an array, or JSON on SQLite) matches what an IN
    would: integers, strings that JSON escapes, nothing for an empty list, hundreds at once."""
    table = Table(
        "one_of_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("name", String(40)),
    )
    names = ["l'été", 'dit "oui"', "[1, 2]", "\\n", "ñandú", "plain"]
    with any_db.engine.begin() as connection:
        table.create(connection)
        connection.execute(
            table.insert(), [{"id": n, "name": name} for n, name in enumerate(names)]
        )
        connection.execute(table.insert(), [{"id": 100 + n, "name": None} for n in range(400)])
        by_id = select(table.c.id).where(OneOf(table.c.id, "ids")).order_by(table.c.id)
        by_name = select(table.c.name).where(OneOf(table.c.name, "names")).order_by(table.c.id)
        assert connection.execute(by_id, {"ids": [5, 1, 99, 1]}).scalars().all() == [1, 5]
        assert connection.execute(by_id, {"ids": []}).scalars().all() == []
        many = list(range(50, 450))
        assert connection.execute(by_id, {"ids": many}).scalars().all() == list(range(100, 450))
        for name in names:
            assert connection.execute(by_name, {"names": [name, "absent"]}).scalars().all() == [
                name
            ]
        table.drop(connection)
