"""Read an export file into a table of strings, whatever its format, encoding or delimiter.

Every value is read as text: casting is the warehouse's job, so that a bad value becomes a
rejected row with a reason rather than a failed file. Rows with the wrong number of fields are
returned separately (``bad_rows``) so the ingest can reject them with their row number.

Row numbers are spreadsheet rows: the header is row 1 and the first data row is row 2. Blank
rows (blank lines, or every field empty as in Excel's ",,,,") are left out and not counted in
``rows_read``; the rows after them keep their spreadsheet row number.

A file that cannot be read whole and right raises :class:`FileProblem` rather than losing rows:
a quote that is never closed, text that mixes UTF-8 and Windows-1252, a row longer than 16 MB.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import FileProblem

__all__ = ["ReadResult", "BadRow", "read_table", "file_sha256"]

#: How much of a CSV is read to find its encoding and header row: a header row longer than
#: this (a thousand columns of long names would be 64 KB) is not a header.
_HEADER_BYTES = 1 << 20

#: A CSV is read in blocks of this many bytes, and a row must fit in one: a longer row is
#: refused (no incident holds 16 MB of text; an unclosed quote can take in that much).
_BLOCK_BYTES = 1 << 24

#: A line written after a file's end to see whether a quote is still open: it is a row of its
#: own unless the quote takes it in. Control characters keep it from matching any real row.
_END_MARK = "\x1fASB-END-OF-FILE\x1f"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
    Windows-1252", decided by :func:`_choose_encoding`."""
    if hint:
        hint = hint.lower()
        return {"utf8": "utf-8", "windows-1252": "cp1252", "iso-8859-1": "latin-1"}.get(hint, hint)
    if data_head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data_head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


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


def _header(
    text_head: str, more: bool, display: str, delimiter: str | None
) -> tuple[str, str, list[str]]:
    """The header line, the delimiter and the column names, from the decoded start of a CSV."""
    text = text_head.lstrip("\ufeff")
    header_line = _first_line(text)
    if more and len(header_line) == len(text):
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
    return header_line, delim, _dedupe_headers(headers)


def _choose_encoding(path: Path, display: str) -> str:
    """UTF-8 if the whole file is UTF-8, else Windows-1252 (Latin-1 if it holds bytes that
    Windows-1252 leaves undefined).

    A file that mixes the two (UTF-8 lines with accents, and lines that are not UTF-8: two
    exports pasted together) is refused. Reading it all as Windows-1252 would garble every UTF-8
    accent ("CafÃ©"), and guessing line by line could garble a line unseen: whoever has the file
    can fix the lines named. A Windows-1252 line with accents reads as UTF-8 only if it holds
    mojibake such as "Ã©", so a line with accents that reads as UTF-8 is UTF-8.

    Raises
    ------
    FileProblem
        The file mixes UTF-8 and Windows-1252 text.
    """
    first = count = 0
    utf8_text, cp1252 = False, True
    line, rest = 1, b""
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            data = rest + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)  # whole lines only
            data, rest = data[:cut], data[cut:]
            if not data:
                if not chunk:
                    break
                continue
            try:
                data.decode("utf-8")
                utf8_text = utf8_text or not data.isascii()
                line += data.count(b"\n")
                continue
            except UnicodeDecodeError:
                pass
            pieces = data.split(b"\n")  # line by line only where a chunk is not UTF-8
            if data.endswith(b"\n"):
                pieces.pop()
            for number, piece in enumerate(pieces, start=line):
                try:
                    piece.decode("utf-8")
                    utf8_text = utf8_text or not piece.isascii()
                except UnicodeDecodeError:
                    first = first or number
                    count += 1
                    try:
                        piece.decode("cp1252")
                    except UnicodeDecodeError:
                        cp1252 = False
            line += len(pieces)
    if not first:
        return "utf-8"
    if utf8_text:
        more_lines = f" and {count - 1:,} more" if count > 1 else ""
        raise FileProblem(
            display,
            f"mixes UTF-8 and Windows-1252 text (line {first:,}{more_lines} is not UTF-8): save "
            "it again as UTF-8, or retype the accented characters on that line, and load it again",
        )
    return "cp1252" if cp1252 else "latin-1"


def _python_codec(enc: str, head: bytes) -> str:
    """The Python codec that writes text as the file is written (without a byte-order mark)."""
    name = codecs.lookup(enc).name
    if name == "utf-8-sig":
        return "utf-8"
    if name in ("utf-16", "utf-32"):
        big = codecs.BOM_UTF16_BE if name == "utf-16" else codecs.BOM_UTF32_BE
        return name + ("-be" if head.startswith(big) else "-le")
    return name


def _line_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _is_blank_line(text: str, delim: str) -> bool:
    """Whether a line holds only separators, quotes and spaces."""
    return not re.sub(r'[\s"]', "", text.replace(delim, ""))


def _shape(value: str) -> str:
    """A value's shape: runs of letters become "A" and runs of digits "9" ("RC-0601" is "A-9")."""
    return re.sub(r"[0-9]+", "9", re.sub(r"[A-Za-z]+", "A", value))


def _swallowed_rows(
    table: pa.Table, row_numbers: pa.Array, bad: list[tuple[int | None, str, int]], delim: str
) -> tuple[int, int, str] | None:
    """The first row with a value that takes in lines that look like rows of their own.

    A quote opened and never closed makes the lines after it part of one value, up to the next
    quote or the end of the file. A genuine multi-line value (a description typed over a few
    lines) holds text, not lines with the header's number of fields whose first value has the
    shape of the file's first column ("A-9" for "RC-0601").

    Returns
    -------
    (row number, lines the value runs over, the first line that looks like a row), or ``None``.
    """
    candidates: list[tuple[int, str]] = []
    for column in table.columns:
        where = pc.indices_nonzero(pc.match_substring_regex(column, r"[\r\n]"))
        if len(where):
            candidates += zip(row_numbers.take(where).to_pylist(), column.take(where).to_pylist(),
                              strict=True)
    candidates += [(n, text) for n, text, _ in bad if n is not None and _LINE_BREAK.search(text)]
    if not candidates:
        return None
    first = table.column(0) if table.num_rows else pa.chunked_array([], type=pa.string())
    shapes = set(pc.unique(pc.replace_substring_regex(
        pc.replace_substring_regex(first, "[A-Za-z]+", "A"), "[0-9]+", "9")).to_pylist())
    for row, text in sorted(candidates):
        lines = _LINE_BREAK.split(text)
        for line in lines[1:1001]:  # a runaway quote shows itself in its first lines
            try:
                fields = next(csv.reader([line], delimiter=delim), [])
            except csv.Error:
                continue
            if len(fields) == table.num_columns and (not shapes or _shape(fields[0]) in shapes):
                return row, len(lines), line
    return None


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
    enc = _detect_encoding(head, encoding) or _choose_encoding(path, display)
    try:
        text_head = head.decode(enc, errors="replace")
    except LookupError:
        raise FileProblem(display, f"unknown text encoding {enc!r}") from None
    header_line, delim, names = _header(text_head, more, display, delimiter)
    if not more and not text_head.lstrip("\ufeff")[len(header_line):].strip():
        # A header and nothing else (with or without a line break after it).
        empty = pa.table([pa.array([], type=pa.string()) for _ in names], names=names)
        return ReadResult(empty, pa.array([], type=pa.int64()), names, [], enc, delim)

    bad: list[tuple[int | None, str, int]] = []

    def collect(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    def read(source, threads: bool, handler, block_size: int):  # type: ignore[no-untyped-def]
        pa_encoding = "utf8" if enc in (None, "utf-8", "utf-8-sig") else enc
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                use_threads=threads,
                encoding=pa_encoding,
                block_size=block_size,
            ),
            # Blank lines are read as rows of empty values, so that row numbers count them as a
            # spreadsheet does; they are left out below, with the other blank rows.
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=handler,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            ),
        )

    def parse(block_size: int) -> pa.Table:
        bad.clear()
        table = read(path, True, collect, block_size)
        if bad:
            # Line numbers are only known when reading on one thread: read again to get them.
            bad.clear()
            table = read(path, False, collect, block_size)
        return table

    block_size = _BLOCK_BYTES
    try:
        try:
            table = parse(block_size)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc):
                raise
            # A row does not fit in a block: read the file as one block to say which row it is.
            block_size = min(path.stat().st_size + 1, (1 << 31) - 1)
            table = parse(block_size)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if block_size != _BLOCK_BYTES:
            raise FileProblem(display, f"a row is longer than {_BLOCK_BYTES >> 20} MB: look for "
                                       "a quote that is not closed, fix it and load again") from None
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

    # Blank lines and rows of empty fields (",,,," from Excel) are no rows, as in a workbook:
    # they are left out and not counted; the rows after them keep their spreadsheet row number.
    blank = functools.reduce(
        pc.and_, [pc.equal(pc.utf8_trim_whitespace(c), "") for c in table.columns]
    )
    if n and pc.any(blank).as_py():
        table, row_numbers = table.filter(pc.invert(blank)), row_numbers.filter(pc.invert(blank))
    bad = [b for b in bad if not _is_blank_line(b[1], delim)]

    def open_quote_end() -> int | None:
        """The file's last line number if it ends inside a quoted value, else ``None``: read it
        again with a line after it, which is a row of its own unless a quote is still open."""
        data = path.read_bytes()
        codec = _python_codec(enc, head)
        marks: list[bool] = []

        def spot(row: pacsv.InvalidRow) -> str:
            marks.append(row.text == _END_MARK)
            return "skip"

        read(pa.BufferReader(data + f"\n{_END_MARK}\n".encode(codec)), True, spot, block_size)
        if any(marks):
            return None
        text = data.decode(codec, errors="replace")
        return _line_breaks(text) + (not text.endswith(("\n", "\r")))

    problem = _quote_problem(table, row_numbers, bad, delim, open_quote_end)
    if problem:
        raise FileProblem(display, problem)
    if block_size != _BLOCK_BYTES:
        raise FileProblem(display, _oversized_row(table, row_numbers, bad))

    bad_rows = [
        BadRow(
            number,
            text,
            f"row has {actual} fields but the header has {len(names)} "
            "(a missing or extra separator, or an unclosed quote)",
        )
        for number, text, actual in bad
    ]
    return ReadResult(table, row_numbers, names, bad_rows, enc, delim)


def _quote_problem(
    table: pa.Table,
    row_numbers: pa.Array,
    bad: list[tuple[int | None, str, int]],
    delim: str,
    open_quote_end: Callable[[], int | None],
) -> str | None:
    """What is wrong when a quote left open has taken in the rows after it, else ``None``.

    Parameters
    ----------
    open_quote_end : callable
        Returns the file's last line number if the file ends inside a quoted value, else
        ``None``; called only when the file's last row runs over several lines.
    """
    swallowed = _swallowed_rows(table, row_numbers, bad, delim)
    last_row = int(row_numbers[-1].as_py()) if len(row_numbers) else 0
    last_bad = max((b for b in bad if b[0] is not None), key=lambda b: b[0] or 0, default=None)
    if last_bad is not None and (last_bad[0] or 0) > last_row:
        last_row, last_texts = last_bad[0] or 0, [last_bad[1]]
    else:
        last_texts = list(table.slice(table.num_rows - 1).to_pylist()[0].values()) if last_row else []
    if swallowed is None or swallowed[0] == last_row:
        end = open_quote_end() if any(_LINE_BREAK.search(t) for t in last_texts) else None
        if end is not None:
            return (f"row {last_row:,} opens a quote that is never closed (it runs to the end of "
                    f"the file, line {end:,}): add the closing quote and load again")
    if swallowed is not None:
        row, lines, sample = swallowed
        sample = sample if len(sample) <= 40 else sample[:40] + "…"
        return (f"row {row:,} has a quoted value that runs over {lines:,} lines and takes in "
                f"lines that look like rows of their own ({sample!r}): a closing quote is "
                "probably missing; fix it and load again")
    return None


def _oversized_row(
    table: pa.Table, row_numbers: pa.Array, bad: list[tuple[int | None, str, int]]
) -> str:
    """Which row is too long to read, and what to do about it."""
    limit = f"{_BLOCK_BYTES >> 20} MB"
    # (bytes in the row, row number, its longest value, that value's column)
    rows = [(len(text.encode("utf-8")), number or 0, text, "") for number, text, _ in bad]
    if table.num_rows:
        totals = functools.reduce(pc.add, [pc.binary_length(c) for c in table.columns])
        i = pc.index(totals, pc.max(totals)).as_py()
        values = {name: table.column(name)[i].as_py() for name in table.column_names}
        name = max(values, key=lambda k: len(values[k]))
        rows.append((totals[i].as_py(), row_numbers[i].as_py(), values[name], name))
    if not rows:
        return f"a row is longer than {limit}: look for a quote that is not closed, fix it and load again"
    size, row, value, name = max(rows, key=lambda r: r[0])
    lines = _line_breaks(value) + 1
    if lines > 1:
        return (f"row {row:,} has {size / (1 << 20):,.1f} MB of text running over {lines:,} "
                f"lines, more than the {limit} a row may hold: a closing quote is probably "
                "missing; fix it and load again")
    value_bytes = len(value.encode("utf-8"))
    if name and value_bytes > _BLOCK_BYTES:
        return (f"row {row:,} has a value longer than {limit} ({name!r}, "
                f"{value_bytes / (1 << 20):,.1f} MB): shorten it and load again")
    return (f"row {row:,} is longer than {limit} ({size / (1 << 20):,.1f} MB): shorten its values "
            "and load again")


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
            # Blank rows (empty or spaces only, as in a CSV) are left out; the rest keep their
            # spreadsheet row number.
            if any(v.strip() for v in values):
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
