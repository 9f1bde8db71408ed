"""`asb risk evaluate` and `asb risk train` on the sample warehouse (quick settings)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.warehouse import connect

FAST = "reoffending:\n  compare: []\n  test_months: 3\n  validation_months: 2\n"


@pytest.fixture()
def fast_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "fast.yaml"
    path.write_text(FAST, encoding="utf-8")
    return path


def test_evaluate_json_has_the_metrics_and_the_ceiling_on_the_sample(sample_db, fast_yaml):
    result = CliRunner().invoke(app, ["risk", "evaluate", "--db", str(sample_db), "--json",
                                      "--config", str(fast_yaml)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in ("auc", "baseline_auc", "rule_auc", "brier", "calibration_slope",
                "calibration_intercept", "n_train", "n_test", "subgroups", "ceiling_auc"):
        assert key in out, key
    assert out["auc"] > max(out["baseline_auc"], out["rule_auc"])
    # prior offending predicts, as in the literature: beating the baselines means something
    assert out["baseline_auc"] > 0.55 and out["rule_auc"] > 0.55
    assert 0.65 < out["ceiling_auc"] < 0.8 and out["ceiling_coverage"] > 0.95
    assert out["months"] == 6


def test_train_stores_the_model_its_metadata_and_scores(sample_db, fast_yaml, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_db, db)
    no_truth = tmp_path / "no-truth"
    no_truth.mkdir()
    result = CliRunner().invoke(app, ["risk", "train", "--db", str(db), "--config",
                                      str(fast_yaml), "--months", "3", "--truth", str(no_truth),
                                      "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["model_id"] == 1 and out["months"] == 3 and out["people_scored"] > 100
    assert "ceiling_auc" not in out  # no ground truth given
    con = connect(db, read_only=True)
    try:
        row = con.execute("SELECT version, kind, months, data_from, data_to, features, metrics, "
                          "octet_length(model) FROM app_model").fetchall()
        scored = con.execute("SELECT count(*), count(*) FILTER (WHERE is_current) FROM "
                             "app_risk_score").fetchall()[0]
    finally:
        con.close()
    assert len(row) == 1
    version, kind, months, data_from, data_to, features, metrics, size = row[0]
    assert version.startswith("reoffending ") and kind == "poisson" and months == 3
    assert str(data_from) == "2021-01-01" and str(data_to) == "2022-12-31"
    assert "incident_rate" in json.loads(features)
    assert not {"sex", "ethnicity", "disability"} & set(json.loads(features))
    assert json.loads(metrics)["auc"] > 0.6 and size > 1000
    assert scored[1] > 100 and scored[0] > scored[1]


def test_the_summary_prints_missing_metrics_as_na():
    from pipelines.commands.risk import _summary_lines

    m = {"model": "poisson", "model_choice": "poisson alpha=0.1", "months": 6,
         "split": {"test_from": "2022-01-01", "test_to": "2022-06-01",
                   "training_outcomes_until": "2022-01-01"},
         "n_test": 15, "test_people": 5, "n_train": 40, "auc": None, "baseline_auc": None,
         "rule_auc": 0.5, "brier": 0.2, "baseline_brier": None, "calibration_slope": None,
         "calibration_intercept": None, "ceiling_auc": 0.7, "share_of_ceiling": None,
         "calibration": {"method": "none", "note": "no map: the calibration slice is too small"},
         "subgroups_flagged": []}
    text = "\n".join(_summary_lines(m))
    assert "AUC n/a (prior-count baseline n/a, rule 0.500)" in text
    assert "calibration slope n/a, intercept n/a" in text and "reaches n/a of it" in text
    assert "calibration map: none (no map: the calibration slice is too small)" in text


def test_train_never_says_the_warehouse_was_unchanged_after_storing_the_model(
        sample_db, fast_yaml, tmp_path, monkeypatch):
    import pipelines.commands.risk as cmd

    db = tmp_path / "w.duckdb"
    shutil.copy(sample_db, db)

    def broken(m):
        raise ValueError("cannot format")

    monkeypatch.setattr(cmd, "_summary_lines", broken)
    result = CliRunner().invoke(app, ["risk", "train", "--db", str(db), "--config",
                                      str(fast_yaml), "--months", "3"])
    assert result.exit_code == 3
    assert "the model was stored (model_id 1" in result.output
    assert "not changed" not in result.output
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM app_model").fetchone()[0] == 1
    finally:
        con.close()


def test_a_warehouse_holding_only_part_of_the_sample_gets_no_ceiling(tmp_path):
    from pipelines.risk import sample_ground_truth

    truth = Path(__file__).resolve().parents[2] / "data" / "sample" / "ground_truth"
    files = sorted({Path(f).name for f in
                    pd.read_csv(truth / "person_records.csv", usecols=["file"])["file"]})
    assert len(files) > 1
    synthetic = truth.parent / "synthetic"
    from pipelines.readers import file_sha256

    con = duckdb.connect()
    con.execute("CREATE TABLE raw_file (sha256 VARCHAR)")
    con.execute("CREATE TABLE core_person_link (person_record_id VARCHAR, person_id VARCHAR)")
    rec = pd.read_csv(truth / "person_records.csv", dtype=str).dropna(subset=["person_ref"])
    con.execute("INSERT INTO core_person_link VALUES (?, 'P1')",
                [rec["agency"].iloc[0] + ":" + rec["person_ref"].iloc[0]])
    con.execute("INSERT INTO raw_file VALUES (?)", [file_sha256(synthetic / files[0])])
    assert sample_ground_truth(con, truth) is None  # one people file of several: no ceiling
    for name in files[1:]:
        con.execute("INSERT INTO raw_file VALUES (?)", [file_sha256(synthetic / name)])
    assert sample_ground_truth(con, truth) is not None


def test_the_model_cards_headline_figures_are_the_shipped_builds(sample_db):
    """The model card's headline row equals `asb risk evaluate --json` on the sample (default
    settings), so the card cannot go stale silently."""
    import re

    card = (Path(__file__).resolve().parents[2] / "docs" / "model-card.md").read_text("utf-8")
    row = re.search(r"\| \*\*model \(Poisson regression\)\*\* \| (.*) \|", card)
    assert row, "the model card's headline row"
    auc, ap, brier, slope, intercept = [float(c.strip(" *").replace("−", "-"))
                                        for c in row.group(1).split("|")]
    result = CliRunner().invoke(app, ["risk", "evaluate", "--db", str(sample_db), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (auc, ap, brier) == (round(out["auc"], 3), round(out["average_precision"], 3),
                                round(out["brier"], 3))
    assert (slope, intercept) == (round(out["calibration_slope"], 2),
                                  round(out["calibration_intercept"], 2))
    assert f"reaches {out['share_of_ceiling']:.1%} of the ceiling" in card


def test_the_highest_risk_peoples_incident_history_is_one_factor_that_raises_the_risk(
        sample_db, fast_yaml, tmp_path):
    """Correlated counts (1/3/6/12 months, recency-weighted, the smoothed rate) explained one at
    a time contradicted each other ("13 incidents in 12 months lowers the risk; 10 ... raises
    it"): they are one factor, and for the people most at risk it raises the risk."""
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_db, db)
    result = CliRunner().invoke(app, ["risk", "train", "--db", str(db), "--config",
                                      str(fast_yaml), "--json"])
    assert result.exit_code == 0, result.output
    con = connect(db, read_only=True)
    try:
        top = con.execute("SELECT factors FROM app_risk_score WHERE is_current "
                          "ORDER BY risk DESC LIMIT 10").fetchall()
    finally:
        con.close()
    assert len(top) == 10
    count_words = ("incidents in the last", "incidents a month", "recent incidents",
                   "months with an incident", "days since the last incident")
    for (factors,) in top:
        texts = json.loads(factors) if isinstance(factors, str) else list(factors)
        about_counts = [t for t in texts if any(w in t for w in count_words)]
        assert len(about_counts) <= 1, texts
        assert about_counts and about_counts[0].endswith("raises the risk"), texts
        assert "in the last 12 months" in about_counts[0] and "(typical: " in about_counts[0]


def test_the_history_is_loaded_the_same_on_every_run(sample_db):
    """Ties (a person's commonest sex or date of birth; the first agency among incidents
    reported at the same moment) are broken by value, not by DuckDB's hash order, so the same
    warehouse gives the same features and figures on every run."""
    from pipelines.analysis import reoffending as rf
    from pipelines.config import load_config

    frames = []
    for _ in range(6):  # the old hash-order ties differed on about two runs in five
        con = connect(sample_db, read_only=True)
        try:
            h = rf.load_history(con, load_config())
        finally:
            con.close()
        frames.append((h.people.reset_index(drop=True), h.incidents.reset_index(drop=True),
                       h.actions.reset_index(drop=True)))
    for other in frames[1:]:
        for a, b in zip(frames[0], other, strict=True):
            pd.testing.assert_frame_equal(a, b)
