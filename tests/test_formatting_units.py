"""Purchase units as a reader expects them: orders per buyer, cents of a small average order, whole people."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from playbook.kpis.catalog import kpi
from playbook.report.formatting import format_change, format_delta, format_value, money_formatter, unit_formatter
from playbook.report.plots import plot_row_coverage


def test_purchase_frequency_is_orders_per_buyer_not_a_multiple():
    assert kpi("purchase_frequency").unit == "orders"
    # 2,043 orders by 1,506 buyers = 1.3566 orders each
    assert format_value(2043 / 1506, "orders", lang="ja") == "1.36回"
    assert format_value(2043 / 1506, "orders") == "1.36 orders"
    # 1.3566 against 1.3339 the month before: +0.0227, written +0.02 (not ±0.0倍)
    assert format_change(2043 / 1506, 1.3339, "orders", lang="ja") == "+0.02回"
    assert format_change(1.36, 1.36, "orders", lang="ja") == "±0.00回"
    assert "倍" not in format_value(1.4, "orders", lang="ja")


def test_a_small_average_order_keeps_its_cents_and_yen_stay_whole():
    assert format_value(37.25, "currency", "USD") == "$37.25"
    assert format_delta(0.46, "currency", "USD") == "+$0.46"  # the needed monthly change is not "+$0"
    assert format_value(40.0, "currency", "USD") == "$40"
    assert (
        format_value(37.25, "currency", "JPY") == "¥37" and format_value(3725.0, "currency", "JPY", "ja") == "3,725円"
    )
    # an axis tick at 1.25M reads $1.25M, not $1.2M
    assert money_formatter("USD")(1_250_000, 0) == "$1.25M"


def test_counts_of_people_never_show_fractions():
    # a target on a ramp 1,450 -> 1,800 over 8 months, 2 months in: 1,537.5 people
    assert format_value(1537.5, "count") == "1,538" and format_value(1749.8, "users") == "1,750"
    assert format_delta(49.04, "count") == "+49" and format_delta(0.5, "count") == "+0.5"
    f = unit_formatter("count")
    assert [f(x, 0) for x in (0.0, 0.5, 1.0, 1.5)] == ["0", "", "1", ""]


def test_the_coverage_heatmap_labels_do_not_run_into_each_other():
    months = [str(p) for p in pd.period_range("1997-01", "1998-06", freq="M")]
    counts = pd.DataFrame([[5] * 18, [2] * 18], index=["accounts", "transactions"], columns=months)
    fig, ax = plt.subplots(figsize=(10, 4.2))
    plot_row_coverage(counts, ax=ax, lang="ja")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    # short month labels, the year written under January only (and the first month)
    assert labels[0] == "1月\n1997年" and labels[1] == "2月" and labels[12] == "1月\n1998年"
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_xticklabels()]
    assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:]))  # no two labels overlap
    plt.close(fig)
