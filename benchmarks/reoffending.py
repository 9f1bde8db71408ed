"""Reoffending model on a warehouse: print the evaluation, optionally draw the model card figures.

    python benchmarks/reoffending.py --db data/warehouse.duckdb [--figures docs/figures]

Prints the test metrics against the baselines (and the ceiling on the synthetic sample), the
families compared, the subgroups flagged, and the time each step took. With ``--figures`` it
writes the reliability plot, the survival curves by action and the subgroup error rates as
PNG files (the ones docs/model-card.md shows).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.analysis import interventions as iv
from pipelines.analysis import reoffending as rf
from pipelines.config import load_config
from pipelines.risk import sample_ground_truth

TRUTH = Path(__file__).resolve().parents[1] / "data" / "sample" / "ground_truth"


def _figures(ev: rf.Evaluation, history: rf.History, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    written = []
    # reliability: model and prior-count baseline
    fig, ax = plt.subplots(figsize=(5.2, 5))
    ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--", label="perfect calibration")
    for column, name, colour in (("risk", f"model ({ev.model.kind})", "#1f5f99"),
                                 ("baseline", "prior-count baseline", "#c0392b")):
        t = rf.reliability_table(ev.test["label"], ev.test[column])
        t = t[t["n"] >= 20]
        ax.errorbar(t["mean_predicted"], t["observed"],
                    yerr=[t["observed"] - t["observed_low"], t["observed_high"] - t["observed"]],
                    marker="o", ms=4, lw=1.5, capsize=2, color=colour, label=name)
    m = ev.metrics
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted risk (6 months)",
           ylabel="observed share named again",
           title=f"Reliability on the test dates\nslope {m.calibration_slope:.2f}, intercept "
                 f"{m.calibration_intercept:.2f}, Brier {m.brier:.3f}")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path = out / "reoffending-reliability.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    # survival curves by action (everyone)
    ep = iv.intervention_episodes(history.actions, history.incidents, history.data_end)
    res = iv.survival_curves(ep, ("action",), min_actions=30)
    top = res.summary[~res.summary["suppressed"]].nlargest(6, "actions")["action"]
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for action in top:
        c = res.curves[res.curves["action"] == action]
        line = ax.step(c["days"], c["survival"], where="post", lw=1.8, label=action)[0]
        ax.fill_between(c["days"], c["lower"], c["upper"], step="post", alpha=0.15,
                        color=line.get_color())
    ax.set(xlim=(0, 365), ylim=(0, 1.02), xlabel="days since the action",
           ylabel="share not named in a new incident",
           title="Time to the next incident after each action (observational)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "interventions-survival.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    # subgroup error rates
    sg = ev.subgroups[(ev.subgroups["n"] >= 30)
                      & (ev.subgroups["attribute"].isin(["age_band", "sex", "imd_band"]))]
    labels = sg["attribute"].str.replace("_band", "") + ": " + sg["group"]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(sg) + 1.6))
    y = range(len(sg))
    ax.barh([i + 0.2 for i in y], sg["fpr"], height=0.4, label="false positive rate",
            color="#1f5f99")
    ax.barh([i - 0.2 for i in y], sg["fnr"], height=0.4, label="false negative rate",
            color="#d35400")
    for i, flag in zip(y, sg["flag"], strict=True):
        if flag:
            ax.text(1.01, i, "flagged", va="center", fontsize=7, color="#c0392b")
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.set(xlim=(0, 1.12), xlabel=f"error rate at risk ≥ {ev.threshold:.0%}",
           title="Error rates by subgroup (test dates)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    fig.tight_layout()
    path = out / "reoffending-subgroups.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--figures", type=Path)
    parser.add_argument("--months", type=int)
    args = parser.parse_args()
    cfg = load_config()
    started = time.perf_counter()
    con = duckdb.connect(str(args.db), read_only=True)
    try:
        history = rf.load_history(con, cfg)
        truth = sample_ground_truth(con, TRUTH)
    finally:
        con.close()
    loaded = time.perf_counter()
    ev = rf.evaluate(history, cfg, months=args.months, person_map=truth[0] if truth else None,
                     truth=truth[1] if truth else None)
    done = time.perf_counter()
    d = ev.as_dict()
    print(f"history: {len(history.incidents):,} person-incidents, {len(history.actions):,} "
          f"actions, {history.data_start.date()} to {history.data_end.date()} "
          f"({loaded - started:.1f}s)")
    print(f"split: {d['split']}")
    print(f"n_train {d['n_train']:,}  n_test {d['n_test']:,} ({d['test_people']:,} people), "
          f"prevalence {d['prevalence']:.3f}")
    print(f"AUC      model {d['auc']:.4f}  baseline {d['baseline_auc']:.4f}  rule "
          f"{d['rule_auc']:.4f}" + (f"  ceiling {d['ceiling_auc']:.4f} "
                                    f"({d['share_of_ceiling']:.1%} of it)"
                                    if "ceiling_auc" in d else ""))
    print(f"AP       model {d['average_precision']:.4f}  baseline "
          f"{d['baseline_average_precision']:.4f}  rule {d['rule_average_precision']:.4f}")
    print(f"Brier    model {d['brier']:.4f}  baseline {d['baseline_brier']:.4f}  rule "
          f"{d['rule_brier']:.4f}")
    print(f"calibration slope {d['calibration_slope']:.3f}  intercept "
          f"{d['calibration_intercept']:.3f}  (baseline {d['baseline_calibration_slope']:.3f} / "
          f"{d['baseline_calibration_intercept']:.3f})")
    print("families: " + ", ".join(
        f"{k} AUC {v['auc']:.4f} slope {v['calibration_slope']:.2f} intercept "
        f"{v['calibration_intercept']:.2f}" for k, v in d["compared"].items()))
    print(f"flagged subgroups: {', '.join(d['subgroups_flagged']) or 'none'}")
    print(f"evaluate: {done - loaded:.1f}s")
    pd.set_option("display.width", 200)
    print(ev.subgroups[["attribute", "group", "n", "people", "prevalence", "mean_predicted",
                        "auc", "fpr", "fnr", "flag"]].round(3).to_string(index=False))
    if args.figures:
        for path in _figures(ev, history, args.figures):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
