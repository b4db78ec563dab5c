"""coordinator console: roles and scopes, sign-in codes, sessions, safeguarding triage

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "consolecode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nonce_hash"),
    )
    op.create_index(
        op.f("ix_consolecode_participant_id"), "consolecode", ["participant_id"], unique=False
    )
    op.create_table(
        "consolesession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(
        op.f("ix_consolesession_participant_id"), "consolesession", ["participant_id"], unique=False
    )
    with op.batch_alter_table("coordinator") as batch:
        batch.add_column(
            sa.Column(
                "role",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="coordinator",
            )
        )
        batch.add_column(sa.Column("countries", JSON, nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    with op.batch_alter_table("problemreport") as batch:
        batch.add_column(
            sa.Column(
                "triage",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="new",
            )
        )
        batch.add_column(sa.Column("notes", JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("problemreport") as batch:
        batch.drop_column("notes")
        batch.drop_column("triage")
    with op.batch_alter_table("coordinator") as batch:
        batch.drop_column("password_hash")
        batch.drop_column("countries")
        batch.drop_column("role")
    op.drop_index(op.f("ix_consolesession_participant_id"), table_name="consolesession")
    op.drop_table("consolesession")
    op.drop_index(op.f("ix_consolecode_participant_id"), table_name="consolecode")
    op.drop_table("consolecode")
