"""Month-end MRR snapshots: the base of every subscription metric.

An account's MRR at the end of month m is the sum of the MRR of its
subscriptions active on the last day of m, where a subscription is active on day
d when ``start_date <= d <= end_date`` (an empty ``end_date`` is open).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["month_end_mrr", "month_end_mrr_from_monthly", "mrr_by_month"]


def _ordinal(periods: pd.Series | pd.PeriodIndex) -> np.ndarray:
    """Month number since year 0 (vectorised, NaT -> -1)."""
    s = pd.Series(periods)
    return np.where(s.isna(), -1, s.dt.year.fillna(0) * 12 + s.dt.month.fillna(1) - 1).astype(np.int64)


def month_end_mrr(
    subscriptions: pd.DataFrame,
    months: pd.PeriodIndex | list | None = None,
    *,
    account_col: str = "account_id",
    start_col: str = "start_date",
    end_col: str = "end_date",
    mrr_col: str = "mrr",
) -> pd.DataFrame:
    """Each account's MRR on the last day of each month, from subscription intervals.

    Returns one row per account and month with MRR > 0: ``account_id``,
    ``month`` (``Period[M]``), ``mrr``. ``months`` defaults to every month from
    the first start date to the month of the latest start date.

    Examples
    --------
    >>> subs = pd.DataFrame({
    ...     "account_id": ["a", "a", "b"],
    ...     "start_date": pd.to_datetime(["2026-01-10", "2026-02-15", "2026-01-31"]),
    ...     "end_date": pd.to_datetime(["2026-02-14", None, "2026-01-31"]),
    ...     "mrr": [100.0, 150.0, 80.0],
    ... })
    >>> month_end_mrr(subs, pd.period_range("2026-01", "2026-02", freq="M"))
      account_id    month    mrr
    0          a  2026-01  100.0
    1          b  2026-01   80.0
    2          a  2026-02  150.0
    """
    s = subscriptions
    start = pd.to_datetime(s[start_col])
    end = pd.to_datetime(s[end_col]) if end_col in s.columns else pd.Series(pd.NaT, index=s.index)
    if months is None:
        months = pd.period_range(start.min().to_period("M"), start.max().to_period("M"), freq="M")
    months = pd.PeriodIndex(months, freq="M")
    if len(months) == 0 or s.empty:
        return pd.DataFrame({"account_id": pd.Series(dtype="str"), "month": pd.Series(dtype="period[M]"),
                             "mrr": pd.Series(dtype="float64")})
    lo, hi = _ordinal(pd.Series([months.min()]))[0], _ordinal(pd.Series([months.max()]))[0]
    first = _ordinal(start.dt.to_period("M"))  # a start is always on or before its own month end
    end_month = end.dt.to_period("M")
    ends_on_month_end = end.dt.normalize().eq(end_month.dt.end_time.dt.normalize())
    last = np.where(end.isna(), hi, _ordinal(end_month) - (~ends_on_month_end).to_numpy())
    first, last = np.maximum(first, lo), np.minimum(last, hi)
    n = np.clip(last - first + 1, 0, None)
    rows = np.repeat(np.arange(len(s)), n)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n)
    ordinal = first[rows] + k
    out = pd.DataFrame({
        "account_id": s[account_col].to_numpy()[rows],
        "month": pd.PeriodIndex.from_ordinals(ordinal - 1970 * 12, freq="M"),
        "mrr": s[mrr_col].to_numpy(dtype="float64")[rows],
    })
    out = out.groupby(["month", "account_id"], as_index=False, sort=True)["mrr"].sum()
    out = out[out["mrr"] > 0][["account_id", "month", "mrr"]].reset_index(drop=True)
    out = out[out["month"].isin(months)].reset_index(drop=True)
    out["account_id"] = out["account_id"].astype("str")
    return out


def month_end_mrr_from_monthly(
    mrr_monthly: pd.DataFrame,
    months: pd.PeriodIndex | list | None = None,
    *,
    account_col: str = "account_id",
    month_col: str = "month",
    mrr_col: str = "mrr",
) -> pd.DataFrame:
    """The same snapshots from a ``mrr_monthly`` table (summed over products).

    Examples
    --------
    >>> mm = pd.DataFrame({"account_id": ["a", "a", "b"], "month": pd.PeriodIndex(["2026-01"] * 3, freq="M"),
    ...                    "mrr": [100.0, 20.0, 0.0]})
    >>> month_end_mrr_from_monthly(mm)
      account_id    month    mrr
    0          a  2026-01  120.0
    """
    m = mrr_monthly
    out = (m.groupby([m[month_col].rename("month"), m[account_col].rename("account_id")], sort=True)[mrr_col]
           .sum().rename("mrr").reset_index())
    if months is not None:
        out = out[out["month"].isin(pd.PeriodIndex(months, freq="M"))]
    out = out[out["mrr"] > 0][["account_id", "month", "mrr"]].reset_index(drop=True)
    out["mrr"] = out["mrr"].astype("float64")
    return out


def mrr_by_month(snapshots: pd.DataFrame, months: pd.PeriodIndex | None = None) -> pd.DataFrame:
    """Total MRR and paying accounts per month from month-end snapshots.

    Months without any paying account are kept with zeros when ``months`` is given.

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "b", "a"], "month": pd.PeriodIndex(["2026-01", "2026-01", "2026-02"], freq="M"),
    ...                       "mrr": [100.0, 80.0, 150.0]})
    >>> mrr_by_month(snaps)
         month    mrr  paying_customers
    0  2026-01  180.0                 2
    1  2026-02  150.0                 1
    """
    g = snapshots.groupby("month", sort=True).agg(mrr=("mrr", "sum"), paying_customers=("account_id", "nunique"))
    if months is not None:
        g = g.reindex(pd.PeriodIndex(months, freq="M"), fill_value=0)
        g.index.name = "month"
    return g.reset_index()
