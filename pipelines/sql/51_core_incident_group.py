"""purpose: incidents that are one real incident reported to several agencies, grouped so they
         count once (each report is kept): same person, within the configured hours, same place.
inputs:  core_incident, core_person_role, core_person_link, core_incident_location, core_location
output:  core_incident_group, core_incident_group_pair
grain:   core_incident_group: one row per incident report held (the group id is the id of the
         group's earliest report); core_incident_group_pair: one row per pair of reports the
         rule joined (why: the person, the hours between them, the place rule that held).

The rule (``case_review.cross_agency_duplicate_*`` in the configuration): two reports held by
different agencies are the same incident when one resolved person (core_person_link) is a
victim or complainant (``case_review.qualifying_roles``) on both, they were reported within
``cross_agency_duplicate_hours`` of each other, and they are about the same place: the same
resolved location, coordinates within ``cross_agency_duplicate_metres``, or the same postcode.
Pairs join into groups transitively.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

_PAIRS = """
WITH reports AS (
    SELECT DISTINCT
        r.incident_id,
        l.person_id,
        i.agency,
        i.reported_at,
        il.location_id,
        coalesce(i.easting, loc.easting)     AS easting,
        coalesce(i.northing, loc.northing)   AS northing,
        coalesce(i.postcode, loc.postcode)   AS postcode
    FROM core_person_role r
    JOIN core_person_link l USING (person_record_id)
    JOIN core_incident i ON i.incident_id = r.incident_id
    LEFT JOIN core_incident_location il ON il.incident_id = r.incident_id
    LEFT JOIN core_location loc ON loc.location_id = il.location_id
    WHERE r.role IN (SELECT unnest(CAST(? AS VARCHAR[]))) AND i.reported_at IS NOT NULL
),
pairs AS (
    SELECT
        a.incident_id                                                   AS incident_id_l,
        b.incident_id                                                   AS incident_id_r,
        a.agency                                                        AS agency_l,
        b.agency                                                        AS agency_r,
        a.person_id,
        abs(epoch(b.reported_at) - epoch(a.reported_at)) / 3600.0       AS hours_apart,
        CASE
            WHEN a.location_id = b.location_id THEN 'same location'
            WHEN sqrt((a.easting - b.easting) ** 2 + (a.northing - b.northing) ** 2) <= ?
                THEN 'within ' || CAST(? AS INTEGER) || ' m'
            WHEN a.postcode = b.postcode THEN 'same postcode'
        END                                                             AS place_rule
    FROM reports a
    JOIN reports b
      ON a.person_id = b.person_id
     AND a.agency <> b.agency
     AND a.incident_id < b.incident_id
     AND abs(epoch(b.reported_at) - epoch(a.reported_at)) <= ? * 3600
)
SELECT
    incident_id_l, incident_id_r, agency_l, agency_r,
    min(person_id)                                    AS person_id,
    min(hours_apart)                                  AS hours_apart,
    min(place_rule)                                   AS place_rule
FROM pairs
WHERE place_rule IS NOT NULL
GROUP BY ALL
ORDER BY incident_id_l, incident_id_r
"""


def _components(pairs: pd.DataFrame, reported: dict[str, Any]) -> dict[str, str]:
    """incident id -> group id (the earliest report of its group, then the smallest id)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs[["incident_id_l", "incident_id_r"]].itertuples(index=False):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for x in list(parent):
        members.setdefault(find(x), []).append(x)
    out = {}
    for group in members.values():
        first = min(group, key=lambda i: (reported[i], i))
        for i in group:
            out[i] = first
    return out


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Group cross-agency reports of one incident; write the groups and the pairs joined."""
    review = config.get("case_review", {})
    hours = float(review.get("cross_agency_duplicate_hours", 24))
    metres = float(review.get("cross_agency_duplicate_metres", 100))
    roles = list(review.get("qualifying_roles", ["victim", "complainant"]))
    pairs = con.execute(_PAIRS, [roles, metres, metres, hours]).df()
    reported = dict(con.execute(
        "SELECT incident_id, reported_at FROM core_incident WHERE incident_id IN "
        "(SELECT unnest(CAST(? AS VARCHAR[])))",
        [sorted(set(pairs["incident_id_l"]) | set(pairs["incident_id_r"]))]).fetchall())
    group = _components(pairs, reported)
    rows: list[tuple[str, str, str]] = []
    pairs["group"] = pairs["incident_id_l"].map(group)
    for gid, inside in pairs.groupby("group", sort=True):
        ids = sorted(set(inside["incident_id_l"]) | set(inside["incident_id_r"]))
        agencies = sorted(set(inside["agency_l"]) | set(inside["agency_r"]))
        places = sorted(set(inside["place_rule"]))
        reason = (f"one incident reported {len(ids)} times, to {' and '.join(agencies)}: "
                  f"the same person within {hours:g} hours, {' / '.join(places)}")
        rows.extend((i, gid, reason) for i in ids)
    grouped = pd.DataFrame(rows, columns=["incident_id", "incident_group_id", "group_reason"])
    con.register("_grouped", grouped)
    con.register("_pairs", pairs)
    try:
        con.execute("""
            CREATE OR REPLACE TABLE core_incident_group AS
            SELECT i.incident_id,
                   coalesce(CAST(g.incident_group_id AS VARCHAR), i.incident_id)
                                                                AS incident_group_id,
                   coalesce(CAST(g.group_reason AS VARCHAR), 'single report') AS group_reason
            FROM core_incident i
            LEFT JOIN _grouped g ON g.incident_id = i.incident_id
            ORDER BY i.incident_id""")
        con.execute("""
            CREATE OR REPLACE TABLE core_incident_group_pair AS
            SELECT CAST(incident_id_l AS VARCHAR) AS incident_id_l,
                   CAST(incident_id_r AS VARCHAR) AS incident_id_r,
                   CAST(person_id AS VARCHAR)     AS person_id,
                   round(CAST(hours_apart AS DOUBLE), 3) AS hours_apart,
                   CAST(place_rule AS VARCHAR)    AS place_rule
            FROM _pairs ORDER BY incident_id_l, incident_id_r""")
    finally:
        con.unregister("_grouped")
        con.unregister("_pairs")
