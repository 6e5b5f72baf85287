"""Turning a validated submission into Handoff's canonical lead: pure functions, unit-tested."""

from __future__ import annotations

from services.intake.schemas import LeadIn
from shared.events import Company, Lead

# Addresses at these domains say nothing about the lead's company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "rediffmail.com",
    }
)


def company_domain(email: str, given: str | None) -> str | None:
    """The company's domain: as given, else the e-mail's domain unless it is free-mail."""
    if given:
        return given.strip().lower()
    domain = email.rsplit("@", 1)[1]
    return None if domain in FREE_MAIL_DOMAINS else domain


def normalise(lead_in: LeadIn) -> Lead:
    """The canonical lead: derived company domain, plain event models."""
    contact = lead_in.contact.model_dump()
    company = Company.model_validate(
        {
            **lead_in.company.model_dump(),
            "domain": company_domain(lead_in.contact.email, lead_in.company.domain),
        }
    )
    return Lead(
        contact=contact,
        company=company,
        interest=lead_in.interest,
        attribution=lead_in.attribution,
        behaviour=lead_in.behaviour,
        consent=lead_in.consent,
        extra=lead_in.extra,
    )
