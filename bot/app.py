"""The composition root: settings in, a ready database, engine, channels and delivery out."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.base import Channel
from bot.delivery import Delivery
from bot.intake import Intake
from bot.settings import Settings, SettingsError
from flows.clock import Clock, SystemClock
from flows.engine import Engine
from storage.db import Database


@dataclass
class App:
    settings: Settings
    db: Database
    clock: Clock
    engine: Engine
    delivery: Delivery
    channels: list[Channel] = field(default_factory=list)
    # Processes what the webhooks stored (bot/intake.py); channels register their handlers.
    intake: Intake | None = None

    def __post_init__(self) -> None:
        if self.intake is None:
            self.intake = Intake(self.db, self.clock)
        self.intake.on_replies = self.delivery.wake.set
        # `drain` (tests, one-shot commands) processes stored messages before each round.
        self.delivery.before_round = self.intake.drain


def open_database(settings: Settings) -> Database:
    """The database, migrated automatically when it is the local SQLite default."""
    db = Database(settings.database_url)
    if db.dialect == "sqlite":
        db.upgrade()
    elif not db.is_current():
        raise SettingsError(
            "DATABASE_URL: the database schema is not up to date; run `entrepairs db upgrade`"
        )
    return db


def build(
    settings: Settings,
    *,
    channels: list[Channel] | None = None,
    clock: Clock | None = None,
    db: Database | None = None,
) -> App:
    clock = clock or SystemClock()
    db = db or open_database(settings)
    engine = Engine(db, clock, settings.flow_config())
    chosen = channels if channels is not None else []
    return App(settings, db, clock, engine, Delivery(db, clock, chosen), chosen)
