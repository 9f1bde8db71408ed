"""``asb hotspots``: hotspot forecasts and how well they would have done (the backtest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from ..analysis import format_metric
from ..errors import AnalysisProblem

__all__ = ["hotspots_app"]

hotspots_app = typer.Typer(help="Hotspot forecasts and their backtest.", no_args_is_help=True,
                           add_completion=False)


def _check_known(con: duckdb.DuckDBPyConnection, db: Path, csp: list[str], source: list[str]
                 ) -> None:
    """Refuse a --csp or --source the warehouse does not hold, naming the ones it does (an
    unknown code would otherwise look like an area with no ASB)."""
    if csp:
        known = dict(con.execute("SELECT csp_code, coalesce(csp_name, csp_code) "
                                 "FROM core_area_csp ORDER BY csp_code").fetchall())
        unknown = [c for c in csp if c not in known]
        if unknown:
            held = ("; it holds " + ", ".join(f"{k} ({v})" for k, v in known.items()) if known
                    else "; it holds no CSP areas yet (load them with `asb areas`)")
            raise AnalysisProblem(f"--csp {', '.join(unknown)}: unknown CSP area code in "
                                  f"{db}{held}")
    if source:
        known_sources = [r[0] for r in con.execute(
            "SELECT DISTINCT source_name FROM mart_incident ORDER BY 1").fetchall()]
        unknown = [s for s in source if s not in known_sources]
        if unknown:
            held = ("; its incident sources are " + ", ".join(known_sources) if known_sources
                    else "; it holds no incidents yet")
            raise AnalysisProblem(f"--source {', '.join(unknown)}: no incident source of that "
                                  f"name in {db}{held}")


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
    csp = [c.strip().upper() for c in csp or ()]
    f = IncidentFilter(csp_codes=tuple(csp), sources=tuple(source or ()))
    con = connect(db, read_only=True)
    try:
        _check_known(con, db, csp, list(source or ()))
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
        typer.echo(f"{row.method:12} {format_metric(row.mean_pei_star, '.3f'):>9} "
                   f"{format_metric(row.mean_pai, '.2f'):>9} "
                   f"{format_metric(row.mean_hit_rate, '.1%'):>9}{mark}")
    if "naive" in result.methods and result.default_method in result.methods:
        naive = result.methods["naive"].mean_pei_star
        best = result.methods[result.default_method].mean_pei_star
        if naive is not None and best is not None:
            typer.echo(f"{result.default_method} minus naive, mean PEI*: {best - naive:+.3f}")
