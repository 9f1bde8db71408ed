"""`asb problems`: list the problem-solving forum's problems and export a problem profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

__all__ = ["problems_app"]

problems_app = typer.Typer(help="Problem-solving problems: list them, export a profile.",
                           no_args_is_help=True)

DbOption = Annotated[
    Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")
]


def _read_only(db: Path) -> duckdb.DuckDBPyConnection:
    """A connection that only reads the warehouse ``db``.

    The file is attached read-only (so it is never locked for writing, works on a read-only
    file and is never changed) and each of its tables and views is a view of the same name in
    an in-memory database: the problem functions' ``CREATE ... IF NOT EXISTS`` then finds
    them there and writes nothing to the warehouse (a table not there yet, in a warehouse
    where no problem has been saved, is made empty in memory).
    """
    from pipelines.warehouse import connect

    connect(db, read_only=True).close()  # one line for a missing, locked or foreign file
    con = duckdb.connect()
    try:
        quoted = str(Path(db)).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse' "
            "UNION SELECT view_name FROM duckdb_views() WHERE database_name = 'warehouse' "
            "AND NOT internal").fetchall()]
        for name in names:
            ident = '"' + name.replace('"', '""') + '"'
            con.execute(f"CREATE VIEW main.{ident} AS SELECT * FROM warehouse.main.{ident}")
    except BaseException:
        con.close()
        raise
    return con


@problems_app.command("list")
def list_command(db: DbOption = Path("data/warehouse.duckdb")) -> None:
    """List problems with their status, next review and result."""
    from pipelines.problems import list_problems

    con = _read_only(db)  # a missing warehouse is an error, never made empty
    try:
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
    from pipelines.problems import export_profile

    con = _read_only(db)  # a missing warehouse is an error, never made empty
    try:
        html_path, pdf_path, message = export_profile(
            con, problem_id, out or Path(f"problem-{problem_id}-profile.html"))
    finally:
        con.close()
    typer.echo(f"wrote {html_path}")
    if pdf_path:
        typer.echo(f"wrote {pdf_path}")
    elif message:
        typer.echo(f"no PDF: {message}", err=True)
