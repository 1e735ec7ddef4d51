"""Usage and adoption: MAU, DAU, stickiness, active accounts, session time, feature adoption,
seat utilisation and onboarding completion."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.data.usage_log import UsageSummary, summarise_frame
from playbook.kpis.ratios import ratio_table, value_table

__all__ = [
    "summary_of",
    "usage_volume",
    "activity_counts",
    "activity_kpis",
    "mau",
    "dau",
    "stickiness",
    "active_accounts",
    "avg_session_minutes",
    "feature_adoption",
    "seat_utilisation",
    "onboarded",
    "onboarding_completion_rate",
]


def summary_of(usage) -> UsageSummary:
    """The :class:`~playbook.data.usage_log.UsageSummary` of a usage table (a summary passes through).

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (one row per session: ``account_id``, ``user_id``, ``date`` and optionally ``feature``,
        ``session_seconds``) or its summary.

    Returns
    -------
    UsageSummary
        The summary of the log, or ``usage`` itself when it is already a summary.
    """
    return usage if isinstance(usage, UsageSummary) else summarise_frame(usage)


def usage_volume(usage, *, months: pd.PeriodIndex | None = None) -> pd.DataFrame:
    """Sessions, active users and active accounts per calendar month.

    ``usage`` is a usage table or its :class:`~playbook.data.usage_log.UsageSummary`
    (as for every function here).

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : pandas.PeriodIndex, optional
        The months to report (zeros for a month without sessions). Default: every month from the first to the last month
        with a session.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``sessions``, ``active_users`` and ``active_accounts``.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a", "a", "b"], "user_id": ["u1", "u1", "u2"],
    ...                   "date": pd.to_datetime(["2026-01-05", "2026-01-31", "2026-02-01"])})
    >>> usage_volume(u)
         month  sessions  active_users  active_accounts
    0  2026-01         2             1                1
    1  2026-02         1             1                1
    """
    s = summary_of(usage)
    if months is None:
        seen = s.account_month["month"]
        months = pd.period_range(seen.min(), seen.max(), freq="M") if len(seen) else pd.PeriodIndex([], freq="M")
    m = s.monthly(months)
    return m[["month", "sessions", "mau", "active_accounts"]].rename(columns={"mau": "active_users"})


# --------------------------------------------------------------------------- usage KPIs


def activity_counts(usage, months) -> pd.DataFrame:
    """Per month: active users (``mau``), active user-days (``user_days``) and the days in the month.

    A user is the pair (account, user id); a user-day is a user active on a day.

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``mau``, ``user_days`` and ``days``.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a"] * 4, "user_id": ["u1", "u1", "u2", "u1"],
    ...                   "date": pd.to_datetime(["2026-02-01", "2026-02-01", "2026-02-01", "2026-02-02"])})
    >>> activity_counts(u, pd.PeriodIndex(["2026-02"], freq="M"))
         month  mau  user_days  days
    0  2026-02    2          3    28
    """
    return summary_of(usage).monthly(months)[["month", "mau", "user_days", "days"]]


def activity_kpis(counts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """MAU, DAU and stickiness tables from :func:`activity_counts`.

    Parameters
    ----------
    counts : pandas.DataFrame
        The table of :func:`activity_counts`: ``month``, ``mau``, ``user_days``, ``days``.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables ``"mau"``, ``"dau"`` and ``"stickiness"``, each with one row per month: ``month``, ``value``,
        ``numerator``, ``denominator``, ``n``, ``note``. See :func:`mau`, :func:`dau` and :func:`stickiness`.
    """
    return {
        "mau": value_table(counts["month"], counts["mau"], counts["mau"]),
        "dau": ratio_table(counts["month"], counts["user_days"], counts["days"], counts["days"], zero_reason="no days"),
        "stickiness": ratio_table(
            counts["month"],
            counts["user_days"] / counts["days"],
            counts["mau"],
            counts["mau"],
            zero_reason="no active users in the month",
        ),
    }


def mau(usage, months) -> pd.DataFrame:
    """Monthly active users: distinct users with at least one session in the month.

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` and ``n``
        are the active users (account and user id pairs); ``numerator`` and ``denominator`` are NaN and ``note`` is
        empty.
    """
    return activity_kpis(activity_counts(usage, months))["mau"]


def dau(usage, months) -> pd.DataFrame:
    """Daily active users, averaged over every calendar day of the month (days without use count as 0).

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        active user-days of the month and ``denominator`` (also ``n``) its calendar days.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a"] * 4, "user_id": ["u1", "u1", "u2", "u1"],
    ...                   "date": pd.to_datetime(["2026-02-01", "2026-02-01", "2026-02-01", "2026-02-02"])})
    >>> dau(u, pd.PeriodIndex(["2026-02"], freq="M"))["value"].item()  # (2 + 1) / 28 days
    0.10714285714285714
    """
    return activity_kpis(activity_counts(usage, months))["dau"]


def stickiness(usage, months) -> pd.DataFrame:
    """DAU / MAU: the mean over the days of the month of DAU / MAU.

    numerator = mean DAU, denominator = MAU.

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        mean DAU and ``denominator`` (also ``n``) the MAU; ``value`` is NaN, with the reason in ``note``, when there
        were no active users.
    """
    return activity_kpis(activity_counts(usage, months))["stickiness"]


def active_accounts(usage, months) -> pd.DataFrame:
    """Accounts with at least one active user in the month.

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` and ``n``
        are the active accounts; ``numerator`` and ``denominator`` are NaN and ``note`` is empty.
    """
    m = summary_of(usage).monthly(months)
    return value_table(m["month"], m["active_accounts"], m["active_accounts"])


def avg_session_minutes(usage, months) -> pd.DataFrame:
    """Total session seconds / sessions, in minutes (numerator in seconds).

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ``session_seconds``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is in
        minutes, ``numerator`` the total session seconds and ``denominator`` (also ``n``) the sessions. ``value`` is
        NaN, with the reason in ``note``, when there were no sessions, and NaN with an empty note when the log has no
        ``session_seconds``.
    """
    m = summary_of(usage).monthly(months)
    return ratio_table(m["month"], m["seconds"], m["sessions"], scale=1 / 60, zero_reason="no sessions in the month")


def feature_adoption(usage, months) -> pd.DataFrame:
    """Per feature and month: active users who used the feature / active users.

    Returns the KPI columns plus ``feature``, one row per month and feature.

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ``feature``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.

    Returns
    -------
    pandas.DataFrame
        One row per month and feature of the log (features sorted within a month; no rows when the log has no
        ``feature``): ``month``, ``feature``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator``
        is the active users who used the feature and ``denominator`` (also ``n``) all active users; ``value`` is NaN,
        with the reason in ``note``, when there were none.

    Examples
    --------
    >>> u = pd.DataFrame({"account_id": ["a"] * 3, "user_id": ["u1", "u2", "u2"], "feature": ["tasks", "tasks", "reports"],
    ...                   "date": pd.to_datetime(["2026-01-05"] * 3)})
    >>> feature_adoption(u, pd.PeriodIndex(["2026-01"], freq="M"))[["feature", "value", "numerator", "denominator"]]
       feature  value  numerator  denominator
    0  reports    0.5        1.0          2.0
    1    tasks    1.0        2.0          2.0
    """
    s = summary_of(usage)
    months = pd.PeriodIndex(months, freq="M")
    active = s.monthly(months).set_index("month")["mau"]
    f = s.feature_users(months)
    out = ratio_table(
        f["month"],
        f["users"].to_numpy(),
        active.reindex(f["month"]).to_numpy(),
        zero_reason="no active users in the month",
    )
    out.insert(1, "feature", f["feature"].to_numpy())
    out["feature"] = out["feature"].astype("str")
    return out


def seat_utilisation(
    usage,
    users: pd.DataFrame,
    months,
    *,
    created_col: str = "created_date",
    deactivated_col: str = "deactivated_date",
    active=None,
) -> pd.DataFrame:
    """Breadth: active users in the month / users licensed at the month end.

    ``active`` (MAU per month) is reused when given, e.g. from :func:`activity_counts`.

    Parameters
    ----------
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`; not read when ``active`` is given.
    users : pandas.DataFrame
        The users table: creation date and, optionally, deactivation date, in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    created_col, deactivated_col : str
        The columns holding the creation and deactivation dates. A table without the deactivation column has no
        deactivated users.
    active : array-like, optional
        The active users (MAU) of each month of ``months``. Default: computed with :func:`mau`.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        active users and ``denominator`` (also ``n``) the users licensed at month end (created on or before the last day
        of the month and not deactivated by then); ``value`` is NaN, with the reason in ``note``, when there were none.
    """
    months = pd.PeriodIndex(months, freq="M")
    if active is None:
        active = mau(usage, months)["value"].to_numpy()
    ends = months.end_time.normalize()
    created = users[created_col].to_numpy()
    gone = (
        users[deactivated_col].to_numpy()
        if deactivated_col in users.columns
        else np.full(len(users), np.datetime64("NaT"))
    )
    licensed = [int(((created <= e) & ~(gone <= e)).sum()) for e in ends.to_numpy()]  # one vectorised count per month
    return ratio_table(months, active, licensed, zero_reason="no licensed users at month end")


def onboarded(
    onboarding: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    days: int = 30,
    required: list[str] | None = None,
    account_col: str = "account_id",
    signup_col: str = "signup_date",
    milestone_col: str = "milestone",
    completed_col: str = "completed_date",
) -> pd.Series:
    """Per account (every account of ``accounts``): completed every required milestone within ``days`` of signup?

    ``required`` defaults to every milestone in the table; a missing milestone is not completed.

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The onboarding table: account id, milestone and completion date, in the columns named below.
    accounts : pandas.DataFrame
        The accounts table: account id and signup date, in the columns named below.
    days : int, default 30
        The number of days after signup within which each milestone must be completed.
    required : list of str, optional
        The milestones to complete. Default: every milestone in ``onboarding``.
    account_col, signup_col, milestone_col, completed_col : str
        The columns holding the account id, the signup date, the milestone and the completion date.

    Returns
    -------
    pandas.Series
        One boolean per account of ``accounts``, in its order, indexed by account id (index named ``account_col``): True
        when the account completed the required milestones in time.

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
        accounts[[account_col, signup_col]], on=account_col, how="inner"
    )
    in_time = ((ob[completed_col] - ob[signup_col]).dt.days <= days).fillna(False)
    done_count = in_time.groupby(ob[account_col]).sum()
    return pd.Series(
        done_count.reindex(accounts[account_col]).fillna(0).to_numpy() >= len(required),
        index=pd.Index(accounts[account_col], name=account_col),
    )


def onboarding_completion_rate(
    onboarding: pd.DataFrame,
    accounts: pd.DataFrame,
    months,
    *,
    days: int = 30,
    required: list[str] | None = None,
    account_col: str = "account_id",
    signup_col: str = "signup_date",
    milestone_col: str = "milestone",
    completed_col: str = "completed_date",
) -> pd.DataFrame:
    """Share of a signup cohort that completed every required milestone within ``days`` days of signup.

    The row for month m reports the signup-month cohort m - ceil(days / 28), whose
    ``days``-day windows have all closed by the end of m (named in ``note``). ``required`` defaults
    to every milestone in the table; an account with a missing milestone has not
    completed it.

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The onboarding table: account id, milestone and completion date, in the columns named below.
    accounts : pandas.DataFrame
        The accounts table: account id and signup date (datetime), in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The report months.
    days : int, default 30
        The number of days after signup within which each milestone must be completed.
    required : list of str, optional
        The milestones to complete. Default: every milestone in ``onboarding``.
    account_col, signup_col, milestone_col, completed_col : str
        The columns holding the account id, the signup date, the milestone and the completion date.

    Returns
    -------
    pandas.DataFrame
        One row per report month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator``
        is the accounts of the cohort that completed onboarding in time (as :func:`onboarded` decides) and
        ``denominator`` (also ``n``) the accounts that signed up in the cohort month. ``note`` names the cohort;
        ``value`` is NaN, with the reason also in ``note``, when the cohort is empty.

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
    from playbook.kpis.ratios import report_cohort, with_cohort_note

    months = pd.PeriodIndex(months, freq="M")
    complete = onboarded(
        onboarding,
        accounts,
        days=days,
        required=required,
        account_col=account_col,
        signup_col=signup_col,
        milestone_col=milestone_col,
        completed_col=completed_col,
    ).to_numpy()
    cohort = accounts[signup_col].dt.to_period("M").to_numpy()
    cohorts = report_cohort(months, days)
    rate = pd.DataFrame({"cohort": cohort, "done": complete}).groupby("cohort")["done"].agg(["sum", "size"])
    rate = rate.reindex(cohorts, fill_value=0)
    out = ratio_table(months, rate["sum"].to_numpy(), rate["size"].to_numpy(), zero_reason="no accounts in the cohort")
    return with_cohort_note(out, cohorts)
