"""The audit trail: every view of a person-level page or export, and who made it.

``app_audit`` is an *app table*: the dashboard writes it, no warehouse build touches it (builds
replace only ``core_``, ``int_`` and ``mart_`` tables). It holds who, when, what and from
where; never the content that was shown.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

__all__ = ["AUDIT_TABLE", "ensure_audit_table", "record", "audit_query", "read_audit"]

AUDIT_TABLE = "app_audit"

_DDL = """
CREATE SEQUENCE IF NOT EXISTS app_audit_seq START 1;
CREATE TABLE IF NOT EXISTS app_audit (
    audit_id   BIGINT PRIMARY KEY DEFAULT nextval('app_audit_seq'),
    viewed_at  TIMESTAMP NOT NULL,   -- when (local time of the server)
    username   VARCHAR NOT NULL,     -- who: the signed-in user name or e-mail
    role       VARCHAR NOT NULL,     -- their role at the time
    action     VARCHAR NOT NULL,     -- view | export | refused | upload | sign-in
    page       VARCHAR NOT NULL,     -- the page or export
    subject_id VARCHAR,              -- the person (record id) or other subject viewed
    client     VARCHAR               -- from where: the client address, when known
);
"""


def ensure_audit_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``app_audit`` if it is missing (idempotent)."""
    con.execute(_DDL)


def record(con: duckdb.DuckDBPyConnection, *, username: str, role: str, action: str, page: str,
           subject_id: str | None = None, client: str | None = None,
           at: datetime | None = None) -> None:
    """Append one audit row (creating the table if needed)."""
    ensure_audit_table(con)
    con.execute(
        "INSERT INTO app_audit (viewed_at, username, role, action, page, subject_id, client) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [at or datetime.now().replace(microsecond=0), username, role, action, page, subject_id,
         client],
    )


def audit_query(search: str = "", start: date | None = None, end: date | None = None
                ) -> tuple[str, list]:
    """SQL and parameters for the audit rows matching a free-text search and dates."""
    sql = ("SELECT viewed_at, username, role, action, page, subject_id, client FROM app_audit "
           "WHERE 1 = 1")
    params: list = []
    if search:
        sql += (" AND (username ILIKE ? OR page ILIKE ? OR coalesce(subject_id, '') ILIKE ? "
                "OR action ILIKE ?)")
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        sql = sql.replace("ILIKE ?", "ILIKE ? ESCAPE '\\'")
        params += [like] * 4
    if start is not None:
        sql += " AND viewed_at >= ?"
        params.append(datetime.combine(start, datetime.min.time()))
    if end is not None:
        sql += " AND viewed_at < ?"
        params.append(datetime.combine(end + timedelta(days=1), datetime.min.time()))
    return sql + " ORDER BY viewed_at DESC, audit_id DESC", params


def read_audit(con: duckdb.DuckDBPyConnection, search: str = "", start: date | None = None,
               end: date | None = None) -> pd.DataFrame:
    """The audit rows, newest first (empty when nothing has been recorded yet)."""
    ensure_audit_table(con)
    sql, params = audit_query(search, start, end)
    return con.execute(sql, params).df()
