"""Executing a notebook for a report: the kernel's settings, the HTML export in one language, the run errors."""

from __future__ import annotations

from pathlib import Path

from playbook.texts import LANGS

__all__ = ["KERNEL_ARGS", "RunError", "RunRefused", "NotebookFailed", "export_html"]


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
