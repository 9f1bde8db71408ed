"""The warehouse side of the ASB case review: complaints, applications and their mart.

:func:`load_complaints` reads what :func:`pipelines.analysis.case_review.assess` needs from
the warehouse (``mart_person_incident``).

``app_case_review_application`` is an *app table*: the dashboard (a form, or a CSV import
using the template in ``docs/examples/case-review-applications.csv``) writes it, and no
warehouse build touches its rows (builds only create it when it is missing). Each application
names the applicant by their agency references (``agency:person_ref``), which stay the same
when record linkage changes who is linked to whom; the person is resolved when the mart is
built.

``mart_case_review`` joins each application to the warehouse: the person, their CSP area, and
what the data said on the day the application was received (the case review status and its
reasons), beside the decision the partnership recorded. The governance return and the Case
reviews page read it; :func:`refresh_mart` rebuilds it after every change.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .analysis.case_review import Rules, assess, rules_from_config
from .config import load_config
from .errors import FileProblem

__all__ = [
    "APPLICATION_TABLE",
    "complaints_sql",
    "report_span_sql",
    "load_complaints",
    "TEMPLATE_COLUMNS",
    "Application",
    "ImportResult",
    "ensure_application_table",
    "parse_refs",
    "add_application",
    "import_applications",
    "read_applications",
    "refresh_mart",
    "template_csv",
]

APPLICATION_TABLE = "app_case_review_application"

#: Columns of the CSV template, in order (``person_refs`` and ``received_on`` are required).
TEMPLATE_COLUMNS = ("application_id", "person_refs", "received_on", "csp_code",
                    "threshold_met", "threshold_reason", "review_held_on",
                    "recommendations_made", "notes")

_DDL = """
CREATE TABLE IF NOT EXISTS app_case_review_application (
    application_id       VARCHAR PRIMARY KEY,  -- the partnership's reference (or made)
    person_refs          VARCHAR[] NOT NULL,   -- the applicant's agency:person_ref references
    received_on          DATE NOT NULL,        -- when the application was received
    csp_code             VARCHAR,              -- the CSP area (blank: from the data)
    threshold_met        BOOLEAN,              -- the decision: true / false / blank while undecided
    threshold_reason     VARCHAR,              -- why it was (not) met, as told to the applicant
    review_held_on       DATE,                 -- when the case review was carried out
    recommendations_made BOOLEAN,              -- whether the review made recommendations
    notes                VARCHAR,
    source               VARCHAR NOT NULL,     -- form | the imported file's name
    recorded_by          VARCHAR,
    recorded_at          TIMESTAMP NOT NULL
);
"""

_YES = {"yes", "y", "true", "t", "1"}
_NO = {"no", "n", "false", "f", "0"}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")


def ensure_application_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``app_case_review_application`` if it is missing (never changes its rows)."""
    con.execute(_DDL)


def parse_refs(text: str | Sequence[str] | None) -> list[str]:
    """Agency references from text: separated by ``;``, ``|`` or new lines.

    Examples
    --------
    >>> parse_refs("Cleveland Police:NOM1; Tees Valley Homes:T22 |")
    ['Cleveland Police:NOM1', 'Tees Valley Homes:T22']
    """
    if text is None:
        return []
    parts = text if not isinstance(text, str) else re.split(r"[;|\n]", text)
    seen: dict[str, None] = {}
    for p in parts:
        p = str(p).strip()
        if p:
            seen.setdefault(p, None)
    return list(seen)


def _date(value: object) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date (expected DD/MM/YYYY or YYYY-MM-DD)")


def _yes_no(value: object) -> bool | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("expected yes or no (or blank while not decided)")


@dataclass(frozen=True)
class Application:
    """One application, validated."""

    person_refs: tuple[str, ...]
    received_on: date
    application_id: str | None = None
    csp_code: str | None = None
    threshold_met: bool | None = None
    threshold_reason: str | None = None
    review_held_on: date | None = None
    recommendations_made: bool | None = None
    notes: str | None = None

    def problems(self, today: date | None = None) -> list[tuple[str, str]]:
        """``(column, reason)`` for everything wrong with the application."""
        today = today or date.today()
        out = []
        if not self.person_refs:
            out.append(("person_refs", "give at least one agency reference (agency:person_ref)"))
        for ref in self.person_refs:
            if ":" not in ref:
                out.append(("person_refs", f"{ref!r} is not agency:person_ref"))
        if self.received_on > today + timedelta(days=1):
            out.append(("received_on", "is in the future"))
        if self.review_held_on is not None:
            if self.review_held_on < self.received_on:
                out.append(("review_held_on", "is before the application was received"))
            if self.threshold_met is False:
                out.append(("review_held_on", "a review is carried out only when the "
                                              "threshold is met (threshold_met is no)"))
            if self.review_held_on > today + timedelta(days=1):
                out.append(("review_held_on", "is in the future"))
        if self.recommendations_made is not None and self.review_held_on is None:
            out.append(("recommendations_made", "give review_held_on: recommendations come "
                                                "from a review"))
        return out


def _next_id(con: duckdb.DuckDBPyConnection, received_on: date) -> str:
    prefix = f"CR-{received_on:%Y}-"
    taken = {r[0] for r in con.execute(
        "SELECT application_id FROM app_case_review_application WHERE application_id LIKE ?",
        [prefix + "%"]).fetchall()}
    n = len(taken) + 1
    while f"{prefix}{n:04d}" in taken:
        n += 1
    return f"{prefix}{n:04d}"


def _upsert(con: duckdb.DuckDBPyConnection, app: Application, source: str,
            recorded_by: str | None) -> str:
    app_id = app.application_id or _next_id(con, app.received_on)
    con.execute("DELETE FROM app_case_review_application WHERE application_id = ?", [app_id])
    con.execute(
        "INSERT INTO app_case_review_application VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [app_id, list(app.person_refs), app.received_on, app.csp_code, app.threshold_met,
         app.threshold_reason, app.review_held_on, app.recommendations_made, app.notes,
         source, recorded_by, datetime.now().replace(microsecond=0)])
    return app_id


def add_application(con: duckdb.DuckDBPyConnection, app: Application, *,
                    recorded_by: str | None = None, source: str = "form",
                    config: dict[str, Any] | None = None) -> str:
    """Record (or replace, by ``application_id``) one application and refresh the mart.

    Raises
    ------
    ValueError
        The application has problems (the message lists them).
    """
    problems = app.problems()
    if problems:
        raise ValueError("; ".join(f"{c}: {r}" for c, r in problems))
    ensure_application_table(con)
    app_id = _upsert(con, app, source, recorded_by)
    refresh_mart(con, config)
    return app_id


@dataclass
class ImportResult:
    """What a CSV import did: rows loaded and rows rejected (row number, column, reason)."""

    file: str
    loaded: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.loaded) + len({r[0] for r in self.rejected})


def _decode(data: bytes, name: str) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
    mark, else Windows-1252; a file with binary data in it is refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem(name, "cannot be read as UTF-16 text: save it as CSV UTF-8 "
                                    "and import it again") from None
    if data[:2] == b"PK":
        raise FileProblem(name, "looks like an Excel or zip file, not a CSV: save it as CSV "
                                "UTF-8 and import it again")
    if b"\x00" in data[:8192]:
        raise FileProblem(name, "contains binary data, not text: save it as CSV UTF-8 (the "
                                "template's layout) and import it again")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem(name, "cannot be read as text: save it as CSV UTF-8 and import it again")


def _read_csv(source: str | Path | bytes, name: str) -> pd.DataFrame:
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source
    text = _decode(data, name).lstrip("\ufeff")
    if not text.strip():
        raise FileProblem(name, "the file is empty: download the template, fill it in and "
                                "import it again")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        first = (str(exc).splitlines() or ["unreadable"])[0]
        raise FileProblem(name, f"is not a CSV table ({first}); the template columns are "
                                f"{', '.join(TEMPLATE_COLUMNS)}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("person_refs", "received_on") if c not in frame.columns]
    if missing:
        raise FileProblem(name, f"required column(s) {', '.join(missing)} missing; the template "
                                f"columns are {', '.join(TEMPLATE_COLUMNS)}")
    return frame


def import_applications(con: duckdb.DuckDBPyConnection, source: str | Path | bytes, *,
                        name: str | None = None, recorded_by: str | None = None,
                        config: dict[str, Any] | None = None,
                        today: date | None = None) -> ImportResult:
    """Load applications from a CSV in the template's layout.

    Valid rows are recorded (an ``application_id`` already held is replaced: re-import the
    file when a review date or outcome is added); each invalid row is reported with its row
    number (header is row 1), column and reason, and not loaded. Runs in the caller's
    transaction.
    """
    name = name or (Path(source).name if isinstance(source, str | Path) else "upload.csv")
    frame = _read_csv(source, name)
    ensure_application_table(con)
    result = ImportResult(name)
    for i, row in enumerate(frame.to_dict("records"), start=2):
        problems: list[tuple[str, str]] = []

        def get(column: str, convert: Any, row: dict = row, problems: list = problems) -> Any:
            try:
                return convert(row.get(column))
            except ValueError as exc:
                problems.append((column, str(exc)))
                return None

        received = get("received_on", _date)
        if received is None and not any(c == "received_on" for c, _ in problems):
            problems.append(("received_on", "is required"))
        app = Application(
            person_refs=tuple(parse_refs(row.get("person_refs"))),
            received_on=received or date.today(),
            application_id=(row.get("application_id") or "").strip() or None,
            csp_code=(row.get("csp_code") or "").strip() or None,
            threshold_met=get("threshold_met", _yes_no),
            threshold_reason=(row.get("threshold_reason") or "").strip() or None,
            review_held_on=get("review_held_on", _date),
            recommendations_made=get("recommendations_made", _yes_no),
            notes=(row.get("notes") or "").strip() or None,
        )
        if not problems:
            problems = app.problems(today)
        if problems:
            result.rejected.extend((i, c, r) for c, r in problems)
            continue
        result.loaded.append(_upsert(con, app, name, recorded_by))
    refresh_mart(con, config)
    return result


def read_applications(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every application recorded, newest first."""
    ensure_application_table(con)
    return con.execute("SELECT * FROM app_case_review_application "
                       "ORDER BY received_on DESC, application_id").df()


def template_csv() -> str:
    """The import template: the header and one example row."""
    return (",".join(TEMPLATE_COLUMNS) + "\n"
            "CR-2022-0001,Cleveland Police:NOM1999453; Redcar and Cleveland Council:RCBC-P351244,"
            "14/03/2022,E06000003,yes,,28/03/2022,yes,Reviewed at the CSP case review panel\n")


_MART_COLUMNS = ["application_id", "received_on", "person_id", "person_ids", "person_refs",
                 "refs_found", "csp_code", "csp_name", "threshold_met", "threshold_reason",
                 "review_held_on", "recommendations_made", "data_status",
                 "data_qualifying_incidents", "data_reasons", "notes", "source",
                 "recorded_at"]


def complaints_sql(roles: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL and parameters for every report by a person in one of ``roles``."""
    return (
        "SELECT person_id, incident_id, incident_group_id, role, person_record_ids, agency, "
        "source_ref, reported_at, occurred_at, occurred_to, hate_related, location_key, "
        "coalesce(place_label, location_text) AS location_text, "
        "CASE WHEN place_kind = 'premises' THEN place_id END AS premises_id, "
        "easting, northing, csp_code FROM mart_person_incident "
        "WHERE role IN (SELECT unnest(?)) AND reported_at IS NOT NULL "
        "ORDER BY person_id, reported_at, incident_id", [list(roles)])


def report_span_sql(roles: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL and parameters for the first and last days (``first``, ``last``) with a report by
    a person in one of ``roles`` (both null when there is none)."""
    return (
        "SELECT CAST(min(reported_at) AS DATE) AS first, CAST(max(reported_at) AS DATE) AS last "
        "FROM mart_person_incident WHERE role IN (SELECT unnest(?)) AND reported_at IS NOT NULL",
        [list(roles)])


def load_complaints(con: duckdb.DuckDBPyConnection, roles: Sequence[str]) -> pd.DataFrame:
    """Every report by a person in one of ``roles``: the input of the case review ledger."""
    sql, params = complaints_sql(roles)
    return con.execute(sql, params).df()


def refresh_mart(con: duckdb.DuckDBPyConnection, config: dict[str, Any] | None = None) -> int:
    """Rebuild ``mart_case_review`` from the applications and the warehouse; returns rows.

    For each application: the people its references resolve to (through record linkage),
    the CSP area (as recorded, else the area of the applicant's latest report before the
    application), and the case review status the data gives on the day it was received, with
    its reasons, pooling every record the application names.
    """
    config = config or load_config()
    rules: Rules = rules_from_config(config)
    ensure_application_table(con)
    apps = con.execute("SELECT * FROM app_case_review_application ORDER BY application_id").df()
    rows = []
    if not apps.empty:
        links = dict(con.execute(
            "SELECT person_record_id, person_id FROM core_person_link").fetchall())
        names = dict(con.execute("SELECT csp_code, csp_name FROM core_area_csp").fetchall())
        complaints = load_complaints(con, rules.qualifying_roles)
        for app in apps.to_dict("records"):
            refs = [str(r) for r in app["person_refs"]]
            ids = list(dict.fromkeys(links[r] for r in refs if r in links))
            mine = complaints[complaints["person_id"].isin(ids)].assign(
                person_id=app["application_id"])
            received = pd.Timestamp(app["received_on"]).date()
            status, n, reasons = None, None, None
            csp = app["csp_code"]
            if ids:
                review = assess(mine, received, rules)
                reasons = " | ".join(review.reasons_for(app["application_id"]))
                match = review.people[review.people["person_id"] == app["application_id"]]
                status = match.iloc[0]["status"] if not match.empty else "below"
                n = int(match.iloc[0]["qualifying_incidents"]) if not match.empty else 0
                if not csp:
                    before = mine[pd.to_datetime(mine["reported_at"]).dt.date <= received]
                    before = before.dropna(subset=["csp_code"]).sort_values("reported_at")
                    csp = before["csp_code"].iloc[-1] if not before.empty else None
            rows.append({
                "application_id": app["application_id"], "received_on": received,
                "person_id": ids[0] if ids else None, "person_ids": ids, "person_refs": refs,
                "refs_found": len([r for r in refs if r in links]), "csp_code": csp,
                "csp_name": names.get(csp) if csp else None,
                "threshold_met": app["threshold_met"],
                "threshold_reason": app["threshold_reason"],
                "review_held_on": app["review_held_on"],
                "recommendations_made": app["recommendations_made"],
                "data_status": status if ids else "references not found",
                "data_qualifying_incidents": n, "data_reasons": reasons,
                "notes": app["notes"], "source": app["source"],
                "recorded_at": app["recorded_at"]})
    frame = pd.DataFrame(rows, columns=_MART_COLUMNS)
    con.register("_cr_mart", frame)
    try:
        con.execute("""
            CREATE OR REPLACE TABLE mart_case_review AS
            SELECT
                CAST(application_id AS VARCHAR)            AS application_id,
                CAST(received_on AS DATE)                  AS received_on,
                CAST(person_id AS VARCHAR)                 AS person_id,
                CAST(person_ids AS VARCHAR[])              AS person_ids,
                CAST(person_refs AS VARCHAR[])             AS person_refs,
                CAST(refs_found AS INTEGER)                AS refs_found,
                CAST(csp_code AS VARCHAR)                  AS csp_code,
                CAST(csp_name AS VARCHAR)                  AS csp_name,
                CAST(threshold_met AS BOOLEAN)             AS threshold_met,
                CAST(threshold_reason AS VARCHAR)          AS threshold_reason,
                CAST(review_held_on AS DATE)               AS review_held_on,
                CAST(recommendations_made AS BOOLEAN)      AS recommendations_made,
                CAST(data_status AS VARCHAR)               AS data_status,
                CAST(data_qualifying_incidents AS INTEGER) AS data_qualifying_incidents,
                CAST(data_reasons AS VARCHAR)              AS data_reasons,
                CAST(notes AS VARCHAR)                     AS notes,
                CAST(source AS VARCHAR)                    AS source,
                CAST(recorded_at AS TIMESTAMP)             AS recorded_at
            FROM _cr_mart
            ORDER BY received_on, application_id
        """)
    finally:
        con.unregister("_cr_mart")
    return len(frame)
