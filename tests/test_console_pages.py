"""Console pages through HTTP: matching rules, pairs, contacts on request, exports, languages,
announcement retry, and every page's weight (under 100 KB for slow connections)."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlmodel import select

from flows.matching import service
from storage.coordination import AuditEntry, Broadcast
from storage.models import OutboundMessage, OutboxStatus
from storage.pairs import Cohort, Pair, PairRule, PairStatus
from tests.support import console as support
from tests.support import pairing, programme

LIMIT = 100 * 1024


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture
def signed_in(tmp_path, any_db, clock, recorder):  # type: ignore[no-untyped-def]
    db = any_db
    app, server, ids = support.make_app(tmp_path, db, clock, recorder)
    now = clock.now()
    with db.session() as s:
        cohort, women = pairing.cohort_of_four(s, now)
        # A crowd, so list pages carry their real weight.
        for i in range(150):
            programme.woman(s, f"w{i}", now=now, country=("BO", "SN", "CA")[i % 3])
        cohort_id = cohort.id
        public = {key: w.public_id for key, w in women.items()}
    token, csrf = support.session_cookie(app, ids["amina"])
    return app, server, token, csrf, cohort_id, public


def _client(server, token):  # type: ignore[no-untyped-def]
    c = support.client(server)
    c.cookies.set("console", token, path="/console")
    return c


def _audit(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        return [e.action for e in s.exec(select(AuditEntry))]


def test_lock_forbid_and_swap_shape_the_proposals(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, _public = signed_in
    url = f"/console/cohorts/{cohort_id}/match"

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            first = await c.post(url, data={"csrf": csrf, "action": "run"})
            ids = [int(x) for x in re.findall(r'data-pair="(\d+)"', first.text)]
            assert len(ids) == 2
            await c.post(
                url, data={"csrf": csrf, "action": "swap", "pair": ids[0], "other": ids[1]}
            )
            swapped = await c.get(url)
            bad = await c.post(url, data={"csrf": csrf, "action": "lock", "pair": "999"})
            return swapped, bad

    swapped, bad = run(flow())
    assert bad.status_code == 400
    assert swapped.text.count("data-pair=") == 2
    with app.db.session() as s:
        locks = s.exec(select(PairRule).where(PairRule.kind == service.LOCK)).all()
        pairs = s.exec(select(Pair).where(Pair.status == PairStatus.PROPOSED)).all()
    assert len(locks) == 2
    # The swap made the locked pairs the proposals.
    assert {(r.a_id, r.b_id) for r in locks} == {(p.a_id, p.b_id) for p in pairs}
    assert {"match_run", "match_swap"} <= set(_audit(app))


def test_pairs_can_be_paused_resumed_and_ended(signed_in, clock):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, public = signed_in
    with app.db.session() as s:
        cohort = s.get(Cohort, cohort_id)
        women = {k: service.participant_by_public_id(s, v) for k, v in public.items()}
        pair = programme.pair(s, cohort, women["carmen"], women["julie"], now=clock.now())
        programme.meeting(s, pair, clock.now() - timedelta(days=3))
        pair_id = pair.id

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            url = f"/console/pairs/{pair_id}"
            for action in ("pause", "resume", "end"):
                answer = await c.post(url, data={"csrf": csrf, "action": action, "reason": "moved"})
                assert answer.status_code == 303, action
            return await c.get(url)

    page = run(flow())
    assert "arrêté" in page.text  # her language: Amina reads French
    assert "a eu lieu" in page.text  # the session held three days ago
    with app.db.session() as s:
        assert s.get(Pair, pair_id).status == PairStatus.ENDED
    assert {"pair_pause", "pair_resume", "pair_end"} <= set(_audit(app))


def test_contacts_only_when_asked_and_audited(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            listing = await c.get("/console/women/?country=BO")
            profile = await c.get(f"/console/women/{public['carmen']}")
            shown = await c.post(f"/console/women/{public['carmen']}", data={"csrf": csrf})
            return listing, profile, shown

    listing, profile, shown = run(flow())
    assert public["carmen"] in listing.text and "Carmen" not in listing.text
    assert "Carmen" not in profile.text and "+59171234567" not in profile.text
    assert "Carmen" in shown.text
    assert "console_contacts" in _audit(app)


def test_exports_are_csv_or_xlsx_and_logged(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            table = await c.post("/console/exports/participants.csv", data={"csrf": csrf})
            sheet = await c.post("/console/exports/participants.xlsx", data={"csrf": csrf})
            return table, sheet

    answer, sheet = run(flow())
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert public["carmen"] in answer.text and "Carmen" not in answer.text
    assert "export" in _audit(app)
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
        ElementTree.fromstring(xml)  # well-formed
        assert "[Content_Types].xml" in archive.namelist()
    assert public["carmen"] in xml and "Carmen" not in xml


def test_the_language_switch_and_a_failed_announcement_retried(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post(
                "/console/language", data={"csrf": csrf, "lang": "es", "back": "/console/"}
            )
            home = await c.get("/console/")
            made = await c.post(
                "/console/broadcasts/new",
                data={
                    "csrf": csrf,
                    "action": "save",
                    "countries": "BO",
                    "text_es": "Hola",
                    "text_fr": "Bonjour",
                    "text_en": "Hello",
                    "when": "now",
                },
            )
            url = made.headers["location"]
            sent = await c.post(url, data={"csrf": csrf, "action": "send"})
            with app.db.session() as s:
                row = s.exec(
                    select(OutboundMessage).where(OutboundMessage.broadcast_id.is_not(None))
                ).first()
                row.status = OutboxStatus.FAILED
                row.error_code = "30003"
                s.add(row)
            report = await c.get(url)
            retried = await c.post(url, data={"csrf": csrf, "action": "retry"})
            return home, sent, report, retried

    home, sent, report, retried = run(flow())
    assert "Panel" in home.text
    assert sent.status_code == 303
    assert "30003" in report.text and 'http-equiv="refresh"' in report.text
    assert retried.headers["location"].endswith("retried=1")
    with app.db.session() as s:
        assert s.exec(select(Broadcast)).one().status == "queued"
    assert {"broadcast_draft", "broadcast_send", "broadcast_retry"} <= set(_audit(app))


def test_every_page_weighs_under_100_kb(signed_in, clock):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, _public = signed_in
    sizes: dict[str, int] = {}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post(
                f"/console/cohorts/{cohort_id}/match", data={"csrf": csrf, "action": "run"}
            )
            for path in (
                "/console/",
                "/console/women/",
                "/console/cohorts/",
                f"/console/cohorts/{cohort_id}",
                f"/console/cohorts/{cohort_id}/match",
                f"/console/cohorts/{cohort_id}/publish",
                "/console/pairs/",
                "/console/broadcasts/",
                "/console/broadcasts/new",
                "/console/safeguarding/",
                "/console/report/",
                "/console/exports/",
                "/console/audit/",
                "/console/signin",
            ):
                answer = await c.get(path)
                assert answer.status_code == 200, path
                sizes[path] = len(answer.content)

    clock.advance(timedelta(seconds=1))
    run(flow())
    assert max(sizes.values()) < LIMIT, sizes


def test_a_coordinator_scoped_to_a_country_sees_and_reaches_only_it(signed_in):  # type: ignore[no-untyped-def]
    app, server, _token, _csrf, _cohort_id, public = signed_in
    from storage.coordination import Coordinator

    with app.db.session() as s:
        from flows import console_auth

        nora = console_auth.find_by_address(s, "nora")
        s.add(
            Coordinator(
                participant_id=nora.id,
                added_by="operator:t",
                added_at=app.clock.now(),
                role="coordinator",
                countries=["BO"],
            )
        )
        nora_id = nora.id
    token, csrf = support.session_cookie(app, nora_id)

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            women = await c.get("/console/women/")
            julie = await c.get(f"/console/women/{public['julie']}")  # in Canada
            carmen = await c.get(f"/console/women/{public['carmen']}")  # in Bolivia
            made = await c.post(
                "/console/broadcasts/new",
                data={
                    "csrf": csrf,
                    "action": "save",
                    "countries": ["BO", "CA"],
                    "text_es": "Hola",
                    "text_fr": "Bonjour",
                    "text_en": "Hello",
                },
            )
            export = await c.post("/console/exports/participants.csv", data={"csrf": csrf})
            return women, julie, carmen, made, export

    women, julie, carmen, made, export = run(flow())
    assert public["carmen"] in women.text and public["julie"] not in women.text
    assert (julie.status_code, carmen.status_code) == (404, 200)
    assert made.status_code == 303 and export.status_code == 200
    assert public["carmen"] in export.text and public["julie"] not in export.text
    with app.db.session() as s:
        assert s.exec(select(Broadcast)).one().audience["countries"] == ["BO"]


def test_a_report_is_triaged_noted_and_resolved(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, public = signed_in
    from storage.checkins import ProblemReport, record_problem

    with app.db.session() as s:
        carmen = service.participant_by_public_id(s, public["carmen"])
        report_id = record_problem(
            s, participant_id=carmen.id, source="report", now=app.clock.now(), text="No vino."
        ).id

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            url = f"/console/safeguarding/{report_id}"
            inbox = await c.get("/console/safeguarding/")
            await c.post(url, data={"csrf": csrf, "triage": "in_progress", "note": "Llamada."})
            await c.post(url, data={"csrf": csrf, "triage": "urgent", "note": "Otra vez."})
            bad = await c.post(url, data={"csrf": csrf, "triage": "whatever"})
            await c.post(url, data={"csrf": csrf, "action": "resolve", "note": "Resuelto."})
            return inbox, bad, await c.get("/console/safeguarding/?resolved=1")

    inbox, bad, resolved = run(flow())
    assert f"#{report_id}" in inbox.text and bad.status_code == 400
    assert f"#{report_id}" in resolved.text
    with app.db.session() as s:
        report = s.get(ProblemReport, report_id)
        assert [n["text"] for n in report.notes] == ["Llamada.", "Otra vez.", "Resuelto."]
        assert report.triage == "urgent" and report.handled_at is not None
    assert _audit(app).count("problem_triage") == 2 and "problem_resolve" in _audit(app)


def test_the_cohort_page_gives_a_whatsapp_link_when_a_number_is_set(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, _csrf, cohort_id, _public = signed_in
    app.settings = app.settings.model_copy(update={"twilio_whatsapp_from": "whatsapp:+14155238886"})

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(f"/console/cohorts/{cohort_id}")

    page = run(flow())
    assert "https://wa.me/14155238886?text=PILOTE26" in page.text


def test_match_review_is_pseudonymous_until_names_are_asked_for(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, public = signed_in
    url = f"/console/cohorts/{cohort_id}/match"

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            ran = await c.post(url, data={"csrf": csrf, "action": "run"})
            again = await c.get(url)
            named = await c.post(url, data={"csrf": csrf, "action": "names"})
            return ran, again, named

    ran, again, named = run(flow())
    names = ("Carmen", "Julie", "Emily", "Awa")
    for page in (ran, again):
        assert page.status_code == 200 and public["carmen"] in page.text
        assert not any(name in page.text for name in names)
    reasons = re.findall(r"<li>([^<]*)</li>", again.text)
    assert any(public["carmen"] in reason for reason in reasons)
    assert any(name in named.text for name in names)
    assert _audit(app).count("console_names") == 1
