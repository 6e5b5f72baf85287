"""Feedback's HTTP bodies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events import OutcomeStatus


class OutcomeIn(BaseModel):
    """What a sales tool reports; resend with the same ``outcome_id`` and it counts once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"lead_id": "7d0c...", "status": "won", "amount": "12000.00", "currency": "USD"}
            ]
        },
    )

    outcome_id: str | None = Field(default=None, min_length=1, max_length=100)
    lead_id: str = Field(min_length=1, max_length=64)
    status: OutcomeStatus
    occurred_at: datetime | None = None
    rep_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _amount_only_when_won(self) -> OutcomeIn:
        if self.amount is not None and self.status is not OutcomeStatus.WON:
            raise ValueError("amount is only reported with status 'won'")
        if self.amount is not None and self.currency is None:
            raise ValueError("currency is required with an amount")
        return self


class OutcomeAccepted(BaseModel):
    outcome_id: str
    status: str


class CampaignKpisRead(BaseModel):
    campaign_id: str | None
    leads: int
    qualified: int
    customers: int
    conversion_rate_pct: float | None


class KpisRead(BaseModel):
    campaigns: list[CampaignKpisRead]
