"""One problem from definition to exported profile, in a real browser (single-user analyst)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

TIMEOUT = 60_000


def settle(page: Page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)


def press(page: Page, role: str, name: str) -> None:
    """Click a tab or button once the rerun has finished drawing: while it draws, the old
    page's elements can still be in the document beside the new ones."""
    target = page.get_by_role(role, name=name)  # type: ignore[arg-type]
    expect(target).to_have_count(1, timeout=TIMEOUT)
    target.click()


def test_problem_from_definition_to_profile(page: Page, server: str, screenshots, tmp_path):
    page.goto(f"{server}/problems")
    expect(page.get_by_role("heading", name="Problem-solving")).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Name").fill("Linthorpe Road evenings")
    wards = page.get_by_test_id("stMultiSelect").filter(has_text="Wards")
    wards.locator("input").fill("Central")
    page.keyboard.press("Enter")
    page.get_by_label("Objective: what the forum wants to achieve, and how").fill(
        "Fewer evening nuisance reports")
    press(page, "button", "Create problem")
    expect(page.get_by_text(re.compile(r"Problem \d+ created"))).to_be_visible(timeout=TIMEOUT)

    page.goto(f"{server}/problem-workspace")
    expect(page.get_by_role("heading", name="Problem workspace")).to_be_visible(timeout=TIMEOUT)
    press(page, "tab", "Scanning and analysis")
    expect(page.get_by_text(re.compile(r"[\d,]+ ASB incidents"))).to_be_visible(timeout=TIMEOUT)
    page.get_by_label("Label").fill("Scanning")
    press(page, "button", "Freeze snapshot")
    expect(page.get_by_text("Snapshot taken.")).to_be_visible(timeout=TIMEOUT)
    settle(page)
    press(page, "tab", "Scanning and analysis")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshots / "problem-workspace.png"), full_page=True)

    press(page, "tab", "Response")
    page.get_by_label("Agency").fill("Cleveland Police")
    page.get_by_role("spinbutton", name="day, Planned start").click()
    page.keyboard.type("01042022")  # a date field of day, month and year parts
    page.keyboard.press("Tab")
    press(page, "button", "Add response")
    expect(page.get_by_text("Response added.")).to_be_visible(timeout=TIMEOUT)

    press(page, "tab", "Assessment")
    press(page, "button", "Assess")
    expect(page.get_by_text("Assessed.")).to_be_visible(timeout=TIMEOUT)
    press(page, "tab", "Assessment")
    expect(page.get_by_text("WDQ", exact=True)).to_be_visible(timeout=TIMEOUT)

    press(page, "tab", "Export")
    press(page, "button", "Prepare the problem profile")
    settle(page)
    press(page, "tab", "Export")
    with page.expect_download(timeout=TIMEOUT) as download:
        press(page, "button", "Download the profile (HTML)")
    saved = tmp_path / "profile.html"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert "Linthorpe Road evenings" in text
    assert "Snapshot <b>Scanning</b>" in text
    assert "Weighted displacement quotient" in text
