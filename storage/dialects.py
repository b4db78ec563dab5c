"""What differs by backend in the statements the hot path builds once."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(dialect: str) -> Any:
    """The backend's INSERT construct, which knows ON CONFLICT (`postgresql` or `sqlite`)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
