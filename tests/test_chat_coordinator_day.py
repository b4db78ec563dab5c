"""A coordinator's day in chat: her commands typed mid-question, the announcement to everyone,
and who she can make a coordinator (in chat and at the command line)."""

from __future__ import annotations

import asyncio
import html

import pytest
from sqlmodel import select

from storage.coordination import Coordinator
from storage.models import OutboundMessage, Participant
from tests.support import console, programme
from tests.support.pairing import cohort_of_four
from tests.test_introductions_review import NOW, _coordinator_ana

# Her language's number on the first question, /stats's first line, her name question.
LANGUAGES = [
    pytest.param("1", "El programa hoy:", "¿Cuál es su nombre?", id="es"),
    pytest.param("2", "Le programme aujourd'hui\u00a0:", "Quel est votre prénom\u00a0?", id="fr"),
    pytest.param("3", "The programme today:", "What is your first name?", id="en"),
]


@pytest.mark.parametrize(("language", "stats", "name_question"), LANGUAGES)
def test_stats_mid_onboarding_asks_her_question_again(
    settings, db, clock, recorder, language, stats, name_question
):
    """/stats typed while her profile's name question waits: the figures, then the question,
    as after HELP; her next word is her name."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1")
    ana.expect(name_question)
    ana.says("/stats")
    ana.expect(stats)
    assert ana.last[-1].startswith(name_question), ana.text
    ana.says("/commands")
    assert ana.last[-1].startswith(name_question), ana.text
    ana.says("Ana")
    assert "Ana" in ana.text and name_question not in ana.text


# Her language's number; what she reads for Spanish readers (one: Carmen), the preview's total
# and the confirmation, for the four women of the cohort.
EVERYONE = [
    pytest.param(
        "1",
        "para 1 mujer (600",
        "Lo recibirán 4 mujeres:",
        "Listo: 4 mensajes están en camino.",
        id="es",
    ),
    pytest.param(
        "2",
        "pour 1 femme (600",
        "4 femmes la recevront\u00a0:",
        "C'est fait\u00a0: 4 messages sont en route.",
        id="fr",
    ),
    pytest.param(
        "3",
        "for 1 woman (600",
        "4 women will receive it:",
        "Done: 4 messages are on their way.",
        id="en",
    ),
]


@pytest.mark.parametrize(("language", "spanish", "preview", "done"), EVERYONE)
def test_everyone_is_the_women_who_finished_their_profile(
    settings, db, clock, recorder, language, spanish, preview, done
):
    """ "Everyone" is every woman of the programme with her profile finished (so consenting):
    not Ana, a coordinator half-way through her own profile, nor Rosa, who has not finished
    hers (she is "Women who have not finished their profile"). The counts Ana reads before
    sending are the women it went to."""
    app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1")
    with db.session() as session:
        _cohort, women = cohort_of_four(session, NOW)
        four = {woman.id for woman in women.values()}
        rosa = programme.woman(session, "rosa", now=NOW, country="BO", onboarded=False).id
    ana.says("/broadcast")
    ana.says("1")  # everyone
    ana.expect(spanish)
    ana.says("Feria el sábado")
    ana.says("Foire samedi")
    ana.says("Fair on Saturday")
    ana.says("1")  # now
    ana.expect(preview)
    ana.says("1")  # send
    ana.expect(done)
    with db.session() as session:
        sent = {row.participant_id for row in _announcements(session)}
    assert sent == four

    # The women who have not finished their profile: Rosa, not Ana's own work account.
    ana.says("/broadcast")
    ana.says("5")  # women who have not finished their profile
    ana.says("Termine su perfil")
    ana.says("1")  # now
    ana.says("1")  # send
    with db.session() as session:
        sent = {row.participant_id for row in _announcements(session)} - four
    assert sent == {rosa}


def _announcements(session):  # type: ignore[no-untyped-def]
    return session.exec(select(OutboundMessage).where(OutboundMessage.purpose == "broadcast"))


def test_the_console_counts_and_sends_by_the_same_rule(tmp_path, db, clock, recorder):
    """The console's announcement (nothing ticked: every woman, finished profile or not) leaves
    out Zoé, a coordinator whose own profile is unfinished, in its count and in what it sends."""
    app, server, ids = console.make_app(tmp_path, db, clock, recorder)
    now = clock.now()
    with db.session() as session:
        zoe = programme.woman(session, "zoe", now=now, country="SN", onboarded=False)
        session.add(Coordinator(participant_id=zoe.id, added_by="operator:test", added_at=now))
        programme.woman(session, "rosa", now=now, country="BO", onboarded=False)
        women = {p.id for p in session.exec(select(Participant))} - {zoe.id}
    token, csrf = console.session_cookie(app, ids["amina"])
    form = {"csrf": csrf, "action": "save", "text_es": "Hola", "text_fr": "Bonjour"}
    form["text_en"] = "Hello"

    async def flow():  # type: ignore[no-untyped-def]
        async with console.client(server) as c:
            c.cookies.set("console", token, path="/console")
            counted = await c.post("/console/broadcasts/new/count", data={"csrf": csrf})
            url = (await c.post("/console/broadcasts/new", data=form)).headers["location"]
            await c.post(url, data={"csrf": csrf, "action": "send"})
            return counted.text

    counted = asyncio.run(flow())
    assert f"<strong>{len(women)} femmes la recevront.</strong>" in html.unescape(counted)
    with db.session() as session:
        assert {row.participant_id for row in _announcements(session)} == women
