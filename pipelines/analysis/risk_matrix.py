"""The Risk Assessment Matrix: score assessments, band them, and check practice.

The matrix (questions, answers and their scores, band cut-offs, review intervals) is
configuration (``risk_matrix`` in ``pipelines/config/defaults.yaml``), with the CIH / Home
Office 2010 matrix of seed 001 as the default. This module

- scores each assessment from its answers (:func:`score_answers`), whatever total the officer
  wrote down: a question marked ``multi`` adds the score of every answer given, the answers
  joined by ``"; "`` (``"physical; mental"`` scores 3 + 3);
- bands the score (:func:`band_for`) and applies an officer's professional override, which can
  only *raise* the band (:func:`apply_override`);
- keeps each person's history of scores and bands (:func:`score_assessments`), marking where
  the risk rose between two assessments;
- runs the practice checks the seeds ask for (:func:`practice_checks`): every victim assessed at
  the outset, re-assessed while the case is open, rising risk noticed;
- lists the victims for the community MARAC (:func:`cmarac_list`).

Functions are pure: DataFrames and parameters in, DataFrames or dataclasses out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigProblem
from ._common import require_columns

__all__ = [
    "Question",
    "Matrix",
    "Score",
    "matrix_from_config",
    "split_answers",
    "score_answers",
    "band_for",
    "apply_override",
    "score_assessments",
    "practice_checks",
    "cmarac_list",
    "CHECKS",
]

#: The practice checks :func:`practice_checks` reports, in the words the pages show.
CHECKS = {
    "not_assessed": "not assessed at the outset",
    "assessed_late": "assessed late",
    "review_overdue": "review overdue",
    "risk_rising": "risk rising",
}


@dataclass(frozen=True)
class Question:
    """One matrix question: its key (the ``q_*`` column), area, wording and answer scores."""

    key: str
    area: str
    text: str
    answers: Mapping[str, float]  # lower-case answer -> score
    multi: bool = False


@dataclass(frozen=True)
class Matrix:
    """The configured Risk Assessment Matrix.

    ``bands`` runs from the highest band down: a score is in the first band whose ``min`` it
    reaches. ``review_days`` says how often an open case is re-assessed, by band.
    """

    questions: tuple[Question, ...]
    bands: tuple[tuple[str, float], ...]
    review_days: Mapping[str, int]
    assess_within_days: int = 2
    rising_points: float = 5.0
    cmarac_bands: tuple[str, ...] = ("high",)

    @property
    def band_names(self) -> tuple[str, ...]:
        """Band names from the lowest to the highest."""
        return tuple(name for name, _ in reversed(self.bands))

    def rank(self, band: str | None) -> int:
        """Position of ``band`` from the lowest (0); -1 for no band or an unknown one.

        Examples
        --------
        >>> m = matrix_from_config({"risk_matrix": {"questions": [], "bands": [
        ...     {"band": "high", "min": 20}, {"band": "standard", "min": 0}]}})
        >>> m.rank("high"), m.rank("standard"), m.rank("purple")
        (1, 0, -1)
        """
        if band is None:
            return -1
        try:
            return self.band_names.index(str(band).strip().lower())
        except ValueError:
            return -1


def matrix_from_config(config: Mapping[str, Any]) -> Matrix:
    """Read the matrix from the configuration (the ``risk_matrix`` key).

    Raises
    ------
    ConfigProblem
        A question without answers, a score that is not a number, or bands without a zero.
    """
    rm = config.get("risk_matrix") or {}
    questions = []
    for q in rm.get("questions") or []:
        key = str(q.get("key", "")).strip()
        if not key:
            raise ConfigProblem("risk_matrix.questions: every question needs a `key`")
        answers: dict[str, float] = {}
        for answer, score in (q.get("answers") or {}).items():
            try:
                answers[str(answer).strip().lower()] = float(score)
            except (TypeError, ValueError):
                raise ConfigProblem(
                    f"risk_matrix.questions {key}: the score of answer {answer!r} must be a "
                    f"number (got {score!r})") from None
        if not answers:
            raise ConfigProblem(f"risk_matrix.questions {key}: no answers given")
        questions.append(Question(key, str(q.get("area", "")), str(q.get("text", key)),
                                  answers, bool(q.get("multi", False))))
    bands = sorted(((str(b["band"]).strip().lower(), float(b["min"]))
                    for b in rm.get("bands") or []), key=lambda b: -b[1])
    if not bands or bands[-1][1] > 0:
        raise ConfigProblem("risk_matrix.bands: the lowest band needs `min: 0` so that every "
                            "score has a band")
    review = {str(k).lower(): int(v) for k, v in (rm.get("review_days") or {}).items()}
    return Matrix(
        questions=tuple(questions),
        bands=tuple(bands),
        review_days=review,
        assess_within_days=int(rm.get("assess_within_days", 2)),
        rising_points=float(rm.get("rising_points", 5)),
        cmarac_bands=tuple(str(b).lower() for b in rm.get("cmarac_bands", ["high"])),
    )


@dataclass(frozen=True)
class Score:
    """The score of one assessment.

    ``unanswered`` lists questions with no answer; ``unknown`` lists answers the matrix does
    not know, as ``(question, answer)``; neither adds to the total.
    """

    total: float
    by_area: dict[str, float] = field(default_factory=dict)
    answered: int = 0
    unanswered: tuple[str, ...] = ()
    unknown: tuple[tuple[str, str], ...] = ()


def split_answers(value: object) -> list[str]:
    """The answers given to one question, lower-case (several are joined by ``";"``).

    Examples
    --------
    >>> split_answers("Physical; mental")
    ['physical', 'mental']
    >>> split_answers(None), split_answers("  ")
    ([], [])
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    parts = [p.strip().lower() for p in str(value).split(";")]
    return [p for p in parts if p]


def _answers_dict(answers: Mapping[str, object] | str | None) -> Mapping[str, object]:
    if answers is None or (isinstance(answers, float) and np.isnan(answers)):
        return {}
    if isinstance(answers, str):
        try:
            loaded = json.loads(answers)
        except json.JSONDecodeError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return answers


def score_answers(answers: Mapping[str, object] | str | None, matrix: Matrix) -> Score:
    """Score one assessment's answers (a mapping or its JSON) with the matrix.

    A ``multi`` question adds the score of every distinct answer given; a single-answer
    question given several answers scores the highest of them (the safer reading).

    Examples
    --------
    >>> from pipelines.config import load_config
    >>> m = matrix_from_config(load_config())
    >>> s = score_answers({"q_frequency": "Daily", "q_health": "physical; mental",
    ...                    "q_hate": "yes"}, m)
    >>> s.total, s.by_area["impact"], s.answered
    (16.0, 6.0, 3)
    >>> score_answers({"q_hate": "perhaps"}, m).unknown
    (('q_hate', 'perhaps'),)
    """
    given = {str(k).strip().lower(): v for k, v in _answers_dict(answers).items()}
    total = 0.0
    by_area: dict[str, float] = {}
    unanswered, unknown = [], []
    answered = 0
    for q in matrix.questions:
        parts = split_answers(given.get(q.key.lower()))
        if not parts:
            unanswered.append(q.key)
            continue
        answered += 1
        scores = []
        for part in dict.fromkeys(parts):  # distinct, in order
            if part in q.answers:
                scores.append(q.answers[part])
            else:
                unknown.append((q.key, part))
        points = (sum(scores) if q.multi else max(scores)) if scores else 0.0
        total += points
        by_area[q.area] = by_area.get(q.area, 0.0) + points
    return Score(total, by_area, answered, tuple(unanswered), tuple(unknown))


def band_for(score: float | None, matrix: Matrix) -> str | None:
    """The band a total score falls in (``None`` for no score).

    Examples
    --------
    >>> from pipelines.config import load_config
    >>> m = matrix_from_config(load_config())
    >>> band_for(20, m), band_for(19.5, m), band_for(12, m), band_for(0, m)
    ('high', 'medium', 'medium', 'standard')
    """
    if score is None or (isinstance(score, float) and np.isnan(score)):
        return None
    for name, minimum in matrix.bands:
        if score >= minimum:
            return name
    return matrix.bands[-1][0]


def apply_override(score_band: str | None, override_band: object,
                   matrix: Matrix) -> tuple[str | None, str]:
    """The final band after an officer's override, and what happened to the override.

    An override can only raise the band: a lower or equal override leaves the scored band.
    Returns ``(band, outcome)`` with outcome ``"none"``, ``"raised"``, ``"not higher"``
    (ignored: overrides only raise) or ``"unknown band"``.

    Examples
    --------
    >>> from pipelines.config import load_config
    >>> m = matrix_from_config(load_config())
    >>> apply_override("medium", "High", m)
    ('high', 'raised')
    >>> apply_override("high", "standard", m)
    ('high', 'not higher')
    >>> apply_override("standard", None, m)
    ('standard', 'none')
    """
    if override_band is None or (isinstance(override_band, float) and np.isnan(override_band)) \
            or not str(override_band).strip():
        return score_band, "none"
    wanted = str(override_band).strip().lower()
    if matrix.rank(wanted) < 0:
        return score_band, "unknown band"
    if matrix.rank(wanted) > matrix.rank(score_band):
        return wanted, "raised"
    return score_band, "not higher"


def score_assessments(assessments: pd.DataFrame, matrix: Matrix) -> pd.DataFrame:
    """Score every assessment and add each person's history.

    Parameters
    ----------
    assessments : DataFrame
        One row per assessment: ``assessment_id``, ``person_id``, ``assessed_at``, ``answers``
        (JSON or mapping); optional ``recorded_score``, ``recorded_band``, ``override_band``,
        ``override_reason``, ``review_due``, ``case_id``.

    Returns
    -------
    DataFrame
        The input columns plus ``score`` (from the answers), ``score_band``, ``band`` (after
        any override), ``override_outcome``, ``score_differs`` (the recorded total is not the
        matrix total), ``answered``, ``unanswered``, ``unknown_answers``, per-area scores
        ``score_<area>``, ``next_review_due`` (the recorded date, else the band's interval),
        and the history: ``assessment_number`` (1 = the person's first), ``previous_score``,
        ``previous_band``, ``score_change``, ``risk_rising`` (band up, or the score up by at
        least ``rising_points``). Sorted by person and date.
    """
    require_columns(assessments, ["assessment_id", "person_id", "assessed_at", "answers"],
                    "scoring risk assessments")
    out = assessments.copy()
    scores = [score_answers(a, matrix) for a in out["answers"]]
    out["score"] = [s.total for s in scores]
    areas = sorted({q.area for q in matrix.questions})
    for area in areas:
        out[f"score_{area}"] = [s.by_area.get(area, 0.0) for s in scores]
    out["answered"] = [s.answered for s in scores]
    out["unanswered"] = [", ".join(s.unanswered) for s in scores]
    out["unknown_answers"] = ["; ".join(f"{k}: {v}" for k, v in s.unknown) for s in scores]
    out["score_band"] = [band_for(s.total, matrix) for s in scores]
    override = out["override_band"] if "override_band" in out else pd.Series(None, index=out.index)
    finals = [apply_override(b, o, matrix) for b, o in zip(out["score_band"], override,
                                                           strict=True)]
    out["band"] = [f[0] for f in finals]
    out["override_outcome"] = [f[1] for f in finals]
    if "recorded_score" in out:
        rec = pd.to_numeric(out["recorded_score"], errors="coerce")
        out["score_differs"] = rec.notna() & (rec - out["score"]).abs().gt(1e-9)
    else:
        out["score_differs"] = False
    out["assessed_at"] = pd.to_datetime(out["assessed_at"]).dt.normalize()
    interval = out["band"].map(lambda b: matrix.review_days.get(str(b), np.nan))
    computed_due = out["assessed_at"] + pd.to_timedelta(interval, unit="D")
    if "review_due" in out:
        recorded_due = pd.to_datetime(out["review_due"])
        out["next_review_due"] = recorded_due.fillna(computed_due)
    else:
        out["next_review_due"] = computed_due
    out = out.sort_values(["person_id", "assessed_at", "assessment_id"]).reset_index(drop=True)
    grouped = out.groupby("person_id", sort=False)
    out["assessment_number"] = grouped.cumcount() + 1
    out["previous_score"] = grouped["score"].shift(1)
    out["previous_band"] = grouped["band"].shift(1)
    out["score_change"] = out["score"] - out["previous_score"]
    ranks = out["band"].map(matrix.rank)
    prev_ranks = out["previous_band"].map(lambda b: matrix.rank(b) if isinstance(b, str) else -1)
    out["risk_rising"] = out["previous_score"].notna() & (
        (ranks > prev_ranks) | out["score_change"].ge(matrix.rising_points))
    return out


def _as_date(value: object) -> date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def practice_checks(scored: pd.DataFrame, case_people: pd.DataFrame, cases: pd.DataFrame,
                    as_of: date | str, matrix: Matrix) -> pd.DataFrame:
    """The practice checks of seed 001, as of a date.

    Parameters
    ----------
    scored : DataFrame
        From :func:`score_assessments` (``person_id``, ``case_id``, ``assessed_at``, ``band``,
        ``score``, ``previous_band``, ``previous_score``, ``risk_rising``).
    case_people : DataFrame
        The victims and complainants of each case: ``case_id``, ``person_id``,
        ``first_report`` (the date of their first report on the case).
    cases : DataFrame
        ``case_id``, ``opened_at``, ``closed_at`` (blank while open).
    as_of : date

    Returns
    -------
    DataFrame
        One row per finding: ``check`` (a key of :data:`CHECKS`), ``check_label``,
        ``person_id``, ``case_id``, ``on`` (the date it refers to), ``days`` and ``detail`` in
        plain words. The checks:

        - ``not_assessed``: a victim on a case with no assessment for that case within
          ``assess_within_days`` of their first report, and none since (only once that time has
          passed by ``as_of``);
        - ``assessed_late``: the first assessment came, but after ``assess_within_days``;
        - ``review_overdue``: the case is open at ``as_of`` and the person's latest assessment on
          it is older than the band's ``review_days``;
        - ``risk_rising``: an assessment (on or before ``as_of``) with a higher band, or a score
          at least ``rising_points`` higher, than the person's previous one.
    """
    as_of = _as_date(as_of)
    as_of_ts = pd.Timestamp(as_of)
    columns = ["check", "check_label", "person_id", "case_id", "on", "days", "detail"]
    findings: list[dict[str, Any]] = []
    held = scored[scored["assessed_at"] <= as_of_ts]
    by_pair = {k: g for k, g in held.groupby(["person_id", "case_id"], dropna=False)}
    # Outset: one finding per victim and case.
    cp = case_people.copy()
    cp["first_report"] = pd.to_datetime(cp["first_report"]).dt.normalize()
    cp = cp[cp["first_report"] <= as_of_ts]
    within = matrix.assess_within_days
    for row in cp.itertuples(index=False):
        group = by_pair.get((row.person_id, row.case_id))
        due = row.first_report + pd.Timedelta(days=within)
        if group is None or group.empty:
            if due < as_of_ts:
                findings.append({
                    "check": "not_assessed", "person_id": row.person_id,
                    "case_id": row.case_id, "on": row.first_report.date(),
                    "days": int((as_of_ts - row.first_report).days),
                    "detail": (f"first report on {row.first_report:%d/%m/%Y}; no Risk "
                               f"Assessment Matrix by {as_of:%d/%m/%Y} (due within {within} "
                               "days)")})
            continue
        first = group["assessed_at"].min()
        late = int((first - row.first_report).days)
        if late > within:
            findings.append({
                "check": "assessed_late", "person_id": row.person_id, "case_id": row.case_id,
                "on": first.date(), "days": late,
                "detail": (f"first report on {row.first_report:%d/%m/%Y}; first assessment on "
                           f"{first:%d/%m/%Y}, {late} days later (due within {within} days)")})
    # Reviews of open cases.
    c = cases.copy()
    c["opened_at"] = pd.to_datetime(c["opened_at"])
    c["closed_at"] = pd.to_datetime(c["closed_at"])
    open_ids = set(c.loc[(c["opened_at"] <= as_of_ts) & (c["closed_at"].isna()
                                                         | (c["closed_at"] > as_of_ts)),
                         "case_id"])
    latest = held[held["case_id"].isin(open_ids)].sort_values("assessed_at")
    latest = latest.groupby(["person_id", "case_id"]).tail(1)
    for row in latest.itertuples(index=False):
        interval = matrix.review_days.get(str(row.band))
        if interval is None:
            continue
        age = int((as_of_ts - row.assessed_at).days)
        if age > interval:
            findings.append({
                "check": "review_overdue", "person_id": row.person_id, "case_id": row.case_id,
                "on": row.assessed_at.date(), "days": age,
                "detail": (f"last assessed on {row.assessed_at:%d/%m/%Y} ({row.band} risk, "
                           f"score {row.score:g}): {age} days ago, review every {interval} "
                           "days while the case is open")})
    # Rising risk.
    for row in held[held["risk_rising"]].itertuples(index=False):
        findings.append({
            "check": "risk_rising", "person_id": row.person_id, "case_id": row.case_id,
            "on": row.assessed_at.date(), "days": None,
            "detail": (f"score {row.previous_score:g} ({row.previous_band}) rose to {row.score:g}"
                       f" ({row.band}) on {row.assessed_at:%d/%m/%Y}")})
    frame = pd.DataFrame(findings, columns=[c for c in columns if c != "check_label"])
    frame.insert(1, "check_label", frame["check"].map(CHECKS))
    return frame.sort_values(["check", "on", "person_id"], kind="stable").reset_index(drop=True)


def cmarac_list(scored: pd.DataFrame, people: pd.DataFrame, actions: pd.DataFrame,
                as_of: date | str, matrix: Matrix, *, active_ids: Iterable[str] = ()
                ) -> pd.DataFrame:
    """High-risk victims for the community MARAC, as of a date.

    A victim is listed when their latest band (on or before ``as_of``) is one of
    ``cmarac_bands`` (default: high), or when they have met the case review threshold and are
    recorded as vulnerable. Only people with something current are listed: a report in the
    case review window or an open case (``active_ids``); pass every id to list everyone.

    Parameters
    ----------
    scored : DataFrame
        From :func:`score_assessments`.
    people : DataFrame
        ``person_id``, ``status`` (case review status at ``as_of``, blank when none) and
        ``vulnerable``.
    actions : DataFrame
        Open actions: ``person_id``, ``action``, ``action_date`` (one row each).
    active_ids : iterable of str
        People with a report in the window or an open case.

    Returns
    -------
    DataFrame
        ``person_id``, ``reasons``, ``assessed_at``, ``score``, ``band``, ``override_outcome``,
        ``override_reason``, ``next_review_due``, ``review_overdue``, ``status``,
        ``vulnerable``, ``open_actions`` (count) and ``actions`` (latest first, as text).
        Highest score first.
    """
    as_of_ts = pd.Timestamp(_as_date(as_of))
    active = set(active_ids)
    held = scored[scored["assessed_at"] <= as_of_ts].sort_values(["assessed_at",
                                                                  "assessment_id"])
    latest = held.groupby("person_id").tail(1).set_index("person_id")
    ppl = people.set_index("person_id")
    high = set(latest.index[latest["band"].isin(matrix.cmarac_bands)])
    vulnerable = ppl["vulnerable"].astype("boolean").fillna(False).astype(bool)
    met = set(ppl.index[(ppl["status"] == "threshold_met") & vulnerable])
    chosen = sorted((high | met) & active)
    rows = []
    for pid in chosen:
        reasons = []
        lat = latest.loc[pid] if pid in latest.index else None
        if pid in high and lat is not None:
            how = " (raised by an officer)" if lat["override_outcome"] == "raised" else ""
            reasons.append(f"{lat['band']} risk{how}: score {lat['score']:g} on "
                           f"{lat['assessed_at']:%d/%m/%Y}")
        if pid in met:
            reasons.append("case review threshold met and recorded as vulnerable")
        mine = actions[actions["person_id"] == pid].sort_values("action_date", ascending=False)
        due = lat["next_review_due"] if lat is not None else pd.NaT
        rows.append({
            "person_id": pid,
            "reasons": "; ".join(reasons),
            "assessed_at": lat["assessed_at"] if lat is not None else pd.NaT,
            "score": lat["score"] if lat is not None else np.nan,
            "band": lat["band"] if lat is not None else None,
            "override_outcome": lat["override_outcome"] if lat is not None else None,
            "override_reason": (lat.get("override_reason") if lat is not None else None),
            "next_review_due": due,
            "review_overdue": bool(pd.notna(due) and due < as_of_ts),
            "status": ppl["status"].get(pid) if pid in ppl.index else None,
            "vulnerable": bool(vulnerable.get(pid, False)),
            "open_actions": len(mine),
            "actions": "; ".join(f"{a} ({pd.Timestamp(d):%d/%m/%Y})"
                                 for a, d in zip(mine["action"], mine["action_date"],
                                                 strict=True)),
        })
    frame = pd.DataFrame(rows, columns=[
        "person_id", "reasons", "assessed_at", "score", "band", "override_outcome",
        "override_reason", "next_review_due", "review_overdue", "status", "vulnerable",
        "open_actions", "actions"])
    return frame.sort_values(["score", "person_id"], ascending=[False, True],
                             na_position="last").reset_index(drop=True)
