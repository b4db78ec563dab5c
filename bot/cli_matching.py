"""Operator commands for cohorts, matching and demo data: `entrepairs cohort|match|seed-demo`.

`match` is a dry run by default: it matches the cohort, keeps the result as proposals (replacing
earlier unpublished ones, keeping locked ones), prints the pairs with their scores and reasons,
writes a CSV and lists who is left out and why. `--publish` then introduces the women.
Do-not-pair and lock rules given with `--forbid` / `--lock` are kept for later runs.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlmodel import Session

from bot.cli_words import ERROR, Lang, choose, say
from bot.settings import Settings
from flows import pair_lifecycle as lifecycle
from flows.clock import SystemClock
from flows.introductions import publish_cohort
from flows.matching import PROGRAMME_MODES, generate_people, service
from flows.messages import _, _n
from storage.db import Database
from storage.models import ChannelAddress, Participant

if TYPE_CHECKING:  # rich is imported by the commands that print tables, as in bot/cli.py
    from rich.console import Console

cohort_app = typer.Typer(no_args_is_help=True, help="Cohorts: create them and add women.")
OPERATOR = lifecycle.coordinator_actor("cli")

# What `cohort` and `match` print (in the --lang language; see bot/cli_words.py).
COHORT_CREATED = _("Cohort “{name}” created: pairing modes {modes}, invitation code {code}.")
COHORT_ADDED = _n(
    "Added {n} woman to {cohort} ({already} already in it).",
    "Added {n} women to {cohort} ({already} already in it).",
    1,
)
COHORT = _("Cohort")
CODE = _("Code")
MODES = _("Pairing modes")
MEMBERS = _("Members")
PAIRS = _("Pairs")
PROPOSED_PAIRS = _("Proposed pairs: {cohort}")
WOMAN = _("Woman")
SCORE = _("Score")
WHY = _("Why")
LOCKED = _("locked")
OVERRIDES = _("locked; overrides {rules}")
RUN_SUMMARY = _n(
    "{n} pair, total score {total}, {share} of the women taking part paired.",
    "{n} pairs, total score {total}, {share} of the women taking part paired.",
    1,
)
NOT_PAIRED = _("Not paired this round:")
CSV_WRITTEN = _("CSV written to {path}")
DRY_RUN = _("Dry run: nothing was sent. Add --publish to send the introductions.")
PUBLISHED = _n(
    "Published: {n} introduction queued (both women have {days} days to answer).",
    "Published: {n} introductions queued (both women have {days} days to answer).",
    1,
)
NOT_PUBLISHED = _("  not published: pair {pair}: {why}")


_loader: list[Callable[[], Settings]] = []


def register(app: typer.Typer, settings: Callable[[], Settings]) -> None:
    """Add the commands to the `entrepairs` app; `settings` loads the settings or exits."""
    _loader[:] = [settings]
    app.add_typer(cohort_app, name="cohort")
    app.command("match")(match_command)
    app.command("seed-demo")(seed_demo_command)


def _load_settings() -> Settings:
    if _loader:
        return _loader[0]()
    from bot import settings as settings_module

    return settings_module.load()


@contextmanager
def _session() -> Iterator[tuple[Session, Settings]]:
    from bot.app import open_database

    settings = _load_settings()
    db: Database = open_database(settings)
    try:
        with db.session() as session:
            yield session, settings
    except service.MatchingError as error:
        typer.echo(say(ERROR, error=error), err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()


# --- cohort -----------------------------------------------------------------------------------


@cohort_app.command("create")
def cohort_create(
    name: str,
    modes: Annotated[
        str,
        typer.Option(
            help="Pairing modes, comma-separated: north_south, south_south, national, "
            "diaspora, open (any two women)."
        ),
    ] = "north_south",
    code: Annotated[str, typer.Option(help="Invitation code women type to join.")] = "",
    max_pairs: Annotated[int, typer.Option(help="Live pairs allowed per woman.")] = 1,
    min_overlap: Annotated[int, typer.Option(help="Shared free hours a week, at least.")] = 1,
    lang: Lang = None,
) -> None:
    """Create a cohort with its pairing modes and invitation code."""
    with _session() as (session, settings):
        choose(lang, settings.default_locale)
        cohort = service.create_cohort(
            session,
            name,
            modes=service.parse_modes(modes),
            code=code or service.code_for(name),
            now=SystemClock().now(),
            max_active_pairs=max_pairs,
            min_overlap_hours=min_overlap,
        )
        typer.echo(
            say(
                COHORT_CREATED,
                name=cohort.name,
                modes=", ".join(cohort.modes),
                code=cohort.invite_code,
            )
        )


@cohort_app.command("add")
def cohort_add(
    cohort: str,
    participants: Annotated[list[str], typer.Argument(help="Participants' public ids.")],
    lang: Lang = None,
) -> None:
    """Add participants (by public id) to a cohort."""
    with _session() as (session, settings):
        choose(lang, settings.default_locale)
        found = service.cohort_or_fail(session, cohort)
        now = SystemClock().now()
        added = sum(
            service.add_member(
                session, found, service.participant_by_public_id(session, pid).id or 0, now=now
            )
            for pid in participants
        )
        typer.echo(say(COHORT_ADDED, n=added, cohort=found.name, already=len(participants) - added))


@cohort_app.command("list")
def cohort_list(lang: Lang = None) -> None:
    """List cohorts with their modes, code, members and pairs by status."""
    from rich.console import Console
    from rich.table import Table
    from sqlmodel import select

    from bot.console.words import word
    from flows.coordination import coordinator_ids
    from flows.scope import EVERYONE, member_counts
    from storage.pairs import Cohort

    with _session() as (session, settings):
        chosen = choose(lang, settings.default_locale)
        table = Table(*(say(m) for m in (COHORT, CODE, MODES, MEMBERS, PAIRS)))
        staff = coordinator_ids(session, settings.flow_config())
        sizes = member_counts(session, EVERYONE, staff=staff)
        for cohort in session.exec(select(Cohort).order_by(Cohort.id)):
            counts = lifecycle.count_by_status(session, cohort.id or 0)
            table.add_row(
                cohort.name,
                cohort.invite_code,
                ", ".join(cohort.modes),
                str(sizes.get(cohort.id or 0, 0)),
                ", ".join(f"{word(chosen, status)} {n}" for status, n in sorted(counts.items()))
                or "-",
            )
        Console().print(table)


# --- match ------------------------------------------------------------------------------------


def match_command(
    cohort: str,
    publish: Annotated[bool, typer.Option("--publish", help="Send the introductions.")] = False,
    lock: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Always pair these two women (public ids); kept for later runs."),
    ] = None,
    forbid: Annotated[
        tuple[str, str] | None,
        typer.Option(help="Never pair these two women (public ids); kept for later runs."),
    ] = None,
    count_first: Annotated[
        bool, typer.Option("--count-first", help="Pair as many women as possible first.")
    ] = False,
    csv_path: Annotated[
        Path | None,
        typer.Option("--csv", help="CSV file (default: match-COHORT.csv)."),
    ] = None,
    respond_days: Annotated[
        int, typer.Option(help="Days both women have to answer an introduction.")
    ] = 3,
    lang: Lang = None,
) -> None:
    """Match a cohort (a dry run unless --publish) and review the proposed pairs."""
    from rich.console import Console

    console = Console(width=160)
    with _session() as (session, settings):
        choose(lang, settings.default_locale)
        found = service.cohort_or_fail(session, cohort)
        now = SystemClock().now()
        for pair, kind in ((lock, service.LOCK), (forbid, service.FORBID)):
            if pair:
                first, second = (service.participant_by_public_id(session, p) for p in pair)
                service.set_rule(
                    session, found, first.id or 0, second.id or 0, kind, by=OPERATOR, now=now
                )
        result = service.run(session, found, now=now, actor=OPERATOR, count_first=count_first)
        _print_run(console, result)
        path = csv_path or Path(f"match-{service.code_for(found.name).lower()}.csv")
        _write_csv(path, result)
        console.print(say(CSV_WRITTEN, path=path), highlight=False)
        if not publish:
            console.print(say(DRY_RUN))
            return
        published = publish_cohort(
            session,
            found,
            now=now,
            actor=OPERATOR,
            config=settings.flow_config(),
            respond_within=timedelta(days=respond_days),
        )
        console.print(say(PUBLISHED, n=len(published.pairs), days=respond_days))
        for pair, why in published.skipped:
            console.print(say(NOT_PUBLISHED, pair=pair.id, why=why))


def _name(result: service.MatchRun, participant_id: int) -> str:
    person = result.people.get(participant_id)
    if person is None:
        return str(participant_id)
    return f"{person.name or '?'} ({person.country or '?'}, {person.public_id})"


def _print_run(console: Console, result: service.MatchRun) -> None:
    from rich.table import Table

    table = Table(title=say(PROPOSED_PAIRS, cohort=result.cohort.name), show_lines=True)
    table.add_column("#", justify="right")
    table.add_column(say(WOMAN))
    table.add_column(say(WOMAN))
    table.add_column(say(SCORE), justify="right")
    table.add_column(say(WHY), ratio=1)
    for number, pair in enumerate(result.pairs, 1):
        reasons = "\n".join(say(msg) for msg in service.reasons_for(pair))
        if pair.locked:
            overridden = service.overridden(pair)
            mark = say(OVERRIDES, rules=", ".join(overridden)) if overridden else say(LOCKED)
            reasons = f"[{mark}]\n{reasons}"
        table.add_row(
            str(number),
            _name(result, pair.a_id),
            _name(result, pair.b_id),
            f"{pair.score * 100:.0f}",
            reasons,
        )
    console.print(table)
    total = sum(pair.score for pair in result.pairs)
    console.print(
        say(
            RUN_SUMMARY,
            n=len(result.pairs),
            total=f"{total * 100:.0f}",
            share=f"{result.paired_share:.0%}",
        )
    )
    if result.unpaired or result.skipped:
        console.print(say(NOT_PAIRED))
        for left in result.unpaired:
            console.print(
                f"  {left.profile.first_name} ({_public(result, left.profile.id)}): "
                f"{say(left.message)}"
            )
        for skipped in result.skipped:
            console.print(f"  {skipped.participant.public_id}: {say(skipped.message)}")


def _public(result: service.MatchRun, participant_id: int) -> str:
    person = result.people.get(participant_id)
    return person.public_id if person else str(participant_id)


def _write_csv(path: Path, result: service.MatchRun) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["pair_id", "a_id", "a_name", "a_country", "b_id", "b_name", "b_country",
             "score", "locked", "reasons"]
        )  # fmt: skip
        for pair in result.pairs:
            a, b = result.people.get(pair.a_id), result.people.get(pair.b_id)
            writer.writerow(
                [
                    pair.id,
                    a.public_id if a else "",
                    a.name if a else "",
                    a.country if a else "",
                    b.public_id if b else "",
                    b.name if b else "",
                    b.country if b else "",
                    f"{pair.score:.4f}",
                    "yes" if pair.locked else "",
                    " | ".join(say(msg) for msg in service.reasons_for(pair)),
                ]
            )
        for left in result.unpaired:
            writer.writerow(
                ["", _public(result, left.profile.id), left.profile.first_name,
                 left.profile.country, "", "", "", "", "", say(left.message)]
            )  # fmt: skip
        for skipped in result.skipped:
            person = skipped.participant
            writer.writerow(
                ["", person.public_id, person.name or "", person.country or "", "", "", "",
                 "", "", say(skipped.message)]
            )  # fmt: skip


# --- seed-demo ---------------------------------------------------------------------------------


def seed_demo_command(
    participants: Annotated[int, typer.Option(help="How many invented women.")] = 40,
    cohort: Annotated[str | None, typer.Option(help="Their cohort (made if new).")] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same people.")] = 1,
    modes: Annotated[str, typer.Option(help="Modes of a new cohort.")] = ",".join(
        sorted(PROGRAMME_MODES)
    ),
) -> None:
    """Create a realistic synthetic cohort: onboarded, consenting, reachable on the local chat."""
    with _session() as (session, _settings):
        now = SystemClock().now()
        people = seed_demo(session, participants, seed=seed, now=now)
        target = None
        if cohort:
            target = service.find_cohort(session, cohort) or service.create_cohort(
                session,
                cohort,
                modes=service.parse_modes(modes),
                code=service.code_for(cohort),
                now=now,
            )
            for person in people:
                service.add_member(session, target, person.id or 0, now=now)
        countries = {c: sum(p.country == c for p in people) for c in ("BO", "SN", "CA")}
        typer.echo(
            f"Created {len(people)} invented participants "
            f"(Bolivia {countries['BO']}, Senegal {countries['SN']}, Canada {countries['CA']})"
            + (f" in cohort {target.name!r} (code {target.invite_code})." if target else ".")
        )
        if people:
            typer.echo(f"Chat as one of them: entrepairs chat --as {_address(people[0])}")


def _address(person: Participant) -> str:
    return f"demo-{person.public_id}"


def seed_demo(session: Session, n: int, *, seed: int, now: datetime) -> list[Participant]:
    """`n` invented women from `flows.matching.synthetic`, stored as finished onboardings."""
    rng = random.Random(seed)
    created: list[Participant] = []
    for person in generate_people(n, seed):
        participant = Participant(
            name=person["first_name"],
            locale=person["ui_language"],
            country=person["country"],
            region=person["region"] or person["city"],
            timezone=person["timezone"],
            business_name=person["business_name"],
            sector=person["sector"],
            stage=person["stage"],
            size=person["size"],
            skills_offered=list(person["offers"]),
            skills_wanted=list(person["wants"]),
            mentor_languages=list(person["languages"]),
            availability=list(person["availability"]),
            diaspora_ties=list(person["diaspora_ties"]),
            share_contact=rng.random() < 0.7,
            consent_at=now,
            onboarded_at=now,
            created_at=now,
        )
        session.add(participant)
        session.flush()
        session.add(
            ChannelAddress(
                participant_id=participant.id or 0,
                channel="console",
                address=_address(participant),
                last_inbound_at=now,
                created_at=now,
            )
        )
        created.append(participant)
    session.flush()
    return created
