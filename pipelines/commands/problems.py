"""`asb problems`: list the problem-solving forum's problems and export a problem profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["problems_app"]

problems_app = typer.Typer(help="Problem-solving problems: list them, export a profile.",
                           no_args_is_help=True)

DbOption = Annotated[
    Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")
]


@problems_app.command("list")
def list_command(db: DbOption = Path("data/warehouse.duckdb")) -> None:
    """List problems with their status, next review and result."""
    from pipelines.problems import ensure_tables, list_problems
    from pipelines.warehouse import connect

    con = connect(db, create=False)  # a missing warehouse is an error, never made empty
    try:
        ensure_tables(con)
        frame = list_problems(con)
    finally:
        con.close()
    if frame.empty:
        typer.echo("no problems yet")
        return
    for row in frame.itertuples():
        review = f", next review {row.next_review:%d/%m/%Y}" if row.next_review is not None \
            and str(row.next_review) != "NaT" else ""
        typer.echo(f"{row.problem_id}: {row.name} ({row.status}{review})")


@problems_app.command("export")
def export_command(
    problem_id: Annotated[int, typer.Option("--id", help="The problem's number.")],
    db: DbOption = Path("data/warehouse.duckdb"),
    out: Annotated[Path | None, typer.Option("--out", help="The HTML file to write.")] = None,
) -> None:
    """Write a problem profile (HTML, and a PDF beside it when Chromium is installed)."""
    from pipelines.problems import ensure_tables, export_profile
    from pipelines.warehouse import connect

    con = connect(db, create=False)  # a missing warehouse is an error, never made empty
    try:
        ensure_tables(con)
        html_path, pdf_path, message = export_profile(
            con, problem_id, out or Path(f"problem-{problem_id}-profile.html"))
    finally:
        con.close()
    typer.echo(f"wrote {html_path}")
    if pdf_path:
        typer.echo(f"wrote {pdf_path}")
    elif message:
        typer.echo(f"no PDF: {message}", err=True)
