"""Benchmark: the Knox near-repeat test at 12,000 events, against naive baselines, same run.

Events: 12,000 locations drawn (seeded) from the real Cleveland ASB points in
data/sample/police-uk, so the spatial clustering is realistic (police.uk snaps points, so many
share a place), each given a random day within its month (police.uk has no days).
Configuration: 5 space bands (0-100 ... 401-500 m) x 4 time bands (0-7 ... 22-28 days),
999 permutations, seed 1.

Prints:
- the product's ``knox_arrays`` with 1 and 2 threads;
- baseline A, brute force: every pair's distance and time difference recomputed for every
  permutation (no KD-tree, no pair precomputation), timed on a subset and scaled by the number
  of pairs (n^2) and permutations;
- baseline B, the same vectorised counting but finding the close pairs again with the KD-tree
  in every permutation, timed on a few permutations and scaled;
and the speed-ups. Usage::

    python benchmarks/near_repeat.py [--events 12000] [--permutations 999]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.spatial import cKDTree

from pipelines.analysis.load import police_uk_asb
from pipelines.analysis.near_repeat import DEFAULT_SPACE_BANDS, DEFAULT_TIME_BANDS, knox_arrays
from pipelines.sample_load import SAMPLE_DIR

SPACE = np.asarray(DEFAULT_SPACE_BANDS, dtype=float)
TIME = np.asarray(DEFAULT_TIME_BANDS, dtype=float)


def events(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    df = police_uk_asb(SAMPLE_DIR / "police-uk")
    df = df[np.isfinite(df["easting"])]
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(df), size=n, replace=len(df) < n)
    month = df["month"].to_numpy()[idx]
    days_in = np.asarray([d.days_in_month for d in df["month"].iloc[idx]])
    day0 = (month - month.min()) / np.timedelta64(1, "D")
    t = day0 + np.floor(rng.uniform(0, days_in))
    return df["easting"].to_numpy()[idx], df["northing"].to_numpy()[idx], t


def _bands(d: np.ndarray, dt: np.ndarray) -> np.ndarray:
    sb = np.searchsorted(SPACE[1:], d, side="left")
    tb = np.searchsorted(TIME[1:], dt, side="left")
    ok = (sb < len(SPACE) - 1) & (tb < len(TIME) - 1)
    return np.bincount(sb[ok] * (len(TIME) - 1) + tb[ok], minlength=(len(SPACE) - 1) * (len(TIME) - 1))


def brute_force_per_permutation(x, y, t, reps: int, seed: int = 2) -> float:
    """Seconds per permutation for the all-pairs approach on these events."""
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(len(x), k=1)
    start = time.perf_counter()
    for _ in range(reps):
        tp = t[rng.permutation(len(t))]
        d = np.hypot(x[iu[0]] - x[iu[1]], y[iu[0]] - y[iu[1]])
        dt = np.abs(tp[iu[0]] - tp[iu[1]])
        _bands(d, dt)
    return (time.perf_counter() - start) / reps


def repeated_pairs_per_permutation(x, y, t, reps: int, seed: int = 2) -> float:
    """Seconds per permutation when the close pairs are found again every permutation."""
    rng = np.random.default_rng(seed)
    xy = np.c_[x, y]
    start = time.perf_counter()
    for _ in range(reps):
        tp = t[rng.permutation(len(t))]
        pairs = cKDTree(xy).query_pairs(SPACE[-1], output_type="ndarray")
        d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
        _bands(d, np.abs(tp[pairs[:, 0]] - tp[pairs[:, 1]]))
    return (time.perf_counter() - start) / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=12_000)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--subset", type=int, default=2_000, help="events for baseline A")
    args = parser.parse_args()
    x, y, t = events(args.events)
    P = args.permutations
    print(f"{args.events:,} events, {len(SPACE) - 1} space x {len(TIME) - 1} time bands, "
          f"{P} permutations")

    timings = {}
    for jobs in (1, 2):
        start = time.perf_counter()
        res = knox_arrays(x, y, t, space_bands=SPACE, time_bands=TIME, permutations=P, seed=1,
                          n_jobs=jobs)
        timings[jobs] = time.perf_counter() - start
        print(f"knox_arrays, n_jobs={jobs}: {timings[jobs]:.2f} s "
              f"({res.n_close_pairs:,} pairs within {SPACE[-1]:g} m)")

    sub = slice(0, args.subset)
    per_a = brute_force_per_permutation(x[sub], y[sub], t[sub], reps=3)
    scale = (args.events * (args.events - 1)) / (args.subset * (args.subset - 1))
    est_a = per_a * scale * P
    print(f"baseline A (all pairs every permutation): {per_a * 1e3:.1f} ms per permutation on "
          f"{args.subset:,} events -> estimated {est_a:,.0f} s for {args.events:,} events x {P}")
    per_b = repeated_pairs_per_permutation(x, y, t, reps=5)
    est_b = per_b * P
    print(f"baseline B (KD-tree pairs found again every permutation): "
          f"{per_b * 1e3:.1f} ms per permutation -> estimated {est_b:,.1f} s")
    best = min(timings.values())
    print(f"speed-up: {est_a / best:,.0f}x over A, {est_b / best:,.1f}x over B "
          f"(single thread: {est_a / timings[1]:,.0f}x and {est_b / timings[1]:,.1f}x)")


if __name__ == "__main__":
    main()
