"""Tiny worked examples for the KPI primer, and the checks that compare hand and library results.

Each ``example_*`` function returns a small table whose KPIs the primer works
out by hand in its text; :func:`agree` then shows the library's result next to
the hand result and stops the notebook if they ever differ. :func:`check_answer`
marks a reader's exercise answer without revealing the solution.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from playbook.report.formatting import format_value

__all__ = [
    "example_subscriptions",
    "example_churn_history",
    "example_value_inputs",
    "example_transactions",
    "example_surveys",
    "example_tickets",
    "example_usage",
    "example_onboarding",
    "example_funnel",
    "agree",
    "check_answer",
    "net_new_mrr_needed",
    "kgi_breakdown",
]

SEP, OCT = pd.Period("2026-09", freq="M"), pd.Period("2026-10", freq="M")


def example_subscriptions() -> pd.DataFrame:
    """Four accounts of the Hikari company around October 2026.

    A upgrades 10,000 -> 15,000 on 10-15; B cancels on 10-20; C downgrades
    30,000 -> 25,000 on 10-10; D starts at 12,000 on 10-05.

    Returns
    -------
    pandas.DataFrame
        A ``subscriptions`` table of six rows: ``account_id``, ``start_date``, ``end_date`` (NaT while
        the subscription runs), ``mrr``.
    """
    rows = [
        ("A", "2026-08-01", "2026-10-14", 10000),
        ("A", "2026-10-15", None, 15000),
        ("B", "2026-08-01", "2026-10-20", 20000),
        ("C", "2026-08-01", "2026-10-09", 30000),
        ("C", "2026-10-10", None, 25000),
        ("D", "2026-10-05", None, 12000),
    ]
    df = pd.DataFrame(rows, columns=["account_id", "start_date", "end_date", "mrr"])
    return df.assign(
        start_date=pd.to_datetime(df["start_date"]),
        end_date=pd.to_datetime(df["end_date"]),
        mrr=df["mrr"].astype("float64"),
    )


def example_churn_history() -> pd.DataFrame:
    """Six months of a company with 100 customers at each month start: 2, 3, 1, 2, 2, 2 churn.

    Returns
    -------
    pandas.DataFrame
        One row per month, 2026-05 to 2026-10: ``month``, ``customers_start``, ``churned_customers``,
        ``new_customers`` (4 a month).
    """
    return pd.DataFrame(
        {
            "month": pd.period_range("2026-05", "2026-10", freq="M"),
            "customers_start": 100.0,
            "churned_customers": [2.0, 3.0, 1.0, 2.0, 2.0, 2.0],
            "new_customers": 4.0,
        }
    )


def example_value_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A bridge of 7 months (100 customers paying 2,000,000 in total, 2 churned and 10 new a month) and its costs.

    Returns
    -------
    bridge : pandas.DataFrame
        One row per month, 2026-04 to 2026-10: ``month``, ``mrr_start``, ``mrr_end``,
        ``customers_start``, ``customers_end``, ``churned_customers``, ``new_customers``.
    costs : pandas.DataFrame
        A ``costs`` table: ``month``, ``category`` (``cost_of_revenue`` 400,000, ``sales_marketing``
        3,000,000 and ``customer_success`` 500,000 a month), ``amount``.
    """
    months = pd.period_range("2026-04", "2026-10", freq="M")
    bridge = pd.DataFrame(
        {
            "month": months,
            "mrr_start": 2_000_000.0,
            "mrr_end": 2_000_000.0,
            "customers_start": 100.0,
            "customers_end": 100.0,
            "churned_customers": 2.0,
            "new_customers": 10.0,
        }
    )
    rows = [
        (m, c, a)
        for m in months
        for c, a in (("cost_of_revenue", 400_000.0), ("sales_marketing", 3_000_000.0), ("customer_success", 500_000.0))
    ]
    return bridge, pd.DataFrame(rows, columns=["month", "category", "amount"])


def example_transactions() -> pd.DataFrame:
    """October orders: customer X buys 3,000 and 5,000; customer Y buys 4,000.

    Returns
    -------
    pandas.DataFrame
        A ``transactions`` table of three rows: ``account_id``, ``date``, ``amount``.
    """
    return pd.DataFrame(
        {
            "account_id": ["X", "X", "Y"],
            "date": pd.to_datetime(["2026-10-03", "2026-10-21", "2026-10-11"]),
            "amount": [3000.0, 5000.0, 4000.0],
        }
    )


def example_surveys() -> pd.DataFrame:
    """Ten NPS responses, five CSAT and five CES responses in October.

    Returns
    -------
    pandas.DataFrame
        A ``surveys`` table of twenty rows, all dated 2026-10-15: ``survey`` (``nps``, ``csat`` or
        ``ces``), ``score``, ``date``, ``touchpoint`` (``support`` for CSAT, empty otherwise).
    """
    nps = [10, 9, 9, 8, 7, 7, 6, 5, 3, 10]
    csat = [5, 4, 4, 3, 2]
    ces = [7, 6, 5, 4, 2]
    rows = [("nps", s) for s in nps] + [("csat", s) for s in csat] + [("ces", s) for s in ces]
    df = pd.DataFrame(rows, columns=["survey", "score"])
    return df.assign(date=pd.Timestamp("2026-10-15"), touchpoint=np.where(df["survey"] == "csat", "support", ""))


def example_tickets() -> pd.DataFrame:
    """Five October tickets: three solved in one contact, one needing three contacts, one reopened.

    Returns
    -------
    pandas.DataFrame
        A ``tickets`` table of five rows: ``opened_at``, ``first_response_at`` (1 to 5 hours later),
        ``resolved_at`` (8 hours after opening), ``contacts``, ``reopened``, ``escalated`` (the
        three-contact ticket).
    """
    opened = pd.to_datetime(
        ["2026-10-01 09:00", "2026-10-02 10:00", "2026-10-05 11:00", "2026-10-06 09:00", "2026-10-07 15:00"]
    )
    hours = [1, 2, 5, 2, 1]
    return pd.DataFrame(
        {
            "opened_at": opened,
            "first_response_at": opened + pd.to_timedelta(hours, unit="h"),
            "resolved_at": opened + pd.Timedelta(hours=8),
            "contacts": [1, 1, 3, 1, 1],
            "reopened": [False, False, False, False, True],
            "escalated": [False, False, True, False, False],
        }
    )


def example_usage() -> pd.DataFrame:
    """September (30 days): u1 is active on days 1-15, u2 on days 1-6, u3 on days 1-3.

    Returns
    -------
    pandas.DataFrame
        One row per user and active day, all of account ``A``: ``account_id``, ``user_id``, ``date``.
    """
    days = {"u1": 15, "u2": 6, "u3": 3}
    users = np.repeat(list(days), list(days.values()))
    day = np.concatenate([np.arange(n) for n in days.values()])
    return pd.DataFrame(
        {"account_id": "A", "user_id": users, "date": pd.Timestamp("2026-09-01") + pd.to_timedelta(day, unit="D")}
    )


def example_onboarding() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four accounts that signed up in August; three finish both milestones within 30 days.

    Returns
    -------
    onboarding : pandas.DataFrame
        An ``onboarding`` table: ``account_id``, ``milestone`` (``setup`` and ``invite_team`` for each
        account), ``completed_date`` (NaT for S's unfinished ``invite_team``).
    accounts : pandas.DataFrame
        The accounts P, Q, R and S: ``account_id``, ``signup_date``.
    """
    accounts = pd.DataFrame(
        {
            "account_id": ["P", "Q", "R", "S"],
            "signup_date": pd.to_datetime(["2026-08-03", "2026-08-10", "2026-08-17", "2026-08-24"]),
        }
    )
    done = ["2026-08-05", "2026-08-20", "2026-08-11", "2026-08-30", "2026-08-18", "2026-09-10", "2026-08-25", None]
    onboarding = pd.DataFrame(
        {
            "account_id": ["P", "P", "Q", "Q", "R", "R", "S", "S"],
            "milestone": ["setup", "invite_team"] * 4,
            "completed_date": pd.to_datetime(done),
        }
    )
    return onboarding, accounts


def example_funnel() -> pd.DataFrame:
    """October funnel: 2,000 visitors, 100 trials, 20 new customers.

    Returns
    -------
    pandas.DataFrame
        A ``funnel`` table of three rows: ``month``, ``stage`` (``visitors``, ``trials``,
        ``new_customers``), ``count``.
    """
    return pd.DataFrame(
        {"month": pd.PeriodIndex([OCT] * 3), "stage": ["visitors", "trials", "new_customers"], "count": [2000, 100, 20]}
    )


def net_new_mrr_needed(current_mrr: float, target_arr: float, months: int) -> float:
    """Net new MRR needed per month to reach ``target_arr`` in ``months`` months from ``current_mrr``.

    Parameters
    ----------
    current_mrr : float
        Today's MRR.
    target_arr : float
        The ARR to reach; the target MRR is a twelfth of it.
    months : int
        The months left to the deadline.

    Returns
    -------
    float
        ``(target_arr / 12 - current_mrr) / months``; negative when the target is already passed.

    Raises
    ------
    ValueError
        ``months`` is 0 or less.

    Examples
    --------
    >>> net_new_mrr_needed(30_000_000, 480_000_000, 5)  # (40M - 30M) / 5
    2000000.0
    """
    if months <= 0:
        raise ValueError(f"months must be > 0, got {months}")
    return (target_arr / 12 - current_mrr) / months


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def _number(x: float) -> str:
    x = float(x)
    return f"{x:,.0f}" if x.is_integer() or abs(x) >= 1000 else f"{x:.4g}"


def agree(by_hand: float, library: float, *, what: str, lang: str = "en") -> str:
    """Markdown line comparing the hand result with the library's; raises if they differ.

    Parameters
    ----------
    by_hand : float
        The result worked out by hand in the primer's text.
    library : float
        The library's result for the same KPI.
    what : str
        The KPI's name, shown in bold.
    lang : {"en", "ja"}, default "en"
        The language of the line.

    Returns
    -------
    str
        One Markdown line with both results and a check mark.

    Raises
    ------
    AssertionError
        The two results differ (beyond a relative and an absolute tolerance of 1e-9).

    Examples
    --------
    >>> agree(0.25, 1 / 4, what="logo churn")
    '**logo churn** — by hand: 0.25 · library: 0.25 → they agree ✓'
    """
    if not _same(by_hand, library):
        raise AssertionError(f"{what}: the hand result {by_hand} and the library's {library} differ")
    if lang == "ja":
        return f"**{what}** — 手計算: {_number(by_hand)} ・ ライブラリ: {_number(library)} → 一致 ✓"
    return f"**{what}** — by hand: {_number(by_hand)} · library: {_number(library)} → they agree ✓"


def check_answer(
    answer: float | None, expected: float, *, tolerance: float = 0.01, hint: str = "", lang: str = "en"
) -> str:
    """Mark an exercise answer (Markdown) without revealing the expected value.

    ``tolerance`` is relative (1%), so rounded answers pass and a wrong denominator does not.

    Parameters
    ----------
    answer : float or None
        The reader's answer; None while the exercise is not done.
    expected : float
        The right answer.
    tolerance : float, default 0.01
        The relative tolerance.
    hint : str, default ""
        Shown after a wrong answer.
    lang : {"en", "ja"}, default "en"
        The language of the line.

    Returns
    -------
    str
        A Markdown line: not answered yet, correct, or not quite with the hint.

    Examples
    --------
    >>> check_answer(None, 25.0)
    '✏️ Not answered yet: replace `None` with your answer and run the cell again.'
    >>> check_answer(25, 25.0)
    '✅ Correct!'
    >>> check_answer(30, 25.0, hint="passives count in the denominator")
    '❌ Not quite. Hint: passives count in the denominator'
    """
    if answer is None:
        return (
            "✏️ まだ回答がありません：`None` をあなたの答えに置き換えて、セルを再実行してください。"
            if lang == "ja"
            else "✏️ Not answered yet: replace `None` with your answer and run the cell again."
        )
    ok = math.isclose(float(answer), float(expected), rel_tol=tolerance, abs_tol=1e-9)
    if ok:
        return "✅ 正解です！" if lang == "ja" else "✅ Correct!"
    return f"❌ 惜しい！ヒント：{hint}" if lang == "ja" else f"❌ Not quite. Hint: {hint}"


def kgi_breakdown(
    current_mrr: float, *, target_arr: float, month, deadline, lang: str = "en", currency: str = "JPY"
) -> pd.DataFrame:
    """A revenue KGI in monthly terms: today's MRR and ARR, the target, months left, and net new MRR needed per month.

    Parameters
    ----------
    current_mrr : float
        Today's MRR.
    target_arr : float
        The KGI: the ARR to reach by ``deadline``.
    month : str or pandas.Period
        The current month.
    deadline : str or pandas.Period
        The KGI's deadline month.
    lang : {"en", "ja"}, default "en"
        The language of the row labels and amounts.
    currency : str, default "JPY"
        The currency of the amounts.

    Returns
    -------
    pandas.DataFrame
        Six rows of text indexed by their labels: MRR, ARR, target ARR, target MRR, net new MRR needed per
        month (:func:`net_new_mrr_needed`), and the months to the deadline; one column, named after
        ``month``.

    Raises
    ------
    ValueError
        ``deadline`` is not after ``month``.
    """

    month, deadline = pd.Period(month, freq="M"), pd.Period(deadline, freq="M")
    left = (deadline - month).n
    needed = net_new_mrr_needed(current_mrr, target_arr, left)
    rows = [
        ("MRR", current_mrr),
        ("ARR", 12 * current_mrr),
        ("target ARR" if lang != "ja" else "目標ARR", target_arr),
        ("target MRR" if lang != "ja" else "目標MRR", target_arr / 12),
        ("net new MRR needed per month" if lang != "ja" else "必要な月次純増MRR", needed),
    ]
    out = pd.DataFrame(
        {"": [r[0] for r in rows], str(month): [format_value(r[1], "currency", currency, lang) for r in rows]}
    )
    months_label = "months to the deadline" if lang != "ja" else "期限までの月数"
    out.loc[len(out)] = [months_label, f"{left} ({deadline})"]
    return out.set_index("")
