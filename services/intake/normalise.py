"""Turning a submission into Handoff's canonical lead: pure functions, unit-tested.

E-mail checking is ``email-validator``'s (syntax only, no DNS at capture time), countries
come from ``pycountry`` (ISO 3166) and phone numbers from ``phonenumbers`` (E.164).
"""

from __future__ import annotations

from typing import Any

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

from services.intake.schemas import FormConfig, LeadIn
from shared.errors import FieldError, InvalidInput, invalid_input_from
from shared.events import Lead

# Addresses at these domains say nothing about the lead's company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.co.in",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "126.com",
        "rediffmail.com",
        "zoho.com",
        "fastmail.com",
        "hey.com",
    }
)

# Names people write that are not ISO 3166 names.
COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "vietnam": "VN",
    "czech republic": "CZ",
    "holland": "NL",
    "uae": "AE",
    "ivory coast": "CI",
    "taiwan": "TW",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
}

# Fields Handoff sets itself; a client sending them is refused (OWASP API3).
SERVER_OWNED = frozenset(
    {
        "id",
        "lead_id",
        "score",
        "grade",
        "priority",
        "owner",
        "owner_id",
        "rep_id",
        "assigned_to",
        "status",
        "captured_at",
        "touches",
    }
)


def normalise_email(raw: str) -> str:
    """The lower-cased address; ValueError with a readable reason when it is not one."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc
    return checked.normalized.lower()


def normalise_country(raw: str) -> str:
    """ISO 3166-1 alpha-2 for a code (GB, GBR) or an English name ("United Kingdom")."""
    value = raw.strip()
    alias = COUNTRY_ALIASES.get(value.lower())
    if alias:
        return alias
    try:
        country = pycountry.countries.lookup(value)
    except LookupError:
        raise ValueError(f"unknown country {value!r}: use an ISO 3166 code such as GB") from None
    return str(country.alpha_2)


def normalise_phone(raw: str, country: str | None) -> str:
    """E.164 (+442079460958) when the number parses as valid; otherwise as given, trimmed."""
    value = raw.strip()
    if not any(c.isdigit() for c in value) or any(c.isalpha() for c in value.replace("x", "")):
        raise ValueError("not a phone number")
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def company_domain(email: str, given: str | None) -> str | None:
    """The company's domain: as given, else the e-mail's domain unless it is free-mail."""
    if given:
        return given.strip().lower().removeprefix("www.")
    domain = email.rsplit("@", 1)[1]
    return None if domain in FREE_MAIL_DOMAINS else domain


def _extra_fields(lead_in: LeadIn, errors: list[FieldError]) -> dict[str, Any]:
    """Unknown top-level fields become custom fields; server-owned or nested ones are refused."""
    extra: dict[str, Any] = dict(lead_in.extra)
    for name, value in (lead_in.model_extra or {}).items():
        if name in SERVER_OWNED:
            errors.append(FieldError(name, "set by Handoff, not by clients"))
        elif isinstance(value, dict | list):
            errors.append(FieldError(name, "custom fields take a single value"))
        elif len(name) > 64:
            errors.append(FieldError(name[:64], "custom field names are at most 64 characters"))
        elif isinstance(value, str) and len(value) > 1000:
            errors.append(FieldError(name, "custom field values are at most 1000 characters"))
        else:
            extra[name] = value
    if len(extra) > 50:
        errors.append(FieldError("extra", "at most 50 custom fields"))
    return extra


def normalise(lead_in: LeadIn) -> Lead:
    """The canonical lead; InvalidInput names every bad field at once."""
    errors: list[FieldError] = []
    extra = _extra_fields(lead_in, errors)
    email = lead_in.contact.email
    try:
        email = normalise_email(email)
    except ValueError as exc:
        errors.append(FieldError("contact.email", str(exc)))
    country = lead_in.company.country
    if country:
        try:
            country = normalise_country(country)
        except ValueError as exc:
            errors.append(FieldError("company.country", str(exc)))
    phone = lead_in.contact.phone
    if phone:
        try:
            phone = normalise_phone(phone, country if not errors else None)
        except ValueError as exc:
            errors.append(FieldError("contact.phone", str(exc)))
    if errors:
        raise InvalidInput("invalid lead: " + ", ".join(e.field for e in errors), errors)
    contact = lead_in.contact.model_dump() | {"email": email, "phone": phone}
    company = lead_in.company.model_dump() | {
        "country": country or None,
        "domain": company_domain(email, lead_in.company.domain),
    }
    return Lead.model_validate(
        {
            "contact": contact,
            "company": company,
            "interest": lead_in.interest.model_dump(),
            "attribution": lead_in.attribution.model_dump(),
            "behaviour": lead_in.behaviour.model_dump(),
            "consent": lead_in.consent.model_dump(),
            "extra": extra,
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
    if errors:
        raise InvalidInput("invalid submission: " + ", ".join(e.field for e in errors), errors)
    try:
        return LeadIn.model_validate(body)
    except ValidationError as exc:
        raise _named_by_input(form, invalid_input_from("invalid submission", exc)) from exc


def _email_input(form: FormConfig) -> str:
    return next((f.name for f in form.fields if f.lead_field == "contact.email"), "email")


def _named_by_input(form: FormConfig, error: InvalidInput) -> InvalidInput:
    """Name errors by the form's input names, which are what the person sees."""
    by_lead_field = {f.lead_field: f.name for f in form.fields if f.lead_field}
    fields = [FieldError(by_lead_field.get(e.field, e.field), e.message) for e in error.fields]
    return InvalidInput(error.message, fields)


def normalise_form(form: FormConfig, values: dict[str, str]) -> Lead:
    """A form submission as a canonical lead, errors named by the form's inputs."""
    lead_in = lead_from_form(form, values)
    try:
        return normalise(lead_in)
    except InvalidInput as exc:
        raise _named_by_input(form, exc) from exc
