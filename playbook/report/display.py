"""Tables for reading: rounded, formatted as text, headers in the notebook's language.

Formatting to text here (not a pandas Styler) keeps notebook outputs free of
random element ids, so the committed outputs are a stable nbval baseline.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from playbook.report.labels import label, translate_columns

__all__ = ["for_display"]


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
    index : str, optional
        A column, by its untranslated name, to show as the row labels.

    Returns
    -------
    pandas.DataFrame
        A copy with the ``percent``, ``integer`` and ``decimals`` columns as text (missing values blank),
        the ``flags`` columns as yes / no in ``lang``, the other columns unchanged, and the headers
        translated.

    Examples
    --------
    >>> t = pd.DataFrame({"rows": [1200, None], "account_coverage": [0.5, None], "required": [True, False]})
    >>> for_display(t, "ja", integer=["rows"], percent=["account_coverage"], flags=["required"])
          行数 顧客カバー率   必須
    0  1,200  50.0%   はい
    1                いいえ
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
    out = translate_columns(out, lang)
    if index is not None:
        out = out.set_index(label(index, lang))
        out.index.name = None
    return out
