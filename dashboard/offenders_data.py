"""Data for the offender panel and "Which interventions work" pages (cached, read through the
app's one warehouse connection; the one write is recording a panel)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.data import warehouse, write
from pipelines import risk
from pipelines.analysis import interventions as iv
from pipelines.analysis import reoffending as rf
from pipelines.config import load_config
from pipelines.errors import AnalysisProblem

__all__ = [
    "SORTS",
    "DEFAULT_SORT",
    "UNSCORED_SORT",
    "RISK_CHANGE",
    "PanelFilters",
    "model_info",
    "panel",
    "filter_panel",
    "last_panel",
    "record_panel",
    "InterventionResults",
    "interventions",
]

#: A risk change of at least this much (5 percentage points) counts as "changed since the last
#: panel" for the filter (smaller moves are still shown in the table).
RISK_CHANGE = 0.05

#: How the panel chair can sort the list: label -> (columns, ascending).
SORTS: dict[str, tuple[list[str], list[bool]]] = {
    "Risk (highest first)": (["risk", "incidents_recent"], [False, False]),
    "Change since the last panel": (["risk_change", "risk"], [False, False]),
    "Incidents in the last 12 months": (["incidents_recent", "risk"], [False, False]),
    "Most recent incident": (["last_incident", "risk"], [False, False]),
    "Victims affected": (["victims_recent", "risk"], [False, False]),
    "Name": (["name"], [True]),
}

#: The default sort once a model has scored everyone, and before (no risk to sort by).
DEFAULT_SORT = "Risk (highest first)"
UNSCORED_SORT = "Incidents in the last 12 months"


def _key() -> tuple[str, int]:
    wh = warehouse()
    return str(wh.path), wh.version


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4)
def _history(path: str, version: int) -> rf.History | None:
    del path, version  # cache key only
    cur = warehouse().con.cursor()
    try:
        return rf.load_history(cur, load_config())
    except AnalysisProblem:
        return None
    finally:
        cur.close()


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4)
def _model_info(path: str, version: int) -> dict[str, Any] | None:
    del path, version
    cur = warehouse().con.cursor()
    try:
        info = risk.latest_model(cur)
        if info is not None:
            info["data_end_now"] = cur.execute(
                "SELECT CAST(max(coalesce(reported_at, occurred_at)) AS DATE) FROM core_incident "
                "WHERE incident_id IN (SELECT incident_id FROM core_person_role)").fetchall()[0][0]
        return info
    finally:
        cur.close()


def model_info() -> dict[str, Any] | None:
    """The latest stored model's metadata (with ``data_end_now``: the latest person-level
    report the warehouse holds now), or ``None`` before ``asb risk train``."""
    return _model_info(*_key())


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4)
def _panel(path: str, version: int) -> pd.DataFrame:
    history = _history(path, version)
    if history is None:
        return pd.DataFrame()
    cur = warehouse().con.cursor()
    try:
        return risk.panel_list(cur, load_config(), history)
    finally:
        cur.close()


def panel() -> pd.DataFrame:
    """Everyone named as a perpetrator or suspect recently, with risk and change since the last
    panel (see :func:`pipelines.risk.panel_list`)."""
    return _panel(*_key())


@dataclass(frozen=True)
class PanelFilters:
    """What the panel chair chose."""

    persistent_only: bool = True
    bands: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    min_incidents: int = 0
    search: str = ""
    changed_only: bool = False
    sort: str = "Risk (highest first)"


def filter_panel(table: pd.DataFrame, f: PanelFilters) -> pd.DataFrame:
    """The list after the chair's filters and sort."""
    if table.empty:
        return table
    out = table
    if f.persistent_only:
        out = out[out["persistent"]]
    if f.bands:
        out = out[out["band"].isin(f.bands)]
    if f.agencies:
        out = out[out["agencies"].fillna("").apply(
            lambda a: any(x in a.split(", ") for x in f.agencies))]
    if f.min_incidents:
        out = out[out["incidents_recent"] >= f.min_incidents]
    if f.search.strip():
        text = f.search.strip().lower()
        out = out[out["name"].fillna("").str.lower().str.contains(text, regex=False)
                  | out["person_id"].str.lower().str.contains(text, regex=False)]
    if f.changed_only:
        changed = (out["new_on_list"].fillna(False).astype(bool)
                   | ((out["band"] != out["band_before"]) & out["band_before"].notna())
                   | (out["risk_change"].abs() >= RISK_CHANGE)
                   | (out["new_incidents_since_panel"].fillna(0) > 0)
                   | (out["new_actions_since_panel"].fillna(0) > 0))
        out = out[changed]
    cols, ascending = SORTS.get(f.sort, SORTS["Risk (highest first)"])
    return out.sort_values(cols, ascending=ascending, na_position="last").reset_index(drop=True)


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4)
def _last_panel(path: str, version: int) -> dict[str, Any] | None:
    del path, version
    cur = warehouse().con.cursor()
    try:
        snap = risk.latest_snapshot(cur)
    finally:
        cur.close()
    if snap is None:
        return None
    return {k: v for k, v in snap.items() if k != "rows"} | {"people": len(snap["rows"])}


def last_panel() -> dict[str, Any] | None:
    """When the last panel was recorded, by whom and how many people were on it."""
    return _last_panel(*_key())


def train_model(trained_by: str,
                audit_row: Callable[[Any, str | None], None] | None = None) -> risk.TrainResult:
    """Evaluate, fit, score everyone and store the model, as ``asb risk train`` does, in one
    transaction on the app's own connection (the command line cannot open the warehouse while
    the dashboard holds it). ``audit_row(cursor, version)`` writes its audit row in that
    transaction (see :func:`dashboard.auth.audit_writer`).

    Raises
    ------
    AnalysisProblem
        The data cannot support a model (say, nobody named again); nothing is stored.
    """
    from pipelines.sample_load import SAMPLE_DIR

    # As `asb risk train`: the sample's ground truth adds the ceiling, only when this warehouse
    # holds the sample's own people files (a partnership's data never picks it up).
    def work(cur: Any) -> risk.TrainResult:
        done = risk.train_and_store(cur, load_config(), created_by=trained_by,
                                    truth_dir=SAMPLE_DIR / "ground_truth")
        if audit_row is not None:  # in the same transaction: a stored model is always audited
            audit_row(cur, done.version)
        return done

    return write(work)


def record_panel(table: pd.DataFrame, recorded_by: str) -> int:
    """Record the whole list (not only what the filters show) as this panel's snapshot."""
    return write(lambda cur: risk.record_panel(cur, table, recorded_by))


@dataclass(frozen=True)
class InterventionResults:
    """Survival curves for all people and within risk bands, and where the bands came from."""

    overall: iv.SurvivalResult
    by_band: iv.SurvivalResult
    band_source: str
    episodes: int
    follow_up_days: int
    min_actions: int


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4)
def _interventions(path: str, version: int) -> InterventionResults | None:
    history = _history(path, version)
    if history is None or history.actions.empty:
        return None
    config = load_config()
    cfg = config["interventions"]
    follow, min_actions = int(cfg["follow_up_days"]), int(cfg["min_actions"])
    cur = warehouse().con.cursor()
    try:
        scores = pd.DataFrame()
        if risk.latest_model(cur) is not None:
            scores = cur.execute(
                "SELECT person_id, index_date, band FROM app_risk_score WHERE model_id = "
                "(SELECT max(model_id) FROM app_model WHERE purpose = 'reoffending')").df()
    finally:
        cur.close()
    episodes = iv.intervention_episodes(history.actions, history.incidents, history.data_end,
                                        follow_up_days=follow,
                                        risk=scores if not scores.empty else None)
    if episodes.empty:
        return None
    if scores.empty:
        acts = episodes.rename(columns={"action_date": "known_at"})
        inc = history.incidents[["person_id", "known_at"]]
        episodes["risk_band"] = iv.prior_count_band(acts, inc).to_numpy()
        source = "prior incidents in the six months before the action (no risk model stored)"
    else:
        source = "the stored risk model's band at the start of the month of the action"
    return InterventionResults(
        overall=iv.survival_curves(episodes, ("action",), min_actions=min_actions),
        by_band=iv.survival_curves(episodes, ("risk_band", "action"), min_actions=min_actions),
        band_source=source, episodes=len(episodes), follow_up_days=follow,
        min_actions=min_actions)


def interventions() -> InterventionResults | None:
    """Time to the next incident after each action type, overall and within risk bands."""
    return _interventions(*_key())
