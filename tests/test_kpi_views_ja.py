"""The views of notebooks 01 and 03 in Japanese: no English sentence, months as 2026年10月 (issue 13).

And the English of the same views unchanged: the sentences checked word for word on the sample's 2026-10.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
import pytest

from playbook.analyses.inventory import DataCheckSummary, data_check_summary, kpi_family_availability
from playbook.data.dataset import data_warnings
from playbook.data.paths import SAMPLE_DIR
from playbook.kpis.catalog import compute_kpis
from playbook.report import kpi_views as kr
from playbook.report.context import ReviewContext
from playbook.report.display import describe_data_check, for_display

MONTH = pd.Period("2026-10", "M")
#: three English words in a row: an English sentence (or a piece of one)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]+\s+[A-Za-z]+\s+[A-Za-z]+\b")
#: a month written as the data writes it, which a Japanese text never shows
RAW_MONTH = re.compile(r"\b\d{4}-\d{2}\b")
DESCRIBED = [
    "mrr",
    "arpa",
    "nrr",
    "grr",
    "nrr_12m",
    "logo_churn_rate",
    "expected_lifetime_months",
    "ltv_to_cac",
    "cac_payback_months",
    "nps",
    "csat",
    "first_response_hours",
    "stickiness",
    "onboarding_completion_rate",
]


def _japanese(s: str) -> None:
    """Fail when ``s`` holds an English sentence or a raw YYYY-MM month."""
    assert not ENGLISH_RUN.search(s), s
    assert not RAW_MONTH.search(s), s


@pytest.fixture(scope="module")
def sample_kpis(sample_ds):
    return compute_kpis(sample_ds, months=pd.period_range(sample_ds.first_month, MONTH, freq="M"))


@pytest.fixture(scope="module")
def sample_bridge(sample_ds):
    b = kr.month_bridge(sample_ds, pd.period_range(MONTH - 12, MONTH, freq="M"))
    return b[b["month"] == MONTH]


@pytest.mark.parametrize("kpi_id", DESCRIBED)
def test_a_kpi_is_described_in_japanese_with_the_month_as_2026年10月(sample_kpis, kpi_id):
    s = kr.describe_kpi(sample_kpis, kpi_id, MONTH, lang="ja")
    _japanese(s)
    assert s.startswith("2026年10月の") and s.endswith("ほど良い）。") and "指標です" not in s


def test_a_kpi_without_last_month_says_so_in_japanese_and_keeps_the_english_dash(sample_kpis):
    # the sample's NPS survey ran in April and October only: no value in September
    assert kr.describe_kpi(sample_kpis, "nps", MONTH, lang="ja") == (
        "2026年10月の顧客推奨度（NPS）は+12.4でした（前月比なし、直近12か月平均+10.4、高いほど良い）。"
    )
    assert kr.describe_kpi(sample_kpis, "nps", MONTH) == (
        "NPS in 2026-10: +12.4 (– vs last month; 12-month average +10.4). Higher is better."
    )


def test_a_kpi_without_a_value_gives_its_note_in_japanese():
    k = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-10"], freq="M"),
            "kpi": ["mau"],
            "value": [float("nan")],
            "note": ["not available (table usage missing)"],
        }  # fmt: skip
    )
    assert kr.describe_kpi(k, "mau", "2026-10", lang="ja") == (
        "2026年10月の月間アクティブユーザー数（MAU）は値がありません（算出不可（テーブル usage がありません））。"
    )
    assert kr.describe_kpi(k, "mau", "2026-10") == "No value for MAU in 2026-10 (not available (table usage missing))."


def test_the_english_sentences_are_those_of_before(sample_kpis, sample_bridge):
    assert kr.describe_kpi(sample_kpis, "nrr", MONTH) == (
        "Net revenue retention in 2026-10: 99.6% (+3.2 pts vs last month; 12-month average 98.1%). Higher is better."
    )
    assert kr.describe_bridge(sample_bridge) == (
        "In 2026-10 MRR went from ¥31.0M to ¥32.9M (+¥1.9M): new ¥2.0M, reactivation ¥61.6k and expansion "
        "¥622.2k added ¥2.6M; contraction ¥144.8k and churn ¥587.7k removed ¥732.5k (15 accounts churned, 22 new)."
    )


def test_the_mrr_bridge_is_described_in_japanese_with_the_shared_terms(sample_bridge):
    s = kr.describe_bridge(sample_bridge, lang="ja")
    _japanese(s)
    assert s == (
        "2026年10月のMRRは3,098万円から3,290万円になりました（+192万円）。新規196万円、復帰6.2万円、"
        "アップセル・クロスセル（拡大）62.2万円で計265万円増え、ダウングレード（縮小）14.5万円、解約58.8万円で"
        "計73.2万円減りました（解約15社、新規22社）。"
    )


def test_the_bridge_table_reads_its_months_in_japanese(sample_ds):
    b = kr.month_bridge(sample_ds, pd.period_range("2026-09", MONTH, freq="M"))
    assert kr.bridge_table(b, lang="ja").index.tolist() == ["2026年9月", "2026年10月"]
    assert kr.bridge_table(b).index.tolist() == ["2026-09", "2026-10"]


def test_the_month_table_holds_no_english_in_japanese(sample_kpis):
    t = kr.kpi_month_table(sample_kpis, MONTH, lang="ja")
    cells = [*t.columns, *(x for pair in t.index for x in pair), *t.to_numpy().ravel()]
    for cell in cells:
        _japanese(str(cell))
    note = t.loc[("オンボーディング", "オンボーディング完了率"), "注記"]
    assert note == "2026年8月コホート"  # the August cohort, in Japanese (the English note: "cohort 2026-08")
    assert ("ファネル", "ファネル転換率：全体") in t.index
    en = kr.kpi_month_table(sample_kpis, MONTH)
    assert en.loc[("Onboarding", "Onboarding completion"), "Note"] == "cohort 2026-08"
    assert ("Funnel", "Funnel conversion: overall") in en.index


def test_the_unavailable_kpis_give_their_reason_in_japanese():
    k = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-10"] * 2, freq="M"),
            "kpi": ["mau", "nrr"],
            "note": ["not available (table usage missing)", ""],
        }  # fmt: skip
    )
    ja = kr.unavailable_kpis(k, "2026-10", lang="ja")
    assert ja.iloc[0].tolist() == ["月間アクティブユーザー数（MAU）", "算出不可（テーブル usage がありません）"]
    assert kr.unavailable_kpis(k, "2026-10").iloc[0].tolist() == ["MAU", "not available (table usage missing)"]


def test_the_detractor_themes_and_the_voice_table_read_in_japanese(sample_ds):
    themes = kr.detractor_themes(sample_ds, MONTH, lang="ja")
    for name in [*themes.index, *themes.columns]:
        _japanese(name)
    assert "解約の兆し" in themes.index  # the cancellation theme, named by its label
    voice = kr.voice_table(sample_ds, MONTH, lang="ja")
    _japanese(voice.note)
    assert "2026年10月まで" in voice.note
    assert voice.table.index[-1] == "2026年10月"
    for cell in [
        *voice.table.index,
        *(x for pair in voice.table.columns for x in pair),
        *voice.table.to_numpy().ravel(),
    ]:
        _japanese(str(cell))


def test_the_data_check_is_codes_and_the_report_writes_them_in_either_language(sample_ds):
    warnings = data_warnings(sample_ds, month=MONTH)
    s = data_check_summary(sample_ds, warnings)
    assert s == DataCheckSummary(13, 13, pd.Timestamp("2026-10-31"), MONTH, len(warnings), ())
    ja = describe_data_check(sample_ds, warnings, "ja")
    _japanese(ja)
    assert "2026年10月31日時点" in ja and "最新の月は2026年10月です" in ja
    assert ja.startswith("**判定：データに問題はありません。**") and ja.endswith("すべての分類のKPIを計算できます。")
    assert describe_data_check(sample_ds, warnings) == (
        f"**Verdict: the data is valid.** 13 of 13 tables were read; the data is as of 2026-10-31 and the latest "
        f"complete month is 2026-10. {len(warnings)} warning(s) to look at (none stops the review). "
        "Every KPI family can be computed."
    )


def test_the_data_check_names_the_families_the_tables_do_not_allow():
    ds = SimpleNamespace(
        tables={"accounts": None, "subscriptions": None, "usage": None},
        as_of=pd.Timestamp("2026-10-31"),
        last_complete_month=MONTH,
    )
    s = data_check_summary(ds, pd.DataFrame({"rows": [1]}))
    assert s.tables_read == 3 and s.warnings == 1
    assert s.unavailable_families[:3] == ("value", "purchases", "seats")  # costs, transactions, users missing
    ja = describe_data_check(ds, pd.DataFrame({"rows": [1]}), "ja")
    _japanese(ja)
    assert "計算できないKPIの分類：顧客価値：LTV・CAC" in ja
    en = describe_data_check(ds, pd.DataFrame({"rows": [1]}))
    assert " KPI families not available: Value: LTV, CAC, LTV/CAC, payback, CRC; Purchases: " in en
    fam = kpi_family_availability(ds, "ja").set_index("needs")
    assert fam.loc["subscriptions または mrr_monthly、costs", "missing"] == "costs"


def test_the_review_line_and_the_inventory_months_read_in_japanese(sample_ds):
    ctx = ReviewContext(ds=sample_ds, month=MONTH, lang="ja", data_dir=SAMPLE_DIR, kpi_tree=None)
    line = ctx._repr_markdown_()
    assert line.startswith("**対象月：2026年10月**") and "2026年10月31日時点" in line
    en = ReviewContext(ds=sample_ds, month=MONTH, lang="en", data_dir=SAMPLE_DIR, kpi_tree=None)
    assert en._repr_markdown_().startswith("**Review month 2026-10** · data: ")
    assert "13 tables, as of 2026-10-31) · currency JPY · timezone Asia/Tokyo" in en._repr_markdown_()
    t = pd.DataFrame({"table": ["costs", "accounts"], "first_date": ["2023-11", "2023-11-01"]})
    shown = for_display(t, "ja", months=["first_date"], index="table")
    assert shown["開始日"].tolist() == ["2023年11月", "2023-11-01"]
    assert for_display(t, "en", months=["first_date"])["First date"].tolist() == ["2023-11", "2023-11-01"]


def test_several_kpis_read_as_one_paragraph_spaced_in_english_only(sample_kpis):
    ids = ["nrr", "grr", "nrr_12m"]
    en = kr.describe_kpis(sample_kpis, ids, MONTH)
    assert en == " ".join(kr.describe_kpi(sample_kpis, k, MONTH) for k in ids)  # as notebook 03 joined them
    ja = kr.describe_kpis(sample_kpis, ids, MONTH, lang="ja")
    _japanese(ja)
    assert ja.count("2026年10月の") == 3 and "。 " not in ja
