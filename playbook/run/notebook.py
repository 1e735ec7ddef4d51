"""The set-up cell of every review notebook: check parameters, load data, set the chart theme."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from playbook.data.dataset import Dataset, review_month
from playbook.data.source import DATA_URL_ENV, load_source
from playbook.report.context import ReviewContext
from playbook.report.plots import use_theme
from playbook.review.goals import segment_dataset
from playbook.run.params import check_parameters, parse_segment

__all__ = ["open_review", "load_review_data"]

#: The data the last review of this process loaded: {key: Dataset}.
_LOADED: dict = {}


def _stamp(path: Path | None) -> tuple:
    """What identifies a file's or folder's content cheaply: each file's relative path, size and modification time."""
    if path is None or not path.exists():
        return ()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return tuple((p.relative_to(path).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def load_review_data(params) -> Dataset:
    """The validated data of a review's parameters, loaded once per process for the same unchanged inputs.

    The notebooks of a run share one kernel (:class:`playbook.run.execute.NotebookKernel`), so the
    second notebook reuses the dataset the first one loaded and validated. A data file or mapping
    changed on disk is loaded again. A database is read once per run (while a run sets
    ``PLAYBOOK_DATA_URL``), otherwise at every call: its content may change at any time.

    Parameters
    ----------
    params : ReviewParameters
        Checked parameters (:func:`playbook.run.params.check_parameters`).

    Returns
    -------
    Dataset
        The validated data (shared: treat it as read-only, as every view does).
    """
    key = (str(params.data_dir), str(params.mapping), _stamp(params.folder), _stamp(params.mapping))
    if params.folder is None and not os.environ.get(DATA_URL_ENV):
        return load_source(params.data_dir, params.mapping)
    if key not in _LOADED:
        _LOADED.clear()  # one data set at a time
        _LOADED[key] = load_source(params.data_dir, params.mapping)
    return _LOADED[key]


def open_review(
    *,
    month: str,
    data_dir: str,
    kpi_tree: str | None = None,
    lang: str = "en",
    segment: str = "",
    mapping: str = "",
) -> ReviewContext:
    """Check the notebook parameters, load and validate the data, and set the chart theme.

    Also sets pandas to show cell text in full and up to 500 rows.

    Parameters
    ----------
    month : str
        The review month, ``YYYY-MM``, or ``"latest"`` for the last complete month in the data.
    data_dir : str
        The data folder; a relative path is taken from the project root.
    kpi_tree : str, optional
        The KPI tree YAML file (a relative path is taken from the project root); None or ``""`` for none.
        Only its existence is checked here.
    lang : {"en", "ja"}, default "en"
        The language of labels, texts and charts.
    segment : str, default ""
        ``COLUMN=VALUE`` to review one book of accounts (``owner=Sato``: one CSM's accounts), as
        ``run --by`` does; company-level KPIs (costs, trials, funnel) are then marked company-level.
        ``""`` reviews every account.
    mapping : str, default ""
        A mapping file (relative paths from the project root) or preset name that turns the export files in
        ``data_dir`` into the contract's tables (:mod:`playbook.data.mapping`); ``""`` for a data folder.

    Returns
    -------
    ReviewContext
        The validated dataset, the review month as a ``pandas.Period``, the language and the resolved
        data folder and KPI tree paths.

    Raises
    ------
    DataValidationError
        A bad month, language or path, or bad data, before anything is computed; also a month that is not
        complete in the data or is before it starts.
    """
    params = check_parameters(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang, mapping=mapping)
    ds = load_review_data(params)
    period = review_month(ds, params.month)
    book = segment_dataset(ds, parse_segment(segment))
    use_theme(params.lang)
    pd.set_option("display.max_colwidth", None)  # show warnings and names in full
    pd.set_option("display.max_rows", 500)  # and every KPI of the month
    return ReviewContext(
        ds=book,
        month=period,
        lang=params.lang,
        data_dir=params.data_dir,
        kpi_tree=params.kpi_tree,
        company=ds if book is not ds else None,
    )
