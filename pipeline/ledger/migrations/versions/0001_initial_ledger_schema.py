"""initial ledger schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 21:07:08.922204
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultation_trigger",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("hazard", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("levels_by_country", sa.JSON(), nullable=False),
        sa.Column("last_message", sa.String(length=256), nullable=False),
        sa.Column("last_run", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consultation_trigger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_trigger_source"), ["source"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_trigger_status"), ["status"], unique=False
        )

    op.create_table(
        "message",
        sa.Column("identifier", sa.String(length=256), nullable=False),
        sa.Column("sender", sa.String(length=256), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=False),
        sa.Column("msg_type", sa.String(length=8), nullable=False),
        sa.Column("references", sa.String(length=2048), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("run", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("identifier"),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_subject"), ["subject"], unique=False)

    op.create_table(
        "processed_run",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("run", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("source", "run"),
    )
    op.create_table(
        "source_state",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("latest_run", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "warning_event",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("hazard", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("onset", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expiry", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("streaks", sa.JSON(), nullable=False),
        sa.Column("last_message", sa.String(length=256), nullable=False),
        sa.Column("last_run", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("warning_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_event_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_warning_event_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("warning_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_event_status"))
        batch_op.drop_index(batch_op.f("ix_warning_event_source"))

    op.drop_table("warning_event")
    op.drop_table("source_state")
    op.drop_table("processed_run")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_subject"))

    op.drop_table("message")
    with op.batch_alter_table("consultation_trigger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_trigger_status"))
        batch_op.drop_index(batch_op.f("ix_consultation_trigger_source"))

    op.drop_table("consultation_trigger")
