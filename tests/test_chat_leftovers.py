"""Coordinator chat, what a coordinator reads in her own language: /broadcast offers only the
countries she can reach (a coordinator of some cohorts has no countries of her own), /retry with
nothing failed says so, /coordinators names the participant number that does not exist, and the
guided announcement names languages in her words ("en espagnol", not "en Español")."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.app import App
from storage import coordination as store
from storage.coordination import Broadcast
from tests.support import programme
from tests.support.dialog import Person
from tests.test_chat_scope import world  # noqa: F401  (the fixture)


def _staff(app: App, address: str, locale: str, role: str, cohorts: list[int] = ()) -> Person:  # type: ignore[assignment]
    """A Senegalese woman made a coordinator of `role`, of the whole programme or of `cohorts`."""
    with app.db.session() as s:
        person = programme.woman(s, address, now=app.clock.now(), country="SN", locale=locale)
        s.add(
            store.Coordinator(
                participant_id=person.id,
                added_by="operator:test",
                added_at=app.clock.now(),
                role=role,
                cohorts=list(cohorts),
            )
        )
    return Person(app, address)


COUNTRY_NAMES = {
    "en": ("Senegal", ("Bolivia", "Canada", "Another country")),
    "es": ("Senegal", ("Bolivia", "Canadá", "Otro país")),
    "fr": ("Sénégal", ("Bolivie", "Canada", "Un autre pays")),
}


@pytest.mark.parametrize("locale", ["en", "es", "fr"])
def test_a_cohort_coordinator_is_offered_only_the_countries_of_her_women(world, locale):  # noqa: F811
    app, ids, _public = world
    # The Dakar cohort: two Senegalese women.
    sadio = _staff(app, "sadio", locale, "coordinator", [ids["dakar"]])
    sadio.says("/broadcast")
    sadio.says("2")  # the women of one country
    mine, others = COUNTRY_NAMES[locale]
    assert f"1. {mine}" in sadio.text, sadio.text
    assert not [name for name in others if name in sadio.text], sadio.text
    sadio.says("1")
    asked = {
        "en": "Write the announcement in French for 2 women",
        "es": "Escriba el anuncio en francés para 2 mujeres",
        "fr": "Écrivez l'annonce en français pour 2 femmes",
    }
    sadio.expect(asked[locale])


NOTHING = {
    "en": "There is nothing to send again: no failed message is waiting.",
    "es": "No hay nada que volver a enviar: ningún mensaje fallido está en espera.",
    "fr": "Il n'y a rien à renvoyer\u00a0: aucun message en échec n'attend.",
}


@pytest.mark.parametrize("locale", ["en", "es", "fr"])
def test_retry_with_nothing_failed_says_there_is_nothing_to_send(world, locale):  # noqa: F811
    app, ids, _public = world
    ana = _staff(app, "ana", locale, "coordinator")
    ana.says(f"/retry {ids['to_bolivia']}")  # its messages are on their way, none failed
    assert ana.text == NOTHING[locale], ana.text
    assert "0" not in ana.text


NO_PARTICIPANT = {
    "en": "There is no participant 9999: nothing changed.",
    "es": "No hay ninguna participante 9999: no se cambió nada.",
    "fr": "Il n'y a pas de participante 9999\u00a0: rien n'a changé.",
}


@pytest.mark.parametrize("locale", ["en", "es", "fr"])
def test_adding_a_participant_who_does_not_exist_says_so(world, locale):  # noqa: F811
    app, _ids, _public = world
    admin = _staff(app, "root", locale, "admin")
    with app.db.session() as s:
        before = len(s.exec(select(store.Coordinator)).all())
    admin.says("/coordinators add participant:9999")
    assert admin.text == NO_PARTICIPANT[locale], admin.text
    with app.db.session() as s:
        assert len(s.exec(select(store.Coordinator)).all()) == before


LANGUAGE_WORDS = {
    "en": ("Write the announcement in Spanish", "who read French and English", "In Spanish it"),
    "es": ("Escriba el anuncio en español", "que leen en francés y inglés", "En español se"),
    "fr": ("Écrivez l'annonce en espagnol", "qui lisent en français et anglais", "En espagnol,"),
}


OPTION = {"en": "1. Spanish", "es": "1. Español", "fr": "1. Espagnol"}


@pytest.mark.parametrize("locale", ["en", "es", "fr"])
def test_the_guided_announcement_names_languages_in_her_words(world, locale):  # noqa: F811
    app, _ids, _public = world
    ana = _staff(app, "ana", locale, "coordinator")
    ask, fallback, preview = LANGUAGE_WORDS[locale]
    ana.says("/broadcast")
    ana.says("1")  # everyone: women who read Spanish, French and English
    ana.expect(ask)
    ana.says("Feria el sábado")
    ana.says("0")  # no French text
    ana.says("0")  # no English text
    ana.expect(fallback)
    # The options too: "Spanish" to an English reader (in Spanish, "Español" is her word).
    assert OPTION[locale] in ana.text, ana.text
    ana.says("1")  # Spanish for them
    ana.says("1")  # now
    ana.expect(preview)
    with app.db.session() as s:
        assert s.exec(select(Broadcast).order_by(col(Broadcast.id).desc())).first()
