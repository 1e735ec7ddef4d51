"""Per-CSM books of business (run --by owner) and the index pages of the runs."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from playbook import load_dataset
from playbook.data.errors import DataValidationError
from playbook.data.paths import NOTEBOOKS_DIR, SAMPLE_DIR
from playbook.run.params import parse_segment
from playbook.run.runs import book_values, run_review


def test_each_value_of_the_column_is_a_book_with_a_safe_numbered_folder():
    ds = load_dataset(SAMPLE_DIR)
    books = book_values(ds, "owner")
    # the sample's six CSMs, in name order
    assert [v for v, _ in books] == ["Ito", "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"]
    assert [f for _, f in books][:2] == ["01-Ito", "02-Sato"]


def test_a_hostile_owner_name_never_becomes_a_path():
    ds = SimpleNamespace(accounts=pd.DataFrame({"owner": ["../../etc", "<script>x</script>", "佐藤 花子", None, " "]}))
    folders = dict(book_values(ds, "owner"))
    assert sorted(folders) == ["../../etc", "<script>x</script>", "佐藤 花子"]  # no book for a missing owner
    assert all(re.fullmatch(r"\d{2}-[\w-]+", f) for f in folders.values())
    assert folders["../../etc"].endswith("______etc") and folders["佐藤 花子"].endswith("佐藤_花子")


def test_an_unknown_column_is_refused_naming_it_and_the_columns():
    with pytest.raises(DataValidationError, match="'csm' is not a column of the accounts table.*'owner'"):
        book_values(load_dataset(SAMPLE_DIR), "csm")


def test_the_segment_parameter_is_column_equals_value():
    assert parse_segment("owner=Sato") == {"owner": "Sato"}
    assert parse_segment("owner=A=B") == {"owner": "A=B"}  # only the first = separates
    assert parse_segment("") is None
    with pytest.raises(DataValidationError, match="not COLUMN=VALUE"):
        parse_segment("Sato")


@pytest.mark.notebook
def test_a_run_by_owner_reviews_each_book_marks_company_level_kpis_and_indexes_them(tmp_path):
    out = run_review(
        month="2026-10",
        data_dir=SAMPLE_DIR,
        out_dir=tmp_path,
        notebooks=[NOTEBOOKS_DIR / "03_kpi_metrics.ipynb"],
        by="owner",
        echo=lambda _: None,
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [b["value"] for b in manifest["books"]] == ["Ito", "Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"]
    sato = out / "by-owner" / "02-Sato" / "03_kpi_metrics.html"
    page = sato.read_text(encoding="utf-8")
    # CAC reads company-wide costs: in a CSM's book it is marked company-level, never divided by the book's counts
    assert "company-level: not split by segment" in page
    assert "company-level" not in (out / "03_kpi_metrics.html").read_text(encoding="utf-8")
    # every notebook of the book says whose accounts it reviews: 93 of the 688 accounts are Sato's
    ds = load_dataset(SAMPLE_DIR)
    sato_accounts = int((ds.accounts["owner"] == "Sato").sum())
    assert (sato_accounts, len(ds.accounts)) == (93, 688)
    assert "<strong>book: CSM Sato</strong> (93 of the company’s 688 accounts)" in page.replace("'", "’")
    assert "<strong>book:" not in (out / "03_kpi_metrics.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="by-owner/02-Sato/03_kpi_metrics.html"' in index and "<script" not in index
    runs = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-10/index.html"' in runs
    # the book's accounts only: Sato's book has Sato's paying customers
    assert (ds.accounts["owner"] == "Sato").sum() < len(ds.accounts)
    assert pd.notna(manifest["books"][1]["folder"])


def test_a_small_book_judges_actions_on_one_value_per_month():
    # Sato's book has months where onboarding completion has no cohort: one value per measured month still
    from playbook import GoalReport
    from playbook.run.notebook import open_review

    ctx = open_review(month="2026-10", data_dir=str(SAMPLE_DIR), kpi_tree="", lang="en", segment="owner=Sato")
    table = GoalReport.build(ctx).actions_table()
    assert len(table) == len(ctx.ds.actions)
