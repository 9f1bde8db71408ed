"""`asb risk evaluate` and `asb risk train` on the sample warehouse (quick settings)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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
