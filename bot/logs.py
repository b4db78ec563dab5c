"""Structured logs: one JSON object a line, with the request id, and no personal data.

Code logs identifiers (outbox ids, channels, statuses), never names, numbers, message text or
tokens. As a second line of defence, every record passes through `redact`, which masks anything
shaped like a phone number, a bot token or an e-mail address before it is written.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_PATTERNS = (
    re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}"),  # Telegram bot tokens
    re.compile(r"(?<![\w.])\+?\d(?: ?\d){7,14}(?!\w)"),  # phone numbers, long chat ids
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),  # e-mail addresses
    re.compile(r"\b(?:AC|SK)[0-9a-f]{32}\b"),  # Twilio account and key ids
)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def new_request_id() -> str:
    """12 random hex digits; `uuid4` built a UUID to throw most of it away (3 µs a request)."""
    return secrets.token_hex(6)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id.get(),
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = redact(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    """JSON logs on standard error for the whole process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that would log request URLs (which carry the Telegram token) stay quiet.
    for noisy in ("httpx", "httpcore", "telegram", "twilio", "apscheduler", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
