"""Churn-risk model: features as of the scoring month, maximum likelihood with standard errors, fit problems as messages."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from playbook import load_dataset
from playbook.analyses import health as hs
from playbook.analyses import risk as rk
from playbook.analyses.health import backtest, churn_labels, health_scores
from playbook.analyses.risk import (
    FitIssue,
    calibration,
    evaluate,
    fit_logistic,
    predict,
    risk_features,
    walk_forward,
)
from playbook.kpis.snapshots import dataset_snapshots

MONTHS = pd.period_range("2024-05", "2026-10", freq="M")

ACCOUNTS = "account_id,signup_date,name\nA1,2026-01-05,One\nA2,2026-01-10,Two\nA3,2026-01-03,Three\n"
# A1: monthly 10,000 from January, plus an annual add-on of 5,000 from March.
# A2: monthly 20,000 until 31 March, then the same plan billed annually from 1 April (a switch to annual).
# A3: 20,000 until 27 February, then a 10,000 plan from 28 February (a downgrade in February).
SUBSCRIPTIONS = """subscription_id,account_id,start_date,end_date,mrr,plan,billing_period
S1,A1,2026-01-05,,10000,Starter,monthly
S2,A1,2026-03-01,,5000,Addon,annual
S3,A2,2026-01-10,2026-03-31,20000,Standard,monthly
S4,A2,2026-04-01,,20000,Standard,annual
S5,A3,2026-01-03,2026-02-27,20000,Standard,monthly
S6,A3,2026-02-28,,10000,Starter,monthly
"""


def flat_health(ds, until: str) -> pd.DataFrame:
    """Health rows for every paying account-month, every component scoring 50 (risk_features' input)."""
    h = dataset_snapshots(ds, until)
    return h.assign(**{c: 50.0 for c in rk.SCORES})


@pytest.fixture
def tiny(make_folder):
    return load_dataset(make_folder({"accounts.csv": ACCOUNTS, "subscriptions.csv": SUBSCRIPTIONS}, base=False))


def feature(X: pd.DataFrame, account: str, name: str) -> list[float]:
    return X[X["account_id"] == account].sort_values("month")[name].tolist()


# --------------------------------------------------------------------------- features as of the month


def test_billing_features_are_known_answers_as_of_each_month(tiny):
    X = risk_features(flat_health(tiny, "2026-05"), tiny)
    # annual = share of month-end MRR billed annually: A1 has 5,000 of 15,000 from March -> 1/3;
    # A2 switches to annual in April -> 0, 0, 0, 1, 1 (not 1 in every month, as "any annual subscription ever" gave)
    assert feature(X, "A1", "annual") == pytest.approx([0, 0, 1 / 3, 1 / 3, 1 / 3])
    assert feature(X, "A2", "annual") == [0.0, 0.0, 0.0, 1.0, 1.0]
    # A3's month-end MRR: 20,000 in January, 10,000 from February -> contracted in Feb and the 2 months after
    assert feature(X, "A3", "contracted_3m") == [0.0, 1.0, 1.0, 1.0, 0.0]
    # tenure in months since the paid streak began (January = 0), not in years
    assert feature(X, "A1", "tenure_months") == [0.0, 1.0, 2.0, 3.0, 4.0]
    # log2_mrr: +1 per doubling; A1 goes from 10,000 to 15,000
    assert feature(X, "A1", "log2_mrr") == pytest.approx(np.log2(1 + np.array([1e4, 1e4, 1.5e4, 1.5e4, 1.5e4])))


def test_a_switch_to_annual_after_the_scoring_month_does_not_change_its_features(tiny):
    """The leakage test: the account switches (and downgrades) later; the earlier months must not see it."""
    subs = tiny.subscriptions
    # without the later history: A2 stays monthly (S3 open, no S4)
    earlier = subs[subs["subscription_id"] != "S4"].copy()
    earlier.loc[earlier["subscription_id"] == "S3", "end_date"] = pd.NaT
    no_switch = dataclasses.replace(tiny, subscriptions=earlier)
    with_switch = risk_features(flat_health(tiny, "2026-05"), tiny)
    without = risk_features(flat_health(no_switch, "2026-05"), no_switch)
    before = lambda X: X[X["month"] <= pd.Period("2026-03", "M")].reset_index(drop=True)
    pd.testing.assert_frame_equal(before(with_switch), before(without))
    # ... and the data do differ later, so the comparison above can fail
    assert feature(with_switch, "A2", "annual")[3] == 1.0 and feature(without, "A2", "annual")[3] == 0.0


def test_features_are_the_same_when_computed_from_data_cut_at_the_month(sample_ds):
    """Every feature of months up to t, from the full data, equals the same computed from what was known at t."""
    t = pd.Period("2026-04", "M")
    month_end = t.end_time.normalize()
    subs = sample_ds.subscriptions
    cut = subs[subs["start_date"] <= month_end].copy()
    cut.loc[cut["end_date"] > month_end, "end_date"] = pd.NaT  # later cancellations not known yet
    known_then = dataclasses.replace(sample_ds, subscriptions=cut)
    months = pd.period_range("2025-05", "2026-10", freq="M")
    h = health_scores(sample_ds, months)
    full = risk_features(h, sample_ds)
    then = risk_features(h, known_then)
    upto = lambda X: X[X["month"] <= t].reset_index(drop=True)
    pd.testing.assert_frame_equal(upto(full), upto(then))
    # later months differ (subscriptions started after t are not in the cut), so this test can fail
    assert not full[full["month"] > t]["annual"].equals(then[then["month"] > t]["annual"])


def test_a_later_switch_to_annual_in_the_sample_leaves_earlier_months_alone(sample_ds):
    """A sample account on monthly billing moves to annual in 2026-06: its features up to 2026-05 do not change."""
    subs = sample_ds.subscriptions
    per = subs.groupby("account_id").agg(n=("subscription_id", "size"), start=("start_date", "min"))
    monthly = subs.groupby("account_id")["billing_period"].agg(lambda b: (b == "monthly").all())
    open_ = subs.groupby("account_id")["end_date"].agg(lambda e: e.isna().all())
    account = per[(per["n"] == 1) & monthly & open_ & (per["start"] < "2025-01-01")].index[0]
    row = subs[subs["account_id"] == account].iloc[0]
    switched = subs.copy()
    switched.loc[switched["account_id"] == account, "end_date"] = pd.Timestamp("2026-05-31")
    new = row.copy()
    new["subscription_id"], new["start_date"], new["billing_period"] = "S-LATER", pd.Timestamp("2026-06-01"), "annual"
    switched = pd.concat([switched, new.to_frame().T.astype(subs.dtypes)], ignore_index=True)
    later = dataclasses.replace(sample_ds, subscriptions=switched)
    months = pd.period_range("2025-05", "2026-10", freq="M")
    a = risk_features(health_scores(sample_ds, months), sample_ds)
    b = risk_features(health_scores(later, months), later)
    upto = lambda X: X[X["month"] <= pd.Period("2026-05", "M")].reset_index(drop=True)
    pd.testing.assert_frame_equal(upto(a), upto(b))
    assert feature(b, account, "annual")[-5:] == [1.0] * 5 and feature(a, account, "annual")[-5:] == [0.0] * 5


# --------------------------------------------------------------------------- the fit: known answers


def test_two_groups_give_the_closed_form_log_odds_and_standard_error():
    # not annual: 2 churners of 8 -> intercept logit(2/8) = ln(2/6) = -1.0986
    # annual: 1 of 8 -> logit(1/8) = ln(1/7); coefficient ln(1/7) - ln(1/3) = ln(3/7) = -0.8473
    # its standard error: sqrt(1/2 + 1/6 + 1/1 + 1/7) = sqrt(1.8095) = 1.3452 (Woolf)
    X = pd.DataFrame({"annual": [0.0] * 8 + [1.0] * 8})
    y = [1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    fit = fit_logistic(X, y, features=["annual"])
    assert fit.table.loc["intercept", "coefficient"] == pytest.approx(np.log(1 / 3), abs=1e-6)
    assert fit.table.loc["annual", "coefficient"] == pytest.approx(np.log(3 / 7), abs=1e-6)
    assert fit.table.loc["annual", "se"] == pytest.approx(np.sqrt(1 / 2 + 1 / 6 + 1 / 1 + 1 / 7), abs=1e-5)
    # the interval is the estimate +- 1.96 SE and the p-value the two-sided normal one
    lo, hi = np.log(3 / 7) + np.array([-1, 1]) * 1.959964 * 1.345185
    assert fit.table.loc["annual", ["ci_low", "ci_high"]].tolist() == pytest.approx([lo, hi], abs=1e-4)
    assert fit.table.loc["annual", "p_value"] == pytest.approx(0.5288, abs=1e-3)  # z = -0.6299
    assert fit.method == "mle" and fit.converged


def nll(beta, A, y, precision=None):
    """Negative log-likelihood of a logistic model, plus a ridge term sum(precision * beta ** 2) / 2."""
    eta = A @ beta
    value = np.sum(np.logaddexp(0, eta) - y * eta)
    return value if precision is None else value + np.sum(precision * beta**2) / 2


def tiny_continuous():
    rng = np.random.default_rng(7)
    n = 60
    X = pd.DataFrame({"breadth_score": rng.integers(0, 5, n) * 25.0, "tenure_months": rng.integers(0, 36, n) * 1.0})
    eta = 0.5 - 2.0 * X["breadth_score"] / 100 + 0.3 * X["tenure_months"] / 12
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float).to_numpy()
    # the design the model uses: intercept, score / 100, tenure / 12 (per 12 months)
    A = np.column_stack([np.ones(n), X["breadth_score"] / 100, X["tenure_months"] / 12])
    return X, y, A


def test_maximum_likelihood_agrees_with_a_direct_minimisation_written_here():
    X, y, A = tiny_continuous()
    fit = fit_logistic(X, y, features=["breadth_score", "tenure_months"])
    ref = minimize(nll, np.zeros(3), args=(A, y), method="BFGS", options={"gtol": 1e-10})
    assert fit.table["coefficient"].to_numpy() == pytest.approx(ref.x, abs=1e-5)
    # standard errors: square roots of the diagonal of the inverse Fisher information A' W A
    p = 1 / (1 + np.exp(-A @ ref.x))
    se = np.sqrt(np.diag(np.linalg.inv(A.T @ (A * (p * (1 - p))[:, None]))))
    assert fit.table["se"].to_numpy() == pytest.approx(se, rel=1e-4)
    assert fit.table["scale"].tolist() == [1.0, 100.0, 12.0]  # tenure's coefficient is per 12 months
    assert predict(fit, X) == pytest.approx(p, abs=1e-6)


def test_coefficient_intervals_contain_the_estimate_and_standard_errors_are_positive(sample_ds):
    h = health_scores(sample_ds, MONTHS[-24:])
    X = risk_features(h, sample_ds).merge(churn_labels(sample_ds, MONTHS[-24:]), on=["account_id", "month"])
    fit = fit_logistic(X, X["churned"])
    t = fit.table
    assert list(t.index) == ["intercept"] + rk.MODEL_FEATURES
    assert (t["se"] > 0).all() and (t["ci_low"] < t["coefficient"]).all() and (t["coefficient"] < t["ci_high"]).all()
    assert (t["ci_high"] - t["ci_low"]).to_numpy() == pytest.approx(2 * 1.959964 * t["se"].to_numpy(), rel=1e-5)
    assert t["p_value"].between(0, 1).all()
    assert fit.method == "mle" and fit.converged and fit.messages == ()
    # the sample's support score is noise: its interval spans 0 (the issue: 0.20 +- 0.43)
    assert t.loc["support_score", "ci_low"] < 0 < t.loc["support_score", "ci_high"]


def test_logistic_regression_recovers_a_planted_coefficient():
    rng = np.random.default_rng(1)
    n = 4000
    X = pd.DataFrame({c: rng.random(n) for c in rk.MODEL_FEATURES})
    X[rk.SCORES] *= 100  # scores are 0-100
    logit = -1.0 - 3.0 * X["breadth_score"] / 100
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    fit = fit_logistic(X, y)
    row = fit.table.loc["breadth_score"]
    assert row["ci_low"] < -3.0 < row["ci_high"]  # the planted -3 (per 100 points) is inside the 95% interval
    assert predict(fit, X).mean() == pytest.approx(y.mean(), abs=0.01)


# --------------------------------------------------------------------------- the fit: problems become messages


def quasi_separated():
    """Annual accounts never churn: the annual coefficient has no finite maximum-likelihood value."""
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({"breadth_score": rng.random(n) * 100, "annual": (rng.random(n) < 0.4).astype(float)})
    y = ((rng.random(n) < 0.3) & (X["annual"] == 0)).to_numpy(dtype=float)
    return X, y


def test_separation_is_reported_and_the_ridge_fallback_is_the_penalised_optimum():
    X, y = quasi_separated()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak as a Python warning
        fit = fit_logistic(X, y, features=["breadth_score", "annual"])
    sep = [m for m in fit.messages if m.code == FitIssue.SEPARATION]
    assert sep and sep[0].detail["features"] == ["annual"]
    # the rows it predicts perfectly: every annual row (none churned)
    assert sep[0].detail["rows"] == int((X["annual"] == 1).sum())
    assert fit.method == "ridge" and fit.converged and fit.has(FitIssue.REGULARISED)
    # the ridge optimum written out here: normal prior sd 2.5 on each coefficient but the intercept
    A = np.column_stack([np.ones(len(y)), X["breadth_score"] / 100, X["annual"]])
    precision = np.array([0.0, 1 / 2.5**2, 1 / 2.5**2])
    ref = minimize(nll, np.zeros(3), args=(A, y, precision), method="BFGS", options={"gtol": 1e-10})
    assert fit.table["coefficient"].to_numpy() == pytest.approx(ref.x, abs=1e-5)
    assert (fit.table["se"] > 0).all()


def test_complete_separation_is_reported_without_a_python_warning():
    # every churner has a breadth score under 40, every other account 40 or more
    X = pd.DataFrame({"breadth_score": np.arange(20) * 5.0})
    y = (X["breadth_score"] < 40).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_logistic(X, y, features=["breadth_score"])
    assert fit.has(FitIssue.SEPARATION) and fit.method == "ridge"
    assert fit.table.loc["breadth_score", "coefficient"] < 0  # finite, in the right direction
    # 8 churners for 1 feature is fewer than 10 per feature
    few = [m for m in fit.messages if m.code == FitIssue.FEW_EVENTS][0]
    assert few.detail == {"events": 8, "non_events": 12, "features": 1, "per_feature": 8.0}


def test_a_well_posed_fit_proves_there_is_no_separation_without_the_linear_programme(monkeypatch):
    X, y, A = tiny_continuous()
    expected = fit_logistic(X, y, features=["breadth_score", "tenure_months"])
    calls = []
    monkeypatch.setattr(rk, "_separation", lambda *a: calls.append(a))  # counts calls; "not separated"
    fit = fit_logistic(X, y, features=["breadth_score", "tenure_months"])
    assert calls == [] and fit.method == "mle" and fit.converged
    pd.testing.assert_frame_equal(fit.table, expected.table)
    assert fit.messages == expected.messages


def test_the_separation_certificate_never_contradicts_the_linear_programme():
    # the certificate (a strictly positive w with M.T @ w = 0) exists exactly when no direction separates;
    # on separated data it must say "not proven", on the well-posed data above it must prove it
    X, y = quasi_separated()
    A = np.column_stack([np.ones(len(y)), X["breadth_score"] / 100, X["annual"]])
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        params = np.asarray(GLM(y, A, family=Binomial()).fit(maxiter=100).params)
    assert rk._separation(A, y) is not None
    assert not rk._not_separated(A, y, params)
    _, y2, A2 = tiny_continuous()
    params2 = np.asarray(GLM(y2, A2, family=Binomial()).fit().params)
    assert rk._separation(A2, y2) is None and rk._not_separated(A2, y2, params2)
    # and far from the optimum (a large score left) it proves nothing rather than something wrong
    assert not rk._not_separated(A2, y2, params2 + 5.0)
    # 200 random small designs, some separated: the certificate never claims "not separated" wrongly
    rng = np.random.default_rng(3)
    kinds = {"proven": 0, "separated": 0}
    for _ in range(200):
        n = int(rng.integers(6, 40))
        B = np.column_stack([np.ones(n), rng.integers(0, 3, (n, 2))])
        yy = (rng.random(n) < rng.uniform(0.1, 0.9)).astype(float)
        if yy.min() == yy.max():
            continue
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            pp = np.asarray(GLM(yy, B, family=Binomial()).fit(maxiter=100).params)
        if rk._not_separated(B, yy, pp):
            assert rk._separation(B, yy) is None
            kinds["proven"] += 1
        kinds["separated"] += rk._separation(B, yy) is not None
    assert kinds["proven"] > 100 and kinds["separated"] > 10  # both kinds were tried (162 and 29 here)


def test_a_fit_that_does_not_converge_says_so():
    X, y, _ = tiny_continuous()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_logistic(X, y, features=["breadth_score", "tenure_months"], maxiter=1)
    assert not fit.converged and fit.has(FitIssue.NOT_CONVERGED)
    assert [m.detail["method"] for m in fit.messages if m.code == FitIssue.NOT_CONVERGED] == ["mle", "ridge"]


def test_library_warnings_are_captured_as_messages(monkeypatch):
    # the library is statsmodels' optimiser of the ridge fallback (separated data)
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    class NoisyGLM(rk.GLM):
        def fit_regularized(self, *args, **kwargs):
            warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=2)
            warnings.warn("optimiser wobbled", ConvergenceWarning, stacklevel=2)
            return super().fit_regularized(*args, **kwargs)

    monkeypatch.setattr(rk, "GLM", NoisyGLM)
    X, y = quasi_separated()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_logistic(X, y, features=["breadth_score", "annual"])
    details = [m.detail for m in fit.messages]
    assert fit.method == "ridge" and {"category": "RuntimeWarning", "text": "overflow encountered in exp"} in details
    # the Newton polish converged, so the optimiser's convergence doubt is not reported as no convergence
    assert fit.converged and not fit.has(FitIssue.NOT_CONVERGED)
    assert all(d.get("text") != "optimiser wobbled" for d in details)


def test_maximum_likelihood_agrees_with_statsmodels_glm():
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM

    X, y, A = tiny_continuous()
    fit = fit_logistic(X, y, features=["breadth_score", "tenure_months"])
    ref = GLM(y, A, family=Binomial()).fit()
    assert fit.table["coefficient"].to_numpy() == pytest.approx(np.asarray(ref.params), abs=1e-8)
    assert fit.table["se"].to_numpy() == pytest.approx(np.asarray(ref.bse), rel=1e-6)


def test_the_gram_shortcut_keeps_the_same_columns_as_the_qr():
    # a well-conditioned design skips the QR; any design decides exactly as the QR over every row does
    rng = np.random.default_rng(7)

    def by_qr(A):
        R = np.linalg.qr(A, mode="r")
        keep = [0]
        for j in range(1, A.shape[1]):
            s = np.linalg.svd(R[:, keep + [j]], compute_uv=False)
            if len(s) == len(keep) + 1 and s[-1] > s[0] * max(A.shape) * np.finfo(float).eps:
                keep.append(j)
        return keep

    shortcuts = 0
    for _ in range(100):
        n = int(rng.integers(20, 400))
        A = np.column_stack([np.ones(n)] + [rng.normal(size=n) * 10.0 ** rng.integers(-2, 3) for _ in range(4)])
        kind = rng.integers(0, 4)
        if kind == 1:
            A[:, 3] = 2 * A[:, 1] - A[:, 2]  # an exact combination
        elif kind == 2:
            A[:, 4] = 5.0  # no variation: the intercept again
        elif kind == 3:
            A[:, 2] = A[:, 1] + rng.normal(size=n) * 1e-9  # nearly a copy
        s = np.linalg.svd(A, compute_uv=False)
        shortcuts += bool(s[-1] > s[0] * 1e-6)
        assert rk._independent_columns(A) == by_qr(A)
    assert 20 < shortcuts < 90  # both paths were taken


def test_an_input_without_variation_is_left_out_with_a_message():
    X, y, _ = tiny_continuous()
    X = X.assign(annual=0.0, voice_missing=1.0)  # no billing periods; no NPS at all
    fit = fit_logistic(X, y, features=["breadth_score", "annual", "tenure_months", "voice_missing"])
    assert [m.detail for m in fit.messages if m.code == FitIssue.DROPPED] == [{"features": ["annual", "voice_missing"]}]
    assert fit.table.loc[["annual", "voice_missing"], "coefficient"].isna().all()
    same = fit_logistic(X, y, features=["breadth_score", "tenure_months"])
    assert predict(fit, X) == pytest.approx(predict(same, X))


def test_one_outcome_only_is_refused():
    with pytest.raises(ValueError, match="both churners and non-churners"):
        fit_logistic(pd.DataFrame({"annual": [0.0, 1.0]}), [0, 0], features=["annual"])


# --------------------------------------------------------------------------- out of sample


@pytest.fixture(scope="module")
def model_inputs(sample_ds):
    h = health_scores(sample_ds, MONTHS)
    return risk_features(h, sample_ds), churn_labels(sample_ds, MONTHS)


def test_the_churn_model_predicts_out_of_sample(model_inputs):
    X, labels = model_inputs
    pred = walk_forward(X, labels, test_months=pd.period_range("2025-10", "2026-07", freq="M"))
    stats = evaluate(pred)
    assert stats["auc"] > 0.75 and stats["top_decile_lift"] > 2.5 and not stats["weak"]
    # every test month was trained on months at least 3 before it
    assert (pd.PeriodIndex(pred["train_until"], freq="M") + 3 <= pred["month"]).all()
    assert set(pred["fit_method"]) == {"mle"} and pred["fit_converged"].all()


def test_the_churn_model_never_sees_data_after_its_observation_date(model_inputs):
    X, labels = model_inputs
    t = pd.Period("2026-04", "M")
    before = walk_forward(X, labels, test_months=[t])
    # scramble everything that happened after the training cut-off (features and outcomes of later months)
    rng = np.random.default_rng(0)
    later = (X["month"] > t - 3) & (X["month"] != t)
    X2 = X.copy()
    X2.loc[later, "frequency_score"] = rng.random(later.sum()) * 100
    labels2 = labels.copy()
    future = labels2["month"] + 3 > t
    labels2.loc[future, "churned"] = ~labels2.loc[future, "churned"]
    after = walk_forward(X2, labels2, test_months=[t])
    np.testing.assert_array_equal(before["risk"].to_numpy(), after["risk"].to_numpy())


def test_calibration_bins_and_an_undefined_auc_is_weak():
    # 10 predictions in 5 bins of 2: bin 1 holds risks 0.1, 0.2 (mean 0.15) and one churner of 2
    pred = pd.DataFrame({"risk": np.arange(1, 11) / 10, "churned": [True, False] * 5})
    c = calibration(pred)
    assert c["account_months"].tolist() == [2] * 5 and c.loc[0, "predicted"] == pytest.approx(0.15)
    assert c["observed"].tolist() == [0.5] * 5
    # no churner among the outcomes: the AUC is undefined, and the model counts as weak
    stats = evaluate(pred.assign(churned=False))
    assert np.isnan(stats["auc"]) and stats["weak"]


def test_the_band_backtest_counts_account_months(sample_ds):
    h = health_scores(sample_ds, MONTHS[-12:])
    table, stats = backtest(h, churn_labels(sample_ds, MONTHS[-12:]))
    assert "accounts" not in table.columns and table["account_months"].sum() == stats["observations"]
    # an account counts once per scored month: more account-months than accounts
    assert stats["observations"] > h["account_id"].nunique()


def test_the_band_chart_labels_each_bar_with_its_account_months():
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_band_churn

    # 10 account-months in red (3 churned), 20 in yellow (1), 30 in green (0)
    table = pd.DataFrame(
        {
            "band": ["red", "yellow", "green"],
            "account_months": [10, 20, 30],
            "churned": [3, 1, 0],
            "churn_rate": [0.3, 0.05, 0.0],
            "ci_low": [0.1, 0.01, 0.0],
            "ci_high": [0.6, 0.24, 0.11],
        }
    )
    fig, ax = plt.subplots()
    plot_band_churn(table, ax=ax)
    assert [t.get_text() for t in ax.texts] == ["30.0%\n(n=10)", "5.0%\n(n=20)", "0.0%\n(n=30)"]
    plt.close(fig)


# --------------------------------------------------------------------------- the view


@pytest.fixture(scope="module")
def sample_view():
    import playbook as pb
    from playbook.report.customer_views import HealthView

    return HealthView(pb.open_review(month="2026-10", data_dir="data/sample", lang="en"))


def test_the_coefficient_table_says_unit_interval_and_whether_it_could_be_noise(sample_view):
    t = sample_view.coefficient_table()
    c = sample_view.coefficients.set_index("feature")
    assert t.columns.tolist() == [
        "per",
        "coefficient",
        "95% interval",
        "std. error",
        "p-value",
        "churn odds ×",
        "reading",
    ]
    assert t.loc["paid tenure", "per"] == "12 months" and t.loc["MRR", "per"] == "doubling of MRR"
    lo, hi = c.loc["support_score", ["ci_low", "ci_high"]]
    assert t.loc["support score", "95% interval"] == f"{lo:.2f} to {hi:.2f}"
    # the reading agrees with each interval
    for feature, row in c.iloc[1:].iterrows():
        reading = t.loc[sample_view._feature_name(feature), "reading"]
        expected = (
            "more risk" if row["ci_low"] > 0 else "less risk" if row["ci_high"] < 0 else "unclear (could be noise)"
        )
        assert reading == expected, feature
    assert t.loc["support score", "reading"] == "unclear (could be noise)"


def test_a_good_model_has_no_warning(sample_view):
    assert not sample_view.model_is_weak and sample_view.model_warning() == ""


@pytest.mark.parametrize(
    "lang,first", [("en", "**The churn-risk model is weak"), ("ja", "**解約リスクモデルの精度が低い")]
)
def test_a_weak_model_says_so_before_anything_else(monkeypatch, lang, first):
    import playbook as pb
    from playbook.report.customer_views import HealthView

    real = hs.churn_labels

    def coin_tosses(ds, months, *, horizon=3):  # outcomes that no feature can predict
        labels = real(ds, months, horizon=horizon)
        rng = np.random.default_rng(11)
        return labels.assign(churned=rng.random(len(labels)) < labels["churned"].mean())

    monkeypatch.setattr(hs, "churn_labels", coin_tosses)
    view = HealthView(pb.open_review(month="2026-10", data_dir="data/sample", lang=lang))
    auc = view.model_stats["auc"]
    assert auc < rk.WEAK_AUC and view.model_is_weak
    text = view.model_warning()
    assert text.startswith(first) and f"**{auc:.2f}**" in text


def test_with_billing_data_only_the_model_is_weak_and_says_which_inputs_it_lacked(tmp_path):
    import shutil

    import playbook as pb
    from playbook.report.customer_views import HealthView
    from tests.conftest import SAMPLE

    for name in ("accounts.csv", "subscriptions.csv", "dataset.yaml"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = HealthView(pb.open_review(month="2026-10", data_dir=tmp_path, lang="en"))
        text = view.model_warning()
    # no usage, users, surveys or tickets: every health component is missing, only billing signals are left
    assert view.model_is_weak and text.startswith("**The churn-risk model is weak")
    assert view.model.has(FitIssue.DROPPED) and "usage frequency score" in text.split("\n\n")[1]
    assert view.coefficient_table().loc["usage frequency score", "coefficient"] == "–"
