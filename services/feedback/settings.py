"""Feedback's settings (env prefix ``FEEDBACK_``)."""

from decimal import Decimal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore", frozen=True)

    service_name: str = "feedback"
    port: int = 8004
    # Money KPIs are reported in one currency; others convert at these fixed rates
    # (reporting units per foreign unit, e.g. FEEDBACK_EXCHANGE_RATES='{"EUR": "1.08"}').
    reporting_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    exchange_rates: dict[str, Decimal] = Field(default_factory=dict)
    # A routed lead without any outcome after this long is a feedback nudge for its rep.
    nudge_after_hours: float = Field(default=24.0, gt=0, le=24 * 90)
    # A campaign's lead-quality event waits this long after its first change, so a burst
    # of outcomes becomes one event.
    quality_debounce_seconds: float = Field(default=10.0, ge=0, le=3600)
    quality_poll_seconds: float = Field(default=2.0, gt=0, le=600)
    gauges_refresh_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_batch: int = Field(default=500, ge=1, le=5000)
    # Signed outcome webhooks: secrets per source id from the environment
    # (FEEDBACK_WEBHOOK_SECRETS='{"acme-crm": "whsec_..."}'), beside those made by the admin API.
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)

    @field_validator("exchange_rates")
    @classmethod
    def _positive_rates(cls, rates: dict[str, Decimal]) -> dict[str, Decimal]:
        for currency, rate in rates.items():
            if len(currency) != 3 or not currency.isupper() or rate <= 0:
                raise ValueError(f"bad exchange rate {currency}={rate}")
        return rates
