"""Routing's tables, in the ``routing`` schema."""

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, String, Table, Uuid

from shared.tables import service_tables

tables = service_tables("routing")
metadata = tables.metadata

rep = Table(
    "rep",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("team", String(64), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("weight", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
)

team_cursor = Table(
    "team_cursor",
    metadata,
    Column("team", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
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
)
