"""Ingest export files into the warehouse: validate, keep lineage, reject with reasons.

Every row read ends up loaded, rejected (with file, row, column, reason and the raw row) or
recognised as a duplicate, and ``rows_read == rows_loaded + rows_rejected + rows_duplicate``.
A problem with a whole file raises :class:`~pipelines.errors.FileProblem` and, because each
call is one transaction, leaves the warehouse exactly as it was.

The validation is one SQL pass per file over the file's text columns, registered with DuckDB
under positional names (``c0``, ``c1``, ...), so no header or value from a file is ever
formatted into SQL: values from configuration and mappings go in as parameters.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .config import load_config
from .db import first_row, scalar, transaction
from .errors import FileProblem, ShrinkProblem
from .readers import ReadResult, file_sha256, read_table
from .sources import DEFAULT_DATE_FORMATS, Column, Source, normalise_header

__all__ = ["IngestReport", "ingest_files", "ingest_file"]

Progress = Callable[[str], None]

_YES = ["yes", "y", "true", "t", "1"]
_NO = ["no", "n", "false", "f", "0"]
_BANDS = ["standard", "medium", "high"]
_Q_KEY = re.compile(r"q_[a-z0-9_]+")
#: Date columns that may rightly hold a day still to come; every other date, time or month
#: more than a day ahead rejects its row as in the future.
_MAY_BE_FUTURE = frozenset({"review_due"})


@dataclass
class IngestReport:
    """What happened to one file (or, summed, to a whole ingest)."""

    file: str
    source: str
    status: str = "loaded"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    replaced_force_months: list[str] = field(default_factory=list)
    #: police.uk: per replaced force-month, the rows held before and the rows this file brings
    replacements: list[dict[str, Any]] = field(default_factory=list)
    superseded_rows: int = 0
    file_id: int | None = None
    sha256: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)

    def check(self) -> None:
        """Assert the conservation rule (a programming error if it fails)."""
        total = self.rows_loaded + self.rows_rejected + self.rows_duplicate
        if total != self.rows_read:
            raise AssertionError(
                f"{self.file}: rows_read {self.rows_read} != loaded+rejected+duplicate {total}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(reports: Sequence[IngestReport]) -> dict[str, Any]:
    """Sum file reports into the one JSON object ``asb ingest --json`` prints."""
    reasons: Counter[str] = Counter()
    for r in reports:
        reasons.update(r.rejects_by_reason)
    return {
        "rows_read": sum(r.rows_read for r in reports),
        "rows_loaded": sum(r.rows_loaded for r in reports),
        "rows_rejected": sum(r.rows_rejected for r in reports),
        "rows_duplicate": sum(r.rows_duplicate for r in reports),
        "rejects_by_reason": dict(reasons.most_common()),
        "files": [r.to_dict() for r in reports],
    }


# --------------------------------------------------------------------------------------------
# Column matching


def _with_article(word: str) -> str:
    """``word`` after "a" or "an", by its first letter.

    Examples
    --------
    >>> _with_article("incidents"), _with_article("police-uk")
    ('an incidents', 'a police-uk')
    """
    return f"{'an' if word[:1].lower() in tuple('aeiou') else 'a'} {word}"


def _match_columns(source: Source, result: ReadResult, display: str, extra_required: Sequence[str]
                   ) -> tuple[dict[str, int], list[int]]:
    """Map template column -> position in the file; also return positions of extra columns."""
    found = source.find_columns(result.headers)
    template = source.template
    if extra_required:
        by_norm: dict[str, int] = {}
        for i, header in enumerate(result.headers):
            by_norm.setdefault(normalise_header(header), i)
        for name in extra_required:
            pos = by_norm.get(normalise_header(source.export_column(name)))
            if pos is None:
                pos = by_norm.get(normalise_header(name))
            if pos is not None:
                found[name] = pos
    missing = []
    for col in template.columns:
        if not col.required or col.name in found:
            continue
        if col.name == "agency" and source.agency:
            continue
        missing.append(col.name)
    if missing:
        labels = []
        for name in missing:
            header = source.export_column(name)
            labels.append(f"'{header}'" if header == name else f"'{header}' (for {name})")
        shown = ", ".join(result.headers[:15]) + (" ..." if len(result.headers) > 15 else "")
        what = (f"required column {labels[0]} is missing" if len(labels) == 1
                else f"required columns {', '.join(labels)} are missing")
        raise FileProblem(
            display, f"{what} (columns found: {shown}); is this {_with_article(source.name)} file?"
        )
    for group in template.one_of:
        if not any(c in found for c in group):
            raise FileProblem(display, f"needs a {' or a '.join(repr(c) for c in group)} column")
    used = set(found.values())
    extras = [i for i in range(len(result.headers)) if i not in used]
    return found, extras


def _recode(table: pa.Table, source: Source, positions: dict[str, int]) -> pa.Table:
    """Apply a mapping's ``values:`` recoding (case-insensitive) with pyarrow."""
    for column, mapping in source.values.items():
        if column not in positions or not mapping:
            continue
        i = positions[column]
        col = table.column(i)
        keys = pa.array([k.strip().lower() for k in mapping])
        vals = pa.array(list(mapping.values()))
        idx = pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(col)), value_set=keys)
        recoded = pc.if_else(pc.is_null(idx), col, pc.take(vals, idx))
        table = table.set_column(i, table.field(i), recoded)
    return table


# --------------------------------------------------------------------------------------------
# Validation SQL


@dataclass
class _Check:
    condition: str
    column: str
    kind: str
    value: str


def _reason(column: str, kind: str, source: Source, allowed: dict[str, list[str]]) -> str:
    """A reject reason an analyst can act on (without the offending value, for grouping)."""
    if kind == "missing":
        return f"{column} is blank (it is required)"
    if kind == "not_a_date":
        if tuple(source.date_formats) == DEFAULT_DATE_FORMATS:
            return f"{column} is not a date (expected DD/MM/YYYY or YYYY-MM-DD, optional HH:MM)"
        return f"{column} is not a date in the mapping's format ({', '.join(source.date_formats)})"
    if kind == "year_before_1900":
        return (f"{column} has a year before 1900: write the year in full (12/03/2022, not "
                "12/03/22)")
    if kind == "not_a_month":
        return f"{column} is not a month (expected YYYY-MM)"
    if kind == "not_a_number":
        return f"{column} is not a number"
    if kind == "not_whole":
        if column == "satisfaction":
            return f"{column} is not a whole number from 1 to 5"
        return f"{column} is not a whole number"
    if kind == "not_yes_no":
        return f"{column} is not yes or no"
    if kind == "not_allowed":
        return f"{column} is not one of {', '.join(allowed[column])}"
    if kind == "unknown_action":
        return (
            f"{column} is not a configured tool or power (add it to 'actions' in the "
            "configuration, or recode it in the mapping)"
        )
    if kind == "outside_gb":
        return f"{column} is outside Great Britain"
    if kind == "half_coordinate":
        return f"{column} is blank but its pair is given (give both coordinates or neither)"
    if kind == "future":
        return f"{column} is in the future"
    if kind == "window_reversed":
        return f"{column} is before occurred_at"
    if kind == "closed_before_opened":
        return f"{column} is before opened_at"
    if kind == "after_report":
        return (f"{column} is after reported_at (it cannot have happened after it was "
                "reported: check the two dates, or whether day and month are swapped)")
    if kind == "out_of_range":
        return f"{column} is out of range (expected 1 to 5)"
    if kind == "one_of_missing":
        return f"{column} is blank (give a source_ref or a case_ref)"
    if kind == "key_conflict":
        return f"{column} is repeated in this file with different values"
    raise ValueError(kind)


def _build_select(
    source: Source,
    positions: dict[str, int],
    q_keys: list[str],
    config: dict[str, Any],
    keep_original: bool = False,
) -> tuple[str, list[Any], dict[str, list[str]]]:
    """Return (validation SQL over ``_in``, parameters, allowed values) for a file.

    The query has three layers so each value is trimmed and cast once: ``r`` holds the
    trimmed text (``r_<column>``), ``t`` the typed values (``<column>``), and the final
    select adds ``reject_column``, ``reject_kind`` and ``reject_value`` for the first rule a
    row breaks (all NULL for a good row). With ``keep_original`` the untrimmed text is kept
    too (``o_<column>``), for the raw layer.
    """
    params: list[Any] = []

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    fmt_ref: list[str] = []

    def fmt_param() -> str:
        if not fmt_ref:
            fmt_ref.append(param(list(source.date_formats)))
        return fmt_ref[0]

    template = source.template
    allowed = {
        "category": list(config["categories"]),
        "role": list(config["roles"]),
        "risk_band": _BANDS,
        "band": _BANDS,
        "override_band": _BANDS,
    }
    raw_selects = ["_in.__row AS row_number", "_in.__idx AS __idx", "_in.__extra AS extra"]
    typed_selects = ["r.row_number", "r.__idx", "r.extra"]
    checks: list[_Check] = []
    joins = ""
    columns: list[Column] = list(template.columns) + [Column(k) for k in q_keys]
    for col in columns:
        name = col.name
        raw = f"r_{name}"
        if name in positions:
            raw_sql = f"NULLIF(trim(_in.c{positions[name]}), '')"
        else:
            raw_sql = "CAST(NULL AS VARCHAR)"
        if name == "agency" and source.agency:
            raw_sql = f"coalesce({raw_sql}, {param(source.agency)})"
        raw_selects.append(f"{raw_sql} AS {raw}")
        if keep_original:
            original = f"_in.c{positions[name]}" if name in positions else "CAST(NULL AS VARCHAR)"
            raw_selects.append(f"{original} AS o_{name}")
            typed_selects.append(f"r.o_{name}")
        kind = col.kind
        if kind == "text":
            typed = raw
        elif kind in ("datetime", "date"):
            typed = f"try_strptime({raw}, {fmt_param()})"
            if kind == "date":
                typed = f"CAST({typed} AS DATE)"
            checks.append(_Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "not_a_date", raw))
            # "12/03/22" matches %Y as the year 22: never a date an export means
            checks.append(_Check(f"{name} < DATE '1900-01-01'", name, "year_before_1900", raw))
        elif kind == "month":
            typed = (
                f"CASE WHEN regexp_full_match({raw}, '[0-9]{{4}}-[0-9]{{2}}') "
                f"THEN CAST(try_strptime({raw} || '-01', '%Y-%m-%d') AS DATE) END"
            )
            checks.append(_Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "not_a_month", raw))
        elif kind == "float":
            typed = f"TRY_CAST({raw} AS DOUBLE)"
            checks.append(_Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "not_a_number", raw))
        elif kind == "int":
            # A cast to INTEGER rounds ("3.5" would be stored as 4): only a whole number is
            # taken ("4.0", as a spreadsheet may write it, is 4).
            number = f"TRY_CAST({raw} AS DOUBLE)"
            typed = f"CASE WHEN {number} = round({number}) THEN TRY_CAST({number} AS INTEGER) END"
            checks.append(_Check(f"{number} IS NOT NULL AND {name} IS NULL", name, "not_whole",
                                 raw))
            checks.append(_Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "not_a_number", raw))
        elif kind == "bool":
            typed = (
                f"CASE WHEN list_contains({param(_YES)}, lower({raw})) THEN TRUE "
                f"WHEN list_contains({param(_NO)}, lower({raw})) THEN FALSE END"
            )
            checks.append(_Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "not_yes_no", raw))
        elif kind in ("category", "role", "band"):
            typed = f"CASE WHEN list_contains({param(allowed[name])}, lower({raw})) THEN lower({raw}) END"
            checks.append(_Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "not_allowed", raw))
        elif kind == "action":
            joins += f" LEFT JOIN _actions ON _actions.alias = lower(r.{raw})"
            typed = "_actions.name"
            checks.append(
                _Check(f"{raw} IS NOT NULL AND {name} IS NULL", name, "unknown_action", raw)
            )
        else:  # pragma: no cover - template definitions are ours
            raise ValueError(kind)
        if col.required and not col.blank_ok:
            checks.append(_Check(f"{raw} IS NULL", name, "missing", "NULL"))
        typed_selects.append(f"r.{raw}")
        typed_selects.append(f"{typed} AS {name}")

    # Rules that involve more than one column (on the typed values).
    names = set(template.column_names)
    if {"latitude", "longitude"} <= names:
        checks.append(_Check("(latitude IS NULL) <> (longitude IS NULL)", "latitude/longitude",
                             "half_coordinate", "NULL"))
        checks.append(_Check("latitude NOT BETWEEN 49 AND 61", "latitude", "outside_gb",
                             "r_latitude"))
        checks.append(_Check("longitude NOT BETWEEN -9 AND 2.5", "longitude", "outside_gb",
                             "r_longitude"))
    if {"easting", "northing"} <= names:
        checks.append(_Check("(easting IS NULL) <> (northing IS NULL)", "easting/northing",
                             "half_coordinate", "NULL"))
        checks.append(_Check("easting NOT BETWEEN 0 AND 700000", "easting", "outside_gb",
                             "r_easting"))
        checks.append(_Check("northing NOT BETWEEN 0 AND 1300000", "northing", "outside_gb",
                             "r_northing"))
    # No date, time or month more than a day ahead (a day's grace for clocks and time zones);
    # for a month, nothing after the month that day falls in. The limit is our own clock's,
    # written as a literal: police.uk's SQL becomes a view, and a view takes no parameters.
    ahead = datetime.now().replace(microsecond=0) + timedelta(days=1)
    for col in template.columns:
        if col.kind not in ("datetime", "date", "month") or col.name in _MAY_BE_FUTURE:
            continue
        limit = (f"DATE '{ahead:%Y-%m}-01'" if col.kind == "month"
                 else f"TIMESTAMP '{ahead:%Y-%m-%d %H:%M:%S}'")
        checks.append(_Check(f"{col.name} > {limit}", col.name, "future", f"r_{col.name}"))
    if {"occurred_at", "occurred_to"} <= names:
        checks.append(_Check("occurred_to < occurred_at", "occurred_to", "window_reversed",
                             "r_occurred_to"))
    if {"occurred_at", "reported_at"} <= names:
        # Behaviour cannot start after it was reported; a day's grace for a time typed
        # roughly (a call logged at 22:01 about something "at about 22:05").
        checks.append(_Check("occurred_at > reported_at + INTERVAL 1 DAY", "occurred_at",
                             "after_report", "r_occurred_at"))
    if {"opened_at", "closed_at"} <= names:
        checks.append(_Check("closed_at < opened_at", "closed_at", "closed_before_opened",
                             "r_closed_at"))
    if "satisfaction" in names:
        checks.append(_Check("satisfaction NOT BETWEEN 1 AND 5", "satisfaction", "out_of_range",
                             "r_satisfaction"))
    for group in template.one_of:
        cond = " AND ".join(f"r_{c} IS NULL" for c in group)
        checks.append(_Check(cond, group[0], "one_of_missing", "NULL"))

    def case(part: str) -> str:
        whens = " ".join(f"WHEN {c.condition} THEN {getattr(c, part)}" for c in checks)
        return f"CASE {whens} END"

    for c in checks:
        c.column = f"'{c.column}'"
        c.kind = f"'{c.kind}'"
    sql = (
        f"WITH r AS (SELECT {', '.join(raw_selects)} FROM _in), "
        f"t AS (SELECT {', '.join(typed_selects)} FROM r{joins}) "
        f"SELECT *, {case('column')} AS reject_column, {case('kind')} AS reject_kind, "
        f"CAST({case('value')} AS VARCHAR) AS reject_value FROM t"
    )
    return sql, params, allowed


# --------------------------------------------------------------------------------------------
# One file


def _actions_frame(config: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for item in config["actions"]:
        rows.append((str(item["name"]).lower(), item["name"]))
        if item.get("label"):
            rows.append((str(item["label"]).lower(), item["name"]))
    names = {str(item["name"]).lower(): item["name"] for item in config["actions"]}
    for alias, target in (config.get("action_aliases") or {}).items():
        if str(target).lower() in names:
            rows.append((str(alias).lower(), names[str(target).lower()]))
    return pd.DataFrame(rows, columns=["alias", "name"]).drop_duplicates("alias")


def _extra_json(result: ReadResult, extras: list[int]) -> pa.Array:
    if not extras:
        return pa.nulls(result.table.num_rows, type=pa.string())
    names = [result.headers[i] for i in extras]
    cols = [result.table.column(i).to_pylist() for i in extras]
    out = []
    for values in zip(*cols, strict=True):
        item = {k: v for k, v in zip(names, values, strict=True) if v not in (None, "")}
        out.append(json.dumps(item, ensure_ascii=False) if item else None)
    return pa.array(out, type=pa.string())


def _records(result: ReadResult, indices: list[int]) -> list[str]:
    subset = result.table.take(pa.array(indices, type=pa.int64())).to_pylist()
    return [json.dumps(row, ensure_ascii=False) for row in subset]


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: str | Path,
    *,
    config: dict[str, Any] | None = None,
    display: str | None = None,
    progress: Progress | None = None,
    allow_shrink: bool = False,
) -> IngestReport:
    """Ingest one file inside the caller's transaction (see :func:`ingest_files`)."""
    config = config or load_config()
    path = Path(path)
    display = display or path.name
    say = progress or (lambda _msg: None)
    template = source.template
    say(f"{display}: reading")
    with ThreadPoolExecutor(max_workers=1) as pool:  # hash the file while it is parsed
        sha_future = pool.submit(file_sha256, path) if path.is_file() else None
        result = read_table(path, encoding=source.encoding, delimiter=source.delimiter,
                            sheet=source.sheet, display=display)
        sha = sha_future.result() if sha_future else ""
    q_keys: list[str] = []
    if template.name == "risk-assessments":
        q_keys = [q["key"] for q in config["risk_matrix"]["questions"]
                  if _Q_KEY.fullmatch(str(q["key"]))]
    positions, extras = _match_columns(source, result, display, q_keys)
    report = IngestReport(file=display, source=source.name, sha256=sha,
                          encoding=result.encoding, delimiter=result.delimiter)
    report.rows_read = result.rows_read

    held = first_row(
        con,
        "SELECT file_id FROM raw_file WHERE sha256 = ? AND source_name = ? AND status = 'loaded'",
        [sha, source.name],
    )
    file_id = int(scalar(con, "SELECT nextval('raw_file_seq')"))
    report.file_id = file_id
    now = datetime.now().replace(microsecond=0)
    if held is not None:
        report.status = f"skipped: identical to file {held[0]} already loaded"
        report.rows_duplicate = report.rows_read
        _record_file(con, report, source, result, path, now, "skipped-identical")
        report.check()
        return report

    say(f"{display}: validating {result.table.num_rows:,} rows")
    table = _recode(result.table, source, positions)
    n = table.num_rows
    arrays = [table.column(i) for i in range(table.num_columns)]
    names = [f"c{i}" for i in range(table.num_columns)]
    arrays += [result.row_numbers, pa.array(range(n), type=pa.int64()),
               _extra_json(result, extras)]
    names += ["__row", "__idx", "__extra"]
    con.register("_in", pa.table(arrays, names=names))
    con.register("_actions", _actions_frame(config))
    police = template.name == "police-uk"
    try:
        sql, params, allowed = _build_select(source, positions, q_keys, config,
                                             keep_original=police)
        if police:
            # One pass: validate while writing the raw layer (stg_police_uk is a view on it).
            con.execute(f"CREATE OR REPLACE TEMP VIEW _v AS {sql}", params)
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _v AS {sql}", params)
            # Raw layer: every row as received.
            values = ", ".join(f"c{i}" for i in range(result.table.num_columns))
            con.execute(
                f"INSERT INTO raw_export_row SELECT ?, __row, to_json([{values}]) FROM _in",
                [file_id],
            )
        cols = template.column_names
        stg_cols = list(cols)
        if template.name == "risk-assessments":
            answers = ", ".join(f"{k} := {k}" for k in q_keys) or "none := NULL"
            answers_sql = f"to_json(struct_pack({answers})) AS answers"
        else:
            answers_sql = None
        # (row index in the file's table, column, reason, value)
        reject_rows: list[tuple[int, str, str, str | None]] = []
        if police:
            say(f"{display}: loading")
            originals = ", ".join(f"o_{c}" for c in cols)
            con.execute(
                f"INSERT INTO raw_police_uk SELECT ?, row_number, {originals}, extra, "
                "reject_kind IS NOT NULL, reject_column, reject_kind, reject_value FROM _v",
                [file_id],
            )
            report.rows_loaded = int(scalar(
                con, "SELECT count(*) FROM raw_police_uk WHERE file_id = ? AND NOT rejected",
                [file_id]))
            # What each force-month held before (the rows of its latest file, as
            # int_incident keeps them) against what this file brings.
            months = con.execute(
                "WITH mine AS (SELECT trim(falls_within) AS force, trim(month) AS month, "
                "count(*) AS rows_new FROM raw_police_uk WHERE file_id = ? AND NOT rejected "
                "GROUP BY ALL), "
                "held AS (SELECT mine.force, mine.month, r.file_id, count(*) AS rows_held "
                "FROM raw_police_uk r JOIN mine ON trim(r.falls_within) = mine.force "
                "AND trim(r.month) = mine.month WHERE r.file_id <> ? AND NOT r.rejected "
                "GROUP BY mine.force, mine.month, r.file_id "
                "QUALIFY r.file_id = max(r.file_id) OVER (PARTITION BY mine.force, mine.month)) "
                "SELECT mine.force || ' ' || mine.month, held.rows_held, mine.rows_new "
                "FROM mine JOIN held USING (force, month) ORDER BY 1",
                [file_id, file_id],
            ).fetchall()
            report.replaced_force_months = [m[0] for m in months]
            report.replacements = [
                {"force_month": m, "rows_held": int(h), "rows_new": int(n)} for m, h, n in months
            ]
            report.superseded_rows = sum(int(h) for _m, h, _n in months)
            if not allow_shrink:
                _refuse_shrinking(display, months)
        else:
            hash_parts = ", ".join(
                f"coalesce(CAST({c} AS VARCHAR), '\u2205')" for c in cols + q_keys
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _ok AS SELECT *, "
                f"md5(concat_ws(chr(31), {hash_parts}, coalesce(CAST(extra AS VARCHAR), ''))) "
                "AS row_hash FROM _v WHERE reject_kind IS NULL"
            )
            key = template.key
            if key:
                part = ", ".join(key)
                conflict = (f"row_hash <> first_value(row_hash) OVER (PARTITION BY {part} "
                            "ORDER BY row_number)")
            else:
                conflict = "FALSE"
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _ok2 AS SELECT *, "
                f"({conflict}) AS is_conflict, "
                "(row_number() OVER (PARTITION BY row_hash ORDER BY row_number) > 1) AS dup_file, "
                f"(row_hash IN (SELECT row_hash FROM {template.table})) AS dup_held "
                "FROM _ok"
            )
            extra_select = f", {answers_sql}" if answers_sql else ""
            say(f"{display}: loading")
            con.execute(
                f"INSERT INTO {template.table} BY NAME SELECT ? AS file_id, row_number, "
                f"? AS source_name, {', '.join(stg_cols)}, extra, row_hash{extra_select} "
                "FROM _ok2 WHERE NOT is_conflict AND NOT dup_file AND NOT dup_held",
                [file_id, source.name],
            )
            counts = first_row(
                con,
                "SELECT count(*) FILTER (WHERE NOT is_conflict AND NOT dup_file AND NOT dup_held),"
                " count(*) FILTER (WHERE NOT is_conflict AND (dup_file OR dup_held)) FROM _ok2",
            )
            assert counts is not None
            report.rows_loaded = int(counts[0])
            report.rows_duplicate = int(counts[1])
            key_col = key[-1] if key else ""
            for idx, value in con.execute(
                f"SELECT __idx, CAST({key_col or 'NULL'} AS VARCHAR) FROM _ok2 "
                "WHERE is_conflict ORDER BY __idx"
            ).fetchall():
                reject_rows.append((idx, key_col, _reason(key_col, "key_conflict", source, allowed),
                                    value))
            if template.name == "people":
                # A person links to an incident by agency + source_ref; the link is made on
                # every rebuild, so an incidents file loaded later still links these rows.
                unlinked = int(scalar(
                    con,
                    "SELECT count(*) FROM stg_people p WHERE p.file_id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM stg_incidents i WHERE i.agency = p.agency "
                    "AND i.source_ref = p.source_ref)",
                    [file_id],
                ))
                if unlinked:
                    rows = ("people row refers to an incident" if unlinked == 1
                            else "people rows refer to incidents")
                    report.warnings.append(
                        f"{display}: {unlinked:,} {rows} not loaded yet: load the incidents "
                        "file too, or they stay unlinked")
            if key:
                report.superseded_rows = int(scalar(
                    con,
                    f"SELECT count(*) FROM (SELECT DISTINCT {', '.join(key)} FROM _ok2 "
                    "WHERE NOT is_conflict AND NOT dup_file AND NOT dup_held) n "
                    f"WHERE EXISTS (SELECT 1 FROM {template.table} s WHERE "
                    + " AND ".join(f"s.{k} = n.{k}" for k in key)
                    + " AND s.file_id <> ?)",
                    [file_id],
                ))

        if police:
            found = con.execute(
                "SELECT row_number, reject_column, reject_kind, reject_value FROM raw_police_uk "
                "WHERE file_id = ? AND rejected ORDER BY row_number",
                [file_id],
            ).fetchall()
            if found:
                index_of = {r: i for i, r in enumerate(result.row_numbers.to_pylist())}
                found = [(index_of[r], c, k, v) for r, c, k, v in found]
        else:
            found = con.execute(
                "SELECT __idx, reject_column, reject_kind, reject_value FROM _v "
                "WHERE reject_kind IS NOT NULL ORDER BY __idx"
            ).fetchall()
        for idx, column, kind, value in found:
            reject_rows.append((idx, column, _reason(column, kind, source, allowed), value))
    finally:
        if police:
            with contextlib.suppress(duckdb.Error):
                con.execute("DROP VIEW IF EXISTS _v")
        _unregister(con, "_in", "_actions")

    rows_by_idx = result.row_numbers.to_pylist() if reject_rows else []
    records = _records(result, [r[0] for r in reject_rows]) if reject_rows else []
    reject_frame = pd.DataFrame(
        {
            "file_id": file_id,
            "row_number": [rows_by_idx[r[0]] for r in reject_rows],
            "column_name": [r[1] for r in reject_rows],
            "reason": [r[2] for r in reject_rows],
            "value": [r[3] for r in reject_rows],
            "record": records,
        }
    )
    bad_frame = pd.DataFrame(
        {
            "file_id": file_id,
            "row_number": [b.row_number for b in result.bad_rows],
            "column_name": None,
            "reason": [b.reason for b in result.bad_rows],
            "value": None,
            "record": [json.dumps({"line": b.text}, ensure_ascii=False) for b in result.bad_rows],
        }
    )
    for frame in (reject_frame, bad_frame):
        if len(frame):
            con.register("_rej", frame)
            con.execute(
                "INSERT INTO raw_reject SELECT file_id, row_number, column_name, reason, value, "
                "CAST(record AS JSON) FROM _rej"
            )
            con.unregister("_rej")
    reasons: Counter[str] = Counter(r[2] for r in reject_rows)
    reasons.update(b.reason.split(" (")[0] for b in result.bad_rows)
    report.rejects_by_reason = dict(reasons.most_common())
    report.rows_rejected = len(reject_rows) + len(result.bad_rows)
    if report.rows_read == 0:
        report.warnings.append(f"{display} has a header but no rows: nothing was loaded")
    _record_file(con, report, source, result, path, now, "loaded")
    report.check()
    say(
        f"{display}: {report.rows_loaded:,} loaded, {report.rows_rejected:,} rejected, "
        f"{report.rows_duplicate:,} duplicate"
    )
    return report


def _refuse_shrinking(display: str, months: Sequence[tuple[str, int, int]]) -> None:
    """Refuse a police.uk file that would leave a force-month it replaces with fewer than half
    of the rows held: more likely part of a month's file, or a stray row from another month,
    than a revision (police.uk revisions move a few rows, not thousands)."""
    shrunk = [(m, int(h), int(n)) for m, h, n in months if 2 * int(n) < int(h)]
    if not shrunk:
        return
    parts = [f"{h:,} rows for {m} with {n:,}" for m, h, n in shrunk[:3]]
    if len(shrunk) > 3:
        parts.append(f"{len(shrunk) - 3} more force-months likewise")
    raise ShrinkProblem(
        display, ' and '.join(parts) if len(parts) < 3 else ', '.join(parts))


def _unregister(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop registered views; quietly, since an aborted transaction refuses even that."""
    for name in names:
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)


def _record_file(con: duckdb.DuckDBPyConnection, report: IngestReport, source: Source,
                 result: ReadResult, path: Path, now: datetime, status: str) -> None:
    con.execute(
        "INSERT INTO raw_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            report.file_id, source.name, source.template.name, report.file, report.sha256,
            path.stat().st_size, result.encoding, result.delimiter,
            json.dumps(result.headers, ensure_ascii=False), json.dumps(source.to_dict()),
            now, status, report.rows_read, report.rows_loaded, report.rows_rejected,
            report.rows_duplicate,
        ],
    )


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    paths: Sequence[str | Path],
    *,
    config: dict[str, Any] | None = None,
    progress: Progress | None = None,
    rebuild: bool = True,
    dry_run: bool = False,
    allow_shrink: bool = False,
) -> list[IngestReport]:
    """Ingest files as one transaction, then rebuild the core and mart layers.

    On any problem the transaction is rolled back and the warehouse is left as it was.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable connection to an initialised warehouse (see :func:`pipelines.warehouse.connect`).
    source : Source
        From :func:`pipelines.sources.resolve_source`.
    paths : sequence of path-like
        The files.
    rebuild : bool
        Rebuild core and mart tables in the same transaction (default). Turn off only when the
        caller rebuilds afterwards itself, inside the same transaction.
    dry_run : bool
        Validate and count exactly as a real ingest would, then roll back: the reports say what
        would be loaded, rejected (and why) and recognised as duplicates, and the warehouse is
        unchanged. The dashboard's upload shows this before the user commits.
    allow_shrink : bool
        Let a police.uk file replace a force-month with fewer than half of the rows held
        (refused by default: such a file is more often part of a month, or a stray row, than a
        revision).
    """
    from .warehouse import build

    config = config or load_config()
    reports: list[IngestReport] = []
    if dry_run:
        con.execute("BEGIN TRANSACTION")
        try:
            for path in paths:
                reports.append(ingest_file(con, source, path, config=config, progress=progress,
                                           allow_shrink=allow_shrink))
        finally:
            con.execute("ROLLBACK")
        return reports
    with transaction(con):
        for path in paths:
            reports.append(ingest_file(con, source, path, config=config, progress=progress,
                                           allow_shrink=allow_shrink))
        if rebuild:
            build(con, progress=progress)
    return reports
