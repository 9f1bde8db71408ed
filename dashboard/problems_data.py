"""Data for the problem-solving pages: reads cached by data version, writes through write()."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pipelines import problems as pb

from .data import connection, query, warehouse, write

__all__ = [
    "problem_list",
    "problem",
    "live_figures",
    "snapshot_list",
    "response_list",
    "actions_for",
    "assessment",
    "history_for",
    "area_choices",
    "category_choices",
    "run",
]


def _cursor_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    cur = connection()
    try:
        pb.ensure_tables(cur)
        return fn(cur, *args, **kwargs)
    finally:
        cur.close()


@st.cache_data(show_spinner=False, max_entries=64)
def _cached(path: str, version: int, name: str, *args: Any) -> Any:
    del path, version  # the cache key: which warehouse, and how recently written
    return _cursor_call(getattr(pb, name), *args)


def _call(name: str, *args: Any) -> Any:
    wh = warehouse()
    return _cached(str(wh.path), wh.version, name, *args)


def problem_list() -> pd.DataFrame:
    return _call("list_problems")


def problem(problem_id: int) -> pb.Problem:
    return _call("get_problem", problem_id)


@st.cache_data(show_spinner="Analysing the problem...", max_entries=32)
def _live(path: str, version: int, problem_id: int) -> dict[str, Any]:
    del path, version
    return _cursor_call(lambda con, pid: pb.analyse_problem(con, pb.get_problem(con, pid)),
                        problem_id)


def live_figures(problem_id: int) -> dict[str, Any]:
    """The scanning and analysis figures as the data stands now (not frozen)."""
    wh = warehouse()
    return _live(str(wh.path), wh.version, problem_id)


def snapshot_list(problem_id: int) -> list[dict[str, Any]]:
    return _call("snapshots", problem_id)


def response_list(problem_id: int) -> pd.DataFrame:
    return _call("responses", problem_id)


def actions_for(problem_id: int) -> pd.DataFrame:
    return _cursor_call(lambda con, pid: pb.enforcement_actions(con, pb.get_problem(con, pid)),
                        problem_id)


def assessment(problem_id: int) -> dict[str, Any] | None:
    return _call("latest_assessment", problem_id)


def history_for(problem_id: int) -> pd.DataFrame:
    return _call("history", problem_id)


def area_choices() -> dict[str, dict[str, str]]:
    """LSOAs and wards a problem's place can be made of, with readable names."""
    lsoas = query("SELECT lsoa_code, lsoa_name FROM core_area_lsoa ORDER BY lsoa_name")
    wards = query("SELECT w.ward_code, w.ward_name || coalesce(' (' || c.csp_name || ')', '') AS "
                  "name FROM core_area_ward w LEFT JOIN core_area_csp c USING (csp_code) "
                  "ORDER BY w.ward_name")
    return {
        "lsoa": dict(zip(lsoas["lsoa_code"], lsoas["lsoa_name"], strict=True)),
        "ward": dict(zip(wards["ward_code"], wards["name"], strict=True)),
    }


def category_choices() -> tuple[list[str], list[str]]:
    frame = query("SELECT DISTINCT category FROM mart_incident WHERE category IS NOT NULL "
                  "ORDER BY 1")
    subtypes = query("SELECT subtype FROM mart_incident WHERE subtype IS NOT NULL AND is_asb "
                     "GROUP BY 1 ORDER BY count(*) DESC LIMIT 60")
    return frame["category"].tolist(), subtypes["subtype"].tolist()


def run(action: str, /, *args: Any, **kwargs: Any) -> Any:
    """Run a pipelines.problems function that changes something, as one transaction."""

    def work(cur: Any) -> Any:
        pb.ensure_tables(cur)
        return getattr(pb, action)(cur, *args, **kwargs)

    return write(work)
