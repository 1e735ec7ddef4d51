"""The KPI catalog: one record per KPI, and ``compute_kpis`` over a dataset.

Each record holds everything about one KPI: its id, unit, direction (is higher
better?), horizon (short = a leading indicator that moves within weeks; long = a
lagging one), family (:mod:`playbook.kpis.families`), the tables and columns it
needs, and the function that computes it from the shared inputs of one
``compute_kpis`` call. Its words — name, one-line definition and formula, in
English and Japanese — live in the text catalogs ``playbook/texts/<lang>/kpis.yaml``
(keys ``kpis.<id>.name``, ``kpis.<id>.definition``, ``kpis.<id>.formula``), with
the words for the unit, direction and horizon codes (``kpis.units.<unit>``,
``kpis.directions.<direction>``, ``kpis.horizons.<horizon>``). The catalog is
the single source for the README glossary, chart and table labels in both
languages, and the metric ids a KPI tree may use.

On a segment of accounts (a dataset from ``Dataset.for_accounts``, e.g. one
CSM's accounts), a KPI that reads a company-level table (``scope="company"``
in :mod:`playbook.data.schema`: costs, trials, funnel) is NaN with the note
"company-level: not split by segment (uses costs)": dividing the company's
costs or trials by one segment's customers would mix the two. Notes are English
codes; the report layer renders them in the reader's language
(:func:`playbook.report.labels.render_note`).
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
from playbook.kpis import funnel, purchases, renewals, retention, revenue, support, usage, value, voice
from playbook.kpis.families import SUBS, describe_needs, family, missing_tables
from playbook.kpis.ratios import KPI_COLUMNS, value_table
from playbook.kpis.snapshots import dataset_snapshots
from playbook.texts import has_text, text

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

#: Groups of words in kpis.yaml besides the KPIs: no KPI may have one of these ids.
_WORD_GROUPS = ("units", "directions", "horizons", "with_part")

Unit = Literal[
    "currency", "count", "ratio", "multiple", "orders", "points", "months", "days", "hours", "minutes", "score", "users"
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


def _renewal(x: _Inputs, rate) -> pd.DataFrame:
    """A renewal rate (:mod:`playbook.kpis.renewals`): month m for the contracts that ended in m-1."""
    if not renewals.has_contract_terms(x.ds.subscriptions):
        return _unavailable(x.months, f"{NOT_AVAILABLE} (column billing_period missing in subscriptions)")
    return rate(renewals.renewal_outcomes(x.ds.subscriptions, x.snapshots, x.months - 1), x.months)


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class KPI:
    """One KPI: what it means, what it needs, and how it is computed.

    Parameters
    ----------
    id : str
        The id used in tables and in a KPI tree's ``metric``. Its name, definition and formula are the texts
        ``kpis.<id>.name``, ``kpis.<id>.definition`` and ``kpis.<id>.formula`` (:meth:`name`, :meth:`definition`,
        :meth:`formula`); a missing text fails at import.
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
    without_subscriptions : bool
        A KPI of the purchase review of a transactions-only dataset (revenue, buyers, orders, ...): computed by
        default only for a dataset without subscriptions (:func:`~playbook.kpis.purchases.transactions_only`), and
        on any dataset when asked for by id (``compute_kpis(ds, kpis=[...])``, a KPI tree's ``metric``).
    compute : callable
        Takes the shared inputs of one ``compute_kpis`` call and returns the
        KPI's table (or a dict of tables for per-feature or per-step KPIs).
    """

    id: str
    unit: Unit
    direction: Literal["higher", "lower"]
    horizon: Literal["short", "long"]
    family: str
    compute: Callable[[_Inputs], pd.DataFrame | dict[str, pd.DataFrame]] = field(repr=False, compare=False)
    needs: tuple = (SUBS,)
    columns: tuple[tuple[str, str], ...] = ()
    also_reads: tuple[str, ...] = ()
    without_subscriptions: bool = False

    def __post_init__(self):
        # an unknown family, or a KPI without its words, fails at import, not in a report
        family(self.family)
        if self.id in _WORD_GROUPS:
            raise ValueError(f"the KPI id {self.id!r} is the name of a group of words in kpis.yaml")
        for part in ("name", "definition", "formula"):
            if not has_text(f"kpis.{self.id}.{part}"):
                raise KeyError(f"no text kpis.{self.id}.{part} in playbook/texts/en/kpis.yaml")

    def name(self, lang: str = "en") -> str:
        """The KPI's name in ``lang`` (the text ``kpis.<id>.name``).

        Parameters
        ----------
        lang : {"en", "ja"}, default "en"
            The language; anything else gives English.

        Returns
        -------
        str
            The KPI's name.

        Examples
        --------
        >>> kpi("logo_churn_rate").name(), kpi("logo_churn_rate").name("ja")
        ('Logo churn rate', '顧客チャーンレート（解約率）')
        """
        return text(f"kpis.{self.id}.name", lang)

    def definition(self, lang: str = "en") -> str:
        """The KPI's one-line definition in ``lang``, as the glossary shows it (the text ``kpis.<id>.definition``).

        Parameters
        ----------
        lang : {"en", "ja"}, default "en"
            The language; anything else gives English.

        Returns
        -------
        str
            The definition.

        Examples
        --------
        >>> kpi("logo_churn_rate").definition("ja")
        '前月末に有料だった顧客のうち、当月に解約した顧客の割合です'
        """
        return text(f"kpis.{self.id}.definition", lang)

    def formula(self, lang: str = "en") -> str:
        """The KPI's formula in ``lang``, as the glossary shows it (the text ``kpis.<id>.formula``).

        Parameters
        ----------
        lang : {"en", "ja"}, default "en"
            The language; anything else gives English.

        Returns
        -------
        str
            The formula.

        Examples
        --------
        >>> kpi("arr").formula(), kpi("logo_churn_rate").formula("ja")
        ('12 x MRR', '当月の解約顧客数 ÷ 前月末の有料顧客数')
        """
        return text(f"kpis.{self.id}.formula", lang)

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
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.mrr(x.bridge),
    ),
    KPI(
        "arr",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.arr(x.bridge),
    ),
    KPI(
        "paying_customers",
        unit="count",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.paying_customers(x.bridge),
    ),
    KPI(
        "arpa",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.arpa(x.bridge),
    ),
    KPI(
        "new_mrr",
        unit="currency",
        direction="higher",
        horizon="short",
        family="revenue",
        compute=_bridge_value("new"),
    ),
    KPI(
        "reactivation_mrr",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=_bridge_value("reactivation"),
    ),
    KPI(
        "expansion_mrr",
        unit="currency",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=_bridge_value("expansion"),
    ),
    KPI(
        "contraction_mrr",
        unit="currency",
        direction="lower",
        horizon="long",
        family="revenue",
        compute=_bridge_value("contraction"),
    ),
    KPI(
        "churned_mrr",
        unit="currency",
        direction="lower",
        horizon="long",
        family="revenue",
        compute=_bridge_value("churned"),
    ),
    KPI(
        "revenue_churn_rate",
        unit="ratio",
        direction="lower",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.revenue_churn_rate(x.bridge),
    ),
    KPI(
        "nrr",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.nrr(x.bridge),
    ),
    KPI(
        "grr",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.grr(x.bridge),
    ),
    KPI(
        "nrr_12m",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.nrr_12m(x.snapshots, x.months),
    ),
    KPI(
        "upsell_rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.upsell_rate(x.bridge),
    ),
    KPI(
        "cross_sell_rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=_cross_sell,
    ),
    KPI(
        "expansion_mrr_rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.expansion_mrr_rate(x.bridge),
    ),
    KPI(
        "quick_ratio",
        unit="multiple",
        direction="higher",
        horizon="long",
        family="revenue",
        compute=lambda x: revenue.quick_ratio(x.bridge),
    ),
    # retention
    KPI(
        "logo_churn_rate",
        unit="ratio",
        direction="lower",
        horizon="long",
        family="retention",
        compute=lambda x: retention.logo_churn_rate(x.bridge),
    ),
    KPI(
        "retention_rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: retention.retention_rate(x.bridge),
    ),
    KPI(
        "logo_renewal_rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="retention",
        needs=("subscriptions",),
        compute=lambda x: _renewal(x, renewals.logo_renewal_rate),
    ),
    KPI(
        "arr_renewal_rate",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="retention",
        needs=("subscriptions",),
        compute=lambda x: _renewal(x, renewals.arr_renewal_rate),
    ),
    KPI(
        "new_customers",
        unit="count",
        direction="higher",
        horizon="short",
        family="retention",
        compute=lambda x: retention.new_customers(x.bridge),
    ),
    KPI(
        "churned_customers",
        unit="count",
        direction="lower",
        horizon="long",
        family="retention",
        compute=lambda x: retention.churned_customers(x.bridge),
    ),
    KPI(
        "reactivated_customers",
        unit="count",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: retention.reactivated_customers(x.bridge),
    ),
    KPI(
        "annualised_churn_rate",
        unit="ratio",
        direction="lower",
        horizon="long",
        family="retention",
        compute=lambda x: retention.annualised_churn_rate(x.bridge),
    ),
    KPI(
        "expected_lifetime_months",
        unit="months",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: x.lifetime,
    ),
    KPI(
        "tenure_months",
        unit="months",
        direction="higher",
        horizon="long",
        family="retention",
        compute=lambda x: retention.tenure_months(x.snapshots, x.months),
    ),
    # value
    KPI(
        "gross_margin",
        unit="ratio",
        direction="higher",
        horizon="long",
        family="value",
        needs=(SUBS, "costs"),
        compute=lambda x: x.margin,
    ),
    KPI(
        "ltv",
        unit="currency",
        direction="higher",
        horizon="long",
        family="value",
        also_reads=("costs",),  # the gross margin
        compute=lambda x: x.ltv,
    ),
    KPI(
        "ltv_purchase",
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
        unit="currency",
        direction="lower",
        horizon="long",
        family="value",
        needs=(SUBS, ("costs", "accounts")),
        compute=lambda x: x.cac,
    ),
    KPI(
        "ltv_to_cac",
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
        unit="currency",
        direction="lower",
        horizon="long",
        family="value",
        needs=(SUBS, "costs"),
        compute=lambda x: value.crc(x.bridge, x.ds.costs),
    ),
    # purchases
    KPI(
        "revenue",
        unit="currency",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.revenue(x.ds.transactions, x.months),
    ),
    KPI(
        "revenue_12m",
        unit="currency",
        direction="higher",
        horizon="long",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.trailing_revenue(x.ds.transactions, x.months),
    ),
    KPI(
        "buyers",
        unit="count",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.buyers(x.ds.transactions, x.months),
    ),
    KPI(
        "active_buyers_12m",
        unit="count",
        direction="higher",
        horizon="long",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.trailing_buyers(x.ds.transactions, x.months),
    ),
    KPI(
        "new_buyers",
        unit="count",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.new_buyers(x.ds.transactions, x.months),
    ),
    KPI(
        "returning_buyers",
        unit="count",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.returning_buyers(x.ds.transactions, x.months),
    ),
    KPI(
        "orders",
        unit="count",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.orders(x.ds.transactions, x.months),
    ),
    KPI(
        "purchase_frequency",
        unit="orders",  # orders per buyer: 1.36 orders (1.36回), not a multiple
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        without_subscriptions=True,
        compute=lambda x: purchases.purchase_frequency(x.ds.transactions, x.months),
    ),
    KPI(
        "avg_order_value",
        unit="currency",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        compute=lambda x: purchases.avg_order_value(x.ds.transactions, x.months),
    ),
    KPI(
        "revenue_per_customer",
        unit="currency",
        direction="higher",
        horizon="short",
        family="purchases",
        needs=("transactions",),
        compute=lambda x: purchases.revenue_per_customer(x.ds.transactions, x.months),
    ),
    KPI(
        "repeat_purchase_rate",
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
        unit="points",
        direction="higher",
        horizon="long",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.nps_monthly(x.ds.surveys, x.months),
    ),
    KPI(
        "csat",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.csat(x.ds.surveys, x.months),
    ),
    KPI(
        "ces",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.ces(x.ds.surveys, x.months),
    ),
    KPI(
        "ces_mean",
        unit="score",
        direction="higher",
        horizon="short",
        family="voice",
        needs=("surveys",),
        compute=lambda x: voice.ces_mean(x.ds.surveys, x.months),
    ),
    KPI(
        "support_rating",
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
        unit="users",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: x.activity["mau"],
    ),
    KPI(
        "dau",
        unit="users",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: x.activity["dau"],
    ),
    KPI(
        "stickiness",
        unit="ratio",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: x.activity["stickiness"],
    ),
    KPI(
        "active_accounts",
        unit="count",
        direction="higher",
        horizon="short",
        family="usage",
        needs=("usage",),
        compute=lambda x: usage.active_accounts(x.ds.usage, x.months),
    ),
    KPI(
        "avg_session_minutes",
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
        unit="ratio",
        direction="higher",
        horizon="short",
        family="onboarding",
        needs=("onboarding",),
        compute=lambda x: usage.onboarding_completion_rate(x.ds.onboarding, x.ds.accounts, x.months),
    ),
    KPI(
        "milestones_on_time",
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
    customers. The purchase review's KPIs (``without_subscriptions``: revenue, buyers, orders, ...) are in the
    default set only for a transactions-only dataset. Per-feature
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
    if kpis is None:  # the purchase review's own KPIs only for a dataset without subscriptions (sample unchanged)
        wanted = [k for k in CATALOG if not k.without_subscriptions or purchases.transactions_only(ds)]
    else:
        wanted = [kpi(k) for k in kpis]
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


def glossary(lang: str = "en") -> pd.DataFrame:
    """The catalog as a table: id, names, definition, formula, unit, direction, horizon, needs.

    Every word is in ``lang``: in English the unit, direction and horizon are the catalog's codes (``ratio``,
    ``higher``, ``long``); in Japanese they are words (比率（%）, 高いほど良い, 長期（遅行指標）), and the definitions and
    formulas are Japanese too.

    Parameters
    ----------
    lang : {"en", "ja"}, default "en"
        The language; anything else gives English.

    Returns
    -------
    pandas.DataFrame
        One row per catalog KPI, in catalog order: ``id``, ``name`` (in ``lang``), ``name_ja``, ``definition``,
        ``formula``, ``unit``, ``direction``, ``horizon`` and ``needs`` (the tables it needs, as text).

    Examples
    --------
    >>> g = glossary("ja").set_index("id")
    >>> g.loc["logo_churn_rate", ["name", "unit", "direction", "horizon"]].tolist()
    ['顧客チャーンレート（解約率）', '比率（%）', '低いほど良い', '長期（遅行指標）']
    >>> g.loc["logo_churn_rate", "formula"]
    '当月の解約顧客数 ÷ 前月末の有料顧客数'
    >>> glossary().set_index("id").loc["ltv", ["name", "unit", "direction", "horizon", "needs"]].tolist()
    ['LTV', 'currency', 'higher', 'long', 'subscriptions or mrr_monthly']
    """
    rows = [
        {
            "id": k.id,
            "name": k.name(lang),
            "name_ja": k.name("ja"),
            "definition": k.definition(lang),
            "formula": k.formula(lang),
            # a unit new to the glossary (``orders``) reads as the review's word for it until kpis.yaml has one
            "unit": text(f"kpis.units.{k.unit}" if has_text(f"kpis.units.{k.unit}") else f"review.unit.{k.unit}", lang),
            "direction": text(f"kpis.directions.{k.direction}", lang),
            "horizon": text(f"kpis.horizons.{k.horizon}", lang),
            "needs": describe_needs(k.needs, lang),
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

    Examples
    --------
    >>> print(glossary_markdown().splitlines()[2])
    | `mrr` | MRR | MRR（月次経常収益） | Monthly recurring revenue at month end | sum of accounts' month-end MRR | currency | higher | long |
    """
    lines = [
        "| id | KPI | 日本語 | definition | formula | unit | better | horizon |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in CATALOG:
        formula = k.formula().replace("|", "\\|")
        lines.append(
            f"| `{k.id}` | {k.name()} | {k.name('ja')} | {k.definition()} | {formula} | {k.unit} | {k.direction} | "
            f"{k.horizon} |"
        )
    return "\n".join(lines) + "\n"
