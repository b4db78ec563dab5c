"""A coordinator scoped to a cohort adds and invites women into it (never into another cohort),
and every count of its members agrees: the dashboard, the women list, the cohorts list, the
cohort's page, the programme report and the chat's /stats and /match, for her and for an admin
of the whole programme (who counts: `flows.scope.members`)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlmodel import select

from flows import cohort_join, match_review
from flows import console_views as views
from flows.coordination import NotAllowed
from flows.matching import service
from flows.messages import Msg
from flows.render import Reader, render_msg
from flows.scope import scope_of
from storage import coordination as store
from storage import participants
from storage.coordination import AuditEntry
from storage.models import Participant
from storage.pairs import Cohort
from tests.support import console as support
from tests.support import programme
from tests.support.dialog import Person

LANGUAGES = ["es", "fr", "en"]


@pytest.fixture
def world(tmp_path, any_db, clock, recorder):  # type: ignore[no-untyped-def]
    """Cohort Pilote (code PILOTE26): two onboarded women with an active pair, one whose profile
    is not finished, one who stopped messages, one who erased her data, and a coordinator's own
    work account (not a woman of the programme). Cohort Otra: two women. Three newcomers in no
    cohort: Nora (Bolivia, from the console's setup), Mariama and Ndeye (Senegal)."""
    app, server, ids = support.make_app(tmp_path, any_db, clock, recorder)
    now = clock.now()
    with any_db.session() as s:
        rosa = programme.woman(s, "rosa", now=now, country="BO", name="Rosa Quispe")
        fatou = programme.woman(s, "fatou", now=now, country="SN", name="Fatou Diop")
        julie = programme.woman(s, "julie", now=now, country="CA", onboarded=False)
        khady = programme.woman(s, "khady", now=now, country="SN", opted_out=True)
        lidia = programme.woman(s, "lidia", now=now, country="BO")
        work = programme.woman(s, "coordx", now=now, country="CA", onboarded=False)
        s.add(store.Coordinator(participant_id=work.id, added_by="operator:t", added_at=now))
        pilote = programme.cohort(s, "Pilote", [rosa, fatou, julie, khady, lidia, work], now=now)
        pilote.invite_code = "PILOTE26"
        programme.pair(s, pilote, rosa, fatou, now=now)
        participants.erase(s, lidia, now=now)
        eva = programme.woman(s, "eva", now=now, country="BO")
        aida = programme.woman(s, "aida", now=now, country="SN")
        otra = programme.cohort(s, "Otra", [eva, aida], now=now)
        programme.pair(s, otra, eva, aida, now=now, status="proposed")
        mariama = programme.woman(s, "mariama", now=now, country="SN", onboarded=False)
        ndeye = programme.woman(s, "ndeye", now=now, country="SN")
        nora = s.exec(select(Participant).where(Participant.name == "Nora")).one()
        named = dict(rosa=rosa, fatou=fatou, julie=julie, khady=khady, lidia=lidia, coordx=work)
        named |= dict(eva=eva, aida=aida, mariama=mariama, ndeye=ndeye, nora=nora)
        public = {key: person.public_id for key, person in named.items()}
        ids.update(pilote=pilote.id, otra=otra.id)
    return app, server, ids, public


def _lena(app, locale: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Lena, a Canadian coordinator scoped to cohort Pilote, reading in `locale`: her id, her
    console cookie and CSRF token."""
    with app.db.session() as s:
        lena = programme.woman(s, "lena", now=app.clock.now(), country="CA", locale=locale)
        lena_id = lena.id
    with app.db.session() as s:
        pilote = s.exec(select(Cohort).where(Cohort.name == "Pilote")).one()
        pilote_id = pilote.id
    support.limit_coordinator(app, lena_id, cohorts=[pilote_id])
    return lena_id, *support.session_cookie(app, lena_id)


def _get(server, token: str, url: str) -> str:  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            page = await c.get(url)
            assert page.status_code == 200, url
            return page.text

    return asyncio.run(go())


def _post(server, token: str, url: str, data: dict):  # type: ignore[no-untyped-def,type-arg]
    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            return await c.post(url, data=data)

    return asyncio.run(go())


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, pattern
    return int(found.group(1))


def _card(text: str, key: str) -> int:
    return _number(rf'data-key="{key}"><b>(\d+)</b>', text)


def _figures(server, token: str, cohort_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Every count of women she is shown, on every page, for her whole view and for one cohort."""
    dashboard = _get(server, token, "/console/")
    report = _get(server, token, "/console/report/")
    return {
        "dashboard": _card(dashboard, "participants"),
        "women list": _number(
            r'id="women-count" data-count="(\d+)"', _get(server, token, "/console/women/")
        ),
        "report": _card(report, "participants"),
        "cohort's women list": _number(
            r'id="women-count" data-count="(\d+)"',
            _get(server, token, f"/console/women/?cohort={cohort_id}"),
        ),
        "cohorts list": _number(
            rf'data-size="{cohort_id}">(\d+)<', _get(server, token, "/console/cohorts/")
        ),
        "cohort page": _number(
            r'id="member-count">(\d+)<', _get(server, token, f"/console/cohorts/{cohort_id}")
        ),
        "cohort's report": _card(
            _get(server, token, f"/console/report/?cohort={cohort_id}"), "participants"
        ),
        "active pairs, dashboard": _card(dashboard, "active_pairs"),
        "active pairs, report": _card(report, "active_pairs"),
    }


def _say(msg: Msg, locale: str, **params: object) -> str:
    return render_msg(Msg(msg.msgid, dict(params), msg.plural, msg.n), Reader(locale))


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_cohort_coordinator_reads_the_same_count_on_every_page_and_in_the_chat(world, locale):  # type: ignore[no-untyped-def]
    """Pilote has five women: finished profile or not, stopped or not, erased (anonymous) or
    not; the coordinator's work account is not one of them."""
    app, server, ids, public = world
    _lena_id, token, _csrf = _lena(app, locale)
    figures = _figures(server, token, ids["pilote"])
    whole = {key: n for key, n in figures.items() if not key.startswith("active")}
    assert set(whole.values()) == {5}, figures
    assert figures["active pairs, dashboard"] == figures["active pairs, report"] == 1
    page = _get(server, token, f"/console/cohorts/{ids['pilote']}")
    members = ("rosa", "fatou", "julie", "khady", "lidia")
    assert all(public[key] in page for key in members) and public["coordx"] not in page
    assert _number(r'data-status="active" data-count="(\d+)"', page) == 1
    active = _get(server, token, "/console/pairs/?status=active")
    assert len(re.findall(r'href="/console/pairs/\d+"', active)) == 1
    # The woman who erased her data is a row, by her pseudonymous id, with no profile to open.
    assert f'/women/{public["lidia"]}"' not in page
    lena = Person(app, "lena")
    lena.says("/stats")
    assert _number(r"Participant\w*\s?:\s*(\d+)", lena.text) == 5, lena.text
    lena.says("/match")
    label = match_review.COHORT_LABEL
    assert _say(Msg(label.msgid, {}, label.plural, 5), locale, name="Pilote", n=5) in lena.text


def test_an_admin_of_the_whole_programme_reads_the_same_counts_too(world):  # type: ignore[no-untyped-def]
    app, server, ids, _public = world
    token, _csrf = support.session_cookie(app, ids["amina"])
    figures = _figures(server, token, ids["pilote"])
    everyone = {figures["dashboard"], figures["women list"], figures["report"]}
    assert len(everyone) == 1 and everyone.pop() > 5, figures
    cohort = [figures[key] for key in figures if "cohort" in key]
    assert set(cohort) == {5}, figures
    assert figures["active pairs, dashboard"] == figures["active pairs, report"] == 1
    amina = Person(app, "amina")
    amina.says("/stats")
    assert _number(r"Participant\w*\s?:\s*(\d+)", amina.text) == figures["dashboard"]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_cohort_coordinator_adds_newcomers_to_her_cohort_only(world, locale):  # type: ignore[no-untyped-def]
    app, server, ids, public = world
    _lena_id, token, csrf = _lena(app, locale)
    url = f"/console/cohorts/{ids['pilote']}"
    page = _get(server, token, url)
    # The women in no cohort yet are offered by their pseudonymous ids; another cohort's are not.
    offered = re.findall(r'name="members" value="([^"]+)"', page)
    assert set(offered) == {public["nora"], public["mariama"], public["ndeye"]}
    assert "Nora" not in page and 'id="invite-code">PILOTE26<' in page
    added = _post(
        server,
        token,
        url,
        {
            "csrf": csrf,
            "members": [public["nora"], f"{public['mariama']} {public['eva']} nosuch"],
        },
    )
    assert added.status_code == 200
    assert _number(r'id="member-count">(\d+)<', added.text) == 7
    refused = re.search(r'id="not-added">([^<]*)<', added.text)
    assert refused and public["eva"] in refused.group(1) and "nosuch" in refused.group(1)
    with app.db.session() as s:

        def cohorts_of(key: str) -> list[str]:
            person = s.exec(select(Participant).where(Participant.public_id == public[key])).one()
            return [c.name for c in service.cohorts_of(s, person.id or 0)]

        assert cohorts_of("nora") == cohorts_of("mariama") == ["Pilote"]
        assert cohorts_of("eva") == ["Otra"]
        logged = s.exec(select(AuditEntry).where(AuditEntry.action == "cohort_add")).one()
        assert logged.audience == 2
    # They are hers now: listed, counted and open to her.
    women = _get(server, token, "/console/women/")
    assert public["nora"] in women and public["mariama"] in women
    assert _number(r'id="women-count" data-count="(\d+)"', women) == 7
    assert public["nora"] in _get(server, token, f"/console/women/{public['nora']}")
    # Another cohort's page is not hers: a forged post adds nobody there.
    forged = _post(
        server, token, f"/console/cohorts/{ids['otra']}", {"csrf": csrf, "members": public["ndeye"]}
    )
    assert forged.status_code == 404
    with app.db.session() as s:
        ndeye = s.exec(select(Participant).where(Participant.public_id == public["ndeye"])).one()
        assert service.cohorts_of(s, ndeye.id or 0) == []


def test_a_cohort_coordinator_creates_no_cohort_and_is_not_offered_to(world):  # type: ignore[no-untyped-def]
    app, server, _ids, _public = world
    _lena_id, token, csrf = _lena(app, "fr")
    assert 'id="name"' not in _get(server, token, "/console/cohorts/")
    made = _post(server, token, "/console/cohorts/", {"csrf": csrf, "name": "Nouvelle"})
    assert made.status_code == 403
    admin, _admin_csrf = support.session_cookie(app, _ids["amina"])
    assert 'id="name"' in _get(server, admin, "/console/cohorts/")


def test_a_country_coordinator_adds_no_newcomer_of_another_country(world):  # type: ignore[no-untyped-def]
    app, server, ids, public = world
    sadio = support.scoped_coordinator(app, "sadio", country="SN", countries=["SN"])
    token, csrf = support.session_cookie(app, sadio)
    with app.db.session() as s:
        dakar = service.create_cohort(
            s, "Dakar", modes=["national"], code="DKR", now=app.clock.now()
        )
        dakar_id = dakar.id
    url = f"/console/cohorts/{dakar_id}"
    offered = set(re.findall(r'name="members" value="([^"]+)"', _get(server, token, url)))
    assert {public["mariama"], public["ndeye"]} <= offered and public["nora"] not in offered
    done = _post(server, token, url, {"csrf": csrf, "members": [public["nora"], public["ndeye"]]})
    assert _number(r'id="member-count">(\d+)<', done.text) == 1
    assert public["nora"] in re.search(r'id="not-added">([^<]*)<', done.text).group(1)


def test_adding_checks_the_cohort_itself_whatever_the_caller(world):  # type: ignore[no-untyped-def]
    """The flow refuses another cohort even when a page forgot to look."""
    app, _server, ids, public = world
    with app.db.session() as s:
        scope = scope_of(s, [], [ids["pilote"]])
        otra = s.get(Cohort, ids["otra"])
        with pytest.raises(NotAllowed):
            views.add_women(s, scope, otra, [public["ndeye"]], now=app.clock.now())


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_woman_invited_with_the_code_lands_in_the_cohort_and_in_every_count(world, locale):  # type: ignore[no-untyped-def]
    app, server, ids, public = world
    _lena_id, token, _csrf = _lena(app, locale)
    before = _figures(server, token, ids["pilote"])
    with app.db.session() as s:
        country = {"es": "BO", "fr": "SN", "en": "CA"}[locale]
        programme.woman(s, "newcomer", now=app.clock.now(), country=country, locale=locale)
    newcomer = Person(app, "newcomer")
    newcomer.says("pilote 26")
    assert newcomer.text == _say(cohort_join.JOINED, locale, cohort="Pilote")
    after = _figures(server, token, ids["pilote"])
    assert {key: after[key] - before[key] for key in after if not key.startswith("active")} == {
        key: 1 for key in after if not key.startswith("active")
    }
