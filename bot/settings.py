"""Settings from the environment and `.env`, checked once at start.

A bad or missing value stops the program with one line naming the setting (see `load`), never a
traceback. Secrets are `SecretStr`: they print as `**********`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.channels.twilio_text import Transliteration
from flows.config import FlowConfig
from flows.i18n import LANGUAGES

USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")  # Telegram's rule for a username


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it."""


def _split(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)

    database_url: str = Field(default="sqlite:///entrepairs.db")
    default_locale: str = "en"
    quiet_hours: str = "21-8"
    coordinators: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str | None = None

    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    # The bot's @username, for the console's join links (t.me/NAME?start=CODE). Optional: a web
    # process that starts the Telegram channel learns it from getMe.
    telegram_bot_username: str | None = None
    # Messages per second this process sends to Telegram (its limit is about 30 per bot; with
    # several delivery processes give each a share, e.g. 15 with two).
    telegram_mps: float = Field(default=30.0, gt=0)

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    # Messages per second Twilio accepts from our senders (WhatsApp text; SMS per number).
    twilio_whatsapp_mps: float = Field(default=25.0, gt=0)
    twilio_sms_mps: float = Field(default=1.0, gt=0)
    # SMS only: write "información" as "informacion" so a message stays GSM-7 (160 a segment
    # instead of 70): "auto" where that costs fewer segments, "always", or "never" (true/false
    # are read as always/never). Typography (dashes, curly quotes) is always made GSM-7.
    sms_transliterate: Transliteration = "auto"
    # Approved WhatsApp Content templates, by purpose then language, as JSON:
    # {"default": {"es": "HX…", "fr": "HX…", "en": "HX…"}, "reminder": {"fr": "HX…"}}.
    # A proactive message outside the 24-hour window goes out as templates[purpose][language],
    # else templates["default"][language]; the template's {{1}} is her first name.
    twilio_templates: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("coordinators", mode="before")
    @classmethod
    def _coordinators(cls, value: object) -> object:
        return _split(value)

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str | None) -> str | None:
        """ "@EntrepairsBot" or "https://t.me/EntrepairsBot" as the bare name."""
        if value is None:
            return None
        name = re.sub(r"^(https?://)?(t\.me/)?@?", "", value.strip()).rstrip("/")
        if not USERNAME.fullmatch(name):
            raise ValueError("a Telegram bot's username: 5 to 32 letters, digits or _")
        return name

    @field_validator("sms_transliterate", mode="before")
    @classmethod
    def _transliterate(cls, value: object) -> object:
        """The old yes/no form still works: true is "always", false "never"."""
        if isinstance(value, bool):
            return "always" if value else "never"
        if isinstance(value, str):
            word = value.strip().lower()
            yes_no = {"true": "always", "1": "always", "yes": "always"}
            yes_no |= {"false": "never", "0": "never", "no": "never"}
            return yes_no.get(word, word)
        return value

    @field_validator("twilio_templates")
    @classmethod
    def _templates(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for purpose, by_language in value.items():
            for language, sid in by_language.items():
                if language not in LANGUAGES:
                    raise ValueError(f"{purpose}: language must be one of {', '.join(LANGUAGES)}")
                if not sid.startswith("HX"):
                    raise ValueError(f"{purpose}/{language}: a Content SID starts with HX")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql://")
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver we install; plain postgresql:// would ask for psycopg2.
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @property
    def quiet(self) -> tuple[int, int]:
        return parse_quiet_hours(self.quiet_hours)

    def flow_config(self) -> FlowConfig:
        start, end = self.quiet
        return FlowConfig(
            default_language=self.default_locale,
            quiet_start=start,
            quiet_end=end,
            coordinators=frozenset(self.coordinators),
        )

    @property
    def sqlite_path(self) -> Path | None:
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return None


def parse_quiet_hours(value: str) -> tuple[int, int]:
    """ "21-8" → (21, 8): no proactive message from 21:00 to 08:00 local time."""
    try:
        start, end = (int(part) for part in value.split("-"))
    except ValueError:
        raise ValueError("must look like 21-8 (from 21:00 to 08:00)") from None
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise ValueError("hours must be between 0 and 23")
    return start, end


def load(**overrides: object) -> Settings:
    """Read the settings, or raise SettingsError with one line naming what is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name}: {first['msg']}") from None
