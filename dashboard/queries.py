"""The questions pages ask, as parameterised SQL over the marts."""

from __future__ import annotations

import pandas as pd

from .data import Filters, query, where_clause

__all__ = [
    "asb_totals",
    "asb_by_month",
    "asb_by_area",
    "source_summary",
    "source_month_pivot",
    "files",
    "reject_reasons",
    "rejects_for",
]


def asb_totals(filters: Filters) -> dict[str, int]:
    where, params = where_clause(filters)
    row = query(
        "SELECT count(*) AS asb, count(*) FILTER (WHERE has_location) AS located, "
        "count(*) FILTER (WHERE in_area) AS in_area, count(DISTINCT source_name) AS sources "
        f"FROM mart_incident WHERE is_asb AND {where}",
        params,
    ).iloc[0]
    return {k: int(row[k]) for k in ("asb", "located", "in_area", "sources")}


def asb_by_month(filters: Filters) -> pd.DataFrame:
    where, params = where_clause(filters)
    return query(
        "SELECT month, source_name, count(*) AS incidents FROM mart_incident "
        f"WHERE is_asb AND {where} GROUP BY ALL ORDER BY month, source_name",
        params,
    )


#: The row of :func:`asb_by_area` for incidents in no CSP area (it has no population).
OUTSIDE_AREA = "Outside the area"


def asb_by_area(filters: Filters) -> pd.DataFrame:
    where, params = where_clause(filters, "i")
    return query(
        "SELECT coalesce(i.csp_name, ?) AS \"CSP area\", "
        "count(*) AS \"ASB incidents\", "
        "round(1000.0 * count(*) / any_value(c.population), 1) AS rate_per_1000 "
        "FROM mart_incident i LEFT JOIN core_area_csp c ON c.csp_code = i.csp_code "
        f"WHERE i.is_asb AND {where} GROUP BY 1 ORDER BY 2 DESC",
        [OUTSIDE_AREA, *params],
    )


def source_summary() -> pd.DataFrame:
    return query(
        "SELECT source_name AS source, any_value(template) AS template, "
        "count(*) FILTER (WHERE status = 'loaded') AS files, sum(rows_read) AS rows_read, "
        "sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected, "
        "sum(rows_duplicate) AS rows_duplicate, max(loaded_at) AS last_loaded "
        "FROM mart_file GROUP BY source_name ORDER BY source_name"
    )


def source_month_pivot() -> pd.DataFrame:
    frame = query(
        "SELECT strftime(month, '%Y-%m') AS month, source_name, sum(incidents) AS incidents "
        "FROM mart_monthly WHERE is_asb GROUP BY ALL ORDER BY ALL"
    )
    if frame.empty:
        return frame
    return frame.pivot(index="month", columns="source_name", values="incidents").fillna(0).astype(int)


def files() -> pd.DataFrame:
    return query(
        "SELECT file_id, file_name, source_name, status, loaded_at, rows_read, rows_loaded, "
        "rows_rejected, rows_duplicate, encoding, delimiter FROM mart_file ORDER BY file_id DESC"
    )


def reject_reasons() -> pd.DataFrame:
    return query(
        "SELECT reason, count(*) AS rows, count(DISTINCT file_id) AS files FROM mart_reject "
        "GROUP BY reason ORDER BY rows DESC"
    )


def rejects_for(reason: str) -> pd.DataFrame:
    return query(
        "SELECT file_name, row_number, column_name, value, record FROM mart_reject "
        "WHERE reason = ? ORDER BY file_id, row_number LIMIT 500",
        [reason],
    )
