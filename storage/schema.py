"""Every table module, imported once so SQLModel's metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from storage import (  # noqa: F401
    checkins,
    console,
    coordination,
    heartbeats,
    meetings,
    models,
    nudges,
    pairs,
)

metadata = SQLModel.metadata
