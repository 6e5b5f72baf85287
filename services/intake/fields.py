"""Field-level checks and normalisation, shared by the request models and ``normalise``.

E-mail checking is ``email-validator``'s (syntax only, no DNS at capture time), countries
come from ``pycountry`` (ISO 3166) and phone numbers from ``phonenumbers`` (E.164).
"""

from __future__ import annotations

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

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


def plausible_phone(raw: str) -> bool:
    """Digits with the usual punctuation (an extension may follow an ``x``)."""
    value = raw.strip()
    return any(c.isdigit() for c in value) and not any(c.isalpha() for c in value.replace("x", ""))


def normalise_phone(raw: str, country: str | None) -> str:
    """E.164 (+442079460958) when the number parses as valid; otherwise as given, trimmed."""
    value = raw.strip()
    if not plausible_phone(value):
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


def custom_field_problems(body: dict[str, object]) -> list[tuple[str, str]]:
    """Top-level fields a lead may not carry: server-owned ones, nested or oversized values."""
    known = {"contact", "company", "interest", "attribution", "behaviour", "consent", "extra"}
    problems: list[tuple[str, str]] = []
    custom = [name for name in body if name not in known]
    for name in custom:
        value = body[name]
        if name in SERVER_OWNED:
            problems.append((name, "set by Handoff, not by clients"))
        elif isinstance(value, dict | list):
            problems.append((name, "custom fields take a single value"))
        elif len(name) > 64:
            problems.append((name, "custom field names are at most 64 characters"))
        elif isinstance(value, str) and len(value) > 1000:
            problems.append((name, "custom field values are at most 1000 characters"))
    extra = body.get("extra")
    if len(custom) + (len(extra) if isinstance(extra, dict) else 0) > 50:
        problems.append(("extra", "at most 50 custom fields"))
    return problems
