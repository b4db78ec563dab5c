"""`entrepairs seed-demo`, `cohort create|add` and `match` (dry run, CSV, locks, --publish)."""

from __future__ import annotations

import csv

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app as cli
from storage.db import Database
from storage.models import ChannelAddress, OutboundMessage, Participant
from storage.pairs import CohortMember, Pair, PairRule, PairStatus

runner = CliRunner()


@pytest.fixture
def database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield Database(url)


def run(*args: str) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_demo_creates_realistic_invented_participants(database):
    out = run("seed-demo", "--participants", "60", "--cohort", "Demo 2026")
    assert "Created 60 invented participants" in out and "code DEMO-2026" in out
    with database.session() as session:
        women = session.exec(select(Participant)).all()
        assert len(women) == 60
        assert {w.country for w in women} == {"BO", "SN", "CA"}
        for woman in women:
            assert woman.name and woman.business_name and woman.timezone
            assert woman.consent_at and woman.onboarded_at and woman.opted_out_at is None
            assert woman.mentor_languages and woman.availability and woman.skills_offered
            assert woman.locale in ("es", "fr", "en")
        bolivians = [w for w in women if w.country == "BO"]
        assert all(w.timezone == "America/La_Paz" and "es" in w.mentor_languages for w in bolivians)
        addresses = session.exec(select(ChannelAddress)).all()
        assert {a.channel for a in addresses} == {"console"} and len(addresses) == 60
        assert len(session.exec(select(CohortMember)).all()) == 60


def test_match_dry_run_then_lock_forbid_and_publish(database):
    run("cohort", "create", "Pilot", "--modes", "north_south,diaspora", "--code", "pilot-26")
    run("seed-demo", "--participants", "30")
    with database.session() as session:
        ids = [p.public_id for p in session.exec(select(Participant).order_by(Participant.id))]
    out = run("cohort", "add", "PILOT-26", *ids)  # by invitation code
    assert "Added 30 women to Pilot" in out

    out = run("match", "Pilot")
    assert "Proposed pairs: Pilot" in out and "Dry run: nothing was sent." in out
    assert "can help" in out
    with database.session() as session:
        proposed = session.exec(select(Pair).where(Pair.status == PairStatus.PROPOSED)).all()
        assert proposed and not session.exec(select(OutboundMessage)).all()
        people = {p.id: p for p in session.exec(select(Participant))}
    with open("match-pilot.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    paired = [row for row in rows if row["pair_id"]]
    assert len(paired) == len(proposed)
    assert all(row["a_country"] != row["b_country"] for row in paired)  # north-south
    assert all(0 < float(row["score"]) <= 1 for row in paired)
    left_out = [row for row in rows if not row["pair_id"]]
    assert all(row["reasons"] for row in left_out)  # each woman left out, with why

    first = proposed[0]
    a, b = people[first.a_id].public_id, people[first.b_id].public_id
    out = run("match", "Pilot", "--forbid", a, b, "--csv", "second.csv")
    with database.session() as session:
        assert session.exec(select(PairRule)).one().kind == "forbid"
        again = session.exec(select(Pair).where(Pair.status == PairStatus.PROPOSED)).all()
        assert {first.a_id, first.b_id} not in [{p.a_id, p.b_id} for p in again]

    out = run("match", "Pilot", "--publish")
    assert "Published:" in out
    with database.session() as session:
        introduced = session.exec(select(Pair).where(Pair.status == PairStatus.INTRODUCED)).all()
        assert introduced
        members = {m for pair in introduced for m in pair.members()}
        queued = session.exec(
            select(OutboundMessage).where(col(OutboundMessage.purpose) == "introduction")
        ).all()
        assert {row.participant_id for row in queued} == members


def test_unknown_cohort_is_a_readable_error(database):
    result = runner.invoke(cli, ["match", "Nowhere"])
    assert result.exit_code == 2 and "no cohort named 'Nowhere'" in result.output


def test_match_reasons_follow_lang(database):
    run("cohort", "create", "Pilot", "--modes", "north_south", "--code", "pilot-26")
    run("seed-demo", "--participants", "12")
    with database.session() as session:
        ids = [p.public_id for p in session.exec(select(Participant).order_by(Participant.id))]
    run("cohort", "add", "PILOT-26", *ids)
    out = run("match", "Pilot", "--lang", "fr")
    assert "peut aider" in out and "can help" not in out
    out = run("match", "Pilot", "--lang", "es")
    assert "puede ayudar" in out
