"""Known answers for the revenue and retention KPIs on a tiny hand-built company.

The company (monthly MRR on the last day of each month):

    account  story                                          2025-12  2026-01  2026-02  2026-03  2026-04
    a        100 from 2025-12-01, 150 from 2026-02-15          100      100      150      150      150
    b        200 from 2025-12-10, ends 2026-01-20              200        .        .        .        .
    c        joins 2026-01-05, leaves 2026-01-25                 .        .        .        .        .
    d        300 from 2025-12-01 to 2026-02-10, back 250
             from 2026-04-03                                   300      300        .        .      250
    e        annual plan, 1,200 a year = 100 MRR, from
             2026-02-01 to 2027-01-31                            .        .      100      100      100
    f        500 from 2025-12-01, 400 from 2026-03-16          500      500      500      400      400
    total                                                     1100      900      750      650      900
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook.kpis import retention, revenue

MONTHS = pd.period_range("2026-01", "2026-04", freq="M")
SPAN = pd.period_range("2025-12", "2026-04", freq="M")


@pytest.fixture(scope="module")
def subs() -> pd.DataFrame:
    rows = [
        ("a", "Workspace", "2025-12-01", "2026-02-14", 100.0),
        ("a", "Workspace", "2026-02-15", None, 150.0),
        ("b", "Workspace", "2025-12-10", "2026-01-20", 200.0),
        ("c", "Workspace", "2026-01-05", "2026-01-25", 80.0),
        ("d", "Workspace", "2025-12-01", "2026-02-10", 300.0),
        ("d", "Workspace", "2026-04-03", None, 250.0),
        ("e", "Workspace", "2026-02-01", "2027-01-31", 100.0),
        ("f", "Workspace", "2025-12-01", "2026-03-15", 500.0),
        ("f", "Workspace", "2026-03-16", None, 400.0),
        ("a", "Analytics", "2026-03-10", None, 0.0),  # a free add-on is not a cross-sell
        ("f", "Analytics", "2026-04-12", None, 30.0),  # f adds a paid add-on in April
    ]
    df = pd.DataFrame(rows, columns=["account_id", "product", "start_date", "end_date", "mrr"])
    return df.assign(start_date=pd.to_datetime(df["start_date"]), end_date=pd.to_datetime(df["end_date"]))


@pytest.fixture(scope="module")
def bridge(subs) -> pd.DataFrame:
    base = subs[~((subs["account_id"] == "f") & (subs["product"] == "Analytics"))]
    return revenue.mrr_bridge(revenue.month_end_mrr(base, SPAN), MONTHS)


def values(table) -> list[float]:
    return [round(float(v), 6) if not np.isnan(v) else v for v in table["value"]]


def test_month_end_mrr_and_the_bridge_follow_the_story(bridge):
    assert bridge["mrr_start"].tolist() == [1100.0, 900.0, 750.0, 650.0]
    assert bridge["mrr_end"].tolist() == [900.0, 750.0, 650.0, 900.0]
    assert bridge["new"].tolist() == [0.0, 100.0, 0.0, 0.0]  # e in February; c never had a month end
    assert bridge["reactivation"].tolist() == [0.0, 0.0, 0.0, 250.0]  # d comes back in April
    assert bridge["expansion"].tolist() == [0.0, 50.0, 0.0, 0.0]  # a's plan change mid-February
    assert bridge["contraction"].tolist() == [0.0, 0.0, 100.0, 0.0]  # f in March
    assert bridge["churned"].tolist() == [200.0, 300.0, 0.0, 0.0]  # b in January, d in February


def test_movements_per_account(subs):
    mv = revenue.mrr_movements(revenue.month_end_mrr(subs[subs["product"] == "Workspace"], SPAN), MONTHS)
    d = mv[mv["account_id"] == "d"].set_index(mv.loc[mv["account_id"] == "d", "month"].astype(str))
    assert d.loc["2026-02", "churned"] == 300.0 and d.loc["2026-04", "reactivation"] == 250.0
    assert "c" not in set(mv["account_id"])  # joined and left inside January


def test_mrr_arr_paying_customers_and_arpa(bridge):
    assert values(revenue.mrr(bridge)) == [900.0, 750.0, 650.0, 900.0]
    assert values(revenue.arr(bridge)) == [10800.0, 9000.0, 7800.0, 10800.0]
    assert values(revenue.paying_customers(bridge)) == [3.0, 3.0, 3.0, 4.0]
    # ARPA: 900/3, 750/3, 650/3, 900/4
    assert values(revenue.arpa(bridge)) == [300.0, 250.0, 216.666667, 225.0]


def test_nrr_and_grr(bridge):
    # Jan (1100 - 200) / 1100; Feb (900 + 50 - 300) / 900; Mar (750 - 100) / 750; Apr 650 / 650 (reactivation excluded)
    assert values(revenue.nrr(bridge)) == [0.818182, 0.722222, 0.866667, 1.0]
    # GRR ignores the expansion: Feb (900 - 300) / 900
    assert values(revenue.grr(bridge)) == [0.818182, 0.666667, 0.866667, 1.0]
    assert revenue.nrr(bridge)["numerator"].tolist() == [900.0, 650.0, 650.0, 650.0]


def test_revenue_churn_expansion_and_upsell_rates(bridge):
    assert values(revenue.revenue_churn_rate(bridge)) == [
        0.181818,
        0.333333,
        0.133333,
        0.0,
    ]  # 200/1100, 300/900, 100/750
    assert values(revenue.expansion_mrr_rate(bridge)) == [0.0, 0.055556, 0.0, 0.0]  # 50/900
    assert values(revenue.upsell_rate(bridge)) == [0.0, 0.333333, 0.0, 0.0]  # a of {a, d, f}


def test_cross_sell_counts_accounts_adding_a_paid_product(subs):
    ps = revenue.month_end_mrr(subs, SPAN, product_col="product")
    # April: f (one of a, e, f at the start) adds Analytics; a's free add-on in March does not count
    assert values(revenue.cross_sell_rate(ps, MONTHS)) == [0.0, 0.0, 0.0, 0.333333]


def test_logo_churn_retention_and_counts(bridge):
    # Jan: b of {a, b, d, f}; Feb: d of {a, d, f}; Mar and Apr: nobody of {a, e, f}
    assert values(retention.logo_churn_rate(bridge)) == [0.25, 0.333333, 0.0, 0.0]
    assert values(retention.retention_rate(bridge)) == [0.75, 0.666667, 1.0, 1.0]
    # the teaching convention divides by start + new: Feb 1 / (3 + 1)
    assert values(retention.logo_churn_rate(bridge, denominator="start_plus_new")) == [0.25, 0.25, 0.0, 0.0]
    assert values(retention.new_customers(bridge)) == [0.0, 1.0, 0.0, 0.0]
    assert values(retention.churned_customers(bridge)) == [1.0, 1.0, 0.0, 0.0]
    assert values(retention.reactivated_customers(bridge)) == [0.0, 0.0, 0.0, 1.0]


def test_an_account_that_leaves_and_returns_inside_a_month_is_not_churn():
    s = pd.DataFrame(
        {
            "account_id": ["a", "a"],
            "start_date": pd.to_datetime(["2026-01-01", "2026-02-20"]),
            "end_date": pd.to_datetime(["2026-02-10", None]),
            "mrr": [100.0, 100.0],
        }
    )
    b = revenue.mrr_bridge(revenue.month_end_mrr(s, SPAN), MONTHS)
    assert b["churned_customers"].sum() == 0 and b["reactivated_customers"].sum() == 0


def test_annualised_churn_compounds():
    b = pd.DataFrame({"month": MONTHS[:1], "customers_start": [4.0], "churned_customers": [1.0]})
    # 1 - (1 - 0.25)^12 = 0.968324, not 12 x 0.25 = 3
    assert values(retention.annualised_churn_rate(b)) == [0.968324]


def test_expected_lifetime_needs_six_months_and_is_nan_when_nobody_churns():
    months = pd.period_range("2026-01", "2026-07", freq="M")
    b = pd.DataFrame(
        {"month": months, "customers_start": [50.0] * 7, "churned_customers": [1.0, 1.0, 2.0, 1.0, 0.0, 1.0, 0.0]}
    )
    out = retention.expected_lifetime_months(b)
    assert out["note"].iloc[4] == "fewer than 6 months with a churn rate"
    # Jan-Jun: mean churn (1+1+2+1+0+1)/6/50 = 0.02 -> 50 months; Feb-Jul: 5/6/50 -> 60 months
    assert values(out)[5:] == [50.0, 60.0]
    flat = b.assign(churned_customers=0.0)
    assert retention.expected_lifetime_months(flat)["note"].iloc[-1] == "mean monthly churn is 0"


def test_tenure_counts_months_of_the_current_unbroken_paid_period(subs):
    snaps = revenue.month_end_mrr(subs[subs["product"] == "Workspace"], SPAN)
    t = retention.tenure(snaps, "2026-04").set_index("account_id")["tenure_months"].to_dict()
    # a and f since 2025-12 (4), e since 2026-02 (2), d back in 2026-04 (0)
    assert t == {"a": 4, "d": 0, "e": 2, "f": 4}
    assert values(retention.tenure_months(snaps, MONTHS))[-1] == 2.5


def test_nrr_12m_is_a_trailing_cohort_not_a_product():
    months = pd.period_range("2025-01", "2026-01", freq="M")
    rows = [("a", m, 100.0) for m in months] + [("b", months[0], 100.0)] + [("c", months[-1], 900.0)]
    snaps = pd.DataFrame(rows, columns=["account_id", "month", "mrr"])
    out = revenue.nrr_12m(snaps, months[-2:])
    # 2026-01: cohort {a, b} of 2025-01 had 200; now a has 100 (b left, c is new) -> 0.5
    assert values(out)[-1] == 0.5
    assert out["note"].iloc[0] == "no MRR 12 months earlier"


def test_zero_denominators_give_nan_with_a_reason_not_zero_or_an_error():
    empty = revenue.mrr_bridge(
        pd.DataFrame({"account_id": ["a"], "month": pd.PeriodIndex(["2026-03"], freq="M"), "mrr": [10.0]}),
        pd.PeriodIndex(["2026-02", "2026-03"], freq="M"),
    )
    for table in (revenue.nrr(empty), revenue.grr(empty), retention.logo_churn_rate(empty), revenue.arpa(empty)):
        assert np.isnan(table["value"].iloc[0])
        assert table["note"].iloc[0] in {
            "no MRR at start of month",
            "no customers at start of month",
            "no paying customers at month end",
        }
    assert revenue.arpa(empty)["value"].iloc[1] == 10.0
