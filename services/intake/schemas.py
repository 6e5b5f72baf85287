"""Intake's HTTP bodies. Lead sections reuse the event models with unknown keys refused,
so a typo inside a known section is an error rather than a silently lost field."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from services.intake.fields import (
    custom_field_problems,
    normalise_country,
    normalise_email,
    plausible_phone,
)
from shared.events import Attribution, Behaviour, Company, Consent, Contact, Interest
from shared.events.models import JsonScalar

_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ContactIn(Contact):
    model_config = _STRICT

    email: str = Field(min_length=3, max_length=254, examples=["ada@example.com"])

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not plausible_phone(value):
            raise ValueError("not a phone number")
        return value


class CompanyIn(Company):
    model_config = _STRICT

    country: str | None = Field(
        default=None, max_length=100, description="ISO 3166 code or English name"
    )

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return normalise_country(value) if value else None


class InterestIn(Interest):
    model_config = _STRICT


class AttributionIn(Attribution):
    model_config = _STRICT


class BehaviourIn(Behaviour):
    model_config = _STRICT


class ConsentIn(Consent):
    model_config = _STRICT


class LeadIn(BaseModel):
    """A lead as a server submits it; ``contact.email`` is the only required field.

    Unknown top-level fields are kept in ``extra`` (custom form questions); fields Handoff
    owns (score, owner, status, ...) are refused.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "contact": {"email": "ada@acme.io", "first_name": "Ada", "job_title": "CTO"},
                    "company": {"name": "Acme", "size": 250, "country": "GB"},
                    "interest": {"product": "GTX Pro", "form_type": "demo_request"},
                    "attribution": {"channel": "paid_search", "campaign_id": "spring"},
                    "occupation": "Working Professional",
                }
            ]
        },
    )

    contact: ContactIn
    company: CompanyIn = CompanyIn()
    interest: InterestIn = InterestIn()
    attribution: AttributionIn = AttributionIn()
    behaviour: BehaviourIn = BehaviourIn()
    consent: ConsentIn = ConsentIn()
    extra: dict[str, JsonScalar] = Field(default_factory=dict, max_length=50)

    @model_validator(mode="wrap")
    @classmethod
    def _custom_fields(cls, data: Any, handler: ModelWrapValidatorHandler[LeadIn]) -> LeadIn:
        """Report refused top-level fields together with every other bad field."""
        problems = custom_field_problems(data) if isinstance(data, dict) else []
        try:
            lead = handler(data)
        except ValidationError as exc:
            if not problems:
                raise
            raise _combined(cls.__name__, exc.errors(), problems, data) from None
        if problems:
            raise _combined(cls.__name__, [], problems, data)
        return lead


def _combined(
    title: str, errors: list[Any], problems: list[tuple[str, str]], data: dict[str, Any]
) -> ValidationError:
    details: list[InitErrorDetails] = [
        {"type": e["type"], "loc": e["loc"], "input": e["input"], "ctx": e.get("ctx", {})}
        for e in errors
    ]
    details += [
        {
            "type": PydanticCustomError("refused_field", message),
            "loc": (name,),
            "input": data.get(name),
        }
        for name, message in problems
    ]
    return ValidationError.from_exception_data(title, details)


class LeadAccepted(BaseModel):
    """Intake's answer: ``accepted`` (a new lead) or ``touched`` (a known lead came back)."""

    lead_id: uuid.UUID
    captured_at: datetime
    status: Literal["accepted", "touched"] = "accepted"
    touches: int = 1


class LeadErased(BaseModel):
    """The lead's personal data is gone from intake and on its way out of every service."""

    lead_id: uuid.UUID
    erased_at: datetime


class FormField(BaseModel):
    """One input of a form: where its value goes in the lead (None: a custom field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
    label: str = Field(min_length=1, max_length=100)
    lead_field: str | None = Field(
        default=None,
        pattern=r"^(contact|company|interest|attribution|behaviour|consent)\.\w+$",
        description="dotted lead field, e.g. contact.email; empty for a custom question",
    )
    type: Literal["text", "email", "tel", "number", "textarea", "checkbox", "select"] = "text"
    required: bool = False
    options: list[str] = Field(default_factory=list, max_length=100)


class FormConfig(BaseModel):
    """A web form: who may embed it, what it asks, which campaign it credits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", examples=["spring-demo"])
    name: str = Field(min_length=1, max_length=100)
    allowed_origins: list[HttpUrl] = Field(min_length=1, max_length=20)
    fields: list[FormField] = Field(min_length=1, max_length=50)
    form_type: str | None = Field(default=None, max_length=50, examples=["demo_request"])
    campaign_id: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=100)
    thank_you_url: HttpUrl
    honeypot_field: str = Field(default="website", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
    min_fill_seconds: float = Field(default=3.0, ge=0, le=600)
    active: bool = True

    @model_validator(mode="after")
    def _coherent(self) -> FormConfig:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        if [f.lead_field for f in self.fields].count("contact.email") != 1:
            raise ValueError("exactly one field must map to contact.email")
        if self.honeypot_field in names:
            raise ValueError("the honeypot field must not be one of the form's fields")
        return self


class CampaignIn(BaseModel):
    """A campaign brief agreed by marketing and sales before launch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,99}$", examples=["spring-webinar"])
    name: str = Field(min_length=1, max_length=200)
    channel: str | None = Field(default=None, max_length=100)
    offer: str | None = Field(default=None, max_length=500)
    starts_on: date | None = None
    ends_on: date | None = None
    expected_leads: int | None = Field(default=None, ge=0, le=10_000_000)
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @model_validator(mode="after")
    def _coherent(self) -> CampaignIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.cost is not None and self.currency is None:
            raise ValueError("currency is required with a cost")
        return self


class CampaignRead(CampaignIn):
    created_at: datetime


class TouchRead(BaseModel):
    """A later submission of a known lead."""

    touched_at: datetime
    form_id: str | None


class LeadRead(BaseModel):
    """A stored lead as intake captured and normalised it, with its later touches."""

    lead_id: uuid.UUID
    email: str
    captured_at: datetime
    last_touched_at: datetime
    touches: int
    campaign_id: str | None
    form_id: str | None
    lead: dict[str, Any]
    touch_history: list[TouchRead]
