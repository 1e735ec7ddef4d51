"""A run publishes a month whole or not at all, one run at a time, after checking every input first."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import nbformat
import pytest
import yaml

from playbook.run import runs
from playbook.run.cli import main
from playbook.run.runs import NotebookFailed, RunRefused, run_review
from tests.conftest import SAMPLE

PARAMS = 'month: str = "2026-10"  # review month\ndata_dir: str = "data/sample"\nkpi_tree: str = ""\nlang: str = "en"'


def _notebooks(folder, *bodies):
    """Tiny review notebooks: a parameters cell and one code cell each."""
    folder.mkdir(exist_ok=True)
    paths = []
    for i, body in enumerate(bodies, 1):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [
            nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(body),
        ]
        path = folder / f"0{i}_step.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


@pytest.mark.notebook
def test_a_second_run_of_a_month_is_refused_while_the_first_holds_the_lock_and_the_published_month_stays_whole(
    tmp_path,
):
    nbs = _notebooks(tmp_path / "nbs", "x = 1", "y = 2")
    out = tmp_path / "out"
    month = run_review(month="2026-10", out_dir=out, notebooks=nbs, echo=lambda m: None)
    published = sorted(p.name for p in month.iterdir())
    assert published == [
        "01_step.html",
        "01_step.ipynb",
        "02_step.html",
        "02_step.ipynb",
        "index.html",
        "manifest.json",
    ]
    # a run of the same month holds the lock (a live process: this one)
    (out / ".2026-10.lock").write_text(f"{os.getpid()}\n")
    with pytest.raises(RunRefused, match=r"another run of 2026-10 \(process \d+\) is writing"):
        run_review(month="2026-10", out_dir=out, notebooks=nbs, force=True, echo=lambda m: None)
    assert sorted(p.name for p in month.iterdir()) == published
    assert json.loads((month / "manifest.json").read_text())["status"] == "ok"
    assert not list(out.glob(".2026-10.running-*"))


@pytest.mark.notebook
def test_a_lock_left_by_a_dead_run_is_taken_over(tmp_path):
    nbs = _notebooks(tmp_path / "nbs", "x = 1")
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / ".2026-10.lock").write_text(dead.stdout)
    month = run_review(month="2026-10", out_dir=out, notebooks=nbs, echo=lambda m: None)
    assert (month / "01_step.html").exists() and not (out / ".2026-10.lock").exists()


@pytest.mark.notebook
def test_force_replaces_a_published_month_whole(tmp_path):
    out = tmp_path / "out"
    first = run_review(
        month="2026-10", out_dir=out, notebooks=_notebooks(tmp_path / "a", "x = 1", "y = 2"), echo=lambda m: None
    )
    again = run_review(
        month="2026-10", out_dir=out, notebooks=_notebooks(tmp_path / "b", "z = 3"), force=True, echo=lambda m: None
    )
    assert again == first
    assert sorted(p.name for p in again.iterdir()) == ["01_step.html", "01_step.ipynb", "index.html", "manifest.json"]
    assert sorted(p.name for p in out.iterdir()) == ["2026-10", "index.html"]  # the month and the index of months


@pytest.mark.notebook
def test_after_a_failed_run_the_corrected_rerun_is_not_refused(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(NotebookFailed):
        run_review(month="2026-10", out_dir=out, notebooks=_notebooks(tmp_path / "a", "1 / 0"), echo=lambda m: None)
    month = run_review(month="2026-10", out_dir=out, notebooks=_notebooks(tmp_path / "b", "x = 1"), echo=lambda m: None)
    assert (month / "manifest.json").exists()
    assert len(list(out.glob("2026-10.failed-*"))) == 1


def test_a_kpi_tree_with_an_unknown_metric_is_refused_before_the_first_notebook(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    tree = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    tree["kfs"][0]["kpis"][0]["metric"] = "onboarding_rate"
    (data / "kpi_tree.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    assert main(["run", "--month", "2026-10", "--data", str(data), "--out", str(tmp_path / "out")]) == 1
    assert "unknown metric id 'onboarding_rate'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_kpi_tree_segment_on_an_unknown_column_is_refused_before_the_first_notebook(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    tree = yaml.safe_load((SAMPLE / "kpi_tree.yaml").read_text(encoding="utf-8"))
    tree["kfs"][0]["kpis"][0]["segment"] = {"tier": "gold"}
    (data / "kpi_tree.yaml").write_text(yaml.safe_dump(tree), encoding="utf-8")
    assert main(["run", "--month", "2026-10", "--data", str(data), "--out", str(tmp_path / "out")]) == 1
    assert "accounts has no column 'tier'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_existing_month_is_refused_before_the_data_is_loaded(tmp_path, capsys, monkeypatch):
    (tmp_path / "out" / "2026-10").mkdir(parents=True)
    (tmp_path / "out" / "2026-10" / "manifest.json").write_text("{}")

    def never(*args, **kwargs):
        raise AssertionError("the data was loaded")

    monkeypatch.setattr(runs, "load_review_data", never)
    start = time.perf_counter()
    assert main(["run", "--month", "2026-10", "--out", str(tmp_path / "out")]) == 3
    assert time.perf_counter() - start < 5
    assert "already holds the results of an earlier run" in capsys.readouterr().err


def test_relative_paths_on_the_command_line_are_taken_from_the_current_folder(tmp_path, capsys, monkeypatch):
    shutil.copytree(SAMPLE, tmp_path / "own1")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--data", "own1", "--month", "2026-10"]) == 0
    assert "OK: 13 tables valid" in capsys.readouterr().out
    assert main(["validate", "--data", "no_such"]) == 1
    assert f"{tmp_path / 'no_such'}: data folder not found" in capsys.readouterr().err
