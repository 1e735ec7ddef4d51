"""Labels for tables and charts in English and Japanese.

KPI names will come from the KPI catalog; this holds the words of the data
check and the run report.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["LABELS", "label", "translate_columns"]

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
    "mrr": ("MRR", "MRR（月次経常収益）"),
    "paying_customers": ("Paying customers", "有料顧客数"),
    "sessions": ("Sessions", "セッション数"),
    "active_users": ("Active users (MAU)", "アクティブユーザー数（MAU）"),
    "active_accounts": ("Active accounts", "アクティブ顧客数"),
    "chart_paying_mrr": ("Paying customers and MRR at month end", "月末時点の有料顧客数とMRR"),
    "chart_usage": ("Product usage per month", "月別のプロダクト利用量"),
    "chart_coverage": ("Rows per table and month (blank = no data)", "テーブル別・月別の行数（空白＝データなし）"),
    "review_month": ("review month", "対象月"),
    "not_available": ("not available: the table it needs is missing", "データなし：必要なテーブルがありません"),
}


def label(key: str, lang: str = "en") -> str:
    """The label for ``key`` in ``lang`` ("en" or "ja"); unknown keys come back unchanged.

    Examples
    --------
    >>> label("rows", "ja")
    '行数'
    >>> label("no_such_key", "ja")
    'no_such_key'
    """
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "ja" else pair[0]


def translate_columns(df: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A copy of ``df`` with its column names replaced by their labels."""
    return df.rename(columns={c: label(c, lang) for c in df.columns})
