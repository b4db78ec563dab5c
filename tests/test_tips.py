"""Learning tips: the content is complete in three languages, a tip never reaches the same woman
twice, the choice follows what she wants to learn, and "another tip" / "stop tips" work."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from sqlmodel import select

from flows import tips
from flows import vocabulary as vocab
from storage import checkins
from storage.checkins import TipSent
from storage.models import Participant
from tests.support.dialog import Person
from tests.test_checkins import (
    BY_LANGUAGE,
    deliver,
    fire_due,
    inbox,
    option_number,
    plan_checkins,
    programme_app,
    setup_pair,
)


@pytest.fixture
def app(tmp_path, db, clock, recorder):
    return programme_app(tmp_path, db, clock, recorder)


RAW = json.loads(tips.CONTENT.read_text(encoding="utf-8"))["tips"]


def test_every_tip_exists_in_en_es_and_fr_within_400_characters():
    problems = []
    for item in RAW:
        for language in ("en", "es", "fr"):
            text = item.get(language)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{item['id']}: no {language}")
            elif len(text) > tips.LONGEST:
                problems.append(f"{item['id']}: {language} has {len(text)} characters")
            elif re.search(r"[{}]", text):
                problems.append(f"{item['id']}: braces in {language}")  # never a template
    assert not problems, problems


def test_at_least_five_tips_for_every_skill_and_only_known_skills():
    counts = Counter(item["skill"] for item in RAW)
    assert set(counts) <= set(vocab.SKILLS), set(counts) - set(vocab.SKILLS)
    assert {skill: counts[skill] for skill in vocab.SKILLS if counts[skill] < 5} == {}


def test_tip_ids_are_unique_and_stable_looking():
    ids = [item["id"] for item in RAW]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]{2}-\d{2}", tip_id) for tip_id in ids)


def test_languages_differ_so_nothing_was_left_untranslated():
    for item in RAW:
        assert len({item["en"], item["es"], item["fr"]}) == 3, item["id"]


def test_tip_message_renders_in_her_language():
    from flows.render import Reader, render_msg

    tip = tips.by_id("fi-01")
    assert tip is not None
    assert render_msg(tips.tip_message(tip), Reader("es")).startswith(
        "💡 Consejo · Finanzas y crédito\nSepare el dinero"
    )
    assert render_msg(tips.tip_message(tip), Reader("fr")).startswith("💡 Conseil · ")


def test_the_choice_follows_her_wants_and_never_repeats(db, clock):
    with db.session() as session:
        her = Participant(
            name="Carmen",
            locale="es",
            skills_wanted=["export", "finance"],
            created_at=clock.now(),
        )
        session.add(her)
        session.flush()
        chosen = []
        while (tip := tips.choose(session, her)) is not None:
            checkins.record_tip(
                session, participant_id=her.id or 0, tip_id=tip.id, skill=tip.skill, now=clock.now()
            )
            chosen.append(tip)
    wanted_count = sum(1 for tip in tips.library() if tip.skill in ("export", "finance"))
    first = chosen[:wanted_count]
    # Her skills first, alternating in her order, before any other skill.
    assert [tip.skill for tip in first[:4]] == ["export", "finance", "export", "finance"]
    assert {tip.skill for tip in first} == {"export", "finance"}
    # Then the rest of the library, and every tip exactly once.
    assert len(chosen) == len(tips.library())
    assert len({tip.id for tip in chosen}) == len(chosen)


def test_another_tip_until_none_is_left_never_sends_one_twice(app):
    programme = setup_pair(app, "en", wants=["leadership"])
    her = Person(app, BY_LANGUAGE["en"].address)
    her.says("menu")
    her.says(option_number(her.text, "A learning tip"))
    her.expect("💡 Tip · Leadership and teams")
    seen = 1
    while "Another tip" in her.text:
        her.says(option_number(her.text, "Another tip"))
        if "💡 Tip" in her.text:
            seen += 1
    her.expect("You have seen all the tips I have for now.")
    assert seen == len(tips.library())
    with app.db.session() as session:
        rows = session.exec(select(TipSent).where(TipSent.participant_id == programme.her)).all()
    assert len(rows) == len({row.tip_id for row in rows}) == len(tips.library())
    # The first five were the leadership ones.
    assert {row.skill for row in sorted(rows, key=lambda r: r.id or 0)[:5]} == {"leadership"}


MENU_ASKS = {"es": "¿Qué desea hacer?", "fr": "Que souhaitez-vous faire", "en": "What would you"}


@pytest.mark.parametrize(
    ("language", "thanks"),
    [("es", "ya, gracias"), ("es", "👍"), ("fr", "Merci !"), ("fr", "ok"), ("en", "thanks")],
)
def test_a_thanks_under_a_tip_closes_it_as_done_not_with_the_menu(app, language, thanks):
    """ "gracias", "merci", "👍" under a tip mean "Done, thank you": not the menu of twelve lines
    (three SMS segments), and tips after sessions stay on."""
    programme = setup_pair(app, language, wants=["leadership"])
    her = Person(app, BY_LANGUAGE[language].address)
    her.says("menu")
    her.says(option_number(her.text, {"es": "consejo", "fr": "conseil", "en": "tip"}[language]))
    assert "💡" in her.text
    her.says(thanks)
    assert MENU_ASKS[language] not in her.text and "💡" not in her.text
    with app.db.session() as session:
        assert checkins.tips_on(session, programme.her)


@pytest.mark.parametrize("language", ["es", "fr", "en"])
def test_after_a_checkin_one_matching_tip_then_stop_tips(app, clock, language):
    programme = setup_pair(app, language, wants=["sustainability"])
    her = Person(app, BY_LANGUAGE[language].address)
    stop, stopped = {
        "es": ("No más consejos", "ya no recibirá consejos"),
        "fr": ("Ne plus recevoir de conseils", "plus de conseils après vos séances"),
        "en": ("No more tips", "no more tips after your sessions"),
    }[language]
    plan_checkins(app, programme, meeting_id=1)
    fire_due(app)
    deliver(app)
    for answer in ("1", "4", "0", "0"):
        her.says(answer)
    assert "💡" in her.text
    with app.db.session() as session:
        sent = session.exec(select(TipSent).where(TipSent.participant_id == programme.her)).one()
        assert sent.skill == "sustainability"
        assert sent.checkin_id is not None
    her.says(option_number(her.text, stop))
    her.expect(stopped)
    with app.db.session() as session:
        assert not checkins.tips_on(session, programme.her)

    # Next session: the check-in ends without a tip.
    clock.advance(days=7)
    plan_checkins(app, programme, meeting_id=2)
    fire_due(app)
    deliver(app)
    for answer in ("1", "5", "0", "0"):
        her.says(answer)
    assert "💡" not in her.text
    # Asking from the menu still works, and she can turn tips back on there.
    her.says("menu")
    her.says(option_number(her.text, {"es": "consejo", "fr": "conseil", "en": "tip"}[language]))
    assert "💡" in her.text
    restart = {"es": "Volver a recibir", "fr": "Recevoir à nouveau", "en": "Tips after sessions"}
    her.says(option_number(her.text, restart[language]))
    with app.db.session() as session:
        assert checkins.tips_on(session, programme.her)
        rows = session.exec(select(TipSent).where(TipSent.participant_id == programme.her)).all()
        assert len(rows) == len({row.tip_id for row in rows}) == 2
    assert inbox(her)


def test_a_tip_is_not_repeated_across_checkins(app, clock):
    programme = setup_pair(app, "fr", wants=["networking"])
    her = Person(app, BY_LANGUAGE["fr"].address)
    for meeting in range(1, 7):
        plan_checkins(app, programme, meeting_id=meeting)
        fire_due(app)
        deliver(app)
        for answer in ("1", "4", "0", "0"):
            her.says(answer)
        assert "💡 Conseil" in her.text
        clock.advance(days=7)
    with app.db.session() as session:
        rows = session.exec(select(TipSent).where(TipSent.participant_id == programme.her)).all()
    ids = [row.tip_id for row in rows]
    assert len(ids) == len(set(ids)) == 6
    # Five networking tips first, then another skill once those are used up.
    assert [row.skill for row in rows][:5] == ["networking"] * 5
    assert rows[5].skill != "networking"
