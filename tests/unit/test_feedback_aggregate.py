"""KPIs per group from lead facts and spend: counts, SLA, follow-up separation, spend shares."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from services.feedback.aggregate import GroupBy, LeadFacts, SpendRow, aggregate, prorated
from services.feedback.outcomes import OutcomeEntry, summarise
from shared.events import OutcomeStatus as S
from shared.events import Priority

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=10)
STALE = NOW - timedelta(hours=24)


def lead(
    lead_id: str,
    outcomes: list[tuple[S, int, dict[str, object]]],
    *,
    campaign: str = "spring",
    channel: str = "paid_search",
    priority: Priority = Priority.HOT,
    sla_minutes: int | None = 5,
    breached_minute: int | None = None,
) -> LeadFacts:
    entries = [
        OutcomeEntry(f"{lead_id}-{i}", s, T0 + timedelta(minutes=m), **kw)  # type: ignore[arg-type]
        for i, (s, m, kw) in enumerate(outcomes)
    ]
    return LeadFacts(
        lead_id=lead_id,
        campaign_id=campaign,
        channel=channel,
        source="google",
        priority=priority,
        captured_at=T0,
        routed_at=T0 + timedelta(seconds=2),
        sla_due_at=T0 + timedelta(minutes=sla_minutes) if sla_minutes is not None else None,
        first_breached_at=T0 + timedelta(minutes=breached_minute) if breached_minute else None,
        history=summarise(entries, reporting_currency="USD", rates={}),
    )


WON = (S.WON, 600, {"amount": Decimal(25_000), "currency": "USD"})


def test_a_campaign_figures_add_up() -> None:
    leads = [
        lead("a", [(S.ACCEPTED, 2, {}), (S.CONTACTED, 4, {}), (S.QUALIFIED, 30, {}), WON]),
        lead(
            "b",
            [
                (S.ACCEPTED, 3, {}),
                (S.CONTACTED, 10, {}),
                (S.DISQUALIFIED, 20, {"reason": "bad_fit"}),
            ],
        ),
        lead("c", [(S.ACCEPTED, 9, {})], breached_minute=5),
        lead("d", [], priority=Priority.COLD, sla_minutes=None),
    ]
    spend = [SpendRow("spring", "marketing", date(2025, 3, 1), date(2025, 3, 31), Decimal(10_000))]
    groups, total = aggregate(
        leads, spend, by=GroupBy.CAMPAIGN, start=None, end=None, stale_before=STALE
    )
    [spring] = groups
    f = spring.figures()
    assert (f["leads"], f["contacted"], f["qualified"], f["customers"]) == (4, 2, 1, 1)
    assert f["conversion_rate_pct"] == 25.0
    assert f["cost_per_qualified_lead"] == Decimal("10000.00")
    assert f["cac"] == Decimal("10000.00")
    assert f["roi_pct"] == 150.0
    assert f["speed_to_lead_p50_seconds"] == 420.0  # 4 and 10 minutes
    assert (f["hot_leads_routed"], f["hot_leads_accepted_within_sla"]) == (3, 2)
    assert f["sla_compliance_pct"] == 66.67
    assert f["campaign_to_close_p50_seconds"] == 36_000.0
    assert f["feedback_coverage_pct"] == 75.0
    assert f["disqualification_reasons"] == {"bad_fit": 1}
    # c (breached, never reached) and d (no outcome at all) went cold; b was junk, not cold.
    assert (f["never_contacted"], f["lost_after_sla_breach"], f["worked_leads"]) == (2, 0, 2)
    assert f["worked_conversion_rate_pct"] == 50.0
    assert total.figures()["leads"] == 4


def test_lost_after_a_breach_is_follow_up_but_junk_after_a_breach_is_not() -> None:
    leads = [
        lead(
            "a", [(S.CONTACTED, 40, {}), (S.LOST, 90, {"reason": "went quiet"})], breached_minute=5
        ),
        lead(
            "b",
            [(S.CONTACTED, 40, {}), (S.DISQUALIFIED, 90, {"reason": "spam"})],
            breached_minute=5,
        ),
    ]
    [group], _ = aggregate(leads, [], by=GroupBy.CAMPAIGN, start=None, end=None, stale_before=STALE)
    f = group.figures()
    assert f["lost_after_sla_breach"] == 1
    assert f["sla_compliance_pct"] == 0.0


def test_a_breach_before_a_late_acceptance_is_not_compliance() -> None:
    late = lead("a", [(S.ACCEPTED, 4, {})], sla_minutes=5, breached_minute=3)
    assert not late.accepted_within_sla()
    assert lead("b", [(S.ACCEPTED, 4, {})]).accepted_within_sla()
    assert not lead("c", [(S.ACCEPTED, 6, {})]).accepted_within_sla()


def test_no_leads_no_spend_gives_dashes_not_errors() -> None:
    groups, total = aggregate([], [], by=GroupBy.CAMPAIGN, start=None, end=None, stale_before=STALE)
    f = total.figures()
    assert groups == []
    assert f["conversion_rate_pct"] is None and f["cac"] is None and f["roi_pct"] is None
    assert f["speed_to_lead_p50_seconds"] is None and f["sla_compliance_pct"] is None


def test_spend_is_prorated_by_days_in_the_period() -> None:
    march = SpendRow("spring", "marketing", date(2025, 3, 1), date(2025, 3, 31), Decimal(3100))
    assert prorated(march, None, None) == Decimal(3100)
    assert prorated(march, date(2025, 3, 1), date(2025, 3, 10)) == Decimal(1000)
    assert prorated(march, date(2025, 2, 20), date(2025, 3, 1)) == Decimal(100)
    assert prorated(march, date(2025, 4, 1), date(2025, 4, 30)) == Decimal(0)


def test_campaign_spend_is_shared_among_channels_by_leads() -> None:
    leads = [
        lead("a", [], channel="email"),
        lead("b", [], channel="paid_search"),
        lead("c", [], channel="paid_search"),
        lead("d", [], campaign="autumn", channel="email"),
    ]
    spend = [
        SpendRow("spring", "marketing", date(2025, 3, 1), date(2025, 3, 31), Decimal(3000)),
        SpendRow("spring", "sales", date(2025, 3, 1), date(2025, 3, 31), Decimal(300)),
        SpendRow("winter", "marketing", date(2025, 1, 1), date(2025, 1, 31), Decimal(500)),
    ]
    groups, total = aggregate(
        leads, spend, by=GroupBy.CHANNEL, start=None, end=None, stale_before=STALE
    )
    found = {g.key: (g.spend, g.sales_cost) for g in groups}
    assert found == {
        "email": (Decimal(1000), Decimal(100)),
        "paid_search": (Decimal(2000), Decimal(200)),
        None: (Decimal(500), Decimal(0)),  # a campaign without leads in the period
    }
    assert total.spend == Decimal(3500) and total.sales_cost == Decimal(300)


def test_grouping_by_day_and_week_uses_the_capture_date() -> None:
    groups, _ = aggregate(
        [lead("a", [])], [], by=GroupBy.WEEK, start=None, end=None, stale_before=STALE
    )
    assert [g.key for g in groups] == ["2025-03-03"]
    groups, _ = aggregate(
        [lead("a", [])], [], by=GroupBy.DAY, start=None, end=None, stale_before=STALE
    )
    assert [g.key for g in groups] == ["2025-03-03"]
