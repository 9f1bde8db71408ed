"""The hotspot map draws in a real browser with every request off this computer refused."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect


def test_hotspot_map_renders_offline(page: Page, server: str, screenshots):
    refused: list[str] = []

    def local_only(route: Route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "data:",
                           "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(server)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Explore", exact=True)).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Hotspots").click()
    expect(page.get_by_role("heading", name="Hotspots")).to_be_visible(timeout=60_000)
    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart).to_be_visible(timeout=60_000)
    canvas = chart.locator("canvas.maplibregl-canvas")
    expect(canvas).to_be_visible(timeout=60_000)
    # the choropleth's polygons came from the page (a data: URI), not a tile server
    page.wait_for_function(
        "() => { const g = document.querySelector('.js-plotly-plot');"
        " return g && g._fullData && g._fullData.length > 0"
        " && g._fullData[0].type === 'choroplethmap'"
        " && g._fullData[0]._length > 100; }", timeout=60_000)
    style = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.map.style")
    assert style == "white-bg"
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(2000)  # let MapLibre draw the polygons before the screenshot
    page.screenshot(path=str(screenshots / "hotspots.png"), full_page=True)
    assert not [u for u in refused if "tile" in u or "map" in u], refused
