"""Small helpers for DuckDB 2 connections.

DuckDB 2 refuses new work on a connection while a result is partly fetched, so these always
fetch whole results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb

__all__ = ["scalar", "first_row", "transaction"]


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, or ``None`` when it returns no rows.

    Examples
    --------
    >>> first_row(duckdb.connect(), "SELECT ?, ? + 1", [1, 1])
    (1, 2)
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The single value a query returns.

    Examples
    --------
    >>> scalar(duckdb.connect(), "SELECT count(*) FROM range(?)", [5])
    5
    """
    row = first_row(con, sql, params)
    if row is None:
        raise LookupError("query returned no rows")
    return row[0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block as one transaction: committed if it finishes, rolled back if it raises.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE t (x INTEGER)")
    >>> try:
    ...     with transaction(con):
    ...         _ = con.execute("INSERT INTO t VALUES (1)")
    ...         raise ValueError("stop")
    ... except ValueError:
    ...     pass
    >>> scalar(con, "SELECT count(*) FROM t")
    0
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
