"""purpose: whether each address given with an incident names a place smaller than a town, so
         that it may key a repeat location ("Middlesbrough (no street given)" and "Near
         Supermarket, Stockton-on-Tees" do not).
inputs:  int_incident (addresses), core_area_csp and core_area_ward (area names)
output:  int_address
grain:   one row per distinct address text given with an incident: ``address``,
         ``names_a_place``.

The rule is :func:`pipelines.analysis.addresses.names_a_place`. Town names are the towns the
addresses themselves write after a street, plus the partnership's CSP area and ward names.
40_core_incident.sql gives an incident whose address names no place no ``location_key``.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipelines.analysis.addresses import names_a_place, plain_place, town_names


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Judge every distinct address held."""
    del config
    addresses = [r[0] for r in con.execute(
        "SELECT DISTINCT address FROM int_incident WHERE address IS NOT NULL ORDER BY 1"
    ).fetchall()]
    areas = town_names(addresses)
    for table, column in (("core_area_csp", "csp_name"), ("core_area_ward", "ward_name")):
        areas.update(plain_place(r[0]) for r in con.execute(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL").fetchall())
    areas.discard("")
    frame = pd.DataFrame({
        "address": pd.Series(addresses, dtype="object"),
        "names_a_place": pd.Series([names_a_place(a, areas) for a in addresses], dtype=bool),
    })
    con.register("_int_address", frame)
    try:
        con.execute("CREATE OR REPLACE TABLE int_address AS SELECT CAST(address AS VARCHAR) "
                    "AS address, CAST(names_a_place AS BOOLEAN) AS names_a_place "
                    "FROM _int_address ORDER BY address")
    finally:
        con.unregister("_int_address")
