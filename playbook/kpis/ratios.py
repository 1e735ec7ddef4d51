"""The shape every KPI function returns: value with its numerator, denominator and n.

A zero denominator gives NaN with the reason in ``note`` — never 0, never inf,
never an exception (metrics.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.data.dataset import month_of  # re-exported for the KPI modules

__all__ = [
    "KPI_COLUMNS",
    "ratio_table",
    "value_table",
    "wilson_interval",
    "report_cohort",
    "with_cohort_note",
    "mark_missing",
    "month_of",
]

KPI_COLUMNS = ["month", "value", "numerator", "denominator", "n", "note"]
SMALL_SAMPLE = 30


def ratio_table(
    months, numerator, denominator, n=None, *, zero_reason: str, scale: float = 1.0, small_sample: int | None = None
) -> pd.DataFrame:
    """One row per month: ``value = scale * numerator / denominator``, NaN with ``zero_reason`` when the denominator is 0.

    ``small_sample`` flags rows whose ``n`` is positive but below it.

    Parameters
    ----------
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        One month per row.
    numerator, denominator : array-like of float
        The numerator and denominator of each month.
    n : array-like, optional
        The number of units behind each value; missing values become 0 and fractions are cut to whole numbers. Default:
        ``denominator``.
    zero_reason : str
        The note for months whose denominator is 0.
    scale : float, default 1.0
        A factor applied to the ratio (e.g. 100 for points, 1/60 for seconds to minutes).
    small_sample : int, optional
        Flag in ``note`` the rows with a non-zero denominator whose ``n`` is above 0 and below this.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n`` (nullable integer) and ``note``
        (empty when there is nothing to say).

    Examples
    --------
    >>> ratio_table(pd.PeriodIndex(["2026-01", "2026-02"], freq="M"), [1, 0], [4, 0], zero_reason="no customers at start of month")
         month  value  numerator  denominator  n                           note
    0  2026-01   0.25        1.0          4.0  4
    1  2026-02    NaN        0.0          0.0  0  no customers at start of month
    """
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    n = den if n is None else np.asarray(n, dtype="float64")
    ok = den != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(ok, scale * num / np.where(ok, den, 1.0), np.nan)
    note = np.where(ok, "", zero_reason).astype(object)
    if small_sample:
        small = ok & (n > 0) & (n < small_sample)
        note = np.where(small, [f"small sample (n={int(x)} < {small_sample})" for x in n], note)
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex(months, freq="M"),
            "value": value,
            "numerator": num,
            "denominator": den,
            "n": pd.array(np.nan_to_num(n).astype(np.int64), dtype="Int64"),
            "note": pd.array(note, dtype="str"),
        }
    )


def value_table(months, value, n, note=None) -> pd.DataFrame:
    """One row per month for a KPI that is a level or a count, not a ratio (no numerator/denominator).

    Parameters
    ----------
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        One month per row.
    value : array-like of float
        The value of each month.
    n : array-like of int
        The number of units behind each value; must have no missing values.
    note : array-like of str, optional
        A note per month. Default: empty notes.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n`` (nullable integer) and ``note``;
        ``numerator`` and ``denominator`` are NaN.
    """
    value = np.asarray(value, dtype="float64")
    notes = np.full(len(value), "", dtype=object) if note is None else np.asarray(note, dtype=object)
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex(months, freq="M"),
            "value": value,
            "numerator": np.nan,
            "denominator": np.nan,
            "n": pd.array(np.asarray(n, dtype=np.int64), dtype="Int64"),
            "note": pd.array(notes, dtype="str"),
        }
    )


def wilson_interval(successes, trials, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (NaN where there are no trials).

    Parameters
    ----------
    successes : array-like
        The successes of each group.
    trials : array-like
        The trials of each group.
    z : float, default 1.96
        The normal quantile of the confidence level (1.96 for 95 %).

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper bounds, within 0 and 1; NaN where there are no trials.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([5]), np.array([10]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.237, 0.763)
    """
    k = np.asarray(successes, dtype="float64")
    n = np.asarray(trials, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)  # no -0.0 from rounding
    with np.errstate(invalid="ignore"):  # rounding can put a bound past p when p is 0 or 1
        lo, hi = np.minimum(lo, p), np.maximum(hi, p)
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def report_cohort(months, days: int) -> pd.PeriodIndex:
    """The cohort month each report month shows for a ``days``-day window: m - ceil(days / 28).

    A fixed lag of k months, the smallest for which every member's window (the
    last joiner has until ``cohort end + days``) has closed by the end of m in
    every month of the year, so each cohort is reported exactly once.

    Parameters
    ----------
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The report months.
    days : int
        The length of each member's window, in days.

    Returns
    -------
    pandas.PeriodIndex
        The cohort month of each report month: ``months`` moved back by ceil(days / 28) months, and by at least one
        month.

    Examples
    --------
    >>> report_cohort(pd.PeriodIndex(["2026-03", "2026-04"], freq="M"), 30).astype(str).tolist()
    ['2026-01', '2026-02']
    >>> report_cohort(pd.PeriodIndex(["2026-04"], freq="M"), 60).astype(str).tolist()
    ['2026-01']
    """
    lag = max(1, -(-days // 28))
    return pd.PeriodIndex(months, freq="M") - lag


def with_cohort_note(table: pd.DataFrame, cohorts: pd.PeriodIndex) -> pd.DataFrame:
    """Name each row's cohort in ``note`` ("cohort 2026-08"), keeping any reason already there.

    Parameters
    ----------
    table : pandas.DataFrame
        A KPI table (``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``).
    cohorts : pandas.PeriodIndex
        The cohort of each row, as from :func:`report_cohort`.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` whose ``note`` is ``"cohort 2026-08"``, or ``"<reason> (cohort 2026-08)"`` when the row
        already had a note.
    """
    out = table.copy()
    out["note"] = pd.array(
        [f"cohort {c}" if not note else f"{note} (cohort {c})" for c, note in zip(cohorts, out["note"])], dtype="str"
    )
    return out


def mark_missing(table: pd.DataFrame, missing, note: str, columns=("value", "numerator")) -> pd.DataFrame:
    """Set ``columns`` to NaN and ``note`` where ``missing`` (an input of the ratio was not given).

    Parameters
    ----------
    table : pandas.DataFrame
        A KPI table (``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``); it is changed in place.
    missing : array-like of bool
        One flag per row: True where an input of the ratio was not given.
    note : str
        The note for the flagged rows; it replaces any note already there.
    columns : sequence of str, default ("value", "numerator")
        The columns set to NaN in the flagged rows.

    Returns
    -------
    pandas.DataFrame
        ``table`` itself, changed.
    """
    missing = np.asarray(missing, dtype=bool)
    table.loc[missing, list(columns)] = np.nan
    table.loc[missing, "note"] = note
    return table
