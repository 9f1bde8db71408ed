"""Who is likely to be named in a new ASB incident: a validated, calibrated, explained model.

The model informs an offender panel; it never decides anything. For a person already named as
a perpetrator or suspect, it estimates the probability of being named in a **new** ASB incident
within ``months`` (default 6) of an **index date**, from what was known before that date.

The design, in the order the functions run:

1. :func:`load_history` reads one :class:`History` from the warehouse: each person's incidents
   (counted once per ``incident_group_id``), the victims and places in them, the actions taken
   (``core_action`` plus actions written only in an incident's result text, see
   :func:`result_actions`) and the person's date of birth. People are ``person_id`` from
   ``core_person_link``, so the model improves when cross-agency linkage does.
2. :func:`index_dates` are month starts (00:00 on the 1st, i.e. "as at the end of the previous
   month").
3. :func:`features_at` computes features **only** from ``history.before(index_date)``: every
   frame filtered to what was known (reported, or dated) strictly before the index date.
   :func:`assert_no_leakage` proves it, by computing the features from the full history and
   from the cut history and refusing any difference; training runs it at every index date.
4. :func:`outcomes_after` counts each person's incidents that *happened* in
   ``[index_date, index_date + months)``, or up to a cutoff when one is given.
5. :func:`temporal_split` tests on the last index dates and trains on the earlier ones. The
   training outcomes stop at the first test date (a window still open there counts for the
   months observed), so nothing from the test period reaches the model, and the most recent
   training dates still teach it.
6. :func:`fit_risk_model` compares the candidates (regularised Poisson regression of the
   incident rate, gradient boosting with a Poisson loss, regularised logistic regression with
   the months observed as an input) on the last training dates, fitted on the earlier ones
   with outcomes cut at the first validation date, by the log-likelihood of the outcome (a
   proper score: it rewards calibration as well as ranking), and refits the best on all
   training dates. The probability of a new incident within ``months`` follows from the
   fitted rate (``1 - exp(-rate x months)``); the window's length is an input, since after a
   burst the rate over a short window is higher than over a long one. A logistic
   recalibration (:func:`fit_calibration`) is fitted on a held-out slice of the training
   period (the last :func:`calibration_dates`, whose whole windows ended before the test) and
   applied to the final model; the test reports how well that held.
7. :func:`evaluate` reports the test metrics (:func:`binary_metrics`: AUC, average precision,
   Brier score, calibration intercept and slope), the reliability table, the two baselines
   ("three or more incidents in six months" and a prior-count logistic model), and the same
   metrics by subgroup (:func:`subgroup_audit`), flagging groups whose error rates differ.
8. :meth:`RiskModel.explain` says, in plain words, which factors move one person's risk most
   compared with a typical person on the list.

Protected characteristics (ethnicity, sex, disability, religion) are never features: they are
carried beside the features only to audit fairness. Age band is a feature because the issue
asks for it (age is also protected under the Equality Act 2010; see docs/model-card.md).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias

import duckdb
import numpy as np
import pandas as pd

from ..db import scalar
from ._common import AnalysisProblem, require_columns

__all__ = [
    "METHOD_VERSION",
    "AGE_BANDS",
    "AUDIT_COLUMNS",
    "LeakageError",
    "History",
    "load_history",
    "result_actions",
    "index_dates",
    "features_at",
    "feature_columns",
    "outcomes_after",
    "assert_no_leakage",
    "Dataset",
    "build_dataset",
    "TemporalSplit",
    "temporal_split",
    "calibration_dates",
    "Metrics",
    "binary_metrics",
    "calibration_intercept_slope",
    "reliability_table",
    "precision_recall_table",
    "subgroup_audit",
    "censored_log_likelihood",
    "fit_calibration",
    "fit_shrunk_calibration",
    "fit_rate_calibration",
    "shrink_slope",
    "Factor",
    "RiskModel",
    "fit_risk_model",
    "fit_prior_count_baseline",
    "rule_scores",
    "risk_band",
    "Ceiling",
    "ground_truth_ceiling",
    "Evaluation",
    "evaluate",
    "fit_current_model",
    "score_people",
    "model_bytes",
    "model_from_bytes",
]

#: Bumped when features, labels or the fitting procedure change (stored with each model).
METHOD_VERSION = "1.1"

#: Age bands (age at the index date), as the sample generator and youth services use them.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("10-17", 10, 17), ("18-24", 18, 24), ("25-34", 25, 34), ("35-49", 35, 49),
    ("50+", 50, 200),
)

#: Columns carried beside the features for the fairness audit only: never model inputs.
AUDIT_COLUMNS = ("age_band", "sex", "ethnicity", "disability", "imd_band")

#: Outcomes or scores: a list, an array or a Series.
Values: TypeAlias = Sequence[float] | np.ndarray | pd.Series

_DAY_CAP = 730  # "never" (or longer ago than the data) counts as this many days
_CATEGORIES = ("personal", "nuisance", "environmental")


class LeakageError(AnalysisProblem):
    """A feature used information from on or after the index date."""


# --------------------------------------------------------------------------------------------
# The history


def _ts(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo else pd.Timestamp(value)


@dataclass(frozen=True)
class History:
    """Everything the model may learn from, each row stamped with when it became known.

    Attributes
    ----------
    incidents : DataFrame
        One row per person × incident group they are named in as perpetrator or suspect:
        ``person_id``, ``incident_group_id``, ``known_at`` (first report of the group),
        ``occurred_at`` (when it happened), ``agency``, ``agencies`` (count of agencies holding
        a report), ``location_key``, ``category``, ``hate_related``, ``imd_decile``.
    victims : DataFrame
        ``person_id`` (the perpetrator), ``incident_group_id``, ``victim_id``, ``known_at``.
    actions : DataFrame
        ``person_id``, ``action``, ``escalation_rank``, ``action_group``, ``known_at`` (the
        action date), ``origin`` (``action record`` or ``incident result``), ``outcome``.
    people : DataFrame
        ``person_id``, ``date_of_birth`` and the audit-only ``sex``, ``ethnicity``,
        ``disability``.
    data_start, data_end : Timestamp
        The period the person-level exports cover: ``data_end`` is exclusive (the day after
        the last report held).
    as_of : Timestamp or None
        Set by :meth:`before`: nothing in this history is known on or after it.
    """

    incidents: pd.DataFrame
    victims: pd.DataFrame
    actions: pd.DataFrame
    people: pd.DataFrame
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    as_of: pd.Timestamp | None = None

    def before(self, when: Any) -> History:
        """The history as it stood at ``when``: only rows known strictly before it."""
        cut = _ts(when)
        return replace(
            self,
            incidents=self.incidents[self.incidents["known_at"] < cut],
            victims=self.victims[self.victims["known_at"] < cut],
            actions=self.actions[self.actions["known_at"] < cut],
            data_end=min(self.data_end, cut),
            as_of=cut if self.as_of is None else min(cut, self.as_of),
        )

    def check(self) -> None:
        """Raise :class:`AnalysisProblem` if a frame lacks a column the model needs."""
        require_columns(self.incidents, ["person_id", "incident_group_id", "known_at",
                                         "occurred_at", "agency", "location_key", "category",
                                         "hate_related"], "the reoffending model's incidents")
        require_columns(self.victims, ["person_id", "incident_group_id", "victim_id", "known_at"],
                        "the reoffending model's victims")
        require_columns(self.actions, ["person_id", "action", "escalation_rank", "known_at"],
                        "the reoffending model's actions")
        require_columns(self.people, ["person_id", "date_of_birth"],
                        "the reoffending model's people")


def result_actions(
    incidents: pd.DataFrame, roles: pd.DataFrame, texts: dict[str, str], lag_days: int,
    ranks: dict[str, int],
) -> pd.DataFrame:
    """Actions written only in an incident's result text (police steps), one per person named.

    A police command-and-control export records "ABC signed with suspect" in the incident's
    result, not in an actions file. Each configured text becomes an action for every
    perpetrator or suspect on that incident, dated ``lag_days`` after the report (the result is
    recorded some days later; dating it late keeps a feature from seeing it too early).

    Examples
    --------
    >>> inc = pd.DataFrame({"incident_id": ["a", "b"], "reported_at": pd.to_datetime(
    ...     ["2021-03-01", "2021-04-01"]), "result": ["ABC signed with suspect", "Advice"]})
    >>> rol = pd.DataFrame({"incident_id": ["a", "b"], "person_id": ["p", "p"]})
    >>> out = result_actions(inc, rol, {"ABC signed with suspect": "ABC"}, 28, {"ABC": 3})
    >>> out[["person_id", "action", "escalation_rank"]].values.tolist()
    [['p', 'ABC', 3]]
    >>> str(out["known_at"].iloc[0].date())
    '2021-03-29'
    """
    if incidents.empty or not texts:
        return _empty_actions()
    lookup = {k.strip().lower(): v for k, v in texts.items()}
    action = incidents["result"].astype("string").str.strip().str.lower().map(lookup)
    hits = incidents.assign(action=action).dropna(subset=["action"])
    out = hits.merge(roles, on="incident_id")
    if out.empty:
        return _empty_actions()
    return pd.DataFrame({
        "person_id": out["person_id"].astype(str),
        "action": out["action"].astype(str),
        "escalation_rank": out["action"].map(ranks).fillna(0).astype(int),
        "action_group": None,
        "known_at": pd.to_datetime(out["reported_at"]).dt.normalize()
        + pd.Timedelta(days=int(lag_days)),
        "origin": "incident result",
        "outcome": out["result"].astype(str),
    }).drop_duplicates(["person_id", "action", "known_at"]).reset_index(drop=True)


def _empty_actions() -> pd.DataFrame:
    return pd.DataFrame({
        "person_id": pd.Series(dtype=str), "action": pd.Series(dtype=str),
        "escalation_rank": pd.Series(dtype=int), "action_group": pd.Series(dtype=object),
        "known_at": pd.Series(dtype="datetime64[ns]"), "origin": pd.Series(dtype=str),
        "outcome": pd.Series(dtype=object)})


def _load_actions(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> pd.DataFrame:
    """Actions aimed at each person, dated when they became known.

    When the build has ``core_person_action`` (recorded actions and the tools named in police
    result text, one row per person), it is used, so the panel and the perpetrator profile
    read the same list; a step read from result text is dated ``result_actions.lag_days``
    after the report, because the result is written some days later. Otherwise the recorded
    actions (``core_action``) are read and :func:`result_actions` reads the configured texts.
    """
    cfg = config["reoffending"]
    result_cfg = cfg.get("result_actions") or {}
    lag = int(result_cfg.get("lag_days", 28))
    has_person_action = scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
             "'core_person_action'")
    if has_person_action:
        actions = con.execute(
            """
            SELECT person_id, action, coalesce(escalation_rank, 0) AS escalation_rank,
                   action_group,
                   CAST(action_date AS TIMESTAMP)
                   + CASE WHEN evidence = 'action record' THEN INTERVAL 0 DAY
                          ELSE to_days(CAST(? AS INTEGER)) END      AS known_at,
                   CASE WHEN evidence = 'action record' THEN 'action record'
                        ELSE 'incident result' END                   AS origin,
                   outcome
            FROM core_person_action
            WHERE action_date IS NOT NULL AND person_id IS NOT NULL
            ORDER BY 1, 5, 2, 3, 4, 6, 7
            """, [lag]).df()
    else:
        recorded = con.execute(
            """
            SELECT l.person_id, a.action, coalesce(a.escalation_rank, 0) AS escalation_rank,
                   a.action_group, CAST(a.action_date AS TIMESTAMP) AS known_at,
                   'action record' AS origin, a.outcome
            FROM core_action a JOIN core_person_link l USING (person_record_id)
            WHERE a.action_date IS NOT NULL
            ORDER BY 1, 5, 2, 3, 4, 6, 7
            """
        ).df()
        texts = result_cfg.get("texts") or {}
        ranks = {a["name"]: int(a.get("rank", 0)) for a in config["actions"]}
        from_results = _empty_actions()
        if texts:
            inc = con.execute(
                """
                SELECT incident_id, reported_at,
                       coalesce(outcome, json_extract_string(extra, '$.Result')) AS result
                FROM core_incident
                WHERE is_asb AND reported_at IS NOT NULL
                  AND coalesce(outcome, json_extract_string(extra, '$.Result')) IS NOT NULL
                """
            ).df()
            rol = con.execute(
                """
                SELECT DISTINCT r.incident_id, l.person_id
                FROM core_person_role r JOIN core_person_link l USING (person_record_id)
                WHERE r.role IN (SELECT unnest(?))
                """,
                [list(cfg["perpetrator_roles"])],
            ).df()
            from_results = result_actions(inc, rol, texts, lag, ranks)
        parts = [f for f in (recorded, from_results) if not f.empty]
        actions = pd.concat(parts, ignore_index=True) if parts else _empty_actions()
    return actions.drop_duplicates(["person_id", "action", "known_at"]).reset_index(drop=True)


def load_history(con: duckdb.DuckDBPyConnection, config: dict[str, Any]) -> History:
    """Read the model's :class:`History` from a built warehouse.

    Raises
    ------
    AnalysisProblem
        The warehouse holds nobody named as a perpetrator or suspect.
    """
    cfg = config["reoffending"]
    perp_roles = list(cfg["perpetrator_roles"])
    victim_roles = list(cfg["victim_roles"])
    incidents = con.execute(
        """
        WITH named AS (
            SELECT DISTINCT l.person_id, r.incident_id
            FROM core_person_role r
            JOIN core_person_link l USING (person_record_id)
            WHERE r.role IN (SELECT unnest(?))
        )
        SELECT n.person_id, g.incident_group_id,
               min(coalesce(i.reported_at, i.occurred_at))               AS known_at,
               min(coalesce(i.occurred_at, i.reported_at))               AS occurred_at,
               arg_min(i.agency, (coalesce(i.reported_at, i.occurred_at), i.incident_id)) AS agency,
               count(DISTINCT i.agency)                                  AS agencies,
               arg_min(i.location_key, (coalesce(i.reported_at, i.occurred_at), i.incident_id))
                                                                         AS location_key,
               arg_min(i.category, (coalesce(i.reported_at, i.occurred_at), i.incident_id)) AS category,
               bool_or(coalesce(i.hate_related, FALSE))                  AS hate_related,
               arg_min(a.imd_decile, (coalesce(i.reported_at, i.occurred_at), i.incident_id)) AS imd_decile
        FROM named n
        JOIN core_incident i USING (incident_id)
        JOIN core_incident_group g USING (incident_id)
        LEFT JOIN core_area_lsoa a ON a.lsoa_code = i.lsoa_code
        WHERE i.is_asb AND coalesce(i.reported_at, i.occurred_at) IS NOT NULL
        GROUP BY n.person_id, g.incident_group_id
        ORDER BY n.person_id, known_at, g.incident_group_id
        """,
        [perp_roles],
    ).df()
    if incidents.empty:
        raise AnalysisProblem(
            "nobody in this warehouse is named as a perpetrator or suspect "
            f"(roles {', '.join(perp_roles)}), so there is nothing to model: load incident "
            "exports with people (the `people` template) first")
    victims = con.execute(
        """
        WITH perp AS (
            SELECT DISTINCT l.person_id, g.incident_group_id
            FROM core_person_role r JOIN core_person_link l USING (person_record_id)
            JOIN core_incident_group g USING (incident_id)
            WHERE r.role IN (SELECT unnest(?))
        ), vic AS (
            SELECT DISTINCT l.person_id AS victim_id, g.incident_group_id
            FROM core_person_role r JOIN core_person_link l USING (person_record_id)
            JOIN core_incident_group g USING (incident_id)
            WHERE r.role IN (SELECT unnest(?))
        )
        SELECT p.person_id, p.incident_group_id, v.victim_id
        FROM perp p JOIN vic v USING (incident_group_id)
        WHERE v.victim_id <> p.person_id
        ORDER BY 1, 2, 3
        """,
        [perp_roles, victim_roles],
    ).df()
    victims = victims.merge(incidents[["person_id", "incident_group_id", "known_at"]],
                            on=["person_id", "incident_group_id"])
    actions = _load_actions(con, config)
    people = con.execute(
        """
        WITH rec AS (
            SELECT l.person_id, r.date_of_birth, r.sex, r.ethnicity, r.disability,
                   count(*) OVER (PARTITION BY l.person_id, r.date_of_birth) AS n_dob,
                   count(*) OVER (PARTITION BY l.person_id, r.sex)           AS n_sex,
                   count(*) OVER (PARTITION BY l.person_id, r.ethnicity)     AS n_eth,
                   count(*) OVER (PARTITION BY l.person_id, r.disability)    AS n_dis
            FROM core_person_link l JOIN core_person_record r USING (person_record_id)
            WHERE l.person_id IN (SELECT DISTINCT person_id FROM core_person_link l2
                                  JOIN core_person_role r2 USING (person_record_id)
                                  WHERE r2.role IN (SELECT unnest(?)))
        )
        -- the commonest recorded value; ties broken by the value, so every run agrees
        -- (DuckDB's mode() breaks ties by hash order, which changes between runs)
        SELECT person_id,
               first(date_of_birth ORDER BY n_dob DESC, date_of_birth)
                   FILTER (WHERE date_of_birth IS NOT NULL) AS date_of_birth,
               first(sex ORDER BY n_sex DESC, sex) FILTER (WHERE sex IS NOT NULL) AS sex,
               first(ethnicity ORDER BY n_eth DESC, ethnicity)
                   FILTER (WHERE ethnicity IS NOT NULL) AS ethnicity,
               first(disability ORDER BY n_dis DESC, disability)
                   FILTER (WHERE disability IS NOT NULL) AS disability
        FROM rec GROUP BY person_id ORDER BY 1
        """,
        [perp_roles],
    ).df()
    span = con.execute(
        """
        SELECT min(coalesce(i.reported_at, i.occurred_at)), max(coalesce(i.reported_at, i.occurred_at))
        FROM core_incident i
        WHERE i.incident_id IN (SELECT incident_id FROM core_person_role)
        """
    ).fetchall()[0]
    for frame, cols in ((incidents, ["known_at", "occurred_at"]), (victims, ["known_at"]),
                        (actions, ["known_at"])):
        for c in cols:
            frame[c] = pd.to_datetime(frame[c])
    people["date_of_birth"] = pd.to_datetime(people["date_of_birth"])
    history = History(
        incidents=incidents, victims=victims, actions=actions, people=people,
        data_start=pd.Timestamp(span[0]).normalize(),
        data_end=pd.Timestamp(span[1]).normalize() + pd.Timedelta(days=1),
    )
    history.check()
    return history


# --------------------------------------------------------------------------------------------
# Index dates, features and labels

#: The smoothed rate adds this many incidents over this many months to everyone's record, so one
#: incident in a short history does not read as a high rate (a simple empirical-Bayes shrinkage).
_RATE_PRIOR_INCIDENTS, _RATE_PRIOR_MONTHS = 1.0, 6.0
_MONTH_DAYS = 365.25 / 12
#: Recency-weighted incident counts: each incident counts 1 when new and half as much every
#: this many months (offending comes in bursts: a recent incident says more than an old one).
_HALF_LIVES = (1, 4)


def _month_start(value: Any) -> pd.Timestamp:
    t = _ts(value)
    return pd.Timestamp(t.year, t.month, 1)


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> float:
    return max(0.0, (end - start).days / _MONTH_DAYS)


def index_dates(history: History, months: int, min_history_months: int = 3, *,
                complete: bool = True) -> list[pd.Timestamp]:
    """Month starts with at least ``min_history_months`` of data before them.

    With ``complete`` (the default) only dates whose whole outcome window (``months``) lies
    inside the data; otherwise every date with at least one month of outcome observed (for
    training on windows still open at the end of the data, see :func:`build_dataset`).

    Examples
    --------
    >>> h = History(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
    ...             pd.Timestamp("2021-01-01"), pd.Timestamp("2023-01-01"))
    >>> [str(d.date()) for d in index_dates(h, 6, 3)][:2], len(index_dates(h, 6, 3))
    (['2021-04-01', '2021-05-01'], 16)
    >>> str(index_dates(h, 6, 3, complete=False)[-1].date())
    '2022-12-01'
    """
    if months < 1:
        raise AnalysisProblem(f"the outcome window must be at least one month (got {months})")
    first = _month_start(history.data_start) + pd.DateOffset(months=max(min_history_months, 1))
    if history.data_start != _month_start(history.data_start):
        first += pd.DateOffset(months=1)
    need = months if complete else 1
    out = []
    t = pd.Timestamp(first)
    while t + pd.DateOffset(months=need) <= history.data_end:
        out.append(t)
        t = t + pd.DateOffset(months=1)
    return out


def _age_band(dob: pd.Series, at: pd.Timestamp) -> pd.Series:
    dob = pd.to_datetime(dob)
    age = (at.year - dob.dt.year) - ((at.month < dob.dt.month)
                                     | ((at.month == dob.dt.month) & (at.day < dob.dt.day)))
    out = pd.Series("not recorded", index=dob.index, dtype=object)
    for name, lo, hi in AGE_BANDS:
        out[(age >= lo) & (age <= hi)] = name
    out[(age < AGE_BANDS[0][1]) & age.notna()] = "under " + str(AGE_BANDS[0][1])
    return out


def _imd_band(decile: pd.Series) -> pd.Series:
    """IMD decile of the place of the person's latest incident, in three bands."""
    out = pd.Series("not recorded", index=decile.index, dtype=object)
    out[decile.between(1, 2)] = "most deprived 20%"
    out[decile.between(3, 5)] = "deciles 3-5"
    out[decile.between(6, 10)] = "least deprived 50%"
    return out


def _window_count(frame: pd.DataFrame, at: pd.Timestamp, months: int | None, col: str,
                  key: str = "incident_group_id") -> pd.Series:
    if months is not None:
        frame = frame[frame[col] >= at - pd.DateOffset(months=months)]
    return frame.groupby("person_id")[key].nunique()


def features_at(history: History, index_date: Any, *, eligible_months: int = 12,
                lookback_months: int = 36, agencies: Sequence[str] | None = None
                ) -> pd.DataFrame:
    """Features for everyone eligible at ``index_date``, from what was known before it.

    Everyone named as a perpetrator or suspect in an incident known in the ``eligible_months``
    before the index date is scored. The first line cuts the history at the index date; every
    feature below it is computed from the cut history only.

    Parameters
    ----------
    history : History
    index_date : date-like
        Features use only what was known strictly before it.
    eligible_months : int
        Who is scored: named in an incident known in this many months before the index date.
    lookback_months : int
        How far back "on record" reaches (so a long-held warehouse and a new one read alike).
    agencies : sequence of str, optional
        The agencies that get an "incidents held by" share column (a fitted model passes its
        own list so the columns match); by default every agency in the cut history.

    Returns
    -------
    DataFrame
        Indexed by ``person_id``: the feature columns (see :func:`feature_columns`) and the
        audit-only columns in :data:`AUDIT_COLUMNS`, plus ``index_date``.
    """
    at = _ts(index_date)
    h = history.before(at)  # the leakage guard: nothing below sees anything known from `at` on
    since = max(at - pd.DateOffset(months=lookback_months), h.data_start)
    inc = h.incidents[h.incidents["known_at"] >= since]
    recent = inc[inc["known_at"] >= at - pd.DateOffset(months=eligible_months)]
    people = pd.Index(sorted(recent["person_id"].unique()), name="person_id")
    inc = inc[inc["person_id"].isin(people)]
    out = pd.DataFrame(index=people)
    for m in (1, 3, 6, 12):
        out[f"incidents_{m}m"] = _window_count(inc, at, m, "known_at")
    out["incidents_all"] = _window_count(inc, at, None, "known_at")
    age_months = (at - inc["known_at"]).dt.days / _MONTH_DAYS
    for half_life in _HALF_LIVES:
        out[f"incidents_recent_{half_life}m"] = (0.5 ** (age_months / half_life)).groupby(
            inc["person_id"]).sum()
    out["months_held"] = _months_between(since, at)
    out["incident_rate"] = ((out["incidents_all"].fillna(0) + _RATE_PRIOR_INCIDENTS)
                            / (out["months_held"] + _RATE_PRIOR_MONTHS))
    months_active = inc[inc["known_at"] >= at - pd.DateOffset(months=12)]
    out["active_months_12m"] = months_active.assign(
        m=months_active["known_at"].dt.to_period("M")).groupby("person_id")["m"].nunique()
    g = inc.groupby("person_id")
    out["days_since_last_incident"] = (at - g["known_at"].max()).dt.days
    vic = h.victims[h.victims["person_id"].isin(people) & (h.victims["known_at"] >= since)]
    out["victims_12m"] = _window_count(vic, at, 12, "known_at", "victim_id")
    out["victims_all"] = _window_count(vic, at, None, "known_at", "victim_id")
    out["places_12m"] = _window_count(inc, at, 12, "known_at", "location_key")
    out["places_all"] = _window_count(inc, at, None, "known_at", "location_key")
    out["agencies_all"] = g["agency"].nunique().clip(lower=g["agencies"].max())
    out["hate_incidents_all"] = inc[inc["hate_related"].astype(bool)].groupby(
        "person_id")["incident_group_id"].nunique()
    cat = inc["category"].astype("string").str.lower()
    for c in _CATEGORIES:
        out[f"share_{c}"] = (cat == c).groupby(inc["person_id"]).mean()
    names = sorted(inc["agency"].dropna().unique()) if agencies is None else list(agencies)
    for a in names:
        out[f"agency_share:{a}"] = (inc["agency"] == a).groupby(inc["person_id"]).mean()
    act = h.actions[h.actions["person_id"].isin(people) & (h.actions["known_at"] >= since)]
    ga = act.groupby("person_id")
    out["actions_all"] = ga["action"].size()
    out["actions_6m"] = act[act["known_at"] >= at - pd.DateOffset(months=6)].groupby(
        "person_id")["action"].size()
    out["max_escalation_rank"] = ga["escalation_rank"].max()
    out["days_since_last_action"] = (at - ga["known_at"].max()).dt.days
    last = act.sort_values(["known_at", "escalation_rank"]).groupby("person_id").tail(1)
    out["last_action_rank"] = last.set_index("person_id")["escalation_rank"]
    out["support_referral"] = (act["action"] == "support referral").groupby(
        act["person_id"]).any().astype(float)
    last_inc = act["person_id"].map(g["known_at"].max())
    out["actions_since_last_incident"] = (
        act[act["known_at"] > last_inc].groupby("person_id")["action"].size())
    ppl = h.people.set_index("person_id").reindex(people)
    band = _age_band(ppl["date_of_birth"], at)
    for name, _, _ in AGE_BANDS:
        out[f"age:{name}"] = (band == name).astype(float)
    out["age:not recorded"] = (~band.isin([b[0] for b in AGE_BANDS])).astype(float)
    day_cols = ["days_since_last_incident", "days_since_last_action"]
    out[day_cols] = out[day_cols].fillna(_DAY_CAP).clip(upper=_DAY_CAP)
    feature_cols = list(out.columns)
    out[feature_cols] = out[feature_cols].fillna(0.0).astype(float)
    # audit only: never features
    out["age_band"] = band
    out["sex"] = ppl["sex"].fillna("not recorded").astype(str)
    out["ethnicity"] = ppl["ethnicity"].fillna("not recorded").astype(str)
    out["disability"] = ppl["disability"].fillna("not recorded").astype(str)
    latest = inc.sort_values("known_at").groupby("person_id").tail(1).set_index("person_id")
    out["imd_band"] = _imd_band(pd.to_numeric(latest["imd_decile"], errors="coerce")
                                .reindex(people))
    out["index_date"] = at
    return out


#: Columns of a dataset that are neither features nor audit columns.
#: ``months_held`` describes the warehouse, not the person: it is used only inside the smoothed
#: ``incident_rate`` (a model given it directly learns how long the data is, which changes
#: between training and use).
_NOT_FEATURES = ("index_date", "person_id", "label", "events", "exposure", "complete",
                 "months_to_event", "months_held", "ceiling_risk", "risk",
                 "baseline", "rule")


#: Feature families named by prefix (one column per age band or agency) or listed (the share
#: of each kind of behaviour).
_FEATURE_PREFIXES = ("age:", "agency_share:")
_FEATURE_NAMES = tuple(f"share_{c}" for c in _CATEGORIES)


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model inputs among a feature frame's columns: only columns known to be features
    (worded in :data:`_WORDS`, of a family in :data:`_FEATURE_PREFIXES`, or in
    :data:`_FEATURE_NAMES`), so that a new
    column (an outcome, a score) cannot become an input by being added to the frame; never the
    audit columns."""
    return [c for c in frame.columns
            if c not in AUDIT_COLUMNS and c not in _NOT_FEATURES
            and (c in _WORDS or c in _FEATURE_NAMES or c.startswith(_FEATURE_PREFIXES))]


def outcomes_after(history: History, index_date: Any, months: int,
                   cutoff: Any | None = None) -> pd.DataFrame:
    """New incidents each person was named in from ``index_date``, for ``months`` months.

    An incident counts by when it *happened* (``occurred_at``). With ``cutoff`` the window
    stops there if it is earlier, and only incidents *reported* before the cutoff count
    (``known_at`` too: what could be known at the cutoff; the training outcomes of a temporal
    split stop at the first test date, so an incident that happened before it but was reported
    after it is not a training label); without it the whole window must lie inside the data.

    Returns
    -------
    DataFrame
        Indexed by ``person_id`` (only people with a new incident): ``events`` (incident
        groups) and ``first_event`` (when the first happened). The window's length in months
        is in ``.attrs["exposure"]``.
    """
    at = _ts(index_date)
    end = at + pd.DateOffset(months=months)
    if cutoff is not None:
        end = min(end, _ts(cutoff))
    elif end > history.data_end:
        raise AnalysisProblem(
            f"the {months}-month outcome window from {at.date()} runs past the end of the data "
            f"({(history.data_end - pd.Timedelta(days=1)).date()}): outcomes are not complete")
    if end <= at:
        raise AnalysisProblem(f"the outcome window from {at.date()} is empty (cutoff {end.date()})")
    inc = history.incidents
    new = inc[(inc["occurred_at"] >= at) & (inc["occurred_at"] < end)]
    if cutoff is not None:
        new = new[new["known_at"] < _ts(cutoff)]
    g = new.groupby("person_id")
    out = pd.DataFrame({"events": g["incident_group_id"].nunique(),
                        "first_event": g["occurred_at"].min()})
    out.attrs["exposure"] = _months_between(at, end)
    out.attrs["complete"] = end == at + pd.DateOffset(months=months)
    return out


def assert_no_leakage(
    history: History, index_date: Any,
    build: Callable[..., pd.DataFrame] = features_at, **kwargs: Any,
) -> None:
    """Refuse a feature builder that uses anything known on or after ``index_date``.

    The features built from the whole history must equal those built from the history cut at
    the index date. A feature computed from later data differs, and this raises.

    Raises
    ------
    LeakageError
        Naming the features that changed.
    """
    at = _ts(index_date)
    full = build(history, at, **kwargs)
    cut = build(history.before(at), at, **kwargs)
    if full.shape == cut.shape and list(full.index) == list(cut.index) and full.equals(cut):
        return
    changed = []
    if list(full.index) != list(cut.index):
        changed.append("(who is scored)")
    for col in full.columns.union(cut.columns):
        if col not in full or col not in cut:
            changed.append(str(col))
            continue
        a, b = full[col].reindex(cut.index), cut[col]
        if not a.equals(b):
            changed.append(str(col))
    raise LeakageError(
        f"features at {at.date()} use information from on or after the index date: "
        + ", ".join(changed[:10]))


@dataclass(frozen=True)
class Dataset:
    """Person × index date rows: features, audit columns and outcomes.

    Outcome columns: ``events`` (new incidents in the window), ``label`` (1 if any),
    ``exposure`` (the window's months, shorter when cut at a cutoff) and ``complete`` (the
    whole ``months`` window was observed).
    """

    rows: pd.DataFrame
    features: list[str]
    months: int


def build_dataset(history: History, dates: Iterable[Any], months: int, *,
                  cutoff: Any | None = None, eligible_months: int = 12,
                  lookback_months: int = 36, check_leakage: bool = True,
                  agencies: Sequence[str] | None = None) -> Dataset:
    """Features and outcomes for every eligible person at every index date.

    With ``cutoff``, outcome windows stop at the cutoff (see :func:`outcomes_after`). With
    ``check_leakage`` (the default) :func:`assert_no_leakage` runs at every date.
    """
    names = (sorted(history.incidents["agency"].dropna().unique()) if agencies is None
             else list(agencies))
    kw: dict[str, Any] = {"eligible_months": eligible_months, "lookback_months": lookback_months,
                          "agencies": names}
    frames = []
    for d in dates:
        if check_leakage:
            assert_no_leakage(history, d, **kw)
        f = features_at(history, d, **kw)
        y = outcomes_after(history, d, months, cutoff)
        f["events"] = y["events"].reindex(f.index).fillna(0).astype(int)
        f["label"] = (f["events"] > 0).astype(int)
        f["months_to_event"] = (y["first_event"].reindex(f.index) - _ts(d)).dt.days / _MONTH_DAYS
        f["exposure"] = y.attrs["exposure"]
        f["complete"] = bool(y.attrs["complete"])
        frames.append(f.reset_index())
    if not frames:
        raise AnalysisProblem("no index dates: the data is too short for this outcome window")
    rows = pd.concat(frames, ignore_index=True)
    return Dataset(rows, feature_columns(rows), months)


# --------------------------------------------------------------------------------------------
# The temporal split


@dataclass(frozen=True)
class TemporalSplit:
    """Which index dates fit the model, choose between candidates, and test it.

    Every ``fit`` date is before every ``validate`` date, which is before every ``test`` date.
    Training outcomes stop at :attr:`cutoff` (the first test date): the model never sees an
    incident from the test period. While candidates are compared, the fitting dates' outcomes
    stop at the first validation date in the same way.
    """

    fit: list[pd.Timestamp]
    validate: list[pd.Timestamp]
    test: list[pd.Timestamp]
    months: int

    @property
    def train(self) -> list[pd.Timestamp]:
        return self.fit + self.validate

    @property
    def cutoff(self) -> pd.Timestamp:
        """Training outcomes stop here: the first test date."""
        return self.test[0]

    @property
    def validation_cutoff(self) -> pd.Timestamp:
        """While choosing the model, the fitting dates' outcomes stop here."""
        return self.validate[0]

    def check(self) -> None:
        """Raise :class:`AnalysisProblem` if the split is not strictly temporal."""
        if not self.test or not self.fit or not self.validate:
            raise AnalysisProblem("the temporal split needs fitting, validation and test dates")
        if max(self.fit) >= min(self.validate):
            raise AnalysisProblem("validation dates must come after the fitting dates")
        if max(self.validate) >= min(self.test):
            raise AnalysisProblem("test dates must come after every training date")

    def describe(self) -> dict[str, str]:
        return {
            "fit_from": str(min(self.fit).date()), "fit_to": str(max(self.fit).date()),
            "validate_from": str(min(self.validate).date()),
            "validate_to": str(max(self.validate).date()),
            "test_from": str(min(self.test).date()), "test_to": str(max(self.test).date()),
            "training_outcomes_until": str(self.cutoff.date()),
        }


def temporal_split(dates: Sequence[Any], months: int, *, test_dates: int = 6,
                   validation_dates: int = 3) -> TemporalSplit:
    """Test on the last ``test_dates`` index dates; train on every earlier one, the last
    ``validation_dates`` of them choosing between the candidate models.

    Examples
    --------
    >>> ds = pd.date_range("2021-04-01", "2022-07-01", freq="MS")
    >>> s = temporal_split(ds, 6, test_dates=6, validation_dates=3)
    >>> s.describe()["fit_to"], s.describe()["validate_to"], s.describe()["test_from"]
    ('2021-10-01', '2022-01-01', '2022-02-01')
    """
    ds = sorted(_ts(d) for d in dates)
    if len(ds) < test_dates + validation_dates + 1:
        raise AnalysisProblem(
            f"{len(ds)} index dates are too few to fit, validate on {validation_dates} and test "
            f"on {test_dates}: load a longer period, or shorten reoffending.test_months, "
            "reoffending.validation_months or reoffending.months")
    test = ds[-test_dates:]
    train = ds[:-test_dates]
    split = TemporalSplit(train[:-validation_dates], train[-validation_dates:], test, months)
    split.check()
    return split


# --------------------------------------------------------------------------------------------
# Metrics


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return np.asarray(expit(x), dtype=float)


def _logistic_loglik(design: np.ndarray, y: np.ndarray, offset: np.ndarray,
                     beta: np.ndarray) -> float:
    eta = offset + design @ beta
    return float(np.sum(y * eta - np.logaddexp(0.0, eta)))


def _logistic_irls(x: np.ndarray | None, y: np.ndarray, offset: np.ndarray,
                   max_iter: int = 100) -> tuple[np.ndarray, bool]:
    """Unpenalised logistic regression of ``y`` on ``[1, x]`` with an offset: Newton-Raphson
    with step-halving (a step that lowers the log-likelihood is halved until it does not).

    Returns ``(beta, converged)``. ``converged`` is False when the iterations did not settle
    or the coefficients ran away (the outcomes are separated, or nearly: the maximum
    likelihood estimate does not exist), so the caller can fall back to a simpler map.
    """
    n = len(y)
    design = np.ones((n, 1)) if x is None else np.column_stack([np.ones(n), x])
    beta = np.zeros(design.shape[1])
    ll = _logistic_loglik(design, y, offset, beta)
    converged = False
    for _ in range(max_iter):
        p = _expit(offset + design @ beta)
        w = np.maximum(p * (1 - p), 1e-12)
        grad = design.T @ (y - p)
        hess = design.T @ (design * w[:, None])
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(len(beta)), grad)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        for _ in range(30):
            trial = beta + t * step
            ll_trial = _logistic_loglik(design, y, offset, trial)
            if np.isfinite(ll_trial) and ll_trial >= ll - 1e-12:
                break
            t /= 2
        else:
            break
        beta, moved, ll = trial, float(np.max(np.abs(t * step))), ll_trial
        if moved < 1e-10:
            converged = True
            break
    if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > 50:
        converged = False
    return beta, converged


def _logistic_fit(x: np.ndarray | None, y: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Unpenalised logistic regression of ``y`` on ``[1, x]`` with an offset (Newton-Raphson
    with step-halving; see :func:`_logistic_irls` for the convergence flag)."""
    return _logistic_irls(x, y, offset)[0]


def calibration_intercept_slope(y: Values, p: Values) -> tuple[float, float]:
    """Calibration intercept (calibration-in-the-large) and slope.

    The slope is ``b`` in ``logit P(y) = a + b logit(p)``; the intercept is ``a`` in
    ``logit P(y) = a + logit(p)`` (slope fixed at 1), as Van Calster et al. (2019) define them.
    Perfect calibration: intercept 0, slope 1. A slope below 1 means predictions too extreme.

    Examples
    --------
    >>> y = [0, 0, 0, 1, 0, 1, 1, 1]
    >>> p = [0.5, 0.5, 0.5, 0.5, 0.8, 0.8, 0.8, 0.8]
    >>> a, b = calibration_intercept_slope(y, p)
    >>> round(b, 4), round(math.log(3) / math.log(2), 4)
    (1.585, 1.585)
    """
    yy = np.asarray(y, dtype=float)
    lp = _logit(np.asarray(p, dtype=float))
    if len(np.unique(yy)) < 2:
        return float("nan"), float("nan")
    intercept = _logistic_fit(None, yy, lp)[0]
    slope = _logistic_fit(lp, yy, np.zeros(len(yy)))[1] if np.ptp(lp) > 0 else float("nan")
    return float(intercept), float(slope)


@dataclass(frozen=True)
class Metrics:
    """Discrimination and calibration of risk scores against outcomes."""

    n: int
    positives: int
    prevalence: float
    mean_predicted: float
    auc: float
    average_precision: float
    brier: float
    log_loss: float
    calibration_intercept: float
    calibration_slope: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in self.__dict__.items()}


def binary_metrics(y: Values, p: Values) -> Metrics:
    """AUC, average precision, Brier score, log loss, calibration intercept and slope.

    Examples
    --------
    >>> m = binary_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> m.auc, round(m.brier, 6)
    (0.75, 0.158125)
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    yy = np.asarray(y, dtype=int)
    pp = np.asarray(p, dtype=float)
    both = len(np.unique(yy)) == 2
    clipped = np.clip(pp, 1e-6, 1 - 1e-6)
    intercept, slope = calibration_intercept_slope(yy, pp)
    return Metrics(
        n=len(yy), positives=int(yy.sum()),
        prevalence=float(yy.mean()) if len(yy) else float("nan"),
        mean_predicted=float(pp.mean()) if len(pp) else float("nan"),
        auc=float(roc_auc_score(yy, pp)) if both else float("nan"),
        average_precision=float(average_precision_score(yy, pp)) if both else float("nan"),
        brier=float(np.mean((pp - yy) ** 2)) if len(yy) else float("nan"),
        log_loss=float(-np.mean(yy * np.log(clipped) + (1 - yy) * np.log(1 - clipped)))
        if len(yy) else float("nan"),
        calibration_intercept=intercept, calibration_slope=slope,
    )


def reliability_table(y: Values, p: Values, bins: int = 10) -> pd.DataFrame:
    """Observed against predicted risk in equal-width bins of predicted risk (a reliability plot).

    Columns: ``bin_from``, ``bin_to``, ``n``, ``mean_predicted``, ``observed``, and a Wilson 95%
    interval ``observed_low``, ``observed_high``. Empty bins are left out.

    Examples
    --------
    >>> t = reliability_table([0, 1, 1, 0], [0.05, 0.15, 0.95, 0.92], bins=10)
    >>> t[["bin_from", "n", "observed"]].values.tolist()
    [[0.0, 1.0, 0.0], [0.1, 1.0, 1.0], [0.9, 2.0, 0.5]]
    """
    yy = np.asarray(y, dtype=float)
    pp = np.asarray(p, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(pp, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        if not n:
            continue
        obs = float(yy[m].mean())
        z = 1.959964
        centre = (obs + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(obs * (1 - obs) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        rows.append({"bin_from": round(float(edges[b]), 6), "bin_to": round(float(edges[b + 1]), 6),
                     "n": float(n), "mean_predicted": float(pp[m].mean()), "observed": obs,
                     "observed_low": max(0.0, centre - half), "observed_high": min(1.0, centre + half)})
    return pd.DataFrame(rows, columns=["bin_from", "bin_to", "n", "mean_predicted", "observed",
                                       "observed_low", "observed_high"])


def _two_rate_z(k1: float, n1: float, k0: float, n0: float) -> float:
    """z statistic for two proportions (0 when either is empty)."""
    if n1 <= 0 or n0 <= 0:
        return 0.0
    pooled = (k1 + k0) / (n1 + n0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return 0.0 if se == 0 else (k1 / n1 - k0 / n0) / se


def subgroup_audit(
    frame: pd.DataFrame, attributes: Sequence[str], *, threshold: float,
    error_rate_gap: float = 0.10, calibration_gap: float = 0.05, min_group_size: int = 30,
) -> pd.DataFrame:
    """The metrics by subgroup, flagging groups whose error rates differ markedly.

    ``frame`` holds ``label``, ``risk`` and the attribute columns (and ``person_id``, when
    people appear at several index dates). Error rates are read at ``threshold`` (risk at or
    above it counts as "flagged high"): the false positive rate (people flagged who were not
    named again) and the false negative rate (people not flagged who were).

    A group of at least ``min_group_size`` people is flagged when, compared with everyone else, its
    false positive or false negative rate differs by more than ``error_rate_gap``, or its mean
    predicted risk differs from its observed rate by more than ``calibration_gap``, and in each
    case the difference is beyond chance (|z| > 1.96, counting each person once so that
    repeated index dates do not overstate the evidence).

    Groups with different base rates cannot have equal false positive rates, equal false
    negative rates and good calibration at once (Kleinberg et al. 2016; Chouldechova 2017): a
    flag is a prompt to look, not a verdict.

    Returns
    -------
    DataFrame
        One row per attribute × group: ``attribute``, ``group``, ``n``, ``people``,
        ``positives``, ``prevalence``, ``mean_predicted``, ``auc``, ``brier``, ``fpr``,
        ``fnr``, ``flag`` (bool) and ``reason``.
    """
    require_columns(frame, ["label", "risk", *attributes], "the subgroup audit")
    people = frame["person_id"] if "person_id" in frame else pd.Series(
        np.arange(len(frame)), index=frame.index)

    def counts(part: pd.DataFrame) -> dict[str, float]:
        y = part["label"].to_numpy(int)
        hi = part["risk"].to_numpy(float) >= threshold
        scale = people.loc[part.index].nunique() / max(len(part), 1)  # effective sample size
        return {"neg": (y == 0).sum() * scale, "fp": (hi & (y == 0)).sum() * scale,
                "pos": (y == 1).sum() * scale, "fn": (~hi & (y == 1)).sum() * scale,
                "scale": scale}

    rows = []
    for attr in attributes:
        for group, part in frame.groupby(attr, dropna=False, sort=True):
            rest = frame.drop(index=part.index)
            m = binary_metrics(part["label"], part["risk"])
            c, r = counts(part), counts(rest)
            fpr = c["fp"] / c["neg"] if c["neg"] else float("nan")
            fnr = c["fn"] / c["pos"] if c["pos"] else float("nan")
            fpr_rest = r["fp"] / r["neg"] if r["neg"] else float("nan")
            fnr_rest = r["fn"] / r["pos"] if r["pos"] else float("nan")
            reasons = []
            size = int(people.loc[part.index].nunique())
            if size >= min_group_size and len(rest):
                if (abs(fpr - fpr_rest) > error_rate_gap
                        and abs(_two_rate_z(c["fp"], c["neg"], r["fp"], r["neg"])) > 1.96):
                    reasons.append(f"false positive rate {fpr:.0%} against {fpr_rest:.0%} "
                                   "for everyone else")
                if (abs(fnr - fnr_rest) > error_rate_gap
                        and abs(_two_rate_z(c["fn"], c["pos"], r["fn"], r["pos"])) > 1.96):
                    reasons.append(f"false negative rate {fnr:.0%} against {fnr_rest:.0%} "
                                   "for everyone else")
                gap = m.prevalence - m.mean_predicted
                n_eff = len(part) * c["scale"]
                se = math.sqrt(max(m.mean_predicted * (1 - m.mean_predicted), 1e-9) / n_eff)
                if abs(gap) > calibration_gap and abs(gap / se) > 1.96:
                    reasons.append(f"{'under' if gap > 0 else 'over'}-predicted: "
                                   f"{m.mean_predicted:.0%} predicted on average, "
                                   f"{m.prevalence:.0%} observed")
            rows.append({
                "attribute": attr, "group": str(group), "n": int(len(part)),
                "people": size,
                "positives": m.positives, "prevalence": m.prevalence,
                "mean_predicted": m.mean_predicted, "auc": m.auc, "brier": m.brier,
                "fpr": fpr, "fnr": fnr, "flag": bool(reasons),
                "reason": "; ".join(reasons) if reasons else (
                    "" if size >= min_group_size
                    else f"fewer than {min_group_size} people: not assessed"),
            })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# The model


#: How each feature reads in a sentence: (what it is, how to word a value).
_WORDS: dict[str, tuple[str, Callable[[float], str]]] = {
    "incidents_1m": ("incidents in the last month", lambda v: f"{v:.0f}"),
    "incidents_3m": ("incidents in the last 3 months", lambda v: f"{v:.0f}"),
    "incidents_recent_1m": ("recent incidents (each counting half as much a month on)",
                            lambda v: f"{v:.1f}"),
    "incidents_recent_4m": ("recent incidents (each counting half as much four months on)",
                            lambda v: f"{v:.1f}"),
    "incidents_6m": ("incidents in the last 6 months", lambda v: f"{v:.0f}"),
    "incidents_12m": ("incidents in the last 12 months", lambda v: f"{v:.0f}"),
    "incidents_all": ("incidents on record", lambda v: f"{v:.0f}"),
    "incident_rate": ("incidents a month on record (smoothed)", lambda v: f"{v:.2f}"),
    "active_months_12m": ("months with an incident in the last year", lambda v: f"{v:.0f}"),
    "days_since_last_incident": ("days since the last incident",
                                 lambda v: f"{v:.0f}" if v < _DAY_CAP else "2 years or more"),
    "victims_12m": ("victims in the last 12 months", lambda v: f"{v:.0f}"),
    "victims_all": ("victims on record", lambda v: f"{v:.0f}"),
    "places_12m": ("places in the last 12 months", lambda v: f"{v:.0f}"),
    "places_all": ("places on record", lambda v: f"{v:.0f}"),
    "agencies_all": ("agencies holding reports", lambda v: f"{v:.0f}"),
    "hate_incidents_all": ("hate-related incidents", lambda v: f"{v:.0f}"),
    "actions_all": ("actions taken so far", lambda v: f"{v:.0f}"),
    "actions_6m": ("actions in the last 6 months", lambda v: f"{v:.0f}"),
    "max_escalation_rank": ("highest step reached on the escalation ladder",
                            lambda v: f"{v:.0f}"),
    "days_since_last_action": ("days since the last action",
                               lambda v: f"{v:.0f}" if v < _DAY_CAP else "no action on record"),
    "last_action_rank": ("ladder step of the last action", lambda v: f"{v:.0f}"),
    "support_referral": ("referred for support", lambda v: "yes" if v >= 0.5 else "no"),
    "actions_since_last_incident": ("actions since the last incident", lambda v: f"{v:.0f}"),
}

#: Features explained together (one sentence for the group).
_GROUPS = {"age:": "age band", "agency_share:": "which agencies hold the reports",
           "share_": "the kind of behaviour reported"}

_LOG1P_FEATURES = ("incidents_", "active_months", "days_since", "victims_", "places_",
                   "agencies_", "hate_", "actions_")
_LOG_FEATURES = ("incident_rate",)


#: The incident counts over several windows, the recency-weighted counts, the smoothed rate,
#: the active months and the days since the last incident all describe one thing, the person's
#: incident history, and are correlated: explained one at a time, "what if only this count
#: were typical" gives effects of opposite signs for the same history. They are explained as
#: one factor: "what if this person's whole incident history were typical".
INCIDENT_HISTORY = "incident history"
_INCIDENT_HISTORY_FEATURES = ("incidents_1m", "incidents_3m", "incidents_6m", "incidents_12m",
                              "incidents_all", "incidents_recent_", "incident_rate",
                              "active_months_", "days_since_last_incident")


#: The same for the actions taken: how many, how far up the ladder, how recent.
ACTIONS_SO_FAR = "actions so far"
_ACTION_FEATURES = ("actions_all", "actions_6m", "max_escalation_rank", "days_since_last_action",
                    "last_action_rank", "actions_since_last_incident")


def _group_of(feature: str) -> str:
    if feature.startswith(_INCIDENT_HISTORY_FEATURES):
        return INCIDENT_HISTORY
    if feature.startswith(_ACTION_FEATURES):
        return ACTIONS_SO_FAR
    for prefix, name in _GROUPS.items():
        if feature.startswith(prefix):
            return name
    return feature


@dataclass(frozen=True)
class Factor:
    """One reason a person's risk differs from a typical person's on the list."""

    group: str
    effect: float  # change in log-odds compared with the typical value (+ raises risk)
    text: str


class _RateModel:
    """A fitted rate model (Poisson regression or boosting): P(any within e months).

    The window's length is one of its inputs (``log`` months): the rate is the mean over the
    window, and after a burst it is higher over a short window than over a long one.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def prob_within(self, x: np.ndarray, months: np.ndarray | float) -> np.ndarray:
        e = np.broadcast_to(np.asarray(months, dtype=float), (len(x),))
        rate = np.clip(np.asarray(self.estimator.predict(_with_window(x, e)), dtype=float),
                       1e-9, None)
        return np.asarray(-np.expm1(-rate * e), dtype=float)


def _with_window(x: np.ndarray, months: np.ndarray) -> np.ndarray:
    return np.column_stack([x, np.log(np.maximum(np.asarray(months, dtype=float), 1e-3))])


class _HazardLogit:
    """A fitted discrete-time hazard model: logistic regression of "named in a new incident in
    this month" over the months each person was observed, until their first new incident."""

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def prob_within(self, x: np.ndarray, months: np.ndarray | float) -> np.ndarray:
        hazard = np.asarray(self.estimator.predict_proba(x)[:, 1], dtype=float)
        return np.asarray(1 - (1 - hazard) ** np.asarray(months, dtype=float), dtype=float)


def _person_months(rows: pd.DataFrame, features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """One row per person, index date and month observed (until the first new incident)."""
    periods = np.maximum(1, np.round(rows["exposure"].to_numpy(float))).astype(int)
    tte = rows["months_to_event"].to_numpy(float)
    event_at = np.where(np.isnan(tte), -1, np.minimum(np.floor(np.nan_to_num(tte, nan=0.0)),
                                                      periods - 1)).astype(int)
    at_risk = np.where(event_at >= 0, event_at + 1, periods)
    reps = np.repeat(np.arange(len(rows)), at_risk)
    k = np.arange(len(reps)) - np.repeat(np.cumsum(at_risk) - at_risk, at_risk)
    y = (k == event_at[reps]).astype(int)
    return rows[list(features)].to_numpy(float)[reps], y


@dataclass
class RiskModel:
    """A fitted model with what it needs to score and explain.

    Attributes
    ----------
    kind : str
        ``poisson``, ``boosting`` or ``logistic``.
    features : list of str
        Model inputs, in order.
    reference : Series
        The typical person on the training list (medians; the commonest age band; mean shares),
        against which :meth:`explain` measures each factor.
    months : int
        The outcome window.
    """

    kind: str
    estimator: Any  # _RateModel | _HazardLogit
    features: list[str]
    reference: pd.Series
    months: int
    trained_dates: tuple[str, str] = ("", "")
    outcomes_until: str = ""
    n_train: int = 0
    validation: dict[str, Any] = field(default_factory=dict)
    #: ``(a, b)``: the risk is ``expit(a + b logit(p))`` of the fitted model's ``p`` (see
    #: :func:`fit_calibration`); ``(0, 1)`` leaves it as fitted. With
    #: :attr:`calibration_scale` ``"rate"`` the map is on the fitted rate instead (see
    #: :func:`fit_rate_calibration`): ``rate' = exp(a) rate^b``.
    calibration: tuple[float, float] = (0.0, 1.0)
    calibration_scale: str = "logit"

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return frame.reindex(columns=self.features).fillna(0.0).to_numpy(float)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of being named in a new incident within ``months``, one per row."""
        from threadpoolctl import threadpool_limits

        if frame.empty:
            return np.zeros(0)
        with threadpool_limits(limits=1):
            p = self.estimator.prob_within(self._matrix(frame), float(self.months))
        a, b = getattr(self, "calibration", (0.0, 1.0))  # models stored before 1.1 have none
        if (a, b) != (0.0, 1.0):
            if getattr(self, "calibration_scale", "logit") == "rate":
                p = _rate_map(p, float(self.months), a, b)
            else:
                p = _expit(a + b * _logit(p))
        return np.clip(p, 0.0, 1.0)

    def explain(self, frame: pd.DataFrame, top: int = 3, min_effect: float = 0.05
                ) -> list[list[Factor]]:
        """The factors that move each person's risk most, largest first, in plain words.

        For each feature group, the person's values are replaced by the typical values and the
        change in the log-odds of the risk is the factor's effect: "what if this person were
        typical in this respect". Factors smaller than ``min_effect`` are left out.
        """
        if frame.empty:
            return []
        x = frame.reindex(columns=self.features).fillna(0.0)
        base = _logit(self.predict(x))
        groups: dict[str, list[str]] = {}
        for f in self.features:
            groups.setdefault(_group_of(f), []).append(f)
        effects = {}
        for g, cols in groups.items():
            typical = x.copy()
            typical[cols] = self.reference[cols].to_numpy()
            effects[g] = base - _logit(self.predict(typical))
        out = []
        for i in range(len(x)):
            row = x.iloc[i]
            ranked = sorted(effects, key=lambda g: -abs(effects[g][i]))
            factors = []
            for g in ranked[:top]:
                e = float(effects[g][i])
                if abs(e) < min_effect:
                    continue
                factors.append(Factor(g, e, self._sentence(g, groups[g], row, e)))
            out.append(factors)
        return out

    def _history_words(self, cols: list[str], row: pd.Series) -> str:
        """"13 incidents in the last 12 months, 6 in the last 3 (typical: 2 and 0)"."""
        windows = [w for w in (("incidents_12m", "12 months", "12"),
                               ("incidents_3m", "3 months", "3"),
                               ("incidents_1m", "month", "month")) if w[0] in cols][:2]
        if not windows:
            what, fmt = _WORDS[cols[0]] if cols[0] in _WORDS else (cols[0], str)
            return f"{fmt(row[cols[0]])} {what} (typical: {fmt(self.reference[cols[0]])})"
        parts, typical = [], []
        for k, (c, full, short) in enumerate(windows):
            v, ref = float(row[c]), float(self.reference[c])
            unit = "incident" if round(v) == 1 else "incidents"
            parts.append(f"{v:.0f} {unit} in the last {full}" if k == 0
                         else f"{v:.0f} in the last {short}")
            typical.append(f"{ref:.0f}")
        return f"{', '.join(parts)} (typical: {' and '.join(typical)})"

    def _actions_words(self, cols: list[str], row: pd.Series) -> str:
        """"3 actions so far, the last at ladder step 4, 20 days ago (typical: 1)"."""
        n = float(row["actions_all"]) if "actions_all" in cols else None
        typical = (f" (typical: {float(self.reference['actions_all']):.0f})"
                   if "actions_all" in cols else "")
        if n is not None and round(n) == 0:
            return f"no action on record{typical}"
        parts = [f"{n:.0f} action{'' if round(n) == 1 else 's'} so far" if n is not None
                 else "actions so far"]
        if "last_action_rank" in cols:
            parts.append(f"the last at ladder step {float(row['last_action_rank']):.0f}")
        if "days_since_last_action" in cols and float(row["days_since_last_action"]) < _DAY_CAP:
            parts.append(f"{float(row['days_since_last_action']):.0f} days ago")
        return ", ".join(parts) + typical

    def _sentence(self, group: str, cols: list[str], row: pd.Series, effect: float) -> str:
        way = "raises" if effect > 0 else "lowers"
        if group in _WORDS:
            what, fmt = _WORDS[group]
            return (f"{fmt(row[group])} {what} (typical: {fmt(self.reference[group])}) "
                    f"{way} the risk")
        if group == INCIDENT_HISTORY:
            return f"{self._history_words(cols, row)} {way} the risk"
        if group == ACTIONS_SO_FAR:
            return f"{self._actions_words(cols, row)} {way} the risk"
        if group == "age band":
            band = next((c.split(":", 1)[1] for c in cols if row[c] >= 0.5), "not recorded")
            typical = next((c.split(":", 1)[1] for c in cols if self.reference[c] >= 0.5),
                           "not recorded")
            return f"age band {band} (typical: {typical}) {way} the risk"
        if group.startswith("which agencies"):
            top = max(cols, key=lambda c: row[c])
            return (f"reports mostly held by {top.split(':', 1)[1]} ({row[top]:.0%}) {way} "
                    "the risk")
        if group.startswith("the kind"):
            top = max(cols, key=lambda c: row[c])
            return (f"mostly {top.removeprefix('share_')} behaviour ({row[top]:.0%} of "
                    f"incidents) {way} the risk")
        return f"{group} {way} the risk"  # pragma: no cover - every group has words


def _prep(features: Sequence[str]) -> Any:
    """log1p counts and days, log the smoothed rate, pass the rest, then standardise."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    logs = [i for i, f in enumerate(features) if f.startswith(_LOG_FEATURES)]
    log1ps = [i for i, f in enumerate(features) if f.startswith(_LOG1P_FEATURES)]
    rest = [i for i in range(len(features)) if i not in logs and i not in log1ps]
    from sklearn.pipeline import Pipeline

    steps = [
        ("transform", ColumnTransformer([
            ("log", FunctionTransformer(np.log), logs),
            ("log1p", FunctionTransformer(np.log1p), log1ps),
            ("raw", "passthrough", rest)])),
        ("scale", StandardScaler()),
    ]
    return Pipeline(steps)


def _candidates(kind: str, features: Sequence[str], seed: int) -> list[tuple[str, Any]]:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, PoissonRegressor
    from sklearn.pipeline import Pipeline

    if kind == "poisson":
        return [(f"poisson alpha={a}", Pipeline([
            ("prep", _prep([*features, "window"])),
            ("model", PoissonRegressor(alpha=a, max_iter=3000))]))
            for a in (0.01, 0.03, 0.1)]
    if kind == "boosting":
        return [("boosting", HistGradientBoostingRegressor(
            loss="poisson", max_depth=2, learning_rate=0.05, max_iter=100, min_samples_leaf=80,
            l2_regularization=1.0, random_state=seed))]
    if kind == "logistic":
        return [(f"logistic C={c}", Pipeline([
            ("prep", _prep(features)),
            ("model", LogisticRegression(C=c, max_iter=3000, random_state=seed))]))
            for c in (0.03, 0.1, 0.3)]
    raise AnalysisProblem(f"unknown model candidate {kind!r}: use poisson, boosting or logistic")


def _fit_one(kind: str, estimator: Any, rows: pd.DataFrame, features: Sequence[str]) -> Any:
    """Fit on rows whose outcome windows may be cut short (``exposure`` months observed).

    One thread: the data are small, and OpenMP threads on a busy machine cost far more than
    they save (and a single thread keeps the fit deterministic).
    """
    from threadpoolctl import threadpool_limits

    x = rows[list(features)].to_numpy(float)
    e = rows["exposure"].to_numpy(float)
    with threadpool_limits(limits=1):
        if kind == "logistic":
            xm, ym = _person_months(rows, features)
            estimator.fit(xm, ym)
            return _HazardLogit(estimator)
        # Poisson deviance of rate = events / exposure weighted by exposure is the Poisson
        # likelihood of the counts with log(exposure) as an offset.
        y = rows["events"].to_numpy(float) / e
        if hasattr(estimator, "steps"):
            estimator.fit(_with_window(x, e), y, model__sample_weight=e)
        else:
            estimator.fit(_with_window(x, e), y, sample_weight=e)
        return _RateModel(estimator)


def censored_log_likelihood(p_within: np.ndarray, label: np.ndarray) -> float:
    """Mean log-likelihood of "named again within the months observed" (higher is better).

    Examples
    --------
    >>> round(censored_log_likelihood(np.array([0.5, 0.5]), np.array([1, 0])), 4)
    -0.6931
    """
    p = np.clip(np.asarray(p_within, dtype=float), 1e-9, 1 - 1e-9)
    y = np.asarray(label, dtype=float)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _reference(rows: pd.DataFrame, features: Sequence[str]) -> pd.Series:
    ref = rows[list(features)].median()
    age = [f for f in features if f.startswith("age:")]
    if age:
        commonest = rows[age].sum().idxmax()
        ref[age] = 0.0
        ref[commonest] = 1.0
    shares = [f for f in features if f.startswith(("agency_share:", "share_"))]
    ref[shares] = rows[shares].mean()
    return ref.astype(float)


def fit_risk_model(
    fit_rows: pd.DataFrame, validation_rows: pd.DataFrame, train_rows: pd.DataFrame,
    features: Sequence[str], months: int, *, kind: str = "poisson", seed: int = 20220101,
    calibration: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    recalibrate: str = "shrunk",
) -> RiskModel:
    """Choose the penalty on the validation dates, then refit on all training dates.

    ``recalibrate`` says how the final model is recalibrated:

    - ``"shrunk"`` (the default): as ``"complete"``, with the map's slope shrunk toward 1 by
      its standard error and the intercept refitted (:func:`fit_shrunk_calibration`).
    - ``"complete"``: with ``calibration`` (``(before_rows, calibration_rows)``,
      see :func:`fit_calibration`) the chosen setting is also fitted on ``before_rows`` and a
      logistic map is fitted on its predictions for ``calibration_rows``, whose whole outcome
      windows were observed.
    - ``"recent"``: a map of the fitted rate (:func:`fit_rate_calibration`)
      fitted on the chosen setting's predictions for the validation dates, the most recent
      training dates (outcomes observed up to the cutoff, so windows still open count for the
      months observed). Closer in time to the test, but its windows are short (1 to 3
      months), and they do not show how far a six-month risk should spread: on four generator
      seeds (of the generator before its final volume adjustment) it left test calibration
      slopes of 0.65 to 0.97 (``"complete"``: 0.90 to 1.17).
    - ``"none"``: no map.

    Each setting of the ``kind``'s penalty is fitted on ``fit_rows`` (outcomes cut at the first
    validation date) and scored on ``validation_rows`` by the log-likelihood of being named
    again within the months observed (a proper scoring rule: it rewards discrimination and
    calibration together). The best is refitted on ``train_rows`` (fitting and validation
    dates, outcomes cut at the first test date).

    Raises
    ------
    AnalysisProblem
        A fold holds only one outcome (nobody, or everybody, named again).
    """
    features = list(features)
    for name, rows in (("fitting", fit_rows), ("validation", validation_rows),
                       ("training", train_rows)):
        if rows["label"].nunique() < 2:
            raise AnalysisProblem(
                f"the {name} dates hold only one outcome ({len(rows)} rows): the model needs "
                "people who were named again and people who were not")
    validation_rows = validation_rows.reset_index(drop=True)
    xv = validation_rows[features].to_numpy(float)
    ev = validation_rows["exposure"].to_numpy(float)
    yv = validation_rows["label"].to_numpy(int)
    if recalibrate not in ("shrunk", "recent", "complete", "none"):
        raise AnalysisProblem(f"unknown recalibration {recalibrate!r}: use shrunk, complete, "
                              "recent or none")
    tried: dict[str, dict[str, Any]] = {}
    best: tuple[float, str] | None = None
    held_p: dict[str, np.ndarray] = {}
    for label, est in _candidates(kind, features, seed):
        p = _fit_one(kind, est, fit_rows, features).prob_within(xv, ev)
        held_p[label] = p
        ll = censored_log_likelihood(p, yv)
        aucs = [binary_metrics(g["label"], p[g.index.to_numpy()]).auc
                for _, g in validation_rows.groupby("index_date")]
        tried[label] = {"validation_log_likelihood": round(ll, 5),
                        "validation_auc": round(float(np.nanmean(aucs)), 4)}
        if best is None or ll > best[0] + 1e-9:
            best = (ll, label)
    assert best is not None
    label = best[1]
    final = _fit_one(kind, dict(_candidates(kind, features, seed))[label], train_rows, features)
    dates = sorted(pd.to_datetime(train_rows["index_date"]).unique())
    model = RiskModel(
        kind=kind, estimator=final, features=features,
        reference=_reference(train_rows, features), months=months,
        trained_dates=(str(pd.Timestamp(dates[0]).date()), str(pd.Timestamp(dates[-1]).date())),
        n_train=len(train_rows), validation={"chosen": label, "settings": tried},
    )
    if recalibrate == "recent":
        people = int(validation_rows["person_id"].nunique())
        pos = int(yv.sum())
        small = people < CALIBRATION_MIN_PEOPLE or min(pos, len(yv) - pos) < CALIBRATION_MIN_OUTCOMES
        a, b = (0.0, 1.0) if small else fit_rate_calibration(yv, held_p[label], ev)
        fitted_b = b
        b = _clamp_slope(b)
        model.calibration, model.calibration_scale = (a, b), "rate"
        note = ("no map: the validation dates are too small for one "
                f"({len(yv)} rows, {people} people, {pos} named again; a map needs at least "
                f"{CALIBRATION_MIN_PEOPLE} people and {CALIBRATION_MIN_OUTCOMES} of each "
                "outcome)" if small else "rate map fitted on the validation dates")
        if b != fitted_b:
            note += f"; the slope {fitted_b:.2f} was clamped into {list(CALIBRATION_SLOPE_RANGE)}"
        model.validation["calibration"] = {
            "method": "none" if small else "recent", "scale": "rate",
            "intercept": round(a, 4), "slope": round(b, 4), "slope_se": None,
            "rows": len(validation_rows), "people": people, "note": note,
            "dates": [str(pd.Timestamp(d).date())
                      for d in sorted(pd.to_datetime(validation_rows["index_date"]).unique())],
            "n": len(validation_rows)}
    elif recalibrate in ("shrunk", "complete") and calibration is None:
        model.validation["calibration"] = {
            "method": "none", "intercept": 0.0, "slope": 1.0, "slope_se": None, "rows": 0,
            "people": 0, "note": "no map: too few training dates (or only one outcome) for a "
                                 "calibration slice; the risks are the model's own"}
    elif recalibrate in ("shrunk", "complete") and calibration is not None:
        before, held = calibration
        first = replace(model, estimator=_fit_one(
            kind, dict(_candidates(kind, features, seed))[label], before, features))
        ph = first.predict(held)
        cal = calibration_map(held["label"], ph, held["person_id"], recalibrate)
        model.calibration = (cal["intercept"], cal["slope"])
        model.validation["calibration"] = {
            **cal, "intercept": round(cal["intercept"], 4), "slope": round(cal["slope"], 4),
            "dates": [str(pd.Timestamp(d).date())
                      for d in sorted(pd.to_datetime(held["index_date"]).unique())],
            "n": len(held)}
    return model


def _rate_map(p: np.ndarray, months: np.ndarray | float, a: float, b: float) -> np.ndarray:
    """Apply a rate map: ``p`` within ``months`` -> rate -> ``exp(a) rate^b`` -> probability."""
    e = np.maximum(np.asarray(months, dtype=float), 1e-9)
    rate = np.maximum(-np.log1p(-np.clip(np.asarray(p, dtype=float), 0.0, 1 - 1e-12)) / e,
                      1e-12)
    return np.asarray(-np.expm1(-np.exp(a + b * np.log(rate)) * e), dtype=float)


def fit_rate_calibration(y: Values, p: Values, months: Values) -> tuple[float, float]:
    """Recalibration of a rate: ``rate' = exp(a) rate^b``, where ``rate = -log(1 - p) / e`` is
    the monthly rate implied by ``p``, the probability of a new incident within the ``e``
    months observed. Fitted by maximum likelihood of "named again within the months observed"
    (a complementary log-log regression on ``log rate`` with ``log e`` as an offset), so
    windows cut short by the end of the data count for what they observed. ``b < 1`` means the
    model spread its risks too far (overfitting, or a drift it did not see); ``a`` moves them
    all. Returns ``(0, 1)`` (no change) when the rows hold only one outcome.

    Examples
    --------
    Risks spread twice as far as the truth (rate ``r^2`` where the truth is ``r``):

    >>> rng = np.random.default_rng(0)
    >>> r = np.exp(rng.normal(-1.5, 0.6, 4000))
    >>> e = rng.choice([1.0, 3.0, 6.0], 4000)
    >>> y = (rng.random(4000) < -np.expm1(-r * e)).astype(int)
    >>> a, b = fit_rate_calibration(y, -np.expm1(-(r ** 2) * e), e)
    >>> bool(abs(b - 0.5) < 0.1), bool(abs(a) < 0.2)
    (True, True)
    """
    from scipy.optimize import minimize

    yy = np.asarray(y, dtype=float)
    e = np.maximum(np.asarray(months, dtype=float), 1e-9)
    pp = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    lr = np.log(-np.log1p(-pp) / e)
    if len(np.unique(yy)) < 2 or np.ptp(lr) == 0:
        return 0.0, 1.0
    centre = float(lr.mean())

    def nll(beta: np.ndarray) -> float:
        h = np.exp(beta[0] + beta[1] * (lr - centre)) * e
        return float(-np.sum(yy * np.log(-np.expm1(-np.maximum(h, 1e-12))) - (1 - yy) * h))

    res = minimize(nll, np.array([centre, 1.0]), method="Nelder-Mead",
                   options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000})
    c, b = float(res.x[0]), float(res.x[1])
    return c - b * centre, b


def fit_calibration(y: Values, p: Values) -> tuple[float, float]:
    """Logistic recalibration ``logit P(y) = a + b logit(p)`` (Cox 1958): the map that makes
    ``p`` calibrated on the rows it is fitted on (their calibration slope becomes 1 and
    intercept 0). Fitted on index dates held out from the model, whose whole outcome windows
    were observed; returns ``(0, 1)`` (no change) when the rows hold only one outcome.

    Examples
    --------
    >>> a, b = fit_calibration([0, 0, 0, 1, 0, 1, 1, 1], [0.5, 0.5, 0.5, 0.5, 0.8, 0.8, 0.8, 0.8])
    >>> a2, b2 = calibration_intercept_slope([0, 0, 0, 1, 0, 1, 1, 1],
    ...                                      _expit(a + b * _logit(np.array([0.5] * 4 + [0.8] * 4))))
    >>> round(a2, 6) == 0.0, round(b2, 6) == 1.0
    (True, True)
    """
    yy = np.asarray(y, dtype=float)
    lp = _logit(np.asarray(p, dtype=float))
    if len(np.unique(yy)) < 2 or np.ptp(lp) == 0:
        return 0.0, 1.0
    a, b = _logistic_fit(lp, yy, np.zeros(len(yy)))
    return float(a), float(b)


def shrink_slope(slope: float, se: float) -> float:
    """The calibration map's slope shrunk toward 1 by how sure the fit is of it:
    ``1 + w (slope - 1)`` with ``w = max(0, 1 - se^2 / (slope - 1)^2)``, a method-of-moments
    empirical-Bayes weight (the estimated signal's share of the slope's squared deviation from
    1; not a James-Stein estimator). A slope within one standard error of 1 becomes 1; a slope
    many standard errors away is kept.

    Examples
    --------
    >>> shrink_slope(0.5, 0.25)  # w = 1 - 0.0625 / 0.25 = 0.75
    0.625
    >>> shrink_slope(0.9, 0.2), shrink_slope(1.0, 0.0)
    (1.0, 1.0)
    """
    gap = float(slope) - 1.0
    if gap == 0.0:
        return 1.0
    w = max(0.0, 1.0 - (float(se) / gap) ** 2)
    return 1.0 + w * gap


#: The least a calibration slice must hold for a map with a slope: people (the same person is on
#: several index dates, so people, not rows, say how much the slice knows) and rows of each
#: outcome. Below it only the intercept is fitted, and below :data:`CALIBRATION_MIN_INTERCEPT`
#: no map at all: on five people a fitted map reversed the ranking (slope -2.4) or saturated
#: every risk to 1 (slope 274).
CALIBRATION_MIN_PEOPLE = 50
CALIBRATION_MIN_OUTCOMES = 20
#: The least for an intercept-only map (calibration-in-the-large): people, rows of each outcome.
CALIBRATION_MIN_INTERCEPT = (20, 10)
#: A fitted slope is clamped into this range: a map never reverses or flattens the ranking and
#: never spreads it more than twice.
CALIBRATION_SLOPE_RANGE = (0.25, 2.0)


def _clamp_slope(b: float) -> float:
    lo, hi = CALIBRATION_SLOPE_RANGE
    return float(min(max(b, lo), hi))


def fit_shrunk_calibration(y: Values, p: Values, groups: Values | None = None
                           ) -> tuple[float, float, float]:
    """Logistic recalibration with its slope shrunk toward 1: fit ``logit P(y) = a + b logit(p)``
    (:func:`fit_calibration`), estimate the standard error of ``b`` (sandwich, clustered by
    ``groups``, the person: the same person is on several index dates, with the small-sample
    correction ``G / (G - 1)`` for ``G`` clusters), shrink ``b`` with :func:`shrink_slope`,
    clamp it into :data:`CALIBRATION_SLOPE_RANGE`, then refit the intercept with the slope held
    there (calibration-in-the-large given the slope). Returns ``(a, b, se)``.

    When the slope fit does not converge (the outcomes are separated by the risks) the slope
    stays 1 and ``se`` is NaN: only the intercept is fitted.

    A few hundred calibration rows estimate a slope only to about +-0.15, so an unshrunk map
    moves the slope by noise as often as by signal; an intercept is estimated far better.

    Examples
    --------
    Every risk 0.5, three in four named again: no slope to fit, the intercept is logit 0.75:

    >>> a, b, se = fit_shrunk_calibration([1, 1, 1, 0] * 5, [0.5] * 20)
    >>> round(a, 6) == round(math.log(3), 6), b
    (True, 1.0)
    """
    yy = np.asarray(y, dtype=float)
    lp = _logit(np.asarray(p, dtype=float))
    if len(np.unique(yy)) < 2:
        return 0.0, 1.0, float("nan")
    if np.ptp(lp) == 0:
        return float(_logistic_fit(None, yy, lp)[0]), 1.0, float("nan")
    (a, b), ok = _logistic_irls(lp, yy, np.zeros(len(yy)))
    if not ok:
        return float(_logistic_fit(None, yy, lp)[0]), 1.0, float("nan")
    design = np.column_stack([np.ones(len(yy)), lp])
    fitted = _expit(a + b * lp)
    hess = design.T @ (design * (fitted * (1 - fitted))[:, None])
    score = design * (yy - fitted)[:, None]
    g = np.arange(len(yy)) if groups is None else pd.factorize(pd.Series(list(groups)))[0]
    n_groups = int(g.max()) + 1
    per = np.zeros((n_groups, 2))
    np.add.at(per, g, score)
    inv = np.linalg.inv(hess)
    correction = n_groups / (n_groups - 1) if n_groups > 1 else float("nan")
    se = float(np.sqrt(max((inv @ (per.T @ per) @ inv)[1, 1] * correction, 0.0)))
    b_star = _clamp_slope(shrink_slope(float(b), se)) if np.isfinite(se) else 1.0
    a_star = float(_logistic_fit(None, yy, b_star * lp)[0])
    return a_star, b_star, se


def calibration_map(y: Values, p: Values, groups: Values, method: str = "shrunk"
                    ) -> dict[str, Any]:
    """The logistic calibration map to store, with the checks that keep it sane on small data.

    ``method`` is ``"shrunk"`` (:func:`fit_shrunk_calibration`) or ``"complete"``
    (:func:`fit_calibration`, slope clamped). The slice must hold at least
    :data:`CALIBRATION_MIN_PEOPLE` people and :data:`CALIBRATION_MIN_OUTCOMES` rows of each
    outcome for a slope; with less (down to :data:`CALIBRATION_MIN_INTERCEPT`) only the
    intercept is fitted (``method`` ``"intercept only"``), and with less still there is no map
    (``"none"``). A slope fit that does not converge falls back to the intercept. The slope is
    clamped into :data:`CALIBRATION_SLOPE_RANGE`, so the map never reverses the ranking.

    Returns
    -------
    dict
        ``method``, ``intercept``, ``slope`` (the map applied), ``fitted_slope`` (before
        shrinking and clamping; ``None`` when no slope was fitted), ``slope_se``, ``rows``,
        ``people``, ``named_again``, ``note`` (why the map is what it is).
    """
    yy = np.asarray(y, dtype=float)
    pp = np.asarray(p, dtype=float)
    lp = _logit(pp)
    people = int(pd.Series(list(groups)).nunique())
    pos = int(yy.sum())
    neg = int(len(yy) - pos)
    out: dict[str, Any] = {"method": method, "intercept": 0.0, "slope": 1.0,
                           "fitted_slope": None, "slope_se": None, "rows": int(len(yy)),
                           "people": people, "named_again": pos, "note": ""}
    size = (f"{len(yy)} rows, {people} people, {pos} named again and {neg} not; a slope needs "
            f"at least {CALIBRATION_MIN_PEOPLE} people and {CALIBRATION_MIN_OUTCOMES} of each "
            "outcome")
    min_people, min_each = CALIBRATION_MIN_INTERCEPT
    if people < min_people or min(pos, neg) < min_each:
        out.update(method="none", note=f"no map: the calibration slice is too small ({size}, "
                                       f"an intercept {min_people} people and {min_each} of "
                                       "each outcome); the risks are the model's own")
        return out
    intercept_only = people < CALIBRATION_MIN_PEOPLE or min(pos, neg) < CALIBRATION_MIN_OUTCOMES
    note = f"intercept only: the calibration slice is too small for a slope ({size})"
    if not intercept_only:
        (a0, b0), ok = _logistic_irls(lp, yy, np.zeros(len(yy)))
        if not ok or np.ptp(lp) == 0:
            intercept_only = True
            note = ("intercept only: the slope fit did not converge (the risks separate the "
                    "outcomes, or do not vary)")
    if intercept_only:
        (a,), ok = _logistic_irls(None, yy, lp)
        if not ok:
            out.update(method="none", note="no map: the intercept fit did not converge")
            return out
        out.update(method="intercept only", intercept=float(a), note=note)
        return out
    out["fitted_slope"] = round(float(b0), 4)
    if method == "shrunk":
        a, b, se = fit_shrunk_calibration(yy, pp, groups)
        out["slope_se"] = None if math.isnan(se) else round(se, 4)
        wanted = shrink_slope(float(b0), se) if np.isfinite(se) else 1.0
        note = "slope shrunk toward 1 by its standard error (clustered by person)"
    else:
        a, b = float(a0), float(b0)
        wanted = b
        note = "slope and intercept fitted"
        if _clamp_slope(b) != b:
            b = _clamp_slope(b)
            a = float(_logistic_fit(None, yy, b * lp)[0])
    if _clamp_slope(wanted) != wanted:
        lo, hi = CALIBRATION_SLOPE_RANGE
        note += f"; the slope {wanted:.2f} was clamped into [{lo}, {hi}]"
    out.update(intercept=float(a), slope=float(b), note=note)
    return out


def fit_prior_count_baseline(rows: pd.DataFrame, column: str = "incidents_12m") -> Any:
    """The baseline: logistic regression on ``log(1 + prior incidents)`` alone, fitted on rows
    whose whole outcome window was observed."""
    from sklearn.linear_model import LogisticRegression

    full = rows[rows["complete"].astype(bool)] if "complete" in rows else rows
    if full["label"].nunique() < 2:
        raise AnalysisProblem("the prior-count baseline needs complete outcome windows with "
                              "both outcomes before the test period")
    x = np.log1p(full[[column]].to_numpy(float))
    return LogisticRegression(C=1e6, max_iter=1000).fit(x, full["label"].to_numpy(int))


def rule_scores(rows: pd.DataFrame, incidents: int = 3, months: int = 6) -> np.ndarray:
    """The rule of thumb: 1 for ``incidents`` or more in the last ``months`` months, else 0."""
    col = f"incidents_{months}m"
    if col not in rows:
        raise AnalysisProblem(f"the rule needs {col}: use 3, 6 or 12 months")
    return (rows[col].to_numpy(float) >= incidents).astype(float)


def risk_band(risk: Sequence[float] | np.ndarray, bands: Sequence[dict[str, Any]]) -> list[str]:
    """Band each risk: the first band (from the top) whose ``min`` it reaches.

    Examples
    --------
    >>> risk_band([0.7, 0.3, 0.05], [{"band": "high", "min": 0.5},
    ...                               {"band": "medium", "min": 0.25}, {"band": "low", "min": 0}])
    ['high', 'medium', 'low']
    """
    ordered = sorted(bands, key=lambda b: -float(b["min"]))
    out = []
    for r in np.asarray(risk, dtype=float):
        out.append(next((str(b["band"]) for b in ordered if r >= float(b["min"])),
                        str(ordered[-1]["band"])))
    return out


# --------------------------------------------------------------------------------------------
# Ceiling (synthetic sample only)


@dataclass(frozen=True)
class Ceiling:
    """How well each person's *true* risk (known only for the synthetic sample) does."""

    auc: float                 # true risk against the same outcomes the model is scored on
    n: int                     # test rows with a known true risk
    coverage: float            # share of test rows mapped to a true person
    auc_true_outcome: float    # true risk against the true person's own outcome
    model_auc: float = float("nan")  # the model's risk on the same rows as ``auc``


def ground_truth_ceiling(test: pd.DataFrame, person_map: pd.DataFrame, truth: pd.DataFrame,
                         months: int) -> Ceiling:
    """The AUC the generator's true risk reaches on the test rows: the ceiling.

    Parameters
    ----------
    test : DataFrame
        ``person_id``, ``index_date``, ``label`` and, when scored, ``risk`` (the model's AUC
        on the same rows is then in ``model_auc``, so the share of the ceiling compares like
        with like).
    person_map : DataFrame
        ``person_id`` -> ``true_person_id``.
    truth : DataFrame
        ``true_person_id``, ``month`` (YYYY-MM), ``monthly_rate``, ``true_risk_6m``,
        ``next_6m_incident`` (perpetrator_risk.csv; ``true_risk_3m`` and ``true_risk_12m``
        when present). The true risk at an index date is the one at the end of the month
        before it; for a window without its own column it is approximated by
        ``1 - exp(-sum of the next months' true rates)``.
    """
    t = truth.copy()
    t["month"] = pd.PeriodIndex(t["month"].astype(str), freq="M")
    t = t.sort_values(["true_person_id", "month"])
    if f"true_risk_{months}m" in t:
        t["risk"] = t[f"true_risk_{months}m"].astype(float)
    else:
        rates = t.groupby("true_person_id")["monthly_rate"]
        fwd = sum(rates.shift(-k) for k in range(1, months + 1))
        t["risk"] = 1 - np.exp(-fwd.astype(float))
    cols = ["person_id", "index_date", "label", *(["risk"] if "risk" in test else [])]
    rows = test[cols].merge(person_map, on="person_id", how="left")
    rows["month"] = (pd.to_datetime(rows["index_date"]) - pd.DateOffset(days=1)).dt.to_period("M")
    rows = rows.rename(columns={"risk": "model_risk"}).merge(
        t[["true_person_id", "month", "risk", "next_6m_incident"]],
        on=["true_person_id", "month"], how="left")
    ok = rows["risk"].notna()
    m = binary_metrics(rows.loc[ok, "label"], rows.loc[ok, "risk"])
    model_auc = (binary_metrics(rows.loc[ok, "label"], rows.loc[ok, "model_risk"]).auc
                 if "model_risk" in rows and ok.any() else float("nan"))
    truth_outcome = rows.loc[ok & rows["next_6m_incident"].notna()]
    auc_true = (binary_metrics(truth_outcome["next_6m_incident"].astype(int),
                               truth_outcome["risk"]).auc
                if months == 6 and len(truth_outcome) else float("nan"))
    return Ceiling(auc=m.auc, n=int(ok.sum()), coverage=float(ok.mean()) if len(rows) else 0.0,
                   auc_true_outcome=auc_true, model_auc=model_auc)


# --------------------------------------------------------------------------------------------
# The whole evaluation, and the model the panel uses


@dataclass
class Evaluation:
    """A temporal evaluation: the model, baselines, metrics, subgroup audit and ceiling."""

    months: int
    split: TemporalSplit
    model: RiskModel
    metrics: Metrics
    baseline: Metrics
    rule: Metrics
    reliability: pd.DataFrame
    subgroups: pd.DataFrame
    test: pd.DataFrame  # person_id, index_date, label, risk, baseline, rule, audit columns
    n_train: int
    ceiling: Ceiling | None = None
    threshold: float = 0.5
    comparison: dict[str, Metrics] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """What ``asb risk evaluate --json`` prints."""

        def num(v: Any) -> Any:
            if isinstance(v, float | np.floating):
                return None if math.isnan(float(v)) else round(float(v), 4)
            return v

        out: dict[str, Any] = {
            "months": self.months,
            "model": self.model.kind,
            "model_choice": self.model.validation.get("chosen"),
            "auc": num(self.metrics.auc),
            "baseline_auc": num(self.baseline.auc),
            "rule_auc": num(self.rule.auc),
            "average_precision": num(self.metrics.average_precision),
            "baseline_average_precision": num(self.baseline.average_precision),
            "rule_average_precision": num(self.rule.average_precision),
            "brier": num(self.metrics.brier),
            "baseline_brier": num(self.baseline.brier),
            "rule_brier": num(self.rule.brier),
            "log_loss": num(self.metrics.log_loss),
            "calibration_slope": num(self.metrics.calibration_slope),
            "calibration_intercept": num(self.metrics.calibration_intercept),
            "baseline_calibration_slope": num(self.baseline.calibration_slope),
            "baseline_calibration_intercept": num(self.baseline.calibration_intercept),
            "prevalence": num(self.metrics.prevalence),
            "mean_predicted": num(self.metrics.mean_predicted),
            "n_train": self.n_train,
            "n_test": self.metrics.n,
            "test_people": int(self.test["person_id"].nunique()),
            "split": self.split.describe(),
            "threshold": self.threshold,
            "precision_recall": precision_recall_table(self.test["label"], self.test["risk"]),
            "reliability": [{k: num(v) for k, v in r.items()}
                            for r in self.reliability.to_dict("records")],
            "subgroups": [{k: num(v) for k, v in r.items()}
                          for r in self.subgroups.to_dict("records")],
            "subgroups_flagged": [f"{r['attribute']}={r['group']}"
                                  for r in self.subgroups.to_dict("records") if r["flag"]],
            "validation": self.model.validation.get("settings", {}),
            "calibration": _calibration_summary(self.model),
            "compared": {
                kind: {"auc": num(m.auc), "brier": num(m.brier),
                       "average_precision": num(m.average_precision),
                       "calibration_slope": num(m.calibration_slope),
                       "calibration_intercept": num(m.calibration_intercept)}
                for kind, m in self.comparison.items()},
        }
        if self.ceiling is not None:
            out["ceiling_auc"] = num(self.ceiling.auc)
            out["ceiling_auc_true_outcome"] = num(self.ceiling.auc_true_outcome)
            out["ceiling_coverage"] = num(self.ceiling.coverage)
            # both AUCs on the same rows (those with a known true risk)
            out["ceiling_model_auc"] = num(self.ceiling.model_auc)
            out["share_of_ceiling"] = num(self.ceiling.model_auc / self.ceiling.auc
                                          if self.ceiling.auc else float("nan"))
        return out


def _calibration_summary(model: RiskModel) -> dict[str, Any]:
    """The calibration map the model applies, for ``evaluate --json``: ``method``, ``slope``,
    ``slope_se``, ``rows``, ``people``, ``note`` (and the rest of what was stored)."""
    cal = model.validation.get("calibration")
    if cal is None:
        return {"method": "none", "intercept": 0.0, "slope": 1.0, "slope_se": None, "rows": 0,
                "people": 0, "note": "no map: reoffending.calibration is none"}
    return {k: v for k, v in cal.items() if k != "dates"} | {"dates": cal.get("dates", [])}


def precision_recall_table(y: Values, p: Values,
                           thresholds: Sequence[float] = (0.25, 0.5, 0.75)) -> list[dict]:
    """Precision, recall and share flagged at a few risk thresholds.

    Examples
    --------
    >>> precision_recall_table([0, 1, 1, 0], [0.2, 0.6, 0.8, 0.7], [0.5])
    [{'threshold': 0.5, 'flagged': 0.75, 'precision': 0.6667, 'recall': 1.0}]
    """
    yy = np.asarray(y, dtype=int)
    pp = np.asarray(p, dtype=float)
    out = []
    for t in thresholds:
        hi = pp >= t
        out.append({
            "threshold": float(t), "flagged": round(float(hi.mean()), 4) if len(pp) else None,
            "precision": round(float(yy[hi].mean()), 4) if hi.any() else None,
            "recall": round(float(yy[hi].sum() / yy.sum()), 4) if yy.sum() else None})
    return out


def _settings(config: dict[str, Any], months: int | None) -> dict[str, Any]:
    cfg = config["reoffending"]
    return {
        "months": int(months or cfg["months"]),
        "eligible_months": int(cfg["eligible_months"]),
        "lookback_months": int(cfg["lookback_months"]),
        "min_history_months": int(cfg["min_history_months"]),
        "test_months": int(cfg["test_months"]),
        "validation_months": int(cfg["validation_months"]),
        "calibration_months": int(cfg.get("calibration_months", 3)),
        "recalibrate": str(cfg.get("calibration", "shrunk")),
        "model": str(cfg.get("model", "poisson")),
        "compare": [str(k) for k in (cfg.get("compare") or [])],
        "seed": int(cfg.get("seed", 20220101)),
    }


@dataclass(frozen=True)
class _Folds:
    fit: pd.DataFrame         # outcomes cut at the first validation date
    validation: pd.DataFrame  # outcomes cut at the cutoff
    train: pd.DataFrame       # fit + validation dates, outcomes cut at the cutoff
    features: list[str]
    calibration: tuple[pd.DataFrame, pd.DataFrame] | None = None


def calibration_dates(dates: Sequence[Any], months: int, cutoff: Any, n: int
                      ) -> list[pd.Timestamp]:
    """The last ``n`` training dates whose whole ``months`` outcome window ends by ``cutoff``
    (the calibration slice), or none when fewer than two earlier dates are left to fit on.

    Examples
    --------
    >>> ds = pd.date_range("2021-04-01", "2022-01-01", freq="MS")
    >>> [str(d.date()) for d in calibration_dates(ds, 6, "2022-02-01", 3)]
    ['2021-06-01', '2021-07-01', '2021-08-01']
    """
    cut = _ts(cutoff)
    ds = sorted(_ts(d) for d in dates)
    done = [d for d in ds if d + pd.DateOffset(months=months) <= cut]
    chosen = done[-n:] if n > 0 else []
    if not chosen or len([d for d in ds if d < chosen[0]]) < 2:
        return []
    return chosen


def _folds(history: History, fit_dates: list[pd.Timestamp], validate: list[pd.Timestamp],
           months: int, cutoff: pd.Timestamp, s: dict[str, Any], check_leakage: bool) -> _Folds:
    kw = {"eligible_months": s["eligible_months"], "lookback_months": s["lookback_months"],
          "agencies": sorted(history.incidents["agency"].dropna().unique())}
    train = build_dataset(history, [*fit_dates, *validate], months, cutoff=cutoff,
                          check_leakage=check_leakage, **kw)
    fit_rows = build_dataset(history, fit_dates, months, cutoff=validate[0],
                             check_leakage=False, **kw).rows
    when = pd.to_datetime(train.rows["index_date"])
    calib = calibration_dates([*fit_dates, *validate], months, cutoff, s["calibration_months"])
    calibration = None
    if calib:
        before = train.rows[~when.isin(calib)].reset_index(drop=True)
        held = train.rows[when.isin(calib)].reset_index(drop=True)
        if before["label"].nunique() == 2 and held["label"].nunique() == 2:
            calibration = (before, held)
    return _Folds(fit_rows, train.rows[when.isin(validate)].reset_index(drop=True),
                  train.rows, train.features, calibration)


def evaluate(
    history: History, config: dict[str, Any], *, months: int | None = None,
    person_map: pd.DataFrame | None = None, truth: pd.DataFrame | None = None,
    check_leakage: bool = True,
) -> Evaluation:
    """Fit on earlier index dates, test on later ones, and report everything the issue asks.

    ``config`` is the whole configuration (its ``reoffending`` section is used). The families
    in ``reoffending.compare`` are fitted the same way and their test metrics reported beside
    the model's. With ``person_map`` and ``truth`` (the synthetic sample's ground truth) the
    ceiling is added.
    """
    s = _settings(config, months)
    cfg = config["reoffending"]
    months = s["months"]
    dates = index_dates(history, months, s["min_history_months"])
    split = temporal_split(dates, months, test_dates=s["test_months"],
                           validation_dates=s["validation_months"])
    folds = _folds(history, split.fit, split.validate, months, split.cutoff, s, check_leakage)
    test = build_dataset(history, split.test, months, eligible_months=s["eligible_months"],
                         lookback_months=s["lookback_months"], check_leakage=check_leakage,
                         agencies=sorted(history.incidents["agency"].dropna().unique())).rows
    model = fit_risk_model(folds.fit, folds.validation, folds.train, folds.features, months,
                           kind=s["model"], seed=s["seed"], calibration=folds.calibration,
                           recalibrate=s["recalibrate"])
    model.outcomes_until = str(split.cutoff.date())
    comparison = {}
    for kind in [k for k in s["compare"] if k != s["model"]]:
        other = fit_risk_model(folds.fit, folds.validation, folds.train, folds.features, months,
                               kind=kind, seed=s["seed"], calibration=folds.calibration,
                               recalibrate=s["recalibrate"])
        comparison[kind] = binary_metrics(test["label"], other.predict(test))
    baseline = fit_prior_count_baseline(folds.train)
    test["risk"] = model.predict(test)
    test["baseline"] = baseline.predict_proba(
        np.log1p(test[["incidents_12m"]].to_numpy(float)))[:, 1]
    rule = cfg.get("rule") or {}
    test["rule"] = rule_scores(test, int(rule.get("incidents", 3)), int(rule.get("months", 6)))
    fair = cfg.get("fairness") or {}
    threshold = float(fair.get("threshold", 0.5))
    subgroups = subgroup_audit(
        test, [a for a in AUDIT_COLUMNS if test[a].nunique() > 1 or a in ("age_band", "sex")],
        threshold=threshold, error_rate_gap=float(fair.get("error_rate_gap", 0.10)),
        calibration_gap=float(fair.get("calibration_gap", 0.05)),
        min_group_size=int(fair.get("min_group_size", 30)))
    ceiling = None
    if person_map is not None and truth is not None:
        ceiling = ground_truth_ceiling(test, person_map, truth, months)
    metrics = binary_metrics(test["label"], test["risk"])
    keep = ["person_id", "index_date", "label", "risk", "baseline", "rule", *AUDIT_COLUMNS]
    return Evaluation(
        months=months, split=split, model=model, metrics=metrics,
        baseline=binary_metrics(test["label"], test["baseline"]),
        rule=binary_metrics(test["label"], test["rule"]),
        reliability=reliability_table(test["label"], test["risk"]),
        subgroups=subgroups, test=test[keep].reset_index(drop=True), n_train=len(folds.train),
        ceiling=ceiling, threshold=threshold, comparison={s["model"]: metrics, **comparison},
    )


def fit_current_model(history: History, config: dict[str, Any], *, months: int | None = None,
                      check_leakage: bool = True) -> RiskModel:
    """The model the panel uses: fitted the same way as in :func:`evaluate`, on every index
    date up to the end of the data (outcome windows still open count for the months observed
    so far)."""
    s = _settings(config, months)
    months = s["months"]
    dates = index_dates(history, months, s["min_history_months"], complete=False)
    if len(dates) < s["validation_months"] + 1:
        raise AnalysisProblem(
            f"{len(dates)} index dates are too few to fit and validate a model: load a longer "
            "period")
    v = s["validation_months"]
    folds = _folds(history, dates[:-v], dates[-v:], months, history.data_end, s, check_leakage)
    model = fit_risk_model(folds.fit, folds.validation, folds.train, folds.features, months,
                           kind=s["model"], seed=s["seed"], calibration=folds.calibration,
                           recalibrate=s["recalibrate"])
    model.outcomes_until = str(history.data_end.date())
    return model


def score_people(model: RiskModel, history: History, index_date: Any, config: dict[str, Any],
                 top: int = 3) -> pd.DataFrame:
    """Risk, band and plain-language factors for everyone eligible at ``index_date``.

    Returns one row per person: ``person_id``, ``index_date``, ``risk``, ``band``,
    ``factors`` (a list of sentences, largest effect first) and the feature values.
    """
    cfg = config["reoffending"]
    agencies = [f.split(":", 1)[1] for f in model.features if f.startswith("agency_share:")]
    f = features_at(history, index_date, eligible_months=int(cfg["eligible_months"]),
                    lookback_months=int(cfg["lookback_months"]), agencies=agencies)
    if f.empty:
        return pd.DataFrame(columns=["person_id", "index_date", "risk", "band", "factors"])
    risk = model.predict(f)
    factors = model.explain(f, top=top)
    out = f.reset_index()
    out["risk"] = risk
    out["band"] = risk_band(risk, cfg["bands"])
    out["factors"] = [[fa.text for fa in fs] for fs in factors]
    return out


def model_bytes(model: RiskModel) -> bytes:
    """The model as bytes to store (joblib)."""
    import joblib

    buf = io.BytesIO()
    joblib.dump(model, buf)
    return buf.getvalue()


def model_from_bytes(blob: bytes) -> RiskModel:
    """A stored model back. Only load blobs this warehouse's own ``asb risk train`` wrote."""
    import joblib

    model = joblib.load(io.BytesIO(bytes(blob)))
    if not isinstance(model, RiskModel):
        raise AnalysisProblem("the stored blob is not an ASB Insight risk model")
    return model
