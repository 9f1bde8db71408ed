"""The app shell, the filter bar, the Overview and the Data loaded pages."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import APP, dash_count

count = dash_count


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_the_asb_count_and_filters_change_it(app: AppTest, dash_db):
    app.run()
    assert not app.exception
    total = count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb")
    assert metric(app, "ASB incidents") == f"{total:,}"
    app.multiselect(key="f_csp").set_value(["E06000001"]).run()
    hartlepool = count(
        dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND csp_code = 'E06000001'")
    assert 0 < hartlepool < total
    assert metric(app, "ASB incidents") == f"{hartlepool:,}"
    app.date_input(key="f_period").set_value(
        (date(2022, 3, 1), date(2022, 3, 31))).run()
    march = count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND csp_code = "
                             "'E06000001' AND month = DATE '2022-03-01'")
    assert metric(app, "ASB incidents") == f"{march:,}"
    table = app.dataframe[0].value
    assert table["ASB incidents"].sum() == march


def test_the_filters_stay_as_chosen_across_pages(app: AppTest, dash_db):
    """A filter chosen on one page holds on the next, through a page without the filter bar,
    and back again (Streamlit forgets a widget's value when a run does not draw it)."""
    app.run()
    app.multiselect(key="f_csp").set_value(["E06000001"]).run()
    app.date_input(key="f_period").set_value((date(2022, 3, 1), date(2022, 5, 31))).run()
    hartlepool = metric(app, "ASB incidents")
    app.switch_page("views/data_loaded.py").run()  # no filter bar on this page
    assert not app.exception
    app.switch_page("views/hotspots.py").run()
    assert not app.exception
    assert app.multiselect(key="f_csp").value == ["E06000001"]
    assert app.date_input(key="f_period").value == (date(2022, 3, 1), date(2022, 5, 31))
    app.switch_page("views/overview.py").run()
    assert not app.exception
    assert metric(app, "ASB incidents") == hartlepool
    assert app.multiselect(key="f_csp").value == ["E06000001"]


def test_the_period_counts_whole_months_and_says_so(app: AppTest, dash_db):
    """Picked days are widened to whole months before anything is counted, the picker shows
    the days counted, and the choice is kept across pages as widened."""
    app.run()
    app.date_input(key="f_period").set_value((date(2022, 3, 15), date(2022, 3, 20))).run()
    assert not app.exception
    assert app.date_input(key="f_period").value == (date(2022, 3, 1), date(2022, 3, 31))
    assert any(c.value == "Counting whole months: Mar 2022" for c in app.sidebar.caption)
    march = count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND month = "
                           "DATE '2022-03-01'")
    assert metric(app, "ASB incidents") == f"{march:,}"
    app.date_input(key="f_period").set_value((date(2022, 2, 10), date(2022, 4, 2))).run()
    assert any(c.value == "Counting whole months: Feb 2022 to Apr 2022"
               for c in app.sidebar.caption)
    app.switch_page("views/data_loaded.py").run()
    app.switch_page("views/overview.py").run()
    assert not app.exception
    assert app.date_input(key="f_period").value == (date(2022, 2, 1), date(2022, 4, 30))
    spring = count(dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN "
                            "DATE '2022-02-01' AND DATE '2022-04-01'")
    assert metric(app, "ASB incidents") == f"{spring:,}"


def test_data_page_lists_sources_files_and_rejects(app: AppTest, dash_db):
    app.run()
    app.switch_page("views/data_loaded.py").run()
    assert not app.exception
    sources = app.dataframe[0].value
    assert "police-uk" in sources["source"].tolist()
    police = sources.set_index("source").loc["police-uk"]
    assert police["rows_loaded"] == count(
        dash_db, "SELECT sum(rows_loaded) FROM raw_file WHERE source_name = 'police-uk'")
    files = app.dataframe[2].value
    assert len(files) == count(dash_db, "SELECT count(*) FROM raw_file")
    pivot = app.dataframe[1].value
    assert int(pivot["police-uk"].sum()) == count(
        dash_db, "SELECT count(*) FROM mart_incident WHERE is_asb AND source_name = 'police-uk'")


def test_missing_warehouse_says_what_to_do(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASB_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "no warehouse here yet" in at.error[0].value
    assert "make run" in at.info[0].value
