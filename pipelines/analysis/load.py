"""Load incidents from the warehouse in the shape the analysis functions expect.

:func:`load_incidents` returns one row per incident from ``mart_incident`` (ASB only by
default) with the columns every method in :mod:`pipelines.analysis` reads, plus the victim's
``risk_band`` where a risk assessment gives one. The other loaders return the same incidents
already counted by place, cell, area or month, for large warehouses: they give the analysis
functions exactly the same answers (the tests check it) with a ``weight`` column holding the
number of incidents, or the harm-weighted number, behind each row.

Every value a user chooses goes into the SQL as a parameter, never into the string.

Time precision is the warehouse's ``time_precision`` column, decided once when the warehouse
is built (``pipelines/sql/30_int_incident.sql``): ``month`` (police.uk), ``date`` (the day is
known, the time is not: written without a time, or at 00:00 in a system that stores dates as
midnight) or ``datetime``. The hour-of-week view spreads a ``date`` incident over its day
instead of piling every such record into the midnight hour.

Harm weights (``harm``):

- ``None``: every incident counts 1;
- ``"category"``: by ASB category (:data:`~pipelines.analysis.hotspots.DEFAULT_CATEGORY_WEIGHTS`);
- ``"risk_band"``: by the victim's risk band where it is known, else by category
  (:func:`~pipelines.analysis.hotspots.harm_weights`).

The risk band of an incident is the band of the risk assessment made for that incident (the
officer's override first), else the band its case record gives, else the band of the case's
latest risk assessment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from ..geography import to_bng
from ._common import AnalysisProblem
from .grid import CellCounts, cell_ids, check_cell_size
from .hotspots import harm_weights
from .peaktimes import occurrence_windows

__all__ = [
    "police_uk_asb",
    "IncidentFilter",
    "Harm",
    "HARM_OPTIONS",
    "INCIDENT_COLUMNS",
    "NOT_GIVEN",
    "filter_sql",
    "load_incidents",
    "count_incidents",
    "load_points",
    "load_cells",
    "cell_counts",
    "load_months",
    "load_times",
    "time_classes",
    "area_counts",
    "hot_dot_counts",
    "source_coverage",
]

Harm = Literal["category", "risk_band"] | None

#: Harm weighting choices and how they are described to users.
HARM_OPTIONS: dict[str | None, str] = {
    None: "none (every incident counts 1)",
    "category": "by ASB category",
    "risk_band": "by the victim's risk band where known, else by category",
}

#: In ``categories`` or ``subtypes``: incidents where the source gives none (police.uk rows).
NOT_GIVEN = ""

#: Columns :func:`load_incidents` returns, in order.
INCIDENT_COLUMNS = (
    "incident_id", "source_name", "agency", "category", "subtype", "month", "occurred_at",
    "occurred_to", "time_precision", "easting", "northing", "location_key", "location_text",
    "lsoa_code", "ward_code", "csp_code", "risk_band",
)

_BAND_JOINS = """
LEFT JOIN (
    SELECT incident_id,
           arg_max(coalesce(override_band, recorded_band), (assessed_at, assessment_id)) AS band
    FROM core_risk_assessment WHERE incident_id IS NOT NULL GROUP BY incident_id
) _ri ON _ri.incident_id = i.incident_id
LEFT JOIN core_case _cc ON _cc.case_id = i.agency || ':' || i.case_ref
LEFT JOIN (
    SELECT case_id,
           arg_max(coalesce(override_band, recorded_band), (assessed_at, assessment_id)) AS band
    FROM core_risk_assessment WHERE case_id IS NOT NULL GROUP BY case_id
) _rc ON _rc.case_id = i.agency || ':' || i.case_ref
"""
_BAND = "lower(trim(coalesce(_ri.band, _cc.risk_band, _rc.band)))"


@dataclass(frozen=True)
class IncidentFilter:
    """Which incidents to load. Empty tuples mean "all".

    Attributes
    ----------
    start, end : datetime.date, optional
        Incidents whose ``month`` falls from the month of ``start`` to ``end`` (inclusive).
    csp_codes, sources, categories, subtypes, ward_codes, lsoa_codes : tuple of str
        Keep incidents with one of these values. In ``categories`` and ``subtypes``,
        :data:`NOT_GIVEN` (``""``) stands for incidents where the source gives none.
    asb_only : bool, default True
        Only anti-social behaviour (``is_asb``).
    located_only : bool, default False
        Only incidents with coordinates.
    """

    start: date | None = None
    end: date | None = None
    csp_codes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()
    ward_codes: tuple[str, ...] = ()
    lsoa_codes: tuple[str, ...] = ()
    asb_only: bool = True
    located_only: bool = False

    def located(self) -> IncidentFilter:
        """The same filter, keeping only incidents with coordinates."""
        return replace(self, located_only=True)


def filter_sql(f: IncidentFilter, alias: str = "i") -> tuple[str, list[Any]]:
    """SQL conditions and parameters for ``f`` on ``mart_incident`` (aliased ``alias``).

    Examples
    --------
    >>> sql, params = filter_sql(IncidentFilter(start=date(2022, 3, 9), sources=("police-uk",)))
    >>> sql
    'i.is_asb AND i.month >= ? AND i.source_name IN (SELECT unnest(?))'
    >>> params
    [datetime.date(2022, 3, 1), ['police-uk']]
    """
    p = f"{alias}." if alias else ""
    conditions: list[str] = []
    params: list[Any] = []
    if f.asb_only:
        conditions.append(f"{p}is_asb")
    if f.start is not None:
        conditions.append(f"{p}month >= ?")
        params.append(f.start.replace(day=1))
    if f.end is not None:
        conditions.append(f"{p}month <= ?")
        params.append(f.end)
    for column, values in (("csp_code", f.csp_codes), ("source_name", f.sources),
                           ("ward_code", f.ward_codes), ("lsoa_code", f.lsoa_codes)):
        if values:
            conditions.append(f"{p}{column} IN (SELECT unnest(?))")
            params.append([str(v) for v in values])
    for column, values in (("category", f.categories), ("subtype", f.subtypes)):
        if values:
            conditions.append(f"coalesce({p}{column}, '') IN (SELECT unnest(?))")
            params.append([str(v) for v in values])
    if f.located_only:
        conditions.append(f"{p}easting IS NOT NULL AND {p}northing IS NOT NULL")
    return " AND ".join(conditions) or "TRUE", params


def _from(need_band: bool) -> str:
    return "mart_incident i" + (_BAND_JOINS if need_band else "")


def load_incidents(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    *,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Incidents matching ``f``, one row each, oldest month first.

    Parameters
    ----------
    con : duckdb connection (or cursor) on a warehouse
    f : IncidentFilter
    columns : sequence of str, optional
        A subset of :data:`INCIDENT_COLUMNS` (default: all of them).

    Returns
    -------
    pandas.DataFrame
        ``month``, ``occurred_at`` and ``occurred_to`` are datetimes; ``risk_band`` is
        ``high`` / ``medium`` / ``standard`` or missing.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE mart_incident AS SELECT 'a' AS incident_id, "
    ...     "'police-uk' AS source_name, 'Cleveland Police' AS agency, NULL AS category, "
    ...     "NULL AS subtype, DATE '2022-01-01' AS month, NULL::TIMESTAMP AS occurred_at, "
    ...     "NULL::TIMESTAMP AS occurred_to, 'month' AS time_precision, 1.0 AS easting, "
    ...     "2.0 AS northing, 'p' AS location_key, 'On or near X' AS location_text, "
    ...     "'E01' AS lsoa_code, 'E05' AS ward_code, 'E06' AS csp_code, TRUE AS is_asb")
    >>> load_incidents(con, columns=["incident_id", "month", "easting"]).values.tolist()
    [['a', Timestamp('2022-01-01 00:00:00'), 1.0]]
    """
    chosen = list(INCIDENT_COLUMNS if columns is None else columns)
    unknown = [c for c in chosen if c not in INCIDENT_COLUMNS]
    if unknown:
        raise AnalysisProblem(
            f"unknown incident column(s) {', '.join(unknown)}; "
            f"known: {', '.join(INCIDENT_COLUMNS)}")
    need_band = "risk_band" in chosen
    expr = {"risk_band": _BAND}
    select = ", ".join(f"{expr[c]} AS {c}" if c in expr else f"i.{c}" for c in chosen)
    where, params = filter_sql(f)
    frame = con.execute(
        f"SELECT {select} FROM {_from(need_band)} WHERE {where} ORDER BY i.month, i.incident_id",
        params,
    ).df()
    for column in ("month", "occurred_at", "occurred_to"):
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def count_incidents(con: duckdb.DuckDBPyConnection, f: IncidentFilter = IncidentFilter()
                    ) -> dict[str, int]:
    """How many incidents match ``f``: all, with a location, and with a day and time.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE mart_incident AS SELECT TRUE AS is_asb, 1.0 AS easting, "
    ...                 "1.0 AS northing, 'month' AS time_precision")
    >>> count_incidents(con)
    {'incidents': 1, 'located': 1, 'timed': 0}
    """
    where, params = filter_sql(f)
    row = con.execute(
        "SELECT count(*), "
        "count(*) FILTER (WHERE i.easting IS NOT NULL AND i.northing IS NOT NULL), "
        "count(*) FILTER (WHERE i.time_precision <> 'month') "
        f"FROM mart_incident i WHERE {where}", params).fetchall()[0]
    return {"incidents": int(row[0]), "located": int(row[1]), "timed": int(row[2])}


# --------------------------------------------------------------------------------------------
# counted loaders
# --------------------------------------------------------------------------------------------


def _hw(category_weights: Mapping[str, float] | None,
        risk_band_weights: Mapping[str, float] | None) -> dict[str, Any]:
    """The harm weight overrides, passed on as keyword arguments."""
    return {"category_weights": category_weights, "risk_band_weights": risk_band_weights}


def _check_harm(harm: Harm) -> None:
    if harm not in HARM_OPTIONS:
        raise AnalysisProblem(
            f"harm must be one of {', '.join(repr(k) for k in HARM_OPTIONS)} (got {harm!r})")


def _grouped(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter,
    keys: Mapping[str, str],
    harm: Harm,
    *,
    key_params: Sequence[Any] = (),
    extra_where: str = "",
    extra_params: Sequence[Any] = (),
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
    timestamps: Sequence[str] = (),
) -> pd.DataFrame:
    """Incidents counted by ``keys`` (name: SQL expression on ``i``): keys, count, weight.

    ``key_params`` are the parameters of the key expressions; ``extra_where`` (with
    ``extra_params``) narrows the filter further. The keys named in ``timestamps`` come back
    as ``datetime64[ns]`` (what the analysis functions compare against).
    """
    _check_harm(harm)
    harm_cols = {"category": "i.category"} if harm else {}
    if harm == "risk_band":
        harm_cols["risk_band"] = _BAND
    select = ", ".join(f"{expr} AS {name}" for name, expr in {**keys, **harm_cols}.items())
    where, params = filter_sql(f)
    if extra_where:
        where += f" AND {extra_where}"
    frame = con.execute(
        f"SELECT {select}, count(*) AS count FROM {_from(harm == 'risk_band')} WHERE {where} "
        "GROUP BY ALL ORDER BY ALL",
        [*key_params, *params, *extra_params],
    ).df()
    for name in timestamps:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    frame["count"] = frame["count"].astype(np.int64)
    names = list(keys)
    if not harm:
        frame["weight"] = frame["count"].astype(float)
        return frame[[*names, "count", "weight"]]
    w = harm_weights(frame[list(harm_cols)], **_hw(category_weights, risk_band_weights)).to_numpy()
    frame["weight"] = w * frame["count"].to_numpy()
    if not names:
        return pd.DataFrame({"count": [int(frame["count"].sum())],
                             "weight": [float(frame["weight"].sum())]})
    out = frame.groupby(names, sort=True, dropna=False)[["count", "weight"]].sum().reset_index()
    return out


def load_points(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    *,
    by_month: bool = False,
    harm: Harm = None,
    snap: float | None = None,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Located incidents counted by place (and month): ``easting``, ``northing``, [``month``],
    ``count``, ``weight``.

    Pass it to :func:`~pipelines.analysis.hotspots.kernel_density` or
    :func:`~pipelines.analysis.hotspots.emerging_hotspots` with ``weight="weight"``: the
    surface is the one the incidents themselves give (only ``n_incidents`` must be read from
    ``count``). ``snap`` (metres) counts places by the centre of the ``snap`` square they are
    in instead (each moves at most ``snap`` / sqrt(2)): far fewer places for a large
    warehouse. ``category_weights`` / ``risk_band_weights`` override the default harm weights.
    """
    keys = {"easting": "i.easting", "northing": "i.northing"}
    key_params: list[Any] = []
    if snap is not None:
        size = check_cell_size(snap)
        keys = {"easting": "(floor(i.easting / ?) + 0.5) * ?",
                "northing": "(floor(i.northing / ?) + 0.5) * ?"}
        key_params = [size, size, size, size]
    if by_month:
        keys["month"] = "i.month"
    return _grouped(con, f.located(), keys, harm, key_params=key_params,
                    timestamps=["month"] if by_month else [],
                    **_hw(category_weights, risk_band_weights))


def load_cells(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    cell_size: float = 250,
    *,
    by_month: bool = False,
    harm: Harm = None,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Located incidents counted by grid cell (and month): ``col``, ``row``, [``month``],
    ``count``, ``weight``; cells as in :mod:`pipelines.analysis.grid`.

    ``easting`` and ``northing`` (the cell centre) are added, so the frame can be passed to
    :func:`~pipelines.analysis.hotspots.emerging_hotspots` with ``weight="weight"``.
    """
    size = check_cell_size(cell_size)
    keys = {"col": "CAST(floor(i.easting / ?) AS BIGINT)",
            "row": "CAST(floor(i.northing / ?) AS BIGINT)"}
    if by_month:
        keys["month"] = "i.month"
    frame = _grouped(con, f.located(), keys, harm, key_params=[size, size],
                     timestamps=["month"] if by_month else [],
                     **_hw(category_weights, risk_band_weights))
    frame["easting"] = (frame["col"].to_numpy(dtype=float) + 0.5) * size
    frame["northing"] = (frame["row"].to_numpy(dtype=float) + 0.5) * size
    return frame


def cell_counts(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    cell_size: float = 250,
    *,
    harm: Harm = None,
    extent: Literal["occupied", "bbox"] = "occupied",
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> CellCounts:
    """The :class:`~pipelines.analysis.grid.CellCounts` that
    :func:`~pipelines.analysis.grid.count_by_cell` gives on the incidents, counted in the
    warehouse (``value`` holds the harm-weighted count when ``harm`` is given)."""
    if extent not in ("occupied", "bbox"):
        raise AnalysisProblem(f"extent must be 'occupied' or 'bbox' (got {extent!r})")
    size = check_cell_size(cell_size)
    counted = load_cells(con, f, size, harm=harm, **_hw(category_weights, risk_band_weights))
    totals = count_incidents(con, f)
    col = counted["col"].to_numpy(dtype=np.int64)
    row = counted["row"].to_numpy(dtype=np.int64)
    count = counted["count"].to_numpy(dtype=np.int64)
    value = counted["weight"].to_numpy(dtype=float)
    if len(col):
        c0, r0 = col.min(), row.min()
        ncols = int(col.max() - c0 + 1)
        flat = (row - r0) * ncols + (col - c0)
        if extent == "bbox":
            nrows = int(row.max() - r0 + 1)
            keys = np.arange(nrows * ncols)
            full_count = np.zeros(len(keys), dtype=np.int64)
            full_value = np.zeros(len(keys))
            full_count[flat] = count
            full_value[flat] = value
            count, value = full_count, full_value
        else:
            order = np.argsort(flat, kind="stable")
            keys, count, value = flat[order], count[order], value[order]
        col = keys % ncols + c0
        row = keys // ncols + r0
    cells = pd.DataFrame({
        "cell_id": cell_ids(col, row, size),
        "col": col.astype(np.int64),
        "row": row.astype(np.int64),
        "x0": col * size,
        "y0": row * size,
        "count": count.astype(np.int64),
        "value": value.astype(float),
    })
    return CellCounts(cells=cells, cell_size=size, n_located=totals["located"],
                      n_unlocated=totals["incidents"] - totals["located"],
                      weighted=harm is not None)


def load_months(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    *,
    harm: Harm = None,
    by_source: bool = False,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Incidents counted by month (and source): ``month``, [``source_name``], ``count``,
    ``weight``. Pass to :func:`~pipelines.analysis.peaktimes.monthly_trend` with
    ``weight="weight"``."""
    keys = {"month": "i.month"}
    if by_source:
        keys["source_name"] = "i.source_name"
    return _grouped(con, f, keys, harm, timestamps=["month"],
                    **_hw(category_weights, risk_band_weights))


def load_times(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    *,
    harm: Harm = None,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Incidents counted by when they happened: ``occurred_at``, ``occurred_to``,
    ``time_precision``, ``count``, ``weight``.

    Exact times are counted by the hour they fall in (``occurred_at`` is the start of the
    hour), date-only incidents by their days, windows by their exact start and end, and
    month-only rows (police.uk) together, so
    :func:`~pipelines.analysis.peaktimes.hour_of_week` and
    :func:`~pipelines.analysis.peaktimes.compare_special_days` with ``weight="weight"`` give
    the matrices and comparisons the incidents give. Their incident counts (``n_used``,
    ``n_month_only``...) count rows: read them from :func:`time_classes` instead.
    """
    exact = ("i.time_precision = 'datetime' AND i.occurred_at IS NOT NULL AND "
             "(i.occurred_to IS NULL OR i.occurred_to = i.occurred_at)")
    month_only = "i.time_precision = 'month'"
    day = "i.time_precision = 'date'"
    keys = {
        "occurred_at": f"CASE WHEN {month_only} THEN NULL WHEN {exact} "
                       f"THEN date_trunc('hour', i.occurred_at) WHEN {day} "
                       "THEN date_trunc('day', i.occurred_at) ELSE i.occurred_at END",
        "occurred_to": f"CASE WHEN {month_only} OR {exact} THEN NULL WHEN {day} "
                       "THEN date_trunc('day', i.occurred_to) ELSE i.occurred_to END",
        "time_precision": "i.time_precision",
    }
    return _grouped(con, f, keys, harm, timestamps=["occurred_at", "occurred_to"],
                    **_hw(category_weights, risk_band_weights))


def time_classes(frame: pd.DataFrame, cap_hours: float = 7 * 24.0) -> dict[str, int]:
    """Incidents (summing ``count``) in each class the time-of-day methods use.

    ``used`` (a day and time, or a window), of which ``exact`` and ``spread_week`` (windows
    longer than ``cap_hours``); and left out: ``month_only``, ``no_time``, ``bad_window``
    (ends before it starts). The windows are
    :func:`~pipelines.analysis.peaktimes.occurrence_windows`, as
    :func:`~pipelines.analysis.peaktimes.hour_of_week` reads them.

    Examples
    --------
    >>> frame = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-01-01 10:00", None]),
    ...                       "occurred_to": pd.to_datetime([None, None]),
    ...                       "time_precision": ["datetime", "month"], "count": [3, 5]})
    >>> time_classes(frame)["exact"], time_classes(frame)["month_only"]
    (3, 5)
    """
    count = frame["count"].to_numpy(dtype=np.int64)
    win = occurrence_windows(frame)
    month_only, no_time, bad, used = win.month_only, win.no_time, win.bad, win.used
    length = np.nan_to_num(win.hours.astype(float))
    return {
        "used": int(count[used].sum()),
        "exact": int(count[used & (length <= 0)].sum()),
        "spread_week": int(count[used & (length > cap_hours)].sum()),
        "month_only": int(count[month_only].sum()),
        "no_time": int(count[no_time].sum()),
        "bad_window": int(count[bad].sum()),
    }


def area_counts(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    level: Literal["lsoa", "ward"] = "lsoa",
    *,
    harm: Harm = None,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every area of ``mart_area`` at ``level`` (in the filter's CSP areas) with its incidents.

    Returns ``area_code``, ``area_name``, ``csp_code``, ``csp_name``, ``population``,
    ``imd_decile``, ``count``, ``weight`` (harm-weighted count) and ``rate_per_1000``
    (``weight`` per 1,000 residents), areas with none included as 0, busiest first.
    ``attrs["outside"]`` holds the incidents matching ``f`` that are in no area of the level.
    """
    if level not in ("lsoa", "ward"):
        raise AnalysisProblem(f"level must be 'lsoa' or 'ward' (got {level!r})")
    counted = _grouped(con, f, {"area_code": f"i.{level}_code"}, harm,
                       **_hw(category_weights, risk_band_weights))
    area_sql = ("SELECT area_code, area_name, csp_code, csp_name, population, imd_decile "
                "FROM mart_area WHERE level = ?")
    params: list[Any] = [level]
    if f.csp_codes:
        area_sql += " AND csp_code IN (SELECT unnest(?))"
        params.append(list(f.csp_codes))
    if level == "ward" and f.ward_codes:
        area_sql += " AND area_code IN (SELECT unnest(?))"
        params.append(list(f.ward_codes))
    if level == "lsoa" and f.lsoa_codes:
        area_sql += " AND area_code IN (SELECT unnest(?))"
        params.append(list(f.lsoa_codes))
    areas = con.execute(area_sql + " ORDER BY area_code", params).df()
    # Codes as text on both sides: incidents with no area at all give a column of NaN (float).
    counted["area_code"] = counted["area_code"].astype(object)
    areas["area_code"] = areas["area_code"].astype(object)
    out = areas.merge(counted, on="area_code", how="left")
    out["count"] = out["count"].fillna(0).astype(np.int64)
    out["weight"] = out["weight"].fillna(0.0).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_per_1000"] = np.where(out["population"] > 0,
                                        1000.0 * out["weight"] / out["population"], np.nan)
    out = out.sort_values(["weight", "area_code"], ascending=[False, True], ignore_index=True)
    inside = set(areas["area_code"])
    out.attrs["outside"] = int(counted.loc[~counted["area_code"].isin(inside), "count"].sum())
    return out


def _most_common(column: str) -> str:
    """SQL for the most common non-missing value of ``column`` (ties: the first in order)."""
    return f"mode(i.{column} ORDER BY i.{column})"


def hot_dot_counts(
    con: duckdb.DuckDBPyConnection,
    f: IncidentFilter = IncidentFilter(),
    top: int = 20,
    *,
    harm: Harm = None,
    with_text: bool = False,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The top ``top`` repeat locations, as :func:`~pipelines.analysis.hotspots.hot_dots`
    ranks them, counted in the warehouse.

    Returns ``rank``, ``location_key``, ``count``, ``share``, ``cumulative_share``,
    ``easting``, ``northing``, ``value`` (harm-weighted count), ``lsoa_code``, ``ward_code``
    (where most of the location's incidents are) and, with ``with_text``, ``location_text``
    (the most common description: an address for some sources, so only for roles that may
    see one). ``attrs`` holds ``n_incidents`` and ``n_without_location``.
    """
    _check_harm(harm)
    if int(top) < 1:
        raise AnalysisProblem(f"top must be at least 1 (got {top!r})")
    where, params = filter_sql(f)
    key_ok = "i.location_key IS NOT NULL AND length(i.location_key) > 0"
    totals = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE NOT ({key_ok})) FROM mart_incident i "
        f"WHERE {where}", params).fetchall()[0]
    n_incidents, n_without = int(totals[0]), int(totals[1])
    top_keys = con.execute(
        f"SELECT i.location_key, count(*) AS n FROM mart_incident i WHERE {where} AND {key_ok} "
        "GROUP BY 1 ORDER BY n DESC, i.location_key LIMIT ?", [*params, int(top)]).df()
    keys = top_keys["location_key"].tolist()
    in_top = "i.location_key IN (SELECT unnest(?))"
    stats = con.execute(
        "SELECT i.location_key, avg(i.easting) AS easting, avg(i.northing) AS northing, "
        + ", ".join(f"{_most_common(c)} AS {c}" for c in ("lsoa_code", "ward_code",
                                                        "location_text"))
        + f" FROM mart_incident i WHERE {where} AND {in_top} GROUP BY 1", [*params, keys]).df()
    if harm:
        hw = _grouped(con, f, {"location_key": "i.location_key"}, harm, extra_where=in_top,
                      extra_params=[keys], **_hw(category_weights, risk_band_weights))
        hw = hw[["location_key", "weight"]]
    else:
        hw = top_keys.rename(columns={"n": "weight"})[["location_key", "weight"]]
    out = top_keys.rename(columns={"n": "count"}).merge(stats, on="location_key", how="left")
    out = out.merge(hw.rename(columns={"weight": "value"}), on="location_key", how="left")
    out["count"] = out["count"].astype(np.int64)
    out["value"] = out["value"].astype(float)
    out["share"] = out["count"] / n_incidents if n_incidents else np.nan
    out["cumulative_share"] = out["share"].cumsum()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    cols = ["rank", "location_key", "count", "share", "cumulative_share", "easting", "northing",
            "value", "lsoa_code", "ward_code"] + (["location_text"] if with_text else [])
    out = out[cols].reset_index(drop=True)
    out.attrs.update(n_incidents=n_incidents, n_without_location=n_without)
    return out


def source_coverage(con: duckdb.DuckDBPyConnection, f: IncidentFilter = IncidentFilter()
                    ) -> pd.DataFrame:
    """First and last month, months held and incidents per source, for the filter.

    Sources that cover different months make trends over time mix real change with coverage
    change; pages warn when this happens.
    """
    where, params = filter_sql(f)
    return con.execute(
        "SELECT i.source_name, min(i.month) AS first_month, max(i.month) AS last_month, "
        "count(DISTINCT i.month) AS months, count(*) AS incidents, "
        "count(*) FILTER (WHERE i.time_precision = 'month') AS month_only "
        f"FROM mart_incident i WHERE {where} GROUP BY 1 ORDER BY 1", params).df()


def police_uk_asb(directory: Path, *, every_crime_type: bool = False) -> pd.DataFrame:
    """The ASB rows of every police.uk street CSV in ``directory``, shaped like the analysis
    input (``mart_incident``), read straight from the files without a warehouse.

    For benchmarks and tests that evaluate methods on another force's downloaded files.
    ``area_name`` is the council area read from the LSOA name. With ``every_crime_type``, the
    other crime types' rows are kept too, with ``crime_type`` and ``is_asb`` columns.
    """
    frames = []
    for path in sorted(Path(directory).glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw["_row"] = np.arange(2, len(raw) + 2)
        raw["_file"] = path.name
        frames.append(raw if every_crime_type else raw[raw["Crime type"] == "Anti-social behaviour"])
    if not frames:
        raise AnalysisProblem(f"{directory}: no police.uk CSV files here")
    raw = pd.concat(frames, ignore_index=True)
    lon = pd.to_numeric(raw["Longitude"].replace("", np.nan), errors="coerce").to_numpy()
    lat = pd.to_numeric(raw["Latitude"].replace("", np.nan), errors="coerce").to_numpy()
    easting, northing = to_bng(lon, lat)
    located = ~(np.isnan(lon) | np.isnan(lat))
    return pd.DataFrame(
        {
            "incident_id": "police-uk:" + raw["_file"] + ":" + raw["_row"].astype(str),
            "easting": np.where(located, easting, np.nan),
            "northing": np.where(located, northing, np.nan),
            "month": pd.to_datetime(raw["Month"] + "-01"),
            "occurred_at": pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"),
            "occurred_to": pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"),
            "time_precision": "month",
            "category": None,
            "subtype": None,
            "lsoa_code": raw["LSOA code"].replace("", None),
            "ward_code": None,
            "location_key": np.where(
                located, "police-uk:" + raw["Latitude"] + "," + raw["Longitude"], None),
            "source": "police-uk",
            "weight": 1.0,
            "area_name": raw["LSOA name"].str.rsplit(" ", n=1).str[0],
            **({"crime_type": raw["Crime type"],
                "is_asb": raw["Crime type"] == "Anti-social behaviour"} if every_crime_type else {}),
        }
    )
