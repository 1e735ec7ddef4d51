"""RFM: scores, ties, cut points, segments and their checks, migration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook import DataValidationError
from playbook.analyses.rfm import check_segments, rfm_table, segment_migration, segment_summary


def tx(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))


TEN = tx([(f"c{i}", f"2026-10-{i + 1:02d}", 100.0 * (i + 1)) for i in range(10)])


def test_recency_runs_the_right_way_and_scores_are_quintiles():
    t = rfm_table(TEN, as_of="2026-10-31").set_index("account_id")
    # c9 bought on 10-10 (21 days ago, the most recent), c0 on 10-01 (30 days): two customers per quintile
    assert t.loc["c9", "recency_days"] == 21 and t.loc["c9", "r_score"] == 5
    assert t.loc["c0", "r_score"] == 1 and t.loc["c0", "m_score"] == 1 and t.loc["c9", "m_score"] == 5
    assert sorted(t["r_score"].value_counts().tolist()) == [2] * 5
    assert t.loc["c9", "rfm_score"] == 100 * 5 + 10 * 3 + 5  # everybody bought once: F ties on the middle score


def test_equal_values_always_share_a_score():
    t = rfm_table(
        tx([("a", "2026-10-01", 50.0), ("b", "2026-10-01", 50.0), ("c", "2026-10-20", 90.0)]), as_of="2026-10-31"
    )
    assert t["r_score"].tolist()[:2] == [t["r_score"].iloc[0]] * 2 and t["m_score"].iloc[0] == t["m_score"].iloc[1]


def test_single_purchase_heavy_data():
    rows = [(f"one{i}", "2026-09-15", 100.0) for i in range(40)] + [
        ("many", f"2026-0{m}-10", 100.0) for m in range(1, 10)
    ]
    t = rfm_table(tx(rows), as_of="2026-10-31").set_index("account_id")
    # 40 of 41 bought once: they all share one frequency score, the repeat buyer gets 5
    assert t.loc["many", "f_score"] == 5 and t.drop(index="many")["f_score"].nunique() == 1


def test_cut_points_are_returned():
    t = rfm_table(TEN, as_of="2026-10-31")
    cuts = t.attrs["cut_points"]
    # recency: the fewest days getting scores 1..5 (c0/c1 30-29 days ... c8/c9 22-21 days)
    assert cuts["recency_days"] == [29.0, 27.0, 25.0, 23.0, 21.0]
    assert cuts["monetary"] == [200.0, 400.0, 600.0, 800.0, 1000.0]


def test_monetary_is_net_of_refunds_and_the_mean_is_per_order():
    t = rfm_table(
        tx([("a", "2026-10-01", 300.0), ("a", "2026-10-05", 100.0), ("a", "2026-10-06", -50.0)]), as_of="2026-10-31"
    )
    assert t.loc[0, "frequency"] == 2 and t.loc[0, "monetary"] == 350.0 and t.loc[0, "monetary_mean"] == 175.0


def test_a_single_customer_and_an_empty_window():
    t = rfm_table(tx([("a", "2026-10-01", 300.0)]), as_of="2026-10-31")
    assert t[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [5, 5, 5] and t["segment"].item() == "Champions"
    with pytest.raises(DataValidationError, match="no orders in the 30 days up to 2026-12-31"):
        rfm_table(TEN, as_of="2026-12-31", lookback_days=30)


def test_segments_first_match_wins_and_others_catches_the_rest():
    table = [{"name": "Top", "r": [5, 5], "f": [1, 5]}, {"name": "Shadowed", "r": [5, 5], "f": [5, 5]}]
    t = rfm_table(TEN, as_of="2026-10-31", segments=table)
    assert set(t.loc[t["r_score"] == 5, "segment"]) == {"Top"} and set(t.loc[t["r_score"] < 5, "segment"]) == {"Others"}


def test_the_segment_check_reports_overlaps_unreachable_segments_and_gaps():
    assert check_segments().empty  # the default table partitions the grid
    issues = check_segments(
        [
            {"name": "Top", "r": [4, 5], "f": [1, 5]},
            {"name": "Shadowed", "r": [5, 5], "f": [4, 5]},
            {"name": "Partly", "r": [3, 4], "f": [1, 1]},
        ]
    ).set_index("segment")
    assert issues.loc["Shadowed", "issue"] == "unreachable"
    assert (
        issues.loc["Partly", "issue"] == "overlap"
        and "5 of 10 cells go to earlier segments: Top" in issues.loc["Partly", "detail"]
    )
    # Top covers R4-5 x F1-5 x M1-5 = 50 cells, Partly adds R3 x F1 x M1-5 = 5: 125 - 55 = 70 left
    assert issues.loc["Others", "detail"] == "70 of 125 R/F/M cells match no segment"
    with pytest.raises(DataValidationError, match="r range \\[0, 9\\] is not \\[low, high\\] within 1-5"):
        check_segments([{"name": "Bad", "r": [0, 9]}])


def test_segment_summary_shares_add_up(sample_ds):
    s = segment_summary(rfm_table(sample_ds.transactions, as_of="2026-10-31", lookback_days=365))
    assert np.isclose(s["customer_share"].sum(), 1) and np.isclose(s["revenue_share"].sum(), 1)


def test_migration_rows_sum_to_the_customers_present_at_both_dates(sample_ds):
    before, after = "2026-07-31", "2026-10-31"
    m = segment_migration(sample_ds.transactions, before, after, lookback_days=365)
    a = rfm_table(sample_ds.transactions, as_of=before, lookback_days=365).set_index("account_id")["segment"]
    b = rfm_table(sample_ds.transactions, as_of=after, lookback_days=365).set_index("account_id")["segment"]
    both = a.index.intersection(b.index)
    assert m.to_numpy().sum() == len(both)
    assert m.sum(axis=1).to_dict() == a.loc[both].value_counts().reindex(m.index).to_dict()


def test_average_rank_counts_like_pandas_rank():
    from playbook.analyses.rfm import _average_rank

    rng = np.random.default_rng(3)
    for v in (
        rng.integers(0, 50, 1000).astype(float),
        rng.integers(-(10**6), 10**6, 100).astype(float),
        rng.random(500),
    ):
        np.testing.assert_allclose(_average_rank(v), pd.Series(v).rank(method="average").to_numpy())
