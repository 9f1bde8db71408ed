"""Record linkage, location resolution and cross-agency de-duplication on the sample warehouse.

Scores are computed from the sample generator's ground truth (data/sample/ground_truth), with
floors below the benchmark's figures (benchmarks/linkage.py prints those) so that a changed
sample does not make the tests flaky.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.analysis.linkage import link_people
from pipelines.config import load_config, merge
from pipelines.db import transaction
from pipelines.errors import AnalysisProblem
from pipelines.link_decisions import record_decision
from pipelines.sample_truth import pair_scores, pairs_within, true_incident_pairs, true_people
from pipelines.warehouse import build, connect, steps

LINKAGE_TABLES = ["core_person_link", "core_person", "core_person_pair", "core_person_model",
                  "core_location", "core_incident_location", "core_incident_group",
                  "core_incident_group_pair"]


def _read(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM {t} t")
            .fetchall()[0] for t in LINKAGE_TABLES}


# ---------------------------------------------------------------------------------------------
# People


def _person(rid: str, first: str, last: str, dob: date | None, address: str,
            postcode: str | None = None, uprn: str | None = None) -> dict:
    return {"person_record_id": rid, "agency": rid.split(":")[0], "first_name": first,
            "last_name": last, "date_of_birth": dob, "address": address, "postcode": postcode,
            "uprn": uprn}


def test_variants_of_one_person_link_and_namesakes_do_not(sample_db):
    records = pd.DataFrame(_read(sample_db, """
        SELECT person_record_id, agency, first_name, last_name, date_of_birth, address,
               postcode, uprn FROM core_person_record ORDER BY person_record_id"""),
        columns=["person_record_id", "agency", "first_name", "last_name", "date_of_birth",
                 "address", "postcode", "uprn"])
    home = "Flat 4, 21 Acacia Avenue, Redcar"
    crafted = pd.DataFrame([
        _person("Police:T1", "Jonathan", "FEATHERSTONEHAUGH", date(1984, 3, 7), home),
        # nickname, no flat number, street abbreviated, no postcode, a UPRN
        _person("Council:T2", "Jon", "Featherstonehaugh", None, "21 Acacia Ave",
                uprn="900099999991"),
        # surname typo, day and month of birth swapped, postcode given
        _person("Housing:T3", "Jonathan", "Featherstonhaugh", date(1984, 7, 3),
                "Flat 4, 21 Acacia Avenue, Redcar", "TS10 3ZZ", "900099999991"),
        # first and last names swapped, one digit of the date of birth mistyped
        _person("Council:T4", "Featherstonehaugh", "Jonathan", date(1984, 3, 17),
                "Flat 4, 21 Acacia Avenue"),
        # the same name only: another man with a different date of birth and home
        _person("Housing:T5", "Jonathan", "Featherstonehaugh", date(1961, 11, 25),
                "8 Mill Lane, Hartlepool", "TS24 9ZZ", "900099999992"),
        # the same home and surname: his mother
        _person("Housing:T6", "Margaret", "Featherstonehaugh", date(1958, 5, 30), home,
                "TS10 3ZZ", "900099999991"),
    ])
    result = link_people(pd.concat([records, crafted], ignore_index=True))
    person = result.links.set_index("person_record_id")["person_id"]
    assert person["Council:T2"] == person["Housing:T3"] == person["Council:T4"] \
        == person["Police:T1"]
    assert person["Housing:T5"] == "Housing:T5"
    assert person["Housing:T6"] == "Housing:T6"
    pairs = result.pairs.set_index(["person_record_id_l", "person_record_id_r"])
    namesake = pairs.loc[("Housing:T5", "Police:T1")]
    assert namesake["name_level"] == "exact" and namesake["match_probability"] < 0.01
    assert namesake["date_of_birth_level"] == "different" and namesake["home_level"] == "different"
    swapped = pairs.loc[("Council:T4", "Police:T1")]
    assert (swapped["name_level"], swapped["date_of_birth_level"]) == ("swapped", "one_digit")
    assert pairs.loc[("Housing:T3", "Police:T1"), "date_of_birth_level"] == "day_month_swapped"
    assert pairs.loc[("Council:T2", "Police:T1"), "name_level"] == "nickname"
    assert pairs.loc[("Council:T2", "Police:T1"), "home_level"] == "address_no_flat"
    # every link says which fields agreed, with the weights that add up to the match weight
    link = result.links.set_index("person_record_id").loc["Council:T2"]
    assert link["link_method"] == "probabilistic" and link["match_probability"] >= 0.9
    assert "name: " in link["agreeing_fields"] and "home: " in link["agreeing_fields"]
    nickname = pairs.loc[("Council:T2", "Police:T1")]
    assert nickname["agreeing_fields"].startswith("name: same surname, given name a short form")
    assert nickname["match_weight"] == pytest.approx(
        nickname[["name_weight", "date_of_birth_weight", "home_weight"]].sum()
        + math.log2(result.prior / (1 - result.prior)), abs=1e-3)
    # the trained model is kept: a same-name pair counts for, a different date of birth against
    model = result.parameters.set_index(["field", "level"])["match_weight"]
    assert model[("name", "exact")] > 5 and model[("date_of_birth", "different")] < -5


def test_a_small_warehouse_links_with_the_default_model():
    records = pd.DataFrame([
        _person("Police:1", "Jonathan", "Wilson", date(1969, 12, 9), "19 Heather Close, Hartlepool",
                "TS25 3XL"),
        _person("Council:7", "Jon", "Wilson", None, "19 Heather Cl", "TS25 3XL", "900027099229"),
        _person("Council:8", "Jonathan", "Wilson", None, "4 Other Road", "TS24 1AA"),
    ])
    result = link_people(records)
    assert set(result.parameters["source"]) == {"default"}
    person = result.links.set_index("person_record_id")["person_id"]
    assert person["Council:7"] == person["Police:1"] == "Council:7"
    assert person["Council:8"] == "Council:8"
    with pytest.raises(AnalysisProblem, match="between 0 and 1"):
        link_people(records, threshold=1.5)


def test_linkage_meets_its_floor_on_the_sample_ground_truth(sample_db):
    held = {r for (r,) in _read(sample_db, "SELECT person_record_id FROM core_person_record")}
    truth = pairs_within({r: p for r, p in true_people().items() if r in held})
    linked = dict(_read(sample_db, "SELECT person_record_id, person_id FROM core_person_link"))
    scores = pair_scores(pairs_within(linked), truth)
    assert len(truth) > 500
    assert scores.precision >= 0.95 and scores.recall >= 0.90, scores
    # an exact name and date of birth match finds far fewer (the benchmark's baseline)
    exact = _read(sample_db, """
        SELECT a.person_record_id, b.person_record_id FROM core_person_record a
        JOIN core_person_record b ON a.person_record_id < b.person_record_id
         AND lower(a.first_name) = lower(b.first_name) AND lower(a.last_name) = lower(b.last_name)
         AND a.date_of_birth = b.date_of_birth""")
    assert pair_scores(exact, truth).recall < scores.recall - 0.2


def test_people_tables_keep_the_interim_contract(sample_db):
    con = duckdb.connect(str(sample_db), read_only=True)
    try:
        for table, columns in {
            "core_person_link": ["person_record_id", "person_id", "link_method",
                                 "match_probability", "match_weight", "agreeing_fields"],
            "core_person": ["person_id", "records", "person_record_ids", "agencies",
                            "vulnerable", "incidents"],
        }.items():
            held = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall()]
            assert held[:len(columns)] == columns
        assert con.execute("SELECT count(*) FROM core_person_link").fetchall()[0][0] == \
            con.execute("SELECT count(*) FROM core_person_record").fetchall()[0][0]
        assert con.execute("SELECT sum(records) FROM core_person").fetchall()[0][0] == \
            con.execute("SELECT count(*) FROM core_person_record").fetchall()[0][0]
        # each person's id is one of its records
        assert con.execute("SELECT count(*) FROM core_person WHERE NOT list_contains("
                           "person_record_ids, person_id)").fetchall()[0][0] == 0
    finally:
        con.close()


def test_rebuild_is_identical_and_analyst_decisions_survive_it(sample_db, sample_db_copy):
    con = duckdb.connect(str(sample_db), read_only=True)
    before = _fingerprint(con)
    split_a, split_b = con.execute(
        "SELECT person_record_id_l, person_record_id_r FROM core_person_pair WHERE linked "
        "ORDER BY person_record_id_l LIMIT 1").fetchall()[0]
    near_a, near_b = con.execute(
        "SELECT person_record_id_l, person_record_id_r FROM core_person_pair WHERE NOT linked "
        "ORDER BY match_probability DESC, person_record_id_l LIMIT 1").fetchall()[0]
    con.close()

    con = connect(sample_db_copy)
    try:
        # the linkage steps again, on the same data: the same tables, bit for bit
        with transaction(con):
            for step in steps():
                if step.name in ("core_location", "core_person", "core_incident_group"):
                    step.run(con, load_config())
        assert _fingerprint(con) == before
        # an analyst's decisions, then a whole rebuild
        with transaction(con):
            record_decision(con, split_a, split_b, "split", decided_by="ann",
                            reason="different people", at=datetime(2026, 1, 5, 10))
            record_decision(con, near_a, near_b, "confirm", decided_by="ann",
                            reason="same person, checked with housing",
                            at=datetime(2026, 1, 5, 11))
            build(con)
        person = dict(con.execute("SELECT person_record_id, person_id FROM core_person_link "
                                  "WHERE person_record_id IN (?, ?, ?, ?)",
                                  [split_a, split_b, near_a, near_b]).fetchall())
        assert person[split_a] != person[split_b]
        assert person[near_a] == person[near_b]
        method = con.execute("SELECT link_method, agreeing_fields FROM core_person_link "
                             "WHERE person_record_id = ?", [near_b]).fetchall()[0]
        assert method[0] == "analyst confirmed" and method[1].startswith("confirmed by an analyst")
        decided = con.execute("SELECT decision FROM core_person_pair WHERE person_record_id_l = ? "
                              "AND person_record_id_r = ?", [split_a, split_b]).fetchall()
        assert decided == [("split",)]
        assert con.execute("SELECT count(*) FROM app_link_decision").fetchall()[0][0] == 2
        # a later decision on the same pair wins
        with transaction(con):
            record_decision(con, split_b, split_a, "confirm", decided_by="bob",
                            reason="new evidence: same person", at=datetime(2026, 2, 1))
        with pytest.raises(AnalysisProblem, match="reason"):
            record_decision(con, split_a, split_b, "split", decided_by="bob", reason=" ")
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# Places and incidents


def test_reports_of_one_incident_group_and_different_incidents_do_not(sample_db):
    grouped = dict(_read(sample_db, "SELECT incident_id, incident_group_id FROM "
                                    "core_incident_group WHERE group_reason <> 'single report'"))
    reachable = true_incident_pairs(rule_reachable=True)
    scores = pair_scores(pairs_within(grouped), reachable)
    assert len(reachable) > 200
    assert scores.precision >= 0.95 and scores.recall >= 0.90, scores
    assert pair_scores(pairs_within(grouped), true_incident_pairs()).precision >= 0.95
    # the same person reporting to two agencies more than 24 hours apart: two incidents
    apart = _read(sample_db, """
        WITH r AS (
            SELECT l.person_id, i.incident_id, i.agency, i.reported_at, g.incident_group_id
            FROM core_person_role p JOIN core_person_link l USING (person_record_id)
            JOIN core_incident i ON i.incident_id = p.incident_id
            JOIN core_incident_group g ON g.incident_id = i.incident_id
            WHERE p.role IN ('victim', 'complainant'))
        SELECT count(*), count(*) FILTER (WHERE a.incident_group_id = b.incident_group_id)
        FROM r a JOIN r b ON a.person_id = b.person_id AND a.agency <> b.agency
         AND a.incident_id < b.incident_id
         AND abs(epoch(a.reported_at) - epoch(b.reported_at)) > 24 * 3600""")[0]
    assert apart[0] > 100 and apart[1] == 0
    # every report is kept; a group's id is one of its reports; the reason says why
    total, groups = _read(sample_db, "SELECT count(*), count(*) FILTER (WHERE incident_id = "
                                     "incident_group_id) FROM core_incident_group")[0]
    assert total == _read(sample_db, "SELECT count(*) FROM core_incident")[0][0]
    assert groups == total - len(grouped) + len(set(grouped.values()))
    reason = _read(sample_db, "SELECT group_reason FROM core_incident_group "
                              "WHERE group_reason <> 'single report' LIMIT 1")[0][0]
    assert "the same person within 24 hours" in reason


def test_the_duplicate_rule_is_configurable(sample_db_copy):
    step = next(s for s in steps() if s.name == "core_incident_group")
    con = connect(sample_db_copy)
    try:
        default = con.execute("SELECT count(*) FROM core_incident_group_pair").fetchall()[0][0]
        with transaction(con):
            step.run(con, merge(load_config(),
                                {"case_review": {"cross_agency_duplicate_hours": 6}}))
        tight = con.execute("SELECT count(*) FROM core_incident_group_pair").fetchall()[0][0]
        assert 0 < tight < default
        assert con.execute("SELECT max(hours_apart) FROM core_incident_group_pair"
                           ).fetchall()[0][0] <= 6
    finally:
        con.close()


def test_locations_join_agencies_reports_of_one_door(sample_db):
    # a housing report (UPRN, no coordinates) and the police report of the same incident
    # (coordinates, no UPRN) resolve to one location that has both
    rows = _read(sample_db, """
        SELECT p.incident_id_l, p.incident_id_r, a.location_id, b.location_id, l.uprn,
               l.easting, l.postcode
        FROM core_incident_group_pair p
        JOIN core_incident_location a ON a.incident_id = p.incident_id_l
        JOIN core_incident_location b ON b.incident_id = p.incident_id_r
        JOIN core_location l ON l.location_id = a.location_id
        WHERE p.incident_id_l LIKE 'Cleveland Police:%' AND p.incident_id_r LIKE 'Tees Valley%'
        ORDER BY 1 LIMIT 20""")
    assert len(rows) == 20
    for _l, _r, loc_l, loc_r, uprn, easting, postcode in rows:
        assert loc_l == loc_r and uprn is not None and easting is not None
        assert postcode is not None
    kinds = dict(_read(sample_db, "SELECT kind, sum(incidents) FROM core_location GROUP BY 1"))
    assert set(kinds) == {"premises", "street", "point", "map point"}
    located = _read(sample_db, "SELECT count(*) FROM core_incident_location")[0][0]
    assert located == sum(kinds.values())
