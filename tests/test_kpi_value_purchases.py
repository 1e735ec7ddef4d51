"""Known answers: value (margin, LTV, CAC, payback, CRC) and purchases (order value, repeat purchase)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis import purchases, value

MONTHS = pd.period_range("2026-01", "2026-07", freq="M")


def bridge() -> pd.DataFrame:
    # 100 customers paying 10,000 in total every month; 2 churn a month, 4 new a month
    return pd.DataFrame(
        {
            "month": MONTHS,
            "mrr_start": 10000.0,
            "mrr_end": 10000.0,
            "customers_start": 100.0,
            "customers_end": 100.0,
            "churned_customers": 2.0,
            "new_customers": 4.0,
        }
    )


def costs(**per_month) -> pd.DataFrame:
    rows = [(m, cat, amount) for m in MONTHS for cat, amount in per_month.items()]
    return pd.DataFrame(rows, columns=["month", "category", "amount"])


def test_gross_margin_from_cost_of_revenue_or_the_parameter():
    b = bridge()
    assert (
        value.gross_margin(b, costs(cost_of_revenue=2000.0))["value"].tolist() == [0.8] * 7
    )  # (10,000 - 2,000) / 10,000
    default = value.gross_margin(b, None, default=0.7)
    assert default["value"].tolist() == [0.7] * 7 and default["note"].iloc[0].startswith("gross margin parameter 0.7")


def test_ltv_uses_the_churn_of_the_six_months_before():
    b = bridge()
    margin = value.gross_margin(b, costs(cost_of_revenue=2000.0))
    out = value.ltv(b, margin)
    # July: ARPA 100 x margin 0.8 / mean churn of Jan-Jun 0.02 = 4,000
    assert out["value"].iloc[-1] == 4000.0
    assert out["numerator"].iloc[-1] == 80.0 and out["denominator"].iloc[-1] == 0.02
    assert out["note"].iloc[0] == "fewer than 6 earlier months with a churn rate"


def test_cac_ltv_to_cac_payback_and_crc():
    b = bridge()
    c = costs(cost_of_revenue=2000.0, sales_marketing=1200.0, customer_success=500.0)
    cac = value.cac(b, c)
    assert cac["value"].tolist() == [300.0] * 7  # 1,200 / 4 new customers
    ltv = value.ltv(b, value.gross_margin(b, c))
    assert round(value.ltv_to_cac(ltv, cac)["value"].iloc[-1], 6) == round(4000 / 300, 6)
    # payback: 300 / (ARPA 100 x 0.8) = 3.75 months
    assert value.cac_payback_months(cac, b, value.gross_margin(b, c))["value"].tolist() == [3.75] * 7
    # CRC: 500 / mean(100, 100) = 5
    assert value.crc(b, c)["value"].tolist() == [5.0] * 7


def test_cac_without_new_customers_is_nan_with_a_reason():
    b = bridge().assign(new_customers=0.0)
    out = value.cac(b, costs(sales_marketing=1200.0))
    assert np.isnan(out["value"]).all() and out["note"].iloc[0] == "no new customers in the month"


def test_cac_from_the_accounts_table():
    acc = pd.DataFrame({"account_id": ["a", "b", "c"], "acquisition_cost": [100.0, 300.0, 50.0]})
    first = pd.Series(pd.PeriodIndex(["2026-01", "2026-01", "2026-02"], freq="M"), index=["a", "b", "c"])
    assert value.cac_from_accounts(acc, first, MONTHS[:2])["value"].tolist() == [200.0, 50.0]


def test_purchase_ltv_multiplies_its_three_factors():
    m = MONTHS[:1]
    aov = pd.DataFrame({"month": m, "value": [5000.0]})
    freq = pd.DataFrame({"month": m, "value": [1.5], "denominator": [40.0]})
    life = pd.DataFrame({"month": m, "value": [20.0]})
    out = value.ltv_purchase(aov, freq, life)
    assert out["value"].item() == 150000.0  # 5,000 x 1.5 x 20
    assert out["note"].item() == "5,000 x 1.50 orders/month x 20.0 months"


TX = pd.DataFrame(
    {
        "account_id": ["a", "a", "b", "b", "c"],
        "date": pd.to_datetime(["2026-01-03", "2026-01-20", "2026-01-05", "2026-01-25", "2026-02-07"]),
        "amount": [100.0, 300.0, 200.0, -50.0, 80.0],  # b's second row is a refund
    }
)


def test_order_value_and_revenue_per_customer_count_refunds_in_revenue_not_in_orders():
    m = MONTHS[:3]
    # January: revenue 100 + 300 + 200 - 50 = 550, orders 3, buyers 2
    assert purchases.avg_order_value(TX, m)["value"].round(4).tolist()[:2] == [183.3333, 80.0]
    assert purchases.revenue_per_customer(TX, m)["value"].tolist()[:2] == [275.0, 80.0]
    assert purchases.purchase_frequency(TX, m)["value"].tolist()[:2] == [1.5, 1.0]
    march = purchases.avg_order_value(TX, m).iloc[2]
    assert np.isnan(march["value"]) and march["note"] == "no orders in the month"


def test_repeat_purchase_rate_over_the_window():
    m = pd.PeriodIndex(["2026-02"], freq="M")
    # two-month window Jan-Feb: a has 2 orders, b has 1 (the refund is not an order), c has 1
    assert purchases.repeat_purchase_rate(TX, m, window_months=2)["value"].item() == 1 / 3
    # one-month window: only c bought in February, once
    assert purchases.repeat_purchase_rate(TX, m, window_months=1)["value"].item() == 0.0


def test_ltv_to_cac_and_payback_show_a_missing_part_as_nan_never_as_zero():
    b = bridge()
    c = costs(cost_of_revenue=2000.0, sales_marketing=1200.0)
    margin = value.gross_margin(b, c)
    ltv = value.ltv(b, margin)  # NaN in January-June: fewer than 6 earlier months
    cac = value.cac(b.assign(new_customers=[0.0] + [4.0] * 6), c)  # no new customers in January
    out = value.ltv_to_cac(ltv, cac)
    # January: both parts missing; February: only the LTV; July: 4,000 / 300
    assert np.isnan(out["numerator"].iloc[0]) and np.isnan(out["denominator"].iloc[0])
    assert out["note"].iloc[0] == (
        "LTV not available (fewer than 6 earlier months with a churn rate); "
        "CAC not available (no new customers in the month)"
    )
    assert np.isnan(out["numerator"].iloc[1]) and out["denominator"].iloc[1] == 300.0
    assert out["numerator"].iloc[-1] == 4000.0 and out["value"].iloc[-1] == 4000.0 / 300.0
    assert out["value"].iloc[:6].isna().all() and not (out["numerator"] == 0).any()
    # payback: no cost_of_revenue in March leaves the margin, so the denominator, missing (not 0)
    c2 = c[~((c["month"] == MONTHS[2]) & (c["category"] == "cost_of_revenue"))]
    pay = value.cac_payback_months(cac, b, value.gross_margin(b, c2))
    assert np.isnan(pay["value"].iloc[0]) and np.isnan(pay["numerator"].iloc[0])  # CAC missing
    assert pay["note"].iloc[0] == "CAC not available (no new customers in the month)"
    assert np.isnan(pay["value"].iloc[2]) and np.isnan(pay["denominator"].iloc[2]) and pay["numerator"].iloc[2] == 300.0
    assert pay["note"].iloc[2] == "gross margin not available (no cost_of_revenue for the month)"
    assert pay["value"].iloc[1] == 3.75  # 300 / (ARPA 100 x 0.8)


def test_ltv_cac_by_channel_shows_a_dash_not_nanx_for_a_channel_without_churn(make_folder):
    from playbook import load_dataset
    from playbook.report.context import ReviewContext
    from playbook.report.customer_views import ltv_cac_by_channel

    accounts = (
        "account_id,signup_date,acquisition_channel,acquisition_cost\n"
        "A,2026-01-01,ads,100\nB,2026-01-01,ads,100\nC,2026-01-01,partner,300\n"
    )
    subs = (
        "subscription_id,account_id,start_date,end_date,mrr\n"
        "S1,A,2026-01-01,,1000\nS2,B,2026-01-01,2026-02-14,1000\nS3,C,2026-01-01,,3000\n"
    )
    ds = load_dataset(
        make_folder(
            {"accounts.csv": accounts, "subscriptions.csv": subs, "dataset.yaml": "as_of: 2026-03-31\n"}, base=True
        )
    )
    ctx = ReviewContext(ds, pd.Period("2026-03", "M"), "en", ds.folder, None)
    t = ltv_cac_by_channel(ctx, pd.DataFrame(columns=["month", "kpi", "value"]), months_back=3)
    # ads: 3 account-months start paying (A Feb, A Mar, B Feb), B churns -> churn 1/3; ARPA 1,000 (A);
    # LTV = 1,000 x margin 1.0 / (1/3) = 3,000; LTV/CAC = 3,000 / 100 = 30x; payback 100 / 1,000 = 0.1 months.
    # partner never churned: no LTV and no LTV/CAC ("–", listed last), payback 300 / 3,000 = 0.1 months.
    assert t.index.tolist() == ["ads", "partner"]
    assert t.loc["ads", "LTV/CAC"] == "30.0x" and t.loc["ads", "monthly churn"] == "33.3%"
    assert t.loc["partner", "LTV/CAC"] == "–" and t.loc["partner", "LTV"] == "–"
    assert t.loc["partner", "payback"] == "0.1 months"
    assert not t.apply(lambda col: col.str.contains("nan")).any().any()
