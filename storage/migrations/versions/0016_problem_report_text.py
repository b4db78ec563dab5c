"""problem reports: her words up to 2,000 characters, so a long report is kept whole

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text_length(before: int, after: int) -> None:
    with op.batch_alter_table("problemreport") as table:
        table.alter_column(
            "text",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=before),
            type_=sqlmodel.sql.sqltypes.AutoString(length=after),
            existing_nullable=True,
        )


def upgrade() -> None:
    _text_length(600, 2000)


def downgrade() -> None:
    # What no longer fits is cut, as the older code never kept more.
    op.execute(
        sa.text("UPDATE problemreport SET text = substr(text, 1, 600) WHERE length(text) > 600")
    )
    _text_length(2000, 600)
