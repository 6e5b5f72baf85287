"""The dashboard in Debian's chromium: it loads, shows the figures the API returns, and renders."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from shared.events import utcnow
from tests.integration.conftest import ADMIN_KEY, Feedback
from tests.support import CHROMIUM as SUPPORT_CHROMIUM
from tests.support import CHROMIUM_ARGS, eventually

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = Path(SUPPORT_CHROMIUM)
INSTALLED = CHROMIUM.exists()
ARGS = CHROMIUM_ARGS


async def test_the_dashboard_shows_the_api_figures_and_renders_its_charts(
    feedback: Feedback, tmp_path: Path
) -> None:
    assert INSTALLED, "install chromium: bash deploy/local/ensure-chromium.sh"
    campaign = f"ui-{uuid.uuid4().hex[:8]}"
    leads = [f"{campaign}-lead-{i}" for i in range(4)]
    t0 = utcnow() - timedelta(days=2)
    for i, lead_id in enumerate(leads):
        await feedback.route(lead_id, campaign, captured_at=t0 + timedelta(hours=i))
    async with feedback.client() as http:

        async def routed() -> bool:
            rows = (await http.get("/v1/kpis", params={"campaign_id": campaign})).json()["groups"]
            return bool(rows and rows[0]["leads"] == 4)

        await eventually(routed)
        outcomes = [
            {
                "lead_id": leads[0],
                "status": "accepted",
                "occurred_at": str(t0 + timedelta(minutes=3)),
            },
            {
                "lead_id": leads[0],
                "status": "contacted",
                "occurred_at": str(t0 + timedelta(minutes=6)),
            },
            {
                "lead_id": leads[0],
                "status": "won",
                "amount": "30000",
                "currency": "USD",
                "occurred_at": str(t0 + timedelta(days=1)),
            },
            {
                "lead_id": leads[1],
                "status": "contacted",
                "occurred_at": str(t0 + timedelta(hours=1, minutes=20)),
            },
            {
                "lead_id": leads[1],
                "status": "qualified",
                "occurred_at": str(t0 + timedelta(hours=2)),
            },
            {
                "lead_id": leads[2],
                "status": "disqualified",
                "reason": "spam",
                "occurred_at": str(t0 + timedelta(hours=3)),
            },
        ]
        assert (await http.post("/v1/outcomes", json=outcomes)).status_code == 202
        spend = {
            "amount": "12000",
            "currency": "USD",
            "period_start": str(t0.date()),
            "period_end": str(t0.date() + timedelta(days=29)),
        }
        assert (await http.post(f"/v1/campaigns/{campaign}/spend", json=spend)).status_code == 201
        expected = (await http.get("/v1/kpis", params={"campaign_id": campaign})).json()["groups"][
            0
        ]
    assert (expected["qualified"], expected["customers"]) == (2, 1)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1300})
            response = await page.goto(f"{feedback.url}/dashboard")
            assert response is not None and response.status == 200
            assert "script-src 'self'" in (await response.all_headers())["content-security-policy"]
            assert await page.get_attribute("body", "data-state") == "locked"

            await page.fill("#api-key", ADMIN_KEY)
            await page.click("#key-form button[type=submit]")
            await page.wait_for_selector("body[data-state=loaded]", timeout=30_000)
            stored = await page.evaluate("sessionStorage.getItem('handoff.feedback.apiKey')")
            assert stored == ADMIN_KEY and await page.input_value("#api-key") == ""

            row = page.locator(f'#kpi-table tr[data-key="{campaign}"]')

            async def cell(field: str) -> str:
                return (await row.locator(f'td[data-field="{field}"]').inner_text()).strip()

            assert await cell("leads") == str(expected["leads"])
            assert await cell("qualified") == str(expected["qualified"])
            assert await cell("customers") == str(expected["customers"])
            assert await cell("conversion_rate_pct") == f"{expected['conversion_rate_pct']:.1f} %"
            assert await cell("roi_pct") == f"{expected['roi_pct']:.1f} %"
            assert await cell("cost_per_qualified_lead") == "$6,000"
            assert await cell("cac") == "$12,000"
            assert await cell("disqualification_reasons") == "spam 1"
            assert await cell("speed_to_lead_p50_seconds") == "13.0 min"  # 6 and 20 minutes
            assert await cell("sla_compliance_pct") == "25.0 %"
            for chart in ("funnel", "speed", "sla", "cpql", "roi"):
                assert await page.locator(f"#{chart} svg").count() == 1, chart

            shot = tmp_path / "dashboard.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000

            await page.click("#forget-key")
            assert await page.evaluate("sessionStorage.getItem('handoff.feedback.apiKey')") is None
        finally:
            await browser.close()
