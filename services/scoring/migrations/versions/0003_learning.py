"""Rules as versioned data, kept lead profiles and outcomes, and versioned learned models.

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

SCHEMA = "scoring"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("lead_score", sa.Column("rules_score", sa.Integer()), schema=SCHEMA)
    op.add_column("lead_score", sa.Column("learned_probability", sa.Float()), schema=SCHEMA)
    op.add_column(
        "lead_score",
        sa.Column("touches", sa.Integer(), nullable=False, server_default="1"),
        schema=SCHEMA,
    )
    op.add_column("lead_score", sa.Column("last_touch_at", TS), schema=SCHEMA)
    op.create_table(
        "lead_profile",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("lead", postgresql.JSONB(), nullable=False),
        sa.Column("captured_at", TS, nullable=False),
        sa.Column("touches", sa.Integer(), nullable=False),
        sa.Column("last_touch_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_profile"),
        schema=SCHEMA,
    )
    op.create_table(
        "lead_outcome",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("outcome_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("label", sa.SmallInteger()),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_outcome"),
        schema=SCHEMA,
    )
    op.create_table(
        "rule_set",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(12), nullable=False),
        sa.Column("body", postgresql.JSONB(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("activated_at", TS),
        sa.PrimaryKeyConstraint("version", name="pk_rule_set"),
        schema=SCHEMA,
    )
    # At most one active rule set: every instance scores with the same one.
    op.create_index(
        "uq_rule_set_active",
        "rule_set",
        ["active"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "scoring_model",
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("config_version", sa.String(100), nullable=False),
        sa.Column("intercept", sa.Float(), nullable=False),
        sa.Column("weights", postgresql.JSONB(), nullable=False),
        sa.Column("outcomes_learned", sa.Integer(), nullable=False),
        sa.Column("holdout_size", sa.Integer(), nullable=False),
        sa.Column("auc", sa.Float()),
        sa.Column("rules_auc", sa.Float()),
        sa.Column("calibration", postgresql.JSONB(), nullable=False),
        sa.Column("examples", sa.Integer(), nullable=False),
        sa.Column("data_through", TS, nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_scoring_model"),
        schema=SCHEMA,
    )
    op.create_index("ix_scoring_model_created_at", "scoring_model", ["created_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("scoring_model", schema=SCHEMA)
    op.drop_table("rule_set", schema=SCHEMA)
    op.drop_table("lead_outcome", schema=SCHEMA)
    op.drop_table("lead_profile", schema=SCHEMA)
    for column in ("last_touch_at", "touches", "learned_probability", "rules_score"):
        op.drop_column("lead_score", column, schema=SCHEMA)
