"""RFM "New" is for first-time customers: one who bought long ago, lapsed and came back once is "Returning"."""

from __future__ import annotations

import pandas as pd

from playbook.analyses.rfm import check_segments, rfm_table, segment_migration


def tx(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))


# ten customers scored on 2026-10-31 over 365 days; "back" first bought in 2024-10, nothing since until this month
ROWS = [
    ("new", "2026-10-28", 50.0),  # first purchase ever this month: new
    ("back", "2024-10-15", 80.0),  # two years ago, outside the 365-day window
    ("back", "2026-10-27", 60.0),  # and once this month
    *[(f"old{i}", f"2026-0{i + 1}-10", 40.0) for i in range(8)],  # one purchase each in Jan-Aug 2026
]


def test_a_customer_who_first_bought_two_years_ago_is_returning_not_new():
    t = rfm_table(tx(ROWS), as_of="2026-10-31", lookback_days=365).set_index("account_id")
    # recency 3 (new) and 4 (back) days: the two most recent of 10 -> R = 5; everybody bought once in the window -> F = 1
    assert t.loc[["new", "back"], ["r_score", "f_score"]].to_numpy().tolist() == [[5, 1], [5, 1]]
    assert t.loc["new", "segment"] == "New"
    assert t.loc["back", "segment"] == "Returning"


def test_without_a_lookback_a_second_purchase_is_counted_and_nobody_is_taken_for_new():
    t = rfm_table(tx(ROWS), as_of="2026-10-31").set_index("account_id")
    assert t.loc["back", "frequency"] == 2 and t.loc["back", "segment"] != "New"
    assert t.loc["new", "segment"] == "New"


def test_the_migration_matrix_never_moves_a_lapsed_customer_to_new():
    rows = [
        ("back", "2025-09-01", 80.0),  # on 2026-07-31 the only purchase in the window, 333 days old: Lost
        ("back", "2026-10-20", 60.0),  # came back once
        *[(f"c{i}", f"2026-{m:02d}-05", 40.0) for i, m in enumerate([6, 6, 7, 7, 7, 8, 9, 10])],
        *[(f"d{i}", "2025-10-05", 40.0) for i in range(4)],  # bought once in Oct 2025: present on 2026-07-31 only
    ]
    t = tx(rows)
    before = rfm_table(t, as_of="2026-07-31", lookback_days=365).set_index("account_id")
    assert before.loc["back", "segment"] == "Lost"
    m = segment_migration(t, "2026-07-31", "2026-10-31", lookback_days=365)
    assert m.loc["Lost", "Returning"] == 1
    assert "New" not in m.columns or m.loc["Lost", "New"] == 0


def test_the_default_segments_still_share_out_the_grid_for_new_and_returning_customers():
    assert check_segments().empty
    # Rest takes R1-4 (100 cells); R5 x F2-5 (20 cells) match nothing, and R5 x F1 (5 cells, M 1-5) go to New only
    # for new customers: a returning customer there is left to Others too, 25 cells
    table = [{"name": "New", "r": [5, 5], "f": [1, 1], "new": True}, {"name": "Rest", "r": [1, 4]}]
    assert (
        check_segments(table).set_index("segment").loc["Others", "detail"] == "25 of 125 R/F/M cells match no segment"
    )
    table[0]["new"] = False
    assert (
        check_segments(table).set_index("segment").loc["Others", "detail"] == "20 of 125 R/F/M cells match no segment"
    )
