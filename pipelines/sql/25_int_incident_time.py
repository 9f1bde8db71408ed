"""purpose: whether each incident report's date was written with a time, read from the text
         kept in the raw layer (a housing export's "12/03/2022" has no time).
inputs:  raw_file (headers, mapping and its date formats), raw_export_row (values as received)
output:  int_incident_time
grain:   one row per data row of a loaded incidents file: ``file_id``, ``row_number``,
         ``date_only`` (TRUE when the value used for when the incident happened, occurred_at
         or else reported_at, matched one of the mapping's date formats that read no time).

30_int_incident.sql turns this, the mapping's ``dates.time_precision`` and the parsed value
into the incident's ``time_precision``. The staging tables hold parsed timestamps only, so a
date written as "12/03/2022" and a time written as "12/03/2022 00:00" look alike there: the
original text in ``raw_export_row`` is what tells them apart. Rows of a file whose text is not
held (or whose mapping reads no date-only format) are FALSE, and the build's midnight rule
decides for them.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from pipelines.sources import Source

_CREATE = ("CREATE OR REPLACE TABLE int_incident_time (file_id INTEGER NOT NULL, "
           "row_number BIGINT NOT NULL, date_only BOOLEAN NOT NULL)")


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Record, per incidents row held in the raw layer, whether its date had no time."""
    del config
    con.execute(_CREATE)
    files = con.execute(
        "SELECT file_id, headers, mapping FROM raw_file "
        "WHERE template = 'incidents' AND status = 'loaded' ORDER BY file_id").fetchall()
    for file_id, headers, mapping in files:
        # the incidents source the file was ingested with, as recorded
        source = Source.from_dict({**(json.loads(mapping) if mapping else {}),
                                   "template": "incidents"})
        positions = source.find_columns(json.loads(headers) if headers else [])
        held = [c for c in ("occurred_at", "reported_at") if c in positions]
        texts = [f"NULLIF(trim(json_extract_string(record, ${i + 2})), '')"
                 for i in range(len(held))]
        paths = [f"$[{positions[c]}]" for c in held]
        formats = list(source.date_only_formats)
        if not texts or not formats:
            date_only, params = "FALSE", [file_id]
        else:
            when = texts[0] if len(texts) == 1 else f"coalesce({', '.join(texts)})"
            date_only = (f"coalesce(try_strptime({when}, ${len(texts) + 2}) IS NOT NULL, "
                         "FALSE)")
            params = [file_id, *paths, formats]
        con.execute(
            f"INSERT INTO int_incident_time SELECT file_id, row_number, {date_only} "
            "FROM raw_export_row WHERE file_id = $1", params)
