"""The pair lifecycle: allowed moves, who and when, one live pair per woman, pause and new match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from flows import pair_lifecycle as lifecycle
from flows.checkin import on_pair_activated
from flows.introductions import publish_cohort
from flows.matching import service
from flows.nudges import dispatch_due
from storage.meetings import Meeting, MeetingStatus
from storage.models import Participant
from storage.nudges import Nudge, NudgeStatus
from storage.pairs import Pair, PairStatus, PairView, live_pair_views, prefetch_live_views
from tests.support.dialog import Person
from tests.support.pairing import cohort_of_four, drain, pair_between
from tests.support.sessions import AWA, CARMEN, JULIE, Member, active_pair, add_woman

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def _proposed(session, now=NOW):
    cohort, women = cohort_of_four(session, now)
    service.run(session, cohort, now=now, actor="coordinator:test")
    return cohort, women, pair_between(session, women["carmen"], women["julie"])


def test_moves_are_checked_stamped_and_recorded(db):
    with db.session() as session:
        _cohort, women, pair = _proposed(session)
        with pytest.raises(lifecycle.TransitionError):
            lifecycle.move(session, pair, PairStatus.ACTIVE, actor="system", now=NOW)
        lifecycle.publish(session, pair, actor="coordinator:7", now=NOW)
        assert pair.status == PairStatus.INTRODUCED and pair.introduced_at == NOW
        assert pair.respond_by == NOW + lifecycle.RESPOND_WITHIN
        first = lifecycle.respond(session, pair, pair.a_id, accept=True, now=NOW)
        assert first.result is lifecycle.Answered.WAITING
        again = lifecycle.respond(session, pair, pair.a_id, accept=False, now=NOW)
        assert again.result is lifecycle.Answered.CLOSED  # one answer each, no changing sides
        second = lifecycle.respond(session, pair, pair.b_id, accept=True, now=NOW)
        assert second.result is lifecycle.Answered.ACTIVE and pair.active_at == NOW
        lifecycle.pause(session, pair, actor=f"participant:{pair.a_id}", now=NOW)
        lifecycle.resume(session, pair, actor=f"participant:{pair.b_id}", now=NOW)
        lifecycle.end(session, pair, actor="coordinator:7", now=NOW, reason="moved abroad")
        assert (pair.status, pair.ended_by, pair.end_reason) == (
            PairStatus.ENDED,
            "coordinator:7",
            "moved abroad",
        )
        with pytest.raises(lifecycle.TransitionError):
            lifecycle.resume(session, pair, actor="system", now=NOW)
        steps = [(e.from_status, e.to_status, e.actor) for e in lifecycle.history(session, pair.id)]
        assert steps == [
            (None, "proposed", "coordinator:test"),
            ("proposed", "introduced", "coordinator:7"),
            ("introduced", "introduced", f"participant:{pair.a_id}"),
            ("introduced", "active", f"participant:{pair.b_id}"),
            ("active", "paused", f"participant:{pair.a_id}"),
            ("paused", "active", f"participant:{pair.b_id}"),
            ("active", "ended", "coordinator:7"),
        ]
        assert all(e.at == NOW for e in lifecycle.history(session, pair.id))


def test_one_live_pair_per_woman_unless_the_cohort_allows_more(db):
    with db.session() as session:
        cohort, women, pair = _proposed(session)
        lifecycle.publish(session, pair, actor="coordinator:7", now=NOW)
        carmen, emily = women["carmen"], women["emily"]
        extra = Pair(cohort_id=cohort.id, a_id=min(carmen.id, emily.id),
                     b_id=max(carmen.id, emily.id), proposed_at=NOW)  # fmt: skip
        session.add(extra)
        session.flush()
        with pytest.raises(lifecycle.CapacityError):
            lifecycle.publish(session, extra, actor="coordinator:7", now=NOW)
        # Carmen is left out of the next run: she already has a pair.
        found = service.pool(session, cohort)
        assert carmen.id not in {p.id for p in found.profiles}
        cohort.max_active_pairs = 2
        lifecycle.publish(session, extra, actor="coordinator:7", now=NOW)
        assert len(lifecycle.live_pairs(session, carmen.id)) == 2


def test_the_menus_light_views_are_her_live_pairs_with_changes_not_yet_flushed(any_db):
    """The menu reads her pairs in Core (PairView): the same pairs, in the same order, as the
    ORM's `live_pairs`, including a move the ORM has not flushed yet."""
    with any_db.session() as session:
        cohort, women, pair = _proposed(session)
        carmen, emily = women["carmen"], women["emily"]
        cohort.max_active_pairs = 2
        lifecycle.publish(session, pair, actor="coordinator:7", now=NOW)
        extra = Pair(cohort_id=cohort.id, a_id=min(carmen.id, emily.id),
                     b_id=max(carmen.id, emily.id), proposed_at=NOW)  # fmt: skip
        session.add(extra)
        session.flush()
        lifecycle.publish(session, extra, actor="coordinator:7", now=NOW)
        lifecycle.respond(session, extra, carmen.id, accept=True, now=NOW)
        lifecycle.respond(session, extra, emily.id, accept=True, now=NOW)
        lifecycle.pause(session, extra, actor=f"participant:{carmen.id}", now=NOW)  # not flushed
        views = live_pair_views(session, carmen.id)
        assert all(isinstance(view, PairView) for view in views)
        orm = lifecycle.live_pairs(session, carmen.id)
        assert [(v.id, v.status, v.peer_of(carmen.id)) for v in views] == [
            (p.id, p.status, p.peer_of(carmen.id)) for p in orm
        ]
        assert [v.status for v in views] == [PairStatus.PAUSED, PairStatus.INTRODUCED]
        assert views[0].response_of(carmen.id) == "accepted"


def test_a_batch_reads_its_womens_pairs_once_and_follows_its_own_moves(any_db):
    """The inbox batch reads its women's live pairs in one SELECT; a pair moved in the batch
    forgets them, so the next menu reads hers again."""
    with any_db.session() as session:
        _cohort, women, pair = _proposed(session)
        carmen, julie, emily = women["carmen"], women["julie"], women["emily"]
        lifecycle.publish(session, pair, actor="coordinator:7", now=NOW)
        session.commit()
        prefetch_live_views(session, [carmen.id, emily.id])
        assert [v.id for v in live_pair_views(session, carmen.id)] == [pair.id]
        assert live_pair_views(session, emily.id) == []
        lifecycle.respond(session, pair, carmen.id, accept=True, now=NOW)
        lifecycle.respond(session, pair, julie.id, accept=True, now=NOW)  # now active
        assert [v.status for v in live_pair_views(session, carmen.id)] == [PairStatus.ACTIVE]


def _active_pair(app, clock):
    clock.set(NOW)
    with app.db.session() as session:
        cohort, women = cohort_of_four(session, NOW)
        service.run(session, cohort, now=NOW, actor="coordinator:test")
        publish_cohort(session, cohort, now=NOW, actor="coordinator:test", config=app.engine.config)
        ids = {key: woman.id for key, woman in women.items()}
    drain(app)
    people = {key: Person(app, key) for key in ids}
    people["carmen"].says("1")
    people["julie"].says("1")
    return ids, people


def test_pause_and_restart_from_the_menu_tell_the_peer(app, clock, recorder):
    """Only the woman who paused restarts the pair; her peer is told who can."""
    ids, people = _active_pair(app, clock)
    carmen, julie = people["carmen"], people["julie"]
    carmen.says("menú")
    carmen.expect("Pausar mi intercambio", "Pedir una nueva compañera")
    carmen.says("Pausar mi intercambio")
    carmen.expect("¿Pausar su intercambio con Julie?")
    carmen.says("1")
    carmen.expect("Su intercambio con Julie está en pausa", "«Retomar mi intercambio»")
    drain(app)
    told = recorder.by_address["julie"][-1]
    assert "Carmen a mis votre binôme en pause" in told
    assert "Elle ou la coordination peuvent le reprendre" in told
    menu = "\n".join(julie.says("menu"))
    assert "Reprendre mon binôme" not in menu and "Mon binôme en pause" in menu
    julie.says("Mon binôme en pause")
    julie.expect("Votre binôme avec Carmen est en pause\u00a0: Carmen l'a mis en pause")
    carmen.says("menú")
    carmen.says("Retomar mi intercambio")
    carmen.expect("Su intercambio con Julie está activo de nuevo.")
    drain(app)
    assert "Carmen a repris votre binôme" in recorder.by_address["julie"][-1]
    with app.db.session() as session:
        pair = pair_between(
            session, *(session.get(Participant, ids[k]) for k in ("carmen", "julie"))
        )
        assert pair.status == PairStatus.ACTIVE
        assert [e.to_status for e in lifecycle.history(session, pair.id)][-2:] == [
            "paused",
            "active",
        ]


def test_asking_for_a_new_match_ends_the_pair_and_tells_only_the_coordinators_why(
    settings, db, clock, recorder
):
    from bot.app import build

    coordinated = settings.model_copy(update={"coordinators": ["console:coord"]})
    app = build(coordinated, channels=[recorder], clock=clock, db=db)
    coordinator = Person(app, "coord")
    for text in ("hi", "3", "1", "Ana"):
        coordinator.says(text)
    ids, people = _active_pair(app, clock)
    julie = people["julie"]
    julie.says("menu")
    julie.says("Demander une nouvelle partenaire")
    julie.expect("Cela mettra fin à votre binôme avec Carmen.")
    julie.says("1")
    julie.expect("Seule la coordination le lira")
    julie.says("Nos horaires ne collent pas du tout")
    julie.expect("J'ai transmis votre demande à la coordination.")
    drain(app)
    carmen_now = recorder.by_address["carmen"][-1]
    assert "Su intercambio con Julie ha terminado" in carmen_now
    assert "horaires" not in carmen_now
    alert = recorder.by_address["coord"][-1]
    assert "Julie" in alert and "Nos horaires ne collent pas du tout" in alert
    with app.db.session() as session:
        pair = session.exec(select(Pair).where(Pair.status == PairStatus.ENDED)).one()
        assert pair.ended_by == f"participant:{ids['julie']}"
        assert pair.end_reason == "new match asked"


FATOU = {"name": "Fatou", "locale": "fr", "country": "SN", "timezone": "Africa/Dakar"}


@pytest.mark.parametrize(
    ("peer_profile", "told", "pause_label"),
    [
        (CARMEN, "Su compañera dejó el programa, así que su intercambio no continuará.",
         "Pausar mi intercambio"),
        (JULIE, "Votre partenaire a quitté le programme, votre binôme s'arrête donc ici.",
         "Mettre mon binôme en pause"),
        (AWA, "Your peer has left the programme, so your pair will not go on.", "Pause my pair"),
    ],
)  # fmt: skip
def test_erasing_her_data_ends_her_pair_and_tells_her_peer_without_her_name(
    app, clock, peer_profile, told, pause_label
):
    """Fatou erases her data while a session she proposed waits: the pair ends, the proposal
    and every nudge of the pair go, and her peer hears it in her language, without her name."""
    fatou_id = add_woman(app.db, "fatou", FATOU, now=clock.now())
    peer_id = add_woman(app.db, "peer", peer_profile, now=clock.now())
    pair_id = active_pair(app.db, fatou_id, peer_id, now=clock.now())
    with app.db.session() as session:
        on_pair_activated(session, session.get(Pair, pair_id), clock.now(), app.engine.config)
    fatou, peer = Member(app, "fatou"), Member(app, "peer")
    for text in ("menu", "Planifier une séance", "jeudi 15h", "1"):
        fatou.says(text)
    for key in ("video", "later", "once"):
        fatou.taps(key)
    assert "Fatou" in peer.inbox()  # her proposal reached her peer

    fatou.says("EFFACER MES DONNÉES")
    fatou.says("1")
    fatou.expect("Vos données ont été effacées.")
    notice = peer.inbox()
    assert told in notice and "Fatou" not in notice
    with app.db.session() as session:
        pair = session.get(Pair, pair_id)
        assert (pair.status, pair.ended_by, pair.end_reason) == (
            PairStatus.ENDED,
            lifecycle.participant_actor(fatou_id),
            "her data was erased",
        )
        meetings = session.exec(select(Meeting).where(Meeting.pair_id == pair_id)).all()
        assert [m.status for m in meetings] == [MeetingStatus.CANCELLED]
        planned = session.exec(
            select(Nudge).where(Nudge.pair_id == pair_id, Nudge.status == NudgeStatus.PLANNED)
        ).all()
        assert planned == []
    assert pause_label not in "\n".join(peer.says("menu"))
    for _day in range(8):  # a week on: nothing more about that pair reaches her
        clock.advance(timedelta(days=1))
        dispatch_due(app.db, clock.now(), app.engine.config)
    assert peer.inbox() == ""


def test_a_pause_is_lifted_only_by_who_put_it(app, clock):
    """Awa (English) cannot restart the pair Carmen paused; a coordinator's pause is theirs."""
    carmen_id = add_woman(app.db, "carmen", CARMEN, now=clock.now())
    awa_id = add_woman(app.db, "awa", AWA, now=clock.now())
    pair_id = active_pair(app.db, carmen_id, awa_id, now=clock.now())
    carmen, awa = Member(app, "carmen"), Member(app, "awa")
    for text in ("menú", "Pausar mi intercambio", "1"):
        carmen.says(text)
    assert "She or the coordinators can restart it" in awa.inbox()
    menu = "\n".join(awa.says("menu"))
    assert "Resume my pair" not in menu and "My paused pair" in menu
    awa.says("My paused pair")
    awa.expect("Your pair with Carmen is paused: Carmen paused it, and only she or the")
    with app.db.session() as session:
        pair = session.get(Pair, pair_id)
        assert pair.status == PairStatus.PAUSED
        lifecycle.resume(session, pair, actor=lifecycle.coordinator_actor("cli"), now=clock.now())
        lifecycle.pause(session, pair, actor=lifecycle.coordinator_actor("cli"), now=clock.now())
    menu = "\n".join(carmen.says("menú"))
    assert "Retomar mi intercambio" not in menu
    carmen.says("Mi intercambio en pausa")
    carmen.expect("Las coordinadoras del programa pausaron su intercambio con Awa")
    awa.says("menu")
    awa.says("My paused pair")
    awa.expect("Your pair with Carmen is paused by the programme coordinators")


@pytest.mark.parametrize(
    ("profile", "label"),
    [
        (CARMEN, "Pedir una nueva compañera"),
        (JULIE, "Demander une nouvelle partenaire"),
        (AWA, "Ask for a new match"),
    ],
)
def test_a_new_match_is_offered_only_once_she_has_a_pair(app, clock, profile, label):
    """Before her first introduction there is nothing to replace: no "new match" entry."""
    her = add_woman(app.db, "her", profile, now=clock.now())
    other = add_woman(app.db, "other", FATOU, now=clock.now())
    woman = Member(app, "her")
    assert label not in "\n".join(woman.says("menu"))
    active_pair(app.db, her, other, now=clock.now())
    assert label in "\n".join(woman.says("menu"))
