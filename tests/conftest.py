"""Shared fixtures: warehouses built from data/sample with a factory (never committed)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.areas import load_areas, sample_area_files
from pipelines.config import load_config
from pipelines.db import transaction
from pipelines.sample_load import SAMPLE_DIR, load_sample
from pipelines.warehouse import build, connect

REPO = Path(__file__).resolve().parents[1]
POLICE_DIR = SAMPLE_DIR / "police-uk"


def build_sample(path: Path, *, police_months: int | None = None) -> Path:
    """Build a warehouse at ``path`` from data/sample (optionally fewer police.uk months)."""
    con = connect(path)
    with transaction(con):
        load_sample(con, load_config(), police_months=police_months)
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
        with transaction(con):
            load_areas(con, sample_area_files(SAMPLE_DIR))
            build(con)
        con.close()
        return path

    return make
