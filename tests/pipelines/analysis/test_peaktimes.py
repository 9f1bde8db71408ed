"""Peak times: aoristic hour of week, monthly trend, bank holidays, special days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipelines.analysis import AnalysisProblem
from pipelines.analysis.peaktimes import (
    bank_holidays,
    compare_special_days,
    daily_counts,
    easter_sunday,
    hour_of_week,
    monthly_trend,
    special_days,
    special_days_from_config,
)


def _frame(starts, ends=None, precision="datetime"):
    starts = pd.to_datetime(pd.Series(starts, dtype="object"), format="ISO8601")
    ends = (pd.to_datetime(pd.Series(ends, dtype="object"), format="ISO8601")
            if ends is not None else pd.Series(pd.NaT, index=starts.index))
    return pd.DataFrame({"occurred_at": starts, "occurred_to": ends, "time_precision": precision})


# --------------------------------------------------------------------------- hour of week


def test_two_hour_window_splits_half_and_half():
    # 2024-01-03 is a Wednesday
    res = hour_of_week(_frame(["2024-01-03 19:00"], ["2024-01-03 21:00"]))
    m = res.matrix
    assert m.loc["Wednesday", 19] == pytest.approx(0.5)
    assert m.loc["Wednesday", 20] == pytest.approx(0.5)
    assert m.values.sum() == pytest.approx(1.0)
    assert (res.n_used, res.n_exact) == (1, 0)


def test_partial_hours_and_midnight_sunday_wraps_to_monday():
    # Sunday 23:30 to Monday 00:30: half an hour either side of the week boundary
    res = hour_of_week(_frame(["2024-01-07 23:30"], ["2024-01-08 00:30"]))
    assert res.matrix.loc["Sunday", 23] == pytest.approx(0.5)
    assert res.matrix.loc["Monday", 0] == pytest.approx(0.5)
    # 19:15 to 20:45: 45 minutes in each hour
    res = hour_of_week(_frame(["2024-01-03 19:15"], ["2024-01-03 20:45"]))
    assert res.matrix.loc["Wednesday", [19, 20]].tolist() == pytest.approx([0.5, 0.5])
    # 19:00 to 22:00 plus an exact 19:40
    res = hour_of_week(_frame(["2024-01-03 19:00", "2024-01-03 19:40"], ["2024-01-03 22:00", None]))
    assert res.matrix.loc["Wednesday", [19, 20, 21]].tolist() == pytest.approx([4 / 3, 1 / 3, 1 / 3])
    assert res.n_exact == 1


def test_long_windows_spread_over_the_week_and_exclusions_are_counted():
    df = pd.concat(
        [
            _frame(["2024-01-01 00:00"], ["2024-01-09 00:00"]),  # 8 days: beyond the cap
            _frame(["2024-01-01 00:00"], ["2024-01-08 00:00"]),  # exactly 7 days: every hour once
            _frame(["2024-01-05"], None, precision="date"),  # Friday, time unknown
            _frame([None], None, precision="month"),
            _frame([None], None),
            _frame(["2024-01-05 10:00"], ["2024-01-05 09:00"]),  # ends before it starts
        ],
        ignore_index=True,
    )
    res = hour_of_week(df)
    m = res.matrix
    assert (res.n_used, res.n_spread_week, res.n_month_only, res.n_no_time, res.n_bad_window) == (
        3, 1, 1, 1, 1)
    assert res.n_excluded == 3
    assert m.loc["Friday", 12] == pytest.approx(2 / 168 + 1 / 24)
    assert m.loc["Monday", 3] == pytest.approx(2 / 168)
    assert m.values.sum() == pytest.approx(3.0)


def test_date_only_incidents_are_spread_over_their_whole_days():
    # Friday 5 January 2024, time unknown; Friday to Saturday, times unknown (both days in
    # full); a same-day date "window" (not a pile at midnight); a placeholder time on a date
    df = pd.concat([
        _frame(["2024-01-05"], None, precision="date"),
        _frame(["2024-01-05"], ["2024-01-06"], precision="date"),
        _frame(["2024-01-05"], ["2024-01-05"], precision="date"),
        _frame(["2024-01-05 12:00"], None, precision="date"),
    ], ignore_index=True)
    res = hour_of_week(df)
    m = res.matrix
    assert (res.n_used, res.n_exact) == (4, 0)
    assert m.loc["Friday"].tolist() == pytest.approx([3 / 24 + 1 / 48] * 24)
    assert m.loc["Saturday"].tolist() == pytest.approx([1 / 48] * 24)
    assert m.values.sum() == pytest.approx(4.0)
    per_day, left_out = daily_counts(df)
    assert left_out == 0
    assert per_day.to_dict() == pytest.approx({pd.Timestamp("2024-01-05"): 3.5,
                                               pd.Timestamp("2024-01-06"): 0.5})
    # the same instants recorded as exact times pile into one hour
    exact = hour_of_week(_frame(["2024-01-05"] * 3))
    assert exact.matrix.loc["Friday", 0] == pytest.approx(3.0)


def test_aoristic_matches_a_minute_by_minute_count():
    rng = np.random.default_rng(2)
    base = pd.Timestamp("2024-03-04")
    start_min = rng.integers(0, 60 * 24 * 14, 60)
    length_min = rng.integers(0, 60 * 60, 60)  # up to 60 hours
    starts = [base + pd.Timedelta(minutes=int(s)) for s in start_min]
    ends = [s + pd.Timedelta(minutes=int(k)) for s, k in zip(starts, length_min, strict=True)]
    res = hour_of_week(pd.DataFrame({"occurred_at": starts, "occurred_to": ends}))
    expected = np.zeros(168)
    for s, k in zip(starts, length_min, strict=True):
        if k == 0:
            expected[s.dayofweek * 24 + s.hour] += 1
            continue
        minutes = pd.date_range(s, periods=int(k), freq="min")
        np.add.at(expected, np.asarray(minutes.dayofweek * 24 + minutes.hour), 1.0 / k)
    np.testing.assert_allclose(res.matrix.to_numpy().ravel(), expected, atol=1e-9)


def test_weights_and_margins():
    df = _frame(["2024-01-06 10:00", "2024-01-06 10:30"])
    df["weight"] = [3.0, 1.0]
    res = hour_of_week(df, weight="weight")
    assert res.by_day["Saturday"] == pytest.approx(4.0)
    assert res.by_hour[10] == pytest.approx(4.0)


def test_daily_counts_split_windows_over_dates():
    s, left_out = daily_counts(_frame(["2024-01-01 18:00", "2024-02-01"],
                                      ["2024-01-02 06:00", "2024-03-01"]))
    assert s.loc["2024-01-01"] == pytest.approx(0.5) and s.loc["2024-01-02"] == pytest.approx(0.5)
    assert left_out == 1  # the month-long window cannot be placed on a date


def test_cleveland_hour_of_week_excludes_month_only_rows(cleveland_asb):
    res = hour_of_week(cleveland_asb)
    assert res.n_used == 0
    assert res.n_month_only == 16_156
    assert res.matrix.to_numpy().sum() == 0


# --------------------------------------------------------------------------- monthly trend


def test_monthly_trend_year_on_year_and_seasons():
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    counts = np.r_[np.full(12, 10), np.full(12, 15)]
    df = pd.DataFrame({"month": np.repeat(months, counts)})
    res = monthly_trend(df)
    assert res.monthly["count"].sum() == 300
    assert res.last_12_months == 180 and res.previous_12_months == 120
    assert res.year_on_year_change == 60 and res.year_on_year_pct == pytest.approx(50.0)
    row = res.monthly.set_index("month").loc["2023-05-01"]
    assert (row["last_year"], row["change"], row["pct_change"]) == (10.0, 5.0, 50.0)
    assert res.trend == "increasing"
    seasons = res.seasons.set_index(["season_year", "season"])
    assert seasons.loc[(2023, "winter"), "months"] == 3  # Dec 2022, Jan and Feb 2023
    assert seasons.loc[(2023, "winter"), "count"] == 10 + 15 + 15
    assert seasons.loc[(2022, "winter"), "months"] == 2


def test_monthly_trend_fills_empty_months_and_handles_short_series():
    df = pd.DataFrame({"month": pd.to_datetime(["2024-01-15", "2024-03-01"])})
    res = monthly_trend(df)
    assert res.monthly["count"].tolist() == [1.0, 0.0, 1.0]
    assert res.trend == "not enough months" and res.year_on_year_change is None


def test_cleveland_monthly_trend(cleveland_asb):
    res = monthly_trend(cleveland_asb)
    assert res.monthly["count"].tolist() == [
        1518, 1375, 1705, 1643, 1532, 1344, 1406, 1562, 1308, 1564, 1199]
    assert res.trend == "no trend" and res.trend_p > 0.05
    assert res.last_12_months is None
    assert res.seasons.set_index(["season_year", "season"]).loc[(2022, "summer"), "count"] == (
        1344 + 1406 + 1562)


# --------------------------------------------------------------------------- special days


@pytest.mark.parametrize(
    ("year", "easter"),
    [(1981, "04-19"), (2000, "04-23"), (2008, "03-23"), (2011, "04-24"), (2019, "04-21"),
     (2022, "04-17"), (2025, "04-20"), (2026, "04-05"), (2027, "03-28"), (2038, "04-25"),
     (2285, "03-22")],
)
def test_easter(year, easter):
    assert easter_sunday(year) == dt.date.fromisoformat(f"{year}-{easter}")


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2020, ["01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"]),
        (2021, ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"]),
        (2022, ["01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26",
                "12-27"]),
        (2023, ["01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"]),
        (2024, ["01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"]),
        (2026, ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"]),
        (2027, ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"]),
    ],
)
def test_england_and_wales_bank_holidays(year, expected):
    assert [d.strftime("%m-%d") for d in bank_holidays(year)] == expected


def test_extra_days_from_configuration():
    hol = bank_holidays(2031, extra={"2031-06-13": "Extra day"})
    assert hol[dt.date(2031, 6, 13)] == "Extra day"
    cfg = {"special_days": {"fixed": {"11-05": "Bonfire night"}, "bank_holidays": "none",
                            "school_holidays": [{"name": "Summer", "from": "2024-07-22",
                                                 "to": "2024-07-24"}]}}
    sd = special_days_from_config(cfg, [2024])
    assert sd["name"].tolist() == ["Summer"] * 3 + ["Bonfire night"]
    with pytest.raises(AnalysisProblem, match="needs name, from"):
        special_days([2024], school_holidays=[{"name": "x"}])
    with pytest.raises(AnalysisProblem, match="month-day"):
        special_days([2024], fixed={"Nov 5": "Bonfire"})


def test_special_days_against_the_same_weekday():
    rng = np.random.default_rng(0)
    days = pd.date_range("2023-09-01", "2023-12-31", freq="D")
    rows = []
    for d in days:
        k = 4 if d.dayofweek >= 5 else 2
        if d == pd.Timestamp("2023-10-31"):
            k = 12  # Halloween (a Tuesday): 12 against 2 on ordinary Tuesdays
        rows += [d + pd.Timedelta(hours=int(h)) for h in rng.integers(0, 24, k)]
    res = compare_special_days(pd.DataFrame({"occurred_at": rows}), baseline_weeks=4)
    by_name = res.by_name.set_index("name")
    assert by_name.loc["Halloween", "observed"] == pytest.approx(12)
    assert by_name.loc["Halloween", "expected"] == pytest.approx(2)
    assert by_name.loc["Halloween", "ratio"] == pytest.approx(6)
    assert by_name.loc["Halloween", "p_value"] < 0.01
    bonfire = res.by_date.set_index("name").loc["Bonfire night"]  # a Sunday
    assert (bonfire["weekday"], bonfire["observed"], bonfire["baseline_mean"]) == ("Sunday", 4, 4)
    assert by_name.loc["Bonfire night", "p_value"] > 0.5
    # Christmas Day 2023 (a Monday): the Mondays after it fall outside the data
    xmas = res.by_date.set_index("name").loc["Christmas Day"]
    assert xmas["baseline_days"] == 4
