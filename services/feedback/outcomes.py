"""Outcome rules: what each status must carry, which sequences are valid, and what a lead became.

Outcomes are ordered by ``occurred_at`` (then ``outcome_id``), never by arrival, so a late
``contacted`` slots in before the ``won`` that overtook it. Once a lead is closed
(disqualified, won or lost) the next outcome must say ``reopens``: a disqualified lead that
later buys is re-opened on purpose, never by accident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from shared.events import OutcomeStatus

CLOSED = frozenset({OutcomeStatus.DISQUALIFIED, OutcomeStatus.WON, OutcomeStatus.LOST})
# A first contact happened when a rep reached the lead, whatever they reported first.
CONTACT = frozenset({OutcomeStatus.CONTACTED, OutcomeStatus.QUALIFIED, OutcomeStatus.WON})
QUALIFIED = frozenset({OutcomeStatus.QUALIFIED, OutcomeStatus.WON})


class DisqualificationReason(StrEnum):
    BAD_FIT = "bad_fit"
    NO_BUDGET = "no_budget"
    SPAM = "spam"
    UNREACHABLE = "unreachable"
    DUPLICATE = "duplicate"
    OTHER = "other"


# Verdicts on the lead itself; "unreachable" and "other" may as well be slow follow-up.
QUALITY_VERDICTS = frozenset(
    {
        DisqualificationReason.BAD_FIT,
        DisqualificationReason.NO_BUDGET,
        DisqualificationReason.SPAM,
        DisqualificationReason.DUPLICATE,
    }
)


def normalise_reason(reason: str) -> str:
    """``"Bad fit"``, ``"bad-fit"`` and ``"bad_fit"`` are the same reason."""
    return "_".join(reason.strip().lower().replace("-", " ").split())


@dataclass(frozen=True)
class OutcomeEntry:
    """One stored or proposed outcome of a lead, as the rules see it."""

    outcome_id: str
    status: OutcomeStatus
    occurred_at: datetime
    reopens: bool = False
    reason: str | None = None
    amount: Decimal | None = None
    currency: str | None = None


def field_problems(
    entry: OutcomeEntry, *, reporting_currency: str, rates: Mapping[str, Decimal]
) -> list[tuple[str, str]]:
    """``(field, message)`` for every field this status needs and lacks or must not carry."""
    problems: list[tuple[str, str]] = []
    won = entry.status is OutcomeStatus.WON
    if won and entry.amount is None:
        problems.append(("amount", "a won outcome reports the deal amount"))
    if entry.amount is not None and not won:
        problems.append(("amount", "amount is only reported with status 'won'"))
    if entry.amount is not None and entry.currency is None:
        problems.append(("currency", "currency is required with an amount"))
    foreign = entry.currency is not None and entry.currency != reporting_currency
    if foreign and entry.currency not in rates:
        problems.append(
            ("currency", f"no exchange rate from {entry.currency} to {reporting_currency}")
        )
    if entry.status is OutcomeStatus.DISQUALIFIED:
        allowed = ", ".join(r.value for r in DisqualificationReason)
        if entry.reason is None or entry.reason not in set(DisqualificationReason):
            problems.append(("reason", f"a disqualification names its reason: one of {allowed}"))
    if entry.status is OutcomeStatus.LOST and not entry.reason:
        problems.append(("reason", "a lost outcome says why it was lost"))
    return problems


def ordered(entries: Iterable[OutcomeEntry]) -> list[OutcomeEntry]:
    """By when it happened; the id breaks ties so every instance sees one order."""
    return sorted(entries, key=lambda e: (e.occurred_at, e.outcome_id))


def transition_problems(entries: Iterable[OutcomeEntry]) -> dict[str, str]:
    """Outcome id -> why it cannot follow what came before it, over a lead's whole history."""
    problems: dict[str, str] = {}
    closed: OutcomeEntry | None = None
    for entry in ordered(entries):
        if entry.reopens:
            if closed is None:
                problems[entry.outcome_id] = (
                    "reopens is only for a lead that is disqualified, won or lost; "
                    "this lead is open at that time"
                )
                continue
        elif closed is not None:
            problems[entry.outcome_id] = (
                f"'{entry.status.value}' at {entry.occurred_at.isoformat()} follows "
                f"'{closed.status.value}' at {closed.occurred_at.isoformat()}; "
                'send it with "reopens": true to re-open the lead'
            )
            continue
        closed = entry if entry.status in CLOSED else None
    return problems


@dataclass(frozen=True)
class LeadHistory:
    """What a lead's outcomes add up to, in the reporting currency."""

    has_outcome: bool
    accepted_at: datetime | None
    contacted_at: datetime | None
    qualified: bool
    final: OutcomeStatus | None
    won_at: datetime | None
    revenue: Decimal
    disqualification_reason: str | None


def summarise(
    entries: Sequence[OutcomeEntry], *, reporting_currency: str, rates: Mapping[str, Decimal]
) -> LeadHistory:
    """Fold a lead's outcomes (any order) into first acceptance, first contact and final state."""
    accepted_at = contacted_at = None
    qualified = False
    final: OutcomeEntry | None = None
    for entry in ordered(entries):
        if entry.status is OutcomeStatus.ACCEPTED and accepted_at is None:
            accepted_at = entry.occurred_at
        if entry.status in CONTACT and contacted_at is None:
            contacted_at = entry.occurred_at
        qualified = qualified or entry.status in QUALIFIED
        if entry.reopens or entry.status in CLOSED:
            final = entry if entry.status in CLOSED else None
    won = final is not None and final.status is OutcomeStatus.WON
    revenue = Decimal(0)
    if won and final is not None and final.amount is not None:
        revenue = to_reporting(final.amount, final.currency, reporting_currency, rates)
    disqualified = final is not None and final.status is OutcomeStatus.DISQUALIFIED
    return LeadHistory(
        has_outcome=bool(entries),
        accepted_at=accepted_at,
        contacted_at=contacted_at,
        qualified=qualified,
        final=final.status if final else None,
        won_at=final.occurred_at if won and final else None,
        revenue=revenue,
        disqualification_reason=final.reason if disqualified and final else None,
    )


def to_reporting(
    amount: Decimal, currency: str | None, reporting_currency: str, rates: Mapping[str, Decimal]
) -> Decimal:
    """An amount in the reporting currency (rates are reporting units per foreign unit).

    Input without a rate is refused, so a missing rate means one was removed from the
    configuration since: such amounts count as 0 rather than failing every report.
    """
    if currency is None or currency == reporting_currency:
        return amount
    rate = rates.get(currency)
    return amount * rate if rate is not None else Decimal(0)
