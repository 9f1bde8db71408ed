"""The ASB case review ledger: qualifying complaints and status per person on any date.

The rules (2014 Act s.104; statutory guidance, July 2025) are configuration (``case_review``
in ``pipelines/config/defaults.yaml``); :class:`Rules` holds them. For an as-of date:

- **window**: a complaint is in the window when its *reported date* falls in the six calendar
  months to the as-of date, both ends inclusive: from the day after the same date six months
  earlier, to the as-of date (:func:`window`). Reports after the as-of date do not exist yet.
- **qualifying**: a complaint qualifies when it was made within ``qualifying_report_days``
  (31) of the behaviour. The behaviour date is the end of the occurrence window when one is
  given, else its start; a report with neither qualifies. A *late* report is shown with its
  delay but does not count.
- **one incident, once**: reports of one real incident to several agencies share an
  ``incident_group_id`` (the warehouse's cross-agency grouping), and count once; reports by
  the same person held under several agency records share a ``person_id`` (record linkage).
- **status**: ``threshold_met`` with ``threshold`` (3) or more qualifying incidents, or by a
  local trigger; ``second_report`` with ``second_report`` (2) or more, the point at which the
  guidance says the victim must be told about the case review; ``below`` otherwise.
- **local triggers** (optional): one qualifying hate incident; or qualifying reports by
  ``place_reports`` (5) different people about the same place (the same property, or
  within ``place_radius_m`` metres) in the window.

Every person gets the reasons in plain words: what counted, what did not and why (late
reports, reports before the window, duplicates counted once), the words victims and peers ask
for when the threshold is not met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import ConfigProblem
from ._common import AnalysisProblem, require_columns

__all__ = [
    "STATUSES",
    "Rules",
    "rules_from_config",
    "window",
    "CaseReview",
    "assess",
    "StatutoryFigures",
    "statutory_figures",
]

#: Status values, most serious first.
STATUSES = ("threshold_met", "second_report", "below")


@dataclass(frozen=True)
class Rules:
    """The case review rules (``case_review`` in the configuration).

    ``place_reports`` of 0 (or ``None``) and ``hate_incident`` false switch the local triggers
    off.
    """

    window_months: int = 6
    qualifying_report_days: int = 31
    threshold: int = 3
    second_report: int = 2
    qualifying_roles: tuple[str, ...] = ("victim", "complainant")
    hate_incident: bool = True
    place_reports: int | None = 5
    place_radius_m: float = 50.0

    def without_local_triggers(self) -> Rules:
        """The statutory rule alone (no hate or place trigger).

        Examples
        --------
        >>> Rules().without_local_triggers().hate_incident
        False
        """
        return Rules(self.window_months, self.qualifying_report_days, self.threshold,
                     self.second_report, self.qualifying_roles, False, None,
                     self.place_radius_m)


def rules_from_config(config: Mapping[str, Any]) -> Rules:
    """Read :class:`Rules` from the configuration.

    Raises
    ------
    ConfigProblem
        A number is not a positive whole number, or the second report is above the threshold.

    Examples
    --------
    >>> from pipelines.config import load_config
    >>> rules_from_config(load_config()).threshold
    3
    """
    cr = dict(config.get("case_review") or {})
    local = dict(cr.get("local_triggers") or {})
    try:
        rules = Rules(
            window_months=int(cr.get("window_months", 6)),
            qualifying_report_days=int(cr.get("qualifying_report_days", 31)),
            threshold=int(cr.get("threshold", 3)),
            second_report=int(cr.get("second_report", 2)),
            qualifying_roles=tuple(str(r) for r in cr.get("qualifying_roles",
                                                          ["victim", "complainant"])),
            hate_incident=bool(local.get("hate_incident", False)),
            place_reports=int(local.get("place_reports") or 0) or None,
            place_radius_m=float(local.get("place_radius_m", 50) or 0),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigProblem(f"case_review: every number must be a number ({exc})") from None
    if rules.window_months < 1 or rules.threshold < 1 or rules.second_report < 1:
        raise ConfigProblem("case_review: window_months, threshold and second_report must be "
                            "at least 1")
    if rules.second_report > rules.threshold:
        raise ConfigProblem(f"case_review: second_report ({rules.second_report}) cannot be "
                            f"above the threshold ({rules.threshold})")
    return rules


def _day(value: date | str | pd.Timestamp) -> date:
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise AnalysisProblem(f"as-of date {value!r} is not a date (expected YYYY-MM-DD)") from None


def window(as_of: date | str, months: int = 6) -> tuple[date, date]:
    """First and last day (both inclusive) of the ``months`` calendar months to ``as_of``.

    Examples
    --------
    >>> [d.isoformat() for d in window("2022-03-31")]
    ['2021-10-01', '2022-03-31']
    >>> [d.isoformat() for d in window("2022-06-30")]
    ['2021-12-31', '2022-06-30']
    >>> window("2022-08-31")[0].isoformat()
    '2022-03-01'
    """
    end = _day(as_of)
    start = (pd.Timestamp(end) - pd.DateOffset(months=months)).date() + timedelta(days=1)
    return start, end


def _fmt(d: object) -> str:
    return pd.Timestamp(d).strftime("%d/%m/%Y")  # type: ignore[arg-type]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass
class CaseReview:
    """The ledger on one as-of date.

    Attributes
    ----------
    as_of, window_start, window_end : date
    rules : Rules
    reports : DataFrame
        Every report by a person in a qualifying role up to ``as_of``: ``person_id``,
        ``incident_id``, ``incident_group_id``, ``reported_on``, ``behaviour_on``,
        ``days_to_report``, ``in_window``, ``late``, ``qualifying``, ``counted`` (the report a
        cross-agency group is counted by), ``hate``, and ``place_people`` (different people
        reporting at this place in the window; 0 when not computed).
    people : DataFrame
        One row per person with a report in the window: ``person_id``, ``status``,
        ``qualifying_incidents``, ``qualifying_reports``, ``late_reports``, ``merged_reports``
        (reports counted once with another), ``hate_incidents``, ``place_people``,
        ``earlier_reports`` (before the window), ``reports_in_window``, ``first_qualifying``,
        ``last_qualifying``, ``triggers`` and ``reasons`` (lists of plain words), and
        ``person_record_ids`` when the input gave them (filled for flagged people; others
        show their person_id).
    """

    as_of: date
    window_start: date
    window_end: date
    rules: Rules
    reports: pd.DataFrame
    people: pd.DataFrame = field(repr=False)

    def flagged(self) -> pd.DataFrame:
        """People at ``threshold_met`` or ``second_report``, threshold first, most first."""
        frame = self.people[self.people["status"] != "below"].copy()
        frame["_order"] = frame["status"].map({s: i for i, s in enumerate(STATUSES)})
        return (frame.sort_values(["_order", "qualifying_incidents", "person_id"],
                                  ascending=[True, False, True])
                .drop(columns="_order").reset_index(drop=True))

    def counts(self) -> dict[str, int]:
        """People at each status (``below`` counts people with any report in the window)."""
        counted = self.people["status"].value_counts()
        return {s: int(counted.get(s, 0)) for s in STATUSES}

    def reasons_for(self, person_id: str) -> list[str]:
        """The reasons for one person (also for someone with no report in the window)."""
        match = self.people[self.people["person_id"] == person_id]
        if not match.empty:
            return list(match.iloc[0]["reasons"])
        earlier = self.reports[(self.reports["person_id"] == person_id)]
        if earlier.empty:
            return [f"no report as a victim or complainant on or before {_fmt(self.as_of)}"]
        last = earlier["reported_on"].max()
        return [f"no report in the {self.rules.window_months} months "
                f"{_fmt(self.window_start)} to {_fmt(self.window_end)}; the latest was on "
                f"{_fmt(last)}"]

    def to_json(self, refs: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """The object ``asb case-review --json`` prints (``refs``: person_id -> agency refs)."""
        people = []
        for row in self.flagged().itertuples(index=False):
            person_refs = list(refs.get(row.person_id, [row.person_id]) if refs else
                               getattr(row, "person_record_ids", None) or [row.person_id])
            people.append({
                "person_id": row.person_id,
                "status": row.status,
                "qualifying_incidents": int(row.qualifying_incidents),
                "person_refs": [str(r) for r in person_refs],
                "reasons": list(row.reasons),
            })
        return {"as_of": self.as_of.isoformat(), "window_start": self.window_start.isoformat(),
                "window_end": self.window_end.isoformat(), "people": people}


_REQUIRED = ["person_id", "incident_id", "reported_at"]


def _prepare(complaints: pd.DataFrame, rules: Rules, as_of: date) -> pd.DataFrame:
    require_columns(complaints, _REQUIRED, "the case review ledger")
    frame = complaints
    if "role" in frame.columns:
        frame = frame[frame["role"].isin(rules.qualifying_roles)]
    frame = frame.copy()
    for column in ("occurred_at", "occurred_to", "incident_group_id", "hate_related",
                   "easting", "northing", "location_key", "location_text", "agency",
                   "premises_id"):
        if column not in frame.columns:
            frame[column] = None
    uprn_key = frame["location_key"].where(
        frame["location_key"].astype(str).str.startswith("uprn:"))
    frame["premises_id"] = frame["premises_id"].astype(object).where(
        frame["premises_id"].notna(), uprn_key)
    frame["incident_group_id"] = frame["incident_group_id"].fillna(frame["incident_id"])
    frame["reported_on"] = pd.to_datetime(frame["reported_at"]).dt.normalize()
    frame = frame[frame["reported_on"].notna()
                  & (frame["reported_on"] <= pd.Timestamp(as_of))]
    # One row per person and report (a person can be victim and complainant on one report).
    frame = frame.sort_values(["person_id", "reported_on", "incident_id"], kind="stable")
    frame = frame.drop_duplicates(["person_id", "incident_id"]).reset_index(drop=True)
    behaviour = pd.to_datetime(frame["occurred_to"]).fillna(pd.to_datetime(frame["occurred_at"]))
    frame["behaviour_on"] = behaviour.dt.normalize()
    frame["days_to_report"] = (frame["reported_on"] - frame["behaviour_on"]).dt.days
    frame["hate"] = frame["hate_related"].astype("boolean").fillna(False).astype(bool)
    return frame


def _refs(complaints: pd.DataFrame, ids: set[str]) -> dict[str, list[str]]:
    """person_id -> sorted agency references, for the people in ``ids``."""
    if "person_record_ids" not in complaints.columns or not ids:
        return {}
    mine = complaints.loc[complaints["person_id"].isin(ids), ["person_id", "person_record_ids"]]
    exploded = mine.explode("person_record_ids").dropna().drop_duplicates()
    out: dict[str, list[str]] = {}
    for pid, ref in sorted(zip(exploded["person_id"], exploded["person_record_ids"],
                               strict=True)):
        out.setdefault(pid, []).append(str(ref))
    return out


def _place_people(reports: pd.DataFrame, radius: float) -> np.ndarray:
    """For each qualifying report: how many different people reported at the same place.

    The same place is the same premises (``premises_id``: a resolved premises, or a
    ``uprn:`` location key), or (for located reports) within ``radius`` metres. Address text
    alone is not used: "Near High Street" or a town with no street would join reports that are
    not about one place. Counts include the reporter.
    """
    n = len(reports)
    if n == 0:
        return np.zeros(0, dtype=int)
    people = pd.factorize(reports["person_id"])[0]
    pairs = [np.column_stack([np.arange(n), np.arange(n)])]
    premises = reports["premises_id"].astype(object).to_numpy()
    known = np.array([isinstance(k, str) and bool(k) for k in premises], dtype=bool)
    if known.any():
        same = pd.DataFrame({"i": np.flatnonzero(known),
                             "k": pd.factorize(premises[known])[0]})
        joined = same.merge(same, on="k")
        pairs.append(joined[["i_x", "i_y"]].to_numpy())
    e = pd.to_numeric(reports["easting"], errors="coerce").to_numpy(dtype=float)
    nn = pd.to_numeric(reports["northing"], errors="coerce").to_numpy(dtype=float)
    ok = np.flatnonzero(np.isfinite(e) & np.isfinite(nn))
    if radius > 0 and len(ok) > 1:
        tree = cKDTree(np.column_stack([e[ok], nn[ok]]))
        close = tree.query_pairs(r=radius, output_type="ndarray")
        if len(close):
            a, b = ok[close[:, 0]], ok[close[:, 1]]
            pairs.append(np.column_stack([np.concatenate([a, b]), np.concatenate([b, a])]))
    every = np.concatenate(pairs)
    distinct = np.unique(np.column_stack([every[:, 0], people[every[:, 1]]]), axis=0)
    return np.bincount(distinct[:, 0], minlength=n).astype(int)


def assess(complaints: pd.DataFrame, as_of: date | str, rules: Rules | None = None, *,
           with_reasons: bool = True) -> CaseReview:
    """Apply the case review rules to every person's complaints on ``as_of``.

    Parameters
    ----------
    complaints : DataFrame
        One row per person and incident report: ``person_id``, ``incident_id``,
        ``reported_at``; optional ``role`` (rows in other roles are left out),
        ``incident_group_id`` (cross-agency grouping; default: each report its own),
        ``occurred_at``, ``occurred_to``, ``hate_related``, and for the place trigger
        ``premises_id`` (a resolved premises), ``location_key`` (``uprn:`` keys are premises),
        ``location_text`` (the place named in the reasons), ``easting``, ``northing``; and
        ``person_record_ids``.
    as_of : date or ISO string
    rules : Rules, optional
        Default: :class:`Rules` defaults (the shipped configuration).
    with_reasons : bool
        Build the reasons (turn off when only counts are needed).

    Examples
    --------
    >>> c = pd.DataFrame({"person_id": ["A"] * 3, "incident_id": ["i1", "i2", "i3"],
    ...     "reported_at": pd.to_datetime(["2022-01-10", "2022-02-10", "2022-03-10"]),
    ...     "occurred_at": pd.to_datetime(["2022-01-09", "2021-12-01", "2022-03-10"])})
    >>> r = assess(c, "2022-03-31", Rules())
    >>> row = r.people.iloc[0]
    >>> row["status"], int(row["qualifying_incidents"]), int(row["late_reports"])
    ('second_report', 2, 1)
    """
    rules = rules or Rules()
    as_of = _day(as_of)
    start, end = window(as_of, rules.window_months)
    reports = _prepare(complaints, rules, as_of)
    reports["in_window"] = reports["reported_on"] >= pd.Timestamp(start)
    reports["late"] = reports["days_to_report"].gt(rules.qualifying_report_days)
    reports["qualifying"] = reports["in_window"] & ~reports["late"]
    q = reports[reports["qualifying"]]
    counted_idx = q.drop_duplicates(["person_id", "incident_group_id"]).index
    reports["counted"] = reports.index.isin(counted_idx)
    reports["place_people"] = 0
    if rules.place_reports:
        reports.loc[q.index, "place_people"] = _place_people(q, rules.place_radius_m)
    win = reports[reports["in_window"]]
    grouped = win.groupby("person_id", sort=True)
    people = pd.DataFrame({
        "reports_in_window": grouped.size(),
        "qualifying_reports": grouped["qualifying"].sum(),
        "qualifying_incidents": grouped["counted"].sum(),
        "late_reports": grouped["late"].sum(),
        "hate_incidents": win[win["counted"] & win["hate"]].groupby("person_id").size(),
        "place_people": grouped["place_people"].max(),
        "first_qualifying": win[win["qualifying"]].groupby("person_id")["reported_on"].min(),
        "last_qualifying": win[win["qualifying"]].groupby("person_id")["reported_on"].max(),
    })
    people.index.name = "person_id"
    earlier = reports[~reports["in_window"]].groupby("person_id").size()
    people["earlier_reports"] = earlier.reindex(people.index).fillna(0)
    for column in ("reports_in_window", "qualifying_reports", "qualifying_incidents",
                   "late_reports", "hate_incidents", "place_people", "earlier_reports"):
        people[column] = people[column].fillna(0).astype(int)
    people["merged_reports"] = people["qualifying_reports"] - people["qualifying_incidents"]
    by_count = people["qualifying_incidents"].ge(rules.threshold)
    by_hate = people["hate_incidents"].gt(0) & rules.hate_incident
    by_place = (people["place_people"].ge(rules.place_reports) if rules.place_reports
                else pd.Series(False, index=people.index))
    people["status"] = np.where(
        by_count | by_hate | by_place, "threshold_met",
        np.where(people["qualifying_incidents"].ge(rules.second_report), "second_report",
                 "below"))
    people["triggers"] = [
        [t for t, on in (("threshold", a), ("hate incident", b), ("place", c)) if on]
        for a, b, c in zip(by_count, by_hate, by_place, strict=True)]
    people = people.reset_index()
    if "person_record_ids" in complaints.columns:
        refs = _refs(complaints, set(people.loc[people["status"] != "below", "person_id"]))
        people["person_record_ids"] = [refs.get(p, [p]) for p in people["person_id"]]
    result = CaseReview(as_of, start, end, rules, reports, people)
    if with_reasons:
        people["reasons"] = _reasons(result)
    else:
        people["reasons"] = [[] for _ in range(len(people))]
    return result


def _reasons(result: CaseReview) -> list[list[str]]:
    """Plain-words reasons for every person in ``result.people``."""
    r = result.rules
    span = f"{_fmt(result.window_start)} to {_fmt(result.window_end)}"
    reports = result.reports
    inside = reports[reports["in_window"]]
    hate_on = inside[inside["counted"] & inside["hate"]].groupby("person_id")["reported_on"].min()
    late = inside[inside["late"]].sort_values("reported_on")
    late_text = {
        pid: ", ".join(f"{_fmt(d)} ({int(k)} days after the behaviour)"
                       for d, k in zip(g["reported_on"], g["days_to_report"], strict=True))
        for pid, g in late.groupby("person_id", sort=False)}
    placed = inside[inside["place_people"] > 0].sort_values("place_people", ascending=False)
    place_at = placed.drop_duplicates("person_id").set_index("person_id")
    last_earlier = reports[~reports["in_window"]].groupby("person_id")["reported_on"].max()
    out = []
    for row in result.people.itertuples(index=False):
        pid = row.person_id
        reasons = []
        n = int(row.qualifying_incidents)
        if n >= r.threshold:
            reasons.append(f"{_plural(n, 'qualifying incident')} reported {span}: the threshold "
                           f"is {r.threshold}")
        elif row.status == "threshold_met":
            reasons.append(f"{_plural(n, 'qualifying incident')} reported {span} ("
                           f"{r.threshold} are needed without a local trigger)")
        elif n >= r.second_report:
            reasons.append(f"{_plural(n, 'qualifying incident')} reported {span}: a second "
                           "report, so the victim must be told about the case review; "
                           f"{r.threshold} are needed for the threshold")
        else:
            count = f"only {_plural(n, 'qualifying incident')}" if n else "no qualifying incident"
            reasons.append(f"{count} reported {span}: {r.threshold} are needed for the threshold")
        if "hate incident" in row.triggers:
            reasons.append(f"a hate incident reported on {_fmt(hate_on[pid])}: one is enough "
                           "under the local trigger")
        if "place" in row.triggers:
            at = place_at.loc[pid]
            where = at["location_text"] if isinstance(at["location_text"], str) else "one place"
            reasons.append(f"{int(at['place_people'])} different people reported ASB at or "
                           f"within {r.place_radius_m:g} m of {where} in the window: "
                           f"{r.place_reports} are enough under the local trigger")
        if row.late_reports:
            reasons.append(f"{_plural(int(row.late_reports), 'report')} made more than "
                           f"{r.qualifying_report_days} days after the behaviour "
                           f"{'does' if row.late_reports == 1 else 'do'} not count: "
                           f"{late_text[pid]}")
        if row.merged_reports:
            reasons.append(f"{_plural(int(row.merged_reports), 'report')} "
                           f"{'was' if row.merged_reports == 1 else 'were'} the same incident "
                           "as another report (to another agency, or by another record of "
                           "this person) and counted once")
        if row.earlier_reports:
            reasons.append(f"{_plural(int(row.earlier_reports), 'earlier report')} before "
                           f"{_fmt(result.window_start)} (the latest on "
                           f"{_fmt(last_earlier[pid])}) "
                           f"{'falls' if row.earlier_reports == 1 else 'fall'} outside the "
                           f"{r.window_months} months")
        out.append(reasons)
    return out


@dataclass(frozen=True)
class StatutoryFigures:
    """The four figures relevant bodies publish for a period (2014 Act, s.104(10))."""

    start: date
    end: date
    applications: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int

    def as_dict(self) -> dict[str, int]:
        """The figures with the labels the return uses."""
        return {
            "Applications received": self.applications,
            "Threshold not met": self.threshold_not_met,
            "Case reviews carried out": self.reviews_carried_out,
            "Reviews that led to recommendations": self.reviews_with_recommendations,
        }


def statutory_figures(applications: pd.DataFrame, start: date | str,
                      end: date | str) -> StatutoryFigures:
    """The four statutory case review figures for a period (both ends inclusive).

    Applications and "threshold not met" decisions count by the date the application was
    received; reviews and reviews with recommendations count by the date the review was held.
    An application with no decision yet is neither met nor not met.

    Parameters
    ----------
    applications : DataFrame
        ``received_on``, ``threshold_met`` (true / false / blank), ``review_held_on``,
        ``recommendations_made``.

    Examples
    --------
    >>> apps = pd.DataFrame({"received_on": pd.to_datetime(["2022-01-05", "2022-02-01"]),
    ...     "threshold_met": [True, False],
    ...     "review_held_on": pd.to_datetime(["2022-04-02", None]),
    ...     "recommendations_made": [True, None]})
    >>> statutory_figures(apps, "2022-01-01", "2022-03-31").as_dict()["Threshold not met"]
    1
    >>> statutory_figures(apps, "2022-04-01", "2022-06-30").reviews_carried_out
    1
    """
    require_columns(applications, ["received_on", "threshold_met", "review_held_on",
                                   "recommendations_made"], "the statutory case review figures")
    first, last = pd.Timestamp(_day(start)), pd.Timestamp(_day(end))
    received = pd.to_datetime(applications["received_on"]).dt.normalize()
    held = pd.to_datetime(applications["review_held_on"]).dt.normalize()
    in_received = received.between(first, last)
    in_held = held.between(first, last)
    met = applications["threshold_met"].astype("boolean")
    recs = applications["recommendations_made"].astype("boolean").fillna(False).astype(bool)
    return StatutoryFigures(
        start=first.date(), end=last.date(),
        applications=int(in_received.sum()),
        threshold_not_met=int((in_received & met.eq(False).fillna(False).astype(bool)).sum()),
        reviews_carried_out=int(in_held.sum()),
        reviews_with_recommendations=int((in_held & recs).sum()),
    )
