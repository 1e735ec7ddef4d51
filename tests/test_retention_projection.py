"""Projected retention (sBG): the published fits, closed forms, never-rising projections, projected cells marked."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.analyses.cohorts import cohort_matrix
from playbook.analyses.retention_projection import (
    SBG,
    cohort_ltv,
    fit_sbg,
    project_cohorts,
    project_survival,
    survivors_from_cohorts,
)
from playbook.report.model_plots import PROJECTED_HATCH, plot_retention_projection
from playbook.report.model_views import RetentionProjectionView, projection_table

matplotlib.use("Agg")

FH = pd.read_csv(Path(__file__).parent / "data" / "sbg" / "fader_hardie_2007.csv", index_col="year")


# ---- golden: Fader and Hardie (2007) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "alpha", "beta", "ll"),
    [("regular", 0.704, 1.182, -1680.3), ("high_end", 0.668, 3.806, -1611.2)],
    ids=["regular", "high-end"],
)
def test_sbg_reproduces_the_published_estimates_on_years_1_to_7(group, alpha, beta, ll):
    m = fit_sbg(FH.loc[0:7, group].to_numpy())
    assert (round(m.alpha, 3), round(m.beta, 3)) == (alpha, beta)
    assert round(m.log_likelihood, 1) == ll


@pytest.mark.parametrize("group", ["regular", "high_end"], ids=["regular", "high-end"])
def test_the_projection_of_years_8_to_12_is_close_to_what_happened(group):
    # the paper's point: fitted on 7 years, the sBG projects the next 5 within a few customers per 1,000
    m = fit_sbg(FH.loc[0:7, group].to_numpy())
    actual = FH.loc[8:12, group].to_numpy() / 1000
    assert np.abs(m.survival(np.arange(8, 13)) - actual).max() < 0.02


# ---- closed forms -------------------------------------------------------------------------------------


def test_survival_and_retention_of_alpha_beta_one_by_hand():
    # alpha = beta = 1: S(t) = B(1, 1 + t) / B(1, 1) = 1 / (1 + t); r(t) = t / (t + 1)
    m = SBG(1.0, 1.0)
    assert m.survival([0, 1, 2, 9]) == pytest.approx([1, 1 / 2, 1 / 3, 1 / 10])
    assert m.retention_rate([1, 2, 3]) == pytest.approx([1 / 2, 2 / 3, 3 / 4])


def test_expected_lifetime_and_ltv_by_hand():
    m = SBG(1.0, 1.0)
    # horizon 3: S(0) + S(1) + S(2) = 1 + 1/2 + 1/3; discounted at 10%: 1 + 0.5/1.1 + (1/3)/1.21
    assert m.expected_lifetime(horizon=3) == pytest.approx(11 / 6)
    assert m.expected_lifetime(horizon=3, discount_rate=0.1) == pytest.approx(1 + 0.5 / 1.1 + 1 / 3 / 1.21)
    assert cohort_ltv(m, 200.0, margin=0.5, horizon=3) == pytest.approx({"expected_lifetime": 11 / 6, "ltv": 550 / 3})


def test_a_constant_churn_cohort_comes_back_as_a_geometric_model():
    # 10% churn every period, the same for everybody: counts 1000, 900, 810, ...
    counts = 1000 * 0.9 ** np.arange(10)
    m = fit_sbg(counts)
    assert m.alpha / (m.alpha + m.beta) == pytest.approx(0.1, abs=1e-3)
    assert m.survival(12) == pytest.approx(0.9**12, rel=0.01)


def test_one_cohort_as_a_row_or_a_sequence_gives_the_same_fit():
    a = fit_sbg(FH.loc[0:7, "regular"].to_numpy())
    b = fit_sbg(FH.loc[0:7, "regular"].to_numpy()[None, :])
    assert (a.alpha, a.beta) == pytest.approx((b.alpha, b.beta))


def test_planted_heterogeneous_cohorts_of_different_ages_come_back():
    # 24 monthly cohorts of 400 customers, churn probabilities ~ beta(0.8, 6), each observed up to its age
    rng = np.random.default_rng(3)
    n_k = 24
    counts = np.full((n_k, n_k + 1), np.nan)
    for i in range(n_k):
        age = n_k - i
        theta = rng.beta(0.8, 6.0, 400)
        life = rng.geometric(theta)  # churns at the end of period `life`
        counts[i, : age + 1] = [(life > k).sum() for k in range(age + 1)]
    m = fit_sbg(counts)
    assert m.alpha == pytest.approx(0.8, rel=0.2)
    assert m.beta == pytest.approx(6.0, rel=0.3)


# ---- invariants ----------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(alpha=st.floats(0.05, 50), beta=st.floats(0.05, 50))
def test_model_survival_never_rises_and_retention_rises(alpha, beta):
    m = SBG(alpha, beta)
    s = m.survival(np.arange(0, 60))
    assert s[0] == pytest.approx(1.0) and (np.diff(s) <= 1e-15).all()
    r = m.retention_rate(np.arange(1, 60))
    assert (np.diff(r) >= -1e-15).all()


@pytest.mark.parametrize("group", ["regular", "high_end"], ids=["regular", "high-end"])
def test_projection_and_its_band_never_rise_and_start_where_data_ends(group):
    p = project_survival(FH.loc[0:7, group].to_numpy(), periods=12, n_boot=60, seed=1)
    future = p[p["projected"]]
    assert len(future) == 12 and future.index.min() == 8
    last = p.loc[7, "observed"]
    for col in ("projection", "lower", "upper"):
        values = np.concatenate([[last], future[col].to_numpy()])
        assert (np.diff(values) <= 1e-12).all(), col
    assert (future["lower"] <= future["projection"] + 1e-12).all()
    assert (future["projection"] <= future["upper"] + 1e-12).all()
    # projected rows carry no observed value, observed rows no projection
    assert future["observed"].isna().all() and p.loc[~p["projected"], "projection"].isna().all()
    assert p.attrs["level"] == "90%"


def test_bootstrap_is_reproducible_with_a_seed():
    counts = FH.loc[0:7, "regular"].to_numpy()
    a = project_survival(counts, periods=3, n_boot=30, seed=5)
    b = project_survival(counts, periods=3, n_boot=30, seed=5)
    pd.testing.assert_frame_equal(a, b)


def test_bad_survivors_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="never rise"):
        fit_sbg([100, 90, 95])
    with pytest.raises(ValueError, match="nobody churned"):
        fit_sbg([100, 100, 100])
    with pytest.raises(ValueError, match="at least two periods"):
        fit_sbg([100])


# ---- cohorts -------------------------------------------------------------------------------------------


def test_survivors_come_from_the_cohort_matrix_counts():
    # cohort 2024-01: a, b, c start; b leaves after month 1, c after month 2 -> survivors 3, 2, 1 at k = 0, 1, 2
    # cohort 2024-02: d, e start; e leaves after month 0 -> 2, 1 at k = 0, 1 (k = 2 not observed by 2024-03)
    rows = [
        ("a", "2024-01"), ("a", "2024-02"), ("a", "2024-03"),
        ("b", "2024-01"), ("b", "2024-02"),
        ("c", "2024-01"), ("c", "2024-02"), ("c", "2024-03"),
        ("d", "2024-02"), ("d", "2024-03"),
        ("e", "2024-02"),
    ]  # fmt: skip
    snaps = pd.DataFrame(rows, columns=["account_id", "month"]).assign(
        month=lambda d: pd.PeriodIndex(d["month"], freq="M").to_timestamp(how="end").normalize(), mrr=100.0
    )
    survival = cohort_matrix(snaps, as_of="2024-03", value_col="mrr", view="survival")
    counts = survivors_from_cohorts(survival)
    assert counts.loc[:, 0].tolist() == [3.0, 2.0]
    assert counts.loc[:, 1].tolist() == [3.0, 1.0]
    assert counts.iloc[0, 2] == 2.0 and np.isnan(counts.iloc[1, 2])


def test_each_cohort_is_projected_from_its_own_last_observed_point():
    counts = pd.DataFrame({0: [100.0, 50.0], 1: [60.0, 40.0], 2: [45.0, np.nan]}, index=["2024-01", "2024-02"])
    m = SBG(1.0, 1.0)
    long = project_cohorts(counts, m, periods=2)
    feb = long[long["cohort"] == "2024-02"].set_index("k")
    # 2024-02 seen to k = 1 at 40/50 = 0.8; k = 2: 0.8 * S(2)/S(1) = 0.8 * (1/3)/(1/2)
    assert feb.loc[2, "survival"] == pytest.approx(0.8 * 2 / 3) and bool(feb.loc[2, "projected"])
    assert not feb.loc[1, "projected"]
    for _, g in long.groupby("cohort"):
        assert (np.diff(g.sort_values("k")["survival"]) <= 1e-12).all()
        flags = g.sort_values("k")["projected"].to_numpy()
        assert (np.diff(flags.astype(int)) >= 0).all()  # observed cells first, then projected


# ---- the report: projected cells are never shown as observed -------------------------------------------


@pytest.mark.parametrize(("lang", "word"), [("en", "Projected"), ("ja", "予測")])
def test_table_puts_projected_cells_in_their_own_marked_section(lang, word):
    p = project_survival(FH.loc[0:7, "regular"].to_numpy(), periods=6, n_boot=20)
    t = projection_table(p, lang, every=1)
    sections = t.index.get_level_values(0)
    projected = np.array([word in s for s in sections])
    assert projected.sum() == 6 and not projected[:8].any()  # years 0-7 observed, 8-13 projected
    observed_col, projection_col = t.columns[0], t.columns[2]
    assert (t.loc[projected, observed_col] == "").all()
    assert (t.loc[~projected, projection_col] == "").all()
    assert (t.loc[projected, projection_col] != "").all()


@pytest.mark.parametrize(("lang", "word"), [("en", "projected"), ("ja", "予測")])
def test_chart_hatches_the_projected_months_and_says_so_in_the_legend(lang, word):
    p = project_survival(FH.loc[0:7, "high_end"].to_numpy(), periods=6, n_boot=20)
    fig, ax = plt.subplots()
    plot_retention_projection(p, ax=ax, lang=lang)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(word in label for label in labels)
    hatched = [patch for patch in ax.patches + ax.collections if getattr(patch, "get_hatch", lambda: None)()]
    assert any(h.get_hatch() == PROJECTED_HATCH for h in hatched)
    # the observed line stops at the last observed year; the projected line starts there
    lines = {line.get_label(): line for line in ax.get_lines()}
    observed = lines[labels[0]]
    assert max(observed.get_xdata()) == 7
    plt.close(fig)


def test_chart_without_a_projection_shows_the_reason():
    fig, ax = plt.subplots()
    plot_retention_projection(None, ax=ax, note="no subscriptions here")
    assert ax.texts[0].get_text() == "no subscriptions here"
    plt.close(fig)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_sample_company_gets_projected_retention_and_model_ltv(lang):
    import playbook as pb
    from playbook import compute_kpis

    ctx = pb.open_review(month="2026-10", data_dir="data/sample", lang=lang)
    view = RetentionProjectionView(ctx, periods=12, n_boot=40)
    assert view.applicable
    curve = view.curve
    assert curve["projected"].sum() == 12
    assert (np.diff(curve.loc[curve["projected"], "projection"]) <= 0).all()
    kpis = compute_kpis(ctx.ds, months=pd.period_range("2026-04", "2026-10", freq="M"))
    ltv = view.ltv(kpis)
    assert len(ltv) == 3 and not ltv.iloc[:, 0].str.contains("–").any()
    assert "sBG" in ltv.index[2]
    fig, ax = plt.subplots()
    view.plot(ax=ax)
    plt.close(fig)
