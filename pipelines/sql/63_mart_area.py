"""purpose: the areas maps are drawn with: LSOAs, wards and CSP areas, population, deprivation.
inputs:  core_area_lsoa, core_area_ward, core_area_csp
output:  mart_area (ward population apportioned from LSOAs by area, with shapely)
grain:   one row per area: level 'lsoa' (one per LSOA), 'ward' (one per ward) or 'csp' (one
         per CSP area with LSOAs loaded).

LSOAs carry their Census population and IMD decile as loaded. Wards are not built from whole
LSOAs, so a ward's population is the sum over the LSOAs it overlaps of the LSOA's population
times the share of the LSOA's area inside the ward (areal weighting), and its deprivation is
the population-weighted mean of those LSOAs' IMD deciles. A CSP area is the union of its
LSOAs, with their total population and population-weighted mean decile.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import shapely

from pipelines.geography import to_bng

_COLUMNS = ["level", "area_code", "area_name", "csp_code", "csp_name", "population",
            "imd_decile", "area_km2", "geometry"]


def _bng(wkt: pd.Series) -> np.ndarray:
    """WGS84 WKT polygons as shapely geometries in British National Grid metres."""
    geoms = shapely.from_wkt(wkt.to_numpy())
    return shapely.transform(geoms, lambda xy: np.column_stack(to_bng(xy[:, 0], xy[:, 1])))


def _outline(parts: np.ndarray) -> Any:
    """The union of polygons without the slivers and pinholes left where neighbouring
    boundaries do not quite meet: a ~1 m closing, and only each part's outer ring kept."""
    eps = 0.00001  # degrees, about a metre
    merged = shapely.union_all(shapely.make_valid(parts)).buffer(eps).buffer(-eps)
    polygons = shapely.get_parts(merged)
    polygons = polygons[shapely.get_type_id(polygons) == 3]  # polygons only
    return shapely.multipolygons(shapely.polygons(shapely.get_exterior_ring(polygons)))


def _csp_rows(lsoa: pd.DataFrame, lsoa_area: np.ndarray) -> pd.DataFrame:
    """One row per CSP area: the union of its LSOAs (WGS84 WKT), population and decile."""
    known = lsoa[lsoa["csp_code"].notna()].assign(_area=lsoa_area[lsoa["csp_code"].notna()])
    rows = []
    for code, group in known.groupby("csp_code", sort=True):
        geom = _outline(shapely.from_wkt(group["geometry"].to_numpy()))
        pop = group["population"].to_numpy(dtype=float, na_value=np.nan)
        imd = group["imd_decile"].to_numpy(dtype=float, na_value=np.nan)
        ok = ~np.isnan(pop) & ~np.isnan(imd)
        rows.append({
            "level": "csp", "area_code": code, "area_name": group["csp_name"].iloc[0],
            "csp_code": code, "csp_name": group["csp_name"].iloc[0],
            "population": float(np.nansum(pop)),
            "imd_decile": round(float((imd[ok] * pop[ok]).sum() / pop[ok].sum()), 2)
            if pop[ok].sum() > 0 else np.nan,
            "area_km2": float(group["_area"].sum()) / 1e6,
            "geometry": shapely.to_wkt(geom, rounding_precision=7),
        })
    return pd.DataFrame(rows, columns=_COLUMNS)


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Build ``mart_area`` (see the module docstring)."""
    del config
    lsoa = con.execute(
        "SELECT l.lsoa_code, l.lsoa_name, l.csp_code, c.csp_name, l.population, l.imd_decile, "
        "l.geometry FROM core_area_lsoa l LEFT JOIN core_area_csp c USING (csp_code) "
        "ORDER BY l.lsoa_code"
    ).df()
    ward = con.execute(
        "SELECT w.ward_code, w.ward_name, w.csp_code, c.csp_name, w.geometry "
        "FROM core_area_ward w LEFT JOIN core_area_csp c USING (csp_code) ORDER BY w.ward_code"
    ).df()
    lsoa_geom = _bng(lsoa["geometry"]) if len(lsoa) else np.array([], dtype=object)
    ward_geom = _bng(ward["geometry"]) if len(ward) else np.array([], dtype=object)
    lsoa_area = shapely.area(lsoa_geom) if len(lsoa) else np.zeros(0)
    ward_pop = np.full(len(ward), np.nan)
    ward_imd = np.full(len(ward), np.nan)
    if len(lsoa) and len(ward):
        tree = shapely.STRtree(lsoa_geom)
        w_idx, l_idx = tree.query(ward_geom, predicate="intersects")
        overlap = shapely.area(shapely.intersection(ward_geom[w_idx], lsoa_geom[l_idx]))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(lsoa_area[l_idx] > 0, overlap / lsoa_area[l_idx], 0.0)
        pop = lsoa["population"].to_numpy(dtype=float, na_value=np.nan)[l_idx] * share
        imd = lsoa["imd_decile"].to_numpy(dtype=float, na_value=np.nan)[l_idx]
        parts = pd.DataFrame({"w": w_idx, "pop": pop, "imd_pop": imd * pop,
                              "imd_known": np.where(np.isnan(imd), 0.0, pop)})
        sums = parts.groupby("w").sum(min_count=1)
        ward_pop[sums.index.to_numpy()] = sums["pop"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ward_imd[sums.index.to_numpy()] = np.where(
                sums["imd_known"].to_numpy() > 0,
                sums["imd_pop"].to_numpy() / sums["imd_known"].to_numpy(), np.nan)
    frames = [
        pd.DataFrame({
            "level": "lsoa", "area_code": lsoa["lsoa_code"], "area_name": lsoa["lsoa_name"],
            "csp_code": lsoa["csp_code"], "csp_name": lsoa["csp_name"],
            "population": lsoa["population"].to_numpy(dtype=float, na_value=np.nan),
            "imd_decile": lsoa["imd_decile"].to_numpy(dtype=float, na_value=np.nan),
            "area_km2": lsoa_area / 1e6, "geometry": lsoa["geometry"]}),
        pd.DataFrame({
            "level": "ward", "area_code": ward["ward_code"], "area_name": ward["ward_name"],
            "csp_code": ward["csp_code"], "csp_name": ward["csp_name"],
            "population": np.round(ward_pop, 1), "imd_decile": np.round(ward_imd, 2),
            "area_km2": shapely.area(ward_geom) / 1e6 if len(ward) else np.zeros(0),
            "geometry": ward["geometry"]}),
    ]
    if len(lsoa):
        csp = _csp_rows(lsoa, lsoa_area)
        if len(csp):
            frames.append(csp)
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if (
        len(lsoa) or len(ward)) else pd.DataFrame({c: [] for c in _COLUMNS})
    frame["area_km2"] = frame["area_km2"].astype(float).round(4)
    con.register("_mart_area", frame[_COLUMNS])
    try:
        con.execute(
            "CREATE OR REPLACE TABLE mart_area AS SELECT CAST(level AS VARCHAR) AS level, "
            "CAST(area_code AS VARCHAR) AS area_code, CAST(area_name AS VARCHAR) AS area_name, "
            "CAST(csp_code AS VARCHAR) AS csp_code, CAST(csp_name AS VARCHAR) AS csp_name, "
            "CAST(population AS DOUBLE) AS population, CAST(imd_decile AS DOUBLE) AS imd_decile, "
            "CAST(area_km2 AS DOUBLE) AS area_km2, CAST(geometry AS VARCHAR) AS geometry "
            "FROM _mart_area ORDER BY level, area_code"
        )
    finally:
        con.unregister("_mart_area")
