"""Cohorts, LTV, RFM, health and churn risk, ready to read: what notebooks 04 and 05 display.

Every function takes the review context (data, month, language) and returns a
table, a matrix for a chart, or a sentence; a missing table gives a note, not an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.analyses import health as hs
from playbook.analyses import risk as rk
from playbook.analyses.cohorts import AVERAGE, SMALL, cohort_matrix
from playbook.analyses.renewals import next_renewal
from playbook.analyses.rfm import (
    SEGMENT_CODES,
    has_orders,
    purchases,
    rfm_table,
    segment_action,
    segment_migration,
    segment_summary,
)
from playbook.analyses.survival import account_durations, logrank, survival_at, survival_by_segment
from playbook.data.paths import resolve_path
from playbook.data.schema import natural_order
from playbook.kpis import fiscal
from playbook.kpis.purchases import purchase_cohort_activity, transactions_only
from playbook.kpis.snapshots import dataset_snapshots
from playbook.report.context import ReviewContext
from playbook.report.export import write_csv
from playbook.report.formatting import format_month, format_value
from playbook.report.labels import label, render_note
from playbook.report.text import Markdown
from playbook.texts import has_text, text

__all__ = [
    "cohort_views",
    "purchase_cohorts",
    "retention_by_segment",
    "survival_test_table",
    "revenue_retention_table",
    "ltv_variants",
    "ltv_cac_by_channel",
    "rfm_view",
    "rfm_accounts",
    "migration_view",
    "HealthView",
    "onboarding_progress",
    "save_customer_tables",
    "note",
    "segment_name",
    "action_text",
]


def note(key: str, lang: str, **values) -> pd.DataFrame:
    """A one-cell table carrying a message (shown where a table would be).

    Parameters
    ----------
    key : str
        The message's key in ``texts/<lang>/customers.yaml``, without the
        ``customers.`` prefix.
    lang : {"en", "ja"}
        The language.
    **values
        The message's fields.

    Returns
    -------
    pandas.DataFrame
        One row and one column, headed "Note" (or its Japanese label), holding
        the message.

    Examples
    --------
    >>> note("survival.no_paid", "ja")
              注記
    0  有料顧客がまだいません。
    """
    return pd.DataFrame({label("note", lang): [_x(key, lang, **values)]})


def _x(key: str, lang: str, /, **values) -> str:
    """The text of ``customers.<key>`` in ``lang``."""
    return text(f"customers.{key}", lang, **values)


def _code(group: str, code: str, lang: str) -> str:
    """The words for ``code`` of ``customers.<group>`` in ``lang``; a code without a text (user data) as it is."""
    key = f"customers.{group}.{code}"
    return text(key, lang) if has_text(key) else str(code)


def _codes(group: str, codes: str, lang: str) -> str:
    """A comma-separated list of codes (health components, milestones) in words, separated as ``lang`` writes lists.

    Examples
    --------
    >>> _codes("health.component", "frequency, voice", "ja")
    '利用頻度、顧客推奨度（NPS）'
    >>> _codes("health.component", "", "ja")
    ''
    """
    if not isinstance(codes, str) or not codes:
        return codes
    return _x("list_sep", lang).join(_code(group, c, lang) for c in codes.split(", "))


def _by(column: str, lang: str) -> str:
    """The name of an accounts column a table is split by."""
    key = f"customers.by.{column}"
    return text(key, lang) if has_text(key) else label(column, lang)


def _date(day, lang: str, *, key: str = "date") -> str:
    """A date as a table (``date``) or a sentence (``date_text``) writes it; "" for a missing date.

    Examples
    --------
    >>> _date(pd.Timestamp("2026-11-05"), "en"), _date(pd.Timestamp("2026-11-05"), "ja")
    ('2026-11-05', '2026/11/05')
    >>> _date(pd.Timestamp("2026-11-05"), "ja", key="date_text")
    '2026年11月5日'
    """
    if day is None or pd.isna(day):
        return ""
    return _x(key, lang, y=day.year, m=day.month, d=day.day)


def segment_name(segment: str, lang: str) -> str:
    """An RFM segment's name in ``lang``: a built-in segment's words, a custom segment's own name.

    Parameters
    ----------
    segment : str
        The segment as :func:`playbook.analyses.rfm.rfm_table` names it ("Champions", ...).
    lang : {"en", "ja"}
        The language.

    Returns
    -------
    str
        The name to show.

    Examples
    --------
    >>> segment_name("Can't lose", "en"), segment_name("Lost", "ja"), segment_name("My VIPs", "ja")
    ("Can't lose", '離反顧客', 'My VIPs')
    """
    code = SEGMENT_CODES.get(segment)
    return _x(f"rfm.segment.{code}", lang) if code else segment


def action_text(code: str, lang: str, *, retail: bool = False) -> str:
    """The words of a playbook action code of :func:`playbook.analyses.rfm.segment_action` ("" for none).

    Parameters
    ----------
    code : str
        An action code ("lost", "still_subscribed_lost", ...), or "" for a segment without an action.
    lang : {"en", "ja"}
        The language.
    retail : bool, default False
        The actions of a repeat-purchase business (a dataset without subscriptions, the texts
        ``rfm.action_retail.<code>``: offers, recommendations, win-back mail) instead of a CSM's.

    Returns
    -------
    str
        The action to show; "" for no action.

    Examples
    --------
    >>> action_text("", "ja")
    ''
    >>> action_text("cant_lose", "en", retail=True)
    'Top spenders gone quiet: a personal message and the best win-back offer'
    """
    if not code:
        return ""
    if retail and has_text(f"customers.rfm.action_retail.{code}"):
        return _x(f"rfm.action_retail.{code}", lang)
    return _x(f"rfm.action.{code}", lang)


#: Cohorts with fewer members than this share of all members are pooled into one row, or left out when the pool is
#: still that small (:func:`playbook.analyses.cohorts.cohort_matrix` ``min_share``): a cohort of 2 reads 0% or 100%.
MIN_COHORT_SHARE = 0.01

#: The cohort periods of :func:`cohort_views` and :func:`purchase_cohorts`, as :func:`cohort_matrix` frequencies.
COHORT_PERIODS = {"month": "M", "quarter": "Q", "fiscal_quarter": "FQ"}


def _cohort_freq(period: str) -> str:
    if period not in COHORT_PERIODS:
        raise ValueError(f"period must be one of {list(COHORT_PERIODS)}, got {period!r}")
    return COHORT_PERIODS[period]


def cohort_views(ctx: ReviewContext, period: str = "month") -> dict[str, pd.DataFrame]:
    """Subscription cohorts (first paid month-end): active share, survival, revenue retention (and capped), realised LTV.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    period : {"month", "quarter", "fiscal_quarter"}, default "month"
        The cohorts' and the columns' period: months, calendar quarters, or quarters of the data's
        fiscal year (``fiscal_year_start`` in ``dataset.yaml``; named 2026年度Q1 / FY2026 Q1 by the year
        the fiscal year starts in). A quarter's cell counts a member active at any of its month ends.

    Returns
    -------
    dict of str to pandas.DataFrame
        Keys ``"active_share"``, ``"survival"``, ``"revenue"``,
        ``"revenue_capped"`` and ``"ltv"``, each a monthly cohort matrix of
        :func:`playbook.analyses.cohorts.cohort_matrix` on month-end MRR up to
        the review month: one row per cohort month (named as ``ctx.lang`` writes
        a month: 2026-08, 2026年8月) plus a last "weighted average" row, a
        ``size`` column (members) and one column per month since start
        (0, 1, 2, ...). Cells are shares (``ltv``: cumulative MRR per member);
        months not yet observed are NaN. Cohorts of fewer than :data:`MIN_COHORT_SHARE` of all members are
        pooled into one row ("smaller cohorts", in ``ctx.lang``), or left out when the pool is that small too;
        they still count in the average row. With quarters, one row per cohort quarter and one column per
        quarter since start; the review month's quarter is counted up to the review month.

        For a dataset without subscriptions (transactions only) the cohorts are purchase cohorts: a
        customer's cohort is the month of its first order (:func:`playbook.kpis.purchases.purchase_cohort_activity`)
        and the keys are ``"active_share"`` (share of the cohort ordering in month k), ``"revenue"`` (the
        cohort's revenue at k over its revenue at k = 0) and ``"ltv"`` (revenue per member, cumulated).
    """
    freq, start = _cohort_freq(period), fiscal.fiscal_year_start(ctx.ds)
    if transactions_only(ctx.ds):
        activity = purchase_cohort_activity(ctx.ds.transactions)
        return {
            view: _cohort_names(
                cohort_matrix(
                    activity,
                    as_of=ctx.month,
                    value_col="amount",
                    view=view,
                    freq=freq,
                    fiscal_year_start=start,
                    min_share=MIN_COHORT_SHARE,
                ),
                ctx.lang,
            )
            for view in ("active_share", "revenue", "ltv")
        }
    snaps = dataset_snapshots(ctx.ds, ctx.month)
    return {
        view: _cohort_names(
            cohort_matrix(
                snaps,
                as_of=ctx.month,
                value_col="mrr",
                view=view,
                freq=freq,
                fiscal_year_start=start,
                min_share=MIN_COHORT_SHARE,
            ),
            ctx.lang,
        )
        for view in ("active_share", "survival", "revenue", "revenue_capped", "ltv")
    }


def _cohort_names(matrix: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A cohort matrix with its cohorts named as ``lang`` writes a month, a quarter or a fiscal quarter; the average row keeps its code.

    Examples
    --------
    >>> m = pd.DataFrame({"size": [3.0, 2.0, 1.0, 1.0, 5.0]}, index=["2026-08", "2023Q4", "FY2026Q1", SMALL, AVERAGE])
    >>> _cohort_names(m, "ja").index.tolist()
    ['2026年8月', '2023年第4四半期', '2026年度Q1', '少数のコホート（まとめて表示）', 'weighted average']
    >>> _cohort_names(m, "en").index.tolist()
    ['2026-08', '2023Q4', 'FY2026 Q1', 'Smaller cohorts (pooled)', 'weighted average']
    """

    def name(cohort: str) -> str:
        if cohort == AVERAGE:
            return cohort
        if cohort == SMALL:
            return _x("cohort_small", lang)
        if cohort.startswith("FY"):
            return fiscal.label_of_code(cohort, lang)
        if "Q" in cohort:
            year, q = cohort.split("Q")
            return _x("quarter", lang, year=int(year), q=int(q))
        return format_month(cohort, lang)

    return matrix.rename(index=name)


def purchase_cohorts(ctx: ReviewContext, period: str = "quarter") -> pd.DataFrame | None:
    """Quarterly cohorts of customers by first one-off purchase (all purchases when there is no ``kind``): active share.

    When ``transactions`` has a ``kind`` column with ``one_off`` rows only those
    count; otherwise every transaction does. Purchases after the review month are left out.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    period : {"quarter", "fiscal_quarter", "month"}, default "quarter"
        Calendar quarters, quarters of the data's fiscal year (2026年度Q1 / FY2026 Q1, see
        :func:`cohort_views`) or months.

    Returns
    -------
    pandas.DataFrame or None
        A quarterly ``active_share`` cohort matrix of
        :func:`playbook.analyses.cohorts.cohort_matrix`: one row per cohort quarter
        (e.g. "2023Q4", in Japanese "2023年第4四半期"; a fiscal quarter "FY2026 Q1", "2026年度Q1") plus a "weighted average"
        row, a ``size`` column and one column per quarter since the first purchase, holding the share of the
        cohort that bought in that quarter. None without a transactions table.
    """
    t = ctx.ds.transactions
    if t is None:
        return None
    if "kind" in t.columns and (t["kind"] == "one_off").any():
        t = t[t["kind"] == "one_off"]
    matrix = cohort_matrix(
        t,
        as_of=ctx.month.end_time,
        date_col="date",
        value_col="amount",
        view="active_share",
        freq=_cohort_freq(period),
        fiscal_year_start=fiscal.fiscal_year_start(ctx.ds),
        min_share=MIN_COHORT_SHARE,
    )
    return _cohort_names(matrix, ctx.lang)


def retention_by_segment(
    ctx: ReviewContext, by: str = "plan", *, min_at_risk: int = 5, alpha: float = 0.05
) -> pd.DataFrame | None:
    """Kaplan-Meier survival curves of each segment, with confidence bands: what :func:`plot_retention_curves` draws.

    Each account's clock starts in its first paid month; it stops in the first
    month without MRR, or is censored at the review month when still paying (see
    :mod:`playbook.analyses.survival`). Every account counts for as long as it
    has been observed, so the curves never rise (the former average of cohort
    curves did, because different cohorts were averaged at different months).

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    by : str, default "plan"
        The accounts column that defines the segments.
    min_at_risk : int, default 5
        A curve is cut after the last month with at least this many of its accounts
        still observed (at risk): beyond that one account moves the curve by 20% or
        more. :func:`survival_test_table` shows the counts.
    alpha : float, default 0.05
        1 - the confidence level of the bands (0.05 gives 95%).

    Returns
    -------
    pandas.DataFrame or None
        The long table of :func:`playbook.analyses.survival.survival_by_segment`,
        limited to months with ``at_risk >= min_at_risk``: ``segment``, ``month``
        (months since the first paid month), ``at_risk``, ``events``, ``censored``,
        ``survival``, ``ci_low`` and ``ci_high``; accounts without a segment value
        are left out; ``attrs["level"]`` is the confidence level. When no segment
        has ``min_at_risk`` accounts, an empty table whose ``attrs["note"]`` says
        why (the chart shows it). None when accounts has no column ``by``.
    """
    if by not in ctx.ds.accounts.columns:
        return None
    curves = survival_by_segment(account_durations(ctx.ds, ctx.month, by=by), alpha=alpha)
    out = curves[curves["at_risk"] >= min_at_risk].reset_index(drop=True)
    out.attrs["level"] = 1 - alpha
    if out.empty:
        out.attrs["note"] = _x("survival.no_curve", ctx.lang, by=_by(by, ctx.lang), n=min_at_risk)
    return out


def survival_test_table(
    ctx: ReviewContext, by: str = "plan", *, months: tuple[int, ...] = (12, 24), alpha: float = 0.05, few: int = 10
) -> pd.DataFrame:
    """Per segment: stops observed and expected, Kaplan-Meier survival at given months, and the log-rank test.

    The log-rank test asks whether the segments' survival curves differ by more
    than chance would make them: "expected" is the number of stops a segment would
    have had if every segment shared one curve (the sum over months of the stops
    that month x the segment's share of the accounts observed then). An
    observed/expected ratio above 1 means the segment stops paying sooner than the
    others.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    by : str, default "plan"
        The accounts column that defines the segments.
    months : tuple of int, default (12, 24)
        The months since start at which survival is read.
    alpha : float, default 0.05
        1 - the confidence level of the intervals, and the significance level of
        the sentence on the test.
    few : int, default 10
        A reading based on fewer accounts still observed than this gets a note.

    Returns
    -------
    pandas.DataFrame
        One row per segment (index = segment value) with text columns: accounts,
        stopped paying, stops expected if the segments were alike, observed /
        expected, and for each of ``months`` the survival with its interval and the
        accounts still observed then ("–" where none was observed that long). Then
        a "log-rank test" row whose first cell is the test's result in a sentence
        and, where relevant, a "note" row (few accounts observed, no account
        observed that long, accounts without a segment). A one-cell note when
        accounts has no column ``by`` or no account has paid.
    """
    lang, name = ctx.lang, _by(by, ctx.lang)
    if by not in ctx.ds.accounts.columns:
        return note("needs_column", lang, by=by)
    d = account_durations(ctx.ds, ctx.month, by=by)
    if d.empty:
        return note("survival.no_paid", lang)
    known = d[d["segment"].notna()]
    test = logrank(known["duration"], known["event"], known["segment"])
    curves = survival_by_segment(known, alpha=alpha)
    level = f"{1 - alpha:.0%}"
    t = test.table.set_index("group")
    cols = {
        _x("survival.col_accounts", lang): t["accounts"].map("{:,}".format),
        _x("survival.col_stopped", lang): t["observed"].map("{:,}".format),
        _x("survival.col_expected", lang): t["expected"].map("{:,.1f}".format),
        _x("survival.col_ratio", lang): t["observed_to_expected"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
    }
    notes = []
    sep = _x("list_sep", lang)
    for m in months:
        at = survival_at(curves, m).set_index("segment").reindex(t.index)
        cols[_x("survival.col_survival", lang, m=m, level=level)] = [
            "–" if pd.isna(s) or not n else f"{s:.1%} ({lo:.1%}–{hi:.1%})" if pd.notna(lo) else f"{s:.1%}"
            for s, lo, hi, n in zip(at["survival"], at["ci_low"], at["ci_high"], at["at_risk"].fillna(0))
        ]
        cols[_x("survival.col_observed", lang, m=m)] = at["at_risk"].fillna(0).map("{:,.0f}".format)
        none = [str(s) for s, n in at["at_risk"].fillna(0).items() if n == 0]
        thin = [str(s) for s, n in at["at_risk"].fillna(0).items() if 0 < n < few]
        if none:
            who = _x("survival.of_whom", lang, who=sep.join(none)) if len(none) < len(at) else ""
            notes.append(_x("survival.none_observed", lang, who=who, m=m))
        if thin:
            notes.append(_x("survival.thin", lang, few=few, who=sep.join(thin), m=m))
    missing = int(d["segment"].isna().sum())
    if missing:
        notes.append(_x("survival.missing", lang, n=missing, name=name))
    out = pd.DataFrame(cols, index=t.index.rename(None))
    if np.isnan(test.chi2):
        verdict = _x("survival.not_computed", lang)
    else:
        stat = _x("survival.stat", lang, chi2=test.chi2, dof=test.dof, p=test.p_value)
        verdict = _x("survival.differ" if test.p_value < alpha else "survival.alike", lang, stat=stat, name=name)
    extra = {_x("survival.row_test", lang): verdict}
    if notes:
        extra[_x("survival.row_note", lang)] = _x("sentence_sep", lang).join(notes)
    for row, words in extra.items():
        out.loc[row] = [words] + [""] * (len(out.columns) - 1)
    return out


def ltv_variants(ctx: ReviewContext, kpis: pd.DataFrame, views: dict) -> pd.DataFrame:
    """LTV side by side: the formula (ARPA x margin / churn), the purchase-based one, and realised LTV per member.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    kpis : pandas.DataFrame
        The long table of :func:`playbook.kpis.catalog.compute_kpis`, with the
        review month's ``ltv``, ``ltv_purchase`` and ``expected_lifetime_months``.
    views : dict
        The cohort matrices of :func:`cohort_views`; its ``"ltv"`` matrix gives the
        realised LTV.

    Returns
    -------
    pandas.DataFrame
        Five rows (index = what is measured): the catalog LTV, the purchase-based
        LTV, the realised LTV per member after 12 and after 24 months (weighted
        average of the cohorts observed that long), and the expected lifetime in
        months. Two text columns: the formatted value ("–" when unknown) and a note.
    """
    lang, cur = ctx.lang, ctx.ds.currency
    now = kpis[kpis["month"] == ctx.month].set_index("kpi")
    ltv = views["ltv"].loc[AVERAGE]
    rows = [
        (_x("ltv.formula", lang), now.loc["ltv", "value"], render_note(now.loc["ltv", "note"], lang)),
        (
            _x("ltv.purchases", lang),
            now.loc["ltv_purchase", "value"],
            render_note(now.loc["ltv_purchase", "note"], lang) + _annual_invoice_caveat(ctx),
        ),
        (_x("ltv.realised", lang, k=12), ltv.get(12, np.nan), _x("ltv.observed", lang, k=12)),
        (_x("ltv.realised", lang, k=24), ltv.get(24, np.nan), _x("ltv.observed", lang, k=24)),
        (
            _x("ltv.lifetime", lang),
            now.loc["expected_lifetime_months", "value"],
            _x("ltv.lifetime_note", lang),
        ),
    ]
    out = pd.DataFrame(
        {
            "": [r[0] for r in rows],
            _x("ltv.value", lang): [
                format_value(r[1], "months" if i == 4 else "currency", cur, lang) for i, r in enumerate(rows)
            ],
            label("note", lang): [r[2] for r in rows],
        }
    )
    return out.set_index("").rename_axis(None)


def _annual_invoice_caveat(ctx: ReviewContext) -> str:
    """A warning for the purchase-based LTV when annual plans' invoices are among the transactions it counts."""
    tx, subs = ctx.ds.transactions, ctx.ds.subscriptions
    if tx is None or subs is None or "billing_period" not in subs.columns:
        return ""
    invoices = "kind" not in tx.columns or (tx["kind"] == "subscription").any()
    if not (invoices and (subs["billing_period"] == "annual").any()):
        return ""
    return _x("ltv.annual_caveat", ctx.lang)


def ltv_cac_by_channel(ctx: ReviewContext, kpis: pd.DataFrame, *, months_back: int = 12) -> pd.DataFrame:
    """Per acquisition channel: mean CAC, ARPA, monthly churn (pooled over ``months_back`` months), LTV, LTV/CAC, payback.

    Per channel: CAC is the mean ``acquisition_cost`` of its accounts with a cost
    above 0 (all accounts, not only recent ones); ARPA is the mean MRR of its
    accounts paying at the end of the review month; churn is the share of the
    channel's account-months with MRR at the start of the month that end it with
    none, pooled over the ``months_back`` months ending with the review month;
    LTV = ARPA x gross margin / churn; payback = CAC / (ARPA x gross margin), in
    months. The gross margin is the review month's ``gross_margin`` KPI from
    ``kpis`` (1.0 when missing).

    This LTV is not the catalog's ``ltv`` KPI (:func:`playbook.kpis.value.ltv`),
    though both use the same gross margin: that one uses the company's ARPA and
    divides by the mean of the monthly logo churn rates of the 6 complete months
    before the review month (no value with fewer than 6 such months). Here churn
    is pooled per channel over ``months_back`` months,
    including the review month (months with more customers weigh more), so the
    channels' LTVs need not average to the catalog's LTV.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    kpis : pandas.DataFrame
        The long table of :func:`playbook.kpis.catalog.compute_kpis`; only the
        review month's ``gross_margin`` is used.
    months_back : int, default 12
        The number of months over which churn is pooled.

    Returns
    -------
    pandas.DataFrame
        One row per channel (index = channel), highest LTV/CAC first, with text
        columns CAC, ARPA, monthly churn, LTV, LTV/CAC and payback. A channel
        missing CAC, ARPA or churn is left out; one with no churn in the window
        has no LTV and no LTV/CAC (shown as "–", last), and one without a positive
        margin-adjusted ARPA no payback. Without ``accounts.acquisition_channel`` or
        ``accounts.acquisition_cost``, a one-cell note (see :func:`note`).
    """
    acc = ctx.ds.accounts
    lang, cur = ctx.lang, ctx.ds.currency
    if "acquisition_channel" not in acc.columns or "acquisition_cost" not in acc.columns:
        return note("ltv.needs_channel", lang)
    from playbook.kpis.revenue import mrr_movements

    window = pd.period_range(ctx.month - (months_back - 1), ctx.month, freq="M")
    mv = mrr_movements(dataset_snapshots(ctx.ds, ctx.month), window)
    channel = acc.set_index("account_id")["acquisition_channel"]
    mv["channel"] = mv["account_id"].map(channel)
    start = mv[mv["mrr_start"] > 0]
    churn = (start["churned"] > 0).groupby(start["channel"]).mean()
    now = mv[(mv["month"] == ctx.month) & (mv["mrr_end"] > 0)]
    arpa = now.groupby("channel")["mrr_end"].mean()
    cac = acc[acc["acquisition_cost"] > 0].groupby("acquisition_channel")["acquisition_cost"].mean()
    margin = kpis[(kpis["month"] == ctx.month) & (kpis["kpi"] == "gross_margin")]["value"]
    gm = float(margin.iloc[0]) if len(margin) and not np.isnan(margin.iloc[0]) else 1.0
    t = pd.DataFrame({"cac": cac, "arpa": arpa, "churn": churn}).dropna()
    t["ltv"] = t["arpa"] * gm / t["churn"].where(t["churn"] > 0)
    t["ltv_to_cac"] = t["ltv"] / t["cac"]
    t["payback"] = t["cac"] / (t["arpa"] * gm).where(t["arpa"] * gm > 0)
    t = t.sort_values("ltv_to_cac", ascending=False, na_position="last")
    f = lambda v: format_value(v, "currency", cur, lang)
    return pd.DataFrame(
        {
            "CAC": t["cac"].map(f),
            "ARPA": t["arpa"].map(f),
            _x("ltv.monthly_churn", lang): t["churn"].map("{:.1%}".format),
            "LTV": t["ltv"].map(f),
            "LTV/CAC": t["ltv_to_cac"].map(lambda v: format_value(v, "multiple", cur, lang)),
            _x("ltv.payback", lang): t["payback"].map(lambda v: format_value(v, "months", cur, lang)),
        },
        index=t.index.rename(None),
    ).rename(index=lambda c: _code("channel", c, lang))


def _no_orders(as_of: pd.Timestamp, lookback_days: int, lang: str) -> str:
    return _x("rfm.no_orders", lang, days=lookback_days, date=_date(as_of, lang, key="date_text"))


def _subscribers(ctx: ReviewContext) -> tuple[pd.Index, pd.Index]:
    """The accounts paying a subscription at the end of the review month, and those that paid before but no longer."""
    snaps = dataset_snapshots(ctx.ds, ctx.month)
    paid = snaps[snaps["mrr"] > 0]
    now = pd.Index(paid.loc[paid["month"] == ctx.month, "account_id"].unique())
    return now, pd.Index(paid["account_id"].unique()).difference(now)


def _rfm(ctx: ReviewContext, lookback_days: int) -> pd.DataFrame:
    """The RFM table of the review month's one-off purchases, with ``subscription``; a note instead when there is none."""
    if ctx.ds.transactions is None:
        return note("rfm.no_transactions", ctx.lang)
    as_of = ctx.month.end_time.normalize()
    tx = purchases(ctx.ds.transactions)
    if not has_orders(tx, as_of=as_of, lookback_days=lookback_days):
        return pd.DataFrame({label("note", ctx.lang): [_no_orders(as_of, lookback_days, ctx.lang)]})
    paying, ended = _subscribers(ctx) if ctx.ds.subscriptions is not None else (None, None)
    return rfm_table(tx, as_of=as_of, lookback_days=lookback_days, paying=paying, ended=ended)


def rfm_view(ctx: ReviewContext, *, lookback_days: int = 365) -> pd.DataFrame:
    """RFM segments of the last ``lookback_days`` of one-off purchases: size, revenue share, means and the playbook action.

    Only what the customer chooses to buy is scored (:func:`playbook.analyses.rfm.purchases`):
    subscription invoices follow the billing period. A segment whose action
    presumes the customer left is split: the customers still paying a
    subscription at the month end get another action; so is a segment whose
    action presumes an active customer, for the customers whose subscription
    ended (:func:`playbook.analyses.rfm.segment_action`).

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    lookback_days : int, default 365
        The days of purchases, up to the end of the review month, scored.

    Returns
    -------
    pandas.DataFrame
        One row per RFM segment found (index = segment name in ``ctx.lang``,
        see :func:`segment_name`; "· still subscribed" added to the paying part
        of a segment that presumes departure, "· subscription ended" to the
        part whose subscription ended of a segment that presumes an active
        customer), in the segment table's order, with customers, those paying
        a subscription now, share of customers, revenue share, mean days since
        the last purchase, mean purchases, mean spend and the playbook action
        (headers, names and action in ``ctx.lang``). A one-cell note (see :func:`note`)
        without a transactions table or without a purchase in the window.
    """
    lang = ctx.lang
    r = _rfm(ctx, lookback_days)
    if "segment" not in r.columns:
        return r
    s = segment_summary(r)
    f = lambda v: format_value(v, "currency", ctx.ds.currency, lang)
    suffix = {"": "", "still_subscribed": _x("rfm.still_subscribed", lang), "ended": _x("rfm.ended", lang)}
    subscription = {"still_subscribed": "active", "ended": "ended"}
    retail = transactions_only(ctx.ds)  # no subscriptions: no "subscribed now" column, a shop's actions
    out = pd.DataFrame(
        {
            _x("rfm.col_customers", lang): s["customers"].map("{:,}".format).to_numpy(),
            _x("rfm.col_subscribed", lang): s["paying"].map("{:,}".format).to_numpy(),
            _x("rfm.col_share", lang): s["customer_share"].map("{:.0%}".format).to_numpy(),
            _x("rfm.col_revenue_share", lang): s["revenue_share"].map("{:.0%}".format).to_numpy(),
            _x("rfm.col_recency", lang): s["mean_recency_days"].round().astype(int).to_numpy(),
            _x("rfm.col_purchases", lang): s["mean_frequency"].round(1).to_numpy(),
            _x("rfm.col_spend", lang): s["mean_monetary"].map(f).to_numpy(),
            _x("rfm.col_action", lang): [
                action_text(segment_action(seg, subscription.get(t, "none")), lang, retail=retail)
                for seg, t in zip(s["segment"], s["track"])
            ],
        },
        index=[segment_name(seg, lang) + suffix[t] for seg, t in zip(s["segment"], s["track"])],
    )
    return out.drop(columns=_x("rfm.col_subscribed", lang)) if retail else out


def _name_and_csm(ctx: ReviewContext, ids: pd.Index) -> pd.DataFrame:
    """``name`` (the id without a name column) and ``owner`` (empty without an owner column) of each account in ``ids``."""
    accounts = ctx.ds.accounts.set_index("account_id")
    name = accounts["name"].reindex(ids) if "name" in accounts else pd.Series(ids, index=ids)
    owner = accounts["owner"].reindex(ids) if "owner" in accounts else pd.Series("", index=ids)
    return pd.DataFrame({"name": name, "owner": owner}, index=ids)


def rfm_accounts(ctx: ReviewContext, *, lookback_days: int = 365) -> pd.DataFrame | None:
    """Every customer scored by RFM this month with its segment and action: the table a run writes to ``rfm_segments.csv``.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data, the review month and the language.
    lookback_days : int, default 365
        The days of purchases, up to the end of the review month, scored.

    Returns
    -------
    pandas.DataFrame or None
        One row per customer with a one-off purchase in the window, by segment
        order then spend: account id, name, CSM (when accounts has ``owner``),
        segment, whether it pays a subscription now, days since the last
        purchase, purchases, spend, the R/F/M scores and the action (headers,
        segment, subscription and action in ``ctx.lang``; ids and numbers as
        they are). None when there is nothing to score.
    """
    lang = ctx.lang
    r = _rfm(ctx, lookback_days)
    if "segment" not in r.columns:
        return None
    sub = r["subscription"] if "subscription" in r.columns else pd.Series("none", index=r.index)
    order = {name: i for i, name in enumerate(segment_summary(r)["segment"].unique())}
    r = r.assign(subscription=sub, _order=r["segment"].map(order)).sort_values(
        ["_order", "monetary"], ascending=[True, False]
    )
    who = _name_and_csm(ctx, pd.Index(r["account_id"]))
    out = {
        _x("at_risk.col_account_id", lang): r["account_id"].to_numpy(),
        _x("at_risk.col_account", lang): who["name"].to_numpy(),
    }
    if "owner" in ctx.ds.accounts.columns:
        out[_x("at_risk.col_csm", lang)] = who["owner"].to_numpy()
    subscribed = {"active": _x("rfm.yes", lang), "ended": _x("rfm.subscription_ended", lang)}
    retail = transactions_only(ctx.ds)  # no subscriptions: no "subscribed now" column, a shop's actions
    out[_x("rfm.col_segment", lang)] = [segment_name(seg, lang) for seg in r["segment"]]
    if not retail:
        out[_x("rfm.col_subscription", lang)] = [subscribed.get(v, _x("rfm.no", lang)) for v in r["subscription"]]
    out |= {
        _x("rfm.col_recency", lang): r["recency_days"].to_numpy(),
        _x("rfm.col_purchases", lang): r["frequency"].to_numpy(),
        _x("rfm.col_spend", lang): r["monetary"].to_numpy(),
        "R": r["r_score"].to_numpy(),
        "F": r["f_score"].to_numpy(),
        "M": r["m_score"].to_numpy(),
        _x("rfm.col_action", lang): [
            action_text(segment_action(seg, sub), lang, retail=retail)
            for seg, sub in zip(r["segment"], r["subscription"])
        ],
    }
    return pd.DataFrame(out)


#: The RFM segments of customers worth winning back before they lapse (the win-back list of a purchase review).
WIN_BACK_SEGMENTS = ("Can't lose", "At risk", "About to sleep")


def _win_back_rows(ctx: ReviewContext, lookback_days: int) -> pd.DataFrame | None:
    r = _rfm(ctx, lookback_days)
    if "segment" not in r.columns:
        return None
    rows = r[r["segment"].isin(WIN_BACK_SEGMENTS)]
    order = {seg: i for i, seg in enumerate(WIN_BACK_SEGMENTS)}
    return rows.assign(_order=rows["segment"].map(order)).sort_values(
        ["monetary", "_order"], ascending=[False, True], kind="stable"
    )


def win_back(ctx: ReviewContext, n: int = 20, *, lookback_days: int = 365) -> pd.DataFrame | None:
    """The customers to win back first: the biggest spenders of the RFM segments *Can't lose*, *At risk*, *About to sleep*.

    The list of a purchase review (a dataset without subscriptions), where the at-risk list of the health
    score does not apply: who has bought well in the last ``lookback_days`` days but not recently, by spend.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data, the review month and the language.
    n : int, default 20
        How many customers to list.
    lookback_days : int, default 365
        The days of purchases, up to the end of the review month, scored.

    Returns
    -------
    pandas.DataFrame or None
        Up to ``n`` rows, biggest spend first: account id, name (when ``accounts`` has one), segment, days since the
        last purchase, purchases, spend and the action (headers and words in ``ctx.lang``). None for a dataset with
        subscriptions (its at-risk list is the health score's) or without purchases to score.
    """
    if not transactions_only(ctx.ds):
        return None
    rows = _win_back_rows(ctx, lookback_days)
    if rows is None:
        return None
    lang, top = ctx.lang, rows.head(n)
    f = lambda v: format_value(v, "currency", ctx.ds.currency, lang)
    out = {_x("at_risk.col_account_id", lang): top["account_id"].to_numpy()}
    if "name" in ctx.ds.accounts.columns:
        out[_x("at_risk.col_account", lang)] = _name_and_csm(ctx, pd.Index(top["account_id"]))["name"].to_numpy()
    out |= {
        _x("rfm.col_segment", lang): [segment_name(seg, lang) for seg in top["segment"]],
        _x("rfm.col_recency", lang): top["recency_days"].to_numpy(),
        _x("rfm.col_purchases", lang): top["frequency"].to_numpy(),
        _x("rfm.col_spend", lang): top["monetary"].map(f).to_numpy(),
        _x("rfm.col_action", lang): [action_text(segment_action(seg), lang, retail=True) for seg in top["segment"]],
    }
    return pd.DataFrame(out, index=pd.RangeIndex(1, len(top) + 1))


def win_back_count(ctx: ReviewContext, n: int = 20, *, lookback_days: int = 365) -> Markdown | None:
    """One sentence over :func:`win_back`: how many customers the three segments hold and what they spent.

    Parameters
    ----------
    ctx : ReviewContext
        The review.
    n : int, default 20
        How many customers the list shows.
    lookback_days : int, default 365
        The days of purchases scored.

    Returns
    -------
    Markdown or None
        The sentence; None (nothing shown) for a dataset with subscriptions.
    """
    if not transactions_only(ctx.ds):
        return None
    rows = _win_back_rows(ctx, lookback_days)
    if rows is None:
        return Markdown(_no_orders(ctx.month.end_time.normalize(), lookback_days, ctx.lang))
    total = _rfm(ctx, lookback_days)["monetary"].sum()
    f = lambda v: format_value(v, "currency", ctx.ds.currency, ctx.lang)
    return Markdown(
        _x(
            "win_back.count",
            ctx.lang,
            customers=len(rows),
            spend=f(rows["monetary"].sum()),
            share=rows["monetary"].sum() / total if total else 0.0,
            n=min(n, len(rows)),
        )
    )


def migration_view(ctx: ReviewContext, *, months_back: int = 3, lookback_days: int = 365) -> pd.DataFrame | None:
    """Transition matrix of RFM segments between ``months_back`` months ago and the review month.

    Segments are scored at the end of both months over the ``lookback_days``
    before each; only customers with an order in both windows are counted.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    months_back : int, default 3
        How many months before the review month the "before" segments are taken.
    lookback_days : int, default 365
        The days of transactions scored at each date.

    Returns
    -------
    pandas.DataFrame or None
        Customer counts with rows = segment before and columns = segment now (both
        in the segment table's order; only segments that occur), the segments
        named in ``ctx.lang``. None without a transactions table.

    Raises
    ------
    DataValidationError
        When either window has no order (positive amount).
    """
    if ctx.ds.transactions is None:
        return None
    tx = purchases(ctx.ds.transactions)
    before, now = (ctx.month - months_back).end_time.normalize(), ctx.month.end_time.normalize()
    for as_of in (before, now):
        if not has_orders(tx, as_of=as_of, lookback_days=lookback_days):
            empty = pd.DataFrame()
            empty.attrs["note"] = _no_orders(as_of, lookback_days, ctx.lang)
            return empty
    m = segment_migration(tx, before, now, lookback_days=lookback_days)
    name = lambda seg: segment_name(seg, ctx.lang)
    return m.rename(index=name, columns=name)


def _feature_unit(feature: str, lang: str) -> str:
    """What one unit of a model input's coefficient is, following :data:`playbook.analyses.risk.SCALE`."""
    if feature in {f"{c}_score" for c in hs.COMPONENTS}:
        return _x("model.unit.score", lang)
    key = f"customers.model.unit.{feature}"
    return text(key, lang) if has_text(key) else ""


#: The health model of the last review in this process: {key: (dataset, model)}; see :func:`_health_model`.
_MODELS: dict = {}


def _health_model(data, months, month: pd.Period, config, test_months: int) -> dict:
    """Health scores, churn labels, the band backtest and the churn-risk model of one data set and month, made once.

    The notebooks of a run share one kernel and one loaded dataset (:func:`playbook.run.notebook.load_review_data`):
    notebook 05's health view, notebook 06's at-risk counts, every CSM's book and every account page use the
    same company-wide model, so it is made once per dataset, month and configuration (about 90% of a large
    run's time was making it again). The dataset is kept with the model, so its ``id`` is not reused.
    """
    key = (id(data), tuple(str(m) for m in months), str(month), repr(config), test_months)
    if key in _MODELS:
        return _MODELS[key][1]
    scores = hs.health_scores(data, months, config=config)
    labels = hs.churn_labels(data, months)
    labels = labels[labels["month"] + 3 <= month]  # only outcomes known at the review month
    backtest_table, backtest_stats = hs.backtest(scores, labels)
    X = rk.risk_features(scores, data)
    labelled = labels["month"].unique()
    tests = sorted({m for m in labelled if m >= month - (test_months + 2)} | {month})
    predictions = rk.walk_forward(X, labels, test_months=tests)
    train = X.merge(labels, on=["account_id", "month"])
    train = train[train["month"] + 3 <= month]
    fit = rk.fit_logistic(train, train["churned"]) if train["churned"].nunique() == 2 else None
    model = {
        "scores": scores,
        "labels": labels,
        "backtest_table": backtest_table,
        "backtest_stats": backtest_stats,
        "predictions": predictions,
        "model_stats": rk.evaluate(predictions[predictions["month"] != month]),
        "model": fit,
        "coefficients": rk.coefficients(fit) if fit is not None else None,
    }
    _MODELS.clear()  # one data set at a time
    _MODELS[key] = (data, model)
    return model


class HealthView:
    """Health scores over the history, their backtest, the churn-risk model and the at-risk list.

    Everything is computed when the view is made: health scores for the last 24
    months of the history, 3-month churn labels known at the review month, the
    band backtest, walk-forward churn-risk predictions and the model's coefficients.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    config : str, dict or None, optional
        The health configuration (YAML text or path, or a dict); the default
        configuration of :mod:`playbook.analyses.health` when None.
    test_months : int, default 12
        The number of recent months with known outcomes on which the churn-risk
        model is evaluated out of sample (the review month is always predicted).
    """

    def __init__(self, ctx: ReviewContext, *, config=None, test_months: int = 12):
        self.ctx = ctx
        self.config = config
        # a book of accounts (one CSM's) is scored and ranked by the model of the whole company, then shown alone
        data = ctx.company if ctx.company is not None else ctx.ds
        if transactions_only(data):  # no subscriptions: no churn to score or predict (the review uses RFM)
            self.scores = self.labels = self.backtest_table = self.backtest_stats = None
            self.predictions = self.model_stats = self.model = self.coefficients = None
            return
        model = _health_model(data, ctx.history[-24:], ctx.month, config, test_months)
        # shallow copies: a view that adds a column never changes the model another view shares
        self.scores, self.labels = model["scores"].copy(deep=False), model["labels"].copy(deep=False)
        self.backtest_table, self.backtest_stats = model["backtest_table"].copy(deep=False), model["backtest_stats"]
        self.predictions, self.model_stats = model["predictions"].copy(deep=False), model["model_stats"]
        #: the model on every outcome known at the review month (its coefficients are shown), or None
        self.model, self.coefficients = model["model"], model["coefficients"]
        if self.coefficients is not None:
            self.coefficients = self.coefficients.copy(deep=False)
        if ctx.company is not None:
            book = ctx.ds.accounts["account_id"]
            self.scores = self.scores[self.scores["account_id"].isin(book)].reset_index(drop=True)
            self.predictions = self.predictions[self.predictions["account_id"].isin(book)].reset_index(drop=True)

    @property
    def now(self) -> pd.DataFrame:
        """The health scores of the review month.

        Returns
        -------
        pandas.DataFrame
            The rows of :func:`playbook.analyses.health.health_scores` for
            ``ctx.month``: one per paying account, with ``health``, ``band``,
            ``segment``, ``weakest``, ``mrr`` and the component scores.
        """
        return self.scores[self.scores["month"] == self.ctx.month]

    def distribution(self) -> pd.DataFrame:
        """Band counts per segment this month, accounts in onboarding apart.

        Returns
        -------
        pandas.DataFrame
            One row per segment (the health configuration's ``segment_col``,
            company size by default, in natural order: 1-49 before 50-249; the index is named after the
            column, e.g. 企業規模 in Japanese) plus an
            "all" row, with the number of scored accounts in the columns ``red``,
            ``yellow`` and ``green`` and the accounts still in onboarding (signed
            up fewer than ``onboarding_days`` days ago). A one-cell note when no
            account has a health score.
        """
        n = self.now
        if n["health"].isna().all():
            return note("health.no_score", self.ctx.lang)
        bands = ["red", "yellow", "green", "onboarding"]
        t = pd.crosstab(n["segment"], n["band"]).reindex(columns=bands, fill_value=0)
        t = t.loc[natural_order(t.index)]
        t.loc[_x("health.all", self.ctx.lang)] = t.sum()
        t.columns = [label(b, self.ctx.lang) for b in bands]
        # the segments (company-size bands such as 1-49) under their column's name, in both languages
        segment_col = hs.load_config(self.config).get("segment_col") or "company_size"
        return t.rename_axis(index=_by(segment_col, self.ctx.lang), columns=None)

    def backtest_by_horizon(self) -> pd.DataFrame:
        """Churn within the next 1, 2 and 3 months by band (outcomes known at the review month), with 95% intervals.

        Returns
        -------
        pandas.DataFrame
            Three rows ("within 1 month", "within 2 months", "within 3 months")
            and the columns ``red``, ``yellow`` and ``green`` (row and column
            names in ``ctx.lang``: 1か月以内, 赤 ...): the churn rate of
            the band's account-months with its Wilson 95% interval, as text
            ("–" for a band without account-months).
        """
        lang, rows = self.ctx.lang, {}
        for h in (1, 2, 3):
            labels = hs.churn_labels(self.ctx.ds, self.scores["month"].unique(), horizon=h)
            labels = labels[labels["month"] + h <= self.ctx.month]
            table, _ = hs.backtest(self.scores, labels)
            rows[_x("health.within_1", lang) if h == 1 else _x("health.within_n", lang, h=h)] = [
                "–" if r.account_months == 0 else f"{r.churn_rate:.1%} ({r.ci_low:.1%}–{r.ci_high:.1%})"
                for r in table.itertuples()
            ]
        return pd.DataFrame(rows, index=[label(b, lang) for b in ("red", "yellow", "green")]).T

    def backtest_text(self) -> str:
        """How well the health score predicted churn in the next 3 months, in words (Markdown).

        Returns
        -------
        str
            The number of account-months, the 3-month churn rate of each band, the
            AUC of low health as a churn predictor and the lift of the lowest-scored
            10%; or a sentence saying there is not enough scored history.
        """
        s, lang = self.backtest_stats, self.ctx.lang
        if not s["observations"] or np.isnan(s["auc"]):
            return _x("health.no_backtest", lang)
        rates = self.backtest_table.set_index("band")["churn_rate"]
        pct = lambda v: "–" if pd.isna(v) else f"{v:.1%}"  # a band without account-months has no rate
        return _x(
            "health.backtest",
            lang,
            n=s["observations"],
            red=pct(rates["red"]),
            yellow=pct(rates["yellow"]),
            green=pct(rates["green"]),
            auc=s["auc"],
            lift=s["top_decile_lift"],
        )

    @property
    def model_is_weak(self) -> bool:
        """Whether the churn-risk model is too weak to rank accounts by.

        Returns
        -------
        bool
            True when the out-of-sample AUC (the review month excluded) is below
            :data:`playbook.analyses.risk.WEAK_AUC` (0.65) or cannot be computed.
        """
        return bool(self.model_stats["weak"])

    def model_warning(self) -> str:
        """What to beware of in the churn-risk model, weakness first, in words (Markdown); empty when nothing.

        Returns
        -------
        str
            When the model is weak (:attr:`model_is_weak`), a first paragraph
            saying so with its out-of-sample AUC and not to rank accounts by its
            risk; then one paragraph per problem of the fit whose coefficients
            are shown (too few churn events per input, inputs left out,
            separation, no convergence, a ridge fallback, library warnings) and
            the number of evaluated months whose fit needed the ridge fallback.
            An empty string for a clean model.
        """
        lang, s, parts = self.ctx.lang, self.model_stats, []
        if self.model_is_weak and np.isnan(s["auc"]):
            parts.append(_x("model.cannot_check", lang))
        elif self.model_is_weak:
            parts.append(_x("model.weak", lang, auc=s["auc"], weak=rk.WEAK_AUC))
        if self.model is not None:
            parts += [words for m in self.model.messages if (words := self._fit_message(m))]
        evaluated = self.predictions[self.predictions["month"] != self.ctx.month]
        months = evaluated.drop_duplicates("month")
        ridge = int((months["fit_method"] == "ridge").sum()) if len(months) else 0
        if ridge:
            parts.append(_x("model.ridge_months", lang, ridge=ridge, months=len(months)))
        return "\n\n".join(parts)

    def _fit_message(self, m: rk.FitMessage) -> str:
        """One problem of the model's fit in words."""
        lang, d = self.ctx.lang, m.detail
        if m.code == rk.FitIssue.FEW_EVENTS:
            few = min(d["events"], d["non_events"])
            what = _x("model.churn_events" if d["events"] <= d["non_events"] else "model.retained_months", lang)
            return _x(
                "model.few_events",
                lang,
                few=few,
                what=what,
                features=d["features"],
                per=d["per_feature"],
                min=rk.MIN_EVENTS_PER_FEATURE,
            )
        if m.code == rk.FitIssue.DROPPED:
            return _x("model.dropped", lang, names=self._feature_names(d["features"]))
        if m.code == rk.FitIssue.SEPARATION:
            return _x(
                "model.separation_one" if len(d["features"]) == 1 else "model.separation_many",
                lang,
                names=self._feature_names(d["features"]),
                rows=d["rows"],
                observations=d["observations"],
                sd=rk.PRIOR_SD,
            )
        if m.code == rk.FitIssue.NOT_CONVERGED:
            how = d.get("text") or _x("model.iterations", lang, n=d["iterations"])
            return _x("model.not_converged", lang, how=how)
        if m.code == rk.FitIssue.REGULARISED:
            if self.model is not None and self.model.has(rk.FitIssue.SEPARATION):
                return ""
            return _x("model.regularised", lang, sd=d["prior_sd"])
        return _x("model.library_warning", lang, category=d["category"], detail=d["text"])

    def _feature_name(self, feature: str) -> str:
        return _code("model.feature", feature, self.ctx.lang)

    def _feature_names(self, features) -> str:
        return _x("list_sep", self.ctx.lang).join(self._feature_name(f) for f in features)

    def model_text(self) -> str:
        """How well the churn-risk model predicted churn out of sample, in words (Markdown).

        Returns
        -------
        str
            The number of evaluated account-months (the review month excluded), the
            AUC, the top-decile lift and the base churn rate; or a sentence saying
            there is not enough history.
        """
        s, lang = self.model_stats, self.ctx.lang
        if not s["observations"] or np.isnan(s["auc"]):
            return _x("model.no_history", lang)
        return _x(
            "model.text",
            lang,
            n=s["observations"],
            auc=s["auc"],
            lift=s["top_decile_lift"],
            rate=s["churn_rate"],
        )

    def calibration_table(self) -> pd.DataFrame:
        """Predicted vs observed churn of the model's out-of-sample predictions, by risk group.

        Returns
        -------
        pandas.DataFrame
            One row per quintile of predicted risk (1 = lowest), with the number of
            account-months and the mean predicted and observed churn rates as
            text; a one-cell note when no prediction has a known outcome.
        """
        p = self.predictions[self.predictions["month"] != self.ctx.month]
        if p.dropna(subset=["churned"]).empty:
            return note("model.no_predictions", self.ctx.lang)
        c = rk.calibration(p)
        lang = self.ctx.lang
        return (
            pd.DataFrame(
                {
                    _x("model.col_group", lang): c["bin"],
                    _x("model.col_account_months", lang): c["account_months"],
                    _x("model.col_predicted", lang): c["predicted"].map("{:.1%}".format),
                    _x("model.col_observed", lang): c["observed"].map("{:.1%}".format),
                }
            )
            .set_index(_x("model.col_group", lang))
            .rename_axis(None)
        )

    def coefficient_table(self) -> pd.DataFrame:
        """The churn-risk model's coefficients with their unit, 95% interval, standard error and p-value.

        Returns
        -------
        pandas.DataFrame
            One row per model input (index = the input's name, the intercept
            first) with, as text: ``per`` (the change the coefficient is for: 100
            score points, 12 months of tenure, a doubling of MRR, no -> yes),
            ``coefficient`` (log-odds of churn in the next 3 months; positive =
            more risk), ``95% interval``, ``std. error``, ``p-value``, ``churn odds
            x`` (``exp(coefficient)``) and ``reading``: "more risk" or "less
            risk" when the interval excludes 0, else "unclear (could be noise)";
            "–" for the intercept and for an input left out. A one-cell note when
            the model was not fitted (no churn, or no non-churn, among the
            outcomes).
        """
        lang = self.ctx.lang
        if self.coefficients is None:
            return note("model.not_fitted", lang)
        c = self.coefficients.set_index("feature")
        num = lambda v: "–" if pd.isna(v) else f"{v:.2f}"
        reading = np.select(
            [c["ci_low"] > 0, c["ci_high"] < 0, c["se"].notna()],
            [
                _x("model.more_risk", lang),
                _x("model.less_risk", lang),
                _x("model.unclear", lang),
            ],
            "–",
        )
        reading[0] = "–"  # the intercept: the baseline, not an effect
        return pd.DataFrame(
            {
                _x("model.col_per", lang): [_feature_unit(f, lang) for f in c.index],
                _x("model.col_coefficient", lang): [num(v) for v in c["coefficient"]],
                _x("model.col_interval", lang): [
                    "–" if pd.isna(lo) else _x("model.interval", lang, lo=lo, hi=hi)
                    for lo, hi in zip(c["ci_low"], c["ci_high"])
                ],
                _x("model.col_se", lang): [num(v) for v in c["se"]],
                _x("model.col_p", lang): [
                    "–" if pd.isna(v) else "<0.001" if v < 0.001 else f"{v:.3f}" for v in c["p_value"]
                ],
                _x("model.col_odds", lang): [num(v) for v in c["odds_ratio"]],
                _x("model.col_reading", lang): reading,
            },
            index=[self._feature_name(f) for f in c.index],
        )

    def at_risk_accounts(self) -> pd.DataFrame:
        """Every account at risk this month, with why: red health band or top 10% churn risk; onboarding apart.

        Accounts in onboarding (signed up fewer than ``onboarding_days`` days ago)
        are not in a band and not on this list: they have had no time to build the
        history the health components need (see :meth:`onboarding`).

        Returns
        -------
        pandas.DataFrame
            One row per account (index = account id), highest MRR first:
            ``name``, ``owner`` (empty without an ``owner`` column), ``mrr``,
            ``health``, ``band``, ``risk`` (the model's 3-month churn risk; NaN
            when not predicted), ``red`` and ``top_risk`` (the reasons, bool;
            ``top_risk`` is never set when the model is weak, see
            :attr:`model_is_weak`),
            ``weakest`` (the components scoring 25 or less) and
            ``next_renewal`` (the next annual renewal date; NaT for monthly
            billing or without billing periods). Made once per view (a copy each call).
        """
        if getattr(self, "_at_risk", None) is None:
            self._at_risk = self._make_at_risk_accounts()
        return self._at_risk.copy()

    def _make_at_risk_accounts(self) -> pd.DataFrame:
        now = self.now.set_index("account_id")
        scored = now[now["band"] != "onboarding"]
        pred = self.predictions[self.predictions["month"] == self.ctx.month].set_index("account_id")["risk"]
        risk = pred.reindex(scored.index)
        # a model too weak to rank accounts by (see model_is_weak) puts nobody on the list
        cut = risk.quantile(0.9) if risk.notna().any() and not self.model_is_weak else np.inf
        out = pd.DataFrame(
            {
                "mrr": scored["mrr"],
                "health": scored["health"],
                "band": scored["band"],
                "risk": risk,
                "red": scored["band"] == "red",
                "top_risk": (risk >= cut).fillna(False).astype(bool),
                "weakest": scored["weakest"],
            }
        )
        out = out[out["red"] | out["top_risk"]].sort_values(["mrr", "risk"], ascending=[False, False])
        who = _name_and_csm(self.ctx, out.index)
        out.insert(0, "name", who["name"])
        out.insert(1, "owner", who["owner"])
        renewals = next_renewal(self.ctx.ds.subscriptions, self.ctx.month.end_time.normalize())
        out["next_renewal"] = renewals.set_index("account_id")["next_renewal"].reindex(out.index)
        return out.rename_axis("account_id")

    def _reasons(self, rows: pd.DataFrame) -> list[str]:
        lang, out = self.ctx.lang, []
        for r in rows.itertuples():
            why = []
            if r.red:
                why.append(_x("at_risk.red", lang, health=r.health))
            if r.top_risk:
                why.append(_x("at_risk.top_risk", lang, risk=r.risk))
            out.append(_x("at_risk.reason_sep", lang).join(why))
        return out

    def _at_risk_rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        return pd.DataFrame(
            {
                _x("at_risk.col_account", lang): rows["name"],
                _x("at_risk.col_csm", lang): rows["owner"],
                "MRR": rows["mrr"].map(lambda v: format_value(v, "currency", cur, lang)),
                _x("at_risk.col_why", lang): self._reasons(rows),
                _x("at_risk.col_weakest", lang): rows["weakest"].map(lambda v: _codes("health.component", v, lang)),
                _x("at_risk.col_renewal", lang): rows["next_renewal"].map(lambda d: _date(d, lang) or "–"),
            },
            index=rows.index.rename(None),
        )

    def at_risk(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` accounts at risk with the highest MRR (see :meth:`at_risk_accounts`), ready to read.

        Parameters
        ----------
        n : int, default 20
            The number of accounts listed; :meth:`at_risk_count` says how many
            there are and a run writes them all to ``at_risk.csv``.

        Returns
        -------
        pandas.DataFrame
            Up to ``n`` accounts (index = account id), highest MRR first, with the
            account name (or id), the CSM, MRR, why it is on the list (red band
            with its health score, top 10% churn risk with the risk), the health
            components scoring 25 or less and the next renewal date ("–" when
            none is known); a one-cell note when no account is at risk.
        """
        rows = self.at_risk_accounts()
        if rows.empty:
            return note("at_risk.none", self.ctx.lang)
        return self._at_risk_rows(rows.head(n))

    def at_risk_count(self, n: int = 20) -> str:
        """One sentence: how many accounts are at risk, how many the list shows and where the full list is (Markdown).

        Parameters
        ----------
        n : int, default 20
            The number of accounts the table shows.

        Returns
        -------
        str
            E.g. "20 of 41 accounts at risk, highest MRR first: MRR ¥1.6M for
            the 20 shown, ¥2.1M for all 41; a run writes the full list to
            at_risk.csv."
        """
        rows, lang = self.at_risk_accounts(), self.ctx.lang
        money = lambda v: format_value(v, "currency", self.ctx.ds.currency, lang)
        shown = min(n, len(rows))
        total, top = money(rows["mrr"].sum()), money(rows["mrr"].head(n).sum())
        return _x("at_risk.count", lang, shown=shown, total=len(rows), top=top, all_mrr=total)

    def onboarding(self, n: int = 15) -> pd.DataFrame:
        """Paying accounts still in onboarding, with their milestones: the new accounts' own track, most overdue first.

        Parameters
        ----------
        n : int, default 15
            The number of accounts listed; :meth:`onboarding_count` says how
            many there are and a run writes them all to ``onboarding.csv``.

        Returns
        -------
        pandas.DataFrame
            Up to ``n`` paying accounts signed up fewer than ``onboarding_days``
            days before the month end (index = account id), most overdue
            milestones first, then oldest: name, CSM, signup date, days since
            signup, MRR, milestones done by the month end (distinct milestones,
            "done / all"), and the milestones overdue (not done and past their
            ``due_days`` after signup). A one-cell note when there is none.
        """
        lang = self.ctx.lang
        rows = self.onboarding_accounts().head(n)
        if rows.empty:
            return note("onboarding.none", lang)
        cur = self.ctx.ds.currency
        return pd.DataFrame(
            {
                _x("at_risk.col_account", lang): rows["name"],
                _x("at_risk.col_csm", lang): rows["owner"],
                _x("onboarding.col_signed_up", lang): rows["signup_date"].map(lambda d: _date(d, lang)),
                _x("onboarding.col_days", lang): rows["days_since_signup"].astype(int),
                "MRR": rows["mrr"].map(lambda v: format_value(v, "currency", cur, lang)),
                _x("onboarding.col_done", lang): [
                    "–" if pd.isna(t) else f"{d:.0f} / {t:.0f}" for d, t in zip(rows["done"], rows["milestones"])
                ],
                _x("onboarding.col_overdue", lang): rows["overdue"].map(
                    lambda v: _codes("onboarding.milestone", v, lang) or "–"
                ),
            },
            index=rows.index.rename(None),
        )

    def onboarding_count(self, n: int = 15) -> str:
        """One sentence on the onboarding track: how many accounts, how many with overdue milestones, what is shown.

        Parameters
        ----------
        n : int, default 15
            The number of accounts :meth:`onboarding` shows.

        Returns
        -------
        str
            Markdown, in the review's language.
        """
        rows, lang = self.onboarding_accounts(), self.ctx.lang
        days = hs.load_config(self.config)["onboarding_days"]
        late = int((rows["overdue_count"] > 0).sum())
        return _x("onboarding.count", lang, n=len(rows), days=days, late=late, shown=min(n, len(rows)))

    def onboarding_accounts(self) -> pd.DataFrame:
        """The data of :meth:`onboarding`: one row per paying account in onboarding this month.

        Returns
        -------
        pandas.DataFrame
            Index ``account_id``; ``name``, ``owner``, ``signup_date``,
            ``days_since_signup``, ``mrr``, ``done`` and ``milestones`` (distinct
            milestones completed by the month end, and all of the account's;
            NaN without an onboarding table), ``overdue_count`` and ``overdue``
            (comma-separated milestone names).
        """
        now = self.now.set_index("account_id")
        new = now[now["band"] == "onboarding"]
        accounts = self.ctx.ds.accounts.set_index("account_id")
        out = _name_and_csm(self.ctx, new.index).assign(
            signup_date=accounts["signup_date"].reindex(new.index),
            days_since_signup=new["days_since_signup"],
            mrr=new["mrr"],
        )
        ms = onboarding_progress(self.ctx.ds.onboarding, accounts["signup_date"], self.ctx.month.end_time.normalize())
        out = out.join(ms, how="left")
        out["overdue_count"] = out["overdue_count"].fillna(0).astype(int)
        out["overdue"] = out["overdue"].fillna("")
        out = out.sort_values(["overdue_count", "days_since_signup"], ascending=[False, False])
        return out.rename_axis("account_id")


def onboarding_progress(onboarding: pd.DataFrame | None, signup: pd.Series, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per account: distinct onboarding milestones done by ``as_of``, all of them, and those overdue.

    Parameters
    ----------
    onboarding : pandas.DataFrame or None
        Milestones (``account_id``, ``milestone``, ``completed_date`` and
        optionally ``due_days``); None gives an empty table.
    signup : pandas.Series
        Signup dates by account id.
    as_of : pandas.Timestamp
        The day progress is measured at (the month end).

    Returns
    -------
    pandas.DataFrame
        Index ``account_id``: ``done`` (distinct milestones completed on or
        before ``as_of``), ``milestones`` (distinct milestones listed),
        ``overdue_count`` and ``overdue`` (milestones not done by ``as_of``
        whose ``due_days`` after signup have passed, comma-separated).

    Examples
    --------
    >>> ob = pd.DataFrame({"account_id": ["a", "a", "a", "a"],
    ...     "milestone": ["setup", "setup", "first_project", "invite_team"],
    ...     "completed_date": pd.to_datetime(["2026-10-02", "2026-10-03", None, None]), "due_days": [3, 3, 7, 30]})
    >>> onboarding_progress(ob, pd.Series(pd.to_datetime(["2026-10-01"]), index=["a"]), pd.Timestamp("2026-10-20"))
                done  milestones  overdue_count        overdue
    account_id
    a              1           3              1  first_project
    """
    cols = {"done": "int64", "milestones": "int64", "overdue_count": "int64", "overdue": "str"}
    if onboarding is None or onboarding.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()}).rename_axis("account_id")
    ob = onboarding.assign(done=onboarding["completed_date"] <= as_of)
    per = ob.groupby(["account_id", "milestone"], sort=False).agg(
        done=("done", "any"), due_days=("due_days", "min") if "due_days" in ob else ("done", "size")
    )
    per = per.reset_index()
    if "due_days" in ob:
        due = per["account_id"].map(signup) + pd.to_timedelta(per["due_days"], unit="D")
        per["late"] = ~per["done"] & (due < as_of)
    else:
        per["late"] = False
    g = per.groupby("account_id")
    out = pd.DataFrame({"done": g["done"].sum().astype("int64"), "milestones": g.size().astype("int64")})
    late = per[per["late"]]
    out["overdue_count"] = late.groupby("account_id").size().reindex(out.index, fill_value=0).astype("int64")
    out["overdue"] = _joined(late["account_id"], late["milestone"]).reindex(out.index, fill_value="")
    return out.rename_axis("account_id")


def _joined(keys: pd.Series, words: pd.Series) -> pd.Series:
    """Each key's words in row order joined by ", ", without a Python call per key (one column per position)."""
    if keys.empty:
        return pd.Series(dtype="str")
    frame = pd.DataFrame({"key": keys.to_numpy(), "word": words.astype("str").to_numpy()})
    frame["k"] = frame.groupby("key", sort=False).cumcount()
    wide = frame.pivot(index="key", columns="k", values="word")
    out = wide[0]
    for k in wide.columns[1:]:
        out = out.where(wide[k].isna(), out + ", " + wide[k])
    return out.astype("str").rename(None).rename_axis(keys.name)


def save_customer_tables(ctx: ReviewContext, health: HealthView | None, folder: str | None) -> list[str]:
    """Write the run's customer lists as CSV into ``folder``: ``at_risk.csv``, ``onboarding.csv``, ``rfm_segments.csv``.

    Headers and words (reasons, health components, milestones, segments,
    actions, dates) in ``ctx.lang``; ids and numbers as they are; every cell from a
    user file neutralised (:func:`playbook.report.export.write_csv`). A list
    with nothing to write is not written.

    Parameters
    ----------
    ctx : ReviewContext
        The review.
    health : HealthView or None
        The health view (at-risk and onboarding lists); None without usage data.
    folder : str or None
        Where to write (a run passes its folder); nothing is written when empty.

    Returns
    -------
    list of str
        The names of the files written.
    """
    if not folder:
        return []
    lang, written = ctx.lang, []
    target = resolve_path(folder)
    if health is not None and health.scores is not None and health.now["health"].notna().any():
        rows = health.at_risk_accounts()
        table = pd.DataFrame(
            {
                _x("at_risk.col_account_id", lang): rows.index,
                _x("at_risk.col_account", lang): rows["name"].to_numpy(),
                _x("at_risk.col_csm", lang): rows["owner"].to_numpy(),
                "MRR": rows["mrr"].to_numpy(),
                _x("at_risk.col_health", lang): rows["health"].to_numpy(),
                _x("at_risk.col_risk", lang): rows["risk"].round(3).to_numpy(),
                _x("at_risk.col_why", lang): health._reasons(rows),
                _x("at_risk.col_weakest", lang): [_codes("health.component", v, lang) for v in rows["weakest"]],
                _x("at_risk.col_renewal", lang): [_date(d, lang) for d in rows["next_renewal"]],
            }
        )
        write_csv(table, target / "at_risk.csv")
        written.append("at_risk.csv")
        new = health.onboarding_accounts()
        if not new.empty:
            table = pd.DataFrame(
                {
                    _x("at_risk.col_account_id", lang): new.index,
                    _x("at_risk.col_account", lang): new["name"].to_numpy(),
                    _x("at_risk.col_csm", lang): new["owner"].to_numpy(),
                    _x("onboarding.col_signed_up", lang): [_date(d, lang) for d in new["signup_date"]],
                    _x("onboarding.col_days", lang): new["days_since_signup"].astype(int).to_numpy(),
                    "MRR": new["mrr"].to_numpy(),
                    _x("onboarding.col_done_count", lang): new["done"].to_numpy(),
                    _x("onboarding.col_milestones", lang): new["milestones"].to_numpy(),
                    _x("onboarding.col_overdue", lang): [
                        _codes("onboarding.milestone", v, lang) for v in new["overdue"]
                    ],
                }
            )
            write_csv(table, target / "onboarding.csv")
            written.append("onboarding.csv")
    rfm = rfm_accounts(ctx)
    if rfm is not None:
        write_csv(rfm, target / "rfm_segments.csv")
        written.append("rfm_segments.csv")
    return written


def revenue_retention_table(views: dict, *, lang: str = "en", max_k: int = 12) -> pd.DataFrame:
    """The size-weighted revenue retention by months since start, with and without expansion (capped).

    Parameters
    ----------
    views : dict
        The cohort matrices of :func:`cohort_views`; the "weighted average" rows of
        ``"revenue"`` and ``"revenue_capped"`` are used (weighted by MRR at start).
    lang : {"en", "ja"}, default "en"
        Language of the row names.
    max_k : int, default 12
        The last month since start shown.

    Returns
    -------
    pandas.DataFrame
        Two rows (revenue retention, and capped with no expansion) and one
        column per month since start from 0 to ``max_k``, as percentages in text
        (empty where not observed).
    """
    rows = {
        _x("revenue.retention", lang): views["revenue"].loc[AVERAGE],
        _x("revenue.capped", lang): views["revenue_capped"].loc[AVERAGE],
    }
    t = pd.concat(rows, axis=1, sort=False).T.drop(columns="size")
    t = t[[c for c in t.columns if int(c) <= max_k]]
    return t.map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
