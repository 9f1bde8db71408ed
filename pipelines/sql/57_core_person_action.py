"""purpose: tools, powers and support aimed at each resolved person, from the actions agencies
         recorded and from the police result text of incidents naming them as suspect or
         perpetrator (police exports record escalation steps only there).
inputs:  core_action, core_person_link, core_person_incident, core_incident, the configuration
         (`actions`, `action_aliases`)
output:  core_person_action
grain:   one row per action aimed at a person: each recorded action with a person reference,
         and each configured tool named in a police result, once per suspect or perpetrator.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pandas as pd

# Early-intervention and support steps in a police result count against a suspect only when
# the text says so ("Suspect spoken to - words of advice"); "Words of advice given" may have
# been given to anyone.
_NEEDS_SUBJECT = ("early intervention", "support")
_SUBJECT = re.compile(r"\b(suspect|perpetrator|offender)s?\b", re.I)


def _patterns(config: dict[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, configured action name), longest wording first."""
    words: dict[str, str] = {}
    for a in config["actions"]:
        words[a["name"].lower()] = a["name"]
        if a.get("label"):
            words[str(a["label"]).lower()] = a["name"]
    for alias, name in (config.get("action_aliases") or {}).items():
        words[str(alias).lower()] = name
    ordered = sorted(words, key=len, reverse=True)
    return [(re.compile(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", re.I), words[w])
            for w in ordered]


def _action_in(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, name in patterns:
        if pattern.search(text):
            return name
    return None


def run(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> None:
    patterns = _patterns(config)
    groups = {a["name"]: a.get("group") for a in config["actions"]}
    results = con.execute(
        "SELECT p.person_id, i.incident_id, i.agency, i.case_ref, "
        "CAST(i.reported_at AS DATE) AS action_date, p.role, "
        "coalesce(i.outcome, i.extra->>'Result', i.extra->>'result') AS result "
        "FROM core_person_incident p JOIN core_incident i USING (incident_id) "
        "WHERE p.role IN ('suspect', 'perpetrator') AND i.template = 'incidents' "
        "AND coalesce(i.outcome, i.extra->>'Result', i.extra->>'result') IS NOT NULL"
    ).df()
    rows = []
    for r in results.itertuples(index=False):
        name = _action_in(r.result, patterns)
        if name is None:
            continue
        if groups.get(name) in _NEEDS_SUBJECT and not _SUBJECT.search(r.result):
            continue
        rows.append({"person_id": r.person_id, "action": name, "action_date": r.action_date,
                     "agency": r.agency, "incident_id": r.incident_id,
                     "case_id": f"{r.agency}:{r.case_ref}" if r.case_ref else None,
                     "outcome": r.result, "evidence": "police result text",
                     "aimed_at_role": r.role})
    found = pd.DataFrame(rows, columns=["person_id", "action", "action_date", "agency",
                                        "incident_id", "case_id", "outcome", "evidence",
                                        "aimed_at_role"])
    con.register("_from_results", found)
    try:
        con.execute("""
            CREATE OR REPLACE TABLE core_person_action AS
            WITH recorded AS (
                SELECT
                    coalesce(l.person_id, a.person_record_id)   AS person_id,
                    a.action_id,
                    a.action,
                    a.action_date,
                    a.agency,
                    a.incident_id,
                    a.case_id,
                    a.outcome,
                    'action record'                              AS evidence
                FROM core_action a
                LEFT JOIN core_person_link l ON l.person_record_id = a.person_record_id
                WHERE a.person_record_id IS NOT NULL
            ),
            from_results AS (
                SELECT
                    person_id,
                    'result:' || incident_id || ':' || action    AS action_id,
                    action,
                    CAST(action_date AS DATE)                    AS action_date,
                    agency,
                    CAST(incident_id AS VARCHAR)                 AS incident_id,
                    CAST(case_id AS VARCHAR)                     AS case_id,
                    CAST(outcome AS VARCHAR)                     AS outcome,
                    evidence
                FROM _from_results
            ),
            roles AS (
                SELECT person_id,
                       bool_or(role IN ('suspect', 'perpetrator'))  AS perpetrator,
                       bool_or(role IN ('victim', 'complainant'))   AS victim
                FROM core_person_incident GROUP BY person_id
            )
            SELECT
                x.person_id,
                x.action_id,
                x.action,
                c.rank                                            AS escalation_rank,
                c.grp                                             AS action_group,
                c.label                                           AS action_label,
                x.action_date,
                x.agency,
                x.incident_id,
                x.case_id,
                x.outcome,
                x.evidence,
                CASE WHEN r.perpetrator AND r.victim THEN 'victim and perpetrator'
                     WHEN r.perpetrator THEN 'perpetrator'
                     WHEN r.victim THEN 'victim'
                END                                               AS person_roles
            FROM (SELECT * FROM recorded UNION ALL SELECT * FROM from_results) x
            LEFT JOIN cfg_action c ON c.name = x.action
            LEFT JOIN roles r ON r.person_id = x.person_id
            ORDER BY x.person_id, x.action_date, x.action_id
        """)
    finally:
        con.unregister("_from_results")
