"""Pages meet awkward choices (no located incidents, a bad upload, a date before the data, a
single month) with a one-line message a CSP analyst can act on, never a traceback."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.analysis import forecast as forecast_mod
from pipelines.case_reviews import template_csv
from pipelines.errors import AnalysisProblem
from tests.dashboard.conftest import dash_count

HOUSING = "teesvalley-housing-reports"  # the sample source whose incidents have no coordinates
APPLICATIONS = ("SELECT count(*) FROM information_schema.tables "
                "WHERE table_name = 'app_case_review_application'")


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.value for e in elements]


def month_axis(at: AppTest) -> dict:
    """The time axis of the page's first chart."""
    return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["xaxis"]


# ---- Hotspots ------------------------------------------------------------------------------


def test_hotspots_layers_say_when_no_incident_has_a_location(app: AppTest, dash_db: Path):
    n = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND "
                            "source_name = ?", [HOUSING])
    assert n > 0 and dash_count(dash_db, "SELECT count(easting) FROM mart_incident WHERE "
                                         "is_asb AND source_name = ?", [HOUSING]) == 0
    open_page(app, "views/hotspots.py")
    app.multiselect(key="f_source").set_value([HOUSING]).run()
    for layer in ("grid", "areas", "density", "gi", "emerging", "forecast"):
        app.radio(key="hs_layer").set_value(layer).run()
        harms = ["none"] if layer == "forecast" else ["none", "category", "risk_band"]
        for harm in harms:
            if layer != "forecast":
                app.selectbox(key="hs_harm").set_value(harm).run()
            assert not app.exception, (layer, harm, app.exception)
            shown = " ".join(texts(app.info))
            assert f"None of the {n:,} incidents chosen has a location" in shown, (layer, harm)
            assert "choose another source or period" in shown
            assert not app.get("plotly_chart"), (layer, harm)  # no empty map
    # hot dots rank the places incidents name (addresses), so they still run
    app.radio(key="hs_layer").set_value("dots").run()
    assert not app.exception, app.exception
    assert not any("has a location" in t for t in texts(app.info))


def test_hotspots_layers_with_no_cell_to_draw_say_so(app: AppTest):
    """A small selection where no cell has an emerging pattern draws the map without cells
    (formerly ``_cells_hover`` failed joining strings to an empty float column)."""
    open_page(app, "views/hotspots.py")
    app.multiselect(key="f_source").set_value(["incidents"]).run()
    app.multiselect(key="hs_ward").set_value(["E05001485"]).run()
    app.radio(key="hs_layer").set_value("emerging").run()
    assert not app.exception, app.exception
    assert any("No cell shows an emerging pattern" in c for c in texts(app.caption))


def test_forecast_without_locations_says_location_not_month():
    unlocated = pd.DataFrame({"easting": [np.nan] * 6, "northing": [np.nan] * 6,
                              "month": pd.date_range("2022-01-01", periods=6, freq="MS")})
    for run in (lambda: forecast_mod.forecast(unlocated),
                lambda: forecast_mod.backtest(unlocated),
                lambda: forecast_mod.forecast(unlocated.iloc[:0])):
        with pytest.raises(AnalysisProblem) as problem:
            run()
        assert "location" in str(problem.value)
        assert "with a month" not in str(problem.value)


# ---- Case reviews --------------------------------------------------------------------------

BAD_UPLOADS = {
    "empty.csv": b"",
    "wrong-columns.csv": b"name,date,notes\nA Person,01/02/2022,x\n",
    "utf16-no-bom.csv": template_csv().encode("utf-16-le"),
    "binary.csv": bytes(range(256)) * 40,
    "workbook.csv": b"PK\x03\x04" + bytes(200),
    "broken-quotes.csv": b'person_refs,received_on\n"Cleveland Police:NOM1,01/02/2022\n',
}


def _import(app: AppTest, name: str, data: bytes) -> None:
    app.file_uploader(key="cr_upload").set_value((name, data, "text/csv")).run()
    app.button(key="cr_import").click().run()


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_case_review_import_refuses_a_bad_file_in_one_line(app: AppTest, dash_db: Path,
                                                           name: str):
    open_page(app, "views/case_reviews.py")
    before = dash_count(dash_db, APPLICATIONS)
    held = (dash_count(dash_db, "SELECT count(*) FROM app_case_review_application")
            if before else 0)
    _import(app, name, BAD_UPLOADS[name])
    assert not app.exception, app.exception
    errors = texts(app.error)
    assert len(errors) == 1 and errors[0].startswith("Not imported: ")
    assert name in errors[0] and "\n" not in errors[0]
    assert "No application was changed" in errors[0]
    assert not app.success
    assert dash_count(dash_db, APPLICATIONS) == before
    if before:
        assert dash_count(dash_db, "SELECT count(*) FROM app_case_review_application") == held


def test_case_review_import_reads_utf16_with_a_byte_order_mark(app: AppTest, dash_db: Path):
    """Excel's "Unicode text" (UTF-16 with a byte-order mark) reads as the Data page reads it."""
    open_page(app, "views/case_reviews.py")
    _import(app, "unicode.csv", template_csv().encode("utf-16"))
    assert not app.exception, app.exception
    assert not app.error, texts(app.error)
    assert texts(app.success) == ["1 applications recorded from unicode.csv."]
    assert dash_count(dash_db, "SELECT count(*) FROM app_case_review_application "
                               "WHERE application_id = 'CR-2022-0001'") == 1


def test_case_review_header_only_file_says_nothing_was_imported(app: AppTest):
    open_page(app, "views/case_reviews.py")
    _import(app, "header.csv", b"person_refs,received_on\n")
    assert not app.exception, app.exception
    assert not app.success and not app.error
    assert any("has no rows under its header" in t for t in texts(app.info))


def test_case_reviews_before_the_data_say_when_the_data_start(app: AppTest, dash_db: Path):
    open_page(app, "views/case_reviews.py")
    first = dash_count(dash_db, "SELECT CAST(strftime(min(reported_at), '%Y%m%d') AS INT) "
                                "FROM mart_person_incident")
    first_day = date(first // 10000, first // 100 % 100, first % 100)
    app.date_input(key="cr_as_of").set_value(date(2019, 6, 1)).run()
    assert not app.exception, app.exception
    shown = " ".join(texts(app.info))
    assert "No reports on or before 01/06/2019" in shown
    assert f"the data start on {first_day:%d/%m/%Y}" in shown
    assert "Choose a later as-of date" in shown
    # an as-of date inside the data: no such note
    app.date_input(key="cr_as_of").set_value(date(2022, 6, 30)).run()
    assert not any("No reports" in t for t in texts(app.info))


# ---- Overview ------------------------------------------------------------------------------


def test_overview_incidents_with_no_rate_are_counted_under_the_table(app: AppTest,
                                                                    dash_db: Path):
    outside = dash_count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND "
                                  "csp_name IS NULL")
    assert outside > 0
    open_page(app, "views/overview.py")
    table = app.dataframe[0].value.set_index("CSP area")
    assert "Outside the area" not in table.index
    rates = table["rate_per_1000"]
    assert rates.notna().all() and (rates > 0).all()  # numbers: they sort as numbers
    assert any(f"Not in the table: {outside:,} incidents" in c
               and "needs a resident population" in c for c in texts(app.caption))


def test_overview_one_month_axis_shows_months(app: AppTest):
    open_page(app, "views/overview.py")
    app.date_input(key="f_period").set_value((date(2022, 3, 1), date(2022, 3, 31))).run()
    assert not app.exception, app.exception
    axis = month_axis(app)
    assert axis["dtick"] == "M1" and axis["tickformat"] == "%b %Y"
    lo, hi = (pd.Timestamp(v) for v in axis["range"])
    assert lo < pd.Timestamp("2022-03-01") < hi and (hi - lo).days >= 28  # not milliseconds
    # the whole span: whole-month ticks, at most about a dozen of them
    app.date_input(key="f_period").set_value((date(2021, 1, 1), date(2022, 12, 31))).run()
    axis = month_axis(app)
    assert axis["dtick"] in ("M1", "M2", "M3", "M6", "M12") and axis["tickformat"] == "%b %Y"


def _chart_axis(app: AppTest, key: str) -> dict:
    """The time axis of the chart drawn with widget key ``key``."""
    chart = next(c for c in app.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)["layout"]["xaxis"]


def test_peak_times_one_month_axis_shows_months(app: AppTest):
    open_page(app, "views/peak_times.py")
    app.date_input(key="f_period").set_value((date(2022, 3, 1), date(2022, 3, 31))).run()
    assert not app.exception, app.exception
    axis = _chart_axis(app, "pt_monthly")
    assert axis["dtick"] == "M1" and axis["tickformat"] == "%b %Y"
