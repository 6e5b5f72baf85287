"""Scoring's tables, in the ``scoring`` schema."""

from sqlalchemy import Column, DateTime, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from shared.db import service_metadata
from shared.kafka.runner import define_processed_table
from shared.outbox import define_outbox_table

metadata = service_metadata("scoring")
outbox_message = define_outbox_table(metadata)
processed_event = define_processed_table(metadata)

lead_score = Table(
    "lead_score",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("fit", Integer, nullable=False),
    Column("intent", Integer, nullable=False),
    Column("grade", String(2), nullable=False),
    Column("priority", String(10), nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("config_version", String(100), nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
)
