"""The console as a coordinator reads it: a cohort's join link with the bot's real name (or what
to do without it), an announcement's hour that means what she typed, a problem reported by voice
note or photo marked as such. Through HTTP, in en, es and fr."""

from __future__ import annotations

import asyncio
import html
import re

import pytest

from bot.channels.telegram import TelegramChannel
from bot.settings import Settings, SettingsError
from flows.matching import service
from tests.support import console as support
from tests.support import pairing
from tests.support.telegram_standin import standin_server


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


@pytest.fixture
def console(tmp_path, db, clock, recorder):  # type: ignore[no-untyped-def]
    """Amina (an admin) signed in; the cohort of four (code PILOTE26)."""
    app, server, ids = support.make_app(tmp_path, db, clock, recorder)
    with db.session() as s:
        cohort, women = pairing.cohort_of_four(s, clock.now())
        cohort_id = cohort.id
        public = {key: w.public_id for key, w in women.items()}
    token, csrf = support.session_cookie(app, ids["amina"])
    return {"app": app, "server": server, "token": token, "csrf": csrf, "cohort": cohort_id,
            "public": public}  # fmt: skip


def _client(server, token):  # type: ignore[no-untyped-def]
    c = support.client(server)
    c.cookies.set("console", token, path="/console")
    return c


def _get(console, path: str, lang: str = "fr") -> str:  # type: ignore[no-untyped-def]
    """The page in her language, as she reads it (entities decoded)."""

    async def flow() -> str:
        async with _client(console["server"], console["token"]) as c:
            back = {"csrf": console["csrf"], "lang": lang, "back": "/"}
            await c.post("/console/language", data=back)
            return html.unescape((await c.get(path)).text)

    return run(flow())


# The cohort's join link ----------------------------------------------------------------------

JOIN_BY_CODE = {
    "en": "Women join by typing this code in the chat with the bot.",
    "es": "Las mujeres se unen escribiendo este código en el chat con el bot.",
    "fr": "Les femmes rejoignent la cohorte en écrivant ce code dans la conversation avec le bot.",
}
NO_NAME = {
    "en": "No Telegram link yet",
    "es": "Todavía no hay enlace de Telegram",
    "fr": "Pas encore de lien Telegram",
}


def _with(console, **changes: object) -> None:  # type: ignore[no-untyped-def]
    app = console["app"]
    app.settings = app.settings.model_copy(update=changes)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_cohort_page_gives_the_telegram_link_with_the_bot_s_name(console, lang):  # type: ignore[no-untyped-def]
    _with(console, telegram_bot_username="EntrepairsBot")
    page = _get(console, f"/console/cohorts/{console['cohort']}", lang)
    link = "https://t.me/EntrepairsBot?start=PILOTE26"
    assert f'href="{link}" id="telegram-link">{link}</a>' in page
    assert "<bot>" not in page and NO_NAME[lang] not in page


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_without_the_bot_s_name_the_cohort_page_says_what_to_do_not_a_placeholder(console, lang):  # type: ignore[no-untyped-def]
    """Telegram configured, its name not known: she gives the code, and is told who can add the
    link; without Telegram at all, the code alone is the way in."""
    page = _get(console, f"/console/cohorts/{console['cohort']}", lang)
    assert JOIN_BY_CODE[lang] in page and "t.me" not in page and "<bot>" not in page
    assert NO_NAME[lang] not in page  # no Telegram here: nothing to set
    _with(console, telegram_bot_token="123:abc")
    page = _get(console, f"/console/cohorts/{console['cohort']}", lang)
    assert JOIN_BY_CODE[lang] in page and "t.me" not in page
    assert NO_NAME[lang] in page and "TELEGRAM_BOT_USERNAME" in page


SMS_JOIN = {
    "en": "SMS: send the code to +15145550100",
    "es": "SMS: envíe el código al +15145550100",
    "fr": "SMS\u00a0: envoyez le code au +15145550100",
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_cohort_page_gives_the_number_to_text_the_code_to(console, lang):  # type: ignore[no-untyped-def]
    """A woman on SMS only needs the number: the page says where to send the code."""
    page = _get(console, f"/console/cohorts/{console['cohort']}", lang)
    assert "+15145550100" not in page
    _with(console, twilio_sms_from="+15145550100")
    page = _get(console, f"/console/cohorts/{console['cohort']}", lang)
    assert SMS_JOIN[lang] in page


def test_a_started_telegram_channel_names_the_bot_as_getme_told_it(tmp_path, db, clock):  # type: ignore[no-untyped-def]
    """No setting: the web process asked Telegram who the bot is (getMe) when it started."""
    with standin_server() as standin:
        channel = TelegramChannel(standin.token, api_base_url=standin.base_url)
        app, server, ids = support.make_app(tmp_path, db, clock, channel)
        with db.session() as s:
            cohort = service.create_cohort(
                s, "Ola 1", modes=service.parse_modes(["north_south"]), code="OLA1", now=clock.now()
            )
            cohort_id = cohort.id
        token, _csrf = support.session_cookie(app, ids["amina"])
        assert channel.username is None  # not asked yet

        async def flow() -> str:
            await channel.start(app)
            try:
                async with _client(server, token) as c:
                    return html.unescape((await c.get(f"/console/cohorts/{cohort_id}")).text)
            finally:
                await channel.stop()

        page = run(flow())
    assert 'id="telegram-link">https://t.me/EntrepairsBot?start=OLA1</a>' in page


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("EntrepairsBot", "EntrepairsBot"), ("@EntrepairsBot", "EntrepairsBot"),
     ("https://t.me/EntrepairsBot", "EntrepairsBot"), ("t.me/Entrepairs_bot/", "Entrepairs_bot")],
)  # fmt: skip
def test_the_bot_s_name_is_read_as_an_administrator_writes_it(tmp_path, typed, kept):  # type: ignore[no-untyped-def]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="sqlite://", telegram_bot_username=typed
    )
    assert settings.telegram_bot_username == kept


def test_a_name_telegram_would_not_take_is_refused_at_start(monkeypatch):  # type: ignore[no-untyped-def]
    from bot.settings import load

    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "my bot")
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_USERNAME"):
        load(_env_file=None)


# The announcement's hour ---------------------------------------------------------------------

GOES_AT = {
    "en": "It goes at 18:00 in each woman's own time.",
    "es": "Sale a las 18:00 en la hora de cada mujer.",
    "fr": "Elle part à 18:00, à l'heure de chaque femme.",
}
# Quiet hours (21–8 by default) hold what would wake her: the count says so, not "at 22:00".
GOES_NOW = {
    "en": "It goes as soon as you confirm it; a woman in her quiet hours (21:00–08:00) gets it "
    "at 08:00 her own time.",
    "es": "Sale en cuanto usted lo confirme; una mujer en sus horas de descanso (21:00–08:00) lo "
    "recibe a las 08:00, en su hora local.",
    "fr": "Elle part dès que vous la confirmez\u00a0; une femme dans ses heures de repos "
    "(21:00–08:00) la reçoit à 08:00, à son heure locale.",
}
GOES_IN_THE_MORNING = {
    "en": "22:00 is in the women's quiet hours (21:00–08:00): each gets it at 08:00 her own time.",
    "es": "Las 22:00 caen en las horas de descanso de las mujeres (21:00–08:00): cada una lo "
    "recibe a las 08:00, en su hora local.",
    "fr": "22:00 tombe pendant les heures de repos des femmes (21:00–08:00)\u00a0: chacune la "
    "reçoit à 08:00, à son heure locale.",
}


def _compose(console, lang: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    """The live count, then the draft saved, as she types `form` in the compose page."""

    async def flow():  # type: ignore[no-untyped-def]
        async with _client(console["server"], console["token"]) as c:
            csrf = console["csrf"]
            await c.post("/console/language", data={"csrf": csrf, "lang": lang, "back": "/"})
            blank = html.unescape((await c.get("/console/broadcasts/new")).text)
            data = {"csrf": csrf, "text_es": "Hola", "text_fr": "Salut", "text_en": "Hi", **form}
            live = await c.post("/console/broadcasts/new/count", data=data)
            saved = await c.post("/console/broadcasts/new", data={**data, "action": "save"})
            review = await c.get(saved.headers["location"])
            return blank, html.unescape(live.text), html.unescape(review.text)

    return run(flow())


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_an_hour_typed_in_the_announcement_form_schedules_it(console, lang):  # type: ignore[no-untyped-def]
    """She types 18:00 and ticks nothing: the count says 18:00 as she types, the draft is saved
    for 18:00 in each woman's time, and the review page says so (it said "Now" and sent at once)."""
    from sqlmodel import select

    from storage.coordination import Broadcast

    blank, live, review = _compose(console, lang, {"local_time": "18:00"})
    assert 'name="when"' not in blank  # no tick box to forget
    assert 'name="local_time" value=""' in blank  # no hour she did not type
    assert GOES_AT[lang] in live and GOES_AT[lang] in review
    with console["app"].db.session() as s:
        draft = s.exec(select(Broadcast)).one()
        assert (draft.send_mode, draft.local_time) == ("local", "18:00")
    assert "18:00" in review


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_no_hour_typed_sends_the_announcement_once_confirmed(console, lang):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from storage.coordination import Broadcast

    _blank, live, review = _compose(console, lang, {"local_time": ""})
    assert GOES_NOW[lang] in live and GOES_NOW[lang] in review
    with console["app"].db.session() as s:
        draft = s.exec(select(Broadcast)).one()
        assert (draft.send_mode, draft.local_time) == ("now", None)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_an_hour_in_the_night_says_it_waits_for_her_morning(console, lang):  # type: ignore[no-untyped-def]
    _blank, live, review = _compose(console, lang, {"local_time": "22:00"})
    for page in (live, review):  # as she types, and on the page she sends it from
        assert GOES_IN_THE_MORNING[lang] in page
        assert GOES_AT[lang].replace("18:00", "22:00") not in page


def test_without_quiet_hours_now_is_now_and_a_night_hour_is_that_hour(console):  # type: ignore[no-untyped-def]
    _with(console, quiet_hours="0-0")
    _blank, live, _review = _compose(console, "fr", {"local_time": ""})
    assert "Elle part dès que vous la confirmez." in live and "repos" not in live
    _blank, live, _review = _compose(console, "fr", {"local_time": "22:00"})
    assert GOES_AT["fr"].replace("18:00", "22:00") in live and "repos" not in live


def test_a_wrong_hour_is_refused_even_without_the_old_tick_box(console):  # type: ignore[no-untyped-def]
    async def flow():  # type: ignore[no-untyped-def]
        async with _client(console["server"], console["token"]) as c:
            data = {"csrf": console["csrf"], "text_fr": "Salut", "local_time": "25:99"}
            return await c.post("/console/broadcasts/new", data={**data, "action": "save"})

    answer = run(flow())
    assert answer.status_code == 400 and "25:99" in html.unescape(answer.text)


# A problem reported by voice note or photo ---------------------------------------------------

MEDIA_MARK = {
    "en": "Voice note or photo: contact her",
    "es": "Nota de voz o foto: contáctela",
    "fr": "Message vocal ou photo\u00a0: contactez-la",
}
MEDIA_NOTE = {
    "en": "She sent a voice note or a photo to report a problem.",
    "es": "Ella envió una nota de voz o una foto para reportar un problema.",
    "fr": "Elle a envoyé un message vocal ou une photo pour signaler un problème.",
}
PROBLEM_REPORT = {"en": "Problem report", "es": "Reporte", "fr": "Signalement"}
REPORT_WORD = {"en": "REPORT", "es": "REPORTAR", "fr": "signaler"}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_problem_reported_by_voice_note_is_marked_in_the_console(  # type: ignore[no-untyped-def]
    tmp_path, db, clock, recorder, lang
):
    """A woman who cannot write it sends a voice note, another writes hers: the safeguarding list
    marks the voice note and says what to do, its page explains it; the written one is not marked.
    The woman and the coordinator both read `lang`."""
    from bot import console as console_routes
    from bot.server import create_app
    from tests.support.dialog import Person
    from tests.test_checkins import BY_LANGUAGE, programme_app, setup_pair

    app = programme_app(tmp_path, db, clock, recorder)
    programme = setup_pair(app, lang)
    her = Person(app, BY_LANGUAGE[lang].address)
    her.says(REPORT_WORD[lang])
    her.says("", kind="media")
    her.says("0")  # she leaves the question: the voice note stands as her report
    her.says(REPORT_WORD[lang])
    her.says("Ella no vino a la sesión.")
    server = create_app(app, console_routes.routes(app))
    token, csrf = support.session_cookie(app, programme.coordinator)
    board = {"server": server, "token": token, "csrf": csrf}
    inbox = _get(board, "/console/safeguarding/", lang)
    rows = [row for row in inbox.split("<tr>") if re.search(r"/console/safeguarding/\d", row)]
    assert len(rows) == 2
    voice, written = sorted(rows, key=lambda row: "data-media" not in row)
    assert MEDIA_MARK[lang] in voice and MEDIA_MARK[lang] not in written
    voice_id = voice.split('href="/console/safeguarding/')[1].split('"')[0]
    written_id = written.split('href="/console/safeguarding/')[1].split('"')[0]
    voice_page = _get(board, f"/console/safeguarding/{voice_id}", lang)
    assert MEDIA_NOTE[lang] in voice_page
    # Called as the list calls it: "Signalement", not "Rapport" (the programme report's name).
    assert f"<h1>{PROBLEM_REPORT[lang]} #{voice_id}</h1>" in voice_page
    page = _get(board, f"/console/safeguarding/{written_id}", lang)
    assert MEDIA_NOTE[lang] not in page and "Ella no vino a la sesión." in page


# The dashboard's figures ---------------------------------------------------------------------

WEEK = {"en": "Feb 23", "es": "23 feb", "fr": "23 févr."}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_dashboard_writes_its_figures_as_the_report_does(console, lang):  # type: ignore[no-untyped-def]
    """The same figures, the same way, on the dashboard and in the report she sends on: "4,0/5"
    in Spanish and French (the dashboard said "4.0"), weeks as "23 févr." (not "23/02", which a
    Canadian reads as a month 23)."""
    from tests.test_reports import build_programme

    build_programme(console["app"].db, console["app"].clock.now())
    dashboard, report = _get(console, "/console/", lang), _get(console, "/console/report/", lang)

    def cards(page: str) -> dict[str, str]:
        return dict(re.findall(r'class="card" data-key="(\w+)"><b>([^<]*)</b>', page))

    assert cards(dashboard) == cards(report) and len(cards(report)) == 8
    assert {"en": "4.0/5", "es": "4,0/5", "fr": "4,0/5"}[lang] == cards(dashboard)["mean_rating"]
    assert f">{WEEK[lang]}<" in dashboard and ">23/02<" not in dashboard


# What a scoped coordinator's report covers ---------------------------------------------------

ALL_COHORTS = {"en": "All cohorts", "es": "Todas las cohortes", "fr": "Toutes les cohortes"}
COVERS = {
    "en": ("Cohort: Pilote 2026", "Countries: Senegal"),
    "es": ("Cohorte: Pilote 2026", "Países: Senegal"),
    "fr": ("Cohorte\u00a0: Pilote 2026", "Pays\u00a0: Sénégal"),
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_scoped_coordinator_s_report_says_what_it_covers(console, lang):  # type: ignore[no-untyped-def]
    """The report she downloads and sends to a funder gives her cohort's or her country's
    figures: it says which, not "All cohorts" alone (which read as the whole programme's)."""
    app = console["app"]
    lena = support.scoped_coordinator(app, "lena", country="CA", cohorts=[console["cohort"]])
    fatou = support.scoped_coordinator(app, "fatou", country="SN", countries=["SN"])
    cohort_line, country_line = COVERS[lang]
    for who, said in ((lena, cohort_line), (fatou, country_line)):
        token, csrf = support.session_cookie(app, who)
        board = {**console, "token": token, "csrf": csrf}
        page = _get(board, "/console/report/?download=1", lang)
        meta = page.split('<p class="meta">')[1].split("</p>")[0]
        assert said in meta, meta
        assert (ALL_COHORTS[lang] in meta) == (who == fatou)  # hers: all cohorts, one country
    amina = _get(console, "/console/report/", lang)  # the whole programme's: all cohorts
    meta = amina.split('<p class="meta">')[1].split("</p>")[0]
    assert ALL_COHORTS[lang] in meta and cohort_line not in meta and country_line not in meta


# Exports -------------------------------------------------------------------------------------

FOR_COORDINATORS = {
    "en": "Exports are for coordinators.",
    "es": "Las exportaciones son para las coordinadoras.",
    "fr": "Les exports sont réservés aux coordinatrices.",
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_country_s_coordinator_is_offered_her_exports(console, lang):  # type: ignore[no-untyped-def]
    """Fatou coordinates Senegal: her exports hold Senegal's rows (tests/test_console_scope.py),
    so the page offers them, not "Exports are for coordinators" (she is one); a viewer is told."""
    app = console["app"]
    fatou = support.scoped_coordinator(app, "fatou", country="SN", countries=["SN"])
    token, csrf = support.session_cookie(app, fatou)
    page = _get({**console, "token": token, "csrf": csrf}, "/console/exports/", lang)
    assert 'action="/console/exports/participants.csv"' in page
    assert FOR_COORDINATORS[lang] not in page and 'name="contacts"' not in page  # admins only
    with app.db.session() as s:
        from sqlmodel import select

        from storage.models import Participant

        vera = s.exec(select(Participant).where(Participant.name == "Vera")).one().id
    token, csrf = support.session_cookie(app, vera)
    page = _get({**console, "token": token, "csrf": csrf}, "/console/exports/", lang)
    assert FOR_COORDINATORS[lang] in page and "/console/exports/participants.csv" not in page


# A pair across two coordinators' countries ---------------------------------------------------


def test_a_country_s_coordinator_reads_her_own_woman_s_check_ins_of_a_mixed_pair(console):  # type: ignore[no-untyped-def]
    """Awa (Senegal) and Julie (Canada) meet; Fatou coordinates Senegal. The pair's page shows
    their sessions, and Awa's check-in, not Julie's (Canada's coordinators' to read, as in the
    exports and the report); Julie's id is no link to a page Fatou cannot open."""
    from datetime import timedelta

    from sqlmodel import select

    from storage.models import Participant
    from storage.pairs import Cohort
    from tests.support import programme

    app = console["app"]
    now = app.clock.now()
    with app.db.session() as s:
        people = {p.name: p for p in s.exec(select(Participant))}
        awa, julie = people["Awa"], people["Julie"]
        cohort = s.get(Cohort, console["cohort"])
        pair = programme.pair(s, cohort, awa, julie, now=now)
        meeting = programme.meeting(s, pair, now - timedelta(days=3))
        programme.checkin(s, pair, awa, meeting.id, 5, at=now - timedelta(days=3))
        programme.checkin(s, pair, julie, meeting.id, 2, at=now - timedelta(days=2))
        pair_id = pair.id
    fatou = support.scoped_coordinator(app, "fatou", country="SN", countries=["SN"])
    token, csrf = support.session_cookie(app, fatou)
    for lang in ("en", "es", "fr"):
        page = _get({**console, "token": token, "csrf": csrf}, f"/console/pairs/{pair_id}", lang)
        checkins = page.split("<table>")[1].split("</table>")[0]
        assert "<td>5</td>" in checkins and "<td>2</td>" not in checkins
        assert f'href="/console/women/{console["public"]["awa"]}"' in page
        assert console["public"]["julie"] in page
        assert f'href="/console/women/{console["public"]["julie"]}"' not in page
    # Amina sees the whole programme: both check-ins, both links.
    page = _get(console, f"/console/pairs/{pair_id}")
    assert "<td>5</td>" in page and "<td>2</td>" in page
    assert f'href="/console/women/{console["public"]["julie"]}"' in page


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_printed_report_of_a_country_says_so_too(db, clock, lang):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from bot.cli_coordination import report_text
    from flows import reports

    with db.session() as s:
        report = reports.build(s, now=clock.now())
    assert COVERS[lang][1] not in report_text(report, lang)
    assert COVERS[lang][1] in report_text(replace(report, countries=("SN",)), lang)


# Words that meant two things -----------------------------------------------------------------

RESOLVED = {"en": "resolved", "es": "resuelto", "fr": "résolu"}
CHANGE_PAIR = {
    "en": "Change this pair",
    "es": "Cambiar este intercambio",
    "fr": "Modifier ce binôme",
}


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_resolved_report_and_a_pair_s_buttons_are_named_for_what_they_are(console, lang):  # type: ignore[no-untyped-def]
    """A resolved report is "Signalement #1 · résolu" (it read "· Résolus", the list's tab), and
    the pair's pause and end buttons sit under "Modifier ce binôme" (it read "Évolution", the
    report's column of change from baseline)."""
    from storage.checkins import record_problem
    from storage.pairs import Cohort
    from tests.support import programme

    app = console["app"]
    with app.db.session() as s:
        carmen = service.participant_by_public_id(s, console["public"]["carmen"])
        julie = service.participant_by_public_id(s, console["public"]["julie"])
        report = record_problem(
            s, participant_id=carmen.id, source="report", now=app.clock.now(), text="No vino."
        )
        report.handled_at = app.clock.now()
        report_id = report.id
        cohort = s.get(Cohort, console["cohort"])
        pair_id = programme.pair(s, cohort, carmen, julie, now=app.clock.now()).id
    page = _get(console, f"/console/safeguarding/{report_id}", lang)
    assert f"<h1>{PROBLEM_REPORT[lang]} #{report_id} · {RESOLVED[lang]}</h1>" in page
    page = _get(console, f"/console/pairs/{pair_id}", lang)
    assert f"<h2>{CHANGE_PAIR[lang]}</h2>" in page


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_announcements_list_says_when_each_goes(console, lang):  # type: ignore[no-untyped-def]
    """Scheduled for 18:00 or sent at once: the list says which, without opening each one."""
    _compose(console, lang, {"local_time": "18:00"})
    _compose(console, lang, {"local_time": ""})
    page = _get(console, "/console/broadcasts/", lang)
    rows = [row for row in page.split("<tr>") if 'href="/console/broadcasts/' in row]
    rows = [row for row in rows if "/new" not in row]
    when = [re.search(r'<td data-when="[^"]*">([^<]*)</td>', row).group(1) for row in rows]
    assert when == [{"en": "Now", "es": "Ahora", "fr": "Maintenant"}[lang], "18:00"]


def test_a_telegram_username_is_shown_with_one_at_sign(console):  # type: ignore[no-untyped-def]
    """Julie's Telegram @username, kept with its @ (as the channel stores it), reads
    "@julie_boreal", not "@@julie_boreal", when her contacts are asked for."""

    async def flow() -> str:
        async with _client(console["server"], console["token"]) as c:
            url = f"/console/women/{console['public']['julie']}"
            return (await c.post(url, data={"csrf": console["csrf"]})).text

    page = run(flow())
    assert "(@julie_boreal)" in page and "@@" not in page


@pytest.mark.parametrize("typed", ["amina_tg", "@amina_tg", "@Amina_TG", " Amina_tg "])
def test_a_coordinator_signs_in_with_her_telegram_username(console, typed):  # type: ignore[no-untyped-def]
    """The sign-in page asks for "the Telegram username you use with the bot": the channel keeps
    it as "@amina_tg", and she may type it with or without its @, in any case."""
    from sqlmodel import select

    from flows import console_auth
    from storage.models import ChannelAddress, Participant

    app = console["app"]
    with app.db.session() as s:
        amina = s.exec(select(Participant).where(Participant.name == "Amina")).one()
        s.add(ChannelAddress(participant_id=amina.id, channel="telegram", address="777001",
                             handle="@amina_tg", created_at=app.clock.now()))  # fmt: skip
        amina_id = amina.id
    with app.db.session() as s:
        found = console_auth.find_by_address(s, typed)
        assert found is not None and found.id == amina_id
        assert console_auth.find_by_address(s, "someone_else") is None
