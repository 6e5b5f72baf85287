"""Lead-quality KPIs: SLA record, campaigns, spend, re-opened outcomes, debounced publishing.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "feedback"
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    for column in (
        sa.Column("rep_name", sa.String(200)),
        sa.Column("sla_due_at", _TS),
        sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("first_routed_at", _TS),
        sa.Column("first_sla_due_at", _TS),
    ):
        op.add_column("routed_lead", column, schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.routed_lead SET first_routed_at = routed_at")
    op.create_index("ix_routed_lead_captured_at", "routed_lead", ["captured_at"], schema=SCHEMA)
    op.add_column(
        "outcome",
        sa.Column("reopens", sa.Boolean(), nullable=False, server_default="false"),
        schema=SCHEMA,
    )
    op.create_table(
        "lead_sla",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("breaches", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("first_breached_at", _TS),
        sa.Column("reassignments", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("escalations", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("lead_id", name="pk_lead_sla"),
        schema=SCHEMA,
    )
    op.create_table(
        "campaign",
        sa.Column("campaign_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("offer", sa.String(500)),
        sa.Column("channel", sa.String(100)),
        sa.Column("starts_on", sa.Date()),
        sa.Column("ends_on", sa.Date()),
        sa.Column("expected_leads", sa.Integer()),
        sa.Column("budget", sa.Numeric(14, 2)),
        sa.Column("currency", sa.String(3)),
        sa.Column("briefed_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaign"),
        schema=SCHEMA,
    )
    op.create_table(
        "campaign_spend",
        sa.Column("spend_id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("spend_id", name="pk_campaign_spend"),
        sa.UniqueConstraint(
            "campaign_id",
            "kind",
            "period_start",
            "period_end",
            name="uq_campaign_spend_campaign_id_kind_period_start_period_end",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_campaign_spend_campaign_id", "campaign_spend", ["campaign_id"], schema=SCHEMA
    )
    op.create_table(
        "campaign_dirty",
        sa.Column("campaign_id", sa.String(100), nullable=False),
        sa.Column("dirty_since", _TS, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaign_dirty"),
        schema=SCHEMA,
    )
    op.create_table(
        "campaign_published",
        sa.Column("campaign_id", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("published_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaign_published"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("campaign_published", "campaign_dirty", "campaign_spend", "campaign", "lead_sla"):
        op.drop_table(table, schema=SCHEMA)
    op.drop_column("outcome", "reopens", schema=SCHEMA)
    op.drop_index("ix_routed_lead_captured_at", "routed_lead", schema=SCHEMA)
    for name in ("first_sla_due_at", "first_routed_at", "attempt", "sla_due_at", "rep_name"):
        op.drop_column("routed_lead", name, schema=SCHEMA)
