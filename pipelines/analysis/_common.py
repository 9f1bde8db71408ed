"""Shared checks for the analysis methods: the exception they raise and input validation."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import AnalysisProblem

__all__ = ["AnalysisProblem", "require_columns", "located", "weights_of"]


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
