"""Turning a validated submission into Handoff's canonical lead: pure functions."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.intake.fields import company_domain, normalise_phone
from services.intake.schemas import FormConfig, LeadIn
from shared.errors import FieldError, InvalidInput, invalid_input_from
from shared.events import Lead


def normalise(lead_in: LeadIn) -> Lead:
    """The canonical lead: E.164 phone, derived company domain, custom fields in ``extra``."""
    email = lead_in.contact.email
    country = lead_in.company.country
    phone = lead_in.contact.phone
    contact = lead_in.contact.model_dump() | {
        "phone": normalise_phone(phone, country) if phone else None
    }
    company = lead_in.company.model_dump() | {
        "domain": company_domain(email, lead_in.company.domain)
    }
    return Lead.model_validate(
        {
            "contact": contact,
            "company": company,
            "interest": lead_in.interest.model_dump(),
            "attribution": lead_in.attribution.model_dump(),
            "behaviour": lead_in.behaviour.model_dump(),
            "consent": lead_in.consent.model_dump(),
            "extra": {**lead_in.extra, **(lead_in.model_extra or {})},
        }
    )


def lead_from_form(form: FormConfig, values: dict[str, str]) -> LeadIn:
    """Map a form's submitted fields to a lead; unmapped fields become custom fields.

    Values from the page's query string (utm_*, referrer) fill attribution when present.
    """
    errors: list[FieldError] = []
    body: dict[str, Any] = {"attribution": {}, "interest": {}}
    for field in form.fields:
        value = values.get(field.name, "").strip()
        if field.type == "checkbox":
            value = "true" if value.lower() in {"on", "true", "1", "yes"} else ""
        if not value:
            if field.required:
                errors.append(FieldError(field.name, f"{field.label} is required"))
            continue
        if field.lead_field is None:
            body[field.name] = value
            continue
        section, name = field.lead_field.split(".", 1)
        body.setdefault(section, {})[name] = value
    for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"):
        if values.get(name):
            body["attribution"][name] = values[name][:200]
    for name in ("landing_page", "referrer"):
        if values.get(name):
            body["attribution"][name] = values[name][:2000]
    body["attribution"].setdefault("campaign_id", form.campaign_id)
    body["attribution"].setdefault("channel", form.channel)
    body["attribution"].setdefault("source", form.source)
    body["interest"].setdefault("form_type", form.form_type)
    email_missing = "contact" not in body or "email" not in body["contact"]
    if email_missing and not any(f.field == _email_input(form) for f in errors):
        errors.append(FieldError(_email_input(form), "an e-mail address is required"))
    try:
        lead_in = LeadIn.model_validate(body)
    except ValidationError as exc:
        named = _named_by_input(form, invalid_input_from("invalid submission", exc)).fields
        # "required" already says it for an input that is missing altogether.
        errors += [e for e in named if e.field not in {f.field for f in errors}]
    if errors:
        raise InvalidInput("invalid submission: " + ", ".join(e.field for e in errors), errors)
    return lead_in


def _email_input(form: FormConfig) -> str:
    return next((f.name for f in form.fields if f.lead_field == "contact.email"), "email")


def _named_by_input(form: FormConfig, error: InvalidInput) -> InvalidInput:
    """Name errors by the form's input names, which are what the person sees."""
    by_lead_field = {f.lead_field: f.name for f in form.fields if f.lead_field}
    by_lead_field["contact"] = _email_input(form)  # no contact at all: the e-mail is missing
    fields = [FieldError(by_lead_field.get(e.field, e.field), e.message) for e in error.fields]
    return InvalidInput(error.message, fields)


def normalise_form(form: FormConfig, values: dict[str, str]) -> Lead:
    """A form submission as a canonical lead, errors named by the form's inputs."""
    return normalise(lead_from_form(form, values))
