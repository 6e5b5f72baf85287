"""Routing's HTTP bodies (events live in ``shared.events``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from services.routing.org import Absence, OrgConfig, WorkingHours
from services.routing.rules import RuleSet
from shared.events import Lead, Priority


class CandidateRead(BaseModel):
    rep_id: str
    skipped: str | None = Field(description="why the rep did not get the lead; null: eligible")


class AttemptRead(BaseModel):
    attempt: int
    kind: str
    rep_id: str | None
    queue: str | None
    rule: str
    reason: str
    candidates: list[CandidateRead]
    assigned_at: datetime
    due_at: datetime | None
    ended_at: datetime | None
    ending: str | None


class AssignmentRead(BaseModel):
    """Who has a lead now, why, and every earlier hand-over."""

    id: uuid.UUID
    lead_id: str
    team: str
    rep_id: str | None
    queue: str | None
    status: str
    rule: str
    rule_version: int | None
    reason: str
    candidates: list[CandidateRead]
    priority: Priority
    score: int
    attempt: int
    breaches: int
    captured_at: datetime
    routed_at: datetime
    sla_due_at: datetime | None
    accepted_at: datetime | None
    decline_reason: str | None
    history: list[AttemptRead] = []


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rep_id: str | None = Field(default=None, description="who accepts; checked when given")


class DeclineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rep_id: str | None = None
    reason: str = Field(min_length=3, max_length=500)


class FairnessRow(BaseModel):
    rep_id: str
    name: str
    weight: int
    active: bool
    assigned: int
    expected_share: float = Field(description="weight over the active reps' weights")
    actual_share: float = Field(description="share of the team's round-robin assignments")
    open_leads: int
    breaches: int


class FairnessRead(BaseModel):
    team: str
    since: datetime | None
    assigned: int
    reps: list[FairnessRow]


class SimulatedLead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead_id: str | None = None
    lead: Lead
    priority: Priority
    score: int = Field(default=50, ge=0, le=100)
    grade: str = "B"


class SimulateBody(BaseModel):
    """Leads to route against a draft rule set and/or draft org; nothing is assigned."""

    model_config = ConfigDict(extra="forbid")

    leads: list[SimulatedLead] = Field(min_length=1, max_length=1000)
    rules: RuleSet | None = Field(default=None, description="absent: the current rule set")
    org: OrgConfig | None = Field(default=None, description="absent: the stored org")
    at: datetime | None = Field(default=None, description="pretend it is this time")


class SimulatedRoute(BaseModel):
    lead_id: str | None
    team: str
    rep_id: str | None
    queue: str | None
    status: str
    rule: str
    reason: str
    candidates: list[CandidateRead]


class SimulateRead(BaseModel):
    routes: list[SimulatedRoute]


class RuleSetRead(BaseModel):
    version: int
    created_by: str
    created_at: datetime
    rules: RuleSet


class RuleVersionRead(BaseModel):
    version: int
    created_by: str
    created_at: datetime


class RepPatch(BaseModel):
    """The rep settings to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    team: str | None = None
    weight: int | None = None
    capacity: int | None = None
    timezone: str | None = None
    working_hours: WorkingHours | None = None
    out_of_office: list[Absence] | None = None
    active: bool | None = None
    manager_id: str | None = None


class ImportRead(BaseModel):
    teams: int
    reps: int
    accounts: int


WebhookEventType = Literal[
    "lead.routed.v1", "lead.sla_breached.v1", "lead.reassigned.v1", "lead.escalated.v1"
]


class WebhookCreate(BaseModel):
    """A CRM endpoint and the events it wants; the signing secret is made by Handoff."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(examples=["https://crm.example.com/hooks/handoff"])
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=4)
    description: str | None = Field(default=None, max_length=200)


class WebhookRead(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime
    rotating_until: datetime | None = Field(
        default=None, description="the previous secret still signs calls until then"
    )


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Shown once: verify Handoff-Signature with it")


class DeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    lead_id: str | None
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
