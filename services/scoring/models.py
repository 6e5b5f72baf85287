"""Scoring's tables, in the ``scoring`` schema."""

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, SmallInteger, String, Table
from sqlalchemy.dialects.postgresql import JSONB

from shared.erasure import define_erased_lead_table
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
    Column("rules_score", Integer),
    Column("learned_probability", Float),
    Column("touches", Integer, nullable=False, server_default="1"),
    Column("last_touch_at", DateTime(timezone=True)),
)

# The lead as captured (and as last touched): what the model trains on once its outcome
# arrives, kept as the raw lead so that a new configuration can derive new features from it.
lead_profile = Table(
    "lead_profile",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("lead", JSONB, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("touches", Integer, nullable=False),
    Column("last_touch_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The verdict sales gave on a lead: label 1 (qualified, won), 0 (lost, disqualified) or
# NULL (spam or duplicate: says nothing about what a good lead looks like).
lead_outcome = Table(
    "lead_outcome",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("outcome_id", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", String(200)),
    Column("label", SmallInteger),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

rule_set = Table(
    "rule_set",
    metadata,
    Column("version", String(64), primary_key=True),
    Column("digest", String(12), nullable=False),
    Column("body", JSONB, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("activated_at", DateTime(timezone=True)),
)

scoring_model = Table(
    "scoring_model",
    metadata,
    Column("version", String(100), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("config_version", String(100), nullable=False),
    Column("intercept", Float, nullable=False),
    Column("weights", JSONB, nullable=False),
    Column("outcomes_learned", Integer, nullable=False),
    Column("holdout_size", Integer, nullable=False),
    Column("auc", Float),
    Column("rules_auc", Float),
    Column("calibration", JSONB, nullable=False),
    Column("examples", Integer, nullable=False),
    Column("data_through", DateTime(timezone=True), nullable=False),
)

erased_lead = define_erased_lead_table(metadata)
