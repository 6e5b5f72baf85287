"""Right to erasure: what of a lead is personal, and forgetting it in a service's outbox.

A lead's personal data is who the person is (e-mail, names, phone), what they wrote (the
message, custom questions) and where they were (landing page and referrer URLs can carry
their address). What is left — company, job title, product, attribution, behaviour — keeps
the aggregate figures (KPIs, a model's training data) as they were, without a person in it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

ERASED_EMAIL = "erased@erased.invalid"
_CONTACT_KEPT = ("job_title",)
_INTEREST_DROPPED = ("message",)
_ATTRIBUTION_DROPPED = ("landing_page", "referrer")


def anonymise_lead(lead: dict[str, Any]) -> dict[str, Any]:
    """A copy of a lead (as JSON) without its personal data; still a valid ``Lead``."""
    out = dict(lead)
    contact = lead.get("contact") or {}
    out["contact"] = {"email": ERASED_EMAIL} | {
        k: contact[k] for k in _CONTACT_KEPT if k in contact
    }
    for part, dropped in (("interest", _INTEREST_DROPPED), ("attribution", _ATTRIBUTION_DROPPED)):
        if isinstance(lead.get(part), dict):
            out[part] = {k: v for k, v in lead[part].items() if k not in dropped}
    out["extra"] = {}
    return out


def anonymise_event(payload: bytes) -> bytes:
    """An event envelope's bytes with any lead it carries anonymised (other data kept)."""
    envelope = json.loads(payload)
    data = envelope.get("data")
    if isinstance(data, dict) and isinstance(data.get("lead"), dict):
        data = envelope["data"] = {**data, "lead": anonymise_lead(data["lead"])}
    # A sales rep's free-text note on an outcome may quote the person.
    if isinstance(data, dict) and data.get("note"):
        envelope["data"] = {**data, "note": None}
    return json.dumps(envelope, separators=(",", ":")).encode()


async def forget_in_outbox(session: AsyncSession, outbox: Table, lead_id: str) -> int:
    """Anonymise the lead in every outbox row keyed by it, sent or not; returns rows changed.

    Sent rows stay for the outbox's audit retention; unsent ones then publish without the
    person, so an erasure that overtakes its own lead's events still holds.
    """
    rows = await session.execute(
        select(outbox.c.id, outbox.c.payload).where(outbox.c.key == lead_id).with_for_update()
    )
    changed = 0
    for row in rows:
        payload = anonymise_event(bytes(row.payload))
        if payload != bytes(row.payload):
            await session.execute(
                update(outbox).where(outbox.c.id == row.id).values(payload=payload)
            )
            changed += 1
    return changed


def define_erased_lead_table(metadata: MetaData) -> Table:
    """Leads erased, by id only: a lead's events that arrive after its erasure (another
    topic, another order) are anonymised before anything of them is stored."""
    return Table(
        "erased_lead",
        metadata,
        Column("lead_id", String(64), primary_key=True),
        Column("erased_at", DateTime(timezone=True), nullable=False),
    )


async def mark_erased(session: AsyncSession, table: Table, lead_id: str, at: datetime) -> None:
    await session.execute(
        insert(table).values(lead_id=lead_id, erased_at=at).on_conflict_do_nothing()
    )


async def is_erased(session: AsyncSession, table: Table, lead_id: str) -> bool:
    found = await session.execute(select(table.c.lead_id).where(table.c.lead_id == lead_id))
    return found.first() is not None
