"""The data layer's messages in the reader's language: validation errors and data warnings.

The data layer words every broken rule (a :class:`~playbook.data.errors.Problem`) and every warning of
:func:`~playbook.data.dataset.data_warnings` in English, and that English is the stable code: each ``rule``
of ``texts/en/data.yaml`` is one message form, and its English text is also its parser. :func:`render_rule`
matches a message against the forms, the ``{fields}`` capturing the values, and fills the same fields into
the form of the reader's language, as :func:`~playbook.report.labels.render_note` does for the KPI notes.
Months are shown with :func:`~playbook.report.formatting.format_month` and dates with
:func:`~playbook.report.display.format_date`; file, table and column names and the
values of the data stay as they are. A message that matches no form comes back unchanged.
"""

from __future__ import annotations

import re

import pandas as pd

from playbook.data.errors import DataValidationError, Problem
from playbook.report.display import for_display, format_date
from playbook.report.formatting import format_month
from playbook.texts import LANGS, english_forms, english_names, text

__all__ = ["render_rule", "render_warning", "render_problem", "render_error", "warnings_table"]

#: The language the data layer writes its messages in: a message in it is already rendered.
MESSAGES_LANG = "en"
_MONTH = r"\d{4}-\d{2}"
_NUMBER = r"-?[\d,]*\.?\d+"
_NAME = r"[\w.\[\]]+"
#: What each field of a form matches; any other field matches the shortest text that fits.
_FIELD_PATTERNS = {
    **dict.fromkeys(("month", "first", "last", "latest"), _MONTH),
    "months": rf"{_MONTH}(?:, {_MONTH})*(?: \.\.\.)?",
    "date": r"\d{4}-\d{2}-\d{2}",
    **dict.fromkeys(("n", "lo", "hi", "min", "max", "size", "line"), _NUMBER),
    **dict.fromkeys(("late", "early", "key", "survey"), _NAME),
}
_MONTH_FIELDS = ("month", "first", "last", "latest")


def _lang(lang: str) -> str:
    return lang if lang in LANGS else MESSAGES_LANG


def _field(name: str, value: str, lang: str) -> str:
    """One captured value of a form, as ``lang`` shows it."""
    if name in _MONTH_FIELDS:
        return format_month(value, lang)
    if name == "date":
        return format_date(value, lang)
    if name == "months":
        more = text("data.frame.more", MESSAGES_LANG)
        cut = value.endswith(more)
        months = value.removesuffix(more).split(text("data.frame.list", MESSAGES_LANG))
        shown = text("data.frame.list", lang).join(format_month(m, lang) for m in months)
        return shown + (text("data.frame.more", lang) if cut else "")
    if name == "what":
        key = english_names("data.what.").get(value)
        return text(key, lang) if key else value
    return value


def _render(message: str, prefix: str, lang: str) -> str | None:
    for key, rx in english_forms(prefix, _FIELD_PATTERNS):
        m = rx.fullmatch(message)
        if m:
            return text(key, lang, **{name: _field(name, v, lang) for name, v in m.groupdict().items()})
    return None


def render_rule(rule: str, lang: str = "en") -> str:
    """One message of the data layer (a broken rule or a warning) in ``lang``.

    Each ``rule`` form of ``texts/en/data.yaml`` is matched against the message; its ``{fields}`` capture
    the values, which fill the same form in ``lang``. Months are shown with
    :func:`~playbook.report.formatting.format_month`, everything else captured (file, table and column
    names, values, the error text of a library) as written.

    Parameters
    ----------
    rule : str
        The message, as the data layer wrote it (``Problem.rule``, or a ``warning`` of
        :func:`~playbook.data.dataset.data_warnings`); a missing value comes back as it is.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The message in ``lang``; unchanged in English and when it matches no form.

    Examples
    --------
    >>> render_rule("not a date (expected YYYY-MM-DD)", "ja")
    '日付として読めません（YYYY-MM-DD形式で入力してください）'
    >>> render_rule("months with no data: 2024-08, 2024-09", "ja")
    'データのない月があります：2024年8月、2024年9月'
    >>> render_rule("4 account(s) with usage but no subscription: A000685, A000686, ...", "ja")
    '契約のない顧客に利用データがあります（4社）：A000685, A000686, ...'
    >>> render_rule("KPI tree file not found", "ja"), render_rule("something new", "ja")
    ('KPIツリーのファイルが見つかりません', 'something new')
    >>> render_rule("not a date (expected YYYY-MM-DD)", "en")
    'not a date (expected YYYY-MM-DD)'
    """
    if not isinstance(rule, str) or not rule or _lang(lang) == MESSAGES_LANG:
        return rule
    shown = _render(rule, "data.rule.", lang)
    return rule if shown is None else shown


def render_warning(warning: str, lang: str = "en") -> str:
    """A ``warning`` of :func:`~playbook.data.dataset.data_warnings` in ``lang`` (see :func:`render_rule`).

    Parameters
    ----------
    warning : str
        The text of the warning.
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        The warning in ``lang``; unchanged when it matches no form.

    Examples
    --------
    >>> render_warning("fully empty rows dropped", "ja")
    '空の行を取り除きました'
    >>> render_warning("dated after the review month 2026-10 (ignored in this review): 2026-11-02", "ja")
    '対象月（2026年10月）より後の日付です（今回のレビューでは使いません）：2026-11-02'
    >>> render_warning("dated after the data's as-of date 2026-10-31 (the latest activity; never reviewed): 2026-11-02", "ja")
    'データの基準日（2026年10月31日、最新の活動日）より後の日付です。どの月のレビューにも入りません：2026-11-02'
    """
    return render_rule(warning, lang)


def _example(example: str, lang: str) -> str:
    """One offending row (``line 3: '2026-13-01'``, ``part-0.parquet row index 5``) in ``lang``."""
    shown = _render(example, "data.example.", lang)
    return example if shown is None else shown


#: ``str(Problem)`` read back: where, rule, rows and the first rows (see :class:`~playbook.data.errors.Problem`).
_PROBLEM_TEXT = re.compile(
    r"(?P<file>[^\n]+?)(?:, (?P<label>column|setting|entry) '(?P<column>[^\n]*?)')?: (?P<rule>.+?)"
    r"(?: - (?P<count>\d+) rows?)?(?:; first: (?P<examples>.+))?",
    re.DOTALL,
)
#: Where one example of a problem's text begins (the examples are joined by ", ", and a value may hold one).
_EXAMPLE_START = re.compile(r", (?=line \d|row index \d|\S+ row index \d)")


def _parse_problem(message: str) -> Problem | None:
    m = _PROBLEM_TEXT.fullmatch(message)
    if m is None:
        return None
    examples = tuple(_EXAMPLE_START.split(m["examples"])) if m["examples"] else ()
    count = int(m["count"]) if m["count"] else None
    return Problem(m["file"], m["column"], m["rule"], count, examples, label=m["label"] or "column")


def render_problem(problem: Problem | str, lang: str = "en") -> str:
    """One problem of a :class:`~playbook.data.errors.DataValidationError` in ``lang``: where, what, rows.

    Parameters
    ----------
    problem : Problem or str
        A problem, or its text (``str(problem)``); a text that does not read as a problem is rendered as a
        rule (:func:`render_rule`).
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        In English exactly ``str(problem)``; in Japanese the same parts, each in Japanese (the rule unchanged
        when it matches no form).

    Examples
    --------
    >>> p = Problem("accounts.csv", "signup_date", "not a date (expected YYYY-MM-DD)",
    ...             count=2, examples=("line 3: '2026-13-01'", "line 7: 'soon'"))
    >>> print(render_problem(p, "ja"))
    accounts.csv、列 'signup_date'：日付として読めません（YYYY-MM-DD形式で入力してください）（2行）　該当箇所：3行目 '2026-13-01'、7行目 'soon'
    >>> render_problem(str(p), "ja") == render_problem(p, "ja"), render_problem(p, "en") == str(p)
    (True, True)
    >>> render_problem("parameters, column 'lang': 'fr' is not a supported language (expected one of ['en', 'ja'])", "ja")
    "パラメータ 'lang'：'fr' は対応していない言語です（['en', 'ja'] のいずれかを指定してください）"
    """
    if _lang(lang) == MESSAGES_LANG:
        return str(problem)
    if isinstance(problem, str):
        parsed = _parse_problem(problem)
        if parsed is None:
            return render_rule(problem, lang)
        problem = parsed
    file_key = english_names("data.file.").get(problem.file)
    file = text(file_key, lang) if file_key else problem.file
    if problem.column is None:
        where = file
    elif problem.file == "parameters" and problem.label == "column":
        where = text("data.where.parameter", lang, column=problem.column)
    else:
        label = problem.label if problem.label in ("column", "setting", "entry") else "column"
        where = text(f"data.where.{label}", lang, file=file, column=problem.column)
    shown = text("data.frame.problem", lang, where=where, rule=render_rule(problem.rule, lang))
    if problem.count is not None:
        shown += text("data.frame.row" if problem.count == 1 else "data.frame.rows", lang, count=problem.count)
    if problem.examples:
        examples = text("data.frame.list", lang).join(_example(e, lang) for e in problem.examples)
        shown += text("data.frame.first", lang, examples=examples)
    return shown


def render_error(error: DataValidationError | str, lang: str = "en") -> str:
    """The message of a :class:`~playbook.data.errors.DataValidationError` in ``lang``: every problem it lists.

    Parameters
    ----------
    error : DataValidationError or str
        The error, or its message (``str(error)``).
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    str
        In English exactly ``str(error)``. In Japanese one problem as one line, several as a count and one
        line each.

    Examples
    --------
    >>> err = DataValidationError([Problem("x.csv", None, "empty file (0 bytes)"),
    ...                            Problem("y.csv", "mrr", "not a number", 1, ("line 2: 'abc'",))])
    >>> print(render_error(err, "ja"))
    入力に2件の問題があります：
      - x.csv：空のファイルです（0バイト）
      - y.csv、列 'mrr'：数値として読めません（1行）　該当箇所：2行目 'abc'
    >>> render_error(err, "en") == str(err)
    True
    """
    if _lang(lang) == MESSAGES_LANG:
        return str(error)
    if isinstance(error, DataValidationError):
        problems: list = list(error.problems)
    else:
        head, _, rest = str(error).partition("\n")
        several = re.fullmatch(r"(\d+) problems in the input:", head)
        problems = [p for p in re.split(r"(?:^|\n)  - ", rest) if p] if several and rest else [str(error)]
    lines = [render_problem(p, lang) for p in problems]
    if len(lines) == 1:
        return lines[0]
    return "\n".join(
        [text("data.frame.problems", lang, n=len(lines)), *(text("data.frame.item", lang, problem=x) for x in lines)]
    )


def warnings_table(warnings: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The warnings table of :func:`~playbook.data.dataset.data_warnings` for display: warnings and headers in ``lang``.

    Parameters
    ----------
    warnings : pandas.DataFrame
        The table (columns ``file``, ``column``, ``warning``, ``rows``).
    lang : {"en", "ja"}, default "en"
        The language.

    Returns
    -------
    pandas.DataFrame
        A display copy (:func:`~playbook.report.display.for_display`): each warning rendered with
        :func:`render_warning`, rows with thousands separators (blank when not counted), headers translated.

    Examples
    --------
    >>> w = pd.DataFrame({"file": ["usage.csv"], "column": ["date"], "warning": ["months with no data: 2024-08"],
    ...                   "rows": pd.array([None], dtype="Int64")})
    >>> warnings_table(w, "ja").iloc[0].tolist()
    ['usage.csv', 'date', 'データのない月があります：2024年8月', '']
    """
    out = warnings.copy()
    out["warning"] = out["warning"].map(lambda w: render_warning(w, lang))
    return for_display(out, lang, integer=["rows"])
