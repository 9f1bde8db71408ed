"""``asb risk``: the reoffending risk model for the offender panel (docs/model-card.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..analysis import format_metric
from ..errors import ConfigProblem

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
    split = m.get("split") or {}
    lines = [
        f"model: {m.get('model')} ({m.get('model_choice')}), outcome within {m.get('months')} "
        "months",
        f"test {split.get('test_from')} to {split.get('test_to')}: {format_metric(m.get('n_test'), ',')} "
        f"person-dates ({format_metric(m.get('test_people'), ',')} people); trained on "
        f"{format_metric(m.get('n_train'), ',')} with outcomes until "
        f"{split.get('training_outcomes_until')}",
        f"AUC {format_metric(m.get('auc'), '.3f')} (prior-count baseline "
        f"{format_metric(m.get('baseline_auc'), '.3f')}, rule {format_metric(m.get('rule_auc'), '.3f')})",
        f"Brier {format_metric(m.get('brier'), '.3f')} (baseline {format_metric(m.get('baseline_brier'), '.3f')}); "
        f"calibration slope {format_metric(m.get('calibration_slope'), '.2f')}, intercept "
        f"{format_metric(m.get('calibration_intercept'), '.2f')}",
    ]
    cal = m.get("calibration") or {}
    if cal:
        lines.append(f"calibration map: {cal.get('method')}"
                     + (f" ({cal['note']})" if cal.get("note") else ""))
    if m.get("ceiling_auc") is not None:
        lines.append(f"ceiling (true risk, synthetic sample) AUC {format_metric(m['ceiling_auc'], '.3f')}"
                     f": the model reaches {format_metric(m.get('share_of_ceiling'), '.0%')} of it")
    flagged = m.get("subgroups_flagged") or []
    lines.append("subgroups flagged: " + (", ".join(flagged) if flagged else "none"))
    return lines


def _check_truth(truth: Path) -> None:
    """Refuse a ``--truth`` folder that is not there (the shipped sample's own folder, the
    default, is used only when it is there; a folder without the ground-truth files, such as
    an empty one, gives no ceiling)."""
    if Path(truth) == _SAMPLE_TRUTH:
        return
    if not truth.exists():
        raise ConfigProblem(f"--truth {truth}: no such folder")
    if not truth.is_dir():
        raise ConfigProblem(f"--truth {truth} is a file: give the sample's ground_truth folder")


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

    _check_truth(truth)
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

    _check_truth(truth)
    cfg = load_config(config)
    con = connect(db, create=False)  # a model needs a warehouse with data: never make one
    try:
        with transaction(con):
            result = train_and_store(con, cfg, months=months, truth_dir=truth)
    finally:
        con.close()
    # The model is committed from here on: whatever goes wrong printing must say so, never
    # that the warehouse was not changed.
    try:
        if as_json:
            typer.echo(json.dumps({"model_id": result.model_id, "version": result.version,
                                   "scored_at": result.scored_at,
                                   "people_scored": result.people_scored,
                                   **result.evaluation}))
            return
        typer.echo(f"stored {result.version} (model_id {result.model_id}); scored "
                   f"{format_metric(result.people_scored, ',')} people as at {result.scored_at}")
        for line in _summary_lines(result.evaluation):
            typer.echo(line)
    except Exception as exc:  # noqa: BLE001 - reported, with what was stored
        typer.echo(f"error: the model was stored (model_id {result.model_id}, "
                   f"{result.version}) but its summary could not be printed: "
                   f"{type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(3) from exc
