"""Knox near-repeat test: a hand example, a brute-force check, reproducibility, real data."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from pipelines.analysis import AnalysisProblem
from pipelines.analysis.near_repeat import knox_arrays, knox_test


def _brute_band(value: float, edges: list[float]) -> int | None:
    """Band index by the written rule: first band [e0, e1], then (e_k, e_k+1]."""
    if value < edges[0] or value > edges[-1]:
        return None
    if value <= edges[1]:
        return 0
    for k in range(1, len(edges) - 1):
        if edges[k] < value <= edges[k + 1]:
            return k
    return None


def _brute_counts(x, y, t, s_edges, t_edges) -> np.ndarray:
    out = np.zeros((len(s_edges) - 1, len(t_edges) - 1), dtype=int)
    for i, j in itertools.combinations(range(len(x)), 2):
        s = _brute_band(float(np.hypot(x[i] - x[j], y[i] - y[j])), s_edges)
        k = _brute_band(float(abs(t[i] - t[j])), t_edges)
        if s is not None and k is not None:
            out[s, k] += 1
    return out


def test_knox_table_by_hand():
    # A(0,0) day 0, B(50,0) day 3, C(0,150) day 10, D(1000,0) day 1
    # AB: 50 m, 3 days; AC: 150 m, 10 days; BC: 158 m, 7 days; D is far from all
    res = knox_arrays(np.array([0.0, 50.0, 0.0, 1000.0]), np.array([0.0, 0.0, 150.0, 0.0]),
                      np.array([0.0, 3.0, 10.0, 1.0]), space_bands=[0, 100, 200],
                      time_bands=[0, 7, 14], permutations=199, seed=4)
    table = res.table.set_index(["space_band", "time_band"])
    assert table["observed"].to_dict() == {
        ("0-100 m", "0-7 days"): 1, ("0-100 m", "8-14 days"): 0,
        ("101-200 m", "0-7 days"): 1, ("101-200 m", "8-14 days"): 1,
    }
    assert res.n_close_pairs == 3
    # expected is the permutation mean; p counts permutations at least the observed
    perm = res.permuted
    np.testing.assert_allclose(table["expected"].to_numpy(), perm.mean(axis=0).ravel())
    obs = table["observed"].to_numpy().reshape(2, 2)
    np.testing.assert_allclose(table["p_value"].to_numpy(),
                               ((1 + (perm >= obs).sum(axis=0)) / 200).ravel())
    assert res.matrix("observed").loc["101-200 m", "8-14 days"] == 1


@pytest.mark.parametrize("integral", [True, False])
def test_knox_matches_brute_force_with_the_same_permutations(integral):
    rng = np.random.default_rng(9)
    n = 45
    x = np.round(rng.uniform(0, 600, n), 0)
    y = np.round(rng.uniform(0, 600, n), 0)
    x[:5] = x[5:10]  # some incidents at the same place
    y[:5] = y[5:10]
    t = rng.integers(0, 60, n).astype(float)
    if not integral:
        t = t + rng.uniform(0, 1, n)
    s_edges, t_edges = [0, 0, 100, 200, 300], [2, 7, 14, 21]
    res = knox_arrays(x, y, t, space_bands=s_edges, time_bands=t_edges, permutations=30, seed=5)
    np.testing.assert_array_equal(
        res.table["observed"].to_numpy().reshape(4, 3), _brute_counts(x, y, t, s_edges, t_edges)
    )
    perm_rng = np.random.default_rng(5)
    for k in range(30):
        tp = t[perm_rng.permutation(n)]
        np.testing.assert_array_equal(res.permuted[k], _brute_counts(x, y, tp, s_edges, t_edges))
    assert res.table["space_band"].unique().tolist() == [
        "same location", "1-100 m", "101-200 m", "201-300 m"]
    expected_time = ["2-7 days", "8-14 days", "15-21 days"] if integral else [
        "2-7 days", ">7-14 days", ">14-21 days"]
    assert res.table["time_band"].unique().tolist() == expected_time


def test_results_do_not_depend_on_threads_and_follow_the_seed():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 2000, 300), rng.uniform(0, 2000, 300)
    t = rng.integers(0, 200, 300).astype(float)
    one = knox_arrays(x, y, t, permutations=99, seed=7, n_jobs=1)
    two = knox_arrays(x, y, t, permutations=99, seed=7, n_jobs=2)
    other = knox_arrays(x, y, t, permutations=99, seed=8)
    np.testing.assert_array_equal(one.permuted, two.permuted)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert not np.array_equal(one.permuted, other.permuted)


def test_planted_near_repeats_are_significant():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 5000, 400), rng.uniform(0, 5000, 400)
    t = rng.integers(0, 365, 400).astype(float)
    # 60 follow-ups within 50 m and 3 days of an earlier incident
    src = rng.integers(0, 400, 60)
    x = np.r_[x, x[src] + rng.uniform(-35, 35, 60)]
    y = np.r_[y, y[src] + rng.uniform(-35, 35, 60)]
    t = np.r_[t, t[src] + rng.integers(0, 4, 60)]
    res = knox_arrays(x, y, t, permutations=199, seed=1)
    first = res.table.iloc[0]
    assert (first["space_band"], first["time_band"]) == ("0-100 m", "0-7 days")
    assert first["ratio"] > 3 and first["significant"] and first["p_value"] == pytest.approx(1 / 200)
    far = res.table[(res.table["space_band"] == "401-500 m") & (res.table["time_band"] == "22-28 days")]
    assert 0.6 < far["ratio"].iloc[0] < 1.6


def test_knox_test_uses_dates_and_leaves_out_month_only_rows():
    df = pd.DataFrame({
        "easting": [0.0, 50.0, 60.0, np.nan],
        "northing": [0.0, 0.0, 0.0, 0.0],
        "occurred_at": pd.to_datetime(["2024-01-01 23:30", "2024-01-02 00:30", None,
                                       "2024-01-01 10:00"]),
        "time_precision": ["datetime", "datetime", "month", "datetime"],
    })
    res = knox_test(df, space_bands=[0, 100], time_bands=[0, 0, 1], permutations=9, seed=0)
    assert res.n_events == 2 and res.n_excluded == 2
    # by date: 23:30 and 00:30 next day are one day apart
    assert res.table["observed"].tolist() == [0, 1]


def test_bad_parameters_are_explained(cleveland_asb):
    with pytest.raises(AnalysisProblem, match="must increase"):
        knox_arrays(np.zeros(3), np.zeros(3), np.zeros(3), space_bands=[0, 200, 100])
    with pytest.raises(AnalysisProblem, match="police.uk rows carry only the month"):
        knox_test(cleveland_asb)


def test_cleveland_same_place_same_month(cleveland_asb):
    """police.uk has months only: months as the time unit, Hartlepool's 2,911 incidents."""
    h = cleveland_asb[cleveland_asb["area_name"] == "Hartlepool"]
    month = ((h["month"].dt.year - 2022) * 12 + h["month"].dt.month - 1).to_numpy(float)
    x, y = h["easting"].to_numpy(), h["northing"].to_numpy()
    res = knox_arrays(x, y, month, space_bands=[0, 0, 100, 200], time_bands=[0, 0, 1, 2, 10],
                      permutations=99, seed=1)
    table = res.table.set_index(["space_band", "time_band"])
    # totals per space band do not depend on time: check them against all pairs directly
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])[np.triu_indices(len(x), 1)]
    by_space = table.groupby(level=0, sort=False)["observed"].sum()
    assert by_space["same location"] == (d == 0).sum()
    assert by_space["1-100 m"] == ((d > 0) & (d <= 100)).sum()
    assert by_space["101-200 m"] == ((d > 100) & (d <= 200)).sum()
    same = table.loc[("same location", "same day")]  # same snap point, same month
    assert same["observed"] == 2_394
    assert same["ratio"] > 1.5 and same["p_value"] == pytest.approx(0.01)
