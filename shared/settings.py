"""Settings every service shares; each service subclasses it once in its ``settings.py``."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Read from environment variables; the defaults reach the local stack of ``make up``.

    ``DATABASE_URL`` and ``KAFKA_BOOTSTRAP_SERVERS`` are shared by all services; everything
    else is prefixed with the service name (``ROUTING_PORT``) by the subclass' ``env_prefix``.
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "handoff"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = Field(
        default="postgresql+asyncpg://handoff@127.0.0.1:5433/handoff",
        validation_alias=AliasChoices("DATABASE_URL"),
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
    )
    bootstrap_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("HANDOFF_BOOTSTRAP_API_KEY")
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("HANDOFF_LOG_LEVEL"))
    max_body_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)
    run_migrations: bool = True
    consumer_enabled: bool = True
    consumer_max_retries: int = Field(default=3, ge=0, le=20)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0, le=60)
    outbox_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)

    @field_validator("bootstrap_api_key")
    @classmethod
    def _strong_bootstrap_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 24:
            raise ValueError("HANDOFF_BOOTSTRAP_API_KEY must be at least 24 random characters")
        return value

    @property
    def db_schema(self) -> str:
        """Each service owns one PostgreSQL schema named after it."""
        return self.service_name

    @property
    def event_source(self) -> str:
        """The CloudEvents ``source`` of everything this service publishes."""
        return f"/handoff/{self.service_name}"

    @property
    def consumer_group(self) -> str:
        """Instances of one service share a consumer group, so they split the partitions."""
        return f"handoff-{self.service_name}"
