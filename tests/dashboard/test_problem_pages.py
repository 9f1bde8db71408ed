"""The problem-solving pages: define a problem, freeze a snapshot, respond, assess, close."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import dash_count


def _busy_lsoas(db, n: int = 2) -> list[str]:
    from pipelines.warehouse import connect

    con = connect(db)
    try:
        return [r[0] for r in con.execute(
            "SELECT lsoa_code FROM mart_incident WHERE is_asb AND csp_code = 'E06000002' "
            "AND source_name = 'cleveland-police-incidents' GROUP BY 1 ORDER BY count(*) DESC, 1 "
            "LIMIT ?", [n]).fetchall()]
    finally:
        con.close()


def _submit(at: AppTest, form: str, label: str) -> None:
    at.button(key=f"FormSubmitter:{form}-{label}").click().run()


def test_define_a_problem_and_work_it_through(app: AppTest, dash_db):
    app.run()
    app.switch_page("views/problems.py").run()
    assert not app.exception
    assert next(m.value for m in app.metric if m.label == "Open problems") == "0"
    lsoas = _busy_lsoas(dash_db)
    app.text_input(key="np_name").input("Evening disorder")
    app.multiselect(key="np_lsoas").set_value(lsoas)
    app.date_input(key="np_start").set_value(date(2021, 1, 1))
    app.date_input(key="np_end").set_value(date(2022, 12, 31))
    app.text_area(key="np_objective").input("Fewer evening reports")
    _submit(app, "new_problem", "Create problem")
    assert not app.exception
    assert any("created" in s.value for s in app.success)
    assert next(m.value for m in app.metric if m.label == "Open problems") == "1"
    assert dash_count(dash_db, "SELECT count(*) FROM app_problem") == 1

    app.switch_page("views/problem_workspace.py").run()
    assert not app.exception
    expected = dash_count(
        dash_db,
        "SELECT count(*) FROM mart_incident WHERE is_asb AND lsoa_code IN (SELECT unnest(?)) AND "
        "month BETWEEN DATE '2021-01-01' AND DATE '2022-12-31' AND incident_id IN (SELECT "
        "min(incident_id) FROM core_incident_group GROUP BY incident_group_id)", [lsoas])
    assert any(f"{expected:,} ASB incidents" in m.value for m in app.markdown)

    app.text_input(key="pw_snap_label").input("Scanning")
    _submit(app, "snapshot_form", "Freeze snapshot")
    assert any("Snapshot taken" in s.value for s in app.success)
    assert any("**Scanning**" in m.value and f"{expected:,} incidents" in m.value
               for m in app.markdown)

    app.selectbox(key="pw_resp_name").set_value("patrols at peak hours")
    app.text_input(key="pw_resp_agency").input("Cleveland Police")
    app.date_input(key="pw_resp_start").set_value(date(2022, 4, 1))
    app.selectbox(key="pw_resp_status").set_value("delivered")
    _submit(app, "response_form", "Add response")
    assert dash_count(dash_db, "SELECT count(*) FROM app_problem_response") == 1

    _submit(app, "assess_form", "Assess")
    assert not app.exception
    assert any("Assessed" in s.value for s in app.success)
    assert next(m.value for m in app.metric if m.label == "WDQ") is not None
    assert dash_count(dash_db, "SELECT count(*) FROM app_problem_assessment") == 1

    app.text_area(key="pw_close_result").input("Reports fell in the evenings")
    app.button(key="pw_close").click().run()
    assert dash_count(dash_db, "SELECT count(*) FROM app_problem WHERE status = 'closed'") == 1
    app.button(key="pw_export").click().run()
    assert app.get("download_button")


def test_closing_without_a_result_says_why(app: AppTest, dash_db):
    from pipelines import problems as pb
    from pipelines.db import transaction
    from pipelines.warehouse import connect

    con = connect(dash_db)
    with transaction(con):
        pb.create_problem(con, name="Park", owner="Owner", place=pb.Place(
            lsoa_codes=_busy_lsoas(dash_db, 1)), period_start=date(2022, 1, 1),
            period_end=date(2022, 6, 30), by="test")
    con.close()
    app.run()
    app.switch_page("views/problem_workspace.py").run()
    app.button(key="pw_close").click().run()
    assert any("say what the result was" in e.value for e in app.error)
    assert dash_count(dash_db, "SELECT count(*) FROM app_problem WHERE status = 'open'") == 1
