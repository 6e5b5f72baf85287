"""Feedback's HTTP bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events import OutcomeStatus


class OutcomeIn(BaseModel):
    """What a sales tool reports; resend with the same ``outcome_id`` and it counts once.

    ``reopens`` re-opens a lead that was disqualified, won or lost; without it nothing may
    follow a closing outcome.
    """

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
    occurred_at: datetime | None = Field(default=None, description="when it happened (UTC)")
    rep_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, min_length=1, max_length=200)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    note: str | None = Field(default=None, max_length=2000)
    reopens: bool = False

    @model_validator(mode="after")
    def _aware(self) -> OutcomeIn:
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (e.g. 2025-03-01T10:00:00Z)")
        return self


class OutcomeAccepted(BaseModel):
    outcome_id: str
    status: Literal["accepted", "duplicate"]


class OutcomesAccepted(BaseModel):
    outcomes: list[OutcomeAccepted]


class SpendKind(StrEnum):
    MARKETING = "marketing"
    SALES = "sales"


class SpendIn(BaseModel):
    """Money spent on a campaign over a period (inclusive days); resending a period replaces it.

    ``marketing`` spend is the campaign's cost per qualified lead; CAC and ROI count
    ``marketing`` and ``sales`` cost together.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": "10000.00",
                    "currency": "USD",
                    "period_start": "2025-03-01",
                    "period_end": "2025-03-31",
                }
            ]
        },
    )

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period_start: date
    period_end: date
    kind: SpendKind = SpendKind.MARKETING


class SpendRead(BaseModel):
    campaign_id: str
    kind: SpendKind
    period_start: date
    period_end: date
    amount: Decimal
    currency: str
    status: Literal["recorded", "replaced"]


class KpiRow(BaseModel):
    """One group's figures; every ratio is null when its denominator is zero."""

    key: str | None = Field(description="campaign id, channel, source or day; null: none")
    name: str | None
    leads: int
    contacted: int
    qualified: int
    customers: int
    conversion_rate_pct: float | None
    spend: Decimal
    sales_cost: Decimal
    revenue: Decimal
    cost_per_qualified_lead: Decimal | None
    cac: Decimal | None
    roi_pct: float | None
    speed_to_lead_p50_seconds: float | None
    speed_to_lead_p90_seconds: float | None
    hot_leads_routed: int
    hot_leads_accepted_within_sla: int
    sla_compliance_pct: float | None
    sla_breached_leads: int
    campaign_to_close_p50_seconds: float | None
    campaign_to_close_p90_seconds: float | None
    leads_with_outcome: int
    feedback_coverage_pct: float | None
    disqualification_reasons: dict[str, int]
    lost_after_sla_breach: int = Field(description="closed without a sale after an SLA breach")
    never_contacted: int = Field(description="routed past the nudge delay, never reached")
    worked_leads: int = Field(description="leads minus those lost to follow-up")
    worked_conversion_rate_pct: float | None


class KpisRead(BaseModel):
    group_by: str
    start: date | None = Field(description="first capture day counted (UTC)")
    end: date | None = Field(description="last capture day counted (UTC)")
    currency: str
    groups: list[KpiRow]
    totals: KpiRow


class WaitingLeadRead(BaseModel):
    lead_id: str
    campaign_id: str | None
    priority: str
    routed_at: datetime
    waiting_hours: float


class RepNudgeRead(BaseModel):
    rep_id: str | None = Field(description="null: the lead waits in a team queue")
    rep_name: str | None
    team: str
    waiting: int
    leads: list[WaitingLeadRead]


class NudgesRead(BaseModel):
    older_than_hours: float
    total: int
    truncated: bool
    reps: list[RepNudgeRead]


class RoutedLeadRead(BaseModel):
    """The lead's latest hand-over as feedback recorded it from ``lead.routed.v1``."""

    team: str
    rep_id: str | None
    rep_name: str | None
    priority: str
    campaign_id: str | None
    captured_at: datetime
    routed_at: datetime
    first_routed_at: datetime | None
    sla_due_at: datetime | None
    attempt: int


class LeadSlaRead(BaseModel):
    """The lead's SLA record from ``leads.sla``."""

    breaches: int
    first_breached_at: datetime | None
    reassignments: int
    escalations: int


class OutcomeRead(BaseModel):
    outcome_id: str
    status: OutcomeStatus
    reason: str | None
    amount: Decimal | None
    currency: str | None
    rep_id: str | None
    occurred_at: datetime
    recorded_at: datetime
    reopens: bool


class LeadOutcomesRead(BaseModel):
    """Everything feedback knows of one lead, outcomes ordered by when they happened."""

    lead_id: str
    routed: RoutedLeadRead | None
    sla: LeadSlaRead | None
    outcomes: list[OutcomeRead]
