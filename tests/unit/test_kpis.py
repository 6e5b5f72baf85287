from services.feedback.kpis import CampaignKpis, conversion_rate_pct


def test_worked_check_from_the_design() -> None:
    assert conversion_rate_pct(100, 1000) == 10.0


def test_no_leads_means_no_rate_rather_than_zero() -> None:
    assert conversion_rate_pct(0, 0) is None


def test_campaign_rate_uses_customers_over_leads() -> None:
    assert CampaignKpis("spring", leads=8, qualified=4, customers=2).conversion_rate_pct == 25.0
