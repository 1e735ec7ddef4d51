"""Executing a notebook for a report: the kernel's settings, the HTML export in one language, the run errors."""

from __future__ import annotations

import copy
import time
from pathlib import Path

from playbook.texts import LANGS

__all__ = ["KERNEL_ARGS", "RunError", "RunRefused", "NotebookFailed", "CellFailed", "NotebookKernel", "export_html"]


# Kernels we start log only errors (ipykernel otherwise warns on every start about its local TCP transport).
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


class RunError(Exception):
    """A run that could not start or finish; ``exit_code`` is what the command line returns."""

    exit_code = 1


class RunRefused(RunError):
    """The month folder already holds results and ``force`` was not given."""

    exit_code = 3


class NotebookFailed(RunError):
    """A notebook raised an error; the partially executed notebook is kept."""

    exit_code = 4


#: Table cells break Japanese at punctuation and spaces only (never "ポイン/ト" or "46.9万/円"); wide tables scroll.
_REPORT_CSS = (
    "<style>.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { word-break: keep-all; }"
    " .jp-RenderedHTMLCommon table { max-width: none; }</style>\n"
)


def export_html(executed: Path, html: Path, title: str, lang: str = "en") -> None:
    """Write the executed notebook as an HTML report without code, in one language.

    A notebook holds its narrative in both languages: markdown cells tagged ``lang-en`` and their
    twins tagged ``lang-ja``. The report keeps the cells of ``lang`` and drops the other language's
    (nbconvert's tag-removal preprocessor); the page declares its language (``<html lang="ja">``), so
    a browser picks Japanese glyphs.

    Parameters
    ----------
    executed : Path
        The executed notebook.
    html : Path
        The HTML file to write.
    title : str
        The page title.
    lang : {"en", "ja"}, default "en"
        The language of the report.

    Returns
    -------
    None
        The page is written to ``html``.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(executed, as_version=4)
    others = {f"lang-{other}" for other in LANGS if other != lang}
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, language_code=lang
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=others, enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    html.write_text(body.replace("</head>", _REPORT_CSS + "</head>", 1), encoding="utf-8")


class CellFailed(Exception):
    """A cell of a notebook executed by :class:`NotebookKernel` raised; the partial notebook is written.

    ``cell`` is the cell's execution count, ``ename``/``evalue`` the error, ``source`` the cell's code.
    """

    def __init__(self, cell: int | None, ename: str, evalue: str, source: str):
        super().__init__(f"cell [{cell}]: {ename}: {evalue}")
        self.cell, self.ename, self.evalue, self.source = cell, ename, evalue, source


class NotebookKernel:
    """One kernel that executes notebook after notebook, each from a clean namespace.

    Starting a kernel and importing the package take seconds; a run executes many notebooks (the
    review, a review per CSM, a page per account), so they share one kernel. Before each notebook
    the kernel's namespace is emptied (``%reset -f``) and its working folder becomes the notebook's: what carries over is only what modules keep,
    such as the data set-up :func:`playbook.run.accounts.open_account_page` caches. A notebook's
    cells are numbered from [1] as in a kernel of its own.

    Parameters
    ----------
    cwd : Path
        The kernel's working folder when it starts (each notebook then runs in its own folder).

    Examples
    --------
    ``with NotebookKernel(NOTEBOOKS_DIR) as k: k.execute(notebook, out, {"month": "2026-10"})``
    """

    def __init__(self, cwd: Path):
        import nbformat
        from nbclient import NotebookClient

        self._client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name="python3",
            timeout=None,
            record_timing=False,
            resources={"metadata": {"path": str(cwd)}},
            extra_arguments=KERNEL_ARGS,
        )
        self._setup = self._client.setup_kernel()
        self._templates: dict = {}

    def __enter__(self) -> NotebookKernel:
        self._setup.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._setup.__exit__(*exc)

    def execute(self, notebook: Path, out: Path, parameters: dict, transactions_only: bool = False) -> float:
        """Execute ``notebook`` with ``parameters`` injected (as papermill does) into ``out``; return the seconds.

        ``transactions_only`` (a dataset without subscriptions) leaves out the cells tagged ``subscriptions``,
        else those tagged ``transactions-only`` are left out (:func:`playbook.report.dataset_cells.select_cells`).

        Raises
        ------
        CellFailed
            A cell raised; the partially executed notebook is written to ``out``.
        """
        import nbformat
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        from playbook.report.dataset_cells import select_cells

        start = time.perf_counter()
        key = (Path(notebook).resolve(), transactions_only)
        if key not in self._templates:  # papermill's reading: every cell has its tags
            self._templates[key] = select_cells(load_notebook_node(str(notebook)), transactions_only)
        nb = parameterize_notebook(copy.deepcopy(self._templates[key]), parameters, kernel_name="python3")
        client = self._client
        # a clean namespace, in the notebook's folder: run in a notebook of its own (nbclient stores an executed
        # cell at its index in client.nb), so it is not kept
        reset = nbformat.v4.new_code_cell(
            f"%reset -f\n__import__('os').chdir({str(Path(notebook).resolve().parent)!r})"
        )
        client.nb = nbformat.v4.new_notebook(cells=[reset])
        client.execute_cell(reset, 0)
        client.nb = nb
        client.reset_execution_trackers()
        cell = None
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        except CellExecutionError as exc:
            _count_from_one(nb)
            nbformat.write(nb, out)
            raise CellFailed(cell.get("execution_count"), exc.ename, exc.evalue, cell.source) from None
        _count_from_one(nb)
        nbformat.write(nb, out)
        return time.perf_counter() - start


def _count_from_one(nb) -> None:
    """Number the executed code cells [1], [2], ... as a fresh kernel would (the shared kernel counts on)."""
    code = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count") is not None]
    for n, cell in enumerate(code, 1):
        cell.execution_count = n
        for out in cell.get("outputs", []):
            if "execution_count" in out:
                out["execution_count"] = n
