"""Read an export file into a table of strings, whatever its format, encoding or delimiter.

Every value is read as text: casting is the warehouse's job, so that a bad value becomes a
rejected row with a reason rather than a failed file. Rows with the wrong number of fields are
returned separately (``bad_rows``) so the ingest can reject them with their row number.

Row numbers are spreadsheet rows: the header is row 1 and the first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import FileProblem

__all__ = ["ReadResult", "BadRow", "read_table", "file_sha256"]

#: How much of a CSV is read to find its encoding and header row: a header row longer than
#: this (a thousand columns of long names would be 64 KB) is not a header.
_HEADER_BYTES = 1 << 20


@dataclass
class BadRow:
    """A line that could not be split into the header's columns."""

    row_number: int | None
    text: str
    reason: str


@dataclass
class ReadResult:
    """A file read as text columns.

    Attributes
    ----------
    table : pyarrow.Table
        One string column per header column, in file order (duplicate headers suffixed
        ``.2``, ``.3``; blank headers named ``column_N``).
    row_numbers : pyarrow.Array
        The spreadsheet row number of each table row.
    headers : list of str
        The header names as they appear in the file (after de-duplication).
    bad_rows : list of BadRow
        Rows that could not be read as a table row.
    encoding, delimiter : str
        What was used to read the file (``None`` for Excel and Parquet).
    """

    table: pa.Table
    row_numbers: pa.Array
    headers: list[str]
    bad_rows: list[BadRow] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def rows_read(self) -> int:
        return self.table.num_rows + len(self.bad_rows)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dedupe_headers(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(names):
        name = raw.replace("\ufeff", "").strip() or f"column_{i + 1}"
        key = name.lower()
        if key in seen:
            seen[key] += 1
            name = f"{name}.{seen[key]}"
        else:
            seen[key] = 1
        out.append(name)
    return out


def _detect_encoding(data_head: bytes, hint: str | None) -> str | None:
    """The encoding named by a hint or a byte-order mark; ``None`` means "UTF-8, else
    Windows-1252", decided while reading (the CSV reader checks UTF-8 as it goes)."""
    if hint:
        hint = hint.lower()
        return {"utf8": "utf-8", "windows-1252": "cp1252", "iso-8859-1": "latin-1"}.get(hint, hint)
    if data_head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data_head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _fallback_encoding(data_head: bytes) -> str:
    try:
        data_head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in head[:8192]


def _detect_delimiter(header_line: str, hint: str | None) -> str:
    if hint:
        return hint
    counts = {d: 0 for d in (",", ";", "\t", "|")}
    in_quotes = False
    for ch in header_line:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def _read_csv(
    path: Path, display: str, encoding: str | None, delimiter: str | None
) -> ReadResult:
    with path.open("rb") as fh:
        head = fh.read(_HEADER_BYTES)
        more = bool(fh.read(1))
    if not head.strip():
        raise FileProblem(display, "the file is empty")
    if head[:2] == b"PK":
        raise FileProblem(
            display,
            "this looks like an Excel or zip file, not a CSV: save it with a .xlsx extension or "
            "export it as CSV",
        )
    if _looks_binary(head):
        raise FileProblem(display, "not a table: the file contains binary data, not text")
    enc = _detect_encoding(head, encoding)
    try:
        text_head = head.decode(enc or "utf-8", errors="replace")
    except LookupError:
        raise FileProblem(display, f"unknown text encoding {enc!r}") from None
    header_line = _first_line(text_head.lstrip("\ufeff"))
    if more and len(header_line) == len(text_head.lstrip("\ufeff")):
        raise FileProblem(
            display,
            f"the first line is longer than {_HEADER_BYTES >> 20} MB, too long to be a header row "
            "of column names: is this a CSV export with one row per line?",
        )
    if not header_line.strip():
        raise FileProblem(display, "the first line is blank: expected a header row of column names")
    delim = _detect_delimiter(header_line, delimiter)
    headers = next(csv.reader([header_line], delimiter=delim))
    if len(headers) < 2:
        raise FileProblem(
            display,
            "not a table: the header row has only one column (expected comma, semicolon or "
            "tab separated column names)",
        )
    names = _dedupe_headers(headers)
    if not more and not text_head.lstrip("\ufeff")[len(header_line):].strip():
        # A header and nothing else (with or without a line break after it).
        empty = pa.table([pa.array([], type=pa.string()) for _ in names], names=names)
        return ReadResult(empty, pa.array([], type=pa.int64()), names, [], enc or "utf-8", delim)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names}, strings_can_be_null=False
    )

    def read(threads: bool, handler):  # type: ignore[no-untyped-def]
        pa_encoding = "utf8" if enc in (None, "utf-8", "utf-8-sig") else enc
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                use_threads=threads,
                encoding=pa_encoding,
                block_size=1 << 24,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, invalid_row_handler=handler
            ),
            convert_options=convert,
        )

    bad: list[tuple[int | None, str, int]] = []

    def collect(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    try:
        try:
            table = read(True, collect)
        except pa.ArrowInvalid as exc:
            if enc is not None or "UTF8" not in str(exc).upper():
                raise
            enc = _fallback_encoding(head)  # not UTF-8: an Excel export in Windows-1252
            bad.clear()
            table = read(True, collect)
        if bad:
            # Line numbers are only known when reading on one thread: read again to get them.
            bad.clear()
            table = read(False, collect)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        message = str(exc).splitlines()[0][:200]
        raise FileProblem(display, f"could not be read as a table ({message})") from None

    n = table.num_rows
    bad_lines = sorted(b[0] for b in bad if b[0] is not None)
    if not bad_lines:
        row_numbers = pa.array(range(2, n + 2), type=pa.int64())
    else:
        numbers: list[int] = []
        skip = set(bad_lines)
        line = 2
        while len(numbers) < n:
            if line not in skip:
                numbers.append(line)
            line += 1
        row_numbers = pa.array(numbers, type=pa.int64())
    bad_rows = [
        BadRow(
            number,
            text,
            f"row has {actual} fields but the header has {len(names)} "
            "(a missing or extra separator, or an unclosed quote)",
        )
        for number, text, actual in bad
    ]
    return ReadResult(table, row_numbers, names, bad_rows, enc or "utf-8", delim)


#: Parts of an Excel number format that say nothing about time: quoted text, escaped
#: characters, and bracketed colours or locales ("[Red]", "[$-809]"; not "[h]").
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)


def _shows_time(number_format: str | None) -> bool:
    """Whether an Excel number format shows a time ("dd/mm/yyyy hh:mm", "h:mm AM/PM")."""
    plain = _FORMAT_LITERALS.sub("", number_format or "").lower()
    return any(code in plain for code in ("h", "s", "am/pm", "a/p"))


def _excel_text(value: object, number_format: str | None) -> str:
    """A cell's value as text. A date cell whose format shows no time ("12/03/2022") is written
    as a date ("2022-03-12"), so that, like a CSV's date, it is known to have no time; other
    dates and times as ISO text ("2022-03-12 00:00:00"); whole numbers without ".0".

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.datetime(2022, 3, 12)
    >>> _excel_text(day, "dd/mm/yyyy"), _excel_text(day, "dd/mm/yyyy hh:mm")
    ('2022-03-12', '2022-03-12 00:00:00')
    >>> _excel_text(12.0, "General"), _excel_text(None, "General"), _excel_text(True, "General")
    ('12', '', 'True')
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and not _shows_time(number_format):
            return value.date().isoformat()
        return str(value)
    return str(value)


def _read_excel(path: Path, display: str, sheet: str | None) -> ReadResult:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for corrupt files
        raise FileProblem(display, f"not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileProblem(display, f"could not read the worksheet (Worksheet named "
                                       f"'{sheet}' not found)")
        worksheet = book[sheet] if sheet else book.worksheets[0]
        worksheet.reset_dimensions()  # saved dimensions can be wrong: read what is there
        sheet_rows: list[tuple[int, list[str]]] = []
        for number, row in enumerate(worksheet.iter_rows(min_row=1), start=1):
            values = [_excel_text(getattr(c, "value", None), getattr(c, "number_format", None))
                      for c in row]
            while values and values[-1] == "":
                values.pop()
            if values:  # blank rows are left out; the rest keep their spreadsheet row number
                sheet_rows.append((number, values))
    except FileProblem:
        raise
    except Exception as exc:
        raise FileProblem(display, f"not a readable Excel workbook ({type(exc).__name__})") from None
    finally:
        book.close()
    if not sheet_rows:
        raise FileProblem(display, "the worksheet is empty")
    header, data = sheet_rows[0][1], sheet_rows[1:]
    width = max([len(header)] + [len(v) for _, v in data])
    names = _dedupe_headers([header[i] if i < len(header) and header[i] != "" else f"Unnamed: {i}"
                             for i in range(width)])
    columns = [[v[i] if i < len(v) else "" for _, v in data] for i in range(width)]
    table = pa.table([pa.array(c, type=pa.string()) for c in columns], names=names)
    rows = pa.array([n for n, _ in data], type=pa.int64())
    return ReadResult(table, rows, names)


def _read_parquet(path: Path, display: str) -> ReadResult:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileProblem(display, f"not a readable Parquet file ({str(exc)[:120]})") from None
    names = _dedupe_headers([str(c) for c in table.column_names])
    cols = [col.cast(pa.string()).fill_null("") for col in table.columns]
    table = pa.table(cols, names=names)
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int64())
    return ReadResult(table, rows, names)


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    display: str | None = None,
) -> ReadResult:
    """Read a CSV, Excel or Parquet export as text columns.

    Parameters
    ----------
    path : path-like
        The file.
    encoding, delimiter, sheet : str, optional
        Override detection (from a mapping's ``read:`` section).
    display : str, optional
        The name to use in messages (defaults to the file name).

    Raises
    ------
    FileProblem
        The file is missing, empty, binary, or not a table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes("a;b\\r\\n1;caf\\xe9\\r\\n".encode("cp1252"))
    >>> r = read_table(p)
    >>> r.encoding, r.delimiter, r.table.column("b").to_pylist(), r.row_numbers.to_pylist()
    ('cp1252', ';', ['café'], [2])
    """
    path = Path(path)
    display = display or path.name
    if not path.exists():
        raise FileProblem(display, "file not found")
    if path.is_dir():
        raise FileProblem(display, "is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, display, sheet)
    if suffix == ".xls":
        raise FileProblem(display, "old .xls workbooks are not supported: save as .xlsx or CSV")
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path, display)
    return _read_csv(path, display, encoding, delimiter)
