"""Tables for reading: rounded, formatted as text, headers in the notebook's language; the data check's verdict.

Formatting to text here (not a pandas Styler) keeps notebook outputs free of
random element ids, so the committed outputs are a stable nbval baseline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from playbook.analyses.inventory import (
    PURCHASE_REVIEW_FAMILIES,
    data_check_summary,
    kpi_family_availability,
    purchase_review,
)
from playbook.data.dataset import Dataset
from playbook.kpis.families import FAMILIES, family
from playbook.report.formatting import format_month
from playbook.report.labels import label, translate_columns
from playbook.texts import text

__all__ = ["for_display", "format_date", "describe_data_check", "family_table"]

_MONTH = re.compile(r"\d{4}-\d{2}")


def _fmt(values: pd.Series, pattern: str) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else pattern.format(v))


def for_display(
    df: pd.DataFrame,
    lang: str = "en",
    *,
    percent: Iterable[str] = (),
    integer: Iterable[str] = (),
    flags: Iterable[str] = (),
    decimals: dict[str, int] | None = None,
    months: Iterable[str] = (),
    index: str | None = None,
) -> pd.DataFrame:
    """A display copy of ``df``: percentages, thousands separators, yes/no flags, translated headers.

    ``index`` names a column to show as the row labels instead of 0, 1, 2, ...

    Parameters
    ----------
    df : pandas.DataFrame
        The table, its columns named by label keys (:func:`~playbook.report.labels.label`).
    lang : {"en", "ja"}, default "en"
        The language of the headers and of yes / no.
    percent : iterable of str
        Columns of ratios to show as percentages with one decimal (0.5 -> ``50.0%``).
    integer : iterable of str
        Columns to show as whole numbers with thousands separators.
    flags : iterable of str
        Columns of truth values to show as yes / no.
    decimals : dict of str to int, optional
        Columns to show with thousands separators and this many decimals.
    months : iterable of str
        Columns whose months (periods, or text ``YYYY-MM``) to show as ``lang`` writes a month
        (:func:`~playbook.report.formatting.format_month`: ``2026年10月``); other values, such as dates, unchanged.
    index : str, optional
        A column, by its untranslated name, to show as the row labels.

    Returns
    -------
    pandas.DataFrame
        A copy with the ``percent``, ``integer`` and ``decimals`` columns as text (missing values blank),
        the ``flags`` columns as yes / no in ``lang``, the months of ``months`` in ``lang``, the other columns
        unchanged, and the headers translated.

    Examples
    --------
    >>> t = pd.DataFrame({"rows": [1200, None], "account_coverage": [0.5, None], "required": [True, False]})
    >>> for_display(t, "ja", integer=["rows"], percent=["account_coverage"], flags=["required"])
          行数 顧客カバー率   必須
    0  1,200  50.0%   はい
    1                いいえ
    >>> for_display(pd.DataFrame({"first_date": ["2023-11", "2023-11-01"]}), "ja", months=["first_date"])
            開始日
    0     2023年11月
    1  2023-11-01
    """
    out = df.copy()
    for col in percent:
        out[col] = _fmt(out[col], "{:.1%}")
    for col in integer:
        out[col] = _fmt(out[col], "{:,.0f}")
    for col, n in (decimals or {}).items():
        out[col] = _fmt(out[col], f"{{:,.{n}f}}")
    for col in flags:
        out[col] = out[col].map(lambda v: label("yes", lang) if bool(v) else label("no", lang))
    for col in months:
        out[col] = out[col].map(
            lambda v: format_month(v, lang) if isinstance(v, pd.Period) or _MONTH.fullmatch(str(v)) else v
        )
    out = translate_columns(out, lang)
    if index is not None:
        out = out.set_index(label(index, lang))
        out.index.name = None
    return out


def format_date(date, lang: str = "en") -> str:
    """A date as a sentence writes it: ``2026-10-31`` in English, ``2026年10月31日`` in Japanese.

    Parameters
    ----------
    date : pandas.Timestamp, datetime.date or str
        The date.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The date in ``lang`` (the text ``data_check.date``).

    Examples
    --------
    >>> format_date("2026-10-31"), format_date("2026-10-31", "ja")
    ('2026-10-31', '2026年10月31日')
    """
    d = pd.Timestamp(date)
    return text("data_check.date", lang, y=d.year, m=d.month, d=d.day)


def describe_data_check(ds: Dataset, warnings: pd.DataFrame, lang: str = "en") -> str:
    """A few sentences (Markdown) that say whether the data is ready for the review.

    The numbers and codes are :func:`playbook.analyses.inventory.data_check_summary`'s; this writes them in
    ``lang`` (the texts ``data_check.*``).

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    warnings : pandas.DataFrame
        The warnings table (:func:`playbook.data.dataset.data_warnings`); only its rows are counted.
    lang : {"en", "ja"}, default "en"
        The language of the text; anything else gives English.

    Returns
    -------
    str
        The verdict, the tables read, the as-of date, the latest complete month, the number of warnings,
        for accounts and transactions without subscriptions what the purchase review computes, and the KPI
        families not available (by their scope, :meth:`playbook.kpis.families.Family.scope`; not the
        subscription families a purchase review answers from purchases).
    """
    s = data_check_summary(ds, warnings)
    out = text(
        "data_check.summary",
        lang,
        read=s.tables_read,
        total=s.tables_total,
        as_of=format_date(s.as_of, lang),
        month=format_month(s.last_complete_month, lang),
        warnings=s.warnings,
    )
    if s.purchase_review:
        out += text("data_check.sentence_sep", lang) + text("data_check.purchase_review", lang)
    if s.unavailable_families:
        names = text("data_check.blocked_join", lang).join(family(f).scope(lang) for f in s.unavailable_families)
        return out + text("data_check.blocked", lang, families=names)
    return out + text("data_check.all_available", lang)


def family_table(ds: Dataset, lang: str = "en") -> pd.DataFrame:
    """The KPI families the tables allow, ready to read; a purchase review says what it computes instead.

    :func:`playbook.analyses.inventory.kpi_family_availability` with yes / no and headers in ``lang``, one row
    per family. For accounts and transactions without subscriptions (a purchase review), a last column names,
    for each subscription family, the purchase KPIs and analyses the review computes in its place
    (the texts ``data_check.instead.<family>``).

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`), or anything with ``tables``.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    pandas.DataFrame
        Indexed by the family's scope: needs, available, missing and, in a purchase review, what it computes
        instead (empty for the other families).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> t = family_table(SimpleNamespace(tables={"accounts": None, "transactions": None}), "ja")
    >>> t.iloc[1, -1]
    '新規・リピート購入者数、リピート購入率（03）、購入コホート（04）'
    >>> t.columns.tolist()
    ['必要なテーブル', '利用可否', '不足テーブル', '購入のレビューで代わりに計算するもの']
    """
    families = kpi_family_availability(ds, lang)
    if purchase_review(ds.tables):
        families["purchase_review"] = [
            text(f"data_check.instead.{fam.id}", lang) if fam.id in PURCHASE_REVIEW_FAMILIES else "" for fam in FAMILIES
        ]
    return for_display(families, lang, flags=["available"], index="family")
