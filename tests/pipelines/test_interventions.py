"""Which interventions work: episodes, Kaplan–Meier curves checked by hand, risk bands."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.analysis import interventions as iv
from tests.pipelines.reoffending_history import synthetic_history

END = "2021-12-31"


def _episodes() -> pd.DataFrame:
    acts = pd.DataFrame({
        "person_id": ["a", "b", "c", "d", "e", "a"],
        "action": ["ABC"] * 5 + ["ABC"],
        "known_at": pd.to_datetime(["2021-03-01"] * 5 + ["2021-03-01"]),  # a's is a duplicate
    })
    inc = pd.DataFrame({
        "person_id": ["a", "b", "c", "d", "e", "a", "b", "c", "e"],
        "occurred_at": pd.to_datetime([
            "2021-02-01", "2021-02-01", "2021-02-01", "2021-02-01", "2021-02-01",  # before
            "2021-03-11",   # a: 10 days
            "2021-03-01",   # b: same day as the action: not "next"
            "2021-04-10",   # c: 40 days
            "2022-03-01",   # e: after the end of the data
        ]),
    })
    return iv.intervention_episodes(acts, inc, END, follow_up_days=365)


def test_episodes_time_to_the_next_incident_or_censoring():
    ep = _episodes().set_index("person_id")
    assert len(ep) == 5  # the duplicate action counts once
    assert ep.loc["a", ["days", "event"]].tolist() == [10, 1]
    assert ep.loc["c", ["days", "event"]].tolist() == [40, 1]
    # b's only later incident is on the action's own day; d and e have none by the end
    days_to_end = (pd.Timestamp(END) - pd.Timestamp("2021-03-01")).days
    for pid in "bde":
        assert ep.loc[pid, ["days", "event"]].tolist() == [days_to_end, 0]


def test_follow_up_stops_the_clock():
    acts = pd.DataFrame({"person_id": ["a"], "action": ["CPW"],
                         "known_at": pd.to_datetime(["2021-01-10"])})
    inc = pd.DataFrame({"person_id": ["a", "a"],
                        "occurred_at": pd.to_datetime(["2021-01-01", "2021-06-01"])})
    ep = iv.intervention_episodes(acts, inc, END, follow_up_days=90)
    assert ep[["days", "event"]].values.tolist() == [[90, 0]]


def test_actions_for_people_never_named_are_not_interventions():
    acts = pd.DataFrame({"person_id": ["victim", "perp"], "action": ["support referral"] * 2,
                         "known_at": pd.to_datetime(["2021-03-01"] * 2)})
    inc = pd.DataFrame({"person_id": ["perp"], "occurred_at": pd.to_datetime(["2021-02-01"])})
    ep = iv.intervention_episodes(acts, inc, END)
    assert ep["person_id"].tolist() == ["perp"]


def test_kaplan_meier_by_hand():
    # five people: events at 10 and 40 days, three censored at 305 days.
    # S(10) = 4/5; S(40) = 4/5 * 3/4 = 3/5; named again within 90 days = 2/5
    res = iv.survival_curves(_episodes(), min_actions=5, horizons=[5, 20, 90])
    row = res.summary.iloc[0]
    assert row["actions"] == 5 and row["events"] == 2
    assert row["named_again_5d"] == 0.0
    assert row["named_again_20d"] == pytest.approx(0.2)
    assert row["named_again_90d"] == pytest.approx(0.4)
    assert row["named_again_90d_low"] < 0.4 < row["named_again_90d_high"]
    assert row["median_days"] is None or pd.isna(row["median_days"])  # 60% never seen again
    curve = res.curves.set_index("days")["survival"]
    assert curve.loc[10] == pytest.approx(0.8) and curve.loc[40] == pytest.approx(0.6)
    assert (res.curves["lower"] <= res.curves["survival"]).all()
    assert (res.curves["survival"] <= res.curves["upper"]).all()


def test_small_groups_are_suppressed():
    res = iv.survival_curves(_episodes(), min_actions=10)
    assert res.summary["suppressed"].all()
    assert res.curves.empty
    assert "observational" in res.warning and "harder cases" in res.warning


def test_each_action_takes_the_band_scored_before_it():
    acts = pd.DataFrame({"person_id": ["a", "a"], "action": ["ABC", "CPW"],
                         "known_at": pd.to_datetime(["2021-03-15", "2021-05-20"])})
    inc = pd.DataFrame({"person_id": ["a"], "occurred_at": pd.to_datetime(["2021-01-01"])})
    risk = pd.DataFrame({"person_id": ["a"] * 3, "band": ["low", "medium", "high"],
                         "index_date": pd.to_datetime(["2021-03-01", "2021-05-01",
                                                       "2021-06-01"])})
    ep = iv.intervention_episodes(acts, inc, END, risk=risk).set_index("action")
    assert ep.loc["ABC", "risk_band"] == "low"
    assert ep.loc["CPW", "risk_band"] == "medium"  # June's band is after the action


def test_curves_by_band_and_action_on_a_larger_history():
    h = synthetic_history()
    ep = iv.intervention_episodes(h.actions, h.incidents, h.data_end)
    ep["risk_band"] = iv.prior_count_band(ep.rename(columns={"action_date": "known_at"}),
                                          h.incidents[["person_id", "known_at"]]).to_numpy()
    res = iv.survival_curves(ep, ("risk_band", "action"), min_actions=5)
    assert set(res.summary.columns) >= {"risk_band", "action", "actions", "events",
                                        "named_again_180d", "suppressed"}
    drawn = res.summary[~res.summary["suppressed"]]
    assert not drawn.empty
    assert drawn["named_again_180d"].between(0, 1).all()
    assert set(res.curves["action"]) == set(drawn["action"])
