"""Month-end MRR snapshots: known answers on tiny hand-built intervals (metrics.md, "Time")."""

from __future__ import annotations

import pandas as pd
import pytest

from playbook.kpis.revenue import month_end_mrr, month_end_mrr_from_monthly, mrr_by_month

JAN_MAR = pd.period_range("2026-01", "2026-03", freq="M")


def subs(*rows) -> pd.DataFrame:
    """rows of (account, start, end or None, mrr)."""
    return pd.DataFrame(rows, columns=["account_id", "start_date", "end_date", "mrr"]).assign(
        start_date=lambda d: pd.to_datetime(d["start_date"]), end_date=lambda d: pd.to_datetime(d["end_date"])
    )


def as_dict(snaps: pd.DataFrame) -> dict:
    return {(a, str(m)): v for a, m, v in snaps.itertuples(index=False)}


def test_an_account_that_joins_and_leaves_inside_a_month_is_never_paying_at_month_end():
    # active 2026-01-05..2026-01-20: not active on 2026-01-31
    assert month_end_mrr(subs(("a", "2026-01-05", "2026-01-20", 100.0)), JAN_MAR).empty


def test_the_end_date_is_inclusive_so_ending_on_the_last_day_still_counts():
    snaps = month_end_mrr(
        subs(("a", "2026-01-05", "2026-01-31", 100.0), ("b", "2026-01-05", "2026-01-30", 50.0)), JAN_MAR
    )
    # a is active on 2026-01-31 (its last day of access); b is not
    assert as_dict(snaps) == {("a", "2026-01"): 100.0}


def test_a_plan_change_mid_month_counts_only_the_plan_held_at_month_end():
    # 100 until 2026-02-14, then 180 from 2026-02-15: February ends at 180
    snaps = month_end_mrr(subs(("a", "2026-01-10", "2026-02-14", 100.0), ("a", "2026-02-15", None, 180.0)), JAN_MAR)
    assert as_dict(snaps) == {("a", "2026-01"): 100.0, ("a", "2026-02"): 180.0, ("a", "2026-03"): 180.0}


def test_products_of_one_account_are_summed():
    snaps = month_end_mrr(subs(("a", "2026-01-01", None, 100.0), ("a", "2026-02-10", None, 30.0)), JAN_MAR)
    assert as_dict(snaps) == {("a", "2026-01"): 100.0, ("a", "2026-02"): 130.0, ("a", "2026-03"): 130.0}


def test_churn_then_return_leaves_a_gap():
    # paying in January, gone in February, back from 2026-03-03
    snaps = month_end_mrr(subs(("a", "2026-01-01", "2026-02-10", 100.0), ("a", "2026-03-03", None, 90.0)), JAN_MAR)
    assert as_dict(snaps) == {("a", "2026-01"): 100.0, ("a", "2026-03"): 90.0}


def test_an_annual_plan_counts_its_monthly_normalised_mrr_every_month():
    # 1,200,000 a year = 100,000 MRR, from 2025-12-15 to 2026-12-14
    snaps = month_end_mrr(subs(("a", "2025-12-15", "2026-12-14", 100_000.0)), JAN_MAR)
    assert list(snaps["mrr"]) == [100_000.0] * 3


def test_a_free_plan_does_not_make_an_account_paying():
    assert month_end_mrr(subs(("a", "2026-01-01", None, 0.0)), JAN_MAR).empty


def test_open_subscriptions_run_to_the_last_requested_month_and_not_before_their_start():
    snaps = month_end_mrr(subs(("a", "2026-02-28", None, 10.0)), pd.period_range("2025-12", "2026-04", freq="M"))
    assert [str(m) for m in snaps["month"]] == ["2026-02", "2026-03", "2026-04"]


def test_the_monthly_table_route_sums_products_and_drops_zero():
    mm = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "c"],
            "month": pd.PeriodIndex(["2026-01"] * 4, freq="M"),
            "product": ["base", "addon", "base", "base"],
            "mrr": [100.0, 20.0, 0.0, 5.0],
        }
    )
    assert as_dict(month_end_mrr_from_monthly(mm)) == {("a", "2026-01"): 120.0, ("c", "2026-01"): 5.0}


def test_mrr_by_month_keeps_months_without_customers_as_zero():
    snaps = month_end_mrr(subs(("a", "2026-01-01", "2026-01-31", 100.0), ("b", "2026-03-01", None, 40.0)), JAN_MAR)
    table = mrr_by_month(snaps, JAN_MAR)
    # January: a (100); February: nobody; March: b (40)
    assert table["mrr"].tolist() == [100.0, 0.0, 40.0]
    assert table["paying_customers"].tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    "end,expected", [("2026-02-27", 1), ("2026-02-28", 2)], ids=["day-before-month-end", "on-month-end"]
)
def test_february_month_end_edges(end, expected):
    snaps = month_end_mrr(subs(("a", "2026-01-01", end, 1.0)), JAN_MAR)
    assert len(snaps) == expected
