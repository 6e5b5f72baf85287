"""Routing's first schema: reps, rotation cursors, assignments, outbox and processed events.

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

SCHEMA = "routing"


def upgrade() -> None:
    create_runtime_tables_v1(SCHEMA)
    op.create_table(
        "rep",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rep"),
        schema=SCHEMA,
    )
    op.create_index("ix_rep_team", "rep", ["team"], schema=SCHEMA)
    op.create_table(
        "team_cursor",
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("team", name="pk_team_cursor"),
        schema=SCHEMA,
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("rep_id", sa.String(64)),
        sa.Column("queue", sa.String(100)),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sla_due_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_assignment"),
        sa.UniqueConstraint("lead_id", name="uq_assignment_lead_id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("assignment", "team_cursor", "rep", "processed_event", "outbox_message"):
        op.drop_table(table, schema=SCHEMA)
