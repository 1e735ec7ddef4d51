"""Purchases (transactions): revenue, buyers, orders, average order value, revenue per customer (客単価),
purchase frequency, repeat purchase rate, new and returning buyers, and the trailing 12 months' revenue and buyers.

Revenue is the sum of ``amount`` in the month, refunds (negative amounts)
included; an order is a transaction with a positive amount, and a buyer an account
with at least one order. A dataset without subscriptions (``accounts`` and
``transactions`` only, :func:`transactions_only`) is reviewed with these KPIs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import month_of, ratio_table, value_table

__all__ = [
    "transactions_only",
    "revenue",
    "buyers",
    "orders",
    "new_buyers",
    "returning_buyers",
    "trailing_revenue",
    "trailing_buyers",
    "purchase_cohort_activity",
    "avg_order_value",
    "revenue_per_customer",
    "purchase_frequency",
    "repeat_purchase_rate",
]


def transactions_only(ds) -> bool:
    """True for a dataset without subscriptions (neither ``subscriptions`` nor ``mrr_monthly``) but with ``transactions``.

    Such a dataset is a repeat-purchase business (e-commerce, retail, B2C services): it is reviewed with the
    purchase KPIs, purchase cohorts and RFM, and the subscription sections (MRR, churn, NRR) are left out.

    Parameters
    ----------
    ds : Dataset
        A validated dataset.

    Returns
    -------
    bool
        Whether the dataset has transactions and no subscription table.

    Examples
    --------
    >>> from playbook import load_dataset
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> transactions_only(load_dataset(SAMPLE_DIR))
    False
    """
    return ds.subscriptions is None and ds.mrr_monthly is None and ds.transactions is not None


def _monthly(transactions, months, account_col, date_col, amount_col):
    months = pd.PeriodIndex(months, freq="M")
    t = transactions
    m = month_of(t[date_col])
    order = t[amount_col] > 0
    revenue = t[amount_col].groupby(m).sum().reindex(months, fill_value=0.0).to_numpy()
    orders = order.groupby(m).sum().reindex(months, fill_value=0).to_numpy()
    buyers = t.loc[order, account_col].groupby(m[order]).nunique().reindex(months, fill_value=0).to_numpy()
    return months, revenue, orders, buyers


def _orders(transactions, account_col, date_col, amount_col) -> tuple[pd.Series, pd.Series]:
    """The account and the month of every order (a transaction with a positive amount)."""
    order = transactions[amount_col] > 0
    return transactions.loc[order, account_col], month_of(transactions.loc[order, date_col])


def revenue(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Revenue of the month: every amount dated in it, refunds included.

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
        One row per month: ``month``, ``value`` (the revenue; 0 in a month without transactions), ``n`` (the orders),
        ``numerator`` and ``denominator`` NaN, ``note``.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "b"], "amount": [100.0, 300.0, -50.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-01-20", "2026-02-05"])})
    >>> revenue(tx, pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"))[["value", "n"]]
       value  n
    0  400.0  2
    1  -50.0  0
    2    0.0  0
    """
    months, rev, orders, _ = _monthly(transactions, months, account_col, date_col, amount_col)
    return value_table(months, rev, orders)


def buyers(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Buyers of the month: distinct accounts with at least one order (a positive amount) in it.

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
        One row per month: ``month``, ``value`` and ``n`` (the buyers), ``numerator`` and ``denominator`` NaN, ``note``.
    """
    months, _, _, b = _monthly(transactions, months, account_col, date_col, amount_col)
    return value_table(months, b, b)


def orders(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Orders of the month: transactions with a positive amount.

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
        One row per month: ``month``, ``value`` and ``n`` (the orders), ``numerator`` and ``denominator`` NaN, ``note``.
    """
    months, _, o, _ = _monthly(transactions, months, account_col, date_col, amount_col)
    return value_table(months, o, o)


def _buyers_by_first_order(transactions, months, account_col, date_col, amount_col) -> tuple[np.ndarray, np.ndarray]:
    """Per month: buyers whose first order ever is in it (new), and the other buyers (returning)."""
    months = pd.PeriodIndex(months, freq="M")
    acc, m = _orders(transactions, account_col, date_col, amount_col)
    pairs = pd.DataFrame({"account": acc.to_numpy(), "month": m.to_numpy()}).drop_duplicates()
    first = pairs.groupby("account")["month"].transform("min")
    is_new = (pairs["month"] == first).to_numpy()
    new = pairs.loc[is_new, "month"].value_counts().reindex(months, fill_value=0).to_numpy()
    old = pairs.loc[~is_new, "month"].value_counts().reindex(months, fill_value=0).to_numpy()
    return new, old


def new_buyers(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """New buyers of the month: buyers whose first order in the data is in the month.

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
        One row per month: ``month``, ``value`` and ``n`` (the new buyers), ``numerator`` and ``denominator`` NaN,
        ``note``. With :func:`returning_buyers` it adds up to :func:`buyers`.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "b", "b"], "amount": [1.0, 1.0, 1.0, 1.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-02-20", "2026-02-05", "2026-02-07"])})
    >>> m = pd.PeriodIndex(["2026-01", "2026-02"], freq="M")
    >>> new_buyers(tx, m)["value"].tolist(), returning_buyers(tx, m)["value"].tolist()  # b is new in Feb, a returns
    ([1.0, 1.0], [0.0, 1.0])
    """
    new, _ = _buyers_by_first_order(transactions, months, account_col, date_col, amount_col)
    return value_table(months, new, new)


def returning_buyers(
    transactions: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Returning buyers of the month: buyers who had ordered in an earlier month.

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
        One row per month: ``month``, ``value`` and ``n`` (the returning buyers), ``numerator`` and ``denominator``
        NaN, ``note``.
    """
    _, old = _buyers_by_first_order(transactions, months, account_col, date_col, amount_col)
    return value_table(months, old, old)


def _window_note(months: pd.PeriodIndex, first: pd.Period | None, window_months: int) -> np.ndarray:
    """The note "partial: N months of data" where the trailing window starts before the first month of data."""
    if first is None:
        return np.full(len(months), "", dtype=object)
    covered = np.asarray([m.ordinal - first.ordinal + 1 for m in months])
    return np.where(covered < window_months, [f"partial: {max(c, 0)} months of data" for c in covered], "").astype(
        object
    )


def trailing_revenue(
    transactions: pd.DataFrame,
    months,
    *,
    window_months: int = 12,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Revenue of the ``window_months`` months ending with each month (annual revenue by default): a KGI.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    window_months : int, default 12
        The length of the window, in months, ending with the reported month.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value`` (the window's revenue), ``n`` (its orders), ``note`` ("partial: N
        months of data" when the window starts before the first transaction's month).

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "b", "a"], "amount": [100.0, 50.0, 30.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-02-05", "2026-03-09"])})
    >>> trailing_revenue(tx, pd.PeriodIndex(["2026-02", "2026-03"], freq="M"), window_months=2)[["value", "n", "note"]]
       value  n note
    0  150.0  2
    1   80.0  2
    """
    months = pd.PeriodIndex(months, freq="M")
    span = pd.period_range(months.min() - (window_months - 1), months.max(), freq="M")
    _, rev, o, _ = _monthly(transactions, span, account_col, date_col, amount_col)
    rev_sum = pd.Series(rev, index=span).rolling(window_months, min_periods=1).sum().reindex(months)
    o_sum = pd.Series(o, index=span).rolling(window_months, min_periods=1).sum().reindex(months)
    dates = transactions[date_col].dropna()
    first = dates.min().to_period("M") if len(dates) else None
    return value_table(months, rev_sum.to_numpy(), o_sum.to_numpy(), _window_note(months, first, window_months))


def trailing_buyers(
    transactions: pd.DataFrame,
    months,
    *,
    window_months: int = 12,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Active buyers: distinct accounts with an order in the ``window_months`` months ending with each month: a KGI.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    window_months : int, default 12
        The length of the window, in months, ending with the reported month.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value`` and ``n`` (the active buyers), ``note`` ("partial: N months of data"
        when the window starts before the first transaction's month).

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "b", "a"], "amount": [100.0, 50.0, 30.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-02-05", "2026-04-09"])})
    >>> trailing_buyers(tx, pd.PeriodIndex(["2026-02", "2026-04"], freq="M"), window_months=2)["value"].tolist()
    [2.0, 1.0]
    """
    months = pd.PeriodIndex(months, freq="M")
    acc, m = _orders(transactions, account_col, date_col, amount_col)
    pairs = pd.DataFrame({"account": acc.to_numpy(), "month": m.to_numpy()}).drop_duplicates()
    counts = []
    for month in months:
        inside = (pairs["month"] <= month) & (pairs["month"] > month - window_months)
        counts.append(pairs.loc[inside, "account"].nunique())
    dates = transactions[date_col].dropna()
    first = dates.min().to_period("M") if len(dates) else None
    return value_table(months, counts, counts, _window_note(months, first, window_months))


def purchase_cohort_activity(
    transactions: pd.DataFrame,
    *,
    account_col: str = "account_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """One row per account and month with orders: the activity :func:`playbook.analyses.cohorts.cohort_matrix` reads.

    A cohort is the month of an account's first order; an account is active in a month when it ordered in it, and
    its value there is the month's amount (refunds included).

    Parameters
    ----------
    transactions : pandas.DataFrame
        The transactions table: account id, date (datetime) and amount, in the columns named below.
    account_col, date_col, amount_col : str
        The columns holding the account id, the date and the amount.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``month`` (``Period[M]``) and ``amount``, one row per account and month with an order.

    Examples
    --------
    >>> tx = pd.DataFrame({"account_id": ["a", "a", "a"], "amount": [10.0, 5.0, -5.0],
    ...                    "date": pd.to_datetime(["2026-01-03", "2026-01-20", "2026-02-05"])})
    >>> purchase_cohort_activity(tx)
      account_id    month  amount
    0          a  2026-01    15.0
    """
    t = transactions
    frame = pd.DataFrame(
        {"account_id": t[account_col].to_numpy(), "month": month_of(t[date_col]).to_numpy(), "amount": t[amount_col]}
    )
    per_month = frame.groupby(["account_id", "month"], sort=True, as_index=False)["amount"].sum()
    acc, m = _orders(t, account_col, date_col, amount_col)
    ordered = pd.MultiIndex.from_arrays([acc.to_numpy(), m.to_numpy()])
    keep = pd.MultiIndex.from_frame(per_month[["account_id", "month"]]).isin(ordered)
    return per_month[keep].reset_index(drop=True)


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
