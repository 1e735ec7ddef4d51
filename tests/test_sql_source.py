"""The SQL source: the sample company in DuckDB and in a real PostgreSQL server gives the CSV folder's figures.

The PostgreSQL server is real (``tests/pg_server.py``: the pgserver wheel's binaries, started in a temporary
folder on a free port, as ``nobody`` when the tests run as root) and started once for the module.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlglot
from pg_server import PASSWORD, PgServer

from playbook.data.config import read_yaml
from playbook.data.dataset import load_dataset
from playbook.data.errors import DataValidationError
from playbook.data.paths import SAMPLE_DIR
from playbook.data.source import load_source
from playbook.data.sql import load_database, read_spec
from playbook.data.sql_engines import connect, safe_url
from playbook.kpis.catalog import compute_kpis

TABLE_NAMES = [
    "accounts",
    "subscriptions",
    "mrr_monthly",
    "transactions",
    "users",
    "usage",
    "onboarding",
    "surveys",
    "tickets",
    "trials",
    "funnel",
    "costs",
    "actions",
]
PG_TYPES = {
    "VARCHAR": "TEXT",
    "DATE": "DATE",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "TIMESTAMP": "TIMESTAMP",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE PRECISION",
    "BOOLEAN": "BOOLEAN",
}
SETTINGS = {k: v for k, v in read_yaml(SAMPLE_DIR / "dataset.yaml").items()}


def _sample_file(name: str) -> Path:
    return SAMPLE_DIR / (f"{name}.csv.gz" if name == "usage" else f"{name}.csv")


def _duckdb_file(path: Path, tables: dict[str, str]) -> Path:
    """A DuckDB file with each table read from CSV text (types detected: dates, timestamps with zones, ...)."""
    with duckdb.connect(str(path)) as con:
        con.execute("SET TimeZone = 'UTC'")
        for name, csv in tables.items():
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{csv}')")
    return path


def _copy_to_postgres(url: str, tables: dict[str, str], schema: str = "public", tmp: Path | None = None) -> None:
    """Each CSV into a PostgreSQL table typed as DuckDB detects it (DATE, TIMESTAMPTZ, BIGINT, BOOLEAN, TEXT)."""
    import psycopg

    with duckdb.connect() as con, psycopg.connect(url, autocommit=True) as pg:
        con.execute("SET TimeZone = 'UTC'")
        pg.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for name, csv in tables.items():
            cols = con.execute(f"DESCRIBE SELECT * FROM read_csv('{csv}')").fetchall()
            ddl = ", ".join(f'"{c[0]}" {PG_TYPES[c[1]]}' for c in cols)
            pg.execute(f'CREATE TABLE "{schema}"."{name}" ({ddl})')
            out = tmp / f"{schema}.{name}.csv"
            con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (HEADER)")
            with pg.cursor().copy(f'COPY "{schema}"."{name}" FROM STDIN (FORMAT csv, HEADER true)') as copy:
                copy.write(out.read_bytes())


@pytest.fixture(scope="module")
def csv_ds():
    return load_dataset(SAMPLE_DIR)


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    """A real PostgreSQL server holding the sample company in the database ``sample`` (schema public)."""
    started = time.monotonic()
    server = PgServer.start()
    try:
        url = server.create_database("sample")
        _copy_to_postgres(url, {n: str(_sample_file(n)) for n in TABLE_NAMES}, tmp=tmp_path_factory.mktemp("pgcsv"))
        print(f"\nPostgreSQL started and loaded in {time.monotonic() - started:.1f}s")
        yield server, url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def duck(tmp_path_factory):
    path = tmp_path_factory.mktemp("duck") / "sample.duckdb"
    return _duckdb_file(path, {n: str(_sample_file(n)) for n in TABLE_NAMES})


def _same_dataset(db_ds, csv_ds) -> None:
    assert set(db_ds.tables) == set(csv_ds.tables)
    for name, df in csv_ds.tables.items():
        if name == "usage":
            continue
        pd.testing.assert_frame_equal(db_ds.tables[name], df, check_dtype=False, obj=name)
    a, b = db_ds.usage, csv_ds.usage
    pd.testing.assert_series_equal(a.day_rows, b.day_rows)
    for part in ("account_month", "feature_month", "account_features"):
        pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part), obj=part)
    months = pd.period_range("2023-11", "2026-10", freq="M")
    pd.testing.assert_frame_equal(a.monthly(months), b.monthly(months))
    assert db_ds.as_of == csv_ds.as_of and db_ds.settings == csv_ds.settings


def _same_kpis(db_ds, csv_ds) -> None:
    got, want = compute_kpis(db_ds), compute_kpis(csv_ds)
    pd.testing.assert_frame_equal(got, want)
    # and a segment (the usage summary restricted to some accounts without asking the database again)
    ids = csv_ds.accounts.loc[csv_ds.accounts["owner"] == csv_ds.accounts["owner"].iloc[0], "account_id"]
    months = pd.period_range("2026-08", "2026-10", freq="M")
    pd.testing.assert_frame_equal(
        compute_kpis(db_ds.for_accounts(ids), months=months), compute_kpis(csv_ds.for_accounts(ids), months=months)
    )


# --------------------------------------------------------------------------- DuckDB


def test_duckdb_file_equals_the_csv_folder(duck, csv_ds):
    ds = load_database(f"duckdb:///{duck}", {"settings": SETTINGS})  # no tables: each under its own name
    _same_dataset(ds, csv_ds)
    _same_kpis(ds, csv_ds)
    assert ds.label("usage") == "table usage"


def test_spec_file_with_queries_and_renames(duck, tmp_path, csv_ds):
    spec = tmp_path / "db.yaml"
    spec.write_text(
        "tables:\n"
        "  accounts: main.accounts\n"
        "  subscriptions:\n"
        "    query: SELECT account_id AS customer, start_date, end_date, mrr FROM subscriptions;\n"
        "    columns: {account_id: customer}\n"
        "  usage: {query: 'SELECT account_id AS acct, user_id, date, feature FROM usage', columns: {account_id: acct}}\n"
        "settings: {timezone: Asia/Tokyo, as_of: 2026-10-31}\n",
        encoding="utf-8",
    )
    ds = load_database(f"duckdb:///{duck}", spec)
    assert ds.label("subscriptions") == "query for subscriptions"
    assert list(ds.subscriptions.columns) == ["account_id", "start_date", "end_date", "mrr"]
    assert ds.subscriptions["mrr"].sum() == csv_ds.subscriptions["mrr"].sum()
    pd.testing.assert_frame_equal(
        ds.usage.account_month.drop(columns="seconds"), csv_ds.usage.account_month.drop(columns="seconds")
    )
    assert not ds.usage.has_seconds and (ds.usage.account_month["seconds"] == 0).all()


def test_spec_errors_name_the_entry():
    with pytest.raises(DataValidationError) as err:
        read_spec({"tables": {"accounts": {"table": "a", "query": "SELECT 1"}, "customers": "x"}, "extra": 1})
    text = str(err.value)
    assert "entry 'extra': unknown key" in text
    assert "entry 'accounts': give a table name, or a mapping with 'table' or 'query'" in text
    assert "entry 'customers': not a table of the data contract" in text


def test_missing_database_file(tmp_path):
    with pytest.raises(DataValidationError, match="database file not found"):
        load_database(f"duckdb:///{tmp_path / 'nope.duckdb'}")


# --------------------------------------------------------------------------- time zones: as the CSV path cuts days

ZONED = [  # (account, user, timestamp): the day in Asia/Tokyo is what counts
    ("A1", "u1", "2026-01-31T15:30:00+00:00"),  # 2026-02-01 00:30 in Tokyo: February
    ("A1", "u1", "2026-01-31T14:30:00Z"),  # 23:30 in Tokyo: still January 31
    ("A1", "u2", "2026-02-28T23:59:00+09:00"),  # February 28
    ("A2", "u1", "2026-03-01T00:00:00-05:00"),  # 14:00 in Tokyo, March 1
]


def _zoned_csv(tmp: Path) -> Path:
    folder = tmp / "zoned"
    folder.mkdir()
    (folder / "accounts.csv").write_text("account_id,signup_date\nA1,2026-01-01\nA2,2026-01-01\n", encoding="utf-8")
    (folder / "subscriptions.csv").write_text(
        "account_id,start_date,mrr\nA1,2026-01-01,100\nA2,2026-01-01,100\n", encoding="utf-8"
    )
    rows = "\n".join(f"{a},{u},{t}" for a, u, t in ZONED)
    (folder / "usage.csv").write_text(f"account_id,user_id,date\n{rows}\n", encoding="utf-8")
    return folder


def test_timestamps_are_cut_into_days_in_the_dataset_timezone_as_in_csv(tmp_path):
    folder = _zoned_csv(tmp_path)
    csv = load_dataset(folder, as_of="2026-03-31")
    # known answer: Tokyo days 2026-01-31, 2026-02-01, 2026-02-28, 2026-03-01 (one row each)
    assert [str(d.date()) for d in csv.usage.day_rows.index] == ["2026-01-31", "2026-02-01", "2026-02-28", "2026-03-01"]
    path = tmp_path / "zoned.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE accounts AS SELECT * FROM read_csv('{folder / 'accounts.csv'}')")
        con.execute(f"CREATE TABLE subscriptions AS SELECT * FROM read_csv('{folder / 'subscriptions.csv'}')")
        con.execute(  # typed: TIMESTAMP WITH TIME ZONE
            f"CREATE TABLE usage_tz AS SELECT account_id, user_id, CAST(date AS TIMESTAMPTZ) AS date "
            f"FROM read_csv('{folder / 'usage.csv'}', all_varchar = true)"
        )
        con.execute(  # text, as exported
            f"CREATE TABLE usage_text AS SELECT * FROM read_csv('{folder / 'usage.csv'}', all_varchar = true)"
        )
    for table in ("usage_tz", "usage_text"):
        ds = load_database(
            f"duckdb:///{path}",
            {"tables": {"accounts": "accounts", "subscriptions": "subscriptions", "usage": table}},
            as_of="2026-03-31",
        )
        pd.testing.assert_series_equal(ds.usage.day_rows, csv.usage.day_rows, obj=table)
        pd.testing.assert_frame_equal(ds.usage.account_month, csv.usage.account_month, obj=table)


# --------------------------------------------------------------------------- PostgreSQL (a real server)


def test_postgres_equals_the_csv_folder(pg, csv_ds):
    _server, url = pg
    spec = {"tables": {n: f"public.{n}" for n in TABLE_NAMES}, "settings": SETTINGS}
    ds = load_database(url, spec)
    _same_dataset(ds, csv_ds)
    _same_kpis(ds, csv_ds)
    assert ds.label("subscriptions") == "table public.subscriptions"
    assert PASSWORD not in repr(ds) + str(ds.source) + str(ds.labels)
    assert ds.source == safe_url(url) and ds.source.startswith("postgresql://postgres@127.0.0.1:")


def test_postgres_timestamps_as_in_csv(pg, tmp_path):
    server, _url = pg
    url = server.create_database("zoned")
    folder = _zoned_csv(tmp_path)
    csv = load_dataset(folder, as_of="2026-03-31")
    tables = {n: str(folder / f"{n}.csv") for n in ("accounts", "subscriptions", "usage")}
    _copy_to_postgres(url, tables, tmp=tmp_path)  # usage.date: TIMESTAMPTZ
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(
            "CREATE TABLE usage_text AS SELECT account_id, user_id, "  # text with a -05:00 offset
            "to_char(date AT TIME ZONE 'America/New_York', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '-05:00' AS date FROM usage"
        )
    for table in ("usage", "usage_text"):
        ds = load_database(
            url,
            {"tables": {"accounts": "accounts", "subscriptions": "subscriptions", "usage": table}},
            as_of="2026-03-31",
        )
        pd.testing.assert_series_equal(ds.usage.day_rows, csv.usage.day_rows, obj=table)
        pd.testing.assert_frame_equal(ds.usage.account_month, csv.usage.account_month, obj=table)


def _reads_usage(sql: str) -> bool:
    return bool(re.search(r"\busage\b", sql))


def test_no_query_returns_session_rows(pg, duck, csv_ds):
    """Every query that reads the usage table aggregates, and none returns more rows than the largest summary."""
    _server, url = pg
    sessions = len(csv_ds.usage)  # 353,562 session rows in the sample
    largest = len(csv_ds.usage.account_features)  # (account, month, feature) used: the largest summary, 44,362 rows
    assert largest < sessions / 7
    for target in (url, f"duckdb:///{duck}"):
        db = connect(target)
        try:
            load_database(db, {"tables": {"accounts": "accounts", "subscriptions": "subscriptions", "usage": "usage"}})
        finally:
            db.close()
        usage_queries = [(sql, n) for sql, n in db.queries if _reads_usage(sql)]
        assert len(usage_queries) >= 5  # columns, checks, days, account-months, account-month-features
        for sql, n in usage_queries:
            tree = sqlglot.parse_one(sql, read=db.dialect)
            assert list(tree.find_all(sqlglot.exp.AggFunc)) or "1 = 0" in sql, sql
            assert n <= largest, (sql, n)
        assert max(n for _sql, n in usage_queries) == largest
        assert sum(n for _sql, n in usage_queries) < sessions / 4


def test_bad_tables_are_reported_with_table_and_column(pg, tmp_path):
    server, _url = pg
    url = server.create_database("bad")
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE SCHEMA crm")
        con.execute("CREATE TABLE crm.accounts (account_id TEXT, signup_date DATE)")
        con.execute("INSERT INTO crm.accounts VALUES ('A1', '2026-01-05'), ('A2', '2026-01-06')")
        con.execute("CREATE TABLE crm.subs (account_id TEXT, start_date DATE, mrr NUMERIC)")
        con.execute("INSERT INTO crm.subs VALUES ('A1', '2026-01-05', 1000), ('A2', '2026-01-06', -50)")
        con.execute("CREATE TABLE crm.sessions (account_id TEXT, user_id TEXT, date TEXT, session_seconds TEXT)")
        con.execute(
            "INSERT INTO crm.sessions VALUES ('A1', 'u1', '2026-01-07', '30'), ('A1', NULL, '2026-01-07', '12'), "
            "('A2', 'u1', 'yesterday', '-4'), ('A2', 'u2', '2026-01-08', 'abc'), ('A2', 'u3', '2026-01-08', '-4')"
        )
    spec = {"tables": {"accounts": "crm.accounts", "subscriptions": "crm.subs", "usage": "crm.sessions"}}
    with pytest.raises(DataValidationError) as err:
        load_database(url, spec)
    text = str(err.value)
    assert "table crm.subs, column 'mrr': negative value (must be >= 0) - 1 row" in text
    assert "table crm.sessions, column 'user_id': empty value in a required column - 1 row" in text
    assert (
        "table crm.sessions, column 'date': not a date (expected YYYY-MM-DD) - 1 row; first: 'yesterday' (1 row)"
        in text
    )
    assert "table crm.sessions, column 'session_seconds': not a number - 1 row; first: 'abc' (1 row)" in text
    assert (
        "table crm.sessions, column 'session_seconds': negative value (must be >= 0) - 2 rows; first: '-4' (2 rows)"
        in text
    )
    assert PASSWORD not in text
    # a table that is not there, and an account the accounts table does not know
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("CREATE TABLE crm.good_sessions (account_id TEXT, user_id TEXT, date DATE)")
        con.execute("INSERT INTO crm.good_sessions VALUES ('A1', 'u1', '2026-01-07'), ('ZZ', 'u1', '2026-01-07')")
    spec["tables"].update(usage="crm.good_sessions", tickets="crm.tickets", subscriptions="crm.accounts")
    with pytest.raises(DataValidationError) as err:
        load_database(url, spec)
    text = str(err.value)
    assert "table crm.tickets: cannot read:" in text
    assert (
        "table crm.good_sessions, column 'account_id': account_id not found in accounts (1 distinct ids: 'ZZ')" in text
    )
    assert "table crm.accounts, column 'start_date': missing required column" in text
    assert PASSWORD not in text


def test_wrong_password_is_not_shown(pg):
    server, _url = pg
    url = server.url("sample").replace(PASSWORD, "wrong-" + PASSWORD[::-1])
    with pytest.raises(DataValidationError) as err:
        load_database(url)
    assert "cannot connect" in str(err.value) and PASSWORD[::-1] not in str(err.value)
    assert str(err.value).startswith(f"postgresql://postgres@127.0.0.1:{server.port}/sample: cannot connect")


# --------------------------------------------------------------------------- the mapping language on database tables

EXPORTS = Path(__file__).parent / "data" / "exports"


def _stripe_like(path: Path) -> str:
    """A DuckDB file with a Stripe-like subscriptions table (typed columns) and a text one; its URL."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE subs (sub_id TEXT, customer TEXT, created DATE, ended TEXT, amount BIGINT, "
            "qty BIGINT, interval TEXT, status TEXT)"
        )
        con.execute(
            "INSERT INTO subs VALUES "
            "('s1', 'C1', DATE '2026-01-05', NULL, 120000, 1, 'year', 'active'), "
            "('s2', 'C2', DATE '2026-02-01', '31/08/2026', 3000, 5, 'month', 'canceled'), "
            "('s3', 'C3', DATE '2026-03-01', NULL, 9999, 1, 'month', 'incomplete_expired'), "
            "('s4', 'C1', DATE '2026-06-01', NULL, 2000, 1, 'Month', 'active')"
        )
        con.execute("CREATE TABLE customers (id TEXT, since DATE, tier TEXT)")
        con.execute("INSERT INTO customers VALUES ('C1', '2026-01-05', 'gold'), ('C2', '2026-02-01', 'silver')")
    return f"duckdb:///{path}"


STRIPE_LIKE = {
    "tables": {
        "accounts": {"table": "customers", "columns": {"account_id": "id", "signup_date": "since"}},
        "subscriptions": {
            "table": "subs",
            "where": "status != 'incomplete_expired'",
            "columns": {
                "subscription_id": "sub_id",
                "account_id": "customer",
                "start_date": "created",
                "end_date": {"column": "ended", "format": "%d/%m/%Y"},
                "mrr": "amount * qty / (12 if lower(interval) == 'year' else 1)",
                "billing_period": {"column": "interval", "values": {"month": "monthly", "year": "annual"}},
                "product": {"value": "Base"},
            },
        },
    },
    "settings": {"as_of": "2026-10-31"},
}


def test_a_spec_maps_database_tables_as_a_mapping_file_does(tmp_path):
    ds = load_database(_stripe_like(tmp_path / "stripe.duckdb"), STRIPE_LIKE)
    subs = ds.subscriptions.set_index("subscription_id")
    assert list(subs.index) == ["s1", "s2", "s4"]  # s3 filtered out by where
    # s1: 120000 a year / 12 = 10000 a month; s2: 3000 x 5 seats = 15000; s4: 2000 ('Month' maps case-insensitively)
    assert subs["mrr"].tolist() == [10000.0, 15000.0, 2000.0]
    assert subs["billing_period"].tolist() == ["annual", "monthly", "monthly"]
    assert str(subs.loc["s2", "end_date"].date()) == "2026-08-31" and pd.isna(subs.loc["s1", "end_date"])
    assert set(subs["product"]) == {"Base"}
    assert ds.label("subscriptions") == "table subs"
    # the KPI: July 10000 + 15000 + 2000 = 27000; September (s2 ended 08-31): 12000
    k = compute_kpis(ds, months=["2026-07", "2026-09"], kpis=["mrr"])
    assert k.set_index("month")["value"].round(2).tolist() == [27000.0, 12000.0]


def test_contract_columns_the_spec_does_not_name_keep_the_tables_own(tmp_path):
    url = _stripe_like(tmp_path / "stripe.duckdb")
    with duckdb.connect(str(tmp_path / "stripe.duckdb")) as con:
        con.execute(
            "CREATE TABLE accounts AS SELECT id AS account_id, since AS signup_date, tier AS region FROM customers"
        )
    spec = {"tables": {"accounts": {"table": "accounts", "where": "region == 'gold'"}}}
    spec["tables"]["subscriptions"] = {**STRIPE_LIKE["tables"]["subscriptions"], "where": "customer == 'C1'"}
    ds = load_database(url, spec)
    # only C1 is gold; account_id, signup_date and region come from the columns of the same name
    assert ds.accounts[["account_id", "region"]].values.tolist() == [["C1", "gold"]]
    assert ds.subscriptions["subscription_id"].tolist() == ["s1", "s4"]


def test_mapping_errors_name_the_table_the_column_and_the_contract_column(tmp_path):
    url = _stripe_like(tmp_path / "stripe.duckdb")
    spec = {
        "tables": {
            "accounts": STRIPE_LIKE["tables"]["accounts"],
            "subscriptions": {**STRIPE_LIKE["tables"]["subscriptions"], "where": None},
        }
    }
    spec["tables"]["subscriptions"]["columns"] = {
        **STRIPE_LIKE["tables"]["subscriptions"]["columns"],
        "billing_period": {"column": "interval", "values": {"year": "annual"}},  # 'month' has no entry
        "end_date": {"column": "ended", "format": "%Y-%m-%d"},  # '31/08/2026' is not in this format
        "plan": "tier_name",  # no such column
    }
    with pytest.raises(DataValidationError) as err:
        load_database(url, spec)
    text = str(err.value)
    assert (
        "table subs, column 'interval': value(s) with no entry in the value map of subscriptions.billing_period "
        "(mapping database spec): 'month', 'Month'; the map has 'year' - 3 rows" in text
    )
    assert (
        "table subs, column 'ended': not a date in the format %Y-%m-%d (for subscriptions.end_date = ended; "
        "mapping database spec) - 1 row; first: row index 1: '31/08/2026'" in text
    )
    assert "table subs, column 'tier_name': column not found (for subscriptions.plan; mapping database spec)" in text
    # a rule of the contract broken by a computed column names what it was made from
    spec = {
        "tables": {
            "accounts": STRIPE_LIKE["tables"]["accounts"],
            "subscriptions": {
                "table": "subs",
                "columns": {**STRIPE_LIKE["tables"]["subscriptions"]["columns"], "mrr": "0 - amount"},
            },
        }
    }
    with pytest.raises(DataValidationError) as err:
        load_database(url, spec)
    assert "table subs, column 'mrr ← 0 - amount': negative value (must be >= 0) - 4 rows" in str(err.value)


def test_spec_entries_are_checked_like_a_mapping_files():
    with pytest.raises(DataValidationError) as err:
        read_spec(
            {
                "tables": {
                    "subscriptions": {
                        "table": "s",
                        "columns": {"revenue": "x", "mrr": {"expr": "a", "agg": "median"}, "plan": {"values": {}}},
                    },
                    "usage": {"table": "u", "where": "x > 1"},
                    "accounts": {
                        "table": "a",
                        "columns": {"account_id": "id", "name": {"column": "n"}},
                        "group_by": "owner",
                    },
                }
            }
        )
    text = str(err.value)
    assert (
        "entry 'subscriptions.columns.revenue': not a column of subscriptions (known: account_id, start_date, mrr,"
        in text
    )
    assert "entry 'subscriptions.columns.mrr': agg must be one of first, last, min, max, sum, count" in text
    assert "entry 'subscriptions.columns.plan': a column spec needs column, expr or value" in text
    assert "entry 'usage': the usage table is summarised in the database: its 'columns' may only rename" in text
    assert "entry 'accounts': group_by 'owner' is not one of the entry's columns" in text


def test_a_preset_included_in_a_spec_reads_the_export_from_a_table(tmp_path):
    """The Stripe export loaded into DuckDB as text, mapped by the stripe preset: the folder's figures."""
    path = tmp_path / "stripe.duckdb"
    csv = EXPORTS / "stripe" / "subscriptions.csv"
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE stripe_subs AS SELECT * FROM read_csv('{csv}', all_varchar = true)")
    spec = {"include": ["stripe"], "tables": {"subscriptions": "stripe_subs", "accounts": "stripe_subs"}}
    ds = load_database(f"duckdb:///{path}", spec, as_of="2026-10-31")
    folder = load_source(EXPORTS / "stripe", "stripe", as_of="2026-10-31")
    subs = ds.subscriptions.set_index("subscription_id")
    assert subs.loc["sub_1PqA01", "mrr"] == 58000  # 696000 a year / 12
    assert ds.currency == folder.currency == "JPY"
    for name in ("subscriptions", "accounts"):
        pd.testing.assert_frame_equal(
            getattr(ds, name).reset_index(drop=True), getattr(folder, name).reset_index(drop=True), obj=name
        )
    with pytest.raises(DataValidationError, match="entry 'accounts': included, but no 'table' or 'query'"):
        read_spec({"include": ["stripe"], "tables": {"subscriptions": "stripe_subs"}})


# --------------------------------------------------------------------------- a whole run from a database


def _run(data, out: Path, mapping="", accounts=0) -> Path:
    """Notebooks 05 (at-risk list) and 06 (scorecard) of October, as the monthly job runs them."""
    from playbook.data.paths import NOTEBOOKS_DIR
    from playbook.run.runs import run_review

    return run_review(
        month="2026-10",
        data_dir=data,
        kpi_tree=SAMPLE_DIR / "kpi_tree.yaml",
        out_dir=out,
        notebooks=[NOTEBOOKS_DIR / "05_rfm_and_health.ipynb", NOTEBOOKS_DIR / "06_pdca_review.ipynb"],
        account_limit=accounts,
        mapping=mapping,
        echo=lambda _line: None,
    )


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    return _run(SAMPLE_DIR, tmp_path_factory.mktemp("folder-run"))


def _spec_file(tmp: Path, tables: dict | None = None) -> Path:
    import yaml

    path = tmp / "db.yaml"
    path.write_text(
        yaml.safe_dump({"tables": tables or {}, "settings": SETTINGS} if tables else {"settings": SETTINGS})
    )
    return path


@pytest.mark.notebook
def test_a_run_from_a_duckdb_file_writes_the_folder_runs_tables(duck, folder_run, tmp_path):
    month = _run(f"duckdb:///{duck}", tmp_path / "out", mapping=_spec_file(tmp_path))
    for name in ("scorecard.csv", "at_risk.csv", "onboarding.csv", "rfm_segments.csv"):
        assert (month / name).read_bytes() == (folder_run / name).read_bytes(), name
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["parameters"]["data_dir"] == f"duckdb:///{duck}"


@pytest.mark.notebook
def test_a_run_from_postgres_never_writes_the_password(pg, folder_run, tmp_path):
    server, url = pg
    spec = _spec_file(tmp_path, {n: f"public.{n}" for n in TABLE_NAMES})
    month = _run(url, tmp_path / "out", mapping=spec, accounts=1)  # with one account page (notebook 07)
    for name in ("scorecard.csv", "at_risk.csv"):
        assert (month / name).read_bytes() == (folder_run / name).read_bytes(), name
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["accounts"]["pages"] == 1
    assert manifest["parameters"]["data_dir"] == safe_url(url) and PASSWORD not in safe_url(url)
    written = [p for p in month.rglob("*") if p.is_file()]
    assert len(written) > 10
    assert [p.name for p in written if PASSWORD.encode() in p.read_bytes()] == []  # notebooks, HTML, CSV, manifest
    assert os.environ.get("PLAYBOOK_DATA_URL") is None  # handed to the kernels only while the run lasts


@pytest.mark.notebook
def test_a_notebook_opened_on_a_duckdb_file_reviews_it(duck, tmp_path):
    import papermill as pm

    from playbook.data.paths import NOTEBOOKS_DIR

    out = tmp_path / "03.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "03_kpi_metrics.ipynb"),
        str(out),
        parameters={"data_dir": f"duckdb:///{duck}", "mapping": str(_spec_file(tmp_path)), "month": "2026-10"},
        cwd=str(NOTEBOOKS_DIR),
        progress_bar=False,
        kernel_name="python3",
    )
    got = json.loads(out.read_text(encoding="utf-8"))["cells"]
    want = json.loads((NOTEBOOKS_DIR / "03_kpi_metrics.ipynb").read_text(encoding="utf-8"))["cells"]
    texts = lambda cells: [
        "".join(o.get("data", {}).get("text/markdown", o.get("data", {}).get("text/html", o.get("text", ""))))
        for c in cells
        if c["cell_type"] == "code" and "parameters" not in str(c["metadata"])
        for o in c.get("outputs", [])
    ][1:]
    assert [t for t in texts(got) if "Error" in t] == []
    assert texts(got) == texts(want)  # the same review as from the data folder
