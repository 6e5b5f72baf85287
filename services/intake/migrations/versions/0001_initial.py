"""Intake's first schema: leads, outbox and processed events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.migrations import create_runtime_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    create_runtime_tables_v1(SCHEMA)
    op.create_table(
        "lead",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("campaign_id", sa.String(100)),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column(
            "captured_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lead"),
        schema=SCHEMA,
    )
    op.create_index("ix_lead_email", "lead", ["email"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("lead", schema=SCHEMA)
    op.drop_table("processed_event", schema=SCHEMA)
    op.drop_table("outbox_message", schema=SCHEMA)
