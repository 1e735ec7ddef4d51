"""BG/NBD, Gamma-Gamma, CLV and likely lapsed customers: the published CDNOW fits, closed forms, invariants, the view."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from playbook.analyses.clv_models import (
    BGNBD,
    GammaGamma,
    bgnbd_log_likelihood,
    customer_values,
    dormant_customers,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
    purchase_summary,
)

matplotlib.use("Agg")

CDNOW = Path(__file__).parent / "data" / "cdnow_sample"
PUBLISHED = BGNBD(r=0.243, alpha=4.414, a=0.793, b=2.426)


def read_cdnow() -> pd.DataFrame:
    """The CDNOW sample as a user's transactions table: account_id (the sample id), date, amount."""
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "account_id", "date", "cds", "amount"],
        dtype={"master_id": str, "account_id": str, "date": str},
    )
    return raw.assign(date=pd.to_datetime(raw["date"], format="%Y%m%d"))[["account_id", "date", "amount"]]


@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    s = purchase_summary(read_cdnow(), as_of="1997-09-30", unit="week")
    s.index = s.index.astype(int)
    return s.sort_index()


# ---- the summary -------------------------------------------------------------------------------------


def test_cdnow_summary_matches_the_one_lifetimes_ships(calibration):
    ref = pd.read_csv(CDNOW / "cdnow_customers_summary.csv", index_col="ID").sort_index()
    with_tx = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv", index_col="ID").sort_index()
    assert len(calibration) == len(ref) == 2357
    assert (calibration["frequency"] == ref["frequency"]).all()
    # the shipped files are rounded to 2 decimals
    assert np.abs(calibration["recency"] - ref["recency"]).max() <= 0.005 + 1e-9
    assert np.abs(calibration["T"] - ref["T"]).max() <= 0.005 + 1e-9
    assert np.abs(calibration["monetary_value"] - with_tx["zbar"]).max() <= 0.005 + 1e-9


def test_summary_counts_purchase_days_and_ignores_orders_after_as_of():
    tx = pd.DataFrame(
        {
            "account_id": ["a", "a", "a", "a", "b"],
            "date": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-15 00:00", "2024-03-01 00:00", "2024-01-08 00:00"]
            ),
            "amount": [10.0, 5.0, 20.0, 99.0, 7.0],
        }
    )
    s = purchase_summary(tx, as_of="2024-01-29", unit="day")
    # a: two orders on 01-01 are one purchase day of 15; 01-15 is the one repeat; 03-01 is after as_of
    assert s.loc["a", ["frequency", "recency", "T", "purchase_days"]].tolist() == [1, 14.0, 28.0, 2]
    assert s.loc["a", "total_spend"] == 35.0 and s.loc["a", "monetary_value"] == 20.0
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0.0, 21.0, 0.0]


def test_summary_accepts_timezone_aware_dates_and_other_column_names():
    tx = pd.DataFrame(
        {"cust": ["x", "x"], "when": pd.to_datetime(["2024-01-01", "2024-01-08"]).tz_localize("Asia/Tokyo")}
    )
    s = purchase_summary(tx, as_of="2024-01-15", customer_col="cust", date_col="when", value_col=None)
    assert s.loc["x", ["frequency", "recency", "T"]].tolist() == [1, 1.0, 2.0]
    assert "monetary_value" not in s.columns


def test_summary_names_a_missing_column():
    with pytest.raises(KeyError, match=r"\['amount'\] not in transactions"):
        purchase_summary(pd.DataFrame({"account_id": ["a"], "date": ["2024-01-01"]}), as_of="2024-02-01")


# ---- golden fits --------------------------------------------------------------------------------------


def test_bgnbd_reproduces_fader_hardie_lee_2005_on_the_cdnow_calibration_period(calibration):
    m = fit_bgnbd(calibration)
    fitted = {k: round(v, 3) for k, v in m.params.items()}
    assert fitted == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(m.log_likelihood, 1) == -9582.4
    assert m.n == 2357


def test_published_bgnbd_parameters_give_the_published_log_likelihood(calibration):
    ll = bgnbd_log_likelihood(
        (0.243, 4.414, 0.793, 2.426), calibration["frequency"], calibration["recency"], calibration["T"]
    ).sum()
    assert ll == pytest.approx(-9582.4, abs=0.1)


def test_gamma_gamma_reproduces_the_published_spend_model(calibration):
    # Fader, Hardie and Lee (2005, JMR) on the 946 repeat buyers: p = 6.25, q = 3.74, gamma = 15.44
    g = fit_gamma_gamma(calibration)
    assert g.n == 946
    assert (round(g.p, 2), round(g.q, 2), round(g.gamma, 2)) == (6.25, 3.74, 15.44)


def test_gamma_gamma_on_lifetimes_rounded_spend_gives_its_documented_15_45():
    # lifetimes' docs fit the file whose zbar is rounded to cents and show v = 15.45 (our exact spend: 15.44)
    ref = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    g = fit_gamma_gamma(ref.rename(columns={"x": "frequency", "zbar": "monetary_value"}))
    assert (round(g.p, 2), round(g.q, 2), round(g.gamma, 2)) == (6.25, 3.74, 15.45)


# ---- closed forms and known answers -------------------------------------------------------------------


def test_log_likelihood_of_a_repeat_buyer_by_hand():
    # r = alpha = a = b = 1, x = 1, t_x = 1, T = 2:
    # B(1,2)/B(1,1) (1/3)^2 + B(2,1)/B(1,1) (1/2)^2 = 1/18 + 1/8 = 13/72
    ll = bgnbd_log_likelihood((1.0, 1.0, 1.0, 1.0), [1], [1.0], [2.0])[0]
    assert ll == pytest.approx(np.log(13 / 72))


def test_a_customer_who_never_bought_again_is_alive_for_sure():
    x0 = PUBLISHED.p_alive(np.zeros(5), np.zeros(5), [1.0, 10, 39, 78, 500])
    assert (x0 == 1.0).all()


def test_p_alive_by_hand():
    # x = 2, t_x = 30.43, T = 38.86: 1 / (1 + 0.793/3.426 * (43.274/34.844)^2.243) = 0.7266
    expected = 1 / (1 + 0.793 / (2.426 + 1) * ((4.414 + 38.86) / (4.414 + 30.43)) ** (0.243 + 2))
    assert PUBLISHED.p_alive(2, 30.43, 38.86) == pytest.approx(expected) == pytest.approx(0.7266, abs=1e-4)


@pytest.mark.parametrize(
    ("t", "x", "tx", "T"),
    [(39, 2, 30.43, 38.86), (52, 26, 30.86, 31.0), (39, 0, 0.0, 38.86), (5, 1, 2.0, 30.0)],
    ids=["customer-1", "heavy-buyer", "no-repeat", "early-drop"],
)
def test_expected_purchases_equal_the_integral_over_the_posterior(t, x, tx, T):
    # alive: lambda ~ gamma(r + x, alpha + T), p ~ beta(a, b + x); E[X(t) | lambda, p] = (1 - exp(-lambda p t)) / p
    m = PUBLISHED

    def integrand(p):
        return (1 - ((m.alpha + T) / (m.alpha + T + p * t)) ** (m.r + x)) / p * stats.beta.pdf(p, m.a, m.b + x)

    expected = m.p_alive(x, tx, T) * integrate.quad(integrand, 0, 1, limit=200)[0]
    assert m.expected_purchases(t, x, tx, T) == pytest.approx(expected, rel=1e-7)


def test_expected_purchases_start_at_the_alive_customers_purchase_rate():
    # for a tiny horizon: E ~ P(alive) * E[lambda | alive] * t = P(alive) * (r + x) / (alpha + T) * t
    x, tx, big_t, dt = 3, 20.0, 35.0, 1e-6
    rate = PUBLISHED.p_alive(x, tx, big_t) * (PUBLISHED.r + x) / (PUBLISHED.alpha + big_t)
    assert PUBLISHED.expected_purchases(dt, x, tx, big_t) / dt == pytest.approx(rate, rel=1e-4)


def test_expected_purchases_of_a_new_customer_are_the_conditional_ones_with_no_history():
    # x = 0, t_x = 0, T = 0 is a customer just acquired
    t = np.array([1.0, 13, 52])
    assert PUBLISHED.expected_purchases(t, 0, 0.0, 0.0) == pytest.approx(PUBLISHED.expected_purchases_new(t))


def test_expected_spend_is_a_weighted_mean_of_population_and_own_spend():
    # p = 1, q = 2, gamma = 10, x = 1, m = 20: (10 + 20) * 1 / (1 + 2 - 1) = 15
    assert GammaGamma(1.0, 2.0, 10.0).expected_spend(1, 20.0) == pytest.approx(15.0)
    # without repeats: the population mean p gamma / (q - 1) = 10
    assert GammaGamma(1.0, 2.0, 10.0).expected_spend(0, 0.0) == pytest.approx(10.0)


def test_gamma_gamma_log_likelihood_by_hand():
    # p = 2, q = 3, gamma = 4, x = 2, m = 5: Gamma(7)/(Gamma(4)Gamma(3)) 4^3 2^4 5^3 / 14^7
    expected = np.log(720 / (6 * 2) * 64 * 16 * 125 / 14**7)
    assert gamma_gamma_log_likelihood((2.0, 3.0, 4.0), [2], [5.0])[0] == pytest.approx(expected)


def test_clv_without_discount_is_purchases_times_spend_times_margin():
    s = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86], "monetary_value": [22.35]})
    gg = GammaGamma(6.25, 3.74, 15.44)
    v = customer_values(s, PUBLISHED, gg, months=12, monthly_discount_rate=0.0, margin=0.4)
    weeks = 12 * 365.25 / 12 / 7
    expected = PUBLISHED.expected_purchases(weeks, 2, 30.43, 38.86) * gg.expected_spend(2, 22.35) * 0.4
    assert v.loc[0, "clv"] == pytest.approx(expected)
    discounted = customer_values(s, PUBLISHED, gg, months=12, monthly_discount_rate=0.02, margin=0.4)
    assert discounted.loc[0, "clv"] < v.loc[0, "clv"]


# ---- invariants ----------------------------------------------------------------------------------------


def test_p_alive_rises_with_recency_on_a_grid():
    for x in (1, 2, 5, 20):
        p = PUBLISHED.p_alive(x, np.linspace(0, 39, 80), 39.0)
        assert (np.diff(p) > 0).all(), x


@settings(max_examples=200, deadline=None)
@given(
    r=st.floats(0.05, 5),
    alpha=st.floats(0.5, 50),
    a=st.floats(0.05, 5),
    b=st.floats(0.05, 10),
    x=st.integers(1, 60),
    t1=st.floats(0, 100),
    t2=st.floats(0, 100),
    extra=st.floats(0, 50),
)
def test_p_alive_never_falls_as_recency_rises_for_fixed_frequency(r, alpha, a, b, x, t1, t2, extra):
    m = BGNBD(r, alpha, a, b)
    lo, hi = sorted((t1, t2))
    big_t = hi + extra
    assert m.p_alive(x, lo, big_t) <= m.p_alive(x, hi, big_t) + 1e-12
    assert 0 <= m.p_alive(x, lo, big_t) <= 1


@settings(max_examples=200, deadline=None)
@given(
    r=st.floats(0.05, 5),
    alpha=st.floats(0.5, 50),
    a=st.floats(0.05, 5).filter(lambda v: abs(v - 1) > 1e-3),
    b=st.floats(0.05, 10),
    x=st.integers(0, 40),
    recency_share=st.floats(0, 1),
    big_t=st.floats(0.5, 100),
    t=st.floats(0, 200),
)
def test_expected_purchases_are_never_negative_and_grow_with_the_horizon(r, alpha, a, b, x, recency_share, big_t, t):
    m = BGNBD(r, alpha, a, b)
    tx = 0.0 if x == 0 else recency_share * big_t
    e1, e2 = m.expected_purchases(t, x, tx, big_t), m.expected_purchases(t + 10, x, tx, big_t)
    assert e1 >= 0 and np.isfinite(e1)
    assert e2 >= e1 - 1e-9


def test_a_planted_purchase_process_comes_back():
    # simulate BG/NBD customers with r = 0.5, alpha = 5 (0.1 purchases a week) and a = 1, b = 4 (20% drop-out)
    rng = np.random.default_rng(7)
    n, big_t = 4000, 52.0
    lam = rng.gamma(0.5, 1 / 5, n)
    p = rng.beta(1.0, 4.0, n)
    freq, rec = np.zeros(n, int), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / lam[i])
            if t > big_t:
                break
            freq[i] += 1
            rec[i] = t
            if rng.random() < p[i]:
                break
    m = fit_bgnbd(pd.DataFrame({"frequency": freq, "recency": rec, "T": big_t}))
    assert m.r / m.alpha == pytest.approx(0.1, rel=0.15)
    assert m.a / (m.a + m.b) == pytest.approx(0.2, rel=0.3)


# ---- dormant customers ------------------------------------------------------------------------------


def test_dormant_are_below_the_threshold_with_the_biggest_past_spenders_first():
    s = pd.DataFrame(
        {
            "frequency": [3, 3, 0, 5],
            "recency": [5.0, 30.0, 0.0, 2.0],
            "T": [40.0] * 4,
            "purchase_days": [4, 4, 1, 6],
            "total_spend": [80.0, 90.0, 10.0, 300.0],
            "last_purchase": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-01-01", "2023-12-20"]),
        },
        index=pd.Index(["old", "recent", "once", "big"], name="account_id"),
    )
    v = customer_values(s, PUBLISHED)
    d = dormant_customers(v, s, threshold=0.3)
    # 'recent' bought at week 30 of 40 (alive), 'once' never repeated (P(alive) = 1 in BG/NBD)
    assert d["account_id"].tolist() == ["big", "old"]
    assert (d["p_alive"] < 0.3).all()
    assert list(d.columns[:3]) == ["account_id", "p_alive", "expected_purchases"]


def test_dormant_threshold_must_be_a_probability():
    with pytest.raises(ValueError, match="threshold=1.5"):
        dormant_customers(pd.DataFrame({"p_alive": [0.5]}), pd.DataFrame(index=[0]), threshold=1.5)


# ---- the report view (a transactions-only dataset) ----------------------------------------------------


def _purchase_context(lang: str):
    from playbook.data.dataset import load_tables
    from playbook.report.context import ReviewContext

    tx = read_cdnow()
    tx = tx[tx["date"] <= "1997-12-31"].reset_index(drop=True)
    accounts = pd.DataFrame({"account_id": sorted(tx["account_id"].unique()), "signup_date": "1997-01-01"}).assign(
        signup_date=lambda d: tx.groupby("account_id")["date"].min().dt.strftime("%Y-%m-%d").to_numpy()
    )
    tx = tx.assign(transaction_id=[f"T{i}" for i in range(len(tx))])
    ds = load_tables(
        {"accounts": accounts, "transactions": tx},
        labels={"accounts": "accounts.csv", "transactions": "transactions.csv"},
        settings={"currency": "USD"},
        as_of="1997-12-31",
    )
    return ReviewContext(ds=ds, month=pd.Period("1997-12", freq="M"), lang=lang, data_dir=CDNOW, kpi_tree=None)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_purchase_view_lists_dormant_customers_with_their_value(lang):
    from playbook.report.model_views import PurchaseModelView, RetentionProjectionView

    ctx = _purchase_context(lang)
    view = PurchaseModelView(ctx, months=6, recent_months=6)  # recent: July to December 1997
    assert view.applicable
    table = view.dormant(top=10)
    assert 0 < len(table) <= 10
    p_alive = table.iloc[:, 1].str.rstrip("%").astype(float)
    assert (p_alive < 30).all()
    header = "生存確率" if lang == "ja" else "P(alive)"
    assert header in table.columns
    bands = view.bands()
    counts = bands.iloc[:, 0].str.replace(",", "").astype(int)
    # four groups and a total row: the groups add up to every customer
    assert len(bands) == 5 and counts.iloc[:4].sum() == counts.iloc[4] == len(view.summary)
    # one-time buyers (P(alive) = 1 by construction) are their own group, never active
    assert counts.iloc[3] == (view.summary["frequency"] == 0).sum()
    recent = bands.iloc[:, 2].str.replace(",", "").astype(int)
    assert recent.iloc[0] == counts.iloc[0]  # every active customer bought in the recent months
    before = view.summary["last_purchase"] < view.recent_since
    assert before.any() and not (view.groups[before] == "active").any()
    # the likely lapsed list is the lapsed group, and the rule is in the row labels
    assert len(view.dormant(top=10**6)) == counts.iloc[2]
    assert all("30%" in label for label in bands.index[1:3])
    assert "70%" in bands.index[0] and "6" in bands.index[0]
    keep = view.most_valuable(top=5)
    assert keep.columns[1] == ("区分" if lang == "ja" else "group")
    # the subscription view says in one sentence why it is absent
    retention = RetentionProjectionView(ctx)
    assert not retention.applicable
    assert "subscriptions" in retention.note().data


def test_purchase_view_on_subscriptions_says_why_it_is_absent():
    import playbook as pb
    from playbook.report.model_views import PurchaseModelView

    ctx = pb.open_review(month="2026-10", data_dir="data/sample", lang="ja")
    view = PurchaseModelView(ctx)
    assert not view.applicable
    assert "ノートブック04" in view.note().data
    assert view.dormant().shape == (1, 1)
