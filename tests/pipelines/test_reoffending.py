"""The reoffending model: no leakage, a strictly temporal split, metrics checked by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from pipelines.analysis import reoffending as rf
from pipelines.config import load_config
from tests.pipelines.reoffending_history import fast_config, synthetic_history

AT = pd.Timestamp("2022-01-01")


@pytest.fixture(scope="module")
def history() -> rf.History:
    return synthetic_history()


@pytest.fixture(scope="module")
def evaluation(history: rf.History) -> rf.Evaluation:
    return rf.evaluate(history, fast_config(load_config()), check_leakage=False)


def _someone(history: rf.History) -> str:
    return str(rf.features_at(history, AT).index[0])


def _plant(history: rf.History, pid: str, when: pd.Timestamp, *,
           occurred: pd.Timestamp | None = None) -> rf.History:
    """The history plus, for ``pid``, one incident known at ``when`` (with a new victim and an
    injunction the same day)."""
    occurred = when if occurred is None else occurred
    inc = pd.DataFrame([{"person_id": pid, "incident_group_id": "planted", "known_at": when,
                         "occurred_at": occurred, "agency": "Agency A", "agencies": 3,
                         "location_key": "planted-place", "category": "personal",
                         "hate_related": True, "imd_decile": 1}])
    vic = pd.DataFrame([{"person_id": pid, "incident_group_id": "planted",
                         "victim_id": "planted-victim", "known_at": when}])
    act = pd.DataFrame([{"person_id": pid, "action": "civil injunction", "escalation_rank": 6,
                         "action_group": None, "known_at": when, "origin": "action record",
                         "outcome": "Granted"}])
    return rf.History(
        pd.concat([history.incidents, inc.astype(history.incidents.dtypes.to_dict())],
                  ignore_index=True),
        pd.concat([history.victims, vic], ignore_index=True),
        pd.concat([history.actions, act], ignore_index=True),
        history.people, history.data_start, history.data_end)


# --------------------------------------------------------------------------------------------
# Leakage


@pytest.mark.parametrize("when", [AT, AT + pd.Timedelta(seconds=1), AT + pd.Timedelta(days=40)])
def test_an_incident_on_or_after_the_index_date_changes_no_feature(history, when):
    before = rf.features_at(history, AT)
    planted = _plant(history, _someone(history), when)
    pd.testing.assert_frame_equal(rf.features_at(planted, AT), before)


def test_an_incident_reported_after_the_index_date_is_unknown_then_even_if_it_happened_before(
        history):
    before = rf.features_at(history, AT)
    planted = _plant(history, _someone(history), AT + pd.Timedelta(days=3),
                     occurred=AT - pd.Timedelta(days=20))
    pd.testing.assert_frame_equal(rf.features_at(planted, AT), before)


def test_an_incident_just_before_the_index_date_does_change_the_features(history):
    pid = _someone(history)
    planted = _plant(history, pid, AT - pd.Timedelta(seconds=1))
    after = rf.features_at(planted, AT)
    before = rf.features_at(history, AT)
    assert after.loc[pid, "incidents_3m"] == before.loc[pid, "incidents_3m"] + 1
    assert after.loc[pid, "max_escalation_rank"] == 6
    assert after.loc[pid, "days_since_last_incident"] == 0


def test_the_leakage_guard_refuses_a_feature_computed_from_later_data(history):
    def leaky(h: rf.History, index_date, **kw):
        f = rf.features_at(h, index_date, **kw)
        every = h.incidents.groupby("person_id")["incident_group_id"].nunique()  # no cut!
        return f.assign(incidents_ever=every.reindex(f.index).fillna(0))

    with pytest.raises(rf.LeakageError, match="incidents_ever"):
        rf.assert_no_leakage(history, AT, build=leaky)


def test_the_leakage_guard_refuses_a_scored_list_chosen_with_later_data(history):
    def leaky(h: rf.History, index_date, **kw):
        f = rf.features_at(h, index_date, **kw)
        later = set(h.incidents.loc[h.incidents["known_at"] >= index_date, "person_id"])
        return f[f.index.isin(later)]  # only people who turn up again: a future fact

    with pytest.raises(rf.LeakageError, match="who is scored"):
        rf.assert_no_leakage(history, AT, build=leaky)


@pytest.mark.parametrize("month", ["2021-06-01", "2022-01-01", "2022-09-01"])
def test_the_real_feature_builder_passes_the_guard(history, month):
    rf.assert_no_leakage(history, month)


def test_protected_characteristics_are_never_features(history):
    f = rf.features_at(history, AT)
    features = rf.feature_columns(f)
    for protected in ("sex", "ethnicity", "disability", "religion", "imd_band", "age_band"):
        assert protected not in features
        assert not any(c.startswith(protected) for c in features)
    assert {"sex", "ethnicity", "disability", "imd_band"} <= set(f.columns)  # audit only


def test_only_known_features_are_inputs(history):
    # a column added to the frame (an outcome, a score, a note) never becomes a model input
    f = rf.features_at(history, AT)
    features = rf.feature_columns(f)
    assert len(features) >= 20 and "incidents_12m" in features
    grown = f.assign(incidents_next_6m=1.0, panel_score=0.5, share_label=1.0)
    assert rf.feature_columns(grown) == features


# --------------------------------------------------------------------------------------------
# Labels and the temporal split


def test_outcomes_count_incidents_that_happen_inside_the_window(history):
    pid = _someone(history)
    planted = _plant(history, pid, AT + pd.DateOffset(months=6))  # the first day after it
    y6 = rf.outcomes_after(history, AT, 6)
    assert rf.outcomes_after(planted, AT, 6).equals(y6)
    planted = _plant(history, pid, AT + pd.DateOffset(months=6) - pd.Timedelta(seconds=1))
    assert rf.outcomes_after(planted, AT, 6).loc[pid, "events"] == (
        y6["events"].get(pid, 0) + 1)


def test_an_outcome_window_past_the_end_of_the_data_is_refused_unless_cut(history):
    with pytest.raises(rf.AnalysisProblem, match="past the end of the data"):
        rf.outcomes_after(history, "2022-09-01", 6)
    cut = rf.outcomes_after(history, "2022-09-01", 6, cutoff=history.data_end)
    assert cut.attrs["exposure"] == pytest.approx(4.0, abs=0.05)
    assert not cut.attrs["complete"]


def test_the_split_puts_every_training_date_before_every_test_date(history):
    dates = rf.index_dates(history, 6, 3)
    split = rf.temporal_split(dates, 6, test_dates=6, validation_dates=3)
    assert max(split.fit) < min(split.validate)
    assert max(split.validate) < min(split.test) == split.cutoff
    assert sorted(split.fit + split.validate + split.test) == dates
    assert all(d + pd.DateOffset(months=6) <= history.data_end for d in split.test)
    with pytest.raises(rf.AnalysisProblem, match="after every training date"):
        rf.TemporalSplit(split.fit, split.test[:1], split.test, 6).check()


def test_training_outcomes_stop_at_the_first_test_date(history, evaluation):
    cutoff = evaluation.split.cutoff
    assert evaluation.model.outcomes_until == str(cutoff.date())
    train = rf.build_dataset(history, evaluation.split.train, 6, cutoff=cutoff,
                             check_leakage=False).rows
    assert (pd.to_datetime(train["index_date"]) + pd.to_timedelta(
        train["exposure"] * 365.25 / 12, unit="D") <= cutoff + pd.Timedelta(days=1)).all()
    assert not train.loc[pd.to_datetime(train["index_date"]) == max(evaluation.split.train),
                         "complete"].any()


def test_the_fitted_model_cannot_see_the_test_period(history, evaluation):
    """Plant a burst of new incidents in the test period for people in the training data: the
    model fitted must be exactly the same."""
    cfg = fast_config(load_config())
    train = rf.build_dataset(history, evaluation.split.train, 6, check_leakage=False,
                             cutoff=evaluation.split.cutoff).rows
    planted = history
    for pid in train["person_id"].unique()[:15]:
        for k in range(3):
            planted = _plant(planted, pid, evaluation.split.cutoff + pd.Timedelta(days=5 + k))
    again = rf.evaluate(planted, cfg, check_leakage=False)
    probe = train.sample(50, random_state=1)
    np.testing.assert_allclose(again.model.predict(probe), evaluation.model.predict(probe))
    assert again.n_train == evaluation.n_train
    assert again.metrics.n >= evaluation.metrics.n  # the test period did change


# --------------------------------------------------------------------------------------------
# Metrics on small examples worked by hand


def test_auc_and_brier_by_hand():
    # positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 0.35>0.1, 0.8>0.1, 0.8>0.4 = 3 of 4
    m = rf.binary_metrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    assert m.auc == pytest.approx(0.75)
    # ((0.1)^2 + (0.4)^2 + (0.65)^2 + (0.2)^2) / 4
    assert m.brier == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert m.prevalence == 0.5 and m.mean_predicted == pytest.approx(0.4125)


def test_calibration_slope_and_intercept_by_hand():
    # p = 0.5 observed 1 in 4, p = 0.8 observed 3 in 4. Regression on logit(p) passes through
    # both points: logit(1/4) = -ln 3 at x = 0 and logit(3/4) = ln 3 at x = ln 4, so the slope
    # is 2 ln 3 / ln 4 = ln 3 / ln 2.
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    p = [0.5] * 4 + [0.8] * 4
    intercept, slope = rf.calibration_intercept_slope(y, p)
    assert slope == pytest.approx(math.log(3) / math.log(2), abs=1e-6)
    # with the slope fixed at 1, the intercept a solves sum(expit(a + logit p)) = 4
    a = intercept
    expected = 4 * (1 / (1 + math.exp(-a))) + 4 * (1 / (1 + math.exp(-(a + math.log(4)))))
    assert expected == pytest.approx(4.0, abs=1e-6)


def test_calibration_in_the_large_by_hand():
    # everyone predicted 0.5, three in four named again: intercept logit(0.75) = ln 3
    intercept, slope = rf.calibration_intercept_slope([1, 1, 1, 0] * 5, [0.5] * 20)
    assert intercept == pytest.approx(math.log(3), abs=1e-6)
    assert math.isnan(slope)  # one predicted value: no slope to estimate


def test_perfect_calibration_has_intercept_zero_and_slope_one():
    y = [1] + [0] * 4 + [1] * 4 + [0]
    p = [0.2] * 5 + [0.8] * 5
    intercept, slope = rf.calibration_intercept_slope(y, p)
    assert intercept == pytest.approx(0.0, abs=1e-6)
    assert slope == pytest.approx(1.0, abs=1e-6)


def test_rate_recalibration_by_hand():
    # Two groups observed for 2 months: predicted rates 0.1 and 0.4 a month, observed
    # P(named again) 1 - exp(-2 x 0.2) and 1 - exp(-2 x 0.3). The map rate' = exp(a) rate^b
    # passes through both: b = ln(0.3 / 0.2) / ln(4), a = ln 0.2 - b ln 0.1.
    n = 20000
    q1, q2 = -math.expm1(-0.4), -math.expm1(-0.6)
    k1, k2 = round(q1 * n), round(q2 * n)
    y = [1] * k1 + [0] * (n - k1) + [1] * k2 + [0] * (n - k2)
    p = [-math.expm1(-0.2)] * n + [-math.expm1(-0.8)] * n
    a, b = rf.fit_rate_calibration(y, p, [2.0] * (2 * n))
    b_exp = math.log(1.5) / math.log(4)
    assert b == pytest.approx(b_exp, abs=2e-3)
    assert a == pytest.approx(math.log(0.2) - b_exp * math.log(0.1), abs=5e-3)
    assert rf.fit_rate_calibration([1, 1], [0.3, 0.6], [6, 6]) == (0.0, 1.0)


def test_slope_shrinkage_by_hand():
    # w = max(0, 1 - se^2 / (b - 1)^2): b = 0.5, se = 0.25 -> w = 0.75 -> 1 - 0.75 x 0.5
    assert rf.shrink_slope(0.5, 0.25) == pytest.approx(0.625)
    assert rf.shrink_slope(1.4, 0.1) == pytest.approx(1 + 0.4 * (1 - 0.01 / 0.16))
    assert rf.shrink_slope(0.8, 0.25) == 1.0  # within one standard error of 1: no slope
    assert rf.shrink_slope(0.3, 0.0) == pytest.approx(0.3)  # certain: kept


def test_shrunk_recalibration_by_hand():
    # No spread to fit a slope on: the slope stays 1 and the intercept is logit(3/4) - logit(1/2)
    a, b, se = rf.fit_shrunk_calibration([1, 1, 1, 0] * 5, [0.5] * 20)
    assert (a, b) == (pytest.approx(math.log(3)), 1.0) and math.isnan(se)
    # Two groups at p 0.2 and 0.8 observed at 0.3 and 0.7: the unshrunk map passes through
    # both, b = logit(0.7) / logit(0.8) = 0.611. With 1000 rows a group the slope is sure
    # (se ~ 0.04), so it is kept almost whole; with 10 rows a group (se ~ 0.35) it is pulled
    # most of the way back to 1. The intercept is 0 by symmetry either way.
    def groups(n):
        y = [1] * (3 * n) + [0] * (7 * n) + [1] * (7 * n) + [0] * (3 * n)
        return y, [0.2] * (10 * n) + [0.8] * (10 * n)
    b_full = math.log(7 / 3) / math.log(4)
    a, b, se = rf.fit_shrunk_calibration(*groups(100))
    se_100 = se
    assert rf.fit_calibration(*groups(100))[1] == pytest.approx(b_full)
    assert b == pytest.approx(rf.shrink_slope(b_full, se)) and b_full < b < b_full + 0.01
    assert a == pytest.approx(0.0, abs=1e-9)
    a, b, se = rf.fit_shrunk_calibration(*groups(1))
    assert 0.3 < se < abs(b_full - 1) and a == pytest.approx(0.0, abs=1e-9)
    assert b == pytest.approx(rf.shrink_slope(b_full, se)) and b > 0.9
    # Rows of one person count once for the standard error: 40 people on 50 index dates each,
    # each person named again on all their dates or on none (their rows as correlated as can
    # be), know about as much as 40 rows, far less than 2000 independent rows would
    rng = np.random.default_rng(11)
    risk = rng.uniform(0.1, 0.9, 40)
    named = (rng.random(40) < risk).astype(int)
    y, p = np.repeat(named, 50), np.repeat(risk, 50)
    person = np.repeat(np.arange(40), 50)
    _, _, se_rows = rf.fit_shrunk_calibration(y, p, np.arange(2000))
    _, _, se_people = rf.fit_shrunk_calibration(y, p, person)
    assert se_people > 3 * se_rows
    y, p = groups(100)
    _, _, se_each = rf.fit_shrunk_calibration(y, p, list(range(len(y))))
    assert se_each == pytest.approx(se_100)  # one row a person is the default


def test_the_default_recalibration_is_shrunk_and_stored(history):
    cfg = fast_config(load_config())
    cfg["reoffending"]["compare"] = []
    ev = rf.evaluate(history, cfg, check_leakage=False)
    cal = ev.model.validation["calibration"]
    assert cal["method"] == "shrunk" and ev.model.calibration_scale == "logit"
    assert ev.model.calibration == (pytest.approx(cal["intercept"], abs=1e-4),
                                    pytest.approx(cal["slope"], abs=1e-4))
    assert cal["slope"] == pytest.approx(rf.shrink_slope(cal["fitted_slope"], cal["slope_se"]),
                                         abs=1e-3)


@pytest.mark.parametrize("how", ["complete", "recent", "none"])
def test_the_other_recalibrations_fit_store_and_predict(history, how):
    cfg = fast_config(load_config())
    cfg["reoffending"]["calibration"] = how
    cfg["reoffending"]["compare"] = []
    ev = rf.evaluate(history, cfg, check_leakage=False)
    cal = ev.model.validation.get("calibration")
    if how == "none":
        assert cal is None and ev.model.calibration == (0.0, 1.0)
    elif how == "complete":
        assert cal["method"] == "complete" and cal["slope_se"] is None
    else:
        assert cal["scale"] == "rate" and ev.model.calibration_scale == "rate"
        assert cal["dates"] == [str(d.date()) for d in ev.split.validate]
    again = rf.model_from_bytes(rf.model_bytes(ev.model))
    f = rf.features_at(history, AT)
    np.testing.assert_allclose(again.predict(f), ev.model.predict(f))
    assert ((ev.test["risk"] > 0) & (ev.test["risk"] < 1)).all()


def test_an_unknown_recalibration_is_refused(history):
    cfg = fast_config(load_config())
    cfg["reoffending"]["calibration"] = "isotonic"
    cfg["reoffending"]["compare"] = []
    with pytest.raises(rf.AnalysisProblem, match="unknown recalibration"):
        rf.evaluate(history, cfg, check_leakage=False)


def test_reliability_table_by_hand():
    t = rf.reliability_table([0, 1, 1, 0, 1], [0.12, 0.18, 0.55, 0.58, 0.95], bins=10)
    assert t["bin_from"].tolist() == [0.1, 0.5, 0.9]
    assert t["n"].tolist() == [2, 2, 1]
    assert t["observed"].tolist() == [0.5, 0.5, 1.0]
    assert t["mean_predicted"].tolist() == pytest.approx([0.15, 0.565, 0.95])


def test_subgroup_audit_flags_a_group_whose_error_rates_differ():
    n = 200
    frame = pd.DataFrame({
        "person_id": [f"p{i}" for i in range(2 * n)],
        "group": ["a"] * n + ["b"] * n,
        "label": [0, 1] * n,
        # group a: flagged exactly when named again; group b: everyone flagged
        "risk": [0.2, 0.8] * (n // 2) + [0.9, 0.9] * (n // 2),
    })
    audit = rf.subgroup_audit(frame, ["group"], threshold=0.5).set_index("group")
    assert audit.loc["a", "fpr"] == 0.0 and audit.loc["b", "fpr"] == 1.0
    assert audit.loc["b", "flag"] and "false positive rate 100%" in audit.loc["b", "reason"]
    small = rf.subgroup_audit(frame.head(20), ["group"], threshold=0.5)
    assert not small["flag"].any()
    assert small["reason"].str.contains("people: not assessed").all()


def test_the_ceiling_uses_the_true_risk_at_the_end_of_the_month_before(history):
    test = pd.DataFrame({"person_id": ["x", "y", "z", "w"],
                         "index_date": pd.to_datetime(["2022-02-01"] * 4),
                         "label": [1, 0, 1, 0]})
    pmap = pd.DataFrame({"person_id": ["x", "y", "z", "w"], "true_person_id": list("XYZW")})
    truth = pd.DataFrame({
        "true_person_id": list("XYZW") * 2, "month": ["2022-01"] * 4 + ["2022-02"] * 4,
        "monthly_rate": [0.1] * 8, "true_risk_6m": [0.9, 0.1, 0.8, 0.2, 0.0, 1.0, 0.0, 1.0],
        "next_6m_incident": [1, 0, 1, 0, 1, 0, 1, 0]})
    ceiling = rf.ground_truth_ceiling(test, pmap, truth, 6)
    assert ceiling.auc == 1.0  # January's risks rank perfectly; February's would be 0
    assert ceiling.coverage == 1.0 and ceiling.n == 4


# --------------------------------------------------------------------------------------------
# The model, end to end on the small history


def test_evaluate_reports_what_the_issue_asks(evaluation):
    out = json.loads(json.dumps(evaluation.as_dict()))
    for key in ("auc", "baseline_auc", "rule_auc", "brier", "calibration_slope",
                "calibration_intercept", "n_train", "n_test", "subgroups", "reliability",
                "precision_recall", "split"):
        assert key in out
    assert 0.5 < out["auc"] <= 1 and 0 < out["brier"] < 0.5
    assert out["n_test"] == len(evaluation.test) and out["n_train"] > out["n_test"]
    assert {s["attribute"] for s in out["subgroups"]} >= {"age_band", "sex"}
    assert "ceiling_auc" not in out  # no ground truth given


def test_explanations_name_the_factor_that_moves_the_risk(history, evaluation):
    model = evaluation.model
    f = rf.features_at(history, AT)
    busy = f.sort_values("incidents_12m").tail(1)
    (factors,) = model.explain(busy, top=3)
    assert factors and factors[0].text.endswith("the risk")
    assert any("raises" in x.text for x in factors)
    assert all(abs(x.effect) >= 0.05 for x in factors)


def test_a_stored_model_predicts_the_same(history, evaluation):
    again = rf.model_from_bytes(rf.model_bytes(evaluation.model))
    f = rf.features_at(history, AT)
    np.testing.assert_allclose(again.predict(f), evaluation.model.predict(f))


def test_score_people_gives_a_band_and_factors_for_everyone(history, evaluation):
    scores = rf.score_people(evaluation.model, history, history.data_end, load_config())
    assert len(scores) == len(rf.features_at(history, history.data_end))
    assert scores["risk"].between(0, 1).all()
    assert set(scores["band"]) <= {"high", "medium", "low"}
    assert scores["factors"].map(lambda x: isinstance(x, list)).all()


# --------------------------------------------------------------------------------------------
# The calibration map stays sane on small or odd data


def test_a_calibration_slice_of_a_few_people_gets_no_map():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.2, 0.9, 15)
    y = (rng.random(15) < p).astype(int)
    cal = rf.calibration_map(y, p, [i % 5 for i in range(15)])  # five people, three dates
    assert cal["method"] == "none" and (cal["intercept"], cal["slope"]) == (0.0, 1.0)
    assert cal["people"] == 5 and cal["rows"] == 15 and "too small" in cal["note"]


def test_a_middling_calibration_slice_gets_an_intercept_only():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.2, 0.8, 90)
    y = (rng.random(90) < p).astype(int)
    cal = rf.calibration_map(y, p, [i % 30 for i in range(90)])  # 30 people: below 50
    assert cal["method"] == "intercept only" and cal["slope"] == 1.0
    assert cal["fitted_slope"] is None and "too small for a slope" in cal["note"]


def test_the_calibration_slope_is_clamped_and_never_reverses_the_ranking():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.1, 0.9, 600)
    y = (rng.random(600) < 1 - p).astype(int)  # the risks rank exactly the wrong way
    for method in ("shrunk", "complete"):
        cal = rf.calibration_map(y, p, range(600), method)
        assert cal["slope"] == rf.CALIBRATION_SLOPE_RANGE[0] > 0, method
        assert cal["fitted_slope"] < 0 and "clamped" in cal["note"]
    a, b, _ = rf.fit_shrunk_calibration(y, p, range(600))
    assert b == rf.CALIBRATION_SLOPE_RANGE[0]
    # far too flat: the fitted slope would be ~5, the map spreads at most twice
    q = rf._expit(0.2 * rf._logit(p))
    y2 = (rng.random(600) < p).astype(int)
    cal = rf.calibration_map(y2, q, range(600), "complete")
    assert cal["fitted_slope"] > 2 and cal["slope"] == rf.CALIBRATION_SLOPE_RANGE[1]


def test_separated_outcomes_do_not_converge_and_fall_back_to_an_intercept():
    p = np.linspace(0.05, 0.95, 200)
    y = (p > 0.5).astype(int)  # the risks separate the outcomes: no finite slope
    beta, ok = rf._logistic_irls(rf._logit(p), y.astype(float), np.zeros(200))
    assert not ok
    cal = rf.calibration_map(y, p, range(200))
    assert cal["method"] == "intercept only" and "did not converge" in cal["note"]
    assert cal["slope"] == 1.0 and abs(cal["intercept"]) < 5


def test_the_logistic_fit_steps_by_halves_and_converges_on_a_hard_start():
    # a large offset makes plain Newton overshoot from zero; the fit must still reach the MLE
    rng = np.random.default_rng(6)
    x = rng.normal(0, 3, 400)
    y = (rng.random(400) < rf._expit(-1 + 0.8 * x)).astype(float)
    beta, ok = rf._logistic_irls(x, y, np.full(400, 8.0))
    assert ok
    from sklearn.linear_model import LogisticRegression

    ref = LogisticRegression(C=1e9, max_iter=10000).fit(x[:, None], y)
    assert beta[0] + 8.0 == pytest.approx(ref.intercept_[0], abs=1e-3)
    assert beta[1] == pytest.approx(ref.coef_[0][0], abs=1e-3)


def test_evaluate_on_a_handful_of_people_stores_no_map_and_says_why():
    cfg = fast_config(load_config())
    cfg["reoffending"]["compare"] = []
    ev = rf.evaluate(synthetic_history(8, 7), cfg, check_leakage=False)
    assert ev.model.calibration == (0.0, 1.0)
    out = json.loads(json.dumps(ev.as_dict()))
    cal = out["calibration"]
    assert cal["method"] == "none" and cal["people"] == 8 and "too small" in cal["note"]
    assert {"method", "slope", "slope_se", "rows", "people", "note"} <= set(cal)


def test_evaluate_json_reports_the_calibration_map(evaluation):
    cal = evaluation.as_dict()["calibration"]
    assert cal["method"] == "shrunk" and cal["people"] >= rf.CALIBRATION_MIN_PEOPLE
    assert cal["rows"] == cal["n"] and 0 < cal["slope"] <= 2 and cal["slope_se"] > 0


# --------------------------------------------------------------------------------------------
# What could be known at the cutoff


def test_an_incident_reported_after_the_test_start_is_not_a_training_label(history,
                                                                             evaluation):
    """Incidents that happened before the first test date but were reported after it could
    not be known when the model was fitted: the fitted model must be exactly the same."""
    cfg = fast_config(load_config())
    cut = evaluation.split.cutoff
    train = rf.build_dataset(history, evaluation.split.train, 6, check_leakage=False,
                             cutoff=cut).rows
    planted = history
    for pid in train["person_id"].unique()[:15]:
        planted = _plant(planted, pid, cut + pd.Timedelta(days=30),
                         occurred=cut - pd.Timedelta(days=10))
    y = rf.outcomes_after(planted, cut - pd.DateOffset(months=1), 6, cutoff=cut)
    assert y.equals(rf.outcomes_after(history, cut - pd.DateOffset(months=1), 6, cutoff=cut))
    again = rf.evaluate(planted, cfg, check_leakage=False)
    probe = train.sample(50, random_state=1)
    np.testing.assert_allclose(again.model.predict(probe), evaluation.model.predict(probe))


def test_the_leakage_guard_refuses_a_feature_computed_from_the_end_of_the_data(history):
    def leaky(h: rf.History, index_date, **kw):
        f = rf.features_at(h, index_date, **kw)
        return f.assign(months_to_data_end=rf._months_between(pd.Timestamp(index_date),
                                                              h.data_end))

    with pytest.raises(rf.LeakageError, match="months_to_data_end"):
        rf.assert_no_leakage(history, AT, build=leaky)
    assert history.before(AT).data_end == AT


def test_the_share_of_the_ceiling_compares_both_aucs_on_the_same_rows():
    test = pd.DataFrame({"person_id": ["x", "y", "z", "w", "u", "v"],
                         "index_date": pd.to_datetime(["2022-02-01"] * 6),
                         "label": [1, 0, 1, 0, 1, 0],
                         "risk": [0.9, 0.1, 0.2, 0.8, 0.9, 0.1]})
    pmap = pd.DataFrame({"person_id": ["x", "y", "z", "w"], "true_person_id": list("XYZW")})
    truth = pd.DataFrame({"true_person_id": list("XYZW"), "month": ["2022-01"] * 4,
                          "monthly_rate": [0.1] * 4, "true_risk_6m": [0.9, 0.1, 0.8, 0.2],
                          "next_6m_incident": [1, 0, 1, 0]})
    ceiling = rf.ground_truth_ceiling(test, pmap, truth, 6)
    assert ceiling.auc == 1.0 and ceiling.coverage == pytest.approx(4 / 6)
    # on x, y, z, w (risks 0.9, 0.1, 0.2, 0.8) the model wins 3 of 4 pairs; on all six, 8 of 9
    assert ceiling.model_auc == pytest.approx(0.75)
    assert rf.binary_metrics(test["label"], test["risk"]).auc == pytest.approx(8 / 9)


def test_incident_counts_are_explained_as_one_incident_history_factor(history, evaluation):
    model = evaluation.model
    f = rf.features_at(history, AT)
    busy = f.sort_values("incidents_12m").tail(5)
    for factors in model.explain(busy, top=len(model.features)):
        groups = [x.group for x in factors]
        assert not any(g.startswith(("incidents_", "incident_rate", "active_months",
                                     "days_since_last_incident")) for g in groups), groups
        assert groups.count(rf.INCIDENT_HISTORY) <= 1
    (factors,) = model.explain(busy.tail(1), top=3)
    history_factor = next(x for x in factors if x.group == rf.INCIDENT_HISTORY)
    assert history_factor.effect > 0 and history_factor.text.endswith("raises the risk")
    assert "incidents in the last 12 months" in history_factor.text


def test_actions_are_explained_as_one_factor_in_words(history, evaluation):
    # "ladder step 7 lowers the risk" beside "3 days since the last action raises it" is what
    # explaining correlated action features one at a time gave: they are one factor now
    model = evaluation.model
    f = rf.features_at(history, AT)
    acted = f[f["actions_all"] > 0].sort_values("actions_all").tail(5)
    assert len(acted) == 5
    for factors, (_, row) in zip(model.explain(acted, top=len(model.features)),
                                 acted.iterrows(), strict=True):
        groups = [x.group for x in factors]
        assert not any(g.startswith(rf._ACTION_FEATURES) for g in groups), groups
        action = [x for x in factors if x.group == rf.ACTIONS_SO_FAR]
        if action:
            assert action[0].text.startswith(f"{row['actions_all']:.0f} actions so far, the "
                                             f"last at ladder step {row['last_action_rank']:.0f}")
    none = f[f["actions_all"] == 0].head(1)
    (factors,) = model.explain(none, top=len(model.features), min_effect=0.0)
    (action,) = [x for x in factors if x.group == rf.ACTIONS_SO_FAR]
    assert action.text.startswith("no action on record (typical: ")
