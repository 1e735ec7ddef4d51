"""Paths a user types on the command line resolve from the current folder (issue 15, item 5)."""

from __future__ import annotations

import shutil
from pathlib import Path

from playbook.run.cli import main

EXPORTS = Path(__file__).parent / "data" / "exports"
SAMPLE = Path(__file__).parents[1] / "data" / "sample"


def test_validate_resolves_data_and_mapping_from_the_current_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "own1").mkdir()
    shutil.copy(EXPORTS / "stripe" / "subscriptions.csv", tmp_path / "own1")
    (tmp_path / "maps").mkdir()
    shutil.copy(
        Path(__file__).parents[1] / "playbook/data/mappings/stripe_subscriptions.yaml", tmp_path / "maps/s.yaml"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--data", "own1", "--mapping", "maps/s.yaml"]) == 0
    out = capsys.readouterr().out
    assert "subscriptions.csv → subscriptions" in out and "sub_1PqA01" in out  # the mapped first rows


def test_a_relative_data_folder_is_not_read_from_the_project_root(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # data/sample exists under the project root, not here
    assert main(["validate", "--data", "data/sample"]) == 1
    assert "not found" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    for f in ("accounts.csv", "subscriptions.csv"):
        shutil.copy(SAMPLE / f, tmp_path / "mine")
    assert main(["validate", "--data", "mine"]) == 0


def test_a_preset_name_is_not_a_path(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--data", str(EXPORTS / "stripe"), "--mapping", "stripe"]) == 0
    assert main(["validate", "--data", str(EXPORTS / "stripe"), "--mapping", "strype"]) == 1
    assert "neither a file nor a preset" in capsys.readouterr().err


def test_run_and_account_resolve_data_from_the_current_folder(tmp_path, monkeypatch, capsys):
    """The parameters are checked before any notebook runs: a folder only the project root holds is not found."""
    monkeypatch.chdir(tmp_path)
    for command in (["run", "--month", "2026-10"], ["account", "A000001", "--month", "2026-10"]):
        assert main([*command, "--data", "data/sample", "--out", str(tmp_path / "out")]) != 0, command
        err = capsys.readouterr().err
        assert "not found" in err and str(tmp_path / "data" / "sample") in err, (command, err)
