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


def _period(page: Page) -> tuple[str, str]:
    return tuple(page.get_by_role("group", name=f"Period {end} date").inner_text()
                 .replace("\n", "") for end in ("start", "end"))  # type: ignore[return-value]


def test_period_range_picked_in_the_calendar_and_kept_across_pages(page: Page, server: str):
    """Two clicks in the calendar give a start and an end (the filter must not complete a
    half-picked range, or the second click starts a new one), and the period holds on another
    page."""
    page.goto(server)
    wait_ready(page)
    expect(page.get_by_role("group", name="Period start date")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Choose date range").click()
    page.get_by_role("button", name="Wednesday, January 6, 2021").first.click()
    wait_ready(page)
    page.get_by_role("button", name="Next").first.click()
    page.get_by_role("button", name="Tuesday, February 16, 2021").first.click()
    wait_ready(page)
    page.keyboard.press("Escape")
    # the period counts whole months, so the picker shows the days counted
    expect(page.get_by_role("group", name="Period end date")).to_contain_text("28")
    assert _period(page) == ("01/01/2021", "28/02/2021")
    expect(page.get_by_text("Counting whole months: Jan 2021 to Feb 2021")).to_be_visible()
    page.get_by_role("link", name="Hotspots").click()
    expect(page.get_by_role("heading", name="Hotspots")).to_be_visible(timeout=60_000)
    wait_ready(page)
    assert _period(page) == ("01/01/2021", "28/02/2021")
