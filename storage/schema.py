"""Every table module, imported once so SQLModel's metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

from storage import checkins, coordination, heartbeats, meetings, models, nudges, pairs  # noqa: F401

metadata = SQLModel.metadata
