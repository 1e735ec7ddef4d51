"""Support: first contact resolution, escalation rate, first response time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import month_of, ratio_table, value_table

__all__ = ["fcr", "escalation_rate", "first_response_hours"]


def fcr(
    tickets: pd.DataFrame,
    months,
    *,
    resolved_col: str = "resolved_at",
    contacts_col: str = "contacts",
    reopened_col: str = "reopened",
) -> pd.DataFrame:
    """First contact resolution: tickets resolved in the month with one contact and not reopened / tickets resolved.

    A missing ``reopened`` value counts as not reopened.

    Examples
    --------
    >>> t = pd.DataFrame({"resolved_at": pd.to_datetime(["2026-01-05", "2026-01-09", "2026-01-20", None]),
    ...                   "contacts": [1, 1, 3, pd.NA], "reopened": [False, True, False, False]})
    >>> fcr(t, pd.PeriodIndex(["2026-01"], freq="M"))[["value", "numerator", "denominator"]]
          value  numerator  denominator
    0  0.333333        1.0          3.0
    """
    months = pd.PeriodIndex(months, freq="M")
    t = tickets[tickets[resolved_col].notna()]
    m = month_of(t[resolved_col])
    reopened = t[reopened_col].fillna(False).astype(bool) if reopened_col in t.columns else False
    first = (t[contacts_col] == 1).fillna(False) & ~reopened
    return ratio_table(
        months,
        first.groupby(m).sum().reindex(months, fill_value=0),
        m.value_counts().reindex(months, fill_value=0),
        zero_reason="no tickets resolved in the month",
    )


def escalation_rate(
    tickets: pd.DataFrame, months, *, opened_col: str = "opened_at", escalated_col: str = "escalated"
) -> pd.DataFrame:
    """Escalated tickets / tickets opened in the month."""
    months = pd.PeriodIndex(months, freq="M")
    m = month_of(tickets[opened_col])
    esc = tickets[escalated_col].fillna(False).astype(bool)
    return ratio_table(
        months,
        esc.groupby(m).sum().reindex(months, fill_value=0),
        m.value_counts().reindex(months, fill_value=0),
        zero_reason="no tickets opened in the month",
    )


def first_response_hours(
    tickets: pd.DataFrame, months, *, opened_col: str = "opened_at", response_col: str = "first_response_at"
) -> pd.DataFrame:
    """Median hours from opening to first response, over tickets opened in the month that got a response.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-06 10:00", "2026-01-07 10:00"]),
    ...                   "first_response_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-06 14:00", None])})
    >>> first_response_hours(t, pd.PeriodIndex(["2026-01"], freq="M"))[["value", "n"]]
       value  n
    0    2.5  2
    """
    months = pd.PeriodIndex(months, freq="M")
    t = tickets[tickets[response_col].notna()]
    hours = (t[response_col] - t[opened_col]).dt.total_seconds() / 3600
    m = month_of(t[opened_col])
    med = hours.groupby(m).median().reindex(months)
    n = m.value_counts().reindex(months, fill_value=0)
    note = np.where(n.to_numpy() > 0, "", "no answered tickets opened in the month")
    return value_table(months, med, n, note)
