"""The set-up cell of every review notebook: check parameters, load data, set the chart theme."""

from __future__ import annotations

import pandas as pd

from playbook.data.dataset import load_dataset, review_month
from playbook.report.context import ReviewContext
from playbook.report.plots import use_theme
from playbook.review.goals import segment_dataset
from playbook.run.params import check_parameters, parse_segment

__all__ = ["open_review"]


def open_review(
    *, month: str, data_dir: str, kpi_tree: str | None = None, lang: str = "en", segment: str = ""
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
    params = check_parameters(month=month, data_dir=data_dir, kpi_tree=kpi_tree, lang=lang)
    ds = load_dataset(params.data_dir)
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
