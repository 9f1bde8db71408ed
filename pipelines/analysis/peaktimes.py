"""When ASB happens: hour of week (aoristic), monthly trend and seasons, special days.

Time precision matters. police.uk rows carry only a month (``time_precision == "month"``):
they count in the monthly trend but cannot say which day or hour, so the hour and day views
leave them out and say how many were left out. Incidents recorded as a window
(``occurred_at`` to ``occurred_to``, e.g. "between 22:00 Friday and 07:00 Saturday") are
apportioned aoristically (Ratcliffe 2002): each hour the window overlaps receives the share of
the window that falls in it, so every incident adds up to exactly 1.

Special days: England and Wales bank holidays are computed offline for any year (Easter by the
Gregorian computus; substitute days when a holiday falls at a weekend; the known one-off moves
and extra days), plus fixed days (Bonfire night, Halloween, ...) and school holidays from the
partnership's configuration (``special_days`` in ``pipelines/config/defaults.yaml``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._common import AnalysisProblem, require_columns, weights_of

__all__ = [
    "DAY_NAMES",
    "DEFAULT_CAP_HOURS",
    "DEFAULT_FIXED_DAYS",
    "OccurrenceWindows",
    "occurrence_windows",
    "HourOfWeek",
    "hour_of_week",
    "daily_counts",
    "MonthlyTrend",
    "monthly_trend",
    "season_of",
    "easter_sunday",
    "bank_holidays",
    "special_days",
    "special_days_from_config",
    "SpecialDayComparison",
    "compare_special_days",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: Windows longer than this (hours) are spread evenly over the whole week.
DEFAULT_CAP_HOURS = 7 * 24.0
#: Fixed special days (month-day: name); configurable under ``special_days.fixed``.
DEFAULT_FIXED_DAYS: dict[str, str] = {"11-05": "Bonfire night", "10-31": "Halloween"}

_HOURS_PER_WEEK = 168
_ORIGIN = np.datetime64("1970-01-05T00:00:00")  # a Monday


# --------------------------------------------------------------------------------------------
# windows
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccurrenceWindows:
    """When each incident happened, as the time-of-day methods read it
    (:func:`occurrence_windows`).

    ``start`` and ``end`` are ``datetime64[ns]`` (``end`` equals ``start`` for an exact time;
    both are NaT where there is no time); ``month_only``, ``no_time`` and ``bad`` (ends before
    it starts) mark the incidents left out, ``used`` the rest.
    """

    start: np.ndarray
    end: np.ndarray
    month_only: np.ndarray
    no_time: np.ndarray
    bad: np.ndarray

    @property
    def used(self) -> np.ndarray:
        return ~self.month_only & ~self.no_time & ~self.bad

    @property
    def hours(self) -> np.ndarray:
        """The length of each window in hours (0 for an exact time)."""
        return (self.end - self.start) / np.timedelta64(1, "h")


def occurrence_windows(incidents: pd.DataFrame) -> OccurrenceWindows:
    """The window in which each incident happened: the one rule every time-of-day count uses.

    ``occurred_at`` to ``occurred_to`` (``occurred_at`` alone is an exact time). A
    ``time_precision`` of ``date`` covers whole days: from the start of its first day to the
    end of its last (its own day when it has no end). ``month`` and a missing start leave the
    incident out, as does an end before the start.

    Examples
    --------
    >>> frame = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00"]),
    ...                       "occurred_to": pd.to_datetime([None, "2024-01-03"]),
    ...                       "time_precision": ["datetime", "date"]})
    >>> occurrence_windows(frame).hours.tolist()
    [0.0, 48.0]
    """
    require_columns(incidents, ["occurred_at"], "a time-of-day analysis")
    precision = (
        incidents["time_precision"].astype("object").fillna("").astype(str).str.lower().to_numpy()
        if "time_precision" in incidents.columns
        else np.full(len(incidents), "datetime", dtype=object)
    )
    start = pd.to_datetime(incidents["occurred_at"], errors="coerce").to_numpy("datetime64[ns]")
    if "occurred_to" in incidents.columns:
        end = pd.to_datetime(incidents["occurred_to"], errors="coerce").to_numpy("datetime64[ns]")
    else:
        end = np.full(len(incidents), np.datetime64("NaT"), dtype="datetime64[ns]")
    month_only = precision == "month"
    no_time = ~month_only & np.isnat(start)
    is_date = precision == "date"
    one_day = np.timedelta64(1, "D")
    last_day = np.where(np.isnat(end), start, end).astype("datetime64[D]")
    end = np.where(is_date, (last_day + one_day).astype("datetime64[ns]"), end)
    start = np.where(is_date, start.astype("datetime64[D]").astype("datetime64[ns]"), start)
    end = np.where(np.isnat(end), start, end)
    bad = ~month_only & ~no_time & (end < start)
    return OccurrenceWindows(start=start, end=end, month_only=month_only, no_time=no_time,
                             bad=bad)


@dataclass(frozen=True)
class _Windows:
    start: np.ndarray  # hours since a Monday 00:00 (float)
    end: np.ndarray  # >= start; equal for exact times
    weight: np.ndarray
    n_month_only: int
    n_no_time: int
    n_bad_window: int


def _windows(incidents: pd.DataFrame, weight: str | None) -> _Windows:
    """Occurrence windows of the incidents that have a day and time, in hours."""
    win = occurrence_windows(incidents)
    w = weights_of(incidents, weight)
    use = win.used
    hours = np.timedelta64(1, "h")
    s = (win.start[use] - _ORIGIN) / hours
    e = (win.end[use] - _ORIGIN) / hours
    return _Windows(
        start=s.astype(float),
        end=e.astype(float),
        weight=w[use],
        n_month_only=int(win.month_only.sum()),
        n_no_time=int(win.no_time.sum()),
        n_bad_window=int(win.bad.sum()),
    )


def _cum_cover(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """sum_i c_i * (hours of bin b covered between the origin and x_i), for each of 168 bins."""
    weeks = np.floor(x / _HOURS_PER_WEEK)
    r = x - weeks * _HOURS_PER_WEEK
    f = np.minimum(np.floor(r).astype(np.int64), _HOURS_PER_WEEK - 1)
    frac = r - f
    at = np.bincount(f, weights=c, minlength=_HOURS_PER_WEEK)
    partial = np.bincount(f, weights=c * frac, minlength=_HOURS_PER_WEEK)
    above = np.cumsum(at[::-1])[::-1] - at  # sum of c_i with f_i > b
    return np.sum(c * weeks) + above + partial


# --------------------------------------------------------------------------------------------
# hour of week
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourOfWeek:
    """Incidents by day of week and hour (aoristic).

    Attributes
    ----------
    matrix : pandas.DataFrame
        7 x 24: rows Monday..Sunday, columns hours 0..23; cell values are (weighted) incident
        shares and sum to ``n_used`` (unweighted).
    n_used : int
        Incidents with a day and time (exact or a window).
    n_exact : int
        Of those, incidents with an exact time (counted 1 in their hour).
    n_spread_week : int
        Of those, windows longer than ``cap_hours`` spread evenly over all 168 hours.
    n_month_only : int
        Left out: only the month is known (police.uk rows). Counted in monthly trends.
    n_no_time : int
        Left out: no ``occurred_at``.
    n_bad_window : int
        Left out: ``occurred_to`` before ``occurred_at``.
    cap_hours : float
    """

    matrix: pd.DataFrame
    n_used: int
    n_exact: int
    n_spread_week: int
    n_month_only: int
    n_no_time: int
    n_bad_window: int
    cap_hours: float

    @property
    def n_excluded(self) -> int:
        """All incidents left out of the hour and day views."""
        return self.n_month_only + self.n_no_time + self.n_bad_window

    @property
    def by_day(self) -> pd.Series:
        """Totals per day of week (Monday first)."""
        return self.matrix.sum(axis=1)

    @property
    def by_hour(self) -> pd.Series:
        """Totals per hour of day (0-23)."""
        return self.matrix.sum(axis=0)


def hour_of_week(
    incidents: pd.DataFrame,
    *,
    cap_hours: float = DEFAULT_CAP_HOURS,
    weight: str | None = None,
) -> HourOfWeek:
    """Aoristic day-of-week by hour matrix (Monday 0, hours 0-23).

    - Exact times (``occurred_to`` missing or equal to ``occurred_at``) count 1 in their hour.
    - A window ``occurred_at``..``occurred_to`` is shared over the hours it overlaps in
      proportion to the overlap (a 19:00-21:00 window gives 0.5 to 19:00 and 0.5 to 20:00).
    - A window longer than ``cap_hours`` (default 7 days) says nothing about the time of day:
      it is spread evenly, 1/168 to every hour of the week.
    - ``time_precision == "date"`` rows (the day is known, the time is not) cover whole
      days: the day of ``occurred_at`` to the end of the day of ``occurred_to`` (or of
      ``occurred_at`` when there is no end), shared over those hours like any window.
    - ``time_precision == "month"`` rows (police.uk) are left out and counted in
      ``n_month_only``.

    Examples
    --------
    A two-hour window on Monday evening and an exact time on Sunday at 23:30:

    >>> df = pd.DataFrame({
    ...     "occurred_at": pd.to_datetime(["2024-01-01 19:00", "2024-01-07 23:30", None]),
    ...     "occurred_to": pd.to_datetime(["2024-01-01 21:00", None, None]),
    ...     "time_precision": ["datetime", "datetime", "month"]})
    >>> res = hour_of_week(df)
    >>> res.matrix.loc["Monday", [18, 19, 20, 21]].tolist(), float(res.matrix.loc["Sunday", 23])
    ([0.0, 0.5, 0.5, 0.0], 1.0)
    >>> res.n_used, res.n_month_only
    (2, 1)
    """
    if not (np.isfinite(cap_hours) and cap_hours > 0):
        raise AnalysisProblem(f"cap_hours must be a positive number of hours (got {cap_hours!r})")
    win = _windows(incidents, weight)
    length = win.end - win.start
    exact = length <= 0
    long = length > cap_hours
    window = ~exact & ~long
    totals = np.zeros(_HOURS_PER_WEEK)
    if exact.any():
        hb = np.floor(win.start[exact] % _HOURS_PER_WEEK).astype(np.int64) % _HOURS_PER_WEEK
        totals += np.bincount(hb, weights=win.weight[exact], minlength=_HOURS_PER_WEEK)
    if window.any():
        c = win.weight[window] / length[window]
        totals += _cum_cover(win.end[window], c) - _cum_cover(win.start[window], c)
    if long.any():
        totals += win.weight[long].sum() / _HOURS_PER_WEEK
    totals = np.where(np.abs(totals) < 1e-12, 0.0, totals)
    matrix = pd.DataFrame(
        totals.reshape(7, 24), index=pd.Index(DAY_NAMES, name="day"),
        columns=pd.RangeIndex(24, name="hour"),
    )
    return HourOfWeek(
        matrix=matrix,
        n_used=int(len(win.start)),
        n_exact=int(exact.sum()),
        n_spread_week=int(long.sum()),
        n_month_only=win.n_month_only,
        n_no_time=win.n_no_time,
        n_bad_window=win.n_bad_window,
        cap_hours=float(cap_hours),
    )


def daily_counts(
    incidents: pd.DataFrame,
    *,
    cap_hours: float = DEFAULT_CAP_HOURS,
    weight: str | None = None,
) -> tuple[pd.Series, int]:
    """Aoristic incidents per calendar date, and how many incidents were left out.

    Windows are shared over the dates they overlap; windows longer than ``cap_hours`` and
    month-only rows cannot be placed on a date and are left out (second value returned).

    Examples
    --------
    >>> df = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-01-01 22:00", "2024-01-03 10:00"]),
    ...                    "occurred_to": pd.to_datetime(["2024-01-02 02:00", None])})
    >>> s, left_out = daily_counts(df)
    >>> s.to_dict(), left_out
    ({Timestamp('2024-01-01 00:00:00'): 0.5, Timestamp('2024-01-02 00:00:00'): 0.5, \
Timestamp('2024-01-03 00:00:00'): 1.0}, 0)
    """
    win = _windows(incidents, weight)
    length = win.end - win.start
    keep = length <= cap_hours
    s = win.start[keep] / 24.0
    e = win.end[keep] / 24.0
    w = win.weight[keep]
    left_out = win.n_month_only + win.n_no_time + win.n_bad_window + int((~keep).sum())
    if len(s) == 0:
        return pd.Series(dtype=float, name="incidents"), left_out
    first = np.floor(s).astype(np.int64)
    exact = e <= s
    day0 = int(first.min())
    n_days = int(np.floor(e.max())) - day0 + 2
    totals = np.zeros(n_days)
    totals += np.bincount(first[exact] - day0, weights=w[exact], minlength=n_days)
    span = ~exact
    if span.any():
        ss, ee, ww, ff = s[span], e[span], w[span], first[span]
        ln = ee - ss
        for k in range(int(np.ceil(cap_hours / 24.0)) + 2):
            d = ff + k
            overlap = np.clip(np.minimum(ee, d + 1) - np.maximum(ss, d), 0.0, None)
            ok = overlap > 0
            totals += np.bincount(d[ok] - day0, weights=ww[ok] * overlap[ok] / ln[ok],
                                  minlength=n_days)
    dates = _ORIGIN.astype("datetime64[D]") + np.arange(day0, day0 + n_days)
    series = pd.Series(totals, index=pd.DatetimeIndex(dates.astype("datetime64[ns]")),
                       name="incidents")
    last = series[series > 1e-12].index.max()
    series = series.loc[:last]
    return series.where(series.abs() > 1e-12, 0.0), left_out


# --------------------------------------------------------------------------------------------
# monthly trend, seasons, year on year
# --------------------------------------------------------------------------------------------

_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
            6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


def season_of(month: int) -> str:
    """Meteorological season of a month number (December to February is winter).

    Examples
    --------
    >>> season_of(12), season_of(6)
    ('winter', 'summer')
    """
    if month not in _SEASONS:
        raise AnalysisProblem(f"month must be 1-12 (got {month!r})")
    return _SEASONS[month]


@dataclass(frozen=True)
class MonthlyTrend:
    """Monthly counts, trend test, seasons and year-on-year change.

    Attributes
    ----------
    monthly : pandas.DataFrame
        One row per month from the first to the last (months with none show 0): ``month``,
        ``count``, ``season``, ``season_year`` (December counts towards the next year's winter),
        ``last_year`` (same month a year earlier, missing if not covered), ``change`` and
        ``pct_change`` against it.
    seasons : pandas.DataFrame
        ``season_year``, ``season``, ``months`` (covered), ``count``, ``per_month``.
    trend : str
        Mann-Kendall trend of the monthly counts: "increasing", "decreasing" or "no trend"
        (needs 4 months or more; "not enough months" otherwise).
    trend_p : float
    sen_slope : float
        Theil-Sen slope, incidents per month.
    last_12_months, previous_12_months : float or None
        Totals of the latest 12 months and the 12 before them, when 24 months are covered.
    n_without_month : int
        Rows with no month (left out).
    """

    monthly: pd.DataFrame
    seasons: pd.DataFrame
    trend: str
    trend_p: float
    sen_slope: float
    last_12_months: float | None
    previous_12_months: float | None
    n_without_month: int

    @property
    def year_on_year_change(self) -> float | None:
        """Latest 12 months minus the previous 12, or None when 24 months are not covered."""
        if self.last_12_months is None or self.previous_12_months is None:
            return None
        return self.last_12_months - self.previous_12_months

    @property
    def year_on_year_pct(self) -> float | None:
        """Year-on-year change in percent, or None (also when the previous 12 months had none)."""
        change = self.year_on_year_change
        if change is None or not self.previous_12_months:
            return None
        return 100.0 * change / self.previous_12_months


def monthly_trend(
    incidents: pd.DataFrame, *, weight: str | None = None, trend_alpha: float = 0.05
) -> MonthlyTrend:
    """Monthly counts with trend (Mann-Kendall), seasons and year-on-year change.

    Uses the ``month`` column, so every incident counts, month-only police.uk rows included.

    Examples
    --------
    >>> months = pd.to_datetime(["2023-01-01"] * 2 + ["2023-03-01"] + ["2024-01-01"] * 3)
    >>> res = monthly_trend(pd.DataFrame({"month": months}))
    >>> res.monthly[["count", "last_year", "change"]].iloc[[0, 12]].values.tolist()
    [[2.0, nan, nan], [3.0, 2.0, 1.0]]
    >>> res.seasons.iloc[0].to_dict()
    {'season_year': 2023, 'season': 'winter', 'months': 2, 'count': 2.0, 'per_month': 1.0}
    """
    require_columns(incidents, ["month"], "a monthly trend")
    month = pd.to_datetime(incidents["month"], errors="coerce")
    has = month.notna().to_numpy()
    w = weights_of(incidents, weight)[has]
    m = month[has].dt.to_period("M").dt.to_timestamp()
    if len(m) == 0:
        raise AnalysisProblem("a monthly trend needs incidents with a month; none has one")
    months = pd.date_range(m.min(), m.max(), freq="MS")
    counts = pd.Series(w, index=m.to_numpy()).groupby(level=0).sum()
    counts = counts.reindex(months, fill_value=0.0).astype(float)
    last_year = counts.shift(12)
    monthly = pd.DataFrame(
        {
            "month": months,
            "count": counts.to_numpy(),
            "season": [season_of(x.month) for x in months],
            "season_year": [x.year + (1 if x.month == 12 else 0) for x in months],
            "last_year": last_year.to_numpy(),
        }
    )
    monthly["change"] = monthly["count"] - monthly["last_year"]
    with np.errstate(divide="ignore", invalid="ignore"):
        monthly["pct_change"] = np.where(
            monthly["last_year"] > 0, 100.0 * monthly["change"] / monthly["last_year"], np.nan
        )
    order = {"winter": 0, "spring": 1, "summer": 2, "autumn": 3}
    seasons = (
        monthly.groupby(["season_year", "season"], sort=False)
        .agg(months=("count", "size"), count=("count", "sum"))
        .reset_index()
    )
    seasons["per_month"] = seasons["count"] / seasons["months"]
    seasons = seasons.sort_values(
        ["season_year", "season"], key=lambda s: s.map(order) if s.name == "season" else s
    ).reset_index(drop=True)
    if len(months) >= 4:
        import pymannkendall

        res = pymannkendall.original_test(counts.to_numpy(), alpha=trend_alpha)
        trend, p, slope = str(res.trend), float(res.p), float(res.slope)
    else:
        trend, p, slope = "not enough months", float("nan"), float("nan")
    last12 = prev12 = None
    if len(months) >= 24:
        last12 = float(counts.iloc[-12:].sum())
        prev12 = float(counts.iloc[-24:-12].sum())
    return MonthlyTrend(
        monthly=monthly,
        seasons=seasons,
        trend=trend,
        trend_p=p,
        sen_slope=slope,
        last_12_months=last12,
        previous_12_months=prev12,
        n_without_month=int((~has).sum()),
    )


# --------------------------------------------------------------------------------------------
# special days
# --------------------------------------------------------------------------------------------


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian computus).

    Examples
    --------
    >>> easter_sunday(2022), easter_sunday(2024), easter_sunday(2038)
    (datetime.date(2022, 4, 17), datetime.date(2024, 3, 31), datetime.date(2038, 4, 25))
    """
    y = int(year)
    if y < 1583:
        raise AnalysisProblem(f"Easter is computed for Gregorian years from 1583 (got {year})")
    golden = y % 19
    century, year_in_century = divmod(y, 100)
    leap_c, century_rem = divmod(century, 4)
    moon_corr = (century + 8) // 25
    sun_corr = (century - moon_corr + 1) // 3
    epact = (19 * golden + century - leap_c - sun_corr + 15) % 30
    leap_y, year_rem = divmod(year_in_century, 4)
    weekday = (32 + 2 * century_rem + 2 * leap_y - epact - year_rem) % 7
    correction = (golden + 11 * epact + 22 * weekday) // 451
    value = epact + weekday - 7 * correction + 114
    return dt.date(y, value // 31, value % 31 + 1)


# One-off changes to England and Wales bank holidays (public record). A date mapped to None
# removes a regular holiday that was moved.
_MOVED: dict[int, dict[str, dt.date]] = {
    1995: {"Early May bank holiday": dt.date(1995, 5, 8)},
    2002: {"Spring bank holiday": dt.date(2002, 6, 4)},
    2012: {"Spring bank holiday": dt.date(2012, 6, 4)},
    2020: {"Early May bank holiday": dt.date(2020, 5, 8)},
    2022: {"Spring bank holiday": dt.date(2022, 6, 2)},
}
_ONE_OFF: dict[dt.date, str] = {
    dt.date(1999, 12, 31): "Millennium Eve",
    dt.date(2002, 6, 3): "Golden Jubilee",
    dt.date(2011, 4, 29): "Royal wedding",
    dt.date(2012, 6, 5): "Diamond Jubilee",
    dt.date(2022, 6, 3): "Platinum Jubilee",
    dt.date(2022, 9, 19): "State funeral of Queen Elizabeth II",
    dt.date(2023, 5, 8): "Coronation of King Charles III",
}


def _first_monday(year: int, month: int) -> dt.date:
    d = dt.date(year, month, 1)
    return d + dt.timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - dt.timedelta(days=1)
    return d - dt.timedelta(days=d.weekday())


def bank_holidays(
    year: int, *, extra: Mapping[dt.date | str, str] | None = None
) -> dict[dt.date, str]:
    """England and Wales bank holidays of ``year``, computed offline.

    New Year's Day, Good Friday, Easter Monday, the early May (first Monday of May), spring
    (last Monday of May) and summer (last Monday of August) bank holidays, Christmas Day and
    Boxing Day, with substitute weekdays when New Year's Day, Christmas Day or Boxing Day fall
    at a weekend; plus the known one-off moves and extra days (jubilees, royal events, the
    state funeral). ``extra`` adds days a partnership lists in its configuration (e.g. a new
    one-off holiday announced after this release).

    Examples
    --------
    >>> hol = bank_holidays(2022)
    >>> [(d.isoformat(), n) for d, n in hol.items()][:3]
    [('2022-01-03', "New Year's Day (substitute day)"), ('2022-04-15', 'Good Friday'), \
('2022-04-18', 'Easter Monday')]
    >>> [d.isoformat() for d, n in hol.items() if "Christmas" in n or "Boxing" in n]
    ['2022-12-26', '2022-12-27']
    >>> len(bank_holidays(2023)), len(bank_holidays(2024))
    (9, 8)
    """
    y = int(year)
    if y < 1978:
        raise AnalysisProblem(f"bank holiday rules are built in from 1978 (got {year})")
    days: dict[dt.date, str] = {}
    new_year = dt.date(y, 1, 1)
    if new_year.weekday() >= 5:
        days[new_year + dt.timedelta(days=7 - new_year.weekday())] = (
            "New Year's Day (substitute day)"
        )
    else:
        days[new_year] = "New Year's Day"
    easter = easter_sunday(y)
    days[easter - dt.timedelta(days=2)] = "Good Friday"
    days[easter + dt.timedelta(days=1)] = "Easter Monday"
    regular = {
        "Early May bank holiday": _first_monday(y, 5),
        "Spring bank holiday": _last_monday(y, 5),
        "Summer bank holiday": _last_monday(y, 8),
    }
    regular.update(_MOVED.get(y, {}))
    for name, day in regular.items():
        days[day] = name
    christmas, boxing = dt.date(y, 12, 25), dt.date(y, 12, 26)
    wd = christmas.weekday()
    if wd == 5:  # Saturday: both move to Monday and Tuesday
        days[dt.date(y, 12, 27)] = "Christmas Day (substitute day)"
        days[dt.date(y, 12, 28)] = "Boxing Day (substitute day)"
    elif wd == 6:  # Sunday: Boxing Day on Monday, Christmas substitute Tuesday
        days[boxing] = "Boxing Day"
        days[dt.date(y, 12, 27)] = "Christmas Day (substitute day)"
    elif wd == 4:  # Friday: Boxing Day is a Saturday, substitute Monday
        days[christmas] = "Christmas Day"
        days[dt.date(y, 12, 28)] = "Boxing Day (substitute day)"
    else:
        days[christmas] = "Christmas Day"
        days[boxing] = "Boxing Day"
    for one_off, name in _ONE_OFF.items():
        if one_off.year == y:
            days[one_off] = name
    for given, name in (extra or {}).items():
        d = pd.Timestamp(given).date()
        if d.year == y:
            days[d] = str(name)
    return dict(sorted(days.items()))


def special_days(
    years: Iterable[int],
    *,
    bank_holiday_region: str | None = "england-and-wales",
    fixed: Mapping[str, str] | None = None,
    school_holidays: Sequence[Mapping[str, Any]] | None = None,
    extra: Mapping[dt.date | str, str] | None = None,
) -> pd.DataFrame:
    """Special days of the given years: bank holidays, fixed days and school holidays.

    Parameters
    ----------
    years : iterable of int
    bank_holiday_region : {"england-and-wales", None}
        None leaves bank holidays out.
    fixed : mapping of "MM-DD" to name, optional
        Default :data:`DEFAULT_FIXED_DAYS` (Bonfire night 11-05, Halloween 10-31).
    school_holidays : list of {"name", "from", "to"}, optional
        Every date from ``from`` to ``to`` inclusive is a special day called ``name``.
    extra : mapping of date to name, optional
        Extra bank holidays (one-off days announced later).

    Returns
    -------
    pandas.DataFrame
        ``date`` (Timestamp), ``name``, ``kind`` ("bank holiday", "fixed" or "school
        holiday"), one row per date and name, sorted by date.

    Examples
    --------
    >>> sd = special_days([2023], school_holidays=[
    ...     {"name": "October half term", "from": "2023-10-30", "to": "2023-11-03"}])
    >>> sd[sd["date"].dt.month >= 10][["name", "kind"]].drop_duplicates().values.tolist()
    [['October half term', 'school holiday'], ['Halloween', 'fixed'], \
['Bonfire night', 'fixed'], ['Christmas Day', 'bank holiday'], ['Boxing Day', 'bank holiday']]
    """
    years = sorted({int(y) for y in years})
    rows: list[tuple[pd.Timestamp, str, str]] = []
    if bank_holiday_region not in (None, "england-and-wales"):
        raise AnalysisProblem(
            "bank_holidays must be 'england-and-wales' or none "
            f"(got {bank_holiday_region!r}); other nations' rules are not built in yet"
        )
    for y in years:
        if bank_holiday_region:
            for d, name in bank_holidays(y, extra=extra).items():
                rows.append((pd.Timestamp(d), name, "bank holiday"))
        for md, name in (DEFAULT_FIXED_DAYS if fixed is None else fixed).items():
            try:
                month, day = (int(p) for p in str(md).split("-"))
                rows.append((pd.Timestamp(dt.date(y, month, day)), str(name), "fixed"))
            except ValueError:
                raise AnalysisProblem(
                    f"special day {md!r} ({name}) is not a month-day like 11-05"
                ) from None
    for hol in school_holidays or []:
        try:
            start = pd.Timestamp(hol["from"]).normalize()
            end = pd.Timestamp(hol["to"]).normalize()
            name = str(hol["name"])
        except (KeyError, ValueError, TypeError):
            raise AnalysisProblem(
                f"school holiday {hol!r} needs name, from (YYYY-MM-DD) and to (YYYY-MM-DD)"
            ) from None
        if end < start:
            raise AnalysisProblem(f"school holiday {name!r} ends ({end:%Y-%m-%d}) before it starts")
        for d in pd.date_range(start, end, freq="D"):
            if not years or d.year in years:
                rows.append((d, name, "school holiday"))
    out = pd.DataFrame(rows, columns=["date", "name", "kind"])
    out["date"] = pd.to_datetime(out["date"])
    return out.drop_duplicates().sort_values(["date", "kind", "name"]).reset_index(drop=True)


def special_days_from_config(config: Mapping[str, Any], years: Iterable[int]) -> pd.DataFrame:
    """:func:`special_days` from the ``special_days`` section of the configuration.

    Reads ``fixed``, ``school_holidays``, ``bank_holidays`` ("england-and-wales" or "none")
    and, if present, ``extra_bank_holidays`` (mapping of YYYY-MM-DD to name).

    Examples
    --------
    >>> cfg = {"special_days": {"fixed": {"12-31": "New Year's Eve"}, "bank_holidays": "none"}}
    >>> special_days_from_config(cfg, [2024])["name"].tolist()
    ["New Year's Eve"]
    """
    section = dict(config.get("special_days") or {})
    region = section.get("bank_holidays", "england-and-wales")
    if region in (None, False) or str(region).lower() == "none":
        region = None
    return special_days(
        years,
        bank_holiday_region=region,
        fixed=section.get("fixed"),
        school_holidays=section.get("school_holidays") or [],
        extra=section.get("extra_bank_holidays"),
    )


@dataclass(frozen=True)
class SpecialDayComparison:
    """Incidents on special days against the same weekday in the surrounding weeks.

    Attributes
    ----------
    by_name : pandas.DataFrame
        One row per special day name: ``name``, ``kind``, ``days`` (dates compared),
        ``observed`` (incidents on those dates), ``expected`` (sum over the dates of the mean
        count on the same weekday in the ``baseline_weeks`` weeks before and after, special
        days excluded), ``ratio`` (observed / expected), ``difference_per_day`` and ``p_value``
        (two-sided exact test of equal daily rates, on counts rounded to whole incidents;
        aoristic shares make it approximate).
    by_date : pandas.DataFrame
        ``date``, ``name``, ``kind``, ``weekday``, ``observed``, ``baseline_mean``,
        ``baseline_days``.
    n_left_out : int
        Incidents that cannot be placed on a date (month-only, no time, windows longer than
        the cap).
    baseline_weeks : int
    """

    by_name: pd.DataFrame
    by_date: pd.DataFrame
    n_left_out: int
    baseline_weeks: int


def compare_special_days(
    incidents: pd.DataFrame,
    *,
    special: pd.DataFrame | None = None,
    baseline_weeks: int = 4,
    cap_hours: float = DEFAULT_CAP_HOURS,
    weight: str | None = None,
) -> SpecialDayComparison:
    """Compare counts on special days with the same weekday in nearby ordinary weeks.

    For each special date inside the period the data covers, the baseline is the mean count
    on the same weekday 1 to ``baseline_weeks`` weeks before and after, leaving out dates that
    are themselves special and dates outside the data. Counts per date are aoristic
    (:func:`daily_counts`).

    Parameters
    ----------
    special : pandas.DataFrame, optional
        ``date``, ``name``, ``kind`` as from :func:`special_days`; default: bank holidays and
        the default fixed days for the years the data covers.

    Examples
    --------
    Four ordinary Tuesdays either side with 1 incident each, Bonfire night (a Tuesday in 2024)
    with 5:

    >>> days = [pd.Timestamp("2024-11-05") + pd.Timedelta(weeks=k) for k in range(-4, 5)]
    >>> times = [d + pd.Timedelta(hours=20) for d in days for _ in range(5 if d.day == 5
    ...          and d.month == 11 else 1)]
    >>> res = compare_special_days(pd.DataFrame({"occurred_at": times}))
    >>> row = res.by_name.set_index("name").loc["Bonfire night"]
    >>> float(row["observed"]), float(row["expected"]), float(row["ratio"])
    (5.0, 1.0, 5.0)
    """
    if int(baseline_weeks) < 1:
        raise AnalysisProblem(f"baseline_weeks must be at least 1 (got {baseline_weeks!r})")
    daily, left_out = daily_counts(incidents, cap_hours=cap_hours, weight=weight)
    empty_name = pd.DataFrame(
        columns=["name", "kind", "days", "observed", "expected", "ratio",
                 "difference_per_day", "p_value"]
    )
    empty_date = pd.DataFrame(
        columns=["date", "name", "kind", "weekday", "observed", "baseline_mean", "baseline_days"]
    )
    if daily.empty:
        return SpecialDayComparison(empty_name, empty_date, left_out, int(baseline_weeks))
    first, last = daily.index.min(), daily.index.max()
    if special is None:
        special = special_days(range(first.year, last.year + 1))
    require_columns(special, ["date", "name", "kind"], "a special-day comparison")
    special = special.assign(date=pd.to_datetime(special["date"]).dt.normalize())
    special_set = set(special["date"])
    special = special[(special["date"] >= first) & (special["date"] <= last)]
    rows = []
    for rec in special.itertuples(index=False):
        d = rec.date
        base = [d + pd.Timedelta(weeks=k) for k in range(-int(baseline_weeks), int(baseline_weeks) + 1)
                if k != 0]
        base = [b for b in base if first <= b <= last and b not in special_set]
        if not base:
            continue
        rows.append(
            {
                "date": d,
                "name": rec.name,
                "kind": rec.kind,
                "weekday": DAY_NAMES[d.weekday()],
                "observed": float(daily.get(d, 0.0)),
                "baseline_mean": float(np.mean([daily.get(b, 0.0) for b in base])),
                "baseline_days": len(base),
                "_baseline_total": float(np.sum([daily.get(b, 0.0) for b in base])),
            }
        )
    if not rows:
        return SpecialDayComparison(empty_name, empty_date, left_out, int(baseline_weeks))
    by_date = pd.DataFrame(rows)
    out = []
    for (name, kind), g in by_date.groupby(["name", "kind"], sort=False):
        observed = g["observed"].sum()
        expected = g["baseline_mean"].sum()
        n_days = len(g)
        n_base = g["baseline_days"].sum()
        base_total = g["_baseline_total"].sum()
        k = int(round(observed))
        n = k + int(round(base_total))
        p = stats.binomtest(k, n, n_days / (n_days + n_base)).pvalue if n > 0 else np.nan
        out.append(
            {
                "name": name,
                "kind": kind,
                "days": n_days,
                "observed": observed,
                "expected": expected,
                "ratio": observed / expected if expected > 0 else np.nan,
                "difference_per_day": (observed - expected) / n_days,
                "p_value": float(p),
            }
        )
    by_name = pd.DataFrame(out).sort_values("ratio", ascending=False, na_position="last")
    return SpecialDayComparison(
        by_name=by_name.reset_index(drop=True),
        by_date=by_date.drop(columns="_baseline_total").sort_values("date").reset_index(drop=True),
        n_left_out=left_out,
        baseline_weeks=int(baseline_weeks),
    )
