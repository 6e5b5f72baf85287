"""Scoring's first schema: lead scores, outbox and processed events.

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

SCHEMA = "scoring"


def upgrade() -> None:
    create_runtime_tables_v1(SCHEMA)
    op.create_table(
        "lead_score",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("fit", sa.Integer(), nullable=False),
        sa.Column("intent", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("reasons", postgresql.JSONB(), nullable=False),
        sa.Column("config_version", sa.String(100), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_score"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("lead_score", schema=SCHEMA)
    op.drop_table("processed_event", schema=SCHEMA)
    op.drop_table("outbox_message", schema=SCHEMA)
