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


# ---------------------------------------------------------------------------------------------
# Ctrl+C: DuckDB's "Query interrupted" is the user's interrupt; one during COMMIT may have saved


class _CommitInterruptedConnection:
    """Stands in for a DuckDB connection whose COMMIT is interrupted by Ctrl+C."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, sql: str, params=None):
        self.statements.append(sql.split()[0])
        if sql.startswith("SELECT path"):
            return self
        if sql == "COMMIT":
            raise RuntimeError("Query interrupted")
        return self

    def fetchall(self):
        return [("/data/w.duckdb",)]


def test_an_interrupted_commit_says_the_change_may_have_been_saved():
    from pipelines.db import CommitInterrupted, is_interrupt, transaction

    con = _CommitInterruptedConnection()
    with pytest.raises(CommitInterrupted) as caught, transaction(con):  # type: ignore[arg-type]
        pass
    assert str(caught.value) == (
        "interrupted while saving the change to /data/w.duckdb: it may have been saved; "
        "check with `asb summary --db /data/w.duckdb`")
    assert "ROLLBACK" not in con.statements
    assert is_interrupt(RuntimeError("Query interrupted"))
    assert is_interrupt(KeyboardInterrupt()) and not is_interrupt(RuntimeError("other"))


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    from pipelines import cli

    monkeypatch.setattr(sys, "argv", ["asb", *args])
    monkeypatch.setitem(cli._state, "rolled_back", False)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    return stop.value.code, capsys.readouterr().err


@pytest.mark.parametrize("error", [RuntimeError("Query interrupted"), KeyboardInterrupt()])
def test_query_interrupted_is_the_ctrl_c_message(tmp_path, monkeypatch, capsys, error):
    import pipelines.warehouse as warehouse

    def interrupted(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(warehouse, "build", interrupted)
    db = tmp_path / "new.duckdb"
    code, err = _main(monkeypatch, capsys, "build", "--db", str(db))
    assert code == 130
    assert err.splitlines() == [
        "interrupted: a warehouse change in progress was rolled back; a file being written may "
        "be incomplete"]
    assert not db.exists()


def test_an_interrupted_commit_is_reported_through_the_cli(empty_db, monkeypatch, capsys):
    import pipelines.warehouse as warehouse
    from pipelines.db import CommitInterrupted

    def interrupted(*_args, **_kwargs):
        raise CommitInterrupted("interrupted while saving the change to W: it may have been "
                                "saved; check with `asb summary --db W`")

    monkeypatch.setattr(warehouse, "build", interrupted)
    db = empty_db()
    code, err = _main(monkeypatch, capsys, "build", "--db", str(db))
    assert code == 130
    assert err.splitlines() == ["interrupted while saving the change to W: it may have been "
                                "saved; check with `asb summary --db W`"]
    assert db.exists()


def test_unexpected_errors_only_say_the_warehouse_was_not_changed_where_true(
        empty_db, monkeypatch, capsys):
    import pipelines.sources as sources
    import pipelines.warehouse as warehouse

    def broken(*_args, **_kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(sources, "list_sources", broken)
    code, err = _main(monkeypatch, capsys, "sources")
    assert code == 3
    assert err.splitlines() == ["error: unexpected ValueError: boom (run with --debug for details)"]
    monkeypatch.setattr(warehouse, "build", broken)
    code, err = _main(monkeypatch, capsys, "build", "--db", str(empty_db()))
    assert code == 3
    assert err.splitlines() == ["error: unexpected ValueError: boom (run with --debug for "
                                "details; the warehouse was not changed)"]


# ---------------------------------------------------------------------------------------------
# One line, exit 2, for what a user can get wrong


def _one_line(done: subprocess.CompletedProcess, expected: str) -> None:
    _clean(done)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [expected], done.stderr


def test_report_out_as_pdf_html_or_bare_name_writes_both_files(empty_db, tmp_path):
    db = empty_db()
    for out, stem in (("p5.pdf", "p5"), ("p6.html", "p6"), ("p7", "p7")):
        done = asb("report", "governance", "--db", str(db), "--from", "2022-01-01", "--to",
                   "2022-03-31", "--out", str(tmp_path / out))
        _clean(done)
        assert done.returncode == 0, done.stderr
        html, pdf = tmp_path / f"{stem}.html", tmp_path / f"{stem}.pdf"
        assert done.stdout.splitlines()[0] == f"wrote {html}"
        assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        if pdf.exists():  # Chromium installed
            assert done.stdout.splitlines()[1:] == [f"wrote {pdf}"]
            assert pdf.read_bytes().startswith(b"%PDF")


def test_report_out_a_folder_is_one_line(empty_db, tmp_path):
    done = asb("report", "governance", "--db", str(empty_db()), "--from", "2022-01-01", "--to",
               "2022-03-31", "--out", str(tmp_path))
    _one_line(done, f"error: --out {tmp_path} is a folder: give a file name, such as "
                    f"{tmp_path / 'governance-pack.pdf'}")


def test_users_add_never_overwrites_a_file_that_is_not_a_users_file(tmp_path):
    victim = tmp_path / "victim.csv"
    victim.write_text("a,b\n1,2\n", encoding="utf-8")
    done = asb("users", "add", "frank", "--role", "analyst", "--no-password", "--file",
               str(victim))
    _one_line(done, f"error: {victim} is not a users file (no 'users:' list): give a new file "
                    "name or the users file")
    assert victim.read_text(encoding="utf-8") == "a,b\n1,2\n"
    done = asb("users", "list", "--file", str(tmp_path))
    _one_line(done, f"error: {tmp_path} is a folder: give the users file (such as "
                    f"{tmp_path / 'users.yaml'})")


def test_users_add_password_options_and_no_terminal(tmp_path):
    path = tmp_path / "users.yaml"
    done = asb("users", "add", "frank", "--role", "analyst", "--no-password", "--password",
               "long enough pw", "--file", str(path))
    _one_line(done, "error: give --password or --no-password, not both")
    assert not path.exists()
    done = subprocess.run([*ASB, "users", "add", "frank", "--role", "analyst", "--file",
                           str(path)], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    _one_line(done, "error: no password given and no terminal to ask for one: give --password "
                    "(or set ASB_NEW_PASSWORD), or --no-password")
    assert "GetPassWarning" not in done.stderr and not path.exists()
    done = subprocess.run([*ASB, "users", "add", "frank", "--role", "analyst", "--file",
                           str(path)], capture_output=True, text=True, timeout=60,
                          input="long enough pw\nlong enough pw\n")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    from pipelines.users import check_password

    assert check_password("frank", "long enough pw", path).role == "analyst"


def test_a_db_that_is_not_a_duckdb_file_is_left_alone(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("a,b\n1,2\n", encoding="utf-8")
    done = asb("build", "--db", str(export))
    _one_line(done, f"error: {export}: not a DuckDB warehouse (give the warehouse file, not an "
                    "export or another file)")
    assert export.read_text(encoding="utf-8") == "a,b\n1,2\n"
    done = asb("build", "--db", str(export / "w.duckdb"))
    _one_line(done, f"error: {export / 'w.duckdb'}: {export} is a file, not a folder")


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_a_db_where_no_file_can_be_made_does_not_say_not_a_duckdb_warehouse():
    done = asb("build", "--db", "/proc/x.duckdb")
    _one_line(done, "error: /proc/x.duckdb: cannot make a warehouse there (no such file or "
                    "directory): give a path in a folder you can write to")


def test_a_warehouse_without_write_permission_says_so():
    from pipelines.warehouse import _open_problem

    text = 'IO Error: Cannot open file "/w.duckdb": Operation not permitted'
    assert str(_open_problem(Path("w.duckdb"), text, read_only=False)) == (
        "w.duckdb: the warehouse file cannot be written (permission denied / read-only): "
        "check its permissions")
    text = 'IO Error: Cannot open file "/w.duckdb": Permission denied'
    assert "cannot be read (permission denied)" in str(
        _open_problem(Path("w.duckdb"), text, read_only=True))


def test_problems_commands_only_read_the_warehouse(empty_db, tmp_path):
    import hashlib

    from pipelines import problems as pb
    from pipelines.warehouse import connect

    db = empty_db()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    done = asb("problems", "list", "--db", str(db))
    _clean(done)
    assert done.returncode == 0 and done.stdout == "no problems yet\n", done.stderr
    _one_line(asb("problems", "export", "--id", "1", "--db", str(db), "--out",
                  str(tmp_path / "p.html")), "error: there is no problem number 1")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_tables() "
                       "WHERE table_name LIKE 'app_problem%'").fetchone()[0] == 0
    con.close()

    from datetime import date

    con = connect(db)
    lsoa = con.execute("SELECT code FROM raw_area_boundary WHERE level = 'lsoa' LIMIT 1"
                       ).fetchone()[0]
    pid = pb.create_problem(con, name="Park steps", owner="asha", by="asha",
                            place=pb.Place(lsoa_codes=[lsoa]), period_start=date(2022, 1, 1),
                            period_end=date(2022, 3, 31))
    con.close()
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    done = asb("problems", "list", "--db", str(db))
    _clean(done)
    assert done.returncode == 0 and done.stdout.startswith(f"{pid}: Park steps ("), done.stderr
    done = asb("problems", "export", "--id", str(pid), "--db", str(db), "--out",
               str(tmp_path / "p.html"))
    _clean(done)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "p.html").read_text(encoding="utf-8").lower().startswith("<!doctype html>")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_dashboard_port_out_of_range_or_in_use_is_one_line(empty_db):
    import socket

    db = empty_db()
    done = asb("dashboard", "--db", str(db), "--port", "99999")
    _clean(done)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Invalid value for '--port'"), done.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = asb("dashboard", "--db", str(db), "--port", str(port), "--address", "127.0.0.1")
    _one_line(done, f"error: port {port} is in use (is the dashboard already running?); use "
                    "--port")


def test_sample_out_a_file_or_a_negative_seed_is_one_line(tmp_path):
    a_file = tmp_path / "bom.csv"
    a_file.write_text("x\n", encoding="utf-8")
    _one_line(asb("sample", "--out", str(a_file), "--seed", "5"),
              f"error: --out {a_file} is a file: give a folder for the sample")
    done = asb("sample", "--out", str(tmp_path / "s"), "--seed", "-1")
    _clean(done)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Invalid value for '--seed'"), done.stderr
    assert not (tmp_path / "s").exists()


def test_areas_file_problems_are_one_line_and_make_no_warehouse(tmp_path):
    db = tmp_path / "x.duckdb"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    _one_line(asb("areas", "--db", str(db), "--imd", str(empty)),
              "error: empty.csv: the file is empty")
    _one_line(asb("areas", "--db", str(db)),
              "error: give at least one area file: --lsoa, --wards, --population, --imd or "
              "--lookup")
    _one_line(asb("areas", "--db", str(db), "--wards", str(tmp_path / "none.geojson")),
              f"error: {tmp_path / 'none.geojson'}: no such file")
    assert not db.exists()


def test_risk_truth_folder_that_is_missing_is_one_line(tmp_path):
    _one_line(asb("risk", "evaluate", "--db", str(tmp_path / "w.duckdb"), "--truth",
                  str(tmp_path / "nonexistent")),
              f"error: --truth {tmp_path / 'nonexistent'}: no such folder")
