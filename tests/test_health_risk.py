"""Health score: scoring, re-normalised weights, coverage, bands, backtest, and a past review (risk model: test_risk.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook import DataValidationError, load_dataset
from playbook.analyses.health import (
    auc,
    backtest,
    band,
    churn_labels,
    health_inputs,
    health_scores,
    load_config,
    score_components,
    top_decile_lift,
)

MONTHS = pd.period_range("2024-05", "2026-10", freq="M")


def inputs(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {c: [np.nan] * n for c in ("frequency", "breadth", "depth", "growth", "voice", "support")}
    return pd.DataFrame(base | cols | {"segment": ["all"] * n, "month": [pd.Period("2026-10", "M")] * n})


def _usage_rows(account, user, dates, feature):
    return "".join(f"{account},{user},{d},{feature}\n" for d in dates)


def test_usage_components_are_known_answers(make_folder):
    # A1: 3 sessions in January, 3 in February, 6 in March; in April U1 twice on the 1st (tasks, chat), U2 on the
    # 2nd (tasks) and 3rd (reports); in May U1 once (tasks). A2: one session in May (chat). Three features in all.
    usage = (
        "account_id,user_id,date,feature\n"
        + _usage_rows("A1", "U1", ["2026-01-05"] * 3 + ["2026-02-05"] * 3 + ["2026-03-05"] * 6, "tasks")
        + _usage_rows("A1", "U1", ["2026-04-01"], "tasks")
        + _usage_rows("A1", "U1", ["2026-04-01"], "chat")
        + _usage_rows("A1", "U2", ["2026-04-02"], "tasks")
        + _usage_rows("A1", "U2", ["2026-04-03"], "reports")
        + _usage_rows("A1", "U1", ["2026-05-10"], "tasks")
        + _usage_rows("A2", "U4", ["2026-05-20"], "chat")
    )
    # licensed at each month end: A1 has U1, and U2 from March until deactivated in May; A2 has U4
    users = (
        "account_id,user_id,created_date,role,deactivated_date\n"
        "A1,U1,2026-01-05,admin,\nA1,U2,2026-03-10,member,2026-05-02\nA2,U4,2025-12-01,admin,\n"
    )
    accounts = "account_id,signup_date,name\nA1,2025-12-01,One\nA2,2025-12-01,Two\n"
    subs = (
        "subscription_id,account_id,start_date,end_date,mrr,plan,billing_period\n"
        "S1,A1,2025-12-01,,10000,Starter,monthly\nS2,A2,2025-12-01,,10000,Starter,monthly\n"
    )
    ds = load_dataset(
        make_folder(
            {"accounts.csv": accounts, "subscriptions.csv": subs, "users.csv": users, "usage.csv": usage}, base=False
        )
    )
    got = health_inputs(ds, pd.period_range("2026-04", "2026-05", freq="M")).set_index(["account_id", "month"])
    apr, may = pd.Period("2026-04", "M"), pd.Period("2026-05", "M")
    expected = {
        # frequency = user-days / active users; breadth = active / licensed; depth = features used / 3;
        # growth = sessions / mean of the 3 months before - 1
        ("A1", apr): {"frequency": 3 / 2, "breadth": 2 / 2, "depth": 3 / 3, "growth": 4 / ((3 + 3 + 6) / 3) - 1},
        ("A1", may): {"frequency": 1 / 1, "breadth": 1 / 1, "depth": 1 / 3, "growth": 1 / ((3 + 6 + 4) / 3) - 1},
        # A2: no use in April (no growth: nothing before either); first use in May is neutral growth
        ("A2", apr): {"frequency": 0.0, "breadth": 0 / 1, "depth": 0 / 3, "growth": np.nan},
        ("A2", may): {"frequency": 1 / 1, "breadth": 1 / 1, "depth": 1 / 3, "growth": 0.0},
    }
    for key, values in expected.items():
        for col, value in values.items():
            assert got.loc[key, col] == pytest.approx(value, nan_ok=True), (key, col)


def test_threshold_scores_and_reverse_scoring():
    s = score_components(inputs(frequency=[1.0, 1.5, 3.0, 6.0], support=[0, 1, 2, 3]))
    # thresholds 1.5, 2.5, 4, 6: 1.0 -> 0, 1.5 -> 25, 3.0 -> 50, 6.0 -> 100
    assert s["frequency_score"].tolist() == [0.0, 25.0, 50.0, 100.0]
    # support is reversed (fewer escalations is healthier): thresholds 2, 1, 0.5, 0
    assert s["support_score"].tolist() == [100.0, 50.0, 25.0, 0.0]
    assert s["voice_score"].isna().all()  # no data stays NaN


def test_percentile_scoring_ranks_within_the_segment():
    cfg = load_config({"components": {"frequency": {"weight": 1.0, "scoring": "percentile"}}})
    x = inputs(frequency=[1.0, 2.0, 3.0, 4.0]).assign(segment=["a", "a", "b", "b"])
    assert score_components(x, config=cfg)["frequency_score"].tolist() == [50.0, 100.0, 50.0, 100.0]


def test_weights_renormalise_over_the_components_with_data_and_coverage_gates_the_score(sample_ds):
    h = health_scores(sample_ds, ["2026-10"])
    row = h.iloc[0]
    cfg = load_config()
    w = {k: v["weight"] for k, v in cfg["components"].items()}
    present = [k for k in w if not np.isnan(row[f"{k}_score"])]
    expected = sum(row[f"{k}_score"] * w[k] for k in present) / sum(w[k] for k in present)
    assert row["health"] == round(expected, 1)
    assert row["coverage"] == pytest.approx(sum(w[k] for k in present))
    # only voice (weight 0.1) present: coverage 0.1 < 0.5 -> no score
    x = inputs(voice=[9.0])
    s = score_components(x)
    weights = np.array([w[k] for k in w])
    scores = s[[f"{k}_score" for k in w]].to_numpy()
    assert (~np.isnan(scores) * weights).sum() / weights.sum() == pytest.approx(0.1)


def test_band_edges():
    assert band([0, 50, 50.1, 75, 75.1, 100]).tolist() == ["red", "red", "yellow", "yellow", "green", "green"]
    assert band([60], config={"bands": {"red": 60, "yellow": 80}}).tolist() == ["red"]


def test_a_bad_config_is_refused():
    with pytest.raises(DataValidationError, match="unknown component"):
        load_config({"components": {"mood": {"weight": 1, "scoring": "thresholds", "thresholds": [1, 2, 3, 4]}}})
    with pytest.raises(DataValidationError, match="thresholds needs 4 values"):
        load_config({"components": {"depth": {"weight": 1, "scoring": "thresholds", "thresholds": [1]}}})


def test_auc_and_lift_known_answers():
    assert auc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]) == 1.0 and auc([0.1, 0.9], [1, 0]) == 0.0
    # 20 accounts, 2 churners, both among the 2 riskiest: top-decile churn 100% vs 10% overall -> lift 10
    risk = np.arange(20)[::-1]
    assert top_decile_lift(risk, [1, 1] + [0] * 18) == 10.0


def test_healthier_accounts_churn_less_and_the_backtest_finds_it(sample_ds):
    h = health_scores(sample_ds, MONTHS)
    table, stats = backtest(h, churn_labels(sample_ds, MONTHS))
    rate = table.set_index("band")["churn_rate"]
    assert rate["red"] > rate["yellow"] > rate["green"]
    ci = table.set_index("band")
    assert ci.loc["red", "ci_low"] > ci.loc["yellow", "ci_high"]  # the difference is not noise
    assert stats["auc"] > 0.75 and stats["top_decile_lift"] > 2.5


def test_churn_labels_only_for_months_whose_window_has_ended(sample_ds):
    labels = churn_labels(sample_ds, MONTHS, horizon=3)
    assert labels["month"].max() == pd.Period("2026-07", "M")


def test_a_review_of_a_past_month_uses_only_outcomes_known_then():
    import playbook as pb
    from playbook.report.customer_views import HealthView

    view = HealthView(pb.open_review(month="2025-06", data_dir="data/sample"))
    assert (view.labels["month"] + 3 <= pd.Period("2025-06", "M")).all()
    evaluated = view.predictions.dropna(subset=["churned"])
    assert (evaluated["month"] + 3 <= pd.Period("2025-06", "M")).all()
    assert view.at_risk().index.is_unique


def test_wilson_intervals_stay_within_zero_and_one():
    from playbook.kpis.ratios import wilson_interval

    lo, hi = wilson_interval(np.array([0, 10, 3]), np.array([1000, 10, 0]))
    # 0 of 1000: [0, 0.38%]; 10 of 10: [72.2%, 100%]; no trials: NaN
    assert lo[0] == 0.0 and round(hi[0], 4) == 0.0038 and round(lo[1], 3) == 0.722 and hi[1] == 1.0
    assert np.isnan(lo[2]) and np.isnan(hi[2])
