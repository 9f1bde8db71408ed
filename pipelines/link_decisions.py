"""Analysts' decisions on person links: confirm that two records are one person, or split them.

Decisions live in ``app_link_decision``, which no build drops or rewrites; the record-linkage
step (``pipelines/sql/50_core_person.py``) applies them on every build, so a decision survives
rebuilds and new data. A pair is named by its two ``person_record_id`` values (``agency:ref``),
which stay the same from one build to the next. The latest decision on a pair applies.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from .errors import AnalysisProblem

__all__ = ["DECISIONS", "TABLE_SQL", "ensure_table", "record_decision"]

#: The decisions an analyst can make on a pair of records.
DECISIONS = ("confirm", "split")

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS app_link_decision (
    record_a    VARCHAR NOT NULL,   -- person_record_id
    record_b    VARCHAR NOT NULL,   -- person_record_id
    decision    VARCHAR NOT NULL CHECK (decision IN ('confirm', 'split')),
    decided_by  VARCHAR NOT NULL,
    decided_at  TIMESTAMP NOT NULL,
    reason      VARCHAR NOT NULL
)
"""


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``app_link_decision`` if this warehouse has none yet."""
    con.execute(TABLE_SQL)


def record_decision(
    con: duckdb.DuckDBPyConnection,
    record_a: str,
    record_b: str,
    decision: str,
    *,
    decided_by: str,
    reason: str,
    at: datetime | None = None,
) -> None:
    """Store one decision (it applies from the next build).

    Raises
    ------
    AnalysisProblem
        The decision is not ``confirm`` or ``split``, the reason is blank, the two records are
        the same, or a record is not in this warehouse.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE core_person_record (person_record_id VARCHAR)")
    >>> _ = con.execute("INSERT INTO core_person_record VALUES ('a:1'), ('b:2')")
    >>> record_decision(con, "b:2", "a:1", "split", decided_by="ann", reason="twins")
    >>> con.execute("SELECT record_a, record_b, decision FROM app_link_decision").fetchall()
    [('a:1', 'b:2', 'split')]
    >>> record_decision(con, "a:1", "b:2", "merge", decided_by="ann", reason="x")
    Traceback (most recent call last):
    ...
    pipelines.errors.AnalysisProblem: a link decision is 'confirm' or 'split', not 'merge'
    """
    if decision not in DECISIONS:
        raise AnalysisProblem(f"a link decision is 'confirm' or 'split', not {decision!r}")
    if not reason or not reason.strip():
        raise AnalysisProblem("give a reason for the decision: colleagues and reviews read it")
    if record_a == record_b:
        raise AnalysisProblem(f"{record_a}: a record cannot be linked to or split from itself")
    held = {r for (r,) in con.execute(
        "SELECT person_record_id FROM core_person_record WHERE person_record_id IN (?, ?)",
        [record_a, record_b]).fetchall()}
    missing = [r for r in (record_a, record_b) if r not in held]
    if missing:
        raise AnalysisProblem(f"no person record {', '.join(missing)} in this warehouse")
    ensure_table(con)
    a, b = sorted((record_a, record_b))
    con.execute(
        "INSERT INTO app_link_decision VALUES (?, ?, ?, ?, ?, ?)",
        [a, b, decision, decided_by, at or datetime.now().replace(microsecond=0),
         reason.strip()])

