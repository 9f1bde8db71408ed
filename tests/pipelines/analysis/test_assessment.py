"""Before/after assessment and the weighted displacement quotient."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pipelines.analysis import AnalysisProblem
from pipelines.analysis.assessment import assess_response, wdq

AREAS = Path(__file__).resolve().parents[3] / "data" / "sample" / "areas"

# --------------------------------------------------------------------------- WDQ by hand


def test_wdq_displacement_smaller_than_the_benefit():
    # success = 60/1000 - 100/1000 = -0.04; buffer = 55/1000 - 50/1000 = 0.005; WDQ = -0.125
    success, buffer, q, outcome, reading = wdq(100, 60, 50, 55, 1000, 1000)
    assert success == pytest.approx(-0.04) and buffer == pytest.approx(0.005)
    assert q == pytest.approx(-0.125)
    assert outcome == "displacement" and "net benefit" in reading


def test_wdq_diffusion_of_benefits():
    # success = 40/550 - 80/500 = -0.0872727; buffer = 45/550 - 60/500 = -0.0381818
    success, buffer, q, outcome, reading = wdq(80, 40, 60, 45, 500, 550)
    assert success == pytest.approx(40 / 550 - 80 / 500)
    assert buffer == pytest.approx(45 / 550 - 60 / 500)
    assert q == pytest.approx(0.4375)
    assert outcome == "diffusion of benefits" and "no sign of displacement" in reading


def test_wdq_displacement_outweighs_the_reduction():
    success, buffer, q, outcome, reading = wdq(50, 45, 20, 40, 1000, 1000)
    assert q == pytest.approx(0.02 / -0.005) == -4
    assert outcome == "displacement" and "outweighs" in reading


def test_wdq_undefined_cases_say_why():
    assert wdq(10, 8, 5, 5, 0, 100)[3:] == (
        "cannot compute", wdq(10, 8, 5, 5, 0, 100)[4])
    assert "no incidents in the before period" in wdq(10, 8, 5, 5, 0, 100)[4]
    assert "no incidents in the after period" in wdq(10, 8, 5, 5, 100, 0)[4]
    s, b, q, outcome, reading = wdq(10, 10, 5, 6, 100, 100)
    assert (s, q, outcome) == (0.0, None, "no change") and "divide by zero" in reading
    s, b, q, outcome, reading = wdq(10, 20, 5, 6, 100, 100)
    assert s == pytest.approx(0.1) and q is None and outcome == "no reduction"


# --------------------------------------------------------------------------- areas and periods


def _monthly(points: dict[tuple[float, float], tuple[int, int]]) -> pd.DataFrame:
    """{(easting, northing): (count each month of Jan-Mar, count each month of Apr-Jun)}."""
    rows = []
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    for (e, n), (before, after) in points.items():
        for i, m in enumerate(months):
            rows += [(e, n, m)] * (before if i < 3 else after)
    return pd.DataFrame(rows, columns=["easting", "northing", "month"])


def test_cells_with_a_ring_buffer_and_the_rest_as_comparison():
    df = _monthly({
        (125.0, 125.0): (10, 4),   # response cell E0N0
        (300.0, 125.0): (2, 3),    # 50 m east of the response cell: in a 100 m ring
        (450.0, 125.0): (1, 1),    # 200 m away: outside the ring -> comparison
        (5000.0, 5000.0): (20, 20),
    })
    res = assess_response(df, "2024-04-01", response=["E0N0"], cell_size=250, buffer_width=100,
                          period_months=3)
    c = res.counts
    assert c.loc["response", ["before", "after"]].tolist() == [30, 12]
    assert c.loc["buffer", ["before", "after"]].tolist() == [6, 9]
    assert c.loc["comparison", ["before", "after"]].tolist() == [63, 63]
    assert res.success_measure == pytest.approx(12 / 63 - 30 / 63)
    assert res.buffer_measure == pytest.approx(9 / 63 - 6 / 63)
    assert res.wdq == pytest.approx((3 / 63) / (-18 / 63))
    assert res.outcome == "displacement"
    assert res.before == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    assert res.after == (pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    assert c.loc["response", "pct_change"] == pytest.approx(-60.0)
    assert any("Small numbers in the buffer" in n for n in res.notes)


def test_polygon_response_explicit_buffer_and_comparison_with_a_gap():
    df = _monthly({(50.0, 50.0): (6, 2), (150.0, 50.0): (3, 1), (900.0, 50.0): (5, 5),
                   (5000.0, 50.0): (7, 0)})
    res = assess_response(
        df, "2024-03-01", response=shapely.box(0, 0, 100, 100),
        buffer=shapely.box(-200, -200, 300, 300), comparison=shapely.box(800, 0, 1000, 100),
        period_months=2, gap=1,
    )
    # before Jan-Feb, after Apr-May (March left out); the far point is in no area
    assert res.counts.loc["response", ["before", "after"]].tolist() == [12, 4]
    assert res.counts.loc["buffer", ["before", "after"]].tolist() == [6, 2]
    assert res.counts.loc["comparison", ["before", "after"]].tolist() == [10, 10]
    assert res.outcome == "diffusion of benefits"
    assert res.wdq == pytest.approx((2 / 10 - 6 / 10) / (4 / 10 - 12 / 10))


def test_day_periods_and_month_only_rows():
    t0 = pd.Timestamp("2024-05-01")
    rows = [(50.0, 50.0, t0 - pd.Timedelta(days=d), "datetime") for d in (1, 3, 9, 13)]
    rows += [(50.0, 50.0, t0 + pd.Timedelta(days=d), "datetime") for d in (0, 13)]
    rows += [(900.0, 50.0, t0 + pd.Timedelta(days=d), "datetime") for d in range(-14, 14)]
    rows += [(50.0, 50.0, pd.NaT, "month")]
    df = pd.DataFrame(rows, columns=["easting", "northing", "occurred_at", "time_precision"])
    res = assess_response(df, t0, response=shapely.box(0, 0, 100, 100), period_months=None,
                          period_days=14)
    assert res.counts.loc["response", ["before", "after"]].tolist() == [4, 2]
    assert res.counts.loc["comparison", ["before", "after"]].tolist() == [14, 14]
    assert res.outcome == "no buffer" and res.wdq is None
    assert res.success_measure == pytest.approx(2 / 14 - 4 / 14)
    assert any("1 incidents have no date" in n for n in res.notes)


def test_problems_are_explained():
    df = _monthly({(50.0, 50.0): (2, 2)})
    with pytest.raises(AnalysisProblem, match="after period runs to 2024-09"):
        assess_response(df, "2024-04", response=shapely.box(0, 0, 100, 100), period_months=6)
    with pytest.raises(AnalysisProblem, match="before period starts"):
        assess_response(df, "2024-02", response=shapely.box(0, 0, 100, 100), period_months=2)
    with pytest.raises(AnalysisProblem, match="also give cell_size"):
        assess_response(df, "2024-04", response=["E0N0"], period_months=3)
    df["lsoa_code"] = "E01000001"
    with pytest.raises(AnalysisProblem, match="needs the response area's shape"):
        assess_response(df, "2024-04", response=["E01000001"], buffer_width=200, period_months=3)
    with pytest.raises(AnalysisProblem, match="exactly one of"):
        assess_response(df, "2024-04", response=["E01000001"], period_months=3, period_days=7)


def test_cleveland_lsoa_response_with_a_ring_from_the_boundaries(cleveland_asb):
    """A Hartlepool LSOA as the response area, a 400 m ring from the real LSOA polygons, the
    rest of Hartlepool as comparison, April-June against July-September 2022."""
    hart = cleveland_asb[cleveland_asb["area_name"] == "Hartlepool"]
    target = hart["lsoa_code"].value_counts().index[0]
    bounds = gpd.read_file(AREAS / "lsoa-2011" / "E06000001.json").rename(
        columns={"LSOA11CD": "lsoa_code"})
    res = assess_response(hart, "2022-07-01", response=[target], buffer_width=400,
                          boundaries=bounds, period_months=3)
    # independent count: response by LSOA code, ring by geometry, comparison the rest
    poly = bounds.to_crs(27700).set_index("lsoa_code").loc[target, "geometry"]
    ring = poly.buffer(400).difference(poly)
    in_resp = hart["lsoa_code"] == target
    in_ring = shapely.intersects_xy(ring, hart["easting"], hart["northing"]) & ~in_resp
    before = hart["month"].between("2022-04-01", "2022-06-01")
    after = hart["month"].between("2022-07-01", "2022-09-01")
    expect = {
        "response": (in_resp & before).sum(), "buffer": (in_ring & before).sum(),
        "comparison": (~in_resp & ~in_ring & before).sum(),
    }
    expect_after = {
        "response": (in_resp & after).sum(), "buffer": (in_ring & after).sum(),
        "comparison": (~in_resp & ~in_ring & after).sum(),
    }
    for area in ("response", "buffer", "comparison"):
        assert res.counts.loc[area, "before"] == expect[area]
        assert res.counts.loc[area, "after"] == expect_after[area]
    assert res.counts[["before", "after"]].to_numpy().sum() == (before | after).sum()
    s, b, q, outcome, _ = wdq(*(float(v) for v in (
        expect["response"], expect_after["response"], expect["buffer"], expect_after["buffer"],
        expect["comparison"], expect_after["comparison"])))
    assert res.outcome == outcome
    assert res.success_measure == pytest.approx(s)
    if q is not None:
        assert res.wdq == pytest.approx(q)
    assert np.isfinite(res.success_measure)
