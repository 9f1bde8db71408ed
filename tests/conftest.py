"""Shared fixtures: warehouses built from data/sample with a factory (never committed)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.areas import load_areas, sample_area_files
from pipelines.cli import SAMPLE_DIR, _sample_plan
from pipelines.config import load_config
from pipelines.ingest import ingest_file
from pipelines.sources import resolve_source
from pipelines.warehouse import build, connect

REPO = Path(__file__).resolve().parents[1]
POLICE_DIR = SAMPLE_DIR / "police-uk"


def build_sample(path: Path, *, police_months: int | None = None) -> Path:
    """Build a warehouse at ``path`` from data/sample (optionally fewer police.uk months)."""
    con = connect(path)
    config = load_config()
    con.execute("BEGIN TRANSACTION")
    load_areas(con, sample_area_files(SAMPLE_DIR))
    for source_name, files in _sample_plan(SAMPLE_DIR):
        if source_name == "police-uk" and police_months is not None:
            files = files[:police_months]
        source = resolve_source(source_name)
        for file in files:
            ingest_file(con, source, file, config=config)
    build(con, config=config)
    con.execute("COMMIT")
    con.close()
    return path


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole sample warehouse, built once per test session. Open it read-only."""
    return build_sample(tmp_path_factory.mktemp("sample") / "sample.duckdb")


@pytest.fixture()
def sample_db_copy(sample_db: Path, tmp_path: Path) -> Path:
    """A writable copy of the sample warehouse for one test."""
    target = tmp_path / "copy.duckdb"
    shutil.copy(sample_db, target)
    return target


@pytest.fixture()
def empty_db(tmp_path: Path) -> Callable[[], Path]:
    """A factory for a new warehouse holding the sample areas and nothing else."""

    def make() -> Path:
        path = tmp_path / f"w{len(list(tmp_path.glob('*.duckdb')))}.duckdb"
        con = connect(path)
        con.execute("BEGIN TRANSACTION")
        load_areas(con, sample_area_files(SAMPLE_DIR))
        build(con)
        con.execute("COMMIT")
        con.close()
        return path

    return make
