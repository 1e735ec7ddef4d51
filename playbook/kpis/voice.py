"""Voice of the customer: NPS, CSAT, CES, support rating, and keyword themes in comments.

Scores: NPS 0-10 (promoters 9-10, passives 7-8, detractors 0-6), CSAT 1-5
(satisfied = 4-5), CES 1-7 (easy = 5-7). Fewer than 30 responses in a month are
flagged as a small sample. Themes come from an editable keyword list in English
and Japanese — no black-box model.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from playbook.kpis.ratios import SMALL_SAMPLE, month_of, ratio_table

__all__ = [
    "nps",
    "nps_group",
    "nps_monthly",
    "csat",
    "ces",
    "ces_mean",
    "support_rating",
    "THEMES",
    "tag_themes",
    "theme_counts",
]

#: theme -> keywords (case-insensitive substrings), English and Japanese. Edit or pass your own.
THEMES: dict[str, list[str]] = {
    "price": ["price", "pricing", "expensive", "cost", "value for", "価格", "料金", "値段", "コスト", "高いと"],
    "performance": ["slow", "fast", "performance", "load", "lag", "reliable", "動作", "表示", "重い", "速くて"],
    "support": ["support", "reply", "replies", "helpful", "サポート", "問い合わせ", "返信", "回答", "対応"],
    "usability": [
        "easy",
        "intuitive",
        "confusing",
        "hard to find",
        "set up",
        "使いやすい",
        "分かりにくい",
        "わかりにくい",
        "直感",
        "操作",
        "複雑",
        "使える",
    ],
    "missing_feature": ["missing", "feature", "need an", "api", "would like", "機能", "欲しい", "ほしい", "連携"],
}


def nps_group(scores: pd.Series) -> pd.Series:
    """'promoter' (9-10), 'passive' (7-8) or 'detractor' (0-6).

    Parameters
    ----------
    scores : pandas.Series or array-like
        NPS scores from 0 to 10.

    Returns
    -------
    pandas.Series
        The group of each score (str), with the index of ``scores``. A missing score gives ``'detractor'``.

    Examples
    --------
    >>> nps_group(pd.Series([6, 7, 8, 9])).tolist()
    ['detractor', 'passive', 'passive', 'promoter']
    """
    s = pd.Series(scores)
    return pd.Series(np.select([s >= 9, s >= 7], ["promoter", "passive"], "detractor"), index=s.index, dtype="str")


def nps(responses: pd.DataFrame, *, score_col: str = "score", by: str | list[str] | None = None) -> pd.DataFrame:
    """Net Promoter Score, overall or per group.

    Share of promoters (9-10) minus share of detractors (0-6), in points from
    -100 to 100. Passives (7-8) count in the denominator only.

    Returns one row per group with ``responses``, ``promoters``,
    ``passives``, ``detractors`` and ``nps``.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per response, with the score column and any ``by`` columns.
    score_col : str, default "score"
        The column holding the 0-10 score.
    by : str or list of str, optional
        The column or columns to group by. Default: one row for all responses.

    Returns
    -------
    pandas.DataFrame
        One row, or one per group (with the ``by`` columns first, sorted by them): ``responses``, ``promoters``,
        ``passives``, ``detractors`` and ``nps`` (NaN when there are no responses). A response with a missing score
        counts in ``responses`` but in none of the three groups.

    Examples
    --------
    >>> nps(pd.DataFrame({"score": [10, 9, 8, 3]}))["nps"].item()
    25.0
    """
    s = responses[score_col]
    parts = pd.DataFrame(
        {
            "responses": 1,
            "promoters": (s >= 9).astype(int),
            "passives": s.between(7, 8).astype(int),
            "detractors": (s <= 6).astype(int),
        },
        index=responses.index,
    )
    if by is None:
        out = parts.sum().to_frame().T
    else:
        out = (
            parts.groupby([responses[b] for b in ([by] if isinstance(by, str) else by)], sort=True).sum().reset_index()
        )
    out["nps"] = np.where(
        out["responses"] > 0,
        100 * (out["promoters"] - out["detractors"]) / out["responses"].where(out["responses"] > 0, 1),
        np.nan,
    )
    return out


def _survey_rows(surveys, survey, months, date_col, survey_col, touchpoint=None, touchpoint_col="touchpoint"):
    s = surveys[surveys[survey_col] == survey]
    if touchpoint is not None:
        s = s[s[touchpoint_col] == touchpoint] if touchpoint_col in s.columns else s.iloc[0:0]
    m = month_of(s[date_col])
    keep = m.isin(pd.PeriodIndex(months, freq="M"))
    return s[keep], m[keep]


def nps_monthly(
    surveys: pd.DataFrame, months, *, date_col: str = "date", survey_col: str = "survey", score_col: str = "score"
) -> pd.DataFrame:
    """NPS of the responses dated in each month: numerator = promoters - detractors, denominator = responses.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below; the rows of survey
        ``"nps"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``value`` is 100 x
        ``numerator`` / ``denominator``, with ``numerator`` the promoters minus the detractors and ``denominator`` (also
        ``n``) the responses. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30
        responses are flagged in ``note`` as a small sample.
    """
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, "nps", months, date_col, survey_col)
    net = (
        ((s[score_col] >= 9).astype(int) - (s[score_col] <= 6).astype(int))
        .groupby(m)
        .sum()
        .reindex(months, fill_value=0)
    )
    n = m.value_counts().reindex(months, fill_value=0)
    return ratio_table(
        months, net, n, scale=100.0, zero_reason="no NPS responses in the month", small_sample=SMALL_SAMPLE
    )


def _share(surveys, survey, low, months, date_col, survey_col, score_col, reason, touchpoint=None):
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, survey, months, date_col, survey_col, touchpoint)
    good = (s[score_col] >= low).groupby(m).sum().reindex(months, fill_value=0)
    n = m.value_counts().reindex(months, fill_value=0)
    return ratio_table(months, good, n, zero_reason=reason, small_sample=SMALL_SAMPLE)


def csat(
    surveys: pd.DataFrame,
    months,
    *,
    touchpoint: str | None = None,
    date_col: str = "date",
    survey_col: str = "survey",
    score_col: str = "score",
) -> pd.DataFrame:
    """CSAT: share of CSAT responses scoring 4-5 (of 1-5), optionally for one touchpoint.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below, and optionally
        ``touchpoint``; the rows of survey ``"csat"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    touchpoint : str, optional
        Only the responses with this value in the ``touchpoint`` column (none when the table has no such column).
        Default: all responses.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        responses scoring 4 or more and ``denominator`` (also ``n``) all responses. ``value`` is NaN, with the reason in
        ``note``, when there were no responses; fewer than 30 responses are flagged in ``note`` as a small sample.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": ["csat"] * 4, "score": [5, 4, 3, 1], "date": pd.to_datetime(["2026-01-10"] * 4)})
    >>> csat(s, pd.PeriodIndex(["2026-01", "2026-02"], freq="M"))[["value", "note"]]
       value                                                note
    0    0.5                            small sample (n=4 < 30)
    1    NaN                     no CSAT responses in the month
    """
    return _share(
        surveys,
        "csat",
        4,
        months,
        date_col,
        survey_col,
        score_col,
        "no CSAT responses in the month" if touchpoint is None else f"no CSAT responses for {touchpoint} in the month",
        touchpoint,
    )


def support_rating(surveys: pd.DataFrame, months, **kw) -> pd.DataFrame:
    """CSAT over responses with touchpoint ``support``.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table, as for :func:`csat`, with a ``touchpoint`` column.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    **kw
        Column names passed on to :func:`csat` (``date_col``, ``survey_col``, ``score_col``).

    Returns
    -------
    pandas.DataFrame
        The table of :func:`csat` for ``touchpoint="support"``: one row per month with ``month``, ``value``,
        ``numerator``, ``denominator``, ``n``, ``note``.
    """
    return csat(surveys, months, touchpoint="support", **kw)


def ces(
    surveys: pd.DataFrame, months, *, date_col: str = "date", survey_col: str = "survey", score_col: str = "score"
) -> pd.DataFrame:
    """CES: share of CES responses scoring 5-7 (of 1-7; 7 = "the company made it easy").

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below; the rows of survey
        ``"ces"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        responses scoring 5 or more and ``denominator`` (also ``n``) all responses. ``value`` is NaN, with the reason in
        ``note``, when there were no responses; fewer than 30 responses are flagged in ``note`` as a small sample.
    """
    return _share(surveys, "ces", 5, months, date_col, survey_col, score_col, "no CES responses in the month")


def ces_mean(
    surveys: pd.DataFrame, months, *, date_col: str = "date", survey_col: str = "survey", score_col: str = "score"
) -> pd.DataFrame:
    """Mean CES score (1-7) of the responses in the month.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime) and score, in the columns named below; the rows of survey
        ``"ces"`` are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex
        The months to report.
    date_col, survey_col, score_col : str
        The columns holding the response date, the survey type and the score.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``. ``numerator`` is the
        sum of the scores and ``denominator`` (also ``n``) the responses. ``value`` is NaN, with the reason in ``note``,
        when there were no responses; fewer than 30 responses are flagged in ``note`` as a small sample.
    """
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, "ces", months, date_col, survey_col)
    total = s[score_col].astype("float64").groupby(m).sum().reindex(months, fill_value=0.0)
    n = m.value_counts().reindex(months, fill_value=0)
    return ratio_table(months, total, n, zero_reason="no CES responses in the month", small_sample=SMALL_SAMPLE)


def tag_themes(comments: pd.Series, themes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One boolean column per theme: does the comment mention any of its keywords (case-insensitive)?

    English keywords match at the start of a word ("use" does not match "because");
    Japanese keywords match anywhere. A comment can carry several themes.

    Parameters
    ----------
    comments : pandas.Series
        The comment texts; missing ones are dropped.
    themes : dict of str to list of str, optional
        Theme name -> keywords. Default: :data:`THEMES`.

    Returns
    -------
    pandas.DataFrame
        One row per non-missing comment, with its index, and one boolean column per theme.

    Examples
    --------
    >>> tag_themes(pd.Series(["Too expensive", "サポートの返信が遅い", "動作が遅い", None]))[["price", "support", "performance"]]
       price  support  performance
    0   True    False        False
    1  False     True        False
    2  False    False         True
    """
    themes = THEMES if themes is None else themes
    text = pd.Series(comments).dropna().astype("str").str.lower()

    def pattern(words):
        return "|".join((r"\b" + re.escape(k.lower())) if k.isascii() else re.escape(k.lower()) for k in words)

    return pd.DataFrame(
        {theme: text.str.contains(pattern(words), regex=True) for theme, words in themes.items()}, index=text.index
    )


def theme_counts(
    surveys: pd.DataFrame,
    *,
    months=None,
    themes: dict[str, list[str]] | None = None,
    date_col: str = "date",
    survey_col: str = "survey",
    score_col: str = "score",
    comment_col: str = "comment",
) -> pd.DataFrame:
    """Comments per NPS group and theme (NPS responses with a comment), with the share of the group's comments.

    Columns: ``group``, ``theme``, ``comments`` (mentioning the theme), ``of`` (comments in the group), ``share``.

    Parameters
    ----------
    surveys : pandas.DataFrame
        The surveys table: survey type, date (datetime), score and comment, in the columns named below; the rows of
        survey ``"nps"`` with a comment are used.
    months : sequence of str or pandas.Period, or pandas.PeriodIndex, optional
        Only the responses dated in these months. Default: all responses.
    themes : dict of str to list of str, optional
        Theme name -> keywords, as for :func:`tag_themes`. Default: :data:`THEMES`.
    date_col, survey_col, score_col, comment_col : str
        The columns holding the response date, the survey type, the score and the comment.

    Returns
    -------
    pandas.DataFrame
        One row per NPS group that has comments and per theme, sorted by group and then by ``comments``, most first:
        ``group``, ``theme``, ``comments``, ``of`` and ``share`` (``comments`` / ``of``).
    """
    s = surveys[(surveys[survey_col] == "nps") & surveys[comment_col].notna()]
    if months is not None:
        s = s[month_of(s[date_col]).isin(pd.PeriodIndex(months, freq="M"))]
    tags = tag_themes(s[comment_col], themes)
    group = nps_group(s[score_col])
    counts = tags.groupby(group).sum()
    of = group.value_counts()
    out = counts.stack().rename("comments").reset_index()
    out.columns = ["group", "theme", "comments"]
    out["of"] = out["group"].map(of).astype("int64")
    out["share"] = out["comments"] / out["of"]
    return out.sort_values(["group", "comments"], ascending=[True, False], kind="stable").reset_index(drop=True)
