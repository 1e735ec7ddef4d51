"""Usage and adoption: MAU, DAU, stickiness, active accounts, session time, feature adoption,
seat utilisation and onboarding completion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.ratios import ratio_table, value_table

__all__ = ["usage_volume", "activity_counts", "activity_kpis", "mau", "dau", "stickiness", "active_accounts", "avg_session_minutes", "feature_adoption",
           "seat_utilisation", "onboarded", "onboarding_completion_rate"]


def usage_volume(usage: pd.DataFrame, *, account_col: str = "account_id", user_col: str = "user_id",
                 date_col: str = "date", months: pd.PeriodIndex | None = None) -> pd.DataFrame:
    """Sessions, distinct active users and distinct active accounts per calendar month.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a", "a", "b"], "user_id": ["u1", "u1", "u2"],
    ...                   "date": pd.to_datetime(["2026-01-05", "2026-01-31", "2026-02-01"])})
    >>> usage_volume(u)
         month  sessions  active_users  active_accounts
    0  2026-01         2             1                1
    1  2026-02         1             1                1
    """
    month = usage[date_col].dt.to_period("M").rename("month")
    g = usage.groupby(month, sort=True).agg(
        sessions=(user_col, "size"), active_users=(user_col, "nunique"), active_accounts=(account_col, "nunique"))
    if months is not None:
        g = g.reindex(pd.PeriodIndex(months, freq="M"), fill_value=0)
        g.index.name = "month"
    return g.reset_index()


# --------------------------------------------------------------------------- usage KPIs


def _usage_month(usage, months, date_col):
    months = pd.PeriodIndex(months, freq="M")
    m = usage[date_col].dt.to_period("M")
    keep = m.isin(months)
    return months, usage[keep], m[keep]


def activity_counts(usage: pd.DataFrame, months, *, user_col: str = "user_id", date_col: str = "date") -> pd.DataFrame:
    """Per month: distinct active users (``mau``) and distinct active user-days (``user_days``), and the days in the month.

    One pass with integer codes and hash-based uniques (no string de-duplication), shared by MAU, DAU and stickiness.

    Examples
    --------
    >>> u = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u1"],
    ...                   "date": pd.to_datetime(["2026-02-01", "2026-02-01", "2026-02-01", "2026-02-02"])})
    >>> activity_counts(u, pd.PeriodIndex(["2026-02"], freq="M"))
         month  mau  user_days  days
    0  2026-02    2          3    28
    """
    months = pd.PeriodIndex(months, freq="M")
    dates = usage[date_col].to_numpy()
    day = dates.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    pos = month.astype(np.int64) - int(months[0].ordinal)  # month index within ``months``
    keep = (pos >= 0) & (pos < len(months))
    codes, uniques = pd.factorize(usage[user_col])
    n_users = max(len(uniques), 1)
    day_in_month = (day - month.astype("datetime64[D]")).astype(np.int64)
    # one sorted key (month, user, day of month): distinct user-days and distinct user-months in one pass
    key = np.sort(((pos[keep] * n_users + codes[keep].astype(np.int64)) << 5) + day_in_month[keep])
    new_day = np.ones(len(key), dtype=bool)
    new_day[1:] = key[1:] != key[:-1]
    user_month = key >> 5
    new_user = np.ones(len(key), dtype=bool)
    new_user[1:] = user_month[1:] != user_month[:-1]
    month_of = user_month // n_users
    return pd.DataFrame({"month": months,
                         "mau": np.bincount(month_of[new_user], minlength=len(months)),
                         "user_days": np.bincount(month_of[new_day], minlength=len(months)),
                         "days": np.asarray(months.days_in_month)})


def activity_kpis(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """MAU, DAU and stickiness tables from :func:`activity_counts`."""
    return {
        "mau": value_table(counts["month"], counts["mau"], counts["mau"]),
        "dau": ratio_table(counts["month"], counts["user_days"], counts["days"], counts["days"], zero_reason="no days"),
        "stickiness": ratio_table(counts["month"], counts["user_days"] / counts["days"], counts["mau"], counts["mau"],
                                  zero_reason="no active users in the month"),
    }


def mau(usage: pd.DataFrame, months, *, user_col: str = "user_id", date_col: str = "date") -> pd.DataFrame:
    """Monthly active users: distinct users with at least one session in the month."""
    return activity_kpis(activity_counts(usage, months, user_col=user_col, date_col=date_col))["mau"]


def dau(usage: pd.DataFrame, months, *, user_col: str = "user_id", date_col: str = "date") -> pd.DataFrame:
    """Daily active users, averaged over every calendar day of the month (days without use count as 0).

    Examples
    --------
    >>> u = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u1"],
    ...                   "date": pd.to_datetime(["2026-02-01", "2026-02-01", "2026-02-01", "2026-02-02"])})
    >>> dau(u, pd.PeriodIndex(["2026-02"], freq="M"))["value"].item()  # (2 + 1) / 28 days
    0.10714285714285714
    """
    return activity_kpis(activity_counts(usage, months, user_col=user_col, date_col=date_col))["dau"]


def stickiness(usage: pd.DataFrame, months, *, user_col: str = "user_id", date_col: str = "date") -> pd.DataFrame:
    """DAU / MAU: the mean over the days of the month of DAU / MAU.

    numerator = mean DAU, denominator = MAU.
    """
    return activity_kpis(activity_counts(usage, months, user_col=user_col, date_col=date_col))["stickiness"]


def _distinct_per_month(usage: pd.DataFrame, months: pd.PeriodIndex, col: str, date_col: str,
                        by: pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``col`` per month (and per ``by`` group): integer codes and one sort, no string hashing per group.

    Returns (counts per month x group, group labels).
    """
    pos = usage[date_col].to_numpy().astype("datetime64[M]").astype(np.int64) - int(months[0].ordinal)
    keep = (pos >= 0) & (pos < len(months))
    codes, values = pd.factorize(usage[col])
    g_codes, groups = (np.zeros(len(usage), dtype=np.int64), np.array(["all"])) if by is None else pd.factorize(by, sort=True)
    n_v, n_g = max(len(values), 1), max(len(groups), 1)
    key = np.sort((pos[keep] * n_g + g_codes[keep]) * n_v + codes[keep])
    new = np.ones(len(key), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    cell = (key // n_v)[new]
    counts = np.bincount(cell, minlength=len(months) * n_g).reshape(len(months), n_g)
    return counts, np.asarray(groups)


def active_accounts(usage: pd.DataFrame, months, *, account_col: str = "account_id", date_col: str = "date") -> pd.DataFrame:
    """Accounts with at least one active user in the month."""
    months = pd.PeriodIndex(months, freq="M")
    n = _distinct_per_month(usage, months, account_col, date_col)[0][:, 0]
    return value_table(months, n, n)


def avg_session_minutes(usage: pd.DataFrame, months, *, date_col: str = "date",
                        seconds_col: str = "session_seconds") -> pd.DataFrame:
    """Total session seconds / sessions, in minutes (numerator in seconds)."""
    months, u, m = _usage_month(usage, months, date_col)
    total = u[seconds_col].groupby(m).sum().reindex(months, fill_value=0.0)
    n = m.value_counts().reindex(months, fill_value=0)
    return ratio_table(months, total, n, scale=1 / 60, zero_reason="no sessions in the month")


def feature_adoption(usage: pd.DataFrame, months, *, user_col: str = "user_id", date_col: str = "date",
                     feature_col: str = "feature") -> pd.DataFrame:
    """Per feature and month: active users who used the feature / active users.

    Returns the KPI columns plus ``feature``, one row per month and feature.

    Examples
    --------
    >>> u = pd.DataFrame({"user_id": ["u1", "u2", "u2"], "feature": ["tasks", "tasks", "reports"],
    ...                   "date": pd.to_datetime(["2026-01-05"] * 3)})
    >>> feature_adoption(u, pd.PeriodIndex(["2026-01"], freq="M"))[["feature", "value", "numerator", "denominator"]]
       feature  value  numerator  denominator
    0  reports    0.5        1.0          2.0
    1    tasks    1.0        2.0          2.0
    """
    months = pd.PeriodIndex(months, freq="M")
    active = activity_counts(usage, months, user_col=user_col, date_col=date_col)["mau"].to_numpy()
    users, features = _distinct_per_month(usage, months, user_col, date_col, by=usage[feature_col])
    grid = pd.MultiIndex.from_product([months, features], names=["month", "feature"])
    den = np.repeat(active, len(features))
    out = ratio_table(grid.get_level_values("month"), users.ravel(), den, zero_reason="no active users in the month")
    out.insert(1, "feature", pd.array(grid.get_level_values("feature"), dtype="str"))
    return out


def seat_utilisation(usage: pd.DataFrame, users: pd.DataFrame, months, *, user_col: str = "user_id",
                     date_col: str = "date", created_col: str = "created_date",
                     deactivated_col: str = "deactivated_date", active=None) -> pd.DataFrame:
    """Breadth: active users in the month / users licensed at the month end.

    ``active`` (MAU per month) is reused when given, e.g. from :func:`activity_counts`.
    """
    months = pd.PeriodIndex(months, freq="M")
    if active is None:
        active = mau(usage, months, user_col=user_col, date_col=date_col)["value"].to_numpy()
    ends = months.end_time.normalize()
    created = users[created_col].to_numpy()
    gone = users[deactivated_col].to_numpy() if deactivated_col in users.columns else np.full(len(users), np.datetime64("NaT"))
    licensed = [int(((created <= e) & ~(gone <= e)).sum()) for e in ends.to_numpy()]  # one vectorised count per month
    return ratio_table(months, active, licensed, zero_reason="no licensed users at month end")


def onboarded(onboarding: pd.DataFrame, accounts: pd.DataFrame, *, days: int = 30, required: list[str] | None = None,
              account_col: str = "account_id", signup_col: str = "signup_date", milestone_col: str = "milestone",
              completed_col: str = "completed_date") -> pd.Series:
    """Per account (every account of ``accounts``): completed every required milestone within ``days`` of signup?

    ``required`` defaults to every milestone in the table; a missing milestone is not completed.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "signup_date": pd.to_datetime(["2026-02-05", "2026-02-20"])})
    >>> ob = pd.DataFrame({"account_id": ["a", "a", "b"], "milestone": ["setup", "invite", "setup"],
    ...                    "completed_date": pd.to_datetime(["2026-02-06", "2026-02-25", "2026-02-21"])})
    >>> onboarded(ob, acc).tolist()
    [True, False]
    """
    required = sorted(onboarding[milestone_col].unique()) if required is None else required
    ob = onboarding[onboarding[milestone_col].isin(required)].merge(
        accounts[[account_col, signup_col]], on=account_col, how="inner")
    in_time = ((ob[completed_col] - ob[signup_col]).dt.days <= days).fillna(False)
    done_count = in_time.groupby(ob[account_col]).sum()
    return pd.Series(done_count.reindex(accounts[account_col]).fillna(0).to_numpy() >= len(required),
                     index=pd.Index(accounts[account_col], name=account_col))


def onboarding_completion_rate(onboarding: pd.DataFrame, accounts: pd.DataFrame, months, *, days: int = 30,
                               required: list[str] | None = None, account_col: str = "account_id",
                               signup_col: str = "signup_date", milestone_col: str = "milestone",
                               completed_col: str = "completed_date") -> pd.DataFrame:
    """Share of a signup cohort that completed every required milestone within ``days`` days of signup.

    The row for month m reports the signup-month cohort m - ceil(days / 28), whose
    ``days``-day windows have all closed by the end of m (named in ``note``). ``required`` defaults
    to every milestone in the table; an account with a missing milestone has not
    completed it.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "signup_date": pd.to_datetime(["2026-02-05", "2026-02-20"])})
    >>> ob = pd.DataFrame({"account_id": ["a", "a", "b", "b"], "milestone": ["setup", "invite"] * 2,
    ...                    "completed_date": pd.to_datetime(["2026-02-06", "2026-02-25", "2026-02-21", "2026-04-30"])})
    >>> # April reports the February cohort (30-day windows, lag 2 months): a done in time, b late
    >>> onboarding_completion_rate(ob, acc, pd.PeriodIndex(["2026-04"], freq="M"))[["value", "numerator", "denominator", "note"]]
       value  numerator  denominator           note
    0    0.5        1.0          2.0  cohort 2026-02
    """
    from playbook.ratios import report_cohort, with_cohort_note

    months = pd.PeriodIndex(months, freq="M")
    complete = onboarded(onboarding, accounts, days=days, required=required, account_col=account_col,
                         signup_col=signup_col, milestone_col=milestone_col, completed_col=completed_col).to_numpy()
    cohort = accounts[signup_col].dt.to_period("M").to_numpy()
    cohorts = report_cohort(months, days)
    rate = pd.DataFrame({"cohort": cohort, "done": complete}).groupby("cohort")["done"].agg(["sum", "size"])
    rate = rate.reindex(cohorts, fill_value=0)
    out = ratio_table(months, rate["sum"].to_numpy(), rate["size"].to_numpy(), zero_reason="no accounts in the cohort")
    return with_cohort_note(out, cohorts)
