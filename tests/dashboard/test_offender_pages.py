"""The offender panel and "Which interventions work" pages: what they show equals what
independent SQL (or the pipeline functions) say on the same warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES
from pipelines.analysis import interventions as iv
from pipelines.analysis import reoffending as rf
from pipelines.config import load_config
from pipelines.risk import train_and_store
from pipelines.warehouse import connect
from tests.dashboard.conftest import APP, dash_count
from tests.pipelines.reoffending_history import fast_config

PANEL, INTERVENTIONS = "views/offender_panel.py", "views/interventions.py"

PERSISTENT_SQL = """
WITH named AS (
    SELECT l.person_id, g.incident_group_id,
           min(coalesce(i.reported_at, i.occurred_at)) AS known_at
    FROM core_person_role r
    JOIN core_person_link l USING (person_record_id)
    JOIN core_incident i USING (incident_id)
    JOIN core_incident_group g USING (incident_id)
    WHERE r.role IN ('perpetrator', 'suspect') AND i.is_asb
    GROUP BY 1, 2
), span AS (
    SELECT CAST(max(coalesce(reported_at, occurred_at)) AS DATE) + 1 - INTERVAL 12 MONTH AS since
    FROM core_incident WHERE incident_id IN (SELECT incident_id FROM core_person_role)
)
SELECT person_id FROM named, span WHERE known_at >= since
GROUP BY person_id HAVING count(*) >= 3
"""


@pytest.fixture(scope="module")
def trained_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample warehouse with a (quickly) trained model stored."""
    path = tmp_path_factory.mktemp("risk") / "trained.duckdb"
    shutil.copy(sample_db, path)
    con = connect(path)
    try:
        train_and_store(con, fast_config(load_config()), check_leakage=False,
                        created_by="test")
    finally:
        con.close()
    return path


@pytest.fixture()
def trained_app(trained_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                ) -> tuple[AppTest, Path]:
    db = tmp_path / "dash.duckdb"
    shutil.copy(trained_db, db)
    monkeypatch.setenv("ASB_DB", str(db))
    return AppTest.from_file(APP, default_timeout=120), db


def _rows(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = connect(db)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _table(at: AppTest, key: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if df.key == key) if any(
        df.key == key for df in at.dataframe) else at.dataframe[0].value


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _open(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_the_pages_are_registered_with_their_roles():
    specs = {p.file: p for p in PAGES}
    panel, ivs = specs["offender_panel.py"], specs["interventions.py"]
    assert set(panel.roles or ()) == {"analyst", "panel"} and panel.person_level
    assert set(ivs.roles or ()) == {"analyst", "panel"} and not ivs.person_level


def test_panel_without_a_model_lists_the_persistent_perpetrators(app: AppTest, dash_db: Path):
    _open(app, PANEL)
    assert "No risk model" in app.info[0].value
    expected = set(_rows(dash_db, PERSISTENT_SQL)["person_id"])
    assert expected
    table = _table(app, "op_table")
    assert metric(app, "People listed") == f"{len(expected):,}"
    assert {p.split(" · ", 1)[1] for p in table["Person"]} == expected
    assert table["Risk"].isna().all()
    assert dash_count(dash_db, "SELECT count(*) FROM app_audit WHERE page = 'Offender panel' "
                               "AND action = 'view'") >= 1


def test_panel_without_a_model_says_nobody_is_scored_and_sorts_by_incidents(
        app: AppTest, dash_db: Path):
    """Before training there is no risk to sort by or band to show: no literal "None", no
    arbitrary risk order, and the page says when the columns fill in."""
    _open(app, PANEL)
    assert "fill in once an analyst trains the model" in app.info[0].value
    assert app.selectbox(key="op_sort").value == "Incidents in the last 12 months"
    table = _table(app, "op_table")
    assert set(table["Band"]) == {"not scored"}
    assert "None" not in set(table["Band"].astype(str))
    assert table["Incidents (12 months)"].is_monotonic_decreasing
    assert metric(app, "High risk band") == "not scored"
    # once trained, the list goes back to the risk order
    app.button(key="op_train").click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="op_sort").value == "Risk (highest first)"
    assert _table(app, "op_table")["Risk"].is_monotonic_decreasing
    assert "not scored" not in set(_table(app, "op_table")["Band"])


def test_panel_shows_the_date_an_action_was_recorded_not_when_the_model_learns_of_it(
        app: AppTest, dash_db: Path):
    """A step read from police result text enters the model 28 days after the report, but the
    panel shows the date the warehouse records for it, never a date after the data ends."""
    _open(app, PANEL)
    app.checkbox(key="op_persistent").uncheck().run()
    table = _table(app, "op_table")
    ids = table["Person"].str.split(" · ").str[1]
    recorded = _rows(dash_db, """
        SELECT person_id, max(action_date) AS last_action_date,
               max(action_date) FILTER (WHERE evidence <> 'action record') AS last_from_results
        FROM core_person_action WHERE action_date IS NOT NULL GROUP BY 1""").set_index(
        "person_id")
    shown = pd.Series(table["Last action date"].to_numpy(), index=ids)
    has = shown.notna()
    assert has.sum() > 20
    expected = pd.to_datetime(recorded.loc[shown[has].index, "last_action_date"]).dt.date
    assert shown[has].tolist() == expected.tolist()
    assert set(recorded.index) & set(ids) == set(shown[has].index)
    data_end = _rows(dash_db, "SELECT CAST(max(coalesce(reported_at, occurred_at)) AS DATE) "
                              "AS d FROM core_incident WHERE incident_id IN "
                              "(SELECT incident_id FROM core_person_role)")["d"].iloc[0]
    assert max(shown[has]) <= pd.Timestamp(data_end).date()
    assert max(table["Last incident"]) <= pd.Timestamp(data_end).date()
    # someone whose last action came from police result text: the one-person line agrees
    from_results = recorded[recorded["last_from_results"] == recorded["last_action_date"]]
    pid = next(p for p in ids if p in from_results.index)
    app.selectbox(key="op_person").set_value(pid).run()
    day = pd.Timestamp(from_results.loc[pid, "last_action_date"])
    line = next(m.value for m in app.markdown if m.value.startswith("Ladder:"))
    assert line.endswith(f" on {day:%d %b %Y}"), line


def test_an_analyst_trains_the_model_from_the_panel(app: AppTest, dash_db: Path):
    """The command line cannot open the warehouse while the dashboard holds it, so the page
    offers the training itself: one model stored, everyone scored, the action audited."""
    _open(app, PANEL)
    assert dash_count(dash_db, "SELECT count(*) FROM information_schema.tables "
                               "WHERE table_name = 'app_model'") == 0
    app.button(key="op_train").click().run()
    assert not app.exception, app.exception
    assert dash_count(dash_db, "SELECT count(*) FROM app_model WHERE purpose = 'reoffending'") == 1
    assert dash_count(dash_db, "SELECT count(*) FROM app_audit WHERE action = 'train model' "
                               "AND page = 'Offender panel'") == 1
    assert not [i for i in app.info if "No risk model" in i.value]
    assert any("people scored as at" in s.value for s in app.success)
    table = _table(app, "op_table")
    assert table["Risk"].notna().any()
    # the stored figures are the command's: the sample's ceiling is among them
    assert dash_count(dash_db, "SELECT count(*) FROM app_model WHERE "
                               "json_extract(metrics, '$.ceiling_auc') IS NOT NULL") == 1


def test_panel_shows_each_persons_stored_risk_band_and_reasons(trained_app):
    at, db = trained_app
    _open(at, PANEL)
    table = _table(at, "op_table")
    ids = [p.split(" · ", 1)[1] for p in table["Person"]]
    stored = _rows(db, "SELECT person_id, risk, band FROM app_risk_score WHERE is_current"
                   ).set_index("person_id")
    assert len(table) == len(set(_rows(db, PERSISTENT_SQL)["person_id"]))
    assert table["Risk"].tolist() == pytest.approx(stored.loc[ids, "risk"].tolist())
    assert table["Band"].tolist() == stored.loc[ids, "band"].tolist()
    assert table["Risk"].is_monotonic_decreasing  # the default sort
    assert (table["Main factors"].str.len() > 0).mean() > 0.9
    assert table["Main factors"].str.contains("the risk").any()
    # the top person's incident counts are one factor, not several contradicting each other
    top_factors = str(table["Main factors"].iloc[0])
    assert top_factors.count("incidents in the last") <= 1, top_factors
    assert "in the last 12 months" in top_factors and "raises the risk" in top_factors
    # the person shown in detail gets their own audit row
    first = ids[0]
    assert dash_count(db, "SELECT count(*) FROM app_audit WHERE page = 'Offender panel' AND "
                          "subject_id = ?", [first]) == 1
    assert any("because" in m.value for m in at.markdown)
    # the model card is on the page, with its governance record and figures
    assert any("## ALGO-CARE" in m.value for m in at.markdown)
    card = next(e for e in at.expander if e.label.startswith("Model card"))
    images = [c for c in card.children.values() if getattr(c, "type", None) == "image"]
    assert len(images) == 2


def test_panel_filters_and_sorts_as_a_chair_would(trained_app):
    at, db = trained_app
    _open(at, PANEL)
    at.multiselect(key="op_band").set_value(["high"]).run()
    table = _table(at, "op_table")
    expected = _rows(db, f"SELECT person_id FROM app_risk_score WHERE is_current AND band = "
                         f"'high' AND person_id IN ({PERSISTENT_SQL})")
    assert len(table) == len(expected) and set(table["Band"]) <= {"high"}
    at.multiselect(key="op_band").set_value([]).run()
    at.checkbox(key="op_persistent").uncheck().run()
    everyone = _table(at, "op_table")
    assert len(everyone) > len(expected)
    at.selectbox(key="op_sort").set_value("Name").run()
    names = [p.split(" · ", 1)[0] for p in _table(at, "op_table")["Person"]]
    assert names == sorted(names)
    name = names[len(names) // 2]
    at.text_input(key="op_search").input(name).run()
    assert all(p.startswith(name) for p in _table(at, "op_table")["Person"])


def test_record_this_panel_then_see_what_changed(trained_app):
    at, db = trained_app
    _open(at, PANEL)
    listed = len(_table(at, "op_table"))
    at.button(key="op_record").click().run()
    assert not at.exception
    assert "Panel recorded" in at.success[0].value
    everyone = dash_count(db, "SELECT count(*) FROM app_panel_snapshot")
    assert everyone >= listed  # the whole list, whatever the filters
    assert dash_count(db, "SELECT count(*) FROM app_audit WHERE action = 'record panel'") == 1
    # pretend the last panel saw one person at lower risk and had not seen another at all
    top = _table(at, "op_table")["Person"].str.split(" · ").str[1].tolist()
    con = connect(db)
    con.execute("UPDATE app_panel_snapshot SET risk = risk - 0.1 WHERE person_id = ?", [top[0]])
    con.execute("DELETE FROM app_panel_snapshot WHERE person_id = ?", [top[1]])
    con.close()
    at = AppTest.from_file(APP, default_timeout=120)
    _open(at, PANEL)
    table = _table(at, "op_table").set_index("Person")
    change = {p.split(" · ", 1)[1]: c for p, c in table["Change since last panel"].items()}
    assert change[top[0]] == "risk +10 points"
    assert change[top[1]] == "new on the list"
    assert metric(at, "New on the list since the last panel") == "1"
    at.checkbox(key="op_changed").check().run()
    assert set(_table(at, "op_table")["Person"].str.split(" · ").str[1]) == {top[0], top[1]}


def test_interventions_page_shows_curves_and_the_warning(trained_app):
    at, db = trained_app
    _open(at, INTERVENTIONS)
    assert "observational, not a trial" in at.warning[0].value
    table = _table(at, "iv_table").set_index("Action")
    # independent: the pipeline on the same warehouse
    cfg = load_config()
    con = connect(db)
    try:
        h = rf.load_history(con, cfg)
    finally:
        con.close()
    ep = iv.intervention_episodes(h.actions, h.incidents, h.data_end,
                                  follow_up_days=cfg["interventions"]["follow_up_days"])
    counts = ep["action"].value_counts()
    shown = table[table["Actions"].str[0].str.isdigit()]
    assert len(shown) >= 5
    for action, row in shown.iterrows():
        assert int(row["Actions"].replace(",", "")) == counts[action]
    small = counts[counts < cfg["interventions"]["min_actions"]]
    for action in small.index:
        assert table.loc[action, "Named again within 90 days"] == "not shown"
    assert len(at.get("plotly_chart")) == 1
    at.radio(key="iv_compare").set_value("Within a risk band").run()
    at.selectbox(key="iv_band").set_value("high").run()
    assert not at.exception
    assert any("risk model's band" in c.value for c in at.caption)
    high = _table(at, "iv_table")
    assert len(high) >= 3


def test_the_metric_formatter_prints_n_a_for_a_missing_metric():
    import numpy as np

    from pipelines.analysis import format_metric

    assert format_metric(0.7312) == "0.73" and format_metric(1.04, ".1f") == "1.0"
    assert format_metric(np.float64(0.5), ".0%") == "50%" and format_metric(np.int64(3), ",") == "3"
    assert format_metric(2782, ",") == "2,782" and format_metric(True) == "n/a"
    assert format_metric(None) == format_metric(float("nan")) == format_metric("0.7") == "n/a"


def test_panel_with_a_stored_model_whose_metrics_are_missing_still_shows(trained_app):
    """A model trained on data where a metric cannot be computed (everybody in the test dates
    named again: no AUC) stores None: the page must say "n/a", not crash."""
    at, db = trained_app
    con = connect(db)
    try:
        con.execute("UPDATE app_model SET metrics = json_merge_patch(metrics, "
                    "'{\"auc\": null, \"baseline_auc\": null, \"calibration_slope\": null}')")
    finally:
        con.close()
    _open(at, PANEL)
    caption = next(c.value for c in at.caption if "Tested on later dates" in c.value)
    assert "AUC n/a (counting past incidents alone: n/a), calibration slope n/a" in caption
