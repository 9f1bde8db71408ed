"""Open, build and summarise the DuckDB warehouse.

The warehouse is built by the SQL files in ``pipelines/sql/``, run in file-name order. Files
for the ``raw_`` and ``stg_`` layers create tables only if they do not exist (they hold what
was ingested); files for ``core_``, ``int_`` and ``mart_`` layers rebuild their tables from
those, so building twice gives the same result. A step that needs Python (configuration tables,
geography, record linkage) is a ``NN_<layer>_<entity>.py`` file in the same folder with a
``run(con, config)`` function and the same header fields in its docstring. This module only
orders and runs the steps and records their row counts.
"""

from __future__ import annotations

import importlib.util
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .config import load_config
from .db import first_row, scalar
from .errors import WarehouseProblem

__all__ = [
    "SQL_DIR",
    "connect",
    "initialise",
    "build",
    "summary",
    "Step",
    "steps",
]

SQL_DIR = Path(__file__).with_name("sql")
_SCHEMA_LAYERS = ("raw", "stg")
_STEP_NAME = re.compile(r"(\d\d)_([a-z]+)_([a-z0-9_]+)\.(?:sql|py)")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    """One build step: a SQL file or a Python function, ordered by ``order``."""

    order: str
    name: str
    layer: str
    sql_path: Path | None = None
    function: Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], None] | None = None

    def run(self, con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
        if self.sql_path is not None:
            con.execute(self.sql_path.read_text(encoding="utf-8"))
        elif self.function is not None:
            self.function(con, config)


def _python_step(path: Path) -> Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], None]:
    """Load a Python step file's ``run(con, config)``."""
    spec = importlib.util.spec_from_file_location(f"pipelines.sql._step_{path.stem}", path)
    if spec is None or spec.loader is None:  # pragma: no cover - files are ours
        raise WarehouseProblem(f"{path.name}: cannot load this build step")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run  # type: ignore[no-any-return]


def steps() -> list[Step]:
    """All build steps in the order they run."""
    found = []
    for path in sorted([*SQL_DIR.glob("*.sql"), *SQL_DIR.glob("*.py")]):
        match = _STEP_NAME.fullmatch(path.name)
        if not match:
            raise WarehouseProblem(
                f"{path.name}: build step files are named NN_<layer>_<entity>.sql (or .py)")
        if path.suffix == ".sql":
            found.append(Step(match.group(1), path.stem, match.group(2), sql_path=path))
        else:
            found.append(Step(match.group(1), path.stem.split("_", 1)[1], match.group(2),
                              function=_python_step(path)))
    return sorted(found, key=lambda s: (s.order, s.name))


#: Bumped whenever a raw_ or stg_ table changes shape; a warehouse from another version is
#: refused with a message rather than half-working.
SCHEMA_VERSION = 1


def initialise(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and staging tables if they do not exist (idempotent).

    Raises
    ------
    WarehouseProblem
        The file was built by a version of ASB Insight with a different raw layer.
    """
    con.execute("CREATE TABLE IF NOT EXISTS raw_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    held = first_row(con, "SELECT value FROM raw_meta WHERE key = 'schema_version'")
    has_tables = scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'raw_file'")
    if held is None and has_tables:
        held = ("0",)
    if held is not None and held[0] != str(SCHEMA_VERSION):
        raise WarehouseProblem(
            f"this warehouse was built by a different version of ASB Insight (schema "
            f"{held[0]}, this version reads schema {SCHEMA_VERSION}): build a new one from "
            "your exports with `asb ingest` (or `asb load-sample`)"
        )
    for step in steps():
        if step.layer in _SCHEMA_LAYERS:
            step.run(con, {})
    if held is None:
        con.execute("INSERT INTO raw_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


_PERMISSION = ("permission denied", "operation not permitted", "read-only file system")


def _open_problem(path: Path, text: str, *, read_only: bool) -> WarehouseProblem:
    """The one line for a warehouse DuckDB cannot open (``text`` is DuckDB's message)."""
    first = text.splitlines()[0] if text else ""
    lower = text.lower()
    if "lock" in lower:
        return WarehouseProblem(
            f"{path}: the warehouse is in use by another program (is the dashboard or "
            "another ingest running?); close it and try again")
    if any(word in lower for word in _PERMISSION):
        if read_only:
            return WarehouseProblem(f"{path}: the warehouse file cannot be read (permission "
                                    "denied): check its permissions")
        return WarehouseProblem(f"{path}: the warehouse file cannot be written (permission "
                                "denied / read-only): check its permissions")
    if "no such file or directory" in lower:
        return WarehouseProblem(f"{path}: cannot make a warehouse there (no such file or "
                                "directory): give a path in a folder you can write to")
    if "not a valid duckdb database" in lower:
        return WarehouseProblem(f"{path}: not a DuckDB warehouse ({first})")
    return WarehouseProblem(f"{path}: cannot open the warehouse ({first})")


def _check_is_duckdb(path: Path, *, read_only: bool) -> None:
    """Refuse an existing file that is not a DuckDB database (DuckDB itself would open a CSV
    file as an in-memory database, so a command would seem to work and write nothing)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(12)
    except OSError as exc:
        raise _open_problem(path, exc.strerror or str(exc), read_only=True) from None
    if header and header[8:12] != b"DUCK":
        raise WarehouseProblem(f"{path}: not a DuckDB warehouse (give the warehouse file, "
                               "not an export or another file)")


def connect(path: str | Path, *, read_only: bool = False, create: bool | None = None
            ) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file (creating and initialising it unless ``read_only``).

    ``create=False`` opens an existing warehouse for writing but never makes a new file (for
    commands that only make sense on a warehouse with data in it). By default a writable
    connection creates the file.

    Raises
    ------
    WarehouseProblem
        The file does not exist (read-only, or ``create=False``), is locked by another
        program, or is not a DuckDB database.
    """
    path = Path(path)
    if path.is_dir():
        raise WarehouseProblem(f"{path} is a folder: give the warehouse file, such as "
                               f"{path / 'warehouse.duckdb'}")
    if (read_only or create is False) and not path.exists():
        raise WarehouseProblem(
            f"{path}: no warehouse here yet; build one with `asb load-sample --db {path}` "
            f"or `asb ingest --db {path} ...`"
        )
    if path.exists():
        _check_is_duckdb(path, read_only=read_only)
    elif not read_only:
        folder = next((p for p in path.parents if p.exists()), None)
        if folder is not None and not folder.is_dir():
            raise WarehouseProblem(f"{path}: {folder} is a file, not a folder")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseProblem(
                f"{path}: cannot make the folder for the warehouse "
                f"({(exc.strerror or str(exc)).lower()})") from None
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise _open_problem(path, str(exc), read_only=read_only) from None
    if not read_only:
        # Every table is built with explicit ORDER BY where order matters, so DuckDB may
        # write in parallel.
        con.execute("SET preserve_insertion_order = false")
        try:
            initialise(con)
        except BaseException:
            con.close()
            raise
    return con


def build(
    con: duckdb.DuckDBPyConnection,
    *,
    config: dict[str, Any] | None = None,
    progress: Progress | None = None,
    debug: bool = False,
) -> dict[str, int]:
    """Rebuild the core, intermediate and mart layers from what the raw layers hold.

    Runs inside the caller's transaction if one is open. Returns row counts per table built.
    With ``debug``, prints each step's time and row count through ``progress``.
    """
    config = config or load_config()
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    for step in steps():
        if step.layer in _SCHEMA_LAYERS:
            step.run(con, config)
            continue
        started = time.perf_counter()
        step.run(con, config)
        tables = _tables_written(step)
        for table in tables:
            counts[table] = int(scalar(con, f"SELECT count(*) FROM {table}"))
        if debug:
            say(
                f"{step.order} {step.name}: {time.perf_counter() - started:.2f}s "
                + ", ".join(f"{t}={counts[t]:,}" for t in tables)
            )
    say("warehouse rebuilt")
    return counts


def _tables_written(step: Step) -> list[str]:
    path = step.sql_path or SQL_DIR / f"{step.order}_{step.name}.py"
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".sql":
        return re.findall(r"CREATE OR REPLACE TABLE (\w+)", text)
    output = re.search(r"^output:(.*)$", text, re.MULTILINE)
    return re.findall(r"\b(?:cfg|int|core|mart)_\w+", output.group(1)) if output else []


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the warehouse holds: the object ``asb summary --json`` prints."""
    asb = scalar(con, "SELECT count(*) FROM mart_incident WHERE is_asb")
    by_source: dict[str, dict[str, int]] = {}
    for name, rows, asb_rows in con.execute(
        "SELECT source_name, count(*), count(*) FILTER (WHERE is_asb) FROM mart_incident "
        "GROUP BY source_name ORDER BY source_name"
    ).fetchall():
        by_source[name] = {"rows": int(rows), "asb_incidents": int(asb_rows)}
    for name, template, rows in con.execute(
        "SELECT source_name, any_value(template), sum(rows_loaded) FROM raw_file "
        "WHERE template <> 'incidents' AND template <> 'police-uk' GROUP BY source_name "
        "ORDER BY source_name"
    ).fetchall():
        by_source.setdefault(name, {"rows": int(rows), "asb_incidents": 0})
        by_source[name]["template"] = template
    by_month = {
        m: int(n)
        for m, n in con.execute(
            "SELECT strftime(month, '%Y-%m'), count(*) FROM mart_incident WHERE is_asb "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
    }
    rejected = scalar(con, "SELECT count(*) FROM raw_reject")
    files = first_row(
        con, "SELECT count(*) FILTER (WHERE status = 'loaded'), count(*) FROM raw_file"
    ) or (0, 0)
    located, in_area = first_row(
        con,
        "SELECT count(*) FILTER (WHERE has_location), count(*) FILTER (WHERE in_area) "
        "FROM mart_incident WHERE is_asb",
    ) or (0, 0)
    people = scalar(con, "SELECT count(*) FROM core_person_record")
    return {
        "asb_incidents": int(asb),
        "asb_located": int(located),
        "asb_in_area": int(in_area),
        "by_source": by_source,
        "by_month": by_month,
        "rejected_rows": int(rejected),
        "files_loaded": int(files[0]),
        "files_seen": int(files[1]),
        "person_records": int(people),
    }
