"""Product usage aggregated per month (the KPI library adds DAU, stickiness, adoption)."""

from __future__ import annotations

import pandas as pd

__all__ = ["usage_volume"]


def usage_volume(usage: pd.DataFrame, *, account_col: str = "account_id", user_col: str = "user_id",
                 date_col: str = "date", months: pd.PeriodIndex | None = None) -> pd.DataFrame:
    """Sessions, distinct active users and distinct active accounts per calendar month.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a", "a", "b"], "user_id": ["u1", "u1", "u2"],
    ...                   "date": pd.to_datetime(["2026-01-05", "2026-01-31", "2026-02-01"])})
    >>> usage_volume(u)
         month  sessions  active_users  active_accounts
    0  2026-01         2             1                1
    1  2026-02         1             1                1
    """
    month = usage[date_col].dt.to_period("M").rename("month")
    g = usage.groupby(month, sort=True).agg(
        sessions=(user_col, "size"), active_users=(user_col, "nunique"), active_accounts=(account_col, "nunique"))
    if months is not None:
        g = g.reindex(pd.PeriodIndex(months, freq="M"), fill_value=0)
        g.index.name = "month"
    return g.reset_index()
