"""The KPI catalog: one record per KPI, and ``compute_kpis`` over a dataset.

Each record holds everything about one KPI: its id, English and Japanese names,
a one-line definition, its formula, unit, direction (is higher better?),
horizon (short = a leading indicator that moves within weeks; long = a lagging
one), family (:mod:`playbook.kpis.families`), the tables and columns it needs,
and the function that computes it from the shared inputs of one
``compute_kpis`` call. The catalog is the single source for the README
glossary, chart and table labels in both languages, and the metric ids a KPI
tree may use.

On a segment of accounts (a dataset from ``Dataset.for_accounts``, e.g. one
CSM's accounts), a KPI that reads a company-level table (``scope="company"``
in :mod:`playbook.data.schema`: costs, trials, funnel) is NaN with the note
"company-level: not split by segment (uses costs)": dividing the company's
costs or trials by one segment's customers would mix the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from playbook.data.dataset import Dataset
from playbook.data.errors import DataValidationError, Problem
from playbook.data.schema import TABLES
from playbook.kpis import funnel, purchases, retention, revenue, support, usage, value, voice
from playbook.kpis.families import SUBS, describe_needs, family, missing_tables
from playbook.kpis.ratios import KPI_COLUMNS, value_table
from playbook.kpis.snapshots import dataset_snapshots

__all__ = [
    "KPI",
    "CATALOG",
    "KPI_IDS",
    "NOT_AVAILABLE",
    "COMPANY_LEVEL",
    "kpi",
    "compute_kpis",
    "glossary",
    "glossary_markdown",
]

#: How the note of a KPI the data does not allow begins ("not available (table usage missing)").
NOT_AVAILABLE = "not available"
#: How the note of a KPI that cannot be split by a segment begins ("company-level: not split by segment (uses costs)").
COMPANY_LEVEL = "company-level: not split by segment"

Unit = Literal[
    "currency", "count", "ratio", "multiple", "points", "months", "days", "hours", "minutes", "score", "users"
]


# --------------------------------------------------------------------------- shared inputs


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
        return usage.activity_kpis(usage.activity_counts(self.ds.usage, self.months))

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
            return _unavailable(self.months, f"{NOT_AVAILABLE} (needs costs or accounts.acquisition_cost)")
        return value.cac_from_accounts(self.ds.accounts, first, self.months)


def _unavailable(months, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": months,
            "value": np.nan,
            "numerator": np.nan,
            "denominator": np.nan,
            "n": pd.array([pd.NA] * len(months), dtype="Int64"),
            "note": pd.array([reason] * len(months), dtype="str"),
        }
    )


def _bridge_value(column: str):
    return lambda x: value_table(x.bridge["month"], x.bridge[column], x.bridge["customers_start"])


def _split(table: pd.DataFrame, by: str, kpi_id: str) -> dict[str, pd.DataFrame]:
    return {f"{kpi_id}.{key}": part.drop(columns=by) for key, part in table.groupby(by, sort=False)}


def _cross_sell(x: _Inputs) -> pd.DataFrame:
    if x.product_snapshots is None:
        return _unavailable(x.months, f"{NOT_AVAILABLE} (no product column in subscriptions)")
    return revenue.cross_sell_rate(x.product_snapshots, x.months)


def _time_to_first_value(x: _Inputs) -> pd.DataFrame:
    milestone = x.ds.settings.get("first_value_milestone") or None
    if milestone is None:
        return usage.time_to_first_value(x.ds.onboarding, x.ds.accounts, x.months)
    if milestone not in set(x.ds.onboarding["milestone"]):
        reason = (
            f"{NOT_AVAILABLE} (first_value_milestone {milestone!r} of dataset.yaml is not a milestone in onboarding)"
        )
        return _unavailable(x.months, reason)
    out = usage.time_to_first_value(x.ds.onboarding, x.ds.accounts, x.months, milestone=milestone)
    out["note"] = pd.array([note or f"first value = {milestone}" for note in out["note"]], dtype="str")
    return out


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class KPI:
    """One KPI: what it means, what it needs, and how it is computed.

    Parameters
    ----------
    id : str
        The id used in tables and in a KPI tree's ``metric``.
    name_en, name_ja : str
        The KPI's name in English and Japanese.
    definition, formula : str
        One line each, as the glossary shows them.
    unit : str
        How values read: ``currency``, ``ratio`` (a fraction shown as %), ``points``, ...
    direction : {"higher", "lower"}
        Which way is better.
    horizon : {"short", "long"}
        Short = a leading indicator that moves within weeks; long = a lagging one.
    family : str
        A family id of :data:`playbook.kpis.families.FAMILIES`.
    needs : tuple
        Tables it needs; a tuple inside means "any one of".
    columns : tuple of (table, column)
        Optional columns it needs besides the tables.
    also_reads : tuple of str
        Tables it reads when the dataset has them, besides ``needs`` (LTV reads ``costs`` for the gross margin).
        With ``needs``, they tell which tables a computation uses (:meth:`inputs`), and so whether it can be
        split by a segment of accounts.
    compute : callable
        Takes the shared inputs of one ``compute_kpis`` call and returns the
        KPI's table (or a dict of tables for per-feature or per-step KPIs).
    """

    id: str
    name_en: str
    name_ja: str
    definition: str
    formula: str
    unit: Unit
    direction: Literal["higher", "lower"]
    horizon: Literal["short", "long"]
    family: str
    compute: Callable[[_Inputs], pd.DataFrame | dict[str, pd.DataFrame]] = field(repr=False, compare=False)
    needs: tuple = (SUBS,)
    columns: tuple[tuple[str, str], ...] = ()
    also_reads: tuple[str, ...] = ()

    def __post_init__(self):
        family(self.family)  # an unknown family fails at import, not in a report

    def name(self, lang: str = "en") -> str:
        """The KPI's name in ``lang``.

        Parameters
        ----------
        lang : str, default "en"
            ``"ja"`` for the Japanese name; any other value gives the English one.

        Returns
        -------
        str
            The KPI's name.
        """
        return self.name_ja if lang == "ja" else self.name_en

    def missing(self, ds: Dataset) -> list[str]:
        """Tables this KPI needs that the dataset lacks ("a or b" for alternatives).

        Parameters
        ----------
        ds : Dataset
            A validated dataset.

        Returns
        -------
        list of str
            One entry per unmet need, in the order of ``needs``; empty when the dataset has every table.
        """
        return missing_tables(self.needs, ds.tables)

    def unavailable_reason(self, ds: Dataset) -> str | None:
        """Why the dataset does not allow this KPI ("not available (...)" or "company-level: ..."), or None when it does.

        Parameters
        ----------
        ds : Dataset
            A validated dataset, or a segment of one (``ds.segment`` set, see ``Dataset.for_accounts``).

        Returns
        -------
        str or None
            ``"not available (table ... missing)"`` naming the missing tables, else
            ``"not available (column ... missing in ...)"`` for the first missing column of ``columns``, else, on a
            segment, ``"company-level: not split by segment (uses costs)"`` naming the company-level tables it reads
            (:meth:`company_inputs`); None when the KPI can be computed.
        """
        missing = self.missing(ds)
        if missing:
            return f"{NOT_AVAILABLE} (table {' and '.join(missing)} missing)"
        for table, column in self.columns:
            if column not in getattr(ds, table).columns:
                return f"{NOT_AVAILABLE} (column {column} missing in {table})"
        company = self.company_inputs(ds) if ds.segment else []
        if company:
            return f"{COMPANY_LEVEL} (uses {' and '.join(company)})"
        return None

    def inputs(self, ds: Dataset) -> list[str]:
        """The tables this KPI's computation reads on this dataset.

        For each need, the first of its options the dataset has (``subscriptions`` before ``mrr_monthly``, ``costs``
        before ``accounts`` for CAC), then the tables of ``also_reads`` the dataset has.

        Parameters
        ----------
        ds : Dataset
            A validated dataset.

        Returns
        -------
        list of str
            Table names, each once, in the order of ``needs`` and then ``also_reads``.

        Examples
        --------
        >>> from playbook import load_dataset
        >>> from playbook.data.paths import SAMPLE_DIR
        >>> ds = load_dataset(SAMPLE_DIR)
        >>> kpi("cac").inputs(ds), kpi("ltv").inputs(ds)
        (['subscriptions', 'costs'], ['subscriptions', 'costs'])
        """
        present, used = ds.tables, []
        for need in self.needs:
            first = next((t for t in (need if isinstance(need, tuple) else (need,)) if t in present), None)
            if first is not None and first not in used:
                used.append(first)
        return used + [t for t in self.also_reads if t in present and t not in used]

    def company_inputs(self, ds: Dataset) -> list[str]:
        """The company-level tables among :meth:`inputs` (``scope="company"``: costs, trials, funnel, actions).

        On a segment of accounts, a KPI with any is "company-level": its inputs cannot be split by the segment.

        Parameters
        ----------
        ds : Dataset
            A validated dataset.

        Returns
        -------
        list of str
            The company-level tables the KPI reads on ``ds``, in the order of :meth:`inputs`; empty when every input
            is account-level.
        """
        return [t for t in self.inputs(ds) if TABLES[t].scope == "company"]


CATALOG: list[KPI] = [
    # revenue
    KPI(
        "mrr",
        name_en="MRR",
        name_ja="MRR（月次経常収益）",
        definition="Monthly recurring revenue at month end",
        formula="sum of accounts' month-end MRR",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.mrr(x.bridge),
    ),
    KPI(
        "arr",
        name_en="ARR",
        name_ja="ARR（年次経常収益）",
        definition="Annual recurring revenue",
        formula="12 x MRR",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.arr(x.bridge),
    ),
    KPI(
        "paying_customers",
        name_en="Paying customers",
        name_ja="有料顧客数",
        definition="Accounts with MRR > 0 at month end",
        formula="|A(m)|",
        unit="count",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.paying_customers(x.bridge),
    ),
    KPI(
        "arpa",
        name_en="ARPA",
        name_ja="顧客単価（ARPA）",
        definition="Average MRR per paying account",
        formula="MRR / paying customers",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.arpa(x.bridge),
    ),
    KPI(
        "new_mrr",
        name_en="New MRR",
        name_ja="新規MRR",
        definition="MRR of accounts paying for the first time",
        formula="sum of m1 where m0 = 0 < m1, never paid before",
        unit="currency",
        direction="higher",
        horizon="short",
        family="revenue",
        compute=_bridge_value("new"),
    ),
    KPI(
        "reactivation_mrr",
        name_en="Reactivation MRR",
        name_ja="復帰MRR",
        definition="MRR of accounts that paid before and came back",
        formula="sum of m1 where m0 = 0 < m1, paid before",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=_bridge_value("reactivation"),
    ),
    KPI(
        "expansion_mrr",
        name_en="Expansion MRR",
        name_ja="拡張MRR",
        definition="MRR added by accounts that pay more",
        formula="sum of m1 - m0 where 0 < m0 < m1",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=_bridge_value("expansion"),
    ),
    KPI(
        "contraction_mrr",
        name_en="Contraction MRR",
        name_ja="縮小MRR",
        definition="MRR lost by accounts that pay less",
        formula="sum of m0 - m1 where 0 < m1 < m0",
        unit="currency",
        direction="lower",
        horizon="long",
        family="revenue",
        compute=_bridge_value("contraction"),
    ),
    KPI(
        "churned_mrr",
        name_en="Churned MRR",
        name_ja="解約MRR",
        definition="MRR lost by accounts that stopped paying",
        formula="sum of m0 where m0 > 0 = m1",
        unit="currency",
        direction="lower",
        horizon="long",
        family="revenue",
        compute=_bridge_value("churned"),
    ),
    KPI(
        "revenue_churn_rate",
        name_en="Revenue churn rate",
        name_ja="レベニューチャーン率",
        definition="Gross MRR churn",
        formula="(churned + contraction) / MRR(m-1)",
        unit="ratio",
        direction="lower",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.revenue_churn_rate(x.bridge),
    ),
    KPI(
        "nrr",
        name_en="Net revenue retention",
        name_ja="売上継続率（NRR）",
        definition="MRR kept and grown from last month's customers",
        formula="(MRR(m-1) + expansion - contraction - churned) / MRR(m-1)",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.nrr(x.bridge),
    ),
    KPI(
        "grr",
        name_en="Gross revenue retention",
        name_ja="GRR（総収益維持率）",
        definition="MRR kept from last month's customers, expansion excluded",
        formula="(MRR(m-1) - contraction - churned) / MRR(m-1)",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.grr(x.bridge),
    ),
    KPI(
        "nrr_12m",
        name_en="12-month NRR",
        name_ja="年間NRR",
        definition="MRR now of the accounts paying 12 months ago / their MRR then",
        formula="sum over A(m-12) of MRR_a(m) / sum of MRR_a(m-12)",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.nrr_12m(x.snapshots, x.months),
    ),
    KPI(
        "upsell_rate",
        name_en="Upsell rate",
        name_ja="アップセル率",
        definition="Share of last month's customers that expanded",
        formula="accounts in A(m-1) with expansion / |A(m-1)|",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.upsell_rate(x.bridge),
    ),
    KPI(
        "cross_sell_rate",
        name_en="Cross-sell rate",
        name_ja="クロスセル率",
        definition="Share of last month's customers that added a product",
        formula="accounts in A(m-1) adding a product / |A(m-1)|",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=_cross_sell,
    ),
    KPI(
        "expansion_mrr_rate",
        name_en="Expansion MRR rate",
        name_ja="拡張MRR率",
        definition="Expansion MRR relative to last month's MRR",
        formula="expansion / MRR(m-1)",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.expansion_mrr_rate(x.bridge),
    ),
    # retention
    KPI(
        "logo_churn_rate",
        name_en="Logo churn rate",
        name_ja="解約率（カスタマーチャーン）",
        definition="Share of last month's customers not paying at month end",
        formula="|A(m-1) \\ A(m)| / |A(m-1)|",
        unit="ratio",
        direction="lower",
        horizon="long",
        family="retention",
        compute=lambda x: retention.logo_churn_rate(x.bridge),
    ),
    KPI(
        "retention_rate",
        name_en="Retention rate",
        name_ja="継続率",
        definition="Share of last month's customers still paying",
        formula="1 - logo churn rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: retention.retention_rate(x.bridge),
    ),
    KPI(
        "new_customers",
        name_en="New customers",
        name_ja="新規顧客数",
        definition="Accounts paying for the first time",
        formula="count of new movements",
        unit="count",
        direction="higher",
        horizon="short",
        family="retention",
        compute=lambda x: retention.new_customers(x.bridge),
    ),
    KPI(
        "churned_customers",
        name_en="Churned customers",
        name_ja="解約顧客数",
        definition="Accounts that stopped paying",
        formula="count of churned movements",
        unit="count",
        direction="lower",
        horizon="long",
        family="retention",
        compute=lambda x: retention.churned_customers(x.bridge),
    ),
    KPI(
        "reactivated_customers",
        name_en="Reactivated customers",
        name_ja="復帰顧客数",
        definition="Accounts paying again after a gap",
        formula="count of reactivation movements",
        unit="count",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: retention.reactivated_customers(x.bridge),
    ),
    KPI(
        "annualised_churn_rate",
        name_en="Annualised churn rate",
        name_ja="年換算解約率",
        definition="Monthly logo churn compounded over a year",
        formula="1 - (1 - monthly churn)^12",
        unit="ratio",
        direction="lower",
        horizon="long",
        family="retention",
        compute=lambda x: retention.annualised_churn_rate(x.bridge),
    ),
    KPI(
        "expected_lifetime_months",
        name_en="Expected lifetime",
        name_ja="平均顧客存続期間",
        definition="Expected months a customer stays",
        formula="1 / mean monthly logo churn of the trailing 6 months",
        unit="months",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: x.lifetime,
    ),
    KPI(
        "tenure_months",
        name_en="Tenure",
        name_ja="継続月数",
        definition="Mean months since paying customers' current paid period began",
        formula="mean over A(m) of months since the streak started",
        unit="months",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: retention.tenure_months(x.snapshots, x.months),
    ),
    # value
    KPI(
        "gross_margin",
        name_en="Gross margin",
        name_ja="粗利率",
        definition="Share of MRR left after the cost of revenue",
        formula="(MRR - cost of revenue) / MRR",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="value",
        needs=(SUBS, "costs"),
        compute=lambda x: x.margin,
    ),
    KPI(
        "ltv",
        name_en="LTV",
        name_ja="LTV（顧客生涯価値）",
        definition="Margin a customer brings over its lifetime",
        formula="ARPA x gross margin / mean logo churn of the 6 months before m",
        unit="currency",
        direction="higher",
        horizon="long",
        family="value",
        also_reads=("costs",),  # the gross margin
        compute=lambda x: x.ltv,
    ),
    KPI(
        "ltv_purchase",
        name_en="LTV (purchases)",
        name_ja="LTV（購買ベース）",
        definition="Purchase-based lifetime value",
        formula="order value x orders per customer per month x expected lifetime",
        unit="currency",
        direction="higher",
        horizon="long",
        family="value",
        needs=(SUBS, "transactions"),
        compute=lambda x: value.ltv_purchase(
            purchases.avg_order_value(x.ds.transactions, x.months),
            purchases.purchase_frequency(x.ds.transactions, x.months),
            x.lifetime,
        ),
    ),
    KPI(
        "cac",
        name_en="CAC",
        name_ja="CAC（顧客獲得コスト）",
        definition="Cost to acquire one new customer",
        formula="sales and marketing cost / new customers",
        unit="currency",
        direction="lower",
        horizon="long",
        family="value",
        needs=(SUBS, ("costs", "accounts")),
        compute=lambda x: x.cac,
    ),
    KPI(
        "ltv_to_cac",
        name_en="LTV/CAC",
        name_ja="LTV/CAC",
        definition="Lifetime value per unit of acquisition cost",
        formula="LTV / CAC",
        unit="multiple",
        direction="higher",
        horizon="long",
        family="value",
        needs=(SUBS, ("costs", "accounts")),
        also_reads=("costs",),  # the gross margin of the LTV
        compute=lambda x: value.ltv_to_cac(x.ltv, x.cac),
    ),
    KPI(
        "cac_payback_months",
        name_en="CAC payback",
        name_ja="CAC回収期間",
        definition="Months of margin to earn back the CAC",
        formula="CAC / (ARPA x gross margin)",
        unit="months",
        direction="lower",
        horizon="long",
        family="value",
        needs=(SUBS, ("costs", "accounts")),
        also_reads=("costs",),  # the gross margin
        compute=lambda x: value.cac_payback_months(x.cac, x.bridge, x.margin),
    ),
    KPI(
        "crc",
        name_en="Customer retention cost",
        name_ja="顧客維持コスト（CRC）",
        definition="Customer success cost per customer",
        formula="customer success cost / mean paying customers of m-1 and m",
        unit="currency",
        direction="lower",
        horizon="long",
        family="value",
        needs=(SUBS, "costs"),
        compute=lambda x: value.crc(x.bridge, x.ds.costs),
    ),
    # purchases
    KPI(
        "avg_order_value",
        name_en="Average order value",
        name_ja="平均客単価",
        definition="Revenue per order in the month",
        formula="revenue / orders",
        unit="currency",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        compute=lambda x: purchases.avg_order_value(x.ds.transactions, x.months),
    ),
    KPI(
        "revenue_per_customer",
        name_en="Revenue per customer",
        name_ja="顧客あたり売上",
        definition="Revenue per purchasing customer in the month",
        formula="revenue / purchasing customers",
        unit="currency",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        compute=lambda x: purchases.revenue_per_customer(x.ds.transactions, x.months),
    ),
    KPI(
        "repeat_purchase_rate",
        name_en="Repeat purchase rate",
        name_ja="リピート購入率",
        definition="Share of the last 12 months' buyers with 2+ orders",
        formula="customers with >= 2 orders / customers with >= 1",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="purchases",
        needs=("transactions",),
        compute=lambda x: purchases.repeat_purchase_rate(x.ds.transactions, x.months),
    ),
    # voice
    KPI(
        "nps",
        name_en="NPS",
        name_ja="NPS（顧客推奨度）",
        definition="Promoters minus detractors among NPS responses",
        formula="100 x (promoters 9-10 - detractors 0-6) / responses",
        unit="points",
        direction="higher",
        horizon="long",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.nps_monthly(x.ds.surveys, x.months),
    ),
    KPI(
        "csat",
        name_en="CSAT",
        name_ja="顧客満足度（CSAT）",
        definition="Share of satisfied CSAT responses",
        formula="responses 4-5 / responses (1-5 scale)",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.csat(x.ds.surveys, x.months),
    ),
    KPI(
        "ces",
        name_en="CES",
        name_ja="顧客努力指標（CES）",
        definition="Share of responses saying it was easy",
        formula="responses 5-7 / responses (1-7 scale)",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.ces(x.ds.surveys, x.months),
    ),
    KPI(
        "ces_mean",
        name_en="CES (mean)",
        name_ja="CES（平均）",
        definition="Mean CES score",
        formula="sum of scores / responses (1-7 scale)",
        unit="score",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.ces_mean(x.ds.surveys, x.months),
    ),
    KPI(
        "support_rating",
        name_en="Support rating",
        name_ja="サポート評価",
        definition="CSAT of support interactions",
        formula="CSAT over responses with touchpoint support",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.support_rating(x.ds.surveys, x.months),
    ),
    # support
    KPI(
        "fcr",
        name_en="First contact resolution",
        name_ja="一次解決率（FCR）",
        definition="Tickets solved in one contact, not reopened",
        formula="resolved with 1 contact and not reopened / resolved",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="support",
        needs=("tickets",),
        columns=(("tickets", "contacts"),),
        compute=lambda x: support.fcr(x.ds.tickets, x.months),
    ),
    KPI(
        "escalation_rate",
        name_en="Escalation rate",
        name_ja="エスカレーション率",
        definition="Share of tickets escalated",
        formula="escalated / opened",
        unit="ratio",
        direction="lower",
        horizon="short",
        family="support",
        needs=("tickets",),
        columns=(("tickets", "escalated"),),
        compute=lambda x: support.escalation_rate(x.ds.tickets, x.months),
    ),
    KPI(
        "first_response_hours",
        name_en="First response time",
        name_ja="初回応答時間",
        definition="Median hours to the first reply",
        formula="median(first_response_at - opened_at)",
        unit="hours",
        direction="lower",
        horizon="short",
        family="support",
        needs=("tickets",),
        columns=(("tickets", "first_response_at"),),
        compute=lambda x: support.first_response_hours(x.ds.tickets, x.months),
    ),
    KPI(
        "resolution_hours",
        name_en="Resolution time",
        name_ja="解決時間",
        definition="Median hours from opening to resolution of the tickets resolved in the month",
        formula="median(resolved_at - opened_at) over tickets resolved in m",
        unit="hours",
        direction="lower",
        horizon="short",
        family="support",
        needs=("tickets",),
        columns=(("tickets", "resolved_at"),),
        compute=lambda x: support.resolution_hours(x.ds.tickets, x.months),
    ),
    # usage
    KPI(
        "mau",
        name_en="MAU",
        name_ja="月間アクティブユーザー数（MAU）",
        definition="Distinct users active in the month",
        formula="distinct users with >= 1 session",
        unit="users",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: x.activity["mau"],
    ),
    KPI(
        "dau",
        name_en="DAU",
        name_ja="日次アクティブユーザー数（DAU）",
        definition="Mean distinct users active per day",
        formula="mean over days of distinct users",
        unit="users",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: x.activity["dau"],
    ),
    KPI(
        "stickiness",
        name_en="Stickiness (DAU/MAU)",
        name_ja="DAU/MAU比率",
        definition="How often monthly users come back",
        formula="mean DAU / MAU",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: x.activity["stickiness"],
    ),
    KPI(
        "active_accounts",
        name_en="Active accounts",
        name_ja="アクティブ顧客数",
        definition="Accounts with an active user",
        formula="accounts with >= 1 active user",
        unit="count",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: usage.active_accounts(x.ds.usage, x.months),
    ),
    KPI(
        "avg_session_minutes",
        name_en="Average session time",
        name_ja="平均セッション時間",
        definition="Mean minutes per session",
        formula="session seconds / sessions / 60",
        unit="minutes",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        columns=(("usage", "session_seconds"),),
        compute=lambda x: usage.avg_session_minutes(x.ds.usage, x.months),
    ),
    KPI(
        "feature_adoption",
        name_en="Feature adoption",
        name_ja="機能利用率",
        definition="Share of active users who used a feature (per feature)",
        formula="users of the feature / active users",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        columns=(("usage", "feature"),),
        compute=lambda x: _split(usage.feature_adoption(x.ds.usage, x.months), "feature", "feature_adoption"),
    ),
    KPI(
        "seat_utilisation",
        name_en="Seat utilisation",
        name_ja="ライセンス利用率",
        definition="Active users per licensed user",
        formula="active users / licensed users",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage", "users"),
        compute=lambda x: usage.seat_utilisation(
            x.ds.usage, x.ds.users, x.months, active=x.activity["mau"]["value"].to_numpy()
        ),
    ),
    KPI(
        "paid_seat_utilisation",
        name_en="Paid seat utilisation",
        name_ja="契約シート利用率",
        definition="Share of the seats paying accounts hold that had an active user in the month",
        formula="sum over accounts of min(active users, seats) / sum of seats at month end",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("subscriptions", "usage"),
        columns=(("subscriptions", "seats"),),
        compute=lambda x: usage.paid_seat_utilisation(x.ds.subscriptions, x.ds.usage, x.months),
    ),
    # onboarding
    KPI(
        "onboarding_completion_rate",
        name_en="Onboarding completion",
        name_ja="オンボーディング完了率",
        definition="Share of a signup cohort finishing onboarding in 30 days",
        formula="accounts completing every milestone in 30 days / cohort",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="onboarding",
        needs=("onboarding",),
        compute=lambda x: usage.onboarding_completion_rate(x.ds.onboarding, x.ds.accounts, x.months),
    ),
    KPI(
        "milestones_on_time",
        name_en="Milestones on time",
        name_ja="マイルストーン期限内達成率",
        definition="Share of the onboarding milestones due in the month completed by their due date",
        formula="milestones due in m (signup + due_days) completed by then / milestones due in m",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="onboarding",
        needs=("onboarding",),
        columns=(("onboarding", "due_days"),),
        compute=lambda x: usage.milestones_on_time(x.ds.onboarding, x.ds.accounts, x.months),
    ),
    KPI(
        "time_to_first_value",
        name_en="Time to first value",
        name_ja="ファーストバリュー到達日数",
        definition="Median days from signup to first value (the first_value_milestone, else onboarding done)",
        formula="median(first-value date - signup_date) over accounts reaching first value in m",
        unit="days",
        direction="lower",
        horizon="short",
        family="onboarding",
        needs=("onboarding",),
        compute=_time_to_first_value,
    ),
    # funnel
    KPI(
        "trial_conversion_rate",
        name_en="Trial conversion",
        name_ja="無料→有料転換率",
        definition="Share of a month's trials converting within 30 days",
        formula="converted trials / trials started",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="funnel",
        needs=("trials",),
        columns=(("trials", "converted_date"),),
        compute=lambda x: funnel.trial_conversion_rate(x.ds.trials, x.months),
    ),
    KPI(
        "conversion_rate",
        name_en="Funnel conversion",
        name_ja="コンバージョン率",
        definition="Conversion between funnel stages (per step, and overall)",
        formula="stage k / stage k-1; last / first",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="funnel",
        needs=("funnel",),
        compute=lambda x: _split(funnel.conversion_rate(x.ds.funnel, x.months), "step", "conversion_rate"),
    ),
]

_BY_ID = {k.id: k for k in CATALOG}
KPI_IDS: list[str] = [k.id for k in CATALOG]
assert len(_BY_ID) == len(CATALOG), "duplicate KPI ids in the catalog"


def kpi(kpi_id: str) -> KPI:
    """The catalog entry of a KPI id (``feature_adoption.tasks`` -> ``feature_adoption``).

    Parameters
    ----------
    kpi_id : str
        A catalog id; a suffix after a dot (a feature or funnel step) is ignored.

    Returns
    -------
    KPI
        The catalog entry.

    Raises
    ------
    KeyError
        If the id (before any dot) is not in the catalog. The message suggests up to five ids that contain it, or the
        first ids of the catalog when none does.

    Examples
    --------
    >>> kpi("nrr").name("ja")
    '売上継続率（NRR）'
    >>> kpi("churn")
    Traceback (most recent call last):
    ...
    KeyError: "unknown KPI id 'churn'; did you mean one of ['churned_mrr', 'revenue_churn_rate', ...]?"
    """
    base = kpi_id.split(".", 1)[0]
    if base not in _BY_ID:
        close = [k for k in KPI_IDS if base in k] or KPI_IDS
        raise KeyError(f"unknown KPI id {kpi_id!r}; did you mean one of {close[:5]}?")
    return _BY_ID[base]


# --------------------------------------------------------------------------- computing


def compute_kpis(ds: Dataset, *, months=None, kpis: list[str] | None = None, gross_margin: float = 1.0) -> pd.DataFrame:
    """Every KPI of the catalog for each month, as one long table.

    Columns: ``month``, ``kpi``, ``value``, ``numerator``, ``denominator``,
    ``n``, ``note``. ``months`` defaults to every complete month in the data
    (``ds.first_month`` to ``ds.last_complete_month``); an incomplete month is
    refused. A KPI whose tables are missing is reported with NaN and the reason
    ("not available (table usage missing)") instead of failing. On a segment of
    accounts (``ds.segment`` set, see ``Dataset.for_accounts``), a KPI that reads a
    company-level table is NaN with "company-level: not split by segment (uses
    costs)" (:data:`COMPANY_LEVEL`), never the company's costs over the segment's
    customers. Per-feature
    adoption and per-step funnel conversion get ids like
    ``feature_adoption.tasks`` and ``conversion_rate.trials``. ``gross_margin``
    is used when there is no costs table.

    Parameters
    ----------
    ds : Dataset
        A validated dataset, as from :func:`~playbook.data.dataset.load_dataset`, or a segment of one.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex, optional
        The months to report. Default: ``ds.first_month`` to ``ds.last_complete_month``.
    kpis : list of str, optional
        The catalog ids to compute; an id with a dot suffix gives the whole KPI (every feature or step). Default: the
        whole catalog.
    gross_margin : float, default 1.0
        The gross margin used when the dataset has no costs table.

    Returns
    -------
    pandas.DataFrame
        One row per month and KPI, ordered by month and then in the order of ``kpis`` (default: catalog order):
        ``month``, ``kpi``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``.

    Raises
    ------
    DataValidationError
        If a month of ``months`` is later than ``ds.last_complete_month``.
    KeyError
        If an id of ``kpis`` is not in the catalog.

    Examples
    --------
    >>> from playbook import load_dataset
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> ds = load_dataset(SAMPLE_DIR)
    >>> k = compute_kpis(ds, months=["2026-10"], kpis=["paying_customers", "nrr"])
    >>> k[["kpi", "value"]].round(4)
                    kpi     value
    0  paying_customers  475.0000
    1               nrr    0.9964
    >>> sato = ds.for_accounts(ds.accounts.loc[ds.accounts["owner"] == "Sato", "account_id"], segment={"owner": "Sato"})
    >>> compute_kpis(sato, months=["2026-10"], kpis=["new_customers", "cac"])[["kpi", "value", "note"]]
                 kpi  value                                                note
    0  new_customers    3.0
    1            cac    NaN  company-level: not split by segment (uses costs)
    """
    if months is None:
        months = pd.period_range(ds.first_month, ds.last_complete_month, freq="M")
    months = pd.PeriodIndex(months, freq="M")
    if len(months) and months.max() > ds.last_complete_month:
        raise DataValidationError(
            Problem(
                "parameters",
                "months",
                f"{months.max()} is not complete in this data (latest complete month {ds.last_complete_month})",
            )
        )
    wanted = CATALOG if kpis is None else [kpi(k) for k in kpis]
    x = _Inputs(ds, months, gross_margin)
    parts = []
    for k in wanted:
        reason = k.unavailable_reason(ds)
        result = _unavailable(months, reason) if reason else k.compute(x)
        for kpi_id, table in result.items() if isinstance(result, dict) else [(k.id, result)]:
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

    Parameters
    ----------
    lang : str, default "en"
        ``"ja"`` for Japanese names, direction and horizon; any other value gives English.

    Returns
    -------
    pandas.DataFrame
        One row per catalog KPI, in catalog order: ``id``, ``name`` (in ``lang``), ``name_ja``, ``definition``,
        ``formula``, ``unit``, ``direction``, ``horizon`` and ``needs`` (the tables it needs, as text).
    """
    word = (lambda w: _WORDS_JA[w]) if lang == "ja" else (lambda w: w)
    rows = [
        {
            "id": k.id,
            "name": k.name(lang),
            "name_ja": k.name_ja,
            "definition": k.definition,
            "formula": k.formula,
            "unit": k.unit,
            "direction": word(k.direction),
            "horizon": word(k.horizon),
            "needs": describe_needs(k.needs),
        }
        for k in CATALOG
    ]
    return pd.DataFrame(rows)


def glossary_markdown() -> str:
    """The README glossary (a test keeps the README in sync with this).

    Returns
    -------
    str
        A Markdown table with one row per catalog KPI (id, English and Japanese names, definition, formula, unit, better
        direction, horizon), ending with a newline.
    """
    lines = [
        "| id | KPI | 日本語 | definition | formula | unit | better | horizon |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in CATALOG:
        formula = k.formula.replace("|", "\\|")
        lines.append(
            f"| `{k.id}` | {k.name_en} | {k.name_ja} | {k.definition} | {formula} | {k.unit} | {k.direction} | {k.horizon} |"
        )
    return "\n".join(lines) + "\n"
