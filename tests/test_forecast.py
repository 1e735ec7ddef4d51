"""The revenue forecast with ranges (playbook.review.forecast), its views, and the quick ratio."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from playbook.kpis.revenue import quick_ratio
from playbook.report.forecast_views import forecast_rates_table, forecast_table, forecast_text, plot_mrr_forecast
from playbook.review.forecast import SCENARIOS, ForecastCode, component_rates, kgi_forecast, mrr_forecast
from playbook.review.goals import KGIGoal, KPITree

matplotlib.use("Agg")


def _bridge(start, new, reactivation, expansion, contraction, churned, first="2026-08") -> pd.DataFrame:
    cols = ["mrr_start", "new", "reactivation", "expansion", "contraction", "churned"]
    values = (start, new, reactivation, expansion, contraction, churned)
    b = pd.DataFrame({c: np.asarray(v, dtype="float64") for c, v in zip(cols, values, strict=True)})
    b.insert(0, "month", pd.period_range(first, periods=len(b), freq="M"))
    b["mrr_end"] = b["mrr_start"] + b["new"] + b["reactivation"] + b["expansion"] - b["contraction"] - b["churned"]
    return b


# Aug: start 1000, new 100, expansion 50 (5%), contraction 10 (1%), churned 40 (4%)          -> end 1100
# Sep: start 1100, new 60 + reactivation 20 = 80, expansion 22 (2%), contraction 22 (2%), churned 55 (5%) -> 1125
# Oct: start 1125, new 120, expansion 45 (4%), contraction 0 (0%), churned 22.5 (2%)        -> end 1267.5
HAND = _bridge(
    [1000.0, 1100.0, 1125.0], [100.0, 60.0, 120.0], [0.0, 20.0, 0.0], [50.0, 22.0, 45.0], [10.0, 22.0, 0.0],
    [40.0, 55.0, 22.5],
)  # fmt: skip


def test_the_forecast_equals_a_hand_computation():
    # base = mean of the last 2 months (Sep, Oct): new (80 + 120) / 2 = 100, expansion (2% + 4%) / 2 = 3%,
    #   contraction (2% + 0%) / 2 = 1%, churn (5% + 2%) / 2 = 3.5%: net rate 3% - 1% - 3.5% = -1.5%
    # quartiles of the 3 months (numpy linear): new [80, 100, 120] -> 90 / 110; expansion [2, 4, 5]% -> 3 / 4.5%;
    #   contraction [0, 1, 2]% -> 0.5 / 1.5%; churn [2, 4, 5]% -> 3 / 4.5%
    # downside: new min(90, 100) = 90, expansion min(3, 3) = 3%, contraction max(1.5, 1) = 1.5%, churn max(4.5, 3.5)
    #   = 4.5%: net -3%; upside: 110, 4.5%, 0.5%, 3%: net +1%
    rates = component_rates(HAND, "2026-10", base_window=2, range_window=3)
    assert rates.loc["new", ["downside", "base", "upside"]].tolist() == pytest.approx([90, 100, 110])
    assert rates.loc["churn", ["downside", "base", "upside"]].tolist() == pytest.approx([0.045, 0.035, 0.03])
    f = mrr_forecast(HAND, "2026-10", horizon=2, base_window=2, range_window=3)
    # Nov: base 1267.5 + 100 - 1.5% x 1267.5 = 1348.4875; downside 1267.5 + 90 - 3% x 1267.5 = 1319.475;
    #      upside 1267.5 + 110 + 1% x 1267.5 = 1390.175
    # Dec: base 1348.4875 + 100 - 1.5% x 1348.4875 = 1428.2602; downside 1319.475 + 90 - 3% x 1319.475 = 1369.89075
    assert f["month"].astype(str).tolist() == ["2026-11", "2026-12"]
    assert f.loc[0, ["downside", "base", "upside"]].tolist() == pytest.approx([1319.475, 1348.4875, 1390.175])
    assert f.loc[1, "base"] == pytest.approx(1348.4875 * 0.985 + 100)
    assert f.loc[1, "downside"] == pytest.approx(1369.89075)


def test_scenarios_are_ordered_every_month_on_the_sample_and_on_random_bridges(goal_report):
    f = kgi_forecast(goal_report.bridge, "2026-10", goal_report.tree, horizon=24)
    t = f["table"]
    assert len(t) == 24
    assert (t["downside"] <= t["base"]).all() and (t["base"] <= t["upside"]).all()
    rng = np.random.default_rng(7)
    for _ in range(50):
        start = rng.uniform(500, 2000, 14)
        lost = rng.uniform(0, 1, (2, 14)) * start * rng.uniform(0, 0.5)
        b = _bridge(start, rng.uniform(0, 300, 14), rng.uniform(0, 50, 14), rng.uniform(0, 0.2, 14) * start, *lost)
        m = mrr_forecast(b, b["month"].iloc[-1], horizon=18)
        assert (m["downside"] <= m["base"] + 1e-9).all() and (m["base"] <= m["upside"] + 1e-9).all()


def test_constant_components_give_a_straight_exact_line():
    # MRR grows by 100 a month; expansion 6.25%, contraction 3.125% and churn 3.125% of the starting MRR (exact
    # binary fractions) net to 0: every scenario is the same straight line, 1500 + 100 k, exactly
    start = np.array([800.0, 900.0, 1000.0, 1100.0, 1200.0, 1300.0, 1400.0])
    b = _bridge(start, [100.0] * 7, [0.0] * 7, start * 0.0625, start * 0.03125, start * 0.03125)
    f = mrr_forecast(b, b["month"].iloc[-1], horizon=12)
    line = [1500.0 + 100.0 * k for k in range(1, 13)]
    for s in SCENARIOS:
        assert f[s].tolist() == line
    # constant rates that do not net to 0 compound: the review month ends at 1000 + 5 - 10 = 995, then
    # 995 x 0.99 + 5 = 990.05, 990.05 x 0.99 + 5 = 985.1495, 985.1495 x 0.99 + 5 = 980.298005
    b = _bridge([1000.0] * 6, [5.0] * 6, [0.0] * 6, [0.0] * 6, [0.0] * 6, [10.0] * 6)
    f = mrr_forecast(b, b["month"].iloc[-1], horizon=3)
    assert f["base"].tolist() == pytest.approx([990.05, 985.1495, 980.298005], rel=1e-12)


def test_quick_ratio_known_answer_and_zero_denominator():
    # Sep: (new 300 + expansion 150 + reactivation 50) / (contraction 40 + churned 60) = 500 / 100 = 5
    # Oct: (100 + 20 + 0) / (0 + 0): nothing lost -> NaN with the reason
    b = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-09", "2026-10"], freq="M"),
            "new": [300.0, 100.0],
            "reactivation": [50.0, 0.0],
            "expansion": [150.0, 20.0],
            "contraction": [40.0, 0.0],
            "churned": [60.0, 0.0],
            "customers_start": [10.0, 12.0],
        }
    )
    q = quick_ratio(b)
    assert q["value"].iloc[0] == 5.0 and q["numerator"].iloc[0] == 500.0 and q["n"].iloc[0] == 10
    assert np.isnan(q["value"].iloc[1]) and q["note"].iloc[1] == "no contraction or churned MRR in the month"


def _tree(target: float, deadline: str, metric: str = "arr") -> KPITree:
    kgi = KGIGoal(id="g", name="g", name_ja="g", metric=metric, target=target, deadline=pd.Period(deadline, "M"))
    return KPITree(kgi=kgi, kfs=(), kpis=())


def test_kgi_forecast_lands_each_scenario_at_the_deadline():
    # a flat company: MRR 1000 (ARR 12,000) in every scenario; a target of 12,000 by 2027-01 is reached by all
    b = _bridge([1000.0] * 3, [10.0] * 3, [0.0] * 3, [0.0] * 3, [0.0] * 3, [10.0] * 3)
    f = kgi_forecast(b, "2026-10", _tree(12_000, "2027-01"))
    assert f["code"] == ForecastCode.TARGET and f["horizon"] == 12 and f["months_left"] == 3
    assert f["landing"] == {"downside": 12_000.0, "base": 12_000.0, "upside": 12_000.0}
    assert f["table"]["target"].notna().sum() == 1
    assert "even the downside scenario reaches the target" in forecast_text(f)
    f = kgi_forecast(b, "2026-10", _tree(13_000, "2028-04"))
    assert f["horizon"] == 18 and f["reaches"]["base"] is None
    assert "no scenario reaches the target" in forecast_text(f)
    assert kgi_forecast(b, "2026-10", _tree(13_000, "2026-09"))["code"] == ForecastCode.PASSED
    assert kgi_forecast(b, "2026-10", _tree(0.5, "2027-01", "nrr"))["code"] == ForecastCode.NOT_REVENUE
    assert kgi_forecast(b, "2026-11")["code"] == ForecastCode.NO_BRIDGE_ROW
    assert forecast_table(kgi_forecast(b, "2026-11")) is None


@pytest.fixture(scope="module")
def goal_report():
    from playbook import GoalReport, open_review

    ctx = open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang="ja")
    return GoalReport.build(ctx)


def test_the_japanese_views_have_no_english_sentence_and_months_read_the_japanese_way(goal_report):
    f = kgi_forecast(goal_report.bridge, "2026-10", goal_report.tree)
    assert f["code"] == ForecastCode.TARGET and f["deadline"] == pd.Period("2027-03", "M")
    words = forecast_text(f, lang="ja")
    assert "2027年3月時点のARR" in words and not re.search(r"\d{4}-\d{2}", words)
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", words)
    table = forecast_table(f, lang="ja")
    assert list(table.columns) == ["下振れ", "基本", "上振れ", "目標"]
    assert table.index[0] == "2026年11月" and table.loc["2027年3月", "目標"] == "5.00億円"
    assert list(forecast_rates_table(f, lang="ja").columns) == ["下振れ", "基本", "上振れ"]
    ax = plot_mrr_forecast(f, lang="ja")
    assert ax.get_title() == "ARR（年次経常収益）の予測"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["実績", "下振れ〜上振れ", "基本シナリオ", "目標"]


# --------------------------------------------------------------------------- annual contracts renew at their term end


def _subs(**cols) -> pd.DataFrame:
    s = pd.DataFrame(cols)
    for c in ("start_date", "end_date"):
        s[c] = pd.to_datetime(s[c])
    return s


# a: annual from 2025-11-15, MRR 100, open: its term ends 2026-11-14 (forecast month 1)
# b: annual from 2025-09-10, MRR 300, ended 2026-09-09 at its term end (not renewed)
# c: annual from 2025-08-20, MRR 100, open: renewed at its 2026-08-19 end; next end 2027-08-19 (forecast month 10)
# m: monthly from 2025-07-01, MRR 50, open: no term
RENEWING = _subs(
    account_id=["a", "b", "c", "m"],
    billing_period=["annual", "annual", "annual", "monthly"],
    start_date=["2025-11-15", "2025-09-10", "2025-08-20", "2025-07-01"],
    end_date=[None, "2026-09-09", None, None],
    mrr=[100.0, 300.0, 100.0, 50.0],
)


def _bridge_of(subs: pd.DataFrame, first: str = "2025-07", last: str = "2026-10") -> pd.DataFrame:
    from playbook.kpis.revenue import month_end_mrr, mrr_bridge

    months = pd.period_range(first, last, freq="M")
    return mrr_bridge(month_end_mrr(subs, months), months)


def test_annual_contracts_renew_in_the_month_their_term_ends_a_hand_computation():
    from playbook.review.forecast import renewal_rate_scenarios

    b = _bridge_of(RENEWING)
    # renewal outcomes of the end months 2025-10 .. 2026-09: c (Aug) 100 before, 100 after -> kept 100;
    # b (Sep) 300 before, 0 after -> kept 0. Pooled ARR renewal rate 100 / 400 = 0.25 (churn probability 0.75);
    # monthly rates [1.0, 0.0]: quartiles 0.25 and 0.75 -> downside min(0.25, 0.25) = 0.25, upside 0.75
    r = renewal_rate_scenarios(RENEWING, "2026-10")
    assert (r["contracts"], r["months"]) == (2, 2)
    assert [r[s] for s in SCENARIOS] == pytest.approx([0.25, 0.25, 0.75])
    f = kgi_forecast(b, "2026-10", horizon=12, subscriptions=RENEWING)
    assert f["method"] == "renewals" and f["current"] == 12 * 250.0
    # no new contract or expansion since 2025-11 (contracts' new MRR: base 0, quartiles of [100, 0 x 11] = 0);
    # the monthly plan m is flat at 50. Base: Nov-2026 50 + 100 (c) + 100 x 0.25 (a renews) = 175 until Jul-2027;
    # Aug-2027 c renews: 50 + 25 + 100 x 0.25 = 100. Upside (0.75): 50 + 100 + 75 = 225, then 50 + 75 + 75 = 200.
    m = mrr_forecast(b, "2026-10", horizon=12, subscriptions=RENEWING)
    assert m["base"].tolist() == pytest.approx([175.0] * 9 + [100.0] * 3)
    assert m["downside"].tolist() == pytest.approx([175.0] * 9 + [100.0] * 3)
    assert m["upside"].tolist() == pytest.approx([225.0] * 9 + [200.0] * 3)
    assert f["table"]["base"].iloc[0] == pytest.approx(12 * 175.0)
    # the component method instead spreads b's September churn (300 of 550 = 54.5%, a sixth of it a month) over
    # every month: a smooth decline, not steps in the renewal months
    spread = mrr_forecast(b, "2026-10", horizon=12)
    assert spread["base"].iloc[0] == pytest.approx(250.0 * (1 - 300.0 / 550.0 / 6))
    assert list(forecast_rates_table(f).index)[-1] == "Contracts: ARR renewal rate at term end"
    assert "1 − churn probability at renewal" in forecast_text(f) and "25.0% (2 contracts" in forecast_text(f)


def test_without_contract_terms_or_renewal_history_every_account_follows_the_components():
    b = _bridge_of(RENEWING)
    monthly = RENEWING.assign(billing_period="monthly")
    pd.testing.assert_frame_equal(mrr_forecast(b, "2026-10", subscriptions=monthly), mrr_forecast(b, "2026-10"))
    # before any contract-end month has an outcome (2026-07: the first end is c's in 2026-08) -> components
    early = kgi_forecast(b, "2026-07", subscriptions=RENEWING)
    assert early["method"] == "components" and early["renewal"] is None
    assert "spread over the months" in forecast_text(early)


def test_renewal_scenarios_are_ordered_on_the_sample_and_the_backtest_improves(goal_report):
    from playbook.data.dataset import load_dataset
    from playbook.review.forecast import forecast_backtest

    subs = load_dataset("data/sample").subscriptions
    f = kgi_forecast(goal_report.bridge, "2026-10", goal_report.tree, horizon=24, subscriptions=subs)
    t = f["table"]
    assert f["method"] == "renewals"
    assert (t["downside"] <= t["base"]).all() and (t["base"] <= t["upside"]).all()
    # the forecast from M-6 against the actual MRR at M, for M = 2025-07 .. 2026-10 (16 months): the mean absolute
    # error was 10.7% with annual churn spread over the months, 8.2% with contracts renewing at their term end
    bt = forecast_backtest(goal_report.bridge, pd.period_range("2025-01", "2026-04", freq="M"), subscriptions=subs)
    assert len(bt) == 16
    spread, timed = bt["error_components"].abs().mean(), bt["error_renewals"].abs().mean()
    assert timed < spread
    assert (round(spread, 3), round(timed, 3)) == (0.107, 0.082)
