"""The outcome survey: nine items, one per message, resumed after MENU, HELP and silence, in
Spanish, French and English; baseline and endline read back through the report's query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from flows.checkin import on_pair_activated
from flows.i18n import zone
from flows.survey import ITEMS
from storage import checkins, conversations
from storage.checkins import OUTCOMES, OutcomeAnswer, SurveyRound, Wave, outcome_changes
from storage.nudges import Nudge
from storage.pairs import Cohort, Pair
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    PEER_OF,
    deliver,
    fire_due,
    inbox,
    option_number,
    outbox_for,
    programme_app,
    setup_pair,
)


@pytest.fixture
def app(tmp_path, db, clock, recorder):
    return programme_app(tmp_path, db, clock, recorder)


@dataclass(frozen=True)
class Script:
    intro: str
    question: str  # "Question {n} of 9", as she reads it
    menu_word: str
    continue_label: str
    finish_label: str
    help_word: str
    help_text: str
    reminder: str
    done: str
    scale: str


SCRIPTS = {
    "es": Script(
        intro="Antes de empezar su intercambio, 9 preguntas rápidas",
        question="Pregunta {n} de 9.",
        menu_word="menú",
        continue_label="Seguir donde estaba",
        finish_label="Terminar mi cuestionario",
        help_word="AYUDA",
        help_text="asistente de Entrepairs",
        reminder="Le quedan 4 preguntas en su cuestionario",
        done="¡Gracias, eso es todo!",
        scale="5. Totalmente",
    ),
    "fr": Script(
        intro="Avant de commencer votre échange, 9 questions rapides",
        question="Question {n} sur 9.",
        menu_word="MENU",
        continue_label="Reprendre là où j'étais",
        finish_label="Terminer mon questionnaire",
        help_word="aide",
        help_text="Entrepairs",
        reminder="Il vous reste 4 questions dans votre questionnaire",
        done="Merci, c'est terminé\u00a0!",
        scale="1. Pas du tout",
    ),
    "en": Script(
        intro="Before you start your exchange, 9 quick questions",
        question="Question {n} of 9.",
        menu_word="menu",
        continue_label="Continue where I was",
        finish_label="Finish my questionnaire",
        help_word="help",
        help_text="I am the Entrepairs assistant",
        reminder="You have 4 questions left in your questionnaire",
        done="Thank you, that's all!",
        scale="3. Moderately",
    ),
}


def activate(app, language):
    programme = setup_pair(app, language)
    with app.db.session() as session:
        pair = session.get(Pair, programme.pair)
        assert pair is not None
        on_pair_activated(session, pair, app.clock.now(), app.engine.config)
    return programme


def values_of(app, participant_id, wave=Wave.BASELINE):
    with app.db.session() as session:
        rows = session.exec(
            select(OutcomeAnswer).where(
                OutcomeAnswer.participant_id == participant_id, OutcomeAnswer.wave == wave
            )
        ).all()
        return {row.outcome: row.value for row in rows}


NOT_STARTED = {
    "es": "Sus 9 preguntas rápidas sobre su negocio la esperan. Aquí está la primera.",
    "fr": "Vos 9 questions rapides sur votre entreprise vous attendent. Voici la première.",
    "en": "Your 9 quick questions about your business are waiting for you. Here is the first one.",
}


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_a_survey_not_started_is_not_continued_where_she_stopped(app, clock, language):
    """She left the baseline unanswered: three days later its reminder says the questions are
    waiting, not "9 questions left, let's continue where you stopped" (she never started)."""
    s = SCRIPTS[language]
    activate(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    clock.advance(minutes=30)
    fire_due(app)
    deliver(app)
    inbox(her)
    clock.advance(days=3)
    fire_due(app)
    deliver(app)
    reminded = inbox(her)
    assert NOT_STARTED[language] in reminded[-2]
    assert s.question.format(n=1) in reminded[-1]


@pytest.mark.parametrize("language", list(SCRIPTS))
def test_full_survey_resumed_after_menu_help_and_silence(app, clock, language):
    s = SCRIPTS[language]
    programme = activate(app, language)
    her = Person(app, BY_LANGUAGE[language].address)
    assert fire_due(app) == 0  # baseline waits for the introduction to arrive first
    clock.advance(minutes=30)
    assert fire_due(app) == 2  # both women
    deliver(app)
    received = inbox(her)
    assert s.intro in received[-2]
    assert s.question.format(n=1) in received[-1] and s.scale in received[-1]
    # Her peer got her own baseline, in her own language.
    peer_language = PEER_OF[language].locale
    assert SCRIPTS[peer_language].intro in inbox(Person(app, PEER_OF[language].address))[-2]

    # One item per message: each answer brings exactly the next question.
    for number, answer in ((1, "2"), (2, "3"), (3, "1")):
        her.says(answer)
        assert len(her.last) == 1
        her.expect(s.question.format(n=number + 1))

    # MENU in the middle: the menu offers to continue, and continuing asks question 4 again.
    her.says(s.menu_word)
    her.expect(s.continue_label, s.finish_label)
    her.says(option_number(her.text, s.continue_label))
    her.expect(s.question.format(n=4))
    her.says("4")
    her.expect(s.question.format(n=5))

    # HELP in the middle: the help, then the same question again.
    her.says(s.help_word)
    her.expect(s.help_text, s.question.format(n=5))
    her.says("5")
    her.says("4")
    her.expect(s.question.format(n=7))
    # A wrong answer is re-asked without losing anything.
    her.says("9")
    her.expect("1. ", "5. ")

    # She stops replying. Three days later one reminder brings her back to question 6... 7.
    clock.advance(days=3)
    fire_due(app)
    deliver(app)
    assert s.reminder.replace("4", "3") in inbox(her)[-2]
    assert s.question.format(n=7) in inbox(her)[-1]
    her.says("3")
    her.says("2")
    her.says("5")
    her.expect(s.done)

    assert values_of(app, programme.her) == dict(
        zip(OUTCOMES, [2, 3, 1, 4, 5, 4, 3, 2, 5], strict=True)
    )
    with app.db.session() as session:
        round_ = checkins.survey_round(session, programme.her, Wave.BASELINE, programme.cohort)
        assert round_ is not None and round_.completed_at == clock.now()
        assert round_.pair_id == programme.pair


def test_survey_resumed_from_the_menu_after_another_conversation(app, clock):
    """Half-way, a check-in takes her elsewhere; "Finish my questionnaire" brings her back."""
    s = SCRIPTS["en"]
    programme = activate(app, "en")
    clock.advance(minutes=30)
    fire_due(app)
    deliver(app)
    her = Person(app, BY_LANGUAGE["en"].address)
    for answer in "12345":
        her.says(answer)
    her.expect(s.question.format(n=6))
    # Something else entirely: the menu, then "A learning tip".
    her.says("menu")
    her.says(option_number(her.text, "A learning tip"))
    her.expect("💡 Tip")
    # "Done" after the tip takes her back to the question she left.
    her.says(option_number(her.text, "Done, thank you"))
    her.expect(s.question.format(n=6))
    # Even when her place was lost (another flow took over), the menu offers to finish.
    with app.db.session() as session:
        conversations.save(
            session,
            participant_id=programme.her,
            flow="home",
            step="idle",
            data={},
            offered=[],
            now=clock.now(),
        )
    her.says("hello")
    her.expect(s.finish_label)
    her.says(option_number(her.text, s.finish_label))
    her.expect(s.question.format(n=6))
    for answer in "1234":
        her.says(answer)
    her.expect(s.done)
    assert len(values_of(app, programme.her)) == 9
    her.says("menu")
    assert s.finish_label not in her.text


def test_no_survey_message_is_queued_in_quiet_hours(app, clock):
    clock.set(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))  # 21:00 La Paz, 01:00 Dakar
    programme = activate(app, "es")
    clock.advance(minutes=30)
    assert fire_due(app) == 2
    deliver(app)
    assert inbox(Person(app, BY_LANGUAGE["es"].address)) == []
    for member, tz in ((programme.her, "America/La_Paz"), (programme.peer, "America/Toronto")):
        rows = [row for row in outbox_for(app, member) if row.purpose == "survey"]
        assert len(rows) == 2  # the introduction and question 1
        for row in rows:
            local = row.next_attempt_at.astimezone(zone(tz))
            assert 8 <= local.hour < 21, (tz, local)


def test_mid_and_end_waves_follow_the_cohort_dates(app, clock):
    programme = setup_pair(app, "fr")
    start = clock.now()
    with app.db.session() as session:
        cohort = session.get(Cohort, programme.cohort)
        assert cohort is not None
        cohort.mid_survey_at = start + timedelta(days=90, hours=1)
        cohort.end_survey_at = start + timedelta(days=180, hours=1)
        session.add(cohort)
        pair = session.get(Pair, programme.pair)
        on_pair_activated(session, pair, start, app.engine.config)
    with app.db.session() as session:
        waves = sorted(
            (n.data.get("wave"), n.participant_id)
            for n in session.exec(select(Nudge).where(Nudge.purpose == "survey")).all()
        )
    assert [wave for wave, _ in waves].count("mid") == 2
    assert [wave for wave, _ in waves].count("end") == 2

    # The coordinator moves the mid date: the old nudge is dropped, a new one carries it.
    with app.db.session() as session:
        cohort = session.get(Cohort, programme.cohort)
        cohort.mid_survey_at = start + timedelta(days=100, hours=1)
        session.add(cohort)
        from flows.survey import plan_cohort_waves

        plan_cohort_waves(
            session,
            cohort,
            members=[programme.her, programme.peer],
            pair_id=programme.pair,
            now=start,
        )
    clock.advance(days=90, hours=2)
    fired = fire_due(app)  # baseline (2) and the stale mid (dropped), pulses not yet... (30 d)
    deliver(app)
    aminata = Person(app, BY_LANGUAGE["fr"].address)
    assert not any("mi-parcours" in text for text in inbox(aminata))
    assert fired >= 2
    clock.advance(days=10)
    fire_due(app)
    deliver(app)
    assert any("Vous êtes à mi-parcours du programme" in text for text in inbox(aminata))


def test_baseline_and_endline_give_the_change_per_outcome(app, clock):
    """What the coordinator report reads: baseline and latest later answer, per outcome."""
    programme = setup_pair(app, "es")
    base = dict(zip(OUTCOMES, [2, 1, 3, 2, 1, 3, 1, 2, 2], strict=True))
    mid = dict(zip(OUTCOMES, [3, 2, 3, 3, 2, 3, 2, 3, 3], strict=True))
    end = dict(zip(OUTCOMES, [4, 3, 4, 3, 3, 4, 4, 4, 5], strict=True))
    with app.db.session() as session:
        for offset, (wave, values) in enumerate(
            ((Wave.BASELINE, base), (Wave.END, end), (Wave.MID, mid))
        ):
            # Waves written out of order on purpose: "latest" means the latest wave.
            round_ = checkins.start_round(
                session,
                participant_id=programme.her,
                wave=wave,
                cohort_id=programme.cohort,
                pair_id=programme.pair,
                now=clock.now() + timedelta(days=offset),
            )
            for outcome, value in values.items():
                checkins.record_answer(
                    session, round_, outcome, value, now=clock.now() + timedelta(days=offset)
                )
            assert round_.completed_at is not None
        # Her peer only answered the baseline: she has no change yet.
        round_ = checkins.start_round(
            session,
            participant_id=programme.peer,
            wave=Wave.BASELINE,
            cohort_id=programme.cohort,
            pair_id=programme.pair,
            now=clock.now(),
        )
        checkins.record_answer(session, round_, "confidence", 3, now=clock.now())

    with app.db.session() as session:
        rows = outcome_changes(session, programme.cohort)
        assert outcome_changes(session, programme.cohort + 1) == []
        assert outcome_changes(session) == rows
    assert [row.outcome for row in rows] == list(OUTCOMES)
    assert {row.participant_id for row in rows} == {programme.her}
    assert all(row.country == "BO" for row in rows)
    assert {row.outcome: (row.baseline, row.latest) for row in rows} == {
        outcome: (base[outcome], end[outcome]) for outcome in OUTCOMES
    }
    assert {row.outcome: row.change for row in rows}["sustainability"] == 3


def test_nine_items_one_per_outcome_in_every_language():
    from flows.render import Reader, render_msg

    assert list(ITEMS) == list(OUTCOMES) and len(OUTCOMES) == 9
    stems = {"es": "Hoy, ¿qué tan segura se siente de poder", "fr": "Aujourd'hui, à quel point"}
    stems["en"] = "How confident are you today that you can"
    for language, stem in stems.items():
        texts = [render_msg(item, Reader(language)) for item in ITEMS.values()]
        assert len(set(texts)) == 9
        # The same stem everywhere, so the nine items are read on the same scale.
        assert all(text.startswith(stem) for text in texts), language


def test_an_answer_counts_once_per_round(app, clock):
    programme = setup_pair(app, "en")
    with app.db.session() as session:
        round_ = checkins.start_round(
            session,
            participant_id=programme.her,
            wave=Wave.BASELINE,
            cohort_id=programme.cohort,
            pair_id=programme.pair,
            now=clock.now(),
        )
        assert (
            checkins.start_round(
                session,
                participant_id=programme.her,
                wave=Wave.BASELINE,
                cohort_id=programme.cohort,
                pair_id=programme.pair,
                now=clock.now(),
            ).id
            == round_.id
        )
        checkins.record_answer(session, round_, "confidence", 2, now=clock.now())
        checkins.record_answer(session, round_, "confidence", 4, now=clock.now())
        with pytest.raises(ValueError):
            checkins.record_answer(session, round_, "confidence", 6, now=clock.now())
        rows = session.exec(select(OutcomeAnswer)).all()
        assert [(row.outcome, row.value) for row in rows] == [("confidence", 4)]
        assert session.exec(select(SurveyRound)).one().completed_at is None


def test_both_accepting_the_introduction_plans_baseline_and_pulses(app, clock):
    """Matching's introduction calls `on_pair_activated`: baseline soon after, pulse at 30 days."""
    programme = setup_pair(app, "en")
    with app.db.session() as session:
        pair = session.get(Pair, programme.pair)
        pair.status = "introduced"
        pair.active_at = None
        session.add(pair)
        for member in (programme.her, programme.peer):
            conversations.save(
                session,
                participant_id=member,
                flow="intro",
                step="answer",
                data={"intro_pair": programme.pair},
                offered=["yes", "no"],
                now=clock.now(),
            )
    Person(app, BY_LANGUAGE["en"].address).taps("yes")
    Person(app, PEER_OF["en"].address).taps("yes")
    with app.db.session() as session:
        assert session.get(Pair, programme.pair).status == "active"
        planned = {
            (n.purpose, n.participant_id, n.data.get("wave"))
            for n in session.exec(select(Nudge)).all()
            if n.purpose in ("survey", "pulse")
        }
    assert planned == {
        ("survey", programme.her, "baseline"),
        ("survey", programme.peer, "baseline"),
        ("pulse", programme.her, None),
        ("pulse", programme.peer, None),
    }
    clock.advance(minutes=31)
    fire_due(app)
    deliver(app)
    assert SCRIPTS["en"].question.format(n=1) in inbox(Person(app, BY_LANGUAGE["en"].address))[-1]


def test_outcome_changes_and_tip_uniqueness_on_both_databases(any_db, clock):
    """The report's query and the "never twice" constraint, on SQLite and PostgreSQL."""
    from sqlalchemy.exc import IntegrityError

    from storage.models import Participant

    now = clock.now()
    with any_db.session() as session:
        women = [
            Participant(name=name, country=country, created_at=now)
            for name, country in (("Ana", "BO"), ("Awa", "SN"))
        ]
        session.add_all(women)
        session.flush()
        cohort = Cohort(name="C", invite_code="PGC", created_at=now)
        session.add(cohort)
        session.flush()
        for index, woman in enumerate(women):
            for wave, value in ((Wave.BASELINE, 1 + index), (Wave.END, 4)):
                round_ = checkins.start_round(
                    session,
                    participant_id=woman.id or 0,
                    wave=wave,
                    cohort_id=cohort.id,
                    pair_id=None,
                    now=now,
                )
                for outcome in OUTCOMES:
                    checkins.record_answer(session, round_, outcome, value, now=now)
        ids = [woman.id for woman in women]
        cohort_id = cohort.id
    with any_db.session() as session:
        rows = outcome_changes(session, cohort_id)
    assert len(rows) == 18
    assert {(row.participant_id, row.country, row.change) for row in rows} == {
        (ids[0], "BO", 3),
        (ids[1], "SN", 2),
    }
    with any_db.session() as session:
        checkins.record_tip(
            session, participant_id=ids[0], tip_id="fi-01", skill="finance", now=now
        )
    with pytest.raises(IntegrityError), any_db.session() as session:
        checkins.record_tip(
            session, participant_id=ids[0], tip_id="fi-01", skill="finance", now=now
        )
