"""Account pages (顧客カルテ): notebook 07 executed for one account or a list of them, with an HTML report each.

``account_page`` checks the parameters, the data and the account id before anything
runs, executes ``notebooks/07_account_review.ipynb`` with papermill (the kernel
settings of :func:`playbook.run.runs.run_review`) into ``<out>/<id>.ipynb`` and exports
``<out>/<id>.html`` without code, in the run's language
(:func:`playbook.run.runs.export_html`). ``account_pages`` does the same for a list of
accounts (a run: every account of ``at_risk.csv``) in one kernel: the notebook's set-up
(:func:`open_account_page`: the data and the company's health view) is made once and
each page starts from a clean namespace. The account id always reaches the notebook as
text, so ``00123`` keeps its zeros.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from playbook.data.dataset import review_month
from playbook.data.paths import NOTEBOOKS_DIR, PROJECT_ROOT, display_path, resolve_path
from playbook.report.account_views import AccountView, resolve_account_id
from playbook.report.customer_views import HealthView
from playbook.report.formatting import format_month
from playbook.run.execute import CellFailed, NotebookFailed, NotebookKernel, export_html
from playbook.run.notebook import load_review_data, open_review
from playbook.run.params import check_parameters, database_url_for_kernels
from playbook.texts import text

__all__ = ["ACCOUNT_NOTEBOOK", "account_page", "account_pages", "at_risk_ids", "open_account_page"]

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


#: The company's health view of the last data an account page opened: {key: (Dataset, HealthView)}.
_SETUP: dict = {}


def open_account_page(
    *, month: str, data_dir: str, kpi_tree: str | None, lang: str, account_id, mapping: str = ""
) -> AccountView:
    """The account page's set-up cell: the review of ``month`` and one account's view of it.

    The review's data (:func:`playbook.run.notebook.load_review_data`) and the company's health view
    do not depend on the account, so a kernel makes them once and reuses them for the next account of
    the same data, month and language (a data file changed on disk is loaded again).

    Parameters
    ----------
    month, data_dir, kpi_tree, lang, mapping
        As :func:`playbook.run.notebook.open_review`.
    account_id : str
        The account (see :func:`playbook.report.account_views.resolve_account_id`).

    Returns
    -------
    AccountView
        The page's tables, sentences and charts; its ``ctx`` is the review.

    Raises
    ------
    DataValidationError
        Bad parameters or data, or an account id that is not in the accounts table.
    """
    ctx = open_review(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang, mapping=mapping)
    key = (id(ctx.ds), str(ctx.month), ctx.lang)
    if key not in _SETUP:
        _SETUP.clear()  # one data set at a time
        _SETUP[key] = (ctx.ds, HealthView(ctx))  # the dataset is kept, so its id is not reused
    return AccountView(ctx, account_id, health=_SETUP[key][1])


def _prepare(month: str, data_dir, kpi_tree, lang: str, mapping: str = ""):
    """Check the parameters and load the data once: (parameters, dataset, review month, KPI tree path or "")."""
    params = check_parameters(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang, mapping=mapping)
    ds = load_review_data(params)
    period = review_month(ds, params.month)
    tree = params.kpi_tree
    if tree is None and params.folder is not None and (params.folder / "kpi_tree.yaml").is_file():
        tree = params.folder / "kpi_tree.yaml"
    return params, ds, period, display_path(tree) if tree else ""


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
    mapping: str | Path = "",
    echo: Callable[[str], None] | None = print,
    kernel: NotebookKernel | None = None,
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
    mapping : str or Path, default ""
        A mapping file or preset for export files, or the YAML naming a database's tables (see
        :func:`playbook.data.source.load_source`).
    echo : callable or None, default print
        Receives one line per page with its time, and the total; None for silence.
    kernel : NotebookKernel, optional
        The kernel to execute the pages in; a run passes the kernel of its review notebooks, which
        already holds the loaded data and the company's health model. By default a kernel of their own.

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
    params, ds, period, tree = _prepare(month, data_dir, kpi_tree, lang, str(mapping or ""))
    lang = params.lang
    resolved = list(dict.fromkeys(resolve_account_id(ds.accounts, i, lang) for i in ids))
    folder = PROJECT_ROOT / "outputs" / "accounts" / str(period) if out_dir is None else resolve_path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    parameters = {
        "month": str(period),
        "data_dir": params.data_label,
        "kpi_tree": tree,
        "lang": lang,
        "mapping": display_path(params.mapping) if params.mapping else "",
    }
    names = ds.accounts.set_index("account_id")["name"] if "name" in ds.accounts.columns else None
    if not resolved:
        return []
    if kernel is None:
        with database_url_for_kernels(params), NotebookKernel(ACCOUNT_NOTEBOOK.parent) as own:
            return _execute_pages(own, resolved, folder, parameters, names, period, lang, echo)
    return _execute_pages(kernel, resolved, folder, parameters, names, period, lang, echo)


def _execute_pages(kernel, resolved, folder, parameters, names, period, lang, echo) -> list[Path]:
    """Execute notebook 07 in ``kernel`` for each account id of ``resolved`` and export its HTML (see :func:`account_pages`)."""
    start = time.perf_counter()
    pages: list[Path] = []
    for i, account_id in enumerate(resolved, 1):
        name = account_id if names is None or pd.isna(names.get(account_id)) else str(names[account_id])
        title = text("account.title", lang, name=name, id=account_id, month=format_month(period, lang))
        out_nb = folder / f"{_safe_name(account_id)}.ipynb"
        try:
            seconds = kernel.execute(ACCOUNT_NOTEBOOK, out_nb, {**parameters, "account_id": str(account_id)})
        except CellFailed as exc:
            raise NotebookFailed(
                text(
                    "run.account_failed",
                    lang,
                    name=ACCOUNT_NOTEBOOK.name,
                    account=account_id,
                    cell=exc.cell,
                    error=f"{exc.ename}: {exc.evalue}",
                    path=display_path(out_nb),
                )
            ) from None
        t0 = time.perf_counter()
        html = out_nb.with_suffix(".html")
        export_html(out_nb, html, title, lang)
        seconds += time.perf_counter() - t0
        pages.append(html)
        if echo:
            echo(text("run.account_page", lang, i=i, count=len(resolved), page=display_path(html), seconds=seconds))
    if echo:
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
    mapping: str | Path = "",
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
    mapping : str or Path, default ""
        As :func:`account_pages`.
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
        mapping=mapping,
        echo=echo,
    )[0]
