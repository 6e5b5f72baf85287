"""Recording outcomes from either path (REST batch or ``sales.outcomes``) under one set of rules.

All or nothing: every item's fields are checked, then every lead's whole history with the
new outcomes slotted in by ``occurred_at``; only when all pass is anything stored. An
``outcome_id`` already stored, or repeated in the batch, counts once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.feedback import metrics, repository
from services.feedback.outcomes import field_problems, normalise_reason, transition_problems
from services.feedback.settings import Settings
from shared.errors import Conflict, FieldError, InvalidInput
from shared.events import OutcomeStatus, SalesOutcomeRecordedV1


async def record_outcomes(
    session: AsyncSession,
    items: Sequence[SalesOutcomeRecordedV1],
    *,
    settings: Settings,
    path: str,
    prefixes: Sequence[str] | None = None,
) -> list[bool]:
    """Store the new outcomes; True per item that was new, False per duplicate.

    Raises InvalidInput (a field) or Conflict (a transition), naming ``<prefix><field>``.
    """
    prefixes = prefixes or [""] * len(items)
    items = [normalised(i) for i in items]
    entries = [repository.entry_of(i) for i in items]
    bad = field_errors(items, prefixes, settings)
    if bad:
        metrics.OUTCOMES_REJECTED.labels(path, "field").inc()
        raise InvalidInput("invalid outcome: " + ", ".join(f.field for f in bad), bad)

    known = await repository.known_outcome_ids(session, (i.outcome_id for i in items))
    fresh: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.outcome_id not in known and item.outcome_id not in fresh:
            fresh[item.outcome_id] = index
    leads = {items[i].lead_id for i in fresh.values()}
    await repository.lock_leads(session, leads)
    history = await repository.outcome_entries(session, leads)
    conflicts: list[FieldError] = []
    conflicting: list[str] = []
    for lead_id in sorted(leads):
        mine = [i for i in fresh.values() if items[i].lead_id == lead_id]
        problems = transition_problems([*history.get(lead_id, []), *(entries[i] for i in mine)])
        if not problems:
            continue
        conflicting.append(lead_id)
        for i in mine:
            why = problems.get(items[i].outcome_id) or (
                "it would leave an invalid sequence: " + "; ".join(problems.values())
            )
            conflicts.append(FieldError(prefixes[i] + "status", why))
    if conflicts:
        metrics.OUTCOMES_REJECTED.labels(path, "transition").inc()
        raise Conflict("invalid outcome transition for lead " + ", ".join(conflicting), conflicts)

    stored = [False] * len(items)
    for index in fresh.values():
        stored[index] = await repository.add_outcome(session, items[index])
    await repository.mark_dirty(
        session,
        await repository.campaigns_of_leads(session, (items[i].lead_id for i in fresh.values())),
    )
    return stored


def count_stored(
    items: Sequence[SalesOutcomeRecordedV1], stored: Sequence[bool], path: str
) -> None:
    """Count outcomes by status once their transaction committed."""
    for item, new in zip(items, stored, strict=True):
        if new:
            metrics.OUTCOMES.labels(item.status.value, path).inc()


def normalised(item: SalesOutcomeRecordedV1) -> SalesOutcomeRecordedV1:
    """Disqualification reasons are codes: "Bad fit" from one tool is "bad_fit" from another."""
    if item.status is OutcomeStatus.DISQUALIFIED and item.reason:
        return item.model_copy(update={"reason": normalise_reason(item.reason)})
    return item


def field_errors(
    items: Sequence[SalesOutcomeRecordedV1], prefixes: Sequence[str], settings: Settings
) -> list[FieldError]:
    """What each outcome's status requires and lacks, named ``<prefix><field>``."""
    return [
        FieldError(prefix + name, message)
        for item, prefix in zip(items, prefixes, strict=True)
        for name, message in field_problems(
            repository.entry_of(item),
            reporting_currency=settings.reporting_currency,
            rates=settings.exchange_rates,
        )
    ]
