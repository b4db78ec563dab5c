"""Operator commands for coordination: coordinators, broadcast, report, export.

`register(app)` adds them to the `entrepairs` command. Operators act as "operator:<login>" in the
audit log. `entrepairs broadcast` is scriptable: filters and texts as flags (or a file), the
preview printed, `--yes` to send without asking; then a progress bar follows the messages until
every one due now has been sent (by the running bot, or by this command with `--deliver`).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from bot.cli_words import ERROR, Lang, choose, echo, say
from bot.cli_words import language as chosen_language
from bot.settings import Settings
from flows import broadcasts, console_auth, i18n, reports
from flows import coordination as roles
from flows.clock import Clock, SystemClock
from flows.coordination import Actor, NotAllowed
from flows.matching.service import cohort_or_fail
from flows.messages import Msg, _, _n
from flows.render import Reader, render_msg
from storage.db import Database

coordinators_app = typer.Typer(no_args_is_help=True, help="Who may act as a coordinator.")

TELEGRAM_RATE = 30.0  # messages per second Telegram allows a bot (see bot/channels/telegram.py)

# What the commands print, in the --lang language (see bot/cli_words.py).
NOT_ALLOWED = _("Not allowed: {error}")
IS_COORDINATOR = _("{who} is a coordinator ({role}).")
# Each prompt carries its own colon: French puts a no-break space before it.
PASSWORD = _("Console password:")
PASSWORD_AGAIN = _("The same password again:")
PASSWORDS_DIFFER = _("The two passwords are not the same: nothing was changed.")
PASSWORD_SET = _("{who} can sign in to the console with this password.")
PASSWORD_KEPT = _("Password saved for {who}.")
NOT_A_COORDINATOR = _(
    "{who} is not a coordinator: make her one first with `entrepairs coordinators add {who}`."
)
ROLE_SET = _("{who}: {role}, {scope}.")
ALL_COUNTRIES = _("All countries")
REMOVED = _("{who} is no longer a coordinator.")
NOT_ONE = _("{who} was not a coordinator.")
ADDED_BY = _("added by {who}")
QUEUED_AGAIN = _n("{n} failed message queued again.", "{n} failed messages queued again.", 1)
NO_TEXT = _("Not sent: no text for {languages} (add --text LANG=… or choose --fallback LANG).")
NOBODY = _("Not sent: nobody matches these filters.")
CONFIRM = _n("Send to {n} woman?", "Send to {n} women?", 1)
CANCELLED = _("Cancelled: nothing was sent.")
QUEUED = _n("Broadcast {id}: {n} message queued.", "Broadcast {id}: {n} messages queued.", 1)
PREVIEW_TITLE = _n("Broadcast {id}: {n} woman", "Broadcast {id}: {n} women", 1)
LANGUAGE = _("Language")
CHANNEL = _("Channel")
WOMEN = _("Women")
SKIPPED = _("Skipped: {opted_out} opted out, {unreachable} unreachable (no consent or no address).")
OUTSIDE_WINDOW = _n(
    "{n} WhatsApp recipient is outside the 24-hour window: she gets the announcement "
    "template first, the text when she replies.",
    "{n} WhatsApp recipients are outside the 24-hour window: they get the announcement "
    "template first, the text when they reply.",
    1,
)
FIRST_SEND = _("First send in {zone}: {due} UTC")
NO_TEXT_HERE = _("no text for this language")
BAR = _("Broadcast {id}")
TO_GO = _("{n} to go")
WATCHING = _("(sent by the running bot; Ctrl-C stops watching, not sending)")
STOPPED = _("Stopped watching; the messages stay queued.")
WROTE = _("Wrote {path}")
NO_DATA = _("No {what} data yet: this database has no such table.")
EXPORTED = _n(
    "Wrote {n} row to {path} (pseudonymised).", "Wrote {n} rows to {path} (pseudonymised).", 1
)
EXPORTED_CONTACTS = _n(
    "Wrote {n} row to {path} (with contacts: logged).",
    "Wrote {n} rows to {path} (with contacts: logged).",
    1,
)


def pace(settings: Settings) -> dict[str, float]:
    """Messages per second per platform, to spread a broadcast's due times."""
    return {
        "telegram": TELEGRAM_RATE,
        "whatsapp": settings.twilio_whatsapp_mps,
        "sms": settings.twilio_sms_mps,
    }


def _context(load: Callable[[], Settings]) -> tuple[Settings, Database]:
    from bot.app import open_database

    settings = load()
    return settings, open_database(settings)


def _operator(name: str | None) -> Actor:
    return Actor.operator(name)


def _now() -> datetime:
    return SystemClock().now()


def _exit(message: Msg, code: int = 2, **params: Any) -> None:
    echo(message, err=True, **params)
    raise typer.Exit(code)


# Delivery, for `--deliver`, the crash test and the benchmark ----------------------------------


def due_left(db: Database, broadcast_id: int, now: datetime) -> tuple[int, int]:
    """(messages of the broadcast due now and not yet sent, messages done)."""
    with db.session() as session:
        broadcast = broadcasts.get(session, broadcast_id)
        report = broadcasts.delivery_report(session, broadcast, now=now)
    return report.queued - report.scheduled, report.done - report.skipped - report.unreachable


async def deliver_until_done(
    app: Any,
    broadcast_id: int,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    poll: float = 0.25,
) -> None:
    """Run the delivery worker until every message of the broadcast due now is sent."""
    stop = asyncio.Event()
    worker = asyncio.create_task(app.delivery.run_forever(stop, idle=poll))
    try:
        while True:
            left, done = await asyncio.to_thread(due_left, app.db, broadcast_id, app.clock.now())
            if on_progress:
                on_progress(left, done)
            if left == 0:
                return
            await asyncio.sleep(poll)
    finally:
        stop.set()
        await worker


async def _prepare_channels(app: Any, channels: list[Any]) -> None:
    """Ready the platform channels for sending only (no webhook, no polling)."""
    for channel in channels:
        for method in ("attach", "bind"):
            if hasattr(channel, method):
                getattr(channel, method)(app)
        bot = getattr(channel, "bot", None)
        if bot is not None:
            await bot.initialize()


# Commands ------------------------------------------------------------------------------------


def register(app: typer.Typer, load: Callable[[], Settings]) -> None:
    """Add the coordination commands to `entrepairs`; `load` reads the settings."""
    app.add_typer(coordinators_app, name="coordinators")

    def run(action: Callable[[Settings, Database], None], lang: str | None) -> None:
        settings, db = _context(load)
        choose(lang, settings.default_locale)
        try:
            action(settings, db)
        except NotAllowed as error:
            _exit(NOT_ALLOWED, error=error)
        except broadcasts.BroadcastError as error:  # says why in her language
            _exit(ERROR, error={"$msg": error.msg.to_json()})
        except ValueError as error:
            _exit(ERROR, error=error)
        finally:
            db.dispose()

    @coordinators_app.command("add")
    def coordinators_add(
        who: Annotated[
            str,
            typer.Argument(
                help="telegram:ID, whatsapp:+PHONE, sms:+PHONE, +PHONE or participant:N"
            ),
        ],
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
        role: Annotated[
            str, typer.Option(help="Console role: admin, coordinator or viewer.")
        ] = "coordinator",
        country: Annotated[
            list[str], typer.Option(help="Countries she sees in the console (repeat); all if none.")
        ] = [],  # noqa: B006
        cohort: Annotated[
            list[str],
            typer.Option(
                help="Cohorts (name or id) she sees in the console (repeat); all if none."
            ),
        ] = [],  # noqa: B006
        lang: Lang = None,
    ) -> None:
        """Make someone a coordinator (a console role, optionally for some countries or cohorts)."""

        def act(settings: Settings, db: Database) -> None:
            with db.session() as session:
                actor = _operator(operator)
                row = roles.add(session, settings.flow_config(), actor, who, now=_now())
                _set_role(session, actor, row.id or 0, role, country, cohort)
                written = roles.has_written(session, who)
            echo(IS_COORDINATOR, who=who, role=role)
            if not written:
                echo(roles.NOT_WRITTEN, who=who)

        run(act, lang)

    @coordinators_app.command("password")
    def coordinators_password(
        who: str,
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
        lang: Lang = None,
    ) -> None:
        """Set a coordinator's console password (asked twice, kept as an Argon2 hash)."""
        choose(lang, load().default_locale)  # the prompt comes before `run` reads them again
        # Asked twice here rather than by click, whose confirmation is in English only.
        secret = typer.prompt(say(PASSWORD), hide_input=True, prompt_suffix=" ")
        if typer.prompt(say(PASSWORD_AGAIN), hide_input=True, prompt_suffix=" ") != secret:
            _exit(PASSWORDS_DIFFER)

        def act(settings: Settings, db: Database) -> None:
            with db.session() as session:
                actor = _operator(operator)
                # A password is for a coordinator: a mistyped number must not become one (her
                # row is written here only for one named in the settings).
                if not roles.is_named(session, settings.flow_config(), who):
                    _exit(NOT_A_COORDINATOR, who=who)
                row = roles.add(session, settings.flow_config(), actor, who, now=_now())
                console_auth.set_password(session, actor, row.id or 0, secret, now=_now())
                written = roles.has_written(session, who)
            # Only true once the console can find her by the address she writes from.
            echo(PASSWORD_SET if written else PASSWORD_KEPT, who=who)
            if not written:
                echo(roles.NOT_WRITTEN, who=who)

        run(act, lang)

    @coordinators_app.command("role")
    def coordinators_role(
        who: str,
        role: Annotated[str, typer.Argument(help="admin, coordinator or viewer")],
        country: Annotated[
            list[str], typer.Option(help="Countries she sees in the console (repeat); all if none.")
        ] = [],  # noqa: B006
        cohort: Annotated[
            list[str],
            typer.Option(
                help="Cohorts (name or id) she sees in the console (repeat); all if none."
            ),
        ] = [],  # noqa: B006
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
        lang: Lang = None,
    ) -> None:
        """Set a coordinator's console role and the countries and cohorts she sees."""

        def act(settings: Settings, db: Database) -> None:
            with db.session() as session:
                actor = _operator(operator)
                row = roles.add(session, settings.flow_config(), actor, who, now=_now())
                _set_role(session, actor, row.id or 0, role, country, cohort)
                written = roles.has_written(session, who)
            scope = ", ".join([*country, *cohort]) or say(ALL_COUNTRIES)
            echo(ROLE_SET, who=who, role=role, scope=scope)
            if not written:  # a role makes her a coordinator as `add` does
                echo(roles.NOT_WRITTEN, who=who)

        run(act, lang)

    @coordinators_app.command("remove")
    def coordinators_remove(
        who: str,
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
        lang: Lang = None,
    ) -> None:
        """Take the coordinator role from someone (also one named in COORDINATORS)."""

        def act(settings: Settings, db: Database) -> None:
            with db.session() as session:
                removed = roles.remove(
                    session, settings.flow_config(), _operator(operator), who, now=_now()
                )
            echo(REMOVED if removed else NOT_ONE, who=who)

        run(act, lang)

    @coordinators_app.command("list")
    def coordinators_list(
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
        lang: Lang = None,
    ) -> None:
        """List the coordinators (from COORDINATORS and added since)."""

        def act(settings: Settings, db: Database) -> None:
            with db.session() as session:
                found = roles.listing(
                    session, settings.flow_config(), _operator(operator), now=_now()
                )
                names = roles.cohort_names(session, found)
            for item in found:
                since = item.added_at.strftime("%Y-%m-%d") if item.added_at else ""
                added = say(ADDED_BY, who=item.added_by)
                # What she sees, as `role` said it when it was set.
                cohorts = [names.get(cohort, str(cohort)) for cohort in item.cohorts]
                scope = ", ".join([*item.countries, *cohorts]) or say(ALL_COUNTRIES)
                typer.echo(f"{item.identity}\t{item.role}\t{scope}\t{added}\t{since}")

        run(act, lang)

    @app.command("broadcast")
    def broadcast_command(
        text: Annotated[
            list[str], typer.Option("--text", help='A text per language: es="Hola…" (repeat).')
        ] = [],  # noqa: B006
        text_file: Annotated[
            Path | None,
            typer.Option("--text-file", help='JSON {"es": "…"} or [es] / [fr] / [en] sections.'),
        ] = None,
        cohort: Annotated[
            list[str], typer.Option("--cohort", help="Cohort name, code or id (repeat).")
        ] = [],  # noqa: B006
        country: Annotated[
            list[str], typer.Option("--country", help="BO, SN, CA, OTHER (repeat).")
        ] = [],  # noqa: B006
        language: Annotated[
            list[str], typer.Option("--language", help="es, fr, en (repeat).")
        ] = [],  # noqa: B006
        channel: Annotated[
            list[str], typer.Option("--channel", help="telegram, whatsapp, sms (repeat).")
        ] = [],  # noqa: B006
        pair_status: Annotated[
            list[str],
            typer.Option("--pair-status", help="active, introduced, paused, … or none (repeat)."),
        ] = [],  # noqa: B006
        onboarded: Annotated[
            bool | None,
            typer.Option(
                "--onboarded/--not-onboarded",
                help="Only women who finished (or not) their profile.",
            ),
        ] = None,
        fallback: Annotated[
            str | None,
            typer.Option("--fallback", help="Language whose text goes to languages without one."),
        ] = None,
        at_local: Annotated[
            str | None,
            typer.Option(
                "--at-local", help="Send at this hour in each woman's own time zone, e.g. 10:00."
            ),
        ] = None,
        yes: Annotated[bool, typer.Option("--yes", help="Send without asking.")] = False,
        wait: Annotated[
            bool, typer.Option("--wait/--no-wait", help="Follow the sending with a progress bar.")
        ] = True,
        deliver: Annotated[
            bool,
            typer.Option("--deliver", help="Send from this command (when the bot is not running)."),
        ] = False,
        report_id: Annotated[
            int | None, typer.Option("--report", help="Show the delivery report of this broadcast.")
        ] = None,
        failed: Annotated[
            bool, typer.Option("--failed", help="With --report: list who it failed for and why.")
        ] = False,
        retry_id: Annotated[
            int | None,
            typer.Option("--retry", help="Queue again the failed messages of this broadcast."),
        ] = None,
        lang: Lang = None,
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
    ) -> None:
        """Send an announcement (preview, confirm, queue), or show / retry one."""

        def act(settings: Settings, db: Database) -> None:
            actor, config, now = _operator(operator), settings.flow_config(), _now()
            if report_id is not None:
                _show_report(db, config, actor, report_id, failed=failed)
                return
            if retry_id is not None:
                with db.session() as session:
                    again = broadcasts.retry_failed(
                        session, config, actor, broadcasts.get(session, retry_id), now=now
                    )
                echo(QUEUED_AGAIN, n=again)
                if wait and again:
                    _follow(settings, db, retry_id, deliver=deliver)
                return
            texts = _texts(text, text_file)
            audience = broadcasts.Audience.from_json(
                {
                    "cohorts": cohort,
                    "countries": country,
                    "languages": language,
                    "channels": channel,
                    "pair_statuses": pair_status,
                    **({"onboarded": onboarded} if onboarded is not None else {}),
                }
            )
            with db.session() as session:
                draft = broadcasts.draft(
                    session,
                    config,
                    actor,
                    audience=audience,
                    texts=texts,
                    fallback=fallback,
                    local_time=at_local,
                    now=now,
                )
                preview = broadcasts.check_preview(session, config, actor, draft, now=now)
                draft_id = draft.id or 0
            _print_preview(preview, draft_id)
            # Not sent is not sent: a draft left behind could be sent from the console later.
            if preview.missing:
                _drop(db, config, actor, draft_id)
                _exit(NO_TEXT, languages=", ".join(preview.missing))
            if not preview.total:
                _drop(db, config, actor, draft_id)
                _exit(NOBODY, 1)
            if not yes and not typer.confirm(say(CONFIRM, n=preview.total), default=False):
                _drop(db, config, actor, draft_id)
                echo(CANCELLED)
                return
            with db.session() as session:
                queued = broadcasts.send(
                    session,
                    config,
                    actor,
                    broadcasts.get(session, draft_id),
                    now=_now(),
                    pace=pace(settings),
                )
            echo(QUEUED, id=draft_id, n=queued)
            if wait:
                _follow(settings, db, draft_id, deliver=deliver)

        run(act, lang)

    @app.command("report")
    def report_command(
        cohort: Annotated[
            str | None, typer.Option("--cohort", help="Only this cohort (name, code or id).")
        ] = None,
        html: Annotated[
            Path | None, typer.Option("--html", help="Also write a self-contained HTML file.")
        ] = None,
        lang: Lang = None,
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
    ) -> None:
        """Print the programme report: funnel, sessions, ratings, outcomes, risks, reach."""

        def act(settings: Settings, db: Database) -> None:
            actor, now = _operator(operator), _now()
            roles.require(
                db, settings.flow_config(), actor, "report", now=now, details={"cohort": cohort}
            )
            with db.session() as session:
                staff = roles.coordinator_ids(session, settings.flow_config())
                report = reports.build(session, now=now, cohort=cohort, staff=staff)
            typer.echo(report_text(report, chosen_language()))
            if html is not None:
                from bot.report_html import render_html

                html.parent.mkdir(parents=True, exist_ok=True)
                html.write_text(render_html(report, chosen_language()), encoding="utf-8")
                typer.echo("\n" + say(WROTE, path=html))

        run(act, lang)

    @app.command("export")
    def export_command(
        what: Annotated[
            str, typer.Option("--what", help="participants, pairs, sessions, checkins or outcomes.")
        ],
        out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
        with_contacts: Annotated[
            bool,
            typer.Option("--with-contacts", help="Add names, contacts and free text (logged)."),
        ] = False,
        cohort: Annotated[
            str | None, typer.Option("--cohort", help="Only this cohort (name, code or id).")
        ] = None,
        operator: Annotated[
            str | None, typer.Option("--as", help="Your name in the audit log.")
        ] = None,
        lang: Lang = None,
    ) -> None:
        """Export a table as CSV, pseudonymised unless --with-contacts."""
        from bot.exports import NoData, export

        def act(settings: Settings, db: Database) -> None:
            try:
                rows = export(
                    db,
                    settings.flow_config(),
                    _operator(operator),
                    what,
                    out,
                    now=_now(),
                    with_contacts=with_contacts,
                    cohort=cohort,
                )
            except NoData:
                _exit(NO_DATA, 1, what=what)
                return
            echo(EXPORTED_CONTACTS if with_contacts else EXPORTED, n=rows, path=out)

        run(act, lang)


# Helpers -------------------------------------------------------------------------------------


def _set_role(
    session: Session,
    actor: Actor,
    coordinator_id: int,
    role: str,
    countries: list[str],
    cohorts: list[str],
) -> None:
    """Her console role and scope; cohorts are named or numbered (ValueError when unknown)."""
    ids = [cohort_or_fail(session, name).id or 0 for name in cohorts]
    console_auth.set_role(session, actor, coordinator_id, role, countries, now=_now(), cohorts=ids)


def _texts(pairs: list[str], path: Path | None) -> dict[str, str]:
    texts: dict[str, str] = {}
    if path is not None:
        raw = path.read_text(encoding="utf-8")
        try:
            loaded = json.loads(raw)
            if not isinstance(loaded, dict):
                raise ValueError
            texts.update({str(k): str(v) for k, v in loaded.items()})
        except ValueError:
            current = None
            for line in raw.splitlines():
                stripped = line.strip()
                if stripped.startswith("[") and stripped.endswith("]") and len(stripped) <= 6:
                    current = stripped[1:-1].strip().lower()
                    texts[current] = ""
                elif current is not None:
                    texts[current] += line + "\n"
    for item in pairs:
        language, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f'--text takes LANG="text", got {item!r}')
        texts[language.strip().lower()] = value
    if not texts:
        raise ValueError("give the text with --text LANG=… or --text-file FILE")
    return texts


def _drop(db: Database, config: Any, actor: Actor, broadcast_id: int) -> None:
    """Cancel the draft of a broadcast that was not sent."""
    with db.session() as session:
        broadcasts.cancel(session, config, actor, broadcasts.get(session, broadcast_id), now=_now())


def _print_preview(preview: broadcasts.Preview, broadcast_id: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=say(PREVIEW_TITLE, id=broadcast_id, n=preview.total))
    table.add_column(say(LANGUAGE))
    table.add_column(say(CHANNEL))
    table.add_column(say(WOMEN), justify="right")
    for (language, channel), n in preview.by_language_channel.items():
        table.add_row(language, channel, str(n))
    console.print(table)
    selection = preview.selection
    console.print(say(SKIPPED, opted_out=selection.opted_out, unreachable=selection.unreachable))
    if preview.outside_window:
        console.print(say(OUTSIDE_WINDOW, n=preview.outside_window))
    for zone, due in sorted(preview.first_due.items()):
        console.print(say(FIRST_SEND, zone=zone, due=f"{due:%Y-%m-%d %H:%M}"))
    for language in preview.languages():
        shown = preview.shown[language]
        console.rule(f"{language}")
        console.print(
            shown if shown is not None else f"[red]{say(NO_TEXT_HERE)}[/red]",
            markup=shown is None,
            highlight=False,
        )


def _show_report(
    db: Database, config: Any, actor: Actor, broadcast_id: int, *, failed: bool
) -> None:
    now = _now()
    with db.session() as session:
        broadcast = broadcasts.get(session, broadcast_id)
        report = broadcasts.report_checked(session, config, actor, broadcast, now=now)
        failures = broadcasts.failed_list(session, broadcast) if failed else []
    typer.echo(json.dumps(report.to_json(), indent=2))
    for failure in failures:
        typer.echo(f"{failure.public_id}\t{failure.channel}\t{failure.reason}")


def _follow(settings: Settings, db: Database, broadcast_id: int, *, deliver: bool) -> None:
    """A progress bar until every message due now is out; `deliver` sends from here."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]" + say(BAR, id="{task.fields[id]}")),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
    ) as bar:
        task = bar.add_task("send", total=None, id=broadcast_id, note="")

        def show(left: int, done: int) -> None:
            bar.update(task, total=left + done, completed=done, note=say(TO_GO, n=left))

        try:
            if deliver:
                asyncio.run(_deliver(settings, db, broadcast_id, show))
            else:
                bar.update(task, note=say(WATCHING))
                while True:
                    left, done = due_left(db, broadcast_id, _now())
                    show(left, done)
                    if left == 0:
                        break
                    time.sleep(0.5)
        except KeyboardInterrupt:
            print(say(STOPPED), file=sys.stderr)  # noqa: T201
    with db.session() as session:
        report = broadcasts.delivery_report(
            session, broadcasts.get(session, broadcast_id), now=_now()
        )
    typer.echo(json.dumps(report.to_json()))


async def _deliver(
    settings: Settings,
    db: Database,
    broadcast_id: int,
    show: Callable[[int, int], None],
    clock: Clock | None = None,
) -> None:
    from bot.app import build
    from bot.runtime import platform_channels

    channels = list(platform_channels(settings))
    if not channels:
        raise ValueError("no platform is configured (TELEGRAM_BOT_TOKEN, TWILIO_ACCOUNT_SID)")
    app = build(settings, channels=channels, db=db, clock=clock)
    await _prepare_channels(app, channels)
    try:
        await deliver_until_done(app, broadcast_id, on_progress=show)
    finally:
        for channel in channels:
            await channel.stop()


def report_text(report: reports.ProgrammeReport, language: str = "en") -> str:
    """The report as plain text for a terminal."""
    reader = Reader(language)

    def t(key: str, **params: object) -> str:
        return render_msg(replace(reports.TEXT[key], params=dict(params)), reader)

    def label(msg: Any) -> str:
        return render_msg(msg, reader)

    def where(row: str) -> str:
        return label(reports.COUNTRY_LABELS.get(row, reports.COUNTRY_LABELS["?"]))

    hidden = t("hidden")

    def line(name: str, value: object) -> str:
        return t("line", label=name, value=value)

    def number(value: float, signed: bool = False) -> str:
        return i18n.decimal(language, value, signed=signed)

    lines = [t("title"), t("cohort", cohort=report.cohort or t("all_cohorts"))]
    if report.countries:  # a country-scoped coordinator's report covers those only
        lines.append(t("countries", countries=", ".join(where(c) for c in report.countries)))
    lines.append("")
    lines.append(t("headline"))
    for key, value in report.headline.items():
        shown = "—" if value is None else number(value) if key == "mean_rating" else value
        if key == "mean_rating" and report.ratings_hidden:
            shown = hidden
        lines.append("  " + line(t(key), shown))
    lines += ["", t("funnel")]
    for step in reports.FUNNEL:
        lines.append("  " + line(label(reports.FUNNEL_LABELS[step]), report.funnel[step]))
    for country, counts in report.funnel_by_country.items():
        shown = " / ".join(hidden if counts[s] is None else str(counts[s]) for s in reports.FUNNEL)
        lines.append("    " + line(where(country), shown))
    if report.funnel_withheld:
        lines.append("    " + t("withheld"))
    lines += ["", t("weeks")]
    if not report.sessions_per_week:
        lines.append(f"  {t('no_data')}")
    for week, n in report.sessions_per_week:
        lines.append(f"  {i18n.day_month(language, week)}  {'#' * min(n, 60)} {n}")
    lines += ["", t("ratings")]
    if report.ratings_hidden:
        lines.append(f"  {t('too_few')}")
    elif not sum(report.ratings.values()):
        lines.append(f"  {t('no_data')}")
    else:
        for value in range(1, 6):
            n = report.ratings.get(value, 0)
            lines.append(f"  {value}  {'#' * min(n, 60)} {n}")
        if report.ratings_erased:
            lines.append("  " + line(t("ratings_erased"), report.ratings_erased))
    lines += ["", t("outcomes")]
    if not any("all" in stats for stats in report.outcomes.values()):
        lines.append(f"  {t('no_data')}")
    for outcome, stats in report.outcomes.items():
        overall = stats.get("all")
        name = label(reports.OUTCOME_LABELS[outcome])
        if overall is None:  # nobody answered it, or under 5 women did
            if "all" in stats:
                lines.append("  " + line(name, hidden))
            continue
        by_country = ", ".join(
            f"{where(row)} {hidden if stat is None else number(stat.change, signed=True)}"
            for row, stat in sorted(stats.items(), key=lambda item: reports.row_order(item[0]))
            if row != "all"
        )
        change = (
            f"{number(overall.baseline)} → {number(overall.latest)} "
            f"({number(overall.change, signed=True)}, n={overall.women}) {by_country}"
        )
        lines.append("  " + line(name, change))
    if report.outcomes_withheld:
        lines.append("  " + t(report.outcomes_note))
    lines += ["", t("risk")]
    if not report.at_risk:
        lines.append(f"  {t('none_at_risk')}")
    for item in report.at_risk:
        why = ", ".join(
            render_msg(Msg(reports.RISK_LABELS[key].msgid, params), reader)
            for key, params in item.reasons
        )
        lines.append("  " + line(f"#{item.pair_id} {item.a_public} / {item.b_public}", why))
    lines += ["", t("reach")]
    if not report.reach:
        lines.append(f"  {t('no_data')}")
    for item in report.reach:
        r = item.report
        counts = (
            f"{r.total} → {t('reached')} {r.reached}, {t('delivered')} "
            f"{r.delivered}, {t('read')} {r.read}, {t('waiting')} {r.waiting}, "
            f"{t('failed')} {r.failed}, {t('skipped')} {r.skipped + r.unreachable}, "
            f"{t('queued')} {r.going}, {t('scheduled')} {r.scheduled}"
        )
        lines.append("  " + line(f"#{item.broadcast_id}", counts))
    lines += ["", t("suppressed", mark=hidden)]
    if report.counts_erased:
        lines.append(t("erased", row=where(reports.ERASED)))
    if report.missing:
        lines.append("(" + line(", ".join(report.missing), t("no_data")) + ")")
    return "\n".join(lines)
