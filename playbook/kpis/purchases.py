"""Purchases (transactions): average order value (客単価), revenue per customer, repeat purchase rate.

Revenue is the sum of ``amount`` in the month, refunds (negative amounts)
included; an order is a transaction with a positive amount.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import month_of, ratio_table

__all__ = ["avg_order_value", "revenue_per_customer", "purchase_frequency", "repeat_purchase_rate"]


def _monthly(transactions, months, account_col, date_col, amount_col):
    months = pd.PeriodIndex(months, freq="M")
    t = transactions
    m = month_of(t[date_col])
    order = t[amount_col] > 0
    revenue = t[amount_col].groupby(m).sum().reindex(months, fill_value=0.0).to_numpy()
    orders = order.groupby(m).sum().reindex(months, fill_value=0).to_numpy()
    buyers = t.loc[order, account_col].groupby(m[order]).nunique().reindex(months, fill_value=0).to_numpy()
    return months, revenue, orders, buyers


def avg_order_value(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Average order value (平均客単価): revenue / orders in the month.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below. Refunds are negative
        amounts.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        revenue of the month (every amount, refunds included) and ``denominator`` (also ``n``) the orders (transactions
        with a positive amount); ``value`` is NaN, with the reason in ``note``, when there were no orders.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "b", "b"], "amount": [100.0, 300.0, 200.0, -50.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-01-20", "2026-01-05", "2026-01-25"])})
    >>> avg_order_value(tx, pd.PeriodIndex(["2026-01"], freq="M"))[["value", "numerator", "denominator"]]
       value  numerator  denominator
    0  183.333333      550.0          3.0
    """
    months, revenue, orders, _ = _monthly(transactions, months, account_col, date_col, amount_col)
    return ratio_table(months, revenue, orders, zero_reason="no orders in the month")


def revenue_per_customer(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Revenue / distinct customers with an order in the month.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below. Refunds are negative
        amounts.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        revenue of the month (every amount, refunds included) and ``denominator`` (also ``n``) the distinct accounts
        with an order (a positive amount); ``value`` is NaN, with the reason in ``note``, when there were none.
    """
    months, revenue, _, buyers = _monthly(transactions, months, account_col, date_col, amount_col)
    return ratio_table(months, revenue, buyers, zero_reason="no purchasing customers in the month")


def purchase_frequency(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Orders per purchasing customer in the month.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        orders (transactions with a positive amount) and ``denominator`` (also ``n``) the distinct accounts with an
        order; ``value`` is NaN, with the reason in ``note``, when there were none.
    """
    months, _, orders, buyers = _monthly(transactions, months, account_col, date_col, amount_col)
    return ratio_table(months, orders, buyers, zero_reason="no purchasing customers in the month")


def repeat_purchase_rate(
    transactions: pd.DataFrame,
    months,
    *,
    window_months: int = 12,
    collapse_same_day: bool = False,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Customers with >= 2 orders in the window / customers with >= 1, the window being the ``window_months`` months ending m.

    ``collapse_same_day`` counts purchase days instead of orders.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below. Only transactions
        with a positive amount (orders) count.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report; not empty, in ascending order.
    window_months : int, default 12
        The length of the window, in months, ending with the reported month.
    collapse_same_day : bool, default False
        Count an account's distinct purchase days instead of its orders.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        accounts with at least two orders (or days) in the window and ``denominator`` (also ``n``) the accounts with at
        least one; ``value`` is NaN, with the reason in ``note``, when there were no orders in the window.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "b", "c", "c"], "amount": [1.0, 1.0, 1.0, 1.0, 1.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-02-20", "2026-02-05", "2026-02-07", "2026-02-07"])})
    >>> m = pd.PeriodIndex(["2026-02"], freq="M")
    >>> repeat_purchase_rate(tx, m, window_months=2)["value"].item()  # a and c repeat, b does not
    0.6666666666666666
    >>> repeat_purchase_rate(tx, m, window_months=2, collapse_same_day=True)["value"].item()  # c bought twice on one day
    0.3333333333333333
    """
    months = pd.PeriodIndex(months, freq="M")
    t = transactions[transactions[amount_col] > 0]
    if collapse_same_day:
        t = t.assign(_day=t[date_col].dt.normalize()).drop_duplicates([account_col, "_day"])
    span = pd.period_range(months[0] - (window_months - 1), months[-1], freq="M")
    m = month_of(t[date_col])
    keep = (m >= span[0]) & (m <= span[-1])
    codes, _ = pd.factorize(t.loc[keep, account_col], sort=True)
    col = (m[keep].dt.year * 12 + m[keep].dt.month - (span[0].year * 12 + span[0].month)).to_numpy()
    counts = np.zeros((codes.max() + 1 if len(codes) else 0, len(span)))
    np.add.at(counts, (codes, col), 1)
    cum = np.concatenate([np.zeros((counts.shape[0], 1)), counts.cumsum(axis=1)], axis=1)
    pos = np.asarray(months.year * 12 + months.month - (span[0].year * 12 + span[0].month))
    in_window = cum[:, pos + 1] - cum[:, np.maximum(pos + 1 - window_months, 0)]
    return ratio_table(
        months,
        (in_window >= 2).sum(axis=0),
        (in_window >= 1).sum(axis=0),
        zero_reason=f"no orders in the {window_months} months",
    )
