"""The data's as-of date comes from activity that proves a month happened, never from a booking or a typo."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from playbook import DataValidationError, data_warnings, load_dataset
from playbook.data.dataset import active_months, review_month
from playbook.kpis.ratios import wilson_interval
from tests.conftest import SAMPLE


@pytest.fixture
def sample_copy(tmp_path):
    for path in SAMPLE.iterdir():
        shutil.copy(path, tmp_path / path.name)
    settings = (SAMPLE / "dataset.yaml").read_text(encoding="utf-8")
    (tmp_path / "dataset.yaml").write_text(
        "\n".join(line for line in settings.splitlines() if not line.startswith("as_of")), encoding="utf-8"
    )
    return tmp_path


def _append(folder, table, **values):
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    row = df.iloc[[0]].copy()
    for k, v in values.items():
        row[k] = v
    pd.concat([df, row]).to_csv(folder / f"{table}.csv", index=False)


def test_without_as_of_the_latest_activity_sets_it(sample_copy):
    ds = load_dataset(sample_copy)
    assert ds.as_of == pd.Timestamp("2026-10-31") and str(review_month(ds, "latest")) == "2026-10"


def test_a_subscription_booked_for_a_future_month_does_not_move_the_as_of_date(sample_copy):
    _append(sample_copy, "subscriptions", subscription_id="S-FUTURE", start_date="2027-01-01", end_date="")
    ds = load_dataset(sample_copy)
    assert ds.as_of == pd.Timestamp("2026-10-31")
    assert str(review_month(ds, "latest")) == "2026-10"  # not December 2026 with no data in it
    warnings = data_warnings(ds)
    [later] = warnings[warnings["file"] == "subscriptions.csv"]["warning"]
    assert later == (
        "dated after the data's as-of date 2026-10-31 (the latest activity; never reviewed): 2026-11-01, 2027-01-01"
    )


def test_a_mistyped_year_in_an_activity_table_does_not_move_it_either(sample_copy):
    _append(sample_copy, "transactions", transaction_id="T-TYPO", date="2099-10-01")
    ds = load_dataset(sample_copy)
    assert ds.as_of == pd.Timestamp("2026-10-31")
    warnings = data_warnings(ds)
    assert "dated after the data's as-of date 2026-10-31 (the latest activity; never reviewed): 2099-10-01" in set(
        warnings["warning"]
    )
    gaps = warnings[warnings["warning"].str.startswith("months with no data")]
    assert set(gaps["file"]) == {"tickets.csv"}  # no gap warning for the months up to 2099


def test_a_month_without_activity_is_never_reviewed(sample_copy):
    with open(sample_copy / "dataset.yaml", "a", encoding="utf-8") as fh:
        fh.write("\nas_of: 2027-01-31\n")
    ds = load_dataset(sample_copy)
    with pytest.raises(
        DataValidationError, match=r"2027-01 has no activity in this data \(the latest activity is in 2026-10"
    ):
        review_month(ds, "latest")
    assert str(review_month(ds, "2026-10")) == "2026-10"


@pytest.mark.parametrize("k,n", [(0, 11), (11, 11), (0, 1), (1, 1), (3, 7)])
def test_wilson_bounds_always_contain_the_observed_rate(k, n):
    lo, hi = wilson_interval(np.array([k]), np.array([n]))
    assert 0 <= lo[0] <= k / n <= hi[0] <= 1


def test_without_activity_tables_signups_and_starts_decide_and_a_booking_still_does_not(tmp_path):
    for name in ("accounts.csv", "subscriptions.csv"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    ds = load_dataset(tmp_path)
    # the latest signup or subscription start (the upgrades booked for 2026-11-01 do not count): October is not
    # proven complete, so the latest review month is September unless dataset.yaml says as_of
    assert ds.as_of == pd.Timestamp("2026-10-30") and str(review_month(ds, "latest")) == "2026-09"


def test_without_activity_tables_an_as_of_date_the_user_sets_is_believed(tmp_path):
    # a billing export (accounts and subscriptions only) with no start in October: the user says the data runs to
    # 2026-10-31, and the accounts paying in October are reviewed rather than refused for want of activity
    for name in ("accounts.csv", "subscriptions.csv"):
        shutil.copy(SAMPLE / name, tmp_path / name)
    subs = pd.read_csv(tmp_path / "subscriptions.csv", dtype=str, keep_default_na=False)
    subs[subs["start_date"] < "2026-10-01"].to_csv(tmp_path / "subscriptions.csv", index=False)
    accounts = pd.read_csv(tmp_path / "accounts.csv", dtype=str, keep_default_na=False)
    accounts[accounts["signup_date"] < "2026-10-01"].to_csv(tmp_path / "accounts.csv", index=False)
    assert str(review_month(load_dataset(tmp_path), "latest")) == "2026-08"  # not believed without as_of
    (tmp_path / "dataset.yaml").write_text("as_of: 2026-10-31\n", encoding="utf-8")
    ds = load_dataset(tmp_path)
    assert str(active_months(ds).max()) == "2026-09" and str(review_month(ds, "latest")) == "2026-10"
