"""Feedback's tables, in the ``feedback`` schema."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from shared.tables import service_tables

tables = service_tables("feedback")
metadata = tables.metadata

# The latest routing of each lead; ``first_*`` keep the first assignment, whose SLA counts.
routed_lead = Table(
    "routed_lead",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("campaign_id", String(100), index=True),
    Column("channel", String(100)),
    Column("source", String(100)),
    Column("team", String(64), nullable=False),
    Column("rep_id", String(64)),
    Column("rep_name", String(200)),
    Column("priority", String(10), nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False, index=True),
    Column("routed_at", DateTime(timezone=True), nullable=False),
    Column("sla_due_at", DateTime(timezone=True)),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("first_routed_at", DateTime(timezone=True)),
    Column("first_sla_due_at", DateTime(timezone=True)),
)

outcome = Table(
    "outcome",
    metadata,
    Column("outcome_id", String(100), primary_key=True),
    Column("lead_id", String(64), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("reason", String(200)),
    Column("amount", Numeric(14, 2)),
    Column("currency", String(3)),
    Column("rep_id", String(64)),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("reopens", Boolean, nullable=False, server_default="false"),
)

lead_sla = Table(
    "lead_sla",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("breaches", Integer, nullable=False, server_default="0"),
    Column("first_breached_at", DateTime(timezone=True)),
    Column("reassignments", Integer, nullable=False, server_default="0"),
    Column("escalations", Integer, nullable=False, server_default="0"),
)

campaign = Table(
    "campaign",
    metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("offer", String(500)),
    Column("channel", String(100)),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("expected_leads", Integer),
    Column("budget", Numeric(14, 2)),
    Column("currency", String(3)),
    Column("briefed_at", DateTime(timezone=True), nullable=False),
)

campaign_spend = Table(
    "campaign_spend",
    metadata,
    Column("spend_id", BigInteger, primary_key=True, autoincrement=True),
    Column("campaign_id", String(100), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("campaign_id", "kind", "period_start", "period_end"),
)

# Campaigns whose figures may have changed since ``marketing.lead_quality`` last told.
campaign_dirty = Table(
    "campaign_dirty",
    metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("dirty_since", DateTime(timezone=True), nullable=False),
)

campaign_published = Table(
    "campaign_published",
    metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
)

# A CRM allowed to post outcomes to the signed webhook endpoint, with its signing secret
# (kept: verifying needs it); the previous secret verifies too until ``previous_secret_until``.
webhook_source = Table(
    "webhook_source",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("description", String(200)),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200)),
    Column("previous_secret_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Signatures of accepted webhook calls, kept for the tolerance window: a replay is refused.
webhook_seen = Table(
    "webhook_seen",
    metadata,
    Column("source_id", String(64), primary_key=True),
    Column("signature", String(64), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
