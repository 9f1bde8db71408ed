"""purpose: both coordinate pairs, LSOA and ward for every located incident.
inputs:  int_incident, core_area_lsoa, core_area_ward
output:  int_incident_geo (computed with pyproj and shapely: no spatial extension needed)
grain:   one row per located incident.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipelines.geography import assign_polygons, to_bng, to_wgs84


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Compute both coordinate pairs, LSOA and ward for every located incident.

    Works on distinct coordinates (police.uk points are shared by many incidents), so the
    cost grows with the number of places, not incidents.
    """
    del config
    frame = con.execute(
        "SELECT incident_id, longitude, latitude, easting, northing FROM int_incident "
        "WHERE (longitude IS NOT NULL AND latitude IS NOT NULL) "
        "OR (easting IS NOT NULL AND northing IS NOT NULL)"
    ).df()
    if len(frame):
        has_bng = frame["easting"].notna().to_numpy() & frame["northing"].notna().to_numpy()
        e = frame["easting"].to_numpy(dtype=float, na_value=np.nan)
        n = frame["northing"].to_numpy(dtype=float, na_value=np.nan)
        lon = frame["longitude"].to_numpy(dtype=float, na_value=np.nan)
        lat = frame["latitude"].to_numpy(dtype=float, na_value=np.nan)
        wgs = ~has_bng
        if wgs.any():
            pts = pd.DataFrame({"lon": lon[wgs], "lat": lat[wgs]})
            uniq = pts.drop_duplicates()
            ue, un = to_bng(uniq["lon"].to_numpy(), uniq["lat"].to_numpy())
            uniq = uniq.assign(e=ue, n=un)
            merged = pts.merge(uniq, on=["lon", "lat"], how="left")
            e[wgs] = merged["e"].to_numpy()
            n[wgs] = merged["n"].to_numpy()
        if has_bng.any():
            pts = pd.DataFrame({"e": e[has_bng], "n": n[has_bng]})
            uniq = pts.drop_duplicates()
            ulon, ulat = to_wgs84(uniq["e"].to_numpy(), uniq["n"].to_numpy())
            uniq = uniq.assign(lon=ulon, lat=ulat)
            merged = pts.merge(uniq, on=["e", "n"], how="left")
            lon[has_bng] = merged["lon"].to_numpy()
            lat[has_bng] = merged["lat"].to_numpy()
        points = pd.DataFrame({"lon": lon, "lat": lat})
        uniq = points.drop_duplicates().reset_index(drop=True)
        lsoa = con.execute("SELECT lsoa_code, geometry FROM core_area_lsoa").fetchall()
        ward = con.execute("SELECT ward_code, geometry FROM core_area_ward").fetchall()
        ux, uy = uniq["lon"].to_numpy(), uniq["lat"].to_numpy()
        uniq["lsoa_code"] = assign_polygons(ux, uy, [r[0] for r in lsoa], [r[1] for r in lsoa])
        uniq["ward_code"] = assign_polygons(ux, uy, [r[0] for r in ward], [r[1] for r in ward])
        codes = points.merge(uniq, on=["lon", "lat"], how="left")
        geo = pd.DataFrame(
            {
                "incident_id": frame["incident_id"],
                "longitude": lon,
                "latitude": lat,
                "easting": e,
                "northing": n,
                "lsoa_code": codes["lsoa_code"].astype(object).to_numpy(),
                "ward_code": codes["ward_code"].astype(object).to_numpy(),
            }
        )
    else:
        geo = pd.DataFrame(
            {
                "incident_id": pd.Series(dtype=str),
                "longitude": pd.Series(dtype=float),
                "latitude": pd.Series(dtype=float),
                "easting": pd.Series(dtype=float),
                "northing": pd.Series(dtype=float),
                "lsoa_code": pd.Series(dtype=str),
                "ward_code": pd.Series(dtype=str),
            }
        )
    con.register("_geo", geo)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE int_incident_geo AS SELECT incident_id, longitude, latitude,"
            " easting, northing, CAST(lsoa_code AS VARCHAR) AS lsoa_code,"
            " CAST(ward_code AS VARCHAR) AS ward_code FROM _geo"
        )
    finally:
        con.unregister("_geo")


