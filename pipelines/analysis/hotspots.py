"""Where ASB concentrates: density surfaces, Gi* hot spots, emerging hot spots, hot dots, harm.

Methods
-------
- :func:`kernel_density`: a kernel density surface (quartic or Gaussian) on square cells, with
  the bandwidth used reported.
- :func:`getis_ord_gi_star` / :func:`gi_star_hotspots`: the Getis-Ord Gi* statistic on grid
  cells with binary weights (self included), analytic z-scores and p-values, a
  Benjamini-Hochberg false discovery rate correction and hot/cold classes at 99/95/90%.
- :func:`emerging_hotspots`: monthly Gi* per cell plus a Mann-Kendall trend test on each cell's
  z-scores, labelled new / consecutive / intensifying / persistent / diminishing / sporadic /
  oscillating / historical hot (or cold) spot, or no pattern.
- :func:`hot_dots`: the repeat locations with the most incidents and their share of the total.
- :func:`harm_weights`: a harm weight per incident from its category or the victim's risk band.

References: Getis and Ord (1992), Ord and Getis (1995) for Gi*; Benjamini and Hochberg (1995);
Chainey (2013) for the default bandwidth; the space-time pattern categories follow the
published definitions of ArcGIS Pro's Emerging Hot Spot Analysis (reimplemented here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.spatial import cKDTree

from ._common import AnalysisProblem, located, require_columns, weights_of
from ._kernels import kernel_matrix
from .grid import cell_ids, cell_polygons, check_cell_size, count_by_cell

__all__ = [
    "DEFAULT_CATEGORY_WEIGHTS",
    "DEFAULT_RISK_BAND_WEIGHTS",
    "DensitySurface",
    "default_bandwidth",
    "kernel_density",
    "neighbour_matrix",
    "benjamini_hochberg",
    "GiStarResult",
    "getis_ord_gi_star",
    "gi_star_hotspots",
    "EmergingHotspots",
    "EMERGING_CATEGORIES",
    "emerging_hotspots",
    "classify_emerging",
    "HotDots",
    "hot_dots",
    "harm_weights",
]

#: Default harm weight per ASB category (configurable: pass your own mapping).
DEFAULT_CATEGORY_WEIGHTS: dict[str, float] = {"personal": 3.0, "nuisance": 2.0, "environmental": 1.0}
#: Default harm weight per Risk Assessment Matrix band (configurable).
DEFAULT_RISK_BAND_WEIGHTS: dict[str, float] = {"high": 3.0, "medium": 2.0, "standard": 1.0}

_CONFIDENCE_LEVELS = (99, 95, 90)


# --------------------------------------------------------------------------------------------
# (a) kernel density
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DensitySurface:
    """A kernel density surface on square cells.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per cell: ``cell_id``, ``col``, ``row``, ``x``, ``y`` (cell centre) and
        ``density`` (incidents, or harm-weighted incidents, per square kilometre).
    cell_size : float
        Cell side in metres.
    bandwidth : float
        Bandwidth used, in metres (quartic: the search radius; Gaussian: the standard
        deviation, with the kernel cut off at four bandwidths).
    bandwidth_rule : str
        How the bandwidth was chosen, in words.
    kernel : str
        ``"quartic"`` or ``"gaussian"``.
    n_incidents : int
        Located incidents used.
    n_unlocated : int
        Incidents left out because they have no location.
    """

    cells: pd.DataFrame
    cell_size: float
    bandwidth: float
    bandwidth_rule: str
    kernel: str
    n_incidents: int
    n_unlocated: int
    units: str = "incidents per square kilometre"

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The cells as square polygons (EPSG:27700) with their density."""
        return cell_polygons(self.cells, self.cell_size)


def default_bandwidth(easting: np.ndarray, northing: np.ndarray) -> float:
    """Default bandwidth: one thirtieth of the shorter side of the points' bounding rectangle.

    This is Chainey's (2013) rule of thumb for crime hotspot maps (cell size = shorter side /
    150, bandwidth = five cells), rounded to the metre. When the points lie on a line the longer
    side is used; when they are all at one place the bandwidth is 100 m.

    Examples
    --------
    >>> default_bandwidth(np.array([0.0, 9000.0]), np.array([0.0, 3000.0]))
    100.0
    """
    e = np.asarray(easting, dtype=float)
    n = np.asarray(northing, dtype=float)
    if len(e) == 0:
        raise AnalysisProblem("no located incidents to choose a bandwidth from")
    sides = sorted([float(np.ptp(e)), float(np.ptp(n))])
    side = sides[0] if sides[0] > 0 else sides[1]
    if side <= 0:
        return 100.0
    return float(max(1.0, round(side / 30.0)))


def kernel_density(
    incidents: pd.DataFrame,
    *,
    cell_size: float = 50.0,
    bandwidth: float | None = None,
    kernel: Literal["quartic", "gaussian"] = "quartic",
    weight: str | None = None,
) -> DensitySurface:
    """Kernel density surface of incidents on square BNG cells.

    The surface covers the rectangle spanning the located incidents, widened on every side by
    one bandwidth (quartic) or three (Gaussian), on cells aligned to multiples of
    ``cell_size``; density is evaluated at each cell's centre.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Needs ``easting`` and ``northing``; unlocated rows are counted in ``n_unlocated``.
    cell_size : float, default 50
        Output cell side in metres.
    bandwidth : float, optional
        Metres. Default: :func:`default_bandwidth` (Chainey's rule of thumb), reported in the
        result.
    kernel : {"quartic", "gaussian"}, default "quartic"
    weight : str, optional
        Column of harm weights (see :func:`harm_weights`).

    Returns
    -------
    DensitySurface

    Examples
    --------
    One incident, quartic kernel of 100 m: the density at the point is 3 / (pi h^2) per m^2.

    >>> df = pd.DataFrame({"easting": [1025.0], "northing": [1025.0]})
    >>> s = kernel_density(df, cell_size=50, bandwidth=100)
    >>> peak = s.cells.loc[s.cells["density"].idxmax()]
    >>> peak["cell_id"], round(float(peak["density"]), 2), round(3 / (np.pi * 100**2) * 1e6, 2)
    ('E1000N1000', 95.49, 95.49)
    """
    require_columns(incidents, ["easting", "northing"], "a density map")
    size = check_cell_size(cell_size)
    mask = located(incidents)
    if not mask.any():
        raise AnalysisProblem("a density map needs at least one located incident; none has one")
    w = weights_of(incidents, weight)[mask]
    e = pd.to_numeric(incidents["easting"], errors="coerce").to_numpy(dtype=float)[mask]
    n = pd.to_numeric(incidents["northing"], errors="coerce").to_numpy(dtype=float)[mask]
    if bandwidth is None:
        h = default_bandwidth(e, n)
        rule = (
            f"default: shorter side of the incidents' bounding rectangle / 30 = {h:g} m "
            "(Chainey 2013)"
        )
    else:
        h = float(bandwidth)
        rule = f"given: {h:g} m"
    xy, inverse = np.unique(np.c_[e, n], axis=0, return_inverse=True)
    mass = np.bincount(inverse.ravel(), weights=w, minlength=len(xy))
    margin = h if kernel == "quartic" else 3.0 * h
    c0 = int(np.floor((e.min() - margin) / size))
    c1 = int(np.floor((e.max() + margin) / size))
    r0 = int(np.floor((n.min() - margin) / size))
    r1 = int(np.floor((n.max() + margin) / size))
    n_cells = (c1 - c0 + 1) * (r1 - r0 + 1)
    if n_cells > 5_000_000:
        raise AnalysisProblem(
            f"the density surface would have {n_cells:,} cells; use a larger cell_size "
            f"(got {size:g} m)"
        )
    rows, cols = np.divmod(np.arange(n_cells), c1 - c0 + 1)
    col = cols + c0
    row = rows + r0
    centres = np.c_[(col + 0.5) * size, (row + 0.5) * size]
    K = kernel_matrix(centres, xy, h, kernel)
    density = np.asarray(K @ mass).ravel() * 1e6
    cells = pd.DataFrame(
        {
            "cell_id": cell_ids(col, row, size),
            "col": col.astype(np.int64),
            "row": row.astype(np.int64),
            "x": centres[:, 0],
            "y": centres[:, 1],
            "density": density,
        }
    )
    return DensitySurface(
        cells=cells,
        cell_size=size,
        bandwidth=h,
        bandwidth_rule=rule,
        kernel=kernel,
        n_incidents=int(mask.sum()),
        n_unlocated=int((~mask).sum()),
    )


# --------------------------------------------------------------------------------------------
# (b) Getis-Ord Gi*
# --------------------------------------------------------------------------------------------


def neighbour_matrix(
    col: np.ndarray,
    row: np.ndarray,
    *,
    neighbourhood: Literal["queen", "distance"] = "queen",
    order: int = 1,
    distance: float | None = None,
    cell_size: float | None = None,
    include_self: bool = True,
) -> sp.csr_matrix:
    """Binary neighbour matrix between grid cells.

    Parameters
    ----------
    col, row : array of int
        Cell columns and rows.
    neighbourhood : {"queen", "distance"}, default "queen"
        ``"queen"``: cells within ``order`` steps in any direction, diagonals included (order 1
        is the 8 surrounding cells, order 2 the 24 of a 5 x 5 block). ``"distance"``: cells whose
        centres are within ``distance`` metres (needs ``cell_size``).
    include_self : bool, default True
        Put ones on the diagonal (Gi* counts each cell in its own neighbourhood).

    Examples
    --------
    >>> W = neighbour_matrix(np.array([0, 1, 2]), np.array([0, 0, 0]))
    >>> W.toarray().astype(int).tolist()
    [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
    >>> W = neighbour_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), neighbourhood="distance",
    ...                      distance=250, cell_size=250, include_self=False)
    >>> W.toarray().astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    """
    col = np.asarray(col, dtype=float)
    row = np.asarray(row, dtype=float)
    pts = np.c_[col, row]
    n = len(pts)
    if neighbourhood == "queen":
        if int(order) != order or order < 1:
            raise AnalysisProblem(f"order must be a whole number of cells >= 1 (got {order!r})")
        radius, p = float(order), np.inf
    elif neighbourhood == "distance":
        if distance is None or cell_size is None or distance <= 0:
            raise AnalysisProblem(
                "a distance neighbourhood needs a positive distance (metres) and the cell_size"
            )
        radius, p = float(distance) / check_cell_size(cell_size), 2.0
    else:
        raise AnalysisProblem(
            f"neighbourhood must be 'queen' or 'distance' (got {neighbourhood!r})"
        )
    if n == 0:
        return sp.csr_matrix((0, 0))
    pairs = cKDTree(pts).query_pairs(radius + 1e-9, p=p, output_type="ndarray")
    i = np.r_[pairs[:, 0], pairs[:, 1]]
    j = np.r_[pairs[:, 1], pairs[:, 0]]
    if include_self:
        i = np.r_[i, np.arange(n)]
        j = np.r_[j, np.arange(n)]
    return sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))


def _gi_star_z(W: sp.csr_matrix, x: np.ndarray) -> np.ndarray:
    """Gi* z-scores for binary ``W`` (self included); ``x`` is (n,) or (n, k) for k series."""
    x = np.asarray(x, dtype=float)
    n = W.shape[0]
    wi = np.asarray(W.sum(axis=1)).ravel()
    w2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()
    mean = x.mean(axis=0)
    sd = np.sqrt(np.maximum((x**2).mean(axis=0) - mean**2, 0.0))
    local = W @ x
    if x.ndim == 2:
        wi_, w2_ = wi[:, None], w2[:, None]
    else:
        wi_, w2_ = wi, w2
    den = sd * np.sqrt(np.maximum(n * w2_ - wi_**2, 0.0) / max(n - 1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local - mean * wi_) / den
    return np.where(den > 0, z, np.nan)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); missing p-values stay missing.

    A test is significant at false discovery rate ``alpha`` when its q-value is <= alpha.

    Examples
    --------
    >>> np.round(benjamini_hochberg(np.array([0.01, 0.04, 0.03, np.nan, 0.5])), 4).tolist()
    [0.04, 0.0533, 0.0533, nan, 0.5]
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    pv = p[ok]
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(ranked, 1.0)
    q[ok] = out
    return q


def _classify(z: np.ndarray, p_used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed confidence (99/95/90, negative for cold, 0 not significant) and labels."""
    conf = np.zeros(z.shape, dtype=np.int64)
    for level in sorted(_CONFIDENCE_LEVELS):  # 90, 95, 99: higher levels overwrite
        alpha = 1 - level / 100
        conf = np.where(np.nan_to_num(p_used, nan=1.0) <= alpha + 1e-12, level, conf)
    conf = np.where(np.nan_to_num(z) < 0, -conf, conf)
    labels = np.where(
        conf > 0,
        np.char.add("hot spot ", np.char.add(np.abs(conf).astype(str), "%")),
        np.where(
            conf < 0,
            np.char.add("cold spot ", np.char.add(np.abs(conf).astype(str), "%")),
            "not significant",
        ),
    )
    return conf, labels.astype(object)


@dataclass(frozen=True)
class GiStarResult:
    """Getis-Ord Gi* per cell.

    Attributes
    ----------
    cells : pandas.DataFrame
        The input cells with added columns ``n_neighbours`` (self included), ``z``, ``p``
        (two-sided, normal approximation), ``q`` (Benjamini-Hochberg adjusted), ``confidence``
        (99, 95, 90 for hot spots, -99, -95, -90 for cold spots, 0 not significant) and
        ``label`` (e.g. "hot spot 95%").
    neighbourhood : str
        The neighbourhood in words.
    fdr : bool
        Whether confidence uses the FDR-adjusted ``q`` (True) or raw ``p``.
    cell_size : float or None
    """

    cells: pd.DataFrame
    neighbourhood: str
    fdr: bool
    cell_size: float | None = None

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The cells as polygons (EPSG:27700), for the map."""
        if self.cell_size is None:
            raise AnalysisProblem("this Gi* result has no cell_size, so cells cannot be drawn")
        return cell_polygons(self.cells, self.cell_size)


def _describe_neighbourhood(neighbourhood: str, order: int, distance: float | None) -> str:
    if neighbourhood == "queen":
        side = 2 * order + 1
        return f"queen contiguity of order {order} ({side} x {side} block of cells, self included)"
    return f"cells whose centres are within {distance:g} m (self included)"


def getis_ord_gi_star(
    cells: pd.DataFrame,
    *,
    value: str = "count",
    neighbourhood: Literal["queen", "distance"] = "queen",
    order: int = 1,
    distance: float | None = None,
    cell_size: float | None = None,
    fdr: bool = True,
) -> GiStarResult:
    """Getis-Ord Gi* hot and cold spots on grid cells (binary weights, self included).

    ``z_i = (sum_j w_ij x_j - xbar W_i) / (s sqrt((n W_i - W_i^2) / (n - 1)))`` where ``W_i`` is
    the number of cells in the neighbourhood of ``i`` (itself included), ``xbar`` and ``s`` the
    mean and (population) standard deviation over all ``n`` cells given. Only the cells passed
    take part: pass empty cells with zero counts (``count_by_cell(..., extent="bbox")``) to
    compare against the whole rectangle.

    Parameters
    ----------
    cells : pandas.DataFrame
        Needs ``col``, ``row`` and ``value``.
    value : str, default "count"
        Column to analyse (``"value"`` for harm-weighted counts).
    neighbourhood, order, distance, cell_size
        See :func:`neighbour_matrix`.
    fdr : bool, default True
        Classify on Benjamini-Hochberg adjusted p-values (recommended: hundreds of cells are
        tested at once).

    Returns
    -------
    GiStarResult

    Examples
    --------
    A 3 x 3 grid with 9 incidents in the centre cell and 1 in each other cell (n = 9, mean
    17/9, sd sqrt(89/9 - (17/9)^2) = 2.514). A corner sees 4 cells holding 12 incidents:
    z = (12 - 4 * 17/9) / (2.514 * sqrt((9 * 4 - 16) / 8)) = 1.118. The centre's neighbourhood is
    the whole grid, so its z is undefined (NaN, not significant).

    >>> cells = pd.DataFrame({"col": [0, 1, 2] * 3, "row": [0] * 3 + [1] * 3 + [2] * 3,
    ...                       "count": [1, 1, 1, 1, 9, 1, 1, 1, 1]})
    >>> res = getis_ord_gi_star(cells)
    >>> np.round(res.cells["z"].to_numpy()[[0, 1, 4]], 3).tolist()
    [1.118, 0.707, nan]
    >>> res.cells["label"].iloc[0]
    'not significant'
    """
    require_columns(cells, ["col", "row", value], "a Gi* hot spot analysis")
    if len(cells) < 3:
        raise AnalysisProblem(f"Gi* needs at least 3 cells (got {len(cells)})")
    x = pd.to_numeric(cells[value], errors="coerce").to_numpy(dtype=float)
    if np.isnan(x).any():
        raise AnalysisProblem(f"column {value!r} has missing or non-numeric values")
    W = neighbour_matrix(
        cells["col"].to_numpy(),
        cells["row"].to_numpy(),
        neighbourhood=neighbourhood,
        order=order,
        distance=distance,
        cell_size=cell_size,
    )
    z = _gi_star_z(W, x)
    p = 2 * stats.norm.sf(np.abs(z))
    q = benjamini_hochberg(p)
    conf, labels = _classify(z, q if fdr else p)
    out = cells.copy()
    out["n_neighbours"] = np.asarray(W.sum(axis=1)).ravel().astype(np.int64)
    out["z"] = z
    out["p"] = p
    out["q"] = q
    out["confidence"] = conf
    out["label"] = labels
    return GiStarResult(
        cells=out,
        neighbourhood=_describe_neighbourhood(neighbourhood, order, distance),
        fdr=fdr,
        cell_size=cell_size,
    )


def gi_star_hotspots(
    incidents: pd.DataFrame,
    cell_size: float = 250,
    *,
    weight: str | None = None,
    neighbourhood: Literal["queen", "distance"] = "queen",
    order: int = 1,
    distance: float | None = None,
    fdr: bool = True,
) -> GiStarResult:
    """Count incidents on a grid (every cell of the data's rectangle) and run Gi* on it.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"easting": np.r_[rng.uniform(0, 2500, 100), rng.normal(1250, 60, 60)],
    ...                    "northing": np.r_[rng.uniform(0, 2500, 100), rng.normal(1250, 60, 60)]})
    >>> res = gi_star_hotspots(df, cell_size=250)
    >>> res.cells.sort_values("z").iloc[-1]["label"]
    'hot spot 99%'
    """
    counts = count_by_cell(incidents, cell_size, weight=weight, extent="bbox")
    return getis_ord_gi_star(
        counts.cells,
        value="value" if weight else "count",
        neighbourhood=neighbourhood,
        order=order,
        distance=distance,
        cell_size=counts.cell_size,
        fdr=fdr,
    )


# --------------------------------------------------------------------------------------------
# (c) emerging hot spots
# --------------------------------------------------------------------------------------------

EMERGING_CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)


def classify_emerging(
    status: np.ndarray, trend: str, *, share: float = 0.9
) -> str:
    """Name the space-time pattern of one cell from its monthly hot/cold status and trend.

    Parameters
    ----------
    status : array of int
        Per month, oldest first: 1 significant hot spot, -1 significant cold spot, 0 neither.
    trend : {"increasing", "decreasing", "no trend"}
        Mann-Kendall trend of the cell's Gi* z-scores. For a cold spot pass the trend of the
        z-scores as they are (a cold spot intensifies when its z-scores decrease).
    share : float, default 0.9
        Share of months that makes a pattern long-standing.

    Rules (hot spots; cold spots mirror them with the signs swapped)
    -----------------------------------------------------------------
    Let *final* be the last month and *hot share* the share of months that were hot.

    1. **intensifying** / **persistent** / **diminishing**: hot share at least ``share``
       including the final month, with a significant increasing trend / no significant trend /
       a significant decreasing trend in the z-scores.
    2. **oscillating**: hot in the final month, hot share under ``share``, and cold in some
       earlier month.
    3. **new**: hot in the final month and never before (and never cold).
    4. **consecutive**: the final month ends an unbroken run of at least two hot months, there
       was no hot month before that run, and the hot share is under ``share``.
    5. **sporadic**: hot in the final month, hot share under ``share``, on and off before,
       never cold.
    6. **historical**: not hot in the final month but hot share at least ``share``.
    7. otherwise **no pattern**. Hot patterns are checked before cold ones.

    Examples
    --------
    >>> classify_emerging(np.array([0, 0, 0, 1]), "no trend")
    'new hot spot'
    >>> classify_emerging(np.array([0, 0, 1, 1]), "increasing")
    'consecutive hot spot'
    >>> classify_emerging(np.ones(10, int), "increasing")
    'intensifying hot spot'
    >>> classify_emerging(np.r_[np.ones(9, int), 0, 1], "no trend")
    'persistent hot spot'
    >>> classify_emerging(-np.ones(10, int), "increasing")
    'diminishing cold spot'
    >>> classify_emerging(np.array([1, 0, 1, 0, 1]), "no trend")
    'sporadic hot spot'
    >>> classify_emerging(np.array([-1, 0, 0, 1]), "no trend")
    'oscillating hot spot'
    >>> classify_emerging(np.r_[np.ones(10, int), 0], "no trend")
    'historical hot spot'
    >>> classify_emerging(np.array([0, 0, 0, 0]), "no trend")
    'no pattern'
    """
    s = np.asarray(status, dtype=int)
    n = len(s)
    if n == 0:
        return "no pattern"
    for sign, kind, up, down in ((1, "hot", "increasing", "decreasing"),
                                 (-1, "cold", "decreasing", "increasing")):
        is_k = s == sign
        frac = is_k.sum() / n
        long_standing = frac >= share - 1e-12
        if is_k[-1]:
            if long_standing:
                if trend == up:
                    return f"intensifying {kind} spot"
                if trend == down:
                    return f"diminishing {kind} spot"
                return f"persistent {kind} spot"
            if (s[:-1] == -sign).any():
                return f"oscillating {kind} spot"
            if not is_k[:-1].any():
                return f"new {kind} spot"
            not_k = np.nonzero(~is_k)[0]
            run_start = not_k[-1] + 1  # start of the final unbroken run (not long-standing)
            if n - run_start >= 2 and not is_k[:run_start].any():
                return f"consecutive {kind} spot"
            return f"sporadic {kind} spot"
        if long_standing:
            return f"historical {kind} spot"
    return "no pattern"


@dataclass(frozen=True)
class EmergingHotspots:
    """Emerging hot spot analysis: monthly Gi* per cell and its space-time pattern.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per cell: ``cell_id``, ``col``, ``row``, ``total`` (incidents over all
        months), ``n_hot``, ``n_cold`` (significant months), ``final_status``
        (1 hot, -1 cold, 0 neither), ``trend`` ("increasing", "decreasing", "no trend"),
        ``trend_p``, ``tau`` (Mann-Kendall), and ``pattern`` (e.g. "new hot spot").
    z : pandas.DataFrame
        Gi* z-scores, one row per cell (same order) and one column per month.
    months : pandas.DatetimeIndex
    cell_size : float
    neighbourhood : str
    confidence : int
        Minimum confidence (%) for a month to count as a significant hot or cold spot.
    """

    cells: pd.DataFrame
    z: pd.DataFrame
    months: pd.DatetimeIndex
    cell_size: float
    neighbourhood: str
    confidence: int
    summary: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The cells as polygons (EPSG:27700) with their pattern, for the map."""
        return cell_polygons(self.cells, self.cell_size)


def emerging_hotspots(
    incidents: pd.DataFrame,
    cell_size: float = 250,
    *,
    neighbourhood: Literal["queen", "distance"] = "queen",
    order: int = 1,
    distance: float | None = None,
    confidence: Literal[90, 95, 99] = 90,
    fdr: bool = True,
    trend_alpha: float = 0.05,
    share: float = 0.9,
    weight: str | None = None,
) -> EmergingHotspots:
    """Emerging hot spots: where ASB clusters are new, growing, lasting or fading, month by month.

    Each month's counts on the grid (every cell of the rectangle spanning all located incidents)
    get a Gi* z-score per cell (:func:`getis_ord_gi_star`, same neighbourhood every month); a
    cell is a significant hot (cold) spot in a month when its confidence after the FDR
    correction within that month is at least ``confidence``. The Mann-Kendall test
    (``pymannkendall.original_test``) on each cell's monthly z-scores gives the trend, and
    :func:`classify_emerging` names the pattern. Cells never significant are "no pattern".

    Needs at least 4 months. Uses the ``month`` column, so month-only police.uk rows count.

    Examples
    --------
    A cluster that appears only in the last of six months is a new hot spot.

    >>> rng = np.random.default_rng(1)
    >>> months = np.repeat(pd.date_range("2024-01-01", periods=6, freq="MS"), 60)
    >>> e = rng.uniform(0, 2500, 360); n = rng.uniform(0, 2500, 360)
    >>> burst = np.nonzero(months == months.max())[0][:40]
    >>> e[burst] = 1300.0
    >>> n[burst] = 1300.0
    >>> res = emerging_hotspots(pd.DataFrame({"easting": e, "northing": n, "month": months}))
    >>> res.cells.set_index("cell_id").loc["E1250N1250", "pattern"]
    'new hot spot'
    """
    require_columns(incidents, ["easting", "northing", "month"], "an emerging hot spot analysis")
    size = check_cell_size(cell_size)
    if confidence not in _CONFIDENCE_LEVELS:
        raise AnalysisProblem(f"confidence must be 90, 95 or 99 (got {confidence!r})")
    mask = located(incidents)
    inc = incidents.loc[mask]
    month = pd.to_datetime(inc["month"]).dt.to_period("M").dt.to_timestamp()
    if month.isna().any():
        raise AnalysisProblem("some located incidents have no month; every row needs a month")
    if len(inc) == 0:
        raise AnalysisProblem("an emerging hot spot analysis needs located incidents")
    months = pd.date_range(month.min(), month.max(), freq="MS")
    if len(months) < 4:
        raise AnalysisProblem(
            f"an emerging hot spot analysis needs at least 4 months of data (got {len(months)})"
        )
    grid = count_by_cell(inc, size, weight=weight, extent="bbox").cells
    e = inc["easting"].to_numpy(dtype=float)
    n = inc["northing"].to_numpy(dtype=float)
    col = np.floor(e / size).astype(np.int64)
    row = np.floor(n / size).astype(np.int64)
    c0, r0 = grid["col"].min(), grid["row"].min()
    ncols = int(grid["col"].max() - c0 + 1)
    flat = (row - r0) * ncols + (col - c0)  # grid rows are in this order (bbox, row-major)
    mi = ((month.dt.year - months[0].year) * 12 + month.dt.month - months[0].month).to_numpy()
    w = weights_of(inc, weight)
    X = np.zeros((len(grid), len(months)))
    np.add.at(X, (flat, mi), w)
    W = neighbour_matrix(
        grid["col"].to_numpy(), grid["row"].to_numpy(), neighbourhood=neighbourhood,
        order=order, distance=distance, cell_size=size,
    )
    Z = _gi_star_z(W, X)
    P = 2 * stats.norm.sf(np.abs(Z))
    status = np.zeros(Z.shape, dtype=np.int64)
    alpha = 1 - confidence / 100
    for m in range(len(months)):
        q = benjamini_hochberg(P[:, m]) if fdr else P[:, m]
        sig = np.nan_to_num(q, nan=1.0) <= alpha + 1e-12
        status[:, m] = np.where(sig, np.sign(np.nan_to_num(Z[:, m])), 0)
    trend = np.full(len(grid), "no trend", dtype=object)
    trend_p = np.full(len(grid), np.nan)
    tau = np.full(len(grid), np.nan)
    pattern = np.full(len(grid), "no pattern", dtype=object)
    import pymannkendall

    for i in np.nonzero((status != 0).any(axis=1))[0]:
        zi = np.nan_to_num(Z[i], nan=0.0)
        res = pymannkendall.original_test(zi, alpha=trend_alpha)
        trend[i] = str(res.trend)
        trend_p[i] = float(res.p)
        tau[i] = float(res.Tau)
        pattern[i] = classify_emerging(status[i], trend[i], share=share)
    cells = grid[["cell_id", "col", "row"]].copy()
    cells["total"] = X.sum(axis=1)
    cells["n_hot"] = (status == 1).sum(axis=1)
    cells["n_cold"] = (status == -1).sum(axis=1)
    cells["final_status"] = status[:, -1]
    cells["trend"] = trend
    cells["trend_p"] = trend_p
    cells["tau"] = tau
    cells["pattern"] = pattern
    z = pd.DataFrame(Z, index=cells["cell_id"].to_numpy(), columns=months)
    return EmergingHotspots(
        cells=cells,
        z=z,
        months=months,
        cell_size=size,
        neighbourhood=_describe_neighbourhood(neighbourhood, order, distance),
        confidence=int(confidence),
        summary=cells["pattern"].value_counts(),
    )


# --------------------------------------------------------------------------------------------
# (d) hot dots
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotDots:
    """The repeat locations with the most incidents.

    Attributes
    ----------
    locations : pandas.DataFrame
        ``rank``, ``location_key``, ``count``, ``share`` (of all incidents given),
        ``cumulative_share``, ``easting``, ``northing`` (mean of the located incidents) and
        ``value`` (sum of weights; equals ``count`` unweighted), most incidents first.
    n_incidents : int
        All incidents given (the denominator of ``share``).
    n_without_location : int
        Incidents with no ``location_key`` (the warehouse gives none to a report whose address
        names only a town, a kind of place or no place, and gives no full postcode), left out
        of the ranking.
    """

    locations: pd.DataFrame
    n_incidents: int
    n_without_location: int


def hot_dots(
    incidents: pd.DataFrame,
    top: int = 20,
    *,
    key: str = "location_key",
    weight: str | None = None,
) -> HotDots:
    """Top repeat locations by incident count, with each one's share of all incidents.

    Ties in count are ordered by ``location_key`` so the list is stable.

    Examples
    --------
    >>> df = pd.DataFrame({"location_key": ["a", "b", "a", "c", "a", None],
    ...                    "easting": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
    ...                    "northing": [0.0] * 6})
    >>> res = hot_dots(df, top=2)
    >>> res.locations[["location_key", "count", "share", "cumulative_share"]].values.tolist()
    [['a', 3, 0.5, 0.5], ['b', 1, 0.16666666666666666, 0.6666666666666666]]
    >>> res.n_without_location
    1
    """
    require_columns(incidents, [key], "a hot dot list")
    if int(top) < 1:
        raise AnalysisProblem(f"top must be at least 1 (got {top!r})")
    total = len(incidents)
    has = incidents[key].notna() & (incidents[key].astype(str).str.len() > 0)
    sub = incidents.loc[has].copy()
    sub["_w"] = weights_of(sub, weight)
    if {"easting", "northing"} <= set(sub.columns):
        e = pd.to_numeric(sub["easting"], errors="coerce")
        n = pd.to_numeric(sub["northing"], errors="coerce")
    else:
        e = n = pd.Series(np.nan, index=sub.index)
    sub["_e"] = e
    sub["_n"] = n
    g = sub.groupby(key, sort=False).agg(
        count=("_w", "size"), value=("_w", "sum"), easting=("_e", "mean"), northing=("_n", "mean")
    )
    g = g.reset_index().sort_values(["count", key], ascending=[False, True]).head(int(top))
    g["share"] = g["count"] / total if total else np.nan
    g["cumulative_share"] = g["share"].cumsum()
    g.insert(0, "rank", np.arange(1, len(g) + 1))
    cols = ["rank", key, "count", "share", "cumulative_share", "easting", "northing", "value"]
    return HotDots(
        locations=g[cols].reset_index(drop=True),
        n_incidents=total,
        n_without_location=int((~has).sum()),
    )


# --------------------------------------------------------------------------------------------
# (e) harm weights
# --------------------------------------------------------------------------------------------


def harm_weights(
    incidents: pd.DataFrame,
    *,
    category_weights: Mapping[str, float] | None = None,
    risk_band_weights: Mapping[str, float] | None = None,
    risk_column: str = "risk_band",
    default: float = 1.0,
) -> pd.Series:
    """A harm weight per incident, for weighted counts and maps.

    The victim's risk band is used where it is known (``risk_column`` present and its value in
    ``risk_band_weights``); otherwise the ASB category (``category_weights``); otherwise
    ``default``. Values are matched ignoring case and surrounding spaces. Put the result in a
    ``weight`` column and pass ``weight="weight"`` to the counting functions.

    Parameters
    ----------
    category_weights : mapping, optional
        Default :data:`DEFAULT_CATEGORY_WEIGHTS` (personal 3, nuisance 2, environmental 1).
    risk_band_weights : mapping, optional
        Default :data:`DEFAULT_RISK_BAND_WEIGHTS` (high 3, medium 2, standard 1).

    Examples
    --------
    >>> df = pd.DataFrame({"category": ["personal", "Nuisance", None, "environmental"],
    ...                    "risk_band": [None, "high", None, None]})
    >>> harm_weights(df).tolist()
    [3.0, 3.0, 1.0, 1.0]
    >>> harm_weights(df, category_weights={"personal": 5}).tolist()
    [5.0, 3.0, 1.0, 1.0]
    """
    cw = {str(k).strip().lower(): float(v) for k, v in
          (category_weights or DEFAULT_CATEGORY_WEIGHTS).items()}
    rw = {str(k).strip().lower(): float(v) for k, v in
          (risk_band_weights or DEFAULT_RISK_BAND_WEIGHTS).items()}
    for name, mapping in (("category_weights", cw), ("risk_band_weights", rw)):
        bad = [k for k, v in mapping.items() if not np.isfinite(v) or v < 0]
        if bad:
            raise AnalysisProblem(f"{name} must be numbers >= 0; check: {', '.join(bad)}")
    out = pd.Series(float(default), index=incidents.index, dtype=float)
    if "category" in incidents.columns:
        cat = incidents["category"].astype("object").where(incidents["category"].notna(), None)
        mapped = cat.map(lambda v: cw.get(str(v).strip().lower()) if v is not None else None)
        out = mapped.astype(float).fillna(out)
    if risk_column in incidents.columns:
        band = incidents[risk_column].astype("object").where(incidents[risk_column].notna(), None)
        mapped = band.map(lambda v: rw.get(str(v).strip().lower()) if v is not None else None)
        out = mapped.astype(float).fillna(out)
    return out.rename("weight")
