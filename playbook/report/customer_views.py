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
from playbook.analyses.rfm import SEGMENT_ACTIONS, rfm_table, segment_migration, segment_summary
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
    """A one-cell table carrying a message (shown where a table would be)."""
    return pd.DataFrame({label("note", lang): [_t(en, ja, lang)]})


def cohort_views(ctx: ReviewContext) -> dict[str, pd.DataFrame]:
    """Subscription cohorts (first paid month-end): active share, survival, revenue retention (and capped), realised LTV."""
    snaps = dataset_snapshots(ctx.ds, ctx.month)
    return {
        view: cohort_matrix(snaps, as_of=ctx.month, value_col="mrr", view=view)
        for view in ("active_share", "survival", "revenue", "revenue_capped", "ltv")
    }


def purchase_cohorts(ctx: ReviewContext) -> pd.DataFrame | None:
    """Quarterly cohorts of customers by first one-off purchase (all purchases when there is no ``kind``): active share."""
    t = ctx.ds.transactions
    if t is None:
        return None
    if "kind" in t.columns and (t["kind"] == "one_off").any():
        t = t[t["kind"] == "one_off"]
    return cohort_matrix(
        t, as_of=ctx.month.end_time, date_col="date", value_col="amount", view="active_share", freq="Q"
    )


def retention_by_segment(ctx: ReviewContext, by: str = "plan", *, view: str = "survival") -> pd.DataFrame | None:
    """The size-weighted average cohort curve of each segment (rows) by months since start."""
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
    """LTV side by side: the formula (ARPA x margin / churn), the purchase-based one, and realised LTV per member."""
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
    """Per acquisition channel: mean CAC, ARPA, monthly churn (pooled over ``months_back`` months), LTV, LTV/CAC, payback."""
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


def rfm_view(ctx: ReviewContext, *, lookback_days: int = 365) -> pd.DataFrame:
    """RFM segments of the last ``lookback_days`` up to the month end: size, revenue share, means and the playbook action."""
    lang = ctx.lang
    if ctx.ds.transactions is None:
        return note("RFM needs the transactions table.", "RFMには transactions テーブルが必要です。", lang)
    r = rfm_table(ctx.ds.transactions, as_of=ctx.month.end_time.normalize(), lookback_days=lookback_days)
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
    """Transition matrix of RFM segments between ``months_back`` months ago and the review month."""
    if ctx.ds.transactions is None:
        return None
    before = (ctx.month - months_back).end_time.normalize()
    return segment_migration(ctx.ds.transactions, before, ctx.month.end_time.normalize(), lookback_days=lookback_days)


class HealthView:
    """Health scores over the history, their backtest, the churn-risk model and the at-risk list."""

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
        return self.scores[self.scores["month"] == self.ctx.month]

    def distribution(self) -> pd.DataFrame:
        """Band counts per segment this month."""
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
        """Churn within the next 1, 2 and 3 months by band (outcomes known at the review month), with 95% intervals."""
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
        if self.coefficients is None:
            return note("Model not fitted.", "モデル未学習。", self.ctx.lang)
        c = self.coefficients.copy()
        c["coefficient"] = c["coefficient"].round(2)
        return c.set_index("feature").rename_axis(None)

    def at_risk(self, n: int = 20) -> pd.DataFrame:
        """Red accounts or the top decile of churn risk this month, ranked by MRR, with the components that pulled them down."""
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
    """The size-weighted revenue retention by months since start, with and without expansion (capped)."""
    rows = {
        _t("revenue retention", "売上維持率", lang): views["revenue"].loc[AVERAGE],
        _t("capped (no expansion)", "上限あり（拡張を除く）", lang): views["revenue_capped"].loc[AVERAGE],
    }
    t = pd.concat(rows, axis=1, sort=False).T.drop(columns="size")
    t = t[[c for c in t.columns if int(c) <= max_k]]
    return t.map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
