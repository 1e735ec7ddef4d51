"""Goals over time: the KPI tree's history, target paths, the SMART check and the KGI decomposition.

The tree itself (its entries and their validation) is :mod:`playbook.review.tree`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.data.dataset import Dataset
from playbook.data.errors import DataValidationError
from playbook.kpis.catalog import compute_kpis, kpi
from playbook.review.codes import KGIOutlook, NoProjection, TreeCheck
from playbook.review.tree import (
    DEFAULT_LIMITS,
    DEFAULT_THRESHOLDS,
    KFSGoal,
    KGIGoal,
    KPIGoal,
    KPITree,
    Problem,
    load_kpi_tree,
    parse_kpi_tree,
)

__all__ = [
    "KGIGoal",
    "KFSGoal",
    "KPIGoal",
    "KPITree",
    "load_kpi_tree",
    "parse_kpi_tree",
    "segment_dataset",
    "goal_history",
    "target_path",
    "target_paths",
    "plan_baselines",
    "smart_check",
    "tree_checks",
    "kgi_projection",
    "kgi_outlook",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_LIMITS",
]

# --------------------------------------------------------------------------- history and targets


def segment_dataset(ds: Dataset, segment: dict | None) -> Dataset:
    """The dataset restricted to the accounts matching ``segment`` (e.g. ``{"plan": "Enterprise"}``).

    Account-level tables keep the rows of the matching accounts; company-level ones (costs, trials, funnel) cannot
    be split by accounts, so the new dataset is marked with ``segment`` and
    :func:`~playbook.kpis.catalog.compute_kpis` reports a KPI that reads them as "company-level: not split by
    segment" (NaN) instead of dividing company-wide costs or trials by the segment's customers.

    Parameters
    ----------
    ds : Dataset
        The validated dataset.
    segment : dict or None
        Accounts column -> the wanted value, or a list of wanted values (``{"plan": ["Pro", "Enterprise"]}``).
        An account must match every column. None or an empty mapping keeps every account.

    Returns
    -------
    Dataset
        ``ds`` itself when there is no segment, otherwise a new dataset holding only the rows of the
        matching accounts, with ``segment`` recorded in its ``segment`` attribute (see ``Dataset.for_accounts``).

    Raises
    ------
    DataValidationError
        ``segment`` names a column the accounts table does not have.

    Examples
    --------
    >>> from playbook import load_dataset
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> sato = segment_dataset(load_dataset(SAMPLE_DIR), {"owner": "Sato"})
    >>> sato.segment, len(sato.accounts)
    ({'owner': 'Sato'}, 93)
    """
    if not segment:
        return ds
    acc = ds.accounts
    mask = pd.Series(True, index=acc.index)
    for col, value in segment.items():
        if col not in acc.columns:
            raise DataValidationError(
                Problem("kpi tree", "segment", f"accounts has no column {col!r} (columns: {list(acc.columns)})")
            )
        mask &= acc[col].isin(value if isinstance(value, list) else [value])
    return ds.for_accounts(set(acc.loc[mask, "account_id"]), segment={**(ds.segment or {}), **segment})


def goal_history(ds: Dataset, tree: KPITree, months, *, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each KPI goal's metric (on its segment) and the KGI's metric, per month.

    ``kpis``, a ``compute_kpis`` table of the same months, is reused when given.

    Parameters
    ----------
    ds : Dataset
        The validated dataset.
    tree : KPITree
        The validated KPI tree (:func:`load_kpi_tree`).
    months : sequence of str or pandas.Period
        The months to cover; all must be complete in the data.
    kpis : pandas.DataFrame, optional
        A :func:`~playbook.kpis.catalog.compute_kpis` table (``month``, ``kpi``, ``value``, ``numerator``,
        ``denominator``, ``n``, ``note``) holding the metrics of the KGI and of the KPI goals without a
        segment; a metric it lacks gives its goal no rows. Without it, those metrics are computed here.
        KPI goals with a ``segment`` are always computed here, on their segment's accounts.

    Returns
    -------
    pandas.DataFrame
        One row per goal and month: ``month``, ``goal`` (KPI goal id, or the KGI id), ``metric``, ``value``,
        ``numerator``, ``denominator``, ``n``, ``note``. The KPI goals without a segment come first, then
        those with one, then the KGI.

    Raises
    ------
    DataValidationError
        A month is not complete in the data (when metrics are computed here), or a goal's ``segment``
        names a column the accounts table does not have.
    """
    months = pd.PeriodIndex(months, freq="M")
    parts = []
    plain = [k for k in tree.kpis if not k.segment]
    metrics = sorted({k.metric for k in plain} | {tree.kgi.metric})
    base = kpis[kpis["month"].isin(months)] if kpis is not None else compute_kpis(ds, months=months, kpis=metrics)
    for goal in plain:
        parts.append(base[base["kpi"] == goal.metric].assign(goal=goal.id, metric=goal.metric))
    for goal in tree.kpis:
        if goal.segment:
            k = compute_kpis(segment_dataset(ds, goal.segment), months=months, kpis=[goal.metric])
            parts.append(k[k["kpi"] == goal.metric].assign(goal=goal.id, metric=goal.metric))
    parts.append(base[base["kpi"] == tree.kgi.metric].assign(goal=tree.kgi.id, metric=tree.kgi.metric))
    out = pd.concat(parts, ignore_index=True).drop(columns="kpi")
    return out[["month", "goal", "metric", "value", "numerator", "denominator", "n", "note"]]


def target_path(
    goal: KPIGoal, months, *, plan_start: pd.Period | None = None, baseline: float | None = None
) -> pd.Series:
    """The target for each month: from the YAML path, a ramp from the baseline, or the flat target.

    Before the path starts there is no target (NaN); from the deadline on, the target.

    Parameters
    ----------
    goal : KPIGoal
        The KPI goal: its ``target``, ``deadline`` and ``path`` are used.
    months : sequence of str or pandas.Period
        The months to give a target for.
    plan_start : pandas.Period, optional
        The tree's ``plan_start``: the month of the first value of a list ``path``, the start month of a
        mapping ``path`` without ``start_month``, and the month after the baseline of a ramp.
    baseline : float, optional
        The KPI's value in the month before ``plan_start``, where the ramp starts when the goal has no
        ``path`` with a start. None or NaN gives the flat target.

    Raises
    ------
    DataValidationError
        A mapping ``path`` with ``start`` but neither ``start_month`` nor ``plan_start``: the ramp has no
        month to start from.

    Returns
    -------
    pandas.Series
        The float target of each month, indexed by ``months``. A list ``path`` (with ``plan_start``) gives
        its values month by month from ``plan_start``, then the target after the list ends. A mapping
        ``path`` with ``start`` gives a straight line from ``start`` in ``start_month`` to the target at the
        deadline; without a path, a straight line from ``baseline`` in the month before ``plan_start``.
        Otherwise the flat target in every month.

    Examples
    --------
    >>> g = KPIGoal("x", "nps", 30.0, "higher", "me", pd.Period("2026-07", "M"), "monthly", "f", path={"start": 10, "start_month": "2026-03"})
    >>> target_path(g, pd.period_range("2026-02", "2026-08", freq="M")).tolist()
    [nan, 10.0, 15.0, 20.0, 25.0, 30.0, 30.0]
    """
    months = pd.PeriodIndex(months, freq="M")
    path = goal.path
    if isinstance(path, list) and plan_start is not None:
        values = pd.Series(path, index=pd.period_range(plan_start, periods=len(path), freq="M"), dtype="float64")
        out = values.reindex(months)
        out[months > values.index[-1]] = goal.target
        return out
    if isinstance(path, dict) and "start" in path:
        when = path.get("start_month", plan_start)
        if when is None:
            raise DataValidationError(
                Problem(
                    "kpi tree",
                    f"{goal.id}.path",
                    f"path start {path['start']} has no month: give path start_month, or plan_start for the tree",
                )
            )
        start_month, start = pd.Period(str(when), freq="M"), float(path["start"])
    elif plan_start is not None and baseline is not None and not np.isnan(baseline):
        start_month, start = plan_start - 1, float(baseline)
    else:
        return pd.Series(goal.target, index=months, dtype="float64")
    span = max((goal.deadline - start_month).n, 1)
    k = np.array([(m - start_month).n for m in months], dtype="float64")
    values = np.where(k < 0, np.nan, start + (goal.target - start) * np.minimum(k, span) / span)
    return pd.Series(values, index=months, dtype="float64")


def target_paths(tree: KPITree, history: pd.DataFrame, months) -> pd.DataFrame:
    """Targets of every KPI goal for ``months`` (columns = goal ids).

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`load_kpi_tree`).
    history : pandas.DataFrame
        The goals' history (:func:`goal_history`): ``goal``, ``month`` and ``value``, read for each KPI's
        baseline: its last value in the 12 months before the tree's ``plan_start``.
    months : sequence of str or pandas.Period
        The months to give targets for.

    Returns
    -------
    pandas.DataFrame
        Indexed by month (a ``PeriodIndex``), one float column of targets per KPI goal id
        (:func:`target_path`); NaN before the tree's ``plan_start``: a review of an earlier month has
        no target to hold a KPI to.
    """
    months = pd.PeriodIndex(months, freq="M")
    out = {}
    for goal in tree.kpis:
        baseline = _measured_before_plan(tree, history, goal.id)[1]
        path = target_path(goal, months, plan_start=tree.plan_start, baseline=baseline)
        if tree.plan_start is not None:
            path[months < tree.plan_start] = np.nan  # before the plan starts there is no target to be held to
        out[goal.id] = path
    return pd.DataFrame(out, index=months)


def _measured_before_plan(tree: KPITree, history: pd.DataFrame, goal_id: str) -> tuple[pd.Period | None, float | None]:
    """The last value measured in the 12 months before ``plan_start`` and its month (None, None without one).

    A KPI surveyed twice a year, such as NPS, has no value in the month just before the plan.
    """
    if tree.plan_start is None:
        return None, None
    h = history[(history["goal"] == goal_id) & history["value"].notna()]
    h = h[(h["month"] < tree.plan_start) & (h["month"] >= tree.plan_start - 12)].sort_values("month")
    return (pd.Period(h["month"].iloc[-1], freq="M"), float(h["value"].iloc[-1])) if len(h) else (None, None)


def plan_baselines(tree: KPITree, history: pd.DataFrame) -> pd.DataFrame:
    """Where each KPI's target path starts: the anchor the tree declares, else the value measured before the plan.

    The same starting point :func:`target_paths` ramps from, so the baseline a report shows is the one the
    targets are computed from: a ``path`` mapping's ``start`` in its ``start_month`` (a team that calls the
    month before the plan a one-off peak anchors below it), a ``path`` list's first value in ``plan_start``,
    else the last value measured in the 12 months before ``plan_start``.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree.
    history : pandas.DataFrame
        The goals' history (:func:`goal_history`): ``goal``, ``month``, ``value``.

    Returns
    -------
    pandas.DataFrame
        Indexed by goal id: ``month`` (a Period, or None), ``value`` (NaN without one) and ``source``
        (``path`` when the tree declares it, ``data`` when measured, ``none``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> g = SimpleNamespace(id="returning", path={"start": 1450, "start_month": "1998-04"})
    >>> f = SimpleNamespace(id="rate", path=None)
    >>> tree = SimpleNamespace(kpis=(g, f), plan_start=pd.Period("1998-04", "M"))
    >>> h = pd.DataFrame({"goal": ["returning", "rate"] * 2, "month": pd.PeriodIndex(["1998-02"] * 2 + ["1998-03"] * 2, freq="M"),
    ...                   "value": [1900.0, 0.60, 2058.0, 0.613]})
    >>> plan_baselines(tree, h).astype({"month": str}).values.tolist()  # March 1998 (2,058) was a one-off peak
    [['1998-04', 1450.0, 'path'], ['1998-03', 0.613, 'data']]
    """
    rows = []
    for goal in tree.kpis:
        path = goal.path
        if isinstance(path, dict) and "start" in path and (path.get("start_month") or tree.plan_start):
            rows.append((goal.id, pd.Period(str(path.get("start_month") or tree.plan_start), freq="M"),
                         float(path["start"]), "path"))  # fmt: skip
        elif isinstance(path, list) and path and tree.plan_start is not None:
            rows.append((goal.id, tree.plan_start, float(path[0]), "path"))
        else:
            month, value = _measured_before_plan(tree, history, goal.id)
            rows.append((goal.id, month, np.nan if value is None else value, "none" if value is None else "data"))
    return pd.DataFrame(rows, columns=["goal", "month", "value", "source"]).set_index("goal")


# --------------------------------------------------------------------------- SMART


def _series(history: pd.DataFrame, goal_id: str, month: pd.Period) -> pd.Series:
    h = history[(history["goal"] == goal_id) & (history["month"] <= month)]
    return h.set_index("month")["value"].astype("float64")


def best_sustained_change(values: pd.Series, *, window: int = 3, direction: str = "higher") -> float:
    """The best change per month over any ``window`` months of history, in the better direction.

    With monthly values (a ``PeriodIndex``) the two values must be ``window`` calendar
    months apart, so a KPI measured twice a year has no 3-month pace; other series are
    taken as consecutive months.

    Parameters
    ----------
    values : pandas.Series
        The KPI's values: indexed by ``pandas.Period`` months (gaps and NaN allowed), or in
        monthly order.
    window : int, default 3
        The span of the change, in months.
    direction : {"higher", "lower"}, default "higher"
        Which way is better; anything but ``"higher"`` counts as lower.

    Returns
    -------
    float
        The largest improvement per month (positive; negative when the KPI only ever got
        worse over ``window`` months), or NaN without two values ``window`` months apart.

    Examples
    --------
    >>> s = pd.Series([0.50, 0.52, 0.51, 0.57, 0.58, 0.57])
    >>> round(best_sustained_change(s), 4)  # 0.50 -> 0.57 over 3 months: +0.0233 a month
    0.0233
    >>> nps = pd.Series([-8.6, 8.4, 12.4], index=pd.PeriodIndex(["2025-10", "2026-04", "2026-10"], freq="M"))
    >>> best_sustained_change(nps)  # surveys six months apart: no 3-month pace
    nan
    """
    if isinstance(values.index, pd.PeriodIndex):
        v = values.dropna()
        if v.empty:
            return float("nan")
        v = v.reindex(pd.period_range(v.index.min(), v.index.max(), freq="M"))
        change = ((v - v.shift(window)) / window).dropna().to_numpy()
    else:
        v = values.dropna().to_numpy()
        change = (v[window:] - v[:-window]) / window if len(v) > window else np.array([])
    if not len(change):
        return float("nan")
    return float(change.max() if direction == "higher" else -change.min())


def smart_check(tree: KPITree, ds: Dataset, history: pd.DataFrame, month) -> pd.DataFrame:
    """S, M, A, R, T for every KPI of the tree: ``pass`` / ``warn`` / ``fail`` with a code saying why for each.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`load_kpi_tree`); its ``limits`` give the achievable multiple and
        the minimum correlation.
    ds : Dataset
        The validated dataset, to tell which tables a KPI needs but the data lacks.
    history : pandas.DataFrame
        The goals' history (:func:`goal_history`): ``goal``, ``month``, ``value`` and ``note``.
    month : str or pandas.Period
        The review month; later months of ``history`` are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per KPI goal: ``goal``, ``metric``, ``baseline`` (the value in ``month``, else the latest
        measured one), ``target``, ``correlation`` (with the KGI metric over the last 12 calendar months,
        signed so that a positive value means the KPI improves when the KGI does: a lower-is-better KPI that
        falls while a higher-is-better KGI rises counts as positive;
        ``month`` included, in the months that have both values; NaN with fewer than 6), then for each letter
        its verdict and a code saying why (no prose: the report layer words them in the reader's language):

        - ``S`` warns when the direction contradicts the catalog; ``S_code`` ``matches`` or ``contradicts``;
        - ``M`` fails without a needed table or a baseline; ``M_code`` ``measured``, ``missing table`` or
          ``no baseline``;
        - ``A`` warns when the target is already reached, the pace cannot be judged, or the pace needed is
          more than ``achievable_multiple`` times the best 3-month pace (or the history never improved over
          3 months); ``A_code`` ``achievable``, ``stretch``, ``never improved``, ``no history``, ``too easy``
          or ``cannot judge``;
        - ``R`` warns below ``min_correlation`` or with too little history; ``R_code`` ``related``, ``weak``
          (improves with the KGI, below the floor), ``against`` (moves against it) or ``too little history``;
        - ``T`` fails when the deadline is not after ``month``; ``T_code`` ``ahead`` or ``passed``.

        The values behind the codes follow: ``baseline_month`` (text; empty without a baseline),
        ``months_left`` (to the deadline), ``needed`` (the change a month from the baseline to the target by
        the deadline, signed: negative when the KPI must fall; NaN when it cannot be judged), ``best_pace``
        (the best change a month over any 3 months of history, signed the same way: negative for a
        lower-is-better KPI that fell; NaN without enough history), ``correlation_n`` (the months behind
        ``correlation``), ``catalog_direction`` (the catalog's better direction), ``missing_tables`` (the
        tables the KPI needs that the data lacks, a tuple), ``M_note`` (the KPI's note in ``month`` when
        it has no baseline, e.g. ``company-level: not split by segment``; else empty) and ``kgi_change`` (the
        KGI's change over the months of ``correlation``, first to last, signed in the KGI's better direction:
        negative when the KGI worsened, so a KPI related to it worsened too; NaN without a correlation).
    """
    month = pd.Period(month, freq="M")
    kgi = _series(history, tree.kgi.id, month)
    multiple, min_corr = tree.limits["achievable_multiple"], tree.limits["min_correlation"]
    kgi_better = 1 if kpi(tree.kgi.metric).direction == "higher" else -1
    rows = []
    for g in tree.kpis:
        spec = kpi(g.metric)
        r = {"goal": g.id, "metric": g.metric, "target": g.target, "needed": np.nan, "best_pace": np.nan}
        # Specific
        r["catalog_direction"] = spec.direction
        r["S"], r["S_code"] = ("warn", "contradicts") if g.direction != spec.direction else ("pass", "matches")
        # Measurable
        s = _series(history, g.id, month)
        missing = spec.missing(ds)
        baseline = s.get(month, np.nan)
        if np.isnan(baseline) and len(s.dropna()):
            baseline = s.dropna().iloc[-1]  # e.g. NPS between survey rounds: the latest measured value
        r["baseline"] = baseline
        r["baseline_month"] = "" if np.isnan(baseline) else str(s.dropna().index[-1])
        r["missing_tables"] = tuple(missing)
        r["M_note"] = ""
        if missing:
            r["M"], r["M_code"] = "fail", "missing table"
        elif np.isnan(baseline):
            note = history[(history["goal"] == g.id) & (history["month"] == month)]["note"]
            r["M"], r["M_code"] = "fail", "no baseline"
            r["M_note"] = str(note.iloc[0]) if len(note) and isinstance(note.iloc[0], str) else ""
        else:
            r["M"], r["M_code"] = "pass", "measured"
        # Achievable
        left = (g.deadline - month).n
        r["months_left"] = left
        better = 1 if g.direction == "higher" else -1
        best = best_sustained_change(s, direction=g.direction)
        r["best_pace"] = better * best
        if np.isnan(baseline) or left <= 0:
            r["A"], r["A_code"] = "warn", "cannot judge"
        elif better * (baseline - g.target) >= 0:
            r["A"], r["A_code"] = "warn", "too easy"
        else:
            need = better * (g.target - baseline) / left
            r["needed"] = better * need
            if np.isnan(best):
                r["A"], r["A_code"] = "warn", "no history"
            elif best <= 0:
                r["A"], r["A_code"] = "warn", "never improved"
            elif need > multiple * best:
                r["A"], r["A_code"] = "warn", "stretch"
            else:
                r["A"], r["A_code"] = "pass", "achievable"
        # Related: the last 12 calendar months, so a KPI measured twice a year is not related over years
        recent = pd.concat([s.rename("k"), kgi.rename("g")], axis=1)
        both = recent[recent.index > month - 12].dropna()
        r["correlation_n"] = len(both)
        if len(both) < 6 or both["k"].std() == 0 or both["g"].std() == 0:
            r["R"], r["R_code"] = "warn", "too little history"
            r["correlation"] = np.nan
            r["kgi_change"] = np.nan
        else:
            # which way the KGI went over the same months, in its better direction: a KPI that falls with a falling
            # KGI moved with it, it did not improve
            r["kgi_change"] = kgi_better * float(both["g"].iloc[-1] - both["g"].iloc[0])
            corr = float(np.corrcoef(both["k"], both["g"])[0, 1])
            # the KPI should improve when the KGI does: a lower-is-better KPI against a higher-is-better KGI
            # moves the opposite way, so the correlation counts with the sign the two directions give it
            aligned = corr * (1 if g.direction == kpi(tree.kgi.metric).direction else -1)
            r["correlation"] = aligned
            r["R"] = "pass" if aligned >= min_corr else "warn"
            r["R_code"] = "against" if aligned < 0 else "related" if aligned >= min_corr else "weak"
        # Time-bound
        r["T"], r["T_code"] = ("fail", "passed") if g.deadline <= month else ("pass", "ahead")
        rows.append(r)
    cols = ["goal", "metric", "baseline", "target", "correlation"] + [c for L in "SMART" for c in (L, f"{L}_code")]
    cols += ["baseline_month", "months_left", "needed", "best_pace", "correlation_n", "catalog_direction"]
    cols += ["missing_tables", "M_note", "kgi_change"]
    return pd.DataFrame(rows)[cols]


def tree_checks(tree: KPITree) -> pd.DataFrame:
    """Checks of the tree as a whole: a short-horizon KPI, not too many KPIs, every KFS measured.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`load_kpi_tree`).

    Returns
    -------
    pandas.DataFrame
        Three rows of ``check`` (a :class:`~playbook.review.codes.TreeCheck`), ``status`` (``pass`` or
        ``warn``) and the values behind it, for the report to word: ``ids`` (a tuple: the short-horizon
        KPIs for ``short-horizon KPI``, the KFS without a KPI for ``every KFS measured``, empty for
        ``number of KPIs``), ``n`` (the number of KPIs) and ``limit`` (``limits.max_kpis``). The checks:
        ``short-horizon KPI`` (a KPI whose catalog horizon is short), ``number of KPIs`` (at most
        ``limits.max_kpis``) and ``every KFS measured`` (every KFS has a KPI).

    Examples
    --------
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> tree_checks(load_kpi_tree(SAMPLE_DIR / "kpi_tree.yaml"))[["check", "status", "ids"]]
                    check status                               ids
    0   short-horizon KPI   pass  (onboarding_done, first_response)
    1      number of KPIs   pass                                ()
    2  every KFS measured   pass                                ()
    """
    n, limit = len(tree.kpis), int(tree.limits["max_kpis"])
    short = tuple(k.id for k in tree.kpis if kpi(k.metric).horizon == "short")
    empty = tuple(f.id for f in tree.kfs if not f.kpis)
    rows = [
        (TreeCheck.SHORT_HORIZON, "pass" if short else "warn", short),
        (TreeCheck.KPI_COUNT, "pass" if n <= limit else "warn", ()),
        (TreeCheck.KFS_MEASURED, "pass" if not empty else "warn", empty),
    ]
    out = pd.DataFrame(rows, columns=["check", "status", "ids"])
    return out.assign(n=n, limit=limit)


# --------------------------------------------------------------------------- KGI decomposition


def kgi_projection(
    tree: KPITree, bridge: pd.DataFrame, month, *, run_rate_months: int = 3, kpis: pd.DataFrame | None = None
) -> dict:
    """For a revenue KGI (ARR or MRR): the net new MRR a month needed by the deadline, and where the run rate lands.

    For a purchase KGI that is an amount or a count (annual revenue ``revenue_12m``, active buyers
    ``active_buyers_12m``, ...; a transactions-only dataset has no MRR bridge), given ``kpis``: the change a
    month needed by the deadline and the mean monthly change of the last ``run_rate_months`` months
    (:func:`_level_projection`).

    ``bridge`` holds the months up to ``month``. The run rate is the mean net new
    MRR of the last ``run_rate_months`` months, with its new, expansion and churn parts.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`load_kpi_tree`); its KGI's metric, target and deadline are used.
    bridge : pandas.DataFrame
        The MRR bridge (:func:`~playbook.kpis.revenue.mrr_bridge`), one row per month: ``month``,
        ``mrr_start``, ``mrr_end``, ``new``, ``reactivation``, ``expansion``, ``contraction``, ``churned``.
        It must have a row for ``month``.
    month : str or pandas.Period
        The review month.
    run_rate_months : int, default 3
        How many months, ending with ``month``, the run rate averages.
    kpis : pandas.DataFrame, optional
        The :func:`~playbook.kpis.catalog.compute_kpis` table holding the KGI metric: needed for a purchase KGI.

    Returns
    -------
    dict
        For a purchase KGI, see :func:`_level_projection`.
        ``{"applicable": False, "reason": ..., "metric": ..., "month": ...}`` when the KGI metric is not
        ``arr`` or ``mrr`` (``reason`` :attr:`~playbook.review.codes.NoProjection.NOT_REVENUE`), or when
        ``bridge`` has no row for ``month``, e.g. an empty bridge (``reason``
        :attr:`~playbook.review.codes.NoProjection.NO_BRIDGE_ROW`). Otherwise
        ``applicable`` (True), ``metric``, ``months_left`` (to the deadline), ``current`` (the KGI metric
        now), ``target``, ``needed_net_new_mrr`` (a month, to reach the target by the deadline; NaN when
        the deadline has passed), ``run_rate_net_new_mrr``, ``run_rate_new`` (new plus reactivation),
        ``run_rate_expansion``, ``run_rate_lost`` (contraction plus churned), ``projected`` (the KGI metric
        at the deadline if the run rate holds), ``gap`` (target minus projected; positive = short of
        the target) and ``outlook`` (:func:`kgi_outlook`). ``current``, ``target``, ``projected`` and ``gap`` are in the KGI metric's terms
        (ARR = 12 x MRR); the other amounts are monthly MRR.
    """
    month = pd.Period(month, freq="M")
    if kpis is not None and tree.kgi.metric in PURCHASE_KGIS:
        return _level_projection(tree, kpis, month, run_rate_months)
    if tree.kgi.metric not in ("arr", "mrr"):
        return {"applicable": False, "reason": NoProjection.NOT_REVENUE, "metric": tree.kgi.metric, "month": month}
    row = bridge[bridge["month"] == month] if len(bridge) else bridge
    if row.empty:
        return {"applicable": False, "reason": NoProjection.NO_BRIDGE_ROW, "metric": tree.kgi.metric, "month": month}
    b = bridge[bridge["month"] <= month].tail(run_rate_months)
    now = float(row["mrr_end"].iloc[0])
    scale = 12 if tree.kgi.metric == "arr" else 1
    left = (tree.kgi.deadline - month).n
    net = (b["mrr_end"] - b["mrr_start"]).mean()
    target_mrr = tree.kgi.target / scale
    needed = (target_mrr - now) / left if left > 0 else float("nan")
    projected = now + net * max(left, 0)
    return {
        "applicable": True,
        "metric": tree.kgi.metric,
        "months_left": left,
        "current": now * scale,
        "target": tree.kgi.target,
        "needed_net_new_mrr": needed,
        "run_rate_net_new_mrr": net,
        "run_rate_new": b["new"].mean() + b["reactivation"].mean(),
        "run_rate_expansion": b["expansion"].mean(),
        "run_rate_lost": b["contraction"].mean() + b["churned"].mean(),
        "projected": projected * scale,
        "gap": tree.kgi.target - projected * scale,
        "outlook": kgi_outlook(projected * scale, now * scale, tree.kgi.target, left, kpi(tree.kgi.metric).direction),
    }


def kgi_outlook(projected: float, current: float, target: float, months_left: int, direction: str = "higher") -> str:
    """Whether the KGI is on course: the projection at its deadline (or, once passed, its value) against the target.

    Parameters
    ----------
    projected : float
        The KGI metric at the deadline at the current pace.
    current : float
        The KGI metric in the review month.
    target : float
        The KGI's target.
    months_left : int
        Months from the review month to the deadline (0 or less: the deadline has passed).
    direction : {"higher", "lower"}, default "higher"
        The KGI metric's better direction.

    Returns
    -------
    KGIOutlook
        ``on course`` / ``off course`` before the deadline, ``reached`` / ``missed`` after it; reaching the
        target exactly counts as reaching it.

    Examples
    --------
    >>> str(kgi_outlook(777_700, 1_070_000, 1_000_000, 6)), str(kgi_outlook(1_020_000, 900_000, 1_000_000, 6))
    ('off course', 'on course')
    >>> str(kgi_outlook(0.0, 0.03, 0.02, 0, "lower")), str(kgi_outlook(0.0, 0.02, 0.02, -1, "lower"))
    ('missed', 'reached')
    """
    better = 1 if direction == "higher" else -1
    if months_left <= 0:
        return KGIOutlook.REACHED if better * (current - target) >= 0 else KGIOutlook.MISSED
    return KGIOutlook.ON_COURSE if better * (projected - target) >= 0 else KGIOutlook.OFF_COURSE


#: KGI metrics of the purchase review that :func:`kgi_projection` extends at their monthly pace.
PURCHASE_KGIS = ("revenue_12m", "active_buyers_12m", "revenue", "buyers", "orders", "returning_buyers")


def _level_projection(tree: KPITree, kpis: pd.DataFrame, month: pd.Period, run_rate_months: int) -> dict:
    """A purchase KGI (an amount or a count) extended to its deadline at the mean monthly change of recent months.

    Returns ``applicable`` True, ``kind`` ``"level"``, ``metric``, ``months_left``, ``current``, ``target``,
    ``needed_per_month`` (NaN once the deadline has passed), ``run_rate_per_month`` (the mean change of the last
    ``run_rate_months`` months), ``projected``, ``gap`` (target minus projected) and ``outlook``
    (:func:`kgi_outlook`); or ``applicable`` False with
    :attr:`~playbook.review.codes.NoProjection.NO_BRIDGE_ROW` when the metric has no value for ``month``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tree = SimpleNamespace(kgi=SimpleNamespace(metric="revenue_12m", target=130.0, deadline=pd.Period("2026-06", "M")))
    >>> k = pd.DataFrame({"month": pd.period_range("2026-01", "2026-04", freq="M"), "kpi": "revenue_12m",
    ...                   "value": [100.0, 104.0, 106.0, 112.0]})
    >>> p = _level_projection(tree, k, pd.Period("2026-04", "M"), 3)  # (112 - 100) / 3 = 4 a month; 2 months left
    >>> p["run_rate_per_month"], p["needed_per_month"], p["projected"], p["gap"], str(p["outlook"])
    (4.0, 9.0, 120.0, 10.0, 'off course')
    """
    metric = tree.kgi.metric
    h = kpis[kpis["kpi"] == metric].set_index("month")["value"].sort_index()
    h = h[h.index <= month]
    if month not in h.index or pd.isna(h.get(month)):
        return {"applicable": False, "reason": NoProjection.NO_BRIDGE_ROW, "metric": metric, "month": month}
    now = float(h[month])
    back = h[h.index <= month - run_rate_months]
    rate = (now - float(back.iloc[-1])) / (month - back.index[-1]).n if len(back) else float("nan")
    left = (tree.kgi.deadline - month).n
    projected = now + rate * max(left, 0) if pd.notna(rate) else now
    return {
        "applicable": True,
        "kind": "level",
        "metric": metric,
        "months_left": left,
        "current": now,
        "target": tree.kgi.target,
        "needed_per_month": (tree.kgi.target - now) / left if left > 0 else float("nan"),
        "run_rate_per_month": rate,
        "projected": projected,
        "gap": tree.kgi.target - projected,
        "outlook": kgi_outlook(projected, now, tree.kgi.target, left, kpi(metric).direction),
    }
