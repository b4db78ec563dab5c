"""outbox: index her in-flight messages, so the claim does not walk her whole history

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_in_flight", "outboundmessage", ["channel", "address", "status", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_in_flight", table_name="outboundmessage")
