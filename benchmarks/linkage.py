"""Benchmark: record linkage and cross-agency de-duplication against the sample's ground truth.

Builds the sample warehouse (``data/sample``) in a temporary folder, then scores, on pairs:

- **people**: records the warehouse gives one ``person_id`` (splink, ``core_person_link``)
  against records of one ``true_person_id`` (``ground_truth/person_records.csv``), beside a
  baseline measured in the same run: records linked when first name, last name (case
  ignored) and date of birth are all given and equal;
- **incidents**: reports the warehouse puts in one ``incident_group_id`` against reports
  ``ground_truth/cross_agency_duplicates.csv`` groups, both all its pairs and the pairs the rule
  is meant to find (different agencies, the same reporter), beside a baseline without people:
  reports held by different agencies within the configured hours with the same
  ``location_key``.

Prints precision, recall, F1 and pair counts, and the build time of the linkage steps. The
goal for people is precision >= 0.98 and recall >= 0.95. Usage::

    python benchmarks/linkage.py [--threshold 0.9]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.config import load_config, merge
from pipelines.db import transaction
from pipelines.sample_load import load_sample
from pipelines.sample_truth import (
    PairScores,
    pair_scores,
    pairs_within,
    true_incident_pairs,
    true_people,
)
from pipelines.warehouse import connect

_BASELINE_PEOPLE = """
SELECT a.person_record_id, b.person_record_id
FROM core_person_record a
JOIN core_person_record b
  ON a.person_record_id < b.person_record_id
 AND lower(trim(a.first_name)) = lower(trim(b.first_name))
 AND lower(trim(a.last_name)) = lower(trim(b.last_name))
 AND a.date_of_birth = b.date_of_birth
"""

_BASELINE_INCIDENTS = """
SELECT a.incident_id, b.incident_id
FROM core_incident a
JOIN core_incident b
  ON a.incident_id < b.incident_id
 AND a.agency <> b.agency
 AND a.location_key = b.location_key
 AND abs(epoch(a.reported_at) - epoch(b.reported_at)) <= ? * 3600
WHERE a.template = 'incidents' AND b.template = 'incidents'
"""


def _row(name: str, s: PairScores) -> str:
    return (f"  {name:<44} precision {s.precision:6.4f}  recall {s.recall:6.4f}  "
            f"F1 {s.f1:6.4f}  pairs predicted {s.predicted_pairs:>5,}  true "
            f"{s.true_pairs:>5,}  correct {s.correct_pairs:>5,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold", type=float, default=None,
                        help="linkage.match_threshold (default: the configured 0.9)")
    args = parser.parse_args()
    config = load_config()
    if args.threshold is not None:
        config = merge(config, {"linkage": {"match_threshold": args.threshold}})
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "sample.duckdb"
        con = connect(db)
        started = time.perf_counter()
        with transaction(con):
            load_sample(con, config, progress=lines.append, debug=True)
        total = time.perf_counter() - started
        report(con, config, lines, total)
        con.close()


def report(con: duckdb.DuckDBPyConnection, config: dict, lines: list[str],
           total: float) -> None:
    step_time = {m.group(1): float(m.group(2)) for line in lines
                 if (m := re.match(r"\d\d (\w+): ([\d.]+)s", line))}
    records = con.execute("SELECT count(*) FROM core_person_record").fetchall()[0][0]
    people = con.execute("SELECT count(*) FROM core_person").fetchall()[0][0]
    truth = true_people()
    held = {r for (r,) in con.execute("SELECT person_record_id FROM core_person_record")
            .fetchall()}
    true_pairs = pairs_within({r: p for r, p in truth.items() if r in held})
    linked = dict(con.execute("SELECT person_record_id, person_id FROM core_person_link")
                  .fetchall())
    hours = float(config["case_review"]["cross_agency_duplicate_hours"])
    print(f"Sample warehouse built in {total:.1f} s; linkage steps: "
          f"core_location {step_time.get('core_location', 0):.1f} s, "
          f"core_person {step_time.get('core_person', 0):.1f} s, "
          f"core_incident_group {step_time.get('core_incident_group', 0):.1f} s")
    print(f"\nPeople ({records:,} person records -> {people:,} people; "
          f"{len(set(truth.values())):,} true people; threshold "
          f"{config['linkage']['match_threshold']})")
    print(_row("record linkage (splink)", pair_scores(pairs_within(linked), true_pairs)))
    baseline = con.execute(_BASELINE_PEOPLE).fetchall()
    print(_row("baseline: exact name + date of birth", pair_scores(baseline, true_pairs)))

    grouped = dict(con.execute(
        "SELECT incident_id, incident_group_id FROM core_incident_group "
        "WHERE group_reason <> 'single report'").fetchall())
    predicted = pairs_within(grouped)
    baseline_incidents = con.execute(_BASELINE_INCIDENTS, [hours]).fetchall()
    groups = con.execute("SELECT count(DISTINCT incident_group_id) FROM core_incident_group "
                         "WHERE group_reason <> 'single report'").fetchall()[0][0]
    print(f"\nIncidents ({len(grouped):,} reports in {groups:,} cross-agency groups; rule: "
          f"same person within {hours:g} h, same place)")
    for name, truth_pairs in (("all pairs in cross_agency_duplicates.csv",
                               true_incident_pairs()),
                              ("rule-reachable pairs (other agency, same reporter)",
                               true_incident_pairs(rule_reachable=True))):
        print(f" against {name}:")
        print(_row("cross-agency rule (linked people)", pair_scores(predicted, truth_pairs)))
        print(_row("baseline: same location_key within the hours",
                   pair_scores(baseline_incidents, truth_pairs)))


if __name__ == "__main__":
    main()
