"""Runs: execute the review notebooks for a month and keep the results.

``run_review`` checks its parameters, the data and every other input (the KPI
tree) before anything runs, refuses to replace an earlier month's results unless
``force``, executes the numbered notebooks ``01_`` to ``06_`` with papermill into a
hidden staging folder under ``<out>/``, exports an HTML report of each without
code, and publishes the month as ``<out>/<YYYY-MM>/`` with one rename only when
every notebook succeeded (a failed run is kept as ``<YYYY-MM>.failed-<time>/``).
A lock file ``<out>/.<YYYY-MM>.lock`` keeps a second run of the same month out. ``refresh_notebooks`` re-executes the committed notebooks in
place (the nbval baseline) and strips volatile metadata.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from playbook.data.dataset import file_sha256, review_month
from playbook.data.errors import DataValidationError, Problem
from playbook.data.paths import NOTEBOOKS_DIR, display_path, resolve_path
from playbook.kpis.purchases import transactions_only
from playbook.report.export import read_written_csv, write_xlsx
from playbook.report.formatting import format_month
from playbook.report.goal_views import scorecard_summary_lines
from playbook.review.goals import load_kpi_tree, segment_dataset
from playbook.run.accounts import account_pages, at_risk_ids
from playbook.run.execute import (
    KERNEL_ARGS,
    CellFailed,
    NotebookFailed,
    NotebookKernel,
    RunError,
    RunRefused,
    export_html,
)
from playbook.run.index import notebook_title, write_month_index, write_run_index
from playbook.run.notebook import load_review_data
from playbook.run.params import ACCOUNT_PAGES, check_parameters, database_url_for_kernels
from playbook.texts import has_text, text

__all__ = [
    "NOTEBOOKS_DIR",
    "RunError",
    "RunRefused",
    "NotebookFailed",
    "review_notebooks",
    "run_review",
    "book_values",
    "export_html",
    "refresh_notebooks",
    "clean_notebook",
]


_REVIEW = re.compile(r"^0[1-6]_[a-z0-9_]+\.ipynb$")
PACKAGES = ("pandas", "numpy", "pyarrow", "matplotlib", "seaborn", "papermill", "nbconvert", "PyYAML")


def review_notebooks(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered review notebooks (01-06) in reading order; the 00 primer is not part of a run.

    Parameters
    ----------
    folder : Path, default NOTEBOOKS_DIR
        The folder to look in (the project's ``notebooks/``).

    Returns
    -------
    list of Path
        The notebooks named ``01_`` to ``06_`` followed by lowercase letters, digits and underscores,
        sorted by name.
    """
    return sorted(p for p in Path(folder).glob("*.ipynb") if _REVIEW.match(p.name))


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _declared(nb: Path) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell."""
    import papermill as pm

    return pm.inspect_notebook(str(nb))


def book_values(ds, by: str) -> list[tuple[str, str]]:
    """The books of a ``--by`` run: each value of the accounts column ``by`` and a safe folder name for it.

    Parameters
    ----------
    ds : Dataset
        The validated data.
    by : str
        A column of the accounts table (``owner`` for the CSM).

    Returns
    -------
    list of (str, str)
        ``(value, folder name)`` in value order; accounts without a value are in no book. The folder name
        is the value with anything but letters, digits, ``-`` and ``_`` replaced (a name from a file never
        becomes a path), numbered so that two values never share a folder.

    Raises
    ------
    DataValidationError
        ``by`` is not a column of the accounts table.

    Examples
    --------
    >>> from playbook import load_dataset
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> book_values(load_dataset(SAMPLE_DIR), "owner")[:2]
    [('Ito', '01-Ito'), ('Sato', '02-Sato')]
    """
    if by not in ds.accounts.columns:
        raise DataValidationError(
            Problem(
                "parameters",
                "by",
                f"'{by}' is not a column of the accounts table (expected one of {list(ds.accounts.columns)})",
            )
        )
    values = sorted({str(v) for v in ds.accounts[by].dropna() if str(v).strip()})
    return [(v, f"{i:02d}-" + re.sub(r"[^\w-]", "_", v)[:40]) for i, v in enumerate(values, 1)]


def _notebook_parameters(nb: Path, params: dict, folder: Path, with_tree: bool) -> dict:
    """The run's parameters, plus where to write tables for the notebooks that declare it.

    ``tables_dir`` (the run folder) for a notebook that writes CSV tables (05: the at-risk, onboarding and RFM
    lists); ``scorecard_csv`` for the notebook that writes the scorecard, when there is a KPI tree.
    """
    declared = _declared(nb)
    extra = {}
    if "tables_dir" in declared:
        extra["tables_dir"] = display_path(folder)
    if with_tree and "scorecard_csv" in declared:
        extra["scorecard_csv"] = display_path(folder / "scorecard.csv")
    return {**params, **extra}


def _mapping_parameter(params, notebooks: list[Path]) -> dict:
    """``{"mapping": ...}`` for the notebooks when the run has a mapping (each must take it), else ``{}``."""
    if params.mapping is None:
        return {}
    deaf = [nb.name for nb in notebooks if "mapping" not in _declared(nb)]
    if deaf:
        raise RunError(f"{', '.join(deaf)} take no 'mapping' parameter, so they would not read the mapped data")
    return {"mapping": display_path(params.mapping)}


def _new_manifest(period, nb_params: dict, params, ds, tree: Path | None, by: str | None) -> dict:
    """The manifest a run starts with: parameters, the inputs' SHA-256, package versions, status "running"."""
    inputs = ds.input_sha256()
    extras = [tree] + ([params.folder / "dataset.yaml"] if params.folder is not None else [])
    for extra in extras:
        if extra is not None and Path(extra).is_file():
            inputs[Path(extra).name] = file_sha256(Path(extra))
    manifest = {
        "month": str(period),
        "parameters": nb_params,
        "data": {"folder": params.data_label, "as_of": f"{ds.as_of:%Y-%m-%d}", "sha256": inputs},
        "packages": _versions(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": "running",
        "notebooks": [],
        "outputs": [],
    }
    if by:
        manifest["by"] = by
        manifest["books"] = []
    return manifest


def run_review(
    *,
    month: str = "latest",
    data_dir: str | Path = "data/sample",
    kpi_tree: str | Path | None = None,
    lang: str = "en",
    out_dir: str | Path = "outputs",
    force: bool = False,
    notebooks: list[Path] | None = None,
    by: str | None = None,
    account_limit: int | None = ACCOUNT_PAGES,
    mapping: str | Path = "",
    echo: Callable[[str], None] = print,
) -> Path:
    """Run the monthly review and return the month folder it wrote.

    Parameters
    ----------
    month : str, default "latest"
        The review month, ``YYYY-MM``, or ``"latest"`` for the last complete month in the data.
    data_dir : str or Path, default "data/sample"
        The data folder; a relative path is taken from the project root.
    kpi_tree : str or Path, optional
        The KPI tree YAML file. Without it, ``kpi_tree.yaml`` in the data folder is used when there is one.
    lang : {"en", "ja"}, default "en"
        The language of the reports.
    out_dir : str or Path, default "outputs"
        The folder that receives the month folder; it must not be inside the data folder.
    force : bool, default False
        Replace the results of an earlier run of the same month.
    notebooks : list of Path, optional
        The notebooks to run, in this order; by default :func:`review_notebooks`.
    by : str, optional
        A column of the accounts table (``owner``: the CSM): after the company review, the review notebooks
        that take a ``segment`` run again for each of its values, on that book of accounts only, into
        ``<month>/by-<column>/<NN-value>/`` (without the KPI tree: its targets are the company's; company-level
        KPIs such as costs and trials are marked company-level, never divided by a book's counts).
    account_limit : int or None, default ACCOUNT_PAGES (100)
        How many accounts of the at-risk list (``at_risk.csv``, highest MRR first) get their own page
        (notebook 07, ``<month>/accounts/<id>.html``, about 1.5 s each in one kernel at the sample's
        size): N for the first N, None for every account on the list, 0 for none. The month's index
        says how many of the list have a page.
    mapping : str or Path, default ""
        A mapping file or preset (``stripe``, ``hubspot``, ...) that turns the export files in ``data_dir`` into
        the contract's tables, or, when ``data_dir`` is a database URL, the YAML naming its tables (see
        :func:`playbook.data.source.load_source`). Every notebook receives it. A URL's password never reaches
        a notebook or the outputs.
    echo : callable, default print
        Receives each progress line: the start, one line per notebook, the scorecard summary, the end.

    Returns
    -------
    Path
        The month folder ``<out_dir>/<YYYY-MM>``, holding each executed notebook and its HTML report,
        the tables the notebooks wrote (``at_risk.csv``, ``onboarding.csv`` and ``rfm_segments.csv``
        from 05; ``scorecard.csv`` from 06 with a KPI tree) and ``tables.xlsx`` (the same tables, a
        sheet each), and ``manifest.json`` (parameters,
        SHA-256 of the input files, package versions, each notebook's status and time).

    Raises
    ------
    DataValidationError
        Bad parameters or bad data (nothing is written).
    RunError
        The output folder is inside the data folder (nothing is written).
    RunRefused
        The month folder exists and ``force`` is False, or another run of the same month is writing
        (nothing is touched).
    NotebookFailed
        A notebook failed; the message names the notebook and cell. Nothing is published: the partial
        run is kept as ``<out_dir>/<YYYY-MM>.failed-<UTC time>/`` with a manifest naming the notebook.
    """
    import nbformat

    params = check_parameters(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang, mapping=mapping)
    lang = params.lang
    out_root = resolve_path(out_dir)
    if params.month is not None:  # refuse an existing month before the data is loaded
        _refuse_existing(out_root / str(params.month), force)
    tree = params.kpi_tree
    if tree is None and params.folder is not None and (params.folder / "kpi_tree.yaml").is_file():
        tree = params.folder / "kpi_tree.yaml"
    ds = load_review_data(params)
    period = review_month(ds, params.month)
    target = out_root / str(period)
    if params.folder is not None and target.resolve().is_relative_to(params.folder.resolve()):
        raise RunError(f"the output folder {display_path(target)} is inside the data folder; choose another --out")
    _refuse_existing(target, force)
    _check_inputs(ds, tree)  # every input a notebook reads, before the first notebook starts
    purchase_review = transactions_only(ds)  # no subscriptions: the notebooks' purchase cells instead
    notebooks = review_notebooks() if notebooks is None else list(notebooks)
    books = book_values(ds, by) if by else []
    book_notebooks = [nb for nb in notebooks if "segment" in _declared(nb)] if by else []
    nb_params = {
        "month": str(period),
        "data_dir": params.data_label,  # a database URL without its password
        "kpi_tree": display_path(tree) if tree else "",
        "lang": params.lang,
    }
    nb_params.update(_mapping_parameter(params, notebooks))
    manifest = _new_manifest(period, nb_params, params, ds, tree, by)
    out_root.mkdir(parents=True, exist_ok=True)
    with _month_lock(out_root, period):
        _refuse_existing(target, force)  # another run may have published it while this one loaded the data
        staging = out_root / f".{period}.running-{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()

        def save_manifest() -> None:
            (staging / "manifest.json").write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )

        echo(
            text(
                "run.starting",
                lang,
                month=format_month(period, lang),
                data=params.data_label,
                target=display_path(target),
                count=len(notebooks) + len(books) * len(book_notebooks),
                lang=params.lang,
            )
        )
        steps = len(notebooks) + len(books) * len(book_notebooks)
        done = 0

        def execute(nb: Path, folder: Path, parameters: dict) -> None:
            nonlocal done
            done += 1
            out_nb = folder / nb.name
            name = out_nb.relative_to(staging).as_posix()
            entry = {"notebook": name, "status": "running", "seconds": None}
            manifest["notebooks"].append(entry)
            start = time.perf_counter()
            try:
                kernel.execute(nb, out_nb, parameters, transactions_only=purchase_review)
            except CellFailed as exc:
                entry.update(
                    status="failed",
                    seconds=round(time.perf_counter() - start, 1),
                    error=f"{exc.ename}: {exc.evalue}",
                    cell=exc.cell,
                )
                manifest["status"] = "failed"
                manifest["outputs"].append(name)
                save_manifest()
                failed = out_root / f"{period}.failed-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
                staging.rename(failed)
                first_line = next((line for line in str(exc.source).splitlines() if line.strip()), "")
                echo(text("run.notebook_failed", lang, i=done, count=steps, name=name))
                raise NotebookFailed(
                    text(
                        "run.failed_cell",
                        lang,
                        name=name,
                        cell=exc.cell,
                        source=first_line.strip()[:60],
                        error=f"{exc.ename}: {exc.evalue}",
                        month=format_month(period, lang),
                        folder=display_path(failed),
                    )
                ) from None
            html = out_nb.with_suffix(".html")
            heading = notebook_title(nbformat.read(out_nb, as_version=4), lang) or nb.stem
            title = text("run.title", lang, name=heading, month=format_month(period, lang))
            if "segment" in parameters:
                title = text("run.book_title", lang, title=title, value=parameters["segment"].partition("=")[2])
            export_html(out_nb, html, title, lang)
            entry.update(status="ok", seconds=round(time.perf_counter() - start, 1), html=html.name)
            manifest["outputs"] += [name, html.relative_to(staging).as_posix()]
            echo(text("run.notebook_ok", lang, i=done, count=steps, name=name, seconds=entry["seconds"]))

        with database_url_for_kernels(params), NotebookKernel(NOTEBOOKS_DIR) as kernel:  # one kernel for the run
            for nb in notebooks:
                execute(nb, staging, _notebook_parameters(nb, nb_params, staging, tree is not None))
            for value, folder_name in books:  # one book per CSM (or other accounts column): no KPI tree of its own
                folder = staging / f"by-{by}" / folder_name
                folder.mkdir(parents=True)
                book_params = {**nb_params, "kpi_tree": "", "segment": f"{by}={value}"}
                for nb in book_notebooks:
                    execute(nb, folder, _notebook_parameters(nb, book_params, folder, False))
                manifest["books"].append({"value": value, "folder": folder.relative_to(staging).as_posix()})
                manifest["outputs"] += [p.relative_to(staging).as_posix() for p in sorted(folder.glob("*.csv"))]
            # 05's list, highest MRR first; a purchase review has no health score, so no account pages
            listed = at_risk_ids(staging) if not purchase_review else []
            ids = listed[:account_limit] if account_limit != 0 else []
            if ids:  # one page (顧客カルテ) per account at risk, linked from the month's index
                t0 = time.perf_counter()
                pages = account_pages(
                    ids,
                    month=str(period),
                    data_dir=params.data_dir,
                    kpi_tree=tree,
                    lang=lang,
                    out_dir=staging / "accounts",
                    mapping=params.mapping or "",
                    echo=echo,
                    kernel=kernel,  # the run's kernel: the data and the health model are already made
                )
                seconds = round(time.perf_counter() - t0, 1)
                manifest["accounts"] = {"pages": len(pages), "at_risk": len(listed), "seconds": seconds}
                manifest["outputs"] += [p.relative_to(staging).as_posix() for p in pages]
        # the tables the notebooks wrote (05: at_risk, onboarding, rfm_segments; 06: scorecard), not computed again,
        # and the same tables as one workbook for Excel
        csvs = sorted(staging.glob("*.csv"), key=lambda p: (p.name != "scorecard.csv", p.name))
        manifest["outputs"] += [p.name for p in csvs]
        if csvs:
            sheet = lambda stem: text(f"run.sheet.{stem}", lang) if has_text(f"run.sheet.{stem}") else stem
            write_xlsx({sheet(p.stem): read_written_csv(p) for p in csvs}, staging / "tables.xlsx")
            manifest["outputs"].append("tables.xlsx")
        card_path = staging / "scorecard.csv"
        if card_path.is_file():
            summary = scorecard_summary_lines(pd.read_csv(card_path, keep_default_na=False), lang)
            manifest["headline"] = summary[0]
            echo("\n".join(summary))
        manifest["status"] = "ok"
        manifest["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        manifest["outputs"] += ["index.html", "manifest.json"]
        write_month_index(staging, manifest, lang)
        save_manifest()
        _publish(staging, target)
    write_run_index(out_root, lang)
    htmls = ", ".join(p for p in manifest["outputs"] if p.endswith(".html") and "/" not in p)
    echo(text("run.done", lang, target=display_path(target), files=htmls))
    return target


def _refuse_existing(target: Path, force: bool) -> None:
    if target.exists() and any(target.iterdir()) and not force:
        raise RunRefused(
            f"{display_path(target)} already holds the results of an earlier run; nothing was changed. "
            "Pass --force to replace them."
        )


def _check_inputs(ds, tree: Path | None) -> None:
    """Validate what the notebooks will read besides the data: the KPI tree and the segments it names."""
    if tree is None:
        return
    for goal in load_kpi_tree(tree).kpis:
        segment_dataset(ds, goal.segment)  # an unknown accounts column is refused here, not in notebook 02


@contextlib.contextmanager
def _month_lock(out_root: Path, period) -> Iterator[None]:
    """Hold ``<out>/.<month>.lock`` while a run writes that month; a second run is refused, a dead one's lock taken over."""
    lock = out_root / f".{period}.lock"
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            holder = _lock_holder(lock)
            if holder is not None:
                raise RunRefused(
                    f"another run of {period} (process {holder}) is writing to {display_path(out_root)}; "
                    "nothing was changed. Wait for it to finish."
                ) from None
            lock.unlink(missing_ok=True)  # left by a run that died
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{os.getpid()}\n")
        break
    else:
        raise RunRefused(f"could not take the lock {display_path(lock)}; nothing was changed")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _lock_holder(lock: Path) -> int | None:
    """The process holding a lock file, or None when that process no longer runs."""
    try:
        pid = int(lock.read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def _publish(staging: Path, target: Path) -> None:
    """Make the finished run the month's folder in one rename; an earlier run (``force``) is replaced whole."""
    if target.exists():
        old = target.with_name(f".{target.name}.replaced-{os.getpid()}")
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old)
    else:
        staging.rename(target)


def clean_notebook(nb) -> None:
    """Strip volatile metadata (timings, papermill records) so committed notebooks diff cleanly.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook. Papermill and widget metadata and the cells' timings are removed, and the kernelspec
        and language info are set to plain Python 3.

    Returns
    -------
    None
        ``nb`` is changed in place.
    """
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("ExecuteTime", None)


def refresh_notebooks(folder: Path = NOTEBOOKS_DIR, echo: Callable[[str], None] = print) -> list[Path]:
    """Re-execute every notebook in ``folder`` in place with its default parameters.

    Parameters
    ----------
    folder : Path, default NOTEBOOKS_DIR
        The folder whose ``*.ipynb`` notebooks are all executed (the 00 primers too), in name order, each
        with its own folder as the working directory, then cleaned (:func:`clean_notebook`) and rewritten.
    echo : callable, default print
        Receives one line per notebook with its time, or one line when there is none.

    Returns
    -------
    list of Path
        The notebooks executed and rewritten, sorted by name.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        A cell raised an error; the notebooks before it are already rewritten, this one is not.
    """
    import nbformat
    from nbclient import NotebookClient

    done = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        start = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        NotebookClient(
            nb,
            kernel_name="python3",
            timeout=900,
            record_timing=False,
            extra_arguments=KERNEL_ARGS,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        clean_notebook(nb)
        nbformat.write(nb, path)
        echo(f"{path.name}: executed in {time.perf_counter() - start:.1f} s")
        done.append(path)
    if not done:
        echo(f"no notebooks in {display_path(folder)}")
    return done
