"""Build a warehouse from the sample folder: its areas and every export its manifest lists."""

from __future__ import annotations

import glob
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

__all__ = ["SAMPLE_DIR", "sample_plan", "load_sample"]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_plan(sample_dir: Path = SAMPLE_DIR) -> list[tuple[str, list[Path]]]:
    """The (source, files) pairs ``manifest.yaml`` lists, in order, with globs expanded."""
    manifest = sample_dir / "manifest.yaml"
    if not manifest.exists():
        raise ConfigProblem(f"{manifest}: the sample manifest is missing")
    data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
    plan = []
    for item in data.get("sources", []):
        files = sorted(Path(p) for pattern in item["files"]
                       for p in glob.glob(str(sample_dir / pattern)))
        if not files:
            raise ConfigProblem(f"{manifest}: no files match {item['files']}")
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
    counts = load_areas(con, sample_area_files(sample_dir))
    if progress:
        progress("areas: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    reports = []
    for source_name, files in sample_plan(sample_dir):
        if source_name == "police-uk" and police_months is not None:
            files = files[:police_months]
        source = resolve_source(source_name)
        for path in files:
            report = ingest_file(con, source, path, config=config,
                                 display=str(path.relative_to(sample_dir)))
            reports.append(report)
            if progress:
                progress(f"{report.file}: {report.rows_loaded:,} loaded, "
                         f"{report.rows_rejected:,} rejected, {report.rows_duplicate:,} duplicate")
    build(con, config=config, progress=progress, debug=debug)
    return reports
