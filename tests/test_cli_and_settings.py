"""The `entrepairs` command as an operator meets it: clear settings errors, a scriptable chat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", cwd: Path
) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "TELEGRAM", "TWILIO"))
    }
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://nope"),
        ("DEFAULT_LOCALE", "de"),
        ("QUIET_HOURS", "late"),
        ("PORT", "99999"),
    ],
)
def test_a_bad_setting_gives_one_clear_line(tmp_path, name, value):
    result = run_cli("chat", env={name: value, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {name}:")
    assert "Traceback" not in result.stderr


def test_settings_come_from_dotenv(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "DEFAULT_LOCALE=fr\nQUIET_HOURS=22-7\nCOORDINATORS=telegram:1, +221770000000\n"
    )
    monkeypatch.chdir(tmp_path)
    settings = load()
    assert settings.default_locale == "fr"
    assert settings.quiet == (22, 7)
    assert settings.coordinators == ["telegram:1", "+221770000000"]


def test_secrets_are_never_echoed():
    settings = Settings(_env_file=None, telegram_bot_token="123:SECRET", twilio_auth_token="tok")
    assert "SECRET" not in repr(settings) and "tok'" not in repr(settings)


def test_postgres_urls_use_the_installed_driver():
    settings = Settings(_env_file=None, database_url="postgresql://u@h/db")
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_load_raises_a_named_error():
    with pytest.raises(SettingsError, match="^PORT:"):
        load(port=0)


def test_local_chat_is_scriptable_from_standard_input(tmp_path):
    """`entrepairs chat` on the default SQLite file, fed by a pipe, creates and migrates it."""
    script = "1\n1\nCarmen\n1\nSucre\n"
    result = run_cli(
        "chat", "--as", "carmen", stdin=script, env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "¿En qué idioma prefiere hablar?" in result.stdout
    assert "¡Mucho gusto, Carmen!" in result.stdout
    assert "¿Cómo se llama su negocio o proyecto?" in result.stdout
    assert (tmp_path / "entrepairs.db").exists()
    # A second run as the same person resumes at the same question.
    again = run_cli("chat", "--as", "carmen", stdin="", env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert "¿Cómo se llama su negocio o proyecto?" in again.stdout


def test_env_example_documents_every_setting():
    documented = (ROOT / ".env.example").read_text()
    missing = [
        name.upper() for name in Settings.model_fields if f"{name.upper()}=" not in documented
    ]
    assert not missing, f".env.example lacks {missing}"


def test_nudges_on_a_fresh_database_says_there_are_none(tmp_path):
    result = run_cli("nudges", env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No nudges planned." in result.stdout
    assert (tmp_path / "entrepairs.db").exists()
