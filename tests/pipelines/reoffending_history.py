"""A small, seeded synthetic History for the reoffending and intervention tests (fast to fit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.analysis.reoffending import History

START, END = pd.Timestamp("2021-01-01"), pd.Timestamp("2023-01-01")


def synthetic_history(n_people: int = 80, seed: int = 7) -> History:
    """People with a steady monthly rate (lognormal), Poisson incidents over two years, a
    warning letter ten days after the third incident and an ABC after the sixth."""
    rng = np.random.default_rng(seed)
    days = (END - START).days
    inc, vic, act, ppl = [], [], [], []
    for i in range(n_people):
        pid = f"agency-{'AB'[i % 2]}:P{i:03d}"
        rate = float(rng.lognormal(-1.6, 0.9))  # incidents a month
        n = int(rng.poisson(rate * days / 30.44))
        when = np.sort(rng.integers(0, days, size=n))
        victims = [f"V{i:03d}-{k}" for k in range(int(rng.integers(1, 3)))]
        for j, d in enumerate(when):
            occurred = START + pd.Timedelta(days=int(d), hours=int(rng.integers(0, 24)))
            gid = f"G{i:03d}-{j:03d}"
            inc.append({"person_id": pid, "incident_group_id": gid, "known_at":
                        occurred + pd.Timedelta(hours=int(rng.integers(1, 72))),
                        "occurred_at": occurred, "agency": "Agency " + "AB"[i % 2],
                        "agencies": 1, "location_key": f"L{i}-{int(rng.integers(0, 3))}",
                        "category": rng.choice(["personal", "nuisance", "environmental"]),
                        "hate_related": bool(rng.random() < 0.03),
                        "imd_decile": int(rng.integers(1, 11))})
            vic.append({"person_id": pid, "incident_group_id": gid,
                        "victim_id": victims[j % len(victims)],
                        "known_at": inc[-1]["known_at"]})
            if j in (2, 5):
                act.append({"person_id": pid, "action": "warning letter" if j == 2 else "ABC",
                            "escalation_rank": 2 if j == 2 else 3, "action_group": None,
                            "known_at": (occurred + pd.Timedelta(days=10)).normalize(),
                            "origin": "action record", "outcome": "Sent"})
        ppl.append({"person_id": pid,
                    "date_of_birth": pd.Timestamp("1960-01-01")
                    + pd.Timedelta(days=int(rng.integers(0, 365 * 45))),
                    "sex": rng.choice(["male", "female"]), "ethnicity": None,
                    "disability": None})
    incidents = pd.DataFrame(inc)
    victims_df = pd.DataFrame(vic)
    actions = pd.DataFrame(act)
    for frame, cols in ((incidents, ["known_at", "occurred_at"]), (victims_df, ["known_at"]),
                        (actions, ["known_at"])):
        for c in cols:
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
    people = pd.DataFrame(ppl)
    people["date_of_birth"] = pd.to_datetime(people["date_of_birth"])
    return History(incidents, victims_df, actions, people, START, END)


def fast_config(base: dict) -> dict:
    """The configuration with a shorter test period and no comparison fits (quick tests)."""
    cfg = dict(base)
    cfg["reoffending"] = dict(base["reoffending"], compare=[], test_months=3,
                              validation_months=2)
    return cfg
