"""Open, build and summarise the DuckDB warehouse.

The warehouse is built by the SQL files in ``pipelines/sql/``, run in file-name order. Files
for the ``raw_`` and ``stg_`` layers create tables only if they do not exist (they hold what
was ingested); files for ``core_``, ``int_`` and ``mart_`` layers rebuild their tables from
those, so building twice gives the same result. Two steps need Python and run between the SQL
files: configuration tables (``cfg_*``, before step 20) and geography (``int_incident_geo``,
after step 30). Python only orders and runs the steps and records their row counts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .config import load_config
from .db import first_row, scalar
from .errors import WarehouseProblem
from .geography import assign_polygons, to_bng, to_wgs84

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
_STEP_NAME = re.compile(r"(\d\d)_([a-z]+)_([a-z0-9_]+)\.sql")

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


def _config_tables(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Write the configured tools and powers as ``cfg_action`` for SQL steps to join."""
    actions = pd.DataFrame(
        [
            {
                "name": a["name"],
                "rank": int(a.get("rank", 0)),
                "grp": a.get("group"),
                "label": a.get("label") or a["name"],
            }
            for a in config["actions"]
        ]
    )
    con.register("_cfg_action", actions)
    try:
        con.execute("CREATE OR REPLACE TABLE cfg_action AS SELECT * FROM _cfg_action")
    finally:
        con.unregister("_cfg_action")


def _incident_geography(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Compute both coordinate pairs, LSOA and ward for every located incident.

    Works on distinct coordinates (police.uk points are shared by many incidents), so the
    cost grows with the number of places, not incidents.
    """
    del config
    frame = con.execute(
        "SELECT incident_id, longitude, latitude, easting, northing FROM int_incident "
        "WHERE (longitude IS NOT NULL AND latitude IS NOT NULL) "
        "OR (easting IS NOT NULL AND northing IS NOT NULL)"
    ).df()
    if len(frame):
        has_bng = frame["easting"].notna().to_numpy() & frame["northing"].notna().to_numpy()
        e = frame["easting"].to_numpy(dtype=float, na_value=np.nan)
        n = frame["northing"].to_numpy(dtype=float, na_value=np.nan)
        lon = frame["longitude"].to_numpy(dtype=float, na_value=np.nan)
        lat = frame["latitude"].to_numpy(dtype=float, na_value=np.nan)
        wgs = ~has_bng
        if wgs.any():
            pts = pd.DataFrame({"lon": lon[wgs], "lat": lat[wgs]})
            uniq = pts.drop_duplicates()
            ue, un = to_bng(uniq["lon"].to_numpy(), uniq["lat"].to_numpy())
            uniq = uniq.assign(e=ue, n=un)
            merged = pts.merge(uniq, on=["lon", "lat"], how="left")
            e[wgs] = merged["e"].to_numpy()
            n[wgs] = merged["n"].to_numpy()
        if has_bng.any():
            pts = pd.DataFrame({"e": e[has_bng], "n": n[has_bng]})
            uniq = pts.drop_duplicates()
            ulon, ulat = to_wgs84(uniq["e"].to_numpy(), uniq["n"].to_numpy())
            uniq = uniq.assign(lon=ulon, lat=ulat)
            merged = pts.merge(uniq, on=["e", "n"], how="left")
            lon[has_bng] = merged["lon"].to_numpy()
            lat[has_bng] = merged["lat"].to_numpy()
        points = pd.DataFrame({"lon": lon, "lat": lat})
        uniq = points.drop_duplicates().reset_index(drop=True)
        lsoa = con.execute("SELECT lsoa_code, geometry FROM core_area_lsoa").fetchall()
        ward = con.execute("SELECT ward_code, geometry FROM core_area_ward").fetchall()
        ux, uy = uniq["lon"].to_numpy(), uniq["lat"].to_numpy()
        uniq["lsoa_code"] = assign_polygons(ux, uy, [r[0] for r in lsoa], [r[1] for r in lsoa])
        uniq["ward_code"] = assign_polygons(ux, uy, [r[0] for r in ward], [r[1] for r in ward])
        codes = points.merge(uniq, on=["lon", "lat"], how="left")
        geo = pd.DataFrame(
            {
                "incident_id": frame["incident_id"],
                "longitude": lon,
                "latitude": lat,
                "easting": e,
                "northing": n,
                "lsoa_code": codes["lsoa_code"].astype(object).to_numpy(),
                "ward_code": codes["ward_code"].astype(object).to_numpy(),
            }
        )
    else:
        geo = pd.DataFrame(
            {
                "incident_id": pd.Series(dtype=str),
                "longitude": pd.Series(dtype=float),
                "latitude": pd.Series(dtype=float),
                "easting": pd.Series(dtype=float),
                "northing": pd.Series(dtype=float),
                "lsoa_code": pd.Series(dtype=str),
                "ward_code": pd.Series(dtype=str),
            }
        )
    con.register("_geo", geo)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE int_incident_geo AS SELECT incident_id, longitude, latitude,"
            " easting, northing, CAST(lsoa_code AS VARCHAR) AS lsoa_code,"
            " CAST(ward_code AS VARCHAR) AS ward_code FROM _geo"
        )
    finally:
        con.unregister("_geo")


_PYTHON_STEPS = [
    Step("19", "cfg_action", "cfg", function=_config_tables),
    Step("35", "int_incident_geo", "int", function=_incident_geography),
]


def steps() -> list[Step]:
    """All build steps in the order they run."""
    found = []
    for path in sorted(SQL_DIR.glob("*.sql")):
        match = _STEP_NAME.fullmatch(path.name)
        if not match:
            raise WarehouseProblem(f"{path.name}: SQL step files are named NN_<layer>_<entity>.sql")
        found.append(Step(match.group(1), path.stem, match.group(2), sql_path=path))
    return sorted(found + _PYTHON_STEPS, key=lambda s: (s.order, s.name))


def initialise(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and staging tables if they do not exist (idempotent)."""
    for step in steps():
        if step.layer in _SCHEMA_LAYERS:
            step.run(con, {})


def connect(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file (creating and initialising it unless ``read_only``).

    Raises
    ------
    WarehouseProblem
        The file does not exist (read-only), is locked by another program, or is not a
        DuckDB database.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseProblem(
            f"{path}: no warehouse here yet; build one with `asb load-sample --db {path}` "
            f"or `asb ingest --db {path} ...`"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise WarehouseProblem(
                f"{path}: the warehouse is in use by another program (is the dashboard or "
                "another ingest running?); close it and try again"
            ) from None
        raise WarehouseProblem(f"{path}: not a DuckDB warehouse ({text.splitlines()[0]})") from None
    except duckdb.Error as exc:
        raise WarehouseProblem(f"{path}: cannot open ({str(exc).splitlines()[0]})") from None
    if not read_only:
        # Every table is built with explicit ORDER BY where order matters, so DuckDB may
        # write in parallel.
        con.execute("SET preserve_insertion_order = false")
        initialise(con)
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
    if step.sql_path is None:
        return [step.name]
    text = step.sql_path.read_text(encoding="utf-8")
    return re.findall(r"CREATE OR REPLACE TABLE (\w+)", text)


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
