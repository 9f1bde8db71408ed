"""Analysis methods: pure functions from incidents (a DataFrame) and parameters to typed results.

One module per method: :mod:`.grid` (square BNG cells), :mod:`.hotspots` (density, Gi*,
emerging hot spots, hot dots, harm weights), :mod:`.peaktimes` (aoristic hour-of-week,
trends, special days), :mod:`.near_repeat` (Knox test), :mod:`.forecast` (next-month hotspot
forecasts and their backtest) and :mod:`.assessment` (before/after and displacement).
:func:`uneven_sources` says which sources make a comparison between periods unlike for like;
:func:`format_metric` writes a metric, or "n/a" when it could not be computed.
"""

from ._common import AnalysisProblem, format_metric, uneven_sources

__all__ = ["AnalysisProblem", "format_metric", "uneven_sources"]
