"""Goals: the KPI tree (KGI -> KFS -> KPI), target paths, the SMART check and the KGI decomposition.

The tree is a YAML file (``kpi_tree.yaml``) read with a safe loader and validated
like data: every bad entry gives one :class:`~playbook.errors.Problem` naming the
entry, and all of them are raised together in one ``DataValidationError``.

File shape (see ``data/sample/kpi_tree.yaml``)::

    kgi: {id, name, name_ja, metric, target, deadline}
    plan_start: 2026-04        # optional: target paths ramp from the month before it
    kfs:
      - id: retention
        name: Customers stay and renew
        kpis:
          - {id, metric, target, direction, owner, deadline, cadence, segment, path}
    status_thresholds: {achieved: 1.0, on_track: 0.95, at_risk: 0.85}
    limits: {max_kpis: 7, achievable_multiple: 2.0, wide_margin: 0.1, min_correlation: 0.3}

``path`` is either a list of monthly targets starting at ``plan_start`` or a
mapping ``{start: 0.62, start_month: 2026-04}`` (a straight line to the target at
the deadline). Without a path, the target ramps from the KPI's value in the month
before ``plan_start`` (or is flat when there is no ``plan_start``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from playbook.catalog import KPI_IDS, compute_kpis, kpi
from playbook.data import Dataset
from playbook.usage_log import UsageSummary
from functools import partial

from playbook.errors import DataValidationError
from playbook.errors import Problem as _Problem

__all__ = ["KGIGoal", "KFSGoal", "KPIGoal", "KPITree", "load_kpi_tree", "parse_kpi_tree", "segment_dataset",
           "goal_history", "target_path", "target_paths", "smart_check", "tree_checks", "kgi_projection",
           "DEFAULT_THRESHOLDS", "DEFAULT_LIMITS"]

Problem = partial(_Problem, label="entry")  # problems of a YAML file name its entries
DEFAULT_THRESHOLDS = {"achieved": 1.0, "on_track": 0.95, "at_risk": 0.85}
DEFAULT_LIMITS = {"max_kpis": 7, "achievable_multiple": 2.0, "wide_margin": 0.1, "min_correlation": 0.3}
CADENCES = ("weekly", "monthly")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class KGIGoal:
    id: str
    name: str
    name_ja: str
    metric: str
    target: float
    deadline: pd.Period


@dataclass(frozen=True)
class KFSGoal:
    id: str
    name: str
    name_ja: str
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class KPIGoal:
    id: str
    metric: str
    target: float
    direction: str
    owner: str
    deadline: pd.Period
    cadence: str
    kfs: str
    segment: dict | None = None
    path: dict | list | None = None

    def name(self, lang: str = "en") -> str:
        base = kpi(self.metric).name(lang)
        if self.segment:
            base += " (" + ", ".join(f"{k}={v}" for k, v in self.segment.items()) + ")"
        return base


@dataclass(frozen=True)
class KPITree:
    kgi: KGIGoal
    kfs: tuple[KFSGoal, ...]
    kpis: tuple[KPIGoal, ...]
    thresholds: dict = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    limits: dict = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    plan_start: pd.Period | None = None
    file: str = "kpi_tree.yaml"

    def kpi(self, goal_id: str) -> KPIGoal:
        return next(k for k in self.kpis if k.id == goal_id)


# --------------------------------------------------------------------------- loading


def _month(value, where: str, key: str, problems: list, file: str) -> pd.Period | None:
    text = str(value).strip() if value is not None else ""
    if not _MONTH.match(text):
        problems.append(Problem(file, where, f"{key} {value!r} is not a month (expected YYYY-MM)"))
        return None
    return pd.Period(text, freq="M")


def _number(value, where: str, key: str, problems: list, file: str) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(Problem(file, where, f"{key} {value!r} is not a number"))
        return None
    return float(value)


def _metric(value, where: str, problems: list, file: str) -> str | None:
    if value not in KPI_IDS:
        problems.append(Problem(file, where, f"unknown metric id {value!r}; known ids: {', '.join(KPI_IDS)}"))
        return None
    return value


def parse_kpi_tree(data: dict, *, file: str = "kpi_tree.yaml") -> KPITree:
    """Validate the parsed YAML of a KPI tree and build the tree; raise one error listing every bad entry."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise DataValidationError(Problem(file, None, "expected a mapping with kgi and kfs"))
    known = {"kgi", "kfs", "kpis", "plan_start", "status_thresholds", "limits"}
    for key in sorted(set(data) - known):
        problems.append(Problem(file, key, f"unknown key {key!r}; expected {sorted(known)}"))
    g = data.get("kgi")
    kgi = None
    if not isinstance(g, dict):
        problems.append(Problem(file, "kgi", "missing kgi (the goal: id, name, metric, target, deadline)"))
    else:
        where = f"kgi ({g.get('id', '?')})"
        metric = _metric(g.get("metric"), where, problems, file)
        target = _number(g.get("target"), where, "target", problems, file)
        deadline = _month(g.get("deadline"), where, "deadline", problems, file)
        if metric and target is not None and deadline:
            kgi = KGIGoal(str(g.get("id", "kgi")), str(g.get("name", "")), str(g.get("name_ja", g.get("name", ""))),
                          metric, target, deadline)
    kfs_list, kpis, seen = [], [], {}
    raw_kfs = data.get("kfs") or []
    if not isinstance(raw_kfs, list) or not raw_kfs:
        problems.append(Problem(file, "kfs", "missing kfs: a list of key factors for success, each with its kpis"))
        raw_kfs = []
    entries = []  # (kfs id or None, raw kpi, where)
    for i, f in enumerate(raw_kfs):
        if not isinstance(f, dict) or "id" not in f:
            problems.append(Problem(file, f"kfs[{i}]", "a KFS needs an id, a name and its kpis"))
            continue
        fid = str(f["id"])
        if fid in seen:
            problems.append(Problem(file, f"kfs[{i}] ({fid})", f"duplicate id {fid!r} (also {seen[fid]})"))
        seen[fid] = f"kfs[{i}]"
        ids = []
        for j, k in enumerate(f.get("kpis") or []):
            entries.append((fid, k, f"kfs[{i}].kpis[{j}]"))
            ids.append(str(k.get("id")) if isinstance(k, dict) else "?")
        kfs_list.append(KFSGoal(fid, str(f.get("name", fid)), str(f.get("name_ja", f.get("name", fid))), tuple(ids)))
    kfs_ids = {f.id for f in kfs_list}
    for j, k in enumerate(data.get("kpis") or []):  # a flat list is allowed when each KPI names its KFS
        fid = k.get("kfs") if isinstance(k, dict) else None
        entries.append((fid if fid in kfs_ids else None, k, f"kpis[{j}]"))
    for fid, k, where in entries:
        if not isinstance(k, dict):
            problems.append(Problem(file, where, "a KPI must be a mapping (id, metric, target, ...)"))
            continue
        kid = str(k.get("id", "?"))
        where = f"{where} ({kid})"
        if fid is None:
            problems.append(Problem(file, where, f"KPI {kid!r} is not under a KFS (known KFS: {sorted(kfs_ids)})"))
        if kid in seen:
            problems.append(Problem(file, where, f"duplicate id {kid!r} (also {seen[kid]})"))
        seen[kid] = where
        for req in ("id", "metric", "target", "owner", "deadline", "cadence"):
            if req not in k:
                problems.append(Problem(file, where, f"missing {req}"))
        metric = _metric(k.get("metric"), where, problems, file) if "metric" in k else None
        target = _number(k.get("target"), where, "target", problems, file) if "target" in k else None
        deadline = _month(k.get("deadline"), where, "deadline", problems, file) if "deadline" in k else None
        cadence = k.get("cadence")
        if "cadence" in k and cadence not in CADENCES:
            problems.append(Problem(file, where, f"cadence {cadence!r} is not one of {list(CADENCES)}"))
        direction = k.get("direction", kpi(metric).direction if metric else "higher")
        if direction not in ("higher", "lower"):
            problems.append(Problem(file, where, f"direction {direction!r} is not 'higher' or 'lower'"))
        path = k.get("path")
        if isinstance(path, dict):
            if "start_month" in path:
                _month(path["start_month"], where, "path start_month", problems, file)
            if "start" in path:
                _number(path["start"], where, "path start", problems, file)
        elif isinstance(path, list):
            for v in path:
                _number(v, where, "path value", problems, file)
        segment = k.get("segment")
        if segment is not None and not isinstance(segment, dict):
            problems.append(Problem(file, where, "segment must be a mapping of account column -> value"))
        if fid and metric and target is not None and deadline and cadence in CADENCES and direction in ("higher", "lower"):
            kpis.append(KPIGoal(kid, metric, target, direction, str(k.get("owner", "")), deadline, cadence, fid,
                                segment, path))
    thresholds = {**DEFAULT_THRESHOLDS, **(data.get("status_thresholds") or {})}
    for key, v in thresholds.items():
        _number(v, "status_thresholds", key, problems, file)
    if not problems and not thresholds["achieved"] >= thresholds["on_track"] >= thresholds["at_risk"]:
        problems.append(Problem(file, "status_thresholds", "expected achieved >= on_track >= at_risk"))
    limits = {**DEFAULT_LIMITS, **(data.get("limits") or {})}
    for key, v in limits.items():
        _number(v, "limits", key, problems, file)
    plan_start = _month(data["plan_start"], "plan_start", "plan_start", problems, file) if "plan_start" in data else None
    if problems:
        raise DataValidationError(problems)
    kfs_list = [dataclasses.replace(f, kpis=tuple(k.id for k in kpis if k.kfs == f.id)) for f in kfs_list]
    return KPITree(kgi, tuple(kfs_list), tuple(kpis), thresholds, limits, plan_start, file)


def load_kpi_tree(path: str | Path) -> KPITree:
    """Read and validate a KPI tree YAML file (safe loader).

    Examples
    --------
    >>> from playbook.params import PROJECT_ROOT
    >>> tree = load_kpi_tree(PROJECT_ROOT / "data" / "sample" / "kpi_tree.yaml")
    >>> tree.kgi.metric, len(tree.kfs), len(tree.kpis)
    ('arr', 4, 7)
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataValidationError(Problem(path.name, None, "KPI tree file not found")) from None
    except yaml.YAMLError as exc:
        raise DataValidationError(Problem(path.name, None, f"not valid YAML ({exc})")) from None
    return parse_kpi_tree(data, file=path.name)


# --------------------------------------------------------------------------- history and targets


def segment_dataset(ds: Dataset, segment: dict | None) -> Dataset:
    """The dataset restricted to the accounts matching ``segment`` (e.g. ``{"plan": "Enterprise"}``)."""
    if not segment:
        return ds
    acc = ds.accounts
    mask = pd.Series(True, index=acc.index)
    for col, value in segment.items():
        if col not in acc.columns:
            raise DataValidationError(Problem("kpi tree", "segment", f"accounts has no column {col!r} (columns: {list(acc.columns)})"))
        mask &= acc[col].isin(value if isinstance(value, list) else [value])
    ids = set(acc.loc[mask, "account_id"])
    tables = {name: (df.for_accounts(ids) if isinstance(df, UsageSummary)
                     else df[df["account_id"].isin(ids)] if "account_id" in df.columns and name != "trials" else df)
              for name, df in ds.tables.items()}
    return dataclasses.replace(ds, **tables)


def goal_history(ds: Dataset, tree: KPITree, months, *, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each KPI goal's metric (on its segment) and the KGI's metric, per month.

    ``kpis``, a ``compute_kpis`` table of the same months, is reused when given.

    Columns: ``month``, ``goal`` (KPI goal id, or the KGI id), ``metric``, ``value``, ``numerator``,
    ``denominator``, ``n``, ``note``.
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


def target_path(goal: KPIGoal, months, *, plan_start: pd.Period | None = None, baseline: float | None = None) -> pd.Series:
    """The target for each month: from the YAML path, a ramp from the baseline, or the flat target.

    Before the path starts there is no target (NaN); from the deadline on, the target.

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
        start_month, start = pd.Period(str(path.get("start_month", plan_start)), freq="M"), float(path["start"])
    elif plan_start is not None and baseline is not None and not np.isnan(baseline):
        start_month, start = plan_start - 1, float(baseline)
    else:
        return pd.Series(goal.target, index=months, dtype="float64")
    span = max((goal.deadline - start_month).n, 1)
    k = np.array([(m - start_month).n for m in months], dtype="float64")
    values = np.where(k < 0, np.nan, start + (goal.target - start) * np.minimum(k, span) / span)
    return pd.Series(values, index=months, dtype="float64")


def target_paths(tree: KPITree, history: pd.DataFrame, months) -> pd.DataFrame:
    """Targets of every KPI goal for ``months`` (columns = goal ids)."""
    months = pd.PeriodIndex(months, freq="M")
    out = {}
    for goal in tree.kpis:
        baseline = None
        if tree.plan_start is not None:
            row = history[(history["goal"] == goal.id) & (history["month"] == tree.plan_start - 1)]
            baseline = float(row["value"].iloc[0]) if len(row) else None
        out[goal.id] = target_path(goal, months, plan_start=tree.plan_start, baseline=baseline)
    return pd.DataFrame(out, index=months)


# --------------------------------------------------------------------------- SMART


def _series(history: pd.DataFrame, goal_id: str, month: pd.Period) -> pd.Series:
    h = history[(history["goal"] == goal_id) & (history["month"] <= month)]
    return h.set_index("month")["value"].astype("float64")


def best_sustained_change(values: pd.Series, *, window: int = 3, direction: str = "higher") -> float:
    """The best change per month over any ``window`` months of history, in the better direction.

    Examples
    --------
    >>> s = pd.Series([0.50, 0.52, 0.51, 0.57, 0.58, 0.57])
    >>> round(best_sustained_change(s), 4)  # 0.50 -> 0.57 over 3 months: +0.0233 a month
    0.0233
    """
    v = values.dropna()
    if len(v) <= window:
        return float("nan")
    change = (v.to_numpy()[window:] - v.to_numpy()[:-window]) / window
    return float(change.max() if direction == "higher" else -change.min())


def smart_check(tree: KPITree, ds: Dataset, history: pd.DataFrame, month) -> pd.DataFrame:
    """S, M, A, R, T for every KPI of the tree: ``pass`` / ``warn`` / ``fail`` with a reason for each.

    Columns: ``goal``, ``kpi``, ``baseline``, ``target``, ``S``..``T`` and ``S_reason``..``T_reason``.
    """
    month = pd.Period(month, freq="M")
    kgi = _series(history, tree.kgi.id, month)
    multiple, min_corr = tree.limits["achievable_multiple"], tree.limits["min_correlation"]
    rows = []
    for g in tree.kpis:
        spec = kpi(g.metric)
        r = {"goal": g.id, "metric": g.metric, "target": g.target}
        # Specific
        if g.direction != spec.direction:
            r["S"], r["S_reason"] = "warn", f"direction {g.direction} contradicts the catalog ({spec.direction} is better)"
        else:
            r["S"], r["S_reason"] = "pass", f"{g.metric}, unit {spec.unit}, target {g.target:g}, {g.direction} is better"
        # Measurable
        s = _series(history, g.id, month)
        missing = spec.missing(ds)
        baseline = s.get(month, np.nan)
        if np.isnan(baseline) and len(s.dropna()):
            baseline = s.dropna().iloc[-1]  # e.g. NPS between survey rounds: the latest measured value
        r["baseline"] = baseline
        if missing:
            r["M"], r["M_reason"] = "fail", f"needs table {' and '.join(missing)}"
        elif np.isnan(baseline):
            note = history[(history["goal"] == g.id) & (history["month"] == month)]["note"]
            r["M"], r["M_reason"] = "fail", f"no baseline value ({note.iloc[0] if len(note) else 'no data'})"
        else:
            r["M"], r["M_reason"] = "pass", f"baseline {baseline:.4g} in {s.dropna().index[-1] if np.isnan(s.get(month, np.nan)) else month}"
        # Achievable
        left = (g.deadline - month).n
        better = 1 if g.direction == "higher" else -1
        if np.isnan(baseline) or left <= 0:
            r["A"], r["A_reason"] = "warn", "cannot judge (no baseline or deadline passed)"
        elif better * (baseline - g.target) >= 0:
            r["A"], r["A_reason"] = "warn", f"too easy: already reached (baseline {baseline:.4g} vs target {g.target:g})"
        else:
            need = better * (g.target - baseline) / left
            best = best_sustained_change(s, direction=g.direction)
            if np.isnan(best):
                r["A"], r["A_reason"] = "warn", f"needs {need:.3g} a month; not enough history to compare"
            elif best <= 0:
                r["A"], r["A_reason"] = "warn", f"stretch: needs {need:.3g} a month; the history never improved for 3 months"
            elif need > multiple * best:
                r["A"], r["A_reason"] = "warn", (f"stretch: needs {need:.3g} a month, {need / best:.2f}x the best 3-month pace "
                                                 f"({best:.3g} a month; limit {multiple:g}x)")
            else:
                r["A"], r["A_reason"] = "pass", f"needs {need:.3g} a month; best 3-month pace {best:.3g} a month"
        # Related
        both = pd.concat([s.rename("k"), kgi.rename("g")], axis=1).dropna().iloc[-12:]
        if len(both) < 6 or both["k"].std() == 0 or both["g"].std() == 0:
            r["R"], r["R_reason"] = "warn", f"under KFS {g.kfs}; too little history to relate it to the KGI (n={len(both)})"
            r["correlation"] = np.nan
        else:
            corr = float(np.corrcoef(both["k"], both["g"])[0, 1])
            r["correlation"] = corr
            ok = abs(corr) >= min_corr
            r["R"] = "pass" if ok else "warn"
            r["R_reason"] = f"under KFS {g.kfs}; moved with the KGI metric: r = {corr:+.2f} (n={len(both)})" + ("" if ok else f", below {min_corr:g}")
        # Time-bound
        if g.deadline <= month:
            r["T"], r["T_reason"] = "fail", f"deadline {g.deadline} is not after the review month {month}"
        else:
            r["T"], r["T_reason"] = "pass", f"deadline {g.deadline}, reviewed {g.cadence}"
        rows.append(r)
    cols = ["goal", "metric", "baseline", "target", "correlation"] + [c for L in "SMART" for c in (L, f"{L}_reason")]
    return pd.DataFrame(rows)[cols]


def tree_checks(tree: KPITree) -> pd.DataFrame:
    """Checks of the tree as a whole: a short-horizon KPI, not too many KPIs, every KFS measured."""
    rows = []
    short = [k.id for k in tree.kpis if kpi(k.metric).horizon == "short"]
    rows.append(("short-horizon KPI", "pass" if short else "warn",
                 f"short-horizon KPIs: {', '.join(short)}" if short else "no KPI shows results within weeks; add a leading indicator"))
    n, limit = len(tree.kpis), int(tree.limits["max_kpis"])
    rows.append(("number of KPIs", "pass" if n <= limit else "warn",
                 f"{n} KPIs (limit {limit})" if n <= limit else f"{n} KPIs is more than the {limit} a team can follow; trim"))
    empty = [f.id for f in tree.kfs if not f.kpis]
    rows.append(("every KFS measured", "pass" if not empty else "warn",
                 "every KFS has a KPI" if not empty else f"KFS without a KPI: {', '.join(empty)}"))
    return pd.DataFrame(rows, columns=["check", "status", "reason"])


# --------------------------------------------------------------------------- KGI decomposition


def kgi_projection(tree: KPITree, bridge: pd.DataFrame, month, *, run_rate_months: int = 3) -> dict:
    """For a revenue KGI (ARR or MRR): the net new MRR a month needed by the deadline, and where the run rate lands.

    ``bridge`` holds the months up to ``month``. The run rate is the mean net new
    MRR of the last ``run_rate_months`` months, with its new, expansion and churn parts.
    """
    month = pd.Period(month, freq="M")
    if tree.kgi.metric not in ("arr", "mrr"):
        return {"applicable": False, "reason": f"the KGI metric {tree.kgi.metric} is not a revenue total"}
    b = bridge[bridge["month"] <= month].tail(run_rate_months)
    now = float(bridge.loc[bridge["month"] == month, "mrr_end"].iloc[0])
    scale = 12 if tree.kgi.metric == "arr" else 1
    left = (tree.kgi.deadline - month).n
    net = (b["mrr_end"] - b["mrr_start"]).mean()
    target_mrr = tree.kgi.target / scale
    needed = (target_mrr - now) / left if left > 0 else float("nan")
    projected = now + net * max(left, 0)
    return {
        "applicable": True, "metric": tree.kgi.metric, "months_left": left, "current": now * scale, "target": tree.kgi.target,
        "needed_net_new_mrr": needed, "run_rate_net_new_mrr": net,
        "run_rate_new": b["new"].mean() + b["reactivation"].mean(), "run_rate_expansion": b["expansion"].mean(),
        "run_rate_lost": b["contraction"].mean() + b["churned"].mean(),
        "projected": projected * scale, "gap": tree.kgi.target - projected * scale,
    }
