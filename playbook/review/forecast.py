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
- **Annual contracts at their renewals** (when the subscriptions are given and have contract terms,
  :mod:`playbook.kpis.renewals`: a ``contract_end_date``, a ``term_months`` or annual billing). The MRR splits in two
  pools, each with its own history: the subscription rows with contract terms (*contracts*) and the others
  (*monthly plans*). The monthly plans follow the path above, with the components of their own bridge. A
  contract cannot shrink or be cancelled before its term ends, so the contracts' pool moves only by

  - *new* contract MRR a month (the contracts' own bridge, new + reactivation; base and range as above), each new
    contract renewing 12 months after it starts;
  - *expansion* (the contracts' expansion rate, base and range as above), every month;
  - *renewals*: in the month a contract's term ends (its next term ends from
    :func:`~playbook.kpis.renewals.contract_ends`, then every ``term_months``), its MRR is multiplied by the ARR
    renewal rate, i.e. the expected ARR at renewal = ARR x (1 - churn probability at renewal) with the churn
    probability = 1 - the trailing ARR renewal rate (capped, :func:`~playbook.kpis.renewals.renewal_rates`: it counts
    lost and downgraded contracts). The base is the pooled rate of the contracts that ended in the
    ``renewal_window`` months (default 12) before the review month (ARR kept / ARR before, outcome known); the
    downside and the upside its monthly rates' quartiles over the same months, widened to the base.

  Without contract terms, or with no renewal whose outcome is known yet, all the MRR follows the component path
  (annual churn then spreads over the months). :func:`forecast_backtest` compares the two on past months.

ARR is 12 x MRR. Every function is pure: tables in, tables (or a dict of them) out, codes instead of words.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from playbook.kpis.renewals import contract_ends, contract_terms, renewal_outcomes, renewal_rates
from playbook.kpis.revenue import month_end_mrr, mrr_bridge

__all__ = [
    "COMPONENTS",
    "SCENARIOS",
    "ForecastCode",
    "component_history",
    "component_rates",
    "renewal_rate_scenarios",
    "mrr_forecast",
    "kgi_forecast",
    "forecast_backtest",
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


def renewal_rate_scenarios(
    subscriptions: pd.DataFrame,
    month,
    *,
    window: int = 12,
    quantiles: tuple[float, float] = (0.25, 0.75),
    snapshots: pd.DataFrame | None = None,
) -> dict:
    """The ARR renewal rate of the trailing contract-end months, in the three scenarios (the module's method).

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        Subscriptions with contract terms (:func:`~playbook.kpis.renewals.contract_ends`).
    month : str or pandas.Period
        The review month: the end months are the ``window`` months before it (their outcome is known at its end).
    window : int, default 12
        How many contract-end months.
    quantiles : tuple of float, default (0.25, 0.75)
        The quantiles of the monthly rates giving the downside and the upside.
    snapshots : pandas.DataFrame, optional
        Month-end MRR per account up to at least ``month``; by default made from ``subscriptions``.

    Returns
    -------
    dict
        ``downside``, ``base``, ``upside`` (NaN when no contract in the window has a known outcome), ``months``
        (end months with contracts), ``contracts``, ``arr_before`` and ``arr_kept`` (their sums).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b"], "billing_period": ["annual", "annual"],
    ...     "start_date": pd.to_datetime(["2025-08-10", "2025-09-10"]), "end_date": pd.to_datetime([None, "2026-09-09"]),
    ...     "mrr": [100.0, 300.0]})
    >>> r = renewal_rate_scenarios(subs, "2026-10", window=3)
    >>> r["base"], r["contracts"], r["downside"], r["upside"]
    (0.25, 2, 0.25, 0.75)
    """
    month = pd.Period(month, freq="M")
    if snapshots is None:
        first = pd.Period(pd.Timestamp(subscriptions["start_date"].min()), freq="M")
        snapshots = month_end_mrr(subscriptions, pd.period_range(min(first, month), month, freq="M"))
    snapshots = snapshots[pd.PeriodIndex(snapshots["month"], freq="M") <= month]
    ends = pd.period_range(month - window, month - 1, freq="M")
    r = renewal_rates(renewal_outcomes(subscriptions, snapshots, ends), ends)
    r = r[(r["contracts"] > 0) & r["arr_rate"].notna()] if len(r) else r
    before, kept = float(r["arr_before"].sum()) if len(r) else 0.0, float(r["arr_kept"].sum()) if len(r) else 0.0
    out = {"months": len(r), "contracts": int(r["contracts"].sum()) if len(r) else 0}
    out |= {"arr_before": before, "arr_kept": kept}
    if before <= 0:
        return out | dict.fromkeys(SCENARIOS, np.nan)
    base = kept / before
    low, high = (float(np.quantile(r["arr_rate"].to_numpy(dtype="float64"), q)) for q in quantiles)
    return out | {"downside": min(low, base), "base": base, "upside": max(high, base)}


def _zero_bridge(months: pd.PeriodIndex) -> pd.DataFrame:
    cols = ["mrr_start", "new", "reactivation", "expansion", "contraction", "churned", "mrr_end"]
    return pd.DataFrame({"month": months, **{c: np.zeros(len(months)) for c in cols}})


def _split(
    bridge: pd.DataFrame, month: pd.Period, subscriptions: pd.DataFrame | None, renewal_window: int, kw: dict
) -> dict | None:
    """The two pools (contracts, monthly plans) at ``month`` and their components; None to use one pool."""
    if subscriptions is None or not len(subscriptions):
        return None
    terms = contract_terms(subscriptions)
    has = terms["has_terms"].to_numpy()
    if not has.any():
        return None
    months = pd.PeriodIndex(bridge["month"], freq="M")
    months = months[months <= month].sort_values()
    first = pd.Period(pd.Timestamp(subscriptions["start_date"].min()), freq="M")
    span = pd.period_range(min(first, months[0]), month, freq="M")
    snaps = month_end_mrr(subscriptions, span)
    rate = renewal_rate_scenarios(
        subscriptions, month, window=renewal_window, quantiles=kw["quantiles"], snapshots=snaps
    )
    if np.isnan(rate["base"]):
        return None
    pools = {}
    for name, rows in (("contracts", subscriptions[has]), ("monthly", subscriptions[~has])):
        s = month_end_mrr(rows, span) if len(rows) else None
        pools[name] = mrr_bridge(s, months) if s is not None and len(s) else _zero_bridge(months)
    c_rates = component_rates(pools["contracts"], month, **kw)
    m_rates = component_rates(pools["monthly"], month, **kw)
    as_of = month.end_time.normalize()
    sub = subscriptions[has]
    live = (
        (sub["start_date"] <= as_of) & ~(sub["end_date"] <= as_of)
        if "end_date" in sub.columns
        else sub["start_date"] <= as_of
    )
    # a row's later end is not known at the review month (a plan change to come): its terms run on
    active = sub[live.to_numpy()].assign(end_date=pd.NaT)
    extra = c_rates.loc[["new", "expansion"]].rename(index={"new": "contract_new", "expansion": "contract_expansion"})
    renewal = pd.DataFrame(
        [{"component": "renewal", "kind": "rate", "months": rate["months"], "mean": rate["base"], "low": np.nan,
          "high": np.nan, **{sc: rate[sc] for sc in SCENARIOS}}]
    ).set_index("component")  # fmt: skip
    return {
        "rates": pd.concat([m_rates, extra, renewal]),
        "contracts": active,
        "renewal": rate,
    }


def _paths(bridge: pd.DataFrame, month: pd.Period, horizon: int, split: dict | None, rates: pd.DataFrame) -> dict:
    """The month-end MRR path of each scenario (the module's method)."""
    row = bridge[pd.PeriodIndex(bridge["month"], freq="M") == month]
    total = float(row["mrr_end"].iloc[0])
    out = {}
    steps = np.arange(1, horizon + 1)
    if split is not None:
        active = split["contracts"]
        start_c = float(active["mrr"].sum())
        as_of = month.end_time.normalize()
        ends = contract_ends(active, as_of + pd.Timedelta(days=1), (month + horizon).end_time.normalize())
        # renewals[i, t-1]: how many term ends row i has had by the end of forecast month t
        pos = pd.Index(active.index).get_indexer(ends["row"])
        at = np.asarray([(pd.Period(d, freq="M") - month).n for d in ends["contract_end"]], dtype="int64")
        count = np.zeros((len(active), horizon + 1), dtype="int64")
        np.add.at(count, (pos, at - 1), 1)
        renewals = np.cumsum(count, axis=1)[:, :horizon]
        mrr_c = active["mrr"].to_numpy(dtype="float64")
    else:
        start_c = 0.0
    for sc in SCENARIOS:
        r = rates[sc]
        level = max(total - start_c, 0.0) if split is not None else total
        net = r["expansion"] - r["contraction"] - r["churn"]
        path = []
        for _ in range(horizon):
            level = level + r["new"] + level * net
            path.append(level)
        path = np.asarray(path, dtype="float64")
        if split is not None:
            keep, grow, new = r["renewal"], 1.0 + r["contract_expansion"], r["contract_new"]
            existing = (mrr_c[:, None] * keep**renewals).sum(axis=0) * grow**steps
            # a new contract added in forecast month s has renewed floor((t - s) / 12) times by month t
            age = steps[:, None] - steps[None, :]
            added = np.where(age >= 0, new * grow ** np.clip(age, 0, None) * keep ** (np.clip(age, 0, None) // 12), 0.0)
            path = path + existing + added.sum(axis=1)
        out[sc] = path
    return out


def _forecast(bridge, month, horizon, subscriptions, kw, renewal_window):
    month = pd.Period(month, freq="M")
    row = bridge[pd.PeriodIndex(bridge["month"], freq="M") == month]
    if row.empty:
        raise KeyError(f"the bridge has no row for {month}")
    split = _split(bridge, month, subscriptions, renewal_window, kw)
    rates = split["rates"] if split is not None else component_rates(bridge, month, **kw)
    paths = _paths(bridge, month, horizon, split, rates)
    table = pd.DataFrame({"month": pd.period_range(month + 1, periods=horizon, freq="M"), **paths})
    return table, rates, split


def mrr_forecast(
    bridge: pd.DataFrame,
    month,
    *,
    horizon: int = 12,
    base_window: int = 6,
    range_window: int = 12,
    quantiles: tuple[float, float] = (0.25, 0.75),
    subscriptions: pd.DataFrame | None = None,
    renewal_window: int = 12,
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
    subscriptions : pandas.DataFrame, optional
        The subscriptions the bridge is made from. With contract terms, the contracts renew in the months their
        terms end (the module's method); without, every account follows the component path.
    renewal_window : int, default 12
        The contract-end months of :func:`renewal_rate_scenarios`.

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
    kw = {"base_window": base_window, "range_window": range_window, "quantiles": quantiles}
    return _forecast(bridge, month, horizon, subscriptions, kw, renewal_window)[0]


def kgi_forecast(
    bridge: pd.DataFrame,
    month,
    tree=None,
    *,
    horizon: int | None = None,
    base_window: int = 6,
    range_window: int = 12,
    quantiles: tuple[float, float] = (0.25, 0.75),
    subscriptions: pd.DataFrame | None = None,
    renewal_window: int = 12,
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
    subscriptions : pandas.DataFrame, optional
        The subscriptions (see :func:`mrr_forecast`): with contract terms, contracts renew in their end months.
    renewal_window : int, default 12
        The contract-end months of :func:`renewal_rate_scenarios`.

    Returns
    -------
    dict
        ``code`` (a :class:`ForecastCode`), ``metric`` (``arr`` or ``mrr``), ``month`` (the review month),
        ``horizon``, ``base_window``, ``range_window``, ``quantiles``, ``method`` (``renewals`` when contracts
        renew in their end months, else ``components``), ``renewal_window``, and, unless ``code`` is
        ``no bridge row``: ``renewal`` (:func:`renewal_rate_scenarios`, or None with ``components``),
        ``current`` (the metric in ``month``), ``observed`` (``month``, ``value``: the metric in every month of
        ``bridge`` up to ``month``), ``table`` (``month``, ``downside``, ``base``, ``upside`` in the metric's
        terms, and ``target``: the KGI's target in its deadline month, NaN elsewhere) and ``rates``
        (:func:`component_rates`; with ``renewals``, those of the monthly plans and the rows ``contract_new``,
        ``contract_expansion`` and ``renewal``). With a revenue KGI also ``target``, ``deadline`` and ``months_left``; when
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
        "method": "components",
        "renewal_window": renewal_window,
    }
    b = bridge[pd.PeriodIndex(bridge["month"], freq="M") <= month] if len(bridge) else bridge
    if b.empty or pd.Period(b["month"].max(), freq="M") != month:
        return {**out, "code": ForecastCode.NO_BRIDGE_ROW}
    kw = {"base_window": base_window, "range_window": range_window, "quantiles": quantiles}
    mrr, rates, split = _forecast(b, month, horizon, subscriptions, kw, renewal_window)
    table = mrr.assign(**{s: mrr[s] * scale for s in SCENARIOS})
    table["target"] = np.nan
    b = b.sort_values("month")
    out |= {
        "current": float(b["mrr_end"].iloc[-1]) * scale,
        "observed": pd.DataFrame(
            {"month": pd.PeriodIndex(b["month"], freq="M"), "value": b["mrr_end"].to_numpy(dtype="float64") * scale}
        ),
        "rates": rates,
        "method": "renewals" if split is not None else "components",
        "renewal": split["renewal"] if split is not None else None,
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


def forecast_backtest(
    bridge: pd.DataFrame,
    origins,
    *,
    lead: int = 6,
    subscriptions: pd.DataFrame | None = None,
    **kw,
) -> pd.DataFrame:
    """Each origin month's base forecast ``lead`` months ahead against the actual MRR, with and without renewals.

    Parameters
    ----------
    bridge : pandas.DataFrame
        The MRR bridge (:func:`~playbook.kpis.revenue.mrr_bridge`) up to at least the last origin + ``lead``.
    origins : sequence of str or pandas.Period
        The months the forecasts are made from (each sees only the bridge and contracts up to it).
    lead : int, default 6
        How many months ahead.
    subscriptions : pandas.DataFrame, optional
        The subscriptions; without them the two forecasts are the same.
    **kw
        Passed to :func:`mrr_forecast` (``base_window``, ``range_window``, ``quantiles``, ``renewal_window``).

    Returns
    -------
    pandas.DataFrame
        One row per origin with a known outcome: ``origin``, ``month`` (origin + lead), ``actual`` (MRR at the end
        of ``month``), ``components`` and ``renewals`` (the base forecasts: every account on the component path;
        contracts renewing in their end months) and ``error_components``, ``error_renewals`` ((forecast -
        actual) / actual).

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-01", "2026-10", freq="M"), "mrr_start": [1000.0] * 10,
    ...     "new": [10.0] * 10, "reactivation": [0.0] * 10, "expansion": [0.0] * 10, "contraction": [0.0] * 10,
    ...     "churned": [10.0] * 10, "mrr_end": [1000.0] * 10})
    >>> forecast_backtest(b, ["2026-03", "2026-04"], lead=6)[["origin", "month", "actual", "error_components"]]
        origin    month  actual  error_components
    0  2026-03  2026-09  1000.0               0.0
    1  2026-04  2026-10  1000.0               0.0
    """
    months = pd.PeriodIndex(bridge["month"], freq="M")
    actual = pd.Series(bridge["mrr_end"].to_numpy(dtype="float64"), index=months)
    rows = []
    for origin in pd.PeriodIndex(origins, freq="M"):
        target = origin + lead
        if target not in actual.index or origin not in actual.index:
            continue
        past = bridge[months <= origin]
        one = mrr_forecast(past, origin, horizon=lead, **kw)["base"].iloc[-1]
        two = mrr_forecast(past, origin, horizon=lead, subscriptions=subscriptions, **kw)["base"].iloc[-1]
        rows.append({"origin": origin, "month": target, "actual": actual[target], "components": one, "renewals": two})
    out = pd.DataFrame(rows, columns=["origin", "month", "actual", "components", "renewals"])
    for name in ("components", "renewals"):
        out[f"error_{name}"] = (out[name] - out["actual"]) / out["actual"]
    return out
