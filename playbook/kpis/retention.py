"""Customers and retention: logo churn, retention, counts, annualised churn, lifetime, tenure.

Built on the MRR bridge of :mod:`playbook.kpis.revenue`: an account is a customer at a
month end when its MRR is > 0 on the last day of the month.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from playbook.kpis.ratios import mark_missing, ratio_table, value_table
from playbook.kpis.revenue import _matrix

__all__ = [
    "logo_churn_rate",
    "retention_rate",
    "new_customers",
    "churned_customers",
    "reactivated_customers",
    "annualised_churn_rate",
    "expected_lifetime_months",
    "tenure",
    "tenure_months",
    "paid_streaks",
]


def logo_churn_rate(bridge: pd.DataFrame, *, denominator: Literal["start", "start_plus_new"] = "start") -> pd.DataFrame:
    """Share of the customers at the start of the month who are not customers at its end.

    New accounts of the month are not in the denominator, and an account that
    leaves and returns inside the month is not churn (it is a customer at both
    month ends). ``denominator="start_plus_new"`` divides by start + new
    customers instead, the other common convention (for teaching).

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``customers_start``,
        ``churned_customers`` and, with ``denominator="start_plus_new"``, ``new_customers``.
    denominator : {"start", "start_plus_new"}, default "start"
        Divide by the customers at the start of the month, or by those plus the new customers of the month.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        churned customers and ``denominator`` (also ``n``) the chosen base; ``value`` is NaN, with the reason in
        ``note``, when the base is 0.

    Raises
    ------
    ValueError
        If ``denominator`` is neither ``"start"`` nor ``"start_plus_new"``.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.PeriodIndex(["2026-02"], freq="M"), "customers_start": [10.0],
    ...                   "churned_customers": [1.0], "new_customers": [2.0]})
    >>> logo_churn_rate(b)["value"].item(), round(logo_churn_rate(b, denominator="start_plus_new")["value"].item(), 4)
    (0.1, 0.0833)
    """
    if denominator not in ("start", "start_plus_new"):
        raise ValueError(f"denominator must be 'start' or 'start_plus_new', got {denominator!r}")
    den = bridge["customers_start"] + (bridge["new_customers"] if denominator == "start_plus_new" else 0)
    return ratio_table(bridge["month"], bridge["churned_customers"], den, zero_reason="no customers at start of month")


def retention_rate(bridge: pd.DataFrame) -> pd.DataFrame:
    """1 - logo churn: customers at the start still customers at the end / customers at the start.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``customers_start`` and
        ``churned_customers``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        customers at the start minus the churned ones and ``denominator`` (also ``n``) the customers at the start;
        ``value`` is NaN, with the reason in ``note``, when there were no customers at the start.
    """
    kept = bridge["customers_start"] - bridge["churned_customers"]
    return ratio_table(bridge["month"], kept, bridge["customers_start"], zero_reason="no customers at start of month")


def new_customers(bridge: pd.DataFrame) -> pd.DataFrame:
    """Accounts paying at month end that never paid at an earlier month end.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``new_customers`` and
        ``customers_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the new
        customers and ``n`` the paying customers at month end; ``numerator`` and ``denominator`` are NaN and ``note`` is
        empty.
    """
    return value_table(bridge["month"], bridge["new_customers"], bridge["customers_end"])


def churned_customers(bridge: pd.DataFrame) -> pd.DataFrame:
    """Accounts paying at the previous month end and not at this one.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``churned_customers`` and
        ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        churned customers and ``n`` the customers at the start of the month; ``numerator`` and ``denominator`` are NaN
        and ``note`` is empty.
    """
    return value_table(bridge["month"], bridge["churned_customers"], bridge["customers_start"])


def reactivated_customers(bridge: pd.DataFrame) -> pd.DataFrame:
    """Accounts paying again at month end after a month end without MRR.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``reactivated_customers`` and
        ``customers_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        reactivated customers and ``n`` the paying customers at month end; ``numerator`` and ``denominator`` are NaN and
        ``note`` is empty.
    """
    return value_table(bridge["month"], bridge["reactivated_customers"], bridge["customers_end"])


def annualised_churn_rate(bridge: pd.DataFrame) -> pd.DataFrame:
    """1 - (1 - monthly logo churn)^12 (compounded, never x12).

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``customers_start`` and
        ``churned_customers``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        annualised churn; ``numerator``, ``denominator``, ``n`` and ``note`` are those of the monthly logo churn
        (churned customers over customers at the start, see :func:`logo_churn_rate`), so ``value`` is NaN, with the
        reason in ``note``, when there were no customers at the start.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.PeriodIndex(["2026-02"], freq="M"), "customers_start": [100.0], "churned_customers": [2.0]})
    >>> round(annualised_churn_rate(b)["value"].item(), 4)
    0.2153
    """
    churn = logo_churn_rate(bridge.assign(new_customers=0.0))
    out = churn.copy()
    out["value"] = 1 - (1 - churn["value"]) ** 12
    return out


def expected_lifetime_months(bridge: pd.DataFrame, *, window: int = 6) -> pd.DataFrame:
    """1 / mean monthly logo churn over the trailing ``window`` complete months (this one included).

    NaN with a reason when fewer than ``window`` months have a churn rate or the
    mean is 0. ``numerator`` is 1 and ``denominator`` the mean churn.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`, one row per consecutive month; uses ``month``,
        ``customers_start`` and ``churned_customers``.
    window : int, default 6
        The number of months (rows of ``bridge``) in the trailing mean.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        expected lifetime in months, ``numerator`` 1, ``denominator`` the mean monthly logo churn and ``n`` the sum of
        ``customers_start`` over the months of the window (fewer months at the top of the table). ``value`` and
        ``denominator`` are NaN, with the reason in ``note``, when fewer than ``window`` months have a churn rate;
        ``value`` is NaN, with the reason in ``note``, when the mean churn is 0.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-01", "2026-06", freq="M"),
    ...                   "customers_start": [100.0] * 6, "churned_customers": [1.0, 2.0, 3.0, 2.0, 1.0, 3.0]})
    >>> round(float(expected_lifetime_months(b)["value"].iloc[-1]), 2)  # mean churn 0.02 -> 50 months
    50.0
    """
    churn = logo_churn_rate(bridge.assign(new_customers=0.0))["value"]
    mean = churn.rolling(window, min_periods=window).mean().to_numpy()
    n = pd.Series(bridge["customers_start"]).rolling(window, min_periods=1).sum().to_numpy()
    out = ratio_table(
        bridge["month"], np.ones(len(mean)), np.nan_to_num(mean, nan=0.0), n, zero_reason="mean monthly churn is 0"
    )
    return mark_missing(out, np.isnan(mean), f"fewer than {window} months with a churn rate", ("value", "denominator"))


def tenure(snapshots: pd.DataFrame, month) -> pd.DataFrame:
    """Per account paying at the end of ``month``: months since the start of its current unbroken paid period.

    An account paying at the end of ``month`` for the first time has tenure 0.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots as from :func:`~playbook.kpis.revenue.month_end_mrr`: ``account_id``, ``month``, ``mrr``.
    month : str or pandas.Period
        The month at whose end tenure is measured.

    Returns
    -------
    pandas.DataFrame
        One row per account paying at the end of ``month``, sorted by account: ``account_id`` (str) and
        ``tenure_months`` (int).

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "a", "b"],
    ...                       "month": pd.PeriodIndex(["2026-01", "2026-03", "2026-04", "2026-04"], freq="M"),
    ...                       "mrr": [1.0, 1.0, 1.0, 1.0]})
    >>> tenure(snaps, "2026-04")
      account_id  tenure_months
    0          a              1
    1          b              0
    """
    month = pd.Period(month, freq="M")
    keys, span, values, pos = _matrix(snapshots, pd.PeriodIndex([month]))
    paying = values[:, : pos[0] + 1] > 0
    # months since the last month end without MRR, counted back from `month`
    last_gap = np.where(~paying, np.arange(paying.shape[1])[None, :], -1).max(axis=1)
    now = paying[:, -1]
    out = pd.DataFrame(
        {"account_id": keys[now].astype(str), "tenure_months": (pos[0] - last_gap[now] - 1).astype(np.int64)}
    )
    out["account_id"] = out["account_id"].astype("str")
    return out.reset_index(drop=True)


def paid_streaks(paying: np.ndarray) -> np.ndarray:
    """For a boolean account x month matrix, months since each current unbroken paid streak began (-1 where not paying).

    Parameters
    ----------
    paying : numpy.ndarray
        A boolean matrix with one row per account and one column per consecutive month: True where the account pays at
        that month end.

    Returns
    -------
    numpy.ndarray
        An integer matrix of the same shape: 0 in the first month of a paid streak, 1 in the next, and so on; -1 where
        the account is not paying.

    Examples
    --------
    >>> paid_streaks(np.array([[True, True, False, True]])).tolist()
    [[0, 1, -1, 0]]
    """
    idx = np.arange(paying.shape[1])[None, :]
    last_gap = np.maximum.accumulate(np.where(~paying, idx, -1), axis=1)
    return np.where(paying, idx - last_gap - 1, -1)


def tenure_months(snapshots: pd.DataFrame, months) -> pd.DataFrame:
    """Mean tenure (months) of the customers paying at each month end; n = paying customers.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots as from :func:`~playbook.kpis.revenue.month_end_mrr`: ``account_id``, ``month``, ``mrr``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report; not empty, in ascending order.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the mean
        tenure in months (as :func:`tenure` counts it) and ``n`` the paying customers at month end; ``numerator`` and
        ``denominator`` are NaN. ``value`` is NaN, with the reason in ``note``, when no account pays at month end.
    """
    months = pd.PeriodIndex(months, freq="M")
    keys, span, values, pos = _matrix(snapshots, months)
    paying = values > 0
    t = paid_streaks(paying)  # tenure at each month end where paying
    mean, n = [], []
    for p in pos:  # one vectorised reduction per month (36), not per account
        now = paying[:, p]
        n.append(int(now.sum()))
        mean.append(t[now, p].mean() if now.any() else np.nan)
    note = np.where(np.asarray(n) > 0, "", "no paying customers at month end")
    return value_table(months, mean, n, note)
