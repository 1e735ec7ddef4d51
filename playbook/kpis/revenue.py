"""Month-end MRR snapshots: the base of every subscription metric.

An account's MRR at the end of month m is the sum of the MRR of its
subscriptions active on the last day of m, where a subscription is active on day
d when ``start_date <= d <= end_date`` (an empty ``end_date`` is open).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import ratio_table, value_table

__all__ = [
    "month_end_mrr",
    "month_end_mrr_from_monthly",
    "mrr_by_month",
    "mrr_movements",
    "mrr_bridge",
    "mrr",
    "arr",
    "paying_customers",
    "arpa",
    "revenue_churn_rate",
    "nrr",
    "grr",
    "nrr_12m",
    "upsell_rate",
    "cross_sell_rate",
    "expansion_mrr_rate",
    "quick_ratio",
    "MOVEMENTS",
]

MOVEMENTS = ["new", "reactivation", "expansion", "contraction", "churned"]


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
    product_col: str | None = None,
) -> pd.DataFrame:
    """Each account's MRR on the last day of each month, from subscription intervals.

    Returns one row per account and month with MRR > 0: ``account_id``,
    ``month`` (``Period[M]``), ``mrr``. ``months`` defaults to every month from
    the first start date to the month of the latest start date. With
    ``product_col`` the snapshots are per account and product (a ``product``
    column is added), as cross-sell needs.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        One row per subscription, with the account id, start date, end date and MRR in the columns named below. An empty
        end date means the subscription is still open; a table without the end-date column has only open subscriptions.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex, optional
        The months to report. Default: every month from the month of the earliest start date to the month of the latest
        start date.
    account_col, start_col, end_col, mrr_col : str
        The columns holding the account id, start date, end date and MRR.
    product_col : str, optional
        The column holding the product. When given, the snapshots are per account and product.

    Returns
    -------
    pandas.DataFrame
        One row per account (and product) and month with MRR > 0, sorted by month and then account: ``account_id``
        (str), ``month`` (``Period[M]``), ``product`` (only with ``product_col``) and ``mrr`` (float). The output
        columns have these names whatever the input columns are called.

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
    keys = ["account_id"] + (["product"] if product_col else [])
    if len(months) == 0 or s.empty:
        return pd.DataFrame(
            {
                "account_id": pd.Series(dtype="str"),
                "month": pd.Series(dtype="period[M]"),
                "mrr": pd.Series(dtype="float64"),
            }
            | ({"product": pd.Series(dtype="str")} if product_col else {})
        )
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
    out = pd.DataFrame(
        {
            "account_id": s[account_col].to_numpy()[rows],
            "month": pd.PeriodIndex.from_ordinals(ordinal - 1970 * 12, freq="M"),
            "mrr": s[mrr_col].to_numpy(dtype="float64")[rows],
        }
    )
    if product_col:
        out["product"] = s[product_col].fillna("").astype("str").to_numpy()[rows]
    out = out.groupby(["month", *keys], as_index=False, sort=True)["mrr"].sum()
    out = out[out["mrr"] > 0][[keys[0], "month", *keys[1:], "mrr"]].reset_index(drop=True)
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
    product_col: str | None = None,
) -> pd.DataFrame:
    """The same snapshots from a ``mrr_monthly`` table (summed over products unless ``product_col``).

    Parameters
    ----------
    mrr_monthly : pandas.DataFrame
        One row per account and month (and possibly product) with its MRR, in the columns named below. The month column
        must already hold ``Period[M]`` values; it is not converted.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex, optional
        Keep only these months. Default: every month in the table.
    account_col, month_col, mrr_col : str
        The columns holding the account id, month and MRR.
    product_col : str, optional
        The column holding the product. When given, MRR is summed per account, month and product (a missing product
        becomes ``""``) instead of per account and month.

    Returns
    -------
    pandas.DataFrame
        One row per account (and product) and month whose summed MRR is > 0, sorted by month and then account:
        ``account_id``, ``month``, ``product`` (only with ``product_col``) and ``mrr`` (float).

    Examples
    --------
    >>> mm = pd.DataFrame({"account_id": ["a", "a", "b"], "month": pd.PeriodIndex(["2026-01"] * 3, freq="M"),
    ...                    "mrr": [100.0, 20.0, 0.0]})
    >>> month_end_mrr_from_monthly(mm)
      account_id    month    mrr
    0          a  2026-01  120.0
    """
    m = mrr_monthly
    keys = [m[month_col].rename("month"), m[account_col].rename("account_id")]
    if product_col:
        keys.append(m[product_col].fillna("").rename("product"))
    out = m.groupby(keys, sort=True)[mrr_col].sum().rename("mrr").reset_index()
    if months is not None:
        out = out[out["month"].isin(pd.PeriodIndex(months, freq="M"))]
    cols = ["account_id", "month"] + (["product"] if product_col else []) + ["mrr"]
    out = out[out["mrr"] > 0][cols].reset_index(drop=True)
    out["mrr"] = out["mrr"].astype("float64")
    return out


def mrr_by_month(snapshots: pd.DataFrame, months: pd.PeriodIndex | None = None) -> pd.DataFrame:
    """Total MRR and paying accounts per month from month-end snapshots.

    Months without any paying account are kept with zeros when ``months`` is given.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots as from :func:`month_end_mrr`: ``account_id``, ``month``, ``mrr``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex, optional
        The months to report, in this order; a month without snapshots gets zeros. Default: the months present in
        ``snapshots``, sorted.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``mrr`` (the total MRR) and ``paying_customers`` (the distinct accounts with a
        snapshot in the month).

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


# --------------------------------------------------------------------------- movements and the bridge


def _matrix(snapshots: pd.DataFrame, months: pd.PeriodIndex, key: str = "account_id"):
    """Dense key x month MRR matrix from the first snapshot month - 1 to the last requested month.

    Returns (keys, all_months, values, positions of the requested months). The last matrix built is
    remembered per snapshots table (see :class:`_MatrixMemo`): the bridge, 12-month NRR, tenure and
    cohort KPIs of one table share it instead of each factorising the ids again.
    """
    months = pd.PeriodIndex(months, freq="M")
    found = _MEMO.get(snapshots, key)
    if found is None:
        found = _MEMO.put(snapshots, key, _key_month_matrix(snapshots, key))
    keys, first, last, values = found
    lo = min(first, months[0].ordinal) - 1 if first is not None else months[0].ordinal - 1
    hi = months[-1].ordinal
    span = pd.PeriodIndex.from_ordinals(np.arange(lo, hi + 1), freq="M")
    if first is not None and lo == first - 1 and hi <= last:
        out = values[:, : hi - lo + 1]  # the stored matrix itself (read-only), no copy
    else:
        out = np.zeros((len(keys), hi - lo + 1))
        if first is not None:  # the stored months (first - 1 .. last) that fall in lo .. hi
            a, b = max(first - 1, lo), min(last, hi)
            if a <= b:
                out[:, a - lo : b - lo + 1] = values[:, a - first + 1 : b - first + 2]
        out.flags.writeable = False
    if last is not None and hi < last:  # keys paying only after the last requested month are not in the matrix
        rows = out.any(axis=1)
        if not rows.all():
            keys, out = keys[rows], out[rows]
    pos = np.asarray(months.asi8 - lo)
    return keys, span, out, pos


def _key_month_matrix(snapshots: pd.DataFrame, key: str):
    """Every key x every month of ``snapshots`` (first .. last snapshot month): keys sorted, MRR summed per cell."""
    codes, keys = pd.factorize(snapshots[key])  # one hash pass; the few distinct keys sorted after
    order = np.argsort(np.asarray(keys, dtype=object), kind="stable")
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys))
    keys = np.asarray(keys, dtype=object)[order]
    if not len(codes):
        return keys, None, None, np.zeros((0, 1))
    ordinal = (
        snapshots["month"].array.asi8
        if isinstance(snapshots["month"].dtype, pd.PeriodDtype)
        else (pd.PeriodIndex(snapshots["month"], freq="M").asi8)
    )
    first, last = int(ordinal.min()), int(ordinal.max())
    width = last - first + 2  # a first column of zeros: the month before the first snapshot
    values = np.bincount(
        rank[codes] * width + (ordinal - first + 1),
        weights=snapshots["mrr"].to_numpy(dtype="float64"),
        minlength=len(keys) * width,
    ).reshape(len(keys), width)
    values.flags.writeable = False  # shared by every caller: read, never written
    return keys, first, last, values


class _MatrixMemo:
    """The last key x month matrix built, kept while its snapshots table is alive and unchanged.

    A table is recognised by identity and a fingerprint of its columns: its length, weighted sums of its MRR and
    month values, and the very Arrow array holding its ids (pandas replaces it when an id is edited). A table
    edited in place, another table, or ids not held as Arrow strings: the matrix is built afresh.
    """

    def __init__(self):
        self._entry = None

    @staticmethod
    def _sig(snapshots: pd.DataFrame, key: str):
        month = snapshots["month"]
        ids = getattr(snapshots[key].array, "_pa_array", None)
        if not isinstance(month.dtype, pd.PeriodDtype) or ids is None:
            return None
        mrr = snapshots["mrr"].to_numpy(dtype="float64")
        ordinal = month.array.asi8
        weights = np.arange(1, len(mrr) + 1, dtype="float64")
        return len(snapshots), float(mrr @ weights), float(ordinal @ weights), ids

    def get(self, snapshots: pd.DataFrame, key: str):
        e = self._entry
        if e is None or e[0]() is not snapshots or e[1] != key:
            return None
        sig = self._sig(snapshots, key)
        if sig is None or sig[:-1] != e[2][:-1] or sig[-1] is not e[2][-1]:
            return None
        return e[3]

    def put(self, snapshots: pd.DataFrame, key: str, value):
        import weakref

        sig = self._sig(snapshots, key)
        if sig is None:
            self._entry = None
            return value
        try:
            self._entry = (weakref.ref(snapshots, self._forget), key, sig, value)
        except TypeError:
            self._entry = None
        return value

    def _forget(self, _ref) -> None:
        self._entry = None


_MEMO = _MatrixMemo()


def _movement_arrays(values: np.ndarray) -> dict[str, np.ndarray]:
    """Movements for columns 1..T-1 of a matrix (column t against t-1)."""
    prev, cur = values[:, :-1], values[:, 1:]
    paid_before = np.maximum.accumulate(values > 0, axis=1)[:, :-1]  # any month-end with MRR > 0 up to t-1
    starts = (prev == 0) & (cur > 0)
    return {
        "mrr_start": prev,
        "new": np.where(starts & ~paid_before, cur, 0.0),
        "reactivation": np.where(starts & paid_before, cur, 0.0),
        "expansion": np.where((prev > 0) & (cur > prev), cur - prev, 0.0),
        "contraction": np.where((cur > 0) & (cur < prev), prev - cur, 0.0),
        "churned": np.where((prev > 0) & (cur == 0), prev, 0.0),
        "mrr_end": cur,
    }


def mrr_movements(snapshots: pd.DataFrame, months) -> pd.DataFrame:
    """The five MRR movements of every account in every month (metrics.md, "MRR movements").

    With m0 = MRR at the end of the previous month and m1 at the end of this one:
    **new** = m1 when m0 = 0 < m1 and the account never paid before;
    **reactivation** = m1 when m0 = 0 < m1 and it paid before; **expansion** =
    m1 - m0 when 0 < m0 < m1; **contraction** = m0 - m1 when 0 < m1 < m0;
    **churned** = m0 when m0 > 0 = m1. One row per account and month in which it
    paid at either end.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots as from :func:`month_end_mrr`: ``account_id``, ``month``, ``mrr``. Snapshots before the
        first reported month decide whether an account paid before (new or reactivation); snapshots after the last one
        are ignored.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report; not empty, in ascending order.

    Returns
    -------
    pandas.DataFrame
        One row per account and month in which the account had MRR at either month end, ordered by month and then
        account: ``account_id`` (str), ``month``, ``mrr_start`` (m0), ``new``, ``reactivation``, ``expansion``,
        ``contraction``, ``churned`` and ``mrr_end`` (m1).

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "b"], "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-02"], freq="M"),
    ...                       "mrr": [100.0, 150.0, 80.0]})
    >>> mrr_movements(snaps, pd.period_range("2026-02", "2026-03", freq="M"))[["account_id", "month", "new", "expansion", "churned"]]
      account_id    month   new  expansion  churned
    0          a  2026-02   0.0       50.0      0.0
    1          b  2026-02  80.0        0.0      0.0
    2          a  2026-03   0.0        0.0    150.0
    3          b  2026-03   0.0        0.0     80.0
    """
    keys, span, values, pos = _matrix(snapshots, months)
    mv = _movement_arrays(values)
    cols = pos - 1  # column t of the movement arrays compares span[t] with span[t+1]
    out = []
    for arr in mv.values():
        out.append(arr[:, cols].T.ravel())  # month-major
    frame = pd.DataFrame(dict(zip(mv, out)))
    frame.insert(0, "month", np.repeat(span[pos], len(keys)))
    frame.insert(0, "account_id", np.tile(keys, len(pos)))
    active = (frame["mrr_start"] > 0) | (frame["mrr_end"] > 0)
    frame = frame[active].reset_index(drop=True)
    frame["account_id"] = frame["account_id"].astype("str")
    return frame[["account_id", "month", "mrr_start", *MOVEMENTS, "mrr_end"]]


def mrr_bridge(snapshots: pd.DataFrame, months) -> pd.DataFrame:
    """The MRR bridge per month: start, the five movements, end, and the matching customer counts.

    ``mrr_end = mrr_start + new + reactivation + expansion - contraction - churned``
    for every month (tests enforce it).

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots as from :func:`month_end_mrr`: ``account_id``, ``month``, ``mrr``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report; not empty, in ascending order.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``; the MRR totals ``mrr_start``, ``new``, ``reactivation``, ``expansion``,
        ``contraction``, ``churned``, ``mrr_end`` (summed from :func:`mrr_movements`); and the account counts (as
        floats) ``customers_start``, ``new_customers``, ``reactivated_customers``, ``expanded_customers``,
        ``contracted_customers``, ``churned_customers``, ``customers_end``.

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "b"], "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-02"], freq="M"),
    ...                       "mrr": [100.0, 150.0, 80.0]})
    >>> b = mrr_bridge(snaps, pd.PeriodIndex(["2026-02"], freq="M"))
    >>> b[["mrr_start", "new", "expansion", "mrr_end", "customers_start", "new_customers", "customers_end"]].iloc[0].tolist()
    [100.0, 80.0, 50.0, 230.0, 1.0, 1.0, 2.0]
    """
    months = pd.PeriodIndex(months, freq="M")
    _, span, values, pos = _matrix(snapshots, months)
    # only the requested months' columns: m0, m1, and whether the account paid at any month end up to m0
    prev, cur = values[:, pos - 1], values[:, pos]
    paying = values > 0
    first_paid = np.where(paying.any(axis=1), paying.argmax(axis=1), values.shape[1])  # first column with MRR
    paid_before = first_paid[:, None] <= (pos - 1)[None, :]
    was, now = prev > 0, cur > 0
    starts = ~was & now
    flags = {
        "mrr_start": was,
        "new": starts & ~paid_before,
        "reactivation": starts & paid_before,
        "expansion": was & (cur > prev),
        "contraction": now & (cur < prev),
        "churned": was & ~now,
        "mrr_end": now,
    }
    amount = {
        "mrr_start": prev,
        "new": cur,
        "reactivation": cur,
        "expansion": cur - prev,
        "contraction": prev - cur,
        "churned": prev,
        "mrr_end": cur,
    }
    out = pd.DataFrame({"month": months})
    for name in ["mrr_start", *MOVEMENTS, "mrr_end"]:
        out[name] = np.where(flags[name], amount[name], 0.0).sum(axis=0)
    counts = {
        "customers_start": "mrr_start",
        "new_customers": "new",
        "reactivated_customers": "reactivation",
        "expanded_customers": "expansion",
        "contracted_customers": "contraction",
        "churned_customers": "churned",
        "customers_end": "mrr_end",
    }
    for name, movement in counts.items():
        out[name] = flags[movement].sum(axis=0).astype("float64")
    return out


# --------------------------------------------------------------------------- revenue KPIs (from the bridge)


def mrr(bridge: pd.DataFrame) -> pd.DataFrame:
    """MRR at month end; n = paying customers.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``mrr_end`` and ``customers_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the MRR
        at month end and ``n`` the paying customers; ``numerator`` and ``denominator`` are NaN and ``note`` is empty.
    """
    return value_table(bridge["month"], bridge["mrr_end"], bridge["customers_end"])


def arr(bridge: pd.DataFrame) -> pd.DataFrame:
    """ARR = 12 x MRR at month end.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``mrr_end`` and ``customers_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is 12 times
        the MRR at month end and ``n`` the paying customers; ``numerator`` and ``denominator`` are NaN and ``note`` is
        empty.
    """
    return value_table(bridge["month"], 12 * bridge["mrr_end"], bridge["customers_end"])


def paying_customers(bridge: pd.DataFrame) -> pd.DataFrame:
    """Accounts with MRR > 0 at month end.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month`` and ``customers_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` and ``n``
        are the paying customers at month end; ``numerator`` and ``denominator`` are NaN and ``note`` is empty.
    """
    return value_table(bridge["month"], bridge["customers_end"], bridge["customers_end"])


def arpa(bridge: pd.DataFrame) -> pd.DataFrame:
    """Average revenue per account: MRR / paying customers at month end.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``mrr_end`` and ``customers_end``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        MRR at month end and ``denominator`` (also ``n``) the paying customers; ``value`` is NaN, with the reason in
        ``note``, when there are no paying customers.
    """
    return ratio_table(
        bridge["month"],
        bridge["mrr_end"],
        bridge["customers_end"],
        bridge["customers_end"],
        zero_reason="no paying customers at month end",
    )


def revenue_churn_rate(bridge: pd.DataFrame) -> pd.DataFrame:
    """Gross MRR churn: (churned + contraction) / MRR at the start of the month.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``mrr_start``, ``contraction``, ``churned`` and
        ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is
        churned plus contraction MRR, ``denominator`` the MRR at the start of the month and ``n`` the customers at the
        start; ``value`` is NaN, with the reason in ``note``, when there was no MRR at the start.
    """
    return ratio_table(
        bridge["month"],
        bridge["churned"] + bridge["contraction"],
        bridge["mrr_start"],
        bridge["customers_start"],
        zero_reason="no MRR at start of month",
    )


def nrr(bridge: pd.DataFrame) -> pd.DataFrame:
    """Net revenue retention of the accounts paying at the start: (start + expansion - contraction - churned) / start.

    New and reactivated MRR are excluded.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``mrr_start``, ``expansion``, ``contraction``, ``churned``
        and ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        MRR kept (start + expansion - contraction - churned), ``denominator`` the MRR at the start of the month and
        ``n`` the customers at the start; ``value`` is NaN, with the reason in ``note``, when there was no MRR at the
        start.
    """
    kept = bridge["mrr_start"] + bridge["expansion"] - bridge["contraction"] - bridge["churned"]
    return ratio_table(
        bridge["month"], kept, bridge["mrr_start"], bridge["customers_start"], zero_reason="no MRR at start of month"
    )


def grr(bridge: pd.DataFrame) -> pd.DataFrame:
    """Gross revenue retention: (start - contraction - churned) / start; never above 1.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``mrr_start``, ``contraction``, ``churned`` and
        ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is start
        - contraction - churned MRR, ``denominator`` the MRR at the start of the month and ``n`` the customers at the
        start; ``value`` is NaN, with the reason in ``note``, when there was no MRR at the start.
    """
    kept = bridge["mrr_start"] - bridge["contraction"] - bridge["churned"]
    return ratio_table(
        bridge["month"], kept, bridge["mrr_start"], bridge["customers_start"], zero_reason="no MRR at start of month"
    )


def expansion_mrr_rate(bridge: pd.DataFrame) -> pd.DataFrame:
    """Expansion MRR / MRR at the start of the month.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``expansion``, ``mrr_start`` and ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        expansion MRR, ``denominator`` the MRR at the start of the month and ``n`` the customers at the start; ``value``
        is NaN, with the reason in ``note``, when there was no MRR at the start.
    """
    return ratio_table(
        bridge["month"],
        bridge["expansion"],
        bridge["mrr_start"],
        bridge["customers_start"],
        zero_reason="no MRR at start of month",
    )


def quick_ratio(bridge: pd.DataFrame) -> pd.DataFrame:
    """SaaS quick ratio: MRR gained / MRR lost in the month, (new + expansion + reactivation) / (contraction + churned).

    The convention: reactivated MRR counts as gained, like new MRR (some write the ratio without it); above 1 the
    MRR grows, 4 is the usual mark of efficient growth. A month without contraction or churn has no ratio (NaN, with
    the reason in ``note``), not an infinite one.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``new``, ``reactivation``, ``expansion``,
        ``contraction``, ``churned`` and ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is
        new + expansion + reactivation MRR, ``denominator`` contraction + churned MRR and ``n`` the customers at the
        start of the month; ``value`` is NaN, with the reason in ``note``, when nothing was lost.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.PeriodIndex(["2026-09", "2026-10"], freq="M"), "new": [300.0, 100.0],
    ...     "reactivation": [50.0, 0.0], "expansion": [150.0, 20.0], "contraction": [40.0, 0.0],
    ...     "churned": [60.0, 0.0], "customers_start": [10.0, 12.0]})
    >>> quick_ratio(b)[["value", "numerator", "denominator", "note"]]  # (300 + 150 + 50) / (40 + 60) = 5
       value  numerator  denominator                                       note
    0    5.0      500.0        100.0
    1    NaN      120.0          0.0  no contraction or churned MRR in the month
    """
    return ratio_table(
        bridge["month"],
        bridge["new"] + bridge["expansion"] + bridge["reactivation"],
        bridge["contraction"] + bridge["churned"],
        bridge["customers_start"],
        zero_reason="no contraction or churned MRR in the month",
    )


def upsell_rate(bridge: pd.DataFrame) -> pd.DataFrame:
    """Share of the accounts paying at the start that expanded in the month.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`mrr_bridge`; uses ``month``, ``expanded_customers`` and ``customers_start``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        accounts that expanded and ``denominator`` (also ``n``) the customers at the start of the month; ``value`` is
        NaN, with the reason in ``note``, when there were no customers at the start.
    """
    return ratio_table(
        bridge["month"],
        bridge["expanded_customers"],
        bridge["customers_start"],
        zero_reason="no customers at start of month",
    )


def nrr_12m(snapshots: pd.DataFrame, months) -> pd.DataFrame:
    """Trailing 12-month NRR: MRR now of the accounts paying 12 months ago / their MRR then.

    A cohort measure, not the product of 12 monthly NRRs.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots as from :func:`month_end_mrr`: ``account_id``, ``month``, ``mrr``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report; not empty, in ascending order.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is this
        month's MRR of the accounts that paid 12 months earlier, ``denominator`` their MRR then and ``n`` the number of
        those accounts. ``value`` is NaN, with the reason in ``note``, when there was no MRR 12 months earlier (as for
        every month less than 12 months after the first snapshot).

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "b", "a", "c"],
    ...                       "month": pd.PeriodIndex(["2025-01", "2025-01", "2026-01", "2026-01"], freq="M"),
    ...                       "mrr": [100.0, 100.0, 130.0, 500.0]})
    >>> nrr_12m(snaps, pd.PeriodIndex(["2026-01"], freq="M"))[["value", "numerator", "denominator", "n"]]
       value  numerator  denominator  n
    0   0.65      130.0        200.0  2
    """
    months = pd.PeriodIndex(months, freq="M")
    keys, span, values, pos = _matrix(snapshots, months)
    then = pos - 12
    ok = then >= 0
    base = np.where(ok[None, :], values[:, np.maximum(then, 0)], 0.0)
    now = values[:, pos]
    cohort = base > 0
    num = np.where(cohort, now, 0.0).sum(axis=0)
    den = base.sum(axis=0)
    return ratio_table(months, num, den, cohort.sum(axis=0), zero_reason="no MRR 12 months earlier")


def cross_sell_rate(product_snapshots: pd.DataFrame, months) -> pd.DataFrame:
    """Share of the accounts paying at the start that added a product they did not have then.

    ``product_snapshots`` are month-end snapshots per account and product
    (``month_end_mrr(..., product_col="product")``).

    Parameters
    ----------
    product_snapshots : pandas.DataFrame
        Month-end snapshots per account and product: ``account_id``, ``product``, ``month``, ``mrr``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report; not empty, in ascending order.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        accounts paying at the previous month end that now pay for a product they had no MRR on then; ``denominator``
        (also ``n``) is the accounts paying at the previous month end. ``value`` is NaN, with the reason in ``note``,
        when there were none.
    """
    months = pd.PeriodIndex(months, freq="M")
    ps = product_snapshots
    key = ps["account_id"].astype("str") + "\x1f" + ps["product"].astype("str")
    keys, span, values, pos = _matrix(ps.assign(key=key), months, key="key")
    account_of = pd.Series(keys).str.split("\x1f").str[0].to_numpy()
    acc_codes, accounts = pd.factorize(account_of, sort=True)
    added = (values[:, pos - 1] == 0) & (values[:, pos] > 0)
    acc_mrr_prev = np.zeros((len(accounts), len(pos)))
    np.add.at(acc_mrr_prev, acc_codes, values[:, pos - 1])
    acc_added = np.zeros((len(accounts), len(pos)), dtype=bool)
    np.logical_or.at(acc_added, acc_codes, added)
    start = acc_mrr_prev > 0
    return ratio_table(
        months, (acc_added & start).sum(axis=0), start.sum(axis=0), zero_reason="no customers at start of month"
    )
