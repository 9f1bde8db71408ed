"""``asb hotspots backtest``: the JSON is the library's backtest of the warehouse's ASB
incidents, number for number; problems end in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.analysis.forecast import METHODS, backtest, default_method
from pipelines.db import transaction
from pipelines.ingest import ingest_file
from pipelines.sources import resolve_source
from pipelines.warehouse import build, connect
from tests.conftest import POLICE_DIR

ASB = [sys.executable, "-m", "pipelines.cli"]


def asb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ASB, *args], capture_output=True, text=True, timeout=300)


def _incidents(db: Path, where: str = "TRUE", params: list | None = None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT easting, northing, month FROM mart_incident WHERE is_asb AND " + where
            + " ORDER BY month, incident_id", params or []).df()
    finally:
        con.close()


def test_json_is_the_library_backtest(sample_db: Path):
    done = asb("hotspots", "backtest", "--db", str(sample_db), "--coverage", "0.05",
               "--cell-size", "250", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert set(got) == {"methods", "default_method"}
    assert got["default_method"] == default_method
    assert set(got["methods"]) == set(METHODS)
    for method in got["methods"].values():
        assert set(method) == {"mean_pai", "mean_pei_star", "mean_hit_rate", "folds"}
        assert set(method["folds"][0]) == {"month", "pai", "pei_star", "hit_rate", "hits",
                                           "flagged_cells"}
    expected = backtest(_incidents(sample_db), coverage=0.05, cell_size=250).to_dict()
    assert got == expected
    # the sample's sources cover different months: said on stderr, stdout stays pure JSON
    assert "cover different months" in done.stderr


def test_one_method_on_one_area_and_source(sample_db: Path):
    done = asb("hotspots", "backtest", "--db", str(sample_db), "--coverage", "0.1",
               "--cell-size", "500", "--method", "naive", "--method", "blend",
               "--csp", "E06000001", "--source", "police-uk", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert list(got["methods"]) == ["naive", "blend"]
    incidents = _incidents(sample_db, "csp_code = ? AND source_name = ?",
                           ["E06000001", "police-uk"])
    expected = backtest(incidents, coverage=0.1, cell_size=500, methods=["naive", "blend"])
    assert got == expected.to_dict()
    assert [f["month"] for f in got["methods"]["blend"]["folds"]] == [
        f"2022-{m:02d}" for m in range(4, 12)]
    assert "cover different months" not in done.stderr


def test_one_line_errors(empty_db):
    db = empty_db()
    con = connect(db)
    with transaction(con):
        ingest_file(con, resolve_source("police-uk"), POLICE_DIR / "2022-01-cleveland-street.csv")
        build(con)
    con.close()
    done = asb("hotspots", "backtest", "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: a backtest needs more than 3 months of data "
                                   "(got 1: 2022-01 to 2022-01)")
    done = asb("hotspots", "backtest", "--db", str(db), "--method", "crystal-ball")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "unknown forecasting method 'crystal-ball'" in done.stderr
    assert "Traceback" not in done.stderr
