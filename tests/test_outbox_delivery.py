"""The outbox and the delivery worker: order per address, priorities, retries, leases, opt-out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.channels.base import Outgoing, SendError
from bot.delivery import MAX_ATTEMPTS, RELEASE_EVERY, Delivery
from flows.messages import Reply, _
from storage import outbox, participants
from storage.models import ChannelAddress, OutboundMessage, OutboxStatus, Participant, Priority
from tests.support.databases import sqlite_plans


class FlakyChannel:
    """Fails as scripted, then records what it sends."""

    kinds = ("console",)
    rate = 10_000.0
    per_address_rate = 0.0

    def __init__(self, failures: list[SendError] | None = None) -> None:
        self.failures = list(failures or [])
        self.sent: list[tuple[str, str]] = []
        self.outgoing: list[Outgoing] = []

    async def send(self, message: Outgoing) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((message.address, message.rendered.text))
        self.outgoing.append(message)
        return f"id-{message.outbox_id}"


def _queue_for(db, clock, her: int | None, address: str, text: str, **kw) -> int:
    with db.session() as session:
        row = outbox.enqueue(
            session,
            participant_id=her,
            channel="console",
            address=address,
            payload=Reply(_(text)).to_json(),
            now=clock.now(),
            **kw,
        )
        session.flush()
        return row.id


def _queue(db, clock, address: str, text: str, priority: int = Priority.LIVE, **kw) -> int:
    return _queue_for(db, clock, None, address, text, priority=priority, **kw)


def test_messages_to_one_address_keep_their_order_and_live_goes_before_bulk(db, clock):
    for n in range(3):
        _queue(db, clock, "bulk-only", f"news {n}", Priority.BULK)
    _queue(db, clock, "ana", "first")
    _queue(db, clock, "ana", "second")
    channel = FlakyChannel()
    asyncio.run(Delivery(db, clock, [channel]).drain())
    assert [t for a, t in channel.sent if a == "ana"] == ["first", "second"]
    assert channel.sent[0] == ("ana", "first")  # live before bulk
    assert len(channel.sent) == 5


def test_transient_failures_are_retried_with_backoff_then_sent_once(db, clock):
    message_id = _queue(db, clock, "ana", "hello")
    channel = FlakyChannel([SendError("429", retry_after=30), SendError("500", retry_after=0)])
    # The channel's 30-second pause runs on the test clock, as the outbox's retry time does.
    delivery = Delivery(db, clock, [channel], monotonic=lambda: clock.now().timestamp())
    asyncio.run(delivery.run_once())
    with db.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert row.status == OutboxStatus.PENDING
        assert row.next_attempt_at >= clock.now() + timedelta(seconds=30)
    asyncio.run(delivery.run_once())
    assert channel.sent == []  # not due yet: the clock has not moved
    clock.advance(seconds=31)
    asyncio.run(delivery.run_once())
    clock.advance(minutes=5)
    asyncio.run(delivery.drain())
    assert channel.sent == [("ana", "hello")]
    with db.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert (row.status, row.platform_id, row.attempts) == ("sent", f"id-{message_id}", 3)


def test_a_message_that_keeps_failing_is_given_up(db, clock):
    message_id = _queue(db, clock, "ana", "hello")
    channel = FlakyChannel([SendError("boom", retry_after=0)] * (MAX_ATTEMPTS + 2))
    delivery = Delivery(db, clock, [channel])
    for _attempt in range(MAX_ATTEMPTS + 2):
        asyncio.run(delivery.run_once())
        clock.advance(hours=1)
    with db.session() as session:
        assert session.get(OutboundMessage, message_id).status == OutboxStatus.FAILED


def test_blocked_by_her_opts_her_out_and_skips_the_rest(db, clock):
    with db.session() as session:
        her = Participant(created_at=clock.now(), consent_at=clock.now())
        session.add(her)
        session.flush()
        her_id = her.id
    for text in ("one", "two", "three"):
        with db.session() as session:
            outbox.enqueue(
                session,
                participant_id=her_id,
                channel="console",
                address="ana",
                payload=Reply(_(text)).to_json(),
                now=clock.now(),
            )
    channel = FlakyChannel([SendError("Forbidden: bot was blocked by the user", blocked=True)])
    asyncio.run(Delivery(db, clock, [channel]).drain())
    assert channel.sent == []
    with db.session() as session:
        assert session.get(Participant, her_id).opted_out_at is not None
        statuses = [
            r.status for r in session.exec(select(OutboundMessage).order_by(OutboundMessage.id))
        ]
        assert statuses == ["failed", "skipped", "skipped"]


def test_a_claim_left_by_a_dead_worker_is_offered_again_after_its_lease(db, clock):
    message_id = _queue(db, clock, "ana", "hello")
    with db.session() as session:
        assert [m.id for m in outbox.claim(session, now=clock.now(), limit=10)] == [message_id]
    with db.session() as session:  # still leased: nobody else takes it
        assert outbox.claim(session, now=clock.now(), limit=10) == []
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    with db.session() as session:
        assert [m.id for m in outbox.claim(session, now=clock.now(), limit=10)] == [message_id]


def test_the_delivery_worker_offers_a_dead_workers_claim_again_after_its_lease(any_db, clock):
    """The worker releases expired leases at most every RELEASE_EVERY, not on every claim."""
    channel = FlakyChannel()
    delivery = Delivery(any_db, clock, [channel])
    asyncio.run(delivery.run_once())  # nothing due; expired leases released now
    message_id = _queue(any_db, clock, "ana", "hello")
    with any_db.session() as session:  # a worker that dies before it sends
        assert [m.id for m in outbox.claim(session, now=clock.now(), limit=10)] == [message_id]
    clock.advance(outbox.LEASE - timedelta(seconds=1))
    asyncio.run(delivery.run_once())
    assert channel.sent == []  # still leased
    clock.advance(seconds=2)  # run out, but released less than RELEASE_EVERY ago
    asyncio.run(delivery.run_once())
    assert channel.sent == []
    clock.advance(RELEASE_EVERY)
    asyncio.run(delivery.run_once())
    assert channel.sent == [("ana", "hello")]
    assert channel.outgoing[0].attempt == 2  # the dead worker's claim counts
    with any_db.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


def test_a_claim_counts_its_attempt_and_passes_the_previous_error(any_db, clock):
    message_id = _queue(any_db, clock, "ana", "hello")
    channel = FlakyChannel([SendError("500", retry_after=0, code="e500")])
    delivery = Delivery(any_db, clock, [channel])
    asyncio.run(delivery.run_once())
    clock.advance(minutes=1)
    asyncio.run(delivery.run_once())
    (message,) = channel.outgoing
    assert (message.outbox_id, message.attempt, message.last_error_code) == (message_id, 2, "e500")
    with any_db.session() as session:
        row = session.get(OutboundMessage, message_id)
        assert (row.status, row.attempts, row.next_attempt_at) == (
            OutboxStatus.SENT,
            2,
            clock.now() + outbox.LEASE,
        )


def _woman(db, clock, **fields) -> int:
    with db.session() as session:
        her = Participant(created_at=clock.now(), consent_at=clock.now(), **fields)
        session.add(her)
        session.flush()
        return her.id


def test_a_proactive_message_to_a_woman_who_opted_out_is_skipped_and_a_reply_is_not(any_db, clock):
    out = _woman(any_db, clock, opted_out_at=clock.now())
    still_in = _woman(any_db, clock)
    nudge = _queue_for(any_db, clock, out, "ana", "reminder", purpose="nudge")
    reply = _queue_for(any_db, clock, out, "ana-2", "answer to her STOP")
    other = _queue_for(any_db, clock, still_in, "bea", "reminder", purpose="nudge")
    channel = FlakyChannel()
    delivery = Delivery(any_db, clock, [channel])
    asyncio.run(delivery.run_once())  # all three in one claim
    assert sorted(m.outbox_id for m in channel.outgoing) == [reply, other]
    with any_db.session() as session:
        rows = {i: session.get(OutboundMessage, i) for i in (nudge, reply, other)}
        assert (rows[nudge].status, rows[nudge].attempts) == (OutboxStatus.SKIPPED, 0)
        assert rows[reply].status == rows[other].status == OutboxStatus.SENT


def test_the_last_word_to_an_erased_woman_is_deleted_once_sent_and_only_hers(any_db, clock):
    erased = _woman(any_db, clock, erased_at=clock.now(), opted_out_at=clock.now())
    kept = _woman(any_db, clock)
    goodbye = _queue_for(any_db, clock, erased, "ana", "your data is erased")
    reply = _queue_for(any_db, clock, kept, "bea", "hello")
    channel = FlakyChannel()
    delivery = Delivery(any_db, clock, [channel])
    asyncio.run(delivery.drain())
    assert sorted(channel.sent) == [("ana", "your data is erased"), ("bea", "hello")]
    with any_db.session() as session:
        assert session.get(OutboundMessage, goodbye) is None
        assert session.get(OutboundMessage, reply).status == OutboxStatus.SENT
    assert delivery._last_words == set()


def test_a_woman_erased_after_the_claim_leaves_no_row_once_the_send_is_recorded(any_db, clock):
    her = _woman(any_db, clock)
    message_id = _queue_for(any_db, clock, her, "ana", "hello")
    delivery = Delivery(any_db, clock, [FlakyChannel()])
    assert [m.outbox_id for m in delivery._claim()] == [message_id]
    with any_db.session() as session:  # she erases her data while it is being sent
        participants.erase(session, session.get(Participant, her), now=clock.now())
    delivery._record_sent([(message_id, "id-1")])
    with any_db.session() as session:
        assert session.exec(select(OutboundMessage)).all() == []


def test_marking_sent_without_the_claims_knowledge_checks_erasure_itself(any_db, clock):
    erased = _woman(any_db, clock, erased_at=clock.now())
    kept = _woman(any_db, clock)
    goodbye = _queue_for(any_db, clock, erased, "ana", "your data is erased")
    reply = _queue_for(any_db, clock, kept, "bea", "hello")
    with any_db.session() as session:
        outbox.claim(session, now=clock.now(), limit=10)
    with any_db.session() as session:
        outbox.mark_sent_many(session, [(goodbye, "p1"), (reply, "p2")], now=clock.now())
    with any_db.session() as session:
        assert session.get(OutboundMessage, goodbye) is None
        row = session.get(OutboundMessage, reply)
        assert (row.status, row.platform_id, row.sent_at) == (OutboxStatus.SENT, "p2", clock.now())


def test_a_message_knows_when_she_last_wrote_on_its_address_whoever_it_is_for(any_db, clock):
    """Addresses are looked up by (channel, address): one of no one's messages finds its own,
    and the same address on another channel is not taken for it."""
    her = _woman(any_db, clock)
    seen = {
        ("console", "ana"): clock.now() - timedelta(hours=1),
        ("sms", "bea"): clock.now() - timedelta(hours=2),
        ("console", "bea"): clock.now() - timedelta(hours=3),
        ("sms", "ana"): clock.now() - timedelta(hours=4),
    }
    with any_db.session() as session:
        for (kind, address), at in seen.items():
            session.add(
                ChannelAddress(
                    participant_id=her,
                    channel=kind,
                    address=address,
                    last_inbound_at=at,
                    created_at=clock.now(),
                )
            )
    to_ana = _queue_for(any_db, clock, None, "ana", "hello")
    with any_db.session() as session:
        to_bea = outbox.enqueue(
            session,
            participant_id=her,
            channel="sms",
            address="bea",
            payload=Reply(_("hello")).to_json(),
            now=clock.now(),
        )
        session.flush()
        to_bea_id = to_bea.id
    to_nowhere = _queue_for(any_db, clock, None, "carla", "hello")
    channel = FlakyChannel()
    channel.kinds = ("console", "sms")
    claimed = {m.outbox_id: m for m in Delivery(any_db, clock, [channel])._claim()}
    assert claimed[to_ana].last_inbound_at == seen[("console", "ana")]
    assert claimed[to_bea_id].last_inbound_at == seen[("sms", "bea")]
    assert claimed[to_nowhere].last_inbound_at is None


def test_two_workers_never_claim_the_same_message(any_db, clock):
    for n in range(20):
        _queue(any_db, clock, f"woman-{n}", "hi")
    with any_db.session() as first, any_db.session() as second:
        a = outbox.claim(first, now=clock.now(), limit=15)
        if any_db.dialect == "postgresql":
            b = outbox.claim(second, now=clock.now(), limit=15)
            assert {m.id for m in a}.isdisjoint({m.id for m in b})
            assert len(a) + len(b) == 20
        else:
            assert len(a) == 15


def test_scheduled_bulk_does_not_hold_back_live_replies(db, clock):
    _queue(
        db,
        clock,
        "ana",
        "announcement at 10:00",
        Priority.BULK,
        not_before=clock.now() + timedelta(hours=5),
    )
    _queue(db, clock, "ana", "live reply")
    channel = FlakyChannel()
    asyncio.run(Delivery(db, clock, [channel]).drain())
    assert channel.sent == [("ana", "live reply")]


def test_a_live_question_held_for_quiet_hours_does_not_hold_back_a_later_live_reply(db, clock):
    _queue(db, clock, "ana", "introduction", not_before=clock.now() + timedelta(hours=10))
    _queue(db, clock, "ana", "answer to her help")
    channel = FlakyChannel()
    asyncio.run(Delivery(db, clock, [channel]).drain())
    assert channel.sent == [("ana", "answer to her help")]


def test_a_nudge_waiting_to_be_retried_does_not_hold_back_a_live_reply(db, clock):
    _queue(db, clock, "ana", "reminder", Priority.NUDGE)
    channel = FlakyChannel([SendError("500", retry_after=0)])
    delivery = Delivery(db, clock, [channel])
    asyncio.run(delivery.run_once())  # the reminder fails: retried after a backoff
    _queue(db, clock, "ana", "live reply")
    asyncio.run(delivery.drain())
    assert channel.sent == [("ana", "live reply")]


def test_a_live_reply_waiting_to_be_retried_keeps_the_next_one_behind_it(db, clock):
    _queue(db, clock, "ana", "first")
    channel = FlakyChannel([SendError("500", retry_after=0)])
    delivery = Delivery(db, clock, [channel])
    asyncio.run(delivery.run_once())
    _queue(db, clock, "ana", "second")
    asyncio.run(delivery.drain())
    assert channel.sent == []  # order first: "second" waits for "first"
    clock.advance(minutes=1)
    asyncio.run(delivery.drain())
    assert channel.sent == [("ana", "first"), ("ana", "second")]


def test_a_round_takes_only_a_second_of_bulk_so_live_replies_never_wait_long(db, clock):
    channel = FlakyChannel()
    channel.rate = 5.0
    for n in range(40):
        _queue(db, clock, f"member-{n}", "news", Priority.BULK)
    delivery = Delivery(db, clock, [channel])
    asyncio.run(delivery.run_once())
    assert len(channel.sent) == 5  # one second's worth at 5 messages/s
    _queue(db, clock, "ana", "live reply")
    asyncio.run(delivery.run_once())
    assert channel.sent[5] == ("ana", "live reply")


def test_an_outcome_is_recorded_even_through_a_short_database_outage(db, clock, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from bot import delivery as delivery_module

    monkeypatch.setattr(delivery_module.asyncio, "sleep", _no_sleep)
    message_id = _queue(db, clock, "ana", "hello")
    channel = FlakyChannel()
    delivery = Delivery(db, clock, [channel])
    real_record = delivery._record_sent
    outages = [OperationalError("UPDATE", {}, Exception("server closed the connection"))] * 2

    def flaky_record(*args):
        if outages:
            raise outages.pop()
        return real_record(*args)

    delivery._record_sent = flaky_record
    asyncio.run(delivery.run_once())
    assert channel.sent == [("ana", "hello")]
    with db.session() as session:
        assert session.get(OutboundMessage, message_id).status == OutboxStatus.SENT


async def _no_sleep(_seconds: float) -> None:
    return None


class StaggeredChannel(FlakyChannel):
    """Each send takes a little longer than the one before (a platform's answers spread out)."""

    started = 0

    async def send(self, message: Outgoing) -> str | None:
        self.started += 1
        await asyncio.sleep(0.001 * (self.started % 20))  # answers spread over 20 ms
        self.outgoing.append(message)
        self.sent.append((message.address, message.rendered.text))
        return f"id-{message.outbox_id}"


def test_sends_finishing_one_by_one_are_claimed_after_and_recorded_together(db, clock):
    """Under load the worker claimed and recorded once per message (a send finishing at a time);
    finished sends are now gathered for a moment, so a burst costs a few transactions."""
    for n in range(20):
        _queue(db, clock, f"woman-{n}", "hi")
        _queue(db, clock, f"woman-{n}", "and a follow-up")  # claimable once the first is sent
    channel = StaggeredChannel()
    delivery = Delivery(db, clock, [channel])
    counts = {"claims": 0, "records": 0}
    claim, record = delivery._claim, delivery._record_sent

    def counted_claim(*args):  # type: ignore[no-untyped-def]
        counts["claims"] += 1
        return claim(*args)

    def counted_record(*args):  # type: ignore[no-untyped-def]
        counts["records"] += 1
        return record(*args)

    delivery._claim, delivery._record_sent = counted_claim, counted_record  # type: ignore[method-assign]

    async def scenario() -> None:
        stop = asyncio.Event()
        worker = asyncio.create_task(delivery.run_forever(stop, idle=0.05))
        for _tick in range(500):
            if len(channel.sent) == 40:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await worker

    asyncio.run(scenario())
    assert len(channel.sent) == 40
    for n in range(20):  # order per address kept
        mine = [text for address, text in channel.sent if address == f"woman-{n}"]
        assert mine == ["hi", "and a follow-up"]
    # Without the gathering: 12-16 claims and 23-38 recordings (slower machines record more
    # often); with it, 2-3 claims and 11-20 recordings.
    assert counts["claims"] <= 6 and counts["records"] <= 24, counts


def test_the_claim_finds_her_messages_in_flight_without_walking_her_history(db, clock):
    """A year of sent messages to her must not slow the claim: the look-up keys on the status.
    Her row and her address, read with each message, are found by their keys too."""
    _queue(db, clock, "+1", "hello")
    with sqlite_plans(db, "earlier") as plans, db.session() as session:
        assert outbox.due(session, now=clock.now(), limit=10)
    lookups = [step for step in plans[0] if step.startswith("SEARCH earlier")]
    assert lookups and "status=?" in lookups[0], plans
    joined = [step for step in plans[0] if step.endswith("LEFT-JOIN")]
    assert [step.split()[:2] for step in joined] == [
        ["SEARCH", "participant"],
        ["SEARCH", "channeladdress"],
    ], plans


def test_one_payload_is_rendered_once_for_women_who_read_alike(db, clock, monkeypatch):
    """A broadcast's thousands of copies: rendered once per language (and country and zone)."""
    import bot.delivery as delivery_module
    from tests.support import programme

    readers: list[str] = []
    real = delivery_module.render
    monkeypatch.setattr(
        delivery_module,
        "render",
        lambda reply, reader: readers.append(reader.language) or real(reply, reader),
    )
    delivery_module.rendered.cache_clear()
    with db.session() as session:
        women = [
            programme.woman(session, f"w{n}", now=clock.now(), country=country)
            for n, country in enumerate(["SN", "SN", "SN", "BO", "BO"])
        ]
        her = [(woman.id, f"w{n}") for n, woman in enumerate(women)]
    for participant_id, address in her:
        _queue_for(db, clock, participant_id, address, "Reply with a number.")
    claimed = Delivery(db, clock, [FlakyChannel()])._claim()
    assert sorted(readers) == ["es", "fr"]
    texts = {message.address: message.rendered.text for message in claimed}
    assert texts == {
        "w0": "Répondez avec un numéro.",
        "w1": "Répondez avec un numéro.",
        "w2": "Répondez avec un numéro.",
        "w3": "Responda con un número.",
        "w4": "Responda con un número.",
    }


def test_her_own_messages_pass_through_and_the_common_ones_stay_kept(monkeypatch):
    """Her profile, with her name in it, is rendered once and never again; a common reply is
    rendered for thousands. Two thousand profiles passing through leave what is kept small
    (a cache sized for them held 5 MB), and the common reply stays kept among them."""
    import gc
    import tracemalloc

    import bot.delivery as delivery_module
    from flows.profile import summary
    from flows.render import Reader
    from storage import json_codec

    readers = [
        Reader("es", "BO", "America/La_Paz"),
        Reader("fr", "SN", "Africa/Dakar"),
        Reader("en", "CA", "America/Toronto"),
    ]
    common = json_codec.dumps(Reply(_("Reply with a number.")).to_json())

    def profile(n: int) -> str:
        her = Participant(
            name=f"Ana {n}",
            country="BO",
            region="El Alto",
            business_name=f"Tejidos {n}",
            sector="crafts",
            skills_offered=["sales", "networking"],
            skills_wanted=["export", "digital_marketing"],
            mentor_languages=["es", "qu"],
            availability=["wd_morning", "sat"],
        )
        return json_codec.dumps(Reply(summary(her)).to_json())

    for n, reader in enumerate(readers):  # the catalogs and each locale's data, loaded once
        delivery_module.rendered(profile(n), reader)
    commons: list[str] = []  # who the common reply was rendered for
    real = delivery_module.render

    def render(reply: Reply, reader: Reader) -> object:
        if reply.msg.msgid == "Reply with a number.":
            commons.append(reader.language)
        return real(reply, reader)

    monkeypatch.setattr(delivery_module, "render", render)
    delivery_module.rendered.cache_clear()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(2000):
            delivery_module.rendered(profile(n), readers[n % 3])
            delivery_module.rendered(common, readers[n % 3])
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        delivery_module.rendered.cache_clear()
    assert sorted(commons) == ["en", "es", "fr"]  # once per way of reading
    assert kept < 2_000_000
