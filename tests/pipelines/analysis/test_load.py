"""Loading incidents from the warehouse: filters, and counted loaders that give the analysis
functions exactly the answers the incidents themselves give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.analysis import grid, hotspots, peaktimes
from pipelines.analysis import load as L
from pipelines.analysis.load import IncidentFilter


@pytest.fixture(scope="module")
def con(sample_db: Path):
    c = duckdb.connect(str(sample_db), read_only=True)
    yield c
    c.close()


def _weighted(raw: pd.DataFrame, harm: str | None) -> pd.DataFrame:
    raw = raw.copy()
    if harm == "category":
        raw["w"] = hotspots.harm_weights(raw[["category"]])
    elif harm == "risk_band":
        raw["w"] = hotspots.harm_weights(raw)
    return raw


def test_load_incidents_matches_the_mart_and_filters(con):
    everything = L.load_incidents(con)
    assert list(everything.columns) == list(L.INCIDENT_COLUMNS)
    assert len(everything) == con.execute(
        "SELECT count(*) FROM mart_incident WHERE is_asb").fetchall()[0][0]
    assert everything["month"].dtype == "datetime64[ns]"
    f = IncidentFilter(start=date(2022, 3, 15), end=date(2022, 5, 31), csp_codes=("E06000002",),
                       sources=("police-uk", "incidents"))
    some = L.load_incidents(con, f)
    expected = con.execute(
        "SELECT count(*) FROM mart_incident WHERE is_asb AND month BETWEEN '2022-03-01' AND "
        "'2022-05-31' AND csp_code = 'E06000002' AND source_name IN ('police-uk', 'incidents')"
    ).fetchall()[0][0]
    assert len(some) == expected > 0
    assert set(some["month"].dt.month) == {3, 4, 5}
    # "not given" category keeps the police.uk rows (no category); sub-types filter exactly
    police = L.load_incidents(con, IncidentFilter(categories=(L.NOT_GIVEN,)))
    assert set(police["source_name"]) == {"police-uk"}
    noise = L.load_incidents(con, IncidentFilter(subtypes=("noise",)))
    assert len(noise) > 0 and set(noise["subtype"]) == {"noise"}


def test_values_are_parameters_not_sql(con):
    nasty = IncidentFilter(csp_codes=("x' OR 1=1 --",), categories=("'; DROP TABLE x; --",))
    assert L.count_incidents(con, nasty) == {"incidents": 0, "located": 0, "timed": 0}
    assert con.execute("SELECT count(*) FROM mart_incident").fetchall()[0][0] > 0


def test_risk_band_comes_from_the_case_or_assessment(con):
    frame = L.load_incidents(con, columns=["incident_id", "source_name", "risk_band"])
    banded = frame.dropna(subset=["risk_band"])
    assert len(banded) > 100
    assert set(banded["risk_band"]) <= {"high", "medium", "standard"}
    assert set(banded["source_name"]) == {"teesvalley-housing-reports"}


@pytest.mark.parametrize("harm", [None, "category", "risk_band"])
def test_counted_loaders_give_the_same_answers(con, harm):
    f = IncidentFilter(start=date(2021, 6, 1), end=date(2022, 12, 31))
    raw = _weighted(L.load_incidents(con, f), harm)
    w = "w" if harm else None
    # grid counts, occupied and the whole rectangle
    for extent in ("occupied", "bbox"):
        mine = L.cell_counts(con, f, 250, harm=harm, extent=extent)
        theirs = grid.count_by_cell(raw, 250, weight=w, extent=extent)
        pd.testing.assert_frame_equal(mine.cells, theirs.cells)
        assert (mine.n_located, mine.n_unlocated) == (theirs.n_located, theirs.n_unlocated)
    # density from counted places
    points = L.load_points(con, f, harm=harm)
    pd.testing.assert_frame_equal(
        hotspots.kernel_density(points, cell_size=200, bandwidth=400, weight="weight").cells,
        hotspots.kernel_density(raw, cell_size=200, bandwidth=400, weight=w).cells, rtol=1e-9)
    assert points["count"].sum() == raw["easting"].notna().sum()
    # emerging hot spots from cells by month
    cells = L.load_cells(con, f, 500, by_month=True, harm=harm)
    located = raw[raw["easting"].notna()]
    pd.testing.assert_frame_equal(
        hotspots.emerging_hotspots(cells, 500, weight="weight").cells,
        hotspots.emerging_hotspots(located, 500, weight=w).cells)
    # monthly trend
    pd.testing.assert_frame_equal(
        peaktimes.monthly_trend(L.load_months(con, f, harm=harm), weight="weight").monthly,
        peaktimes.monthly_trend(raw, weight=w).monthly)
    # hot dots
    dots = L.hot_dot_counts(con, f, 25, harm=harm, with_text=True)
    theirs = hotspots.hot_dots(raw, top=25, weight=w)
    pd.testing.assert_frame_equal(dots[theirs.locations.columns], theirs.locations,
                                  check_dtype=False)
    assert dots.attrs == {"n_incidents": theirs.n_incidents,
                          "n_without_location": theirs.n_without_location}


@pytest.mark.parametrize("harm", [None, "category", "risk_band"])
def test_area_counts_of_incidents_in_no_area(con, harm):
    """A source whose incidents carry no location (so no area): every area counts 0 and the
    incidents are counted outside, with or without harm weighting (the weighted path once
    failed to merge a column of missing codes)."""
    f = L.IncidentFilter(sources=("teesvalley-housing-reports",))
    held = L.count_incidents(con, f)["incidents"]
    assert held > 0
    for level in ("lsoa", "ward"):
        out = L.area_counts(con, f, level, harm=harm)
        assert len(out) > 0 and (out["count"] == 0).all() and (out["weight"] == 0).all()
        assert out.attrs["outside"] == held


def test_area_counts_and_rates(con):
    f = IncidentFilter(csp_codes=("E06000001",))
    lsoa = L.area_counts(con, f, "lsoa")
    assert len(lsoa) == con.execute(
        "SELECT count(*) FROM core_area_lsoa WHERE csp_code = 'E06000001'").fetchall()[0][0]
    raw = L.load_incidents(con, f)
    by_code = raw["lsoa_code"].value_counts()
    top = lsoa.iloc[0]
    assert top["count"] == by_code.max()
    assert top["rate_per_1000"] == pytest.approx(1000 * top["count"] / top["population"])
    assert lsoa["count"].sum() + lsoa.attrs["outside"] == len(raw)
    ward = L.area_counts(con, f, "ward", harm="category")
    assert ward["population"].sum() == pytest.approx(lsoa["population"].sum(), rel=1e-3)
    assert (ward["weight"] >= ward["count"]).all()  # weights are 1 to 3


def test_mart_area_apportions_ward_population(con):
    rows = dict(con.execute("SELECT level, sum(population) FROM mart_area GROUP BY 1").fetchall())
    assert rows["ward"] == pytest.approx(rows["lsoa"], rel=1e-3)
    imd = con.execute("SELECT min(imd_decile), max(imd_decile) FROM mart_area "
                      "WHERE level = 'ward'").fetchall()[0]
    assert 1 <= imd[0] <= imd[1] <= 10


def test_source_coverage(con):
    cov = L.source_coverage(con).set_index("source_name")
    assert cov.loc["police-uk", "month_only"] == cov.loc["police-uk", "incidents"]
    assert cov.loc["police-uk", "first_month"] == pd.Timestamp("2022-01-01")
    assert np.issubdtype(cov["incidents"].dtype, np.integer)


@pytest.mark.parametrize("harm", [None, "risk_band"])
def test_times_counted_give_the_same_hour_of_week_and_special_days(con, harm):
    raw = _weighted(L.load_incidents(con), harm)
    w = "w" if harm else None
    counted = L.load_times(con, harm=harm)
    assert len(counted) < len(raw) / 2
    mine = peaktimes.hour_of_week(counted, weight="weight")
    theirs = peaktimes.hour_of_week(raw, weight=w)
    pd.testing.assert_frame_equal(mine.matrix, theirs.matrix, rtol=1e-9)
    assert L.time_classes(counted) == {
        "used": theirs.n_used, "exact": theirs.n_exact, "spread_week": theirs.n_spread_week,
        "month_only": theirs.n_month_only, "no_time": theirs.n_no_time,
        "bad_window": theirs.n_bad_window}
    a = peaktimes.compare_special_days(counted, weight="weight")
    b = peaktimes.compare_special_days(raw, weight=w)
    pd.testing.assert_frame_equal(a.by_name, b.by_name, rtol=1e-9)


_SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "synthetic"


def _written_dates() -> pd.Series:
    """When each sample incident happened, as the export files write it (the occurrence date,
    else the reported one), by the agency's reference: the text the build read."""
    files = [("cleveland-police-incidents.csv", ",", "Incident Number", "Date From",
              "Date Reported"),
             ("teesvalley-housing-reports.csv", ";", "Report ID", "Incident Date",
              "Date Reported"),
             ("council-incidents.csv", ",", "source_ref", "occurred_at", "reported_at")]
    parts = []
    for name, sep, ref, occurred, reported in files:
        frame = pd.read_csv(_SAMPLE / name, sep=sep, dtype=str, encoding="utf-8-sig")
        when = frame[occurred].where(frame[occurred].str.strip().fillna("") != "",
                                     frame[reported])
        parts.append(pd.Series(when.str.strip().to_numpy(), index=frame[ref].to_numpy()))
    return pd.concat(parts)


def test_date_only_records_are_dates_in_the_warehouse_and_spread_over_the_day(con):
    raw = L.load_incidents(con, columns=["incident_id", "source_name", "occurred_at",
                                         "occurred_to", "time_precision"])
    # against the text as written, not the warehouse's own column: a date written without a
    # time is a date; one written with a time other than midnight is a date and time
    written = _written_dates()
    held = raw[raw["source_name"] != "police-uk"]
    text = written.reindex(held["incident_id"].str.rsplit(":", n=1).str[-1]).to_numpy()
    assert pd.notna(text).all()
    no_time = ~pd.Series(text).str.contains(":").to_numpy()
    timed = ~no_time & ~pd.Series(text).str.contains(r"\b00:00(?::00)?$").to_numpy()
    assert no_time.sum() > 1000 and timed.sum() > 1000
    precision = held["time_precision"].to_numpy()
    assert (precision[no_time] == "date").all()
    assert (precision[timed] == "datetime").all()
    assert (raw.loc[raw["source_name"] == "police-uk", "time_precision"] == "month").all()
    dated = raw["time_precision"] == "date"
    assert dated.sum() > 1000  # housing and council records hold dates only
    assert (raw.loc[raw["source_name"] == "teesvalley-housing-reports", "time_precision"]
            == "date").all()
    assert (raw.loc[raw["source_name"] == "cleveland-police-incidents", "time_precision"]
            == "datetime").mean() > 0.99
    starts = raw.loc[dated, "occurred_at"].dropna()
    assert (starts == starts.dt.normalize()).all()
    # no midnight pile-up: the first hour holds about a day's share of the dated records
    how = peaktimes.hour_of_week(raw)
    assert how.matrix[0].sum() < 3 * how.matrix.to_numpy().sum() / 24
    counted = L.load_times(con)
    days = counted.loc[counted["time_precision"] == "date", "occurred_at"].dropna()
    assert len(days) and (days == days.dt.normalize()).all()

def test_hot_dots_do_not_rank_a_town_or_a_kind_of_place(empty_db, tmp_path):
    from pipelines.ingest import ingest_files
    from pipelines.sources import resolve_source
    from pipelines.warehouse import build, connect

    db = empty_db()
    police = tmp_path / "2022-03-cleveland-street.csv"
    police.write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context\n"
        + ",2022-03,Cleveland Police,Cleveland Police,-1.235446,54.711190,On or near ,"
          "E01011954,Hartlepool 001A,Anti-social behaviour,,\n" * 2
        + ",2022-03,Cleveland Police,Cleveland Police,,,No Location,,,Anti-social behaviour,,\n",
        encoding="utf-8")
    rows = [("Middlesbrough (no street given)", 449571, 520156)] * 3 + [
        ("Near Linthorpe Road, Middlesbrough", 449100, 518900),
        ("Near Linthorpe Road, Middlesbrough", 449120, 518950),
        ("Near Supermarket, Middlesbrough", 449800, 519500),
        ("Near Supermarket, Middlesbrough", 450900, 517500),
        ("12 Acklam Road, Middlesbrough", 448000, 517000)]
    export = tmp_path / "cleveland.csv"
    export.write_text(
        "Incident Number,Date Reported,Date From,Date To,ASB Category,Incident Type,X,Y,"
        "Location,Beat,Hate Flag,Result\n" + "".join(
            f"CLE-22-{i:06d},0{i + 1}/03/2022 22:00,0{i + 1}/03/2022 21:40,,ASBN,Rowdy,"
            f"{x},{y},\"{text}\",M1,N,Advice\n" for i, (text, x, y) in enumerate(rows)),
        encoding="utf-8")
    con = connect(db)
    try:
        ingest_files(con, resolve_source("police-uk"), [police])
        ingest_files(con, resolve_source("cleveland-police-incidents"), [export])
        build(con)
        keys = dict(con.execute(
            "SELECT source_ref, location_key FROM mart_incident WHERE source_ref IS NOT NULL"
        ).fetchall())
        located = con.execute("SELECT count(*) FROM mart_incident WHERE location_key IS NULL "
                              "AND easting IS NOT NULL").fetchall()[0][0]
        dots = L.hot_dot_counts(con, top=10, with_text=True)
    finally:
        con.close()
    # town only or a kind of place: no key (still on the map by their coordinates)
    assert [keys[f"CLE-22-{i:06d}"] for i in (0, 1, 2, 5, 6)] == [None] * 5
    assert located == 5
    assert keys["CLE-22-000003"] == keys["CLE-22-000004"]  # the same street, twice
    assert keys["CLE-22-000007"].startswith("address:12 acklam road")
    # the police.uk snap point is one place even though it has no name
    assert dots["count"].tolist() == [2, 2, 1]  # ties in key order: address before point
    assert dots["location_key"].str.startswith("point:").tolist() == [False, True, False]
    assert dots["location_text"].tolist()[:2] == ["Near Linthorpe Road, Middlesbrough",
                                                  "On or near"]
    assert not dots["location_text"].str.contains("no street given|Supermarket").any()
    assert dots.attrs == {"n_incidents": 11, "n_without_location": 6}


def test_sample_hot_dots_rank_no_town(con):
    town_only = "location_text LIKE '%(no street given)%'"
    held, keyed = con.execute(
        f"SELECT count(*), count(location_key) FROM mart_incident WHERE {town_only}"
    ).fetchall()[0]
    assert held > 0 and keyed == 0
    dots = L.hot_dot_counts(con, top=50, with_text=True)
    assert not dots["location_text"].str.contains("no street given").any()
    assert dots.attrs["n_without_location"] >= held
