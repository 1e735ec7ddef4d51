"""What the charts and tables show, checked on the numbers (axis start, order, break marks, notes), not on pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from playbook.data.schema import natural_order
from playbook.report.plots import plot_mrr_bridge


def _bridge(start, new, reactivation, expansion, contraction, churned):
    end = start + new + reactivation + expansion - contraction - churned
    return pd.Series(
        {
            "month": pd.Period("2026-10", "M"),
            "mrr_start": start,
            "new": new,
            "reactivation": reactivation,
            "expansion": expansion,
            "contraction": contraction,
            "churned": churned,
            "mrr_end": end,
        }
    )


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_zoomed_bridge_axis_is_marked_broken_and_says_where_it_starts(lang):
    # levels 30.7M -> +2.0 -> 32.7 -> +0.1 -> 32.8 -> +0.7 -> 33.5 (top) -> -0.3 -> 33.2 -> -0.7 -> 32.5M (end, +6%);
    # low = 30.7M, so the axis starts at 30.7 - 0.15 x (33.5 - 30.7) = 30.28M, rounded down to 2 digits: 30M,
    # above half the top, so zoomed, and marked as broken
    fig, ax = plt.subplots()
    plot_mrr_bridge(_bridge(30_700_000, 2_000_000, 100_000, 700_000, 300_000, 700_000), ax=ax, lang=lang)
    bottom = ax.get_ylim()[0]
    assert 0 < bottom < 30_700_000 and bottom == 30_000_000
    assert len([ln for ln in ax.lines if ln.get_gid() == "axis-break"]) == 2
    note = [t.get_text() for t in ax.texts if t.get_gid() == "axis-break-note"]
    assert len(note) == 1 and ("0" in note[0]) and ("¥30.0M" in note[0] or "3,000万円" in note[0]), note
    plt.close(fig)


def test_a_bridge_that_reaches_near_zero_starts_at_zero_without_break_marks():
    # a bad month: 1M -> 0.2M; zoomed, the axis would start at 0.2M - 0.15 x 0.8M = 0.08M, below half of the
    # highest level (0.5M): nothing to gain from a broken axis, so it starts at 0 and is not marked
    fig, ax = plt.subplots()
    plot_mrr_bridge(_bridge(1_000_000, 0, 0, 0, 0, 800_000), ax=ax)
    assert ax.get_ylim()[0] == 0
    assert not [ln for ln in ax.lines if ln.get_gid() == "axis-break"]
    plt.close(fig)


def test_company_sizes_sort_by_their_number_not_as_text():
    assert natural_order(["250-999", "1-49", "1000+", "50-249"]) == ["1-49", "50-249", "250-999", "1000+"]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_what_could_not_be_computed_says_so_in_one_sentence_when_everything_was(lang):
    from playbook.report.kpi_views import unavailable_kpis

    k = pd.DataFrame({"month": pd.PeriodIndex(["2026-10"] * 2, freq="M"), "kpi": ["mrr", "nrr"], "note": ["", ""]})
    out = unavailable_kpis(k, "2026-10", lang=lang)
    assert out.data in (
        "Every KPI of the catalog could be computed.",
        "カタログのすべてのKPIを計算できました。",
    )
    k.loc[1, "note"] = "not available (table usage missing)"
    assert unavailable_kpis(k, "2026-10", lang=lang).shape == (1, 2)


def test_csv_files_open_in_excel_with_japanese_text_and_no_sylk_trap(tmp_path):
    from playbook.report.export import write_csv

    p = write_csv(pd.DataFrame({"ID": ["A1"], "顧客": ["株式会社サクラ"], "note": ["=1+1"]}), tmp_path / "t.csv")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfId,")  # a BOM for Excel's UTF-8 detection; "ID" first would mean SYLK
    back = pd.read_csv(p)
    assert back.columns.tolist() == ["Id", "顧客", "note"] and back.loc[0, "note"] == "'=1+1"


def test_the_purchase_based_ltv_says_when_annual_invoices_inflate_it(sample_ds):
    from dataclasses import replace

    from playbook.data.paths import SAMPLE_DIR
    from playbook.report.context import ReviewContext
    from playbook.report.customer_views import _annual_invoice_caveat

    ctx = ReviewContext(ds=sample_ds, month=pd.Period("2026-10", "M"), lang="en", data_dir=SAMPLE_DIR, kpi_tree=None)
    # the sample bills some plans yearly and its transactions hold the invoices: the caveat is shown
    assert "overstates LTV where plans are billed yearly" in _annual_invoice_caveat(ctx)
    # only one-off purchases in the transactions: nothing to warn about
    one_off = sample_ds.transactions[sample_ds.transactions["kind"] == "one_off"]
    assert _annual_invoice_caveat(replace(ctx, ds=replace(sample_ds, transactions=one_off))) == ""


def test_the_workbook_keeps_hostile_text_as_text_and_numbers_as_numbers(tmp_path):
    from openpyxl import load_workbook

    from playbook.report.export import read_written_csv, write_csv, write_xlsx

    table = pd.DataFrame({"owner": ["=HYPERLINK(1)", "佐藤", "-3"], "mrr": [468800.0, 1200.0, 0.0]})
    back = read_written_csv(write_csv(table, tmp_path / "t.csv"))
    assert back["owner"].tolist() == ["=HYPERLINK(1)", "佐藤", "-3"]  # the CSV's ' neutralisation undone...
    ws = load_workbook(write_xlsx({"t": back}, tmp_path / "t.xlsx"))["t"]
    # ...and stored as text in the workbook: no cell is a formula
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [("=HYPERLINK(1)", "s"), ("佐藤", "s"), ("-3", "s")]
    assert [c.value for c in ws["B"][1:]] == [468800, 1200, 0] and ws["B2"].number_format == "#,##0"
    assert ws.freeze_panes == "A2"


# --------------------------------------------------------------------------- fiscal-year boundaries on trend charts


def _marks(ax):
    """The fiscal-year lines (x as months) and their labels drawn by mark_fiscal_years."""
    lines = [ln for ln in ax.lines if len(set(ln.get_xdata())) == 1 and ln.get_linewidth() == 0.7]
    xs = [ln.get_xdata()[0] for ln in lines]
    xs = [x if isinstance(x, pd.Timestamp) else matplotlib.dates.num2date(x).replace(tzinfo=None) for x in xs]
    months = [pd.Period(x, "M") for x in xs]
    return [str(m) for m in months], [t.get_text() for t in ax.texts]


@pytest.mark.parametrize(("lang", "words"), [("en", ["FY2025", "FY2026"]), ("ja", ["2025年度", "2026年度"])])
def test_trend_charts_mark_each_fiscal_year_start_with_its_label(lang, words):
    from playbook.report.plots import plot_kpi_trend

    # 2025-01 .. 2026-10 with an April start: fiscal years begin 2025-04 (FY2025) and 2026-04 (FY2026)
    months = pd.period_range("2025-01", "2026-10", freq="M")
    kpis = pd.DataFrame({"month": months, "kpi": "mrr", "value": range(len(months))})
    fig, ax = plt.subplots()
    plot_kpi_trend(kpis, "mrr", ax=ax, lang=lang, fiscal_year_start=4)
    fig.canvas.draw()  # the labels sit on a blended (data x, axes y) transform: they must draw
    assert _marks(ax) == (["2025-04", "2026-04"], words)
    plt.close(fig)
    # without a fiscal year start: no line, no label; a January start marks the calendar years inside the range
    fig, ax = plt.subplots()
    plot_kpi_trend(kpis, "mrr", ax=ax, lang=lang)
    assert _marks(ax) == ([], [])
    ax.cla()
    plot_kpi_trend(kpis, "mrr", ax=ax, lang=lang, fiscal_year_start=1)
    # the axis's margin puts the first point (2025-01) inside the range: its year is marked too
    assert _marks(ax) == (["2025-01", "2026-01"], words)
    plt.close(fig)


def test_the_forecast_chart_marks_the_fiscal_year_inside_history_and_forecast():
    from playbook.report.forecast_views import plot_mrr_forecast
    from playbook.review.forecast import kgi_forecast

    months = pd.period_range("2025-11", "2026-10", freq="M")
    b = pd.DataFrame({"month": months, "mrr_start": 1000.0, "new": 10.0, "reactivation": 0.0, "expansion": 0.0,
                      "contraction": 0.0, "churned": 10.0, "mrr_end": 1000.0})  # fmt: skip
    f = kgi_forecast(b, "2026-10", horizon=12)  # actuals 2025-11 .. 2026-10, forecast 2026-11 .. 2027-10
    fig, ax = plt.subplots()
    plot_mrr_forecast(f, ax=ax, lang="ja", fiscal_year_start=4)
    fig.canvas.draw()
    assert _marks(ax) == (["2026-04", "2027-04"], ["2026年度", "2027年度"])
    plt.close(fig)
