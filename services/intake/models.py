"""Intake's tables, in the ``intake`` schema."""

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Uuid,
    func,
)
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
    Column("form_id", String(64)),
    Column("source_key_id", String(32)),
    Column("data", JSONB, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_touched_at", DateTime(timezone=True), nullable=False),
    Column("touches", Integer, nullable=False, server_default="1"),
    Column("erased_at", DateTime(timezone=True)),
)

lead_touch = Table(
    "lead_touch",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("lead_id", Uuid, nullable=False, index=True),
    Column("form_id", String(64)),
    Column("data", JSONB, nullable=False),
    Column("touched_at", DateTime(timezone=True), nullable=False),
)

form = Table(
    "form",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("config", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

campaign = Table(
    "campaign",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("brief", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

idempotency_record = Table(
    "idempotency_record",
    metadata,
    Column("scope", String(100), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("scope", "key", name="pk_idempotency_record"),
)

rate_counter = Table(
    "rate_counter",
    metadata,
    Column("bucket", String(200), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("bucket", "window_start", name="pk_rate_counter"),
)

secret = Table(
    "secret",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)
