"""inbox: index only the messages still waiting, so the claim does not walk her whole history

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("processed_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_inboundmessage_waiting",
        "inboundmessage",
        ["channel", "address", "id"],
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.drop_index("ix_inboundmessage_sender", table_name="inboundmessage")


def downgrade() -> None:
    op.create_index("ix_inboundmessage_sender", "inboundmessage", ["channel", "address", "id"])
    op.drop_index("ix_inboundmessage_waiting", table_name="inboundmessage")
