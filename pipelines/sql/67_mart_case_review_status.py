"""purpose: the case review ledger in aggregate for governance: how many people met the
         threshold or reached the second report at each month end, by CSP area. No names.
inputs:  mart_person_incident, core_area_csp, the configuration (`case_review`)
output:  mart_case_review_status
grain:   one row per month end x CSP area x status (threshold_met, second_report) with at
         least one person; a person counts in the area of their latest report in the window.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipelines.analysis.case_review import assess, rules_from_config
from pipelines.case_reviews import load_complaints

_COLUMNS = ["as_of", "csp_code", "status", "people", "by_hate_trigger", "by_place_trigger",
            "late_reports", "merged_reports"]


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    rules = rules_from_config(config)
    complaints = load_complaints(con, rules.qualifying_roles)
    rows = []
    if not complaints.empty:
        first = pd.Timestamp(complaints["reported_at"].min()).to_period("M")
        last = pd.Timestamp(complaints["reported_at"].max()).to_period("M")
        for period in pd.period_range(first, last, freq="M"):
            as_of = period.to_timestamp(how="end").date()
            review = assess(complaints, as_of, rules, with_reasons=False)
            flagged = review.people[review.people["status"] != "below"]
            if flagged.empty:
                continue
            inside = review.reports[review.reports["in_window"]].sort_values("reported_on")
            area = inside.groupby("person_id")["csp_code"].last()
            frame = flagged.assign(
                csp_code=flagged["person_id"].map(area),
                hate=flagged["triggers"].map(lambda t: "hate incident" in t),
                place=flagged["triggers"].map(lambda t: "place" in t))
            agg = frame.groupby(["csp_code", "status"], dropna=False).agg(
                people=("person_id", "size"), by_hate_trigger=("hate", "sum"),
                by_place_trigger=("place", "sum"), late_reports=("late_reports", "sum"),
                merged_reports=("merged_reports", "sum")).reset_index()
            agg.insert(0, "as_of", as_of)
            rows.append(agg)
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=_COLUMNS)
    con.register("_cr_status", table[_COLUMNS])
    try:
        con.execute("""
            CREATE OR REPLACE TABLE mart_case_review_status AS
            SELECT
                CAST(s.as_of AS DATE)                            AS as_of,
                CAST(s.csp_code AS VARCHAR)                      AS csp_code,
                coalesce(c.csp_name, 'Outside the area')         AS csp_name,
                CAST(s.status AS VARCHAR)                        AS status,
                CAST(s.people AS INTEGER)                        AS people,
                CAST(s.by_hate_trigger AS INTEGER)               AS by_hate_trigger,
                CAST(s.by_place_trigger AS INTEGER)              AS by_place_trigger,
                CAST(s.late_reports AS INTEGER)                  AS late_reports,
                CAST(s.merged_reports AS INTEGER)                AS merged_reports
            FROM _cr_status s
            LEFT JOIN core_area_csp c ON c.csp_code = CAST(s.csp_code AS VARCHAR)
            ORDER BY as_of, csp_code, status
        """)
    finally:
        con.unregister("_cr_status")
