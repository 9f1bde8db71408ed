"""Hotspots, Peak times and Before and after: widgets driven by key, and every number shown
checked against an independent calculation (SQL on the warehouse, or the analysis library
run on incidents read straight from ``mart_incident``)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from dashboard import maps
from pipelines.analysis import assessment, forecast, hotspots, near_repeat, peaktimes
from pipelines.config import load_config
from pipelines.users import hash_password
from pipelines.warehouse import connect
from tests.dashboard.conftest import dash_count

MIDDLESBROUGH = "E06000002"
HARTLEPOOL = "E06000001"


def frame(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = connect(db)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def asb(db: Path, where: str = "TRUE", params: list | None = None) -> pd.DataFrame:
    """ASB incidents straight from the mart (not through the product's loaders); the build
    has decided each one's ``time_precision`` (dates without a time are ``date``)."""
    out = frame(db, "SELECT * FROM mart_incident WHERE is_asb AND " + where
                + " ORDER BY month, incident_id", params)
    for column in ("month", "occurred_at", "occurred_to"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    return out


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def map_spec(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_hotspots_areas_and_grid(app: AppTest, dash_db: Path):
    open_page(app, "views/hotspots.py")
    app.multiselect(key="f_csp").set_value([HARTLEPOOL]).run()
    table = app.dataframe[0].value.set_index("area_code")
    counts = frame(dash_db, "SELECT l.lsoa_code, l.population, count(i.incident_id) AS n "
                            "FROM core_area_lsoa l LEFT JOIN mart_incident i ON i.is_asb AND "
                            "i.lsoa_code = l.lsoa_code WHERE l.csp_code = ? GROUP BY ALL",
                   [HARTLEPOOL]).set_index("lsoa_code")
    assert len(table) == len(counts) == 58
    assert (table.loc[counts.index, "incidents"] == counts["n"]).all()
    np.testing.assert_allclose(table.loc[counts.index, "rate_per_1000"],
                               1000 * counts["n"] / counts["population"])
    spec = map_spec(app)
    assert spec["layout"]["map"]["style"] == "white-bg"  # no tiles: draws offline
    trace = spec["data"][0]
    assert trace["type"] == "choroplethmap" and trace["geojson"].startswith("data:")
    assert sorted(trace["locations"]) == sorted(counts.index)

    app.radio(key="hs_level").set_value("ward").run()
    wards = app.dataframe[0].value
    assert set(wards["area_code"]) == set(frame(
        dash_db, "SELECT area_code FROM mart_area WHERE level = 'ward' AND csp_code = ?",
        [HARTLEPOOL])["area_code"])
    assert wards["incidents"].sum() == dash_count(
        dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND csp_code = ? AND "
                 "ward_code IN (SELECT area_code FROM mart_area WHERE level = 'ward' AND "
                 "csp_code = ?)", [HARTLEPOOL, HARTLEPOOL])

    app.radio(key="hs_layer").set_value("grid").run()
    app.number_input(key="hs_cell_size").set_value(500).run()
    assert not app.exception, app.exception
    cells = app.dataframe[0].value
    sql_cells = frame(dash_db, "SELECT floor(easting / 500) AS c, floor(northing / 500) AS r, "
                               "count(*) AS n, sum(CASE category WHEN 'personal' THEN 3 WHEN "
                               "'nuisance' THEN 2 WHEN 'environmental' THEN 1 ELSE 1 END) AS w "
                               "FROM mart_incident WHERE is_asb AND csp_code = ? AND easting IS "
                               "NOT NULL GROUP BY ALL", [HARTLEPOOL])
    assert len(cells) == len(sql_cells)
    assert cells["count"].iloc[0] == sql_cells["n"].max()
    assert len(map_spec(app)["data"][0]["locations"]) == len(sql_cells)
    app.selectbox(key="hs_harm").set_value("category").run()
    assert app.dataframe[0].value["value"].iloc[0] == sql_cells["w"].max()

    # exports: a PNG drawn in the system Chromium (kaleido) from the map on the page
    app.button(key="hs_png_make").click().run()
    assert not app.exception, app.exception
    assert app.session_state["hs_png"][1][:8] == b"\x89PNG\r\n\x1a\n"


def test_map_html_export_opens_offline():
    fig = maps.new_map({"type": "FeatureCollection", "features": []})
    maps.add_choropleth(fig, maps.cell_geojson(["E450000N520000"], np.array([450000.0]),
                                               np.array([520000.0]), 250),
                        ["E450000N520000"], [3.0], name="incidents")
    html = maps.to_html(fig, "Grid counts").decode()
    assert "<title>Grid counts</title>" in html
    assert not re.search(r"<script[^>]*\bsrc=", html)  # nothing fetched: plotly.js is inside
    assert "white-bg" in html and len(html) > 1_000_000


def test_hotspots_gi_emerging_forecast_and_hot_dots(app: AppTest, dash_db: Path):
    open_page(app, "views/hotspots.py")
    app.multiselect(key="f_csp").set_value([MIDDLESBROUGH]).run()
    raw = asb(dash_db, "csp_code = ?", [MIDDLESBROUGH])
    located = raw[raw["easting"].notna()]

    app.radio(key="hs_layer").set_value("gi").run()
    gi = hotspots.gi_star_hotspots(located, 250)
    labels = gi.cells["label"]
    assert metric(app, "Cells tested") == f"{len(gi.cells):,}"
    assert metric(app, "Hot spot cells") == f"{labels.str.startswith('hot').sum():,}"
    shown = app.dataframe[0].value
    top = gi.cells.sort_values(["z", "cell_id"], ascending=[False, True]).iloc[0]
    assert shown["cell_id"].iloc[0] == top["cell_id"]
    assert shown["z"].iloc[0] == pytest.approx(top["z"])

    app.radio(key="hs_layer").set_value("emerging").run()
    emerging = hotspots.emerging_hotspots(located, 250)
    summary = app.dataframe[0].value.set_index("pattern")["cells"]
    expected = emerging.summary.drop("no pattern", errors="ignore")
    assert summary.to_dict() == expected.to_dict()
    assert any("cover different months" in w.value for w in app.warning)

    app.radio(key="hs_layer").set_value("forecast").run()
    assert not app.exception, app.exception
    tested = forecast.backtest(located, coverage=0.05, cell_size=250,
                               methods=["naive", forecast.default_method])
    blend = tested.methods[forecast.default_method]
    assert metric(app, "Backtest mean PEI*") == f"{blend.mean_pei_star:.3f}"
    assert metric(app, "Mean PAI") == f"{blend.mean_pai:.2f}"
    flagged = forecast.forecast(located, coverage=0.05, cell_size=250)
    assert app.dataframe[1].value["cell_id"].tolist() == flagged.cells["cell_id"].tolist()
    assert any("+0.017 to +0.026" in c.value for c in app.caption)

    app.radio(key="hs_layer").set_value("dots").run()
    dots = app.dataframe[0].value
    theirs = hotspots.hot_dots(raw, top=20).locations
    assert dots["count"].tolist() == theirs["count"].tolist()
    assert dots["location_key"].tolist() == theirs["location_key"].tolist()
    assert "location_text" in dots.columns  # the single-user analyst sees addresses


def test_hotspots_exports_survive_a_second_click_and_slow_layers_say_they_are_working(
        app: AppTest, monkeypatch: pytest.MonkeyPatch):
    """The map and table are made when clicked: a click must not rerun the page (a rerun drops
    the deferred files, so a second export within seconds failed). The slow layers (emerging
    hot spots takes ~11 s at 250 m) show a spinner with a plain message."""
    import contextlib

    import streamlit

    said: list[str] = []
    real = streamlit.spinner

    @contextlib.contextmanager
    def spinner(text: str = "", *args, **kwargs):
        said.append(text)
        with real(text, *args, **kwargs):
            yield

    monkeypatch.setattr(streamlit, "spinner", spinner)
    open_page(app, "views/hotspots.py")
    app.multiselect(key="f_csp").set_value([HARTLEPOOL]).run()
    for layer, words in (("grid", None), ("density", "density surface"),
                         ("gi", "hot and cold spots"), ("emerging", "emerging hot spots")):
        said.clear()
        app.radio(key="hs_layer").set_value(layer).run()
        assert not app.exception, app.exception
        if words:
            assert any(words in s.lower() for s in said), (layer, said)
        buttons = {b.proto.id.split("-")[-1]: b.proto for b in app.get("download_button")}
        assert {"hs_export_html", "hs_export_csv"} <= set(buttons), buttons.keys()
        for key in ("hs_export_html", "hs_export_csv"):
            assert buttons[key].ignore_rerun, (layer, key)


PASSWORD = "correct horse battery"


@pytest.fixture()
def panel_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  panel1:\n    name: Panel One\n    role: panel\n"
                    f"    password: '{hash_password(PASSWORD, n=2**10)}'\n", encoding="utf-8")
    monkeypatch.setenv("ASB_USERS_FILE", str(path))
    return "panel1"


def test_hot_dots_show_addresses_to_analysts_only(app: AppTest, dash_db: Path, panel_user: str):
    """The panel role (and governance, which cannot open the page at all) sees hot dots by
    ward, placed at the centre of their 100 m square, never by address."""
    app.run()
    app.text_input(key="signin_user").input(panel_user)
    app.text_input(key="signin_password").input(PASSWORD)
    app.button[0].click().run()
    open_page(app, "views/hotspots.py")
    app.radio(key="hs_layer").set_value("dots").run()
    dots = app.dataframe[0].value
    assert "location_text" not in dots.columns and "location_key" not in dots.columns
    texts = frame(dash_db, "SELECT DISTINCT location_text FROM mart_incident WHERE is_asb AND "
                           "source_name <> 'police-uk' AND location_text IS NOT NULL")
    spec = app.get("plotly_chart")[0].proto.spec
    page_text = spec + " ".join(str(e.value) for e in app.caption) + dots.to_csv()
    leaked = [t for t in texts["location_text"] if len(t) > 12 and t in page_text]
    assert not leaked, leaked[:3]


def test_peak_times(app: AppTest, dash_db: Path):
    open_page(app, "views/peak_times.py")
    raw = asb(dash_db)
    how = peaktimes.hour_of_week(raw)
    # every incident chosen is in exactly one class of what is known about when it happened
    n = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND "
                            "time_precision = 'datetime' AND occurred_at IS NOT NULL AND "
                            "(occurred_to IS NULL OR occurred_to >= occurred_at)")
    dated = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND "
                                "time_precision = 'date' AND occurred_at IS NOT NULL AND "
                                "(occurred_to IS NULL OR occurred_to >= occurred_at)")
    unusable = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND "
                                   "time_precision <> 'month' AND (occurred_at IS NULL OR "
                                   "occurred_to < occurred_at)")
    police = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND "
                                 "time_precision = 'month'")
    everyone = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb")
    assert unusable > 0 and how.n_used == n + dated  # no window in the sample is over a week
    assert metric(app, "Incidents with a day and time") == f"{n:,}"
    assert metric(app, "With a date but no time") == f"{dated:,}"
    assert metric(app, "Month only (left out here)") == f"{police:,}"
    assert metric(app, "No usable date or time (left out)") == f"{unusable:,}"
    assert n + dated + police + unusable == everyone
    assert any(c.value.startswith(f"Of the {everyone:,} incidents chosen: {n:,} with a day and "
                                  f"time, {dated:,} with a date but no time")
               and f"{unusable:,} with no usable date or time" in c.value for c in app.caption)
    assert any(c.value.startswith(f"Busiest hour of the week, from the {n:,} incidents with a "
                                  "time: ") for c in app.caption)
    assert any(f"{police:,} of the" in i.value and "police.uk" in i.value for i in app.info)
    matrix = app.dataframe[0].value.set_index("day")
    # shown to 2 decimals; a day spread over 24 hours gives ties (x.625) that float sums
    # may round either way
    np.testing.assert_allclose(matrix.to_numpy(dtype=float), how.matrix.to_numpy(), atol=0.0051)
    seasons = app.dataframe[1].value
    expected = peaktimes.monthly_trend(raw).seasons
    assert seasons["incidents"].tolist() == expected["count"].tolist()
    special = app.dataframe[2].value.set_index("name")
    years = range(raw["occurred_at"].min().year, raw["occurred_at"].max().year + 1)
    theirs = peaktimes.compare_special_days(
        raw, special=peaktimes.special_days_from_config(load_config(), years)
    ).by_name.set_index("name")
    assert special.loc["Bonfire night", "observed"] == pytest.approx(
        theirs.loc["Bonfire night", "observed"])
    assert special.loc["Bonfire night", "expected"] == pytest.approx(
        theirs.loc["Bonfire night", "expected"])
    # the incidents left out of the special days, each reason with its own count
    left_out = next(c.value for c in app.caption if "cannot be placed on a date" in c.value)
    assert (f"{police + unusable:,} incidents cannot be placed on a date and are left out: "
            f"{police:,} month only, {unusable:,} no usable date or time.") in left_out

    # a category leaves the police.uk rows out: no month-only notice any more
    app.multiselect(key="pt_category").set_value(["nuisance"]).run()
    nuisance = raw[raw["category"] == "nuisance"]
    used = peaktimes.hour_of_week(nuisance).n_used
    n_dated = int(((nuisance["time_precision"] == "date") & nuisance["occurred_at"].notna()).sum())
    assert metric(app, "Incidents with a day and time") == f"{used - n_dated:,}"
    assert metric(app, "With a date but no time") == f"{n_dated:,}"
    assert not any("police.uk publishes" in i.value for i in app.info)

    # the Knox test on one ward, 99 permutations
    app.multiselect(key="pt_category").set_value([]).run()
    app.multiselect(key="pt_ward").set_value(["E05001497"]).run()
    app.number_input(key="pt_permutations").set_value(99)
    app.button(key="pt_knox_run").click().run()
    assert not app.exception, app.exception
    table = app.dataframe[-1].value
    ward = asb(dash_db, "ward_code = ?", ["E05001497"])
    knox = near_repeat.knox_test(ward, permutations=99, seed=0)
    assert table["observed"].tolist() == knox.table["observed"].tolist()
    np.testing.assert_allclose(table["expected"], knox.table["expected"])
    grid = app.dataframe[-2].value
    assert list(grid.columns[1:]) == ["0-7 days", "8-14 days", "15-21 days", "22-28 days"]


def test_peak_times_names_no_busiest_hour_when_only_dates_are_known(app: AppTest,
                                                                    dash_db: Path):
    """Housing reports carry a date but no time: spread over 24 hours, every hour of a day
    ties, so the page names the busiest day, not an hour, and counts them as dates."""
    open_page(app, "views/peak_times.py")
    app.multiselect(key="f_source").set_value(["teesvalley-housing-reports"]).run()
    assert not app.exception, app.exception
    raw = asb(dash_db, "source_name = ?", ["teesvalley-housing-reports"])
    assert len(raw) and set(raw["time_precision"]) == {"date"}
    assert metric(app, "Incidents with a day and time") == "0"
    assert metric(app, "With a date but no time") == f"{raw['occurred_at'].notna().sum():,}"
    captions = " ".join(c.value for c in app.caption)
    assert "Busiest hour" not in captions
    busiest = peaktimes.hour_of_week(raw).by_day.idxmax()
    assert (f"No time of day is known for these incidents, so there is no busiest hour: the "
            f"busiest day of the week is {busiest}.") in captions


def _lsoas_bng(db: Path) -> gpd.GeoDataFrame:
    lsoa = frame(db, "SELECT lsoa_code, geometry FROM core_area_lsoa")
    return gpd.GeoDataFrame(lsoa[["lsoa_code"]], geometry=shapely.from_wkt(lsoa["geometry"]),
                            crs=4326).to_crs(27700)


def test_before_and_after(app: AppTest, dash_db: Path):
    open_page(app, "views/before_after.py")
    assert any("Choose the response area" in i.value for i in app.info)
    response = ["E01033468", "E01012044"]
    app.multiselect(key="ba_lsoas").set_value(response)
    app.date_input(key="ba_start").set_value(date(2022, 6, 1))
    app.number_input(key="ba_months").set_value(3)
    app.number_input(key="ba_buffer").set_value(300).run()
    assert not app.exception, app.exception
    counts = app.dataframe[0].value.set_index("area")
    raw = asb(dash_db, "csp_code = ?", [MIDDLESBROUGH])  # the rest of the CSP area compares
    expected = assessment.assess_response(raw, "2022-06-01", response=response,
                                          buffer_width=300, period_months=3,
                                          boundaries=_lsoas_bng(dash_db))
    pd.testing.assert_frame_equal(counts[["before", "after", "change"]],
                                  expected.counts[["before", "after", "change"]],
                                  check_names=False)
    wdq = "-" if expected.wdq is None else f"{expected.wdq:.2f}"
    assert metric(app, "Weighted displacement quotient") == wdq
    assert any(expected.reading in i.value for i in app.info)

    app.radio(key="ba_kind").set_value("cell").run()
    cell_options = app.multiselect(key="ba_cells").options
    assert cell_options
    chosen = [str(o).split(" ")[0] for o in cell_options[:2]]
    app.multiselect(key="ba_cells").set_value(chosen).run()
    assert not app.exception, app.exception
    counts = app.dataframe[0].value.set_index("area")
    everywhere = asb(dash_db)
    located = everywhere[everywhere["easting"].notna()]
    boxes = shapely.union_all([shapely.box(*(float(v) for v in c[1:].split("N")),
                                           *(float(v) + 250 for v in c[1:].split("N")))
                               for c in chosen])
    hit = _lsoas_bng(dash_db)
    csps = set(frame(dash_db, "SELECT csp_code FROM core_area_lsoa WHERE lsoa_code IN (SELECT "
                              "unnest(?))", [hit[hit.intersects(boxes)]["lsoa_code"].tolist()]
                     )["csp_code"])
    scoped = asb(dash_db, "csp_code IN (SELECT unnest(?))", [sorted(csps)])
    expected = assessment.assess_response(scoped, "2022-06-01", response=chosen,
                                          buffer_width=300, period_months=3, cell_size=250)
    assert counts.loc["response", "before"] == expected.counts.loc["response", "before"]
    assert counts.loc["buffer", "after"] == expected.counts.loc["buffer", "after"]
    assert len(located) > 0


def test_before_and_after_warns_when_a_source_covers_only_one_side(app: AppTest):
    """police.uk data in the sample start in January 2022: with the response in January, the
    before months hold three sources and the after months four."""
    open_page(app, "views/before_after.py")
    app.multiselect(key="ba_lsoas").set_value(["E01033468", "E01012044"])
    app.date_input(key="ba_start").set_value(date(2022, 6, 1))
    app.number_input(key="ba_months").set_value(3).run()
    assert not app.exception, app.exception
    assert not [w for w in app.warning if "covers both the before" in w.value]
    app.date_input(key="ba_start").set_value(date(2022, 1, 1)).run()
    assert not app.exception, app.exception
    warned = [w.value for w in app.warning if "covers both the before" in w.value]
    assert warned and "police-uk: Jan 2022 to Nov 2022" in warned[0]
