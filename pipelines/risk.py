"""The reoffending model in the warehouse: train, store, score, and the offender panel's list.

The method is :mod:`pipelines.analysis.reoffending`; this module is its warehouse side. Three
*app tables* (never touched by a build, like ``app_audit``):

- ``app_model``: every model trained, with its metadata (data period, features, test metrics,
  settings, version, who trained it) and the fitted model itself (joblib bytes). The panel uses
  the latest.
- ``app_risk_score``: what that model said about each person at each month start, and "now"
  (the day after the latest data), with plain-language factors for "now".
- ``app_panel_snapshot``: the list as it stood each time a panel chair pressed "Record this
  panel", so the next panel sees what changed.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from . import __version__
from .analysis import reoffending as rf
from .db import first_row, scalar
from .errors import AnalysisProblem, WarehouseProblem

__all__ = [
    "MODEL_TABLE",
    "SCORE_TABLE",
    "SNAPSHOT_TABLE",
    "ensure_tables",
    "sample_ground_truth",
    "TrainResult",
    "train_and_store",
    "latest_model",
    "load_model",
    "current_scores",
    "panel_list",
    "record_panel",
    "latest_snapshot",
]

MODEL_TABLE = "app_model"
SCORE_TABLE = "app_risk_score"
SNAPSHOT_TABLE = "app_panel_snapshot"

_DDL = """
CREATE SEQUENCE IF NOT EXISTS app_model_seq START 1;
CREATE TABLE IF NOT EXISTS app_model (
    model_id        BIGINT PRIMARY KEY DEFAULT nextval('app_model_seq'),
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR,
    purpose         VARCHAR NOT NULL,   -- reoffending
    version         VARCHAR NOT NULL,   -- method version, package version, model number
    kind            VARCHAR NOT NULL,   -- poisson | boosting | logistic
    months          INTEGER NOT NULL,   -- outcome window
    data_from       DATE,               -- first and last day of the data learned from
    data_to         DATE,
    trained_from    DATE,               -- first and last index date trained on
    trained_to      DATE,
    scored_at       DATE,               -- the "now" the current scores are for
    features        JSON,
    metrics         JSON,               -- the temporal evaluation (asb risk evaluate --json)
    settings        JSON,               -- the reoffending configuration used
    model           BLOB                -- joblib bytes of the fitted RiskModel
);
CREATE TABLE IF NOT EXISTS app_risk_score (
    model_id        BIGINT NOT NULL,
    person_id       VARCHAR NOT NULL,
    index_date      DATE NOT NULL,      -- scored as at 00:00 on this day
    is_current      BOOLEAN NOT NULL,   -- the "now" score the panel shows
    risk            DOUBLE NOT NULL,
    band            VARCHAR NOT NULL,
    factors         JSON,               -- plain-language factors, largest first (current only)
    PRIMARY KEY (model_id, person_id, index_date)
);
CREATE SEQUENCE IF NOT EXISTS app_panel_snapshot_seq START 1;
CREATE TABLE IF NOT EXISTS app_panel_snapshot (
    snapshot_id     BIGINT NOT NULL,
    recorded_at     TIMESTAMP NOT NULL,
    recorded_by     VARCHAR NOT NULL,
    model_id        BIGINT,
    person_id       VARCHAR NOT NULL,
    risk            DOUBLE,
    band            VARCHAR,
    incidents_all   INTEGER,
    victims_all     INTEGER,
    ladder_rank     INTEGER,
    last_action     VARCHAR,
    last_action_date DATE,
    PRIMARY KEY (snapshot_id, person_id)
);
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the model, score and panel snapshot tables if missing (idempotent)."""
    con.execute(_DDL)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                       [name]))


# --------------------------------------------------------------------------------------------
# Ground truth (the synthetic sample only)


def sample_ground_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path
                        ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The sample's person map and true risks, when this warehouse holds the sample's people.

    Returns ``(person_map, truth)`` (``person_id`` -> ``true_person_id``; perpetrator_risk.csv)
    or ``None`` when the folder lacks the files or not every one of the sample's people files
    was loaded into this warehouse (recognised by their SHA-256, so a partnership's own data
    never picks up the sample's answers, and a warehouse holding only part of the sample,
    whose people are linked differently, gets no ceiling rather than a misleading one).
    """
    from .readers import file_sha256

    records, risk = truth_dir / "person_records.csv", truth_dir / "perpetrator_risk.csv"
    if not records.exists() or not risk.exists():
        return None
    people_files = {str(Path(f).name) for f in pd.read_csv(records, usecols=["file"],
                                                           dtype=str)["file"].unique()}
    synthetic = truth_dir.parent / "synthetic"
    if not people_files or not all((synthetic / name).exists() for name in people_files):
        return None
    hashes = sorted({file_sha256(synthetic / name) for name in people_files})
    loaded = scalar(con, "SELECT count(DISTINCT sha256) FROM raw_file "
                         "WHERE sha256 IN (SELECT unnest(?))", [hashes])
    if loaded != len(hashes):
        return None
    pr = pd.read_csv(records, dtype=str).dropna(subset=["person_ref"])
    pr["person_record_id"] = pr["agency"] + ":" + pr["person_ref"]
    link = con.execute("SELECT person_record_id, person_id FROM core_person_link").df()
    mapped = pr.merge(link, on="person_record_id")[["person_id", "true_person_id"]]
    if mapped.empty:
        return None
    person_map = (mapped.groupby("person_id")["true_person_id"]
                  .agg(lambda s: s.value_counts().index[0]).reset_index())
    truth = pd.read_csv(risk, dtype={"true_person_id": str, "month": str})
    return person_map, truth


# --------------------------------------------------------------------------------------------
# Train and store


@dataclass(frozen=True)
class TrainResult:
    """What ``asb risk train`` did."""

    model_id: int
    version: str
    evaluation: dict[str, Any]
    scored_at: str
    people_scored: int
    rows_scored: int


def _month_starts(history: rf.History) -> list[pd.Timestamp]:
    first = pd.Timestamp(history.data_start.year, history.data_start.month, 1)
    if first < history.data_start:
        first += pd.DateOffset(months=1)
    return list(pd.date_range(first + pd.DateOffset(months=1), history.data_end, freq="MS"))


def train_and_store(con: duckdb.DuckDBPyConnection, config: dict[str, Any], *,
                    months: int | None = None, truth_dir: Path | None = None,
                    created_by: str | None = None, check_leakage: bool = True) -> TrainResult:
    """Evaluate (temporal split), fit the current model, score everyone, store it all.

    Runs in the caller's transaction if one is open.
    """
    ensure_tables(con)
    history = rf.load_history(con, config)
    truth = sample_ground_truth(con, truth_dir) if truth_dir is not None else None
    evaluation = rf.evaluate(history, config, months=months,
                             person_map=truth[0] if truth else None,
                             truth=truth[1] if truth else None, check_leakage=check_leakage)
    model = rf.fit_current_model(history, config, months=months, check_leakage=check_leakage)
    cfg = config["reoffending"]
    now = history.data_end
    current = rf.score_people(model, history, now, config)
    past = []
    for when in _month_starts(history):
        if when >= now:
            break
        f = rf.features_at(history, when, eligible_months=int(cfg["eligible_months"]),
                           lookback_months=int(cfg["lookback_months"]),
                           agencies=[c.split(":", 1)[1] for c in model.features
                                     if c.startswith("agency_share:")])
        if f.empty:
            continue
        risk = model.predict(f)
        past.append(pd.DataFrame({"person_id": f.index, "index_date": when, "risk": risk,
                                  "band": rf.risk_band(risk, cfg["bands"]), "factors": None}))
    number = int(scalar(con, "SELECT count(*) FROM app_model WHERE purpose = 'reoffending'")) + 1
    version = f"reoffending {rf.METHOD_VERSION} / asb {__version__} / model {number}"
    metrics = evaluation.as_dict()
    settings = {k: v for k, v in cfg.items()}
    settings["months"] = model.months
    created = datetime.now().replace(microsecond=0)
    row = con.execute(
        """
        INSERT INTO app_model (created_at, created_by, purpose, version, kind, months, data_from,
            data_to, trained_from, trained_to, scored_at, features, metrics, settings, model)
        VALUES (?, ?, 'reoffending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING model_id
        """,
        [created, created_by or _who(), version, model.kind, model.months,
         history.data_start.date(), (history.data_end - pd.Timedelta(days=1)).date(),
         model.trained_dates[0], model.trained_dates[1], now.date(),
         json.dumps(model.features), json.dumps(metrics, default=_json_default),
         json.dumps(settings, default=_json_default), rf.model_bytes(model)],
    ).fetchall()
    model_id = int(row[0][0])
    cur = current.assign(index_date=now, factors=[json.dumps(f) for f in current["factors"]])
    scores = pd.concat([*past, cur[["person_id", "index_date", "risk", "band", "factors"]]],
                       ignore_index=True)
    scores["model_id"] = model_id
    scores["is_current"] = scores["index_date"] == now
    scores["index_date"] = pd.to_datetime(scores["index_date"]).dt.date
    con.register("_scores", scores[["model_id", "person_id", "index_date", "is_current", "risk",
                                    "band", "factors"]])
    try:
        con.execute("INSERT INTO app_risk_score SELECT model_id, person_id, index_date, "
                    "is_current, risk, band, CAST(factors AS JSON) FROM _scores")
    finally:
        con.unregister("_scores")
    return TrainResult(model_id, version, metrics, str(now.date()), len(current), len(scores))


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | datetime):
        return str(value.date())
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def latest_model(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest stored model's metadata (no blob), or ``None``."""
    if not _has_table(con, MODEL_TABLE):
        return None
    df = con.execute(
        "SELECT model_id, created_at, created_by, version, kind, months, data_from, data_to, "
        "trained_from, trained_to, scored_at, features, metrics, settings FROM app_model "
        "WHERE purpose = 'reoffending' ORDER BY model_id DESC LIMIT 1").df()
    if df.empty:
        return None
    out = df.iloc[0].to_dict()
    for key in ("features", "metrics", "settings"):
        out[key] = json.loads(out[key]) if out[key] else None
    return out


def load_model(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> rf.RiskModel:
    """A stored model (the latest by default)."""
    if not _has_table(con, MODEL_TABLE):
        raise WarehouseProblem("no reoffending model yet: train one with `asb risk train`")
    row = first_row(con, "SELECT model FROM app_model WHERE purpose = 'reoffending' AND "
                         "(? IS NULL OR model_id = ?) ORDER BY model_id DESC LIMIT 1",
                    [model_id, model_id])
    if row is None:
        raise WarehouseProblem("no reoffending model yet: train one with `asb risk train`")
    return rf.model_from_bytes(row[0])


def current_scores(con: duckdb.DuckDBPyConnection, model_id: int | None = None) -> pd.DataFrame:
    """The "now" scores of a model (the latest by default): person_id, risk, band, factors."""
    if not _has_table(con, SCORE_TABLE):
        return pd.DataFrame(columns=["model_id", "person_id", "index_date", "risk", "band",
                                     "factors"])
    df = con.execute(
        """
        SELECT model_id, person_id, index_date, risk, band, factors FROM app_risk_score
        WHERE is_current AND model_id = coalesce(?, (SELECT max(model_id) FROM app_model
                                                      WHERE purpose = 'reoffending'))
        ORDER BY risk DESC, person_id
        """, [model_id]).df()
    df["factors"] = [json.loads(f) if isinstance(f, str) else [] for f in df["factors"]]
    return df


# --------------------------------------------------------------------------------------------
# The offender panel's list


def _names(con: duckdb.DuckDBPyConnection, person_ids: list[str]) -> pd.DataFrame:
    return con.execute(
        """
        SELECT l.person_id,
               arg_max(trim(coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, '')),
                       r.incidents) AS name,
               string_agg(DISTINCT r.agency, ', ' ORDER BY r.agency) AS agencies,
               bool_or(coalesce(r.vulnerable, FALSE)) AS vulnerable
        FROM core_person_link l JOIN core_person_record r USING (person_record_id)
        WHERE l.person_id IN (SELECT unnest(?))
        GROUP BY l.person_id
        """, [person_ids]).df()


def panel_list(con: duckdb.DuckDBPyConnection, config: dict[str, Any],
               history: rf.History | None = None) -> pd.DataFrame:
    """Everyone named as a perpetrator or suspect in the last ``persistent.months`` months,
    with what an offender panel needs, one row per person.

    Columns: ``person_id``, ``name``, ``agencies``, ``incidents_recent`` (in the persistent
    window), ``incidents_all``, ``last_incident``, ``persistent`` (meets the configured
    threshold), ``victims_recent``, ``victims_all``, ``ladder_rank``, ``ladder_step`` (the
    highest action taken), ``last_action``, ``last_action_date`` (the date the action was
    recorded, not the later date the model may learn of it), ``support_needs``, ``risk``,
    ``band``, ``factors``, ``scored_at``, and against the latest recorded panel:
    ``risk_before``, ``band_before``, ``risk_change``, ``new_incidents_since_panel``,
    ``new_actions_since_panel``, ``new_on_list``.
    """
    cfg = config["reoffending"]
    h = history or rf.load_history(con, config)
    months = int(cfg["persistent"]["months"])
    threshold = int(cfg["persistent"]["incidents"])
    since = h.data_end - pd.DateOffset(months=months)
    inc = h.incidents
    recent = inc[inc["known_at"] >= since]
    people = sorted(recent["person_id"].unique())
    out = pd.DataFrame(index=pd.Index(people, name="person_id"))
    out["incidents_recent"] = recent.groupby("person_id")["incident_group_id"].nunique()
    mine = inc[inc["person_id"].isin(people)]
    out["incidents_all"] = mine.groupby("person_id")["incident_group_id"].nunique()
    # known_at is the first report of each incident (no lag), so it is the date to show
    out["last_incident"] = mine.groupby("person_id")["known_at"].max().dt.date
    out["persistent"] = out["incidents_recent"] >= threshold
    vic = h.victims[h.victims["person_id"].isin(people)]
    out["victims_recent"] = vic[vic["known_at"] >= since].groupby("person_id")[
        "victim_id"].nunique()
    out["victims_all"] = vic.groupby("person_id")["victim_id"].nunique()
    # A step read from police result text is known ``lag_days`` after the report (the model
    # must not see it sooner), but the panel shows the date the action was recorded.
    lag = pd.Timedelta(days=int((cfg.get("result_actions") or {}).get("lag_days", 28)))
    act = h.actions[h.actions["person_id"].isin(people)].copy()
    from_results = (act["origin"] == "incident result" if "origin" in act.columns
                    else pd.Series(False, index=act.index))
    act["action_date"] = act["known_at"].mask(from_results, act["known_at"] - lag)
    act = act.sort_values(["action_date", "escalation_rank"])
    labels = {a["name"]: a.get("label") or a["name"] for a in config["actions"]}
    top = act.sort_values(["escalation_rank", "action_date"]).groupby("person_id").tail(1)
    out["ladder_rank"] = top.set_index("person_id")["escalation_rank"]
    out["ladder_step"] = top.set_index("person_id")["action"].map(lambda a: labels.get(a, a))
    last = act.groupby("person_id").tail(1).set_index("person_id")
    out["last_action"] = last["action"].map(lambda a: labels.get(a, a))
    out["last_action_date"] = last["action_date"].dt.date
    support = act[act["action"] == "support referral"]
    notes = support.groupby("person_id")["outcome"].agg(
        lambda s: "; ".join(sorted({str(v) for v in s.dropna()})) or "support referral")
    names = _names(con, people).set_index("person_id")
    out = out.join(names)
    out["support_needs"] = [
        "; ".join(x for x in (notes.get(pid, ""), "vulnerability flag on record"
                              if bool(v) else "") if x)
        for pid, v in zip(out.index, out["vulnerable"].fillna(False), strict=True)]
    scores = current_scores(con) if _has_table(con, SCORE_TABLE) else pd.DataFrame()
    if not scores.empty:
        s = scores.set_index("person_id")
        out["risk"] = s["risk"]
        out["band"] = s["band"]
        out["factors"] = s["factors"]
        out["scored_at"] = s["index_date"]
    else:
        out["risk"], out["band"], out["factors"], out["scored_at"] = np.nan, None, None, None
    snap = latest_snapshot(con)
    if snap is not None:
        before = snap["rows"].set_index("person_id")
        at = pd.Timestamp(snap["recorded_at"])
        out["risk_before"] = before["risk"]
        out["band_before"] = before["band"]
        out["risk_change"] = out["risk"] - out["risk_before"]
        out["new_incidents_since_panel"] = mine[mine["known_at"] >= at].groupby(
            "person_id")["incident_group_id"].nunique()
        out["new_actions_since_panel"] = act[act["action_date"] >= at].groupby(
            "person_id")["action"].size()
        out["new_on_list"] = ~out.index.isin(before.index)
    else:
        for c in ("risk_before", "risk_change", "new_incidents_since_panel",
                  "new_actions_since_panel"):
            out[c] = np.nan
        out["band_before"] = None
        out["new_on_list"] = False
    for c in ("incidents_recent", "incidents_all", "victims_recent", "victims_all",
              "ladder_rank"):
        out[c] = out[c].fillna(0).astype(int)
    if snap is not None:
        for c in ("new_incidents_since_panel", "new_actions_since_panel"):
            out[c] = out[c].fillna(0).astype(int)
    out = out.drop(columns=["vulnerable"])
    return out.reset_index().sort_values(["risk", "incidents_recent"], ascending=False,
                                         na_position="last").reset_index(drop=True)


def latest_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest recorded panel: ``snapshot_id``, ``recorded_at``, ``recorded_by`` and
    ``rows`` (a DataFrame), or ``None``."""
    if not _has_table(con, SNAPSHOT_TABLE):
        return None
    head = first_row(con, "SELECT snapshot_id, recorded_at, recorded_by FROM app_panel_snapshot "
                          "ORDER BY snapshot_id DESC LIMIT 1")
    if head is None:
        return None
    rows = con.execute("SELECT * FROM app_panel_snapshot WHERE snapshot_id = ?",
                       [head[0]]).df()
    return {"snapshot_id": int(head[0]), "recorded_at": head[1], "recorded_by": head[2],
            "rows": rows}


def record_panel(con: duckdb.DuckDBPyConnection, panel: pd.DataFrame, recorded_by: str,
                 at: datetime | None = None) -> int:
    """Record the list as it stands (every person on it, whatever the filters) and return the
    snapshot's id. The next panel's "change since the last panel" compares with it."""
    if panel.empty:
        raise AnalysisProblem("the panel list is empty: there is nothing to record")
    ensure_tables(con)
    snapshot_id = int(scalar(con, "SELECT nextval('app_panel_snapshot_seq')"))
    model_id = scalar(con, "SELECT max(model_id) FROM app_model WHERE purpose = 'reoffending'")
    rows = pd.DataFrame({
        "snapshot_id": snapshot_id,
        "recorded_at": at or datetime.now().replace(microsecond=0),
        "recorded_by": recorded_by, "model_id": model_id,
        "person_id": panel["person_id"], "risk": panel["risk"], "band": panel["band"],
        "incidents_all": panel["incidents_all"], "victims_all": panel["victims_all"],
        "ladder_rank": panel["ladder_rank"], "last_action": panel["last_action"],
        "last_action_date": pd.to_datetime(panel["last_action_date"]).dt.date,
    })
    con.register("_snapshot", rows)
    try:
        con.execute("INSERT INTO app_panel_snapshot SELECT * FROM _snapshot")
    finally:
        con.unregister("_snapshot")
    return snapshot_id
