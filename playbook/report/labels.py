"""Labels for tables and charts in English and Japanese.

The words live in ``texts/<lang>/labels.yaml`` (column names, bands, statuses) and the KPI
names in the KPI texts; :func:`label` looks a code up in either.
"""

from __future__ import annotations

import pandas as pd

from playbook.texts import has_text, text

__all__ = ["label", "translate_columns", "pick"]



def label(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang`` ("en" or "ja"): a word of this module or a KPI name from the catalog.

    ``feature_adoption.tasks`` becomes "Feature adoption: tasks". Unknown keys come back unchanged.

    Parameters
    ----------
    key : str
        A key of ``texts/<lang>/labels.yaml`` (such as a column name), a KPI id of the catalog, or a KPI id with a part
        after a dot (``conversion_rate.trials``).
    lang : {"en", "ja"}, default "en"
        The language; anything but ``"ja"`` gives English.

    Returns
    -------
    str
        The label, or ``key`` itself when it is unknown.

    Examples
    --------
    >>> label("rows", "ja")
    '行数'
    >>> label("nrr", "ja"), label("conversion_rate.trials")
    ('売上継続率（NRR）', 'Funnel conversion: trials')
    >>> label("no_such_key", "ja")
    'no_such_key'
    """
    if has_text(f"labels.{key}"):
        return text(f"labels.{key}", lang)
    from playbook.kpis.catalog import KPI_IDS, kpi

    base, _, part = key.partition(".")
    if base in KPI_IDS:
        name = kpi(base).name(lang)
        return f"{name}：{part}" if part and lang == "ja" else f"{name}: {part}" if part else name
    return key


def translate_columns(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy of ``df`` with its column names replaced by their labels.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table; each column name is looked up with :func:`label`.
    lang : {"en", "ja"}, default "en"
        The language; anything but ``"ja"`` gives English.

    Returns
    -------
    pandas.DataFrame
        The same data with the labels as column names (unknown names are kept).
    """
    return df.rename(columns={c: label(c, lang) for c in df.columns})


def pick(en: str, ja: str, lang: str) -> str:
    """The text for ``lang``: ``ja`` in Japanese, ``en`` otherwise.

    Parameters
    ----------
    en : str
        The English text.
    ja : str
        The Japanese text.
    lang : str
        The language: ``"ja"`` picks ``ja``, anything else ``en``.

    Returns
    -------
    str
        ``ja`` or ``en``.

    Examples
    --------
    >>> pick("churned", "解約", "ja")
    '解約'
    """
    return ja if lang == "ja" else en
