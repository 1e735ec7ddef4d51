"""Cohorts, LTV, RFM, health and churn risk, ready to read: what notebooks 04 and 05 display.

Every function takes the review context (data, month, language) and returns a
table, a matrix for a chart, or a sentence; a missing table gives a note, not an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.analyses import health as hs
from playbook.analyses import risk as rk
from playbook.analyses.cohorts import AVERAGE, cohort_matrix
from playbook.analyses.rfm import SEGMENT_ACTIONS, has_orders, rfm_table, segment_migration, segment_summary
from playbook.kpis.snapshots import dataset_snapshots
from playbook.report.context import ReviewContext
from playbook.report.formatting import format_value
from playbook.report.labels import label
from playbook.report.labels import pick as _t

__all__ = [
    "cohort_views",
    "purchase_cohorts",
    "retention_by_segment",
    "revenue_retention_table",
    "ltv_variants",
    "ltv_cac_by_channel",
    "rfm_view",
    "migration_view",
    "HealthView",
    "note",
]


def note(en: str, ja: str, lang: str) -> pd.DataFrame:
    """A one-cell table carrying a message (shown where a table would be).

    Parameters
    ----------
    en : str
        The message in English.
    ja : str
        The message in Japanese.
    lang : {"en", "ja"}
        Which of the two to show.

    Returns
    -------
    pandas.DataFrame
        One row and one column, headed "Note" (or its Japanese label), holding
        the message.
    """
    return pd.DataFrame({label("note", lang): [_t(en, ja, lang)]})


def cohort_views(ctx: ReviewContext) -> dict[str, pd.DataFrame]:
    """Subscription cohorts (first paid month-end): active share, survival, revenue retention (and capped), realised LTV.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).

    Returns
    -------
    dict of str to pandas.DataFrame
        Keys ``"active_share"``, ``"survival"``, ``"revenue"``,
        ``"revenue_capped"`` and ``"ltv"``, each a monthly cohort matrix of
        :func:`playbook.analyses.cohorts.cohort_matrix` on month-end MRR up to
        the review month: one row per cohort month plus a last "weighted average"
        row, a ``size`` column (members) and one column per month since start
        (0, 1, 2, ...). Cells are shares (``ltv``: cumulative MRR per member);
        months not yet observed are NaN.
    """
    snaps = dataset_snapshots(ctx.ds, ctx.month)
    return {
        view: cohort_matrix(snaps, as_of=ctx.month, value_col="mrr", view=view)
        for view in ("active_share", "survival", "revenue", "revenue_capped", "ltv")
    }


def purchase_cohorts(ctx: ReviewContext) -> pd.DataFrame | None:
    """Quarterly cohorts of customers by first one-off purchase (all purchases when there is no ``kind``): active share.

    When ``transactions`` has a ``kind`` column with ``one_off`` rows only those
    count; otherwise every transaction does. Purchases after the review month are left out.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).

    Returns
    -------
    pandas.DataFrame or None
        A quarterly ``active_share`` cohort matrix of
        :func:`playbook.analyses.cohorts.cohort_matrix`: one row per cohort quarter
        (e.g. "2023Q4") plus a "weighted average" row, a ``size`` column and one
        column per quarter since the first purchase, holding the share of the
        cohort that bought in that quarter. None without a transactions table.
    """
    t = ctx.ds.transactions
    if t is None:
        return None
    if "kind" in t.columns and (t["kind"] == "one_off").any():
        t = t[t["kind"] == "one_off"]
    return cohort_matrix(
        t, as_of=ctx.month.end_time, date_col="date", value_col="amount", view="active_share", freq="Q"
    )


def retention_by_segment(ctx: ReviewContext, by: str = "plan", *, view: str = "survival") -> pd.DataFrame | None:
    """The size-weighted average cohort curve of each segment (rows) by months since start.

    Cohorts are by first paid month-end (as in :func:`cohort_views`), built
    separately for the accounts of each segment value.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    by : str, default "plan"
        The accounts column that defines the segments.
    view : str, default "survival"
        The cohort view averaged: ``"survival"``, ``"active_share"``, ``"revenue"``,
        ``"revenue_capped"``, ``"ltv"`` or ``"counts"`` (see
        :func:`playbook.analyses.cohorts.cohort_matrix`).

    Returns
    -------
    pandas.DataFrame or None
        One row per segment value (sorted), a ``size`` column (the segment's
        accounts in all cohorts) and one column per month since start (0, 1, 2,
        ...) holding the "weighted average" row of the segment's cohort matrix.
        None when accounts has no column ``by``.

    Raises
    ------
    ValueError
        When ``view`` is not one of the cohort views.
    """
    if by not in ctx.ds.accounts.columns:
        return None
    snaps = dataset_snapshots(ctx.ds, ctx.month)
    seg = snaps["account_id"].map(ctx.ds.accounts.set_index("account_id")[by])
    rows = {}
    for value in sorted(seg.dropna().unique()):  # a few segments
        m = cohort_matrix(snaps[seg == value], as_of=ctx.month, value_col="mrr", view=view)
        rows[value] = m.loc[AVERAGE]
    return pd.concat(rows, axis=1, sort=False).T


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
        (
            _t("LTV (ARPA x margin / churn)", "LTV（ARPA × 粗利率 ÷ 解約率）", lang),
            now.loc["ltv", "value"],
            now.loc["ltv", "note"],
        ),
        (
            _t("LTV (purchases)", "LTV（購買ベース）", lang),
            now.loc["ltv_purchase", "value"],
            now.loc["ltv_purchase", "note"],
        ),
        (
            _t("realised LTV after 12 months", "12か月時点の実績LTV", lang),
            ltv.get(12, np.nan),
            _t("cohorts observed 12 months", "12か月経過したコホート", lang),
        ),
        (
            _t("realised LTV after 24 months", "24か月時点の実績LTV", lang),
            ltv.get(24, np.nan),
            _t("cohorts observed 24 months", "24か月経過したコホート", lang),
        ),
        (
            _t("expected lifetime", "平均顧客存続期間", lang),
            now.loc["expected_lifetime_months", "value"],
            "1 / mean churn (6 months)",
        ),
    ]
    out = pd.DataFrame(
        {
            "": [r[0] for r in rows],
            _t("value", "値", lang): [
                format_value(r[1], "months" if i == 4 else "currency", cur, lang) for i, r in enumerate(rows)
            ],
            label("note", lang): [r[2] for r in rows],
        }
    )
    return out.set_index("").rename_axis(None)


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
        has no LTV. Without ``accounts.acquisition_channel`` or
        ``accounts.acquisition_cost``, a one-cell note (see :func:`note`).
    """
    acc = ctx.ds.accounts
    lang, cur = ctx.lang, ctx.ds.currency
    if "acquisition_channel" not in acc.columns or "acquisition_cost" not in acc.columns:
        return note(
            "needs accounts.acquisition_channel and acquisition_cost",
            "accounts の acquisition_channel と acquisition_cost が必要です",
            lang,
        )
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
    t["payback"] = t["cac"] / (t["arpa"] * gm)
    t = t.sort_values("ltv_to_cac", ascending=False)
    f = lambda v: format_value(v, "currency", cur, lang)
    return pd.DataFrame(
        {
            "CAC": t["cac"].map(f),
            "ARPA": t["arpa"].map(f),
            _t("monthly churn", "月次解約率", lang): t["churn"].map("{:.1%}".format),
            "LTV": t["ltv"].map(f),
            "LTV/CAC": t["ltv_to_cac"].map("{:.1f}x".format),
            _t("payback", "回収期間", lang): t["payback"].map(lambda v: format_value(v, "months", cur, lang)),
        },
        index=t.index.rename(None),
    )


def _no_orders(as_of: pd.Timestamp, lookback_days: int) -> tuple[str, str]:
    return (
        f"No orders in the {lookback_days} days up to {as_of:%Y-%m-%d}, so RFM segments cannot be shown for this month.",
        f"{as_of:%Y-%m-%d} までの{lookback_days}日間に購入がないため、この月のRFMセグメントは表示できません。",
    )


def rfm_view(ctx: ReviewContext, *, lookback_days: int = 365) -> pd.DataFrame:
    """RFM segments of the last ``lookback_days`` up to the month end: size, revenue share, means and the playbook action.

    Parameters
    ----------
    ctx : ReviewContext
        The review: the data (``ctx.ds``), the review month (``ctx.month``) and the
        language (``ctx.lang``).
    lookback_days : int, default 365
        The days of transactions, up to the end of the review month, scored.

    Returns
    -------
    pandas.DataFrame
        One row per RFM segment found (index = segment name, in the segment
        table's order) with customers, share of customers, revenue share, mean
        days since the last order, mean orders, mean spend and the playbook
        action (headers and action in ``ctx.lang``). Without a transactions table,
        a one-cell note (see :func:`note`).

    Raises
    ------
    DataValidationError
        When there is no order (positive amount) in the window.
    """
    lang = ctx.lang
    if ctx.ds.transactions is None:
        return note("RFM needs the transactions table.", "RFMには transactions テーブルが必要です。", lang)
    as_of = ctx.month.end_time.normalize()
    if not has_orders(ctx.ds.transactions, as_of=as_of, lookback_days=lookback_days):
        return note(*_no_orders(as_of, lookback_days), lang)
    r = rfm_table(ctx.ds.transactions, as_of=as_of, lookback_days=lookback_days)
    s = segment_summary(r)
    f = lambda v: format_value(v, "currency", ctx.ds.currency, lang)
    return pd.DataFrame(
        {
            _t("customers", "顧客数", lang): s["customers"].to_numpy(),
            _t("share", "構成比", lang): s["customer_share"].map("{:.0%}".format).to_numpy(),
            _t("revenue share", "売上構成比", lang): s["revenue_share"].map("{:.0%}".format).to_numpy(),
            _t("days since last order", "最終購入からの日数", lang): s["mean_recency_days"]
            .round()
            .astype(int)
            .to_numpy(),
            _t("orders", "購入回数", lang): s["mean_frequency"].round(1).to_numpy(),
            _t("spend", "購入金額", lang): s["mean_monetary"].map(f).to_numpy(),
            _t("playbook action", "推奨アクション", lang): [
                SEGMENT_ACTIONS.get(x, ("", ""))[1 if lang == "ja" else 0] for x in s["segment"]
            ],
        },
        index=s["segment"].to_numpy(),
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
        in the segment table's order; only segments that occur). None without a
        transactions table.

    Raises
    ------
    DataValidationError
        When either window has no order (positive amount).
    """
    if ctx.ds.transactions is None:
        return None
    before, now = (ctx.month - months_back).end_time.normalize(), ctx.month.end_time.normalize()
    for as_of in (before, now):
        if not has_orders(ctx.ds.transactions, as_of=as_of, lookback_days=lookback_days):
            empty = pd.DataFrame()
            empty.attrs["note"] = _t(*_no_orders(as_of, lookback_days), ctx.lang)
            return empty
    return segment_migration(ctx.ds.transactions, before, now, lookback_days=lookback_days)


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
        months = ctx.history[-24:]
        self.scores = hs.health_scores(ctx.ds, months, config=config)
        labels = hs.churn_labels(ctx.ds, months)
        self.labels = labels[labels["month"] + 3 <= ctx.month]  # only outcomes known at the review month
        self.backtest_table, self.backtest_stats = hs.backtest(self.scores, self.labels)
        X = rk.risk_features(self.scores, ctx.ds)
        labelled = self.labels["month"].unique()
        tests = sorted({m for m in labelled if m >= ctx.month - (test_months + 2)} | {ctx.month})
        self.predictions = rk.walk_forward(X, self.labels, test_months=tests)
        self.model_stats = rk.evaluate(self.predictions[self.predictions["month"] != ctx.month])
        train = X.merge(self.labels, on=["account_id", "month"])
        train = train[train["month"] + 3 <= ctx.month]
        self.coefficients = (
            rk.coefficients(rk.fit_logistic(train, train["churned"])) if train["churned"].nunique() == 2 else None
        )

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
        """Band counts per segment this month.

        Returns
        -------
        pandas.DataFrame
            One row per segment (the health configuration's ``segment_col``,
            company size by default) plus an "all" row, with the number of scored
            accounts in the columns ``red``, ``yellow`` and ``green``. A one-cell
            note when no account has a health score.
        """
        n = self.now
        if n["health"].isna().all():
            return note(
                "No health score: too few components have data (coverage below the minimum).",
                "ヘルススコアなし：データのある要素が少なすぎます（カバー率が最小値未満）。",
                self.ctx.lang,
            )
        t = pd.crosstab(n["segment"], n["band"]).reindex(columns=["red", "yellow", "green"], fill_value=0)
        t.loc[_t("all", "全体", self.ctx.lang)] = t.sum()
        return t.rename_axis(index=None, columns=None)

    def backtest_by_horizon(self) -> pd.DataFrame:
        """Churn within the next 1, 2 and 3 months by band (outcomes known at the review month), with 95% intervals.

        Returns
        -------
        pandas.DataFrame
            Three rows ("within 1 month", "within 2 months", "within 3 months")
            and the columns ``red``, ``yellow`` and ``green``: the churn rate of
            the band's account-months with its Wilson 95% interval, as text
            ("–" for a band without accounts).
        """
        lang, rows = self.ctx.lang, {}
        for h in (1, 2, 3):
            labels = hs.churn_labels(self.ctx.ds, self.scores["month"].unique(), horizon=h)
            labels = labels[labels["month"] + h <= self.ctx.month]
            table, _ = hs.backtest(self.scores, labels)
            rows[_t(f"within {h} month{'s' if h > 1 else ''}", f"{h}か月以内", lang)] = [
                "–" if r.accounts == 0 else f"{r.churn_rate:.1%} ({r.ci_low:.1%}–{r.ci_high:.1%})"
                for r in table.itertuples()
            ]
        return pd.DataFrame(rows, index=["red", "yellow", "green"]).T

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
            return _t(
                "Not enough scored history to backtest the health score.",
                "ヘルススコアを検証できる履歴が不足しています。",
                lang,
            )
        rates = self.backtest_table.set_index("band")["churn_rate"]
        if lang == "ja":
            return (
                f"{s['observations']:,} 件（顧客×月）で検証：今後3か月の解約率は red {rates['red']:.1%}、yellow {rates['yellow']:.1%}、"
                f"green {rates['green']:.1%}。スコアの低さで解約を予測するAUCは **{s['auc']:.2f}**、下位10%のリフトは **{s['top_decile_lift']:.1f}倍** です。"
            )
        return (
            f"Over {s['observations']:,} account-months, churn in the next 3 months was {rates['red']:.1%} in red, "
            f"{rates['yellow']:.1%} in yellow and {rates['green']:.1%} in green. Ranking by low health predicts churn with an "
            f"AUC of **{s['auc']:.2f}**; the lowest-scored 10% churn **{s['top_decile_lift']:.1f}x** as often as average."
        )

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
            return _t(
                "Not enough history to evaluate the churn-risk model.",
                "解約リスクモデルを評価できる履歴が不足しています。",
                lang,
            )
        if lang == "ja":
            return (
                f"各月、その月より前に結果が確定したデータだけで学習したモデルを、{s['observations']:,} 件（顧客×月）で評価："
                f"AUC **{s['auc']:.2f}**、上位10%リフト **{s['top_decile_lift']:.1f}倍**（平均解約率 {s['churn_rate']:.1%}）。"
            )
        return (
            f"Trained for each month only on outcomes already known by then, and scored on that month, over {s['observations']:,} "
            f"account-months: AUC **{s['auc']:.2f}**, top-decile lift **{s['top_decile_lift']:.1f}x** (base churn rate "
            f"{s['churn_rate']:.1%})."
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
            return note("No evaluated predictions.", "評価済みの予測がありません。", self.ctx.lang)
        c = rk.calibration(p)
        lang = self.ctx.lang
        return (
            pd.DataFrame(
                {
                    _t("risk group (low to high)", "リスク群（低→高）", lang): c["bin"],
                    _t("accounts", "件数", lang): c["accounts"],
                    _t("predicted", "予測", lang): c["predicted"].map("{:.1%}".format),
                    _t("observed", "実績", lang): c["observed"].map("{:.1%}".format),
                }
            )
            .set_index(_t("risk group (low to high)", "リスク群（低→高）", lang))
            .rename_axis(None)
        )

    def coefficient_table(self) -> pd.DataFrame:
        """The churn-risk model's coefficients (positive = more risk).

        Returns
        -------
        pandas.DataFrame
            One row per model input (index = feature, the intercept first) with
            the ``coefficient`` rounded to 2 decimals; a one-cell note when the
            model was not fitted (no churn, or no non-churn, among the outcomes).
        """
        if self.coefficients is None:
            return note("Model not fitted.", "モデル未学習。", self.ctx.lang)
        c = self.coefficients.copy()
        c["coefficient"] = c["coefficient"].round(2)
        return c.set_index("feature").rename_axis(None)

    def at_risk(self, n: int = 20) -> pd.DataFrame:
        """Red accounts or the top decile of churn risk this month, ranked by MRR, with the components that pulled them down.

        Parameters
        ----------
        n : int, default 20
            The number of accounts listed.

        Returns
        -------
        pandas.DataFrame
            Up to ``n`` accounts (index = account id), highest MRR first, with the
            account name (or id), MRR, health score, band, 3-month churn risk of
            the model, the health components scoring 25 or less, and the owner
            (CSM) when accounts has an ``owner`` column.
        """
        now = self.now.set_index("account_id")
        pred = self.predictions[self.predictions["month"] == self.ctx.month].set_index("account_id")["risk"]
        risk = pred.reindex(now.index)
        top = risk >= risk.quantile(0.9) if risk.notna().any() else pd.Series(False, index=now.index)
        pick = now[(now["band"] == "red") | top].copy()
        pick["risk"] = risk.reindex(pick.index)
        pick = pick.sort_values("mrr", ascending=False).head(n)
        names = self.ctx.ds.accounts.set_index("account_id")
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        return pd.DataFrame(
            {
                _t("account", "顧客", lang): names.reindex(pick.index)["name"]
                if "name" in names.columns
                else pick.index,
                "MRR": pick["mrr"].map(lambda v: format_value(v, "currency", cur, lang)),
                _t("health", "ヘルス", lang): pick["health"],
                _t("band", "バンド", lang): pick["band"],
                _t("churn risk (3 months)", "解約リスク（3か月）", lang): pick["risk"].map(
                    lambda v: "–" if pd.isna(v) else f"{v:.0%}"
                ),
                _t("pulled down by", "低下要因", lang): pick["weakest"],
                _t("owner (CSM)", "担当CSM", lang): names.reindex(pick.index)["owner"]
                if "owner" in names.columns
                else "",
            },
            index=pick.index.rename(None),
        )


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
        _t("revenue retention", "売上維持率", lang): views["revenue"].loc[AVERAGE],
        _t("capped (no expansion)", "上限あり（拡張を除く）", lang): views["revenue_capped"].loc[AVERAGE],
    }
    t = pd.concat(rows, axis=1, sort=False).T.drop(columns="size")
    t = t[[c for c in t.columns if int(c) <= max_k]]
    return t.map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
