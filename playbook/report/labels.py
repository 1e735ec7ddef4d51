"""Labels for tables and charts in English and Japanese, and the KPI notes in the reader's language.

The words live in ``texts/<lang>/labels.yaml`` (column names, bands, statuses) and the KPI
names in the KPI texts (``kpis.yaml``); :func:`label` looks a code up in either. The notes of
the KPI table are English codes written by the kpis layer; :func:`render_note` turns one into
the reader's language with the forms of ``notes.yaml``.
"""

from __future__ import annotations

import pandas as pd

from playbook.report.formatting import format_month
from playbook.texts import LANGS, english_forms, english_names, has_text, text

__all__ = ["label", "translate_columns", "render_note"]


def label(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang`` ("en" or "ja"): a word of ``labels.yaml`` or a KPI name from the catalog.

    ``feature_adoption.tasks`` becomes "Feature adoption: tasks". Unknown keys come back unchanged.

    Parameters
    ----------
    key : str
        A key of ``texts/<lang>/labels.yaml`` (such as a column name), a KPI id of the catalog, or a KPI id with a part
        after a dot (``conversion_rate.trials``).
    lang : {"en", "ja"}, default "en"
        The language; anything else gives English.

    Returns
    -------
    str
        The label, or ``key`` itself when it is unknown.

    Examples
    --------
    >>> label("rows", "ja")
    '行数'
    >>> label("nrr", "ja"), label("conversion_rate.trials"), label("feature_adoption.tasks", "ja")
    ('売上継続率（NRR）', 'Funnel conversion: trials', '機能利用率：tasks')
    >>> label("no_such_key", "ja")
    'no_such_key'
    """
    if has_text(f"labels.{key}"):
        return text(f"labels.{key}", lang)
    from playbook.kpis.catalog import KPI_IDS, kpi

    base, _, part = key.partition(".")
    if base in KPI_IDS:
        name = kpi(base).name(lang)
        return text("kpis.with_part", lang, name=name, part=part) if part else name
    return key


def translate_columns(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy of ``df`` with its column names replaced by their labels.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table; each column name is looked up with :func:`label`.
    lang : {"en", "ja"}, default "en"
        The language; anything else gives English.

    Returns
    -------
    pandas.DataFrame
        The same data with the labels as column names (unknown names are kept).
    """
    return df.rename(columns={c: label(c, lang) for c in df.columns})


# --------------------------------------------------------------------------- KPI notes

#: The language the kpis layer writes its notes in: a note in it is already rendered.
NOTES_LANG = "en"
_NUMBER = r"-?[\d,]*\.?\d+"
#: What each field of a note form matches; any other field matches the shortest text that fits.
_FIELD_PATTERNS = {
    "month": r"\d{4}-\d{2}",
    "note": r".+",
    **{name: _NUMBER for name in ("n", "min", "value", "aov", "frequency", "lifetime")},
}


def _split_top(note: str, sep: str) -> list[str]:
    """``note`` split at each ``sep`` outside parentheses."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(note):
        ch = note[i]
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and note.startswith(sep, i):
            pieces.append(note[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    return [*pieces, note[start:]]


def _note_field(name: str, value: str, lang: str) -> str:
    """One captured value of a note form, as ``lang`` shows it."""
    if name == "month":
        return format_month(value, lang)
    if name == "note":
        return render_note(value, lang)
    if name == "tables":  # "usage and users", "subscriptions or mrr_monthly"
        alternatives = (
            t.split(text("families.or", NOTES_LANG)) for t in value.split(text("notes.word.and", NOTES_LANG))
        )
        return text("notes.word.and", lang).join(text("families.or", lang).join(a) for a in alternatives)
    if name in ("part", "parts"):
        parts = value.split(text("notes.word.list", NOTES_LANG))
        return text("notes.word.list", lang).join(
            text(english_names("notes.part.")[p], lang) if p in english_names("notes.part.") else p for p in parts
        )
    if name in ("stage", "touchpoint"):  # values of the data: their label when there is one
        return label(value, lang)
    return value


def render_note(note: str, lang: str = "en") -> str:
    """A note of the KPI table (``compute_kpis``' ``note`` column) in ``lang``.

    The kpis layer writes its notes in English, and they are codes: each form of ``texts/en/notes.yaml``
    (``notes.form.*``) is matched against the note, its ``{fields}`` capturing the values, which fill the same
    form in ``lang``. Months (``2026-08``) are shown with :func:`~playbook.report.formatting.format_month`, a
    note inside a note is rendered too, table and column names stay as they are. Notes joined with ``"; "`` are
    rendered one by one. A note that matches no form comes back unchanged, and so does every note in English.

    Parameters
    ----------
    note : str
        A note, such as ``"cohort 2026-08"`` or ``"not available (table usage missing)"``; an empty note (or a
        missing value) comes back as it is.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The note in ``lang``.

    Examples
    --------
    >>> render_note("cohort 2026-08", "ja")
    '2026年8月コホート'
    >>> render_note("no accounts in the cohort (cohort 2026-08)", "ja")
    'このコホートに顧客がいません（2026年8月コホート）'
    >>> render_note("not available (table usage and users missing)", "ja")
    '算出不可（テーブル usage・users がありません）'
    >>> render_note("company-level: not split by segment (uses costs)", "ja")
    '全社単位の指標のためセグメント別には出せません（costs を使用）'
    >>> render_note("CAC not available (no new customers in the month); gross margin not available", "ja")
    'CACを算出できません（当月の新規顧客がいません）；粗利率を算出できません'
    >>> render_note("small sample (n=8 < 30)", "ja"), render_note("fewer than 6 months with a churn rate", "ja")
    ('回答数が少ないため参考値です（8件、30件未満）', '解約率を計算できた月が6か月未満です')
    >>> render_note("cohort 2026-08", "en"), render_note("something new", "ja")
    ('cohort 2026-08', 'something new')
    """
    if not isinstance(note, str) or not note or (lang if lang in LANGS else NOTES_LANG) == NOTES_LANG:
        return note
    pieces = _split_top(note, text("notes.word.separator", NOTES_LANG))
    if len(pieces) > 1:
        return text("notes.word.separator", lang).join(render_note(p, lang) for p in pieces)
    for key, rx in english_forms("notes.form.", _FIELD_PATTERNS):
        m = rx.fullmatch(note)
        if m:
            return text(key, lang, **{name: _note_field(name, v, lang) for name, v in m.groupdict().items()})
    return note
