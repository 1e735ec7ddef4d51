"""Survival of paying accounts: Kaplan-Meier curves with censoring, confidence bands and the log-rank test.

An account's clock starts in its first paid month (month-end MRR > 0; k = 0, as
for cohorts) and stops in the first month it does not pay: the same "never
stopped" notion as the cohort ``survival`` view of :mod:`playbook.analyses.cohorts`.
Months are counted as whole months since the first paid month:

- an account that paid in months 0 .. k-1 and not in month k has **duration k
  and event 1** (it stopped in month k);
- an account still paying in the review month has **duration = the review
  month's k, event 0** (censored): it is known to have paid through that month,
  and what it does next is not yet known.

So the duration is the last month since start whose outcome is known, and the
estimate S(k) = P(duration > k) is the share still paying, never having stopped,
at the end of month k after start; S(0) = 1 by construction. An account already
paying in the data's first month is counted from there (as in the cohort views).

The product-limit (Kaplan-Meier) estimate uses every account for as long as it is
observed, unlike an average of cohort curves over "the cohorts old enough to be
seen at month k", which mixes different cohorts at different k and can rise.
Estimates and Greenwood standard errors come from statsmodels
(:class:`statsmodels.duration.survfunc.SurvfuncRight`); the pointwise confidence
interval uses the log(-log) transform (as R's ``survfit(conf.type="log-log")``
and lifelines do), which keeps it inside [0, 1]. The log-rank test is
:func:`statsmodels.duration.survfunc.survdiff`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from playbook.data.dataset import Dataset
from playbook.data.schema import natural_order
from playbook.kpis.snapshots import dataset_snapshots

__all__ = [
    "paid_durations",
    "account_durations",
    "kaplan_meier",
    "survival_by_segment",
    "survival_at",
    "LogRank",
    "logrank",
]

KM_COLUMNS = ["month", "at_risk", "events", "censored", "survival", "ci_low", "ci_high"]


def _segment_order(values) -> list[str]:
    """Segment labels as text, once each, in natural order ("1-49" < "50-249" < "1000+", then the rest)."""
    return natural_order({str(v) for v in values})


def paid_durations(
    snapshots: pd.DataFrame,
    as_of,
    *,
    account_col: str = "account_id",
    month_col: str = "month",
    value_col: str = "mrr",
) -> pd.DataFrame:
    """Per account: months from its first paid month until it first stopped paying, or censored at ``as_of``.

    See the module docstring for how months are counted.

    Parameters
    ----------
    snapshots : pandas.DataFrame
        Month-end snapshots: one row per account and month (several rows of a month are summed), as from
        :func:`playbook.kpis.snapshots.dataset_snapshots`.
    as_of : str or pandas.Period
        The review month: later rows are ignored, and accounts paying in it are censored there.
    account_col : str, default "account_id"
        The column naming the account.
    month_col : str, default "month"
        The column of months (``Period[M]`` or dates).
    value_col : str, default "mrr"
        The column of values; an account pays in a month when its summed value there is above 0.

    Returns
    -------
    pandas.DataFrame
        One row per account that paid at least once up to ``as_of``, sorted by account: ``account_id`` (str),
        ``first_month`` (``Period[M]``), ``duration`` (int, months since the first paid month) and ``event`` (int:
        1 = stopped paying in month ``duration``, 0 = still paying at ``as_of``, censored).

    Examples
    --------
    >>> snaps = pd.DataFrame({"account_id": ["a", "a", "a", "b", "b", "b", "c"],
    ...                       "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-04",
    ...                                                "2026-02", "2026-03", "2026-04", "2026-04"], freq="M"),
    ...                       "mrr": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]})
    >>> paid_durations(snaps, "2026-04")  # a paid months 0-1 and not 2 (it came back later: still an event at 2)
      account_id first_month  duration  event
    0          a     2026-01         2      1
    1          b     2026-02         2      0
    2          c     2026-04         0      0
    """
    end = pd.Period(as_of, freq="M")
    month = snapshots[month_col]
    month = month.dt.asfreq("M") if isinstance(month.dtype, pd.PeriodDtype) else month.dt.to_period("M")
    df = pd.DataFrame(
        {
            "account_id": snapshots[account_col].astype("str"),
            "ordinal": pd.PeriodIndex(month, freq="M").asi8,
            "value": snapshots[value_col].to_numpy(dtype="float64"),
        }
    )
    df = df[df["ordinal"] <= end.ordinal].groupby(["account_id", "ordinal"], as_index=False)["value"].sum()
    df = df[df["value"] > 0].sort_values(["account_id", "ordinal"], kind="stable")
    if df.empty:
        out = pd.DataFrame({"account_id": pd.Series(dtype="str"), "first_month": pd.PeriodIndex([], freq="M")})
        return out.assign(duration=np.array([], dtype=np.int64), event=np.array([], dtype=np.int64))
    first = df.groupby("account_id")["ordinal"].transform("min")
    k = (df["ordinal"] - first).to_numpy()
    # the first unbroken run: rows whose k equals their position within the account
    in_run = k == df.groupby("account_id").cumcount().to_numpy()
    run = pd.DataFrame({"account_id": df["account_id"], "first": first, "k": np.where(in_run, k, -1)})
    g = run.groupby("account_id", sort=True).agg(first=("first", "min"), last=("k", "max"))
    stopped = (g["first"] + g["last"]).to_numpy() < end.ordinal  # the month after the run is observed
    duration = np.where(stopped, g["last"].to_numpy() + 1, end.ordinal - g["first"].to_numpy())
    out = pd.DataFrame(
        {
            "account_id": g.index.astype("str"),
            "first_month": pd.PeriodIndex.from_ordinals(g["first"].to_numpy(), freq="M"),
            "duration": duration.astype(np.int64),
            "event": stopped.astype(np.int64),
        }
    )
    return out.reset_index(drop=True)


def account_durations(ds: Dataset, as_of, *, by: str | None = None) -> pd.DataFrame:
    """Paid durations of a dataset's accounts at the review month, optionally with a segment from ``accounts``.

    Parameters
    ----------
    ds : Dataset
        A validated dataset.
    as_of : str or pandas.Period
        The review month.
    by : str, optional
        A column of ``ds.accounts`` (e.g. ``"plan"``) copied as ``segment``.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`paid_durations` (``account_id``, ``first_month``, ``duration``, ``event``) and, with
        ``by``, a ``segment`` column (missing where the account has no value).

    Raises
    ------
    ValueError
        If ``by`` is not a column of ``ds.accounts``.

    Examples
    --------
    >>> from playbook.data.dataset import load_dataset
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> d = account_durations(load_dataset(SAMPLE_DIR), "2026-10", by="plan")
    >>> len(d), int(d["event"].sum()), sorted(d["segment"].unique())
    (684, 231, ['Enterprise', 'Standard', 'Starter'])
    """
    if by is not None and by not in ds.accounts.columns:
        raise ValueError(f"by must be a column of accounts, got {by!r}; available: {list(ds.accounts.columns)}")
    out = paid_durations(dataset_snapshots(ds, as_of), as_of)
    if by is not None:
        accounts = ds.accounts.assign(account_id=ds.accounts["account_id"].astype("str"))
        out["segment"] = out["account_id"].map(accounts.drop_duplicates("account_id").set_index("account_id")[by])
    return out


def _loglog_interval(s: np.ndarray, se: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log) interval of a survival estimate with Greenwood standard error ``se``."""
    z = norm.ppf(1 - alpha / 2)
    low, high = np.full(s.shape, np.nan), np.full(s.shape, np.nan)
    one = s >= 1.0  # before the first event: no variance
    low[one], high[one] = 1.0, 1.0
    mid = (s > 0) & (s < 1) & np.isfinite(se)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = z * se[mid] / (s[mid] * np.abs(np.log(s[mid])))
    low[mid], high[mid] = s[mid] ** np.exp(w), s[mid] ** np.exp(-w)
    return low, high


def kaplan_meier(durations, events, *, alpha: float = 0.05) -> pd.DataFrame:
    """Kaplan-Meier (product-limit) survival by whole month, with a pointwise log(-log) confidence interval.

    At month k, ``at_risk`` accounts have a duration >= k; ``events`` of them stopped in month k and ``censored``
    were last seen paying in month k. The estimate is S(k) = prod over j <= k of (1 - events_j / at_risk_j)
    (statsmodels' ``SurvfuncRight``), carried between months without events, so it never rises.

    Parameters
    ----------
    durations : array_like of int
        Months since start (see :func:`paid_durations`); non-negative.
    events : array_like of int or bool
        1 (True) where the account stopped in month ``duration``, 0 where it is censored there.
    alpha : float, default 0.05
        1 - the confidence level of the interval (0.05 gives 95%).

    Returns
    -------
    pandas.DataFrame
        One row per month from 0 to the largest duration: ``month`` (int), ``at_risk``, ``events``, ``censored``
        (int), ``survival``, ``ci_low``, ``ci_high`` (float). The interval is [1, 1] before the first event (no
        variance yet) and NaN where the estimate has reached 0. Empty (with these columns) for no durations.

    Raises
    ------
    ValueError
        If the inputs differ in length, a duration is negative, or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 0])
    >>> km[["month", "at_risk", "events", "censored", "survival"]]
       month  at_risk  events  censored  survival
    0      0        4       0         0      1.00
    1      1        4       1         0      0.75
    2      2        3       1         1      0.50
    3      3        1       0         1      0.50
    """
    t = np.asarray(durations, dtype="float64").ravel()
    e = np.asarray(events, dtype="float64").ravel()
    if t.shape != e.shape:
        raise ValueError(f"durations and events must have the same length, got {len(t)} and {len(e)}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if len(t) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64" if i < 4 else "float64") for i, c in enumerate(KM_COLUMNS)})
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError(f"durations must be finite and >= 0, got min {np.nanmin(t)!r}")
    t = np.floor(t).astype(np.int64)
    e = (e > 0).astype(np.int64)
    months = np.arange(t.max() + 1)
    at_risk = (t[None, :] >= months[:, None]).sum(axis=1)
    n_events = np.bincount(t, weights=e, minlength=len(months)).astype(np.int64)
    censored = np.bincount(t, weights=1 - e, minlength=len(months)).astype(np.int64)
    s = np.ones(len(months))
    se = np.zeros(len(months))
    if e.any():
        sf = SurvfuncRight(t, e)
        pos = np.searchsorted(sf.surv_times, months, side="right") - 1  # the last event month <= k
        has = pos >= 0
        s[has] = sf.surv_prob[pos[has]]
        se[has] = sf.surv_prob_se[pos[has]]
    s = np.minimum.accumulate(s)  # a product of factors <= 1: guard against rounding
    low, high = _loglog_interval(s, se, alpha)
    return pd.DataFrame(
        {
            "month": months,
            "at_risk": at_risk.astype(np.int64),
            "events": n_events,
            "censored": censored,
            "survival": s,
            "ci_low": low,
            "ci_high": high,
        }
    )


def survival_by_segment(
    durations: pd.DataFrame,
    *,
    segment_col: str = "segment",
    duration_col: str = "duration",
    event_col: str = "event",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One Kaplan-Meier curve per segment, stacked in a long table.

    Parameters
    ----------
    durations : pandas.DataFrame
        One row per account, as from :func:`account_durations` with ``by``.
    segment_col : str, default "segment"
        The column of segment values; rows where it is missing are left out.
    duration_col : str, default "duration"
        The column of durations in months.
    event_col : str, default "event"
        The column of event flags (1 = stopped, 0 = censored).
    alpha : float, default 0.05
        1 - the confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        ``segment`` (as text) then the columns of :func:`kaplan_meier`, one block of rows per segment from month 0
        to its largest duration. Segments are sorted as text, except that labels starting with a number come first,
        by that number (company sizes "1-49", "50-249", "250-999", "1000+" keep their order).

    Examples
    --------
    >>> d = pd.DataFrame({"segment": ["x", "x", "y"], "duration": [1, 2, 1], "event": [1, 0, 1]})
    >>> survival_by_segment(d)[["segment", "month", "at_risk", "survival"]]
      segment  month  at_risk  survival
    0       x      0        2       1.0
    1       x      1        2       0.5
    2       x      2        1       0.5
    3       y      0        1       1.0
    4       y      1        1       0.0
    """
    d = durations[durations[segment_col].notna()]
    seg = d[segment_col].astype("str")
    blocks = [
        kaplan_meier(d.loc[seg == value, duration_col], d.loc[seg == value, event_col], alpha=alpha).assign(
            segment=value
        )
        for value in _segment_order(seg)
    ]
    if not blocks:
        blocks = [kaplan_meier([], []).assign(segment=pd.Series(dtype="str"))]
    out = pd.concat(blocks, ignore_index=True)
    return out[["segment", *KM_COLUMNS]]


def survival_at(curves: pd.DataFrame, month: int) -> pd.DataFrame:
    """Read Kaplan-Meier curves at one month since start.

    Parameters
    ----------
    curves : pandas.DataFrame
        The long table of :func:`survival_by_segment` (or one curve of :func:`kaplan_meier`, read as one segment
        named ``"all"``).
    month : int
        The month since start.

    Returns
    -------
    pandas.DataFrame
        One row per segment (in the order of :func:`survival_by_segment`): ``segment``, ``at_risk``, ``survival``,
        ``ci_low``, ``ci_high`` at ``month``. For a segment none of whose accounts was observed that long,
        ``at_risk`` is 0 and the rest NaN, except a survival of 0 when the estimate had already reached 0 (the last
        account observed stopped).

    Examples
    --------
    >>> survival_at(kaplan_meier([1, 2, 2, 3], [1, 1, 0, 0]), 2)[["segment", "at_risk", "survival"]]
      segment  at_risk  survival
    0     all        3       0.5
    """
    c = curves if "segment" in curves.columns else curves.assign(segment="all")
    rows = []
    for seg in _segment_order(c["segment"]):
        g = c[c["segment"].astype("str") == seg]
        hit = g[g["month"] == month]
        if len(hit):
            r = hit.iloc[0]
            rows.append((seg, int(r["at_risk"]), r["survival"], r["ci_low"], r["ci_high"]))
        elif len(g) and month > g["month"].max() and g["survival"].iloc[-1] == 0:  # the estimate stays at 0
            rows.append((seg, 0, 0.0, np.nan, np.nan))
        else:
            rows.append((seg, 0, np.nan, np.nan, np.nan))
    out = pd.DataFrame(rows, columns=["segment", "at_risk", "survival", "ci_low", "ci_high"])
    out["segment"] = out["segment"].astype("str")
    out["at_risk"] = out["at_risk"].astype(np.int64)
    return out


@dataclass(frozen=True)
class LogRank:
    """The log-rank test of equal survival across groups.

    Attributes
    ----------
    chi2 : float
        The test statistic, (O - E)' V^-1 (O - E) over all groups but one (NaN with fewer than 2 groups or no event).
    dof : int
        Degrees of freedom: the number of groups - 1.
    p_value : float
        P(chi-square with ``dof`` degrees of freedom >= ``chi2``).
    table : pandas.DataFrame
        One row per group (in the order of :func:`survival_by_segment`): ``group`` (str), ``accounts``, ``observed`` (events), ``expected`` (events
        expected if every group shared one survival curve: the sum over months of events x the group's share of
        those at risk), ``observed_to_expected``.
    """

    chi2: float
    dof: int
    p_value: float
    table: pd.DataFrame


def logrank(durations, events, groups) -> LogRank:
    """Log-rank test: do the groups' survival curves differ more than chance would make them?

    The statistic and p-value are statsmodels' ``survdiff`` (unweighted log-rank); the observed and expected
    events per group are computed alongside.

    Parameters
    ----------
    durations : array_like of int
        Months since start, one per account.
    events : array_like of int or bool
        1 where the account stopped in month ``duration``, 0 where censored.
    groups : array_like
        The group of each account (missing values are left out).

    Returns
    -------
    LogRank
        ``chi2``, ``dof``, ``p_value`` and the per-group ``table``. With fewer than two groups, or no event at all,
        ``chi2`` and ``p_value`` are NaN.

    Raises
    ------
    ValueError
        If the three inputs differ in length.

    Examples
    --------
    >>> r = logrank([1, 2, 3, 1, 1, 2], [1, 1, 0, 1, 1, 1], ["a", "a", "a", "b", "b", "b"])
    >>> r.dof, round(r.chi2, 3), round(r.p_value, 3)
    (1, 1.033, 0.309)
    >>> r.table[["group", "observed", "expected"]].round(3)
      group  observed  expected
    0     a         2     2.833
    1     b         3     2.167
    """
    t = np.asarray(durations, dtype="float64").ravel()
    e = (np.asarray(events, dtype="float64").ravel() > 0).astype("float64")
    g = pd.Series(np.asarray(groups, dtype=object).ravel())
    if not len(t) == len(e) == len(g):
        raise ValueError(f"durations, events and groups must have the same length, got {len(t)}, {len(e)}, {len(g)}")
    keep = g.notna().to_numpy()
    t, e, g = t[keep], e[keep], g[keep].astype("str").to_numpy()
    names = _segment_order(g)
    times = np.unique(t[e > 0])
    n_total = (t[None, :] >= times[:, None]).sum(axis=1)
    d_total = ((t[None, :] == times[:, None]) & (e[None, :] > 0)).sum(axis=1)
    rows = []
    for name in names:
        m = g == name
        n_g = (t[m][None, :] >= times[:, None]).sum(axis=1)
        expected = float(np.sum(d_total * n_g / n_total)) if len(times) else 0.0
        observed = int(e[m].sum())
        rows.append((str(name), int(m.sum()), observed, expected, observed / expected if expected > 0 else np.nan))
    table = pd.DataFrame(rows, columns=["group", "accounts", "observed", "expected", "observed_to_expected"])
    table["group"] = table["group"].astype("str")
    dof = max(len(names) - 1, 0)
    chi2 = p = np.nan
    if dof >= 1 and e.any():
        try:
            chi2, p = survdiff(t, e, g)
            chi2, p = float(chi2), float(p)
        except np.linalg.LinAlgError:  # a singular variance (e.g. a group with nobody at risk at any event)
            chi2 = p = np.nan
    return LogRank(chi2=chi2, dof=dof, p_value=p, table=table)
