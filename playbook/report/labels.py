"""Labels for tables and charts in English and Japanese.

KPI names will come from the KPI catalog; this holds the words of the data
check and the run report.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["LABELS", "label", "translate_columns", "pick"]

LABELS: dict[str, tuple[str, str]] = {
    # table inventory
    "table": ("Table", "テーブル"),
    "file": ("File", "ファイル"),
    "required": ("Required", "必須"),
    "rows": ("Rows", "行数"),
    "columns": ("Columns", "列数"),
    "first_date": ("First date", "開始日"),
    "last_date": ("Last date", "最終日"),
    "accounts": ("Accounts", "顧客数"),
    "account_coverage": ("Share of accounts", "顧客カバー率"),
    "not_provided": ("not provided", "未提供"),
    "yes": ("yes", "はい"),
    "no": ("no", "いいえ"),
    # charts
    "axis_starts_at": ("Broken axis: the y axis starts at {}, not at 0", "縦軸は{}から（0からではありません）"),
    # health bands
    "red": ("red", "赤"),
    "yellow": ("yellow", "黄"),
    "green": ("green", "緑"),
    "onboarding": ("onboarding", "オンボーディング中"),
    # warnings
    "column": ("Column", "列"),
    "warning": ("Warning", "警告"),
    # KPI families
    "family": ("KPI family", "KPIファミリー"),
    "needs": ("Needs tables", "必要なテーブル"),
    "available": ("Available", "利用可否"),
    "missing": ("Missing tables", "不足テーブル"),
    # charts
    "month": ("Month", "月"),
    "sessions": ("Sessions", "セッション数"),
    "active_users": ("Active users (MAU)", "アクティブユーザー数（MAU）"),
    "chart_paying_mrr": ("Paying customers and MRR at month end", "月末時点の有料顧客数とMRR"),
    "chart_usage": ("Product usage per month", "月別のプロダクト利用量"),
    "chart_coverage": ("Rows per table and month (blank = no data)", "テーブル別・月別の行数（空白＝データなし）"),
    "review_month": ("review month", "対象月"),
    "not_available": ("not available: the table it needs is missing", "データなし：必要なテーブルがありません"),
    # KPI views
    "kpi": ("KPI", "KPI"),
    "value": ("Value", "値"),
    "numerator": ("Numerator", "分子"),
    "denominator": ("Denominator", "分母"),
    "n": ("n", "件数"),
    "note": ("Note", "注記"),
    "change_1m": ("vs last month", "前月比"),
    "change_12m": ("vs 12 months ago", "前年同月比"),
    "target": ("target", "目標"),
    "start": ("Start MRR", "期首MRR"),
    "end": ("End MRR", "期末MRR"),
    "new": ("New", "新規"),
    "reactivation": ("Reactivation", "復帰"),
    "expansion": ("Expansion", "拡張"),
    "contraction": ("Contraction", "縮小"),
    "churned": ("Churned", "解約"),
    "chart_bridge": ("MRR bridge", "MRR増減内訳（ブリッジ）"),
    "promoter": ("Promoters (9-10)", "推奨者（9-10）"),
    "passive": ("Passives (7-8)", "中立者（7-8）"),
    "detractor": ("Detractors (0-6)", "批判者（0-6）"),
    "chart_nps_groups": ("NPS responses by group", "NPS回答の内訳"),
    "share_of_responses": ("Share of responses", "回答の割合"),
    "chart_funnel": ("Funnel", "ファネル"),
    "stage": ("Stage", "ステージ"),
    "count": ("Count", "件数"),
    "feature": ("Feature", "機能"),
    "theme": ("Theme", "テーマ"),
    "cohort_active_share": ("Active share of each cohort", "コホート別のアクティブ率"),
    "cohort_survival": ("Survival of each cohort (never left)", "コホート別の生存率（一度も離脱していない割合）"),
    "cohort_revenue": ("Revenue retention of each cohort", "コホート別の売上維持率"),
    "cohort_purchases": ("Purchase cohorts: share buying again", "購買コホート：再購入した割合"),
    "curves_by_plan": ("Survival by plan", "プラン別の生存率"),
    "churn_by_band": ("Churn in the next 3 months by health band", "ヘルスバンド別・今後3か月の解約率"),
    "segment_now": ("segment now", "現在のセグメント"),
    "segment_migration": ("RFM segment migration", "RFMセグメントの移動"),
    "segment_before": ("segment 3 months ago", "3か月前のセグメント"),
    "achieved": ("achieved", "達成"),
    "on track": ("on track", "順調"),
    "at risk": ("at risk", "要注意"),
    "off track": ("off track", "未達"),
    "no data": ("no data", "データなし"),
    # statuses, SMART results, trends, verdicts and Act rules of the review
    "no target": ("no target", "目標なし"),
    "pass": ("pass", "合格"),
    "warn": ("warn", "注意"),
    "fail": ("fail", "不合格"),
    "improving": ("improving", "改善"),
    "worsening": ("worsening", "悪化"),
    "flat": ("flat", "横ばい"),
    "improved": ("improved", "改善"),
    "worsened": ("worsened", "悪化"),
    "no change": ("no change", "変化なし"),
    "too early": ("too early", "評価前"),
    "off track 3 months": ("off track 3 months", "3か月連続で未達"),
    "wide margin 3 months": ("wide margin 3 months", "3か月連続で大幅達成"),
    "not moving with the KGI": ("not moving with the KGI", "KGIと連動していない"),
    "too many KPIs": ("too many KPIs", "KPIが多すぎる"),
    "no short-horizon KPI": ("no short-horizon KPI", "短期KPIがない"),
    "revise the action plan": ("revise the action plan", "施策計画を見直す"),
    "raise the target": ("raise the target", "目標を引き上げる"),
    "consider replacing this KPI": ("consider replacing this KPI", "このKPIの入れ替えを検討する"),
    "trim the tree": ("trim the tree", "KPIを絞り込む"),
    "add a leading KPI": ("add a leading KPI", "先行指標のKPIを追加する"),
    "start an action": ("start an action", "施策を立てる"),
    "keep the plan": ("keep the plan", "計画を継続する"),
    "name": ("KPI", "KPI名"),
    "definition": ("Definition", "定義"),
    "formula": ("Formula", "計算式"),
    "unit": ("Unit", "単位"),
    "direction": ("Better when", "望ましい方向"),
    "horizon": ("Horizon", "時間軸"),
    "comments": ("Comments", "コメント数"),
    "share_of_detractor_comments": ("Share of detractor comments", "批判者コメントに占める割合"),
    "example": ("Example", "例"),
    "price": ("Price", "価格"),
    "performance": ("Performance", "性能・速度"),
    "support": ("Support", "サポート"),
    "usability": ("Usability", "使いやすさ"),
    "missing_feature": ("Missing feature", "機能不足"),
}


def label(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang`` ("en" or "ja"): a word of this module or a KPI name from the catalog.

    ``feature_adoption.tasks`` becomes "Feature adoption: tasks". Unknown keys come back unchanged.

    Parameters
    ----------
    key : str
        A key of :data:`LABELS` (such as a column name), a KPI id of the catalog, or a KPI id with a part
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
    pair = LABELS.get(key)
    if pair is not None:
        return pair[1] if lang == "ja" else pair[0]
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
