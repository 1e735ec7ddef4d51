"""Where a review's data lives: a data folder, export files and a mapping, or a database.

:func:`load_source` sends each to its reader: :func:`~playbook.data.dataset.load_dataset` (a folder, with or
without a mapping file) or :func:`~playbook.data.sql.load_database` (a database URL, the mapping then its
YAML naming each table). It sits above both so that :mod:`playbook.data.sql` can use the mapping language of
:mod:`playbook.data.mapping` without an import cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

from playbook.data.dataset import load_dataset
from playbook.data.mapping import DATA_URL_ENV
from playbook.data.sql import load_database
from playbook.data.sql_engines import is_database_url, safe_url

__all__ = ["load_source", "DATA_URL_ENV"]


def load_source(data: str | Path, mapping: str | Path | dict | None = None, **kwargs):
    """Load a review's data from wherever it lives: a data folder, export files and a mapping, or a database.

    Parameters
    ----------
    data : str or Path
        A data folder (or the folder of the export files a mapping names), or a database URL
        (:func:`playbook.data.sql.load_database`; the mapping is then its YAML naming each table). When the
        URL carries no password and the environment variable ``PLAYBOOK_DATA_URL`` holds the same URL with
        one, that one is used: a run hands its notebooks the URL without the password that way.
    mapping : str, Path or dict, optional
        A mapping file or preset name (a folder), or the database's spec; None for a folder that follows the
        data contract, or a database whose tables have the contract's names.
    **kwargs
        Passed on to :func:`~playbook.data.dataset.load_dataset` (``encoding``, ``as_of``); a database takes
        ``as_of`` only.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "crm.duckdb"
    >>> with duckdb.connect(str(path)) as con:
    ...     _ = con.execute("CREATE TABLE accounts AS SELECT 'A1' AS account_id, DATE '2026-01-05' AS signup_date")
    ...     _ = con.execute("CREATE TABLE subs AS SELECT 'A1' AS id, DATE '2026-01-05' AS start_date, 1200 AS mrr")
    >>> ds = load_source(f"duckdb:///{path}", {"tables": {"accounts": "accounts",
    ...                  "subscriptions": {"table": "subs", "columns": {"account_id": "id", "mrr": "mrr / 12"}}}})
    >>> float(ds.subscriptions["mrr"].sum())
    100.0
    """
    if is_database_url(str(data)):
        url = str(data)
        full = os.environ.get(DATA_URL_ENV, "")
        if full and safe_url(full) == url:  # a run passes its notebooks the URL without the password
            url = full
        return load_database(url, mapping or None, as_of=kwargs.get("as_of"))
    return load_dataset(data, mapping=mapping or None, **kwargs)
