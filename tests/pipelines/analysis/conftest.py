"""Fixtures for the analysis tests: real police.uk ASB incidents shaped like ``mart_incident``.

The police.uk street-level files in ``data/sample/police-uk/`` (Cleveland, 2022-01 to 2022-11;
Open Government Licence v3.0, source: data.police.uk) are read directly here, so the analysis
tests do not depend on the ingest pipeline. The frame has the columns the warehouse's
``mart_incident`` table provides, plus ``area_name`` (the council area read from the LSOA name),
which only the tests and benchmarks use.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

POLICE_UK_DIR = Path(__file__).resolve().parents[3] / "data" / "sample" / "police-uk"


def load_police_uk_asb(directory: Path = POLICE_UK_DIR) -> pd.DataFrame:
    """Read every police.uk street CSV in ``directory`` and return its ASB rows as incidents."""
    frames = []
    for path in sorted(directory.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw["_row"] = np.arange(2, len(raw) + 2)
        raw["_file"] = path.name
        frames.append(raw[raw["Crime type"] == "Anti-social behaviour"])
    raw = pd.concat(frames, ignore_index=True)
    lon = pd.to_numeric(raw["Longitude"].replace("", np.nan), errors="coerce").to_numpy()
    lat = pd.to_numeric(raw["Latitude"].replace("", np.nan), errors="coerce").to_numpy()
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    easting, northing = to_bng.transform(lon, lat)
    located = ~(np.isnan(lon) | np.isnan(lat))
    easting = np.where(located, easting, np.nan)
    northing = np.where(located, northing, np.nan)
    location_key = np.where(
        located, "police-uk:" + raw["Latitude"] + "," + raw["Longitude"], None
    )
    return pd.DataFrame(
        {
            "incident_id": "police-uk:" + raw["_file"] + ":" + raw["_row"].astype(str),
            "easting": easting,
            "northing": northing,
            "month": pd.to_datetime(raw["Month"] + "-01"),
            "occurred_at": pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"),
            "occurred_to": pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"),
            "time_precision": "month",
            "category": None,
            "subtype": None,
            "lsoa_code": raw["LSOA code"].replace("", None),
            "ward_code": None,
            "location_key": location_key,
            "source": "police-uk",
            "weight": 1.0,
            "area_name": raw["LSOA name"].str.rsplit(" ", n=1).str[0],
        }
    )


@pytest.fixture(scope="module")
def cleveland_asb() -> pd.DataFrame:
    """Cleveland Police ASB incidents, 2022-01 to 2022-11 (16,156 rows, month precision)."""
    return load_police_uk_asb()
