"""The ASB case review ledger: every rule edge, on hand-built warehouses and on the sample."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.analysis.case_review import (
    Rules,
    assess,
    rules_from_config,
    statutory_figures,
    window,
)
from pipelines.case_reviews import (
    Application,
    add_application,
    import_applications,
    load_complaints,
)
from pipelines.cli import SAMPLE_DIR, app
from pipelines.config import load_config
from pipelines.errors import ConfigProblem
from pipelines.warehouse import connect
from tests.pipelines.victims_helpers import ledger, make_warehouse, person_row, resolve

POLICE, COUNCIL, HOUSING = "Cleveland Police", "Middlesbrough Council", "Tees Valley Homes"
HOME = {"easting": 449571, "northing": 520156, "address": "12 Example Street, Middlesbrough"}


def inc(ref: str, agency: str, reported: str, occurred: str | None = "same", *,
        occurred_to: str | None = None, hate: str = "no", where: dict | None = None) -> dict:
    """An incidents row; ``occurred="same"`` means the behaviour was when it was reported."""
    place = where if where is not None else HOME
    return {"source_ref": ref, "agency": agency, "reported_at": reported,
            "occurred_at": reported if occurred == "same" else occurred,
            "occurred_to": occurred_to, "category": "personal", "hate_related": hate, **place}


def who(ref: str, agency: str, person_ref: str, first: str, last: str, role: str = "victim",
        dob: str | None = None, vulnerable: str = "no") -> dict:
    return {"source_ref": ref, "agency": agency, "role": role, "person_ref": person_ref,
            "first_name": first, "last_name": last, "date_of_birth": dob,
            "vulnerable": vulnerable}


def rid(agency: str, ref: str) -> str:
    return f"{agency}:{ref}"


# ---------------------------------------------------------------------------------------------
# the window: six calendar months to the as-of date, both ends inclusive


def test_window_is_six_calendar_months_to_the_as_of_date_inclusive():
    assert window("2022-03-31") == (date(2021, 10, 1), date(2022, 3, 31))
    assert window("2022-06-30") == (date(2021, 12, 31), date(2022, 6, 30))
    assert window("2022-09-30") == (date(2022, 3, 31), date(2022, 9, 30))
    assert window("2022-12-31") == (date(2022, 7, 1), date(2022, 12, 31))
    assert window("2024-08-29", 6) == (date(2024, 3, 1), date(2024, 8, 29))  # leap year
    assert window("2022-03-31", 12) == (date(2021, 4, 1), date(2022, 3, 31))


def far(k: int) -> dict:
    """A home for person ``k``, a kilometre from the others (no place trigger between them)."""
    return {"easting": 449571 + 1000 * k, "northing": 520156,
            "address": f"{k} Example Street, Middlesbrough"}


def _edge_rows() -> tuple[list[dict], list[dict]]:
    """One person per rule edge, each at their own home, all held by the council."""
    cases = {
        # window boundaries of the 31/03/2022 window
        ("MC-B1", "Bea", "Boundary", 1): [
            ("B-0930", "30/09/2021 23:00", "same", None),
            ("B-1001", "01/10/2021 00:05", "same", None),
            ("B-0331", "31/03/2022 23:59", "same", None),
            ("B-0401", "01/04/2022 00:00", "same", None)],
        # late reports: 31 days counts, 32 does not; the end of a window is the behaviour date
        ("MC-L1", "Lou", "Late", 2): [
            ("L-31", "01/02/2022 09:00", "01/01/2022 10:00", None),
            ("L-32", "01/02/2022 09:30", "31/12/2021 22:00", None),
            ("L-WIN", "10/02/2022 12:00", "01/11/2021 00:00", "15/01/2022 00:00"),
            ("L-NONE", "15/02/2022 12:00", None, None)],
        # a late report leaves the victim below the threshold
        ("MC-S1", "Sam", "Slow", 3): [
            ("S-1", "10/03/2022 10:00", "01/01/2022 10:00", None),
            ("S-2", "12/03/2022 10:00", "same", None)],
        # day-first dates: 5 January, 12 January, 1 February
        ("MC-D1", "Dee", "Dayfirst", 4): [
            ("D-1", "05/01/2022", "05/01/2022", None), ("D-2", "12/01/2022 10:00", "same", None),
            ("D-3", "01/02/2022 09:00", "same", None)],
        # a report dated in the future
        ("MC-F1", "Fay", "Future", 5): [
            ("F-1", "10/03/2022 10:00", "same", None), ("F-2", "01/01/2099 10:00", "same", None)],
    }
    incidents, people = [], []
    for (person_ref, first, last, k), reports in cases.items():
        for ref, reported, occurred, occurred_to in reports:
            incidents.append(inc(ref, COUNCIL, reported, occurred, occurred_to=occurred_to,
                                 where=far(k)))
            people.append(who(ref, COUNCIL, person_ref, first, last))
    return incidents, people


@pytest.fixture(scope="module")
def edges(tmp_path_factory):
    """The rule-edge warehouse and what its ingest reported."""
    tmp = tmp_path_factory.mktemp("edges")
    db = tmp / "edges.duckdb"
    incidents, people = _edge_rows()
    return db, make_warehouse(db, tmp, incidents, people)


@pytest.fixture(scope="module")
def boundary_db(edges):
    return edges[0]


@pytest.mark.parametrize(("as_of", "counted", "status", "earlier"), [
    ("2022-03-30", 1, "below", 1),          # 01/10 in; 30/09 earlier
    ("2022-03-31", 2, "second_report", 1),  # 01/10 and 31/03 in (both ends inclusive)
    ("2022-04-01", 2, "second_report", 2),  # 31/03 and 01/04 in; 01/10 now outside
    ("2022-09-30", 2, "second_report", 2),  # window 31/03/2022 to 30/09/2022
    ("2022-10-01", 0, "below", 4),          # nothing in the window any more
])
def test_window_boundaries(boundary_db, as_of, counted, status, earlier):
    review = ledger(boundary_db, as_of)
    person = rid(COUNCIL, "MC-B1")
    row = review.people[review.people["person_id"] == person]
    if counted == 0:
        assert row.empty
        assert "no report in the 6 months" in review.reasons_for(person)[0]
        return
    row = row.iloc[0]
    assert (row["qualifying_incidents"], row["status"], row["earlier_reports"]) == (
        counted, status, earlier)
    start, end = window(as_of)
    assert f"reported {start:%d/%m/%Y} to {end:%d/%m/%Y}" in row["reasons"][0]


def test_reports_after_the_as_of_date_do_not_exist_yet(boundary_db):
    review = ledger(boundary_db, "2022-03-31")
    assert "Middlesbrough Council:B-0401" not in set(review.reports["incident_id"])
    reasons = review.reasons_for(rid(COUNCIL, "MC-B1"))
    assert any("1 earlier report before 01/10/2021 (the latest on 30/09/2021)" in r
               for r in reasons)


# ---------------------------------------------------------------------------------------------
# late reports are shown but not counted


def test_late_reports_are_shown_but_do_not_count(edges):
    db = edges[0]
    review = ledger(db, "2022-03-31")
    row = person_row(review, rid(COUNCIL, "MC-L1"))
    assert row["qualifying_incidents"] == 3 and row["late_reports"] == 1
    assert row["status"] == "threshold_met"
    shown = review.reports.set_index("incident_id")
    late = shown.loc["Middlesbrough Council:L-32"]
    assert bool(late["late"]) and not bool(late["qualifying"]) and late["days_to_report"] == 32
    assert shown.loc["Middlesbrough Council:L-31", "days_to_report"] == 31
    assert shown.loc["Middlesbrough Council:L-WIN", "days_to_report"] == 26
    assert bool(shown.loc["Middlesbrough Council:L-NONE", "qualifying"])
    assert any("01/02/2022 (32 days after the behaviour)" in r for r in row["reasons"])
    con = connect(db, read_only=True)
    days = dict(con.execute("SELECT source_ref, days_to_report FROM mart_person_incident "
                            "WHERE source_ref LIKE 'L-%'").fetchall())
    con.close()
    assert days["L-32"] == 32 and days["L-WIN"] == 26 and days["L-NONE"] is None


def test_a_late_report_alone_leaves_the_victim_below_with_the_reason(edges):
    db = edges[0]
    row = person_row(ledger(db, "2022-03-31"), rid(COUNCIL, "MC-S1"))
    assert row["status"] == "below" and row["qualifying_incidents"] == 1
    assert row["reasons"][0].startswith("only 1 qualifying incident reported 01/10/2021 to "
                                        "31/03/2022: 3 are needed")
    assert "68 days after the behaviour" in row["reasons"][1]


# ---------------------------------------------------------------------------------------------
# one incident reported to several agencies, and one person under several records


@pytest.fixture(scope="module")
def two_agency_template(tmp_path_factory):
    """One victim: the same incident reported to the police and the council the next morning,
    and a second incident to the police; the records carry name variants."""
    tmp = tmp_path_factory.mktemp("two")
    db = tmp / "two.duckdb"
    rows = [inc("CLE-1", POLICE, "01/02/2022 20:00"), inc("MC-1", COUNCIL, "02/02/2022 09:00",
                                                          "01/02/2022 19:30"),
            inc("CLE-2", POLICE, "20/02/2022 21:00")]
    people = [who("CLE-1", POLICE, "NOM7", "Jon", "SMITH", dob="03/04/1961"),
              who("MC-1", COUNCIL, "MC-7", "Jonathan", "Smith", dob="1961-04-03"),
              who("CLE-2", POLICE, "NOM7", "Jon", "SMITH", dob="03/04/1961")]
    make_warehouse(db, tmp, rows, people)
    return db


@pytest.fixture()
def two_agency_db(two_agency_template, tmp_path):
    return Path(shutil.copy(two_agency_template, tmp_path / "two.duckdb"))


def test_cross_agency_duplicate_counts_once(two_agency_db):
    db = two_agency_db
    police, council = rid(POLICE, "NOM7"), rid(COUNCIL, "MC-7")
    c1, m1 = rid(POLICE, "CLE-1"), rid(COUNCIL, "MC-1")
    con = connect(db, read_only=True)
    grouped = dict(con.execute("SELECT incident_id, incident_group_id FROM core_incident_group"
                               ).fetchall())
    linked = dict(con.execute("SELECT person_record_id, person_id FROM core_person_link"
                              ).fetchall())
    con.close()
    if linked[police] == linked[council] and grouped[c1] == grouped[m1]:
        # Record linkage and the cross-agency grouping found it on their own.
        row = person_row(ledger(db, "2022-03-31"), linked[police])
        assert (row["qualifying_incidents"], row["merged_reports"]) == (2, 1)
    # As one person but each report its own incident: three incidents.
    resolve(db, people={police: "P-7", council: "P-7"}, incidents={c1: c1, m1: m1})
    row = person_row(ledger(db, "2022-03-31"), "P-7")
    assert (row["qualifying_incidents"], row["qualifying_reports"], row["status"]) == (
        3, 3, "threshold_met")
    # The two reports of one incident grouped: they count once.
    resolve(db, incidents={c1: "G-1", m1: "G-1"})
    review = ledger(db, "2022-03-31")
    row = person_row(review, "P-7")
    assert (row["qualifying_incidents"], row["qualifying_reports"], row["merged_reports"],
            row["status"]) == (2, 3, 1, "second_report")
    assert any("1 report was the same incident as another report" in r for r in row["reasons"])
    assert row["person_record_ids"] == [police, council]


def test_name_variants_are_one_person_through_person_id(two_agency_db):
    db = two_agency_db
    police, council = rid(POLICE, "NOM7"), rid(COUNCIL, "MC-7")
    resolve(db, people={police: police, council: council},
            incidents={rid(POLICE, "CLE-1"): rid(POLICE, "CLE-1"),
                       rid(COUNCIL, "MC-1"): rid(COUNCIL, "MC-1")})
    split = ledger(db, "2022-03-31")
    assert person_row(split, police)["qualifying_incidents"] == 2
    assert person_row(split, council)["qualifying_incidents"] == 1
    resolve(db, people={police: "P-7", council: "P-7"})
    joined = ledger(db, "2022-03-31")
    assert person_row(joined, "P-7")["status"] == "threshold_met"
    assert set(joined.people["person_id"]) == {"P-7"}
    con = connect(db, read_only=True)
    names = con.execute("SELECT names_recorded FROM mart_person WHERE person_id = 'P-7'"
                        ).fetchall()[0][0]
    con.close()
    assert names == ["Jon SMITH", "Jonathan Smith"]


def test_cli_prints_every_flagged_person_once_with_all_references(two_agency_db):
    db = two_agency_db
    police, council = rid(POLICE, "NOM7"), rid(COUNCIL, "MC-7")
    resolve(db, people={police: "P-7", council: "P-7"},
            incidents={rid(POLICE, "CLE-1"): "G-1", rid(COUNCIL, "MC-1"): "G-1"})
    result = CliRunner().invoke(app, ["case-review", "--db", str(db), "--as-of", "2022-03-31",
                                      "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["as_of"] == "2022-03-31"
    assert printed["people"] == [{
        "person_id": "P-7", "status": "second_report", "qualifying_incidents": 2,
        "person_refs": [police, council],
        "reasons": printed["people"][0]["reasons"]}]
    assert printed["people"][0]["reasons"][0].startswith("2 qualifying incidents reported "
                                                         "01/10/2021 to 31/03/2022")
    text = CliRunner().invoke(app, ["case-review", "--db", str(db), "--as-of", "2022-03-31"])
    assert "0 threshold met, 1 at the second report" in text.output
    bad = CliRunner().invoke(app, ["case-review", "--db", str(db), "--as-of", "31/03/2022"])
    assert bad.exit_code != 0


# ---------------------------------------------------------------------------------------------
# dates: day-first, and reports from the future


def test_day_first_dates_are_read_as_uk_dates(edges):
    db = edges[0]
    con = connect(db, read_only=True)
    reported = dict(con.execute("SELECT source_ref, reported_at FROM core_incident").fetchall())
    con.close()
    assert reported["D-3"] == pd.Timestamp("2022-02-01 09:00")
    assert reported["D-2"] == pd.Timestamp("2022-01-12 10:00")
    row = person_row(ledger(db, "2022-01-31"), rid(COUNCIL, "MC-D1"))
    # Read month-first, 01/02 would be 2 January and all three would count.
    assert (row["qualifying_incidents"], row["status"]) == (2, "second_report")


def test_a_future_dated_report_is_rejected_and_never_counts(edges):
    db, reports = edges
    assert reports["incidents"].rows_rejected == 1
    con = connect(db, read_only=True)
    reason = con.execute("SELECT reason FROM raw_reject").fetchall()[0][0]
    held = con.execute("SELECT count(*) FROM mart_person_incident WHERE source_ref = 'F-2'"
                       ).fetchall()[0][0]
    con.close()
    assert "future" in reason and held == 0
    for as_of in ("2022-03-31", "2099-01-31"):
        review = ledger(db, as_of)
        assert "Middlesbrough Council:F-2" not in set(review.reports["incident_id"])
    assert person_row(ledger(db, "2022-03-31"), rid(COUNCIL, "MC-F1"))[
        "qualifying_incidents"] == 1


# ---------------------------------------------------------------------------------------------
# roles, local triggers (pure function: small DataFrames)


def complaints(rows: list[tuple]) -> pd.DataFrame:
    """(person, incident, reported, role, hate, easting, northing, premises) rows."""
    frame = pd.DataFrame(rows, columns=["person_id", "incident_id", "reported_at", "role",
                                        "hate_related", "easting", "northing", "premises_id"])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"])
    frame["occurred_at"] = frame["reported_at"]
    return frame


def test_only_victims_and_complainants_count_and_each_report_once_per_person():
    frame = complaints([
        ("A", "i1", "2022-03-01", "victim", False, None, None, None),
        ("A", "i1", "2022-03-01", "complainant", False, None, None, None),
        ("A", "i2", "2022-03-02", "witness", False, None, None, None),
        ("A", "i3", "2022-03-03", "perpetrator", False, None, None, None),
        ("A", "i4", "2022-03-04", "complainant", False, None, None, None),
    ])
    row = person_row(assess(frame, "2022-03-31"), "A")
    assert (row["qualifying_reports"], row["status"]) == (2, "second_report")


def test_one_qualifying_hate_incident_meets_the_threshold_locally():
    frame = complaints([("H", "h1", "2022-03-01", "victim", True, None, None, None)])
    row = person_row(assess(frame, "2022-03-31"), "H")
    assert row["status"] == "threshold_met" and row["triggers"] == ["hate incident"]
    assert "a hate incident reported on 01/03/2022" in row["reasons"][1]
    off = Rules(hate_incident=False)
    assert person_row(assess(frame, "2022-03-31", off), "H")["status"] == "below"
    late = frame.assign(occurred_at=pd.Timestamp("2021-12-01"))
    assert person_row(assess(late, "2022-03-31"), "H")["status"] == "below"


@pytest.mark.parametrize(("people", "spacing", "expected"), [
    (5, 10.0, "threshold_met"),   # five people within 50 m
    (4, 10.0, "below"),           # four is not enough
    (5, 60.0, "below"),           # the ends are too far apart (a chain is not one place)
])
def test_five_people_reporting_one_place_meet_the_threshold_locally(people, spacing, expected):
    rows = [(f"N{i}", f"n{i}", "2022-03-0" + str(i + 1), "complainant", False,
             449000 + i * spacing, 520000.0, None) for i in range(people)]
    review = assess(complaints(rows), "2022-03-31")
    assert set(review.people["status"]) == {expected}
    if expected == "threshold_met":
        assert all(t == ["place"] for t in review.people["triggers"])
        assert "5 different people reported ASB at or within 50 m" in \
            review.people.iloc[0]["reasons"][1]
    assert set(assess(complaints(rows), "2022-03-31",
                      dataclasses.replace(Rules(), place_reports=None)).people["status"]) == {
        "below"}


def test_the_place_trigger_uses_one_premises_without_coordinates():
    rows = [(f"N{i}", f"n{i}", "2022-03-10", "victim", False, None, None, "uprn:1")
            for i in range(5)]
    assert set(assess(complaints(rows), "2022-03-31").people["status"]) == {"threshold_met"}


def test_rules_come_from_configuration_and_are_checked():
    config = load_config()
    assert rules_from_config(config) == Rules()
    lower = {**config, "case_review": {**config["case_review"], "threshold": 2,
                                       "second_report": 2}}
    frame = complaints([("A", "a1", "2022-03-01", "victim", False, None, None, None),
                        ("A", "a2", "2022-03-05", "victim", False, None, None, None)])
    assert person_row(assess(frame, "2022-03-31", rules_from_config(lower)), "A")[
        "status"] == "threshold_met"
    with pytest.raises(ConfigProblem, match="cannot be above the threshold"):
        rules_from_config({"case_review": {"threshold": 2, "second_report": 3}})
    off = rules_from_config({"case_review": {"local_triggers": {"hate_incident": False,
                                                                "place_reports": 0}}})
    assert (off.hate_incident, off.place_reports) == (False, None)


# ---------------------------------------------------------------------------------------------
# applications and the four statutory figures


def test_statutory_figures_count_by_date_received_and_date_held():
    apps = pd.DataFrame({
        "received_on": pd.to_datetime(["2022-03-31", "2022-04-01", "2022-05-01", "2022-06-01",
                                       "2023-03-31", "2023-04-01"]),
        "threshold_met": [True, False, None, True, True, True],
        "review_held_on": pd.to_datetime(["2022-04-20", None, None, "2022-06-15", "2023-04-10",
                                          None]),
        "recommendations_made": [True, None, None, False, True, None],
    })
    fig = statutory_figures(apps, "2022-04-01", "2023-03-31")
    assert (fig.applications, fig.threshold_not_met, fig.reviews_carried_out,
            fig.reviews_with_recommendations) == (4, 1, 2, 1)


def test_applications_are_recorded_imported_and_checked(two_agency_db, tmp_path):
    db = two_agency_db
    police, council = rid(POLICE, "NOM7"), rid(COUNCIL, "MC-7")
    csv = tmp_path / "apps.csv"
    csv.write_text(
        "application_id,person_refs,received_on,csp_code,threshold_met,threshold_reason,"
        "review_held_on,recommendations_made,notes\n"
        f"CR-1,{police}; {council},31/03/2022,,yes,,14/04/2022,yes,\n"
        f"CR-2,{police},2022-02-10,,no,Only one complaint in six months,,,\n"
        f"CR-3,{police},32/03/2022,,,,,,\n"
        f"CR-4,{police},01/03/2022,,yes,,01/02/2022,,\n"
        f"CR-5,{police},01/03/2022,,,,,yes,\n", encoding="utf-8")
    con = connect(db)
    result = import_applications(con, csv, today=date(2022, 12, 31))
    made = add_application(con, Application((council,), date(2022, 3, 20)), recorded_by="t")
    rows = con.execute("SELECT application_id, threshold_met, data_status, "
                       "data_qualifying_incidents, person_ids FROM mart_case_review "
                       "ORDER BY application_id").fetchall()
    con.close()
    assert result.loaded == ["CR-1", "CR-2"]
    assert [(r[0], r[1]) for r in result.rejected] == [
        (4, "received_on"), (5, "review_held_on"), (6, "recommendations_made")]
    assert made == "CR-2022-0001"
    status = {r[0]: r[2:4] for r in rows}
    # CR-1 pools both records: two police reports and the council's report of one of them.
    assert status["CR-1"] == ("threshold_met", 3) or status["CR-1"] == ("second_report", 2)
    assert status["CR-2"] == ("below", 1)
    with pytest.raises(ValueError, match="review_held_on"):
        con = connect(db)
        try:
            add_application(con, Application((police,), date(2022, 3, 1), threshold_met=False,
                                             review_held_on=date(2022, 3, 5)))
        finally:
            con.close()


# ---------------------------------------------------------------------------------------------
# the sample against its ground truth


GROUND = SAMPLE_DIR / "ground_truth"
AS_OF = ("2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31")


@pytest.fixture(scope="module")
def sample_truth(sample_db):
    records = pd.read_csv(GROUND / "person_records.csv", dtype=str)
    records["person_record_id"] = records["agency"] + ":" + records["person_ref"]
    true_of = records.drop_duplicates("person_record_id").set_index("person_record_id")[
        "true_person_id"]
    refs = records.groupby("true_person_id")["person_record_id"].nunique()
    truth = pd.read_csv(GROUND / "case_review_truth.csv", dtype=str)
    duplicates = pd.read_csv(GROUND / "cross_agency_duplicates.csv", dtype=str)
    group_of = (duplicates["agency"] + ":" + duplicates["source_ref"]).to_frame("incident_id")
    group_of["group"] = duplicates["group_id"]
    con = connect(sample_db, read_only=True)
    held = load_complaints(con, ("victim", "complainant"))
    con.close()
    return {"true_of": true_of, "refs": refs, "truth": truth, "held": held,
            "group_of": group_of.set_index("incident_id")["group"]}


# The ground truth leaves out the place trigger.
TRUTH_RULES = dataclasses.replace(Rules(), place_reports=None)


def test_rules_match_the_ground_truth_exactly_given_the_true_people_and_incidents(sample_truth):
    """With the true person and incident of every record, every figure matches the truth."""
    held = sample_truth["held"]
    oracle = held.assign(
        person_id=held["person_record_ids"].map(lambda ids: sample_truth["true_of"][ids[0]]),
        incident_group_id=held["incident_id"].map(sample_truth["group_of"]).fillna(
            held["incident_id"]))
    truth = sample_truth["truth"]
    for as_of in AS_OF:
        review = assess(oracle, as_of, TRUTH_RULES)
        flagged = review.flagged().set_index("person_id")
        expected = truth[truth["as_of"] == as_of].set_index("true_person_id")
        assert sorted(flagged.index) == sorted(expected.index), as_of
        assert (flagged.loc[expected.index, "status"] == expected["status"]).all()
        assert (flagged.loc[expected.index, "qualifying_incidents"]
                == expected["qualifying_incidents"].astype(int)).all()
        assert (flagged.loc[expected.index, "late_reports"]
                == expected["late_reports_excluded"].astype(int)).all()
        assert (flagged.loc[expected.index, "hate_incidents"]
                == expected["hate_incidents"].astype(int)).all()


def test_sample_statuses_agree_with_the_ground_truth(sample_truth, capsys):
    """Statuses from the warehouse as built (its record linkage and grouping) against truth.

    Robust: every true person known to one agency record is matched exactly. Agreement over
    everyone is reported (and must not fall below what agency references alone gave: ~90 %).
    """
    true_of, refs, truth = sample_truth["true_of"], sample_truth["refs"], sample_truth["truth"]
    rank = {"threshold_met": 2, "second_report": 1, "below": 0}
    lines = []
    for as_of in AS_OF:
        review = assess(sample_truth["held"], as_of, TRUTH_RULES, with_reasons=False)
        people = review.people.copy()
        people["true"] = people["person_record_ids"].map(
            lambda ids: true_of.get(ids[0]) if len(ids) else None)
        predicted = people.groupby("true")["status"].agg(lambda s: max(s, key=rank.get))
        predicted = predicted[predicted != "below"]
        expected = truth[truth["as_of"] == as_of].set_index("true_person_id")["status"]
        everyone = sorted(set(predicted.index) | set(expected.index))
        frame = pd.DataFrame({"truth": expected.reindex(everyone).fillna("none"),
                              "ours": predicted.reindex(everyone).fillna("none")})
        single = frame[[refs.get(p, 1) == 1 for p in frame.index]]
        assert (single["truth"] == single["ours"]).all(), single[single["truth"]
                                                                 != single["ours"]]
        agree = float((frame["truth"] == frame["ours"]).mean())
        lines.append(f"{as_of}: truth {len(expected)}, ours {len(predicted)}, agree "
                     f"{agree:.1%} (one-record people {len(single)}/{len(single)})")
        assert agree >= 0.85, lines[-1]
    with capsys.disabled():
        sys.stdout.write("\ncase review vs ground truth: " + "; ".join(lines) + "\n")
