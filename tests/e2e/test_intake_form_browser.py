"""The embeddable form in Debian's chromium: pasted into a page on another origin, it shows a
validation error to the person, then submits, lands on the thank-you page and stores the lead."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select

from services.intake.models import lead as lead_table
from shared.db import create_engine
from tests.conftest import Stack
from tests.e2e.conftest import Services
from tests.support import CHROMIUM, CHROMIUM_ARGS, eventually, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

INSTALLED = Path(CHROMIUM).exists()


class Site:
    """A marketing site on its own origin, serving whatever pages the test gives it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.pages: dict[str, str] = {"/thanks.html": "<h1>Thank you</h1>"}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()
    thread.join(timeout=10)


async def test_a_person_sees_their_mistake_then_their_lead_is_captured(
    services: Services, stack: Stack, site: Site, tmp_path: Path
) -> None:
    assert INSTALLED, "install chromium: bash deploy/local/ensure-chromium.sh"
    form_id = f"browser-{uuid.uuid4().hex[:6]}"
    config = {
        "id": form_id,
        "name": "Book a demo",
        "allowed_origins": [site.origin],
        "fields": [
            {
                "name": "email",
                "label": "Work e-mail",
                "lead_field": "contact.email",
                "type": "email",
            },
            {"name": "name", "label": "Name", "lead_field": "contact.first_name", "required": True},
            {
                "name": "specialisation",
                "label": "Specialisation",
                "type": "select",
                "options": ["Finance", "Marketing"],
            },
        ],
        "form_type": "demo_request",
        "campaign_id": "browser-spring",
        "thank_you_url": f"{site.origin}/thanks.html",
        "min_fill_seconds": 1,
    }
    intake = services.urls["intake"]
    async with httpx.AsyncClient(base_url=intake, headers=services.admin, timeout=20) as http:
        assert (await http.put(f"/v1/forms/{form_id}", json=config)).status_code == 201
        snippet = (await http.get(f"/v1/forms/{form_id}/snippet")).text
    site.pages["/demo.html"] = f"<!doctype html><title>Demo</title><h1>Book a demo</h1>{snippet}"
    email = f"browser-{uuid.uuid4().hex[:8]}@acme-industries.com"

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{site.origin}/demo.html?utm_source=newsletter&utm_medium=email")
            await page.wait_for_function(
                "document.querySelector('input[name=_handoff_token]').value !== ''"
            )
            await page.fill("input[name=email]", "ada-at-acme")
            await page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
            await page.click("button[type=submit]")
            await page.wait_for_selector(".handoff-error")
            errors = await page.locator(".handoff-error").all_inner_texts()
            assert len(errors) == 2  # the e-mail and the missing name, each beside its input
            assert any("Name is required" in e for e in errors)
            assert await page.get_attribute("input[name=email]", "aria-invalid") == "true"
            assert "correct the highlighted fields" in await page.inner_text(".handoff-message")
            await page.screenshot(path=str(tmp_path / "form-error.png"), full_page=True)

            await page.fill("input[name=email]", email)
            await page.fill("input[name=name]", "Ada")
            await page.select_option("select[name=specialisation]", "Finance")
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{site.origin}/thanks.html", timeout=20_000)
            await page.screenshot(path=str(tmp_path / "form-thanks.png"))
        finally:
            await browser.close()
    assert (tmp_path / "form-error.png").stat().st_size > 0

    engine = create_engine(stack.database_url)
    try:

        async def captured() -> dict[str, object] | None:
            async with engine.connect() as conn:
                row = await conn.execute(
                    select(lead_table.c.data).where(lead_table.c.email == email)
                )
                return row.scalar()

        data = await eventually(captured, timeout=10)
    finally:
        await engine.dispose()
    assert data["contact"]["first_name"] == "Ada"  # type: ignore[index]
    assert data["extra"] == {"specialisation": "Finance"}
    assert data["attribution"]["utm_source"] == "newsletter"  # type: ignore[index]
    assert data["attribution"]["landing_page"].startswith(f"{site.origin}/demo.html")  # type: ignore[index]
    assert data["company"]["domain"] == "acme-industries.com"  # type: ignore[index]
