"""The fiscal year (年度): which fiscal year and quarter a month is in, and fiscal-year-to-date values.

A fiscal year starts in the month ``fiscal_year_start`` of ``dataset.yaml`` (1-12; 1, the default,
is the calendar year) and is **named by the calendar year it starts in**, the Japanese 年度
convention: with ``fiscal_year_start: 4``, 2026年度 (``FY2026`` in English) runs from April 2026 to
March 2027 and its Q1 is April-June, its Q4 January-March 2027. pandas' ``Q-MAR`` periods name
that same year 2027, by its end month, so their labels are never shown.

Codes (``FY2026``, ``FY2026Q1``) are what tables and analyses carry; :func:`fiscal_label` words them
(``FY2026 Q1`` / ``2026年度Q1``, the texts ``fiscal.year`` and ``fiscal.quarter``).

Fiscal-year-to-date values of a monthly KPI series depend on what kind of number the KPI is
(:func:`aggregation`):

- ``sum`` for a flow, whose months add up (:data:`FLOWS`: new, expansion, contraction, churned and
  reactivation MRR; new, churned and reactivated customers): the total of the fiscal year's months
  up to the month;
- ``change`` for a level measured at each month end (:data:`LEVELS`: MRR, ARR, paying customers,
  active accounts, MAU, DAU): its change since the fiscal year began (the month's value minus the
  value at the end of the previous fiscal year's last month) — the level itself is the month's actual;
- ``mean`` for every other KPI (rates, ratios, averages, scores, days and hours): the plain average of
  the fiscal year's monthly values up to the month (months without a value are left out).

The fiscal-year total of a finished year is its to-date value at its last month (:func:`fiscal_totals`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from playbook.texts import text

__all__ = [
    "DEFAULT_START",
    "FLOWS",
    "LEVELS",
    "aggregation",
    "fiscal_code",
    "fiscal_label",
    "fiscal_months",
    "fiscal_quarter",
    "fiscal_quarter_freq",
    "fiscal_totals",
    "fiscal_year",
    "fiscal_year_end",
    "fiscal_year_start",
    "fy_to_date",
    "label_of_code",
    "parse_fiscal_year",
]

#: The fiscal year's first month when ``dataset.yaml`` does not say: January (the calendar year).
DEFAULT_START = 1

#: KPIs whose monthly values add up: their fiscal-year-to-date value is the sum of the months.
FLOWS = frozenset(
    {
        "new_mrr",
        "reactivation_mrr",
        "expansion_mrr",
        "contraction_mrr",
        "churned_mrr",
        "new_customers",
        "churned_customers",
        "reactivated_customers",
    }
)
#: KPIs that are levels at each month end: their fiscal-year-to-date value is the change since the year began.
LEVELS = frozenset({"mrr", "arr", "paying_customers", "active_accounts", "mau", "dau"})

_CODE = re.compile(r"^FY(\d{4})(?:Q([1-4]))?$")
_FISCAL_YEAR = re.compile(r"^(?:FY\s?(\d{4})|(\d{4})\s?年度)$", re.IGNORECASE)


def _month(month) -> pd.Period:
    return month if isinstance(month, pd.Period) and month.freqstr == "M" else pd.Period(month, freq="M")


def fiscal_year(month, start: int = DEFAULT_START) -> int:
    """The fiscal year a month is in, named by the calendar year the fiscal year starts in.

    Parameters
    ----------
    month : str or pandas.Period
        The month (``YYYY-MM``).
    start : int, default 1
        The fiscal year's first month (``fiscal_year_start``).

    Returns
    -------
    int
        The fiscal year: 2026 for every month from April 2026 to March 2027 when ``start`` is 4.

    Examples
    --------
    >>> fiscal_year("2027-03", 4), fiscal_year("2027-04", 4), fiscal_year("2026-12", 1)
    (2026, 2027, 2026)
    """
    m = _month(month)
    return m.year if m.month >= start else m.year - 1


def fiscal_quarter(month, start: int = DEFAULT_START) -> int:
    """The quarter of its fiscal year a month is in (1-4; Q1 holds the fiscal year's first three months).

    Parameters
    ----------
    month : str or pandas.Period
        The month.
    start : int, default 1
        The fiscal year's first month.

    Returns
    -------
    int
        1 to 4.

    Examples
    --------
    >>> fiscal_quarter("2026-04", 4), fiscal_quarter("2026-12", 4), fiscal_quarter("2027-03", 4)
    (1, 3, 4)
    """
    return (_month(month).month - start) % 12 // 3 + 1


def fiscal_months(year: int, start: int = DEFAULT_START) -> pd.PeriodIndex:
    """The twelve months of a fiscal year.

    Parameters
    ----------
    year : int
        The fiscal year (the calendar year it starts in).
    start : int, default 1
        The fiscal year's first month.

    Returns
    -------
    pandas.PeriodIndex
        Monthly, from the first month to the last.

    Examples
    --------
    >>> m = fiscal_months(2026, 4)
    >>> str(m[0]), str(m[-1]), len(m)
    ('2026-04', '2027-03', 12)
    """
    return pd.period_range(pd.Period(year=year, month=start, freq="M"), periods=12, freq="M")


def fiscal_year_end(year: int, start: int = DEFAULT_START) -> pd.Period:
    """The last month of a fiscal year (where a ``deadline: FY2026`` lands).

    Parameters
    ----------
    year : int
        The fiscal year.
    start : int, default 1
        The fiscal year's first month.

    Returns
    -------
    pandas.Period
        The month.

    Examples
    --------
    >>> str(fiscal_year_end(2026, 4)), str(fiscal_year_end(2026, 1))
    ('2027-03', '2026-12')
    """
    return pd.Period(year=year, month=start, freq="M") + 11


def fiscal_code(month, start: int = DEFAULT_START, *, quarter: bool = False) -> str:
    """The code of a month's fiscal year (``FY2026``) or fiscal quarter (``FY2026Q1``), as tables carry it.

    Parameters
    ----------
    month : str or pandas.Period
        The month.
    start : int, default 1
        The fiscal year's first month.
    quarter : bool, default False
        The quarter's code instead of the year's.

    Returns
    -------
    str
        ``FY<year>`` or ``FY<year>Q<q>``; :func:`label_of_code` words it.

    Examples
    --------
    >>> fiscal_code("2027-03", 4, quarter=True), fiscal_code("2027-04", 4, quarter=True)
    ('FY2026Q4', 'FY2027Q1')
    """
    code = f"FY{fiscal_year(month, start)}"
    return code + f"Q{fiscal_quarter(month, start)}" if quarter else code


def label_of_code(code: str, lang: str = "en") -> str:
    """A fiscal code in words: ``FY2026`` -> ``FY2026`` / ``2026年度``; ``FY2026Q1`` -> ``FY2026 Q1`` / ``2026年度Q1``.

    Parameters
    ----------
    code : str
        A code of :func:`fiscal_code`; any other text comes back as it is.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> label_of_code("FY2026Q1"), label_of_code("FY2026Q1", "ja"), label_of_code("FY2026", "ja")
    ('FY2026 Q1', '2026年度Q1', '2026年度')
    """
    match = _CODE.match(str(code))
    if match is None:
        return code
    year, q = match.groups()
    if q is None:
        return text("fiscal.year", lang, year=int(year))
    return text("fiscal.quarter", lang, year=int(year), q=int(q))


def fiscal_label(month, start: int = DEFAULT_START, *, quarter: bool = False, lang: str = "en") -> str:
    """The fiscal year (or quarter) of a month as a reader writes it: ``FY2026 Q1`` / ``2026年度Q1``.

    Parameters
    ----------
    month : str or pandas.Period
        The month.
    start : int, default 1
        The fiscal year's first month.
    quarter : bool, default False
        Label the fiscal quarter instead of the year.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> fiscal_label("2027-03", 4, quarter=True, lang="ja"), fiscal_label("2027-04", 4, quarter=True)
    ('2026年度Q4', 'FY2027 Q1')
    """
    return label_of_code(fiscal_code(month, start, quarter=quarter), lang)


def parse_fiscal_year(value) -> int | None:
    """The fiscal year a ``FY2026`` or ``2026年度`` value names, or None for anything else.

    Parameters
    ----------
    value : object
        The value as read from YAML.

    Returns
    -------
    int or None
        The year.

    Examples
    --------
    >>> parse_fiscal_year("FY2026"), parse_fiscal_year("2026年度"), parse_fiscal_year("2026-03")
    (2026, 2026, None)
    """
    match = _FISCAL_YEAR.match(str(value).strip()) if isinstance(value, str) else None
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def fiscal_year_start(settings: Mapping | object) -> int:
    """The fiscal year's first month of a dataset: its ``fiscal_year_start`` setting, else 1.

    Parameters
    ----------
    settings : Mapping or Dataset
        A dataset (its ``settings`` are read) or its settings.

    Returns
    -------
    int
        1 to 12.

    Examples
    --------
    >>> fiscal_year_start({"fiscal_year_start": "4"}), fiscal_year_start({})
    (4, 1)
    """
    if not isinstance(settings, Mapping):
        settings = getattr(settings, "settings", {}) or {}
    value = settings.get("fiscal_year_start")
    return int(value) if value not in (None, "") else DEFAULT_START


def fiscal_quarter_freq(start: int = DEFAULT_START) -> str:
    """The pandas quarterly frequency whose quarters are this fiscal year's (``Q-MAR`` for an April start).

    Only for grouping months into quarters: pandas names these quarters by the year they *end* in,
    so label them with :func:`fiscal_code`, never with pandas' own text.

    Parameters
    ----------
    start : int, default 1
        The fiscal year's first month.

    Returns
    -------
    str
        ``Q-DEC`` ... ``Q-NOV``.

    Examples
    --------
    >>> fiscal_quarter_freq(4), fiscal_quarter_freq(1)
    ('Q-MAR', 'Q-DEC')
    """
    end = (start - 2) % 12 + 1
    return "Q-" + ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")[end - 1]


def aggregation(metric: str) -> str:
    """How a KPI's fiscal-year-to-date value is made from its monthly values: ``sum``, ``change`` or ``mean``.

    Parameters
    ----------
    metric : str
        A catalog id (a per-feature id such as ``feature_adoption.reports`` counts as its base id).

    Returns
    -------
    str
        ``sum`` for :data:`FLOWS`, ``change`` (since the fiscal year began) for :data:`LEVELS`,
        ``mean`` (of the monthly values) for every other KPI.

    Examples
    --------
    >>> aggregation("new_mrr"), aggregation("arr"), aggregation("logo_churn_rate")
    ('sum', 'change', 'mean')
    """
    base = str(metric).split(".")[0]
    return "sum" if base in FLOWS else "change" if base in LEVELS else "mean"


def _series(values: pd.Series) -> pd.Series:
    s = pd.Series(values, dtype="float64")
    s.index = pd.PeriodIndex(s.index, freq="M")
    return s.sort_index()


def fy_to_date(values: pd.Series, month, start: int = DEFAULT_START, how: str = "sum") -> float:
    """A monthly series' fiscal-year-to-date value at ``month``.

    Parameters
    ----------
    values : pandas.Series
        Monthly values indexed by month (periods or ``YYYY-MM`` text).
    month : str or pandas.Period
        The last month counted.
    start : int, default 1
        The fiscal year's first month.
    how : {"sum", "change", "mean"}, default "sum"
        ``sum`` of the fiscal year's months up to ``month``; ``change``: the value at ``month`` minus the value
        in the month before the fiscal year's first; ``mean`` of the months with a value (see :func:`aggregation`).

    Returns
    -------
    float
        NaN when no month of the fiscal year up to ``month`` has a value (``change``: when either end is missing).

    Examples
    --------
    >>> new = pd.Series([5.0, 7.0, 2.0], index=["2026-03", "2026-04", "2026-05"])
    >>> fy_to_date(new, "2026-03", 4), fy_to_date(new, "2026-05", 4)  # March closes FY2025; 7 + 2 since April
    (5.0, 9.0)
    >>> fy_to_date(pd.Series([100.0, 120.0], index=["2026-03", "2026-05"]), "2026-05", 4, "change")
    20.0
    """
    s, month = _series(values), _month(month)
    first = pd.Period(year=fiscal_year(month, start), month=start, freq="M")
    if how == "change":
        return float(s.get(month, np.nan) - s.get(first - 1, np.nan))
    window = s[(s.index >= first) & (s.index <= month)].dropna()
    if window.empty:
        return float("nan")
    if how == "sum":
        return float(window.sum())
    if how == "mean":
        return float(window.mean())
    raise ValueError(f"how must be 'sum', 'change' or 'mean', got {how!r}")


def fiscal_totals(values: pd.Series, start: int = DEFAULT_START, how: str = "sum") -> pd.DataFrame:
    """Each fiscal year's total (or change, or mean) of a monthly series, up to the series' last month.

    Parameters
    ----------
    values : pandas.Series
        Monthly values indexed by month.
    start : int, default 1
        The fiscal year's first month.
    how : {"sum", "change", "mean"}, default "sum"
        As :func:`fy_to_date`.

    Returns
    -------
    pandas.DataFrame
        One row per fiscal year with a month in the series, indexed by its code (``FY2026``):
        ``fiscal_year``, ``first_month`` and ``last_month`` (of the series within the year), ``months``
        (with a value), ``value`` (:func:`fy_to_date` at ``last_month``) and ``complete`` (the series' index covers
        the year's twelve months, with or without a value in each).

    Examples
    --------
    >>> new = pd.Series([5.0, 7.0, 2.0], index=["2026-03", "2026-04", "2026-05"])
    >>> fiscal_totals(new, 4)[["value", "months", "complete"]]
            value  months  complete
    FY2025    5.0       1     False
    FY2026    9.0       2     False
    >>> len(fiscal_totals(pd.Series([], index=pd.PeriodIndex([], freq="M"), dtype="float64"), 4))  # no month yet
    0
    """
    s = _series(values)
    rows = []
    for year in sorted({fiscal_year(m, start) for m in s.index}):
        months = fiscal_months(year, start)
        inside = s[(s.index >= months[0]) & (s.index <= months[-1])]
        last = inside.index.max()
        rows.append(
            {
                "code": f"FY{year}",
                "fiscal_year": year,
                "first_month": inside.index.min(),
                "last_month": last,
                "months": int(inside.notna().sum()),
                "value": fy_to_date(s, last, start, how),
                "complete": bool(months.isin(inside.index).all()),
            }
        )
    columns = ["code", "fiscal_year", "first_month", "last_month", "months", "value", "complete"]
    return pd.DataFrame(rows, columns=columns).set_index("code").rename_axis(None)  # empty before any month
