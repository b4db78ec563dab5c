"""check-ins: what she learned and shared, up to 2,000 characters, so a long answer is kept whole

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("learned", "shared")


def _text_length(before: int, after: int) -> None:
    with op.batch_alter_table("checkin") as table:
        for column in COLUMNS:
            table.alter_column(
                column,
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=before),
                type_=sqlmodel.sql.sqltypes.AutoString(length=after),
                existing_nullable=True,
            )


def upgrade() -> None:
    _text_length(300, 2000)


def downgrade() -> None:
    # What no longer fits is cut, as the older code never kept more.
    for column in COLUMNS:
        op.execute(
            sa.text(
                f"UPDATE checkin SET {column} = substr({column}, 1, 300) "
                f"WHERE length({column}) > 300"
            )
        )
    _text_length(2000, 300)
