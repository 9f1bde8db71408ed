"""purpose: the place of each incident report for the victim-offender-location (VOL) views: the
         resolved location (a premises, a street, a postcode, a point, a police.uk map point) when
         resolution has run, else the report's own location key.
inputs:  core_incident, core_incident_location and core_location (when present)
output:  core_place_incident
grain:   one row per incident report held that has a place.
"""

from __future__ import annotations

from typing import Any

import duckdb

_RESOLVED = """
CREATE OR REPLACE TABLE core_place_incident AS
SELECT
    i.incident_id,
    coalesce(il.location_id, i.location_key)                          AS place_id,
    coalesce(l.kind, 'location key')                                  AS place_kind,
    coalesce(l.address, i.location_text, il.location_id, i.location_key) AS place_label,
    coalesce(l.easting, i.easting)                                    AS place_easting,
    coalesce(l.northing, i.northing)                                  AS place_northing
FROM core_incident i
LEFT JOIN core_incident_location il ON il.incident_id = i.incident_id
LEFT JOIN core_location l ON l.location_id = il.location_id
WHERE coalesce(il.location_id, i.location_key) IS NOT NULL
ORDER BY i.incident_id
"""

_KEYS_ONLY = """
CREATE OR REPLACE TABLE core_place_incident AS
SELECT
    incident_id,
    location_key                                                      AS place_id,
    CASE WHEN location_key LIKE 'uprn:%' THEN 'premises' ELSE 'location key' END AS place_kind,
    coalesce(location_text, location_key)                             AS place_label,
    easting                                                           AS place_easting,
    northing                                                          AS place_northing
FROM core_incident
WHERE location_key IS NOT NULL
ORDER BY incident_id
"""


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    held = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN "
        "('core_incident_location', 'core_location')").fetchall()}
    con.execute(_RESOLVED if held == {"core_incident_location", "core_location"}
                else _KEYS_ONLY)
