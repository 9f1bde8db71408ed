"""``asb report``: documents for meetings, made from the warehouse."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigProblem

__all__ = ["report_app"]

report_app = typer.Typer(help="Make reports from the warehouse.", no_args_is_help=True,
                         add_completion=False)


def _day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ConfigProblem(f"{option} {value!r} is not a date: give it as YYYY-MM-DD") from None


@report_app.command("governance")
def governance(
    db: Annotated[Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")],
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write; the PDF goes "
                                                    "beside it.")],
) -> None:
    """The governance meeting pack: one self-contained HTML file and a PDF beside it."""
    from ..report import write_governance_pack
    from ..warehouse import connect

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise ConfigProblem(f"--to {end} is before --from {start}")
    con = connect(db, read_only=True)
    try:
        result = write_governance_pack(con, first, last, out)
    finally:
        con.close()
    typer.echo(f"wrote {result.html}")
    if result.pdf is not None:
        typer.echo(f"wrote {result.pdf}")
    if result.problem:
        typer.echo(f"warning: {result.problem}", err=True)
