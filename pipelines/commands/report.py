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


def html_path(out: Path) -> Path:
    """The HTML file to write for ``--out`` (the PDF is the same name ending ``.pdf``).

    ``pack.html``, ``pack.pdf`` and ``pack`` all give ``pack.html`` (and ``pack.pdf``); a name
    with another ending keeps it (``pack.v2`` gives ``pack.v2.html``).

    Raises
    ------
    ConfigProblem
        ``out`` is a folder, or its folder is a file.

    Examples
    --------
    >>> [html_path(Path(n)).name for n in ("p.html", "p.PDF", "p", "p.v2")]
    ['p.html', 'p.html', 'p.html', 'p.v2.html']
    """
    out = Path(out)
    if out.is_dir():
        raise ConfigProblem(f"--out {out} is a folder: give a file name, such as "
                            f"{out / 'governance-pack.pdf'}")
    parent = next((p for p in out.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise ConfigProblem(f"--out {out}: {parent} is a file, not a folder")
    suffix = out.suffix.lower()
    if suffix in (".html", ".htm"):
        return out
    if suffix in (".pdf", ""):
        return out.with_suffix(".html")
    return out.with_name(out.name + ".html")


@report_app.command("governance")
def governance(
    db: Annotated[Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")],
    start: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day of the period (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="The file to write: NAME.html, NAME.pdf "
                                                    "or NAME; both NAME.html and NAME.pdf "
                                                    "are written.")],
) -> None:
    """The governance meeting pack: one self-contained HTML file and a PDF beside it."""
    from ..report import write_governance_pack
    from ..warehouse import connect

    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        raise ConfigProblem(f"--to {end} is before --from {start}")
    html = html_path(out)
    con = connect(db, read_only=True)
    try:
        result = write_governance_pack(con, first, last, html)
    except OSError as exc:
        raise ConfigProblem(f"--out {out}: cannot write the pack "
                            f"({(exc.strerror or str(exc)).lower()})") from None
    finally:
        con.close()
    typer.echo(f"wrote {result.html}")
    if result.pdf is not None:
        typer.echo(f"wrote {result.pdf}")
    if result.problem:
        typer.echo(f"warning: {result.problem}", err=True)
    for warning in result.warnings:  # the caveats the pack itself prints
        typer.echo(f"warning: {warning}", err=True)
