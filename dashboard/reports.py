"""Governance figures and the meeting pack for the dashboard, cached by data version.

The figures are computed by :mod:`pipelines.governance` (and the pack by
:mod:`pipelines.report`) on a cursor of the app's one warehouse connection; the results are
cached until the warehouse changes.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.data import Filters, connection, warehouse
from pipelines.config import load_config
from pipelines.governance import GovernanceReport, Period, governance_report
from pipelines.report import governance_pack_html, lsoa_rates, map_svg

__all__ = ["governance", "governance_pack", "governance_map"]


@st.cache_data(show_spinner=False, max_entries=32, ttl=3600)
def _governance(path: str, version: int, start: date, end: date, areas: tuple[str, ...],
                sources: tuple[str, ...]) -> GovernanceReport:
    del path, version  # cache key only
    cur = connection()
    try:
        return governance_report(cur, Period(start, end), areas=areas, sources=sources)
    finally:
        cur.close()


def governance(filters: Filters) -> GovernanceReport:
    """Every governance figure for the filters' period and CSP areas."""
    wh = warehouse()
    return _governance(str(wh.path), wh.version, filters.start, filters.end,
                       tuple(filters.csp_codes), tuple(filters.sources))


@st.cache_data(show_spinner=False, max_entries=8, ttl=3600)
def _pack(path: str, version: int, start: date, end: date, areas: tuple[str, ...],
          sources: tuple[str, ...]) -> bytes:
    del path, version
    cur = connection()
    try:
        return governance_pack_html(cur, Period(start, end), areas=areas,
                                    sources=sources).encode("utf-8")
    finally:
        cur.close()


def governance_pack(filters: Filters) -> bytes:
    """The meeting pack (self-contained HTML) for the filters' period and CSP areas."""
    wh = warehouse()
    return _pack(str(wh.path), wh.version, filters.start, filters.end,
                 tuple(filters.csp_codes), tuple(filters.sources))


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _map(path: str, version: int, start: date, end: date, areas: tuple[str, ...]) -> str:
    del path, version
    cur = connection()
    try:
        threshold = int(load_config()["suppression"]["threshold"])
        return map_svg(lsoa_rates(cur, Period(start, end), areas), threshold)
    finally:
        cur.close()


def governance_map(filters: Filters) -> str:
    """The pack's LSOA map (SVG) for the filters' period and CSP areas."""
    wh = warehouse()
    return _map(str(wh.path), wh.version, filters.start, filters.end, tuple(filters.csp_codes))
