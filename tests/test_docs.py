"""The documents say what the code does: the data dictionary and the README."""

from __future__ import annotations

import re

import pytest

from playbook.data.paths import PROJECT_ROOT
from playbook.data.schema import TABLES

DATA_README = (PROJECT_ROOT / "data" / "README.md").read_text(encoding="utf-8")
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _section(table: str) -> str:
    match = re.search(rf"^### {table} .*?(?=^### |^## |\Z)", DATA_README, re.M | re.S)
    assert match, f"data/README.md has no section for {table}"
    return match.group(0)


@pytest.mark.parametrize("table", list(TABLES))
def test_the_data_dictionary_documents_every_column_and_marks_the_required_ones(table):
    section = _section(table)
    documented = set(re.findall(r"^\| \*{0,2}`(\w+)`\*{0,2} \|", section, re.M))
    assert documented == {c.name for c in TABLES[table].columns}
    required = set(re.findall(r"^\| \*\*`(\w+)`\*\* \|", section, re.M))
    assert required == set(TABLES[table].required_columns)


def test_the_readme_opens_with_the_two_commands():
    head = README.split("\n## ", 1)[0]
    assert "make review" in head and "make test" in head
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_the_readme_lists_every_notebook():
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        assert path.name in README


def _readme_section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(0)


def test_the_python_example_in_the_readme_runs(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    code = re.search(r"```python\n(.*?)```", _readme_section("Use it from Python"), re.S).group(1)
    monkeypatch.chdir(PROJECT_ROOT)  # the example uses paths from the project root, as a reader would
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert set(namespace["card"]["status"]) <= {"achieved", "on track", "at risk", "off track", "no data"}
    assert (namespace["bridge"]["mrr_end"] > 0).all()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_the_readme_layout_names_every_module_of_every_layer():
    layout = _readme_section("Layout")
    for path in sorted((PROJECT_ROOT / "playbook").glob("*/*.py")):
        if path.name != "__init__.py":
            assert path.name in layout, f"{path.relative_to(PROJECT_ROOT)} is not in the README layout"
        assert f"{path.parent.name}/" in layout


def test_the_readme_lists_the_whole_public_api():
    import playbook as pb

    section = _readme_section("Use it from Python")
    layers = {"analyses", "data", "kpis", "report", "review", "run"}
    missing = [name for name in pb.__all__ if name not in layers and f"`{name}`" not in section]
    assert missing == []
