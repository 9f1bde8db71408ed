"""The dashboard's only door to the warehouse.

One read-only DuckDB connection per warehouse file (``st.cache_resource``), and small,
parameterised, cached queries (``st.cache_data``) that return DataFrames. Pages never write
SQL: they call the functions here with the current filters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from pipelines.errors import WarehouseProblem
from pipelines.warehouse import connect

__all__ = [
    "Filters",
    "db_path",
    "connection",
    "query",
    "filter_options",
    "where_clause",
]


def db_path() -> Path:
    """The warehouse the dashboard reads: ``$ASB_DB`` or ``data/warehouse.duckdb``."""
    return Path(os.environ.get("ASB_DB", "data/warehouse.duckdb")).resolve()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@st.cache_resource(show_spinner=False)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    del mtime  # part of the cache key: a rebuilt warehouse gets a fresh connection
    return connect(path, read_only=True)


def connection() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse (shared; never written through)."""
    path = db_path()
    return _connection(str(path), _mtime(path))


@st.cache_data(show_spinner=False, max_entries=256, ttl=600)
def _query(path: str, mtime: float, sql: str, params: tuple) -> pd.DataFrame:
    con = _connection(path, mtime).cursor()
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def query(sql: str, params: tuple | list = ()) -> pd.DataFrame:
    """Run a parameterised query against the warehouse, cached by SQL and parameters."""
    path = db_path()
    return _query(str(path), _mtime(path), sql, tuple(params))


@dataclass(frozen=True)
class Filters:
    """The global filter bar's choices."""

    start: date
    end: date
    csp_codes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


def where_clause(filters: Filters, alias: str = "") -> tuple[str, list]:
    """SQL ``WHERE`` conditions (with parameters) for the global filters on mart_incident.

    Examples
    --------
    >>> sql, params = where_clause(Filters(date(2022, 1, 1), date(2022, 3, 31), ("E06000001",)))
    >>> sql
    'month BETWEEN ? AND ? AND csp_code IN (SELECT unnest(?))'
    >>> params[2]
    ['E06000001']
    """
    p = f"{alias}." if alias else ""
    conditions = [f"{p}month BETWEEN ? AND ?"]
    params: list = [filters.start.replace(day=1), filters.end]
    if filters.csp_codes:
        conditions.append(f"{p}csp_code IN (SELECT unnest(?))")
        params.append(list(filters.csp_codes))
    if filters.sources:
        conditions.append(f"{p}source_name IN (SELECT unnest(?))")
        params.append(list(filters.sources))
    return " AND ".join(conditions), params


def filter_options() -> dict:
    """What the filter bar offers: the months held, CSP areas and sources."""
    months = query("SELECT min(month) AS first, max(month) AS last FROM mart_incident")
    csps = query("SELECT csp_code, csp_name FROM core_area_csp ORDER BY csp_name")
    sources = query("SELECT DISTINCT source_name FROM mart_incident ORDER BY 1")
    first, last = months.iloc[0]["first"], months.iloc[0]["last"]
    return {
        "first": None if pd.isna(first) else pd.Timestamp(first).date(),
        "last": None if pd.isna(last) else (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date(),
        "csps": dict(zip(csps["csp_code"], csps["csp_name"], strict=True)),
        "sources": sources["source_name"].tolist(),
    }


def check_warehouse() -> str | None:
    """A one-line message when the warehouse cannot be opened, else ``None``."""
    try:
        connection()
    except WarehouseProblem as exc:
        return str(exc)
    return None
