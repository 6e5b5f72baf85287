"""Routing's settings (env prefix ``ROUTING_``)."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore", frozen=True)

    service_name: str = "routing"
    port: int = 8003
    org_file: Path = Field(
        default=Path(__file__).parent / "org.json",
        description="seeds an empty database with teams, reps and rules",
    )
    sla_poll_seconds: float = Field(default=0.2, gt=0, le=5)
    sla_enabled: bool = True
    sla_workers: int = Field(default=4, ge=1, le=32, description="timers handled at once")
    default_hot_share: float = Field(
        default=0.3, ge=0, le=1, description="hot share assumed before 50 leads of history"
    )
    webhooks_enabled: bool = True
    webhook_max_attempts: int = Field(default=8, ge=1, le=50, description="then failed")
    webhook_backoff_seconds: float = Field(default=5.0, gt=0, le=3600)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_poll_seconds: float = Field(default=0.5, gt=0, le=60)
