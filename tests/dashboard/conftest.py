"""Dashboard tests run the real app with AppTest against a real sample warehouse.

The app holds a read-write connection to its warehouse (it records uploads, decisions and an
audit trail), so each test gets its own copy, and test code reads it through
:func:`dash_count`, which shares the app's database instance.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.warehouse import connect

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture()
def dash_db(sample_db_copy: Path) -> Path:
    return sample_db_copy


@pytest.fixture()
def app(dash_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ASB_DB", str(dash_db))
    return AppTest.from_file(APP, default_timeout=120)


def dash_count(db: Path, sql: str, params: list | None = None) -> int:
    """A number from the warehouse the app under test is using."""
    con = connect(db)
    try:
        return int(con.execute(sql, params or []).fetchall()[0][0])
    finally:
        con.close()
