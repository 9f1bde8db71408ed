"""Shared checks for the analysis methods: the exception they raise and input validation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AnalysisProblem

__all__ = ["AnalysisProblem", "require_columns", "located", "weights_of", "uneven_sources",
           "format_metric", "MISSING"]

#: What a metric that could not be computed shows as, on every page and command.
MISSING = "n/a"


def format_metric(value: Any, spec: str = ".2f") -> str:
    """``value`` formatted with ``spec``, or :data:`MISSING` when there is no number (None, NaN
    or not a number: an AUC cannot be computed on test dates where everybody was named again).

    >>> format_metric(0.7312), format_metric(2782, ","), format_metric(None), format_metric(float("nan"))
    ('0.73', '2,782', 'n/a', 'n/a')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return MISSING
    if value != value:
        return MISSING
    return format(value, spec)


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`AnalysisProblem` naming any of ``columns`` missing from ``frame``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"easting": []}), ["easting", "northing"], "a hotspot map")
    Traceback (most recent call last):
    ...
    pipelines.errors.AnalysisProblem: a hotspot map needs column(s) northing; found: easting
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "no columns"
        raise AnalysisProblem(f"{what} needs column(s) {', '.join(missing)}; found: {found}")


def located(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of rows with both ``easting`` and ``northing`` present and finite.

    Examples
    --------
    >>> located(pd.DataFrame({"easting": [1.0, np.nan], "northing": [2.0, 3.0]})).tolist()
    [True, False]
    """
    e = pd.to_numeric(frame["easting"], errors="coerce").to_numpy(dtype=float)
    n = pd.to_numeric(frame["northing"], errors="coerce").to_numpy(dtype=float)
    return np.isfinite(e) & np.isfinite(n)


def weights_of(frame: pd.DataFrame, weight: str | None) -> np.ndarray:
    """Per-row weights: the ``weight`` column (missing values count 1), or all ones.

    Examples
    --------
    >>> weights_of(pd.DataFrame({"weight": [3.0, None]}), "weight").tolist()
    [3.0, 1.0]
    >>> weights_of(pd.DataFrame({"x": [0, 0]}), None).tolist()
    [1.0, 1.0]
    """
    if weight is None:
        return np.ones(len(frame))
    require_columns(frame, [weight], "a weighted count")
    values = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float)
    values = np.where(np.isnan(values), 1.0, values)
    if (values < 0).any():
        raise AnalysisProblem(f"column {weight!r} holds negative weights; weights must be >= 0")
    return values


def uneven_sources(held: Iterable[tuple[str, Any, Any]], windows: Iterable[tuple[Any, Any]]
                   ) -> list[str]:
    """Sources whose months held reach into some of ``windows`` but do not cover them all.

    A comparison between periods (this year and last, before and after a response) is only
    like for like when every source counted holds data over each period: a source starting or
    stopping looks like ASB rising or falling.

    Parameters
    ----------
    held : iterable of (source, first month, last month)
        Months as any date-like (the first day of the month).
    windows : iterable of (start, end)
        The periods compared (dates; each month they touch counts).

    Returns
    -------
    list of str
        ``"source: Jan 2022 to Nov 2022"`` for each uneven source, in the order given.

    Examples
    --------
    >>> held = [("police-uk", "2022-01-01", "2022-11-01"), ("council", "2021-01-01", "2022-12-01")]
    >>> uneven_sources(held, [("2021-06-01", "2021-08-31"), ("2022-06-01", "2022-08-31")])
    ['police-uk: Jan 2022 to Nov 2022']
    >>> uneven_sources(held, [("2022-02-01", "2022-03-31"), ("2022-04-01", "2022-05-31")])
    []
    """
    spans = [(pd.Timestamp(a).to_period("M"), pd.Timestamp(b).to_period("M"))
             for a, b in windows]
    out = []
    for name, first, last in held:
        f, t = pd.Timestamp(first).to_period("M"), pd.Timestamp(last).to_period("M")
        touches = [f <= b and t >= a for a, b in spans]
        if any(touches) and not all(f <= a and t >= b for a, b in spans):
            out.append(f"{name}: {f.strftime('%b %Y')} to {t.strftime('%b %Y')}")
    return out
