"""Intake's tables, in the ``intake`` schema."""

from sqlalchemy import Column, DateTime, String, Table, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

from shared.tables import service_tables

tables = service_tables("intake")
metadata = tables.metadata

lead = Table(
    "lead",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("campaign_id", String(100)),
    Column("data", JSONB, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
