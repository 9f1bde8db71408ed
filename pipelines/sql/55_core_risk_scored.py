"""purpose: every Risk Assessment Matrix assessment scored with the configured matrix, banded
         (an officer's override can only raise the band), and each person's history of scores.
inputs:  core_risk_assessment, core_person_link (person_record_id -> person_id), the
         configuration (`risk_matrix`)
output:  core_risk_scored
grain:   one row per assessment held (agency + assessment_ref).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipelines.analysis.risk_matrix import matrix_from_config, score_assessments

_COLUMNS = [
    "assessment_id", "agency", "assessment_ref", "person_id", "person_record_id", "case_id",
    "incident_id", "assessed_at", "answers", "score", "score_history", "score_vulnerability",
    "score_impact", "score_support", "answered", "unanswered", "unknown_answers",
    "recorded_score", "score_differs", "score_band", "recorded_band", "override_band",
    "override_reason", "override_outcome", "band", "review_due", "next_review_due",
    "assessment_number", "previous_score", "previous_band", "score_change", "risk_rising",
    "source_name",
]


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    matrix = matrix_from_config(config)
    frame = con.execute(
        "SELECT a.assessment_id, a.agency, a.assessment_ref, "
        "coalesce(l.person_id, a.person_record_id, 'assessment:' || a.assessment_id) AS person_id, "
        "a.person_record_id, a.case_id, a.incident_id, a.assessed_at, "
        "CAST(a.answers AS VARCHAR) AS answers, a.recorded_score, lower(a.recorded_band) "
        "AS recorded_band, lower(a.override_band) AS override_band, a.override_reason, "
        "a.review_due, a.source_name "
        "FROM core_risk_assessment a "
        "LEFT JOIN core_person_link l ON l.person_record_id = a.person_record_id"
    ).df()
    scored = score_assessments(frame, matrix)
    for area in ("history", "vulnerability", "impact", "support"):
        if f"score_{area}" not in scored:
            scored[f"score_{area}"] = 0.0
    scored = scored[_COLUMNS]
    scored["assessed_at"] = pd.to_datetime(scored["assessed_at"]).dt.date
    scored["next_review_due"] = pd.to_datetime(scored["next_review_due"]).dt.date
    con.register("_scored", scored)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE core_risk_scored AS SELECT * REPLACE ("
            "CAST(assessed_at AS DATE) AS assessed_at, CAST(review_due AS DATE) AS review_due, "
            "CAST(next_review_due AS DATE) AS next_review_due, "
            "CAST(previous_band AS VARCHAR) AS previous_band, "
            "CAST(override_reason AS VARCHAR) AS override_reason, "
            "CAST(override_band AS VARCHAR) AS override_band, "
            "CAST(case_id AS VARCHAR) AS case_id, CAST(incident_id AS VARCHAR) AS incident_id, "
            "CAST(person_record_id AS VARCHAR) AS person_record_id, "
            "CAST(recorded_band AS VARCHAR) AS recorded_band, "
            "CAST(score_band AS VARCHAR) AS score_band, CAST(band AS VARCHAR) AS band, "
            "CAST(answers AS JSON) AS answers) "
            "FROM _scored ORDER BY person_id, assessed_at, assessment_id"
        )
    finally:
        con.unregister("_scored")
