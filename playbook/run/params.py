"""Run parameters: one place that checks them and resolves paths from the project root.

Used by the notebooks' set-up cell and by ``python -m playbook run`` so a bad
month, language or path gets the same clear message wherever it is given.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from playbook.data.errors import DataValidationError, Problem
from playbook.data.paths import PROJECT_ROOT, display_path, resolve_path

__all__ = [
    "ACCOUNT_PAGES",
    "parse_segment",
    "LANGS",
    "ReviewParameters",
    "check_parameters",
    "database_url_for_kernels",
]

LANGS = ("en", "ja")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Account pages a run writes by default: the accounts at risk with the highest MRR (a CS team calls them
#: first; at 200,000 accounts the list holds over 30,000, a page each would take hours). ``--accounts all`` for every one.
ACCOUNT_PAGES = 100


@dataclass(frozen=True)
class ReviewParameters:
    """Checked parameters of a review: ``month`` is a Period or None for "latest"."""

    month: pd.Period | None
    data_dir: Path | str
    kpi_tree: Path | None
    lang: str
    mapping: Path | None = None

    @property
    def folder(self) -> Path | None:
        """The data folder; None when the data is a database URL."""
        return self.data_dir if isinstance(self.data_dir, Path) else None

    @property
    def data_label(self) -> str:
        """The data as outputs may show it: the folder relative to the project, or the URL without its password."""
        if self.folder is not None:
            return display_path(self.folder)
        from playbook.data.sql_engines import safe_url

        return safe_url(self.data_dir)


def check_parameters(
    *,
    month: str,
    data_dir: str | Path,
    kpi_tree: str | Path | None = None,
    lang: str = "en",
    mapping: str | Path | None = "",
) -> ReviewParameters:
    """Check the review parameters and resolve their paths; raise one error listing all problems.

    Parameters
    ----------
    month : str
        ``YYYY-MM`` or ``"latest"`` (surrounding spaces are ignored).
    data_dir : str or Path
        The data folder; a relative path is taken from the project root. It must exist.
    kpi_tree : str or Path, optional
        The KPI tree file; a relative path is taken from the project root. It must exist when given; None
        or ``""`` for none.
    lang : {"en", "ja"}, default "en"
        The language of the review.
    mapping : str or Path, optional
        A mapping file (a relative path is taken from the project root, like ``data_dir``) or a preset name
        (``stripe``, ``hubspot``, ...; see :mod:`playbook.data.mapping`); ``""`` or None for none.

    Returns
    -------
    ReviewParameters
        ``month`` as a ``pandas.Period`` (None for ``"latest"``), ``data_dir`` and ``kpi_tree`` resolved
        (``kpi_tree`` None when not given), and ``lang``.

    Raises
    ------
    DataValidationError
        One error listing every problem: a month that is not ``YYYY-MM`` or ``latest``, an unsupported
        language, a data folder or KPI tree file that is not there.

    Examples
    --------
    >>> check_parameters(month="2026-10", data_dir="data/sample").month
    Period('2026-10', 'M')
    >>> check_parameters(month="2026-13", data_dir="data/sample", lang="fr")
    Traceback (most recent call last):
    ...
    playbook.data.errors.DataValidationError: 2 problems in the input:
      - parameters, column 'month': '2026-13' is not a month (expected YYYY-MM or 'latest')
      - parameters, column 'lang': 'fr' is not a supported language (expected one of ['en', 'ja'])
    """
    problems = []
    month_s = str(month).strip()
    period = None
    if month_s != "latest":
        if not _MONTH.match(month_s):
            problems.append(Problem("parameters", "month", f"'{month}' is not a month (expected YYYY-MM or 'latest')"))
        else:
            period = pd.Period(month_s, freq="M")
    if lang not in LANGS:
        problems.append(
            Problem("parameters", "lang", f"'{lang}' is not a supported language (expected one of {list(LANGS)})")
        )
    from playbook.data.sql_engines import is_database_url

    if is_database_url(str(data_dir)):  # a database: its tables are checked when loaded
        data_path = str(data_dir)
    else:
        data_path = resolve_path(data_dir)
        if not data_path.is_dir():
            problems.append(Problem("parameters", "data_dir", f"data folder '{display_path(data_path)}' not found"))
    tree_path = None
    if kpi_tree:
        tree_path = resolve_path(kpi_tree)
        if not tree_path.is_file():
            problems.append(Problem("parameters", "kpi_tree", f"KPI tree file '{display_path(tree_path)}' not found"))
    mapping_path = None
    if mapping:
        from playbook.data.mapping import resolve_mapping

        try:
            mapping_path = resolve_mapping(mapping, base=PROJECT_ROOT)
        except DataValidationError as exc:
            problems += exc.problems
    if problems:
        raise DataValidationError(problems)
    return ReviewParameters(period, data_path, tree_path, lang, mapping_path)


@contextlib.contextmanager
def database_url_for_kernels(params: ReviewParameters) -> Iterator[None]:
    """While a run executes its notebooks, hand the kernels a database URL's password through the environment.

    The notebooks receive the URL without its password as their ``data_dir`` parameter (executed notebooks
    are kept), and :func:`playbook.data.source.load_source` takes the full URL from ``PLAYBOOK_DATA_URL``.
    Kernels started inside the block inherit it; it is removed afterwards. Nothing is set for a folder.

    Parameters
    ----------
    params : ReviewParameters
        The run's checked parameters; ``data_dir`` is the full URL.

    Returns
    -------
    contextlib.AbstractContextManager
        A block (``with database_url_for_kernels(params): ...``) that yields nothing.
    """
    from playbook.data.source import DATA_URL_ENV

    if params.folder is not None:
        yield
        return
    before = os.environ.get(DATA_URL_ENV)
    os.environ[DATA_URL_ENV] = str(params.data_dir)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(DATA_URL_ENV, None)
        else:
            os.environ[DATA_URL_ENV] = before


def parse_segment(segment: str | None) -> dict | None:
    """A ``segment`` parameter (``COLUMN=VALUE``) as the mapping :func:`~playbook.review.goals.segment_dataset` takes.

    Parameters
    ----------
    segment : str or None
        ``"owner=Sato"``; ``""`` or None for every account.

    Returns
    -------
    dict or None
        ``{"owner": "Sato"}``, or None.

    Raises
    ------
    DataValidationError
        The text has no ``=`` or no column before it.

    Examples
    --------
    >>> parse_segment("owner=Sato"), parse_segment("")
    ({'owner': 'Sato'}, None)
    >>> parse_segment("Sato")
    Traceback (most recent call last):
    ...
    playbook.data.errors.DataValidationError: parameters, column 'segment': 'Sato' is not COLUMN=VALUE (e.g. owner=Sato)
    """
    if not segment or not str(segment).strip():
        return None
    column, sep, value = str(segment).partition("=")
    if not sep or not column.strip():
        raise DataValidationError(
            Problem("parameters", "segment", f"'{segment}' is not COLUMN=VALUE (e.g. owner=Sato)")
        )
    return {column.strip(): value}
