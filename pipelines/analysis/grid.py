"""Square grid cells on the British National Grid (EPSG:27700) for hotspot maps and forecasts.

A cell of size ``s`` metres has its lower-left corner on a multiple of ``s``: the point
(easting, northing) falls in column ``floor(easting / s)`` and row ``floor(northing / s)``,
and the cell is called ``"E{x0}N{y0}"`` after its lower-left corner. Columns and rows are
global (not relative to the data), so the same place has the same cell in every analysis that
uses the same size. A point on a cell edge belongs to the cell to its north and east.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._common import AnalysisProblem, located, require_columns, weights_of

__all__ = [
    "CellCounts",
    "check_cell_size",
    "cell_index",
    "cell_ids",
    "assign_cells",
    "count_by_cell",
    "cell_polygons",
]

CRS = "EPSG:27700"


def check_cell_size(cell_size: float) -> float:
    """Return ``cell_size`` as a float, or raise :class:`AnalysisProblem` if it is not positive.

    Examples
    --------
    >>> check_cell_size(250)
    250.0
    """
    try:
        size = float(cell_size)
    except (TypeError, ValueError):
        raise AnalysisProblem(f"cell_size must be a number of metres (got {cell_size!r})") from None
    if not np.isfinite(size) or size <= 0:
        raise AnalysisProblem(f"cell_size must be a positive number of metres (got {cell_size!r})")
    return size


def cell_index(
    easting: np.ndarray, northing: np.ndarray, cell_size: float
) -> tuple[np.ndarray, np.ndarray]:
    """Column and row (int64) of the cells holding the points; every point must be located.

    Examples
    --------
    >>> col, row = cell_index(np.array([450010.0, 450250.0]), np.array([520249.9, 520250.0]), 250)
    >>> col.tolist(), row.tolist()
    ([1800, 1801], [2080, 2081])
    """
    size = check_cell_size(cell_size)
    e = np.asarray(easting, dtype=float)
    n = np.asarray(northing, dtype=float)
    if not (np.isfinite(e).all() and np.isfinite(n).all()):
        raise AnalysisProblem("cell_index needs located points (easting and northing present)")
    return np.floor(e / size).astype(np.int64), np.floor(n / size).astype(np.int64)


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def cell_ids(col: np.ndarray, row: np.ndarray, cell_size: float) -> np.ndarray:
    """Cell names ``"E{x0}N{y0}"`` from columns and rows (the lower-left corner in metres).

    Examples
    --------
    >>> cell_ids(np.array([1800]), np.array([2081]), 250).tolist()
    ['E450000N520250']
    >>> cell_ids(np.array([3]), np.array([1]), 62.5).tolist()
    ['E187.5N62.5']
    """
    size = check_cell_size(cell_size)
    col = np.asarray(col, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    if size.is_integer():
        s = int(size)
        x = (col * s).astype(str).astype(object)
        y = (row * s).astype(str).astype(object)
        return np.asarray("E" + x + "N" + y, dtype=object)
    return np.array(
        [f"E{_fmt(c * size)}N{_fmt(r * size)}" for c, r in zip(col, row, strict=True)],
        dtype=object,
    )


def assign_cells(incidents: pd.DataFrame, cell_size: float = 250) -> pd.DataFrame:
    """Return a copy of ``incidents`` with ``cell_id``, ``col`` and ``row`` columns added.

    Unlocated rows (easting or northing missing) get ``cell_id`` None and missing col/row.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Needs ``easting`` and ``northing`` (EPSG:27700 metres).
    cell_size : float, default 250
        Cell side in metres.

    Examples
    --------
    >>> df = pd.DataFrame({"easting": [450010.0, np.nan], "northing": [520300.0, np.nan]})
    >>> out = assign_cells(df, 250)
    >>> out["cell_id"].tolist(), int(out["col"].iloc[0]), int(out["row"].iloc[0])
    (['E450000N520250', None], 1800, 2081)
    >>> out["col"].isna().tolist()
    [False, True]
    """
    require_columns(incidents, ["easting", "northing"], "assigning grid cells")
    size = check_cell_size(cell_size)
    out = incidents.copy()
    mask = located(incidents)
    e = pd.to_numeric(incidents["easting"], errors="coerce").to_numpy(dtype=float)[mask]
    n = pd.to_numeric(incidents["northing"], errors="coerce").to_numpy(dtype=float)[mask]
    col, row = cell_index(e, n, size)
    ids = np.full(len(out), None, dtype=object)
    ids[mask] = cell_ids(col, row, size)
    cols = pd.array(np.zeros(len(out), dtype=np.int64), dtype="Int64")
    rows = pd.array(np.zeros(len(out), dtype=np.int64), dtype="Int64")
    cols[mask] = col
    rows[mask] = row
    cols[~mask] = pd.NA
    rows[~mask] = pd.NA
    out["cell_id"] = ids
    out["col"] = cols
    out["row"] = rows
    return out


@dataclass(frozen=True)
class CellCounts:
    """Incidents counted per grid cell.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per cell: ``cell_id``, ``col``, ``row``, ``x0``, ``y0`` (lower-left corner),
        ``count`` (incidents) and ``value`` (sum of weights; equals ``count`` unweighted),
        sorted by row then column.
    cell_size : float
        Cell side in metres.
    n_located : int
        Incidents with a location (counted).
    n_unlocated : int
        Incidents without a location (not in any cell).
    weighted : bool
        Whether ``value`` sums a weight column.
    """

    cells: pd.DataFrame
    cell_size: float
    n_located: int
    n_unlocated: int
    weighted: bool

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The cells as square polygons (EPSG:27700), for mapping."""
        return cell_polygons(self.cells, self.cell_size)


def count_by_cell(
    incidents: pd.DataFrame,
    cell_size: float = 250,
    *,
    weight: str | None = None,
    extent: Literal["occupied", "bbox"] = "occupied",
) -> CellCounts:
    """Count incidents (optionally weighted) in square cells of ``cell_size`` metres.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Needs ``easting`` and ``northing``; unlocated rows are counted in ``n_unlocated`` only.
    cell_size : float, default 250
        Cell side in metres.
    weight : str, optional
        Column of harm weights to sum into ``value`` (missing weights count 1).
    extent : {"occupied", "bbox"}, default "occupied"
        ``"occupied"`` returns only cells holding an incident; ``"bbox"`` returns every cell
        of the rectangle spanning the located incidents, empty ones with zero counts.

    Returns
    -------
    CellCounts

    Examples
    --------
    >>> df = pd.DataFrame({"easting": [10.0, 20.0, 260.0, np.nan],
    ...                    "northing": [10.0, 30.0, 10.0, np.nan],
    ...                    "weight": [3.0, 1.0, 2.0, 1.0]})
    >>> res = count_by_cell(df, 250, weight="weight", extent="bbox")
    >>> res.cells[["cell_id", "count", "value"]].values.tolist()
    [['E0N0', 2, 4.0], ['E250N0', 1, 2.0]]
    >>> res.n_unlocated
    1
    """
    require_columns(incidents, ["easting", "northing"], "counting incidents by grid cell")
    size = check_cell_size(cell_size)
    if extent not in ("occupied", "bbox"):
        raise AnalysisProblem(f"extent must be 'occupied' or 'bbox' (got {extent!r})")
    mask = located(incidents)
    w = weights_of(incidents, weight)[mask]
    e = pd.to_numeric(incidents["easting"], errors="coerce").to_numpy(dtype=float)[mask]
    n = pd.to_numeric(incidents["northing"], errors="coerce").to_numpy(dtype=float)[mask]
    col, row = cell_index(e, n, size)
    counts: np.ndarray
    values: np.ndarray
    ucol: np.ndarray
    urow: np.ndarray
    if len(col):
        c0, r0 = col.min(), row.min()
        ncols = int(col.max() - c0 + 1)
        flat = (row - r0) * ncols + (col - c0)
        if extent == "bbox":
            nrows = int(row.max() - r0 + 1)
            keys = np.arange(nrows * ncols)
            inverse = flat
        else:
            keys, inverse = np.unique(flat, return_inverse=True)
        counts = np.bincount(inverse, minlength=len(keys)).astype(np.int64)
        values = np.bincount(inverse, weights=w, minlength=len(keys))
        ucol = keys % ncols + c0
        urow = keys // ncols + r0
    else:
        counts = np.zeros(0, dtype=np.int64)
        values = np.zeros(0)
        ucol = np.zeros(0, dtype=np.int64)
        urow = np.zeros(0, dtype=np.int64)
    cells = pd.DataFrame(
        {
            "cell_id": cell_ids(ucol, urow, size),
            "col": ucol.astype(np.int64),
            "row": urow.astype(np.int64),
            "x0": ucol * size,
            "y0": urow * size,
            "count": counts,
            "value": values.astype(float),
        }
    )
    return CellCounts(
        cells=cells,
        cell_size=size,
        n_located=int(mask.sum()),
        n_unlocated=int((~mask).sum()),
        weighted=weight is not None,
    )


def cell_polygons(cells: pd.DataFrame, cell_size: float) -> gpd.GeoDataFrame:
    """Square polygons (EPSG:27700) for a frame with ``col`` and ``row`` columns.

    All other columns are kept, so the result can be passed straight to a map.

    Examples
    --------
    >>> gdf = cell_polygons(pd.DataFrame({"col": [1], "row": [2], "count": [5]}), 100)
    >>> gdf.geometry.iloc[0].bounds, gdf.crs.to_epsg()
    ((100.0, 200.0, 200.0, 300.0), 27700)
    """
    require_columns(cells, ["col", "row"], "drawing grid cells")
    size = check_cell_size(cell_size)
    col = cells["col"].to_numpy(dtype=float)
    row = cells["row"].to_numpy(dtype=float)
    geometry = shapely.box(col * size, row * size, (col + 1) * size, (row + 1) * size)
    return gpd.GeoDataFrame(cells.copy(), geometry=geometry, crs=CRS)
