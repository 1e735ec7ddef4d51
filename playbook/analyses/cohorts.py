"""Cohorts: who keeps buying, and how much, month after month since they started.

A customer's cohort is the period of its first activity (first month-end with
MRR > 0 for subscription snapshots, first purchase for transactions); k = 0 is
the cohort period. Cells after ``as_of`` are NaN (blank), never 0. Periods are months,
calendar quarters or fiscal quarters (``freq="FQ"``: quarters of the fiscal year starting in
``fiscal_year_start``, labelled ``FY2026Q1`` by the year they start in, see :mod:`playbook.kpis.fiscal`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from playbook.kpis.fiscal import DEFAULT_START, fiscal_code, fiscal_quarter_freq

__all__ = ["cohort_matrix", "cohort_matrices", "VIEWS", "AVERAGE", "SMALL"]

VIEWS = ("counts", "active_share", "survival", "revenue", "revenue_capped", "ltv")
AVERAGE = "weighted average"
#: The row pooling the cohorts too small to read alone (``min_share``).
SMALL = "smaller cohorts"


def cohort_matrix(
    activity: pd.DataFrame,
    *,
    as_of,
    customer_col: str = "account_id",
    date_col: str = "month",
    value_col: str | None = None,
    view: Literal["counts", "active_share", "survival", "revenue", "revenue_capped", "ltv"] = "active_share",
    freq: Literal["M", "Q", "FQ"] = "M",
    average: bool = True,
    fiscal_year_start: int = DEFAULT_START,
    min_share: float = 0.0,
) -> pd.DataFrame:
    """Cohort x periods-since-start matrix, with cohort sizes and a weighted-average row.

    ``activity`` has one row per customer and date (month-end snapshots, or
    transactions; several rows per period are summed). Views:

    - ``counts``: members active in period k (the ``size`` column is k = 0);
    - ``active_share``: active members / cohort size (returners count, so it can rise);
    - ``survival``: members active in every period from 0 to k / size (never rises);
    - ``revenue``: members' value at k / their value at k = 0 (expansion included);
    - ``revenue_capped``: the same with each member capped at its k = 0 value (GRR-style, <= 1);
    - ``ltv``: realised value per member, cumulated up to k.

    The last row is the weighted average over the cohorts observed at each k
    (weighted by size, or by k = 0 value for the revenue views). For
    ``survival`` it is the product-limit (Kaplan-Meier) estimate over all
    cohorts: a plain average over whichever cohorts are observed at each k can
    rise when the oldest cohorts retained worse; this one never rises.

    Parameters
    ----------
    activity : pandas.DataFrame
        One row per customer and date: ``customer_col``, ``date_col`` (dates or
        periods) and, when given, ``value_col``.
    as_of : str, pandas.Period or pandas.Timestamp
        The last period observed: later rows are dropped and later cells are NaN.
    customer_col : str, default "account_id"
        The column naming the customer.
    date_col : str, default "month"
        The column placing a row in time.
    value_col : str, optional
        The column of values (e.g. ``mrr`` or ``amount``). With it a customer is
        active in a period only when its summed value there is above 0; the
        ``revenue``, ``revenue_capped`` and ``ltv`` views need it. Without it
        every row counts as activity.
    view : {"counts", "active_share", "survival", "revenue", "revenue_capped", "ltv"}, default "active_share"
        What the cells hold (see above).
    freq : {"M", "Q", "FQ"}, default "M"
        Periods of months, of calendar quarters or of fiscal quarters (Q1 = the three months from
        ``fiscal_year_start``).
    average : bool, default True
        Add the weighted-average row.
    fiscal_year_start : int, default 1
        The fiscal year's first month, for ``freq="FQ"`` (4: FY2026 Q1 is April-June 2026).
    min_share : float, default 0
        Cohorts with fewer members than this share of all members (a cohort of 2 among
        23,000 customers: its cells are 0% or 100%) are not shown alone: they are pooled
        into one row, :data:`SMALL`, weighted like the average row, after the other
        cohorts; a pooled row still below the share is left out. Either way they still
        count in the weighted average, and ``attrs["small"]`` holds their members.

    Returns
    -------
    pandas.DataFrame
        One row per cohort, labelled by its period as text (``2026-01``,
        ``2026Q1``, or the fiscal quarter's code ``FY2026Q1``), then the ``weighted average`` row: a ``size`` column
        (members at k = 0) and one column per k, from 0 to the periods between
        the first cohort and ``as_of``. In the ``counts`` view the last row
        holds totals over the cohorts, not averages; its ``size`` is the sum of
        the cohort sizes in every view.

    Raises
    ------
    ValueError
        If ``view`` is unknown, or a revenue view or ``ltv`` has no
        ``value_col``.

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "a", "b", "b", "c"],
    ...                       "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03", "2026-01", "2026-03", "2026-02"], freq="M")})
    >>> cohort_matrix(snaps, as_of="2026-03", view="counts")
                      size    0    1    2
    2026-01            2.0  2.0  1.0  2.0
    2026-02            1.0  1.0  0.0  NaN
    weighted average   3.0  3.0  1.0  2.0
    >>> cohort_matrix(snaps, as_of="2026-03", view="survival").loc["2026-01"].tolist()  # b's gap ends its survival
    [2.0, 1.0, 0.5, 0.5]
    >>> cohort_matrix(snaps, as_of="2026-03", view="survival").loc["weighted average"].tolist()  # Kaplan-Meier
    [3.0, 1.0, 0.3333333333333333, 0.3333333333333333]

    Fiscal quarters of a year starting in April: March 2026 closes FY2025, April opens FY2026.

    >>> q = pd.DataFrame({"account_id": ["a", "a", "b"], "month": pd.PeriodIndex(["2026-03", "2026-04", "2026-04"], freq="M")})
    >>> cohort_matrix(q, as_of="2026-06", view="counts", freq="FQ", fiscal_year_start=4)
                      size    0    1
    FY2025Q4           1.0  1.0  1.0
    FY2026Q1           1.0  1.0  NaN
    weighted average   2.0  2.0  1.0

    Ten members start in January, one in February: with ``min_share=0.1`` the February
    cohort (1 of 11 members, 9%) is too small alone and is left out of the rows, not of the average.

    >>> s = pd.DataFrame({"account_id": list("abcdefghijk"), "month": pd.PeriodIndex(["2026-01"] * 10 + ["2026-02"], freq="M")})
    >>> m = cohort_matrix(s, as_of="2026-02", view="counts", min_share=0.1)
    >>> m.index.tolist(), m.attrs["small"]
    (['2026-01', 'weighted average'], 1)
    """
    return cohort_matrices(
        activity,
        as_of=as_of,
        views=(view,),
        customer_col=customer_col,
        date_col=date_col,
        value_col=value_col,
        freq=freq,
        average=average,
        fiscal_year_start=fiscal_year_start,
        min_share=min_share,
    )[view]


def cohort_matrices(
    activity: pd.DataFrame,
    *,
    as_of,
    views=VIEWS,
    customer_col: str = "account_id",
    date_col: str = "month",
    value_col: str | None = None,
    freq: Literal["M", "Q", "FQ"] = "M",
    average: bool = True,
    fiscal_year_start: int = DEFAULT_START,
    min_share: float = 0.0,
) -> dict[str, pd.DataFrame]:
    """Several views of :func:`cohort_matrix` from one pass over ``activity``.

    The work every view shares (the periods, the per customer and period totals, each
    customer's cohort and k, the cohort sizes) is done once; each view then costs one
    weighted count over the cohort x k grid.

    Parameters
    ----------
    activity : pandas.DataFrame
        As for :func:`cohort_matrix`.
    as_of : str, pandas.Period or pandas.Timestamp
        As for :func:`cohort_matrix`.
    views : sequence of str, default every view
        The views wanted (see :func:`cohort_matrix`).
    customer_col, date_col, value_col, freq, average, fiscal_year_start, min_share
        As for :func:`cohort_matrix`.

    Returns
    -------
    dict of str to pandas.DataFrame
        One matrix per view, keyed by view, each equal to ``cohort_matrix(..., view=view)``.

    Raises
    ------
    ValueError
        If a view is unknown, or a revenue view or ``ltv`` has no ``value_col``.

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "b"], "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-01"], freq="M"),
    ...                       "mrr": [10.0, 20.0, 30.0]})
    >>> m = cohort_matrices(snaps, as_of="2026-02", value_col="mrr", views=("counts", "revenue"))
    >>> m["counts"].loc["2026-01"].tolist(), m["revenue"].loc["2026-01"].tolist()  # revenue: 20 / (10 + 30)
    ([2.0, 2.0, 1.0], [2.0, 1.0, 0.5])
    """
    views = tuple(views)
    for view in views:
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
        if view in ("revenue", "revenue_capped", "ltv") and value_col is None:
            raise ValueError(f"view {view!r} needs value_col (e.g. 'mrr' or 'amount')")
    fiscal = freq == "FQ"
    if fiscal:
        freq = fiscal_quarter_freq(fiscal_year_start)  # pandas names these quarters by their end year: relabelled below
    end = _period(as_of, freq)
    b = _Base(activity, customer_col, date_col, value_col, freq, end.ordinal)
    index = [_label(pd.Period(ordinal=int(c), freq=freq), fiscal, fiscal_year_start) for c in b.cohorts]
    return {view: _view(b, view, index, average, min_share) for view in views}


#: A (customer x period) grid of up to this many cells, or of up to ``DENSE_PER_ROW`` cells per row, is counted
#: densely (bincount over the grid: no hashing, no sorting); a sparser one is hashed and sorted.
DENSE_CELLS = 1 << 20
DENSE_PER_ROW = 4


class _Base:
    """The view-independent work of the cohort matrices, on integer arrays.

    Per customer and period (value summed, kept when above 0 with a value column, up to ``end``), sorted by
    customer then period: the customer's cohort and k, whether the row is in the customer's first unbroken run,
    and its k = 0 value; per cohort, its size and k = 0 value.
    """

    def __init__(self, a: pd.DataFrame, customer_col, date_col, value_col, freq, end: int):
        period = a[date_col]
        period = period.dt.asfreq(freq) if isinstance(period.dtype, pd.PeriodDtype) else period.dt.to_period(freq)
        customer = pd.factorize(a[customer_col])[0].astype(np.int64) + 1  # a missing id (-1) is one more customer
        ordinal = pd.PeriodIndex(period, freq=freq).asi8
        value = a[value_col].to_numpy(dtype="float64") if value_col else np.ones(len(a))
        lo = int(ordinal.min()) if len(ordinal) else 0
        span = (int(ordinal.max()) - lo + 1) if len(ordinal) else 1
        key = customer * span + (ordinal - lo)  # (customer, period) as one integer, in customer-then-period order
        grid = (int(customer.max()) + 1) * span if len(key) else 0
        if grid <= max(
            DENSE_PER_ROW * len(key), DENSE_CELLS
        ):  # a dense grid a few times the rows: counted, no hashing or sorting
            keys = np.flatnonzero(np.bincount(key, minlength=grid))
            total = np.bincount(key, weights=value, minlength=grid)[keys]
        else:  # sparse (long spans, few periods per customer): one hash pass, then a sort
            inverse, keys = pd.factorize(key)
            keys = np.asarray(keys, dtype=np.int64)
            total = np.bincount(inverse, weights=value, minlength=len(keys))
            order = np.argsort(keys, kind="stable")  # customer, then period
            keys, total = keys[order], total[order]
        cust, ordn = keys // span, keys % span + lo
        keep = ordn <= end
        if value_col:
            keep &= total > 0
        cust, ordn, total = cust[keep], ordn[keep], total[keep]
        n = len(cust)
        starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]]) if n else np.array([], dtype=np.int64)
        runs = np.diff(np.r_[starts, n])
        first = ordn[starts]
        self.k = ordn - np.repeat(first, runs)
        position = np.arange(n) - np.repeat(starts, runs)
        self.in_run = self.k == position  # the initial unbroken run: k equals the row's position in the customer
        self.value = total
        self.base = np.repeat(total[starts], runs)  # the customer's k = 0 value on each of its rows
        self.cohorts = np.unique(first)
        self.end = end
        self.kmax = int(end - self.cohorts.min()) if len(self.cohorts) else 0
        self.ks = np.arange(self.kmax + 1)
        cohort_of = np.searchsorted(self.cohorts, first)  # per customer
        self.customer_cohort = cohort_of
        self.customer_run = np.bincount(
            np.repeat(np.arange(len(starts)), runs), weights=self.in_run, minlength=len(starts)
        )
        self.cell = np.repeat(cohort_of, runs) * len(self.ks) + self.k  # the row's cohort x k cell
        nc = len(self.cohorts)
        self.size = np.bincount(cohort_of, minlength=nc).astype("float64")
        self.base_value = np.bincount(cohort_of, weights=total[starts], minlength=nc)

    def grid(self, weights=None) -> np.ndarray:
        shape = (len(self.cohorts), len(self.ks))
        return np.bincount(self.cell, weights=weights, minlength=shape[0] * shape[1]).astype("float64").reshape(shape)

    def survivors(self) -> np.ndarray:
        """Per cohort and k, the members whose first run lasts to k at least."""
        shape = (len(self.cohorts), len(self.ks))
        last = self.customer_run.astype(np.int64) - 1  # the last k of each customer's first run
        ends = np.bincount(self.customer_cohort * shape[1] + last, minlength=shape[0] * shape[1]).reshape(shape)
        return np.cumsum(ends[:, ::-1], axis=1)[:, ::-1].astype("float64")


def _weighted(view: str, num: np.ndarray, den: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Per k, the cohorts' cells pooled: totals (``counts``), product-limit (``survival``), else weighted by ``den``."""
    total = np.nansum(num, axis=0)
    if view == "counts":
        return total
    if view == "survival":
        return _product_limit(num, observed)
    wsum = np.where(observed, den[:, None], 0.0).sum(axis=0)
    return np.where(wsum > 0, total / np.where(wsum > 0, wsum, 1), np.nan)


def _view(b: _Base, view: str, index: list[str], average: bool, min_share: float = 0.0) -> pd.DataFrame:
    cohorts, ks, size = b.cohorts, b.ks, b.size
    if view in ("counts", "active_share"):
        num, den = b.grid(), size
    elif view == "survival":
        num, den = b.survivors(), size
    elif view == "revenue":
        num, den = b.grid(b.value), b.base_value
    elif view == "revenue_capped":
        num, den = b.grid(np.minimum(b.value, b.base)), b.base_value
    else:  # ltv
        num, den = np.cumsum(b.grid(b.value), axis=1), size
    observed = (cohorts[:, None] + ks[None, :]) <= b.end
    num = np.where(observed, num, np.nan)
    values = num if view == "counts" else num / den[:, None]
    out = pd.DataFrame(values, index=index, columns=list(ks))
    out.insert(0, "size", size)
    small = size < min_share * size.sum() if min_share > 0 else np.zeros(len(size), dtype=bool)
    if small.any():
        out = out[~small]
        if size[small].sum() >= min_share * size.sum():
            pooled = _weighted(view, num[small], den[small], observed[small])
            out.loc[SMALL] = np.concatenate([[size[small].sum()], pooled])
    if average and len(cohorts):
        out.loc[AVERAGE] = np.concatenate([[size.sum()], _weighted(view, num, den, observed)])
    out.attrs["small"] = int(size[small].sum())
    return out


def _period(value, freq: str) -> pd.Period:
    """``value`` (a date, a month or a period) as a period of ``freq``."""
    return value.asfreq(freq) if isinstance(value, pd.Period) else pd.Period(pd.Timestamp(value), freq=freq)


def _label(period: pd.Period, fiscal: bool, start: int) -> str:
    """A cohort's label: the period as text, or a fiscal quarter's code named by the year it starts in."""
    return fiscal_code(period.asfreq("M", "start"), start, quarter=True) if fiscal else str(period)


def _product_limit(survivors: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival by k from a cohort x k matrix of members still in their first run (NaN unobserved).

    At each k only the cohorts observed at k count: of their members surviving to k - 1,
    the share surviving to k; the curve is the running product of those shares.
    """
    prev = np.where(observed[:, 1:], survivors[:, :-1], 0.0)
    now = np.where(observed[:, 1:], survivors[:, 1:], 0.0)
    at_risk, kept = prev.sum(axis=0), now.sum(axis=0)
    step = np.divide(kept, at_risk, out=np.full(len(at_risk), np.nan), where=at_risk > 0)
    return np.concatenate([[1.0], np.cumprod(step)])
