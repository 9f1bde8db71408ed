"""purpose: both coordinate pairs, LSOA and ward for every located incident.
inputs:  int_incident, core_area_lsoa, core_area_ward
output:  int_incident_geo (computed with pyproj and shapely: no spatial extension needed)
grain:   one row per located incident.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipelines.geography import assign_polygons, to_bng, to_wgs84


def _per_place(x: np.ndarray, y: np.ndarray, fn: Callable[..., Any]) -> list[np.ndarray]:
    """Apply ``fn(x, y)`` once per distinct point and spread its results back to every row.

    police.uk points are shared by many incidents, so the cost grows with the number of
    places, not incidents.
    """
    if len(x) == 0:
        return [np.empty(0, dtype=object) for _ in range(2)]
    places, rows = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    return [np.asarray(r)[rows.ravel()] for r in fn(places[:, 0], places[:, 1])]


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Compute both coordinate pairs, LSOA and ward for every located incident."""
    del config
    frame = con.execute(
        "SELECT incident_id, longitude, latitude, easting, northing FROM int_incident "
        "WHERE (longitude IS NOT NULL AND latitude IS NOT NULL) "
        "OR (easting IS NOT NULL AND northing IS NOT NULL)"
    ).df()
    e = frame["easting"].to_numpy(dtype=float, na_value=np.nan)
    n = frame["northing"].to_numpy(dtype=float, na_value=np.nan)
    lon = frame["longitude"].to_numpy(dtype=float, na_value=np.nan)
    lat = frame["latitude"].to_numpy(dtype=float, na_value=np.nan)
    has_bng = ~(np.isnan(e) | np.isnan(n))  # the given grid reference wins
    wgs = ~has_bng
    e[wgs], n[wgs] = _per_place(lon[wgs], lat[wgs], to_bng)
    lon[has_bng], lat[has_bng] = _per_place(e[has_bng], n[has_bng], to_wgs84)
    lsoa = con.execute("SELECT lsoa_code, geometry FROM core_area_lsoa").fetchall()
    ward = con.execute("SELECT ward_code, geometry FROM core_area_ward").fetchall()

    def areas(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (assign_polygons(x, y, [r[0] for r in lsoa], [r[1] for r in lsoa]),
                assign_polygons(x, y, [r[0] for r in ward], [r[1] for r in ward]))

    lsoa_codes, ward_codes = _per_place(lon, lat, areas)
    geo = pd.DataFrame(
        {
            "incident_id": frame["incident_id"].astype(object),
            "longitude": lon,
            "latitude": lat,
            "easting": e,
            "northing": n,
            "lsoa_code": lsoa_codes.astype(object),
            "ward_code": ward_codes.astype(object),
        }
    )
    con.register("_geo", geo)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE int_incident_geo AS SELECT "
            "CAST(incident_id AS VARCHAR) AS incident_id, longitude, latitude, easting, northing,"
            " CAST(lsoa_code AS VARCHAR) AS lsoa_code, CAST(ward_code AS VARCHAR) AS ward_code "
            "FROM _geo"
        )
    finally:
        con.unregister("_geo")
