"""Near repeats: the Knox test for space-time clustering, with Monte Carlo significance.

Every pair of incidents is placed in a space band (distance apart) and a time band (days
apart). If incidents close in space are also close in time more often than chance would give,
the area has a near-repeat pattern: after one incident, more are likely nearby soon after
(Townsley, Homel and Chaseling 2003; the Near Repeat Calculator of Ratcliffe 2009).

"Chance" is estimated by permutation: the incidents' times are shuffled among them (places
fixed) ``permutations`` times, and the pairs re-counted each time. The expected count is the
mean over the permutations, the Knox ratio observed / expected, and the p-value
(1 + permutations with a count at least the observed) / (1 + permutations).

Speed: only pairs closer than the largest space band can ever be counted, so they are found
once with a KD-tree (``scipy.spatial.cKDTree.query_pairs``) with their space band; each
permutation then only recomputes the time differences of those pairs, vectorised.

Bands are closed on the right: with edges ``[0, 100, 200]`` the bands are 0 to 100 m and
more than 100 up to 200 m; with time edges ``[0, 7, 14]`` they are 0-7 and 8-14 days for
whole-day times. Repeating the first edge (``[0, 0, 100, ...]``) makes a "same location"
band (distance exactly 0), as in the Near Repeat Calculator.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ._common import AnalysisProblem, located, require_columns

__all__ = [
    "DEFAULT_SPACE_BANDS",
    "DEFAULT_TIME_BANDS",
    "KnoxResult",
    "knox_test",
    "knox_arrays",
]

#: Default space band edges, metres: 0-100, 101-200, ..., 401-500 m.
DEFAULT_SPACE_BANDS: tuple[float, ...] = (0, 100, 200, 300, 400, 500)
#: Default time band edges, days: 0-7, 8-14, 15-21, 22-28 days.
DEFAULT_TIME_BANDS: tuple[float, ...] = (0, 7, 14, 21, 28)

_CHUNK_ELEMENTS = 4_000_000  # pair-time differences held at once per worker


@dataclass(frozen=True)
class KnoxResult:
    """Knox test band table.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (space band, time band): ``space_band``, ``time_band`` (labels),
        ``space_from``, ``space_to``, ``time_from``, ``time_to``, ``observed`` (pairs),
        ``expected`` (mean over permutations), ``ratio`` (observed / expected), ``p_value``
        and ``significant`` (p_value <= alpha).
    permuted : numpy.ndarray
        Counts in every permutation, shape (permutations, space bands, time bands).
    n_events : int
        Incidents tested.
    n_excluded : int
        Incidents left out (no location, or no date: police.uk month-only rows).
    n_close_pairs : int
        Pairs within the largest space band.
    permutations : int
    seed : int or None
    alpha : float
    """

    table: pd.DataFrame
    permuted: np.ndarray
    n_events: int
    n_excluded: int
    n_close_pairs: int
    permutations: int
    seed: int | None
    alpha: float

    def matrix(self, column: str = "ratio") -> pd.DataFrame:
        """The familiar grid: space bands as rows, time bands as columns, one ``column`` shown."""
        return self.table.pivot(index="space_band", columns="time_band", values=column).loc[
            self.table["space_band"].unique(), self.table["time_band"].unique()
        ]


def _check_edges(edges: Sequence[float], what: str, unit: str) -> np.ndarray:
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or len(e) < 2 or not np.isfinite(e).all() or e[0] < 0:
        raise AnalysisProblem(
            f"{what} must be at least two increasing numbers of {unit} from 0 (got {list(edges)})"
        )
    d = np.diff(e)
    if (d[1:] <= 0).any() or d[0] < 0:
        raise AnalysisProblem(
            f"{what} must increase (only the first edge may repeat, for a 'same' band); "
            f"got {list(edges)}"
        )
    return e


def _labels(edges: np.ndarray, unit: str, whole: bool) -> list[str]:
    """Band labels in the Near Repeat Calculator's style: 0-100 m, 101-200 m; 0-7, 8-14 days."""
    out = []
    for k in range(len(edges) - 1):
        lo, hi = edges[k], edges[k + 1]
        if lo == hi:
            out.append("same location" if unit == "m" else "same day")
        elif k == 0:
            out.append(f"{_n(lo)}-{_n(hi)} {unit}")
        elif whole and float(lo).is_integer():
            out.append(f"{_n(lo + 1)}-{_n(hi)} {unit}")
        else:
            out.append(f">{_n(lo)}-{_n(hi)} {unit}")
    return out


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _band_of(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Band index per value (-1 below the first edge, len(edges)-1 beyond the last)."""
    band = np.searchsorted(edges[1:], values, side="left")
    return np.where(values < edges[0], -1, band)


def _time_thresholds(edges: np.ndarray, integral: bool) -> tuple[float, np.ndarray]:
    """Lower bound and upper bounds for counting ``dt <= upper`` on the time type used."""
    if integral:
        return float(np.ceil(edges[0])), np.floor(edges[1:])
    return float(edges[0]), edges[1:].astype(float)


def _count(
    dt: np.ndarray, bounds: np.ndarray, lower: float, uppers: np.ndarray
) -> np.ndarray:
    """Pairs per (space band, time band) for time differences ``dt`` (..., n_pairs)."""
    n_space = len(bounds) - 1
    lead = dt.shape[:-1]
    out = np.zeros((*lead, n_space, len(uppers)), dtype=np.int64)
    for s in range(n_space):
        part = dt[..., bounds[s] : bounds[s + 1]]
        if part.shape[-1] == 0:
            continue
        below = (
            np.count_nonzero(part < lower, axis=-1) if lower > 0 else np.zeros(lead, np.int64)
        )
        prev = below
        for k, u in enumerate(uppers):
            le = np.count_nonzero(part <= u, axis=-1)
            out[..., s, k] = le - prev
            prev = le
    return out


def knox_arrays(
    x: np.ndarray,
    y: np.ndarray,
    t: np.ndarray,
    *,
    space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    permutations: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    n_jobs: int = 1,
) -> KnoxResult:
    """Knox test on plain arrays: coordinates in metres, times in days.

    Permutation ``k`` uses ``perm = rng.permutation(n)`` (``rng = numpy.random.default_rng(
    seed)``, drawn in order) and gives event ``i`` the time ``t[perm[i]]``; results are the same
    for any ``n_jobs``.

    Parameters
    ----------
    x, y : array of float
        Coordinates (metres).
    t : array of float
        Times in days (whole days use a faster path).
    space_bands, time_bands : sequence of float
        Band edges (see the module notes).
    permutations : int, default 999
    seed : int, optional
        Seed for the permutations (explicit, so results can be reproduced).
    alpha : float, default 0.05
        Significance level for the ``significant`` flag.
    n_jobs : int, default 1
        Threads sharing the permutations (numpy releases the GIL in the inner loops).

    Examples
    --------
    Three incidents: two 50 m and 2 days apart, a third far away in space and time.

    >>> res = knox_arrays(np.array([0.0, 50.0, 5000.0]), np.zeros(3), np.array([0.0, 2.0, 90.0]),
    ...                   space_bands=[0, 100], time_bands=[0, 7], permutations=99, seed=1)
    >>> res.table[["space_band", "time_band", "observed"]].values.tolist()
    [['0-100 m', '0-7 days', 1]]
    >>> res.n_close_pairs
    1
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    t = np.asarray(t, dtype=float)
    if not (len(x) == len(y) == len(t)):
        raise AnalysisProblem("x, y and t must have the same length")
    if not (np.isfinite(x).all() and np.isfinite(y).all() and np.isfinite(t).all()):
        raise AnalysisProblem("the Knox test needs a location and a time for every incident")
    s_edges = _check_edges(space_bands, "space_bands", "metres")
    t_edges = _check_edges(time_bands, "time_bands", "days")
    permutations = int(permutations)
    if permutations < 1:
        raise AnalysisProblem(f"permutations must be at least 1 (got {permutations})")
    n = len(x)
    if n < 2:
        raise AnalysisProblem(f"the Knox test needs at least 2 incidents with a date (got {n})")

    # close pairs once, sorted by space band
    xy = np.c_[x, y]
    pairs = cKDTree(xy).query_pairs(s_edges[-1], output_type="ndarray")
    if len(pairs):
        dist = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
        band = _band_of(dist, s_edges)
        keep = (band >= 0) & (band < len(s_edges) - 1)
        order = np.argsort(band[keep], kind="stable")
        i_idx = pairs[keep, 0][order].astype(np.int32)
        j_idx = pairs[keep, 1][order].astype(np.int32)
        band = band[keep][order]
    else:
        i_idx = j_idx = np.zeros(0, dtype=np.int32)
        band = np.zeros(0, dtype=np.int64)
    bounds = np.searchsorted(band, np.arange(len(s_edges)))

    # time type: whole days in small integers where possible (exact and fast)
    t0 = t - t.min()
    integral = bool(np.all(t0 == np.round(t0)))
    if integral and t0.max() < 32_000:
        tt = t0.astype(np.int16)
    elif integral and t0.max() < 2**30:
        tt = t0.astype(np.int32)
    else:
        tt, integral = t0, False
    lower, uppers = _time_thresholds(t_edges, integral)

    observed = _count(np.abs(tt[i_idx] - tt[j_idx]), bounds, lower, uppers)

    rng = np.random.default_rng(seed)
    permuted = np.zeros((permutations, len(s_edges) - 1, len(uppers)), dtype=np.int64)
    chunk = max(1, min(64, _CHUNK_ELEMENTS // max(1, len(i_idx))))

    def work(start: int, perms: np.ndarray) -> None:
        for k, perm in enumerate(perms):
            tp = tt[perm]
            permuted[start + k] = _count(np.abs(tp[i_idx] - tp[j_idx]), bounds, lower, uppers)

    jobs = max(1, int(n_jobs))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = []
        for start in range(0, permutations, chunk):
            size = min(chunk, permutations - start)
            perms = np.empty((size, n), dtype=np.int32)
            for k in range(size):
                perms[k] = rng.permutation(n)
            if jobs == 1:
                work(start, perms)
            else:
                futures.append(pool.submit(work, start, perms))
        for f in futures:
            f.result()

    expected = permuted.mean(axis=0)
    at_least = (permuted >= observed[None]).sum(axis=0)
    p_value = (1 + at_least) / (1 + permutations)
    whole = integral
    s_labels = _labels(s_edges, "m", whole=True)
    t_labels = _labels(t_edges, "days", whole=whole)
    rows = []
    for s in range(len(s_edges) - 1):
        for k in range(len(t_edges) - 1):
            exp = float(expected[s, k])
            rows.append(
                {
                    "space_band": s_labels[s],
                    "time_band": t_labels[k],
                    "space_from": float(s_edges[s]),
                    "space_to": float(s_edges[s + 1]),
                    "time_from": float(t_edges[k]),
                    "time_to": float(t_edges[k + 1]),
                    "observed": int(observed[s, k]),
                    "expected": exp,
                    "ratio": float(observed[s, k]) / exp if exp > 0 else np.nan,
                    "p_value": float(p_value[s, k]),
                    "significant": bool(p_value[s, k] <= alpha),
                }
            )
    return KnoxResult(
        table=pd.DataFrame(rows),
        permuted=permuted,
        n_events=n,
        n_excluded=0,
        n_close_pairs=int(len(i_idx)),
        permutations=permutations,
        seed=seed,
        alpha=float(alpha),
    )


def knox_test(
    incidents: pd.DataFrame,
    *,
    space_bands: Sequence[float] = DEFAULT_SPACE_BANDS,
    time_bands: Sequence[float] = DEFAULT_TIME_BANDS,
    permutations: int = 999,
    seed: int | None = 0,
    alpha: float = 0.05,
    by_date: bool = True,
    n_jobs: int = 1,
) -> KnoxResult:
    """Knox test for near repeats on incidents with a location and a date.

    Uses ``easting``/``northing`` and ``occurred_at`` (the start of a window). With
    ``by_date`` (default, as the Near Repeat Calculator) times are calendar dates, so time
    bands are whole days. Incidents without a location or a date are left out and counted in
    ``n_excluded``: police.uk rows (month only) cannot be tested.

    Examples
    --------
    >>> df = pd.DataFrame({"easting": [0.0, 50.0, 5000.0], "northing": [0.0, 0.0, 0.0],
    ...                    "occurred_at": pd.to_datetime(["2024-01-01 23:00", "2024-01-03 01:00",
    ...                                                   "2024-04-01 00:00"]),
    ...                    "time_precision": "datetime"})
    >>> res = knox_test(df, space_bands=[0, 100], time_bands=[0, 1, 7], permutations=9, seed=3)
    >>> res.table[["time_band", "observed"]].values.tolist()
    [['0-1 days', 0], ['2-7 days', 1]]
    """
    require_columns(incidents, ["easting", "northing", "occurred_at"], "a Knox near-repeat test")
    when = pd.to_datetime(incidents["occurred_at"], errors="coerce")
    ok = located(incidents) & when.notna().to_numpy()
    if "time_precision" in incidents.columns:
        ok &= (incidents["time_precision"].astype("object").fillna("").astype(str) != "month").to_numpy()
    sub = incidents.loc[ok]
    when = when[ok]
    if by_date:
        when = when.dt.normalize()
    days = ((when - when.min()) / pd.Timedelta(days=1)).to_numpy(dtype=float) if len(sub) else np.zeros(0)
    if len(sub) < 2:
        raise AnalysisProblem(
            f"the Knox test needs at least 2 incidents with a location and a date; {len(sub)} of "
            f"{len(incidents)} have both (police.uk rows carry only the month)"
        )
    res = knox_arrays(
        sub["easting"].to_numpy(dtype=float),
        sub["northing"].to_numpy(dtype=float),
        days,
        space_bands=space_bands,
        time_bands=time_bands,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        n_jobs=n_jobs,
    )
    return KnoxResult(
        table=res.table,
        permuted=res.permuted,
        n_events=res.n_events,
        n_excluded=int((~ok).sum()),
        n_close_pairs=res.n_close_pairs,
        permutations=res.permutations,
        seed=res.seed,
        alpha=res.alpha,
    )
