"""A coordinator's day in chat: her commands typed mid-question, the announcement to everyone,
and who she can make a coordinator (in chat and at the command line)."""

from __future__ import annotations

import asyncio
import html

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot import cli_coordination
from bot.cli import app as cli
from flows import console_auth
from flows.config import FlowConfig
from flows.messages import Msg
from flows.render import Reader, render_msg
from storage.coordination import Coordinator
from storage.db import Database
from storage.models import OutboundMessage, Participant
from storage.pairs import CohortMember
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


# A coordinator added before she ever wrote: what the chat and the command line tell, per
# language (her language's number; the first words of "she has not written yet").
NOT_WRITTEN = [
    pytest.param("1", "es", "todavía no ha escrito al bot", id="es"),
    pytest.param("2", "fr", "n'a pas encore écrit au bot", id="fr"),
    pytest.param("3", "en", "has not written to the bot yet", id="en"),
]
NEVER_WROTE = "+221770000009"
WROTE = "+221770000001"


@pytest.mark.parametrize(("language", "code", "not_written"), NOT_WRITTEN)
def test_adding_in_chat_someone_who_never_wrote_says_what_she_must_do(
    settings, db, clock, recorder, language, code, not_written
):
    """The console finds a coordinator by the address she writes from: until she has written,
    she cannot sign in, and Ana is told so (and not for a woman who has written)."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1", "Ana")
    with db.session() as session:
        programme.woman(session, WROTE, now=NOW, channel="whatsapp", country="SN")
    ana.says(f"/coordinators add {NEVER_WROTE}")
    ana.expect(NEVER_WROTE, not_written)
    with db.session() as session:
        assert console_auth.find_by_address(session, NEVER_WROTE) is None  # true: she cannot
    ana.says(f"/coordinators add {WROTE}")
    ana.expect(WROTE)
    assert not_written not in ana.text


@pytest.fixture
def cli_database(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DEFAULT_LOCALE", raising=False)
    monkeypatch.delenv("COORDINATORS", raising=False)
    database = Database(url)
    database.upgrade()
    with database.session() as session:
        programme.woman(session, WROTE, now=NOW, channel="whatsapp", country="SN")
    return database


def _cli(*args: str, given: str | None = None) -> str:
    result = CliRunner().invoke(cli, list(args), input=given, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("language", "code", "not_written"), NOT_WRITTEN)
def test_the_cli_says_she_must_write_first(cli_database, language, code, not_written):
    """`coordinators add` (and `password`) for someone who never wrote no longer lets the
    operator believe she can sign in: it says she must write to the bot first."""
    out = _cli("coordinators", "add", NEVER_WROTE, "--lang", code, "--as", "t")
    assert NEVER_WROTE in out and not_written in out
    secret = "jolof-rice-2026"
    out = _cli(
        "coordinators",
        "password",
        NEVER_WROTE,
        "--lang",
        code,
        "--as",
        "t",
        given=f"{secret}\n{secret}\n",
    )
    assert not_written in out
    assert _say(cli_coordination.PASSWORD_SET, code, who=NEVER_WROTE) not in out
    with cli_database.session() as session:
        config = FlowConfig(coordinators=frozenset())
        assert console_auth.check_password(session, config, NEVER_WROTE, secret, now=NOW) is None
    # She who wrote can sign in: nothing more to say.
    out = _cli("coordinators", "add", WROTE, "--lang", code, "--as", "t")
    assert WROTE in out and not_written not in out
    out = _cli(
        "coordinators",
        "password",
        WROTE,
        "--lang",
        code,
        "--as",
        "t",
        given=f"{secret}\n{secret}\n",
    )
    assert _say(cli_coordination.PASSWORD_SET, code, who=WROTE) in out
    with cli_database.session() as session:
        config = FlowConfig(coordinators=frozenset())
        assert console_auth.check_password(session, config, WROTE, secret, now=NOW) is not None


def _say(msg: Msg, language: str, **params: str) -> str:
    return render_msg(Msg(msg.msgid, params), Reader(language))


@pytest.mark.parametrize(("language", "code", "not_written"), NOT_WRITTEN)
def test_a_role_given_to_someone_who_never_wrote_says_she_must_write(
    cli_database, language, code, not_written
):
    """`coordinators role` makes a coordinator too: it tells as much as `add` does."""
    out = _cli("coordinators", "role", NEVER_WROTE, "viewer", "--lang", code, "--as", "t")
    assert not_written in out
    assert not_written not in _cli("coordinators", "role", WROTE, "viewer", "--lang", code)


def test_a_country_the_programme_does_not_know_is_refused(cli_database):
    """ "--country senegal" (or "SEN") would give her a console with nobody in it: refused,
    and nobody is made a coordinator."""
    for typed in ("senegal", "SEN"):
        result = CliRunner().invoke(
            cli, ["coordinators", "add", WROTE, "--country", typed, "--as", "t"]
        )
        assert result.exit_code == 2, result.output
        assert typed.upper() in result.output and "SN" in result.output
    assert WROTE not in _cli("coordinators", "list")
    out = _cli("coordinators", "add", WROTE, "--country", "sn", "--as", "t")
    assert WROTE in out
    with cli_database.session() as session:
        row = session.exec(select(Coordinator)).one()
        assert row.countries == ["SN"]


PASSWORD_PROMPTS = [
    pytest.param("es", "Contraseña de la consola:", "La misma contraseña otra vez:", id="es"),
    pytest.param(
        "fr",
        "Mot de passe de la console\u00a0:",
        "Le même mot de passe encore une fois\u00a0:",
        id="fr",
    ),
    pytest.param("en", "Console password:", "The same password again:", id="en"),
]


@pytest.mark.parametrize(("code", "first", "again"), PASSWORD_PROMPTS)
def test_the_password_prompts_are_in_her_language(cli_database, code, first, again):
    """Both prompts and a mismatch are in the operator's language (not click's English
    "Repeat for confirmation"), with French punctuation; a mismatch changes nothing."""
    secret = "jolof-rice-2026"
    _cli("coordinators", "add", WROTE, "--as", "t")
    out = _cli(
        "coordinators",
        "password",
        WROTE,
        "--lang",
        code,
        "--as",
        "t",
        given=f"{secret}\n{secret}\n",
    )
    assert first in out and again in out and "Repeat" not in out
    result = CliRunner().invoke(
        cli,
        ["coordinators", "password", WROTE, "--lang", code, "--as", "t"],
        input=f"{secret}\nanother-one-2026\n",
    )
    assert result.exit_code == 2
    assert _say(cli_coordination.PASSWORDS_DIFFER, code) in result.output
    assert "do not match" not in result.output
    with cli_database.session() as session:
        config = FlowConfig(coordinators=frozenset())
        assert console_auth.check_password(session, config, WROTE, secret, now=NOW) is not None


def test_the_list_tells_each_coordinators_countries_and_cohorts(cli_database):
    """An operator who scoped a coordinator to one cohort (or country) reads it back in
    `coordinators list`, as `role` said it when she set it."""
    _cli("cohort", "create", "Pilote", "--code", "PIL")
    _cli("coordinators", "add", WROTE, "--cohort", "Pilote", "--as", "t")
    _cli("coordinators", "add", NEVER_WROTE, "--country", "bo", "--as", "t")
    _cli("coordinators", "add", "+221770000008", "--as", "t")
    lines = {line.split("\t")[0]: line for line in _cli("coordinators", "list").splitlines()}
    assert "\tcoordinator\tPilote\t" in lines[WROTE]
    assert "\tcoordinator\tBO\t" in lines[NEVER_WROTE]
    assert "\tcoordinator\tAll countries\t" in lines["+221770000008"]
    assert "\tcoordinator\tTous les pays\t" in _cli("coordinators", "list", "--lang", "fr")


NO_NUMBER = [
    pytest.param("1", "No hay ningún anuncio número 99.", id="es"),
    pytest.param("2", "Il n'y a pas d'annonce numéro 99.", id="fr"),
    pytest.param("3", "There is no announcement number 99.", id="en"),
]


@pytest.mark.parametrize(("language", "no_number"), NO_NUMBER)
def test_an_announcement_number_that_is_not_hers_is_named(
    settings, db, clock, recorder, language, no_number
):
    """/progress 99 (a typo) after an announcement went out: not "no announcement has been sent
    yet", which is untrue, but that there is no number 99; /retry 99 too."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1", "Ana")
    with db.session() as session:
        cohort_of_four(session, NOW)
    ana.says("/broadcast")
    ana.says("1")  # everyone
    for text in ("Feria", "Foire", "Fair"):
        ana.says(text)
    ana.says("1")  # now
    ana.says("1")  # send
    for command in ("/progress 99", "/retry #99"):
        ana.says(command)
        assert ana.last[0] == no_number, ana.text


# Her language's number; what she reads for the one Spanish reader, then for the one woman
# without a pair (Carmen both times: Rosa has not finished her profile).
NARROWER = [
    pytest.param("1", "para 1 mujer (600", id="es"),
    pytest.param("2", "pour 1 femme (600", id="fr"),
    pytest.param("3", "for 1 woman (600", id="en"),
]


@pytest.mark.parametrize(("language", "one"), NARROWER)
def test_a_country_a_cohort_or_no_pair_are_women_of_everyone(
    settings, db, clock, recorder, language, one
):
    """The women of one country, of one cohort, or without a pair are some of "Everyone": with
    a finished profile. Rosa, who has not finished hers, is for "Women who have not finished
    their profile"; so a country's count is never more than Everyone's."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1", "Ana")
    with db.session() as session:
        cohort, women = cohort_of_four(session, NOW)
        rosa = programme.woman(session, "rosa", now=NOW, country="BO", onboarded=False)
        session.add(CohortMember(cohort_id=cohort.id, participant_id=rosa.id, joined_at=NOW))
        carmen = women["carmen"]
        # Carmen alone has no pair: the other three are paired.
        programme.pair(session, cohort, women["julie"], women["emily"], now=NOW)
        programme.pair(session, cohort, women["awa"], women["emily"], now=NOW)
    assert carmen.id
    for choice in (("2", "1"), ("4",)):  # Bolivia; women without a pair
        ana.says("/broadcast")
        for key in choice:
            ana.says(key)
        ana.expect(one)
        ana.says("/broadcast")  # she starts again: no harm
    ana.says("/broadcast")
    ana.says("3")  # one cohort
    ana.says("1")  # Pilote 2026
    ana.expect(one)  # Carmen, the cohort's one Spanish reader; not Rosa


LISTS = [
    pytest.param(
        "1",
        (
            "- console:ana: administradora, todo el programa",
            "- console:vic: solo lectura, Bolivia",
            "- console:coco: coordinadora, Pilote 2026",
        ),
        id="es",
    ),
    pytest.param(
        "2",
        (
            "- console:ana\u00a0: administratrice, tout le programme",
            "- console:vic\u00a0: lecture seule, Bolivie",
            "- console:coco\u00a0: coordinatrice, Pilote 2026",
        ),
        id="fr",
    ),
    pytest.param(
        "3",
        (
            "- console:ana: administrator, the whole programme",
            "- console:vic: reads only, Bolivia",
            "- console:coco: coordinator, Pilote 2026",
        ),
        id="en",
    ),
]


@pytest.mark.parametrize(("language", "lines"), LISTS)
def test_the_chat_list_of_coordinators_tells_what_each_may_do_and_see(
    settings, db, clock, recorder, language, lines
):
    """/coordinators tells an admin each one's role and scope (a cohort by its name), so she
    knows who sees what; the command line lists them the same way."""
    _app, ana = _coordinator_ana(settings, db, clock, recorder, "hello", language, "1", "Ana")
    with db.session() as session:
        cohort, _women = cohort_of_four(session, NOW)
        for address, role, countries, cohorts in (
            ("vic", "viewer", ["BO"], []),
            ("coco", "coordinator", [], [cohort.id]),
        ):
            session.add(
                Coordinator(
                    channel="console",
                    address=address,
                    added_by="operator:t",
                    added_at=NOW,
                    role=role,
                    countries=countries,
                    cohorts=cohorts,
                )
            )
    ana.says("/coordinators")
    ana.expect(*lines)


NOT_YET = [
    pytest.param("es", "+221770000007 no es coordinadora", id="es"),
    pytest.param("fr", "+221770000007 n'est pas coordinatrice", id="fr"),
    pytest.param("en", "+221770000007 is not a coordinator", id="en"),
]


@pytest.mark.parametrize(("code", "refused"), NOT_YET)
def test_a_password_makes_nobody_a_coordinator(cli_database, code, refused):
    """A password for a number that is no coordinator (a typo) is refused: it does not make
    her one, which would open the console, names and contacts to whoever writes from it."""
    secret = "jolof-rice-2026"
    result = CliRunner().invoke(
        cli,
        ["coordinators", "password", "+221770000007", "--lang", code, "--as", "t"],
        input=f"{secret}\n{secret}\n",
    )
    assert result.exit_code == 2, result.output
    assert refused in result.output and "coordinators add" in result.output
    assert "+221770000007" not in _cli("coordinators", "list")
