"""The Offender panel with a trained risk model, and Which interventions work, in a real browser
(single-user analyst). Also draws the README's screenshots of both pages."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import build_sample
from tests.e2e.conftest import serve

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def trained_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A sample warehouse whose risk model is trained (as an analyst would, with the CLI)."""
    db = build_sample(tmp_path_factory.mktemp("panel") / "panel.duckdb")
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "risk", "train", "--db", str(db)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    yield from serve(db)


def settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT)
    page.wait_for_timeout(1000)


def test_offender_panel_lists_people_with_a_tested_risk(page: Page, trained_server: str,
                                                       screenshots: Path):
    page.goto(f"{trained_server}/offender-panel")
    expect(page.get_by_role("heading", name="Offender panel")).to_be_visible(timeout=TIMEOUT)
    # the model's own test figures are stated beside the list
    expect(page.get_by_text(re.compile(r"Tested on later dates: AUC 0\.\d\d"))).to_be_visible(
        timeout=TIMEOUT)
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible(timeout=TIMEOUT)
    settle(page)
    page.screenshot(path=str(screenshots / "offender-panel.png"), full_page=False)


def test_interventions_page_draws_survival_curves(page: Page, trained_server: str,
                                                  screenshots: Path):
    page.goto(f"{trained_server}/interventions")
    expect(page.get_by_role("heading", name="Which interventions work?")).to_be_visible(
        timeout=TIMEOUT)
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible(timeout=TIMEOUT)
    # one curve (and its band) per intervention type drawn
    page.wait_for_function(
        "() => { const g = document.querySelector('.js-plotly-plot');"
        " return g && g._fullData && g._fullData.length >= 2; }", timeout=TIMEOUT)
    settle(page)
    page.screenshot(path=str(screenshots / "interventions.png"), full_page=False)
