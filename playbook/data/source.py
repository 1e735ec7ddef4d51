"""Where a review's data lives: a data folder, export files and a mapping, or a database.

:func:`load_source` sends each to its reader: :func:`~playbook.data.dataset.load_dataset` (a folder, with or
without a mapping file) or :func:`~playbook.data.sql.load_database` (a database URL, the mapping then its
YAML naming each table). It sits above both so that :mod:`playbook.data.sql` can use the mapping language of
:mod:`playbook.data.mapping` without an import cycle.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from playbook.data.dataset import _load_settings, check_settings, load_dataset, load_tables, read_table_file
from playbook.data.errors import DataValidationError, Problem
from playbook.data.mapping import DATA_URL_ENV, Mapping, _text, _with_origin, apply_mapping, read_mapping
from playbook.data.sql import load_database
from playbook.data.sql_engines import is_database_url, safe_url

__all__ = ["load_source", "load_mapped", "DATA_URL_ENV"]


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
    if mapping:
        return load_mapped(data, mapping, encoding=kwargs.get("encoding"), as_of=kwargs.get("as_of"))
    return load_dataset(data, **kwargs)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_mapped(
    folder: str | Path,
    mapping: str | Path | dict | Mapping,
    *,
    encoding: str | dict | None = None,
    as_of=None,
):
    """Read the export files a mapping names from ``folder``, map them, and validate the result.

    Parameters
    ----------
    folder : str or Path
        The folder of the export files (a ``file`` of the mapping may also be an absolute path).
    mapping : str, Path, dict or Mapping
        A mapping file, a preset name or the parsed mapping (:func:`~playbook.data.mapping.read_mapping`).
    encoding : str or dict, optional
        Text encoding of the files (else each table's ``encoding``, else detected).
    as_of : str or pandas.Timestamp, optional
        The date the data runs to.

    Returns
    -------
    Dataset
        Validated as a data folder is; ``labels`` name each table's file (``stripe.csv → subscriptions``).

    Raises
    ------
    DataValidationError
        Every problem: of the mapping, of the files, of the mapped values and of the contract's rules.
    """
    m = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(Problem(str(folder), None, "data folder not found"))
    base = _load_settings(folder) if (folder / "dataset.yaml").is_file() else {}
    settings = {**{k: v for k, v in base.items()}, **m.settings}
    checked = check_settings(dict(settings), m.name)
    problems: list[Problem] = []
    raw: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    fingerprints: dict[str, str] = {p.name: _sha256(p) for p in m.files}
    origins: dict[str, dict[str, str]] = {}
    read: dict[Path, pd.DataFrame] = {}
    currency_given = "currency" in settings
    for table, spec in m.tables.items():
        if "file" not in spec:
            problems.append(
                Problem(
                    spec.get("_mapping", m.name),
                    f"tables.{table}",
                    "table and query sources are read from a database (--data URL), not from a folder",
                    label="entry",
                )
            )
            continue
        path = Path(str(spec["file"])).expanduser()
        path = path if path.is_absolute() else folder / path
        if not path.is_file():
            problems.append(
                Problem(path.name, None, f"file not found (for {table}; mapping {spec.get('_mapping', m.name)})")
            )
            continue
        if path not in read:
            enc = encoding.get(table) if isinstance(encoding, dict) else encoding
            try:
                read[path] = read_table_file(path, encoding=enc or spec.get("encoding"))
            except DataValidationError as exc:
                problems += exc.problems
                continue
            fingerprints[path.name] = _sha256(path)
        currency = checked["currency"]
        if spec.get("currency") and not currency_given and spec["currency"] in read[path].columns:
            codes = pd.unique(_text(read[path][spec["currency"]]).dropna().str.strip().str.upper())
            if len(codes) == 1:  # the export's one currency becomes the dataset's
                currency = codes[0]
                settings["currency"] = currency
                checked = check_settings(dict(settings), m.name)
                currency_given = True
        frame, table_problems, origins[table] = apply_mapping(
            read[path], table, spec, source=path.name, dataset_tz=checked["timezone"], currency=currency
        )
        problems += table_problems
        if frame is not None:
            raw[table] = frame
            labels[table] = f"{path.name} → {table}"
    if problems:
        raise DataValidationError(problems)
    try:
        return load_tables(
            raw,
            labels=labels,
            settings=checked,
            source=str(folder),
            as_of=as_of,
            fingerprints=fingerprints,
            settings_label=m.name,
        )
    except DataValidationError as exc:
        raise DataValidationError([_with_origin(p, labels, origins) for p in exc.problems]) from None
