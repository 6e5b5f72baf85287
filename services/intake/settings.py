"""Intake's settings (env prefix ``INTAKE_``)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", frozen=True)

    service_name: str = "intake"
    port: int = 8001
    duplicate_window_days: float = Field(default=30.0, ge=0, le=3650)
    idempotency_ttl_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    rate_limit_per_ip_per_minute: int = Field(default=10, ge=1)
    rate_limit_per_form_per_minute: int = Field(default=600, ge=1)
    form_token_max_age_hours: float = Field(default=24.0, gt=0)
    form_secret: SecretStr | None = Field(
        default=None, description="signs form tokens; made once and kept in the database if unset"
    )
