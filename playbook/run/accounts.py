"""Account pages (顧客カルテ): notebook 07 executed for one account or a list of them, with an HTML report each.

``account_page`` checks the parameters, the data and the account id before anything
runs, executes ``notebooks/07_account_review.ipynb`` with papermill (the kernel
settings of :func:`playbook.run.runs.run_review`) into ``<out>/<id>.ipynb`` and exports
``<out>/<id>.html`` without code, in the run's language
(:func:`playbook.run.runs.export_html`). ``account_pages`` does the same for a list of
accounts (a run: every account of ``at_risk.csv``), loading the data once and
executing a few notebooks at a time. The account id always reaches the notebook as
text, so ``00123`` keeps its zeros.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from playbook.data.dataset import load_dataset, review_month
from playbook.data.paths import NOTEBOOKS_DIR, PROJECT_ROOT, display_path, resolve_path
from playbook.report.account_views import resolve_account_id
from playbook.report.formatting import format_month
from playbook.run.execute import KERNEL_ARGS, NotebookFailed, export_html
from playbook.run.params import check_parameters
from playbook.texts import text

__all__ = ["ACCOUNT_NOTEBOOK", "account_page", "account_pages", "at_risk_ids"]

#: The account notebook: not a review notebook (``review_notebooks`` takes 01-06 only).
ACCOUNT_NOTEBOOK = NOTEBOOKS_DIR / "07_account_review.ipynb"


def at_risk_ids(folder: str | Path) -> list[str]:
    """The account ids of the ``at_risk.csv`` a run wrote into ``folder`` (its first column), as text, in list order.

    Parameters
    ----------
    folder : str or Path
        A run's month folder (or its staging folder).

    Returns
    -------
    list of str
        The ids, highest MRR first as the list is written; empty when there is no ``at_risk.csv``.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "at_risk.csv").write_text("顧客ID,顧客名\\n00123,株式会社A\\nA9,B\\n", encoding="utf-8-sig")
    >>> at_risk_ids(d), at_risk_ids(d / "nothing")
    (['00123', 'A9'], [])
    """
    path = Path(folder) / "at_risk.csv"
    if not path.is_file():
        return []
    table = pd.read_csv(path, encoding="utf-8-sig", dtype="str", keep_default_na=False)
    return [v for v in table.iloc[:, 0].tolist() if v]


def _prepare(month: str, data_dir, kpi_tree, lang: str):
    """Check the parameters and load the data once: (parameters, dataset, review month, KPI tree path or "")."""
    params = check_parameters(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang)
    ds = load_dataset(params.data_dir)
    period = review_month(ds, params.month)
    tree = params.kpi_tree
    if tree is None and (params.data_dir / "kpi_tree.yaml").is_file():
        tree = params.data_dir / "kpi_tree.yaml"
    return params, ds, period, display_path(tree) if tree else ""


def _execute(account_id: str, page: str, parameters: dict, folder: Path, title: str, lang: str) -> tuple[Path, float]:
    """Execute notebook 07 for one account into ``folder/<page>.ipynb`` and export ``<page>.html``; (html, seconds)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    out_nb = folder / f"{page}.ipynb"
    try:
        pm.execute_notebook(
            str(ACCOUNT_NOTEBOOK),
            str(out_nb),
            parameters={**parameters, "account_id": str(account_id)},
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(ACCOUNT_NOTEBOOK.parent),
            extra_arguments=KERNEL_ARGS,
        )
    except PapermillExecutionError as exc:
        raise NotebookFailed(
            f"{ACCOUNT_NOTEBOOK.name} for account {account_id} failed in cell [{exc.exec_count}]: "
            f"{exc.ename}: {exc.evalue}\nThe partial notebook is kept in {display_path(out_nb)}."
        ) from None
    html = out_nb.with_suffix(".html")
    export_html(out_nb, html, title, lang)
    return html, time.perf_counter() - start


def _safe_name(account_id: str) -> str:
    """An id as a file name that stays in its folder (ids come from a user file): anything but letters, digits,
    ``-``, ``_`` and ``.`` replaced, no leading dot.

    Examples
    --------
    >>> _safe_name("A000241"), _safe_name("../x/y"), _safe_name("株式会社1")
    ('A000241', '_x_y', '株式会社1')
    """
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in account_id).lstrip(".") or "_"


def account_pages(
    ids: Iterable,
    *,
    month: str = "latest",
    data_dir: str | Path = "data/sample",
    kpi_tree: str | Path | None = None,
    lang: str = "en",
    out_dir: str | Path | None = None,
    workers: int = 1,
    echo: Callable[[str], None] | None = print,
) -> list[Path]:
    """Execute the account page (notebook 07) for each account of ``ids`` and export each as HTML.

    Every id is checked against the accounts table before the first page runs.

    Parameters
    ----------
    ids : iterable of str
        The account ids (numbers are matched as :func:`playbook.report.account_views.resolve_account_id`
        says); repeated ids run once.
    month : str, default "latest"
        The review month, ``YYYY-MM``, or ``"latest"``.
    data_dir : str or Path, default "data/sample"
        The data folder; a relative path is taken from the project root.
    kpi_tree : str or Path, optional
        The KPI tree (passed to the notebook, which does not use it); by default ``kpi_tree.yaml`` of
        the data folder when there is one.
    lang : {"en", "ja"}, default "en"
        The language of the pages.
    out_dir : str or Path, optional
        The folder that receives ``<id>.ipynb`` and ``<id>.html``; by default
        ``outputs/accounts/<YYYY-MM>/`` of the project, beside the month folders (a run passes its month folder's ``accounts/``).
    workers : int, default 1
        Notebooks executed at the same time (each in its own kernel).
    echo : callable or None, default print
        Receives one line per page with its time, and the total; None for silence.

    Returns
    -------
    list of Path
        The HTML pages, in the order of ``ids``.

    Raises
    ------
    DataValidationError
        Bad parameters or data, or an id that is not an account (nothing is executed).
    NotebookFailed
        A page failed; the message names the account and the cell (the pages before it are kept).
    """
    params, ds, period, tree = _prepare(month, data_dir, kpi_tree, lang)
    lang = params.lang
    resolved = list(dict.fromkeys(resolve_account_id(ds.accounts, i, lang) for i in ids))
    folder = PROJECT_ROOT / "outputs" / "accounts" / str(period) if out_dir is None else resolve_path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    parameters = {"month": str(period), "data_dir": display_path(params.data_dir), "kpi_tree": tree, "lang": lang}
    names = ds.accounts.set_index("account_id")["name"] if "name" in ds.accounts.columns else None

    def one(account_id: str) -> tuple[Path, float]:
        name = account_id if names is None or pd.isna(names.get(account_id)) else str(names[account_id])
        title = text("account.title", lang, name=name, id=account_id, month=format_month(period, lang))
        return _execute(account_id, _safe_name(account_id), parameters, folder, title, lang)

    def in_thread(account_id: str) -> tuple[Path, float]:
        loop = asyncio.new_event_loop()  # the kernel client's loop for this thread, closed after the page
        asyncio.set_event_loop(loop)
        try:
            return one(account_id)
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    start = time.perf_counter()
    pages: list[Path] = []
    workers = max(1, min(int(workers), len(resolved)))
    with contextlib.ExitStack() as stack:
        if workers == 1:
            results = map(one, resolved)
        else:
            results = stack.enter_context(ThreadPoolExecutor(max_workers=workers)).map(in_thread, resolved)
        for i, (html, seconds) in enumerate(results, 1):
            pages.append(html)
            if echo:
                echo(text("run.account_page", lang, i=i, count=len(resolved), page=display_path(html), seconds=seconds))
    if echo and resolved:
        total = time.perf_counter() - start
        echo(text("run.account_pages", lang, count=len(resolved), seconds=total, each=total / len(resolved)))
    return pages


def account_page(
    account_id,
    *,
    month: str = "latest",
    data_dir: str | Path = "data/sample",
    kpi_tree: str | Path | None = None,
    lang: str = "en",
    out_dir: str | Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> Path:
    """Execute the account page (notebook 07) for one account and export it as HTML; return the HTML file.

    Parameters
    ----------
    account_id : str
        The account (an id of the accounts table; given as text, ``00123`` keeps its zeros).
    month : str, default "latest"
        The review month, ``YYYY-MM``, or ``"latest"``.
    data_dir : str or Path, default "data/sample"
        The data folder.
    kpi_tree : str or Path, optional
        The KPI tree (not used by the page); by default ``kpi_tree.yaml`` of the data folder.
    lang : {"en", "ja"}, default "en"
        The language of the page.
    out_dir : str or Path, optional
        The folder that receives ``<id>.ipynb`` and ``<id>.html``; by default ``outputs/accounts/<YYYY-MM>/``.
    echo : callable, optional
        Receives a line with the page's time.

    Returns
    -------
    Path
        The HTML page ``<out_dir>/<id>.html`` (the executed notebook is next to it).

    Raises
    ------
    DataValidationError
        Bad parameters or data, or an unknown account id (the message names it); nothing is executed.
    NotebookFailed
        The notebook failed; the message names the cell and the partial notebook is kept.
    """
    return account_pages(
        [account_id],
        month=month,
        data_dir=data_dir,
        kpi_tree=kpi_tree,
        lang=lang,
        out_dir=out_dir,
        workers=1,
        echo=echo,
    )[0]
