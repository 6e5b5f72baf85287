"""Intake's tables, in the ``intake`` schema."""

from sqlalchemy import Column, DateTime, String, Table, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.kafka.runner import define_processed_table
from shared.outbox import define_outbox_table

metadata = service_metadata("intake")
outbox_message = define_outbox_table(metadata)
processed_event = define_processed_table(metadata)

lead = Table(
    "lead",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, index=True),
    Column("campaign_id", String(100)),
    Column("data", JSONB, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
