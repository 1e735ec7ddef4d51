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
from playbook.review.codes import NONE, STATUSES, Status, Trend, Verdict
from playbook.review.goals import KPITree

__all__ = [
    "STATUSES",
    "attainment",
    "status",
    "scorecard",
    "status_history",
    "act_recommendations",
    "action_effects",
    "segment_drivers",
    "biggest_moves",
    "early_warnings",
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


def _trend(values: pd.Series, direction: str) -> str:
    v = values.dropna().iloc[-3:]
    if len(v) < 3:
        return NONE
    slope = (v.iloc[-1] - v.iloc[0]) / 2
    scale = max(abs(v.mean()), 1e-9)
    if abs(slope) < 0.01 * scale:
        return Trend.FLAT
    return Trend.IMPROVING if (slope > 0) == (direction == "higher") else Trend.WORSENING


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
        The language of the ``kpi`` column.

    Returns
    -------
    pandas.DataFrame
        One row per KPI goal: ``id``, ``kfs``, ``kpi`` (the metric's name in ``lang``, with the segment),
        ``metric``, ``unit``, ``direction``, ``actual``, ``target`` (for the month), ``gap`` (actual minus
        target), ``attainment``, ``status``, ``previous_status`` (``–`` when there is none), ``change_1m``
        (actual minus last month's), ``trend`` (``improving`` / ``worsening`` / ``flat`` over the last 3
        values, ``–`` with fewer), ``owner``, ``deadline`` (as text), ``final_target`` (the goal's target
        at its deadline) and ``note`` (the history's note for the month).

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
                "trend": _trend(s["actual"].loc[:month], g.direction),
                "owner": g.owner,
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
    - did not move with the KGI over 12 months (|r| < ``limits.min_correlation``) -> consider replacing it;
    - too many KPIs -> trim; no short-horizon KPI -> add one.

    Parameters
    ----------
    tree : KPITree
        The validated KPI tree (:func:`~playbook.review.goals.load_kpi_tree`); its ``thresholds``
        and ``limits`` set the rules.
    status_hist : pandas.DataFrame
        The statuses (:func:`status_history`): ``goal``, ``month``, ``status``, ``attainment``.
    smart : pandas.DataFrame
        The SMART check (:func:`~playbook.review.goals.smart_check`): ``goal``, ``correlation``,
        ``R_reason``.
    tree_check : pandas.DataFrame
        The tree checks (:func:`~playbook.review.goals.tree_checks`): ``check``, ``status``, ``reason``.
    month : str or pandas.Period
        The review month; the 3-month rules look at it and the two months before.

    Returns
    -------
    pandas.DataFrame
        One row per rule that fired: ``rule``, ``goal`` (the KPI goal id, or ``(tree)`` for a rule about
        the whole tree), ``recommendation``, ``evidence``. Empty, with these columns, when none fired.
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
        atts = ", ".join("–" if np.isnan(a) else f"{a:.0%}" for a in s["attainment"])
        if (s["status"] == Status.OFF_TRACK).all():
            out.append(
                (
                    "off track 3 months",
                    g.id,
                    "revise the action plan",
                    f"off track in {last3[0]}–{month}; attainment {atts}",
                )
            )
        if (s["attainment"] >= margin).all():
            out.append(
                (
                    "wide margin 3 months",
                    g.id,
                    "raise the target",
                    f"attainment {atts} ≥ {margin:.0%} for 3 months (target {g.target:g})",
                )
            )
        row = smart[smart["goal"] == g.id]
        if (
            len(row)
            and not np.isnan(row["correlation"].iloc[0])
            and abs(row["correlation"].iloc[0]) < tree.limits["min_correlation"]
        ):
            out.append(
                (
                    "not moving with the KGI",
                    g.id,
                    "consider replacing this KPI",
                    row["R_reason"].iloc[0].split("; ", 1)[-1],
                )
            )
    for check, rule, text in (
        ("number of KPIs", "too many KPIs", "trim the tree"),
        ("short-horizon KPI", "no short-horizon KPI", "add a leading KPI"),
    ):
        r = tree_check[tree_check["check"] == check]
        if len(r) and r["status"].iloc[0] != "pass":
            out.append((rule, "(tree)", text, r["reason"].iloc[0]))
    return pd.DataFrame(out, columns=["rule", "goal", "recommendation", "evidence"])


def action_effects(actions: pd.DataFrame | None, kpis: pd.DataFrame, month, *, before_months: int = 3) -> pd.DataFrame:
    """Each action with its KPI before it started (mean of the ``before_months`` months before) and since (mean up to ``month``).

    ``kpis`` is a ``compute_kpis`` table covering those months; the verdict is
    direction-aware (``improved`` / ``worsened`` / ``no change``), or ``too early``
    for an action that started in the review month or later.

    Parameters
    ----------
    actions : pandas.DataFrame or None
        The ``actions`` table: ``action_id``, ``kpi`` (a KPI id), ``action``, ``owner``, ``start_date``
        and, optionally, ``status``. None or an empty table gives an empty result.
    kpis : pandas.DataFrame
        A :func:`~playbook.kpis.catalog.compute_kpis` table: ``month``, ``kpi``, ``value``.
    month : str or pandas.Period
        The review month: the "since" mean runs from the action's start month to it.
    before_months : int, default 3
        How many months before the start month make the "before" mean.

    Returns
    -------
    pandas.DataFrame
        One row per action: ``action_id``, ``kpi``, ``action``, ``owner``, ``status``, ``start_date``
        (YYYY-MM-DD), ``before``, ``since``, ``change`` (since minus before) and ``verdict``:
        ``KPI not computed`` when ``kpis`` lacks the KPI, ``too early``, ``no data`` when a mean is
        missing, ``no change`` for a change under 2% of the before mean, else ``improved`` or
        ``worsened``.
    """
    cols = ["action_id", "kpi", "action", "owner", "status", "start_date", "before", "since", "change", "verdict"]
    if actions is None or actions.empty:
        return pd.DataFrame(columns=cols)
    month = pd.Period(month, freq="M")
    rows = []
    for a in actions.itertuples(index=False):  # a handful of actions
        start = pd.Timestamp(a.start_date).to_period("M")
        series = kpis[kpis["kpi"] == a.kpi].set_index("month")["value"]
        before = series[(series.index >= start - before_months) & (series.index < start)].mean()
        since = series[(series.index >= start) & (series.index <= month)].mean()
        change = since - before
        if a.kpi not in set(kpis["kpi"]):
            verdict = Verdict.NOT_COMPUTED
        elif start >= month:
            verdict = Verdict.TOO_EARLY
        elif np.isnan(change):
            verdict = Verdict.NO_DATA
        else:
            better = 1 if kpi(a.kpi).direction == "higher" else -1
            scale = max(abs(before), 1e-9)
            verdict = (
                Verdict.NO_CHANGE
                if abs(change) < 0.02 * scale
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
        ``signs`` (how many), ``reasons`` (the signs as text, separated by ``; ``), and ``name``, ``plan``,
        ``owner`` where the accounts table has them; most signs first, then highest MRR.
    """
    month = pd.Period(month, freq="M")
    snaps = dataset_snapshots(ds, month)
    now = snaps[snaps["month"] == month].set_index("account_id")["mrr"]
    before = snaps[snaps["month"] == month - 1].set_index("account_id")["mrr"]
    reasons = pd.DataFrame(index=now.index)
    if ds.usage is not None:
        am = ds.usage.account_month
        recent = am[am["month"].between(month - 3, month)]
        counts = recent.set_index(["account_id", "month"])["sessions"].unstack(fill_value=0)
        counts = counts.reindex(columns=pd.period_range(month - 3, month, freq="M"), fill_value=0).reindex(
            now.index, fill_value=0
        )
        base = counts.iloc[:, :3].mean(axis=1)
        text = (
            "sessions "
            + counts.iloc[:, 3].astype("str")
            + " vs "
            + base.round().astype("int64").astype("str")
            + "/month before"
        )
        reasons["usage"] = text.where((base >= 5) & (counts.iloc[:, 3] < drop * base), "")
    if ds.surveys is not None:
        s = ds.surveys
        m = s["date"].dt.to_period("M")
        det = s[(s["survey"] == "nps") & (s["score"] <= 6) & (m > month - 6) & (m <= month)]
        worst = det.groupby("account_id")["score"].min().reindex(now.index)
        reasons["nps"] = ("NPS detractor (" + worst.astype("Int64").astype("str") + ")").where(worst.notna(), "")
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
        bad = recent[slow | esc].groupby("account_id").size().reindex(now.index)
        reasons["support"] = (bad.astype("Int64").astype("str") + " escalated/slow ticket(s)").where(bad.notna(), "")
    shrink = now - before.reindex(now.index).fillna(0)
    reasons["contraction"] = ("MRR −" + (-shrink).round().astype("int64").map("{:,}".format)).where(shrink < 0, "")
    reasons = reasons.astype("str")
    signs = (reasons != "").sum(axis=1)
    text = pd.Series("", index=now.index, dtype="str")
    for col in reasons.columns:  # a handful of sign columns, each vectorised over accounts
        text = text.where(reasons[col] == "", text.where(text == "", text + "; ") + reasons[col])
    out = pd.DataFrame(
        {"account_id": now.index, "mrr": now.to_numpy(), "signs": signs.to_numpy(), "reasons": text.to_numpy()}
    )
    out = out[out["signs"] > 0]
    names = ds.accounts.set_index("account_id")
    cols = [c for c in ("name", "plan", "owner") if c in names.columns]
    out = out.join(names[cols], on="account_id")
    return out.sort_values(["signs", "mrr"], ascending=[False, False], kind="stable").reset_index(drop=True)
