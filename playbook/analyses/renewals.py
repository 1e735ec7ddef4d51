"""Renewals: when each account's contract next renews, from its subscriptions.

A subscription on annual billing renews on the anniversaries of its start date; one
on monthly billing renews every month, so only annual contracts have a renewal
date worth planning for. Contract-end columns, when the data has them, come later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["next_renewal"]


def _on_year(start: pd.Series, years: pd.Series) -> pd.Series:
    """Each ``start``'s month and day in ``years`` (a 29 February falls on 28 February in other years)."""
    first = pd.to_datetime({"year": years, "month": start.dt.month, "day": 1})
    return first + pd.to_timedelta(np.minimum(start.dt.day, first.dt.days_in_month) - 1, unit="D")


def _anniversary_after(start: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """The first anniversary of each ``start`` strictly after ``as_of``."""
    years = pd.Series(as_of.year, index=start.index)
    years = years.where(_on_year(start, years) > as_of, years + 1)
    return _on_year(start, years)


def next_renewal(subscriptions: pd.DataFrame | None, as_of) -> pd.DataFrame:
    """Per account with an annual subscription active at ``as_of``: the next renewal date and the MRR renewing then.

    A subscription is active when it started on or before ``as_of`` and has no
    end date or ends after it. Its renewal is the first anniversary of its start
    date after ``as_of``; an account with several annual subscriptions renews
    first on the earliest of them.

    Parameters
    ----------
    subscriptions : pandas.DataFrame or None
        Subscriptions (``account_id``, ``start_date``, ``end_date``, ``mrr``
        and ``billing_period``); None or without ``billing_period``: no renewal
        is known.
    as_of : str or pandas.Timestamp
        The date the renewals are counted from (usually the review month's last day).

    Returns
    -------
    pandas.DataFrame
        One row per account with an active annual subscription, sorted by
        ``account_id``: ``account_id``, ``next_renewal`` (Timestamp) and
        ``renewing_mrr`` (the MRR of its annual subscriptions renewing on that
        date).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b", "c"], "billing_period": ["annual", "monthly", "annual"],
    ...     "start_date": pd.to_datetime(["2025-03-15", "2026-01-01", "2024-11-30"]),
    ...     "end_date": pd.to_datetime([None, None, None]), "mrr": [50_000.0, 9_000.0, 20_000.0]})
    >>> next_renewal(subs, "2026-10-31")
      account_id next_renewal  renewing_mrr
    0          a   2027-03-15       50000.0
    1          c   2026-11-30       20000.0
    """
    empty = pd.DataFrame({"account_id": pd.Series(dtype="str"), "next_renewal": pd.Series(dtype="datetime64[ns]")})
    empty["renewing_mrr"] = pd.Series(dtype="float64")
    if subscriptions is None or "billing_period" not in subscriptions.columns:
        return empty
    as_of = pd.Timestamp(as_of)
    s = subscriptions
    active = (s["billing_period"] == "annual") & (s["start_date"] <= as_of) & ~(s["end_date"] <= as_of)
    s = s.loc[active, ["account_id", "start_date", "mrr"]]
    if s.empty:
        return empty
    s = s.assign(next_renewal=_anniversary_after(s["start_date"], as_of).to_numpy())
    first = s.groupby("account_id")["next_renewal"].transform("min")
    s = s[s["next_renewal"] == first]
    out = s.groupby("account_id", as_index=False).agg(
        next_renewal=("next_renewal", "first"), renewing_mrr=("mrr", "sum")
    )
    out["renewing_mrr"] = out["renewing_mrr"].astype("float64")
    return out.sort_values("account_id").reset_index(drop=True)
