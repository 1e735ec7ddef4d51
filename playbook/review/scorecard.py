"""The monthly PDCA review: scorecard (Check), drivers (Why), accounts to act on (Who), actions (Do), rules (Act).

Only complete months are scored: callers pass months from ``review_month``,
which refuses an incomplete one, and :func:`scorecard` refuses a month with no
history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.data.dataset import Dataset
from playbook.data.errors import DataValidationError, Problem
from playbook.kpis.catalog import kpi
from playbook.kpis.revenue import mrr_movements
from playbook.kpis.snapshots import dataset_snapshots
from playbook.kpis.usage import onboarded
from playbook.review.codes import NONE, STATUSES, ActRule, Recommendation, Status, TreeCheck, Trend, Verdict
from playbook.review.goals import KPITree

__all__ = [
    "STATUSES",
    "attainment",
    "status",
    "scorecard",
    "status_history",
    "three_month_trend",
    "act_recommendations",
    "act_plan",
    "BELOW_TARGET",
    "open_actions",
    "action_effects",
    "segment_drivers",
    "biggest_moves",
    "early_warnings",
    "WARNING_SIGNS",
]


def attainment(actual, target, direction: str) -> np.ndarray:
    """actual / target when higher is better, target / actual when lower is better.

    NaN where the ratio means nothing (a target <= 0 when higher is better, a
    negative actual when lower is better); infinite for an actual of 0 when lower
    is better.

    Parameters
    ----------
    actual : array-like of float
        The KPI values.
    target : array-like of float
        The targets, aligned with ``actual``.
    direction : {"higher", "lower"}
        Which way is better; anything but ``"higher"`` counts as lower.

    Returns
    -------
    numpy.ndarray
        The float attainment of each element: 1.0 is exactly on target, above 1 better than the target.

    Examples
    --------
    >>> attainment([0.9, 1.2], [1.0, 1.0], "higher").tolist()
    [0.9, 1.2]
    >>> attainment([0.025, 0.0], [0.02, 0.02], "lower").round(4).tolist()  # churn 2.5% against a 2% target
    [0.8, inf]
    """
    a = np.asarray(actual, dtype="float64")
    t = np.asarray(target, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        if direction == "higher":
            return np.where(t > 0, a / t, np.nan)
        return np.where(a > 0, t / a, np.where(a == 0, np.inf, np.nan))


def status(att, actual, target, direction: str, thresholds: dict) -> np.ndarray:
    """``achieved`` / ``on track`` / ``at risk`` / ``off track`` from the attainment and the YAML thresholds.

    ``no data`` without an actual, ``no target`` without a target; where the
    attainment is undefined, the plain comparison decides (achieved or off track).

    Parameters
    ----------
    att : array-like of float
        The attainment (:func:`attainment`).
    actual : array-like of float
        The KPI values, aligned with ``att``.
    target : array-like of float
        The targets, aligned with ``att``.
    direction : {"higher", "lower"}
        Which way is better; anything but ``"higher"`` counts as lower.
    thresholds : dict
        The tree's status thresholds: the lowest attainment for ``achieved``, ``on_track`` and ``at_risk``.

    Returns
    -------
    numpy.ndarray
        The status of each element as text (the :class:`~playbook.review.codes.Status` values):
        ``achieved`` from ``thresholds["achieved"]``, ``on track`` from ``on_track``, ``at risk`` from
        ``at_risk``, else ``off track``; or ``no data`` / ``no target``.

    Examples
    --------
    >>> th = {"achieved": 1.0, "on_track": 0.95, "at_risk": 0.85}
    >>> status([1.0, 0.95, 0.9499, 0.85, 0.8], [1] * 5, [1] * 5, "higher", th).tolist()
    ['achieved', 'on track', 'at risk', 'at risk', 'off track']
    """
    att = np.asarray(att, dtype="float64")
    a = np.asarray(actual, dtype="float64")
    t = np.asarray(target, dtype="float64")
    better = 1 if direction == "higher" else -1
    out = np.select(
        [
            np.isnan(a),
            np.isnan(t),
            np.isnan(att) & (better * (a - t) >= 0),
            np.isnan(att),
            att >= thresholds["achieved"],
            att >= thresholds["on_track"],
            att >= thresholds["at_risk"],
        ],
        [
            Status.NO_DATA,
            Status.NO_TARGET,
            Status.ACHIEVED,
            Status.OFF_TRACK,
            Status.ACHIEVED,
            Status.ON_TRACK,
            Status.AT_RISK,
        ],
        Status.OFF_TRACK,
    )
    return out


def three_month_trend(values: pd.Series, direction: str, month, *, months: int = 3, noise_months: int = 12) -> dict:
    """The 3-month trend of a KPI, with the numbers it is computed from.

    The trend compares the value in the review month with the value ``months`` months
    before (both must be measured: no value is carried over a gap) against the KPI's
    usual month-to-month move, the median absolute change between consecutive months
    that both have a value, over the ``noise_months`` months up to the review month
    (at least 3 such changes). It is ``flat`` when the change is no larger than that
    usual move, otherwise ``improving`` or ``worsening`` by the KPI's better direction.

    So the trend never contradicts the months behind it: when each of the last
    ``months`` monthly changes goes the same way by more than ``band / months``, their
    sum exceeds ``band`` and the trend says that way; a KPI that did not worsen in any
    of those months is never ``worsening``.

    Parameters
    ----------
    values : pandas.Series
        The KPI's monthly values, indexed by ``pandas.Period`` months; NaN (or a missing
        month) where the KPI has no value, e.g. a month without an NPS survey.
    direction : {"higher", "lower"}
        Which way is better; anything but ``"higher"`` counts as lower.
    month : str or pandas.Period
        The review month; later values are ignored.
    months : int, default 3
        How many months back the change is measured from.
    noise_months : int, default 12
        The window, ending with ``month``, of the monthly changes that set the usual move.

    Returns
    -------
    dict
        ``trend`` (a :class:`~playbook.review.codes.Trend`, or ``–`` without both values or with
        fewer than 3 monthly changes), ``change`` (the value in ``month`` minus the value ``months``
        before; NaN when either is missing), ``since`` (that earlier month), ``band`` (the usual
        move; NaN with fewer than 3 changes) and ``n_changes`` (the monthly changes behind ``band``).

    Examples
    --------
    >>> v = pd.Series([0.50, 0.52, 0.51, 0.50, 0.51, 0.50, 0.52, 0.55, 0.58, 0.60],
    ...               index=pd.period_range("2026-01", periods=10, freq="M"))
    >>> t = three_month_trend(v, "higher", "2026-10")
    >>> str(t["trend"]), round(t["change"], 2), str(t["since"]), round(t["band"], 2)  # 0.52 -> 0.60, usual move 0.02
    ('improving', 0.08, '2026-07', 0.02)
    >>> three_month_trend(v.iloc[[3, 9]], "higher", "2026-10")["trend"]  # two values six months apart
    '–'
    """
    month = pd.Period(month, freq="M")
    since = month - months
    v = pd.Series(values, dtype="float64")
    v = v[v.index <= month]
    now, before = v.get(month, np.nan), v.get(since, np.nan)
    window = v.reindex(pd.period_range(month - noise_months, month, freq="M"))
    moves = window.diff().dropna().abs()  # only between consecutive months that both have a value
    band = float(moves.median()) if len(moves) >= 3 else np.nan
    change = float(now - before)
    if np.isnan(change) or np.isnan(band):
        trend = NONE
    elif abs(change) <= band:
        trend = Trend.FLAT
    else:
        trend = Trend.IMPROVING if (change > 0) == (direction == "higher") else Trend.WORSENING
    return {"trend": trend, "change": change, "since": since, "band": band, "n_changes": len(moves)}


def status_history(tree: KPITree, history: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Attainment and status of every KPI goal in every month of ``targets`` (long table).

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`~playbook.review.goals.load_kpi_tree`); its KPI goals'
        directions and its ``thresholds`` are used.
    history : pandas.DataFrame
        The goals' history (:func:`~playbook.review.goals.goal_history`): ``goal``, ``month``, ``value``.
    targets : pandas.DataFrame
        The targets (:func:`~playbook.review.goals.target_paths`): indexed by month, one column per KPI
        goal id.

    Returns
    -------
    pandas.DataFrame
        One row per KPI goal and month of ``targets``: ``month``, ``goal``, ``actual`` (NaN where the
        history has no value), ``target``, ``attainment``, ``status``.
    """
    rows = []
    for g in tree.kpis:
        h = history[history["goal"] == g.id].set_index("month")["value"].reindex(targets.index)
        att = attainment(h, targets[g.id], g.direction)
        rows.append(
            pd.DataFrame(
                {
                    "month": targets.index,
                    "goal": g.id,
                    "actual": h.to_numpy(),
                    "target": targets[g.id].to_numpy(),
                    "attainment": att,
                    "status": status(att, h, targets[g.id], g.direction, tree.thresholds),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def scorecard(tree: KPITree, history: pd.DataFrame, targets: pd.DataFrame, month, *, lang: str = "en") -> pd.DataFrame:
    """One row per KPI: actual, target for the month, gap, attainment, status, change vs last month, 3-month trend.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`~playbook.review.goals.load_kpi_tree`).
    history : pandas.DataFrame
        The goals' history (:func:`~playbook.review.goals.goal_history`): ``goal``, ``month``, ``value``,
        ``note``.
    targets : pandas.DataFrame
        The targets (:func:`~playbook.review.goals.target_paths`): indexed by month, one column per KPI
        goal id.
    month : str or pandas.Period
        The review month.
    lang : {"en", "ja"}, default "en"
        The language of the ``kpi`` column and of the ``owner`` (the tree's ``owner_ja`` in Japanese).

    Returns
    -------
    pandas.DataFrame
        One row per KPI goal: ``id``, ``kfs``, ``kpi`` (the metric's name in ``lang``, with the segment),
        ``metric``, ``unit``, ``direction``, ``actual``, ``target`` (for the month), ``gap`` (actual minus
        target), ``attainment``, ``status``, ``previous_status`` (``–`` when there is none), ``change_1m``
        (actual minus last month's), ``trend`` (``improving`` / ``worsening`` / ``flat``, or ``–``; see
        :func:`three_month_trend`) with what it is computed from: ``trend_change`` (actual minus the
        value 3 months before), ``trend_since`` (that month, as text) and ``trend_band`` (the usual
        month-to-month move; a smaller change is ``flat``), then ``owner``, ``deadline`` (as text),
        ``final_target`` (the goal's target at its deadline) and ``note`` (the history's note for the
        month).

    Raises
    ------
    DataValidationError
        ``month`` has no history or no target (an incomplete or future month is never scored).
    """
    month = pd.Period(month, freq="M")
    if month not in set(history["month"]) or month not in targets.index:
        raise DataValidationError(Problem("parameters", "month", f"{month} has no complete data to score"))
    sh = status_history(tree, history, targets)
    rows = []
    for g in tree.kpis:
        s = sh[sh["goal"] == g.id].set_index("month")
        now = s.loc[month]
        prev = s["actual"].get(month - 1, np.nan)
        trend = three_month_trend(s["actual"], g.direction, month)
        note = history[(history["goal"] == g.id) & (history["month"] == month)]["note"]
        rows.append(
            {
                "id": g.id,
                "kfs": g.kfs,
                "kpi": g.name(lang),
                "metric": g.metric,
                "unit": kpi(g.metric).unit,
                "direction": g.direction,
                "actual": now["actual"],
                "target": now["target"],
                "gap": now["actual"] - now["target"],
                "attainment": now["attainment"],
                "status": now["status"],
                "previous_status": s["status"].get(month - 1, NONE),
                "change_1m": now["actual"] - prev,
                "trend": trend["trend"],
                "trend_change": trend["change"],
                "trend_since": str(trend["since"]),
                "trend_band": trend["band"],
                "owner": g.display_owner(lang),
                "deadline": str(g.deadline),
                "final_target": g.target,
                "note": note.iloc[0] if len(note) else "",
            }
        )
    return pd.DataFrame(rows)


def act_recommendations(
    tree: KPITree, status_hist: pd.DataFrame, smart: pd.DataFrame, tree_check: pd.DataFrame, month
) -> pd.DataFrame:
    """The Act rules of the spec, each with the rule and the numbers that triggered it.

    - off track for 3 consecutive months -> revise the action plan;
    - achieved by a wide margin (``limits.wide_margin``) for 3 months -> raise the target;
    - did not improve with the KGI over 12 months (r in the KPI's better direction < ``limits.min_correlation``;
      a KPI moving against the KGI counts too) -> consider replacing it;
    - too many KPIs -> trim; no short-horizon KPI -> add one.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`~playbook.review.goals.load_kpi_tree`); its ``thresholds``
        and ``limits`` set the rules.
    status_hist : pandas.DataFrame
        The statuses (:func:`status_history`): ``goal``, ``month``, ``status``, ``attainment``.
    smart : pandas.DataFrame
        The SMART check (:func:`~playbook.review.goals.smart_check`): ``goal``, ``correlation`` and,
        when present, ``correlation_n``.
    tree_check : pandas.DataFrame
        The tree checks (:func:`~playbook.review.goals.tree_checks`): ``check``, ``status``.
    month : str or pandas.Period
        The review month; the 3-month rules look at it and the two months before.

    Returns
    -------
    pandas.DataFrame
        One row per rule that fired: ``rule`` (an :class:`~playbook.review.codes.ActRule`), ``goal`` (the
        KPI goal id, or ``(tree)`` for a rule about the whole tree), ``recommendation`` (a
        :class:`~playbook.review.codes.Recommendation`) and ``evidence``, the numbers that fired it as a
        dict (no prose: the report words them): ``from``, ``to`` (the first and last month, Periods) and
        ``attainment`` (a tuple of the 3 months) for the 3-month rules, with ``floor`` (the ``at_risk``
        threshold) for ``off track 3 months`` and ``margin`` (the wide-margin attainment) for ``wide margin 3
        months``; ``correlation``, ``n`` and ``floor`` (``limits.min_correlation``) for ``not moving with
        the KGI``; ``n`` (KPIs) and ``limit`` (``limits.max_kpis``) for the tree rules. Empty, with these
        columns, when none fired.
    """
    month = pd.Period(month, freq="M")
    last3 = pd.period_range(month - 2, month, freq="M")
    margin = tree.thresholds["achieved"] + tree.limits["wide_margin"]
    out = []
    for g in tree.kpis:
        s = (
            status_hist[(status_hist["goal"] == g.id) & status_hist["month"].isin(last3)]
            .set_index("month")
            .reindex(last3)
        )
        months = {"from": last3[0], "to": month, "attainment": tuple(float(a) for a in s["attainment"])}
        if (s["status"] == Status.OFF_TRACK).all():
            out.append(
                (ActRule.OFF_TRACK_3M, g.id, Recommendation.REVISE, {**months, "floor": tree.thresholds["at_risk"]})
            )
        if (s["attainment"] >= margin).all():
            out.append((ActRule.WIDE_MARGIN_3M, g.id, Recommendation.RAISE, {**months, "margin": margin}))
        row = smart[smart["goal"] == g.id]
        if (
            len(row)
            and not np.isnan(row["correlation"].iloc[0])
            and row["correlation"].iloc[0] < tree.limits["min_correlation"]  # signed: moving against the KGI counts
        ):
            n = int(row["correlation_n"].iloc[0]) if "correlation_n" in row.columns else 0
            evidence = {
                "correlation": float(row["correlation"].iloc[0]),
                "n": n,
                "floor": tree.limits["min_correlation"],
            }
            out.append((ActRule.NOT_RELATED, g.id, Recommendation.REPLACE, evidence))
    for check, rule, rec in (
        (TreeCheck.KPI_COUNT, ActRule.TOO_MANY, Recommendation.TRIM),
        (TreeCheck.SHORT_HORIZON, ActRule.NO_SHORT_HORIZON, Recommendation.ADD),
    ):
        r = tree_check[tree_check["check"] == check]
        if len(r) and r["status"].iloc[0] != "pass":
            out.append((rule, "(tree)", rec, {"n": len(tree.kpis), "limit": int(tree.limits["max_kpis"])}))
    return pd.DataFrame(out, columns=["rule", "goal", "recommendation", "evidence"])


def open_actions(actions: pd.DataFrame | None, month) -> pd.DataFrame:
    """The actions under way in ``month``: started by its end and with status ``open`` (any status without the column).

    Parameters
    ----------
    actions : pandas.DataFrame or None
        The ``actions`` table: ``action_id``, ``kpi``, ``start_date`` and, optionally, ``status``.
    month : str or pandas.Period
        The review month.

    Returns
    -------
    pandas.DataFrame
        The rows of ``actions`` that are open in ``month`` (empty, with the columns ``action_id`` and
        ``kpi``, without an actions table).

    Examples
    --------
    >>> a = pd.DataFrame({"action_id": ["A1", "A2", "A3"], "kpi": ["nps"] * 3, "status": ["open", "done", "open"],
    ...                   "start_date": pd.to_datetime(["2026-01-10", "2026-02-01", "2026-11-01"])})
    >>> open_actions(a, "2026-10")["action_id"].tolist()  # A2 is done, A3 starts after the month
    ['A1']
    """
    if actions is None or actions.empty:
        return pd.DataFrame(columns=["action_id", "kpi"])
    month = pd.Period(month, freq="M")
    started = pd.to_datetime(actions["start_date"]).dt.to_period("M") <= month
    is_open = (
        actions["status"].astype("str").str.strip().str.lower().eq("open")
        if "status" in actions.columns
        else pd.Series(True, index=actions.index)
    )
    return actions[started & is_open]


#: The statuses of a KPI below its target this month, which needs an action under way (:func:`act_plan`).
BELOW_TARGET = (Status.AT_RISK, Status.OFF_TRACK)


def act_plan(
    tree: KPITree,
    rules: pd.DataFrame,
    status_hist: pd.DataFrame,
    smart: pd.DataFrame,
    actions: pd.DataFrame | None,
    month,
) -> pd.DataFrame:
    """One recommendation per KPI (and one per rule about the whole tree), merging the Act rules that fired.

    Precedence, first match wins:

    1. the KPI did not move with the KGI -> ``consider replacing this KPI`` (raising its
       target or revising its plan would not move the KGI either);
    2. off track for 3 months -> ``revise the action plan`` when an action on it is
       open, ``start an action`` when none is;
    3. achieved by a wide margin for 3 months -> ``raise the target``;
    4. below its target this month (``at risk`` or ``off track``, :data:`BELOW_TARGET`) with no open
       action -> ``start an action``;
    5. otherwise ``keep the plan``.

    Every fired rule stays in ``rules``, so a replaced KPI still shows that it was also
    beaten by a wide margin. ``no_open_action`` flags a KPI below its target this month (at risk or
    off track) with no open action in the actions log, whatever the recommendation (:func:`open_actions`; an action counts for a KPI
    goal when its ``kpi`` is the goal's metric or its id).

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree; its KPI goals in order.
    rules : pandas.DataFrame
        The fired rules (:func:`act_recommendations`): ``rule``, ``goal``, ``evidence``.
    status_hist : pandas.DataFrame
        The statuses (:func:`status_history`): ``goal``, ``month``, ``status``, ``attainment``.
    smart : pandas.DataFrame
        The SMART check (:func:`~playbook.review.goals.smart_check`): ``goal``, ``correlation`` and,
        when present, ``correlation_n``.
    actions : pandas.DataFrame or None
        The ``actions`` table, or None.
    month : str or pandas.Period
        The review month.

    Returns
    -------
    pandas.DataFrame
        One row per KPI goal in the tree's order, then one per fired tree rule (``goal`` = ``(tree)``):
        ``goal``, ``status`` (this month; empty for the tree), ``recommendation`` (a
        :class:`~playbook.review.codes.Recommendation`), ``rules`` (the fired rules, a tuple in the
        order above), ``evidence`` (their evidence dicts, a tuple), ``attainment_3m`` (the attainment of the
        review month and the 2 months before, a tuple), ``wide_margin`` (the attainment that counts as
        a wide margin), ``correlation`` and ``correlation_n`` (with the KGI, from ``smart``),
        ``open_actions`` (the ids, a tuple) and ``no_open_action`` (bool).
    """
    month = pd.Period(month, freq="M")
    last3 = pd.period_range(month - 2, month, freq="M")
    margin = tree.thresholds["achieved"] + tree.limits["wide_margin"]
    under_way = open_actions(actions, month)
    order = [ActRule.NOT_RELATED, ActRule.OFF_TRACK_3M, ActRule.WIDE_MARGIN_3M]
    sm = smart.set_index("goal")
    rows = []
    for g in tree.kpis:
        fired = rules[rules["goal"] == g.id].set_index("rule")["evidence"]
        names = tuple(r for r in order if r in fired.index)
        s = status_hist[status_hist["goal"] == g.id].set_index("month").reindex(last3)
        now = s["status"].iloc[-1] if isinstance(s["status"].iloc[-1], str) else Status.NO_DATA
        ids = tuple(under_way.loc[under_way["kpi"].isin([g.metric, g.id]), "action_id"].astype("str"))
        lacking = now in BELOW_TARGET and not ids
        if ActRule.NOT_RELATED in names:
            rec = Recommendation.REPLACE
        elif ActRule.OFF_TRACK_3M in names:
            rec = Recommendation.REVISE if ids else Recommendation.START
        elif ActRule.WIDE_MARGIN_3M in names:
            rec = Recommendation.RAISE
        elif lacking:
            rec = Recommendation.START
        else:
            rec = Recommendation.KEEP
        rows.append(
            {
                "goal": g.id,
                "status": now,
                "recommendation": rec,
                "rules": names,
                "evidence": tuple(fired[r] for r in names),
                "attainment_3m": tuple(float(a) for a in s["attainment"]),
                "wide_margin": margin,
                "correlation": float(sm["correlation"].get(g.id, np.nan)),
                "correlation_n": int(sm["correlation_n"].get(g.id, 0)) if "correlation_n" in sm.columns else 0,
                "open_actions": ids,
                "no_open_action": bool(lacking),
            }
        )
    tree_recs = {ActRule.TOO_MANY: Recommendation.TRIM, ActRule.NO_SHORT_HORIZON: Recommendation.ADD}
    for r in rules[rules["goal"] == "(tree)"].itertuples(index=False):
        rows.append(
            {
                "goal": "(tree)",
                "status": "",
                "recommendation": tree_recs[r.rule],
                "rules": (r.rule,),
                "evidence": (r.evidence,),
                "attainment_3m": (),
                "wide_margin": margin,
                "correlation": np.nan,
                "correlation_n": 0,
                "open_actions": (),
                "no_open_action": False,
            }
        )
    return pd.DataFrame(rows)


def _by_measured_month(rows: pd.DataFrame) -> pd.Series:
    """A KPI's values by the month they measure: a cohort KPI's value (note ``cohort YYYY-MM``) by its cohort."""
    cohort = rows["note"].astype("str").str.extract(r"^cohort (\d{4}-\d{2})$", expand=False)
    months = pd.PeriodIndex([pd.Period(c, "M") if isinstance(c, str) else m for c, m in zip(cohort, rows["month"])])
    series = pd.Series(rows["value"].to_numpy(dtype="float64"), index=months).sort_index()
    # a month can be both a cohort's place and a report month without a cohort (a small book's empty cohort):
    # one value per month, the measured one
    return series.groupby(level=0).first()


def action_effects(actions: pd.DataFrame | None, kpis: pd.DataFrame, month, *, before_months: int = 3) -> pd.DataFrame:
    """Each action with its KPI before it started (mean of the ``before_months`` months before) and since (mean up to ``month``).

    ``kpis`` is a ``compute_kpis`` table covering those months. A cohort KPI (its note
    says ``cohort YYYY-MM``, e.g. onboarding completion, reported once the cohort's
    window has closed) is placed at the month of its cohort, so a cohort that signed
    up before the action is never credited to it. A ``dropped`` action is judged on
    the months it ran (up to its ``due_date`` when the table has one). The verdict is
    direction-aware (``improved`` / ``worsened``), ``no change`` when the change is no
    larger than the KPI's usual month-to-month move before the action (the median
    absolute change between consecutive months over the 12 months before it, as the
    3-month trend uses; 2% of the before mean with fewer than 3 such changes), or
    ``too early`` for an action that started in the review month or later.

    Parameters
    ----------
    actions : pandas.DataFrame or None
        The ``actions`` table: ``action_id``, ``kpi`` (a KPI id), ``action``, ``owner``, ``start_date``
        and, optionally, ``status`` and ``due_date``. None or an empty table gives an empty result.
    kpis : pandas.DataFrame
        A :func:`~playbook.kpis.catalog.compute_kpis` table: ``month``, ``kpi``, ``value`` and ``note``.
    month : str or pandas.Period
        The review month: the "since" mean runs from the action's start month to it.
    before_months : int, default 3
        How many months before the start month make the "before" mean.

    Returns
    -------
    pandas.DataFrame
        One row per action: ``action_id``, ``kpi``, ``action``, ``owner``, ``status``, ``start_date``
        (YYYY-MM-DD), ``before``, ``since``, ``change`` (since minus before), ``band`` (the usual
        move) and ``verdict``: ``KPI not computed`` when ``kpis`` lacks the KPI, ``too early``,
        ``no data`` when a mean is missing (e.g. no NPS survey while a dropped action ran),
        ``no change``, else ``improved`` or ``worsened``.
    """
    cols = ["action_id", "kpi", "action", "owner", "status", "start_date", "before", "since", "change", "band"]
    cols += ["verdict"]
    if actions is None or actions.empty:
        return pd.DataFrame(columns=cols)
    month = pd.Period(month, freq="M")
    rows = []
    for a in actions.itertuples(index=False):  # a handful of actions
        start = pd.Timestamp(a.start_date).to_period("M")
        rows_k = kpis[kpis["kpi"] == a.kpi]
        series = _by_measured_month(rows_k.assign(note=rows_k.get("note", "")))
        end = month
        due = getattr(a, "due_date", None)
        if getattr(a, "status", "") == "dropped" and due is not None and not pd.isna(due):
            end = min(month, pd.Timestamp(due).to_period("M"))
        before = series[(series.index >= start - before_months) & (series.index < start)].mean()
        since = series[(series.index >= start) & (series.index <= end)].mean()
        change = since - before
        history = series[(series.index >= start - 12) & (series.index < start)]
        history = history.reindex(pd.period_range(start - 12, start - 1, freq="M"))
        moves = history.diff().dropna().abs()
        band = float(moves.median()) if len(moves) >= 3 else 0.02 * max(abs(before), 1e-9)
        if a.kpi not in set(kpis["kpi"]):
            verdict = Verdict.NOT_COMPUTED
        elif start >= month:
            verdict = Verdict.TOO_EARLY
        elif np.isnan(change):
            verdict = Verdict.NO_DATA
        else:
            better = 1 if kpi(a.kpi).direction == "higher" else -1
            verdict = (
                Verdict.NO_CHANGE
                if abs(change) <= band
                else Verdict.IMPROVED
                if better * change > 0
                else Verdict.WORSENED
            )
        rows.append(
            {
                "action_id": a.action_id,
                "kpi": a.kpi,
                "action": a.action,
                "owner": a.owner,
                "status": getattr(a, "status", ""),
                "start_date": pd.Timestamp(a.start_date).strftime("%Y-%m-%d"),
                "before": before,
                "since": since,
                "change": change,
                "band": band,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def onboarding_status(ds: Dataset, *, days: int = 30) -> pd.Series:
    """Per account: "onboarded" if every milestone was completed within ``days`` of signup, else "not onboarded"."""
    if ds.onboarding is None:
        return pd.Series("unknown", index=pd.Index(ds.accounts["account_id"]), dtype="str")
    done = onboarded(ds.onboarding, ds.accounts, days=days)
    return pd.Series(np.where(done, "onboarded", "not onboarded"), index=done.index, dtype="str")


def segment_drivers(ds: Dataset, month, by: str, *, months_back: int = 3) -> pd.DataFrame:
    """Logo churn and NRR per segment over the ``months_back`` months ending ``month`` (pooled, so small segments are not all noise).

    ``by`` is an accounts column (``plan``, ``company_size``, ...) or ``onboarding``.

    Parameters
    ----------
    ds : Dataset
        The validated dataset: its MRR (subscriptions or monthly MRR), accounts and, for
        ``by="onboarding"``, onboarding.
    month : str or pandas.Period
        The last month of the window.
    by : str
        An accounts column, or ``"onboarding"`` to split accounts by whether they completed every
        onboarding milestone within 30 days of signup (all ``unknown`` without an onboarding table).
    months_back : int, default 3
        The length of the window in months.

    Returns
    -------
    pandas.DataFrame
        One row per segment, largest ``customers_start`` first: the segment in a column named ``by``
        (``(none)`` for a missing accounts value, ``(unknown)`` for an account missing from accounts),
        ``customers_start`` (account-months paying at a month start, summed over the window), ``churned``
        (how many of those churned in the month), ``mrr_start``, ``kept_mrr`` (start MRR plus expansion
        minus contraction and churned MRR), ``logo_churn_rate`` (churned / customers_start) and ``nrr``
        (kept_mrr / mrr_start).

    Raises
    ------
    DataValidationError
        ``by`` is neither an accounts column nor ``"onboarding"``.
    """
    month = pd.Period(month, freq="M")
    window = pd.period_range(month - (months_back - 1), month, freq="M")
    mv = mrr_movements(dataset_snapshots(ds, month), window)
    if by == "onboarding":
        seg = onboarding_status(ds)
    elif by in ds.accounts.columns:
        seg = ds.accounts.set_index("account_id")[by].fillna("(none)").astype("str")
    else:
        raise DataValidationError(
            Problem(
                "parameters",
                "by",
                f"no accounts column {by!r}; choose one of {list(ds.accounts.columns)} or 'onboarding'",
            )
        )
    mv["segment"] = mv["account_id"].map(seg).fillna("(unknown)")
    start = mv[mv["mrr_start"] > 0].assign(lost=lambda d: d["churned"] > 0)
    g = start.groupby("segment")
    out = pd.DataFrame(
        {
            "customers_start": g.size(),
            "churned": g["lost"].sum(),
            "mrr_start": g["mrr_start"].sum(),
            "kept_mrr": g["mrr_start"].sum() + g["expansion"].sum() - g["contraction"].sum() - g["churned"].sum(),
        }
    )
    out["logo_churn_rate"] = out["churned"] / out["customers_start"]
    out["nrr"] = out["kept_mrr"] / out["mrr_start"]
    out.index.name = by
    return out.reset_index().sort_values("customers_start", ascending=False, kind="stable").reset_index(drop=True)


def biggest_moves(ds: Dataset, month, *, n: int = 10) -> pd.DataFrame:
    """The accounts whose MRR changed most in ``month`` (either way), with the kind of move.

    Parameters
    ----------
    ds : Dataset
        The validated dataset.
    month : str or pandas.Period
        The month of the moves.
    n : int, default 10
        How many accounts to return at most.

    Returns
    -------
    pandas.DataFrame
        The accounts whose MRR changed, largest absolute change first: ``account_id``, ``move`` (``new``,
        ``reactivation``, ``expansion``, ``contraction`` or ``churned``), ``mrr_start``, ``mrr_end``,
        ``change`` (mrr_end minus mrr_start), and ``name``, ``plan``, ``owner`` where the accounts table
        has them.
    """
    month = pd.Period(month, freq="M")
    mv = mrr_movements(dataset_snapshots(ds, month), pd.PeriodIndex([month]))
    mv = mv.assign(change=mv["mrr_end"] - mv["mrr_start"])
    mv = mv[mv["change"] != 0]
    kinds = ["new", "reactivation", "expansion", "contraction", "churned"]
    mv["move"] = mv[kinds].gt(0).idxmax(axis=1)
    mv = mv.reindex(mv["change"].abs().sort_values(ascending=False, kind="stable").index).head(n)
    names = ds.accounts.set_index("account_id")
    cols = [c for c in ("name", "plan", "owner") if c in names.columns]
    out = mv[["account_id", "move", "mrr_start", "mrr_end", "change"]].join(names[cols], on="account_id")
    return out.reset_index(drop=True)


#: The numbers behind the warning signs of :func:`early_warnings`, one column each.
WARNING_SIGNS = ("sessions", "sessions_before", "nps_score", "tickets", "contraction")


def early_warnings(ds: Dataset, month, *, drop: float = 0.5) -> pd.DataFrame:
    """Accounts paying at the end of ``month`` with transparent warning signs, ranked by MRR.

    Signs: sessions this month below ``drop`` x their mean of the 3 months before;
    an NPS detractor answer in the last 6 months; an escalated or slow (> 24 h to
    first response) ticket in the last 2 months; MRR contraction this month.
    A rule-based list; the health score and churn-risk model replace it when present.

    Parameters
    ----------
    ds : Dataset
        The validated dataset; the usage, NPS and support signs need the ``usage``, ``surveys`` and
        ``tickets`` tables and are skipped without them.
    month : str or pandas.Period
        The review month.
    drop : float, default 0.5
        The usage sign fires when this month's sessions are below ``drop`` times the mean of the 3 months
        before, and that mean is at least 5 sessions.

    Returns
    -------
    pandas.DataFrame
        One row per account with at least one sign: ``account_id``, ``mrr`` (at the end of ``month``),
        ``signs`` (how many), then each sign's numbers, NaN where it does not fire (the report words them):
        ``sessions`` and ``sessions_before`` (this month's sessions and the mean of the 3 months before,
        rounded), ``nps_score`` (the lowest detractor score), ``tickets`` (escalated or slow tickets) and
        ``contraction`` (the MRR lost this month, rounded), and ``name``, ``plan``, ``owner`` where the
        accounts table has them; most signs first, then highest MRR.
    """
    month = pd.Period(month, freq="M")
    snaps = dataset_snapshots(ds, month)
    now = snaps[snaps["month"] == month].set_index("account_id")["mrr"]
    before = snaps[snaps["month"] == month - 1].set_index("account_id")["mrr"]
    nan = pd.Series(np.nan, index=now.index, dtype="float64")
    sign = {}  # per sign: the number it shows, NaN where the sign does not fire
    if ds.usage is not None:
        am = ds.usage.account_month
        recent = am[am["month"].between(month - 3, month)]
        counts = recent.set_index(["account_id", "month"])["sessions"].unstack(fill_value=0)
        counts = counts.reindex(columns=pd.period_range(month - 3, month, freq="M"), fill_value=0).reindex(
            now.index, fill_value=0
        )
        base = counts.iloc[:, :3].mean(axis=1)
        fired = (base >= 5) & (counts.iloc[:, 3] < drop * base)
        sign["sessions"] = counts.iloc[:, 3].astype("float64").where(fired)
        sign["sessions_before"] = base.round().where(fired)
    if ds.surveys is not None:
        s = ds.surveys
        m = s["date"].dt.to_period("M")
        det = s[(s["survey"] == "nps") & (s["score"] <= 6) & (m > month - 6) & (m <= month)]
        sign["nps_score"] = det.groupby("account_id")["score"].min().reindex(now.index).astype("float64")
    if ds.tickets is not None:
        t = ds.tickets
        m = t["opened_at"].dt.to_period("M")
        recent = t[(m > month - 2) & (m <= month)]
        slow = (
            ((recent["first_response_at"] - recent["opened_at"]).dt.total_seconds() / 3600 > 24)
            if "first_response_at" in t.columns
            else False
        )
        esc = recent["escalated"].fillna(False).astype(bool) if "escalated" in t.columns else False
        sign["tickets"] = recent[slow | esc].groupby("account_id").size().reindex(now.index).astype("float64")
    shrink = now - before.reindex(now.index).fillna(0)
    sign["contraction"] = (-shrink).round().where(shrink < 0)
    values = pd.DataFrame({c: sign.get(c, nan) for c in WARNING_SIGNS})
    signs = values[[c for c in WARNING_SIGNS if c != "sessions_before"]].notna().sum(axis=1)
    out = pd.DataFrame({"account_id": now.index, "mrr": now.to_numpy(), "signs": signs.to_numpy()})
    out = pd.concat([out, values.reset_index(drop=True)], axis=1)
    out = out[out["signs"] > 0]
    names = ds.accounts.set_index("account_id")
    cols = [c for c in ("name", "plan", "owner") if c in names.columns]
    out = out.join(names[cols], on="account_id")
    return out.sort_values(["signs", "mrr"], ascending=[False, False], kind="stable").reset_index(drop=True)
