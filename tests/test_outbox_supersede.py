"""The outbox's rule for "a newer message about the same replaces what still waits".

Only her messages about that subject go, and only those still pending, never tried and not yet
due (held for her quiet hours). Anyone else's, other subjects', and whatever was tried, sent or
is held for her reply, stay exactly as they were.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from flows.messages import Reply, _
from storage import outbox
from storage.models import OutboundMessage, OutboxStatus
from tests.support import programme
from tests.support.databases import sqlite_plans

MEETING = "pair:4/meeting:9"


def _queue(session, clock, woman, *, subject=None, later=True, **changes) -> int:  # type: ignore[no-untyped-def]
    """One message to `woman`, held until the morning (`later`) or due now."""
    row = outbox.enqueue(
        session,
        participant_id=woman.id,
        channel="console",
        address=f"addr-{woman.id}",
        payload=Reply(_("Help")).to_json(),
        now=clock.now(),
        purpose="session",
        not_before=clock.now() + timedelta(hours=10) if later else None,
        subject=subject,
    )
    for name, value in changes.items():
        setattr(row, name, value)
    session.flush()
    return row.id or 0


def _rows(db) -> dict[int, tuple]:  # type: ignore[no-untyped-def]
    """Every row's mutable fields, to compare before and after."""
    with db.session() as session:
        return {
            row.id: (
                row.status,
                row.attempts,
                row.error_code,
                row.error,
                row.platform_id,
                row.sent_at,
                row.next_attempt_at,
                row.subject,
            )
            for row in session.exec(select(OutboundMessage))
        }


def test_only_her_untried_waiting_messages_about_the_subject_are_dropped(any_db, clock):
    with any_db.session() as session:
        her = programme.woman(session, "awa", now=clock.now(), country="SN")
        other = programme.woman(session, "carmen", now=clock.now())
        dropped = _queue(session, clock, her, subject=MEETING)
        kept = {
            "due now": _queue(session, clock, her, subject=MEETING, later=False),
            "tried once": _queue(
                session, clock, her, subject=MEETING, attempts=1, error_code="429"
            ),
            "being sent": _queue(session, clock, her, subject=MEETING, status="sending"),
            "held for her reply": _queue(session, clock, her, subject=MEETING, status="held"),
            "another woman": _queue(session, clock, other, subject=MEETING),
            "another session": _queue(session, clock, her, subject="pair:4/meeting:10"),
            "the pair itself": _queue(session, clock, her, subject="pair:4"),
            "no subject": _queue(session, clock, her),
        }
    before = _rows(any_db)

    with any_db.session() as session:
        gone = outbox.supersede_about(
            session, participant_id=her.id, subject=MEETING, now=clock.now()
        )
    assert gone == [dropped]
    after = _rows(any_db)
    assert after[dropped][0] == OutboxStatus.SKIPPED and after[dropped][2] == "superseded"
    assert {why: after[row] for why, row in kept.items()} == {
        why: before[row] for why, row in kept.items()
    }


def test_a_pair_ended_drops_what_waits_about_its_sessions_too_and_nothing_of_other_pairs(
    any_db, clock
):
    with any_db.session() as session:
        her = programme.woman(session, "awa", now=clock.now(), country="SN")
        mine = [
            _queue(session, clock, her, subject="pair:4"),
            _queue(session, clock, her, subject="pair:4/meeting:9"),
            _queue(session, clock, her, subject="pair:4/meeting:12"),
        ]
        others = [
            _queue(session, clock, her, subject="pair:40"),  # "pair:4" is not its start
            _queue(session, clock, her, subject="pair:40/meeting:9"),
            _queue(session, clock, her, subject="pair:5/meeting:4"),
        ]
    before = _rows(any_db)
    with any_db.session() as session:
        # Without `within`, the pair's own notes only.
        assert outbox.supersede_about(
            session, participant_id=her.id, subject="pair:4", now=clock.now()
        ) == [mine[0]]
        gone = outbox.supersede_about(
            session, participant_id=her.id, subject="pair:4", now=clock.now(), within=True
        )
    assert sorted(gone) == mine[1:]
    after = _rows(any_db)
    assert all(after[row][0] == OutboxStatus.SKIPPED for row in mine)
    assert [after[row] for row in others] == [before[row] for row in others]


def test_a_message_already_sent_is_never_changed(any_db, clock):
    """Sent (its platform id and time recorded), then a newer message about the same: the sent
    row keeps every field, even when it had been held for her morning."""
    with any_db.session() as session:
        her = programme.woman(session, "awa", now=clock.now(), country="SN")
        sent = _queue(session, clock, her, subject=MEETING)
    clock.advance(timedelta(hours=10))
    with any_db.session() as session:
        assert [row.id for row in outbox.claim(session, now=clock.now(), limit=10)] == [sent]
    with any_db.session() as session:
        outbox.mark_sent(session, sent, platform_id="p-1", now=clock.now())
    with any_db.session() as session:  # rescheduled as if held again: still not to be touched
        row = session.get(OutboundMessage, sent)
        row.next_attempt_at = clock.now() + timedelta(hours=10)
    before = _rows(any_db)[sent]
    assert before[0] == OutboxStatus.SENT and before[4] == "p-1"
    with any_db.session() as session:
        gone = outbox.supersede_about(
            session, participant_id=her.id, subject=MEETING, now=clock.now(), within=True
        )
    assert gone == []
    assert _rows(any_db)[sent] == before


def test_the_look_up_uses_her_subjects_not_her_whole_history(db, clock):
    with db.session() as session:
        her = programme.woman(session, "awa", now=clock.now(), country="SN")
        _queue(session, clock, her, subject=MEETING)
    with sqlite_plans(db, "RETURNING") as plans, db.session() as session:
        outbox.supersede_about(
            session, participant_id=her.id, subject="pair:4", now=clock.now(), within=True
        )
    assert any("ix_outbox_subject" in step for step in plans[0]), plans


def test_what_reached_her_since_a_moment(any_db, clock):
    """`reached_since`: None unless she was told at that moment; False while all of it waits
    or was dropped unsent; True once any of it was asked in her conversation (`said_live`)."""
    with any_db.session() as session:
        her = programme.woman(session, "awa", now=clock.now(), country="SN")
        _queue(session, clock, her, subject=MEETING, later=False, status="sent")
        clock.advance(timedelta(minutes=5))
        since = clock.now()

        def reached() -> bool | None:
            return outbox.reached_since(
                session, participant_id=her.id, subject=MEETING, since=since, now=clock.now()
            )

        assert reached() is None  # what she read before `since` is not what began then
        _queue(session, clock, her, subject=MEETING)
        _queue(session, clock, her, subject="pair:4/meeting:10", later=False, status="sent")
        assert reached() is False  # held for her morning; another session's note is not it
        outbox.supersede_about(session, participant_id=her.id, subject=MEETING, now=since)
        asked = _queue(session, clock, her, subject=MEETING)
        assert reached() is False  # the first dropped unsent, the second still waiting
        outbox.supersede(session, [asked], code=outbox.SAID_LIVE)
        assert reached() is True


def test_a_message_due_now_has_reached_her(any_db, clock):
    """Due (in her hands any second, never dropped): that counts as told."""
    with any_db.session() as session:
        her = programme.woman(session, "awa", now=clock.now(), country="SN")
        _queue(session, clock, her, subject=MEETING, later=False)
        assert outbox.reached_since(
            session, participant_id=her.id, subject=MEETING, since=clock.now(), now=clock.now()
        )
