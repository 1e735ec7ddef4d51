"""The fiscal year (年度): labels at the year boundary, fiscal-year-to-date values, FY deadlines, FY cohorts."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from playbook import DataValidationError, load_dataset
from playbook.data.config import parse_fiscal_year_start
from playbook.kpis import fiscal
from playbook.kpis.catalog import KPI_IDS
from playbook.review.tree import parse_kpi_tree
from tests.conftest import SAMPLE

APRIL = 4  # the sample company's fiscal year: 2026年度 = 2026-04 .. 2027-03


# ----------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "month,year,quarter,en,ja",
    [
        ("2026-03", 2025, 4, "FY2025 Q4", "2025年度Q4"),
        ("2026-04", 2026, 1, "FY2026 Q1", "2026年度Q1"),
        ("2026-06", 2026, 1, "FY2026 Q1", "2026年度Q1"),
        ("2026-07", 2026, 2, "FY2026 Q2", "2026年度Q2"),
        ("2026-12", 2026, 3, "FY2026 Q3", "2026年度Q3"),
        ("2027-01", 2026, 4, "FY2026 Q4", "2026年度Q4"),
        ("2027-03", 2026, 4, "FY2026 Q4", "2026年度Q4"),
        ("2027-04", 2027, 1, "FY2027 Q1", "2027年度Q1"),
    ],
)
def test_a_fiscal_year_starting_in_april_is_named_by_the_year_it_starts_in(month, year, quarter, en, ja):
    assert fiscal.fiscal_year(month, APRIL) == year and fiscal.fiscal_quarter(month, APRIL) == quarter
    assert fiscal.fiscal_label(month, APRIL, quarter=True) == en
    assert fiscal.fiscal_label(month, APRIL, quarter=True, lang="ja") == ja
    assert fiscal.fiscal_label(month, APRIL, lang="ja") == f"{year}年度"


def test_pandas_q_mar_names_the_year_by_its_end_so_its_labels_are_not_ours():
    april = pd.Period("2026-04", freq="M")
    assert april.asfreq("Q-MAR").qyear == 2027 and april.asfreq("Q-MAR").quarter == 1  # pandas: "2027Q1"
    assert fiscal.fiscal_code(april, APRIL, quarter=True) == "FY2026Q1"  # 2026年度Q1
    assert fiscal.fiscal_quarter_freq(APRIL) == "Q-MAR"  # same quarters, used for grouping only


def test_a_calendar_year_company_has_fiscal_years_equal_to_calendar_years():
    assert fiscal.DEFAULT_START == 1
    assert [
        fiscal.fiscal_code(m, 1, quarter=True) for m in ("2026-01", "2026-03", "2026-04", "2026-12", "2027-01")
    ] == [
        "FY2026Q1",
        "FY2026Q1",
        "FY2026Q2",
        "FY2026Q4",
        "FY2027Q1",
    ]
    assert str(fiscal.fiscal_year_end(2026, 1)) == "2026-12"
    new = pd.Series([4.0, 6.0, 1.0], index=["2025-12", "2026-01", "2026-02"])
    assert fiscal.fy_to_date(new, "2025-12", 1) == 4.0  # December closes FY2025 (its only month here)
    assert fiscal.fy_to_date(new, "2026-02", 1) == 7.0  # 6 + 1: January opens FY2026


def test_the_months_and_the_end_of_a_fiscal_year():
    months = fiscal.fiscal_months(2026, APRIL)
    assert [str(months[0]), str(months[-1]), len(months)] == ["2026-04", "2027-03", 12]
    assert str(fiscal.fiscal_year_end(2026, APRIL)) == "2027-03"
    assert fiscal.fiscal_year_start({"fiscal_year_start": "4"}) == 4 and fiscal.fiscal_year_start({}) == 1


# ----------------------------------------------------------------------------- fiscal year to date


NEW_CUSTOMERS = pd.Series(
    [3.0, 5.0, 2.0, 4.0, 1.0], index=pd.PeriodIndex(["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"], freq="M")
)


def test_fy_to_date_sums_restart_in_april():
    # FY2025 to March: Jan 3 + Feb 5 + Mar 2 = 10 (its April-December months are not in the data)
    assert fiscal.fy_to_date(NEW_CUSTOMERS, "2026-03", APRIL, "sum") == 10.0
    # FY2026 to April: April alone = 4; to May: 4 + 1 = 5
    assert fiscal.fy_to_date(NEW_CUSTOMERS, "2026-04", APRIL, "sum") == 4.0
    assert fiscal.fy_to_date(NEW_CUSTOMERS, "2026-05", APRIL, "sum") == 5.0
    # the calendar year does not restart in April: Jan..May = 3 + 5 + 2 + 4 + 1 = 15
    assert fiscal.fy_to_date(NEW_CUSTOMERS, "2026-05", 1, "sum") == 15.0


def test_fy_to_date_of_a_level_is_its_change_and_of_a_rate_its_monthly_mean():
    mrr = pd.Series([100.0, 110.0, 120.0, 150.0], index=["2026-02", "2026-03", "2026-04", "2026-05"])
    # change since the fiscal year began: May 150 - March (FY2025's last month) 110 = 40; in April 120 - 110 = 10
    assert fiscal.fy_to_date(mrr, "2026-05", APRIL, "change") == 40.0
    assert fiscal.fy_to_date(mrr, "2026-04", APRIL, "change") == 10.0
    # FY2025 began in April 2025, not in the data: no change to report
    assert pd.isna(fiscal.fy_to_date(mrr, "2026-03", APRIL, "change"))
    churn = pd.Series([0.04, 0.02, 0.03, float("nan")], index=["2026-03", "2026-04", "2026-05", "2026-06"])
    # mean of the fiscal year's months with a value: (0.02 + 0.03) / 2 = 0.025; March is FY2025's
    assert fiscal.fy_to_date(churn, "2026-06", APRIL, "mean") == pytest.approx(0.025)
    assert fiscal.fy_to_date(churn, "2026-03", APRIL, "mean") == pytest.approx(0.04)
    with pytest.raises(ValueError, match="how must be"):
        fiscal.fy_to_date(churn, "2026-06", APRIL, "median")


def test_fiscal_totals_mark_complete_years():
    months = pd.period_range("2025-04", "2026-05", freq="M")
    values = pd.Series(1.0, index=months)  # one new customer a month
    totals = fiscal.fiscal_totals(values, APRIL)
    # FY2025 = 2025-04 .. 2026-03: 12 months, complete, total 12; FY2026 so far: April and May = 2
    assert totals.loc["FY2025", ["value", "months", "complete"]].tolist() == [12.0, 12, True]
    assert totals.loc["FY2026", ["value", "months", "complete"]].tolist() == [2.0, 2, False]
    assert str(totals.loc["FY2026", "last_month"]) == "2026-05"


def test_each_kpi_is_summed_changed_or_averaged_and_the_lists_name_catalog_ids():
    assert set(KPI_IDS) >= (fiscal.FLOWS | fiscal.LEVELS) and not fiscal.FLOWS & fiscal.LEVELS
    assert [fiscal.aggregation(k) for k in ("new_mrr", "new_customers", "arr", "paying_customers", "nrr")] == [
        "sum",
        "sum",
        "change",
        "change",
        "mean",
    ]
    assert fiscal.aggregation("feature_adoption.reports") == "mean"


# ----------------------------------------------------------------------------- settings


@pytest.mark.parametrize("value", ["April", "0", "13", "4.5", True, None, [4]])
def test_a_fiscal_year_start_that_is_not_a_month_number_is_refused(value):
    start, rules = parse_fiscal_year_start(value)
    assert start is None and rules == [
        f"fiscal_year_start {value!r} is not a month number 1-12 (e.g. 4 for a fiscal year starting in April)"
    ]
    assert parse_fiscal_year_start("4") == (4, []) and parse_fiscal_year_start(12) == (12, [])


def test_dataset_yaml_sets_the_fiscal_year_and_refuses_a_bad_one(make_folder):
    ds = load_dataset(make_folder({"dataset.yaml": "fiscal_year_start: 4\n"}))
    assert fiscal.fiscal_year_start(ds) == 4
    assert fiscal.fiscal_year_start(load_dataset(make_folder())) == 1  # the calendar year by default
    with pytest.raises(DataValidationError) as info:
        load_dataset(make_folder({"dataset.yaml": "fiscal_year_start: 13\n"}))
    assert "dataset.yaml, setting 'fiscal_year_start': fiscal_year_start '13' is not a month number 1-12" in str(
        info.value
    )


# ----------------------------------------------------------------------------- the KPI tree


def _tree(**deadlines) -> dict:
    data = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    data["kgi"]["deadline"] = deadlines.get("kgi", data["kgi"]["deadline"])
    first = data["kfs"][0]["kpis"][0]
    first["deadline"] = deadlines.get("kpi", first["deadline"])
    return data


@pytest.mark.parametrize("written", ["FY2026", "2026年度", "fy2026", "FY 2026"])
def test_a_fiscal_year_deadline_is_its_last_month(written):
    tree = parse_kpi_tree(_tree(kgi=written, kpi=written), fiscal_year_start=APRIL)
    assert str(tree.kgi.deadline) == "2027-03" and str(tree.kpis[0].deadline) == "2027-03"
    calendar = parse_kpi_tree(_tree(kgi=written, kpi=written))  # a calendar-year company: December
    assert str(calendar.kgi.deadline) == "2026-12" and str(calendar.kpis[0].deadline) == "2026-12"
    assert str(parse_kpi_tree(_tree(kgi="2026-09"), fiscal_year_start=APRIL).kgi.deadline) == "2026-09"


def test_a_bad_deadline_names_the_entry_and_both_forms():
    with pytest.raises(DataValidationError) as info:
        parse_kpi_tree(_tree(kgi="FY26", kpi="2026年"), file="kpi_tree.yaml", fiscal_year_start=APRIL)
    assert str(info.value).splitlines()[1:] == [
        "  - kpi_tree.yaml, entry 'kgi (arr_goal)': deadline 'FY26' is not a month (expected YYYY-MM) "
        "or a fiscal year (FY2026, 2026年度)",
        "  - kpi_tree.yaml, entry 'kfs[0].kpis[0] (onboarding_done)': deadline '2026年' is not a month "
        "(expected YYYY-MM) or a fiscal year (FY2026, 2026年度)",
    ]


# ----------------------------------------------------------------------------- the scorecard and the cohorts


@pytest.fixture(scope="module")
def april_reports():
    """The sample's October review in both languages, its fiscal year starting in April (set in memory)."""
    from playbook.report.goal_views import GoalReport
    from playbook.run.notebook import open_review

    out = {}
    for lang in ("en", "ja"):
        ctx = open_review(month="2026-10", data_dir="data/sample", kpi_tree="data/sample/kpi_tree.yaml", lang=lang)
        ctx.ds.settings["fiscal_year_start"] = "4"
        out[lang] = GoalReport.build(ctx)
    return out


def test_the_scorecard_has_the_fiscal_year_to_date(april_reports):
    en = april_reports["en"]
    rows = en.scorecard_rows().set_index("id")
    assert set(rows["fiscal_year"]) == {"FY2026"} and set(rows["fy_basis"]) == {"mean"}  # the sample's KPIs are rates
    h = en.history[en.history["goal"] == "logo_churn"].set_index("month")["value"]
    months = pd.period_range("2026-04", "2026-10", freq="M")  # 2026年度 to date: April to October
    assert rows.loc["logo_churn", "fy_to_date"] == pytest.approx(h.reindex(months).mean())
    last = pd.period_range("2025-04", "2025-10", freq="M")  # the same months of 2025年度
    assert rows.loc["logo_churn", "prior_fy_to_date"] == pytest.approx(h.reindex(last).mean())
    whole = pd.period_range("2025-04", "2026-03", freq="M")
    assert rows.loc["logo_churn", "prior_fy_total"] == pytest.approx(h.reindex(whole).mean())
    table = en.scorecard_table()
    assert "FY2026 to date" in table.columns
    assert table.loc[table.index[1], "FY2026 to date"].endswith("(monthly average)")


def test_the_fiscal_columns_read_in_japanese(april_reports):
    ja = april_reports["ja"]
    table = ja.scorecard_table()
    column = table["2026年度（期首から）"]
    assert all(v.startswith("月平均 ") for v in column)
    rows = ja.scorecard_rows()
    assert set(rows["年度"]) == {"2026年度"} and set(rows["集計方法"]) == {"月平均"}
    assert not any(re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", str(v)) for v in column)


def test_a_level_kpi_shows_its_change_since_the_fiscal_year_began(april_reports):
    en = april_reports["en"]
    r = pd.Series({"fy_to_date": 1_200_000.0, "fy_basis": "change"})
    assert en._fy_to_date_text(r, "arr", "currency") == "+¥1.2M since 2026-03"
    ja = april_reports["ja"]
    assert ja._fy_to_date_text(r, "arr", "currency").startswith("2026年3月末比 +")


def test_cohorts_by_fiscal_quarter_are_named_the_japanese_way(april_reports):
    from playbook.report import customer_views as cr

    en_ctx, ja_ctx = april_reports["en"].ctx, april_reports["ja"].ctx
    views = cr.cohort_views(en_ctx, "fiscal_quarter")
    index = views["active_share"].index.tolist()
    # the data starts in 2023-11 (FY2023 Q3 with an April start) and the review month 2026-10 is FY2026 Q3
    assert index[0] == "FY2023 Q3" and index[-2:] == ["FY2026 Q3", "weighted average"]
    assert "FY2026 Q1" in index and "FY2025 Q4" in index
    ja = cr.purchase_cohorts(ja_ctx, "fiscal_quarter").index.tolist()
    assert "2026年度Q1" in ja and all(re.fullmatch(r"\d{4}年度Q[1-4]", c) for c in ja[:-1])
    with pytest.raises(ValueError, match="period must be one of"):
        cr.cohort_views(en_ctx, "week")
