"""Account pages of a run: one kernel for all pages, the set-up made once, each page from a clean namespace."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from playbook.data.paths import SAMPLE_DIR
from playbook.run.accounts import account_pages, open_account_page
from playbook.run.execute import NotebookFailed


def test_the_set_up_is_made_once_for_the_same_data_month_and_language():
    a = open_account_page(month="2026-10", data_dir=str(SAMPLE_DIR), kpi_tree="", lang="en", account_id="A000241")
    b = open_account_page(month="2026-10", data_dir=str(SAMPLE_DIR), kpi_tree="", lang="en", account_id="A000311")
    assert (a.id, b.id) == ("A000241", "A000311")
    assert a.ctx.ds is b.ctx.ds and a.health is b.health  # shared: loaded and scored once
    c = open_account_page(month="2026-10", data_dir=str(SAMPLE_DIR), kpi_tree="", lang="ja", account_id="A000241")
    assert c.health is not a.health and c.lang == "ja"  # another language: its own health view


def test_a_changed_data_file_is_loaded_again(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, folder)
    args = dict(month="2026-10", data_dir=str(folder), kpi_tree="", lang="en")
    first = open_account_page(**args, account_id="A000241")
    accounts = folder / "accounts.csv"
    stat = accounts.stat()
    os.utime(accounts, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the file was saved again
    again = open_account_page(**args, account_id="A000241")
    assert again.ctx.ds is not first.ctx.ds


def _code_outputs(path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [json.dumps(c["outputs"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_pages_in_one_kernel_equal_a_page_made_alone(tmp_path):
    # the second page of a batch must not inherit anything from the first: same outputs as when made alone
    together = account_pages(["A000241", "A000685"], month="2026-10", lang="en", out_dir=tmp_path / "t", echo=None)
    alone = account_pages(["A000685"], month="2026-10", lang="en", out_dir=tmp_path / "a", echo=None)
    assert [p.name for p in together] == ["A000241.html", "A000685.html"]
    assert _code_outputs(together[1].with_suffix(".ipynb")) == _code_outputs(alone[0].with_suffix(".ipynb"))
    counts = [
        c["execution_count"]
        for c in json.loads(together[1].with_suffix(".ipynb").read_text(encoding="utf-8"))["cells"]
        if c["cell_type"] == "code"
    ]
    assert counts == list(range(1, len(counts) + 1))  # each page counts its cells from [1]
    assert "A000685" in together[1].read_text(encoding="utf-8")


def test_a_failing_page_names_the_account_and_keeps_the_partial_notebook(tmp_path, monkeypatch):
    import playbook.run.accounts as accounts

    broken = tmp_path / "07.ipynb"
    nb = json.loads(accounts.ACCOUNT_NOTEBOOK.read_text(encoding="utf-8"))
    nb["cells"].append(
        {"cell_type": "code", "metadata": {}, "source": "1 / 0", "outputs": [], "execution_count": None, "id": "boom"}
    )
    broken.write_text(json.dumps(nb), encoding="utf-8")
    monkeypatch.setattr(accounts, "ACCOUNT_NOTEBOOK", broken)
    with pytest.raises(NotebookFailed, match=r"account A000241 failed in cell .*ZeroDivisionError"):
        account_pages(["A000241"], month="2026-10", lang="en", out_dir=tmp_path / "out", echo=None)
    assert (tmp_path / "out" / "A000241.ipynb").is_file()
