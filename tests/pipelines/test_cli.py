"""The asb command as a user runs it: JSON output, one-line errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import POLICE_DIR

ASB = [sys.executable, "-m", "pipelines.cli"]
JAN = POLICE_DIR / "2022-01-cleveland-street.csv"


def asb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*ASB, *args], capture_output=True, text=True, timeout=300)


def test_ingest_json_and_summary_json(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    done = asb("ingest", "--db", str(db), "--source", "police-uk", str(JAN), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rows_read"] == 7285 == result["rows_loaded"]
    assert result["rows_rejected"] == 0 and result["rows_duplicate"] == 0
    assert result["rejects_by_reason"] == {}
    done = asb("summary", "--db", str(db), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["asb_incidents"] == 1518
    assert summary["by_source"]["police-uk"] == {"rows": 7285, "asb_incidents": 1518}
    assert summary["by_month"] == {"2022-01": 1518}
    assert summary["rejected_rows"] == 0


def test_file_problem_is_one_line_without_traceback(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    bad = tmp_path / "notes.csv"
    bad.write_text("Month,Crime type\n2022-01,Anti-social behaviour\n", encoding="utf-8")
    done = asb("ingest", "--db", str(db), "--source", "police-uk", str(bad))
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("error: notes.csv: required columns 'Falls within'")
    assert done.stderr.strip().splitlines()[-1] == errors[0]
    assert "Traceback" not in done.stderr


def test_unknown_source_and_missing_warehouse_are_one_line(tmp_path: Path):
    done = asb("ingest", "--db", str(tmp_path / "w.duckdb"), "--source", "nope", str(JAN))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "unknown source 'nope'" in done.stderr, done.stderr
    done = asb("summary", "--db", str(tmp_path / "missing.duckdb"))
    assert done.returncode == 2
    assert "no warehouse here yet" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_is_one_line(tmp_path: Path):
    done = asb("ingest", "--db", str(tmp_path / "w.duckdb"), "--source", "incidents",
               str(tmp_path / "absent.csv"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: absent.csv: file not found"
    assert "Traceback" not in done.stderr


def test_warehouse_from_another_version_is_refused_in_one_line(tmp_path: Path):
    db = tmp_path / "old.duckdb"
    done = asb("ingest", "--db", str(db), "--source", "police-uk", str(JAN), "--quiet")
    assert done.returncode == 0, done.stderr
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("UPDATE raw_meta SET value = '0' WHERE key = 'schema_version'")
    con.close()
    done = asb("build", "--db", str(db))
    assert done.returncode == 2
    assert "built by a different version of ASB Insight" in done.stderr
    assert "Traceback" not in done.stderr
