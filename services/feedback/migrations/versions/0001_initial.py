"""Feedback's first schema: routed leads, outcomes, outbox and processed events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.migrations import create_runtime_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "feedback"


def upgrade() -> None:
    create_runtime_tables_v1(SCHEMA)
    op.create_table(
        "routed_lead",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(100)),
        sa.Column("channel", sa.String(100)),
        sa.Column("source", sa.String(100)),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.String(64)),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_routed_lead"),
        schema=SCHEMA,
    )
    op.create_index("ix_routed_lead_campaign_id", "routed_lead", ["campaign_id"], schema=SCHEMA)
    op.create_table(
        "outcome",
        sa.Column("outcome_id", sa.String(100), nullable=False),
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("amount", sa.Numeric(14, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("rep_id", sa.String(64)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("outcome_id", name="pk_outcome"),
        schema=SCHEMA,
    )
    op.create_index("ix_outcome_lead_id", "outcome", ["lead_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("outcome", "routed_lead", "processed_event", "outbox_message"):
        op.drop_table(table, schema=SCHEMA)
