"""Funnel: free-to-paid trial conversion and journey-funnel conversion rates."""

from __future__ import annotations

import pandas as pd

from playbook.kpis.ratios import month_of, ratio_table, report_cohort, with_cohort_note

__all__ = ["trial_conversion_rate", "conversion_rate"]


def trial_conversion_rate(
    trials: pd.DataFrame,
    months,
    *,
    days: int = 30,
    start_col: str = "start_date",
    converted_col: str = "converted_date",
) -> pd.DataFrame:
    """Trials started in a month that converted within ``days`` days / trials started in that month.

    The row for month m reports the start-month cohort m - ceil(days / 28), whose
    windows have all closed by the end of m (named in ``note``).

    Parameters
    ----------
    trials : pandas.DataFrame
        The trials table: start date and conversion date (empty when not converted), as datetimes in the columns named
        below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The report months.
    days : int, default 30
        The number of days after the start within which a trial must convert.
    start_col, converted_col : str
        The columns holding the start date and the conversion date.

    Returns
    -------
    pandas.DataFrame
        One row per report month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator``
        is the trials of the cohort that converted within ``days`` days and ``denominator`` (also ``n``) all trials
        started in the cohort month. ``note`` names the cohort; ``value`` is NaN, with the reason also in ``note``, when
        the cohort is empty.

    Examples
    --------
    >>> t = pd.DataFrame({"start_date": pd.to_datetime(["2026-02-02", "2026-02-10", "2026-02-15", "2026-02-20"]),
    ...                   "converted_date": pd.to_datetime(["2026-02-20", None, "2026-04-01", "2026-03-01"])})
    >>> # April reports the February trials: converted after 18 and 14 days count, 45 days is too late
    >>> trial_conversion_rate(t, pd.PeriodIndex(["2026-04"], freq="M"))[["value", "numerator", "denominator", "note"]]
       value  numerator  denominator           note
    0    0.5        2.0          4.0  cohort 2026-02
    """
    months = pd.PeriodIndex(months, freq="M")
    cohorts = report_cohort(months, days)
    converted = ((trials[converted_col] - trials[start_col]).dt.days <= days).fillna(False)
    by = pd.DataFrame({"cohort": month_of(trials[start_col]), "converted": converted}).groupby("cohort")["converted"]
    rate = by.agg(["sum", "size"]).reindex(cohorts, fill_value=0)
    out = ratio_table(
        months, rate["sum"].to_numpy(), rate["size"].to_numpy(), zero_reason="no trials started in the cohort"
    )
    return with_cohort_note(out, cohorts)


def conversion_rate(
    funnel: pd.DataFrame,
    months,
    *,
    stages: list[str] | None = None,
    month_col: str = "month",
    stage_col: str = "stage",
    count_col: str = "count",
) -> pd.DataFrame:
    """Funnel conversion per month: each stage / the stage before it, and the last stage / the first (``overall``).

    Counts are summed over channels. ``stages`` gives the order (default: the
    order in which stages first appear in the table). Returns the KPI columns plus
    ``step`` (the stage reached, or ``overall``).

    Parameters
    ----------
    funnel : pandas.DataFrame
        The funnel table: month (``Period[M]`` or dates), stage and count, in the columns named below; any other columns
        (such as a channel) are summed over.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    stages : list of str, optional
        The stages in funnel order; a stage missing from the table counts as 0. Default: the stages in the order they
        first appear in the table.
    month_col, stage_col, count_col : str
        The columns holding the month, the stage and the count.

    Returns
    -------
    pandas.DataFrame
        One row per month and step, ordered by month and then funnel order (``overall`` last): ``month``, ``step``,
        ``value``, ``numerator``, ``denominator``, ``n``, ``note``. For each stage after the first, ``numerator`` is its
        count and ``denominator`` (also ``n``) the count of the stage before it; for ``overall``, the last stage over
        the first. ``value`` is NaN, with the reason in ``note``, when the denominator is 0.

    Examples
    --------
    >>> f = pd.DataFrame({"month": pd.PeriodIndex(["2026-01"] * 3, freq="M"), "stage": ["visitors", "trials", "customers"],
    ...                   "count": [1000, 50, 10]})
    >>> conversion_rate(f, pd.PeriodIndex(["2026-01"], freq="M"))[["step", "value", "numerator", "denominator"]]
            step  value  numerator  denominator
    0     trials   0.05       50.0       1000.0
    1  customers   0.20       10.0         50.0
    2    overall   0.01       10.0       1000.0
    """
    months = pd.PeriodIndex(months, freq="M")
    stages = list(pd.unique(funnel[stage_col])) if stages is None else stages
    counts = funnel.groupby([month_of(funnel[month_col]).rename("month"), funnel[stage_col].rename("stage")])[
        count_col
    ].sum()
    wide = counts.unstack("stage").reindex(index=months, columns=stages).fillna(0)
    parts = []
    for prev, cur in zip(stages[:-1], stages[1:]):
        t = ratio_table(months, wide[cur], wide[prev], zero_reason=f"no {prev} in the month")
        t.insert(1, "step", cur)
        parts.append(t)
    t = ratio_table(months, wide[stages[-1]], wide[stages[0]], zero_reason=f"no {stages[0]} in the month")
    t.insert(1, "step", "overall")
    parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["step"] = out["step"].astype("str")
    return out.sort_values("month", kind="stable").reset_index(drop=True)
