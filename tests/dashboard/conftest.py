"""Dashboard tests run the real app with AppTest against a real sample warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture()
def app(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ASB_DB", str(sample_db))
    at = AppTest.from_file(APP, default_timeout=120)
    return at
