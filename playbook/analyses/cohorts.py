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

__all__ = ["cohort_matrix", "VIEWS"]

VIEWS = ("counts", "active_share", "survival", "revenue", "revenue_capped", "ltv")
AVERAGE = "weighted average"


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
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    if view in ("revenue", "revenue_capped", "ltv") and value_col is None:
        raise ValueError(f"view {view!r} needs value_col (e.g. 'mrr' or 'amount')")
    a = activity
    fiscal = freq == "FQ"
    if fiscal:
        freq = fiscal_quarter_freq(fiscal_year_start)  # pandas names these quarters by their end year: relabelled below
    period = a[date_col]
    period = period.dt.asfreq(freq) if isinstance(period.dtype, pd.PeriodDtype) else period.dt.to_period(freq)
    df = pd.DataFrame(
        {
            "customer": pd.factorize(a[customer_col])[0],
            "ordinal": pd.PeriodIndex(period, freq=freq).asi8,
            "value": a[value_col].to_numpy(dtype="float64") if value_col else 1.0,
        }
    )
    df = df.groupby(["customer", "ordinal"], as_index=False)["value"].sum()
    if value_col:
        df = df[df["value"] > 0]
    end = _period(as_of, freq)
    df = df[df["ordinal"] <= end.ordinal]
    first = df.groupby("customer")["ordinal"].transform("min")
    df["cohort"] = first
    df["k"] = df["ordinal"] - first
    df = df.sort_values(["customer", "k"], kind="stable")
    # survival: the initial unbroken run (k equals the row's position within the customer)
    df["in_run"] = df["k"].to_numpy() == df.groupby("customer").cumcount().to_numpy()
    cohorts = np.sort(df["cohort"].unique())
    kmax = int(end.ordinal - cohorts.min()) if len(cohorts) else 0
    ks = np.arange(kmax + 1)
    base = df[df["k"] == 0].set_index("customer")["value"]
    df["base"] = df["customer"].map(base)
    size = df[df["k"] == 0].groupby("cohort").size().reindex(cohorts).to_numpy(dtype="float64")
    base_value = df[df["k"] == 0].groupby("cohort")["value"].sum().reindex(cohorts).to_numpy()

    def grid(frame: pd.DataFrame, column: str | None) -> np.ndarray:
        g = frame.groupby(["cohort", "k"]).size() if column is None else frame.groupby(["cohort", "k"])[column].sum()
        return g.unstack("k").reindex(index=cohorts, columns=ks).fillna(0.0).to_numpy(dtype="float64")

    if view in ("counts", "active_share"):
        num, den = grid(df, None), size
    elif view == "survival":
        runs = df[df["in_run"]].groupby("customer")["k"].max()
        first_by = df.drop_duplicates("customer").set_index("customer")["cohort"]
        run_len = pd.DataFrame({"cohort": first_by.reindex(runs.index).to_numpy(), "last": runs.to_numpy()})
        num = (
            np.stack(
                [
                    (run_len["last"].to_numpy()[:, None] >= ks[None, :])[run_len["cohort"].to_numpy() == c].sum(axis=0)
                    for c in cohorts
                ]
            ).astype("float64")
            if len(cohorts)
            else np.zeros((0, len(ks)))
        )
        den = size
    elif view == "revenue":
        num, den = grid(df, "value"), base_value
    elif view == "revenue_capped":
        num, den = grid(df.assign(capped=np.minimum(df["value"], df["base"])), "capped"), base_value
    else:  # ltv
        num, den = np.cumsum(grid(df, "value"), axis=1), size
    observed = (cohorts[:, None] + ks[None, :]) <= end.ordinal
    num = np.where(observed, num, np.nan)
    values = num if view == "counts" else num / den[:, None]
    index = [_label(pd.Period(ordinal=int(c), freq=freq), fiscal, fiscal_year_start) for c in cohorts]
    out = pd.DataFrame(values, index=index, columns=list(ks))
    out.insert(0, "size", size)
    if average and len(cohorts):
        wsum = np.where(observed, den[:, None], 0.0).sum(axis=0)
        total = np.nansum(num, axis=0)
        avg = total if view == "counts" else np.where(wsum > 0, total / np.where(wsum > 0, wsum, 1), np.nan)
        if view == "survival":
            avg = _product_limit(num, observed)
        out.loc[AVERAGE] = np.concatenate([[size.sum()], avg])
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
