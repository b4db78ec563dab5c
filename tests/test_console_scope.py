"""A coordinator scoped to Senegal sees Senegal only, on every console page and in every export,
and cannot act on a Bolivian woman, pair, cohort, report or announcement."""

from __future__ import annotations

import asyncio
import csv
import html
import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import col, select

from flows import broadcasts, console_auth, reports
from flows.coordination import Actor
from flows.matching import service
from flows.messages import Msg
from flows.render import Reader, render_msg
from flows.scope import EVERYONE, scope_of
from storage.checkins import record_problem
from storage.models import Participant
from storage.pairs import Cohort, Pair, PairStatus
from tests.support import console as support
from tests.support import programme


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def _women(s, country: str, names: list[str], now):  # type: ignore[no-untyped-def]
    return [
        programme.woman(s, f"{country.lower()}{i}", now=now, country=country, name=name)
        for i, name in enumerate(names)
    ]


def _side(s, config, country: str, names: list[str], now, week_ago: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Four women of a country: a cohort with an active pair at risk (one session held long
    ago, rated, surveyed, a problem reported), a mixed cohort's proposal, an announcement."""
    a, b, c, d = _women(s, country, names, now)
    group = programme.cohort(s, f"Cohort {country}", [a, b], now=now)
    live = programme.pair(s, group, a, b, now=now)
    held = programme.meeting(s, live, now - timedelta(days=week_ago))
    programme.checkin(s, live, a, held.id, 4, at=now - timedelta(days=week_ago - 1))
    programme.survey(s, a, "baseline", {"confidence": 2}, at=now - timedelta(days=30))
    programme.survey(s, a, "end", {"confidence": 4}, at=now)
    problem = record_problem(s, participant_id=b.id, source="report", now=now, text="Help")
    draft = broadcasts.draft(
        s,
        config,
        Actor.operator("t"),
        audience=broadcasts.Audience(countries=(country,)),
        texts={"es": "Hola", "fr": "Bonjour", "en": "Hello"},
        now=now,
    )
    return {
        "women": [w.public_id for w in (a, b, c, d)],
        "names": names,
        "people": (c, d),
        "cohort": group.id,
        "pair": live.id,
        "problem": problem.id,
        "broadcast": draft.id,
    }


@pytest.fixture
def world(tmp_path, any_db, clock, recorder):  # type: ignore[no-untyped-def]
    db = any_db
    app, server, ids = support.make_app(tmp_path, db, clock, recorder)
    now = clock.now()
    with db.session() as s:
        config = app.settings.flow_config()
        bo = _side(
            s, config, "BO", ["Rosa Quispe", "Lidia Mamani", "Eva Condori", "Ines Choque"], now, 40
        )
        sn = _side(
            s, config, "SN", ["Fatou Diop", "Khady Ndiaye", "Aida Fall", "Coumba Sow"], now, 25
        )
        mixed = programme.cohort(s, "Mixed", [*bo["people"], *sn["people"]], now=now)
        for side in (bo, sn):
            proposal = programme.pair(s, mixed, *side["people"], now=now, status="proposed")
            side["proposal"] = proposal.id
        mixed_id = mixed.id
    sadio = support.scoped_coordinator(app, "sadio", country="SN", countries=["SN"])
    token, csrf = support.session_cookie(app, sadio)
    return app, server, token, csrf, bo, sn, mixed_id


def _client(server, token):  # type: ignore[no-untyped-def]
    c = support.client(server)
    c.cookies.set("console", token, path="/console")
    return c


def _get(server, token, url: str):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(url)

    return run(go())


def _post(server, token, url: str, data: dict):  # type: ignore[no-untyped-def,type-arg]
    async def go():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.post(url, data=data)

    return run(go())


def _only_senegal(text: str, bo: dict) -> None:  # type: ignore[type-arg]
    assert not any(pid in text for pid in bo["women"]), "a Bolivian woman is shown"


def test_the_dashboard_counts_her_women_only(world):  # type: ignore[no-untyped-def]
    app, server, token, _csrf, bo, sn, _mixed = world
    page = _get(server, token, "/console/")
    cards = dict(
        (label, value)
        for value, label in re.findall(
            r'<b>([^<]*)</b><span class="muted">([^<]*)</span>', page.text
        )
    )
    with app.db.session() as s:
        senegal = len(scope_of(s, ["SN"]).women or ())
    assert cards["Participants"] == str(senegal)
    assert cards["Active pairs"] == "1" and cards["Pairs at risk"] == "1"
    assert f"/pairs/{sn['pair']}" in page.text and f"/pairs/{bo['pair']}" not in page.text
    _only_senegal(page.text, bo)


def test_the_report_figures_follow_the_scope(world):  # type: ignore[no-untyped-def]
    app, _server, _token, _csrf, bo, sn, _mixed = world
    now = app.clock.now()
    with app.db.session() as s:
        scope = scope_of(s, ["SN"])
        mine = reports.build(s, now=now, scope=scope)
        whole = reports.build(s, now=now)
    assert mine.funnel["invited"] == len(scope.women or ()) < whole.funnel["invited"]
    assert [r.pair_id for r in mine.at_risk] == [sn["pair"]]
    held = [sum(n for _week, n in r.sessions_per_week) for r in (mine, whole)]
    assert held == [1, 2]
    # Rated by one woman and by two: under 5, not shown; beneath, each counts its own women's.
    assert mine.ratings_hidden and whole.ratings_hidden
    with app.db.session() as s:
        assert [reports._ratings(s, None, view, [])[2] for view in (scope, EVERYONE)] == [1, 2]
    # Her one country's row would be the funnel itself, under 5 women: not shown by country,
    # nor are the outcomes (their one country would be it).
    assert mine.outcomes["confidence"] == {"all": None} and mine.outcomes_withheld
    assert mine.funnel_withheld and not mine.funnel_by_country
    assert "SN" in whole.funnel_by_country and not whole.funnel_withheld


def test_women_and_profiles(world):  # type: ignore[no-untyped-def]
    _app, server, token, csrf, bo, sn, _mixed = world
    listing = _get(server, token, "/console/women/")
    assert all(pid in listing.text for pid in sn["women"])
    _only_senegal(listing.text, bo)
    assert _get(server, token, f"/console/women/{sn['women'][0]}").status_code == 200
    assert _get(server, token, f"/console/women/{bo['women'][0]}").status_code == 404
    shown = _post(server, token, f"/console/women/{bo['women'][0]}", {"csrf": csrf})
    assert shown.status_code == 404 and "Rosa" not in shown.text


def test_cohorts(world):  # type: ignore[no-untyped-def]
    app, server, token, csrf, bo, sn, mixed = world
    listing = _get(server, token, "/console/cohorts/")
    assert "Cohort SN" in listing.text and "Cohort BO" not in listing.text
    assert _get(server, token, f"/console/cohorts/{bo['cohort']}").status_code == 404
    added = _post(
        server, token, f"/console/cohorts/{bo['cohort']}", {"csrf": csrf, "members": sn["women"][2]}
    )
    assert added.status_code == 404
    page = _get(server, token, f"/console/cohorts/{mixed}")
    assert sn["women"][2] in page.text
    _only_senegal(page.text, bo)
    # Adding a Bolivian woman to her own cohort adds nobody.
    _post(
        server, token, f"/console/cohorts/{sn['cohort']}", {"csrf": csrf, "members": bo["women"][2]}
    )
    from flows.matching import service
    from storage.pairs import Cohort

    with app.db.session() as s:
        assert len(service.member_ids(s, s.get(Cohort, sn["cohort"]))) == 2


def test_match_review_and_publish(world):  # type: ignore[no-untyped-def]
    _app, server, token, csrf, bo, sn, mixed = world
    url = f"/console/cohorts/{mixed}/match"
    review = _get(server, token, url)
    assert f'data-pair="{sn["proposal"]}"' in review.text
    assert f'data-pair="{bo["proposal"]}"' not in review.text
    _only_senegal(review.text, bo)
    for action in ("lock", "forbid", "run"):
        refused = _post(
            server, token, url, {"csrf": csrf, "action": action, "pair": bo["proposal"]}
        )
        assert refused.status_code == 403, action
    assert _get(server, token, f"/console/cohorts/{mixed}/publish").status_code == 403
    assert (
        _post(server, token, f"/console/cohorts/{mixed}/publish", {"csrf": csrf}).status_code == 403
    )
    assert _get(server, token, f"/console/cohorts/{bo['cohort']}/match").status_code == 404
    # Her own cohort is hers to match again.
    again = _post(
        server, token, f"/console/cohorts/{sn['cohort']}/match", {"csrf": csrf, "action": "run"}
    )
    assert again.status_code == 200


def test_pairs(world):  # type: ignore[no-untyped-def]
    app, server, token, csrf, bo, sn, _mixed = world
    listing = _get(server, token, "/console/pairs/")
    assert f"/pairs/{sn['pair']}" in listing.text and f"/pairs/{bo['pair']}" not in listing.text
    assert _get(server, token, f"/console/pairs/{bo['pair']}").status_code == 404
    paused = _post(server, token, f"/console/pairs/{bo['pair']}", {"csrf": csrf, "action": "pause"})
    assert paused.status_code == 404
    from storage.pairs import Pair

    with app.db.session() as s:
        assert s.get(Pair, bo["pair"]).status == PairStatus.ACTIVE


def test_broadcasts(world):  # type: ignore[no-untyped-def]
    _app, server, token, csrf, bo, sn, _mixed = world
    listing = _get(server, token, "/console/broadcasts/")
    assert f"/broadcasts/{sn['broadcast']}" in listing.text
    assert f"/broadcasts/{bo['broadcast']}" not in listing.text
    assert _get(server, token, f"/console/broadcasts/{bo['broadcast']}").status_code == 404
    url = f"/console/broadcasts/{bo['broadcast']}"
    for action in ("send", "cancel"):
        assert _post(server, token, url, {"csrf": csrf, "action": action}).status_code == 404
    compose = _get(server, token, "/console/broadcasts/new")
    assert "Cohort SN" in compose.text and "Cohort BO" not in compose.text


def test_safeguarding(world):  # type: ignore[no-untyped-def]
    _app, server, token, csrf, bo, sn, _mixed = world
    inbox = _get(server, token, "/console/safeguarding/")
    assert f"/safeguarding/{sn['problem']}" in inbox.text
    assert f"/safeguarding/{bo['problem']}" not in inbox.text
    url = f"/console/safeguarding/{bo['problem']}"
    assert _get(server, token, url).status_code == 404
    assert _post(server, token, url, {"csrf": csrf, "action": "resolve"}).status_code == 404


def test_programme_report_page(world):  # type: ignore[no-untyped-def]
    _app, server, token, _csrf, bo, sn, _mixed = world
    page = _get(server, token, "/console/report/")
    assert page.status_code == 200 and sn["women"][0] in page.text
    _only_senegal(page.text, bo)


@pytest.mark.parametrize("what", ["participants", "pairs", "sessions", "checkins", "outcomes"])
def test_each_export_holds_her_rows_only(world, what):  # type: ignore[no-untyped-def]
    _app, server, token, csrf, bo, sn, _mixed = world
    got = _post(server, token, f"/console/exports/{what}.csv", {"csrf": csrf})
    assert got.status_code == 200
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert rows, what
    _only_senegal(got.text, bo)
    if what in ("pairs", "sessions", "checkins"):
        assert {str(row["pair"]) for row in rows} <= {str(sn["pair"]), str(sn["proposal"])}
    sheet = _post(server, token, f"/console/exports/{what}.xlsx", {"csrf": csrf})
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as book:
        text = " ".join(book.read(name).decode() for name in book.namelist())
    assert any(pid in text for pid in sn["women"]) or what in ("sessions", "checkins")
    _only_senegal(text, bo)


def test_her_announcements_are_listed_behind_fifty_newer_ones_of_others(world):  # type: ignore[no-untyped-def]
    app, server, token, _csrf, _bo, sn, _mixed = world
    with app.db.session() as s:
        for _n in range(50):
            broadcasts.draft(
                s,
                app.settings.flow_config(),
                Actor.operator("t"),
                audience=broadcasts.Audience(countries=("BO",)),
                texts={"es": "Hola"},
                now=app.clock.now(),
            )
    listing = _get(server, token, "/console/broadcasts/")
    assert f"/broadcasts/{sn['broadcast']}" in listing.text


def test_a_coordinator_scoped_to_a_cohort_sees_and_reaches_only_it(world):  # type: ignore[no-untyped-def]
    app, server, _token, _csrf, bo, sn, mixed = world
    lena_id = support.scoped_coordinator(app, "lena", country="CA", cohorts=[mixed])
    token, csrf = support.session_cookie(app, lena_id)
    inside = [*bo["women"][2:], *sn["women"][2:]]  # the mixed cohort's women
    outside = [*bo["women"][:2], *sn["women"][:2]]
    women = _get(server, token, "/console/women/")
    assert all(p in women.text for p in inside) and not any(p in women.text for p in outside)
    cohorts = _get(server, token, "/console/cohorts/")
    assert "Mixed" in cohorts.text and "Cohort SN" not in cohorts.text
    assert (
        _post(server, token, "/console/cohorts/", {"csrf": csrf, "name": "New"}).status_code == 403
    )
    run_all = _post(
        server, token, f"/console/cohorts/{mixed}/match", {"csrf": csrf, "action": "run"}
    )
    assert run_all.status_code == 200  # every woman of the cohort is hers
    assert f"/broadcasts/{sn['broadcast']}" not in _get(server, token, "/console/broadcasts/").text
    made = _post(
        server,
        token,
        "/console/broadcasts/new",
        {"csrf": csrf, "action": "save", "cohorts": [str(bo["cohort"])], "text_en": "Hi"},
    )
    assert made.status_code == 303
    listing = _get(server, token, "/console/broadcasts/")
    assert made.headers["location"].rsplit("/", 1)[1] in listing.text
    export = _post(server, token, "/console/exports/participants.csv", {"csrf": csrf})
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert sorted(row["participant"] for row in rows) == sorted(inside)
    from storage.coordination import Broadcast

    with app.db.session() as s:
        newest = s.exec(select(Broadcast).order_by(col(Broadcast.id).desc())).first()
        assert newest.audience["cohorts"] == [str(mixed)]


def _same_sector(a: str, b: str) -> dict:  # type: ignore[type-arg]
    """A proposal's reason for coordinators, naming its two women as matching does."""
    msg = Msg("{a} and {b} both work in the same sector: {sector}.", dict(a=a, b=b, sector="x"))
    return {"for": service.COORDINATOR, "msg": msg.to_json()}


def test_a_proposal_s_reasons_name_its_own_two_women_only(world):  # type: ignore[no-untyped-def]
    """Two women of the cohort share a first name: each proposal's reasons give the id of its own
    Aida, not "id/id" (with a cohort of 200, a name carried by five women made every reason a
    row of ids no coordinator could read)."""
    app, server, _token, _csrf, bo, sn, mixed = world
    with app.db.session() as s:
        people = [s.get(Participant, p.id) for p in (*bo["people"], *sn["people"])]
        eva, ines, aida, coumba = people
        eva.name = "Aida Quispe"
        for pair_id, (a, b) in ((bo["proposal"], (eva, ines)), (sn["proposal"], (aida, coumba))):
            pair = s.get(Pair, pair_id)
            pair.reasons = [_same_sector(a.name.split()[0], b.name.split()[0])]
            s.add_all([eva, pair])
        keys = ("eva", "ines", "aida", "coumba")
        ids = {key: p.public_id for key, p in zip(keys, people, strict=True)}
        amina = console_auth.find_by_address(s, "amina")  # an admin: she sees both proposals
    token, _ = support.session_cookie(app, amina.id)
    review = _get(server, token, f"/console/cohorts/{mixed}/match")
    reasons = [r for r in re.findall(r"<li>([^<]*)</li>", review.text) if "secteur" in r]
    same = "{} et {} travaillent dans le même secteur\u00a0: x."
    assert sorted(reasons) == sorted(
        [same.format(ids["eva"], ids["ines"]), same.format(ids["aida"], ids["coumba"])]
    )


def test_match_review_offers_no_action_she_would_be_refused(world):  # type: ignore[no-untyped-def]
    """Matching again, the rules and publishing act on the whole cohort: on a cohort with women
    outside her scope she is told so, instead of buttons that answer a bare "forbidden"."""
    _app, server, token, _csrf, _bo, sn, mixed = world
    mixed_page = _get(server, token, f"/console/cohorts/{mixed}/match").text
    own_page = _get(server, token, f"/console/cohorts/{sn['cohort']}/match").text
    for action in ('value="run"', 'value="lock"', 'value="forbid"', "/publish"):
        assert action not in mixed_page, action
    assert "some of its women are not among those you follow" in mixed_page
    assert 'value="run"' in own_page and "not among those you follow" not in own_page
    assert 'value="names"' in mixed_page  # her own women's names she may still ask for


def test_the_report_of_a_cohort_she_cannot_open_is_not_found(world):  # type: ignore[no-untyped-def]
    """Scoped to the mixed cohort, she gets its report; another cohort's answers "not found",
    as a cohort that does not exist does, so its name tells her nothing either."""
    app, server, _token, _csrf, _bo, sn, mixed = world
    lena_id = support.scoped_coordinator(app, "lena", country="CA", cohorts=[mixed])
    token, _csrf = support.session_cookie(app, lena_id)
    assert _get(server, token, "/console/report/?cohort=Mixed").status_code == 200
    for other in ("Cohort SN", str(sn["cohort"]), "nosuch"):
        assert _get(server, token, f"/console/report/?cohort={other}").status_code == 404, other


def test_times_read_in_her_own_zone_and_language(world):  # type: ignore[no-untyped-def]
    """A coordinator in La Paz reads a report received at 15:00 UTC, her note on it and the pair's
    session as La Paz hours, the zone named, never "15:00 UTC" to convert in her head."""
    app, server, _token, _csrf, bo, _sn, _mixed = world
    rosa = support.scoped_coordinator(app, "rosa", country="BO", countries=["BO"])
    token, csrf = support.session_cookie(app, rosa)
    report = f"/console/safeguarding/{bo['problem']}"
    _post(server, token, report, {"csrf": csrf, "note": "Called her", "action": "save"})
    inbox, page = _get(server, token, "/console/safeguarding/"), _get(server, token, report)
    pair = _get(server, token, f"/console/pairs/{bo['pair']}")
    for text in (inbox.text, page.text):
        assert "Mar 2, 11:00 a.m. (La Paz)" in html.unescape(text)
    assert "Mar 2, 11:00 a.m. (La Paz)</span> Called her" in html.unescape(page.text)
    assert "Jan 21, 11:00 a.m. (La Paz)" in html.unescape(pair.text)  # held 40 days before
    assert not any("UTC" in t for t in (inbox.text, page.text, pair.text))


def test_a_cohort_coordinator_sees_no_other_cohort_s_name(world):  # type: ignore[no-untyped-def]
    """Eva is in the mixed cohort and in Cohort SN too: the coordinator of the mixed cohort alone
    reads only its name beside her, in the list, on the cohort's page and on her profile."""
    app, server, _token, _csrf, bo, sn, mixed = world
    with app.db.session() as s:
        eva = s.get(Participant, bo["people"][0].id)
        service.add_member(s, s.get(Cohort, sn["cohort"]), eva.id, now=app.clock.now())
        public = eva.public_id
    lena_id = support.scoped_coordinator(app, "lena", country="CA", cohorts=[mixed])
    token, _csrf = support.session_cookie(app, lena_id)
    for url in ("/console/women/", f"/console/cohorts/{mixed}", f"/console/women/{public}"):
        page = _get(server, token, url)
        assert public in page.text and "Mixed" in page.text, url
        assert "Cohort SN" not in page.text and f"/cohorts/{sn['cohort']}" not in page.text, url


def test_show_names_shows_only_the_names_of_her_own_women(world):  # type: ignore[no-untyped-def]
    """A proposal of the mixed cohort pairs Aida (Senegal, hers) with Eva (Bolivia, not hers):
    "Show names" gives the Senegal coordinator Aida's name, and Eva's id only, as her
    profile would (it is not hers to open)."""
    app, server, token, csrf, bo, sn, mixed = world
    with app.db.session() as s:
        eva, aida = s.get(Participant, bo["people"][0].id), s.get(Participant, sn["people"][0].id)
        cross = programme.pair(
            s, s.get(Cohort, mixed), eva, aida, now=app.clock.now(), status="proposed"
        )
        cross.reasons = [_same_sector("Aida", "Eva")]
        s.add(cross)
        eva_id = eva.public_id
    named = _post(
        server, token, f"/console/cohorts/{mixed}/match", {"csrf": csrf, "action": "names"}
    )
    reasons = [r for r in re.findall(r"<li>([^<]*)</li>", named.text) if "sector" in r]
    assert reasons == [f"Aida and {eva_id} both work in the same sector: x."]
    assert "Eva" not in named.text


def test_a_mixed_pairs_ratings_are_each_coordinators_womens(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    """A Senegal–Canada pair: the Canadian rates the session 1, the Senegalese 5. The Senegal
    coordinator's check-ins export lists her woman's 5 only. Neither report shows an average
    (one woman, two women: the admin's 3 would tell Fatou that Anne gave 1)."""
    app, server, ids = support.make_app(tmp_path, db, clock, recorder)
    now = clock.now()
    with db.session() as s:
        fatou = programme.woman(s, "fatou", now=now, country="SN")
        anne = programme.woman(s, "anne", now=now, country="CA")
        pair = programme.pair(
            s, programme.cohort(s, "Ponts", [fatou, anne], now=now), fatou, anne, now=now
        )
        held = programme.meeting(s, pair, now - timedelta(days=3))
        programme.checkin(s, pair, anne, held.id, 1, at=now - timedelta(days=2))
        programme.checkin(s, pair, fatou, held.id, 5, at=now - timedelta(days=2))
    sadio, sadio_csrf = support.session_cookie(
        app, support.scoped_coordinator(app, "sadio", country="SN", countries=["SN"])
    )
    amina, _amina_csrf = support.session_cookie(app, ids["amina"])
    for token in (sadio, amina):
        page = _get(server, token, "/console/report/").text
        assert not re.search(r"\d[.,]0/5", page) and 'data-chart="ratings"' not in page
        assert '<div class="card" data-key="mean_rating"><b>x</b>' in page
        # The dashboard's card too: the report's mark, not "3.0" (nor "—", "no rating yet").
        dashboard = _get(server, token, "/console/").text
        language = re.search(r'<html lang="(\w+)"', dashboard).group(1)  # type: ignore[union-attr]
        label = render_msg(reports.TEXT["mean_rating"], Reader(language))
        cards = re.findall(r'<b>([^<]*)</b><span class="muted">([^<]*)</span>', dashboard)
        assert ("x", html.escape(label)) in cards, cards
    got = _post(server, sadio, "/console/exports/checkins.csv", {"csrf": sadio_csrf})
    assert [row["usefulness"] for row in csv.DictReader(io.StringIO(got.text))] == ["5"]
