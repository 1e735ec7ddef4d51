"""The usage log two ways: a pandas table and a folder of Parquet files read by DuckDB must give identical results."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from playbook import load_dataset
from playbook.analyses.health import health_inputs
from playbook.analyses.inventory import monthly_overview, monthly_row_counts, table_inventory
from playbook.data.dataset import data_warnings
from playbook.data.errors import DataValidationError
from playbook.data.usage_log import UsageSummary, summarise_parquet
from playbook.kpis import usage
from playbook.kpis.catalog import compute_kpis
from playbook.review.scorecard import early_warnings
from tests.conftest import SAMPLE, write_folder


def write_usage_folder(usage: pd.DataFrame, folder) -> None:
    """Usage as Parquet, one file per month (the layout the sample generator writes)."""
    months = usage["date"].dt.to_period("M")
    for month, part in usage.groupby(months):
        out = folder / f"month={month}"
        out.mkdir(parents=True)
        part.to_parquet(out / "part-0.parquet", index=False)


MONTHS_ALL = pd.period_range("2023-10", "2026-11", freq="M")


def assert_same_summary(a: UsageSummary, b: UsageSummary, days: bool = True) -> None:
    pd.testing.assert_frame_equal(a.account_month, b.account_month)
    pd.testing.assert_frame_equal(a.monthly(MONTHS_ALL), b.monthly(MONTHS_ALL))
    for part in ("feature_month", "account_features"):
        if getattr(a, part) is None:
            assert getattr(b, part) is None
        else:
            pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part))
    assert (a.account_ids() == b.account_ids()).all()
    pd.testing.assert_series_equal(a.rows_per_month(MONTHS_ALL), b.rows_per_month(MONTHS_ALL))
    if days:
        pd.testing.assert_series_equal(a.day_rows, b.day_rows)
    assert a.columns == b.columns


# --------------------------------------------------------------------------- the sample company, both ways


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The sample loaded as shipped (usage.csv.gz -> pandas) and with usage as a Parquet folder (-> DuckDB)."""
    frame_ds = load_dataset(SAMPLE)
    folder = tmp_path_factory.mktemp("sample-parquet-usage")
    for path in SAMPLE.iterdir():
        if not path.name.startswith("usage"):
            shutil.copy(path, folder / path.name)
    write_usage_folder(frame_ds.usage.to_frame(), folder / "usage")
    return frame_ds, load_dataset(folder)


def test_sample_usage_folder_is_summarised_not_loaded(both):
    frame_ds, folder_ds = both
    assert isinstance(frame_ds.usage, UsageSummary) and isinstance(frame_ds.usage.to_frame(), pd.DataFrame)
    assert isinstance(folder_ds.usage, UsageSummary) and folder_ds.usage.to_frame() is None
    assert len(folder_ds.usage) == len(frame_ds.usage) == 353_562
    assert_same_summary(frame_ds.usage, folder_ds.usage)


def test_sample_kpis_identical_both_ways(both):
    frame_ds, folder_ds = both
    a, b = compute_kpis(frame_ds), compute_kpis(folder_ds)
    usage_rows = a["kpi"].str.match(
        r"^(mau|dau|stickiness|active_accounts|avg_session_minutes|feature_adoption|seat_utilisation)"
    )
    assert usage_rows.sum() > 36 * 10  # the usage KPIs are really in the comparison
    pd.testing.assert_frame_equal(a, b)


def test_sample_health_warnings_and_data_check_identical_both_ways(both):
    frame_ds, folder_ds = both
    months = pd.period_range("2025-11", "2026-10", freq="M")
    pd.testing.assert_frame_equal(health_inputs(frame_ds, months), health_inputs(folder_ds, months))
    pd.testing.assert_frame_equal(early_warnings(frame_ds, "2026-10"), early_warnings(folder_ds, "2026-10"))
    pd.testing.assert_frame_equal(monthly_overview(frame_ds, months), monthly_overview(folder_ds, months))
    pd.testing.assert_frame_equal(monthly_row_counts(frame_ds, months), monthly_row_counts(folder_ds, months))
    inv_a, inv_b = table_inventory(frame_ds), table_inventory(folder_ds)
    assert inv_a.loc[inv_a["table"] == "usage", "file"].item() == "usage.csv.gz"
    assert inv_b.loc[inv_b["table"] == "usage", "file"].item() == "usage/"
    pd.testing.assert_frame_equal(inv_a.drop(columns="file"), inv_b.drop(columns="file"))
    wa, wb = data_warnings(frame_ds, month="2026-09"), data_warnings(folder_ds, month="2026-09")
    assert wa["file"].replace({"usage.csv.gz": "usage/"}).tolist() == wb["file"].tolist()
    pd.testing.assert_frame_equal(wa.drop(columns="file"), wb.drop(columns="file"))
    assert frame_ds.as_of == folder_ds.as_of


# --------------------------------------------------------------------------- edge cases, both ways


# Dataset timezone Asia/Tokyo (UTC+9). Sessions stored as UTC timestamps:
#   2026-01-31 14:59:59Z = 01-31 23:59:59 JST -> January (last second of the month)
#   2026-01-31 15:00:00Z = 02-01 00:00 JST    -> February, although its UTC date is in January
#   2026-02-28 14:00:00Z = 02-28 23:00 JST    -> February (the last day of the month counts)
#   nothing in March; 2026-04-01 00:30 JST = 03-31 15:30Z -> April (an empty month between)
# Users are (account, user id): user "1" of account A2 is not user "1" of account 00123.
EDGE = pd.DataFrame(
    {
        "account_id": ["00123", "00123", "A2", "A2", "00123", "A3"],
        "user_id": ["1", "1", "1", "2", "2", "1"],
        "date": pd.to_datetime(
            [
                "2026-01-31 14:59:59",
                "2026-01-31 15:00:00",
                "2026-01-31 15:00:00",
                "2026-02-28 14:00:00",
                "2026-02-28 14:00:00",
                "2026-03-31 15:30:00",
            ]
        ).tz_localize("UTC"),
        "feature": ["tasks", "tasks", "reports", "tasks", None, "tasks"],
        "session_seconds": [60.0, 120.0, 180.0, None, 300.0, 30.0],
    }
)
MONTHS = pd.period_range("2026-01", "2026-04", freq="M")


def edge_folders(tmp_path):
    """The same sessions as CSV with offsets (pandas path), and as Parquet with TIMESTAMPTZ and with text (DuckDB path)."""
    text = EDGE.assign(date=EDGE["date"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    csv = write_folder(tmp_path / "csv", {"usage.csv": text.to_csv(index=False)})
    typed = write_folder(tmp_path / "typed", {})
    (typed / "usage" / "part=1").mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(EDGE.iloc[:3], preserve_index=False), typed / "usage" / "part=1" / "a.parquet")
    pq.write_table(pa.Table.from_pandas(EDGE.iloc[3:], preserve_index=False), typed / "usage" / "b.parquet")
    as_text = write_folder(tmp_path / "text", {})
    (as_text / "usage").mkdir()
    pq.write_table(pa.Table.from_pandas(text, preserve_index=False), as_text / "usage" / "all.parquet")
    return csv, typed, as_text


def test_edge_cases_identical_both_ways(tmp_path):
    csv, typed, as_text = (load_dataset(f) for f in edge_folders(tmp_path))
    expected = csv.usage
    assert_same_summary(expected, typed.usage)
    assert_same_summary(expected, as_text.usage)
    for ds in (typed, as_text):
        for kpi in (
            usage.mau,
            usage.dau,
            usage.stickiness,
            usage.active_accounts,
            usage.avg_session_minutes,
            usage.feature_adoption,
        ):
            pd.testing.assert_frame_equal(kpi(csv.usage, MONTHS), kpi(ds.usage, MONTHS))


def test_edge_cases_known_answers(tmp_path):
    ds = load_dataset(edge_folders(tmp_path)[1])
    m = ds.usage.monthly(MONTHS).set_index(ds.usage.monthly(MONTHS)["month"].astype(str))
    # January: one session, 00123/1 on 01-31 (JST)
    assert m.loc["2026-01", ["sessions", "mau", "user_days", "active_accounts"]].tolist() == [1, 1, 1, 1]
    # February: 00123/1 and A2/1 on 02-01, A2/2 and 00123/2 on 02-28 -> 4 users (two are "1"), 4 user-days, 2 accounts
    assert m.loc["2026-02", ["sessions", "mau", "user_days", "active_accounts"]].tolist() == [4, 4, 4, 2]
    # March: nothing; April: A3/1 on 04-01 00:30 JST
    assert m.loc["2026-03", ["sessions", "mau"]].tolist() == [0, 0]
    assert m.loc["2026-04", ["sessions", "mau"]].tolist() == [1, 1]
    # February seconds: 120 + 180 + 300 (one session has none) over 4 sessions = 150 s = 2.5 minutes
    assert usage.avg_session_minutes(ds.usage, MONTHS)["value"].tolist()[1] == 2.5
    st = usage.stickiness(ds.usage, MONTHS)
    assert np.isnan(st["value"].iloc[2]) and st["note"].iloc[2] == "no active users in the month"
    # feature adoption in February: tasks by 00123/1 and A2/2 = 2 of 4 users; reports by A2/1 = 1 of 4
    fa = usage.feature_adoption(ds.usage, MONTHS[1:2]).set_index("feature")["value"].to_dict()
    assert fa == {"reports": 0.25, "tasks": 0.5}
    assert ds.as_of == pd.Timestamp("2026-04-01")


def test_folder_problems_are_reported_with_file_and_row(tmp_path):
    folder = write_folder(tmp_path / "bad", {})
    (folder / "usage").mkdir()
    bad = EDGE.assign(date=EDGE["date"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    bad.loc[2, "date"] = "31/01/2026"
    bad.loc[4, "session_seconds"] = -5
    bad.loc[5, "account_id"] = "ZZ9"
    pq.write_table(pa.Table.from_pandas(bad, preserve_index=False), folder / "usage" / "x.parquet")
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    text = str(err.value)
    assert "usage/, column 'date'" in text and "x.parquet row index 2: '31/01/2026'" in text
    assert "usage/, column 'session_seconds'" in text and "negative value" in text and "x.parquet row index 4" in text
    # ids are checked against accounts once the rows are readable
    (folder / "usage" / "x.parquet").unlink()
    pq.write_table(pa.Table.from_pandas(bad.drop(index=[2, 4]), preserve_index=False), folder / "usage" / "x.parquet")
    with pytest.raises(DataValidationError, match=r"usage/, column 'account_id'.*'ZZ9'"):
        load_dataset(folder)


def test_only_usage_may_be_a_folder(tmp_path):
    folder = write_folder(tmp_path / "f", {})
    (folder / "tickets").mkdir()
    with pytest.raises(DataValidationError, match="only the usage table may be a folder"):
        load_dataset(folder)


# --------------------------------------------------------------------------- the Parquet path never loads the log


class _Recorder:
    """A DuckDB connection that records the size of every frame it hands to pandas."""

    def __init__(self, con):
        self.con, self.sizes = con, []

    def execute(self, *args, **kwargs):
        result = self.con.execute(*args, **kwargs)
        recorder = self

        class _Result:
            def df(self):
                frame = result.df()
                recorder.sizes.append(len(frame))
                return frame

            def __getattr__(self, name):
                return getattr(result, name)

        return _Result()


def test_parquet_path_never_materialises_the_sessions(tmp_path, monkeypatch):
    # 600,000 sessions of 40 accounts x 10 users over 3 months, in 3 files
    rng = np.random.default_rng(1)
    n = 200_000
    folder = tmp_path / "usage"
    for month in ["2026-01", "2026-02", "2026-03"]:
        days = pd.Timestamp(f"{month}-01") + pd.to_timedelta(rng.integers(0, 28, n), unit="D")
        acc = rng.integers(0, 40, n)
        table = pa.table(
            {
                "account_id": pa.array(np.char.add("A", acc.astype(str))),
                "user_id": pa.array(np.char.add("U", (acc * 10 + rng.integers(0, 10, n)).astype(str))),
                "date": pa.array(days.to_numpy().astype("datetime64[D]")),
                "feature": pa.array(np.array(["tasks", "reports", "chat"])[rng.integers(0, 3, n)]),
                "session_seconds": pa.array(rng.integers(10, 900, n)),
            }
        )
        (folder / f"month={month}").mkdir(parents=True)
        pq.write_table(table, folder / f"month={month}" / "part-0.parquet", row_group_size=50_000)

    def refuse(*args, **kwargs):
        raise AssertionError("the usage files were read into pandas")

    monkeypatch.setattr(pd, "read_parquet", refuse)
    monkeypatch.setattr(pq, "read_table", refuse)
    from playbook.data.usage_log import _connect

    con = _Recorder(_connect())
    summary = summarise_parquet(folder, cache=False, con=con)
    assert len(summary) == 3 * n
    assert len(summary.account_month) == 3 * 40 and len(summary.account_features) == 3 * 40 * 3
    assert len(summary.feature_month) == 3 * 3
    # the largest frame DuckDB returned is the (account, month, feature) rows: 40 x 3 x 3, not the 200,000 sessions of a month
    assert max(con.sizes) <= 40 * 3 * 3
    assert sum(con.sizes) < 0.01 * len(summary)
    assert summary.monthly(pd.period_range("2026-01", "2026-03", freq="M"))["mau"].tolist() == [400, 400, 400]


def test_some_accounts_only_identical_both_ways(both, monkeypatch):
    # a KPI goal on a segment (e.g. Enterprise accounts) reads the usage of those accounts only
    frame_ds, folder_ds = both
    ids = frame_ds.accounts["account_id"].iloc[::3].tolist()
    a, b = frame_ds.usage.for_accounts(ids), folder_ds.usage.for_accounts(ids)
    assert set(b.account_ids()) <= set(ids) and len(b) < len(folder_ds.usage)
    assert_same_summary(a, b, days=False)  # the folder's is cut from the company's parts: no rows per day
    # another book is cut without reading the folder again
    monkeypatch.setattr(folder_ds.usage._compute.src, "con", None)  # any new query would fail
    c = folder_ds.usage.for_accounts(ids)
    pd.testing.assert_frame_equal(c.account_features, b.account_features)
