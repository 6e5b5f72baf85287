"""Maps a row of the X Education lead data set to a Handoff lead, as its web form would send it.

Only what the lead gave or did before anyone from sales spoke to them is used. ``Tags``,
``Lead Quality``, ``Lead Profile``, ``Last Activity``, ``Last Notable Activity`` and the
``Asymmetrique *`` columns are written by sales staff after contact: they would leak the
outcome, so they never reach the lead. ``Select`` means the visitor chose nothing.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

# Columns written after contact; listed so that a test can check none of them is read.
AFTER_CONTACT = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Activity",
    "Last Notable Activity",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
)

COUNTRIES = {
    "india": "IN", "united states": "US", "united arab emirates": "AE", "singapore": "SG",
    "saudi arabia": "SA", "united kingdom": "GB", "australia": "AU", "qatar": "QA",
    "hong kong": "HK", "bahrain": "BH", "oman": "OM", "france": "FR", "kuwait": "KW",
    "south africa": "ZA", "canada": "CA", "nigeria": "NG", "germany": "DE", "sweden": "SE",
    "philippines": "PH", "uganda": "UG", "italy": "IT", "bangladesh": "BD", "netherlands": "NL",
    "asia/pacific region": "", "china": "CN", "belgium": "BE", "ghana": "GH", "kenya": "KE",
    "sri lanka": "LK", "tanzania": "TZ", "malaysia": "MY", "liberia": "LR", "switzerland": "CH",
    "denmark": "DK", "russia": "RU", "vietnam": "VN", "indonesia": "ID",
}  # fmt: skip

CHANNELS = {
    "google": "search", "organic search": "search", "bing": "search", "direct traffic": "direct",
    "olark chat": "chat", "live chat": "chat", "reference": "referral",
    "referral sites": "referral",
    "welingak website": "partner", "facebook": "social", "youtubechannel": "social",
    "social media": "social", "click2call": "phone", "press_release": "pr", "blog": "content",
}  # fmt: skip

# Custom form fields: CSV column -> key in ``lead.extra`` (named in the scoring configuration).
EXTRA = {
    "What is your current occupation": "occupation",
    "Specialization": "specialization",
    "How did you hear about X Education": "heard_about",
    "What matters most to you in choosing a course": "course_motive",
    "City": "city",
    "A free copy of Mastering The Interview": "wants_interview_guide",
    "Search": "saw_search_ad",
    "Newspaper Article": "saw_newspaper_article",
    "X Education Forums": "saw_forum_post",
    "Newspaper": "saw_newspaper_ad",
    "Digital Advertisement": "saw_digital_ad",
    "Through Recommendations": "recommended",
}


def _given(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if not value or value.lower() == "select" or value.startswith("Select ") else value


def _number(value: str | None) -> float | None:
    given = _given(value)
    try:
        return float(given) if given else None
    except ValueError:
        return None


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def lead_id_of(row: dict[str, str]) -> str:
    """A stable key of the row (its prospect id, else a hash of the row)."""
    given = _given(row.get("Prospect ID"))
    if given:
        return given
    return hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:32]


def to_lead(row: dict[str, str]) -> dict[str, Any]:
    """The body of ``POST /v1/leads`` for one CSV row."""
    key = lead_id_of(row)
    lead: dict[str, Any] = {
        # A unique address per row, so intake never takes two rows for one person.
        "contact": {"email": f"lead-{_slug(key)}@learners.x-education.example"},
        "consent": {
            "marketing_email": (row.get("Do Not Email") or "").strip() != "Yes",
            "phone_contact": (row.get("Do Not Call") or "").strip() != "Yes",
        },
    }
    source = _given(row.get("Lead Source"))
    if source:
        lead["attribution"] = {
            "source": source.lower(),
            "channel": CHANNELS.get(source.lower(), "other"),
        }
    origin = _given(row.get("Lead Origin"))
    if origin:
        lead["interest"] = {"form_type": _slug(origin), "product": "Online courses"}
    country = COUNTRIES.get((_given(row.get("Country")) or "").lower())
    if country:
        lead["company"] = {"country": country}
    behaviour: dict[str, Any] = {}
    visits = _number(row.get("TotalVisits"))
    if visits is not None:
        behaviour["visits"] = int(visits)
    pages = _number(row.get("Page Views Per Visit"))
    if pages is not None:
        behaviour["pages_viewed"] = pages
    seconds = _number(row.get("Total Time Spent on Website"))
    if seconds is not None:
        behaviour["time_on_site_seconds"] = int(seconds)
    if behaviour:
        lead["behaviour"] = behaviour
    extra = {name: _given(row.get(column)) for column, name in EXTRA.items()}
    lead["extra"] = {k: v.lower() for k, v in extra.items() if v is not None}
    return lead


def converted(row: dict[str, str]) -> int:
    return 1 if (row.get("Converted") or "").strip() in {"1", "1.0", "Yes", "yes"} else 0
