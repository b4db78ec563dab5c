"""CSV exports: pseudonymised by default, contacts only with an explicit, logged flag, and only
for coordinators."""

from __future__ import annotations

import csv

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.exports import FORMULA_STARTS, WHAT, export, unquoted
from flows.config import FlowConfig
from flows.coordination import Actor, NotAllowed
from storage.coordination import AuditEntry
from tests.support import programme
from tests.test_reports import build_programme

OPERATOR = Actor.operator("ana")


def rows(path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_export_is_pseudonymised_by_default(db, clock, tmp_path):
    data = build_programme(db, clock.now())
    cells: set[str] = set()
    for what in WHAT:
        out = tmp_path / f"{what}.csv"
        assert export(db, FlowConfig(), OPERATOR, what, out, now=clock.now()) > 0
        cells |= {value for row in rows(out) for value in row.values()}
    people = rows(tmp_path / "participants.csv")
    assert {row["participant"] for row in people} == {
        w.public_id for group in ("bo", "ca", "sn") for w in data[group]
    } | {data["late"].public_id}
    for secret in ("B0", "C1", "b0", "console:b0", "private words", "pricing"):
        assert secret not in cells, secret
    assert not any("console:" in cell for cell in cells)
    assert "name" not in people[0] and "contacts" not in people[0]
    pairs = rows(tmp_path / "pairs.csv")
    assert pairs[0]["a"] in {row["participant"] for row in people}
    assert "learned" not in rows(tmp_path / "checkins.csv")[0]
    outcomes = rows(tmp_path / "outcomes.csv")
    assert {row["wave"] for row in outcomes} == {"baseline", "end"}
    with db.session() as s:
        entries = [(e.action, e.audience) for e in s.exec(select(AuditEntry))]
    assert ("export", None) in entries and ("export_written", len(people)) in entries


def test_contacts_only_with_the_flag_and_it_is_logged(db, clock, tmp_path):
    build_programme(db, clock.now())
    out = tmp_path / "with.csv"
    export(db, FlowConfig(), OPERATOR, "participants", out, now=clock.now(), with_contacts=True)
    people = rows(out)
    assert {"B0", "C1"} <= {row["name"] for row in people}
    assert any(row["contacts"] == "console:b0" for row in people)
    out = tmp_path / "checkins.csv"
    export(db, FlowConfig(), OPERATOR, "checkins", out, now=clock.now(), with_contacts=True)
    assert rows(out)[0]["learned"] == "pricing"
    with db.session() as s:
        logged = s.exec(select(AuditEntry).where(AuditEntry.action == "export_contacts")).all()
    assert len(logged) == 2 and all(e.actor == "operator:ana" for e in logged)
    assert logged[0].details == {"what": "participants", "cohort": None, "with_contacts": True}


def test_a_participant_cannot_export(db, clock, tmp_path):
    data = build_programme(db, clock.now())
    out = tmp_path / "stolen.csv"
    for contacts in (False, True):
        with pytest.raises(NotAllowed):
            export(
                db,
                FlowConfig(),
                Actor.chat(data["bo"][0]),
                "participants",
                out,
                now=clock.now(),
                with_contacts=contacts,
            )
    assert not out.exists()
    with db.session() as s:
        refused = [e.action for e in s.exec(select(AuditEntry).where(~AuditEntry.allowed))]
    assert refused == ["refused:export", "refused:export_contacts"]


def test_export_command(db, clock, tmp_path, monkeypatch):
    from bot.cli import app

    build_programme(db, clock.now())
    monkeypatch.setenv("DATABASE_URL", db.url)
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, ["export", "--what", "pairs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "(pseudonymised)" in result.output and len(rows(out)) == 6
    result = CliRunner().invoke(app, ["export", "--what", "names", "--out", str(out)])
    assert result.exit_code == 2 and "--what must be one of" in result.output
    result = CliRunner().invoke(
        app,
        ["export", "--what", "outcomes", "--cohort", "Ola 1", "--out", str(out), "--with-contacts"],
    )
    assert result.exit_code == 0 and "(with contacts: logged)" in result.output


FORMULAS = ('=HYPERLINK("http://evil.example/","Open")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1")


def test_no_text_cell_can_run_as_a_formula(db, clock, tmp_path):
    """Names coordinators choose (a cohort's) and what women write are quoted alike; the XLSX
    sheet, whose text is never run, shows them as written."""
    now = clock.now()
    with db.session() as s:
        women = [
            programme.woman(s, f"f{n}", now=now, country="BO", name=text)
            for n, text in enumerate(FORMULAS)
        ]
        group = programme.cohort(s, FORMULAS[0], women, now=now)
        programme.pair(s, group, women[0], women[1], now=now)
    for what in ("participants", "pairs"):
        out = tmp_path / f"{what}.csv"
        export(db, FlowConfig(), OPERATOR, what, out, now=now, with_contacts=True)
        cells = [value for row in rows(out) for value in row.values()]
        assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)], what
        quoted = {cell for cell in cells if cell.startswith("'")}
        assert f"'{FORMULAS[0]}" in quoted  # the cohort's name
        if what == "participants":
            assert {f"'{text}" for text in FORMULAS} <= quoted
    with (tmp_path / "participants.csv").open(encoding="utf-8") as handle:
        sheet_cells = {cell for row in unquoted(csv.reader(handle)) for cell in row}
    assert set(FORMULAS) <= sheet_cells


def test_the_participants_export_counts_the_women_the_report_counts(db, clock, tmp_path):
    """A coordinator's chat account is not a participant: the funder's CSV has as many rows as
    the report has women invited (a coordinator who joined as a woman too is in both)."""
    from flows import reports
    from flows.coordination import coordinator_ids

    now = clock.now()
    build_programme(db, now)
    with db.session() as s:
        work = programme.woman(s, "coord", now=now, country="SN", onboarded=False)
        both = programme.woman(s, "coord-too", now=now, country="SN")
        ids = (work.public_id, both.public_id)
    config = FlowConfig(coordinators=frozenset({"console:coord", "console:coord-too"}))
    out = tmp_path / "participants.csv"
    written = export(db, config, OPERATOR, "participants", out, now=now)
    with db.session() as s:
        report = reports.build(s, now=now, staff=coordinator_ids(s, config))
    listed = {row["participant"] for row in rows(out)}
    assert written == len(listed) == report.funnel["invited"]
    assert ids[0] not in listed and ids[1] in listed


def test_a_scoped_export_of_checkins_holds_only_her_womens_answers(db, clock, tmp_path):
    """A Canada-only admin exports the check-ins of pairs with a Bolivian woman: the Canadian
    women's answers, never the Bolivian's own words (nor her ratings)."""
    from flows.scope import scope_of
    from storage.checkins import CheckIn

    data = build_programme(db, clock.now())
    bolivian = data["bo"][0].id
    with db.session() as s:
        for checkin in s.exec(select(CheckIn).where(CheckIn.participant_id == bolivian)):
            checkin.learned, checkin.shared = "her own words", "her other words"
            s.add(checkin)
        canada = scope_of(s, ["CA"])
    out = tmp_path / "checkins.csv"
    for contacts in (True, False):
        export(
            db,
            FlowConfig(),
            OPERATOR,
            "checkins",
            out,
            now=clock.now(),
            with_contacts=contacts,
            scope=canada,
        )
        found = rows(out)
        assert found and {row["participant"] for row in found} <= {w.public_id for w in data["ca"]}
        assert "her own words" not in out.read_text() and "her other words" not in out.read_text()
