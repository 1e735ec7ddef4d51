"""The data layer's messages (validation errors and data warnings) in the reader's language (issue 13).

Every message form is triggered here the way a user meets it (a broken folder, a bad setting, a bad
parameter), and each one must read in Japanese with no run of three English words besides the names and
values it quotes. A message of no known form comes back unchanged.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pandas as pd
import pytest

from playbook import DataValidationError, Problem, data_warnings, load_dataset
from playbook.data.config import Field, parse_month, parse_number, read_fields, read_yaml
from playbook.data.dataset import read_table_file, review_month
from playbook.report import messages
from playbook.report.messages import render_error, render_problem, render_rule, render_warning, warnings_table
from playbook.run.cli import main
from playbook.run.params import check_parameters, parse_segment
from playbook.run.runs import book_values
from playbook.texts import english_forms, text, text_keys
from tests.conftest import ACCOUNTS, SUBSCRIPTIONS, write_folder

ENGLISH_RUN = re.compile(r"\b[A-Za-z]+\s+[A-Za-z]+\s+[A-Za-z]+\b")

#: Broken data folders: name -> files (added to the two required tables unless the name says "bare").
FOLDERS = {
    "values": {
        "accounts.csv": ACCOUNTS + "A4,1900-01-01,Old,Kanto\nA5,,Blank,Kanto\n",
        "subscriptions.csv": "subscription_id,account_id,start_date,end_date,mrr,billing_period,seats\n"
        "S1,00123,2026-01-05,,abc,monthly,1\nS2,A2,2026-01-20,2026-01-01,-5,weekly,1.5\n"
        "S2,A3,2026-02-03,,inf,annual,2\nS4,A9,2026-02-03,,100,annual,2\n",
        "tickets.csv": "ticket_id,account_id,opened_at,reopened\nT1,A2,yesterday,maybe\n",
        "funnel.csv": "month,stage,count\nsoon,trial,3\n",
        "surveys.csv": "account_id,date,survey,score\nA2,2026-02-01,nps,11\n",
        "onboarding.csv": "account_id,milestone\nA2,kickoff\n",
        "trials.csv": "trial_id,start_date,converted_date\nX1,2026-02-01,2026-01-01\nX1,2026-02-01,\n",
        "costs.csv": "month,category,amount\n",
    },
    "files": {
        "tickets.csv": b"",
        "surveys.csv": "\n\n",
        "usage.parquet": "hello",
        "costs.parquet": b"PAR1 not really",
        "funnel.csv.gz": "plain text",
        "trials.csv.gz": gzip.compress(b""),
        "actions.csv": b"PK\x03\x04 an Excel file",
        "onboarding.csv": 'account_id,milestone\n"A2,kickoff\n',
        "users.csv": "account_id,user_id\n".encode("utf-16"),
        "transactions.csv": "account_id,date,amount\nA2,2026-01-01,\x005\n",
        "tickets.xlsx": "x",
    },
    "bare": {"mrr_notes.csv": "x\n"},
}
SETTINGS = [
    "- a\n- b\n",
    "colour: red\n",
    "currency: [JPY, USD]\ntimezone: [UTC]\n",
    "timezone: JST\ncurrency: yen1\nearliest_date: soon\nfiscal_year_start: 13\n",
]
#: Forms no input reaches today (every column minimum is 0, no column has a maximum, every kind is known).
UNREACHED = {
    "below": "value below 5",
    "above": "value above 10",
    "unreadable": "unreadable value",
    # raised by the review layer for the parameter month, in the same words
    "month_unscored": "2026-11 has no complete data to score",
}
#: Messages of mapping files, each triggered by its input in tests/test_mapping.py; they quote names and values.
MAPPING_RULES = {
    "mapping_unknown": "mapping 'strype' is neither a file nor a preset (presets: hubspot, salesforce)",
    "mapped_column_missing": "column not found (for subscriptions.mrr; mapping m.yaml); found columns: ['Id', 'Amt']",
    "mapped_not_number": "not a number (for subscriptions.mrr = Amount / 12; mapping m.yaml)",
    "mapped_not_date": "not a date (for subscriptions.start_date = Created; mapping m.yaml)",
    "mapped_not_date_format": "not a date in the format %d/%m/%Y (for subscriptions.start_date = Created; mapping m.yaml)",
    "mapped_value_map": "value(s) with no entry in the value map of subscriptions.billing_period (mapping m.yaml): "
    "'fortnight'; the map has 'month', 'year'",
    "mapped_currency": "currency other than the dataset's JPY (mapping m.yaml): 'usd'; one currency per dataset: "
    "export one currency, or set currency in the mapping's settings",
    "mapped_file_missing": "file not found (for subscriptions; mapping m.yaml)",
}
#: Messages of the database source no cheap input reaches here (a driver failing mid-query, SQLAlchemy absent);
#: the others are triggered by the database inputs of ``triggered``.
SQL_RULES = {
    "db_summarise": "cannot summarise: division by zero",
    "db_sqlalchemy": "this kind of database URL needs SQLAlchemy and its driver: pip install sqlalchemy",
}


def _problems(call) -> list[Problem]:
    with pytest.raises(DataValidationError) as info:
        call()
    return list(info.value.problems)


@pytest.fixture(scope="module")
def triggered(tmp_path_factory) -> dict[str, list]:
    """Every problem and warning the data layer gives for the broken inputs above: {"problems": [...], "warnings": [...]}."""
    tmp = tmp_path_factory.mktemp("messages")
    problems: list[Problem] = []
    for name, files in FOLDERS.items():
        folder = write_folder(tmp / name, files, base=name != "bare")
        problems += _problems(lambda f=folder: load_dataset(f))
    # the files of a folder
    folder = write_folder(tmp / "links", {"tickets.parquet": "x", "tickets.csv": "ticket_id\n"})
    (folder / "surveys.csv").symlink_to(tmp / "nowhere.csv")
    (folder / "funnel").mkdir()
    problems += _problems(lambda: load_dataset(folder))
    problems += _problems(lambda: read_table_file(folder / "funnel"))
    users = {"users.csv": "account_id,user_id,created_date,made\nA2,u1,2026-01-01,2026-01-01\n"}
    folder = write_folder(tmp / "renamed", users)
    problems += _problems(lambda: load_dataset(folder, columns={"users": {"made": "created_date"}}))
    problems += _problems(lambda: load_dataset(tmp / "no_such_folder"))
    problems += _problems(lambda: load_dataset(write_folder(tmp / "enc", {}), encoding="no-such-encoding"))
    folder = write_folder(tmp / "usage_dir", {})
    (folder / "usage").mkdir()
    problems += _problems(lambda: load_dataset(folder))
    problems += _problems(lambda: load_dataset(folder, columns={"usage": {"day": "date"}}))
    folder = write_folder(tmp / "usage_parquet", {})
    (folder / "usage").mkdir()
    pd.DataFrame(
        {"account_id": ["A2", "A2", "B7"], "user_id": ["u1", "", "u3"], "date": ["2026-01-05", "x", "2026-01-06"]}
        | {"session_seconds": [60.0, -1.0, 5.0]}
    ).to_parquet(folder / "usage" / "part-0.parquet", index=False)
    problems += _problems(lambda: load_dataset(folder))
    (folder / "usage" / "part-0.parquet").unlink()
    pd.DataFrame({"account_id": ["B7"], "user_id": ["u3"], "date": pd.to_datetime(["2026-01-06"])}).to_parquet(
        folder / "usage" / "part-1.parquet", index=False
    )
    problems += _problems(lambda: load_dataset(folder))
    for i, settings in enumerate(SETTINGS):
        problems += _problems(lambda s=settings, i=i: load_dataset(write_folder(tmp / f"set{i}", {"dataset.yaml": s})))
    # the review month and the parameters of a run
    ds = load_dataset(write_folder(tmp / "months", {}), as_of="2026-12-31")
    for month in ("2027-01", "2025-01", "2026-11"):
        problems += _problems(lambda m=month: review_month(ds, m))
    problems += _problems(
        lambda: check_parameters(month="2026-13", data_dir=tmp / "x", kpi_tree=tmp / "t.yaml", lang="fr")
    )
    problems += _problems(lambda: parse_segment("Sato"))  # a book of accounts is COLUMN=VALUE
    problems += _problems(lambda: book_values(ds, "csm"))  # run --by names an accounts column
    # settings files and their entries
    big = tmp / "big.yaml"
    big.write_text("x: " + "a" * 1_100_000, encoding="utf-8")
    (tmp / "sjis.yaml").write_bytes("名前: 佐藤\n".encode("cp932"))
    for source in (big, tmp / "sjis.yaml", tmp / "missing.yaml", "a: &x 1\nb: *x\n", "a: [1"):
        problems += _problems(lambda s=source: read_yaml(s))
    problems += _problems(lambda: read_yaml(tmp / "gone.yaml", what="KPI tree file"))
    fields = (
        Field("id", required=True),
        Field("target", "number"),
        Field("direction", "choice", choices=("higher", "lower")),
        Field("segment", "mapping"),
        Field("deadline", "month"),
    )
    entry = {"target": "high", "direction": "up", "segment": "x", "deadline": "2026-13"}
    problems += read_fields(entry, fields, file="t.yaml", where="kpis[0]")[1]
    problems += [Problem("t.yaml", "x", r, label="entry") for r in parse_number(float("inf"), "target")[1]]
    problems += [Problem("t.yaml", "x", r, label="entry") for r in parse_month("2026-1", "start")[1]]
    # warnings
    ds = load_dataset(
        write_folder(
            tmp / "warned",
            {
                "accounts.csv": ACCOUNTS + "P1,2026-01-10,Pilot,Kanto\n,,,\n",
                "usage.csv": "account_id,user_id,date\nA2,u1,2026-01-25\nP1,u9,2026-01-26\nA3,u3,2026-03-02\n"
                "A3,u3,2026-04-01\nA3,u3,2026-04-30\n",
                "tickets.csv": "ticket_id,account_id,opened_at\nT\u200b1,A2,2026-01-05\nT2,A2,2026-09-05\n",
                "mrr_notes.csv": "x\n",
                "subscriptions.csv": SUBSCRIPTIONS + "S9,A2,2027-01-01,,100,Standard,monthly\n",
            },
        )
    )
    problems += _sql_problems(tmp)
    warnings = list(data_warnings(ds, month="2026-03")["warning"])
    return {"problems": problems, "warnings": warnings}


def _sql_problems(tmp: Path) -> list[Problem]:
    """The database source's messages (playbook/data/sql*.py), each met the way a user meets it."""
    import duckdb

    from playbook.data.sql import load_database, read_spec

    problems = _problems(lambda: load_database(f"duckdb:///{tmp / 'missing.duckdb'}"))
    problems += _problems(lambda: load_database("postgresql://u:pw@127.0.0.1:1/db"))  # nothing listens on port 1
    problems += _problems(lambda: read_spec(tmp / "no_spec.yaml"))
    problems += _problems(lambda: read_spec("- a list\n"))
    problems += _problems(lambda: read_spec({"tables": ["accounts"]}))
    problems += _problems(lambda: read_spec({"settings": [1]}))
    entries = {
        "customers": "x",
        "accounts": {"table": "a", "columns": {"account_id": "id", "revenue": "x", "name": None}, "group_by": "zz"},
        "subscriptions": {"table": "s", "columns": {"mrr": {"values": {}}, "plan": {"column": "p", "agg": "mean"}}},
        "tickets": {"table": "t", "query": "SELECT 1"},
        "surveys": {"table": "s", "columns": ["x"]},
        "usage": {"table": "u", "where": "x"},
    }
    problems += _problems(lambda: read_spec({"tables": entries, "extra": 1}))
    problems += _problems(lambda: read_spec({"include": ["stripe"], "tables": {}}))
    path = tmp / "db.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE accounts AS SELECT 'A1' AS account_id, DATE '2026-01-05' AS signup_date")
        con.execute("CREATE TABLE usage AS SELECT 'A1' AS account_id, 'u1' AS user_id, DATE '2026-01-06' AS date")
    tables = {"accounts": "accounts", "subscriptions": "nowhere", "usage": {"table": "usage", "columns": {"date": "d"}}}
    problems += _problems(lambda: load_database(f"duckdb:///{path}", {"tables": tables}))
    return problems


def _matched(rule: str) -> tuple[str, dict[str, str]] | None:
    """The form a rule matches and the values it captures."""
    for key, rx in english_forms("data.rule.", messages._FIELD_PATTERNS):
        m = rx.fullmatch(rule)
        if m:
            return key, m.groupdict()
    return None


def _without_quoted(shown: str, problem: Problem | None, values: dict[str, str]) -> str:
    """``shown`` without the names and values it quotes (file, column, captured fields, examples)."""
    quoted = [*values.values()]
    if problem is not None:
        quoted += [problem.file, problem.column or "", *problem.examples]
        quoted += [e.split(": ", 1)[-1] for e in problem.examples]
    for q in sorted(filter(None, quoted), key=len, reverse=True):
        shown = shown.replace(q, " ")
    return shown


def test_every_message_the_data_layer_gives_has_a_form(triggered):
    unknown = [p.rule for p in triggered["problems"]] + triggered["warnings"]
    assert [r for r in unknown if _matched(r) is None] == []


def test_every_form_is_reached_by_some_input(triggered):
    seen = {_matched(r)[0] for r in [p.rule for p in triggered["problems"]] + triggered["warnings"]}
    seen |= {f"data.rule.{k}" for k in [*UNREACHED, *MAPPING_RULES, *SQL_RULES]}
    forms = {k for k in text_keys("en") if k.startswith("data.rule.")}
    assert sorted(forms - seen) == [], sorted(forms - seen)


def test_every_problem_reads_in_japanese(triggered):
    offenders = {}
    for p in triggered["problems"]:
        shown = render_problem(p, "ja")
        assert shown != str(p)
        rest = _without_quoted(shown, p, _matched(p.rule)[1])
        if ENGLISH_RUN.search(rest):
            offenders[str(p)] = shown
    assert offenders == {}


def test_every_warning_reads_in_japanese(triggered):
    assert len(triggered["warnings"]) >= 6
    for w in triggered["warnings"]:
        shown = render_warning(w, "ja")
        assert shown != w
        assert not ENGLISH_RUN.search(_without_quoted(shown, None, _matched(w)[1])), shown


@pytest.mark.parametrize("rule", MAPPING_RULES.values())
def test_mapping_messages_read_in_japanese(rule):
    key, values = _matched(rule)
    assert key.removeprefix("data.rule.") in MAPPING_RULES
    shown = render_rule(rule, "ja")
    assert shown != rule and not ENGLISH_RUN.search(_without_quoted(shown, None, values))


@pytest.mark.parametrize("rule", SQL_RULES.values())
def test_database_messages_no_input_reaches_read_in_japanese(rule):
    key, values = _matched(rule)
    assert key.removeprefix("data.rule.") in SQL_RULES
    shown = render_rule(rule, "ja")
    assert shown != rule and not ENGLISH_RUN.search(_without_quoted(shown, None, values))


@pytest.mark.parametrize("rule", UNREACHED.values())
def test_forms_no_input_reaches_read_in_japanese_too(rule):
    assert not re.search(r"[a-z]", render_rule(rule, "ja"))


def test_english_is_exactly_what_the_data_layer_wrote(triggered):
    for p in triggered["problems"]:
        assert render_problem(p, "en") == str(p) and render_rule(p.rule, "en") == p.rule
    err = DataValidationError(triggered["problems"])
    assert render_error(err, "en") == str(err)


def test_a_problem_read_back_from_its_text_renders_as_the_problem(triggered):
    for p in triggered["problems"]:
        assert render_problem(str(p), "ja") == render_problem(p, "ja"), str(p)
    err = DataValidationError(triggered["problems"][:3])
    assert render_error(str(err), "ja") == render_error(err, "ja")


def test_months_read_as_japanese_months_and_values_stay():
    assert render_warning("months with no data: 2024-08", "ja") == "データのない月があります：2024年8月"
    many = "months with no data: " + ", ".join(f"2024-{m:02d}" for m in range(1, 13)) + " ..."
    assert render_warning(many, "ja").endswith("2024年12月 ほか")
    shown = render_rule(
        "2026-11 is not complete in this data (data as of 2026-10-31); the latest complete month is 2026-10", "ja"
    )
    assert "2026年11月" in shown and "2026年10月" in shown and "2026年10月31日" in shown
    assert render_rule("duplicate key (account_id, month, product)", "ja") == (
        "キー (account_id, month, product) が重複しています"
    )


def test_a_field_written_twice_must_hold_the_same_value():
    assert render_rule("required table 'accounts' is missing (expected accounts.csv, .csv.gz or .parquet)", "ja") == (
        "必須のテーブル 'accounts' がありません（accounts.csv、.csv.gz、.parquet のいずれかを置いてください）"
    )
    odd = "required table 'accounts' is missing (expected users.csv, .csv.gz or .parquet)"
    assert render_rule(odd, "ja") == odd


@pytest.mark.parametrize("message", ["something new", "", "x.csv: something new"])
def test_an_unknown_message_comes_back_unchanged(message):
    assert render_rule(message, "ja") == message
    assert render_warning(message, "ja") == message
    assert render_rule(message, "en") == message


def test_an_unknown_rule_keeps_its_words_but_the_frame_is_japanese():
    p = Problem("x.csv", "mrr", "brand new rule", 2, ("line 4: '7'",))
    assert render_problem(p, "ja") == "x.csv、列 'mrr'：brand new rule（2行）　該当箇所：4行目 '7'"


def test_several_problems_are_counted_and_listed_in_japanese():
    err = DataValidationError(
        [
            Problem("parameters", "month", "'2026-13' is not a month (expected YYYY-MM or 'latest')"),
            Problem("usage/", "date", "not a date (expected YYYY-MM-DD)", 1, ("part-0.parquet row index 1: 'x'",)),
        ]
    )
    assert render_error(err, "ja").splitlines() == [
        "入力に2件の問題があります：",
        "  - パラメータ 'month'：'2026-13' は年月として読めません（YYYY-MM形式か 'latest' を指定してください）",
        "  - usage/、列 'date'：日付として読めません（YYYY-MM-DD形式で入力してください）（1行）"
        "　該当箇所：part-0.parquet の行インデックス1 'x'",
    ]


def test_the_warnings_table_shows_warnings_and_headers_in_the_language(triggered):
    w = pd.DataFrame(
        {
            "file": ["usage.csv", "x.csv"],
            "column": ["date", ""],
            "warning": ["months with no data: 2026-02", "ignored: not a table of the data contract"],
            "rows": pd.array([None, 1200], dtype="Int64"),
        }
    )
    ja = warnings_table(w, "ja")
    assert list(ja.columns) == [text("labels.file", "ja"), "列", "警告", "行数"]
    assert ja["警告"].tolist() == ["データのない月があります：2026年2月", text("data.rule.ignored", "ja")]
    assert ja["行数"].tolist() == ["", "1,200"]
    assert warnings_table(w, "en")["Warning"].tolist() == w["warning"].tolist()


def test_validate_prints_errors_and_warnings_in_japanese(tmp_path, capsys):
    broken = write_folder(tmp_path / "broken", {"accounts.csv": ACCOUNTS + "A4,2026-13-01,x,y\n"})
    assert main(["validate", "--data", str(broken), "--lang", "ja"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("エラー：accounts.csv、列 'signup_date'：日付として読めません")
    assert "5行目 '2026-13-01'" in err
    warned = write_folder(
        tmp_path / "warned", {"usage.csv": "account_id,user_id,date\nA2,u1,2026-01-25\nA2,u1,2026-03-02\n"}
    )
    assert main(["validate", "--data", str(warned), "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "usage.csv、列 'date'：データのない月があります：2026年2月" in out
    assert main(["validate", "--data", str(Path(broken)), "--lang", "en"]) == 1
    assert (
        "error: accounts.csv, column 'signup_date': not a date (expected YYYY-MM-DD) - 1 row" in capsys.readouterr().err
    )


def test_names_that_are_not_files_read_in_japanese():
    p = Problem("YAML text", None, "not valid YAML (mapping values are not allowed here)")
    assert render_problem(p, "ja") == "YAMLテキスト：YAMLとして読めません（mapping values are not allowed here）"
    p = Problem("input", None, "empty file (0 bytes)")
    assert render_problem(p, "ja") == "入力：空のファイルです（0バイト）"
