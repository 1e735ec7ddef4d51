"""The KPI primer for staff who do not open JupyterLab: each edition as one HTML page without code.

``make primer`` (``python -m playbook.run.primer``) writes ``outputs/primer/00_kpi_primer.html``
(English) and ``00_kpi_primer_ja.html`` (Japanese) with the same export as a run's reports
(:func:`playbook.run.runs.export_html`): no code, no prompts, the page's language declared. The
committed primers hold their outputs (the nbval baseline), so by default they are exported as they
are; ``execute=True`` runs each one first on a copy, with the notebooks folder as working directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playbook.data.paths import NOTEBOOKS_DIR, PROJECT_ROOT, display_path
from playbook.run.runs import KERNEL_ARGS, clean_notebook, export_html

__all__ = ["PRIMERS", "primer_title", "build_primers", "main"]

PRIMERS: dict[str, str] = {"00_kpi_primer": "en", "00_kpi_primer_ja": "ja"}
"""Each primer notebook (name without ``.ipynb``) and the language of its edition."""


def primer_title(nb) -> str:
    """The page title of a primer: its first Markdown heading without the ``#`` marks.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook.

    Returns
    -------
    str
        The first line starting with ``#`` of the first Markdown cell that has one, else ``"KPI primer"``.

    Examples
    --------
    >>> import nbformat
    >>> primer_title(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 00 · KPI入門\\ntext")]))
    '00 · KPI入門'
    """
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return "KPI primer"


def _execute(nb, folder: Path) -> None:
    from nbclient import NotebookClient

    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=900,
        record_timing=False,
        extra_arguments=KERNEL_ARGS,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    clean_notebook(nb)


def build_primers(
    out_dir: str | Path = "outputs/primer",
    *,
    folder: Path = NOTEBOOKS_DIR,
    execute: bool = False,
    echo: Callable[[str], None] = print,
) -> list[Path]:
    """Write the HTML edition of each primer, without code, into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path, default "outputs/primer"
        The folder to write to (created when missing); a relative path is taken from the project root.
    folder : Path, default NOTEBOOKS_DIR
        The folder holding the primer notebooks (:data:`PRIMERS`).
    execute : bool, default False
        Execute each primer first (on a copy; the notebook file is not changed) instead of exporting
        its committed outputs.
    echo : callable, default print
        Receives one line per page written.

    Returns
    -------
    list of Path
        The HTML files written, English edition first.

    Raises
    ------
    FileNotFoundError
        A primer notebook is missing from ``folder``.
    nbclient.exceptions.CellExecutionError
        With ``execute``, a cell raised an error.
    """
    import nbformat

    out = Path(out_dir)
    out = out if out.is_absolute() else PROJECT_ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, lang in PRIMERS.items():
        source = Path(folder) / f"{name}.ipynb"
        if not source.exists():
            raise FileNotFoundError(f"primer notebook not found: {display_path(source)}")
        nb = nbformat.read(source, as_version=4)
        if execute:
            _execute(nb, source.parent)
        html = out / f"{name}.html"
        with tempfile.TemporaryDirectory() as tmp:
            executed = Path(tmp) / source.name
            nbformat.write(nb, executed)
            export_html(executed, html, primer_title(nb), lang)
        echo(f"{display_path(html)}: {lang}")
        written.append(html)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make primer``: ``python -m playbook.run.primer [--out DIR] [--execute]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        0 when both pages were written.
    """
    parser = argparse.ArgumentParser(
        prog="python -m playbook.run.primer",
        description="Write the KPI primer's English and Japanese editions as HTML pages without code.",
    )
    parser.add_argument("--out", default="outputs/primer", help="folder for the HTML pages (default: outputs/primer)")
    parser.add_argument("--execute", action="store_true", help="execute the primers first instead of exporting them")
    args = parser.parse_args(argv)
    build_primers(args.out, execute=args.execute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
