"""Which notebook cells a dataset's review keeps: subscription sections or the purchase review.

A review notebook serves both kinds of data folder. Cells that only make sense with subscriptions
(MRR, the MRR bridge, churn, NRR, LTV from churn, the MRR forecast, renewals) carry the tag
``subscriptions``; cells of the purchase review of a transactions-only dataset (``accounts`` and
``transactions``, no subscriptions) carry the tag ``transactions-only``. A run keeps the cells of its
dataset's kind before it executes the notebook, so neither kind of section runs on the other's data,
and the report says in one sentence (a ``transactions-only`` cell) why the subscription sections are absent.
"""

from __future__ import annotations

import copy

__all__ = ["SUBSCRIPTION_TAG", "TRANSACTIONS_TAG", "select_cells"]

#: Cells that need subscriptions (or mrr_monthly).
SUBSCRIPTION_TAG = "subscriptions"
#: Cells of the purchase review of a dataset without subscriptions.
TRANSACTIONS_TAG = "transactions-only"


def select_cells(nb, transactions_only: bool):
    """A copy of the notebook with the cells of the other kind of dataset left out.

    Parameters
    ----------
    nb : nbformat.NotebookNode or dict
        A notebook (as read by ``nbformat.read``).
    transactions_only : bool
        True for a dataset without subscriptions (:func:`playbook.kpis.purchases.transactions_only`): cells tagged
        ``subscriptions`` are dropped; False: cells tagged ``transactions-only`` are dropped.

    Returns
    -------
    nbformat.NotebookNode or dict
        A new notebook; ``nb`` is unchanged.

    Examples
    --------
    >>> nb = {"cells": [{"metadata": {"tags": ["subscriptions"]}, "source": "MRR"},
    ...                 {"metadata": {"tags": ["transactions-only"]}, "source": "revenue"},
    ...                 {"metadata": {}, "source": "both"}]}
    >>> [c["source"] for c in select_cells(nb, True)["cells"]]
    ['revenue', 'both']
    >>> [c["source"] for c in select_cells(nb, False)["cells"]]
    ['MRR', 'both']
    """
    drop = SUBSCRIPTION_TAG if transactions_only else TRANSACTIONS_TAG
    out = copy.deepcopy(nb)
    out["cells"] = [c for c in out["cells"] if drop not in c.get("metadata", {}).get("tags", [])]
    return out
