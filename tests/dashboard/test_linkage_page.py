"""The People links page: find a person, see why their records are linked, split a link, and
apply it with Rebuild now."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from pipelines.warehouse import connect
from tests.dashboard.conftest import dash_count

PAGE = "views/linkage.py"


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_people_links_page_explains_links_and_applies_a_split(app: AppTest, dash_db: Path):
    # a person the linkage built from three agencies' records
    person_id, first, last, records = _rows(
        dash_db, "SELECT person_id, first_name, last_name, person_record_ids FROM core_person "
                 "WHERE records = 3 AND len(agencies) = 3 ORDER BY person_id LIMIT 1")[0]
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert _metric(app, "People") == f"{dash_count(dash_db, 'SELECT count(*) FROM core_person'):,}"
    assert "Type part of a name" in app.info[0].value

    app.text_input(key="pl_search").input(f"{last} {first}").run()  # surname first works too
    assert not app.exception
    app.selectbox(key="pl_person").set_value(person_id).run()
    assert not app.exception
    assert _metric(app, "Records") == "3"
    shown = app.dataframe[0].value
    assert sorted(shown["record"]) == sorted(records)
    assert set(shown["link_method"]) == {"probabilistic"}
    assert shown["agreeing_fields"].str.contains("name: ").all()
    assert (shown["match_probability"] >= 0.9).all()
    pairs = app.dataframe[1].value
    assert pairs["linked"].sum() >= 2  # three records are held together by at least two links

    # split the weakest record off, with a reason
    keep, leave = records[0], records[-1]
    option = next(o for o in app.selectbox(key="pl_pair").options
                  if keep in o and leave in o)
    app.selectbox(key="pl_pair").set_value(option)
    app.radio(key="pl_decision").set_value("split")
    app.text_area(key="pl_reason").input("Different dates of birth on the tenancy file")
    app.button(key="FormSubmitter:pl_decide-Record decision").click().run()
    assert not app.exception
    assert any("Decision recorded" in s.value and "rebuild" in s.value.lower()
               for s in app.success)
    assert dash_count(dash_db, "SELECT count(*) FROM app_link_decision WHERE decision = 'split' "
                               "AND reason LIKE 'Different dates%'") == 1
    decisions = app.dataframe[-1].value
    assert decisions["status"].tolist() == ["waiting for a rebuild"]

    app.button(key="pl_rebuild").click().run()
    assert not app.exception
    assert any("Warehouse rebuilt" in s.value for s in app.success)
    a, b = (dash_count(dash_db, "SELECT hash(person_id) FROM core_person_link "
                                "WHERE person_record_id = ?", [r]) for r in (keep, leave))
    assert a != b
    assert app.dataframe[-1].value["status"].tolist() == ["applied"]


def test_a_decision_needs_a_reason(app: AppTest, dash_db: Path):
    person_id, last = _rows(dash_db, "SELECT person_id, last_name FROM core_person "
                                     "WHERE records = 2 ORDER BY person_id LIMIT 1")[0]
    app.run()
    app.switch_page(PAGE).run()
    app.text_input(key="pl_search").input(last).run()
    app.selectbox(key="pl_person").set_value(person_id).run()
    app.radio(key="pl_decision").set_value("split")
    app.button(key="FormSubmitter:pl_decide-Record decision").click().run()
    assert not app.exception
    assert "give a reason" in app.error[0].value
    assert dash_count(dash_db, "SELECT count(*) FROM information_schema.tables "
                               "WHERE table_name = 'app_link_decision'") == 1
    assert dash_count(dash_db, "SELECT count(*) FROM app_link_decision") == 0


def test_unknown_name_says_so(app: AppTest):
    app.run()
    app.switch_page(PAGE).run()
    app.text_input(key="pl_search").input("Zzyzx Qwerty").run()
    assert not app.exception
    assert "No person record matches" in app.warning[0].value
