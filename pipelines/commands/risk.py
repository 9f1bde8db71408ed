"""``asb risk``: the reoffending risk model for the offender panel (docs/model-card.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["risk_app"]

risk_app = typer.Typer(help="Train and evaluate the reoffending risk model.",
                       no_args_is_help=True, add_completion=False)

_SAMPLE_TRUTH = Path(__file__).resolve().parents[2] / "data" / "sample" / "ground_truth"

DbOption = Annotated[Path, typer.Option("--db", help="The warehouse file.", envvar="ASB_DB")]
MonthsOption = Annotated[
    int | None, typer.Option("--months", min=1, max=24,
                             help="Outcome window in months (default: reoffending.months).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="A YAML file overriding the default "
                                                "configuration.", envvar="ASB_CONFIG")]
TruthOption = Annotated[
    Path, typer.Option("--truth", help="Ground truth folder (synthetic sample only): adds the "
                                       "ceiling AUC when this warehouse holds the sample.")]


def _summary_lines(m: dict[str, Any]) -> list[str]:
    lines = [
        f"model: {m['model']} ({m['model_choice']}), outcome within {m['months']} months",
        f"test {m['split']['test_from']} to {m['split']['test_to']}: {m['n_test']:,} person-dates "
        f"({m['test_people']:,} people); trained on {m['n_train']:,} with outcomes until "
        f"{m['split']['training_outcomes_until']}",
        f"AUC {m['auc']:.3f} (prior-count baseline {m['baseline_auc']:.3f}, rule "
        f"{m['rule_auc']:.3f})",
        f"Brier {m['brier']:.3f} (baseline {m['baseline_brier']:.3f}); calibration slope "
        f"{m['calibration_slope']:.2f}, intercept {m['calibration_intercept']:.2f}",
    ]
    if m.get("ceiling_auc") is not None:
        lines.append(f"ceiling (true risk, synthetic sample) AUC {m['ceiling_auc']:.3f}: the "
                     f"model reaches {m['share_of_ceiling']:.0%} of it")
    flagged = m.get("subgroups_flagged") or []
    lines.append("subgroups flagged: " + (", ".join(flagged) if flagged else "none"))
    return lines


@risk_app.command("evaluate")
def evaluate(
    db: DbOption,
    as_json: JsonOption = False,
    months: MonthsOption = None,
    config: ConfigOption = None,
    truth: TruthOption = _SAMPLE_TRUTH,
) -> None:
    """Validate the model on a temporal split (train on earlier dates, test on later ones)."""
    from ..analysis.reoffending import evaluate as run_evaluate
    from ..analysis.reoffending import load_history
    from ..config import load_config
    from ..risk import sample_ground_truth
    from ..warehouse import connect

    cfg = load_config(config)
    con = connect(db, read_only=True)
    try:
        history = load_history(con, cfg)
        gt = sample_ground_truth(con, truth)
    finally:
        con.close()
    result = run_evaluate(history, cfg, months=months, person_map=gt[0] if gt else None,
                          truth=gt[1] if gt else None).as_dict()
    if as_json:
        typer.echo(json.dumps(result))
        return
    for line in _summary_lines(result):
        typer.echo(line)


@risk_app.command("train")
def train(
    db: DbOption,
    as_json: JsonOption = False,
    months: MonthsOption = None,
    config: ConfigOption = None,
    truth: TruthOption = _SAMPLE_TRUTH,
) -> None:
    """Evaluate, fit the model on all the data, score everyone and store it in the warehouse."""
    from ..config import load_config
    from ..db import transaction
    from ..risk import train_and_store
    from ..warehouse import connect

    cfg = load_config(config)
    con = connect(db)
    try:
        with transaction(con):
            result = train_and_store(con, cfg, months=months, truth_dir=truth)
    finally:
        con.close()
    if as_json:
        typer.echo(json.dumps({"model_id": result.model_id, "version": result.version,
                               "scored_at": result.scored_at,
                               "people_scored": result.people_scored, **result.evaluation}))
        return
    typer.echo(f"stored {result.version} (model_id {result.model_id}); scored "
               f"{result.people_scored:,} people as at {result.scored_at}")
    for line in _summary_lines(result.evaluation):
        typer.echo(line)
