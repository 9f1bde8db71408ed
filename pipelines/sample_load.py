"""Build a warehouse from the sample folder: its areas and every export its manifest lists."""

from __future__ import annotations

import glob
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import yaml

from .areas import load_areas, sample_area_files
from .errors import ConfigProblem
from .ingest import IngestReport, ingest_file
from .sources import resolve_source
from .warehouse import build

__all__ = ["SAMPLE_DIR", "SHARED_PARTS", "copy_shared_parts", "sample_plan", "load_sample"]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"

#: The parts of a sample folder that are real public data, not generated: ``asb sample`` copies
#: them from the shipped sample so that any folder it writes can be loaded.
SHARED_PARTS = ("areas", "police-uk", "manifest.yaml")


def copy_shared_parts(out_dir: Path, source_dir: Path = SAMPLE_DIR) -> list[str]:
    """Copy :data:`SHARED_PARTS` from ``source_dir`` into ``out_dir``; return what was copied.

    Nothing is copied onto the shipped sample itself.
    """
    out_dir = Path(out_dir)
    if out_dir.resolve() == Path(source_dir).resolve():
        return []
    copied = []
    for part in SHARED_PARTS:
        src, dst = Path(source_dir) / part, out_dir / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
        copied.append(part)
    return copied


def sample_plan(sample_dir: Path = SAMPLE_DIR) -> list[tuple[str, list[Path]]]:
    """The (source, files) pairs ``manifest.yaml`` lists, in order, with globs expanded."""
    manifest = sample_dir / "manifest.yaml"
    if not sample_dir.is_dir():
        raise ConfigProblem(f"{sample_dir}: no such folder; `asb sample --out {sample_dir}` "
                            "writes a sample there")
    if not manifest.exists():
        raise ConfigProblem(f"{manifest}: the sample manifest is missing; `asb sample --out "
                            f"{sample_dir}` writes a complete sample folder")
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    plan = []
    for item in data.get("sources", []):
        files = sorted(Path(p) for pattern in item["files"]
                       for p in glob.glob(str(sample_dir / pattern)))
        if not files:
            raise ConfigProblem(
                f"{manifest}: no files match {', '.join(item['files'])}; `asb sample --out "
                f"{sample_dir}` writes a complete sample folder")
        plan.append((str(item["source"]), files))
    return plan


def load_sample(
    con: duckdb.DuckDBPyConnection,
    config: dict[str, Any],
    *,
    sample_dir: Path = SAMPLE_DIR,
    progress: Callable[[str], None] | None = None,
    police_months: int | None = None,
    debug: bool = False,
) -> list[IngestReport]:
    """Load the sample's areas and exports and build, inside the caller's transaction.

    ``police_months`` loads only the first N police.uk files (for quicker test warehouses).
    Files already loaded are recognised as identical and skipped, so this can be repeated.
    """
    plan = sample_plan(sample_dir)  # check the folder before loading anything
    files = sample_area_files(sample_dir)
    missing = [p for p in (files.population, files.imd, files.lookup)
               if p is not None and not p.exists()]
    if not files.lsoa_boundaries:
        missing.insert(0, sample_dir / "areas" / "lsoa-2011")
    if missing:
        raise ConfigProblem(
            f"{sample_dir}: not a complete sample folder ({missing[0].relative_to(sample_dir)} "
            f"is missing); `asb sample --out {sample_dir}` writes one")
    counts = load_areas(con, files)
    if progress:
        progress("areas: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    reports = []
    for source_name, paths in plan:
        if source_name == "police-uk" and police_months is not None:
            paths = paths[:police_months]
        source = resolve_source(source_name)
        for path in paths:
            report = ingest_file(con, source, path, config=config,
                                 display=str(path.relative_to(sample_dir)))
            reports.append(report)
            if progress:
                progress(f"{report.file}: {report.rows_loaded:,} loaded, "
                         f"{report.rows_rejected:,} rejected, {report.rows_duplicate:,} duplicate")
    build(con, config=config, progress=progress, debug=debug)
    return reports
