"""Case reviews, CMARAC and risk, victim / perpetrator / location profiles and the network:
what each page shows equals what independent SQL on the same warehouse says."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES
from pipelines.warehouse import connect
from tests.dashboard.conftest import dash_count

PAGES_DIR = Path(__file__).resolve().parents[2] / "dashboard" / "views"
MINE = ("case_reviews.py", "cmarac.py", "victim_profile.py", "perpetrator_profile.py",
        "location_profile.py", "network.py")
AS_OF = date(2022, 9, 30)


@pytest.fixture()
def no_place_trigger(tmp_path, monkeypatch):
    """The rules without the place trigger, so the expected figures are plain SQL."""
    path = tmp_path / "rules.yaml"
    path.write_text("case_review:\n  local_triggers:\n    place_reports: 0\n", encoding="utf-8")
    monkeypatch.setenv("ASB_CONFIG", str(path))
    return path


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table shown that has all these columns."""
    for df in at.dataframe:
        if all(c in df.value.columns for c in columns):
            return df.value
    shown = [list(d.value.columns) for d in at.dataframe]
    raise AssertionError(f"no table with {columns}: {shown}")


def rows(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = connect(db)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def open_page(app: AppTest, page: str) -> AppTest:
    app.run()
    app.switch_page(f"views/{page}").run()
    assert not app.exception, app.exception
    return app


# The case review rules in SQL (without the place trigger), for the six months to 30/09/2022.
LEDGER_SQL = """
WITH q AS (
    SELECT person_id, incident_group_id, hate_related
    FROM mart_person_incident
    WHERE role IN ('victim', 'complainant')
      AND CAST(reported_at AS DATE) BETWEEN DATE '2022-03-31' AND DATE '2022-09-30'
      AND (behaviour_on IS NULL
           OR date_diff('day', behaviour_on, CAST(reported_at AS DATE)) <= 31)
), per AS (
    SELECT person_id, count(DISTINCT incident_group_id) AS n, bool_or(hate_related) AS hate
    FROM q GROUP BY person_id
)
SELECT person_id, CASE WHEN n >= 3 OR hate THEN 'threshold_met' WHEN n = 2
       THEN 'second_report' END AS status, n
FROM per WHERE n >= 2 OR hate
"""


def test_every_person_level_page_is_registered_role_gated_and_checks_first():
    specs = {s.file: s for s in PAGES}
    for page in MINE:
        spec = specs[page]
        assert spec.person_level and spec.roles == ("analyst", "panel"), page
        tree = ast.parse((PAGES_DIR / page).read_text(encoding="utf-8"))
        first = next(node for node in tree.body[1:]
                     if not isinstance(node, ast.Import | ast.ImportFrom))
        assert ast.unparse(first) == "viewer = require_page(__file__)", page


def test_case_reviews_page_shows_the_ledger(app, dash_db, no_place_trigger):
    open_page(app, "case_reviews.py")
    app.date_input(key="cr_as_of").set_value(AS_OF).run()
    expected = rows(dash_db, LEDGER_SQL)
    met = expected[expected["status"] == "threshold_met"]
    second = expected[expected["status"] == "second_report"]
    assert metric(app, "Threshold met") == f"{len(met):,}"
    assert metric(app, "Second report") == f"{len(second):,}"
    shown = frame_with(app, "Qualifying incidents", "Triggers")
    assert set(shown["person_id"]) == set(met["person_id"])
    counts = shown.set_index("person_id")["Qualifying incidents"]
    assert (counts[met["person_id"]].to_numpy() == met["n"].to_numpy()).all()
    names = rows(dash_db, "SELECT person_id, name FROM mart_person WHERE person_id IN "
                          "(SELECT unnest(?))", [met["person_id"].tolist()])
    assert dict(zip(shown["person_id"], shown["Name"], strict=True)) == dict(
        zip(names["person_id"], names["name"], strict=True))
    late = dash_count(dash_db, "SELECT count(*) FROM mart_person_incident WHERE role IN "
                               "('victim', 'complainant') AND CAST(reported_at AS DATE) BETWEEN "
                               "DATE '2022-03-31' AND DATE '2022-09-30' AND days_to_report > 31")
    assert metric(app, "Late reports not counted") == f"{late:,}"


def test_case_reviews_page_records_an_application_and_counts_it(app, dash_db, no_place_trigger):
    open_page(app, "case_reviews.py")
    app.date_input(key="cr_as_of").set_value(AS_OF).run()
    refs = rows(dash_db, "SELECT person_record_ids FROM mart_person WHERE records > 1 "
                         "ORDER BY victim_incidents DESC, person_id LIMIT 1").iloc[0, 0]
    app.text_input(key="cr_app_refs").set_value("; ".join(refs))
    app.date_input(key="cr_app_received").set_value(date(2022, 9, 1))
    app.selectbox(key="cr_app_decision").set_value("no")
    app.text_input(key="cr_app_reason").set_value("Two complaints in six months")
    app.button(key="cr_app_add").click().run()
    assert not app.exception, app.exception
    assert "Recorded application CR-2022-0001" in app.success[0].value
    assert dash_count(dash_db, "SELECT count(*) FROM mart_case_review WHERE NOT threshold_met "
                               "AND received_on = DATE '2022-09-01'") == 1
    app.date_input(key="cr_period").set_value((date(2022, 4, 1), date(2023, 3, 31))).run()
    assert metric(app, "Applications received") == "1"
    assert metric(app, "Threshold not met") == "1"
    assert metric(app, "Case reviews carried out") == "0"
    not_met = frame_with(app, "Reason recorded", "What the data said on that day")
    assert not_met["Reason recorded"].tolist() == ["Two complaints in six months"]
    # A bad application is refused with the reason, and nothing is recorded.
    app.text_input(key="cr_app_refs").set_value("no colon here").run()
    app.button(key="cr_app_add").click().run()
    assert "Not recorded" in app.error[0].value
    assert dash_count(dash_db, "SELECT count(*) FROM app_case_review_application") == 1


def test_cmarac_page_lists_high_risk_victims_and_practice_checks(app, dash_db, no_place_trigger):
    open_page(app, "cmarac.py")
    app.date_input(key="cm_as_of").set_value(AS_OF).run()
    high = rows(dash_db, """
        WITH latest AS (
            SELECT person_id, arg_max(band, (assessed_at, assessment_id)) AS band
            FROM mart_risk_assessment WHERE assessed_at <= DATE '2022-09-30' GROUP BY 1),
        active AS (
            SELECT person_id FROM mart_person_incident WHERE role IN ('victim', 'complainant')
              AND CAST(reported_at AS DATE) BETWEEN DATE '2022-03-31' AND DATE '2022-09-30'
            UNION SELECT person_id FROM mart_person_case
            WHERE role IN ('victim', 'victim and perpetrator') AND opened_at <= DATE '2022-09-30'
              AND (closed_at IS NULL OR closed_at > DATE '2022-09-30'))
        SELECT person_id FROM latest WHERE band = 'high' AND person_id IN (SELECT * FROM active)
    """)
    ledger = rows(dash_db, LEDGER_SQL)
    vulnerable = rows(dash_db, "SELECT person_id FROM mart_person WHERE vulnerable")
    met = set(ledger.loc[ledger["status"] == "threshold_met", "person_id"]) & set(
        vulnerable["person_id"])
    expected = set(high["person_id"]) | met
    assert metric(app, "Victims for CMARAC") == f"{len(expected):,}"
    listed = frame_with(app, "Why", "Next review")
    assert set(listed["person_id"]) == expected
    overdue = rows(dash_db, """
        WITH latest AS (
            SELECT person_id, case_id, arg_max(band, (assessed_at, assessment_id)) AS band,
                   max(assessed_at) AS last
            FROM mart_risk_assessment WHERE assessed_at <= DATE '2022-09-30'
            GROUP BY person_id, case_id),
        open_cases AS (SELECT DISTINCT case_id FROM mart_person_case
                       WHERE opened_at <= DATE '2022-09-30'
                         AND (closed_at IS NULL OR closed_at > DATE '2022-09-30'))
        SELECT count(*) FROM latest JOIN open_cases USING (case_id)
        WHERE date_diff('day', last, DATE '2022-09-30') >
              CASE band WHEN 'high' THEN 7 WHEN 'medium' THEN 14 ELSE 28 END
    """).iloc[0, 0]
    assert metric(app, "Reviews overdue") == f"{overdue:,}"
    assert len(frame_with(app, "Check", "Detail")) > 0


def test_victim_profile_shows_one_timeline_across_agencies(app, dash_db, no_place_trigger):
    pid = rows(dash_db, "SELECT person_id FROM mart_person WHERE records > 1 AND assessments > 0 "
                        "ORDER BY victim_incidents DESC, person_id LIMIT 1").iloc[0, 0]
    open_page(app, "victim_profile.py")
    app.selectbox(key="vp_person").set_value(pid).run()
    app.date_input(key="vp_as_of").set_value(AS_OF).run()
    assert not app.exception
    victim = dash_count(dash_db, "SELECT count(DISTINCT incident_group_id) FROM "
                                 "mart_person_incident WHERE person_id = ? AND as_victim", [pid])
    assert metric(app, "Incidents as victim") == f"{victim:,}"
    expected = rows(dash_db, LEDGER_SQL).set_index("person_id")
    status = expected["status"].get(pid)
    shown = metric(app, "Case review")
    assert shown == (status.replace("_", " ") if isinstance(status, str) else shown)
    timeline = frame_with(app, "event", "agency")
    counts = {
        "reports": dash_count(dash_db, "SELECT count(*) FROM mart_person_incident "
                                       "WHERE person_id = ?", [pid]),
        "assessments": dash_count(dash_db, "SELECT count(*) FROM mart_risk_assessment "
                                           "WHERE person_id = ?", [pid]),
        "actions": dash_count(dash_db, "SELECT count(*) FROM mart_person_action "
                                       "WHERE person_id = ?", [pid]),
        "case events": dash_count(dash_db, "SELECT count(opened_at) + count(first_contact_at) "
                                           "+ count(closed_at) FROM mart_person_case "
                                           "WHERE person_id = ?", [pid]),
    }
    assert len(timeline) == sum(counts.values())
    assert (timeline["event"] == "risk assessment").sum() == counts["assessments"]
    agencies = rows(dash_db, "SELECT agencies FROM mart_person WHERE person_id = ?",
                    [pid]).iloc[0, 0]
    assert set(timeline["agency"]) >= set(agencies)
    perps = frame_with(app, "incidents", "first_report", "name")
    expected_perps = dash_count(dash_db, """
        SELECT count(DISTINCT o.person_id) FROM mart_person_incident o
        JOIN (SELECT DISTINCT incident_id FROM mart_person_incident WHERE person_id = ?) m
        USING (incident_id) WHERE o.person_id <> ? AND o.as_perpetrator""", [pid, pid])
    assert len(perps) == expected_perps
    risk = frame_with(app, "Score", "Band (score)")
    assert len(risk) == counts["assessments"]
    # The view of this person is in the audit trail (who, when; never the content).
    audited = "SELECT count(*) FROM app_audit WHERE page = 'Victim profile' AND subject_id = ?"
    seen = dash_count(dash_db, audited, [pid])
    assert seen >= 1
    app.run()  # a rerun on the same visit (a widget changed) is not audited again
    assert not app.exception and dash_count(dash_db, audited, [pid]) == seen


def test_perpetrator_profile_shows_victims_places_and_the_ladder(app, dash_db):
    pid = rows(dash_db, "SELECT person_id FROM mart_person_action WHERE escalation_rank >= 3 "
                        "AND person_roles LIKE '%perpetrator%' GROUP BY person_id "
                        "ORDER BY max(escalation_rank) DESC, person_id LIMIT 1").iloc[0, 0]
    open_page(app, "perpetrator_profile.py")
    app.selectbox(key="pp_person").set_value(pid).run()
    assert not app.exception
    n = dash_count(dash_db, "SELECT count(DISTINCT incident_group_id) FROM mart_person_incident "
                            "WHERE person_id = ? AND as_perpetrator", [pid])
    assert metric(app, "Incidents as perpetrator") == f"{n:,}"
    victims = dash_count(dash_db, """
        SELECT count(DISTINCT o.person_id) FROM mart_person_incident o
        JOIN (SELECT DISTINCT incident_id FROM mart_person_incident WHERE person_id = ?) m
        USING (incident_id) WHERE o.person_id <> ? AND o.as_victim""", [pid, pid])
    assert metric(app, "Victims") == f"{victims:,}"
    ladder = frame_with(app, "rung", "reached", "first_used")
    top = dash_count(dash_db, "SELECT max(escalation_rank) FROM mart_person_action "
                              "WHERE person_id = ? AND action_group <> 'support'", [pid])
    assert ladder.loc[ladder["reached"], "rank"].max() == top
    highest = rows(dash_db, "SELECT action FROM mart_person_action WHERE person_id = ? AND "
                            "action_group <> 'support' ORDER BY escalation_rank DESC, "
                            "action_date DESC LIMIT 1", [pid]).iloc[0, 0]
    assert metric(app, "Highest step so far") == highest
    used = ladder["times"].sum()
    assert used == dash_count(dash_db, "SELECT count(*) FROM mart_person_action WHERE "
                                       "person_id = ? AND action_group <> 'support'", [pid])


def test_location_profile_shows_incidents_people_and_peak_times(app, dash_db):
    place = rows(dash_db, "SELECT place_id FROM mart_person_incident WHERE place_kind = "
                          "'premises' GROUP BY place_id ORDER BY count(*) DESC, place_id "
                          "LIMIT 1").iloc[0, 0]
    open_page(app, "location_profile.py")
    app.selectbox(key="lp_place").set_value(place).run()
    assert not app.exception
    reports = dash_count(dash_db, "SELECT count(*) FROM mart_place_incident WHERE place_id = ?",
                         [place])
    victims = dash_count(dash_db, "SELECT count(DISTINCT person_id) FROM mart_person_incident "
                                  "WHERE place_id = ? AND as_victim", [place])
    perps = dash_count(dash_db, "SELECT count(DISTINCT person_id) FROM mart_person_incident "
                                "WHERE place_id = ? AND as_perpetrator", [place])
    assert metric(app, "Reports") == f"{reports:,}"
    assert metric(app, "Victims") == f"{victims:,}"
    assert metric(app, "Perpetrators") == f"{perps:,}"
    peak = frame_with(app, "evening 18-24", "night 00-06")
    timed = dash_count(dash_db, "SELECT count(*) FROM mart_place_incident WHERE place_id = ? "
                                "AND occurred_at IS NOT NULL", [place])
    assert int(peak.to_numpy().sum()) == timed
    friday_evening = dash_count(dash_db, "SELECT count(*) FROM mart_place_incident WHERE "
                                         "place_id = ? AND dayofweek(occurred_at) = 5 AND "
                                         "hour(occurred_at) >= 18", [place])
    assert int(peak.loc["Friday", "evening 18-24"]) == friday_evening
    assert len(frame_with(app, "incident_id", "source_ref")) == reports


def test_network_shows_the_people_and_places_one_step_out(app, dash_db):
    pid = rows(dash_db, "SELECT person_id FROM mart_person WHERE victim_and_perpetrator "
                        "ORDER BY victim_incidents + perpetrator_incidents DESC, person_id "
                        "LIMIT 1").iloc[0, 0]
    open_page(app, "network.py")
    app.selectbox(key="net_person").set_value(pid).run()
    app.slider(key="net_depth").set_value(1).run()
    assert not app.exception
    people = dash_count(dash_db, """
        SELECT count(DISTINCT o.person_id) FROM mart_person_incident o
        JOIN (SELECT DISTINCT incident_id FROM mart_person_incident WHERE person_id = ?) m
        USING (incident_id)""", [pid])
    places = dash_count(dash_db, "SELECT count(DISTINCT place_id) FROM mart_person_incident "
                                 "WHERE person_id = ?", [pid])
    assert metric(app, "People") == f"{people:,}"
    assert metric(app, "Places") == f"{places:,}"
    nodes = frame_with(app, "node_id", "hops")
    assert (nodes["hops"] <= 1).all() and len(nodes) == people + places
    me = nodes.set_index("node_id").loc[f"person:{pid}"]
    assert me["roles"] == "victim and perpetrator" and me["hops"] == 0
    assert any("both victim and perpetrator" in w.value for w in app.warning)



@pytest.mark.parametrize("page", sorted(s.file for s in PAGES if s.person_level))
def test_reruns_of_a_person_level_page_are_audited_once(app, dash_db, page):
    # Opening the page (with whoever it shows first) writes its audit rows, under the page's
    # title in the menu; reruns of the same visit, as when any widget changes, write none.
    open_page(app, page)
    title = next(s.title for s in PAGES if s.file == page)
    everything = "SELECT count(*) FROM app_audit"
    assert dash_count(dash_db, everything + " WHERE page = ?", [title]) >= 1
    titles = [s.title for s in PAGES]
    assert dash_count(dash_db, everything + " WHERE NOT list_contains(?, page)", [titles]) == 0
    opened = dash_count(dash_db, everything)
    for _ in range(2):
        app.run()
        assert not app.exception
    assert dash_count(dash_db, everything) == opened
