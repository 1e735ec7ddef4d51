"""A run executes its notebooks one after another in one kernel: each must come out as in a kernel of its own.

The committed notebooks were executed each in a fresh kernel (``python -m playbook notebooks``; nbval checks
them again that way). Here the review notebooks and the account page run in order in one shared kernel with
their default parameters, and every text and HTML output must equal the committed one: nothing a notebook
leaves behind (variables, options, chart settings, cached set-up) may change the next one.
"""

from __future__ import annotations

import configparser
import re

import nbformat
import pytest

from playbook.data.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from playbook.report.dataset_cells import select_cells
from playbook.run.execute import NotebookKernel

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("0[1-7]_*.ipynb"))
COMPARED = ("text/plain", "text/html", "text/markdown")


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    cfg = configparser.ConfigParser()
    cfg.read(PROJECT_ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def _outputs(nb) -> list[list[str]]:
    subs = _sanitizers()

    def clean(text: str) -> str:
        for pattern, replace in subs:
            text = pattern.sub(replace, text)
        return text

    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        seen = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                seen.append(f"{out['name']}: {clean(out['text'])}")
            for mime in COMPARED:
                if mime in out.get("data", {}):
                    value = out["data"][mime]
                    seen.append(f"{mime}: {clean(''.join(value) if isinstance(value, list) else value)}")
        cells.append(seen)
    return cells


@pytest.mark.notebook
def test_notebooks_in_one_kernel_equal_the_committed_fresh_kernel_outputs(tmp_path):
    assert len(NOTEBOOKS) == 7
    with NotebookKernel(NOTEBOOKS_DIR) as kernel:
        for path in NOTEBOOKS:
            out = tmp_path / path.name
            kernel.execute(path, out, {})
            got = _outputs(nbformat.read(out, as_version=4))
            committed = _outputs(select_cells(nbformat.read(path, as_version=4), False))  # as a run keeps them
            assert len(got) == len(committed), path.name
            for i, (a, b) in enumerate(zip(got, committed, strict=True)):
                assert a == b, f"{path.name}: code cell {i} differs when run after the notebooks before it"
