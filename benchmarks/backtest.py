"""Benchmark: next-month hotspot forecasts on the police.uk sample, and an honest held-out check.

Prints, for police.uk ASB in ``--data`` (default data/sample/police-uk: Cleveland 2022-01 to
2022-11), 250 m cells:

1. Every method's mean PEI*, PAI and hit rate force-wide at 5% coverage (the full protocol of
   ``pipelines.analysis.forecast.backtest``).
2. The choice of the ``blend`` method's parameters. Tuning part: each council (CSP) area on its
   own, forecast months up to ``--split`` (default 2022-07: April to July); the objective is
   PEI* above naive, averaged over areas and coverages of 2.5%, 5% and 10%. The grid is
   half-life x long-term weight x neighbour weight. The parameters shipped in
   ``Blend()`` are the ones this search chose on Cleveland.
3. Held-out: the months after ``--split`` (never seen by the choice), each area and
   force-wide, at 5% coverage: naive against the shipped default and the other methods.
4. A second, independent split by area: parameters chosen on the first and third areas in
   alphabetical order (on Cleveland: Hartlepool and Redcar and Cleveland), all months, and
   scored on the second and fourth (Middlesbrough and Stockton-on-Tees).
5. How much more there is to gain. Two references, at 5% coverage, every month:
   - *two-sided* (not a forecast): each cell's counts in the months on both sides of the
     target (weight halving per month away), i.e. what knowing the local level around the
     target month is worth. A past-only forecast cannot do better than this in expectation;
   - *blend + other crime*: the default plus a weight (chosen on the tuning months) times the
     same exponentially weighted average of the cell's other police.uk crimes (public order,
     criminal damage, drugs), the covariate most often suggested.

Areas are read from the LSOA name; with another force's files, areas with at least
``--min-incidents`` ASB incidents are used. Usage::

    python benchmarks/backtest.py [--data DIR] [--split 2022-07]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.analysis.forecast import (
    METHODS,
    Blend,
    CellHistory,
    _decay_weights,
    backtest,
    default_method,
)
from pipelines.analysis.grid import cell_index
from pipelines.analysis.load import police_uk_asb
from pipelines.sample_load import SAMPLE_DIR

POLICE_UK_DIR = SAMPLE_DIR / "police-uk"

COVERAGES = (0.025, 0.05, 0.10)
GRID = {
    "half_life": (1.0, 1.5, 2.0, 3.0, 4.0, 6.0),
    "long_term": (0.0, 0.25, 0.5),
    "neighbours": (0.0, 0.02, 0.05, 0.1),
}


#: The other crime types the covariate reference adds (most like ASB in place and time).
OTHER_CRIME = ("Public order", "Criminal damage and arson", "Drugs")


class TwoSided:
    """Reference, not a forecast: the months around the target on both sides (it looks ahead)."""

    name = "two-sided"

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        away = np.abs(np.arange(len(history.months)) - t).astype(float)
        w = np.where(away == 0, 0.0, 0.5**away)
        return w @ history.counts


class BlendWithOtherCrime:
    """The default plus ``weight`` times the cell's recent other crime (same decay)."""

    def __init__(self, other: pd.DataFrame, weight: float) -> None:
        self.other, self.weight, self.name = other, weight, f"other crime x{weight:g}"
        self._blend = Blend()

    def _counts(self, history: CellHistory) -> np.ndarray:
        col, row = cell_index(self.other["easting"].to_numpy(), self.other["northing"].to_numpy(),
                              history.cell_size)
        where = {(r, c): i for i, (r, c) in enumerate(zip(history.row, history.col, strict=True))}
        month = pd.to_datetime(self.other["month"])
        mi = ((month.dt.year - history.months[0].year) * 12 + month.dt.month
              - history.months[0].month).to_numpy()
        out = np.zeros_like(history.counts)
        for r, c, m in zip(row, col, mi, strict=True):
            j = where.get((r, c))
            if j is not None and 0 <= m < len(history.months):
                out[m, j] += 1
        return out

    def score(self, history: CellHistory, t: int) -> np.ndarray:
        other = history.cached(("other crime", id(self.other)), lambda: self._counts(history))
        w = _decay_weights(t, self._blend.half_life)
        past = other[:t]
        level = (w @ past) / w.sum() + self._blend.long_term * past.mean(axis=0)
        return self._blend.score(history, t) + self.weight * level


def fold_pei(result, name: str) -> pd.Series:
    """PEI* per fold month for one method of a backtest result."""
    folds = result.methods[name].folds
    return pd.Series({f.month: f.pei_star for f in folds}, dtype=float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=POLICE_UK_DIR)
    parser.add_argument("--split", default="2022-07", help="last forecast month used for tuning")
    parser.add_argument("--min-incidents", type=int, default=1000)
    args = parser.parse_args()

    t0 = time.perf_counter()
    every = police_uk_asb(args.data, every_crime_type=True)
    df = every[every["is_asb"]].reset_index(drop=True)
    other = every[every["crime_type"].isin(OTHER_CRIME) & every["easting"].notna()]
    sizes = df["area_name"].value_counts()
    areas = sorted(sizes[sizes >= args.min_incidents].index)
    print(f"data: {args.data} ({len(df):,} ASB incidents, {df['month'].nunique()} months)")
    print(f"areas: {', '.join(f'{a} ({sizes[a]:,})' for a in areas)}")

    # 1. force-wide, every method
    res = backtest(df, coverage=0.05, cell_size=250)
    print(f"\n1. Force-wide, 5% coverage, 250 m cells: {res.n_cells} study cells, "
          f"{res.flagged_cells} flagged a month, {len(res.methods[default_method].folds)} folds")
    summary = res.summary()
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    naive_all = res.methods["naive"].mean_pei_star
    print(f"default ({default_method}) minus naive, mean PEI*: "
          f"{res.methods[default_method].mean_pei_star - naive_all:+.4f}")

    # 2. tuning: per area, per coverage, every grid point (folds filtered by month afterwards)
    configs = [dict(zip(GRID, v, strict=True)) for v in itertools.product(*GRID.values())]
    methods = {f"g{i}": Blend(**c) for i, c in enumerate(configs)}
    methods["naive"] = METHODS["naive"]
    methods["default"] = Blend()
    for name in ("kde", "prospective"):
        methods[name] = METHODS[name]
    per: dict[tuple[str, float], object] = {}
    for area in areas:
        sub = df[df["area_name"] == area]
        for cov in COVERAGES:
            per[(area, cov)] = backtest(sub, coverage=cov, cell_size=250, methods=methods)
    per_all = {cov: backtest(df, coverage=cov, cell_size=250, methods=methods) for cov in COVERAGES}

    def gain(name: str, keys, months) -> float:
        vals = []
        for key in keys:
            r = per[key] if key in per else per_all[key[1]]
            d = fold_pei(r, name) - fold_pei(r, "naive")
            vals.append(d[months(d.index)].mean())
        return float(np.mean(vals))

    tune_months = lambda idx: idx <= args.split  # noqa: E731
    held_months = lambda idx: idx > args.split  # noqa: E731
    all_months = lambda idx: idx == idx  # noqa: E731
    tune_keys = [(a, c) for a in areas for c in COVERAGES]
    rows = []
    for i, c in enumerate(configs):
        rows.append({**c, "tuning_gain": gain(f"g{i}", tune_keys, tune_months), "name": f"g{i}"})
    grid = pd.DataFrame(rows).sort_values("tuning_gain", ascending=False, kind="stable")
    best = grid.iloc[0]
    print(f"\n2. Tuning part: forecast months <= {args.split}, each area, coverages "
          f"{', '.join(f'{c:.1%}' for c in COVERAGES)}; PEI* above naive (top 5 of {len(grid)}):")
    print(grid.head(5).drop(columns="name").to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    shipped = Blend()
    print(f"chosen: half_life={best.half_life:g}, long_term={best.long_term:g}, "
          f"neighbours={best.neighbours:g}; shipped default: half_life={shipped.half_life:g}, "
          f"long_term={shipped.long_term:g}, neighbours={shipped.neighbours:g}")

    # 3. held-out months, 5% coverage
    print(f"\n3. Held-out months (> {args.split}), 5% coverage, mean PEI* per area:")
    table = []
    for name, label in (("naive", "naive"), ("default", f"{default_method} (shipped)"),
                        (str(best["name"]), "blend (chosen here)"), ("kde", "kde"),
                        ("prospective", "prospective")):
        row = {"method": label}
        for area in areas:
            s = fold_pei(per[(area, 0.05)], name)
            row[area] = s[held_months(s.index)].mean()
        s = fold_pei(per_all[0.05], name)
        row["force-wide"] = s[held_months(s.index)].mean()
        row["tuning part"] = np.mean(
            [fold_pei(per[(a, 0.05)], name)[lambda x: tune_months(x.index)].mean() for a in areas]
        )
        table.append(row)
    table = pd.DataFrame(table).set_index("method")
    table.insert(len(areas), "areas mean", table[areas].mean(axis=1))
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    held = table.loc[f"{default_method} (shipped)", "areas mean"] - table.loc["naive", "areas mean"]
    held_force = table.loc[f"{default_method} (shipped)", "force-wide"] - table.loc["naive", "force-wide"]
    print(f"held-out gain of the default over naive: {held:+.4f} (areas mean), "
          f"{held_force:+.4f} (force-wide)")
    multi = gain("default", [(a, c) for a in areas for c in COVERAGES], held_months)
    print(f"held-out gain averaged over coverages 2.5/5/10%: {multi:+.4f}")

    # 4. split by area
    if len(areas) >= 4:
        tune_a, hold_a = areas[0::2][:2], areas[1::2][:2]
        keys_t = [(a, c) for a in tune_a for c in COVERAGES]
        scores = {f"g{i}": gain(f"g{i}", keys_t, all_months) for i in range(len(configs))}
        pick = max(scores, key=lambda k: scores[k])
        c = configs[int(pick[1:])]
        keys_h = [(a, 0.05) for a in hold_a]
        print(f"\n4. Split by area: chosen on {', '.join(tune_a)} (all months): {c}")
        print(f"   held-out areas {', '.join(hold_a)}, 5% coverage, PEI* above naive: "
              f"chosen {gain(pick, keys_h, all_months):+.4f}, "
              f"shipped default {gain('default', keys_h, all_months):+.4f}")

    # 5. references: how much more a forecast could gain
    weights = (0.05, 0.1, 0.2, 0.4)
    refs = {"naive": METHODS["naive"], "default": Blend(), "two-sided": TwoSided()}
    for w in weights:
        refs[f"other{w:g}"] = BlendWithOtherCrime(other, w)
    ref_per = {}
    for area in areas:
        ref_per[(area, 0.05)] = backtest(df[df["area_name"] == area], coverage=0.05,
                                         cell_size=250, methods=refs)
    ref_all = backtest(df, coverage=0.05, cell_size=250, methods=refs)

    def ref_gain(name: str, months) -> tuple[float, float]:
        per_area = [(fold_pei(r, name) - fold_pei(r, "naive"))[lambda d: months(d.index)].mean()
                    for r in ref_per.values()]
        d = fold_pei(ref_all, name) - fold_pei(ref_all, "naive")
        return float(np.mean(per_area)), float(d[months(d.index)].mean())

    pick_w = max(weights, key=lambda w: ref_gain(f"other{w:g}", tune_months)[0])
    print("\n5. How much more there is to gain, 5% coverage, PEI* above naive "
          "(areas mean, force-wide):")
    for name, label, months in (
        ("default", f"{default_method} (shipped), held-out months", held_months),
        (f"other{pick_w:g}", f"blend + other crime x{pick_w:g} (weight chosen on the tuning "
                             "months), held-out months", held_months),
        ("two-sided", "two-sided reference (looks ahead; not a forecast), every month",
         all_months),
        ("default", f"{default_method} (shipped), every month", all_months),
    ):
        a, f = ref_gain(name, months)
        print(f"   {label}: {a:+.4f}, {f:+.4f}")
    print(f"\n(total {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
