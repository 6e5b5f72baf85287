"""The KPI formulas of DESIGN.md, on its worked checks and on the edge cases."""

from decimal import Decimal

from services.feedback import kpis
from services.feedback.csv_export import to_csv


def test_worked_check_conversion_100_of_1000_is_10_pct() -> None:
    assert kpis.conversion_rate_pct(100, 1000) == 10.0


def test_worked_check_cac_100000_for_50_customers_is_2000() -> None:
    assert kpis.cac(Decimal(100_000), 50) == Decimal("2000.00")


def test_worked_check_roi_10000_spent_25000_earned_is_150_pct() -> None:
    assert kpis.roi_pct(Decimal(25_000), Decimal(10_000)) == 150.0


def test_cost_per_qualified_lead_is_spend_over_qualified_leads() -> None:
    assert kpis.cost_per_qualified_lead(Decimal(10_000), 40) == Decimal("250.00")
    assert kpis.cost_per_qualified_lead(Decimal(100), 3) == Decimal("33.33")


def test_division_by_zero_is_none_not_an_error() -> None:
    assert kpis.conversion_rate_pct(0, 0) is None
    assert kpis.cac(Decimal(5000), 0) is None  # no customers
    assert kpis.cost_per_qualified_lead(Decimal(5000), 0) is None
    assert kpis.roi_pct(Decimal(25_000), Decimal(0)) is None  # no spend
    assert kpis.pct(3, 0) is None


def test_no_spend_means_no_cost_figures_rather_than_free_leads() -> None:
    assert kpis.cost_per_qualified_lead(Decimal(0), 10) is None
    assert kpis.cac(Decimal(0), 10) is None


def test_roi_without_revenue_is_minus_100_pct() -> None:
    assert kpis.roi_pct(Decimal(0), Decimal(10_000)) == -100.0


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert kpis.percentile([], 50) is None
    assert kpis.percentile([60.0], 90) == 60.0
    assert kpis.percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert kpis.percentile([float(v) for v in range(1, 11)], 90) == 9.1


def test_csv_shows_undefined_ratios_as_a_dash_and_names_the_currency() -> None:
    rows = [
        {
            "key": "spring",
            "leads": 0,
            "conversion_rate_pct": None,
            "cac": None,
            "disqualification_reasons": {"spam": 2, "bad_fit": 1},
        }
    ]
    lines = to_csv(rows, currency="EUR").splitlines()
    header, line = lines[0].split(","), lines[1].split(",")
    assert "cac_eur" in header and "leads" in header
    assert line[header.index("conversion_rate_pct")] == "—"
    assert line[header.index("cac_eur")] == "—"
    assert line[header.index("leads")] == "0"
    assert line[header.index("disqualification_reasons")] == "spam=2; bad_fit=1"
