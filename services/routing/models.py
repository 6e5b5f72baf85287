"""Routing's tables, in the ``routing`` schema."""

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.erasure import define_erased_lead_table
from shared.tables import service_tables

tables = service_tables("routing")
metadata = tables.metadata

team = Table(
    "team",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("config", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# ``rotation_pass`` is the rep's stride-scheduling pass; the API never writes it.
rep = Table(
    "rep",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("team", String(64), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("role", String(10), nullable=False, server_default="rep"),
    Column("config", JSONB),
    Column("rotation_pass", BigInteger),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# ``position`` is the team's virtual time: the pass of the last rep picked.
team_cursor = Table(
    "team_cursor",
    metadata,
    Column("team", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

account = Table(
    "account",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False, index=True),
    Column("domain", String(200), unique=True),
    Column("owner_rep_id", String(64), nullable=False),
)

rule_set = Table(
    "rule_set",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("body", JSONB, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

assignment = Table(
    "assignment",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("lead_id", String(64), nullable=False, unique=True),
    Column("team", String(64), nullable=False),
    Column("rep_id", String(64)),
    Column("queue", String(100)),
    Column("rule", String(100), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("score", Integer, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
    Column("sla_due_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False, server_default="open"),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("breaches", Integer, nullable=False, server_default="0"),
    Column("rule_version", Integer),
    Column("candidates", JSONB, nullable=False, server_default="[]"),
    Column("contact_key", String(64), index=True),
    Column("campaign_id", String(100)),
    Column("accepted_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("decline_reason", String(500)),
    Column("event", JSONB, comment="the scored lead, to route it again after a breach"),
    # Capacity counts the leads a rep holds on every decision: only open ones are indexed.
    Index(
        "ix_assignment_held_rep_id",
        "rep_id",
        postgresql_where=text("status IN ('open', 'accepted', 'escalated')"),
    ),
)

assignment_attempt = Table(
    "assignment_attempt",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("assignment_id", Uuid, nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("rep_id", String(64)),
    Column("queue", String(100)),
    Column("kind", String(20), nullable=False),
    Column("rule", String(100), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("candidates", JSONB, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("ending", String(20)),
)

sla_timer = Table(
    "sla_timer",
    metadata,
    Column("assignment_id", Uuid, primary_key=True),
    Column("lead_id", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Index("ix_sla_timer_due_at", "due_at"),
)

# One row; every org change bumps it, so instances know when their parsed copy is stale.
org_revision = Table(
    "org_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", BigInteger, nullable=False),
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
    Column("briefed_at", DateTime(timezone=True), nullable=False),
)

erased_lead = define_erased_lead_table(metadata)

# A CRM's subscription to routing's events by signed HTTP POST. The secret signs every call,
# so it is kept (only ever shown once, at creation); while rotating, the previous secret
# signs too until ``previous_secret_until``.
webhook_subscription = Table(
    "webhook_subscription",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", ARRAY(String(100)), nullable=False),
    Column("description", String(200)),
    Column("secret", String(200), nullable=False),
    Column("previous_secret", String(200)),
    Column("previous_secret_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One event to one subscription: claimed by any instance, retried with backoff, then failed.
webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("subscription_id", String(32), nullable=False, index=True),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("lead_id", String(64), index=True),
    Column("payload", LargeBinary, nullable=False),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    Index(
        "ix_webhook_delivery_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
    ),
)
