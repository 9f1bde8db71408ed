"""Small helpers for DuckDB 2 connections.

DuckDB 2 refuses new work on a connection while a result is partly fetched, so these always
fetch whole results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import duckdb

from .errors import AsbError

__all__ = ["scalar", "first_row", "transaction", "is_interrupt", "CommitInterrupted"]


class CommitInterrupted(AsbError):
    """Ctrl+C arrived while a change was being committed: it may or may not have been saved.

    The message names the warehouse and the command that shows what it holds.
    """


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's Ctrl+C: Python's own, or DuckDB's "Query interrupted"
    (DuckDB turns the signal into an error when it arrives while a query runs).

    Examples
    --------
    >>> is_interrupt(RuntimeError("Query interrupted")), is_interrupt(RuntimeError("other"))
    (True, False)
    """
    if isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)):
        return True
    return isinstance(exc, (RuntimeError, duckdb.Error)) and "Query interrupted" in str(exc)


def _database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The file ``con`` is open on (``None`` for an in-memory database or when unknown)."""
    try:
        row = first_row(con, "SELECT path FROM duckdb_databases() "
                             "WHERE database_name = current_database()")
    except BaseException:  # noqa: BLE001 - only used to word a message
        return None
    return str(row[0]) if row and row[0] else None


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

    If Ctrl+C arrives during the COMMIT itself the change may already be on disk, so this
    raises :class:`CommitInterrupted` saying so (never that nothing changed).
    """
    path = _database_path(con)
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        # The block's own error is the one to report: an interrupted or failed transaction
        # whose ROLLBACK fails is rolled back by DuckDB itself.
        with suppress(Exception):
            con.execute("ROLLBACK")
        raise
    try:
        con.execute("COMMIT")
    except BaseException as exc:
        if not is_interrupt(exc):
            raise
        where = f" to {path}" if path else ""
        check = f"`asb summary --db {path}`" if path else "`asb summary --db WAREHOUSE`"
        raise CommitInterrupted(
            f"interrupted while saving the change{where}: it may have been saved; "
            f"check with {check}"
        ) from None
