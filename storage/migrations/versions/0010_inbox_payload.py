"""inbox: raw payload stored at the webhook, processed later by the inbox worker

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("processed_at", storage.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    # Everything received before this revision was processed when it arrived.
    op.execute("UPDATE inboundmessage SET processed_at = received_at")
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None)
        batch_op.create_index(
            batch_op.f("ix_inboundmessage_processed_at"), ["processed_at"], unique=False
        )
        batch_op.create_index(
            "ix_inboundmessage_sender", ["channel", "address", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.drop_index("ix_inboundmessage_sender")
        batch_op.drop_index(batch_op.f("ix_inboundmessage_processed_at"))
        batch_op.drop_column("error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("processed_at")
        batch_op.drop_column("payload")
        batch_op.drop_column("address")
