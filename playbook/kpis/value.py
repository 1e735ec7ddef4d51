"""Value: gross margin, LTV (subscription and purchase-based), CAC, LTV/CAC, CAC payback, CRC.

Costs come from the ``costs`` table (categories ``cost_of_revenue``,
``sales_marketing``, ``customer_success``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.ratios import mark_missing, month_of, ratio_table
from playbook.kpis.retention import logo_churn_rate
from playbook.kpis.revenue import arpa as arpa_table

__all__ = [
    "monthly_costs",
    "gross_margin",
    "ltv",
    "ltv_purchase",
    "cac",
    "cac_from_accounts",
    "ltv_to_cac",
    "cac_payback_months",
    "crc",
]


def monthly_costs(
    costs: pd.DataFrame,
    category: str,
    months,
    *,
    month_col: str = "month",
    category_col: str = "category",
    amount_col: str = "amount",
) -> pd.Series:
    """The amount of one cost category per month (NaN for a month without a row).

    Parameters
    ----------
    costs : pandas.DataFrame
        The costs table: a month (``Period[M]`` or dates), a category and an amount, in the columns named below.
    category : str
        The category to sum, e.g. ``"cost_of_revenue"``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    month_col, category_col, amount_col : str
        The columns holding the month, the category and the amount.

    Returns
    -------
    pandas.Series
        The summed amount per month, indexed by ``months``; NaN for a month without a row of the category.
    """
    c = costs[costs[category_col] == category]
    return c[amount_col].groupby(month_of(c[month_col])).sum().reindex(pd.PeriodIndex(months, freq="M"))


def gross_margin(bridge: pd.DataFrame, costs: pd.DataFrame | None = None, *, default: float = 1.0) -> pd.DataFrame:
    """(MRR - cost of revenue) / MRR per month; the ``default`` (1.0) where costs are not given.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``mrr_end`` and ``customers_end``.
    costs : pandas.DataFrame, optional
        The costs table (``month``, ``category``, ``amount``); its ``cost_of_revenue`` rows are used.
    default : float, default 1.0
        The margin reported for every month when ``costs`` is None.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``; ``n`` is the paying
        customers at month end. With ``costs``, ``numerator`` is the MRR at month end minus the cost of revenue and
        ``denominator`` the MRR at month end; ``value`` is NaN, with the reason in ``note``, when there is no MRR, and
        ``value`` and ``numerator`` are NaN, with a note, for a month without a ``cost_of_revenue`` row. Without
        ``costs``, ``value`` and ``numerator`` are ``default``, ``denominator`` is 1 and ``note`` names the parameter.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.PeriodIndex(["2026-01"], freq="M"), "mrr_end": [1000.0], "customers_end": [4.0]})
    >>> c = pd.DataFrame({"month": pd.PeriodIndex(["2026-01"], freq="M"), "category": ["cost_of_revenue"], "amount": [250.0]})
    >>> gross_margin(b, c)["value"].item(), gross_margin(b)["note"].item()
    (0.75, 'gross margin parameter 1.0 (no costs table)')
    """
    months = bridge["month"]
    if costs is None:
        out = ratio_table(
            months, np.full(len(bridge), default), np.ones(len(bridge)), bridge["customers_end"], zero_reason=""
        )
        out["note"] = pd.array([f"gross margin parameter {default} (no costs table)"] * len(out), dtype="str")
        return out
    cor = monthly_costs(costs, "cost_of_revenue", months).to_numpy()
    out = ratio_table(
        months,
        bridge["mrr_end"] - np.nan_to_num(cor),
        bridge["mrr_end"],
        bridge["customers_end"],
        zero_reason="no MRR in the month",
    )
    return mark_missing(out, np.isnan(cor), "no cost_of_revenue for the month")


def _prior_churn(bridge: pd.DataFrame, window: int) -> np.ndarray:
    churn = logo_churn_rate(bridge.assign(new_customers=0.0))["value"]
    return churn.shift(1).rolling(window, min_periods=window).mean().to_numpy()


def ltv(bridge: pd.DataFrame, margin: pd.DataFrame, *, window: int = 6) -> pd.DataFrame:
    """LTV = ARPA x gross margin / mean monthly logo churn of the ``window`` complete months before m.

    numerator = ARPA x margin, denominator = that mean churn.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`, one row per consecutive month; uses ``month``,
        ``mrr_end``, ``customers_end``, ``customers_start`` and ``churned_customers``.
    margin : pandas.DataFrame
        The gross margin table of :func:`gross_margin`, row for row with ``bridge``; its ``value`` is used.
    window : int, default 6
        The number of months before m in the mean churn.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is ARPA
        x gross margin, ``denominator`` the mean monthly logo churn of the ``window`` months before and ``n`` the paying
        customers at month end. ``value`` and ``denominator`` are NaN, with the reason in ``note``, when fewer than
        ``window`` earlier months have a churn rate; ``value`` is NaN, with the reason in ``note``, when the mean churn
        is 0, and NaN with an empty note when ARPA or the margin is NaN.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-01", "2026-07", freq="M"), "mrr_end": [10000.0] * 7,
    ...                   "customers_end": [100.0] * 7, "customers_start": [100.0] * 7,
    ...                   "churned_customers": [2.0, 1.0, 3.0, 2.0, 2.0, 2.0, 9.0]})
    >>> m = pd.DataFrame({"value": [0.8] * 7})
    >>> round(float(ltv(b, m)["value"].iloc[-1]), 1)  # ARPA 100 x 0.8 / mean churn 0.02 (Jan-Jun)
    4000.0
    """
    arpa = arpa_table(bridge)["value"].to_numpy()
    churn = _prior_churn(bridge, window)
    out = ratio_table(
        bridge["month"],
        arpa * margin["value"].to_numpy(),
        np.nan_to_num(churn),
        bridge["customers_end"],
        zero_reason="mean monthly churn of the previous months is 0",
    )
    return mark_missing(
        out, np.isnan(churn), f"fewer than {window} earlier months with a churn rate", ("value", "denominator")
    )


def ltv_purchase(aov: pd.DataFrame, frequency: pd.DataFrame, lifetime: pd.DataFrame) -> pd.DataFrame:
    """Purchase-based LTV = average order value x orders per customer per month x expected lifetime (months).

    The three factors are returned as ``aov``, ``purchase_frequency`` and ``lifetime_months`` and named in ``note``.

    Parameters
    ----------
    aov : pandas.DataFrame
        The average order value table of :func:`~playbook.kpis.purchases.avg_order_value`; uses ``month`` and ``value``.
    frequency : pandas.DataFrame
        The table of :func:`~playbook.kpis.purchases.purchase_frequency`, row for row with ``aov``; uses ``value`` and
        ``denominator``.
    lifetime : pandas.DataFrame
        The table of :func:`~playbook.kpis.retention.expected_lifetime_months`, row for row with ``aov``; uses
        ``value``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``aov``, ``purchase_frequency``, ``lifetime_months``, ``value``, ``numerator``,
        ``denominator``, ``n``, ``note``. ``value`` is the product of the three factors (NaN when one is missing);
        ``numerator`` and ``denominator`` are NaN; ``n`` is the purchasing customers (the ``denominator`` of
        ``frequency``); ``note`` shows the calculation, or names the missing factors.
    """
    out = aov[["month"]].copy()
    out["aov"] = aov["value"].to_numpy()
    out["purchase_frequency"] = frequency["value"].to_numpy()
    out["lifetime_months"] = lifetime["value"].to_numpy()
    out["value"] = out["aov"] * out["purchase_frequency"] * out["lifetime_months"]
    out["numerator"] = np.nan
    out["denominator"] = np.nan
    out["n"] = frequency["denominator"].fillna(0).astype("int64").astype("Int64").to_numpy()
    missing = [
        ", ".join(n for n, v in (("order value", a), ("frequency", f), ("lifetime", life)) if np.isnan(v))
        for a, f, life in zip(out["aov"], out["purchase_frequency"], out["lifetime_months"])
    ]
    out["note"] = pd.array(
        [
            f"{a:,.0f} x {f:.2f} orders/month x {life:.1f} months" if not miss else f"missing: {miss}"
            for a, f, life, miss in zip(out["aov"], out["purchase_frequency"], out["lifetime_months"], missing)
        ],
        dtype="str",
    )
    return out


def cac(bridge: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """Sales and marketing cost in the month / new customers in the month.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month`` and ``new_customers``.
    costs : pandas.DataFrame
        The costs table (``month``, ``category``, ``amount``); its ``sales_marketing`` rows are used.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        sales and marketing cost and ``denominator`` (also ``n``) the new customers. ``value`` is NaN, with the reason
        in ``note``, when there were no new customers; ``value`` and ``numerator`` are NaN, with a note, for a month
        without a ``sales_marketing`` row.
    """
    sm = monthly_costs(costs, "sales_marketing", bridge["month"]).to_numpy()
    out = ratio_table(
        bridge["month"], np.nan_to_num(sm), bridge["new_customers"], zero_reason="no new customers in the month"
    )
    return mark_missing(out, np.isnan(sm), "no sales_marketing cost for the month")


def cac_from_accounts(
    accounts: pd.DataFrame, snapshots_first_month: pd.Series, months, *, cost_col: str = "acquisition_cost"
) -> pd.DataFrame:
    """Mean ``acquisition_cost`` of the accounts whose first paid month is m (when there is no costs table).

    ``snapshots_first_month`` maps account_id -> first month-end with MRR > 0.

    Parameters
    ----------
    accounts : pandas.DataFrame
        The accounts table: ``account_id`` and the cost column.
    snapshots_first_month : pandas.Series
        Each account's first month (``Period[M]``) with MRR > 0 at month end, indexed by ``account_id``.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    cost_col : str, default "acquisition_cost"
        The column holding each account's acquisition cost.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        total cost of the accounts whose first paid month is m and ``denominator`` (also ``n``) the number of those
        accounts with a cost; an account without a cost counts in neither. ``value`` is NaN, with the reason in
        ``note``, when there are none.
    """
    months = pd.PeriodIndex(months, freq="M")
    cost = accounts.set_index("account_id")[cost_col]
    first = snapshots_first_month.reindex(cost.index)
    total = cost.groupby(first).sum().reindex(months, fill_value=0.0)
    n = cost.groupby(first).count().reindex(months, fill_value=0)
    return ratio_table(months, total, n, zero_reason="no new customers in the month")


def _missing_parts(parts: dict[str, pd.DataFrame]) -> tuple[np.ndarray, list[str]]:
    """Rows where a part's value is missing, and per row the note naming each missing part with its own note."""
    missing = np.zeros(len(next(iter(parts.values()))), dtype=bool)
    notes = [[] for _ in missing]
    for name, table in parts.items():
        gone = table["value"].isna().to_numpy()
        missing |= gone
        for i in np.flatnonzero(gone):
            reason = str(table["note"].iloc[i]) if "note" in table.columns else ""
            notes[i].append(f"{name} not available ({reason})" if reason else f"{name} not available")
    return missing, ["; ".join(n) for n in notes]


def ltv_to_cac(ltv_table: pd.DataFrame, cac_table: pd.DataFrame) -> pd.DataFrame:
    """LTV / CAC.

    Parameters
    ----------
    ltv_table : pandas.DataFrame
        The LTV table of :func:`ltv`; uses ``month``, ``value`` and ``note``.
    cac_table : pandas.DataFrame
        The CAC table of :func:`cac` or :func:`cac_from_accounts`, row for row with ``ltv_table``; uses ``value``,
        ``n`` and ``note``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        LTV and ``denominator`` the CAC, each NaN when missing (never shown as 0); ``n`` is the ``n`` of the CAC.
        ``value`` is NaN when the CAC is 0, with that reason in ``note``, or when the LTV or the CAC is missing, with
        ``note`` naming the missing part and its own reason ("LTV not available (fewer than 6 ...)").

    Examples
    --------
    >>> m = pd.PeriodIndex(["2026-01", "2026-02"], freq="M")
    >>> ltv_t = pd.DataFrame({"month": m, "value": [np.nan, 4000.0], "note": ["fewer than 6 earlier months", ""]})
    >>> cac_t = pd.DataFrame({"month": m, "value": [300.0, 400.0], "n": [4, 3], "note": ["", ""]})
    >>> out = ltv_to_cac(ltv_t, cac_t)
    >>> out[["value", "numerator", "denominator"]]
       value  numerator  denominator
    0    NaN        NaN        300.0
    1   10.0     4000.0        400.0
    >>> out["note"].tolist()
    ['LTV not available (fewer than 6 earlier months)', '']
    """
    ltv_v, cac_v = ltv_table["value"].to_numpy(dtype="float64"), cac_table["value"].to_numpy(dtype="float64")
    out = ratio_table(
        ltv_table["month"], np.nan_to_num(ltv_v), np.nan_to_num(cac_v), cac_table["n"], zero_reason="CAC is 0"
    )
    missing, notes = _missing_parts({"LTV": ltv_table, "CAC": cac_table})
    out["numerator"], out["denominator"] = ltv_v, cac_v
    out.loc[missing, "value"] = np.nan
    out["note"] = pd.array(np.where(missing, notes, out["note"].to_numpy(dtype=object)), dtype="str")
    return out


def cac_payback_months(cac_table: pd.DataFrame, bridge: pd.DataFrame, margin: pd.DataFrame) -> pd.DataFrame:
    """Months of margin-adjusted ARPA needed to earn back the CAC: CAC / (ARPA x gross margin).

    Parameters
    ----------
    cac_table : pandas.DataFrame
        The CAC table of :func:`cac` or :func:`cac_from_accounts`; uses ``value``, ``n`` and ``note``.
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`, row for row with ``cac_table``; uses ``month``,
        ``mrr_end`` and ``customers_end`` (for ARPA).
    margin : pandas.DataFrame
        The gross margin table of :func:`gross_margin`, row for row with ``bridge``; uses ``value`` and ``note``.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        CAC and ``denominator`` ARPA x gross margin, each NaN when a part of it is missing (never shown as 0); ``n``
        is the ``n`` of the CAC. ``value`` is NaN when the denominator is 0, with that reason in ``note``, or when the
        CAC, the ARPA or the margin is missing, with ``note`` naming the missing part and its own reason.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.PeriodIndex(["2026-01", "2026-02"], freq="M"), "mrr_end": [1000.0, 1000.0],
    ...                   "customers_end": [10.0, 10.0]})
    >>> cac_t = pd.DataFrame({"value": [300.0, 300.0], "n": [2, 2], "note": ["", ""]})
    >>> margin = pd.DataFrame({"value": [0.75, np.nan], "note": ["", "no cost_of_revenue for the month"]})
    >>> out = cac_payback_months(cac_t, b, margin)  # January: 300 / (ARPA 100 x 0.75) = 4 months
    >>> out[["value", "numerator", "denominator"]]
       value  numerator  denominator
    0    4.0      300.0         75.0
    1    NaN      300.0          NaN
    >>> out["note"].tolist()
    ['', 'gross margin not available (no cost_of_revenue for the month)']
    """
    arpa = arpa_table(bridge)
    den = arpa["value"].to_numpy(dtype="float64") * margin["value"].to_numpy(dtype="float64")
    cac_v = cac_table["value"].to_numpy(dtype="float64")
    out = ratio_table(
        bridge["month"],
        np.nan_to_num(cac_v),
        np.nan_to_num(den),
        cac_table["n"],
        zero_reason="no margin-adjusted ARPA in the month",
    )
    missing, notes = _missing_parts({"CAC": cac_table, "ARPA": arpa, "gross margin": margin})
    out["numerator"], out["denominator"] = cac_v, den
    out.loc[missing, "value"] = np.nan
    out["note"] = pd.array(np.where(missing, notes, out["note"].to_numpy(dtype=object)), dtype="str")
    return out


def crc(bridge: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """Customer retention cost: customer success cost in m / mean of paying customers at m-1 and m.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge of :func:`~playbook.kpis.revenue.mrr_bridge`; uses ``month``, ``customers_start`` and
        ``customers_end``.
    costs : pandas.DataFrame
        The costs table (``month``, ``category``, ``amount``); its ``customer_success`` rows are used.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        customer success cost, ``denominator`` the mean of the paying customers at the start and end of the month, and
        ``n`` that mean rounded down to a whole number. ``value`` is NaN, with the reason in ``note``, when there were
        no paying customers; ``value`` and ``numerator`` are NaN, with a note, for a month without a
        ``customer_success`` row.
    """
    cs = monthly_costs(costs, "customer_success", bridge["month"]).to_numpy()
    mean_customers = (bridge["customers_start"] + bridge["customers_end"]) / 2
    out = ratio_table(bridge["month"], np.nan_to_num(cs), mean_customers, zero_reason="no paying customers")
    return mark_missing(out, np.isnan(cs), "no customer_success cost for the month")
