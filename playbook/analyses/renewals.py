"""Renewals: when each account's contract next ends, the renewal calendar, and the ARR expected to renew.

Contract terms come from :mod:`playbook.kpis.renewals`: a subscription's
``contract_end_date`` when the data has it, else the anniversaries of an annual
subscription's start date (a contract term ends the day before each one). Monthly
subscriptions renew every month, so they have no renewal date worth planning for.

**Expected renewal ARR.** Over a window, the sum over the contracts ending in it
of ARR x (1 - risk), where risk is the account's churn risk when the caller gives
one (the review's churn-risk model: the probability of churning within 3 months,
as of the review month, used as the probability of not renewing). A contract
without a risk estimate (an account in onboarding, or no model) is weighted by the
mean risk of the contracts that have one; with no risk at all, nothing is expected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.kpis.renewals import contract_ends

__all__ = ["WINDOWS", "NOTICE", "next_renewal", "notice_status", "renewal_calendar", "renewal_windows"]

#: The windows of the renewal calendar, in days from the review date.
WINDOWS = (30, 60, 90, 180)

#: The codes of :func:`notice_status`: where a contract stands with its notice deadline at the review date.
NOTICE = {
    "open": "the notice deadline is today or later: the customer can still cancel until then",
    "passed_auto": "the notice deadline has passed and the contract renews by itself: it renews automatically",
    "passed": "the notice deadline has passed; the data does not say whether it renews by itself",
    "manual": "the contract does not renew by itself: it ends unless a renewal is agreed",
    "unknown": "no notice period in the data",
}


def notice_status(notice_deadline: pd.Series, auto_renew: pd.Series, as_of) -> pd.Series:
    """Per contract, a code of :data:`NOTICE`: can the customer still cancel, or has the notice deadline passed?

    A contract that does not renew by itself (``auto_renew`` False) is ``manual`` whatever its deadline. Else,
    without a notice deadline: ``unknown``; a deadline on or after ``as_of``: ``open`` (cancellable until the
    deadline); a deadline before ``as_of``: ``passed_auto`` when it renews by itself, ``passed`` when the data does
    not say.

    Parameters
    ----------
    notice_deadline : pandas.Series
        The last day to cancel (Timestamps, NaT when unknown).
    auto_renew : pandas.Series
        Whether the contract renews by itself (nullable boolean).
    as_of : str or pandas.Timestamp
        The review date.

    Returns
    -------
    pandas.Series
        The codes (``str``), indexed like ``notice_deadline``.

    Examples
    --------
    >>> deadline = pd.to_datetime(pd.Series(["2026-10-20", "2026-10-31", "2026-10-20", None, "2026-12-01"]))
    >>> auto = pd.Series(pd.array([True, True, pd.NA, True, False], dtype="boolean"))
    >>> notice_status(deadline, auto, "2026-10-31").tolist()
    ['passed_auto', 'open', 'passed', 'unknown', 'manual']
    """
    as_of = pd.Timestamp(as_of).normalize()
    deadline = pd.to_datetime(notice_deadline)
    auto = pd.array(auto_renew, dtype="boolean")
    passed = (deadline < as_of).to_numpy()
    known = deadline.notna().to_numpy()
    is_auto = np.asarray(auto.fillna(False), dtype=bool)
    is_manual = np.asarray((auto == False).fillna(False), dtype=bool)  # noqa: E712 (nullable boolean)
    code = np.select(
        [is_manual, ~known, ~passed, is_auto],
        ["manual", "unknown", "open", "passed_auto"],
        default="passed",
    )
    return pd.Series(code, index=notice_deadline.index, dtype="str")


def _active(subscriptions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    s = subscriptions
    return s[(s["start_date"] <= as_of) & ~(s["end_date"] <= as_of)]


def next_renewal(subscriptions: pd.DataFrame | None, as_of) -> pd.DataFrame:
    """Per account with a contract active at ``as_of``: the next renewal date and the MRR renewing then.

    A subscription is active when it started on or before ``as_of`` and has no
    end date or ends after it. Its renewal date is the day after its next contract
    end on or after ``as_of`` (:func:`playbook.kpis.renewals.contract_ends`: the
    ``contract_end_date`` when given, else the anniversaries of an annual
    subscription's start date); an account with several contracts renews first on
    the earliest of them.

    Parameters
    ----------
    subscriptions : pandas.DataFrame or None
        Subscriptions (``account_id``, ``start_date``, ``end_date``, ``mrr`` and
        ``billing_period`` and/or ``contract_end_date``); None or with neither
        column: no renewal is known.
    as_of : str or pandas.Timestamp
        The date the renewals are counted from (usually the review month's last day).

    Returns
    -------
    pandas.DataFrame
        One row per account with an active contract, sorted by ``account_id``:
        ``account_id``, ``next_renewal`` (Timestamp) and ``renewing_mrr`` (the
        MRR of its contracts renewing on that date).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b", "c"], "billing_period": ["annual", "monthly", "annual"],
    ...     "start_date": pd.to_datetime(["2025-03-15", "2026-01-01", "2024-11-30"]),
    ...     "end_date": pd.to_datetime([None, None, None]), "mrr": [50_000.0, 9_000.0, 20_000.0]})
    >>> next_renewal(subs, "2026-10-31")
      account_id next_renewal  renewing_mrr
    0          a   2027-03-15       50000.0
    1          c   2026-11-30       20000.0
    """
    cal = renewal_calendar(subscriptions, as_of, days=366)
    out = pd.DataFrame(
        {
            "account_id": cal["account_id"].astype("str"),
            "next_renewal": (cal["contract_end"] + pd.Timedelta(days=1)).astype("datetime64[ns]"),
            "renewing_mrr": (cal["arr"] / 12).astype("float64"),
        }
    )
    return out.sort_values("account_id").reset_index(drop=True)


def _window(days_left: pd.Series, windows) -> pd.Series:
    """The smallest window (in days) each contract end falls in."""
    edges = np.asarray(sorted(windows))
    pos = np.searchsorted(edges, days_left.to_numpy(), side="left")
    return pd.Series(edges[np.minimum(pos, len(edges) - 1)], index=days_left.index, dtype="int64")


def renewal_calendar(
    subscriptions: pd.DataFrame | None,
    as_of,
    *,
    days: int = max(WINDOWS),
    accounts: pd.DataFrame | None = None,
    health: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The contracts ending within ``days`` days of ``as_of``: one row per account, soonest first.

    Per account with a contract active at ``as_of`` (see :func:`next_renewal`), its next contract end on or after
    ``as_of`` when it is at most ``days`` days away, with the ARR renewing then, the notice deadline (the last day
    to cancel: contract end minus ``notice_days``), whether it renews by itself, its CSM, and its health and churn
    risk when given.

    Parameters
    ----------
    subscriptions : pandas.DataFrame or None
        Subscriptions (see :func:`next_renewal`); ``auto_renew`` and ``notice_days`` are used when present.
    as_of : str or pandas.Timestamp
        The review date (usually the review month's last day).
    days : int, default 180
        The calendar's horizon, in days.
    accounts : pandas.DataFrame, optional
        The accounts table: ``name`` and ``owner`` (the CSM) are added when present.
    health : pandas.DataFrame, optional
        Per account (``account_id`` column or index): any of ``health``, ``band`` and ``risk`` (the churn risk,
        0 to 1), added as they are.

    Returns
    -------
    pandas.DataFrame
        One row per account, by ``contract_end`` and then the largest ARR first: ``account_id``, ``name`` and
        ``owner`` (empty without them), ``contract_end``, ``days_left`` (days from ``as_of``), ``window`` (the
        smallest of :data:`WINDOWS` it falls in), ``arr`` (12 x the MRR of its contracts ending that day),
        ``auto_renew`` (nullable boolean: False when any of them does not renew by itself), ``notice_days``
        (nullable integer, the longest), ``notice_deadline`` (NaT without a notice period), ``notice_status``
        (a code of :data:`NOTICE`, :func:`notice_status`: ``passed_auto`` when the deadline has passed and the
        contract renews automatically, ``open`` while it can still be cancelled), ``health``, ``band`` and
        ``risk`` (missing without ``health``).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b", "c"], "billing_period": ["annual", "monthly", "annual"],
    ...     "start_date": pd.to_datetime(["2025-12-15", "2026-01-01", "2024-11-30"]),
    ...     "end_date": pd.to_datetime([None, None, None]), "mrr": [50_000.0, 9_000.0, 20_000.0],
    ...     "auto_renew": pd.array([True, pd.NA, False], dtype="boolean"), "notice_days": pd.array([30, pd.NA, 60], dtype="Int64")})
    >>> cal = renewal_calendar(subs, "2026-10-31", days=90, health=pd.DataFrame({"account_id": ["a"], "risk": [0.2]}))
    >>> cal[["account_id", "contract_end", "days_left", "window", "arr", "notice_deadline", "risk"]]
      account_id contract_end  days_left  window       arr notice_deadline  risk
    0          c   2026-11-29         29      30  240000.0      2026-09-30   NaN
    1          a   2026-12-14         44      60  600000.0      2026-11-14   0.2
    >>> cal["notice_status"].tolist()
    ['manual', 'open']
    """
    as_of = pd.Timestamp(as_of).normalize()
    columns = ["account_id", "name", "owner", "contract_end", "days_left", "window", "arr", "auto_renew"]
    columns += ["notice_days", "notice_deadline", "notice_status", "health", "band", "risk"]
    ends = pd.DataFrame(columns=["account_id", "contract_end", "mrr", "auto_renew", "notice_days"])
    if subscriptions is not None:
        # a row's later end is not known at as_of (a plan change to come): its terms run on
        active = _active(subscriptions, as_of).assign(end_date=pd.NaT)
        ends = contract_ends(active, as_of, as_of + pd.Timedelta(days=days))
    first = ends.groupby("account_id")["contract_end"].transform("min") if len(ends) else ends["contract_end"]
    ends = ends[ends["contract_end"] == first]
    out = (
        ends.groupby("account_id", as_index=False)
        .agg(contract_end=("contract_end", "first"), mrr=("mrr", "sum"), notice_days=("notice_days", "max"))
        .astype({"contract_end": "datetime64[ns]", "mrr": "float64"})
    )
    out["arr"] = 12 * out.pop("mrr")
    # auto-renewing when every contract renewing that day does; unknown when any of them does not say
    auto = pd.array(ends["auto_renew"], dtype="boolean")
    every = pd.Series(auto.fillna(True).to_numpy(dtype=bool)).groupby(ends["account_id"].to_numpy()).all()
    unknown = pd.Series(auto.isna()).groupby(ends["account_id"].to_numpy()).any()
    renews = pd.array(every.reindex(out["account_id"]).to_numpy(dtype=bool), dtype="boolean")
    renews[unknown.reindex(out["account_id"]).to_numpy(dtype=bool)] = pd.NA
    out["auto_renew"] = renews
    out["notice_days"] = pd.array(out["notice_days"], dtype="Int64")
    out["days_left"] = (out["contract_end"] - as_of).dt.days.astype("int64")
    out["window"] = _window(out["days_left"], [w for w in WINDOWS if w <= days] or [days])
    offset = pd.to_timedelta(out["notice_days"].astype("float64"), unit="D")
    out["notice_deadline"] = (out["contract_end"] - offset).astype("datetime64[ns]")
    out["notice_status"] = notice_status(out["notice_deadline"], out["auto_renew"], as_of)
    who = accounts.set_index("account_id") if accounts is not None else pd.DataFrame()
    for col in ("name", "owner"):
        out[col] = out["account_id"].map(who[col]).fillna("") if col in who.columns else ""
    scores = health.set_index("account_id") if health is not None and "account_id" in health.columns else health
    for col in ("health", "band", "risk"):
        have = scores is not None and col in scores.columns
        out[col] = out["account_id"].map(scores[col]) if have else np.nan
    out = out.sort_values(["contract_end", "arr", "account_id"], ascending=[True, False, True], kind="stable")
    return out[columns].reset_index(drop=True)


def renewal_windows(calendar: pd.DataFrame, windows=WINDOWS) -> pd.DataFrame:
    """Per window: the contracts ending in it, their ARR and the ARR expected to renew, weighted by churn risk.

    Windows are cumulative (the 90-day window holds the 30- and 60-day ones). The expected ARR is the sum of
    ARR x (1 - risk); a contract without a risk is weighted by the mean risk of the calendar's contracts that
    have one (the whole calendar, so the weight is the same in every window).

    Parameters
    ----------
    calendar : pandas.DataFrame
        As from :func:`renewal_calendar` (``days_left``, ``arr``, ``risk``, ``auto_renew``).
    windows : sequence of int, default WINDOWS
        The windows, in days.

    Returns
    -------
    pandas.DataFrame
        One row per window: ``days``, ``contracts``, ``arr``, ``expected_arr`` (NaN when no contract has a risk),
        ``expected_rate`` (expected_arr / arr), ``without_risk`` (contracts weighted by the mean risk),
        ``mean_risk`` (the weight used for them) and ``auto_renew`` (contracts that renew by themselves).

    Examples
    --------
    >>> cal = pd.DataFrame({"days_left": [10, 45, 80], "arr": [1000.0, 2000.0, 1000.0], "risk": [0.1, 0.3, np.nan],
    ...     "auto_renew": pd.array([True, False, pd.NA], dtype="boolean")})
    >>> renewal_windows(cal, (30, 90))[["days", "contracts", "arr", "expected_arr", "without_risk", "mean_risk"]]
       days  contracts     arr  expected_arr  without_risk  mean_risk
    0    30          1  1000.0         900.0             0        0.2
    1    90          3  4000.0        3100.0             1        0.2
    """
    risk = calendar["risk"].astype("float64")
    mean = float(risk.mean()) if risk.notna().any() else np.nan
    weight = 1 - risk.fillna(mean)
    rows = []
    for w in windows:
        inside = (calendar["days_left"] <= w).to_numpy()
        arr = float(calendar.loc[inside, "arr"].sum())
        expected = float((calendar.loc[inside, "arr"] * weight[inside]).sum()) if not np.isnan(mean) else np.nan
        rows.append(
            {
                "days": int(w),
                "contracts": int(inside.sum()),
                "arr": arr,
                "expected_arr": expected,
                "expected_rate": expected / arr if arr > 0 else np.nan,
                "without_risk": int(risk[inside].isna().sum()),
                "mean_risk": mean,
                "auto_renew": int(calendar.loc[inside, "auto_renew"].fillna(False).astype(bool).sum()),
            }
        )
    return pd.DataFrame(rows)
