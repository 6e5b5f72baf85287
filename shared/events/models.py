"""Payloads of every Handoff event, one frozen model per versioned type.

A released model is never edited except to add an optional field; anything else is a new
class with the next version (``LeadScoredV2``), published beside the old one until every
consumer has moved. Unknown fields are ignored so that such additions never break consumers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.events import topics
from shared.events.envelope import EventData, register

JsonScalar = str | int | float | bool | None


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Contact(_Part):
    """Who the lead is; ``email`` is lower-cased by intake."""

    email: str = Field(max_length=254)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    job_title: str | None = Field(default=None, max_length=150)


class Company(_Part):
    """The lead's organisation; ``country`` is an ISO 3166-1 alpha-2 code."""

    name: str | None = Field(default=None, max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    size: int | None = Field(default=None, ge=0, le=10_000_000, description="employees")
    industry: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, max_length=100)


class Interest(_Part):
    """What the lead asked about and through which kind of form."""

    product: str | None = Field(default=None, max_length=100)
    form_type: str | None = Field(default=None, max_length=50)
    message: str | None = Field(default=None, max_length=5000)


class Attribution(_Part):
    """Where the lead came from, so marketing can be credited per campaign, channel and source."""

    channel: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    campaign_id: str | None = Field(default=None, max_length=100)
    utm_source: str | None = Field(default=None, max_length=200)
    utm_medium: str | None = Field(default=None, max_length=200)
    utm_campaign: str | None = Field(default=None, max_length=200)
    utm_term: str | None = Field(default=None, max_length=200)
    utm_content: str | None = Field(default=None, max_length=200)
    landing_page: str | None = Field(default=None, max_length=2000)
    referrer: str | None = Field(default=None, max_length=2000)


class Behaviour(_Part):
    """What the lead did on the company's sites before submitting."""

    visits: int | None = Field(default=None, ge=0, le=1_000_000)
    pages_viewed: float | None = Field(default=None, ge=0, le=1_000_000)
    time_on_site_seconds: int | None = Field(default=None, ge=0, le=100_000_000)
    last_activity_at: datetime | None = None


class Consent(_Part):
    """What the lead agreed to; routing to sales needs no consent, marketing e-mail does."""

    marketing_email: bool = False
    phone_contact: bool = False


class Lead(_Part):
    """The lead as captured, carried along the pipeline so no service must call another."""

    contact: Contact
    company: Company = Company()
    interest: Interest = Interest()
    attribution: Attribution = Attribution()
    behaviour: Behaviour = Behaviour()
    consent: Consent = Consent()
    extra: dict[str, JsonScalar] = Field(default_factory=dict, max_length=50)


class Priority(StrEnum):
    """How fast sales must act: each priority has its own acceptance SLA."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class Reason(_Part):
    """One factor behind a score, in words a sales rep understands."""

    factor: str
    points: float


class Scope(StrEnum):
    """What an API key may do; ``admin`` may do everything."""

    INGEST = "ingest"
    SALES = "sales"
    MARKETING = "marketing"
    ADMIN = "admin"


class OutcomeStatus(StrEnum):
    """What sales reports about a lead, in the order a lead normally moves."""

    ACCEPTED = "accepted"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    WON = "won"
    LOST = "lost"


@register
class LeadCapturedV1(EventData):
    """Intake accepted and stored a lead."""

    event_type = "lead.captured.v1"
    topic = topics.LEADS_CAPTURED

    lead_id: str
    captured_at: datetime
    lead: Lead
    form_id: str | None = None


@register
class LeadScoredV1(EventData):
    """Scoring graded a lead; names the rules and model versions that did it."""

    event_type = "lead.scored.v1"
    topic = topics.LEADS_SCORED

    lead_id: str
    captured_at: datetime
    scored_at: datetime
    score: int = Field(ge=0, le=100)
    fit: int = Field(ge=0, le=100)
    intent: int = Field(ge=0, le=100)
    grade: str
    priority: Priority
    reasons: tuple[Reason, ...]
    config_version: str
    model_version: str
    lead: Lead


@register
class LeadRoutedV1(EventData):
    """Routing assigned a lead to a rep (or a team queue) and says why."""

    event_type = "lead.routed.v1"
    topic = topics.LEADS_ROUTED

    lead_id: str
    assignment_id: str
    captured_at: datetime
    routed_at: datetime
    team: str
    rep_id: str | None
    rep_name: str | None = None
    queue: str | None = None
    rule: str
    reason: str
    priority: Priority
    score: int
    sla_due_at: datetime | None = None
    attempt: int = 1
    campaign_id: str | None = None
    channel: str | None = None
    source: str | None = None
    status: str | None = Field(
        default=None, description="open, queued, nurture or escalated; absent means open"
    )
    rule_version: int | None = None
    lead: Lead | None = Field(default=None, description="the lead as captured, for the rep")
    grade: str | None = None
    reasons: tuple[Reason, ...] = ()
    campaign_name: str | None = None
    campaign_offer: str | None = None


@register
class LeadSlaBreachedV1(EventData):
    """A rep did not accept a lead within its priority's SLA."""

    event_type = "lead.sla_breached.v1"
    topic = topics.LEADS_SLA

    lead_id: str
    assignment_id: str
    team: str
    rep_id: str | None
    due_at: datetime
    breached_at: datetime
    attempt: int


@register
class LeadReassignedV1(EventData):
    """After a breach the lead moved to another rep."""

    event_type = "lead.reassigned.v1"
    topic = topics.LEADS_SLA

    lead_id: str
    team: str
    from_rep_id: str | None
    to_rep_id: str | None
    reason: str
    attempt: int


@register
class LeadEscalatedV1(EventData):
    """Repeated breaches sent the lead to the team's manager."""

    event_type = "lead.escalated.v1"
    topic = topics.LEADS_SLA

    lead_id: str
    team: str
    manager_id: str | None
    breaches: int


@register
class SalesOutcomeRecordedV1(EventData):
    """Sales reported what happened to a lead; ``outcome_id`` makes repeats count once."""

    event_type = "sales.outcome_recorded.v1"
    topic = topics.SALES_OUTCOMES

    outcome_id: str
    lead_id: str
    status: OutcomeStatus
    occurred_at: datetime
    rep_id: str | None = None
    reason: str | None = None
    amount: Decimal | None = Field(default=None, ge=0)
    currency: str | None = None
    note: str | None = None
    # Added later (optional): the lead was closed and this outcome re-opens it on purpose.
    reopens: bool = False


@register
class CampaignBriefedV1(EventData):
    """Marketing and sales agreed on an activity: its offer, dates and expected volume."""

    event_type = "campaign.briefed.v1"
    topic = topics.MARKETING_CAMPAIGNS

    campaign_id: str
    name: str
    offer: str | None = None
    channel: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    expected_leads: int | None = Field(default=None, ge=0)
    budget: Decimal | None = Field(default=None, ge=0)
    currency: str | None = None


@register
class LeadQualityUpdatedV1(EventData):
    """A campaign's lead-quality figures changed; the envelope subject is the campaign id."""

    event_type = "lead_quality.updated.v1"
    topic = topics.MARKETING_LEAD_QUALITY

    campaign_id: str
    period_start: date | None = None
    period_end: date | None = None
    leads: int
    qualified: int
    customers: int
    conversion_rate_pct: float | None
    spend: Decimal | None = None
    revenue: Decimal | None = None
    cost_per_qualified_lead: Decimal | None = None
    cac: Decimal | None = None
    roi_pct: float | None = None
    computed_at: datetime
    # Added later (optional): the rest of the DESIGN KPIs and the follow-up separation.
    currency: str | None = None
    contacted: int | None = None
    speed_to_lead_p50_seconds: float | None = None
    speed_to_lead_p90_seconds: float | None = None
    sla_compliance_pct: float | None = None
    campaign_to_close_p50_seconds: float | None = None
    feedback_coverage_pct: float | None = None
    disqualification_reasons: dict[str, int] | None = None
    lost_after_sla_breach: int | None = None
    never_contacted: int | None = None
    worked_conversion_rate_pct: float | None = None


@register
class LeadErasedV1(EventData):
    """A lead asked to be forgotten: every service removes or anonymises its personal data."""

    event_type = "lead.erased.v1"
    topic = topics.LEADS_ERASED

    lead_id: str
    erased_at: datetime
    requested_by: str | None = None


@register
class LeadTouchedV1(EventData):
    """A known lead submitted again within the duplicate window: a new touch, not a new lead."""

    event_type = "lead.touched.v1"
    topic = topics.LEADS_CAPTURED

    lead_id: str
    touched_at: datetime
    touches: int = Field(ge=2)
    lead: Lead
    form_id: str | None = None


@register
class CampaignCapacityWarnedV1(EventData):
    """A campaign's expected hot leads exceed what its sales team can accept within the SLA."""

    event_type = "campaign.capacity_warned.v1"
    topic = topics.MARKETING_CAMPAIGNS

    campaign_id: str
    team: str
    expected_hot_leads: int
    capacity: int
    message: str


@register
class ApiKeyIssuedV1(EventData):
    """An API key was created; services store only its hash. Subject: the key id."""

    event_type = "api_key.issued.v1"
    topic = topics.AUTH_API_KEYS

    key_id: str
    name: str
    scopes: tuple[Scope, ...]
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    issued_at: datetime


@register
class ApiKeyRevokedV1(EventData):
    """An API key stops working everywhere. Subject: the key id."""

    event_type = "api_key.revoked.v1"
    topic = topics.AUTH_API_KEYS

    key_id: str
    revoked_at: datetime


def example_lead(**overrides: Any) -> Lead:
    """A realistic lead for examples and tests."""
    base: dict[str, Any] = {
        "contact": {"email": "ada@example.com", "first_name": "Ada", "job_title": "CTO"},
        "company": {"name": "Example", "domain": "example.com", "size": 120, "country": "GB"},
        "interest": {"product": "GTX Pro", "form_type": "demo_request"},
        "attribution": {"channel": "paid_search", "source": "google", "campaign_id": "spring"},
    }
    base.update(overrides)
    return Lead.model_validate(base)
