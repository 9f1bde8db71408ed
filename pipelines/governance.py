"""Governance figures for a CSP board: any period against the same period a year earlier.

Aggregates only. Every function takes a DuckDB connection and a :class:`Period` and returns a
:class:`Figure`: tables of raw counts (for tests and further analysis) and the same tables
ready to show, with small numbers suppressed by :func:`suppress`. Pages and the meeting pack
show only the suppressed tables.

A figure whose data is not in the warehouse yet (no table, or a table with no rows) is returned
with ``needs`` saying what data would light it up, and no numbers: nothing is invented for data
that is not there. The tables each figure reads, and the ones it will read when other parts of
the product create them, are listed in ``docs/governance.md``.

Suppression rule
----------------
Every hidden cell shows as :data:`HIDDEN` (``"[c]"``, the Government Statistical Service's
symbol for a figure withheld for confidentiality). Zero shows as 0.

*Primary*: a count from 1 to ``threshold - 1`` is hidden (``suppression.threshold`` in the
configuration, 5 by default).

*Secondary*: a table may publish totals (a total row, a total column). Each total and the cells
it sums form a *line*. A line with exactly one suppressed cell would let a reader subtract the
visible cells from the total and recover it, so the smallest non-zero visible cell of that line
is suppressed too (the total itself when every other cell is zero). This is repeated until no
line has exactly one suppressed cell, since a new suppression can expose a crossing line.
Likewise when a line's hidden cells (with its total shown) add up to less than the threshold:
their sum is the total less the shown cells, and two hidden cells summing to 2 are 1 each.

Both kinds show the same marker. Marking them apart would tell a reader which hidden cell is
the small one, and that the other is at least the threshold: with a line total that bounds
their sum closely, the small count could then be worked out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .analysis import uneven_sources as _uneven_of
from .config import load_config

__all__ = [
    "Period",
    "month_end",
    "PREVIOUS",
    "YEAR_EARLIER",
    "Figure",
    "GovernanceReport",
    "suppress",
    "is_hidden",
    "HIDDEN",
    "safe_share",
    "table_exists",
    "asb_volume",
    "victims",
    "high_risk_victims",
    "case_reviews",
    "response_times",
    "tools_and_powers",
    "outcomes",
    "governance_report",
    "NOT_RECORDED",
]

NOT_RECORDED = "not recorded"
#: The comparison column when a period is compared with the same period a year earlier...
YEAR_EARLIER = "Same period last year"
#: ... and when it is longer than 12 months and compared with the preceding period instead.
PREVIOUS = "Previous period"
#: How every hidden cell shows, small or hidden to protect a small one (see the module).
HIDDEN = "[c]"
_ALL_AREAS = "All areas"
_OUTSIDE = "Outside the area"
_BANDS = ("standard", "medium", "high")


# --------------------------------------------------------------------------------------------
# Period


@dataclass(frozen=True)
class Period:
    """A reporting period (both days included).

    It is compared with the same period a year earlier, unless it is longer than 12 months:
    then the year earlier would overlap it, and it is compared with the preceding period of
    the same length instead (see :meth:`previous`). ASB incidents are counted by month, so
    periods are normally whole months (:meth:`whole_months`), and then labelled by month.

    Examples
    --------
    >>> p = Period(date(2024, 2, 1), date(2024, 2, 29))
    >>> p.previous()
    Period(start=datetime.date(2023, 2, 1), end=datetime.date(2023, 2, 28))
    >>> p.label, Period(date(2024, 2, 3), date(2024, 2, 9)).label
    ('Feb 2024', '03/02/2024 to 09/02/2024')
    >>> two_years = Period(date(2021, 1, 1), date(2022, 12, 31))
    >>> two_years.previous().label, two_years.comparison
    ('Jan 2019 to Dec 2020', 'the preceding 24 months')
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def whole_months(cls, start: date, end: date) -> Period:
        """The period from the first day of ``start``'s month to the last day of ``end``'s."""
        return cls(start.replace(day=1), month_end(end))

    @property
    def is_whole_months(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.end)

    @property
    def year_on_year(self) -> bool:
        """Whether :meth:`previous` is the same period a year earlier (it does not overlap)."""
        return _year_back(self.end).replace(day=1) < self.month_start

    def previous(self) -> Period:
        """The period to compare with: the same period a year earlier (29 February becomes the
        28th), or, for a period longer than 12 months, the preceding period of the same length
        (in whole months when the period is whole months), so the two never overlap."""
        if self.year_on_year:
            return Period(_year_back(self.start), _year_back(self.end))
        if self.is_whole_months:
            n = len(self.months())
            first = (pd.Timestamp(self.start) - pd.DateOffset(months=n)).date()
            return Period(first, self.start - timedelta(days=1))
        days = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=days), self.start - timedelta(days=1))

    @property
    def comparison(self) -> str:
        """What the period is compared with, in words."""
        if self.year_on_year:
            return "the same period last year"
        if self.is_whole_months:
            return f"the preceding {len(self.months())} months"
        return f"the preceding {(self.end - self.start).days + 1} days"

    @property
    def month_start(self) -> date:
        return self.start.replace(day=1)

    @property
    def label(self) -> str:
        """The months counted ("Mar 2022", "Jan 2022 to Dec 2022") for whole months, else the
        days."""
        if self.is_whole_months:
            first, last = f"{self.start:%b %Y}", f"{self.end:%b %Y}"
            return first if first == last else f"{first} to {last}"
        return f"{self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"

    def months(self) -> list[date]:
        """First days of the months the period touches."""
        out, m = [], self.month_start
        while m <= self.end:
            out.append(m)
            m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        return out


def month_end(d: date) -> date:
    """The last day of ``d``'s month.

    >>> month_end(date(2024, 2, 10))
    datetime.date(2024, 2, 29)
    """
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _months_back(d: date, n: int) -> date:
    """The first day of the month ``n`` months before ``d``'s."""
    k = d.year * 12 + d.month - 1 - n
    return date(k // 12, k % 12 + 1, 1)


def _year_back(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


# --------------------------------------------------------------------------------------------
# Suppression


def suppress(
    frame: pd.DataFrame,
    threshold: int,
    *,
    row_total: Any = None,
    col_total: Any = None,
    columns: list[Any] | None = None,
) -> pd.DataFrame:
    """Counts as text with small numbers suppressed (primary and secondary; see the module).

    Parameters
    ----------
    frame : DataFrame
        Counts (integers; missing values show as "–"). The index labels the rows.
    threshold : int
        Counts from 1 to ``threshold - 1`` are hidden (shown as :data:`HIDDEN`).
    row_total : label, optional
        The index label of the row holding each column's total.
    col_total : label, optional
        The column holding each row's total.
    columns : list, optional
        The columns that hold counts (default: all); other columns are passed through.

    Examples
    --------
    >>> counts = pd.DataFrame({"a": [3, 12, 40, 55], "b": [30, 25, 20, 75],
    ...                        "c": [50, 60, 70, 180], "total": [83, 97, 130, 310]},
    ...                       index=["x", "y", "z", "all"])
    >>> suppress(counts, 5, row_total="all", col_total="total").values.tolist()
    [['[c]', '[c]', '50', '83'], ['[c]', '[c]', '60', '97'], ['[c]', '[c]', '70', '130'], ['55', '75', '180', '310']]
    """
    cols = list(frame.columns) if columns is None else list(columns)
    values = frame[cols].to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    vals = np.where(missing, 0, values)
    hidden = (~missing) & (vals >= 1) & (vals < threshold)
    lines = _lines(list(frame.index), cols, row_total, col_total)
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            cells = [*members, total]
            n_hidden = sum(bool(hidden[c]) for c in cells)
            # One hidden cell is the total less the shown ones; several hidden members whose
            # sum (the total less the shown ones) is under the threshold are each known small,
            # and exactly 1 each when that sum equals their number.
            small_sum = (n_hidden > 1 and not hidden[total]
                         and sum(vals[c] for c in members if hidden[c]) < threshold)
            if n_hidden != 1 and not small_sum:
                continue
            candidates = [c for c in members if not hidden[c] and vals[c] > 0]
            if candidates:
                pick = min(candidates, key=lambda c: vals[c])
            elif not hidden[total] and vals[total] > 0:
                pick = total
            else:  # pragma: no cover - a line of zeros has nothing to hide
                continue
            hidden[pick] = True
            changed = True
    out = frame.copy().astype(object)
    text = np.empty(values.shape, dtype=object)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if missing[i, j]:
                text[i, j] = "–"
            elif hidden[i, j]:
                text[i, j] = HIDDEN
            else:
                text[i, j] = f"{int(vals[i, j]):,}"
    for j, col in enumerate(cols):
        out[col] = text[:, j]
    return out


def is_hidden(text: Any) -> bool:
    """Whether a cell of a suppressed table hides its count (shows :data:`HIDDEN`).

    Examples
    --------
    >>> [is_hidden(v) for v in ("[c]", "12", "0", "–")]
    [True, False, False, False]
    """
    return str(text) == HIDDEN


def _lines(index: list[Any], cols: list[Any], row_total: Any, col_total: Any
           ) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Each published total with the cells it sums, as (row, column) positions."""
    lines = []
    if col_total is not None and col_total in cols:
        t = cols.index(col_total)
        for i in range(len(index)):
            lines.append(([(i, j) for j in range(len(cols)) if j != t], (i, t)))
    if row_total is not None and row_total in index:
        t = index.index(row_total)
        for j in range(len(cols)):
            lines.append(([(i, j) for i in range(len(index)) if i != t], (t, j)))
    return lines


def safe_share(part: int, whole: int, threshold: int) -> str:
    """``part / whole`` as a percentage, or "–" when it would reveal a small count.

    A share is shown only when ``part`` and ``whole - part`` are each zero or at least the
    threshold (otherwise the share and the total give the small count back).

    Examples
    --------
    >>> safe_share(40, 50, 5), safe_share(48, 50, 5), safe_share(0, 0, 5)
    ('80%', '–', '–')
    """
    rest = whole - part
    if whole <= 0 or 0 < part < threshold or 0 < rest < threshold:
        return "–"
    return f"{round(100 * part / whole)}%"


# --------------------------------------------------------------------------------------------
# Figures


@dataclass
class Figure:
    """One governance figure.

    ``tables`` hold raw counts (never shown); ``display`` the same tables suppressed, as text,
    ready to show; ``needs`` says what data is missing when the figure is not available.
    ``doc`` is the heading of its definition in ``docs/governance.md``.
    """

    key: str
    title: str
    doc: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    display: dict[str, pd.DataFrame] = field(default_factory=dict)
    needs: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.needs is None


@dataclass
class GovernanceReport:
    """Every governance figure for a period and the CSP areas chosen."""

    period: Period
    previous: Period
    areas: dict[str, str]
    threshold: int
    generated_at: datetime
    figures: list[Figure]
    previous_held: bool
    months_held: tuple[date | None, date | None]
    #: Sources whose ASB data do not cover both periods, as "source: Jan 2022 to Dec 2022"
    #: (a source starting or stopping looks like ASB rising or falling).
    uneven_sources: tuple[str, ...] = ()
    #: Whether any source holds data (incidents, cases or actions) for the period: when none
    #: does, every figure is zero because nothing is loaded, not because nothing happened.
    period_held: bool = True

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    @property
    def previous_name(self) -> str:
        """The name of the comparison columns (:data:`YEAR_EARLIER` or :data:`PREVIOUS`)."""
        return YEAR_EARLIER if self.period.year_on_year else PREVIOUS

    @property
    def warnings(self) -> list[str]:
        """Every caveat on reading the figures, in words (the page, the pack and the command
        show them all)."""
        out = []
        first, last = self.months_held
        held = (f" (ASB incidents are held from {first:%b %Y} to {last:%b %Y})"
                if first and last else " (no ASB incidents are loaded)")
        if not self.period_held:
            out.append(f"No source holds data for {self.period.label}{held}: every figure is "
                       "zero because nothing is loaded for the period, not because nothing "
                       "happened.")
        if not self.previous_held:
            out.append(f"The warehouse holds little or no ASB data for {self.period.comparison}"
                       f" ({self.previous.label}){held}, so the comparison is incomplete.")
        if self.uneven_sources:
            out.append(f"Not every source covers both periods ({'; '.join(self.uneven_sources)})"
                       ": a source starting or stopping looks like ASB rising or falling.")
        return out


def table_exists(con: duckdb.DuckDBPyConnection, name: str, columns: tuple[str, ...] = ()
                 ) -> bool:
    """Whether the warehouse has table ``name`` (with every one of ``columns``)."""
    found = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]
    ).fetchall()}
    return bool(found) and set(columns) <= found


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])


def _area_names(con: duckdb.DuckDBPyConnection, areas: tuple[str, ...]) -> dict[str, str]:
    frame = con.execute(
        "SELECT csp_code, coalesce(csp_name, csp_code) FROM core_area_csp ORDER BY 2").fetchall()
    names = {code: name for code, name in frame}
    if areas:
        return {code: names.get(code, code) for code in areas if code in names}
    return names


def _area_filter(areas: tuple[str, ...], column: str) -> tuple[str, list]:
    if not areas:
        return "TRUE", []
    return f"{column} IN (SELECT unnest(?))", [list(areas)]


def _incident_filter(areas: tuple[str, ...], sources: tuple[str, ...]
                     ) -> tuple[str, list]:
    """``mart_incident`` rows in ``areas`` (CSP codes) and from ``sources`` (all when empty)."""
    where, params = _area_filter(areas, "csp_code")
    if sources:
        where, params = f"{where} AND source_name IN (SELECT unnest(?))", [*params, list(sources)]
    return where, params


def _merge_rare(frame: pd.DataFrame, threshold: int, label: str,
                keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Fold rows whose counts sum to fewer than ``threshold`` into one ``label`` row.

    Reasons and similar labels are free text from the agencies' systems: a label seen only
    once or twice could itself identify someone, so rare labels are never shown.
    """
    if frame.empty:
        return frame
    rare = [r for r in frame.index if r not in keep and 0 < frame.loc[r].sum() < threshold]
    if not rare:
        return frame
    kept = frame.drop(index=rare)
    other = frame.loc[rare].sum().to_frame().T
    other.index = [label]
    if label in kept.index:
        kept.loc[label] = kept.loc[label] + other.loc[label]
        return kept
    return pd.concat([kept, other])


def _with_total_row(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    total = pd.DataFrame([frame.sum(numeric_only=True)], index=[label])
    return pd.concat([frame, total]).fillna(0).astype(int)


# -- ASB volume ---------------------------------------------------------------------------------


def asb_volume(con: duckdb.DuckDBPyConnection, period: Period, *, areas: tuple[str, ...] = (),
               sources: tuple[str, ...] = (), threshold: int = 5) -> Figure:
    """ASB incidents by CSP area and category, this period and a year earlier, with the trend.

    Reads ``mart_incident`` (``is_asb``), by ``month`` like every other page.
    """
    fig = Figure("asb_volume", "ASB volume by category and CSP area", "ASB volume")
    if _rows(con, "SELECT count(*) FROM mart_incident WHERE is_asb") == 0:
        fig.needs = "ASB incidents (police.uk street-level files or the incidents template)"
        return fig
    names = _area_names(con, areas)
    cats = [c for c in load_config()["categories"]]

    def counts(p: Period) -> pd.DataFrame:
        where, params = _incident_filter(areas, sources)
        frame = con.execute(
            "SELECT csp_code, coalesce(category, ?) AS category, count(*) AS n FROM mart_incident "
            f"WHERE is_asb AND month BETWEEN ? AND ? AND {where} GROUP BY ALL",
            [NOT_RECORDED, p.month_start, p.end, *params],
        ).df()
        frame["area"] = frame["csp_code"].map(names).fillna(_OUTSIDE)
        table = frame.pivot_table(index="area", columns="category", values="n", aggfunc="sum",
                                  fill_value=0)
        return table

    now, before = counts(period), counts(period.previous())
    seen = set(now.columns) | set(before.columns)
    columns = [c for c in cats if c in seen] + sorted(seen - set(cats) - {NOT_RECORDED})
    if NOT_RECORDED in seen:
        columns.append(NOT_RECORDED)
    rows = list(names.values())
    if _OUTSIDE in set(now.index) | set(before.index):
        rows.append(_OUTSIDE)

    def shape(t: pd.DataFrame) -> pd.DataFrame:
        t = t.reindex(index=rows, columns=columns, fill_value=0).astype(int)
        t["All categories"] = t.sum(axis=1)
        return _with_total_row(t, _ALL_AREAS)

    fig.tables["this_period"] = shape(now)
    fig.tables["year_earlier"] = shape(before)
    for name in ("this_period", "year_earlier"):
        fig.display[name] = suppress(fig.tables[name], threshold, row_total=_ALL_AREAS,
                                     col_total="All categories")
    change = pd.DataFrame({
        "This period": fig.display["this_period"]["All categories"],
        "Same period last year": fig.display["year_earlier"]["All categories"],
    })
    change["Change"] = [
        _change(fig.tables["this_period"].at[r, "All categories"],
                fig.tables["year_earlier"].at[r, "All categories"], a, b)
        for r, a, b in zip(change.index, change["This period"], change["Same period last year"],
                           strict=True)
    ]
    fig.display["change"] = change

    # Monthly trend: this period's months against the same months a year earlier.
    where, params = _incident_filter(areas, sources)
    monthly = con.execute(
        "SELECT month, count(*) AS n FROM mart_incident WHERE is_asb AND "
        f"month BETWEEN ? AND ? AND {where} GROUP BY month",
        [period.previous().month_start, period.end, *params],
    ).df()
    by_month = {pd.Timestamp(m).date(): int(n) for m, n in zip(monthly["month"], monthly["n"],
                                                                strict=True)}
    # Each month against the same month of the period compared with (a year earlier, or as
    # many months earlier as the period is long).
    prev = period.previous()
    lag = ((period.month_start.year - prev.month_start.year) * 12
           + period.month_start.month - prev.month_start.month)
    trend = pd.DataFrame(
        {
            "This period": [by_month.get(m, 0) for m in period.months()],
            YEAR_EARLIER: [by_month.get(_months_back(m, lag), 0) for m in period.months()],
        },
        index=[f"{m:%b %Y}" for m in period.months()],
    )
    # The months add up to the period's total, which is published: suppress as one table.
    trend = _with_total_row(trend, "Whole period")
    fig.tables["trend"] = trend
    fig.display["trend"] = suppress(trend, threshold, row_total="Whole period")
    return fig


def _change(now: int, before: int, shown_now: str, shown_before: str) -> str:
    """Percentage change, only between two figures that are both shown."""
    if is_hidden(shown_now) or is_hidden(shown_before) or before == 0:
        return "–"
    return f"{100 * (now - before) / before:+.0f}%"


# -- Victims ------------------------------------------------------------------------------------


def _victim_rows_sql(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> tuple[str, list]:
    """Victim-report rows: (person_id, incident_id, month, csp_code) for qualifying roles.

    Uses ``core_person_link`` (person_record_id -> person_id) when record linkage has made it,
    so a victim known to several agencies counts once; else each agency record counts alone.
    """
    linked = table_exists(con, "core_person_link", ("person_record_id", "person_id"))
    person = "coalesce(k.person_id, r.person_record_id)" if linked else "r.person_record_id"
    join = ("LEFT JOIN core_person_link k ON k.person_record_id = r.person_record_id"
            if linked else "")
    roles = list(config["case_review"]["qualifying_roles"])
    sql = (
        f"SELECT DISTINCT {person} AS person_id, i.incident_id, i.month, i.csp_code "
        "FROM core_person_role r JOIN core_incident i ON i.incident_id = r.incident_id "
        f"{join} WHERE i.is_asb AND r.role IN (SELECT unnest(?))"
    )
    return sql, [roles]


def victims(con: duckdb.DuckDBPyConnection, period: Period, *, areas: tuple[str, ...] = (),
            threshold: int = 5) -> Figure:
    """Victims and repeat victims (two or more reports in the period) by CSP area."""
    config = load_config()
    fig = Figure("victims", "Victims and repeat victims", "Repeat victims")
    roles = list(config["case_review"]["qualifying_roles"])
    if _rows(con, "SELECT count(*) FROM core_person_role WHERE role IN (SELECT unnest(?))",
             [roles]) == 0:
        fig.needs = ("people named as victims or complainants of ASB incidents (the people "
                     "template, with the incidents they relate to)")
        return fig
    if not table_exists(con, "core_person_link"):
        fig.notes.append("Each agency's record counts as one person: records of the same person "
                         "held by different agencies are not linked yet, so repeat victims "
                         "reported to several agencies may be undercounted.")
    names = _area_names(con, areas)
    base, params = _victim_rows_sql(con, config)
    where, aparams = _area_filter(areas, "csp_code")

    def counts(p: Period) -> pd.DataFrame:
        frame = con.execute(
            f"WITH v AS ({base}), inp AS (SELECT * FROM v WHERE month BETWEEN ? AND ?), "
            "per AS (SELECT person_id, count(DISTINCT incident_id) AS reports, "
            "arg_max(csp_code, month) AS csp_code FROM inp GROUP BY person_id) "
            "SELECT csp_code, count(*) AS victims, count(*) FILTER (WHERE reports >= 2) AS repeat "
            f"FROM per WHERE {where} GROUP BY csp_code",
            [*params, p.month_start, p.end, *aparams],
        ).df()
        frame["area"] = frame["csp_code"].map(names).fillna(_OUTSIDE)
        return frame.groupby("area")[["victims", "repeat"]].sum()

    now, before = counts(period), counts(period.previous())
    rows = list(names.values())
    if _OUTSIDE in set(now.index) | set(before.index):
        rows.append(_OUTSIDE)
    now, before = now.reindex(rows, fill_value=0), before.reindex(rows, fill_value=0)
    table = pd.DataFrame({
        "Victims": now["victims"], "Repeat victims": now["repeat"],
        "Victims a year earlier": before["victims"],
        "Repeat victims a year earlier": before["repeat"],
    }, index=rows).astype(int)
    table = _with_total_row(table, _ALL_AREAS)
    fig.tables["by_area"] = table
    fig.display["by_area"] = suppress(table, threshold, row_total=_ALL_AREAS)
    return fig


def high_risk_victims(con: duckdb.DuckDBPyConnection, period: Period, *,
                      areas: tuple[str, ...] = (), threshold: int = 5) -> Figure:
    """Victims in the period by their latest risk band (Risk Assessment Matrix).

    The band is the one a scored table gives (``mart_risk_assessment.band``, when the risk
    matrix step has made it) or else the recorded band, raised by an officer's override.
    """
    config = load_config()
    fig = Figure("high_risk_victims", "High-risk victims", "High-risk victims")
    if _rows(con, "SELECT count(*) FROM core_risk_assessment") == 0:
        fig.needs = ("Risk Assessment Matrix assessments of victims (the risk-assessments "
                     "template), and the people they assess")
        return fig
    if _rows(con, "SELECT count(*) FROM core_person_role") == 0:
        fig.needs = "people named as victims or complainants (the people template)"
        return fig
    if table_exists(con, "mart_risk_assessment", ("person_record_id", "assessed_at", "band")):
        ra = "SELECT person_record_id, assessed_at, band FROM mart_risk_assessment"
    else:
        ra = ("SELECT person_record_id, assessed_at, "
              "lower(coalesce(override_band, recorded_band)) AS band FROM core_risk_assessment")
    base, params = _victim_rows_sql(con, config)
    base = base.replace("SELECT DISTINCT", "SELECT DISTINCT r.person_record_id,", 1)
    where, aparams = _area_filter(areas, "csp_code")

    def counts(p: Period) -> pd.Series:
        frame = con.execute(
            f"WITH v AS ({base}), inp AS (SELECT * FROM v WHERE month BETWEEN ? AND ? AND {where}), "
            f"ra AS ({ra}), "
            "band AS (SELECT inp.person_id, arg_max(ra.band, ra.assessed_at) AS band FROM inp "
            "LEFT JOIN ra ON ra.person_record_id = inp.person_record_id AND ra.assessed_at <= ? "
            "GROUP BY inp.person_id) "
            "SELECT coalesce(band, 'not assessed') AS band, count(*) AS n FROM band GROUP BY 1",
            [*params, p.month_start, p.end, *aparams, p.end],
        ).df()
        return frame.set_index("band")["n"]

    now, before = counts(period), counts(period.previous())
    rows = [*(_BANDS[::-1]), "not assessed"]
    table = pd.DataFrame({"Victims": now.reindex(rows, fill_value=0),
                          "Victims a year earlier": before.reindex(rows, fill_value=0)},
                         index=rows).astype(int)
    table.index = [r if r == "not assessed" else f"{r} risk" for r in rows]
    table = _with_total_row(table, "All victims")
    fig.tables["by_band"] = table
    fig.display["by_band"] = suppress(table, threshold, row_total="All victims")
    return fig


# -- Case reviews -------------------------------------------------------------------------------

#: The table the case review feature records applications in, and the columns read from it.
CASE_REVIEW_TABLE = "mart_case_review"
CASE_REVIEW_COLUMNS = ("application_id", "received_on", "csp_code", "threshold_met",
                       "threshold_reason", "review_held_on", "recommendations_made")


def case_reviews(con: duckdb.DuckDBPyConnection, period: Period, *, areas: tuple[str, ...] = (),
                 threshold: int = 5) -> Figure:
    """The four statutory case review numbers, and why the threshold was not met."""
    fig = Figure("case_reviews", "ASB case reviews", "Case reviews")
    if not table_exists(con, CASE_REVIEW_TABLE, CASE_REVIEW_COLUMNS):
        fig.needs = ("case review applications and their decisions (table "
                     f"{CASE_REVIEW_TABLE} with {', '.join(CASE_REVIEW_COLUMNS)}; made by the "
                     "case review feature)")
        return fig
    if _rows(con, f"SELECT count(*) FROM {CASE_REVIEW_TABLE}") == 0:
        # An empty register is not evidence of no applications: say nothing rather than 0.
        fig.needs = ("case review applications and their decisions recorded in ASB Insight "
                     "(none has been recorded yet)")
        return fig
    where, aparams = _area_filter(areas, "csp_code")

    def four(p: Period) -> list[int]:
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT threshold_met), "
            "count(*) FILTER (WHERE review_held_on IS NOT NULL), "
            "count(*) FILTER (WHERE review_held_on IS NOT NULL AND recommendations_made) "
            f"FROM {CASE_REVIEW_TABLE} WHERE received_on BETWEEN ? AND ? AND {where}",
            [p.start, p.end, *aparams],
        ).fetchall()[0]
        return [int(v) for v in row]

    labels = ["Applications received", "Threshold not met", "Case reviews carried out",
              "Reviews that led to recommendations"]
    table = pd.DataFrame({"This period": four(period),
                          "Same period last year": four(period.previous())}, index=labels)
    fig.tables["statutory"] = table
    fig.display["statutory"] = suppress(table, threshold)
    reasons = con.execute(
        f"SELECT coalesce(threshold_reason, ?) AS reason, count(*) AS n FROM {CASE_REVIEW_TABLE} "
        f"WHERE NOT threshold_met AND received_on BETWEEN ? AND ? AND {where} "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        [NOT_RECORDED, period.start, period.end, *aparams],
    ).df()
    rtable = pd.DataFrame({"Applications": reasons["n"].astype(int).tolist()},
                          index=reasons["reason"].tolist())
    rtable = _merge_rare(rtable, threshold, "other reasons")
    rtable = _with_total_row(rtable, "Threshold not met")
    fig.tables["reasons"] = rtable
    fig.display["reasons"] = suppress(rtable, threshold, row_total="Threshold not met")
    return fig


# -- Cases: response times and outcomes ---------------------------------------------------------


def _case_area_sql(areas: tuple[str, ...]) -> tuple[str, list]:
    """Cases in the chosen areas: by the CSP area of their incidents (any of them)."""
    if not areas:
        return "TRUE", []
    return ("c.case_id IN (SELECT i.agency || ':' || i.case_ref FROM core_incident i "
            "WHERE i.case_ref IS NOT NULL AND i.csp_code IN (SELECT unnest(?)))"), [list(areas)]


def response_times(con: duckdb.DuckDBPyConnection, period: Period, *,
                   areas: tuple[str, ...] = (), threshold: int = 5) -> Figure:
    """Days to first contact and to closure by risk band (cases opened / closed in the period)."""
    fig = Figure("response_times", "Time to first contact and to closure", "Response times")
    if _rows(con, "SELECT count(*) FROM core_case WHERE case_record_held") == 0:
        fig.needs = "ASB cases with their dates and risk band (the cases template)"
        return fig
    where, aparams = _case_area_sql(areas)
    frame = con.execute(
        "SELECT coalesce(lower(c.risk_band), ?) AS band, "
        "count(*) FILTER (WHERE opened_at BETWEEN ? AND ?) AS opened, "
        "count(*) FILTER (WHERE opened_at BETWEEN ? AND ? AND first_contact_at IS NOT NULL) "
        "AS contacted, "
        "median(date_diff('day', opened_at, first_contact_at)) FILTER (WHERE opened_at BETWEEN "
        "? AND ? AND first_contact_at IS NOT NULL) AS contact_days, "
        "count(*) FILTER (WHERE closed_at BETWEEN ? AND ?) AS closed, "
        "median(date_diff('day', opened_at, closed_at)) FILTER (WHERE closed_at BETWEEN ? AND ?) "
        f"AS closure_days FROM core_case c WHERE case_record_held AND {where} GROUP BY 1",
        [NOT_RECORDED, *([period.start, period.end] * 5), *aparams],
    ).df().set_index("band")
    rows = [*(_BANDS[::-1]), NOT_RECORDED]
    frame = frame.reindex(rows)
    counts = frame[["opened", "contacted", "closed"]].fillna(0).astype(int)
    counts.index = [r if r == NOT_RECORDED else f"{r} risk" for r in rows]
    counts = _with_total_row(counts, "All cases")
    fig.tables["counts"] = counts
    # Medians over all bands, for the total row.
    total = con.execute(
        "SELECT median(date_diff('day', opened_at, first_contact_at)) FILTER (WHERE opened_at "
        "BETWEEN ? AND ? AND first_contact_at IS NOT NULL), "
        "median(date_diff('day', opened_at, closed_at)) FILTER (WHERE closed_at BETWEEN ? AND ?) "
        f"FROM core_case c WHERE case_record_held AND {where}",
        [period.start, period.end, period.start, period.end, *aparams],
    ).fetchall()[0]
    contact = [*frame["contact_days"].tolist(), total[0]]
    closure = [*frame["closure_days"].tolist(), total[1]]
    fig.tables["medians"] = pd.DataFrame({"contact_days": contact, "closure_days": closure},
                                         index=counts.index)
    shown = suppress(counts, threshold, row_total="All cases")
    table = pd.DataFrame(index=counts.index)
    table["Cases opened"] = shown["opened"]
    table["Median days to first contact"] = [
        _median_text(d, n, threshold) for d, n in zip(contact, counts["contacted"], strict=True)]
    table["Cases closed"] = shown["closed"]
    table["Median days open at closure"] = [
        _median_text(d, n, threshold) for d, n in zip(closure, counts["closed"], strict=True)]
    fig.display["by_band"] = table
    if int(counts.at["All cases", "contacted"]) == 0:
        fig.notes.append("No first-contact dates are recorded for cases opened in this period.")
    return fig


def _median_text(days: Any, n: int, threshold: int) -> str:
    """A median only when at least ``threshold`` cases are behind it."""
    if days is None or (isinstance(days, float) and math.isnan(days)) or n < threshold:
        return "–"
    return f"{float(days):.0f}"


def outcomes(con: duckdb.DuckDBPyConnection, period: Period, *, areas: tuple[str, ...] = (),
             threshold: int = 5) -> Figure:
    """Cases closed in the period by closure reason, and complainant satisfaction."""
    fig = Figure("outcomes", "Outcomes and complainant satisfaction", "Outcomes and satisfaction")
    if _rows(con, "SELECT count(*) FROM core_case WHERE case_record_held") == 0:
        fig.needs = ("ASB cases with closure reasons and satisfaction scores (the cases "
                     "template)")
        return fig
    where, aparams = _case_area_sql(areas)

    def closed(p: Period, column: str, missing: str) -> pd.Series:
        frame = con.execute(
            f"SELECT coalesce(CAST({column} AS VARCHAR), ?) AS k, count(*) AS n FROM core_case c "
            f"WHERE case_record_held AND closed_at BETWEEN ? AND ? AND {where} GROUP BY 1",
            [missing, p.start, p.end, *aparams],
        ).df()
        return frame.set_index("k")["n"]

    now, before = closed(period, "closure_reason", NOT_RECORDED), closed(
        period.previous(), "closure_reason", NOT_RECORDED)
    keys = sorted((set(now.index) | set(before.index)) - {NOT_RECORDED})
    if NOT_RECORDED in set(now.index) | set(before.index):
        keys.append(NOT_RECORDED)
    reasons = pd.DataFrame({"This period": now.reindex(keys, fill_value=0),
                            "Same period last year": before.reindex(keys, fill_value=0)},
                           index=keys).astype(int)
    reasons = _merge_rare(reasons, threshold, "other reasons", keep=(NOT_RECORDED,))
    reasons = _with_total_row(reasons, "All closed cases")
    fig.tables["closure_reasons"] = reasons
    fig.display["closure_reasons"] = suppress(reasons, threshold, row_total="All closed cases")

    labels = {"1": "1 very dissatisfied", "2": "2 dissatisfied", "3": "3 neither",
              "4": "4 satisfied", "5": "5 very satisfied", NOT_RECORDED: "no survey answer"}
    s_now = closed(period, "satisfaction", NOT_RECORDED)
    s_before = closed(period.previous(), "satisfaction", NOT_RECORDED)
    sat = pd.DataFrame({"This period": s_now.reindex(list(labels), fill_value=0),
                        "Same period last year": s_before.reindex(list(labels), fill_value=0)})
    sat.index = list(labels.values())
    sat = _with_total_row(sat.astype(int), "All closed cases")
    fig.tables["satisfaction"] = sat
    shown = suppress(sat, threshold, row_total="All closed cases")
    answered = {c: int(sat[c].iloc[:5].sum()) for c in sat.columns}
    happy = {c: int(sat[c].iloc[3:5].sum()) for c in sat.columns}
    # A share is a published subtotal in disguise: show it only when every answer count
    # behind it is shown, so it cannot be combined with the table to recover a hidden cell.
    share = pd.DataFrame(
        [[safe_share(happy[c], answered[c], threshold)
          if not any(is_hidden(v) for v in shown[c].iloc[:5]) else "–"
          for c in sat.columns]],
        index=["Satisfied (4 or 5) of those who answered"], columns=sat.columns)
    fig.display["satisfaction"] = pd.concat([shown, share])
    return fig


# -- Tools and powers ---------------------------------------------------------------------------


def tools_and_powers(con: duckdb.DuckDBPyConnection, period: Period, *,
                     areas: tuple[str, ...] = (), threshold: int = 5) -> Figure:
    """Actions taken (tools and powers, support) in the period, by the configured list."""
    fig = Figure("tools_and_powers", "Actions, tools and powers used", "Tools and powers")
    if _rows(con, "SELECT count(*) FROM core_action") == 0:
        fig.needs = "actions taken, with their dates (the actions template)"
        return fig
    if areas:
        where = ("(a.case_id IN (SELECT i.agency || ':' || i.case_ref FROM core_incident i WHERE "
                 "i.case_ref IS NOT NULL AND i.csp_code IN (SELECT unnest(?))) OR a.incident_id "
                 "IN (SELECT incident_id FROM core_incident WHERE csp_code IN (SELECT unnest(?))))")
        aparams: list = [list(areas), list(areas)]
    else:
        where, aparams = "TRUE", []

    def counts(p: Period) -> pd.Series:
        frame = con.execute(
            "SELECT coalesce(c.label, a.action) AS action, count(*) AS n FROM core_action a "
            "LEFT JOIN cfg_action c ON c.name = a.action "
            f"WHERE a.action_date BETWEEN ? AND ? AND {where} GROUP BY 1",
            [p.start, p.end, *aparams],
        ).df()
        return frame.set_index("action")["n"]

    order = [r[0] for r in con.execute(
        "SELECT label FROM cfg_action ORDER BY rank, label").fetchall()]
    now, before = counts(period), counts(period.previous())
    used = set(now.index) | set(before.index)
    rows = [a for a in order if a in used] + sorted(used - set(order))
    table = pd.DataFrame({"This period": now.reindex(rows, fill_value=0),
                          "Same period last year": before.reindex(rows, fill_value=0)},
                         index=rows).astype(int)
    # Configured tools and powers are always named; anything else is free text: fold rare ones.
    table = _merge_rare(table, threshold, "other actions", keep=tuple(order))
    table = _with_total_row(table, "All actions")
    fig.tables["by_action"] = table
    fig.display["by_action"] = suppress(table, threshold, row_total="All actions")
    return fig


# -- Everything ---------------------------------------------------------------------------------


def governance_report(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    areas: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    config: dict[str, Any] | None = None,
) -> GovernanceReport:
    """Every governance figure for ``period`` against the same period a year earlier.

    ``areas`` restricts to CSP area codes (all when empty); ``sources`` restricts ASB volume to
    some sources. The suppression threshold is ``suppression.threshold`` in the configuration.
    """
    config = config or load_config()
    threshold = int(config["suppression"]["threshold"])
    areas = tuple(areas)
    kw = {"areas": areas, "threshold": threshold}
    figures = [
        asb_volume(con, period, sources=tuple(sources), **kw),  # type: ignore[arg-type]
        victims(con, period, **kw),  # type: ignore[arg-type]
        high_risk_victims(con, period, **kw),  # type: ignore[arg-type]
        case_reviews(con, period, **kw),  # type: ignore[arg-type]
        response_times(con, period, **kw),  # type: ignore[arg-type]
        tools_and_powers(con, period, **kw),  # type: ignore[arg-type]
        outcomes(con, period, **kw),  # type: ignore[arg-type]
    ]
    first, last = con.execute(
        "SELECT min(month), max(month) FROM mart_incident WHERE is_asb").fetchall()[0]
    prev = period.previous()
    # Held over the whole period compared with: from its first month to its last.
    previous_held = (first is not None and first <= prev.month_start
                     and last >= prev.end.replace(day=1))
    uneven = _uneven_sources(con, period, prev, areas, tuple(sources))
    if not period.year_on_year:
        for figure in figures:
            _relabel(figure)
    return GovernanceReport(
        period=period,
        previous=prev,
        areas=_area_names(con, areas),
        threshold=threshold,
        generated_at=datetime.now().replace(microsecond=0),
        figures=figures,
        previous_held=bool(previous_held),
        months_held=(first, last),
        uneven_sources=uneven,
        period_held=_period_held(con, period),
    )


def _relabel(figure: Figure) -> None:
    """Name the comparison columns for the preceding period, not the year earlier."""
    def name(column: Any) -> Any:
        if column == YEAR_EARLIER:
            return PREVIOUS
        if isinstance(column, str) and column.endswith(" a year earlier"):
            return column.removesuffix(" a year earlier") + " in the previous period"
        return column

    for tables in (figure.tables, figure.display):
        for key, frame in tables.items():
            tables[key] = frame.rename(columns=name)


def _period_held(con: duckdb.DuckDBPyConnection, period: Period) -> bool:
    """Whether any source holds incidents, cases or actions for the period."""
    if _rows(con, "SELECT count(*) FROM mart_incident WHERE month BETWEEN ? AND ?",
             [period.month_start, period.end]):
        return True
    if _rows(con, "SELECT count(*) FROM core_action WHERE action_date BETWEEN ? AND ?",
             [period.start, period.end]):
        return True
    return bool(_rows(con, "SELECT count(*) FROM core_case WHERE case_record_held AND "
                           "(opened_at BETWEEN ? AND ? OR closed_at BETWEEN ? AND ?)",
                      [period.start, period.end, period.start, period.end]))


def _uneven_sources(con: duckdb.DuckDBPyConnection, period: Period, previous: Period,
                    areas: tuple[str, ...], sources: tuple[str, ...]) -> tuple[str, ...]:
    """Sources (of those chosen, in the areas chosen) holding ASB in one period but whose
    months held do not reach over the other, with the months they hold."""
    where, params = _incident_filter(areas, sources)
    rows = con.execute(
        f"SELECT source_name, min(month), max(month) FROM mart_incident WHERE is_asb AND {where} "
        "GROUP BY source_name ORDER BY source_name", params).fetchall()
    return tuple(_uneven_of(rows, [(previous.start, previous.end),
                                    (period.start, period.end)]))
