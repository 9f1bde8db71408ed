"""The questions the victim, case review, CMARAC and VOL pages ask, over the person-level marts.

Person-level: only pages behind :func:`dashboard.auth.require_page` call these. The case
review ledger, practice checks and CMARAC list are computed by the pure functions in
:mod:`pipelines.analysis` from the marts, cached per warehouse version and date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from pipelines.analysis import case_review as cr
from pipelines.analysis import risk_matrix as rm
from pipelines.analysis import vol
from pipelines.case_reviews import (
    TEMPLATE_COLUMNS,
    Application,
    ImportResult,
    add_application,
    complaints_sql,
    import_applications,
    template_csv,
)
from pipelines.config import load_config

from .data import query, warehouse, write

__all__ = [
    "config",
    "rules",
    "matrix",
    "latest_report_date",
    "ledger",
    "flagged",
    "names",
    "find_people",
    "person",
    "person_incidents",
    "person_actions",
    "person_assessments",
    "person_cases",
    "victim_timeline",
    "linked_people",
    "person_places",
    "applications",
    "statutory",
    "record_application",
    "import_csv",
    "TEMPLATE_COLUMNS",
    "template_csv",
    "scored",
    "practice_checks",
    "cmarac",
    "ladder",
    "find_places",
    "place",
    "place_incidents",
    "place_people",
    "peak_times",
    "network",
]


def config() -> dict[str, Any]:
    return load_config()


def rules() -> cr.Rules:
    return cr.rules_from_config(config())


def matrix() -> rm.Matrix:
    return rm.matrix_from_config(config())


def latest_report_date() -> date | None:
    """The latest report held with a person in it (the pages' default as-of date)."""
    frame = query("SELECT CAST(max(reported_at) AS DATE) AS d FROM mart_person_incident")
    value = frame.iloc[0]["d"]
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _complaints() -> pd.DataFrame:
    sql, params = complaints_sql(rules().qualifying_roles)
    return query(sql, params)


@st.cache_data(show_spinner=False, max_entries=32)
def _ledger(path: str, version: int, as_of: date, key: str) -> cr.CaseReview:
    del path, version, key  # cache key only
    return cr.assess(_complaints(), as_of, rules())


def ledger(as_of: date) -> cr.CaseReview:
    """The case review ledger on ``as_of`` (cached per warehouse version)."""
    wh = warehouse()
    return _ledger(str(wh.path), wh.version, as_of, repr(rules()))


def names(ids: list[str]) -> pd.DataFrame:
    """``person_id``, ``name``, ``vulnerable``, ``agencies`` for the given people."""
    return query("SELECT person_id, name, vulnerable, agencies, person_record_ids, "
                 "victim_and_perpetrator FROM mart_person "
                 "WHERE person_id IN (SELECT unnest(?))", [list(ids)])


def flagged(as_of: date) -> pd.DataFrame:
    """People at the threshold or the second report on ``as_of``, with names."""
    frame = ledger(as_of).flagged()
    if frame.empty:
        return frame.assign(name=pd.Series(dtype=str), vulnerable=pd.Series(dtype=bool))
    who = names(frame["person_id"].tolist())
    return frame.merge(who[["person_id", "name", "vulnerable", "victim_and_perpetrator"]],
                       on="person_id", how="left")


def find_people(text: str = "", *, side: str = "any", limit: int = 200) -> pd.DataFrame:
    """People whose name or agency reference contains ``text``; ``side`` victim, perpetrator
    or any. Most involved first."""
    cond = {"victim": "victim_incidents > 0", "perpetrator": "perpetrator_incidents > 0"
            }.get(side, "TRUE")
    like = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace(
        "_", "\\_") + "%"
    return query(
        "SELECT person_id, name, victim_incidents, perpetrator_incidents, "
        "victim_and_perpetrator, agencies FROM mart_person "
        f"WHERE {cond} AND search_text LIKE ? ESCAPE '\\' "
        "ORDER BY victim_incidents + perpetrator_incidents DESC, person_id LIMIT ?",
        [like, limit])


def person(person_id: str) -> dict[str, Any] | None:
    frame = query("SELECT * FROM mart_person WHERE person_id = ?", [person_id])
    return None if frame.empty else frame.iloc[0].to_dict()


def person_incidents(person_id: str) -> pd.DataFrame:
    return query("SELECT * FROM mart_person_incident WHERE person_id = ? "
                 "ORDER BY reported_at, incident_id, role", [person_id])


def person_actions(person_id: str) -> pd.DataFrame:
    return query("SELECT * FROM mart_person_action WHERE person_id = ? "
                 "ORDER BY action_date, action_id", [person_id])


def person_assessments(person_id: str) -> pd.DataFrame:
    return query("SELECT * FROM mart_risk_assessment WHERE person_id = ? "
                 "ORDER BY assessed_at, assessment_id", [person_id])


def person_cases(person_id: str) -> pd.DataFrame:
    return query("SELECT * FROM mart_person_case WHERE person_id = ? ORDER BY opened_at, case_id",
                 [person_id])


def victim_timeline(person_id: str) -> pd.DataFrame:
    """One timeline across agencies: reports, case events (opened, first contact, closed),
    risk assessments and actions. Columns ``on``, ``agency``, ``event``, ``detail``, ``ref``.
    """
    rows: list[dict[str, Any]] = []
    for r in person_incidents(person_id).itertuples(index=False):
        what = ", ".join(str(x) for x in (r.category, r.subtype) if isinstance(x, str))
        late = (f"; reported {int(r.days_to_report)} days after the behaviour"
                if pd.notna(r.days_to_report) and r.days_to_report > rules().qualifying_report_days
                else "")
        hate = "; hate-related" if r.hate_related else ""
        rows.append({"on": r.reported_at, "agency": r.agency, "event": f"report ({r.role})",
                     "detail": f"{what or 'ASB'} at {r.location_text or 'no place given'}"
                               f"{hate}{late}", "ref": r.incident_id})
    for c in person_cases(person_id).itertuples(index=False):
        agency = c.agency
        for when, event in ((c.opened_at, "case opened"), (c.first_contact_at, "first contact"),
                            (c.closed_at, "case closed")):
            if pd.notna(when):
                detail = ""
                if event == "case closed":
                    detail = f"{c.closure_reason or ''}" + (
                        f"; satisfaction {int(c.satisfaction)}/5" if pd.notna(c.satisfaction)
                        else "")
                rows.append({"on": pd.Timestamp(when), "agency": agency, "event": event,
                             "detail": detail, "ref": c.case_id})
    for a in person_assessments(person_id).itertuples(index=False):
        raised = f", raised by an officer: {a.override_reason}" if a.override_outcome == "raised" \
            else ""
        rows.append({"on": pd.Timestamp(a.assessed_at), "agency": a.agency,
                     "event": "risk assessment",
                     "detail": f"score {a.score:g}, {a.band} risk{raised}",
                     "ref": a.assessment_id})
    for a in person_actions(person_id).itertuples(index=False):
        rows.append({"on": pd.Timestamp(a.action_date), "agency": a.agency,
                     "event": f"action: {a.action}",
                     "detail": str(a.outcome or "") + (" (from the police result)"
                                                       if a.evidence == "police result text"
                                                       else ""),
                     "ref": a.case_id or a.incident_id or ""})
    frame = pd.DataFrame(rows, columns=["on", "agency", "event", "detail", "ref"])
    frame["on"] = pd.to_datetime(frame["on"])
    return frame.sort_values(["on", "event"], kind="stable").reset_index(drop=True)


def linked_people(person_id: str, their_roles: tuple[str, ...]) -> pd.DataFrame:
    """Other people in ``their_roles`` on this person's incidents: name, shared incidents,
    first and last shared report."""
    return query(
        "WITH mine AS (SELECT DISTINCT incident_id FROM mart_person_incident WHERE person_id = ?) "
        "SELECT o.person_id, p.name, count(DISTINCT o.incident_group_id) AS incidents, "
        "min(o.reported_at) AS first_report, max(o.reported_at) AS last_report, "
        "p.victim_and_perpetrator FROM mart_person_incident o "
        "JOIN mine USING (incident_id) LEFT JOIN mart_person p USING (person_id) "
        "WHERE o.person_id <> ? AND o.role IN (SELECT unnest(?)) "
        "GROUP BY o.person_id, p.name, p.victim_and_perpetrator "
        "ORDER BY incidents DESC, o.person_id", [person_id, person_id, list(their_roles)])


def person_places(person_id: str) -> pd.DataFrame:
    return query(
        "SELECT place_id, any_value(place_label) AS place, any_value(place_kind) AS kind, "
        "count(DISTINCT incident_group_id) AS incidents, min(reported_at) AS first_report, "
        "max(reported_at) AS last_report FROM mart_person_incident "
        "WHERE person_id = ? AND place_id IS NOT NULL GROUP BY place_id "
        "ORDER BY incidents DESC, place_id", [person_id])


# -- Case review applications -------------------------------------------------------------


def applications() -> pd.DataFrame:
    exists = query("SELECT count(*) AS n FROM information_schema.tables "
                   "WHERE table_name = 'mart_case_review'")
    if int(exists.iloc[0]["n"]) == 0:
        return pd.DataFrame(columns=["application_id", "received_on", "threshold_met",
                                     "review_held_on", "recommendations_made"])
    return query("SELECT * FROM mart_case_review ORDER BY received_on DESC, application_id")


def statutory(start: date, end: date) -> cr.StatutoryFigures:
    return cr.statutory_figures(applications(), start, end)


def record_application(app: Application, recorded_by: str) -> str:
    return write(lambda cur: add_application(cur, app, recorded_by=recorded_by,
                                             config=config()))


def import_csv(data: bytes, name: str, recorded_by: str) -> ImportResult:
    return write(lambda cur: import_applications(cur, data, name=name, recorded_by=recorded_by,
                                                 config=config()))


# -- Risk Assessment Matrix ----------------------------------------------------------------


def scored() -> pd.DataFrame:
    frame = query("SELECT * FROM mart_risk_assessment ORDER BY person_id, assessed_at, "
                  "assessment_id")
    for column in ("assessed_at", "next_review_due", "review_due"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _case_people() -> pd.DataFrame:
    return query("SELECT case_id, person_id, first_report FROM mart_person_case "
                 "WHERE first_report IS NOT NULL")


def _cases() -> pd.DataFrame:
    return query("SELECT DISTINCT case_id, opened_at, closed_at FROM mart_person_case")


@st.cache_data(show_spinner=False, max_entries=16)
def _checks(path: str, version: int, as_of: date, key: str) -> pd.DataFrame:
    del path, version, key
    return rm.practice_checks(scored(), _case_people(), _cases(), as_of, matrix())


def practice_checks(as_of: date) -> pd.DataFrame:
    """The practice checks on ``as_of``, with names."""
    wh = warehouse()
    frame = _checks(str(wh.path), wh.version, as_of, repr(matrix()))
    if frame.empty:
        return frame.assign(name=pd.Series(dtype=str))
    who = names(frame["person_id"].unique().tolist())[["person_id", "name"]]
    return frame.merge(who, on="person_id", how="left")


def _open_actions(as_of: date) -> pd.DataFrame:
    """Actions on cases open at ``as_of`` (by any agency), per victim of the case, and actions
    aimed at the person in the six months to ``as_of``."""
    start, _ = cr.window(as_of, rules().window_months)
    return query(
        "WITH victims AS (SELECT DISTINCT person_id, case_id FROM mart_person_case "
        "WHERE role IN ('victim', 'victim and perpetrator') AND opened_at <= ? AND "
        "(closed_at IS NULL OR closed_at > ?)) "
        "SELECT v.person_id, a.action, a.action_date FROM victims v "
        "JOIN mart_person_action a ON a.case_id = v.case_id WHERE a.action_date <= ? "
        "UNION SELECT person_id, action, action_date FROM mart_person_action "
        "WHERE action_date BETWEEN ? AND ?",
        [as_of, as_of, as_of, start, as_of])


def _active(as_of: date) -> list[str]:
    review = ledger(as_of)
    active = set(review.people["person_id"])
    open_people = query(
        "SELECT DISTINCT person_id FROM mart_person_case WHERE role IN ('victim', "
        "'victim and perpetrator') AND opened_at <= ? AND (closed_at IS NULL OR closed_at > ?)",
        [as_of, as_of])
    return sorted(active | set(open_people["person_id"]))


def cmarac(as_of: date) -> pd.DataFrame:
    """The CMARAC list on ``as_of`` with names."""
    review = ledger(as_of)
    people = query("SELECT person_id, vulnerable FROM mart_person")
    status = review.people.set_index("person_id")["status"]
    people["status"] = people["person_id"].map(status)
    frame = rm.cmarac_list(scored(), people, _open_actions(as_of), as_of, matrix(),
                           active_ids=_active(as_of))
    if frame.empty:
        return frame.assign(name=pd.Series(dtype=str))
    who = names(frame["person_id"].tolist())[["person_id", "name"]]
    return frame.merge(who, on="person_id", how="left")


# -- Perpetrators, places, networks -------------------------------------------------------


def ladder() -> pd.DataFrame:
    return vol.ladder_from_config(config())


def find_places(text: str = "", limit: int = 200) -> pd.DataFrame:
    """Places with people recorded, matching ``text``; busiest first."""
    like = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace(
        "_", "\\_") + "%"
    return query(
        "SELECT place_id, any_value(place_label) AS place, any_value(place_kind) AS kind, "
        "count(DISTINCT incident_group_id) AS incidents, count(DISTINCT person_id) AS people "
        "FROM mart_person_incident WHERE place_id IS NOT NULL AND "
        "(lower(place_label) LIKE ? ESCAPE '\\' OR lower(place_id) LIKE ? ESCAPE '\\') "
        "GROUP BY place_id ORDER BY incidents DESC, place_id LIMIT ?",
        [like, like, limit])


def place(place_id: str) -> dict[str, Any]:
    """Headline figures for a place: reports held there (with or without people), victims,
    perpetrators and cases."""
    row = query(
        "WITH i AS (SELECT * FROM mart_place_incident WHERE place_id = ?), "
        "p AS (SELECT * FROM mart_person_incident WHERE place_id = ?) "
        "SELECT (SELECT any_value(place_label) FROM i) AS place, "
        "(SELECT any_value(place_kind) FROM i) AS kind, "
        "(SELECT count(*) FROM i) AS reports, "
        "(SELECT count(DISTINCT person_id) FROM p WHERE as_victim) AS victims, "
        "(SELECT count(DISTINCT person_id) FROM p WHERE as_perpetrator) AS perpetrators, "
        "(SELECT count(DISTINCT case_id) FROM p) AS cases, "
        "(SELECT min(reported_at) FROM i) AS first_report, "
        "(SELECT max(reported_at) FROM i) AS last_report, "
        "(SELECT any_value(csp_name) FROM i) AS csp_name, "
        "(SELECT any_value(ward_name) FROM i) AS ward_name", [place_id, place_id])
    return row.iloc[0].to_dict()


def place_incidents(place_id: str) -> pd.DataFrame:
    """Every report at the place (every source, with or without people), newest first."""
    return query(
        "SELECT incident_id, agency, source_ref, month, reported_at, occurred_at, occurred_to, "
        "time_precision, crime_type, category, subtype, hate_related, case_id "
        "FROM mart_place_incident WHERE place_id = ? "
        "ORDER BY month DESC, reported_at DESC NULLS LAST, incident_id", [place_id])


def place_people(place_id: str) -> pd.DataFrame:
    return query(
        "SELECT p.person_id, m.name, string_agg(DISTINCT p.role, ', ' ORDER BY p.role) AS roles, "
        "count(DISTINCT p.incident_group_id) AS incidents, max(p.reported_at) AS last_report, "
        "m.victim_and_perpetrator FROM mart_person_incident p "
        "LEFT JOIN mart_person m USING (person_id) WHERE p.place_id = ? "
        "GROUP BY p.person_id, m.name, m.victim_and_perpetrator "
        "ORDER BY incidents DESC, p.person_id", [place_id])


def peak_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Day-of-week by time-of-day counts (reports with only a month are left out)."""
    return vol.peak_times(frame)


def network(start: str, depth: int) -> vol.Network:
    """The network around ``person:<id>`` or ``place:<place_id>``, people labelled by name."""
    inv = query("SELECT person_id, incident_id, role, place_id AS location_key, "
                "place_label AS location_text FROM mart_person_incident")
    net = vol.network(inv, start, depth)
    ids = net.nodes.loc[net.nodes["kind"] == "person", "ref"].tolist()
    labels = dict(zip(*names(ids)[["person_id", "name"]].values.T, strict=True))
    nodes = net.nodes.copy()
    is_person = nodes["kind"] == "person"
    nodes.loc[is_person, "label"] = nodes.loc[is_person, "ref"].map(labels).fillna(
        nodes.loc[is_person, "ref"])
    return vol.Network(net.start, nodes, net.edges)
