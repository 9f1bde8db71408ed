"""The dashboard's only door to the warehouse.

One DuckDB connection per warehouse file (``st.cache_resource``), small parameterised cached
queries (``st.cache_data``) that return DataFrames, and :func:`write` for the few things the
dashboard records. Pages never write SQL: they call functions that do, with the current
filters as parameters.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from pipelines.db import transaction
from pipelines.errors import WarehouseProblem
from pipelines.warehouse import connect

T = TypeVar("T")

__all__ = [
    "Filters",
    "db_path",
    "warehouse",
    "connection",
    "query",
    "write",
    "filter_options",
    "where_clause",
]


def db_path() -> Path:
    """The warehouse the dashboard reads: ``$ASB_DB`` or ``data/warehouse.duckdb``."""
    return Path(os.environ.get("ASB_DB", "data/warehouse.duckdb")).resolve()


class _Warehouse:
    """The app's one connection to the warehouse, a write lock and a data version.

    The dashboard writes too (uploads, problems, case review applications, link decisions,
    the audit trail), and DuckDB allows one writing process per file, so the app holds a single
    read-write connection and reads through cursors. Each write bumps ``version``, which is
    part of every cached query's key, so pages never show stale figures.
    """

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise WarehouseProblem(
                f"{path}: no warehouse here yet; build one with `asb load-sample --db {path}` "
                f"or `asb ingest --db {path} ...`"
            )
        self.path = path
        self.con = connect(path)
        self.lock = threading.Lock()
        self.version = 0


@st.cache_resource(show_spinner=False)
def _warehouse(path: str) -> _Warehouse:
    return _Warehouse(Path(path))


def warehouse() -> _Warehouse:
    return _warehouse(str(db_path()))


def connection() -> duckdb.DuckDBPyConnection:
    """A cursor on the app's warehouse connection (one per caller: cursors are cheap)."""
    return warehouse().con.cursor()


@st.cache_data(show_spinner=False, max_entries=512, ttl=3600)
def _query(path: str, version: int, sql: str, params: tuple) -> pd.DataFrame:
    del version  # part of the cache key only
    cur = _warehouse(path).con.cursor()
    try:
        return cur.execute(sql, list(params)).df()
    finally:
        cur.close()


def query(sql: str, params: tuple | list = ()) -> pd.DataFrame:
    """Run a parameterised query against the warehouse, cached by SQL, parameters and version."""
    wh = warehouse()
    return _query(str(wh.path), wh.version, sql, tuple(params))


def write(work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``work(cursor)`` in one transaction; on success, cached queries see the change.

    All writes go through here, one at a time.
    """
    wh = warehouse()
    with wh.lock:
        cur = wh.con.cursor()
        try:
            with transaction(cur):
                result = work(cur)
        finally:
            cur.close()
        wh.version += 1
    return result


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
        warehouse()
    except WarehouseProblem as exc:
        return str(exc)
    return None
