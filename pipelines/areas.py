"""Load area reference data: LSOA and ward boundaries, population, deprivation, lookups.

The sample area's files are in ``data/sample/areas/`` (ONS boundaries via martinjc/UK-GeoJSON,
Census 2011 population, IMD 2019, LSOA to local authority lookup). A partnership loads its own
with ``asb areas``. Loading boundaries replaces all boundaries held at that level (LSOA or
ward); population, deprivation and lookup rows replace those held for the same LSOA codes.
Loading the same files again gives the same warehouse.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import shapely
from shapely.geometry import shape

from .errors import ConfigProblem, FileProblem

__all__ = ["AreaFiles", "check_area_files", "load_areas", "sample_area_files"]

_LSOA_CODE_KEYS = ("LSOA11CD", "LSOA21CD", "lsoa11cd", "lsoa21cd", "code")
_LSOA_NAME_KEYS = ("LSOA11NM", "LSOA21NM", "lsoa11nm", "lsoa21nm", "name")
_WARD_CODE_KEYS = ("WD13CD", "WD22CD", "WD23CD", "WD24CD", "wd13cd", "code")
_WARD_NAME_KEYS = ("WD13NM", "WD22NM", "WD23NM", "WD24NM", "wd13nm", "name")


@dataclass
class AreaFiles:
    """Files describing a partnership's areas; any may be empty."""

    lsoa_boundaries: list[Path]
    ward_boundaries: list[Path]
    population: Path | None = None
    imd: Path | None = None
    lookup: Path | None = None


def sample_area_files(sample_dir: Path) -> AreaFiles:
    """The area files shipped in ``data/sample/areas``."""
    base = sample_dir / "areas"
    return AreaFiles(
        lsoa_boundaries=sorted((base / "lsoa-2011").glob("*.json")),
        ward_boundaries=sorted((base / "wards-2013").glob("*.json")),
        population=base / "census2011_population_by_lsoa11.csv",
        imd=base / "imd2019_by_lsoa11.csv",
        lookup=base / "lsoa11_to_lad_police_force.csv",
    )


def check_area_files(files: AreaFiles) -> None:
    """Refuse, in one line, no files at all or a file that is missing or is a folder.

    Raises
    ------
    ConfigProblem
        No file was given.
    FileProblem
        A file given does not exist or is a folder.
    """
    given = [*files.lsoa_boundaries, *files.ward_boundaries,
             *(p for p in (files.population, files.imd, files.lookup) if p is not None)]
    if not given:
        raise ConfigProblem("give at least one area file: --lsoa, --wards, --population, "
                            "--imd or --lookup")
    for path in given:
        if Path(path).is_dir():
            raise FileProblem(str(path), "is a folder: give the file itself")
        if not Path(path).exists():
            raise FileProblem(str(path), "no such file")


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file as text columns, or one line saying why it cannot be read."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise FileProblem(path.name, "the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError):
        raise FileProblem(path.name, "not a readable CSV file") from None


def _features(path: Path, code_keys: Iterable[str], name_keys: Iterable[str]) -> list[dict]:
    if not path.exists():
        raise FileProblem(str(path), "no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise FileProblem(path.name, "not a readable GeoJSON file") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise FileProblem(path.name, "not a GeoJSON FeatureCollection")
    out = []
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        code = next((props[k] for k in code_keys if props.get(k)), None)
        if code is None:
            raise FileProblem(
                path.name, f"a feature has no area code property (looked for {', '.join(code_keys)})"
            )
        name = next((props[k] for k in name_keys if props.get(k)), None)
        geom = shape(feature["geometry"])
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        out.append({"code": code, "name": name, "geometry": geom.wkt, "file_name": path.name})
    return out


def _read_population(path: Path) -> pd.DataFrame:
    """Census 2011 table: three columns headed 'Persons' (all, household, communal residents)."""
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        raise FileProblem(path.name, "not a readable CSV file") from None
    if not rows:
        raise FileProblem(path.name, "the file is empty")
    header = rows[0]
    try:
        code_i = header.index("LSOA Code")
        persons_i = header.index("Persons")  # the first 'Persons' is all usual residents
        households_i = header.index("Households")
        hectares_i = header.index("Hectares")
    except ValueError:
        raise FileProblem(
            path.name, "expected columns 'LSOA Code', 'Persons', 'Households' and 'Hectares'"
        ) from None

    def number(value: str) -> float | None:
        value = value.replace(",", "").strip()
        try:
            return float(value)
        except ValueError:
            return None

    return pd.DataFrame(
        {
            "lsoa_code": [r[code_i] for r in rows[1:]],
            "population": [number(r[persons_i]) for r in rows[1:]],
            "households": [number(r[households_i]) for r in rows[1:]],
            "hectares": [number(r[hectares_i]) for r in rows[1:]],
        }
    )


def _read_imd(path: Path) -> pd.DataFrame:
    frame = _read_csv(path)
    cols = {c.lower(): c for c in frame.columns}
    try:
        return pd.DataFrame(
            {
                "lsoa_code": frame[cols["lsoa11cd"]],
                "imd_rank": pd.to_numeric(frame[cols["imdrank"]], errors="coerce"),
                "imd_decile": pd.to_numeric(frame[cols["imddecil"]], errors="coerce"),
            }
        )
    except KeyError:
        raise FileProblem(path.name, "expected columns lsoa11cd, IMDRank and IMDDecil") from None


def _read_lookup(path: Path) -> pd.DataFrame:
    frame = _read_csv(path)
    need = ["LSOA Code", "LSOA Name", "Local authority code", "Local authority name"]
    if not all(c in frame.columns for c in need):
        raise FileProblem(path.name, f"expected columns {', '.join(need)}")
    return pd.DataFrame(
        {
            "lsoa_code": frame["LSOA Code"],
            "lsoa_name": frame["LSOA Name"],
            "lad_code": frame["Local authority code"],
            "lad_name": frame["Local authority name"].str.replace(r"\s+UA$", "", regex=True),
            "police_force": frame.get("Police_force", pd.Series([None] * len(frame))),
        }
    )


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, key: str) -> None:
    con.register("_area_in", frame)
    try:
        con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM _area_in)")
        cols = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _area_in")
    finally:
        con.unregister("_area_in")


def load_areas(con: duckdb.DuckDBPyConnection, files: AreaFiles) -> dict[str, int]:
    """Load area files into the raw area tables (inside the caller's transaction).

    Wards are given the local authority of the LSOA holding their representative point.
    Returns the number of rows loaded per table.
    """
    counts: dict[str, int] = {}
    lookup = _read_lookup(files.lookup) if files.lookup else None
    if lookup is not None:
        _replace(con, "raw_area_lookup", lookup, "lsoa_code")
        counts["lookup"] = len(lookup)
    lsoas = [f for p in files.lsoa_boundaries for f in _features(p, _LSOA_CODE_KEYS, _LSOA_NAME_KEYS)]
    if lsoas:
        frame = pd.DataFrame(lsoas)
        frame.insert(0, "level", "lsoa")
        lad = {} if lookup is None else dict(zip(lookup["lsoa_code"], lookup["lad_code"], strict=True))
        frame["lad_code"] = frame["code"].map(lad)
        con.execute("DELETE FROM raw_area_boundary WHERE level = 'lsoa'")
        _replace(con, "raw_area_boundary", frame, "code")
        counts["lsoa_boundaries"] = len(frame)
    wards = [f for p in files.ward_boundaries for f in _features(p, _WARD_CODE_KEYS, _WARD_NAME_KEYS)]
    if wards:
        frame = pd.DataFrame(wards)
        frame.insert(0, "level", "ward")
        held = con.execute(
            "SELECT code, lad_code, geometry FROM raw_area_boundary WHERE level = 'lsoa'"
        ).fetchall()
        if held:
            from .geography import assign_polygons

            points = shapely.point_on_surface(shapely.from_wkt(frame["geometry"].tolist()))
            owners = assign_polygons(
                shapely.get_x(points), shapely.get_y(points), [h[0] for h in held], [h[2] for h in held]
            )
            lad_of = {h[0]: h[1] for h in held}
            frame["lad_code"] = [lad_of.get(o) for o in owners]
        else:
            frame["lad_code"] = None
        con.execute("DELETE FROM raw_area_boundary WHERE level = 'ward'")
        _replace(con, "raw_area_boundary", frame, "code")
        counts["ward_boundaries"] = len(frame)
    if files.population:
        pop = _read_population(files.population)
        _replace(con, "raw_area_population", pop, "lsoa_code")
        counts["population"] = len(pop)
    if files.imd:
        imd = _read_imd(files.imd)
        _replace(con, "raw_area_imd", imd, "lsoa_code")
        counts["imd"] = len(imd)
    return counts
