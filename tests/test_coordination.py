"""Coordinator roles: who may act, on every channel and every call, and the audit log of it."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlmodel import select

from bot.app import App, build
from bot.settings import Settings
from flows import broadcasts, reports
from flows import coordination as roles
from flows.coordination import Actor, NotAllowed
from flows.messages import ChannelKind, Inbound
from storage.coordination import AuditEntry
from storage.db import Database
from storage.models import Participant
from tests.support import programme

_keys = itertools.count()


@pytest.fixture
def coordinated(tmp_path, db: Database, clock) -> tuple[App, programme.RecordingAll]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        coordinators="telegram:111, +59170000001",
    )
    channel = programme.RecordingAll()
    return build(settings, channels=[channel], clock=clock, db=db), channel


def says(app: App, channel: programme.RecordingAll, kind: str, address: str, text: str) -> str:
    before = len(channel.by_address[address])
    app.engine.handle(
        Inbound(
            channel=ChannelKind(kind),
            address=address,
            text=text,
            platform_key=f"k{next(_keys)}",
        )
    )
    asyncio.run(app.delivery.drain())
    return "\n---\n".join(channel.by_address[address][before:])


def audit(db: Database) -> list[AuditEntry]:
    with db.session() as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))


def place(app: App, person: Participant, step: tuple[str, str]) -> None:
    """Put her back on a step, so two messages can be compared from the same place."""
    from storage import conversations

    with app.db.session() as s:
        conversations.save(
            s,
            participant_id=person.id or 0,
            flow=step[0],
            step=step[1],
            data={},
            offered=[],
            now=app.clock.now(),
        )


def people(app: App, clock) -> dict[str, Participant]:
    now = clock.now()
    with app.db.session() as s:
        return {
            "tg_coord": programme.woman(s, "111", now=now, channel="telegram", country="SN"),
            "wa_coord": programme.woman(s, "+59170000001", now=now, channel="whatsapp"),
            "tg_woman": programme.woman(s, "222", now=now, channel="telegram", country="CA"),
            "wa_woman": programme.woman(
                s, "+22177000002", now=now, channel="whatsapp", country="SN"
            ),
            "sms_woman": programme.woman(s, "+59170000003", now=now, channel="sms"),
            "console_woman": programme.woman(s, "ana", now=now, channel="console", country="CA"),
            "onboarding": programme.woman(
                s,
                "+15145550004",
                now=now,
                channel="sms",
                country="CA",
                onboarded=False,
                step=("onboarding", "sector"),
            ),
        }


def test_settings_name_coordinators_by_channel_address_or_bare_phone(coordinated, clock):
    app, _channel = coordinated
    found = people(app, clock)
    with app.db.session() as s:
        config = app.engine.config
        assert roles.is_coordinator(s, config, Actor.chat(found["tg_coord"]))
        assert roles.is_coordinator(s, config, Actor.chat(found["wa_coord"]))
        for name in ("tg_woman", "wa_woman", "sms_woman", "console_woman"):
            assert not roles.is_coordinator(s, config, Actor.chat(found[name]))
        assert sorted(roles.coordinator_ids(s, config)) == sorted(
            [found["tg_coord"].id, found["wa_coord"].id]
        )
    # The alerts module asks the same question.
    from flows.alerts import coordinator_ids

    with app.db.session() as s:
        assert set(coordinator_ids(s, app.engine.config)) == {
            found["tg_coord"].id,
            found["wa_coord"].id,
        }


@pytest.mark.parametrize(
    ("who", "kind", "address"),
    [
        ("tg_woman", "telegram", "222"),
        ("wa_woman", "whatsapp", "+22177000002"),
        ("sms_woman", "sms", "+59170000003"),
        ("console_woman", "console", "ana"),
        ("onboarding", "sms", "+15145550004"),
    ],
)
@pytest.mark.parametrize(
    "attempt", ["/stats", "/atrisk", "/broadcast", "/progress", "/retry", "/coordinators add 222"]
)
def test_a_participant_trying_a_command_gets_the_unknown_word_reply(
    coordinated, clock, who, kind, address, attempt
):
    app, channel = coordinated
    found = people(app, clock)
    step = ("onboarding", "sector") if who == "onboarding" else ("home", "idle")
    place(app, found[who], step)
    unknown = says(app, channel, kind, address, "/zzzz")
    place(app, found[who], step)
    tried = says(app, channel, kind, address, attempt)
    assert tried == unknown and tried  # the same re-ask, word for word
    entries = [e for e in audit(app.db) if not e.allowed]
    assert entries and entries[-1].action.startswith("refused:chat_")
    with app.db.session() as s:
        assert len(roles.coordinator_ids(s, app.engine.config)) == 2  # nobody was added


def test_a_coordinator_gets_stats_and_at_risk_in_her_own_language(coordinated, clock):
    app, channel = coordinated
    found = people(app, clock)
    with app.db.session() as s:
        group = programme.cohort(s, "Ola 1", list(found.values()), now=clock.now())
        programme.pair(s, group, found["tg_woman"], found["sms_woman"], now=clock.now())
    stats = says(app, channel, "telegram", "111", "/stats")  # she reads French
    assert "Binômes actifs\u00a0: 1" in stats, stats
    risky = says(app, channel, "whatsapp", "+59170000001", "/atrisk")  # she reads Spanish
    assert "sin sesión desde hace 30 días" in risky, risky
    actions = [e.action for e in audit(app.db) if e.allowed]
    assert "chat_stats" in actions and "chat_atrisk" in actions


TOO_FEW_RATINGS = {
    "en": "Average session rating: too few women to show (under 5)",
    "es": "muy pocas mujeres para mostrarla (menos de 5)",
    "fr": "trop peu de femmes pour l'afficher (moins de 5)",
}


def test_stats_give_no_average_rating_of_fewer_than_five_women(coordinated, clock):
    """Two women rated their session, 5 and 1: "3.0/5" would tell the one who gave 5 that the
    other gave 1. Each coordinator reads, in her language, that there are too few to show."""
    from datetime import timedelta

    app, channel = coordinated
    found = people(app, clock)
    now = clock.now()
    with app.db.session() as s:
        group = programme.cohort(s, "Ola 1", list(found.values()), now=now)
        pair = programme.pair(s, group, found["tg_woman"], found["sms_woman"], now=now)
        held = programme.meeting(s, pair, now - timedelta(days=3))
        for woman, rating in (("tg_woman", 5), ("sms_woman", 1)):
            programme.checkin(s, pair, found[woman], held.id, rating, at=now - timedelta(days=2))
    says(app, channel, "telegram", "111", "/coordinators add telegram:222")
    for kind, address, language in (
        ("telegram", "222", "en"),
        ("telegram", "111", "fr"),
        ("whatsapp", "+59170000001", "es"),
    ):
        stats = says(app, channel, kind, address, "/stats")
        assert TOO_FEW_RATINGS[language] in stats and "/5" not in stats, stats


def test_coordinators_add_and_remove_each_other_in_chat(coordinated, clock):
    app, channel = coordinated
    people(app, clock)
    assert "Binômes actifs" not in says(app, channel, "telegram", "222", "/stats")
    added = says(app, channel, "telegram", "111", "/coordinators add telegram:222")
    assert "telegram:222" in added
    assert "Active pairs" in says(app, channel, "telegram", "222", "/stats")
    # The new coordinator (not an admin) may not remove anyone; the settings' admin may.
    refused = says(app, channel, "telegram", "222", "/coordinators remove +59170000001")
    assert "only an administrator" in refused, refused
    assert "El programa hoy" in says(app, channel, "whatsapp", "+59170000001", "/stats")
    # An admin removes a coordinator named in the settings; it holds.
    says(app, channel, "telegram", "111", "/coordinators remove +59170000001")
    assert "El programa hoy" not in says(app, channel, "whatsapp", "+59170000001", "/stats")
    listed = says(app, channel, "telegram", "111", "/coordinators")
    assert "telegram:111" in listed and "telegram:222" in listed and "+59170000001" not in listed
    actions = [e.action for e in audit(app.db) if e.allowed]
    assert {"coordinator_added", "coordinator_removed", "chat_coordinators"} <= set(actions)
    # The log names ids, never a phone number.
    assert all("+591" not in str(e.details) for e in audit(app.db))


def test_a_coordinator_removed_mid_broadcast_cannot_finish_it(coordinated, clock):
    app, channel = coordinated
    people(app, clock)
    says(app, channel, "telegram", "111", "/coordinators add telegram:222")
    assert "1." in says(app, channel, "telegram", "222", "/broadcast")
    says(app, channel, "telegram", "111", "/coordinators remove telegram:222")
    after = says(app, channel, "telegram", "222", "1")  # "Everyone"
    assert after.startswith("What would you like to do?"), after  # the menu, nothing more
    with app.db.session() as s:
        assert broadcasts.latest(s) is None


def test_functions_refuse_a_non_coordinator_and_log_it(coordinated, clock):
    app, _channel = coordinated
    found = people(app, clock)
    config, now = app.engine.config, clock.now()
    intruder = Actor.chat(found["wa_woman"])
    with pytest.raises(NotAllowed):
        roles.require(app.db, config, intruder, "report", now=now)
    with pytest.raises(NotAllowed):
        roles.require(app.db, config, intruder, "export", now=now)
    with app.db.session() as s, pytest.raises(NotAllowed):
        broadcasts.draft(
            s, config, intruder, audience=broadcasts.Audience(), texts={"es": "Hola"}, now=now
        )
    with app.db.session() as s, pytest.raises(NotAllowed):
        roles.add(s, config, intruder, "telegram:222", now=now)
    refused = [e for e in audit(app.db) if not e.allowed]
    assert [e.action for e in refused][:2] == ["refused:report", "refused:export"]
    assert all(e.actor == f"participant:{found['wa_woman'].id}" for e in refused)
    # And the coordinator's report works.
    roles.require(app.db, config, Actor.chat(found["tg_coord"]), "report", now=now)
    with app.db.session() as s:
        assert reports.build(s, now=now).funnel["invited"] == len(found)


def test_operators_are_allowed_and_logged(coordinated, clock):
    app, _channel = coordinated
    config, now = app.engine.config, clock.now()
    operator = Actor.operator("ana")
    with app.db.session() as s:
        roles.add(s, config, operator, "whatsapp:+221 77 000 00 09", now=now)
    with app.db.session() as s:
        listed = roles.listing(s, config, operator, now=now)
    assert {item.identity for item in listed} == {
        "telegram:111",
        "+59170000001",
        "whatsapp:+221770000009",
    }
    with app.db.session() as s:
        assert roles.remove(s, config, operator, "whatsapp:+221770000009", now=now) == 1
    actions = [(e.actor, e.action) for e in audit(app.db)]
    assert ("operator:ana", "coordinator_added") in actions
    assert ("operator:ana", "coordinator_removed") in actions
    with pytest.raises(ValueError):
        roles.parse_identity("fax:123")


def test_the_coordinators_read_for_a_batch_follow_changes_made_in_it(coordinated, clock):
    """The menu asks "is she a coordinator?" for every message of an inbox batch: the rows are
    read once per transaction, and a coordinator added or removed in it is seen at once."""
    app, _channel = coordinated
    women = people(app, clock)
    config = app.engine.config
    operator = Actor.operator("test")
    woman = women["tg_woman"].id
    with app.db.session() as s:
        assert woman not in roles.coordinator_ids(s, config)
        roles.add(s, config, operator, f"participant:{woman}", now=clock.now())
        assert woman in roles.coordinator_ids(s, config)
        roles.remove(s, config, operator, f"participant:{woman}", now=clock.now())
        assert woman not in roles.coordinator_ids(s, config)
        s.commit()
        with app.db.session() as other:  # committed elsewhere: seen in the next transaction
            roles.add(other, config, operator, f"participant:{woman}", now=clock.now())
            other.commit()
        assert woman in roles.coordinator_ids(s, config)
