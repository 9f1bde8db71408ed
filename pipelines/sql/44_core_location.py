"""purpose: places: incident reports resolved into locations (UPRN, address, coordinates).
inputs:  core_incident, int_address (does the address name a place smaller than a town?)
output:  core_location, core_incident_location
grain:   core_location: one row per resolved location (a premises, a street, a postcode unit,
         a point, or a police.uk map point); core_incident_location: one row per incident report that has a
         location (its location and the key that placed it).

Reports join one location when they share a UPRN, or name the same premises with the same town,
postcode or coordinates within ``linkage.location_metres`` (and nothing contradicting);
``pipelines.analysis.locations`` holds the rules. A location takes the UPRN, address, postcode
and coordinates its reports agree on, so a housing report without coordinates is placed where
the police or council recorded the same door. A report whose address names no place smaller
than a town (int_address, the judgement ``location_key`` uses) is placed only by its UPRN or
full postcode, never by its coordinates (often the town's centre).
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.analysis.locations import resolve_locations


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Resolve locations and write core_location and core_incident_location."""
    metres = float(config.get("linkage", {}).get("location_metres", 100))
    incidents = con.execute(
        "SELECT i.incident_id, i.template, i.uprn, i.address, i.postcode, i.easting, "
        "i.northing, i.location_key, ad.names_a_place FROM core_incident i "
        "LEFT JOIN int_address ad ON ad.address = i.address "
        "AND ad.postcode IS NOT DISTINCT FROM i.postcode AND i.template <> 'police-uk' "
        "WHERE i.template <> 'police-uk' OR i.location_key IS NOT NULL "
        "ORDER BY i.incident_id").df()
    result = resolve_locations(incidents, metres=metres)
    con.register("_location", result.locations)
    con.register("_incident_location", result.incidents)
    try:
        con.execute("""
            CREATE OR REPLACE TABLE core_location AS
            SELECT CAST(location_id AS VARCHAR) AS location_id,
                   CAST(kind AS VARCHAR)        AS kind,
                   CAST(uprn AS VARCHAR)        AS uprn,
                   CAST(address AS VARCHAR)     AS address,
                   CAST(postcode AS VARCHAR)    AS postcode,
                   CAST(easting AS DOUBLE)      AS easting,
                   CAST(northing AS DOUBLE)     AS northing,
                   CAST(incidents AS BIGINT)    AS incidents,
                   CAST(resolved_by AS VARCHAR) AS resolved_by
            FROM _location ORDER BY location_id""")
        con.execute("""
            CREATE OR REPLACE TABLE core_incident_location AS
            SELECT CAST(incident_id AS VARCHAR) AS incident_id,
                   CAST(location_id AS VARCHAR) AS location_id,
                   CAST(match AS VARCHAR)       AS matched_on
            FROM _incident_location ORDER BY incident_id""")
    finally:
        con.unregister("_location")
        con.unregister("_incident_location")
