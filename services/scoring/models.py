"""Scoring's tables, in the ``scoring`` schema."""

from sqlalchemy import Column, DateTime, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from shared.tables import service_tables

tables = service_tables("scoring")
metadata = tables.metadata

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
