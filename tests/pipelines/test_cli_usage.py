"""Usage errors, help and version through the installed ``asb`` command: one plain line, the
right exit status, never "unexpected" or a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import typer.main

from pipelines import __version__
from pipelines.cli import app

_SCRIPT = Path(sys.executable).with_name("asb")
ASB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "pipelines.cli"]


def asb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*ASB, *args], capture_output=True, text=True, timeout=300, env=env)


def _clean(done: subprocess.CompletedProcess) -> None:
    both = done.stdout + done.stderr
    assert "unexpected" not in both and "Traceback" not in both, both


def test_version_prints_the_version():
    done = asb("--version")
    _clean(done)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"asb {__version__}"


@pytest.mark.parametrize("args", [(), ("risk",), ("hotspots",)])
def test_a_command_on_its_own_prints_its_help(args):
    done = asb(*args)
    _clean(done)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and done.stderr == ""


@pytest.mark.parametrize(("args", "message", "command"), [
    (("ingest", "--source", "incidents"), "error: Missing argument 'files'", "asb ingest"),
    (("summary", "--bogus"), "error: No such option: --bogus", "asb summary"),
    (("dashboard", "--port", "abc"), "error: Invalid value for '--port'", "asb dashboard"),
    (("risk", "evaluate", "--db", "X", "--months", "0"), "error: Invalid value for '--months'",
     "asb risk evaluate"),
    (("case-review",), "error: Missing option '--db'", "asb case-review"),
    (("no-such-command",), "error: No such command 'no-such-command'", "asb"),
])
def test_usage_errors_are_clicks_message_on_one_line_with_exit_2(args, message, command):
    done = asb(*args)
    _clean(done)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(message), lines[0]
    assert lines[0].endswith(f"(run '{command} --help' to see how to use it)"), lines[0]


def test_db_help_says_created_only_where_it_is():
    """A command that opens the warehouse read-only must not promise to create it."""
    root = typer.main.get_command(app)
    for name in ("summary", "dashboard"):
        db = next(p for p in root.commands[name].params if "--db" in p.opts)
        assert "created if missing" not in (db.help or ""), name
        assert "must exist" in (db.help or ""), name
    for name in ("ingest", "build", "load-sample", "areas"):
        db = next(p for p in root.commands[name].params if "--db" in p.opts)
        assert "created if missing" in (db.help or ""), name


def test_summary_of_a_missing_warehouse_does_not_create_it(tmp_path):
    missing = tmp_path / "missing.duckdb"
    done = asb("summary", "--db", str(missing))
    _clean(done)
    assert done.returncode == 2 and "no warehouse here yet" in done.stderr
    assert not missing.exists()


@pytest.mark.parametrize("args", [("problems", "list"), ("problems", "export", "--id", "1"),
                                  ("risk", "train")])
def test_commands_needing_data_do_not_create_a_missing_warehouse(tmp_path, args):
    missing = tmp_path / "absent.duckdb"
    done = asb(*args, "--db", str(missing))
    _clean(done)
    assert done.returncode != 0
    assert "no warehouse here yet" in done.stderr
    assert not missing.exists()


def test_header_only_file_is_loaded_with_a_warning(tmp_path):
    path = tmp_path / "header-only.csv"
    path.write_text("source_ref,agency,reported_at\n", encoding="utf-8")
    done = asb("ingest", "--db", str(tmp_path / "w.duckdb"), "--source", "incidents", str(path),
               "--quiet")
    _clean(done)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "header-only.csv: 0 read, 0 loaded, 0 rejected, 0 duplicate"
    assert done.stderr.splitlines() == [
        "warning: header-only.csv has a header but no rows: nothing was loaded"]


def test_unknown_csp_code_is_named_with_the_codes_held(empty_db):
    db = empty_db()
    con = duckdb.connect(str(db), read_only=True)
    held = [r[0] for r in con.execute("SELECT csp_code FROM core_area_csp ORDER BY 1").fetchall()]
    con.close()
    assert held
    done = asb("hotspots", "backtest", "--db", str(db), "--csp", "E99999999")
    _clean(done)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: --csp E99999999: unknown CSP area code in {db}; it holds ")
    assert all(code in lines[0] for code in held)
    assert "no ASB incidents match" not in lines[0]
    done = asb("hotspots", "backtest", "--db", str(db), "--csp", held[0], "--source", "nope")
    assert done.returncode == 2
    assert done.stderr.startswith("error: --source nope: no incident source of that name"), \
        done.stderr


@pytest.mark.parametrize("args", [("summary",), ("hotspots", "backtest", "--json"),
                                  ("risk", "evaluate")])
def test_a_warehouse_never_built_says_how_to_build_it(tmp_path, args):
    """A warehouse file created but never built (a first load interrupted) is one line with
    the command that builds it, never "unexpected"."""
    from pipelines.warehouse import connect

    db = tmp_path / "unbuilt.duckdb"
    connect(db).close()
    done = asb(*args, "--db", str(db))
    _clean(done)
    assert done.returncode == 2
    assert "not built yet" in done.stderr and "asb build --db" in done.stderr


def test_a_failed_first_load_leaves_no_warehouse_file(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"not\x00a\x01table")
    db = tmp_path / "new.duckdb"
    done = asb("ingest", "--db", str(db), "--source", "incidents", str(junk), "--quiet")
    _clean(done)
    assert done.returncode == 2 and "binary data" in done.stderr
    assert not db.exists() and not db.with_name("new.duckdb.wal").exists()


def test_a_failed_load_into_an_existing_warehouse_keeps_the_file(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("source_ref,agency,reported_at\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert asb("ingest", "--db", str(db), "--source", "incidents", str(good), "--quiet"
               ).returncode == 0
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"not\x00a\x01table")
    done = asb("ingest", "--db", str(db), "--source", "incidents", str(junk), "--quiet")
    assert done.returncode == 2
    assert db.exists()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM raw_file").fetchone()[0] == 1
    con.close()


@pytest.mark.parametrize("present", [(), ("manifest.yaml",), ("manifest.yaml", "police-uk")])
def test_load_sample_from_an_incomplete_folder_says_how_to_make_one(tmp_path, present):
    import shutil

    from pipelines.sample_load import SAMPLE_DIR

    folder = tmp_path / "s"
    folder.mkdir()
    for part in present:
        src = SAMPLE_DIR / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, folder / part)
    db = tmp_path / "w.duckdb"
    done = asb("load-sample", "--sample-dir", str(folder), "--db", str(db), "--quiet")
    _clean(done)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and f"asb sample --out {folder}" in lines[0], done.stderr
    assert not db.exists()


def test_sample_copies_the_shared_parts_so_the_folder_loads(tmp_path):
    """What `asb sample --out` adds to the generated files (the generator is tested in
    test_sample.py): the real public parts, so the folder's manifest finds every file."""
    from pipelines.sample_load import SAMPLE_DIR, SHARED_PARTS, copy_shared_parts, sample_plan

    out = tmp_path / "s"
    out.mkdir()
    assert copy_shared_parts(out) == list(SHARED_PARTS)
    assert (out / "areas" / "lsoa11_to_lad_police_force.csv").exists()
    assert len(list((out / "police-uk").glob("*.csv"))) == 11
    with pytest.raises(Exception, match="no files match"):
        sample_plan(out)  # the synthetic exports are not there: only generate() writes them
    assert copy_shared_parts(SAMPLE_DIR) == []
