"""Every coordinator-facing command prints in the coordinator's language: `--lang fr|es|en`, else
the deployment's DEFAULT_LOCALE."""

from __future__ import annotations

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from bot.cli import app as cli
from storage.coordination import Broadcast
from storage.db import Database
from storage.models import Participant

runner = CliRunner()


@pytest.fixture
def database(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DEFAULT_LOCALE", raising=False)
    return Database(url)


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def _women(database: Database) -> list[str]:
    with database.session() as session:
        return [
            p.public_id for p in session.exec(select(Participant).order_by(col(Participant.id)))
        ]


def test_cohort_commands(database):  # type: ignore[no-untyped-def]
    run("seed-demo", "--participants", "6")
    ids = _women(database)
    assert "créée" in run("cohort", "create", "Pilote", "--code", "PIL", "--lang", "fr")
    assert "creada" in run("cohort", "create", "Piloto", "--code", "PIL2", "--lang", "es")
    assert "femmes ajoutées à Pilote" in run("cohort", "add", "Pilote", *ids, "--lang", "fr")
    assert "ya estaban" in run("cohort", "add", "Piloto", ids[0], ids[0], "--lang", "es")
    assert "Membres" in run("cohort", "list", "--lang", "fr")
    assert "Integrantes" in run("cohort", "list", "--lang", "es")
    out = run("match", "Pilote", "--lang", "fr")
    assert "Binômes proposés" in out and "Essai\u00a0: rien n'a été envoyé" in out
    assert "Prueba: no se envió nada" in run("match", "Pilote", "--lang", "es")


def test_coordinators_commands(database):  # type: ignore[no-untyped-def]
    out = run("coordinators", "add", "+221770000001", "--lang", "fr")
    assert "est coordinatrice (coordinator)" in out
    assert "Todos los países" in run(
        "coordinators", "role", "+221770000001", "viewer", "--lang", "es"
    )
    assert "ajoutée par" in run("coordinators", "list", "--lang", "fr")
    assert "ya no es coordinadora" in run("coordinators", "remove", "+221770000001", "--lang", "es")
    assert "n'était pas coordinatrice" in run(
        "coordinators", "remove", "+221770000001", "--lang", "fr"
    )


def test_broadcast_command(database):  # type: ignore[no-untyped-def]
    run("seed-demo", "--participants", "6")
    texts = ("--text", "es=Hola", "--text", "fr=Bonjour", "--text", "en=Hello")
    out = run("broadcast", *texts, "--yes", "--no-wait", "--lang", "fr")
    assert "Annonce 1\u00a0: 6 femmes" in out
    assert "Annonce 1\u00a0: 6 messages en file d'envoi." in out
    out = run("broadcast", *texts, "--country", "OTHER", "--yes", "--lang", "es", code=1)
    assert "No se envió: nadie coincide con estos filtros." in out
    out = run("broadcast", "--text", "es=Hola", "--yes", "--lang", "fr", code=2)
    assert "Rien n'est parti\u00a0: il manque le texte en" in out
    # What was not sent is not left as a draft that the console could send later.
    with database.session() as session:
        statuses = [b.status for b in session.exec(select(Broadcast).order_by(col(Broadcast.id)))]
    assert statuses == ["queued", "cancelled", "cancelled"]


def test_export_report_and_nudges(database):  # type: ignore[no-untyped-def]
    run("seed-demo", "--participants", "6")
    out = run("export", "--what", "participants", "--out", "p.csv", "--lang", "fr")
    assert "6 lignes écrites dans p.csv (pseudonymisées)." in out
    out = run("export", "--what", "participants", "--out", "p.csv", "--lang", "es")
    assert "6 filas escritas en p.csv (con seudónimos)." in out
    assert "Aucun rappel prévu." in run("nudges", "--lang", "fr")
    assert "No hay recordatorios previstos." in run("nudges", "--lang", "es")


def test_without_lang_the_deployment_default_is_used(database, monkeypatch):  # type: ignore[no-untyped-def]
    assert "No nudges planned." in run("nudges")
    monkeypatch.setenv("DEFAULT_LOCALE", "es")
    assert "No hay recordatorios previstos." in run("nudges")
    assert "Informe del programa Entrepairs" in run("report")
    assert "No nudges planned." in run("nudges", "--lang", "en")


def test_the_password_prompt_follows_the_default_language(database, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DEFAULT_LOCALE", "fr")
    run("coordinators", "add", "+221770000002")  # a password is for a coordinator
    result = runner.invoke(
        cli, ["coordinators", "password", "+221770000002"], input="long-secret-1\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe de la console" in result.output
    # She has never written: the password is kept, and she must write before she can sign in.
    assert "Mot de passe enregistré pour +221770000002." in result.output
    assert "+221770000002 n'a pas encore écrit au bot." in result.output


def test_a_coordinator_can_be_scoped_to_cohorts(database):  # type: ignore[no-untyped-def]
    from storage.coordination import Coordinator
    from storage.pairs import Cohort

    run("cohort", "create", "Pilote", "--code", "PIL")
    out = run(
        "coordinators", "role", "+221770000003", "viewer", "--cohort", "Pilote", "--lang", "fr"
    )
    assert "+221770000003\u00a0: viewer, Pilote." in out
    with database.session() as session:
        pilot = session.exec(select(Cohort)).one()
        assert session.exec(select(Coordinator)).one().cohorts == [pilot.id]
    wrong = runner.invoke(cli, ["coordinators", "role", "+221770000003", "viewer", "--cohort", "X"])
    assert wrong.exit_code == 2 and "no cohort named 'X'" in wrong.output
