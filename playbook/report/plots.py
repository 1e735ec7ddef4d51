"""Charts: ``plot_x(data, *, ax=None, lang="en", ...) -> Axes``; they never show or save.

``use_theme(lang)`` sets one seaborn theme with a font that has Japanese glyphs
(IPAexGothic from matplotlib-fontja), for both languages, so labels render the
same way in JupyterLab, papermill and the HTML report.
"""

from __future__ import annotations

import re
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401  (registers the IPAexGothic font)
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from playbook.data.schema import TABLES
from playbook.kpis.fiscal import fiscal_label
from playbook.report.formatting import format_month, format_value, money_formatter, month_tick, unit_formatter
from playbook.report.labels import label
from playbook.review.codes import Status
from playbook.texts import has_text, text

__all__ = [
    "use_theme",
    "plot_monthly",
    "plot_row_coverage",
    "plot_kpi_trend",
    "plot_kpi_grid",
    "plot_mrr_bridge",
    "plot_funnel",
    "plot_nps_distribution",
    "plot_kpi_tree",
    "plot_goal_trends",
    "plot_kgi_projection",
    "plot_cohort_heatmap",
    "plot_retention_curves",
    "plot_band_churn",
    "plot_migration",
    "plot_voice_kpis",
    "mark_fiscal_years",
]

FONT = "IPAexGothic"


def use_theme(lang: str = "en") -> None:
    """Apply the playbook's chart theme (call once per notebook).

    Sets seaborn's ``whitegrid`` style with the IPAexGothic font, a plain minus
    sign, 100 dpi and a 9 x 3.6 inch default figure size.

    Parameters
    ----------
    lang : {"en", "ja"}, default "en"
        The notebook's language. Not used: the theme and font are the same for
        both languages.

    Returns
    -------
    None
        The theme is set globally (seaborn and ``matplotlib.rcParams``).
    """
    # set_theme resets the font family, so the Japanese-capable font is passed to it
    sns.set_theme(
        style="whitegrid", font=FONT, rc={"axes.unicode_minus": False, "figure.dpi": 100, "figure.figsize": (9, 3.6)}
    )
    matplotlib.rcParams["font.family"] = [FONT]
    # chart text holds names from user files: "$...$" in a KFS name is text, never mathtext (which could fail to render)
    matplotlib.rcParams["text.parse_math"] = False


def plot_monthly(
    data: pd.DataFrame,
    y: str,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    kind: str = "line",
    month_col: str = "month",
    title: str | None = None,
    currency: str | None = None,
    highlight: pd.Period | str | None = None,
    color: str | None = None,
) -> Axes:
    """One monthly series as a line or bars, with the review month highlighted.

    ``currency`` formats the y axis as money; labels come from
    :func:`playbook.report.labels.label`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per month: a month column (``month_col``, periods or month
        strings) and the column ``y``.
    y : str
        The column to plot; its label is the default title and the y-axis label.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    kind : {"line", "bar"}, default "line"
        Bars for ``"bar"``; any other value draws a line with markers.
    month_col : str, default "month"
        The column holding the months.
    title : str, optional
        The chart title; the label of ``y`` by default.
    currency : str, optional
        A currency code (``"JPY"``, ``"USD"``, ...) to format the y axis as money.
    highlight : pandas.Period or str, optional
        A month marked by a dashed vertical line labelled "review month".
    color : str, optional
        The line or bar colour; the first colour of the seaborn palette by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on (y axis from 0). When every value of ``y`` is NaN it
        shows a "not available" note instead of a chart.
    """
    ax = ax or plt.gca()
    x = pd.PeriodIndex(data[month_col], freq="M").to_timestamp()
    values = data[y].astype("float64").to_numpy()
    ax.set_title(title or label(y, lang))
    if np.isnan(values).all():
        return _not_available(ax, lang, title or label(y, lang))
    color = color or sns.color_palette()[0]
    if kind == "bar":
        ax.bar(x, values, width=20, color=color)
    else:
        ax.plot(x, values, marker="o", markersize=3, color=color)
    if highlight is not None:
        h = pd.Period(highlight, freq="M").to_timestamp()
        ax.axvline(h, color="0.4", linestyle="--", linewidth=1)
        ax.annotate(
            label("review_month", lang),
            (h, 1),
            xycoords=("data", "axes fraction"),
            xytext=(-4, -12),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color="0.3",
        )
    ax.set_xlabel("")
    ax.set_ylabel(label(y, lang))
    _month_axis(ax, lang)
    if currency:
        ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    ax.set_ylim(bottom=0)
    return ax


def plot_row_coverage(
    counts: pd.DataFrame, *, ax: Axes | None = None, lang: str = "en", outline: list[str] | None = None
) -> Axes:
    """Heatmap of rows per table and month; months with no rows are blank.

    Empty months inside a table's own date range are outlined in red for the
    tables in ``outline`` (default: the tables the contract expects to have rows
    every month).

    Parameters
    ----------
    counts : pandas.DataFrame
        Row counts with one row per table (index = table name) and one column per
        month, as from :func:`playbook.analyses.inventory.monthly_row_counts`.
        Each table's cells are shaded on its own scale (share of its busiest month).
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the title.
    outline : list of str, optional
        Tables whose empty months inside their own date range are outlined in red;
        by default every table the schema marks as monthly.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the heatmap: one row per table, one column per month.
    """
    ax = ax or plt.gca()
    outline = [t for t, spec in TABLES.items() if spec.monthly] if outline is None else outline
    shown = counts.astype("float64").replace(0, np.nan)
    share = shown.div(shown.max(axis=1), axis=0)  # colour by each table's own scale
    sns.heatmap(share, ax=ax, cmap="Blues", vmin=0, vmax=1, cbar=False, linewidths=0.5, linecolor="white")
    values = counts.to_numpy()
    has = values > 0
    inside = (np.cumsum(has, axis=1) > 0) & (np.cumsum(has[:, ::-1], axis=1)[:, ::-1] > 0)
    checked = np.isin(counts.index, outline)[:, None]
    for r, c in np.argwhere((values == 0) & inside & checked):
        ax.add_patch(matplotlib.patches.Rectangle((c, r), 1, 1, fill=False, edgecolor="crimson", linewidth=1.2))
    ticks, labels = _month_ticks(counts.columns, lang)
    ax.set_xticks(np.asarray(ticks) + 0.5)
    ax.set_xticklabels(labels, rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(label("chart_coverage", lang))
    return ax


def _month_ticks(columns, lang: str, *, most: int = 18) -> tuple[list[int], list[str]]:
    r"""Where to label a heatmap's month columns, and the labels: short months, the year under the first and each January.

    The step is the smallest of 1, 2, 3, 6 or 12 months that gives at most ``most`` labels, so the labels of a
    long history do not run into one another; columns that are not months keep their text, every one labelled.

    Examples
    --------
    >>> months = [str(p) for p in pd.period_range("1997-01", "1998-06", freq="M")]
    >>> ticks, labels = _month_ticks(months, "ja")
    >>> len(ticks), labels[:2], labels[12]
    (18, ['1月\n1997年', '2月'], '1月\n1998年')
    >>> _month_ticks([str(p) for p in pd.period_range("2023-11", "2026-10", freq="M")], "en")[1][:3]
    ['Nov\n2023', 'Jan\n2024', 'Mar']
    """
    try:
        months = [pd.Period(str(c), freq="M") for c in columns]
    except ValueError:
        return list(range(len(columns))), [str(c) for c in columns]
    step = next((s for s in (1, 2, 3, 6, 12) if -(-len(months) // s) <= most), 12)
    ticks = list(range(0, len(months), step))
    labels, seen = [], set()
    for i in ticks:
        m = months[i]
        first = m.year not in seen
        seen.add(m.year)
        labels.append(month_tick(m, lang, with_year=first))
    return ticks, labels


# --------------------------------------------------------------------------- KPI charts


def _month_axis(ax: Axes, lang: str = "en") -> None:
    """A few month ticks, years written once (2025, Apr, Jul, ... / 2025年, 4月, 7月, ...)."""
    locator = matplotlib.dates.AutoDateLocator(minticks=3, maxticks=6)
    # yearly steps for long histories; without them matplotlib warns "unable to pick an appropriate interval"
    locator.intervald[matplotlib.dates.MONTHLY] = [1, 2, 3, 4, 6, 12]
    ax.xaxis.set_major_locator(locator)
    y, m, d, md = (text(f"charts.tick_{k}", lang) for k in ("year", "month", "day", "month_day"))
    formatter = matplotlib.dates.ConciseDateFormatter(
        locator,
        formats=[y, m, d, "%H:%M", "%H:%M", "%S.%f"],
        zero_formats=["", y, m, md, "%H:%M", "%H:%M"],
        show_offset=False,
    )
    ax.xaxis.set_major_formatter(formatter)
    ax.tick_params(axis="x", labelsize=8)


def mark_fiscal_years(ax: Axes, fiscal_year_start: int | None, lang: str = "en") -> list:
    """A thin vertical line at the first month of each fiscal year on a month axis, labelled FY2026 / 2026年度.

    Only the boundaries strictly inside the axis's current x range are marked (call it after drawing the data),
    so a chart starting on a fiscal year's first month has no line on its edge. The label stands at the foot of
    the line, on its right (on its left in the last tenth of the axis), in small grey type.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A chart whose x axis holds month-start dates (as :func:`plot_kpi_trend` draws them).
    fiscal_year_start : int or None
        The fiscal year's first month (the dataset's ``fiscal_year_start``, 1 to 12); None draws nothing.
    lang : {"en", "ja"}, default "en"
        The label's language (:func:`playbook.kpis.fiscal.fiscal_label`).

    Returns
    -------
    list of pandas.Period
        The months marked (the first month of each fiscal year inside the range).

    Examples
    --------
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot(pd.period_range("2025-10", "2026-10", freq="M").to_timestamp(), range(13))
    >>> mark_fiscal_years(ax, 4, lang="ja"), [t.get_text() for t in ax.texts]
    ([Period('2026-04', 'M')], ['2026年度'])
    >>> plt.close(fig)
    """
    if not fiscal_year_start:
        return []
    lo, hi = (pd.Timestamp(matplotlib.dates.num2date(v)).tz_localize(None) for v in ax.get_xlim())
    first = pd.Period(lo, freq="M") + (0 if lo == pd.Period(lo, freq="M").to_timestamp() else 1)
    months = [m for m in pd.period_range(first, pd.Period(hi, freq="M"), freq="M") if m.month == fiscal_year_start]
    months = [m for m in months if lo < m.to_timestamp() < hi]
    transform = matplotlib.transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for m in months:
        x = matplotlib.dates.date2num(m.to_timestamp())  # a number: the blended transform takes no Timestamp
        ax.axvline(x, color="0.55", linewidth=0.7, zorder=0.5)
        # near the right edge the label goes on the line's left, so it stays inside the chart
        right = (x - matplotlib.dates.date2num(lo)) / (matplotlib.dates.date2num(hi) - matplotlib.dates.date2num(lo))
        side = ("right", -2) if right > 0.9 else ("left", 2)
        ax.annotate(
            fiscal_label(m, fiscal_year_start, lang=lang), xy=(x, 0.02), xycoords=transform, xytext=(side[1], 0),
            textcoords="offset points", ha=side[0], va="bottom", fontsize=7, color="0.4", zorder=0.6,
        )  # fmt: skip
    ax.set_xlim(matplotlib.dates.date2num(lo), matplotlib.dates.date2num(hi))
    return months


def _not_available(ax: Axes, lang: str, title: str, reason: str | None = None) -> Axes:
    ax.set_title(title)
    note = textwrap.fill(reason, 60) if reason else label("not_available", lang)
    ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _no_tree_note(ax: Axes, lang: str, title: str) -> Axes:
    """A note on ``ax`` that there is no KPI tree (not a missing table)."""
    return _not_available(
        ax,
        lang,
        title,
        text("charts.no_tree", lang),
    )


def plot_kpi_trend(
    kpis: pd.DataFrame,
    kpi_id: str,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    target: float | pd.Series | None = None,
    currency: str = "JPY",
    highlight: pd.Period | str | None = None,
    title: str | None = None,
    legend: bool = True,
    fiscal_year_start: int | None = None,
) -> Axes:
    """One KPI over the months of a ``compute_kpis`` table, with an optional target (a number or a monthly path).

    Months where the KPI is NaN are gaps in the line; an unavailable KPI shows a note.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A long KPI table with columns ``month``, ``kpi`` and ``value``, as from
        :func:`playbook.kpis.catalog.compute_kpis`; only the rows of ``kpi_id`` are used.
    kpi_id : str
        The catalog id of the KPI; its unit sets the y-axis format.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    target : float or pandas.Series, optional
        A flat target (dashed horizontal line) or a target per month (a Series
        indexed by month, drawn as a dashed path).
    currency : str, default "JPY"
        Currency of money KPIs.
    highlight : pandas.Period or str, optional
        A month marked by a dotted vertical line.
    title : str, optional
        The chart title; the KPI's name by default.
    legend : bool, default True
        Show the legend when a target is drawn.
    fiscal_year_start : int, optional
        The dataset's fiscal year start (1 to 12): the first month of each fiscal year is marked by a thin line
        labelled FY2026 / 2026年度 (:func:`mark_fiscal_years`). None marks nothing.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, or a "not available" note when the KPI has no rows
        or only NaN values.

    Raises
    ------
    KeyError
        When ``kpi_id`` is not a KPI of the catalog.
    """
    from playbook.kpis.catalog import kpi as catalog_kpi

    ax = ax or plt.gca()
    spec = catalog_kpi(kpi_id)
    rows = kpis[kpis["kpi"] == kpi_id]
    title = title or label(kpi_id, lang)
    if rows.empty or rows["value"].isna().all():
        return _not_available(ax, lang, title)
    x = pd.PeriodIndex(rows["month"], freq="M").to_timestamp()
    ax.plot(
        x,
        rows["value"].to_numpy(dtype="float64"),
        marker="o",
        markersize=3,
        color=sns.color_palette()[0],
        label=label(kpi_id, lang),
    )
    if target is not None:
        if isinstance(target, pd.Series):
            tx = pd.PeriodIndex(target.index, freq="M").to_timestamp()
            ax.plot(
                tx,
                target.to_numpy(dtype="float64"),
                linestyle="--",
                color="crimson",
                linewidth=1.2,
                label=label("target", lang),
            )
        else:
            ax.axhline(float(target), linestyle="--", color="crimson", linewidth=1.2, label=label("target", lang))
        if legend:
            ax.legend(loc="best", fontsize=8, frameon=False)
    if highlight is not None:
        ax.axvline(pd.Period(highlight, freq="M").to_timestamp(), color="0.5", linestyle=":", linewidth=1)
    fmt = unit_formatter(spec.unit, currency, lang)
    if fmt is not None:
        ax.yaxis.set_major_formatter(fmt)
    if spec.unit in ("count", "users"):  # whole customers and orders: no tick at 0.5
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    _month_axis(ax, lang)
    mark_fiscal_years(ax, fiscal_year_start, lang)
    ax.set_title(title)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def plot_kpi_grid(
    kpis: pd.DataFrame,
    kpi_ids: list[str],
    *,
    axes=None,
    lang: str = "en",
    ncols: int = 3,
    targets: dict[str, float | pd.Series] | None = None,
    currency: str = "JPY",
    highlight: pd.Period | str | None = None,
    fiscal_year_start: int | None = None,
) -> np.ndarray:
    """Small multiples: one :func:`plot_kpi_trend` per KPI. Returns the array of Axes.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A long KPI table (``month``, ``kpi``, ``value``), as from
        :func:`playbook.kpis.catalog.compute_kpis`.
    kpi_ids : list of str
        The KPIs to draw, one chart each, in order.
    axes : array of matplotlib.axes.Axes, optional
        Axes to draw on (any shape). By default a new figure with ``ncols``
        columns and as many rows as needed.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    ncols : int, default 3
        Columns of the new figure (ignored when ``axes`` is given).
    targets : dict, optional
        Target per KPI id: a number or a monthly Series (see :func:`plot_kpi_trend`).
    currency : str, default "JPY"
        Currency of money KPIs.
    highlight : pandas.Period or str, optional
        A month marked on every chart.
    fiscal_year_start : int, optional
        Mark each fiscal year's first month (see :func:`plot_kpi_trend`).

    Returns
    -------
    numpy.ndarray
        The flat array of Axes; those beyond the number of KPIs are hidden.

    Raises
    ------
    KeyError
        When an id of ``kpi_ids`` is not a KPI of the catalog.
    """
    if axes is None:
        nrows = -(-len(kpi_ids) // ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(4 * ncols, 2.8 * nrows), squeeze=False)
    flat = np.asarray(axes).ravel()
    for ax, kpi_id in zip(flat, kpi_ids):
        plot_kpi_trend(
            kpis,
            kpi_id,
            ax=ax,
            lang=lang,
            target=(targets or {}).get(kpi_id),
            currency=currency,
            highlight=highlight,
            fiscal_year_start=fiscal_year_start,
        )
    for ax in flat[len(kpi_ids) :]:
        ax.set_visible(False)
    return flat


def plot_mrr_bridge(
    bridge_row: pd.Series | pd.DataFrame, *, ax: Axes | None = None, lang: str = "en", currency: str = "JPY"
) -> Axes:
    """Waterfall of one month's MRR bridge: start, +new, +reactivation, +expansion, -contraction, -churned, end.

    Parameters
    ----------
    bridge_row : pandas.Series or pandas.DataFrame
        One month of :func:`playbook.kpis.revenue.mrr_bridge` (for a DataFrame,
        its first row): ``month``, ``mrr_start``, ``new``, ``reactivation``,
        ``expansion``, ``contraction``, ``churned`` and ``mrr_end``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    currency : str, default "JPY"
        Currency of the amounts.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with seven bars, each labelled with its amount. The y axis
        starts at 0, or, when the bridge never goes below half its highest level,
        at a round amount a little below the lowest level it reaches, so that
        moves of a few percent are visible: the axis is then marked as broken (two slashes on the axis, gid
        ``"axis-break"``) and a note on the chart says where it starts (gid
        ``"axis-break-note"``).
    """
    ax = ax or plt.gca()
    row = bridge_row.iloc[0] if isinstance(bridge_row, pd.DataFrame) else bridge_row
    steps = [("new", 1), ("reactivation", 1), ("expansion", 1), ("contraction", -1), ("churned", -1)]
    names = [text(f"charts.bridge_step.{k}", lang) for k in ["start", *(k for k, _ in steps), "end"]]
    bottoms, heights, colors = [0.0], [row["mrr_start"]], ["0.6"]
    level = row["mrr_start"]
    for key, sign in steps:
        delta = sign * row[key]
        bottoms.append(level if delta >= 0 else level + delta)
        heights.append(abs(delta))
        colors.append("seagreen" if sign > 0 else "indianred")
        level += delta
    bottoms.append(0.0)
    heights.append(row["mrr_end"])
    colors.append("steelblue")
    fmt = money_formatter(currency, lang)
    amounts = [fmt(row["mrr_start"], 0)] + [("+" if sign > 0 else "−") + fmt(row[key], 0) for key, sign in steps]
    names = [f"{n}\n{a}" for n, a in zip(names, amounts + [fmt(row["mrr_end"], 0)])]
    ax.bar(names, heights, bottom=bottoms, color=colors)
    low = min(row["mrr_start"], row["mrr_end"], *(b for b in bottoms[1:-1]))
    top = max(row["mrr_start"], row["mrr_end"], *np.add(bottoms, heights))
    bottom = low - 0.15 * (top - low + 1)
    bottom = bottom if bottom > 0.5 * top else 0.0  # zoom only when it shows what a full axis would flatten
    if bottom > 0:  # a zoomed axis: round it down to 2 significant digits and say so on the chart
        step = 10 ** (np.floor(np.log10(bottom)) - 1)
        bottom = float(np.floor(bottom / step) * step)
        marks = {"transform": ax.transAxes, "color": "0.2", "clip_on": False, "lw": 1.2, "gid": "axis-break"}
        for y in (0.02, 0.05):
            ax.plot((-0.015, 0.015), (y - 0.015, y + 0.015), **marks)
        ax.text(
            0.01,
            0.97,
            label("axis_starts_at", lang).format(fmt(bottom, 0)),
            transform=ax.transAxes,
            va="top",
            fontsize=8,
            color="0.2",
            gid="axis-break-note",
        )
    ax.set_ylim(bottom=bottom)
    ax.yaxis.set_major_formatter(fmt)
    ax.set_title(
        text("charts.bridge_title", lang, title=label("chart_bridge", lang), month=format_month(row["month"], lang))
    )
    ax.tick_params(axis="x", labelsize=8)
    return ax


def _stage_name(stage: str, lang: str) -> str:
    """A funnel stage's name: the words of a known stage, a user's own stage as it is."""
    key = f"charts.stage.{stage}"
    return text(key, lang) if has_text(key) else stage


def plot_funnel(
    counts: pd.DataFrame | None,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    stage_col: str = "stage",
    count_col: str = "count",
) -> Axes:
    """Horizontal funnel of stage counts (in order), each bar labelled with its conversion from the previous stage.

    Parameters
    ----------
    counts : pandas.DataFrame or None
        One row per stage, first stage first, with a stage name and a count, as
        from :func:`playbook.report.kpi_views.funnel_counts`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    stage_col : str, default "stage"
        The column with the stage names.
    count_col : str, default "count"
        The column with the counts.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the funnel on a log-scale x axis (first stage on top), or
        a "not available" note when ``counts`` is None or empty.
    """
    ax = ax or plt.gca()
    if counts is None or counts.empty:
        return _not_available(ax, lang, label("chart_funnel", lang))
    stages = [_stage_name(s, lang) for s in counts[stage_col].astype(str).tolist()[::-1]]
    values = counts[count_col].to_numpy(dtype="float64")[::-1]
    ax.barh(stages, values, color=sns.color_palette("Blues_r", len(values)))
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))  # 100, 1,000 (no math text)
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda x, _: ""))
    ordered = counts[count_col].to_numpy(dtype="float64")
    for i, v in enumerate(values):
        k = len(values) - 1 - i
        step = "" if k == 0 or ordered[k - 1] == 0 else f"  ({ordered[k] / ordered[k - 1]:.1%})"
        ax.annotate(f"{v:,.0f}{step}", (v, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlim(right=values.max() * 8)
    ax.set_title(label("chart_funnel", lang))
    ax.set_xlabel(label("count", lang))
    return ax


def plot_nps_distribution(
    responses: pd.DataFrame | None,
    *,
    by: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    score_col: str = "score",
) -> Axes:
    """Stacked bars of detractors, passives and promoters (share of responses), overall or per group, with the NPS.

    Parameters
    ----------
    responses : pandas.DataFrame or None
        NPS responses, one row each, with a 0-10 score column (and the ``by``
        column when grouping), as from :func:`playbook.report.kpi_views.nps_responses`.
    by : str, optional
        A column to group by (one bar per value); one bar for all responses by default.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    score_col : str, default "score"
        The column with the scores.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with one horizontal bar per group, each annotated with its NPS, its 95 % interval (adjusted Wald,
        :func:`playbook.kpis.voice.nps_interval`) and its number of answers, or a "not available" note when
        ``responses`` is None or empty.
    """
    from playbook.kpis.voice import nps, nps_group

    ax = ax or plt.gca()
    if responses is None or responses.empty:
        return _not_available(ax, lang, label("chart_nps_groups", lang))
    group = nps_group(responses[score_col])
    key = responses[by].astype(str) if by else pd.Series("NPS", index=responses.index)
    shares = pd.crosstab(key, group, normalize="index").reindex(
        columns=["detractor", "passive", "promoter"], fill_value=0
    )
    scores = nps(responses.assign(_g=key), by="_g", score_col=score_col).set_index("_g")
    left = np.zeros(len(shares))
    colors = {"detractor": "indianred", "passive": "0.75", "promoter": "seagreen"}
    for col in shares.columns:
        ax.barh(shares.index, shares[col], left=left, color=colors[col], label=label(col, lang))
        left += shares[col].to_numpy()
    for i, g in enumerate(shares.index):
        s = scores.loc[g]
        ax.annotate(
            text("charts.nps_interval", lang, nps=s["nps"], low=s["ci_low"], high=s["ci_high"], n=int(s["responses"])),
            (1.0, i),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    ax.set_xlim(0, 1.3)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0%}" if x <= 1 else ""))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8, frameon=False)
    ax.set_title(label("chart_nps_groups", lang))
    ax.set_xlabel("")
    return ax


# --------------------------------------------------------------------------- goals

STATUS_COLORS = {
    Status.ACHIEVED: "#2e8b57",
    Status.ON_TRACK: "#9acd32",
    Status.AT_RISK: "#f0a030",
    Status.OFF_TRACK: "#d9534f",
    Status.NO_DATA: "#bbbbbb",
    Status.NO_TARGET: "#bbbbbb",
}


def plot_kpi_tree(
    scorecard: pd.DataFrame | None, tree, *, ax: Axes | None = None, lang: str = "en", currency: str = "JPY"
) -> Axes | None:
    """The KPI tree as a picture: KGI on top, its KFS, their KPIs coloured by this month's status.

    Parameters
    ----------
    scorecard : pandas.DataFrame or None
        The month's scorecard (``GoalReport.card``, from
        :func:`playbook.review.scorecard.scorecard`): one row per KPI goal with
        ``id``, ``kpi`` (its name), ``metric``, ``actual``, ``target`` and ``status``.
    tree : KPITree or None
        The KPI tree (KGI, its KFS and their KPI goals).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure 13 x 4.2 inches.
    lang : {"en", "ja"}, default "en"
        Language of the names and labels.
    currency : str, default "JPY"
        Currency of money KPIs.

    Returns
    -------
    matplotlib.axes.Axes or None
        The Axes (without axis lines) with the tree and a status legend. When
        ``tree`` or ``scorecard`` is None there is nothing to draw: no figure is
        made and None comes back (the notebook's text says why), or, on a given
        ``ax``, a note saying there is no KPI tree.
    """
    from playbook.kpis.catalog import kpi as catalog_kpi

    if tree is None or scorecard is None:
        return None if ax is None else _no_tree_note(ax, lang, "KGI → KFS → KPI")
    ax = ax if ax is not None else plt.subplots(figsize=(13, 4.2))[1]
    ax.set_axis_off()
    card = scorecard.set_index("id")
    kpis = [k for f in tree.kfs for k in f.kpis]
    n = max(len(kpis), 1)
    xs = {k: (i + 0.5) / n for i, k in enumerate(kpis)}
    box = dict(boxstyle="round,pad=0.4", linewidth=0.8)
    kgi_name = tree.kgi.display_name(lang)
    ax.text(0.5, 0.92, f"KGI\n{kgi_name}", ha="center", va="center", fontsize=9, bbox={**box, "facecolor": "#dde6f3"})
    for f in tree.kfs:
        if not f.kpis:
            continue
        fx = float(np.mean([xs[k] for k in f.kpis]))
        ax.plot([0.5, fx], [0.86, 0.62], color="0.6", linewidth=0.8, zorder=0)
        name = f.display_name(lang)
        # at spaces in English; by width where there are none (Japanese), where a character is twice as wide
        wrapped = textwrap.fill(name, width=26 if " " in name else 14)
        ax.text(
            fx, 0.56, f"KFS\n{wrapped}", ha="center", va="center", fontsize=7.5, bbox={**box, "facecolor": "#eeeeee"}
        )
        for k in f.kpis:
            ax.plot([fx, xs[k]], [0.5, 0.27], color="0.6", linewidth=0.8, zorder=0)
            r = card.loc[k]
            unit = catalog_kpi(r["metric"]).unit
            box_text = text(
                "charts.kpi_box",
                lang,
                name=r["kpi"],
                actual=format_value(r["actual"], unit, currency, lang),
                target_word=text("charts.target_now", lang),
                target=format_value(r["target"], unit, currency, lang),
            )
            ax.text(
                xs[k],
                0.2,
                box_text,
                ha="center",
                va="center",
                fontsize=8,
                bbox={**box, "facecolor": STATUS_COLORS.get(r["status"], "#bbbbbb"), "alpha": 0.85},
            )
    handles = [
        matplotlib.patches.Patch(color=c, label=label(s, lang))
        for s, c in STATUS_COLORS.items()
        if s != Status.NO_TARGET
    ]
    ax.legend(handles=handles, loc="lower center", ncol=5, fontsize=7.5, frameon=False, bbox_to_anchor=(0.5, -0.08))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    return ax


def plot_goal_trends(
    history: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    tree,
    *,
    months=None,
    axes=None,
    lang: str = "en",
    ncols: int = 4,
    currency: str = "JPY",
    highlight=None,
    fiscal_year_start: int | None = None,
) -> np.ndarray:
    """Small multiples: each KPI goal's monthly values with its target path (dashed).

    Parameters
    ----------
    history : pandas.DataFrame or None
        The goals' monthly values (``month``, ``goal``, ``value``), as from
        :func:`playbook.review.goals.goal_history`.
    targets : pandas.DataFrame or None
        Target per month (index) and KPI goal id (columns), as from
        :func:`playbook.review.goals.target_paths`.
    tree : KPITree or None
        The KPI tree; one chart per KPI goal.
    months : sequence of pandas.Period, optional
        Only these months are drawn; all months of ``history`` by default.
    axes : array of matplotlib.axes.Axes, optional
        Axes to draw on. By default a new figure with ``ncols`` columns.
    lang : {"en", "ja"}, default "en"
        Language of the labels and goal names.
    ncols : int, default 4
        Columns of the new figure (ignored when ``axes`` is given).
    currency : str, default "JPY"
        Currency of money KPIs.
    highlight : pandas.Period or str, optional
        A month marked on every chart.
    fiscal_year_start : int, optional
        Mark each fiscal year's first month (see :func:`plot_kpi_trend`).

    Returns
    -------
    numpy.ndarray
        The flat array of Axes (those beyond the number of goals hidden; the
        legend only on the first); a figure made here is laid out tightly.
        Without a tree or history there is nothing to draw: an empty array and no
        figure (the notebook's text says why).
    """
    if tree is None or history is None:
        return np.array([], dtype=object)
    goals_ = list(tree.kpis)
    own = axes is None
    if own:
        nrows = -(-len(goals_) // ncols)
        _, axes = plt.subplots(nrows, ncols, figsize=(3.4 * ncols, 2.6 * nrows), squeeze=False)
    flat = np.asarray(axes).ravel()
    for i, (ax, g) in enumerate(zip(flat, goals_)):
        h = history[history["goal"] == g.id]
        if months is not None:
            h = h[h["month"].isin(months)]
        target = targets[g.id].reindex(h["month"].unique())
        plot_kpi_trend(
            h.assign(kpi=g.metric),
            g.metric,
            ax=ax,
            lang=lang,
            target=target,
            currency=currency,
            highlight=highlight,
            title=g.name(lang),
            legend=i == 0,
            fiscal_year_start=fiscal_year_start,
        )
        ax.title.set_fontsize(9)
    for ax in flat[len(goals_) :]:
        ax.set_visible(False)
    if own:
        flat[0].figure.tight_layout()
    return flat


def plot_kgi_projection(
    kpis: pd.DataFrame,
    projection: dict,
    tree,
    month,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    currency: str = "JPY",
    fiscal_year_start: int | None = None,
) -> Axes | None:
    """The KGI metric's history, the run-rate projection to the deadline, and the target.

    Parameters
    ----------
    kpis : pandas.DataFrame
        A long KPI table (``month``, ``kpi``, ``value``) holding the KGI metric,
        as from :func:`playbook.kpis.catalog.compute_kpis`.
    projection : dict
        The result of :func:`playbook.review.goals.kgi_projection` (or
        ``GoalReport.projection()``): ``applicable``, ``current`` and ``projected``.
    tree : KPITree or None
        The KPI tree; its KGI gives the metric, the deadline and the target.
    month : pandas.Period or str
        The review month, where the projection line starts.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure 9 x 3.4 inches.
    lang : {"en", "ja"}, default "en"
        Language of the labels.
    currency : str, default "JPY"
        Currency of the y axis.
    fiscal_year_start : int, optional
        Mark each fiscal year's first month (see :func:`plot_kpi_trend`).

    Returns
    -------
    matplotlib.axes.Axes or None
        The Axes with the history line, a dashed run-rate line from the review
        month to the deadline and the target as a red dot. When there is no tree
        or the projection does not apply (a KGI that is not ARR or MRR) there is
        nothing to draw: no figure is made and None comes back (the projection's
        text says why), or, on a given ``ax``, a note with the reason.
    """
    if tree is None or not projection.get("applicable"):
        if ax is None:
            return None
        return _no_tree_note(ax, lang, "KGI") if tree is None else _not_available(ax, lang, "KGI", projection["reason"])
    ax = ax if ax is not None else plt.subplots(figsize=(9, 3.4))[1]
    metric = tree.kgi.metric
    h = kpis[kpis["kpi"] == metric]
    x = pd.PeriodIndex(h["month"], freq="M").to_timestamp()
    ax.plot(x, h["value"], marker="o", markersize=3, label=label(metric, lang))
    month = pd.Period(month, freq="M")
    end = tree.kgi.deadline.to_timestamp()
    ax.plot(
        [month.to_timestamp(), end],
        [projection["current"], projection["projected"]],
        linestyle="--",
        color="0.4",
        label=text("charts.run_rate", lang),
    )
    ax.scatter([end], [tree.kgi.target], color="crimson", zorder=3, label=label("target", lang))
    ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    _month_axis(ax, lang)
    mark_fiscal_years(ax, fiscal_year_start, lang)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title(text("charts.kgi_title", lang, name=label(metric, lang)))
    return ax


# --------------------------------------------------------------------------- cohorts, RFM and health


def _cohort_name(cohort, lang: str) -> str:
    """A cohort's row label: its month as the language writes it (2026年4月), anything else as it is."""
    try:
        return format_month(pd.Period(str(cohort), freq="M"), lang)
    except ValueError:
        return str(cohort)


def plot_cohort_heatmap(
    matrix: pd.DataFrame | None,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    max_k: int = 12,
    title: str = "",
    percent: bool = True,
    currency: str = "JPY",
) -> Axes:
    """Cohort heatmap: rows = cohorts (with their size), columns = periods since start; future cells blank.

    Parameters
    ----------
    matrix : pandas.DataFrame or None
        A cohort matrix from :func:`playbook.analyses.cohorts.cohort_matrix`: one
        row per cohort, a ``size`` column and one column per period since start
        (0, 1, 2, ...). A "weighted average" row is left out.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the labels and amounts.
    max_k : int, default 12
        The last period since start shown.
    title : str, default ""
        The chart title.
    percent : bool, default True
        Cells are shares (coloured from 0 to 1, written as percentages); with
        False they are amounts written as money (e.g. the ``ltv`` view).
    currency : str, default "JPY"
        Currency of the amounts when ``percent`` is False.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the annotated heatmap, rows labelled with the cohort and
        its size, or a note when ``matrix`` is None or empty.
    """
    ax = ax or plt.gca()
    if matrix is None or matrix.empty:
        return _not_available(ax, lang, title, None if matrix is None else matrix.attrs.get("note"))
    m = matrix.drop(index="weighted average", errors="ignore")
    sizes = m["size"]
    values = m.drop(columns="size").loc[:, lambda d: [c for c in d.columns if int(c) <= max_k]]
    annot = values.map(
        lambda v: "" if pd.isna(v) else (f"{v:.0%}" if percent else money_formatter(currency, lang)(v, 0))
    )
    sns.heatmap(
        values,
        ax=ax,
        cmap="YlGnBu",
        annot=annot.to_numpy(),
        fmt="",
        annot_kws={"fontsize": 6.5},
        cbar=False,
        linewidths=0.3,
        linecolor="white",
        vmin=0,
        vmax=1 if percent else None,
    )
    ax.set_yticks(np.arange(len(m)) + 0.5)
    ax.set_yticklabels([f"{_cohort_name(c, lang)} (n={int(n)})" for c, n in zip(m.index, sizes)], fontsize=7)
    quarterly = any(re.search(r"Q\d|四半期", str(c)) for c in m.index)  # purchase cohorts are quarters
    ax.set_xlabel(text("charts.purchase_quarters" if quarterly else "charts.months_since_start", lang))
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def plot_retention_curves(
    curves: pd.DataFrame | None,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    title: str = "",
    max_k: int | None = None,
) -> Axes:
    """Kaplan-Meier survival curves as steps, one per segment, with shaded confidence bands; y from 0% to 100%.

    Parameters
    ----------
    curves : pandas.DataFrame or None
        A long table as from :func:`playbook.report.customer_views.retention_by_segment`
        (or :func:`playbook.analyses.survival.survival_by_segment`): ``month`` (months since
        start), ``survival``, ``ci_low``, ``ci_high``, ``at_risk`` and, for several curves,
        ``segment``; ``attrs["level"]``, when set, is the confidence level named in the legend
        (95% otherwise). A curve is drawn as a step that holds its value until the next month
        with a stop, so it never rises; the band is left out where the interval is NaN.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the axis label and the legend title.
    title : str, default ""
        The chart title.
    max_k : int, optional
        The last month since start drawn; all months of ``curves`` by default.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with one step line per segment (labelled with its number of accounts),
        its band, the y axis in percent from 0 to 100%, and a legend; or a note (``curves.attrs["note"]``
        when set) when ``curves`` is None or empty.

    Raises
    ------
    ValueError
        If ``curves`` lacks one of the columns above.
    """
    ax = ax or plt.gca()
    if curves is None or curves.empty:
        return _not_available(ax, lang, title, None if curves is None else curves.attrs.get("note"))
    need = {"month", "survival", "ci_low", "ci_high", "at_risk"}
    if not need <= set(curves.columns):
        raise ValueError(f"curves needs the columns {sorted(need)}; got {list(curves.columns)}")
    c = curves if "segment" in curves.columns else curves.assign(segment="all")
    if max_k is not None:
        c = c[c["month"] <= max_k]
    palette = sns.color_palette()
    for i, (name, g) in enumerate(c.groupby("segment", sort=True)):
        g = g.sort_values("month")
        color = palette[i % len(palette)]
        x = g["month"].to_numpy(dtype="float64")
        # a step drawn to the end of its last month, so the last value has a visible width
        xs = np.append(x, x[-1] + 1)
        ys = np.append(g["survival"].to_numpy(dtype="float64"), g["survival"].iloc[-1])
        lo = np.append(g["ci_low"].to_numpy(dtype="float64"), g["ci_low"].iloc[-1])
        hi = np.append(g["ci_high"].to_numpy(dtype="float64"), g["ci_high"].iloc[-1])
        ax.fill_between(xs, lo, hi, step="post", color=color, alpha=0.18, linewidth=0)
        n = int(g["at_risk"].iloc[0])
        ax.step(xs, ys, where="post", color=color, linewidth=1.8, label=f"{name} (n={n:,})")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel(text("charts.months_since_first_paid", lang))
    level = f"{curves.attrs.get('level', 0.95):.0%}"
    band = text("charts.confidence_band", lang, level=level)
    ax.legend(fontsize=8, frameon=False, title=band, title_fontsize=7.5, loc="lower left")
    ax.set_title(title)
    return ax


def plot_band_churn(table: pd.DataFrame | None, *, ax: Axes | None = None, lang: str = "en", title: str = "") -> Axes:
    """Churn rate in the next months by health band, with the Wilson interval as error bars.

    Parameters
    ----------
    table : pandas.DataFrame or None
        The band table of :func:`playbook.analyses.health.backtest`: rows red,
        yellow, green (in that order; colours follow the position) with ``band``,
        ``account_months``, ``churn_rate``, ``ci_low`` and ``ci_high``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the "not available" note.
    title : str, default ""
        The chart title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with one bar per band, annotated with the rate and the number of
        account-months, or a note when ``table`` is None or has no accounts.
    """
    ax = ax or plt.gca()
    if table is None or table["account_months"].sum() == 0:
        return _not_available(ax, lang, title)
    rate = table["churn_rate"].to_numpy(dtype="float64")
    err = np.clip(np.vstack([rate - table["ci_low"].to_numpy(), table["ci_high"].to_numpy() - rate]), 0, None)
    colors = [STATUS_COLORS[Status.OFF_TRACK], STATUS_COLORS[Status.AT_RISK], STATUS_COLORS[Status.ACHIEVED]]
    ax.bar([label(str(b), lang) for b in table["band"]], rate, yerr=err, color=colors[: len(rate)], capsize=4)
    for i, (r, n, top) in enumerate(zip(rate, table["account_months"], table["ci_high"].to_numpy(dtype="float64"))):
        # above the error bar, so the bar never runs through the label
        ax.annotate(
            f"{r:.1%}\n(n={n:,})", (i, max(r, top)), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8
        )
    ax.set_ylim(top=max(float(np.nanmax(table["ci_high"])), float(np.nanmax(rate))) * 1.3)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_title(title)
    return ax


def plot_migration(matrix: pd.DataFrame | None, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Heatmap of a segment transition matrix (rows = before, columns = now), with counts.

    Parameters
    ----------
    matrix : pandas.DataFrame or None
        Integer customer counts with rows = segment before and columns = segment
        now, as from :func:`playbook.report.customer_views.migration_view`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; the current Axes by default.
    lang : {"en", "ja"}, default "en"
        Language of the title and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes with the annotated heatmap, or a note when ``matrix`` is None
        or empty.
    """
    ax = ax or plt.gca()
    title = label("segment_migration", lang)
    if matrix is None or matrix.empty:
        return _not_available(ax, lang, title, None if matrix is None else matrix.attrs.get("note"))
    sns.heatmap(matrix, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, annot_kws={"fontsize": 8})
    ax.set_xlabel(label("segment_now", lang))
    ax.set_ylabel(label("segment_before", lang))
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- voice of the customer

#: The y range of each voice KPI's chart: its whole scale, so the width of an interval reads at a glance.
VOICE_AXES = {"nps": (-100.0, 100.0), "csat": (0.0, 1.0), "ces": (0.0, 1.0), "support_rating": (0.0, 1.0)}


def plot_voice_kpis(
    table,
    *,
    axes=None,
    lang: str = "en",
    kpis: tuple[str, ...] = ("nps", "csat", "ces"),
    highlight: pd.Period | str | None = None,
) -> np.ndarray:
    """NPS, CSAT and CES per month as points with their 95 % interval as error bars, one chart each.

    Every month of the window is on the x axis, so months without answers show as gaps; each y axis spans the
    KPI's whole scale (NPS -100 to 100, shares 0-100 %, the mean CES 1-7).

    Parameters
    ----------
    table : VoiceTable or pandas.DataFrame
        The result of :func:`playbook.report.kpi_views.voice_table`, or a table like its ``data``: one row per KPI
        and month with ``month``, ``kpi``, ``n``, ``value``, ``ci_low`` and ``ci_high``.
    axes : array of matplotlib.axes.Axes, optional
        Axes to draw on (any shape, at least one per KPI). By default a new figure with one row of charts.
    lang : {"en", "ja"}, default "en"
        Language of the titles.
    kpis : tuple of str, default ("nps", "csat", "ces")
        The KPIs drawn, one chart each: ``nps``, ``csat``, ``ces`` (share of easy answers) or ``ces_mean``.
    highlight : pandas.Period or str, optional
        A month marked by a dotted vertical line.

    Returns
    -------
    numpy.ndarray
        The flat array of Axes; those beyond the number of KPIs are hidden. A KPI without answers in the window
        shows the note "no answers in these months" instead. A point whose interval cannot be computed (the mean
        CES of a single answer) is drawn as an open circle without a bar.
    """
    from playbook.kpis.catalog import kpi as catalog_kpi

    data = getattr(table, "data", table)
    months = getattr(table, "months", None)
    if months is None:
        months = pd.period_range(data["month"].min(), data["month"].max(), freq="M") if len(data) else None
    if axes is None:
        _, axes = plt.subplots(1, len(kpis), figsize=(4.3 * len(kpis), 3.2), squeeze=False)
    flat = np.asarray(axes).ravel()
    span = 0 if months is None else len(months)
    for ax, kpi_id in zip(flat, kpis):
        rows = data[(data["kpi"] == kpi_id) & data["value"].notna()].sort_values("month")
        name = label(kpi_id, lang)
        title = text("charts.answers_in_months", lang, name=name, n=len(rows), span=span)
        if rows.empty:
            _not_available(ax, lang, title, text("charts.no_answers", lang))
            continue
        x = pd.PeriodIndex(rows["month"], freq="M").to_timestamp()
        value = rows["value"].to_numpy(dtype="float64")
        lo, hi = rows["ci_low"].to_numpy(dtype="float64"), rows["ci_high"].to_numpy(dtype="float64")
        has = ~np.isnan(lo) & ~np.isnan(hi)
        color = sns.color_palette()[0]
        err = np.clip(np.vstack([value[has] - lo[has], hi[has] - value[has]]), 0, None)
        ax.errorbar(x[has], value[has], yerr=err, fmt="o", markersize=4, capsize=3, color=color, elinewidth=1.2)
        if not has.all():
            ax.plot(x[~has], value[~has], "o", markersize=4, markerfacecolor="white", color=color)
        ax.set_ylim(*VOICE_AXES.get(kpi_id, (1.0, 7.0)))
        if kpi_id == "nps":
            ax.axhline(0, color="0.6", linewidth=0.8)
        fmt = unit_formatter(catalog_kpi(kpi_id).unit, lang=lang)
        if fmt is not None:
            ax.yaxis.set_major_formatter(fmt)
        ax.set_xlim(months[0].start_time - pd.Timedelta(days=20), months[-1].start_time + pd.Timedelta(days=20))
        if highlight is not None:
            ax.axvline(pd.Period(highlight, freq="M").to_timestamp(), color="0.5", linestyle=":", linewidth=1)
        _month_axis(ax, lang)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("")
        ax.set_ylabel("")
    for ax in flat[len(kpis) :]:
        ax.set_visible(False)
    return flat
