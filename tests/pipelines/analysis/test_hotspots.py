"""Hot spots: kernel density, Gi* (checked against esda), emerging hot spots, hot dots, harm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pipelines.analysis import AnalysisProblem
from pipelines.analysis.grid import count_by_cell
from pipelines.analysis.hotspots import (
    EMERGING_CATEGORIES,
    benjamini_hochberg,
    classify_emerging,
    default_bandwidth,
    emerging_hotspots,
    getis_ord_gi_star,
    gi_star_hotspots,
    harm_weights,
    hot_dots,
    kernel_density,
    neighbour_matrix,
)

# --------------------------------------------------------------------------- kernel density


def test_quartic_density_by_hand():
    # one incident at a cell centre; a cell centre 50 m away sees (1 - 0.25)^2 of the peak
    df = pd.DataFrame({"easting": [1025.0], "northing": [1025.0]})
    s = kernel_density(df, cell_size=50, bandwidth=100, kernel="quartic").cells.set_index("cell_id")
    peak = 3 / (np.pi * 100.0**2) * 1e6
    assert s.loc["E1000N1000", "density"] == pytest.approx(peak, rel=1e-12)
    assert s.loc["E1050N1000", "density"] == pytest.approx(peak * 0.75**2, rel=1e-12)
    assert s.loc["E1100N1000", "density"] == 0.0  # 100 m away: edge of the kernel


def test_gaussian_density_by_hand_and_weights():
    df = pd.DataFrame({"easting": [25.0, 25.0], "northing": [25.0, 25.0], "weight": [3.0, 1.0]})
    s = kernel_density(df, cell_size=50, bandwidth=100, kernel="gaussian", weight="weight")
    cells = s.cells.set_index("cell_id")
    expected = 4.0 / (2 * np.pi * 100.0**2) * np.exp(-0.5 * (100 / 100) ** 2) * 1e6
    assert cells.loc["E100N0", "density"] == pytest.approx(expected, rel=1e-12)
    assert s.bandwidth == 100 and s.bandwidth_rule.startswith("given")


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
def test_density_integrates_to_the_number_of_incidents(kernel):
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"easting": rng.uniform(0, 1000, 30), "northing": rng.uniform(0, 1000, 30)})
    s = kernel_density(df, cell_size=10, bandwidth=150, kernel=kernel)
    total = s.cells["density"].sum() * (10.0 * 10.0) / 1e6
    assert total == pytest.approx(30, rel=0.01)


def test_default_bandwidth_is_reported():
    df = pd.DataFrame({"easting": [0.0, 6000.0], "northing": [0.0, 3000.0]})
    assert default_bandwidth(df["easting"], df["northing"]) == 100.0
    s = kernel_density(df, cell_size=200)
    assert s.bandwidth == 100.0 and "Chainey" in s.bandwidth_rule


def test_cleveland_density(cleveland_asb):
    s = kernel_density(cleveland_asb, cell_size=100)
    # shorter side of the rectangle spanning the points / 30
    side = min(np.ptp(cleveland_asb["easting"]), np.ptp(cleveland_asb["northing"]))
    assert s.bandwidth == pytest.approx(round(side / 30), abs=0.5)
    total = s.cells["density"].sum() * 100 * 100 / 1e6
    assert total == pytest.approx(16_156, rel=0.01)
    peak = s.cells.loc[s.cells["density"].idxmax()]
    # the densest place is in central Middlesbrough (about 449-451 km E, 519-521 km N)
    assert 447_000 < peak["x"] < 452_000 and 518_000 < peak["y"] < 522_000


# --------------------------------------------------------------------------- Gi*


def _hand_gi_star(x: np.ndarray, W: np.ndarray) -> np.ndarray:
    n = len(x)
    xbar = x.mean()
    s = np.sqrt((x**2).mean() - xbar**2)
    out = []
    for i in range(n):
        w = W[i]
        wi = w.sum()
        num = (w * x).sum() - xbar * wi
        den = s * np.sqrt((n * (w**2).sum() - wi**2) / (n - 1))
        out.append(num / den if den > 0 else np.nan)
    return np.array(out)


def test_gi_star_on_a_3x3_grid_by_hand():
    cells = pd.DataFrame(
        {"col": [0, 1, 2] * 3, "row": [0] * 3 + [1] * 3 + [2] * 3, "count": [1, 1, 1, 1, 9, 1, 1, 1, 1]}
    )
    z = getis_ord_gi_star(cells).cells["z"].to_numpy()
    # corner: 4 cells (itself, two edges, centre) holding 12; mean 17/9; sd sqrt(89/9-(17/9)^2)
    sd = np.sqrt(89 / 9 - (17 / 9) ** 2)
    corner = (12 - 4 * 17 / 9) / (sd * np.sqrt((9 * 4 - 16) / 8))
    edge = (14 - 6 * 17 / 9) / (sd * np.sqrt((9 * 6 - 36) / 8))
    assert z[0] == pytest.approx(corner, abs=1e-12)
    assert z[1] == pytest.approx(edge, abs=1e-12)
    assert np.isnan(z[4])  # its neighbourhood is every cell: undefined


def test_gi_star_matches_the_textbook_formula_on_a_random_grid():
    rng = np.random.default_rng(7)
    col, row = np.meshgrid(np.arange(8), np.arange(6))
    cells = pd.DataFrame({"col": col.ravel(), "row": row.ravel(), "count": rng.poisson(3, 48)})
    for kwargs in ({"order": 1}, {"order": 2}, {"neighbourhood": "distance", "distance": 500,
                                                "cell_size": 250}):
        res = getis_ord_gi_star(cells, **kwargs)
        W = neighbour_matrix(cells["col"], cells["row"], **kwargs).toarray()
        np.testing.assert_allclose(res.cells["z"], _hand_gi_star(cells["count"].to_numpy(float), W),
                                   atol=1e-10)


def test_neighbourhoods():
    col, row = np.meshgrid(np.arange(5), np.arange(5))
    col, row = col.ravel(), row.ravel()
    centre = 12
    assert neighbour_matrix(col, row)[centre].sum() == 9
    assert neighbour_matrix(col, row, order=2)[centre].sum() == 25
    assert neighbour_matrix(col, row, neighbourhood="distance", distance=250, cell_size=250)[
        centre
    ].sum() == 5  # rook: itself and four sharing an edge
    queen_by_distance = neighbour_matrix(
        col, row, neighbourhood="distance", distance=250 * np.sqrt(2), cell_size=250
    )
    assert (queen_by_distance != neighbour_matrix(col, row)).nnz == 0
    with pytest.raises(AnalysisProblem):
        neighbour_matrix(col, row, neighbourhood="distance")


def test_benjamini_hochberg_matches_scipy():
    p = np.random.default_rng(3).uniform(0, 0.2, 200)
    np.testing.assert_allclose(benjamini_hochberg(p), stats.false_discovery_control(p), atol=1e-12)
    # by hand: m = 4, sorted p (0.01, 0.02, 0.03, 0.5) -> 0.04, 0.04, 0.04, 0.5
    np.testing.assert_allclose(benjamini_hochberg(np.array([0.03, 0.5, 0.01, 0.02])),
                               [0.04, 0.5, 0.04, 0.04])


def test_fdr_classification_is_stricter_than_raw_p():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"easting": rng.uniform(0, 5000, 800), "northing": rng.uniform(0, 5000, 800)})
    raw = gi_star_hotspots(df, 250, fdr=False).cells
    fdr = gi_star_hotspots(df, 250, fdr=True).cells
    assert (fdr["confidence"] != 0).sum() <= (raw["confidence"] != 0).sum()
    assert (np.abs(fdr["confidence"]) <= np.abs(raw["confidence"])).all()
    # complete spatial randomness: after FDR almost nothing is significant
    assert (fdr["confidence"] != 0).sum() <= 2


def test_a_planted_cluster_is_a_99_percent_hot_spot():
    rng = np.random.default_rng(0)
    e = np.r_[rng.uniform(0, 5000, 400), rng.normal(2600, 80, 150)]
    n = np.r_[rng.uniform(0, 5000, 400), rng.normal(2600, 80, 150)]
    res = gi_star_hotspots(pd.DataFrame({"easting": e, "northing": n}), 250)
    cells = res.cells.set_index("cell_id")
    assert cells.loc["E2500N2500", "label"] == "hot spot 99%"
    assert cells.loc["E2500N2500", "q"] < 0.01
    assert res.to_geodataframe().crs.to_epsg() == 27700


@pytest.mark.slow
def test_gi_star_z_scores_match_esda(cleveland_asb):
    """Our vectorised Gi* against esda.G_Local (star, binary), 1e-6. esda may compile with numba
    on first use (about 30 s); with permutations=0 it usually does not."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    mid = cleveland_asb[cleveland_asb["area_name"] == "Middlesbrough"]
    cells = count_by_cell(mid, 250, extent="bbox").cells
    for kwargs in ({"order": 1}, {"neighbourhood": "distance", "distance": 600, "cell_size": 250}):
        ours = getis_ord_gi_star(cells, **kwargs).cells["z"].to_numpy()
        W = neighbour_matrix(cells["col"], cells["row"], include_self=False, **kwargs)
        w = libpysal.weights.WSP(W).to_W(silence_warnings=True)
        theirs = esda.G_Local(
            cells["count"].to_numpy(dtype=float), w, transform="B", star=True,
            permutations=0, n_jobs=1,
        ).Zs
        assert np.isfinite(ours).all()
        np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)


def test_cleveland_gi_star(cleveland_asb):
    res = gi_star_hotspots(cleveland_asb[cleveland_asb["area_name"] == "Middlesbrough"], 250)
    cells = res.cells
    assert len(cells) == 1_054  # every cell of Middlesbrough's rectangle
    hot = cells[cells["confidence"] > 0]
    assert 60 <= len(hot) <= 120
    # hot spots hold far more than their share of incidents
    assert hot["count"].sum() / cells["count"].sum() > 0.5
    assert set(cells["label"]) <= {"not significant", "hot spot 99%", "hot spot 95%",
                                   "hot spot 90%", "cold spot 99%", "cold spot 95%",
                                   "cold spot 90%"}


# --------------------------------------------------------------------------- emerging


@pytest.mark.parametrize(
    ("status", "trend", "expected"),
    [
        ([0, 0, 0, 0, 1], "no trend", "new hot spot"),
        ([0, 0, 0, 1, 1], "increasing", "consecutive hot spot"),
        ([0, 1, 0, 1, 1], "no trend", "sporadic hot spot"),
        ([1] * 10, "increasing", "intensifying hot spot"),
        ([1] * 10, "no trend", "persistent hot spot"),
        ([1] * 10, "decreasing", "diminishing hot spot"),
        ([1] * 10 + [0], "no trend", "historical hot spot"),
        ([-1, 0, 0, 1, 1], "no trend", "oscillating hot spot"),
        ([0, 0, 0, 0, -1], "no trend", "new cold spot"),
        ([-1] * 10, "decreasing", "intensifying cold spot"),
        ([-1] * 10, "increasing", "diminishing cold spot"),
        ([1, 0, 0, 0, 0], "no trend", "no pattern"),
        ([0, 0, 0, 0, 0], "no trend", "no pattern"),
    ],
)
def test_emerging_rules(status, trend, expected):
    assert classify_emerging(np.array(status), trend) == expected


def _months(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2023-01-01", periods=n, freq="MS")


def _planted(clusters, months: int = 12, seed: int = 5) -> pd.DataFrame:
    """Uniform background plus clusters: (coordinate, count in month i) on the diagonal."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, m in enumerate(_months(months)):
        e = rng.uniform(0, 5000, 150)
        n = rng.uniform(0, 5000, 150)
        extra = [(xy, count(i)) for xy, count in clusters]
        e = np.r_[e, *[np.full(k, xy) for xy, k in extra]]
        n = np.r_[n, *[np.full(k, xy) for xy, k in extra]]
        frames.append(pd.DataFrame({"easting": e, "northing": n, "month": m}))
    return pd.concat(frames, ignore_index=True)


def test_emerging_persistent_and_new():
    df = _planted([(1125.0, lambda i: 60), (2625.0, lambda i: 40 if i == 11 else 0)])
    cells = emerging_hotspots(df, 250).cells.set_index("cell_id")
    assert cells.loc["E1000N1000", "pattern"] == "persistent hot spot"
    assert cells.loc["E1000N1000", "n_hot"] == 12
    assert cells.loc["E2500N2500", "pattern"] == "new hot spot"


def test_emerging_growing_and_diminishing():
    # a steady cluster loses ground (its Gi* z falls) as another grows month after month
    df = _planted([(1125.0, lambda i: 60), (3875.0, lambda i: 5 + 4 * i)])
    res = emerging_hotspots(df, 250)
    cells = res.cells.set_index("cell_id")
    assert cells.loc["E3750N3750", "trend"] == "increasing"
    assert cells.loc["E3750N3750", "pattern"] == "consecutive hot spot"
    assert cells.loc["E1000N1000", "trend"] == "decreasing"
    assert cells.loc["E1000N1000", "pattern"] == "diminishing hot spot"
    assert res.z.shape == (len(res.cells), 12)
    assert res.z.loc["E3750N3750"].iloc[-1] > res.z.loc["E3750N3750"].iloc[0]


def test_emerging_needs_four_months():
    df = pd.DataFrame({"easting": [1.0, 2.0], "northing": [1.0, 2.0],
                       "month": pd.to_datetime(["2024-01-01", "2024-03-01"])})
    with pytest.raises(AnalysisProblem, match="at least 4 months"):
        emerging_hotspots(df)


def test_cleveland_emerging(cleveland_asb):
    res = emerging_hotspots(cleveland_asb, 250)
    assert len(res.months) == 11
    assert res.cells["total"].sum() == pytest.approx(16_156)
    allowed = {f"{c} {k} spot" for c in EMERGING_CATEGORIES for k in ("hot", "cold")} | {"no pattern"}
    assert set(res.cells["pattern"]) <= allowed
    assert res.summary.sum() == len(res.cells)
    persistent = res.cells[res.cells["pattern"] == "persistent hot spot"]
    assert len(persistent) > 100
    # persistent hot spots are where ASB is: far busier than the average cell with any
    busy = res.cells[res.cells["total"] > 0]["total"].mean()
    assert persistent["total"].mean() > 2 * busy


# --------------------------------------------------------------------------- hot dots, harm


def test_hot_dots_counts_shares_and_ties():
    df = pd.DataFrame({"location_key": ["b", "a", "b", "c", "a", "b", None, ""]})
    res = hot_dots(df, top=3)
    loc = res.locations
    assert loc["location_key"].tolist() == ["b", "a", "c"]
    assert loc["count"].tolist() == [3, 2, 1]
    np.testing.assert_allclose(loc["share"], [3 / 8, 2 / 8, 1 / 8])
    np.testing.assert_allclose(loc["cumulative_share"], [3 / 8, 5 / 8, 6 / 8])
    assert res.n_without_location == 2 and res.n_incidents == 8


def test_cleveland_hot_dots(cleveland_asb):
    res = hot_dots(cleveland_asb, top=10)
    top = res.locations.iloc[0]
    assert top["count"] == 66  # the busiest police.uk snap point (SOURCES.md)
    assert top["share"] == pytest.approx(66 / 16_156)
    assert res.locations["count"].is_monotonic_decreasing
    assert np.isfinite(res.locations[["easting", "northing"]]).all().all()


def test_harm_weights_prefer_the_risk_band_then_the_category():
    df = pd.DataFrame({
        "category": ["personal", "nuisance", "environmental", None, "other", " Personal "],
        "risk_band": [None, "high", "unknown", "medium", None, None],
    })
    assert harm_weights(df).tolist() == [3.0, 3.0, 1.0, 2.0, 1.0, 3.0]
    custom = harm_weights(df, category_weights={"personal": 10, "nuisance": 4},
                          risk_band_weights={"high": 7}, default=0.5)
    assert custom.tolist() == [10.0, 7.0, 0.5, 0.5, 0.5, 10.0]
    with pytest.raises(AnalysisProblem, match="numbers >= 0"):
        harm_weights(df, category_weights={"personal": -1})


def test_harm_weights_feed_weighted_counts():
    df = pd.DataFrame({"easting": [10.0, 20.0], "northing": [10.0, 10.0],
                       "category": ["personal", "environmental"]})
    df["weight"] = harm_weights(df)
    assert count_by_cell(df, 250, weight="weight").cells["value"].tolist() == [4.0]
