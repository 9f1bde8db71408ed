"""The ``asb`` command: load exports, build and summarise the warehouse, start the dashboard.

Every problem a user can cause (a bad file, a wrong option, a locked warehouse) ends with one
line on standard error and a non-zero exit, never a traceback. ``--debug`` shows the detail.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from . import __version__
from .commands.problems import problems_app
from .commands.report import report_app
from .commands.risk import risk_app
from .commands.users import users_app
from .config import load_config
from .db import CommitInterrupted, is_interrupt, transaction
from .errors import AsbError, ConfigProblem
from .sample_load import SAMPLE_DIR

if TYPE_CHECKING:
    import duckdb

__all__ = ["app", "main", "SAMPLE_DIR", "DEFAULT_DB"]

DEFAULT_DB = Path("data") / "warehouse.duckdb"

app = typer.Typer(
    name="asb",
    help="ASB Insight: a local warehouse and dashboard for anti-social behaviour data.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(report_app, name="report")
app.add_typer(users_app, name="users")

DbOption = Annotated[
    Path, typer.Option("--db", help="The warehouse file (created if missing).", envvar="ASB_DB")
]
ExistingDbOption = Annotated[
    Path, typer.Option("--db", help="The warehouse file (it must exist: build one with "
                                    "`asb load-sample` or `asb ingest`).", envvar="ASB_DB")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="A YAML file overriding the default configuration.",
                 envvar="ASB_CONFIG"),
]

_state: dict[str, Any] = {"debug": False}


def _err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _writable(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to the warehouse ``db``, closed afterwards.

    If this command made the file and then fails, the file is removed again: a failed first
    load leaves no half-made warehouse behind (an existing warehouse is left as it was by the
    command's own transaction).
    """
    from .warehouse import connect

    db = Path(db)
    new = not db.exists()
    con = connect(db)
    try:
        yield con
    except BaseException as exc:
        con.close()
        # The command's transaction was rolled back (or, if Ctrl+C came during its COMMIT,
        # may not have been: CommitInterrupted says so).
        _state["rolled_back"] = not isinstance(exc, CommitInterrupted)
        if new:
            for path in (db, db.with_name(db.name + ".wal")):
                path.unlink(missing_ok=True)
            if isinstance(exc, CommitInterrupted):  # the new file is gone: nothing was saved
                raise KeyboardInterrupt from exc
        raise
    con.close()


def _progress(enabled: bool):  # type: ignore[no-untyped-def]
    return (lambda msg: typer.echo(msg, err=True)) if enabled else None


def _show_version(value: bool) -> None:
    """``--version``: eager, so it answers before Typer asks for a command."""
    if value:
        typer.echo(f"asb {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show step timings and full errors.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.",
                                          callback=_show_version, is_eager=True)] = False,
) -> None:
    _state["debug"] = debug


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Export files (CSV, XLSX or Parquet).")],
    db: DbOption = DEFAULT_DB,
    source: Annotated[
        str, typer.Option("--source", help="police-uk, a template name, or a shipped mapping "
                                           "name (not needed with --mapping).")
    ] = "",
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="A YAML mapping for another export layout.")
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress messages.")] = False,
    allow_shrink: Annotated[bool, typer.Option(
        "--allow-shrink", help="Let a police.uk file replace a force-month with fewer than "
                               "half of the rows held.")] = False,
) -> None:
    """Load export files into the warehouse (one transaction: all or nothing)."""
    from .ingest import ingest_files, summarise
    from .sources import list_sources, resolve_source

    if not source and mapping is None:  # a mapping names its own template
        raise ConfigProblem(
            "--source is required (or --mapping FILE.yaml): one of " + ", ".join(list_sources())
        )
    cfg = load_config(config)
    src = resolve_source(source, mapping)
    with _writable(db) as con:
        reports = ingest_files(con, src, files, config=cfg,
                               progress=_progress(not quiet and not as_json),
                               allow_shrink=allow_shrink)
    result = summarise(reports)
    for r in reports:
        for warning in r.warnings:
            _err(f"warning: {warning}")
    if as_json:
        typer.echo(json.dumps(result, default=str))
        return
    for r in reports:
        line = (f"{r.file}: {r.rows_read:,} read, {r.rows_loaded:,} loaded, "
                f"{r.rows_rejected:,} rejected, {r.rows_duplicate:,} duplicate")
        if r.status != "loaded":
            line += f" ({r.status})"
        if r.replacements:
            line += "; replaced " + ", ".join(
                f"{x['rows_held']:,} rows for {x['force_month']} with {x['rows_new']:,}"
                for x in r.replacements)
        typer.echo(line)
        for reason, count in r.rejects_by_reason.items():
            typer.echo(f"    rejected {count:,}: {reason}")
    if len(reports) > 1:
        typer.echo(
            f"total: {result['rows_read']:,} read, {result['rows_loaded']:,} loaded, "
            f"{result['rows_rejected']:,} rejected, {result['rows_duplicate']:,} duplicate"
        )
    if result["rows_rejected"]:
        typer.echo("Rejected rows and their reasons are on the dashboard's Data page "
                   "(table mart_reject).")


@app.command()
def summary(db: ExistingDbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Say what the warehouse holds."""
    from .warehouse import connect
    from .warehouse import summary as get_summary

    con = connect(db, read_only=True)
    try:
        result = get_summary(con)
    finally:
        con.close()
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"ASB incidents: {result['asb_incidents']:,} "
               f"({result['asb_located']:,} located, {result['asb_in_area']:,} in the area)")
    for name, item in result["by_source"].items():
        typer.echo(f"  {name}: {item['rows']:,} rows, {item['asb_incidents']:,} ASB incidents")
    if result["by_month"]:
        months = list(result["by_month"])
        typer.echo(f"Months: {months[0]} to {months[-1]}")
    typer.echo(f"Person records: {result['person_records']:,}")
    typer.echo(f"Rejected rows: {result['rejected_rows']:,}")


@app.command()
def build(db: DbOption = DEFAULT_DB, config: ConfigOption = None) -> None:
    """Rebuild the core and mart layers from what has been ingested."""
    from .warehouse import build as run_build

    with _writable(db) as con, transaction(con):
        counts = run_build(con, config=load_config(config), progress=_progress(True),
                           debug=_state["debug"])
    typer.echo(f"built {len(counts)} tables; mart_incident has {counts.get('mart_incident', 0):,} rows")


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the synthetic sample into.")] = SAMPLE_DIR,
    seed: Annotated[int, typer.Option("--seed", min=0,
                                      help="Random seed (same seed, same bytes).")] = 20220101,
) -> None:
    """Write a synthetic sample folder (same seed, same bytes); load it with `asb load-sample`.

    The synthetic exports and their ground truth are generated; the real public data (areas,
    police.uk) and the manifest are copied from the shipped sample, so the folder loads as it is.
    """
    from .sample import generate
    from .sample_load import copy_shared_parts

    out = Path(out)
    clash = next((p for p in (out, *out.parents) if p.exists()), None)
    if clash is not None and not clash.is_dir():
        where = "is a file" if clash == out else f"is inside {clash}, which is a file"
        raise ConfigProblem(f"--out {out} {where}: give a folder for the sample")
    manifest = generate(out, seed=seed)
    for name, rows in manifest.items():
        typer.echo(f"{name}: {rows:,} rows")
    copied = copy_shared_parts(out)
    if copied:
        typer.echo(f"copied from the shipped sample: {', '.join(copied)}")
    typer.echo(f"load it with: asb load-sample --sample-dir {out} --db WAREHOUSE")


@app.command("load-sample")
def load_sample(
    db: DbOption = DEFAULT_DB,
    sample_dir: Annotated[Path, typer.Option("--sample-dir", help="The sample folder.")] = SAMPLE_DIR,
    config: ConfigOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress messages.")] = False,
) -> None:
    """Build a warehouse from everything in data/sample (what `make run` uses)."""
    from .ingest import summarise
    from .sample_load import load_sample as run_load_sample

    with _writable(db) as con, transaction(con):
        reports = run_load_sample(con, load_config(config), sample_dir=sample_dir,
                                  progress=_progress(not quiet), debug=_state["debug"])
    totals = summarise(reports)
    typer.echo(f"sample loaded into {db}: {totals['rows_read']:,} rows read, "
               f"{totals['rows_loaded']:,} loaded, {totals['rows_rejected']:,} rejected, "
               f"{totals['rows_duplicate']:,} duplicate")


@app.command()
def areas(
    db: DbOption = DEFAULT_DB,
    lsoa: Annotated[list[Path], typer.Option("--lsoa", help="LSOA boundaries (GeoJSON).")] = [],  # noqa: B006
    wards: Annotated[list[Path], typer.Option("--wards", help="Ward boundaries (GeoJSON).")] = [],  # noqa: B006
    population: Annotated[Path | None, typer.Option(help="Census population by LSOA (CSV).")] = None,
    imd: Annotated[Path | None, typer.Option(help="IMD 2019 rank and decile by LSOA (CSV).")] = None,
    lookup: Annotated[Path | None, typer.Option(help="LSOA to local authority lookup (CSV).")] = None,
) -> None:
    """Load your partnership's areas: boundaries, population, deprivation."""
    from .areas import AreaFiles, check_area_files, load_areas
    from .warehouse import build as run_build

    files = AreaFiles(list(lsoa), list(wards), population, imd, lookup)
    check_area_files(files)  # before the warehouse is opened: a typo changes nothing
    with _writable(db) as con, transaction(con):
        counts = load_areas(con, files)
        run_build(con)
    typer.echo("loaded " + ", ".join(f"{k}: {v:,}" for k, v in counts.items()))


@app.command()
def sources() -> None:
    """List the sources and mappings `asb ingest --source` accepts."""
    from .sources import list_sources

    for name, description in list_sources().items():
        typer.echo(f"{name:32} {description}")


def _check_port_free(address: str, port: int) -> None:
    """Refuse a port something else is listening on (Streamlit would only log it and stop)."""
    import socket

    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ConfigProblem(f"--address {address}: not an address this computer has") from None
    for family, kind, proto, _name, sockaddr in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Streamlit does
            try:
                probe.bind(sockaddr)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise ConfigProblem(f"port {port} is in use (is the dashboard already "
                                        "running?); use --port") from None
                if exc.errno == errno.EACCES:
                    raise ConfigProblem(f"port {port} needs administrator rights: use --port "
                                        "with a number above 1023") from None
                # anything else (say, IPv6 switched off) is left for Streamlit to skip


@app.command()
def dashboard(
    db: ExistingDbOption = DEFAULT_DB,
    port: Annotated[int, typer.Option("--port", envvar="PORT", min=1, max=65535,
                                      help="Port to serve on (1 to 65535).")] = 8501,
    address: Annotated[str, typer.Option("--address", help="Address to listen on.")] = "localhost",
) -> None:
    """Start the dashboard on http://localhost:PORT."""
    import dashboard as dashboard_pkg

    from .warehouse import connect

    connect(db, read_only=True).close()  # a clear message now rather than in the browser
    _check_port_free(address, port)
    app_path = Path(dashboard_pkg.__file__).with_name("app.py")
    env = dict(os.environ, ASB_DB=str(Path(db).resolve()))
    typer.echo(f"ASB Insight on http://{address}:{port} (warehouse {db}); Ctrl+C to stop")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.port", str(port), "--server.address", address,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]
    try:
        raise typer.Exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


# Sub-commands that live in pipelines/commands/ (one Typer app each), added here.
app.add_typer(risk_app, name="risk")
app.add_typer(problems_app, name="problems")

from .commands.hotspots import hotspots_app  # noqa: E402

app.add_typer(hotspots_app, name="hotspots")

from .commands.case_review import case_review_app  # noqa: E402

app.add_typer(case_review_app, name="case-review")


def _click_exceptions() -> tuple[type[Exception], type[Exception] | None]:
    """Click's base exception and its "no arguments, so help" error, from the Click that
    Typer actually uses: its own copy (``typer._click``) in recent releases, the ``click``
    package in older ones. Checking the ``click`` package alone misses every usage error."""
    import typer.main as typer_main

    click_module = getattr(typer_main, "_click", None) or getattr(typer_main, "click", None)
    exceptions = getattr(click_module, "exceptions", None)
    base = getattr(exceptions, "ClickException", None)
    if base is None:  # pragma: no cover - every Typer has one or the other
        import click

        exceptions, base = click.exceptions, click.ClickException
    return base, getattr(exceptions, "NoArgsIsHelpError", None)


def _usage_line(exc: Exception) -> str:
    """Click's own message on one line, with where to find the right usage."""
    message = " ".join(exc.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return f"error: {message}"
    return f"error: {message} (run '{ctx.command_path} --help' to see how to use it)"


_INTERRUPTED = ("interrupted: a warehouse change in progress was rolled back; a file being "
                "written may be incomplete")


def main() -> None:
    """Entry point: run the app, turning the project's errors into one line."""
    click_error, no_args_is_help = _click_exceptions()
    try:
        rc = app(standalone_mode=False, prog_name="asb")
        sys.exit(rc if isinstance(rc, int) else 0)
    except CommitInterrupted as exc:  # Ctrl+C while saving: the change may be on disk
        _err(str(exc))
        sys.exit(130)
    except AsbError as exc:
        _err(f"error: {exc}")
        sys.exit(2)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        if code == 130:  # Ctrl+C: Typer turns the interrupt into this exit status itself
            _err(_INTERRUPTED)
        sys.exit(code or 0)
    except typer.Abort:
        _err("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        _err(_INTERRUPTED)
        sys.exit(130)
    except click_error as exc:  # a usage error: Click's own message, on one line
        if no_args_is_help is not None and isinstance(exc, no_args_is_help):
            # `asb` or `asb risk` on its own: the help (Rich has printed it already).
            help_text = exc.format_message()  # type: ignore[attr-defined]
            if help_text.strip():
                typer.echo(help_text)
            sys.exit(0)
        _err(_usage_line(exc))
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception as exc:  # anything unexpected
        if is_interrupt(exc):  # DuckDB's "Query interrupted": the user's Ctrl+C
            _err(_INTERRUPTED)
            sys.exit(130)
        if _state["debug"]:
            raise
        missing = re.search(r"Table with name (\w+) does not exist", str(exc))
        if missing:  # a warehouse created but never built (say, its first load interrupted)
            _err(f"error: this warehouse is not built yet (it has no table {missing.group(1)}):"
                 " run `asb build --db WAREHOUSE`, or load data with `asb ingest`")
            sys.exit(2)
        if isinstance(exc, OSError) and exc.filename and exc.strerror:
            # a file or folder the user named cannot be used (missing, a folder, no permission)
            _err(f"error: {exc.filename}: {exc.strerror.lower()}")
            sys.exit(2)
        first = str(exc).splitlines()[0] if str(exc) else ""
        unchanged = "; the warehouse was not changed" if _state.get("rolled_back") else ""
        _err(f"error: unexpected {type(exc).__name__}: {first}"
             f" (run with --debug for details{unchanged})")
        sys.exit(3)


if __name__ == "__main__":  # pragma: no cover
    main()
