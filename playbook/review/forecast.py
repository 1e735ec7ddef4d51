"""MRR and ARR forecasts from the MRR bridge's components, with a base, an upside and a downside scenario.

The method (one statement, used by every function here and worded by the report):

- **Components.** Each month of the bridge gives four numbers: *new* MRR (new + reactivation, an amount per month:
  it does not scale with the existing base), and the *expansion*, *contraction* and *churn* rates (each divided by
  the MRR at the start of that month). A month without MRR at its start has no rates and is skipped.
- **Base.** Each component's mean over the trailing ``base_window`` months (default 6) ending with the review month.
- **Downside and upside.** Each component's quantiles (default the 25th and 75th percentiles, numpy's linear
  interpolation) over the trailing ``range_window`` months (default 12): the downside takes every component at its
  unfavourable quartile (less new MRR and expansion, more contraction and churn), the upside at its favourable one.
  Each is widened to the base when the base lies beyond it, so ``downside <= base <= upside`` holds for every
  component, and therefore for every forecast month (below). All components at their unfavourable quartile at once
  is a deliberately wide band: a range of plausible paths, not a probability interval.
- **The path.** Month by month from the review month's MRR: ``MRR(t+1) = MRR(t) + new + MRR(t) x (expansion -
  contraction - churn)``. Because contraction + churn never exceed the MRR at a month's start (rates <= 1), the
  next month's MRR grows with this month's, so better components give a higher MRR in every month.
- **Annual contracts** are forecast like monthly ones: their churn is spread over the months, not placed at their
  renewal dates (the bridge holds no billing period; over 12 months each annual account renews once, so the
  year's total is about the same, only its timing within the year differs).

ARR is 12 x MRR. Every function is pure: tables in, tables (or a dict of them) out, codes instead of words.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

__all__ = [
    "COMPONENTS",
    "SCENARIOS",
    "ForecastCode",
    "component_history",
    "component_rates",
    "mrr_forecast",
    "kgi_forecast",
]

#: The forecast's components: ``new`` is an amount a month, the others rates of the MRR at a month's start.
COMPONENTS = ["new", "expansion", "contraction", "churn"]
#: The scenarios, worst first.
SCENARIOS = ["downside", "base", "upside"]
_GAINS = {"new", "expansion"}


class ForecastCode(StrEnum):
    """What a :func:`kgi_forecast` can say about the KGI; the report words it."""

    TARGET = "target"  # a revenue KGI whose deadline is in the forecast: where each scenario lands
    PASSED = "deadline passed"  # a revenue KGI whose deadline is not after the review month
    NOT_REVENUE = "not revenue"  # the KGI is not ARR or MRR: the forecast has no target
    NO_TREE = "no tree"  # no KPI tree: the forecast has no target
    NO_BRIDGE_ROW = "no bridge row"  # the bridge has no row for the review month: nothing to forecast


def component_history(bridge: pd.DataFrame, month) -> pd.DataFrame:
    """Each month's components up to ``month``: new MRR (with reactivation) and the expansion, contraction, churn rates.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge (:func:`~playbook.kpis.revenue.mrr_bridge`): ``month``, ``mrr_start``, ``new``,
        ``reactivation``, ``expansion``, ``contraction``, ``churned``.
    month : str or pandas.Period
        The last month to keep (the review month); later rows are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per month of ``bridge`` up to ``month``, in month order: ``month``, ``new`` (new + reactivation
        MRR), ``expansion``, ``contraction``, ``churn`` (each divided by ``mrr_start``; NaN when it is 0).

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.PeriodIndex(["2026-09", "2026-10"], freq="M"), "mrr_start": [0.0, 1000.0],
    ...     "new": [1000.0, 100.0], "reactivation": [0.0, 20.0], "expansion": [0.0, 50.0],
    ...     "contraction": [0.0, 10.0], "churned": [0.0, 40.0]})
    >>> component_history(b, "2026-10")
         month     new  expansion  contraction  churn
    0  2026-09  1000.0        NaN          NaN    NaN
    1  2026-10   120.0       0.05         0.01   0.04
    """
    month = pd.Period(month, freq="M")
    b = bridge[pd.PeriodIndex(bridge["month"], freq="M") <= month].sort_values("month")
    start = b["mrr_start"].astype("float64").where(b["mrr_start"] > 0)
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex(b["month"], freq="M"),
            "new": (b["new"] + b["reactivation"]).astype("float64").to_numpy(),
            "expansion": (b["expansion"] / start).to_numpy(),
            "contraction": (b["contraction"] / start).to_numpy(),
            "churn": (b["churned"] / start).to_numpy(),
        }
    )


def component_rates(
    bridge: pd.DataFrame,
    month,
    *,
    base_window: int = 6,
    range_window: int = 12,
    quantiles: tuple[float, float] = (0.25, 0.75),
) -> pd.DataFrame:
    """Each component's value in the three scenarios (the module's method).

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge (:func:`~playbook.kpis.revenue.mrr_bridge`) up to at least ``month``.
    month : str or pandas.Period
        The review month: the trailing windows end with it.
    base_window : int, default 6
        The months whose mean is the base.
    range_window : int, default 12
        The months whose quantiles give the downside and the upside.
    quantiles : tuple of float, default (0.25, 0.75)
        The low and high quantile.

    Returns
    -------
    pandas.DataFrame
        One row per component (``new``, ``expansion``, ``contraction``, ``churn``), indexed by it: ``kind``
        (``amount`` for new MRR, ``rate`` for the others), ``months`` (the months with a value in the range
        window), ``mean`` (the base window's mean), ``low`` and ``high`` (the range window's quantiles), and
        ``downside``, ``base``, ``upside``. NaN when the windows hold no value.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-08", "2026-10", freq="M"),
    ...     "mrr_start": [1000.0, 1100.0, 1125.0], "new": [100.0, 60.0, 120.0], "reactivation": [0.0, 20.0, 0.0],
    ...     "expansion": [50.0, 22.0, 45.0], "contraction": [10.0, 22.0, 0.0], "churned": [40.0, 55.0, 22.5]})
    >>> component_rates(b, "2026-10", base_window=2, range_window=3)[["downside", "base", "upside"]].round(4).reset_index()
         component  downside     base   upside
    0          new    90.000  100.000  110.000
    1    expansion     0.030    0.030    0.045
    2  contraction     0.015    0.010    0.005
    3        churn     0.045    0.035    0.030
    """
    h = component_history(bridge, month)
    base, ranged = h.tail(base_window), h.tail(range_window)
    lo_q, hi_q = quantiles
    rows = []
    for c in COMPONENTS:
        values = ranged[c].dropna().to_numpy()
        mean = float(base[c].dropna().mean()) if base[c].notna().any() else np.nan
        low, high = (float(np.quantile(values, q)) for q in (lo_q, hi_q)) if len(values) else (np.nan, np.nan)
        if c in _GAINS:
            down, up = min(low, mean), max(high, mean)
        else:
            down, up = max(high, mean), min(low, mean)
        rows.append(
            {
                "component": c,
                "kind": "amount" if c == "new" else "rate",
                "months": len(values),
                "mean": mean,
                "low": low,
                "high": high,
                "downside": down,
                "base": mean,
                "upside": up,
            }
        )
    return pd.DataFrame(rows).set_index("component")


def mrr_forecast(
    bridge: pd.DataFrame,
    month,
    *,
    horizon: int = 12,
    base_window: int = 6,
    range_window: int = 12,
    quantiles: tuple[float, float] = (0.25, 0.75),
) -> pd.DataFrame:
    """Month-end MRR in each scenario for the ``horizon`` months after ``month`` (the module's method).

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge (:func:`~playbook.kpis.revenue.mrr_bridge`); it must have a row for ``month``, whose
        ``mrr_end`` the forecast starts from.
    month : str or pandas.Period
        The review month.
    horizon : int, default 12
        How many months to forecast.
    base_window, range_window : int, default 6 and 12
        The trailing windows of :func:`component_rates`.
    quantiles : tuple of float, default (0.25, 0.75)
        The quantiles of :func:`component_rates`.

    Returns
    -------
    pandas.DataFrame
        One row per forecast month (``month + 1`` to ``month + horizon``): ``month``, ``downside``, ``base``,
        ``upside`` (month-end MRR), with ``downside <= base <= upside`` in every row.

    Raises
    ------
    KeyError
        ``bridge`` has no row for ``month``.

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-08", "2026-10", freq="M"),
    ...     "mrr_start": [1000.0, 1100.0, 1125.0], "new": [100.0, 60.0, 120.0], "reactivation": [0.0, 20.0, 0.0],
    ...     "expansion": [50.0, 22.0, 45.0], "contraction": [10.0, 22.0, 0.0], "churned": [40.0, 55.0, 22.5],
    ...     "mrr_end": [1100.0, 1125.0, 1267.5]})
    >>> mrr_forecast(b, "2026-10", horizon=2, base_window=2, range_window=3).round({s: 2 for s in SCENARIOS})
         month  downside     base   upside
    0  2026-11   1319.48  1348.49  1390.18
    1  2026-12   1369.89  1428.26  1514.08
    """
    month = pd.Period(month, freq="M")
    row = bridge[pd.PeriodIndex(bridge["month"], freq="M") == month]
    if row.empty:
        raise KeyError(f"the bridge has no row for {month}")
    rates = component_rates(bridge, month, base_window=base_window, range_window=range_window, quantiles=quantiles)
    out = {"month": pd.period_range(month + 1, periods=horizon, freq="M")}
    for s in SCENARIOS:
        r = rates[s]
        net = r["expansion"] - r["contraction"] - r["churn"]
        level, path = float(row["mrr_end"].iloc[0]), []
        for _ in range(horizon):
            level = level + r["new"] + level * net
            path.append(level)
        out[s] = np.asarray(path, dtype="float64")
    return pd.DataFrame(out)


def kgi_forecast(
    bridge: pd.DataFrame,
    month,
    tree=None,
    *,
    horizon: int | None = None,
    base_window: int = 6,
    range_window: int = 12,
    quantiles: tuple[float, float] = (0.25, 0.75),
) -> dict:
    """The revenue forecast in the KGI's terms (ARR or MRR), with where each scenario lands at the KGI's deadline.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge (:func:`~playbook.kpis.revenue.mrr_bridge`) up to at least ``month``.
    month : str or pandas.Period
        The review month.
    tree : KPITree, optional
        The KPI tree; its KGI gives the metric (``arr`` or ``mrr``), the target and the deadline. Without one,
        or with a KGI that is not ARR or MRR, the forecast is of ARR and has no target.
    horizon : int, optional
        How many months to forecast. Default 12, or up to the KGI's deadline when that is further.
    base_window, range_window : int, default 6 and 12
        The trailing windows of :func:`component_rates`.
    quantiles : tuple of float, default (0.25, 0.75)
        The quantiles of :func:`component_rates`.

    Returns
    -------
    dict
        ``code`` (a :class:`ForecastCode`), ``metric`` (``arr`` or ``mrr``), ``month`` (the review month),
        ``horizon``, ``base_window``, ``range_window``, ``quantiles``, and, unless ``code`` is ``no bridge row``:
        ``current`` (the metric in ``month``), ``observed`` (``month``, ``value``: the metric in every month of
        ``bridge`` up to ``month``), ``table`` (``month``, ``downside``, ``base``, ``upside`` in the metric's
        terms, and ``target``: the KGI's target in its deadline month, NaN elsewhere) and ``rates``
        (:func:`component_rates`). With a revenue KGI also ``target``, ``deadline`` and ``months_left``; when
        the deadline is ahead (``code`` ``target``), ``landing`` (scenario -> the metric at the deadline) and
        ``reaches`` (scenario -> the first forecast month at or above the target, or None).

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-08", "2026-10", freq="M"),
    ...     "mrr_start": [1000.0, 1000.0, 1000.0], "new": [10.0] * 3, "reactivation": [0.0] * 3,
    ...     "expansion": [0.0] * 3, "contraction": [0.0] * 3, "churned": [10.0] * 3, "mrr_end": [1000.0] * 3})
    >>> f = kgi_forecast(b, "2026-10", horizon=3)
    >>> str(f["code"]), f["metric"], f["table"]["base"].tolist()
    ('no tree', 'arr', [12000.0, 12000.0, 12000.0])
    """
    month = pd.Period(month, freq="M")
    kgi = getattr(tree, "kgi", None)
    revenue = kgi is not None and kgi.metric in ("arr", "mrr")
    metric = kgi.metric if revenue else "arr"
    scale = 12.0 if metric == "arr" else 1.0
    months_left = (kgi.deadline - month).n if revenue else None
    if horizon is None:
        horizon = max(12, months_left or 0)
    out: dict = {
        "metric": metric,
        "month": month,
        "horizon": horizon,
        "base_window": base_window,
        "range_window": range_window,
        "quantiles": tuple(quantiles),
    }
    b = bridge[pd.PeriodIndex(bridge["month"], freq="M") <= month] if len(bridge) else bridge
    if b.empty or pd.Period(b["month"].max(), freq="M") != month:
        return {**out, "code": ForecastCode.NO_BRIDGE_ROW}
    kw = {"base_window": base_window, "range_window": range_window, "quantiles": quantiles}
    mrr = mrr_forecast(b, month, horizon=horizon, **kw)
    table = mrr.assign(**{s: mrr[s] * scale for s in SCENARIOS})
    table["target"] = np.nan
    b = b.sort_values("month")
    out |= {
        "current": float(b["mrr_end"].iloc[-1]) * scale,
        "observed": pd.DataFrame(
            {"month": pd.PeriodIndex(b["month"], freq="M"), "value": b["mrr_end"].to_numpy(dtype="float64") * scale}
        ),
        "rates": component_rates(b, month, **kw),
    }
    if not revenue:
        code = ForecastCode.NO_TREE if kgi is None else ForecastCode.NOT_REVENUE
        return {**out, "code": code, "table": table}
    out |= {"target": float(kgi.target), "deadline": kgi.deadline, "months_left": months_left}
    if months_left <= 0:
        return {**out, "code": ForecastCode.PASSED, "table": table}
    table.loc[table["month"] == kgi.deadline, "target"] = float(kgi.target)
    at = table[table["month"] == kgi.deadline].iloc[0]
    reaches = {}
    for s in SCENARIOS:
        hit = table.loc[table[s] >= kgi.target, "month"]
        reaches[s] = hit.iloc[0] if len(hit) else None
    return {
        **out,
        "code": ForecastCode.TARGET,
        "table": table,
        "landing": {s: float(at[s]) for s in SCENARIOS},
        "reaches": reaches,
    }
