"""Everyday-messy exports from Excel and Windows: cleaned with a warning, or refused with a clear message."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from playbook import DataValidationError, data_warnings, load_dataset
from playbook.run.cli import main

ACCOUNTS = "account_id,signup_date,plan\nA1,2026-01-05,Standard\nA2,2026-01-10,Starter\nA3,2026-02-01,Standard\n"
SUBSCRIPTIONS = (
    "subscription_id,account_id,start_date,end_date,mrr\n"
    "S1,A1,2026-01-05,,10000\nS2,A2,2026-01-10,2026-03-31,5000\nS3,A3,2026-02-01,,8000\n"
)


def _folder(tmp_path, **files) -> os.PathLike:
    folder = tmp_path / "export"
    folder.mkdir()
    files = {"accounts.csv": ACCOUNTS, "subscriptions.csv": SUBSCRIPTIONS, **files}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _warnings(ds) -> list[str]:
    return [f"{w.file}, {w.column}: {w.warning} ({w.rows})" for w in data_warnings(ds).itertuples()]


def test_comma_only_rows_below_the_data_are_dropped_with_a_warning(tmp_path):
    folder = _folder(tmp_path, **{"accounts.csv": ACCOUNTS + ",,\n,,\n"})
    ds = load_dataset(folder)
    assert ds.accounts["account_id"].tolist() == ["A1", "A2", "A3"]
    assert "accounts.csv, : fully empty rows dropped (2)" in _warnings(ds)


def test_line_numbers_stay_those_of_the_file_after_empty_rows_are_dropped(tmp_path):
    subs = SUBSCRIPTIONS.replace("S3,A3", ",,,,\nS3,A9")  # an empty line 4, the unknown account on line 5
    folder = _folder(tmp_path, **{"subscriptions.csv": subs})
    with pytest.raises(DataValidationError, match=r"account_id not found in accounts .*first: line 5"):
        load_dataset(folder)


def test_an_upper_case_extension_is_accepted(tmp_path):
    folder = _folder(tmp_path)
    (folder / "accounts.csv").rename(folder / "accounts.CSV")
    ds = load_dataset(folder)
    assert len(ds.accounts) == 3 and ds.files["accounts"].name == "accounts.CSV"


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u2060", "\u00a0"], ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_in_ids_are_removed_with_a_warning_that_shows_them(tmp_path, char):
    subs = SUBSCRIPTIONS.replace("S3,A3,", f"S3,A{char}3,")  # inside the id: trimming cannot catch it
    ds = load_dataset(_folder(tmp_path, **{"subscriptions.csv": subs}))
    assert ds.subscriptions["account_id"].tolist() == ["A1", "A2", "A3"]
    escaped = ascii(char)[1:-1]
    assert "subscriptions.csv, account_id: invisible characters removed from ids (1)" in _warnings(ds)
    [row] = [w for w in ds.warnings if w.rule == "invisible characters removed from ids"]
    assert row.examples == (f"line 4: 'A{escaped}3'",)


def test_a_date_in_1900_is_refused_until_earliest_date_allows_it(tmp_path):
    subs = SUBSCRIPTIONS.replace("S1,A1,2026-01-05", "S1,A1,1900-01-05")
    folder = _folder(tmp_path, **{"subscriptions.csv": subs})
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    assert str(err.value) == (
        "subscriptions.csv, column 'start_date': date before 1990-01-01, the earliest this data may hold "
        "(set earliest_date in dataset.yaml if it is real) - 1 row; first: line 2: '1900-01-05'"
    )
    (folder / "dataset.yaml").write_text("earliest_date: 1899-01-01\n", encoding="utf-8")
    assert load_dataset(folder).first_month == pd.Period("1900-01", freq="M")


@pytest.mark.parametrize("zone,hint", [("JST", "Asia/Tokyo"), ("KST", "Asia/Seoul"), ("Tokyo", "Asia/Tokyo")])
def test_an_unknown_timezone_is_a_clear_error_with_the_iana_name(tmp_path, zone, hint):
    folder = _folder(tmp_path, **{"dataset.yaml": f"timezone: {zone}\n"})
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    assert (
        str(err.value)
        == f"dataset.yaml, setting 'timezone': unknown timezone '{zone}'; use an IANA name such as '{hint}'"
    )


def test_a_broken_link_in_the_data_folder_is_a_clear_error(tmp_path, capsys):
    folder = _folder(tmp_path)
    os.symlink(tmp_path / "gone.csv", folder / "tickets.csv")
    with pytest.raises(
        DataValidationError, match=r"tickets.csv: a broken link: it points to .*gone.csv, which does not exist"
    ):
        load_dataset(folder)
    assert main(["validate", "--data", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "a broken link" in err and "Traceback" not in err
