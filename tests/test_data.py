"""The data contract: what good input becomes, and what bad input gets (data-contract.md)."""

from __future__ import annotations

import gzip
import hashlib
import re

import pandas as pd
import pytest

from playbook import DataValidationError, data_warnings, load_dataset
from playbook.data.dataset import review_month
from tests.conftest import ACCOUNTS, SUBSCRIPTIONS


def _error(folder, **kw) -> str:
    with pytest.raises(DataValidationError) as info:
        load_dataset(folder, **kw)
    return str(info.value)


# ----------------------------------------------------------------------------- good input


def test_a_folder_with_only_the_two_required_tables_loads(make_folder):
    ds = load_dataset(make_folder())
    assert list(ds.tables) == ["accounts", "subscriptions"]
    assert ds.usage is None and ds.surveys is None and ds.actions is None
    assert len(ds.accounts) == 3 and len(ds.subscriptions) == 3


def test_ids_stay_strings_with_leading_zeros_and_na_stays_text(make_folder):
    ds = load_dataset(make_folder())
    assert ds.accounts["account_id"].tolist() == ["00123", "A2", "A3"]
    assert ds.subscriptions["account_id"].iloc[0] == "00123"
    assert pd.api.types.is_string_dtype(ds.accounts["account_id"])
    # the region "NA" (North America) must not become a missing value
    assert ds.accounts.loc[1, "region"] == "NA"


def test_dates_months_numbers_and_flags_get_their_dtypes(make_folder):
    ds = load_dataset(
        make_folder(
            {
                "mrr_monthly.csv": 'account_id,month,mrr\n00123,2026-01,10000\nA2,2026/02,"20,000"\n',
                "tickets.csv": "ticket_id,account_id,opened_at,escalated,contacts\nT1,A2,2026-02-01T10:00:00+09:00,TRUE,1\nT2,A2,2026-02-02 09:00,no,2\n",
            }
        )
    )
    assert ds.subscriptions["start_date"].dtype == "datetime64[ns]"
    assert ds.subscriptions["end_date"].isna().tolist() == [True, False, True]
    assert isinstance(ds.mrr_monthly["month"].dtype, pd.PeriodDtype)
    assert ds.mrr_monthly["mrr"].tolist() == [10000.0, 20000.0]  # "20,000" with a thousands separator
    assert ds.tickets["escalated"].tolist() == [True, False]
    assert ds.tickets["contacts"].dtype == "Int64"


def test_timestamps_with_offsets_are_converted_to_the_dataset_timezone(make_folder):
    # 2026-01-31T23:30 UTC is 2026-02-01 08:30 in Tokyo: it belongs to February there
    ds = load_dataset(
        make_folder(
            {
                "tickets.csv": "ticket_id,account_id,opened_at\nT1,A2,2026-01-31T23:30:00Z\nT2,A2,2026-02-01T08:30:00+09:00\nT3,A2,2026-02-01 08:30\n",
                "usage.csv": "account_id,user_id,date\nA2,u1,2026-01-31T16:00:00+00:00\nA2,u1,2026-01-31T14:59:59+00:00\n",
            }
        )
    )
    assert ds.tickets["opened_at"].tolist() == [pd.Timestamp("2026-02-01 08:30")] * 3
    # a usage timestamp is cut into days in Tokyo time
    assert ds.usage.to_frame()["date"].tolist() == [pd.Timestamp("2026-02-01"), pd.Timestamp("2026-01-31")]


def test_japanese_excel_dates_with_slashes_are_read(make_folder):
    ds = load_dataset(
        make_folder({"accounts.csv": "account_id,signup_date\n00123,2026/01/05\nA2,2026/1/20\nA3,2026-02-03\n"})
    )
    assert ds.accounts["signup_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05", "2026-01-20", "2026-02-03"]


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp932", b"")],
    ids=["utf-8", "utf-8-with-bom", "cp932-shift-jis"],
)
def test_text_encodings_are_detected(make_folder, encoding, bom):
    raw = bom + ACCOUNTS.encode(encoding)
    ds = load_dataset(make_folder({"accounts.csv": raw}))
    assert ds.accounts["name"].tolist() == ["株式会社サクラ", "Blue Peak", "ミドリ商事"]
    assert list(ds.accounts.columns[:2]) == ["account_id", "signup_date"]  # no BOM left in the header


def test_another_encoding_fails_with_a_message_naming_the_encoding_option(make_folder):
    latin = "account_id,signup_date,name\n00123,2026-01-05,Café Noël\nA2,2026-01-06,Brasserie\nA3,2026-01-07,Crêpe\n".encode(
        "latin-1"
    )
    folder = make_folder({"accounts.csv": latin})
    message = _error(folder)
    assert "accounts.csv" in message and "neither UTF-8" in message and "CP932" in message
    assert "encoding" in message
    # ...and the option reads it
    ds = load_dataset(folder, encoding={"accounts": "latin-1"})
    assert ds.accounts.loc[0, "name"] == "Café Noël"


def test_utf16_is_refused_with_the_encoding_hint(make_folder):
    message = _error(make_folder({"accounts.csv": ACCOUNTS.encode("utf-16")}))
    assert "accounts.csv" in message and "UTF-16" in message and "encoding" in message


def test_csv_gzip_and_parquet_files_give_the_same_tables(make_folder, tmp_path):
    plain = load_dataset(make_folder())
    gz = make_folder({"accounts.csv.gz": gzip.compress(ACCOUNTS.encode())}, base=False)
    (gz / "subscriptions.csv").write_text(SUBSCRIPTIONS, encoding="utf-8")
    pq = make_folder({}, base=False)
    plain.accounts.to_parquet(pq / "accounts.parquet")
    plain.subscriptions.to_parquet(pq / "subscriptions.parquet")
    for other in (load_dataset(gz), load_dataset(pq)):
        pd.testing.assert_frame_equal(other.accounts, plain.accounts)
        pd.testing.assert_frame_equal(other.subscriptions, plain.subscriptions)


def test_parquet_with_integer_ids_and_typed_dates_is_normalised(make_folder):
    folder = make_folder({}, base=False)
    pd.DataFrame({"account_id": [1, 2], "signup_date": pd.to_datetime(["2026-01-01", "2026-01-02"]).date}).to_parquet(
        folder / "accounts.parquet"
    )
    pd.DataFrame(
        {"account_id": [1, 2], "start_date": pd.to_datetime(["2026-01-01", "2026-01-02"]), "mrr": [100, 200]}
    ).to_parquet(folder / "subscriptions.parquet")
    ds = load_dataset(folder)
    assert ds.accounts["account_id"].tolist() == ["1", "2"]
    assert ds.accounts["signup_date"].dtype == "datetime64[ns]"
    assert ds.subscriptions["mrr"].dtype == "float64"


def test_a_column_mapping_renames_user_columns(make_folder):
    folder = make_folder(
        {"accounts.csv": "customer_id,created\nA1,2026-01-01\nA2,2026-01-01\nA3,2026-01-01\n00123,2026-01-01\n"}
    )
    ds = load_dataset(folder, columns={"accounts": {"customer_id": "account_id", "created": "signup_date"}})
    assert "account_id" in ds.accounts.columns


def test_loading_never_modifies_or_adds_files(make_folder):
    folder = make_folder({"usage.csv": "account_id,user_id,date\nA2,u1,2026-02-01\n"})
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    load_dataset(folder)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert before == after


# ----------------------------------------------------------------------------- bad input


def test_a_missing_required_column_lists_the_columns_found(make_folder):
    message = _error(make_folder({"subscriptions.csv": "account_id,start_date,price\nA2,2026-01-01,10\n"}))
    assert "subscriptions.csv, column 'mrr': missing required column" in message
    assert "found columns: ['account_id', 'start_date', 'price']" in message


def test_a_value_that_is_not_a_date_is_shown_with_its_row(make_folder):
    bad = ACCOUNTS.replace("2026-01-20", "2026-13-01").replace("2026-02-03", "tomorrow")
    message = _error(make_folder({"accounts.csv": bad}))
    assert "accounts.csv, column 'signup_date': not a date (expected YYYY-MM-DD) - 2 rows" in message
    assert "line 3: '2026-13-01'" in message and "line 4: 'tomorrow'" in message


def test_a_value_that_is_not_a_number_is_shown(make_folder):
    message = _error(make_folder({"subscriptions.csv": SUBSCRIPTIONS.replace("20000", "twenty")}))
    assert "subscriptions.csv, column 'mrr': not a number - 1 row" in message and "line 3: 'twenty'" in message


def test_a_fraction_in_a_whole_number_column_is_refused(make_folder):
    message = _error(make_folder({"subscriptions.csv": "account_id,start_date,mrr,seats\nA2,2026-01-01,10,2.5\n"}))
    assert "column 'seats': not a whole number" in message and "'2.5'" in message


@pytest.mark.parametrize(
    "table,content,key",
    [
        ("accounts.csv", ACCOUNTS + "A2,2026-03-01,Again,Kanto\n", "account_id"),
        ("tickets.csv", "ticket_id,account_id,opened_at\nT1,A2,2026-02-01\nT1,A3,2026-02-02\n", "ticket_id"),
        ("mrr_monthly.csv", "account_id,month,mrr\nA2,2026-01,1\nA2,2026-01,2\nA3,2026-01,3\n", "(account_id, month)"),
    ],
    ids=["account_id-in-accounts", "ticket_id", "account-month-in-mrr_monthly"],
)
def test_duplicate_keys_are_refused(make_folder, table, content, key):
    message = _error(make_folder({table: content}))
    assert f"{table}, column '{key}': duplicate key {key} - 2 rows" in message


def test_negative_mrr_is_refused(make_folder):
    message = _error(make_folder({"subscriptions.csv": SUBSCRIPTIONS.replace("10000", "-10000")}))
    assert "subscriptions.csv, column 'mrr': negative value (must be >= 0) - 1 row" in message and "'-10000'" in message


@pytest.mark.parametrize("survey,score,scale", [("nps", 11, "0-10"), ("csat", 0, "1-5"), ("ces", 8, "1-7")])
def test_a_score_outside_its_scale_is_refused_never_clipped(make_folder, survey, score, scale):
    content = f"account_id,date,survey,score\nA2,2026-02-01,{survey},{score}\nA3,2026-02-01,nps,9\n"
    message = _error(make_folder({"surveys.csv": content}))
    assert f"surveys.csv, column 'score': {survey} score outside its scale {scale} - 1 row" in message


def test_an_unknown_survey_type_is_refused(make_folder):
    message = _error(make_folder({"surveys.csv": "account_id,date,survey,score\nA2,2026-02-01,ces2,3\n"}))
    assert "column 'survey': value not allowed (expected one of ['nps', 'csat', 'ces'])" in message


def test_end_date_before_start_date_is_refused(make_folder):
    message = _error(make_folder({"subscriptions.csv": SUBSCRIPTIONS.replace("2026-02-14", "2026-01-10")}))
    assert "subscriptions.csv, column 'end_date': end_date before start_date - 1 row" in message
    assert "2026-01-20 > 2026-01-10" in message


def test_an_account_id_not_in_accounts_is_refused_with_the_ids(make_folder):
    message = _error(
        make_folder({"usage.csv": "account_id,user_id,date\nA2,u1,2026-02-01\nZZ9,u2,2026-02-01\nZZ8,u3,2026-02-01\n"})
    )
    assert (
        "usage.csv, column 'account_id': account_id not found in accounts (2 distinct ids: 'ZZ9', 'ZZ8') - 2 rows"
        in message
    )


def test_an_empty_value_in_a_required_column_is_refused(make_folder):
    message = _error(make_folder({"accounts.csv": ACCOUNTS.replace("A3,2026-02-03", "A3,")}))
    assert "accounts.csv, column 'signup_date': empty value in a required column - 1 row" in message


def test_an_empty_table_is_refused(make_folder):
    message = _error(make_folder({"usage.csv": "account_id,user_id,date\n"}))
    assert "usage.csv: empty table (a header but no rows)" in message


def test_an_empty_file_is_refused(make_folder):
    message = _error(make_folder({"tickets.csv": ""}))
    assert "tickets.csv: empty file (0 bytes)" in message


def test_a_file_that_is_not_csv_or_parquet_is_refused(make_folder):
    message = _error(make_folder({"usage.csv": b"PK\x03\x04 this is an Excel workbook"}))
    assert "usage.csv: not a CSV file" in message
    message = _error(make_folder({"usage.xlsx": b"PK\x03\x04"}))
    assert "usage.xlsx: table 'usage' is not CSV, .csv.gz or Parquet" in message
    message = _error(make_folder({"usage.parquet": b"account_id,user_id\n"}))
    assert "usage.parquet: not a Parquet file" in message


def test_two_files_for_one_table_are_refused(make_folder):
    message = _error(make_folder({"accounts.csv.gz": gzip.compress(ACCOUNTS.encode())}))
    assert "two files for table 'accounts'" in message


def test_a_missing_required_table_is_refused(make_folder):
    folder = make_folder({}, base=False)
    (folder / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    assert "required table 'subscriptions' is missing" in _error(folder)


def test_a_missing_folder_is_refused(tmp_path):
    assert "data folder not found" in _error(tmp_path / "nowhere")


def test_every_problem_is_reported_at_once(make_folder):
    message = _error(
        make_folder(
            {
                "accounts.csv": ACCOUNTS.replace("2026-02-03", "someday"),
                "subscriptions.csv": SUBSCRIPTIONS.replace("10000", "-5"),
            }
        )
    )
    assert message.startswith("2 problems in the input:")
    assert "signup_date" in message and "negative value" in message


def test_parquet_rows_are_numbered_from_zero(make_folder):
    folder = make_folder({}, base=False)
    (folder / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    pd.DataFrame(
        {"account_id": ["A2", "A3"], "start_date": ["2026-01-01", "2026-01-01"], "mrr": [1.0, -2.0]}
    ).to_parquet(folder / "subscriptions.parquet")
    assert re.search(r"negative value \(must be >= 0\) - 1 row; first: row index 1: -2\.0", _error(folder))


# ----------------------------------------------------------------------------- warnings and months


def test_warnings_name_future_rows_usage_without_subscription_and_empty_months(make_folder):
    ds = load_dataset(
        make_folder(
            {
                "accounts.csv": ACCOUNTS + "P1,2026-01-10,Pilot,Kanto\n",
                "usage.csv": "account_id,user_id,date\nA2,u1,2026-01-25\nP1,u9,2026-01-26\nA3,u3,2026-03-02\nA3,u3,2026-04-01\n",
            }
        )
    )
    w = data_warnings(ds, month="2026-03")
    text = " | ".join(w["warning"])
    assert "months with no data: 2026-02" in text
    assert "1 account(s) with usage but no subscription: P1" in text
    future = w[w["warning"].str.startswith("dated after the review month 2026-03")]
    assert future["file"].tolist() == ["usage.csv"] and future["rows"].tolist() == [1]


def test_as_of_is_the_latest_activity_and_sets_the_last_complete_month(make_folder):
    ds = load_dataset(make_folder({"usage.csv": "account_id,user_id,date\nA2,u1,2026-02-10\n"}))
    assert ds.as_of == pd.Timestamp("2026-02-10")
    assert str(ds.last_complete_month) == "2026-01"
    assert str(review_month(ds, "latest")) == "2026-01"


def test_dataset_settings_file_sets_as_of_currency_and_timezone(make_folder):
    ds = load_dataset(make_folder({"dataset.yaml": "currency: USD\ntimezone: UTC\nas_of: 2026-02-28\n"}))
    assert (ds.currency, ds.timezone, str(ds.last_complete_month)) == ("USD", "UTC", "2026-02")
    message = _error(make_folder({"dataset.yaml": "curency: USD\n"}))
    assert "unknown setting(s) ['curency']" in message


def test_a_review_month_outside_the_data_is_refused(sample_ds):
    with pytest.raises(
        DataValidationError,
        match=r"2026-11 is not complete in this data \(data as of 2026-10-31\); the latest complete month is 2026-10",
    ):
        review_month(sample_ds, "2026-11")
    with pytest.raises(DataValidationError, match=r"2020-01 is before the data starts \(2023-11\)"):
        review_month(sample_ds, "2020-01")


# ----------------------------------------------------------------------------- settings and segments (issue 11)


@pytest.mark.parametrize(
    "yaml_text,expected",
    [
        (
            "currency: [JPY, USD]\n",
            "dataset.yaml, setting 'currency': one currency per dataset: convert every amount to one currency before "
            "the export and name it here (e.g. currency: JPY)",
        ),
        ("currency: {main: JPY}\n", "dataset.yaml, setting 'currency': one currency per dataset"),
        ("currency: ¥\n", "dataset.yaml, setting 'currency': currency '¥' is not a 3-letter ISO 4217 code"),
        ("currency: JPY/USD\n", "currency 'JPY/USD' is not a 3-letter ISO 4217 code (e.g. JPY, USD); one per dataset"),
        ("timezone: [UTC]\n", "dataset.yaml, setting 'timezone': expected one value, not a list or a mapping"),
    ],
    ids=["list", "mapping", "symbol", "pair", "timezone-list"],
)
def test_a_currency_list_or_an_unknown_code_is_refused(make_folder, yaml_text, expected):
    assert expected in _error(make_folder({"dataset.yaml": yaml_text}))


def test_a_currency_code_is_read_in_capitals_and_the_first_value_milestone_is_a_setting(make_folder):
    ds = load_dataset(make_folder({"dataset.yaml": "currency: usd\nfirst_value_milestone: ' first_project '\n"}))
    assert ds.currency == "USD" and ds.settings["first_value_milestone"] == "first_project"
    assert load_dataset(make_folder()).settings["first_value_milestone"] == ""


def test_for_accounts_keeps_company_level_tables_whole_and_marks_the_segment(make_folder):
    from playbook.data.schema import TABLES

    assert [n for n, t in TABLES.items() if t.scope == "company"] == ["trials", "funnel", "costs", "actions"]
    ds = load_dataset(
        make_folder(
            {
                "trials.csv": "trial_id,start_date,account_id\nt1,2026-01-01,00123\nt2,2026-01-02,\n",
                "costs.csv": "month,category,amount\n2026-01,sales_marketing,100\n",
                "tickets.csv": "ticket_id,account_id,opened_at\nT1,00123,2026-01-07T10:00\nT2,A2,2026-01-21T10:00\n",
            }
        )
    )
    assert ds.segment is None
    part = ds.for_accounts(["00123"])
    # account-level tables keep 00123's rows; trials (t2 has no account) and costs cannot be split
    assert part.tickets["ticket_id"].tolist() == ["T1"] and part.subscriptions["account_id"].tolist() == ["00123"]
    assert len(part.trials) == 2 and len(part.costs) == 1
    assert part.segment == {"accounts": 1} and ds.segment is None
    assert ds.for_accounts(["00123", "A2"], segment={"region": "Kanto"}).segment == {"region": "Kanto"}
    assert repr(part).endswith("segment={'accounts': 1})")
