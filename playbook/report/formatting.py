"""How numbers read: KPI values, changes and axis ticks in a unit, a currency and a language."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from playbook.texts import text

__all__ = [
    "CURRENCY_SYMBOLS",
    "money_formatter",
    "unit_formatter",
    "format_value",
    "format_change",
    "format_delta",
    "format_month",
    "month_tick",
]

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
        Amounts under 100 that are not whole keep their cents outside JPY.

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

    Under 100 of a currency with cents, the cents show (an average order of $37.25); a short amount in
    thousands or millions that has exactly two decimals keeps them (an axis tick at $1.25M; $1.834M reads $1.8M):

    >>> f = money_formatter("USD")
    >>> f(37.25, 0), f(37.0, 0), f(120.4, 0), f(1_250_000, 0), f(1_834_000, 0), f(777_700, 0)
    ('$37.25', '$37', '$120', '$1.25M', '$1.8M', '$777.7k')
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
                return f"{symbol}{x / div:,.{decimals(x / div)}f}{suffix}"
        return f"{symbol}{x:,.{0 if x == round(x) or currency == 'JPY' or abs(x) >= 100 else 2}f}"

    def decimals(v: float) -> int:
        """One decimal; two for a short number that has exactly two (an axis tick at $1.25M, not $1.2M)."""
        return 2 if abs(v) < 10 and abs(v - round(v, 2)) < 1e-9 and round(v, 2) != round(v, 1) else 1

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
        A percent formatter for ``ratio`` (1.0 = 100%), ``1.5x`` ticks for ``multiple``, ``1.35 orders``
        for ``orders``, :func:`money_formatter` for ``currency``, whole numbers for ``count`` and ``users``
        (a tick between two whole numbers is left blank: there is no half a customer); None (matplotlib's
        default ticks) for any other unit.

    Examples
    --------
    >>> f = unit_formatter("count")
    >>> f(1500.0, 0), f(0.5, 0), unit_formatter("orders", lang="ja")(1.35, 0)
    ('1,500', '', '1.35回')
    """
    if unit == "ratio":
        return PercentFormatter(xmax=1.0, decimals=None)  # decimals follow the axis range
    if unit == "multiple":
        return FuncFormatter(lambda x, _: f"{x:.1f}{text('units.multiple', lang)}")
    if unit == "orders":
        return FuncFormatter(lambda x, _: f"{x:.2f}{text('units.orders', lang)}")
    if unit == "currency":
        return money_formatter(currency, lang)
    if unit in ("count", "users"):  # people and orders: whole ticks only
        return FuncFormatter(lambda x, _: f"{x:,.0f}" if float(x).is_integer() else "")
    return None


def format_value(value: float, unit: str, currency: str = "JPY", lang: str = "en") -> str:
    """A KPI value as a reader expects it: 97.6%, ¥32.9M, 12.4 pts, 475, 3.7 months.

    Parameters
    ----------
    value : float
        The KPI value; None or NaN gives ``–``.
    unit : str
        The catalog unit: ``ratio`` (a percentage with one decimal), ``multiple`` (``1.5x``), ``orders``
        (orders per buyer, two decimals: ``1.36 orders`` / ``1.36回``), ``currency`` (as
        :func:`money_formatter`), ``points`` (signed, one decimal), ``count`` and ``users`` (whole numbers,
        rounded: a target or an average of people is read in whole people), ``months``, ``hours`` and
        ``minutes`` (one decimal and the unit); any other unit two decimals.
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
    >>> format_value(1537.5, "count"), format_value(2043 / 1506, "orders"), format_value(2043 / 1506, "orders", lang="ja")
    ('1,538', '1.36 orders', '1.36回')
    """
    if value is None or pd.isna(value):
        return "–"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "multiple":
        return f"{value:.1f}{text('units.multiple', lang)}"
    if unit == "orders":
        return f"{value:,.2f}{text('units.orders', lang)}"
    if unit == "currency":
        return money_formatter(currency, lang)(value, 0)
    if unit == "points":
        return f"{value:+.1f}"
    if unit in ("count", "users"):  # customers, buyers, orders: a target or an average is read in whole ones
        return f"{value:,.0f}"
    suffix = {
        "months": (" months", "か月"),
        "days": (" days", "日"),
        "hours": (" h", "時間"),
        "minutes": (" min", "分"),
    }.get(unit)
    if suffix:
        return f"{value:,.1f}{suffix[1] if lang == 'ja' else suffix[0]}"
    return f"{value:,.2f}"


_UNIT_WORDS = ("pts", "multiple", "orders", "months", "days", "hours", "minutes")


def format_month(month, lang: str = "en") -> str:
    """A month as a report writes it: ``2026-10`` in English, ``2026年10月`` in Japanese.

    Parameters
    ----------
    month : pandas.Period, str or timestamp-like
        The month (``"2026-10"``, ``pd.Period("2026-10", "M")``, a date in the month).
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The month; ``–`` for a missing month.

    Examples
    --------
    >>> format_month("2026-10"), format_month(pd.Period("2026-04", "M"), "ja")
    ('2026-10', '2026年4月')
    """
    if month is None or (not isinstance(month, pd.Period) and pd.isna(month)):
        return "–"
    p = month if isinstance(month, pd.Period) else pd.Period(month, "M")
    p = p.asfreq("M")
    return text("units.month", lang, year=p.year, month=p.month)


def month_tick(month, lang: str = "en", *, with_year: bool = False) -> str:
    r"""A month on a chart's axis: ``Oct`` / ``10月``, with the year below when ``with_year``.

    Parameters
    ----------
    month : pandas.Period or str
        The month.
    lang : {"en", "ja"}, default "en"
        The language.
    with_year : bool, default False
        Add the year on a second line.

    Returns
    -------
    str
        The tick label.

    Examples
    --------
    >>> month_tick("2026-10"), month_tick("2026-10", "ja"), month_tick("2027-01", "ja", with_year=True)
    ('Oct', '10月', '1月\n2027年')
    """
    p = (month if isinstance(month, pd.Period) else pd.Period(month, "M")).asfreq("M")
    key = "units.month_tick_year" if with_year else "units.month_tick"
    return text(key, lang, abbr=p.strftime("%b"), month=p.month, year=p.year)


def _pts(lang: str) -> str:
    """The word for percentage points: `` pts`` in English, ``pt`` in Japanese (前月比 +1.0pt)."""
    return text("units.pts", lang)


def _signed(x: float, decimals: int) -> str:
    return f"{'+' if x > 0 else '−'}{abs(x):,.{decimals}f}"


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
        ``users`` in whole numbers, a ``multiple`` in ``x``, a duration (``hours``, ``minutes``, ``days``,
        ``months``) in its unit; any other unit (currency, ...) as a percent of ``before``.
    currency : str, default "JPY"
        Not used: the change of an amount is a percent.
    lang : {"en", "ja"}, default "en"
        The language of the unit words (`` pts`` in English, ``ポイント`` in Japanese).

    Returns
    -------
    str
        The signed change (``+``, ``−``, or ``±0`` when it rounds to zero); ``–`` when either value is
        missing, or for a percent change from 0.

    Examples
    --------
    >>> format_change(0.976, 0.984, "ratio"), format_change(110.0, 100.0, "currency"), format_change(3.0, 3.0, "count")
    ('−0.8 pts', '+10.0%', '±0')
    >>> format_change(0.976, 0.984, "ratio", lang="ja"), format_change(1.3, 1.6, "hours")
    ('−0.8ポイント', '−0.3 h')
    >>> format_change(1.357, 1.334, "orders", lang="ja"), format_change(1506.0, 1487.6, "count")
    ('+0.02回', '+18')
    """
    if pd.isna(now) or pd.isna(before):
        return "–"
    diff = now - before
    if unit in ("ratio", "points"):
        pts = diff * 100 if unit == "ratio" else diff
        return f"±0{_pts(lang)}" if round(pts, 1) == 0 else f"{_signed(pts, 1)}{_pts(lang)}"
    if unit in ("count", "users"):
        return "±0" if round(diff) == 0 else _signed(diff, 0)
    if unit == "multiple":
        x = text("units.multiple", lang)
        return f"±0.0{x}" if round(diff, 1) == 0 else f"{_signed(diff, 1)}{x}"
    if unit == "orders":
        x = text("units.orders", lang)
        return f"±0.00{x}" if round(diff, 2) == 0 else f"{_signed(diff, 2)}{x}"
    if unit in ("hours", "minutes", "days", "months"):  # a duration changes in its own unit, as the targets read
        return format_delta(diff, unit, lang=lang, signed=True)
    if before == 0:
        return "–"
    pct = diff / abs(before)
    return "±0%" if round(pct, 3) == 0 else f"{'+' if pct > 0 else '−'}{abs(pct):.1%}"


def format_delta(
    diff: float, unit: str, currency: str = "JPY", lang: str = "en", *, signed: bool = True, per_month: bool = False
) -> str:
    """A difference in the KPI's own unit: ``+8.8 pts`` for a ratio, ``+0.34 h``, ``+¥1.8M``, ``−3.5`` NPS points.

    Unlike :func:`format_change`, which gives a level's change as a percent of where it started, this
    writes an amount of the unit itself: a pace per month, a gap, a tolerance.

    Parameters
    ----------
    diff : float
        The difference, in the KPI's unit (a ratio's 0.0875 is 8.75 percentage points).
    unit : str
        The catalog unit: ``ratio`` in percentage points, ``points`` in points (`` pts`` / ``pt``),
        ``currency`` as :func:`money_formatter`, ``multiple`` in ``x``, ``months``, ``hours`` and
        ``minutes`` with their unit word, anything else as a plain number.
    currency : str, default "JPY"
        The currency of ``currency`` amounts.
    lang : {"en", "ja"}, default "en"
        The language of unit words and money.
    signed : bool, default True
        Write ``+`` or ``−`` (``±0`` for zero); unsigned gives the size only.
    per_month : bool, default False
        Append `` a month`` (``/月`` in Japanese).

    Returns
    -------
    str
        One decimal, or two significant digits when one decimal would round a non-zero difference to
        zero; ``–`` for a missing value.

    Examples
    --------
    >>> format_delta(0.0875, "ratio", per_month=True), format_delta(-0.00245, "ratio")
    ('+8.8 pts a month', '−0.2 pts')
    >>> format_delta(0.000729, "ratio"), format_delta(0.00004, "ratio"), format_delta(0.342, "hours")
    ('+0.1 pts', '+0.0040 pts', '+0.3 h')
    >>> format_delta(3.52, "points", lang="ja"), format_delta(0.0, "count")
    ('+3.5ポイント', '±0')
    >>> format_delta(1_800_000, "currency"), format_delta(0.19, "ratio", signed=False)
    ('+¥1.8M', '19.0 pts')
    >>> format_delta(0.43, "currency", "USD"), format_delta(49.04, "count"), format_delta(0.0072, "orders", lang="ja")
    ('+$0.43', '+49', '+0.01回')
    """
    if diff is None or pd.isna(diff):
        return "–"
    x = float(diff) * (100 if unit == "ratio" else 1)
    if unit == "currency":
        body = money_formatter(currency, lang)(abs(x), 0)
    else:
        decimals = 1 if x != 0 else 0
        if unit == "orders":
            decimals = 2
        elif unit in ("count", "users") and abs(x) >= 10:  # a pace of people: +49 a month, not +49.0
            decimals = 0
        if x != 0 and round(abs(x), decimals) == 0:
            decimals = min(max(1 - int(np.floor(np.log10(abs(x)))), 1), 6)  # two significant digits
        word_key = {"ratio": "pts", "points": "pts"}.get(unit, unit)
        word = text(f"units.{word_key}", lang) if word_key in _UNIT_WORDS else ""
        body = f"{abs(x):,.{decimals}f}{word}"
    if signed:
        body = ("±" if x == 0 else "+" if x > 0 else "−") + body
    if per_month:
        body += text("units.per_month", lang)
    return body
