"""Support: first contact resolution, escalation rate, first response time, resolution time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import month_of, ratio_table, value_table

__all__ = ["fcr", "escalation_rate", "first_response_hours", "resolution_hours"]


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

    Parameters
    ----------
    tickets : pandas.DataFrame
        The tickets table: resolution time (datetime), number of contacts and, optionally, a reopened flag, in the
        columns named below. Unresolved tickets are ignored.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    resolved_col, contacts_col, reopened_col : str
        The columns holding the resolution time, the number of contacts and the reopened flag. A table without the
        reopened column has no reopened tickets.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        tickets resolved in the month with exactly one contact and not reopened, ``denominator`` (also ``n``) all
        tickets resolved in the month; ``value`` is NaN, with the reason in ``note``, when there were none.

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
    """Escalated tickets / tickets opened in the month.

    Parameters
    ----------
    tickets : pandas.DataFrame
        The tickets table: opening time (datetime) and escalated flag, in the columns named below. A missing flag counts
        as not escalated.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    opened_col, escalated_col : str
        The columns holding the opening time and the escalated flag.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        escalated tickets among those opened in the month and ``denominator`` (also ``n``) all tickets opened in the
        month; ``value`` is NaN, with the reason in ``note``, when there were none.
    """
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

    Parameters
    ----------
    tickets : pandas.DataFrame
        The tickets table: opening time and first response time (datetimes), in the columns named below. Tickets without
        a response are ignored.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    opened_col, response_col : str
        The columns holding the opening time and the first response time.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        median hours to first response and ``n`` the answered tickets opened in the month; ``numerator`` and
        ``denominator`` are NaN. ``value`` is NaN, with the reason in ``note``, when there were none.

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


def resolution_hours(
    tickets: pd.DataFrame, months, *, opened_col: str = "opened_at", resolved_col: str = "resolved_at"
) -> pd.DataFrame:
    """Median hours from opening to resolution, over the tickets resolved in the month.

    Tickets are placed in the month they were resolved (as for :func:`fcr`), so a month's value is final once the
    month has ended: a ticket still open at ``as_of`` waits for the month it is resolved in instead of leaving the
    slowest tickets out of the month it was opened in. Unresolved tickets are ignored.

    Parameters
    ----------
    tickets : pandas.DataFrame
        The tickets table: opening time and resolution time (datetimes), in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    opened_col, resolved_col : str
        The columns holding the opening time and the resolution time.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        median hours from ``opened_col`` to ``resolved_col`` and ``n`` the tickets resolved in the month;
        ``numerator`` and ``denominator`` are NaN. ``value`` is NaN, with the reason in ``note``, when there were none.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": pd.to_datetime(["2026-01-05 09:00", "2026-01-06 10:00", "2026-01-30 10:00"]),
    ...                   "resolved_at": pd.to_datetime(["2026-01-05 13:00", "2026-01-07 10:00", "2026-02-02 10:00"])})
    >>> # January: the tickets resolved in January took 4 h and 24 h -> median 14 h; February: 72 h
    >>> resolution_hours(t, pd.PeriodIndex(["2026-01", "2026-02"], freq="M"))[["value", "n"]]
       value  n
    0   14.0  2
    1   72.0  1
    """
    months = pd.PeriodIndex(months, freq="M")
    t = tickets[tickets[resolved_col].notna()]
    hours = (t[resolved_col] - t[opened_col]).dt.total_seconds() / 3600
    m = month_of(t[resolved_col])
    med = hours.groupby(m).median().reindex(months)
    n = m.value_counts().reindex(months, fill_value=0)
    note = np.where(n.to_numpy() > 0, "", "no tickets resolved in the month")
    return value_table(months, med, n, note)
