"""Outcome rules: required fields, transitions in occurred_at order, re-opening, summaries."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.feedback.outcomes import (
    OutcomeEntry,
    field_problems,
    normalise_reason,
    summarise,
    transition_problems,
)
from shared.events import OutcomeStatus as S

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
RATES = {"EUR": Decimal("1.10")}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def entry(oid: str, status: S, minutes: int, **kw: object) -> OutcomeEntry:
    return OutcomeEntry(oid, status, at(minutes), **kw)  # type: ignore[arg-type]


def problems(e: OutcomeEntry) -> dict[str, str]:
    return dict(field_problems(e, reporting_currency="USD", rates=RATES))


def test_each_status_needs_what_it_reports() -> None:
    assert "amount" in problems(entry("a", S.WON, 0))
    assert "amount" in problems(
        entry("a", S.LOST, 0, reason="price", amount=Decimal(5), currency="USD")
    )
    assert "currency" in problems(entry("a", S.WON, 0, amount=Decimal(5)))
    assert "currency" in problems(entry("a", S.WON, 0, amount=Decimal(5), currency="JPY"))
    assert problems(entry("a", S.WON, 0, amount=Decimal(5), currency="EUR")) == {}
    assert "reason" in problems(entry("a", S.DISQUALIFIED, 0))
    assert "reason" in problems(entry("a", S.DISQUALIFIED, 0, reason="too small"))
    assert problems(entry("a", S.DISQUALIFIED, 0, reason="no_budget")) == {}
    assert "reason" in problems(entry("a", S.LOST, 0))
    assert problems(entry("a", S.CONTACTED, 0)) == {}


def test_reasons_from_different_tools_normalise_to_one_code() -> None:
    assert normalise_reason(" Bad fit ") == normalise_reason("bad-fit") == "bad_fit"


def test_won_after_disqualified_is_refused_unless_reopened() -> None:
    history = [entry("c", S.CONTACTED, 1), entry("d", S.DISQUALIFIED, 2, reason="no_budget")]
    won = entry("w", S.WON, 3, amount=Decimal(10), currency="USD")
    found = transition_problems([*history, won])
    assert set(found) == {"w"}
    assert "follows 'disqualified'" in found["w"] and "reopens" in found["w"]
    reopened = entry("w", S.WON, 3, amount=Decimal(10), currency="USD", reopens=True)
    assert transition_problems([*history, reopened]) == {}


def test_order_is_by_occurred_at_not_arrival() -> None:
    won = entry("w", S.WON, 30, amount=Decimal(10), currency="USD")
    late_contact = entry("c", S.CONTACTED, 5)
    assert transition_problems([won, late_contact]) == {}
    late_disqualification = entry("d", S.DISQUALIFIED, 10, reason="spam")
    assert set(transition_problems([won, late_disqualification])) == {"w"}


def test_reopening_an_open_lead_is_refused() -> None:
    found = transition_problems(
        [entry("c", S.CONTACTED, 0), entry("q", S.QUALIFIED, 1, reopens=True)]
    )
    assert set(found) == {"q"}


def test_summary_of_a_reopened_lead_that_was_won_in_euros() -> None:
    history = [
        entry("w", S.WON, 600, amount=Decimal(1000), currency="EUR", reopens=True),
        entry("a", S.ACCEPTED, 2),
        entry("c", S.CONTACTED, 4),
        entry("d", S.DISQUALIFIED, 60, reason="unreachable"),
    ]
    h = summarise(history, reporting_currency="USD", rates=RATES)
    assert h.accepted_at == at(2) and h.contacted_at == at(4)
    assert h.final is S.WON and h.won_at == at(600)
    assert h.revenue == Decimal("1100.00")
    assert h.qualified and h.disqualification_reason is None


def test_summary_of_a_lead_without_outcomes() -> None:
    h = summarise([], reporting_currency="USD", rates=RATES)
    assert not h.has_outcome and h.final is None and h.revenue == 0 and not h.qualified


def test_an_amount_whose_rate_was_removed_counts_as_zero_instead_of_failing() -> None:
    history = [entry("w", S.WON, 1, amount=Decimal(1000), currency="CHF")]
    assert summarise(history, reporting_currency="USD", rates=RATES).revenue == 0
