"""Console pages through HTTP: matching rules, pairs, contacts on request, exports, languages,
announcement retry, and every page's weight (under 100 KB for slow connections)."""

from __future__ import annotations

import asyncio
import html
import io
import re
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlmodel import select

from flows import console_auth
from flows.matching import service
from storage.coordination import AuditEntry, Broadcast
from storage.models import OutboundMessage, OutboxStatus, Participant
from storage.pairs import Cohort, Pair, PairRule, PairStatus
from tests.support import console as support
from tests.support import pairing, programme
from tests.test_reports import BACK_TO_CONSOLE

LIMIT = 100 * 1024
# An announcement to Bolivia, saved as a draft (the compose form's fields).
TO_BOLIVIA = {
    "action": "save",
    "countries": "BO",
    "text_es": "Hola",
    "text_fr": "Bonjour",
    "text_en": "Hello",
}


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
                form = {"csrf": csrf, "action": action, "reason": "moved", "confirm": "yes"}
                answer = await c.post(url, data=form)
                assert answer.status_code == 303, action
            return await c.get(url)

    page = run(flow())
    assert "arrêté" in page.text  # her language: Amina reads French
    assert "a eu lieu" in page.text  # the session held three days ago
    with app.db.session() as s:
        assert s.get(Pair, pair_id).status == PairStatus.ENDED
    assert {"pair_pause", "pair_resume", "pair_end"} <= set(_audit(app))


def _live_pair(app, clock, cohort_id, public) -> int:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        women = {k: service.participant_by_public_id(s, v) for k, v in public.items()}
        pair = programme.pair(
            s, s.get(Cohort, cohort_id), women["carmen"], women["julie"], now=clock.now()
        )
        return pair.id


def test_ending_a_pair_asks_first(signed_in, clock):  # type: ignore[no-untyped-def]
    """Ending tells both women and cannot be undone: one tap asks "are you sure?" (her reason
    kept), the second ends it."""
    app, server, token, csrf, cohort_id, public = signed_in
    pair_id = _live_pair(app, clock, cohort_id, public)
    url = f"/console/pairs/{pair_id}"
    form = {"csrf": csrf, "action": "end", "reason": "Elle a déménagé"}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            asked = await c.post(url, data=form)
            with app.db.session() as s:
                between = s.get(Pair, pair_id).status
            done = await c.post(url, data={**form, "confirm": "yes"})
            return asked, between, done

    asked, between, done = run(flow())
    page = html.unescape(asked.text)
    assert asked.status_code == 200 and between == PairStatus.ACTIVE
    assert "Mettre fin au binôme" in page and 'name="confirm" value="yes"' in page
    assert 'name="reason" value="Elle a déménagé"' in page
    assert done.status_code == 303
    with app.db.session() as s:
        assert s.get(Pair, pair_id).status == PairStatus.ENDED
    assert _audit(app).count("pair_end") == 1


def test_a_pair_changed_meanwhile_says_so_not_a_blank_page(signed_in, clock):  # type: ignore[no-untyped-def]
    """Paused twice (a second tap on a slow phone, or a colleague's tab): the second answer
    says that nothing changed and how the pair stands, in French."""
    app, server, token, csrf, cohort_id, public = signed_in
    pair_id = _live_pair(app, clock, cohort_id, public)
    url = f"/console/pairs/{pair_id}"

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post(url, data={"csrf": csrf, "action": "pause"})
            return await c.post(url, data={"csrf": csrf, "action": "pause"})

    again = run(flow())
    assert again.status_code == 409
    assert "Rien n'a changé\u00a0: ce binôme est maintenant en pause." in html.unescape(again.text)


@pytest.mark.parametrize("typed", ["artisanat", "Textile", "crafts", "ARTISANAT, TEXTILE"])
def test_the_women_list_finds_a_sector_by_the_words_she_reads(signed_in, typed):  # type: ignore[no-untyped-def]
    """The list shows "Artisanat, textile, mode": typing that (any case, any part) finds the
    two craftswomen, Carmen and Julie, as the stored code "crafts" does."""
    _app, server, token, _csrf, _cohort_id, public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get("/console/women/", params={"q": typed})

    page = run(flow()).text
    assert 'data-count="2"' in page and public["carmen"] in page and public["julie"] in page


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


def test_a_woman_s_skills_read_as_words_in_her_language(signed_in):  # type: ignore[no-untyped-def]
    """Her profile says what Carmen offers and wants in the coordinator's French, not as the
    codes stored ("sales", "digital_marketing")."""
    _app, server, token, _csrf, _cohort_id, public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(f"/console/women/{public['carmen']}")

    page = html.unescape(run(flow()).text)
    assert "<td>Ventes et clientèle, Réseau et partenaires</td>" in page
    assert "<td>Export et nouveaux marchés, Marketing numérique</td>" in page
    assert "digital_marketing" not in page


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


def test_an_id_of_digits_stays_text_in_the_xlsx_exports(signed_in, clock):  # type: ignore[no-untyped-def]
    """One woman in about 280 gets a pseudonymous id of digits only: in the sheet it is the same
    text as in the CSV and the report, not a number shown as 3.07143E+11 that matches nothing."""
    openpyxl = pytest.importorskip("openpyxl")
    app, server, token, csrf, cohort_id, public = signed_in
    digits = "307142958816"
    with app.db.session() as s:
        carmen = s.exec(select(Participant).where(Participant.public_id == public["carmen"])).one()
        carmen.public_id = digits
        s.add(carmen)
        julie = s.exec(select(Participant).where(Participant.public_id == public["julie"])).one()
        programme.pair(s, s.get(Cohort, cohort_id), carmen, julie, now=clock.now())

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return [
                await c.post(f"/console/exports/{what}.xlsx", data={"csrf": csrf})
                for what in ("participants", "pairs")
            ]

    for sheet in run(flow()):
        assert sheet.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(sheet.content), read_only=True)
        cells = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row]
        assert digits in cells and int(digits) not in cells


def test_the_language_switch_keeps_her_filters(signed_in):  # type: ignore[no-untyped-def]
    """Switching language on a filtered list comes back to the same list, still filtered."""
    _app, server, token, csrf, _cohort_id, _public = signed_in
    here = "/console/women/?country=BO&onboarded=yes&page=2"

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            page = await c.get(here)
            back = re.search(r'name="back" value="([^"]+)"', page.text).group(1)
            return await c.post(
                "/console/language", data={"csrf": csrf, "lang": "es", "back": html.unescape(back)}
            )

    assert run(flow()).headers["location"] == here


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
                data={"csrf": csrf, **TO_BOLIVIA, "when": "now"},
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

    with app.db.session() as s:
        nora_id = console_auth.find_by_address(s, "nora").id
    support.limit_coordinator(app, nora_id, countries=["BO"])
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


def test_the_console_shows_her_paragraphs(signed_in):  # type: ignore[no-untyped-def]
    """Her report's line breaks show in the console's safeguarding page, as she wrote them."""
    app, server, token, _csrf, _cohort_id, public = signed_in
    from storage.checkins import record_problem

    with app.db.session() as s:
        carmen = service.participant_by_public_id(s, public["carmen"])
        report_id = record_problem(
            s,
            participant_id=carmen.id,
            source="report",
            now=app.clock.now(),
            text="Mi compañera me pidió dinero.\nDos veces.\n\nNo sé qué hacer.",
        ).id

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(f"/console/safeguarding/{report_id}")

    page = run(flow()).text
    block = re.search(r'<blockquote[^>]*id="report-text"[^>]*>(.*?)</blockquote>', page, re.S)
    assert block is not None and "pre-line" in block.group(0)
    assert "Dos veces.\n\nNo sé qué hacer." in block.group(1)


def test_the_cohort_page_gives_a_whatsapp_link_when_a_number_is_set(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, _csrf, cohort_id, _public = signed_in
    app.settings = app.settings.model_copy(update={"twilio_whatsapp_from": "whatsapp:+14155238886"})

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(f"/console/cohorts/{cohort_id}")

    page = run(flow())
    assert "https://wa.me/14155238886?text=PILOTE26" in page.text


# Live fragments (htmx) and paging ------------------------------------------------------------


def _count(text: str) -> int:
    """The number in "N women will receive it." (any language: the first number of the block)."""
    block = text[text.index('id="audience-count"') :]
    return int(re.search(r"<strong>(\d+)", block).group(1))


def test_one_woman_in_the_audience_is_counted_in_the_singular(signed_in):  # type: ignore[no-untyped-def]
    """Julie is the one French reader in Canada: "1 femme la recevra.", not "1 femmes"."""
    _app, server, token, csrf, _cohort_id, _public = signed_in
    form = {"csrf": csrf, "countries": "CA", "languages": "fr"}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.post("/console/broadcasts/new/count", data=form)

    assert "<strong>1 femme la recevra.</strong>" in run(flow()).text


def test_the_live_count_follows_the_form_and_matches_the_button(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, _public = signed_in
    form = {"csrf": csrf, "countries": "BO", "text_es": "Hola, la feria es el sábado."}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            live_bo = await c.post("/console/broadcasts/new/count", data=form)
            live_all = await c.post("/console/broadcasts/new/count", data={"csrf": csrf})
            button = await c.post("/console/broadcasts/new", data={**form, "action": "preview"})
            await c.post("/console/language", data={"csrf": csrf, "lang": "es", "back": "/"})
            spanish = await c.post("/console/broadcasts/new/count", data=form)
            return live_bo, live_all, button, spanish

    live_bo, live_all, button, spanish = run(flow())
    assert live_bo.status_code == 200 and "<html" not in live_bo.text  # a fragment, not a page
    assert "femmes la recevront" in live_bo.text  # Amina reads French
    assert _count(live_bo.text) == _count(button.text) > 0  # the live count is the button's
    assert _count(live_all.text) > _count(live_bo.text)  # unticking a country widens it
    # The Spanish text's SMS cost replaces the line under its box; the empty ones are cleared.
    assert re.search(
        r'id="segments-es"[^>]*hx-swap-oob="true">1 segment SMS \(UCS-2\)', live_bo.text
    )
    assert re.search(r'id="segments-fr"[^>]*hx-swap-oob="true"></p>', live_bo.text)
    assert "mujeres lo recibirán" in spanish.text and "segmento SMS" in spanish.text
    with app.db.session() as s:
        assert s.exec(select(Broadcast)).all() == []  # counting saves nothing


def test_the_live_count_shows_a_wrong_hour_where_the_count_stands(signed_in):  # type: ignore[no-untyped-def]
    _app, server, token, csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            data = {"csrf": csrf, "when": "local", "local_time": "25:99", "text_fr": "Salut"}
            return await c.post("/console/broadcasts/new/count", data=data)

    answer = run(flow())
    assert answer.status_code == 200  # htmx swaps only a 2xx answer
    assert 'role="alert"' in answer.text and "25:99" in answer.text
    assert "Écrivez l'heure locale comme 10:00" in html.unescape(answer.text)  # she reads French
    assert 'id="audience-count"' not in answer.text


def test_the_compose_page_loads_htmx_and_keeps_its_button(signed_in):  # type: ignore[no-untyped-def]
    _app, server, token, _csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            page = await c.get("/console/broadcasts/new")
            script = await c.get(re.search(r'<script src="([^"]+)"', page.text).group(1))
            return page, script

    page, script = run(flow())
    assert 'hx-post="/console/broadcasts/new/count"' in page.text
    assert 'value="preview"' in page.text  # the no-JavaScript way to count
    assert script.status_code == 200 and b"htmx" in script.content
    assert "immutable" in script.headers["cache-control"]


def test_an_announcement_to_one_woman_says_one_woman(signed_in):  # type: ignore[no-untyped-def]
    """The count, the send button and what was queued agree with the number: "1 femme", not
    "1 femmes" (Carmen is the cohort's only Bolivian)."""
    _app, server, token, csrf, cohort_id, _public = signed_in
    form = {**TO_BOLIVIA, "cohorts": str(cohort_id), "csrf": csrf}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            url = (await c.post("/console/broadcasts/new", data=form)).headers["location"]
            draft = await c.get(url)
            sent = await c.post(url, data={"csrf": csrf, "action": "send"})
            return draft, await c.get(sent.headers["location"])

    draft, sent = (html.unescape(page.text) for page in run(flow()))
    assert "1 femme la recevra." in draft and "Envoyer à 1 femme</button>" in draft
    assert "1 message est en file d'envoi." in sent


def test_an_announcement_without_any_text_is_not_saved(signed_in):  # type: ignore[no-untyped-def]
    """ "Save" with the three texts empty (or blank) tells her to write it, and keeps her
    audience ticked; no empty draft waits in the list."""
    app, server, token, csrf, _cohort_id, _public = signed_in
    form = {**TO_BOLIVIA, "text_es": "", "text_fr": "  ", "text_en": "", "csrf": csrf}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.post("/console/broadcasts/new", data=form)

    answer = run(flow())
    page = html.unescape(answer.text)
    assert answer.status_code == 400
    assert "Écrivez l'annonce dans au moins une langue." in page
    assert 'name="countries" value="BO" checked' in page
    with app.db.session() as s:
        assert not s.exec(select(Broadcast)).all()


def _sent_broadcast(app, server, token, csrf) -> str:  # type: ignore[no-untyped-def]
    """An announcement to Bolivia, sent: its page's address."""

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            made = await c.post(
                "/console/broadcasts/new",
                data={"csrf": csrf, **TO_BOLIVIA},
            )
            url = made.headers["location"]
            await c.post(url, data={"csrf": csrf, "action": "send"})
            return url

    return run(flow())


def _mark(app, status: str, channel: str | None = None) -> None:  # type: ignore[no-untyped-def]
    with app.db.session() as s:
        for row in s.exec(select(OutboundMessage).where(OutboundMessage.broadcast_id.is_not(None))):
            row.status = status
            row.channel = channel or row.channel
            s.add(row)


def test_the_delivery_report_polls_while_messages_are_on_their_way(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, _public = signed_in
    url = _sent_broadcast(app, server, token, csrf)

    async def fragment():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(url + "/report")

    queued = run(fragment())
    _mark(app, OutboxStatus.SENT, "sms")  # an SMS receipt is still to come
    on_sms = run(fragment())
    _mark(app, OutboxStatus.SENT, "telegram")  # Telegram sends no receipt: nothing to wait for
    on_telegram = run(fragment())
    _mark(app, OutboxStatus.DELIVERED)
    done = run(fragment())
    assert "<html" not in queued.text and 'id="report"' in queued.text
    assert 'hx-trigger="every 5s"' in queued.text and f'hx-get="{url}/report"' in queued.text
    assert "hx-trigger" in on_sms.text
    assert "hx-trigger" not in on_telegram.text and "hx-trigger" not in done.text  # no more polls
    delivered = re.search(r'data-count="delivered"><b>(\d+)', done.text).group(1)
    assert int(delivered) > 0 and re.search(r'data-count="queued"><b>0<', done.text)


def test_the_report_page_polls_with_htmx_and_refreshes_without_it(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, _public = signed_in
    url = _sent_broadcast(app, server, token, csrf)

    async def page():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(url)

    moving = run(page())
    _mark(app, OutboxStatus.DELIVERED)
    settled = run(page())
    assert '<noscript><meta http-equiv="refresh"' in moving.text and "<script src=" in moving.text
    assert 'hx-trigger="every 5s"' in moving.text
    assert "refresh" not in settled.text and "<script" not in settled.text


def test_lists_come_in_pages_of_a_hundred(signed_in):  # type: ignore[no-untyped-def]
    _app, server, token, _csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return [await c.get(f"/console/women/?onboarded=yes&page={n}") for n in (1, 2, 3)]

    first, second, third = run(flow())
    ids = [re.findall(r'<a href="/console/women/([^"]+)">', page.text) for page in (first, second)]
    assert len(ids[0]) == 100 and 50 < len(ids[1]) < 100  # 150 women and the seven of the setup
    assert not set(ids[0]) & set(ids[1])
    assert (
        'href="?onboarded=yes&amp;page=2" rel="next"' in first.text
        and 'rel="prev"' not in first.text
    )
    assert (
        'href="?onboarded=yes&amp;page=1" rel="prev"' in second.text
        and 'rel="next"' not in second.text
    )
    assert "Page 2" in second.text
    assert third.status_code == 200 and not re.findall(
        r'<a href="/console/women/[^"]+">', third.text
    )


def test_a_scoped_coordinator_pages_through_her_own_countries_only(signed_in):  # type: ignore[no-untyped-def]
    app, _server, _token, _csrf, _cohort_id, _public = signed_in
    from flows import console_views as views
    from flows.console_auth import Grant
    from storage.checkins import record_problem
    from storage.models import Participant

    with app.db.session() as s:
        people = s.exec(select(Participant).where(Participant.country.in_(["BO", "SN"]))).all()
        for _ in range(5):  # more reports than two pages, the two countries interleaved
            for person in people:
                record_problem(s, participant_id=person.id, source="report", now=app.clock.now())
        bolivian = 5 * sum(1 for p in people if p.country == "BO")
        scope = Grant(participant_id=people[0].id, role="coordinator", countries=("BO",)).scope(s)
        pages = [views.problems(s, scope, offset=n * 100, limit=100) for n in range(3)]
        countries = {s.get(Participant, r.participant_id).country for p in pages for r in p}
    assert 200 < bolivian < 300
    assert [len(p) for p in pages] == [100, 100, bolivian - 200]  # full pages, none lost
    assert countries == {"BO"}


def test_the_audit_log_and_announcements_come_in_pages_too(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, _csrf, _cohort_id, _public = signed_in
    from storage import coordination as store

    with app.db.session() as s:
        for i in range(130):
            store.record(s, actor="operator:t", action=f"paging_{i}", now=app.clock.now())
            s.add(Broadcast(created_by="t", created_at=app.clock.now(), texts={"en": "Hi"}))

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return [
                await c.get(f"{path}?page={n}")
                for path in ("/console/audit/", "/console/broadcasts/")
                for n in (1, 2)
            ]

    audit_1, audit_2, news_1, news_2 = run(flow())
    assert "paging 129" in audit_1.text and "paging 29<" not in audit_1.text
    assert "paging 29<" in audit_2.text and "paging 129" not in audit_2.text
    assert 'rel="next"' in audit_1.text and 'rel="prev"' in audit_2.text
    assert len(re.findall(r'href="/console/broadcasts/\d+"', news_1.text)) == 100
    assert 'href="/console/broadcasts/1"' in news_2.text and 'rel="prev"' in news_2.text


def test_the_live_count_of_a_scoped_coordinator_stays_in_her_countries(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, _public = signed_in

    with app.db.session() as s:
        nora_id = console_auth.find_by_address(s, "nora").id
    support.limit_coordinator(app, nora_id, countries=["BO"])
    nora_token, nora_csrf = support.session_cookie(app, nora_id)
    url = "/console/broadcasts/new/count"

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            bolivia = await c.post(url, data={"csrf": csrf, "countries": "BO"})
        async with _client(server, nora_token) as c:
            everyone = await c.post(url, data={"csrf": nora_csrf})
            canada = await c.post(url, data={"csrf": nora_csrf, "countries": "CA"})
        return bolivia, everyone, canada

    bolivia, everyone, canada = run(flow())
    assert _count(everyone.text) == _count(canada.text) == _count(bolivia.text) > 0


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


HUGE = "99999999999999999999"


def test_a_page_not_found_says_so_in_her_language(signed_in):  # type: ignore[no-untyped-def]
    """A stale link (a pair of another country, a mistyped address) shows a page in French with
    the way back, not a blank one; what htmx fetches stays bare (it is pasted in a page)."""
    _app, server, token, _csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            page = await c.get("/console/pairs/424242")
            poll = await c.get("/console/broadcasts/424242/report", headers={"HX-Request": "true"})
            return page, poll

    page, poll = run(flow())
    assert page.status_code == 404 and "Page introuvable" in html.unescape(page.text)
    assert 'href="/console/"' in page.text
    assert poll.status_code == 404 and poll.content == b""


def test_tampered_ids_and_unknown_cohorts_are_not_found_not_errors(signed_in):  # type: ignore[no-untyped-def]
    _app, server, token, _csrf, cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return {
                url: (await c.get(url)).status_code
                for url in (
                    "/console/report/?cohort=nosuch",
                    f"/console/report/?cohort={HUGE}",
                    f"/console/cohorts/{HUGE}",
                    f"/console/pairs/{HUGE}",
                    f"/console/women/?cohort={HUGE}",
                    f"/console/women/?cohort={'9' * 5000}",
                    f"/console/cohorts/{cohort_id}?published={HUGE}",
                    f"/console/report/?cohort={cohort_id}",
                )
            }

    answers = run(flow())
    assert answers.pop(f"/console/report/?cohort={cohort_id}") == 200
    assert answers.pop(f"/console/women/?cohort={HUGE}") == 200  # no such cohort: the whole list
    assert answers.pop(f"/console/women/?cohort={'9' * 5000}") == 200
    assert answers.pop(f"/console/cohorts/{cohort_id}?published={HUGE}") == 200
    assert set(answers.values()) == {404}, answers


@pytest.mark.parametrize(
    ("name", "max_pairs", "said"),
    [
        ("", "1", "au moins une lettre"),
        ("🌸🌸", "1", "au moins une lettre"),
        ("x" * 20_000, "1", "80 caractères"),
        ("Ola 9", HUGE, "un nombre de 1 à 3"),
        ("Ola 9", "abc", "un nombre de 1 à 3"),
        ("Ola 9", "0", "un nombre de 1 à 3"),
    ],
)
def test_a_cohort_form_with_bad_values_says_which(signed_in, name, max_pairs, said):  # type: ignore[no-untyped-def]
    app, server, token, csrf, _cohort_id, _public = signed_in
    form = {"csrf": csrf, "name": name, "max_pairs": max_pairs, "modes": "north_south"}

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.post("/console/cohorts/", data=form)

    answer = run(flow())
    assert answer.status_code == 200 and said in answer.text  # Amina reads French
    with app.db.session() as s:
        assert not s.exec(select(Cohort).where(Cohort.name.startswith(name[:10] or "∅"))).all()


@pytest.mark.parametrize(
    ("name", "code", "said"),
    [
        ("Pilote 2026", "", "Une cohorte porte déjà ce nom"),  # the fixture's cohort
        ("Dakar Sud", "PILOTE26", "Une cohorte porte déjà ce code"),
        ("Dakar Sud", "DAKAR SUD!", "Le code d'invitation ne peut contenir"),
    ],
)
def test_a_refused_cohort_form_keeps_what_she_typed(signed_in, name, code, said):  # type: ignore[no-untyped-def]
    """A name or code already taken, or a code with a space: she is told which, and finds her
    name, code, pairing modes and pairs at once as she typed them, to correct one thing."""
    _app, server, token, csrf, _cohort_id, _public = signed_in
    form = {
        "csrf": csrf,
        "name": name,
        "code": code,
        "modes": ["south_south", "national"],
        "max_pairs": "2",
    }

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.post("/console/cohorts/", data=form)

    page = html.unescape(run(flow()).text)
    assert said in page  # Amina reads French
    assert f'id="name" name="name" required maxlength="80" value="{name}"' in page
    assert f'id="code" name="code" maxlength="32" value="{code}"' in page
    ticked = re.findall(r'name="modes" value="(\w+)" checked', page)
    assert sorted(ticked) == ["national", "south_south"]
    assert 'name="max_pairs" type="number" min="1" max="3" value="2"' in page


@pytest.mark.parametrize(
    ("name", "code"),
    [("Éducation Sénégal", "EDUCATION-SENEGAL"), ("Señoras de El Alto", "SENORAS-DE-EL-ALTO")],
)
def test_a_cohort_named_with_accents_gets_its_code_in_plain_letters(signed_in, name, code):  # type: ignore[no-untyped-def]
    """No code typed: the code is the name in capitals, "É" as "E" (not "DUCATION-S-N-GAL")."""
    app, server, token, csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.post("/console/cohorts/", data={"csrf": csrf, "name": name})

    assert run(flow()).status_code == 303
    with app.db.session() as s:
        assert s.exec(select(Cohort).where(Cohort.name == name)).one().invite_code == code


def test_the_publish_page_promises_the_messages_that_go_out(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post(
                f"/console/cohorts/{cohort_id}/match", data={"csrf": csrf, "action": "run"}
            )
            page = await c.get(f"/console/cohorts/{cohort_id}/publish")
            done = await c.post(f"/console/cohorts/{cohort_id}/publish", data={"csrf": csrf})
            return page, done

    page, done = run(flow())
    assert done.status_code == 303
    promised = int(re.search(r"(\d+) messages", html.unescape(page.text)).group(1))
    with app.db.session() as s:
        queued = s.exec(select(OutboundMessage).where(OutboundMessage.purpose == "introduction"))
        assert promised == len(queued.all()) > 0


def test_the_publish_page_counts_one_pair_as_one(signed_in):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post(
                f"/console/cohorts/{cohort_id}/match", data={"csrf": csrf, "action": "run"}
            )
            with app.db.session() as s:  # one of the two proposals is taken back
                s.exec(select(Pair)).first().status = PairStatus.WITHDRAWN
            return await c.get(f"/console/cohorts/{cohort_id}/publish")

    page = html.unescape(run(flow()).text)
    assert "1 binôme va être présenté\u00a0: 4 messages vont partir" in page


def test_the_publish_page_without_proposals_offers_no_button(signed_in):  # type: ignore[no-untyped-def]
    """Opened again after publishing (the back button), or before matching: it says there is
    nothing to publish, and does not offer to send nothing."""
    _app, server, token, _csrf, cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            return await c.get(f"/console/cohorts/{cohort_id}/publish")

    page = html.unescape(run(flow()).text)
    assert "Rien à publier" in page
    assert "Oui, envoyer les mises en relation" not in page and "0 binôme" not in page


def test_both_women_hear_of_what_the_team_does_to_their_pair(signed_in, clock):  # type: ignore[no-untyped-def]
    """Pause, resume and end from the console reach Carmen (es) and Julie (fr) in their own
    language; the end cancels their coming session and whatever was planned for the pair."""
    from flows.pair_requests import RESUMED, TEAM_ENDED, TEAM_PAUSED
    from storage.meetings import Meeting
    from storage.nudges import Nudge, NudgeStatus

    app, server, token, csrf, cohort_id, public = signed_in
    with app.db.session() as s:
        cohort = s.get(Cohort, cohort_id)
        women = {k: service.participant_by_public_id(s, v) for k, v in public.items()}
        pair = programme.pair(s, cohort, women["carmen"], women["julie"], now=clock.now())
        coming = programme.meeting(s, pair, clock.now() + timedelta(days=2), status="confirmed")
        pair_id, meeting_id = pair.id, coming.id
        ids = {women["carmen"].id, women["julie"].id}

    def told(msgid: str) -> set[int]:
        with app.db.session() as s:
            rows = s.exec(select(OutboundMessage)).all()
        return {r.participant_id for r in rows if msgid in str(r.payload)}

    async def act(action: str):  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            url = f"/console/pairs/{pair_id}"
            form = {"csrf": csrf, "action": action, "reason": "moved", "confirm": "yes"}
            return await c.post(url, data=form)

    for action, notice in (("pause", TEAM_PAUSED), ("resume", RESUMED), ("end", TEAM_ENDED)):
        assert run(act(action)).status_code == 303
        assert told(notice.msgid) == ids, action
    with app.db.session() as s:
        assert s.get(Meeting, meeting_id).status == "cancelled"
        planned = s.exec(
            select(Nudge).where(Nudge.pair_id == pair_id, Nudge.status == NudgeStatus.PLANNED)
        ).all()
        assert planned == []


def test_a_cancelled_announcement_offers_no_retry_and_refuses_one(signed_in):  # type: ignore[no-untyped-def]
    """Its failures stay failed; asked anyway (an old tab), the page says why, in French."""
    app, server, token, csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post(
                "/console/language", data={"csrf": csrf, "lang": "fr", "back": "/console/"}
            )
            made = await c.post(
                "/console/broadcasts/new", data={"csrf": csrf, **TO_BOLIVIA, "when": "now"}
            )
            url = made.headers["location"]
            await c.post(url, data={"csrf": csrf, "action": "send"})
            with app.db.session() as s:
                row = s.exec(
                    select(OutboundMessage).where(OutboundMessage.broadcast_id.is_not(None))
                ).first()
                row.status, row.error_code = OutboxStatus.FAILED, "30003"
                s.add(row)
            await c.post(url, data={"csrf": csrf, "action": "cancel"})
            page = await c.get(url)
            retried = await c.post(url, data={"csrf": csrf, "action": "retry"})
            again = await c.post(url, data={"csrf": csrf, "action": "cancel"})
            return page, retried, again

    page, retried, again = run(flow())
    assert 'value="retry"' not in page.text
    assert "Cette annonce a été annulée" in html.unescape(retried.text)
    assert "déjà annulée" in html.unescape(again.text)
    with app.db.session() as s:
        statuses = {row.status for row in s.exec(select(OutboundMessage))}
    assert OutboxStatus.PENDING not in statuses and OutboxStatus.FAILED in statuses


# What a coordinator reads for stored codes, in each console language: a sector, a pairing mode,
# audit actions (one known, one made by a prefix, one refused, one nobody named).
CODES_IN_WORDS = {
    "es": (
        "Tienda y comercio",
        "Norte–Sur",
        "informe del programa consultado",
        "intercambio en pausa",
        "comando de chat /stats",
        "rechazado: exportación generada",
    ),
    "fr": (
        "Boutique et commerce",
        "Nord–Sud",
        "rapport du programme consulté",
        "binôme en pause",
        "commande de chat /stats",
        "refusé\u00a0: export généré",
    ),
    "en": (
        "Shop and trade",
        "North–South",
        "programme report viewed",
        "pair paused",
        "chat command /stats",
        "refused: export written",
    ),
}


@pytest.mark.parametrize("lang", sorted(CODES_IN_WORDS))
def test_stored_codes_read_as_words_in_her_language(signed_in, lang):  # type: ignore[no-untyped-def]
    app, server, token, csrf, cohort_id, public = signed_in
    from storage import coordination as store

    with app.db.session() as s:
        carmen = service.participant_by_public_id(s, public["carmen"])
        carmen.sector = "retail"
        s.add(carmen)
        for action in (
            "console_report",
            "pair_pause",
            "chat_stats",
            "refused:export_written",
            "some_new_thing",
        ):
            store.record(s, actor="operator:t", action=action, now=app.clock.now())

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post("/console/language", data={"csrf": csrf, "lang": lang, "back": "/"})
            return [
                html.unescape((await c.get(path)).text)
                for path in (
                    f"/console/women/?q={public['carmen']}",
                    f"/console/cohorts/{cohort_id}",
                    "/console/cohorts/",
                    "/console/audit/",
                )
            ]

    women, cohort, cohorts, audit = run(flow())
    sector, mode, report, paused, chat, refused = CODES_IN_WORDS[lang]
    assert sector in women and ">retail<" not in women
    assert mode in cohort and "north_south" not in cohort.replace('value="north_south"', "")
    assert mode in cohorts and "> south_south<" not in cohorts
    for said in (report, paused, chat, refused, "some new thing"):
        assert said in audit, said
    assert "console_report" not in audit and "pair_pause" not in audit


@pytest.mark.parametrize("lang", sorted(BACK_TO_CONSOLE))
def test_the_report_leads_back_to_the_console_and_downloads_without_the_link(signed_in, lang):  # type: ignore[no-untyped-def]
    """Opened from the console's "Report" page, the report leads back to it; downloaded to be
    kept or sent on, it is the same report without that link (it would lead nowhere there)."""
    _app, server, token, csrf, _cohort_id, _public = signed_in

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(server, token) as c:
            await c.post("/console/language", data={"csrf": csrf, "lang": lang, "back": "/"})
            return [
                await c.get(path)
                for path in ("/console/exports/", "/console/report/", "/console/report/?download=1")
            ]

    exports, page, download = run(flow())
    link = f'<p class="back"><a href="/console/exports/">← {BACK_TO_CONSOLE[lang]}</a></p>'
    assert 'href="/console/report/?download=1"' in exports.text
    assert link in page.text and "attachment" not in page.headers.get("content-disposition", "")
    assert (
        download.headers["content-disposition"] == 'attachment; filename="entrepairs-report.html"'
    )
    assert download.text == page.text.replace(link, "")
