"""Analysis methods: pure functions from incidents (a DataFrame) and parameters to typed results.

One module per method: :mod:`.grid` (square BNG cells), :mod:`.hotspots` (density, Gi*,
emerging hot spots, hot dots, harm weights), :mod:`.peaktimes` (aoristic hour-of-week,
trends, special days), :mod:`.near_repeat` (Knox test), :mod:`.forecast` (next-month hotspot
forecasts and their backtest) and :mod:`.assessment` (before/after and displacement).
"""

from ._common import AnalysisProblem

__all__ = ["AnalysisProblem"]
