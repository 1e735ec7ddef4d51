"""Tiny cohorts (a cohort of 2 among hundreds) are pooled into one row, or left out, never shown alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.analyses.cohorts import AVERAGE, SMALL, cohort_matrix


def activity(cohorts: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """Per cohort month: (members, members active again the next month)."""
    rows = []
    for month, (n, again) in cohorts.items():
        start = pd.Period(month, freq="M")
        for i in range(n):
            rows.append((f"{month}-{i}", start))
            if i < again:
                rows.append((f"{month}-{i}", start + 1))
    return pd.DataFrame(rows, columns=["account_id", "month"])


def test_a_cohort_below_the_share_is_left_out_of_the_rows_but_not_of_the_average():
    a = activity({"2026-01": (200, 100), "2026-02": (200, 50), "2026-03": (2, 2)})
    m = cohort_matrix(a, as_of="2026-04", view="active_share", min_share=0.01)
    # 1% of 402 members = 4.02: the March cohort of 2 is too small, and so is the pool of it alone
    assert m.index.tolist() == ["2026-01", "2026-02", AVERAGE] and m.attrs["small"] == 2
    # the average at k = 1 still counts it: (100 + 50 + 2) / 402
    assert np.isclose(m.loc[AVERAGE, 1], 152 / 402) and m.loc[AVERAGE, "size"] == 402


def test_small_cohorts_that_add_up_are_pooled_into_one_weighted_row():
    a = activity({"2026-01": (200, 100), "2026-02": (3, 3), "2026-03": (3, 0), "2026-04": (200, 20)})
    m = cohort_matrix(a, as_of="2026-05", view="active_share", min_share=0.01)
    # 1% of 406 = 4.06: the two cohorts of 3 are pooled (6 members), active at k = 1: (3 + 0) / 6
    assert m.index.tolist() == ["2026-01", "2026-04", SMALL, AVERAGE]
    assert m.loc[SMALL, "size"] == 6 and m.loc[SMALL, 1] == 0.5 and m.attrs["small"] == 6


def test_without_a_share_every_cohort_has_its_row():
    a = activity({"2026-01": (200, 100), "2026-02": (2, 2)})
    assert cohort_matrix(a, as_of="2026-03").index.tolist() == ["2026-01", "2026-02", AVERAGE]
