"""Read the police.uk sample files' ASB rows into the shape of ``mart_incident`` (benchmarks only).

The real Cleveland Police street-level files in data/sample/police-uk (2022-01 to 2022-11;
Open Government Licence v3.0, source: data.police.uk). ``area_name`` is the council area read
from the LSOA name, used to split the data into the four community safety partnership areas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

POLICE_UK_DIR = Path(__file__).resolve().parents[1] / "data" / "sample" / "police-uk"
CSP_AREAS = ("Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees")


def load_police_uk_asb(directory: Path = POLICE_UK_DIR) -> pd.DataFrame:
    """ASB incidents from every police.uk street CSV in ``directory``."""
    frames = []
    for path in sorted(directory.glob("*.csv")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        raw["_row"] = np.arange(2, len(raw) + 2)
        raw["_file"] = path.name
        frames.append(raw[raw["Crime type"] == "Anti-social behaviour"])
    raw = pd.concat(frames, ignore_index=True)
    lon = pd.to_numeric(raw["Longitude"].replace("", np.nan), errors="coerce").to_numpy()
    lat = pd.to_numeric(raw["Latitude"].replace("", np.nan), errors="coerce").to_numpy()
    easting, northing = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(
        lon, lat
    )
    ok = ~(np.isnan(lon) | np.isnan(lat))
    return pd.DataFrame(
        {
            "incident_id": "police-uk:" + raw["_file"] + ":" + raw["_row"].astype(str),
            "easting": np.where(ok, easting, np.nan),
            "northing": np.where(ok, northing, np.nan),
            "month": pd.to_datetime(raw["Month"] + "-01"),
            "time_precision": "month",
            "lsoa_code": raw["LSOA code"],
            "location_key": np.where(ok, "police-uk:" + raw["Latitude"] + "," + raw["Longitude"], None),
            "source": "police-uk",
            "area_name": raw["LSOA name"].str.rsplit(" ", n=1).str[0],
        }
    )
