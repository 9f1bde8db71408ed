"""``asb hotspots``: hotspot forecasts and how well they would have done (the backtest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import AnalysisProblem

__all__ = ["hotspots_app"]

hotspots_app = typer.Typer(help="Hotspot forecasts and their backtest.", no_args_is_help=True,
                           add_completion=False)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


@hotspots_app.command("backtest")
def backtest(
    db: Annotated[Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")],
    coverage: Annotated[float, typer.Option(
        "--coverage", help="Share of study cells flagged each month (0.05: the top 5%).")] = 0.05,
    cell_size: Annotated[float, typer.Option(
        "--cell-size", help="Grid cell side in metres (British National Grid).")] = 250.0,
    method: Annotated[list[str] | None, typer.Option(
        "--method", help="A forecasting method (naive, kde, prospective, blend); repeat for "
        "several. Default: all.")] = None,
    csp: Annotated[list[str] | None, typer.Option(
        "--csp", help="Only this CSP area (local authority code, e.g. E06000001); repeat for "
        "several.")] = None,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="Only incidents from this source; repeat for several.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Backtest next-month hotspot forecasts on the ASB incidents held (month by month)."""
    from ..analysis.forecast import backtest as run_backtest
    from ..analysis.load import IncidentFilter, load_incidents, source_coverage
    from ..warehouse import connect

    if not 0 < coverage <= 1:
        raise AnalysisProblem(f"--coverage must be a share between 0 and 1, e.g. 0.05 (got "
                              f"{coverage:g})")
    if cell_size <= 0:
        raise AnalysisProblem(f"--cell-size must be a positive number of metres (got "
                              f"{cell_size:g})")
    f = IncidentFilter(csp_codes=tuple(csp or ()), sources=tuple(source or ()))
    con = connect(db, read_only=True)
    try:
        incidents = load_incidents(con, f, columns=["easting", "northing", "month"])
        coverage_by_source = source_coverage(con, f)
    finally:
        con.close()
    if incidents.empty:
        raise AnalysisProblem(f"{db}: no ASB incidents match, so there is nothing to backtest")
    spans = {(r.first_month, r.last_month) for r in coverage_by_source.itertuples()}
    if len(spans) > 1:
        held = "; ".join(f"{r.source_name} {r.first_month:%Y-%m} to {r.last_month:%Y-%m}"
                         for r in coverage_by_source.itertuples())
        typer.echo(f"warning: the sources cover different months ({held}): a change in "
                   "coverage looks like a change in ASB; consider --source", err=True)
    result = run_backtest(incidents, coverage=coverage, cell_size=cell_size,
                          methods=list(method) if method else None)
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    first = next(iter(result.methods.values()))
    located = int(incidents["easting"].notna().sum())
    typer.echo(f"{located:,} located ASB incidents ({len(incidents) - located:,} without a "
               f"location left out); {result.n_cells:,} study cells of "
               f"{result.cell_size:g} m; {result.flagged_cells:,} flagged a month "
               f"(coverage {result.coverage:g}); {len(first.folds)} months forecast "
               f"({first.folds[0].month} to {first.folds[-1].month})")
    typer.echo(f"{'method':12} {'mean PEI*':>9} {'mean PAI':>9} {'hit rate':>9}")
    for row in result.summary().itertuples(index=False):
        mark = " (default)" if row.method == result.default_method else ""
        typer.echo(f"{row.method:12} {_fmt(row.mean_pei_star, '9.3f')} "
                   f"{_fmt(row.mean_pai, '9.2f')} {_fmt(row.mean_hit_rate, '9.1%')}{mark}")
    if "naive" in result.methods and result.default_method in result.methods:
        naive = result.methods["naive"].mean_pei_star
        best = result.methods[result.default_method].mean_pei_star
        if naive is not None and best is not None:
            typer.echo(f"{result.default_method} minus naive, mean PEI*: {best - naive:+.3f}")
