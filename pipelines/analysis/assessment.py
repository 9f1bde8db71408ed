"""Did the response work? Before/after counts and the weighted displacement quotient.

The assessment compares three areas over two equal-length periods either side of a date:

- **response area** (R): where the response (patrols, CCTV, gating, a PSPO...) was put in;
- **buffer** (B): a ring around it, where ASB could be displaced to (or where benefits could
  spread to);
- **comparison area** (C): somewhere similar but unaffected, by default the rest of the data
  given (e.g. the rest of the CSP area) outside the response area and buffer.

The weighted displacement quotient (Bowers and Johnson 2003) is::

    success measure  = Ra/Ca - Rb/Cb        (negative: the response area improved)
    buffer measure   = Ba/Ca - Bb/Cb        (positive: displacement; negative: diffusion)
    WDQ              = buffer measure / success measure

(a = after, b = before). It is only read when the success measure is negative. WDQ > 0 means
diffusion of benefits (above 1: the buffer improved even more than the response area); WDQ
between 0 and -1 means some displacement, smaller than the reduction (a net benefit); below
-1 the displacement outweighs the reduction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ._common import AnalysisProblem, located, require_columns, weights_of
from .grid import assign_cells, check_cell_size

__all__ = ["AreaSpec", "Assessment", "wdq", "assess_response"]

#: A response area, buffer or comparison area: a polygon (EPSG:27700), a GeoDataFrame or
#: GeoSeries, or a list of grid cell ids ("E450000N520250") or LSOA codes.
AreaSpec: TypeAlias = BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | Iterable[str]

_CELL_RE = re.compile(r"^E\d+(\.\d+)?N\d+(\.\d+)?$")
_SMALL = 10


@dataclass(frozen=True)
class _Area:
    """An area resolved to a membership test and (when known) a geometry."""

    mask: np.ndarray
    geometry: BaseGeometry | None
    description: str


def _geometry_of(spec: Any) -> BaseGeometry | None:
    if isinstance(spec, BaseGeometry):
        return spec
    if isinstance(spec, gpd.GeoDataFrame | gpd.GeoSeries):
        geo = spec.geometry if isinstance(spec, gpd.GeoDataFrame) else spec
        if geo.crs is not None and geo.crs.to_epsg() != 27700:
            geo = geo.to_crs(27700)
        return shapely.union_all(geo.to_numpy())
    return None


def _resolve(
    spec: Any,
    incidents: pd.DataFrame,
    *,
    cell_size: float | None,
    boundaries: gpd.GeoDataFrame | None,
    what: str,
) -> _Area:
    n = len(incidents)
    geom = _geometry_of(spec)
    has_xy = located(incidents)
    e = pd.to_numeric(incidents["easting"], errors="coerce").to_numpy(dtype=float)
    nn = pd.to_numeric(incidents["northing"], errors="coerce").to_numpy(dtype=float)
    if geom is not None:
        mask = np.zeros(n, dtype=bool)
        mask[has_xy] = shapely.intersects_xy(geom, e[has_xy], nn[has_xy])
        return _Area(mask, geom, f"{what}: a polygon of {geom.area / 1e6:.3f} km²")
    if isinstance(spec, str):
        spec = [spec]
    codes = [str(c).strip() for c in spec]
    if not codes:
        raise AnalysisProblem(f"the {what} is empty: give a polygon, cell ids or LSOA codes")
    if all(_CELL_RE.match(c) for c in codes):
        if cell_size is None:
            raise AnalysisProblem(f"the {what} is given as grid cells: also give cell_size")
        size = check_cell_size(cell_size)
        ids = assign_cells(incidents[["easting", "northing"]], size)["cell_id"]
        mask = ids.isin(set(codes)).to_numpy()
        corners = []
        for c in set(codes):
            x0, y0 = (float(v) for v in c[1:].split("N"))
            corners.append(shapely.box(x0, y0, x0 + size, y0 + size))
        return _Area(mask, shapely.union_all(corners), f"{what}: {len(set(codes))} grid cells")
    if any(_CELL_RE.match(c) for c in codes):
        raise AnalysisProblem(f"the {what} mixes grid cell ids and other codes: {codes[:5]}")
    require_columns(incidents, ["lsoa_code"], f"an LSOA-based {what}")
    mask = incidents["lsoa_code"].astype("object").isin(set(codes)).to_numpy()
    geometry = None
    if boundaries is not None:
        require_columns(boundaries, ["lsoa_code"], "the LSOA boundaries")
        chosen = boundaries[boundaries["lsoa_code"].isin(set(codes))]
        missing = sorted(set(codes) - set(chosen["lsoa_code"]))
        if missing:
            raise AnalysisProblem(
                f"LSOA(s) {', '.join(missing[:5])} of the {what} are not in the boundaries given"
            )
        geometry = _geometry_of(chosen)
    return _Area(mask, geometry, f"{what}: {len(set(codes))} LSOAs")


def wdq(
    rb: float, ra: float, bb: float, ba: float, cb: float, ca: float
) -> tuple[float | None, float | None, float | None, str, str]:
    """Weighted displacement quotient from the six counts, with its plain-language reading.

    Returns ``(success_measure, buffer_measure, wdq, outcome, reading)``; a measure that cannot
    be computed is None and the reading says why.

    Examples
    --------
    Response 100 -> 60, buffer 50 -> 55, comparison 1000 -> 1000 (Bowers and Johnson's layout):

    >>> s, b, q, outcome, reading = wdq(100, 60, 50, 55, 1000, 1000)
    >>> round(s, 4), round(b, 4), round(q, 4), outcome
    (-0.04, 0.005, -0.125, 'displacement')
    >>> wdq(10, 5, 3, 3, 0, 40)[3]
    'cannot compute'
    """
    if cb <= 0 or ca <= 0:
        which = "before" if cb <= 0 else "after"
        return (None, None, None, "cannot compute",
                f"The comparison area had no incidents in the {which} period, so the response "
                "area's change cannot be measured against it. Choose a larger comparison area "
                "or longer periods.")
    success = ra / ca - rb / cb
    buffer = ba / ca - bb / cb
    if success > 0:
        return (success, buffer, None, "no reduction",
                "ASB in the response area rose relative to the comparison area (success measure "
                f"{success:+.4f}), so there is no reduction to be displaced; the WDQ is not "
                "interpreted.")
    if success == 0:
        return (success, buffer, None, "no change",
                "ASB in the response area changed exactly in line with the comparison area "
                "(success measure 0): no effect is visible and the WDQ cannot be computed "
                "(it would divide by zero).")
    q = buffer / success + 0.0  # + 0.0 turns -0.0 into 0.0
    if buffer > 0:
        if q > -1:
            text = ("ASB fell in the response area relative to the comparison area and rose "
                    f"somewhat in the buffer (WDQ {q:.2f}): some displacement, but smaller than "
                    "the reduction, so a net benefit.")
        elif q == -1:
            text = ("ASB fell in the response area but rose by as much in the buffer (WDQ -1): "
                    "displacement cancels the benefit.")
        else:
            text = ("ASB fell in the response area but rose more in the buffer (WDQ "
                    f"{q:.2f}): displacement outweighs the reduction.")
        return success, buffer, q, "displacement", text
    if buffer < 0:
        extra = (" The buffer improved even more than the response area (WDQ above 1)."
                 if q > 1 else "")
        return (success, buffer, q, "diffusion of benefits",
                "ASB fell in the response area relative to the comparison area and also fell in "
                f"the buffer (WDQ {q:.2f}): a diffusion of benefits, no sign of displacement."
                + extra)
    return (success, buffer, q, "no change in buffer",
            "ASB fell in the response area relative to the comparison area; the buffer changed "
            "in line with the comparison area (WDQ 0): neither displacement nor diffusion.")


@dataclass(frozen=True)
class Assessment:
    """Before/after assessment of a response.

    Attributes
    ----------
    counts : pandas.DataFrame
        One row per area (``response``, ``buffer``, ``comparison``): ``before``, ``after``,
        ``change``, ``pct_change``.
    before, after : tuple of pandas.Timestamp
        First and last day (inclusive) of each period.
    success_measure, buffer_measure, wdq : float or None
    outcome : str
        "displacement", "diffusion of benefits", "no change in buffer", "no reduction",
        "no change", "cannot compute" or "no buffer".
    reading : str
        The result in plain language.
    notes : list of str
        Caveats (small numbers, incidents without a location or date left out).
    areas : dict of str to str
        How each area was defined.
    """

    counts: pd.DataFrame
    before: tuple[pd.Timestamp, pd.Timestamp]
    after: tuple[pd.Timestamp, pd.Timestamp]
    success_measure: float | None
    buffer_measure: float | None
    wdq: float | None
    outcome: str
    reading: str
    notes: list[str] = field(default_factory=list)
    areas: dict[str, str] = field(default_factory=dict)


def assess_response(
    incidents: pd.DataFrame,
    start: str | pd.Timestamp,
    *,
    response: AreaSpec,
    buffer_width: float | None = None,
    buffer: AreaSpec | None = None,
    comparison: AreaSpec | None = None,
    period_months: int | None = 6,
    period_days: int | None = None,
    gap: int = 0,
    cell_size: float | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    weight: str | None = None,
) -> Assessment:
    """Before/after counts in a response area, its buffer and a comparison area, and the WDQ.

    Parameters
    ----------
    incidents : pandas.DataFrame
        ASB incidents (``easting``, ``northing``, ``month``; ``occurred_at`` for day periods;
        ``lsoa_code`` for LSOA areas). Pass the whole area the comparison is drawn from.
    start : str or Timestamp
        When the response started. The after period starts ``gap`` periods later; the before
        period ends just before ``start``.
    response : polygon, GeoDataFrame/GeoSeries, or list of cell ids or LSOA codes
        Polygons are in EPSG:27700 (GeoDataFrames in another CRS are converted).
    buffer_width : float, optional
        Width (metres) of the buffer ring around the response area (needs its geometry: a
        polygon, cells, or LSOAs with ``boundaries``).
    buffer : area, optional
        An explicit buffer instead of a ring (the response area is taken out of it).
    comparison : area, optional
        Default: every incident given outside the response area and buffer.
    period_months : int, default 6
        Length of each period in calendar months (uses ``month``, so police.uk rows count).
    period_days : int, optional
        Length of each period in days instead (uses ``occurred_at``; month-only rows are left
        out and noted).
    gap : int, default 0
        Months (or days) after ``start`` left out as the implementation period.
    cell_size : float, optional
        Needed when an area is given as grid cell ids.
    boundaries : GeoDataFrame, optional
        LSOA polygons with an ``lsoa_code`` column, for a buffer around LSOAs.
    weight : str, optional
        Harm weight column.

    Examples
    --------
    Response area 10 -> 4 incidents, buffer ring 5 -> 5, comparison 100 -> 100:

    >>> import shapely

    >>> rows = ([(50.0, 50.0, "2024-06-01")] * 10 + [(50.0, 50.0, "2024-07-01")] * 4
    ...         + [(150.0, 50.0, "2024-06-01")] * 5 + [(150.0, 50.0, "2024-07-01")] * 5
    ...         + [(5000.0, 50.0, "2024-06-01")] * 100 + [(5000.0, 50.0, "2024-07-01")] * 100)
    >>> df = pd.DataFrame(rows, columns=["easting", "northing", "month"])
    >>> df["month"] = pd.to_datetime(df["month"])
    >>> res = assess_response(df, "2024-07", response=shapely.box(0, 0, 100, 100),
    ...                       buffer_width=200, period_months=1)
    >>> res.counts.loc["response", ["before", "after"]].tolist(), res.outcome
    ([10.0, 4.0], 'no change in buffer')
    >>> round(res.success_measure, 4), res.wdq
    (-0.06, 0.0)
    """
    require_columns(incidents, ["easting", "northing"], "a before/after assessment")
    if (period_months is None) == (period_days is None):
        raise AnalysisProblem("give exactly one of period_months or period_days")
    if gap < 0:
        raise AnalysisProblem(f"gap must be 0 or more (got {gap})")
    try:
        start_ts = pd.Timestamp(start)
    except (ValueError, TypeError):
        raise AnalysisProblem(f"start must be a date like 2024-05-01 (got {start!r})") from None
    notes: list[str] = []
    w = weights_of(incidents, weight)

    if period_months is not None:
        if int(period_months) < 1:
            raise AnalysisProblem(f"period_months must be at least 1 (got {period_months})")
        require_columns(incidents, ["month"], "a before/after assessment by month")
        L = int(period_months)
        m0 = start_ts.to_period("M").to_timestamp()
        if start_ts != m0:
            notes.append(
                f"The response started mid-month; the periods are counted in whole months, "
                f"with {m0:%B %Y} the first month after."
            )
        b0, b1 = m0 - pd.DateOffset(months=L), m0 - pd.DateOffset(months=1)
        a0, a1 = m0 + pd.DateOffset(months=gap), m0 + pd.DateOffset(months=gap + L - 1)
        when = pd.to_datetime(incidents["month"], errors="coerce").dt.to_period("M").dt.to_timestamp()
        in_before = ((when >= b0) & (when <= b1)).to_numpy()
        in_after = ((when >= a0) & (when <= a1)).to_numpy()
        latest, earliest = when.max(), when.min()
        if pd.isna(latest) or latest < a1:
            raise AnalysisProblem(
                f"the after period runs to {a1:%Y-%m} but the data end at "
                f"{'(no months)' if pd.isna(latest) else format(latest, '%Y-%m')}; "
                "use a shorter period or wait for more data"
            )
        if earliest > b0:
            raise AnalysisProblem(
                f"the before period starts at {b0:%Y-%m} but the data start at "
                f"{earliest:%Y-%m}; use a shorter period"
            )
        before = (b0, b1 + pd.offsets.MonthEnd(0))
        after = (a0, a1 + pd.offsets.MonthEnd(0))
    else:
        L = int(period_days or 0)
        if L < 1:
            raise AnalysisProblem(f"period_days must be at least 1 (got {period_days})")
        require_columns(incidents, ["occurred_at"], "a before/after assessment by day")
        d0 = start_ts.normalize()
        before = (d0 - pd.Timedelta(days=L), d0 - pd.Timedelta(days=1))
        after = (d0 + pd.Timedelta(days=gap), d0 + pd.Timedelta(days=gap + L - 1))
        when = pd.to_datetime(incidents["occurred_at"], errors="coerce").dt.normalize()
        if "time_precision" in incidents.columns:
            month_only = (incidents["time_precision"].astype("object") == "month").to_numpy()
            when = when.where(~month_only)
        undated = int(when.isna().sum())
        if undated:
            notes.append(
                f"{undated:,} incidents have no date (e.g. police.uk rows, month only) and are "
                "left out of a day-based assessment; use period_months to include them."
            )
        in_before = ((when >= before[0]) & (when <= before[1])).to_numpy()
        in_after = ((when >= after[0]) & (when <= after[1])).to_numpy()
        dated = when.dropna()
        if dated.empty or dated.max() < after[1]:
            last = "no dated incidents" if dated.empty else f"{dated.max():%Y-%m-%d}"
            raise AnalysisProblem(
                f"the after period runs to {after[1]:%Y-%m-%d} but the data end at {last}; "
                "use a shorter period"
            )

    resp = _resolve(response, incidents, cell_size=cell_size, boundaries=boundaries,
                    what="response area")
    areas = {"response": resp.description}
    buf_mask = None
    if buffer is not None:
        b = _resolve(buffer, incidents, cell_size=cell_size, boundaries=boundaries, what="buffer")
        buf_mask = b.mask & ~resp.mask
        areas["buffer"] = b.description
        buf_geom = b.geometry
    elif buffer_width is not None:
        if not (np.isfinite(buffer_width) and buffer_width > 0):
            raise AnalysisProblem(f"buffer_width must be a positive number of metres "
                                  f"(got {buffer_width!r})")
        if resp.geometry is None:
            raise AnalysisProblem(
                "a buffer ring needs the response area's shape: give LSOA boundaries "
                "(boundaries=...), or a polygon or grid cells as the response area"
            )
        buf_geom = resp.geometry.buffer(buffer_width).difference(resp.geometry)
        xy = located(incidents)
        e = pd.to_numeric(incidents["easting"], errors="coerce").to_numpy(dtype=float)
        n = pd.to_numeric(incidents["northing"], errors="coerce").to_numpy(dtype=float)
        buf_mask = np.zeros(len(incidents), dtype=bool)
        buf_mask[xy] = shapely.intersects_xy(buf_geom, e[xy], n[xy])
        buf_mask &= ~resp.mask
        areas["buffer"] = f"buffer: a ring {buffer_width:g} m wide around the response area"
    else:
        buf_geom = None
        notes.append("No buffer was given, so displacement cannot be measured (no WDQ).")
    taken = resp.mask | (buf_mask if buf_mask is not None else False)
    if comparison is None:
        comp_mask = ~taken
        areas["comparison"] = "comparison: every other incident given (outside response and buffer)"
    else:
        c = _resolve(comparison, incidents, cell_size=cell_size, boundaries=boundaries,
                     what="comparison area")
        comp_mask = c.mask & ~taken
        areas["comparison"] = c.description
        if buf_geom is not None and c.geometry is not None and c.geometry.intersects(buf_geom):
            notes.append("The comparison area overlaps the buffer; the overlap counts as buffer.")

    def tally(mask: np.ndarray) -> tuple[float, float]:
        return float(w[mask & in_before].sum()), float(w[mask & in_after].sum())

    rb, ra = tally(resp.mask)
    cb, ca = tally(comp_mask)
    rows = {"response": (rb, ra), "comparison": (cb, ca)}
    if buf_mask is not None:
        bb, ba = tally(buf_mask)
        rows = {"response": (rb, ra), "buffer": (bb, ba), "comparison": (cb, ca)}
    counts = pd.DataFrame(rows, index=["before", "after"]).T
    counts["change"] = counts["after"] - counts["before"]
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["pct_change"] = np.where(
            counts["before"] > 0, 100.0 * counts["change"] / counts["before"], np.nan
        )

    if buf_mask is not None:
        success, buf_measure, q, outcome, reading = wdq(rb, ra, bb, ba, cb, ca)
    else:
        success, _, _, outcome, reading = wdq(rb, ra, 0.0, 0.0, cb, ca)
        buf_measure = q = None
        if outcome not in ("cannot compute", "no reduction", "no change"):
            outcome = "no buffer"
            reading = ("ASB fell in the response area relative to the comparison area "
                       f"(success measure {success:+.4f}); with no buffer, displacement "
                       "was not measured.")
    small = [name for name, (b, a) in rows.items() if name != "comparison" and min(b, a) < _SMALL]
    if small:
        notes.append(
            f"Small numbers in the {' and '.join(small)} (under {_SMALL} in a period): a few "
            "incidents either way change these measures a lot; read them with caution."
        )
    unlocated = int((~located(incidents) & (in_before | in_after)).sum())
    if unlocated:
        notes.append(f"{unlocated:,} incidents in the periods have no location and are not in "
                     "any area (unless the area is given as LSOAs).")
    return Assessment(
        counts=counts,
        before=(pd.Timestamp(before[0]), pd.Timestamp(before[1])),
        after=(pd.Timestamp(after[0]), pd.Timestamp(after[1])),
        success_measure=success,
        buffer_measure=buf_measure,
        wdq=q,
        outcome=outcome,
        reading=reading,
        notes=notes,
        areas=areas,
    )
