"""purpose: the configured tools and powers as a table SQL steps can join.
inputs:  the configuration (`actions:`)
output:  cfg_action
grain:   one row per configured action.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    actions = pd.DataFrame(
        [
            {
                "name": a["name"],
                "rank": int(a.get("rank", 0)),
                "grp": a.get("group"),
                "label": a.get("label") or a["name"],
            }
            for a in config["actions"]
        ]
    )
    con.register("_cfg_action", actions)
    try:
        con.execute("CREATE OR REPLACE TABLE cfg_action AS SELECT * FROM _cfg_action")
    finally:
        con.unregister("_cfg_action")


