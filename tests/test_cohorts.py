"""Cohort matrices: known answers on hand-built activity, and invariants on the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from playbook.analyses.cohorts import cohort_matrix
from playbook.kpis.snapshots import dataset_snapshots

# a: Jan, Feb, Mar, Apr (100, 100, 150, 150: expands)
# b: Jan, -, Mar (returns after a gap), 200 each
# c: Feb, Mar (50 each); d: Mar (80); as_of = 2026-04 (b and c gone by April)
ROWS = [
    ("a", "2026-01", 100),
    ("a", "2026-02", 100),
    ("a", "2026-03", 150),
    ("a", "2026-04", 150),
    ("b", "2026-01", 200),
    ("b", "2026-03", 200),
    ("c", "2026-02", 50),
    ("c", "2026-03", 50),
    ("d", "2026-03", 80),
]
SNAPS = pd.DataFrame(ROWS, columns=["account_id", "month", "mrr"]).assign(
    month=lambda d: pd.PeriodIndex(d["month"], freq="M")
)


def m(view, **kw):
    return cohort_matrix(SNAPS, as_of="2026-04", value_col="mrr", view=view, **kw)


def test_counts_and_sizes():
    c = m("counts")
    assert c.loc["2026-01"].tolist() == [2, 2, 1, 2, 1]  # a and b; only a in Feb; both in Mar (b returns); a in Apr
    assert c.loc["2026-02"].tolist()[:4] == [1, 1, 1, 0] and np.isnan(c.loc["2026-02", 3])  # after as_of: blank
    assert c.loc["2026-03"].tolist()[:3] == [1, 1, 0]


def test_active_share_counts_returners_and_can_rise():
    a = m("active_share").loc["2026-01"]
    assert a.tolist() == [2, 1.0, 0.5, 1.0, 0.5]


def test_survival_never_rises_and_ends_at_the_first_gap():
    s = m("survival").loc["2026-01"]
    assert s.tolist() == [2, 1.0, 0.5, 0.5, 0.5]  # b stopped in Feb, its return does not count


def test_revenue_retention_includes_expansion_and_the_capped_view_does_not():
    # January cohort: 300 at k=0; k=1: a 100 -> 1/3; k=2: a 150 + b 200 = 350 -> 1.1667 (above 1); k=3: a 150 -> 0.5
    assert m("revenue").loc["2026-01"].round(4).tolist() == [2, 1.0, 0.3333, 1.1667, 0.5]
    # capped at k=0 value: a counts 100 not 150 -> k=2: (100 + 200) / 300 = 1.0
    assert m("revenue_capped").loc["2026-01"].round(4).tolist() == [2, 1.0, 0.3333, 1.0, 0.3333]


def test_realised_ltv_is_cumulative_value_per_member():
    # January cohort: 300, +100, +350, +150 -> per member 150, 200, 375, 450
    assert m("ltv").loc["2026-01"].tolist() == [2, 150.0, 200.0, 375.0, 450.0]


def test_the_weighted_average_uses_the_cohorts_observed_at_each_k():
    avg = m("active_share").loc["weighted average"]
    # k=0: all 4 members; k=1: Jan (1 of 2) + Feb (1 of 1) + Mar (0 of 1) = 2 of 4;
    # k=2: Jan (2 of 2) + Feb (0 of 1) = 2 of 3; k=3: only Jan observed, 1 of 2
    assert avg.round(4).tolist() == [4, 1.0, 0.5, 0.6667, 0.5]


def test_quarterly_cohorts_and_transactions():
    tx = pd.DataFrame(
        {
            "account_id": ["x", "x", "y"],
            "date": pd.to_datetime(["2026-01-05", "2026-04-20", "2026-02-11"]),
            "amount": [10.0, 20.0, 5.0],
        }
    )
    q = cohort_matrix(tx, as_of="2026-06-30", date_col="date", value_col="amount", view="counts", freq="Q")
    assert q.loc["2026Q1"].tolist() == [2, 2, 1]


def test_bad_views_are_refused():
    with pytest.raises(ValueError, match="view must be one of"):
        m("retention")
    with pytest.raises(ValueError, match="needs value_col"):
        cohort_matrix(SNAPS, as_of="2026-04", view="revenue")


def test_sample_cohorts_conserve_sizes_and_survival_never_rises(sample_ds):
    snaps = dataset_snapshots(sample_ds, "2026-10")
    counts = cohort_matrix(snaps, as_of="2026-10", value_col="mrr", view="counts")
    survival = cohort_matrix(snaps, as_of="2026-10", value_col="mrr", view="survival")
    cohorts = counts.drop(index="weighted average")
    # every paying account opens exactly one cohort, and k = 0 is the whole cohort
    assert cohorts["size"].sum() == snaps["account_id"].nunique() and (cohorts["size"] == cohorts[0]).all()
    rates = survival.drop(index="weighted average").drop(columns="size").to_numpy()
    diffs = np.diff(rates, axis=1)
    assert np.all(np.isnan(diffs) | (diffs <= 1e-12))
    capped = (
        cohort_matrix(snaps, as_of="2026-10", value_col="mrr", view="revenue_capped").drop(columns="size").to_numpy()
    )
    assert np.nanmax(capped) <= 1 + 1e-12
    # the newest cohort has only k = 0
    assert counts.loc["2026-10"].notna().sum() == 2


@pytest.mark.parametrize("value_col", ["mrr", None])
def test_the_dense_and_the_hashed_grid_give_the_same_matrices(sample_ds, monkeypatch, value_col):
    # the sample's (account x month) grid is small, so it is counted densely; with the thresholds at 0 the
    # same rows take the hash-and-sort path: every view must be the same, to the last bit
    from playbook.analyses import cohorts

    snaps = dataset_snapshots(sample_ds, "2026-10")
    views = cohorts.VIEWS if value_col else ("counts", "active_share", "survival")
    kw = dict(as_of="2026-10", value_col=value_col, average=True, views=views)
    dense = cohorts.cohort_matrices(snaps, **kw)
    monkeypatch.setattr(cohorts, "DENSE_CELLS", 0)
    monkeypatch.setattr(cohorts, "DENSE_PER_ROW", 0)
    hashed = cohorts.cohort_matrices(snaps, **kw)
    assert set(dense) == set(hashed) == set(views)
    for view in dense:
        pd.testing.assert_frame_equal(dense[view], hashed[view], check_exact=True)
