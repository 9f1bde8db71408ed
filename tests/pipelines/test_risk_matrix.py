"""The Risk Assessment Matrix: scoring, bands, overrides, history, practice checks, CMARAC."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from pipelines.analysis.risk_matrix import (
    apply_override,
    band_for,
    cmarac_list,
    matrix_from_config,
    practice_checks,
    score_answers,
    score_assessments,
)
from pipelines.config import load_config, merge
from pipelines.errors import ConfigProblem
from pipelines.warehouse import connect
from tests.pipelines.victims_helpers import make_warehouse

MATRIX = matrix_from_config(load_config())
#: The highest answer to every question (multi-answer questions: every answer).
WORST = {"q_frequency": "daily", "q_linked": "yes", "q_worsening": "yes",
         "q_know_offender": "know each other well", "q_harassment_history":
         "currently harassing you", "q_agencies_informed": "no", "q_targeted": "you",
         "q_hate": "yes", "q_other_risk": "yes", "q_affected": "extremely",
         "q_health": "physical; mental", "q_professional_support": "yes",
         "q_support_network": "lives alone and isolated",
         "q_others_affected": "family; local community; other"}


# ---------------------------------------------------------------------------------------------
# scoring and bands


def test_every_question_at_its_worst_scores_the_seed_maximum():
    score = score_answers(WORST, MATRIX)
    # 5+2+2+1+6+0+4+5+3+5+(3+3)+1+3+(1+5+1)
    assert score.total == 50
    assert score.by_area == {"history": 16, "vulnerability": 12, "impact": 11, "support": 11}
    assert score.answered == 14 and not score.unanswered and not score.unknown


@pytest.mark.parametrize(("answer", "points"), [
    ("physical", 3), ("physical; mental", 6), ("Physical ;  MENTAL", 6),
    ("physical; physical", 3), ("none", 0), ("", 0), (None, 0)])
def test_multi_answer_questions_add_every_distinct_answer(answer, points):
    assert score_answers({"q_health": answer}, MATRIX).total == points


def test_a_single_answer_question_given_several_answers_scores_the_highest():
    assert score_answers({"q_linked": "no; yes"}, MATRIX).total == 2


def test_unknown_and_missing_answers_score_nothing_and_are_listed():
    score = score_answers(json.dumps({"q_hate": "perhaps", "q_linked": "YES"}), MATRIX)
    assert score.total == 2 and score.unknown == (("q_hate", "perhaps"),)
    assert "q_frequency" in score.unanswered and len(score.unanswered) == 12
    assert score_answers("not json", MATRIX).total == 0


@pytest.mark.parametrize(("score", "band"), [
    (0, "standard"), (11, "standard"), (11.5, "standard"), (12, "medium"), (19, "medium"),
    (20, "high"), (50, "high"), (None, None)])
def test_band_cut_offs_are_inclusive_from_the_top(score, band):
    assert band_for(score, MATRIX) == band


def test_an_override_only_raises_the_band():
    assert apply_override("standard", "high", MATRIX) == ("high", "raised")
    assert apply_override("medium", " Medium ", MATRIX) == ("medium", "not higher")
    assert apply_override("high", "standard", MATRIX) == ("high", "not higher")
    assert apply_override("medium", "critical", MATRIX) == ("medium", "unknown band")
    assert apply_override("medium", "", MATRIX) == ("medium", "none")
    assert apply_override("medium", float("nan"), MATRIX) == ("medium", "none")


def test_the_matrix_is_configuration():
    config = merge(load_config(), {"risk_matrix": {
        "questions": [{"key": "q_x", "area": "a", "answers": {"Yes": 7, "no": 0}},
                      {"key": "q_y", "area": "a", "multi": True, "answers": {"p": 1, "q": 2}}],
        "bands": [{"band": "critical", "min": 9}, {"band": "low", "min": 0}],
        "review_days": {"critical": 1, "low": 60}}})
    matrix = matrix_from_config(config)
    assert score_answers({"q_x": "yes", "q_y": "p; q"}, matrix).total == 10
    assert band_for(10, matrix) == "critical" and matrix.band_names == ("low", "critical")
    with pytest.raises(ConfigProblem, match="min: 0"):
        matrix_from_config({"risk_matrix": {"questions": [], "bands": [{"band": "x", "min": 3}]}})
    with pytest.raises(ConfigProblem, match="must be a number"):
        matrix_from_config({"risk_matrix": {"bands": [{"band": "x", "min": 0}], "questions": [
            {"key": "q", "answers": {"yes": "lots"}}]}})


# ---------------------------------------------------------------------------------------------
# history


def _assessments(rows: list[tuple]) -> pd.DataFrame:
    """(id, person, case, assessed, answers, recorded score, override, reason, review due)."""
    frame = pd.DataFrame(rows, columns=["assessment_id", "person_id", "case_id", "assessed_at",
                                        "answers", "recorded_score", "override_band",
                                        "override_reason", "review_due"])
    frame["assessed_at"] = pd.to_datetime(frame["assessed_at"])
    frame["review_due"] = pd.to_datetime(frame["review_due"])
    return frame


LOW = {"q_frequency": "most weeks", "q_targeted": "you"}                     # 6
MID = {**LOW, "q_harassment_history": "currently harassing you"}             # 12
MID_PLUS = {**MID, "q_other_risk": "yes", "q_linked": "yes"}                 # 17
HIGH = {**MID_PLUS, "q_hate": "yes"}                                         # 22


def test_history_keeps_every_score_and_marks_rising_risk():
    scored = score_assessments(_assessments([
        ("a1", "V", "C", "2022-01-02", json.dumps(LOW), 6, None, None, None),
        ("a2", "V", "C", "2022-02-01", json.dumps(MID), 11, None, None, "2022-02-10"),
        ("a3", "V", "C", "2022-03-01", json.dumps(MID_PLUS), 17, None, None, None),
        ("a4", "V", "C", "2022-04-01", json.dumps(LOW), 6, "high", "children in household",
         None),
        ("b1", "W", "D", "2022-01-05", json.dumps(HIGH), 22, "medium", "officer thought lower",
         None),
    ]), MATRIX)
    v = scored[scored["person_id"] == "V"].set_index("assessment_id")
    assert v["score"].tolist() == [6, 12, 17, 6]
    assert v["band"].tolist() == ["standard", "medium", "medium", "high"]
    assert v["assessment_number"].tolist() == [1, 2, 3, 4]
    # a2: band up; a3: same band, score up 5 (rising_points); a4: score down, override raises
    assert v["risk_rising"].tolist() == [False, True, True, True]
    assert v.loc["a4", "override_outcome"] == "raised" and v.loc["a4", "score_band"] == "standard"
    assert v.loc["a2", "score_differs"] and not v.loc["a3", "score_differs"]
    assert v.loc["a2", "next_review_due"] == pd.Timestamp("2022-02-10")     # as recorded
    assert v.loc["a3", "next_review_due"] == pd.Timestamp("2022-03-15")     # medium: 14 days
    w = scored[scored["person_id"] == "W"].iloc[0]
    assert (w["band"], w["override_outcome"]) == ("high", "not higher")


# ---------------------------------------------------------------------------------------------
# practice checks and the CMARAC list


@pytest.fixture()
def practice():
    scored = score_assessments(_assessments([
        ("a1", "V1", "C1", "2022-01-02", json.dumps(LOW), None, None, None, None),
        ("a2", "V2", "C2", "2022-01-20", json.dumps(MID), None, None, None, None),
        ("a3", "V5", "C5", "2022-01-03", json.dumps(LOW), None, None, None, None),
        ("a4", "V6", "C6", "2022-01-20", json.dumps(LOW), None, None, None, None),
        ("a5", "V6", "C6", "2022-01-27", json.dumps(HIGH), None, None, None, None),
    ]), MATRIX)
    case_people = pd.DataFrame({
        "case_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "person_id": ["V1", "V2", "V3", "V4", "V5", "V6"],
        "first_report": pd.to_datetime(["2022-01-01", "2022-01-10", "2022-01-25", "2022-01-31",
                                        "2022-01-02", "2022-01-19"])})
    cases = pd.DataFrame({
        "case_id": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "opened_at": pd.to_datetime(["2022-01-01", "2022-01-10", "2022-01-25", "2022-01-31",
                                     "2022-01-02", "2022-01-19"]),
        "closed_at": pd.to_datetime([None, None, None, None, "2022-01-20", None])})
    return scored, case_people, cases


def test_practice_checks(practice):
    scored, case_people, cases = practice
    checks = practice_checks(scored, case_people, cases, date(2022, 2, 1), MATRIX)
    found = {(r.check, r.person_id): r for r in checks.itertuples(index=False)}
    assert set(found) == {
        ("review_overdue", "V1"),     # standard risk, last assessed 30 days ago (> 28)
        ("assessed_late", "V2"),      # first report 10/01, assessed 20/01: 10 days
        ("not_assessed", "V3"),       # first report 25/01, nothing by 01/02
        ("risk_rising", "V6"),        # standard to high in a week
    }                                  # V4: still within 2 days; V5: case closed
    assert found[("review_overdue", "V1")].days == 30
    assert found[("assessed_late", "V2")].days == 10
    assert "first report on 25/01/2022" in found[("not_assessed", "V3")].detail
    assert found[("risk_rising", "V6")].detail == ("score 6 (standard) rose to 22 (high) on "
                                                   "27/01/2022")
    # High risk is reviewed weekly: V6 last assessed 27/01 is overdue on 04/02 (8 days).
    later = practice_checks(scored, case_people, cases, date(2022, 2, 4), MATRIX)
    assert ("review_overdue", "V6") in {(r.check, r.person_id) for r in later.itertuples()}
    # Nothing happened yet on 01/01/2022 except V1's first report, which is within time.
    assert practice_checks(scored, case_people, cases, date(2022, 1, 1), MATRIX).empty


def test_cmarac_lists_high_risk_and_vulnerable_threshold_victims(practice):
    scored = practice[0]
    people = pd.DataFrame({
        "person_id": ["V1", "V2", "V6", "T1", "T2"],
        "status": [None, "second_report", None, "threshold_met", "threshold_met"],
        "vulnerable": [False, True, False, True, False]})
    actions = pd.DataFrame({"person_id": ["V6", "V6"], "action": ["support referral", "CPW"],
                            "action_date": pd.to_datetime(["2022-01-28", "2022-01-30"])})
    listed = cmarac_list(scored, people, actions, date(2022, 2, 1), MATRIX,
                         active_ids=["V1", "V2", "V6", "T1", "T2"])
    assert listed["person_id"].tolist() == ["V6", "T1"]
    v6 = listed.iloc[0]
    assert v6["reasons"] == "high risk: score 22 on 27/01/2022"
    assert (v6["open_actions"], v6["actions"]) == (2, "CPW (30/01/2022); support referral "
                                                      "(28/01/2022)")
    assert v6["next_review_due"] == pd.Timestamp("2022-02-03") and not v6["review_overdue"]
    assert listed.iloc[1]["reasons"] == "case review threshold met and recorded as vulnerable"
    # Not current (no report in the window, no open case): not listed.
    assert cmarac_list(scored, people, actions, date(2022, 2, 1), MATRIX,
                       active_ids=["T1"])["person_id"].tolist() == ["T1"]
    # Before the high assessment V6 was standard.
    assert "V6" not in set(cmarac_list(scored, people, actions, date(2022, 1, 26), MATRIX,
                                       active_ids=["V6"])["person_id"])


# ---------------------------------------------------------------------------------------------
# in the warehouse


RA_COLUMNS = ["assessment_ref", "agency", "assessed_at", "case_ref", "person_ref", *WORST,
              "score", "band", "override_band", "override_reason", "review_due"]


def _ra(ref: str, assessed: str, answers: dict, score, band, override=None, reason=None):
    return {"assessment_ref": ref, "agency": "Tees Valley Homes", "assessed_at": assessed,
            "case_ref": "ASB/22/0001", "person_ref": "T1", **answers, "score": score,
            "band": band, "override_band": override, "override_reason": reason}


def test_the_warehouse_scores_every_assessment_and_keeps_the_history(tmp_path):
    db = tmp_path / "ram.duckdb"
    incidents = [{"source_ref": "R1", "agency": "Tees Valley Homes",
                  "reported_at": "03/01/2022 10:00", "case_ref": "ASB/22/0001",
                  "easting": 449571, "northing": 520156}]
    people = [{"source_ref": "R1", "agency": "Tees Valley Homes", "role": "complainant",
               "person_ref": "T1", "first_name": "Rita", "last_name": "Risk"}]
    cases = (["case_ref", "agency", "opened_at"],
             [{"case_ref": "ASB/22/0001", "agency": "Tees Valley Homes",
               "opened_at": "03/01/2022"}])
    ras = (RA_COLUMNS, [
        _ra("RA1", "04/01/2022", LOW, 6, "standard"),
        _ra("RA2", "20/01/2022", MID, 10, "standard", "high", "Complainant too frightened"),
        _ra("RA3", "01/03/2022", HIGH, 22, "high", "medium", "Lower, the officer thought"),
    ])
    make_warehouse(db, tmp_path, incidents, people, {"cases": cases, "risk-assessments": ras})
    con = connect(db, read_only=True)
    rows = con.execute("SELECT assessment_ref, score, score_band, band, override_outcome, "
                       "score_differs, previous_band, risk_rising, person_id FROM "
                       "mart_risk_assessment ORDER BY assessed_at").fetchall()
    latest = con.execute("SELECT latest_band, latest_score, assessments FROM mart_person "
                         "WHERE person_id = 'Tees Valley Homes:T1'").fetchall()[0]
    con.close()
    assert rows == [
        ("RA1", 6, "standard", "standard", "none", False, None, False, "Tees Valley Homes:T1"),
        ("RA2", 12, "medium", "high", "raised", True, "standard", True, "Tees Valley Homes:T1"),
        # the band was already high (raised by the officer) but the score rose by 10
        ("RA3", 22, "high", "high", "not higher", False, "high", True, "Tees Valley Homes:T1"),
    ]
    assert latest == ("high", 22, 3)


def test_the_sample_is_scored_as_its_officers_would(sample_db):
    """Where the officer added up right, the warehouse band is the officer's band; overrides
    raise it."""
    con = connect(sample_db, read_only=True)
    held = con.execute("SELECT count(*) FROM core_risk_assessment").fetchall()[0][0]
    scored = con.execute("SELECT * FROM mart_risk_assessment").df()
    con.close()
    assert len(scored) == held > 1000
    right = scored[~scored["score_differs"]]
    assert (right["score"] == right["recorded_score"]).all()
    assert (right["score_band"] == right["recorded_band"]).all()
    raised = scored[scored["override_outcome"] == "raised"]
    assert len(raised) > 50 and (raised["band"] == raised["override_band"]).all()
    assert scored["score_differs"].mean() < 0.05
    assert (scored["unknown_answers"] == "").all()
