"""Mapping files: export files mapped to the data contract before validation (issue 15, item 1)."""

from __future__ import annotations

import pandas as pd
import pytest

from playbook.data.errors import DataValidationError
from playbook.data.mapping import Expression, read_mapping, resolve_mapping
from playbook.data.source import load_source
from playbook.report.messages import render_problem
from tests.test_data_messages import _matched

ACCOUNTS = "Id,Since\nA1,2026-01-05\nA2,2026-02-10\n"
SUBS = "Sub,Account,Created,Interval,Amount\nS1,A1,2026-01-05,year,120000\nS2,A2,2026-02-10,month,5000\n"
MAPPING = """
settings: {currency: JPY}
tables:
  accounts:
    file: crm.csv
    columns: {account_id: Id, signup_date: Since}
  subscriptions:
    file: billing.csv
    columns:
      subscription_id: Sub
      account_id: Account
      start_date: Created
      billing_period: {column: Interval, values: {month: monthly, year: annual}}
      mrr: "Amount / 12 if Interval == 'year' else Amount"
"""


def _folder(tmp_path, subs=SUBS, mapping=MAPPING, accounts=ACCOUNTS):
    (tmp_path / "crm.csv").write_text(accounts)
    (tmp_path / "billing.csv").write_text(subs)
    (tmp_path / "m.yaml").write_text(mapping)
    return tmp_path


def _error(tmp_path, **kw) -> DataValidationError:
    folder = _folder(tmp_path, **kw)
    with pytest.raises(DataValidationError) as err:
        load_source(folder, folder / "m.yaml", as_of="2026-03-31")
    return err.value


def test_an_annual_price_becomes_monthly_mrr(tmp_path):
    folder = _folder(tmp_path)
    ds = load_source(folder, folder / "m.yaml", as_of="2026-03-31")
    # S1: 120000 a year / 12 = 10000 a month; S2 monthly 5000 stays
    assert ds.subscriptions["mrr"].tolist() == [10000.0, 5000.0]
    assert ds.subscriptions["billing_period"].tolist() == ["annual", "monthly"]
    assert ds.label("subscriptions") == "billing.csv → subscriptions"
    assert set(ds.input_sha256()) == {"m.yaml", "crm.csv", "billing.csv"}


def test_an_unmapped_value_is_an_error_naming_both_sides(tmp_path):
    err = _error(tmp_path, subs=SUBS + "S3,A1,2026-03-01,fortnight,100\n")
    (p,) = err.problems
    assert (p.file, p.column, p.count, p.examples) == ("billing.csv", "Interval", 1, ("line 4: 'fortnight'",))
    assert p.rule == (
        "value(s) with no entry in the value map of subscriptions.billing_period (mapping m.yaml): 'fortnight'; "
        "the map has 'month', 'year'"
    )


def test_a_value_that_is_no_number_in_arithmetic(tmp_path):
    err = _error(tmp_path, subs=SUBS + "S3,A1,2026-03-01,year,soon\n")
    (p,) = err.problems
    assert (p.file, p.column, p.count) == ("billing.csv", "Amount", 1)
    assert (
        p.rule == "not a number (for subscriptions.mrr = Amount / 12 if Interval == 'year' else Amount; mapping m.yaml)"
    )


def test_a_missing_source_column_lists_the_columns_found(tmp_path):
    err = _error(tmp_path, subs=SUBS.replace("Amount", "Amt"))
    assert [(p.file, p.column) for p in err.problems] == [("billing.csv", "Amount")]
    assert "found columns: ['Sub', 'Account', 'Created', 'Interval', 'Amt']" in err.problems[0].rule


def test_contract_rules_name_the_source_row_and_the_expression(tmp_path):
    # a negative amount passes the mapping, then breaks the contract's mrr >= 0 on line 4 of billing.csv
    err = _error(tmp_path, subs=SUBS + "S3,A1,2026-03-01,month,-100\n")
    (p,) = err.problems
    assert p.file == "billing.csv → subscriptions"
    assert p.column == "mrr ← Amount / 12 if Interval == 'year' else Amount"
    assert p.examples == ("line 4: -100.0",)


def test_a_filter_keeps_source_line_numbers(tmp_path):
    mapping = MAPPING.replace("    file: billing.csv\n", "    file: billing.csv\n    where: \"Interval != 'skip'\"\n")
    subs = SUBS + "S3,A1,2026-03-01,skip,x\nS4,A9,2026-03-01,month,100\n"
    err = _error(tmp_path, subs=subs, mapping=mapping)
    (p,) = err.problems  # S3 is filtered out (its 'x' is never read); S4's account is unknown, on line 5
    assert (p.column, p.examples) == ("account_id ← Account", ("line 5",))


def test_dates_in_a_format_and_a_time_zone(tmp_path):
    mapping = MAPPING.replace(
        "start_date: Created", 'start_date: {column: Created, format: "%d/%m/%Y %H:%M", timezone: UTC}'
    )
    subs = "Sub,Account,Created,Interval,Amount\nS1,A1,05/01/2026 16:00,month,1\nS2,A2,bad,month,1\n"
    err = _error(tmp_path, subs=subs, mapping=mapping)
    assert [p.rule for p in err.problems] == [
        "not a date in the format %d/%m/%Y %H:%M (for subscriptions.start_date = Created; mapping m.yaml)"
    ]
    folder = _folder(tmp_path, subs=subs.replace("bad", "10/02/2026 00:00"), mapping=mapping)
    ds = load_source(folder, folder / "m.yaml", as_of="2026-03-31")
    # 16:00 UTC on 5 January is 01:00 on 6 January in Tokyo
    assert ds.subscriptions["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-06", "2026-02-10"]


def test_mapping_messages_have_japanese_forms(tmp_path):
    problems = _error(tmp_path, subs=SUBS + "S3,A1,2026-03-01,fortnight,soon\n").problems
    problems += _error(tmp_path, subs=SUBS.replace("Amount", "Amt")).problems
    for p in problems:
        assert _matched(p.rule) is not None, p.rule
        shown = render_problem(p, "ja")
        assert "マッピング" in shown
        for quoted in (p.file, p.column or "", *p.examples, p.rule.split(": ", 1)[-1]):
            shown = shown.replace(quoted, " ")


@pytest.mark.parametrize(
    "text",
    ["__import__('os').system('x')", "Amount.real", "open('f')", "[x for x in Amount]", "lambda: 1", "Amount[0]"],
)
def test_expressions_never_run_python(text):
    with pytest.raises(ValueError):
        Expression(text)


def test_expression_known_answers():
    df = pd.DataFrame({"A": ["1,200", "30", None], "Stage": ["Closed Won", "closed lost", "Closed Won"]})
    assert Expression("number(A) * 2").evaluate(df).tolist()[:2] == [2400.0, 60.0]
    assert Expression("lower(Stage) == 'closed won' and present(A)").evaluate(df).tolist() == [True, False, False]
    assert Expression("coalesce(A, 'none', Missing)").evaluate(df).tolist() == ["1,200", "30", "none"]
    assert Expression("money(A, 'USD')").evaluate(pd.DataFrame({"A": ["1999", "19.99"]})).tolist() == [19.99, 19.99]
    assert Expression("money(A, 'JPY')").evaluate(pd.DataFrame({"A": ["1999"]})).tolist() == [1999.0]


def test_unknown_mapping_and_bad_entries():
    with pytest.raises(DataValidationError, match="neither a file nor a preset"):
        resolve_mapping("strype")
    with pytest.raises(DataValidationError) as err:
        read_mapping({"tables": {"subscription": {"file": "x.csv"}, "accounts": {"file": "a.csv", "columns": {}}}})
    rules = [p.rule for p in err.value.problems]
    assert any("'subscription' is not a table" in r for r in rules)
    assert any("columns must map" in r for r in rules)
