"""British National Grid conversion and point-in-polygon area assignment (pyproj, shapely).

DuckDB's spatial extension is not used: it would have to be downloaded at run time, which
locked-down council networks do not allow. Coordinates are plain DOUBLE columns; polygons are
kept as WKT and joined here with a shapely STRtree.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

__all__ = ["to_bng", "to_wgs84", "assign_polygons"]


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_bng(longitude: np.ndarray, latitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude to British National Grid easting/northing (metres).

    Examples
    --------
    >>> e, n = to_bng(np.array([-1.2347]), np.array([54.5742]))  # Middlesbrough
    >>> round(float(e[0])), round(float(n[0]))
    (449571, 520156)
    """
    e, n = _transformer("EPSG:4326", "EPSG:27700").transform(
        np.asarray(longitude, dtype=float), np.asarray(latitude, dtype=float)
    )
    return np.asarray(e), np.asarray(n)


def to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid easting/northing to WGS84 longitude/latitude.

    Examples
    --------
    >>> lon, lat = to_wgs84(np.array([449571.05]), np.array([520156.29]))
    >>> round(float(lon[0]), 4), round(float(lat[0]), 4)
    (-1.2347, 54.5742)
    """
    lon, lat = _transformer("EPSG:27700", "EPSG:4326").transform(
        np.asarray(easting, dtype=float), np.asarray(northing, dtype=float)
    )
    return np.asarray(lon), np.asarray(lat)


def assign_polygons(x: np.ndarray, y: np.ndarray, codes: list[str], wkt: list[str]) -> np.ndarray:
    """Return, for each point, the code of the polygon containing it (``None`` when none does).

    Points and polygons must be in the same coordinate system. Where polygons overlap (they
    should not), the first in ``codes`` order wins.

    Examples
    --------
    >>> assign_polygons(np.array([0.5, 5.0]), np.array([0.5, 5.0]), ["A"],
    ...                 ["POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"]).tolist()
    ['A', None]
    """
    out = np.full(len(x), None, dtype=object)
    if len(x) == 0 or not codes:
        return out
    polygons = shapely.from_wkt(wkt)
    tree = shapely.STRtree(polygons)
    points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    point_idx, poly_idx = tree.query(points, predicate="intersects")
    if len(point_idx):
        frame = pd.DataFrame({"p": point_idx, "g": poly_idx}).sort_values(["p", "g"])
        frame = frame.drop_duplicates("p")
        out[frame["p"].to_numpy()] = np.asarray(codes, dtype=object)[frame["g"].to_numpy()]
    return out
