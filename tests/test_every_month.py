"""Every review notebook completes for the months the command line accepts, and for legal but thin data.

The notebooks hold no logic, so their code cells are run here in one process (faster than a kernel per
notebook): the parameters cell is replaced, each cell's last expression is rendered as Jupyter would
(HTML and Markdown), and any exception fails the test with the notebook, cell and month.
"""

from __future__ import annotations

import ast
import shutil

import matplotlib
import nbformat
import pandas as pd
import pytest
from IPython.core.formatters import DisplayFormatter

from playbook.data.paths import NOTEBOOKS_DIR
from tests.conftest import SAMPLE

matplotlib.use("Agg")
import matplotlib.pyplot as plt

REVIEW_NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("0[1-6]_*.ipynb"))
FORMATTER = DisplayFormatter()


def run_in_process(path, **params) -> int:
    """Run a notebook's code cells in this process with ``params``; return the number of cells run."""
    nb = nbformat.read(path, as_version=4)
    namespace: dict = {"__name__": "__notebook__"}
    cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in cells:
        if "parameters" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)  # the defaults, then the run's values
            namespace.update(params)
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        try:
            exec(compile(tree, f"{path.name}", "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), f"{path.name}", "eval"), namespace)
                if value is not None:
                    FORMATTER.format(value)  # render as the notebook would: HTML tables, Markdown
        except Exception as exc:
            raise AssertionError(f"{path.name} failed for {params} in cell:\n{cell.source[:200]}\n{exc!r}") from exc
        finally:
            plt.close("all")
    return len(cells)


#: Every month the command line accepts for the sample company (2023-11 to 2026-10).
EVERY_MONTH = [str(m) for m in pd.period_range("2023-11", "2026-10", freq="M")]


@pytest.mark.notebook
@pytest.mark.parametrize("month", EVERY_MONTH)
def test_every_review_notebook_completes_for_every_month_of_the_sample(month):
    # the first months have no history (lifetimes, RFM lookbacks, churn models), later ones cross the 12-month marks;
    # April and October run in Japanese
    lang = "ja" if month.endswith(("-04", "-10")) else "en"
    for path in REVIEW_NOTEBOOKS:
        run_in_process(path, month=month, data_dir=str(SAMPLE), kpi_tree=str(SAMPLE / "kpi_tree.yaml"), lang=lang)


@pytest.fixture(scope="module")
def short_transactions(tmp_path_factory):
    """The sample with a transactions export of two months only."""
    folder = tmp_path_factory.mktemp("short-transactions")
    for path in SAMPLE.iterdir():
        shutil.copy(path, folder / path.name)
    tx = pd.read_csv(SAMPLE / "transactions.csv", dtype=str, keep_default_na=False)
    tx[tx["date"] >= "2026-09-01"].to_csv(folder / "transactions.csv", index=False)
    return folder


@pytest.mark.notebook
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_review_notebook_completes_with_two_months_of_transactions(short_transactions, lang, capsys):
    for path in REVIEW_NOTEBOOKS:
        run_in_process(
            path,
            month="2026-10",
            data_dir=str(short_transactions),
            kpi_tree=str(short_transactions / "kpi_tree.yaml"),
            lang=lang,
        )


def test_rfm_views_say_in_one_sentence_what_they_cannot_show(short_transactions):
    from playbook import open_review
    from playbook.report import customer_views as cr

    ctx = open_review(month="2026-10", data_dir=str(short_transactions), kpi_tree=None, lang="en")
    matrix = cr.migration_view(ctx)
    assert matrix.empty
    assert matrix.attrs["note"] == (
        "No one-off purchases in the 365 days up to 2026-07-31, so RFM segments cannot be shown for this month."
    )
    early = open_review(month="2026-08", data_dir=str(short_transactions), kpi_tree=None, lang="ja")
    table = cr.rfm_view(early)
    assert table.iloc[0, 0] == "2026年8月31日までの365日間に単発購入がないため、この月のRFMセグメントは表示できません。"
