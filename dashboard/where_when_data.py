"""Where and when: cached data and analysis for the Hotspots, Peak times and Before/after pages.

Every function takes the page's :class:`~pipelines.analysis.load.IncidentFilter` and the
analysis parameters; results are cached (``st.cache_data``) keyed on those, the warehouse file
and its data version, so a page shows stale figures never and recomputes only what changed.
Counting happens in DuckDB (:mod:`pipelines.analysis.load`); the methods are the ones in
:mod:`pipelines.analysis`, run on those counts. Results are trimmed to what the pages show, so
the copies ``st.cache_data`` hands back stay small.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from dashboard import maps
from dashboard.data import Filters, connection, warehouse
from pipelines.analysis import assessment as assess_mod
from pipelines.analysis import forecast as forecast_mod
from pipelines.analysis import hotspots as hs
from pipelines.analysis import load
from pipelines.analysis import near_repeat as nr
from pipelines.analysis import peaktimes as pt
from pipelines.analysis.grid import CellCounts, assign_cells, cell_ids
from pipelines.analysis.load import Harm, IncidentFilter
from pipelines.config import load_config
from pipelines.geography import to_bng, to_wgs84

__all__ = [
    "incident_filter",
    "options",
    "counts",
    "coverage",
    "area_table",
    "area_shapes",
    "csp_shapes",
    "cell_shapes",
    "cells",
    "density",
    "gi_star",
    "emerging",
    "forecast",
    "hot_dots",
    "hour_of_week",
    "monthly",
    "special_days",
    "knox",
    "knox_limit",
    "top_cells",
    "cell_options",
    "assessment",
    "lsoa_boundaries",
    "response_geometry",
    "response_scope",
    "response_layers",
]

#: The Knox test runs on at most this many incidents (pairs grow with the square of it).
KNOX_LIMIT = 30_000
_TTL = 3600


def knox_limit() -> int:
    """The most incidents the page runs a Knox test on."""
    return KNOX_LIMIT


@contextmanager
def _cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    cur = connection()
    try:
        yield cur
    finally:
        cur.close()


def _wh() -> tuple[str, int]:
    wh = warehouse()
    return str(wh.path), wh.version


def incident_filter(filters: Filters, *, categories: tuple[str, ...] = (),
                    subtypes: tuple[str, ...] = (), wards: tuple[str, ...] = (),
                    use_period: bool = True) -> IncidentFilter:
    """The analysis filter for the global filter bar's choice plus a page's own choices."""
    return IncidentFilter(
        start=filters.start if use_period else None, end=filters.end if use_period else None,
        csp_codes=tuple(filters.csp_codes), sources=tuple(filters.sources),
        categories=tuple(categories), subtypes=tuple(subtypes), ward_codes=tuple(wards))


# --------------------------------------------------------------------------------------------
# options and counts


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _options(path: str, version: int, csp_codes: tuple[str, ...]) -> dict[str, Any]:
    del path, version
    with _cursor() as cur:
        cats = [r[0] for r in cur.execute(
            "SELECT DISTINCT coalesce(category, '') FROM mart_incident WHERE is_asb ORDER BY 1"
        ).fetchall()]
        subs = cur.execute(
            "SELECT DISTINCT coalesce(category, '') AS category, coalesce(subtype, '') AS subtype "
            "FROM mart_incident WHERE is_asb ORDER BY 2").df()
        area_sql = ("SELECT level, area_code, area_name FROM mart_area"
                    + (" WHERE csp_code IN (SELECT unnest(?))" if csp_codes else "")
                    + " ORDER BY area_name, area_code")
        areas = cur.execute(area_sql, [list(csp_codes)] if csp_codes else []).df()
    wards = areas[areas["level"] == "ward"]
    lsoas = areas[areas["level"] == "lsoa"]
    return {
        "categories": cats,
        "subtypes": subs,
        "wards": dict(zip(wards["area_code"], wards["area_name"], strict=True)),
        "lsoas": dict(zip(lsoas["area_code"], lsoas["area_name"], strict=True)),
    }


def options(csp_codes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Categories, sub-types (with their category), wards and LSOAs (code: name) to offer."""
    return _options(*_wh(), tuple(csp_codes))


@st.cache_data(show_spinner=False, max_entries=256, ttl=_TTL)
def _counts(path: str, version: int, f: IncidentFilter) -> dict[str, int]:
    del path, version
    with _cursor() as cur:
        return load.count_incidents(cur, f)


def counts(f: IncidentFilter) -> dict[str, int]:
    """Incidents matching ``f``: all, located, and with a day and time."""
    return _counts(*_wh(), f)


@st.cache_data(show_spinner=False, max_entries=128, ttl=_TTL)
def _coverage(path: str, version: int, f: IncidentFilter) -> pd.DataFrame:
    del path, version
    with _cursor() as cur:
        return load.source_coverage(cur, f)


def coverage(f: IncidentFilter) -> pd.DataFrame:
    """First and last month held per source, for the filter."""
    return _coverage(*_wh(), f)


# --------------------------------------------------------------------------------------------
# areas


@st.cache_data(show_spinner=False, max_entries=128, ttl=_TTL)
def _area_table(path: str, version: int, f: IncidentFilter, level: str, harm: Harm
                ) -> pd.DataFrame:
    del path, version
    with _cursor() as cur:
        return load.area_counts(cur, f, level, harm=harm)  # type: ignore[arg-type]


def area_table(f: IncidentFilter, level: str, harm: Harm) -> pd.DataFrame:
    """Every LSOA or ward in the filter's CSP areas with counts, rates and IMD decile."""
    return _area_table(*_wh(), f, level, harm)


@st.cache_data(show_spinner=False, max_entries=16, ttl=_TTL)
def _area_shapes(path: str, version: int, level: str, csp_codes: tuple[str, ...]) -> str:
    del path, version
    with _cursor() as cur:
        sql = "SELECT area_code, geometry FROM mart_area WHERE level = ?"
        params: list[Any] = [level]
        if csp_codes:
            sql += " AND csp_code IN (SELECT unnest(?))"
            params.append(list(csp_codes))
        frame = cur.execute(sql + " ORDER BY area_code", params).df()
    return maps.geojson_uri(maps.area_geojson(frame["area_code"].tolist(),
                                              frame["geometry"].tolist(), tolerance=0.00005))


def area_shapes(level: str, csp_codes: tuple[str, ...] = ()) -> str:
    """The LSOAs or wards as GeoJSON (a data URI; feature id = code)."""
    return _area_shapes(*_wh(), level, tuple(csp_codes))


@st.cache_data(show_spinner=False, max_entries=8, ttl=_TTL)
def _csp_shapes(path: str, version: int, csp_codes: tuple[str, ...]
                ) -> tuple[str, tuple[float, float, float, float] | None]:
    del path, version
    with _cursor() as cur:
        sql = "SELECT area_code, geometry FROM mart_area WHERE level = 'csp'"
        params: list[Any] = []
        if csp_codes:
            sql += " AND area_code IN (SELECT unnest(?))"
            params.append(list(csp_codes))
        frame = cur.execute(sql + " ORDER BY area_code", params).df()
    gj = maps.area_geojson(frame["area_code"].tolist(), frame["geometry"].tolist(),
                           tolerance=0.0002)
    return maps.geojson_uri(gj), maps.geojson_bounds(gj)


def csp_shapes(csp_codes: tuple[str, ...] = ()
               ) -> tuple[str, tuple[float, float, float, float] | None]:
    """The CSP areas' outlines (GeoJSON data URI, from their LSOAs) and their WGS84 bounds."""
    return _csp_shapes(*_wh(), tuple(csp_codes))


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _cell_shapes(col: np.ndarray, row: np.ndarray, cell_size: float) -> str:
    return maps.geojson_uri(maps.cell_geojson(cell_ids(col, row, cell_size), col * cell_size,
                                              row * cell_size, cell_size))


def cell_shapes(cells_frame: pd.DataFrame, cell_size: float) -> str:
    """The cells of a frame with ``col`` and ``row`` as GeoJSON (a data URI; id = cell id)."""
    return _cell_shapes(cells_frame["col"].to_numpy(dtype=np.int64),
                        cells_frame["row"].to_numpy(dtype=np.int64), float(cell_size))


# --------------------------------------------------------------------------------------------
# grid, density, Gi*, emerging, forecast


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _cells(path: str, version: int, f: IncidentFilter, cell_size: float, harm: Harm
           ) -> CellCounts:
    del path, version
    with _cursor() as cur:
        return load.cell_counts(cur, f, cell_size, harm=harm)


def cells(f: IncidentFilter, cell_size: float, harm: Harm) -> CellCounts:
    """Incidents counted on square cells (occupied cells only)."""
    return _cells(*_wh(), f, float(cell_size), harm)


#: Above this many distinct places, the density surface groups places into small squares.
DENSITY_PLACES = 50_000


@st.cache_data(show_spinner=False, max_entries=32, ttl=_TTL)
def _density(path: str, version: int, f: IncidentFilter, cell_size: float,
             bandwidth: float | None, kernel: str, harm: Harm
             ) -> tuple[hs.DensitySurface, float | None, dict[str, Any]]:
    del path, version
    snap = None
    with _cursor() as cur:
        points = load.load_points(cur, f, harm=harm)
        if len(points) > DENSITY_PLACES:
            h = bandwidth or hs.default_bandwidth(points["easting"].to_numpy(),
                                                  points["northing"].to_numpy())
            snap = min(cell_size, h) / 5.0
            points = load.load_points(cur, f, harm=harm, snap=snap)
        n_all = load.count_incidents(cur, f)
    surface = hs.kernel_density(points, cell_size=cell_size, bandwidth=bandwidth,
                                kernel=kernel, weight="weight")  # type: ignore[arg-type]
    # the surface is computed from counted places: report incidents, not places
    surface = dataclasses.replace(surface, n_incidents=int(points["count"].sum()),
                                  n_unlocated=n_all["incidents"] - n_all["located"])
    return surface, snap, maps.density_layer(surface.cells["col"].to_numpy(),
                                             surface.cells["row"].to_numpy(),
                                             surface.cells["density"].to_numpy(), cell_size)


def density(f: IncidentFilter, cell_size: float, bandwidth: float | None, kernel: str,
            harm: Harm) -> tuple[hs.DensitySurface, float | None, dict[str, Any]]:
    """Kernel density surface (incidents, or harm-weighted incidents, per km²), the size of
    the squares places were grouped into first (None: every place used as it is), and the
    surface as a map image layer."""
    return _density(*_wh(), f, float(cell_size), bandwidth, kernel, harm)


@st.cache_data(show_spinner=False, max_entries=32, ttl=_TTL)
def _gi_star(path: str, version: int, f: IncidentFilter, cell_size: float, harm: Harm,
             order: int, fdr: bool) -> tuple[hs.GiStarResult, dict[str, int]]:
    del path, version
    with _cursor() as cur:
        grid = load.cell_counts(cur, f, cell_size, harm=harm, extent="bbox")
    result = hs.getis_ord_gi_star(grid.cells, value="value" if harm else "count", order=order,
                                  cell_size=cell_size, fdr=fdr)
    labels = result.cells["label"].value_counts().to_dict()
    keep = (result.cells["count"] > 0) | (result.cells["confidence"] != 0)
    slim = dataclasses.replace(result, cells=result.cells.loc[keep].reset_index(drop=True))
    labels["cells tested"] = len(result.cells)
    return slim, labels


def gi_star(f: IncidentFilter, cell_size: float, harm: Harm, order: int = 1, fdr: bool = True
            ) -> tuple[hs.GiStarResult, dict[str, int]]:
    """Gi* on every cell of the rectangle around the incidents (occupied and significant cells
    returned) and the number of cells per label (with ``"cells tested"``)."""
    return _gi_star(*_wh(), f, float(cell_size), harm, int(order), bool(fdr))


@st.cache_data(show_spinner=False, max_entries=16, ttl=_TTL)
def _emerging(path: str, version: int, f: IncidentFilter, cell_size: float, harm: Harm,
              confidence: int) -> hs.EmergingHotspots:
    del path, version
    with _cursor() as cur:
        counted = load.load_cells(cur, f, cell_size, by_month=True, harm=harm)
    result = hs.emerging_hotspots(counted, cell_size, weight="weight",
                                  confidence=confidence)  # type: ignore[arg-type]
    keep = (result.cells["pattern"] != "no pattern").to_numpy()
    return dataclasses.replace(result, cells=result.cells.loc[keep].reset_index(drop=True),
                               z=result.z.loc[keep])


def emerging(f: IncidentFilter, cell_size: float, harm: Harm, confidence: int = 90
             ) -> hs.EmergingHotspots:
    """Emerging hot spots (cells with a pattern only; ``summary`` counts every cell)."""
    return _emerging(*_wh(), f, float(cell_size), harm, int(confidence))


@st.cache_data(show_spinner=False, max_entries=16, ttl=_TTL)
def _forecast(path: str, version: int, f: IncidentFilter, cell_size: float, coverage: float,
              method: str) -> tuple[forecast_mod.ForecastResult, forecast_mod.BacktestResult]:
    del path, version
    with _cursor() as cur:
        counted = load.load_cells(cur, f, cell_size, by_month=True)
    methods = ["naive"] if method == "naive" else ["naive", method]
    # Rows counted per cell centre and month: the same counts per cell as one row per
    # incident (the kde method smooths from cell centres).
    result = forecast_mod.forecast(counted, method=method, coverage=coverage,
                                   cell_size=cell_size, count="count")
    tested = forecast_mod.backtest(counted, coverage=coverage, cell_size=cell_size,
                                   methods=methods, count="count")
    return result, dataclasses.replace(tested, default_method=method)


def forecast(f: IncidentFilter, cell_size: float, coverage: float, method: str
             ) -> tuple[forecast_mod.ForecastResult, forecast_mod.BacktestResult]:
    """Next month's flagged cells and the backtest of ``method`` against naive."""
    return _forecast(*_wh(), f, float(cell_size), float(coverage), method)


# --------------------------------------------------------------------------------------------
# hot dots


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _hot_dots(path: str, version: int, f: IncidentFilter, top: int, harm: Harm,
              with_text: bool) -> pd.DataFrame:
    with _cursor() as cur:
        dots = load.hot_dot_counts(cur, f, top, harm=harm, with_text=with_text)
    names = _options(path, version, tuple(f.csp_codes))
    dots["ward"] = dots["ward_code"].map(names["wards"]).fillna("")
    dots["lsoa"] = dots["lsoa_code"].map(names["lsoas"]).fillna("")
    e = dots["easting"].to_numpy(dtype=float)
    n = dots["northing"].to_numpy(dtype=float)
    if not with_text:
        # roles that see aggregates only: no address or key, places blurred to 100 m squares
        dots = dots.drop(columns=["location_key"])
        e, n = (np.floor(e / 100) + 0.5) * 100, (np.floor(n / 100) + 0.5) * 100
        dots["easting"], dots["northing"] = e, n
    dots["lon"], dots["lat"] = to_wgs84(e, n)
    return dots


def hot_dots(f: IncidentFilter, top: int, harm: Harm, with_text: bool) -> pd.DataFrame:
    """The top repeat locations with ward and LSOA names and WGS84 points. With
    ``with_text`` (analysts), their ``location_text`` and ``location_key``; without, neither,
    and each point moved to the centre of its 100 m square."""
    return _hot_dots(*_wh(), f, int(top), harm, bool(with_text))


def top_cells(cells_frame: pd.DataFrame, by: str, n: int | None = None) -> pd.DataFrame:
    """Cells ranked by ``by`` (highest first, ties by cell id), with a ``rank`` column."""
    out = cells_frame.sort_values([by, "cell_id"], ascending=[False, True], ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out if n is None else out.head(n)


# --------------------------------------------------------------------------------------------
# peak times


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _times(path: str, version: int, f: IncidentFilter, harm: Harm
           ) -> tuple[pd.DataFrame, dict[str, int]]:
    del path, version
    with _cursor() as cur:
        frame = load.load_times(cur, f, harm=harm)
    return frame, load.time_classes(frame)


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _hour_of_week(path: str, version: int, f: IncidentFilter, harm: Harm) -> pt.HourOfWeek:
    frame, classes = _times(path, version, f, harm)
    result = pt.hour_of_week(frame, weight="weight")
    # counted rows stand for many incidents: report incidents
    return dataclasses.replace(
        result, n_used=classes["used"], n_exact=classes["exact"],
        n_spread_week=classes["spread_week"], n_month_only=classes["month_only"],
        n_no_time=classes["no_time"], n_bad_window=classes["bad_window"])


def hour_of_week(f: IncidentFilter, harm: Harm) -> pt.HourOfWeek:
    """Aoristic day-by-hour matrix (month-only rows left out and counted)."""
    return _hour_of_week(*_wh(), f, harm)


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _monthly(path: str, version: int, f: IncidentFilter, harm: Harm) -> pt.MonthlyTrend:
    del path, version
    with _cursor() as cur:
        months = load.load_months(cur, f, harm=harm)
    return pt.monthly_trend(months, weight="weight")


def monthly(f: IncidentFilter, harm: Harm) -> pt.MonthlyTrend:
    """Monthly counts, trend, seasons and year on year (every incident, police.uk included)."""
    return _monthly(*_wh(), f, harm)


@st.cache_data(show_spinner=False, max_entries=32, ttl=_TTL)
def _special_days(path: str, version: int, f: IncidentFilter, harm: Harm,
                  kinds: tuple[str, ...]) -> pt.SpecialDayComparison:
    frame, classes = _times(path, version, f, harm)
    timed = frame.loc[frame["time_precision"] != "month", "occurred_at"].dropna()
    years = [] if timed.empty else list(range(timed.min().year, timed.max().year + 1))
    special = pt.special_days_from_config(load_config(), years)
    special = special[special["kind"].isin(kinds)]
    result = pt.compare_special_days(frame, special=special, weight="weight")
    left_out = (classes["month_only"] + classes["no_time"] + classes["bad_window"]
                + classes["spread_week"])
    return dataclasses.replace(result, n_left_out=left_out)


def special_days(f: IncidentFilter, harm: Harm, kinds: tuple[str, ...]
                 ) -> pt.SpecialDayComparison:
    """Special days (from the configuration) against the same weekday in nearby weeks."""
    return _special_days(*_wh(), f, harm, tuple(kinds))


@st.cache_data(show_spinner=False, max_entries=16, ttl=_TTL)
def _knox(path: str, version: int, f: IncidentFilter, space: tuple[float, ...],
          time_bands: tuple[float, ...], permutations: int, seed: int) -> nr.KnoxResult:
    del path, version
    with _cursor() as cur:
        frame = load.load_incidents(cur, f, columns=["easting", "northing", "occurred_at",
                                                     "time_precision"])
    result = nr.knox_test(frame, space_bands=space, time_bands=time_bands,
                          permutations=permutations, seed=seed, n_jobs=2)
    return dataclasses.replace(result, permuted=np.zeros((0,)))  # the table is what is shown


def knox(f: IncidentFilter, space: tuple[float, ...], time_bands: tuple[float, ...],
         permutations: int, seed: int) -> nr.KnoxResult:
    """The Knox near-repeat test (band table) for the filter's timestamped incidents."""
    return _knox(*_wh(), f, tuple(space), tuple(time_bands), int(permutations), int(seed))


# --------------------------------------------------------------------------------------------
# before and after


@st.cache_resource(show_spinner=False, max_entries=4, ttl=_TTL)
def _lsoa_boundaries(path: str, version: int) -> gpd.GeoDataFrame:
    del path, version
    with _cursor() as cur:
        frame = cur.execute("SELECT area_code AS lsoa_code, csp_code, geometry FROM mart_area "
                            "WHERE level = 'lsoa' ORDER BY area_code").df()
    geoms = shapely.from_wkt(frame["geometry"].to_numpy())
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_bng(xy[:, 0], xy[:, 1])))
    return gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geoms, crs="EPSG:27700")


def lsoa_boundaries() -> gpd.GeoDataFrame:
    """LSOA polygons in British National Grid (for buffers around LSOAs). Never modify."""
    return _lsoa_boundaries(*_wh())


def response_geometry(kind: str, response: tuple[str, ...], cell_size: float) -> Any:
    """The response area (LSOAs or cell ids) as one polygon in British National Grid."""
    if kind == "lsoa":
        chosen = lsoa_boundaries()
        return shapely.union_all(
            chosen.loc[chosen["lsoa_code"].isin(set(response))].geometry.to_numpy())
    boxes = []
    for cid in response:
        x, y = (float(v) for v in cid[1:].split("N"))
        boxes.append(shapely.box(x, y, x + cell_size, y + cell_size))
    return shapely.union_all(boxes)


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _response_layers(path: str, version: int, kind: str, response: tuple[str, ...],
                     cell_size: float, buffer_width: float
                     ) -> tuple[str, str | None, tuple[float, float, float, float]]:
    del path, version
    geom = response_geometry(kind, response, cell_size)
    area = maps.geojson_uri(maps.bng_geojson(["response area"], [geom]))
    ring = None
    if buffer_width > 0:
        ring = maps.geojson_uri(maps.bng_geojson(
            ["buffer"], [geom.buffer(buffer_width).difference(geom)]))
    return area, ring, maps.bng_bounds(geom, margin=max(buffer_width, 250.0) * 2)


def response_layers(kind: str, response: tuple[str, ...], cell_size: float,
                    buffer_width: float
                    ) -> tuple[str, str | None, tuple[float, float, float, float]]:
    """The response area and its buffer ring as GeoJSON data URIs, and the bounds to show."""
    return _response_layers(*_wh(), kind, tuple(response), float(cell_size), float(buffer_width))


def response_scope(f: IncidentFilter, kind: str, response: tuple[str, ...],
                   cell_size: float) -> IncidentFilter:
    """The filter with its CSP areas set to those the response area lies in, when none are
    chosen: the default comparison area is the rest of those CSP areas."""
    if f.csp_codes:
        return f
    boundaries = lsoa_boundaries()
    if kind == "lsoa":
        hit = boundaries[boundaries["lsoa_code"].isin(set(response))]
    else:
        hit = boundaries[boundaries.intersects(response_geometry(kind, response, cell_size))]
    return dataclasses.replace(f, csp_codes=tuple(sorted(set(hit["csp_code"].dropna()))))


@st.cache_data(show_spinner=False, max_entries=64, ttl=_TTL)
def _cell_options(path: str, version: int, f: IncidentFilter, cell_size: float, top: int
                  ) -> pd.DataFrame:
    del path, version
    with _cursor() as cur:
        counted = load.load_cells(cur, f, cell_size)
    counted = counted.sort_values(["count", "col", "row"], ascending=[False, True, True])
    counted = counted.head(top)
    counted.insert(0, "cell_id", cell_ids(counted["col"].to_numpy(), counted["row"].to_numpy(),
                                          cell_size))
    return counted.reset_index(drop=True)


def cell_options(f: IncidentFilter, cell_size: float, top: int = 400) -> pd.DataFrame:
    """The busiest ``top`` cells for the filter (to pick a response area from)."""
    return _cell_options(*_wh(), f, float(cell_size), int(top))


def _bookends(first_held: Any, last_held: Any, first: date, last: date) -> pd.DataFrame:
    """Rows marking the first and last month the data hold, outside the loaded window.

    The assessment checks that the data cover both periods from the months it is given; only
    the months around the response are loaded, so these rows (no place, no area, outside both
    periods, so never counted) tell it how far the data reach.
    """
    months = [m for m in (pd.Timestamp(first_held), pd.Timestamp(last_held))
              if m < pd.Timestamp(first) or m > pd.Timestamp(last)]
    return pd.DataFrame({"easting": np.nan, "northing": np.nan, "month": months,
                         "lsoa_code": None, "csp_code": None})


@st.cache_data(show_spinner=False, max_entries=32, ttl=_TTL)
def _assessment(path: str, version: int, f: IncidentFilter, kind: str,
                response: tuple[str, ...], start: date, months: int, gap: int,
                buffer_width: float, comparison: tuple[str, ...], cell_size: float
                ) -> tuple[assess_mod.Assessment, pd.DataFrame]:
    del path, version
    m0 = pd.Timestamp(start).to_period("M").to_timestamp()
    first = (m0 - pd.DateOffset(months=months)).date()
    last = (m0 + pd.DateOffset(months=gap + months) - pd.DateOffset(days=1)).date()
    whole = dataclasses.replace(f, start=None, end=None)
    where, params = load.filter_sql(whole)
    with _cursor() as cur:
        incidents = load.load_incidents(cur, dataclasses.replace(whole, start=first, end=last),
                                        columns=["easting", "northing", "month", "lsoa_code",
                                                 "csp_code"])
        first_held, last_held = cur.execute(
            f"SELECT min(i.month), max(i.month) FROM mart_incident i WHERE {where}", params
        ).fetchall()[0]
    if first_held is not None:
        incidents = pd.concat([incidents, _bookends(first_held, last_held, first, last)],
                              ignore_index=True)
    result = assess_mod.assess_response(
        incidents, start, response=list(response),
        buffer_width=buffer_width if buffer_width > 0 else None,
        comparison=list(comparison) if comparison else None, period_months=months, gap=gap,
        cell_size=cell_size if kind == "cell" else None,
        boundaries=lsoa_boundaries() if kind == "lsoa" else None)
    if kind == "lsoa":
        inside = incidents["lsoa_code"].isin(set(response)).to_numpy()
    else:
        located = incidents[["easting", "northing"]].notna().all(axis=1).to_numpy()
        ids = assign_cells(incidents[["easting", "northing"]], cell_size)["cell_id"]
        inside = located & ids.isin(set(response)).to_numpy()
    trend = (incidents.loc[inside].groupby("month").size()
             .reindex(pd.date_range(first, last, freq="MS"), fill_value=0)
             .rename("incidents").rename_axis("month").reset_index())
    return result, trend


def assessment(f: IncidentFilter, kind: str, response: tuple[str, ...], start: date,
               months: int, gap: int, buffer_width: float, comparison: tuple[str, ...],
               cell_size: float) -> tuple[assess_mod.Assessment, pd.DataFrame]:
    """Before/after assessment of a response area (LSOAs or cells), and the response area's
    monthly counts over both periods."""
    return _assessment(*_wh(), f, kind, tuple(response), start, int(months), int(gap),
                       float(buffer_width), tuple(comparison), float(cell_size))
