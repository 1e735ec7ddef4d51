"""Forward-looking views: projected retention and model LTV (subscriptions), P(alive), CLV and lapsing customers (purchases).

Two model families, each for the business it fits:

- subscriptions (notebook 04): the shifted-beta-geometric model fitted to the observed cohort survival,
  the survival projected with a bootstrap band, and the LTV it implies beside the catalog's formula LTV
  (:class:`RetentionProjectionView`);
- repeat purchases without subscriptions (notebook 05): BG/NBD and Gamma-Gamma, giving each customer's
  P(alive), chance of buying again, expected purchases and CLV, customers grouped by activity (one-time
  buyers apart: P(alive) does not apply to them) and the likely lapsed repeat buyers (:class:`PurchaseModelView`).

A view that does not apply to the data says so in one sentence (``note()``) and its tables and
charts are empty notes. Texts are ``texts/<lang>/models.yaml``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.analyses.clv_models import (
    ACTIVITY_GROUPS,
    activity_groups,
    customer_values,
    dormant_customers,
    fit_bgnbd,
    fit_gamma_gamma,
    purchase_summary,
)
from playbook.analyses.cohorts import cohort_matrix
from playbook.analyses.retention_projection import (
    SBG,
    cohort_ltv,
    project_survival,
    survivors_from_cohorts,
)
from playbook.kpis.snapshots import dataset_snapshots
from playbook.report.context import ReviewContext
from playbook.report.display import format_date
from playbook.report.formatting import format_value
from playbook.report.model_plots import plot_retention_projection
from playbook.report.text import Markdown
from playbook.texts import text

__all__ = ["RetentionProjectionView", "PurchaseModelView", "projection_table", "model_note"]


def _t(key: str, lang: str, **values) -> str:
    return text(f"models.{key}", lang, **values)


def model_note(key: str, lang: str, **values) -> pd.DataFrame:
    """A one-cell table holding a message of ``models.yaml`` (shown where a table would be).

    Parameters
    ----------
    key : str
        The message's key in ``texts/<lang>/models.yaml``, without the ``models.`` prefix.
    lang : {"en", "ja"}
        The language.
    **values
        The message's fields.

    Returns
    -------
    pandas.DataFrame
        One row and one column, headed "Note" / "注記", holding the message.

    Examples
    --------
    >>> model_note("purchase.not_applicable_subscriptions", "en").shape
    (1, 1)
    """
    return pd.DataFrame({_t("col.note", lang): [_t(key, lang, **values)]})


def _has_subscriptions(ctx: ReviewContext) -> bool:
    return ctx.ds.subscriptions is not None or ctx.ds.mrr_monthly is not None


def projection_table(curve: pd.DataFrame | None, lang: str = "en", *, every: int = 3) -> pd.DataFrame:
    """Survival by month since start, in two marked sections: observed, then projected (with its band).

    Parameters
    ----------
    curve : pandas.DataFrame or None
        :func:`playbook.analyses.retention_projection.project_survival`'s table.
    lang : {"en", "ja"}, default "en"
        The language of headers and section names.
    every : int, default 3
        Show every ``every``-th month (and always the last observed and the last projected one).

    Returns
    -------
    pandas.DataFrame
        Text cells indexed by (section, month since start): the section is "Observed" / "実績" or
        "Projected (model)" / "予測（モデル）"; columns observed survival and the model's fit (filled in
        the observed section only), the projection and its band (filled in the projected section only).

    Examples
    --------
    >>> from playbook.analyses.retention_projection import project_survival
    >>> c = project_survival([1000, 631, 468, 382], periods=3, n_boot=0)
    >>> projection_table(c, "en", every=3).index.get_level_values(0).unique().tolist()
    ['Observed', 'Projected (model)']
    """
    if curve is None or curve.empty:
        return model_note("retention.no_curve", lang)
    last_obs = int(curve.index[~curve["projected"]].max())
    last = int(curve.index.max())
    keep = [k for k in curve.index if k % every == 0 or k in (last_obs, last)]
    c = curve.loc[keep]
    pct = lambda v: "" if pd.isna(v) else f"{v:.1%}"
    future = c["projected"].to_numpy(dtype=bool)
    section = np.where(future, _t("section.projected", lang), _t("section.observed", lang))
    out = pd.DataFrame(
        {
            _t("col.observed", lang): [pct(v) for v in c["observed"]],
            _t("col.model", lang): [pct(v) if not f else "" for v, f in zip(c["model"], future, strict=True)],
            _t("col.projection", lang): [pct(v) for v in c["projection"]],
            _t("col.lower", lang): [pct(v) for v in c["lower"]],
            _t("col.upper", lang): [pct(v) for v in c["upper"]],
        },
        index=pd.MultiIndex.from_arrays([section, c.index], names=[_t("col.section", lang), _t("col.k", lang)]),
    )
    return out


class RetentionProjectionView:
    """Projected retention of subscription cohorts and the LTV it implies (notebook 04).

    The sBG model is fitted to the monthly survival of every cohort up to the review month (each
    cohort right-censored at its age), the company's survival is projected ``periods`` months past
    the oldest cohort's age, with a ``interval`` parametric-bootstrap band.

    Parameters
    ----------
    ctx : ReviewContext
        The review.
    periods : int, default 24
        Months projected.
    interval : float, default 0.9
        Coverage of the band.
    n_boot : int, default 200
        Bootstrap replicates.
    horizon : int, default 60
        Months counted in the model LTV.

    Attributes
    ----------
    applicable : bool
        False without subscription data (``note()`` says why).
    curve : pandas.DataFrame or None
        :func:`~playbook.analyses.retention_projection.project_survival`'s table.
    model : SBG or None
        The fit.
    """

    def __init__(
        self,
        ctx: ReviewContext,
        *,
        periods: int = 24,
        interval: float = 0.9,
        n_boot: int = 200,
        horizon: int = 60,
    ):
        self.ctx, self.periods, self.interval, self.horizon = ctx, periods, interval, horizon
        self.curve: pd.DataFrame | None = None
        self.model: SBG | None = None
        self.reason: str | None = None
        if not _has_subscriptions(ctx):
            self.reason = "retention.not_applicable"
            return
        snaps = dataset_snapshots(ctx.ds, ctx.month)
        survival = cohort_matrix(snaps, as_of=ctx.month, value_col="mrr", view="survival", average=False)
        counts = survivors_from_cohorts(survival)
        try:
            self.curve = project_survival(counts, periods=periods, interval=interval, n_boot=n_boot)
        except ValueError:
            self.reason = "retention.too_little"
            return
        self.model = self.curve.attrs["model"]

    @property
    def applicable(self) -> bool:
        """Whether the projection could be made."""
        return self.curve is not None

    def note(self) -> Markdown:
        """One paragraph: the fit (alpha, beta, what they mean) and how to read the chart; or why there is none."""
        lang = self.ctx.lang
        if not self.applicable:
            return Markdown(_t(self.reason, lang))
        m = self.model
        mean_churn = m.alpha / (m.alpha + m.beta)
        last = int(self.curve.index[~self.curve["projected"]].max())
        s12 = float(self.curve.loc[last + min(12, self.periods), "projection"])
        key = "retention.fit_homogeneous" if m.alpha + m.beta > 1e4 else "retention.fit"
        subs = self.ctx.ds.subscriptions
        annual = subs is not None and "billing_period" in subs.columns and (subs["billing_period"] == "annual").any()
        caveat = text("customers.sentence_sep", lang) + _t("retention.annual_caveat", lang) if annual else ""
        return Markdown(
            _t(
                key,
                lang,
                n=m.n,
                alpha=m.alpha,
                beta=m.beta,
                churn=format_value(mean_churn, "ratio", lang=lang),
                first=format_value(float(1 - m.retention_rate(1)), "ratio", lang=lang),
                later=format_value(float(1 - m.retention_rate(last)), "ratio", lang=lang),
                k=last,
                later_k=min(12, self.periods) + last,
                s12=format_value(s12, "ratio", lang=lang),
                level=f"{self.interval:.0%}",
            )
            + caveat
        )

    def plot(self, *, ax=None):
        """The chart of observed and projected survival (:func:`~playbook.report.model_plots.plot_retention_projection`)."""
        lang = self.ctx.lang
        return plot_retention_projection(
            self.curve,
            ax=ax,
            lang=lang,
            title=_t("chart.title", lang),
            note=None if self.applicable else _t(self.reason, lang),
        )

    def table(self, *, every: int = 3) -> pd.DataFrame:
        """The survival table, observed and projected months in separate marked sections (:func:`projection_table`)."""
        if not self.applicable:
            return model_note(self.reason, self.ctx.lang)
        return projection_table(self.curve, self.ctx.lang, every=every)

    def ltv(self, kpis: pd.DataFrame | None = None) -> pd.DataFrame:
        """Model LTV beside the catalog's formula LTV, with the expected lifetime behind each.

        Rows: the formula LTV (ARPA x margin / churn; its lifetime 1 / churn, unbounded), the same
        formula counted over ``horizon`` months, and the sBG model's LTV over ``horizon`` months
        (ARPA x margin x the expected months as a customer within it, from the projected survival);
        all undiscounted. ARPA, gross margin and churn are the review month's catalog KPIs.

        Parameters
        ----------
        kpis : pandas.DataFrame, optional
            :func:`playbook.compute_kpis`'s long table; needs ``arpa`` and ``ltv`` for the review month.

        Returns
        -------
        pandas.DataFrame
            Index = what is measured; columns value, expected lifetime (months) and a note.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        if not self.applicable:
            return model_note(self.reason, lang)
        now = pd.Series(dtype=float)
        if kpis is not None and len(kpis):
            now = kpis[kpis["month"] == self.ctx.month].set_index("kpi")["value"]
        arpa = float(now.get("arpa", np.nan))
        if not np.isfinite(arpa):
            return model_note("ltv.no_arpa", lang)
        margin = float(now.get("gross_margin", np.nan))
        margin = margin if np.isfinite(margin) else 1.0
        formula = float(now.get("ltv", np.nan))
        formula_life = float(now.get("expected_lifetime_months", np.nan))
        churn = 1 / formula_life if np.isfinite(formula_life) and formula_life > 0 else np.nan
        capped_life = float(((1 - churn) ** np.arange(self.horizon)).sum()) if np.isfinite(churn) else np.nan
        model = cohort_ltv(self.model, arpa, margin=margin, horizon=self.horizon)
        h = self.horizon
        rows = [
            (_t("ltv.formula", lang), formula, formula_life, _t("ltv.formula_note", lang)),
            (
                _t("ltv.formula_capped", lang, h=h),
                arpa * margin * capped_life,
                capped_life,
                _t("ltv.capped_note", lang),
            ),
            (_t("ltv.model", lang, h=h), model["ltv"], model["expected_lifetime"], _t("ltv.model_note", lang)),
        ]
        out = pd.DataFrame(
            {
                _t("col.value", lang): [format_value(r[1], "currency", cur, lang) for r in rows],
                _t("col.lifetime", lang): [format_value(r[2], "months", cur, lang) for r in rows],
                _t("col.note", lang): [r[3] for r in rows],
            },
            index=[r[0] for r in rows],
        )
        return out


class PurchaseModelView:
    """P(alive), expected purchases, CLV and likely lapsed customers from BG/NBD and Gamma-Gamma (notebook 05).

    Applies to a dataset with transactions and no subscription data (for subscriptions, churn is
    observed, so P(alive) is not needed). The models are fitted on every customer's purchase days up
    to the end of the review month, in weeks.

    Parameters
    ----------
    ctx : ReviewContext
        The review.
    months : int, default 12
        The horizon of expected purchases and CLV.
    monthly_discount_rate : float, default 0.01
        CLV's discount rate per month.
    dormant_below : float, default 0.3
        Repeat buyers with P(alive) below it are likely lapsed (:meth:`dormant`).
    active_at : float, default 0.7
        Repeat buyers with P(alive) at or above it and a purchase in the last ``recent_months`` are active.
    recent_months : int, default 12
        The months (the review month and those before) that count as recent.

    Attributes
    ----------
    summary, values : pandas.DataFrame or None
        :func:`~playbook.analyses.clv_models.purchase_summary` and
        :func:`~playbook.analyses.clv_models.customer_values` per customer.
    purchases, spend : BGNBD, GammaGamma or None
        The fits.
    """

    def __init__(
        self,
        ctx: ReviewContext,
        *,
        months: int = 12,
        monthly_discount_rate: float = 0.01,
        dormant_below: float = 0.3,
        active_at: float = 0.7,
        recent_months: int = 12,
    ):
        self.ctx, self.months, self.rate, self.dormant_below = ctx, months, monthly_discount_rate, dormant_below
        self.active_at, self.recent_months = active_at, recent_months
        self.summary = self.values = self.purchases = self.spend = self.groups = None
        self.reason: str | None = None
        if _has_subscriptions(ctx):
            self.reason = "purchase.not_applicable_subscriptions"
            return
        tx = ctx.ds.transactions
        if tx is None or tx.empty:
            self.reason = "purchase.no_transactions"
            return
        as_of = ctx.month.end_time.normalize()
        summary = purchase_summary(tx, as_of=as_of)
        if (summary["frequency"] > 0).sum() < 10:
            self.reason = "purchase.too_few_repeat"
            return
        self.summary = summary
        self.purchases = fit_bgnbd(summary)
        try:
            self.spend = fit_gamma_gamma(summary)
        except ValueError:
            self.spend = None
        self.values = customer_values(
            summary, self.purchases, self.spend, months=months, monthly_discount_rate=monthly_discount_rate
        )
        self.groups = activity_groups(
            self.values, summary, recent_since=self.recent_since, active_at=active_at, lapsed_below=dormant_below
        )

    @property
    def recent_since(self) -> pd.Timestamp:
        """The first day of the recent months (the review month and the ``recent_months - 1`` before it)."""
        return (self.ctx.month - (self.recent_months - 1)).start_time

    @property
    def applicable(self) -> bool:
        """Whether the models were fitted."""
        return self.values is not None

    def note(self) -> Markdown:
        """The fit in one paragraph (customers, mean purchase rate, drop-out, spend); or why there is none."""
        lang = self.ctx.lang
        if not self.applicable:
            return Markdown(_t(self.reason, lang))
        m, cur = self.purchases, self.ctx.ds.currency
        per_year = m.r / m.alpha * 52.18
        drop = m.a / (m.a + m.b)
        spend = format_value(self.spend.mean_spend, "currency", cur, lang) if self.spend else "–"
        return Markdown(
            _t(
                "purchase.fit",
                lang,
                n=m.n,
                repeat=int((self.summary["frequency"] > 0).sum()),
                rate=per_year,
                drop=format_value(drop, "ratio", lang=lang),
                spend=spend,
                months=self.months,
                rate_pct=f"{self.rate:.1%}",
                high=f"{self.active_at:.0%}",
                low=f"{self.dormant_below:.0%}",
                within=self.recent_months,
            )
        )

    def _labels(self, key: str, lang: str) -> dict[str, str]:
        fields = {"high": f"{self.active_at:.0%}", "low": f"{self.dormant_below:.0%}", "within": self.recent_months}
        return {code: _t(f"{key}.{code}", lang, **fields) for code in ACTIVITY_GROUPS}

    def bands(self) -> pd.DataFrame:
        """Customers by activity group, with a total: what they spent, how many bought recently, what to expect.

        The groups (:func:`~playbook.analyses.clv_models.activity_groups`) are repeat buyers that are
        active (P(alive) >= ``active_at`` and a purchase in the last ``recent_months`` months), slipping,
        or likely lapsed (P(alive) < ``dormant_below``: the :meth:`dormant` list), and one-time buyers,
        to whom P(alive) does not apply (BG/NBD gives them 100%); their chance of buying again is the
        model's answer for them. Each row label states its rule.

        Returns
        -------
        pandas.DataFrame
            One row per group and a total row: customers, share, customers who bought in the recent
            months, spend to date, the mean chance of buying in the horizon, expected purchases and
            CLV over it.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        if not self.applicable:
            return model_note(self.reason, lang)
        v = self.values.join(self.summary[["total_spend", "last_purchase"]]).assign(group=self.groups)
        v["recent"] = v["last_purchase"] >= self.recent_since
        labels = self._labels("band", lang)
        parts = [(labels[code], v[v["group"] == code]) for code in ACTIVITY_GROUPS]
        parts.append((_t("band.total", lang), v))
        rows = []
        for label, g in parts:
            rows.append(
                {
                    _t("col.band", lang): label,
                    _t("col.customers", lang): f"{len(g):,}",
                    _t("col.share", lang): format_value(len(g) / len(v), "ratio", lang=lang),
                    _t("col.recent", lang, within=self.recent_months): f"{int(g['recent'].sum()):,}",
                    _t("col.total_spend", lang): format_value(g["total_spend"].sum(), "currency", cur, lang),
                    _t("col.p_purchase_mean", lang, months=self.months): (
                        format_value(g["p_purchase"].mean(), "ratio", lang=lang) if len(g) else "–"
                    ),
                    _t("col.expected_purchases", lang, months=self.months): f"{g['expected_purchases'].sum():,.0f}",
                    _t("col.clv_total", lang, months=self.months): (
                        format_value(g["clv"].sum(), "currency", cur, lang) if "clv" in g else "–"
                    ),
                }
            )
        return pd.DataFrame(rows).set_index(_t("col.band", lang))

    def dormant(self, *, top: int = 20) -> pd.DataFrame:
        """The likely lapsed repeat buyers (the bands' ``lapsed`` group) worth a win-back, highest past spend first.

        Parameters
        ----------
        top : int, default 20
            Rows shown.

        Returns
        -------
        pandas.DataFrame
            Account (id and name), P(alive), purchases expected over the horizon, CLV over it, past
            spend, purchase days and the last purchase date; or a note when nobody is likely lapsed.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        if not self.applicable:
            return model_note(self.reason, lang)
        table = dormant_customers(self.values, self.summary, threshold=self.dormant_below)
        if table.empty:
            return model_note("purchase.no_dormant", lang, low=f"{self.dormant_below:.0%}")
        return self._customer_table(table.head(top), lang, cur)

    def most_valuable(self, *, top: int = 20) -> pd.DataFrame:
        """The customers with the highest CLV over the horizon (the ones to keep), with their activity group.

        In the :meth:`dormant` list's columns plus the group of :meth:`bands` each belongs to.
        """
        lang, cur = self.ctx.lang, self.ctx.ds.currency
        if not self.applicable:
            return model_note(self.reason, lang)
        col = "clv" if "clv" in self.values else "expected_purchases"
        ids = self.values.sort_values(col, ascending=False, kind="stable").head(top).index
        table = (
            self.values.loc[ids]
            .join(self.summary.loc[ids, ["purchase_days", "total_spend", "last_purchase"]])
            .assign(group=self.groups.loc[ids])
            .rename_axis("account_id")
            .reset_index()
        )
        return self._customer_table(table, lang, cur)

    def _customer_table(self, table: pd.DataFrame, lang: str, cur: str) -> pd.DataFrame:
        accounts = self.ctx.ds.accounts
        names = (
            accounts.set_index("account_id")["name"].reindex(table["account_id"]).to_numpy()
            if "name" in accounts.columns
            else np.full(len(table), "")
        )
        out = pd.DataFrame(
            {
                _t("col.account", lang): table["account_id"].astype(str).to_numpy(),
                _t("col.name", lang): ["" if pd.isna(n) else str(n) for n in names],
                _t("col.p_alive", lang): [f"{p:.1%}" for p in table["p_alive"]],
                _t("col.expected_purchases", lang, months=self.months): [
                    f"{x:,.2f}" for x in table["expected_purchases"]
                ],
                _t("col.clv", lang, months=self.months): (
                    [format_value(x, "currency", cur, lang) for x in table["clv"]]
                    if "clv" in table
                    else ["–"] * len(table)
                ),
                _t("col.total_spend", lang): [format_value(x, "currency", cur, lang) for x in table["total_spend"]],
                _t("col.purchase_days", lang): [f"{int(x):,}" for x in table["purchase_days"]],
                _t("col.last_purchase", lang): [format_date(d, lang) for d in table["last_purchase"]],
            }
        )
        if "group" in table:
            short = self._labels("group", lang)
            out.insert(2, _t("col.group", lang), [short[g] for g in table["group"]])
        if not out[_t("col.name", lang)].str.len().any():
            out = out.drop(columns=_t("col.name", lang))
        out.index = pd.RangeIndex(1, len(out) + 1)
        return out
