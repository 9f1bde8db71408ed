"""The main journeys in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def wait_ready(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def test_overview_then_data_page(page: Page, server: str, screenshots):
    page.goto(server)
    wait_ready(page)
    expect(page.get_by_role("heading", name="Anti-social behaviour overview")).to_be_visible(
        timeout=60_000)
    metric = page.get_by_test_id("stMetric").filter(has_text="ASB incidents").first
    expect(metric).to_contain_text(re.compile(r"\d{1,3}(,\d{3})+"))
    page.wait_for_timeout(1500)  # let the data grids draw before the screenshot
    page.screenshot(path=str(screenshots / "overview.png"), full_page=True)

    page.get_by_role("link", name="Data loaded").click()
    expect(page.get_by_role("heading", name="Data loaded")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Rejected rows").first).to_be_visible()
    wait_ready(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshots / "data-loaded.png"), full_page=True)
