"""Forms, touches of known leads, campaign briefs, idempotency, rate limits, secrets.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.add_column("lead", sa.Column("form_id", sa.String(64)), schema=SCHEMA)
    op.add_column("lead", sa.Column("source_key_id", sa.String(32)), schema=SCHEMA)
    op.add_column(
        "lead",
        sa.Column(
            "last_touched_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        schema=SCHEMA,
    )
    op.execute(f"UPDATE {SCHEMA}.lead SET last_touched_at = captured_at")
    op.add_column(
        "lead",
        sa.Column("touches", sa.Integer(), nullable=False, server_default="1"),
        schema=SCHEMA,
    )
    op.create_table(
        "lead_touch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.String(64)),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_touch"),
        schema=SCHEMA,
    )
    op.create_index("ix_lead_touch_lead_id", "lead_touch", ["lead_id"], schema=SCHEMA)
    op.create_table(
        "form",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("config", postgresql.JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_form"),
        schema=SCHEMA,
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("brief", postgresql.JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign"),
        schema=SCHEMA,
    )
    op.create_table(
        "idempotency_record",
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_record"),
        schema=SCHEMA,
    )
    op.create_table(
        "rate_counter",
        sa.Column("bucket", sa.String(200), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name="pk_rate_counter"),
        schema=SCHEMA,
    )
    op.create_table(
        "secret",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_secret"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("secret", "rate_counter", "idempotency_record", "campaign", "form"):
        op.drop_table(table, schema=SCHEMA)
    op.drop_table("lead_touch", schema=SCHEMA)
    for column in ("touches", "last_touched_at", "source_key_id", "form_id"):
        op.drop_column("lead", column, schema=SCHEMA)
