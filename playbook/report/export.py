"""Tables written for spreadsheets: CSV cells that Excel cannot run as formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
read by Excel (and LibreOffice, Google Sheets) as a formula, so an owner called
``=HYPERLINK("http://evil", "Sato")`` from a KPI tree would become a live link
or worse when the manager opens ``scorecard.csv``. Every CSV the playbook writes
goes through :func:`write_csv`, which prefixes such text cells with ``'`` (the
OWASP rule). Numbers are written as numbers: a numeric column is never touched.
A run also gathers its CSV tables into one Excel workbook (:func:`write_xlsx`),
where text cells are stored as text, so nothing in them can become a formula.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from playbook.texts import LANGS, has_text, text

__all__ = ["FORMULA_STARTS", "neutralise_cells", "write_csv", "read_written_csv", "write_xlsx"]

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


def read_written_csv(path: str | Path) -> pd.DataFrame:
    """Read back a CSV of :func:`write_csv`: numbers as numbers, text as written, the ``'`` neutralisation undone.

    Parameters
    ----------
    path : str or Path
        A file :func:`write_csv` wrote.

    Returns
    -------
    pandas.DataFrame
        The table; empty cells of a text column are empty strings, and a text cell that
        :func:`write_csv` prefixed with ``'`` has its original text again (an
        :func:`write_xlsx` cell keeps it as text, never as a formula).

    Examples
    --------
    >>> import tempfile
    >>> p = write_csv(pd.DataFrame({"owner": ["=1+1", "Sato"], "mrr": [1200.0, 0.5]}), Path(tempfile.mkdtemp()) / "t.csv")
    >>> read_written_csv(p).values.tolist()
    [['=1+1', 1200.0], ['Sato', 0.5]]
    """
    table = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    undo = lambda v: v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:].startswith(FORMULA_STARTS) else v
    for col in table.columns:
        if pd.api.types.is_object_dtype(table[col]) or pd.api.types.is_string_dtype(table[col]):
            table[col] = table[col].fillna("").map(undo)
    return table


def _width(values) -> int:
    """The display width of the longest value: a CJK character counts twice."""
    text = [str(v) for v in values]
    return max((sum(2 if ord(c) > 0x2E80 else 1 for c in t) for t in text), default=0)


#: Columns shown as percentages in the workbook (their values are shares from 0 to 1), by name in either language.
PERCENT_COLUMNS = re.compile(r"(rate|share|attainment|risk|probability|割合|率|リスク)", re.IGNORECASE)
#: Columns whose number is in the unit named by the row's ``unit`` column (a scorecard row per KPI).
UNIT_VALUE_COLUMNS = ("actual", "target", "gap", "final_target", "change_1m", "trend_change", "trend_band", "baseline")
#: Excel number formats per catalog unit: what the manager reads, rounded; the cell keeps the full value.
UNIT_FORMATS = {
    "ratio": "0.0%",
    "currency": "#,##0",
    "count": "#,##0",
    "users": "#,##0",
    "points": "0.0",
    "multiple": '0.0"x"',
    "months": "0.0",
    "days": "0.0",
    "hours": "0.0",
    "minutes": "0.0",
    "orders": "0.00",
}


def _unit_columns(columns) -> tuple[str | None, set[str], dict[str, str]]:
    """A scorecard's unit column, its value columns and unit word -> unit code, with headers in either language."""
    unit_names = {"unit", *(text("review.csv.unit", lang) for lang in LANGS)}
    unit_col = next((c for c in columns if c in unit_names), None)
    values = set(UNIT_VALUE_COLUMNS)
    for c in UNIT_VALUE_COLUMNS:
        if has_text(f"review.csv.{c}"):
            values |= {text(f"review.csv.{c}", lang) for lang in LANGS}
    words = {text(f"review.unit.{u}", lang): u for u in UNIT_FORMATS for lang in LANGS if has_text(f"review.unit.{u}")}
    return unit_col, values & set(columns), {**words, **{u: u for u in UNIT_FORMATS}}


def _number_format(column: str, values: pd.Series) -> str:
    """The display format of a numeric column: a percent for shares, no decimals for whole numbers, else 2."""
    clean = values.dropna()
    if PERCENT_COLUMNS.search(str(column)) and len(clean) and clean.abs().max() <= 10:  # shares, not counts
        return "0.0%"
    if bool((clean == clean.round()).all()):
        return "#,##0"
    return "#,##0.0#" if clean.abs().max() >= 100 else "0.0##"


def write_xlsx(tables: dict[str, pd.DataFrame], path: str | Path, *, headers: dict[str, str] | None = None) -> Path:
    """Write tables as one Excel workbook, a sheet each: bold frozen headers, filters, widths and number formats.

    The workbook is the readable copy of the run's CSV tables: cells hold the same numbers as the CSV,
    shown rounded for reading — shares as percentages (``0.0%``, by column name), amounts and counts
    with a thousands separator, a scorecard's values in each row's unit (its ``unit`` column). Text is
    always stored as text (a cell reading ``=HYPERLINK(...)`` stays those characters, never a formula);
    dates as text ``YYYY-MM-DD`` as in the CSV.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Sheet name (at most 31 characters) -> table, in sheet order.
    path : str or Path
        Where to write the ``.xlsx`` file.
    headers : dict of str to str, optional
        Column name -> the header to show (the run's language); other names are shown as they are.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> p = write_xlsx({"at_risk": pd.DataFrame({"owner": ["=1+1"], "mrr": [468800.0]})}, Path(tempfile.mkdtemp()) / "t.xlsx")
    >>> ws = load_workbook(p)["at_risk"]
    >>> ws["A2"].value, ws["A2"].data_type, ws["B2"].value, ws["B2"].number_format
    ('=1+1', 's', 468800, '#,##0')
    >>> card = pd.DataFrame({"unit": ["ratio", "currency"], "actual": [0.0323, 58_000_000.0], "attainment": [0.74, 1.02]})
    >>> ws = load_workbook(write_xlsx({"s": card}, Path(tempfile.mkdtemp()) / "s.xlsx", headers={"actual": "実績"}))["s"]
    >>> ws["B1"].value, ws["B2"].number_format, ws["B3"].number_format, ws["C2"].number_format, ws["B2"].value
    ('実績', '0.0%', '#,##0', '0.0%', 0.0323)
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    for name, table in tables.items():
        sheet = book.create_sheet(name[:31])
        sheet.append([str((headers or {}).get(c, c)) for c in table.columns])
        unit_col, value_cols, unit_words = _unit_columns(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", start_color="DDE4EE")
        for j, col in enumerate(table.columns, start=1):
            values = table[col]
            numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            fmt = _number_format(col, values) if numeric else None
            per_row = numeric and unit_col is not None and col in value_cols
            units = [unit_words.get(str(u), "") for u in table[unit_col]] if per_row else []
            for i, v in enumerate(values.tolist(), start=2):
                cell = sheet.cell(row=i, column=j)
                if numeric and not pd.isna(v):
                    cell.value = int(v) if fmt == "#,##0" and float(v).is_integer() else float(v)
                    cell.number_format = UNIT_FORMATS.get(units[i - 2], fmt) if per_row else fmt
                elif not pd.isna(v) and v != "":
                    cell.value = str(v)
                    cell.data_type = "s"  # text, never a formula
            width = max(_width([col]), _width(values.head(500)))
            sheet.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
        sheet.freeze_panes = "A2"
        if len(table.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
    book.save(path)
    return path
