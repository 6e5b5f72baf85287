"""What the learned model sees of a lead: named indicator features, each a fit or intent factor.

A feature's name is also the words a sales rep reads in a reason ("Occupation: working
professional"), so names are built from the lead's own values. Numbers are cut into fixed
bins rather than fed raw: a bin's weight is a plain statement ("10-20 min on site: +12")
and a curve of any shape can be learned, which matters for time on site.
The standard lead fields are always used; custom form fields (``lead.extra``) only when
the rule set's ``learning.extra_fields`` names them, since every business's forms differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from services.scoring.config import ExtraField
from shared.events import Lead

Group = Literal["fit", "intent"]

_FREE_MAIL = frozenset(
    {"gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "aol.com", "icloud.com",
     "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru", "proton.me", "protonmail.com",
     "yahoo.co.in", "rediffmail.com", "qq.com", "163.com"}
)  # fmt: skip
_SENIOR = ("chief", "cto", "ceo", "cfo", "coo", "vp", "vice president", "head", "director", "owner")
_MANAGER = ("manager", "lead", "principal")

MINUTES = (0, 1, 3, 5, 10, 15, 20, 30)
VISITS = (0, 1, 2, 4, 7, 11)
PAGES = (0, 1, 2, 3, 4, 6)
EMPLOYEES = (1, 10, 50, 200, 1000, 5000)


def bin_label(value: float, edges: Sequence[float], unit: str = "", *, whole: bool = False) -> str:
    """The bin of ``value`` between ascending lower bounds: "5-10 min", "30+ min".

    ``whole`` counts things: its bins read "2-3" rather than "2-4" and "1" rather than "1-2".
    """
    suffix = f" {unit}" if unit else ""
    if value < edges[0]:
        return f"under {_num(edges[0])}{suffix}"
    lower, upper = edges[0], None
    for i, edge in enumerate(edges):
        if value >= edge:
            lower, upper = edge, (edges[i + 1] if i + 1 < len(edges) else None)
    if upper is None:
        return f"{_num(lower)}+{suffix}"
    if whole:
        upper -= 1
        if upper <= lower:
            return f"{_num(lower)}{suffix}"
    return f"{_num(lower)}-{_num(upper)}{suffix}"


def _num(value: float) -> str:
    return f"{value:g}"


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).replace("_", " ").split()).lower()
    return text or None


def _seniority(title: str | None) -> str | None:
    if not title:
        return None
    lower = title.lower()
    words = set(lower.replace(",", " ").split())
    if any((k in words) if len(k) <= 3 else (k in lower) for k in _SENIOR):
        return "Senior decision maker"
    if any(k in lower for k in _MANAGER):
        return "Manager"
    return "Individual contributor"


def lead_features(
    lead: Lead, *, touches: int, extra_fields: Sequence[ExtraField]
) -> dict[str, Group]:
    """The active features of a lead, each with the score it belongs to."""
    f: dict[str, Group] = {}

    def add(name: str, group: Group) -> None:
        f[name] = group

    domain = lead.company.domain or lead.contact.email.rpartition("@")[2].lower()
    add("Free-mail address" if domain in _FREE_MAIL else "Business e-mail address", "fit")
    seniority = _seniority(lead.contact.job_title)
    add(f"Job title: {seniority.lower()}" if seniority else "No job title given", "fit")
    if lead.company.size is not None:
        add(f"Employees: {bin_label(lead.company.size, EMPLOYEES, whole=True)}", "fit")
    for label, value in (
        ("Industry", lead.company.industry),
        ("Country", lead.company.country),
        ("Product", lead.interest.product),
    ):
        text = _text(value)
        add(f"{label}: {text}" if text else f"{label}: not given", "fit")

    for label, value in (
        ("Form", lead.interest.form_type),
        ("Channel", lead.attribution.channel),
        ("Source", lead.attribution.source),
    ):
        text = _text(value)
        add(f"{label}: {text}" if text else f"{label}: not known", "intent")
    b = lead.behaviour
    if b.visits is None:
        add("Visits: not known", "intent")
    else:
        add(f"Visits: {bin_label(b.visits, VISITS, whole=True)}", "intent")
    if b.pages_viewed is not None:
        add(f"Pages per visit: {bin_label(b.pages_viewed, PAGES)}", "intent")
    if b.time_on_site_seconds is None:
        add("Time on site: not known", "intent")
    elif b.time_on_site_seconds == 0:
        add("Time on site: none", "intent")
    else:
        add(f"Time on site: {bin_label(b.time_on_site_seconds / 60, MINUTES, 'min')}", "intent")
    if lead.interest.message:
        add("Wrote a message", "intent")
    if not lead.consent.marketing_email:
        add("No marketing e-mail consent", "intent")
    if touches > 1:
        add("Submitted 3+ times" if touches >= 3 else "Submitted twice", "intent")

    for field in extra_fields:
        raw = lead.extra.get(field.name)
        if field.kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
            add(f"{field.label}: {bin_label(float(raw), field.bins, field.unit)}", field.group)
            continue
        text = _text(raw)
        add(f"{field.label}: {text}" if text else f"{field.label}: not given", field.group)
    return f
