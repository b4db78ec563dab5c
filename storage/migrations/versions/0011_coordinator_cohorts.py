"""coordinator console: a coordinator may be scoped to cohorts as well as countries

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("coordinator") as batch:
        batch.add_column(sa.Column("cohorts", JSON, nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("coordinator") as batch:
        batch.drop_column("cohorts")
