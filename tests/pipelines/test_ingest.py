"""Ingest guarantees: conservation, rejects with reasons, file problems, lineage, duplicates."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pipelines.errors import ConfigProblem, FileProblem
from pipelines.ingest import ingest_files, summarise
from pipelines.sources import resolve_source
from pipelines.warehouse import build, connect
from tests.conftest import POLICE_DIR

JAN = POLICE_DIR / "2022-01-cleveland-street.csv"
FEB = POLICE_DIR / "2022-02-cleveland-street.csv"


def run(db: Path, source: str, files: list[Path], mapping: Path | None = None, *,
        allow_shrink: bool = False) -> dict:
    con = connect(db)
    try:
        reports = ingest_files(con, resolve_source(source, mapping), files,
                               allow_shrink=allow_shrink)
    finally:
        con.close()
    result = summarise(reports)
    assert result["rows_read"] == (
        result["rows_loaded"] + result["rows_rejected"] + result["rows_duplicate"]
    )
    return result


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Row count and a content hash of every table: equal fingerprints, equal warehouses."""
    con = connect(db, read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY 1").fetchall()]
        out = {}
        for t in tables:
            count, digest = con.execute(
                f"SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM {t} t").fetchall()[0]
            out[t] = (count, digest)
        return out
    finally:
        con.close()


def scalar(db: Path, sql: str, params: list | None = None):
    con = connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()[0][0]
    finally:
        con.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


INCIDENTS_HEADER = "source_ref,agency,reported_at,occurred_at,category,subtype,easting,northing\n"


# ---------------------------------------------------------------------------------------------
# police.uk


def test_police_uk_real_file_loads_every_row(empty_db):
    db = empty_db()
    result = run(db, "police-uk", [JAN])
    rows = sum(1 for _ in JAN.open(encoding="utf-8")) - 1
    assert result["rows_read"] == rows == 7285
    assert result["rows_loaded"] == rows and result["rows_rejected"] == 0
    asb = pd.read_csv(JAN, dtype=str)["Crime type"].eq("Anti-social behaviour").sum()
    assert scalar(db, "SELECT count(*) FROM mart_incident WHERE is_asb") == asb
    # police.uk rows trust the file's LSOA code, even where the snap point lies outside it
    assert scalar(db, "SELECT count(*) FROM mart_incident WHERE lsoa_code IS NULL "
                      "AND has_location") == 0
    assert scalar(db, "SELECT count(*) FROM mart_incident WHERE time_precision <> 'month'") == 0


def test_identical_file_is_skipped_as_duplicates(empty_db):
    db = empty_db()
    run(db, "police-uk", [JAN])
    before = fingerprint(db)
    again = run(db, "police-uk", [JAN])
    assert again["rows_duplicate"] == again["rows_read"] == 7285
    assert again["rows_loaded"] == 0
    assert "skipped" in again["files"][0]["status"]
    after = fingerprint(db)
    assert after["mart_incident"] == before["mart_incident"]


def test_revised_force_month_replaces_the_old_rows(empty_db, tmp_path):
    db = empty_db()
    run(db, "police-uk", [JAN, FEB])
    lines = JAN.read_text(encoding="utf-8").splitlines(keepends=True)
    revised = write(tmp_path / "2022-01-revised.csv", "".join(lines[:4001]))  # header + 4000
    result = run(db, "police-uk", [revised])
    assert result["rows_loaded"] == 4000
    assert result["files"][0]["replaced_force_months"] == ["Cleveland Police 2022-01"]
    assert result["files"][0]["replacements"] == [
        {"force_month": "Cleveland Police 2022-01", "rows_held": 7285, "rows_new": 4000}]
    assert result["files"][0]["superseded_rows"] == 7285
    jan = scalar(db, "SELECT count(*) FROM mart_incident WHERE month = DATE '2022-01-01'")
    feb = scalar(db, "SELECT count(*) FROM mart_incident WHERE month = DATE '2022-02-01'")
    assert (jan, feb) == (4000, 7156)
    # a later revision is measured against the latest file held, not the first
    again = write(tmp_path / "2022-01-again.csv", "".join(lines[:2001]))  # header + 2000
    result = run(db, "police-uk", [again])
    assert result["files"][0]["replacements"] == [
        {"force_month": "Cleveland Police 2022-01", "rows_held": 4000, "rows_new": 2000}]


def test_a_police_file_that_would_shrink_a_force_month_is_refused(empty_db, tmp_path):
    db = empty_db()
    run(db, "police-uk", [JAN, FEB])
    before = fingerprint(db)
    jan = JAN.read_text(encoding="utf-8").splitlines(keepends=True)
    feb = FEB.read_text(encoding="utf-8").splitlines(keepends=True)
    # most of February with one January row strayed into it: January would keep 1 row
    stray = write(tmp_path / "stray.csv", "".join([*feb[:5001], jan[1]]))
    with pytest.raises(FileProblem) as info:
        run(db, "police-uk", [stray])
    assert str(info.value) == (
        "stray.csv: would replace 7,285 rows for Cleveland Police 2022-01 with 1, less than "
        "half of what is held (is it part of a month's file, or a stray row from another "
        "month?); load the complete month's file, or use --allow-shrink to replace them anyway")
    assert fingerprint(db) == before
    part = write(tmp_path / "part.csv", "".join(jan[:11]) + "".join(feb[1:3]))
    with pytest.raises(FileProblem, match=r"^part\.csv: would replace 7,285 rows for Cleveland "
                       r"Police 2022-01 with 10 and 7,156 rows for Cleveland Police 2022-02 "
                       r"with 2, less than half"):
        run(db, "police-uk", [part])
    assert fingerprint(db) == before
    # exactly half is kept as a revision; with allow_shrink, anything is
    half = write(tmp_path / "half.csv", "".join(feb[:3579]))  # 3,578 of 7,156
    assert run(db, "police-uk", [half])["files"][0]["replacements"] == [
        {"force_month": "Cleveland Police 2022-02", "rows_held": 7156, "rows_new": 3578}]
    result = run(db, "police-uk", [stray], allow_shrink=True)
    assert result["files"][0]["superseded_rows"] == 7285 + 3578
    assert scalar(db, "SELECT count(*) FROM mart_incident WHERE month = DATE '2022-01-01'") == 1


def test_a_police_re_download_of_the_same_month_replaces_it_quietly(empty_db, tmp_path):
    db = empty_db()
    run(db, "police-uk", [JAN])
    lines = JAN.read_text(encoding="utf-8").splitlines(keepends=True)
    more = write(tmp_path / "more.csv", "".join([*lines, lines[1]]))  # one row more
    result = run(db, "police-uk", [more])
    assert result["rows_loaded"] == 7286 and result["files"][0]["warnings"] == []
    assert result["files"][0]["replacements"] == [
        {"force_month": "Cleveland Police 2022-01", "rows_held": 7285, "rows_new": 7286}]


def test_identical_rows_inside_a_file_are_separate_incidents(empty_db, tmp_path):
    db = empty_db()
    header, row = JAN.read_text(encoding="utf-8").splitlines()[:2]
    path = write(tmp_path / "same.csv", "\r\n".join([header, row, row, row]) + "\r\n")
    result = run(db, "police-uk", [path])
    assert (result["rows_loaded"], result["rows_duplicate"]) == (3, 0)
    assert scalar(db, "SELECT count(DISTINCT incident_id) FROM mart_incident") == 3


def test_police_uk_no_location_rows_are_kept_and_bad_rows_rejected(empty_db, tmp_path):
    db = empty_db()
    header = JAN.read_text(encoding="utf-8").splitlines()[0]
    rows = [
        ",2022-03,Cleveland Police,Cleveland Police,,,No Location,,,Anti-social behaviour,,",
        ",2022-3,Cleveland Police,Cleveland Police,-1.2,54.6,On or near X,E01011954,"
        "Hartlepool 001A,Anti-social behaviour,,",
        ",2022-03,Cleveland Police,Cleveland Police,abc,54.6,On or near X,E01011954,"
        "Hartlepool 001A,Anti-social behaviour,,",
        ",2022-03,Cleveland Police,Cleveland Police,-1.2,,On or near X,E01011954,"
        "Hartlepool 001A,Anti-social behaviour,,",
        ",2022-03,Cleveland Police,Cleveland Police,-1.2,54.6,On or near X,E01011954,"
        "Hartlepool 001A,,,",
    ]
    path = write(tmp_path / "mixed.csv", "\n".join([header, *rows]) + "\n")
    result = run(db, "police-uk", [path])
    assert result["rows_loaded"] == 1
    assert result["rows_rejected"] == 4
    reasons = result["rejects_by_reason"]
    assert reasons["month is not a month (expected YYYY-MM)"] == 1
    assert reasons["longitude is not a number"] == 1
    assert any("give both coordinates or neither" in r for r in reasons)
    assert reasons["crime_type is blank (it is required)"] == 1
    assert scalar(db, "SELECT count(*) FROM mart_incident WHERE NOT has_location") == 1
    con = connect(db, read_only=True)
    rejects = con.execute(
        "SELECT row_number, column_name, value, record FROM mart_reject ORDER BY row_number"
    ).fetchall()
    con.close()
    assert [r[0] for r in rejects] == [3, 4, 5, 6]
    assert rejects[0][1:3] == ("month", "2022-3")
    assert json.loads(rejects[1][3])["Longitude"] == "abc"


# ---------------------------------------------------------------------------------------------
# templates: formats, encodings, dates


def test_uk_day_first_dates_bom_and_bng_coordinates(empty_db, tmp_path):
    db = empty_db()
    text = INCIDENTS_HEADER + (
        "R1,Middlesbrough Council,05/08/2022 19:00,05/08/2022 18:30,nuisance,noise,449571,520156\n"
        "R2,Middlesbrough Council,2022-08-06T10:15:00,,environmental,fly-tipping,,\n"
    )
    path = write(tmp_path / "bom.csv", "\ufeff" + text)
    result = run(db, "incidents", [path])
    assert result["rows_loaded"] == 2
    con = connect(db, read_only=True)
    row = con.execute(
        "SELECT reported_at, occurred_at, latitude, longitude, lsoa_code, csp_name, in_area "
        "FROM mart_incident WHERE incident_id = 'Middlesbrough Council:R1'"
    ).fetchall()[0]
    con.close()
    assert row[0] == datetime(2022, 8, 5, 19, 0)  # 5 August, not 8 May
    assert row[1] == datetime(2022, 8, 5, 18, 30)
    assert row[2] == pytest.approx(54.5742, abs=1e-3) and row[3] == pytest.approx(-1.2347, abs=1e-3)
    assert row[4].startswith("E0101") and row[5] == "Middlesbrough" and row[6] is True


def _precisions(db: Path) -> dict[str, str]:
    con = connect(db, read_only=True)
    try:
        return dict(con.execute(
            "SELECT source_ref, time_precision FROM mart_incident ORDER BY 1").fetchall())
    finally:
        con.close()


def test_time_precision_is_decided_from_the_text_as_written(empty_db, tmp_path):
    db = empty_db()
    path = write(tmp_path / "housing.csv", (
        "source_ref,agency,reported_at,occurred_at,occurred_to\n"
        "D1,Tees Valley Homes,14/03/2022 09:12,12/03/2022,\n"          # a date: no time
        "D2,Tees Valley Homes,2022-03-14,,\n"                            # reported date only
        "D3,Tees Valley Homes,14/03/2022 09:12,12/03/2022,13/03/2022\n"  # days, times unknown
        "T1,Tees Valley Homes,14/03/2022 09:12,12/03/2022 22:30,\n"     # a time
        "T2,Tees Valley Homes,14/03/2022 09:12,12/03/2022 00:00,12/03/2022 06:00\n"  # window
        "M1,Tees Valley Homes,14/03/2022 09:12,12/03/2022 00:00,\n"     # midnight, no end
        "M2,Tees Valley Homes,2022-03-14T00:00:00,,\n"
    ))
    assert run(db, "incidents", [path])["rows_loaded"] == 7
    # midnight with no end: many systems store a date as midnight, so by default a date
    assert _precisions(db) == {"D1": "date", "D2": "date", "D3": "date", "T1": "datetime",
                               "T2": "datetime", "M1": "date", "M2": "date"}


def system_mapping(folder: Path, declared: str) -> Path:
    """A mapping for a system's Ref, Logged and When columns, declaring what its times mean."""
    return write(folder / f"system-{declared}.yaml", f"""
name: some-system
template: incidents
agency: Some Council
columns: {{source_ref: Ref, reported_at: Logged, occurred_at: When}}
dates:
  formats: ["%d/%m/%Y %H:%M", "%d/%m/%Y"]
  time_precision: {declared}
""")


@pytest.mark.parametrize(("declared", "expected"), [
    ("datetime", {"D1": "date", "M1": "datetime", "T1": "datetime"}),
    ("date", {"D1": "date", "M1": "date", "T1": "date"}),
    ("auto", {"D1": "date", "M1": "date", "T1": "datetime"}),
])
def test_a_mapping_can_declare_what_its_times_mean(empty_db, tmp_path, declared, expected):
    db = empty_db()
    mapping = system_mapping(tmp_path, declared)
    export = write(tmp_path / "export.csv", "Ref,Logged,When\nD1,14/03/2022 09:00,12/03/2022\n"
                   "M1,14/03/2022 09:00,12/03/2022 00:00\nT1,14/03/2022 09:00,12/03/2022 22:30\n")
    assert run(db, "incidents", [export], mapping)["rows_loaded"] == 3
    assert _precisions(db) == expected


def test_an_excel_date_cell_is_a_date_and_a_date_time_cell_keeps_its_midnight(empty_db,
                                                                               tmp_path):
    # Excel stores dates as numbers: the cell's format says whether a time was written
    import openpyxl

    db = empty_db()
    mapping = write(tmp_path / "system.yaml", """
name: some-system
template: incidents
agency: Some Council
columns: {source_ref: Ref, reported_at: Logged, occurred_at: When}
dates:
  time_precision: datetime
""")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Ref", "Logged", "When"])
    for ref, when, shown in (("D1", datetime(2022, 3, 12), "dd/mm/yyyy"),
                             ("M1", datetime(2022, 3, 12), "dd/mm/yyyy hh:mm"),
                             ("T1", datetime(2022, 3, 12, 22, 30), "dd/mm/yyyy hh:mm")):
        sheet.append([ref, datetime(2022, 3, 14, 9), when])
        sheet.cell(sheet.max_row, 2).number_format = "dd/mm/yyyy hh:mm"
        sheet.cell(sheet.max_row, 3).number_format = shown
    sheet.append([])  # a blank row is no row
    book.save(tmp_path / "export.xlsx")
    assert run(db, "incidents", [tmp_path / "export.xlsx"], mapping)["rows_read"] == 3
    assert _precisions(db) == {"D1": "date", "M1": "datetime", "T1": "datetime"}


def test_a_changed_time_precision_applies_to_rows_already_held(empty_db, tmp_path):
    # M1 arrives first under auto (midnight = date); the next export repeats M1 unchanged (kept
    # from the first file) and adds M2, now under datetime: one source, one answer for both
    db = empty_db()

    first = write(tmp_path / "first.csv", "Ref,Logged,When\nM1,14/03/2022 09:00,12/03/2022 00:00\n")
    assert run(db, "incidents", [first], system_mapping(tmp_path, "auto"))["rows_loaded"] == 1
    assert _precisions(db) == {"M1": "date"}
    second = write(tmp_path / "second.csv", "Ref,Logged,When\nM1,14/03/2022 09:00,12/03/2022 00:00\n"
                   "M2,15/03/2022 09:00,13/03/2022 00:00\n")
    report = run(db, "incidents", [second], system_mapping(tmp_path, "datetime"))
    assert report["rows_loaded"] == 1 and report["rows_duplicate"] == 1
    assert _precisions(db) == {"M1": "datetime", "M2": "datetime"}
    # loading the same file again with the setting changed back applies it too
    run(db, "incidents", [second], system_mapping(tmp_path, "auto"))
    assert _precisions(db) == {"M1": "date", "M2": "date"}


def test_a_bad_time_precision_in_a_mapping_is_refused(tmp_path):
    mapping = write(tmp_path / "bad.yaml", "template: incidents\ndates: {time_precision: hour}\n")
    with pytest.raises(ConfigProblem, match="dates.time_precision must be one of auto, date"):
        resolve_source("incidents", mapping)


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("cp1252", ";"), ("utf-8", "\t"), ("utf-8-sig", ",")]
)
def test_encodings_and_delimiters(empty_db, tmp_path, encoding, delimiter):
    db = empty_db()
    lines = [
        ["source_ref", "agency", "reported_at", "address", "category"],
        ["H1", "Tees Valley Homes", "01/02/2022", "\"12 O’Brien Street, Zoë Court\"", "personal"],
    ]
    text = "\r\n".join(delimiter.join(r) for r in lines) + "\r\n"
    path = write(tmp_path / "enc.csv", text, encoding)
    result = run(db, "incidents", [path])
    assert result["rows_loaded"] == 1
    assert scalar(db, "SELECT address FROM core_incident") == "12 O’Brien Street, Zoë Court"


def test_template_rows_are_kept_as_received(empty_db, tmp_path):
    db = empty_db()
    path = write(tmp_path / "raw.csv", INCIDENTS_HEADER + "  R9 ,X Council,01/01/2022,,,,,\n")
    run(db, "incidents", [path])
    con = connect(db, read_only=True)
    headers, record = con.execute(
        "SELECT f.headers, r.record FROM raw_export_row r JOIN raw_file f USING (file_id)"
    ).fetchall()[0]
    con.close()
    assert json.loads(headers)[:3] == ["source_ref", "agency", "reported_at"]
    assert json.loads(record)[:3] == ["  R9 ", "X Council", "01/01/2022"]
    assert scalar(db, "SELECT source_ref FROM core_incident") == "R9"


def test_excel_and_parquet(empty_db, tmp_path):
    db = empty_db()
    frame = pd.DataFrame({
        "Source_Ref": ["X1", "X2"], "Agency": ["Redcar and Cleveland Council"] * 2,
        "Reported_At": ["2022-04-01 09:00", "02/04/2022"], "Latitude": ["54.61", "54.62"],
        "Longitude": ["-1.07", "-1.06"], "Ward notes": ["left as extra", ""],
    })
    frame.to_excel(tmp_path / "book.xlsx", index=False)
    frame.assign(Source_Ref=["X3", "X4"]).to_parquet(tmp_path / "table.parquet")
    result = run(db, "incidents", [tmp_path / "book.xlsx", tmp_path / "table.parquet"])
    assert result["rows_loaded"] == 4
    extra = scalar(db, "SELECT extra FROM core_incident WHERE source_ref = 'X1'")
    assert json.loads(extra) == {"Ward notes": "left as extra"}


def test_row_rejections_have_reasons_and_conservation_holds(empty_db, tmp_path):
    db = empty_db()
    future = (datetime.now() + timedelta(days=10)).strftime("%d/%m/%Y")
    text = INCIDENTS_HEADER + "\n".join([
        "A1,Hartlepool Borough Council,01/01/2022,,nuisance,,449000,535000",  # ok
        "A2,Hartlepool Borough Council,31/02/2022,,nuisance,,,",  # not a date
        "A3,Hartlepool Borough Council,01/01/2022,,loud,,,",  # bad category
        "A4,Hartlepool Borough Council,,,nuisance,,,",  # missing reported_at
        f"A5,Hartlepool Borough Council,{future},,nuisance,,,",  # future
        "A6,Hartlepool Borough Council,01/01/2022,,nuisance,,9000000,535000",  # outside GB
        "A7,Hartlepool Borough Council,01/01/2022,,nuisance,,449000",  # ragged row
        "A1,Hartlepool Borough Council,01/01/2022,,nuisance,,449000,535000",  # same row again
        "A1,Hartlepool Borough Council,02/01/2022,,nuisance,,449000,535000",  # same key, changed
        "A8,Hartlepool Borough Council,01/01/22,,nuisance,,,",  # two-digit year: the year 22
    ]) + "\n"
    path = write(tmp_path / "bad.csv", text)
    result = run(db, "incidents", [path])
    assert result["rows_read"] == 10
    assert result["rows_loaded"] == 1
    assert result["rows_duplicate"] == 1
    assert result["rows_rejected"] == 8
    reasons = result["rejects_by_reason"]
    assert reasons[
        "reported_at is not a date (expected DD/MM/YYYY or YYYY-MM-DD, optional HH:MM)"] == 1
    assert reasons["category is not one of personal, nuisance, environmental"] == 1
    assert reasons["reported_at is blank (it is required)"] == 1
    assert reasons["reported_at is in the future"] == 1
    assert reasons["easting is outside Great Britain"] == 1
    assert reasons["reported_at has a year before 1900: write the year in full (12/03/2022, "
                   "not 12/03/22)"] == 1
    assert reasons["source_ref is repeated in this file with different values"] == 1
    assert sum(v for k, v in reasons.items() if k.startswith("row has 7 fields")) == 1
    con = connect(db, read_only=True)
    rows = dict(con.execute("SELECT row_number, reason FROM mart_reject").fetchall())
    con.close()
    assert rows[8].startswith("row has 7 fields")  # spreadsheet row: header is row 1
    assert rows[3].startswith("reported_at is not a date")


def test_second_load_of_same_rows_is_duplicate_and_changed_row_supersedes(empty_db, tmp_path):
    db = empty_db()
    first = write(tmp_path / "a.csv", INCIDENTS_HEADER
                  + "B1,Stockton-on-Tees Borough Council,01/03/2022,,nuisance,,,\n"
                  + "B2,Stockton-on-Tees Borough Council,02/03/2022,,nuisance,,,\n")
    second = write(tmp_path / "b.csv", INCIDENTS_HEADER
                   + "B1,Stockton-on-Tees Borough Council,01/03/2022,,nuisance,,,\n"
                   + "B2,Stockton-on-Tees Borough Council,02/03/2022,,personal,,,\n")
    run(db, "incidents", [first])
    result = run(db, "incidents", [second])
    assert (result["rows_loaded"], result["rows_duplicate"]) == (1, 1)
    assert result["files"][0]["superseded_rows"] == 1
    assert scalar(db, "SELECT count(*) FROM core_incident") == 2
    assert scalar(db, "SELECT category FROM core_incident WHERE source_ref = 'B2'") == "personal"


# ---------------------------------------------------------------------------------------------
# file-level problems leave the warehouse as it was


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"PK\x03\x04rest-of-zip", "Excel or zip"),
        (b"just one column\nvalue\n", "only one column"),
        (b"source_ref,agency,occurred_at\nR1,X,01/01/2022\n",
         "required column 'reported_at' is missing"),
    ],
)
def test_file_problems_are_one_line_and_change_nothing(empty_db, tmp_path, content, expected):
    db = empty_db()
    run(db, "police-uk", [JAN])
    before = fingerprint(db)
    good = write(tmp_path / "good.csv", INCIDENTS_HEADER + "G1,X Council,01/01/2022,,,,,\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with pytest.raises(FileProblem) as info:
        run(db, "incidents", [good, bad])  # the good file is rolled back too
    message = str(info.value)
    assert message.startswith("bad.csv: ") and expected in message and "\n" not in message
    assert fingerprint(db) == before


def test_unknown_source_and_bad_mapping(tmp_path):
    with pytest.raises(ConfigProblem, match="unknown source 'polic-uk'"):
        resolve_source("polic-uk")
    bad = write(tmp_path / "m.yaml", "template: incidents\ncolumns: {reported: Date}\n")
    with pytest.raises(ConfigProblem, match="reported not a column of the incidents template"):
        resolve_source("incidents", bad)


# ---------------------------------------------------------------------------------------------
# mappings


def test_mapping_renames_recodes_and_reads_formats(empty_db, tmp_path):
    db = empty_db()
    mapping = write(tmp_path / "other-force.yaml", """
name: other-force
template: incidents
agency: Other Force
columns:
  source_ref: Ref No
  reported_at: When Reported
  category: Cat
  easting: X
  northing: Y
dates:
  formats: ["%m/%d/%Y %H:%M"]
values:
  category: {P: personal, N: nuisance, E: environmental}
""")
    export = write(tmp_path / "export.csv",
                   "Ref No,When Reported,Cat,X,Y\nO1,08/05/2022 19:00,n,452000,520000\n"
                   "O2,13/05/2022 19:00,P,,\n")
    result = run(db, "incidents", [export], mapping)
    assert result["rows_loaded"] == 1 and result["rows_rejected"] == 1
    assert next(iter(result["rejects_by_reason"])).startswith(
        "reported_at is not a date in the mapping's format")
    con = connect(db, read_only=True)
    row = con.execute("SELECT agency, reported_at, category, source_name FROM core_incident"
                      ).fetchall()[0]
    con.close()
    assert row == ("Other Force", datetime(2022, 8, 5, 19, 0), "nuisance", "other-force")


# ---------------------------------------------------------------------------------------------
# lineage and rebuilds


def test_every_row_knows_its_file_and_row(empty_db):
    db = empty_db()
    run(db, "police-uk", [JAN])
    con = connect(db, read_only=True)
    missing = con.execute(
        "SELECT count(*) FROM core_incident WHERE file_name IS NULL OR row_number IS NULL "
        "OR loaded_at IS NULL").fetchall()[0][0]
    sha = con.execute("SELECT sha256 FROM raw_file").fetchall()[0][0]
    raw = con.execute("SELECT crime_id, month, reported_by, falls_within, longitude "
                      "FROM raw_police_uk WHERE row_number = 2").fetchall()[0]
    con.close()
    assert missing == 0 and len(sha) == 64
    first_row = JAN.read_text(encoding="utf-8").splitlines()[1].split(",")
    assert list(raw) == first_row[:5]  # exactly as received, blank Crime ID included


def test_building_twice_gives_the_same_warehouse(sample_db_copy):
    before = fingerprint(sample_db_copy)
    con = connect(sample_db_copy)
    build(con)
    con.close()
    assert fingerprint(sample_db_copy) == before


def test_ingest_outside_area_is_flagged_not_lost(empty_db, tmp_path):
    db = empty_db()
    path = write(tmp_path / "far.csv", INCIDENTS_HEADER
                 + "F1,Leeds,01/01/2022,,nuisance,,430000,433000\n")
    run(db, "incidents", [path])
    assert scalar(db, "SELECT in_area FROM mart_incident WHERE source_ref = 'F1'") is False
    assert scalar(db, "SELECT count(*) FROM mart_incident") == 1


def test_copy_of_file_under_new_name_is_still_identical(empty_db, tmp_path):
    db = empty_db()
    copy = tmp_path / "renamed.csv"
    shutil.copy(JAN, copy)
    run(db, "police-uk", [JAN])
    result = run(db, "police-uk", [copy])
    assert result["rows_duplicate"] == 7285


# ---------------------------------------------------------------------------------------------
# the documented example files load cleanly


EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_documented_examples_load_without_rejects(empty_db):
    db = empty_db()
    for template in ("incidents", "people", "actions", "cases", "risk-assessments"):
        result = run(db, template, [EXAMPLES / f"{template}.csv"])
        assert result["rows_rejected"] == 0, (template, result["rejects_by_reason"])
        assert result["rows_loaded"] == result["rows_read"] > 0
    result = run(db, "incidents", [EXAMPLES / "example-mapped-export.csv"],
                 EXAMPLES / "example-mapping.yaml")
    assert result["rows_loaded"] == 2
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM core_person_role").fetchall()[0][0] == 3
    assert con.execute("SELECT list(action ORDER BY action_date) FROM core_action"
                       ).fetchall()[0][0] == ["support referral", "warning letter", "CPW"]
    answers = con.execute("SELECT answers FROM core_risk_assessment WHERE assessment_ref = "
                          "'RA-002'").fetchall()[0][0]
    reported = con.execute("SELECT reported_at FROM core_incident WHERE source_ref = 'EXB-1'"
                           ).fetchall()[0][0]
    con.close()
    assert json.loads(answers)["q_health"] == "physical; mental"
    assert reported == datetime(2022, 8, 5, 19, 0)


def test_dry_run_reports_and_changes_nothing(empty_db, tmp_path):
    db = empty_db()
    before = fingerprint(db)
    path = write(tmp_path / "d.csv", INCIDENTS_HEADER
                 + "D1,X Council,01/01/2022,,,,,\nD2,X Council,not a date,,,,,\n")
    con = connect(db)
    reports = ingest_files(con, resolve_source("incidents"), [path], dry_run=True)
    con.close()
    assert (reports[0].rows_loaded, reports[0].rows_rejected) == (1, 1)
    assert fingerprint(db) == before


# ---------------------------------------------------------------------------------------------
# dates in the future, in every date column (reported_at's rule, the same day's grace)


def _day(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%d/%m/%Y")


def test_behaviour_after_its_report_is_rejected_with_a_day_of_grace(tmp_path):
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "i.csv", "source_ref,agency,reported_at,occurred_at\n"
                 + "A1,X Council,05/08/2022 22:01,05/08/2022 22:05\n"  # typed roughly: kept
                 + "A2,X Council,05/08/2022,06/08/2022\n"  # the next day, date only: kept
                 + "A3,X Council,05/08/2022 10:00,06/08/2022 10:01\n"  # a day and a minute
                 + "A4,X Council,05/08/2022,08/05/2022\n"  # day and month swapped: 8 May, kept
                 + "A5,X Council,08/05/2022,05/08/2022\n"  # swapped the other way
                 + "A6,X Council,05/08/2022,\n")  # no occurred_at: kept
    result = run(db, "incidents", [path])
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (6, 4, 2)
    reason = ("occurred_at is after reported_at (it cannot have happened after it was "
              "reported: check the two dates, or whether day and month are swapped)")
    assert result["rejects_by_reason"] == {reason: 2}
    con = connect(db, read_only=True)
    rejected = con.execute("SELECT row_number, value FROM mart_reject ORDER BY 1").fetchall()
    con.close()
    assert rejected == [(4, "06/08/2022 10:01"), (6, "05/08/2022")]


def test_future_occurred_dates_are_rejected_like_reported_at(tmp_path):
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "i.csv", "source_ref,agency,reported_at,occurred_at,occurred_to\n"
                 + "F1,X Council,05/08/2022,2099-01-01,\n"  # occurred_at in 2099
                 + "F2,X Council,05/08/2022,01/08/2022,2099-01-01\n"  # occurred_to in 2099
                 + f"F3,X Council,05/08/2022,{_day(10)},\n"  # occurred_at ten days ahead
                 + f"F4,X Council,{_day(0)},{_day(0)},{_day(1)}\n"  # today, to tomorrow: kept
                 + "F5,X Council,05/08/2022,01/08/2022,03/08/2022\n")  # ok
    result = run(db, "incidents", [path])
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (5, 2, 3)
    assert result["rejects_by_reason"] == {"occurred_at is in the future": 2,
                                           "occurred_to is in the future": 1}
    con = connect(db, read_only=True)
    rejects = con.execute("SELECT row_number, column_name, value FROM mart_reject "
                          "ORDER BY row_number").fetchall()
    con.close()
    assert rejects[:2] == [(2, "occurred_at", "2099-01-01"), (3, "occurred_to", "2099-01-01")]
    assert scalar(db, "SELECT max(month) FROM mart_incident").year < 2099


def test_police_uk_month_after_this_month_is_rejected(tmp_path):
    db = tmp_path / "w.duckdb"
    header = JAN.read_text(encoding="utf-8").splitlines()[0]
    this_month = datetime.now().strftime("%Y-%m")
    row = (",{},Cleveland Police,Cleveland Police,-1.2,54.6,On or near X,E01011954,"
           "Hartlepool 001A,Anti-social behaviour,,")
    path = write(tmp_path / "p.csv", "\n".join(
        [header, row.format("2099-01"), row.format(this_month), row.format("2022-03")]) + "\n")
    result = run(db, "police-uk", [path])
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (3, 2, 1)
    assert result["rejects_by_reason"] == {"month is in the future": 1}
    assert scalar(db, "SELECT count(*) FROM stg_police_uk WHERE month > DATE '2098-01-01'") == 0


def test_template_dates_in_the_future_are_rejected_but_a_review_may_be_due(tmp_path):
    db = tmp_path / "w.duckdb"
    actions = write(tmp_path / "a.csv", "source_ref,agency,action,action_date\n"
                    f"S1,X Council,warning letter,{_day(30)}\nS1,X Council,CPW,01/09/2022\n")
    cases = write(tmp_path / "c.csv", "case_ref,agency,opened_at,closed_at,first_contact_at\n"
                  f"C1,X Council,{_day(30)},,\nC2,X Council,01/08/2022,{_day(30)},\n"
                  f"C3,X Council,01/08/2022,,{_day(30)}\nC4,X Council,01/08/2022,,\n")
    people = write(tmp_path / "p.csv", "source_ref,agency,role,date_of_birth\n"
                   f"S1,X Council,victim,{_day(30)}\nS1,X Council,witness,14/02/1970\n")
    risk = write(tmp_path / "r.csv", "assessment_ref,agency,assessed_at,case_ref,review_due\n"
                 f"R1,X Council,{_day(30)},C4,\nR2,X Council,01/08/2022,C4,{_day(30)}\n")
    expected = {
        "actions": (actions, {"action_date is in the future": 1}),
        "cases": (cases, {"opened_at is in the future": 1, "closed_at is in the future": 1,
                          "first_contact_at is in the future": 1}),
        "people": (people, {"date_of_birth is in the future": 1}),
        "risk-assessments": (risk, {"assessed_at is in the future": 1}),  # R2's review: kept
    }
    for source, (path, reasons) in expected.items():
        result = run(db, source, [path])
        assert result["rejects_by_reason"] == reasons, source
        assert result["rows_loaded"] == result["rows_read"] - sum(reasons.values()), source


# ---------------------------------------------------------------------------------------------
# messages


@pytest.mark.parametrize("text", ["source_ref,agency,reported_at\n", "source_ref,agency,reported_at"])
def test_a_header_with_no_rows_loads_nothing_and_says_so(tmp_path, text):
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "header-only.csv", text)
    result = run(db, "incidents", [path])
    assert (result["rows_read"], result["rows_loaded"]) == (0, 0)
    assert result["files"][0]["status"] == "loaded"
    assert result["files"][0]["warnings"] == [
        "header-only.csv has a header but no rows: nothing was loaded"]


def test_a_ragged_row_says_how_many_fields_the_header_has(tmp_path):
    path = write(tmp_path / "r.csv", INCIDENTS_HEADER + "A7,X Council,01/01/2022,,nuisance,,449000\n")
    result = run(tmp_path / "w.duckdb", "incidents", [path])
    assert result["rejects_by_reason"] == {"row has 7 fields but the header has 8": 1}


def test_wrong_file_for_the_source_uses_the_right_article(tmp_path):
    path = write(tmp_path / "x.csv", "Month,Crime type\n2022-01,Anti-social behaviour\n")
    with pytest.raises(FileProblem, match=r"; is this an incidents file\?$"):
        run(tmp_path / "w.duckdb", "incidents", [path])
    with pytest.raises(FileProblem, match=r"; is this a cases file\?$"):
        run(tmp_path / "w.duckdb", "cases", [path])


@pytest.mark.parametrize("first_line", [
    "source_ref,agency,reported_at," + ",".join(f"x{i}" for i in range(300_000)),  # many columns
    "source_ref,agency,reported_at," + "y" * 2_000_000,  # one huge name
])
def test_a_first_line_too_long_to_be_a_header_is_one_line(tmp_path, first_line):
    path = write(tmp_path / "long.csv", first_line + "\nA1,X Council,01/01/2022,z\n")
    with pytest.raises(FileProblem) as info:
        run(tmp_path / "w.duckdb", "incidents", [path])
    assert str(info.value).startswith("long.csv: the first line is longer than 1 MB, too long "
                                      "to be a header row")
    assert "block size" not in str(info.value)


def test_a_wide_header_longer_than_the_sniffed_part_is_read_whole(tmp_path):
    extra = [f"extra_column_{i}" for i in range(8000)]  # a header of about 150 KB
    path = write(tmp_path / "wide.csv", ",".join(["source_ref", "agency", "reported_at", *extra])
                 + "\nW1,X Council,01/01/2022" + "," * len(extra) + "\n")
    result = run(tmp_path / "w.duckdb", "incidents", [path])
    assert (result["rows_loaded"], result["rows_rejected"]) == (1, 0)


def test_reject_reasons_quoted_in_the_data_contract_are_the_ones_given(tmp_path):
    from pipelines.ingest import _reason

    contract = (Path(__file__).resolve().parents[2] / "docs" / "data-contract.md").read_text(
        encoding="utf-8")
    source = resolve_source("incidents")
    for column, kind in [("reported_at", "not_a_date"), ("reported_at", "year_before_1900"),
                         ("reported_at", "future"), ("occurred_at", "future"),
                         ("occurred_to", "future"), ("month", "future"),
                         ("source_ref", "key_conflict"), ("closed_at", "closed_before_opened"),
                         ("satisfaction", "not_whole"), ("satisfaction", "out_of_range")]:
        reason = _reason(column, kind, source, {})
        assert f"`{reason}`" in contract, reason


# ---------------------------------------------------------------------------------------------
# cases: the case's own dates and satisfaction


def test_a_case_closed_before_it_opened_or_half_satisfied_is_rejected(tmp_path):
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "c.csv", "case_ref,agency,opened_at,closed_at,satisfaction\n"
                 "C1,X Council,05/08/2022,01/08/2022,4\n"  # closed four days before it opened
                 "C2,X Council,05/08/2022,05/08/2022,3.5\n"  # was stored as 4
                 "C3,X Council,05/08/2022,06/08/2022,4.0\n"  # a spreadsheet's 4: kept
                 "C4,X Council,05/08/2022,,four\n"
                 "C5,X Council,05/08/2022,,7\n"
                 "C6,X Council,05/08/2022,05/08/2022,\n")  # closed the day it opened: kept
    result = run(db, "cases", [path])
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (6, 2, 4)
    assert result["rejects_by_reason"] == {
        "closed_at is before opened_at": 1,
        "satisfaction is not a whole number from 1 to 5": 1,
        "satisfaction is not a number": 1,
        "satisfaction is out of range (expected 1 to 5)": 1,
    }
    con = connect(db, read_only=True)
    held = con.execute("SELECT case_ref, satisfaction FROM stg_cases ORDER BY 1").fetchall()
    rejects = con.execute("SELECT row_number, column_name, value FROM raw_reject "
                          "ORDER BY row_number").fetchall()
    con.close()
    assert held == [("C3", 4), ("C6", None)]
    assert rejects[:2] == [(2, "closed_at", "01/08/2022"), (3, "satisfaction", "3.5")]


# ---------------------------------------------------------------------------------------------
# people whose incident is not held


def test_people_rows_whose_incident_is_not_held_load_with_a_warning(tmp_path):
    db = tmp_path / "w.duckdb"
    people = write(tmp_path / "people.csv", "source_ref,agency,role\n"
                   "I1,X Council,victim\nI2,X Council,victim\nI3,X Council,witness\n")
    result = run(db, "people", [people])
    assert result["rows_loaded"] == 3
    assert result["files"][0]["warnings"] == [
        "people.csv: 3 people rows refer to incidents not loaded yet: load the incidents file "
        "too, or they stay unlinked"]
    incidents = write(tmp_path / "i.csv", "source_ref,agency,reported_at\n"
                      "I1,X Council,01/08/2022\nI2,X Council,01/08/2022\n")
    run(db, "incidents", [incidents])
    assert scalar(db, "SELECT count(*) FROM core_person_role WHERE incident_held") == 2
    more = write(tmp_path / "more.csv", "source_ref,agency,role\n"
                 "I1,X Council,witness\nI4,X Council,victim\n")
    assert run(db, "people", [more])["files"][0]["warnings"] == [
        "more.csv: 1 people row refers to an incident not loaded yet: load the incidents file "
        "too, or they stay unlinked"]
    # incidents and people in one ingest each, incidents first: no warning
    db2 = tmp_path / "w2.duckdb"
    run(db2, "incidents", [incidents])
    linked = write(tmp_path / "linked.csv", "source_ref,agency,role\nI1,X Council,victim\n")
    assert run(db2, "people", [linked])["files"][0]["warnings"] == []


# ---------------------------------------------------------------------------------------------
# the command: --mapping on its own, --allow-shrink, the replaced rows in the text output


def _asb(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True,
                          text=True, timeout=300)


US_MAPPING = """name: us-council
template: incidents
agency: US Council
columns:
  source_ref: Ref
  reported_at: Logged
dates:
  formats: ["%m/%d/%Y"]
"""


def test_asb_ingest_takes_a_mapping_without_source(tmp_path):
    mapping = write(tmp_path / "us.yaml", US_MAPPING)
    export = write(tmp_path / "us.csv", "Ref,Logged\nU1,08/13/2022\nU2,13/08/2022\n")
    db = tmp_path / "w.duckdb"
    done = _asb("ingest", "--db", str(db), "--mapping", str(mapping), str(export), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["rows_loaded"], result["rows_rejected"]) == (1, 1)
    assert result["files"][0]["source"] == "us-council"
    done = _asb("ingest", "--db", str(db), str(export))
    assert done.returncode == 2
    assert done.stderr.startswith("error: --source is required (or --mapping FILE.yaml): one "
                                  "of police-uk, incidents, ")
    assert done.stderr.count("\n") == 1


def test_asb_ingest_says_what_it_replaced_and_refuses_a_shrink(tmp_path):
    db = tmp_path / "w.duckdb"
    done = _asb("ingest", "--db", str(db), "--source", "police-uk", "--quiet", str(JAN))
    assert done.returncode == 0, done.stderr
    lines = JAN.read_text(encoding="utf-8").splitlines(keepends=True)
    few = write(tmp_path / "few.csv", "".join(lines[:21]))
    before = fingerprint(db)
    done = _asb("ingest", "--db", str(db), "--source", "police-uk", "--quiet", str(few))
    assert done.returncode == 2
    assert done.stderr == (
        "error: few.csv: would replace 7,285 rows for Cleveland Police 2022-01 with 20, less "
        "than half of what is held (is it part of a month's file, or a stray row from another "
        "month?); load the complete month's file, or use --allow-shrink to replace them "
        "anyway\n")
    assert fingerprint(db) == before
    done = _asb("ingest", "--db", str(db), "--source", "police-uk", "--quiet",
                "--allow-shrink", str(few))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (
        "few.csv: 20 read, 20 loaded, 0 rejected, 0 duplicate; replaced 7,285 rows for "
        "Cleveland Police 2022-01 with 20")
