"""Sign-in, roles, the governance journey, filters, the map and an upload, in a real browser.

The dashboard is served with a users file (one user per role) on its own copy of the sample
warehouse, and driven by Playwright in Debian's Chromium. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from dashboard.navigation import PAGES
from pipelines.users import hash_password
from tests.e2e.conftest import serve

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PASSWORD = "correct horse battery"
ROLES = ("analyst", "panel", "governance", "admin")
PERSON_PAGES = {p.title for p in PAGES if p.person_level}
MUST = {  # pages each role must find in the menu ...
    "analyst": {"Overview", "Governance overview", "Victim profile", "Data loaded"},
    "panel": {"Overview", "Governance overview", "Victim profile"},
    "governance": {"Governance overview"},
    "admin": {"Admin", "Data loaded"},
}
MUST_NOT = {  # ... and must not
    "analyst": {"Admin"},
    "panel": {"Admin", "Data loaded"},
    # aggregates with small numbers suppressed only: no analysis page shows a count of one
    "governance": PERSON_PAGES | {"Admin", "Data loaded", "Overview", "Hotspots", "Peak times",
                                  "Before and after", "Which interventions work", "Problems"},
    "admin": PERSON_PAGES - {"People links"},
}


@pytest.fixture(scope="module")
def role_server(e2e_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("roles")
    users = folder / "users.yaml"
    lines = ["users:"]
    for role in ROLES:
        lines += [f"  {role}1:", f"    name: {role.title()} One", f"    role: {role}",
                  f"    password: '{hash_password(PASSWORD, n=2**12)}'"]
    users.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = folder / "roles.duckdb"  # its own copy: these journeys write (audit, upload)
    shutil.copy(e2e_db, db)
    yield from serve(db, ASB_USERS_FILE=str(users))


def wait_ready(page: Page) -> None:
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def sign_in(page: Page, url: str, user: str) -> None:
    page.goto(url)
    wait_ready(page)
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
    wait_ready(page)


def menu(page: Page) -> set[str]:
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible(timeout=30_000)
    # Each link reads "<icon ligature>\n\n<title>".
    return {t.strip().splitlines()[-1] for t in nav.get_by_role("link").all_inner_texts()}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_sees_only_its_pages(page: Page, role_server: str, role: str):
    sign_in(page, role_server, f"{role}1")
    expect(page.get_by_text(f"({role})")).to_be_visible()
    if len(MUST[role]) == 1:
        # One page: Streamlit draws no menu, and the role lands on that page.
        (only,) = MUST[role]
        expect(page.get_by_role("heading", name=only)).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        return
    shown = menu(page)
    assert MUST[role] <= shown, MUST[role] - shown
    assert not shown & MUST_NOT[role], shown & MUST_NOT[role]


def test_governance_sees_its_overview_downloads_the_pack_and_is_refused_a_victim_profile(
        page: Page, role_server: str, screenshots: Path, tmp_path: Path):
    sign_in(page, role_server, "governance1")  # the role's only page: it lands there
    expect(page.get_by_role("heading", name="Governance overview")).to_be_visible(
        timeout=60_000)
    expect(page.get_by_role("heading", name="ASB volume by category and CSP area")).to_be_visible(
        timeout=60_000)
    wait_ready(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(screenshots / "governance.png"), full_page=True)

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download the meeting pack").click()
    pack = tmp_path / info.value.suggested_filename
    info.value.save_as(pack)
    text = pack.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "ASB governance overview" in text
    assert "[c]" in text

    # The pack opens offline and its map renders.
    page.goto(pack.as_uri())
    expect(page.get_by_role("heading", name="ASB governance overview")).to_be_visible()
    map_svg = page.locator("svg.map")
    expect(map_svg).to_be_visible()
    assert map_svg.locator("path").count() > 100
    box = map_svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 200
    page.screenshot(path=str(screenshots / "governance-pack.png"), full_page=False)
    map_svg.scroll_into_view_if_needed()
    map_svg.screenshot(path=str(screenshots / "governance-map.png"))

    # A direct link to a person-level page is refused with a clear message.
    page.goto(f"{role_server}/victim-profile")
    wait_ready(page)
    page.get_by_label("User name").fill("governance1")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_text("is not available to the governance role")
    expect(alert).to_be_visible(timeout=60_000)
    expect(page.get_by_text("full victim profile is coming")).to_have_count(0)
    page.screenshot(path=str(screenshots / "refused.png"), full_page=False)


def _metric(page: Page, label: str) -> str:
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    expect(box).to_be_visible(timeout=60_000)
    return box.get_by_test_id("stMetricValue").inner_text()


def test_analyst_changes_period_and_area_and_the_figures_change(page: Page, role_server: str,
                                                                screenshots: Path):
    sign_in(page, role_server, "analyst1")
    page.get_by_role("link", name="Governance overview").click()
    expect(page.get_by_role("heading", name="Governance overview")).to_be_visible(
        timeout=60_000)
    wait_ready(page)
    everything = _metric(page, "ASB incidents")
    assert re.fullmatch(r"[\d,]+", everything)

    # The period: from January 2022 instead of the first month held (January 2021).
    page.get_by_role("spinbutton", name="year, Period start date").click()
    page.keyboard.type("2022")
    page.keyboard.press("Tab")
    page.get_by_test_id("stSidebar").get_by_text("Filters").click()  # leave the field
    expect(page.get_by_test_id("stMetric").filter(has_text="ASB incidents").first
           ).not_to_contain_text(everything, timeout=60_000)
    wait_ready(page)
    summer = _metric(page, "ASB incidents")

    area = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(
        has_text="CSP area")
    area.locator("input").click()
    page.keyboard.type("Hartlepool")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stMetric").filter(has_text="ASB incidents").first
           ).not_to_contain_text(summer, timeout=60_000)
    wait_ready(page)
    hartlepool = _metric(page, "ASB incidents")
    as_int = [int(v.replace(",", "")) for v in (everything, summer, hartlepool)]
    assert as_int[0] > as_int[1] > as_int[2] > 0
    page.wait_for_timeout(1000)
    page.screenshot(path=str(screenshots / "governance-filtered.png"), full_page=False)


def test_analyst_uploads_checks_and_commits_an_export(page: Page, role_server: str,
                                                      screenshots: Path):
    sign_in(page, role_server, "analyst1")
    page.get_by_role("link", name="Data loaded").click()
    expect(page.get_by_role("heading", name="Upload an export")).to_be_visible(timeout=60_000)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        str(EXAMPLES / "incidents.csv"))
    # the file chip is in the page once the upload arrived (it may be drawn clipped)
    expect(page.get_by_test_id("stFileChipName").filter(has_text="incidents.csv")).to_be_attached(
        timeout=30_000)
    # the upload reruns the page, and a rerun can close a dropdown opened meanwhile: open it
    # once the page is idle, and again if the options did not stay open
    wait_ready(page)
    option = page.get_by_role("option", name=re.compile(r"^incidents:"))
    for _ in range(3):
        page.get_by_test_id("stSelectbox").first.click()
        try:
            option.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeoutError:
            wait_ready(page)
    option.click()
    wait_ready(page)
    check = page.get_by_role("button", name="Check the file")
    expect(check).to_be_enabled(timeout=60_000)
    check.click()
    expect(page.get_by_test_id("stMetric").filter(has_text="Would load")).to_contain_text(
        "3", timeout=60_000)
    wait_ready(page)
    page.screenshot(path=str(screenshots / "upload-check.png"), full_page=False)
    commit = page.get_by_role("button", name="Commit to the warehouse")
    expect(commit).to_be_enabled(timeout=60_000)
    commit.click()
    expect(page.get_by_text("3 rows loaded, 0 rejected")).to_be_visible(timeout=120_000)
    wait_ready(page)
    page.screenshot(path=str(screenshots / "upload-committed.png"), full_page=False)


def test_admin_sees_the_audit_trail(page: Page, role_server: str, screenshots: Path):
    sign_in(page, role_server, "admin1")
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible(timeout=60_000)
    rows = page.get_by_text(re.compile(r"^\d[\d,]* rows$"))
    expect(rows).to_be_visible()
    assert int(rows.inner_text().split()[0].replace(",", "")) >= 1
    wait_ready(page)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(screenshots / "admin.png"), full_page=False)

