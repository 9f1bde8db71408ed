"""Reading export files: quotes, encodings, blank rows and over-long rows (pipelines.readers)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from pipelines.errors import FileProblem
from pipelines.ingest import ingest_files, summarise
from pipelines.readers import read_table
from pipelines.sources import resolve_source
from pipelines.warehouse import connect

HEADER = "source_ref,agency,reported_at,category,description\n"


def rows(count: int, start: int = 1) -> list[str]:
    return [f"Q-{i:04d},Redcar Council,05/08/2022,nuisance,row {i}\n"
            for i in range(start, start + count)]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def problem(path: Path) -> str:
    with pytest.raises(FileProblem) as info:
        read_table(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def column(path: Path, name: str) -> list[str]:
    return read_table(path).table.column(name).to_pylist()


# ---------------------------------------------------------------------------------------------
# quotes


def test_an_unclosed_quote_that_runs_to_the_end_of_the_file_stops_the_file(tmp_path):
    lines = rows(1000)
    lines[1] = 'Q-0002,Redcar Council,05/08/2022,nuisance,"He said ""stop it\n'
    path = write(tmp_path / "unclosed.csv", HEADER + "".join(lines))
    assert problem(path) == ("unclosed.csv: row 3 opens a quote that is never closed (it runs to "
                             "the end of the file, line 1,001): add the closing quote and load "
                             "again")


def test_an_unclosed_quote_on_the_last_but_one_row_stops_the_file(tmp_path):
    # Only one row is taken in, and without a line break at the end of the file.
    lines = [*rows(5), 'Q-0006,Redcar Council,05/08/2022,nuisance,"unclosed quote\n',
             "Q-0007,Redcar Council,05/08/2022,nuisance,after"]
    path = write(tmp_path / "late.csv", HEADER + "".join(lines))
    assert problem(path) == ("late.csv: row 7 opens a quote that is never closed (it runs to the "
                             "end of the file, line 8): add the closing quote and load again")


def test_an_unclosed_quote_in_a_middle_column_stops_the_file(tmp_path):
    # The row it starts has too few fields: it would be one rejected row standing for three.
    lines = [*rows(2), 'Q-0003,"Redcar Council,05/08/2022,nuisance,x\n', *rows(2, start=4)]
    path = write(tmp_path / "middle.csv", HEADER + "".join(lines))
    assert problem(path).startswith("middle.csv: row 4 opens a quote that is never closed (it runs "
                                    "to the end of the file, line 6)")


def test_a_quote_left_open_until_a_later_quote_stops_the_file(tmp_path):
    lines = rows(60)
    lines[2] = 'Q-0003,Redcar Council,05/08/2022,nuisance,"He said ""stop it\n'
    lines[49] = 'Q-0050,Redcar Council,05/08/2022,nuisance,"She said ""go away"""\n'
    path = write(tmp_path / "paired.csv", HEADER + "".join(lines))
    assert problem(path) == (
        "paired.csv: row 4 has a quoted value that runs over 48 lines and takes in lines that "
        "look like rows of their own ('Q-0004,Redcar Council,05/08/2022,nuisanc…'): a closing "
        "quote is probably missing; fix it and load again")


def test_multi_line_values_still_load_with_their_row_numbers(tmp_path):
    text = (HEADER
            + 'Q-0001,Redcar Council,05/08/2022,nuisance,"Loud music\r\nand shouting, twice"\r\n'
            + "Q-0002,Redcar Council,05/08/2022,nuisance,plain\r\n"
            + 'Q-0003,Redcar Council,05/08/2022,nuisance,"Caller said:\n- noise, bangs, music, '
              'dogs\n- ""again"" at 2am"\n')
    path = write(tmp_path / "multi.csv", text)
    result = read_table(path)
    assert result.table.column("description").to_pylist() == [
        "Loud music\r\nand shouting, twice", "plain",
        'Caller said:\n- noise, bangs, music, dogs\n- "again" at 2am']
    assert result.row_numbers.to_pylist() == [2, 3, 4]
    assert (result.rows_read, result.bad_rows) == (3, [])


def test_a_line_of_a_value_that_happens_to_have_the_header_s_field_count_still_loads(tmp_path):
    # Four commas in a typed line, but it does not start like a row ("A-9") of this file.
    text = HEADER + ('Q-0001,Redcar Council,05/08/2022,nuisance,"Seen:\nnoise, bins, dogs, '
                     'cars, bikes"\n') + "".join(rows(1, start=2))
    assert read_table(write(tmp_path / "prose.csv", text)).rows_read == 2


def test_a_quote_opened_on_the_last_line_loses_no_row(tmp_path):
    text = HEADER + "".join(rows(2)) + 'Q-0003,Redcar Council,05/08/2022,nuisance,"no end'
    assert column(write(tmp_path / "last.csv", text), "description")[-1] == "no end"


# ---------------------------------------------------------------------------------------------
# encodings


def test_a_file_mixing_utf8_and_windows_1252_stops_at_the_first_odd_line(tmp_path):
    utf8 = "".join(f"M-{i:05d},Redcar Council,05/08/2022,nuisance,Café Nero {'x' * 50}\n"
                   for i in range(30_000)).encode("utf-8")
    cp1252 = "M-99999,Redcar Council,05/08/2022,nuisance,£5\n".encode("cp1252")
    path = tmp_path / "mixedenc.csv"
    path.write_bytes(HEADER.encode() + utf8 + cp1252 + utf8[:200] + cp1252)
    assert problem(path) == (
        "mixedenc.csv: mixes UTF-8 and Windows-1252 text (line 30,002 and 1 more is not UTF-8): "
        "save it again as UTF-8, or retype the accented characters on that line, and load it "
        "again")


def test_a_small_mixed_file_names_its_line(tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes(HEADER.encode() + "Q-1,X,05/08/2022,nuisance,Café\n".encode()
                     + "Q-2,X,05/08/2022,nuisance,£5\n".encode("cp1252"))
    assert problem(path) == (
        "small.csv: mixes UTF-8 and Windows-1252 text (line 3 is not UTF-8): save it again as "
        "UTF-8, or retype the accented characters on that line, and load it again")


def test_a_windows_1252_file_loads_as_before_with_its_accented_header(tmp_path):
    text = "source_ref;agency;reported_at;catégorie;description\r\n"
    text += "".join(f"W{i};Redcar Council;05/08/2022;nuisance;£{i} café\r\n" for i in range(3))
    result = read_table(write(tmp_path / "w.csv", text, "cp1252"))
    assert (result.encoding, result.delimiter) == ("cp1252", ";")
    assert result.headers[3] == "catégorie"
    assert result.table.column("description").to_pylist() == ["£0 café", "£1 café", "£2 café"]


# ---------------------------------------------------------------------------------------------
# blank rows


BLANKS = (HEADER + "Q-0001,Redcar Council,05/08/2022,nuisance,x\r\n"  # row 2
          + "\r\n"  # 3: a blank line
          + ",,,,\r\n"  # 4: Excel's blank row
          + "  ,\t, ,,\r\n"  # 5: spaces only
          + ",,\r\n"  # 6: too few separators, but nothing in them
          + "   \r\n"  # 7: a line of spaces
          + "Q-0008,Redcar Council,05/08/2022,nuisance,y\r\n"  # 8
          + ",,,,,\r\n"  # 9: one separator too many, still nothing in it
          + "Q-0010,Redcar Council\r\n"  # 10: a ragged row is still a rejected row
          + ',"",,,\r\n\r\n')  # 11 and 12


def test_blank_lines_and_rows_of_empty_fields_are_skipped_and_not_counted(tmp_path):
    result = read_table(write(tmp_path / "blanks.csv", "\ufeff" + BLANKS))
    assert result.table.column("source_ref").to_pylist() == ["Q-0001", "Q-0008"]
    assert result.row_numbers.to_pylist() == [2, 8]
    assert [(b.row_number, b.text) for b in result.bad_rows] == [(10, "Q-0010,Redcar Council")]
    assert result.rows_read == 3


def test_a_workbook_and_its_csv_read_the_same_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in BLANKS.replace("\r\n", "\n").splitlines():
        sheet.append([v.strip('"') or None for v in line.split(",")] if line.strip() else [])
    book.save(tmp_path / "blanks.xlsx")
    workbook = read_table(tmp_path / "blanks.xlsx")
    text = read_table(write(tmp_path / "blanks.csv", BLANKS))
    assert workbook.row_numbers.to_pylist() == [2, 8, 10]
    assert workbook.table.column("source_ref").to_pylist() == ["Q-0001", "Q-0008", "Q-0010"]
    assert text.rows_read == workbook.rows_read == 3


def test_a_csv_of_only_blank_rows_after_its_header_reads_no_rows(tmp_path):
    result = read_table(write(tmp_path / "none.csv", HEADER + ",,,,\n\n,,,,\n"))
    assert (result.rows_read, result.table.column_names) == (0, HEADER.strip().split(","))


# ---------------------------------------------------------------------------------------------
# over-long rows


def test_a_value_longer_than_16_mb_is_one_line_naming_its_row(tmp_path):
    text = HEADER + "".join(rows(3)) + "Q-0004,Redcar Council,05/08/2022,nuisance," + "x" * (33 << 20)
    assert problem(write(tmp_path / "huge.csv", text + "\n" + "".join(rows(1, start=5)))) == (
        "huge.csv: row 5 has a value longer than 16 MB ('description', 33.0 MB): shorten it and "
        "load again")


def test_an_unclosed_quote_longer_than_16_mb_says_so(tmp_path):
    lines = rows(200_000)
    lines[1] = 'Q-0002,Redcar Council,05/08/2022,nuisance,"He said ""stop it\n'
    path = write(tmp_path / "big.csv", HEADER + "".join(lines) + "x" * (10 << 20) + "\n")
    assert path.stat().st_size > 16 << 20
    assert problem(path) == ("big.csv: row 3 opens a quote that is never closed (it runs to the "
                             "end of the file, line 200,002): add the closing quote and load again")


# ---------------------------------------------------------------------------------------------
# through the ingest


def test_an_unclosed_quote_leaves_the_warehouse_as_it_was(empty_db, tmp_path):
    lines = rows(10)
    lines[1] = 'Q-0002,Redcar Council,05/08/2022,nuisance,"He said ""stop it\n'
    bad = write(tmp_path / "unclosed.csv", HEADER + "".join(lines))
    good = write(tmp_path / "good.csv", HEADER + "".join(rows(3, start=20)))
    con = connect(empty_db())
    try:
        with pytest.raises(FileProblem, match=r"^unclosed\.csv: row 3 opens a quote"):
            ingest_files(con, resolve_source("incidents"), [good, bad])  # good is rolled back too
        held = con.execute("SELECT (SELECT count(*) FROM raw_file), "
                           "(SELECT count(*) FROM raw_reject)").fetchone()
    finally:
        con.close()
    assert held == (0, 0)


def test_blank_rows_are_not_counted_by_the_ingest(empty_db, tmp_path):
    con = connect(empty_db())
    try:
        reports = ingest_files(con, resolve_source("incidents"),
                               [write(tmp_path / "blanks.csv", BLANKS)])
    finally:
        con.close()
    result = summarise(reports)
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (3, 2, 1)
    assert result["rejects_by_reason"] == {"row has 2 fields but the header has 5": 1}
