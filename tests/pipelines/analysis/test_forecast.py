"""Hotspot forecasting: the backtest protocol on known answers, no look-ahead, real data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipelines.analysis import AnalysisProblem
from pipelines.analysis.forecast import (
    METHODS,
    Blend,
    CellHistory,
    Naive,
    backtest,
    cell_history,
    default_method,
    forecast,
)

MONTHS = pd.date_range("2024-01-01", periods=6, freq="MS")


def _incidents(cells_by_month: dict[int, dict[tuple[int, int], int]], size: float = 250):
    """{month index: {(col, row): count}} -> incidents at cell centres."""
    rows = []
    for m, cells in cells_by_month.items():
        for (c, r), k in cells.items():
            rows += [((c + 0.5) * size, (r + 0.5) * size, MONTHS[m])] * k
    return pd.DataFrame(rows, columns=["easting", "northing", "month"])


def test_a_known_answer():
    # 20 cells in a row; cell 0 always has 6, cell 1 always 3; the others 1 now and then
    months = {}
    for m in range(6):
        cells = {(0, 0): 6, (1, 0): 3}
        cells.update({(c, 0): 1 for c in range(2, 20) if (c + m) % 3 == 0})
        months[m] = cells
    months[0].update({(c, 0): 1 for c in range(2, 20)})
    df = _incidents(months)
    res = backtest(df, coverage=0.1, cell_size=250, methods=["naive", "blend"])
    assert res.n_cells == 20 and res.flagged_cells == 2
    for name in ("naive", "blend"):
        folds = res.methods[name].folds
        assert [f.month for f in folds] == ["2024-04", "2024-05", "2024-06"]
        for f, m in zip(folds, (3, 4, 5), strict=True):
            total = sum(months[m].values())
            assert f.hits == 9 and f.flagged_cells == 2
            assert f.hit_rate == pytest.approx(9 / total)
            assert f.pai == pytest.approx(9 / total / 0.1)
            assert f.pei_star == pytest.approx(1.0)
    d = res.to_dict()
    assert set(d) == {"methods", "default_method"} and d["default_method"] == default_method
    assert set(d["methods"]["naive"]) == {"mean_pai", "mean_pei_star", "mean_hit_rate", "folds"}
    assert set(d["methods"]["naive"]["folds"][0]) == {
        "month", "pai", "pei_star", "hit_rate", "hits", "flagged_cells"}
    assert d["methods"]["naive"]["mean_pei_star"] == pytest.approx(1.0)


def test_pei_star_and_ties_follow_the_protocol():
    # Month 3 target. Naive scores: A=2 (months 1-2), B=2, C=2. Tie broken by all earlier
    # months: A has 5 (3 in month 0), B 2, C 2; then position: B (col 1) before C (col 2).
    months = {
        0: {(0, 0): 3, (5, 0): 1},
        1: {(0, 0): 1, (1, 0): 1, (2, 0): 1},
        2: {(0, 0): 1, (1, 0): 1, (2, 0): 1},
        3: {(2, 0): 4, (1, 0): 1, (5, 0): 2},
        4: {(0, 0): 1},
    }
    df = _incidents(months)
    res = backtest(df, coverage=0.5, cell_size=250, methods=["naive"])  # 4 cells -> flag 2
    fold = res.methods["naive"].folds[0]
    assert fold.month == "2024-04" and fold.flagged_cells == 2
    # flagged: A and B -> hits 0 + 1 = 1; the best two cells hold 4 + 2 = 6
    assert fold.hits == 1 and fold.best_possible == 6
    assert fold.pei_star == pytest.approx(1 / 6)
    assert fold.hit_rate == pytest.approx(1 / 7) and fold.pai == pytest.approx(2 / 7)


def test_months_without_incidents_are_not_scored():
    months = {0: {(0, 0): 2, (1, 0): 1}, 1: {(0, 0): 1}, 2: {(1, 0): 1}, 4: {(0, 0): 1}}
    res = backtest(_incidents(months), coverage=0.5, methods=["naive"])
    folds = res.methods["naive"].folds
    assert [f.month for f in folds] == ["2024-04", "2024-05"]
    assert folds[0].hit_rate is None and folds[0].pei_star is None and folds[0].hits == 0
    assert res.methods["naive"].mean_hit_rate == pytest.approx(folds[1].hit_rate)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_methods_never_look_ahead(name):
    rng = np.random.default_rng(0)
    counts = rng.poisson(2, size=(8, 30)).astype(float)
    col, row = np.arange(30) % 6, np.arange(30) // 6
    points = np.c_[(col + 0.5) * 250, (row + 0.5) * 250]
    h = CellHistory(pd.date_range("2024-01-01", periods=8, freq="MS"), col, row, 250.0, counts,
                    points, counts.copy())
    before = METHODS[name].score(h, 5)
    counts[5:] = rng.poisson(20, size=(3, 30))
    h2 = CellHistory(h.months, col, row, 250.0, counts, points, counts.copy())
    np.testing.assert_array_equal(before, METHODS[name].score(h2, 5))


def test_blend_by_hand():
    counts = np.array([[4.0, 0.0, 1.0], [0.0, 2.0, 0.0], [2.0, 2.0, 0.0]])
    h = CellHistory(pd.date_range("2024-01-01", periods=3, freq="MS"), np.array([0, 1, 9]),
                    np.array([0, 0, 0]), 250.0, counts, np.zeros((0, 2)), np.zeros((3, 0)))
    w = np.array([0.25, 0.5, 1.0])  # half-life 1 month: oldest 0.25
    own = w @ counts / w.sum() + 0.5 * counts.mean(axis=0)
    expected = own + 0.1 * np.array([own[1], own[0], 0.0])  # cells 0 and 1 are neighbours
    np.testing.assert_allclose(Blend(1.0, 0.5, 0.1).score(h, 3), expected)


def test_custom_methods_and_errors():
    months = {m: {(0, 0): 2, (1, 0): 1, (2, 0): m % 2} for m in range(5)}
    df = _incidents(months)
    res = backtest(df, coverage=0.34, methods={"last month": Naive(months=1)})
    assert list(res.methods) == ["last month"]
    with pytest.raises(AnalysisProblem, match="unknown forecasting method"):
        backtest(df, methods=["oracle"])
    with pytest.raises(AnalysisProblem, match="flags no cell"):
        backtest(df, coverage=0.05)
    with pytest.raises(AnalysisProblem, match="more than 3 months"):
        backtest(_incidents({0: {(0, 0): 1}, 2: {(0, 0): 1}}))


def test_forecast_uses_only_earlier_months_and_returns_cells_for_the_map():
    months = {0: {(0, 0): 3, (1, 0): 1}, 1: {(0, 0): 1, (1, 0): 2}, 2: {(1, 0): 2, (2, 0): 1},
              3: {(2, 0): 9}}
    df = _incidents(months)
    res = forecast(df, "2024-03", "naive", 0.5, 250)  # months 0-1 only: (0,0) has 4, (1,0) 3
    assert res.month == "2024-03" and res.history_months == 2 and res.n_cells == 2
    assert res.cells["cell_id"].tolist() == ["E0N0"] and res.cells["score"].tolist() == [4.0]
    nxt = forecast(df, method="naive", coverage=0.34)
    assert nxt.month == "2024-05" and nxt.n_cells == 3
    assert nxt.cells["cell_id"].tolist() == ["E500N0"]
    gdf = nxt.to_geodataframe()
    assert gdf.crs.to_epsg() == 27700 and gdf.geometry.iloc[0].bounds == (500, 0, 750, 250)
    # default method, custom object
    assert forecast(df, coverage=0.34).method == default_method
    assert forecast(df, method=Naive(months=1), coverage=0.34).method == "naive"


def test_cell_history_counts(cleveland_asb):
    h = cell_history(cleveland_asb, 250)
    assert h.counts.shape == (11, 2_009) and h.counts.sum() == 16_156
    assert h.point_counts.sum() == 16_156 and len(h.points) == 5_715
    assert (np.diff(h.row) >= 0).all()


@pytest.fixture(scope="module")
def cleveland_backtest(cleveland_asb):
    return backtest(cleveland_asb, coverage=0.05, cell_size=250)


def test_cleveland_backtest(cleveland_backtest):
    res = cleveland_backtest
    assert res.n_cells == 2_009 and res.flagged_cells == math.floor(2_009 * 0.05) == 100
    naive = res.methods["naive"]
    assert [f.month for f in naive.folds] == [f"2022-{m:02d}" for m in range(4, 12)]
    assert naive.mean_pei_star == pytest.approx(0.674, abs=0.005)  # "about 0.67"
    for m in res.methods.values():
        for f in m.folds:
            assert 0 <= f.pei_star <= 1 and f.hits <= f.best_possible <= f.incidents
            assert f.pai == pytest.approx(f.hit_rate / 0.05)
    # regression guard for the default method (see benchmarks/backtest.py for held-out figures)
    assert res.methods[default_method].mean_pei_star >= naive.mean_pei_star + 0.015


def test_cleveland_forecast(cleveland_asb):
    res = forecast(cleveland_asb)
    assert res.month == "2022-12" and res.n_cells == 2_009 and len(res.cells) == 100
    assert res.cells["score"].is_monotonic_decreasing
    assert res.cells["rank"].tolist() == list(range(1, 101))
    # November from January-October, naive, checked with plain pandas: study cells are those
    # with an incident before November; rank by August-October count, then Jan-Oct, then position
    nov = forecast(cleveland_asb, "2022-11", "naive", 0.05, 250)
    df = cleveland_asb[cleveland_asb["month"] < "2022-11-01"].assign(
        col=lambda d: np.floor(d["easting"] / 250).astype(int),
        row=lambda d: np.floor(d["northing"] / 250).astype(int),
        recent=lambda d: d["month"] >= "2022-08-01",
    )
    cells = df.groupby(["row", "col"]).agg(recent=("recent", "sum"), earlier=("recent", "size"))
    cells = cells.reset_index().sort_values(["recent", "earlier", "row", "col"],
                                            ascending=[False, False, True, True])
    k = int(len(cells) * 0.05)
    assert nov.n_cells == len(cells) and len(nov.cells) == k
    top = cells.head(k)
    assert nov.cells["col"].tolist() == top["col"].tolist()
    assert nov.cells["row"].tolist() == top["row"].tolist()
    assert nov.cells["score"].tolist() == top["recent"].astype(float).tolist()


def test_counted_rows_give_the_same_backtest_and_forecast(cleveland_asb, cleveland_backtest):
    # the dashboard passes rows counted per cell and month (the warehouse groups them); every
    # method but kde (which smooths from points) must score exactly as from one row per incident
    df = cleveland_asb.assign(
        col=np.floor(cleveland_asb["easting"] / 250), row=np.floor(cleveland_asb["northing"] / 250))
    counted = (df.groupby(["col", "row", "month"]).size().rename("n").reset_index()
               .assign(easting=lambda d: (d["col"] + 0.5) * 250,
                       northing=lambda d: (d["row"] + 0.5) * 250))
    assert len(counted) < len(df) / 2 and counted["n"].sum() == len(df)
    names = [n for n in METHODS if n != "kde"]
    res = backtest(counted, coverage=0.05, cell_size=250, methods=names, count="n")
    for name in names:
        assert ([f.hits for f in res.methods[name].folds]
                == [f.hits for f in cleveland_backtest.methods[name].folds])
    by_row, by_count = forecast(cleveland_asb), forecast(counted, count="n")
    assert by_count.cells["cell_id"].tolist() == by_row.cells["cell_id"].tolist()
    with pytest.raises(AnalysisProblem, match="n_missing"):
        cell_history(counted, 250, count="n_missing")
