"""Next-month hotspot forecasts and their backtest (how well each method would have done).

Protocol (:func:`backtest`)
---------------------------
- Cells: squares of ``cell_size`` metres on the British National Grid, aligned to multiples of
  the cell size. Study area: every cell holding at least one located ASB incident anywhere in
  the data (``N`` cells).
- For each month after the first three, each method scores the cells using earlier months
  only. The top ``floor(N * coverage)`` cells are flagged; ties are broken by the count over
  all earlier months (higher first), then by cell position (south to north, then west to
  east).
- Hit rate: share of that month's located incidents inside the flagged cells.
  PAI (predictive accuracy index) = hit rate / coverage (the coverage asked for; the flagged
  share of the area, ``floor(N * coverage) / N``, is at most that, so PAI is conservative).
  PEI* (predictive efficiency index) = hits / the most incidents any set of that many cells
  could have caught that month (1 = as good as hindsight).

Methods
-------
- ``naive``: the count over the previous three months.
- ``kde``: a quartic kernel density of the previous three months' incidents (400 m bandwidth)
  at each cell's centre.
- ``prospective``: Bowers, Johnson and Pease (2004) style prospective mapping: each past
  incident adds ``1 / (1 + d)`` to cells within 400 m (``d`` in cell widths, 1 to its own
  cell), decayed exponentially with age (half-life one month).
- ``blend`` (the default): recent months weighted exponentially (half-life 1.5 months), plus a
  quarter of the long-term monthly average, plus 2% of the same from the eight neighbouring
  cells. Its three parameters were chosen on part of the Cleveland data (January-July 2022,
  all four council areas) and checked on the months held out (August-November 2022):
  ``benchmarks/backtest.py`` reruns the search and the held-out comparison.

A method is any object with a ``name`` and ``score(history, t)`` returning one score per
study cell from ``history.counts[:t]`` (months before ``t``); pass your own in ``methods``.

References: Bowers, Johnson and Pease (2004) Prospective hot-spotting, Brit. J. Criminology;
Chainey, Tompson and Uhlig (2008) for PAI; Hunt (2016) and the open_cp project for PEI*.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._common import AnalysisProblem, located, require_columns
from ._kernels import kernel_matrix
from .grid import cell_ids, cell_index, cell_polygons, check_cell_size
from .hotspots import neighbour_matrix

__all__ = [
    "CellHistory",
    "cell_history",
    "ForecastMethod",
    "Naive",
    "KernelDensityMethod",
    "Prospective",
    "Blend",
    "METHODS",
    "default_method",
    "Fold",
    "MethodBacktest",
    "BacktestResult",
    "backtest",
    "ForecastResult",
    "forecast",
]

#: The method the dashboard shows (see the module notes for how it was chosen).
default_method = "blend"

#: Months of history before the first backtest fold.
_FIRST_FOLD = 3
#: What a forecast says when no incident has a place on the map.
_NO_LOCATION = ("a hotspot forecast needs incidents with a location; none of the incidents "
                "chosen has one (for example housing reports without coordinates): choose "
                "another source or period")


# --------------------------------------------------------------------------------------------
# history
# --------------------------------------------------------------------------------------------


@dataclass
class CellHistory:
    """Monthly incident counts in the study cells, the input every method scores from.

    Attributes
    ----------
    months : pandas.DatetimeIndex
        Every month from the first to the last (months with no incidents included).
    col, row : numpy.ndarray
        Study cells' columns and rows, sorted by row then column (the tie-break order).
    cell_size : float
    counts : numpy.ndarray
        (months, cells) located incidents per month and cell.
    points : numpy.ndarray
        (locations, 2) distinct incident coordinates.
    point_counts : numpy.ndarray
        (months, locations) incidents per month at each distinct location.
    """

    months: pd.DatetimeIndex
    col: np.ndarray
    row: np.ndarray
    cell_size: float
    counts: np.ndarray
    points: np.ndarray
    point_counts: np.ndarray
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def n_cells(self) -> int:
        """Number of study cells."""
        return len(self.col)

    @property
    def centres(self) -> np.ndarray:
        """(cells, 2) cell centre coordinates in metres."""
        return np.c_[(self.col + 0.5) * self.cell_size, (self.row + 0.5) * self.cell_size]

    def cached(self, key: Any, make: Any) -> Any:
        """Memoise a derived object (neighbour or kernel matrix) on this history."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def cell_history(
    incidents: pd.DataFrame,
    cell_size: float = 250,
    *,
    months: pd.DatetimeIndex | None = None,
    count: str | None = None,
) -> CellHistory:
    """Build the :class:`CellHistory` of located incidents (study area: cells with any).

    One row per incident, or with ``count`` the name of a column saying how many incidents a
    row stands for (rows already counted per place and month, as the warehouse returns them:
    much faster on large warehouses).

    Examples
    --------
    >>> df = pd.DataFrame({"easting": [10.0, 20.0, 300.0], "northing": [10.0, 10.0, 10.0],
    ...                    "month": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-03-01"])})
    >>> h = cell_history(df, 250)
    >>> h.counts.tolist(), list(h.months.strftime("%Y-%m"))
    ([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]], ['2024-01', '2024-02', '2024-03'])
    >>> df["n"] = [2, 1, 3]
    >>> cell_history(df, 250, count="n").counts.tolist()
    [[2.0, 0.0], [0.0, 0.0], [1.0, 3.0]]
    """
    require_columns(incidents, ["easting", "northing", "month"] + ([count] if count else []),
                    "a hotspot forecast")
    size = check_cell_size(cell_size)
    month = pd.to_datetime(incidents["month"], errors="coerce")
    has_place = located(incidents)
    if not has_place.any():
        raise AnalysisProblem(_NO_LOCATION)
    ok = has_place & month.notna().to_numpy()
    if not ok.any():
        raise AnalysisProblem(
            "a hotspot forecast needs located incidents with a month; none of the located "
            "incidents has one"
        )
    m = month[ok].dt.to_period("M").dt.to_timestamp()
    if months is None:
        months = pd.date_range(m.min(), m.max(), freq="MS")
    e = incidents.loc[ok, "easting"].to_numpy(dtype=float)
    n = incidents.loc[ok, "northing"].to_numpy(dtype=float)
    w = (np.ones(len(e)) if count is None
         else pd.to_numeric(incidents.loc[ok, count], errors="coerce").fillna(0).to_numpy(float))
    mi = ((m.dt.year - months[0].year) * 12 + m.dt.month - months[0].month).to_numpy()
    inside = (mi >= 0) & (mi < len(months)) & (w > 0)
    e, n, mi, w = e[inside], n[inside], mi[inside], w[inside]
    col, row = cell_index(e, n, size)
    key = np.c_[row, col]
    cells, cell_of = np.unique(key, axis=0, return_inverse=True)
    cell_of = cell_of.ravel()
    counts = np.zeros((len(months), len(cells)))
    np.add.at(counts, (mi, cell_of), w)
    points, point_of = np.unique(np.c_[e, n], axis=0, return_inverse=True)
    point_counts = np.zeros((len(months), len(points)))
    np.add.at(point_counts, (mi, point_of.ravel()), w)
    return CellHistory(
        months=months,
        col=cells[:, 1].astype(np.int64),
        row=cells[:, 0].astype(np.int64),
        cell_size=size,
        counts=counts,
        points=points,
        point_counts=point_counts,
    )


# --------------------------------------------------------------------------------------------
# methods
# --------------------------------------------------------------------------------------------


class ForecastMethod(Protocol):
    """What a forecasting method provides."""

    @property
    def name(self) -> str:
        """Short name shown in tables."""
        ...

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        """One score per study cell for month ``t``, from ``history.counts[:t]`` only."""
        ...


def _decay_weights(t: int, half_life: float) -> np.ndarray:
    """Weights for months 0..t-1: 1 for the latest, halving every ``half_life`` months."""
    age = t - 1 - np.arange(t)
    return 0.5 ** (age / half_life)


@dataclass(frozen=True)
class Naive:
    """The count over the previous ``months`` months.

    Examples
    --------
    >>> h = CellHistory(pd.date_range("2024-01-01", periods=4, freq="MS"), np.array([0, 1]),
    ...                 np.array([0, 0]), 250.0, np.array([[5., 0.], [0., 1.], [1., 1.], [0., 9.]]),
    ...                 np.zeros((0, 2)), np.zeros((4, 0)))
    >>> Naive().score(h, 3).tolist()
    [6.0, 2.0]
    """

    months: int = 3
    name: str = "naive"

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        return history.counts[max(0, t - self.months) : t].sum(axis=0)


@dataclass(frozen=True)
class KernelDensityMethod:
    """Kernel density of the previous ``months`` months' incidents at each cell's centre.

    ``months=None`` uses every earlier month with equal weight.

    Examples
    --------
    Two incidents at the centre of cell 0; cell 1's centre is 250 m away (quartic, 400 m):

    >>> h = CellHistory(pd.date_range("2024-01-01", periods=1, freq="MS"), np.array([0, 1]),
    ...                 np.array([0, 0]), 250.0, np.array([[2.0, 0.0]]),
    ...                 np.array([[125.0, 125.0]]), np.array([[2.0]]))
    >>> s = KernelDensityMethod().score(h, 1) * np.pi * 400.0**2 / 3
    >>> np.round(s, 4).tolist()   # 2 * (1 - (d/h)^2)^2 at d = 0 and 250
    [2.0, 0.7427]
    """

    bandwidth: float = 400.0
    kernel: str = "quartic"
    months: int | None = 3
    name: str = "kde"

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        K = history.cached(
            ("kde", self.bandwidth, self.kernel),
            lambda: kernel_matrix(history.centres, history.points, self.bandwidth, self.kernel),
        )
        start = 0 if self.months is None else max(0, t - self.months)
        mass = history.point_counts[start:t].sum(axis=0)
        return np.asarray(K @ mass).ravel()


@dataclass(frozen=True)
class Prospective:
    """Prospective hot-spotting (Bowers, Johnson and Pease 2004), monthly.

    Each past incident adds ``0.5 ** (age / half_life) / (1 + d)`` to every cell whose centre is
    within ``bandwidth`` metres of its cell's centre, ``d`` being that distance in cell widths
    (own cell: 1) and ``age`` the months since (0 for last month).

    Examples
    --------
    >>> h = CellHistory(pd.date_range("2024-01-01", periods=2, freq="MS"), np.array([0, 1, 5]),
    ...                 np.array([0, 0, 0]), 250.0, np.array([[4.0, 0.0, 0.0], [2.0, 0.0, 0.0]]),
    ...                 np.zeros((0, 2)), np.zeros((2, 0)))
    >>> Prospective(half_life=1.0).score(h, 2).tolist()   # (2 + 4 * 0.5) at d = 0, 1 cell, far
    [4.0, 2.0, 0.0]
    """

    bandwidth: float = 400.0
    half_life: float = 1.0
    name: str = "prospective"

    def _spread(self, history: CellHistory) -> sp.csr_matrix:
        W = neighbour_matrix(
            history.col, history.row, neighbourhood="distance", distance=self.bandwidth,
            cell_size=history.cell_size, include_self=True,
        ).tocoo()
        d = np.hypot(history.col[W.row] - history.col[W.col], history.row[W.row] - history.row[W.col])
        return sp.csr_matrix((1.0 / (1.0 + d), (W.row, W.col)), shape=W.shape)

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        S = history.cached(("prospective", self.bandwidth), lambda: self._spread(history))
        recent = _decay_weights(t, self.half_life) @ history.counts[:t]
        return np.asarray(S @ recent).ravel()


@dataclass(frozen=True)
class Blend:
    """Recent counts (exponentially weighted) blended with the long-term average.

    ``score = r + long_term * a + neighbours * (sum over the 8 surrounding cells of r + long_term
    * a)``, where ``r`` is the exponentially weighted monthly average (weight halving every
    ``half_life`` months, latest month 1) and ``a`` the plain monthly average of all earlier
    months.

    Examples
    --------
    >>> h = CellHistory(pd.date_range("2024-01-01", periods=4, freq="MS"), np.array([0, 5]),
    ...                 np.array([0, 0]), 250.0, np.array([[9., 0.], [0., 3.], [0., 3.], [0., 0.]]),
    ...                 np.zeros((0, 2)), np.zeros((4, 0)))
    >>> s = Blend(half_life=1.0, long_term=0.0, neighbours=0.0).score(h, 3)
    >>> np.round(s, 3).tolist()   # (9*0.25)/1.75 against (3*0.5 + 3)/1.75
    [1.286, 2.571]
    """

    half_life: float = 1.5
    long_term: float = 0.25
    neighbours: float = 0.02
    name: str = "blend"

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        w = _decay_weights(t, self.half_life)
        past = history.counts[:t]
        own = (w @ past) / w.sum() + self.long_term * past.mean(axis=0)
        if self.neighbours:
            A = history.cached(
                ("queen", 1),
                lambda: neighbour_matrix(history.col, history.row, include_self=False),
            )
            own = own + self.neighbours * np.asarray(A @ own).ravel()
        return own


#: Built-in methods by name.
METHODS: dict[str, ForecastMethod] = {
    "naive": Naive(),
    "kde": KernelDensityMethod(),
    "prospective": Prospective(),
    "blend": Blend(),
}


def _resolve_methods(
    methods: Iterable[str] | Mapping[str, ForecastMethod] | None,
) -> dict[str, ForecastMethod]:
    if methods is None:
        return dict(METHODS)
    if isinstance(methods, Mapping):
        return dict(methods)
    out: dict[str, ForecastMethod] = {}
    for name in methods:
        if name not in METHODS:
            raise AnalysisProblem(
                f"unknown forecasting method {name!r}; known methods: {', '.join(METHODS)}"
            )
        out[name] = METHODS[name]
    return out


def _flag(scores: np.ndarray, earlier: np.ndarray, k: int) -> np.ndarray:
    """Indices of the top ``k`` cells: score, then earlier total, then position."""
    scores = np.asarray(scores, dtype=float)
    if scores.shape != earlier.shape or not np.isfinite(scores).all():
        raise AnalysisProblem("a forecasting method returned missing or wrongly sized scores")
    order = np.lexsort((np.arange(len(scores)), -earlier, -scores))
    return order[:k]


def _n_flagged(n_cells: int, coverage: float) -> int:
    if not (0 < coverage <= 1):
        raise AnalysisProblem(f"coverage must be a share between 0 and 1 (got {coverage!r})")
    k = math.floor(n_cells * coverage + 1e-9)
    if k < 1:
        raise AnalysisProblem(
            f"coverage {coverage:g} of {n_cells} cells flags no cell; use a larger coverage or "
            "smaller cells"
        )
    return k


# --------------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fold:
    """One month of a backtest. Rates are None when the month had no located incidents."""

    month: str
    pai: float | None
    pei_star: float | None
    hit_rate: float | None
    hits: int
    flagged_cells: int
    incidents: int
    best_possible: int

    def to_dict(self) -> dict[str, Any]:
        """The fold as the dashboard and reports read it."""
        return {
            "month": self.month,
            "pai": self.pai,
            "pei_star": self.pei_star,
            "hit_rate": self.hit_rate,
            "hits": self.hits,
            "flagged_cells": self.flagged_cells,
        }


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


@dataclass(frozen=True)
class MethodBacktest:
    """A method's folds and their means."""

    name: str
    folds: list[Fold]

    @property
    def mean_pai(self) -> float | None:
        return _mean(f.pai for f in self.folds)

    @property
    def mean_pei_star(self) -> float | None:
        return _mean(f.pei_star for f in self.folds)

    @property
    def mean_hit_rate(self) -> float | None:
        return _mean(f.hit_rate for f in self.folds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean_pai": self.mean_pai,
            "mean_pei_star": self.mean_pei_star,
            "mean_hit_rate": self.mean_hit_rate,
            "folds": [f.to_dict() for f in self.folds],
        }


@dataclass(frozen=True)
class BacktestResult:
    """Backtest of next-month hotspot forecasts.

    Attributes
    ----------
    methods : dict of str to MethodBacktest
    default_method : str
    coverage : float
    cell_size : float
    n_cells : int
        Study cells (cells with at least one located incident in the data).
    flagged_cells : int
        Cells flagged each month, ``floor(n_cells * coverage)``.
    """

    methods: dict[str, MethodBacktest]
    default_method: str
    coverage: float
    cell_size: float
    n_cells: int
    flagged_cells: int

    def to_dict(self) -> dict[str, Any]:
        """``{"methods": {name: {"mean_pai", "mean_pei_star", "mean_hit_rate", "folds"}},
        "default_method": name}``."""
        return {
            "methods": {name: m.to_dict() for name, m in self.methods.items()},
            "default_method": self.default_method,
        }

    def summary(self) -> pd.DataFrame:
        """One row per method: mean PEI*, PAI and hit rate, best PEI* first."""
        rows = [
            {"method": name, "mean_pei_star": m.mean_pei_star, "mean_pai": m.mean_pai,
             "mean_hit_rate": m.mean_hit_rate, "folds": len(m.folds)}
            for name, m in self.methods.items()
        ]
        return pd.DataFrame(rows).sort_values("mean_pei_star", ascending=False,
                                              ignore_index=True)


def backtest(
    incidents: pd.DataFrame,
    coverage: float = 0.05,
    cell_size: float = 250,
    methods: Iterable[str] | Mapping[str, ForecastMethod] | None = None,
    *,
    count: str | None = None,
) -> BacktestResult:
    """Backtest next-month hotspot forecasts month by month (protocol in the module notes).

    Parameters
    ----------
    incidents : pandas.DataFrame
        ASB incidents with ``easting``, ``northing`` and ``month``; unlocated rows are ignored.
    coverage : float, default 0.05
        Share of study cells flagged each month.
    cell_size : float, default 250
        Cell side in metres.
    methods : list of names or mapping of name to method, optional
        Default: every built-in method (:data:`METHODS`).
    count : str, optional
        Column saying how many incidents each row stands for (see :func:`cell_history`).

    Returns
    -------
    BacktestResult

    Examples
    --------
    Twenty cells; one cell has 5 incidents every month, the rest 1 each now and then. Flagging
    one cell (coverage 0.05) catches the busy cell every time.

    >>> rng = np.random.default_rng(0)
    >>> rows = [(250.0 * c + 125, 125.0, pd.Timestamp("2024-01-01")) for c in range(1, 20)]
    >>> for m in pd.date_range("2024-01-01", periods=6, freq="MS"):
    ...     rows += [(125.0, 125.0, m)] * 5
    ...     rows += [(250.0 * c + 125, 125.0, m) for c in rng.choice(np.arange(1, 20), 4)]
    >>> df = pd.DataFrame(rows, columns=["easting", "northing", "month"])
    >>> res = backtest(df, coverage=0.05, cell_size=250, methods=["naive"])
    >>> fold = res.to_dict()["methods"]["naive"]["folds"][0]
    >>> fold["month"], fold["hits"], fold["flagged_cells"], fold["pei_star"]
    ('2024-04', 5, 1, 1.0)
    """
    chosen = _resolve_methods(methods)
    history = cell_history(incidents, cell_size, count=count)
    n_months = len(history.months)
    if n_months <= _FIRST_FOLD:
        raise AnalysisProblem(
            f"a backtest needs more than {_FIRST_FOLD} months of data (got {n_months}: "
            f"{history.months[0]:%Y-%m} to {history.months[-1]:%Y-%m})"
        )
    k = _n_flagged(history.n_cells, coverage)
    results: dict[str, MethodBacktest] = {}
    cumulative = np.cumsum(history.counts, axis=0)
    for name, method in chosen.items():
        folds = []
        for t in range(_FIRST_FOLD, n_months):
            flagged = _flag(method.score(history, t), cumulative[t - 1], k)
            actual = history.counts[t]
            hits = int(round(actual[flagged].sum()))
            total = int(round(actual.sum()))
            best = int(round(np.sort(actual)[::-1][:k].sum()))
            hit_rate = hits / total if total else None
            folds.append(
                Fold(
                    month=f"{history.months[t]:%Y-%m}",
                    pai=hit_rate / coverage if hit_rate is not None else None,
                    pei_star=hits / best if best else None,
                    hit_rate=hit_rate,
                    hits=hits,
                    flagged_cells=k,
                    incidents=total,
                    best_possible=best,
                )
            )
        results[name] = MethodBacktest(name=name, folds=folds)
    return BacktestResult(
        methods=results,
        default_method=default_method,
        coverage=float(coverage),
        cell_size=history.cell_size,
        n_cells=history.n_cells,
        flagged_cells=k,
    )


# --------------------------------------------------------------------------------------------
# live forecast
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastResult:
    """Cells flagged for a month, for the map.

    Attributes
    ----------
    cells : pandas.DataFrame
        The flagged cells, best first: ``rank``, ``cell_id``, ``col``, ``row``, ``x0``, ``y0``,
        ``score`` and ``earlier_count`` (incidents in all months used).
    month : str
        The month forecast (YYYY-MM).
    method : str
    coverage : float
    cell_size : float
    n_cells : int
        Study cells (with an incident in the months used).
    history_months : int
        Months of data used.
    """

    cells: pd.DataFrame
    month: str
    method: str
    coverage: float
    cell_size: float
    n_cells: int
    history_months: int

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The flagged cells as polygons (EPSG:27700)."""
        return cell_polygons(self.cells, self.cell_size)


def forecast(
    incidents: pd.DataFrame,
    month: str | pd.Timestamp | None = None,
    method: str | ForecastMethod = default_method,
    coverage: float = 0.05,
    cell_size: float = 250,
    *,
    count: str | None = None,
) -> ForecastResult:
    """Flag the cells most likely to be hotspots in ``month``, from the months before it.

    Parameters
    ----------
    incidents : pandas.DataFrame
        ASB incidents with ``easting``, ``northing`` and ``month``.
    month : str or Timestamp, optional
        The month to forecast (``"YYYY-MM"``); default the month after the latest in the data.
        Only incidents before it are used.
    method : str or method object, default :data:`default_method`
    coverage : float, default 0.05
        Share of study cells to flag (study cells: those with an incident in the months used).
    cell_size : float, default 250
    count : str, optional
        Column saying how many incidents each row stands for (see :func:`cell_history`).

    Examples
    --------
    >>> df = pd.DataFrame({"easting": [125.0] * 6 + [375.0, 625.0],
    ...                    "northing": [125.0] * 8,
    ...                    "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"] * 2
    ...                                            + ["2024-03-01", "2024-02-01"])})
    >>> res = forecast(df, coverage=0.34, method="naive")
    >>> res.month, res.cells["cell_id"].tolist(), res.cells["score"].tolist()
    ('2024-04', ['E0N0'], [6.0])
    """
    require_columns(incidents, ["easting", "northing", "month"], "a hotspot forecast")
    if not located(incidents).any():
        raise AnalysisProblem(_NO_LOCATION)
    when = pd.to_datetime(incidents["month"], errors="coerce").dt.to_period("M").dt.to_timestamp()
    if when.notna().sum() == 0:
        raise AnalysisProblem("a hotspot forecast needs incidents with a month; none has one")
    if month is None:
        target = when.max() + pd.offsets.MonthBegin(1)
    else:
        try:
            target = pd.Timestamp(month).to_period("M").to_timestamp()
        except (ValueError, TypeError):
            raise AnalysisProblem(f"month must be a month like 2024-05 (got {month!r})") from None
    before = (when < target).to_numpy()
    if not (before & located(incidents)).any():
        raise AnalysisProblem(
            f"no located incidents before {target:%Y-%m}, so there is nothing to forecast from"
        )
    first = when[before].min()
    months = pd.date_range(first, target - pd.offsets.MonthBegin(1), freq="MS")
    history = cell_history(incidents.loc[before], cell_size, months=months, count=count)
    if isinstance(method, str):
        chosen = _resolve_methods([method])[method]
        name = method
    else:
        chosen, name = method, getattr(method, "name", type(method).__name__)
    k = _n_flagged(history.n_cells, coverage)
    t = len(months)
    scores = np.asarray(chosen.score(history, t), dtype=float)
    earlier = history.counts.sum(axis=0)
    flagged = _flag(scores, earlier, k)
    col, row = history.col[flagged], history.row[flagged]
    cells = pd.DataFrame(
        {
            "rank": np.arange(1, k + 1),
            "cell_id": cell_ids(col, row, history.cell_size),
            "col": col,
            "row": row,
            "x0": col * history.cell_size,
            "y0": row * history.cell_size,
            "score": scores[flagged],
            "earlier_count": earlier[flagged],
        }
    )
    return ForecastResult(
        cells=cells,
        month=f"{target:%Y-%m}",
        method=name,
        coverage=float(coverage),
        cell_size=history.cell_size,
        n_cells=history.n_cells,
        history_months=t,
    )
