"""purpose: whether each address given with an incident names a place smaller than a town, so
         that it may key a repeat location ("Middlesbrough (no street given)", "Near
         Supermarket, Stockton-on-Tees" and "Victim's home" do not), and the full postcode
         given with it (a place at postcode-unit level).
inputs:  int_incident (addresses and postcodes of partners' reports), core_area_csp and
         core_area_ward (area names), the configuration's ``linkage.towns``
output:  int_address
grain:   one row per distinct (address, postcode) pair given with a partner's incident report
         (either may be blank): ``address``, ``postcode`` (as held), ``names_a_place``,
         ``postcode_unit`` (the postcode column when it is a full postcode, else a full
         postcode written in the address; else blank).

The rule is :func:`pipelines.analysis.addresses.names_a_place`. Town and area names are the
CSP area and ward names with their variants (:func:`~pipelines.analysis.addresses.area_names`:
"Billingham Central" also gives Billingham), the configuration's ``linkage.towns``, and the
towns the addresses themselves write after a street. 40_core_incident.sql keys an incident
whose address names no place by its postcode unit, or not at all; 44_core_location.py places
it the same way.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipelines.analysis.addresses import (
    area_names,
    names_a_place,
    postcode_in,
    standard_postcode,
    town_names,
)


def place_names(con: duckdb.DuckDBPyConnection, config: dict[str, Any],
                addresses: list[str]) -> set[str]:
    """The town and area names an address is judged against (see the module docstring)."""
    official: list[object] = list(config.get("linkage", {}).get("towns") or [])
    for table, column in (("core_area_csp", "csp_name"), ("core_area_ward", "ward_name")):
        official += [r[0] for r in con.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall()]
    return area_names(official) | town_names(addresses)


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Judge every distinct address and postcode held."""
    pairs = con.execute(
        "SELECT DISTINCT address, postcode FROM int_incident WHERE template <> 'police-uk' "
        "AND (address IS NOT NULL OR postcode IS NOT NULL) ORDER BY 1 NULLS FIRST, 2 NULLS FIRST"
    ).fetchall()
    addresses = sorted({a for a, _ in pairs if a is not None})
    areas = place_names(con, config, addresses)
    judged = {a: names_a_place(a, areas) for a in addresses}
    frame = pd.DataFrame({
        "address": pd.Series([a for a, _ in pairs], dtype="object"),
        "postcode": pd.Series([p for _, p in pairs], dtype="object"),
        "names_a_place": pd.Series([judged.get(a, False) if a is not None else False
                                    for a, _ in pairs], dtype=bool),
        "postcode_unit": pd.Series([standard_postcode(p) or postcode_in(a) for a, p in pairs],
                                   dtype="object"),
    })
    con.register("_int_address", frame)
    try:
        con.execute("CREATE OR REPLACE TABLE int_address AS SELECT "
                    "CAST(address AS VARCHAR) AS address, CAST(postcode AS VARCHAR) AS postcode, "
                    "CAST(names_a_place AS BOOLEAN) AS names_a_place, "
                    "CAST(postcode_unit AS VARCHAR) AS postcode_unit "
                    "FROM _int_address ORDER BY address NULLS FIRST, postcode NULLS FIRST")
    finally:
        con.unregister("_int_address")
