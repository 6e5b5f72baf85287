"""Alembic, per service: each service migrates its own schema and keeps its own version table."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Any constant works; it serialises migrations of instances starting at the same time.
_LOCK_KEY = 0x68616E646F6666


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic config for one service's ``migrations/`` folder, no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = database_url
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """Bring a service's schema to ``revision`` (blocking: call it in a thread from async code)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    schema = metadata.schema
    assert schema is not None, "service metadata must name its schema"
    url = context.config.attributes.get("database_url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if url is None:
        raise RuntimeError("no database URL: set DATABASE_URL or sqlalchemy.url")

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=False,
        )
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported")
    asyncio.run(run())


def create_runtime_tables_v1(schema: str) -> None:
    """Create the outbox and processed-event tables in a service's first migration.

    Frozen as version 1: a later change to these tables is a new function and a new migration.
    """
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "headers",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_message"),
        sa.UniqueConstraint("event_id", name="uq_outbox_message_event_id"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_message_unsent",
        "outbox_message",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "processed_event",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_processed_event"),
        schema=schema,
    )


def create_api_key_table_v1(schema: str) -> None:
    """Create the API-key table (hashes only) in a service's schema; frozen as version 1."""
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.create_table(
        "api_key",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(20)), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_key"),
        sa.UniqueConstraint("key_hash", name="uq_api_key_key_hash"),
        schema=schema,
    )


def create_erased_lead_table_v1(schema: str) -> None:
    """Create the erased-lead record (ids and times only) in a service's schema; version 1."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "erased_lead",
        sa.Column("lead_id", sa.String(64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_erased_lead"),
        schema=schema,
    )
