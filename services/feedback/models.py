"""Feedback's tables, in the ``feedback`` schema."""

from sqlalchemy import Column, DateTime, Numeric, String, Table, func

from shared.tables import service_tables

tables = service_tables("feedback")
metadata = tables.metadata

routed_lead = Table(
    "routed_lead",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("campaign_id", String(100), index=True),
    Column("channel", String(100)),
    Column("source", String(100)),
    Column("team", String(64), nullable=False),
    Column("rep_id", String(64)),
    Column("priority", String(10), nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("routed_at", DateTime(timezone=True), nullable=False),
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
)
