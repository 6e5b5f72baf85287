"""The tables every service's schema has besides its own: outbox, processed events, API keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData, Table

from shared.auth import define_api_key_table
from shared.db import service_metadata
from shared.kafka.runner import define_processed_table
from shared.outbox import define_outbox_table


@dataclass(frozen=True)
class ServiceTables:
    """A service's MetaData (its own schema) with the runtime's two tables already in it."""

    metadata: MetaData
    outbox: Table
    processed: Table
    api_keys: Table


def service_tables(schema: str) -> ServiceTables:
    """Start a service's ``models.py``: add its own tables to the returned ``metadata``."""
    metadata = service_metadata(schema)
    return ServiceTables(
        metadata,
        define_outbox_table(metadata),
        define_processed_table(metadata),
        define_api_key_table(metadata),
    )
