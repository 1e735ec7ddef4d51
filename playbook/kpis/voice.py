"""Voice of the customer: NPS, CSAT, CES, support rating, and keyword themes in comments.

Scores: NPS 0-10 (promoters 9-10, passives 7-8, detractors 0-6), CSAT 1-5
(satisfied = 4-5), CES 1-7 (easy = 5-7). Fewer than 30 responses in a month are
flagged as a small sample. A response without a score is not counted anywhere.
Themes come from an editable keyword list in English and Japanese — no black-box model.

Every score KPI comes with a 95 % interval (``ci_low``, ``ci_high``): NPS from the
multinomial variance of the promoter/passive/detractor split (adjusted Wald,
Rocks 2016, by default), the shares (CSAT, CES, support rating) from the Wilson
score interval, the mean CES from a t interval.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from playbook.kpis.ratios import SMALL_SAMPLE, month_of, ratio_table, wilson_interval

__all__ = [
    "nps",
    "nps_interval",
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
        The group of each score (str), with the index of ``scores``. A missing score has no group (a missing value),
        so it is counted in none of the three.

    Examples
    --------
    >>> nps_group(pd.Series([6, 7, 8, 9])).tolist()
    ['detractor', 'passive', 'passive', 'promoter']
    >>> nps_group(pd.Series([10, None])).isna().tolist()
    [False, True]
    """
    s = pd.to_numeric(pd.Series(scores), errors="coerce")
    group = np.select([s >= 9, s >= 7], ["promoter", "passive"], "detractor")
    return pd.Series(group, index=s.index, dtype="str").where(s.notna())


def nps_interval(promoters, passives, detractors, *, z: float = 1.96, method: str = "adjusted"):
    """Confidence interval of an NPS, in points, from the multinomial variance of the three groups.

    Scoring each answer +1 (promoter), 0 (passive) or -1 (detractor), NPS / 100 is the mean of the scores, and its
    variance is ``Var = [p_prom + p_det - (p_prom - p_det)**2] / n``. The interval is ``NPS +- z * sqrt(Var)``
    (normal approximation), in points and clipped to [-100, 100].

    ``method="adjusted"`` (the default) is the adjusted Wald interval (Rocks 2016, *The American Statistician*
    70(4)): 3/4 is added to the promoters and to the detractors and 3 to ``n`` (so 3/2 to the passives) before the
    formula above, which keeps the interval from collapsing to a point when every answer falls in one group and has
    closer to 95 % coverage for small samples; the interval is widened where needed so that it always contains the
    observed NPS. ``method="wald"`` is the plain formula on the observed shares. Both agree closely from about 100
    answers.

    Parameters
    ----------
    promoters, passives, detractors : array-like of int
        The answers in each group (one entry per NPS, e.g. per month).
    z : float, default 1.96
        The normal quantile of the confidence level (1.96 for 95 %).
    method : {"adjusted", "wald"}, default "adjusted"
        The adjusted Wald interval or the plain one.

    Returns
    -------
    tuple of numpy.ndarray
        The lower and upper bounds in points, within -100 and 100; NaN where there are no answers.

    Raises
    ------
    ValueError
        When ``method`` is not "adjusted" or "wald".

    Examples
    --------
    6 promoters, 2 passives, 2 detractors: NPS 40, Var = (0.6 + 0.2 - 0.4**2) / 10 = 0.064.

    >>> lo, hi = nps_interval([6], [2], [2], method="wald")
    >>> round(float(lo[0]), 1), round(float(hi[0]), 1)
    (-9.6, 89.6)
    >>> lo, hi = nps_interval([6], [2], [2])
    >>> round(float(lo[0]), 1), round(float(hi[0]), 1)
    (-12.6, 74.1)
    """
    if method not in ("adjusted", "wald"):
        raise ValueError(f"method must be 'adjusted' or 'wald'; got {method!r}")
    prom = np.asarray(promoters, dtype="float64")
    det = np.asarray(detractors, dtype="float64")
    n = prom + np.asarray(passives, dtype="float64") + det
    add, add_n = (0.75, 3.0) if method == "adjusted" else (0.0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (prom - det) / n
        p, d, m = (prom + add) / (n + add_n), (det + add) / (n + add_n), n + add_n
        centre = p - d
        half = z * np.sqrt(np.clip(p + d - centre**2, 0, None) / m)
        lo, hi = np.minimum(centre - half, estimate), np.maximum(centre + half, estimate)
    lo, hi = 100 * np.clip(lo, -1, 1), 100 * np.clip(hi, -1, 1)
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


def _mean_interval(total, squares, n, *, level: float = 0.95, scale: tuple[float, float] = (1.0, 7.0)):
    """t interval of a mean from the sum and the sum of squares of the scores, clipped to the score scale.

    NaN where there are fewer than 2 scores (no spread to estimate).
    """
    from scipy.stats import t as student_t

    total, squares, n = (np.asarray(a, dtype="float64") for a in (total, squares, n))
    ok = n >= 2
    safe_n = np.where(ok, n, 2.0)
    mean = total / safe_n
    sd = np.sqrt(np.clip((squares - safe_n * mean**2) / (safe_n - 1), 0, None))
    half = student_t.ppf(0.5 + level / 2, safe_n - 1) * sd / np.sqrt(safe_n)
    lo, hi = np.clip(mean - half, *scale), np.clip(mean + half, *scale)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def _with_interval(table: pd.DataFrame, lo, hi) -> pd.DataFrame:
    return table.assign(ci_low=np.asarray(lo, dtype="float64"), ci_high=np.asarray(hi, dtype="float64"))


def nps(responses: pd.DataFrame, *, score_col: str = "score", by: str | list[str] | None = None) -> pd.DataFrame:
    """Net Promoter Score, overall or per group.

    Share of promoters (9-10) minus share of detractors (0-6), in points from
    -100 to 100. Passives (7-8) count in the denominator only.

    Returns one row per group with ``responses``, ``promoters``,
    ``passives``, ``detractors``, ``nps`` and its 95 % interval.

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
        ``passives``, ``detractors``, ``nps`` (NaN when there are no responses), and ``ci_low`` and ``ci_high``, the
        95 % interval of :func:`nps_interval` (adjusted Wald) in points. A response with a missing score is not
        counted at all.

    Examples
    --------
    >>> nps(pd.DataFrame({"score": [10, 9, 8, 3]}))["nps"].item()
    25.0
    """
    s = pd.to_numeric(responses[score_col], errors="coerce")
    parts = pd.DataFrame(
        {
            "responses": s.notna().astype(int),
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
    out["ci_low"], out["ci_high"] = nps_interval(out["promoters"], out["passives"], out["detractors"])
    return out


def _survey_rows(
    surveys, survey, months, date_col, survey_col, touchpoint=None, touchpoint_col="touchpoint", score_col="score"
):
    s = surveys[(surveys[survey_col] == survey) & surveys[score_col].notna()]  # an answer without a score is not one
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
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``value`` is 100 x ``numerator`` / ``denominator``, with ``numerator`` the promoters minus the
        detractors and ``denominator`` (also ``n``) the responses with a score. ``value`` is NaN, with the reason in
        ``note``, when there were no responses; fewer than 30 responses are flagged in ``note`` as a small sample.
        ``ci_low`` and ``ci_high`` are the 95 % interval of :func:`nps_interval` (adjusted Wald), in points; NaN
        without responses.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": "nps", "score": [10, 9, 9, 9, 9, 9, 8, 7, 3, 0],
    ...                   "date": pd.to_datetime(["2026-01-10"] * 10)})
    >>> nps_monthly(s, ["2026-01"])[["value", "n", "ci_low", "ci_high"]].round(1)
       value   n  ci_low  ci_high
    0   40.0  10   -12.6     74.1
    """
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, "nps", months, date_col, survey_col, score_col=score_col)
    groups = pd.crosstab(m, nps_group(s[score_col])).reindex(
        index=months, columns=["promoter", "passive", "detractor"], fill_value=0
    )
    out = ratio_table(
        months,
        groups["promoter"] - groups["detractor"],
        groups.sum(axis=1),
        scale=100.0,
        zero_reason="no NPS responses in the month",
        small_sample=SMALL_SAMPLE,
    )
    return _with_interval(out, *nps_interval(groups["promoter"], groups["passive"], groups["detractor"]))


def _share(surveys, survey, low, months, date_col, survey_col, score_col, reason, touchpoint=None):
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, survey, months, date_col, survey_col, touchpoint, score_col=score_col)
    good = (s[score_col] >= low).groupby(m).sum().reindex(months, fill_value=0)
    n = m.value_counts().reindex(months, fill_value=0)
    out = ratio_table(months, good, n, zero_reason=reason, small_sample=SMALL_SAMPLE)
    return _with_interval(out, *wilson_interval(good.to_numpy(), n.to_numpy()))


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
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``numerator`` is the responses scoring 4 or more and ``denominator`` (also ``n``) all responses
        with a score. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30
        responses are flagged in ``note`` as a small sample. ``ci_low`` and ``ci_high`` are the 95 % Wilson interval
        of the share (:func:`playbook.kpis.ratios.wilson_interval`); NaN without responses.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": ["csat"] * 4, "score": [5, 4, 3, 1], "date": pd.to_datetime(["2026-01-10"] * 4)})
    >>> csat(s, pd.PeriodIndex(["2026-01", "2026-02"], freq="M"))[["value", "ci_low", "ci_high", "note"]].round(3)
       value  ci_low  ci_high                                                note
    0    0.5    0.15     0.85                             small sample (n=4 < 30)
    1    NaN     NaN      NaN                      no CSAT responses in the month
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
        ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``, ``ci_high`` (95 % Wilson interval).
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
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``numerator`` is the responses scoring 5 or more and ``denominator`` (also ``n``) all responses
        with a score. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30
        responses are flagged in ``note`` as a small sample. ``ci_low`` and ``ci_high`` are the 95 % Wilson interval
        of the share; NaN without responses.
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
        One row per month: ``month``, ``value``, ``numerator``, ``denominator``, ``n``, ``note``, ``ci_low``,
        ``ci_high``. ``numerator`` is the sum of the scores and ``denominator`` (also ``n``) the responses with a
        score. ``value`` is NaN, with the reason in ``note``, when there were no responses; fewer than 30 responses
        are flagged in ``note`` as a small sample. ``ci_low`` and ``ci_high`` are the 95 % t interval of the mean
        (mean +- t(0.975, n - 1) x sd / sqrt(n)), clipped to the 1-7 scale; NaN with fewer than 2 responses.

    Examples
    --------
    >>> s = pd.DataFrame({"survey": "ces", "score": [7, 5, 4, 6], "date": pd.to_datetime(["2026-01-10"] * 4)})
    >>> ces_mean(s, ["2026-01"])[["value", "n", "ci_low", "ci_high"]].round(2)
       value  n  ci_low  ci_high
    0    5.5  4    3.45     7.0
    """
    months = pd.PeriodIndex(months, freq="M")
    s, m = _survey_rows(surveys, "ces", months, date_col, survey_col, score_col=score_col)
    score = s[score_col].astype("float64")
    total = score.groupby(m).sum().reindex(months, fill_value=0.0)
    squares = (score**2).groupby(m).sum().reindex(months, fill_value=0.0)
    n = m.value_counts().reindex(months, fill_value=0)
    out = ratio_table(months, total, n, zero_reason="no CES responses in the month", small_sample=SMALL_SAMPLE)
    return _with_interval(out, *_mean_interval(total.to_numpy(), squares.to_numpy(), n.to_numpy()))


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
