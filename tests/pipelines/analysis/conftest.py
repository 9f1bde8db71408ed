"""Fixtures for the analysis tests: real police.uk ASB incidents shaped like ``mart_incident``.

The police.uk street-level files in ``data/sample/police-uk/`` (Cleveland, 2022-01 to 2022-11;
Open Government Licence v3.0, source: data.police.uk) are read directly here, so the analysis
tests do not depend on the ingest pipeline. The frame has the columns the warehouse's
``mart_incident`` table provides, plus ``area_name`` (the council area read from the LSOA name),
which only the tests and benchmarks use.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.analysis.load import police_uk_asb
from pipelines.sample_load import SAMPLE_DIR

POLICE_UK_DIR = SAMPLE_DIR / "police-uk"


def load_police_uk_asb() -> pd.DataFrame:
    return police_uk_asb(POLICE_UK_DIR)


@pytest.fixture(scope="module")
def cleveland_asb() -> pd.DataFrame:
    """Cleveland Police ASB incidents, 2022-01 to 2022-11 (16,156 rows, month precision)."""
    return load_police_uk_asb()
