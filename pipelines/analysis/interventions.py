"""Which interventions work? Time to the next incident after each action, as survival curves.

For every action taken with a person (warning letter, ABC, mediation, CPW, CPN, injunction...)
the clock starts on the action's date and stops at the person's next ASB incident (an
*event*), or at the end of the data or of the follow-up (*censored*: no new incident seen
yet). Kaplan–Meier curves (lifelines) estimate, for each action type, the share of people not
named again after so many days, with pointwise 95% confidence bands (Greenwood's formula,
log(-log) transformed). The same is done within risk bands, because harder cases get
stronger tools: comparing a civil injunction with a warning letter across everyone mostly
compares the people who receive them.

This is observational. Nothing here says an action *caused* the difference; see
:data:`OBSERVATIONAL_WARNING`, which every page and report showing these curves prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._common import AnalysisProblem, require_columns

__all__ = [
    "OBSERVATIONAL_WARNING",
    "intervention_episodes",
    "prior_count_band",
    "SurvivalResult",
    "survival_curves",
]

#: The plain warning shown with every intervention comparison.
OBSERVATIONAL_WARNING = (
    "These figures are observational, not a trial. Agencies choose stronger tools for harder "
    "cases, so a tool used on people already likely to reoffend will look worse than it is, "
    "and a light-touch tool used on people who would have stopped anyway will look better. "
    "Comparing within a risk band reduces this but does not remove it: the band does not "
    "capture everything the officer knew. A new incident is one reported to an agency whose "
    "data is loaded; behaviour nobody reported is not seen. Read differences as questions to "
    "ask, not as proof that a tool works."
)


def intervention_episodes(
    actions: pd.DataFrame, incidents: pd.DataFrame, data_end: Any, *,
    follow_up_days: int = 365, risk: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per action: how long until the person's next incident, or until observation ended.

    Only actions taken on or after the person's first incident in ``incidents`` count (an
    action for someone never named as a perpetrator, such as a victim's support referral, is
    not an intervention with a perpetrator). The same action type on the same day counts once.

    Parameters
    ----------
    actions : DataFrame
        ``person_id``, ``action``, ``known_at`` (the action date) and optionally
        ``escalation_rank``.
    incidents : DataFrame
        ``person_id``, ``occurred_at``: the person's incidents (counted once each).
    data_end : date-like
        The day after the last data held: observation stops here.
    follow_up_days : int
        Observation also stops this many days after the action.
    risk : DataFrame, optional
        ``person_id``, ``index_date``, ``band``: risk bands at month starts; each action takes
        the latest band scored on or before its date (``risk_band``; "not scored" if none).

    Returns
    -------
    DataFrame
        ``person_id``, ``action``, ``action_date``, ``days`` (to the event or censoring),
        ``event`` (1 = named in a new incident), ``risk_band``.

    Examples
    --------
    >>> acts = pd.DataFrame({"person_id": ["a", "b"], "action": ["ABC", "ABC"],
    ...                      "known_at": pd.to_datetime(["2021-01-10", "2021-01-10"])})
    >>> inc = pd.DataFrame({"person_id": ["a", "a", "b"], "occurred_at": pd.to_datetime(
    ...     ["2021-01-05", "2021-02-09", "2021-01-02"])})
    >>> ep = intervention_episodes(acts, inc, "2021-04-01")
    >>> ep[["person_id", "days", "event"]].values.tolist()
    [['a', 30, 1], ['b', 81, 0]]
    """
    require_columns(actions, ["person_id", "action", "known_at"], "the intervention curves")
    require_columns(incidents, ["person_id", "occurred_at"], "the intervention curves")
    end = pd.Timestamp(data_end)
    acts = actions.copy()
    acts["action_date"] = pd.to_datetime(acts["known_at"]).dt.normalize().astype("datetime64[ns]")
    acts = acts[acts["action_date"] < end].drop_duplicates(["person_id", "action", "action_date"])
    # only actions with someone already named in an incident (a support referral for a victim
    # is not an intervention with a perpetrator)
    first = (pd.to_datetime(incidents["occurred_at"]).dt.normalize()
             .groupby(incidents["person_id"]).min())
    acts = acts[acts["action_date"] >= acts["person_id"].map(first)]
    # the next incident strictly after the action's day
    acts["_from"] = acts["action_date"] + pd.Timedelta(days=1)
    inc = pd.DataFrame({
        "person_id": incidents["person_id"].to_numpy(),
        "next_day": pd.to_datetime(incidents["occurred_at"]).dt.normalize()
        .astype("datetime64[ns]").to_numpy()}).sort_values("next_day")
    acts = acts.sort_values("_from")
    nxt = pd.merge_asof(acts, inc, left_on="_from", right_on="next_day", by="person_id",
                        direction="forward")
    stop = (nxt["action_date"] + pd.Timedelta(days=follow_up_days)).clip(upper=end)
    happened = nxt["next_day"].notna() & (nxt["next_day"] < stop)
    out = pd.DataFrame({
        "person_id": nxt["person_id"].to_numpy(),
        "action": nxt["action"].to_numpy(),
        "action_date": nxt["action_date"].dt.date.to_numpy(),
        "days": np.where(happened, (nxt["next_day"] - nxt["action_date"]).dt.days,
                         (stop - nxt["action_date"]).dt.days).astype(int),
        "event": happened.astype(int).to_numpy(),
    })
    if "escalation_rank" in nxt:
        out["escalation_rank"] = nxt["escalation_rank"].to_numpy()
    out["risk_band"] = "not scored"
    if risk is not None and not risk.empty:
        require_columns(risk, ["person_id", "index_date", "band"], "the risk bands")
        r = risk[["person_id", "index_date", "band"]].copy()
        r["index_date"] = pd.to_datetime(r["index_date"]).astype("datetime64[ns]")
        left = out.assign(_d=pd.to_datetime(out["action_date"]).astype("datetime64[ns]"))
        left = left.sort_values("_d")
        banded = pd.merge_asof(left, r.sort_values("index_date"), left_on="_d",
                               right_on="index_date", by="person_id", direction="backward")
        out = banded.drop(columns=["_d", "index_date", "risk_band"]).rename(
            columns={"band": "risk_band"})
        out["risk_band"] = out["risk_band"].fillna("not scored")
    return out.sort_values(["action_date", "person_id", "action"]).reset_index(drop=True)


def prior_count_band(actions: pd.DataFrame, incidents: pd.DataFrame,
                     months: int = 6) -> pd.Series:
    """A transparent band for when no model is stored: incidents known in the ``months``
    before each action ("0-1", "2", "3 or more"), aligned with ``actions``' index.

    Examples
    --------
    >>> acts = pd.DataFrame({"person_id": ["a"], "known_at": pd.to_datetime(["2021-06-01"])})
    >>> inc = pd.DataFrame({"person_id": ["a"] * 3, "known_at": pd.to_datetime(
    ...     ["2020-11-01", "2021-03-01", "2021-05-01"])})
    >>> prior_count_band(acts, inc).tolist()
    ['2 prior incidents in 6 months']
    """
    counts = []
    by_person = {p: g["known_at"].to_numpy() for p, g in incidents.groupby("person_id")}
    for pid, when in zip(actions["person_id"], pd.to_datetime(actions["known_at"]), strict=True):
        times = by_person.get(pid)
        if times is None:
            counts.append(0)
            continue
        start = np.datetime64(when - pd.DateOffset(months=months))
        counts.append(int(((times >= start) & (times < np.datetime64(when))).sum()))
    labels = [f"{'0-1' if c <= 1 else '2' if c == 2 else '3 or more'} prior incidents in "
              f"{months} months" for c in counts]
    return pd.Series(labels, index=actions.index)


@dataclass(frozen=True)
class SurvivalResult:
    """Kaplan–Meier curves and a summary per group.

    Attributes
    ----------
    curves : DataFrame
        ``group`` columns, ``days``, ``survival`` (share not named again), ``lower``,
        ``upper`` (95% band), ``at_risk``.
    summary : DataFrame
        Per group: ``actions``, ``people``, ``events``, ``median_days`` (None when more than
        half were never named again), and for each horizon ``named_again_{d}d`` with
        ``_low``/``_high`` (1 - survival, 95% interval). Groups under ``min_actions`` are
        listed with ``suppressed`` True and no figures.
    warning : str
        :data:`OBSERVATIONAL_WARNING`.
    """

    curves: pd.DataFrame
    summary: pd.DataFrame
    by: tuple[str, ...]
    warning: str = OBSERVATIONAL_WARNING


def survival_curves(
    episodes: pd.DataFrame, by: Sequence[str] = ("action",), *, min_actions: int = 10,
    horizons: Sequence[int] = (90, 180, 365), alpha: float = 0.05,
) -> SurvivalResult:
    """Kaplan–Meier curves of time to the next incident, one per group of ``by``.

    Examples
    --------
    >>> ep = pd.DataFrame({"action": ["ABC"] * 4, "days": [10, 20, 30, 40],
    ...                    "event": [1, 1, 0, 1], "person_id": list("abcd")})
    >>> res = survival_curves(ep, min_actions=2, horizons=[25])
    >>> float(res.summary.loc[0, "named_again_25d"])
    0.5
    """
    from lifelines import KaplanMeierFitter

    by = tuple(by)
    require_columns(episodes, ["days", "event", *by], "the intervention curves")
    if episodes.empty:
        raise AnalysisProblem("no actions with a date inside the data: nothing to compare")
    curves, rows = [], []
    for key, part in episodes.groupby(list(by), sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        label = dict(zip(by, key, strict=True))
        row: dict[str, Any] = {**label, "actions": len(part),
                               "people": int(part["person_id"].nunique())
                               if "person_id" in part else len(part),
                               "events": int(part["event"].sum())}
        if len(part) < min_actions:
            rows.append({**row, "suppressed": True})
            continue
        kmf = KaplanMeierFitter(alpha=alpha).fit(part["days"], part["event"])
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        table = kmf.event_table
        curve = pd.DataFrame({"days": sf.index.to_numpy(float), "survival": sf.to_numpy(),
                              "lower": ci.iloc[:, 0].to_numpy(), "upper": ci.iloc[:, 1].to_numpy(),
                              "at_risk": table["at_risk"].reindex(sf.index).to_numpy()})
        for k, v in label.items():
            curve.insert(0, k, v)
        curves.append(curve)
        median = kmf.median_survival_time_
        row["median_days"] = None if not np.isfinite(median) else float(median)
        for d in horizons:
            s = float(kmf.survival_function_at_times(d).iloc[0])
            lo, hi = _ci_at(ci, d)
            row[f"named_again_{d}d"] = round(1 - s, 4)
            row[f"named_again_{d}d_low"] = round(1 - hi, 4)
            row[f"named_again_{d}d_high"] = round(1 - lo, 4)
            row[f"followed_{d}d"] = int((part["days"] >= d).sum())
        rows.append({**row, "suppressed": False})
    summary = pd.DataFrame(rows)
    return SurvivalResult(
        pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
            columns=[*by, "days", "survival", "lower", "upper", "at_risk"]),
        summary, by)


def _ci_at(ci: pd.DataFrame, day: float) -> tuple[float, float]:
    """The confidence band at ``day`` (step function: the last time at or before it)."""
    upto = ci[ci.index <= day]
    row = upto.iloc[-1] if len(upto) else ci.iloc[0]
    return float(row.iloc[0]), float(row.iloc[1])
