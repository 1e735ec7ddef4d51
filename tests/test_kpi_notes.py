"""The KPI notes in Japanese: every note the kpis layer writes renders through the forms of notes.yaml."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from playbook.data.schema import TABLES
from playbook.kpis.catalog import compute_kpis
from playbook.report.labels import render_note
from playbook.texts import fields, text, text_keys
from tests.conftest import write_folder

KPIS_DIR = Path(__file__).resolve().parents[1] / "playbook" / "kpis"
# Latin a ja note may keep: acronyms teams use as they are, and names of the data contract (tables, columns)
ACRONYMS = {"MRR", "ARR", "NRR", "GRR", "NPS", "CSAT", "CES", "LTV", "CAC", "ARPA", "KPI", "CSV", "ID"}
CONTRACT = {t for t in TABLES} | {c.name for t in TABLES.values() for c in t.columns} | {"dataset.yaml"}


def _english_words(ja: str, data_values: set[str]) -> list[str]:
    allowed = ACRONYMS | CONTRACT | data_values
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_.]*[A-Za-z]|[A-Za-z]", ja) if w not in allowed and len(w) > 1]


@pytest.fixture(scope="module")
def emitted_notes(sample_ds, tmp_path_factory) -> set[str]:
    """Every note compute_kpis writes on the sample: early and late months, a CSM's segment, and a data folder with
    only accounts and subscriptions (the "not available" notes)."""
    from playbook import load_dataset

    months = [*pd.period_range("2023-11", "2025-01", freq="M"), *pd.period_range("2026-08", "2026-10", freq="M")]
    whole = compute_kpis(sample_ds, months=months)
    accounts = sample_ds.accounts.loc[sample_ds.accounts["owner"] == "Sato", "account_id"]
    sato = compute_kpis(sample_ds.for_accounts(accounts, segment={"owner": "Sato"}), months=months[-3:])
    bare = compute_kpis(load_dataset(write_folder(tmp_path_factory.mktemp("bare"), {})))
    notes = set(pd.concat([whole["note"], sato["note"], bare["note"]]))
    return {n for n in notes if n}


def test_the_sample_emits_the_note_forms_this_test_is_about(emitted_notes):
    # if the kpis layer stops writing these, the test below no longer covers them: update the list
    for start in ("cohort 2", "no accounts in the cohort (cohort", "not available (table", "company-level:",
                  "small sample", "fewer than 6", "LTV not available (", "missing: ", " orders/month x "):  # fmt: skip
        assert any(start in n for n in emitted_notes), start


def test_every_emitted_note_renders_in_japanese_without_english_words(sample_ds, emitted_notes):
    data_values = set(sample_ds.funnel["stage"]) | set(sample_ds.surveys["touchpoint"].dropna())
    for note in sorted(emitted_notes):
        ja = render_note(note, "ja")
        assert ja != note, f"no form of notes.yaml matches {note!r}"
        assert _english_words(ja, data_values) == [], (note, ja)
        assert not re.search(r"\d{4}-\d{2}", ja), (note, ja)  # months read 2026年8月
        assert render_note(note, "en") == note


def test_months_nested_notes_and_joined_notes_render():
    assert render_note("cohort 2026-08", "ja") == "2026年8月コホート"
    assert render_note("no trials started in the cohort (cohort 2025-12)", "ja") == (
        "このコホートで開始したトライアルがありません（2025年12月コホート）"
    )
    assert render_note("not available (table subscriptions or mrr_monthly and costs missing)", "ja") == (
        "算出不可（テーブル subscriptions または mrr_monthly・costs がありません）"
    )
    joined = "CAC not available (no sales_marketing cost for the month); ARPA not available; gross margin not available"
    assert render_note(joined, "ja") == (
        "CACを算出できません（当月の営業・マーケティング費用（sales_marketing）がありません）；"
        "ARPAを算出できません；粗利率を算出できません"
    )
    assert render_note("missing: order value, lifetime", "ja") == "不足：平均注文単価・平均顧客寿命"
    assert render_note("no CSAT responses for support in the month", "ja") == "当月のサポートのCSAT回答がありません"
    assert render_note("first value = first_project", "ja") == "ファーストバリュー＝first_project"
    # fixed texts win over a form with a field: "no orders in the month" is not "no {stage} in the month"
    assert render_note("no orders in the month", "ja") == "当月の注文がありません"
    assert render_note("no visitors in the month", "ja") == "当月のvisitorsがありません"


def test_unknown_notes_and_empty_notes_come_back_unchanged():
    assert render_note("a note nobody wrote a form for", "ja") == "a note nobody wrote a form for"
    assert render_note("", "ja") == ""
    assert render_note("cohort 2026-08; something else", "ja") == "2026年8月コホート；something else"


@pytest.mark.parametrize("key", sorted(k for k in text_keys("en") if k.startswith("notes.form.")))
def test_every_form_parses_its_own_english_text(key):
    # fill the English form with plain values and read it back: the Japanese form with the same values
    sample = {"month": "2026-08", "note": "no days", "tables": "usage", "part": "CAC", "parts": "CAC"}
    values = {f: sample.get(f, "7") for f in fields(key, "en")}
    expected = {
        **values,
        **{k: v for k, v in {"month": "2026年8月", "note": "日数がありません"}.items() if k in values},
    }
    assert render_note(text(key, "en", **values), "ja") == text(key, "ja", **expected)


def _zero_reasons() -> list[str]:
    """The fixed reasons the kpis modules pass as ``zero_reason=`` (their f-string reasons are covered above)."""
    found = []
    for path in KPIS_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            constant = isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant)
            if constant and node.arg == "zero_reason" and node.value.value:
                found.append(node.value.value)
    return sorted(set(found))


def test_every_fixed_zero_reason_of_the_kpis_layer_has_a_form():
    reasons = _zero_reasons()
    assert len(reasons) > 20
    assert [r for r in reasons if render_note(r, "ja") == r] == []
