"""The synthetic sample's ground truth, for scoring record linkage and de-duplication.

``data/sample/ground_truth/`` says what the exports do not: which person records are the same
person (``person_records.csv``) and which incident reports are one incident
(``cross_agency_duplicates.csv``). Nothing here is loaded into a warehouse; the benchmark
(``benchmarks/linkage.py``) and the tests compare the warehouse's links against it with
:func:`pair_scores`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .sample_load import SAMPLE_DIR

__all__ = ["PairScores", "pair_scores", "pairs_within", "true_people",
           "true_incident_pairs"]

TRUTH_DIR = SAMPLE_DIR / "ground_truth"


@dataclass(frozen=True)
class PairScores:
    """Pairwise precision and recall: every pair of items put together is one decision."""

    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pairs_within(groups: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every unordered pair of items that share a group (item -> group id).

    Examples
    --------
    >>> sorted(pairs_within({"a": "1", "b": "1", "c": "1", "d": "2"}))
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    members: dict[str, list[str]] = {}
    for item, group in groups.items():
        members.setdefault(group, []).append(item)
    return {pair for items in members.values()
            for pair in itertools.combinations(sorted(items), 2)}


def pair_scores(predicted: Iterable[tuple[str, str]],
                truth: Iterable[tuple[str, str]]) -> PairScores:
    """Score predicted pairs against true pairs (order inside a pair does not matter).

    Examples
    --------
    >>> s = pair_scores([("a", "b"), ("c", "b")], [("b", "a"), ("a", "c"), ("b", "c")])
    >>> (s.predicted_pairs, s.true_pairs, s.correct_pairs, round(s.precision, 2), round(s.recall, 2))
    (2, 3, 2, 1.0, 0.67)
    """
    p = {tuple(sorted(x)) for x in predicted}
    t = {tuple(sorted(x)) for x in truth}
    return PairScores(len(p), len(t), len(p & t))


def true_people(truth_dir: Path = TRUTH_DIR) -> dict[str, str]:
    """person_record_id (``agency:person_ref``, as core_person_record) -> true person id."""
    frame = pd.read_csv(truth_dir / "person_records.csv", dtype=str, keep_default_na=False)
    frame = frame[frame["person_ref"] != ""]
    ids = frame["agency"] + ":" + frame["person_ref"]
    return dict(zip(ids, frame["true_person_id"], strict=True))


def true_incident_pairs(truth_dir: Path = TRUTH_DIR, *, rule_reachable: bool = False
                        ) -> set[tuple[str, str]]:
    """Pairs of incident ids (``agency:source_ref``) that are reports of one real incident.

    With ``rule_reachable``, only the pairs the cross-agency rule is meant to find: held by
    different agencies and sharing a reporter (the truth file also groups a neighbour's later
    report of the same incident, which no same-person rule can see).
    """
    frame = pd.read_csv(truth_dir / "cross_agency_duplicates.csv", dtype=str,
                        keep_default_na=False)
    frame["incident_id"] = frame["agency"] + ":" + frame["source_ref"]
    frame["reporter_set"] = frame["reporters"].map(
        lambda text: {r.strip() for r in text.split(";") if r.strip()})
    pairs = set()
    for _group, rows in frame.groupby("group_id"):
        for a, b in itertools.combinations(rows.itertuples(index=False), 2):
            if rule_reachable and (a.agency == b.agency or not a.reporter_set & b.reporter_set):
                continue
            pairs.add(tuple(sorted((a.incident_id, b.incident_id))))
    return pairs
