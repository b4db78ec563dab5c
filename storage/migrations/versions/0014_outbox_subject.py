"""outbox: what a message is about, so a newer one about the same replaces it before it goes out

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITH_SUBJECT = sa.text("subject IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("outboundmessage") as table:
        table.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_outbox_subject",
        "outboundmessage",
        ["participant_id", "subject"],
        sqlite_where=WITH_SUBJECT,
        postgresql_where=WITH_SUBJECT,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_subject", table_name="outboundmessage")
    with op.batch_alter_table("outboundmessage") as table:
        table.drop_column("subject")
