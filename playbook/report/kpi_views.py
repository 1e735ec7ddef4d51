"""KPI views for reading: the month's KPI table, one-sentence interpretations, and chart inputs.

Everything here takes the long table of :func:`playbook.kpis.catalog.compute_kpis`
(or the dataset) and returns text or small display tables, in English or Japanese.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from playbook.data.dataset import Dataset
from playbook.kpis.catalog import COMPANY_LEVEL, NOT_AVAILABLE, kpi
from playbook.kpis.families import SUBS, family
from playbook.kpis.voice import ces, ces_mean, csat, nps_group, nps_monthly, tag_themes
from playbook.report.formatting import format_change, format_month, format_value, money_formatter
from playbook.report.labels import label, render_note
from playbook.report.text import Markdown
from playbook.texts import has_text, text

__all__ = [
    "plot_usage_overview",
    "kpi_month_table",
    "unavailable_kpis",
    "describe_kpi",
    "describe_kpis",
    "describe_bridge",
    "month_bridge",
    "feature_adoption_table",
    "bridge_table",
    "funnel_counts",
    "nps_responses",
    "detractor_themes",
    "voice_table",
    "VoiceTable",
    "missing_tables_note",
    "plot_kpis",
    "describe_available",
    "plot_nps",
    "themes_view",
    "plot_voice",
    "feature_adoption_view",
    "plot_funnel_view",
]


def _value_at(kpis: pd.DataFrame, kpi_id: str, month: pd.Period) -> float:
    row = kpis[(kpis["kpi"] == kpi_id) & (kpis["month"] == month)]
    return float(row["value"].iloc[0]) if len(row) else float("nan")


def _kpi_name(kpi_id: str, lang: str) -> str:
    """The KPI's name; a KPI with a part (``conversion_rate.trials``) names the part in ``lang`` when it is known.

    Examples
    --------
    >>> _kpi_name("conversion_rate.overall", "ja"), _kpi_name("feature_adoption.tasks", "ja")
    ('ファネル転換率：全体', '機能利用率：tasks')
    >>> _kpi_name("conversion_rate.overall", "en")
    'Funnel conversion: overall'
    """
    base, _, part = kpi_id.partition(".")
    if part and has_text(f"kpi_views.part.{part}"):
        return text("kpis.with_part", lang, name=label(base, lang), part=text(f"kpi_views.part.{part}", lang))
    return label(kpi_id, lang)


def kpi_month_table(
    kpis: pd.DataFrame, month, *, lang: str = "en", currency: str = "JPY", families: list[str] | None = None
) -> pd.DataFrame:
    """The available KPIs of one month, grouped by family, with their parts and changes, ready to display.

    KPIs noted "not available" in the month are left out (see :func:`unavailable_kpis`).

    Parameters
    ----------
    kpis : pandas.DataFrame
        The long table of :func:`playbook.kpis.catalog.compute_kpis` (``month``,
        ``kpi``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``); it
        should hold the month before and 12 months before for the changes.
    month : pandas.Period or str
        The month shown.
    lang : {"en", "ja"}, default "en"
        Language of the names and headers.
    currency : str, default "JPY"
        Currency of money KPIs.
    families : list of str, optional
        Family ids (e.g. ``"revenue"``) to keep; all families by default.

    Returns
    -------
    pandas.DataFrame
        One row per KPI, indexed by (family name, KPI name), in the order of
        ``kpis``. Text columns with translated headers: value, change vs last month,
        change vs 12 months ago ("–" when unknown), numerator, denominator, n and note
        (in ``lang``, :func:`playbook.report.labels.render_note`).

    Examples
    --------
    >>> k = pd.DataFrame({"month": pd.PeriodIndex(["2026-10"], freq="M"), "kpi": ["onboarding_completion_rate"],
    ...                   "value": [0.625], "numerator": [15.0], "denominator": [24.0], "n": [24],
    ...                   "note": ["cohort 2026-08"]})
    >>> kpi_month_table(k, "2026-10", lang="ja").iloc[0][["値", "注記"]].tolist()
    ['62.5%', '2026年8月コホート']
    """
    month = pd.Period(month, freq="M")
    now = kpis[kpis["month"] == month]
    now = now[~now["note"].str.startswith(NOT_AVAILABLE)]
    rows = []
    for r in now.itertuples(index=False):  # one row per KPI of one month (about 60), for display
        spec = kpi(r.kpi)
        if families and spec.family not in families:
            continue
        rows.append(
            {
                "family": family(spec.family).name(lang),
                "kpi": _kpi_name(r.kpi, lang),
                "value": format_value(r.value, spec.unit, currency, lang),
                "change_1m": format_change(r.value, _value_at(kpis, r.kpi, month - 1), spec.unit, currency, lang),
                "change_12m": format_change(r.value, _value_at(kpis, r.kpi, month - 12), spec.unit, currency, lang),
                "numerator": ""
                if pd.isna(r.numerator)
                else f"{r.numerator:,.4g}"
                if abs(r.numerator) < 10
                else f"{r.numerator:,.0f}",
                "denominator": ""
                if pd.isna(r.denominator)
                else f"{r.denominator:,.4g}"
                if abs(r.denominator) < 10
                else f"{r.denominator:,.0f}",
                "n": "" if pd.isna(r.n) else f"{int(r.n):,}",
                "note": render_note(r.note, lang),
            }
        )
    out = pd.DataFrame(
        rows, columns=["family", "kpi", "value", "change_1m", "change_12m", "numerator", "denominator", "n", "note"]
    )
    out = out.set_index(["family", "kpi"])
    out.index.names = [None, None]
    return out.rename(columns={c: label(c, lang) for c in out.columns})


def unavailable_kpis(kpis: pd.DataFrame, month, *, lang: str = "en") -> pd.DataFrame | Markdown:
    """KPIs the data does not allow, with the reason.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The long table of :func:`playbook.kpis.catalog.compute_kpis` (of the whole company or of a segment).
    month : pandas.Period or str
        The month looked at.
    lang : {"en", "ja"}, default "en"
        Language of the KPI names and headers, and of the company-level note.

    Returns
    -------
    pandas.DataFrame or Markdown
        One row per KPI whose note in ``month`` starts with "not available" or, on a segment,
        "company-level: not split by segment": the KPI's name and the note (e.g. "not available (table
        usage missing)"), in ``lang`` (:func:`playbook.report.labels.render_note`). When every KPI could be
        computed, one sentence saying so instead of an empty table.

    Examples
    --------
    >>> k = pd.DataFrame({"month": pd.PeriodIndex(["2026-10"] * 2, freq="M"), "kpi": ["cac", "nrr"],
    ...                   "note": ["company-level: not split by segment (uses costs)", ""]})
    >>> unavailable_kpis(k, "2026-10", lang="ja").iloc[0].tolist()
    ['顧客獲得コスト（CAC）', '全社単位の指標のためセグメント別には出せません（costs を使用）']
    """
    month = pd.Period(month, freq="M")
    rows = kpis[(kpis["month"] == month) & kpis["note"].str.startswith((NOT_AVAILABLE, COMPANY_LEVEL))]
    if rows.empty:
        return Markdown(text("kpi_views.all_computed", lang))
    names = [_kpi_name(k, lang) for k in rows["kpi"]]
    notes = [render_note(n, lang) for n in rows["note"]]
    if _purchase_review(kpis):  # a transactions-only dataset: the subscription KPIs in one row, not thirty
        subs = rows["note"].map(_needs_subscriptions).to_numpy(dtype=bool)
        if subs.any():
            keep = [i for i, s in enumerate(subs) if not s]
            first = text("kpi_views.subscription_kpis", lang, n=int(subs.sum()))
            names = [first] + [names[i] for i in keep]
            notes = [text("kpi_views.no_subscriptions", lang)] + [notes[i] for i in keep]
    return pd.DataFrame({label("kpi", lang): names, label("note", lang): notes})


def _needs_subscriptions(note: str) -> bool:
    """Whether a KPI's note says it lacks a subscription table ("not available (table subscriptions ... missing)")."""
    missing = note.removeprefix(f"{NOT_AVAILABLE} (table ")
    return missing != note and any(t in missing.split(" missing")[0].split() for t in SUBS)


#: The charts of the purchase review (notebook 03, transactions-only datasets), three KPIs a row.
PURCHASE_CHARTS = {
    "volume": ["revenue", "buyers", "orders"],
    "annual": ["revenue_12m", "active_buyers_12m", "repeat_purchase_rate"],
    "customers": ["new_buyers", "returning_buyers", "repeat_purchase_rate"],
    "value": ["avg_order_value", "purchase_frequency", "revenue_per_customer"],
}


def _purchase_review(kpis: pd.DataFrame) -> bool:
    """Whether a KPI table is the purchase review of a transactions-only dataset (it holds the ``revenue`` KPI)."""
    return bool((kpis["kpi"] == "revenue").any())


def plot_purchase_kpis(ctx, kpis: pd.DataFrame, charts: str, *, months: int = 13):
    """The charts of one part of the purchase review, for a dataset without subscriptions (None otherwise).

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.
    charts : {"volume", "annual", "customers", "value"}
        Which three KPIs (:data:`PURCHASE_CHARTS`).
    months : int, default 13
        The months shown, ending with the review month.

    Returns
    -------
    matplotlib.figure.Figure or None
        The figure, already shown; None (nothing drawn) for a dataset with subscriptions, whose review has no
        purchase section.
    """
    from playbook.kpis.purchases import transactions_only

    if not transactions_only(ctx.ds):
        return None
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_kpi_grid

    window = ctx.history[-months:]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    plot_kpi_grid(
        kpis[kpis["month"].isin(window)],
        PURCHASE_CHARTS[charts],
        axes=axes,
        lang=ctx.lang,
        currency=ctx.ds.currency,
        highlight=ctx.month,
    )
    fig.tight_layout()
    plt.show()
    return None


def plot_purchase_overview(ctx, overview: pd.DataFrame):
    """Buyers, revenue and orders per month (the data check of a dataset without subscriptions; None otherwise).

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    overview : pandas.DataFrame
        :func:`playbook.analyses.inventory.monthly_overview` of the review's history.

    Returns
    -------
    None
        The figure is shown; nothing is drawn for a dataset with subscriptions (its data check shows MRR).
    """
    from playbook.kpis.purchases import transactions_only

    if not transactions_only(ctx.ds):
        return None
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_monthly

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    plot_monthly(overview, "buyers", ax=axes[0], lang=ctx.lang, kind="bar", highlight=ctx.month)
    plot_monthly(overview, "revenue", ax=axes[1], lang=ctx.lang, currency=ctx.ds.currency, highlight=ctx.month)
    plot_monthly(overview, "orders", ax=axes[2], lang=ctx.lang, kind="bar", highlight=ctx.month)
    fig.suptitle(label("chart_buyers_revenue", ctx.lang))
    fig.tight_layout()
    plt.show()
    return None


def plot_usage_overview(ctx, overview: pd.DataFrame) -> Markdown | None:
    """Sessions, active users and active accounts per month (the data check); one sentence without a usage table.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    overview : pandas.DataFrame
        :func:`playbook.analyses.inventory.monthly_overview` of the review's history.

    Returns
    -------
    Markdown or None
        Without a ``usage`` table, the sentence of :func:`missing_tables_note` (nothing is drawn); else None,
        the figure is shown.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(ds=SimpleNamespace(tables={"accounts": None, "transactions": None}), lang="en")
    >>> print(plot_usage_overview(ctx, pd.DataFrame()))
    The data has no usage table: this section's KPIs (MAU) are not computed.
    """
    note = missing_tables_note(ctx, ["mau"])
    if note is not None:
        return note
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_monthly

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    plot_monthly(overview, "sessions", ax=axes[0], lang=ctx.lang, kind="bar", highlight=ctx.month)
    plot_monthly(overview, "active_users", ax=axes[1], lang=ctx.lang, highlight=ctx.month)
    plot_monthly(overview, "active_accounts", ax=axes[2], lang=ctx.lang, highlight=ctx.month)
    fig.suptitle(label("chart_usage", ctx.lang))
    fig.tight_layout()
    plt.show()
    return None


def describe_purchases(ctx, kpis: pd.DataFrame, kpi_ids) -> Markdown | None:
    """:func:`describe_kpis` of purchase KPIs for a dataset without subscriptions (None, nothing shown, otherwise).

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.
    kpi_ids : sequence of str
        The purchase KPIs to describe.

    Returns
    -------
    Markdown or None
        The sentences; None for a dataset with subscriptions.
    """
    from playbook.kpis.purchases import transactions_only

    if not transactions_only(ctx.ds):
        return None
    return Markdown(describe_kpis(kpis, kpi_ids, ctx.month, lang=ctx.lang, currency=ctx.ds.currency))


def describe_kpi(kpis: pd.DataFrame, kpi_id: str, month, *, lang: str = "en", currency: str = "JPY") -> str:
    """One sentence on where a KPI stands: this month, change vs last month and vs its 12-month average.

    The average is over the months with a value among the 12 months up to and
    including ``month``; the sentence ends with the KPI's better direction.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A long KPI table with ``month``, ``kpi``, ``value`` and ``note``, as from
        :func:`playbook.kpis.catalog.compute_kpis`.
    kpi_id : str
        The catalog id of the KPI.
    month : pandas.Period or str
        The month described.
    lang : {"en", "ja"}, default "en"
        Language of the sentence.
    currency : str, default "JPY"
        Currency of money KPIs.

    Returns
    -------
    str
        The sentence; when the KPI has no value in ``month``, a sentence saying so
        with the reason from its note.

    Raises
    ------
    KeyError
        When ``kpi_id`` is not a KPI of the catalog.

    Examples
    --------
    >>> k = pd.DataFrame({"month": pd.period_range("2026-01", "2026-03", freq="M"), "kpi": "logo_churn_rate",
    ...                   "value": [0.03, 0.02, 0.025], "note": ""})
    >>> describe_kpi(k, "logo_churn_rate", "2026-03")
    'Logo churn rate in 2026-03: 2.5% (+0.5 pts vs last month; 12-month average 2.5%). Lower is better.'
    >>> describe_kpi(k, "logo_churn_rate", "2026-03", lang="ja")
    '2026年3月の顧客チャーンレート（解約率）は2.5%でした（前月比+0.5ポイント、直近12か月平均2.5%、低いほど良い）。'
    """
    month = pd.Period(month, freq="M")
    spec = kpi(kpi_id)
    series = kpis[kpis["kpi"] == kpi_id].set_index("month")["value"]
    now = series.get(month, np.nan)
    name = label(kpi_id, lang)
    if pd.isna(now):
        note = kpis[(kpis["kpi"] == kpi_id) & (kpis["month"] == month)]["note"]
        reason = (
            render_note(note.iloc[0], lang)
            if len(note) and note.iloc[0]
            else text("kpi_views.describe.no_reason", lang)
        )
        return text("kpi_views.describe.no_value", lang, name=name, month=format_month(month, lang), reason=reason)
    window = series[(series.index > month - 12) & (series.index <= month)].dropna()
    change = format_change(now, series.get(month - 1, np.nan), spec.unit, currency, lang)
    return text(
        "kpi_views.describe.value_no_previous" if change == "–" else "kpi_views.describe.value",
        lang,
        name=name,
        value=format_value(now, spec.unit, currency, lang),
        month=format_month(month, lang),
        change=change,
        average=format_value(window.mean(), spec.unit, currency, lang),
        better=text(f"kpi_views.describe.{spec.direction}", lang),
    )


def describe_kpis(kpis: pd.DataFrame, kpi_ids, month, *, lang: str = "en", currency: str = "JPY") -> str:
    """The sentences of :func:`describe_kpi` for several KPIs, as one paragraph in ``lang``.

    English puts a space between the sentences, Japanese none (the text ``kpi_views.describe.joiner``).

    Parameters
    ----------
    kpis : pandas.DataFrame
        A long KPI table, as for :func:`describe_kpi`.
    kpi_ids : sequence of str
        The catalog ids of the KPIs, in the order of the sentences.
    month : pandas.Period or str
        The month described.
    lang : {"en", "ja"}, default "en"
        Language of the sentences.
    currency : str, default "JPY"
        Currency of money KPIs.

    Returns
    -------
    str
        The sentences, one per KPI.

    Examples
    --------
    >>> k = pd.DataFrame({"month": pd.PeriodIndex(["2026-03"] * 2, freq="M"), "kpi": ["mrr", "arpa"],
    ...                   "value": [1.0e7, 5.0e4], "note": ""})
    >>> describe_kpis(k, ["mrr", "arpa"], "2026-03", lang="ja")
    '2026年3月のMRR（月次経常収益）は1,000万円でした（前月比なし、直近12か月平均1,000万円、高いほど良い）。2026年3月の1社あたり平均売上（ARPA）は5.0万円でした（前月比なし、直近12か月平均5.0万円、高いほど良い）。'
    """
    return text("kpi_views.describe.joiner", lang).join(
        describe_kpi(kpis, k, month, lang=lang, currency=currency) for k in kpi_ids
    )


def describe_bridge(bridge_row: pd.Series | pd.DataFrame, *, lang: str = "en", currency: str = "JPY") -> str:
    """The month's MRR change in words: net change, what added and what removed MRR.

    Parameters
    ----------
    bridge_row : pandas.Series or pandas.DataFrame
        One month of :func:`playbook.kpis.revenue.mrr_bridge` (for a DataFrame,
        its first row), with ``month``, ``mrr_start``, ``new``, ``reactivation``,
        ``expansion``, ``contraction``, ``churned``, ``mrr_end``,
        ``churned_customers`` and ``new_customers``.
    lang : {"en", "ja"}, default "en"
        Language of the sentence.
    currency : str, default "JPY"
        Currency of the amounts.

    Returns
    -------
    str
        One sentence: MRR at the start and end, the net change, the amounts added
        (new, reactivation, expansion) and removed (contraction, churn), and the
        numbers of churned and new accounts.
    """
    r = bridge_row.iloc[0] if isinstance(bridge_row, pd.DataFrame) else bridge_row
    f = money_formatter(currency, lang)
    added = r["new"] + r["reactivation"] + r["expansion"]
    lost = r["contraction"] + r["churned"]
    net = r["mrr_end"] - r["mrr_start"]
    return text(
        "kpi_views.bridge",
        lang,
        month=format_month(r["month"], lang),
        start=f(r["mrr_start"], 0),
        end=f(r["mrr_end"], 0),
        net=("+" if net >= 0 else "−") + f(abs(net), 0),
        new=f(r["new"], 0),
        reactivation=f(r["reactivation"], 0),
        expansion=f(r["expansion"], 0),
        added=f(added, 0),
        contraction=f(r["contraction"], 0),
        churned=f(r["churned"], 0),
        lost=f(lost, 0),
        churned_customers=int(r["churned_customers"]),
        new_customers=int(r["new_customers"]),
    )


def bridge_table(bridge: pd.DataFrame, *, lang: str = "en", currency: str = "JPY") -> pd.DataFrame:
    """The MRR bridge of several months, formatted: one row per month.

    Parameters
    ----------
    bridge : pandas.DataFrame
        Months of :func:`playbook.kpis.revenue.mrr_bridge` (or :func:`month_bridge`).
    lang : {"en", "ja"}, default "en"
        Language of the headers and amounts.
    currency : str, default "JPY"
        Currency of the amounts.

    Returns
    -------
    pandas.DataFrame
        Indexed by month (as text in ``lang``: ``2026-10``, ``2026年10月``), with money text columns: start MRR, new,
        reactivation, expansion, contraction, churned and end MRR (headers translated).
    """
    f = money_formatter(currency, lang)
    cols = ["mrr_start", "new", "reactivation", "expansion", "contraction", "churned", "mrr_end"]
    out = bridge.set_index("month")[cols].map(lambda v: f(v, 0))
    out.index = [format_month(m, lang) for m in out.index]
    names = {"mrr_start": label("start", lang), "mrr_end": label("end", lang)}
    return out.rename(columns={c: names.get(c, label(c, lang)) for c in cols})


def funnel_counts(ds: Dataset, month) -> pd.DataFrame | None:
    """Stage counts of one month (channels summed, stages in table order), or None without a funnel table.

    Parameters
    ----------
    ds : Dataset
        The validated data.
    month : pandas.Period or str
        The month counted.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``stage`` and ``count``, one row per stage in the order the stages
        first appear in the funnel table (empty when the month has no rows), or
        None when the dataset has no funnel table.
    """
    if ds.funnel is None:
        return None
    f = ds.funnel[ds.funnel["month"] == pd.Period(month, freq="M")]
    return f.groupby("stage", sort=False)["count"].sum().reset_index()


def nps_responses(ds: Dataset, month, *, segment: str = "plan") -> pd.DataFrame | None:
    """NPS responses of the latest month with any, up to ``month``, joined with an account segment.

    Parameters
    ----------
    ds : Dataset
        The validated data.
    month : pandas.Period or str
        The latest month considered.
    segment : str, default "plan"
        An accounts column added to each response (skipped when accounts has no
        such column).

    Returns
    -------
    pandas.DataFrame or None
        The ``surveys`` rows of survey ``nps`` dated in that latest month (every
        column of the table, e.g. ``account_id``, ``date``, ``score``,
        ``comment``), plus the ``segment`` column; None when there is no surveys
        table or no NPS response up to ``month``.
    """
    if ds.surveys is None:
        return None
    s = ds.surveys[
        (ds.surveys["survey"] == "nps") & (ds.surveys["date"].dt.to_period("M") <= pd.Period(month, freq="M"))
    ]
    if s.empty:
        return None
    latest = s["date"].dt.to_period("M").max()
    s = s[s["date"].dt.to_period("M") == latest]
    if segment in ds.accounts.columns:
        s = s.merge(ds.accounts[["account_id", segment]], on="account_id", how="left")
    return s


def detractor_themes(ds: Dataset, month, *, months_back: int = 12, lang: str = "en") -> pd.DataFrame:
    """Themes most mentioned by NPS detractors over the last ``months_back`` months, with an example comment.

    Detractors are NPS answers scored 0-6 with a comment, dated in the
    ``months_back`` months ending with ``month``; themes are tagged by keyword
    (:func:`playbook.kpis.voice.tag_themes`), and a comment can carry several.

    Parameters
    ----------
    ds : Dataset
        The validated data.
    month : pandas.Period or str
        The last month of the window.
    months_back : int, default 12
        Length of the window in months.
    lang : {"en", "ja"}, default "en"
        Language of the theme names and headers.

    Returns
    -------
    pandas.DataFrame
        One row per theme (index = theme name), most mentioned first, with the
        number of comments, their share of the detractor comments (text, e.g.
        "24%") and an example comment (one about that theme alone when there is
        one; empty for a theme never mentioned). Without a surveys table or a
        ``comment`` column: an empty table with the theme as a column.
    """
    cols = [
        label("theme", lang),
        label("comments", lang),
        label("share_of_detractor_comments", lang),
        label("example", lang),
    ]
    if ds.surveys is None or "comment" not in ds.surveys.columns:
        return pd.DataFrame(columns=cols)
    month = pd.Period(month, freq="M")
    m = ds.surveys["date"].dt.to_period("M")
    s = ds.surveys[
        (ds.surveys["survey"] == "nps") & (m > month - months_back) & (m <= month) & ds.surveys["comment"].notna()
    ]
    s = s[nps_group(s["score"]) == "detractor"]
    tags = tag_themes(s["comment"])
    counts = tags.sum().sort_values(ascending=False, kind="stable")
    # the example is a comment about that theme alone where there is one
    single = tags.sum(axis=1) == 1
    examples = {
        t: (
            s.loc[tags.index[tags[t] & single], "comment"].iloc[0]
            if (tags[t] & single).any()
            else s.loc[tags.index[tags[t]], "comment"].iloc[0]
            if tags[t].any()
            else ""
        )
        for t in counts.index
    }
    out = pd.DataFrame(
        {
            cols[0]: [label(t, lang) for t in counts.index],
            cols[1]: counts.to_numpy(),
            cols[2]: [f"{c / max(len(s), 1):.0%}" for c in counts],
            cols[3]: [examples[t] for t in counts.index],
        }
    )
    return out.set_index(cols[0]).rename_axis(None)


#: The voice KPIs of :func:`voice_table`, in display order: catalog id -> KPI function of :mod:`playbook.kpis.voice`.
VOICE_KPIS = {"nps": nps_monthly, "csat": csat, "ces": ces, "ces_mean": ces_mean}


def _voice_cells(kpi_id: str, value: float, lo: float, hi: float, lang: str) -> tuple[str, str]:
    """The value and its interval as text in the KPI's unit: "+12.4" / "+6.6 to +18.1", "83.2%" / "75.2–89.0%"."""
    if pd.isna(value):
        return "–", ""
    if kpi_id == "nps":
        interval = "" if pd.isna(lo) else text("kpi_views.voice.range", lang, low=f"{lo:+.1f}", high=f"{hi:+.1f}")
        return f"{value:+.1f}", interval
    if kpi_id == "ces_mean":
        return f"{value:.2f}", "" if pd.isna(lo) else f"{lo:.2f}–{hi:.2f}"
    return f"{value:.1%}", "" if pd.isna(lo) else f"{lo:.1%}–{hi:.1%}"


@dataclass(frozen=True)
class VoiceTable:
    """NPS, CSAT and CES per month with their 95 % intervals, as made by :func:`voice_table`.

    Shown in a notebook as the one-line note above the formatted table (the note alone when no month has answers).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per KPI and month with answers: ``month`` (Period), ``kpi`` (``nps``, ``csat``, ``ces`` or
        ``ces_mean``), ``n``, ``value``, ``ci_low`` and ``ci_high`` (NPS in points, the shares as fractions, the mean
        CES on the 1-7 scale).
    months : pandas.PeriodIndex
        Every month of the window, answered or not.
    note : str
        One line: in how many of the window's months each KPI had answers.
    lang : {"en", "ja"}
        The language of the note and of the formatted table.
    """

    data: pd.DataFrame
    months: pd.PeriodIndex
    note: str
    lang: str = "en"

    @property
    def table(self) -> pd.DataFrame:
        """The formatted table: one row per month with answers, per KPI the n, the value and the 95 % interval.

        Returns
        -------
        pandas.DataFrame
            Indexed by month (text in the table's language), with two-level text columns (KPI name; n, value, 95 % interval; the mean CES
            shares the n of CES). A KPI without answers in a month shows "–" and an empty interval.
        """
        lang = self.lang
        interval = text("kpi_views.voice.interval", lang)
        months = sorted(self.data["month"].unique())
        cols: dict[tuple[str, str], list[str]] = {}
        for kpi_id in VOICE_KPIS:
            rows = self.data[self.data["kpi"] == kpi_id].set_index("month")
            name = label(kpi_id, lang)
            cells = [
                _voice_cells(kpi_id, *rows.loc[m, ["value", "ci_low", "ci_high"]], lang)
                if m in rows.index
                else ("–", "")
                for m in months
            ]
            if kpi_id != "ces_mean":
                cols[(name, label("n", lang))] = [
                    f"{int(rows.loc[m, 'n']):,}" if m in rows.index else "0" for m in months
                ]
            cols[(name, label("value", lang))] = [c[0] for c in cells]
            cols[(name, interval)] = [c[1] for c in cells]
        out = pd.DataFrame(cols, index=pd.Index([format_month(m, lang) for m in months]))
        out.columns = pd.MultiIndex.from_tuples(out.columns)
        return out

    def __repr__(self) -> str:  # the note alone when there is nothing to tabulate
        return self.note if self.data.empty else f"{self.note}\n{self.table.to_string()}"

    def _repr_html_(self) -> str:
        note = f"<p>{html.escape(self.note)}</p>"
        return note if self.data.empty else f"{note}\n{self.table.to_html()}"


def voice_table(ctx_or_ds, month, *, months_back: int = 12, lang: str = "en") -> VoiceTable:
    """NPS, CSAT and CES of the last ``months_back`` months with their 95 % intervals; months without answers left out.

    The intervals are those of :mod:`playbook.kpis.voice`: NPS from the multinomial variance of promoters, passives
    and detractors (adjusted Wald), the CSAT and CES shares from the Wilson interval, the mean CES from a t interval.
    A month with answers to any of the surveys has a row; a KPI without answers in it shows "–".

    Parameters
    ----------
    ctx_or_ds : ReviewContext or Dataset
        The review (its ``ds`` is used) or the validated data.
    month : pandas.Period or str
        The last month of the window.
    months_back : int, default 12
        The length of the window in months.
    lang : {"en", "ja"}, default "en"
        The language of the note and the headers.

    Returns
    -------
    VoiceTable
        ``data`` (the numbers, one row per KPI and month with answers), ``months`` (the window), ``note`` (one line:
        in how many of the months each KPI had answers) and ``table`` (formatted); a notebook shows the note and the
        table. Without a surveys table, ``data`` is empty and the note says so.
    """
    ds = getattr(ctx_or_ds, "ds", ctx_or_ds)
    month = pd.Period(month, freq="M")
    months = pd.period_range(month - months_back + 1, month, freq="M")
    cols = ["month", "kpi", "n", "value", "ci_low", "ci_high"]
    if ds.surveys is None:
        return VoiceTable(pd.DataFrame(columns=cols), months, text("kpi_views.voice.no_surveys", lang), lang)
    parts = [f(ds.surveys, months).assign(kpi=k) for k, f in VOICE_KPIS.items()]
    data = pd.concat(parts, ignore_index=True)[cols]
    data = data[data["n"] > 0].reset_index(drop=True)
    answered = {k: data.loc[data["kpi"] == k, "month"].nunique() for k in ("nps", "csat", "ces")}
    (k0, c0), *rest = answered.items()
    note = text(
        "kpi_views.voice.note",
        lang,
        first=label(k0, lang),
        first_count=c0,
        months_back=months_back,
        month=format_month(month, lang),
        others=text("kpi_views.voice.others_join", lang).join(
            text("kpi_views.voice.other", lang, name=label(k, lang), count=c) for k, c in rest
        ),
    )
    return VoiceTable(data, months, note, lang)


def month_bridge(ds: Dataset, months) -> pd.DataFrame:
    """The MRR bridge of ``months`` from the dataset (subscriptions, or mrr_monthly), with full payment history.

    The month-end snapshots start at the dataset's first month, so a returning
    account counts as reactivation, not new.

    Parameters
    ----------
    ds : Dataset
        The validated data.
    months : sequence of pandas.Period or str
        The months of the bridge, in order (the last one ends the snapshots).

    Returns
    -------
    pandas.DataFrame
        One row per month, as :func:`playbook.kpis.revenue.mrr_bridge`: ``month``,
        ``mrr_start``, ``new``, ``reactivation``, ``expansion``, ``contraction``,
        ``churned``, ``mrr_end`` and the customer counts (``customers_start``,
        ``new_customers``, ..., ``churned_customers``, ``customers_end``). A dataset without subscriptions
        (transactions only) has no MRR: the bridge has these columns and no rows.
    """
    from playbook.kpis.purchases import transactions_only
    from playbook.kpis.revenue import mrr_bridge
    from playbook.kpis.snapshots import dataset_snapshots

    months = pd.PeriodIndex(months, freq="M")
    if transactions_only(ds):
        empty = pd.DataFrame(
            {"account_id": pd.Series(dtype="str"), "month": pd.PeriodIndex([], freq="M"), "mrr": pd.Series(dtype=float)}
        )
        return mrr_bridge(empty, months).iloc[:0].reset_index(drop=True)
    return mrr_bridge(dataset_snapshots(ds, months[-1]), months)


def feature_adoption_table(kpis: pd.DataFrame, month, *, lang: str = "en") -> pd.DataFrame:
    """Adoption of each feature in the month, most adopted first: share, users of the feature, active users.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The long table of :func:`playbook.kpis.catalog.compute_kpis`, with its
        ``feature_adoption.<feature>`` rows.
    month : pandas.Period or str
        The month shown.
    lang : {"en", "ja"}, default "en"
        Language of the headers.

    Returns
    -------
    pandas.DataFrame
        One row per feature with a value (index = feature name), with text
        columns value (share of active users, e.g. "69.3%"), numerator (users of
        the feature) and denominator (active users of the month). Empty without
        usage data.
    """
    month = pd.Period(month, freq="M")
    rows = kpis[(kpis["month"] == month) & kpis["kpi"].str.startswith("feature_adoption.")]
    rows = rows[rows["value"].notna()].sort_values("value", ascending=False, kind="stable")
    out = pd.DataFrame(
        {
            label("feature", lang): rows["kpi"].str.split(".").str[1].to_list(),
            label("value", lang): [f"{v:.1%}" for v in rows["value"]],
            label("numerator", lang): [f"{v:,.0f}" for v in rows["numerator"]],
            label("denominator", lang): [f"{v:,.0f}" for v in rows["denominator"]],
        }
    )
    return out.set_index(label("feature", lang)).rename_axis(None)


#: The parts of revenue, in the order of the drivers table: revenue = buyers x purchase frequency x order value.
REVENUE_PARTS = ("revenue", "buyers", "new_buyers", "returning_buyers", "purchase_frequency", "avg_order_value")


def purchase_drivers(kpis: pd.DataFrame, month) -> dict:
    """What moved revenue from last month to ``month``: buyers, orders per buyer and order value, as factors.

    Revenue = buyers x purchase frequency (orders per buyer) x average order value, so the ratio of this
    month's revenue to last month's is exactly the product of the three ratios.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A long KPI table holding ``revenue``, ``buyers``, ``purchase_frequency`` and ``avg_order_value`` for
        ``month`` and the month before.
    month : pandas.Period or str
        The month explained.

    Returns
    -------
    dict
        ``revenue``, ``buyers``, ``purchase_frequency`` and ``avg_order_value``: each the ratio of this month's
        value to last month's (NaN when either is missing or zero).

    Examples
    --------
    >>> k = pd.DataFrame({"month": pd.PeriodIndex(["2026-01"] * 4 + ["2026-02"] * 4, freq="M"),
    ...                   "kpi": ["revenue", "buyers", "purchase_frequency", "avg_order_value"] * 2,
    ...                   "value": [1000.0, 10.0, 2.0, 50.0, 1320.0, 11.0, 2.0, 60.0]})
    >>> d = purchase_drivers(k, "2026-02")  # 1.32 = 1.1 x 1.0 x 1.2
    >>> round(d["revenue"], 4), round(d["buyers"] * d["purchase_frequency"] * d["avg_order_value"], 4)
    (1.32, 1.32)
    """
    month = pd.Period(month, freq="M")
    out = {}
    for k in ("revenue", "buyers", "purchase_frequency", "avg_order_value"):
        now, before = _value_at(kpis, k, month), _value_at(kpis, k, month - 1)
        out[k] = now / before if pd.notna(now) and pd.notna(before) and before != 0 else float("nan")
    return out


def purchase_drivers_table(ctx, kpis: pd.DataFrame) -> pd.DataFrame | None:
    """The parts of revenue this month, last month and a year ago, with the changes (a dataset without subscriptions).

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.

    Returns
    -------
    pandas.DataFrame or None
        One row per part of :data:`REVENUE_PARTS` (revenue, buyers, new and returning buyers, purchase
        frequency, average order value): this month, last month, the change, the same month a year ago and the
        change (headers and names in ``ctx.lang``). None for a dataset with subscriptions.
    """
    from playbook.kpis.purchases import transactions_only

    if not transactions_only(ctx.ds):
        return None
    lang, m, cur = ctx.lang, ctx.month, ctx.ds.currency
    rows = []
    for k in REVENUE_PARTS:
        unit = kpi(k).unit
        now, prev, year = (_value_at(kpis, k, m - d) for d in (0, 1, 12))
        rows.append(
            {
                label("kpi", lang): _kpi_name(k, lang),
                text("kpi_views.drivers.now", lang, month=format_month(m, lang)): format_value(now, unit, cur, lang),
                text("kpi_views.drivers.now", lang, month=format_month(m - 1, lang)): format_value(
                    prev, unit, cur, lang
                ),
                label("change_1m", lang): format_change(now, prev, unit, cur, lang),
                text("kpi_views.drivers.now", lang, month=format_month(m - 12, lang)): format_value(
                    year, unit, cur, lang
                ),
                label("change_12m", lang): format_change(now, year, unit, cur, lang),
            }
        )
    return pd.DataFrame(rows).set_index(label("kpi", lang)).rename_axis(None)


def describe_purchase_drivers(ctx, kpis: pd.DataFrame) -> Markdown | None:
    """One sentence on what moved revenue since last month (:func:`purchase_drivers`); None with subscriptions.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.

    Returns
    -------
    Markdown or None
        The sentence: revenue's change and the changes of buyers, orders per buyer and order value that
        multiply to it. None for a dataset with subscriptions.
    """
    from playbook.kpis.purchases import transactions_only

    if not transactions_only(ctx.ds):
        return None
    d = purchase_drivers(kpis, ctx.month)
    if pd.isna(d["revenue"]):
        return Markdown(text("kpi_views.drivers.none", ctx.lang, month=format_month(ctx.month, ctx.lang)))
    pct = lambda r: "–" if pd.isna(r) else format_change(r, 1.0, "currency", lang=ctx.lang)
    return Markdown(
        text(
            "kpi_views.drivers.text",
            ctx.lang,
            month=format_month(ctx.month, ctx.lang),
            revenue=pct(d["revenue"]),
            buyers=pct(d["buyers"]),
            frequency=pct(d["purchase_frequency"]),
            order_value=pct(d["avg_order_value"]),
        )
    )


# --- sections of notebook 03 whose tables may be absent: one sentence instead of empty charts and tables ---


def _computable(ds, kpi_ids) -> tuple[list[str], list[str]]:
    """The KPIs of ``kpi_ids`` the dataset's tables allow, and the tables the others lack (each once, in order)."""
    ok, lacking = [], []
    for k in kpi_ids:
        missing = kpi(k).missing(ds)
        if missing:
            lacking += [t for t in missing if t not in lacking]
        else:
            ok.append(k)
    return ok, lacking


def missing_tables_note(ctx, kpi_ids) -> Markdown | None:
    """One sentence naming the tables a section lacks and the KPIs it therefore leaves out; None when it lacks none.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpi_ids : sequence of str
        The section's KPIs (catalog ids).

    Returns
    -------
    Markdown or None
        "Without the table surveys, this section's KPIs (NPS, ...) are not computed." (all of them) or
        "... of this section ... are not shown" (some), in ``ctx.lang``; None when every KPI can be computed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(ds=SimpleNamespace(tables={"accounts": None, "transactions": None}), lang="ja")
    >>> print(missing_tables_note(ctx, ["csat", "fcr"]))
    テーブル surveys・tickets がないため、この節のKPI（顧客満足度（CSAT）、一次解決率）は計算できません。
    """
    ok, lacking = _computable(ctx.ds, kpi_ids)
    if not lacking:
        return None
    names = [label(k, ctx.lang) for k in kpi_ids if k not in ok]
    return Markdown(
        text(
            "kpi_views.section.none" if not ok else "kpi_views.section.some",
            ctx.lang,
            tables=text("kpi_views.section.table_join", ctx.lang).join(lacking),
            kpis=text("kpi_views.section.kpi_join", ctx.lang).join(names),
        )
    )


def plot_kpis(ctx, kpis: pd.DataFrame, kpi_ids, *, months: int = 13, ncols: int = 3) -> Markdown | None:
    """The 13-month charts of the KPIs the tables allow; a sentence for those they do not, never an empty chart.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.
    kpi_ids : sequence of str
        The section's KPIs (catalog ids).
    months : int, default 13
        The months shown, ending with the review month.
    ncols : int, default 3
        Charts per row.

    Returns
    -------
    Markdown or None
        :func:`missing_tables_note` (shown under the charts, or alone when no KPI can be computed); None
        when every KPI was drawn.
    """
    ok, _ = _computable(ctx.ds, kpi_ids)
    if ok:
        import matplotlib.pyplot as plt

        from playbook.report.plots import plot_kpi_grid

        cols = min(ncols, len(ok))
        rows = -(-len(ok) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(13 * cols / 3, 3.4 * rows), squeeze=False)
        window = ctx.history[-months:]
        plot_kpi_grid(
            kpis[kpis["month"].isin(window)],
            ok,
            axes=axes,
            lang=ctx.lang,
            currency=ctx.ds.currency,
            highlight=ctx.month,
        )
        fig.tight_layout()
        plt.show()
    return missing_tables_note(ctx, kpi_ids)


def describe_available(ctx, kpis: pd.DataFrame, kpi_ids) -> Markdown | None:
    """:func:`describe_kpis` of the KPIs the tables allow (None when none does: the section's note said why).

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.
    kpi_ids : sequence of str
        The KPIs to describe.

    Returns
    -------
    Markdown or None
        The sentences of the computable KPIs.
    """
    ok, _ = _computable(ctx.ds, kpi_ids)
    if not ok:
        return None
    return Markdown(describe_kpis(kpis, ok, ctx.month, lang=ctx.lang, currency=ctx.ds.currency))


def plot_nps(ctx, kpis: pd.DataFrame, *, months: int = 25, by: str = "plan") -> Markdown | None:
    """NPS over ``months`` months and the month's answers by ``by``; the one-sentence note without surveys.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table of the review's history.
    months : int, default 25
        The months of the trend, ending with the review month.
    by : str, default "plan"
        The accounts column splitting the answers.

    Returns
    -------
    Markdown or None
        The note (nothing drawn) without a surveys table; None once drawn.
    """
    note = missing_tables_note(ctx, ["nps"])
    if note is not None:
        return note
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_kpi_trend, plot_nps_distribution

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    plot_kpi_trend(
        kpis[kpis["month"].isin(ctx.history[-months:])], "nps", ax=axes[0], lang=ctx.lang, highlight=ctx.month
    )
    plot_nps_distribution(nps_responses(ctx.ds, ctx.month, segment=by), by=by, ax=axes[1], lang=ctx.lang)
    fig.tight_layout()
    plt.show()
    return None


def themes_view(ctx, *, months_back: int = 12) -> pd.DataFrame | None:
    """:func:`detractor_themes` of the review; None (nothing shown) without a surveys table.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    months_back : int, default 12
        The months of comments.

    Returns
    -------
    pandas.DataFrame or None
        The themes table.
    """
    if ctx.ds.surveys is None:
        return None
    return detractor_themes(ctx.ds, ctx.month, months_back=months_back, lang=ctx.lang)


def plot_voice(ctx, voice: VoiceTable, *, kpi_ids=("nps", "csat", "ces")):
    """The charts of :func:`voice_table` with their intervals; nothing when no month has answers (its note says so).

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    voice : VoiceTable
        :func:`voice_table` of the review.
    kpi_ids : tuple of str
        The KPIs charted.

    Returns
    -------
    None
    """
    if voice.data.empty:
        return None
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_voice_kpis

    fig, axes = plt.subplots(1, len(kpi_ids), figsize=(13, 3.4))
    plot_voice_kpis(voice, axes=axes, lang=ctx.lang, kpis=tuple(kpi_ids), highlight=ctx.month)
    fig.tight_layout()
    plt.show()
    return None


def feature_adoption_view(ctx, kpis: pd.DataFrame) -> pd.DataFrame | None:
    """:func:`feature_adoption_table` of the review month; None (nothing shown) without a usage table.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).
    kpis : pandas.DataFrame
        The :func:`~playbook.kpis.catalog.compute_kpis` table.

    Returns
    -------
    pandas.DataFrame or None
        The table.
    """
    if kpi("feature_adoption").missing(ctx.ds):
        return None
    return feature_adoption_table(kpis, ctx.month, lang=ctx.lang)


def plot_funnel_view(ctx) -> Markdown | None:
    """The funnel of the review month; the one-sentence note (nothing drawn) without a funnel table.

    Parameters
    ----------
    ctx : ReviewContext
        The review (data, month, language).

    Returns
    -------
    Markdown or None
        The note without a funnel table; None once drawn.
    """
    note = missing_tables_note(ctx, ["conversion_rate"])
    if note is not None:
        return note
    import matplotlib.pyplot as plt

    from playbook.report.plots import plot_funnel

    fig, ax = plt.subplots(figsize=(9, 3.2))
    plot_funnel(funnel_counts(ctx.ds, ctx.month), ax=ax, lang=ctx.lang)
    plt.show()
    return None
