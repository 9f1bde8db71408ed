"""purpose: case review applications joined to the warehouse: the applicant, their CSP area and
         what the data said on the day each application was received, beside the recorded
         decision (the statutory return reads this).
inputs:  app_case_review_application (created empty if missing; its rows are never changed by a
         build), core_person_link, mart_person_incident, core_area_csp
output:  mart_case_review
grain:   one row per application.
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.case_reviews import refresh_mart


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    refresh_mart(con, config)
