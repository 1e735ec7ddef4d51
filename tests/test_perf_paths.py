"""The fast paths give the answers of the plain ones: shared cohort views, the remembered MRR matrix, the vectorised
weakest components, RFM's unsorted factorisation, and the usage summary's batches, one-scan check and DataFrame route."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from playbook.analyses import cohorts
from playbook.analyses.health import _weakest
from playbook.analyses.rfm import rfm_table
from playbook.data import usage_log
from playbook.kpis import revenue
from playbook.kpis.snapshots import dataset_snapshots
from tests.test_usage_log import EDGE, assert_same_summary, edge_folders

# --------------------------------------------------------------------------- cohorts: one pass, several views


def test_every_view_of_one_pass_equals_its_own_call(sample_ds):
    snaps = dataset_snapshots(sample_ds, "2026-10")
    for freq in ("M", "Q", "FQ"):
        kw = dict(as_of="2026-10", value_col="mrr", freq=freq, fiscal_year_start=4)
        together = cohorts.cohort_matrices(snaps, **kw)
        assert set(together) == set(cohorts.VIEWS)
        for view in cohorts.VIEWS:
            pd.testing.assert_frame_equal(
                together[view], cohorts.cohort_matrix(snaps, view=view, **kw), check_exact=True
            )


def test_one_pass_known_answers_with_a_gap_and_a_missing_id():
    # a: Jan 10, Feb 30 (expansion), Mar -; b: Jan 20, Feb -, Mar 5 (returns); c: Feb 40
    snaps = pd.DataFrame(
        {
            "account_id": ["a", "a", "b", "b", "c"],
            "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-01", "2026-03", "2026-02"], freq="M"),
            "mrr": [10.0, 30.0, 20.0, 5.0, 40.0],
        }
    )
    m = cohorts.cohort_matrices(snaps, as_of="2026-03", value_col="mrr", average=False)
    # the January cohort (a, b, size 2): active at k=1 only a, at k=2 only b
    assert m["counts"].loc["2026-01"].tolist() == [2.0, 2.0, 1.0, 1.0]
    # survival: a's run lasts to k=1, b's to k=0: [2/2, 1/2, 0/2]
    assert m["survival"].loc["2026-01"].tolist() == [2.0, 1.0, 0.5, 0.0]
    # revenue: (10 + 20) at k=0; 30 at k=1 -> 1.0; 5 at k=2 -> 1/6; capped: min(30, 10) = 10 -> 1/3
    assert m["revenue"].loc["2026-01"].tolist()[1:] == [1.0, 1.0, 5 / 30]
    assert m["revenue_capped"].loc["2026-01"].tolist()[1:] == [1.0, 10 / 30, 5 / 30]
    # ltv per member: 30 / 2, (30 + 30) / 2, (60 + 5) / 2
    assert m["ltv"].loc["2026-01"].tolist()[1:] == [15.0, 30.0, 32.5]
    assert np.isnan(m["counts"].loc["2026-02", 2])  # February's k=2 is after as_of


def test_an_unknown_view_is_refused_before_any_work():
    with pytest.raises(ValueError, match="view must be one of"):
        cohorts.cohort_matrices(pd.DataFrame({"account_id": [], "month": []}), as_of="2026-01", views=("nope",))


# --------------------------------------------------------------------------- the MRR matrix, built once per table


def _snaps():
    return pd.DataFrame(
        {
            "account_id": pd.array(["a", "a", "b"], dtype="str"),
            "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-02"], freq="M"),
            "mrr": [100.0, 150.0, 80.0],
        }
    )


def test_the_bridge_and_12_month_nrr_share_one_matrix(monkeypatch):
    snaps = _snaps()
    built = []
    real = revenue._key_month_matrix
    monkeypatch.setattr(revenue, "_key_month_matrix", lambda *a, **k: built.append(1) or real(*a, **k))
    months = pd.period_range("2026-02", "2026-03", freq="M")
    revenue.mrr_bridge(snaps, months)
    revenue.nrr_12m(snaps, months)
    revenue.mrr_movements(snaps, months)
    assert len(built) == 1


def test_a_table_edited_in_place_is_not_answered_from_memory():
    snaps = _snaps()
    months = pd.PeriodIndex(["2026-02"], freq="M")
    assert revenue.mrr_bridge(snaps, months)["mrr_end"].item() == 230.0
    snaps.loc[2, "mrr"] = 20.0  # b pays 20, not 80
    assert revenue.mrr_bridge(snaps, months)["mrr_end"].item() == 170.0
    snaps.loc[2, "account_id"] = "a"  # now a's second row: a pays 150 + 20 in February, one customer
    assert revenue.mrr_bridge(snaps, months)["customers_end"].item() == 1.0


def test_months_after_the_last_requested_are_left_out():
    # c pays only in March: not an account of the January-February matrix (as before the memory)
    snaps = pd.concat(
        [
            _snaps(),
            pd.DataFrame(
                {
                    "account_id": pd.array(["c"], dtype="str"),
                    "month": pd.PeriodIndex(["2026-03"], freq="M"),
                    "mrr": [5.0],
                }
            ),
        ],
        ignore_index=True,
    )
    revenue.mrr_bridge(snaps, pd.period_range("2026-01", "2026-03", freq="M"))  # the whole table remembered
    keys, span, values, pos = revenue._matrix(snaps, pd.period_range("2026-01", "2026-02", freq="M"))
    assert keys.tolist() == ["a", "b"] and str(span[0]) == "2025-12" and values.shape == (2, 3)
    assert values.tolist() == [[0.0, 100.0, 150.0], [0.0, 0.0, 80.0]] and pos.tolist() == [1, 2]


# --------------------------------------------------------------------------- health: the weakest components


def test_weakest_equals_the_row_by_row_join_on_random_scores():
    rng = np.random.default_rng(3)
    scores = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0, np.nan], size=(2000, 6))
    has = ~np.isnan(scores)
    names = ["frequency", "breadth", "depth", "growth", "voice", "support"]
    low = np.where(has & (scores <= 25), scores, np.inf)
    order = np.argsort(low, axis=1, kind="stable")
    expected = [", ".join(names[i] for i in o if np.isfinite(r[i])) for o, r in zip(order, low)]
    assert _weakest(scores, has, names).tolist() == expected
    assert _weakest(scores[:0], has[:0], names).tolist() == []


# --------------------------------------------------------------------------- RFM: ids factorised once, unsorted


@pytest.mark.parametrize("ids", [["c", "b", "a", "c"], [30, 20, 10, 30]])
def test_rfm_rows_are_sorted_by_id_whatever_the_order_they_come_in(ids):
    tx = pd.DataFrame(
        {
            "account_id": pd.array(ids, dtype="str") if isinstance(ids[0], str) else ids,
            "date": pd.to_datetime(["2026-10-01", "2026-09-01", "2026-08-01", "2026-10-20"]),
            "amount": [10.0, 20.0, 30.0, 5.0],
        }
    )
    t = rfm_table(tx, as_of="2026-10-31")
    assert [str(i) for i in t["account_id"]] == [str(i) for i in sorted(set(ids))]
    # the first id (c / 30) bought twice, 11 days before as_of at the latest, 15 in all
    assert t.iloc[-1][["recency_days", "frequency", "monetary"]].tolist() == [11, 2, 15.0]


# --------------------------------------------------------------------------- usage: batches, one-scan check, DataFrames


@pytest.mark.parametrize("layout", [1, 2])
def test_batches_of_single_months_give_the_one_query_answer(tmp_path, monkeypatch, layout):
    # BATCH_ROWS = 1: every month its own query, bounded on the stored column (TIMESTAMPTZ as a zone's midnight,
    # text through its day expression); sessions at the months' edges in JST must stay in their month
    from playbook import load_dataset

    folders = edge_folders(tmp_path)
    whole = load_dataset(folders[0]).usage
    monkeypatch.setattr(usage_log, "BATCH_ROWS", 1)
    batched = usage_log.summarise_parquet(folders[layout] / "usage", cache=False)
    assert len(batched._compute._batches()) == 3  # January, February, then March (empty) with April
    assert_same_summary(whole, batched)


def test_batches_on_a_date_column_and_a_naive_timestamp(tmp_path, monkeypatch):
    local = EDGE.assign(date=EDGE["date"].dt.tz_convert("Asia/Tokyo").dt.tz_localize(None))
    for name, frame in (("dates", local.assign(date=local["date"].dt.date)), ("naive", local)):
        folder = tmp_path / name
        folder.mkdir()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "x.parquet")
        one = usage_log.summarise_parquet(folder, cache=False)
        monkeypatch.setattr(usage_log, "BATCH_ROWS", 1)
        assert_same_summary(one, usage_log.summarise_parquet(folder, cache=False))
        monkeypatch.undo()
    # the naive timestamps are the local wall times: the same summary as the frame route
    assert_same_summary(usage_log.summarise_frame(local), usage_log.summarise_parquet(tmp_path / "naive", cache=False))


def test_the_check_and_the_rows_per_day_are_one_scan(tmp_path):
    from tests.test_usage_log import _Recorder

    folder = edge_folders(tmp_path)[1] / "usage"
    con = _Recorder(usage_log._connect())
    problems, summary = usage_log.check_and_summarise_parquet(folder, cache=False, con=con)
    assert problems == [] and len(con.sizes) == 1  # one query, one frame: counts per day (4 days + none)
    assert summary.day_rows.tolist() == [1, 2, 2, 1] and len(con.sizes) == 1  # day_rows came from the check
    summary.account_month, summary.feature_month, summary.account_features, summary.monthly(["2026-02"])
    assert len(con.sizes) == 3  # then one query for the accounts' months, one for the features


def test_a_folder_with_problems_gets_no_summary(tmp_path):
    folder = tmp_path / "usage"
    folder.mkdir()
    bad = EDGE.assign(session_seconds=[-1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), folder / "x.parquet")
    problems, summary = usage_log.check_and_summarise_parquet(folder, cache=False)
    assert summary is None and [(p.column, p.rule) for p in problems] == [
        ("session_seconds", "negative value (must be >= 0)")
    ]


def test_a_frame_with_object_ids_missing_seconds_and_no_feature():
    # ids as plain Python objects (not Arrow strings), NaN seconds skipped, no feature column
    u = pd.DataFrame(
        {
            "account_id": np.array(["b", "a", "a"], dtype=object),
            "user_id": np.array(["1", "1", "1"], dtype=object),
            "date": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-02-01"]),
            "session_seconds": [60.0, np.nan, 30.0],
        }
    )
    s = usage_log.summarise_frame(u)
    assert s.feature_month is None and s.account_features is None
    assert s.account_month["account_id"].tolist() == ["a", "b", "a"]
    assert s.account_month["seconds"].tolist() == [0.0, 60.0, 30.0]  # a's January session has no seconds
    assert s.monthly(pd.PeriodIndex(["2026-01"], freq="M"))[["sessions", "mau", "active_accounts"]].iloc[
        0
    ].tolist() == [2, 2, 2]
