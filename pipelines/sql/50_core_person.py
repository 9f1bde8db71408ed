"""purpose: people: person records resolved into real people by record linkage (splink).
inputs:  core_person_record, core_person_role, app_link_decision (analysts' confirm/split)
output:  core_person_link, core_person, core_person_pair, core_person_model
grain:   core_person_link: one row per person record (its person and its strongest link);
         core_person: one row per resolved person; core_person_pair: one row per scored
         candidate pair of records (match probability 0.001 or more, or decided by an analyst);
         core_person_model: one row per compared field and level (m, u, weight, and whether
         trained on this warehouse or the default model for small warehouses).

Records with the same agency reference are already one record (core_person_record). Records
from different references are linked by a Fellegi-Sunter model fitted with splink on a private
in-memory DuckDB database (``pipelines.analysis.linkage``; the method is in docs/methods.md,
"Record linkage"). Analysts' decisions in ``app_link_decision`` are applied every build: a
confirmed pair is one person, a split pair never is. The ``app_`` table is created here if
missing and never dropped or rewritten by a build.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from pipelines.analysis.linkage import FIELDS, link_people
from pipelines.link_decisions import ensure_table

#: Pairs kept in core_person_pair: the near misses an analyst may want to confirm, the links.
_KEEP_PROBABILITY = 0.001

_PERSON = """
CREATE OR REPLACE TABLE core_person AS
WITH records AS (
    SELECT
        l.person_id,
        l.match_probability,
        r.*,
        row_number() OVER (
            PARTITION BY l.person_id
            ORDER BY (r.first_name IS NOT NULL AND r.last_name IS NOT NULL) DESC,
                     (r.date_of_birth IS NOT NULL) DESC,
                     (r.last_name IS DISTINCT FROM upper(r.last_name)) DESC,
                     r.incidents DESC, r.person_record_id) AS pick
    FROM core_person_link l
    JOIN core_person_record r USING (person_record_id)
),
incidents AS (
    SELECT l.person_id, count(DISTINCT p.incident_id) AS incidents
    FROM core_person_link l
    JOIN core_person_role p USING (person_record_id)
    GROUP BY l.person_id
)
SELECT
    r.person_id,
    count(*)                                                         AS records,
    list(r.person_record_id ORDER BY r.person_record_id)             AS person_record_ids,
    list(DISTINCT r.agency ORDER BY r.agency)                        AS agencies,
    bool_or(r.vulnerable)                                            AS vulnerable,
    coalesce(any_value(i.incidents), 0)                              AS incidents,
    any_value(r.first_name) FILTER (WHERE r.pick = 1)                AS first_name,
    any_value(r.last_name) FILTER (WHERE r.pick = 1)                 AS last_name,
    any_value(r.date_of_birth) FILTER (WHERE r.pick = 1)             AS date_of_birth,
    any_value(r.address) FILTER (WHERE r.pick = 1)                   AS address,
    any_value(r.postcode) FILTER (WHERE r.pick = 1)                  AS postcode,
    list(DISTINCT trim(coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, ''))
         ORDER BY trim(coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, '')))
        FILTER (WHERE r.first_name IS NOT NULL OR r.last_name IS NOT NULL) AS names_recorded,
    min(r.match_probability)                                         AS weakest_link_probability
FROM records r
LEFT JOIN incidents i USING (person_id)
GROUP BY r.person_id
ORDER BY r.person_id
"""


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    """Link person records into people and write the four tables (see the module docstring)."""
    ensure_table(con)
    records = con.execute(
        "SELECT person_record_id, agency, first_name, last_name, date_of_birth, address, "
        "postcode, uprn FROM core_person_record ORDER BY person_record_id").df()
    decisions = con.execute(
        "SELECT record_a, record_b, decision, decided_by, decided_at, reason "
        "FROM app_link_decision ORDER BY decided_at, record_a, record_b").df()
    threshold = float(config.get("linkage", {}).get("match_threshold", 0.9))
    result = link_people(records, decisions, threshold=threshold)

    links = result.links
    person = dict(zip(links["person_record_id"], links["person_id"], strict=True))
    pairs = result.pairs
    keep = (pairs["match_probability"] >= _KEEP_PROBABILITY) | pairs["decision"].notna()
    pairs = pairs[keep].copy()
    pairs.insert(2, "person_id_l", pairs["person_record_id_l"].map(person))
    pairs.insert(3, "person_id_r", pairs["person_record_id_r"].map(person))
    pair_columns = ["person_record_id_l", "person_record_id_r", "person_id_l", "person_id_r",
                    "linked", "decision", "match_probability", "match_weight",
                    "agreeing_fields"] + [f"{f}_{s}" for f in FIELDS
                                          for s in ("level", "label", "weight")]
    frames = {
        "_link": links.astype({"match_probability": "float64", "match_weight": "float64"}),
        "_pair": pairs[pair_columns].astype({"match_probability": "float64",
                                             "match_weight": "float64", "linked": "bool"}),
        "_model": result.parameters.assign(
            prior=result.prior, threshold=result.threshold),
    }
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        con.execute("""
            CREATE OR REPLACE TABLE core_person_link AS
            SELECT person_record_id, person_id, link_method,
                   CAST(match_probability AS DOUBLE) AS match_probability,
                   CAST(match_weight AS DOUBLE)      AS match_weight,
                   CAST(agreeing_fields AS VARCHAR)  AS agreeing_fields,
                   CAST(linked_to AS VARCHAR)        AS linked_to
            FROM _link ORDER BY person_record_id""")
        con.execute(f"""
            CREATE OR REPLACE TABLE core_person_pair AS
            SELECT {", ".join(pair_columns[:5])},
                   CAST(decision AS VARCHAR) AS decision,
                   {", ".join(pair_columns[6:])}
            FROM _pair ORDER BY person_record_id_l, person_record_id_r""")
        con.execute("""
            CREATE OR REPLACE TABLE core_person_model AS
            SELECT field, level, label, m_probability, u_probability, match_weight,
                   source, prior AS probability_two_random_records_match, threshold
            FROM _model ORDER BY field, match_weight DESC""")
    finally:
        for name in frames:
            con.unregister(name)
    con.execute(_PERSON)
    _check(con, pd.Series(person))


def _check(con: duckdb.DuckDBPyConnection, person: pd.Series) -> None:
    """Every record has exactly one person (a cheap guard on the tables just written)."""
    held = con.execute("SELECT count(*) FROM core_person_record").fetchall()[0][0]
    if held != len(person):  # pragma: no cover - a programming error, not a data problem
        raise RuntimeError(f"record linkage placed {len(person)} of {held} person records")
