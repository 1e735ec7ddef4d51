"""Charts: ``plot_x(data, *, ax=None, lang="en", ...) -> Axes``; they never show or save.

``use_theme(lang)`` sets one seaborn theme with a font that has Japanese glyphs
(IPAexGothic from matplotlib-fontja), for both languages, so labels render the
same way in JupyterLab, papermill and the HTML report.
"""

from __future__ import annotations

import matplotlib

import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401  (registers the IPAexGothic font)
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from playbook.labels import label
from playbook.schema import TABLES

__all__ = ["use_theme", "money_formatter", "plot_monthly", "plot_row_coverage"]

FONT = "IPAexGothic"
CURRENCY_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}


def use_theme(lang: str = "en") -> None:
    """Apply the playbook's chart theme (call once per notebook)."""
    # set_theme resets the font family, so the Japanese-capable font is passed to it
    sns.set_theme(style="whitegrid", font=FONT, rc={"axes.unicode_minus": False, "figure.dpi": 100,
                                                  "figure.figsize": (9, 3.6)})
    matplotlib.rcParams["font.family"] = [FONT]


def money_formatter(currency: str = "JPY", lang: str = "en") -> FuncFormatter:
    """Axis formatter for amounts: ``¥32.9M`` in English, ``3,290万円`` for JPY in Japanese.

    Examples
    --------
    >>> money_formatter("JPY", "en")(32_900_000, 0)
    '¥32.9M'
    >>> money_formatter("JPY", "ja")(32_900_000, 0)
    '3,290万円'
    """
    if lang == "ja" and currency == "JPY":
        return FuncFormatter(lambda x, _: f"{x / 1e4:,.0f}万円")
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")

    def fmt(x, _):
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= div:
                return f"{symbol}{x / div:,.1f}{suffix}"
        return f"{symbol}{x:,.0f}"

    return FuncFormatter(fmt)


def plot_monthly(data: pd.DataFrame, y: str, *, ax: Axes | None = None, lang: str = "en", kind: str = "line",
                 month_col: str = "month", title: str | None = None, currency: str | None = None,
                 highlight: pd.Period | str | None = None, color: str | None = None) -> Axes:
    """One monthly series as a line or bars, with the review month highlighted.

    ``currency`` formats the y axis as money; labels come from
    :func:`playbook.labels.label`.
    """
    ax = ax or plt.gca()
    x = pd.PeriodIndex(data[month_col], freq="M").to_timestamp()
    values = data[y].astype("float64").to_numpy()
    ax.set_title(title or label(y, lang))
    if np.isnan(values).all():
        ax.text(0.5, 0.5, label("not_available", lang), ha="center", va="center", transform=ax.transAxes, color="0.4")
        ax.set_xticks([])
        ax.set_yticks([])
        return ax
    color = color or sns.color_palette()[0]
    if kind == "bar":
        ax.bar(x, values, width=20, color=color)
    else:
        ax.plot(x, values, marker="o", markersize=3, color=color)
    if highlight is not None:
        h = pd.Period(highlight, freq="M").to_timestamp()
        ax.axvline(h, color="0.4", linestyle="--", linewidth=1)
        ax.annotate(label("review_month", lang), (h, 1), xycoords=("data", "axes fraction"),
                    xytext=(-4, -12), textcoords="offset points", ha="right", fontsize=8, color="0.3")
    ax.set_xlabel("")
    ax.set_ylabel(label(y, lang))
    ax.xaxis.set_major_locator(matplotlib.dates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y-%m"))
    if currency:
        ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    ax.set_ylim(bottom=0)
    return ax


def plot_row_coverage(counts: pd.DataFrame, *, ax: Axes | None = None, lang: str = "en",
                      outline: list[str] | None = None) -> Axes:
    """Heatmap of rows per table and month; months with no rows are blank.

    Empty months inside a table's own date range are outlined in red for the
    tables in ``outline`` (default: the tables the contract expects to have rows
    every month).
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
    step = max(1, len(counts.columns) // 12)
    ax.set_xticks(np.arange(0, len(counts.columns), step) + 0.5)
    ax.set_xticklabels(counts.columns[::step], rotation=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(label("chart_coverage", lang))
    return ax
