"""The sales org and rules as data, assignment audit and attempts, durable SLA timers, campaigns.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "routing"
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("config", JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id", name="pk_team"),
        schema=SCHEMA,
    )
    for column in (
        sa.Column("role", sa.String(10), nullable=False, server_default="rep"),
        sa.Column("config", JSONB()),
        sa.Column("rotation_pass", sa.BigInteger()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    ):
        op.add_column("rep", column, schema=SCHEMA)
    # The cursor now holds the rotation's virtual time, not a position in a cycle.
    op.execute(f"UPDATE {SCHEMA}.team_cursor SET position = 0")
    op.create_table(
        "account",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(200)),
        sa.Column("owner_rep_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.UniqueConstraint("domain", name="uq_account_domain"),
        schema=SCHEMA,
    )
    op.create_index("ix_account_name_key", "account", ["name_key"], schema=SCHEMA)
    op.create_table(
        "rule_set",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", JSONB(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("version", name="pk_rule_set"),
        schema=SCHEMA,
    )
    for column in (
        sa.Column("status", sa.String(20), nullable=False, server_default="open"),
        sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("breaches", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rule_version", sa.Integer()),
        sa.Column("candidates", JSONB(), nullable=False, server_default="[]"),
        sa.Column("contact_key", sa.String(64)),
        sa.Column("campaign_id", sa.String(100)),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("decline_reason", sa.String(500)),
        sa.Column("event", JSONB(), comment="the scored lead, to route it again after a breach"),
    ):
        op.add_column("assignment", column, schema=SCHEMA)
    # Capacity counts the leads a rep holds on every decision: only open ones are indexed.
    op.create_index(
        "ix_assignment_held_rep_id",
        "assignment",
        ["rep_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('open', 'accepted', 'escalated')"),
    )
    op.create_index("ix_assignment_contact_key", "assignment", ["contact_key"], schema=SCHEMA)
    op.create_table(
        "assignment_attempt",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.String(64)),
        sa.Column("queue", sa.String(100)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("candidates", JSONB(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ending", sa.String(20)),
        sa.PrimaryKeyConstraint("id", name="pk_assignment_attempt"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_assignment_attempt_assignment_id",
        "assignment_attempt",
        ["assignment_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "sla_timer",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name="pk_sla_timer"),
        schema=SCHEMA,
    )
    op.create_index("ix_sla_timer_due_at", "sla_timer", ["due_at"], schema=SCHEMA)
    op.create_table(
        "org_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_org_revision"),
        schema=SCHEMA,
    )
    op.execute(f"INSERT INTO {SCHEMA}.org_revision (id, revision) VALUES (1, 0)")
    op.create_table(
        "campaign",
        sa.Column("campaign_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("offer", sa.String(500)),
        sa.Column("channel", sa.String(100)),
        sa.Column("starts_on", sa.Date()),
        sa.Column("ends_on", sa.Date()),
        sa.Column("expected_leads", sa.Integer()),
        sa.Column("briefed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaign"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "campaign",
        "org_revision",
        "sla_timer",
        "assignment_attempt",
        "rule_set",
        "account",
        "team",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.drop_index("ix_assignment_contact_key", "assignment", schema=SCHEMA)
    op.drop_index("ix_assignment_held_rep_id", "assignment", schema=SCHEMA)
    for name in (
        "status",
        "attempt",
        "breaches",
        "rule_version",
        "candidates",
        "contact_key",
        "campaign_id",
        "accepted_at",
        "closed_at",
        "decline_reason",
        "event",
    ):
        op.drop_column("assignment", name, schema=SCHEMA)
    for name in ("role", "config", "rotation_pass", "updated_at"):
        op.drop_column("rep", name, schema=SCHEMA)
