"""The command line: sample, validate, run (with its refusals and failures)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import nbformat
import pandas as pd
import pytest

from playbook.run.cli import main
from playbook.run.runs import NotebookFailed, review_notebooks, run_review
from tests.conftest import SAMPLE


def _digest(folder):
    return {  # every file, in subfolders too (account pages, books)
        p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_help_lists_the_commands():
    out = subprocess.run(
        [sys.executable, "-m", "playbook", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("sample", "validate", "run"):
        assert command in out


@pytest.mark.notebook
def test_run_writes_notebooks_html_and_manifest_then_refuses_then_force_replaces(tmp_path, capsys):
    # success
    assert main(["run", "--month", "2026-10", "--out", str(tmp_path), "--accounts", "1"]) == 0
    month = tmp_path / "2026-10"
    names = {p.name for p in month.iterdir()}
    for nb in review_notebooks():
        assert {nb.name, nb.with_suffix(".html").name} <= names
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok" and manifest["month"] == "2026-10"
    assert manifest["parameters"] == {
        "month": "2026-10",
        "data_dir": "data/sample",
        "kpi_tree": "data/sample/kpi_tree.yaml",
        "lang": "en",
    }
    assert set(manifest["data"]["sha256"]) >= {"accounts.csv", "usage.csv.gz", "kpi_tree.yaml"}
    assert (
        manifest["data"]["sha256"]["accounts.csv"] == hashlib.sha256((SAMPLE / "accounts.csv").read_bytes()).hexdigest()
    )
    assert manifest["packages"]["pandas"].startswith("3.")
    assert all(n["status"] == "ok" and n["seconds"] > 0 for n in manifest["notebooks"])
    assert "scorecard.csv" in manifest["outputs"]
    # the first account of the at-risk list has its page, linked from the month's index
    first = pd.read_csv(month / "at_risk.csv", dtype=str).iloc[0, 0]
    assert f"accounts/{first}.html" in manifest["outputs"] and manifest["accounts"]["pages"] == 1
    assert f'href="accounts/{first}.html"' in (month / "index.html").read_text(encoding="utf-8")
    # every table also in one workbook for Excel: same rows, same numbers, text stays text
    from openpyxl import load_workbook

    assert {"at_risk.csv", "onboarding.csv", "rfm_segments.csv", "tables.xlsx"} <= set(manifest["outputs"])
    book = load_workbook(month / "tables.xlsx")
    assert book.sheetnames == ["scorecard", "at_risk", "onboarding", "renewals", "rfm_segments"]
    for name in book.sheetnames:
        csv = pd.read_csv(month / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False)
        rows = list(book[name].values)
        assert list(rows[0]) == list(csv.columns) and len(rows) - 1 == len(csv)
        for j, col in enumerate(csv.columns):
            if pd.api.types.is_numeric_dtype(csv[col]):
                cells = [r[j] for r in rows[1:]]
                got, want = pd.Series(cells, dtype="float64").fillna(-1), csv[col].astype("float64").fillna(-1)
                assert got.to_numpy() == pytest.approx(want.to_numpy(), rel=1e-12), col
    card = pd.read_csv(month / "scorecard.csv")
    assert list(card.columns[:11]) == [
        "id",
        "name",
        "kfs",
        "metric",
        "unit",
        "direction",
        "actual",
        "target",
        "gap",
        "attainment",
        "status",
    ]
    assert len(card) == 7 and set(card["status"]) <= {"achieved", "on track", "at risk", "off track", "no data"}
    html = (month / "01_data_check.html").read_text(encoding="utf-8")
    assert "Data check" in html and "def " not in html and "open_review(" not in html  # no code cells in the report
    out = capsys.readouterr().out
    assert "[1/" in out and "01_data_check.ipynb: ok" in out  # progress
    assert "Scorecard: " in out

    # refusal: non-zero, message, nothing touched
    before = _digest(month)
    assert main(["run", "--month", "2026-10", "--out", str(tmp_path)]) == 3
    assert "already holds the results of an earlier run" in capsys.readouterr().err
    assert _digest(month) == before

    # --force replaces
    assert (
        main(["run", "--month", "2026-10", "--out", str(tmp_path), "--force", "--lang", "ja", "--accounts", "0"]) == 0
    )
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["lang"] == "ja"


@pytest.mark.notebook
def test_a_failing_notebook_stops_the_run_naming_notebook_and_cell_and_keeps_it(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            'month: str = "2026-10"  # review month\ndata_dir: str = "data/sample"\nkpi_tree: str = ""\nlang: str = "en"',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('the MRR bridge does not add up')"),
        nbformat.v4.new_code_cell("y = 2"),
    ]
    folder = tmp_path / "nbs"
    folder.mkdir()
    broken, after = folder / "02_broken.ipynb", folder / "03_never.ipynb"
    nbformat.write(nb, broken)
    nbformat.write(nb, after)
    with pytest.raises(NotebookFailed) as info:
        run_review(month="2026-10", out_dir=tmp_path / "out", notebooks=[broken, after], echo=lambda m: None)
    message = str(info.value)
    assert "02_broken.ipynb failed in cell [4]" in message  # [4]: after the injected parameters cell
    assert "ValueError: the MRR bridge does not add up" in message
    assert not (tmp_path / "out" / "2026-10").exists()  # nothing is published for the month
    [failed] = (tmp_path / "out").glob("2026-10.failed-*")
    assert "Nothing was published for 2026-10" in message and f"{failed.name}/" in message
    assert (failed / "02_broken.ipynb").exists() and not (failed / "03_never.ipynb").exists()
    manifest = json.loads((failed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed" and manifest["notebooks"][0]["status"] == "failed"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [failed.name]  # no lock, no staging left


@pytest.mark.parametrize(
    "args,message",
    [
        (["--month", "2026-13"], "'2026-13' is not a month (expected YYYY-MM or 'latest')"),
        (["--month", "2026-10", "--lang", "fr"], "'fr' is not a supported language"),
        (["--month", "2026-10", "--data", "no/such/folder"], "data folder 'no/such/folder' not found"),
        (["--month", "2026-10", "--kpi-tree", "missing.yaml"], "KPI tree file 'missing.yaml' not found"),
        (["--month", "2026-11"], "2026-11 is not complete in this data"),
    ],
    ids=["bad-month", "unknown-language", "missing-data-folder", "missing-kpi-tree", "incomplete-month"],
)
def test_bad_parameters_are_refused_before_anything_runs(tmp_path, capsys, args, message):
    assert main(["run", *args, "--out", str(tmp_path / "out")]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_unknown_options_are_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--month", "2026-10", "--colour", "red"])
    assert info.value.code == 2
    assert "unrecognized arguments: --colour red" in capsys.readouterr().err


def test_run_refuses_to_write_into_the_data_folder(tmp_path, capsys, make_folder):
    folder = make_folder()
    assert main(["run", "--month", "2026-01", "--data", str(folder), "--out", str(folder / "results")]) == 1
    assert "inside the data folder" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["accounts.csv", "subscriptions.csv"]


def test_validate_reports_a_good_folder(capsys):
    assert main(["validate", "--data", "data/sample", "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "OK: 13 tables valid, data as of 2026-10-31, last complete month 2026-10." in out
    assert "usage.csv.gz" in out and "3 warning(s)" in out and "months with no data: 2024-08" in out


def test_validate_reports_every_problem_of_a_bad_folder(capsys, make_folder):
    folder = make_folder({"surveys.csv": "account_id,date,survey,score\nA2,2026-02-01,nps,12\nZZ,2026-02-01,nps,3\n"})
    assert main(["validate", "--data", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "surveys.csv, column 'score': nps score outside its scale 0-10 - 1 row; first: line 2: '12'" in err


def test_validate_names_the_missing_optional_tables(capsys, make_folder):
    assert main(["validate", "--data", str(make_folder())]) == 0
    assert "Optional tables not provided" in capsys.readouterr().out


def test_sample_writes_a_folder_and_refuses_to_overwrite_it(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "s"), "--seed", "2", "--scale", "0.2"]) == 0
    assert (tmp_path / "s" / "accounts.csv").exists() and (tmp_path / "s" / "kpi_tree.yaml").exists()
    assert main(["sample", "--out", str(tmp_path / "s"), "--seed", "2", "--scale", "0.2"]) == 3
    assert main(["sample", "--out", str(tmp_path / "p"), "--scale", "0.2", "--format", "parquet"]) == 0
    months = sorted(
        p.name for p in (tmp_path / "p" / "usage").iterdir()
    )  # usage as a folder, one Parquet file per month
    assert months[0] == "month=2023-11" and months[-1] == "month=2026-10" and len(months) == 36
    assert "Wrote 15 tables" in capsys.readouterr().out
    from playbook import load_dataset
    from playbook.data.usage_log import UsageSummary

    ds = load_dataset(tmp_path / "p")
    assert len(ds.accounts) > 0 and isinstance(ds.usage, UsageSummary)
