"""Intake's HTTP bodies (the event models live in ``shared.events``)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.events.models import Attribution, Behaviour, Company, Consent, Interest, JsonScalar

_EMAIL = re.compile(r"^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254, examples=["ada@example.com"])
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    job_title: str | None = Field(default=None, max_length=150)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.lower()
        if not _EMAIL.match(value):
            raise ValueError("not a valid e-mail address")
        return value


class CompanyIn(Company):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError("use an ISO 3166-1 alpha-2 code such as GB")
        return value.upper()


class LeadIn(BaseModel):
    """A lead as a server submits it; ``contact.email`` is the only required field."""

    model_config = ConfigDict(extra="forbid")

    contact: ContactIn
    company: CompanyIn = CompanyIn()
    interest: Interest = Interest()
    attribution: Attribution = Attribution()
    behaviour: Behaviour = Behaviour()
    consent: Consent = Consent()
    extra: dict[str, JsonScalar] = Field(default_factory=dict, max_length=50)


class LeadAccepted(BaseModel):
    """Intake's answer: the lead is stored and will be published."""

    lead_id: uuid.UUID
    captured_at: datetime
    status: str = "accepted"
