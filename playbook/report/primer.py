"""Tiny worked examples for the KPI primer, and the checks that compare hand and library results.

Each ``example_*`` function returns a small table whose KPIs the primer works
out by hand in its text; :func:`agree` then shows the library's result next to
the hand result and stops the notebook if they ever differ. :func:`check` marks a
reader's exercise answer, typed as people write numbers (``25``, ``3%``, ``２５``,
``90万``), and explains a wrong one without revealing the answer; :func:`quiz` marks
the "which KPI for which problem" quiz. The ``*_table``, ``story`` and ``*_reading``
functions put the sample company's real numbers into the primer's explanations.
Every word comes from ``playbook/texts/<lang>/primer.yaml``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from playbook.kpis import purchases, retention, revenue, usage, value, voice
from playbook.kpis.catalog import compute_kpis
from playbook.kpis.ratios import report_cohort
from playbook.report.formatting import format_month, format_value
from playbook.texts import text

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
    "parse_answer",
    "check_answer",
    "Exercise",
    "exercises",
    "check",
    "QUIZ",
    "quiz",
    "net_new_mrr_needed",
    "kgi_breakdown",
    "sample_kpis",
    "nrr_table",
    "revenue_per_table",
    "ltv_table",
    "repeat_window_table",
    "story",
    "usage_reading",
    "value_reading",
    "ces_reading",
    "heatmap_reading",
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
    >>> agree(0.25, 1 / 4, what="顧客チャーンレート", lang="ja")
    '**顧客チャーンレート** — 手計算: 0.25 ・ ライブラリ: 0.25 → 一致 ✓'
    """
    if not _same(by_hand, library):
        raise AssertionError(f"{what}: the hand result {by_hand} and the library's {library} differ")
    return text("primer.agree", lang, what=what, hand=_number(by_hand), library=_number(library))


# --- reading and marking answers -------------------------------------------------------------------

_MULTIPLIERS = {"億": 1e8, "万": 1e4, "千": 1e3, "m": 1e6, "k": 1e3}
_UNIT_WORDS = re.compile(
    r"(?i)(jpy|yen|円|points?|pts?|ポイント|点|months?|か月|ヶ月|カ月|days?|日間|日|hours?|時間|per\s*month|/月|倍|x)$"
)
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(億|万|千|[mk])?$", re.IGNORECASE)


def parse_answer(answer) -> tuple[float, bool]:
    """Read a reader's answer as a number: ``25``, ``"25 points"``, ``"３％"``, ``"¥900,000"``, ``"90万"``.

    Full-width characters are read as their ASCII twins, thousands separators, currency signs and
    unit words (points, 点, 円, か月, days ...) are dropped, and 万, 千, 億, k and M multiply.

    Parameters
    ----------
    answer : int, float or str
        The answer as typed.

    Returns
    -------
    value : float
        The number, before any percent is taken.
    percent : bool
        Whether the answer ended with a percent sign (``%`` or ``％``).

    Raises
    ------
    ValueError
        The answer is not a number in any of these forms.

    Examples
    --------
    >>> parse_answer("¥900,000"), parse_answer("90万円"), parse_answer("３％"), parse_answer("25 points")
    ((900000.0, False), (900000.0, False), (3.0, True), (25.0, False))
    """
    if isinstance(answer, bool):
        raise ValueError(f"not a number: {answer!r}")
    if isinstance(answer, (int, float, np.integer, np.floating)):
        return float(answer), False
    s = unicodedata.normalize("NFKC", str(answer)).strip().lower()
    s = s.replace(",", "").replace("、", "").replace("¥", "").replace("￥", "").replace(" ", "")
    s = s.replace("−", "-").replace("–", "-").replace("約", "").replace("about", "")
    percent = s.endswith("%")
    s = s.rstrip("%")
    for _ in range(2):  # "90万円": drop 円, then read 90万
        s = _UNIT_WORDS.sub("", s).strip()
    s = s.rstrip("%")
    percent = percent or str(answer).strip().endswith(("%", "％"))
    m = _NUMBER.match(s)
    if not m:
        raise ValueError(f"not a number: {answer!r}")
    value = float(m.group(1)) * _MULTIPLIERS.get((m.group(2) or "").lower(), 1.0)
    return value, percent


def _candidates(value: float, percent: bool, kind: str) -> list[float]:
    """The values an answer may mean: a rate written as 3 or 3% is also 0.03."""
    if kind == "rate":
        return [value / 100] if percent else [value, value / 100]
    return [value]


def _close(a: float, b: float, tolerance: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=1e-9)


def check_answer(
    answer,
    expected: float,
    *,
    kind: str = "number",
    hint: str = "",
    mistakes: dict[float, str] | None = None,
    tolerance: float = 0.01,
    lang: str = "en",
) -> str:
    """Mark an exercise answer (Markdown) without revealing the expected value.

    The answer may be typed as the reader would write it (see :func:`parse_answer`). A rate
    (``kind="rate"``) is accepted as a fraction (``0.03``), a percentage (``"3%"``) or the bare
    percent number (``3``). ``tolerance`` is relative (1%), so rounded answers pass and a wrong
    denominator does not. A wrong answer gets the explanation of the known mistake it matches, else
    ``hint``; neither contains the answer.

    Parameters
    ----------
    answer : int, float, str or None
        The reader's answer; None while the exercise is not done.
    expected : float
        The right answer.
    kind : {"number", "rate", "points", "yen", "days"}, default "number"
        How the answer may be written; only ``rate`` changes the reading.
    hint : str, default ""
        Shown after a wrong answer that matches no known mistake.
    mistakes : dict of float to str, optional
        Known wrong answers (as values) and what each one tells about the reasoning.
    tolerance : float, default 0.01
        The relative tolerance.
    lang : {"en", "ja"}, default "en"
        The language of the line.

    Returns
    -------
    str
        A Markdown line: not answered yet, not a number, correct, or not quite with an explanation.

    Examples
    --------
    >>> check_answer(None, 25.0)
    '✏️ Not answered yet: replace `None` with your answer and run the cell again.'
    >>> check_answer("２５点", 25.0), check_answer("3%", 0.03, kind="rate")
    ('✅ Correct!', '✅ Correct!')
    >>> check_answer(30, 25.0, hint="passives count in the denominator")
    '❌ Not quite: your answer is too high. Hint: passives count in the denominator'
    """
    if answer is None:
        return text("primer.check.none", lang)
    try:
        value, percent = parse_answer(answer)
    except ValueError:
        return text("primer.check.unreadable", lang, answer=str(answer))
    candidates = _candidates(value, percent, kind)
    if any(_close(c, expected, tolerance) for c in candidates):
        return text("primer.check.correct", lang)
    for wrong, why in (mistakes or {}).items():
        if any(_close(c, wrong, tolerance) for c in candidates):
            return text("primer.check.mistake", lang, why=why)
    side = "high" if candidates[0] > expected else "low"
    return text(f"primer.check.too_{side}", lang, hint=hint)


@dataclass(frozen=True)
class Exercise:
    """One exercise: its answer (computed by the library), how to read answers, and its feedback keys."""

    number: int
    expected: float
    kind: str
    mistakes: dict[float, str]
    tolerance: float = 0.01


def _exercise_1() -> Exercise:
    nps = voice.nps(pd.DataFrame({"score": [9, 10, 7, 3, 8, 10, 6, 9]}))["nps"].item()
    # 0.25: NPS as a fraction; 50: promoters only; 33.3: passives left out of the denominator
    return Exercise(1, nps, "points", {nps / 100: "fraction", 50.0: "promoters_only", 100 * 2 / 6: "passives_out"})


def _exercise_2() -> Exercise:
    table = pd.DataFrame(
        {"month": ["2026-10"], "customers_start": [200.0], "churned_customers": [6.0], "new_customers": [10.0]}
    )
    churn = retention.logo_churn_rate(table)["value"].item()
    plus_new = retention.logo_churn_rate(table, denominator="start_plus_new")["value"].item()
    return Exercise(2, churn, "rate", {plus_new: "new_in_denominator", (6 - 10) / 200: "net_of_new"})


def _exercise_3() -> Exercise:
    bridge = pd.DataFrame(
        {
            "month": ["2026-10"],
            "mrr_start": [1_000_000.0],
            "expansion": [80_000.0],
            "contraction": [20_000.0],
            "churned": [30_000.0],
            "new": [100_000.0],
            "customers_start": [50.0],
        }
    )
    kept = revenue.nrr(bridge)["value"].item()
    gross = revenue.grr(bridge)["value"].item()
    return Exercise(3, kept, "rate", {kept + 0.1: "new_included", gross: "expansion_out"})


def _exercise_4() -> Exercise:
    bridge, costs = example_value_inputs()
    bridge = bridge.assign(mrr_start=3_000_000.0, mrr_end=3_000_000.0, churned_customers=2.5)
    costs = costs.assign(amount=np.where(costs["category"] == "cost_of_revenue", 750_000.0, costs["amount"]))
    margin = value.gross_margin(bridge, costs)
    ltv = value.ltv(bridge, margin)["value"].iloc[-1]  # 30,000 x 0.75 / 0.025
    ltv = float(ltv)
    return Exercise(4, ltv, "yen", {ltv / 0.75: "margin_out", ltv * 0.025: "churn_out"})


def _exercise_5() -> Exercise:
    months = pd.period_range("2025-10", "2026-10", freq="M")
    one = pd.DataFrame({"account_id": "A", "month": months, "mrr": 100_000.0 * 0.98 ** np.arange(len(months))})
    annual = revenue.nrr_12m(one, months[-1:])["value"].item()  # 0.98 ** 12
    return Exercise(5, annual, "rate", {1 - 12 * 0.02: "added", 0.98: "monthly"})


def _exercise_6() -> Exercise:
    arpu = 600_000 / 120
    return Exercise(6, arpu, "yen", {600_000 / 10: "arpa", 120 / 10: "users_per_customer"})


def _exercise_7() -> Exercise:
    us = pd.DataFrame(
        {
            "account_id": "A",
            "user_id": np.repeat(["u1", "u2", "u3", "u4"], [15, 8, 5, 2]),
            "date": pd.Timestamp("2026-09-01")
            + pd.to_timedelta(np.concatenate([np.arange(n) for n in (15, 8, 5, 2)]), unit="D"),
        }
    )
    share = usage.stickiness(us, ["2026-09"])["value"].item()  # (30 / 30) / 4 = 25% of the days
    return Exercise(7, share * 30, "days", {share: "share_not_days", 1 / share: "inverted"}, tolerance=0.07)


_EXERCISES = (_exercise_1, _exercise_2, _exercise_3, _exercise_4, _exercise_5, _exercise_6, _exercise_7)


def exercises() -> dict[int, Exercise]:
    """Every exercise of the primer by number, each answer computed by the playbook's library.

    Returns
    -------
    dict of int to Exercise
        1 NPS, 2 logo churn, 3 NRR, 4 LTV, 5 NRR over 12 months, 6 ARPU, 7 DAU/MAU as days.

    Examples
    --------
    >>> {n: round(e.expected, 4) for n, e in exercises().items()}
    {1: 25.0, 2: 0.03, 3: 1.03, 4: 900000.0, 5: 0.7847, 6: 5000.0, 7: 7.5}
    """
    return dict(_exercises())


@cache
def _exercises() -> dict[int, Exercise]:
    return {e.number: e for e in (make() for make in _EXERCISES)}


def check(number: int, answer, lang: str = "en") -> str:
    """Mark the answer to exercise ``number``: correct, or what the mistake was (never the answer).

    Parameters
    ----------
    number : int
        The exercise (1 to 7).
    answer : int, float, str or None
        The reader's answer, in any natural form (:func:`parse_answer`).
    lang : {"en", "ja"}, default "en"
        The language of the feedback.

    Returns
    -------
    str
        One Markdown line.

    Examples
    --------
    >>> check(4, "90万")
    '✅ Correct!'
    >>> check(2, 6 / 210)
    '❌ Not quite: the new customers of the month are not in the denominator: they were not there to be lost.'
    """
    ex = exercises()[number]
    mistakes = {wrong: text(f"primer.exercise_{number}.{key}", lang) for wrong, key in ex.mistakes.items()}
    hint = text(f"primer.exercise_{number}.hint", lang)
    return check_answer(
        answer, ex.expected, kind=ex.kind, hint=hint, mistakes=mistakes, tolerance=ex.tolerance, lang=lang
    )


# --- the quiz: which KPI for which problem --------------------------------------------------------

QUIZ: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("b", ("a", "b", "c", "d")),
    2: ("c", ("a", "b", "c", "d")),
    3: ("a", ("a", "b", "c", "d")),
    4: ("d", ("a", "b", "c", "d")),
}
"""Quiz question number -> (the right option, the options); the texts are ``primer.quiz_<n>.*``."""


def quiz(number: int, answer, lang: str = "en") -> str:
    """Mark a quiz answer (a letter): correct, or why the chosen KPI does not answer the problem.

    Parameters
    ----------
    number : int
        The question (1 to 4).
    answer : str or None
        The option's letter, any case, half- or full-width (``"b"``, ``"Ｂ"``).
    lang : {"en", "ja"}, default "en"
        The language of the feedback.

    Returns
    -------
    str
        One Markdown line.

    Examples
    --------
    >>> quiz(1, "Ｂ")
    '✅ Correct!'
    >>> quiz(1, None)
    '✏️ Not answered yet: replace `None` with your answer and run the cell again.'
    """
    if answer is None:
        return text("primer.check.none", lang)
    right, options = QUIZ[number]
    choice = unicodedata.normalize("NFKC", str(answer)).strip().lower().strip("().")
    if choice not in options:
        return text("primer.check.not_an_option", lang, answer=str(answer))
    if choice == right:
        return text("primer.check.correct", lang)
    return text("primer.check.mistake", lang, why=text(f"primer.quiz_{number}.{choice}", lang))


# --- the KGI in monthly terms ----------------------------------------------------------------------


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
        ``month`` (:func:`~playbook.report.formatting.format_month`).

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
        (text("primer.kgi.target_arr", lang), target_arr),
        (text("primer.kgi.target_mrr", lang), target_arr / 12),
        (text("primer.kgi.needed", lang), needed),
    ]
    column = format_month(month, lang)
    out = pd.DataFrame(
        {"": [r[0] for r in rows], column: [format_value(r[1], "currency", currency, lang) for r in rows]}
    )
    out.loc[len(out)] = [
        text("primer.kgi.months_left", lang),
        text("primer.kgi.months_until", lang, n=left, deadline=format_month(deadline, lang)),
    ]
    return out.set_index("")


# --- the sample company, explained -----------------------------------------------------------------


def sample_kpis(ds, month) -> pd.DataFrame:
    """Every catalog KPI of the sample company for the 13 months ending ``month``, one column per KPI.

    Thirteen months, so that the 12-month NRR, the six months of churn that the LTV formula uses
    and every monthly NRR of the last year are there.

    Parameters
    ----------
    ds : Dataset
        The validated data.
    month : str or pandas.Period
        The last month.

    Returns
    -------
    pandas.DataFrame
        Index: the months; columns: KPI ids; values: the KPI values.
    """
    month = pd.Period(month, freq="M")
    long = compute_kpis(ds, months=pd.period_range(month - 12, month, freq="M"))
    return long.pivot(index="month", columns="kpi", values="value")


def _table(rows: list[tuple[str, str, str]], lang: str) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["", text("primer.col.value", lang), text("primer.col.how", lang)])
    return out.set_index("").rename_axis(None)


def nrr_table(kpis: pd.DataFrame, month, lang: str = "en") -> pd.DataFrame:
    """NRR of one month, of the last 12 months chained, and over 12 months; revenue churn, net churn.

    Parameters
    ----------
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language of the labels.

    Returns
    -------
    pandas.DataFrame
        Seven rows of text: the value and how it is computed.
    """
    now = kpis.loc[pd.Period(month, freq="M")]
    last12 = kpis["nrr"].iloc[-12:]
    rows = [
        ("nrr_month", now["nrr"]),
        ("nrr_chained", float(last12.prod())),
        ("nrr_12m", now["nrr_12m"]),
        ("grr_month", now["grr"]),
        ("revenue_churn", now["revenue_churn_rate"]),
        ("expansion", now["expansion_mrr_rate"]),
        ("net_churn", 1 - now["nrr"]),
    ]
    return _table(
        [
            (text(f"primer.nrr.{k}", lang), format_value(v, "ratio", lang=lang), text(f"primer.nrr.{k}_how", lang))
            for k, v in rows
        ],
        lang,
    )


def revenue_per_table(kpis: pd.DataFrame, month, lang: str = "en", currency: str = "JPY") -> pd.DataFrame:
    """ARPA, ARPU, revenue per customer (客単価) and average order value of one month, side by side.

    Parameters
    ----------
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language of the labels.
    currency : str, default "JPY"
        The currency of the amounts.

    Returns
    -------
    pandas.DataFrame
        Four rows of text: the value and how it is computed. ARPU is MRR per active user (MAU).
    """
    now = kpis.loc[pd.Period(month, freq="M")]
    rows = [
        ("arpa", now["arpa"]),
        ("arpu", now["mrr"] / now["mau"]),
        ("per_customer", now["revenue_per_customer"]),
        ("per_order", now["avg_order_value"]),
    ]
    return _table(
        [
            (
                text(f"primer.per.{k}", lang),
                format_value(v, "currency", currency, lang),
                text(f"primer.per.{k}_how", lang),
            )
            for k, v in rows
        ],
        lang,
    )


def ltv_table(ds, kpis: pd.DataFrame, month, lang: str = "en") -> pd.DataFrame:
    """The two LTVs of the sample side by side, factor by factor, so one sees why they disagree.

    Parameters
    ----------
    ds : Dataset
        The validated data (for the orders per buyer of the month).
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language of the labels.

    Returns
    -------
    pandas.DataFrame
        Four rows (revenue per customer per month, gross margin, expected lifetime, LTV) and one
        column per LTV: the formula (ARPA x margin / churn) and the purchase-based one (order value x
        orders per month x lifetime).
    """
    month = pd.Period(month, freq="M")
    now, cur = kpis.loc[month], ds.currency
    freq = purchases.purchase_frequency(ds.transactions, [month])["value"].item()
    prior = kpis["logo_churn_rate"].loc[month - 6 : month - 1].mean()
    formula = [now["arpa"], now["gross_margin"], 1 / prior, now["ltv"]]
    bought = [now["avg_order_value"] * freq, 1.0, now["expected_lifetime_months"], now["ltv_purchase"]]
    units = ["currency", "ratio", "months", "currency"]
    return pd.DataFrame(
        {
            text("primer.ltv.formula", lang): [format_value(v, u, cur, lang) for v, u in zip(formula, units)],
            text("primer.ltv.purchase", lang): [format_value(v, u, cur, lang) for v, u in zip(bought, units)],
        },
        index=[text(f"primer.ltv.{k}", lang) for k in ("revenue", "margin", "lifetime", "ltv")],
    )


def repeat_window_table(ds, month, lang: str = "en") -> pd.DataFrame:
    """The repeat purchase rate of one month for windows of 1, 3, 6 and 12 months.

    Parameters
    ----------
    ds : Dataset
        The validated data (its ``transactions``).
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language of the labels.

    Returns
    -------
    pandas.DataFrame
        One row per window: the rate and the buyers counted.
    """
    rows = []
    for w in (1, 3, 6, 12):
        r = purchases.repeat_purchase_rate(ds.transactions, [month], window_months=w).iloc[0]
        rows.append(
            (text("primer.repeat.window", lang, n=w), format_value(r["value"], "ratio", lang=lang), f"{r['n']:,.0f}")
        )
    return (
        pd.DataFrame(rows, columns=["", text("primer.col.value", lang), text("primer.repeat.buyers", lang)])
        .set_index("")
        .rename_axis(None)
    )


def _money(x: float, cur: str, lang: str) -> str:
    return format_value(x, "currency", cur, lang)


def _pct(x: float, lang: str) -> str:
    return format_value(x, "ratio", lang=lang)


def story(ds, kpis: pd.DataFrame, month, lang: str = "en") -> str:
    """The sample company's month told with its real numbers, as a CS lead would tell it (Markdown).

    Parameters
    ----------
    ds : Dataset
        The validated data.
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        Markdown paragraphs.
    """
    month = pd.Period(month, freq="M")
    k, cur = kpis.loc[month], ds.currency
    bridge = compute_kpis(ds, months=[month], kpis=["churned_customers", "paying_customers"]).set_index("kpi")
    cohort = report_cohort([month], 30)[0]
    values = {
        "month": format_month(month, lang),
        "mrr_start": _money(
            k["mrr"]
            - k["new_mrr"]
            - k["reactivation_mrr"]
            - k["expansion_mrr"]
            + k["contraction_mrr"]
            + k["churned_mrr"],
            cur,
            lang,
        ),
        "mrr": _money(k["mrr"], cur, lang),
        "new": _money(k["new_mrr"], cur, lang),
        "reactivation": _money(k["reactivation_mrr"], cur, lang),
        "expansion": _money(k["expansion_mrr"], cur, lang),
        "contraction": _money(k["contraction_mrr"], cur, lang),
        "churned": _money(k["churned_mrr"], cur, lang),
        "nrr": _pct(k["nrr"], lang),
        "nrr_12m": _pct(k["nrr_12m"], lang),
        "grr": _pct(k["grr"], lang),
        "logo_churn": _pct(k["logo_churn_rate"], lang),
        "lost": f"{bridge.loc['churned_customers', 'value']:,.0f}",
        "customers": f"{bridge.loc['paying_customers', 'value']:,.0f}",
        "onboarding": _pct(k["onboarding_completion_rate"], lang),
        "cohort": format_month(cohort, lang),
        "nps": format_value(k["nps"], "points", lang=lang),
        "stickiness": _pct(k["stickiness"], lang),
        "days": f"{k['stickiness'] * month.days_in_month:.1f}",
        "month_days": str(month.days_in_month),
        "fcr": _pct(k["fcr"], lang),
        "first_response": format_value(k["first_response_hours"], "hours", lang=lang),
    }
    return "\n\n".join(text(f"primer.story.{p}", lang, **values) for p in ("revenue", "customers", "signals", "so"))


def usage_reading(kpis: pd.DataFrame, month, lang: str = "en") -> str:
    """DAU/MAU of the month read as days, and which signup cohort the month's onboarding figure is.

    Parameters
    ----------
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        Two Markdown lines.
    """
    month = pd.Period(month, freq="M")
    k = kpis.loc[month]
    return "  \n".join(
        [
            text(
                "primer.usage.days",
                lang,
                month=format_month(month, lang),
                share=_pct(k["stickiness"], lang),
                days=f"{k['stickiness'] * month.days_in_month:.1f}",
                month_days=month.days_in_month,
            ),
            text(
                "primer.usage.cohort",
                lang,
                month=format_month(month, lang),
                cohort=format_month(report_cohort([month], 30)[0], lang),
                rate=_pct(k["onboarding_completion_rate"], lang),
            ),
        ]
    )


def value_reading(kpis: pd.DataFrame, month, lang: str = "en", currency: str = "JPY") -> str:
    """CRC of the month per customer per month and per year, next to ARPA (Markdown).

    Parameters
    ----------
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language.
    currency : str, default "JPY"
        The currency of the amounts.

    Returns
    -------
    str
        One Markdown line.
    """
    month = pd.Period(month, freq="M")
    k = kpis.loc[month]
    return text(
        "primer.value.crc",
        lang,
        month=format_month(month, lang),
        crc=_money(k["crc"], currency, lang),
        year=_money(12 * k["crc"], currency, lang),
        arpa=_money(k["arpa"], currency, lang),
        share=_pct(k["crc"] / k["arpa"], lang),
    )


def ces_reading(kpis: pd.DataFrame, month, lang: str = "en") -> str:
    """The month's CES, with the direction of its scale (Markdown).

    Parameters
    ----------
    kpis : pandas.DataFrame
        :func:`sample_kpis`.
    month : str or pandas.Period
        The month.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        One Markdown line.
    """
    month = pd.Period(month, freq="M")
    k = kpis.loc[month]
    return text(
        "primer.value.ces", lang, month=format_month(month, lang), ces=_pct(k["ces"], lang), mean=f"{k['ces_mean']:.1f}"
    )


def heatmap_reading(matrix: pd.DataFrame, lang: str = "en") -> str:
    """How to read the cohort heatmap, said with its own cells: a row, a column and the average row.

    Parameters
    ----------
    matrix : pandas.DataFrame
        An ``active_share`` cohort matrix of :func:`playbook.analyses.cohorts.cohort_matrix`.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        Markdown lines.
    """
    cohorts, average = matrix.iloc[:-1], matrix.iloc[-1]
    seen12 = cohorts[cohorts[12].notna()] if 12 in cohorts else cohorts.iloc[0:0]
    lines = []
    if len(seen12):
        row = seen12.iloc[-1]
        lines.append(
            text(
                "primer.heatmap.row",
                lang,
                cohort=format_month(seen12.index[-1], lang),
                size=f"{row['size']:,.0f}",
                m1=_pct(row[1], lang),
                m12=_pct(row[12], lang),
            )
        )
    lines.append(
        text(
            "primer.heatmap.average",
            lang,
            m1=_pct(average.get(1, np.nan), lang),
            m3=_pct(average.get(3, np.nan), lang),
            m12=_pct(average.get(12, np.nan), lang),
        )
    )
    return "  \n".join(lines)
