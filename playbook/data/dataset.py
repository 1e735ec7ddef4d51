"""Read a folder of input tables, validate them against the data contract, normalise dtypes.

``load_dataset(folder)`` is the one entry point: it finds one file per table
(CSV, gzip'd CSV or Parquet), decodes text (UTF-8, UTF-8 with BOM or CP932),
parses every column by its kind in :mod:`playbook.data.schema`, checks every rule, and
either returns a :class:`Dataset` or raises one :class:`DataValidationError` that
lists every problem found. Legal but suspicious data becomes a warning stored on
the dataset (never a Python warning, so notebook outputs stay clean).

Nothing here writes to disk.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from playbook.data.config import parse_fiscal_year_start, read_yaml
from playbook.data.errors import DataValidationError, Problem
from playbook.data.ids import arrow_text, text_positions
from playbook.data.schema import DEFAULT_SETTINGS, ORDERED_PAIRS, SURVEY_SCALES, TABLES, Column, Table, required_tables
from playbook.data.usage_log import UsageSummary, folder_sha256, frame_summary, summarise_parquet, validate_parquet

__all__ = [
    "Dataset",
    "load_dataset",
    "load_tables",
    "data_warnings",
    "read_table_file",
    "file_sha256",
    "review_month",
    "active_months",
    "last_complete_month",
    "month_of",
]

SUFFIXES = (".csv", ".csv.gz", ".parquet")
SETTINGS_FILE = "dataset.yaml"
MAX_EXAMPLES = 5
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass
class Dataset:
    """The validated tables of one data folder.

    One attribute per table of the data contract; an absent optional table is
    ``None``. Dates are ``datetime64[ns]`` (timestamps converted to the dataset
    timezone and made naive), months are ``Period[M]``, ids are strings.

    ``usage`` is always a :class:`~playbook.data.usage_log.UsageSummary`:
    per-account, per-month counts made when first needed, by pandas for a
    usage file read into memory and by DuckDB where the files lie for a folder
    of Parquet files. No consumer needs to know which.

    ``segment`` is None for the whole company; a dataset cut down to some
    accounts (:meth:`for_accounts`) records there the filter that made it. Its
    company-level tables (``scope="company"`` in :mod:`playbook.data.schema`:
    trials, funnel, costs, actions) stay whole, and a KPI that reads them is
    reported as company-level for a segment, never mixed with the segment's accounts.
    """

    folder: Path
    accounts: pd.DataFrame
    subscriptions: pd.DataFrame | None = None
    mrr_monthly: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None
    users: pd.DataFrame | None = None
    usage: UsageSummary | None = None
    onboarding: pd.DataFrame | None = None
    surveys: pd.DataFrame | None = None
    tickets: pd.DataFrame | None = None
    trials: pd.DataFrame | None = None
    funnel: pd.DataFrame | None = None
    costs: pd.DataFrame | None = None
    actions: pd.DataFrame | None = None
    files: dict[str, Path] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    warnings: list[Problem] = field(default_factory=list)
    as_of: pd.Timestamp | None = None
    segment: dict | None = None
    labels: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def label(self, name: str) -> str:
        """How messages name the source of table ``name``: its file (a folder ends with ``/``), or a mapped source.

        Parameters
        ----------
        name : str
            A table of the data contract.

        Returns
        -------
        str
            E.g. ``accounts.csv``, ``usage/``, ``stripe.csv → subscriptions`` or ``table public.subs``; empty for
            an absent table.
        """
        if name in self.labels:
            return self.labels[name]
        path = self.files.get(name)
        return "" if path is None else (f"{path.name}/" if path.is_dir() else path.name)

    def input_sha256(self) -> dict[str, str]:
        """The SHA-256 of every input, for a run's manifest: per source name, its digest.

        Files are hashed when asked (a file source: per file name); a source that gave ``fingerprints`` (a mapping,
        a database) names its inputs itself.

        Returns
        -------
        dict of str to str
            Sorted by name.
        """
        out = dict(self.fingerprints)
        for name, path in self.files.items():
            if name not in self.fingerprints and path.name not in out:
                out[path.name] = file_sha256(path)
        return dict(sorted(out.items()))

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, in contract order."""
        return {name: getattr(self, name) for name in TABLES if getattr(self, name) is not None}

    @property
    def currency(self) -> str:
        """The currency of money columns: ``currency`` in ``dataset.yaml``, else ``JPY``."""
        return self.settings["currency"]

    @property
    def timezone(self) -> str:
        """The timezone timestamps were converted to: ``timezone`` in ``dataset.yaml``, else ``Asia/Tokyo``."""
        return self.settings["timezone"]

    @property
    def first_month(self) -> pd.Period:
        """The first month with subscription data (or ``mrr_monthly`` rows; for a transactions-only dataset, purchases)."""
        if self.subscriptions is not None:
            return self.subscriptions["start_date"].min().to_period("M")
        if self.mrr_monthly is not None:
            return self.mrr_monthly["month"].min()
        return self.transactions["date"].min().to_period("M")

    @property
    def last_complete_month(self) -> pd.Period:
        """The latest calendar month that had ended by ``as_of``."""
        return last_complete_month(self.as_of)

    def for_accounts(self, ids, *, segment: dict | None = None) -> Dataset:
        """The dataset restricted to some accounts: every account-level table's rows of those accounts.

        Company-level tables (``scope="company"`` in the contract: trials, funnel, costs, actions) keep every row:
        they cannot be split by accounts. The new dataset is marked as a segment, so that
        :func:`~playbook.kpis.catalog.compute_kpis` reports the KPIs that read them as company-level.

        Parameters
        ----------
        ids : iterable of str
            Account ids to keep.
        segment : dict, optional
            The filter that chose the accounts (e.g. ``{"owner": "Sato"}``), recorded in ``segment``. Default:
            ``{"accounts": <number of ids>}``.

        Returns
        -------
        Dataset
            A new dataset whose ``segment`` is set; this one is unchanged.
        """
        ids = set(ids)
        tables = {
            name: (
                df.for_accounts(ids)
                if name == "usage"
                else df[df["account_id"].isin(ids)]
                if TABLES[name].scope == "account"
                else df
            )
            for name, df in self.tables.items()
        }
        return dataclasses.replace(self, **tables, segment=dict(segment) if segment else {"accounts": len(ids)})

    def __repr__(self) -> str:  # short, stable and free of machine paths
        present = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return f"Dataset({present}{f', segment={self.segment}' if self.segment else ''})"


def last_complete_month(as_of: pd.Timestamp) -> pd.Period:
    """The last month whose final day is on or before ``as_of``.

    Parameters
    ----------
    as_of : pandas.Timestamp or str
        The date the data runs to; its time of day is ignored.

    Returns
    -------
    pandas.Period
        A monthly period: the month of ``as_of`` when ``as_of`` is that month's
        last day, else the month before.

    Examples
    --------
    >>> last_complete_month(pd.Timestamp("2026-10-31"))
    Period('2026-10', 'M')
    >>> last_complete_month(pd.Timestamp("2026-11-20"))
    Period('2026-10', 'M')
    """
    month = pd.Timestamp(as_of).to_period("M")
    return month if pd.Timestamp(as_of).normalize() >= month.end_time.normalize() else month - 1


# --------------------------------------------------------------------------- reading


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes (read in chunks); for a folder of Parquet files, of all of them.

    Parameters
    ----------
    path : str or Path
        A file, or a folder of Parquet files (hashed by
        :func:`~playbook.data.usage_log.folder_sha256`).

    Returns
    -------
    str
        The digest as 64 hexadecimal characters.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    """
    if Path(path).is_dir():
        return folder_sha256(Path(path))
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decode(raw: bytes, label: str, encoding: str | None) -> str:
    hint = (
        "save the file as UTF-8 CSV, or name its encoding with the encoding option "
        "(load_dataset(folder, encoding=...) or --encoding)"
    )
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataValidationError(
                Problem(label, None, f"cannot decode the text as encoding={encoding!r} ({exc.__class__.__name__})")
            ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DataValidationError(Problem(label, None, f"the text is UTF-16, which is not read automatically; {hint}"))
    else:
        candidates = ["utf-8", "cp932"]
    for enc in candidates:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise DataValidationError(
        Problem(label, None, f"the text is neither UTF-8 (with or without BOM) nor CP932 (Shift_JIS); {hint}")
    )


def read_table_file(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read one table file as raw columns: CSV cells as stripped strings, Parquet as stored.

    Empty cells become missing values; the literal text ``NA`` stays text.
    Raises :class:`DataValidationError` for an empty file or one that is not
    CSV/Parquet.

    Parameters
    ----------
    path : str or Path
        One table file. The end of its name decides how it is read: ``.parquet``
        as Parquet, ``.gz`` as gzip'd CSV, anything else as CSV.
    encoding : str, optional
        The text encoding of a CSV file. By default UTF-8, UTF-8 with BOM and
        CP932 are detected. Not used for Parquet.

    Returns
    -------
    pandas.DataFrame
        The file's columns, their names stripped of surrounding spaces. From a
        CSV every column holds text, each cell stripped, empty cells missing;
        from Parquet the columns keep their stored types.

    Raises
    ------
    DataValidationError
        If ``path`` is a folder or an empty file; a ``.parquet`` file that is not
        Parquet or cannot be read; a ``.gz`` file that is not gzip; or a CSV that
        looks like a binary file (Excel, Parquet, PNG, PDF), whose text cannot be
        decoded (UTF-16, or neither ``encoding`` nor one of the detected ones) or
        that cannot be parsed.
    FileNotFoundError
        If ``path`` does not exist.
    """
    path = Path(path)
    label = path.name
    if path.is_dir():
        raise DataValidationError(Problem(label, None, "is a folder; expected one CSV or Parquet file"))
    raw = path.read_bytes()
    if not raw:
        raise DataValidationError(Problem(label, None, "empty file (0 bytes)"))
    if label.lower().endswith(".parquet"):
        if raw[:4] != b"PAR1":
            raise DataValidationError(Problem(label, None, "not a Parquet file (the file does not start with PAR1)"))
        try:
            return pd.read_parquet(io.BytesIO(raw))
        except Exception as exc:
            raise DataValidationError(Problem(label, None, f"cannot read the Parquet file ({exc})")) from None
    if label.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            raise DataValidationError(Problem(label, None, "not a gzip file (expected gzip'd CSV)")) from None
        if not raw:
            raise DataValidationError(Problem(label, None, "empty file (0 bytes after decompression)"))
    if raw[:4] in (b"PK\x03\x04", b"PAR1", b"\x89PNG") or raw[:5] == b"%PDF-":
        raise DataValidationError(
            Problem(label, None, "not a CSV file (it looks like a binary file, e.g. Excel or Parquet)")
        )
    text = _decode(raw, label, encoding)
    if not text.strip():
        raise DataValidationError(Problem(label, None, "empty file (no header, no rows)"))
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise DataValidationError(Problem(label, None, f"not a readable CSV file ({exc})")) from None
    df.columns = [str(c).strip() for c in df.columns]
    for col in df.columns:
        stripped = df[col].str.strip()
        df[col] = stripped.where(stripped != "")
    return df


def _find_files(folder: Path) -> tuple[dict[str, Path], list[Problem], list[Problem]]:
    files: dict[str, Path] = {}
    errors: list[Problem] = []
    notes: list[Problem] = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith(".") or name == SETTINGS_FILE or name.lower().startswith("readme"):
            continue
        if path.is_symlink() and not path.exists():
            target = os.readlink(path)
            errors.append(Problem(name, None, f"a broken link: it points to {target}, which does not exist"))
            continue
        if path.is_dir():
            if name == "usage":
                files[name] = path
            elif name in TABLES:
                errors.append(
                    Problem(
                        f"{name}/",
                        None,
                        f"only the usage table may be a folder of Parquet files; give '{name}' as one file",
                    )
                )
            continue
        stem = next((name[: -len(s)] for s in SUFFIXES if name.lower().endswith(s)), None)  # accounts.CSV too
        base = name.split(".")[0]
        if stem is None:
            if base in TABLES:
                errors.append(
                    Problem(
                        name,
                        None,
                        f"table '{base}' is not CSV, .csv.gz or Parquet; export it as CSV (UTF-8) or Parquet",
                    )
                )
            elif path.suffix.lower() in {".csv", ".parquet", ".gz", ".xlsx", ".xls", ".tsv"}:
                notes.append(Problem(name, None, "ignored: not a table of the data contract"))
            continue
        if stem not in TABLES:
            notes.append(Problem(name, None, "ignored: not a table of the data contract"))
            continue
        if stem in files:
            errors.append(
                Problem(name, None, f"two files for table '{stem}' ({files[stem].name} and {name}); keep one")
            )
            continue
        files[stem] = path
    return files, errors, notes


def _load_settings(folder: Path) -> dict[str, str]:
    path = folder / SETTINGS_FILE
    return check_settings(read_yaml(path) or {} if path.exists() else {})


def check_settings(loaded, label: str = SETTINGS_FILE) -> dict[str, str]:
    """Dataset settings as ``dataset.yaml`` gives them, checked, with the defaults for those missing.

    Parameters
    ----------
    loaded : dict
        Settings (``currency``, ``timezone``, ``as_of``, ``fiscal_year_start``, ...); values of any scalar type.
    label : str
        How messages name where the settings come from (``dataset.yaml``, a mapping file).

    Returns
    -------
    dict of str to str
        Every setting as text, normalised (currency in capitals, ``fiscal_year_start`` a month number).

    Raises
    ------
    DataValidationError
        Not a mapping, an unknown setting, a list or mapping as a value, an unknown timezone, a currency that is
        not a 3-letter code, a bad ``earliest_date`` or ``fiscal_year_start``.

    Examples
    --------
    >>> check_settings({"currency": "usd"})["currency"]
    'USD'
    """
    settings = dict(DEFAULT_SETTINGS)
    if not isinstance(loaded, dict):
        raise DataValidationError(Problem(label, None, "expected a mapping of settings"))
    unknown = sorted(set(loaded) - set(DEFAULT_SETTINGS) - {"as_of"})
    if unknown:
        raise DataValidationError(
            Problem(label, None, f"unknown setting(s) {unknown}; known: {sorted(DEFAULT_SETTINGS) + ['as_of']}")
        )
    listed = [
        Problem(label, k, _ONE_VALUE.get(k, "expected one value, not a list or a mapping"), label="setting")
        for k, v in loaded.items()
        if isinstance(v, list | tuple | dict | set)
    ]
    if listed:
        raise DataValidationError(listed)
    settings.update({k: ("" if v is None else str(v)) for k, v in loaded.items()})
    _check_settings(settings, label)
    return settings


#: What a setting given as a list or a mapping gets told.
_ONE_VALUE = {
    "currency": (
        "one currency per dataset: convert every amount to one currency before the export "
        "and name it here (e.g. currency: JPY)"
    ),
}
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


#: IANA names for the zone abbreviations people write.
_ZONE_NAMES = {
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "CST": "Asia/Shanghai",
    "SGT": "Asia/Singapore",
    "IST": "Asia/Kolkata",
    "GMT": "Europe/London",
    "EST": "America/New_York",
    "PST": "America/Los_Angeles",
}


def _check_settings(settings: dict[str, str], label: str = SETTINGS_FILE) -> None:
    problems = []
    tz = settings["timezone"]
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        hint = _ZONE_NAMES.get(tz.strip().upper(), "Asia/Tokyo")
        rule = f"unknown timezone {tz!r}; use an IANA name such as {hint!r}"
        problems.append(Problem(label, "timezone", rule, label="setting"))
    currency = settings["currency"].strip().upper()
    if _CURRENCY_CODE.match(currency):
        settings["currency"] = currency
    else:
        rule = f"currency {settings['currency']!r} is not a 3-letter ISO 4217 code (e.g. JPY, USD); one per dataset"
        problems.append(Problem(label, "currency", rule, label="setting"))
    settings["first_value_milestone"] = settings["first_value_milestone"].strip()
    if pd.isna(pd.to_datetime(settings["earliest_date"], errors="coerce", format="%Y-%m-%d")):
        rule = f"earliest_date {settings['earliest_date']!r} is not a date (expected YYYY-MM-DD)"
        problems.append(Problem(label, "earliest_date", rule, label="setting"))
    start, rules = parse_fiscal_year_start(settings["fiscal_year_start"])
    problems += [Problem(label, "fiscal_year_start", rule, label="setting") for rule in rules]
    settings["fiscal_year_start"] = str(start or settings["fiscal_year_start"])
    if problems:
        raise DataValidationError(problems)


# --------------------------------------------------------------------------- parsing


#: Sources whose rows a user finds by line number (header = line 1); any other source by row index.
_TEXT_SUFFIXES = (".csv", ".gz", ".tsv", ".txt")


def _is_text_file(label: str) -> bool:
    """Whether a source label names a text file (CSV lines) rather than Parquet or a database table (row indexes)."""
    source = label.split(" → ")[0].strip().lower().rstrip("/")
    return source.endswith(_TEXT_SUFFIXES)


class _Where:
    """Turns row positions into what a user finds in the file: CSV lines (header = line 1) or Parquet row indexes."""

    def __init__(self, label: str, original: np.ndarray | None = None):
        self.label = label
        self.csv = _is_text_file(label)
        self.original = original  # the file position of each row kept (fully empty rows are dropped)

    def row(self, pos: int) -> str:
        if self.original is not None:
            pos = int(self.original[pos])
        return f"line {pos + 2}" if self.csv else f"row index {pos}"

    def examples(self, positions: np.ndarray, values: pd.Series | None = None) -> tuple[str, ...]:
        out = []
        for i, pos in enumerate(positions[:MAX_EXAMPLES]):
            text = self.row(int(pos))
            if values is not None:
                v = values.iloc[i]
                text += f": '{v}'" if isinstance(v, str) else f": {v}"
            out.append(text)
        return tuple(out)

    def problem(self, column: str | None, rule: str, mask: np.ndarray, values: pd.Series | None = None) -> Problem:
        positions = np.flatnonzero(mask)
        shown = None if values is None else values.iloc[positions[:MAX_EXAMPLES]]
        return Problem(self.label, column, rule, int(len(positions)), self.examples(positions, shown))


def _as_text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
        s = s.astype("Int64")
    return s.astype("str").where(s.notna())


def _parse_datetime(s: pd.Series, tz: str, kind: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert(tz).dt.tz_localize(None)
    else:
        text = _as_text(s).str.replace("/", "-", regex=False)
        aware = text.str.contains(_TZ_SUFFIX, na=False).to_numpy()
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
        if (~aware).any():
            out[~aware] = pd.to_datetime(text[~aware], format="ISO8601", errors="coerce")
        if aware.any():
            parsed = pd.to_datetime(text[aware], format="ISO8601", errors="coerce", utc=True)
            out[aware] = parsed.dt.tz_convert(tz).dt.tz_localize(None)
    out = out.astype("datetime64[ns]")
    return out.dt.normalize() if kind == "date" else out


def _parse_month(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.PeriodDtype):
        return s.dt.asfreq("M")
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.to_period("M")
    text = _as_text(s).str.replace("/", "-", regex=False)
    ok = text.str.fullmatch(r"\d{4}-\d{1,2}(-\d{1,2})?", na=False)
    parsed = pd.to_datetime(text.where(ok).str.slice(0, 7) + "-01", format="ISO8601", errors="coerce")
    return parsed.dt.to_period("M")


def _parse_number(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    text = _as_text(s)
    text = text.where(~text.str.fullmatch(_THOUSANDS, na=False), text.str.replace(",", "", regex=False))
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _parse_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    text = _as_text(s).str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[text.isin(_TRUE).to_numpy()] = True
    out[text.isin(_FALSE).to_numpy()] = False
    return out


_EXPECTED = {
    "date": "not a date (expected YYYY-MM-DD)",
    "timestamp": "not a date-time (expected ISO 8601, e.g. 2026-10-31T09:30:00+09:00)",
    "month": "not a month (expected YYYY-MM)",
    "number": "not a number",
    "int": "not a whole number",
    "bool": "not true/false",
}


def _parse_by_kind(raw: pd.Series, col: Column, tz: str, where: _Where) -> tuple[pd.Series, list[Problem]]:
    """The column parsed by its kind (NaN where unreadable), and values outside an allowed list."""
    if col.kind in ("date", "timestamp"):
        return _parse_datetime(raw, tz, col.kind), []
    if col.kind == "month":
        return _parse_month(raw), []
    if col.kind in ("number", "int"):
        return _parse_number(raw), []
    if col.kind not in ("id", "str"):
        return _parse_bool(raw), []
    parsed = _as_text(raw)
    if col.allowed is None:
        return parsed, []
    parsed = parsed.str.lower()
    bad = raw.notna().to_numpy() & ~parsed.isin(col.allowed).to_numpy()
    if not bad.any():
        return parsed, []
    return parsed, [where.problem(col.name, f"value not allowed (expected one of {list(col.allowed)})", bad, raw)]


def _range_problems(
    parsed: pd.Series, raw: pd.Series, col: Column, where: _Where, earliest: pd.Timestamp | None = None
) -> list[Problem]:
    """Values below the column's minimum or above its maximum."""
    problems = []
    if col.min is not None:
        low = (parsed < col.min).fillna(False).to_numpy()
        if low.any():
            rule = "negative value (must be >= 0)" if col.min == 0 else f"value below {col.min}"
            problems.append(where.problem(col.name, rule, low, raw))
    if col.max is not None:
        high = (parsed > col.max).fillna(False).to_numpy()
        if high.any():
            problems.append(where.problem(col.name, f"value above {col.max}", high, raw))
    if earliest is not None and col.kind in ("date", "timestamp"):
        early = (parsed < earliest).fillna(False).to_numpy()
        if early.any():
            rule = (
                f"date before {earliest:%Y-%m-%d}, the earliest this data may hold "
                "(set earliest_date in dataset.yaml if it is real)"
            )
            problems.append(where.problem(col.name, rule, early, raw))
    return problems


def _parse_column(
    raw: pd.Series, col: Column, tz: str, where: _Where, earliest: pd.Timestamp | None = None
) -> tuple[pd.Series, list[Problem]]:
    present = raw.notna().to_numpy()
    parsed, problems = _parse_by_kind(raw, col, tz, where)
    bad_parse = present & parsed.isna().to_numpy()
    if bad_parse.any():
        problems.append(where.problem(col.name, _EXPECTED.get(col.kind, "unreadable value"), bad_parse, raw))
    if col.kind in ("number", "int"):
        infinite = present & np.isinf(parsed.to_numpy(dtype="float64", na_value=np.nan))
        if infinite.any():  # inf / Infinity parse as numbers but would make every total infinite
            problems.append(where.problem(col.name, "not a finite number", infinite, raw))
            parsed = parsed.mask(infinite)
            bad_parse = bad_parse | infinite
    if col.kind == "int":
        frac = present & ~bad_parse & (parsed.fillna(0) % 1 != 0).to_numpy()
        if frac.any():
            problems.append(where.problem(col.name, _EXPECTED["int"], frac, raw))
        elif not problems:
            parsed = parsed.astype("Int64")
    problems += _range_problems(parsed, raw, col, where, earliest)
    if not col.may_be_empty and (~present).any():
        problems.append(where.problem(col.name, "empty value in a required column", ~present))
    return parsed, problems


def _drop_empty_rows(raw: pd.DataFrame, where: _Where) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Rows with no value at all (Excel writes ",,,," below the data) are dropped, with a warning."""
    empty = raw.isna().all(axis=1).to_numpy()
    kept = np.flatnonzero(~empty)
    if not empty.any():
        return raw, kept, []
    note = where.problem(None, "fully empty rows dropped", empty)
    return raw.iloc[kept].reset_index(drop=True), kept, [note]


#: Characters that do not show but make two ids differ (zero-width space, joiners, BOM, word joiner, no-break space).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def _not_in(values, known) -> np.ndarray:
    """Whether each of ``values`` (text) is missing from ``known`` (text); a missing value (None, NaN) counts as known.

    Examples
    --------
    >>> _not_in(pd.Series(["a", "x", None], dtype="str"), pd.Series(["a", "b"], dtype="str")).tolist()
    [False, True, False]
    >>> _not_in(np.array(["b", "z"], dtype=object), pd.Series(["a", "b"], dtype="str")).tolist()
    [False, True]
    """
    missing = values.isna().to_numpy() if isinstance(values, pd.Series) else pd.isna(values)
    return (text_positions(values, known) < 0) & ~missing


def _strip_invisible(raw: pd.DataFrame, table: Table, where: _Where) -> tuple[pd.DataFrame, list[Problem]]:
    """Invisible characters are removed from id columns, with a warning that shows the values escaped."""
    notes = []
    for col in table.columns:
        if col.kind != "id" or col.name not in raw.columns or raw[col.name].dtype == "float64":
            continue
        text = raw[col.name].astype("str").where(raw[col.name].notna())
        if _all_ascii(text):  # every invisible character is outside ASCII: most id columns are checked at once
            continue
        hit = text.str.contains(_INVISIBLE, na=False).to_numpy()
        if hit.any():
            escaped = text.map(lambda v: ascii(v)[1:-1] if isinstance(v, str) else v)
            notes.append(where.problem(col.name, "invisible characters removed from ids", hit, escaped))
            raw = raw.copy()
            raw[col.name] = text.str.replace(_INVISIBLE, "", regex=True)
    return raw, notes


def _all_ascii(text: pd.Series) -> bool:
    """Whether every (non-missing) value of a text column is plain ASCII, by Arrow's check on the bytes.

    Examples
    --------
    >>> _all_ascii(pd.Series(["A001", None], dtype="str")), _all_ascii(pd.Series(["A\u200b001"], dtype="str"))
    (True, False)
    """
    import pyarrow.compute as pc

    return bool(pc.all(pc.string_is_ascii(arrow_text(text))).as_py() is not False)


def _validate_table(
    table: Table, raw: pd.DataFrame, label: str, tz: str, earliest: pd.Timestamp | None = None
) -> tuple[pd.DataFrame | None, list[Problem], list[Problem], np.ndarray | None]:
    """The parsed table, its problems (errors), notes on what was cleaned (warnings) and the file rows kept."""
    dupes = raw.columns[raw.columns.duplicated()].tolist()
    if dupes:
        return None, [Problem(label, None, f"duplicate column name(s) {dupes}")], [], None
    missing = [c for c in table.required_columns if c not in raw.columns]
    if missing:
        return (
            None,
            [Problem(label, c, f"missing required column; found columns: {list(raw.columns)}") for c in missing],
            [],
            None,
        )
    # a source row number per row: a frame's integer index (rows a mapping kept), else the position
    origin = (
        raw.index.to_numpy(dtype="int64")
        if pd.api.types.is_integer_dtype(raw.index) and raw.index.is_unique
        else np.arange(len(raw))
    )
    raw, kept, notes = _drop_empty_rows(raw.reset_index(drop=True), _Where(label, origin))
    kept = origin[kept]
    if raw.empty:
        return None, [Problem(label, None, "empty table (a header but no rows)")], notes, None
    where = _Where(label, kept)
    raw, invisible = _strip_invisible(raw, table, where)
    notes += invisible
    out = raw.copy()
    problems: list[Problem] = []
    for col in table.columns:
        if col.name in raw.columns:
            out[col.name], col_problems = _parse_column(raw[col.name], col, tz, where, earliest)
            problems += col_problems
    if problems:
        return None, problems, notes, kept
    if table.name == "surveys":
        for survey, (lo, hi) in SURVEY_SCALES.items():
            bad = ((out["survey"] == survey) & ~out["score"].between(lo, hi)).fillna(False).to_numpy()
            if bad.any():
                problems.append(
                    where.problem("score", f"{survey} score outside its scale {lo}-{hi}", bad, raw["score"])
                )
    for early, late in ORDERED_PAIRS.get(table.name, []):
        if early in out.columns and late in out.columns:
            bad = (out[late] < out[early]).fillna(False).to_numpy()
            if bad.any():
                values = raw[early].astype("str") + " > " + raw[late].astype("str")
                problems.append(where.problem(late, f"{late} before {early}", bad, values))
    key = [k for k in table.key if k in out.columns]
    if key:
        keyed = out[key].notna().all(axis=1).to_numpy()
        dup = keyed & out.duplicated(subset=key, keep=False).to_numpy()
        if dup.any():
            values = raw[key].astype("str").agg(", ".join, axis=1) if len(key) > 1 else raw[key[0]]
            name = key[0] if len(key) == 1 else "(" + ", ".join(key) + ")"
            problems.append(where.problem(name, f"duplicate key {name}", dup, values))
    return (None if problems else out), problems, notes, kept


# --------------------------------------------------------------------------- the dataset


def load_dataset(
    folder: str | Path,
    *,
    encoding: str | dict[str, str] | None = None,
    columns: dict[str, dict[str, str]] | None = None,
    as_of: str | pd.Timestamp | None = None,
) -> Dataset:
    """Load and validate every table in ``folder``.

    Parameters
    ----------
    folder : str or Path
        A folder with one file per table (``accounts.csv``, ``usage.parquet``,
        ``tickets.csv.gz``, ...) and optionally ``dataset.yaml`` with
        ``currency``, ``timezone``, ``name`` and ``as_of``. Export files that need a
        mapping are read by :func:`playbook.data.source.load_source`.
    encoding : str or dict of str to str, optional
        Text encoding of the CSV files, one for all or a dict per table. By
        default UTF-8, UTF-8 with BOM and CP932 are detected.
    columns : dict of str to dict, optional
        Per table, a mapping from your column names to the contract's, e.g.
        ``{"accounts": {"customer_id": "account_id"}}``.
    as_of : str or pandas.Timestamp, optional
        The date the data was exported. Default: ``as_of`` in ``dataset.yaml``
        else the latest activity date found in the tables.

    Returns
    -------
    Dataset
        The validated tables, with the files they came from, the settings,
        ``as_of`` (a date, without time of day) and the warnings about legal but
        suspicious data.

    Raises
    ------
    DataValidationError
        Listing every problem: file, column, rule, number of rows and the first
        offending rows and values. Also raised, with one problem, when ``folder``
        is not a folder or ``dataset.yaml`` is not a mapping of known settings.

    Examples
    --------
    >>> from playbook.data.paths import SAMPLE_DIR
    >>> ds = load_dataset(SAMPLE_DIR)
    >>> ds.accounts["account_id"].dtype, ds.subscriptions["start_date"].dtype
    (<StringDtype(na_value=nan)>, dtype('<M8[ns]'))
    >>> str(ds.last_complete_month)
    '2026-10'
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataValidationError(Problem(str(folder), None, "data folder not found"))
    settings = _load_settings(folder)
    files, problems, notes = _find_files(folder)
    problems += _missing_required(files, folder)
    raw, read_problems = _read_files(files, settings, encoding, columns)
    labels = {name: (f"{path.name}/" if path.is_dir() else path.name) for name, path in files.items()}
    return _assemble(
        raw,
        labels=labels,
        settings=settings,
        source=str(folder),
        as_of=as_of,
        problems=problems + read_problems,
        notes=notes,
        files=files,
    )


def load_tables(
    raw: dict[str, pd.DataFrame | UsageSummary],
    *,
    labels: dict[str, str],
    settings: dict | None = None,
    source: str = "",
    as_of: str | pd.Timestamp | None = None,
    fingerprints: dict[str, str] | None = None,
    settings_label: str = SETTINGS_FILE,
    problems: list[Problem] | None = None,
    notes: list[Problem] | None = None,
) -> Dataset:
    """Validate tables already read (from a mapping, a database, ...) exactly as files are validated.

    Same rules, messages and warnings as :func:`load_dataset` on a folder: every table parsed by the kinds of the
    data contract, keys, ranges, orders, ``account_id`` in ``accounts``, a required table missing.

    Parameters
    ----------
    raw : dict of str to DataFrame or UsageSummary
        Per contract table, the rows as read: text columns (parsed here) or typed ones (dates, numbers). The usage
        table may be given already summarised (a :class:`~playbook.data.usage_log.UsageSummary`, e.g. made inside
        a database); it is then checked only for accounts not in ``accounts``. A frame's integer index, when
        unique, is taken as the source row of each row (0 = the first data row), so messages point at the source
        even after rows were filtered out.
    labels : dict of str to str
        Per table, how messages name its source: ``subscriptions.csv``, ``stripe.csv → subscriptions``,
        ``table public.subs``. A label whose source ends with ``.csv``, ``.gz``, ``.tsv`` or ``.txt`` shows rows as
        CSV lines (header = line 1); any other as row indexes.
    settings : dict, optional
        Settings as ``dataset.yaml`` gives them (``currency``, ``timezone``, ``as_of``, ``fiscal_year_start``, ...);
        missing ones take their defaults; checked as ``dataset.yaml`` is.
    source : str
        Where the tables come from (a folder, a mapping file, a database URL without password), kept on the dataset.
    as_of : str or pandas.Timestamp, optional
        The date the data runs to. Default: the ``as_of`` setting, else the latest activity found.
    fingerprints : dict of str to str, optional
        Per input name, its SHA-256, recorded in a run's manifest (:meth:`Dataset.input_sha256`).
    settings_label : str
        How messages about a setting name where it was given (default ``dataset.yaml``).
    problems, notes : list of Problem, optional
        Problems (errors) and notes (warnings) the caller already found while reading, reported with the rest.

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        Listing every problem found, including ``problems``.

    Examples
    --------
    >>> ds = load_tables(
    ...     {"accounts": pd.DataFrame({"account_id": ["A1"], "signup_date": ["2026-01-05"]}),
    ...      "subscriptions": pd.DataFrame({"account_id": ["A1"], "start_date": ["2026-01-05"], "mrr": ["1000"]})},
    ...     labels={"accounts": "crm accounts", "subscriptions": "billing.csv → subscriptions"},
    ...     as_of="2026-10-31")
    >>> float(ds.subscriptions["mrr"].sum()), ds.label("subscriptions")
    (1000.0, 'billing.csv → subscriptions')
    >>> load_tables(
    ...     {"accounts": pd.DataFrame({"account_id": ["A1"], "signup_date": ["2026-01-05"]}),
    ...      "subscriptions": pd.DataFrame({"account_id": ["A2"], "start_date": ["2026-01-05"], "mrr": [1000]},
    ...                                    index=[4])},
    ...     labels={"accounts": "crm.csv", "subscriptions": "subs"})
    Traceback (most recent call last):
    ...
    playbook.data.errors.DataValidationError: subs, column 'account_id': account_id not found in accounts (1 distinct ids: 'A2') - 1 row; first: row index 4
    """
    checked = check_settings(dict(settings or {}), settings_label)
    unknown = sorted(set(raw) - set(TABLES))
    if unknown:
        raise DataValidationError(
            Problem(source or "input", None, f"not a table of the data contract: {unknown}; known: {list(TABLES)}")
        )
    found = list(problems or []) + _missing_required(dict.fromkeys(raw), Path(source or "input"))
    return _assemble(
        raw,
        labels={name: labels.get(name, name) for name in raw},
        settings=checked,
        source=source,
        as_of=as_of,
        fingerprints=fingerprints,
        problems=found,
        notes=list(notes or []),
    )


def _assemble(
    raw: dict,
    *,
    labels: dict[str, str],
    settings: dict[str, str],
    source: str,
    as_of,
    problems: list[Problem],
    notes: list[Problem],
    fingerprints: dict[str, str] | None = None,
    files: dict[str, Path] | None = None,
) -> Dataset:
    """Every raw table validated, accounts cross-checked, the dataset built with its as-of date and warnings."""
    tables, table_problems, table_notes, kept_rows = _validate_tables(raw, labels, settings)
    problems = problems + table_problems
    problems += _unknown_accounts(tables, labels, kept_rows)
    if problems:
        raise DataValidationError(problems)
    if "usage" in tables and not isinstance(tables["usage"], UsageSummary):  # rows in memory
        tables["usage"] = frame_summary(tables["usage"], source=labels["usage"])
    ds = Dataset(
        folder=Path(source) if source else Path("."),
        files=dict(files or {}),
        settings=settings,
        labels=dict(labels),
        fingerprints=dict(fingerprints or {}),
        source=source,
        **tables,
    )
    ds.as_of = pd.Timestamp(as_of or settings.get("as_of") or _latest_activity(ds)).normalize()
    ds.warnings = notes + table_notes + _static_warnings(ds)
    return ds


def _missing_required(files: dict[str, Path], folder: Path) -> list[Problem]:
    """A problem for each required table of the contract that has no file (nor a table given instead of it).

    ``accounts`` with ``transactions`` only is a valid (transactions-only) dataset.
    """
    problems = []
    for required, *stand_ins in required_tables():
        if required in files or any(s in files for s in stand_ins):
            continue
        expected = (
            f"or give {' or '.join(stand_ins)} instead"
            if stand_ins
            else f"expected {required}.csv, .csv.gz or .parquet"
        )
        problems.append(
            Problem(folder.name or str(folder), None, f"required table '{required}' is missing ({expected})")
        )
    return problems


def _read_files(files: dict[str, Path], settings: dict, encoding, columns) -> tuple[dict, list]:
    """Every table file read as raw columns; a usage folder checked and summarised where it lies.

    Returns per table its raw frame (or usage summary), and the problems of the files that could not be read.
    """
    problems: list[Problem] = []
    raw: dict = {}
    for name, path in files.items():
        if path.is_dir():  # usage as a folder of Parquet files: checked and summarised by DuckDB where it lies
            if columns and name in columns:
                problems.append(
                    Problem(
                        f"{path.name}/",
                        None,
                        "renaming columns is not supported for a folder of Parquet files; write the files with the contract's column names",
                    )
                )
                continue
            folder_problems = validate_parquet(path, settings["timezone"])
            problems += folder_problems
            if not folder_problems:
                raw[name] = summarise_parquet(path, tz=settings["timezone"])
            continue
        enc = encoding.get(name) if isinstance(encoding, dict) else encoding
        try:
            frame = read_table_file(path, encoding=enc)
        except DataValidationError as exc:
            problems += exc.problems
            continue
        if columns and name in columns:
            frame = frame.rename(columns=columns[name])
        raw[name] = frame
    return raw, problems


def _validate_tables(raw: dict, labels: dict[str, str], settings: dict) -> tuple[dict, list, list, dict]:
    """Every raw table validated against the contract (a usage summary passes as it is).

    Returns the tables, the problems, the notes on what was cleaned, and per table the source rows kept.
    """
    problems: list[Problem] = []
    notes: list[Problem] = []
    kept_rows: dict[str, np.ndarray] = {}
    earliest = pd.Timestamp(settings["earliest_date"])
    tables: dict = {}
    for name, frame in raw.items():
        if isinstance(frame, UsageSummary):
            tables[name] = frame
            continue
        df, table_problems, table_notes, kept = _validate_table(
            TABLES[name], frame, labels[name], settings["timezone"], earliest
        )
        problems += table_problems
        notes += table_notes
        if df is not None:
            tables[name], kept_rows[name] = df, kept
    return tables, problems, notes, kept_rows


def _unknown_accounts(tables: dict, labels: dict[str, str], kept_rows: dict) -> list[Problem]:
    """Rows whose account_id is not in accounts, per table."""
    problems: list[Problem] = []
    if "accounts" in tables:
        known = tables["accounts"]["account_id"]
        for name, df in tables.items():
            if isinstance(df, UsageSummary):  # summarised where it lies (a Parquet folder, a database)
                seen = df.account_ids()
                ids = np.sort(seen[_not_in(seen, known)])
                if len(ids):
                    shown = ", ".join(f"'{i}'" for i in ids[:MAX_EXAMPLES])
                    n = int(df.account_month.loc[df.account_month["account_id"].isin(set(ids)), "sessions"].sum())
                    problems.append(
                        Problem(
                            labels[name],
                            "account_id",
                            f"account_id not found in accounts ({len(ids)} distinct ids: {shown}{', ...' if len(ids) > MAX_EXAMPLES else ''})",
                            n,
                        )
                    )
                continue
            if TABLES[name].refs_accounts and "account_id" in df.columns:
                bad = _not_in(df["account_id"], known)  # hashed in Arrow, not per value
                if bad.any():
                    ids = pd.unique(df.loc[bad, "account_id"])
                    shown = ", ".join(f"'{i}'" for i in ids[:MAX_EXAMPLES])
                    problems.append(
                        Problem(
                            labels[name],
                            "account_id",
                            f"account_id not found in accounts ({len(ids)} distinct ids: {shown}{', ...' if len(ids) > MAX_EXAMPLES else ''})",
                            int(bad.sum()),
                            _Where(labels[name], kept_rows.get(name)).examples(np.flatnonzero(bad)),
                        )
                    )
    return problems


#: Tables whose dates prove that a month happened (a session, an invoice, a ticket, ...), and their date column.
_ACTIVITY = {
    "usage": "date",
    "transactions": "date",
    "surveys": "date",
    "tickets": "opened_at",
    "trials": "start_date",
    "onboarding": "completed_date",
}
#: Used only when no activity table is given: bookings can be dated in the future, activity cannot.
_FALLBACK = {"accounts": "signup_date", "subscriptions": "start_date"}
#: A month counts as having happened when it holds at least this share of the table's median month of rows,
#: so one mistyped date (2099-10-01) cannot move the data's as-of date.
POPULATED_SHARE = 0.1


def _monthly_rows(ds: Dataset, table: str, col: str) -> tuple[pd.Series, pd.Series]:
    """Rows per month and the latest date per month of one table's date column."""
    if table == "usage":
        days = ds.usage.day_rows
        months = days.index.to_period("M")
        return days.groupby(months).sum(), pd.Series(days.index, index=days.index).groupby(months).max()
    if table == "mrr_monthly":
        months = ds.mrr_monthly["month"]
        return months.value_counts().sort_index(), pd.Series(months.unique(), index=months.unique()).map(
            lambda m: m.end_time.normalize()
        )
    dates = getattr(ds, table)[col].dropna()
    months = dates.dt.to_period("M")
    return months.value_counts().sort_index(), dates.groupby(months).max()


def _populated_end(counts: pd.Series, last_dates: pd.Series) -> pd.Timestamp | None:
    if counts.empty:
        return None
    threshold = max(1.0, POPULATED_SHARE * float(counts.median()))
    populated = counts[counts >= threshold]
    return last_dates[populated.index.max()] if len(populated) else None


def _evidence(ds: Dataset) -> dict[str, str]:
    present = {t: c for t, c in _ACTIVITY.items() if getattr(ds, t) is not None}
    if present:
        return present
    fallback = {t: c for t, c in _FALLBACK.items() if getattr(ds, t) is not None}
    if ds.mrr_monthly is not None:
        fallback["mrr_monthly"] = "month"
    return fallback


def _latest_activity(ds: Dataset) -> pd.Timestamp:
    """The latest date that activity proves: the end of the latest well-populated month of each activity table."""
    ends = [_populated_end(*_monthly_rows(ds, t, c)) for t, c in _evidence(ds).items()]
    return max(e for e in ends if e is not None and pd.notna(e))


def active_months(ds: Dataset) -> pd.PeriodIndex:
    """The months in which the data shows activity (a session, invoice, ticket, survey, trial, onboarding step).

    Without any activity table, the months with signups, subscription starts or ``mrr_monthly`` rows.

    Parameters
    ----------
    ds : Dataset
        A validated dataset.

    Returns
    -------
    pandas.PeriodIndex
        Sorted months.
    """
    months = set()
    for t, c in _evidence(ds).items():
        months |= set(_monthly_rows(ds, t, c)[0].index)
    return pd.PeriodIndex(sorted(months), freq="M")


def month_of(dates: pd.Series) -> pd.Series:
    """Calendar month of each date (Period[M]); month columns pass through.

    Parameters
    ----------
    dates : pandas.Series
        Dates (``datetime64``) or periods.

    Returns
    -------
    pandas.Series
        The month of each date, with the same index. A Series of periods is
        returned unchanged, whatever its frequency.

    Examples
    --------
    >>> month_of(pd.Series(pd.to_datetime(["2026-10-31"]))).astype(str).tolist()
    ['2026-10']
    """
    return dates if isinstance(dates.dtype, pd.PeriodDtype) else dates.dt.to_period("M")


def _file_label(ds: Dataset, name: str) -> str:
    """How a user sees the source of a table: its file name (a folder ends with '/'), or its mapped source."""
    return ds.label(name)


def _static_warnings(ds: Dataset) -> list[Problem]:
    out: list[Problem] = []
    for name, df in ds.tables.items():
        table = TABLES[name]
        if not table.monthly:
            continue
        months = (pd.Series(df.rows_per_month().index) if name == "usage" else month_of(df[table.date_col])).dropna()
        if months.empty:
            continue
        months = months[months <= ds.as_of.to_period("M")]  # later rows are a warning of their own
        if months.empty:
            continue
        expected = pd.period_range(months.min(), months.max(), freq="M")
        empty = expected.difference(pd.PeriodIndex(months.unique()))
        if len(empty):
            out.append(
                Problem(
                    _file_label(ds, name),
                    table.date_col,
                    f"months with no data: {', '.join(str(m) for m in empty[:12])}"
                    + (" ..." if len(empty) > 12 else ""),
                    None,
                )
            )
    for name, col, n, first in _rows_after(ds, ds.as_of):
        rule = (
            f"dated after the data's as-of date {ds.as_of:%Y-%m-%d} (the latest activity; never reviewed): "
            + ", ".join(first)
        )
        out.append(Problem(_file_label(ds, name), col, rule, n))
    paying = [getattr(ds, t)["account_id"] for t in ("subscriptions", "mrr_monthly") if getattr(ds, t) is not None]
    if ds.usage is not None:
        seen = ds.usage.account_ids()  # distinct and sorted
        known = pd.concat(paying, ignore_index=True) if paying else pd.Series([], dtype="str")
        ids = seen[_not_in(seen, known)].tolist()
        if ids:
            shown = ", ".join(ids[:MAX_EXAMPLES]) + (", ..." if len(ids) > MAX_EXAMPLES else "")
            out.append(
                Problem(
                    _file_label(ds, "usage"),
                    "account_id",
                    f"{len(ids)} account(s) with usage but no subscription: {shown}",
                    None,
                )
            )
    return out


def _rows_after(ds: Dataset, end: pd.Timestamp) -> list[tuple[str, str, int, list[str]]]:
    """Per table with a date: the rows dated after ``end`` (table, column, rows, first three dates)."""
    out = []
    for name, df in ds.tables.items():
        col = TABLES[name].date_col
        if col is None or name == "actions":
            continue
        if name == "usage":
            days = df.day_rows[df.day_rows.index > end]
            n, first = int(days.sum()), [f"{d:%Y-%m-%d}" for d in days.index[:3]]
        else:
            s = df[col]
            later = (
                (s.dt.end_time.dt.normalize() > end)
                if isinstance(s.dtype, pd.PeriodDtype)
                else (s.dt.normalize() > end)
            )
            n = int(later.sum())
            first = sorted(s[later].astype("str").unique())[:3] if n else []
        if n:
            out.append((name, col, n, first))
    return out


def data_warnings(ds: Dataset, *, month: str | pd.Period | None = None) -> pd.DataFrame:
    """Every warning about legal but suspicious data, as a table.

    The dataset's own warnings (months with no data, usage without a
    subscription, ignored files) plus, for a review ``month``, rows dated after
    that month. Columns: ``file``, ``column``, ``warning``, ``rows``.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    month : str or pandas.Period, optional
        The review month. When given, the rows dated after its last day are
        counted per table (except ``actions``), with the first such dates.

    Returns
    -------
    pandas.DataFrame
        One row per warning: ``file`` (a folder ends with ``/``), ``column``
        (empty when the warning is about a whole file), ``warning`` (the text)
        and ``rows`` (nullable integer; missing when rows are not counted).
    """
    problems = list(ds.warnings)
    if month is not None:
        end = pd.Period(month, freq="M").end_time.normalize()
        if end < ds.as_of:  # rows after the as-of date are already a warning of the dataset
            for name, col, n, first in _rows_after(ds, end):
                rule = f"dated after the review month {month} (ignored in this review): {', '.join(first)}"
                problems.append(Problem(_file_label(ds, name), col, rule, n))
    return pd.DataFrame(
        {
            "file": [p.file for p in problems],
            "column": [p.column or "" for p in problems],
            "warning": [p.rule for p in problems],
            "rows": pd.array([p.count for p in problems], dtype="Int64"),
        },
        columns=["file", "column", "warning", "rows"],
    )


def review_month(ds: Dataset, month: str | pd.Period | None) -> pd.Period:
    """The review month to use: ``None`` or ``"latest"`` = the last complete month.

    A month after the last complete one, or before the first month with
    subscription data, is refused with a message that names the range.

    Parameters
    ----------
    ds : Dataset
        A validated dataset (:func:`playbook.load_dataset`).
    month : str, pandas.Period or None
        A month such as ``"2026-10"``, or ``"latest"`` or None for the last
        complete month.

    Returns
    -------
    pandas.Period
        The review month (a monthly period).

    Raises
    ------
    DataValidationError
        If the month is after the last complete month
        (``ds.last_complete_month``) or before the first month with subscription
        data (``ds.first_month``).
    """
    last = ds.last_complete_month
    period = last if month is None or str(month) == "latest" else pd.Period(month, freq="M")
    first = ds.first_month
    if period > last:
        raise DataValidationError(
            Problem(
                "parameters",
                "month",
                f"{period} is not complete in this data (data as of {ds.as_of:%Y-%m-%d}); the latest complete month is {last}",
            )
        )
    if period < first:
        raise DataValidationError(
            Problem(
                "parameters",
                "month",
                f"{period} is before the data starts ({first}); choose a month from {first} to {last}",
            )
        )
    active = active_months(ds)
    # signups and starts alone cannot prove a quiet month happened: there an as-of date the user set is believed
    believed = ds.settings.get("as_of") and not any(getattr(ds, t) is not None for t in _ACTIVITY)
    if len(active) and period > active.max() and not believed:  # an as-of date set beyond what the data reaches
        raise DataValidationError(
            Problem(
                "parameters",
                "month",
                f"{period} has no activity in this data (the latest activity is in {active.max()}; the data's as-of "
                f"date is {ds.as_of:%Y-%m-%d}); choose a month up to {active.max()} or correct as_of in dataset.yaml",
            )
        )
    return period
