"""The coordinator console in a real browser (headless Chromium through Selenium): sign in with a
code from the chat, create a cohort, review and publish matches, compose an announcement (its
count and SMS cost follow her typing, htmx), send it and watch its report update itself, resolve a
safeguarding report. `CONSOLE_SCREENSHOTS=1` saves docs/console-*.png.

Without Chromium and chromedriver the tests skip on a developer's machine and fail in CI
(REQUIRE_CHROMIUM=1, set by .ci/run, which installs both).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import select

from bot import console
from bot.console import announcements
from bot.server import create_app
from storage.checkins import ProblemReport, record_problem
from storage.models import OutboundMessage, OutboxStatus, Participant
from tests.support import console as support
from tests.support import pairing, programme

# Screenshots refresh docs/console-*.png with CONSOLE_SCREENSHOTS=1; otherwise a scratch folder
# (random pseudonyms change every run, and a test run should not touch the repository).
DOCS = (
    Path(__file__).resolve().parent.parent / "docs"
    if os.environ.get("CONSOLE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "entrepairs-console-screenshots"
)
PHONE = (412, 1100)  # a phone browser's width: the pages must work there


def _tools() -> tuple[str, str]:
    browser = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        driver = None
    if browser and driver:
        return browser, driver
    reason = (
        "headless Chromium, chromedriver and selenium are needed: "
        "`apt-get install -y chromium chromium-driver` and `pip install -e '.[test]'`"
    )
    if os.environ.get("REQUIRE_CHROMIUM") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def driver() -> Iterator[object]:
    browser, chromedriver = _tools()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        "--lang=fr",
    ):
        options.add_argument(argument)
    chrome = webdriver.Chrome(service=Service(chromedriver), options=options)
    chrome.set_page_load_timeout(30)
    try:
        yield chrome
    finally:
        chrome.quit()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    """The console served by uvicorn on 127.0.0.1, with four women ready to be matched."""
    app, _server, ids = support.make_app(tmp_path, db, clock, recorder)
    now = clock.now()
    with db.session() as s:
        women = {key: pairing.add_woman(s, key, now) for key in pairing.WOMEN}
        record_problem(
            s, participant_id=women["carmen"].id, source="report", now=now, text="Ella no vino."
        )
        public = [w.public_id for w in women.values()]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app, console.routes(app)),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield {"app": app, "url": f"http://127.0.0.1:{port}/console", "public": public, "ids": ids}
    server.should_exit = True
    thread.join(10)


def shot(chrome, name: str) -> None:  # type: ignore[no-untyped-def]
    DOCS.mkdir(exist_ok=True)
    height = chrome.execute_script("return document.documentElement.scrollHeight")
    chrome.set_window_size(PHONE[0], max(PHONE[1], min(int(height) + 40, 3000)))
    chrome.execute_script("window.scrollTo(0, 0)")  # the whole page, even after a click below
    chrome.save_screenshot(str(DOCS / f"console-{name}.png"))
    chrome.set_window_size(*PHONE)


def find(chrome, css: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return chrome.find_element(By.CSS_SELECTOR, css)


def click_text(chrome, text: str) -> None:  # type: ignore[no-untyped-def]
    """Click a button or link by its words and wait for the next page to load."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # A mark on the old page's window: it is gone once the next page has replaced it. (Waiting for
    # the old <html> element to go stale raced with Chromium 156, which sometimes answers "node does
    # not belong to the document" instead of "stale element".)
    chrome.execute_script("window.__beforeClick = true")
    target = f"//*[self::button or self::a][normalize-space()={text!r}]"
    chrome.find_element(By.XPATH, target).click()
    WebDriverWait(chrome, 20).until(
        lambda c: c.execute_script(
            "return !window.__beforeClick && document.readyState === 'complete'"
        )
    )


def body(chrome) -> str:  # type: ignore[no-untyped-def]
    return find(chrome, "body").text


def sign_in(chrome, live, address: str = "amina") -> None:  # type: ignore[no-untyped-def]
    chrome.get(live["url"] + "/signin?lang=fr")
    find(chrome, "#address").send_keys(address)
    if address == "amina":
        shot(chrome, "signin")
    click_text(chrome, "M'envoyer un code")
    assert "nous venons de lui envoyer un code" in body(chrome)
    find(chrome, "#code").send_keys(support.last_code(live["app"]))
    click_text(chrome, "Se connecter")
    assert "Tableau de bord" in body(chrome)


def test_sign_in_cohort_matching_and_publishing(driver, live):  # type: ignore[no-untyped-def]
    chrome = driver
    sign_in(chrome, live)
    chrome.get(live["url"] + "/cohorts/")
    find(chrome, "#name").send_keys("Pilote 2026")
    find(chrome, "#code").send_keys("PILOTE26")
    click_text(chrome, "Créer")
    assert find(chrome, "#invite-code").text == "PILOTE26"
    find(chrome, "#members").send_keys(" ".join(live["public"]))
    click_text(chrome, "Ajouter")
    assert "Femmes ajoutées : 4" in body(chrome)
    assert find(chrome, "#member-count").text == "4"
    shot(chrome, "cohort")

    click_text(chrome, "Revoir les binômes proposés")
    click_text(chrome, "Relancer le jumelage")
    text = body(chrome)
    assert "Binômes proposés (2)" in text
    # The reasons, in French, name the two women by their pseudonymous ids until she asks.
    assert "Carmen" not in text and sum(pid in text for pid in live["public"]) == 4
    shot(chrome, "match")
    click_text(chrome, "Afficher les noms")
    assert "Carmen" in body(chrome)
    click_text(chrome, "Publier…")
    assert "2 binômes vont être présentés : 8 messages" in find(chrome, "#publish-count").text
    click_text(chrome, "Oui, envoyer les mises en relation")
    assert "Mises en relation envoyées : 2 binômes." in body(chrome)
    app = live["app"]
    with app.db.session() as s:
        intros = s.exec(
            select(OutboundMessage).where(OutboundMessage.purpose == "introduction")
        ).all()
    assert len(intros) >= 4

    chrome.get(live["url"] + "/")
    shot(chrome, "dashboard")


def wait_text(chrome, css: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the element shows `text` (it changes without a page load: htmx)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def shows(c) -> bool:  # type: ignore[no-untyped-def]
        try:
            return text in find(c, css).text
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    WebDriverWait(chrome, 20, ignored_exceptions=()).until(shows)


def test_announcement_and_safeguarding(driver, live, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(announcements, "POLL", 1)  # the report polls each second here, not 5
    chrome = driver
    sign_in(chrome, live)
    chrome.get(live["url"] + "/broadcasts/new")
    chrome.execute_script("window.__samePage = true")
    find(chrome, "#text_fr").send_keys("La foire a lieu samedi à 10 h.")
    # No button pressed: the count and the French text's SMS cost follow her typing.
    # Amina, Vera, Nora and the four women: all reachable.
    wait_text(chrome, "#audience-count", "7 femmes la recevront.")
    wait_text(chrome, "#segments-fr", "1 segment SMS (GSM-7)")
    find(chrome, "#text_es").send_keys("La feria es el sábado a las 10.")
    find(chrome, "#text_en").send_keys("The fair is on Saturday at 10.")
    wait_text(chrome, "#segments-en", "1 segment SMS (GSM-7)")
    find(chrome, "input[name=countries][value=BO]").click()  # Nora and Carmen live in Bolivia
    wait_text(chrome, "#audience-count", "2 femmes la recevront.")
    find(chrome, "input[name=countries][value=BO]").click()
    wait_text(chrome, "#audience-count", "7 femmes la recevront.")
    assert chrome.execute_script("return window.__samePage === true")  # no page load so far
    shot(chrome, "compose")
    click_text(chrome, "Compter et prévisualiser")  # the button still counts, as without JS
    assert "7 femmes la recevront." in find(chrome, "#audience-count").text
    assert "1 segment SMS" in body(chrome)
    click_text(chrome, "Enregistrer et relire avant l'envoi")
    assert "Aperçu" in body(chrome)
    click_text(chrome, "Envoyer à 7 femmes")
    assert "7 messages sont en file d'envoi." in body(chrome)
    assert find(chrome, "#report[hx-get]")  # the report polls while messages wait to go
    chrome.execute_script("window.__samePage = true")
    with live["app"].db.session() as s:  # the platform confirms every message
        for row in s.exec(select(OutboundMessage).where(OutboundMessage.purpose == "broadcast")):
            row.status = OutboxStatus.DELIVERED
            s.add(row)
    wait_text(chrome, "[data-count=delivered] b", "7")
    assert not chrome.find_elements("css selector", "#report[hx-get]")  # nothing left to poll
    assert chrome.execute_script("return window.__samePage === true")
    shot(chrome, "broadcast")

    chrome.get(live["url"] + "/safeguarding/")
    chrome.get(chrome.find_element("partial link text", "#").get_attribute("href"))
    assert "Ella no vino." in find(chrome, "#report-text").text
    find(chrome, "#note").send_keys("Appelée, elle va bien.")
    from selenium.webdriver.support.ui import Select

    Select(find(chrome, "#triage")).select_by_value("urgent")
    shot(chrome, "safeguarding")
    click_text(chrome, "Enregistrer et marquer comme résolu")
    assert "Signalement #1 · résolu" in body(chrome) and "Appelée, elle va bien." in body(chrome)
    with live["app"].db.session() as s:
        report = s.exec(select(ProblemReport)).one()
        assert report.handled_at is not None and report.triage == "urgent"
        assert s.get(Participant, report.participant_id) is not None


def _card(chrome, key: str) -> str:  # type: ignore[no-untyped-def]
    return find(chrome, f"[data-key={key}] b").text


def test_a_cohort_coordinator_adds_a_newcomer_and_every_count_follows(driver, live):  # type: ignore[no-untyped-def]
    """Lena coordinates the cohort of Carmen and Julie only: she ticks a woman in no cohort yet,
    adds her, and the dashboard, the women list and the cohort's page all say three."""
    app, chrome = live["app"], driver
    now = app.clock.now()
    with app.db.session() as s:
        lena = programme.woman(s, "lena", now=now, country="CA", locale="fr")
        people = {p.name: p for p in s.exec(select(Participant))}
        cohort = programme.cohort(s, "Pilote 2026", [people["Carmen"], people["Julie"]], now=now)
        cohort.invite_code = "PILOTE26"
        ids = {"lena": lena.id, "cohort": cohort.id, "awa": people["Awa"].public_id}
    support.limit_coordinator(app, ids["lena"], cohorts=[ids["cohort"]])
    sign_in(chrome, live, "lena")
    assert _card(chrome, "participants") == "2"
    chrome.get(f"{live['url']}/cohorts/{ids['cohort']}")
    assert find(chrome, "#member-count").text == "2"
    find(chrome, f"input[name=members][value='{ids['awa']}']").click()
    shot(chrome, "cohort-add")
    click_text(chrome, "Ajouter")
    assert "Femmes ajoutées : 1" in body(chrome)
    assert find(chrome, "#member-count").text == "3" and ids["awa"] in body(chrome)
    chrome.get(live["url"] + "/")
    assert _card(chrome, "participants") == "3"
    chrome.get(live["url"] + "/women/")
    assert find(chrome, "#women-count").get_attribute("data-count") == "3"
    chrome.get(live["url"] + "/cohorts/")
    assert find(chrome, f"[data-size='{ids['cohort']}']").text == "3"


def test_the_report_opens_from_the_console_and_leads_back(driver, live):  # type: ignore[no-untyped-def]
    """From the console's "Report" page to the programme report and back, as a coordinator on
    her phone does it (French)."""
    chrome = driver
    sign_in(chrome, live)
    click_text(chrome, "Rapport")
    click_text(chrome, "Ouvrir le rapport du programme")
    assert "Rapport du programme Entrepairs" in body(chrome)
    assert find(chrome, 'svg[data-chart="funnel"]')  # the page itself, not an error
    click_text(chrome, "← Retour à la console des coordinatrices")
    assert chrome.current_url == live["url"] + "/exports/"
    assert "Rapport du programme et exports" in body(chrome)


def test_an_announcement_with_a_long_link_fits_a_phone(driver, live):  # type: ignore[no-untyped-def]
    """Its preview at 360 px: a registration link of 120 characters wraps, the page does not
    scroll sideways (the Send button would be off screen)."""
    from flows import broadcasts
    from flows.coordination import Actor

    app, chrome = live["app"], driver
    link = "https://forms.example.org/entrepairs/inscription-foire-" + "x" * 70
    with app.db.session() as s:
        draft = broadcasts.draft(
            s,
            app.settings.flow_config(),
            Actor.operator("t"),
            audience=broadcasts.Audience(),
            texts={"fr": f"Inscrivez-vous : {link}"},
            fallback="fr",
            now=app.clock.now(),
        )
        url = f"{live['url']}/broadcasts/{draft.id}"
    sign_in(chrome, live)
    at_width(chrome, 360)
    chrome.get(url)
    assert link in body(chrome).replace("\n", "")
    wide, seen = chrome.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert wide <= seen


def at_width(chrome, width: int) -> None:  # type: ignore[no-untyped-def]
    """The page laid out `width` CSS pixels wide, as on a phone: a window is never narrower than
    about 500 pixels in headless Chromium, so the viewport is set through DevTools."""
    chrome.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True},
    )


FITS = """const wide = (e) => e.scrollWidth > e.clientWidth + 1;
const page = document.documentElement, meta = document.querySelector('.meta');
return {page: [page.scrollWidth, page.clientWidth], meta: wide(meta) ? meta.outerHTML : '',
        tables: Array.from(document.querySelectorAll('section .scroll')).filter(wide)
                     .map(e => `${e.closest('section').id} ${e.scrollWidth}>${e.clientWidth}`)}"""


# The cells (with their text) that reach past the right edge of the 360 px screen.
CELLS_INSIDE = """return Array.from(document.querySelectorAll(arguments[0]))
  .filter(e => e.getBoundingClientRect().right > 361 || e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent);"""


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_programme_report_fits_a_phone_of_360_pixels(driver, live, lang):  # type: ignore[no-untyped-def]
    """The report opened from the console on a 360 px phone: nothing scrolls sideways, neither
    the page, nor its "Generated … (UTC)" line, nor the funnel by country or the pairs at risk
    (each of their columns readable without swiping)."""
    from flows import broadcasts
    from flows.broadcasts import Audience
    from flows.coordination import Actor
    from tests.test_reports import build_programme

    app, chrome = live["app"], driver
    now = app.clock.now()
    build_programme(app.db, now)
    with app.db.session() as s:  # an announcement sent, for the reach table
        config, operator = app.settings.flow_config(), Actor.operator("t")
        texts = {"es": "Feria", "fr": "Foire", "en": "Fair"}
        sent = broadcasts.draft(s, config, operator, audience=Audience(), texts=texts, now=now)
        broadcasts.send(s, config, operator, sent, now=app.clock.now())
    sign_in(chrome, live)
    click_text(chrome, lang)  # the console's language switch
    chrome.get(live["url"] + "/report/")
    at_width(chrome, 360)
    assert find(chrome, "html").get_attribute("lang") == lang
    for table in ("funnel", "risk", "outcomes", "reach"):
        assert find(chrome, f"#{table} table"), table
    fits = chrome.execute_script(FITS)
    assert fits["page"][0] <= fits["page"][1] == 360
    assert fits["meta"] == ""
    # The outcomes (8+ columns) and reach (11) tables too: each row a card on a phone.
    assert fits["tables"] == []
    assert chrome.execute_script(CELLS_INSIDE, "#outcomes td, #reach td") == []


def test_the_safeguarding_list_shows_what_matters_on_a_360_pixel_phone(driver, live):  # type: ignore[no-untyped-def]
    """On her phone, without swiping sideways, each report's triage (urgent?) and its kind, with
    the mark of a voice note and what to do about it (French)."""
    app, chrome = live["app"], driver
    with app.db.session() as s:
        carmen = s.exec(select(Participant).where(Participant.name == "Carmen")).one()
        voice = record_problem(s, participant_id=carmen.id, source="report", now=app.clock.now())
        voice.triage = "urgent"
    sign_in(chrome, live)
    at_width(chrome, 360)
    chrome.get(live["url"] + "/safeguarding/")
    edges = chrome.execute_script(
        "return Array.from(document.querySelectorAll('td[data-triage], td[data-kind]'))"
        ".map(e => Math.round(e.getBoundingClientRect().right))"
    )
    assert len(edges) == 4 and max(edges) <= 360, edges
    # Its time and woman too: nothing of the list scrolls sideways.
    assert chrome.execute_script(CELLS_INSIDE, ".wrap td") == []
    wide, seen = chrome.execute_script(
        "const w = document.querySelector('.wrap'); return [w.scrollWidth, w.clientWidth]"
    )
    assert wide <= seen
    shot(chrome, "safeguarding-list")
    assert "urgent" in find(chrome, "td[data-triage=urgent]").text
    said = find(chrome, "[data-media]").get_attribute("textContent")
    assert said == "Message vocal ou photo\u00a0: contactez-la"


def test_the_pairs_list_shows_both_women_on_a_360_pixel_phone(driver, live):  # type: ignore[no-untyped-def]
    """Each pair with its two women's pseudonymous ids, readable without swiping sideways."""
    app, chrome = live["app"], driver
    with app.db.session() as s:
        carmen, julie = (
            s.exec(select(Participant).where(Participant.name == name)).one()
            for name in ("Carmen", "Julie")
        )
        cohort = programme.cohort(s, "Pilote", [carmen, julie], now=app.clock.now())
        programme.pair(s, cohort, carmen, julie, now=app.clock.now())
        ids = (carmen.public_id, julie.public_id)
    sign_in(chrome, live)
    at_width(chrome, 360)
    chrome.get(live["url"] + "/pairs/")
    said = find(chrome, "td[data-women]").text
    assert ids[0] in said and ids[1] in said, said
    assert chrome.execute_script(CELLS_INSIDE, ".wrap td") == []
    wide, seen = chrome.execute_script(
        "const w = document.querySelector('.wrap'); return [w.scrollWidth, w.clientWidth]"
    )
    assert wide <= seen
