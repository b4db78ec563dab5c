"""Introductions as conversations, each woman in her own language.

Carmen (Spanish, La Paz) meets Julie (French, Montréal); Emily (English, Vancouver) meets Awa
(French, Dakar). They accept or decline with a digit, a word or a tap; contact details pass only
when both have accepted, and only what each agreed to share.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from flows import console_views, reports
from flows import pair_lifecycle as lifecycle
from flows.introductions import publish_cohort
from flows.matching import service
from flows.scope import EVERYONE, scope_of
from storage.checkins import ProblemReport
from storage.models import OutboundMessage
from storage.pairs import PairEvent, PairStatus
from tests.support import console as support
from tests.support.dialog import Person
from tests.support.pairing import (
    SECRETS,
    cohort_of_four,
    drain,
    fire,
    inbox,
    outbox_text,
    pair_between,
    publish_four_at,
)

# Monday 17:00 UTC: daytime in La Paz, Montréal, Vancouver and Dakar.
NOON_EVERYWHERE = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def programme(app, clock):
    """The four women matched and introduced; returns (app, women, people in chat)."""
    clock.set(NOON_EVERYWHERE)
    with app.db.session() as session:
        cohort, women = cohort_of_four(session, clock.now())
        run = service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        assert {frozenset(p.members()) for p in run.pairs} == {
            frozenset({women["carmen"].id, women["julie"].id}),
            frozenset({women["emily"].id, women["awa"].id}),
        }
        published = publish_cohort(
            session, cohort, now=clock.now(), actor="coordinator:test", config=app.engine.config
        )
        assert len(published.pairs) == 2
        ids = {key: woman.id for key, woman in women.items()}
    drain(app)
    people = {key: Person(app, key) for key in ids}
    return app, ids, people


def _no_secret_in_outbox(app) -> None:
    with app.db.session() as session:
        text = outbox_text(session)
    for secret in SECRETS:
        assert secret not in text, secret


def test_each_woman_is_introduced_in_her_language(programme, recorder):
    app, _ids, _people = programme
    carmen = inbox(app, recorder, "carmen")
    assert "¡Carmen, le encontré una compañera! Julie vive en Canadá" in carmen
    assert "Boutique Boréal" in carmen
    # Her own "you" reasons, skills in small letters mid-sentence.
    assert "• Usted puede ayudar a Julie con ventas y clientes" in carmen
    assert "Julie puede ayudarle con marketing digital" in carmen
    assert "Hora local de Julie: Montréal, 1 hora menos que usted." in carmen
    assert "¿Le gustaría conocer a Julie?" in carmen and "1. Sí, me gustaría conocerla" in carmen

    julie = inbox(app, recorder, "julie")
    assert "Julie, je vous ai trouvé une partenaire\u00a0! Elle s'appelle Carmen (Bolivie)" in julie
    assert "Tejidos Carmen" in julie
    assert (
        "Vous pouvez aider Carmen pour le marketing numérique, l'export et les nouveaux marchés"
        in julie
    )
    assert "Heure locale chez Carmen\u00a0: La Paz, 1 heure de plus que chez vous." in julie
    assert "1. Oui, j'aimerais la rencontrer" in julie

    emily = inbox(app, recorder, "emily")
    assert "Emily, I have found you a peer! Awa lives in Senegal and runs Saveurs Teranga." in emily
    assert "You can help Awa with finance and credit" in emily
    assert "Awa's local time: Dakar, 8 hours ahead of you." in emily
    assert "2. No, thank you" in emily

    awa = inbox(app, recorder, "awa")
    assert "Elle s'appelle Emily (Canada)" in awa and "Maple Harvest" in awa
    assert "Heure locale chez Emily" in awa
    assert "Vancouver, 8 heures de moins que chez vous." in awa
    # The deadline, in her own zone and language.
    assert "Merci de répondre avant le jeudi 5 mars" in awa

    _no_secret_in_outbox(app)


def test_both_accept_and_receive_each_others_shared_contact(programme, recorder):
    app, ids, people = programme
    carmen, julie, emily, awa = (people[k] for k in ("carmen", "julie", "emily", "awa"))

    carmen.says("1")
    carmen.expect("¡Gracias! Le aviso apenas Julie también responda.")
    _no_secret_in_outbox(app)  # one yes is not enough
    julie.says("oui")  # the option's words work too
    julie.expect("Formidable\u00a0: vous et Carmen avez toutes les deux dit oui\u00a0!")
    julie.expect("Vous pouvez la joindre ici\u00a0: WhatsApp +59171234567")
    julie.expect("Pour briser la glace")
    # Julie goes straight on to proposing times: she is not sent to the menu for it.
    assert "choisissez «\u00a0Planifier" not in julie.text
    drain(app)
    carmen_now = recorder.by_address["carmen"][-1]
    assert "¡Qué alegría: usted y Julie dijeron que sí!" in carmen_now
    assert "Puede escribirle aquí: Telegram @julie_boreal" in carmen_now
    assert "Para romper el hielo" in carmen_now
    assert "elija «Planificar una sesión»" in carmen_now  # she plans from her menu

    emily.taps("yes")
    emily.expect("Thank you! I will tell you as soon as Awa has answered too.")
    awa.says("1")
    # Awa keeps her contact private: Emily is told the programme team was asked to connect
    # them (no coordinator here to promise it "very soon": see below), while Awa receives
    # Emily's number, which Emily agreed to share.
    awa.expect("Vous pouvez la joindre ici\u00a0: téléphone +16045550123 (SMS)")
    drain(app)
    emily_now = recorder.by_address["emily"][-1]
    assert "Wonderful: you and Awa both said yes!" in emily_now
    assert "I have asked the programme team to put you in touch" in emily_now
    assert "+221771234567" not in emily_now

    with app.db.session() as session:
        for first, second in (("carmen", "julie"), ("emily", "awa")):
            pair = pair_between(
                session, *(session.get(service.Participant, ids[k]) for k in (first, second))
            )
            assert pair.status == PairStatus.ACTIVE and pair.active_at is not None
            assert (pair.a_response, pair.b_response) == ("accepted", "accepted")
            events = [(e.from_status, e.to_status) for e in lifecycle.history(session, pair.id)]
            assert events == [
                (None, "proposed"),
                ("proposed", "introduced"),
                ("introduced", "introduced"),  # the first yes
                ("introduced", "active"),
            ]


def test_a_decline_is_silent_and_both_go_back_to_the_pool(programme, recorder, clock):
    app, ids, people = programme
    carmen, julie, emily, awa = (people[k] for k in ("carmen", "julie", "emily", "awa"))
    seen = {key: len(recorder.by_address[key]) for key in people}

    carmen.says("1")
    julie.says("2")
    julie.expect("C'est noté, merci de me l'avoir dit.")
    drain(app)
    told = inbox(app, recorder, "carmen", seen["carmen"] + 1)
    assert "La presentación con Julie no seguirá adelante esta vez" in told
    assert "nueva compañera" in told
    assert "rechaz" not in told.lower() and "no quiso" not in told.lower()

    awa.says("1")
    emily.taps("no")
    emily.expect("Understood, thank you for telling me. Awa will only hear")
    drain(app)
    told = inbox(app, recorder, "awa", seen["awa"] + 1)
    assert "La mise en relation avec Emily n'ira pas plus loin cette fois" in told
    assert "refus" not in told.lower()
    _no_secret_in_outbox(app)

    with app.db.session() as session:
        cohort = service.find_cohort(session, "Pilote 2026")
        pool = service.pool(session, cohort)
        assert {p.id for p in pool.profiles} == set(ids.values())  # everyone is free again
        again = service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        # Never the same two women twice: the two former pairs are not proposed again.
        proposed = {frozenset(p.members()) for p in again.pairs}
        assert frozenset({ids["carmen"], ids["julie"]}) not in proposed
        assert frozenset({ids["emily"], ids["awa"]}) not in proposed
        declined = session.exec(
            select(PairEvent).where(PairEvent.to_status == PairStatus.DECLINED)
        ).all()
        assert {event.actor for event in declined} == {
            f"participant:{ids['julie']}",
            f"participant:{ids['emily']}",
        }


def test_deadline_one_reminder_then_expiry(programme, recorder, clock):
    app, ids, people = programme
    carmen = people["carmen"]
    carmen.says("1")  # only Carmen answers; Julie, Emily and Awa stay silent
    seen = {key: len(recorder.by_address[key]) for key in people}

    with app.db.session() as session:
        women = {k: session.get(service.Participant, v) for k, v in ids.items()}
        first = pair_between(session, women["carmen"], women["julie"])
        second = pair_between(session, women["emily"], women["awa"])
        assert first.respond_by == NOON_EVERYWHERE + timedelta(days=3)

    clock.set(NOON_EVERYWHERE + timedelta(days=2))
    with app.db.session() as session:
        for pair_id in (first.id, second.id):
            pair = session.get(type(first), pair_id)
            assert fire(session, pair, lifecycle.REMINDER, clock.now(), app.engine.config)
    drain(app)
    assert "Petit rappel concernant Carmen" in inbox(app, recorder, "julie", seen["julie"])
    assert "A reminder about Awa" in inbox(app, recorder, "emily", seen["emily"])
    assert "Petit rappel concernant Emily" in inbox(app, recorder, "awa", seen["awa"])
    assert inbox(app, recorder, "carmen", seen["carmen"]) == ""  # she already answered

    clock.set(NOON_EVERYWHERE + timedelta(days=3))
    seen = {key: len(recorder.by_address[key]) for key in people}
    with app.db.session() as session:
        for pair_id in (first.id, second.id):
            pair = session.get(type(first), pair_id)
            assert fire(session, pair, lifecycle.EXPIRY, clock.now(), app.engine.config)
    drain(app)
    # Carmen had said yes: she hears only that a new match is coming.
    assert "La presentación con Julie no seguirá adelante" in inbox(
        app, recorder, "carmen", seen["carmen"]
    )
    assert "Le délai pour répondre à la mise en relation avec Carmen est passé" in inbox(
        app, recorder, "julie", seen["julie"]
    )
    assert "The time to answer the introduction to Awa has passed" in inbox(
        app, recorder, "emily", seen["emily"]
    )
    assert "Le délai pour répondre à la mise en relation avec Emily" in inbox(
        app, recorder, "awa", seen["awa"]
    )

    with app.db.session() as session:
        for pair_id in (first.id, second.id):
            pair = session.get(type(first), pair_id)
            assert pair.status == PairStatus.EXPIRED and pair.ended_by == "system"
            # Fired again (a second dispatcher, a restart): nothing more happens.
            assert not fire(session, pair, lifecycle.EXPIRY, clock.now(), app.engine.config)
            assert not fire(session, pair, lifecycle.REMINDER, clock.now(), app.engine.config)

    # A late "yes" is answered kindly and changes nothing.
    people["julie"].says("1")
    assert "1 hora" not in people["julie"].text
    _no_secret_in_outbox(app)


def test_reminder_is_dropped_once_both_answered(programme, clock):
    app, ids, people = programme
    people["carmen"].says("1")
    people["julie"].says("1")
    with app.db.session() as session:
        women = {k: session.get(service.Participant, v) for k, v in ids.items()}
        pair = pair_between(session, women["carmen"], women["julie"])
        assert pair.status == PairStatus.ACTIVE
        # The reminder and expiry were cancelled when the pair was decided.
        from storage.nudges import Nudge

        statuses = {
            n.purpose: n.status
            for n in session.exec(select(Nudge).where(Nudge.pair_id == pair.id))
            if n.purpose in (lifecycle.REMINDER, lifecycle.EXPIRY)
        }
        assert statuses == {lifecycle.REMINDER: "cancelled", lifecycle.EXPIRY: "cancelled"}


def test_introduce_accept_and_rerun_on_every_database(any_db, settings, clock, recorder):
    """The whole path on SQLite and PostgreSQL: match, publish, both accept, match again."""
    from bot.app import build

    clock.set(NOON_EVERYWHERE)
    app = build(settings, channels=[recorder], clock=clock, db=any_db)
    with any_db.session() as session:
        cohort, women = cohort_of_four(session, clock.now())
        service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        publish_cohort(
            session, cohort, now=clock.now(), actor="coordinator:test", config=app.engine.config
        )
    drain(app)
    Person(app, "carmen").says("1")
    julie = Person(app, "julie")
    julie.says("1")
    julie.expect("WhatsApp +59171234567")
    with any_db.session() as session:
        cohort = service.find_cohort(session, "pilote26")  # by code, any case
        again = service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        assert again.pairs == []  # Emily and Awa are introduced, Carmen and Julie active
        assert {s.participant.name for s in again.skipped} == {"Carmen", "Julie", "Emily", "Awa"}


def test_start_after_answering_brings_the_menu_not_silence(programme):
    _app, _ids, people = programme
    carmen, julie = people["carmen"], people["julie"]
    carmen.says("1")  # accepts; nothing is asked of her now
    carmen.says("inicio")
    carmen.expect("¿Qué desea hacer?")
    julie.says("2")  # declines
    julie.says("reprendre")
    julie.expect("Que souhaitez-vous faire\u00a0?")


def test_a_decline_says_nothing_to_a_peer_whose_introduction_never_reached_her(
    app, recorder, clock
):
    """12:30 UTC: morning in La Paz and Dakar, night in Montréal and Vancouver. Carmen (es) and
    Awa (fr) decline at once; Julie (fr) and Emily (en), whose introductions were still waiting
    for their morning, hear nothing of an introduction they never saw."""
    publish_four_at(app, clock, datetime(2026, 3, 2, 12, 30, tzinfo=UTC))
    carmen, awa = Person(app, "carmen"), Person(app, "awa")
    assert "Julie" in inbox(app, recorder, "carmen") and "Emily" in inbox(app, recorder, "awa")
    assert not recorder.by_address["julie"] and not recorder.by_address["emily"]
    carmen.says("2")
    carmen.expect("Entendido")
    awa.says("2")
    awa.expect("C'est noté")
    clock.set(NOON_EVERYWHERE)
    drain(app)
    assert inbox(app, recorder, "julie") == ""
    assert inbox(app, recorder, "emily") == ""


# Both accept, one keeps her contact to herself: the coordinators are asked to put them in touch.
# Per language of the woman told: who keeps hers private, who is told, the promise she reads
# when a coordinator was alerted, and what she reads when none could be.
PUT_IN_TOUCH = {
    "es": (
        "julie",
        "carmen",
        "La coordinación del programa las pondrá en contacto muy pronto.",
        "Le pedí al equipo del programa que las ponga en contacto. Por el momento no pudimos "
        "avisar a ninguna coordinadora",
    ),
    "fr": (
        "carmen",
        "julie",
        "La coordination du programme va vous mettre en contact très bientôt.",
        "J'ai demandé à l'équipe du programme de vous mettre en contact. Aucune coordinatrice "
        "n'a pu être prévenue",
    ),
    "en": (
        "awa",
        "emily",
        "The programme coordinators will put you in touch with each other very soon.",
        "I have asked the programme team to put you in touch with each other. No coordinator "
        "could be reached",
    ),
}
COUNTRY = {"carmen": "BO", "julie": "CA", "emily": "CA", "awa": "SN"}


def _both_accept(app, clock, private: str, told: str) -> tuple[Person, int]:  # type: ignore[no-untyped-def]
    """The four introduced, `private` keeping her contact to herself; she says yes first, then
    `told`, who reads the answer in the chat. Returns her and their pair's id."""
    clock.set(NOON_EVERYWHERE)
    with app.db.session() as session:
        cohort, women = cohort_of_four(session, clock.now(), **{private: {"share_contact": False}})
        service.run(session, cohort, now=clock.now(), actor="coordinator:test")
        publish_cohort(
            session, cohort, now=clock.now(), actor="coordinator:test", config=app.engine.config
        )
        pair_id = pair_between(session, women[private], women[told]).id
    drain(app)
    Person(app, private).says("1")
    her = Person(app, told)
    her.says("1")
    return her, pair_id


def _alerts_to(app, coordinator: int) -> list[OutboundMessage]:  # type: ignore[no-untyped-def]
    with app.db.session() as session:
        rows = list(
            session.exec(
                select(OutboundMessage).where(
                    OutboundMessage.participant_id == coordinator,
                    OutboundMessage.purpose == "pair_connect",
                )
            )
        )
        session.expunge_all()
        return rows


@pytest.mark.parametrize("language", list(PUT_IN_TOUCH))
def test_put_in_touch_with_no_coordinator_in_scope_promises_no_contact(app, clock, language):
    """Only a coordinator for Côte d'Ivoire: nobody who may act on the pair is alerted, so she
    is not told "very soon"; the request is kept, listed in an unscoped coordinator's console."""
    private, told, promise, kept = PUT_IN_TOUCH[language]
    elsewhere = support.scoped_coordinator(app, "ci-coord", country="CI", countries=["CI"])
    her, pair_id = _both_accept(app, clock, private, told)
    her.expect(kept)
    assert promise not in her.text
    assert _alerts_to(app, elsewhere) == []
    with app.db.session() as session:
        report = session.exec(select(ProblemReport)).one()
        assert (report.source, report.pair_id, report.coordinators_alerted) == (
            "connect",
            pair_id,
            0,
        )
        assert console_views.problems(session, EVERYONE) == [report]
        assert console_views.problems(session, scope_of(session, ["CI"])) == []


@pytest.mark.parametrize("language", list(PUT_IN_TOUCH))
def test_put_in_touch_by_a_coordinator_of_either_woman_is_promised(app, clock, language):
    """A coordinator for the country of the woman who keeps her contact (not of the woman told)
    is alerted, in her own language: the promise is true. The request is hers in the console,
    and the programme report lists the pair as still to be put in touch."""
    private, told, promise, kept = PUT_IN_TOUCH[language]
    theirs = support.scoped_coordinator(
        app, "their-coord", country=COUNTRY[private], countries=[COUNTRY[private]]
    )
    elsewhere = support.scoped_coordinator(app, "ci-coord", country="CI", countries=["CI"])
    her, pair_id = _both_accept(app, clock, private, told)
    her.expect(promise)
    assert kept not in her.text
    (alert,) = _alerts_to(app, theirs)
    assert "have both accepted their introduction" in str(alert.payload)
    assert _alerts_to(app, elsewhere) == []
    with app.db.session() as session:
        report = session.exec(select(ProblemReport)).one()
        assert (report.source, report.coordinators_alerted) == ("connect", 1)
        scope = scope_of(session, [COUNTRY[private]])
        assert console_views.problems(session, scope) == [report]
        assert console_views.problems(session, scope_of(session, ["CI"])) == []
        (risk,) = reports.at_risk(session, now=clock.now(), scope=scope)
        assert (risk.pair_id, risk.reasons) == (pair_id, (("connect", {}),))


@pytest.mark.parametrize(
    ("declines", "asleep", "at", "morning", "told"),
    [
        (  # 20:30 in Montréal, 21:30 in La Paz
            "julie",
            "carmen",
            datetime(2026, 3, 4, 1, 30, tzinfo=UTC),
            datetime(2026, 3, 4, 12, 1, tzinfo=UTC),
            "La presentación con Julie no seguirá adelante esta vez.",
        ),
        (  # 08:30 in La Paz, 07:30 in Montréal
            "carmen",
            "julie",
            datetime(2026, 3, 4, 12, 30, tzinfo=UTC),
            datetime(2026, 3, 4, 13, 1, tzinfo=UTC),
            "La mise en relation avec Carmen n'ira pas plus loin cette fois.",
        ),
        (  # 09:00 in Dakar, 01:00 in Vancouver
            "awa",
            "emily",
            datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
            datetime(2026, 3, 4, 16, 1, tzinfo=UTC),
            "The introduction to Awa will not go ahead this time.",
        ),
    ],
    ids=["es", "fr", "en"],
)
def test_a_decline_reaches_a_peer_who_saw_the_introduction_though_her_reminder_waited(
    programme, recorder, clock, declines, asleep, at, morning, told
):
    """She read her introduction on Monday; on Wednesday its reminder reaches her in her night
    and waits for her morning, and her peer declines meanwhile. The reminder is dropped, but
    she is told, as her peer was promised: the introduction had reached her."""
    app, ids, people = programme
    assert inbox(app, recorder, asleep)  # the introduction, on Monday
    clock.set(at)
    with app.db.session() as session:
        pair = pair_between(
            session,
            session.get(service.Participant, ids[declines]),
            session.get(service.Participant, ids[asleep]),
        )
        assert fire(session, pair, lifecycle.REMINDER, clock.now(), app.engine.config)
    drain(app)
    seen = len(recorder.by_address[asleep])
    people[declines].says("2")

    clock.set(morning)
    drain(app)
    assert inbox(app, recorder, asleep, seen).startswith(told)


@pytest.mark.parametrize(
    ("who", "said", "answered"),
    [
        ("carmen", "Sí, me encantaría", "¡Gracias! Le aviso apenas Julie también responda."),
        (
            "julie",
            "oui avec plaisir",
            "Merci\u00a0! Je vous préviendrai dès que votre partenaire, Carmen",
        ),
        (
            "awa",
            "Oui bien sûr !",
            "Merci\u00a0! Je vous préviendrai dès que votre partenaire, Emily",
        ),
        ("emily", "yes please", "Thank you! I will tell you as soon as Awa has answered too."),
        ("carmen", "no, lo siento", "Entendido, gracias por avisarme."),
        # As sent on WhatsApp: "ya" (yes, in La Paz), a thumbs up or a check mark alone, "waaw"
        # (yes, in Wolof).
        ("carmen", "ya", "¡Gracias! Le aviso apenas Julie también responda."),
        ("carmen", "👍🏽", "¡Gracias! Le aviso apenas Julie también responda."),
        ("julie", "👍", "Merci\u00a0! Je vous préviendrai dès que votre partenaire, Carmen"),
        ("awa", "✅", "Merci\u00a0! Je vous préviendrai dès que votre partenaire, Emily"),
        ("awa", "waaw", "Merci\u00a0! Je vous préviendrai dès que votre partenaire, Emily"),
        ("emily", "👍", "Thank you! I will tell you as soon as Awa has answered too."),
    ],
)
def test_a_yes_or_no_said_warmly_answers_the_introduction(programme, who, said, answered):
    """ "Sí, me encantaría", "oui avec plaisir", "yes please", "ya", "👍": she accepts, as with
    "1"."""
    _app, _ids, people = programme
    people[who].says(said)
    people[who].expect(answered)
