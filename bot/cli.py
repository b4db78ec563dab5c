"""`entrepairs`: the one command for operators (run the bot, chat locally, migrate, …)."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from bot import logs
from bot import settings as settings_module
from bot.app import build
from bot.channels.console import ConsoleChannel, chat
from bot.cli_coordination import register as register_coordination
from bot.cli_matching import register as register_matching
from bot.cli_words import Lang, choose, echo, say
from bot.settings import Settings, SettingsError
from flows.messages import _

# What `nudges` prints, in the --lang language (see bot/cli_words.py).
NO_NUDGES = _("No nudges planned.")
UPCOMING = _("Upcoming nudges ({n})")
DUE_UTC = _("Due (UTC)")
HER_TIME = _("Her local time")
WHO = _("Who")
WHAT = _("What")
PAIR = _("Pair")
SESSION = _("Session")
SYSTEM = _("coordinators / system")

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help=__doc__
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
app.add_typer(db_app, name="db")


def _settings() -> Settings:
    try:
        return settings_module.load()
    except SettingsError as error:
        typer.echo(f"Configuration error: {error}", err=True)
        raise typer.Exit(2) from None


def _fail(error: Exception) -> None:
    typer.echo(f"Error: {error}", err=True)
    raise typer.Exit(2)


@app.command("chat")
def chat_command(
    name: Annotated[
        str, typer.Option("--as", help="Who you are in this chat (one person per name).")
    ] = "me",
) -> None:
    """Chat with the bot in this terminal (reads lines from standard input when piped)."""
    settings = _settings()
    try:
        bot = build(settings, channels=[ConsoleChannel(name)])
    except SettingsError as error:
        _fail(error)
        return
    try:
        asyncio.run(chat(bot.engine, bot.delivery, name, sys.stdin))
    except KeyboardInterrupt:
        pass
    finally:
        bot.db.dispose()


@app.command("run")
def run_command(
    role: Annotated[
        str,
        typer.Option(
            help="web (webhooks), inbox (processing), delivery (outbox), scheduler (nudges) "
            "or all; several comma-separated (inbox,delivery). SQLite: all, or web beside "
            "one inbox,delivery,scheduler."
        ),
    ] = "all",
) -> None:
    """Run the bot: the configured channels, or the local chat when no platform is set."""
    from bot.roles import Role, check, parse

    settings = _settings()
    try:
        chosen = parse(role)
        check(chosen, settings)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        _fail(ValueError(f"--role takes one or more of {names}, comma-separated"))
        return
    except SettingsError as error:
        _fail(error)
        return
    if not settings.telegram_bot_token and not settings.twilio_account_sid:
        typer.echo("No platform token is set: starting the local chat (Ctrl-D to leave).", err=True)
        chat_command(name="me")
        return
    from bot.runtime import serve
    from storage.sole_worker import AnotherWorker

    logs.configure(settings.log_level)
    try:
        serve(settings, chosen)
    except AnotherWorker as error:
        _fail(error)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the database migrations."""
    settings = _settings()
    from storage.db import Database

    try:
        Database(settings.database_url).upgrade(revision)
    except Exception as error:  # a readable line, not a traceback
        _fail(error)
    typer.echo("Database is up to date.")


@db_app.command("revision")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the latest migration."""
    from storage.migrate import new_revision

    path = new_revision(message)
    typer.echo(f"Wrote {path}")


@app.command("nudges")
def nudges_command(
    limit: Annotated[int, typer.Option(help="How many of the next nudges to list.")] = 50,
    lang: Lang = None,
) -> None:
    """List the upcoming nudges: who, what, when in UTC and in her local time."""
    from rich.console import Console
    from rich.table import Table

    from bot.app import open_database
    from flows.nudges import upcoming
    from flows.render import Reader, format_instant

    settings = _settings()
    chosen = choose(lang, settings.default_locale)
    try:
        db = open_database(settings)  # a fresh SQLite file is created and migrated
    except SettingsError as error:
        _fail(error)
        return
    try:
        with db.session() as session:
            rows = upcoming(session, limit=limit)
    except Exception as error:  # a readable line, not a traceback
        _fail(error)
        return
    finally:
        db.dispose()
    if not rows:
        echo(NO_NUDGES)
        return
    table = Table(title=say(UPCOMING, n=len(rows)))
    for column in (DUE_UTC, HER_TIME, WHO, WHAT, PAIR, SESSION):
        table.add_column(say(column))
    for row in rows:
        # Her time, said the coordinator's way (weekday and month in the coordinator's language).
        local = format_instant(row.due_at, Reader(chosen, timezone=row.timezone), "short")
        table.add_row(
            f"{row.due_at:%Y-%m-%d %H:%M}",
            f"{local} {row.timezone}" if row.public_id else "—",
            f"{row.public_id} {row.name}" if row.public_id else say(SYSTEM),
            f"{row.purpose} {row.detail}".strip(),
            str(row.pair_id or ""),
            str(row.meeting_id or ""),
        )
    Console().print(table)


# Cohorts, matching and demo data (bot/cli_matching.py).
register_matching(app, _settings)

# Coordinators, broadcasts, reports and exports (bot/cli_coordination.py).
register_coordination(app, _settings)


def main() -> None:
    logs.configure("WARNING")
    app()


if __name__ == "__main__":
    main()
