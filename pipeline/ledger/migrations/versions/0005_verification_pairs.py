"""verification pairs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_pair",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("run", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("hazard", sa.String(length=32), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("lead_hours", sa.Integer(), nullable=False),
        sa.Column("forecast_level", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("observed_level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "run", "region", "hazard", "date"),
    )
    op.create_index("ix_verification_pair_date", "verification_pair", ["date"])


def downgrade() -> None:
    op.drop_index("ix_verification_pair_date", table_name="verification_pair")
    op.drop_table("verification_pair")
