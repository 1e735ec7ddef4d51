"""Usage and adoption: MAU, DAU, stickiness, active accounts, session time, feature adoption,
seat utilisation (licensed users and paid seats), onboarding completion, milestones on time and time to first value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.data.usage_log import UsageSummary, summarise_frame
from playbook.kpis.ratios import month_of, ratio_table, report_cohort, value_table, with_cohort_note

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
    "account_seat_utilisation",
    "paid_seat_utilisation",
    "onboarded",
    "onboarding_completion_rate",
    "milestones_on_time",
    "first_value_dates",
    "time_to_first_value",
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


def account_seat_utilisation(
    subscriptions: pd.DataFrame,
    usage,
    month,
    *,
    account_col: str = "account_id",
    seats_col: str = "seats",
    start_col: str = "start_date",
    end_col: str = "end_date",
) -> pd.DataFrame:
    """Per account with paid seats at the end of ``month``: its seats, its active users in the month, and their ratio.

    An account's seats are the sum of ``seats_col`` over its subscription rows active on the last day of the month
    (``start <= day <= end``, an empty end is open); add-on rows without seats add nothing. Active users come from the
    usage log: the account's distinct users with a session in the month.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        The subscriptions table: account id, seats, start and (optionally) end dates, in the columns named below; a
        table without the end column has only open rows.
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    month : str or pandas.Period
        The month.
    account_col, seats_col, start_col, end_col : str
        The subscriptions columns holding the account id, the seats and the start and end dates.

    Returns
    -------
    pandas.DataFrame
        One row per account with more than 0 seats at month end, sorted by account id: ``account_id``, ``seats``,
        ``active_users`` (0 when no user was active) and ``utilisation`` = active users / seats (above 1 when more
        users were active than the account pays seats for).

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "a", "b"], "seats": [10, 0, 2],
    ...                      "start_date": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-01-01"]),
    ...                      "end_date": pd.to_datetime([None, None, None])})
    >>> u = pd.DataFrame({"account_id": ["a", "a", "b", "b", "b"], "user_id": ["u1", "u2", "u3", "u4", "u5"],
    ...                   "date": pd.to_datetime(["2026-02-03"] * 5)})
    >>> account_seat_utilisation(subs, u, "2026-02")
      account_id  seats  active_users  utilisation
    0          a     10             2          0.2
    1          b      2             3          1.5
    """
    month = pd.Period(month, freq="M")
    day = month.end_time.normalize()
    ended = (subscriptions[end_col] < day).fillna(False) if end_col in subscriptions.columns else False
    live = subscriptions[(subscriptions[start_col] <= day) & ~ended]
    seats = live.groupby(account_col)[seats_col].sum()
    seats = seats[seats > 0].astype("int64")
    am = summary_of(usage).account_month
    active = am[am["month"] == month].set_index("account_id")["users"]
    users = active.reindex(seats.index).fillna(0).astype("int64").to_numpy()
    return pd.DataFrame(
        {
            "account_id": seats.index.astype("str"),
            "seats": seats.to_numpy(),
            "active_users": users,
            "utilisation": users / seats.to_numpy(),
        }
    )


def paid_seat_utilisation(
    subscriptions: pd.DataFrame,
    usage,
    months,
    *,
    account_col: str = "account_id",
    seats_col: str = "seats",
    start_col: str = "start_date",
    end_col: str = "end_date",
) -> pd.DataFrame:
    """Share of the paid seats in use: per account min(active users, seats), summed, / seats, summed.

    Accounts and their seats as in :func:`account_seat_utilisation` (accounts with seats at month end). An
    account's used seats are capped at its seats, so users over the seats of one account do not hide empty seats
    of another: the value is the share of all paid seats that had an active user, between 0 and 1.

    Parameters
    ----------
    subscriptions : pandas.DataFrame
        The subscriptions table: account id, seats, start and end dates, in the columns named below.
    usage : pandas.DataFrame or UsageSummary
        The usage log (``account_id``, ``user_id``, ``date``, ...) or its
        :class:`~playbook.data.usage_log.UsageSummary`.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    account_col, seats_col, start_col, end_col : str
        The subscriptions columns holding the account id, the seats and the start and end dates.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        used seats (min of active users and seats, summed over the accounts), ``denominator`` the seats at month
        end and ``n`` the accounts with seats; ``value`` is NaN, with the reason in ``note``, when no account had
        seats.

    Examples
    --------
    >>> subs = pd.DataFrame({"account_id": ["a", "b"], "seats": [10, 2],
    ...                      "start_date": pd.to_datetime(["2026-01-01", "2026-01-01"]), "end_date": pd.NaT})
    >>> u = pd.DataFrame({"account_id": ["a", "a", "b", "b", "b"], "user_id": ["u1", "u2", "u3", "u4", "u5"],
    ...                   "date": pd.to_datetime(["2026-02-03"] * 5)})
    >>> # a uses 2 of 10 seats, b 3 users on 2 seats counts 2 of 2: (2 + 2) / (10 + 2)
    >>> paid_seat_utilisation(subs, u, ["2026-02"])[["value", "numerator", "denominator", "n"]]
          value  numerator  denominator  n
    0  0.333333        4.0         12.0  2
    """
    months = pd.PeriodIndex(months, freq="M")
    summary = summary_of(usage)
    used, seats, accounts = [], [], []
    for m in months:  # one small per-account table per month
        t = account_seat_utilisation(
            subscriptions,
            summary,
            m,
            account_col=account_col,
            seats_col=seats_col,
            start_col=start_col,
            end_col=end_col,
        )
        used.append(float(np.minimum(t["active_users"], t["seats"]).sum()))
        seats.append(float(t["seats"].sum()))
        accounts.append(len(t))
    return ratio_table(months, used, seats, accounts, zero_reason="no paid seats at month end")


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
    >>> twice = pd.DataFrame({"account_id": ["b", "b"], "milestone": ["setup", "setup"],
    ...                       "completed_date": pd.to_datetime(["2026-02-21", "2026-02-22"])})
    >>> onboarded(pd.concat([ob, twice]), acc).tolist()  # b's setup twice does not make up for its missing invite
    [True, False]
    """
    required = set(onboarding[milestone_col].unique()) if required is None else set(required)
    ob = onboarding[onboarding[milestone_col].isin(required)].merge(
        accounts[[account_col, signup_col]], on=account_col, how="inner"
    )
    in_time = ((ob[completed_col] - ob[signup_col]).dt.days <= days).fillna(False).to_numpy(dtype=bool)
    # distinct milestones done in time: a milestone listed twice counts once
    done_count = ob.loc[in_time].groupby(account_col)[milestone_col].nunique()
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


def milestones_on_time(
    onboarding: pd.DataFrame,
    accounts: pd.DataFrame,
    months,
    *,
    account_col: str = "account_id",
    signup_col: str = "signup_date",
    completed_col: str = "completed_date",
    due_col: str = "due_days",
) -> pd.DataFrame:
    """Onboarding milestones due in the month that were completed by their due date / milestones due in the month.

    A milestone is due ``due_days`` days after the account's signup; it is on time when completed on or before that
    day. Every milestone due in a complete month can be judged at its end, so no cohort lag is needed. Milestones
    without ``due_days`` are left out.

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The onboarding table: account id, completion date and due days, in the columns named below.
    accounts : pandas.DataFrame
        The accounts table: account id and signup date (datetime), in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    account_col, signup_col, completed_col, due_col : str
        The columns holding the account id, the signup date, the completion date and the due days.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        milestones due in the month and completed by their due date, ``denominator`` (also ``n``) the milestones due
        in the month; ``value`` is NaN, with the reason in ``note``, when none was due.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "signup_date": pd.to_datetime(["2026-01-30", "2026-02-10"])})
    >>> ob = pd.DataFrame({"account_id": ["a", "a", "b"], "milestone": ["setup", "invite", "setup"],
    ...                    "completed_date": pd.to_datetime(["2026-02-02", "2026-02-25", None]),
    ...                    "due_days": [3, 14, 3]})
    >>> # due in February: a setup (02-02, done that day), a invite (02-13, done 02-25: late), b setup (02-13, open)
    >>> milestones_on_time(ob, acc, ["2026-02"])[["value", "numerator", "denominator"]]
          value  numerator  denominator
    0  0.333333        1.0          3.0
    """
    months = pd.PeriodIndex(months, freq="M")
    ob = onboarding[onboarding[due_col].notna()].merge(accounts[[account_col, signup_col]], on=account_col, how="inner")
    due = ob[signup_col] + pd.to_timedelta(ob[due_col].astype("int64"), unit="D")
    on_time = (ob[completed_col] <= due).fillna(False).astype(bool)
    m = month_of(due)
    return ratio_table(
        months,
        on_time.groupby(m).sum().reindex(months, fill_value=0),
        m.value_counts().reindex(months, fill_value=0),
        zero_reason="no onboarding milestones due in the month",
    )


def first_value_dates(
    onboarding: pd.DataFrame,
    *,
    milestone: str | None = None,
    account_col: str = "account_id",
    milestone_col: str = "milestone",
    completed_col: str = "completed_date",
) -> pd.Series:
    """The date each account reached first value: when it completed ``milestone``, or its whole onboarding.

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The onboarding table: account id, milestone and completion date, in the columns named below.
    milestone : str, optional
        The milestone that counts as first value (e.g. ``"first_project"``). Default: first value is onboarding
        done, the day the last of every milestone of the table was completed (an account missing one has not
        reached it).
    account_col, milestone_col, completed_col : str
        The columns holding the account id, the milestone and the completion date.

    Returns
    -------
    pandas.Series
        The first-value date (datetime) of each account that reached it, indexed by account id and named
        ``first_value_date``; empty when ``milestone`` is not in the table.

    Examples
    --------
    >>> ob = pd.DataFrame({"account_id": ["a", "a", "b", "b"], "milestone": ["setup", "project"] * 2,
    ...                    "completed_date": pd.to_datetime(["2026-02-01", "2026-02-09", "2026-02-03", None])})
    >>> first_value_dates(ob).astype(str).to_dict()  # b has not done its project
    {'a': '2026-02-09'}
    >>> first_value_dates(ob, milestone="setup").astype(str).to_dict()
    {'a': '2026-02-01', 'b': '2026-02-03'}
    """
    done = onboarding[onboarding[completed_col].notna()]
    if milestone is not None:
        dates = done[done[milestone_col] == milestone].groupby(account_col)[completed_col].min()
    else:
        required = onboarding[milestone_col].nunique()
        by = done.groupby(account_col)
        dates = by[completed_col].max()[by[milestone_col].nunique() >= required]
    dates.index = dates.index.astype("str")
    return dates.rename("first_value_date")


def time_to_first_value(
    onboarding: pd.DataFrame,
    accounts: pd.DataFrame,
    months,
    *,
    milestone: str | None = None,
    account_col: str = "account_id",
    signup_col: str = "signup_date",
    milestone_col: str = "milestone",
    completed_col: str = "completed_date",
) -> pd.DataFrame:
    """Median days from signup to first value, over the accounts that reached first value in the month.

    First value is the completion of ``milestone``, or by default the whole onboarding (see
    :func:`first_value_dates`). Accounts are placed in the month they reached it, so a month's value is final once
    the month has ended; accounts that never reach it are not in any month (the share that finish onboarding in
    time is :func:`onboarding_completion_rate`).

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The onboarding table: account id, milestone and completion date, in the columns named below.
    accounts : pandas.DataFrame
        The accounts table: account id and signup date (datetime), in the columns named below.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    milestone : str, optional
        The milestone that counts as first value. Default: every milestone of the table done.
    account_col, signup_col, milestone_col, completed_col : str
        The columns holding the account id, the signup date, the milestone and the completion date.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is the
        median of the whole days from signup to first value and ``n`` the accounts that reached first value in the
        month; ``numerator`` and ``denominator`` are NaN. ``value`` is NaN, with the reason in ``note``, when no
        account reached it.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"], "signup_date": pd.to_datetime(["2026-01-20", "2026-02-01", "2026-02-02"])})
    >>> ob = pd.DataFrame({"account_id": ["a", "a", "b", "b", "c", "c"], "milestone": ["setup", "project"] * 3,
    ...                    "completed_date": pd.to_datetime(["2026-01-21", "2026-02-05", "2026-02-02", "2026-02-09",
    ...                                                      "2026-02-03", None])})
    >>> # February: a took 16 days (01-20 -> 02-05), b 8 days; c has not finished -> median 12
    >>> time_to_first_value(ob, acc, ["2026-02"])[["value", "n"]]
       value  n
    0   12.0  2
    """
    months = pd.PeriodIndex(months, freq="M")
    dates = first_value_dates(
        onboarding,
        milestone=milestone,
        account_col=account_col,
        milestone_col=milestone_col,
        completed_col=completed_col,
    )
    signup = accounts.set_index(accounts[account_col].astype("str"))[signup_col]
    reached = dates[dates.index.isin(signup.index)]
    days = (reached - signup.reindex(reached.index)).dt.days.astype("float64")
    m = month_of(reached)
    med = days.groupby(m).median().reindex(months)
    n = m.value_counts().reindex(months, fill_value=0)
    note = np.where(n.to_numpy() > 0, "", "no account reached first value in the month")
    return value_table(months, med, n, note)
