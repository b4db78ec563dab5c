"""The coordinator commands in chat follow the console's roles and scopes: a viewer changes
nothing, a coordinator scoped to Senegal reads, writes to and matches Senegal only, and only an
admin of the whole programme manages coordinators. Checked on every message, mid-command too."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.app import App, build
from flows import broadcasts, console_auth, match_review
from flows import coordinator_chat as chat
from flows.coordination import Actor
from flows.matching import service
from flows.messages import Msg
from flows.render import Reader, render_msg
from flows.scope import scope_of
from storage import coordination as store
from storage.coordination import AuditEntry, Broadcast
from storage.models import OutboundMessage, Participant
from storage.pairs import Pair
from tests.support import programme
from tests.support.dialog import Person
from tests.support.pairing import add_woman, cohort_of_four

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
# Two Senegalese women who suit each other (modelled on Awa and Emily), for a Senegal cohort.
DAKAR = {
    "awa": dict(address="mariama"),
    "emily": dict(
        address="ndeye",
        country="SN",
        locale="fr",
        region="Dakar",
        timezone="Africa/Dakar",
        availability=["wd_afternoon"],
        mentor_languages=["fr", "en"],
    ),
}


@pytest.fixture
def world(settings, db, clock, recorder):  # type: ignore[no-untyped-def]
    """Amina (settings: an admin of everything); Vic, a viewer, and Sadio, a coordinator, both
    limited to Senegal; a mixed cohort (Bolivia, Senegal, Canada), a Senegal cohort whose two
    women can be paired, a pair at risk in Senegal and in Bolivia, an announcement to Bolivia."""
    clock.set(NOW)
    app = build(
        settings.model_copy(update={"coordinators": ["console:amina"]}),
        channels=[recorder],
        clock=clock,
        db=db,
    )
    now = clock.now()
    ids: dict[str, int] = {}
    public: dict[str, str] = {}
    with db.session() as s:
        mixed, _four = cohort_of_four(s, now)
        dakar = service.create_cohort(
            s, "Dakar", modes=service.parse_modes("national"), code="DAKAR", now=now
        )
        for key, changes in DAKAR.items():
            woman = add_woman(s, key, now, **changes)
            service.add_member(s, dakar, woman.id or 0, now=now)
        fatou, khady = (
            programme.woman(s, f"sn{i}", now=now, country="SN", name=name)
            for i, name in enumerate(["Fatou", "Khady"])
        )
        rosa, lidia = (
            programme.woman(s, f"bo{i}", now=now, country="BO", name=name)
            for i, name in enumerate(["Rosa", "Lidia"])
        )
        sn_pair = programme.pair(
            s, programme.cohort(s, "Thies", [fatou, khady], now=now), fatou, khady, now=now
        )
        programme.pair(
            s, programme.cohort(s, "Oruro", [rosa, lidia], now=now), rosa, lidia, now=now
        )
        operator = Actor.operator("test")
        to_bolivia = broadcasts.draft(
            s,
            app.engine.config,
            operator,
            audience=broadcasts.Audience(countries=("BO",)),
            texts={"es": "Feria el sábado"},
            now=now,
        )
        broadcasts.send(s, app.engine.config, operator, to_bolivia, now=now)
        programme.woman(s, "amina", now=now, country="SN", locale="fr")
        ids.update(
            mixed=mixed.id or 0,
            dakar=dakar.id or 0,
            sn_pair=sn_pair.id or 0,
            to_bolivia=to_bolivia.id or 0,
        )
        public.update(fatou=fatou.public_id, rosa=rosa.public_id, lidia=lidia.public_id)
        s.commit()
    return app, ids, public


def _coordinator(app: App, address: str, role: str, locale: str) -> tuple[Person, int, int]:
    """A Senegalese woman made a coordinator of `role` limited to Senegal: her chat, her id and
    her coordinator row's id."""
    with app.db.session() as s:
        person = programme.woman(s, address, now=app.clock.now(), country="SN", locale=locale)
        row = store.Coordinator(
            participant_id=person.id,
            added_by="operator:test",
            added_at=app.clock.now(),
            role=role,
            countries=["SN"],
        )
        s.add(row)
        s.flush()
        found = (person.id or 0, row.id or 0)
    return Person(app, address), *found


def _say(msg: Msg, locale: str, **params: object) -> str:
    """A message as she reads it."""
    return render_msg(Msg(msg.msgid, dict(params), msg.plural, msg.n), Reader(locale, "SN"))


def _rows(app: App) -> list[tuple[int | None, str | None, str | None, object]]:
    with app.db.session() as s:
        return [
            (r.participant_id, r.address, r.role, r.removed_at)
            for r in s.exec(select(store.Coordinator).order_by(col(store.Coordinator.id)))
        ]


def _senegal(app: App) -> int:
    with app.db.session() as s:
        return len(scope_of(s, ["SN"]).women or ())


def _participants(text: str) -> int:
    found = re.search(r"Participant\w*\s?:\s*(\d+)", text)
    assert found, text
    return int(found.group(1))


def _reads_senegal_only(
    app: App,
    ids: dict[str, int],
    public: dict[str, str],
    who: Person,
    locale: str,
    *,
    named: bool,
) -> None:
    who.says("/stats")
    assert _participants(who.text) == _senegal(app)
    who.says("/atrisk")
    listed = [int(re.findall(r"\d+", line)[0]) for line in who.text.splitlines()[1:]]
    assert listed == [ids["sn_pair"]], who.text  # the Senegal pair only
    for bolivian in ("Rosa", "Lidia", public["rosa"], public["lidia"]):
        assert bolivian not in who.text
    # A viewer reads public ids only, a coordinator the names.
    assert ("Fatou" in who.text) is named and (public["fatou"] in who.text) is not named, who.text
    who.says("/progress")
    assert who.text == _say(chat.NO_BROADCAST, locale), who.text
    # Bolivia's, named: the answer a number that does not exist gets.
    who.says(f"/progress {ids['to_bolivia']}")
    assert who.text == _say(broadcasts.NOT_FOUND, locale, number=ids["to_bolivia"]), who.text


def _cannot_manage(app: App, who: Person, own_id: int, locale: str) -> None:
    before = _rows(app)
    for attempt in (
        "/coordinators add console:Evil1",
        f"/coordinators add participant:{own_id}",
        "/coordinators remove console:amina",
        "/coordinators",
    ):
        who.says(attempt)
        assert who.text == _say(chat.ADMINS_ONLY, locale), (attempt, who.text)
    assert _rows(app) == before
    # The settings' admin is still one.
    assert "/atrisk" in Person(app, "amina").says("/stats")[0]


def _nothing_proposed(app: App, cohort_id: int) -> None:
    with app.db.session() as s:
        assert not s.exec(select(Pair).where(Pair.cohort_id == cohort_id)).all()


@pytest.mark.parametrize("locale", ["es", "fr"])
def test_a_viewer_reads_her_scope_and_changes_nothing(world, locale):  # type: ignore[no-untyped-def]
    app, ids, public = world
    vic, vic_id, _row = _coordinator(app, "vic", "viewer", locale)
    _reads_senegal_only(app, ids, public, vic, locale, named=False)
    _cannot_manage(app, vic, vic_id, locale)
    refusal = _say(chat.READ_ONLY, locale)
    for attempt in ("/broadcast", "/retry", f"/retry {ids['to_bolivia']}", "/match Pilote 2026"):
        vic.says(attempt)
        assert vic.text == refusal, (attempt, vic.text)
    vic.says("1")  # as if "Everyone" had been offered
    _nothing_proposed(app, ids["mixed"])
    with app.db.session() as s:
        assert [b.id for b in s.exec(select(Broadcast))] == [ids["to_bolivia"]]
        refused = {e.action for e in s.exec(select(AuditEntry)) if not e.allowed}
    assert {"refused:chat_broadcast", "refused:chat_coordinators", "refused:chat_match"} <= refused
    # The menu does not offer her the matching review either.
    vic.says("menu")
    assert _say(match_review.MENU_REVIEW, locale) not in vic.text


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_a_scoped_coordinator_acts_within_senegal_only(world, locale):  # type: ignore[no-untyped-def]
    app, ids, public = world
    sadio, sadio_id, _row = _coordinator(app, "sadio", "coordinator", locale)
    _reads_senegal_only(app, ids, public, sadio, locale, named=True)
    _cannot_manage(app, sadio, sadio_id, locale)

    # "Everyone" is everyone she coordinates; the countries offered are hers.
    sadio.says("/broadcast")
    sadio.says("2")
    assert "Senegal" in sadio.text or "Sénégal" in sadio.text
    assert "Bolivia" not in sadio.text and "Bolivie" not in sadio.text
    sadio.says("2")  # Cancel (the only other option)
    assert _say(chat.CANCELLED, locale) in sadio.text
    sadio.says("/broadcast")
    sadio.says("1")  # Everyone
    while _say(chat.ASK_WHEN, locale) not in sadio.text:
        assert sadio.says("Bonjour")
    sadio.says("1")  # now
    sadio.says("1")  # send
    with app.db.session() as s:
        sent = s.exec(select(Broadcast).order_by(col(Broadcast.id).desc())).first()
        assert sent is not None and sent.id != ids["to_bolivia"]
        assert sent.audience == {"countries": ["SN"], "onboarded": True}
        reached = {
            s.get(Participant, row.participant_id).country  # type: ignore[union-attr]
            for row in s.exec(
                select(OutboundMessage).where(OutboundMessage.broadcast_id == sent.id)
            )
        }
    assert reached == {"SN"}
    sadio.says("/progress")
    assert str(sent.id) in sadio.text

    # A cohort with women of other countries is not hers to match; a Senegal one is.
    sadio.says("/match Pilote 2026")
    assert sadio.text.startswith(_say(match_review.NOT_YOURS, locale)), sadio.text
    _nothing_proposed(app, ids["mixed"])
    sadio.says("/match Dakar")
    assert _say(match_review.ASK_PUBLISH, locale) in sadio.text
    sadio.says("1")
    with app.db.session() as s:
        published = s.exec(select(Pair).where(Pair.cohort_id == ids["dakar"])).all()
    assert published and all(p.introduced_at is not None for p in published)


def test_a_coordinator_demoted_mid_command_cannot_finish(world):  # type: ignore[no-untyped-def]
    app, ids, public = world
    sadio, _id, row = _coordinator(app, "sadio", "coordinator", "fr")

    def demote() -> None:
        with app.db.session() as s:
            console_auth.set_role(
                s, Actor.operator("t"), row, "viewer", ["SN"], now=app.clock.now()
            )

    sadio.says("/match Dakar")
    assert _say(match_review.ASK_PUBLISH, "fr") in sadio.text
    demote()
    sadio.says("1")  # "Yes, send them"
    with app.db.session() as s:
        assert all(
            p.introduced_at is None
            for p in s.exec(select(Pair).where(Pair.cohort_id == ids["dakar"]))
        )
    assert _say(chat.READ_ONLY, "fr") in sadio.text

    with app.db.session() as s:  # a coordinator again, then demoted half-way through a broadcast
        console_auth.set_role(
            s, Actor.operator("t"), row, "coordinator", ["SN"], now=app.clock.now()
        )
    sadio.says("/broadcast")
    sadio.says("1")
    demote()
    refusal = "\n".join(sadio.says("Bonjour"))
    sadio.says("1")  # "Now", had the text been taken
    sadio.says("1")  # "Send"
    with app.db.session() as s:
        assert [b.id for b in s.exec(select(Broadcast))] == [ids["to_bolivia"]]
    assert _say(chat.READ_ONLY, "fr") in refusal


def test_an_admin_of_everything_still_manages_coordinators(world):  # type: ignore[no-untyped-def]
    app, _ids, _public = world
    amina = Person(app, "amina")
    amina.says("/coordinators add console:newcomer")
    assert "console:newcomer" in amina.text
    with app.db.session() as s:
        added = s.exec(
            select(store.Coordinator).where(store.Coordinator.address == "newcomer")
        ).one()
    # Never wider than hers: a coordinator (not an admin), and no wider than the whole programme.
    assert added.role == "coordinator" and not added.countries and not added.cohorts
    amina.says("/stats")
    with app.db.session() as s:
        everyone = len(list(s.exec(select(Participant))))
    assert _participants(amina.text) == everyone


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_commands_lists_what_her_role_and_scope_allow(world, locale):  # type: ignore[no-untyped-def]
    app, _ids, _public = world
    vic, _vic_id, _row = _coordinator(app, "vic", "viewer", locale)
    sadio, _sadio_id, _row = _coordinator(app, "sadio", "coordinator", locale)
    lines = {name: _say(line, locale) for name, line in chat.COMMAND_LINES.items()}
    for person, allowed in (
        (vic, {"stats", "atrisk", "progress"}),
        (sadio, {"stats", "atrisk", "progress", "broadcast", "retry", "match"}),
    ):
        listed = person.says("/commands")[0]
        assert _say(chat.COMMANDS_TITLE, locale) in listed
        assert {name for name, line in lines.items() if line in listed} == allowed
    admin = Person(app, "amina").says("/commands")[0]
    assert len(admin.splitlines()) == 1 + len(chat.COMMAND_LINES)  # every command
