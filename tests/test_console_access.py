"""The console lets coordinators in and nobody else: route by route, CSRF, rate limit, roles."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlmodel import select

from bot.console import PAGES
from flows.coordination import Actor, remove
from storage.coordination import AuditEntry
from tests.support import console as support

SAMPLE = {
    "public_id": "nobody",
    "cohort_id": "1",
    "pair_id": "1",
    "broadcast_id": "1",
    "report_id": "1",
    "kind": "csv",
    "what": "participants",
}


def paths() -> list[tuple[str, str]]:
    found = []
    for path, _handler, methods, _role in PAGES:
        concrete = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE[m.group(1)], path)
        found += [(method, "/console" + concrete) for method in methods]
    return found


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture
def setup(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    return support.make_app(tmp_path, db, clock, recorder)


@pytest.mark.parametrize(("method", "path"), paths())
def test_signed_out_gets_nothing(setup, method, path):  # type: ignore[no-untyped-def]
    _app, server, _ids = setup

    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            return await c.request(method, path, data={"csrf": "x"})

    response = run(go())
    if method == "GET":
        assert response.status_code == 303
        assert response.headers["location"] == "/console/signin"
    else:
        assert response.status_code == 403
    assert len(response.content) < 20 and "amina" not in response.text.lower()


@pytest.mark.parametrize(("method", "path"), paths())
def test_a_forged_or_stale_cookie_gets_nothing(setup, method, path):  # type: ignore[no-untyped-def]
    _app, server, _ids = setup

    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", "forged-token", path="/console")
            return await c.request(method, path, data={"csrf": "x"})

    assert run(go()).status_code in (303, 403)


def test_a_coordinator_removed_loses_her_session_at_once(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    token, _csrf = support.session_cookie(app, ids["vera"])

    async def get():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            return await c.get("/console/")

    assert run(get()).status_code == 200
    with app.db.session() as s:
        remove(
            s,
            app.settings.flow_config(),
            Actor.operator("t"),
            f"participant:{ids['vera']}",
            now=app.clock.now(),
        )
    assert run(get()).status_code == 303


def test_a_non_coordinator_never_gets_a_session_or_a_code(setup):  # type: ignore[no-untyped-def]
    app, server, _ids = setup
    from flows import console_auth

    with app.db.session() as s:
        nora = console_auth.find_by_address(s, "nora")
        assert nora is not None
        assert (
            console_auth.open_session(s, app.settings.flow_config(), nora.id, now=app.clock.now())
            is None
        )
    before = len(_outbox(app))

    async def ask():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            page = await c.get("/console/signin")
            csrf = c.cookies.get("console_csrf")
            answer = await c.post("/console/signin", data={"csrf": csrf, "address": "nora"})
            return page, answer

    page, answer = run(ask())
    assert page.status_code == 200 and answer.status_code == 303  # the same answer as for Amina
    assert len(_outbox(app)) == before  # but no code went out
    with app.db.session() as s:
        refused = s.exec(
            select(AuditEntry).where(AuditEntry.action == "refused:console_code")
        ).all()
    assert len(refused) == 1


def _outbox(app):  # type: ignore[no-untyped-def]
    from storage.models import OutboundMessage

    with app.db.session() as s:
        return s.exec(select(OutboundMessage)).all()


def test_sign_in_with_a_code_sent_over_her_chat(setup):  # type: ignore[no-untyped-def]
    app, server, _ids = setup

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            await c.get("/console/signin?lang=fr")
            csrf = c.cookies.get("console_csrf")
            asked = await c.post("/console/signin", data={"csrf": csrf, "address": "amina"})
            assert asked.status_code == 303
            wrong = await c.post("/console/signin/code", data={"csrf": csrf, "code": "000000x"})
            assert wrong.status_code == 400
            code = support.last_code(app)
            right = await c.post("/console/signin/code", data={"csrf": csrf, "code": code})
            assert right.status_code == 303
            cookie = right.headers["set-cookie"]
            home = await c.get("/console/")
            again = await c.post("/console/signin/code", data={"csrf": csrf, "code": code})
            return cookie, home, again

    cookie, home, again = run(flow())
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http in this test
    assert home.status_code == 200 and "Tableau de bord" in home.text  # her own language
    assert again.status_code == 400  # a code works once
    with app.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry))]
    assert "console_code" in actions and "console_sign_in" in actions


def test_secure_cookie_behind_https(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    app, server, ids = support.make_app(tmp_path, db, clock, recorder, public="https://x.org")

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server, "https://testserver") as c:
            await c.get("/console/signin")
            csrf = c.cookies.get("console_csrf")
            await c.post("/console/signin", data={"csrf": csrf, "address": "amina"})
            return await c.post(
                "/console/signin/code", data={"csrf": csrf, "code": support.last_code(app)}
            )

    assert "secure" in run(flow()).headers["set-cookie"].lower()


def test_a_code_dies_after_five_wrong_tries_and_ten_minutes(setup, clock):  # type: ignore[no-untyped-def]
    app, server, _ids = setup

    async def flow(wrong: int, wait: int):  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            await c.get("/console/signin")
            csrf = c.cookies.get("console_csrf")
            await c.post("/console/signin", data={"csrf": csrf, "address": "amina"})
            code = support.last_code(app)
            for _ in range(wrong):
                await c.post("/console/signin/code", data={"csrf": csrf, "code": "999999"})
            support.later(clock, wait)
            return (
                await c.post("/console/signin/code", data={"csrf": csrf, "code": code})
            ).status_code

    assert run(flow(5, 0)) == 400
    assert run(flow(0, 11)) == 400
    support.later(clock, 60 * 25)
    run(flow(0, 0))  # a day later: the old codes are gone, only the new one is kept
    from storage.console import ConsoleCode

    with app.db.session() as s:
        assert len(s.exec(select(ConsoleCode)).all()) == 1


def test_sign_in_is_rate_limited(setup, clock):  # type: ignore[no-untyped-def]
    _app, server, _ids = setup

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            await c.get("/console/signin")
            csrf = c.cookies.get("console_csrf")
            codes = [
                (await c.post("/console/signin", data={"csrf": csrf, "address": "x"})).status_code
                for _ in range(7)
            ]
            support.later(clock, 16)
            after = (
                await c.post("/console/signin", data={"csrf": csrf, "address": "x"})
            ).status_code
            return codes, after

    codes, after = run(flow())
    assert codes == [303] * 5 + [429] * 2
    assert after == 303


def test_forms_without_the_csrf_token_are_refused(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    token, csrf = support.session_cookie(app, ids["amina"])

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            missing = await c.post("/console/cohorts/", data={"name": "X"})
            wrong = await c.post("/console/cohorts/", data={"name": "X", "csrf": "nope"})
            signin = await c.post("/console/signin", data={"address": "amina"})
            good = await c.post("/console/cohorts/", data={"name": "X", "csrf": csrf})
            return missing, wrong, signin, good

    missing, wrong, signin, good = run(flow())
    assert (missing.status_code, wrong.status_code, signin.status_code) == (403, 403, 403)
    assert good.status_code == 303


def test_a_viewer_reads_but_cannot_change_anything(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    token, csrf = support.session_cookie(app, ids["vera"])
    posts = [
        (m, p) for m, p in paths() if m == "POST" and not p.endswith(("/signout", "/language"))
    ]

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            read = await c.get("/console/women/")
            audit = await c.get("/console/audit/")
            refused = [(await c.post(p, data={"csrf": csrf})).status_code for _m, p in posts]
            return read, audit, refused

    read, audit, refused = run(flow())
    assert read.status_code == 200
    assert audit.status_code == 403  # the audit log is for admins
    assert set(refused) == {403}


def test_every_page_answers_a_signed_in_admin(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    token, _csrf = support.session_cookie(app, ids["amina"])
    gets = [p for m, p in paths() if m == "GET"]

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            return {p: (await c.get(p)).status_code for p in gets}

    codes = run(flow())
    # Pages about things that do not exist here answer 404; none fails.
    assert all(code in (200, 404) for code in codes.values()), codes
    assert codes["/console/"] == 200 and codes["/console/audit/"] == 200


def test_operators_set_roles_and_country_scopes_from_the_cli(setup, monkeypatch):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli import app as cli
    from flows import console_auth

    app, _server, ids = setup
    monkeypatch.setenv("DATABASE_URL", app.db.url)
    monkeypatch.setenv("COORDINATORS", "console:amina")
    nora = "console:nora"
    result = CliRunner().invoke(
        cli, ["coordinators", "add", nora, "--role", "viewer", "--country", "bo", "--as", "t"]
    )
    assert result.exit_code == 0, result.output
    with app.db.session() as s:
        found = console_auth.find_by_address(s, "nora")
        grant = console_auth.grant_of(s, app.settings.flow_config(), found.id)
    assert (grant.role, grant.countries) == ("viewer", ("BO",))
    assert not grant.sees("SN") and grant.sees("BO")
    result = CliRunner().invoke(cli, ["coordinators", "role", nora, "admin", "--as", "t"])
    assert result.exit_code == 0, result.output
    listing = CliRunner().invoke(cli, ["coordinators", "list"]).output
    assert "console:nora\tadmin" in listing and "console:amina\tadmin" in listing
    with app.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry))]
    assert actions.count("coordinator_role") == 2
    assert ids  # Vera's viewer row stays as it was


def test_a_password_set_from_the_cli_signs_her_in(setup, monkeypatch):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli import app as cli
    from storage.coordination import Coordinator

    app, server, _ids = setup
    monkeypatch.setenv("DATABASE_URL", app.db.url)
    monkeypatch.setenv("COORDINATORS", "console:amina")
    secret = "jolof-rice-2026"
    result = CliRunner().invoke(
        cli,
        ["coordinators", "password", "console:amina", "--as", "t"],
        input=f"{secret}\n{secret}\n",
    )
    assert result.exit_code == 0, result.output
    with app.db.session() as s:
        row = s.exec(select(Coordinator).where(Coordinator.address == "amina")).one()
        assert row.password_hash.startswith("$argon2") and secret not in row.password_hash
        assert row.role == "admin"  # named in the settings: still an admin

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            await c.get("/console/signin")
            csrf = c.cookies.get("console_csrf")
            wrong = await c.post(
                "/console/signin/password",
                data={"csrf": csrf, "address": "amina", "password": "not-the-one"},
            )
            stranger = await c.post(
                "/console/signin/password",
                data={"csrf": csrf, "address": "nora", "password": secret},
            )
            right = await c.post(
                "/console/signin/password",
                data={"csrf": csrf, "address": "amina", "password": secret},
            )
            home = await c.get("/console/")
            return wrong, stranger, right, home

    wrong, stranger, right, home = run(flow())
    assert (wrong.status_code, stranger.status_code, right.status_code) == (400, 400, 303)
    assert home.status_code == 200
    with app.db.session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry))]
    assert actions.count("refused:console_password") == 2
    assert "coordinator_password" in actions and "console_sign_in" in actions


def test_signing_out_ends_the_session(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    token, csrf = support.session_cookie(app, ids["vera"])

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            home = await c.get("/console/")
            out = await c.post("/console/signout", data={"csrf": csrf})
            c.cookies.set("console", token, path="/console")  # the old cookie, replayed
            return home, out, await c.get("/console/")

    home, out, after = run(flow())
    assert home.status_code == 200 and "/console/audit/" not in home.text  # not for a viewer
    assert out.status_code == 303 and after.status_code == 303


def test_a_wrong_password_keeps_her_address_and_the_password_form_open(setup):  # type: ignore[no-untyped-def]
    """The password form sits folded under the code form: after a wrong password she sees it
    open again, her address still typed (the password, never sent back, is hers to retype)."""
    _app, server, _ids = setup

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            await c.get("/console/signin?lang=fr")
            return await c.post(
                "/console/signin/password?lang=fr",
                data={
                    "csrf": c.cookies.get("console_csrf"),
                    "address": "+221 77 000 00 01",
                    "password": "not-the-one-123",
                },
            )

    page = run(flow())
    assert page.status_code == 400
    assert "<details open>" in page.text
    assert 'id="p-address" name="address" value="+221 77 000 00 01"' in page.text
    assert "not-the-one-123" not in page.text


def test_signing_out_leads_to_the_sign_in_page_in_her_language(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    token, csrf = support.session_cookie(app, ids["amina"])  # she reads French

    async def flow():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            return await c.post("/console/signout", data={"csrf": csrf})

    assert run(flow()).headers["location"] == "/console/signin?lang=fr"


def test_the_live_fragments_are_listed_route_by_route() -> None:
    """The htmx fragments pass the same checks as pages: they are among the routes tested above."""
    found = paths()
    assert ("POST", "/console/broadcasts/new/count") in found
    assert ("GET", "/console/broadcasts/1/report") in found


def test_a_signed_out_htmx_request_is_sent_to_sign_in_not_pasted_in(setup):  # type: ignore[no-untyped-def]
    _app, server, _ids = setup

    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            poll = await c.get("/console/broadcasts/1/report", headers={"HX-Request": "true"})
            count = await c.post(
                "/console/broadcasts/new/count", data={"csrf": "x"}, headers={"HX-Request": "true"}
            )
            return poll, count

    for answer in run(go()):
        assert answer.status_code == 403 and len(answer.content) < 20
        assert answer.headers["hx-redirect"] == "/console/signin"


def test_the_live_count_needs_a_coordinator_and_her_csrf_token(setup):  # type: ignore[no-untyped-def]
    app, server, ids = setup
    viewer, viewer_csrf = support.session_cookie(app, ids["vera"])
    admin, csrf = support.session_cookie(app, ids["amina"])
    url = "/console/broadcasts/new/count"

    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            c.cookies.set("console", viewer, path="/console")
            by_viewer = await c.post(url, data={"csrf": viewer_csrf, "text_en": "Hi"})
            c.cookies.set("console", admin, path="/console")
            forged = await c.post(url, data={"csrf": "nope", "text_en": "Hi"})
            good = await c.post(url, data={"csrf": csrf, "text_en": "Hi"})
            return by_viewer, forged, good

    by_viewer, forged, good = run(go())
    assert (by_viewer.status_code, forged.status_code, good.status_code) == (403, 403, 200)
    assert 'id="audience-count"' in good.text


def test_the_static_route_serves_the_vendored_scripts_and_nothing_else(setup):  # type: ignore[no-untyped-def]
    from bot.console.web import HTMX, STATIC

    _app, server, _ids = setup

    async def go():  # type: ignore[no-untyped-def]
        async with support.client(server) as c:
            plain = await c.get(f"/console/static/{HTMX}", headers={"Accept-Encoding": "identity"})
            packed = await c.get(f"/console/static/{HTMX}", headers={"Accept-Encoding": "gzip"})
            others = [
                (await c.get(f"/console/static/{name}")).status_code
                for name in ("README.md", "..%2Fweb.py", "%2E%2E%2F__init__.py", "nothing.js")
            ]
            return plain, packed, others

    plain, packed, others = run(go())
    assert plain.content == (STATIC / HTMX).read_bytes()
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert packed.headers["content-encoding"] == "gzip" and packed.content == plain.content
    assert int(packed.headers["content-length"]) < len(plain.content) / 2  # for a slow phone
    assert set(others) == {404}


def test_a_viewer_sees_a_report_exists_but_not_her_words_or_the_notes(setup):  # type: ignore[no-untyped-def]
    from storage import checkins

    app, server, ids = setup
    words = "Mi vecina Rosa me amenaza, llámenme al 77712345"
    with app.db.session() as s:
        report = checkins.record_problem(
            s, participant_id=ids["vera"], source="report", now=app.clock.now(), text=words
        )
        report.notes = [{"at": app.clock.now().isoformat(), "text": "Called Rosa's family"}]
        s.flush()
        url = f"/console/safeguarding/{report.id}"

    async def read(who: str) -> str:
        token, _csrf = support.session_cookie(app, ids[who])
        async with support.client(server) as c:
            c.cookies.set("console", token, path="/console")
            page = await c.get(url)
            assert page.status_code == 200
            return page.text

    as_viewer, as_admin = run(read("vera")), run(read("amina"))
    assert words not in as_viewer and "Called Rosa" not in as_viewer
    assert 'id="words-hidden"' in as_viewer
    assert words in as_admin and "Called Rosa" in as_admin
