"""The KPI catalog: one registry of every KPI, and ``compute_kpis`` over a dataset.

Each KPI has an id, English and Japanese names, a one-line definition, its
formula, unit, direction (is higher better?), horizon (short = a leading
indicator that moves within weeks; long = a lagging one) and the tables it
needs. The catalog is the single source for the README glossary, chart and
table labels in both languages, and the metric ids a KPI tree may use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from playbook import funnel, purchases, retention, revenue, support, usage, value, voice
from playbook.data import Dataset
from playbook.ratios import KPI_COLUMNS

__all__ = ["KPI", "CATALOG", "KPI_IDS", "kpi", "compute_kpis", "dataset_snapshots", "glossary", "glossary_markdown"]

SUBS = ("subscriptions", "mrr_monthly")  # either one


@dataclass(frozen=True)
class KPI:
    """One entry of the catalog."""

    id: str
    name_en: str
    name_ja: str
    definition: str
    formula: str
    unit: Literal["currency", "count", "ratio", "multiple", "points", "months", "hours", "minutes", "score", "users"]
    direction: Literal["higher", "lower"]
    horizon: Literal["short", "long"]
    family: str
    needs: tuple = (SUBS,)

    def name(self, lang: str = "en") -> str:
        return self.name_ja if lang == "ja" else self.name_en

    def missing(self, ds: Dataset) -> list[str]:
        """Tables this KPI needs that the dataset lacks ("a or b" for alternatives)."""
        present = set(ds.tables)
        out = []
        for need in self.needs:
            options = need if isinstance(need, tuple) else (need,)
            if not present.intersection(options):
                out.append(" or ".join(options))
        return out


def _k(id, en, ja, definition, formula, unit, direction, horizon, family, needs=(SUBS,)):
    return KPI(id, en, ja, definition, formula, unit, direction, horizon, family, needs)


CATALOG: list[KPI] = [
    # revenue
    _k("mrr", "MRR", "MRR（月次経常収益）", "Monthly recurring revenue at month end", "sum of accounts' month-end MRR", "currency", "higher", "long", "revenue"),
    _k("arr", "ARR", "ARR（年次経常収益）", "Annual recurring revenue", "12 x MRR", "currency", "higher", "long", "revenue"),
    _k("paying_customers", "Paying customers", "有料顧客数", "Accounts with MRR > 0 at month end", "|A(m)|", "count", "higher", "long", "revenue"),
    _k("arpa", "ARPA", "顧客単価（ARPA）", "Average MRR per paying account", "MRR / paying customers", "currency", "higher", "long", "revenue"),
    _k("new_mrr", "New MRR", "新規MRR", "MRR of accounts paying for the first time", "sum of m1 where m0 = 0 < m1, never paid before", "currency", "higher", "short", "revenue"),
    _k("reactivation_mrr", "Reactivation MRR", "復帰MRR", "MRR of accounts that paid before and came back", "sum of m1 where m0 = 0 < m1, paid before", "currency", "higher", "long", "revenue"),
    _k("expansion_mrr", "Expansion MRR", "拡張MRR", "MRR added by accounts that pay more", "sum of m1 - m0 where 0 < m0 < m1", "currency", "higher", "long", "revenue"),
    _k("contraction_mrr", "Contraction MRR", "縮小MRR", "MRR lost by accounts that pay less", "sum of m0 - m1 where 0 < m1 < m0", "currency", "lower", "long", "revenue"),
    _k("churned_mrr", "Churned MRR", "解約MRR", "MRR lost by accounts that stopped paying", "sum of m0 where m0 > 0 = m1", "currency", "lower", "long", "revenue"),
    _k("revenue_churn_rate", "Revenue churn rate", "レベニューチャーン率", "Gross MRR churn", "(churned + contraction) / MRR(m-1)", "ratio", "lower", "long", "revenue"),
    _k("nrr", "Net revenue retention", "売上継続率（NRR）", "MRR kept and grown from last month's customers", "(MRR(m-1) + expansion - contraction - churned) / MRR(m-1)", "ratio", "higher", "long", "revenue"),
    _k("grr", "Gross revenue retention", "GRR（総収益維持率）", "MRR kept from last month's customers, expansion excluded", "(MRR(m-1) - contraction - churned) / MRR(m-1)", "ratio", "higher", "long", "revenue"),
    _k("nrr_12m", "12-month NRR", "年間NRR", "MRR now of the accounts paying 12 months ago / their MRR then", "sum over A(m-12) of MRR_a(m) / sum of MRR_a(m-12)", "ratio", "higher", "long", "revenue"),
    _k("upsell_rate", "Upsell rate", "アップセル率", "Share of last month's customers that expanded", "accounts in A(m-1) with expansion / |A(m-1)|", "ratio", "higher", "long", "revenue"),
    _k("cross_sell_rate", "Cross-sell rate", "クロスセル率", "Share of last month's customers that added a product", "accounts in A(m-1) adding a product / |A(m-1)|", "ratio", "higher", "long", "revenue"),
    _k("expansion_mrr_rate", "Expansion MRR rate", "拡張MRR率", "Expansion MRR relative to last month's MRR", "expansion / MRR(m-1)", "ratio", "higher", "long", "revenue"),
    # customers
    _k("logo_churn_rate", "Logo churn rate", "解約率（カスタマーチャーン）", "Share of last month's customers not paying at month end", "|A(m-1) \\ A(m)| / |A(m-1)|", "ratio", "lower", "long", "retention"),
    _k("retention_rate", "Retention rate", "継続率", "Share of last month's customers still paying", "1 - logo churn rate", "ratio", "higher", "long", "retention"),
    _k("new_customers", "New customers", "新規顧客数", "Accounts paying for the first time", "count of new movements", "count", "higher", "short", "retention"),
    _k("churned_customers", "Churned customers", "解約顧客数", "Accounts that stopped paying", "count of churned movements", "count", "lower", "long", "retention"),
    _k("reactivated_customers", "Reactivated customers", "復帰顧客数", "Accounts paying again after a gap", "count of reactivation movements", "count", "higher", "long", "retention"),
    _k("annualised_churn_rate", "Annualised churn rate", "年換算解約率", "Monthly logo churn compounded over a year", "1 - (1 - monthly churn)^12", "ratio", "lower", "long", "retention"),
    _k("expected_lifetime_months", "Expected lifetime", "平均顧客存続期間", "Expected months a customer stays", "1 / mean monthly logo churn of the trailing 6 months", "months", "higher", "long", "retention"),
    _k("tenure_months", "Tenure", "継続月数", "Mean months since paying customers' current paid period began", "mean over A(m) of months since the streak started", "months", "higher", "long", "retention"),
    # value
    _k("gross_margin", "Gross margin", "粗利率", "Share of MRR left after the cost of revenue", "(MRR - cost of revenue) / MRR", "ratio", "higher", "long", "value", (SUBS, "costs")),
    _k("ltv", "LTV", "LTV（顧客生涯価値）", "Margin a customer brings over its lifetime", "ARPA x gross margin / mean logo churn of the 6 months before m", "currency", "higher", "long", "value"),
    _k("ltv_purchase", "LTV (purchases)", "LTV（購買ベース）", "Purchase-based lifetime value", "order value x orders per customer per month x expected lifetime", "currency", "higher", "long", "value", (SUBS, "transactions")),
    _k("cac", "CAC", "CAC（顧客獲得コスト）", "Cost to acquire one new customer", "sales and marketing cost / new customers", "currency", "lower", "long", "value", (SUBS, ("costs", "accounts"))),
    _k("ltv_to_cac", "LTV/CAC", "LTV/CAC", "Lifetime value per unit of acquisition cost", "LTV / CAC", "multiple", "higher", "long", "value", (SUBS, ("costs", "accounts"))),
    _k("cac_payback_months", "CAC payback", "CAC回収期間", "Months of margin to earn back the CAC", "CAC / (ARPA x gross margin)", "months", "lower", "long", "value", (SUBS, ("costs", "accounts"))),
    _k("crc", "Customer retention cost", "顧客維持コスト（CRC）", "Customer success cost per customer", "customer success cost / mean paying customers of m-1 and m", "currency", "lower", "long", "value", (SUBS, "costs")),
    # purchases
    _k("avg_order_value", "Average order value", "平均客単価", "Revenue per order in the month", "revenue / orders", "currency", "higher", "short", "purchases", ("transactions",)),
    _k("revenue_per_customer", "Revenue per customer", "顧客あたり売上", "Revenue per purchasing customer in the month", "revenue / purchasing customers", "currency", "higher", "short", "purchases", ("transactions",)),
    _k("repeat_purchase_rate", "Repeat purchase rate", "リピート購入率", "Share of the last 12 months' buyers with 2+ orders", "customers with >= 2 orders / customers with >= 1", "ratio", "higher", "long", "purchases", ("transactions",)),
    # voice
    _k("nps", "NPS", "NPS（顧客推奨度）", "Promoters minus detractors among NPS responses", "100 x (promoters 9-10 - detractors 0-6) / responses", "points", "higher", "long", "voice", ("surveys",)),
    _k("csat", "CSAT", "顧客満足度（CSAT）", "Share of satisfied CSAT responses", "responses 4-5 / responses (1-5 scale)", "ratio", "higher", "short", "voice", ("surveys",)),
    _k("ces", "CES", "顧客努力指標（CES）", "Share of responses saying it was easy", "responses 5-7 / responses (1-7 scale)", "ratio", "higher", "short", "voice", ("surveys",)),
    _k("ces_mean", "CES (mean)", "CES（平均）", "Mean CES score", "sum of scores / responses (1-7 scale)", "score", "higher", "short", "voice", ("surveys",)),
    _k("support_rating", "Support rating", "サポート評価", "CSAT of support interactions", "CSAT over responses with touchpoint support", "ratio", "higher", "short", "voice", ("surveys",)),
    # support
    _k("fcr", "First contact resolution", "一次解決率（FCR）", "Tickets solved in one contact, not reopened", "resolved with 1 contact and not reopened / resolved", "ratio", "higher", "short", "support", ("tickets",)),
    _k("escalation_rate", "Escalation rate", "エスカレーション率", "Share of tickets escalated", "escalated / opened", "ratio", "lower", "short", "support", ("tickets",)),
    _k("first_response_hours", "First response time", "初回応答時間", "Median hours to the first reply", "median(first_response_at - opened_at)", "hours", "lower", "short", "support", ("tickets",)),
    # usage and adoption
    _k("mau", "MAU", "月間アクティブユーザー数（MAU）", "Distinct users active in the month", "distinct users with >= 1 session", "users", "higher", "short", "usage", ("usage",)),
    _k("dau", "DAU", "日次アクティブユーザー数（DAU）", "Mean distinct users active per day", "mean over days of distinct users", "users", "higher", "short", "usage", ("usage",)),
    _k("stickiness", "Stickiness (DAU/MAU)", "DAU/MAU比率", "How often monthly users come back", "mean DAU / MAU", "ratio", "higher", "short", "usage", ("usage",)),
    _k("active_accounts", "Active accounts", "アクティブ顧客数", "Accounts with an active user", "accounts with >= 1 active user", "count", "higher", "short", "usage", ("usage",)),
    _k("avg_session_minutes", "Average session time", "平均セッション時間", "Mean minutes per session", "session seconds / sessions / 60", "minutes", "higher", "short", "usage", ("usage",)),
    _k("feature_adoption", "Feature adoption", "機能利用率", "Share of active users who used a feature (per feature)", "users of the feature / active users", "ratio", "higher", "short", "usage", ("usage",)),
    _k("seat_utilisation", "Seat utilisation", "ライセンス利用率", "Active users per licensed user", "active users / licensed users", "ratio", "higher", "short", "usage", ("usage", "users")),
    _k("onboarding_completion_rate", "Onboarding completion", "オンボーディング完了率", "Share of a signup cohort finishing onboarding in 30 days", "accounts completing every milestone in 30 days / cohort", "ratio", "higher", "short", "onboarding", ("onboarding",)),
    _k("trial_conversion_rate", "Trial conversion", "無料→有料転換率", "Share of a month's trials converting within 30 days", "converted trials / trials started", "ratio", "higher", "short", "funnel", ("trials",)),
    _k("conversion_rate", "Funnel conversion", "コンバージョン率", "Conversion between funnel stages (per step, and overall)", "stage k / stage k-1; last / first", "ratio", "higher", "short", "funnel", ("funnel",)),
]

_BY_ID = {k.id: k for k in CATALOG}
KPI_IDS: list[str] = [k.id for k in CATALOG]


def kpi(kpi_id: str) -> KPI:
    """The catalog entry of a KPI id (``feature_adoption.tasks`` -> ``feature_adoption``).

    Examples
    --------
    >>> kpi("nrr").name("ja")
    '売上継続率（NRR）'
    >>> kpi("churn")
    Traceback (most recent call last):
    ...
    KeyError: "unknown KPI id 'churn'; did you mean one of ['churned_mrr', 'revenue_churn_rate', 'logo_churn_rate', 'churned_customers', 'annualised_churn_rate']?"
    """
    base = kpi_id.split(".", 1)[0]
    if base not in _BY_ID:
        close = [k for k in KPI_IDS if base in k] or KPI_IDS
        raise KeyError(f"unknown KPI id {kpi_id!r}; did you mean one of {close[:5]}?")
    return _BY_ID[base]


# --------------------------------------------------------------------------- computing


def dataset_snapshots(ds: Dataset, until, *, product: bool = False) -> pd.DataFrame | None:
    """Month-end MRR snapshots of a dataset from its first month to ``until``: from subscriptions, else mrr_monthly.

    With ``product`` the snapshots are per account and product (None when there is no product column).
    """
    span = pd.period_range(ds.first_month, pd.Period(until, freq="M"), freq="M")
    s, mm = ds.subscriptions, ds.mrr_monthly
    if product:
        if s is not None:
            return revenue.month_end_mrr(s, span, product_col="product") if "product" in s.columns else None
        return revenue.month_end_mrr_from_monthly(mm, span, product_col="product") if "product" in mm.columns else None
    return revenue.month_end_mrr(s, span) if s is not None else revenue.month_end_mrr_from_monthly(mm, span)


class _Inputs:
    """Shared intermediate results of one compute_kpis call, each computed once."""

    def __init__(self, ds: Dataset, months: pd.PeriodIndex, gross_margin_default: float):
        self.ds, self.months, self.gm_default = ds, months, gross_margin_default

    @cached_property
    def snapshots(self) -> pd.DataFrame:
        return dataset_snapshots(self.ds, self.months[-1])

    @cached_property
    def product_snapshots(self) -> pd.DataFrame | None:
        return dataset_snapshots(self.ds, self.months[-1], product=True)

    @cached_property
    def activity(self) -> dict[str, pd.DataFrame]:
        return usage.activity_kpis(usage.activity_counts(self.ds.usage_summary(), self.months))

    @cached_property
    def bridge(self) -> pd.DataFrame:
        return revenue.mrr_bridge(self.snapshots, self.months)

    @cached_property
    def margin(self) -> pd.DataFrame:
        return value.gross_margin(self.bridge, self.ds.costs, default=self.gm_default)

    @cached_property
    def lifetime(self) -> pd.DataFrame:
        return retention.expected_lifetime_months(self.bridge)

    @cached_property
    def ltv(self) -> pd.DataFrame:
        return value.ltv(self.bridge, self.margin)

    @cached_property
    def cac(self) -> pd.DataFrame:
        if self.ds.costs is not None:
            return value.cac(self.bridge, self.ds.costs)
        first = self.snapshots.groupby("account_id")["month"].min()
        if "acquisition_cost" not in self.ds.accounts.columns:
            return _unavailable(self.months, "not available (needs costs or accounts.acquisition_cost)")
        return value.cac_from_accounts(self.ds.accounts, first, self.months)


def _unavailable(months, reason: str) -> pd.DataFrame:
    return pd.DataFrame({"month": months, "value": np.nan, "numerator": np.nan, "denominator": np.nan,
                         "n": pd.array([pd.NA] * len(months), dtype="Int64"),
                         "note": pd.array([reason] * len(months), dtype="str")})


def _bridge_value(column):
    from playbook.ratios import value_table

    return lambda x: value_table(x.bridge["month"], x.bridge[column], x.bridge["customers_start"])


def _split(table: pd.DataFrame, by: str, kpi_id: str) -> dict[str, pd.DataFrame]:
    return {f"{kpi_id}.{key}": part.drop(columns=by) for key, part in table.groupby(by, sort=False)}


def _cross_sell(x: _Inputs) -> pd.DataFrame:
    if x.product_snapshots is None:
        return _unavailable(x.months, "not available (no product column in subscriptions)")
    return revenue.cross_sell_rate(x.product_snapshots, x.months)


def _column_needed(table: pd.DataFrame | None, col: str, table_name: str, months, compute):
    if col not in table.columns:
        return _unavailable(months, f"not available (column {col} missing in {table_name})")
    return compute()


_COMPUTE = {
    "mrr": lambda x: revenue.mrr(x.bridge),
    "arr": lambda x: revenue.arr(x.bridge),
    "paying_customers": lambda x: revenue.paying_customers(x.bridge),
    "arpa": lambda x: revenue.arpa(x.bridge),
    "new_mrr": _bridge_value("new"),
    "reactivation_mrr": _bridge_value("reactivation"),
    "expansion_mrr": _bridge_value("expansion"),
    "contraction_mrr": _bridge_value("contraction"),
    "churned_mrr": _bridge_value("churned"),
    "revenue_churn_rate": lambda x: revenue.revenue_churn_rate(x.bridge),
    "nrr": lambda x: revenue.nrr(x.bridge),
    "grr": lambda x: revenue.grr(x.bridge),
    "nrr_12m": lambda x: revenue.nrr_12m(x.snapshots, x.months),
    "upsell_rate": lambda x: revenue.upsell_rate(x.bridge),
    "cross_sell_rate": _cross_sell,
    "expansion_mrr_rate": lambda x: revenue.expansion_mrr_rate(x.bridge),
    "logo_churn_rate": lambda x: retention.logo_churn_rate(x.bridge),
    "retention_rate": lambda x: retention.retention_rate(x.bridge),
    "new_customers": lambda x: retention.new_customers(x.bridge),
    "churned_customers": lambda x: retention.churned_customers(x.bridge),
    "reactivated_customers": lambda x: retention.reactivated_customers(x.bridge),
    "annualised_churn_rate": lambda x: retention.annualised_churn_rate(x.bridge),
    "expected_lifetime_months": lambda x: x.lifetime,
    "tenure_months": lambda x: retention.tenure_months(x.snapshots, x.months),
    "gross_margin": lambda x: x.margin,
    "ltv": lambda x: x.ltv,
    "ltv_purchase": lambda x: value.ltv_purchase(purchases.avg_order_value(x.ds.transactions, x.months),
                                                 purchases.purchase_frequency(x.ds.transactions, x.months), x.lifetime),
    "cac": lambda x: x.cac,
    "ltv_to_cac": lambda x: value.ltv_to_cac(x.ltv, x.cac),
    "cac_payback_months": lambda x: value.cac_payback_months(x.cac, x.bridge, x.margin),
    "crc": lambda x: value.crc(x.bridge, x.ds.costs),
    "avg_order_value": lambda x: purchases.avg_order_value(x.ds.transactions, x.months),
    "revenue_per_customer": lambda x: purchases.revenue_per_customer(x.ds.transactions, x.months),
    "repeat_purchase_rate": lambda x: purchases.repeat_purchase_rate(x.ds.transactions, x.months),
    "nps": lambda x: voice.nps_monthly(x.ds.surveys, x.months),
    "csat": lambda x: voice.csat(x.ds.surveys, x.months),
    "ces": lambda x: voice.ces(x.ds.surveys, x.months),
    "ces_mean": lambda x: voice.ces_mean(x.ds.surveys, x.months),
    "support_rating": lambda x: voice.support_rating(x.ds.surveys, x.months),
    "fcr": lambda x: _column_needed(x.ds.tickets, "contacts", "tickets", x.months, lambda: support.fcr(x.ds.tickets, x.months)),
    "escalation_rate": lambda x: _column_needed(x.ds.tickets, "escalated", "tickets", x.months,
                                                lambda: support.escalation_rate(x.ds.tickets, x.months)),
    "first_response_hours": lambda x: _column_needed(x.ds.tickets, "first_response_at", "tickets", x.months,
                                                     lambda: support.first_response_hours(x.ds.tickets, x.months)),
    "mau": lambda x: x.activity["mau"],
    "dau": lambda x: x.activity["dau"],
    "stickiness": lambda x: x.activity["stickiness"],
    "active_accounts": lambda x: usage.active_accounts(x.ds.usage_summary(), x.months),
    "avg_session_minutes": lambda x: _column_needed(x.ds.usage_summary(), "session_seconds", "usage", x.months,
                                                    lambda: usage.avg_session_minutes(x.ds.usage_summary(), x.months)),
    "feature_adoption": lambda x: _column_needed(x.ds.usage_summary(), "feature", "usage", x.months,
                                                 lambda: _split(usage.feature_adoption(x.ds.usage_summary(), x.months), "feature", "feature_adoption")),
    "seat_utilisation": lambda x: usage.seat_utilisation(x.ds.usage_summary(), x.ds.users, x.months, active=x.activity["mau"]["value"].to_numpy()),
    "onboarding_completion_rate": lambda x: usage.onboarding_completion_rate(x.ds.onboarding, x.ds.accounts, x.months),
    "trial_conversion_rate": lambda x: _column_needed(x.ds.trials, "converted_date", "trials", x.months,
                                                      lambda: funnel.trial_conversion_rate(x.ds.trials, x.months)),
    "conversion_rate": lambda x: _split(funnel.conversion_rate(x.ds.funnel, x.months), "step", "conversion_rate"),
}


def compute_kpis(ds: Dataset, *, months=None, kpis: list[str] | None = None, gross_margin: float = 1.0) -> pd.DataFrame:
    """Every KPI of the catalog for each month, as one long table.

    Columns: ``month``, ``kpi``, ``value``, ``numerator``, ``denominator``,
    ``n``, ``note``. ``months`` defaults to every complete month in the data
    (``ds.first_month`` to ``ds.last_complete_month``); an incomplete month is
    refused. A KPI whose tables are missing is reported with NaN and the reason
    ("not available (table usage missing)") instead of failing. Per-feature
    adoption and per-step funnel conversion get ids like
    ``feature_adoption.tasks`` and ``conversion_rate.trials``. ``gross_margin``
    is used when there is no costs table.

    Examples
    --------
    >>> from playbook import load_dataset
    >>> from playbook.params import PROJECT_ROOT
    >>> ds = load_dataset(PROJECT_ROOT / "data" / "sample")
    >>> k = compute_kpis(ds, months=["2026-10"], kpis=["paying_customers", "nrr"])
    >>> k[["kpi", "value"]].round(4)
                    kpi     value
    0  paying_customers  475.0000
    1               nrr    0.9964
    """
    if months is None:
        months = pd.period_range(ds.first_month, ds.last_complete_month, freq="M")
    months = pd.PeriodIndex(months, freq="M")
    if len(months) and months.max() > ds.last_complete_month:
        from playbook.errors import DataValidationError, Problem

        raise DataValidationError(Problem("parameters", "months", f"{months.max()} is not complete in this data "
                                                                  f"(latest complete month {ds.last_complete_month})"))
    wanted = CATALOG if kpis is None else [kpi(k) for k in kpis]
    x = _Inputs(ds, months, gross_margin)
    parts = []
    for k in wanted:
        missing = k.missing(ds)
        result = _unavailable(months, f"not available (table {' and '.join(missing)} missing)") if missing else _COMPUTE[k.id](x)
        for kpi_id, table in (result.items() if isinstance(result, dict) else [(k.id, result)]):
            parts.append(table[KPI_COLUMNS].assign(kpi=kpi_id))
    out = pd.concat(parts, ignore_index=True)
    out["kpi"] = out["kpi"].astype("str")
    out["note"] = out["note"].fillna("").astype("str")
    order = {kid: i for i, kid in enumerate(pd.unique(out["kpi"]))}
    out = out.sort_values(["month", "kpi"], key=lambda s: s.map(order) if s.name == "kpi" else s, kind="stable")
    return out[["month", "kpi", "value", "numerator", "denominator", "n", "note"]].reset_index(drop=True)


# --------------------------------------------------------------------------- glossary


_WORDS_JA = {"higher": "高いほど良い", "lower": "低いほど良い", "short": "短期（先行指標）", "long": "長期（遅行指標）"}


def glossary(lang: str = "en") -> pd.DataFrame:
    """The catalog as a table: id, names, definition, formula, unit, direction, horizon, needs.

    With ``lang="ja"`` the direction and horizon are in Japanese (definitions stay in English).
    """
    word = (lambda w: _WORDS_JA[w]) if lang == "ja" else (lambda w: w)
    rows = [{"id": k.id, "name": k.name(lang), "name_ja": k.name_ja, "definition": k.definition, "formula": k.formula,
             "unit": k.unit, "direction": word(k.direction), "horizon": word(k.horizon),
             "needs": ", ".join(" or ".join(n) if isinstance(n, tuple) else n for n in k.needs)} for k in CATALOG]
    return pd.DataFrame(rows)


def glossary_markdown() -> str:
    """The README glossary (a test keeps the README in sync with this)."""
    lines = ["| id | KPI | 日本語 | definition | formula | unit | better | horizon |", "|---|---|---|---|---|---|---|---|"]
    for k in CATALOG:
        formula = k.formula.replace("|", "\\|")
        lines.append(f"| `{k.id}` | {k.name_en} | {k.name_ja} | {k.definition} | {formula} | {k.unit} | {k.direction} | {k.horizon} |")
    return "\n".join(lines) + "\n"
