"""The problem-solving workspace: OSARA from objective to assessment, kept in the warehouse.

A forum defines a *problem* (a place, a period, categories, optionally linked people and
locations), sets an *objective* with a measurable target, freezes the *scanning and analysis*
figures as dated snapshots it can cite later, plans and records *responses* (from the
configured response library, which the workspace suggests from the analysis), and *assesses*
the result with a before/after comparison and the weighted displacement quotient.

Problems live in ``app_problem*`` tables. Warehouse builds only replace ``core_``, ``int_``
and ``mart_`` tables, so a rebuild of the imported data never touches them, and every change
is written to ``app_problem_history``. Snapshots store their figures as JSON: loading new data
never changes a snapshot already taken.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import shapely

from .analysis import uneven_sources
from .analysis.assessment import Assessment, assess_response
from .analysis.grid import assign_cells
from .analysis.peaktimes import hour_of_week
from .db import first_row, scalar
from .errors import AsbError

__all__ = [
    "ProblemProblem",
    "Place",
    "Objective",
    "Problem",
    "ensure_tables",
    "create_problem",
    "get_problem",
    "list_problems",
    "update_problem",
    "problem_incidents",
    "analyse_problem",
    "take_snapshot",
    "snapshots",
    "detect_patterns",
    "suggest_responses",
    "add_response",
    "update_response",
    "responses",
    "enforcement_actions",
    "assess_problem",
    "latest_assessment",
    "close_problem",
    "reopen_problem",
    "history",
    "profile_html",
    "export_profile",
]

STATUSES = ("open", "closed")
RESPONSE_STATUSES = ("planned", "in progress", "delivered", "cancelled")

_DDL = """
CREATE SEQUENCE IF NOT EXISTS app_problem_seq START 1;
CREATE SEQUENCE IF NOT EXISTS app_problem_item_seq START 1;
CREATE TABLE IF NOT EXISTS app_problem (
    problem_id     INTEGER PRIMARY KEY,
    name           VARCHAR NOT NULL,
    owner          VARCHAR NOT NULL,
    partners       JSON,
    status         VARCHAR NOT NULL,
    place          JSON NOT NULL,
    period_start   DATE NOT NULL,
    period_end     DATE NOT NULL,
    categories     JSON,
    subtypes       JSON,
    person_ids     JSON,
    location_keys  JSON,
    objective      JSON,
    next_review    DATE,
    result         VARCHAR,
    lessons        VARCHAR,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS app_problem_history (
    problem_id  INTEGER NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    changed_by  VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    field       VARCHAR,
    old_value   VARCHAR,
    new_value   VARCHAR
);
CREATE TABLE IF NOT EXISTS app_problem_snapshot (
    snapshot_id INTEGER PRIMARY KEY,
    problem_id  INTEGER NOT NULL,
    taken_at    TIMESTAMP NOT NULL,
    taken_by    VARCHAR NOT NULL,
    label       VARCHAR,
    notes       VARCHAR,
    figures     JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS app_problem_response (
    response_id     INTEGER PRIMARY KEY,
    problem_id      INTEGER NOT NULL,
    response        VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    agency          VARCHAR,
    planned_start   DATE,
    planned_end     DATE,
    delivered_start DATE,
    delivered_end   DATE,
    status          VARCHAR NOT NULL,
    notes           VARCHAR
);
CREATE TABLE IF NOT EXISTS app_problem_assessment (
    assessment_id INTEGER PRIMARY KEY,
    problem_id    INTEGER NOT NULL,
    assessed_at   TIMESTAMP NOT NULL,
    assessed_by   VARCHAR NOT NULL,
    start_date    DATE NOT NULL,
    period_months INTEGER NOT NULL,
    buffer_m      DOUBLE,
    figures       JSON NOT NULL,
    reading       VARCHAR NOT NULL,
    target_met    BOOLEAN
);
"""


class ProblemProblem(AsbError):
    """A problem-solving action cannot be done as asked (the message says why)."""


@dataclass
class Place:
    """Where a problem is: any mix of LSOAs, wards, grid cells or a drawn polygon.

    ``polygon_wkt`` is in British National Grid (EPSG:27700); cell ids are as made by
    :func:`pipelines.analysis.grid.cell_ids` for ``cell_size``.
    """

    lsoa_codes: list[str] = field(default_factory=list)
    ward_codes: list[str] = field(default_factory=list)
    cell_ids: list[str] = field(default_factory=list)
    cell_size: float = 250.0
    polygon_wkt: str | None = None

    def is_empty(self) -> bool:
        return not (self.lsoa_codes or self.ward_codes or self.cell_ids or self.polygon_wkt)

    def describe(self) -> str:
        parts = []
        if self.lsoa_codes:
            parts.append(f"{len(self.lsoa_codes)} LSOA(s)")
        if self.ward_codes:
            parts.append(f"{len(self.ward_codes)} ward(s)")
        if self.cell_ids:
            parts.append(f"{len(self.cell_ids)} grid cell(s) of {self.cell_size:g} m")
        if self.polygon_wkt:
            parts.append("a drawn area")
        return ", ".join(parts) or "no place"


@dataclass
class Objective:
    """What the forum wants to achieve, and the measurable target.

    The default target reads "reduce ASB reports in the area by ``target_pct`` % over the
    ``period_months`` months after the response starts" (optionally of some categories).
    """

    text: str = ""
    target_pct: float | None = None
    period_months: int = 6
    categories: list[str] = field(default_factory=list)
    by: str | None = None  # YYYY-MM-DD

    def describe(self) -> str:
        if self.target_pct is None:
            return self.text or "no measurable target set"
        what = " and ".join(self.categories) + " ASB" if self.categories else "ASB"
        target = (f"reduce {what} reports in the area by {self.target_pct:g}% over the "
                  f"{self.period_months} months after the response starts")
        return f"{self.text} ({target})" if self.text else target


@dataclass
class Problem:
    problem_id: int
    name: str
    owner: str
    partners: list[str]
    status: str
    place: Place
    period_start: date
    period_end: date
    categories: list[str]
    subtypes: list[str]
    person_ids: list[str]
    location_keys: list[str]
    objective: Objective
    next_review: date | None
    result: str | None
    lessons: str | None
    created_at: datetime
    updated_at: datetime


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the problem tables if they do not exist (idempotent)."""
    con.execute(_DDL)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _log(con: duckdb.DuckDBPyConnection, problem_id: int, by: str, action: str,
         field_name: str | None = None, old: Any = None, new: Any = None) -> None:
    con.execute(
        "INSERT INTO app_problem_history VALUES (?, ?, ?, ?, ?, ?, ?)",
        [problem_id, _now(), by, action, field_name,
         None if old is None else _json(old), None if new is None else _json(new)],
    )


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise ProblemProblem(f"the period ends ({end}) before it starts ({start})")


def create_problem(
    con: duckdb.DuckDBPyConnection,
    *,
    name: str,
    owner: str,
    place: Place,
    period_start: date,
    period_end: date,
    partners: Sequence[str] = (),
    categories: Sequence[str] = (),
    subtypes: Sequence[str] = (),
    person_ids: Sequence[str] = (),
    location_keys: Sequence[str] = (),
    objective: Objective | None = None,
    next_review: date | None = None,
    by: str,
) -> int:
    """Define a problem and return its id."""
    ensure_tables(con)
    if not name.strip():
        raise ProblemProblem("a problem needs a name")
    if not owner.strip():
        raise ProblemProblem("a problem needs an owner")
    if place.is_empty() and not location_keys:
        raise ProblemProblem("a problem needs a place: pick LSOAs, wards, cells or draw an area")
    _check_period(period_start, period_end)
    problem_id = int(scalar(con, "SELECT nextval('app_problem_seq')"))
    now = _now()
    con.execute(
        "INSERT INTO app_problem VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, "
        "NULL, ?, ?)",
        [problem_id, name.strip(), owner.strip(), _json(list(partners)), _json(asdict(place)),
         period_start, period_end, _json(list(categories)), _json(list(subtypes)),
         _json(list(person_ids)), _json(list(location_keys)),
         _json(asdict(objective or Objective())), next_review, now, now],
    )
    _log(con, problem_id, by, "created", new=name.strip())
    return problem_id


def _load(value: Any, default: Any) -> Any:
    return json.loads(value) if value is not None else default


def get_problem(con: duckdb.DuckDBPyConnection, problem_id: int) -> Problem:
    """The problem with this id (raises :class:`ProblemProblem` if there is none)."""
    ensure_tables(con)
    row = first_row(
        con,
        "SELECT problem_id, name, owner, partners, status, place, period_start, period_end, "
        "categories, subtypes, person_ids, location_keys, objective, next_review, result, "
        "lessons, created_at, updated_at FROM app_problem WHERE problem_id = ?",
        [problem_id],
    )
    if row is None:
        raise ProblemProblem(f"there is no problem number {problem_id}")
    return Problem(
        problem_id=row[0], name=row[1], owner=row[2], partners=_load(row[3], []),
        status=row[4], place=Place(**_load(row[5], {})), period_start=row[6],
        period_end=row[7], categories=_load(row[8], []), subtypes=_load(row[9], []),
        person_ids=_load(row[10], []), location_keys=_load(row[11], []),
        objective=Objective(**_load(row[12], {})), next_review=row[13], result=row[14],
        lessons=row[15], created_at=row[16], updated_at=row[17],
    )


def list_problems(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every problem with its status, next review, result and how much has been recorded."""
    ensure_tables(con)
    return con.execute(
        "SELECT p.problem_id, p.name, p.owner, p.status, p.next_review, p.result, "
        "p.period_start, p.period_end, p.updated_at, "
        "(SELECT count(*) FROM app_problem_response r WHERE r.problem_id = p.problem_id) "
        "AS responses, "
        "(SELECT count(*) FROM app_problem_snapshot s WHERE s.problem_id = p.problem_id) "
        "AS snapshots, "
        "(SELECT any_value(a.target_met ORDER BY a.assessed_at DESC) FROM "
        "app_problem_assessment a WHERE a.problem_id = p.problem_id) AS target_met "
        "FROM app_problem p ORDER BY p.status DESC, p.next_review NULLS LAST, p.problem_id"
    ).df()


_EDITABLE = {
    "name", "owner", "partners", "place", "period_start", "period_end", "categories",
    "subtypes", "person_ids", "location_keys", "objective", "next_review",
}


def update_problem(con: duckdb.DuckDBPyConnection, problem_id: int, *, by: str,
                   **changes: Any) -> list[str]:
    """Change fields of a problem, recording each change in the history; returns the fields
    that actually changed."""
    unknown = sorted(set(changes) - _EDITABLE)
    if unknown:
        raise ProblemProblem(f"cannot change {', '.join(unknown)} here")
    current = get_problem(con, problem_id)
    changed = []
    for name, value in changes.items():
        old = getattr(current, name)
        value_json: Any
        old_json: Any
        if isinstance(value, Place | Objective):
            value_json, old_json = asdict(value), asdict(old)
        elif isinstance(value, tuple):
            value_json, old_json = list(value), old
        else:
            value_json, old_json = value, old
        if value_json == old_json:
            continue
        if name in ("period_start", "period_end"):
            start = value if name == "period_start" else current.period_start
            end = value if name == "period_end" else current.period_end
            _check_period(start, end)
        stored = _json(value_json) if name in (
            "partners", "place", "categories", "subtypes", "person_ids", "location_keys",
            "objective") else value_json
        con.execute(f"UPDATE app_problem SET {name} = ?, updated_at = ? WHERE problem_id = ?",
                    [stored, _now(), problem_id])
        _log(con, problem_id, by, "changed", name, old_json, value_json)
        changed.append(name)
    return changed


def history(con: duckdb.DuckDBPyConnection, problem_id: int) -> pd.DataFrame:
    ensure_tables(con)
    return con.execute(
        "SELECT changed_at, changed_by, action, field, old_value, new_value "
        "FROM app_problem_history WHERE problem_id = ? ORDER BY changed_at, action",
        [problem_id],
    ).df()


# --------------------------------------------------------------------------------------------
# The problem's incidents


_INCIDENT_COLUMNS = (
    "incident_id, source_name, agency, category, subtype, month, reported_at, occurred_at, "
    "occurred_to, time_precision, easting, northing, location_key, location_text, lsoa_code, "
    "ward_code, csp_code, hate_related"
)


def _in_place(frame: pd.DataFrame, place: Place, location_keys: Sequence[str]) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    if place.lsoa_codes:
        mask |= frame["lsoa_code"].isin(place.lsoa_codes).to_numpy()
    if place.ward_codes:
        mask |= frame["ward_code"].isin(place.ward_codes).to_numpy()
    if location_keys:
        mask |= frame["location_key"].isin(list(location_keys)).to_numpy()
    located = frame["easting"].notna().to_numpy() & frame["northing"].notna().to_numpy()
    if place.cell_ids and located.any():
        cells = assign_cells(frame.loc[located, ["easting", "northing"]], place.cell_size)
        inside = cells["cell_id"].isin(place.cell_ids).to_numpy()
        idx = np.flatnonzero(located)
        mask[idx[inside]] = True
    if place.polygon_wkt and located.any():
        polygon = shapely.from_wkt(place.polygon_wkt)
        pts = shapely.points(frame.loc[located, "easting"].to_numpy(float),
                             frame.loc[located, "northing"].to_numpy(float))
        idx = np.flatnonzero(located)
        mask[idx[shapely.contains(polygon, pts)]] = True
    return mask


def problem_incidents(
    con: duckdb.DuckDBPyConnection,
    problem: Problem,
    *,
    start: date | None = None,
    end: date | None = None,
    whole_area: bool = False,
) -> pd.DataFrame:
    """ASB incidents of the problem: its categories and subtypes, in its place and period.

    ``start``/``end`` override the problem's period; ``whole_area`` returns every matching
    incident in the CSP areas the place touches (for comparisons), with an ``in_place`` flag.
    Cross-agency duplicate reports count once (the first report of each incident group).
    """
    start = start or problem.period_start
    end = end or problem.period_end
    conditions = ["i.is_asb", "i.month BETWEEN ? AND ?"]
    params: list[Any] = [start.replace(day=1), end]
    if problem.categories:
        conditions.append("i.category IN (SELECT unnest(?))")
        params.append(list(problem.categories))
    if problem.subtypes:
        conditions.append("i.subtype IN (SELECT unnest(?))")
        params.append(list(problem.subtypes))
    group_join = ""
    if scalar(con, "SELECT count(*) FROM information_schema.tables "
                   "WHERE table_name = 'core_incident_group'"):
        group_join = ("JOIN (SELECT min(incident_id) AS incident_id FROM core_incident_group "
                      "GROUP BY incident_group_id) g USING (incident_id)")
    frame = con.execute(
        f"SELECT {', '.join('i.' + c.strip() for c in _INCIDENT_COLUMNS.split(','))} "
        f"FROM mart_incident i {group_join} WHERE {' AND '.join(conditions)} "
        "ORDER BY i.month, i.incident_id",
        params,
    ).df()
    mask = _in_place(frame, problem.place, problem.location_keys)
    if whole_area:
        csps = set(frame.loc[mask, "csp_code"].dropna())
        frame = frame.assign(in_place=mask)
        return frame[frame["csp_code"].isin(csps) | frame["in_place"]].reset_index(drop=True)
    return frame[mask].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Scanning and analysis: snapshots


def _people_counts(con: duckdb.DuckDBPyConnection, incident_ids: list[str]) -> dict[str, int]:
    """How many people are repeat victims / repeat perpetrators in these incidents."""
    if not incident_ids:
        return {"victims": 0, "repeat_victims": 0, "perpetrators": 0, "repeat_perpetrators": 0}
    row = first_row(
        con,
        "WITH roles AS (SELECT coalesce(l.person_id, r.person_record_id) AS person_id, r.role, "
        "r.incident_id FROM core_person_role r "
        "LEFT JOIN core_person_link l USING (person_record_id) "
        "WHERE r.incident_id IN (SELECT unnest(?))), "
        "v AS (SELECT person_id, count(DISTINCT incident_id) AS n FROM roles "
        "WHERE role IN ('victim', 'complainant') GROUP BY person_id), "
        "p AS (SELECT person_id, count(DISTINCT incident_id) AS n FROM roles "
        "WHERE role IN ('perpetrator', 'suspect') GROUP BY person_id) "
        "SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM v WHERE n >= 3), "
        "(SELECT count(*) FROM p), (SELECT count(*) FROM p WHERE n >= 3)",
        [incident_ids],
    )
    assert row is not None
    return {"victims": int(row[0]), "repeat_victims": int(row[1]),
            "perpetrators": int(row[2]), "repeat_perpetrators": int(row[3])}


_LICENSED_WORDS = ("drink", "drunk", "alcohol", "pub", "licen", "bar ", "nightclub")
_YOUTH_WORDS = ("youth", "young", "teen", "juvenile", "school", "kids", "gang")
_VEHICLE_WORDS = ("vehicle", "car ", "moped", "motorbike", "off-road", "quad", "driving")


def detect_patterns(figures: dict[str, Any]) -> list[str]:
    """The patterns in a snapshot's figures that the response library keys on.

    Examples
    --------
    >>> hw = [[0] * 24 for _ in range(7)]
    >>> hw[4][23] = hw[5][23] = hw[5][1] = 10
    >>> detect_patterns({"hour_of_week": hw, "total": 30, "by_category": {},
    ...                  "subtypes": {}, "top_locations": [], "people": {}})
    ['late_night', 'weekend']
    """
    found = []
    hw = np.asarray(figures.get("hour_of_week") or np.zeros((7, 24)), dtype=float)
    timed = hw.sum()
    if timed > 0:
        by_hour = hw.sum(axis=0) / timed
        late = by_hour[[22, 23, 0, 1, 2, 3]].sum()
        evening = by_hour[18:22].sum()
        if late >= 0.25:
            found.append("late_night")
        if evening >= 0.35:
            found.append("evening")
        weekend_nights = (hw[4, 18:].sum() + hw[5, :].sum() + hw[6, :4].sum()) / timed
        if weekend_nights >= 0.35:
            found.append("weekend")
        school_end = hw[:5, 15:18].sum() / timed
        if school_end >= 0.2:
            found.append("school_hours_end")
    total = max(int(figures.get("total") or 0), 1)
    top = figures.get("top_locations") or []
    if top and top[0]["incidents"] / total >= 0.2 and top[0]["incidents"] >= 3:
        found.append("repeat_location")
    if (figures.get("people") or {}).get("repeat_victims", 0) > 0:
        found.append("repeat_victim")
    cats = figures.get("by_category") or {}
    if cats.get("environmental", 0) / total >= 0.5:
        found.append("environmental")
    text = " ".join(str(k).lower() for k in (figures.get("subtypes") or {}))
    if any(w in text for w in _YOUTH_WORDS):
        found.append("youth")
    if any(w in text for w in _LICENSED_WORDS):
        found.append("licensed")
    if any(w in text for w in _VEHICLE_WORDS):
        found.append("vehicles")
    return found


def analyse_problem(con: duckdb.DuckDBPyConnection, problem: Problem) -> dict[str, Any]:
    """The problem's scanning and analysis figures as the data stands now (aggregates only:
    counts of people, never names)."""
    incidents = problem_incidents(con, problem)
    months = (incidents.groupby(incidents["month"].dt.strftime("%Y-%m")).size()
              if len(incidents) else pd.Series(dtype=int))
    hw = hour_of_week(incidents) if len(incidents) else None
    top = (incidents.dropna(subset=["location_key"]).groupby("location_key")
           .agg(incidents=("incident_id", "size"), location=("location_text", "first"))
           .sort_values("incidents", ascending=False).head(10).reset_index())
    people = _people_counts(con, incidents["incident_id"].tolist())
    figures: dict[str, Any] = {
        "problem": problem.name,
        "place": problem.place.describe(),
        "period": [str(problem.period_start), str(problem.period_end)],
        "total": int(len(incidents)),
        "by_month": {k: int(v) for k, v in months.items()},
        "by_category": {str(k): int(v) for k, v in
                        incidents["category"].fillna("not given").value_counts().items()},
        "subtypes": {str(k): int(v) for k, v in
                     incidents["subtype"].dropna().value_counts().head(15).items()},
        "by_source": {str(k): int(v) for k, v in incidents["source_name"].value_counts().items()},
        "by_lsoa": {str(k): int(v) for k, v in
                    incidents["lsoa_code"].dropna().value_counts().head(15).items()},
        "hour_of_week": hw.matrix.round(3).to_numpy().tolist() if hw is not None else None,
        "month_only_excluded": int(hw.n_month_only) if hw is not None else 0,
        "top_locations": [
            {"location_key": r.location_key, "location": r.location, "incidents": int(r.incidents)}
            for r in top.itertuples()
        ],
        "people": people,
    }
    figures["triangle"] = {
        "victims": people["victims"],
        "offenders": people["perpetrators"],
        "locations": int(incidents["location_key"].nunique()),
    }
    figures["patterns"] = detect_patterns(figures)
    return figures


def take_snapshot(con: duckdb.DuckDBPyConnection, problem_id: int, *, by: str,
                  label: str = "", notes: str = "") -> int:
    """Freeze the problem's scanning and analysis figures, dated; returns the snapshot id.

    The figures are stored, not recomputed: a snapshot cited in minutes never changes.
    """
    problem = get_problem(con, problem_id)
    figures = analyse_problem(con, problem)
    snapshot_id = int(scalar(con, "SELECT nextval('app_problem_item_seq')"))
    con.execute(
        "INSERT INTO app_problem_snapshot VALUES (?, ?, ?, ?, ?, ?, ?)",
        [snapshot_id, problem_id, _now(), by, label or f"Snapshot {date.today():%d/%m/%Y}",
         notes, _json(figures)],
    )
    _log(con, problem_id, by, "snapshot", new=label or snapshot_id)
    return snapshot_id


def snapshots(con: duckdb.DuckDBPyConnection, problem_id: int) -> list[dict[str, Any]]:
    """The problem's snapshots, newest first, with their frozen figures."""
    ensure_tables(con)
    rows = con.execute(
        "SELECT snapshot_id, taken_at, taken_by, label, notes, figures FROM app_problem_snapshot "
        "WHERE problem_id = ? ORDER BY taken_at DESC, snapshot_id DESC",
        [problem_id],
    ).fetchall()
    return [
        {"snapshot_id": r[0], "taken_at": r[1], "taken_by": r[2], "label": r[3], "notes": r[4],
         "figures": json.loads(r[5])}
        for r in rows
    ]


# --------------------------------------------------------------------------------------------
# Response


def suggest_responses(config: dict[str, Any], patterns: Iterable[str]) -> list[dict[str, str]]:
    """Responses from the configured library whose triggers match the analysis, with why.

    Examples
    --------
    >>> cfg = {"responses": [{"name": "lighting", "kind": "situational", "when": ["late_night"]},
    ...                      {"name": "gating", "kind": "situational", "when": ["repeat_location"]}]}
    >>> suggest_responses(cfg, ["late_night"])
    [{'response': 'lighting', 'kind': 'situational', 'because': 'late_night'}]
    """
    found = set(patterns)
    out = []
    for item in config.get("responses", []):
        hits = [w for w in item.get("when", []) if w in found]
        if hits:
            out.append({"response": item["name"], "kind": item.get("kind", "situational"),
                        "because": ", ".join(hits)})
    return out


def add_response(con: duckdb.DuckDBPyConnection, problem_id: int, *, by: str, response: str,
                 kind: str, agency: str = "", planned_start: date | None = None,
                 planned_end: date | None = None, delivered_start: date | None = None,
                 delivered_end: date | None = None, status: str = "planned",
                 notes: str = "") -> int:
    """Record a planned or delivered response; returns its id."""
    get_problem(con, problem_id)
    if not response.strip():
        raise ProblemProblem("name the response")
    if status not in RESPONSE_STATUSES:
        raise ProblemProblem(f"status must be one of {', '.join(RESPONSE_STATUSES)}")
    for a, b, what in ((planned_start, planned_end, "planned"),
                       (delivered_start, delivered_end, "delivered")):
        if a and b and b < a:
            raise ProblemProblem(f"the {what} end ({b}) is before its start ({a})")
    response_id = int(scalar(con, "SELECT nextval('app_problem_item_seq')"))
    con.execute(
        "INSERT INTO app_problem_response VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [response_id, problem_id, response.strip(), kind, agency, planned_start, planned_end,
         delivered_start, delivered_end, status, notes],
    )
    _log(con, problem_id, by, "response added", "response", None, response.strip())
    return response_id


def update_response(con: duckdb.DuckDBPyConnection, response_id: int, *, by: str,
                    **changes: Any) -> None:
    allowed = {"agency", "planned_start", "planned_end", "delivered_start", "delivered_end",
               "status", "notes"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ProblemProblem(f"cannot change {', '.join(unknown)} on a response")
    row = first_row(con, "SELECT problem_id FROM app_problem_response WHERE response_id = ?",
                    [response_id])
    if row is None:
        raise ProblemProblem(f"there is no response number {response_id}")
    if "status" in changes and changes["status"] not in RESPONSE_STATUSES:
        raise ProblemProblem(f"status must be one of {', '.join(RESPONSE_STATUSES)}")
    for name, value in changes.items():
        con.execute(f"UPDATE app_problem_response SET {name} = ? WHERE response_id = ?",
                    [value, response_id])
        _log(con, row[0], by, "response changed", name, None, value)


def responses(con: duckdb.DuckDBPyConnection, problem_id: int) -> pd.DataFrame:
    ensure_tables(con)
    return con.execute(
        "SELECT response_id, response, kind, agency, status, planned_start, planned_end, "
        "delivered_start, delivered_end, notes FROM app_problem_response WHERE problem_id = ? "
        "ORDER BY coalesce(delivered_start, planned_start), response_id",
        [problem_id],
    ).df()


def enforcement_actions(con: duckdb.DuckDBPyConnection, problem: Problem) -> pd.DataFrame:
    """Tools and powers used on the problem's incidents and cases (from the actions data)."""
    incidents = problem_incidents(con, problem, end=max(problem.period_end, date.today()))
    ids = incidents["incident_id"].tolist()
    if not ids:
        return pd.DataFrame(columns=["action", "action_group", "actions", "first", "last"])
    return con.execute(
        "SELECT a.action, any_value(a.action_group) AS action_group, count(*) AS actions, "
        "min(a.action_date) AS first, max(a.action_date) AS last FROM core_action a "
        "WHERE a.incident_id IN (SELECT unnest(?)) OR a.case_id IN ("
        "SELECT DISTINCT agency || ':' || case_ref FROM core_incident "
        "WHERE incident_id IN (SELECT unnest(?)) AND case_ref IS NOT NULL) "
        "GROUP BY a.action ORDER BY actions DESC, a.action",
        [ids, ids],
    ).df()


# --------------------------------------------------------------------------------------------
# Assessment and closing


def _response_start(con: duckdb.DuckDBPyConnection, problem_id: int) -> date | None:
    row = first_row(
        con,
        "SELECT min(coalesce(delivered_start, planned_start)) FROM app_problem_response "
        "WHERE problem_id = ? AND status <> 'cancelled'",
        [problem_id],
    )
    return row[0] if row else None


def assess_problem(con: duckdb.DuckDBPyConnection, problem_id: int, *, by: str,
                   start: date | None = None, period_months: int | None = None,
                   buffer_m: float = 250.0, cell_size: float = 250.0) -> dict[str, Any]:
    """Before/after assessment of the response against the objective's target.

    The response area is the problem's place; the buffer is a ring ``buffer_m`` wide around
    its cells; the comparison area is the rest of the CSP areas the place lies in. The result
    is stored (``app_problem_assessment``) and returned.
    """
    problem = get_problem(con, problem_id)
    start = start or _response_start(con, problem_id)
    if start is None:
        raise ProblemProblem("record a response with a start date first (or give a start date)")
    months = int(period_months or problem.objective.period_months or 6)
    first = (pd.Timestamp(start) - pd.DateOffset(months=months)).date()
    last = (pd.Timestamp(start) + pd.DateOffset(months=months)).date()
    assess_for = Problem(**{**asdict(problem), "place": problem.place,
                            "objective": problem.objective})
    if problem.objective.categories:
        assess_for.categories = list(problem.objective.categories)
    frame = problem_incidents(con, assess_for, start=first, end=last, whole_area=True)
    located = frame.dropna(subset=["easting", "northing"])
    if not located["in_place"].any():
        raise ProblemProblem("no located incidents in the problem's place in the periods compared")
    place = problem.place
    area_kwargs: dict[str, Any]
    if place.lsoa_codes and not (place.ward_codes or place.cell_ids or place.polygon_wkt
                                 or problem.location_keys):
        # LSOAs by code, as the problem selects them (police.uk points can sit just outside).
        area_kwargs = {"response": list(place.lsoa_codes),
                       "boundaries": _lsoa_boundaries(con, place.lsoa_codes)}
    else:
        area_kwargs = {"response": _place_geometry(con, problem, located)}
    result: Assessment = assess_response(
        located, pd.Timestamp(start), buffer_width=buffer_m, period_months=months,
        cell_size=cell_size, **area_kwargs,
    )
    counts = result.counts.reset_index().rename(columns={"index": "area"})
    counts = counts.rename(columns={counts.columns[0]: "area"})
    response_row = result.counts.loc["response"]
    pct = response_row.get("pct_change")
    target = problem.objective.target_pct
    # A source that does not cover both windows makes the change partly a source starting or
    # stopping: the verdict on the target is withheld until every source covers both.
    uneven = _uneven_in(con, frame, [result.before, result.after])
    target_met = None
    if target is not None and pct is not None and not pd.isna(pct) and not uneven:
        target_met = bool(pct <= -float(target))
    figures = {
        "start": str(start), "period_months": months,
        "before": [str(d.date()) for d in result.before],
        "after": [str(d.date()) for d in result.after],
        "counts": json.loads(counts.to_json(orient="records")),
        "success_measure": result.success_measure, "buffer_measure": result.buffer_measure,
        "wdq": result.wdq, "outcome": result.outcome, "notes": list(result.notes),
        "areas": result.areas, "target_pct": target, "response_pct_change":
            None if pct is None or pd.isna(pct) else float(pct),
        "uneven_sources": uneven,
    }
    reading = result.reading
    if target is not None and figures["response_pct_change"] is not None:
        if uneven:
            reading += (f" Whether the objective's target (a {target:g}% reduction) was met "
                        "cannot be judged until every source covers both the before and the "
                        f"after months: {'; '.join(uneven)}.")
        else:
            verdict = "met" if target_met else "not met"
            reading += (f" The objective's target (a {target:g}% reduction) was {verdict}: "
                        f"reports in the area changed by "
                        f"{figures['response_pct_change']:+.0f}%.")
    assessment_id = int(scalar(con, "SELECT nextval('app_problem_item_seq')"))
    con.execute(
        "INSERT INTO app_problem_assessment VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [assessment_id, problem_id, _now(), by, start, months, buffer_m, _json(figures), reading,
         target_met],
    )
    _log(con, problem_id, by, "assessed", new=reading)
    return {**figures, "reading": reading, "target_met": target_met,
            "assessment_id": assessment_id}


def _uneven_in(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame,
               windows: Sequence[tuple[Any, Any]]) -> list[str]:
    """Sources of ASB in the CSP areas compared whose months held do not cover every window
    (as :func:`pipelines.analysis.uneven_sources` names them)."""
    csps = sorted(set(frame["csp_code"].dropna()))
    rows = con.execute(
        "SELECT source_name, min(month), max(month) FROM mart_incident WHERE is_asb AND "
        "csp_code IN (SELECT unnest(?)) GROUP BY source_name ORDER BY source_name", [csps]
    ).fetchall()
    return uneven_sources(rows, windows)


def _lsoa_boundaries(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> Any:
    import geopandas as gpd

    rows = con.execute(
        "SELECT lsoa_code, geometry FROM core_area_lsoa WHERE lsoa_code IN (SELECT unnest(?))",
        [list(codes)],
    ).fetchall()
    return gpd.GeoDataFrame(
        {"lsoa_code": [r[0] for r in rows]},
        geometry=shapely.from_wkt([r[1] for r in rows]), crs="EPSG:4326",
    ).to_crs("EPSG:27700")


def _place_geometry(con: duckdb.DuckDBPyConnection, problem: Problem,
                    located: pd.DataFrame) -> Any:
    """One polygon (British National Grid) covering everything the place names."""
    import geopandas as gpd

    place = problem.place
    parts = []
    if place.lsoa_codes:
        parts.extend(_lsoa_boundaries(con, place.lsoa_codes).geometry)
    if place.ward_codes:
        rows = con.execute("SELECT geometry FROM core_area_ward WHERE ward_code IN "
                           "(SELECT unnest(?))", [list(place.ward_codes)]).fetchall()
        wards = gpd.GeoSeries(shapely.from_wkt([r[0] for r in rows]), crs="EPSG:4326")
        parts.extend(wards.to_crs("EPSG:27700"))
    if place.cell_ids or problem.location_keys:
        cells = set(place.cell_ids)
        if problem.location_keys:
            keyed = located[located["location_key"].isin(problem.location_keys)]
            cells |= set(assign_cells(keyed, place.cell_size)["cell_id"])
        chosen = assign_cells(located, place.cell_size)
        chosen = chosen[chosen["cell_id"].isin(cells)].drop_duplicates("cell_id")
        size = place.cell_size
        parts.extend(shapely.box(c * size, r * size, (c + 1) * size, (r + 1) * size)
                     for c, r in zip(chosen["col"], chosen["row"], strict=True))
    if place.polygon_wkt:
        parts.append(shapely.from_wkt(place.polygon_wkt))
    return shapely.union_all(parts)


def latest_assessment(con: duckdb.DuckDBPyConnection, problem_id: int) -> dict[str, Any] | None:
    ensure_tables(con)
    row = first_row(
        con,
        "SELECT assessed_at, assessed_by, figures, reading, target_met FROM "
        "app_problem_assessment WHERE problem_id = ? ORDER BY assessed_at DESC, "
        "assessment_id DESC LIMIT 1",
        [problem_id],
    )
    if row is None:
        return None
    return {"assessed_at": row[0], "assessed_by": row[1], **json.loads(row[2]),
            "reading": row[3], "target_met": row[4]}


def close_problem(con: duckdb.DuckDBPyConnection, problem_id: int, *, by: str, result: str,
                  lessons: str = "") -> None:
    """Close a problem with its result and what the forum learned."""
    problem = get_problem(con, problem_id)
    if problem.status == "closed":
        raise ProblemProblem(f"problem {problem_id} is already closed")
    if not result.strip():
        raise ProblemProblem("say what the result was before closing the problem")
    con.execute(
        "UPDATE app_problem SET status = 'closed', result = ?, lessons = ?, updated_at = ? "
        "WHERE problem_id = ?",
        [result.strip(), lessons.strip(), _now(), problem_id],
    )
    _log(con, problem_id, by, "closed", "status", "open", "closed")


def reopen_problem(con: duckdb.DuckDBPyConnection, problem_id: int, *, by: str,
                   reason: str) -> None:
    problem = get_problem(con, problem_id)
    if problem.status != "closed":
        raise ProblemProblem(f"problem {problem_id} is not closed")
    if not reason.strip():
        raise ProblemProblem("say why the problem is being reopened")
    con.execute("UPDATE app_problem SET status = 'open', updated_at = ? WHERE problem_id = ?",
                [_now(), problem_id])
    _log(con, problem_id, by, "reopened", "status", "closed", "open")
    _log(con, problem_id, by, "note", "reason", None, reason.strip())


# --------------------------------------------------------------------------------------------
# The problem profile document


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _date_text(value: Any) -> str:
    """A date as dd/mm/yyyy, or blank when there is none.

    >>> _date_text(pd.Timestamp("2022-07-01")), _date_text(pd.NaT), _date_text(None)
    ('01/07/2022', '', '')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return f"{pd.Timestamp(value):%d/%m/%Y}"


def _count_text(value: Any, threshold: int) -> str:
    """A count as a whole number, or :data:`~pipelines.governance.HIDDEN` from 1 to
    ``threshold - 1`` (the product's small-number suppression).

    >>> [_count_text(v, 5) for v in (0, 1, 4.0, 5, 1234.0, None)]
    ['0', '[c]', '[c]', '5', '1,234', '–']
    """
    from .governance import HIDDEN

    if value is None or pd.isna(value):
        return "–"
    n = int(round(float(value)))
    return HIDDEN if 1 <= n < threshold else f"{n:,}"


def _number_text(value: Any, spec: str) -> str:
    """``value`` formatted with ``spec``, or "n/a" when there is none."""
    from .analysis import format_metric

    return format_metric(None if value is None else float(value), spec)


def _heat_svg(matrix: list[list[float]] | None, threshold: int) -> str:
    if not matrix:
        return "<p>No timed incidents: hour-of-week pattern not available.</p>"
    hw = np.asarray(matrix, dtype=float)
    top = hw.max() or 1.0
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    cells = []
    for d in range(7):
        cells.append(f'<text x="0" y="{d * 16 + 28}" font-size="10">{days[d]}</text>')
        for h in range(24):
            shade = int(255 - 200 * hw[d, h] / top)
            cells.append(f'<rect x="{30 + h * 18}" y="{d * 16 + 17}" width="17" height="15" '
                         f'fill="rgb(255,{shade},{shade})"><title>{days[d]} {h:02d}:00 '
                         f'{_count_text(hw[d, h], threshold)}</title></rect>')
    hours = "".join(f'<text x="{30 + h * 18}" y="12" font-size="8">{h:02d}</text>'
                    for h in range(0, 24, 3))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="470" height="135" '
            f'role="img" aria-label="Hour of week">{hours}{"".join(cells)}</svg>')


def _bars_svg(values: dict[str, int], threshold: int) -> str:
    """Incidents by month; a suppressed month is drawn as no bar (the months sum to the total
    shown, so they are suppressed as one table with it)."""
    if not values:
        return "<p>No incidents.</p>"
    from .governance import is_hidden, suppress

    table = pd.DataFrame({"n": list(values.values()) + [sum(values.values())]},
                         index=[*values, "All months"])
    shown = suppress(table, threshold, row_total="All months")["n"]
    top = max([n for k, n in values.items() if not is_hidden(shown[k])] + [1])
    width = max(360, 22 * len(values))
    bars = []
    for i, (label, n) in enumerate(values.items()):
        h = 0 if is_hidden(shown[label]) else 100 * n / top
        bars.append(f'<rect x="{i * 22}" y="{110 - h:.1f}" width="18" height="{h:.1f}" '
                    'fill="#1f5fa8">'
                    f'<title>{_e(label)}: {_e(shown[label])}</title></rect>'
                    f'<text x="{i * 22}" y="125" font-size="7">{_e(label[2:])}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="130" role="img" '
            f'aria-label="Incidents by month">{"".join(bars)}</svg>')


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>None recorded.</p>"
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _responses_table(resp: pd.DataFrame) -> pd.DataFrame:
    """Responses as the profile shows them: dates as dd/mm/yyyy, blank when not given."""
    out = resp.drop(columns=["response_id"]).copy()
    for column in ("planned_start", "planned_end", "delivered_start", "delivered_end"):
        out[column] = [_date_text(v) for v in out[column]]
    out = out.fillna("")
    return out.rename(columns=lambda c: c.replace("_", " "))


def _actions_table(actions: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Actions with small counts suppressed (and their dates, which would date a single
    action, left blank)."""
    from .governance import is_hidden

    out = actions.copy()
    out["actions"] = [_count_text(v, threshold) for v in out["actions"]]
    for column in ("first", "last"):
        out[column] = [("" if is_hidden(n) else _date_text(v))
                       for v, n in zip(out[column], out["actions"], strict=True)]
    return out.fillna("").rename(columns={"action_group": "group", "first": "first on",
                                          "last": "last on"})


def _counts_table(counts: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Before and after counts as whole numbers with small counts suppressed; the change and
    the percentage change only between two shown counts."""
    from .governance import is_hidden

    rows = []
    for r in counts.to_dict("records"):
        before, after = _count_text(r.get("before"), threshold), _count_text(
            r.get("after"), threshold)
        shown = not (is_hidden(before) or is_hidden(after))
        change = r.get("change")
        pct = r.get("pct_change")
        rows.append({
            "area": r.get("area", ""), "before": before, "after": after,
            "change": f"{round(float(change)):+,}" if shown and change is not None
            and not pd.isna(change) else "–",
            "% change": f"{float(pct):+.1f}%" if shown and pct is not None
            and not pd.isna(pct) else "–",
        })
    return pd.DataFrame(rows)


def profile_html(con: duckdb.DuckDBPyConnection, problem_id: int, *,
                 threshold: int | None = None) -> str:
    """The problem profile as one self-contained HTML document (opens offline, prints well).

    Aggregate figures only: counts from 1 to ``threshold - 1`` (``suppression.threshold`` in
    the configuration by default) show as ``[c]``, as in the governance pack; dates show as
    dd/mm/yyyy.
    """
    from .config import load_config
    from .governance import suppress
    from .licences import ATTRIBUTION  # shared with the governance pack

    if threshold is None:
        threshold = int(load_config()["suppression"]["threshold"])
    n = lambda v: _count_text(v, threshold)  # noqa: E731
    problem = get_problem(con, problem_id)
    shots = snapshots(con, problem_id)
    resp = responses(con, problem_id)
    actions = enforcement_actions(con, problem)
    assessment = latest_assessment(con, problem_id)
    snap_html = ""
    if shots:
        s = shots[0]
        f = s["figures"]
        cats = pd.DataFrame({"incidents": [*f["by_category"].values(), f["total"]]},
                            index=[*f["by_category"], "All categories"])
        cats = suppress(cats, threshold, row_total="All categories").rename_axis(
            "category").reset_index()
        snap_html = (
            f"<h2>Scanning and analysis</h2><p>Snapshot <b>{_e(s['label'])}</b>, taken "
            f"{s['taken_at']:%d/%m/%Y %H:%M} by {_e(s['taken_by'])}: {n(f['total'])} ASB "
            f"incidents in {_e(f['place'])}, {_date_text(f['period'][0])} to "
            f"{_date_text(f['period'][1])}.</p>"
            f"<h3>Trend</h3>{_bars_svg(f['by_month'], threshold)}"
            f"<h3>When</h3>{_heat_svg(f['hour_of_week'], threshold)}"
            f"<p>{n(f['month_only_excluded'])} police.uk incidents have a month only and are "
            "left out of the hour-of-week view.</p>"
            "<h3>Victims, offenders and locations</h3>"
            f"<p>{n(f['triangle']['victims'])} victims or complainants "
            f"({n(f['people']['repeat_victims'])} reporting three or more times), "
            f"{n(f['triangle']['offenders'])} alleged perpetrators "
            f"({n(f['people']['repeat_perpetrators'])} named three or more times), "
            f"{n(f['triangle']['locations'])} locations.</p>"
            f"<h3>Categories</h3>{_table(cats)}"
            f"<p>Patterns found: {_e(', '.join(f['patterns']) or 'none')}.</p>"
            + (f"<p>Notes: {_e(s['notes'])}</p>" if s["notes"] else "")
        )
    assess_html = "<h2>Assessment</h2><p>Not assessed yet.</p>"
    if assessment:
        counts = _counts_table(pd.DataFrame(assessment["counts"]), threshold)
        uneven = assessment.get("uneven_sources") or []
        warn = (f'<p class="warn">Not every source covers both the before and the after months '
                f"({_e('; '.join(uneven))}): a source starting or stopping looks like ASB "
                "rising or falling, so the change is not like for like.</p>" if uneven else "")
        windows = ""
        if assessment.get("before") and assessment.get("after"):
            b, a = assessment["before"], assessment["after"]
            windows = (f"<p>Before: {_date_text(b[0])} to {_date_text(b[1])}. After: "
                       f"{_date_text(a[0])} to {_date_text(a[1])}.</p>")
        assess_html = (f"<h2>Assessment</h2>{warn}<p>{_e(assessment['reading'])}</p>{windows}"
                       f"{_table(counts)}<p>Weighted displacement quotient: "
                       f"{_number_text(assessment['wdq'], '.2f')}.</p>")
    closing = ""
    if problem.status == "closed":
        closing = (f"<h2>Result and lessons</h2><p><b>Result:</b> {_e(problem.result)}</p>"
                   f"<p><b>What we learned:</b> {_e(problem.lessons)}</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Problem profile: {_e(problem.name)}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; max-width: 60em; }}
h1 {{ color: #1f3b63; }} h2 {{ border-bottom: 1px solid #ccc; margin-top: 1.5em; }}
table {{ border-collapse: collapse; margin: .5em 0; }}
td, th {{ border: 1px solid #bbb; padding: 3px 8px; font-size: 90%; text-align: left; }}
.meta td:first-child {{ font-weight: bold; }}
.warn {{ color: #7a4b00; background: #fff6e0; padding: 4pt 6pt; border-left: 3px solid #e0a800; }}
footer {{ margin-top: 3em; font-size: 80%; color: #555; }}
@media print {{ body {{ margin: 1cm; }} h2 {{ page-break-after: avoid; }} }}
</style></head><body>
<h1>Problem profile: {_e(problem.name)}</h1>
<table class="meta">
<tr><td>Status</td><td>{_e(problem.status)}</td></tr>
<tr><td>Owner</td><td>{_e(problem.owner)}</td></tr>
<tr><td>Partners</td><td>{_e(', '.join(problem.partners))}</td></tr>
<tr><td>Place</td><td>{_e(problem.place.describe())}</td></tr>
<tr><td>Period</td><td>{problem.period_start:%d/%m/%Y} to {problem.period_end:%d/%m/%Y}</td></tr>
<tr><td>Next review</td><td>{_date_text(problem.next_review)}</td></tr>
</table>
<h2>Objective</h2><p>{_e(problem.objective.describe())}</p>
{snap_html}
<h2>Response</h2>{_table(_responses_table(resp))}
<h3>Enforcement actions on the problem's incidents</h3>{_table(_actions_table(actions, threshold))}
{assess_html}
{closing}
<footer>Generated {datetime.now():%d/%m/%Y %H:%M} by ASB Insight. Aggregate figures only:
counts from 1 to {threshold - 1} are hidden and shown as [c].
{_e(ATTRIBUTION)}</footer>
</body></html>"""


def export_profile(con: duckdb.DuckDBPyConnection, problem_id: int,
                   out: Path) -> tuple[Path, Path | None, str | None]:
    """Write the profile HTML and, where Chromium is available, a PDF beside it.

    Returns (html path, pdf path or None, a one-line message when the PDF was not made).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(profile_html(con, problem_id), encoding="utf-8")
    from .report import html_to_pdf

    pdf = out.with_suffix(".pdf")
    try:
        html_to_pdf(out, pdf)
    except AsbError as exc:
        return out, None, str(exc)
    return out, pdf, None
