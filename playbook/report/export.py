"""Tables written for spreadsheets: CSV cells that Excel cannot run as formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel (and LibreOffice, Google Sheets) as a formula, so an owner called
``=HYPERLINK("http://evil", "Sato")`` from a KPI tree would become a live link
or worse when the manager opens ``scorecard.csv``. Every CSV the playbook writes
goes through :func:`write_csv`, which prefixes such text cells with ``'`` (the
OWASP rule). Numbers are written as numbers: a numeric column is never touched.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise_cells", "write_csv"]

#: What makes a spreadsheet read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_cells(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells cannot start a spreadsheet formula.

    Parameters
    ----------
    table : pandas.DataFrame
        Any table.

    Returns
    -------
    pandas.DataFrame
        The same table; text cells (and column names) starting with ``=``, ``+``, ``-``, ``@``,
        a tab or a carriage return are prefixed with ``'``. Numeric, boolean and date columns are
        unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"owner": ["=HYPERLINK(1)", "Sato", "@SUM(A1)"], "gap": [-0.13, 0.5, -1.0]})
    >>> neutralise_cells(t)
               owner   gap
    0  '=HYPERLINK(1) -0.13
    1           Sato  0.50
    2      '@SUM(A1) -1.00
    """
    out = table.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(_neutralise)
    out.columns = [_neutralise(c) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``table`` as CSV that Excel opens as it is: UTF-8 with a BOM, formula-looking text neutralised.

    The byte order mark tells Excel (Japanese Excel included) the file is UTF-8, so
    Japanese names are not garbled; a file starting with ``ID`` would be taken for a
    SYLK file, so a first header ``ID...`` is written as ``Id...``.

    Parameters
    ----------
    table : pandas.DataFrame
        The table to write.
    path : str or Path
        Where to write.
    index : bool, default False
        Write the index as the first column (neutralised too).

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    out = neutralise_cells(table.reset_index() if index else table)
    first = str(out.columns[0]) if len(out.columns) else ""
    if first.startswith("ID"):  # Excel opens a file beginning with "ID" as SYLK and refuses it
        out = out.rename(columns={out.columns[0]: "Id" + first[2:]})
    # CRLF rows (RFC 4180): a CR or LF inside a cell is then quoted, never read as a row break
    out.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path
