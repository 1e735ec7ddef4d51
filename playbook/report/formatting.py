"""How numbers read: KPI values, changes and axis ticks in a unit, a currency and a language."""

from __future__ import annotations

import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

__all__ = ["CURRENCY_SYMBOLS", "money_formatter", "unit_formatter", "format_value", "format_change"]

CURRENCY_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}


def money_formatter(currency: str = "JPY", lang: str = "en") -> FuncFormatter:
    """Axis formatter for amounts: ``¥32.9M`` in English, ``3,290万円`` for JPY in Japanese.

    Parameters
    ----------
    currency : str, default "JPY"
        The currency code: ``JPY``, ``USD``, ``EUR`` and ``GBP`` get their symbol, any other code is
        written before the amount.
    lang : {"en", "ja"}, default "en"
        Japanese gives amounts in 万円 and 億円 for JPY; other currencies read the same in both languages.

    Returns
    -------
    matplotlib.ticker.FuncFormatter
        A tick formatter, called as ``formatter(x, pos)``. Outside Japanese JPY, amounts of a thousand or
        more are shortened with ``k``, ``M`` or ``B`` and one decimal.

    Examples
    --------
    >>> money_formatter("JPY", "en")(32_900_000, 0)
    '¥32.9M'
    >>> money_formatter("JPY", "ja")(32_900_000, 0), money_formatter("JPY", "ja")(477_510_000, 0)
    ('3,290万円', '4.78億円')
    >>> money_formatter("JPY", "ja")(14_280, 0), money_formatter("JPY", "ja")(5_000, 0)
    ('1.4万円', '5,000円')
    """
    if lang == "ja" and currency == "JPY":

        def ja(x, _):
            a = abs(x)
            if a >= 1e8:
                return f"{x / 1e8:,.2f}億円"
            if a >= 1e6:
                return f"{x / 1e4:,.0f}万円"
            if a >= 1e4:
                return f"{x / 1e4:,.1f}万円"
            return f"{x:,.0f}円"

        return FuncFormatter(ja)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")

    def fmt(x, _):
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(x) >= div:
                return f"{symbol}{x / div:,.1f}{suffix}"
        return f"{symbol}{x:,.0f}"

    return FuncFormatter(fmt)


def unit_formatter(unit: str, currency: str = "JPY", lang: str = "en") -> FuncFormatter | None:
    """Axis formatter for a catalog unit: percentages for ratios, money for currency.

    Parameters
    ----------
    unit : str
        The KPI's unit in the catalog (``ratio``, ``multiple``, ``currency``, ``count``, ...).
    currency : str, default "JPY"
        The currency of ``currency`` amounts.
    lang : {"en", "ja"}, default "en"
        The language of money amounts (:func:`money_formatter`).

    Returns
    -------
    matplotlib.ticker.Formatter or None
        A percent formatter for ``ratio`` (1.0 = 100%), ``1.5x`` ticks for ``multiple``,
        :func:`money_formatter` for ``currency``; None (matplotlib's default ticks) for any other unit.
    """
    if unit == "ratio":
        return PercentFormatter(xmax=1.0, decimals=None)  # decimals follow the axis range
    if unit == "multiple":
        return FuncFormatter(lambda x, _: f"{x:.1f}x")
    if unit == "currency":
        return money_formatter(currency, lang)
    return None


def format_value(value: float, unit: str, currency: str = "JPY", lang: str = "en") -> str:
    """A KPI value as a reader expects it: 97.6%, ¥32.9M, 12.4 pts, 475, 3.7 months.

    Parameters
    ----------
    value : float
        The KPI value; None or NaN gives ``–``.
    unit : str
        The catalog unit: ``ratio`` (a percentage with one decimal), ``multiple`` (``1.5x``),
        ``currency`` (as :func:`money_formatter`), ``points`` (signed, one decimal), ``count`` and
        ``users`` (whole numbers, one decimal when not whole), ``months``, ``hours`` and ``minutes`` (one
        decimal and the unit); any other unit two decimals.
    currency : str, default "JPY"
        The currency of ``currency`` values.
    lang : {"en", "ja"}, default "en"
        The language of money amounts and unit words.

    Returns
    -------
    str
        The formatted value.

    Examples
    --------
    >>> format_value(0.976, "ratio"), format_value(32_896_600, "currency"), format_value(12.38, "points")
    ('97.6%', '¥32.9M', '+12.4')
    >>> format_value(float("nan"), "ratio")
    '–'
    """
    if value is None or pd.isna(value):
        return "–"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "multiple":
        return f"{value:.1f}x"
    if unit == "currency":
        return money_formatter(currency, lang)(value, 0)
    if unit == "points":
        return f"{value:+.1f}"
    if unit in ("count", "users"):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    suffix = {"months": (" months", "か月"), "hours": (" h", "時間"), "minutes": (" min", "分")}.get(unit)
    if suffix:
        return f"{value:,.1f}{suffix[1] if lang == 'ja' else suffix[0]}"
    return f"{value:,.2f}"


def format_change(now: float, before: float, unit: str, currency: str = "JPY", lang: str = "en") -> str:
    """The change from ``before`` to ``now``: points for ratios and NPS, percent for levels.

    Parameters
    ----------
    now : float
        The current value.
    before : float
        The earlier value.
    unit : str
        The catalog unit: a ``ratio`` changes in percentage points, ``points`` in points, ``count`` and
        ``users`` in whole numbers, a ``multiple`` in ``x``; any other unit (currency, months, ...) as a
        percent of ``before``.
    currency : str, default "JPY"
        Not used: the change of an amount is a percent.
    lang : {"en", "ja"}, default "en"
        Not used: the text is the same in both languages.

    Returns
    -------
    str
        The signed change (``+``, ``−``, or ``±0`` when it rounds to zero); ``–`` when either value is
        missing, or for a percent change from 0.

    Examples
    --------
    >>> format_change(0.976, 0.984, "ratio"), format_change(110.0, 100.0, "currency"), format_change(3.0, 3.0, "count")
    ('−0.8 pts', '+10.0%', '±0')
    """
    if pd.isna(now) or pd.isna(before):
        return "–"
    diff = now - before
    if unit in ("ratio", "points"):
        pts = diff * 100 if unit == "ratio" else diff
        return "±0 pts" if round(pts, 1) == 0 else f"{'+' if pts > 0 else '−'}{abs(pts):.1f} pts"
    if unit in ("count", "users"):
        return "±0" if diff == 0 else f"{'+' if diff > 0 else '−'}{abs(diff):,.0f}"
    if unit == "multiple":
        return "±0.0x" if round(diff, 1) == 0 else f"{'+' if diff > 0 else '−'}{abs(diff):.1f}x"
    if before == 0:
        return "–"
    pct = diff / abs(before)
    return "±0%" if round(pct, 3) == 0 else f"{'+' if pct > 0 else '−'}{abs(pct):.1%}"
