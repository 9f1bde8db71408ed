"""Data for the People links page: who is linked to whom and why, and analysts' decisions.

Reads go through :func:`dashboard.data.query` (parameterised, cached by data version); the two
writes (a decision, a rebuild) go through :func:`dashboard.data.write`.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.config import load_config
from pipelines.link_decisions import ensure_table, record_decision
from pipelines.warehouse import build

from .data import query, write

__all__ = [
    "summary",
    "search_people",
    "person",
    "person_records",
    "person_pairs",
    "decision_list",
    "save_decision",
    "rebuild",
]

_DECISIONS_HELD = ("SELECT count(*) AS n FROM information_schema.tables "
                   "WHERE table_name = 'app_link_decision'")


def summary() -> dict[str, int]:
    """Records, people, people with more than one record, and links an analyst decided."""
    row = query(
        "SELECT (SELECT count(*) FROM core_person_record) AS records, "
        "count(*) AS people, count(*) FILTER (WHERE records > 1) AS linked_people "
        "FROM core_person").iloc[0]
    decided = 0
    if int(query(_DECISIONS_HELD).iloc[0]["n"]):
        decided = int(query("SELECT count(*) AS n FROM app_link_decision").iloc[0]["n"])
    return {"records": int(row["records"]), "people": int(row["people"]),
            "linked_people": int(row["linked_people"]), "decisions": decided}


def search_people(text: str, limit: int = 50) -> pd.DataFrame:
    """People with a record whose name (either way round) or record id contains ``text``."""
    needle = " ".join(text.lower().split())
    return query(
        """
        SELECT p.person_id,
               trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, '')) AS name,
               p.date_of_birth, p.records, array_to_string(p.agencies, ', ') AS agencies,
               p.incidents
        FROM core_person p
        WHERE p.person_id IN (
            SELECT l.person_id
            FROM core_person_link l
            JOIN core_person_record r USING (person_record_id)
            WHERE contains(lower(concat_ws(' ', r.first_name, r.last_name)), ?)
               OR contains(lower(concat_ws(' ', r.last_name, r.first_name)), ?)
               OR contains(lower(r.person_record_id), ?))
        ORDER BY p.records DESC, name, p.person_id
        LIMIT ?
        """,
        (needle, needle, needle, limit))


def person(person_id: str) -> pd.Series:
    """One person's summary row from core_person."""
    frame = query(
        "SELECT person_id, first_name, last_name, date_of_birth, records, "
        "array_to_string(agencies, ', ') AS agencies, incidents, weakest_link_probability "
        "FROM core_person WHERE person_id = ?", (person_id,))
    return frame.iloc[0]


def person_records(person_id: str) -> pd.DataFrame:
    """A person's records as each agency holds them, with the link that placed each."""
    return query(
        """
        SELECT r.person_record_id AS record, r.agency, r.first_name, r.last_name,
               r.date_of_birth, r.address, r.postcode, r.uprn, r.incidents,
               l.link_method, l.linked_to, l.match_probability, l.match_weight,
               l.agreeing_fields
        FROM core_person_link l
        JOIN core_person_record r USING (person_record_id)
        WHERE l.person_id = ?
        ORDER BY r.agency, r.person_record_id
        """,
        (person_id,))


def person_pairs(person_id: str) -> pd.DataFrame:
    """Scored pairs touching a person's records: their links and the near misses."""
    return query(
        """
        SELECT person_record_id_l AS record_a, person_record_id_r AS record_b,
               CASE WHEN person_id_l = ? THEN person_id_r ELSE person_id_l END AS other_person,
               linked, decision, match_probability, match_weight,
               name_label, name_weight, date_of_birth_label, date_of_birth_weight,
               home_label, home_weight, agreeing_fields
        FROM core_person_pair
        WHERE person_id_l = ? OR person_id_r = ?
        ORDER BY linked DESC, match_weight DESC, record_a, record_b
        """,
        (person_id, person_id, person_id))


def decision_list() -> pd.DataFrame:
    """Every decision with whether the current build has applied it."""
    if not int(query(_DECISIONS_HELD).iloc[0]["n"]):
        return pd.DataFrame(columns=["record_a", "record_b", "decision", "decided_by",
                                     "decided_at", "reason", "status"])
    return query(
        """
        SELECT d.record_a, d.record_b, d.decision, d.decided_by, d.decided_at, d.reason,
               CASE WHEN a.person_id IS NULL OR b.person_id IS NULL THEN 'record not held'
                    WHEN (d.decision = 'confirm') = (a.person_id = b.person_id)
                    THEN 'applied' ELSE 'waiting for a rebuild' END AS status
        FROM app_link_decision d
        LEFT JOIN core_person_link a ON a.person_record_id = d.record_a
        LEFT JOIN core_person_link b ON b.person_record_id = d.record_b
        ORDER BY d.decided_at DESC, d.record_a, d.record_b
        """)


def save_decision(record_a: str, record_b: str, decision: str, *, decided_by: str,
                  reason: str) -> None:
    """Record an analyst's decision (raises AnalysisProblem with a message to show)."""
    write(lambda cur: record_decision(cur, record_a, record_b, decision,
                                      decided_by=decided_by, reason=reason))


def rebuild() -> dict[str, int]:
    """Rebuild the warehouse's core and mart tables now (applies every decision)."""
    def work(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
        ensure_table(cur)
        return build(cur, config=load_config())

    return write(work)
