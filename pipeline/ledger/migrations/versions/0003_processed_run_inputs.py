"""processed run inputs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 21:43:19.972053
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("processed_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inputs", sa.String(length=64), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("processed_run", schema=None) as batch_op:
        batch_op.drop_column("inputs")
