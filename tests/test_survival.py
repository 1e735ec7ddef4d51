"""Survival by segment: Kaplan-Meier with censoring, log(-log) intervals, the log-rank test, the view and the chart."""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm

import playbook as pb
from playbook.analyses.cohorts import cohort_matrix
from playbook.analyses.survival import (
    account_durations,
    kaplan_meier,
    logrank,
    paid_durations,
    survival_at,
    survival_by_segment,
)
from playbook.kpis.snapshots import dataset_snapshots
from playbook.report import customer_views as cr
from playbook.report.context import ReviewContext
from playbook.run.notebook import open_review

# --- a hand-built company, reviewed at 2026-06 -------------------------------------------------------------
#
# account  paid month-ends                 first  outcome                              duration  event
# a        2026-01, 02                     01     stops in 03 (k = 2)                  2         1
# b        2026-01 .. 06                   01     still paying at 06 (k = 5)           5         0
# c        2026-01                         01     stops in 02 (k = 1)                  1         1
# d        2026-02, 03, 04                 02     stops in 05 (k = 3)                  3         1
# e        2026-03 .. 06                   03     still paying at 06 (k = 3)           3         0
# f        2026-04, 06 (gap in 05)         04     stops in 05 (k = 1); the return does 1         1
#                                                 not undo the stop (as cohort survival)
# g        2026-05, 06                     05     still paying at 06 (k = 1)           1         0
# h        MRR 0 only                      -      never paid: not in the table
# b        2026-07 (after the review)      -      ignored
#
# Kaplan-Meier by month k (n = at risk = duration >= k, d = stops at k, c = censored at k):
#   k=0: n=7 d=0 c=0  S = 1
#   k=1: n=7 d=2 c=1  S = 1 * (1 - 2/7)            = 5/7   = 0.714286
#   k=2: n=4 d=1 c=0  S = 5/7 * (1 - 1/4)          = 15/28 = 0.535714
#   k=3: n=3 d=1 c=1  S = 15/28 * (1 - 1/3)        = 5/14  = 0.357143
#   k=4: n=1 d=0 c=0  S = 5/14
#   k=5: n=1 d=0 c=1  S = 5/14
# Greenwood at k=3: S^2 * (2/(7*5) + 1/(4*3) + 1/(3*2)) = (25/196) * 0.307143 = 0.039176, se = 0.197930.
# log(-log) 95% interval at k=3: w = 1.959964 * 0.197930 / (5/14 * |ln(5/14)|) = 1.959964 * 0.554206 / 1.029619
#   = 1.054974; low = S^exp(w) = 0.357143^2.871899 = 0.051977, high = S^exp(-w) = 0.357143^0.348202 = 0.698713.
MONTHS = {
    "a": ["2026-01", "2026-02"],
    "b": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"],
    "c": ["2026-01"],
    "d": ["2026-02", "2026-03", "2026-04"],
    "e": ["2026-03", "2026-04", "2026-05", "2026-06"],
    "f": ["2026-04", "2026-06"],
    "g": ["2026-05", "2026-06"],
}
SNAPS = pd.DataFrame(
    [(acc, pd.Period(m, freq="M"), 100.0) for acc, months in MONTHS.items() for m in months]
    + [("h", pd.Period("2026-03", freq="M"), 0.0)],
    columns=["account_id", "month", "mrr"],
)
HAND = {"duration": [2, 5, 1, 3, 3, 1, 1], "event": [1, 0, 1, 1, 0, 1, 0]}
HAND_S = [1, 5 / 7, 15 / 28, 5 / 14, 5 / 14, 5 / 14]


def km_by_hand(durations, events, alpha=0.05):
    """An independent product-limit estimate with Greenwood's variance and the log(-log) interval, in plain Python."""
    z = norm.ppf(1 - alpha / 2)
    s, green, rows = 1.0, 0.0, []
    for k in range(max(durations) + 1):
        n = sum(1 for t in durations if t >= k)
        d = sum(1 for t, e in zip(durations, events) if t == k and e)
        if d:
            s *= 1 - d / n
            green += d / (n * (n - d)) if n > d else math.inf
        if s == 1.0:
            low = high = 1.0
        elif s == 0.0 or math.isinf(green):
            low = high = math.nan
        else:
            w = z * math.sqrt(green) / abs(math.log(s))  # se(S) / (S |ln S|) with se(S) = S sqrt(green)
            low, high = s ** math.exp(w), s ** math.exp(-w)
        rows.append((k, n, d, s, low, high))
    return pd.DataFrame(rows, columns=["month", "at_risk", "events", "survival", "ci_low", "ci_high"])


def test_durations_count_months_from_the_first_paid_month_and_censor_accounts_paying_at_the_review_month():
    d = paid_durations(SNAPS, "2026-06")
    assert d["account_id"].tolist() == ["a", "b", "c", "d", "e", "f", "g"]  # h never paid
    assert d["duration"].tolist() == HAND["duration"]
    assert d["event"].tolist() == HAND["event"]
    assert d["first_month"].astype(str).tolist() == ["2026-01"] * 3 + ["2026-02", "2026-03", "2026-04", "2026-05"]


def test_an_account_that_stops_in_the_review_month_is_an_event_and_one_that_starts_then_has_duration_0():
    snaps = pd.DataFrame(
        {
            "account_id": ["x", "x", "y"],
            "month": pd.PeriodIndex(["2026-04", "2026-05", "2026-06"], freq="M"),
            "mrr": [1.0, 1.0, 1.0],
        }
    )
    d = paid_durations(snaps, "2026-06").set_index("account_id")
    assert d.loc["x", ["duration", "event"]].tolist() == [2, 1]  # paid k = 0, 1; not in 06 (k = 2)
    assert d.loc["y", ["duration", "event"]].tolist() == [0, 0]


def test_kaplan_meier_matches_the_hand_worked_example_and_an_independent_computation():
    d = paid_durations(SNAPS, "2026-06")
    km = kaplan_meier(d["duration"], d["event"])
    assert km["at_risk"].tolist() == [7, 7, 4, 3, 1, 1]
    assert km["events"].tolist() == [0, 2, 1, 1, 0, 0]
    assert km["censored"].tolist() == [0, 1, 0, 1, 0, 1]
    np.testing.assert_allclose(km["survival"], HAND_S, rtol=1e-12)
    np.testing.assert_allclose(km.loc[3, ["ci_low", "ci_high"]].astype(float), [0.051977, 0.698713], atol=1e-6)
    ref = km_by_hand(HAND["duration"], HAND["event"])
    pd.testing.assert_frame_equal(km[ref.columns], ref, check_dtype=False, rtol=1e-10)


def test_kaplan_meier_refuses_bad_input():
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        kaplan_meier([1, 2], [1])
    with pytest.raises(ValueError, match="durations must be finite and >= 0"):
        kaplan_meier([1, -1], [1, 1])
    with pytest.raises(ValueError, match="alpha must be between 0 and 1, got 1.5"):
        kaplan_meier([1], [1], alpha=1.5)
    assert kaplan_meier([], []).empty


def test_without_censoring_the_estimate_is_the_share_still_paying_and_it_can_reach_zero():
    km = kaplan_meier([1, 2, 2, 4], [1, 1, 1, 1])
    np.testing.assert_allclose(km["survival"], [1.0, 0.75, 0.25, 0.25, 0.0], atol=1e-12)
    assert km.loc[4, ["ci_low", "ci_high"]].isna().all()  # no log(-log) interval at 0


def test_kaplan_meier_of_one_cohort_equals_its_cohort_survival_row(sample_ds):
    # one start month and one review month: nobody is censored before the end, so KM = the cohort's survival view
    snaps = dataset_snapshots(sample_ds, "2026-10")
    row = cohort_matrix(snaps, as_of="2026-10", value_col="mrr", view="survival").loc["2024-03"]
    d = paid_durations(snaps, "2026-10")
    d = d[d["first_month"] == pd.Period("2024-03", freq="M")]
    km = kaplan_meier(d["duration"], d["event"])
    observed = row.drop("size").dropna()
    assert len(d) == row["size"] and len(observed) == 32
    np.testing.assert_allclose(km["survival"].iloc[: len(observed)], observed.to_numpy(), rtol=1e-12)


durations_events = st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=60)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(durations_events)
def test_curves_never_rise_and_intervals_hold_the_estimate_inside_0_1(pairs):
    t, e = [p[0] for p in pairs], [int(p[1]) for p in pairs]
    km = kaplan_meier(t, e)
    s = km["survival"].to_numpy()
    assert np.all(np.diff(s) <= 0) and s.min() >= 0 and s.max() <= 1
    ci = km.dropna(subset=["ci_low", "ci_high"])
    assert (ci["ci_low"] >= 0).all() and (ci["ci_high"] <= 1).all()
    assert (ci["ci_low"] <= ci["survival"] + 1e-12).all() and (ci["survival"] <= ci["ci_high"] + 1e-12).all()
    assert km["ci_low"].isna().equals(km["ci_high"].isna())
    assert (km["ci_low"].isna().to_numpy() == (s == 0)).all()  # no interval exactly where the estimate is 0
    ref = km_by_hand(t, e)
    np.testing.assert_allclose(km["survival"], ref["survival"], rtol=1e-10)
    np.testing.assert_allclose(km["ci_low"], ref["ci_low"], rtol=1e-8)
    assert km["at_risk"].tolist() == ref["at_risk"].tolist()


# --- log-rank on a tiny example, worked by hand ----------------------------------------------------------
#   group a: durations 1 (stop), 2 (stop), 3 (censored); group b: 1, 1, 2 (all stops)
#   k=1: at risk a 3, b 3 (n 6); stops 3.  E_a = 3 * 3/6 = 1.5;  V = 3*3 * 3*(6-3) / (6^2 * 5) = 0.45
#   k=2: at risk a 2, b 1 (n 3); stops 2.  E_a = 2 * 2/3 = 4/3;  V = 2*1 * 2*(3-2) / (3^2 * 2) = 2/9
#   O_a = 2, E_a = 17/6 = 2.833333, E_b = 5 - 17/6 = 13/6;  V = 0.45 + 2/9 = 0.672222
#   chi2 = (2 - 17/6)^2 / 0.672222 = 0.694444 / 0.672222 = 1.033058 on 1 dof, p = 0.309423
def test_logrank_matches_the_hand_worked_example():
    r = logrank([1, 2, 3, 1, 1, 2], [1, 1, 0, 1, 1, 1], ["a", "a", "a", "b", "b", "b"])
    assert r.dof == 1
    assert r.chi2 == pytest.approx((2 - 17 / 6) ** 2 / (0.45 + 2 / 9), rel=1e-9)
    assert r.chi2 == pytest.approx(1.033058, abs=1e-6)
    assert r.p_value == pytest.approx(chi2_dist.sf(r.chi2, 1), rel=1e-9)
    assert r.table["observed"].tolist() == [2, 3]
    np.testing.assert_allclose(r.table["expected"], [17 / 6, 13 / 6])
    np.testing.assert_allclose(r.table["observed_to_expected"], [2 / (17 / 6), 3 / (13 / 6)])


def test_logrank_finds_a_planted_difference_and_points_at_the_faster_group():
    rng = np.random.default_rng(7)
    fast, slow = rng.geometric(0.15, 200), rng.geometric(0.03, 200)  # monthly stop chances 15% and 3%
    t = np.minimum(np.concatenate([fast, slow]), 24)  # observed for 24 months at most
    e = (np.concatenate([fast, slow]) <= 24).astype(int)
    r = logrank(t, e, ["fast"] * 200 + ["slow"] * 200)
    assert r.p_value < 1e-6
    ratio = r.table.set_index("group")["observed_to_expected"]
    assert ratio["fast"] > 1 > ratio["slow"]
    assert r.table["observed"].sum() == pytest.approx(r.table["expected"].sum())


def test_logrank_with_one_group_or_no_stop_gives_no_statistic():
    one = logrank([1, 2], [1, 0], ["a", "a"])
    assert one.dof == 0 and math.isnan(one.chi2) and math.isnan(one.p_value)
    none = logrank([1, 2], [0, 0], ["a", "b"])
    assert none.dof == 1 and math.isnan(none.p_value) and none.table["observed"].tolist() == [0, 0]


def test_segments_keep_their_numeric_order_and_missing_segments_are_left_out():
    d = pd.DataFrame({"segment": ["1000+", "1-49", "50-249", None], "duration": [1, 2, 3, 4], "event": [1, 1, 0, 1]})
    assert survival_by_segment(d)["segment"].unique().tolist() == ["1-49", "50-249", "1000+"]
    assert survival_at(survival_by_segment(d), 2)["segment"].tolist() == ["1-49", "50-249", "1000+"]
    at = survival_at(survival_by_segment(d), 3).set_index("segment")
    assert at.loc["1000+", "survival"] == 0.0 and at.loc["1000+", "at_risk"] == 0  # all stopped by month 1
    assert at.loc["50-249", "survival"] == 1.0 and at.loc["50-249", "at_risk"] == 1


def test_account_durations_refuses_an_unknown_segment_column(sample_ds):
    with pytest.raises(ValueError, match="by must be a column of accounts, got 'tier'"):
        account_durations(sample_ds, "2026-10", by="tier")


# --- the sample company at 2026-10 -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_curves(sample_ds):
    return survival_by_segment(account_durations(sample_ds, "2026-10", by="plan"))


def test_sample_curves_by_plan_never_rise_and_their_intervals_hold_the_estimate(sample_curves):
    for _, g in sample_curves.groupby("segment"):
        assert (np.diff(g["survival"].to_numpy()) <= 0).all()
        assert (g["ci_low"] <= g["survival"]).all() and (g["survival"] <= g["ci_high"]).all()
        assert g["ci_low"].min() >= 0 and g["ci_high"].max() <= 1


def test_sample_enterprise_survival_at_24_months_is_the_kaplan_meier_estimate(sample_ds, sample_curves):
    at = survival_at(sample_curves, 24).set_index("segment")
    # the issue: the old average of cohort curves read 0.316; a Kaplan-Meier estimate gives about 0.501
    assert round(at.loc["Enterprise", "survival"], 3) == 0.501
    assert at.loc["Enterprise", "at_risk"] == 7
    assert at.loc["Enterprise", "ci_low"] == pytest.approx(0.291, abs=5e-4)
    assert at.loc["Enterprise", "ci_high"] == pytest.approx(0.679, abs=5e-4)
    # 0.316 is the 24-month survival of the 19 Enterprise accounts of the cohorts observed that long (2023-11 to
    # 2024-10): 6 of 19 paid without a break through month 24. Kaplan-Meier also uses the 72 later accounts for the
    # months they have been seen, and they stopped less often in their first year.
    d = account_durations(sample_ds, "2026-10", by="plan")
    old = d[(d["segment"] == "Enterprise") & (d["first_month"] <= pd.Period("2024-10", freq="M"))]
    assert len(old) == 19 and (old["duration"] > 24).sum() == 6
    assert kaplan_meier(old["duration"], old["event"]).loc[24, "survival"] == pytest.approx(6 / 19)


def test_sample_logrank_by_plan_finds_no_significant_difference(sample_ds):
    d = account_durations(sample_ds, "2026-10", by="plan")
    r = logrank(d["duration"], d["event"], d["segment"])
    assert r.dof == 2 and round(r.chi2, 2) == 4.37 and round(r.p_value, 3) == 0.113
    assert r.table["group"].tolist() == ["Enterprise", "Standard", "Starter"]
    assert r.table["observed"].tolist() == [20, 104, 107]


# --- the notebook view and the chart ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def ctx_en() -> ReviewContext:
    return open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang="en")


def test_the_view_cuts_each_curve_where_fewer_than_5_accounts_remain(ctx_en):
    curves = cr.retention_by_segment(ctx_en, "plan")
    assert curves["at_risk"].min() >= 5
    assert curves.groupby("segment")["month"].max().to_dict() == {"Enterprise": 28, "Standard": 32, "Starter": 32}
    assert curves.attrs["level"] == pytest.approx(0.95)
    assert cr.retention_by_segment(ctx_en, "no_such_column") is None
    empty = cr.retention_by_segment(ctx_en, "plan", min_at_risk=10_000)
    assert empty.empty and "10000 or more" in empty.attrs["note"]


def test_the_chart_draws_steps_that_never_rise_on_an_axis_from_zero(ctx_en):
    curves = cr.retention_by_segment(ctx_en, "plan")
    fig, ax = plt.subplots()
    try:
        pb.plot_retention_curves(curves, ax=ax, lang="en", title="Survival by plan")
        lines = ax.get_lines()
        assert [ln.get_label() for ln in lines] == ["Enterprise (n=91)", "Standard (n=284)", "Starter (n=309)"]
        for ln in lines:
            y = np.asarray(ln.get_ydata(), dtype=float)
            assert ln.get_drawstyle() == "steps-post"
            assert y[0] == 1.0 and (np.diff(y) <= 0).all()
        enterprise = np.asarray(lines[0].get_ydata(), dtype=float)
        assert round(enterprise[24], 3) == 0.501  # the value drawn at month 24
        bottom, top = ax.get_ylim()
        assert bottom == 0 and top >= 1
        for band in ax.collections:  # the shaded bands stay inside [0, 1]
            ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
            assert ys.min() >= 0 and ys.max() <= 1
        assert len(ax.collections) == 3
        assert "95% confidence band" in ax.get_legend().get_title().get_text()
    finally:
        plt.close(fig)


def test_the_chart_shows_the_note_when_there_is_nothing_to_draw(ctx_en):
    fig, ax = plt.subplots()
    try:
        pb.plot_retention_curves(cr.retention_by_segment(ctx_en, "plan", min_at_risk=10_000), ax=ax)
        assert not ax.get_lines() and "10000 or more" in ax.texts[0].get_text()
        with pytest.raises(ValueError, match="curves needs the columns"):
            pb.plot_retention_curves(pd.DataFrame({"month": [0], "survival": [1.0]}), ax=ax)
    finally:
        plt.close(fig)


def test_the_test_table_says_what_the_logrank_test_found(ctx_en):
    t = cr.survival_test_table(ctx_en, "plan")
    assert t.index.tolist() == ["Enterprise", "Standard", "Starter", "log-rank test", "note"]
    assert t.loc["Enterprise", "survival at 24 months (95% CI)"] == "50.1% (29.1%–67.9%)"
    assert t.loc["Enterprise", "accounts observed to month 24"] == "7"
    assert t.loc["Starter", "observed / expected"] == "1.11"
    verdict = t.loc["log-rank test"].iloc[0]
    assert "p = 0.113" in verdict and "no more than chance" in verdict  # p > 0.05 on this data
    assert "Fewer than 10 accounts of Enterprise were observed for 24 months" in t.loc["note"].iloc[0]
    by_size = cr.survival_test_table(ctx_en, "company_size")
    assert by_size.index.tolist()[:4] == ["1-49", "50-249", "250-999", "1000+"]
    assert "p = 0.021" in by_size.loc["log-rank test"].iloc[0]
    assert "more than chance would explain" in by_size.loc["log-rank test"].iloc[0]  # p < 0.05 on this data
    # the 1000+ curve drops to 0 at month 20 (its last account observed stopped), but nobody was seen to month 24
    assert by_size.loc["1000+", "survival at 24 months (95% CI)"] == "–"
    assert "No account of 1000+ has been observed for 24 months" in by_size.loc["note"].iloc[0]


def test_the_test_table_speaks_japanese():
    ctx = open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang="ja")
    t = cr.survival_test_table(ctx, "plan")
    assert list(t.index[-2:]) == ["ログランク検定", "注記"]
    assert "24か月生存率（95%信頼区間）" in t.columns
    assert "偶然の範囲内" in t.loc["ログランク検定"].iloc[0]
    assert "プラン別の生存曲線" in t.loc["ログランク検定"].iloc[0]  # the column's name, not "plan"
    assert cr.survival_test_table(ctx, "tier").shape == (1, 1)
    by_size = cr.survival_test_table(ctx, "company_size")
    assert "1000+には24か月目まで観測できた顧客がまだいません" in by_size.loc["注記"].iloc[0]
    assert "企業規模別" in by_size.loc["ログランク検定"].iloc[0]
    assert "10000社以上" in cr.retention_by_segment(ctx, "plan", min_at_risk=10_000).attrs["note"]
    english = re.compile(r"[A-Za-z]+\s+[A-Za-z]+\s+[A-Za-z]+")
    views = cr.cohort_views(ctx)
    kpis = pb.compute_kpis(ctx.ds, months=ctx.history)
    for table in (t, by_size, cr.revenue_retention_table(views, lang="ja"), cr.ltv_variants(ctx, kpis, views)):
        words = [
            *map(str, table.columns),
            *map(str, table.index),
            *[v for v in table.to_numpy().ravel() if isinstance(v, str)],
        ]
        assert not [w for w in words if english.search(w) or re.search(r"\b\d{4}-\d{2}\b", w)]
    # the heatmaps' rows: cohorts named as Japanese writes a month or a quarter; the average row keeps its code
    assert views["active_share"].index[[0, -2, -1]].tolist() == ["2023年11月", "2026年10月", "weighted average"]
    assert cr.purchase_cohorts(ctx).index[0] == "2023年第4四半期"
    channels = cr.ltv_cac_by_channel(ctx, kpis)
    assert {"月次チャーンレート", "CAC回収期間"} <= set(channels.columns) and "検索広告" in channels.index
    en = cr.ltv_cac_by_channel(open_review(month="2026-10", data_dir="data/sample", lang="en"), kpis)
    assert channels.loc["検索広告", "月次チャーンレート"] == en.loc["paid_search", "monthly churn"] != "nan%"


def test_the_survival_heatmaps_average_row_is_the_pooled_kaplan_meier_and_never_rises(sample_ds):
    # before: a size-weighted mean over the cohorts observed at each k, which rose from 0.414 to 0.428 at 24-26
    snaps = dataset_snapshots(sample_ds, "2026-10")
    avg = cohort_matrix(snaps, as_of="2026-10", value_col="mrr", view="survival").loc["weighted average"].iloc[1:]
    assert (np.diff(avg.dropna().to_numpy()) <= 1e-12).all()
    d = account_durations(sample_ds, "2026-10")
    km = kaplan_meier(d["duration"], d["event"]).set_index("month")["survival"]
    np.testing.assert_allclose(
        avg.loc[[12, 24]].to_numpy(dtype=float), km.reindex([12, 24]).ffill().to_numpy(), atol=1e-12
    )
