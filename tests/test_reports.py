"""The programme report: funnel, sessions, ratings, outcomes by country (small counts hidden),
pairs at risk, broadcast reach; the text and HTML forms; the HTML in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli_coordination import report_text
from bot.report_html import COLOURS, render_html
from flows import broadcasts, reports
from flows.broadcasts import Audience
from flows.coordination import Actor
from flows.messages import Msg
from flows.render import Reader, render_msg
from storage.checkins import OUTCOMES, record_problem
from storage.coordination import AuditEntry
from storage.models import OutboundMessage
from storage.pairs import PairStatus
from tests.support import programme

OPERATOR = Actor.operator("tester")
# A table cell as the report writes it: those of a table stacked on a phone carry their
# column's heading (`data-label`).
TD = r'<td(?: data-label="[^"]*")?>'


def build_programme(db, now):  # type: ignore[no-untyped-def]
    """12 women: 6 in Bolivia, 6 in Canada, 2 in Senegal; pairs, sessions, check-ins, surveys."""
    with db.session() as s:
        bo = [programme.woman(s, f"b{i}", now=now, country="BO") for i in range(6)]
        ca = [programme.woman(s, f"c{i}", now=now, country="CA") for i in range(6)]
        sn = [programme.woman(s, f"s{i}", now=now, country="SN") for i in range(2)]
        late = programme.woman(s, "late", now=now, country="CA", onboarded=False)
        group = programme.cohort(s, "Ola 1", [*bo, *ca, *sn, late], now=now)
        pairs = [programme.pair(s, group, bo[i], ca[i], now=now) for i in range(5)]
        programme.pair(s, group, bo[5], sn[0], now=now, status=PairStatus.INTRODUCED)
        # Pair 0: four weekly sessions, the latest a week ago; pair 1: one session 25 days ago.
        for week in range(4):
            start = now - timedelta(days=7 * (4 - week))
            meeting = programme.meeting(s, pairs[0], start)
            programme.checkin(s, pairs[0], bo[0], meeting.id, 5 if week else 4, at=start)
            programme.checkin(s, pairs[0], ca[0], meeting.id, 4, at=start)
        meeting = programme.meeting(s, pairs[1], now - timedelta(days=25))
        programme.checkin(s, pairs[1], bo[1], meeting.id, 1, at=now - timedelta(days=25))
        programme.checkin(s, pairs[1], ca[1], meeting.id, 4, at=now - timedelta(days=25))
        # A check-in of no one session (a month's), so that five women rated: fewer are hidden.
        programme.checkin(s, pairs[2], bo[2], None, 4, at=now - timedelta(days=20))
        # Not held: its time is still ahead.
        programme.meeting(s, pairs[2], now + timedelta(days=2), status="confirmed")
        # Low pulse on pair 3, open problem on pair 4.
        from storage.checkins import Pulse

        s.add(
            Pulse(
                participant_id=bo[3].id,
                pair_id=pairs[3].id,
                asked_at=now,
                rating=2,
                answered_at=now,
            )
        )
        record_problem(
            s,
            participant_id=ca[4].id,
            source="report",
            now=now,
            pair_id=pairs[4].id,
            text="private words",
        )
        # Outcomes: every Bolivian and Canadian woman rose by 1 (confidence) — Senegal has 2.
        for woman in [*bo, *ca, *sn]:
            programme.survey(s, woman, "baseline", {o: 2 for o in OUTCOMES}, at=now - timedelta(60))
            programme.survey(
                s, woman, "end", {"confidence": 3, "leadership": 4}, at=now - timedelta(1)
            )
        return {"bo": bo, "ca": ca, "sn": sn, "pairs": pairs, "late": late}


def test_funnel_sessions_ratings_and_small_counts_hidden(db, clock):
    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        report = reports.build(s, now=now)
    assert report.funnel == {
        "invited": 15,
        "onboarded": 14,
        "matched": 12,
        "accepted": 10,
        "first_session": 4,
        "three_sessions": 2,
    }
    assert report.funnel_by_country["BO"] == {
        "invited": None,  # 6, hidden: else Senegal's 2 would be 15 - 6 - 7
        "onboarded": None,
        # 6, hidden: Senegal's answers (hidden, but not "—") say a Senegalese woman got as far
        # as a pair, and Canada's 5 or 6 (between its shown 5 accepted and 6 onboarded) would
        # leave Senegal's matched 12 - 6 - 5 = 1.
        "matched": None,
        "accepted": 5,
        "first_session": None,
        "three_sessions": None,
    }
    assert report.funnel_by_country["CA"]["invited"] == 7
    assert report.funnel_by_country["SN"]["invited"] is None  # 2 women: hidden
    assert sum(n for _week, n in report.sessions_per_week) == 5
    assert report.ratings == {1: 1, 2: 0, 3: 0, 4: 7, 5: 3} and not report.ratings_hidden
    assert report.headline["sessions_30d"] == 5 and report.headline["active_pairs"] == 5
    confidence = report.outcomes["confidence"]
    assert confidence["all"] == reports.OutcomeStat(14, 2, 3)
    assert confidence["CA"] == reports.OutcomeStat(6, 2, 3)
    assert confidence["SN"] is None  # under 5 women
    assert confidence["BO"] is None  # else Senegal's two would be 14 - 6 - 6
    assert report.outcomes["leadership"]["CA"].change == 2
    assert report.outcomes["networking"] == {}  # no later answer
    assert report.missing == []


def test_pairs_at_risk(db, clock):
    now = clock.now()
    data = build_programme(db, now)
    with db.session() as s:
        found = reports.at_risk(s, now=now)
    by_pair = {item.pair_id: dict(item.reasons) for item in found}
    pairs = data["pairs"]
    assert pairs[0].id not in by_pair  # a session a week ago
    assert by_pair[pairs[1].id] == {"quiet": {"days": 25}}
    assert "quiet" in by_pair[pairs[2].id]  # active 30 days, no session yet (one is planned)
    assert by_pair[pairs[3].id]["pulse"] == {"rating": 2}
    assert "problem" in by_pair[pairs[4].id]
    assert found[0].pair_id == pairs[4].id  # an open problem comes first
    assert all(item.a_public and item.b_public for item in found)


def test_a_missing_table_says_no_data_yet(db, clock):
    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        s.execute(text("DROP TABLE meeting"))
    with db.session() as s:
        report = reports.build(s, now=now)
    assert report.missing == ["sessions"] and report.sessions_per_week == []
    assert report.funnel["first_session"] == 0
    assert "No data yet." in render_html(report)
    assert "(sessions: No data yet.)" in report_text(report)


def test_broadcast_reach_in_the_report(db, clock):
    now = clock.now()
    build_programme(db, now)
    config = programme_config()
    with db.session() as s:
        draft = broadcasts.draft(
            s, config, OPERATOR, audience=Audience(countries=("BO",)), texts={"es": "Hola"}, now=now
        )
        broadcasts.send(s, config, OPERATOR, draft, now=now)
    with db.session() as s:
        report = reports.build(s, now=now)
    (reach,) = report.reach
    assert reach.report.total == 6 and reach.report.queued == 6
    page = render_html(report, "es")
    assert 'data-chart="reach"' in page and "Anuncios" in page


def test_announcements_of_the_month_are_all_counted_not_only_those_listed(db, clock):
    now = clock.now()
    build_programme(db, now)
    config = programme_config()
    with db.session() as s:
        for n in range(22):
            draft = broadcasts.draft(
                s,
                config,
                OPERATOR,
                audience=Audience(countries=("BO",)),
                texts={"es": f"{n}"},
                now=now,
            )
            broadcasts.send(s, config, OPERATOR, draft, now=now)
    with db.session() as s:
        report = reports.build(s, now=now)
    assert len(report.reach) == 20  # the list shows the latest 20
    assert report.headline["broadcasts_30d"] == 22
    with db.session() as s:
        later = reports.build(s, now=now + timedelta(days=31))
    assert later.headline["broadcasts_30d"] == 0


def test_coordinators_work_accounts_are_not_counted_as_participants(db, clock):
    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        staff = [
            programme.woman(s, "coord-a", now=now, country="BO", onboarded=False).id,
            programme.woman(s, "coord-b", now=now, country="BO").id,  # she joined as a woman too
        ]
        everyone = reports.build(s, now=now)
        counted = reports.build(s, now=now, staff=staff)
    assert everyone.headline["participants"] == counted.headline["participants"] + 1
    assert everyone.funnel["invited"] == counted.funnel["invited"] + 1
    assert everyone.funnel["onboarded"] == counted.funnel["onboarded"]


def programme_config():  # type: ignore[no-untyped-def]
    from flows.config import FlowConfig

    return FlowConfig(quiet_start=0, quiet_end=0)


BACK_TO_CONSOLE = {
    "en": "Back to the coordinator console",
    "es": "Volver a la consola de coordinación",
    "fr": "Retour à la console des coordinatrices",
}


def test_html_is_self_contained_and_translated(db, clock):
    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        report = reports.build(s, now=now)
    for language, title in (
        ("en", "Entrepairs programme report"),
        ("es", "Informe del programa Entrepairs"),
        ("fr", "Rapport du programme Entrepairs"),
    ):
        page = render_html(report, language)
        assert title in page
        assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in page and "<script" not in page and "<img" not in page
        # A file sent on has no link that would lead nowhere; from the console, it leads back.
        link = f'<p class="back"><a href="/console/exports/">← {BACK_TO_CONSOLE[language]}</a></p>'
        assert "<a " not in page
        assert render_html(report, language, back="/console/exports/") == page.replace(
            "<h1>", link + "<h1>", 1
        )
        for chart in ("funnel", "weeks", "ratings", "outcomes"):
            assert f'data-chart="{chart}"' in page
        assert "<td>x</td>" in page  # Senegal's small counts
        assert "private words" not in page and "B0" not in page
    text_form = report_text(report, "fr")
    assert "Binômes à suivre" in text_form and "Confiance en soi\u00a0: 2,0 → 3,0" in text_form


# Each reader's numbers and dates: a decimal comma and a space before the colon in French, a
# decimal comma in Spanish, a month name where "02/03" would mean two dates.
NUMBERS_AND_DATES = {
    "en": ("Participants: 15", "4.0/5", "Self-confidence: 2.0 → 3.0 (+1.0", "Mar 2"),
    "es": ("Participantes: 15", "4,0/5", "Confianza en sí misma: 2,0 → 3,0 (+1,0", "2 mar"),
    "fr": ("Participantes\u00a0: 15", "4,0/5", "Confiance en soi\u00a0: 2,0 → 3,0 (+1,0", "2 mars"),
}


@pytest.mark.parametrize("language", sorted(NUMBERS_AND_DATES))
def test_numbers_colons_and_weeks_are_written_the_readers_way(db, clock, language):
    from datetime import date

    from flows import i18n

    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        report = reports.build(s, now=now)
    text_form, page = report_text(report, language), render_html(report, language)
    participants, rating, confidence, week = NUMBERS_AND_DATES[language]
    assert participants in text_form and confidence in text_form
    assert f"<b>{rating}</b>" in page and rating.removesuffix("/5") in text_form
    assert i18n.day_month(language, date(2026, 3, 2)) == week
    monday = report.sessions_per_week[-1][0]
    assert i18n.day_month(language, monday) in page and monday.strftime("%d/%m") not in page


# Headless Chromium ------------------------------------------------------------------------------


def chromium() -> str:
    """The browser; CI (REQUIRE_CHROMIUM=1, set by .ci/run, which installs it) fails without it,
    a developer's machine skips with the command that installs it."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    reason = (
        "headless Chromium is needed to check the HTML report: install it with "
        "`apt-get update && apt-get install -y chromium`"
    )
    if os.environ.get("REQUIRE_CHROMIUM") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def colour_counts(shot: Path) -> tuple[int, dict[str, int]]:
    """The screenshot's width, and how many of its pixels are near each chart colour."""
    from PIL import Image  # test extra: decoding a 1280×3600 PNG by hand took a minute

    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    wanted = {name: bytes.fromhex(hex_[1:]) for name, hex_ in COLOURS.items()}
    counts = dict.fromkeys(wanted, 0)
    for count, pixel in rgb.getcolors(maxcolors=rgb.width * rgb.height) or []:
        for name, colour in wanted.items():
            if all(abs(a - b) <= 6 for a, b in zip(pixel, colour, strict=True)):
                counts[name] += count
    return rgb.width, counts


@pytest.mark.slow
@pytest.mark.parametrize(("size", "language"), [("1280,3600", "en"), ("390,5200", "fr")])
def test_html_report_renders_in_headless_chromium_with_its_charts(
    db, clock, tmp_path, size, language
):
    browser = chromium()
    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        draft = broadcasts.draft(
            s,
            programme_config(),
            OPERATOR,
            audience=Audience(),
            texts={"es": "Hola", "fr": "Salut", "en": "Hi"},
            now=now,
        )
        broadcasts.send(s, programme_config(), OPERATOR, draft, now=now)
        report = reports.build(s, now=now)
    page = tmp_path / "report.html"
    page.write_text(render_html(report, language), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={size}",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    width, counts = colour_counts(shot)
    assert width == int(size.split(",")[0])
    for chart in ("funnel", "weeks", "ratings", "baseline", "latest", "waiting"):
        assert counts[chart] > 50, (chart, counts)


def test_report_command_prints_writes_html_and_is_logged(db, clock, tmp_path, monkeypatch):
    from bot.cli import app

    build_programme(db, clock.now())
    out = tmp_path / "out" / "report.html"
    monkeypatch.setenv("DATABASE_URL", db.url)
    result = CliRunner().invoke(app, ["report", "--html", str(out), "--as", "ana"])
    assert result.exit_code == 0, result.output
    assert "From invitation to regular sessions" in result.output
    assert out.read_text().startswith("<!doctype html>")
    result = CliRunner().invoke(app, ["report", "--cohort", "Ola 1", "--lang", "es"])
    assert result.exit_code == 0 and "Invitadas: 15" in result.output
    with db.session() as s:
        actions = [(e.actor, e.action) for e in s.exec(select(AuditEntry))]
    assert ("operator:ana", "report") in actions


def test_the_headline_counts_the_same_women_as_the_funnel_after_an_erasure(db, clock):
    """A woman who erased her data is still one of the women onboarded and stopped: the
    participants beside those figures count her too, so no figure exceeds the participants."""
    from storage import participants

    now = clock.now()
    with db.session() as s:
        staying = programme.woman(s, "stays", now=now, country="BO")
        leaving = programme.woman(s, "leaves", now=now, country="BO")
        programme.cohort(s, "Ola 2", [staying, leaving], now=now)
        participants.erase(s, leaving, now=now)
    with db.session() as s:
        report = reports.build(s, now=now)
    headline = report.headline
    assert headline["participants"] == report.funnel["invited"] == 2
    assert headline["onboarded"] == 2 and headline["opted_out"] == 1
    assert headline["onboarded"] <= headline["participants"]


def test_sessions_per_week_run_to_this_week_so_quiet_weeks_show(db, clock):
    """Two months after the last session the chart ends this week, with eight empty weeks, not
    at the last busy week (which would look as if sessions were still going on)."""
    now = clock.now()
    build_programme(db, now)
    later = now + timedelta(weeks=8)
    with db.session() as s:
        report = reports.build(s, now=later)
    weeks = report.sessions_per_week
    this_week = later.date() - timedelta(days=later.weekday())
    assert weeks[-1] == (this_week, 0)
    assert [n for _week, n in weeks[-8:]] == [0] * 8
    # The five held sessions and the one confirmed for two days after `now`, now past.
    assert sum(n for _week, n in weeks) == 6 and report.headline["sessions_30d"] == 0
    assert this_week.strftime("%b %-d") in render_html(report)  # "Mar 2", never "02/03"


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_a_cohort_of_fewer_than_five_women_hides_their_self_assessments(db, clock, language):
    """The average of one woman's answers is her own answers: under 5 women it is "<5", for the
    whole cohort as for each country, in the HTML and the printed report."""
    now = clock.now()
    with db.session() as s:
        solo = programme.woman(s, "solo", now=now, country="SN")
        group = programme.cohort(s, "Solo", [solo], now=now)
        before, after = {o: 2 for o in OUTCOMES}, {o: 4 for o in OUTCOMES}
        programme.survey(s, solo, "baseline", before, at=now - timedelta(60), cohort_id=group.id)
        programme.survey(s, solo, "end", after, at=now - timedelta(1), cohort_id=group.id)
        report = reports.build(s, now=now, cohort="Solo")
    # One woman: the funnel is not shown by country, so neither are the outcomes.
    assert report.outcomes["confidence"] == {"all": None} and report.outcomes_withheld
    page, printed = render_html(report, language), report_text(report, language)
    for shown in (page, printed):
        for number in ("4.0", "4,0", "+2.0", "+2,0", "n=1"):
            assert number not in shown
    assert page.count(">x</td>") >= len(OUTCOMES)
    assert len(re.findall(r": x$", printed, re.M)) == len(OUTCOMES)


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_an_announcements_figures_are_the_same_in_the_report_and_the_console(db, clock, language):
    """Delivered, read and not sent read the same on the funder's report as on the console's
    delivery page (and the total the platform took has a word of its own)."""
    from bot.console.web import render

    now = clock.now()
    build_programme(db, now)
    config = programme_config()
    with db.session() as s:
        programme.woman(s, "gone", now=now, country="BO", opted_out=True)
        programme.woman(s, "silent", now=now, country="BO", consent=False)
        draft = broadcasts.draft(
            s, config, OPERATOR, audience=Audience(countries=("BO",)), texts={"es": "Hola"}, now=now
        )
        broadcasts.send(s, config, OPERATOR, draft, now=now)
        rows = s.exec(select(OutboundMessage).where(OutboundMessage.broadcast_id == draft.id))
        for row, status in zip(rows, ["sent", "delivered", "read", "read", "failed"], strict=False):
            row.status = status
            s.add(row)
    with db.session() as s:
        report = reports.build(s, now=now)
        delivery = report.reach[0].report
        page = render(
            language, "_report.html", report=delivery, broadcast=draft, failures=[], poll=None
        )
    cards = dict(re.findall(r'data-count="(\w+)"><b>(\d+)</b>', page.body.decode()))
    reach = render_html(report, language).split('id="reach"')[1]
    row = re.search(rf"<tr>{TD}#\d+</td>(.*?)</tr>", reach).group(1)  # type: ignore[union-attr]
    cells = re.findall(rf"{TD}([^<]*)</td>", row)
    audience, reached, delivered, read, waiting, failed, skipped, queued, later = cells[1:]
    assert (audience, reached) == ("8", "4")
    assert (delivered, read, failed, skipped, queued, later) == ("1", "2", "1", "2", "1", "0")
    for key, shown in zip(
        ("delivered", "read", "failed", "skipped", "queued", "scheduled"),
        (delivered, read, failed, skipped, queued, later),
        strict=True,
    ):
        assert cards[key] == shown, key
    reader = Reader(language)
    assert render_msg(reports.TEXT["reached"], reader) != render_msg(Msg("Sent"), reader)


def test_a_cohorts_report_counts_only_the_announcements_to_its_women(db, clock):
    """Another cohort's announcement is not this cohort's; one written to everyone counts over
    this cohort's women only; one written to this cohort alone counts whole."""
    now = clock.now()
    data = build_programme(db, now)
    config = programme_config()
    with db.session() as s:
        other = [programme.woman(s, f"o{i}", now=now, country="BO") for i in range(4)]
        programme.cohort(s, "Ola 2", other, now=now)
        programme.woman(s, "gone", now=now, country="BO", opted_out=True)
        sent = {}
        for key, audience in (
            ("other", Audience(cohorts=("Ola 2",))),
            ("everyone", Audience(countries=("BO",))),
            ("ours", Audience(cohorts=("Ola 1",))),
        ):
            draft = broadcasts.draft(
                s,
                config,
                OPERATOR,
                audience=audience,
                texts={"es": "Hola", "en": "Hi", "fr": "Salut"},
                now=now,
            )
            broadcasts.send(s, config, OPERATOR, draft, now=now)
            sent[key] = draft.id
    with db.session() as s:
        report = reports.build(s, now=now, cohort="Ola 1")
    by_id = {item.broadcast_id: item.report for item in report.reach}
    assert set(by_id) == {sent["everyone"], sent["ours"]}
    assert report.headline["broadcasts_30d"] == 2
    # To every Bolivian woman (10 queued, one who stopped): the 6 of this cohort.
    assert by_id[sent["everyone"]].total == len(data["bo"]) == 6
    assert by_id[sent["ours"]].total == by_id[sent["ours"]].queued == 15


@pytest.mark.parametrize("typed", ["Ola 1", "ola 1", "OLA-1", "ola1", "1"])
def test_report_and_broadcast_find_a_cohort_as_match_does(db, clock, monkeypatch, typed):
    """By its name in any case, its invitation code however typed, or its number: the same
    lookup as `entrepairs match`."""
    from bot.cli import app
    from storage.pairs import Cohort

    build_programme(db, clock.now())
    with db.session() as s:
        (cohort,) = s.exec(select(Cohort))
        cohort.invite_code = "OLA-1"  # as `entrepairs cohort create` keeps a code
        s.add(cohort)
    monkeypatch.setenv("DATABASE_URL", db.url)
    result = CliRunner().invoke(app, ["report", "--cohort", typed, "--lang", "es"])
    assert result.exit_code == 0, result.output
    assert "Invitadas: 15" in result.output and "Cohorte: Ola 1" in result.output
    sent = ["broadcast", "--cohort", typed, "--text", "es=Hola", "--fallback", "es", "--yes"]
    result = CliRunner().invoke(app, [*sent, "--no-wait"])
    assert result.exit_code == 0, result.output
    with db.session() as s:
        assert len(list(s.exec(select(OutboundMessage)))) == 15


def test_an_unknown_cohort_is_a_readable_error_in_report_and_broadcast(db, clock, monkeypatch):
    from bot.cli import app

    build_programme(db, clock.now())
    monkeypatch.setenv("DATABASE_URL", db.url)
    for command in (["report"], ["broadcast", "--text", "es=Hola", "--yes", "--no-wait"]):
        result = CliRunner().invoke(app, [*command, "--cohort", "Nowhere"])
        assert result.exit_code != 0 and "Nowhere" in result.output, result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_delivery_counts_are_disjoint_and_named_alike_on_the_console_and_the_report(
    db, clock, language
):
    """Messages due at a later local hour are "scheduled for later", not also "waiting to go"
    nor "waiting for her reply"; every message is in one count, the same on both pages."""
    from bot.console.web import render
    from flows.i18n import zone

    now = clock.now()
    build_programme(db, now)
    config = programme_config()
    later = (now + timedelta(hours=3)).astimezone(zone("America/La_Paz")).strftime("%H:%M")
    with db.session() as s:
        draft = broadcasts.draft(
            s,
            config,
            OPERATOR,
            audience=Audience(countries=("BO",)),
            texts={"es": "Hola"},
            now=now,
            local_time=later,
        )
        broadcasts.send(s, config, OPERATOR, draft, now=now)
        rows = list(s.exec(select(OutboundMessage).where(OutboundMessage.broadcast_id == draft.id)))
        rows[0].next_attempt_at = now  # one due now
        s.add(rows[0])
    with db.session() as s:
        report = reports.build(s, now=now)
        delivery = report.reach[0].report
        page = render(
            language, "_report.html", report=delivery, broadcast=draft, failures=[], poll=None
        )
    cards = {
        key: int(n) for key, n in re.findall(r'data-count="(\w+)"><b>(\d+)</b>', page.body.decode())
    }
    assert (cards["queued"], cards["scheduled"]) == (1, 5)
    assert sum(cards.values()) == delivery.total == 6
    reader = Reader(language)
    reach = unescape(render_html(report, language).split('id="reach"')[1])
    heads = re.findall(r"<th>([^<]*)</th>", reach)
    cells = re.findall(rf"{TD}([^<]*)</td>", re.search(rf"<tr>{TD}#\d+</td>.*?</tr>", reach)[0])
    shown = dict(zip(heads, cells, strict=True))
    label = {key: render_msg(reports.TEXT[key], reader) for key in reports.TEXT}
    assert shown[label["queued"]] == "1" and shown[label["scheduled"]] == "5"
    assert shown[label["waiting"]] == "0"
    assert label["scheduled"] in reach.split("</svg>")[1]  # the chart's legend names them
    for key in ("queued", "scheduled", "waiting"):
        assert label[key] in unescape(page.body.decode()), key  # the same words on the cards


def test_an_erased_woman_is_counted_apart_not_as_country_not_given(db, clock):
    """Erasure clears her country (README, Privacy): the funnel by country counts her in a row of
    her own, so "Not given" keeps meaning women who never said."""
    from storage import participants

    now = clock.now()
    with db.session() as s:
        women = [programme.woman(s, f"bo{i}", now=now, country="BO") for i in range(6)]
        programme.cohort(s, "Ola 3", women, now=now)
        participants.erase(s, women[0], now=now)
    with db.session() as s:
        report = reports.build(s, now=now)
    assert "?" not in report.funnel_by_country
    assert report.funnel_by_country[reports.ERASED]["invited"] is None  # 1: under 5, hidden
    assert report.funnel_by_country["BO"]["invited"] is None  # 5 of 6 would tell the 1
    assert list(report.funnel_by_country)[-1] == reports.ERASED
    for language, row in (
        ("en", "Erased her data"),
        ("es", "Borró sus datos"),
        ("fr", "Données effacées"),
    ):
        assert row in render_html(report, language) and row in report_text(report, language)


BOLIVIA = {"en": "Bolivia", "es": "Bolivia", "fr": "Bolivie"}
SENEGAL = {"en": "Senegal", "es": "Senegal", "fr": "Sénégal"}
HIDDEN_NOTE = {"en": "hidden so that", "es": "cifra oculta", "fr": "chiffre masqué"}


def funnel_row(page: str, label: str) -> list[str]:
    """One country's counts, step by step, in the HTML funnel by country (a column a country)."""
    funnel = page.split('id="funnel"')[1].split("</section>")[0]
    head = re.findall(r"<th>([^<]*)</th>", funnel)
    assert label in head, label
    rows = re.findall(r"<tr>(.*?)</tr>", funnel.split("<tbody>")[1])
    return [re.findall(r"<td>([^<]*)</td>", row)[head.index(label)] for row in rows]


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_a_hidden_count_cannot_be_worked_out_from_the_total(db, clock, language):
    """Invited 12, Bolivia 9, Senegal 3: Senegal's 3 hidden alone would be 12 - 9, so Bolivia's
    9 is hidden too, in the HTML and the printed report, with the same mark and a note."""
    now = clock.now()
    with db.session() as s:
        women = [programme.woman(s, f"b{i}", now=now, country="BO") for i in range(9)]
        women += [programme.woman(s, f"s{i}", now=now, country="SN") for i in range(3)]
        programme.cohort(s, "Ola 5", women, now=now)
        report = reports.build(s, now=now)
    assert report.funnel["invited"] == report.funnel["onboarded"] == 12
    page, printed = render_html(report, language), report_text(report, language)
    for label in (BOLIVIA[language], SENEGAL[language]):
        assert funnel_row(page, label) == ["x", "x", "0", "0", "0", "0"]
        assert re.search(rf"{label}\s?: x / x / 0 / 0 / 0 / 0$", printed, re.M), printed
    assert HIDDEN_NOTE[language] in page and HIDDEN_NOTE[language] in printed


ERASED_ROW = {"en": "Erased her data", "es": "Borró sus datos", "fr": "Données effacées"}
ERASED_NOTE = {
    "en": "Women who erased their data still count",
    "es": "Las mujeres que borraron sus datos siguen contando",
    "fr": "Les femmes qui ont effacé leurs données comptent toujours",
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_erased_womens_self_assessments_count_apart_and_are_no_longer_listed(
    db, clock, tmp_path, language
):
    """Erasure clears her country: her answers count in "Erased her data" (as in the funnel),
    not under "Not given", which keeps meaning women who never said; the outcomes export no
    longer lists them one by one."""
    from bot.exports import export
    from flows.config import FlowConfig
    from storage import participants

    now = clock.now()
    with db.session() as s:
        women = [programme.woman(s, f"bo{i}", now=now, country="BO") for i in range(12)]
        programme.cohort(s, "Ola 4", women, now=now)
        for woman in women:
            programme.survey(s, woman, "baseline", {"confidence": 2}, at=now - timedelta(60))
            programme.survey(s, woman, "end", {"confidence": 4}, at=now - timedelta(1))
        for woman in women[:6]:
            participants.erase(s, woman, now=now)
        kept = {woman.public_id for woman in women[6:]}
    with db.session() as s:
        report = reports.build(s, now=now)
    confidence = report.outcomes["confidence"]
    assert confidence == {
        "all": reports.OutcomeStat(12, 2, 4),
        "BO": reports.OutcomeStat(6, 2, 4),
        reports.ERASED: reports.OutcomeStat(6, 2, 4),
    }
    page, printed = render_html(report, language), report_text(report, language)
    outcomes = page.split('id="outcomes"')[1].split("</section>")[0]
    assert f"<th>{ERASED_ROW[language]}</th>" in outcomes
    assert render_msg(reports.COUNTRY_LABELS["?"], Reader(language)) not in outcomes
    assert ERASED_NOTE[language] in page and ERASED_NOTE[language] in printed
    out = tmp_path / "outcomes.csv"
    export(db, FlowConfig(), OPERATOR, "outcomes", out, now=now)
    import csv

    with out.open(encoding="utf-8") as handle:
        listed = {row["participant"] for row in csv.DictReader(handle)}
    assert listed == kept


ERASED_RATINGS = {
    "en": "Of these, given by women who have since erased their data: 5",
    "es": "De estas, dadas por mujeres que luego borraron sus datos: 5",
    "fr": "Dont réponses de femmes qui ont depuis effacé leurs données\u00a0: 5",
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_erased_womens_checkins_count_in_the_ratings_and_are_no_longer_listed(
    db, clock, tmp_path, language
):
    """Five women's ratings stay in the report's counts once they erased their data, said apart
    under them (as their self-assessments in "Erased her data"); the check-ins export no longer
    lists them under their ids, so the export's ratings and the erased ones add up to the
    report's (fewer than five erased women's are not counted: see the test below)."""
    import csv

    from bot.exports import export
    from flows.config import FlowConfig
    from storage import participants

    now = clock.now()
    with db.session() as s:
        bo = [programme.woman(s, f"bo{i}", now=now, country="BO") for i in range(5)]
        ca = [programme.woman(s, f"ca{i}", now=now, country="CA") for i in range(5)]
        group = programme.cohort(s, "Ola 6", [*bo, *ca], now=now)
        for a, b in zip(bo, ca, strict=True):
            pair = programme.pair(s, group, a, b, now=now)
            start = now - timedelta(days=7)
            meeting = programme.meeting(s, pair, start)
            programme.checkin(s, pair, a, meeting.id, 4, at=start)
            programme.checkin(s, pair, b, meeting.id, 5, at=start)
        gone = {woman.public_id for woman in bo}
        for woman in bo:  # five women: pooled, theirs are no one woman's
            participants.erase(s, woman, now=now)
    with db.session() as s:
        report = reports.build(s, now=now)
    assert report.ratings == {1: 0, 2: 0, 3: 0, 4: 5, 5: 5}  # theirs still counted
    assert report.ratings_erased == 5 and report.counts_erased
    out = tmp_path / "checkins.csv"
    export(db, FlowConfig(), OPERATOR, "checkins", out, now=now)
    with out.open(encoding="utf-8") as handle:
        listed = list(csv.DictReader(handle))
    assert not gone & {row["participant"] for row in listed}
    rated = sum(1 for row in listed if row["usefulness"])
    assert rated + report.ratings_erased == sum(report.ratings.values())
    page, printed = render_html(report, language), report_text(report, language)
    ratings = page.split('id="ratings"')[1].split("</section>")[0]
    assert ERASED_RATINGS[language] in unescape(ratings)
    assert ERASED_RATINGS[language] in printed
    assert ERASED_NOTE[language] in page and ERASED_NOTE[language] in printed


WITHHELD = {
    "en": "Not shown by country: with so few women in each",
    "es": "No se muestra por país: con tan pocas mujeres en cada uno",
    "fr": "Pas de détail par pays\u00a0: avec si peu de femmes dans chacun",
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_a_funnel_whose_totals_tell_each_country_is_not_shown_by_country(db, clock, language):
    """Invited 2, one in Bolivia and one in Senegal: each country's row has a woman, so each is
    1 whatever is hidden. The funnel is shown whole, not by country, and the report says why."""
    now = clock.now()
    with db.session() as s:
        women = [
            programme.woman(s, "b0", now=now, country="BO"),
            programme.woman(s, "s0", now=now, country="SN"),
        ]
        programme.cohort(s, "Ola 7", women, now=now)
        report = reports.build(s, now=now)
    assert report.funnel["invited"] == 2
    assert report.funnel_withheld and report.funnel_by_country == {}
    page, printed = render_html(report, language), report_text(report, language)
    funnel = page.split('id="funnel"')[1].split("</section>")[0]
    assert WITHHELD[language] in unescape(funnel) and WITHHELD[language] in printed
    for label in (BOLIVIA[language], SENEGAL[language]):
        assert label not in funnel and label not in printed


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_outcomes_of_one_woman_in_each_country_are_not_shown_by_country(db, clock, language):
    """Five women, one in each of five rows (Bolivia, Senegal, Canada, another country, not
    given), answered: the programme's average is shown (5 women), but five hidden counts that
    add up to 5 in five rows that each have a woman are 1 each. So no country is listed."""
    now = clock.now()
    with db.session() as s:
        women = [
            programme.woman(s, f"w{i}", now=now, country=country)
            for i, country in enumerate(("BO", "SN", "CA", "OTHER", None))
        ]
        programme.cohort(s, "Ola 8", women, now=now)
        for woman in women:
            programme.survey(s, woman, "baseline", {"confidence": 2}, at=now - timedelta(60))
            programme.survey(s, woman, "end", {"confidence": 4}, at=now - timedelta(1))
        report = reports.build(s, now=now)
    assert report.outcomes_withheld
    assert report.outcomes["confidence"] == {"all": reports.OutcomeStat(5, 2, 4)}
    page, printed = render_html(report, language), report_text(report, language)
    outcomes = page.split('id="outcomes"')[1].split("</section>")[0]
    assert WITHHELD[language] in unescape(outcomes) and WITHHELD[language] in printed
    assert f"<th>{BOLIVIA[language]}</th>" not in outcomes


def test_a_country_coordinators_report_counts_her_womens_answers_only(db, clock, tmp_path):
    """A Senegal–Canada pair: the Canadian rates the session 1 and the Senegalese 5; later the
    Canadian gives a low pulse and reports a problem. The Senegal coordinator's report counts
    her woman's answers only (5), as her check-ins export lists them, and the Canadian's pulse
    and report (her own coordinators', not in this one's inbox) do not put the pair at risk
    there; the admin's report counts both (3) and sees the pair at risk."""
    import csv

    from bot.exports import export
    from flows.config import FlowConfig
    from flows.scope import EVERYONE, scope_of
    from storage.checkins import Pulse

    now = clock.now()
    with db.session() as s:
        fatou = programme.woman(s, "sn", now=now, country="SN")
        anne = programme.woman(s, "ca", now=now, country="CA")
        group = programme.cohort(s, "Ponts", [fatou, anne], now=now)
        pair = programme.pair(s, group, fatou, anne, now=now)
        start = now - timedelta(days=3)
        meeting = programme.meeting(s, pair, start)
        programme.checkin(s, pair, anne, meeting.id, 1, at=start)
        programme.checkin(s, pair, fatou, meeting.id, 5, at=start)
        for who, rating, days in ((fatou, 4, 2), (anne, 1, 1)):
            at = now - timedelta(days=days)
            s.add(
                Pulse(
                    participant_id=who.id,
                    pair_id=pair.id,
                    asked_at=at,
                    rating=rating,
                    answered_at=at,
                )
            )
        record_problem(s, participant_id=anne.id, source="report", now=now, pair_id=pair.id)
        pair_id = pair.id
    with db.session() as s:
        senegal = scope_of(s, ["SN"])
        mine = reports.build(s, now=now, scope=senegal)
        whole = reports.build(s, now=now)
    # Rated by one woman and by two: not shown (an average of 3, and Fatou, who gave 5, would
    # know Anne gave 1); the counts beneath are each coordinator's women's.
    assert mine.ratings_hidden and whole.ratings_hidden
    assert mine.ratings == whole.ratings == {} and mine.headline["mean_rating"] is None
    with db.session() as s:
        counted = reports._ratings(s, {pair_id}, senegal, [])
        assert counted == ({1: 0, 2: 0, 3: 0, 4: 0, 5: 1}, 0, 1)
        assert reports._ratings(s, None, EVERYONE, []) == ({1: 1, 2: 0, 3: 0, 4: 0, 5: 1}, 0, 2)
    # Pair-level figures count her pair whole: its session is hers too.
    assert mine.headline["sessions_30d"] == whole.headline["sessions_30d"] == 1
    assert mine.at_risk == [] and mine.headline["at_risk"] == 0
    assert [(r.pair_id, dict(r.reasons)) for r in whole.at_risk] == [
        (pair_id, {"pulse": {"rating": 1}, "problem": {}})
    ]
    out = tmp_path / "checkins.csv"
    export(db, FlowConfig(), OPERATOR, "checkins", out, now=now, scope=senegal)
    with out.open(encoding="utf-8") as handle:
        rated = [int(row["usefulness"]) for row in csv.DictReader(handle) if row["usefulness"]]
    assert sorted(rated) == [value for value, n in counted[0].items() for _ in range(n)]


TOO_FEW = {
    "en": "Too few women to show: under 5.",
    "es": "Muy pocas mujeres para mostrar estas cifras: menos de 5.",
    "fr": "Trop peu de femmes pour afficher ces chiffres\u00a0: moins de 5.",
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_ratings_given_by_fewer_than_five_women_are_not_shown(db, clock, language):
    """Two women rated their sessions, 5 and 1: shown, "average 3" (or the counts) would tell
    the one who gave 5 that the other gave 1. Neither the counts nor the average are shown;
    the report says there are too few in the reader's language, the card shows the mark."""
    now = clock.now()
    with db.session() as s:
        bo = [programme.woman(s, f"bo{i}", now=now, country="BO") for i in range(3)]
        ca = [programme.woman(s, f"ca{i}", now=now, country="CA") for i in range(3)]
        group = programme.cohort(s, "Ola 9", [*bo, *ca], now=now)
        pair = programme.pair(s, group, bo[0], ca[0], now=now)
        start = now - timedelta(days=3)
        meeting = programme.meeting(s, pair, start)
        programme.checkin(s, pair, bo[0], meeting.id, 5, at=start)
        programme.checkin(s, pair, ca[0], meeting.id, 1, at=start)
        report = reports.build(s, now=now)
    page, printed = render_html(report, language), report_text(report, language)
    for told in ("3.0/5", "3,0/5", "  1  # 1", "  5  # 1"):
        assert told not in page and told not in printed
    ratings = unescape(page.split('id="ratings"')[1].split("</section>")[0])
    assert TOO_FEW[language] in ratings and 'data-chart="ratings"' not in ratings
    assert '<div class="card" data-key="mean_rating"><b>x</b>' in page
    assert TOO_FEW[language] in printed
    assert report.ratings_hidden and report.ratings == {}
    assert report.headline["mean_rating"] is None and report.mean_rating is None


OUTCOME_ROW = {"en": "Self-confidence", "es": "Confianza en sí misma", "fr": "Confiance en soi"}
CANADA = {"en": "Canada", "es": "Canadá", "fr": "Canada"}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_an_outcomes_countries_do_not_tell_a_hidden_count_of_the_funnel(db, clock, language):
    """Bolivia invited 11, Canada 20, Senegal 1: the funnel hides Senegal's 1, and Bolivia's 11
    with it. All 11 Bolivians and 15 Canadians answered: shown by country, "Bolivia n=11"
    says Bolivia invited 11 at least, so Senegal, which has a woman, invited 32 - 20 - 11 = 1.
    Bolivia's and Canada's answers are hidden (Bolivia's alone would be 26 - 15)."""
    now = clock.now()
    with db.session() as s:
        women = [programme.woman(s, f"b{i}", now=now, country="BO") for i in range(11)]
        women += [programme.woman(s, f"c{i}", now=now, country="CA") for i in range(20)]
        women += [programme.woman(s, "s0", now=now, country="SN")]
        programme.cohort(s, "Ola 10", women, now=now)
        for woman in women[:11] + women[11:26]:
            programme.survey(s, woman, "baseline", {"confidence": 2}, at=now - timedelta(60))
            programme.survey(s, woman, "end", {"confidence": 4}, at=now - timedelta(1))
        report = reports.build(s, now=now)
    assert report.funnel_by_country["SN"]["invited"] is None
    assert report.funnel_by_country["BO"]["invited"] is None
    assert report.outcomes["confidence"] == {
        "all": reports.OutcomeStat(26, 2, 4),
        "BO": None,
        "CA": None,
    }
    page, printed = render_html(report, language), report_text(report, language)
    outcomes = page.split('id="outcomes"')[1].split("</section>")[0]
    row = re.search(rf"<tr>{TD}{OUTCOME_ROW[language]}</td>(.*?)</tr>", outcomes)
    assert row and re.findall(rf"{TD}([^<]*)</td>", row.group(1))[-2:] == ["x", "x"]
    assert "n=11" not in page and "n=15" not in page
    for label in (BOLIVIA[language], CANADA[language]):
        assert f"{label} x" in printed


WITHHELD_WITH_FUNNEL = {
    "en": "Not shown by country: read with the figures from invitation to sessions above",
    "es": "No se muestra por país: junto con las cifras de arriba",
    "fr": "Pas de détail par pays\u00a0: lus avec les chiffres ci-dessus",
}


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_outcomes_withheld_because_of_the_funnel_say_so_not_few_women(db, clock, language):
    """Six Bolivian women, two of them matched: the funnel's one row is its totals, so its
    "matched 2" is told and it is not shown by country; nor are the outcomes, though six women
    answered in Bolivia. Their note gives that reason, not "so few women in each"."""
    now = clock.now()
    with db.session() as s:
        women = [programme.woman(s, f"b{i}", now=now, country="BO") for i in range(6)]
        group = programme.cohort(s, "Ola 11", women, now=now)
        programme.pair(s, group, women[0], women[1], now=now, status=PairStatus.INTRODUCED)
        for woman in women:
            programme.survey(s, woman, "baseline", {"confidence": 2}, at=now - timedelta(60))
            programme.survey(s, woman, "end", {"confidence": 4}, at=now - timedelta(1))
        report = reports.build(s, now=now)
    assert report.funnel_withheld and report.outcomes_withheld
    assert report.outcomes["confidence"] == {"all": reports.OutcomeStat(6, 2, 4)}
    page, printed = render_html(report, language), report_text(report, language)
    funnel = unescape(page.split('id="funnel"')[1].split("</section>")[0])
    outcomes = unescape(page.split('id="outcomes"')[1].split("</section>")[0])
    assert WITHHELD[language] in funnel  # the funnel's own reason is the few women
    assert WITHHELD[language] not in outcomes and WITHHELD_WITH_FUNNEL[language] in outcomes
    assert printed.count(WITHHELD[language]) == 1
    assert WITHHELD_WITH_FUNNEL[language] in printed


def exported(db, now, what, tmp_path, **options):  # type: ignore[no-untyped-def]
    """The rows of one CSV export, as the funder would read them."""
    import csv

    from bot.exports import export
    from flows.config import FlowConfig

    out = tmp_path / f"{what}.csv"
    export(db, FlowConfig(), OPERATOR, what, out, now=now, **options)
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_one_erased_womans_ratings_and_answers_cannot_be_worked_out_from_the_exports(
    db, clock, tmp_path
):
    """Twelve women rate their sessions and answer the surveys; one of them, who rated 1 and
    went from 1 to 5, erases her data. The exports no longer list her: had the report still
    counted her, its ratings less the export's would be her 1, and its averages times its women
    less the export's her own answers. One erased woman's answers are not pooled: the report's
    figures are the exports' exactly."""
    from collections import Counter

    from storage import participants

    now = clock.now()
    with db.session() as s:
        bo = [programme.woman(s, f"bo{i}", now=now, country="BO") for i in range(6)]
        ca = [programme.woman(s, f"ca{i}", now=now, country="CA") for i in range(6)]
        group = programme.cohort(s, "Ola 12", [*bo, *ca], now=now)
        for a, b in zip(bo, ca, strict=True):
            pair = programme.pair(s, group, a, b, now=now)
            meeting = programme.meeting(s, pair, now - timedelta(days=7))
            programme.checkin(s, pair, a, meeting.id, 1 if a is bo[0] else 4, at=now)
            programme.checkin(s, pair, b, meeting.id, 5, at=now)
        for woman in [*bo, *ca]:
            first, last = (1, 5) if woman is bo[0] else (2, 4)
            programme.survey(s, woman, "baseline", {"confidence": first}, at=now - timedelta(60))
            programme.survey(s, woman, "end", {"confidence": last}, at=now - timedelta(1))
        participants.erase(s, bo[0], now=now)
    with db.session() as s:
        report = reports.build(s, now=now)
    rated = Counter(int(row["usefulness"]) for row in exported(db, now, "checkins", tmp_path))
    assert report.ratings == {value: rated[value] for value in range(1, 6)}
    assert report.ratings_erased == 0  # she is still in the funnel, in a row of her own
    answers = exported(db, now, "outcomes", tmp_path)
    assert len({row["participant"] for row in answers}) == 11
    confidence = report.outcomes["confidence"]
    assert confidence["all"] == reports.OutcomeStat(11, 2, 4)
    assert reports.ERASED not in confidence


def differences(mine: reports.ProgrammeReport, whole: reports.ProgrammeReport) -> list[str]:
    """The figures shown in both reports whose difference is 1 to 4 (women, or their answers)."""
    from flows.disclosure import small

    found = []
    for country, steps in mine.funnel_by_country.items():
        for step, count in steps.items():
            other = whole.funnel_by_country.get(country, {}).get(step)
            if count is not None and other is not None and small(other - count):
                found.append(f"funnel {country} {step}: {other} - {count}")
    for outcome, stats in mine.outcomes.items():
        for row, stat in stats.items():
            other = whole.outcomes.get(outcome, {}).get(row)
            if stat is not None and other is not None and small(other.women - stat.women):
                found.append(f"{outcome} {row}: {other.women} - {stat.women}")
    given, all_given = sum(mine.ratings.values()), sum(whole.ratings.values())
    if given and all_given and small(all_given - given):
        found.append(f"ratings: {all_given} - {given}")
    return found


@pytest.mark.parametrize("view", ["cohort", "coordinator"])
def test_a_cohorts_report_less_the_whole_one_tells_no_womans_figures(db, clock, view):
    """Cohort A: six Senegalese and six Canadian women in pairs, who rate their sessions 4 and
    answer the surveys 2 then 4. Cohort B: one Senegalese and one Canadian, rating 1 and going
    from 1 to 5. A funder holding the whole report and cohort A's would read cohort B's women
    in the difference (Senegal 7 - 6 = 1, her rating, her answers): cohort A's figures whose
    complement in the programme is 1 to 4 women are hidden; so are those of the report of a
    coordinator whose scope is cohort A, read against the admin's."""
    from flows.scope import scope_of

    now = clock.now()
    with db.session() as s:
        sn = [programme.woman(s, f"sn{i}", now=now, country="SN") for i in range(7)]
        ca = [programme.woman(s, f"ca{i}", now=now, country="CA") for i in range(7)]
        first = programme.cohort(s, "Ola A", [*sn[:6], *ca[:6]], now=now)
        second = programme.cohort(s, "Ola B", [sn[6], ca[6]], now=now)
        first_id = first.id
        for i, (a, b) in enumerate(zip(sn, ca, strict=True)):
            pair = programme.pair(s, first if i < 6 else second, a, b, now=now)
            meeting = programme.meeting(s, pair, now - timedelta(days=7))
            for who in (a, b):
                programme.checkin(s, pair, who, meeting.id, 4 if i < 6 else 1, at=now)
                start, end = (2, 4) if i < 6 else (1, 5)
                programme.survey(s, who, "baseline", {"confidence": start}, at=now - timedelta(60))
                programme.survey(s, who, "end", {"confidence": end}, at=now - timedelta(1))
    with db.session() as s:
        whole = reports.build(s, now=now)
        if view == "cohort":
            mine = reports.build(s, now=now, cohort="Ola A")
        else:
            mine = reports.build(s, now=now, scope=scope_of(s, [], [first_id]))
    assert whole.funnel_by_country["SN"]["invited"] == 7
    assert whole.outcomes["confidence"]["all"] == reports.OutcomeStat(14, 26 / 14, 58 / 14)
    assert differences(mine, whole) == []
    # Still a report: its totals, and what no difference tells.
    assert mine.funnel["invited"] == 12
