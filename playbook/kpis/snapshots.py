"""Month-end MRR snapshots of a dataset: the input of every revenue and customer KPI."""

from __future__ import annotations

import pandas as pd

from playbook.data.dataset import Dataset
from playbook.kpis.revenue import month_end_mrr, month_end_mrr_from_monthly

__all__ = ["dataset_snapshots"]


def dataset_snapshots(ds: Dataset, until, *, product: bool = False) -> pd.DataFrame | None:
    """Month-end MRR per account from the dataset's first month to ``until``.

    Made from ``subscriptions`` when present, else from ``mrr_monthly``.

    Parameters
    ----------
    ds : Dataset
        A validated dataset.
    until : str or pandas.Period
        The last month.
    product : bool, default False
        Snapshots per account and product (None when the table has no
        ``product`` column).

    Returns
    -------
    pandas.DataFrame or None
        Columns ``account_id``, ``month``, ``mrr`` (and ``product``).

    Examples
    --------
    >>> from playbook.data.dataset import load_dataset
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> snaps = dataset_snapshots(load_dataset(SAMPLE_DIR), "2026-10")
    >>> round(snaps.loc[snaps["month"] == pd.Period("2026-10"), "mrr"].sum())
    32896600
    """
    span = pd.period_range(ds.first_month, pd.Period(until, freq="M"), freq="M")
    s, mm = ds.subscriptions, ds.mrr_monthly
    if product:
        if s is not None:
            return month_end_mrr(s, span, product_col="product") if "product" in s.columns else None
        return month_end_mrr_from_monthly(mm, span, product_col="product") if "product" in mm.columns else None
    return month_end_mrr(s, span) if s is not None else month_end_mrr_from_monthly(mm, span)
