"""meeting: when the move now asked began, to tell whether her peer ever saw it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting") as table:
        table.add_column(sa.Column("moved_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meeting") as table:
        table.drop_column("moved_at")
