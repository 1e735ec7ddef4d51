"""The revenue forecast with ranges, in the reader's language: a table, the sentences and the chart.

The numbers come from :func:`playbook.review.forecast.kgi_forecast` (its docstring states the method); this
module only words and draws them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes

from playbook.report.formatting import format_month, format_value, money_formatter
from playbook.report.labels import label
from playbook.report.plots import _month_axis, _not_available, mark_fiscal_years
from playbook.review.forecast import SCENARIOS, ForecastCode
from playbook.texts import text

__all__ = ["forecast_table", "forecast_rates_table", "forecast_text", "plot_mrr_forecast"]


def _money(value: float, currency: str, lang: str) -> str:
    return format_value(value, "currency", currency, lang)


def forecast_table(forecast: dict, *, lang: str = "en", currency: str = "JPY") -> pd.DataFrame | None:
    """The forecast month by month: downside, base and upside, and the KGI's target in its deadline month.

    Parameters
    ----------
    forecast : dict
        The result of :func:`playbook.review.forecast.kgi_forecast`.
    lang : {"en", "ja"}, default "en"
        The language of the headers and months.
    currency : str, default "JPY"
        The currency of the amounts.

    Returns
    -------
    pandas.DataFrame or None
        Indexed by month (``2027年3月`` in Japanese), one column per scenario, worst first, and a target column
        when the KGI's deadline is in the forecast (empty but in the deadline month); amounts formatted as text.
        None when there is nothing to forecast (:func:`forecast_text` says why).

    Examples
    --------
    >>> b = pd.DataFrame({"month": pd.period_range("2026-08", "2026-10", freq="M"), "mrr_start": [1000.0] * 3,
    ...     "new": [10.0] * 3, "reactivation": [0.0] * 3, "expansion": [0.0] * 3, "contraction": [0.0] * 3,
    ...     "churned": [10.0] * 3, "mrr_end": [1000.0] * 3})
    >>> from playbook.review.forecast import kgi_forecast
    >>> forecast_table(kgi_forecast(b, "2026-10", horizon=2), lang="ja")
               下振れ       基本      上振れ
    2026年11月  1.2万円  1.2万円  1.2万円
    2026年12月  1.2万円  1.2万円  1.2万円
    """
    if forecast["code"] == ForecastCode.NO_BRIDGE_ROW:
        return None
    t = forecast["table"]
    out = pd.DataFrame(
        {text(f"forecast.scenario.{s}", lang): [_money(v, currency, lang) for v in t[s]] for s in SCENARIOS},
        index=[format_month(m, lang) for m in t["month"]],
    )
    if forecast["code"] == ForecastCode.TARGET:
        out[text("forecast.col.target", lang)] = ["" if pd.isna(v) else _money(v, currency, lang) for v in t["target"]]
    return out


def forecast_rates_table(forecast: dict, *, lang: str = "en", currency: str = "JPY") -> pd.DataFrame | None:
    """The four components behind each scenario: new MRR a month, and the expansion, contraction and churn rates.

    Parameters
    ----------
    forecast : dict
        The result of :func:`playbook.review.forecast.kgi_forecast`.
    lang : {"en", "ja"}, default "en"
        The language of the headers.
    currency : str, default "JPY"
        The currency of new MRR.

    Returns
    -------
    pandas.DataFrame or None
        One row per component (its name in ``lang``), one column per scenario: new MRR as money, the rates as
        percentages of the month's starting MRR. When contracts renew in their end months (``method``
        ``renewals``), the monthly plans' four components, then the contracts' new MRR, expansion rate and ARR
        renewal rate. None when there is nothing to forecast.
    """
    if forecast["code"] == ForecastCode.NO_BRIDGE_ROW:
        return None
    r = forecast["rates"]
    group = "monthly" if forecast.get("method") == "renewals" else "component"
    rows = {}
    for component, row in r.iterrows():
        unit = "currency" if row["kind"] == "amount" else "ratio"
        name = text(f"forecast.{group}.{component}", lang)
        rows[name] = {
            text(f"forecast.scenario.{s}", lang): format_value(row[s], unit, currency, lang) for s in SCENARIOS
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def forecast_text(forecast: dict, *, lang: str = "en", currency: str = "JPY") -> str:
    """Where the KGI lands in each scenario, and the method, in words (Markdown).

    Parameters
    ----------
    forecast : dict
        The result of :func:`playbook.review.forecast.kgi_forecast`.
    lang : {"en", "ja"}, default "en"
        The language.
    currency : str, default "JPY"
        The currency of the amounts.

    Returns
    -------
    str
        With a revenue KGI whose deadline is ahead: the metric at the deadline in each scenario against the
        target, which scenarios reach it, and (when the base misses it but reaches it within the forecast) the
        month it does. Otherwise the sentence saying why there is no target, and the metric at the forecast's
        last month in each scenario. Then the method, as a second paragraph. Without a bridge row for the month:
        the one sentence saying so.
    """
    code = forecast["code"]
    metric = forecast["metric"].upper()
    if code == ForecastCode.NO_BRIDGE_ROW:
        return text("forecast.no_bridge_row", lang, month=format_month(forecast["month"], lang))
    f = lambda v: _money(v, currency, lang)
    q_low, q_high = forecast["quantiles"]
    method = text(
        "forecast.method",
        lang,
        base=forecast["base_window"],
        range=forecast["range_window"],
        low=f"{100 * q_low:g}",
        high=f"{100 * q_high:g}",
    )
    sep = text("forecast.sentence_sep", lang)
    if forecast.get("method") == "renewals":
        rr = forecast["renewal"]
        ratio = lambda v: format_value(v, "ratio", currency, lang)
        method += sep + text(
            "forecast.method_renewals",
            lang,
            window=forecast["renewal_window"],
            contracts=rr["contracts"],
            **{s: ratio(rr[s]) for s in SCENARIOS},
        )
    else:
        method += sep + text("forecast.method_spread", lang)
    if code == ForecastCode.TARGET:
        land, target = forecast["landing"], forecast["target"]
        reach = "all" if land["downside"] >= target else "base" if land["base"] >= target else None
        reach = reach or ("upside" if land["upside"] >= target else "none")
        parts = [
            text(
                "forecast.landing",
                lang,
                deadline=format_month(forecast["deadline"], lang),
                metric=metric,
                target=f(target),
                current=f(forecast["current"]),
                reach=text(f"forecast.reach.{reach}", lang),
                **{s: f(land[s]) for s in SCENARIOS},
            )
        ]
        late = forecast["reaches"]["base"]
        if reach in ("upside", "none") and late is not None:
            n = (late - forecast["deadline"]).n
            parts.append(text("forecast.late", lang, month=format_month(late, lang), n=n))
        return text("forecast.sentence_sep", lang).join(parts) + "\n\n" + method
    if code == ForecastCode.PASSED:
        why = text("forecast.passed", lang, deadline=format_month(forecast["deadline"], lang))
    elif code == ForecastCode.NOT_REVENUE:
        why = text("forecast.not_revenue", lang, metric=forecast["metric"])
    else:
        why = text("forecast.no_tree", lang)
    last = forecast["table"].iloc[-1]
    where = text(
        "forecast.no_target",
        lang,
        metric=metric,
        month=format_month(last["month"], lang),
        current=f(forecast["current"]),
        **{s: f(last[s]) for s in SCENARIOS},
    )
    return text("forecast.sentence_sep", lang).join([why, where]) + "\n\n" + method


def plot_mrr_forecast(
    forecast: dict,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    currency: str = "JPY",
    history_months: int = 24,
    fiscal_year_start: int | None = None,
) -> Axes:
    """The metric so far, the base scenario dashed, the downside-to-upside band shaded, and the KGI's target.

    Parameters
    ----------
    forecast : dict
        The result of :func:`playbook.review.forecast.kgi_forecast` (ARR or MRR, as the KGI).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure 9 x 3.4 inches.
    lang : {"en", "ja"}, default "en"
        The language of the title, legend and month ticks.
    currency : str, default "JPY"
        The currency of the y axis.
    history_months : int, default 24
        How many months of actuals to show before the forecast.
    fiscal_year_start : int, optional
        The dataset's fiscal year start: each fiscal year's first month is marked by a thin line labelled
        FY2026 / 2026年度 (:func:`playbook.report.plots.mark_fiscal_years`). None marks nothing.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes: the actual line up to the review month, the base scenario as a dashed line from it, the band
        between the downside and the upside shaded, and the target as a red dot in its deadline month when the
        deadline is in the forecast. Without a bridge row for the month, a note saying so.
    """
    ax = ax if ax is not None else plt.subplots(figsize=(9, 3.4))[1]
    name = label(forecast["metric"], lang)
    title = text("forecast.title", lang, name=name)
    if forecast["code"] == ForecastCode.NO_BRIDGE_ROW:
        return _not_available(ax, lang, title, forecast_text(forecast, lang=lang, currency=currency))
    seen = forecast["observed"].tail(history_months)
    t = forecast["table"]
    now = pd.Period(forecast["month"], freq="M")
    # the forecast lines start at the review month's actual value, so they join the actual line
    months = pd.PeriodIndex([now, *t["month"]], freq="M").to_timestamp()
    path = {s: [forecast["current"], *t[s]] for s in SCENARIOS}
    ax.plot(
        pd.PeriodIndex(seen["month"], freq="M").to_timestamp(),
        seen["value"],
        marker="o",
        markersize=3,
        label=text("forecast.observed", lang),
    )
    ax.fill_between(months, path["downside"], path["upside"], color="C0", alpha=0.15, label=text("forecast.band", lang))
    ax.plot(months, path["base"], linestyle="--", color="0.3", label=text("forecast.base_line", lang))
    if forecast["code"] == ForecastCode.TARGET:
        ax.scatter(
            [forecast["deadline"].to_timestamp()],
            [forecast["target"]],
            color="crimson",
            zorder=3,
            label=label("target", lang),
        )
    ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    _month_axis(ax, lang)
    mark_fiscal_years(ax, fiscal_year_start, lang)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    ax.set_title(title)
    return ax
